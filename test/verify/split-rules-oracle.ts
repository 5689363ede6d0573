/**
 * The verify rules of groups (a), (b) and (c) as they were before they became split rules
 * (lib/verify/identity-rules.ts, reference-rules.ts, sso-rules.ts; main at b619eb3), copied here
 * unchanged as the oracle of test/verify/split-rules.test.ts: they read every document. Since then
 * verify/api-providers also holds a custom resource to a version its rendered CRD serves, and
 * verify/excluded-resources, verify/monitor-reach, verify/route-reach, verify/pod-references and verify/rbac-references, new as split rules, have their document reading written here.
 */
/* eslint-disable */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { BACKUP_OBJECT_KINDS, backupCoverage, coverageProblem } from '../../lib/backups/coverage';
import { factsOf } from '../../lib/facts/facts';
import { ANNOTATIONS, ARGOCD_NAMESPACE } from '../../lib/gitops/argocd';
import { isBuiltinApi } from '../../lib/gitops/builtin-apis';
import { firstApplied, isHook, isPassingHook, syncWaveOf } from '../../lib/k8s/argo-sync';
import { isClusterScoped } from '../../lib/k8s/kinds';
import { asList, describeObject, isMap, listAt, mapAt, mapsAt, stringAt, stringMapAt, valueAt, JsonMap } from '../../lib/k8s/manifest';
import { podSpecPath, podTemplateLabels, podTemplatePath } from '../../lib/k8s/pod-template';
import type { LoadedObject } from '../../lib/k8s/tree';
import { ApiRef, apiRefMatches } from '../../lib/layer';
import type { Report, ReportFile, Tree } from '../../lib/verify/rules';
import { checkDirectoryConsumers } from '../../lib/verify/ldap-rules';
import { destinationCluster, exclusionMessage, exclusionOf, FilteredResource, isArgocdCm, readFilterSetting, settingProblemMessage, syncedFolders } from '../../lib/verify/exclusion-rules';
import { egressVerdict, ingressVerdict, namespaceLabels, Policy, PodRef, selectorText, labelSelectorMatches, TargetPort } from '../../lib/k8s/network-policy';
import { endpointPodPorts, endpointServicePorts, endpointText, inScope, prometheusSelects, reachMessage, reachProjection, ReachProjection, servicePortTargets, targetNamespaces } from '../../lib/verify/monitor-rules';
import { backendServicePort, GatewayWorld, proxiesOf, routeReachMessage, routeReachProjection } from '../../lib/verify/route-reach-rules';
import { idOf, refOf } from '../../lib/verify/split-rule';
import { redirectMatcher } from '../../lib/verify/sso-rules';
import { applicationsOf, applicationSources, NON_LAYER_DIRS, ownRepositories, provides, sourcePaths, wave } from '../../lib/verify/tree';
import { APPS_PROJECT, WORKLOADS_DIR } from '../../lib/paas/conventions';
import { folderOf, IndexedObject, layerOf, memoised, treeIndex } from '../../lib/verify/tree-index';

/** Namespaces every cluster has, and the one the bootstrap creates before any layer syncs. */
const PRE_EXISTING_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease', ARGOCD_NAMESPACE]);


/** The text of a file of the tree, or undefined when it is not there. */
function readFile(tree: Tree, file: string): string | undefined {
  if (tree.read) return tree.read(file);
  const full = path.join(tree.root, file);
  return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : undefined;
}


const dependencies = new WeakMap<Tree, Map<string, ReadonlySet<string>>>();

/** Layers `layer` depends on, directly or through others, from the app of apps (worked out once per tree and layer). */
function dependenciesOf(tree: Tree, layer: string): ReadonlySet<string> {
  return memoised(dependencies, tree, layer, () => layerDependencies(tree, layer));
}

function layerDependencies(tree: Tree, layer: string): Set<string> {
  const out = new Set<string>();
  const stack = [layer];
  while (stack.length) {
    const app = tree.layerApps.get(stack.pop()!);
    for (const dep of app ? factsOf(tree.facts, app.obj)?.dependsOn ?? [] : []) {
      if (!out.has(dep)) {
        out.add(dep);
        stack.push(dep);
      }
    }
  }
  return out;
}


/** No object twice within dist/ or within argocd/. */
export function checkDuplicates(tree: Tree, report: Report): void {
  const index = treeIndex(tree);
  for (const top of ['dist/', 'argocd/']) {
    const seen = new Map<string, string>();
    for (const { o, id } of index.objects.filter((x) => x.o.file.startsWith(top))) {
      const prev = seen.get(id);
      if (prev) report(o, `duplicate object (also in ${prev}); two Applications would fight over it`);
      else seen.set(id, o.file);
    }
  }
}

/**
 * Namespaced objects name a namespace that exists when they sync: one every cluster has, the
 * bootstrap's, or one declared by their own layer or a layer it depends on (a Namespace that
 * Argo CD creates on demand would miss its labels). Cluster-scoped objects name none.
 */
export function checkNamespaces(tree: Tree, report: Report): void {
  const declaredIn = new Map<string, Set<string>>();
  for (const o of tree.objects.filter((x) => x.obj.kind === 'Namespace' && x.obj.apiVersion === 'v1')) {
    const where = layerOf(o.file) ?? o.file.split('/').slice(0, -1).join('/');
    declaredIn.set(where, (declaredIn.get(where) ?? new Set()).add(String(valueAt(o.obj, 'metadata.name'))));
  }
  const index = treeIndex(tree);
  // Whether namespace `ns` is declared where `layer` (or, outside a layer, the folder `dir`) sees it: once per layer and namespace.
  const seen = { layer: new Map<string, Map<string, boolean>>(), dir: new Map<string, Map<string, boolean>>() };
  const visibleIn = (layer: string | undefined, dir: string, ns: string): boolean => memoised(layer === undefined ? seen.dir : seen.layer, layer ?? dir, ns, () => {
    const visible = layer ? [layer, ...dependenciesOf(tree, layer)] : [dir];
    return visible.some((l) => declaredIn.get(l)?.has(ns));
  });
  // Whether a kind is cluster-scoped, asked once per API group and kind.
  const scopes = new Map<string, Map<string, boolean>>();
  const clusterScoped = (group: string, kind: string): boolean => memoised(scopes, group, kind, () => isClusterScoped(group, kind));
  for (const { o, group, kind, namespace: ns } of index.objects) {
    if (clusterScoped(group, kind)) {
      if (ns !== undefined) report(o, `is cluster-scoped but sets metadata.namespace "${ns}"; remove it`);
      continue;
    }
    if (ns === undefined) {
      report(o, 'is namespaced but sets no metadata.namespace; set it explicitly');
      continue;
    }
    if (PRE_EXISTING_NAMESPACES.has(ns)) continue;
    const layer = index.ownerLayer(o.file);
    if (visibleIn(layer, layer ? '' : o.file.split('/').slice(0, -1).join('/'), ns)) continue;
    const elsewhere = [...declaredIn.entries()].find(([, names]) => names.has(ns))?.[0];
    report(o, elsewhere
      ? `namespace "${ns}" is declared by ${elsewhere}, which ${layer ? `layer "${layer}" does not depend on` : 'is not synced first'}; add the dependency or declare it here`
      : `namespace "${ns}" is not declared; render a Namespace object for it`);
  }
}

