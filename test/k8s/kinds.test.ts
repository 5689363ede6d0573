import { CRD_SCHEMAS, crdSchemaFile, isClusterScoped, OTHER_POD_KINDS, WORKLOAD_KINDS } from '../../lib/k8s/kinds';

describe('kinds', () => {
  test('GIVEN built-in kinds WHEN asked for their scope THEN cluster-scoped ones are known by group and kind', () => {
    expect(isClusterScoped('', 'Namespace')).toBe(true);
    expect(isClusterScoped('rbac.authorization.k8s.io', 'ClusterRole')).toBe(true);
    expect(isClusterScoped('', 'ConfigMap')).toBe(false);
    expect(isClusterScoped('apps', 'Namespace')).toBe(false);
  });

  test('GIVEN the vendored custom resources WHEN asked for their scope THEN the table decides', () => {
    for (const c of CRD_SCHEMAS) expect([c.kind, isClusterScoped(c.group, c.kind)]).toEqual([c.kind, c.scope === 'Cluster']);
    expect(crdSchemaFile('argoproj.io', 'Application', 'v1alpha1')).toBe('crds/argoproj.io/application_v1alpha1.json');
  });

  test('GIVEN the kinds that run pods WHEN listed THEN workloads and other pods are apart, each with its group', () => {
    expect(WORKLOAD_KINDS).toEqual({ Deployment: 'apps', StatefulSet: 'apps', DaemonSet: 'apps', Rollout: 'argoproj.io' });
    expect(OTHER_POD_KINDS).toEqual({ Job: 'batch', CronJob: 'batch', Pod: '', ReplicaSet: 'apps' });
    for (const kind of Object.keys(WORKLOAD_KINDS)) expect(OTHER_POD_KINDS[kind]).toBeUndefined();
  });
});
