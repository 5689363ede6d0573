import * as fc from 'fast-check';
import type { ObjectFacts } from '../../lib/facts/facts';
import { tolerates } from '../../lib/k8s/scheduling';
import type { ChartValue } from '../../lib/ha/workloads';
import { blockedBy, buildHaModel, ClusterModel, HardSpread, NodeModel, Workload, workloadBase } from '../../lib/ha/model';
import { resolveFenceposts, rolloutFinding, RolloutNodes, rolloutNodes, rollingUpdate, scaledValue } from '../../lib/ha/rollout';

/*
 * ha/rollout's computation (lib/ha/rollout.ts): Kubernetes' rounding of maxSurge and
 * maxUnavailable, and the Deployment controller and scheduler stepped through one rolling update
 * with a hard spread, on the intact site and with each node down.
 */

const node = (name: string, taints: NodeModel['taints'] = []): NodeModel => ({ name, role: 'agent', labels: { 'kubernetes.io/hostname': name }, taints, cpuMillis: 4000, memoryBytes: 8 * 2 ** 30 });
/** Three workers and a server tainted as k3s servers are: what the shipped site's Deployments see. */
const CLUSTER: ClusterModel = {
  nodes: [node('db1', [{ key: 'CriticalAddonsOnly', value: 'true', effect: 'NoExecute' }]), node('w1'), node('w2'), node('w3')],
  eviction: { nodeMonitorGracePeriodSeconds: 50, nodeMonitorPeriodSeconds: 5, defaultUnreachableTolerationSeconds: 300 },
  recoveryBudgetSeconds: 90,
};

/** A rendered Deployment as the model has it, with only what ha/rollout reads. */
function deployment(over: Partial<Workload>): Workload {
  return {
    kind: 'Deployment', namespace: 'shop', name: 'web', label: 'shop/web (Deployment)', replicas: 2, nodeSelector: {}, requiredNodeTerms: [], tolerations: [],
    spread: { kind: 'anti-affinity' }, strategy: { type: 'RollingUpdate' }, exempt: new Map(), ...over,
  } as Workload;
}

describe('Kubernetes\' rounding of a rolling update\'s fenceposts', () => {
  test('GIVEN percentages WHEN scaled THEN maxSurge rounds up and maxUnavailable down, of the replicas', () => {
    expect(scaledValue('25%', 2, true)).toBe(1);
    expect(scaledValue('25%', 2, false)).toBe(0);
    expect(scaledValue('25%', 4, false)).toBe(1);
    expect(scaledValue('49%', 2, false)).toBe(0);
    expect(scaledValue('50%', 2, false)).toBe(1);
    expect(scaledValue('34%', 3, true)).toBe(2);
    expect(scaledValue('0%', 5, true)).toBe(0);
    expect(scaledValue(3, 2, true)).toBe(3);
  });

  test('GIVEN a value that is no count or percentage WHEN scaled THEN nothing (the API server refuses it)', () => {
    expect(scaledValue('1', 2, true)).toBeUndefined();
    expect(scaledValue('25 %', 2, true)).toBeUndefined();
    expect(scaledValue(-1, 2, true)).toBeUndefined();
    expect(scaledValue(1.5, 2, true)).toBeUndefined();
    expect(resolveFenceposts('x', 0, 2)).toBeUndefined();
  });

  test('GIVEN no strategy values WHEN resolved THEN 25% each: 2 replicas surge 1 and lose none, 4 replicas surge 1 and lose 1', () => {
    expect(resolveFenceposts(undefined, undefined, 2)).toEqual({ surge: 1, unavailable: 0, note: 'maxSurge 25% of 2 → 1 (the default), maxUnavailable 25% of 2 → 0 (the default)' });
    expect(resolveFenceposts(undefined, undefined, 4)).toMatchObject({ surge: 1, unavailable: 1 });
  });

  test('GIVEN both fenceposts come to 0 WHEN resolved THEN maxUnavailable is 1, as the Deployment controller makes it', () => {
    expect(resolveFenceposts('10%', '10%', 2)).toEqual({ surge: 1, unavailable: 0, note: 'maxSurge 10% of 2 → 1, maxUnavailable 10% of 2 → 0' });
    expect(resolveFenceposts('0%', '10%', 2)).toEqual({ surge: 0, unavailable: 1, note: 'maxSurge 0% of 2 → 0, maxUnavailable 10% of 2 → 0 (both 0: Kubernetes makes maxUnavailable 1)' });
  });

  test('GIVEN maxUnavailable above the replicas WHEN resolved THEN the replicas', () => {
    expect(resolveFenceposts(0, 5, 2)).toMatchObject({ surge: 0, unavailable: 2 });
  });
});

