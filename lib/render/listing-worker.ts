import * as os from 'os';
import { MessageChannel, receiveMessageOnPort, Worker } from 'worker_threads';

/**
 * The output folders listed on the other core: a worker thread reads every folder and takes the
 * stat of every file of the previous render (tens of thousands of system calls with thousands of
 * apps) while synth's main thread loads its inputs and caches and builds the platform; the render
 * waits for the listing only when it first needs it. An optimisation only: when the worker cannot
 * start, fails or takes too long, the folders are listed on the main thread, as without it.
 */

/** What is at a path the worker listed: a folder, a plain file, or another kind of file (a link...). */
export const ListedKind = { Dir: 0, File: 1, Other: 2 } as const;

/**
 * What the worker found under the folders it was given, flat (one structured copy of a string and
 * two typed arrays costs next to nothing; tens of thousands of small objects cost hundreds of ms):
 * every entry's path (relative to the root) in `paths`, each ended by a NUL (no file name holds
 * one); its kind in `kinds`; its stat and when it was taken in `numbers`, `NUMBERS` per entry
 * (size, mtimeMs, ctimeMs, ino, mode, `Date.now()`). A folder comes before what it holds, and what a
 * folder holds comes in the order it was read. `tops`: what is at each folder given.
 */
export interface RawListing {
  /** The root and the folders listed under it, as given. */
  readonly root: string;
  readonly folders: readonly string[];
  readonly tops: readonly ('dir' | 'missing' | 'other')[];
  readonly paths: string;
  /** Each entry's ./render-stats.ts `statKey`, each ended by a NUL. */
  readonly keys: string;
  readonly kinds: Uint8Array;
  readonly numbers: Float64Array;
}

/** Numbers per entry of `RawListing.numbers`. */
export const NUMBERS = 6;

/** What `flag` holds: the worker has not started (yet), it runs, it is done (a listing or an error was sent). */
const NOT_STARTED = 0;
const RUNNING = 2;
const DONE = 1;

/**
 * The worker's code: plain JavaScript over `fs` (it loads none of lib/), the same walk as
 * ./previous.ts `list` without render stats. It signals `flag` as it starts (RUNNING), and always
 * at the end (DONE), with a listing or an error.
 */
const WORKER_SOURCE = `
const { workerData } = require('worker_threads');
const { root, folders, flag, port } = workerData;
Atomics.store(flag, 0, ${RUNNING});
Atomics.notify(flag, 0);
const fs = require('fs');
const path = require('path');
const tops = [];
const paths = [];
const kinds = [];
const numbers = [];
const statOf = (p) => {
  try {
    return fs.lstatSync(p, { throwIfNoEntry: false });
  } catch (e) {
    if (e && e.code === 'ENOTDIR') return undefined;
    throw e;
  }
};
const keys = [];
const add = (rel, kind, s, at) => {
  paths.push(rel);
  // ./render-stats.ts statKey, made here: formatting the numbers costs the main thread ~0.1 s at 35,000 files.
  keys.push(s.size + ' ' + s.mtimeMs + ' ' + s.ctimeMs + ' ' + s.ino + ' ' + s.mode);
  kinds.push(kind);
  numbers.push(s.size, s.mtimeMs, s.ctimeMs, s.ino, s.mode, at);
};
const list = (dir) => {
  const at = Date.now();
  const stat = statOf(path.join(root, dir));
  if (!stat) return 'missing';
  if (!stat.isDirectory()) return 'other';
  add(dir, 0, stat, at);
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir + '/' + e.name;
    if (e.isDirectory()) {
      // Not a folder any more (changed since it was read): a name that is not a folder.
      if (list(rel) === 'other') add(rel, 2, { size: 0, mtimeMs: 0, ctimeMs: 0, ino: 0, mode: 0 }, 0);
      continue;
    }
    const fileAt = Date.now();
    const fileStat = statOf(path.join(root, rel));
    if (!fileStat) continue;
    if (fileStat.isDirectory()) list(rel);
    else add(rel, fileStat.isFile() ? 1 : 2, fileStat, fileAt);
  }
  return 'dir';
};
try {
  for (const dir of folders) tops.push(list(dir));
  const end = paths.length ? '\\0' : '';
  const listing = { root, folders, tops, paths: paths.join('\\0') + end, keys: keys.join('\\0') + end, kinds: Uint8Array.from(kinds), numbers: Float64Array.from(numbers) };
  port.postMessage({ listing }, [listing.kinds.buffer, listing.numbers.buffer]);
} catch (e) {
  port.postMessage({ error: String((e && e.message) || e) });
}
Atomics.store(flag, 0, ${DONE});
Atomics.notify(flag, 0);
`;

/** How long the main thread waits for the worker's listing before it lists the folders itself (ms). */
export const LISTING_TIMEOUT_MS = 60_000;

/**
 * How long after `startListing` the main thread waits for the worker to start before it lists the
 * folders itself (ms). A worker starts in ~0.1 s; one that cannot (too many open files for its
 * event loop, EMFILE; no memory) reports it only on this thread's event loop, which the wait blocks,
 * so without this the main thread would wait the whole `LISTING_TIMEOUT_MS`.
 */
export const WORKER_START_TIMEOUT_MS = 2_000;

/** The cores this process may run on (`os.availableParallelism`, else the CPUs listed). */
export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * Starts listing `folders` (relative to `root`) in a worker thread. The function returned waits for
 * the listing (blocking the calling thread, at most `timeoutMs`) and gives it, or undefined when the
 * worker could not give one (the caller lists the folders itself); it is meant to be called once.
 * With one core (`cores`) no worker is started: it would only take turns with the main thread and
 * V8's collector, and the caller lists the folders itself.
 */
export function startListing(root: string, folders: readonly string[], timeoutMs = LISTING_TIMEOUT_MS, cores = availableCores()): () => RawListing | undefined {
  if (cores < 2) return () => undefined;
  let flag: Int32Array;
  let channel: MessageChannel;
  let worker: Worker;
  try {
    flag = new Int32Array(new SharedArrayBuffer(4));
    channel = new MessageChannel();
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { root, folders: [...folders], flag, port: channel.port2 }, transferList: [channel.port2] });
    // Never keeps the process alive, and an error it raises (it cannot start) is the fallback's case.
    worker.unref();
    worker.on('error', () => undefined);
  } catch {
    return () => undefined;
  }
  const startBy = Date.now() + WORKER_START_TIMEOUT_MS;
  let result: RawListing | undefined;
  let done = false;
  return () => {
    if (done) return result;
    done = true;
    Atomics.wait(flag, 0, NOT_STARTED, Math.max(0, startBy - Date.now()));
    // Not started by now: it never will (or too late to help); this thread lists the folders itself.
    const waited = Atomics.load(flag, 0) === NOT_STARTED ? 'timed-out' : Atomics.wait(flag, 0, RUNNING, timeoutMs);
    const message = receiveMessageOnPort(channel.port1)?.message as { listing?: RawListing; error?: string } | undefined;
    channel.port1.close();
    if (waited === 'timed-out') void worker.terminate();
    result = message?.listing;
    return result;
  };
}
