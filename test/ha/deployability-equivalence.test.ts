import * as fc from 'fast-check';
import { KEYCLOAK_HEALTH_KEY, KEYCLOAK_HEALTH_LUA } from '../../lib/ha/argo-health';
import { bringUpStages, deployability, DeployScenario } from '../../lib/ha/deployability';
import { ApplicationModel, ClusterModel, HaModel, NodeModel, Workload } from '../../lib/ha/model';
import { simulate } from '../../lib/ha/simulate';
import { deployability as deployabilityBefore } from './reference/deployability-619ea47';

/**
 * Deployability per scenario was rewritten to keep less (only the workloads that are not Healthy,
 * one shared result per Healthy Application, a model's counts made once): on random clusters,
 * workloads and Application trees, every scenario (each node lost, each bring-up stage, and a
 * simulation handed in that lacks some workloads' rows or has one twice) gives the same result
 * as before the rewrite (./reference/deployability-619ea47.ts), field by field and in order.
 */

const GiB = 2 ** 30;

const node = fc.record({
  name: fc.constantFrom('db1', 'db2', 'www1', 'www2', 'www1'),
  role: fc.constantFrom('server' as const, 'agent' as const),
  cpuMillis: fc.constantFrom(0, 1000, 4000),
  memoryBytes: fc.constantFrom(GiB, 4 * GiB),
}).map((n): NodeModel => ({ ...n, taints: [], labels: { 'kubernetes.io/hostname': n.name } }));

/** Applications syncing dist/<folder>, rendered in dist/<where>: trees, strays and cycles of paths. */
const FOLDERS = ['apps', 'logging', 'paas', 'workloads/demo', 'workloads'];
const application = fc.record({
  name: fc.constantFrom('root', 'logging', 'paas', 'app-demo', 'apps'),
  folder: fc.constantFrom(...FOLDERS),
  recurse: fc.boolean(),
  wave: fc.integer({ min: -1, max: 2 }),
  where: fc.constantFrom(...FOLDERS, 'elsewhere'),
}).map((a): ApplicationModel => ({
  name: a.name, path: `dist/${a.folder}`, recurse: a.recurse, wave: a.wave,
  origin: { file: `dist/${a.where}/application-${a.name}.yaml`, obj: { kind: 'Application', metadata: { name: a.name } } },
}));

/** Custom resources' views shared by every model of a run: one view meets different customisations (what is remembered per view must follow them). */
const RESOURCES = ['Keycloak', 'Alertmanager', 'Widget'].map((kind) => ({ via: 'resource' as const, group: kind === 'Keycloak' ? 'k8s.keycloak.org' : kind === 'Alertmanager' ? 'monitoring.coreos.com' : 'example.com', kind }));
const argo = fc.oneof(
  fc.constant({ via: 'self' as const }),
  fc.constant({ via: 'none' as const, why: 'made by an operator from values' }),
  fc.constantFrom(...RESOURCES),
  fc.constantFrom('Keycloak', 'Widget').map((kind) => ({ via: 'resource' as const, group: kind === 'Keycloak' ? 'k8s.keycloak.org' : 'example.com', kind })),
);

const workload = fc.record({
  kind: fc.constantFrom('Deployment' as const, 'StatefulSet' as const, 'DaemonSet' as const),
  name: fc.constantFrom('web', 'db', 'api'),
  folder: fc.constantFrom(...FOLDERS, 'hosts'),
  replicas: fc.integer({ min: 0, max: 4 }),
  spread: fc.boolean(),
  cpuMillis: fc.constantFrom(0, 500, 1500),
  argo,
}).map((w): Workload => ({
  kind: w.kind, namespace: w.folder, name: w.name, label: `${w.folder}/${w.name} (${w.kind})`, origin: { file: `dist/${w.folder}/${w.name}.yaml`, obj: { kind: w.kind } },
  declared: false, replicas: w.replicas, nodeSelector: {}, tolerations: [], ...(w.spread ? { spread: { kind: 'anti-affinity' as const } } : {}),
  pdbNote: 'no PodDisruptionBudget', cpuMillis: w.cpuMillis, memoryBytes: 0, exempt: new Map(), startupSeconds: 10, startupNote: 'readiness probe',
  terminationGraceSeconds: 30, volumes: [], argo: w.argo,
}) as Workload);

const site = fc.record({
  nodes: fc.array(node, { minLength: 1, maxLength: 4 }),
  applications: fc.array(application, { maxLength: 6 }),
  workloads: fc.array(workload, { maxLength: 10 }),
  // A workload listed twice in the model (the same object).
  twice: fc.boolean(),
  daemonSetHealth: fc.constantFrom('builtin' as const, 'one-unavailable' as const),
  keycloak: fc.constantFrom('none', 'platform', 'unknown'),
  // Rows dropped from a simulation handed in, rows repeated with other counts, and a row of a workload of another model.
  drop: fc.array(fc.nat({ max: 12 }), { maxLength: 3 }),
  changed: fc.array(fc.record({ row: fc.nat({ max: 12 }), at: fc.nat({ max: 12 }), after: fc.nat({ max: 4 }), lost: fc.nat({ max: 4 }) }), { maxLength: 3 }),
  stranger: fc.boolean(),
});

