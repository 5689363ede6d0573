import * as fs from 'fs';
import * as path from 'path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'worker_threads';
import { availableCores, WORKER_START_TIMEOUT_MS } from './blocking-worker';
import type { FileStat } from './render-stats';

/**
 * The staging folder's files written on the other core: a full synth writes tens of thousands of
 * files into the temporary folder (seconds of system calls on a slow disk), and verify, which
 * reads the render from memory, does not need them. So the main thread makes each file's bytes
 * and hands them over in batches, goes on to the next file and then to verify, while a worker
 * thread creates the folders and writes the files; the swap waits for it.
 *
 * An optimisation only. The worker writes the files in the order it is given them and counts
 * those written; when it cannot start, stops at a file it cannot write, or makes no progress for
 * `STALL_MS`, the main thread writes every file it has not counted itself, as without the worker
 * (so a full disk or a forbidden folder gives the error it always gave, naming the file).
 */

/** Whether a worker is worth its start (~0.1 s): only for this many files or more. */
export const STAGING_WORKER_MIN_FILES = 512;

/** Bytes per batch handed to the worker (one transfer each), and at most this many bytes waiting for it. */
const BATCH_BYTES = 1 << 20;
const MAX_WAITING_BYTES = 4 << 20;

/** How long the main thread waits without the worker writing a file before it writes the rest itself (ms). */
const STALL_MS = 30_000;

/** The slots of the shared state: batches handed over, files written, batches done, the worker's phase, a request to stop. */
const POSTED = 0;
const WRITTEN = 1;
const CONSUMED = 2;
const PHASE = 3;
const STOP = 4;
/** The numbers of a file's stat the writer keeps (`FileStat`: size, mtimeMs, ctimeMs, ino, mode). */
const STAT_FIELDS = 5;

/** `PHASE`: not started (yet), running, finished (every batch done, or stopped). */
const NOT_STARTED = 0;
const RUNNING = 1;
const FINISHED = 2;

/**
 * The worker's code: plain JavaScript over `fs` (it loads none of lib/). A batch is `{ index,
 * targets, modes, ends, buffer }`: file i holds the bytes of `buffer` from `ends[i - 1]` (0) to
 * `ends[i]`; `null` ends the work. Each file's stat is taken on the open file once written
 * (`fstat`: no path to look up again) and the batch's stats are posted back as one array. At the
 * first file it cannot write it stops writing (the main thread writes that one and the rest, and
 * reports the error).
 */
const WORKER_SOURCE = `
const { receiveMessageOnPort, workerData } = require('worker_threads');
const fs = require('fs');
const path = require('path');
const { state, port } = workerData;
Atomics.store(state, ${PHASE}, ${RUNNING});
Atomics.notify(state, ${PHASE});
const made = new Set();
let failed = false;
try {
  for (;;) {
    if (Atomics.load(state, ${STOP})) break;
    const message = receiveMessageOnPort(port);
    if (!message) {
      Atomics.wait(state, ${POSTED}, Atomics.load(state, ${CONSUMED}));
      continue;
    }
    const batch = message.message;
    if (batch === null) break;
    if (!failed && !Atomics.load(state, ${STOP})) {
      const bytes = new Uint8Array(batch.buffer);
      // Each file's stat as written (NaN: not written), handed back with the batch.
      const stats = new Float64Array(batch.targets.length * ${STAT_FIELDS}).fill(NaN);
      let start = 0;
      for (let i = 0; i < batch.targets.length; i++) {
        if (Atomics.load(state, ${STOP})) break;
        const target = batch.targets[i];
        try {
          const dir = path.dirname(target);
          if (!made.has(dir)) {
            fs.mkdirSync(dir, { recursive: true });
            made.add(dir);
          }
          const fd = fs.openSync(target, 'w', batch.modes[i]);
          try {
            const body = bytes.subarray(start, batch.ends[i]);
            for (let done = 0; done < body.length;) done += fs.writeSync(fd, body, done, body.length - done);
            const st = fs.fstatSync(fd);
            stats.set([st.size, st.mtimeMs, st.ctimeMs, st.ino, st.mode], i * ${STAT_FIELDS});
          } finally {
            fs.closeSync(fd);
          }
        } catch (e) {
          failed = true;
          break;
        }
        start = batch.ends[i];
        Atomics.add(state, ${WRITTEN}, 1);
      }
      port.postMessage({ batch: batch.index, stats }, [stats.buffer]);
    }
    Atomics.add(state, ${CONSUMED}, 1);
    Atomics.notify(state, ${CONSUMED});
  }
} finally {
  Atomics.store(state, ${PHASE}, ${FINISHED});
  Atomics.notify(state, ${PHASE});
  Atomics.notify(state, ${CONSUMED});
}
`;

