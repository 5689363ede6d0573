import * as fs from 'fs';
import * as path from 'path';
import { lstatOf } from '../k8s/walk';
import { sha256 } from '../cache-file';
import { inFolderOf } from './outputs';
import type { RenderedFile } from './rendered-file';
import { ListedKind, NUMBERS, type RawListing } from './listing-worker';
import { FileStat, KeyedStat, keyedStat, RenderStats, settled, settledTimes } from './render-stats';

/** The folders whose previous render synth compares the new one with: what Argo CD syncs and what is copied to hosts. */
export const COMPARED_OUTPUTS = ['dist', 'argocd'] as const;

/** The stat of a file or folder when listed, when that was (`Date.now()`), and its ./render-stats.ts `statKey` when the listing worker made it. */
export interface ListedStat {
  readonly stat: FileStat;
  readonly at: number;
  readonly key?: string;
}

/** One plain file of the previous render as this thread lists it: its stat when listed, and its text (read) or the sha256 its trusted stat stands for. */
interface OnDiskFile extends ListedStat {
  /** The sha256 of its bytes, as the render stats recorded it for this very stat: the file is not read until its text is asked for. */
  readonly trusted?: string;
  text?: string;
}

/**
 * A file's record in a listing made on this thread (`ListedMaps`): a class, whose instances keep
 * one shape (fast properties). The object literals it replaced were seen in dictionary mode in a
 * synth's heap (about 0.45 KB a file instead of about 60 bytes).
 */
class ListedFile implements OnDiskFile {
  // No `key`: only the worker makes stat keys, so `listedKeyed` never keeps a listed file (and its text) as a keyed stat.
  public constructor(public readonly stat: FileStat, public readonly at: number, public readonly trusted: string | undefined, public text?: string) {}
}

/**
 * What a listing of the output folders found, as `PreviousRender` asks it: made on this thread
 * (`ListedMaps`) or from the worker's columns (`ListedColumns`), both answering the same.
 */
interface Listing {
  /** The paths of the plain files, in the order listed. */
  files(): IterableIterator<string>;
  /** Whether `file` is a plain file listed. */
  has(file: string): boolean;
  /** The stat of the plain file `file` when listed, and when that was. */
  statOf(file: string): ListedStat | undefined;
  /** The stat of the folder `dir` when listed, and when that was. */
  dirStatOf(dir: string): ListedStat | undefined;
  /** The names in the folder `dir` (every kind of file), and whether each is a folder; undefined for a folder not listed. */
  entries(dir: string): readonly (readonly [string, boolean])[] | undefined;
  /** The sha256 the render stats recorded for the plain file `file`, while it is trusted. */
  trusted(file: string): string | undefined;
  /** The text of the plain file `file`, when it was read. */
  textOf(file: string): string | undefined;
  /** The size and the mode of the plain file `file` when listed. */
  size(file: string): number | undefined;
  mode(file: string): number | undefined;
  /** Keeps `text` as the text of the plain file `file`, read since it was listed: with `trusted` false, the file is no longer trusted. */
  keep(file: string, text: string, trusted: boolean): void;
}

/** A listing made on this thread (`listFolders`): a record per file and folder, and each folder's names. */
class ListedMaps implements Listing {
  public readonly fileMap = new Map<string, OnDiskFile>();
  public readonly dirMap = new Map<string, ListedStat>();
  public readonly names = new Map<string, [string, boolean][]>();

  public files(): IterableIterator<string> {
    return this.fileMap.keys();
  }

  public has(file: string): boolean {
    return this.fileMap.has(file);
  }

  public statOf(file: string): ListedStat | undefined {
    return this.fileMap.get(file);
  }

  public dirStatOf(dir: string): ListedStat | undefined {
    return this.dirMap.get(dir);
  }

  public entries(dir: string): readonly (readonly [string, boolean])[] | undefined {
    return this.names.get(dir);
  }

  public trusted(file: string): string | undefined {
    return this.fileMap.get(file)?.trusted;
  }

  public textOf(file: string): string | undefined {
    return this.fileMap.get(file)?.text;
  }

  public size(file: string): number | undefined {
    return this.fileMap.get(file)?.stat.size;
  }

  public mode(file: string): number | undefined {
    return this.fileMap.get(file)?.stat.mode;
  }

  public keep(file: string, text: string, trusted: boolean): void {
    const f = this.fileMap.get(file);
    if (!f) return;
    if (trusted) f.text = text;
    else this.fileMap.set(file, new ListedFile(f.stat, f.at, undefined, text));
  }
}

/**
 * Lists the folder `dir` (relative to `root`) and all below it into `out`: a folder whose stat is
 * the one the render stats recorded has the names recorded (it is not read), any other is read.
 * Of the names that are not folders, only plain files are kept in `files`, as `<dir>/<path>`.
 * What is at `dir`: a folder, nothing, or something else.
 */
