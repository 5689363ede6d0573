import { Construct } from 'constructs';
import { ArgoCdInstall } from '../constructs/argo-cd-install';
import type { PlatformContext } from '../context';
import { APPLICATION_HEALTH_LUA, ARGOCD_NAMESPACE } from '../gitops/argocd';
import { platformProjectSpec, rootApplicationSpec } from '../gitops/root';
import { Layer } from '../layer';

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

/**
 * Argo CD managing itself: the same objects `argocd/` bootstraps, synced from `dist/argocd`.
 */
export function argoCdLayer(scope: Construct, ctx: PlatformContext): Layer {
  const layer = new Layer(scope, {
    name: 'argocd',
    description: 'Argo CD (HA) managing itself, the root Application and the platform project',
    namespace: ARGOCD_NAMESPACE,
  });
  new ArgoCdInstall(layer, 'install', argoCdInstallProps(ctx));
  return layer;
}

export function argoCdInstallProps(ctx: PlatformContext) {
  return {
    chart: ctx.versions.argocd,
    appsChart: ctx.versions['argocd-apps'],
    values: argoCdValues(ctx),
    rootApplication: rootApplicationSpec(ctx.site),
    project: platformProjectSpec(ctx.site, ctx.versions),
  };
}
