import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generatedApp } from '../../scripts/bench-apps';
import { failureReportOf, haInputFromFiles, haModel, nMinusOne, nMinusOneViolations } from '../../lib/ha/analysis';
import { decodeAnalysisPart, encodeAnalysisPart } from '../../lib/ha/analysis-codec';
import type { HaModel } from '../../lib/ha/model';
import { failureReport } from '../../lib/ha/report';
import { analyse } from '../../lib/ha/simulation-serve';
import { lightModel, SimulationWorker } from '../../lib/ha/simulation-worker';
import { isViolation, simulate } from '../../lib/ha/simulate';
import { loadInputs, renderSiteAnalysed } from '../../lib/synth';

const REPO = path.resolve(__dirname, '..', '..');

/** A checkout of the shipped site with `n` generated apps (every strategy, volumes, databases, autoscaling). */
function rootWithApps(n: number): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'simulation-worker-'));
  fs.copyFileSync(path.join(REPO, 'site.yaml'), path.join(root, 'site.yaml'));
  fs.mkdirSync(path.join(root, 'apps'));
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(root, 'apps', `${generatedApp(i).name}.yaml`), generatedApp(i).text);
  return root;
}

/** The report and N-1 violations of `model`, simulated here, from scratch (no memo of the analysis module). */
function inThread(model: HaModel): { report: string; violations: unknown } {
  const cluster = model.cluster!;
  const results = cluster.nodes.map((n) => simulate(cluster, model.workloads, [n.name]));
  const report = failureReport(model, results);
  return { report, violations: results.map((r) => ({ ...r, outcomes: r.outcomes.filter(isViolation) })) };
}

/** `model` with one workload a millicore heavier: another analysis key, the same shape. */
const heavier = (model: HaModel, by: number): HaModel => ({ ...model, workloads: model.workloads.map((w, i) => (i === 0 ? { ...w, cpuMillis: w.cpuMillis + by } : w)) });

describe('the node-failure simulation on the other core', () => {
  const root = rootWithApps(20);
  const { site, apps, lock } = loadInputs(root);
  const rendered = renderSiteAnalysed(site, undefined, apps, lock);
  const model = haModel(haInputFromFiles(rendered.files, rendered.facts));

  /** `model` with a workload that breaks N-1 (one replica, not a singleton) and one the intact site cannot place. */
  const troubled = (m: HaModel): HaModel => {
    const one = m.workloads.findIndex((w) => w.kind === 'Deployment' && !w.singleton);
    const big = m.workloads.findIndex((w, i) => i !== one && w.kind === 'Deployment');
    return { ...m, workloads: m.workloads.map((w, i) => (i === one ? { ...w, replicas: 1, pdbMin: undefined } : i === big ? { ...w, cpuMillis: 1e9 + 1 } : w)) };
  };

  test.each([['as rendered', (m: HaModel) => m], ['with N-1 violations and unplaced pods', troubled]])('GIVEN the model of a site with apps of every kind, %s, WHEN its light copy (what the worker is sent) is analysed THEN the report and the violations are those of the model itself', (_what, variant) => {
    const m = variant(model);
    const own = analyse(m);
    const light = analyse(lightModel(m));
    expect(light.report).toBe(own.report);
    expect(light.violations).toBe(own.violations);
    const expected = inThread(m);
    expect(own.report).toBe(expected.report);
    expect(decodeAnalysisPart(own.violations, m.workloads)).toEqual(expected.violations);
    if (variant === troubled) expect((expected.violations as { outcomes: unknown[] }[]).some((r) => r.outcomes.length)).toBe(true);
  });

  test('GIVEN a worker WHEN it is sent the model THEN it answers the report and the violations the main thread computes', () => {
    const worker = SimulationWorker.start({ cores: 2 });
    expect(worker).toBeDefined();
    expect(worker!.request(model)).toBe(true);
    const answer = worker!.reply();
    expect(answer).toBeDefined();
    const expected = inThread(model);
    expect(answer!.report).toBe(expected.report);
    expect(decodeAnalysisPart(answer!.violations, model.workloads)).toEqual(expected.violations);
    expect(answer!.violations).toBe(encodeAnalysisPart(expected.violations, model.workloads));
  }, 120_000);

  test('GIVEN one core WHEN a worker is asked for THEN none starts (it would only take turns with the main thread)', () => {
    expect(SimulationWorker.start({ cores: 1 })).toBeUndefined();
  });

  test('GIVEN a worker that answers WHEN synth\'s report is made with it THEN its text is the in-thread one, taken when first read, and verify\'s N-1 violations are the worker\'s, naming the model\'s own workloads', () => {
    const m = heavier(model, 1);
    let started: SimulationWorker | undefined;
    const report = failureReportOf(m, undefined, () => (started = SimulationWorker.start({ cores: 2 })));
    expect(started).toBeDefined();
    const expected = inThread(m);
    expect(report.content).toBe(expected.report);
    const violations = nMinusOneViolations(m);
    expect(violations).toEqual(expected.violations);
    const own = new Set(m.workloads);
    for (const r of violations) for (const o of r.outcomes) expect(own.has(o.workload)).toBe(true);
  }, 120_000);

  test.each([
    ['cannot be asked (the model could not be sent)', { request: () => false, reply: () => undefined, close: () => undefined }],
    ['gives no answer (it failed to load, threw, or timed out)', { request: () => true, reply: () => undefined, close: () => undefined }],
  ])('GIVEN a worker that %s WHEN the report is made THEN the main thread simulates: the same report and violations', (_why, fake) => {
    const m = heavier(model, 2 + _why.length);
    const report = failureReportOf(m, undefined, () => fake as unknown as SimulationWorker);
    const expected = inThread(m);
    expect(report.content).toBe(expected.report);
    expect(nMinusOneViolations(m)).toEqual(expected.violations);
    expect(nMinusOne(m).length).toBe(m.cluster!.nodes.length);
  });

  test('GIVEN a site WHEN rendered with the simulation on the other core THEN every file has the bytes of a render without it', () => {
    // A site whose analysis this process has not made yet (the module remembers the last one).
    const root3 = rootWithApps(22);
    const inputs3 = loadInputs(root3);
    let asked = 0;
    const withWorker = renderSiteAnalysed(inputs3.site, undefined, inputs3.apps, inputs3.lock, undefined, undefined, undefined, undefined, undefined, () => { asked++; return SimulationWorker.start({ cores: 2 }); });
    const plain = renderSiteAnalysed(inputs3.site, undefined, inputs3.apps, inputs3.lock).files;
    expect(asked).toBe(1);
    expect(withWorker.files.map((f) => [f.path, f.content])).toEqual(plain.map((f) => [f.path, f.content]));
  }, 180_000);
});
