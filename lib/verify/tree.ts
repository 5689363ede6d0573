import { ANNOTATIONS } from '../gitops/argocd';
import { isCrd, JsonMap, mapAt, mapsAt, splitApiVersion, valueAt } from '../k8s/manifest';
import type { LoadedObject } from '../k8s/tree';
import { ApiRef } from '../layer';
import { factsOf, PlatformFacts } from '../facts/facts';
import { RESERVED_FOLDERS } from '../reserved';

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

export function wave(obj: JsonMap): number {
  return Number(valueAt(obj, ['metadata', 'annotations', ANNOTATIONS.syncWave]) ?? 0);
}

/** APIs an object installs: the CustomResourceDefinition itself, or declared (a layer's Application, a component's controller) in the facts. */
export function provides(obj: JsonMap, facts: PlatformFacts): readonly ApiRef[] {
  if (isCrd(obj)) {
    return [{ group: String(valueAt(obj, 'spec.group') ?? ''), kind: String(valueAt(obj, 'spec.names.kind') ?? '') }];
  }
  return factsOf(facts, obj)?.providesApis ?? [];
}

/** An Application's sources: its `source` and its `sources`. */
export function applicationSources(app: JsonMap): JsonMap[] {
  const source = mapAt(app, 'spec.source');
  return [...(source ? [source] : []), ...mapsAt(app, 'spec.sources')];
}

/** Folders of an Application's sources; only those in `repos` when given. */
export function sourcePaths(app: JsonMap, repos?: ReadonlySet<string>): string[] {
  const sources = applicationSources(app);
  return sources
    .filter((s) => typeof s.path === 'string' && (!repos || repos.has(String(s.repoURL))))
    .map((s) => String(s.path).replace(/\/+$/, ''));
}

/** Argo CD Applications among `objects`. */
export function applicationsOf(objects: readonly LoadedObject[]): LoadedObject[] {
  return objects.filter((o) => o.obj.kind === 'Application' && splitApiVersion(String(o.obj.apiVersion)).group === 'argoproj.io');
}

/** This repository, as the app of apps names it: the repoURLs of dist/apps sources that sync a folder of dist/. */
export function ownRepositories(apps: readonly LoadedObject[]): Set<string> {
  return new Set(apps.filter((a) => a.file.startsWith('dist/apps/')).flatMap((a) => applicationSources(a.obj))
    .filter((s) => typeof s.path === 'string' && s.path.startsWith('dist/')).map((s) => String(s.repoURL)));
}
