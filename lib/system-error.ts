import * as fs from 'fs';
import * as path from 'path';

/**
 * Node.js system errors (`fs`, `child_process`) and what each means for a file: the one wording
 * the input readers (lib/config/input-file.ts), the output swap (lib/render/swap.ts) and the
 * command lines (lib/cli-errors.ts) share.
 */

/** A Node.js system error (`fs`, `child_process`): a code such as `EACCES`, maybe a path. */
export interface SystemError extends Error {
  readonly code: string;
  readonly syscall?: string;
  readonly path?: string;
  readonly dest?: string;
}

/** Duck-typed, not `instanceof Error`: errors from Node's own modules may come from another realm (vm, jest). */
export function isSystemError(e: unknown): e is SystemError {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && typeof (e as { message?: unknown }).message === 'string';
}

/**
 * `e`, naming `file` when it is a system error without a path of its own (Node's read, write and
 * fsync errors carry none): what the command line then shows. Anything else is returned as it is.
 */
export function namingFile<E>(e: E, file: string): E {
  if (isSystemError(e) && e.path === undefined) Object.assign(e, { path: file });
  return e;
}

/** How a file was being used when a system call failed. */
export type FileAccess = 'read' | 'write' | 'open' | 'move' | 'remove';

/**
 * What a system error code means for a file and what to do about it, worded to follow the file's
 * name ("site.yaml is a folder where a file belongs; ..."); undefined for codes without advice.
 */
export function fsProblem(code: string, access: FileAccess): string | undefined {
  const cannot = { read: 'cannot be read', write: 'cannot be written', open: 'cannot be opened', move: 'cannot be moved', remove: 'cannot be removed' }[access];
  switch (code) {
    case 'ENOENT':
      return access === 'read'
        ? 'does not exist; restore it (from git or a backup) or pass the right path'
        : 'does not exist (moved or deleted while the command ran?); run the command again';
    case 'EACCES':
    case 'EPERM': {
      const fix = {
        read: 'make it readable for this user',
        write: 'make the checkout and its output folders writable for this user, or run as their owner',
        move: 'make the checkout and its output folders writable for this user, or run as their owner',
        remove: 'make the checkout and its output folders writable for this user, or run as their owner',
        open: 'give this user access to it and to its folder',
      }[access];
      return `${cannot}: permission denied (${code}); ${fix} (ls -l shows the owner and mode; chmod or chown)`;
    }
    case 'EISDIR':
      // A file read may be one the command line named (`--site /tmp`): the path may be what is wrong.
      return access === 'read' ? 'is a folder where a file belongs; pass the right path, or remove or rename the folder' : 'is a folder where a file belongs; remove or rename the folder';
    case 'ENOTDIR':
      return 'is a file where a folder belongs (or a part of its path is); remove or rename that file';
    case 'ENOTEMPTY':
    case 'EEXIST':
      return `is in the way (${code}): a folder or file stands where the command puts its own; move it away and run the command again`;
    case 'ELOOP':
      return 'is a symbolic link that loops; point it at a real file';
    case 'ENAMETOOLONG':
      return 'has a name too long for the file system; shorten it';
    case 'ENOSPC':
    case 'EDQUOT':
      return `${cannot}: no space left on the device (${code}); free some disk space (or raise the quota) and run the command again`;
    case 'EROFS':
      return `${cannot}: the file system is read-only (EROFS); remount it read-write or work in a writable checkout`;
    case 'EMFILE':
    case 'ENFILE':
      return `${cannot}: too many open files (${code}); raise the limit (ulimit -n 4096) or close other programs, then run the command again`;
    case 'EBUSY':
    case 'ETXTBSY':
      return `${cannot}: it is in use by another program (${code}); close that program and run the command again`;
    case 'EIO':
      return `${cannot}: the disk reported an I/O error (EIO); check the disk (dmesg) before trusting any file on it`;
    case 'ENOMEM':
      return `${cannot}: the system ran out of memory (ENOMEM); close other programs and run the command again`;
    default:
      return undefined;
  }
}

