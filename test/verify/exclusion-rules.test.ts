// verify/excluded-resources (lib/verify/exclusion-rules.ts): what Argo CD's resource filter
// (argocd-cm's resource.exclusions and resource.inclusions, and its own exclusions) leaves out of
// what an Application applies, matched as Argo CD v3.2.0 matches (util/settings, util/glob).
import { readFactsFile } from '../../lib/facts/facts';
import type { JsonMap } from '../../lib/k8s/manifest';
import { loadTree } from '../../lib/k8s/tree';
import { exclusionOf, FilteredResource, globMatches, readFilterSetting } from '../../lib/verify/exclusion-rules';
import { fixtureTree } from '../../lib/verify/rule-fixtures';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { treeOf } from '../../lib/verify/tree-of';
import { VERIFY_RULES } from '../../lib/verify/verify-rules';
import { REPO } from '../helpers';

const registry = new SchemaRegistry();
const RULE = VERIFY_RULES.find((r) => r.id === 'verify/excluded-resources')!;
const REPO_URL = 'https://git.example.com/platform.git';

const entry = (apiGroups: string[], kinds: string[] = [], clusters: string[] = []): FilteredResource => ({ apiGroups, kinds, clusters });
const none = { exclusions: [], inclusions: [] };

/** An Application of this repository syncing `path` to `destination`. */
function application(name: string, path: string, destination: JsonMap = { server: 'https://kubernetes.default.svc' }, directory?: JsonMap): JsonMap {
  return {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name, namespace: 'argocd' },
    spec: { project: 'platform', destination: { namespace: name, ...destination }, source: { repoURL: REPO_URL, path, targetRevision: 'main', ...(directory ? { directory } : {}) } },
  };
}

/** argocd-cm with `data`. */
const argocdCm = (data: Record<string, unknown>): JsonMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-cm', namespace: 'argocd' }, data });

const endpoints: JsonMap = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'etcd', namespace: 'web' }, subsets: [] };
const lease: JsonMap = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'lock', namespace: 'web' }, spec: {} };
const configMap: JsonMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'web' }, data: {} };
const ENDPOINTS_EXCLUDED = "- apiGroups: ['', discovery.k8s.io]\n  kinds: [Endpoints, EndpointSlice]\n";

/** The rule's findings over a tree of `files` (path -> objects). */
function findings(files: Record<string, JsonMap[]>): { file: string; object?: string; message: string }[] {
  return RULE.check(fixtureTree({ files }, registry)).map((f) => ({ file: f.file!, ...(f.object !== undefined ? { object: f.object } : {}), message: f.message }));
}

describe('Argo CD globs (gobwas/glob, no separators)', () => {
  test.each([
    ['*', '', true], ['*', 'discovery.k8s.io', true], ['**', 'a.b.c', true], ['*.k8s.io', 'discovery.k8s.io', true], ['*.k8s.io', 'k8s.io', false],
    ['', '', true], ['', 'apps', false], ['apps', 'apps', true], ['apps', 'apps.example.com', false],
    ['?pps', 'apps', true], ['?pps', 'pps', false], ['[ab]pps', 'apps', true], ['[!a]pps', 'apps', false], ['[a-c]pps', 'bpps', true], ['[c-a]pps', 'bpps', false],
    ['{apps,batch}', 'batch', true], ['{apps,batch}', 'policy', false], ['cilium.{io,com}', 'cilium.io', true], ['\\*', '*', true], ['\\*', 'x', false],
    ['.', 'x', false], ['a+', 'aa', false], ['[]', '', false], ['[abc', 'a', false],
  ])('GIVEN the pattern %j WHEN matched against %j THEN it matches: %s', (pattern, text, expected) => {
    expect(globMatches(pattern, text)).toBe(expected);
  });
});

