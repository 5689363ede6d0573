import { sha256 } from '../cache-file';
import * as fs from 'fs';
import * as path from 'path';
import { OTHER_POD_KINDS, WORKLOAD_KINDS } from '../k8s/kinds';
import { isMap } from '../k8s/manifest';
import { loadManifests } from '../k8s/manifest-yaml';
import { nonFiniteAt, type ParseManifests, type TreeSource } from '../k8s/tree';
import { filesUnder, listFiles } from '../k8s/walk';
import { ARGOCD_CM, buildHaModel, HaEntry, HaInput, HaModel, HaObject, isModelHostFile, Workload } from './model';
import { FACTS_FILE, NO_FACTS, parseFacts, PlatformFacts, readFactsFile } from '../facts/facts';
import type { AnalysisCache } from './analysis-cache';
import { FAILURE_REPORT, failureReport } from './report';
import { isViolation, Outcome, ScenarioResult, simulate, Unplaced } from './simulate';

/**
 * Entry points of the HA analysis: the model from a rendered tree on disk (verify, whatif) or
 * from rendered files in memory (synth's report), and the N-1 run over every node.
 */

/**
 * The model's input from a tree on disk: dist/ objects as verify loaded them, the host files it
 * reads (from `source` when given: the tree synth is about to write), and the facts: given (synth
 * passes what the build declared), else read from the facts file.
 */
export function haInputFromDisk(root: string, objects: readonly HaObject[], declared: { facts: PlatformFacts; problems?: readonly string[] } = readFactsFile(root), source?: TreeSource): HaInput {
  const hostFiles = new Map<string, string>();
  const files = source ? filesUnder(source.files, 'dist/hosts/') : listFiles(path.join(root, 'dist', 'hosts'), 'dist/hosts/');
  for (const file of files.filter(isModelHostFile)) {
    hostFiles.set(file, source ? source.read(file) ?? '' : fs.readFileSync(path.join(root, file), 'utf8'));
  }
  return { objects: haObjectsOf(objects), hostFiles, facts: declared.facts, factsProblems: declared.problems ?? [] };
}

/** The objects the model and the HA rules read of a loaded tree: dist/'s, not argocd/ (the bootstrap twin) nor dist/hosts/. */
export function haObjectsOf<T extends HaObject>(objects: readonly T[]): T[] {
  return objects.filter((o) => o.file.startsWith('dist/') && !o.file.startsWith('dist/hosts/'));
}

/** Kinds the model reads besides workloads and other pods. */
const RELATED_KINDS = new Set(['PodDisruptionBudget', 'HorizontalPodAutoscaler', 'PersistentVolumeClaim', 'Application']);

/** Whether every object of `kind` matters to the model: a workload, a pod, or a related kind. */
function modelKind(kind: string): boolean {
  return kind in WORKLOAD_KINDS || kind in OTHER_POD_KINDS || RELATED_KINDS.has(kind);
}

/**
 * Whether a rendered file can matter to the model, judged from its text before parsing it: a
 * workload, pod or related kind (synth writes `kind:` at the top level, unindented), or possibly
 * an object the facts say declares workloads or storage (its kind, and its name in the text).
 * Skips most of a thousand apps' Services, routes and policies.
 */
function mayMatter(content: string, declaring: ReadonlyMap<string, readonly string[]>): boolean {
  const kind = /^kind: (\S+)$/m.exec(content)?.[1];
  if (kind === undefined || modelKind(kind)) return true;
  // Argo CD's config map: its health customisations decide how the deployability simulation judges DaemonSets.
  if (kind === 'ConfigMap' && content.includes(`name: ${ARGOCD_CM}\n`)) return true;
  return (declaring.get(kind) ?? []).some((name) => content.includes(name));
}

/**
 * `mayMatter` of a file read as `doc` (one of its documents), without its text: its top-level kind
 * (a document that is not a map with a string kind may matter), and the names of objects whose facts
 * declare workloads or storage searched in its JSON (the same strings its YAML holds, for the DNS
 * names objects have).
 */