function list(root: string, dir: string, out: ListedMaps, stats: RenderStats | undefined): 'dir' | 'missing' | 'other' {
  const at = Date.now();
  const stat = lstatOf(path.join(root, dir));
  if (!stat) return 'missing';
  if (!stat.isDirectory()) return 'other';
  out.dirMap.set(dir, { stat, at });
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
function listNames(root: string, dir: string, names: readonly (readonly [string, boolean])[], recorded: boolean, out: ListedMaps, stats: RenderStats | undefined): boolean {
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
    out.fileMap.set(rel, trusted === undefined ? new ListedFile(fileStat, fileAt, undefined, fs.readFileSync(path.join(root, rel), 'utf8')) : new ListedFile(fileStat, fileAt, trusted));
  }
  out.names.set(dir, seen);
  return true;
}

/** Lists `folders` (relative to `root`) on this thread (see `list`). */
function listFolders(root: string, folders: readonly string[], stats: RenderStats | undefined): ListedMaps {
  const listing = new ListedMaps();
  for (const dir of folders) list(root, dir, listing, stats);
  return listing;
}

/** No entry (in `ListedColumns`' links between a folder and its names). */
const NONE = -1;

/**
 * The listing a worker made (./listing-worker.ts), kept as its columns: an entry's path, `statKey`,
 * kind and numbers by its index, a map of path to index, and per plain file its trusted digest and
 * the text read since, in arrays by index. Nothing per file is made when listed (tens of thousands of
 * files would each leave records that live to the end of the synth, copied by scavenges until promoted): a
 * stat, or a folder's names, is made when asked for.
 */
class ListedColumns implements Listing {
  /** Each path's entry (plain files, folders and other kinds of file). */
  private readonly index = new Map<string, number>();
  /** Per entry: the sha256 its stat stands for (trusted plain files only), and the text read since it was listed. */
  private readonly trustedDigests: (string | undefined)[];
  private readonly texts: (string | undefined)[];
  /** Per entry: the first name in it (a folder), and the next name in its folder, in the order listed (`NONE`: no more). */
  private readonly firstChild: Int32Array;
  private readonly nextSibling: Int32Array;
  /**
   * Whether every entry below a top folder came after the folder that holds it (the worker's
   * depth-first order): one that did not would be missing from its folder's names, and a file no
   * longer rendered there would never be removed. `fromRaw` then lists on this thread.
   */
  public complete = true;

  /**
   * The columns of a `RawListing` of `n` entries: its `paths` split, its `keys` as the worker gave
   * them with where each key ends (`keyEnds`: a key is made when asked for); `stats` vouch for the
   * files they recorded (see `list`).
   */
  public constructor(private readonly paths: readonly string[], private readonly keys: string, private readonly keyEnds: Int32Array, private readonly kinds: Uint8Array, private readonly numbers: Float64Array, n: number, stats: RenderStats | undefined) {
    this.trustedDigests = new Array<string | undefined>(n);
    this.texts = new Array<string | undefined>(n);
    this.firstChild = new Int32Array(n).fill(NONE);
    this.nextSibling = new Int32Array(n).fill(NONE);
    const lastChild = new Int32Array(n).fill(NONE);
    // The folders that hold the entry met (a folder comes before what it holds): its parent is the innermost.
    const open: number[] = [];
    for (let i = 0; i < n; i++) {
      const rel = paths[i];
      const kind = kinds[i];
      this.index.set(rel, i);
      const slash = rel.lastIndexOf('/');
      if (slash >= 0) {
        while (open.length && !holds(paths[open[open.length - 1]], rel)) open.pop();
        const top = open.length ? open[open.length - 1] : NONE;
        const parent = top !== NONE && paths[top].length === slash ? top : (this.index.get(rel.slice(0, slash)) ?? NONE);
        if (parent !== NONE && kinds[parent] === ListedKind.Dir) {
          if (lastChild[parent] === NONE) this.firstChild[parent] = i;
          else this.nextSibling[lastChild[parent]] = i;
          lastChild[parent] = i;
        } else this.complete = false;
      }
      if (kind === ListedKind.Dir) open.push(i);
      else if (kind === ListedKind.File) {
        const o = i * NUMBERS;
        const at = numbers[o + 5];
        if (settledTimes(numbers[o + 1], numbers[o + 2], at)) this.trustedDigests[i] = stats?.digestOf(rel, this.keyOf(i));
      }
    }
  }

  /** The entry of `p` when it is of `kind`. */
  private entry(p: string, kind: number): number | undefined {
    const i = this.index.get(p);
    return i !== undefined && this.kinds[i] === kind ? i : undefined;
  }

