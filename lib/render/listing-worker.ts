import { availableCores, startBlockingWorker } from './blocking-worker';

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

/**
 * The worker's code (./blocking-worker.ts): plain JavaScript over `fs` (it loads none of lib/), the
 * same walk as ./previous.ts `list` without render stats.
 */
const WORKER_SOURCE = `
const { root, folders } = data;
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
for (const dir of folders) tops.push(list(dir));
const end = paths.length ? '\\0' : '';
const listing = { root, folders, tops, paths: paths.join('\\0') + end, keys: keys.join('\\0') + end, kinds: Uint8Array.from(kinds), numbers: Float64Array.from(numbers) };
port.postMessage({ result: listing }, [listing.kinds.buffer, listing.numbers.buffer]);
`;

/** How long the main thread waits for the worker's listing before it lists the folders itself (ms). */
export const LISTING_TIMEOUT_MS = 60_000;

/**
 * Starts listing `folders` (relative to `root`) in a worker thread. The function returned waits for
 * the listing (blocking the calling thread, at most `timeoutMs`) and gives it, or undefined when the
 * worker could not give one (the caller lists the folders itself); it is meant to be called once.
 * With one core (`cores`) no worker is started: it would only take turns with the main thread and
 * V8's collector, and the caller lists the folders itself.
 */
export function startListing(root: string, folders: readonly string[], timeoutMs = LISTING_TIMEOUT_MS, cores = availableCores()): () => RawListing | undefined {
  return startBlockingWorker<RawListing>({ source: WORKER_SOURCE, data: { root, folders: [...folders] }, timeoutMs, cores });
}
