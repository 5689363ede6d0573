import { valueAt } from '../k8s/manifest';
import type { LoadedObject, LoadedTree } from '../k8s/tree';
import type { PlatformFacts } from '../facts/facts';
import { WORKLOADS_DIR } from '../paas/conventions';
import { layerOf, Tree, TreeFinding } from './rules';
import type { CheckCache } from './check-cache';
import type { SchemaRegistry } from './schemas';
import { applicationsOf, ownRepositories, sourcePaths } from './tree';
import type { Vouching } from './vouched';

/** What a tree is checked with, beside its files. */
export interface TreeOptions {
  /** The folder that holds dist/ and argocd/ (where files are read when `read` is not given). */
  readonly root: string;
  readonly registry: SchemaRegistry;
  /** What the build declared about the tree's objects. */
  readonly facts: PlatformFacts;
  /** The text of a file of the tree, or undefined when it is not there. @default - read under `root` */
  readonly read?: (file: string) => string | undefined;
  /** Results of the per-object checks of an earlier run (./check-cache.ts). @default - every check runs */
  readonly checks?: CheckCache;
  /** Apps whose per-object checks are vouched for (./vouched.ts). @default - every object is checked */
  readonly vouched?: Vouching;
}

/**
 * The verify Tree of a rendered tree's files (lib/k8s/tree.ts loadTree or loadFiles): the objects
 * with apiVersion, kind and metadata.name, and which Application syncs each layer folder (from
 * dist/apps) and each app folder `dist/workloads/<app>` (from a layer). What does not fit (a file
 * that does not read, an object without a name, a second Application for a folder) is kept on the
 * tree for the rules verify/manifests and verify/one-application to report.
 */
export function treeOf(loaded: LoadedTree, options: TreeOptions): Tree {
  const malformed: TreeFinding[] = loaded.problems.map((p) => ({ at: p.file, message: p.message }));
  const secondApplications: TreeFinding[] = [];
  const valid: LoadedObject[] = [];
  for (const o of loaded.objects) {
    const missing = [typeof o.obj.apiVersion !== 'string' && 'apiVersion', typeof o.obj.kind !== 'string' && 'kind', typeof valueAt(o.obj, 'metadata.name') !== 'string' && 'metadata.name'].filter((x): x is string => !!x);
    if (missing.length) malformed.push({ at: o, message: `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing (each manifest is one object with apiVersion, kind and metadata.name${o.obj.kind === 'List' ? '; a kubectl List wraps several: write each item to a file of its own' : ''})` });
    else valid.push(o);
  }
  // The app of apps: one Application per layer folder, in this repository.
  const apps = applicationsOf(valid);
  const ownRepos = ownRepositories(apps);
  const layerApps = new Map<string, LoadedObject>();
  for (const app of apps.filter((a) => a.file.startsWith('dist/apps/'))) {
    for (const p of sourcePaths(app.obj, ownRepos)) {
      const m = /^dist\/([^/]+)$/.exec(p);
      if (!m || m[1] === 'apps') continue;
      if (layerApps.has(m[1])) secondApplications.push({ at: app, message: `a second Application for dist/${m[1]} (also ${layerApps.get(m[1])!.file})` });
      else layerApps.set(m[1], app);
    }
  }
  // App folders (dist/workloads/<app>): each synced by one Application of a layer (the paas layer).
  const workloadApps = new Map<string, { app: LoadedObject; layer: string }>();
  for (const app of apps.filter((a) => !a.file.startsWith('dist/apps/'))) {
    const layer = layerOf(app.file);
    for (const p of sourcePaths(app.obj, ownRepos)) {
      if (!p.startsWith(`dist/${WORKLOADS_DIR}/`) || !layer) continue;
      if (workloadApps.has(p)) secondApplications.push({ at: app, message: `a second Application for ${p} (also ${workloadApps.get(p)!.app.file})` });
      else workloadApps.set(p, { app, layer });
    }
  }
  return {
    root: options.root, files: loaded.files, objects: valid, layerApps, workloadApps, registry: options.registry, facts: options.facts,
    malformed, secondApplications, ...(options.read ? { read: options.read } : {}), ...(options.checks ? { checks: options.checks } : {}),
    ...(options.vouched ? { vouched: options.vouched } : {}),
  };
}