  /** The `statKey` of entry `i`, made now. */
  private keyOf(i: number): string {
    return this.keys.slice(i === 0 ? 0 : this.keyEnds[i - 1] + 1, this.keyEnds[i]);
  }

  /** The stat of entry `i`, made now. */
  private listed(i: number): ListedStat {
    const x = this.numbers;
    const o = i * NUMBERS;
    return { stat: { size: x[o], mtimeMs: x[o + 1], ctimeMs: x[o + 2], ino: x[o + 3], mode: x[o + 4] }, at: x[o + 5], key: this.keyOf(i) };
  }

  public *files(): IterableIterator<string> {
    for (const [p, i] of this.index) if (this.kinds[i] === ListedKind.File) yield p;
  }

  public has(file: string): boolean {
    return this.entry(file, ListedKind.File) !== undefined;
  }

  public statOf(file: string): ListedStat | undefined {
    const i = this.entry(file, ListedKind.File);
    return i === undefined ? undefined : this.listed(i);
  }

  public dirStatOf(dir: string): ListedStat | undefined {
    const i = this.entry(dir, ListedKind.Dir);
    return i === undefined ? undefined : this.listed(i);
  }

  public entries(dir: string): readonly (readonly [string, boolean])[] | undefined {
    const i = this.entry(dir, ListedKind.Dir);
    if (i === undefined) return undefined;
    const names: [string, boolean][] = [];
    for (let c = this.firstChild[i]; c !== NONE; c = this.nextSibling[c]) names.push([this.paths[c].slice(dir.length + 1), this.kinds[c] === ListedKind.Dir]);
    return names;
  }

  public trusted(file: string): string | undefined {
    const i = this.entry(file, ListedKind.File);
    return i === undefined ? undefined : this.trustedDigests[i];
  }

  public textOf(file: string): string | undefined {
    const i = this.entry(file, ListedKind.File);
    return i === undefined ? undefined : this.texts[i];
  }

  public size(file: string): number | undefined {
    const i = this.entry(file, ListedKind.File);
    return i === undefined ? undefined : this.numbers[i * NUMBERS];
  }

  public mode(file: string): number | undefined {
    const i = this.entry(file, ListedKind.File);
    return i === undefined ? undefined : this.numbers[i * NUMBERS + 4];
  }

  public keep(file: string, text: string, trusted: boolean): void {
    const i = this.entry(file, ListedKind.File);
    if (i === undefined) return;
    this.texts[i] = text;
    if (!trusted) this.trustedDigests[i] = undefined;
  }
}

/** Whether the folder `dir` holds `p` (at any depth). */
function holds(dir: string, p: string): boolean {
  return p.length > dir.length && p.charCodeAt(dir.length) === 47 && p.startsWith(dir);
}

/**
 * The listing a worker made (./listing-worker.ts, which reads every folder), with each file the render
 * stats vouch for trusted as `list` trusts it; a file they do not vouch for is read when its text is
 * asked for. Undefined when it is not a listing of `folders` under `root`.
 */