function documentMayMatter(doc: unknown, declaring: ReadonlyMap<string, readonly string[]>): boolean {
  const kind = isMap(doc) ? doc.kind : undefined;
  if (typeof kind !== 'string' || modelKind(kind)) return true;
  if (kind === 'ConfigMap') {
    const metadata = (doc as { metadata?: unknown }).metadata;
    if (isMap(metadata) && metadata.name === ARGOCD_CM) return true;
  }
  const names = declaring.get(kind);
  if (!names?.length) return false;
  const json = JSON.stringify(doc);
  return names.some((name) => json.includes(name));
}

/** Kind to names of the objects whose facts declare workloads or storage. */
function declaringObjects(facts: PlatformFacts): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [key, f] of facts) {
    if (!f.workloads && !f.storage) continue;
    const [, kind, , name] = key.split('/');
    out.set(kind, [...(out.get(kind) ?? []), name]);
  }
  return out;
}

/**
 * The model's input from rendered files in memory (path and content), with the facts the build
 * declared; without them, the facts file among the files is read back. `parse` reads a file's
 * documents (synth passes its cache of parsed files); `known` gives a file's documents without
 * reading its text when it can (synth's render: a file whose text is not read yet is judged by
 * its documents, as `mayMatter` judges a text). `summarised` gives the entries of a file the
 * model takes without its documents (a summarised app's: `haProjections` of each object, kept from
 * the synth that built it): that file is neither read nor parsed.
 */
export function haInputFromFiles<F extends { readonly path: string; readonly content: string }>(files: readonly F[], facts?: PlatformFacts, parse: ParseManifests = loadManifests, known?: (file: F) => unknown[] | undefined, summarised?: (file: F) => readonly HaEntry[] | undefined): HaInput {
  const hostFiles = new Map<string, string>();
  const objects: HaObject[] = [];
  const entries: HaEntry[] = [];
  const factsFile = facts ? undefined : files.find((f) => f.path === FACTS_FILE);
  const declared = facts ? { facts, problems: [] } : factsFile ? parseFacts(factsFile.content) : { facts: NO_FACTS, problems: [] };
  const declaring = declaringObjects(declared.facts);
  for (const f of files) {
    if (isModelHostFile(f.path)) hostFiles.set(f.path, f.content);
    if (!f.path.startsWith('dist/') || f.path.startsWith('dist/hosts/') || !f.path.endsWith('.yaml')) continue;
    const given = summarised?.(f);
    if (given) {
      entries.push(...given);
      continue;
    }
    let docs = known?.(f);
    if (docs) {
      if (!docs.some((doc) => documentMayMatter(doc, declaring))) continue;
    } else {
      if (!mayMatter(f.content, declaring)) continue;
      try {
        docs = parse(f.content, f.path);
      } catch {
        continue; // verify reports the file
      }
      // An object holding a number JSON cannot (.nan, .inf) is not loaded either (verify/manifests reports it).
      docs = docs.filter((doc) => !nonFiniteAt(doc));
    }
    for (const obj of docs) {
      if (isMap(obj)) objects.push({ file: f.path, obj });
    }
  }
  return { objects, hostFiles, facts: declared.facts, factsProblems: declared.problems, ...(entries.length ? { entries } : {}) };
}

export function haModel(input: HaInput): HaModel {
  return buildHaModel(input);
}

/**
 * What the N-1 simulation and the failure report read of a model, as a hash: the cluster, every
 * workload but its pod template (the container rules read it; placement reads the fields the model
 * took from it: selectors, tolerations, requests, probes) and its update strategy (ha/rollout reads
 * it, no node loss does), the Applications, Argo CD's health
 * settings and the CronJobs' schedules. An origin (the object a finding is reported on, which they
 * do not read) counts as its file, kind and the Application it is, if any (a chart's workloads
 * belong to the Application that declares them). Two models with the same key give the same N-1
 * results and the same report: synth's report and verify's ha/failure rule build two models of one
 * render (from memory and from disk), and an app's new image changes neither.
 */
