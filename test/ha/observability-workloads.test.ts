import { parse } from 'yaml';
import { haInputFromFiles } from '../../lib/ha/analysis';
import { buildHaModel, Workload } from '../../lib/ha/model';
import { Outcome, simulate } from '../../lib/ha/simulate';
import { SNAPSHOT_CONTROLLER_AFFINITY, VELERO_RECOVERY_BUDGET, VELERO_RECOVERY_SECONDS } from '../../lib/layers/backups';
import { renderSite } from '../../lib/synth';
import { shippedSite } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The chart and Git workloads of the backups layer, declared to the HA checker: what the model
 * reads from the rendered Applications, and what the node-failure simulation makes of them.
 * (The monitoring and logging layers render their charts' workloads: their HA facts are tested
 * on the rendered objects in test/layers/monitoring.test.ts and test/layers/logging.test.ts.)
 */
describe('HA declarations of the backups layer', () => {
  const rendered = renderSite(shippedSite());
  const files = new Map(rendered.map((f) => [f.path, f.content]));
  const model = buildHaModel(haInputFromFiles(rendered));
  const workload = (label: string): Workload => {
    const w = model.workloads.find((x) => x.label === label);
    if (!w) throw new Error(`${label} is not in the model`);
    return w;
  };
  const declared = (app: string): Obj[] => JSON.parse(parse(files.get(app)!).metadata.annotations['platform.tsys/workloads']);

  test('GIVEN the rendered Applications WHEN read THEN each declares its chart\'s workloads by the names the charts render', () => {
    const names = (app: string) => declared(app).map((d) => `${d.kind} ${d.name}`);
    expect(names('dist/backups/application-velero-chart.yaml').sort()).toEqual(['DaemonSet node-agent', 'Deployment velero']);
    expect(names('dist/backups/application-snapshot-controller-git.yaml')).toEqual(['Deployment snapshot-controller']);
    // Every declaration resolves: no ha/annotations problem on these Applications.
    expect(model.problems.filter((p) => typeof p.origin !== 'string' && /backups/.test(p.origin.file))).toEqual([]);
  });

  test.each([
    // label, replicas, hard spread, PDB minimum, singleton, system component
    ['velero/velero (Deployment)', 1, false, undefined, true, false],
    ['velero/node-agent (DaemonSet)', 0, false, undefined, false, true],
    ['kube-system/snapshot-controller (Deployment)', 2, true, 1, false, false],
  ])('GIVEN %s WHEN the model reads its values THEN replicas %d, hard spread %s, PDB minimum %s, singleton %s, system component %s', (label, replicas, spread, pdbMin, singleton, system) => {
    const w = workload(label);
    expect(w.declared).toBe(true);
    expect(w.replicas).toBe(replicas);
    expect(!!w.spread).toBe(spread);
    expect(w.pdbMin).toBe(pdbMin);
    expect(!!w.singleton).toBe(singleton);
    expect(!!w.systemComponent).toBe(system);
  });

  describe('GIVEN www1 (an agent) is lost', () => {
    const cluster = model.cluster!;
    const result = simulate(cluster, model.workloads, ['www1']);
    const outcome = (label: string): Outcome => {
      const o = result.outcomes.find((x) => x.label === label);
      if (!o) throw new Error(`${label} has no outcome`);
      return o;
    };

    test.each([
      ['kube-system/snapshot-controller (Deployment)', 2, 1],
    ])('THEN %s keeps %d - 1 = %d serving and has no outage', (label, before, kept) => {
      const o = outcome(label);
      expect(o).toMatchObject({ before, lost: 1, outageSeconds: 0 });
      expect(o.before - o.lost).toBe(kept);
      expect(o.why).toContain(`${kept} ${kept === 1 ? 'keeps' : 'keep'} serving`);
    });

    test('THEN the singleton Velero comes back within its own budget: 212 s (its own 240 s)', () => {
      expect(outcome('velero/velero (Deployment)')).toMatchObject({ outageSeconds: VELERO_RECOVERY_SECONDS, budgetSeconds: VELERO_RECOVERY_BUDGET.seconds, verdict: 'ok' });
      expect(VELERO_RECOVERY_SECONDS).toBe(212);
      // Over the site's budget: the own budget is what lets it pass.
      expect(VELERO_RECOVERY_SECONDS).toBeGreaterThan(cluster.recoveryBudgetSeconds);
    });

    test('THEN the DaemonSets lose only the pod of www1', () => {
      for (const l of ['velero/node-agent (DaemonSet)']) {
        expect(outcome(l)).toMatchObject({ before: 7, after: 6, verdict: 'ok' });
      }
    });
  });

  test('GIVEN the snapshot controller WHEN rendered THEN its Application patches in the declared anti-affinity and the layer renders its PodDisruptionBudget', () => {
    const app = parse(files.get('dist/backups/application-snapshot-controller-git.yaml')!);
    const [patch] = app.spec.source.kustomize.patches;
    expect(patch.target).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment', name: 'snapshot-controller' });
    expect(parse(patch.patch)).toMatchObject({ kind: 'Deployment', metadata: { name: 'snapshot-controller' }, spec: { template: { spec: { affinity: SNAPSHOT_CONTROLLER_AFFINITY } } } });
    expect(declared('dist/backups/application-snapshot-controller-git.yaml')[0].spread).toEqual({ affinity: { fixed: SNAPSHOT_CONTROLLER_AFFINITY, because: expect.stringContaining('kustomize patch') } });
    const pdb = parse(files.get('dist/backups/poddisruptionbudget-snapshot-controller.yaml')!);
    expect(pdb).toMatchObject({ metadata: { name: 'snapshot-controller', namespace: 'kube-system' }, spec: { minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'snapshot-controller' } } } });
  });
});
