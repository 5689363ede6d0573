import * as fs from 'fs';
import * as path from 'path';
import type { PlatformFacts } from '../facts/facts';
import { ANNOTATIONS } from '../gitops/argocd';
import { apiGroup, isMap, JsonMap, mapAt, mapsAt, valueAt } from '../k8s/manifest';
import { WORKLOADS_DIR } from '../paas/conventions';
import type { LoadedObject } from '../k8s/tree';
import { documentDigest } from '../render/documents';
import type { Tree } from './rules';
import type { SchemaRegistry } from './schemas';
import type { Entry, ObjectRef, Subject } from './split-entry';
import { folderOf, layerOf, treeIndex, TreeRow } from './tree-index';

export type { Entry, ObjectRef, Subject } from './split-entry';

/**
 * Verify rules in two parts (docs/design/per-app-summaries.md, "The shapes"): what a rule reads of
 * one object (`project`, a pure function of its document and its own facts), and the join over
 * every object's `Entry` (its `ObjectRef`, its document's digest and that projection) plus the
 * tree-level inputs (`TreeLevel`). The join never sees a document: an entry keeps its document
 * private, so an app whose objects were recorded by an earlier synth can hand in their entries
 * instead (`Recorded`), and the join gives the same findings.
 */

/** One source of an Application as the joins read it: its raw fields (`helm` only whether it is there). */
export interface SourceProjection {
  /** @default - none */
  readonly repoURL?: unknown;
  /** @default - none */
  readonly path?: unknown;
  /** @default - none */
  readonly chart?: unknown;
  /** Whether it has a `helm` block. @default - none */
  readonly helm?: true;
}

/** What an Argo CD Application gives the joins: its sync wave annotation and its sources, raw. */
export interface AppProjection {
  /** metadata.annotations["argocd.argoproj.io/sync-wave"], as written. @default - none (wave 0) */
  readonly w?: unknown;
  /** spec.source, when a map. @default - none */
  readonly source?: SourceProjection;
  /** The maps of spec.sources. @default - none */
  readonly sources?: readonly SourceProjection[];
}

/** A finding made while reading the tree's Applications (a second Application for a folder). */
export interface AppFinding {
  readonly at: ObjectRef;
  readonly message: string;
}

/** What a join may read besides the entries: never a document. */
export interface TreeLevel {
  /** Every file path of dist/ and argocd/, in tree order. */
  readonly files: readonly string[];
  /** The facts of every object (the layers' and the apps'). */
  readonly facts: PlatformFacts;
  readonly registry: Pick<SchemaRegistry, 'isCoreKind'>;
  /** The text of a file of the tree (argocd/kustomization.yaml for verify/bootstrap), or undefined when it is not there. */
  read(file: string): string | undefined;
  /** Every Argo CD Application (argoproj.io), in tree order. */
  readonly applications: readonly Entry<AppProjection>[];
  /** This repository, as the app of apps names it: the repoURLs of dist/apps sources that sync a folder of dist/. */
  readonly ownRepositories: ReadonlySet<string>;
  /** The Application in dist/apps that syncs each layer folder (the first in tree order). */
  readonly layerApps: ReadonlyMap<string, Entry<AppProjection>>;
  /** The Application of a layer that syncs each app folder `dist/workloads/<app>` (the first), and that layer. */
  readonly workloadApps: ReadonlyMap<string, { readonly app: Entry<AppProjection>; readonly layer: string }>;
  /** Applications that sync a folder another Application already syncs (left out of `layerApps`, `workloadApps`). */
  readonly secondApplications: readonly AppFinding[];
  /** The layer a file syncs with (lib/verify/tree-index.ts ownerLayer). */
  ownerLayer(file: string): string | undefined;
}

/** What `project` may read besides the object (code and the Kubernetes definitions). */
export type LocalEnv = Pick<SchemaRegistry, 'isCoreKind'>;

/** Reports a finding about an object (its ref) or a file. */
export type SplitReport = (at: ObjectRef | string, message: string) => void;

