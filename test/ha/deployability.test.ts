import { DAEMONSET_HEALTH_KEY, DAEMONSET_HEALTH_LUA, daemonSetHealth, KEYCLOAK_HEALTH_KEY, KEYCLOAK_HEALTH_LUA, resourceHealthRule } from '../../lib/ha/argo-health';
import { bringUpStages, deployability, stageBefore, whyNotDeployable } from '../../lib/ha/deployability';
import { ApplicationModel, automaticLabels, ClusterModel, HaModel, NodeModel, Workload } from '../../lib/ha/model';
import { HEALTH_CHECKS } from '../../lib/gitops/argocd-values';

const GiB = 2 ** 30;
const SERVER_TAINT = { key: 'CriticalAddonsOnly', value: 'true', effect: 'NoExecute' } as const;

function node(name: string, role: 'server' | 'agent'): NodeModel {
  return { name, role, labels: automaticLabels(name, role), taints: role === 'server' ? [SERVER_TAINT] : [], cpuMillis: 4000, memoryBytes: 8 * GiB };
}

/** The site's shape: three tainted servers, three agents, joining servers first and www1 last. */
function cluster(): ClusterModel {
  return {
    nodes: ['db1', 'db2', 'db3'].map((n) => node(n, 'server')).concat(['www1', 'www2', 'www3'].map((n) => node(n, 'agent'))),
    joinOrder: ['db1', 'db2', 'db3', 'www2', 'www3', 'www1'],
    eviction: { nodeMonitorGracePeriodSeconds: 20, nodeMonitorPeriodSeconds: 2, defaultUnreachableTolerationSeconds: 20 },
    recoveryBudgetSeconds: 90,
  };
}

/** An Application syncing dist/<name>, rendered in dist/apps (the root's directory) at `wave`. */
function app(name: string, wave: number, path = `dist/${name}`, file = `dist/apps/application-${name}.yaml`): ApplicationModel {
  return { name, path, recurse: false, wave, origin: { file, obj: { kind: 'Application', metadata: { name } } } };
}

function workload(layer: string, name: string, w: Partial<Workload> = {}): Workload {
  return {
    kind: 'Deployment', namespace: layer, name, label: `${layer}/${name} (${w.kind ?? 'Deployment'})`, origin: { file: `dist/${layer}/deployment-${name}.yaml`, obj: { kind: w.kind ?? 'Deployment' } }, declared: false,
    replicas: 2, nodeSelector: {}, tolerations: [], pdbNote: 'no PodDisruptionBudget', cpuMillis: 0, memoryBytes: 0, exempt: new Map(),
    startupSeconds: 10, startupNote: 'readiness probe', terminationGraceSeconds: 30, volumes: [], argo: { via: 'self' },
    ...w,
  };
}

const ANTI = { kind: 'anti-affinity' } as const;
const TOLERATE_SERVERS = [{ key: SERVER_TAINT.key, operator: 'Exists' as const }];

/** Root (dist/apps) with three layers in waves 0, 1 and 2 and an app Application inside the last. */
function model(workloads: Workload[], daemonSetHealthRule: HaModel['daemonSetHealth'] = 'one-unavailable', healthCustomisations: HaModel['healthCustomisations'] = {}): HaModel {
  const applications = [
    app('root', 0, 'dist/apps'),
    app('metallb', 0),
    app('logging', 1),
    app('paas', 2),
    app('app-demo', 1, 'dist/workloads/demo', 'dist/paas/application-app-demo.yaml'),
  ];
  return { cluster: cluster(), workloads, otherPods: [], problems: [], applications, daemonSetHealth: daemonSetHealthRule, healthCustomisations };
}

const healthOf = (m: HaModel, scenario: Parameters<typeof deployability>[1], name: string) => deployability(m, scenario).apps.find((a) => a.app.name === name)!.health;

