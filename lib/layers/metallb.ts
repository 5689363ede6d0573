import { Construct } from 'constructs';
import { IpAddressPool, L2Advertisement } from '../../imports/metallb.io';
import { HelmComponent } from '../constructs/helm-component';
import { PlatformNamespace } from '../constructs/platform-namespace';
import type { PlatformContext } from '../context';
import { Layer } from '../layer';

export const METALLB_NAMESPACE = 'metallb-system';

/** The values of the metallb chart that the platform sets (a typed subset). */
export interface MetalLbValues {
  readonly crds: { readonly enabled: boolean };
  readonly controller: { readonly logLevel: string };
  readonly speaker: {
    readonly logLevel: string;
    readonly tolerations: readonly { readonly operator: 'Exists'; readonly effect?: string }[];
    readonly frr: { readonly enabled: boolean };
  };
}

export function metalLbValues(): MetalLbValues {
  return {
    crds: { enabled: true },
    // The controller only allocates addresses; traffic never passes through it, so one
    // replica rescheduled by its Deployment is enough. Speakers answer ARP on every node.
    controller: { logLevel: 'info' },
    speaker: {
      logLevel: 'info',
      // Speakers on every node, including tainted servers and the R&D node, so an address
      // fails over to any surviving node.
      tolerations: [{ operator: 'Exists' }],
      // L2 mode only: TLS and L7 end at the OPNsense HAProxy.
      frr: { enabled: false },
    },
  };
}

/**
 * MetalLB in L2 mode: the chart, one IPAddressPool per site pool and one L2Advertisement.
 */
export function metalLbLayer(scope: Construct, ctx: PlatformContext): Layer {
  const layer = new Layer(scope, {
    name: 'metallb',
    description: 'MetalLB: TCP load-balancer addresses (L2) from the site pools',
    namespace: METALLB_NAMESPACE,
  });
  // Speakers need host networking and NET_RAW.
  new PlatformNamespace(layer, 'namespace', { name: METALLB_NAMESPACE, podSecurity: 'privileged' });
  new HelmComponent(layer, 'metallb', {
    name: 'metallb',
    chart: ctx.versions.metallb,
    namespace: METALLB_NAMESPACE,
    values: metalLbValues(),
    providesApis: [{ group: 'metallb.io' }],
  });
  const pools = ctx.site.network.metallb.pools;
  for (const pool of pools) {
    new IpAddressPool(layer, `pool-${pool.name}`, {
      metadata: { name: pool.name, namespace: METALLB_NAMESPACE },
      spec: { addresses: [...pool.addresses], autoAssign: pool.autoAssign, avoidBuggyIPs: false },
    });
  }
  new L2Advertisement(layer, 'l2', {
    metadata: { name: 'l2', namespace: METALLB_NAMESPACE },
    spec: { ipAddressPools: pools.map((p) => p.name) },
  });
  return layer;
}