describe('a rolling update stepped through, one pod per node', () => {
  const ANTI = { kind: 'anti-affinity' } as const;
  const two = { nodes: ['w1', 'w2'], emptyDomain: false };
  const three = { nodes: ['w1', 'w2', 'w3'], emptyDomain: false };

  test('GIVEN 2 pods on 2 nodes, a surge of 1 and none unavailable WHEN updated THEN the new pod stays Pending and no old pod goes', () => {
    expect(rollingUpdate({ replicas: 2, surge: 1, unavailable: 0, spread: ANTI, where: two })).toEqual({ finishes: false, before: 2, oldRunning: 2, newRunning: 0, newPending: 1 });
  });

  test('GIVEN a third node for the surge pod WHEN updated THEN it finishes', () => {
    expect(rollingUpdate({ replicas: 2, surge: 1, unavailable: 0, spread: ANTI, where: three })).toEqual({ finishes: true, before: 2, oldRunning: 0, newRunning: 2, newPending: 0 });
  });

  test('GIVEN 2 pods on 2 nodes, no surge and 1 unavailable WHEN updated THEN an old pod goes first and it finishes', () => {
    expect(rollingUpdate({ replicas: 2, surge: 0, unavailable: 1, spread: ANTI, where: two })).toMatchObject({ finishes: true, newRunning: 2 });
  });

  test('GIVEN 3 pods on 2 nodes (one Pending) WHEN updated with 1 unavailable THEN the Pending old pod uses it up and it stops; with 2 it finishes', () => {
    expect(rollingUpdate({ replicas: 3, surge: 0, unavailable: 1, spread: ANTI, where: two })).toEqual({ finishes: false, before: 2, oldRunning: 2, newRunning: 0, newPending: 1 });
    expect(rollingUpdate({ replicas: 3, surge: 0, unavailable: 2, spread: ANTI, where: two })).toEqual({ finishes: true, before: 2, oldRunning: 0, newRunning: 2, newPending: 1 });
  });

  test('GIVEN each revision kept apart on its own (matchLabelKeys) WHEN updated with a surge THEN a new pod shares a node with an old one and it finishes', () => {
    expect(rollingUpdate({ replicas: 2, surge: 1, unavailable: 0, spread: { kind: 'anti-affinity', perRevision: true }, where: two })).toMatchObject({ finishes: true, newRunning: 2 });
  });

  test('GIVEN a maxSkew 1 spread WHEN a domain can hold no pod THEN it caps every node at one and the update stops; without one, two may share a node and it finishes', () => {
    const spread = { kind: 'spread', maxSkew: 1, honorTaints: false } as const;
    expect(rollingUpdate({ replicas: 2, surge: 1, unavailable: 0, spread, where: { nodes: ['w1', 'w2'], emptyDomain: true } }).finishes).toBe(false);
    expect(rollingUpdate({ replicas: 2, surge: 1, unavailable: 0, spread, where: two }).finishes).toBe(true);
  });
});

