import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * This process's peak resident memory sampled by a small separate process while the main thread runs
 * a synth (synchronous: no timer of this process could sample it), so that `npm run bench` can say
 * in which phase a synth's peak fell. A separate process, not a worker thread, so that the sampler
 * adds nothing to the memory it measures. Linux only (it reads `VmHWM` of /proc/<pid>/status);
 * elsewhere `startRssSampler` gives undefined. A measurement only: it never changes what a synth does.
 */

/**
 * The highest RSS of the process until a time, and when it was reached: after `from` (the last
 * sample before it) and by `to` (the first sample that saw it), ms since the epoch on
 * `performance.timeOrigin + performance.now()`, the same clock in every process. The window is a
 * sampling interval, longer only when the sampler was not scheduled for a while.
 */
export interface RssPeak {
  readonly mb: number;
  readonly from: number;
  readonly to: number;
}

/** How much a sample must exceed the last one told of to be told (kB). */
const STEP_KB = 1024;

/**
 * The sampler's code (`node -e`): every `ms`, the peak RSS so far of process `pid` (`VmHWM`, the
 * kernel's high-water mark: a rise between two samples is not missed); each time it passed the
 * last one told of by `STEP_KB`, a line `<kB> <time of the sample before> <time of this sample>`
 * appended to the file `log` (a file, not a pipe: this process reads nothing while a synth runs,
 * and a pipe that filled would stop the sampler, as seen). It ends when the process is gone (it
 * is the sampler's parent).
 */
const SOURCE = `
const fs = require('fs');
const [pid, ms, step] = process.argv.slice(1, 4).map(Number);
const log = fs.openSync(process.argv[4], 'a');
const sleep = new Int32Array(new SharedArrayBuffer(4));
let told = -Infinity;
let last = 0;
// Until the process is gone: it is this one's parent (once it ends, this one is another's child and stops, even if its pid is reused).
while (process.ppid === pid) {
  let text;
  try {
    text = fs.readFileSync('/proc/' + pid + '/status', 'utf8');
  } catch {
    break;
  }
  const now = performance.timeOrigin + performance.now();
  const m = /VmHWM:\\s+(\\d+)/.exec(text);
  const kb = m ? Number(m[1]) : 0;
  if (kb >= told + step) {
    told = kb;
    fs.writeSync(log, kb + ' ' + last + ' ' + now + '\\n');
  }
  last = now;
  Atomics.wait(sleep, 0, 0, ms);
}
`;

/** A sampler that runs. */
export interface RssSampler {
  /** Stops it and gives the peak it sampled up to `until` (on `sharedClock`), within `STEP_KB`: a rise whose window starts before `until` counts. */
  peakUntil(until: number): Promise<RssPeak | undefined>;
}

/** The clock the sampler's times are on, in every process. */
export const sharedClock = (): number => performance.timeOrigin + performance.now();

/**
 * Starts sampling this process's RSS every `intervalMs`, once the sampler took its first sample
 * (the promise resolves then); undefined where /proc/self/status cannot be read or the sampler
 * does not start within a few seconds.
 */
export async function startRssSampler(intervalMs = 5): Promise<RssSampler | undefined> {
  try {
    if (!/VmHWM:/.test(fs.readFileSync('/proc/self/status', 'utf8'))) return undefined;
  } catch {
    return undefined;
  }
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rss-sampler-')), 'peaks.txt');
  fs.writeFileSync(log, '');
  const child = spawn(process.execPath, ['-e', SOURCE, String(process.pid), String(intervalMs), String(STEP_KB), log], { stdio: 'ignore' });
  const read = (): string => {
    try {
      return fs.readFileSync(log, 'utf8');
    } catch {
      return '';
    }
  };
  const remove = () => fs.rmSync(path.dirname(log), { recursive: true, force: true });
  // Running once it wrote its first sample.
  const started = await new Promise<boolean>((resolve) => {
    const giveUp = Date.now() + 5_000;
    child.once('error', () => resolve(false));
    const poll = () => (read() ? resolve(true) : Date.now() > giveUp ? resolve(false) : setTimeout(poll, 5));
    poll();
  });
  if (!started) {
    child.kill();
    remove();
    return undefined;
  }
  return {
    peakUntil: async (until) => {
      child.kill();
      const out = read();
      remove();
      let peak: RssPeak | undefined;
      for (const line of out.split('\n')) {
        const [kb, from, to] = line.split(' ').map(Number);
        // A rise seen only after `until` may have come before it: counted when the sample before it was earlier.
        if (!Number.isFinite(kb) || !Number.isFinite(from) || !Number.isFinite(to) || from >= until) continue;
        if (!peak || kb / 1024 > peak.mb) peak = { mb: kb / 1024, from, to: Math.min(to, until) };
      }
      return peak;
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
