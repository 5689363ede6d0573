// The split verify rules (lib/verify/split-rule.ts; docs/design/per-app-summaries.md step 3,
// groups (a) and (c)) give the findings of the rules they replaced, in the same order: over the
// documents (what VERIFY_RULES runs), and with any objects handed in as what an earlier synth
// recorded of them (ref, digest, projections) while their documents throw on any read.
import * as fc from 'fast-check';
import { readFactsFile, ObjectFacts } from '../../lib/facts/facts';
import type { JsonMap } from '../../lib/k8s/manifest';
import { loadTree, LoadedObject } from '../../lib/k8s/tree';
import { documentDigest } from '../../lib/render/documents';
import { haObjectsOf } from '../../lib/ha/analysis';
import type { HaModel } from '../../lib/ha/model';
import { HA_CHECKS } from '../../lib/verify/ha-rules';
import { ROUTE_BACKENDS } from '../../lib/verify/reference-rules';
import { fixtureTree, VERIFY_FIXTURES, VerifyFixture } from '../../lib/verify/rule-fixtures';
import type { Tree } from '../../lib/verify/rules';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { APP_PROJECTION, describeRef, idOf, Recorded, refOf, runSplit, SplitRule } from '../../lib/verify/split-rule';
import { treeOf } from '../../lib/verify/tree-of';
import { SPLIT_RULES, VERIFY_RULES } from '../../lib/verify/verify-rules';
import { REPO } from '../helpers';
import { oracle, OracleFinding } from './split-rules-oracle';

const registry = new SchemaRegistry();

const SPLIT = SPLIT_RULES;

/** A document that throws on any read: what a summarised app's objects are to the joins. */
function sealed(file: string): JsonMap {
  const fail = (): never => {
    throw new Error(`a join read the document of ${file}, which was handed in as its projections only`);
  };
  return new Proxy({}, { get: fail, has: fail, ownKeys: fail, getOwnPropertyDescriptor: fail, getPrototypeOf: fail, set: fail, defineProperty: fail, deleteProperty: fail });
}

/** What a synth records of an object: its ref, its document's digest and every split rule's projection, read back from JSON. */
function record(tree: Tree, o: LoadedObject): Recorded {
  const ref = refOf(o);
  const id = idOf(ref);
  const subject = { obj: o.obj, ref, group: id.slice(0, id.indexOf('/')), facts: tree.facts.get(id) };
  const p: Record<string, unknown> = {};
  for (const rule of [...SPLIT, APP_PROJECTION]) {
    const v = rule.project?.(subject, registry);
    if (v !== undefined) p[rule.key] = v;
  }
  return JSON.parse(JSON.stringify({ ref, digest: documentDigest(o.obj), p })) as Recorded;
}

/** `tree` with the objects `chosen` picks sealed, and what was recorded of each: the Applications' maps point at the sealed ones too. */
function summarised(tree: Tree, chosen: (o: LoadedObject, i: number) => boolean): { tree: Tree; recorded: (o: LoadedObject) => Recorded | undefined; count: number; materialise: (o: LoadedObject) => LoadedObject; materialised: LoadedObject[] } {
  const records = new Map<LoadedObject, Recorded>();
  const swapped = new Map<LoadedObject, LoadedObject>();
  const originals = new Map<LoadedObject, LoadedObject>();
  const materialised: LoadedObject[] = [];
  const objects = tree.objects.map((o, i) => {
    if (!chosen(o, i)) return o;
    const s = { file: o.file, obj: sealed(o.file) };
    records.set(s, record(tree, o));
    swapped.set(o, s);
    originals.set(s, o);
    return s;
  });
  const swap = (o: LoadedObject): LoadedObject => swapped.get(o) ?? o;
  return {
    tree: {
      ...tree, objects,
      layerApps: new Map([...tree.layerApps].map(([k, o]) => [k, swap(o)])),
      workloadApps: new Map([...(tree.workloadApps ?? [])].map(([k, v]) => [k, { app: swap(v.app), layer: v.layer }])),
    },
    recorded: (o) => records.get(o),
    count: records.size,
    // What a synth does for a documents net: parse the document it recorded (here: the original).
    materialise: (o) => {
      materialised.push(o);
      return originals.get(o)!;
    },
    materialised,
  };
}