/** Service selectors match a pod template in the same namespace. */
export function checkServiceSelectors(tree: Tree, report: Report): void {
  // Pod templates by namespace and by each of their labels (key=value), so each Service looks only
  // at its own namespace's templates that carry one of its selector's labels (every one must match).
  const templates = new Map<string, Map<string, Record<string, string>[]>>();
  const index = treeIndex(tree);
  // Whether objects of an API group and kind carry a pod template: asked once for each.
  const carriers = new Map<string, Map<string, boolean>>();
  const carries = (x: IndexedObject): boolean => memoised(carriers, x.group, x.kind, () => podTemplatePath(x.o.obj) !== undefined);
  for (const x of index.objects) {
    if (!carries(x)) continue;
    const p = x.o;
    const labels = podTemplateLabels(p.obj);
    if (!labels) continue;
    const ns = x.namespace ?? String(valueAt(p.obj, 'metadata.namespace'));
    let byLabel = templates.get(ns);
    if (!byLabel) templates.set(ns, (byLabel = new Map()));
    for (const [k, v] of Object.entries(labels)) {
      const key = `${k}=${v}`;
      const list = byLabel.get(key);
      if (list) list.push(labels);
      else byLabel.set(key, [labels]);
    }
  }
  const candidates = (ns: string, selector: Record<string, string>): readonly Record<string, string>[] => {
    const byLabel = templates.get(ns);
    let fewest: readonly Record<string, string>[] | undefined;
    for (const [k, v] of Object.entries(selector)) {
      const list = byLabel?.get(`${k}=${v}`) ?? [];
      if (!fewest || list.length < fewest.length) fewest = list;
    }
    return fewest ?? [];
  };
  // The StatefulSet controller labels each pod with its name (<set>-<ordinal>).
  const sets = new Map<string, { name: string; labels: Record<string, string> }[]>();
  for (const { o: p } of index.objects.filter((x) => x.kind === 'StatefulSet')) {
    const ns = String(valueAt(p.obj, 'metadata.namespace'));
    sets.set(ns, [...(sets.get(ns) ?? []), { name: String(valueAt(p.obj, 'metadata.name')), labels: podTemplateLabels(p.obj) ?? {} }]);
  }
  for (const { o, facts, namespace } of index.objects.filter((x) => x.kind === 'Service' && x.o.obj.apiVersion === 'v1')) {
    const selector = stringMapAt(o.obj, 'spec.selector');
    if (!selector || Object.keys(selector).length === 0 || valueAt(o.obj, 'spec.type') === 'ExternalName') continue;
    // Declared (with which controller) to select pods a controller creates at run time.
    if (facts?.selectsRuntimePods !== undefined) continue;
    const ns = namespace ?? String(valueAt(o.obj, 'metadata.namespace'));
    const podName = selector['statefulset.kubernetes.io/pod-name'];
    const matched = podName !== undefined
      ? (sets.get(ns) ?? []).some((s) => podName.startsWith(`${s.name}-`) && /^\d+$/.test(podName.slice(s.name.length + 1))
        && Object.entries(selector).every(([k, v]) => k === 'statefulset.kubernetes.io/pod-name' || s.labels[k] === v))
      : candidates(ns, selector).some((labels) => Object.entries(selector).every(([k, v]) => labels[k] === v));
    if (!matched) {
      report(o, `selector ${JSON.stringify(selector)} matches no pod template in namespace "${valueAt(o.obj, 'metadata.namespace')}"`);
      continue;
    }
    // Added since: each named targetPort is declared (name and protocol) by a container or sidecar of a
    // selected pod template. Written here over the documents: every template of the namespace, in tree order.
    const selected = index.objects.filter((x) => {
      if ((x.namespace ?? String(valueAt(x.o.obj, 'metadata.namespace'))) !== ns) return false;
      // By pod name: a StatefulSet of any group (as the match above), else a pod template.
      if (podName === undefined && !carries(x)) return false;
      if (podName !== undefined) {
        const name = String(valueAt(x.o.obj, 'metadata.name'));
        const labels = podTemplateLabels(x.o.obj) ?? {};
        return x.kind === 'StatefulSet' && podName.startsWith(`${name}-`) && /^\d+$/.test(podName.slice(name.length + 1)) && Object.entries(selector).every(([k, v]) => k === 'statefulset.kubernetes.io/pod-name' || labels[k] === v);
      }
      const labels = podTemplateLabels(x.o.obj);
      return !!labels && Object.entries(selector).every(([k, v]) => labels[k] === v);
    });
    const portsOf = (x: IndexedObject): string[] => {
      const at = podSpecPath(x.o.obj);
      const spec = at === undefined ? undefined : valueAt(x.o.obj, at);
      const names: string[] = [];
      for (const c of [...asList(isMap(spec) ? spec.containers : undefined), ...asList(isMap(spec) ? spec.initContainers : undefined).filter((c) => isMap(c) && c.restartPolicy === 'Always')]) {
        for (const p of asList(isMap(c) ? c.ports : undefined)) {
          if (isMap(p) && typeof p.name === 'string' && p.name) {
            const n = `${typeof p.protocol === 'string' && p.protocol ? p.protocol : 'TCP'}/${p.name}`;
            if (!names.includes(n)) names.push(n);
          }
        }
      }
      return names;
    };
    asList(valueAt(o.obj, 'spec.ports')).forEach((p, i) => {
      if (!isMap(p) || typeof p.targetPort !== 'string' || p.targetPort === '' || /^[0-9]+$/.test(p.targetPort)) return;
      const protocol = typeof p.protocol === 'string' && p.protocol ? p.protocol : 'TCP';
      const want = `${protocol}/${p.targetPort}`;
      if (selected.some((x) => portsOf(x).includes(want))) return;
      const which = selected.map((x) => {
        const ports = portsOf(x);
        return `${x.kind} ${String(valueAt(x.o.obj, 'metadata.name'))}${ports.length ? ` declares ${ports.map((n) => `"${n}"`).join(', ')}` : ' declares no named port'}`;
      }).join('; ');
      report(o, `spec.ports[${i}].targetPort "${p.targetPort}" names a port that no container of the pods it selects declares with protocol ${protocol} (${which}); the Service has no endpoint for that port and sends its traffic nowhere: declare the port (name and protocol) in the pod template, or target one it declares`);
    });
  }
}

/** The Gateway API route kinds, whose rules send traffic to `backendRefs`. */
const ROUTE_KINDS: ReadonlySet<string> = new Set(['HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute', 'UDPRoute']);

/**
 * A Gateway API route's backends that are Services (`kind` Service of the core group, the
 * default) are Services the tree renders in the backend's namespace (the route's unless the
 * reference names another), and the port the route sends to is one the Service exposes; or
 * Services an object of that namespace declares a controller creates at run time from it
 * (facts `runtimeServices`, e.g. the Keycloak operator's `<name>-service`). Other kinds of backend
 * (an implementation's own) are not checked here.
 */
export function checkRouteBackends(tree: Tree, report: Report): void {
  const index = treeIndex(tree);
  // Rendered Services, and Services declared to be made at run time, by `namespace/name`.
  const services = new Map<string, JsonMap>();
  const runtime = new Set<string>();
  const routes: IndexedObject[] = [];
  for (const x of index.objects) {
    const ns = x.namespace ?? '';
    if (x.kind === 'Service' && x.group === '') services.set(`${ns}/${String(valueAt(x.o.obj, 'metadata.name'))}`, x.o.obj);
    else if (x.group === 'gateway.networking.k8s.io' && ROUTE_KINDS.has(x.kind)) routes.push(x);
    for (const name of x.facts?.runtimeServices ?? []) runtime.add(`${ns}/${name}`);
  }
  for (const x of routes) {
    const rules = listAt(x.o.obj, 'spec.rules');
    for (let i = 0; i < rules.length; i++) {
      const refs = listAt(rules[i], 'backendRefs');
      for (let j = 0; j < refs.length; j++) {
        const ref = refs[j];
        if (!isMap(ref) || (stringAt(ref, 'group') ?? '') !== '' || (stringAt(ref, 'kind') ?? 'Service') !== 'Service') continue;
        const name = stringAt(ref, 'name');
        const ns = stringAt(ref, 'namespace') ?? x.namespace ?? '';
        const at = `spec.rules[${i}].backendRefs[${j}]`;
        if (name === undefined) continue; // the schema requires it: verify/schemas reports it
        const key = `${ns}/${name}`;
        const service = services.get(key);
        if (!service) {
          if (!runtime.has(key)) report(x.o, `${at} sends to Service "${name}" in namespace "${ns}", which the tree does not render and no object there declares a controller makes (facts runtimeServices); render the Service or fix the name`);
          continue;
        }
        const port = valueAt(ref, 'port');
        const ports = listAt(service, 'spec.ports').filter(isMap).map((p) => p.port);
        if (typeof port !== 'number') report(x.o, `${at} sends to Service "${name}" without a port; set port to one it exposes (${ports.join(', ') || 'it exposes none'})`);
        else if (!ports.includes(port)) report(x.o, `${at} sends to port ${port} of Service "${name}", which exposes ${ports.length ? `only ${ports.join(', ')}` : 'no port'}; use one of those`);
      }
    }
  }
}


