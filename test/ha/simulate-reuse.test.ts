import { failureReportOf, haInputFromFiles, haModel, intactUnplaced, nMinusOne, nMinusOneViolations } from '../../lib/ha/analysis';
import { deployability, simulateScenario } from '../../lib/ha/deployability';
import { failureReport } from '../../lib/ha/report';
import { isViolation, simulate } from '../../lib/ha/simulate';
import { renderSite } from '../../lib/synth';
import { shippedSite } from '../helpers';

describe('the N-1 simulation run once per model', () => {
  const files = renderSite(shippedSite());
  // Two models of one render, as synth's report (from memory) and verify (from disk) build them.
  const first = haModel(haInputFromFiles(files));
  const second = haModel(haInputFromFiles(files));

  test('GIVEN two equal models WHEN the second is simulated after the first THEN its results equal a fresh simulation and name its own workloads', () => {
    const cluster = second.cluster!;
    nMinusOne(first);
    const reused = nMinusOne(second);
    const fresh = cluster.nodes.map((n) => simulate(cluster, second.workloads, [n.name]));
    expect(reused).toEqual(fresh);
    const own = new Set(second.workloads);
    for (const r of reused) {
      for (const o of r.outcomes) expect(own.has(o.workload)).toBe(true);
      for (const u of r.unplaced) expect(own.has(u.workload)).toBe(true);
    }
  });

  test('GIVEN a model whose workload changes WHEN simulated again THEN it is simulated anew, not answered from the earlier run', () => {
    const cluster = first.cluster!;
    const before = nMinusOne(first);
    const heavier = { ...first, workloads: first.workloads.map((w, i) => (i === 0 ? { ...w, cpuMillis: w.cpuMillis + 1 } : w)) };
    const after = nMinusOne(heavier);
    expect(after).toEqual(cluster.nodes.map((n) => simulate(cluster, heavier.workloads, [n.name])));
    expect(after[0].outcomes.map((o) => o.workload)).not.toEqual(before[0].outcomes.map((o) => o.workload));
  });

  /** `m` with a workload that breaks N-1 (one replica, not a singleton) and one the intact site cannot place (more CPU than any node has). */
  const troubled = (m: typeof first) => {
    const one = m.workloads.findIndex((w) => w.kind === 'Deployment' && !w.singleton);
    const big = m.workloads.findIndex((w, i) => i !== one && w.kind === 'Deployment');
    return { ...m, workloads: m.workloads.map((w, i) => (i === one ? { ...w, replicas: 1, pdbMin: undefined } : i === big ? { ...w, cpuMillis: 1e9 + 1 } : w)) };
  };

  test('GIVEN two equal models WHEN the second asks for the N-1 violations after the first THEN each scenario equals a fresh one with only its violations, naming its own workloads', () => {
    const [a, b] = [troubled(first), troubled(second)];
    const fresh = b.cluster!.nodes.map((n) => simulate(b.cluster!, b.workloads, [n.name]));
    for (const earlier of [() => nMinusOne(a), () => nMinusOneViolations(a)]) {
      earlier();
      const kept = nMinusOneViolations(b);
      expect(kept).toEqual(fresh.map((r) => ({ ...r, outcomes: r.outcomes.filter(isViolation) })));
      expect(kept.some((r) => r.outcomes.length)).toBe(true);
      const own = new Set(b.workloads);
      for (const r of kept) for (const o of r.outcomes) expect(own.has(o.workload)).toBe(true);
    }
  });

  test('GIVEN two equal models WHEN the pods the intact site cannot place are asked for the second after the first THEN they equal a fresh simulation\'s and name its own workloads', () => {
    const [a, b] = [troubled(first), troubled(second)];
    intactUnplaced(a);
    const reused = intactUnplaced(b)!;
    expect(reused).toEqual(simulate(b.cluster!, b.workloads, []).unplaced);
    expect(reused.length).toBeGreaterThan(0);
    const own = new Set(b.workloads);
    for (const u of reused) expect(own.has(u.workload)).toBe(true);
  });

  test('GIVEN a model whose workload changes WHEN its unplaced pods are asked THEN it is simulated anew, not answered from the earlier one', () => {
    const before = intactUnplaced(troubled(first))!;
    const fits = first;
    expect(intactUnplaced(fits)).toEqual(simulate(fits.cluster!, fits.workloads, []).unplaced);
    expect(intactUnplaced(fits)).not.toEqual(before);
  });

  test('GIVEN a model without a cluster (no host files) WHEN its unplaced pods are asked THEN there are none to say', () => {
    expect(intactUnplaced({ ...first, cluster: undefined })).toBeUndefined();
    expect(nMinusOneViolations({ ...first, cluster: undefined })).toEqual([]);
  });

  test('GIVEN the N-1 results WHEN the report passes them to the deployability of each loss THEN the report equals one that simulates each loss again', () => {
    const results = nMinusOne(first);
    const again = (r: (typeof results)[number]) => deployability(first, { kind: 'loss', lost: r.failed }, simulateScenario(first, { kind: 'loss', lost: r.failed }));
    for (const r of results) expect(deployability(first, { kind: 'loss', lost: r.failed }, r)).toEqual(again(r));
    expect(failureReport(first, results)).toBe(failureReport(first, first.cluster!.nodes.map((n) => simulate(first.cluster!, first.workloads, [n.name]))));
  });
});

describe('the failure report written once per analysis', () => {
  const files = renderSite(shippedSite());
  const model = haModel(haInputFromFiles(files));
  /** The model after a workload's image changed: what synth models after an app's image bump. */
  const withNewImage = (m: typeof model) => ({
    ...m,
    workloads: m.workloads.map((w, i) => (i === m.workloads.findIndex((x) => x.podSpec) ? { ...w, podSpec: { ...w.podSpec, containers: [{ name: 'c', image: 'registry.example/new:2' }] } } : w)),
  });
  const fresh = (m: typeof model) => failureReport(m, m.cluster!.nodes.map((n) => simulate(m.cluster!, m.workloads, [n.name])));

  test('GIVEN a report WHEN a workload\'s pod template changes where placement does not read it (its image) THEN the same text is given, and it equals a fresh report of the changed model', () => {
    const first = failureReportOf(model);
    const changed = withNewImage(model);
    expect(failureReportOf(changed).content).toBe(first.content);
    expect(first.content).toBe(fresh(changed));
  });

  test('GIVEN a report WHEN what placement reads changes (a workload\'s CPU request) THEN the report is made anew and equals a fresh one', () => {
    const first = failureReportOf(model).content;
    const heavier = { ...model, workloads: model.workloads.map((w, i) => (i === 0 ? { ...w, cpuMillis: w.cpuMillis + 100000 } : w)) };
    expect(failureReportOf(heavier).content).toBe(fresh(heavier));
    expect(fresh(heavier)).not.toBe(first);
  });

  test('GIVEN a report WHEN what only the report reads changes (Argo CD\'s DaemonSet health rule) THEN the report is made anew and equals a fresh one', () => {
    const first = failureReportOf(model).content;
    const other = { ...model, daemonSetHealth: model.daemonSetHealth === 'builtin' ? 'one-unavailable' as const : 'builtin' as const };
    expect(failureReportOf(other).content).toBe(fresh(other));
    expect(fresh(other)).not.toBe(first);
  });
});
