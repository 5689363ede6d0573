import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { failureReportOf, haInputFromFiles, haModel, intactUnplaced, nMinusOneViolations } from '../../lib/ha/analysis';
import { AnalysisCache } from '../../lib/ha/analysis-cache';
import { sha256 } from '../../lib/cache-file';
import { failureReport } from '../../lib/ha/report';
import { isViolation, simulate } from '../../lib/ha/simulate';
import { renderSite } from '../../lib/synth';
import { shippedSite } from '../helpers';

describe('the node-failure analysis kept for the next process', () => {
  const files = renderSite(shippedSite());
  /** A fresh model of the render, as the next process builds it (its own workload objects). */
  const model = () => haModel(haInputFromFiles(files));
  const fresh = (m: ReturnType<typeof model>) => m.cluster!.nodes.map((n) => simulate(m.cluster!, m.workloads, [n.name]));
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'analysis-cache-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  /** A model whose analysis key no earlier test of this process has seen (the process keeps the last report in memory too). */
  const unseen = (m: ReturnType<typeof model>, n: number) => ({ ...m, workloads: m.workloads.map((w, i) => (i === 0 ? { ...w, memoryBytes: w.memoryBytes + n } : w)) });
  /**
   * `unseen`, with a workload that breaks N-1 (one replica, not a singleton: an outage when its node
   * is lost) and one the intact site cannot place (more CPU than any node has), so what is kept of
   * the analysis is not empty.
   */
  const troubled = (m: ReturnType<typeof model>, n: number) => {
    const u = unseen(m, n);
    const one = u.workloads.findIndex((w) => w.kind === 'Deployment' && !w.singleton);
    const big = u.workloads.findIndex((w, i) => i !== one && w.kind === 'Deployment');
    return { ...u, workloads: u.workloads.map((w, i) => (i === one ? { ...w, replicas: 1, pdbMin: undefined } : i === big ? { ...w, cpuMillis: 1e9 } : w)) };
  };
  const violationsOf = (m: ReturnType<typeof model>) => fresh(m).map((r) => ({ ...r, outcomes: r.outcomes.filter(isViolation) }));
  const unplacedOf = (m: ReturnType<typeof model>) => simulate(m.cluster!, m.workloads, []).unplaced;

  test('GIVEN an analysis saved by one run WHEN the next run loads it for an equal model THEN the report is the same text, and the N-1 violations and the intact site\'s unplaced pods equal a fresh simulation\'s, naming the new model\'s workloads', () => {
    const cache = new AnalysisCache(path.join(dir, 'a.json'), 'code-1');
    const first = troubled(model(), 1);
    const report = failureReportOf(first, cache).content;
    expect(fs.existsSync(path.join(dir, 'a.json'))).toBe(true);
    const next = troubled(model(), 1);
    // What a new process sees: the same key, a model of its own.
    const loaded = new AnalysisCache(path.join(dir, 'a.json'), 'code-1').load(keyInFile(path.join(dir, 'a.json')), next.workloads);
    expect(loaded?.report).toBe(report);
    expect(loaded?.report).toBe(failureReport(next, fresh(next)));
    expect(loaded?.violations).toEqual(violationsOf(next));
    expect(loaded?.unplaced).toEqual(unplacedOf(next));
    expect(loaded!.violations.some((r) => r.outcomes.length)).toBe(true);
    expect(loaded!.unplaced.length).toBeGreaterThan(0);
    const own = new Set(next.workloads);
    for (const r of loaded!.violations) for (const o of r.outcomes) expect(own.has(o.workload)).toBe(true);
    for (const u of loaded!.unplaced) expect(own.has(u.workload)).toBe(true);
  });

  test('GIVEN a saved analysis WHEN the file is corrupted, written by other code, of another analysis or missing THEN it is ignored and the report is computed: the same bytes', () => {
    const file = path.join(dir, 'a.json');
    const m = unseen(model(), 2);
    const cold = failureReportOf(m, new AnalysisCache(file, 'code-1')).content;
    const key = keyInFile(file);
    const saved = fs.readFileSync(file, 'utf8');

    fs.writeFileSync(file, saved.replace('Losing', 'Lozing'));
    const corrupted = new AnalysisCache(file, 'code-1');
    expect(corrupted.load(key, m.workloads)).toBeUndefined();
    expect(corrupted.ignored).toBe('corrupted');

    fs.writeFileSync(file, saved);
    const stale = new AnalysisCache(file, 'code-2');
    expect(stale.load(key, m.workloads)).toBeUndefined();
    expect(stale.ignored).toBe('written by other code');

    const other = new AnalysisCache(file, 'code-1');
    expect(other.load('another-key', m.workloads)).toBeUndefined();
    expect(other.ignored).toBe('another analysis');

    fs.writeFileSync(file, '{ not json');
    expect(new AnalysisCache(file, 'code-1').load(key, m.workloads)).toBeUndefined();
    fs.rmSync(file);
    expect(new AnalysisCache(file, 'code-1').load(key, m.workloads)).toBeUndefined();

    // Warm (from the file) and cold give the same bytes.
    fs.writeFileSync(file, saved);
    expect(new AnalysisCache(file, 'code-1').load(key, m.workloads)?.report).toBe(cold);
    expect(cold).toBe(failureReport(m, fresh(m)));
  });

  test('GIVEN a report taken from the file WHEN synth\'s capacity refusal and verify\'s ha/failure rule ask for the violations and the unplaced pods of an equal model THEN they get the stored ones, equal to a fresh simulation\'s', () => {
    const file = path.join(dir, 'a.json');
    const m = troubled(model(), 3);
    failureReportOf(m, new AnalysisCache(file, 'code-1'));
    // Another analysis in between, so the process no longer holds this one in memory.
    failureReportOf(unseen(model(), 4));
    const again = troubled(model(), 3);
    failureReportOf(again, new AnalysisCache(file, 'code-1'));
    const verifyModel = troubled(model(), 3);
    expect(nMinusOneViolations(verifyModel)).toEqual(violationsOf(verifyModel));
    expect(intactUnplaced(verifyModel)).toEqual(unplacedOf(verifyModel));
    expect(intactUnplaced(verifyModel)!.every((u) => verifyModel.workloads.includes(u.workload))).toBe(true);
  });

  test('GIVEN a saved analysis WHEN its violations or unplaced pods are garbled (changed under the same hash, or not a list under a matching one) THEN the file is ignored as corrupted', () => {
    const file = path.join(dir, 'a.json');
    const m = troubled(model(), 8);
    failureReportOf(m, new AnalysisCache(file, 'code-1'));
    const key = keyInFile(file);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { key: string; report: string; violations: string; unplaced: string; hash: string };
    const load = (body: object) => {
      fs.writeFileSync(file, JSON.stringify(body));
      const cache = new AnalysisCache(file, 'code-1');
      return { loaded: cache.load(key, m.workloads), ignored: cache.ignored };
    };
    const hashed = (violations: string, unplaced: string) => ({ ...saved, violations, unplaced, hash: sha256(`${saved.key}\0${saved.report}\0${violations}\0${unplaced}`) });

    expect(load({ ...saved, violations: saved.violations.replace('"quorum":true', '"quorum":false') })).toEqual({ loaded: undefined, ignored: 'corrupted' });
    expect(load({ ...saved, unplaced: saved.unplaced.replace('"pods":', '"pods":1') })).toEqual({ loaded: undefined, ignored: 'corrupted' });
    expect(load(hashed('{}', saved.unplaced))).toEqual({ loaded: undefined, ignored: 'corrupted' });
    expect(load(hashed(saved.violations, '{}'))).toEqual({ loaded: undefined, ignored: 'corrupted' });
    // A workload the model does not have.
    expect(load(hashed(saved.violations, '[{"workload":{"#workload":999999}}]'))).toEqual({ loaded: undefined, ignored: 'corrupted' });
    expect(load(saved).loaded?.unplaced).toEqual(unplacedOf(m));
  });
});

/** The analysis key a saved file holds (the key is internal to lib/ha/analysis.ts; the file says it). */
function keyInFile(file: string): string {
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { key: string }).key;
}
