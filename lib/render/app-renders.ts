import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { appendCacheFile, isJsonExact, jsonTextOf, sha256, writeCacheFile } from '../cache-file';

/**
 * Where synth keeps, for each app, the documents its chart rendered last (relative to the checkout,
 * git-ignored): the next synth takes an unchanged app's documents from here instead of turning its
 * objects into JSON, sorting their keys and hashing them again (lib/render/render.ts), and
 * without building its constructs: what they added to the Inventory and the facts they declared
 * are recorded with the documents and given again (lib/paas/workload-chart.ts).
 */
export const APP_RENDERS_FILE = '.synth-cache/app-renders.lines';

/** The layout of the file; another version is ignored. */
const FORMAT = 2;

/** Stands for what JSON has no text for (undefined, -0, non-finite numbers), under a key no spec has (it holds a NUL). */
const NOT_JSON = '\u0000not-json';

/** The bytes of a newline and a space (the file's lines, and the separators of a line's fields). */
const NEWLINE = 0x0a;
const SPACE = 0x20;
/** The byte between a line's summary and its documents (JSON.stringify escapes every control character inside a string, and writes no whitespace). */
const TAB = 0x09;

/** Not plain data (`toPlain`). */
const NOT_PLAIN = Symbol('not plain');

/** One object of an app's chart as the render serialised it: its file, its document (keys sorted, exact) and the document's digest. */
export interface AppObject {
  /** The manifest's path, relative to the root. */
  readonly path: string;
  /** The document serialised there (`canonicalDocument`'s copy, exact). */
  readonly document: object;
  /** `documentDigest(document)`. */
  readonly digest: string;
  /**
   * `JSON.stringify(document)`, when the render has it already (`documentJson`): the record takes
   * it instead of turning the document into JSON a second time.
   * @default - the document is turned into JSON
   */
  readonly json?: string;
}

/** One call a build made that added to the Inventory (lib/inventory.ts `InventoryCall`): the method and its arguments. */
export type RecordedCall = readonly [method: string, args: readonly unknown[]];

/** The facts an object declared (lib/facts ObjectFacts), by its facts key. */
export type RecordedFacts = readonly [key: string, facts: object];

/**
 * The document of the Argo CD Application that syncs an app's folder (made by its owner layer,
 * lib/layers/paas.ts), as the render serialised it: the app's inputs (its key) and the code give
 * everything in it but what the layers add to its metadata (labels, the sync wave), which is kept
 * beside it and compared before the document is taken again (lib/render/render.ts).
 */
export interface RecordedApplication {
  /** `inputsJson` of the object's metadata (cdk8s `metadata.toJson()`) when it was rendered. */
  readonly metadata: string;
  /** The document serialised (`canonicalDocument`'s copy, exact). */
  readonly document: object;
  /** `documentDigest(document)`. */
  readonly digest: string;
}

/** A field verify's secret scan found that holds a literal secret unless it names a Secret External Secrets creates (lib/verify/secret-literals.ts `SecretLiteralCandidate`). */
export interface NamedCandidate {
  readonly path: string;
  /** The sha256 of the value. @default - a literal secret whatever it holds */
  readonly name?: string;
}

/**
 * What verify vouched for about an app's objects in the synth that recorded it (which only records
 * after a verified swap: every per-object check of them found nothing): the schemas they were held
 * to, and the named secret-literal candidates of each object, which stay findings or not as the
 * tree's ExternalSecrets change.
 */
export interface AppSummary {
  /** `[apiVersion, kind, schema identity]` of the app's objects, one per apiVersion and kind, in the objects' order. */
  readonly identities: readonly (readonly [apiVersion: string, kind: string, identity: string])[];
  /** Each object's named candidates (`objects`' order). */
  readonly candidates: readonly (readonly NamedCandidate[])[];
}