/** The findings of a split rule as VERIFY_RULES reports them. */
function splitFindings(tree: Tree, rule: SplitRule<unknown>, recorded?: (o: LoadedObject) => Recorded | undefined, materialise?: (o: LoadedObject) => LoadedObject): OracleFinding[] {
  return runSplit(tree, rule, recorded, materialise).map(({ at, message }) => (typeof at === 'string' ? { rule: rule.id, file: at, message } : { rule: rule.id, file: at.file, object: describeRef(at), message }));
}

/** The production path: the rule of VERIFY_RULES (or HA_CHECKS, over the tree's HA objects) with the split rule's id. */
function verifyFindings(tree: Tree, id: string): OracleFinding[] {
  const found = id.startsWith('ha/') ? HA_CHECKS.find((r) => r.id === id)!.check({ model: {} as HaModel, objects: haObjectsOf(tree.objects), facts: tree.facts }) : VERIFY_RULES.find((r) => r.id === id)!.check(tree);
  return found.map((f) => ({ rule: f.rule, file: f.file!, ...(f.object !== undefined ? { object: f.object } : {}), message: f.message }));
}

// ---- Generated app folders -------------------------------------------------------------------

const PLATFORM_REPO = 'https://git.example.com/platform.git';

const genApp = fc.record({
  ns: fc.constantFrom('sit', 'uat', 'prod', 'web', 'zz', 'argocd'),
  kind: fc.constantFrom('Deployment', 'StatefulSet', 'Rollout'),
  selector: fc.constantFrom('own', 'other', 'pod-name', 'pod-name-bad', 'none', 'external'),
  port: fc.constantFrom(80, 8080),
  routePort: fc.option(fc.constantFrom(80, 8080, 9090), { nil: undefined }),
  target: fc.constantFrom('own', 'missing', 'other-ns', 'runtime', 'not-a-service'),
  sso: fc.option(fc.record({ client: fc.constantFrom('api-gateway', 'nope', ''), host: fc.constantFrom('own', 'other'), redirect: fc.boolean() }), { nil: undefined }),
  wave: fc.option(fc.constantFrom('-5', '0', '3', '10', 'x'), { nil: undefined }),
  dry: fc.boolean(),
  namespaceObject: fc.boolean(),
  clusterRoleWithNamespace: fc.boolean(),
  noNamespace: fc.boolean(),
  duplicate: fc.constantFrom('none', 'service', 'route'),
  widget: fc.option(fc.record({ wave: fc.option(fc.constantFrom('-1', '2', '20'), { nil: undefined }), dry: fc.boolean() }), { nil: undefined }),
  selectsRuntime: fc.boolean(),
  twoServices: fc.boolean(),
  volume: fc.constantFrom('none', 'pvc', 'pvc', 'opt-out', 'empty-opt-out', 'other-class', 'longhorn-source', 'declared'),
  deny: fc.constantFrom('deny', 'deny', 'none', 'some-pods', 'egress-only', 'allows', 'no-types'),
  application: fc.constantFrom('plain', 'plain', 'plain', 'none', 'helm', 'other-repo', 'second', 'missing-path', 'sources'),
  monitor: fc.constantFrom('none', 'none', 'pod', 'service', 'allowed', 'any-namespace'),
  gateway: fc.constantFrom('platform', 'platform', 'none', 'allowed', 'allowed-elsewhere', 'other-gateway'),
  // What its pods name (verify/pod-references): its own ServiceAccount (rendered or not), one made at run time, another namespace's, a PriorityClass, ConfigMaps.
  // Its Service's targetPort: none, the container's named port, a name no container has, that name over UDP, a sidecar's.
  targetPort: fc.constantFrom('none', 'none', 'metrics', 'missing', 'udp', 'sidecar'),
  // A RoleBinding of it: to its own Role (rendered or not), a built-in ClusterRole, a rendered or missing ClusterRole, a Role of kube-system's.
  binding: fc.constantFrom('none', 'none', 'own-role', 'missing-role', 'view', 'cluster-role', 'missing-cluster-role', 'kube-system'),
  podRefs: fc.constantFrom('none', 'none', 'sa-own', 'sa-missing', 'sa-runtime', 'sa-other-ns', 'priority', 'config', 'config-optional', 'probe-declared', 'probe-undeclared'),
});
type GenApp = typeof genApp extends fc.Arbitrary<infer T> ? T : never;

