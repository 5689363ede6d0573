import * as path from 'path';
import { factsOf, ObjectFacts, PlatformFacts } from '../facts/facts';
import { apiGroup, identity, isMap, JsonMap } from '../k8s/manifest';
import type { LoadedObject } from '../k8s/tree';
import { documentDigest } from '../render/documents';
import type { Entry, ObjectRef, Subject } from './split-entry';
import { NON_LAYER_DIRS } from './tree';

/**
 * What several verify rules read of every object, read once per tree: its API group, identity,
 * namespace, declared facts and the layer it syncs with. The rules then combine these small
 * per-object facts instead of walking each object's fields again (35,000 objects at 5,000 apps).
 */

/** What the rules read of one object of the tree. */
export interface IndexedObject {
  readonly o: LoadedObject;
  /** The API group of its apiVersion (core group ""). */
  readonly group: string;
  readonly kind: string;
  /** metadata.namespace when it is a string. */
  readonly namespace: string | undefined;
  /** `group/Kind/namespace/name` (lib/k8s/manifest.ts identity): also the key of its facts. */
  readonly id: string;
  /** What the platform declares about it (lib/facts). */
  readonly facts: ObjectFacts | undefined;
  /** Whether it is in dist/ (else argocd/). */
  readonly inDist: boolean;
}

/** The shape of a tree the index reads (lib/verify/rules.ts Tree). */
export interface IndexedTree {
  readonly objects: readonly LoadedObject[];
  readonly facts: ReadonlyMap<string, ObjectFacts>;
  readonly workloadApps?: ReadonlyMap<string, { readonly layer: string }>;
}

/** A map's own field (as `valueAt` reads one). */
const own = (map: object, key: string): unknown => (Object.prototype.hasOwnProperty.call(map, key) ? (map as Record<string, unknown>)[key] : undefined);

/**
 * One object of a tree as every rule reads it, in one record: what the index reads of it
 * (`IndexedObject`), who it is (`ObjectRef`) and its entry for a split rule that reads nothing of
 * it (`Entry`: `ref` is the row itself, the digest worked out when read), and what a rule's
 * `project` reads of it (`Subject`). One record per object,
 * not four: at 5,000 apps a synth keeps some 40,000 of them to its end, and the young-generation
 * collector copies every one (docs/design/files-as-blocks.md, S5.2).
 */
export class TreeRow implements IndexedObject, ObjectRef, Entry<never>, Subject {
  public readonly file: string;
  public readonly apiVersion: string;
  public readonly kind: string;
  public readonly namespace: string | undefined;
  public readonly rawNamespace: unknown;
  public readonly name: string;
  public readonly group: string;
  public readonly id: string;
  public readonly inDist: boolean;
  public readonly facts: ObjectFacts | undefined;

  /** The object as the tree holds it: the row itself when verify read the tree (`TreeRow.maker`), else what the tree was given. */
  public readonly o: LoadedObject;

  /**
   * @param file the path of its file, relative to the tree's root
   * @param obj its document
   * @param factsFrom the tree's facts: the row's are those of its identity (lib/facts factsOf)
   * @param o the object as the tree holds it @default - the row
   */
  public constructor(file: string, public readonly obj: JsonMap, public readonly factsFrom: PlatformFacts, o?: LoadedObject) {
    this.o = o ?? this;
    const group = apiGroup(obj.apiVersion);
    const metadata = own(obj, 'metadata');
    const ns = isMap(metadata) ? own(metadata, 'namespace') : undefined;
    const name = isMap(metadata) ? own(metadata, 'name') : undefined;
    // As `identity` and `factsOf` read it, written out for the objects of a tree (kind and name are strings).
    const plain = typeof obj.kind === 'string' && typeof name === 'string';
    this.file = file;
    this.apiVersion = String(obj.apiVersion);
    this.kind = String(obj.kind);
    this.namespace = typeof ns === 'string' ? ns : undefined;
    // As refOf (lib/verify/split-rule.ts): a namespace that is there but not a string.
    this.rawNamespace = typeof ns === 'string' ? undefined : ns;
    this.name = String(name);
    this.group = group;
    this.id = plain ? `${group}/${obj.kind}/${ns ?? ''}/${name}` : identity(obj);
    this.inDist = file.startsWith('dist/');
    this.facts = !factsFrom.size ? undefined : plain ? factsFrom.get(this.id) : factsOf(factsFrom, obj);
  }

