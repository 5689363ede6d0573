import { parseAllDocuments } from 'yaml';
import type { ObjectFacts } from '../facts/facts';
import { ANNOTATIONS, ARGOCD_NAMESPACE } from '../gitops/argocd';
import { isBuiltinApi } from '../gitops/builtin-apis';
import { firstApplied, isHook, SYNC_PHASES, syncWaveOf } from '../k8s/argo-sync';
import { isClusterScoped } from '../k8s/kinds';
import { isCrdType, isMap, JsonMap, listAt, valueAt } from '../k8s/manifest';
import { ApiRef, apiRefMatches } from '../layer';
import { AppProjection, describeRef, Entry, LocalEnv, SplitRule, TreeLevel, waveOf } from './split-rule';
import { layerOf, memoised } from './tree-index';

/*
 * The identity rules of verify (group (a) of docs/design/per-app-summaries.md, step 3) as split
 * rules: what they read of an object is its ref (and, for verify/api-providers, its sync wave and
 * sync options, or the API a CRD installs); everything else is the join.
 */

/** The facts of an entry (the tree's facts are keyed by identity). */
const factsOf = (tree: TreeLevel, e: Entry<unknown>): ObjectFacts | undefined => (tree.facts.size ? tree.facts.get(e.id) : undefined);

/** The folder of a file of the tree (`a/b/c.yaml` -> `a/b`). */
const dirOf = (file: string): string => file.split('/').slice(0, -1).join('/');

/** No object twice within dist/ or within argocd/. */
export const DUPLICATES: SplitRule<never, 'verify/duplicates'> = {
  id: 'verify/duplicates',
  key: 'dup',
  join(entries, _tree, report) {
    for (const top of ['dist/', 'argocd/']) {
      const seen = new Map<string, string>();
      for (const e of entries) {
        if (!e.ref.file.startsWith(top)) continue;
        const prev = seen.get(e.id);
        if (prev) report(e.ref, `duplicate object (also in ${prev}); two Applications would fight over it`);
        else seen.set(e.id, e.ref.file);
      }
    }
  },
};

/** Namespaces every cluster has, and the one the bootstrap creates before any layer syncs. */
const PRE_EXISTING_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease', ARGOCD_NAMESPACE]);

/** Layers `layer` depends on, directly or through others, from the app of apps. */
function layerDependencies(tree: TreeLevel, layer: string): Set<string> {
  const out = new Set<string>();
  const stack = [layer];
  while (stack.length) {
    const app = tree.layerApps.get(stack.pop()!);
    for (const dep of app ? factsOf(tree, app)?.dependsOn ?? [] : []) {
      if (!out.has(dep)) {
        out.add(dep);
        stack.push(dep);
      }
    }
  }
  return out;
}

/**
 * Namespaced objects name a namespace that exists when they sync: one every cluster has, the
 * bootstrap's, or one declared by their own layer or a layer it depends on (a Namespace that
 * Argo CD creates on demand would miss its labels). Cluster-scoped objects name none.
 * Everything it reads of an object is in its ref: whether its kind is cluster-scoped is code.
 */
export const NAMESPACES: SplitRule<never, 'verify/namespaces'> = {
  id: 'verify/namespaces',
  key: 'ns',
  join(entries, tree, report) {
    const declaredIn = new Map<string, Set<string>>();
    for (const e of entries) {
      if (e.ref.kind !== 'Namespace' || e.ref.apiVersion !== 'v1') continue;
      const where = layerOf(e.ref.file) ?? dirOf(e.ref.file);
      declaredIn.set(where, (declaredIn.get(where) ?? new Set()).add(e.ref.name));
    }
    const dependencies = new Map<string, ReadonlySet<string>>();
    const dependenciesOf = (layer: string): ReadonlySet<string> => {
      let deps = dependencies.get(layer);
      if (!deps) dependencies.set(layer, (deps = layerDependencies(tree, layer)));
      return deps;
    };
    // Whether namespace `ns` is declared where `layer` (or, outside a layer, the folder `dir`) sees it: once per layer and namespace.
    const seen = { layer: new Map<string, Map<string, boolean>>(), dir: new Map<string, Map<string, boolean>>() };
    const visibleIn = (layer: string | undefined, dir: string, ns: string): boolean => memoised(layer === undefined ? seen.dir : seen.layer, layer ?? dir, ns, () => {
      const visible = layer ? [layer, ...dependenciesOf(layer)] : [dir];
      return visible.some((l) => declaredIn.get(l)?.has(ns));
    });
    // Whether a kind is cluster-scoped, asked once per API group and kind.
    const scopes = new Map<string, Map<string, boolean>>();
    const clusterScoped = (group: string, kind: string): boolean => memoised(scopes, group, kind, () => isClusterScoped(group, kind));
    for (const { ref, group } of entries) {
      const ns = ref.namespace;
      if (clusterScoped(group, ref.kind)) {
        if (ns !== undefined) report(ref, `is cluster-scoped but sets metadata.namespace "${ns}"; remove it`);
        continue;
      }
      if (ns === undefined) {
        report(ref, 'is namespaced but sets no metadata.namespace; set it explicitly');
        continue;
      }
      if (PRE_EXISTING_NAMESPACES.has(ns)) continue;
      const layer = tree.ownerLayer(ref.file);
      if (visibleIn(layer, layer ? '' : dirOf(ref.file), ns)) continue;
      const elsewhere = [...declaredIn.entries()].find(([, names]) => names.has(ns))?.[0];
      report(ref, elsewhere
        ? `namespace "${ns}" is declared by ${elsewhere}, which ${layer ? `layer "${layer}" does not depend on` : 'is not synced first'}; add the dependency or declare it here`
        : `namespace "${ns}" is not declared; render a Namespace object for it`);
    }
  },
};

