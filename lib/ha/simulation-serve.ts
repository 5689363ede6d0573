import type { MessagePort } from 'worker_threads';
import { encodeAnalysisPart } from './analysis-codec';
import type { HaModel } from './model';
import { failureReport } from './report';
import { isViolation, simulate } from './simulate';

/**
 * The simulation worker's side (./simulation-worker.ts starts it): the N-1 analysis of a model the
 * main thread sends, as the main thread makes it (./analysis.ts `failureReportOf`). It imports only
 * the simulation and the report, so that the worker loads little.
 */

/** What the worker sends back: the failure report and the N-1 results with their violations only (`encodeAnalysisPart`), or why it could not. */
export type SimulationReply = { readonly report: string; readonly violations: string } | { readonly error: string };

/**
 * The failure report of `model` and its N-1 violations, computed as ./analysis.ts computes them
 * (`nMinusOne`, then the report, then `nMinusOneViolations`), the violations as text naming the
 * model's workloads by position.
 */
export function analyse(model: HaModel): { report: string; violations: string } {
  const cluster = model.cluster;
  if (!cluster) throw new Error('the model has no cluster to simulate');
  const results = cluster.nodes.map((n) => simulate(cluster, model.workloads, [n.name]));
  const report = failureReport(model, results);
  const violations = results.map((r) => ({ ...r, outcomes: r.outcomes.filter(isViolation) }));
  return { report, violations: encodeAnalysisPart(violations, model.workloads) };
}

/**
 * Answers the one request that comes on `port` (`{ model }`), then sets `flag` to 1 and wakes the
 * main thread, which waits on it (Atomics.wait) and takes the reply off the port. `beforeAnswer`
 * runs once the analysis is made, before it is sent (the worker's last words: the main thread may
 * stop it as soon as it has the answer).
 */
export function serve(port: MessagePort, flag: Int32Array, beforeAnswer: () => void = () => undefined): void {
  port.once('message', (request: { readonly model: HaModel }) => {
    let reply: SimulationReply;
    try {
      reply = analyse(request.model);
    } catch (e) {
      reply = { error: e instanceof Error ? e.message : String(e) };
    }
    try {
      beforeAnswer();
    } catch {
      // Best effort (the code cache).
    }
    port.postMessage(reply);
    port.close();
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
}