/**
 * What an app's build and render left: its objects, its calls that added to the Inventory, and the
 * facts its objects declared (in tree order). Plain data: the cache does not read the last two.
 * With the document of the app's Application, when it was rendered from the same inputs.
 */
export interface AppRender {
  readonly objects: readonly AppObject[];
  readonly inventory: readonly RecordedCall[];
  readonly facts: readonly RecordedFacts[];
  /** @default - none recorded (the Application is turned into JSON again) */
  readonly application?: RecordedApplication;
  /** What verify vouched for, read back with the line. @default - none (verify checks the app's objects) */
  readonly summary?: AppSummary;
}

/** What verify checked of one object (`AppRenders.checked`). */
interface CheckedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly identity: string;
  readonly candidates: readonly NamedCandidate[];
}

/** A recorded line before its summary is known (verify runs after the render records). */
interface PendingLine {
  readonly key: string;
  /** S without its closing brace, and without `e` and `c`. */
  readonly summary: string;
  /** D, and its sha256. */
  readonly documents: string;
  readonly documentsHash: string;
  readonly paths: readonly string[];
  /** What verify told of each object (`paths`' order), as it is told. */
  readonly checked: (CheckedObject | undefined)[];
}

/**
 * A JSON copy of plain data (maps with data properties only, lists, strings, booleans, null, finite
 * numbers but -0), with undefined (a value or an item) as a marker, or undefined when `value` holds
 * anything else (a class instance, a getter, a function...): such an app is built every time.
 */
function toPlain(value: unknown): unknown {
  if (value === undefined) return { [NOT_JSON]: 'undefined' };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0) ? value : NOT_PLAIN;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const item = toPlain(value[i]);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      out.push(item);
    }
    return out;
  }
  if (typeof value !== 'object') return NOT_PLAIN;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(value))) {
    if (!('value' in d) || !d.enumerable || key === '__proto__' || key === NOT_JSON) return NOT_PLAIN;
    const item = toPlain(d.value);
    if (item === NOT_PLAIN) return NOT_PLAIN;
    out[key] = item;
  }
  return out;
}

/** The value `toPlain` copied (its markers undefined again). */
function fromPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromPlain);
  if (value === null || typeof value !== 'object') return value;
  const map = value as Record<string, unknown>;
  if (map[NOT_JSON] === 'undefined' && Object.keys(map).length === 1) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(map)) out[key] = fromPlain(map[key]);
  return out;
}

/**
 * The two JSON texts of an app's record (`inventory` and `facts` as `toPlain` copied them):
 * - `summary`, S without its closing brace: `JSON.stringify({ o: [[path, digest]...], i, f, a?: [metadata, digest] })`
 *   (the `e` and `c` of `AppSummary` are added when verify has told them, `AppRenders.save`);
 * - `documents`, D: `JSON.stringify({ o: [document...], a?: document })`, with the JSON of each
 *   document the render kept (`AppObject.json`) put in as it is rather than made again.
 */
export function recordJson(render: AppRender, inventory: unknown, facts: unknown): { readonly summary: string; readonly documents: string } {
  const a = render.application;
  const objects = render.objects.map((o) => JSON.stringify([o.path, o.digest]));
  const summary = `{"o":[${objects.join(',')}],"i":${JSON.stringify(inventory)},"f":${JSON.stringify(facts)}${a ? `,"a":${JSON.stringify([a.metadata, a.digest])}` : ''}`;
  const documents = `{"o":[${render.objects.map((o) => o.json ?? JSON.stringify(o.document)).join(',')}]${a ? `,"a":${JSON.stringify(a.document)}` : ''}}`;
  return { summary, documents };
}

