import * as fs from 'fs';
import * as path from 'path';
import { sha256, writeCacheFile } from '../cache-file';

/**
 * Where synth keeps, for each app, the documents its chart rendered last (relative to the checkout,
 * git-ignored): the next synth takes an unchanged app's documents from here instead of turning its
 * objects into JSON, sorting their keys and hashing them again (lib/render/render.ts).
 */
export const APP_RENDERS_FILE = '.synth-cache/app-renders.json';

/** The layout of the file; another version is ignored. */
const FORMAT = 1;

/** One object of an app's chart as the render serialised it: its file, its document (keys sorted, exact) and the document's digest. */
export interface AppObject {
  /** The manifest's path, relative to the root. */
  readonly path: string;
  /** The document serialised there (`canonicalDocument`'s copy, exact). */
  readonly document: object;
  /** `documentDigest(document)`. */
  readonly digest: string;
}

/** What an app's render reads: its spec, its address allocation, the pool, the layer that owns its HAProxy entries. */
export interface AppRenderInputs {
  readonly spec: unknown;
  readonly allocation?: unknown;
  readonly pool: string;
  readonly owner: string;
}

/** Stands for what JSON has no text for (undefined, -0, non-finite numbers), under a key no spec has (it holds a NUL). */
const NOT_JSON = '\u0000not-json';

/**
 * A JSON text of `value` (keys in their order) that tells apart what JSON.stringify would not: an
 * undefined value from a missing key, -0 from 0, NaN and infinities from null. Two values with the
 * same text are the same value; two equal values with keys in another order get two texts (a cache
 * key then only misses).
 */
export function inputsJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => {
    if (v === undefined) return { [NOT_JSON]: 'undefined' };
    if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) return { [NOT_JSON]: Object.is(v, -0) ? '-0' : String(v) };
    if (typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol') return { [NOT_JSON]: `${typeof v} ${String(v)}` };
    return v;
  }) ?? '';
}

/** Site digests, by site object: the site is hashed once per render, not once per app. */
const siteDigests = new WeakMap<object, string>();

/** The key of an app's render: the hash of its inputs and of the whole site (its constructs read `platformContext(...).site`). */
export function appRenderKey(inputs: AppRenderInputs, site: object): string {
  let siteDigest = siteDigests.get(site);
  if (siteDigest === undefined) siteDigests.set(site, (siteDigest = sha256(inputsJson(site))));
  return sha256(`${siteDigest}\0${inputsJson([inputs.spec, inputs.allocation, inputs.pool, inputs.owner])}`);
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

/** The file's first line. */
interface Header {
  readonly format: number;
  readonly code: string;
}

/**
 * The documents of each app's last render, by the key of its inputs (`appRenderKey`), written by
 * code `code` (the checks' code fingerprint, with the render's dependencies). The file is a header
 * line, then one line per app: `<key> <sha256 of the JSON> <JSON of [path, digest, document][]>`;
 * a line is parsed only when its app is rendered again, and its hash checked then.
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
  private readonly code: string;
  /** The file's lines by key (raw, unchecked). */
  private readonly lines: Map<string, string>;
  /** This run's lines by key: reused ones as read, recorded ones new. */
  private readonly used = new Map<string, string>();

  /** The file `file`, valid when written by `code` (the checks' code fingerprint). */
  public constructor(private readonly file: string, code: string) {
    this.code = `${code} ${renderDependencies()}`;
    const read = AppRenders.read(file, this.code);
    this.lines = read.lines;
    if (read.ignored) this.ignored = read.ignored;
  }

  private static read(file: string, code: string): { lines: Map<string, string>; ignored?: string } {
    const lines = new Map<string, string>();
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return { lines };
    }
    let end = text.indexOf('\n');
    let header: Partial<Header>;
    try {
      header = JSON.parse(end < 0 ? text : text.slice(0, end)) as Partial<Header>;
    } catch {
      return { lines, ignored: 'not JSON' };
    }
    if (!header || typeof header !== 'object' || header.format !== FORMAT || end < 0) return { lines, ignored: 'another format' };
    if (header.code !== code) return { lines, ignored: 'written by other code' };
    // A key is a sha256: 64 characters, then a space.
    for (let start = end + 1; start < text.length; start = end + 1) {
      end = text.indexOf('\n', start);
      if (end < 0) break; // a last line without its newline was cut short
      if (text.charCodeAt(start + 64) === 32) lines.set(text.slice(start, start + 64), text.slice(start, end));
    }
    return { lines };
  }

  /** The objects recorded for the app whose inputs have key `key`, if the file holds an intact entry for it. */
  public get(key: string): readonly AppObject[] | undefined {
    const line = this.lines.get(key);
    if (line === undefined) return undefined;
    this.lines.delete(key);
    // `<key> <sha256> <json>`
    const json = line.slice(130);
    if (line.charCodeAt(129) !== 32 || sha256(json) !== line.slice(65, 129)) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      return undefined;
    }
    if (!Array.isArray(parsed) || !parsed.length) return undefined;
    const objects: AppObject[] = [];
    for (const entry of parsed) {
      if (!Array.isArray(entry) || entry.length !== 3 || typeof entry[0] !== 'string' || typeof entry[1] !== 'string') return undefined;
      const document: unknown = entry[2];
      if (!document || typeof document !== 'object' || Array.isArray(document)) return undefined;
      objects.push({ path: entry[0], digest: entry[1], document: document as object });
    }
    this.used.set(key, line);
    this.reused++;
    return objects;
  }

  /** Records the objects the app with key `key` rendered in this run (saved by `save`). */
  public record(key: string, objects: readonly AppObject[]): void {
    const json = JSON.stringify(objects.map((o) => [o.path, o.digest, o.document]));
    this.used.set(key, `${key} ${sha256(json)} ${json}`);
    this.recorded++;
  }

  /**
   * Writes this run's apps (atomically; a failure to write only loses the cache), unless the file
   * holds exactly those already: every app was reused, none recorded, no line of the file left over.
   */
  public save(): void {
    if (this.ignored === undefined && this.recorded === 0 && this.lines.size === 0 && this.reused > 0) return;
    const header: Header = { format: FORMAT, code: this.code };
    writeCacheFile(this.file, `${JSON.stringify(header)}\n${[...this.used.values()].map((l) => `${l}\n`).join('')}`);
  }
}
