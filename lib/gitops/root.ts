import type { Site } from '../config/schema';
import { ARGOCD_NAMESPACE, IN_CLUSTER, PLATFORM_PROJECT, syncPolicy } from './argocd';

/** Folder (relative to the repo root) of the app of apps. */
export const APPS_PATH = 'dist/apps';

/** Spec of the AppProject every platform layer belongs to. */
export function platformProjectSpec(site: Site) {
  return {
    description: `TSYS platform layers of site ${site.name}, rendered into dist/ by cdk8s`,
    // Every object is rendered into this repository: no chart repository, no other Git source.
    sourceRepos: [site.git.repoUrl],
    destinations: [{ server: IN_CLUSTER, namespace: '*' }],
    clusterResourceWhitelist: [{ group: '*', kind: '*' }],
  };
}

export type PlatformProjectSpec = ReturnType<typeof platformProjectSpec>;
export type RootApplicationSpec = ReturnType<typeof rootApplicationSpec>;

/** Spec of the root Application: syncs `dist/apps`, which holds one Application per layer. */
export function rootApplicationSpec(site: Site) {
  return {
    project: PLATFORM_PROJECT,
    source: {
      repoURL: site.git.repoUrl,
      targetRevision: site.git.revision,
      path: APPS_PATH,
      directory: { include: '*.yaml' },
    },
    destination: { server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE },
    syncPolicy: syncPolicy(),
  };
}
