import { sha256 } from '../cache-file';
import { dumpManifest, loadManifests } from '../k8s/manifest-yaml';
import type { ParseManifests } from '../k8s/tree';
import * as fs from 'fs';
import { HEADER, type RenderedFile, type StagedText } from './rendered-file';

/**
 * The render's manifests as text and as documents. The render serialises every object once, and
 * keeps the document it serialised (keys sorted, as in the file) beside the text: verify and the
 * HA model read those documents instead of parsing the text back, and the next synth reuses the
 * text of an object that did not change instead of serialising it again (./text-index.ts).
 */


/**
 * A copy of `value` as the render serialises it: every map's keys sorted (list order is kept), a
 * map's undefined values left out and a list's undefined (or missing) items null, as the YAML writer
 * does. `exact` says whether the copy holds only what YAML (and JSON) carry exactly, so that parsing
 * its YAML gives the copy back and its JSON names it: plain maps (no `__proto__` key), lists,
 * strings, booleans, null, and finite numbers other than -0. When it is not exact, readers parse
 * the file instead.
 */
export function canonicalDocument(value: unknown): { document: unknown; exact: boolean } {
  if (typeof value === 'object' && value !== null && canonical.has(value)) return { document: value, exact: true };
  let exact = true;
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v) || Object.is(v, -0)) exact = false;
      return v;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = new Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = v[i] === undefined ? null : copy(v[i]);
      return out;
    }
    if (typeof v === 'object') {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) exact = false;
      const out: Record<string, unknown> = {};
      // Sorted only when out of order: helm writes every map's keys sorted, and a chart's objects are most of what comes here.
      const keys = Object.keys(v);
      for (let i = 1; i < keys.length; i++) {
        if (!(keys[i - 1] < keys[i])) {
          keys.sort();
          break;
        }
      }
      for (const key of keys) {
        const item = (v as Record<string, unknown>)[key];
        if (item === undefined) continue;
        // Assigning `__proto__` sets the copy's prototype (as the writer's key sort always did): not a key any more.
        if (key === '__proto__') exact = false;
        out[key] = copy(item);
      }
      return out;
    }
    // undefined at the top, functions, symbols, bigints: the YAML writer decides (it throws on most).
    exact = false;
    return v;
  };
  const document = copy(value);
  return { document, exact };
}

/** Objects whose parts others hold (`markBorrowed`). */
const borrowed = new WeakSet<object>();

/**
 * Marks `value`, an object a `toJson` returns fresh at the top but holding maps or lists that
 * something else holds too (an upstream object's body, ./upstream-document.ts), as not the
 * caller's own below the top: `ownedCanonicalDocument` copies it whole, as `canonicalDocument` does.
 */
export function markBorrowed(value: object): void {
  borrowed.add(value);
}

/** What `canonicalParts` gives for a value it leaves to `canonicalDocument` (anything not exact, or not plainly so). */
const NOT_PLAIN = Symbol('not plain');

/**
 * `canonicalDocument` of `value`, which its caller owns: nothing else holds `value` or any map or
 * list in it, and nothing changes them afterwards (what cdk8s's `ApiObject.toJson` returns: fresh
 * maps and lists, made by its sanitizer, the generated types' mappers or a JSON patch of a deep
 * clone). The same document and the same `exact`, but a map or list of `value` that is already
 * what the copy would be (a plain map whose keys are sorted, with no undefined value, holding
 * only such maps, plain lists without undefined items, and exact scalars) is taken as it is
 * instead of copied: the copy is made only of the parts that differ (most often the top level,
 * where cdk8s puts `apiVersion`, `kind` and `metadata` first). Anything inexact, or not plainly
 * exact (a `__proto__` key, a map with a null prototype, a list of another class), is copied
 * whole by `canonicalDocument`.
 */
export function ownedCanonicalDocument(value: unknown): { document: unknown; exact: boolean } {
  if (typeof value === 'object' && value !== null && canonical.has(value)) return { document: value, exact: true };
  if (typeof value === 'object' && value !== null && borrowed.has(value)) return canonicalDocument(value);
  const document = canonicalParts(value);
  return document === NOT_PLAIN ? canonicalDocument(value) : { document, exact: true };
}

/**
 * `value` when it is its own canonical document (exact), else a copy that takes every part of it
 * that is as it is (`ownedCanonicalDocument`), or NOT_PLAIN.
 */