/** Every custom resource's API is installed before it syncs: by an earlier layer or earlier in its own. */
export function checkApiProviders(tree: Tree, report: Report): void {
  const index = treeIndex(tree);
  // What an object installs (`provides`), read from the index: a rendered CRD, else its facts.
  const providesOf = (x: IndexedObject): readonly ApiRef[] => (x.kind === 'CustomResourceDefinition' && String(x.o.obj.apiVersion).startsWith('apiextensions.k8s.io/')
    ? provides(x.o.obj, tree.facts) : x.facts?.providesApis ?? []);
  // Objects that install APIs, by layer folder (few): looked up for every custom resource.
  const providersByLayer = new Map<string, IndexedObject[]>();
  for (const p of index.objects) {
    if (providesOf(p).length === 0) continue;
    const m = /^dist\/([^/]+)\//.exec(p.o.file);
    if (!m) continue;
    if (!providersByLayer.has(m[1])) providersByLayer.set(m[1], []);
    providersByLayer.get(m[1])!.push(p);
  }
  // The versions each API's rendered CRD serves (the first CRD of an API in tree order).
  const servedBy = new Map<string, { crd: LoadedObject; served: string[] }>();
  for (const p of index.objects) {
    if (p.kind !== 'CustomResourceDefinition' || !String(p.o.obj.apiVersion).startsWith('apiextensions.k8s.io/')) continue;
    const api = `${String(valueAt(p.o.obj, 'spec.group') ?? '')}/${String(valueAt(p.o.obj, 'spec.names.kind') ?? '')}`;
    const served = listAt(p.o.obj, 'spec.versions').filter(isMap).filter((v) => v.served === true).map((v) => String(v.name));
    if (isHook(valueAt(p.o.obj, 'metadata.annotations'))) report(p.o, `a CustomResourceDefinition must not be a hook: Argo CD deletes a hook before the next sync creates it again (BeforeHookCreation, the default) or when a sync ends (HookSucceeded, HookFailed), and deleting a CustomResourceDefinition deletes every ${api} object; remove its hook annotations (argocd.argoproj.io/hook, helm.sh/hook)`);
    if (!servedBy.has(api)) servedBy.set(api, { crd: p.o, served });
  }
  // Every answer below depends on a few things only (the API, the layer): worked out once for each.
  const builtin = new Map<string, Map<string, boolean>>();
  const ownProviders = new Map<string, readonly LoadedObject[]>();
  const earlierLayers = new Map<string, [string, LoadedObject][]>();
  for (const x of index.objects) {
    const o = x.o;
    const apiVersion = String(o.obj.apiVersion);
    const { group, kind } = x;
    if (memoised(builtin, apiVersion, kind, () => tree.registry.isCoreKind(apiVersion, kind) || isBuiltinApi(group, kind))) continue;
    const api = `${group}/${kind}`;
    const crd = servedBy.get(api);
    const version = apiVersion.slice(apiVersion.lastIndexOf('/') + 1);
    if (crd && !crd.served.includes(version)) {
      report(o, `${api} is served by ${describeObject(crd.crd.obj)} at ${crd.served.length ? crd.served.join(', ') : 'no version'}, not ${version}: the API server rejects ${apiVersion} (no matches for kind); write the apiVersion the rendered CRD serves, or vendor the CRDs that serve it`);
    }
    const layer = index.ownerLayer(o.file);
    if (!layer) {
      report(o, `${api} is not installed before ${o.file.split('/')[0]}/ syncs; only built-in and pre-installed APIs may be used here`);
      continue;
    }
    const ownKey = `${layer}\0${api}`;
    let providers = ownProviders.get(ownKey);
    if (providers === undefined) {
      ownProviders.set(ownKey, (providers = (providersByLayer.get(layer) ?? []).filter((p) => providesOf(p).some((r) => apiRefMatches(r, group, kind))).map((p) => p.o)));
    }
    const own = providers.find((p) => p !== o);
    if (own) {
      // The phase each is first applied in (1: Sync; -1: never), as Argo CD reads the hooks.
      const phaseOf = (obj: JsonMap) => firstApplied(valueAt(obj, 'metadata.annotations'))?.[0] ?? -1;
      const waveOf = (obj: JsonMap) => syncWaveOf(valueAt(obj, 'metadata.annotations'));
      const [mine, theirs] = [phaseOf(o.obj), phaseOf(own.obj)];
      const at = (phase: number, w: number) => (phase === 1 ? `in wave ${w}` : `as a ${['PreSync', 'Sync', 'PostSync'][phase]} hook in wave ${w}`);
      if (mine >= 0 && mine === theirs && waveOf(o.obj) <= waveOf(own.obj)) report(o, `${api} is installed by ${describeObject(own.obj)} in the same layer, which syncs ${at(theirs, waveOf(own.obj))}; this object syncs ${at(mine, waveOf(o.obj))} and must sync later`);
      if (mine >= 0 && theirs < 0) report(o, `${api} is installed by ${describeObject(own.obj)} in the same layer, which a sync that succeeds never applies (a Skip, SyncFail or PostDelete hook): remove that hook annotation from it`);
      if (mine >= 0 && theirs > mine) report(o, `${api} is installed by ${describeObject(own.obj)} in the same layer, which syncs ${at(theirs, waveOf(own.obj))}; this object syncs ${at(mine, waveOf(o.obj))}, in an earlier phase: on the first sync the API server has no ${api} yet and refuses it; apply it in a later phase than what installs it (no hook, or a PostSync hook)`);
      const opts = String(valueAt(o.obj, ['metadata', 'annotations', ANNOTATIONS.syncOptions]) ?? '');
      if (!opts.includes('SkipDryRunOnMissingResource=true')) report(o, `${api} is installed in the same sync; set ${ANNOTATIONS.syncOptions}: SkipDryRunOnMissingResource=true`);
      continue;
    }
    const mine = tree.layerApps.get(layer);
    let earlier = earlierLayers.get(api);
    if (earlier === undefined) earlierLayers.set(api, (earlier = [...tree.layerApps.entries()].filter(([, app]) => provides(app.obj, tree.facts).some((r) => apiRefMatches(r, group, kind)))));
    if (earlier.length === 0) report(o, `no layer provides ${api} (no Application declares it in ${ANNOTATIONS.providesApis})`);
    else if (mine && !earlier.some(([, app]) => wave(app.obj) < wave(mine.obj))) {
      const other = earlier.find(([name]) => name !== layer);
      report(o, other
        ? `${api} is provided by layer "${other[0]}" (wave ${wave(other[1].obj)}), which does not sync before layer "${layer}" (wave ${wave(mine.obj)})`
        : `${api} is declared by layer "${layer}" itself (its Application's ${ANNOTATIONS.providesApis}), but none of the layer's rendered objects installs it (no CustomResourceDefinition of it, no object whose facts provide it): render what installs it in the layer, or use the API only in a layer that syncs later`);
    }
  }
}