/** What verify/api-providers reads of an object: its sync wave, whether it may sync before its API exists, the API a CRD installs. */
export interface ApiProjection {
  /** Its sync wave as Argo CD reads it (../k8s/argo-sync.ts `syncWaveOf`: the sync-wave annotation, else `helm.sh/hook-weight`), when not 0. @default 0 */
  readonly w?: number;
  /** That it is a CustomResourceDefinition Argo CD takes for a hook. @default false */
  readonly hook?: true;
  /**
   * The phase a normal sync first applies it in (../k8s/argo-sync.ts `firstApplied`: 0 PreSync,
   * 2 PostSync), or null when a normal sync never applies it (a Skip, SyncFail or PostDelete hook).
   * @default - the Sync phase (1)
   */
  readonly ph?: number | null;
  /** Whether its sync-options hold SkipDryRunOnMissingResource=true (on custom resources). @default false */
  readonly dry?: boolean;
  /** The API it installs, when it is a CustomResourceDefinition. @default - none */
  readonly crd?: ApiRef;
  /** The versions of that API the CustomResourceDefinition serves (`served: true`), when it is one. @default - none */
  readonly served?: readonly string[];
}

/** Whether objects of an apiVersion and kind are custom resources (not core, not built in), asked once per registry, apiVersion and kind. */
const customKinds = new WeakMap<object, Map<string, Map<string, boolean>>>();
function isCustom(env: LocalEnv, apiVersion: string, group: string, kind: string): boolean {
  let byVersion = customKinds.get(env);
  if (!byVersion) customKinds.set(env, (byVersion = new Map()));
  return memoised(byVersion, apiVersion, kind, () => !(env.isCoreKind(apiVersion, kind) || isBuiltinApi(group, kind)));
}

/** The names of the versions a CustomResourceDefinition serves (`served: true`), in its order. */
function servedVersions(crd: JsonMap): string[] {
  return listAt(crd, 'spec.versions').filter((v): v is JsonMap => isMap(v) && v.served === true).map((v) => String(v.name));
}

/** The version of an apiVersion (`group/version` -> `version`; core `v1` -> `v1`). */
const versionOf = (apiVersion: string): string => apiVersion.slice(apiVersion.lastIndexOf('/') + 1);

/**
 * The finding for a custom resource whose apiVersion its CustomResourceDefinition in the tree does
 * not serve: the API server knows no such kind at that version ("no matches for kind"), so the sync
 * of its Application fails however the waves are ordered. Undefined when it serves it.
 */
function unservedVersion(apiVersion: string, api: string, crd: string, served: readonly string[]): string | undefined {
  if (served.includes(versionOf(apiVersion))) return undefined;
  return `${api} is served by ${crd} at ${served.length ? served.join(', ') : 'no version'}, not ${versionOf(apiVersion)}: the API server rejects ${apiVersion} (no matches for kind); write the apiVersion the rendered CRD serves, or vendor the CRDs that serve it`;
}

/** When a sync applies an object of phase `phase` (`ApiProjection.ph`, 1 for Sync) and wave `wave`, for a message. */
function syncedAt(phase: number, wave: number): string {
  return phase === 1 ? `in wave ${wave}` : `as a ${SYNC_PHASES[phase]} hook in wave ${wave}`;
}