describe('which objects Argo CD leaves out (util/settings ResourcesFilter.IsExcludedResource)', () => {
  test('GIVEN no settings WHEN objects are filtered THEN only Argo CD\'s own exclusions apply: events.k8s.io and metrics.k8s.io, core Event, Lease', () => {
    expect(exclusionOf(none, 'events.k8s.io', 'Event', undefined)).toMatchObject({ by: 'core' });
    expect(exclusionOf(none, 'metrics.k8s.io', 'PodMetrics', undefined)).toMatchObject({ by: 'core' });
    expect(exclusionOf(none, '', 'Event', undefined)).toMatchObject({ by: 'core' });
    expect(exclusionOf(none, 'coordination.k8s.io', 'Lease', undefined)).toMatchObject({ by: 'core' });
    expect(exclusionOf(none, '', 'Endpoints', undefined)).toBeUndefined();
  });

  test('GIVEN an exclusion WHEN objects are filtered THEN groups are globs, kinds exact or "*", and an empty list matches everything', () => {
    const s = (f: FilteredResource) => ({ exclusions: [f], inclusions: [] });
    expect(exclusionOf(s(entry(['*.k8s.io'], ['EndpointSlice'])), 'discovery.k8s.io', 'EndpointSlice', undefined)).toMatchObject({ by: 'exclusions' });
    expect(exclusionOf(s(entry([''], ['Endpoint*'])), '', 'Endpoints', undefined)).toBeUndefined();
    expect(exclusionOf(s(entry([''], ['*'])), '', 'Service', undefined)).toMatchObject({ by: 'exclusions' });
    expect(exclusionOf(s(entry([], ['Secret'])), 'anything.example.com', 'Secret', undefined)).toMatchObject({ by: 'exclusions' });
  });

  test('GIVEN an exclusion for clusters WHEN objects go to a cluster THEN it excludes them only where a cluster glob matches (a destination without a server matches none)', () => {
    const s = { exclusions: [entry(['*'], ['*'], ['https://192.168.0.*'])], inclusions: [] };
    expect(exclusionOf(s, 'apps', 'Deployment', 'https://192.168.0.20')).toMatchObject({ by: 'exclusions' });
    expect(exclusionOf(s, 'apps', 'Deployment', 'https://kubernetes.default.svc')).toBeUndefined();
    expect(exclusionOf(s, 'apps', 'Deployment', undefined)).toBeUndefined();
  });

  test('GIVEN inclusions WHEN objects are filtered THEN an included kind is applied, another left out where the inclusions name the cluster, and applied elsewhere', () => {
    const s = { exclusions: [], inclusions: [entry(['apps'], ['Deployment'], ['https://kubernetes.default.svc'])] };
    expect(exclusionOf(s, 'apps', 'Deployment', 'https://kubernetes.default.svc')).toBeUndefined();
    expect(exclusionOf(s, '', 'ConfigMap', 'https://kubernetes.default.svc')).toEqual({ by: 'inclusions' });
    expect(exclusionOf(s, '', 'ConfigMap', 'https://other.example.com')).toBeUndefined();
    // An exclusion wins over an inclusion.
    expect(exclusionOf({ exclusions: [entry(['apps'])], inclusions: s.inclusions }, 'apps', 'Deployment', 'https://kubernetes.default.svc')).toMatchObject({ by: 'exclusions' });
  });

  test('GIVEN settings Argo CD cannot unmarshal WHEN read THEN each says why; an empty one is no entry', () => {
    expect(readFilterSetting('')).toEqual({ filters: [] });
    expect(readFilterSetting(ENDPOINTS_EXCLUDED)).toEqual({ filters: [entry(['', 'discovery.k8s.io'], ['Endpoints', 'EndpointSlice'])] });
    expect(readFilterSetting('apiGroups: [apps]')).toEqual({ problem: 'is not a list' });
    expect(readFilterSetting('- apiGroups: apps')).toEqual({ problem: 'has entry 1 whose apiGroups is not a list of strings' });
    expect(readFilterSetting('- x\n')).toEqual({ problem: 'has entry 1 that is not a map of apiGroups, kinds and clusters' });
    expect(readFilterSetting('- [')).toMatchObject({ problem: expect.stringMatching(/^is not YAML/) });
  });
});

