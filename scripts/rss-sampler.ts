import * as fs from 'fs';
import { Worker } from 'worker_threads';

/**
 * This process's resident memory sampled on a worker thread while the main thread runs a synth
 * (synchronous: no timer of its own could sample it), so that `npm run bench` can say in which
 * phase a synth's peak fell. Linux only (it reads `VmRSS` of /proc/self/status); elsewhere
 * `startRssSampler` gives undefined. A measurement only: it never changes what a synth does.
 */

/** The highest RSS sampled, and when (ms on the clock `performance.timeOrigin + performance.now()`, shared by all threads). */
export interface RssPeak {
  readonly mb: number;
  readonly at: number;
}

/** The sampler's code: plain JavaScript (it loads none of lib/). `shared`: [peak kB, its time, stop flag, samples taken]. */
const SOURCE = `
const { shared, intervalMs } = require('worker_threads').workerData;
const fs = require('fs');
const sleep = new Int32Array(new SharedArrayBuffer(4));
while (shared[2] === 0) {
  const m = /VmRSS:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  const kb = m ? Number(m[1]) : 0;
  if (kb > shared[0]) {
    shared[0] = kb;
    shared[1] = performance.timeOrigin + performance.now();
  }
  shared[3]++;
  Atomics.wait(sleep, 0, 0, intervalMs);
}
`;

/** A sampler that runs: `peak` reads the peak so far; `stop` ends the sampling and gives the peak. */
export interface RssSampler {
  /** The peak sampled since the last `reset` (undefined before the first sample). */
  peak(): RssPeak | undefined;
  /** Forgets the peak so far: the next `peak` is that of what follows. */
  reset(): void;
  stop(): void;
}

/** The clock the sampler's times are on, in every thread. */
export const sharedClock = (): number => performance.timeOrigin + performance.now();

/**
 * Starts sampling this process's RSS every `intervalMs` on a worker thread, once the worker runs
 * (the promise resolves then); undefined where /proc/self/status cannot be read.
 */
export async function startRssSampler(intervalMs = 5): Promise<RssSampler | undefined> {
  try {
    if (!/VmRSS:/.test(fs.readFileSync('/proc/self/status', 'utf8'))) return undefined;
  } catch {
    return undefined;
  }
  const shared = new Float64Array(new SharedArrayBuffer(8 * 4));
  const worker = new Worker(SOURCE, { eval: true, workerData: { shared, intervalMs } });
  worker.unref();
  // Running once it took its first sample.
  const started = await new Promise<boolean>((resolve) => {
    worker.once('error', () => resolve(false));
    const poll = () => (shared[3] > 0 ? resolve(true) : setTimeout(poll, 5));
    poll();
  });
  if (!started) return undefined;
  return {
    peak: () => (shared[0] > 0 ? { mb: shared[0] / 1024, at: shared[1] } : undefined),
    reset: () => {
      shared[0] = 0;
      shared[1] = 0;
    },
    stop: () => {
      shared[2] = 1;
    },
  };
}

/**
 * The phase a moment fell in, given when each phase was reported done (`marks`, in the order
 * reported: a phase is told of when it ends, and may be told of more than once): the first mark at
 * or after it; after the last, `after`.
 */
export function phaseAt(marks: readonly (readonly [string, number])[], at: number, after = 'after the last phase'): string {
  for (const [phase, t] of marks) if (t >= at) return phase;
  return after;
}
