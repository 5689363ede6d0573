import * as fs from 'fs';
import * as path from 'path';
import { namingFile } from '../system-error';
import { OutputError } from './output-error';

/** Another live process holds the output lock: nothing was done. */
export class OutputLockError extends OutputError {
  constructor(message: string) {
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

/**
 * Takes the checkout's output lock (one synth at a time per checkout) and returns its release.
 * Re-entrant within a process. A lock left by a process that is gone is taken over; a lock
 * held by a live one is refused with an `OutputError` that says what to do.
 */
export function takeOutputLock(root: string): () => void {
  const file = path.resolve(root, LOCK_FILE);
  const release = () => {
    const depth = (held.get(file) ?? 1) - 1;
    if (depth > 0) held.set(file, depth);
    else {
      held.delete(file);
      fs.rmSync(file, { force: true });
    }
  };
  const depth = held.get(file);
  if (depth) {
    held.set(file, depth + 1);
    return release;
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      createLockFile(file);
      held.set(file, 1);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const text = fs.readFileSync(file, 'utf8').trim();
      const owner = Number(text);
      if (!text || !Number.isInteger(owner) || (owner !== process.pid && alive(owner))) {
        const who = text && Number.isInteger(owner) ? `another synth (pid ${owner})` : 'another synth';
        throw new OutputLockError(`${who} is writing this checkout (${LOCK_FILE}): wait for it to finish and run this again; if no synth is running, delete ${file}`);
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new OutputLockError(`cannot take the lock ${file}: another synth takes it at the same time; run this again`);
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

/** Runs `f` holding the checkout's output lock (see `takeOutputLock`). */
export function withOutputLock<T>(root: string, f: () => T): T {
  const release = takeOutputLock(root);
  try {
    return f();
  } finally {
    release();
  }
}
