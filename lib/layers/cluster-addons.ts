import { Construct } from 'constructs';
import { pinned } from '../context';
import type { PlatformContext } from '../context';
import { Layer } from '../layer';
import { CoreDns, coreDnsProps, KUBE_SYSTEM } from './coredns';
import { METRICS_SERVER_CHART, MetricsServer } from './metrics-server';

/** The layer's name: its folder dist/cluster-addons and its Argo CD Application. */
export const CLUSTER_ADDONS_LAYER = 'cluster-addons';
/**
 * The label selector of this layer's objects (every layer labels its objects `platform.tsys/layer`):
 * the runbook applies the bootstrap's CoreDNS objects first with it (`kubectl apply -k argocd/ -l ...`).
 */
export const CLUSTER_ADDONS_SELECTOR = `platform.tsys/layer=${CLUSTER_ADDONS_LAYER}`;

/**
 * The k3s add-ons that k3s would run as single pods (disabled in every server's config.yaml),
 * highly available in kube-system: CoreDNS with 3 replicas and metrics-server with 2, one per
 * node, allowed on the servers. It depends on no layer, so it syncs in the first wave; the
 * bootstrap (`argocd/`) applies the same CoreDNS objects before Argo CD, which this layer then adopts.
 */
export function clusterAddonsLayer(scope: Construct, ctx: PlatformContext): Layer {
  const layer = new Layer(scope, {
    name: CLUSTER_ADDONS_LAYER,
    description: 'Cluster DNS (CoreDNS, 3 replicas) and metrics-server (2) in kube-system, in place of k3s\'s single-pod add-ons',
    namespace: KUBE_SYSTEM,
  });
  new CoreDns(layer, 'coredns', coreDnsProps(ctx));
  new MetricsServer(layer, 'metrics-server', { chart: pinned(ctx, METRICS_SERVER_CHART) });
  return layer;
}
