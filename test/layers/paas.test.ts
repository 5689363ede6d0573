import { parse } from 'yaml';
import { ENVIRONMENTS } from '../../lib/config/app-schema';
import { shippedRender } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('paas layer', () => {
  const files = new Map(shippedRender().map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => parse(files.get(p)!);

  test('GIVEN the environments WHEN rendered THEN sit, uat and prod are restricted app namespaces', () => {
    for (const env of ENVIRONMENTS) {
      expect(obj(`dist/paas/namespace-${env}.yaml`).metadata.labels).toEqual({
        'app.kubernetes.io/part-of': 'tsys-platform', 'platform.tsys/layer': 'paas', 'platform.tsys/app-namespace': 'true',
        'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted',
      });
    }
  });

  test('GIVEN an app namespace WHEN rendered THEN everything in and out is denied but DNS to kube-system', () => {
    for (const env of ENVIRONMENTS) {
      expect(obj(`dist/paas/networkpolicy-${env}-default-deny.yaml`).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      expect(obj(`dist/paas/networkpolicy-${env}-allow-dns.yaml`).spec).toEqual({
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
        }],
      });
    }
  });

  test('GIVEN the AppProject apps WHEN rendered THEN apps come from the site repository, land in sit/uat/prod only, and may not create cluster-scoped objects', () => {
    const project = obj('dist/paas/appproject-apps.yaml');
    expect(project.metadata).toMatchObject({ name: 'apps', namespace: 'argocd' });
    expect(project.spec.sourceRepos).toEqual(['https://git.turnsys.com/tsys/platform.git']);
    expect(project.spec.destinations).toEqual(ENVIRONMENTS.map((namespace) => ({ server: 'https://kubernetes.default.svc', namespace })));
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    expect(project.spec.namespaceResourceBlacklist).toEqual([{ group: '', kind: 'ResourceQuota' }, { group: '', kind: 'LimitRange' }]);
    // No platform namespace is a destination.
    const platformNamespaces = [...files.keys()].filter((p) => /^dist\/(?!paas\/)[^/]+\/namespace-/.test(p)).map((p) => obj(p).metadata.name);
    expect(platformNamespaces.length).toBeGreaterThan(5);
    for (const ns of platformNamespaces) expect(project.spec.destinations.map((d: Obj) => d.namespace)).not.toContain(ns);
  });

  test('GIVEN the layer WHEN ordered THEN it syncs after rollouts, the gateway, monitoring (PodMonitors) and External Secrets', () => {
    const layer = obj('dist/apps/application-paas.yaml');
    expect(layer.metadata.annotations['platform.tsys/depends-on']).toBe('gateway,monitoring,rollouts,secrets');
    expect(layer.spec.source.path).toBe('dist/paas');
    expect(obj('dist/paas/application-app-whiteboard.yaml').spec.source.path).toBe('dist/workloads/whiteboard');
  });
});
