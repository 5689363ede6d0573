import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { lstatOf } from '../k8s/walk';
import { sha256 } from '../cache-file';
import { fsProblem, isSystemError } from '../system-error';
import { OutputError } from './output-error';
import { withOutputLock } from './output-lock';
import { inFolderOf, OUTPUT_DIRS, ROOT_FILES, SHARED_DIRS, writable } from './outputs';
import type { TreeSource } from '../k8s/tree';
import type { FileStat } from './render-stats';
import { letsGoOfText, type RenderedFile, sameFile } from './rendered-file';
import { StagingWriter, StagingWriterProps, writeHereInto } from './staging-writer';
import { BACKUP_DIR, JOURNAL_FILE, JournalEntry, recoverInterruptedSynth, StepHook, swapOutputs, SwapJournal, TEMP_PREFIX } from './swap';

export { OUTPUT_DIRS, REPORTS_DIR, ROOT_FILES, SHARED_DIR, SHARED_DIRS } from './outputs';

/** Options of `writeAtomically`. */
export interface WriteOptions {
  /** Test hook: called before every step of the swap and of its roll-back (see `StepHook`). */
  readonly onStep?: StepHook;
  /** Where the sentence about an interrupted synth put right goes. @default stderr, as `synth: ...` */
  readonly log?: (line: string) => void;
  /**
   * Output files as the caller read them under the same output lock (synth: its `PreviousRender`, by
   * path): a file with the same text and executable bit there (`sameFile`: the same file, or the same
   * digest) is taken as unchanged without reading it from disk again. A file that was not a plain file then is not in it. @default - every file is compared on disk
   */
  readonly onDisk?: ReadonlyMap<string, RenderedFile>;
  /**
   * The names in a folder of the outputs as the caller listed it under the same output lock (synth:
   * `PreviousRender.entries`), and whether each is a folder; undefined for a folder it did not list,
   * which is read. @default - every folder is read
   */
  readonly listed?: (dir: string) => readonly (readonly [string, boolean])[] | undefined;
  /** Test hook: when the staging folder's files go to a worker thread (./staging-writer.ts). @default - its defaults */
  readonly staging?: Pick<StagingWriterProps, 'minFiles' | 'cores'>;
}

/** What `writeAtomically`'s check is given: the whole new tree, in memory, before anything moves. */
export interface StagedTree extends TreeSource {
  /** The temporary folder beside the outputs: it holds only the new and changed files, which the swap moves in. */
  readonly dir: string;
  /** The rendered file at a path of the tree (its text may not be read yet: see `RenderedFile.digest`). */
  readonly file: (file: string) => RenderedFile | undefined;
}

/** What `writeAtomically` replaced. */
export interface WriteResult {
  /** The outputs now in place, relative to the root: the output folders, each generated file of docs/ and reports/, the root files. */
  readonly outputs: readonly string[];
  /** The files (and folders, where a file is now written) that were added, replaced or removed; empty when the render was the same byte for byte. */
  readonly changed: readonly string[];
  /**
   * The stat of each new or changed file that was moved in with its folder (a folder that was not
   * there), as the staging took it right after writing the file: moving a folder changes no stat
   * of the files in it, so it is the file's stat now unless something changed the file since. A
   * file moved in on its own (its rename changes its ctime) or written without a stat is not in it.
   */
  readonly staged: ReadonlyMap<string, FileStat>;
  /**
   * The stat the staging took of each new or changed file moved in on its own (not in `staged`):
   * its rename changed its ctime, but not its size, mtime, inode or mode, unless the file changed
   * after it was written.
   */
  readonly alone: ReadonlyMap<string, FileStat>;
}

/**
 * Whether the output at `target` is a plain file with exactly `file`'s bytes and executable bit. A
 * file whose digest is known is compared by the sha256 of the bytes on disk: its text (perhaps not
 * read yet, megabytes for a chart's render) is not asked for.
 */
