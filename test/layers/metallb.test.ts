import { ANNOTATIONS } from '../../lib/gitops/argocd';
import { HA_ANNOTATIONS } from '../../lib/ha/annotations';
import { loadManifests } from '../../lib/k8s/manifest-yaml';
import { renderSite } from '../../lib/synth';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { shippedRender, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const layerObjects = (files: readonly RenderedFile[]): Obj[] => files.filter((f) => f.path.startsWith('dist/metallb/')).flatMap((f) => loadManifests(f.content, f.path) as Obj[]);

describe('MetalLB layer', () => {
  const objects = layerObjects(shippedRender());
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const find = (kind: string, name: string): Obj => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`dist/metallb has no ${kind}/${name}`);
    return o;
  };

  test('GIVEN the shipped site WHEN rendered THEN one IPAddressPool per site pool carries its addresses and auto-assign', () => {
    expect(byKind('IPAddressPool').map((p) => [p.metadata.name, p.metadata.namespace, p.spec.addresses, p.spec.autoAssign])).toEqual([
      ['apps', 'metallb-system', ['10.251.51.220-10.251.51.250'], true],
      ['platform', 'metallb-system', ['10.251.51.200-10.251.51.219'], false],
    ]);
  });

  test('GIVEN the site pools WHEN rendered THEN one L2Advertisement announces every pool', () => {
    expect(byKind('L2Advertisement').map((a) => a.spec)).toEqual([{ ipAddressPools: ['platform', 'apps'] }]);
  });

  test('GIVEN the chart WHEN rendered THEN it installs the metallb.io CRDs, server-side and never pruned, and the layer provides that API', () => {
    const crds = byKind('CustomResourceDefinition');
    expect(crds.map((c) => c.metadata.name)).toContain('ipaddresspools.metallb.io');
    for (const c of crds) {
      expect(c.spec.group).toBe('metallb.io');
      expect(c.metadata.annotations[ANNOTATIONS.syncOptions]).toBe('Delete=false,Prune=false,ServerSideApply=true');
    }
    expect(find('Deployment', 'metallb-controller').metadata.annotations[ANNOTATIONS.providesApis]).toBe('metallb.io/*');
  });

  test('GIVEN pools and the advertisement WHEN rendered THEN they sync after the chart that installs their CRDs', () => {
    for (const o of [...byKind('IPAddressPool'), ...byKind('L2Advertisement')]) {
      expect(o.metadata.annotations[ANNOTATIONS.syncWave]).toBe('1');
      expect(o.metadata.annotations[ANNOTATIONS.syncOptions]).toBe('SkipDryRunOnMissingResource=true');
    }
  });

  test('GIVEN L2 mode WHEN rendered THEN the speakers run one per node on every node, tainted ones included, without FRR', () => {
    const ds = find('DaemonSet', 'metallb-speaker');
    expect(ds.spec.template.spec.tolerations).toContainEqual({ operator: 'Exists' });
    expect(ds.spec.template.spec.containers.map((c: Obj) => c.name)).toEqual(['speaker']);
    expect(ds.spec.template.spec.hostNetwork).toBe(true);
  });

  test('GIVEN the speaker needs the host network and NET_RAW WHEN rendered THEN it is a declared system component in a privileged namespace', () => {
    const ds = find('DaemonSet', 'metallb-speaker');
    expect(ds.metadata.annotations[HA_ANNOTATIONS.systemComponent]).toBe('answers ARP for the load-balancer addresses on the host network (NET_RAW)');
    expect(ds.spec.template.spec.containers[0].securityContext.capabilities).toEqual({ add: ['NET_RAW'], drop: ['ALL'] });
    expect(find('Namespace', 'metallb-system').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });

  test('GIVEN the controller only allocates addresses WHEN rendered THEN it is one declared singleton that leaves a dead node after 10 s', () => {
    const d = find('Deployment', 'metallb-controller');
    expect(d.spec.replicas ?? 1).toBe(1);
    expect(d.metadata.annotations[HA_ANNOTATIONS.singleton]).toMatch(/^only allocates addresses/);
    expect(d.spec.template.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 },
    ]);
  });

  test('GIVEN the controller WHEN rendered THEN it runs as a non-root user with RuntimeDefault seccomp, read-only, with probes and resources', () => {
    const pod = find('Deployment', 'metallb-controller').spec.template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65534, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } });
    const c = pod.containers[0];
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/metrics', port: 'monitoring' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/metrics', port: 'monitoring' });
    expect(c.resources).toEqual({ requests: { cpu: '25m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    expect(find('DaemonSet', 'metallb-speaker').spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '25m', memory: '64Mi' }, limits: { memory: '256Mi' } });
  });

  test('GIVEN another pool in site.yaml WHEN rendered THEN it gets its IPAddressPool and the advertisement announces it', () => {
    const other = layerObjects(renderSite(siteWith((s) => { s.network.metallb.pools.push({ name: 'extra', addresses: ['10.251.51.192/29'], autoAssign: true }); })));
    expect(other.filter((o) => o.kind === 'IPAddressPool').map((p) => p.metadata.name).sort()).toEqual(['apps', 'extra', 'platform']);
    expect(other.find((o) => o.kind === 'L2Advertisement')!.spec.ipAddressPools).toEqual(['platform', 'apps', 'extra']);
  });

  test('GIVEN a chart version that is not vendored WHEN rendered THEN synth refuses and says how to vendor it', () => {
    expect(() => renderSite(siteWith((s) => { s.versions = { metallb: '0.15.3' }; }))).toThrow('chart metallb is pinned to 0.15.3, but vendor/lock.yaml vendors 0.15.2; run npm run vendor -- metallb 0.15.3 (or pin 0.15.2)');
  });
});