/** The files of generated app `i` (an app folder and its Application in dist/paas), and its facts. */
function appFiles(a: GenApp, i: number, all: readonly GenApp[]): { files: Record<string, JsonMap[]>; facts: [JsonMap, ObjectFacts][] } {
  const name = `gen-${i}`;
  const dir = `dist/workloads/${name}`;
  const labels = { app: name, tier: 'web' };
  const annotations = {
    ...(a.wave !== undefined ? { 'argocd.argoproj.io/sync-wave': a.wave } : {}),
    ...(a.dry ? { 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' } : {}),
  };
  const meta = (n: string) => ({ name: n, ...(a.noNamespace && n === name ? {} : { namespace: a.ns }), ...(Object.keys(annotations).length ? { annotations } : {}) });
  const workload: JsonMap = {
    apiVersion: a.kind === 'Rollout' ? 'argoproj.io/v1alpha1' : 'apps/v1', kind: a.kind, metadata: meta(name),
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'x', ports: [{ name: 'metrics', containerPort: 9100 }] }] } } },
  };
  const selector = { own: labels, other: { app: 'nobody' }, 'pod-name': { 'statefulset.kubernetes.io/pod-name': `${name}-0`, app: name }, 'pod-name-bad': { 'statefulset.kubernetes.io/pod-name': `${name}-x` }, none: undefined, external: labels }[a.selector];
  const service: JsonMap = {
    apiVersion: 'v1', kind: 'Service', metadata: meta(`${name}-svc`),
    spec: { ...(selector ? { selector } : {}), ...(a.selector === 'external' ? { type: 'ExternalName' } : {}), ports: [{ port: a.port }] },
  };
  const targetName = { own: `${name}-svc`, missing: `${name}-gone`, 'other-ns': `gen-${(i + 1) % all.length}-svc`, runtime: `${name}-runtime`, 'not-a-service': name }[a.target];
  const backend: JsonMap = { name: targetName, ...(a.routePort !== undefined ? { port: a.routePort } : {}), ...(a.target === 'other-ns' ? { namespace: all[(i + 1) % all.length].ns } : {}), ...(a.target === 'not-a-service' ? { kind: 'Backend', group: 'gateway.envoyproxy.io' } : {}) };
  const route: JsonMap = {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: meta(`${name}-route`),
    spec: {
      hostnames: [`${name}.example.com`],
      // On the shared gateway (a generated layer's Envoy Gateway serves it), none, or another.
      ...({ none: {}, 'other-gateway': { parentRefs: [{ name: 'internal' }] } } as Record<string, JsonMap>)[a.gateway] ?? { parentRefs: [{ name: 'platform', namespace: 'envoy-gateway-system', sectionName: 'http' }, { kind: 'Service', name: 'mesh' }] },
      rules: [{ backendRefs: [backend] }, { backendRefs: ['not a map', { name: targetName, kind: 'Service', port: a.port }] }],
    },
  };
  const objects: [string, JsonMap][] = [[`${a.kind.toLowerCase()}.yaml`, workload], ['service.yaml', service], ['httproute.yaml', route]];
  const podSpec = ((workload.spec as JsonMap).template as JsonMap).spec as JsonMap;
  if (a.binding !== 'none') {
    const roleRef = {
      'own-role': { kind: 'Role', name }, 'missing-role': { kind: 'Role', name: `${name}-gone` }, view: { kind: 'ClusterRole', name: 'view' },
      'cluster-role': { kind: 'ClusterRole', name: `${name}-reader` }, 'missing-cluster-role': { kind: 'ClusterRole', name: `${name}-gone` }, 'kube-system': { kind: 'Role', name: 'extension-apiserver-authentication-reader' },
    }[a.binding]!;
    objects.push(['rolebinding.yaml', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta(`${name}-binding`), roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef }, subjects: [{ kind: 'ServiceAccount', name, namespace: a.ns }] }]);
    if (a.binding === 'own-role') objects.push(['role.yaml', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(name), rules: [] }]);
    if (a.binding === 'cluster-role') objects.push(['clusterrole-reader.yaml', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `${name}-reader` }, rules: [] }]);
  }
  if (a.targetPort !== 'none') {
    const p = (service.spec as JsonMap).ports as JsonMap[];
    p[0] = { ...p[0], targetPort: { metrics: 'metrics', missing: 'web', udp: 'metrics', sidecar: 'proxy' }[a.targetPort], ...(a.targetPort === 'udp' ? { protocol: 'UDP' } : {}) };
    if (a.targetPort === 'sidecar') podSpec.initContainers = [{ name: 'setup', image: 'x', ports: [{ name: 'setup' }] }, { name: 'proxy', image: 'x', restartPolicy: 'Always', ports: [{ name: 'proxy', containerPort: 15001 }] }];
  }
  if (a.podRefs.startsWith('sa-')) podSpec.serviceAccountName = a.podRefs === 'sa-other-ns' ? `gen-${(i + 1) % all.length}` : name;
  if (a.podRefs === 'sa-own' || a.podRefs === 'sa-other-ns') objects.push(['serviceaccount.yaml', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: a.ns } }]);
  if (a.podRefs === 'priority') podSpec.priorityClassName = i % 2 ? 'platform-critical' : 'system-node-critical';
  if (a.podRefs.startsWith('probe-')) {
    const c = (podSpec.containers as JsonMap[])[0];
    c.livenessProbe = { httpGet: { path: '/', port: a.podRefs === 'probe-declared' ? 'metrics' : 'http' } };
    c.readinessProbe = { tcpSocket: { port: i % 2 ? '9100' : 'metrics' } };
  }
  if (a.podRefs.startsWith('config')) {
    podSpec.volumes = [{ name: 'config', configMap: { name: `gen-${(i + 1) % all.length}-config`, ...(a.podRefs === 'config-optional' ? { optional: true } : {}) } }, { name: 'data', persistentVolumeClaim: { claimName: `${name}-data` } }];
    objects.push(['configmap.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-config`, namespace: a.ns } }]);
  }
  if (a.twoServices) objects.push(['service-2.yaml', { ...service, spec: { ...(service.spec as JsonMap), ports: [{ port: 9090 }, { name: 'no-port' }] } }]);
  if (a.sso) {
    const host = a.sso.host === 'own' ? `${name}.example.com` : 'elsewhere.example.com';
    objects.push(['securitypolicy.yaml', {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'SecurityPolicy', metadata: meta(`${name}-sso`),
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: `${name}-route` }],
        oidc: { provider: { issuer: 'https://sso.example.com/realms/platform' }, ...(a.sso.client ? { clientID: a.sso.client } : {}), ...(a.sso.redirect ? { redirectURL: `https://${host}/oauth2/callback` } : {}) },
      },
    }]);
  }
  objects.push(['externalsecret.yaml', { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: meta(`${name}-secret`), spec: { target: { name: `${name}-secret` } } }]);
  // A volume: a claim (opted out, with or without a reason; another StorageClass; Longhorn labels), or one its workload's facts declare.
  const claim: JsonMap | undefined = ['none', 'declared'].includes(a.volume) ? undefined : {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { ...meta(`${name}-data`), labels: a.volume === 'longhorn-source' ? { 'recurring-job.longhorn.io/source': 'enabled', 'recurring-job-group.longhorn.io/nightly': 'enabled' } : { app: name } },
    spec: { accessModes: ['ReadWriteOnce'], ...(a.volume === 'other-class' ? { storageClassName: 'local-path' } : {}), resources: { requests: { storage: '1Gi' } } },
  };
  if (claim) objects.push(['persistentvolumeclaim.yaml', claim]);
  // A NetworkPolicy in its namespace: one that denies all ingress to every pod, or one that does not.
  if (a.deny !== 'none') {
    const spec: JsonMap = {
      deny: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }, 'some-pods': { podSelector: { matchLabels: labels }, policyTypes: ['Ingress'] },
      'egress-only': { podSelector: {}, policyTypes: ['Egress'] }, allows: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] }, 'no-types': {},
    }[a.deny] as JsonMap;
    objects.push(['networkpolicy.yaml', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta(`${name}-deny`), spec }]);
  }
  // An allow for the Envoy proxies (the PaaS app's <app>-from-gateway) on every port, or for proxies of another namespace.
  if (a.gateway === 'allowed' || a.gateway === 'allowed-elsewhere') {
    objects.push(['networkpolicy-from-gateway.yaml', {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta(`${name}-from-gateway`),
      spec: { podSelector: { matchLabels: labels }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': a.gateway === 'allowed' ? 'envoy-gateway-system' : 'eg' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'envoy', 'app.kubernetes.io/component': 'proxy' } } }] }] },
    }]);
  }
  // What Prometheus scrapes of it (a rule fixture's Prometheus selects every monitor): its pods' metrics port, its Service's ports, and an allow for Prometheus.
  if (a.monitor !== 'none') {
    const kind = a.monitor === 'service' ? 'ServiceMonitor' : 'PodMonitor';
    const spec: JsonMap = kind === 'ServiceMonitor' ? { selector: {}, endpoints: [{}] } : { selector: { matchLabels: labels }, podMetricsEndpoints: [{ port: 'metrics' }], ...(a.monitor === 'any-namespace' ? { namespaceSelector: { any: true } } : {}) };
    objects.push([`${kind.toLowerCase()}.yaml`, { apiVersion: 'monitoring.coreos.com/v1', kind, metadata: meta(`${name}-metrics`), spec }]);
    if (a.monitor === 'allowed') {
      objects.push(['networkpolicy-from-prometheus.yaml', {
        apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta(`${name}-from-prometheus`),
        spec: { podSelector: { matchLabels: labels }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }], ports: [{ port: 'metrics' }] }] },
      }]);
    }
  }
  if (a.namespaceObject) objects.push(['namespace.yaml', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: a.ns } }]);
  if (a.clusterRoleWithNamespace) objects.push(['clusterrole.yaml', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, namespace: a.ns }, rules: [] }]);
  // A copy of the previous app's Service or route: the same identity in two app folders.
  if (a.duplicate === 'service' && i > 0) objects.push(['copied-service.yaml', { apiVersion: 'v1', kind: 'Service', metadata: { name: `gen-${i - 1}-svc`, namespace: all[i - 1].ns }, spec: { selector: labels, ports: [{ port: 1 }] } }]);
  if (a.duplicate === 'route' && i > 0) objects.push(['copied-route.yaml', { ...route, metadata: { name: `gen-${i - 1}-route`, namespace: all[i - 1].ns }, spec: { hostnames: [`${name}.example.com`], rules: [] } }]);
  if (a.widget) {
    const w = { ...(a.widget.wave !== undefined ? { 'argocd.argoproj.io/sync-wave': a.widget.wave } : {}), ...(a.widget.dry ? { 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' } : {}) };
    objects.push(['widget.yaml', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name, namespace: a.ns, annotations: w }, spec: {} }]);
  }
  const files: Record<string, JsonMap[]> = Object.fromEntries(objects.map(([f, o]) => [`${dir}/${f}`, [o]]));
  // Its Application: none (an app folder nothing syncs), a Helm source, another repository, a second one for the folder, a path that is not there, or `sources`.
  const source = {
    plain: { repoURL: PLATFORM_REPO, path: dir, targetRevision: 'main' }, none: undefined, helm: { repoURL: PLATFORM_REPO, path: dir, targetRevision: 'main', helm: { valueFiles: [] } },
    'other-repo': { repoURL: 'https://example.com/other.git', path: dir }, second: { repoURL: PLATFORM_REPO, path: `${dir}/` }, 'missing-path': { repoURL: PLATFORM_REPO, path: `${dir}-gone` },
    sources: undefined,
  }[a.application];
  const application = (n: string, spec: JsonMap): JsonMap => ({
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: n, namespace: 'argocd', annotations: { 'argocd.argoproj.io/sync-wave': String(i) } },
    spec: { project: 'apps', destination: { namespace: a.ns, server: 'https://kubernetes.default.svc' }, ...spec },
  });
  if (a.application === 'sources') files[`dist/paas/application-${name}.yaml`] = [application(name, { sources: [{ repoURL: PLATFORM_REPO, path: dir }, 'not a map', { chart: 'x', repoURL: 'https://charts.example.com' }] })];
  else if (source) files[`dist/paas/application-${name}.yaml`] = [application(name, { source })];
  if (a.application === 'second') files[`dist/paas/application-${name}-again.yaml`] = [application(`${name}-again`, { source: { repoURL: PLATFORM_REPO, path: dir } })];
  const facts: [JsonMap, ObjectFacts][] = [];
  if (a.target === 'runtime') facts.push([workload, { runtimeServices: [`${name}-runtime`] }]);
  if (a.podRefs === 'sa-runtime') facts.push([route, { runtimeObjects: [{ kind: 'ServiceAccount', name, because: 'an operator makes it' }] }]);
  if (a.selectsRuntime) facts.push([service, { selectsRuntimePods: 'the operator makes its pods' }]);
  const claimObject = files[`${dir}/persistentvolumeclaim.yaml`]?.[0];
  if (claimObject && (a.volume === 'opt-out' || a.volume === 'empty-opt-out')) facts.push([claimObject, { backupOptOut: a.volume === 'opt-out' ? 'a cache' : ' ' }]);
  if (a.volume === 'declared') facts.push([workload, { volumes: [{ name: `data-${name}-*`, namespace: a.ns, size: '2Gi', ...(i % 2 ? { storageClass: 'local-path' } : { labels: { app: name } }) }] }]);
  return { files, facts };
}

