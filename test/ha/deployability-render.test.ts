import { haInputFromDisk, haModel } from '../../lib/ha/analysis';
import { deployability, stageBefore } from '../../lib/ha/deployability';
import { simulate } from '../../lib/ha/simulate';
import { loadTree } from '../../lib/k8s/tree';
import { REPO } from '../helpers';

/** The rendered dist/ of this checkout, as npm run whatif reads it. */
const model = haModel(haInputFromDisk(REPO, loadTree(REPO).objects));
const notHealthy = (r: ReturnType<typeof deployability>) => r.apps.filter((a) => a.health !== 'Healthy').map((a) => a.app.name);

describe('deployability of the shipped render', () => {
  test('GIVEN the render WHEN every node but www1 has joined (the whiteboard demo\'s stage) THEN every Application is Healthy and no wave is held', () => {
    const before = stageBefore(model.cluster!, 'www1')!;
    const r = deployability(model, before);
    expect([notHealthy(r), r.holds]).toEqual([[], []]);
  });

  test.each(model.cluster!.nodes.map((n) => n.name))('GIVEN the render WHEN %s is lost THEN every Application is Healthy once pods are rescheduled and no wave is held', (node) => {
    const r = deployability(model, { kind: 'loss', lost: [node] });
    expect([notHealthy(r), r.holds]).toEqual([[], []]);
  });

  test('GIVEN the render WHEN a node that may hold a redis-ha server pod is lost THEN its Longhorn volume makes Longhorn force-delete the stuck pod and the StatefulSet gets every replica back', () => {
    const redis = model.workloads.find((w) => w.kind === 'StatefulSet' && w.name === 'argocd-redis-ha-server')!;
    const affected = model.cluster!.nodes.map((n) => n.name)
      .map((node) => ({ node, o: simulate(model.cluster!, model.workloads, [node]).outcomes.find((x) => x.workload === redis)! }))
      .filter(({ o }) => o.affected);
    // Servers and the www agents: it tolerates the servers' taint (docs/deployability.md).
    expect(affected.length).toBeGreaterThanOrEqual(5);
    for (const { node, o } of affected) {
      expect([node, o.lost, o.after, o.why]).toEqual([node, 1, redis.replicas, expect.stringMatching(/back after \d+ s/)]);
    }
  });
});
