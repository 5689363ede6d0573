import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { documentDigest } from '../render/documents';

/**
 * Where synth keeps the results of verify's per-object checks, relative to the checkout (git-ignored):
 * the next synth checks only the objects whose bytes changed.
 */
export const CHECK_CACHE_FILE = '.synth-cache/verify-checks.json';

/** The layout of the cache file; another version is ignored. */
const FORMAT = 1;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Every source file under `dir` (recursively), sorted, relative to it. */
function sources(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sources(dir, `${rel}${e.name}/`) : /\.(ts|js|json)$/.test(e.name) ? [`${rel}${e.name}`] : []))
    .sort();
}

let codeFingerprint: string | undefined;

/**
 * What the checks' results depend on besides their inputs: the platform's code (every file under
 * lib/, which holds the checks and everything they read) and the schema validator's version. A
 * cache written by other code is stale and ignored as a whole.
 */
export function checksCodeFingerprint(): string {
  if (codeFingerprint === undefined) {
    const lib = path.resolve(__dirname, '..');
    const hash = createHash('sha256');
    for (const file of sources(lib)) hash.update(`${file}\0`).update(fs.readFileSync(path.join(lib, file))).update('\0');
    let validator = 'unknown';
    try {
      validator = (JSON.parse(fs.readFileSync(require.resolve('@cfworker/json-schema/package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // No package.json to read: the code's own hash still tells versions of the platform apart.
    }
    codeFingerprint = hash.update(`@cfworker/json-schema@${validator}`).digest('hex');
  }
  return codeFingerprint;
}

/** The cache file: the code it was written by, and each result as its JSON text with that text's hash. */
interface CacheFile {
  readonly format: number;
  readonly code: string;
  readonly entries: Readonly<Record<string, readonly [string, string]>>;
}

/**
 * Results of verify's per-object checks, content-addressed: a result is found by the check's name
 * (with whatever else it depends on, e.g. the identity of the schema an object is checked against)
 * and the hash of the object's JSON, under the fingerprint of the code that computed it.
 *
 * An optimisation only: a cold run (no file) and a warm run give the same results. A file that does
 * not read, was written by other code (stale), or whose entry does not match its hash (corrupted) is
 * ignored: the whole file, or that entry; the checks then run again. Only the results used in a run
 * are saved, so the file holds one render's worth.
 */
export class CheckCache {
  /** The file's entries not used yet in this run (an entry moves to `used` when it is, so each is held once). */
  private readonly previous: Map<string, string>;
  private readonly used = new Map<string, string>();
  private readonly checkHashes = new Map<string, string>();
  /** Results taken from the file, and results computed, in this run (an object met twice in a run, e.g. argocd/ and its twin in dist/argocd, counts once). */
  public reused = 0;
  public computed = 0;
  /** Why the file was ignored, if it was (for tests and the curious). */
  public readonly ignored?: string;

  /** The cache at `file`; an empty one when there is none, or when it is stale or corrupted. */
  public constructor(private readonly file: string, private readonly code: string = checksCodeFingerprint()) {
    const read = CheckCache.read(file, code);
    this.previous = read.entries;
    if (read.ignored) this.ignored = read.ignored;
  }

  private static read(file: string, code: string): { entries: Map<string, string>; ignored?: string } {
    const entries = new Map<string, string>();
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return { entries };
    }
    let parsed: Partial<CacheFile>;
    try {
      parsed = JSON.parse(text) as Partial<CacheFile>;
    } catch {
      return { entries, ignored: 'not JSON' };
    }
    if (!parsed || typeof parsed !== 'object' || parsed.format !== FORMAT || typeof parsed.entries !== 'object' || !parsed.entries) return { entries, ignored: 'another format' };
    if (parsed.code !== code) return { entries, ignored: 'written by other code' };
    let corrupted = 0;
    for (const [key, entry] of Object.entries(parsed.entries)) {
      if (Array.isArray(entry) && entry.length === 2 && typeof entry[1] === 'string' && entry[0] === sha256(entry[1])) entries.set(key, entry[1]);
      else corrupted++;
    }
    return corrupted ? { entries, ignored: `${corrupted} corrupted entr${corrupted === 1 ? 'y' : 'ies'}` } : { entries };
  }

  /** The hash of an object's JSON, once per object (shared with the render, which hashed the documents it hands verify). */
  public digest(obj: object): string {
    return documentDigest(obj);
  }

  /**
   * The result of `check` (a name that also says what else it depends on) on `obj`: from the cache,
   * else `compute()`d and remembered. Results must be plain JSON (strings, numbers, arrays, objects).
   */
  public run<T>(check: string, obj: object, compute: () => T): T {
    let checkHash = this.checkHashes.get(check);
    if (checkHash === undefined) this.checkHashes.set(check, (checkHash = sha256(check)));
    const key = `${this.digest(obj)} ${checkHash}`;
    const seen = this.used.get(key);
    if (seen !== undefined) return JSON.parse(seen) as T;
    const text = this.previous.get(key);
    if (text !== undefined) {
      this.used.set(key, text);
      this.previous.delete(key);
      this.reused++;
      return JSON.parse(text) as T;
    }
    const result = compute();
    this.computed++;
    this.used.set(key, JSON.stringify(result));
    return result;
  }

  /** Writes the results used in this run (atomically: a reader sees the old file or the new one); a failure to write only loses the cache. */
  public save(): void {
    const entries: Record<string, [string, string]> = {};
    for (const [key, text] of this.used) entries[key] = [sha256(text), text];
    const body: CacheFile = { format: FORMAT, code: this.code, entries };
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.writeFileSync(tmp, JSON.stringify(body));
      fs.renameSync(tmp, this.file);
    } catch {
      fs.rmSync(tmp, { force: true });
    }
  }
}