/** A verify rule in two parts: the join sees entries, not LoadedObjects, so the types keep documents out of it. */
export interface SplitRule<P, Id extends string = string> {
  /** The rule's id (lib/verify/rules.ts VerifyRuleId). */
  readonly id: Id;
  /** The short name its projection is recorded under in an object's summary (the plan's table). */
  readonly key: string;
  /** What the join reads of one object: pure in (document, its own facts, code). Undefined when nothing; no `project` when it never reads anything. */
  project?(x: Subject, env: LocalEnv): P | undefined;
  /** Every finding, from the entries (tree order) and the tree-level inputs only. */
  join(entries: readonly Entry<P>[], tree: TreeLevel, report: SplitReport): void;
  /**
   * Whether its findings depend on more than its entries' refs and projections and the tree level's
   * files, facts, registry and Applications: the entries' digests, or file texts (`TreeLevel.read`).
   * Such a rule (and one with a documents net) runs on every tree: verify leaves out only rules
   * whose inputs it can tell are the same as the last verified tree's (./verified-tree.ts).
   * @default false
   */
  readonly readsBeyondProjections?: boolean;
  /**
   * A correctness net for a rule whose findings need some objects' documents after all
   * (verify/directory-consumers): which objects (`need`, from the entries and the tree level, never
   * a document), and the findings from those objects' documents (`join`). The runner reads the
   * documents of those objects only, materialising a recorded one (`runSplit`'s `materialise`).
   * @default - none: the join is all
   */
  readonly documents?: DocumentsNet<P>;
}

/** The objects a rule reads the documents of, and its findings from them (`SplitRule.documents`). */
export interface DocumentsNet<P> {
  /** Whether the rule needs the document of each object (by its ref), or undefined when it needs none. */
  need(entries: readonly Entry<P>[], tree: TreeLevel): ((ref: ObjectRef) => boolean) | undefined;
  /** The findings from the needed objects (in tree order): `tree` holds only those objects. */
  join(tree: Pick<SplitTree, 'objects' | 'facts'>, report: (o: LoadedObject, message: string) => void): void;
}

/** The shape of a verify tree the split rules read (which Application syncs what, they work out from the Applications' entries). */
export type SplitTree = Pick<Tree, 'root' | 'files' | 'objects' | 'registry' | 'facts' | 'read'>;

/** What an earlier synth recorded of one object: its ref, its document's digest and its projections by rule key. */
export interface Recorded {
  readonly ref: ObjectRef;
  readonly digest: string;
  readonly p: { readonly [key: string]: unknown };
}

/** The recorded entry of an object whose document is not to be read, or undefined to read its document. */
export type RecordedOf = (o: LoadedObject) => Recorded | undefined;

/** `group/Kind/namespace/name` of a ref, as lib/verify/tree-index.ts builds it from the document. */
export function idOf(ref: ObjectRef): string {
  return `${apiGroup(ref.apiVersion)}/${ref.kind}/${ref.namespace ?? ref.rawNamespace ?? ''}/${ref.name}`;
}

/** `apiVersion Kind namespace/name`, the text findings carry (lib/k8s/manifest.ts describeObject). */
export function describeRef(ref: ObjectRef): string {
  const ns = ref.namespace ?? ref.rawNamespace;
  return `${ref.apiVersion} ${ref.kind} ${ns ? `${ns}/` : ''}${ref.name}`;
}

/** The namespace as a string, for indexes by namespace: `String(metadata.namespace)` when it is not a string ("undefined" when missing), as the rules read it. */
export function namespaceKey(ref: ObjectRef): string {
  return ref.namespace ?? String(ref.rawNamespace);
}

/** The sync wave of a raw annotation value (lib/verify/tree.ts wave). */
export function waveOf(w: unknown): number {
  return Number(w ?? 0);
}

/** A map's own field (as `valueAt` reads one). */
const own = (map: object, key: string): unknown => (Object.prototype.hasOwnProperty.call(map, key) ? (map as Record<string, unknown>)[key] : undefined);

/** The ref of a valid object of a tree (string apiVersion, kind and metadata.name: lib/verify/tree-of.ts). */
export function refOf(o: LoadedObject): ObjectRef {
  const metadata = own(o.obj, 'metadata');
  const ns = isMap(metadata) ? own(metadata, 'namespace') : undefined;
  const name = isMap(metadata) ? own(metadata, 'name') : undefined;
  const ref: { -readonly [K in keyof ObjectRef]: ObjectRef[K] } = { file: o.file, apiVersion: String(o.obj.apiVersion), kind: String(o.obj.kind), name: String(name) };
  if (typeof ns === 'string') ref.namespace = ns;
  else if (ns !== undefined) ref.rawNamespace = ns;
  return ref;
}

/** An entry made from a document, which it keeps private: a join reads its ref, its projection and (when asked) the document's digest. */
class DocumentEntry<P> implements Entry<P> {
  readonly #document: object;
  public constructor(public readonly ref: ObjectRef, public readonly group: string, public readonly id: string, public readonly p: P | undefined, document: object) {
    this.#document = document;
  }

