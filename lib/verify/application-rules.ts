import { APPS_PROJECT, WORKLOADS_DIR } from '../paas/conventions';
import { appSources, appSourcePaths, SplitRule, waveOf } from './split-rule';
import { folderOf } from './tree-index';
import { NON_LAYER_DIRS } from './tree';

/*
 * The Application rules of verify (group (b) of docs/design/per-app-summaries.md, step 3) as split
 * rules: what they read of an Application (its wave and sources) is the tree-level projection
 * `app` (lib/verify/split-rule.ts APP_PROJECTION), from which the tree level works out which
 * Application syncs each folder; of other objects they read the ref only.
 */

/** One Application syncs each layer folder (from dist/apps) and each app folder (from a layer). */
export const ONE_APPLICATION: SplitRule<never, 'verify/one-application'> = {
  id: 'verify/one-application',
  key: 'one',
  join(_entries, tree, report) {
    for (const f of tree.secondApplications) report(f.at, f.message);
  },
};

/**
 * Applications point at folders that exist (in this repository: upstream components from other
 * Git repositories are not in this tree); every layer folder and app folder has an Application.
 */
export const APPLICATION_PATHS: SplitRule<never, 'verify/application-paths'> = {
  id: 'verify/application-paths',
  key: 'paths',
  join(_entries, tree, report) {
    // Every file's folder, the folders right under dist/ and the app folders, in one pass over the files (in their order).
    const dirs = new Set<string>();
    const topDirs = new Set<string>();
    const appDirs = new Set<string>();
    const workloads = `dist/${WORKLOADS_DIR}/`;
    for (const f of tree.files) {
      dirs.add(folderOf(f));
      if (!f.startsWith('dist/')) continue;
      const second = f.indexOf('/', 5);
      topDirs.add(second < 0 ? f.slice(5) : f.slice(5, second));
      if (f.startsWith(workloads)) {
        const third = f.indexOf('/', workloads.length);
        appDirs.add(third < 0 ? f : f.slice(0, third));
      }
    }
    for (const app of tree.applications) {
      for (const p of appSourcePaths(app, tree.ownRepositories)) {
        if (!dirs.has(p)) report(app.ref, `source path "${p}" does not exist in the rendered tree (or holds no files)`);
      }
    }
    for (const dir of topDirs) {
      if (NON_LAYER_DIRS.has(dir) || dir.includes('.')) continue;
      if (!tree.layerApps.has(dir)) report(`dist/${dir}`, 'no Application in dist/apps syncs this folder; nothing would ever apply it');
    }
    for (const dir of appDirs) {
      if (!tree.workloadApps.has(dir)) report(dir, `no Application of a layer syncs this app folder; the paas layer renders one per app (${APPS_PROJECT} project)`);
    }
  },
};

/**
 * dist/ and argocd/ are the platform itself: every Application syncs a folder of this repository
 * (the root Application's), none renders a Helm chart or reads another repository, and no k3s
 * HelmChart installs one behind Argo CD's back. What is reviewed is what runs.
 */
export const PLAIN_SOURCES: SplitRule<never, 'verify/plain-sources'> = {
  id: 'verify/plain-sources',
  key: 'plain',
  join(entries, tree, report) {
    const apps = tree.applications;
    const root = apps.find((a) => a.ref.file === 'dist/apps/application-root.yaml' || (a.ref.file.startsWith('argocd/') && a.ref.name === 'root'));
    const platformRepo = root?.p?.source?.repoURL;
    for (const app of apps) {
      for (const s of appSources(app)) {
        if (s.chart !== undefined || s.helm !== undefined) report(app.ref, `has a Helm source (${s.chart ?? 'helm'} from ${s.repoURL}); render the chart at synth with a HelmComponent (vendor it with npm run vendor)`);
        else if (platformRepo !== undefined && s.repoURL !== platformRepo) report(app.ref, `reads ${s.repoURL}, not the platform repository ${platformRepo}; vendor the manifests and render them with a GitComponent`);
        else if (typeof s.path !== 'string' || !s.path.startsWith('dist/')) report(app.ref, `syncs "${s.path ?? ''}", not a folder of dist/`);
      }
    }
    for (const { ref, group } of entries) {
      if (group === 'helm.cattle.io') report(ref, `is a k3s ${ref.kind}: the helm-controller would render a chart in the cluster; render it at synth instead`);
    }
  },
};

/** Layers sync after the layers they depend on. */
export const LAYER_ORDER: SplitRule<never, 'verify/layer-order'> = {
  id: 'verify/layer-order',
  key: 'order',
  join(_entries, tree, report) {
    for (const app of tree.layerApps.values()) {
      for (const dep of (tree.facts.size ? tree.facts.get(app.id) : undefined)?.dependsOn ?? []) {
        const depApp = tree.layerApps.get(dep);
        if (!depApp) report(app.ref, `depends on layer "${dep}", which has no Application in dist/apps`);
        else if (waveOf(depApp.p?.w) >= waveOf(app.p?.w)) report(app.ref, `depends on layer "${dep}" (wave ${waveOf(depApp.p?.w)}) but syncs in wave ${waveOf(app.p?.w)}; it must sync later`);
      }
    }
  },
};
