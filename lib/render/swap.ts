import * as fs from 'fs';
import * as path from 'path';
import { culpritPath, fsProblem, isSystemError } from '../system-error';
import { OutputError } from './output-error';
import { withOutputLock } from './output-lock';
import { OUTPUT_DIRS, writable } from './outputs';

/**
 * The journal of a swap in progress, at the repository root. It is written (whole, by a rename)
 * before the first output moves and removed right after the last new file is in place: its
 * removal is the commit point. So a journal on disk always means "roll back": every command
 * puts the old outputs back before it reads anything (`recoverInterruptedSynth`). It lists only
 * the files that change: an output whose bytes are the same is not moved at all.
 */
export const JOURNAL_FILE = '.synth-journal.json';

/** Prefix of the temporary folders of a synth, beside the outputs (same filesystem, so moves are renames). */
export const TEMP_PREFIX = '.render-';

/** Inside the temporary folder: where the old outputs are kept while the swap runs. */
export const BACKUP_DIR = '.backup';

/**
 * One output the swap adds, replaces or removes; every path is relative to the repository root.
 * With `next`, the new version is moved in (after the old one, when `backup` is set, is moved
 * aside); without it, the old version is only moved aside (a file that went away, or a folder
 * where a file is now written): such removals run before every install.
 */
export interface JournalEntry {
  /** The output: `dist/apps/web.yaml`, `docs/ldap.md`, `apps.lock.yaml` (a whole folder in a version 1 journal: `dist`). */
  readonly path: string;
  /** Where the new version waits until it is moved in (inside `tmp`); absent for a removal. */
  readonly next?: string;
  /** Where the old version is moved to (inside `tmp`); absent when there was none. */
  readonly backup?: string;
}

/** What `.synth-journal.json` holds. */
export interface SwapJournal {
  /** 2: per-file entries and removals; 1 (earlier synths: whole output folders) is still rolled back. */
  readonly version: 1 | 2;
  /** The synth that wrote it. */
  readonly pid: number;
  /** When it was written (ISO 8601). */
  readonly started: string;
  /** The synth's temporary folder: the new outputs and the backups of the old ones. */
  readonly tmp: string;
  /** Folders the swap creates for new outputs (after the removals), parents first; removed again on roll-back when empty. */
  readonly dirs: readonly string[];
  /** The outputs: the removals (no `next`) run first, then the folders are created, then the installs, each in this order. */
  readonly outputs: readonly JournalEntry[];
}

/**
 * A step of a swap or of its roll-back. `remove` moves a file that went away aside; `prune`
 * removes a folder left empty, after the commit (a crash there leaves only an empty folder, which
 * the next synth removes).
 */
export type SwapAction = 'journal' | 'remove' | 'mkdir' | 'backup' | 'install' | 'commit' | 'prune' | 'undo-install' | 'undo-backup' | 'undo-mkdir' | 'undo-remove';

/** What a step hook is told, before the step runs. */
export interface SwapStep {
  /** 0-based position among the steps of this swap (or of this recovery). */
  readonly index: number;
  readonly action: SwapAction;
  /** The output or folder the step moves or creates (the journal for `journal` and `commit`). */
  readonly path: string;
}

/**
 * Called before every step of a swap and of a roll-back; tests throw from it to fail at that
 * step, or kill the process there. Production code passes none.
 */
export type StepHook = (step: SwapStep) => void;

/** Whether anything (a file, a folder, a symlink, even a dangling one) is at `p`; not when a part of its path is a file. */
function present(p: string): boolean {
  try {
    return fs.lstatSync(p, { throwIfNoEntry: false }) !== undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw e;
  }
}

/** Whether `a` and `b` are names of the same file (a hard link; neither followed when a symbolic link). */
function sameFile(a: string, b: string): boolean {
  const sa = fs.lstatSync(a, { throwIfNoEntry: false });
  const sb = fs.lstatSync(b, { throwIfNoEntry: false });
  return sa !== undefined && sb !== undefined && sa.ino === sb.ino && sa.dev === sb.dev;
}

