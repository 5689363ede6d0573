import { ApiObject, Chart, Names } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { TextFile } from '../constructs/text-file';
import { collectFacts } from '../facts/declare';
import { FACTS_FILE, formatFacts, PlatformFacts } from '../facts/facts';
import { manifestBaseName } from './manifest-file';
import { PlatformError } from '../platform-error';
import type { Platform } from '../platform';
import { formatLock, LOCK_FILE } from '../paas/lock';
import { WorkloadChart } from '../paas/workload-chart';
import { AppObject, inputsJson } from './app-renders';
import { chartsToJson } from './chart-objects';
import { EarlierTexts, RenderedDocuments } from './documents';
import type { K8sObject, RenderedFile } from './rendered-file';
import { withFastResolve } from './fast-resolve';

/** The file types, for callers outside lib/ that import them from here. */

/**
 * Renders every chart of the platform into files: one folder per chart, one file per object,
 * named `<kind>-<name>.yaml` (with the namespace when two objects would share a name; `manifestBaseName`).
 */
export function renderPlatform(platform: Platform): RenderedFile[] {
  return renderPlatformWithFacts(platform).files;
}

/**
 * Renders the platform (as renderPlatform) and returns what it declares about its objects too:
 * the typed facts the simulation, verify and backup coverage read, also written to FACTS_FILE
 * for checks of the tree on disk; and the documents each manifest was serialised from, which
 * verify and the HA model read instead of parsing the files back. With `earlier` (texts of the
 * previous render, ./text-index.ts), an object that did not change takes its earlier text. An app
 * taken from its last render (WorkloadChart `rendered`, ./app-renders.ts) gives its documents from
 * there; a built app's documents are recorded for the next synth.
 */
export function renderPlatformWithFacts(platform: Platform, earlier?: EarlierTexts): { files: RenderedFile[]; facts: PlatformFacts; documents: RenderedDocuments } {
  // Each object's toJson() resolves as cdk8s's code does, faster (./fast-resolve.ts).
  return withFastResolve(() => renderWithFacts(platform, earlier));
}