function fromRaw(raw: RawListing, root: string, folders: readonly string[], stats: RenderStats | undefined): Listing | undefined {
  const paths = raw.paths.split('\0');
  const n = raw.kinds.length;
  // Where each entry's key ends (its NUL): no string per key is kept.
  const keyEnds = new Int32Array(n);
  let ends = 0;
  for (let at = raw.keys.indexOf('\0'); at >= 0 && ends <= n; at = raw.keys.indexOf('\0', at + 1)) {
    if (ends < n) keyEnds[ends] = at;
    ends++;
  }
  if (raw.root !== root || raw.folders.join('\0') !== folders.join('\0') || raw.tops.length !== folders.length || paths.length !== n + 1 || ends !== n || raw.numbers.length !== n * NUMBERS) return undefined;
  const columns = new ListedColumns(paths, raw.keys, keyEnds, raw.kinds, raw.numbers, n, stats);
  return columns.complete ? columns : undefined;
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

  /** The names in the folder `dir` when it was listed (every kind of file), and whether each is a folder; undefined for a folder not listed. */
  public entries(dir: string): readonly (readonly [string, boolean])[] | undefined {
    return this.l.entries(dir);
  }

  /** The stat of the folder `dir` when it was listed, and when that was (`Date.now()`). */
  public dirStatOf(dir: string): ListedStat | undefined {
    return this.l.dirStatOf(dir);
  }

  /** The paths of its plain files. */
  public paths(): IterableIterator<string> {
    return this.l.files();
  }

  /** Whether `file` is one of its plain files. */
  public has(file: string): boolean {
    return this.l.has(file);
  }

  /** The stat of `file` when it was listed, and when that was (`Date.now()`). */
  public statOf(file: string): ListedStat | undefined {
    return this.l.statOf(file);
  }

  /** The sha256 the render stats recorded for `file`, when its stat matched them. */
  public trustedDigest(file: string): string | undefined {
    return this.l.trusted(file);
  }

  /**
   * The text of `file` (undefined when it is not one of its plain files), read when first asked for
   * a trusted file. A trusted file read with another size than its stat's is no longer trusted (it
   * changed since it was listed).
   */
  public text(file: string): string | undefined {
    const l = this.l;
    const size = l.size(file);
    if (size === undefined) return undefined;
    const known = l.textOf(file);
    if (known !== undefined) return known;
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.root, file), 'utf8');
    } catch {
      text = '';
    }
    // A file whose size is not its stat's changed since it was listed: no longer trusted.
    l.keep(file, text, !(text.length > size || Buffer.byteLength(text) !== size));
    return text;
  }

  /** The sha256 the render stats recorded for `file` when its stat matched them and its text was not read yet (`trustedDigest` of a file not `isRead`). */
  public unreadTrusted(file: string): string | undefined {
    const l = this.l;
    return l.textOf(file) !== undefined ? undefined : l.trusted(file);
  }

  /** Whether the text of `file` was read (when listed, or since). */
  public isRead(file: string): boolean {
    return this.l.textOf(file) !== undefined;
  }

  /** Whether `file` was executable when listed. */
  public executable(file: string): boolean {
    return ((this.l.mode(file) ?? 0) & 0o100) !== 0;
  }

  /** The sha256 of `file`'s bytes: the trusted one, else of its text. */
  public digest(file: string): string | undefined {
    if (!this.l.has(file)) return undefined;
    return this.l.trusted(file) ?? sha256(this.text(file)!);
  }

  /** Every file with its text (each file read that was not yet). */
  public rendered(): RenderedFile[] {
    return [...this.paths()].map((p) => ({ path: p, content: this.text(p)!, ...(this.executable(p) ? { executable: true } : {}) }));
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

/** A listed stat with its `statKey`: the one the listing worker made (the listed stat itself), else made now. */
function listedKeyed(listed: ListedStat): KeyedStat {
  return listed.key === undefined ? keyedStat(listed.stat) : (listed as KeyedStat);
}

/**
 * The stat of the plain file at `target` now, unless its size, mtime, inode or mode are not those
 * of `wrote` (its stat when the staging wrote it, if known): it changed since.
 */
function fileStatAsWritten(target: string, wrote: FileStat | undefined): FileStat | undefined {
  const stat = lstatOf(target);
  if (!stat?.isFile()) return undefined;
  if (wrote && (stat.size !== wrote.size || stat.mtimeMs !== wrote.mtimeMs || stat.ino !== wrote.ino || stat.mode !== wrote.mode)) return undefined;
  return stat;
}

/**
 * What the render stats record once `files` were swapped in: for each file of `folders` now on
 * disk, its stat and sha256, and for each folder all of whose files and folders are recorded, its
 * stat. A file the swap did not write (not in `changed`, nor in a folder there) is the one
 * `previous` listed, with the bytes of the new render; a folder the swap did not change (nothing
 * changed in it, nor is it in a folder that changed) is the one listed; any other is stat'ed again.
 * One that had not settled when stat'ed (`settled`) is left out: it is read next time. `digestOf`
 * gives a file's sha256 when the caller knows it (the render's `RenderedDocuments.index()`), else it is hashed.
 * A file of `staged` (./write.ts `WriteResult.staged`: moved in with its folder) is recorded with
 * the stat taken when it was written, not stat'ed again: should the file have changed since, its
 * stat on disk differs from the one recorded, and the next synth reads it. A file of `alone`
 * (moved in on its own) is stat'ed again, and left out when its size, mtime, inode or mode are not
 * those it was written with (it changed since: the render's digest is not its bytes').
 */
export function renderedStats(root: string, previous: PreviousRender, files: readonly RenderedFile[], changed: readonly string[], folders: readonly string[] = COMPARED_OUTPUTS, digestOf: (file: string) => string | undefined = () => undefined, staged: ReadonlyMap<string, FileStat> = new Map(), alone: ReadonlyMap<string, FileStat> = new Map()): { files: Map<string, readonly [KeyedStat, string]>; dirs: Map<string, KeyedStat> } {
  const written = new Set(changed);
  /** Whether a folder was written, or lies in one. */
  const dirWritten = inFolderOf(written);
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
      const stat = staged.get(f.path) ?? fileStatAsWritten(path.join(root, f.path), alone.get(f.path));
      if (stat && settled(stat, at)) out.set(f.path, [keyedStat(stat), f.digest ?? digestOf(f.path) ?? sha256(f.content)]);
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