function sameOnDisk(target: string, file: RenderedFile): boolean {
  const st = lstatOf(target);
  if (!st || !st.isFile() || ((st.mode & 0o100) !== 0) !== Boolean(file.executable)) return false;
  if (file.digest !== undefined) return fileDigest(target) === file.digest;
  if (st.size !== Buffer.byteLength(file.content, 'utf8')) return false;
  return sameTextBytes(target, file.content);
}

/**
 * Whether a folder is there (a path that resolves to a folder, symbolic links followed, as a
 * file's lstat resolves its folders), each asked of the file system once, its parent first: a
 * fresh checkout's tens of thousands of files cost one call for dist/, not one each (a system call
 * costs tens of microseconds on a slow virtual machine). Under the output lock nothing else makes
 * or removes output folders while the render is compared with them. Inside the folders synth owns
 * (`OUTPUT_DIRS` under `root`), a symbolic link is no folder, as to `planSwap` (which asks with
 * lstat and removes the link): a file reached through it is not taken as unchanged, or the swap
 * would remove the link and put nothing in its place.
 */
function foldersThere(root: string): (dir: string) => boolean {
  const owned = OUTPUT_DIRS.map((d) => path.join(root, d));
  const isOwned = (dir: string) => owned.some((o) => dir === o || dir.startsWith(o + path.sep));
  const known = new Map<string, boolean>();
  const there = (dir: string): boolean => {
    let yes = known.get(dir);
    if (yes === undefined) {
      const parent = path.dirname(dir);
      yes = (parent === dir || there(parent)) && folderAt(dir, isOwned(dir));
      known.set(dir, yes);
    }
    return yes;
  };
  return there;
}

/**
 * Whether `dir` resolves to a folder (with `itself`, is one: not a symbolic link to one): false
 * when nothing is there or something else is, also when a parent is a file. When the folder cannot
 * be asked about (a loop of links, no permission, a name too long), true: the file itself is then
 * looked for, and gives the error it always gave.
 */
function folderAt(dir: string, itself = false): boolean {
  try {
    return (itself ? fs.lstatSync(dir, { throwIfNoEntry: false }) : fs.statSync(dir, { throwIfNoEntry: false }))?.isDirectory() ?? false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOTDIR';
  }
}

/** How many characters `sameTextBytes` compares (and bytes `fileDigest` reads) at a time. */
const COMPARE_CHUNK = 1 << 16;

/** The buffers `sameTextBytes` and `fileDigest` use, made once (up to 3 bytes of UTF-8 per UTF-16 unit). */
let chunks: { readonly ours: Buffer; readonly onDisk: Buffer } | undefined;
const compareChunks = () => (chunks ??= { ours: Buffer.allocUnsafe(COMPARE_CHUNK * 3), onDisk: Buffer.allocUnsafe(COMPARE_CHUNK * 3) });

/**
 * Whether the file at `target` holds exactly the UTF-8 bytes of `text` (its size checked already):
 * compared a chunk at a time, so a report or a chart's render of megabytes is neither made into
 * bytes whole nor read whole.
 */
function sameTextBytes(target: string, text: string): boolean {
  const { ours, onDisk } = compareChunks();
  const fd = fs.openSync(target, 'r');
  try {
    let pos = 0;
    for (let at = 0; at < text.length;) {
      let end = Math.min(text.length, at + COMPARE_CHUNK);
      // Not between the halves of a surrogate pair: each chunk is encoded as the whole text is.
      if (end < text.length && (text.charCodeAt(end - 1) & 0xfc00) === 0xd800) end--;
      const n = ours.write(text.slice(at, end), 0, 'utf8');
      for (let got = 0; got < n;) {
        const read = fs.readSync(fd, onDisk, got, n - got, pos + got);
        // Shorter than its stat (changed since): not the same.
        if (read === 0) return false;
        got += read;
      }
      if (onDisk.compare(ours, 0, n, 0, n) !== 0) return false;
      pos += n;
      at = end;
    }
    // Longer than its stat (changed since): not the same.
    return fs.readSync(fd, onDisk, 0, 1, pos) === 0;
  } finally {
    fs.closeSync(fd);
  }
}