describe('deployability: Argo CD health per node lost and per bring-up stage', () => {
  test('GIVEN a 3-replica set with required anti-affinity restricted to the 3 agents WHEN www2 is lost THEN its Application is Progressing and holds back every later wave', () => {
    const m = model([workload('logging', 'loki', { replicas: 3, spread: ANTI }), workload('workloads/demo', 'demo', { replicas: 1, origin: { file: 'dist/workloads/demo/deployment-demo.yaml', obj: {} } })]);
    const d = deployability(m, { kind: 'loss', lost: ['www2'] });
    const logging = d.apps.find((a) => a.app.name === 'logging')!;
    expect(logging.health).toBe('Progressing');
    expect(logging.progressing[0].why).toContain('required anti-affinity');
    expect(d.holds).toEqual([{ parent: 'root', blocker: 'logging', wave: 1, held: ['paas'] }]);
    expect(whyNotDeployable(d, 'app-demo')).toEqual(['paas (wave 2) waits for logging (wave 1 of root), which is Progressing']);
    // metallb (wave 0) is not held back: it syncs before the blocker's wave.
    expect(healthOf(m, { kind: 'loss', lost: ['www2'] }, 'metallb')).toBe('Healthy');
  });

  test('GIVEN the same set tolerating the servers\' taint WHEN any single node is lost THEN every Application is Healthy', () => {
    const m = model([workload('logging', 'loki', { replicas: 3, spread: ANTI, tolerations: TOLERATE_SERVERS })]);
    for (const n of cluster().nodes) {
      const d = deployability(m, { kind: 'loss', lost: [n.name] });
      expect([n.name, d.apps.filter((a) => a.health !== 'Healthy').map((a) => a.app.name), d.holds]).toEqual([n.name, [], []]);
    }
  });

  test('GIVEN the 3-replica set on the agents only WHEN the bring-up stage is before www1 joins THEN the app in a later wave cannot deploy; tolerating the servers it can', () => {
    const demo = workload('workloads/demo', 'demo', { replicas: 1, origin: { file: 'dist/workloads/demo/deployment-demo.yaml', obj: {} } });
    const before = stageBefore(cluster(), 'www1')!;
    expect(before).toEqual({ kind: 'bring-up', present: ['db1', 'db2', 'db3', 'www2', 'www3'], next: 'www1' });
    const agentsOnly = deployability(model([workload('logging', 'loki', { replicas: 3, spread: ANTI }), demo]), before);
    expect(agentsOnly.apps.find((a) => a.app.name === 'logging')!.progressing[0]).toMatchObject({ desired: 3, running: 2 });
    expect(whyNotDeployable(agentsOnly, 'app-demo')).toHaveLength(1);
    const withServers = deployability(model([workload('logging', 'loki', { replicas: 3, spread: ANTI, tolerations: TOLERATE_SERVERS }), demo]), before);
    expect(whyNotDeployable(withServers, 'app-demo')).toEqual([]);
  });

  test('GIVEN a StatefulSet without a replicated volume WHEN a node holding one of its pods is lost THEN it stays Progressing (the pod is never replaced)', () => {
    const m = model([workload('logging', 'db', { kind: 'StatefulSet', replicas: 2, spread: ANTI, tolerations: TOLERATE_SERVERS })]);
    const d = deployability(m, { kind: 'loss', lost: ['www1'] });
    const logging = d.apps.find((a) => a.app.name === 'logging')!;
    expect(logging.health).toBe('Progressing');
    expect(logging.progressing[0].why).toContain('never replaced until the node returns');
  });

  test('GIVEN a DaemonSet on every node WHEN one node is lost THEN Argo CD\'s built-in rule makes it Progressing, the platform\'s customisation Healthy; two pods down stay Progressing', () => {
    const ds = workload('metallb', 'speaker', { kind: 'DaemonSet', replicas: 0, tolerations: [{ operator: 'Exists' }] });
    expect(healthOf(model([ds], 'builtin'), { kind: 'loss', lost: ['www1'] }, 'metallb')).toBe('Progressing');
    expect(healthOf(model([ds], 'one-unavailable'), { kind: 'loss', lost: ['www1'] }, 'metallb')).toBe('Healthy');
    expect(healthOf(model([ds], 'one-unavailable'), { kind: 'loss', lost: ['www1', 'www2'] }, 'metallb')).toBe('Progressing');
    // A node that has not joined yet is not registered: no pod is desired there.
    expect(healthOf(model([ds], 'builtin'), { kind: 'bring-up', present: ['db1'] }, 'metallb')).toBe('Healthy');
    expect(daemonSetHealth('one-unavailable', 7, 5)).toBe('Progressing');
  });

  test('GIVEN a StatefulSet an operator creates from a custom resource WHEN a node holding one of its pods is lost THEN it counts only through that resource\'s health check', () => {
    // Agents only, on purpose: the pod on www1 is stuck and its replacement has nowhere to go.
    const set = (argo: Workload['argo']) => workload('logging', 'db', { kind: 'StatefulSet', replicas: 2, spread: ANTI, argo });
    const lost = { kind: 'loss', lost: ['www1'] } as const;
    // Argo CD v3.2.0 has no health check for Alertmanager: the resource does not count.
    expect(healthOf(model([set({ via: 'resource', group: 'monitoring.coreos.com', kind: 'Alertmanager' })]), lost, 'logging')).toBe('Healthy');
    // Prometheus's built-in check wants every pod ready (Available), Keycloak's every instance (Ready).
    expect(healthOf(model([set({ via: 'resource', group: 'monitoring.coreos.com', kind: 'Prometheus' })]), lost, 'logging')).toBe('Progressing');
    const keycloak = set({ via: 'resource', group: 'k8s.keycloak.org', kind: 'Keycloak' });
    expect(healthOf(model([keycloak]), lost, 'logging')).toBe('Progressing');
    // The platform's Keycloak customisation tolerates one missing instance, only when argocd-cm carries its exact text.
    expect(healthOf(model([keycloak], 'one-unavailable', { [KEYCLOAK_HEALTH_KEY]: KEYCLOAK_HEALTH_LUA }), lost, 'logging')).toBe('Healthy');
    expect(healthOf(model([keycloak], 'one-unavailable', { [KEYCLOAK_HEALTH_KEY]: 'return { status = "Healthy" }' }), lost, 'logging')).toBe('Progressing');
    // A workload a controller creates from values (Longhorn's CSI deployments) is not an Argo CD resource.
    expect(healthOf(model([set({ via: 'none', why: 'the driver deployer' })]), lost, 'logging')).toBe('Healthy');
    // A kind the simulation does not know: the cautious answer, said.
    expect(resourceHealthRule('example.com', 'Db', {}).source).toContain('assumed');
  });

  test('GIVEN the Keycloak customisation WHEN both instances are missing THEN it stays Progressing (never all of them)', () => {
    const rule = resourceHealthRule('k8s.keycloak.org', 'Keycloak', { [KEYCLOAK_HEALTH_KEY]: KEYCLOAK_HEALTH_LUA });
    expect([rule.health!(2, 2), rule.health!(2, 1), rule.health!(2, 0), rule.health!(1, 0), rule.health!(3, 1)]).toEqual(['Healthy', 'Healthy', 'Progressing', 'Progressing', 'Progressing']);
  });

  test('GIVEN the join order WHEN listing the bring-up stages THEN each stage adds the next node', () => {
    expect(bringUpStages(cluster()).map((s) => (s.kind === 'bring-up' ? s.present.join(',') : ''))).toEqual([
      'db1', 'db1,db2', 'db1,db2,db3', 'db1,db2,db3,www2', 'db1,db2,db3,www2,www3', 'db1,db2,db3,www2,www3,www1',
    ]);
  });

  test('GIVEN the Argo CD values WHEN rendered THEN the DaemonSet and Keycloak customisations the simulation assumes are the ones Argo CD gets', () => {
    expect(HEALTH_CHECKS[DAEMONSET_HEALTH_KEY]).toBe(DAEMONSET_HEALTH_LUA);
    expect(HEALTH_CHECKS[KEYCLOAK_HEALTH_KEY]).toBe(KEYCLOAK_HEALTH_LUA);
  });
});