function renderWithFacts(platform: Platform, earlier: EarlierTexts | undefined): { files: RenderedFile[]; facts: PlatformFacts; documents: RenderedDocuments } {
  // Every construct, walked once (nothing is added to the tree while it renders).
  const constructs = platform.app.node.findAll();
  const problems: string[] = [];
  for (const c of constructs) for (const m of c.node.validate()) problems.push(`${c.node.path}: ${m}`);
  const objectsOf = apiObjectsByChart(constructs, platform.outputs.map((o) => o.chart));
  for (const { chart } of platform.outputs) {
    for (const obj of objectsOf.get(chart) ?? []) {
      // The hashed form ends in 8 hex digits: hash only names that could be one.
      const generated = [Names.toDnsLabel(obj, { includeHash: false }), ...(/-[0-9a-f]{8}$/.test(obj.name) ? [Names.toDnsLabel(obj)] : [])];
      if (generated.includes(obj.name)) problems.push(`${obj.node.path}: ${obj.kind} has no explicit metadata.name; set one (object names are API, never generated)`);
    }
  }
  if (problems.length) throw new PlatformError(`construct validation failed:\n  ${problems.join('\n  ')}`);

  const files: RenderedFile[] = [];
  // Each app's Application (in its owner layer) is rendered from the app's inputs, the code and its
  // metadata: while those are the same, its document is taken from the app's last render.
  const applications = new Map<ApiObject, WorkloadChart>();
  for (const { chart } of platform.outputs) if (WorkloadChart.isWorkloadChart(chart) && chart.inputs.renders && chart.inputs.application) applications.set(chart.inputs.application, chart);
  const recordedDigests = new Map<unknown, string>();
  const toRecord = new Map<unknown, { readonly app: WorkloadChart; readonly metadata: string }>();
  const chartObjects = chartsToJson(platform.outputs.map((o) => o.chart).filter((c) => !WorkloadChart.isWorkloadChart(c)), (obj, toJson) => {
    const app = applications.get(obj);
    // JSON patches (none in lib/ today; cdk8s's field) are not in the key: an object with any, or whose patches cannot be read, is turned into JSON.
    const patches = (obj as unknown as { readonly patches?: unknown }).patches;
    if (!app || !Array.isArray(patches) || patches.length) return toJson();
    const metadata = inputsJson(obj.metadata.toJson());
    const recorded = app.recordedApplication(metadata);
    if (recorded) {
      recordedDigests.set(recorded.document, recorded.digest);
      return recorded.document;
    }
    const json = toJson();
    toRecord.set(json, { app, metadata });
    return json;
  });
  const documents = new RenderedDocuments(earlier);
  for (const { dir, chart } of platform.outputs) {
    const cached = WorkloadChart.isWorkloadChart(chart) ? chart.rendered : undefined;
    if (cached) {
      for (const o of cached) files.push(documents.knownFile(o.path, o.document, o.digest));
      continue;
    }
    // cdk8s resolves and validates the whole app on every Chart.toJson(): fine for a dozen
    // layers, quadratic for a thousand app charts. Those hold plain objects without
    // cross-chart dependencies (and every construct was validated above): read them directly.
    const objects = (WorkloadChart.isWorkloadChart(chart)
      ? (objectsOf.get(chart) ?? []).map((o) => o.toJson())
      : chartObjects.get(chart)) as K8sObject[];
    const base = (o: K8sObject) => manifestBaseName(o.kind, o.metadata.name);
    const counts = new Map<string, number>();
    for (const o of objects) counts.set(base(o), (counts.get(base(o)) ?? 0) + 1);
    const names = new Set<string>();
    const foldedNames = new Set<string>();
    // A built app's documents are recorded for the next synth: the JSON their digests were taken of is kept for that record.
    // Each object is the render's own (documents.ts `ownedCanonicalDocument`): a toJson() made it
    // afresh for this render (cdk8s's sanitizer copies every map and list; an upstream object's
    // JSON is canonical, or marked as borrowing its body), it is held here only until it is
    // serialised, and nothing changes it; a document recorded before (`recordedDigests`) is not copied at all.
    const fileOptions = { keepJson: WorkloadChart.isWorkloadChart(chart) && chart.inputs.renders !== undefined, owned: true };
    for (const o of objects) {
      const name = counts.get(base(o))! > 1 ? manifestBaseName(o.kind, o.metadata.name, o.metadata.namespace ?? 'cluster') : base(o);
      // Compared as a case-insensitive file system (Windows, macOS) names files.
      const folded = name.toLowerCase();
      if (foldedNames.has(folded)) throw new PlatformError(`${dir}: two objects render as ${name}.yaml (${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}), file names that differ at most in case or in characters a portable file name cannot hold (<>:"\\|?*); object identities must be unique`);
      names.add(name);
      foldedNames.add(folded);
      const file = `${dir}/${name}.yaml`;
      const digest = recordedDigests.get(o);
      files.push(digest === undefined ? documents.file(file, o, fileOptions) : documents.knownFile(file, o, digest));
      const record = toRecord.get(o);
      const known = record && documents.known(file);
      if (record && known) record.app.recordApplication({ metadata: record.metadata, document: known.document, digest: known.digest });
    }
    if (WorkloadChart.isWorkloadChart(chart) && chart.inputs.renders) {
      const known = [...names].map((n) => {
        const p = `${dir}/${n}.yaml`;
        return { path: p, known: documents.known(p), json: documents.takeJson(p) };
      });
      // An app with an inexact object (or in a render without digests) is built every time.
      if (known.every((k) => k.known)) chart.recordRender(known.map((k): AppObject => ({ path: k.path, document: k.known!.document, digest: k.known!.digest, ...(k.json === undefined ? {} : { json: k.json }) })), [...collectFacts(chart)]);
    }
    if (dir === 'argocd') {
      const kustomization = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...names].sort().map((n) => `${n}.yaml`) };
      files.push(documents.file(`${dir}/kustomization.yaml`, kustomization, { owned: true }));
    }
  }
  const seen = new Set(files.map((f) => f.path));
  for (const text of constructs.filter((c): c is TextFile => c instanceof TextFile)) {
    if (seen.has(text.path)) throw new PlatformError(`${text.node.path}: a second file renders as ${text.path}`);
    seen.add(text.path);
    files.push({ path: text.path, content: text.render(), ...(text.executable ? { executable: true } : {}) });
  }
  const facts = collectFacts(platform.app, constructs);
  if (seen.has(FACTS_FILE)) throw new PlatformError(`a text file renders as ${FACTS_FILE}, where the platform's facts go; move it`);
  files.push({ path: FACTS_FILE, content: formatFacts(facts) });
  // The apps' address lock, at the repository root beside apps/ (not read by Argo CD).
  files.push({ path: LOCK_FILE, content: formatLock(platform.appsLock) });
  // What helm rendered, reused by the next synth while its inputs are the same.
  files.push(...platform.renderer.cacheFiles());
  return { files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), facts, documents };
}

/**
 * The ApiObjects below each of `charts` (a chart's own `node.findAll()` of them, in that order),
 * from `constructs`, every construct of the app in tree order (`app.node.findAll()`): one walk of
 * the tree for every chart, not one per chart.
 */
function apiObjectsByChart(constructs: readonly IConstruct[], charts: readonly Chart[]): Map<Chart, ApiObject[]> {
  const wanted = new Set<IConstruct>(charts);
  const out = new Map<Chart, ApiObject[]>();
  for (const c of constructs) {
    if (!(c instanceof ApiObject)) continue;
    for (let s: IConstruct | undefined = c; s; s = s.node.scope) {
      if (!wanted.has(s)) continue;
      const list = out.get(s as Chart);
      if (list) list.push(c);
      else out.set(s as Chart, [c]);
    }
  }
  return out;
}