/** Whether a folder (not a symlink to one) is at `p`. */
function folder(p: string): boolean {
  return present(p) && fs.lstatSync(p).isDirectory();
}

/**
 * A path of a failed move as the user knows it: an output relative to the root (`argocd/app.yaml`),
 * and for a version waiting in or kept in the temporary folder `tmp`, that output and where that version is.
 */
function shownPath(root: string, tmp: string | undefined, p: string): string {
  const rel = path.relative(root, p).split(path.sep).join('/');
  if (rel.startsWith('..') || path.isAbsolute(rel) || tmp === undefined) return rel.startsWith('..') ? p : rel;
  if (rel.startsWith(`${tmp}/${BACKUP_DIR}/`)) return `${rel.slice(tmp.length + BACKUP_DIR.length + 2)} (its old version, kept in ${tmp}/${BACKUP_DIR}/)`;
  if (rel.startsWith(`${tmp}/`)) return `${rel.slice(tmp.length + 1)} (its new version, in the temporary folder ${tmp}/)`;
  return rel;
}

/**
 * The error's code and message, on one line; a system error on an output (a move, a folder made,
 * the journal removed) names the output as the user knows it (see `shownPath`), with what to do.
 */
function reason(e: unknown, root: string, tmp?: string): string {
  if (isSystemError(e) && e.path) {
    const access = e.syscall === 'rename' || e.syscall === 'link' ? 'move' : ['open', 'read'].includes(e.syscall ?? '') ? 'read' : ['rm', 'unlink'].includes(e.syscall ?? '') ? 'remove' : 'write';
    const problem = fsProblem(e.code, access);
    if (problem) return `${shownPath(root, tmp, culpritPath(e) ?? e.path)} ${problem}`;
  }
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/** What to do when the roll-back cannot be finished by running synth again. */
function restoreByHand(tmp: string): string {
  return `restore the outputs with git checkout -- dist argocd render-cache docs reports apps.lock.yaml (or from the backups under ${tmp}/${BACKUP_DIR}), then delete ${JOURNAL_FILE} and ${tmp}/`;
}

/**
 * Thrown by `rollBack` when every move was undone but the journal could not be removed: the
 * outputs are as before the swap, only the journal (and the temporary folder, which the journal
 * keeps) are left over.
 */
class JournalLeft extends Error {
  constructor(
    /** How many moves the roll-back undid. */
    public readonly undone: number,
    /** The removal's error. */
    public readonly cause: unknown,
  ) {
    super(`${JOURNAL_FILE} could not be removed`);
  }
}

/** What to do when only the journal of a finished roll-back is left: `again` is how the command is run again. */
function clearJournal(e: JournalLeft, root: string, tmp: string, again: string): string {
  return `${reason(e.cause, root, tmp)}; the outputs need no restoring: fix that and ${again} (it removes ${JOURNAL_FILE} and ${tmp}/ first), or delete both by hand`;
}

/** Writes the journal whole or not at all: a temporary file, flushed, then renamed over. */
function writeJournal(root: string, journal: SwapJournal): void {
  const file = path.join(root, JOURNAL_FILE);
  const partial = `${file}.partial`;
  try {
    const fd = fs.openSync(partial, 'w');
    try {
      fs.writeSync(fd, `${JSON.stringify(journal, null, 2)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(partial, file);
  } catch (e) {
    // The first error is the one reported: a failed clean-up is only added to it, never thrown instead.
    let leftOver = '';
    try {
      fs.rmSync(partial, { force: true });
    } catch (cleanUp) {
      leftOver = `; its partial file ${JOURNAL_FILE}.partial could not be removed either (${isSystemError(cleanUp) ? cleanUp.code : String(cleanUp)}): delete it by hand`;
    }
    // Nothing has moved yet. Node's write and fsync errors carry no path: the journal is named here.
    if (!isSystemError(e)) throw e;
    const problem = fsProblem(e.code, e.syscall === 'rename' ? 'move' : 'write') ?? `cannot be written (${e.message.split('\n')[0]})`;
    throw new OutputError(`${JOURNAL_FILE} (the journal of the swap, written before any output moves) ${problem}${leftOver}`, 'unchanged');
  }
}

/**
 * Keeps the old version of an output at `backup` before its new one is renamed over it: a hard
 * link, so the output stays where it is (its old version) until the new one replaces it, and a
 * synth killed in between leaves no output missing. Where the file system makes no hard link (one
 * without them, a link count at its limit), the old version is moved aside as before.
 */
function keepOld(output: string, backup: string): void {
  try {
    fs.linkSync(output, backup);
  } catch (e) {
    if (!isSystemError(e) || !['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'EXDEV', 'ENOSYS'].includes(e.code ?? '')) throw e;
    fs.renameSync(output, backup);
  }
}

/** How many renames the journal's swap makes in all. */
function moveCount(journal: SwapJournal): number {
  return journal.outputs.reduce((n, o) => n + (o.backup ? 1 : 0) + (o.next ? 1 : 0), 0);
}

/**
 * Changes the outputs as the journal lists: writes the journal, moves the files that went away
 * aside, creates the missing folders, then for each new or changed file moves the old version
 * (if any) to its backup and the new one in (renames only), and removes the journal (the
 * commit). Then removes the folders of `prune` that are left empty (deepest first; a failure
 * there is ignored: the outputs are already new, and the next synth tries again). Nothing to move
 * writes no journal: only the pruning runs. When a step before the commit fails, everything moved
 * so far is put back in reverse order before the error is thrown (an `OutputError`: `restored`, or
 * `mixed` with the journal left for the next command when the roll-back fails too). The backups
 * stay in the temporary folder for the caller to delete.
 */
export function swapOutputs(root: string, journal: SwapJournal, onStep?: StepHook, prune: readonly string[] = []): void {
  let index = 0;
  const step = (action: SwapAction, p: string) => onStep?.({ index: index++, action, path: p });
  const abs = (p: string) => path.join(root, p);
  if (journal.outputs.length || journal.dirs.length) commitSwap(root, journal, step);
  try {
    for (const dir of prune) {
      step('prune', dir);
      // Only when empty: rmdir refuses a folder that still holds anything.
      fs.rmdirSync(abs(dir));
    }
  } catch {
    // Committed already: an empty folder left over is harmless, and the next synth removes it.
  }
}

/** The journalled part of `swapOutputs`: from writing the journal to removing it (the commit), or the roll-back. */
function commitSwap(root: string, journal: SwapJournal, step: (action: SwapAction, p: string) => void): void {
  const abs = (p: string) => path.join(root, p);
  step('journal', JOURNAL_FILE);
  writeJournal(root, journal);
  let moved = 0;
  try {
    for (const out of journal.outputs) {
      if (out.next || !out.backup) continue;
      step('remove', out.path);
      fs.renameSync(abs(out.path), abs(out.backup));
      moved++;
    }
    for (const dir of journal.dirs) {
      step('mkdir', dir);
      fs.mkdirSync(abs(dir));
    }
    for (const out of journal.outputs) {
      if (!out.next) continue;
      if (out.backup) {
        step('backup', out.path);
        keepOld(abs(out.path), abs(out.backup));
        moved++;
      }
      // A rename over the old version: the output is its old or its new version at every instant.
      step('install', out.path);
      fs.renameSync(abs(out.next), abs(out.path));
      moved++;
    }
    step('commit', JOURNAL_FILE);
    fs.rmSync(abs(JOURNAL_FILE));
  } catch (e) {
    const what = `replacing the outputs failed after ${moved} of ${moveCount(journal)} moves (${reason(e, root, journal.tmp)})`;
    let undone: number;
    try {
      undone = rollBack(root, journal, step);
    } catch (undo) {
      if (undo instanceof JournalLeft) {
        const undid = undo.undone ? `all ${undo.undone} were undone, so every output is as before` : 'nothing had moved yet';
        throw new OutputError(`${what}; ${undid}, but ${clearJournal(undo, root, journal.tmp, 'run any command')}`, undo.undone ? 'restored' : 'unchanged');
      }
      throw new OutputError(
        `${what}, and putting the old outputs back failed too (${reason(undo, root, journal.tmp)}); ${JOURNAL_FILE} lists where each old output is kept: fix the cause and run npm run synth again, it finishes the roll-back first; if it cannot, ${restoreByHand(journal.tmp)}`,
        'mixed',
      );
    }
    throw undone ? new OutputError(`${what}; all ${undone} were undone`, 'restored') : new OutputError(`${what}; nothing had moved yet`, 'unchanged');
  }
}

/**
 * Undoes a swap from its journal, whatever step it stopped at, and removes the journal (last):
 * the installs in reverse, then the folders it created, then the removals in reverse. Each move
 * is undone only when it happened, so running it again after it was itself interrupted is safe.
 * Returns how many moves were undone.
 */
function rollBack(root: string, journal: SwapJournal, step: (action: SwapAction, p: string) => void): number {
  const abs = (p: string) => path.join(root, p);
  let undone = 0;
  for (const out of journal.outputs.filter((o) => o.next).reverse()) {
    const kept = out.backup !== undefined && present(abs(out.backup));
    // The new version left its place in the temporary folder only by being moved in. An old version
    // that was kept and is no longer (put back already) means the output is old again.
    if (out.next && !present(abs(out.next)) && present(abs(out.path)) && (out.backup === undefined || kept)) {
      step('undo-install', out.path);
      // A file whose old version is kept: that is moved over it next, in one rename, so the output
      // is never missing in between (its new version is not needed again). A folder (a version 1
      // journal's whole output folder) is moved out of the way first.
      if (!kept || folder(abs(out.path))) fs.renameSync(abs(out.path), abs(out.next));
      undone++;
    }
    if (kept) {
      step('undo-backup', out.path);
      // Still the output itself (a hard link made before the install, which did not happen): only
      // the link goes (renaming a file onto another name of itself would do nothing).
      if (sameFile(abs(out.backup!), abs(out.path))) fs.unlinkSync(abs(out.backup!));
      else fs.renameSync(abs(out.backup!), abs(out.path));
      undone++;
    }
  }
  for (const dir of [...journal.dirs].reverse()) {
    // Only a folder: where a file went away for it, that file is put back next.
    if (folder(abs(dir)) && fs.readdirSync(abs(dir)).length === 0) {
      step('undo-mkdir', dir);
      fs.rmdirSync(abs(dir));
    }
  }
  for (const out of journal.outputs.filter((o) => !o.next).reverse()) {
    if (out.backup && present(abs(out.backup))) {
      step('undo-remove', out.path);
      fs.renameSync(abs(out.backup), abs(out.path));
      undone++;
    }
  }
  try {
    fs.rmSync(abs(JOURNAL_FILE), { force: true });
  } catch (e) {
    // Every output is back: only the journal is left over, which the caller says (not "half-replaced").
    throw new JournalLeft(undone, e);
  }
  return undone;
}

/** A relative path that stays inside the root. */
function inside(p: unknown, under?: string): p is string {
  return typeof p === 'string' && p !== '' && !path.isAbsolute(p) && !p.split(/[\\/]/).includes('..') && (!under || p.startsWith(`${under}/`));
}

/** The journal on disk, checked enough that a damaged or edited one cannot move files outside the outputs. */
function readJournal(root: string): SwapJournal {
  const j = JSON.parse(fs.readFileSync(path.join(root, JOURNAL_FILE), 'utf8')) as SwapJournal;
  const ok = j && (j.version === 1 || j.version === 2) && typeof j.tmp === 'string' && new RegExp(`^\\${TEMP_PREFIX}[^/\\\\]+$`).test(j.tmp) &&
    Array.isArray(j.dirs) && j.dirs.every((d) => inside(d)) &&
    Array.isArray(j.outputs) && j.outputs.every((o) => inside(o.path) && ((OUTPUT_DIRS as readonly string[]).includes(o.path) || writable(o.path)) &&
      (o.next === undefined ? j.version === 2 && inside(o.backup, j.tmp) : inside(o.next, j.tmp) && (o.backup === undefined || inside(o.backup, j.tmp))));
  if (!ok) throw new Error('it is not a journal this version of synth wrote');
  return j;
}

/** Options of `recoverInterruptedSynth`. */
export interface RecoverOptions {
  /** Test hook, called before every step of the roll-back. */
  readonly onStep?: StepHook;
}

/**
 * Every command of the project calls this first. When a synth was killed while it replaced the
 * outputs (its journal is on disk), puts the old outputs back, removes its temporary folder and
 * returns one sentence saying so; returns undefined when there was nothing to do. Throws an
 * `OutputError` (`mixed`), naming the journal and what to do, when it cannot finish, and one
 * (`unchanged`) when another synth holds the lock (its swap is not interrupted, only running).
 */
export function recoverInterruptedSynth(root: string, options: RecoverOptions = {}): string | undefined {
  if (!present(path.join(root, JOURNAL_FILE))) return undefined;
  return withOutputLock(root, () => {
    if (!present(path.join(root, JOURNAL_FILE))) return undefined;
    const restore = 'restore the outputs with git checkout -- dist argocd render-cache docs reports apps.lock.yaml (or from the backups under .render-*/.backup), then delete';
    let journal: SwapJournal;
    try {
      journal = readJournal(root);
    } catch (e) {
      throw new OutputError(`an interrupted synth left ${JOURNAL_FILE}, which cannot be read (${reason(e, root)}), so the outputs may be half-replaced: ${restore} ${JOURNAL_FILE}`, 'mixed');
    }
    if (!present(path.join(root, journal.tmp))) {
      throw new OutputError(`an interrupted synth (pid ${journal.pid}) left ${JOURNAL_FILE}, but its folder ${journal.tmp} with the old outputs is gone, so they cannot be put back: ${restore} ${JOURNAL_FILE}`, 'mixed');
    }
    let index = 0;
    let undone: number;
    try {
      undone = rollBack(root, journal, (action, p) => options.onStep?.({ index: index++, action, path: p }));
    } catch (e) {
      if (e instanceof JournalLeft) {
        throw new OutputError(
          `a synth (pid ${journal.pid}) that failed or was interrupted had its outputs put back (every output is as before it), but ${clearJournal(e, root, journal.tmp, 'run this again')}`,
          'restored',
        );
      }
      throw new OutputError(
        `a synth (pid ${journal.pid}) that failed or was interrupted left the outputs half-replaced, and putting the old ones back failed (${reason(e, root, journal.tmp)}): fix that and run this again, it finishes the roll-back (${JOURNAL_FILE} lists where each old output is kept); if it cannot, ${restoreByHand(journal.tmp)}`,
        'mixed',
      );
    }
    fs.rmSync(path.join(root, journal.tmp), { recursive: true, force: true });
    return undone
      ? `a synth (pid ${journal.pid}, started ${journal.started}) was interrupted while replacing the outputs; undid its ${undone} move${undone === 1 ? '' : 's'}, so every output is as before it`
      : `a synth (pid ${journal.pid}, started ${journal.started}) was interrupted before it moved any output; removed its journal (every output is as before it)`;
  });
}

/**
 * For a command's entry point: `recoverInterruptedSynth`, with its sentence printed on `err` as
 * `<command>: ...`. Returns false after printing the refusal (one line) when the outputs cannot be
 * put back, or another synth is writing them.
 */
export function recoverBeforeCommand(root: string, command: string, err: (line: string) => void = (line) => console.error(line)): boolean {
  try {
    const done = recoverInterruptedSynth(root);
    if (done) err(`${command}: ${done}`);
    return true;
  } catch (e) {
    if (!(e instanceof OutputError)) throw e;
    err(`${command}: refused: ${e.message}`);
    return false;
  }
}
