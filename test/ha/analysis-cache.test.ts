import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { failureReportOf, haInputFromFiles, haModel, intactRun, nMinusOne } from '../../lib/ha/analysis';
import { AnalysisCache } from '../../lib/ha/analysis-cache';
import { sha256 } from '../../lib/cache-file';
import { failureReport } from '../../lib/ha/report';
import { simulate } from '../../lib/ha/simulate';
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

  test('GIVEN an analysis saved by one run WHEN the next run loads it for an equal model THEN the report is the same text and the results equal a fresh simulation, naming the new model\'s workloads', () => {
    const cache = new AnalysisCache(path.join(dir, 'a.json'), 'code-1');
    const first = unseen(model(), 1);
    const report = failureReportOf(first, cache).content;
    expect(fs.existsSync(path.join(dir, 'a.json'))).toBe(true);
    const next = unseen(model(), 1);
    // What a new process sees: the same key, a model of its own.
    const loaded = new AnalysisCache(path.join(dir, 'a.json'), 'code-1').load(keyInFile(path.join(dir, 'a.json')), next.workloads);
    expect(loaded?.report).toBe(report);
    expect(loaded?.report).toBe(failureReport(next, fresh(next)));
    expect(loaded?.results).toEqual(fresh(next));
    const own = new Set(next.workloads);
    for (const r of loaded!.results) for (const o of r.outcomes) expect(own.has(o.workload)).toBe(true);
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

  test('GIVEN a report taken from the file WHEN verify\'s ha/failure rule asks for the N-1 results of an equal model THEN it gets the stored ones, equal to a fresh simulation', () => {
    const file = path.join(dir, 'a.json');
    const m = unseen(model(), 3);
    failureReportOf(m, new AnalysisCache(file, 'code-1'));
    // Another analysis in between, so the process no longer holds this one in memory.
    failureReportOf(unseen(model(), 4));
    const again = unseen(model(), 3);
    failureReportOf(again, new AnalysisCache(file, 'code-1'));
    const verifyModel = unseen(model(), 3);
    expect(nMinusOne(verifyModel)).toEqual(fresh(verifyModel));
  });

  test('GIVEN an analysis saved by one run WHEN the next run loads it THEN the intact placement equals a fresh one, naming the new model\'s workloads', () => {
    const file = path.join(dir, 'a.json');
    failureReportOf(unseen(model(), 5), new AnalysisCache(file, 'code-1'));
    const next = unseen(model(), 5);
    const loaded = new AnalysisCache(file, 'code-1').load(keyInFile(file), next.workloads);
    expect(loaded?.intact).toEqual(simulate(next.cluster!, next.workloads, []));
    const own = new Set(next.workloads);
    for (const o of loaded!.intact.outcomes) expect(own.has(o.workload)).toBe(true);
  });

  test('GIVEN a report taken from the file WHEN synth\'s capacity refusal and verify ask for the intact placement of an equal model THEN they get the stored one, equal to a fresh simulation', () => {
    const file = path.join(dir, 'a.json');
    failureReportOf(unseen(model(), 6), new AnalysisCache(file, 'code-1'));
    // Another analysis in between, so the process no longer holds this one in memory.
    failureReportOf(unseen(model(), 7));
    failureReportOf(unseen(model(), 6), new AnalysisCache(file, 'code-1'));
    const verifyModel = unseen(model(), 6);
    expect(intactRun(verifyModel)).toEqual(simulate(verifyModel.cluster!, verifyModel.workloads, []));
    expect(intactRun(verifyModel)!.outcomes.every((o) => verifyModel.workloads.includes(o.workload))).toBe(true);
  });

  test('GIVEN a saved analysis WHEN its intact placement is garbled (changed under the same hash, or not a result under a matching one) THEN the file is ignored as corrupted', () => {
    const file = path.join(dir, 'a.json');
    const m = unseen(model(), 8);
    failureReportOf(m, new AnalysisCache(file, 'code-1'));
    const key = keyInFile(file);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { key: string; report: string; results: string; intact: string; hash: string };

    fs.writeFileSync(file, JSON.stringify({ ...saved, intact: saved.intact.replace('"quorum":true', '"quorum":false') }));
    const changed = new AnalysisCache(file, 'code-1');
    expect(changed.load(key, m.workloads)).toBeUndefined();
    expect(changed.ignored).toBe('corrupted');

    const notResult = '[]';
    fs.writeFileSync(file, JSON.stringify({ ...saved, intact: notResult, hash: sha256(`${saved.key}\0${saved.report}\0${saved.results}\0${notResult}`) }));
    const shape = new AnalysisCache(file, 'code-1');
    expect(shape.load(key, m.workloads)).toBeUndefined();
    expect(shape.ignored).toBe('corrupted');
  });
});

/** The analysis key a saved file holds (the key is internal to lib/ha/analysis.ts; the file says it). */
function keyInFile(file: string): string {
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { key: string }).key;
}