describe('verify/excluded-resources', () => {
  test('GIVEN the committed render WHEN checked THEN it reads dist/argocd\'s argocd-cm, which excludes Endpoints and EndpointSlice, and no Application syncs an excluded object', () => {
    const tree = treeOf(loadTree(REPO), { root: REPO, registry, facts: readFactsFile(REPO).facts });
    const cm = tree.objects.find((o) => o.file === 'dist/argocd/configmap-argocd-cm.yaml')!;
    const setting = readFilterSetting(String((cm.obj.data as JsonMap)['resource.exclusions']));
    expect(setting).toMatchObject({ filters: expect.arrayContaining([entry(['', 'discovery.k8s.io'], ['Endpoints', 'EndpointSlice'])]) });
    expect(RULE.check(tree)).toEqual([]);
  });

  test('GIVEN the committed render with the kube-prometheus-stack chart\'s etcd Endpoints back in dist/monitoring WHEN checked THEN it is found: the file, the kind, the exclusion, the Application and what to do', () => {
    const loaded = loadTree(REPO);
    const file = 'dist/monitoring/endpoints-kube-prometheus-stack-kube-etcd.yaml';
    loaded.files.push(file);
    (loaded.objects as { file: string; obj: JsonMap }[]).push({ file, obj: { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kube-prometheus-stack-kube-etcd', namespace: 'kube-system' }, subsets: [{ addresses: [{ ip: '10.251.51.1' }], ports: [{ name: 'http-metrics', port: 2381 }] }] } });
    const found = RULE.check(treeOf(loaded, { root: REPO, registry, facts: readFactsFile(REPO).facts }));
    expect(found.map((f) => [f.rule, f.file, f.object])).toEqual([['verify/excluded-resources', file, 'v1 Endpoints kube-system/kube-prometheus-stack-kube-etcd']]);
    expect(found[0].message).toContain('Endpoints (API group "" (core)): Argo CD would never apply it: argocd-cm (dist/argocd/configmap-argocd-cm.yaml) resource.exclusions excludes it (apiGroups ["","discovery.k8s.io"], kinds ["Endpoints","EndpointSlice"])');
    expect(found[0].message).toContain('Application "monitoring" (dist/apps/application-monitoring.yaml) syncs it');
    expect(found[0].message).toContain('a prometheus-operator ScrapeConfig with static targets instead');
    expect(found[0].message).toContain('or change resource.exclusions (configs.cm of the argocd layer, lib/gitops/argocd-values.ts)');
  });

  test('GIVEN no argocd-cm WHEN an Application syncs a Lease THEN Argo CD\'s own exclusion is found and no setting is offered to change', () => {
    const found = findings({ 'dist/apps/application-web.yaml': [application('web', 'dist/web')], 'dist/web/lease-lock.yaml': [lease], 'dist/web/configmap-web.yaml': [configMap] });
    expect(found.map((f) => f.file)).toEqual(['dist/web/lease-lock.yaml']);
    expect(found[0].message).toContain('Argo CD always excludes it (its own exclusion apiGroups ["coordination.k8s.io"], kinds ["Lease"], whatever argocd-cm says)');
    expect(found[0].message).not.toContain('change resource.');
  });

  test('GIVEN an excluded kind outside every Application\'s folder (the bootstrap, a subfolder of a plain directory source) WHEN checked THEN nothing is found', () => {
    const found = findings({
      'dist/apps/application-web.yaml': [application('web', 'dist/web')], 'dist/argocd/configmap-argocd-cm.yaml': [argocdCm({ 'resource.exclusions': ENDPOINTS_EXCLUDED })],
      'argocd/endpoints-etcd.yaml': [endpoints], 'dist/web/sub/endpoints-etcd.yaml': [endpoints],
    });
    expect(found).toEqual([]);
  });

  test('GIVEN a recursive directory source WHEN an excluded object is in a subfolder THEN it is found, and once when a second Application syncs that subfolder', () => {
    const files = {
      'dist/apps/application-web.yaml': [application('web', 'dist/web/', undefined, { recurse: true })],
      'dist/argocd/configmap-argocd-cm.yaml': [argocdCm({ 'resource.exclusions': ENDPOINTS_EXCLUDED })], 'dist/web/sub/endpoints-etcd.yaml': [endpoints],
    };
    const named = (found: { file: string; message: string }[]) => found.map((f) => [f.file, f.message.match(/Application "[^"]+"/)?.[0]]);
    expect(named(findings(files))).toEqual([['dist/web/sub/endpoints-etcd.yaml', 'Application "web"']]);
    // application-web-sub.yaml comes first in tree order.
    expect(named(findings({ ...files, 'dist/apps/application-web-sub.yaml': [application('web-sub', 'dist/web/sub')] }))).toEqual([['dist/web/sub/endpoints-etcd.yaml', 'Application "web-sub"']]);
  });

  test('GIVEN inclusions for the in-cluster server WHEN an Application sends there by name a kind they do not list THEN it is found, and an unreadable exclusions setting is found on argocd-cm', () => {
    const found = findings({
      'dist/apps/application-web.yaml': [application('web', 'dist/web', { name: 'in-cluster' })],
      'dist/argocd/configmap-argocd-cm.yaml': [argocdCm({ 'resource.inclusions': "- apiGroups: ['']\n  kinds: [Service]\n  clusters: ['https://kubernetes.default.svc']\n", 'resource.exclusions': 'Endpoints' })],
      'dist/web/configmap-web.yaml': [configMap],
    });
    expect(found).toEqual([
      { file: 'dist/argocd/configmap-argocd-cm.yaml', object: 'v1 ConfigMap argocd/argocd-cm', message: expect.stringContaining('data["resource.exclusions"] is not a list: Argo CD cannot read it') },
      { file: 'dist/web/configmap-web.yaml', object: 'v1 ConfigMap web/web', message: expect.stringContaining('argocd-cm (dist/argocd/configmap-argocd-cm.yaml) resource.inclusions includes nothing that matches it') },
    ]);
  });

  test('GIVEN inclusions that name one cluster WHEN two Applications send the same kinds, one there and one elsewhere THEN only the objects sent to that cluster are found (each group, kind and cluster decided on its own)', () => {
    const remote = { server: 'https://remote.example.com' };
    const files = {
      'dist/apps/application-a-web.yaml': [application('a-web', 'dist/web')],
      'dist/apps/application-b-edge.yaml': [application('b-edge', 'dist/edge', remote)],
      'dist/argocd/configmap-argocd-cm.yaml': [argocdCm({ 'resource.inclusions': "- apiGroups: ['']\n  kinds: [Service]\n  clusters: ['https://remote.example.com']\n" })],
      'dist/edge/configmap-web.yaml': [configMap],
      'dist/web/configmap-web.yaml': [configMap],
    };
    expect(findings(files).map((f) => f.file)).toEqual(['dist/edge/configmap-web.yaml']);
    // The other way round (the remote Application first in tree order): the same.
    const swapped = { ...files, 'dist/apps/application-a-web.yaml': [application('a-web', 'dist/web', remote)], 'dist/apps/application-b-edge.yaml': [application('b-edge', 'dist/edge')] };
    expect(findings(swapped).map((f) => f.file)).toEqual(['dist/web/configmap-web.yaml']);
  });

  test('GIVEN argocd-cm only in the bootstrap (argocd/) WHEN checked THEN its exclusions apply; with one in dist/ too, dist/\'s does', () => {
    const base = { 'dist/apps/application-web.yaml': [application('web', 'dist/web')], 'dist/web/endpoints-etcd.yaml': [endpoints] };
    expect(findings({ ...base, 'argocd/configmap-argocd-cm.yaml': [argocdCm({ 'resource.exclusions': ENDPOINTS_EXCLUDED })] }).map((f) => f.file)).toEqual(['dist/web/endpoints-etcd.yaml']);
    expect(findings({ ...base, 'argocd/configmap-argocd-cm.yaml': [argocdCm({ 'resource.exclusions': ENDPOINTS_EXCLUDED })], 'dist/argocd/configmap-argocd-cm.yaml': [argocdCm({})] })).toEqual([]);
  });
});
