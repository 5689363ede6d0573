import { diffTrees } from '../../lib/diff/engine';
import { describeRef, GroupDiff } from '../../lib/diff/model';
import * as manifestYaml from '../../lib/k8s/manifest-yaml';
import { RenderedDocuments } from '../../lib/render/documents';
import { toYamlDocument } from '../../lib/render/rendered-file';
import { renderSite } from '../../lib/synth';
import { shippedSite } from '../helpers';
import { configMap, deployment, edit, file, namespace, service } from './fixtures';

/** A group reduced to what a reviewer reads: object names and field paths. */
function readable(g: GroupDiff) {
  return {
    group: g.group,
    title: g.title,
    added: g.added.map(describeRef),
    removed: g.removed.map(describeRef),
    changed: g.changed.map((c) => ({ object: describeRef(c.object), fields: c.fields.map((f) => f.path) })),
    files: g.files.map((f) => `${f.status} ${f.path}${f.detail ? ` (${f.detail})` : ''}`),
  };
}

describe('diff engine', () => {
  const base = [
    file('dist/apps', { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'platform', namespace: 'argocd' }, spec: {} }),
    file('dist/web', namespace('web')),
    file('dist/web', deployment('site', 'web')),
    file('dist/web', service('site', 'web')),
    file('dist/web', configMap('old', 'web')),
    file('dist/hosts/db1', { apiVersion: 'x', kind: 'NotParsed', metadata: { name: 'config' } }),
    { path: 'docs/ldap.md', content: '# LDAP\n' },
  ];

  test('GIVEN the same tree on both sides WHEN diffed THEN nothing is reported and every file counts as unchanged', () => {
    const diff = diffTrees(base, base);
    expect(diff.groups).toEqual([]);
    expect(diff.risks).toEqual([]);
    expect(diff.summary).toEqual({ added: 0, removed: 0, changed: 0, files: 0, unchangedFiles: 7 });
  });

  test('GIVEN objects added, removed and changed in a layer WHEN diffed THEN they are grouped by layer with the changed field paths', () => {
    const head = [
      ...base.filter((f) => !f.path.includes('configmap-old') && !f.path.includes('deployment-site')),
      file('dist/web', edit(deployment('site', 'web'), (d) => {
        d.spec.template.spec.containers[0].env.push({ name: 'B', value: '2' });
        d.metadata.labels = { team: 'web' };
      })),
      file('dist/web', configMap('new', 'web')),
    ];
    const diff = diffTrees(base, head);
    expect(diff.groups.map(readable)).toEqual([{
      group: 'dist/web',
      title: 'layer web (dist/web)',
      added: ['ConfigMap web/new'],
      removed: ['ConfigMap web/old'],
      changed: [{ object: 'Deployment web/site', fields: ['metadata.labels.team', 'spec.template.spec.containers[name=app].env[name=B]'] }],
      files: [],
    }]);
    expect(diff.summary).toEqual({ added: 1, removed: 1, changed: 1, files: 0, unchangedFiles: 5 });
  });

  test('GIVEN an object that moves to another layer and file WHEN diffed THEN it is one change (identity, not path), listed under its new layer', () => {
    const head = [...base.filter((f) => !f.path.includes('service-site')), file('dist/edge', edit(service('site', 'web'), (s) => { s.spec.ports[0].port = 8080; }))];
    const diff = diffTrees(base, head);
    expect(diff.groups.map(readable)).toEqual([
      { group: 'dist/edge', title: 'layer edge (dist/edge)', added: [], removed: [], changed: [{ object: 'Service web/site', fields: ['spec.ports[name=http].port'] }], files: [] },
    ]);
    expect(diff.groups[0].changed[0].previous.file).toBe('dist/web/service-site.yaml');
    expect(diff.groups[0].changed[0].object.file).toBe('dist/edge/service-site.yaml');
  });

  test('GIVEN the same name in another API group or namespace WHEN diffed THEN they are different objects', () => {
    const head = [...base, file('dist/web2', service('site', 'web2')), file('dist/web', { ...configMap('site', 'web'), apiVersion: 'example.com/v1' })];
    const diff = diffTrees(base, head);
    expect(diff.groups.flatMap((g) => g.added.map((r) => r.id))).toEqual(['example.com/ConfigMap/web/site', '/Service/web2/site']);
  });

  test('GIVEN host files, docs and a kustomization WHEN changed THEN they are plain file entries, never parsed as objects', () => {
    const head = [
      ...base.filter((f) => !f.path.startsWith('dist/hosts') && !f.path.startsWith('docs/')),
      { path: 'dist/hosts/db1/notparsed-config.yaml', content: 'not: [valid' },
      { path: 'docs/ldap.md', content: '# LDAP\nmore\n' },
      { path: 'argocd/kustomization.yaml', content: toYamlDocument({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [] }) },
    ];
    const diff = diffTrees(base, head);
    expect(diff.groups.map(readable)).toEqual([
      { group: 'argocd', title: 'bootstrap (argocd/)', added: [], removed: [], changed: [], files: ['added argocd/kustomization.yaml (head: not a Kubernetes object)'] },
      { group: 'dist/hosts', title: 'host files (dist/hosts)', added: [], removed: [], changed: [], files: ['changed dist/hosts/db1/notparsed-config.yaml'] },
      { group: 'docs', title: 'docs (docs/)', added: [], removed: [], changed: [], files: ['changed docs/ldap.md'] },
    ]);
  });

  test('GIVEN a host script that only becomes executable WHEN diffed THEN the mode change is reported', () => {
    const script = { path: 'dist/hosts/db1/install.sh', content: '#!/bin/sh\n' };
    const diff = diffTrees([script], [{ ...script, executable: true }]);
    expect(diff.groups[0].files).toEqual([{ path: 'dist/hosts/db1/install.sh', group: 'dist/hosts', status: 'changed', detail: 'mode: now executable' }]);
  });

  test('GIVEN the bootstrap argocd/ repeating objects of dist/argocd WHEN one changes in both THEN each folder reports it on its own, without duplicate warnings', () => {
    const ns = namespace('argocd');
    const labelled = edit(ns, (n) => { n.metadata.labels = { 'pod-security.kubernetes.io/enforce': 'baseline' }; });
    const diff = diffTrees([file('argocd', ns), file('dist/argocd', ns)], [file('argocd', labelled), file('dist/argocd', labelled)]);
    expect(diff.warnings).toEqual([]);
    expect(diff.groups.map((g) => [g.group, g.changed.map((c) => c.fields.map((f) => f.path))])).toEqual([
      ['argocd', [['metadata.labels["pod-security.kubernetes.io/enforce"]']]],
      ['dist/argocd', [['metadata.labels["pod-security.kubernetes.io/enforce"]']]],
    ]);
  });

  test('GIVEN groups of every kind WHEN reported THEN the order is bootstrap, app of apps, layers by name, host files, docs', () => {
    const head = [
      file('argocd', namespace('argocd')), file('dist/apps', namespace('x-apps')), file('dist/zeta', namespace('zeta')), file('dist/alpha', namespace('alpha')),
      { path: 'dist/hosts/README.md', content: 'x' }, { path: 'docs/new.md', content: 'x' },
    ];
    expect(diffTrees([], head).groups.map((g) => g.group)).toEqual(['argocd', 'dist/apps', 'dist/alpha', 'dist/zeta', 'dist/hosts', 'docs']);
  });

  test('GIVEN Helm values written as YAML text (HelmChart valuesContent) WHEN one value changes THEN the path goes inside the values', () => {
    const chart = (replicas: number) => ({
      apiVersion: 'helm.cattle.io/v1', kind: 'HelmChart', metadata: { name: 'argo-cd', namespace: 'kube-system' },
      spec: { chart: 'argo-cd', valuesContent: `server:\n  replicas: ${replicas}\n  insecure: true\n` },
    });
    const diff = diffTrees([file('argocd', chart(2))], [file('argocd', chart(3))]);
    expect(diff.groups[0].changed[0].fields).toEqual([{ path: 'spec.valuesContent.server.replicas', op: 'changed', before: 2, after: 3 }]);
  });

  test('GIVEN the head render\'s documents WHEN diffed with them THEN the head\'s manifests are not parsed, the diff is the one of their texts, and the render\'s documents are left as they were (embedded values expanded in a copy)', () => {
    const chart = (replicas: number) => ({
      apiVersion: 'helm.cattle.io/v1', kind: 'HelmChart', metadata: { name: 'argo-cd', namespace: 'kube-system' },
      spec: { chart: 'argo-cd', valuesContent: `server:\n  replicas: ${replicas}\n` },
    });
    const headObjects = [chart(3), edit(deployment('site', 'web'), (d) => { d.spec.replicas = 5; }), configMap('new', 'web')];
    const documents = new RenderedDocuments();
    const head = [...base.filter((f) => !f.path.includes('deployment-site')), ...headObjects.map((o) => {
      const f = file(o.kind === 'HelmChart' ? 'argocd' : 'dist/web', o);
      return { path: f.path, content: documents.serialise(f.path, o) };
    })];
    const before = [...base, file('argocd', chart(2))];
    const parsed = diffTrees(before, head);
    const load = jest.spyOn(manifestYaml, 'loadManifests');
    try {
      const fromDocuments = diffTrees(before, head, { headDocuments: documents.parse });
      expect(fromDocuments).toEqual(parsed);
      // Only the base's changed manifests (the HelmChart and the Deployment) were parsed.
      expect(load.mock.calls.map(([, f]) => f).sort()).toEqual(['argocd/helmchart-argo-cd.yaml', 'dist/web/deployment-site.yaml']);
    } finally {
      load.mockRestore();
    }
    expect(parsed.groups.flatMap((g) => g.changed.flatMap((c) => c.fields.map((f) => f.path)))).toEqual(expect.arrayContaining(['spec.valuesContent.server.replicas', 'spec.replicas']));
    expect(documents.parse(head.find((f) => f.path.includes('helmchart'))!.content, 'argocd/helmchart-argo-cd.yaml')).toEqual([chart(3)]);
  });

  test('GIVEN a file holding several YAML documents WHEN diffed THEN each document is its own object and only the changed one is reported', () => {
    const two = { path: 'dist/web/bundle.yaml', content: `${toYamlDocument(configMap('a', 'web'))}---\n${toYamlDocument(configMap('b', 'web'))}` };
    const changed = { ...two, content: two.content.replace('a: "1"', 'a: "2"') };
    const diff = diffTrees([two], [changed]);
    expect(diff.groups.map(readable)).toEqual([{ group: 'dist/web', title: 'layer web (dist/web)', added: [], removed: [], changed: [{ object: 'ConfigMap web/a', fields: ['data.a'] }], files: [] }]);
  });

  test('GIVEN a file whose YAML breaks WHEN diffed THEN it is reported as a file with the error, and its old objects as removed', () => {
    const broken = { path: 'dist/web/service-site.yaml', content: 'kind: [' };
    const diff = diffTrees(base, [...base.filter((f) => f.path !== broken.path), broken]);
    const web = diff.groups.find((g) => g.group === 'dist/web')!;
    expect(web.removed.map(describeRef)).toEqual(['Service web/site']);
    expect(web.files.map((f) => f.detail)).toEqual([expect.stringMatching(/^head: YAML error: /)]);
  });

  test('GIVEN one object in two changed files of dist/ WHEN diffed THEN a warning names both files and each copy is still compared', () => {
    // Files identical on both sides are not parsed, so only duplicates among changed files are seen here; verify sees them all.
    const changed = edit(service('site', 'web'), (s) => { s.metadata.labels = { a: 'b' }; });
    const head = [...base.filter((f) => !f.path.includes('service-site')), file('dist/web', changed), file('dist/other', service('site', 'web'))];
    const diff = diffTrees(base, head);
    expect(diff.warnings).toEqual(['head: v1 Service web/site is in dist/other/service-site.yaml and dist/web/service-site.yaml (verify refuses duplicates); each copy is compared on its own']);
    expect(diff.groups.map(readable)).toEqual([
      { group: 'dist/other', title: 'layer other (dist/other)', added: ['Service web/site'], removed: [], changed: [], files: [] },
      { group: 'dist/web', title: 'layer web (dist/web)', added: [], removed: [], changed: [{ object: 'Service web/site', fields: ['metadata.labels.a'] }], files: [] },
    ]);
  });

  test('GIVEN the shipped site rendered twice WHEN diffed THEN there is nothing to report (the render is the head of npm run diff)', () => {
    const files = renderSite(shippedSite());
    const diff = diffTrees(files, renderSite(shippedSite()));
    expect(diff.groups).toEqual([]);
    expect(diff.summary.unchangedFiles).toBe(files.length);
  });
});
