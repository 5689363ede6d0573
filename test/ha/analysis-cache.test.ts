import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { failureReportOf, haInputFromFiles, haModel, intactUnplaced, nMinusOneViolations } from '../../lib/ha/analysis';
import { AnalysisCache } from '../../lib/ha/analysis-cache';
import { createHash } from 'crypto';
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
    const { header: saved, report } = fileParts(file);
    const load = (header: object) => {
      fs.writeFileSync(file, `${JSON.stringify(header)}\n${report}`);
      const cache = new AnalysisCache(file, 'code-1');
      return { loaded: cache.load(key, m.workloads), ignored: cache.ignored };
    };
    const hashed = (violations: string, unplaced: string) => ({ ...saved, violations, unplaced, hash: createHash('sha256').update(`${saved.key}\0${violations}\0${unplaced}\0${report}`).digest('hex') });

    expect(load({ ...saved, violations: saved.violations.replace('"quorum":true', '"quorum":false') })).toEqual({ loaded: undefined, ignored: 'corrupted' });
    expect(load({ ...saved, unplaced: saved.unplaced.replace('"pods":', '"pods":1') })).toEqual({ loaded: undefined, ignored: 'corrupted' });
    expect(load(hashed('{}', saved.unplaced))).toEqual({ loaded: undefined, ignored: 'corrupted' });
    expect(load(hashed(saved.violations, '{}'))).toEqual({ loaded: undefined, ignored: 'corrupted' });
    // A workload the model does not have.
    expect(load(hashed(saved.violations, '[{"workload":{"#workload":999999}}]'))).toEqual({ loaded: undefined, ignored: 'corrupted' });
    expect(load(saved).loaded?.unplaced).toEqual(unplacedOf(m));
  });

  describe('the file: a header line, then the report\'s bytes as they are', () => {
    /** A model no earlier test has seen (`troubled`), new for each test. */
    let n = 20;
    let m: ReturnType<typeof model>;
    beforeEach(() => {
      m = troubled(model(), n++);
    });
    /** The saved analysis of `m`, its key, and the file's text. */
    const savedOf = (file: string) => {
      const cold = failureReportOf(m, new AnalysisCache(file, 'code-1')).content;
      return { cold, key: keyInFile(file), text: fs.readFileSync(file, 'utf8') };
    };
    const loadFrom = (file: string, key: string) => {
      const cache = new AnalysisCache(file, 'code-1');
      return { loaded: cache.load(key, m.workloads), ignored: cache.ignored };
    };

    test('GIVEN a saved analysis WHEN the file is read THEN its report follows the header line unescaped, and loads back as the same text', () => {
      const file = path.join(dir, 'a.json');
      const { cold, key, text } = savedOf(file);
      expect(text.slice(text.indexOf('\n') + 1)).toBe(cold);
      expect(loadFrom(file, key).loaded?.report).toBe(cold);
    });

    test('GIVEN a saved analysis WHEN the file is cut short THEN it is ignored as corrupted', () => {
      const file = path.join(dir, 'a.json');
      const { key, text } = savedOf(file);
      fs.writeFileSync(file, text.slice(0, text.length - 10));
      expect(loadFrom(file, key)).toEqual({ loaded: undefined, ignored: 'corrupted' });
    });

    test('GIVEN a saved analysis WHEN the file is cut within its header line THEN it is ignored (not JSON)', () => {
      const file = path.join(dir, 'a.json');
      const { key, text } = savedOf(file);
      fs.writeFileSync(file, text.slice(0, 40));
      expect(loadFrom(file, key)).toEqual({ loaded: undefined, ignored: 'missing or not JSON' });
    });

    test('GIVEN a saved analysis WHEN its header line stands alone (no report after it) THEN it is ignored as corrupted', () => {
      const file = path.join(dir, 'a.json');
      const { key, text } = savedOf(file);
      fs.writeFileSync(file, text.slice(0, text.indexOf('\n')));
      expect(loadFrom(file, key)).toEqual({ loaded: undefined, ignored: 'corrupted' });
    });

    test('GIVEN a saved analysis WHEN the report\'s bytes are changed, its length kept THEN it is ignored as corrupted', () => {
      const file = path.join(dir, 'a.json');
      const { key, text } = savedOf(file);
      const at = text.lastIndexOf('a');
      fs.writeFileSync(file, `${text.slice(0, at)}b${text.slice(at + 1)}`);
      expect(loadFrom(file, key)).toEqual({ loaded: undefined, ignored: 'corrupted' });
    });

    test('GIVEN a file of the earlier layout (one JSON document holding the report) WHEN loaded THEN it is ignored as of another format', () => {
      const file = path.join(dir, 'a.json');
      const { key, text } = savedOf(file);
      const { header, report } = { header: JSON.parse(text.slice(0, text.indexOf('\n'))) as Record<string, unknown>, report: text.slice(text.indexOf('\n') + 1) };
      fs.writeFileSync(file, JSON.stringify({ ...header, format: 2, report }));
      expect(loadFrom(file, key)).toEqual({ loaded: undefined, ignored: 'another format' });
    });

    test('GIVEN a report with characters beyond ASCII WHEN saved and loaded THEN it is the same text', () => {
      const file = path.join(dir, 'a.json');
      const w = m.workloads;
      const report = '# Node failure — é, 日本, 🚀\n';
      new AnalysisCache(file, 'code-1').save('key-1', report, [], [], w);
      expect(new AnalysisCache(file, 'code-1').load('key-1', w)?.report).toBe(report);
    });

    test('GIVEN a report with a lone surrogate (which UTF-8 cannot hold) WHEN saved THEN nothing is kept, and the next load finds nothing', () => {
      const file = path.join(dir, 'a.json');
      const w = m.workloads;
      new AnalysisCache(file, 'code-1').save('key-2', 'broken \ud800 text', [], [], w);
      expect(fs.existsSync(file)).toBe(false);
      expect(new AnalysisCache(file, 'code-1').load('key-2', w)).toBeUndefined();
    });
  });
});

/** A saved file's header (its first line, JSON) and the report after it. */
function fileParts(file: string): { header: { key: string; violations: string; unplaced: string; hash: string }; report: string } {
  const text = fs.readFileSync(file, 'utf8');
  const end = text.indexOf('\n');
  return { header: JSON.parse(text.slice(0, end)) as { key: string; violations: string; unplaced: string; hash: string }, report: text.slice(end + 1) };
}

/** The analysis key a saved file holds (the key is internal to lib/ha/analysis.ts; the file says it). */
function keyInFile(file: string): string {
  return fileParts(file).header.key;
}
