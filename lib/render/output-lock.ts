import * as fs from 'fs';
import * as path from 'path';
import { fsProblem, isSystemError, namingFile } from '../system-error';
import { OutputError } from './output-error';

/**
 * The output lock could not be taken (another live synth holds it, or what stands at its path is
 * not a lock synth can use: `phase` 'take', nothing was done) or could not be removed after
 * (`phase` 'release'): the message names the lock file and says what to do.
 */
export class OutputLockError extends OutputError {
  constructor(message: string, public readonly phase: 'take' | 'release' = 'take') {
    super(message, 'unchanged');
    this.name = 'OutputLockError';
  }
}

/** The lock file at the repository root: the pid of the synth writing this checkout. */
export const LOCK_FILE = '.render.lock';

/** Locks this process holds, by lock file, with how many times each was taken (the lock is re-entrant). */
const held = new Map<string, number>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `file` as a shell word, for the `rm` the messages advise (quoted when it holds a space or another special character). */
function sh(file: string): string {
  return /^[\w./@%+=:,-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
}

/** What went wrong with the lock file, worded to follow its name: `cannot be removed: permission denied (EACCES); make ...`. */
function why(e: unknown, access: 'read' | 'write' | 'remove'): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  // fs.rmSync on a folder: not a system error code of its own.
  if (code === 'ERR_FS_EISDIR') return 'cannot be removed: it is a folder now (put there while synth ran?)';
  if (!isSystemError(e)) return `cannot be used (${(e as Error)?.message ?? String(e)})`;
  return fsProblem(e.code, access) ?? `cannot be used (${e.code}: ${e.message.replace(/^[A-Z]+: /, '')})`;
}

/**
 * Why what stands at `file` (which exists: creating it failed with EEXIST) is not a lock file synth
 * can read, or undefined when it is a regular file. Synth writes a regular file: a folder, a
 * symbolic link (maybe dangling), a FIFO (reading it would wait forever) or a socket is not its lock.
 */
function notALockFile(file: string): string | undefined {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.lstatSync(file, { throwIfNoEntry: false });
  } catch (e) {
    return why(e, 'read');
  }
  if (!stat || stat.isFile()) return undefined;
  const what = stat.isDirectory() ? 'a folder' : stat.isSymbolicLink() ? 'a symbolic link' : 'a special file (a FIFO, a socket or a device)';
  return `is ${what}, not the lock file synth writes (a file holding the pid of the synth writing this checkout): remove it (rm ${stat.isDirectory() ? '-r ' : ''}${sh(file)}) and run this again`;
}

/**
 * Takes the checkout's output lock (one synth at a time per checkout) and returns its release.
 * Re-entrant within a process. A lock left by a process that is gone is taken over, and so is
 * one left empty (`EMPTY_LOCK_GRACE_MS`: a synth killed before it wrote its pid); a lock held
 * by a live one, or anything at its path that is not a lock synth can use (a folder, a link, a
 * file it cannot read or create), is refused with an `OutputLockError` naming the file and what
 * to do. The release throws an `OutputLockError` (phase 'release') when the file cannot be removed.
 */