function canonicalParts(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0) ? value : NOT_PLAIN;
  if (typeof value !== 'object') return NOT_PLAIN;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return NOT_PLAIN;
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      // A missing or undefined item is null, as in canonicalDocument's copy.
      const part = item === undefined ? null : canonicalParts(item);
      if (part === NOT_PLAIN) return NOT_PLAIN;
      if (part !== item && out === undefined) out = value.slice(0, i);
      if (out !== undefined) out.push(part);
    }
    return out ?? value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return NOT_PLAIN;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const parts: unknown[] = new Array(keys.length);
  let same = true;
  let sorted = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === '__proto__') return NOT_PLAIN;
    if (i > 0 && !(keys[i - 1] < key)) same = sorted = false;
    const item = record[key];
    // Undefined values are left out of the copy.
    const part = item === undefined ? undefined : canonicalParts(item);
    if (part === NOT_PLAIN) return NOT_PLAIN;
    if (part !== item || item === undefined) same = false;
    parts[i] = part;
  }
  if (same) return value;
  // The keys as canonicalDocument's `sort()` orders them (code units; no two are equal).
  if (!sorted) sortByKey(keys, parts);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) if (parts[i] !== undefined) out[keys[i]] = parts[i];
  return out;
}

/** Lists up to this long are sorted by insertion, in place (no work array: most maps of a document have a few keys). */
export const INSERTION_SORT_MAX = 32;

/**
 * Sorts `keys` (unique) in code-unit order, as `sort()` does, moving each of `values` with its key;
 * both lists are the caller's own.
 */
export function sortByKey(keys: string[], values: unknown[]): void {
  const n = keys.length;
  if (n > INSERTION_SORT_MAX) {
    const order = keys.map((_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : 1));
    const k = order.map((i) => keys[i]);
    const v = order.map((i) => values[i]);
    for (let i = 0; i < n; i++) {
      keys[i] = k[i];
      values[i] = v[i];
    }
    return;
  }
  for (let i = 1; i < n; i++) {
    const key = keys[i];
    const value = values[i];
    let j = i - 1;
    for (; j >= 0 && keys[j] > key; j--) {
      keys[j + 1] = keys[j];
      values[j + 1] = values[j];
    }
    keys[j + 1] = key;
    values[j + 1] = value;
  }
}

/** Documents that are their own `canonicalDocument` (exact), deeply frozen: see `markCanonical`. */
const canonical = new WeakSet<object>();

/**
 * Marks `document`, an exact document `canonicalDocument` returned, as canonical: `canonicalDocument`
 * of it is then the document itself, not a copy, so a document made once (./upstream-document.ts)
 * is taken as it is by every render in the process, and hashed once (`documentDigest`). It is
 * frozen, every map and list in it, first: it is shared by every render that takes it, and the
 * readers of a render's documents (verify, the HA model) must not change them.
 */
export function markCanonical(document: object): void {
  freezeThroughout(document);
  canonical.add(document);
}

/** Freezes `value` and every map and list in it (one found frozen is taken as frozen throughout). */
export function freezeThroughout(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  if (Array.isArray(value)) for (const item of value) freezeThroughout(item);
  else for (const key of Object.keys(value)) freezeThroughout((value as Record<string, unknown>)[key]);
}

/** Digests of documents, by object: each document's JSON is hashed once per process (the render's and verify's check cache share it). */
const digests = new WeakMap<object, string>();

/**
 * Gives `document`, canonical (`markCanonical`), the digest `digest` without hashing it: a digest
 * remembered for the same document JSON (lib/render/upstream-document.ts `UpstreamDigestMemo`).
 */
export function rememberDigest(document: object, digest: string): void {
  if (!canonical.has(document)) throw new Error('rememberDigest: only a canonical document (markCanonical) keeps a digest given to it');
  if (!digests.has(document)) digests.set(document, digest);
}

/** The sha256 of a document's JSON (its keys in their order), once per object. */
export function documentDigest(doc: object): string {
  const d = digests.get(doc);
  return d === undefined ? documentJson(doc).digest : d;
}

/**
 * A document's JSON (its keys in their order) and its sha256 (`documentDigest`, remembered for the
 * object): for a caller that needs the JSON too (an app's render recorded for the next synth), so
 * that the document is not turned into JSON twice. The JSON is not kept.
 */
export function documentJson(doc: object): { readonly json: string; readonly digest: string } {
  const json = JSON.stringify(doc);
  let digest = digests.get(doc);
  if (digest === undefined) digests.set(doc, (digest = sha256(json)));
  return { json, digest };
}

/** The sha256 of a file's text, as the render index records it. */
export function textDigest(text: string): string {
  return sha256(text);
}