/** The bootstrap is the self-managed copy: argocd/ equals its twins in dist/argocd, and its kustomization lists it. */
export function checkBootstrap(tree: Tree, report: Report, reportFile: ReportFile): void {
  const index = treeIndex(tree);
  const bootstrap = index.objects.filter((x) => !x.inDist && x.o.file.startsWith('argocd/'));
  // The twin of each bootstrap object: the last object of dist/ with its identity.
  const ids = new Set(bootstrap.map((x) => x.id));
  const distById = new Map<string, LoadedObject>();
  for (const x of index.objects) if (x.inDist && ids.has(x.id)) distById.set(x.id, x.o);
  for (const { o, id } of bootstrap) {
    const twin = distById.get(id);
    if (!twin) report(o, 'is in the bootstrap but not in dist/; after bootstrap nothing would manage it');
    else if (JSON.stringify(twin.obj) !== JSON.stringify(o.obj)) report(o, `differs from its self-managed copy ${twin.file}; the first sync would change what bootstrap installed`);
  }
  if (tree.files.some((f) => f.startsWith('argocd/'))) {
    const text = readFile(tree, 'argocd/kustomization.yaml');
    const listed = text !== undefined ? listAt(parseAllDocuments(text)[0]?.toJS(), 'resources') : [];
    const present = tree.files.filter((f) => f.startsWith('argocd/') && f !== 'argocd/kustomization.yaml').map((f) => f.slice('argocd/'.length));
    if (JSON.stringify([...listed].sort()) !== JSON.stringify([...present].sort())) {
      reportFile('argocd/kustomization.yaml', `resources ${JSON.stringify(listed)} must list exactly the manifests in argocd/ ${JSON.stringify(present)}`);
    }
  } else {
    reportFile('argocd/', 'the bootstrap is missing; run npm run synth');
  }
  if (!tree.files.some((f) => f.startsWith('dist/apps/'))) reportFile('dist/apps/', 'the app of apps is missing; run npm run synth');
}


/** The host of an absolute URL, or undefined when it is not one. */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/** Every OIDC SecurityPolicy: its client is defined by the realm import, its callback on a host its routes serve and allowed by that client. */
export function checkSsoClients(tree: Tree, report: Report): void {
  // One pass over the tree's index (API group and kind read once per object, lib/verify/tree-index.ts):
  // the realm's clients, the routes by namespace and name (every policy looks its targets up), the OIDC policies, each in tree order.
  const clients = new Map<string, readonly string[]>();
  const routeKey = (ns: string | undefined, name: string) => `${ns === undefined ? '\u0000' : `${ns}/`}${name}`;
  const hostsByRoute = new Map<string, string[]>();
  const policies: LoadedObject[] = [];
  for (const { o, group, kind } of treeIndex(tree).objects) {
    if (kind === 'KeycloakRealmImport' && group === 'k8s.keycloak.org') {
      for (const c of mapsAt(o.obj, 'spec.realm.clients')) {
        const id = stringAt(c, 'clientId');
        if (id) clients.set(id, listAt(c, 'redirectUris').filter((u): u is string => typeof u === 'string'));
      }
    } else if (kind === 'HTTPRoute' && group === 'gateway.networking.k8s.io') {
      const name = stringAt(o.obj, 'metadata.name');
      if (name === undefined) continue;
      const key = routeKey(stringAt(o.obj, 'metadata.namespace'), name);
      const hosts = listAt(o.obj, 'spec.hostnames').filter((h): h is string => typeof h === 'string');
      hostsByRoute.set(key, [...(hostsByRoute.get(key) ?? []), ...hosts]);
    } else if (kind === 'SecurityPolicy' && group === 'gateway.envoyproxy.io' && stringAt(o.obj, 'spec.oidc.provider.issuer') !== undefined) {
      policies.push(o);
    }
  }
  const hostsOfRoute = (ns: string | undefined, name: string) => hostsByRoute.get(routeKey(ns, name)) ?? [];
  const defined = [...clients.keys()].sort();
  const matchers = new Map([...clients].map(([id, uris]) => [id, redirectMatcher(uris)]));
  const allows = (id: string, url: string) => matchers.get(id)!(url);
  for (const p of policies) checkPolicy(p, clients, defined, allows, hostsOfRoute, report);
}

function checkPolicy(
  p: LoadedObject,
  clients: ReadonlyMap<string, readonly string[]>,
  defined: readonly string[],
  allows: (clientId: string, url: string) => boolean,
  hostsOfRoute: (ns: string | undefined, name: string) => readonly string[],
  report: Report,
): void {
  const clientId = stringAt(p.obj, 'spec.oidc.clientID');
  const redirect = stringAt(p.obj, 'spec.oidc.redirectURL');
  if (!clientId) {
    report(p, 'logs users in with OIDC but names no spec.oidc.clientID: give the realm client (e.g. "api-gateway") it logs in as');
  } else if (!clients.has(clientId)) {
    report(p, `logs users in as OIDC client "${clientId}", which no KeycloakRealmImport defines (${defined.length ? `the realm defines ${defined.join(', ')}` : 'no realm import is rendered: is keycloak.enabled false?'}); Keycloak would refuse every login: use a client of the realm (lib/layers/keycloak.ts OIDC_CLIENTS)`);
  }
  if (!redirect) {
    report(p, 'has no spec.oidc.redirectURL: Envoy Gateway would build it from the request (http behind HAProxy), which Keycloak refuses; set https://<host>/oauth2/callback');
    return;
  }
  const host = hostOf(redirect);
  const ns = stringAt(p.obj, 'metadata.namespace');
  const targets = mapsAt(p.obj, 'spec.targetRefs').filter((t) => stringAt(t, 'kind') === 'HTTPRoute').map((t) => stringAt(t, 'name') ?? '');
  const served = [...new Set(targets.flatMap((t) => hostsOfRoute(ns, t)))].sort();
  if (!host || !served.includes(host)) {
    report(p, `returns the login to ${redirect}, but ${targets.length ? `its routes (${targets.join(', ')}) serve ${served.length ? served.join(', ') : 'no host'}` : 'it targets no HTTPRoute'}: the callback would never reach the login filter; redirect to a host of the routes it protects`);
  }
  const allowed = clientId ? clients.get(clientId) : undefined;
  if (allowed && !allows(clientId!, redirect)) {
    report(p, `returns the login to ${redirect}, which realm client "${clientId}" does not allow (its redirect URIs: ${allowed.length ? allowed.join(', ') : 'none'}); Keycloak would answer "Invalid redirect_uri": register the host with SsoLogin (lib/constructs/sso-login.ts), which adds its callback to the client`);
  }
}

// ---- Group (b): the Application rules (lib/verify/rules.ts at 9de834a) ----

function reportAll(found: Tree['secondApplications'], report: Report, reportFile: ReportFile): void {
  for (const f of found ?? []) {
    if (typeof f.at === 'string') reportFile(f.at, f.message);
    else report(f.at, f.message);
  }
}

/** One Application syncs each layer folder (from dist/apps) and each app folder (from a layer). */
export function checkOneApplication(tree: Tree, report: Report, reportFile: ReportFile): void {
  reportAll(tree.secondApplications, report, reportFile);
}

/**
 * Applications point at folders that exist (in this repository: upstream components from other
 * Git repositories are not in this tree); every layer folder has exactly one Application.
 */