/** The sha256 of the bytes of the file at `target`, read a chunk at a time (a chart's render is megabytes: not held whole). */
function fileDigest(target: string): string {
  const hash = createHash('sha256');
  const chunk = compareChunks().onDisk;
  const fd = fs.openSync(target, 'r');
  try {
    for (let n; (n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0;) hash.update(chunk.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * Compares each of `files` with the output on disk, writes the new and changed ones into a fresh
 * temporary folder beside the outputs, runs `check` on the whole new tree (every file, from
 * memory), and only then changes the outputs, file by file: a file whose bytes (and executable
 * bit) are already on disk is not touched at all; new and changed files are moved in; in the
 * folders of `OUTPUT_DIRS`, files that are no longer rendered are removed, and so are folders
 * left empty; in docs/ and reports/ only the generated files are written (hand-written files
 * beside them stay). The change is crash-consistent (see `swapOutputs` and `JOURNAL_FILE`):
 * afterwards every output is either as it was or new, also when a step fails or the process is
 * killed, and when writing or `check` throws, nothing is moved at all. Errors about the outputs on
 * disk are `OutputError`s that say what the outputs are now.
 */
export function writeAtomically(root: string, files: readonly RenderedFile[], check: (tree: StagedTree) => void, options: WriteOptions = {}): WriteResult {
  return withOutputLock(root, () => {
    const recovered = recoverInterruptedSynth(root);
    if (recovered) (options.log ?? ((line) => console.error(`synth: ${line}`)))(recovered);
    removeStaleTemps(root);
    const tmp = fs.mkdtempSync(path.join(root, TEMP_PREFIX));
    const here = writeHereInto();
    // The new and changed files, written into the temporary folder on the other core while verify runs (./staging-writer.ts).
    const writer = new StagingWriter({
      ...options.staging,
      writeHere: (target, bytes, mode) => {
        try {
          return here(target, bytes, mode);
        } catch (e) {
          throw stagingError(e, path.relative(tmp, target).split(path.sep).join('/'), path.basename(tmp));
        }
      },
    });
    try {
      // One file per path (the last wins, as when each was written over the one before).
      const byPath = new Map<string, RenderedFile>();
      for (const file of files) {
        if (!writable(file.path)) throw new Error(`refusing to write ${file.path}: outside ${[...OUTPUT_DIRS, ...SHARED_DIRS].join(', ')} and the root files ${ROOT_FILES.join(', ')}`);
        byPath.set(file.path, file);
      }
      /** The changed files, in the order they were staged (`StagingWriter.statOf`'s positions). */
      const changed = new Set<string>();
      // A file the caller did not read among the outputs is looked for only in a folder that is there.
      const folderThere = foldersThere(root);
      for (const file of byPath.values()) {
        const read = options.onDisk?.get(file.path);
        if (read && sameFile(read, file)) continue;
        const target = path.join(root, file.path);
        if ((read !== undefined || folderThere(path.dirname(target))) && sameOnDisk(target, file)) continue;
        changed.add(file.path);
        const bytes = writer.add(path.join(tmp, file.path), file.executable ? 0o755 : 0o644, () => file.content);
        // Its text need not be held any more (the render's made manifests: tens of MB at thousands of apps).
        if (letsGoOfText(file)) file.staged(sha256(bytes), target);
      }
      // Verify reads the tree from memory while the worker writes; a file that could not be written is the error, before any of verify's.
      let failure: { readonly error: unknown } | undefined;
      try {
        check({ dir: tmp, files: [...byPath.keys()], read: (file) => byPath.get(file)?.content, file: (file) => byPath.get(file) });
      } catch (e) {
        failure = { error: e };
      }
      writer.finish();
      if (failure) throw failure.error;
      const { journal, prune, whole } = planSwap(root, path.basename(tmp), [...byPath.keys()], changed, options.listed);
      swapOutputs(root, journal, options.onStep, prune);
      return { outputs: outputsOf([...byPath.keys()]), changed: journal.outputs.map((o) => o.path), ...stagedStats(changed, whole, (i) => writer.statOf(i)) };
    } finally {
      writer.close();
      // While a journal remains (a roll-back that failed), the folder holds the old outputs.
      if (!fs.existsSync(path.join(root, JOURNAL_FILE))) {
        try {
          fs.rmSync(tmp, { recursive: true, force: true });
        } catch {
          // Only the render's scratch copy and the old outputs are left: the next synth removes them.
        }
      }
    }
  });
}

/**
 * A system error writing the new version of `rel` into the temporary folder `tmp` (a full disk, a
 * read-only or forbidden checkout): an `OutputError` naming the output as the user knows it, with
 * what to do (Node's write errors carry no path). Nothing has moved yet. Anything else is returned as it is.
 */
function stagingError(e: unknown, rel: string, tmp: string): unknown {
  if (!isSystemError(e)) return e;
  const problem = fsProblem(e.code, 'write') ?? `cannot be written (${e.message.split('\n')[0]})`;
  return new OutputError(`${rel} (its new version, in the temporary folder ${tmp}/) ${problem}`, 'unchanged');
}

/**
 * The stats the staging took of the files in `staged` (in the order staged): of those moved in with
 * a folder of `whole`, and of the others.
 */
function stagedStats(staged: Iterable<string>, whole: ReadonlySet<string>, statOf: (position: number) => FileStat | undefined): { staged: Map<string, FileStat>; alone: Map<string, FileStat> } {
  const stats = new Map<string, FileStat>();
  const alone = new Map<string, FileStat>();
  const movedWhole = inFolderOf(whole);
  let position = 0;
  for (const rel of staged) {
    const stat = statOf(position++);
    if (!stat) continue;
    const slash = rel.lastIndexOf('/');
    if (slash > 0 && movedWhole(rel.slice(0, slash))) stats.set(rel, stat);
    else alone.set(rel, stat);
  }
  return { staged: stats, alone };
}

/** What a render puts in place: the output folders whole, then each other file. */
function outputsOf(paths: readonly string[]): string[] {
  return [...OUTPUT_DIRS, ...paths.filter((p) => !isInOutputDir(p))];
}

/** Whether `rel` lies inside one of the folders synth owns whole. */
function isInOutputDir(rel: string): boolean {
  return (OUTPUT_DIRS as readonly string[]).includes(rel.split('/')[0]);
}

/**
 * The swap of the `changed` files (rendered into `<root>/<tmp>`) in for the outputs, and of the
 * removal of every file of the output folders that `paths` (everything rendered) no longer holds;
 * and the folders of the output folders left empty afterwards (`prune`, deepest first). A folder
 * that is not there yet is moved in whole (one rename for a new app's folder, or for all of dist/
 * on a first render). Inside the output folders, a file where a folder is now needed, or a folder
 * where a file is now written, is moved aside like a file that went away. Refuses, before anything
 * moves, a folder where a file is written or a file where a folder is in docs/, reports/ or at the
 * root (those are the user's), and a file where an output folder belongs.
 */
function planSwap(root: string, tmp: string, paths: readonly string[], changed: ReadonlySet<string>, listed?: WriteOptions['listed']): { journal: SwapJournal; prune: string[]; whole: ReadonlySet<string> } {
  const rendered = new Set(paths);
  const needed = new Set<string>(OUTPUT_DIRS);
  // Each path's folders, deepest first, up to one already known (whose own folders are known too).
  for (const p of paths) {
    for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) {
      const dir = p.slice(0, i);
      if (needed.has(dir)) break;
      needed.add(dir);
    }
  }
  const removals: JournalEntry[] = [];
  const installs: JournalEntry[] = [];
  const dirs: string[] = [];
  const create = (dir: string) => dirs.push(dir);
  const prune: string[] = [];
  const backupOf = (rel: string) => `${tmp}/${BACKUP_DIR}/${rel}`;
  const remove = (rel: string) => removals.push({ path: rel, backup: backupOf(rel) });
  // The output folders as they are: what went away, and folders nothing is rendered into any more.
  const walk = (rel: string) => {
    // In name order: the journal (and so the order of the moves) is the same run to run.
    const entries = listed?.(rel) ?? fs.readdirSync(path.join(root, rel), { withFileTypes: true }).map((e) => [e.name, e.isDirectory()] as const);
    for (const [name, isDirectory] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const p = `${rel}/${name}`;
      if (!isDirectory) {
        if (!rendered.has(p)) remove(p);
      } else if (rendered.has(p)) {
        remove(p);
      } else {
        walk(p);
        if (!needed.has(p)) prune.push(p);
      }
    }
  };
  for (const dir of OUTPUT_DIRS) {
    const st = lstatOf(path.join(root, dir));
    if (st?.isFile()) throw new OutputError(`${dir} is a file, but synth writes a folder there: move it away, then run synth again`);
    if (st?.isDirectory()) walk(dir);
    else if (st) remove(dir);
  }
  const gone = new Set(removals.map((r) => r.path));
  /** Folders that are not there (or go away first): each is moved in whole from the temporary folder, which holds all of it. */
  const whole = new Set<string>();
  /** Folders found there (each asked about once: a render that changed every file has thousands of files per folder). */
  const present = new Set<string>();
  files: for (const rel of paths) {
    if (!changed.has(rel)) continue;
    const owned = isInOutputDir(rel);
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (whole.has(dir)) continue files;
      if (present.has(dir)) continue;
      const st = gone.has(dir) ? undefined : lstatOf(path.join(root, dir));
      if (st?.isDirectory()) {
        present.add(dir);
        continue;
      }
      // Inside the output folders a file in the way was removed above (it is not rendered).
      if (st) throw new OutputError(`${dir} is a file, but synth writes ${rel} inside it: move ${dir} away, then run synth again`);
      whole.add(dir);
      installs.push({ path: dir, next: `${tmp}/${dir}` });
      continue files;
    }
    const st = lstatOf(path.join(root, rel));
    if (st?.isDirectory() && !owned) throw new OutputError(`${rel} is a folder, but synth writes a file there: move the folder away (synth does not render what is in it), then run synth again`);
    installs.push({ path: rel, next: `${tmp}/${rel}`, ...(st && !gone.has(rel) ? { backup: backupOf(rel) } : {}) });
  }
  // An output folder nothing is rendered into is still made.
  for (const dir of OUTPUT_DIRS) if (!whole.has(dir) && (gone.has(dir) || !lstatOf(path.join(root, dir)))) create(dir);
  const entries = [...removals, ...installs];
  const backupDirs = new Set(entries.filter((o) => o.backup).map((o) => path.dirname(path.join(root, o.backup!))));
  for (const dir of backupDirs) fs.mkdirSync(dir, { recursive: true });
  return { journal: { version: 2, pid: process.pid, started: new Date().toISOString(), tmp, dirs, outputs: entries }, prune, whole };
}

/**
 * Removes the temporary folders of earlier runs (a run killed after its swap committed leaves its
 * backups there). A folder of the previous version of synth, which kept an output folder it had
 * moved aside as `<dir>.old`, gives that folder back first when its place is empty.
 */
function removeStaleTemps(root: string): void {
  for (const stale of fs.readdirSync(root).filter((f) => f.startsWith(TEMP_PREFIX))) {
    const dir = path.join(root, stale);
    for (const out of OUTPUT_DIRS) {
      const old = path.join(dir, `${out}.old`);
      if (fs.existsSync(old) && !fs.existsSync(path.join(root, out))) fs.renameSync(old, path.join(root, out));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
