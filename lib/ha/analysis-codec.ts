import type { Workload } from './model';

/**
 * Parts of a node-failure analysis (the N-1 results, the pods the intact site cannot place) as
 * text and back, naming each workload by its position in the model: what the analysis cache keeps
 * (./analysis-cache.ts) and what the simulation worker sends back (./simulation-worker.ts). Two
 * models with the same analysis key have the same workloads in the same order.
 */

/** `value` as JSON text: a workload of `workloads` as `{"#workload": position}`, a number JSON cannot hold as `{"#number": text}`. */
export function encodeAnalysisPart(value: unknown, workloads: readonly Workload[]): string {
  const index = new Map<object, number>(workloads.map((w, i) => [w, i]));
  return JSON.stringify(value, (_name, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return { '#number': String(v) };
    if (v && typeof v === 'object' && index.has(v)) return { '#workload': index.get(v) };
    return v;
  });
}

/**
 * The value `encodeAnalysisPart` wrote, its workloads those of `workloads` (the model it is read
 * for); throws when the text is not JSON or names a workload the model does not have.
 */
export function decodeAnalysisPart(text: string, workloads: readonly Workload[]): unknown {
  return JSON.parse(text, (_name: string, value: unknown) => revive(value, workloads));
}

/** A stored value back: a workload by its position, a number JSON cannot hold. */
function revive(value: unknown, workloads: readonly Workload[]): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const v = value as { '#workload'?: unknown; '#number'?: unknown };
  if (typeof v['#workload'] === 'number' && Object.keys(v).length === 1) {
    const w = workloads[v['#workload']];
    if (!w) throw new Error('a stored result names a workload the model does not have');
    return w;
  }
  if (typeof v['#number'] === 'string' && Object.keys(v).length === 1) return Number(v['#number']);
  return value;
}
