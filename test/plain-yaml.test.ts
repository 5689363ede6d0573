import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { loadManifests } from '../lib/k8s/manifest-yaml';
import { RENDER_CACHE_DIR } from '../lib/render/chart-renderer';
import { readVendorLock, hashTree } from '../lib/vendor/lock';
import { REPO, shippedRender } from './helpers';

jest.setTimeout(120_000);

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** "dist/ is the platform": the Done-when lines of plain YAML for every layer, on the shipped site. */
describe('plain YAML for every layer', () => {
  const files = shippedRender();
  const objects = files
    .filter((f) => (f.path.startsWith('dist/') || f.path.startsWith('argocd/')) && f.path.endsWith('.yaml') && !f.path.startsWith('dist/hosts/') && !f.path.endsWith('kustomization.yaml'))
    .map((f) => ({ file: f.path, obj: loadManifests(f.content, f.path)[0] as Obj }));
  const inDist = (kind: string, name: string, namespace?: string) => objects.filter((o) => o.file.startsWith('dist/') && o.obj.kind === kind && o.obj.metadata.name === name && (namespace === undefined || o.obj.metadata.namespace === namespace));

  test('GIVEN the render WHEN its Applications are read THEN none has a Helm source or a repository other than the platform repository, and no HelmChart remains', () => {
    const apps = objects.filter((o) => o.obj.kind === 'Application');
    const root = apps.find((o) => o.file === 'dist/apps/application-root.yaml')!.obj;
    expect(apps.length).toBeGreaterThan(10);
    for (const { obj } of apps) {
      const sources: Obj[] = [obj.spec.source, ...(obj.spec.sources ?? [])].filter(Boolean);
      for (const s of sources) {
        expect(s.chart).toBeUndefined();
        expect(s.helm).toBeUndefined();
        expect(s.repoURL).toBe(root.spec.source.repoURL);
        expect(s.path).toMatch(/^dist\//);
      }
    }
    expect(objects.filter((o) => o.obj.apiVersion.startsWith('helm.cattle.io/'))).toEqual([]);
  });

  test('GIVEN every committed chart render WHEN its workloads are listed THEN each Deployment, StatefulSet and DaemonSet is a file in dist/', () => {
    const renders = files.filter((f) => f.path.startsWith(`${RENDER_CACHE_DIR}/`));
    expect(renders.map((f) => path.posix.basename(f.path, '.yaml'))).toEqual(expect.arrayContaining([
      'alloy', 'argo-cd', 'argo-rollouts', 'envoy-gateway', 'external-secrets', 'harbor', 'jenkins', 'kube-prometheus-stack', 'loki', 'longhorn', 'metallb', 'rancher', 'velero',
      'keycloak-operator', 'snapshot-controller', 'snapshot-crds', 'system-upgrade-controller',
    ]));
    let workloads = 0;
    for (const f of renders) {
      for (const doc of parseAllDocuments(f.content, { version: '1.1' })) {
        const o = doc.toJS() as Obj | null;
        if (!o || !['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind)) continue;
        workloads++;
        expect({ render: f.path, found: inDist(o.kind, o.metadata.name).length }).toEqual({ render: f.path, found: 1 });
      }
    }
    expect(workloads).toBeGreaterThan(30);
  });

  test('GIVEN Loki in monolithic mode WHEN rendered THEN it renders (the simple-scalable targets have no replicas) with 3 replicas', () => {
    const [loki] = inDist('StatefulSet', 'loki', 'logging');
    expect(loki.obj.spec.replicas).toBe(3);
    for (const target of ['loki-read', 'loki-write', 'loki-backend']) {
      expect(objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.obj.kind) && o.obj.metadata.name === target).map((o) => o.obj.spec.replicas ?? 1).filter((r) => r > 0)).toEqual([]);
    }
  });

  test('GIVEN the Longhorn chart ignores longhornUI.podDisruptionBudget WHEN rendered THEN the layer renders the UI its own PodDisruptionBudget', () => {
    const [ui] = inDist('Deployment', 'longhorn-ui', 'longhorn-system');
    const pdbs = objects.filter((o) => o.obj.kind === 'PodDisruptionBudget' && o.obj.metadata.namespace === 'longhorn-system'
      && Object.entries(o.obj.spec.selector.matchLabels).every(([k, v]) => ui.obj.spec.template.metadata.labels[k] === v));
    expect(pdbs).toHaveLength(1);
  });

  test('GIVEN the argo-cd chart with its redis-ha subchart WHEN simulated THEN the failure report names the redis-ha workloads as they render', () => {
    const redis = objects.filter((o) => o.file.startsWith('dist/argocd/') && ['StatefulSet', 'Deployment'].includes(o.obj.kind) && o.obj.spec.template.metadata.labels?.app?.startsWith('redis-ha'));
    expect(redis.map((o) => o.obj.kind).sort()).toEqual(['Deployment', 'StatefulSet']);
    const report = files.find((f) => f.path === 'reports/failure-simulation.md')!.content;
    for (const o of redis) expect(report).toContain(`argocd/${o.obj.metadata.name}`);
  });

  test('GIVEN the whole render WHEN searched THEN no Secret has data and no object holds a private key', () => {
    expect(objects.filter((o) => o.obj.kind === 'Secret' && (o.obj.data !== undefined || o.obj.stringData !== undefined)).map((o) => o.file)).toEqual([]);
    expect(files.filter((f) => !f.path.startsWith(`${RENDER_CACHE_DIR}/`) && /-----BEGIN [A-Z ]*PRIVATE KEY-----\s*[A-Za-z0-9+/=\s]{40,}-----END [A-Z ]*PRIVATE KEY-----/.test(f.content)).map((f) => f.path)).toEqual([]);
  });

  test('GIVEN the vendor lock WHEN every entry is hashed THEN the vendored folders are exactly what was vendored', () => {
    const lock = readVendorLock(REPO);
    const entries = [...Object.values(lock.charts), ...Object.values(lock.manifests)];
    expect(entries.length).toBeGreaterThanOrEqual(16);
    for (const e of entries) expect({ path: e.path, sha256: hashTree(path.join(REPO, e.path)) }).toEqual({ path: e.path, sha256: e.sha256 });
    // Every vendored folder is in the lock (nothing unaccounted for).
    const dirs = ['charts', 'manifests'].flatMap((d) => fs.readdirSync(path.join(REPO, 'vendor', d)).map((n) => `vendor/${d}/${n}`));
    expect(dirs.sort()).toEqual(entries.map((e) => e.path).sort());
  });
});