  /** The row of `o` in a tree whose facts are `facts`: `o` itself when it is such a row already. */
  public static of(o: LoadedObject, facts: PlatformFacts): TreeRow {
    return o instanceof TreeRow && o.factsFrom === facts ? o : new TreeRow(o.file, o.obj, facts, o);
  }

  /** How verify reads a tree's objects (lib/k8s/tree.ts loadFiles' `make`): each object its own row, so the index makes no second record of it. */
  public static maker(facts: PlatformFacts): (file: string, obj: JsonMap) => TreeRow {
    return (file, obj) => new TreeRow(file, obj, facts);
  }

  /** The row is its own ref. */
  public get ref(): ObjectRef {
    return this;
  }

  /** The row is its own entry (a split rule's, without a projection). */
  public get entry(): Entry<never> {
    return this;
  }

  public get digest(): string {
    return documentDigest(this.obj);
  }

  /** As JSON, the row is its ref (as refOf makes it: lib/verify/split-rule.ts), never its document: a ref written into a cache stays a ref. */
  public toJSON(): ObjectRef {
    const ref: { -readonly [K in keyof ObjectRef]: ObjectRef[K] } = { file: this.file, apiVersion: this.apiVersion, kind: this.kind, name: this.name };
    if (this.namespace !== undefined) ref.namespace = this.namespace;
    else if (this.rawNamespace !== undefined) ref.rawNamespace = this.rawNamespace;
    return ref;
  }
}

/** The index of one tree. */
export interface TreeIndex {
  /** Every object, in the tree's order. */
  readonly objects: readonly TreeRow[];
  /** Objects of dist/ by metadata.namespace, in the tree's order. */
  readonly distByNamespace: ReadonlyMap<string | undefined, readonly LoadedObject[]>;
  /** The layer a file syncs with (`ownerLayer`), remembered per file. */
  readonly ownerLayer: (file: string) => string | undefined;
}

/** The layer folder a file belongs to (`dist/<layer>/...`), if any. */
export function layerOf(file: string): string | undefined {
  const m = /^dist\/([^/]+)\//.exec(file);
  return m && !NON_LAYER_DIRS.has(m[1]) ? m[1] : undefined;
}

/** The layer a file syncs with: its layer folder's, or for an app folder the layer whose Application syncs it. */
export function ownerLayer(tree: Pick<IndexedTree, 'workloadApps'>, file: string): string | undefined {
  return layerOf(file) ?? tree.workloadApps?.get(folderOf(file))?.layer;
}

/** `path.posix.dirname(file)`, without its general case for a file's path of the tree (`dist/...`: a slash inside, none at the end). */
export function folderOf(file: string): string {
  const last = file.lastIndexOf('/');
  return last > 0 && last < file.length - 1 && file.charCodeAt(last - 1) !== 47 ? file.slice(0, last) : path.posix.dirname(file);
}

/** Maps of maps a memo keeps its answers in (`Map` or, keyed by a tree, `WeakMap`). */
interface TwoKeyMemo<A, B, V> {
  get(a: A): Map<B, V> | undefined;
  set(a: A, byB: Map<B, V>): unknown;
}

/** The answer for `a` and `b` in `memo`, worked out by `compute` the first time it is asked. */
export function memoised<A, B, V>(memo: TwoKeyMemo<A, B, V>, a: A, b: B, compute: () => V): V {
  let byB = memo.get(a);
  if (!byB) memo.set(a, (byB = new Map()));
  let value = byB.get(b);
  if (value === undefined && !byB.has(b)) byB.set(b, (value = compute()));
  return value as V;
}

const indexes = new WeakMap<IndexedTree, TreeIndex>();

/** The index of `tree`, built on first use (a tree is not changed once built). */
export function treeIndex(tree: IndexedTree): TreeIndex {
  let index = indexes.get(tree);
  if (index === undefined) indexes.set(tree, (index = buildIndex(tree)));
  return index;
}

function buildIndex(tree: IndexedTree): TreeIndex {
  const facts = tree.facts;
  const distByNamespace = new Map<string | undefined, LoadedObject[]>();
  const objects = tree.objects.map((o) => {
    const row = TreeRow.of(o, facts);
    if (row.inDist) {
      const list = distByNamespace.get(row.namespace);
      if (list) list.push(o);
      else distByNamespace.set(row.namespace, [o]);
    }
    return row;
  });
  const layers = new Map<string, string | undefined>();
  const ownerLayerOf = (file: string): string | undefined => {
    if (layers.has(file)) return layers.get(file);
    const layer = ownerLayer(tree, file);
    layers.set(file, layer);
    return layer;
  };
  return { objects, distByNamespace, ownerLayer: ownerLayerOf };
}