/** Syscalls that only read; `open` may do either; the others write. */
const READING = new Set(['read', 'scandir', 'opendir', 'readlink', 'stat', 'lstat', 'access', 'realpath']);

function shown(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') ? rel : file;
}

/**
 * One line for a system error: the file (or `where`, what a system error without a path of its own
 * is about), what went wrong and what to do; paths relative to `cwd` (@default process.cwd()).
 * lib/cli-errors.ts `formatCliError` starts it with the command.
 */
export function systemMessage(e: SystemError, o: { readonly where?: string; readonly cwd?: string }): string {
  const cwd = o.cwd ?? process.cwd();
  const file = e.path ?? o.where;
  const access: FileAccess = ['ENOSPC', 'EROFS', 'EDQUOT'].includes(e.code) ? 'write'
    : READING.has(e.syscall ?? '') ? 'read'
      : e.syscall === 'open' ? 'open'
        : e.syscall === 'rename' ? 'move' : 'write';
  const problem = fsProblem(e.code, access);
  if (!problem) return e.message; // Node's own message, with the path when the call had one
  if (!file) return `a file ${problem} (${e.syscall ?? 'system call'})`;
  const target = culpritPath(e);
  return `${target ? shown(target, cwd) : `a file under ${shown(file, cwd)}`} ${problem}`;
}

/**
 * The path a system error is about: its `path`, but for a rename that finds something in the way
 * (a folder where a file goes, a folder not empty) the destination, which is the culprit.
 */
export function culpritPath(e: SystemError): string | undefined {
  return e.syscall === 'rename' && e.dest && ['EISDIR', 'ENOTDIR', 'ENOTEMPTY', 'EEXIST'].includes(e.code) ? e.dest : e.path;
}

/**
 * Creates the folder `dir` and its missing parents, one `mkdir` at a time from the nearest one that
 * exists. Node's `mkdirSync(dir, { recursive: true })` reports ENOENT ("does not exist") for a parent
 * on a read-only file system (EROFS) or one the user may not write, and never returns under /proc:
 * this reports the real cause (EROFS, EACCES, ENOTDIR) with the folder that could not be made.
 * A file at `dir` itself is refused (EEXIST, naming it), as `mkdir` would.
 */
export function makeFolders(dir: string): void {
  const target = path.resolve(dir);
  const missing: string[] = [];
  for (let d = target; !fs.existsSync(d); d = path.dirname(d)) {
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  // A file stands where the folder goes: Node's own EEXIST names it (the writes into it would say ENOTDIR about a file inside).
  if (!missing.length && !fs.statSync(target).isDirectory()) fs.mkdirSync(target);
  for (const m of missing) {
    try {
      fs.mkdirSync(m);
    } catch (e) {
      // Made by another process meanwhile: as good.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Why `dir` is not a folder a command can work in (nothing is there, or a file is), or undefined when it is one (or cannot be asked about: the command then reports what it meets). */
export function notAFolder(dir: string): string | undefined {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dir, { throwIfNoEntry: false });
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'is inside a file, not a folder' : undefined;
  }
  if (!stat) return 'does not exist';
  return stat.isDirectory() ? undefined : 'is a file, not a folder';
}

/**
 * The refusal of `--root <given>` (resolved: `dir`) that is not a folder, naming it as given and
 * what to give; undefined when it is one or was not given.
 */
export function rootRefusal(given: string | undefined, dir: string): string | undefined {
  return folderRefusal('root', given, dir, 'the top folder of a checkout (the folder of site.yaml and apps/)');
}

/** The refusal of `--<option> <given>` (resolved: `dir`) that is not a folder, saying what to give (`what`); undefined when it is one or was not given. */
export function folderRefusal(option: string, given: string | undefined, dir: string, what: string): string | undefined {
  const why = given === undefined ? undefined : notAFolder(dir);
  return why && `--${option} ${given} ${why}: give ${what}`;
}
