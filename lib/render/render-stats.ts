import * as fs from 'fs';
import { EntriesFile } from '../cache-file';

/**
 * Where synth records, for each file of `dist/` and `argocd/` it left on disk (and each committed
 * chart render), the file's stat and the sha256 of its bytes, and for each manifest the digest of
 * the document serialised there (relative to the checkout, git-ignored). The next synth trusts a
 * file whose stat still matches to hold those bytes without reading it (as make and git do), and
 * takes the text of an object whose document did not change from the file instead of serialising
 * it again (./text-index.ts `EarlierRender`). One file read, looked up and written once per synth:
 * it replaces `render-stats.entries` and `render-index.entries` (left unread).
 */
export const RENDER_STATS_FILE = '.synth-cache/render-files.entries';

/**
 * The layout of the file: an `EntriesFile` of a file's path to `<stat> <sha256>` or, for a manifest,
 * `<stat> <sha256> <document digest>`, where `<stat>` is `<size> <mtimeMs> <ctimeMs> <ino> <mode>`
 * (`statKey`), or `-` when the file's stat is not recorded (it had not settled); and of a folder's
 * path and `/` to `<stat> dir`. Another version is ignored.
 */
const FORMAT = 1;

/** A sha256 as the file records it. */
const SHA256 = /^[0-9a-f]{64}$/;

/** A recorded stat: `-` (not recorded) or `statKey`'s five numbers. */
const STAT = /^(?:-|[0-9.e+]+(?: [0-9.e+]+){4})$/;

let writer: string | undefined;

/** The version of the YAML writer (js-yaml): a text depends on it as much as on lib/. */
function writerVersion(): string {
  if (writer === undefined) {
    try {
      writer = (JSON.parse(fs.readFileSync(require.resolve('js-yaml/package.json'), 'utf8')) as { version: string }).version;
    } catch {
      writer = 'unknown';
    }
  }
  return writer;
}

/** What the recorded texts depend on besides the documents: the platform's code (`code`, lib/) and the YAML writer's version. */
const textsCode = (code: string): string => `${code} js-yaml@${writerVersion()}`;

/**
 * A stat taken this long (ms) after the file last changed, or later, is recorded: a file changed
 * again in the same tick of the file system's clock (which is coarse: a few ms) could keep the same
 * times, so one changed just before its stat was taken is not trusted next time (git's "racily clean").
 */
export const SETTLED_MS = 50;

/** The parts of a file's stat that any change of its bytes or mode changes. */
export type FileStat = Pick<fs.Stats, 'size' | 'mtimeMs' | 'ctimeMs' | 'ino' | 'mode'>;

/** How the file records `stat`: the digest is appended after a space. */
export function statKey(stat: FileStat): string {
  return `${stat.size} ${stat.mtimeMs} ${stat.ctimeMs} ${stat.ino} ${stat.mode}`;
}

/**
 * A stat with its `statKey`, made once (./previous.ts takes the keys the listing worker formatted on
 * the other core: formatting tens of thousands of stats' numbers again costs tens of ms).
 */
export interface KeyedStat {
  readonly stat: FileStat;
  /** `statKey(stat)`. */
  readonly key: string;
}

/** `stat` with its `statKey` made now. */
export function keyedStat(stat: FileStat): KeyedStat {
  return { stat, key: statKey(stat) };
}

/** Whether a stat taken at `at` (ms since the epoch, `Date.now()`) is of a file that had settled then (see `SETTLED_MS`). */
export function settled(stat: FileStat, at: number): boolean {
  return settledTimes(stat.mtimeMs, stat.ctimeMs, at);
}

/** `settled` of a stat given by its times (./previous.ts reads them from the listing worker's columns). */
export function settledTimes(mtimeMs: number, ctimeMs: number, at: number): boolean {
  return ctimeMs < at - SETTLED_MS && mtimeMs < at - SETTLED_MS;
}

/**
 * The stats, digests and document digests of the render on disk that the last synth recorded. An
 * optimisation only: a file that does not read, of another layout or written by other code is
 * ignored as a whole, a garbled block on its own (`EntriesFile`), and an entry whose stat does not
 * match the file now is not trusted (the file is read), one whose document digest is not the
 * object's is not reused (the object is serialised).
 */
export class RenderStats {
  /** Why the file was ignored, as a whole or in part, if it was (for tests and the curious). */
  public readonly ignored?: string;
  private readonly stored: EntriesFile;
  /** The names in each folder the file records, and whether each is a folder (made when first asked). */
  private names?: Map<string, [string, boolean][]>;

  /**
   * The file at `file` (absolute), written by `code` (the checks' code fingerprint; the file is
   * valid only for the same version of the YAML writer too: the texts depend on it).
   */
  public constructor(file: string, code: string) {
    this.stored = new EntriesFile(file, FORMAT, textsCode(code));
    if (this.stored.ignored) this.ignored = this.stored.ignored;
  }