/** The summary's `e` and `c` from what verify told of each object, or undefined when it did not tell of every one. */
function summaryJson(checked: readonly (CheckedObject | undefined)[]): string | undefined {
  const identities: [string, string, string][] = [];
  const seen = new Set<string>();
  const candidates: [number, readonly NamedCandidate[]][] = [];
  for (let i = 0; i < checked.length; i++) {
    const c = checked[i];
    if (!c) return undefined;
    const gvk = `${c.apiVersion}\0${c.kind}`;
    if (!seen.has(gvk)) {
      seen.add(gvk);
      identities.push([c.apiVersion, c.kind, c.identity]);
    }
    if (c.candidates.length) candidates.push([i, c.candidates.map((n) => (n.name === undefined ? { path: n.path } : { path: n.path, name: n.name }))]);
  }
  return `,"e":${JSON.stringify(identities)},"c":${JSON.stringify(candidates)}`;
}

/** The named candidates of an object that has none (shared, never changed). */
const NO_CANDIDATES: readonly NamedCandidate[] = Object.freeze([]);

/** `AppSummary` from a line's `e` and `c` (`count` objects), or undefined when they are not the shape written. */
function readSummary(e: unknown, c: unknown, count: number): AppSummary | undefined {
  if (!Array.isArray(e) || !Array.isArray(c)) return undefined;
  const identities: [string, string, string][] = [];
  for (const x of e as unknown[]) {
    if (!Array.isArray(x) || x.length !== 3 || x.some((v) => typeof v !== 'string')) return undefined;
    identities.push([x[0] as string, x[1] as string, x[2] as string]);
  }
  // Nearly every object has none: they share one empty list (thousands of apps' objects live to the end of a synth).
  const candidates: (readonly NamedCandidate[])[] = new Array<readonly NamedCandidate[]>(count).fill(NO_CANDIDATES);
  for (const x of c as unknown[]) {
    if (!Array.isArray(x) || x.length !== 2 || !Number.isInteger(x[0]) || x[0] < 0 || x[0] >= count || !Array.isArray(x[1])) return undefined;
    const named: NamedCandidate[] = candidates[x[0] as number] === NO_CANDIDATES ? [] : [...candidates[x[0] as number]];
    for (const n of x[1] as unknown[]) {
      const m = n as { path?: unknown; name?: unknown } | null;
      if (!m || typeof m !== 'object' || typeof m.path !== 'string' || (m.name !== undefined && typeof m.name !== 'string')) return undefined;
      named.push(m.name === undefined ? { path: m.path } : { path: m.path, name: m.name as string });
    }
    if (named.length) candidates[x[0] as number] = named;
  }
  return { identities, candidates };
}

/**
 * What an app's render reads: its spec, its address allocation, the pool, the layer that owns its
 * HAProxy entries, and what it reads of the apps it calls (lib/paas/calls.ts `CalledApp`: their
 * names and the names and protocols of the ports let through, which the policies of its folder
 * name), since its spec alone does not give them.
 */
export interface AppRenderInputs {
  readonly spec: unknown;
  readonly allocation?: unknown;
  readonly pool: string;
  readonly owner: string;
  /** @default - none: the app calls no app */
  readonly calls?: unknown;
}

/**
 * A JSON text of `value` (keys in their order) that tells apart what JSON.stringify would not: an
 * undefined value from a missing key, -0 from 0, NaN and infinities from null. Two values with the
 * same text are the same value; two equal values with keys in another order get two texts (a cache
 * key then only misses).
 */
export function inputsJson(value: unknown): string {
  // Plain JSON (what an app's inputs nearly always are) has nothing to tell apart: the replacer would return every value as it is.
  if (isJsonExact(value)) return JSON.stringify(value);
  return JSON.stringify(value, (_, v: unknown) => {
    if (v === undefined) return { [NOT_JSON]: 'undefined' };
    if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) return { [NOT_JSON]: Object.is(v, -0) ? '-0' : String(v) };
    if (typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol') return { [NOT_JSON]: `${typeof v} ${String(v)}` };
    return v;
  }) ?? '';
}

/** The hash of the site an app is rendered for (`appRenderKey`). */
export function siteDigest(site: object): string {
  return sha256(inputsJson(site));
}