/** Every custom resource's API is installed before it syncs (by an earlier layer or earlier in its own), at a version the CRD rendered for it serves. */
export const API_PROVIDERS: SplitRule<ApiProjection, 'verify/api-providers'> = {
  id: 'verify/api-providers',
  key: 'api',
  project({ obj, ref, group, facts }, env) {
    const crd = isCrdType(ref.apiVersion, ref.kind);
    const custom = isCustom(env, ref.apiVersion, group, ref.kind);
    // A custom resource, or what may install one: a CRD, or an object whose facts say it does.
    if (!custom && !crd && !facts?.providesApis?.length) return undefined;
    const annotations = valueAt(obj, 'metadata.annotations');
    const w = syncWaveOf(annotations);
    const out: { -readonly [K in keyof ApiProjection]: ApiProjection[K] } = {};
    if (w !== 0) out.w = w;
    const applied = firstApplied(annotations);
    if (applied === undefined) out.ph = null;
    else if (applied[0] !== 1) out.ph = applied[0];
    if (custom && String(valueAt(obj, ['metadata', 'annotations', ANNOTATIONS.syncOptions]) ?? '').includes('SkipDryRunOnMissingResource=true')) out.dry = true;
    if (crd) {
      out.crd = { group: String(valueAt(obj, 'spec.group') ?? ''), kind: String(valueAt(obj, 'spec.names.kind') ?? '') };
      out.served = servedVersions(obj);
      if (isHook(annotations)) out.hook = true;
    }
    return out;
  },
  join(entries, tree, report) {
    const facts = (e: Entry<unknown>) => factsOf(tree, e);
    // What an object installs: a rendered CRD, else its facts.
    const providesOf = (x: Entry<ApiProjection>): readonly ApiRef[] => (isCrdType(x.ref.apiVersion, x.ref.kind) ? (x.p?.crd ? [x.p.crd] : []) : facts(x)?.providesApis ?? []);
    // What a layer's Application installs (an Application is no CRD: its facts).
    const appProvides = (app: Entry<AppProjection>): readonly ApiRef[] => facts(app)?.providesApis ?? [];
    // Objects that install APIs, by layer folder (few): looked up for every custom resource.
    const providersByLayer = new Map<string, Entry<ApiProjection>[]>();
    for (const p of entries) {
      if (providesOf(p).length === 0) continue;
      const m = /^dist\/([^/]+)\//.exec(p.ref.file);
      if (!m) continue;
      if (!providersByLayer.has(m[1])) providersByLayer.set(m[1], []);
      providersByLayer.get(m[1])!.push(p);
    }
    // The versions each API's rendered CRD serves (the first CRD of the API in tree order; argocd/ holds twins of dist/argocd).
    const servedBy = new Map<string, { readonly crd: Entry<ApiProjection>; readonly served: readonly string[] }>();
    for (const p of entries) {
      if (!isCrdType(p.ref.apiVersion, p.ref.kind) || !p.p?.crd) continue;
      const api = `${p.p.crd.group}/${p.p.crd.kind}`;
      if (p.p.hook) report(p.ref, `a CustomResourceDefinition must not be a hook: Argo CD deletes a hook before the next sync creates it again (BeforeHookCreation, the default) or when a sync ends (HookSucceeded, HookFailed), and deleting a CustomResourceDefinition deletes every ${api} object; remove its hook annotations (argocd.argoproj.io/hook, helm.sh/hook)`);
      if (!servedBy.has(api)) servedBy.set(api, { crd: p, served: p.p.served ?? [] });
    }
    // Every answer below depends on a few things only (the API, the layer): worked out once for each.
    const builtin = new Map<string, Map<string, boolean>>();
    const ownProviders = new Map<string, readonly Entry<ApiProjection>[]>();
    const earlierLayers = new Map<string, [string, Entry<AppProjection>][]>();
    for (const x of entries) {
      const { ref, group } = x;
      const { apiVersion, kind } = ref;
      if (memoised(builtin, apiVersion, kind, () => tree.registry.isCoreKind(apiVersion, kind) || isBuiltinApi(group, kind))) continue;
      const api = `${group}/${kind}`;
      const served = servedBy.get(api);
      const unserved = served && unservedVersion(apiVersion, api, describeRef(served.crd.ref), served.served);
      if (unserved) report(ref, unserved);
      const layer = tree.ownerLayer(ref.file);
      if (!layer) {
        report(ref, `${api} is not installed before ${ref.file.split('/')[0]}/ syncs; only built-in and pre-installed APIs may be used here`);
        continue;
      }
      const ownKey = `${layer}\0${api}`;
      let providers = ownProviders.get(ownKey);
      if (providers === undefined) {
        ownProviders.set(ownKey, (providers = (providersByLayer.get(layer) ?? []).filter((p) => providesOf(p).some((r) => apiRefMatches(r, group, kind)))));
      }
      const own = providers.find((p) => p !== x);
      const w = waveOf(x.p?.w);
      if (own) {
        const ownWave = waveOf(own.p?.w);
        const phase = x.p?.ph === undefined ? 1 : x.p.ph;
        const ownPhase = own.p?.ph === undefined ? 1 : own.p.ph;
        if (phase !== null && ownPhase === phase) {
          if (w <= ownWave) report(ref, `${api} is installed by ${describeRef(own.ref)} in the same layer, which syncs ${syncedAt(ownPhase, ownWave)}; this object syncs ${syncedAt(phase, w)} and must sync later`);
        } else if (phase !== null && ownPhase === null) {
          report(ref, `${api} is installed by ${describeRef(own.ref)} in the same layer, which a sync that succeeds never applies (a Skip, SyncFail or PostDelete hook): remove that hook annotation from it`);
        } else if (phase !== null && ownPhase !== null && ownPhase > phase) {
          // Argo CD runs a sync's phases in turn, whatever the waves: a hook of an earlier phase is applied before what installs its API.
          report(ref, `${api} is installed by ${describeRef(own.ref)} in the same layer, which syncs ${syncedAt(ownPhase, ownWave)}; this object syncs ${syncedAt(phase, w)}, in an earlier phase: on the first sync the API server has no ${api} yet and refuses it; apply it in a later phase than what installs it (no hook, or a PostSync hook)`);
        }
        if (!x.p?.dry) report(ref, `${api} is installed in the same sync; set ${ANNOTATIONS.syncOptions}: SkipDryRunOnMissingResource=true`);
        continue;
      }
      const mine = tree.layerApps.get(layer);
      let earlier = earlierLayers.get(api);
      if (earlier === undefined) earlierLayers.set(api, (earlier = [...tree.layerApps.entries()].filter(([, app]) => appProvides(app).some((r) => apiRefMatches(r, group, kind)))));
      if (earlier.length === 0) report(ref, `no layer provides ${api} (no Application declares it in ${ANNOTATIONS.providesApis})`);
      else if (mine && !earlier.some(([, app]) => waveOf(app.p?.w) < waveOf(mine.p?.w))) {
        // Named: another layer that provides it; only this one's own Application declaring it says something else.
        const other = earlier.find(([name]) => name !== layer);
        if (other) report(ref, `${api} is provided by layer "${other[0]}" (wave ${waveOf(other[1].p?.w)}), which does not sync before layer "${layer}" (wave ${waveOf(mine.p?.w)})`);
        else report(ref, `${api} is declared by layer "${layer}" itself (its Application's ${ANNOTATIONS.providesApis}), but none of the layer's rendered objects installs it (no CustomResourceDefinition of it, no object whose facts provide it): render what installs it in the layer, or use the API only in a layer that syncs later`);
      }
    }
  },
};