/** Texts of an earlier render that may stand for an object again: the text of `path` when it was written for the document with `digest`. */
export interface EarlierTexts {
  /** The earlier text of `path`, when it is known to be the serialisation of the document whose digest is `digest`, and that text's digest. */
  readonly reuse: (path: string, digest: string) => { readonly text: string; readonly textDigest: string } | undefined;
  /**
   * As `reuse`, without reading the text when the file on disk is trusted to hold it (its stat is
   * the one recorded with its digest): `text` reads it (given its path) when first asked, undefined when it cannot.
   * @default - `reuse`
   */
  readonly reuseLater?: (path: string, digest: string) => { readonly text: string | ((path: string) => string | undefined); readonly textDigest: string } | undefined;
}

/**
 * What the render remembers of one manifest it made: its file, the document it reads back as
 * (exact manifests only), and the digests the render index records.
 */
interface Serialised {
  readonly file: RenderedFile;
  /** The exact document serialised there; absent when not exact (and, but for an earlier file, once released). */
  readonly document: object | undefined;
  /** Its `documentDigest`, in a render given `earlier` texts. */
  readonly docDigest: string | undefined;
  /** The sha256 of its text, when known without hashing it (an earlier text reused). */
  readonly textDigest: string | undefined;
  /** Lets go of the document, if it can (`RenderedDocuments.release`). */
  forget(): void;
}

/** The record of a manifest whose earlier text the render holds, already read. */
class ReusedText implements Serialised {
  public constructor(public readonly file: RenderedFile, public document: object | undefined, public readonly docDigest: string | undefined, public readonly textDigest: string | undefined) {}

  public forget(): void {
    this.document = undefined;
  }
}

/**
 * A file the render made, and its own record in the render (`Serialised`): one object per manifest
 * of a full render, not a file and a record.
 *
 * The text of an exact document is made from the document when first read (the staging, as a
 * rule), not when the render makes the file; once the file is staged (`staged`) the text is let go
 * of and its digest kept. So the texts of a render (70 MB at 5,000 apps) are never all held at once:
 * not beside the simulation, and not beside verify, which reads the documents. A read after that
 * serialises the document again: the same bytes, as the document is not changed once rendered (the
 * render's documents are shared with verify and the HA model on that same promise). Once the
 * document is let go of too (`forget`, after the swap), the first read reads the file it was
 * written to (and keeps it), and throws when that file's bytes are no longer the text (changed since).
 *
 * Its own fields are a file's (`path`, `content`: the text an own enumerable getter, one descriptor
 * shared by every made file, so they keep one shape), so that it reads, compares, spreads and writes
 * as JSON as a plain `{ path, content }`; what the render remembers of it is private.
 */