/** Layer objects beside the apps: who provides the Widget API (a CRD or a controller's facts, in the paas layer or another layer), the paas layer's Application and Namespaces. */
const genLayers = fc.record({
  crdWave: fc.option(fc.constantFrom('-10', '0', '5'), { nil: undefined }),
  controller: fc.boolean(),
  widgetsLayerWave: fc.option(fc.constantFrom('-3', '1', '9'), { nil: undefined }),
  paasWave: fc.option(fc.constantFrom('0', '4'), { nil: undefined }),
  paasDependsOnWidgets: fc.boolean(),
  paasNamespaces: fc.subarray(['sit', 'uat', 'prod', 'web']),
  widgetsNamespaces: fc.subarray(['sit', 'uat', 'prod']),
  appNamespaces: fc.subarray(['sit', 'uat', 'prod', 'web']),
  velero: fc.option(fc.record({ included: fc.subarray(['sit', 'uat', 'prod', 'web', 'zz']), excluded: fc.subarray(['prod', 'zz']), labels: fc.boolean(), snapshots: fc.boolean() }), { nil: undefined }),
  longhorn: fc.option(fc.constantFrom('default', 'nightly', 'snapshot'), { nil: undefined }),
  prometheus: fc.option(fc.constantFrom('all', 'own-namespace', 'egress'), { nil: undefined }),
  gateway: fc.option(fc.constantFrom('envoy', 'other-class', 'egress', 'config-eg', 'gateway-namespace', 'envoy-proxy'), { nil: undefined }),
});
type GenLayers = typeof genLayers extends fc.Arbitrary<infer T> ? T : never;