export function takeOutputLock(root: string): () => void {
  const file = path.resolve(root, LOCK_FILE);
  const release = () => {
    const depth = (held.get(file) ?? 1) - 1;
    if (depth > 0) held.set(file, depth);
    else {
      held.delete(file);
      try {
        fs.rmSync(file, { force: true });
      } catch (e) {
        throw new OutputLockError(`the lock ${file} ${why(e, 'remove')}; then delete it (rm ${sh(file)}), or the next synth of this checkout is refused`, 'release');
      }
    }
  };
  const depth = held.get(file);
  if (depth) {
    held.set(file, depth + 1);
    return release;
  }
  // Three tries: a lock released, or an empty one whose pid came, is read again.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      createLockFile(file);
      held.set(file, 1);
      return release;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        throw new OutputLockError(`cannot create the lock ${file}: ${root} is not a folder (${code}); give the top folder of a checkout (the folder of site.yaml and apps/)`);
      }
      if (code !== 'EEXIST') {
        // A write failure (a full disk) names the file already (createLockFile): reported as such.
        if (isSystemError(e) && (e as NodeJS.ErrnoException).syscall === 'write') throw e;
        throw new OutputLockError(`the lock ${file} ${why(e, 'write')}`);
      }
      const strange = notALockFile(file);
      if (strange) throw new OutputLockError(`${file} ${strange}`);
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8').trim();
      } catch (r) {
        // Removed between the create and the read (another synth released it): try again.
        if ((r as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw new OutputLockError(`the lock ${file} ${why(r, 'read')}; if no synth is running, delete it (rm ${sh(file)}) and run this again`);
      }
      const owner = Number(text);
      const isPid = /^[1-9][0-9]*$/.test(text) && Number.isSafeInteger(owner);
      if (text && !isPid) {
        const shown = text.length > 40 ? `${JSON.stringify(text.slice(0, 40))}...` : JSON.stringify(text);
        throw new OutputLockError(`the lock ${file} holds ${shown}, not the pid of a synth (synth writes its pid there): if no synth is running, delete it (rm ${sh(file)}) and run this again`);
      }
      // Empty: another synth has just created it and not yet written its pid (read it again once
      // written, or once it is gone), or one was killed between the two (no pid ever comes).
      if (!text && !leftEmpty(file)) continue;
      if (text && owner !== process.pid && alive(owner)) {
        throw new OutputLockError(`another synth (pid ${owner}) is writing this checkout (${LOCK_FILE}): wait for it to finish and run this again; if no synth is running, delete ${file}`);
      }
      try {
        fs.rmSync(file, { force: true });
      } catch (r) {
        const gone = text ? `a synth that is gone (pid ${owner})` : 'a synth killed before it wrote its pid';
        throw new OutputLockError(`${gone} left its lock ${file}, which ${why(r, 'remove')}; then delete it (rm ${sh(file)}) and run this again`);
      }
    }
  }
  throw new OutputLockError(`cannot take the lock ${file}: another synth takes it at the same time; run this again`);
}

/**
 * How long a synth may take from creating its lock to writing its pid in it (microseconds: one
 * write after the open). An empty lock older than this was left by a synth killed between the two
 * (or by a crash before the pid reached the disk): no pid will ever come.
 */
export const EMPTY_LOCK_GRACE_MS = 2000;

/**
 * Whether the empty lock `file` stays empty: waits (in steps of 50 ms) until it is
 * `EMPTY_LOCK_GRACE_MS` old, and at most that long. False as soon as it holds anything or is
 * gone (then the caller reads it again, or creates it).
 */
function leftEmpty(file: string): boolean {
  const start = Date.now();
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat || stat.size > 0) return false;
    const now = Date.now();
    if (now - stat.mtimeMs >= EMPTY_LOCK_GRACE_MS || now - start >= EMPTY_LOCK_GRACE_MS) return true;
    Atomics.wait(pause, 0, 0, 50);
  }
}

/**
 * Creates the lock file `file` holding this process's pid; throws EEXIST when it is there. When
 * writing the pid fails (a full disk), the file this call created is removed again, or its empty
 * text would read as another synth's lock and refuse every synth after; the error then names it
 * (Node's write errors carry no path).
 */
function createLockFile(file: string): void {
  const fd = fs.openSync(file, 'wx');
  try {
    try {
      const bytes = Buffer.from(String(process.pid));
      for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done, bytes.length - done);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    fs.rmSync(file, { force: true });
    throw namingFile(e, file);
  }
}

/**
 * Runs `f` holding the checkout's output lock (see `takeOutputLock`). When `f` throws and the lock
 * cannot be removed either, `f`'s error is the one thrown, with the lock named in its message; a
 * lock that cannot be removed after `f` succeeded is an `OutputLockError` (phase 'release').
 */
export function withOutputLock<T>(root: string, f: () => T): T {
  const release = takeOutputLock(root);
  let result: T;
  try {
    result = f();
  } catch (e) {
    try {
      release();
    } catch (r) {
      if (e instanceof Error && r instanceof OutputLockError) e.message += `\nAlso, ${r.message}`;
    }
    throw e;
  }
  release();
  return result;
}
