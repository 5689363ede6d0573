import * as fc from 'fast-check';
import { simulateScenario } from '../../lib/ha/deployability';
import { ClusterModel, HaModel, NodeModel, StorageModel, Workload } from '../../lib/ha/model';
import { simulate } from '../../lib/ha/simulate';
import { simulate as simulateBefore } from './reference/simulate-e86d357';

/**
 * The simulation's placement was rewritten for speed (nodes by slot in arrays instead of maps by
 * name, outcomes written out, per-workload facts remembered): on random clusters and workloads,
 * every scenario (no node lost, each node, each pair, each bring-up stage, also as the deployability
 * check simulates it) gives the same
 * results as the simulation before the rewrite (./reference/simulate-e86d357.ts), field by
 * field and in the same order (the analysis cache stores them as JSON).
 */

const GiB = 2 ** 30;

const taint = fc.record({
  key: fc.constantFrom('dedicated', 'CriticalAddonsOnly'),
  value: fc.constantFrom('true', 'x'),
  effect: fc.constantFrom('NoSchedule' as const, 'NoExecute' as const, 'PreferNoSchedule' as const),
});

const node = fc.record({
  // A small pool: names repeat now and then (two config files naming one node).
  name: fc.constantFrom('db1', 'db2', 'www1', 'www2', 'www3', 'www4', 'www1'),
  role: fc.constantFrom('server' as const, 'agent' as const),
  zone: fc.constantFrom('a', 'b'),
  disk: fc.boolean(),
  taints: fc.array(taint, { maxLength: 2 }),
  cpuMillis: fc.constantFrom(0, 500, 1000, 2000, 4000, 1500.5),
  memoryBytes: fc.constantFrom(0, GiB, 4 * GiB),
}).map((n): NodeModel => ({
  name: n.name, role: n.role, taints: n.taints, cpuMillis: n.cpuMillis, memoryBytes: n.memoryBytes,
  labels: { 'kubernetes.io/hostname': n.name, zone: n.zone, ...(n.disk ? { disk: 'true' } : {}) },
}));

const storage = fc.record({
  defaultClass: fc.boolean(),
  replicaCount: fc.integer({ min: 1, max: 3 }),
  hardAntiAffinity: fc.boolean(),
  nodeDownPodDeletionPolicy: fc.constantFrom('delete-both-statefulset-and-deployment-pod', 'delete-statefulset-pod', 'delete-deployment-pod', 'do-nothing'),
  rwxFastFailover: fc.boolean(),
  diskNodeValue: fc.option(fc.constant('true'), { nil: undefined }),
}).map((s): StorageModel => ({
  storageClass: 'longhorn', diskNodeLabel: 'disk', managerDaemonSet: 'longhorn-manager', csiDaemonSet: 'longhorn-csi-plugin', attachSeconds: 30,
  origin: { file: 'dist/longhorn/longhorn.yaml', obj: {} },
  ...s,
}) as StorageModel);

const toleration = fc.oneof(
  fc.constant({ key: 'dedicated', operator: 'Exists' }),
  fc.constant({ key: 'CriticalAddonsOnly', operator: 'Exists' }),
  fc.constant({ operator: 'Exists' }),
  fc.record({ key: fc.constant('node.kubernetes.io/unreachable'), operator: fc.constant('Exists'), effect: fc.constant('NoExecute'), tolerationSeconds: fc.option(fc.constantFrom(5, 300), { nil: undefined }) }),
);

const volume = fc.record({
  name: fc.constantFrom('data', 'cache', ''),
  storageClass: fc.option(fc.constantFrom('longhorn', 'nfs'), { nil: undefined }),
  accessMode: fc.constantFrom('ReadWriteOnce' as const, 'ReadWriteMany' as const, 'ReadOnlyMany' as const, 'ReadWriteOncePod' as const),
});

