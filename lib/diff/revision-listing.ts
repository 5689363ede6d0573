import { MessageChannel, receiveMessageOnPort, Worker } from 'worker_threads';
import { availableCores } from '../render/listing-worker';

/**
 * The base's listing read on the other core: a worker thread runs `git ls-tree` of the revision's
 * folders and `git diff-index` of the working tree against it (./git.ts `readRevision` and
 * `changedInWorkingTree`) while the main thread renders the head, which needs neither. An
 * optimisation only: when the worker cannot start, git fails there, or it takes too long, the main
 * thread runs the same git commands itself afterwards, as without it (and reports their errors).
 */

/** What the worker read: `git ls-tree -r -z` of the revision, and `git diff-index --name-only -z` (undefined when git failed there). */
export interface RevisionListing {
  readonly tree: string;
  readonly changed?: string;
}

/** What `flag` holds: the worker has not started (yet), it runs, it is done (a listing or an error was sent). */
const NOT_STARTED = 0;
const RUNNING = 2;
const DONE = 1;

/**
 * The worker's code: plain JavaScript over `child_process` (it loads none of lib/), the same git
 * commands as ./git.ts. It signals `flag` as it starts (RUNNING), and always at the end (DONE).
 */
const WORKER_SOURCE = `
const { workerData } = require('worker_threads');
const { root, sha, folders, flag, port } = workerData;
Atomics.store(flag, 0, ${RUNNING});
Atomics.notify(flag, 0);
const { execFileSync } = require('child_process');
const git = (args) => execFileSync('git', ['-C', root, ...args], { maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] }).toString('utf8');
try {
  const tree = git(['ls-tree', '-r', '-z', sha, '--', ...folders]);
  let changed;
  try {
    changed = git(['diff-index', '--relative', '--no-renames', '--name-only', '-z', sha, '--', ...folders]);
  } catch {
    changed = undefined;
  }
  port.postMessage({ listing: { tree, changed } });
} catch (e) {
  port.postMessage({ error: String((e && e.message) || e) });
}
Atomics.store(flag, 0, ${DONE});
Atomics.notify(flag, 0);
`;

/** How long the main thread waits for the worker's listing before it runs git itself (ms). */
export const REVISION_LISTING_TIMEOUT_MS = 60_000;

/** How long the main thread waits for the worker to start before it runs git itself (ms); see ../render/listing-worker.ts `WORKER_START_TIMEOUT_MS`. */
export const REVISION_WORKER_START_TIMEOUT_MS = 2_000;

/**
 * Starts reading the listing of `sha`'s `folders` (relative to `root`) in a worker thread. The
 * function returned waits for it (blocking the calling thread, at most `timeoutMs`) and gives it,
 * or undefined when the worker could not (the caller runs git itself); it is meant to be called
 * once. With one core (`cores`) no worker is started: it would only take turns with the main thread.
 */
export function startRevisionListing(root: string, sha: string, folders: readonly string[], timeoutMs = REVISION_LISTING_TIMEOUT_MS, cores = availableCores()): () => RevisionListing | undefined {
  if (cores < 2) return () => undefined;
  let flag: Int32Array;
  let channel: MessageChannel;
  let worker: Worker;
  try {
    flag = new Int32Array(new SharedArrayBuffer(4));
    channel = new MessageChannel();
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { root, sha, folders: [...folders], flag, port: channel.port2 }, transferList: [channel.port2] });
    // Never keeps the process alive, and an error it raises (it cannot start) is the fallback's case.
    worker.unref();
    worker.on('error', () => undefined);
  } catch {
    return () => undefined;
  }
  const startBy = Date.now() + REVISION_WORKER_START_TIMEOUT_MS;
  let result: RevisionListing | undefined;
  let done = false;
  return () => {
    if (done) return result;
    done = true;
    Atomics.wait(flag, 0, NOT_STARTED, Math.max(0, startBy - Date.now()));
    const waited = Atomics.load(flag, 0) === NOT_STARTED ? 'timed-out' : Atomics.wait(flag, 0, RUNNING, timeoutMs);
    const message = receiveMessageOnPort(channel.port1)?.message as { listing?: RevisionListing; error?: string } | undefined;
    channel.port1.close();
    if (waited === 'timed-out') void worker.terminate();
    result = message?.listing;
    return result;
  };
}