/** A file handed to the worker, in order: where it goes, and how to make its bytes again if the main thread must write it. */
interface Queued {
  readonly target: string;
  readonly mode: number;
  readonly text: () => string;
  /** Its position among all files added. */
  readonly position: number;
}

/** What `StagingWriter` is given. */
export interface StagingWriterProps {
  /**
   * Writes one file on the main thread (the folders made as needed), throwing as `writeFileSync`
   * does: every file the worker did not write goes through it. Gives back the file's stat as
   * written, when it took one (`statOf`).
   */
  readonly writeHere: (target: string, bytes: Buffer, mode: number) => FileStat | void;
  /** Files written on the main thread before the worker starts (and, with fewer in all, no worker). @default STAGING_WORKER_MIN_FILES */
  readonly minFiles?: number;
  /** The cores to count on (fewer than 2: no worker). @default availableCores() */
  readonly cores?: number;
  /** Test hook: the worker's code. @default the writer's */
  readonly workerSource?: string;
  /** Test hook: how long the worker may write no file before the main thread writes the rest (ms). @default STALL_MS */
  readonly stallMs?: number;
}

/** A batch being filled for the worker. */
interface Batch {
  /** The position of its first file among all files added. */
  readonly first: number;
  readonly targets: string[];
  readonly modes: number[];
  readonly ends: number[];
  readonly buffer: Buffer;
  used: number;
}

/**
 * Writes files into a staging folder: the first `minFiles` on the main thread as they come, the
 * rest on a worker thread, and waits for them in `finish`. Each file's bytes are made when it is
 * added (`add` gives them back, for its digest); the writer keeps none of them once written, and
 * at most `MAX_WAITING_BYTES` waiting for the worker.
 */
export class StagingWriter {
  private readonly minFiles: number;
  private readonly useWorker: boolean;
  /** Files written on the main thread before the worker started. */
  private here = 0;
  /** The files handed to the worker, in order: the worker counts those it wrote (`WRITTEN`), in this order. */
  private readonly queued: Queued[] = [];
  private state?: Int32Array;
  private channel?: MessageChannel;
  private worker?: Worker;
  private startedAt = 0;
  private batch?: Batch;
  private posted = 0;
  /** The bytes of each batch posted, by position (the worker has done the first `CONSUMED`). */
  private readonly postedBytes: number[] = [];
  /** Whether the worker was given up (it could not start, or stalled): later files are written here. */
  private givenUp = false;
  /** Files added so far. */
  private added = 0;
  /** The position of the first file of each batch posted (the worker hands back its stats by batch). */
  private readonly postedFirst: number[] = [];
  /** Each file's stat as written, `STAT_FIELDS` numbers by position (NaN: none taken). */
  private stats = new Float64Array(0);

  public constructor(private readonly props: StagingWriterProps) {
    this.minFiles = props.minFiles ?? STAGING_WORKER_MIN_FILES;
    this.useWorker = (props.cores ?? availableCores()) >= 2;
  }

  /**
   * Adds the file at `target` with `mode`, its text made by `textOf` (asked once now, and again only
   * should the main thread have to write it later); gives back its bytes, to be read before the
   * next call (the writer may hand them on).
   */
  public add(target: string, mode: number, textOf: () => string): Uint8Array {
    const text = textOf();
    const position = this.added++;
    if (!this.state && (!this.useWorker || this.here < this.minFiles)) {
      this.here++;
      return this.writeNow(target, text, mode, position);
    }
    if (!this.state) this.start();
    if (this.givenUp) return this.takeOver(), this.writeNow(target, text, mode, position);
    const length = Buffer.byteLength(text, 'utf8');
    if (this.batch && this.batch.used + length > this.batch.buffer.length) this.post();
    if (this.givenUp) return this.takeOver(), this.writeNow(target, text, mode, position);
    const batch = (this.batch ??= { first: position, targets: [], modes: [], ends: [], buffer: Buffer.allocUnsafeSlow(Math.max(BATCH_BYTES, length)), used: 0 });
    const start = batch.used;
    batch.used += batch.buffer.write(text, start, 'utf8');
    batch.targets.push(target);
    batch.modes.push(mode);
    batch.ends.push(batch.used);
    this.queued.push({ target, mode, text: textOf, position });
    return batch.buffer.subarray(start, batch.used);
  }

