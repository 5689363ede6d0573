import * as fs from 'fs';
import { isDeepStrictEqual } from 'util';
import { checkedCacheText, readCheckedCache, sha256, writeCacheFile } from '../cache-file';
import type { PlatformFacts } from '../facts/facts';
import { apiGroup, isCrd, isMap, JsonMap } from '../k8s/manifest';
import { documentDigest } from '../render/documents';
import { registerCrds, Tree } from './rules';
import { APP_PROJECTION, LocalEnv, SplitRule, Subject } from './split-rule';
import { TreeRow } from './tree-index';

/**
 * Where synth keeps what the last tree it verified and swapped in was made of (relative to the
 * checkout, git-ignored): each file's objects by document digest, the list of files, the facts and
 * the schemas each kind is held to (the Kubernetes definitions, vendored and rendered CRDs). A split rule (./split-rule.ts) gives the same findings on two trees
 * whose entries and tree-level inputs are the same; that last tree passed every rule (synth swaps
 * in nothing else); so on a tree that differs from it only in a few objects whose identity and
 * every projection of a rule are the same as before, that rule finds nothing either, and verify
 * need not make every object's entry and join them again (`unchangedRules`).
 */
export const VERIFIED_TREE_FILE = '.synth-cache/verified-tree.digests';

/** The layout of the file; another version is ignored. */
const FORMAT = 1;

/**
 * A tree differing from the verified one in more files than this is verified in full: reading the
 * earlier files back costs more than it saves, and a change that wide changes most projections.
 */
export const MOST_CHANGED_FILES = 200;

/**
 * What a split rule may read of a tree, as digests: the list of files, the facts, the schemas its
 * kinds are held to and, per file (in the tree's order), the document digests of its objects (a file
 * without objects: empty, since no split rule that `unchangedRules` may leave out reads a file's text).
 */
export interface TreeDigests {
  readonly files: string;
  readonly facts: string;
  readonly schemas: string;
  /** Per file of the tree, in its order: its objects' document digests, joined by spaces. */
  readonly digests: readonly string[];
}

let runtime: string | undefined;

/**
 * What the rules' verdicts depend on besides lib/ (the checks' code fingerprint): Node's version
 * (its URL parser: verify/sso-clients) and the YAML parser's (argocd-cm's exclusions, Envoy
 * Gateway's configuration: verify/excluded-resources, verify/route-reach).
 */