class MadeFile implements RenderedFile, Serialised, StagedText {
  static readonly #content: PropertyDescriptor = {
    enumerable: true,
    get(this: MadeFile): string {
      return this.#textNow();
    },
  };

  declare public readonly content: string;
  /** The text: made eagerly for a file that is not an exact document, else when first read; let go of once staged. */
  #text: string | undefined;
  #document: object | undefined;
  readonly #docDigest: string | undefined;
  /** The sha256 of the text and the file it was written to, once staged. */
  #staged: { readonly digest: string; readonly file: string } | undefined;

  public constructor(public readonly path: string, text: string | undefined, document: object | undefined, docDigest: string | undefined) {
    if (text === undefined && document === undefined) throw new Error(`${path}: a made file needs its text or its document`);
    Object.defineProperty(this, 'content', MadeFile.#content);
    this.#text = text;
    this.#document = document;
    this.#docDigest = docDigest;
  }

  #textNow(): string {
    if (this.#text !== undefined) return this.#text;
    if (this.#document !== undefined) {
      const text = HEADER + dumpManifest(this.#document);
      if (this.#staged === undefined) this.#text = text;
      return text;
    }
    // Staged, and its document let go of: read back once (synth's callers read none; the summary compares digests).
    return (this.#text = writtenText(this.path, this.#staged!));
  }

  /** Its text was written (into a staging folder, to be moved to `final`), with sha256 `digest`: the text is let go of when the document can make it again. */
  public staged(digest: string, final: string): void {
    if (this.#document === undefined) return;
    this.#staged = { digest, file: final };
    this.#text = undefined;
  }

  /** The sha256 of its text once staged (`RenderedFile.digest`: known without hashing it); a getter on the prototype, not one of its own fields. */
  public get digest(): string | undefined {
    return this.#staged?.digest;
  }

  public get file(): RenderedFile {
    return this;
  }

  public get document(): object | undefined {
    return this.#document;
  }

  public get docDigest(): string | undefined {
    return this.#docDigest;
  }

  /** The sha256 of its text, once staged (the writer hashed the bytes it wrote). */
  public get textDigest(): string | undefined {
    return this.#staged?.digest;
  }

  /** Lets go of the document (`RenderedDocuments.release`); a file staged reads its text from the file written, one never staged makes its text first. */
  public forget(): void {
    if (this.#staged === undefined) this.#textNow();
    this.#document = undefined;
  }
}

/**
 * The text a made file was written with, read from `file` (after the swap moved it there): its
 * bytes, when their sha256 is still `digest`.
 */
function writtenText(path: string, staged: { readonly digest: string; readonly file: string }): string {
  let text: string | undefined;
  try {
    text = fs.readFileSync(staged.file, 'utf8');
  } catch {
    text = undefined;
  }
  if (text === undefined || sha256(text) !== staged.digest) {
    throw new Error(`${path}: synth wrote this file and let go of its text, and ${staged.file} no longer holds it (changed or removed since); run synth again`);
  }
  return text;
}

/**
 * A file at `path` whose text is the earlier one that `read` gives, read when first asked: that
 * text when its sha256 is still `digest` (the file on disk changed since it was listed otherwise),
 * else `document` serialised again (the same bytes, as the render index vouches). It is its own
 * record in the render (`Serialised`): one object per unchanged manifest, not a file, a record
 * and a list of one document (tens of thousands per synth, each living to its end).
 *
 * A class, so that its lazy `content` is a getter on the prototype. An object literal with a
 * getter is made in dictionary mode, its getter a closure of its own: about 0.7 KB a file where
 * an instance is about 60 bytes.
 */
class EarlierFile implements RenderedFile, Serialised {
  private text?: string;
  public constructor(public readonly path: string, public readonly digest: string, private readonly read: (path: string) => string | undefined, public readonly document: object, public readonly docDigest: string) {}

  public get content(): string {
    if (this.text === undefined) {
      const earlier = this.read(this.path);
      this.text = earlier !== undefined && sha256(earlier) === this.digest ? earlier : HEADER + dumpManifest(this.document);
    }
    return this.text;
  }

  public get file(): RenderedFile {
    return this;
  }

  public get textDigest(): string {
    return this.digest;
  }

  /** Keeps the document: its content may still need it, if its file changed on disk (`RenderedDocuments.released` hides it from readers). */
  public forget(): void {}
}

/** How `RenderedDocuments.file` makes a file. */
export interface FileOptions {
  /**
   * In a render given `earlier` texts, keep the JSON the document's digest was taken of for
   * `takeJson` (an app's render recorded for the next synth holds it).
   * @default false
   */
  readonly keepJson?: boolean;
  /**
   * The caller owns the object (see `ownedCanonicalDocument`): its maps and lists that are already
   * as the file sorts them become part of the document instead of being copied.
   * @default false
   */
  readonly owned?: boolean;
}

/**
 * The manifests of one render, by path: each file's text and the documents it reads back as. `parse`
 * reads a file as `loadManifests` does, without parsing when the text is exactly the one serialised
 * for that path (a text changed since, or another file, is parsed).
 */
export class RenderedDocuments {
  private readonly byPath = new Map<string, Serialised>();
  /** Whether the documents were let go of (`release`): an earlier file keeps its own, to serialise it again if its file changed on disk. */
  private released = false;
  /** The JSON of documents whose callers asked to keep it (`FileOptions.keepJson`), until taken (`takeJson`). */
  private readonly jsons = new Map<string, string>();
  /** Manifests serialised in this render, and those whose earlier text was reused. */
  public dumped = 0;
  public reused = 0;

  /** @param earlier texts of an earlier render to reuse for unchanged objects; given, the render can be indexed (`index()`). @default - every object is serialised */
  public constructor(private readonly earlier?: EarlierTexts) {}

  /** The file text of `obj` at `path` (the header, then its YAML with keys sorted: lib/k8s/manifest-yaml.ts), remembering its document. */
  public serialise(path: string, obj: unknown): string {
    return this.file(path, obj).content;
  }

  /**
   * The file at `path` of `obj` (`serialise`'s text). An unchanged object whose earlier text the
   * file on disk is trusted to hold gives a file whose text is read only when asked (its `digest`
   * is known): the render of thousands of unchanged apps reads none of their files. See `FileOptions`.
   */
  public file(path: string, obj: unknown, options: FileOptions = {}): RenderedFile {
    const { document, exact } = options.owned ? ownedCanonicalDocument(obj) : canonicalDocument(obj);
    // A manifest is a map: anything else (or anything inexact) is read by parsing its file.
    if (!exact || document === null || typeof document !== 'object') {
      this.dumped++;
      const file = new MadeFile(path, HEADER + dumpManifest(document), undefined, undefined);
      this.byPath.set(path, file);
      return file;
    }
    // Hashed only for a render that reuses and indexes texts (synth's), before any reader holds the document.
    if (!this.earlier) return this.exactFile(path, document, undefined);
    if (!options.keepJson) return this.exactFile(path, document, documentDigest(document));
    const { json, digest } = documentJson(document);
    this.jsons.set(path, json);
    return this.exactFile(path, document, digest);
  }

  /** The JSON of the document at `path` that `file` kept (`FileOptions.keepJson`), once: it is forgotten as it is taken. */
  public takeJson(path: string): string | undefined {
    const json = this.jsons.get(path);
    this.jsons.delete(path);
    return json;
  }

  /**
   * The file text at `path` of a document known from an earlier render of the same inputs (an app's
   * render, ./app-renders.ts): `document` is exact and canonical, `digest` its `documentDigest`.
   * The same text, and the same records, as `serialise` of the object it was serialised from.
   */
  public serialiseKnown(path: string, document: object, digest: string): string {
    return this.knownFile(path, document, digest).content;
  }

  /** The file at `path` of a known document (`serialiseKnown`'s text; see `file`). */
  public knownFile(path: string, document: object, digest: string): RenderedFile {
    if (!digests.has(document)) digests.set(document, digest);
    return this.exactFile(path, document, this.earlier ? digest : undefined);
  }

  /**
   * The file at `path` of the exact, canonical `document`: the earlier render's text when `digest`
   * (given only for a render with `earlier` texts) is the one it was written for, else serialised;
   * remembers the document and its digest for `parse`, `documentsOf` and `index()`.
   */
  private exactFile(path: string, document: object, digest: string | undefined): RenderedFile {
    const earlier = digest === undefined ? undefined : this.earlier?.reuseLater ? this.earlier.reuseLater(path, digest) : this.earlier?.reuse(path, digest);
    if (earlier) {
      this.reused++;
      const text = earlier.text;
      if (typeof text !== 'string') {
        const lazy = new EarlierFile(path, earlier.textDigest, text, document, digest!);
        this.byPath.set(path, lazy);
        return lazy;
      }
      const file = { path, content: text, digest: earlier.textDigest };
      this.byPath.set(path, new ReusedText(file, document, digest, earlier.textDigest));
      return file;
    }
    this.dumped++;
    // The text is made when first read (./rendered-file.ts StagedText): see MadeFile.
    const file = new MadeFile(path, undefined, document, digest);
    this.byPath.set(path, file);
    return file;
  }

  /** The exact document serialised at `path` in this render and its digest, when it has one (a render given `earlier` texts). */
  public known(path: string): { readonly document: object; readonly digest: string } | undefined {
    const s = this.byPath.get(path);
    return s?.document && s.docDigest !== undefined && !this.released ? { document: s.document, digest: s.docDigest } : undefined;
  }

  /** The documents of the manifest file `file` whose text is `text`: the serialised ones when the text is theirs, else parsed (`loadManifests`). */
  public readonly parse: ParseManifests = (text, file) => {
    const known = this.byPath.get(file);
    return known?.document && !this.released && known.file.content === text ? [known.document] : loadManifests(text, file);
  };

  /**
   * The documents of `file` when it is the very file this render made at its path, or holds the same
   * text by digest (its text is not read); else undefined (the caller parses its text).
   */
  public readonly documentsOf = (file: RenderedFile): unknown[] | undefined => {
    const known = this.byPath.get(file.path);
    return known?.document && !this.released && (known.file === file || (known.file.digest !== undefined && known.file.digest === file.digest)) ? [known.document] : undefined;
  };

  /**
   * Lets go of every document (the largest part of a render of thousands of apps), keeping the files
   * and digests (`index()`): for a caller whose readers of documents are done (synth's, once the
   * render was verified), so that what it does after does not add to its peak memory. Afterwards no
   * file has documents (`parse` parses, `documentsOf` and `known` give undefined).
   */
  public release(): void {
    this.released = true;
    for (const s of this.byPath.values()) s.forget();
    this.jsons.clear();
  }

  /** Path to the digest of the document serialised there and of its text, for every exact manifest of a render given `earlier` texts (what ./text-index.ts saves). */
  public index(): Map<string, readonly [string, string]> {
    const out = new Map<string, readonly [string, string]>();
    for (const [path, s] of this.byPath) if (s.docDigest !== undefined) out.set(path, [s.docDigest, s.textDigest ?? textDigest(s.file.content)]);
    return out;
  }
}
