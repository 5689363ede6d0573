import { App } from 'cdk8s';
import { parse } from 'yaml';
import { ANNOTATIONS } from '../../lib/gitops/argocd';
import { wireApiProviders } from '../../lib/gitops/waves';
import { upgradesLayer } from '../../lib/layers/upgrades';
import { resolveVersions } from '../../lib/versions';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { shippedSite, siteWith } from '../helpers';
import type { Site } from '../../lib/config/schema';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function render(site: Site): Obj[] {
  const layer = upgradesLayer(new App(), { site, versions: resolveVersions(site.versions), apps: [] });
  wireApiProviders([layer]);
  return layer.toJson() as Obj[];
}

describe('upgrades layer', () => {
  const objects = render(shippedSite());
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;

  test('GIVEN the layer WHEN rendered THEN it holds exactly the namespace, the controller Application and two Plans', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/system-upgrade', 'Application/system-upgrade-controller-git', 'Plan/server-plan', 'Plan/agent-plan',
    ]);
  });

  test('GIVEN upgrade Jobs are privileged WHEN rendered THEN the namespace enforces the privileged pod security level', () => {
    expect(find('Namespace', 'system-upgrade').metadata.labels).toEqual({
      'app.kubernetes.io/part-of': 'tsys-platform',
      'platform.tsys/layer': 'upgrades',
      'pod-security.kubernetes.io/audit': 'privileged',
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/warn': 'privileged',
    });
  });

  test('GIVEN the controller WHEN rendered THEN it is the pinned Git tag with the image re-pinned to that tag, the upstream namespace dropped, and it provides the Plan API', () => {
    const app = find('Application', 'system-upgrade-controller-git');
    expect(app.spec.source).toEqual({
      repoURL: 'https://github.com/rancher/system-upgrade-controller',
      path: '.',
      targetRevision: 'v0.20.1',
      kustomize: {
        images: ['rancher/system-upgrade-controller:v0.20.1'],
        patches: [{
          target: { version: 'v1', kind: 'Namespace', name: 'system-upgrade' },
          patch: '$patch: delete\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: system-upgrade\n',
        }],
      },
    });
    expect(parse(app.spec.source.kustomize.patches[0].patch)).toEqual({ $patch: 'delete', apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'system-upgrade' } });
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'system-upgrade' });
    expect(app.metadata.annotations[ANNOTATIONS.providesApis]).toBe('upgrade.cattle.io/*');
  });

  test('GIVEN the server Plan WHEN rendered THEN it upgrades one cordoned server at a time to the pinned k3s, tolerating the server taint', () => {
    expect(find('Plan', 'server-plan').spec).toEqual({
      concurrency: 1,
      cordon: true,
      nodeSelector: { matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'In', values: ['true'] }] },
      tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }],
      serviceAccountName: 'system-upgrade',
      upgrade: { image: 'rancher/k3s-upgrade' },
      version: 'v1.33.5+k3s1',
    });
  });

  test('GIVEN the agent Plan WHEN rendered THEN it drains one agent at a time, includes the R&D node, and waits for the server Plan', () => {
    expect(find('Plan', 'agent-plan').spec).toEqual({
      concurrency: 1,
      cordon: true,
      drain: { force: true, skipWaitForDeleteTimeout: 60, timeout: '10m' },
      nodeSelector: { matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }] },
      tolerations: [{ key: 'platform.tsys/rnd', operator: 'Exists' }],
      prepare: { image: 'rancher/k3s-upgrade', args: ['prepare', 'server-plan'] },
      serviceAccountName: 'system-upgrade',
      upgrade: { image: 'rancher/k3s-upgrade' },
      version: 'v1.33.5+k3s1',
    });
  });

  test('GIVEN the Plans WHEN rendered THEN they sync in wave 1, after the controller that registers their CRD, without a dry run', () => {
    for (const name of ['server-plan', 'agent-plan']) {
      expect(find('Plan', name).metadata.annotations).toEqual({
        [ANNOTATIONS.syncWave]: '1',
        [ANNOTATIONS.syncOptions]: 'SkipDryRunOnMissingResource=true',
      });
    }
    expect(find('Application', 'system-upgrade-controller-git').metadata.annotations[ANNOTATIONS.syncWave]).toBeUndefined();
  });

  test('GIVEN every object WHEN validated against the strict schemas THEN there is no problem', () => {
    const registry = new SchemaRegistry();
    for (const o of objects) expect([`${o.kind}/${o.metadata.name}`, registry.validate(o)]).toEqual([`${o.kind}/${o.metadata.name}`, []]);
  });

  test('GIVEN version overrides for k3s and the controller WHEN rendered THEN both Plans and the controller tag and image follow', () => {
    const o = render(siteWith((s) => { s.versions = { k3s: 'v1.34.1+k3s1', 'system-upgrade-controller': 'v0.21.0' }; }));
    expect(o.filter((x) => x.kind === 'Plan').map((p) => p.spec.version)).toEqual(['v1.34.1+k3s1', 'v1.34.1+k3s1']);
    const app = o.find((x) => x.kind === 'Application')!;
    expect([app.spec.source.targetRevision, app.spec.source.kustomize.images]).toEqual(['v0.21.0', ['rancher/system-upgrade-controller:v0.21.0']]);
  });
});