/**
 * The bootstrap is the self-managed copy: argocd/ equals its twins in dist/argocd (compared by
 * their documents' digests), and its kustomization lists it.
 */
export const BOOTSTRAP: SplitRule<never, 'verify/bootstrap'> = {
  id: 'verify/bootstrap',
  key: 'boot',
  // It compares digests and reads argocd/kustomization.yaml.
  readsBeyondProjections: true,
  join(entries, tree, report) {
    const bootstrap = entries.filter((x) => x.ref.file.startsWith('argocd/'));
    // The twin of each bootstrap object: the last object of dist/ with its identity.
    const ids = new Set(bootstrap.map((x) => x.id));
    const distById = new Map<string, Entry<never>>();
    for (const x of entries) if (ids.has(x.id) && x.ref.file.startsWith('dist/')) distById.set(x.id, x);
    for (const x of bootstrap) {
      const twin = distById.get(x.id);
      if (!twin) report(x.ref, 'is in the bootstrap but not in dist/; after bootstrap nothing would manage it');
      else if (twin.digest !== x.digest) report(x.ref, `differs from its self-managed copy ${twin.ref.file}; the first sync would change what bootstrap installed`);
    }
    if (tree.files.some((f) => f.startsWith('argocd/'))) {
      const text = tree.read('argocd/kustomization.yaml');
      const listed = text !== undefined ? listAt(parseAllDocuments(text)[0]?.toJS(), 'resources') : [];
      const present = tree.files.filter((f) => f.startsWith('argocd/') && f !== 'argocd/kustomization.yaml').map((f) => f.slice('argocd/'.length));
      if (JSON.stringify([...listed].sort()) !== JSON.stringify([...present].sort())) {
        report('argocd/kustomization.yaml', `resources ${JSON.stringify(listed)} must list exactly the manifests in argocd/ ${JSON.stringify(present)}`);
      }
    } else {
      report('argocd/', 'the bootstrap is missing; run npm run synth');
    }
    if (!tree.files.some((f) => f.startsWith('dist/apps/'))) report('dist/apps/', 'the app of apps is missing; run npm run synth');
  },
};