/** The key of an app's render: the hash of its inputs and of the whole site (`siteDigest`; its constructs read `platformContext(...).site`). */
export function appRenderKey(inputs: AppRenderInputs, site: string): string {
  // A spec whose JSON text the load remembered (lib/config/load-apps.ts: the spec cache's) is not turned into JSON again.
  const spec = jsonTextOf(inputs.spec);
  if (spec === undefined) return sha256(`${site}\0${inputsJson([inputs.spec, inputs.allocation, inputs.pool, inputs.owner, inputs.calls])}`);
  return sha256(`${site}\0[${spec},${itemJson(inputs.allocation)},${itemJson(inputs.pool)},${itemJson(inputs.owner)},${itemJson(inputs.calls)}]`);
}

/** The text `inputsJson` gives an undefined item of a list. */
const UNDEFINED_ITEM = JSON.stringify({ [NOT_JSON]: 'undefined' });

/** The text of `value` as an item of a list in `inputsJson` (an undefined one without its replacer's walk of the list). */
function itemJson(value: unknown): string {
  return value === undefined ? UNDEFINED_ITEM : inputsJson(value);
}

let dependencies: string | undefined;

/**
 * What an app's documents depend on besides its inputs and lib/ (`code`): the generated types of
 * imports/ (custom resources' classes) and the versions of cdk8s, cdk8s-plus-25 and constructs,
 * which turn the constructs into JSON.
 */
function renderDependencies(): string {
  if (dependencies === undefined) {
    const hash = sha256;
    const imports = path.resolve(__dirname, '..', '..', 'imports');
    const parts: string[] = [];
    try {
      for (const f of fs.readdirSync(imports).filter((n) => n.endsWith('.ts')).sort()) parts.push(`${f}:${hash(fs.readFileSync(path.join(imports, f)))}`);
    } catch {
      parts.push('imports:unknown');
    }
    for (const pkg of ['cdk8s', 'cdk8s-plus-25', 'constructs']) {
      try {
        parts.push(`${pkg}@${(JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version}`);
      } catch {
        parts.push(`${pkg}@unknown`);
      }
    }
    dependencies = hash(parts.join('\n'));
  }
  return dependencies;
}

