import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { documentDigest } from '../render/documents';
import { EntriesFile, sha256 } from '../cache-file';

/**
 * Where synth keeps the results of verify's per-object checks, relative to the checkout (git-ignored):
 * the next synth checks only the objects whose bytes changed.
 */
export const CHECK_CACHE_FILE = '.synth-cache/verify-checks.entries';

/** Result texts up to this length are parsed once per run and the value shared (`CheckCache.run`). */
const SHARED_TEXT = 256;

/** The layout of the cache file; another version is ignored. */
const FORMAT = 3;


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

/**
 * Results of verify's per-object checks, content-addressed: a result is found by the check's name
 * (with whatever else it depends on, e.g. the identity of the schema an object is checked against)
 * and the hash of the object's JSON, under the fingerprint of the code that computed it.
 *
 * An optimisation only: a cold run (no file) and a warm run give the same results. A file that does
 * not read or was written by other code (stale) is ignored as a whole, and results that do not match
 * the hash of their block (corrupted) are ignored (`EntriesFile`); the checks then run again. Only
 * the results used in a run are kept: a run appends those it computed, or writes the file afresh
 * when the file holds more results no run used than results used (a run that used every result of
 * the file and computed none leaves the file as it is).
 */
export class CheckCache {
  /** The file's results, by key. */
  private readonly stored: EntriesFile;
  /** The results used in this run, by key: taken from the file or computed. */
  private readonly used = new Map<string, string>();
  /** The results computed in this run (also in `used`). */
  private readonly added = new Map<string, string>();
  private readonly checkHashes = new Map<string, string>();
  /** Short result texts read back in this run, each parsed once (`run`'s results are read, never changed). */
  private readonly parsed = new Map<string, unknown>();
  /** Results taken from the file, and results computed, in this run (an object met twice in a run, e.g. argocd/ and its twin in dist/argocd, counts once). */
  public reused = 0;
  public computed = 0;
  /** Why the file was ignored, as a whole or in part, if it was (for tests and the curious). */
  public readonly ignored?: string;

  /** The cache at `file`; an empty one when there is none, or when it is stale or corrupted. */
  public constructor(file: string, code: string = checksCodeFingerprint()) {
    this.stored = new EntriesFile(file, FORMAT, code);
    if (this.stored.ignored) this.ignored = this.stored.ignored;
  }

  /** The hash of an object's JSON, once per object (shared with the render, which hashed the documents it hands verify). */
  public digest(obj: object): string {
    return documentDigest(obj);
  }

  /**
   * The result of `check` (a name that also says what else it depends on) on `obj`: from the cache,
   * else `compute()`d and remembered. Results must be plain JSON (strings, numbers, arrays, objects),
   * and are read only: one read back may be shared by every object with the same result.
   */
  public run<T>(check: string, obj: object, compute: () => T): T {
    const key = this.keyOf(check, obj);
    // One already used or computed in this run (counted once), else an entry of the file.
    const seen = this.used.get(key);
    if (seen !== undefined) return this.parse(seen) as T;
    const text = this.stored.get(key);
    if (text !== undefined) {
      this.used.set(key, text);
      this.reused++;
      return this.parse(text) as T;
    }
    const result = compute();
    this.computed++;
    const json = JSON.stringify(result);
    this.used.set(key, json);
    this.added.set(key, json);
    return result;
  }

  /**
   * Keeps the file's result of `check` on `obj`, if it holds one, as used in this run without
   * reading it (verify left the object out: it passes as it did; ./verified-tree.ts): a run that
   * checks few objects does not drop the results a later run may need.
   */
  public keep(check: string, obj: object): void {
    const key = this.keyOf(check, obj);
    if (this.used.has(key)) return;
    const text = this.stored.get(key);
    if (text !== undefined) this.used.set(key, text);
  }

  /** The key of `check`'s result on `obj`: the object's digest and the check's hash (hashed once per run). */
  private keyOf(check: string, obj: object): string {
    let checkHash = this.checkHashes.get(check);
    if (checkHash === undefined) this.checkHashes.set(check, (checkHash = sha256(check)));
    return `${this.digest(obj)} ${checkHash}`;
  }

  /** A result's text read back; a short one (most results are the same few: no problem found) once per run, shared. */
  private parse(text: string): unknown {
    if (text.length > SHARED_TEXT) return JSON.parse(text);
    let value = this.parsed.get(text);
    if (value === undefined) this.parsed.set(text, (value = JSON.parse(text)));
    return value;
  }

  /** Saves the results used in this run (`EntriesFile.save`); a failure to write only loses the cache. */
  public save(): void {
    this.stored.save(this.used, this.added);
  }
}
