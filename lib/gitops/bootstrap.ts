import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ArgoCdInstall, argoCdInstallProps } from './argo-cd-install';
import type { PlatformContext } from '../context';

/**
 * `argocd/`: what one `kubectl apply -k argocd/` puts on a fresh k3s: the argocd namespace,
 * Argo CD (HA) through k3s's helm-controller, and the root Application with its project.
 * The objects are identical to those in `dist/argocd`, which Argo CD then manages.
 */
export class BootstrapChart extends Chart {
  private readonly install: ArgoCdInstall;

  constructor(scope: Construct, id: string, ctx: PlatformContext) {
    super(scope, id, { disableResourceNameHashes: true, labels: { 'app.kubernetes.io/part-of': 'tsys-platform' } });
    this.install = new ArgoCdInstall(this, 'install', { ...argoCdInstallProps(ctx), rootAndProject: true });
  }

  /**
   * Labels what the argocd layer installs as that layer's, like its self-managed copy in
   * dist/argocd; the root Application and the project stay as in dist/apps. Call once the
   * chart is rendered.
   */
  public labelInstall(): void {
    for (const o of this.install.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject)) {
      if (!this.install.rootAndProjectObjects.includes(o)) o.metadata.addLabel('platform.tsys/layer', 'argocd');
    }
  }
}
