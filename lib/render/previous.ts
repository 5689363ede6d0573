import * as fs from 'fs';
import * as path from 'path';
import { lstatOf } from '../k8s/walk';
import { sha256 } from '../cache-file';
import type { RenderedFile } from './rendered-file';
import { ListedKind, NUMBERS, type RawListing } from './listing-worker';
import { FileStat, KeyedStat, keyedStat, RenderStats, settled } from './render-stats';

/** The folders whose previous render synth compares the new one with: what Argo CD syncs and what is copied to hosts. */
export const COMPARED_OUTPUTS = ['dist', 'argocd'] as const;

/** The stat of a file or folder when listed, when that was (`Date.now()`), and its ./render-stats.ts `statKey` when the listing worker made it. */
export interface ListedStat {
  readonly stat: FileStat;
  readonly at: number;
  readonly key?: string;
}

/** One plain file of the previous render: its stat when listed, and its text (read) or the sha256 its trusted stat stands for. */
interface OnDiskFile extends ListedStat {
  /** The sha256 of its bytes, as the render stats recorded it for this very stat: the file is not read until its text is asked for. */
  readonly trusted?: string;
  text?: string;
}

/**
 * A listed file's record, one per file of the render (tens of thousands): a class, whose instances
 * keep one shape (fast properties). The object literals it replaced were seen in dictionary mode
 * in a synth's heap (about 0.45 KB a file instead of about 60 bytes).
 */
class ListedFile implements OnDiskFile {
  public constructor(public readonly stat: FileStat, public readonly at: number, public readonly key: string | undefined, public readonly trusted: string | undefined, public text?: string) {}
}

/** What a listing of the output folders found: their plain files, their folders with the stat each had when listed, and the names in each folder (and whether each is a folder). */
interface Listing {
  readonly files: Map<string, OnDiskFile>;
  readonly dirs: Map<string, ListedStat>;
  readonly names: Map<string, [string, boolean][]>;
}

/**
 * Lists the folder `dir` (relative to `root`) and all below it into `out`: a folder whose stat is
 * the one the render stats recorded has the names recorded (it is not read), any other is read.
 * Of the names that are not folders, only plain files are kept in `files`, as `<dir>/<path>`.
 * What is at `dir`: a folder, nothing, or something else.
 */
function list(root: string, dir: string, out: Listing, stats: RenderStats | undefined): 'dir' | 'missing' | 'other' {
  const at = Date.now();
  const stat = lstatOf(path.join(root, dir));
  if (!stat) return 'missing';
  if (!stat.isDirectory()) return 'other';
  out.dirs.set(dir, { stat, at });
  const recorded = settled(stat, at) ? stats?.children(dir, stat) : undefined;
  if (recorded === undefined || !listNames(root, dir, recorded, true, out, stats)) {
    listNames(root, dir, fs.readdirSync(path.join(root, dir), { withFileTypes: true }).map((e) => [e.name, e.isDirectory()]), false, out, stats);
  }
  return 'dir';
}

/**
 * Lists the names `names` of the folder `dir` into `out` (see `list`). Names `recorded` by the render
 * stats may include some since removed (skipped); one that is a folder where a file was recorded or
 * the other way round (which changes the folder's stat) stops the listing: false, and the folder is read.
 */
function listNames(root: string, dir: string, names: readonly (readonly [string, boolean])[], recorded: boolean, out: Listing, stats: RenderStats | undefined): boolean {
  const seen: [string, boolean][] = [];
  for (const [name, isDir] of names) {
    const rel = `${dir}/${name}`;
    if (isDir) {
      const found = list(root, rel, out, stats);
      if (found === 'other' && recorded) return false;
      if (found !== 'missing') seen.push([name, found === 'dir']);
      continue;
    }
    const fileAt = Date.now();
    const fileStat = lstatOf(path.join(root, rel));
    if (!fileStat) continue;
    if (fileStat.isDirectory()) {
      if (recorded) return false;
      if (list(root, rel, out, stats) === 'dir') seen.push([name, true]);
      continue;
    }
    seen.push([name, false]);
    if (!fileStat.isFile()) continue;
    const trusted = settled(fileStat, fileAt) ? stats?.digest(rel, fileStat) : undefined;
    out.files.set(rel, trusted === undefined ? new ListedFile(fileStat, fileAt, undefined, undefined, fs.readFileSync(path.join(root, rel), 'utf8')) : new ListedFile(fileStat, fileAt, undefined, trusted));
  }
  out.names.set(dir, seen);
  return true;
}