export function checkApplicationPaths(tree: Tree, report: Report, reportFile: ReportFile): void {
  const apps = applicationsOf(tree.objects);
  const ownRepos = ownRepositories(apps);
  // Every file's folder, the folders right under dist/ and the app folders, in one pass over the files (in their order).
  const dirs = new Set<string>();
  const topDirs = new Set<string>();
  const appDirSet = new Set<string>();
  const workloads = `dist/${WORKLOADS_DIR}/`;
  for (const f of tree.files) {
    dirs.add(folderOf(f));
    if (!f.startsWith('dist/')) continue;
    const second = f.indexOf('/', 5);
    topDirs.add(second < 0 ? f.slice(5) : f.slice(5, second));
    if (f.startsWith(workloads)) {
      const third = f.indexOf('/', workloads.length);
      appDirSet.add(third < 0 ? f : f.slice(0, third));
    }
  }
  for (const app of apps) {
    for (const p of sourcePaths(app.obj, ownRepos)) {
      if (!dirs.has(p)) report(app, `source path "${p}" does not exist in the rendered tree (or holds no files)`);
    }
  }
  const layerDirs = [...topDirs].filter((d) => !NON_LAYER_DIRS.has(d) && !d.includes('.'));
  for (const dir of layerDirs) {
    if (!tree.layerApps.has(dir)) reportFile(`dist/${dir}`, 'no Application in dist/apps syncs this folder; nothing would ever apply it');
  }
  const appDirs = [...appDirSet];
  for (const dir of appDirs) {
    if (!tree.workloadApps?.has(dir)) reportFile(dir, `no Application of a layer syncs this app folder; the paas layer renders one per app (${APPS_PROJECT} project)`);
  }
}

/**
 * dist/ and argocd/ are the platform itself: every Application syncs a folder of this repository
 * (the root Application's), none renders a Helm chart or reads another repository, and no k3s
 * HelmChart installs one behind Argo CD's back. What is reviewed is what runs.
 */
export function checkPlainSources(tree: Tree, report: Report): void {
  const apps = applicationsOf(tree.objects);
  const root = apps.find((a) => a.file === 'dist/apps/application-root.yaml' || (a.file.startsWith('argocd/') && valueAt(a.obj, 'metadata.name') === 'root'));
  const platformRepo = valueAt(root?.obj, 'spec.source.repoURL');
  for (const app of apps) {
    for (const s of applicationSources(app.obj)) {
      if (s.chart !== undefined || s.helm !== undefined) report(app, `has a Helm source (${s.chart ?? 'helm'} from ${s.repoURL}); render the chart at synth with a HelmComponent (vendor it with npm run vendor)`);
      else if (platformRepo !== undefined && s.repoURL !== platformRepo) report(app, `reads ${s.repoURL}, not the platform repository ${platformRepo}; vendor the manifests and render them with a GitComponent`);
      else if (typeof s.path !== 'string' || !String(s.path).startsWith('dist/')) report(app, `syncs "${s.path ?? ''}", not a folder of dist/`);
    }
  }
  for (const { o, group } of treeIndex(tree).objects) {
    if (group === 'helm.cattle.io') report(o, `is a k3s ${o.obj.kind}: the helm-controller would render a chart in the cluster; render it at synth instead`);
  }
}

/** Layers sync after the layers they depend on. */
export function checkLayerOrder(tree: Tree, report: Report): void {
  for (const app of tree.layerApps.values()) {
    for (const dep of factsOf(tree.facts, app.obj)?.dependsOn ?? []) {
      const depApp = tree.layerApps.get(dep);
      if (!depApp) report(app, `depends on layer "${dep}", which has no Application in dist/apps`);
      else if (wave(depApp.obj) >= wave(app.obj)) report(app, `depends on layer "${dep}" (wave ${wave(depApp.obj)}) but syncs in wave ${wave(app.obj)}; it must sync later`);
    }
  }
}

// ---- Group (d): ha/default-deny (lib/verify/ha-rules.ts at 9de834a), over the tree's HA objects ----

function checkHaDefaultDeny(tree: Tree, report: Report): void {
  const objects = tree.objects.filter((o) => o.file.startsWith('dist/') && !o.file.startsWith('dist/hosts/'));
  const policies = objects.filter((o) => o.obj.kind === 'NetworkPolicy' && o.obj.apiVersion === 'networking.k8s.io/v1');
  for (const ns of objects.filter((o) => o.obj.kind === 'Namespace' && o.obj.apiVersion === 'v1' && factsOf(tree.facts, o.obj)?.appNamespace === true)) {
    const name = valueAt(ns.obj, 'metadata.name');
    const denies = policies.some((p) => {
      const spec = mapAt(p.obj, 'spec') ?? {};
      const everyPod = !spec.podSelector || (Object.keys(mapAt(spec, 'podSelector.matchLabels') ?? {}).length === 0 && listAt(spec, 'podSelector.matchExpressions').length === 0);
      const types = asList(spec.policyTypes ?? ['Ingress']);
      return valueAt(p.obj, 'metadata.namespace') === name && everyPod && types.includes('Ingress') && listAt(spec, 'ingress').length === 0;
    });
    if (!denies) report(ns, `[ha/default-deny] app namespace "${name}" has no default-deny NetworkPolicy; render one with podSelector: {} and policyTypes [Ingress, Egress] and no rules (lib/ha/default-deny.ts), then allow what each app needs`);
  }
}

// ---- Group (d): verify/backup-coverage (lib/verify/rules.ts at 9de834a; lib/backups/coverage.ts is shared) ----

/**
 * Every volume in dist/ (PersistentVolumeClaims, StatefulSet claim templates, the volumes Helm
 * components declare) is covered by a backup schedule (a Velero Schedule or a Longhorn backup
 * RecurringJob), or declared opted out with a reason (the `backupOptOut` fact, lib/facts).
 */
export function checkBackupCoverage(tree: Tree, report: Report): void {
  // The coverage reads volumes and schedules of a few kinds, and the volumes other objects' facts declare: only those need reading.
  const relevant = treeIndex(tree).objects.filter((x) => BACKUP_OBJECT_KINDS.has(x.kind) || x.facts?.volumes !== undefined).map((x) => x.o);
  const loaded = new Map(relevant.map((o) => [o.obj, o]));
  for (const { claim, schedules } of backupCoverage(relevant, tree.facts)) {
    const problem = coverageProblem(claim, schedules);
    if (problem) report(loaded.get(claim.object) ?? { file: claim.file, obj: claim.object }, problem);
  }
}

// ---- verify/excluded-resources: new as a split rule (no rule before it), written here over the documents ----

/** Every object an Application of this repository syncs that Argo CD's resource filter (argocd-cm's, and its own exclusions) leaves out. */
function checkExcludedResources(tree: Tree, report: Report): void {
  const cms = tree.objects.filter((o) => isArgocdCm(String(o.obj.kind), String(o.obj.apiVersion).includes('/') ? String(o.obj.apiVersion).split('/')[0] : '', stringAt(o.obj, 'metadata.namespace'), String(valueAt(o.obj, 'metadata.name'))));
  const cm = cms.find((o) => o.file.startsWith('dist/')) ?? cms[0];
  const settings: { exclusions: readonly FilteredResource[]; inclusions: readonly FilteredResource[] } = { exclusions: [], inclusions: [] };
  for (const key of ['exclusions', 'inclusions'] as const) {
    const text = valueAt(cm?.obj, ['data', `resource.${key}`]);
    if (text === undefined) continue;
    const setting = typeof text === 'string' ? readFilterSetting(text) : { problem: 'is not a string' };
    if ('problem' in setting) report(cm!, settingProblemMessage(key, setting.problem));
    else settings[key] = setting.filters;
  }
  const apps = applicationsOf(tree.objects);
  const repos = ownRepositories(apps);
  const reported = new Set<LoadedObject>();
  for (const app of apps) {
    const cluster = destinationCluster(app.obj);
    for (const f of syncedFolders(app.obj)) {
      if (!repos.has(f.repoURL)) continue;
      for (const o of tree.objects) {
        if (reported.has(o) || !(f.recurse ? o.file.startsWith(`${f.path}/`) : path.posix.dirname(o.file) === f.path)) continue;
        const apiVersion = String(o.obj.apiVersion);
        const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
        const why = exclusionOf(settings, group, String(o.obj.kind), cluster);
        if (!why) continue;
        reported.add(o);
        report(o, exclusionMessage(group, String(o.obj.kind), why, cm?.file, { name: String(valueAt(app.obj, 'metadata.name')), file: app.file }));
      }
    }
  }
}