export function analysisKey(model: HaModel): string {
  let key = analysisKeys.get(model);
  if (key !== undefined) return key;
  const appIndex = new Map<object, number>(model.applications.map((a, i) => [a.origin, i]));
  const read = {
    cluster: model.cluster,
    workloads: model.workloads,
    applications: model.applications,
    daemonSetHealth: model.daemonSetHealth,
    healthCustomisations: model.healthCustomisations,
    schedules: model.otherPods.map((p) => p.schedule ?? null),
  };
  const text = JSON.stringify(read, function replacer(this: unknown, name, value: unknown) {
    if ((name === 'podSpec' || name === 'podLabels' || name === 'strategy') && this && (this as Workload).label !== undefined && (this as Workload).kind !== undefined) return undefined;
    if (name === 'origin' && value && typeof value === 'object') {
      const o = value as { file?: string; obj?: { kind?: unknown } };
      return `#origin ${o.file} ${String(o.obj?.kind)} ${appIndex.get(value) ?? -1}`;
    }
    if (value instanceof Map) return ['#Map', [...value]];
    if (value instanceof Set) return ['#Set', [...value]];
    if (typeof value === 'number' && !Number.isFinite(value)) return `#${value}`;
    if (value === undefined) return '#undefined';
    return value;
  });
  // Hashed as its UTF-8 bytes (the same hash): Node hashes a text of MBs given as bytes ten times faster than given as a string.
  key = sha256(Buffer.from(text, 'utf8'));
  analysisKeys.set(model, key);
  return key;
}
const analysisKeys = new WeakMap<HaModel, string>();


/**
 * The last analysis runs, by analysis key (one render's report, synth's capacity refusal and verify
 * share them; one key only, as they hold its model's objects), each part with the workloads it
 * names: the N-1 results, their violations only (what verify's ha/failure rule reads, and what the
 * analysis cache keeps), and the pods the intact site cannot place.
 */
const recentRuns = new Map<string, RecentRuns>();
const RECENT_RUNS = 1;
interface RecentRuns {
  readonly results?: Bound<readonly ScenarioResult[]>;
  readonly violations?: Bound<readonly ScenarioResult[]>;
  readonly unplaced?: Bound<readonly Unplaced[]>;
}
/** A run and the workloads it names. */
interface Bound<T> {
  readonly workloads: readonly Workload[];
  readonly run: T;
}
/** The last failure report, by analysis key (the next synth of the process, e.g. after an app's image changed, writes it again). */
const recentReports = new Map<string, string>();

/** A map from each workload of `from` to its counterpart (same position) in `to`. */
function counterparts(from: readonly Workload[], to: readonly Workload[]): (w: Workload) => Workload {
  const counterpart = new Map(from.map((w, i) => [w, to[i]]));
  return (x) => counterpart.get(x) ?? x;
}

/**
 * `results` computed for `from`, with each workload replaced by its counterpart (same position) in
 * `to`; with `keep`, only the outcomes it selects (each scenario's other fields whole).
 */
function rebind(results: readonly ScenarioResult[], from: readonly Workload[], to: readonly Workload[], keep?: (o: Outcome) => boolean): ScenarioResult[] {
  if (from === to) return keep ? results.map((r) => ({ ...r, outcomes: r.outcomes.filter(keep) })) : [...results];
  const w = counterparts(from, to);
  return results.map((r) => ({ ...r, outcomes: (keep ? r.outcomes.filter(keep) : r.outcomes).map((o) => ({ ...o, workload: w(o.workload) })), unplaced: rebindUnplaced(r.unplaced, w) }));
}

function rebindUnplaced(unplaced: readonly Unplaced[], w: (x: Workload) => Workload): Unplaced[] {
  return unplaced.map((u) => ({ ...u, workload: w(u.workload) }));
}

/** Every node lost on its own, in the site's node order (the same model, or an equal one, is simulated once per process). */
export function nMinusOne(model: HaModel): ScenarioResult[] {
  const cluster = model.cluster;
  if (!cluster) return [];
  const key = analysisKey(model);
  const known = recentRuns.get(key)?.results;
  if (known) return rebind(known.run, known.workloads, model.workloads);
  const results = cluster.nodes.map((n) => simulate(cluster, model.workloads, [n.name]));
  remember(key, { results: { workloads: model.workloads, run: results } });
  return [...results];
}