/** A document as a line holds it: a JSON map. */
function isDocument(value: unknown): value is object {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** The text of a recorded line: its summary with what verify told of its objects (when it told of every one), hashed. */
function lineText(line: PendingLine): string {
  const summary = `${line.summary}${summaryJson(line.checked) ?? ''}}`;
  return `${line.key} ${sha256(summary)} ${line.documentsHash} ${summary}\t${line.documents}`;
}

/** The file's first line. */
interface Header {
  readonly format: number;
  readonly code: string;
}

/**
 * The documents of each app's last render, by the key of its inputs (`appRenderKey`), written by
 * code `code` (the checks' code fingerprint, with the render's dependencies). The file is a header
 * line, then one line per app: `<key> <sha256 of S> <sha256 of D> <S><TAB><D>`, S the summary
 * (paths, digests, Inventory calls, facts and what verify vouched for: `recordJson`, `AppSummary`)
 * and D the documents; a line is parsed only when its app is rendered again, and its hashes
 * checked then.
 *
 * An optimisation only: a render with it gives the same documents as one without. A file that does
 * not read or was written by other code (stale) is ignored as a whole; a line that is garbled
 * (its hash does not match, or its JSON is not the shape written) is ignored on its own. Only the
 * apps of this render are saved (removed apps' entries are dropped), after a verified swap.
 */
export class AppRenders {
  /** Why the file was ignored, if it was (for tests and the curious). */
  public readonly ignored?: string;
  /** Apps whose documents were taken from the file, and apps rendered and recorded, in this run. */
  public reused = 0;
  public recorded = 0;
  /** Lines whose documents (D) were parsed, by every AppRenders of the process (the yardstick of issue 18's per-app summaries). */
  public static documentsParsed = 0;
  private readonly code: string;
  /** The file's lines by key (raw bytes, without the newline; unchecked). */
  private readonly lines: Map<string, Buffer>;
  /** This run's lines by key: reused ones as read (their bytes, checked), recorded ones new (their text made at `save`). */
  private readonly used = new Map<string, Buffer | PendingLine>();
  /** This run's recorded lines, by key (also in `used`). */
  private readonly fresh = new Map<string, PendingLine>();
  /** The recorded lines' objects by path, for what verify tells of them (`checked`). */
  private readonly pendingPaths = new Map<string, { readonly line: PendingLine; readonly index: number }>();
  /** The apps taken from their last render with a summary (`replayed`): their files are vouched for. */
  private readonly summarised: { readonly files: readonly string[]; readonly summary: AppSummary }[] = [];
  /** How many lines the file holds (every one after the header, whole or not), and whether it ends with a newline: then it can be appended to. */
  private readonly fileLines: number;
  private readonly appendable: boolean;
  /** The digest of the site this run renders, by its object (hashed once per run, not once per app). */
  private site?: { readonly site: object; readonly digest: string };

  /**
   * The file `file`, valid when written by `code` (the checks' code fingerprint). `mode`: `write`
   * (synth's) records the apps built and saves them; `read-only` (the diff's, which renders the
   * working tree beside synth) takes unchanged apps from the file and neither records nor writes.
   * @default 'write'
   */
  public constructor(private readonly file: string, code: string, public readonly mode: 'write' | 'read-only' = 'write') {
    this.code = `${code} ${renderDependencies()}`;
    const read = AppRenders.read(file, this.code);
    this.lines = read.lines;
    this.fileLines = read.count;
    this.appendable = read.appendable;
    if (read.ignored) this.ignored = read.ignored;
  }

  private static read(file: string, code: string): { lines: Map<string, Buffer>; count: number; appendable: boolean; ignored?: string } {
    const lines = new Map<string, Buffer>();
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch {
      return { lines, count: 0, appendable: false };
    }
    const result = AppRenders.parseLines(bytes, code, lines);
    return { lines, ...result };
  }

  /**
   * Reads the lines of the file's bytes into `lines` (by key): how many there are, whether it can
   * be appended to, or why it was ignored. The lines stay bytes (a newline byte is a newline in
   * UTF-8, never part of another character): a line is hashed and turned into text only when its
   * app is asked for (`get`), not the whole file at once.
   */
  private static parseLines(bytes: Buffer, code: string, lines: Map<string, Buffer>): { count: number; appendable: boolean; ignored?: string } {
    let end = bytes.indexOf(NEWLINE);
    let header: Partial<Header>;
    try {
      header = JSON.parse(bytes.toString('utf8', 0, end < 0 ? bytes.length : end)) as Partial<Header>;
    } catch {
      return { count: 0, appendable: false, ignored: 'not JSON' };
    }
    if (!header || typeof header !== 'object' || header.format !== FORMAT || end < 0) return { count: 0, appendable: false, ignored: 'another format' };
    if (header.code !== code) return { count: 0, appendable: false, ignored: 'written by other code' };
    let count = 0;
    // A key is a sha256: 64 characters, then a space. A later line of the same key (appended) wins.
    for (let start = end + 1; start < bytes.length; start = end + 1) {
      count++;
      end = bytes.indexOf(NEWLINE, start);
      if (end < 0) return { count, appendable: false }; // a last line without its newline was cut short
      if (bytes[start + 64] === SPACE) lines.set(bytes.toString('latin1', start, start + 64), bytes.subarray(start, end));
    }
    return { count, appendable: true };
  }

  /** The key of the app with `inputs` on `site` (`appRenderKey`). */
  public keyOf(inputs: AppRenderInputs, site: object): string {
    if (this.site?.site !== site) this.site = { site, digest: siteDigest(site) };
    return appRenderKey(inputs, this.site.digest);
  }

  /** What the app whose inputs have key `key` left, if the file holds an intact entry for it. */
  public get(key: string): AppRender | undefined {
    const line = this.lines.get(key);
    if (line === undefined) return undefined;
    this.lines.delete(key);
    // `<key> <sha256 of S> <sha256 of D> <S>\t<D>`: each hash is of its JSON's bytes as written (UTF-8), checked on the bytes read.
    if (line[129] !== SPACE || line[194] !== SPACE) return undefined;
    const tab = line.indexOf(TAB, 195);
    if (tab < 0 || sha256(line.subarray(195, tab)) !== line.toString('latin1', 65, 129) || sha256(line.subarray(tab + 1)) !== line.toString('latin1', 130, 194)) return undefined;
    let summary: unknown;
    let documents: unknown;
    try {
      summary = JSON.parse(line.toString('utf8', 195, tab));
      AppRenders.documentsParsed++;
      documents = JSON.parse(line.toString('utf8', tab + 1));
    } catch {
      return undefined;
    }
    const entry = summary as { o?: unknown; i?: unknown; f?: unknown; a?: unknown; e?: unknown; c?: unknown } | null;
    const docs = documents as { o?: unknown; a?: unknown } | null;
    if (!entry || typeof entry !== 'object' || !Array.isArray(entry.o) || !entry.o.length || !Array.isArray(entry.i) || !Array.isArray(entry.f)) return undefined;
    if (!docs || typeof docs !== 'object' || !Array.isArray(docs.o) || docs.o.length !== entry.o.length) return undefined;
    const objects: AppObject[] = [];
    for (let n = 0; n < entry.o.length; n++) {
      const o: unknown = entry.o[n];
      if (!Array.isArray(o) || o.length !== 2 || typeof o[0] !== 'string' || typeof o[1] !== 'string') return undefined;
      const document: unknown = docs.o[n];
      if (!isDocument(document)) return undefined;
      objects.push({ path: o[0], digest: o[1], document });
    }
    const inventory: RecordedCall[] = [];
    for (const call of fromPlain(entry.i) as unknown[]) {
      if (!Array.isArray(call) || call.length !== 2 || typeof call[0] !== 'string' || !Array.isArray(call[1])) return undefined;
      inventory.push([call[0], call[1]]);
    }
    const facts: RecordedFacts[] = [];
    for (const f of fromPlain(entry.f) as unknown[]) {
      if (!Array.isArray(f) || f.length !== 2 || typeof f[0] !== 'string' || !f[1] || typeof f[1] !== 'object' || Array.isArray(f[1])) return undefined;
      facts.push([f[0], f[1] as object]);
    }
    const a = entry.a;
    if (a !== undefined && (!Array.isArray(a) || a.length !== 2 || typeof a[0] !== 'string' || typeof a[1] !== 'string' || !isDocument(docs.a))) return undefined;
    if (a === undefined && docs.a !== undefined) return undefined;
    // A line written without what verify vouched for (verify did not run, or did not tell of every object) is reused without it.
    const vouched = entry.e === undefined && entry.c === undefined ? undefined : readSummary(entry.e, entry.c, objects.length);
    if (vouched === undefined && (entry.e !== undefined || entry.c !== undefined)) return undefined;
    this.used.set(key, line);
    this.reused++;
    return {
      objects, inventory, facts,
      ...(a ? { application: { metadata: a[0] as string, digest: a[1] as string, document: docs.a as object } } : {}),
      ...(vouched ? { summary: vouched } : {}),
    };
  }

  /**
   * Tells that the app's render `render` (from `get`) is what this run renders (the app was not
   * built): when it has a summary, verify takes its files as vouched for (`vouching`).
   */
  public replayed(render: AppRender): void {
    if (render.summary) this.summarised.push({ files: render.objects.map((o) => o.path), summary: render.summary });
  }

  /**
   * What verify is given (lib/verify/vouched.ts `Vouching`): the apps taken from their last render
   * with a summary, and where it tells what it checked of each object (recorded in the summaries of
   * this run's lines).
   */
  public vouching(): { readonly apps: readonly { readonly files: readonly string[]; readonly identities: AppSummary['identities']; readonly candidates: AppSummary['candidates'] }[]; readonly checked: (file: string, apiVersion: string, kind: string, identity: string, candidates: readonly NamedCandidate[]) => void; readonly records: (file: string) => boolean } {
    return {
      apps: this.summarised.map((s) => ({ files: s.files, identities: s.summary.identities, candidates: s.summary.candidates })),
      checked: (file, apiVersion, kind, identity, candidates) => this.checked(file, apiVersion, kind, identity, candidates),
      records: (file) => this.pendingPaths.has(file),
    };
  }

  /** What verify checked of the object in `file` (its schema identity, its named secret-literal candidates): kept for the summary of the line that records it. */
  public checked(file: string, apiVersion: string, kind: string, identity: string, candidates: readonly NamedCandidate[]): void {
    const at = this.pendingPaths.get(file);
    if (at) at.line.checked[at.index] = { apiVersion, kind, identity, candidates };
  }

  /**
   * Records what the app with key `key` left in this run (saved by `save`); not when its Inventory
   * calls or facts are not plain data that JSON gives back the same (the app is then built every time).
   */
  public record(key: string, render: AppRender): boolean {
    if (this.mode === 'read-only') return false;
    const inventory = toPlain(render.inventory);
    const facts = toPlain(render.facts);
    if (inventory === NOT_PLAIN || facts === NOT_PLAIN) return false;
    if (!isDeepStrictEqual(fromPlain(inventory), render.inventory) || !isDeepStrictEqual(fromPlain(facts), render.facts)) return false;
    const { summary, documents } = recordJson(render, inventory, facts);
    const line: PendingLine = { key, summary, documents, documentsHash: sha256(documents), paths: render.objects.map((o) => o.path), checked: render.objects.map(() => undefined) };
    const replaced = this.fresh.get(key);
    if (replaced) for (const p of replaced.paths) this.pendingPaths.delete(p);
    line.paths.forEach((p, index) => this.pendingPaths.set(p, { line, index }));
    this.used.set(key, line);
    this.fresh.set(key, line);
    this.recorded++;
    return true;
  }

  /**
   * Saves this run's apps; a failure to write only loses the cache. Nothing is written when the
   * file holds exactly those already (every app reused, none recorded, no line left over). When
   * the file was read whole under this code and its lines this run did not use (removed apps, an
   * app's earlier inputs) are no more than those it did, the recorded apps' lines are appended
   * (a one-app change writes one line, not every app's); else the file is written afresh with
   * this run's apps only (atomically).
   */
  public save(): void {
    if (this.mode === 'read-only') return;
    if (this.ignored === undefined && this.recorded === 0 && this.lines.size === 0 && this.reused > 0) return;
    const left = this.fileLines - this.reused;
    if (this.ignored === undefined && this.appendable && left <= this.used.size) {
      if (this.fresh.size) appendCacheFile(this.file, [...this.fresh.values()].map((l) => `${lineText(l)}\n`).join(''));
      return;
    }
    const header: Header = { format: FORMAT, code: this.code };
    // The header, then each line and a newline, made as they are written (thousands of apps: tens
    // of MB, never held at once: a full synth's peak was these saves). A reused line is the bytes
    // read, checked, written back as they are.
    const used = this.used;
    writeCacheFile(this.file, (function* parts() {
      yield `${JSON.stringify(header)}\n`;
      for (const line of used.values()) yield* [Buffer.isBuffer(line) ? line : lineText(line), '\n'];
    })());
  }
}