// ---- verify/monitor-reach: new as a split rule, written here over the documents, without indexes ----

/** Every scrape target (monitor a Prometheus selects -> rendered pod template, port) Prometheus cannot reach through the NetworkPolicies. */
function checkMonitorReach(tree: Tree, report: Report): void {
  const objects = tree.objects.filter((o) => inScope(o.file)).flatMap((o) => {
    const ref = refOf(o);
    const id = idOf(ref);
    const p = reachProjection(o.obj, ref, id.slice(0, id.indexOf('/')));
    return p ? [{ o, ref, p, i: 0 }] : [];
  }).map((x, i) => ({ ...x, i }));
  type Obj = (typeof objects)[number];
  const withNs = objects.filter((x) => x.ref.namespace !== undefined);
  const of = <K extends keyof ReachProjection>(k: K): (Obj & { v: NonNullable<ReachProjection[K]> })[] => withNs.filter((x) => x.p[k] !== undefined).map((x) => ({ ...x, v: x.p[k]! }));
  const proms = of('prom');
  const monitors = of('mon');
  const policies: Policy[] = of('np').map((x) => x.v);
  const services = of('svc');
  const pods = of('pod');
  const nsl = (ns: string) => namespaceLabels(ns, objects.find((x) => x.p.nsl && x.ref.name === ns)?.p.nsl);
  const all = () => [...new Set([...services, ...pods].map((x) => x.ref.namespace!))].sort();
  if (!proms.length) return;
  for (const m of monitors) {
    const monNs = m.ref.namespace!;
    for (const P of proms) {
      const promNs = P.ref.namespace!;
      if (!prometheusSelects(P.v, promNs, m.v, monNs, nsl(monNs))) continue;
      const source: PodRef = { namespace: promNs, labels: P.v.pod, namespaceLabels: nsl(promNs) };
      const seen = new Set<string>();
      m.v.eps.forEach((ep, epi) => {
        for (const ns of targetNamespaces(m.v, monNs, P.v, all)) {
          const check = (pod: (typeof pods)[number], port: TargetPort, targetSelector: string): void => {
            if (seen.has(`${pod.i}:${port.number}`)) return;
            seen.add(`${pod.i}:${port.number}`);
            const dest: PodRef = { namespace: ns, labels: pod.v.l, namespaceLabels: nsl(ns) };
            const ingress = ingressVerdict(policies, source, dest, port);
            const egress = egressVerdict(policies, source, dest, port);
            if (!ingress.allowed || !egress.allowed) report(m.o, reachMessage({ monitor: m.ref, endpoint: endpointText(ep, epi), workload: pod.ref, port, prometheus: P.ref, targetSelector, ingress, egress }));
          };
          const here = pods.filter((x) => x.ref.namespace === ns && !x.v.host);
          if (m.v.k === 'p') {
            for (const pod of here.filter((x) => labelSelectorMatches(m.v.sel, x.v.l))) for (const port of endpointPodPorts(ep, pod.v)) check(pod, port, selectorText(m.v.sel));
            continue;
          }
          for (const s of services.filter((x) => x.ref.namespace === ns && labelSelectorMatches(m.v.sel, x.v.l))) {
            const sps = endpointServicePorts(ep, s.v);
            for (const pod of here.filter((x) => labelSelectorMatches({ matchLabels: s.v.sel }, x.v.l))) for (const sp of sps) for (const port of servicePortTargets(sp, pod.v)) check(pod, port, selectorText({ matchLabels: s.v.sel }));
          }
        }
      });
    }
  }
}

// ---- verify/route-reach: new as a split rule, written here over the documents, without indexes ----

/** Every route backend (route on an Envoy Gateway Gateway -> Service port -> rendered pod template, port) the proxies cannot reach through the NetworkPolicies. */
function checkRouteReach(tree: Tree, report: Report): void {
  const objects = tree.objects.filter((o) => inScope(o.file)).flatMap((o) => {
    const ref = refOf(o);
    const id = idOf(ref);
    const p = routeReachProjection(o.obj, ref, id.slice(0, id.indexOf('/')));
    return p ? [{ o, ref, p }] : [];
  }).map((x, i) => ({ ...x, i }));
  const withNs = objects.filter((x) => x.ref.namespace !== undefined);
  const byKey = <T>(xs: { ref: { namespace?: string; name: string }; v: T }[]): Map<string, T> => {
    const m = new Map<string, T>();
    for (const x of xs) if (!m.has(`${x.ref.namespace}/${x.ref.name}`)) m.set(`${x.ref.namespace}/${x.ref.name}`, x.v);
    return m;
  };
  const classes = new Map<string, { ctl: string; ep?: string }>();
  for (const x of objects) if (x.p.gc && !classes.has(x.ref.name)) classes.set(x.ref.name, x.p.gc);
  const eg = withNs.find((x) => x.p.eg);
  const world: GatewayWorld = {
    gateways: byKey(withNs.filter((x) => x.p.gw).map((x) => ({ ref: x.ref, v: x.p.gw! }))),
    classes,
    proxies: byKey(withNs.filter((x) => x.p.ep).map((x) => ({ ref: x.ref, v: x.p.ep! }))),
    ...(eg ? { config: { ns: eg.ref.namespace!, ...eg.p.eg! } } : {}),
  };
  const services = byKey(withNs.filter((x) => x.p.svc).map((x) => ({ ref: x.ref, v: x.p.svc! })));
  const policies: Policy[] = withNs.filter((x) => x.p.np).map((x) => x.p.np!);
  const pods = withNs.filter((x) => x.p.pod && !x.p.pod.host);
  const nsl = (ns: string) => namespaceLabels(ns, objects.find((x) => x.p.nsl && x.ref.name === ns)?.p.nsl);
  for (const r of withNs.filter((x) => x.p.rt)) {
    const seen = new Set<string>();
    for (const parent of r.p.rt!.parents) {
      const px = proxiesOf(parent, world);
      if (!px) continue;
      const source: PodRef = { namespace: px.namespace, labels: px.labels, namespaceLabels: nsl(px.namespace) };
      for (const b of r.p.rt!.refs) {
        if (b.port === undefined) continue;
        const ns = b.ns ?? r.ref.namespace!;
        const svc = services.get(`${ns}/${b.name}`);
        const sp = svc && backendServicePort(svc, b.port);
        if (!svc || !sp) continue;
        for (const pod of pods.filter((x) => x.ref.namespace === ns && labelSelectorMatches({ matchLabels: svc.sel }, x.p.pod!.l))) {
          for (const port of servicePortTargets(sp, pod.p.pod!)) {
            if (seen.has(`${parent}:${pod.i}:${port.number}`)) continue;
            seen.add(`${parent}:${pod.i}:${port.number}`);
            const dest: PodRef = { namespace: ns, labels: pod.p.pod!.l, namespaceLabels: nsl(ns) };
            const ingress = ingressVerdict(policies, source, dest, port);
            const egress = egressVerdict(policies, source, dest, port);
            if (!ingress.allowed || !egress.allowed) {
              report(r.o, routeReachMessage({ route: r.ref, at: `spec.rules[${b.i}].backendRefs[${b.j}]`, service: b.name, servicePort: b.port, workload: pod.ref, port, proxies: px, targetSelector: selectorText({ matchLabels: svc.sel }), ingress, egress }));
            }
          }
        }
      }
    }
  }
}

/**
 * verify/pod-references over the documents, written out on its own: each pod spec's
 * serviceAccountName (else serviceAccount), priorityClassName, and the non-optional claims,
 * ConfigMaps and Secrets of its volumes, projected volumes, init containers' then containers'
 * envFrom and env.
 */
