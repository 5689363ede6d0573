import * as fs from 'fs';
import * as path from 'path';
import { isSystemError } from '../../system-error';
import { DeliveryError } from '../delivery-error';

/**
 * The folder `import-compose --out` writes to: checked before anything is imported, and made by
 * makeFolders (lib/system-error.ts, one level at a time: Node's recursive mkdir loops forever
 * where a folder cannot be made and the parent exists, `--out /proc/nope`). This file words the
 * refusals with the option as the user gave it.
 */

/** What is at `p`: a folder, something else, or nothing (also when a part of its path is a file). */
function kindOf(p: string): 'folder' | 'other' | undefined {
  try {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    return st === undefined ? undefined : st.isDirectory() ? 'folder' : 'other';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** The nearest of `dir` and its parents that exists, and what it is. */
function existingAncestor(dir: string): { existing: string; kind: 'folder' | 'other' } {
  let p = path.resolve(dir);
  for (;;) {
    const kind = kindOf(p);
    if (kind) return { existing: p, kind };
    const parent = path.dirname(p);
    if (parent === p) return { existing: p, kind: 'folder' };
    p = parent;
  }
}

/** The refusal of an output folder, naming the option and what to give. */
function refused(option: string, why: string): DeliveryError {
  return new DeliveryError(`${option}: ${why}; give a folder this user can write (it is made when missing)`);
}

/**
 * Refuses an output folder that cannot be one: a file stands at it or at a part of its path, or
 * the nearest folder that exists cannot be written. `option` names it as the user gave it (`--out apps`).
 */
export function checkOutputFolder(dir: string, option: string): void {
  const { existing, kind } = existingAncestor(dir);
  if (kind !== 'folder') throw refused(option, `${existing} is a file, not a folder`);
  try {
    fs.accessSync(existing, fs.constants.W_OK | fs.constants.X_OK);
  } catch (e) {
    throw refused(option, `${existing} cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/**
 * The refusal of an output folder that makeFolders could not make (`e`, its error: the folder it
 * names and the cause), naming `option`; anything else (a bug) is returned as it is.
 */
export function folderNotMade(e: unknown, dir: string, option: string): unknown {
  if (!isSystemError(e)) return e;
  const p = e.path ?? path.resolve(dir);
  // EEXIST: a file stands at the folder; ENOTDIR: at its parent, the nearest path that exists.
  if (e.code === 'EEXIST' || e.code === 'ENOTDIR') {
    const file = e.code === 'EEXIST' ? p : path.dirname(p);
    if (kindOf(file) === 'other') return refused(option, `${file} is a file, not a folder`);
  }
  return refused(option, `the folder ${p} cannot be made in ${path.dirname(p)} (${e.code})`);
}