describe('a Deployment\'s rolling update on the site and with each node down', () => {
  test('GIVEN 2 pods one per node on 3 workers with the default strategy WHEN checked THEN it stops with any worker down, and the fixes each let it finish', () => {
    const found = rolloutFinding(CLUSTER, deployment({}))!;
    expect(found.eligible).toEqual(['w1', 'w2', 'w3']);
    expect(found.stalls.map((s) => s.lost)).toEqual(['w1', 'w2', 'w3']);
    expect(found.fixes).toEqual([
      'set strategy.rollingUpdate to maxSurge 0 and maxUnavailable 1 (1 of 2 pods down at a time while it rolls)',
      'count each revision on its own (matchLabelKeys: [pod-template-hash] on its anti-affinity term)',
    ]);
    expect(rolloutFinding(CLUSTER, deployment({ strategy: { type: 'RollingUpdate', maxSurge: 0, maxUnavailable: 1 } }))).toBeUndefined();
    expect(rolloutFinding(CLUSTER, deployment({ spread: { kind: 'anti-affinity', perRevision: true } }))).toBeUndefined();
  });

  test('GIVEN 3 pods one per worker WHEN checked THEN it stops even on the intact site, and only 2 unavailable at a time lets it finish with a worker down', () => {
    const found = rolloutFinding(CLUSTER, deployment({ replicas: 3, strategy: { type: 'RollingUpdate', maxSurge: 1, maxUnavailable: 0 } }))!;
    expect(found.stalls.map((s) => s.lost)).toEqual([undefined, 'db1', 'w1', 'w2', 'w3']);
    // 2 replicas with a surge of 1 still find no node with a worker down; a revision kept apart on
    // its own still cannot place its third pod on two workers, so the last old pod stays.
    expect(found.fixes).toEqual(['set strategy.rollingUpdate to maxSurge 0 and maxUnavailable 2 (2 of 3 pods down at a time while it rolls)']);
  });

  test('GIVEN 3 pods spread maxSkew 1 per revision under Honor (the PaaS\'s spread) WHEN checked with its default surge THEN it finishes with any worker down', () => {
    expect(rolloutFinding(CLUSTER, deployment({ replicas: 3, spread: { kind: 'spread', maxSkew: 1, honorTaints: true, perRevision: true }, strategy: { type: 'RollingUpdate', maxSurge: '25%', maxUnavailable: 0 } }))).toBeUndefined();
  });

  test('GIVEN a spread that ignores taints WHEN a server is a domain it cannot use THEN every worker holds one at most; under Honor a lost worker is no domain', () => {
    const ignore = deployment({ spread: { kind: 'spread', maxSkew: 1, honorTaints: false } });
    expect(rolloutNodes(CLUSTER, ignore, undefined)).toEqual({ nodes: ['w1', 'w2', 'w3'], emptyDomain: true });
    expect(rolloutFinding(CLUSTER, ignore)!.fixes).toContain('set nodeTaintsPolicy: Honor on its spread (a lost or tainted node is then no domain that keeps every node at maxSkew pods)');
    const honor = deployment({ spread: { kind: 'spread', maxSkew: 1, honorTaints: true } });
    expect(rolloutNodes(CLUSTER, honor, 'w1')).toEqual({ nodes: ['w2', 'w3'], emptyDomain: false });
    expect(rolloutFinding(CLUSTER, honor)).toBeUndefined();
    // A pod that tolerates every taint keeps the lost node a domain (without pods) even under Honor.
    expect(rolloutNodes(CLUSTER, deployment({ spread: { kind: 'spread', maxSkew: 1, honorTaints: true }, tolerations: [{ operator: 'Exists' }] }), 'w1')).toEqual({ nodes: ['db1', 'w2', 'w3'], emptyDomain: true });
  });

  test('GIVEN 2,000,000,000 replicas kept one per node (a valid int32) WHEN checked THEN nothing, at once: more pods than the kubelet runs on every node (ha/failure reports them); at that bound it is still stepped', () => {
    const started = Date.now();
    expect(rolloutFinding(CLUSTER, deployment({ replicas: 2_000_000_000, strategy: { type: 'RollingUpdate', maxSurge: 0, maxUnavailable: 1 } }))).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
    // 110 pods a node on the four nodes: stepped, and stopped (three workers hold three of them).
    expect(rolloutFinding(CLUSTER, deployment({ replicas: 440, strategy: { type: 'RollingUpdate', maxSurge: 0, maxUnavailable: 1 } }))?.stalls.length).toBeGreaterThan(0);
  });

  test('GIVEN what ha/rollout does not step WHEN checked THEN nothing: Recreate, no hard spread, a StatefulSet, no strategy known (a declared workload)', () => {
    expect(rolloutFinding(CLUSTER, deployment({ strategy: { type: 'Recreate' } }))).toBeUndefined();
    expect(rolloutFinding(CLUSTER, deployment({ spread: undefined }))).toBeUndefined();
    expect(rolloutFinding(CLUSTER, deployment({ kind: 'StatefulSet', strategy: undefined }))).toBeUndefined();
    expect(rolloutFinding(CLUSTER, deployment({ strategy: undefined }))).toBeUndefined();
  });
});

