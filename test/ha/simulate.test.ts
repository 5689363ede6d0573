import { haInputFromFiles, haModel, nMinusOne } from '../../lib/ha/analysis';
import { automaticLabels, ClusterModel, NodeModel, Workload } from '../../lib/ha/model';
import { isViolation, MAX_PODS_PER_NODE, simulate } from '../../lib/ha/simulate';
import { JENKINS_RECOVERY_BUDGET, JENKINS_RECOVERY_SECONDS } from '../../lib/layers/jenkins';
import { renderSite } from '../../lib/synth';
import { shippedSite } from '../helpers';

const GiB = 2 ** 30;
const SERVER_TAINT = { key: 'CriticalAddonsOnly', value: 'true', effect: 'NoExecute' } as const;

function node(name: string, role: 'server' | 'agent', cpuMillis = 4000, extra: Partial<NodeModel> = {}): NodeModel {
  return { name, role, labels: { ...automaticLabels(name, role), 'node.longhorn.io/create-default-disk': 'true' }, taints: role === 'server' ? [SERVER_TAINT] : [], cpuMillis, memoryBytes: 8 * GiB, ...extra };
}

/** Three tainted servers, three agents, the platform's eviction settings and Longhorn's. */
function site(agents: NodeModel[] = ['www1', 'www2', 'www3'].map((n) => node(n, 'agent'))): ClusterModel {
  const origin = { file: 'dist/longhorn/application-longhorn-chart.yaml', obj: {} };
  return {
    nodes: [node('db1', 'server'), node('db2', 'server'), node('db3', 'server'), ...agents],
    eviction: { nodeMonitorGracePeriodSeconds: 20, nodeMonitorPeriodSeconds: 2, defaultUnreachableTolerationSeconds: 20 },
    recoveryBudgetSeconds: 90,
    storage: {
      storageClass: 'longhorn', defaultClass: true, replicaCount: 3, hardAntiAffinity: true, nodeDownPodDeletionPolicy: 'delete-both-statefulset-and-deployment-pod',
      rwxFastFailover: true, diskNodeLabel: 'node.longhorn.io/create-default-disk', managerDaemonSet: 'longhorn-manager', csiDaemonSet: 'longhorn-csi-plugin', attachSeconds: 30, origin,
    },
  };
}

function workload(name: string, w: Partial<Workload> = {}): Workload {
  return {
    kind: 'Deployment', namespace: 'shop', name, label: `shop/${name} (${w.kind ?? 'Deployment'})`, origin: { file: `dist/shop/${name}.yaml`, obj: {} }, declared: false,
    replicas: 2, nodeSelector: {}, tolerations: [], pdbNote: 'no PodDisruptionBudget', cpuMillis: 0, memoryBytes: 0, exempt: new Map(),
    startupSeconds: 30, startupNote: 'readiness probe', terminationGraceSeconds: 30, volumes: [], argo: { via: 'self' },
    ...w,
  };
}

const outcome = (cluster: ClusterModel, ws: Workload[], failed: string[], name: string) => simulate(cluster, ws, failed).outcomes.find((o) => o.workload.name === name)!;

