import type * as fs from 'fs';
import { EntriesFile } from '../cache-file';

/**
 * Where synth records, for each file of `dist/` and `argocd/` it left on disk, the file's stat and
 * the sha256 of its bytes (relative to the checkout, git-ignored). The next synth trusts a file
 * whose stat still matches to hold those bytes without reading it (as make and git do): only the
 * files it needs the text of are read.
 */
export const RENDER_STATS_FILE = '.synth-cache/render-stats.entries';

/**
 * The layout of the file (an `EntriesFile` of a file's path to `<size> <mtimeMs> <ctimeMs> <ino> <mode> <sha256>`,
 * and of a folder's path and `/` to `<size> <mtimeMs> <ctimeMs> <ino> <mode> dir`); another version is ignored.
 */
const FORMAT = 1;

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
  return stat.ctimeMs < at - SETTLED_MS && stat.mtimeMs < at - SETTLED_MS;
}

/**
 * The stats and digests of the render on disk that the last synth recorded. An optimisation only:
 * a file that does not read, of another layout or written by other code is ignored as a whole, a
 * garbled block on its own (`EntriesFile`), and an entry whose stat does not match the file now is
 * not trusted (the file is read).
 */
export class RenderStats {
  /** Why the file was ignored, as a whole or in part, if it was (for tests and the curious). */
  public readonly ignored?: string;
  private readonly stored: EntriesFile;
  /** The names in each folder the file records, and whether each is a folder (made when first asked). */
  private names?: Map<string, [string, boolean][]>;

  /** The file at `file` (absolute), written by `code` (the checks' code fingerprint). */
  public constructor(file: string, code: string) {
    this.stored = new EntriesFile(file, FORMAT, code);
    if (this.stored.ignored) this.ignored = this.stored.ignored;
  }

  /** The sha256 recorded for `path` when the file there still has the recorded `stat`; else undefined. */
  public digest(path: string, stat: FileStat): string | undefined {
    return this.digestOf(path, statKey(stat));
  }

  /** `digest` of a stat given as its `statKey`. */
  public digestOf(path: string, key: string): string | undefined {
    const entry = this.stored.get(path);
    if (entry === undefined) return undefined;
    if (entry.length !== key.length + 65 || !entry.startsWith(key) || entry.charCodeAt(key.length) !== 32) return undefined;
    const digest = entry.slice(key.length + 1);
    return /^[0-9a-f]{64}$/.test(digest) ? digest : undefined;
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
   * Saves the stats and digests of the files now on disk (path to stat and sha256), and the stats
   * of the folders (path to stat) whose every name is recorded; never throwing.
   */
  public save(files: ReadonlyMap<string, readonly [KeyedStat, string]>, dirs: ReadonlyMap<string, KeyedStat> = new Map()): void {
    const entries = new Map<string, string>();
    /** The entries the file does not hold yet (`EntriesFile.save`'s `added`). */
    const added = new Map<string, string>();
    // An entry the file holds already (nearly all) is its string as read, compared in place: not made again.
    const put = (p: string, key: string, tail: string) => {
      const stored = this.stored.getJoined(p, key, tail);
      if (stored !== undefined) {
        entries.set(p, stored);
        return;
      }
      const value = `${key} ${tail}`;
      entries.set(p, value);
      added.set(p, value);
    };
    for (const [p, [stat, digest]] of files) put(p, stat.key, digest);
    for (const [p, stat] of dirs) put(`${p}/`, stat.key, 'dir');
    this.stored.save(entries, added);
  }
}
