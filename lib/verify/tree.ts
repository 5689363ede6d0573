import * as fs from 'fs';
import * as path from 'path';
import { loadManifests } from '../render/manifest-yaml';
import { ANNOTATIONS } from '../gitops/argocd';
import { ApiRef } from '../layer';
import { factsOf, PlatformFacts } from '../facts/facts';
import { RESERVED_FOLDERS } from '../reserved';
import { splitApiVersion } from './kinds';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One object read back from the rendered tree. */
export interface LoadedObject {
  /** Path relative to the tree root, e.g. `dist/metallb/l2advertisement-l2.yaml`. */
  readonly file: string;
  readonly obj: Json;
}

/** One problem: the file, the object in it, and what is wrong. */
export interface Finding {
  readonly file: string;
  /** `apiVersion Kind namespace/name`, when the finding is about one object. */
  readonly object?: string;
  readonly message: string;
}

export function formatFinding(f: Finding): string {
  return `${f.file}: ${f.object ? `${f.object}: ` : ''}${f.message}`;
}

/** Folders under dist/ that are not layers. */
export const NON_LAYER_DIRS: ReadonlySet<string> = new Set(RESERVED_FOLDERS);

export function describeObject(obj: Json): string {
  const ns = obj?.metadata?.namespace;
  return `${obj?.apiVersion} ${obj?.kind} ${ns ? `${ns}/` : ''}${obj?.metadata?.name}`;
}

export function identity(obj: Json): string {
  const { group } = splitApiVersion(String(obj.apiVersion));
  return `${group}/${obj.kind}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}`;
}

function walk(dir: string, rel = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name), `${rel}${e.name}/`) : [`${rel}${e.name}`]);
}

/** Reads every manifest under `<root>/dist` and `<root>/argocd`. */
export function loadTree(root: string): { objects: LoadedObject[]; findings: Finding[]; files: string[] } {
  const objects: LoadedObject[] = [];
  const findings: Finding[] = [];
  const files = [...walk(path.join(root, 'dist'), 'dist/'), ...walk(path.join(root, 'argocd'), 'argocd/')];
  for (const file of files) {
    const inHosts = file.startsWith('dist/hosts/');
    if (inHosts) continue;
    if (!file.endsWith('.yaml')) {
      findings.push({ file, message: 'only .yaml manifests belong here (Argo CD reads every .yaml/.json in an Application path); move other files out' });
      continue;
    }
    if (file === 'argocd/kustomization.yaml') continue;
    // The dialect synth writes (lib/render/manifest-yaml.ts).
    let docs: unknown[];
    try {
      docs = loadManifests(fs.readFileSync(path.join(root, file), 'utf8'), file);
    } catch (e) {
      findings.push({ file, message: `YAML: ${(e as Error).message.split('\n')[0]}` });
      continue;
    }
    for (const doc of docs) {
      const obj = doc as Json | null | undefined;
      if (obj === null || obj === undefined) continue;
      if (typeof obj !== 'object' || Array.isArray(obj)) findings.push({ file, message: 'a manifest must be a map with apiVersion, kind and metadata' });
      else objects.push({ file, obj });
    }
  }
  return { objects, findings, files };
}

export function wave(obj: Json): number {
  return Number(obj.metadata?.annotations?.[ANNOTATIONS.syncWave] ?? 0);
}

/** APIs an object installs: the CustomResourceDefinition itself, or declared (a layer's Application, a component's controller) in the facts. */
export function provides(obj: Json, facts: PlatformFacts): readonly ApiRef[] {
  if (obj.kind === 'CustomResourceDefinition' && String(obj.apiVersion).startsWith('apiextensions.k8s.io/')) {
    return [{ group: obj.spec?.group ?? '', kind: obj.spec?.names?.kind ?? '' }];
  }
  return factsOf(facts, obj)?.providesApis ?? [];
}

/** Folders of an Application's sources; only those in `repos` when given. */
export function sourcePaths(app: Json, repos?: ReadonlySet<string>): string[] {
  const sources: Json[] = [...(app.spec?.source ? [app.spec.source] : []), ...(app.spec?.sources ?? [])];
  return sources
    .filter((s) => typeof s.path === 'string' && (!repos || repos.has(String(s.repoURL))))
    .map((s) => String(s.path).replace(/\/+$/, ''));
}

export function podTemplateLabels(obj: Json): Record<string, string> | undefined {
  switch (obj.kind) {
    case 'Pod':
      return obj.metadata?.labels;
    case 'CronJob':
      return obj.spec?.jobTemplate?.spec?.template?.metadata?.labels;
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job': case 'Rollout':
      return obj.spec?.template?.metadata?.labels;
    default:
      return undefined;
  }
}

