import { Construct } from 'constructs';
import { IpAddressPool, L2Advertisement } from '../../imports/metallb.io';
import { HelmComponent } from '../constructs/helm-component';
import { PlatformNamespace } from '../constructs/platform-namespace';
import type { RenderedWorkloadHa } from '../constructs/upstream-objects';
import { pinned } from '../context';
import type { PlatformContext } from '../context';
import { DeadNodeToleration, deadNodeTolerations, STATELESS_SINGLETON_TOLERATION_SECONDS } from '../ha/recovery';
import { Layer } from '../layer';
import { Inventory } from '../inventory';
import type { ChartPin } from '../versions';

/** MetalLB: TCP load balancer in L2 mode. */
export const METALLB_CHART: ChartPin = {
  name: 'metallb',
  kind: 'chart',
  repo: 'https://metallb.github.io/metallb',
  chart: 'metallb',
  version: '0.15.2',
  source: { repository: 'https://github.com/metallb/metallb', path: 'charts/metallb', tag: 'v{bare}' },
};

export const METALLB_NAMESPACE = 'metallb-system';

/** CPU and memory requests and a memory limit of one container (chart `resources` keys). */
export interface MetalLbResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly memory: string };
}

/** The values of the metallb chart that the platform sets (a typed subset). */
export interface MetalLbValues {
  readonly crds: { readonly enabled: boolean };
  readonly controller: {
    readonly logLevel: string;
    /** A stateless singleton: it leaves a dead node sooner than the platform default. */
    readonly tolerations: readonly DeadNodeToleration[];
    readonly resources: MetalLbResources;
    /** The pod's security context: helm merges it into the chart's (non-root user 65534). */
    readonly securityContext: { readonly seccompProfile: { readonly type: 'RuntimeDefault' } };
  };
  readonly speaker: {
    readonly logLevel: string;
    readonly tolerations: readonly { readonly operator: 'Exists'; readonly effect?: string }[];
    readonly resources: MetalLbResources;
    readonly frr: { readonly enabled: boolean };
  };
}

export function metalLbValues(): MetalLbValues {
  const resources = (cpu: string, memory: string, memoryLimit: string): MetalLbResources => ({ requests: { cpu, memory }, limits: { memory: memoryLimit } });
  return {
    crds: { enabled: true },
    // The controller only allocates addresses; traffic never passes through it, so one
    // replica rescheduled by its Deployment is enough. Speakers answer ARP on every node.
    controller: {
      logLevel: 'info',
      tolerations: deadNodeTolerations(STATELESS_SINGLETON_TOLERATION_SECONDS),
      resources: resources('25m', '64Mi', '256Mi'),
      // The chart's container context already drops every capability; its pod context lacks seccomp.
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
    },
    speaker: {
      logLevel: 'info',
      // Speakers on every node, including tainted servers and the R&D node, so an address
      // fails over to any surviving node.
      tolerations: [{ operator: 'Exists' }],
      resources: resources('25m', '64Mi', '256Mi'),
      // L2 mode only: TLS and L7 end at the OPNsense HAProxy.
      frr: { enabled: false },
    },
  };
}

/** Workload names: the release name plus the component (metallb chart 0.15.2 templates). */
export const METALLB_CONTROLLER = 'metallb-controller';
export const METALLB_SPEAKER = 'metallb-speaker';

/** HA facts of the chart's controller Deployment and speaker DaemonSet that their specs cannot say. */
export function metalLbHa(): RenderedWorkloadHa[] {
  return [
    {
      kind: 'Deployment',
      name: METALLB_CONTROLLER,
      singleton: 'only allocates addresses to new LoadBalancer Services; traffic never passes through it and the speakers keep announcing every address while it is away',
    },
    {
      kind: 'DaemonSet',
      name: METALLB_SPEAKER,
      systemComponent: 'answers ARP for the load-balancer addresses on the host network (NET_RAW)',
      role: 'lb-speaker',
    },
  ];
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
  // Prometheus scrapes it from the monitoring namespace (the monitoring layer renders the monitor).
  Inventory.of(layer).addScrapeTarget({ name: 'metallb', layer: layer.layerName, namespace: METALLB_NAMESPACE, selector: { 'app.kubernetes.io/name': 'metallb' }, port: 'monitoring', pods: true });
  // Speakers need host networking and NET_RAW.
  new PlatformNamespace(layer, 'namespace', { name: METALLB_NAMESPACE, podSecurity: 'privileged' });
  new HelmComponent(layer, 'metallb', {
    name: 'metallb',
    chart: pinned(ctx, METALLB_CHART),
    namespace: METALLB_NAMESPACE,
    values: metalLbValues(),
    providesApis: [{ group: 'metallb.io' }],
    ha: metalLbHa(),
    runtimeObjects: [{ kind: 'Secret', name: 'metallb-memberlist', because: 'the MetalLB controller creates the speakers\' memberlist key (named by its METALLB_ML_SECRET_NAME) when it starts' }],
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