function checkPodReferences(tree: Tree, report: Report): void {
  const index = treeIndex(tree);
  const exists = new Set<string>();
  // Every rendered provider of each, with its file and when a normal sync first applies it.
  const providers = new Map<string, { file: string; run: readonly [number, number] | undefined; passing: boolean }[]>();
  const add = (k: string, x: IndexedObject) => {
    exists.add(k);
    const annotations = valueAt(x.o.obj, 'metadata.annotations');
    providers.set(k, [...(providers.get(k) ?? []), { file: x.o.file, run: firstApplied(annotations), passing: isPassingHook(annotations) }]);
  };
  for (const x of index.objects) {
    const name = String(valueAt(x.o.obj, 'metadata.name'));
    if (x.group === '' && ['ServiceAccount', 'ConfigMap', 'PersistentVolumeClaim'].includes(x.kind)) add(`${x.kind} ${x.namespace ?? ''}/${name}`, x);
    if (x.group === 'scheduling.k8s.io' && x.kind === 'PriorityClass') add(`PriorityClass ${name}`, x);
    if (x.group === '' && x.kind === 'Secret') add(`Secret ${x.namespace ?? ''}/${name}`, x);
    // What makes a Secret of its own: an ExternalSecret (its target, unless it only merges or makes none), a Certificate, a SealedSecret.
    const made = (n: unknown) => { if (typeof n === 'string' && n !== '') add(`Secret ${x.namespace ?? ''}/${n}`, x); };
    const manifest = valueAt(x.o.obj, 'spec.target.manifest');
    const makesSecret = manifest === undefined || (isMap(manifest) && [undefined, 'Secret'].includes(manifest.kind as string) && [undefined, 'v1'].includes(manifest.apiVersion as string));
    if (x.group === 'external-secrets.io' && x.kind === 'ExternalSecret' && makesSecret && !['Merge', 'None'].includes(valueAt(x.o.obj, 'spec.target.creationPolicy') as string)) {
      const target = valueAt(x.o.obj, 'spec.target.name');
      made(typeof target === 'string' && target !== '' ? target : name);
    }
    if (x.group === 'cert-manager.io' && x.kind === 'Certificate') made(valueAt(x.o.obj, 'spec.secretName'));
    if (x.group === 'bitnami.com' && x.kind === 'SealedSecret') made(name);
    for (const r of x.facts?.runtimeObjects ?? []) exists.add(r.kind === 'PriorityClass' ? `PriorityClass ${r.name}` : `${r.kind} ${r.namespace ?? x.namespace ?? ''}/${r.name}`);
  }
  const builtIn = new Set(['ServiceAccount default', 'ConfigMap kube-root-ca.crt', 'ConfigMap istio-ca-root-cert', 'PriorityClass system-cluster-critical', 'PriorityClass system-node-critical']);
  const pull = 'the kubelet pulls the images without those credentials, so an image of a private registry fails (ErrImagePull, ImagePullBackOff): make the Secret (type kubernetes.io/dockerconfigjson) with an ExternalSecret (from Bitwarden; never a Secret with data in git), name one that is made, or drop the reference where the nodes hold the registry\'s credentials (k3s registries.yaml configs)';
  for (const x of index.objects) {
    // A ServiceAccount's image pull secrets (the API server adds them to its pods).
    if (x.group === '' && x.kind === 'ServiceAccount') {
      asList(x.o.obj.imagePullSecrets).forEach((r, i) => {
        const name = isMap(r) ? r.name : undefined;
        if (typeof name !== 'string' || name === '' || exists.has(`Secret ${x.namespace ?? ''}/${name}`)) return;
        report(x.o, `imagePullSecrets[${i}].name names Secret "${name}", which is not rendered nor made by a rendered ExternalSecret, Certificate or SealedSecret in namespace "${x.namespace ?? ''}" and no object there declares a controller makes at run time (facts runtimeObjects); ${pull}, or declare who makes it (runtimeObjects)`);
      });
      continue;
    }
    const at = podSpecPath(x.o.obj);
    if (at === undefined || (x.group === '' && x.kind === 'PodTemplate')) continue;
    const spec = valueAt(x.o.obj, at);
    if (!isMap(spec)) continue;
    const ns = x.namespace ?? '';
    const own = firstApplied(valueAt(x.o.obj, 'metadata.annotations'));
    const ownHook = isHook(valueAt(x.o.obj, 'metadata.annotations'));
    const idle = x.kind === 'CronJob' || (x.kind === 'Job' && valueAt(x.o.obj, 'spec.suspend') === true) || valueAt(x.o.obj, 'spec.replicas') === 0;
    const dir = path.posix.dirname(x.o.file);
    const when = (run: readonly [number, number]) => (run[0] === 1 ? `in the Sync phase, wave ${run[1]}` : `as a ${['PreSync', 'Sync', 'PostSync'][run[0]]} hook, wave ${run[1]}`);
    const check = (field: string, kind: string, name: unknown, fixOf?: string) => {
      if (typeof name !== 'string' || name === '' || builtIn.has(`${kind} ${name}`)) return;
      const k = kind === 'PriorityClass' ? `${kind} ${name}` : `${kind} ${ns}/${name}`;
      if (exists.has(k)) {
        // Applied by its own sync after the pod: the first sync never gets there.
        const list = providers.get(k) ?? [];
        if (own && x.o.file.startsWith('dist/') && list.length && list.every((p) => path.posix.dirname(p.file) === dir)) {
          const first = list[0];
          if (!ownHook && list.every((p) => p.passing) && !list.every((p) => p.run === undefined)) {
            report(x.o, `${field} names ${kind} "${name}", which this Application applies as a hook (${first.file}): Argo CD deletes such a hook when the sync ends (HookSucceeded) or before the next sync creates it again (BeforeHookCreation, the default), and this object's pods outlive the sync; make ${kind} "${name}" a plain object (no hook annotation)`);
          } else if (!idle && !list.some((p) => p.run !== undefined && (p.run[0] < own[0] || (p.run[0] === own[0] && p.run[1] <= own[1])))) {
            const applies = first.run === undefined ? 'never applies in a sync that succeeds (a Skip, SyncFail or PostDelete hook)' : `applies only ${when(first.run)}`;
            const fix = !ownHook
              ? `apply ${kind} "${name}" in the Sync phase, wave ${own[0] === 1 ? own[1] : 0} or earlier (Layer.addOrder for the platform's own objects), or sync this object later`
              : kind === 'PersistentVolumeClaim'
                ? 'run this hook in a later phase (a claim must never be a hook: Argo CD deletes hooks, and a claim\'s data with it)'
                : `give this hook its own ${kind} as a ${['PreSync', 'Sync', 'PostSync'][own[0]]} hook, wave ${own[1]} or earlier (not one that other pods use: Argo CD deletes hooks), or run this hook in a later phase`;
            report(x.o, `${field} names ${kind} "${name}", which this Application ${applies} (${first.file}), after this object (${when(own)}): on its first sync (a bring-up from nothing) the pods cannot start, Argo CD waits for them and never applies it; ${fix}`);
          }
        }
        return;
      }
      let fix = {
        ServiceAccount: 'the API server refuses every pod of it (serviceaccount not found), so its controller runs none: render the ServiceAccount (a chart\'s serviceAccount.create), name one that is rendered',
        PriorityClass: 'the API server refuses every pod of it (no PriorityClass with that name), so its controller runs none: render the PriorityClass, name one that is rendered (or system-cluster-critical, system-node-critical)',
        PersistentVolumeClaim: 'its pods stay Pending: render the claim, or name one that is rendered',
        ConfigMap: 'its pods cannot start (ContainerCreating, CreateContainerConfigError): render the ConfigMap, name one that is rendered, or mark the reference optional: true',
        Secret: 'its pods cannot start (ContainerCreating, CreateContainerConfigError): make the Secret with an ExternalSecret (from Bitwarden; never a Secret with data in git), name one that is made, or mark the reference optional: true',
      }[kind];
      if (fixOf !== undefined) fix = fixOf;
      const made = kind === 'Secret' ? ' nor made by a rendered ExternalSecret, Certificate or SealedSecret' : '';
      report(x.o, kind === 'PriorityClass'
        ? `${field} names ${kind} "${name}", which is not rendered and no object declares a controller makes at run time (facts runtimeObjects); ${fix}, or declare who makes it (runtimeObjects)`
        : `${field} names ${kind} "${name}", which is not rendered${made} in namespace "${ns}" and no object there declares a controller makes at run time (facts runtimeObjects); ${fix}, or declare who makes it (runtimeObjects)`);
    };
    const sa = typeof spec.serviceAccountName === 'string' && spec.serviceAccountName ? 'serviceAccountName' : 'serviceAccount';
    check(`${at}.${sa}`, 'ServiceAccount', spec[sa]);
    check(`${at}.priorityClassName`, 'PriorityClass', spec.priorityClassName);
    const ref = (field: string, r: unknown, kind: string, key = 'name') => {
      if (isMap(r) && r.optional !== true) check(`${field}.${key}`, kind, r[key]);
    };
    asList(spec.volumes).forEach((v, i) => {
      if (!isMap(v)) return;
      ref(`${at}.volumes[${i}].persistentVolumeClaim`, v.persistentVolumeClaim, 'PersistentVolumeClaim', 'claimName');
      ref(`${at}.volumes[${i}].configMap`, v.configMap, 'ConfigMap');
      ref(`${at}.volumes[${i}].secret`, v.secret, 'Secret', 'secretName');
      const sources = isMap(v.projected) ? asList(v.projected.sources) : [];
      sources.forEach((src, j) => {
        if (!isMap(src)) return;
        ref(`${at}.volumes[${i}].projected.sources[${j}].configMap`, src.configMap, 'ConfigMap');
        ref(`${at}.volumes[${i}].projected.sources[${j}].secret`, src.secret, 'Secret');
      });
    });
    for (const list of ['initContainers', 'containers']) {
      asList(spec[list]).forEach((c, i) => {
        if (!isMap(c)) return;
        asList(c.envFrom).forEach((e, j) => {
          if (!isMap(e)) return;
          ref(`${at}.${list}[${i}].envFrom[${j}].configMapRef`, e.configMapRef, 'ConfigMap');
          ref(`${at}.${list}[${i}].envFrom[${j}].secretRef`, e.secretRef, 'Secret');
        });
        asList(c.env).forEach((e, j) => {
          if (!isMap(e) || !isMap(e.valueFrom)) return;
          ref(`${at}.${list}[${i}].env[${j}].valueFrom.configMapKeyRef`, e.valueFrom.configMapKeyRef, 'ConfigMap');
          ref(`${at}.${list}[${i}].env[${j}].valueFrom.secretKeyRef`, e.valueFrom.secretKeyRef, 'Secret');
        });
      });
    }
    // Its image pull secrets, after the containers.
    asList(spec.imagePullSecrets).forEach((r, i) => {
      if (isMap(r)) check(`${at}.imagePullSecrets[${i}].name`, 'Secret', r.name, pull);
    });
    // Then the probes whose named port their container does not declare.
    for (const list of ['initContainers', 'containers']) {
      asList(spec[list]).forEach((c, i) => {
        if (!isMap(c)) return;
        const names = asList(c.ports).filter(isMap).map((p) => p.name).filter((n) => typeof n === 'string' && n !== '') as string[];
        for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
          for (const handler of ['httpGet', 'tcpSocket']) {
            const port = valueAt(c, [probe, handler, 'port']);
            if (typeof port !== 'string' || port === '' || /^[0-9]+$/.test(port) || names.includes(port)) continue;
            report(x.o, `${at}.${list}[${i}].${probe}.${handler}.port names port "${port}", which container "${String(c.name ?? '')}" does not declare (${names.length ? `it declares ${names.map((d) => `"${d}"`).join(', ')}` : 'it declares no named port'}); the kubelet fails every run of the probe (a liveness or startup probe restarts the container over and over, a readiness probe keeps the pod out of its Services): declare the port on the container, or name or number one it has`);
          }
        }
      });
    }
  }
}