describe('what the model reads for ha/rollout', () => {
  const doc = (strategy: unknown, spread: Record<string, unknown>, kind = 'Deployment') => ({
    apiVersion: kind === 'Rollout' ? 'argoproj.io/v1alpha1' : 'apps/v1', kind, metadata: { name: 'web', namespace: 'shop' },
    spec: {
      replicas: 2, ...(strategy === undefined ? {} : { strategy }), selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { ...spread, containers: [{ name: 'web', image: 'web:1' }] } },
    },
  });
  const anti = (term: Record<string, unknown>) => ({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } }, ...term }] } } });
  const spread = (c: Record<string, unknown>) => ({ topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...c }] });

  test('GIVEN a Deployment WHEN read THEN its strategy as written: RollingUpdate by default, its counts and percentages, Recreate', () => {
    expect(workloadBase(doc(undefined, {}), undefined)!.strategy).toEqual({ type: 'RollingUpdate' });
    expect(workloadBase(doc({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '50%' } }, {}), undefined)!.strategy).toEqual({ type: 'RollingUpdate', maxSurge: 0, maxUnavailable: '50%' });
    expect(workloadBase(doc({ type: 'Recreate' }, {}), undefined)!.strategy).toEqual({ type: 'Recreate' });
    expect(workloadBase(doc(undefined, {}, 'StatefulSet'), undefined)!.strategy).toBeUndefined();
  });

  test('GIVEN a hard spread WHEN it names the revision label in matchLabelKeys THEN it counts each revision on its own', () => {
    expect(workloadBase(doc(undefined, anti({})), undefined)!.spread).toEqual({ kind: 'anti-affinity' });
    expect(workloadBase(doc(undefined, anti({ matchLabelKeys: ['pod-template-hash'] })), undefined)!.spread).toEqual({ kind: 'anti-affinity', perRevision: true });
    expect(workloadBase(doc(undefined, spread({ matchLabelKeys: ['pod-template-hash'], nodeTaintsPolicy: 'Honor' })), undefined)!.spread).toEqual({ kind: 'spread', maxSkew: 1, honorTaints: true, perRevision: true });
    // Another label, or a Rollout's revisions (labelled rollouts-pod-template-hash), are not a Deployment's.
    expect(workloadBase(doc(undefined, spread({ matchLabelKeys: ['app'] })), undefined)!.spread).toEqual({ kind: 'spread', maxSkew: 1, honorTaints: false });
    expect(workloadBase(doc(undefined, spread({ matchLabelKeys: ['pod-template-hash'] }), 'Rollout'), undefined)!.spread).toEqual({ kind: 'spread', maxSkew: 1, honorTaints: false });
    // Per revision only when every hard rule is: a spread beside it that counts every revision still keeps new pods off old ones' nodes.
    expect(workloadBase(doc(undefined, { ...anti({ matchLabelKeys: ['pod-template-hash'] }), ...spread({}) }), undefined)!.spread).toEqual({ kind: 'anti-affinity' });
  });
});

