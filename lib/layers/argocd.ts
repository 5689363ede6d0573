import { Construct } from 'constructs';
import { ArgoCdInstall } from '../constructs/argo-cd-install';
import type { PlatformContext } from '../context';
import { ARGOCD_NAMESPACE } from '../gitops/argocd';
import { argoCdInstallProps } from '../gitops/root';
import { Layer } from '../layer';

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
