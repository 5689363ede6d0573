import { availableCores, startBlockingWorker } from '../render/blocking-worker';

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

/**
 * The worker's code (../render/blocking-worker.ts): plain JavaScript over `child_process` (it loads
 * none of lib/), the same git commands as ./git.ts.
 */
const WORKER_SOURCE = `
const { root, sha, folders } = data;
const { execFileSync } = require('child_process');
const git = (args) => execFileSync('git', ['-C', root, ...args], { maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] }).toString('utf8');
const tree = git(['ls-tree', '-r', '-z', sha, '--', ...folders]);
let changed;
try {
  changed = git(['diff-index', '--relative', '--no-renames', '--name-only', '-z', sha, '--', ...folders]);
} catch {
  changed = undefined;
}
port.postMessage({ result: { tree, changed } });
`;

/** How long the main thread waits for the worker's listing before it runs git itself (ms). */
export const REVISION_LISTING_TIMEOUT_MS = 60_000;

/**
 * Starts reading the listing of `sha`'s `folders` (relative to `root`) in a worker thread. The
 * function returned waits for it (blocking the calling thread, at most `timeoutMs`) and gives it,
 * or undefined when the worker could not (the caller runs git itself); it is meant to be called
 * once. With one core (`cores`) no worker is started: it would only take turns with the main thread.
 */
export function startRevisionListing(root: string, sha: string, folders: readonly string[], timeoutMs = REVISION_LISTING_TIMEOUT_MS, cores = availableCores()): () => RevisionListing | undefined {
  return startBlockingWorker<RevisionListing>({ source: WORKER_SOURCE, data: { root, sha, folders: [...folders] }, timeoutMs, cores });
}