describe('what the model reads of a declared workload for ha/rollout', () => {
  /** A custom resource whose operator creates a Deployment, with the strategy path of its spec given by `strategy`. */
  function declared(spec: Record<string, unknown>, strategy?: ChartValue<object>) {
    const obj = { apiVersion: 'example.com/v1', kind: 'Proxy', metadata: { name: 'edge', namespace: 'shop' }, spec };
    const facts = new Map([['example.com/Proxy/shop/edge', { workloads: [{ kind: 'Deployment', name: 'edge', replicas: { fixed: 2, because: 'test' }, ...(strategy ? { strategy } : {}) }] } as ObjectFacts]]);
    return buildHaModel({ objects: [{ file: 'dist/x/proxy.yaml', obj }], hostFiles: new Map(), facts }).workloads[0];
  }

  test('GIVEN a declaration with a strategy path WHEN read THEN the values\' strategy, else the operator\'s default it declares', () => {
    expect(declared({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } }, { path: 'strategy', default: { type: 'RollingUpdate' } }).strategy)
      .toEqual({ type: 'RollingUpdate', maxSurge: 0, maxUnavailable: 1 });
    expect(declared({}, { path: 'strategy', default: { type: 'RollingUpdate' } }).strategy).toEqual({ type: 'RollingUpdate' });
  });

  test('GIVEN a declaration without a strategy WHEN read THEN none: ha/rollout does not step it', () => {
    expect(declared({ strategy: { type: 'RollingUpdate' } }).strategy).toBeUndefined();
  });
});