  /** The sha256 recorded for `path` when the file there still has the recorded `stat`; else undefined. */
  public digest(path: string, stat: FileStat): string | undefined {
    return this.digestOf(path, statKey(stat));
  }

  /** `digest` of a stat given as its `statKey`. */
  public digestOf(path: string, key: string): string | undefined {
    const entry = this.stored.get(path);
    if (entry === undefined || !entry.startsWith(key) || entry.charCodeAt(key.length) !== 32) return undefined;
    // `<stat> <sha256>`, or `<stat> <sha256> <document digest>`.
    const end = key.length + 65;
    if (entry.length !== end && (entry.length !== end + 65 || entry.charCodeAt(end) !== 32)) return undefined;
    const digest = entry.slice(key.length + 1, end);
    return SHA256.test(digest) ? digest : undefined;
  }

  /**
   * The sha256 of the text recorded at `path` for the document whose digest is `document` (the
   * render's `documentDigest`), whatever the stat recorded; undefined when another document's (or
   * none) was.
   */
  public textDigest(path: string, document: string): string | undefined {
    const entry = this.stored.get(path);
    if (entry === undefined) return undefined;
    // `<stat> <sha256> <document digest>`, read by field from the end: the last field is the whole
    // document digest, the one before it 64 hex digits, and all before that a stat (`-` or five numbers).
    const last = entry.lastIndexOf(' ');
    if (last < 0 || entry.slice(last + 1) !== document) return undefined;
    const before = entry.lastIndexOf(' ', last - 1);
    if (before < 0) return undefined;
    const digest = entry.slice(before + 1, last);
    return SHA256.test(digest) && STAT.test(entry.slice(0, before)) ? digest : undefined;
  }

  /**
   * The names in the folder `dir` (and whether each is a folder) when the folder still has the
   * recorded `stat`: a name added, removed or renamed in a folder changes its stat. Recorded only
   * for a folder whose every file and folder was recorded too.
   */
  public children(dir: string, stat: FileStat): [string, boolean][] | undefined {
    // A block ignored could have held some of the names.
    if (this.ignored !== undefined || this.stored.get(`${dir}/`) !== `${statKey(stat)} dir`) return undefined;
    if (!this.names) {
      this.names = new Map();
      // A file recorded without a stat is one of its folder's names all the same (a name since removed is skipped: ./previous.ts `listNames`).
      for (const key of this.stored.keys()) {
        const isDir = key.endsWith('/');
        const p = isDir ? key.slice(0, -1) : key;
        const slash = p.lastIndexOf('/');
        if (slash < 0) continue;
        const parent = p.slice(0, slash);
        let list = this.names.get(parent);
        if (!list) this.names.set(parent, (list = []));
        list.push([p.slice(slash + 1), isDir]);
      }
    }
    return this.names.get(dir) ?? [];
  }

  /**
   * Saves the stats and digests of the files now on disk (`files`: path to stat and sha256), the
   * stats of the folders (path to stat) whose every name is recorded, and the digests of the
   * document serialised at each manifest and of its text (`documents`, `RenderedDocuments.index()`),
   * in one file; never throwing. A manifest whose file's stat is not given, or whose text digest is
   * not the sha256 given with the stat, is recorded without a stat (its text is hashed when reused).
   */
  public save(files: ReadonlyMap<string, readonly [KeyedStat, string]>, dirs: ReadonlyMap<string, KeyedStat> = new Map(), documents: ReadonlyMap<string, readonly [string, string]> = new Map()): void {
    const entries = new Map<string, string>();
    /** The entries the file does not hold yet (`EntriesFile.save`'s `added`). */
    const added = new Map<string, string>();
    // An entry the file holds already (nearly all) is its string as read, compared in place: not made again.
    const put = (p: string, key: string, tail: string, document: string | undefined) => {
      const stored = this.stored.getJoined(p, key, tail, document);
      if (stored !== undefined) {
        entries.set(p, stored);
        return;
      }
      const value = document === undefined ? `${key} ${tail}` : `${key} ${tail} ${document}`;
      entries.set(p, value);
      added.set(p, value);
    };
    for (const [p, [stat, digest]] of files) {
      const indexed = documents.get(p);
      if (indexed === undefined) put(p, stat.key, digest, undefined);
      else if (indexed[1] === digest) put(p, stat.key, digest, indexed[0]);
    }
    for (const [p, [document, text]] of documents) if (!entries.has(p)) put(p, '-', text, document);
    for (const [p, stat] of dirs) put(`${p}/`, stat.key, 'dir', undefined);
    this.stored.save(entries, added);
  }
}