function runtimeVersions(): string {
  if (runtime === undefined) {
    let yaml = 'unknown';
    try {
      yaml = (JSON.parse(fs.readFileSync(require.resolve('yaml/package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // No package.json to read: Node's version and the code's fingerprint still tell runs apart.
    }
    runtime = `node@${process.version} yaml@${yaml}`;
  }
  return runtime;
}

/** The digest of a facts map: its identities sorted, each with the JSON of its facts. */
function factsDigest(facts: PlatformFacts): string {
  const keys = [...facts.keys()].sort();
  return sha256(JSON.stringify(keys.map((k) => [k, facts.get(k)])));
}

/**
 * The digest of the schemas the tree's objects are held to: the Kubernetes definitions, and each
 * kind's schema identity (./schemas.ts `schemaIdentity`, with the tree's CRDs registered: a
 * vendored CRD schema file re-vendored changes it, which neither lib/ nor the definitions show).
 */
function schemasDigest(tree: Tree): string {
  registerCrds(tree);
  const kinds = new Map<string, string>();
  for (const o of tree.objects) {
    const gvk = `${String(o.obj.apiVersion)}\0${String(o.obj.kind)}`;
    if (!kinds.has(gvk)) kinds.set(gvk, tree.registry.schemaIdentity(o.obj));
  }
  return sha256(JSON.stringify([tree.registry.definitionsDigest, [...kinds].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))]));
}

/** The digests of `tree` (`TreeDigests`). */
export function treeDigests(tree: Tree): TreeDigests {
  const digests: string[] = tree.files.map(() => '');
  // The objects come in the order of their files (lib/k8s/tree.ts loadFiles): one pass over both, else by a map of the files.
  let at = 0;
  let index: Map<string, number> | undefined;
  for (const o of tree.objects) {
    let i = -1;
    if (!index) {
      while (at < tree.files.length && tree.files[at] !== o.file) at++;
      if (at < tree.files.length) i = at;
      else index = new Map(tree.files.map((f, j) => [f, j]));
    }
    if (index) i = index.get(o.file) ?? -1;
    if (i < 0) continue;
    const digest = documentDigest(o.obj);
    digests[i] = digests[i] ? `${digests[i]} ${digest}` : digest;
  }
  return { files: sha256(JSON.stringify(tree.files)), facts: factsDigest(tree.facts), schemas: schemasDigest(tree), digests };
}

/** What `unchangedRules` found: the rules that need not run, how many files changed, and why no rule was left out (when none was). */
export interface Unchanged {
  /** The ids of the rules whose findings are those of the verified tree: none. */
  readonly rules: ReadonlySet<string>;
  /** The files whose objects differ from the verified tree's. */
  readonly changed: number;
  /** Why every rule runs. @default - some rule is left out, or every rule was asked about */
  readonly why?: string;
  /**
   * The changed files, when every other object is known to pass verify's per-object checks
   * (schemas, secrets): each is the same document as in the verified tree, held to the same
   * schemas (no CRD changed, the same schema identities and code), and no ExternalSecret changed (which
   * Secrets come from Bitwarden decides whether a literal leaks). @default - every object is checked
   */
  readonly perObject?: ReadonlySet<string>;
}

const none = (why: string, changed = 0): Unchanged => ({ rules: new Set(), changed, why });

/** Whether a rule's findings may depend on more than its entries' refs and projections and the tree level's files, facts, definitions and Applications. */
function readsBeyondProjections(rule: SplitRule<unknown>): boolean {
  return rule.readsBeyondProjections === true || rule.documents !== undefined;
}

/** Whether an object is an ExternalSecret, as verify/secrets reads which Secrets they make (./rules.ts checkSecrets). */
const isExternalSecret = (obj: JsonMap): boolean => obj.kind === 'ExternalSecret' && apiGroup(obj.apiVersion) === 'external-secrets.io';

/** The same ref (file, apiVersion, kind, namespace, name). */
const sameRef = (a: TreeRow, b: TreeRow): boolean => a.file === b.file && a.apiVersion === b.apiVersion && a.kind === b.kind && a.namespace === b.namespace
  && isDeepStrictEqual(a.rawNamespace, b.rawNamespace) && a.name === b.name && a.id === b.id;

/**
 * The split rules among `rules` whose findings on `tree` are those they had on the tree that
 * `before` describes (`treeDigests` of it), which passed them: none. `now` is `treeDigests(tree)`;
 * `previous` gives the documents of a file of the earlier tree (synth reads them back from the
 * outputs), checked against `before`'s digests. A rule is left out when the files, the facts and
 * the schemas (each kind's identity) are the same, every changed file holds objects of the same identities (none a
 * CRD) whose Application projection is the same, and every changed object's projection for that
 * rule is the same; a rule that reads digests, file texts or documents (`readsBeyondProjections`,
 * a documents net) always runs. Anything unsure (an earlier file gone or edited, a file that does
 * not read) makes every rule run.
 */
export function unchangedRules(tree: Tree, now: TreeDigests, before: TreeDigests, previous: (file: string) => readonly unknown[] | undefined, rules: readonly SplitRule<unknown>[]): Unchanged {
  for (const key of ['files', 'facts', 'schemas'] as const) if (before[key] !== now[key]) return none(`${key} differ from the verified tree's`);
  if (before.digests.length !== tree.files.length || now.digests.length !== tree.files.length) return none('files differ from the verified tree\'s');
  const changed: string[] = [];
  const was = new Map<string, string>();
  tree.files.forEach((file, i) => {
    if (before.digests[i] === now.digests[i]) return;
    changed.push(file);
    was.set(file, before.digests[i]);
  });
  if (changed.length > MOST_CHANGED_FILES) return none(`${changed.length} files changed`, changed.length);
  const wanted = new Set(changed);
  const rowsNow = new Map<string, TreeRow[]>();
  for (const o of tree.objects) {
    if (!wanted.has(o.file)) continue;
    const list = rowsNow.get(o.file);
    const row = TreeRow.of(o, tree.facts);
    if (list) list.push(row);
    else rowsNow.set(o.file, [row]);
  }
  const pairs: [TreeRow, TreeRow][] = [];
  for (const file of changed) {
    const docs = previous(file);
    if (!docs) return none(`${file} of the verified tree cannot be read back`, changed.length);
    const earlier: TreeRow[] = [];
    for (const doc of docs) {
      if (doc === null || doc === undefined) continue;
      if (!isMap(doc)) return none(`${file} of the verified tree holds a document that is not a map`, changed.length);
      earlier.push(new TreeRow(file, doc, tree.facts));
    }
    if (earlier.map((r) => documentDigest(r.obj)).join(' ') !== was.get(file)) return none(`${file} is not what the verified tree held`, changed.length);
    const later = rowsNow.get(file) ?? [];
    if (later.length !== earlier.length) return none(`${file} holds another number of objects`, changed.length);
    for (let i = 0; i < later.length; i++) {
      const [a, b] = [earlier[i], later[i]];
      if (!sameRef(a, b)) return none(`${file} holds an object of another identity`, changed.length);
      if (isCrd(a.obj) || isCrd(b.obj)) return none(`${file} holds a CustomResourceDefinition`, changed.length);
      pairs.push([a, b]);
    }
  }
  const perObject = pairs.some(([a, b]) => isExternalSecret(a.obj) || isExternalSecret(b.obj)) ? undefined : wanted;
  const env: LocalEnv = tree.registry;
  const same = (project: (x: Subject, env: LocalEnv) => unknown): boolean => pairs.every(([a, b]) => isDeepStrictEqual(project(a, env), project(b, env)));
  if (!same(APP_PROJECTION.project)) return { ...none('an Application changed', changed.length), ...(perObject ? { perObject } : {}) };
  const out = new Set<string>();
  for (const rule of rules) {
    if (readsBeyondProjections(rule)) continue;
    if (!rule.project || same((x, e) => rule.project!(x, e))) out.add(rule.id);
  }
  return { rules: out, changed: changed.length, ...(perObject ? { perObject } : {}) };
}

/**
 * The last verified tree's digests (`VERIFIED_TREE_FILE`: a checked cache file, its header then one
 * line per file), and this run's, saved only once the tree they describe was verified and swapped
 * in. An optimisation only: a file that does not read, is not intact, of another layout or written
 * by other code is ignored (every rule runs), and the files it describes are checked against it.
 */
export class VerifiedTree {
  /** The code the record is valid for: the checks' fingerprint, Node's and the YAML parser's versions. */
  private readonly code: string;
  private readonly stored?: TreeDigests;
  private next?: TreeDigests;

  /** The file at `file` (absolute), valid when written by `code` (the checks' code fingerprint) on the same versions of Node and the YAML parser. */
  public constructor(private readonly file: string, code: string) {
    this.code = `${code} ${runtimeVersions()}`;
    const body = readCheckedCache(file);
    const eol = body?.indexOf('\n') ?? -1;
    if (body === undefined || eol < 0) return;
    try {
      const header = JSON.parse(body.slice(0, eol)) as Partial<{ format: number; code: string } & Omit<TreeDigests, 'digests'>>;
      if (header.format !== FORMAT || header.code !== this.code || typeof header.files !== 'string' || typeof header.facts !== 'string' || typeof header.schemas !== 'string') return;
      this.stored = { files: header.files, facts: header.facts, schemas: header.schemas, digests: body.slice(eol + 1).split('\n') };
    } catch {
      // Not JSON: ignored, as any cache that does not read.
    }
  }

  /** `unchangedRules` of `tree` against the last verified tree; remembers `tree`'s digests for `save`. */
  public unchanged(tree: Tree, previous: (file: string) => readonly unknown[] | undefined, rules: readonly SplitRule<unknown>[]): Unchanged {
    const now = treeDigests(tree);
    this.next = now;
    return this.stored ? unchangedRules(tree, now, this.stored, previous, rules) : none('no verified tree recorded');
  }

  /** Records the tree last given to `unchanged` as verified (call only once it passed and was swapped in); never throws. */
  public save(): void {
    const next = this.next;
    if (!next) return;
    const header = JSON.stringify({ format: FORMAT, code: this.code, files: next.files, facts: next.facts, schemas: next.schemas });
    writeCacheFile(this.file, checkedCacheText(`${header}\n${next.digests.join('\n')}`));
  }
}
