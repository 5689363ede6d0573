import { Construct } from 'constructs';
import { IpAddressPool, L2Advertisement } from '../../imports/metallb.io';
import { HelmComponent } from '../constructs/helm-component';
import { PlatformNamespace } from '../constructs/platform-namespace';
import type { PlatformContext } from '../context';
import { at, DeadNodeToleration, deadNodeTolerations, fixed, STATELESS_SINGLETON_TOLERATION_SECONDS, WorkloadDeclaration } from '../ha/workloads';
import { Layer } from '../layer';

export const METALLB_NAMESPACE = 'metallb-system';

/** The values of the metallb chart that the platform sets (a typed subset). */
export interface MetalLbValues {
  readonly crds: { readonly enabled: boolean };
  /** A stateless singleton: it leaves a dead node sooner than the platform default. */
  readonly controller: { readonly logLevel: string; readonly tolerations: readonly DeadNodeToleration[] };
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
    controller: { logLevel: 'info', tolerations: deadNodeTolerations(STATELESS_SINGLETON_TOLERATION_SECONDS) },
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

/** The chart's probe defaults (metallb chart 0.15.2 values.yaml), which the platform keeps. */
const CONTROLLER_READINESS = { failureThreshold: 3, initialDelaySeconds: 10, periodSeconds: 10 } as const;

/** Workload names: the release name plus the component (metallb chart 0.15.2 templates). */
export const METALLB_CONTROLLER = 'metallb-controller';
export const METALLB_SPEAKER = 'metallb-speaker';

/** The chart's controller Deployment and speaker DaemonSet. */
export function metalLbWorkloads(): WorkloadDeclaration[] {
  return [
    {
      name: METALLB_CONTROLLER,
      kind: 'Deployment',
      replicas: fixed(1, 'the chart renders one controller and has no replicas value'),
      singleton: 'only allocates addresses to new LoadBalancer Services; traffic never passes through it and the speakers keep announcing every address while it is away',
      tolerations: at('controller.tolerations', []),
      resources: at('controller.resources', {}),
      startup: { probe: at('controller.readinessProbe', CONTROLLER_READINESS) },
    },
    {
      name: METALLB_SPEAKER,
      kind: 'DaemonSet',
      tolerations: at('speaker.tolerations'),
      resources: at('speaker.resources', {}),
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
  // Speakers need host networking and NET_RAW.
  new PlatformNamespace(layer, 'namespace', { name: METALLB_NAMESPACE, podSecurity: 'privileged' });
  new HelmComponent(layer, 'metallb', {
    name: 'metallb',
    chart: ctx.versions.metallb,
    namespace: METALLB_NAMESPACE,
    values: metalLbValues(),
    providesApis: [{ group: 'metallb.io' }],
    workloads: metalLbWorkloads(),
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
