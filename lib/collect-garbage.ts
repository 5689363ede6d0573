import * as v8 from 'v8';
import * as vm from 'vm';

/*
 * A full garbage collection where a phase of synth leaves much garbage behind. V8 sizes its heap
 * from the live heap of its last full collection: a phase that makes hundreds of MB of garbage and
 * keeps little (the node-failure simulation of thousands of apps) otherwise grows the heap the
 * next phases start from, and peak memory with it. An optimisation of memory only: it changes
 * nothing a synth computes.
 */

/** How much the used heap may grow during a phase before `collectAfter` collects (about what 1,000 apps' simulation leaves). */
export const COLLECT_AFTER_GROWTH_BYTES = 64 * 1024 * 1024;

/**
 * How much the used heap may grow during synth's build and render before it collects: a full
 * synth of 5,000 apps grows it by about 400 MB (the construct tree, garbage once rendered), the
 * one-app change after it by about 110 MB (most of it kept: the render's documents and texts).
 */
export const COLLECT_AFTER_RENDER_BYTES = 256 * 1024 * 1024;

/** The bytes of the JavaScript heap in use (live and not yet collected). */
export function heapUsed(): number {
  return v8.getHeapStatistics().used_heap_size;
}

let gcFunction: (() => void) | null | undefined;

/**
 * V8's `gc()`: the global one when node was started with `--expose-gc`, else one taken from a
 * context made while the flag is set for that moment only (later contexts, e.g. a test runner's,
 * do not get it). Null when the runtime refuses.
 */
function exposedGc(): (() => void) | null {
  if (gcFunction === undefined) {
    const global = (globalThis as { gc?: unknown }).gc;
    if (typeof global === 'function') gcFunction = global as () => void;
    else {
      try {
        v8.setFlagsFromString('--expose-gc');
        const gc: unknown = vm.runInNewContext('gc');
        gcFunction = typeof gc === 'function' ? (gc as () => void) : null;
      } catch {
        gcFunction = null;
      } finally {
        v8.setFlagsFromString('--no-expose-gc');
      }
    }
  }
  return gcFunction;
}

/** Collects every unreachable object now (a full, blocking collection); false when the runtime gives no way to. */
export function collectGarbage(): boolean {
  const gc = exposedGc();
  if (!gc) return false;
  gc();
  return true;
}

/**
 * Collects garbage when the used heap grew by more than `growth` bytes since it was `before`
 * (`heapUsed`), most of it garbage for work that keeps little: a full collection of a live heap of
 * hundreds of MB takes a few hundred milliseconds, so work that made little garbage (a synth
 * whose simulation was cached) is not followed by one.
 */
export function collectIfGrown(before: number, growth: number = COLLECT_AFTER_GROWTH_BYTES): void {
  if (heapUsed() - before > growth) collectGarbage();
}

/** Runs `phase`, then `collectIfGrown` of the heap before it. */
export function collectAfter<T>(phase: () => T, growth: number = COLLECT_AFTER_GROWTH_BYTES): T {
  const before = heapUsed();
  const result = phase();
  collectIfGrown(before, growth);
  return result;
}
