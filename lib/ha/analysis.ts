import * as fs from 'fs';
import * as path from 'path';
import { OTHER_POD_KINDS, WORKLOAD_KINDS } from '../k8s/kinds';
import { isMap, JsonAny } from '../k8s/manifest';
import { loadManifests } from '../k8s/manifest-yaml';
import { listFiles } from '../k8s/walk';
import { HA_ANNOTATIONS } from './annotations';
import { buildHaModel, HaInput, HaModel, HaObject, isModelHostFile } from './model';
import { FAILURE_REPORT, failureReport } from './report';
import { isViolation, Outcome, ScenarioResult, simulate } from './simulate';

/**
 * Entry points of the HA analysis: the model from a rendered tree on disk (verify, whatif) or
 * from rendered files in memory (synth's report), and the N-1 run over every node.
 */

/** The model's input from a tree on disk: dist/ objects as verify loaded them, and the host files it reads. */
export function haInputFromDisk(root: string, objects: readonly HaObject[]): HaInput {
  const hostFiles = new Map<string, string>();
  for (const file of listFiles(path.join(root, 'dist', 'hosts'), 'dist/hosts/').filter(isModelHostFile)) {
    hostFiles.set(file, fs.readFileSync(path.join(root, file), 'utf8'));
  }
  return { objects: objects.filter((o) => o.file.startsWith('dist/') && !o.file.startsWith('dist/hosts/')), hostFiles };
}

/** Kinds the model reads besides workloads and other pods. */
const RELATED_KINDS = new Set(['PodDisruptionBudget', 'HorizontalPodAutoscaler', 'PersistentVolumeClaim']);

/**
 * Whether a rendered file can matter to the model, judged from its text before parsing it: a
 * workload, pod or related kind (synth writes `kind:` at the top level, unindented), or an object
 * declaring chart workloads or storage. Skips most of a thousand apps' Services, routes and policies.
 */
function mayMatter(content: string): boolean {
  const kind = /^kind: (\S+)$/m.exec(content)?.[1];
  if (kind === undefined) return true;
  if (kind in WORKLOAD_KINDS || kind in OTHER_POD_KINDS || RELATED_KINDS.has(kind)) return true;
  return content.includes(HA_ANNOTATIONS.workloads) || content.includes(HA_ANNOTATIONS.storage);
}

/** The model's input from rendered files in memory (path and content). */
export function haInputFromFiles(files: readonly { readonly path: string; readonly content: string }[]): HaInput {
  const hostFiles = new Map<string, string>();
  const objects: HaObject[] = [];
  for (const f of files) {
    if (isModelHostFile(f.path)) hostFiles.set(f.path, f.content);
    if (!f.path.startsWith('dist/') || f.path.startsWith('dist/hosts/') || !f.path.endsWith('.yaml')) continue;
    if (!mayMatter(f.content)) continue;
    let docs: unknown[];
    try {
      docs = loadManifests(f.content, f.path);
    } catch {
      continue; // verify reports the file
    }
    for (const obj of docs) {
      if (isMap(obj)) objects.push({ file: f.path, obj: obj as JsonAny });
    }
  }
  return { objects, hostFiles };
}

export function haModel(input: HaInput): HaModel {
  return buildHaModel(input);
}

/** Every node lost on its own, in the site's node order. */
export function nMinusOne(model: HaModel): ScenarioResult[] {
  const cluster = model.cluster;
  if (!cluster) return [];
  return cluster.nodes.map((n) => simulate(cluster, model.workloads, [n.name]));
}

/** The outcomes of a scenario that break the rules. */
export function violations(result: ScenarioResult): Outcome[] {
  return result.outcomes.filter(isViolation);
}

/** The N-1 report synth writes (reports/failure-simulation.md), from the rendered files themselves. */
export function failureReportFile(files: readonly { readonly path: string; readonly content: string }[]): { path: string; content: string } {
  return failureReportOf(haModel(haInputFromFiles(files)));
}

/** The N-1 report of a model already built from the rendered files. */
export function failureReportOf(model: HaModel): { path: string; content: string } {
  return { path: FAILURE_REPORT, content: failureReport(model, nMinusOne(model)) };
}