function layerFiles(l: GenLayers): { files: Record<string, JsonMap[]>; facts: [JsonMap, ObjectFacts][] } {
  const wave = (w: string | undefined) => (w === undefined ? {} : { annotations: { 'argocd.argoproj.io/sync-wave': w } });
  const app = (name: string, w: string | undefined): JsonMap => ({
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name, namespace: 'argocd', ...wave(w) },
    spec: { project: 'platform', destination: { namespace: name, server: 'https://kubernetes.default.svc' }, source: { repoURL: PLATFORM_REPO, path: `dist/${name}`, targetRevision: 'main' } },
  });
  const files: Record<string, JsonMap[]> = {};
  const facts: [JsonMap, ObjectFacts][] = [];
  const paas = app('paas', l.paasWave);
  files['dist/apps/application-gen-paas.yaml'] = [paas];
  if (l.paasDependsOnWidgets) facts.push([paas, { dependsOn: ['widgets'] }]);
  if (l.widgetsLayerWave !== undefined) {
    const widgets = app('widgets', l.widgetsLayerWave);
    files['dist/apps/application-gen-widgets.yaml'] = [widgets];
    facts.push([widgets, { providesApis: [{ group: 'example.com', kind: 'Widget' }] }]);
    for (const ns of l.widgetsNamespaces) files[`dist/widgets/namespace-${ns}.yaml`] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }];
  }
  if (l.crdWave !== undefined) {
    files['dist/paas/crd-widgets.yaml'] = [{
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com', ...wave(l.crdWave) },
      spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced', versions: [] },
    }];
  }
  if (l.controller) {
    const controller: JsonMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'widget-controller', namespace: 'kube-system', ...wave('1') }, data: {} };
    files['dist/paas/configmap-widget-controller.yaml'] = [controller];
    facts.push([controller, { providesApis: [{ group: 'example.com' }] }]);
  }
  // Backup schedules: a Velero Schedule (some namespaces, some excluded, a label selector) and a Longhorn RecurringJob.
  if (l.velero) {
    files['dist/backups/schedule-daily.yaml'] = [{
      apiVersion: 'velero.io/v1', kind: 'Schedule', metadata: { name: 'daily', namespace: 'velero' },
      spec: { schedule: '0 1 * * *', template: { includedNamespaces: l.velero.included, excludedNamespaces: l.velero.excluded, ...(l.velero.labels ? { labelSelector: { matchLabels: { app: 'gen-0' } } } : {}), ...(l.velero.snapshots ? {} : { snapshotVolumes: false }) } },
    }];
  }
  if (l.longhorn) {
    files['dist/backups/recurringjob-backup.yaml'] = [{
      apiVersion: 'longhorn.io/v1beta2', kind: 'RecurringJob', metadata: { name: 'backup', namespace: 'longhorn-system' },
      spec: { task: l.longhorn === 'snapshot' ? 'snapshot' : 'backup', groups: [l.longhorn === 'snapshot' ? 'default' : l.longhorn], cron: '0 2 * * *', retain: 7 },
    }];
  }
  // A Prometheus that reads every monitor (or only its own namespace's), and perhaps an egress policy letting its pods out to prod only.
  if (l.prometheus) {
    files['dist/monitoring/prometheus-k8s.yaml'] = [{
      apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'k8s', namespace: 'monitoring' },
      spec: { serviceMonitorSelector: {}, podMonitorSelector: {}, ...(l.prometheus === 'own-namespace' ? {} : { serviceMonitorNamespaceSelector: {}, podMonitorNamespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['web'] }] } }) },
    }];
    if (l.prometheus === 'egress') {
      files['dist/monitoring/networkpolicy-prometheus-out.yaml'] = [{
        apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'prometheus-out', namespace: 'monitoring' },
        spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } }, egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'prod' } } }], ports: [{ port: 9000, endPort: 9200 }] }] },
      }];
    }
  }
  // Envoy Gateway's class and the shared Gateway (or another controller's class), perhaps its config (controller in eg, or proxies beside the Gateway), an EnvoyProxy, an egress policy on the proxies to prod only.
  if (l.gateway) {
    files['dist/gateway/gatewayclass-envoy.yaml'] = [{
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'envoy' },
      spec: { controllerName: l.gateway === 'other-class' ? 'example.com/other' : 'gateway.envoyproxy.io/gatewayclass-controller', ...(l.gateway === 'envoy-proxy' ? { parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'p', namespace: 'envoy-gateway-system' } } : {}) },
    }];
    files['dist/gateway/gateway-platform.yaml'] = [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'platform', namespace: 'envoy-gateway-system' }, spec: { gatewayClassName: 'envoy', listeners: [] } }];
    if (l.gateway === 'envoy-proxy') {
      files['dist/gateway/envoyproxy-p.yaml'] = [{ apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyProxy', metadata: { name: 'p', namespace: 'envoy-gateway-system' }, spec: { provider: { type: 'Kubernetes', kubernetes: { envoyDeployment: { pod: { labels: { tier: 'web' } } } } } } }];
    }
    if (l.gateway === 'config-eg' || l.gateway === 'gateway-namespace') {
      files['dist/gateway/configmap-envoy-gateway-config.yaml'] = [{
        apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'envoy-gateway-config', namespace: 'eg' },
        data: { 'envoy-gateway.yaml': l.gateway === 'gateway-namespace' ? 'provider:\n  kubernetes:\n    deploy:\n      type: GatewayNamespace\n' : 'gateway:\n  controllerName: gateway.envoyproxy.io/gatewayclass-controller\n' },
      }];
    }
    if (l.gateway === 'egress') {
      files['dist/gateway/networkpolicy-proxies-out.yaml'] = [{
        apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'proxies-out', namespace: 'envoy-gateway-system' },
        spec: { podSelector: { matchLabels: { 'app.kubernetes.io/component': 'proxy' } }, egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'prod' } } }], ports: [{ port: 80 }] }] },
      }];
    }
  }
  for (const ns of l.paasNamespaces) {
    const namespace: JsonMap = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } };
    files[`dist/paas/namespace-${ns}.yaml`] = [namespace];
    if (l.appNamespaces.includes(ns)) facts.push([namespace, { appNamespace: true }]);
  }
  return { files, facts };
}