describe('node-failure simulation', () => {
  test('GIVEN rendered files whose Deployment has replicas .inf, .nan, or 3 WHEN the HA model is read from them (synth\'s and the diff\'s way) THEN only the finite one is a workload: verify/manifests reports the others, and the simulation never meets them', () => {
    const deployment = (name: string, replicas: string) => ({ path: `dist/shop/deployment-${name}.yaml`, content: `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: shop}\nspec:\n  replicas: ${replicas}\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {containers: [{name: app, image: nginx}]}\n` });
    const input = haInputFromFiles([deployment('inf', '.inf'), deployment('nan', '.nan'), deployment('three', '3')]);
    expect(input.objects.map((o) => o.file)).toEqual(['dist/shop/deployment-three.yaml']);
  });

  test('GIVEN a Deployment of 2,000,000,000 replicas (a valid int32) asking for CPU, and one asking for nothing WHEN the site is placed and a node lost THEN it answers at once: the first places what fits and counts the rest as not placed, the second places 110 pods (the kubelet\'s most) on each node it may use and counts the rest; a lost node\'s pods find no room on the full nodes left', () => {
    const cluster = site();
    const started = Date.now();
    const hungry = workload('hungry', { replicas: 2_000_000_000, cpuMillis: 1000 });
    const free = workload('free', { replicas: 2_000_000_000 });
    const intact = simulate(cluster, [hungry, free], []);
    const lost = simulate(cluster, [hungry, free], ['www1']);
    expect(Date.now() - started).toBeLessThan(10_000);
    // Three agents of 4 CPUs: 12 pods of 1 CPU; the rest as one shortfall, with the reason the first one met.
    expect(intact.unplaced.map((u) => [u.workload.name, u.pods, u.why])).toEqual([
      ['free', 2_000_000_000 - 3 * MAX_PODS_PER_NODE, 'more pods than the 3 nodes it may run on can hold (the kubelet runs at most 110 pods on a node): add nodes, or run fewer replicas'],
      ['hungry', 2_000_000_000 - 12, 'not enough capacity: needs 1 CPU / 0, the most free on a node it may use is 0 CPU / 8Gi (www1)'],
    ]);
    const freeLost = lost.outcomes.find((o) => o.workload.name === 'free')!;
    expect([freeLost.before, freeLost.after]).toEqual([3 * MAX_PODS_PER_NODE, 2 * MAX_PODS_PER_NODE]);
    // 330 replicas on three nodes, one lost: its 110 pods find the two left full (110 of the workload each).
    const many = workload('many', { replicas: 3 * MAX_PODS_PER_NODE });
    const manyLost = outcome(cluster, [many], ['www1'], 'many');
    expect([manyLost.before, manyLost.after]).toEqual([330, 220]);
    // Below the bound, every pod is placed one by one as before.
    expect(simulate(cluster, [workload('many', { replicas: 3 * MAX_PODS_PER_NODE })], []).unplaced).toEqual([]);
  });

  test('GIVEN a site of 33 nodes and two spread workloads, one allowed only on n0 and one only on n32 WHEN the intact site is placed THEN each keeps its own spread domains (shared domains are keyed by their slots beyond 31 too)', () => {
    const nodes = Array.from({ length: 33 }, (_, i) => node(`n${i}`, 'agent'));
    const cluster: ClusterModel = { ...site(), nodes };
    const spread = { kind: 'spread' as const, maxSkew: 1, honorTaints: false };
    const first = workload('first', { replicas: 2, spread, nodeSelector: { 'kubernetes.io/hostname': 'n0' } });
    const last = workload('last', { replicas: 2, spread, nodeSelector: { 'kubernetes.io/hostname': 'n32' } });
    const r = simulate(cluster, [first, last], []);
    expect(r.unplaced).toEqual([]);
    expect(r.outcomes.map((o) => [o.workload.name, o.before])).toEqual([['first', 2], ['last', 2]]);
  });

  test('GIVEN 3 replicas spread over nodes with a PDB WHEN any single node is lost THEN they survive with no outage', () => {
    const web = workload('web', { replicas: 3, spread: { kind: 'spread', maxSkew: 1, honorTaints: false }, pdbMin: 2, pdbNote: 'PodDisruptionBudget shop/web' });
    const cluster = site();
    for (const n of cluster.nodes) {
      const o = outcome(cluster, [web], [n.name], 'web');
      expect([n.name, o.outageSeconds, isViolation(o)]).toEqual([n.name, 0, false]);
      expect(o.after).toBeGreaterThanOrEqual(2);
    }
    // On an agent: one of three lost, two keep serving; the third cannot come back (the spread would put two on one agent).
    expect(outcome(cluster, [web], ['www1'], 'web')).toMatchObject({ before: 3, lost: 1, after: 2, outageSeconds: 0, verdict: 'degraded' });
  });

  test('GIVEN 2 replicas pinned to one node WHEN that node is lost THEN both are gone for good: an outage', () => {
    const web = workload('web', { nodeSelector: { 'kubernetes.io/hostname': 'www1' }, pdbMin: 1 });
    const o = outcome(site(), [web], ['www1'], 'web');
    expect(o).toMatchObject({ before: 2, lost: 2, after: 0, outageSeconds: Infinity, verdict: 'outage' });
    expect(o.why).toContain('no node it may run on is left');
    expect(isViolation(o)).toBe(true);
    // Losing another node does not touch it.
    expect(outcome(site(), [web], ['www2'], 'web')).toMatchObject({ affected: false, outageSeconds: 0 });
  });

  test('GIVEN 2 replicas with nothing keeping them apart WHEN a node they may run on is lost THEN the worst case is both there', () => {
    const o = outcome(site(), [workload('web', { pdbMin: 1 })], ['www2'], 'web');
    expect(o).toMatchObject({ lost: 2, outageSeconds: 82, verdict: 'outage' });
    expect(o.why).toContain('nothing keeps its replicas apart');
  });

  test('GIVEN a singleton on an RWO Longhorn volume tolerating an unreachable node for 300 s WHEN its node is lost THEN its recovery blows the 90 s budget', () => {
    const db = workload('db', {
      kind: 'StatefulSet', replicas: 1, singleton: 'one writer', startupSeconds: 60,
      tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
      volumes: [{ name: 'data', storageClass: 'longhorn', accessMode: 'ReadWriteOnce' }],
    });
    // Volumes attach only where Longhorn's CSI plugin runs (the servers' taint is tolerated).
    const csi = workload('longhorn-csi-plugin', { kind: 'DaemonSet', replicas: 0, tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }] });
    const o = outcome(site(), [db, csi], ['www1'], 'db');
    // 20 + 2 + 300 eviction, 30 grace + 30 attach, 10 image pull, 60 start-up.
    expect(o).toMatchObject({ before: 1, after: 1, outageSeconds: 452, budgetSeconds: 90, verdict: 'over-budget' });
    expect(o.why).toContain('eviction 322 s (grace 20 + period 2 + toleration 300) + volume moves 60 s');
    // With the default 20 s toleration it is 42 + 60 + 10 + 60: still over 90 s; a volume alone costs 112 s with no start-up at all.
    expect(outcome(site(), [{ ...db, tolerations: [] }, csi], ['www1'], 'db').outageSeconds).toBe(172);
    expect(outcome(site(), [{ ...db, tolerations: [], startupSeconds: 0 }, csi], ['www1'], 'db').outageSeconds).toBe(112);
    // A Deployment's replacement is already waiting when Longhorn releases the volume at eviction: no grace period.
    const asDeployment = outcome(site(), [{ ...db, kind: 'Deployment', tolerations: [] }, csi], ['www1'], 'db');
    expect([asDeployment.outageSeconds, asDeployment.verdict]).toEqual([142, 'over-budget']);
    expect(asDeployment.why).toContain('volume moves 30 s (Longhorn releases it at eviction; attach 30)');
    // Without a Longhorn volume a StatefulSet pod is never replaced.
    expect(outcome(site(), [{ ...db, volumes: [] }, csi], ['www1'], 'db')).toMatchObject({ outageSeconds: Infinity, after: 0 });
    // Where no CSI plugin runs, the pod cannot go.
    const agentsOnlyCsi = { ...csi, nodeSelector: { 'kubernetes.io/hostname': 'www1' } };
    expect(outcome(site(), [db, agentsOnlyCsi], ['www1'], 'db').why).toContain('no node it may run on is left');
  });

  test('GIVEN a singleton declaring its own budget WHEN it recovers within it THEN it passes, and the report shows the reason', () => {
    const ci = workload('ci', { replicas: 1, singleton: 'one controller', startupSeconds: 120, recoveryBudget: { seconds: 200, reason: 'CI only' } });
    const o = outcome(site(), [ci], ['www3'], 'ci');
    expect(o).toMatchObject({ outageSeconds: 172, budgetSeconds: 200, verdict: 'ok' });
    expect(o.why).toContain('its own: CI only');
  });

  test('GIVEN 3 servers WHEN 2 are lost THEN etcd loses quorum and nothing is rescheduled; 1 lost keeps it', () => {
    const cluster = site();
    const upgrader = workload('upgrader', { replicas: 1, singleton: 'plans', nodeSelector: { 'node-role.kubernetes.io/control-plane': 'true' }, tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }] });
    const two = simulate(cluster, [upgrader], ['db1', 'db2']);
    expect([two.quorum, two.survivingServers]).toEqual([false, ['db3']]);
    expect(two.outcomes[0]).toMatchObject({ outageSeconds: Infinity, verdict: 'over-budget' });
    expect(two.outcomes[0].why).toContain('etcd has lost quorum (1 of 3 servers)');
    const one = simulate(cluster, [upgrader], ['db1']);
    expect([one.quorum, one.survivingServers, one.outcomes[0].outageSeconds]).toEqual([true, ['db2', 'db3'], 82]);
  });

  test('GIVEN a node whose loss leaves too little CPU WHEN it is lost THEN a singleton that fits nowhere else does not come back', () => {
    // Three agents of 1 CPU: a singleton of 500m on www1, two 600m replicas on the other two.
    const cluster = site(['www1', 'www2', 'www3'].map((n) => node(n, 'agent', 1000)));
    const web = workload('web', { cpuMillis: 600, spread: { kind: 'anti-affinity' }, pdbMin: 1 });
    const job = workload('jobs', { replicas: 1, singleton: 'one scheduler', cpuMillis: 500 });
    // The intact site holds everything.
    expect(simulate(cluster, [web, job], []).unplaced).toEqual([]);
    const r = simulate(cluster, [web, job], ['www1']);
    const jobs = r.outcomes.find((o) => o.workload.name === 'jobs')!;
    expect(jobs).toMatchObject({ before: 1, after: 0, outageSeconds: Infinity, verdict: 'over-budget' });
    expect(jobs.why).toContain('not enough capacity: needs 500m CPU / 0, the most free on a node it may use is 400m CPU / 8Gi');
    expect(r.outcomes.find((o) => o.workload.name === 'web')).toMatchObject({ before: 2, after: 2, outageSeconds: 0 });
    // With 2 CPUs on each agent it moves.
    const roomy = site(['www1', 'www2', 'www3'].map((n) => node(n, 'agent', 2000)));
    expect(outcome(roomy, [web, job], ['www1'], 'jobs')).toMatchObject({ after: 1, outageSeconds: 82, verdict: 'ok' });
  });

  test('GIVEN an RWX Longhorn volume WHEN a node is lost THEN its share manager moves within the lease, image pull, attach and NFS grace: 77 s with fast failover, 152 s without', () => {
    const reg = workload('registry', { spread: { kind: 'anti-affinity' }, pdbMin: 1, volumes: [{ name: 'images', storageClass: 'longhorn', accessMode: 'ReadWriteMany' }] });
    const fast = simulate(site(), [reg], ['db1']).outcomes.find((o) => o.label.includes('share manager'))!;
    expect([fast.label, fast.outageSeconds, fast.verdict]).toEqual(['shop/registry RWX volume images (Longhorn share manager)', 77, 'ok']);
    const slow = site();
    const noFast = simulate({ ...slow, storage: { ...slow.storage!, rwxFastFailover: false } }, [reg], ['db1']).outcomes.find((o) => o.label.includes('share manager'))!;
    expect([noFast.outageSeconds, noFast.verdict]).toEqual([152, 'over-budget']);
  });
});

