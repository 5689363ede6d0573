import * as os from 'os';
import { MessageChannel, receiveMessageOnPort, Worker } from 'worker_threads';

/**
 * Work started on the other core and waited for, blocking, when its result is first needed: the
 * start/wait protocol of ./listing-worker.ts (synth's listing of the previous render) and
 * ../diff/revision-listing.ts (the diff's listing of the base). An optimisation only: when the
 * worker cannot start, fails, dies or takes too long, the waiter gets undefined and the caller does
 * the work itself, as without it.
 */

/** What `flag` holds: the worker has not started (yet), it runs, it is done (a result or an error was sent). */
const NOT_STARTED = 0;
const RUNNING = 2;
const DONE = 1;

/**
 * How long after the start the waiter waits for the worker to start before it gives up (ms). A
 * worker starts in ~0.1 s; one that cannot (too many open files for its event loop, EMFILE; no
 * memory) reports it only on this thread's event loop, which the wait blocks, so without this the
 * waiter would wait the whole `timeoutMs`.
 */
export const WORKER_START_TIMEOUT_MS = 2_000;

/** The cores this process may run on (`os.availableParallelism`, else the CPUs listed). */
export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** What `startBlockingWorker` runs and how long it waits. */
export interface BlockingWorkerProps {
  /**
   * The worker's code: plain JavaScript (it loads none of lib/), run with `data` (the `data` given,
   * structured-cloned) and `port` in scope. It sends its result with `port.postMessage({ result },
   * transferList?)`; an error it throws, or no message, gives the waiter undefined.
   */
  readonly source: string;
  /** What the code reads as `data`. */
  readonly data: unknown;
  /** How long the waiter waits for the result once the worker has started (ms). */
  readonly timeoutMs: number;
  /** The cores to count on (default `availableCores()`): with fewer than 2 no worker is started, it would only take turns with the main thread. */
  readonly cores?: number;
}

/**
 * The worker's code around `source`: it signals `flag` as it starts (RUNNING), and always at the
 * end (DONE), after a result or an error was sent.
 */
function wrapped(source: string): string {
  return `
const { flag, port, data } = require('worker_threads').workerData;
Atomics.store(flag, 0, ${RUNNING});
Atomics.notify(flag, 0);
try {
${source}
} catch (e) {
  port.postMessage({ error: String((e && e.message) || e) });
}
Atomics.store(flag, 0, ${DONE});
Atomics.notify(flag, 0);
`;
}

/**
 * Starts `source` in a worker thread. The function returned waits for its result (blocking the
 * calling thread: at most `WORKER_START_TIMEOUT_MS` from now for the worker to start, then at most
 * `timeoutMs`) and gives it, or undefined when the worker gave none (it could not start, failed,
 * died or took too long; one that took too long is terminated); it is meant to be called once, and
 * a second call gives the first answer without waiting. The worker never keeps the process alive.
 */
export function startBlockingWorker<T>(props: BlockingWorkerProps): () => T | undefined {
  if ((props.cores ?? availableCores()) < 2) return () => undefined;
  let flag: Int32Array;
  let channel: MessageChannel;
  let worker: Worker;
  try {
    flag = new Int32Array(new SharedArrayBuffer(4));
    channel = new MessageChannel();
    worker = new Worker(wrapped(props.source), { eval: true, workerData: { flag, port: channel.port2, data: props.data }, transferList: [channel.port2] });
    // Never keeps the process alive, and an error it raises (it cannot start) is the fallback's case.
    worker.unref();
    worker.on('error', () => undefined);
  } catch {
    return () => undefined;
  }
  const startBy = Date.now() + WORKER_START_TIMEOUT_MS;
  let result: T | undefined;
  let done = false;
  return () => {
    if (done) return result;
    done = true;
    Atomics.wait(flag, 0, NOT_STARTED, Math.max(0, startBy - Date.now()));
    // Not started by now: it never will (or too late to help); the caller does the work itself.
    const waited = Atomics.load(flag, 0) === NOT_STARTED ? 'timed-out' : Atomics.wait(flag, 0, RUNNING, props.timeoutMs);
    const message = receiveMessageOnPort(channel.port1)?.message as { result?: T; error?: string } | undefined;
    channel.port1.close();
    if (waited === 'timed-out') void worker.terminate();
    result = message?.result;
    return result;
  };
}
