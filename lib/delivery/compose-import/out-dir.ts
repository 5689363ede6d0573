import * as fs from 'fs';
import * as path from 'path';
import { DeliveryError } from '../delivery-error';

/**
 * The folder `import-compose --out` writes to: checked before anything is imported, and made one
 * level at a time. Node's recursive mkdir loops forever where a folder cannot be made and the
 * parent exists (`--out /proc/nope`: /proc refuses new entries with ENOENT), so it is not used.
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

/** `dir` and its parents up to the first one that exists: that one, and the missing ones outermost first. */
function existingAncestor(dir: string): { existing: string; kind: 'folder' | 'other'; missing: string[] } {
  const missing: string[] = [];
  let p = path.resolve(dir);
  for (;;) {
    const kind = kindOf(p);
    if (kind) return { existing: p, kind, missing };
    missing.unshift(p);
    const parent = path.dirname(p);
    if (parent === p) return { existing: p, kind: 'folder', missing };
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

/** Makes `dir` and its missing parents one level at a time; a level that cannot be made is refused by name. */
export function makeOutputFolder(dir: string, option: string): void {
  const { existing, kind, missing } = existingAncestor(dir);
  if (kind !== 'folder') throw refused(option, `${existing} is a file, not a folder`);
  for (const p of missing) {
    try {
      fs.mkdirSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && kindOf(p) === 'folder') continue;
      throw refused(option, `the folder ${p} cannot be made in ${path.dirname(p)} (${code ?? (e as Error).message})`);
    }
  }
}