/** Lists `folders` (relative to `root`) on this thread (see `list`). */
function listFolders(root: string, folders: readonly string[], stats: RenderStats | undefined): Listing {
  const listing: Listing = { files: new Map(), dirs: new Map(), names: new Map() };
  for (const dir of folders) list(root, dir, listing, stats);
  return listing;
}

/**
 * The listing a worker made (./listing-worker.ts, which reads every folder), with each file the render
 * stats vouch for trusted as `list` trusts it; a file they do not vouch for is read when its text is
 * asked for. Undefined when it is not a listing of `folders` under `root`.
 */
function fromRaw(raw: RawListing, root: string, folders: readonly string[], stats: RenderStats | undefined): Listing | undefined {
  const paths = raw.paths.split('\0');
  const keys = raw.keys.split('\0');
  const n = raw.kinds.length;
  if (raw.root !== root || raw.folders.join('\0') !== folders.join('\0') || raw.tops.length !== folders.length || paths.length !== n + 1 || keys.length !== n + 1 || raw.numbers.length !== n * NUMBERS) return undefined;
  const out: Listing = { files: new Map(), dirs: new Map(), names: new Map() };
  const x = raw.numbers;
  const { Dir, File } = ListedKind;
  for (let i = 0; i < n; i++) {
    const rel = paths[i];
    const kind: number = raw.kinds[i];
    const o = i * NUMBERS;
    const stat: FileStat = { size: x[o], mtimeMs: x[o + 1], ctimeMs: x[o + 2], ino: x[o + 3], mode: x[o + 4] };
    const key = keys[i];
    const at = x[o + 5];
    const slash = rel.lastIndexOf('/');
    if (slash >= 0) {
      const parent = rel.slice(0, slash);
      let names = out.names.get(parent);
      if (!names) out.names.set(parent, (names = []));
      names.push([rel.slice(slash + 1), kind === Dir]);
    }
    if (kind === Dir) {
      out.dirs.set(rel, { stat, at, key });
      if (!out.names.has(rel)) out.names.set(rel, []);
    } else if (kind === File) {
      const trusted = settled(stat, at) ? stats?.digestOf(rel, key) : undefined;
      out.files.set(rel, new ListedFile(stat, at, key, trusted));
    }
  }
  return out;
}

/**
 * The files of the previous render on disk (`dist/`, `argocd/`), listed before synth swaps the new
 * one in, so it can say what changed; empty on a first render. A file whose stat is the one the
 * render stats recorded (`RenderStats`) is trusted to hold the bytes recorded, and read only when
 * its text is asked for (`text`); any other file is read when listed, as it is without the stats.
 * Once the new render is made, `shareUnchanged` tells the files it did not change, sharing its texts.
 */
export class PreviousRender {
  private listing?: Listing;

  /**
   * The render under `root`, in `folders`, with the stats the last synth recorded (`stats`; none: every
   * file and folder is read). With `listed` (./listing-worker.ts `startListing` of the same folders,
   * started under the same output lock), the folders are listed by then and are not listed here:
   * the listing is taken when first needed (or made here when the worker gave none).
   */
  public constructor(private readonly root: string, private readonly stats?: RenderStats, private readonly folders: readonly string[] = COMPARED_OUTPUTS, private readonly listed?: () => RawListing | undefined) {
    if (!listed) this.listing = listFolders(root, folders, stats);
  }

  /** The listing: made in the constructor, or taken from the worker when first needed. */
  private get l(): Listing {
    if (!this.listing) {
      const raw = this.listed?.();
      this.listing = (raw && fromRaw(raw, this.root, this.folders, this.stats)) ?? listFolders(this.root, this.folders, this.stats);
    }
    return this.listing;
  }

  private get files(): Map<string, OnDiskFile> {
    return this.l.files;
  }

  private get dirs(): Listing['dirs'] {
    return this.l.dirs;
  }

  private get names(): Listing['names'] {
    return this.l.names;
  }

  /** The names in the folder `dir` when it was listed (every kind of file), and whether each is a folder; undefined for a folder not listed. */
  public entries(dir: string): readonly (readonly [string, boolean])[] | undefined {
    return this.names.get(dir);
  }

  /** The stat of the folder `dir` when it was listed, and when that was (`Date.now()`). */
  public dirStatOf(dir: string): ListedStat | undefined {
    return this.dirs.get(dir);
  }

  /** The paths of its plain files. */
  public paths(): IterableIterator<string> {
    return this.files.keys();
  }

  /** Whether `file` is one of its plain files. */
  public has(file: string): boolean {
    return this.files.has(file);
  }

  /** The stat of `file` when it was listed, and when that was (`Date.now()`). */
  public statOf(file: string): ListedStat | undefined {
    return this.files.get(file);
  }

