import * as v8 from 'v8';
import { automaticLabels, ClusterModel, NodeModel, Workload } from '../../lib/ha/model';
import { simulate } from '../../lib/ha/simulate';

// The outcomes of a simulation are kept by the analysis (tens of thousands at 5,000 apps): made by
// an object spread, V8 gave nearly each its own hidden class (hundreds of bytes each, about 11 MB of
// a 5,000-app synth's peak). Written out as literals, they share a handful.

const GiB = 2 ** 30;

function node(name: string, role: 'server' | 'agent'): NodeModel {
  return { name, role, labels: { ...automaticLabels(name, role), 'node.longhorn.io/create-default-disk': 'true' }, taints: [], cpuMillis: 64000, memoryBytes: 64 * GiB };
}

function workload(i: number, w: Partial<Workload> = {}): Workload {
  const name = `app-${i}`;
  return {
    kind: 'Deployment', namespace: 'shop', name, label: `shop/${name} (Deployment)`, origin: { file: `dist/shop/${name}.yaml`, obj: {} }, declared: false,
    replicas: 2, nodeSelector: {}, tolerations: [], pdbNote: 'no PodDisruptionBudget', cpuMillis: 10, memoryBytes: 1000, exempt: new Map(),
    startupSeconds: 30, startupNote: 'readiness probe', terminationGraceSeconds: 30, volumes: [], argo: { via: 'self' },
    ...w,
  };
}

/** `%HaveSameMap`: whether two objects have the same hidden class (V8's natives syntax, allowed for this function only). */
function sameMapFunction(): (a: object, b: object) => boolean {
  v8.setFlagsFromString('--allow-natives-syntax');
  try {
    return new Function('a', 'b', 'return %HaveSameMap(a, b);') as (a: object, b: object) => boolean;
  } finally {
    v8.setFlagsFromString('--no-allow-natives-syntax');
  }
}

describe('simulation outcomes', () => {
  test('GIVEN a thousand workloads, singletons and not, WHEN a node is lost THEN their outcomes share a few hidden classes, not one each', () => {
    const cluster: ClusterModel = {
      nodes: [node('db1', 'server'), node('db2', 'server'), node('db3', 'server'), node('www1', 'agent'), node('www2', 'agent'), node('www3', 'agent')],
      eviction: { nodeMonitorGracePeriodSeconds: 20, nodeMonitorPeriodSeconds: 2, defaultUnreachableTolerationSeconds: 20 },
      recoveryBudgetSeconds: 90,
    };
    const workloads = Array.from({ length: 1000 }, (_, i) => workload(i, i % 3 === 0 ? { replicas: 1, singleton: 'one replica' } : {}));
    const sameMap = sameMapFunction();
    const outcomes = simulate(cluster, workloads, ['www1']).outcomes;
    expect(outcomes).toHaveLength(1000);
    const classes: object[] = [];
    for (const o of outcomes) if (!classes.some((c) => sameMap(c, o))) classes.push(o);
    expect(classes.length).toBeLessThanOrEqual(4);
  });
});