/**
 * `nMinusOne` with only the violations (`isViolation`) among each scenario's outcomes, every other
 * field whole: what verify's ha/failure rule reads. An equal model's are rebound to this model's
 * workloads for those outcomes only; the analysis cache keeps them for the next process.
 */
export function nMinusOneViolations(model: HaModel): ScenarioResult[] {
  if (!model.cluster) return [];
  const key = analysisKey(model);
  const known = recentRuns.get(key)?.violations;
  if (known) return rebind(known.run, known.workloads, model.workloads);
  const full = recentRuns.get(key)?.results;
  const violations = full ? rebind(full.run, full.workloads, model.workloads, isViolation) : rebind(nMinusOne(model), model.workloads, model.workloads, isViolation);
  remember(key, { violations: { workloads: model.workloads, run: violations } });
  return [...violations];
}

/**
 * The pods the intact site (no node lost) cannot place, and why: what synth's capacity refusal and
 * verify's ha/failure rule read. The same model, or an equal one, is simulated once per process,
 * and the analysis cache keeps them. Undefined without a cluster.
 */
export function intactUnplaced(model: HaModel): readonly Unplaced[] | undefined {
  const cluster = model.cluster;
  if (!cluster) return undefined;
  const key = analysisKey(model);
  const known = recentRuns.get(key)?.unplaced;
  if (known?.workloads === model.workloads) return known.run;
  // An equal model's, rebound to this model's workloads (and kept so, for its next caller).
  const unplaced = known ? rebindUnplaced(known.run, counterparts(known.workloads, model.workloads)) : simulate(cluster, model.workloads, []).unplaced;
  remember(key, { unplaced: { workloads: model.workloads, run: unplaced } });
  return unplaced;
}

/** Keeps runs of an analysis key for the next model with it (verify's, after the report's), beside what is kept already of that key. */
function remember(key: string, runs: RecentRuns): void {
  const known = recentRuns.get(key);
  recentRuns.delete(key);
  recentRuns.set(key, { ...known, ...runs });
  while (recentRuns.size > RECENT_RUNS) recentRuns.delete(recentRuns.keys().next().value!);
}

/** The outcomes of a scenario that break the rules. */
export function violations(result: ScenarioResult): Outcome[] {
  return result.outcomes.filter(isViolation);
}

/** The N-1 report synth writes (reports/failure-simulation.md), from the rendered files and the facts the build declared. */
export function failureReportFile(files: readonly { readonly path: string; readonly content: string }[], facts?: PlatformFacts): { path: string; content: string } {
  return failureReportOf(haModel(haInputFromFiles(files, facts)));
}

/**
 * The N-1 report of a model already built from the rendered files. A model with the same analysis
 * key as the last one gets the same text; with `cache` (synth's, under .synth-cache/), so does the
 * next process, and the N-1 violations and the intact site's unplaced pods it stored are the ones
 * synth's capacity refusal and verify's ha/failure rule are given (`nMinusOneViolations`, `intactUnplaced`).
 */
export function failureReportOf(model: HaModel, cache?: AnalysisCache): { path: string; content: string } {
  const key = analysisKey(model);
  let content = recentReports.get(key);
  if (content === undefined) {
    const stored = model.cluster ? cache?.load(key, model.workloads) : undefined;
    if (stored) {
      content = stored.report;
      remember(key, { violations: { workloads: model.workloads, run: stored.violations }, unplaced: { workloads: model.workloads, run: stored.unplaced } });
    } else {
      const results = nMinusOne(model);
      content = failureReport(model, results);
      // What synth's capacity refusal and verify's ha/failure rule read, for the next process.
      const unplaced = cache ? intactUnplaced(model) : undefined;
      if (cache && unplaced) cache.save(key, content, nMinusOneViolations(model), unplaced, model.workloads);
    }
    recentReports.clear();
    recentReports.set(key, content);
  }
  return { path: FAILURE_REPORT, content };
}
