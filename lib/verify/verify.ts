import { describeObject, splitApiVersion, valueAt } from '../k8s/manifest';
import { loadTree, LoadedObject } from '../k8s/tree';
import { WORKLOADS_DIR } from '../paas/conventions';
import { HA_CHECKS, haContext } from './ha-rules';
import { checkDirectoryConsumers } from './ldap-rules';
import { checkApiProviders, checkApplicationPaths, checkPlainSources, checkBackupCoverage, checkBootstrap, checkDuplicates, checkLayerOrder, checkNamespaces, checkSchemas, checkSecrets, checkServiceSelectors, layerOf, Tree } from './rules';
import { SchemaRegistry } from './schemas';
import { PlatformFacts, readFactsFile } from '../facts/facts';
import { applicationSources, Finding, sourcePaths } from './tree';

export { formatFinding } from './tree';
export type { Finding } from './tree';
export { secretLiterals } from './secret-literals';

/**
 * Checks a rendered tree (`<root>/dist`, `<root>/argocd`) exactly as Argo CD will apply it:
 * strict schemas, then the reference rules. Returns every finding; empty means valid. `facts` are
 * what the build declared (synth passes them); without them the tree's facts file is read.
 */
export function verifyTree(root: string, registry: SchemaRegistry = new SchemaRegistry(), facts?: PlatformFacts): Finding[] {
  const { objects, problems, files } = loadTree(root);
  const findings: Finding[] = [...problems];
  // What the platform declares about its objects: as the build returned them (synth), else from their file.
  const declared = facts ? { facts, problems: [] } : readFactsFile(root);
  const report = (o: LoadedObject, message: string) => findings.push({ file: o.file, object: describeObject(o.obj), message });
  const reportFile = (file: string, message: string) => findings.push({ file, message });

  const valid: LoadedObject[] = [];
  for (const o of objects) {
    if (typeof o.obj.apiVersion !== 'string' || typeof o.obj.kind !== 'string' || typeof valueAt(o.obj, 'metadata.name') !== 'string') report(o, 'apiVersion, kind and metadata.name are required');
    else valid.push(o);
  }
  // The app of apps: one Application per layer folder, in this repository.
  const apps = valid.filter((o) => o.obj.kind === 'Application' && splitApiVersion(String(o.obj.apiVersion)).group === 'argoproj.io');
  const ownRepos = new Set(apps.filter((a) => a.file.startsWith('dist/apps/')).flatMap((a) => applicationSources(a.obj))
    .filter((s) => typeof s.path === 'string' && s.path.startsWith('dist/')).map((s) => String(s.repoURL)));
  const layerApps = new Map<string, LoadedObject>();
  for (const app of apps.filter((a) => a.file.startsWith('dist/apps/'))) {
    for (const p of sourcePaths(app.obj, ownRepos)) {
      const m = /^dist\/([^/]+)$/.exec(p);
      if (!m || m[1] === 'apps') continue;
      if (layerApps.has(m[1])) report(app, `a second Application for dist/${m[1]} (also ${layerApps.get(m[1])!.file})`);
      else layerApps.set(m[1], app);
    }
  }
  // App folders (dist/workloads/<app>): each synced by one Application of a layer (the paas layer).
  const workloadApps = new Map<string, { app: LoadedObject; layer: string }>();
  for (const app of apps.filter((a) => !a.file.startsWith('dist/apps/'))) {
    const layer = layerOf(app.file);
    for (const p of sourcePaths(app.obj, ownRepos)) {
      if (!p.startsWith(`dist/${WORKLOADS_DIR}/`) || !layer) continue;
      if (workloadApps.has(p)) report(app, `a second Application for ${p} (also ${workloadApps.get(p)!.app.file})`);
      else workloadApps.set(p, { app, layer });
    }
  }
  const tree: Tree = { root, files, objects: valid, layerApps, workloadApps, registry, facts: declared.facts };

  checkSchemas(tree, report);
  checkSecrets(tree, report);
  checkDuplicates(tree, report);
  checkNamespaces(tree, report);
  checkServiceSelectors(tree, report);
  checkApplicationPaths(tree, report, reportFile, apps, ownRepos);
  checkPlainSources(tree, report, apps);
  checkLayerOrder(tree, report);
  checkApiProviders(tree, report);
  checkBootstrap(tree, report, reportFile);
  checkBackupCoverage(tree, report);
  checkDirectoryConsumers(tree, report);
  // HA and safety rules, and the node-failure simulation (N-1), over dist/ and the host files.
  const ha = haContext(root, valid, declared);
  for (const rule of HA_CHECKS) {
    for (const f of rule.check(ha)) findings.push({ file: f.file ?? '', ...(f.object !== undefined ? { object: f.object } : {}), message: f.message });
  }
  // Stable order: by file, then in the order the rules ran.
  return findings.map((f, i) => ({ f, i })).sort((a, b) => (a.f.file < b.f.file ? -1 : a.f.file > b.f.file ? 1 : a.i - b.i)).map((x) => x.f);
}