/** verify/rbac-references over the documents: each binding's roleRef against the Roles and ClusterRoles rendered, and the built-in ones. */
function checkRbacReferences(tree: Tree, report: Report): void {
  const index = treeIndex(tree);
  const rendered = (kind: string, ns: string | undefined, name: string) => index.objects.some((x) => x.group === 'rbac.authorization.k8s.io' && x.kind === kind && String(valueAt(x.o.obj, 'metadata.name')) === name && (kind === 'ClusterRole' || (x.namespace ?? '') === ns));
  for (const x of index.objects) {
    if (x.group !== 'rbac.authorization.k8s.io' || (x.kind !== 'RoleBinding' && x.kind !== 'ClusterRoleBinding')) continue;
    const r = x.o.obj.roleRef;
    if (!isMap(r) || (typeof r.apiGroup === 'string' ? r.apiGroup : '') !== 'rbac.authorization.k8s.io' || typeof r.name !== 'string' || !r.name) continue;
    const kind = r.kind;
    if (kind !== 'Role' && kind !== 'ClusterRole') continue;
    if (x.kind === 'ClusterRoleBinding' && kind === 'Role') continue;
    const ns = x.namespace ?? '';
    const builtIn = kind === 'ClusterRole'
      ? ['cluster-admin', 'admin', 'edit', 'view'].includes(r.name) || r.name.startsWith('system:')
      : (ns === 'kube-system' || ns === 'kube-public') && (r.name.startsWith('system:') || r.name === 'extension-apiserver-authentication-reader');
    if (builtIn || rendered(kind, ns, r.name)) continue;
    report(x.o, `roleRef names ${kind} "${r.name}", which is not rendered${kind === 'Role' ? ` in namespace "${ns}"` : ''} nor built into Kubernetes; the binding grants nothing and its subjects meet "forbidden" on the cluster: render the ${kind} (a chart's rbac.create), or name one that is`);
  }
}

/** One finding as VERIFY_RULES gives it (lib/verify/verify-rules.ts). */
export interface OracleFinding {
  readonly rule: string;
  readonly file: string;
  readonly object?: string;
  readonly message: string;
}

/** The old rules by id, with their findings as verify-rules.ts reported them. */
export const ORACLES: Readonly<Record<string, (tree: Tree, report: Report, reportFile: ReportFile) => void>> = {
  'verify/duplicates': checkDuplicates,
  'verify/namespaces': checkNamespaces,
  'verify/service-selectors': checkServiceSelectors,
  'verify/route-backends': checkRouteBackends,
  'verify/pod-references': checkPodReferences,
  'verify/rbac-references': checkRbacReferences,
  'verify/api-providers': checkApiProviders,
  'verify/bootstrap': checkBootstrap,
  'verify/sso-clients': checkSsoClients,
  'verify/one-application': checkOneApplication,
  'verify/application-paths': checkApplicationPaths,
  'verify/plain-sources': checkPlainSources,
  'verify/layer-order': checkLayerOrder,
  'ha/default-deny': checkHaDefaultDeny,
  'verify/backup-coverage': checkBackupCoverage,
  'verify/excluded-resources': checkExcludedResources,
  'verify/monitor-reach': checkMonitorReach,
  'verify/route-reach': checkRouteReach,
  // Unchanged: over every document of the tree (the split rule runs it over the objects its documents net needs).
  'verify/directory-consumers': checkDirectoryConsumers,
};

/** The findings of the old rule `id` over `tree`, in the order it reported them. */
export function oracle(id: string, tree: Tree): OracleFinding[] {
  const out: OracleFinding[] = [];
  ORACLES[id](tree, (o, message) => out.push({ rule: id, file: o.file, object: describeObject(o.obj), message }), (file, message) => out.push({ rule: id, file, message }));
  return out;
}
