import * as fs from 'fs';
import * as path from 'path';
import { OutputError } from './output-error';
import { withOutputLock } from './output-lock';
import { OUTPUT_DIRS, ROOT_FILES, SHARED_DIRS, writable } from './outputs';
import type { RenderedFile } from './rendered-file';
import { BACKUP_DIR, JOURNAL_FILE, JournalEntry, recoverInterruptedSynth, StepHook, swapOutputs, SwapJournal, TEMP_PREFIX } from './swap';

export { OUTPUT_DIRS, REPORTS_DIR, ROOT_FILES, SHARED_DIR, SHARED_DIRS } from './outputs';

/** Options of `writeAtomically`. */
export interface WriteOptions {
  /** Test hook: called before every step of the swap and of its roll-back (see `StepHook`). */
  readonly onStep?: StepHook;
  /** Where the sentence about an interrupted synth put right goes. @default stderr, as `synth: ...` */
  readonly log?: (line: string) => void;
}

/** What `writeAtomically` replaced. */
export interface WriteResult {
  /** The outputs moved in, relative to the root: the output folders, each generated file of docs/ and reports/, the root files. */
  readonly outputs: readonly string[];
}

/**
 * Writes `files` into a fresh temporary folder beside the outputs, runs `check` on it, and only
 * then replaces the outputs: the folders of `OUTPUT_DIRS` whole, the generated files of docs/ and
 * reports/ and the root files one by one (hand-written files beside them stay). The replacement is
 * crash-consistent (see `swapOutputs` and `JOURNAL_FILE`): afterwards every output is either as it
 * was or new, also when a step fails or the process is killed, and when writing or `check`
 * throws, nothing is moved at all. Errors about the outputs on disk are `OutputError`s that say
 * what the outputs are now.
 */
export function writeAtomically(root: string, files: readonly RenderedFile[], check: (tmpRoot: string) => void, options: WriteOptions = {}): WriteResult {
  return withOutputLock(root, () => {
    const recovered = recoverInterruptedSynth(root);
    if (recovered) (options.log ?? ((line) => console.error(`synth: ${line}`)))(recovered);
    removeStaleTemps(root);
    const tmp = fs.mkdtempSync(path.join(root, TEMP_PREFIX));
    try {
      for (const dir of OUTPUT_DIRS) fs.mkdirSync(path.join(tmp, dir), { recursive: true });
      const made = new Set<string>();
      for (const file of files) {
        if (!writable(file.path)) throw new Error(`refusing to write ${file.path}: outside ${[...OUTPUT_DIRS, ...SHARED_DIRS].join(', ')} and the root files ${ROOT_FILES.join(', ')}`);
        const target = path.join(tmp, file.path);
        const dir = path.dirname(target);
        if (!made.has(dir)) {
          fs.mkdirSync(dir, { recursive: true });
          made.add(dir);
        }
        fs.writeFileSync(target, file.content, { mode: file.executable ? 0o755 : 0o644 });
      }
      check(tmp);
      const journal = planSwap(root, path.basename(tmp), files);
      swapOutputs(root, journal, options.onStep);
      return { outputs: journal.outputs.map((o) => o.path) };
    } finally {
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
 * The swap of `files` (rendered into `<root>/<tmp>`) in for the outputs: the output folders
 * first, then each other file. Refuses, before anything moves, a folder where a file is
 * written or a file where a folder is (a rename would replace the one by the other).
 */
function planSwap(root: string, tmp: string, files: readonly RenderedFile[]): SwapJournal {
  const outputs: JournalEntry[] = [];
  const dirs: string[] = [];
  const add = (rel: string, folder: boolean) => {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const st = fs.statSync(path.join(root, dir), { throwIfNoEntry: false });
      if (!st) {
        if (!dirs.includes(dir)) dirs.push(dir);
      } else if (!st.isDirectory()) {
        throw new OutputError(`${dir} is a file, but synth writes ${rel} inside it: move ${dir} away, then run synth again`);
      }
    }
    const st = fs.lstatSync(path.join(root, rel), { throwIfNoEntry: false });
    if (st && folder && st.isFile()) throw new OutputError(`${rel} is a file, but synth writes a folder there: move it away, then run synth again`);
    if (st && !folder && st.isDirectory()) throw new OutputError(`${rel} is a folder, but synth writes a file there: move the folder away (synth does not render what is in it), then run synth again`);
    const backup = st ? `${tmp}/${BACKUP_DIR}/${rel}` : undefined;
    if (backup) fs.mkdirSync(path.dirname(path.join(root, backup)), { recursive: true });
    outputs.push({ path: rel, next: `${tmp}/${rel}`, backup });
  };
  for (const dir of OUTPUT_DIRS) add(dir, true);
  for (const file of files) if (!(OUTPUT_DIRS as readonly string[]).includes(file.path.split('/')[0])) add(file.path, false);
  return { version: 1, pid: process.pid, started: new Date().toISOString(), tmp, dirs, outputs };
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
