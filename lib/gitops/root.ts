import type { Site } from '../config/schema';
import type { PlatformContext } from '../context';
import type { ArgoCdInstallProps } from '../constructs/argo-cd-install';
export type { ArgoCdValues } from './argocd-values';
import type { Versions } from '../versions';
import { ARGOCD_NAMESPACE, IN_CLUSTER, PLATFORM_PROJECT, syncPolicy } from './argocd';
import { argoCdValues, argoCdWorkloads } from './argocd-values';

/** Folder (relative to the repo root) of the app of apps. */
export const APPS_PATH = 'dist/apps';

/** Spec of the AppProject every platform layer belongs to. */
export function platformProjectSpec(site: Site, versions: Versions) {
  const chartRepos = Object.values(versions).flatMap((v) => (v.kind === 'chart' || v.kind === 'git' ? [v.repo] : []));
  return {
    description: `TSYS platform layers of site ${site.name}, rendered into dist/ by cdk8s`,
    sourceRepos: [...new Set([site.git.repoUrl, ...chartRepos])].sort(),
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

/** What the bootstrap and the self-managed argocd layer install: the same, from the same site. */
export function argoCdInstallProps(ctx: PlatformContext): ArgoCdInstallProps {
  return {
    chart: ctx.versions.argocd,
    appsChart: ctx.versions['argocd-apps'],
    values: argoCdValues(ctx),
    rootApplication: rootApplicationSpec(ctx.site),
    project: platformProjectSpec(ctx.site, ctx.versions),
    workloads: argoCdWorkloads(),
  };
}