  /** The sha256 the render stats recorded for `file`, when its stat matched them. */
  public trustedDigest(file: string): string | undefined {
    return this.files.get(file)?.trusted;
  }

  /**
   * The text of `file` (undefined when it is not one of its plain files), read when first asked for
   * a trusted file. A trusted file read with another size than its stat's is no longer trusted (it
   * changed since it was listed).
   */
  public text(file: string): string | undefined {
    const f = this.files.get(file);
    if (!f) return undefined;
    if (f.text === undefined) {
      const full = path.join(this.root, file);
      let text: string;
      try {
        text = fs.readFileSync(full, 'utf8');
      } catch {
        text = '';
      }
      // A file whose size is not its stat's changed since it was listed: no longer trusted.
      if (text.length > f.stat.size || Buffer.byteLength(text) !== f.stat.size) this.files.set(file, new ListedFile(f.stat, f.at, f.key, undefined, text));
      else f.text = text;
      return text;
    }
    return f.text;
  }

  /** The sha256 the render stats recorded for `file` when its stat matched them and its text was not read yet (`trustedDigest` of a file not `isRead`). */
  public unreadTrusted(file: string): string | undefined {
    const f = this.files.get(file);
    return f === undefined || f.text !== undefined ? undefined : f.trusted;
  }

  /** Whether the text of `file` was read (when listed, or since). */
  public isRead(file: string): boolean {
    return this.files.get(file)?.text !== undefined;
  }

  /** Whether `file` was executable when listed. */
  public executable(file: string): boolean {
    return ((this.files.get(file)?.stat.mode ?? 0) & 0o100) !== 0;
  }

  /** The sha256 of `file`'s bytes: the trusted one, else of its text. */
  public digest(file: string): string | undefined {
    const f = this.files.get(file);
    if (!f) return undefined;
    return f.trusted ?? sha256(this.text(file)!);
  }

  /** Every file with its text (each file read that was not yet). */
  public rendered(): RenderedFile[] {
    return [...this.files.keys()].map((p) => ({ path: p, content: this.text(p)!, ...(this.executable(p) ? { executable: true } : {}) }));
  }
}

/**
 * The files of the previous render on disk (`dist/`, `argocd/`), each read (`PreviousRender`
 * without stats), sorted by path; empty on a first render.
 */
export function readPreviousRender(root: string, folders: readonly string[] = COMPARED_OUTPUTS): RenderedFile[] {
  return new PreviousRender(root, undefined, folders).rendered().sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The previous render's files read one at a time, when asked (the diff's `EarlierRender`, which asks
 * only for the files its index may reuse): a file's text, or undefined when it is not a plain file
 * under `folders` (the same files `readPreviousRender` reads).
 */
export function previousRenderReader(root: string, folders: readonly string[] = COMPARED_OUTPUTS): (file: string) => string | undefined {
  return (file) => {
    if (!folders.includes(file.split('/')[0]) || file.split('/').some((part) => part === '..' || part === '')) return undefined;
    const full = path.join(root, file);
    try {
      return fs.lstatSync(full, { throwIfNoEntry: false })?.isFile() ? fs.readFileSync(full, 'utf8') : undefined;
    } catch {
      return undefined;
    }
  };
}

/**
 * `previous` (listed before `next` was made) as files with their texts, where a file has the same
 * bytes in `next` sharing `next`'s string instead of holding (or reading) a second copy: with
 * thousands of apps, most of the render is unchanged. A trusted file (`PreviousRender`) that was not
 * read is compared by its digest; one that differs is read now, before the swap replaces it.
 */
export function shareUnchanged(previous: PreviousRender, next: readonly RenderedFile[]): RenderedFile[] {
  const nextFiles = new Map(next.map((f) => [f.path, f]));
  return [...previous.paths()].map((p) => {
    const same = nextFiles.get(p);
    const executable = previous.executable(p);
    // The new render's own file (whose text may not be read yet) stands for the same bytes.
    if (same !== undefined && Boolean(same.executable) === executable && sameBytes(previous, p, same)) return same;
    return { path: p, content: previous.text(p)!, ...(executable ? { executable: true } : {}) };
  });
}

/**
 * Whether the file `p` of `previous` holds the bytes of `file`: compared by digest when both are
 * known without reading (a trusted file not read, a text taken from it), else by text.
 */
function sameBytes(previous: PreviousRender, p: string, file: RenderedFile): boolean {
  const trusted = previous.trustedDigest(p);
  if (trusted !== undefined && !previous.isRead(p)) return trusted === (file.digest ?? sha256(file.content));
  return previous.text(p) === file.content;
}

