import type { Site } from '../config/schema';
import type { PlatformContext } from '../context';
import type { ArgoCdInstallProps } from '../constructs/argo-cd-install';
import type { Versions } from '../versions';
import { APPLICATION_HEALTH_LUA, ARGOCD_NAMESPACE, IN_CLUSTER, PLATFORM_PROJECT, syncPolicy } from './argocd';

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

/** The values of the argo-cd chart that the platform sets (a typed subset). */
export interface ArgoCdValues {
  readonly global: { readonly domain: string };
  readonly crds: { readonly keep: boolean };
  readonly 'redis-ha': { readonly enabled: boolean };
  readonly controller: { readonly replicas: number };
  readonly server: { readonly replicas: number; readonly autoscaling: { readonly enabled: boolean } };
  readonly repoServer: { readonly replicas: number; readonly autoscaling: { readonly enabled: boolean } };
  readonly applicationSet: { readonly replicas: number };
  readonly configs: {
    readonly params: Readonly<Record<string, string | boolean>>;
    readonly cm: Readonly<Record<string, string>>;
  };
}

/** Argo CD values for HA: redis-ha, two of each stateless server, TLS ending at HAProxy. */
export function argoCdValues(ctx: PlatformContext): ArgoCdValues {
  return {
    global: { domain: `argocd.${ctx.site.domain}` },
    // Deleting the release must never delete every Application with it.
    crds: { keep: true },
    'redis-ha': { enabled: true },
    controller: { replicas: 1 },
    server: { replicas: 2, autoscaling: { enabled: false } },
    repoServer: { replicas: 2, autoscaling: { enabled: false } },
    applicationSet: { replicas: 2 },
    configs: {
      // TLS ends at the OPNsense HAProxy; the server speaks plain HTTP behind it.
      params: { 'server.insecure': true },
      cm: {
        'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA,
        'timeout.reconciliation': '180s',
      },
    },
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
  };
}
