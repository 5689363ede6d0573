import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ArgoCdInstall } from '../constructs/argo-cd-install';
import type { PlatformContext } from '../context';
import { argoCdInstallProps } from './root';

/**
 * `argocd/`: what one `kubectl apply -k argocd/` puts on a fresh k3s: the argocd namespace,
 * Argo CD (HA) through k3s's helm-controller, and the root Application with its project.
 * The objects are identical to those in `dist/argocd`, which Argo CD then manages.
 */
export class BootstrapChart extends Chart {
  constructor(scope: Construct, id: string, ctx: PlatformContext) {
    super(scope, id, { disableResourceNameHashes: true, labels: { 'app.kubernetes.io/part-of': 'tsys-platform', 'platform.tsys/layer': 'argocd' } });
    new ArgoCdInstall(this, 'install', argoCdInstallProps(ctx));
  }
}
