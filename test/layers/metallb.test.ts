import { App } from 'cdk8s';
import { ANNOTATIONS } from '../../lib/gitops/argocd';
import { wireApiProviders } from '../../lib/gitops/waves';
import { metalLbLayer } from '../../lib/layers/metallb';
import { resolveVersions } from '../../lib/versions';
import { shippedSite, siteWith } from '../helpers';
import type { Site } from '../../lib/config/schema';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function render(site: Site): Obj[] {
  const layer = metalLbLayer(new App(), { site, versions: resolveVersions(site.versions), apps: [] });
  wireApiProviders([layer]);
  return layer.toJson() as Obj[];
}

describe('MetalLB layer', () => {
  const objects = render(shippedSite());
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);

  test('GIVEN the shipped site WHEN rendered THEN one IPAddressPool per site pool carries its addresses and auto-assign', () => {
    expect(byKind('IPAddressPool').map((p) => [p.metadata.name, p.metadata.namespace, p.spec.addresses, p.spec.autoAssign])).toEqual([
      ['platform', 'metallb-system', ['10.251.51.200-10.251.51.219'], false],
      ['apps', 'metallb-system', ['10.251.51.220-10.251.51.250'], true],
    ]);
  });

  test('GIVEN the site pools WHEN rendered THEN one L2Advertisement announces every pool', () => {
    expect(byKind('L2Advertisement').map((a) => a.spec)).toEqual([{ ipAddressPools: ['platform', 'apps'] }]);
  });

  test('GIVEN the chart WHEN rendered THEN it is a pinned Helm Application with CRDs, L2 only, and speakers on every node', () => {
    const [app] = byKind('Application');
    expect(app.metadata.name).toBe('metallb-chart');
    expect(app.spec.source).toMatchObject({ repoURL: 'https://metallb.github.io/metallb', chart: 'metallb', targetRevision: '0.15.2' });
    const values = app.spec.source.helm.valuesObject;
    expect(values.crds.enabled).toBe(true);
    expect(values.speaker.frr.enabled).toBe(false);
    expect(values.speaker.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(app.metadata.annotations[ANNOTATIONS.providesApis]).toBe('metallb.io/*');
    expect(app.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
  });

  test('GIVEN pools and the advertisement WHEN rendered THEN they sync after the chart that installs their CRDs', () => {
    for (const o of [...byKind('IPAddressPool'), ...byKind('L2Advertisement')]) {
      expect(o.metadata.annotations[ANNOTATIONS.syncWave]).toBe('1');
      expect(o.metadata.annotations[ANNOTATIONS.syncOptions]).toBe('SkipDryRunOnMissingResource=true');
    }
  });

  test('GIVEN the speaker needs host networking WHEN rendered THEN its namespace allows privileged pods', () => {
    const [ns] = byKind('Namespace');
    expect(ns.metadata.name).toBe('metallb-system');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });

  test('GIVEN a version override and another pool in site.yaml WHEN rendered THEN both flow through', () => {
    const objects2 = render(siteWith((s) => {
      s.versions = { metallb: '0.15.3' };
      s.network.metallb.pools.push({ name: 'extra', addresses: ['10.251.51.192/29'], autoAssign: true });
    }));
    expect(objects2.find((o) => o.kind === 'Application')!.spec.source.targetRevision).toBe('0.15.3');
    expect(objects2.filter((o) => o.kind === 'IPAddressPool').map((p) => p.metadata.name)).toEqual(['platform', 'apps', 'extra']);
    expect(objects2.find((o) => o.kind === 'L2Advertisement')!.spec.ipAddressPools).toEqual(['platform', 'apps', 'extra']);
  });
});