  /**
   * The stat of the file added `position`-th (from 0) as it was once written, taken on the open file
   * right after its bytes, when one was taken (the worker's files, and the main thread's when
   * `writeHere` gives one); known after `finish`.
   */
  public statOf(position: number): FileStat | undefined {
    const at = position * STAT_FIELDS;
    if (at + STAT_FIELDS > this.stats.length || Number.isNaN(this.stats[at])) return undefined;
    const s = this.stats;
    return { size: s[at], mtimeMs: s[at + 1], ctimeMs: s[at + 2], ino: s[at + 3], mode: s[at + 4] };
  }

  /**
   * Waits until every file is written. Those the worker did not write (it could not start, could
   * not write one, or stalled) are written here, in order, and the first that cannot be written
   * throws as `writeHere` does.
   */
  public finish(): void {
    if (!this.state) return;
    if (!this.givenUp) this.post();
    if (!this.givenUp) {
      this.send(null);
      this.waitFor(() => Atomics.load(this.state!, PHASE) === FINISHED);
    }
    this.stop();
    this.takeOver();
  }

  /**
   * Once the worker is given up: writes here, in order, every file handed to it that it did not
   * write (once), so that files are written in the order they were added, and a failure is the
   * one the main thread alone would have met first.
   */
  private takeOver(): void {
    const queued = this.queued.splice(0);
    for (let i = Atomics.load(this.state!, WRITTEN); i < queued.length; i++) {
      const q = queued[i];
      this.keep(q.position, this.props.writeHere(q.target, Buffer.from(q.text(), 'utf8'), q.mode));
    }
  }

  /** Stops the worker if it runs (after a failure: the staging folder is about to be removed), without writing anything more. */
  public close(): void {
    if (this.state && !this.givenUp) this.stop();
    this.queued.length = 0;
  }

  private writeNow(target: string, text: string, mode: number, position: number): Buffer {
    const bytes = Buffer.from(text, 'utf8');
    this.keep(position, this.props.writeHere(target, bytes, mode));
    return bytes;
  }

  /** Room for the stats of the files up to `position`, as NaN (none taken). */
  private room(position: number): void {
    const need = (position + 1) * STAT_FIELDS;
    if (need <= this.stats.length) return;
    const grown = new Float64Array(Math.max(need, this.stats.length * 2, 1024 * STAT_FIELDS)).fill(NaN);
    grown.set(this.stats);
    this.stats = grown;
  }

  /** Keeps the stat of the file at `position`, when one was taken. */
  private keep(position: number, stat: FileStat | void): void {
    if (!stat) return;
    this.room(position);
    this.stats.set([stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino, stat.mode], position * STAT_FIELDS);
  }

  /** Takes the stats the worker handed back with each batch it did (before the channel closes). */
  private collect(): void {
    if (!this.channel) return;
    for (let m = receiveMessageOnPort(this.channel.port1); m; m = receiveMessageOnPort(this.channel.port1)) {
      const { batch, stats } = m.message as { batch: number; stats: Float64Array };
      const first = this.postedFirst[batch];
      // Not `instanceof`: the array comes from Node's realm, which under a test runner's sandbox is not the code's.
      if (first === undefined || !ArrayBuffer.isView(stats) || stats.BYTES_PER_ELEMENT !== 8) continue;
      this.room(first + stats.length / STAT_FIELDS - 1);
      this.stats.set(stats, first * STAT_FIELDS);
    }
  }

  private start(): void {
    this.state = new Int32Array(new SharedArrayBuffer(4 * 5));
    this.startedAt = Date.now();
    try {
      this.channel = new MessageChannel();
      this.worker = new Worker(this.props.workerSource ?? WORKER_SOURCE, { eval: true, workerData: { state: this.state, port: this.channel.port2 }, transferList: [this.channel.port2] });
      // Never keeps the process alive; an error it raises (it cannot start) is the stall's case.
      this.worker.unref();
      this.worker.on('error', () => undefined);
    } catch {
      this.givenUp = true;
    }
  }