const workload = fc.record({
  kind: fc.constantFrom('Deployment' as const, 'StatefulSet' as const, 'DaemonSet' as const, 'Rollout' as const),
  name: fc.constantFrom('web', 'db', 'api', 'longhorn-csi-plugin', 'longhorn-manager', 'kube-vip'),
  namespace: fc.constantFrom('shop', 'ops', 'Shop'),
  replicas: fc.integer({ min: 0, max: 5 }),
  zone: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
  affinity: fc.boolean(),
  tolerations: fc.array(toleration, { maxLength: 2 }),
  spread: fc.option(fc.oneof(
    fc.constant({ kind: 'anti-affinity' as const }),
    fc.record({ kind: fc.constant('spread' as const), maxSkew: fc.integer({ min: 1, max: 2 }), honorTaints: fc.boolean() }),
  ), { nil: undefined }),
  pdbMin: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  cpuMillis: fc.constantFrom(0, 100, 500, 1500),
  memoryBytes: fc.constantFrom(0, GiB / 2, 2 * GiB),
  singleton: fc.option(fc.constant('one writer'), { nil: undefined }),
  recoveryBudget: fc.option(fc.record({ seconds: fc.constantFrom(30, 600), reason: fc.constant('slow start') }), { nil: undefined }),
  outsideHa: fc.option(fc.constant('R&D'), { nil: undefined }),
  startupSeconds: fc.option(fc.constantFrom(10, 60), { nil: undefined }),
  volumes: fc.array(volume, { maxLength: 2 }),
  vip: fc.boolean(),
}).map((w): Workload => ({
  kind: w.kind, namespace: w.namespace, name: w.name, label: `${w.namespace}/${w.name} (${w.kind})`, origin: { file: `dist/${w.namespace}/${w.name}.yaml`, obj: {} },
  declared: false, replicas: w.replicas, nodeSelector: w.zone ? { zone: w.zone } : {},
  ...(w.affinity ? { requiredNodeTerms: [{ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }] } : {}),
  tolerations: w.tolerations, ...(w.spread ? { spread: w.spread } : {}), ...(w.pdbMin !== undefined ? { pdbMin: w.pdbMin } : {}),
  pdbNote: 'a PodDisruptionBudget', cpuMillis: w.cpuMillis, memoryBytes: w.memoryBytes,
  ...(w.singleton ? { singleton: w.singleton } : {}), ...(w.recoveryBudget ? { recoveryBudget: w.recoveryBudget } : {}), ...(w.outsideHa ? { outsideHa: w.outsideHa } : {}),
  exempt: new Map(), ...(w.startupSeconds !== undefined ? { startupSeconds: w.startupSeconds } : {}), startupNote: 'readiness probe', terminationGraceSeconds: 30,
  volumes: w.volumes, argo: { via: 'self' }, ...(w.vip ? { role: 'api-vip' as const, leaseSeconds: 15 } : {}),
}) as Workload);

const site = fc.record({
  nodes: fc.array(node, { minLength: 1, maxLength: 6 }),
  storage: fc.option(storage, { nil: undefined }),
  workloads: fc.array(workload, { maxLength: 12 }),
  recoveryBudgetSeconds: fc.constantFrom(60, 90),
});

/** A scenario's results as text: each workload as its position in `workloads`, non-finite numbers spelled out. */
function text(workloads: readonly Workload[], value: unknown): string {
  return JSON.stringify(value, (_name, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return `#${v}`;
    if (v && typeof v === 'object' && workloads.includes(v as Workload)) return `#workload ${workloads.indexOf(v as Workload)}`;
    return v;
  });
}

describe('the simulation against the one before the indexed placement', () => {
  test('GIVEN random clusters and workloads WHEN every single and double loss, the intact site and every bring-up stage are simulated THEN the results are the same, field by field and in order', () => {
    fc.assert(fc.property(site, ({ nodes, storage: s, workloads, recoveryBudgetSeconds }) => {
      const cluster: ClusterModel = {
        nodes, recoveryBudgetSeconds, ...(s ? { storage: s } : {}),
        eviction: { nodeMonitorGracePeriodSeconds: 20, nodeMonitorPeriodSeconds: 2, defaultUnreachableTolerationSeconds: 20 },
      };
      const names = [...new Set(nodes.map((n) => n.name))];
      const scenarios = [[], ...names.map((n) => [n]), ...names.flatMap((a, i) => names.slice(i + 1).map((b) => [a, b])), ['gone'], [names[0], names[0]]];
      // Twice over one cluster model: the second time from what the first remembered.
      for (const round of [1, 2]) {
        for (const failed of scenarios) {
          expect([round, failed, text(workloads, simulate(cluster, workloads, failed))]).toEqual([round, failed, text(workloads, simulateBefore(cluster, workloads, failed))]);
        }
      }
      for (let i = 1; i <= nodes.length; i++) {
        const stage: ClusterModel = { ...cluster, nodes: nodes.slice(0, i) };
        expect([i, text(workloads, simulate(stage, workloads, []))]).toEqual([i, text(workloads, simulateBefore(stage, workloads, []))]);
      }
      // The bring-up stages as the deployability check simulates them (every node joined: the model's own cluster).
      for (let i = 1; i <= names.length; i++) {
        const present = names.slice(0, i);
        const model: HaModel = { cluster, workloads, applications: [], daemonSetHealth: 'builtin', healthCustomisations: {}, otherPods: [], problems: [] };
        expect([present, text(workloads, simulateScenario(model, { kind: 'bring-up', present }))])
          .toEqual([present, text(workloads, simulateBefore({ ...cluster, nodes: nodes.filter((n) => present.includes(n.name)) }, workloads, []))]);
      }
    }), { numRuns: 250, seed: 1405 });
  });
});