/** A listed stat with its `statKey`: the one the listing worker made, else made now. */
function listedKeyed(listed: ListedStat): KeyedStat {
  return listed.key === undefined ? keyedStat(listed.stat) : { stat: listed.stat, key: listed.key };
}

/**
 * What the render stats record once `files` were swapped in: for each file of `folders` now on
 * disk, its stat and sha256, and for each folder all of whose files and folders are recorded, its
 * stat. A file the swap did not write (not in `changed`, nor in a folder there) is the one
 * `previous` listed, with the bytes of the new render; a folder the swap did not change (nothing
 * changed in it, nor is it in a folder that changed) is the one listed; any other is stat'ed again.
 * One that had not settled when stat'ed (`settled`) is left out: it is read next time. `digestOf`
 * gives a file's sha256 when the caller knows it (the render's `RenderedDocuments.index()`), else it is hashed.
 */
export function renderedStats(root: string, previous: PreviousRender, files: readonly RenderedFile[], changed: readonly string[], folders: readonly string[] = COMPARED_OUTPUTS, digestOf: (file: string) => string | undefined = () => undefined): { files: Map<string, readonly [KeyedStat, string]>; dirs: Map<string, KeyedStat> } {
  const written = new Set(changed);
  /** Whether each folder asked about was written, or lies in one (by folder: thousands of files share one). */
  const writtenDirs = new Map<string, boolean>();
  const dirWritten = (dir: string): boolean => {
    let known = writtenDirs.get(dir);
    if (known === undefined) {
      const slash = dir.lastIndexOf('/');
      known = written.has(dir) || (slash > 0 && dirWritten(dir.slice(0, slash)));
      writtenDirs.set(dir, known);
    }
    return known;
  };
  /** The folders something was moved into or out of. */
  const touched = new Set<string>();
  for (const c of changed) for (let i = c.lastIndexOf('/'); i > 0; i = c.lastIndexOf('/', i - 1)) touched.add(c.slice(0, i));
  const out = new Map<string, readonly [KeyedStat, string]>();
  /** Each folder's names (files and folders, rendered), and whether all of them are recorded so far; a folder's every parent is a key once it is. */
  const complete = new Map<string, boolean>();
  for (const f of files) {
    const slash = f.path.lastIndexOf('/');
    if (!folders.includes(f.path.slice(0, f.path.indexOf('/')))) continue;
    const parent = slash < 0 ? undefined : f.path.slice(0, slash);
    const listed = previous.statOf(f.path);
    if (listed && !written.has(f.path) && !(parent !== undefined && dirWritten(parent))) {
      if (settled(listed.stat, listed.at)) out.set(f.path, [listedKeyed(listed), previous.digest(f.path)!]);
    } else {
      const at = Date.now();
      const stat = lstatOf(path.join(root, f.path));
      if (stat?.isFile() && settled(stat, at)) out.set(f.path, [keyedStat(stat), f.digest ?? digestOf(f.path) ?? sha256(f.content)]);
    }
    if (parent === undefined) continue;
    const known = complete.get(parent);
    complete.set(parent, (known ?? true) && out.has(f.path));
    // A folder already a key has its parents as keys.
    if (known !== undefined) continue;
    for (let i = parent.lastIndexOf('/'); i > 0; i = parent.lastIndexOf('/', i - 1)) {
      const dir = parent.slice(0, i);
      if (complete.has(dir)) break;
      complete.set(dir, true);
    }
  }
  // Deepest first (a folder is recorded once all it holds is); folders of one depth in the order met.
  const depths = new Map<string, number>();
  for (const dir of complete.keys()) {
    let depth = 1;
    for (let i = dir.indexOf('/'); i >= 0; i = dir.indexOf('/', i + 1)) depth++;
    depths.set(dir, depth);
  }
  const dirs = new Map<string, KeyedStat>();
  for (const dir of [...complete.keys()].sort((a, b) => depths.get(b)! - depths.get(a)!)) {
    const listed = previous.dirStatOf(dir);
    let stat: KeyedStat | undefined;
    if (listed && !dirWritten(dir) && !touched.has(dir)) {
      if (settled(listed.stat, listed.at)) stat = listedKeyed(listed);
    } else {
      const at = Date.now();
      const now = lstatOf(path.join(root, dir));
      if (now?.isDirectory() && settled(now, at)) stat = keyedStat(now);
    }
    if (stat && complete.get(dir)) dirs.set(dir, stat);
    const slash = dir.lastIndexOf('/');
    if (slash >= 0) {
      const parent = dir.slice(0, slash);
      complete.set(parent, (complete.get(parent) ?? true) && dirs.has(dir));
    }
  }
  return { files: out, dirs };
}
