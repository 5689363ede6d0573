import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';
import { availableCores } from './listing-worker';

/**
 * The new files of a render written into synth's temporary folder on the other core, while the
 * main thread verifies the tree it holds in memory: creating tens of thousands of files is system
 * calls (the kernel's time, seconds at thousands of apps on this machine's disk), verify is the
 * main thread's. An optimisation only: the files, their bytes and modes are the ones the main
 * thread writes without it, a failure is the same error (its code, path and system call), and
 * when the worker cannot start the main thread writes them itself.
 */

/** One file to write: its path under the folder, its text (written as UTF-8), its mode. */
export interface FileToWrite {
  readonly rel: string;
  readonly text: string;
  readonly mode: number;
}

/** How many files make a batch worth a worker (below, writing them costs less than starting one). */
export const BACKGROUND_WRITE_MIN_FILES = 2000;

/** How long the main thread waits for the worker before it gives up on it (ms). */
export const BACKGROUND_WRITE_TIMEOUT_MS = 10 * 60_000;

/**
 * The worker's code: plain JavaScript over `fs` (it loads none of lib/). It writes each file
 * (making its folder first, once), stops at the first error, and always signals `flag` with how far
 * it got and the error, if any.
 */
const WORKER_SOURCE = `
const { workerData } = require('worker_threads');
const fs = require('fs');
const path = require('path');
const { dir, paths, bytes, ends, modes, flag, port } = workerData;
const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const rels = paths.split('\\0');
const made = new Set();
let written = 0;
let error;
try {
  let start = 0;
  for (let i = 0; i < rels.length; i++) {
    const target = path.join(dir, rels[i]);
    const folder = path.dirname(target);
    if (!made.has(folder)) {
      fs.mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    fs.writeFileSync(target, data.subarray(start, ends[i]), { mode: modes[i] });
    start = ends[i];
    written++;
  }
} catch (e) {
  error = { message: String((e && e.message) || e), code: e && e.code, errno: e && e.errno, syscall: e && e.syscall, path: e && e.path };
}
port.postMessage({ written, error });
Atomics.store(flag, 0, 1);
Atomics.notify(flag, 0);
`;

/** Files being written on the other core (`BackgroundWriter.start`). */
export class BackgroundWriter {
  private done?: { readonly written: number; readonly error?: Error };
  /** The file (its path under the folder) the worker was writing when it failed, once `wait` has thrown. */
  public failedFile?: string;

  private constructor(private readonly worker: Worker, private readonly port: MessagePort, private readonly flag: Int32Array, private readonly rels: readonly string[], private readonly timeoutMs: number) {}

  /**
   * Starts writing `files` into `dir` in a worker thread; undefined (the caller writes them) with
   * one core, for fewer than `minFiles` files, or when the worker cannot start.
   */
  public static start(dir: string, files: readonly FileToWrite[], options: { readonly cores?: number; readonly minFiles?: number; readonly timeoutMs?: number } = {}): BackgroundWriter | undefined {
    if ((options.cores ?? availableCores()) < 2 || files.length < (options.minFiles ?? BACKGROUND_WRITE_MIN_FILES)) return undefined;
    try {
      // One buffer for every file's UTF-8 bytes, encoded straight into it (no buffer per file) and
      // transferred, not copied; cut by `ends`.
      const ends = new Float64Array(files.length);
      const modes = new Int32Array(files.length);
      let total = 0;
      files.forEach((f, i) => {
        total += Buffer.byteLength(f.text, 'utf8');
        ends[i] = total;
        modes[i] = f.mode;
      });
      const bytes = Buffer.from(new ArrayBuffer(total));
      files.forEach((f, i) => bytes.write(f.text, i ? ends[i - 1] : 0, 'utf8'));
      const flag = new Int32Array(new SharedArrayBuffer(4));
      const channel = new MessageChannel();
      const rels = files.map((f) => f.rel);
      const workerData = { dir, paths: rels.join('\0'), bytes, ends, modes, flag, port: channel.port2 };
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData, transferList: [channel.port2, bytes.buffer as ArrayBuffer, ends.buffer, modes.buffer] });
      worker.unref();
      worker.on('error', () => undefined);
      return new BackgroundWriter(worker, channel.port1, flag, rels, options.timeoutMs ?? BACKGROUND_WRITE_TIMEOUT_MS);
    } catch {
      return undefined;
    }
  }

  /**
   * Waits until every file is written (blocking, at most the timeout); throws the error the first
   * file that could not be written raised (as `fs` raised it: its message, code, errno, system call
   * and path), or one saying the worker stopped answering.
   */
  public wait(): void {
    if (!this.done) {
      const waited = Atomics.wait(this.flag, 0, 0, this.timeoutMs);
      const message = receiveMessageOnPort(this.port)?.message as { written: number; error?: { message: string; code?: string; errno?: number; syscall?: string; path?: string } } | undefined;
      this.port.close();
      void this.worker.terminate();
      if (!message) {
        this.done = { written: 0, error: new Error(waited === 'timed-out' ? `writing the render's ${this.rels.length} files did not finish within ${Math.round(this.timeoutMs / 1000)} s` : 'the thread writing the render\'s files stopped without a word') };
      } else if (message.error) {
        const e = message.error;
        const error = Object.assign(new Error(e.message), {
          ...(e.code !== undefined ? { code: e.code } : {}),
          ...(e.errno !== undefined ? { errno: e.errno } : {}),
          ...(e.syscall !== undefined ? { syscall: e.syscall } : {}),
          ...(e.path !== undefined ? { path: e.path } : {}),
        });
        this.done = { written: message.written, error };
        this.failedFile = this.rels[message.written];
      } else this.done = { written: message.written };
    }
    if (this.done.error) throw this.done.error;
  }
}
