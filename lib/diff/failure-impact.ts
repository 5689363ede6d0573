import { haInputFromFiles, haModel, nMinusOne } from '../ha/analysis';
import type { ParseManifests } from '../k8s/tree';
import { FAILURE_REPORT } from '../ha/report';
import type { Outcome, ScenarioResult } from '../ha/simulate';

/**
 * What a change of the node-failure report (reports/failure-simulation.md) means, computed from
 * the typed simulation of both sides rather than read from the Markdown: the N-1 simulation runs
 * on the base's rendered files and on the head's, and the outcomes are compared workload by
 * workload and node by node.
 */

/** Sentences listed before `… and N more`. */
export const MAX_IMPACT_LINES = 20;

/** A file of one side (path and text). */
export interface SideFile {
  readonly path: string;
  readonly content: string;
}

function seconds(s: number): string {
  return Number.isFinite(s) ? `${Math.round(s)} s` : 'an outage that does not end';
}

/** Outcomes by workload label, per lost node. */
function byNode(results: readonly ScenarioResult[]): Map<string, Map<string, Outcome>> {
  const out = new Map<string, Map<string, Outcome>>();
  for (const r of results) out.set(r.failed.join(', '), new Map(r.outcomes.map((o) => [o.label, o])));
  return out;
}

/** Seconds without service a workload has across the scenarios (its worst). */
function worst(results: ReadonlyMap<string, ReadonlyMap<string, Outcome>>, label: string): number {
  let max = 0;
  for (const outcomes of results.values()) max = Math.max(max, outcomes.get(label)?.outageSeconds ?? 0);
  return max;
}

function simulateFiles(files: readonly SideFile[], parse?: ParseManifests): { results: ScenarioResult[]; unplaced: number } {
  const model = haModel(haInputFromFiles(files, undefined, parse));
  const results = nMinusOne(model);
  return { results, unplaced: results[0]?.unplaced.reduce((n, u) => n + u.pods, 0) ?? 0 };
}

/**
 * The meaning of the failure report's change, one sentence each, most serious first: a new single
 * point of failure (a workload with no outage on any node's loss before, one now), an outage added
 * or grown when a node is lost, a budget newly broken, pods that no longer fit the intact site,
 * then outages shortened or gone. Empty when the simulation of both sides agrees (the report's
 * text changed for another reason) or when the report is not on both sides.
 *
 * `parse` reads a manifest's documents as `loadManifests` does, for both sides: the head render's
 * `RenderedDocuments.parse`, which gives the documents it serialised for a file with exactly that
 * text (every head file, and every base file the change left alone) instead of parsing it again.
 * @default loadManifests
 */
export function failureImpact(base: readonly SideFile[], head: readonly SideFile[], parse?: ParseManifests): string[] {
  const a = base.find((f) => f.path === FAILURE_REPORT);
  const b = head.find((f) => f.path === FAILURE_REPORT);
  if (!a || !b || a.content === b.content) return [];
  const before = simulateFiles(base, parse);
  const after = simulateFiles(head, parse);
  const was = byNode(before.results);
  const now = byNode(after.results);
  const worse: string[] = [];
  const better: string[] = [];
  const spof = new Set<string>();

  for (const [node, outcomes] of now) {
    const old = was.get(node);
    for (const [label, o] of outcomes) {
      const p = old?.get(label);
      const prev = p?.outageSeconds ?? 0;
      if (o.outageSeconds > 0 && worst(was, label) === 0 && !spof.has(label)) {
        spof.add(label);
        worse.push(`new single point of failure: ${label}${o.singleton && o.workload.singleton ? ` (${o.workload.singleton})` : ''}`);
      }
      if (o.outageSeconds > prev) {
        const budget = o.budgetSeconds !== undefined && o.outageSeconds > o.budgetSeconds && !(prev > o.budgetSeconds) ? `, over its ${o.budgetSeconds} s budget` : '';
        worse.push(prev === 0
          ? `${label} adds ${Number.isFinite(o.outageSeconds) ? `a ${seconds(o.outageSeconds)} outage` : 'an outage that does not end'} when ${node} is lost${budget}`
          : `${label}: its outage when ${node} is lost grows from ${seconds(prev)} to ${seconds(o.outageSeconds)}${budget}`);
      } else if (o.outageSeconds < prev) {
        better.push(o.outageSeconds === 0 ? `${label} no longer has an outage when ${node} is lost (was ${seconds(prev)})` : `${label}: its outage when ${node} is lost shrinks from ${seconds(prev)} to ${seconds(o.outageSeconds)}`);
      } else if (o.verdict !== p?.verdict && (o.verdict === 'unknown' || p?.verdict === 'unknown')) {
        (o.verdict === 'unknown' ? worse : better).push(`${label}: recovery when ${node} is lost is ${o.verdict === 'unknown' ? 'no longer known' : 'known again'} (${o.why})`);
      }
    }
    for (const [label, p] of old ?? []) {
      if (!outcomes.has(label) && p.outageSeconds > 0) better.push(`${label} is gone: its ${seconds(p.outageSeconds)} outage when ${node} is lost with it`);
    }
  }
  for (const node of was.keys()) if (!now.has(node)) better.push(`node ${node} is no longer simulated (no longer in the site)`);
  for (const node of now.keys()) if (!was.has(node)) worse.push(`node ${node} is new: the simulation now covers losing it`);
  if (after.unplaced > before.unplaced) worse.push(`${after.unplaced - before.unplaced} more pods no longer fit the intact site (${after.unplaced} in all)`);
  else if (after.unplaced < before.unplaced) better.push(`${before.unplaced - after.unplaced} pods that did not fit the intact site now do`);
  const quorumLost = after.results.filter((r) => !r.quorum).map((r) => r.failed.join(', ')).filter((n) => was.has(n) && before.results.find((r) => r.failed.join(', ') === n)?.quorum);
  for (const n of quorumLost) worse.unshift(`losing ${n} now loses the servers' quorum (etcd stops)`);
  const all = [...worse, ...better];
  return all.length > MAX_IMPACT_LINES ? [...all.slice(0, MAX_IMPACT_LINES), `… and ${all.length - MAX_IMPACT_LINES} more (npm run whatif -- --fail <node> shows each case)`] : all;
}