  /** Hands the batch being filled to the worker, first waiting while too many bytes wait for it. */
  private post(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    // The bytes of the batches posted that the worker has not done yet (a batch larger than the limit alone, a file of many MB, still goes once none waits).
    const waiting = (): number => {
      let bytes = 0;
      for (let i = Atomics.load(this.state!, CONSUMED); i < this.postedBytes.length; i++) bytes += this.postedBytes[i];
      return bytes;
    };
    const fits = () => {
      const bytes = waiting();
      return bytes === 0 || bytes + batch.used <= MAX_WAITING_BYTES;
    };
    if (!fits()) this.waitFor(fits);
    // Given up while waiting: the batch's files are in `queued`, and `finish` writes them.
    if (this.givenUp) return;
    // Its own memory (allocUnsafeSlow), transferred, not copied: the worker owns the bytes from now on.
    const buffer = batch.buffer.buffer as ArrayBuffer;
    this.postedBytes.push(batch.used);
    this.send({ index: this.postedFirst.push(batch.first) - 1, targets: batch.targets, modes: batch.modes, ends: batch.ends, buffer }, [buffer]);
  }

  private send(message: unknown, transfer: ArrayBuffer[] = []): void {
    this.channel!.port1.postMessage(message, transfer);
    Atomics.store(this.state!, POSTED, ++this.posted);
    Atomics.notify(this.state!, POSTED);
  }

  /**
   * Waits, blocking, until `done()` or the worker has finished; gives the worker up when it has not
   * started `WORKER_START_TIMEOUT_MS` after its start or writes no file for `STALL_MS`.
   */
  private waitFor(done: () => boolean): void {
    const state = this.state!;
    let written = Atomics.load(state, WRITTEN);
    let progressAt = Date.now();
    while (!done()) {
      const phase = Atomics.load(state, PHASE);
      if (phase === FINISHED) return;
      if (phase === NOT_STARTED) {
        if (Date.now() - this.startedAt > WORKER_START_TIMEOUT_MS) return this.stop();
        Atomics.wait(state, PHASE, NOT_STARTED, 50);
        continue;
      }
      Atomics.wait(state, CONSUMED, Atomics.load(state, CONSUMED), 50);
      const now = Atomics.load(state, WRITTEN);
      if (now !== written) {
        written = now;
        progressAt = Date.now();
      } else if (Date.now() - progressAt > (this.props.stallMs ?? STALL_MS)) {
        return this.stop();
      }
    }
  }

  /**
   * Gives the worker up (a file it is writing is finished first, for up to `STALL_MS`): the main
   * thread writes what it did not. POSTED is changed as well as notified, so a worker between its
   * check of STOP and its wait does not sleep through the request. A worker stuck longer in one
   * system call (a hung disk) is left to it: the main thread may then write a file the worker is
   * writing (the same bytes), or, after a failure, the worker may make a folder in the temporary
   * folder being removed, which the next synth removes (`removeStaleTemps`).
   */
  private stop(): void {
    if (this.givenUp && !this.worker) return;
    this.givenUp = true;
    const state = this.state!;
    Atomics.store(state, STOP, 1);
    Atomics.add(state, POSTED, 1);
    Atomics.notify(state, POSTED);
    if (Atomics.load(state, PHASE) === RUNNING) Atomics.wait(state, PHASE, RUNNING, this.props.stallMs ?? STALL_MS);
    if (this.worker) void this.worker.terminate();
    this.worker = undefined;
    this.collect();
    this.channel?.port1.close();
  }
}

/** `StagingWriter`'s `writeHere` for a staging folder: the file's folder made once, then the file written, and its stat taken on the open file. */
export function writeHereInto(): (target: string, bytes: Buffer, mode: number) => FileStat {
  const made = new Set<string>();
  return (target, bytes, mode) => {
    const dir = path.dirname(target);
    if (!made.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    const fd = fs.openSync(target, 'w', mode);
    try {
      for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done, bytes.length - done);
      return fs.fstatSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  };
}