describe('ha/rollout over thousands of workloads: each placement worked out once, each run of one shape stepped once', () => {
  /** ha/rollout's placement as first written: every node's eligibility asked again in each scenario. */
  function referenceNodes(cluster: ClusterModel, w: Workload, lost: string | undefined): RolloutNodes {
    const nodes = cluster.nodes.filter((x) => x.name !== lost && blockedBy(w, x) === undefined).map((x) => x.name);
    const spread = w.spread;
    if (spread?.kind !== 'spread') return { nodes, emptyDomain: false };
    const selectorOnly = { nodeSelector: w.nodeSelector, requiredNodeTerms: w.requiredNodeTerms, tolerations: [{ operator: 'Exists' }] };
    const unreachable = ['NoSchedule', 'NoExecute'].map((effect) => ({ key: 'node.kubernetes.io/unreachable', value: '', effect: effect as 'NoSchedule' }));
    const domain = (x: NodeModel) => blockedBy(selectorOnly, x) === undefined
      && (!spread.honorTaints || (blockedBy(w, x) === undefined && (x.name !== lost || unreachable.every((t) => w.tolerations.some((tol) => tolerates(tol, t))))));
    return { nodes, emptyDomain: cluster.nodes.some((x) => domain(x) && !nodes.includes(x.name)) };
  }

  const TAINTS = [
    { key: 'CriticalAddonsOnly', value: 'true', effect: 'NoExecute' as const },
    { key: 'rnd', value: 'true', effect: 'NoSchedule' as const },
    { key: 'soft', value: '', effect: 'PreferNoSchedule' as const },
  ];
  const TOLERATIONS = [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, { key: 'rnd', operator: 'Equal', value: 'true' }, { key: 'node.kubernetes.io/unreachable', operator: 'Exists' }, { operator: 'Exists' }];
  const arbCluster = fc.array(fc.record({ taints: fc.subarray(TAINTS), app: fc.boolean() }), { minLength: 1, maxLength: 6 }).map((ns): ClusterModel => ({
    ...CLUSTER,
    nodes: ns.map((n, i) => ({ ...node(`n${i}`, n.taints), labels: { 'kubernetes.io/hostname': `n${i}`, ...(n.app ? { app: 'yes' } : {}) } })),
  }));
  const arbSpread: fc.Arbitrary<HardSpread> = fc.oneof(
    fc.record({ kind: fc.constant('anti-affinity' as const), perRevision: fc.option(fc.constant(true as const), { nil: undefined }) }),
    fc.record({ kind: fc.constant('spread' as const), maxSkew: fc.integer({ min: 1, max: 3 }), honorTaints: fc.boolean(), perRevision: fc.option(fc.constant(true as const), { nil: undefined }) }),
  ).map((sp) => (sp.perRevision ? sp : (({ perRevision: _p, ...rest }) => rest as HardSpread)(sp)));
  const fencepost = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('0%', '25%', '50%', '100%'), fc.constant(undefined));
  const arbWorkload = fc.record({
    replicas: fc.integer({ min: 1, max: 6 }),
    spread: arbSpread,
    maxSurge: fencepost,
    maxUnavailable: fencepost,
    tolerations: fc.subarray(TOLERATIONS),
    onApp: fc.boolean(),
  }).map((r) => deployment({
    replicas: r.replicas,
    spread: r.spread,
    strategy: { type: 'RollingUpdate', ...(r.maxSurge !== undefined ? { maxSurge: r.maxSurge } : {}), ...(r.maxUnavailable !== undefined ? { maxUnavailable: r.maxUnavailable } : {}) },
    tolerations: r.tolerations,
    nodeSelector: r.onApp ? { app: 'yes' } : {},
  }));

  test('GIVEN Deployments of look-alike shapes (a maxSurge of Infinity and none, "1" and 1) WHEN checked one after another on one site THEN each gets its own answer, not the one before it', () => {
    const infinite = deployment({ strategy: { type: 'RollingUpdate', maxSurge: Infinity } });
    const unset = deployment({ strategy: { type: 'RollingUpdate' } });
    expect(rolloutFinding(CLUSTER, infinite)).toBeUndefined();
    expect(rolloutFinding(CLUSTER, unset)).toBeDefined();
    expect(rolloutFinding(CLUSTER, deployment({ strategy: { type: 'RollingUpdate', maxSurge: '1', maxUnavailable: 0 } }))).toBeUndefined();
    expect(rolloutFinding(CLUSTER, deployment({ strategy: { type: 'RollingUpdate', maxSurge: 1, maxUnavailable: 0 } }))).toBeDefined();
  });

  test('GIVEN random sites and Deployments WHEN placed in every scenario THEN the nodes and empty domains are the ones asking every node again gives', () => {
    fc.assert(fc.property(arbCluster, arbWorkload, (cluster, w) => {
      for (const lost of [undefined, ...cluster.nodes.map((x) => x.name)]) expect(rolloutNodes(cluster, w, lost)).toEqual(referenceNodes(cluster, w, lost));
    }), { numRuns: 300 });
  });

  test('GIVEN many Deployments checked one after another on one site (runs and answers of one shape shared) WHEN each is checked THEN its stalls are the ones stepping each scenario afresh gives', () => {
    fc.assert(fc.property(arbCluster, fc.array(arbWorkload, { minLength: 1, maxLength: 8 }), (cluster, workloads) => {
      // Each again as a copy (answered from what the first gave), and once more with one replica more (its own answer).
      for (const w of [...workloads, ...workloads.map((x) => ({ ...x })), ...workloads.map((x) => ({ ...x, replicas: x.replicas + 1 }))]) {
        const found = rolloutFinding(cluster, w);
        const strategy = w.strategy as { maxSurge?: number | string; maxUnavailable?: number | string };
        const f = resolveFenceposts(strategy.maxSurge, strategy.maxUnavailable, w.replicas);
        const expected = !f ? [] : [undefined, ...cluster.nodes.map((x) => x.name)].flatMap((lost) => {
          const nodes = referenceNodes(cluster, w, lost);
          const run = rollingUpdate({ replicas: w.replicas, surge: f.surge, unavailable: f.unavailable, spread: w.spread!, where: nodes });
          return run.finishes ? [] : [{ ...(lost !== undefined ? { lost } : {}), nodes, run }];
        });
        expect(found?.stalls ?? []).toEqual(expected);
      }
    }), { numRuns: 300 });
  });
});