/** Every fixture of every verify rule (breaking and satisfying), by name. */
const BASES: readonly [string, VerifyFixture][] = Object.entries(VERIFY_FIXTURES).flatMap(([id, f]) => [[`${id} breaking`, f.breaking], [`${id} satisfying`, f.satisfying]] as [string, VerifyFixture][]);

/** A fixture's tree with the generated apps' folders beside its own files. */
function treeWith(base: VerifyFixture, apps: readonly GenApp[], layers?: GenLayers): Tree {
  const generated = [...apps.map((a, i) => appFiles(a, i, apps)), ...(layers ? [layerFiles(layers)] : [])];
  return fixtureTree({
    files: { ...base.files, ...Object.assign({}, ...generated.map((g) => g.files)) },
    facts: [...(base.facts ?? []), ...generated.flatMap((g) => g.facts)],
  }, registry);
}

describe('split verify rules (groups (a) identity, (b) Applications and (c) references)', () => {
  test('GIVEN every rule fixture WHEN each split rule runs over its documents (VERIFY_RULES) THEN its findings equal the old rule\'s, in order', () => {
    for (const [, base] of BASES) {
      const tree = fixtureTree(base, registry);
      for (const rule of SPLIT) expect(verifyFindings(tree, rule.id)).toEqual(oracle(rule.id, tree));
    }
  });

  test('GIVEN fixtures with generated app folders and a random subset of objects sealed (projections only) WHEN the split rules run THEN the findings equal the old rules\' over the documents, in order, and no sealed document is read', () => {
    let sealedObjects = 0;
    let findings = 0;
    const byRule = new Map<string, number>();
    let materialised = 0;
    fc.assert(fc.property(
      fc.constantFrom(...BASES), fc.array(genApp, { maxLength: 6 }), fc.option(genLayers, { nil: undefined }), fc.array(fc.boolean(), { minLength: 1, maxLength: 23 }),
      ([, base], apps, layers, mask) => {
        const tree = treeWith(base, apps, layers);
        const s = summarised(tree, (_, i) => mask[i % mask.length]);
        sealedObjects += s.count;
        for (const rule of SPLIT) {
          const expected = oracle(rule.id, tree);
          findings += expected.length;
          byRule.set(rule.id, (byRule.get(rule.id) ?? 0) + expected.length);
          expect(verifyFindings(tree, rule.id)).toEqual(expected);
          const before = s.materialised.length;
          expect(splitFindings(s.tree, rule, s.recorded, s.materialise)).toEqual(expected);
          // Only a documents net materialises, and only objects of dist/ in a namespace it needs.
          if (!rule.documents) expect(s.materialised.length).toBe(before);
        }
        materialised += s.materialised.length;
      },
    // Every fixture once as it is (fast-check runs the examples first), then 200 random runs: each
    // rule's coverage below then never depends on the draw (it failed once in session 26 when
    // no run happened to draw directory-consumers' breaking fixture).
    ), { numRuns: 200, examples: BASES.map((b): [typeof b, GenApp[], undefined, boolean[]] => [b, [], undefined, [true]]) });
    // The property was not vacuous: objects were sealed and the rules found things.
    expect(sealedObjects).toBeGreaterThan(1000);
    expect(findings).toBeGreaterThan(1000);
    expect(materialised).toBeGreaterThan(0);
    for (const rule of SPLIT) expect([rule.id, byRule.get(rule.id) ?? 0]).toEqual([rule.id, expect.any(Number)]);
    expect(SPLIT.filter((rule) => !byRule.get(rule.id)).map((rule) => rule.id)).toEqual([]);
  });

  test('GIVEN a sealed object WHEN a rule that reads documents runs THEN the seal throws (it would catch a join that reads one)', () => {
    const tree = treeWith(VERIFY_FIXTURES['verify/route-backends'].satisfying, [fc.sample(genApp, { numRuns: 1, seed: 1 })[0]]);
    const s = summarised(tree, (o) => o.file.startsWith('dist/workloads/'));
    expect(s.count).toBeGreaterThan(0);
    expect(() => oracle('verify/route-backends', s.tree)).toThrow(/a join read the document of dist\/workloads\//);
    expect(() => splitFindings(s.tree, ROUTE_BACKENDS, s.recorded)).not.toThrow();
  });

  test('GIVEN the committed render WHEN every app folder\'s objects and Applications are sealed THEN every split rule finds what the old rule finds (nothing), and over the documents too', () => {
    const facts = readFactsFile(REPO).facts;
    const tree = treeOf(loadTree(REPO), { root: REPO, registry, facts });
    const apps = new Set([...(tree.workloadApps ?? new Map()).values()].map((v) => v.app));
    const s = summarised(tree, (o) => o.file.startsWith('dist/workloads/') || apps.has(o));
    expect(s.count).toBeGreaterThan(5);
    for (const rule of SPLIT) {
      const expected = oracle(rule.id, tree);
      expect(expected).toEqual([]);
      expect(verifyFindings(tree, rule.id)).toEqual(expected);
      expect(splitFindings(s.tree, rule, s.recorded, s.materialise)).toEqual(expected);
    }
    // The LDAP consumers' documents net never needs an app's object: none is materialised.
    expect(s.materialised.map((o) => o.file)).toEqual([]);
  });
});
