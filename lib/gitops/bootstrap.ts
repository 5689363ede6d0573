import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ArgoCdInstall, argoCdInstallProps } from './argo-cd-install';
import type { PlatformContext } from '../context';
import { CLUSTER_ADDONS_LAYER } from '../layers/cluster-addons';
import { CoreDns, coreDnsProps } from '../layers/coredns';

/**
 * `argocd/`: what one `kubectl apply -k argocd/` puts on a fresh k3s: the cluster DNS (CoreDNS,
 * which k3s no longer bundles and Argo CD needs to reach its repository), the argocd namespace,
 * Argo CD (HA), and the root Application with its project. The objects are identical to those
 * in `dist/cluster-addons` and `dist/argocd`, which Argo CD then manages.
 */
export class BootstrapChart extends Chart {
  private readonly install: ArgoCdInstall;
  private readonly dns: CoreDns;

  constructor(scope: Construct, id: string, ctx: PlatformContext) {
    super(scope, id, { disableResourceNameHashes: true, labels: { 'app.kubernetes.io/part-of': 'tsys-platform' } });
    this.dns = new CoreDns(this, 'coredns', coreDnsProps(ctx));
    this.install = new ArgoCdInstall(this, 'install', { ...argoCdInstallProps(ctx), rootAndProject: true });
  }

  /**
   * Labels what the argocd layer installs as that layer's, like its self-managed copy in
   * dist/argocd, and the CoreDNS objects as the cluster-addons layer's; the root Application and
   * the project stay as in dist/apps. Call once the chart is rendered.
   */
  public labelInstall(): void {
    const objects = (c: Construct) => c.node.findAll().filter((x): x is ApiObject => x instanceof ApiObject);
    for (const o of objects(this.install)) {
      if (!this.install.rootAndProjectObjects.includes(o)) o.metadata.addLabel('platform.tsys/layer', 'argocd');
    }
    for (const o of objects(this.dns)) o.metadata.addLabel('platform.tsys/layer', CLUSTER_ADDONS_LAYER);
  }
}