  public get digest(): string {
    return documentDigest(this.#document);
  }
}

/** An object of a tree, read once per tree for every split rule (its index row): its entry without a projection (the row itself), its document and its facts. */
type Base = TreeRow;

/** The base of one object read from its document (when others of the tree are recorded: the tree's index would read theirs). */
function baseOf(tree: SplitTree, o: LoadedObject): Base {
  return TreeRow.of(o, tree.facts);
}

function recordedEntry<P>(r: Recorded, key: string): Entry<P> {
  return { ref: r.ref, group: apiGroup(r.ref.apiVersion), id: idOf(r.ref), digest: r.digest, p: r.p[key] as P | undefined };
}

function documentEntry<P>(b: Base, project: ((x: Subject) => P | undefined) | undefined): Entry<P> {
  // The row is the subject and, when the rule reads nothing of the object, its entry: no record per object per rule.
  const p = project?.(b);
  return p === undefined ? b : new DocumentEntry(b, b.group, b.id, p, b.obj);
}

/**
 * The entries of `rule` for every object of `tree`, in tree order: made from the documents, or,
 * for an object `recorded` gives, from what was recorded of it (its document is not read). A rule
 * that reads nothing of an object (no `project`) shares one list of entries per tree: the index's own
 * rows (lib/verify/tree-index.ts), which a join must not reorder.
 */
export function entriesOf<P>(tree: SplitTree, rule: Pick<SplitRule<P>, 'key' | 'project'>, recorded?: RecordedOf): readonly Entry<P>[] {
  const project = rule.project ? (x: Subject): P | undefined => rule.project!(x, tree.registry) : undefined;
  if (!recorded) {
    const list = treeIndex(tree).objects;
    return project ? list.map((b) => documentEntry(b, project)) : list;
  }
  return tree.objects.map((o) => {
    const r = recorded(o);
    return r ? recordedEntry<P>(r, rule.key) : documentEntry(baseOf(tree, o), project);
  });
}

/** Whether a ref is an Argo CD Application (lib/verify/tree.ts applicationsOf). */
export const isApplication = (e: Pick<Entry<unknown>, 'ref' | 'group'>): boolean => e.ref.kind === 'Application' && e.group === 'argoproj.io';

/** A source map as the joins read it. */
function sourceOf(s: JsonMap): SourceProjection {
  const out: { -readonly [K in keyof SourceProjection]: SourceProjection[K] } = {};
  if (s.repoURL !== undefined) out.repoURL = s.repoURL;
  if (s.path !== undefined) out.path = s.path;
  if (s.chart !== undefined) out.chart = s.chart;
  if (s.helm !== undefined) out.helm = true;
  return out;
}

/** What an Application gives the joins (every Argo CD Application: its wave and its sources). */
export const APP_PROJECTION: { readonly key: string; project(x: Subject, env: LocalEnv): AppProjection | undefined } = {
  key: 'app',
  project: ({ obj, ref, group }) => {
    if (!isApplication({ ref, group })) return undefined;
    const out: { -readonly [K in keyof AppProjection]: AppProjection[K] } = {};
    const w = valueAt(obj, ['metadata', 'annotations', ANNOTATIONS.syncWave]);
    if (w !== undefined) out.w = w;
    const source = mapAt(obj, 'spec.source');
    if (source) out.source = sourceOf(source);
    const sources = mapsAt(obj, 'spec.sources');
    if (sources.length) out.sources = sources.map(sourceOf);
    return out;
  },
};

/** An Application's sources: its `source` and its `sources` (lib/verify/tree.ts applicationSources). */
export function appSources(app: Entry<AppProjection>): readonly SourceProjection[] {
  const p = app.p;
  if (!p) return [];
  return p.source ? (p.sources ? [p.source, ...p.sources] : [p.source]) : p.sources ?? [];
}

/** Folders of an Application's sources in `repos` (lib/verify/tree.ts sourcePaths). */
export function appSourcePaths(app: Entry<AppProjection>, repos: ReadonlySet<string>): string[] {
  return appSources(app).filter((s) => typeof s.path === 'string' && repos.has(String(s.repoURL))).map((s) => String(s.path).replace(/\/+$/, ''));
}

/** Which Application syncs each layer folder (from dist/apps) and each app folder (from a layer), as lib/verify/tree-of.ts reads them from the documents. */
function applicationFolders(apps: readonly Entry<AppProjection>[]): Pick<TreeLevel, 'ownRepositories' | 'layerApps' | 'workloadApps' | 'secondApplications'> {
  const ownRepositories = new Set(apps.filter((a) => a.ref.file.startsWith('dist/apps/')).flatMap(appSources)
    .filter((s) => typeof s.path === 'string' && s.path.startsWith('dist/')).map((s) => String(s.repoURL)));
  const secondApplications: AppFinding[] = [];
  const layerApps = new Map<string, Entry<AppProjection>>();
  for (const app of apps.filter((a) => a.ref.file.startsWith('dist/apps/'))) {
    for (const p of appSourcePaths(app, ownRepositories)) {
      const m = /^dist\/([^/]+)$/.exec(p);
      if (!m || m[1] === 'apps') continue;
      if (layerApps.has(m[1])) secondApplications.push({ at: app.ref, message: `a second Application for dist/${m[1]} (also ${layerApps.get(m[1])!.ref.file})` });
      else layerApps.set(m[1], app);
    }
  }
  const workloadApps = new Map<string, { app: Entry<AppProjection>; layer: string }>();
  for (const app of apps.filter((a) => !a.ref.file.startsWith('dist/apps/'))) {
    const layer = layerOf(app.ref.file);
    for (const p of appSourcePaths(app, ownRepositories)) {
      if (!p.startsWith(`dist/${WORKLOADS_DIR}/`) || !layer) continue;
      if (workloadApps.has(p)) secondApplications.push({ at: app.ref, message: `a second Application for ${p} (also ${workloadApps.get(p)!.app.ref.file})` });
      else workloadApps.set(p, { app, layer });
    }
  }
  return { ownRepositories, layerApps, workloadApps, secondApplications };
}

const levels = new WeakMap<SplitTree, TreeLevel>();

/** The tree-level inputs of `tree` (its Applications made entries like any object: from `recorded` when it gives them). */
export function treeLevelOf(tree: SplitTree, recorded?: RecordedOf): TreeLevel {
  let level = recorded ? undefined : levels.get(tree);
  if (level) return level;
  let applications: readonly Entry<AppProjection>[] | undefined;
  let folders: ReturnType<typeof applicationFolders> | undefined;
  const appsOf = (): readonly Entry<AppProjection>[] => (applications ??= entriesOf(tree, APP_PROJECTION, recorded).filter(isApplication));
  const foldersOf = (): ReturnType<typeof applicationFolders> => (folders ??= applicationFolders(appsOf()));
  const owners = new Map<string, string | undefined>();
  level = {
    files: tree.files,
    facts: tree.facts,
    registry: tree.registry,
    read: (file) => {
      if (tree.read) return tree.read(file);
      const full = path.join(tree.root, file);
      return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : undefined;
    },
    get applications() {
      return appsOf();
    },
    get ownRepositories() {
      return foldersOf().ownRepositories;
    },
    get layerApps() {
      return foldersOf().layerApps;
    },
    get workloadApps() {
      return foldersOf().workloadApps;
    },
    get secondApplications() {
      return foldersOf().secondApplications;
    },
    ownerLayer: (file) => {
      if (owners.has(file)) return owners.get(file);
      const layer = layerOf(file) ?? foldersOf().workloadApps.get(folderOf(file))?.layer;
      owners.set(file, layer);
      return layer;
    },
  };
  if (!recorded) levels.set(tree, level);
  return level;
}

/** A finding of a split rule: its ref (or a file) and what it says. */
export interface SplitFinding {
  readonly at: ObjectRef | string;
  readonly message: string;
}

/**
 * The findings of `rule` over `tree`: its join over the entries of every object (from `recorded`
 * where it gives them), then its documents net over the documents of the objects it needs (a
 * recorded one through `materialise`, which parses what its synth recorded; the object itself
 * when not given).
 */
export function runSplit<P>(tree: SplitTree, rule: SplitRule<P>, recorded?: RecordedOf, materialise?: (o: LoadedObject) => LoadedObject): SplitFinding[] {
  const out: SplitFinding[] = [];
  const entries = entriesOf(tree, rule, recorded);
  const level = treeLevelOf(tree, recorded);
  rule.join(entries, level, (at, message) => out.push({ at, message }));
  const need = rule.documents?.need(entries, level);
  if (need) {
    const refs = new Map<LoadedObject, ObjectRef>();
    tree.objects.forEach((o, i) => {
      if (!need(entries[i].ref)) return;
      const m = recorded?.(o) && materialise ? materialise(o) : o;
      refs.set(m, entries[i].ref);
    });
    rule.documents!.join({ objects: [...refs.keys()], facts: tree.facts }, (o, message) => out.push({ at: refs.get(o)!, message }));
  }
  return out;
}
