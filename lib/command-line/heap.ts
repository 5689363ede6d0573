import * as v8 from 'v8';

/**
 * How much V8 lets the old generation grow past what the last full collection left alive, in
 * percent, for the command line's batch runs (synth, verify, diff, bench).
 *
 * V8's default is tuned for long-lived servers: after a full collection it lets the heap grow to
 * up to four times what is live before it collects again. A synth of thousands of apps keeps a few
 * hundred MB alive and makes as much garbage in bursts (the render, the N-1 simulation), so its
 * resident memory peaked at about three times its live heap. A smaller factor collects sooner:
 * measured on a 2-core machine, see docs/operations.md ("Memory").
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Sets V8's heap growing factor for this process (`HEAP_GROWING_PERCENT`), unless the process was
 * started with one of its own (`node --heap-growing-percent=N`, or in NODE_OPTIONS). V8 reads the
 * flag at each full collection, so setting it once at start-up is enough. Called by the command
 * line's entry point (scripts/tsys.ts) and by the bench's child processes, which time what the
 * command line does; never at import.
 */
export function tuneHeapForBatch(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): boolean {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a));
  if (given) return false;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