/** A result as text: workloads as their position in `workloads`, non-finite numbers spelled out. */
function text(workloads: readonly Workload[], value: unknown): string {
  return JSON.stringify(value, (_name, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return `#${v}`;
    if (v && typeof v === 'object' && workloads.includes(v as Workload)) return `#workload ${workloads.indexOf(v as Workload)}`;
    return v;
  });
}

describe('deployability against the one that kept every workload\'s health', () => {
  test('GIVEN random clusters, workloads and Application trees WHEN each node is lost, each bring-up stage is checked, and incomplete or repeated simulations are handed in THEN the results are the same, field by field and in order', () => {
    fc.assert(fc.property(site, ({ nodes, applications, workloads: ws, twice, daemonSetHealth, keycloak, drop, changed, stranger }) => {
      const cluster: ClusterModel = {
        nodes, recoveryBudgetSeconds: 90,
        eviction: { nodeMonitorGracePeriodSeconds: 20, nodeMonitorPeriodSeconds: 2, defaultUnreachableTolerationSeconds: 20 },
      };
      const workloads = twice && ws.length ? [...ws, ws[0]] : ws;
      const healthCustomisations: Record<string, string> = keycloak === 'none' ? {} : { [KEYCLOAK_HEALTH_KEY]: keycloak === 'platform' ? KEYCLOAK_HEALTH_LUA : 'return hs' };
      const model: HaModel = { cluster, workloads, applications, daemonSetHealth, healthCustomisations, otherPods: [], problems: [] };
      const names = [...new Set(nodes.map((n) => n.name))];
      const scenarios: DeployScenario[] = [...names.map((n) => ({ kind: 'loss' as const, lost: [n] })), ...bringUpStages(cluster)];
      // Twice over one model: the second time from what the first remembered.
      for (const round of [1, 2]) {
        for (const scenario of scenarios) {
          expect([round, scenario, text(workloads, deployability(model, scenario))]).toEqual([round, scenario, text(workloads, deployabilityBefore(model, scenario))]);
        }
      }
      // A simulation handed in with some rows dropped, some repeated later with other counts, and one of a workload not in the model.
      for (const n of names) {
        const full = simulate(cluster, workloads, [n]);
        const outcomes = full.outcomes.filter((_, i) => !drop.includes(i));
        for (const c of outcomes.length ? changed : []) {
          const o = outcomes[c.row % outcomes.length];
          outcomes.splice(c.at % (outcomes.length + 1), 0, { ...o, after: c.after, lost: Math.min(c.lost, o.before) });
        }
        if (stranger && outcomes.length) outcomes.push({ ...outcomes[0], workload: { ...outcomes[0].workload } });
        const handed = { ...full, outcomes };
        const scenario: DeployScenario = { kind: 'loss', lost: [n] };
        expect([n, text(workloads, deployability(model, scenario, handed))]).toEqual([n, text(workloads, deployabilityBefore(model, scenario, handed))]);
      }
    }), { numRuns: 300, seed: 2112 });
  });

  test('GIVEN Applications in a cycle of paths (a syncs d, d syncs a) beside a Progressing child e of a WHEN a bring-up stage is checked THEN d is Healthy with a among its Progressing children, as before', () => {
    const app = (name: string, where: string): ApplicationModel => ({ name, path: `dist/${name}`, recurse: false, wave: 0, origin: { file: `dist/${where}/application-${name}.yaml`, obj: { kind: 'Application', metadata: { name } } } });
    const cluster: ClusterModel = {
      nodes: [{ name: 'www1', role: 'agent', taints: [], labels: {}, cpuMillis: 1000, memoryBytes: GiB }], recoveryBudgetSeconds: 90,
      eviction: { nodeMonitorGracePeriodSeconds: 20, nodeMonitorPeriodSeconds: 2, defaultUnreachableTolerationSeconds: 20 },
    };
    const stuck: Workload = {
      kind: 'Deployment', namespace: 'e', name: 'web', label: 'e/web (Deployment)', origin: { file: 'dist/e/web.yaml', obj: { kind: 'Deployment' } }, declared: false,
      replicas: 2, nodeSelector: {}, tolerations: [], spread: { kind: 'anti-affinity' }, pdbNote: 'no PodDisruptionBudget', cpuMillis: 0, memoryBytes: 0,
      exempt: new Map(), startupSeconds: 10, startupNote: 'readiness probe', terminationGraceSeconds: 30, volumes: [], argo: { via: 'self' },
    };
    const model: HaModel = { cluster, workloads: [stuck], applications: [app('a', 'd'), app('d', 'a'), app('e', 'a')], daemonSetHealth: 'builtin', healthCustomisations: {}, otherPods: [], problems: [] };
    const stage = bringUpStages(cluster)[0];
    const d = deployability(model, stage).apps.find((x) => x.app.name === 'd')!;
    expect([d.health, d.progressingChildren]).toEqual(['Healthy', ['a']]);
    expect(text(model.workloads, deployability(model, stage))).toEqual(text(model.workloads, deployabilityBefore(model, stage)));
  });
});