describe('the shipped site', () => {
  const model = haModel(haInputFromFiles(renderSite(shippedSite())));
  const results = nMinusOne(model);

  test('GIVEN every one of the 7 nodes lost in turn THEN quorum and the API VIP hold and nothing breaks the rules', () => {
    expect(results.map((r) => r.failed[0])).toEqual(['db1', 'db2', 'db3', 'subord', 'www1', 'www2', 'www3']);
    for (const r of results) {
      expect([r.failed[0], r.quorum, r.apiVip!.holders.length >= 2, r.outcomes.filter(isViolation).map((o) => o.label)]).toEqual([r.failed[0], true, true, []]);
    }
    expect(model.problems).toEqual([]);
  });

  test('GIVEN Jenkins WHEN its node is lost THEN the simulation computes the layer\'s own figure from the rendered settings, within its declared budget', () => {
    const jenkins = results.find((r) => r.failed[0] === 'www1')!.outcomes.find((o) => o.workload.name === 'jenkins')!;
    expect(jenkins).toMatchObject({ outageSeconds: JENKINS_RECOVERY_SECONDS, budgetSeconds: JENKINS_RECOVERY_BUDGET.seconds, verdict: 'ok' });
  });

  test('GIVEN the load-balancer speakers and gateway proxies WHEN any node is lost THEN they keep running', () => {
    for (const r of results) {
      for (const role of ['lb-speaker', 'gateway-proxy']) {
        const o = r.outcomes.find((x) => x.workload.role === role)!;
        expect([r.failed[0], role, o.after >= 1, o.outageSeconds]).toEqual([r.failed[0], role, true, 0]);
      }
    }
  });

  test('GIVEN two servers lost at once (what-if) THEN quorum is gone and the report says so', () => {
    const r = simulate(model.cluster!, model.workloads, ['db1', 'db2']);
    expect(r.quorum).toBe(false);
    expect(r.outcomes.some(isViolation)).toBe(true);
  });
});
