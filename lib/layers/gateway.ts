import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Gateway, GatewayClass, GatewaySpecListenersAllowedRoutesNamespacesFrom } from '../../imports/gateway.networking.k8s.io';
import { HelmComponent } from '../constructs/helm-component';
import { ENVOY_PROXY_LABELS, SHARED_GATEWAY } from '../constructs/published-ui';
import { pinned } from '../context';
import type { PlatformContext } from '../context';
import { at, declareWorkloads, HOSTNAME_SPREAD, WorkloadDeclaration } from '../ha/workloads';
import { PlatformNamespace } from '../constructs/platform-namespace';
import { Layer } from '../layer';
import { Inventory } from '../inventory';
import type { ChartPin } from '../versions';
import { bare, setKey } from '../vendor/chart-source';

/** Envoy Gateway: the shared gateway (Gateway API) and the API gateway. OCI chart. */
export const ENVOY_GATEWAY_CHART: ChartPin = {
  name: 'envoy-gateway',
  kind: 'chart',
  repo: 'docker.io/envoyproxy',
  chart: 'gateway-helm',
  version: 'v1.9.0',
  source: {
    repository: 'https://github.com/envoyproxy/gateway',
    path: 'charts/gateway-helm',
    tag: 'v{bare}',
    // tools/make/helm.mk (release.yaml: IMAGE=docker.io/envoyproxy/gateway TAG=<tag> IMAGE_PULL_POLICY=IfNotPresent
    // CHART_VERSION=<tag>): values.yaml is envsubst of values.tmpl.yaml, then `helm package --app-version <tag> --version <chart version>`.
    substitutions: (ctx) => [
      setKey(ctx, 'Chart.yaml', 'version', ctx.version),
      setKey(ctx, 'Chart.yaml', 'appVersion', `v${bare(ctx.version)}`),
      { file: 'values.yaml', template: 'values.tmpl.yaml', from: '${GatewayImage}', to: `docker.io/envoyproxy/gateway:v${bare(ctx.version)}` },
      { file: 'values.yaml', template: 'values.tmpl.yaml', from: '${GatewayImagePullPolicy}', to: 'IfNotPresent' },
    ],
  },
};

export const GATEWAY_CLASS = 'envoy';
export const ENVOY_PROXY = 'platform-proxy';

/**
 * A topology spread constraint that keeps pods with `labels` on different nodes, each revision
 * counted on its own (HOSTNAME_SPREAD: a surge pod has a node while a worker is down), and each
 * value of `matchLabelKeys` too.
 */
function spreadOverNodes(labels: Record<string, string>, matchLabelKeys: readonly string[] = []) {
  return {
    ...HOSTNAME_SPREAD,
    labelSelector: { matchLabels: labels },
    matchLabelKeys: [...matchLabelKeys, ...HOSTNAME_SPREAD.matchLabelKeys],
  };
}

/** The values of the gateway-helm chart that the platform sets (a typed subset). */
export interface EnvoyGatewayValues {
  readonly deployment: {
    readonly replicas: number;
    readonly pod: { readonly topologySpreadConstraints: readonly object[] };
  };
  /** The chart renders the budget only when minAvailable (or maxUnavailable) is at least 1; its default is 0. */
  readonly podDisruptionBudget: { readonly minAvailable: number };
  /**
   * The mutating webhook that labels Envoy's pods with their node's zone, for zone-aware routing.
   * Off: the site is one zone (no node carries topology.kubernetes.io/zone), and as a PreSync hook
   * Argo CD would recreate the webhook without its CA bundle on every sync, until the certgen Job
   * patched it again.
   */
  readonly topologyInjector: { readonly enabled: boolean };
  /** The Job that writes the control plane's TLS certificates before each sync (a PreSync hook). */
  readonly certgen: {
    readonly job: {
      readonly resources: {
        readonly requests: { readonly cpu: string; readonly memory: string };
        readonly limits: { readonly memory: string };
      };
    };
  };
}

export function envoyGatewayValues(): EnvoyGatewayValues {
  return {
    // The controller is leader-elected: two replicas keep configuration flowing while a node is down.
    deployment: { replicas: 2, pod: { topologySpreadConstraints: [spreadOverNodes({ 'control-plane': 'envoy-gateway' })] },  },
    podDisruptionBudget: { minAvailable: 1 },
    topologyInjector: { enabled: false },
    // The controller's own requests and limits are the chart's (100m/256Mi, 1Gi limit).
    certgen: { job: { resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } } } },
  };
}

/** The proxies Envoy Gateway runs for the shared Gateway, as the EnvoyProxy spec sets them (paths into it). */
export function envoyProxyWorkloads(): WorkloadDeclaration[] {
  const d = 'provider.kubernetes.envoyDeployment';
  return [{
    // Envoy Gateway names the Deployment envoy-<gateway namespace>-<gateway name>-<hash>.
    name: `envoy-${SHARED_GATEWAY.namespace}-${SHARED_GATEWAY.name}`,
    kind: 'Deployment',
    replicas: at(`${d}.replicas`),
    spread: { topologySpread: at(`${d}.pod.topologySpreadConstraints`) },
    pdb: { minAvailable: at('provider.kubernetes.envoyPDB.minAvailable') },
    tolerations: at(`${d}.pod.tolerations`, []),
    // Envoy Gateway's default when the EnvoyProxy sets none (api/v1alpha1 DefaultKubernetesDeploymentStrategy):
    // RollingUpdate without rollingUpdate, so Kubernetes' 25% surge and 25% unavailable.
    strategy: at(`${d}.strategy`, { type: 'RollingUpdate' }),
    role: 'gateway-proxy',
  }];
}

/** The part of the EnvoyProxy spec (gateway.envoyproxy.io/v1alpha1) the platform sets. */
export interface EnvoyProxySpec {
  readonly provider: {
    readonly type: 'Kubernetes';
    readonly kubernetes: {
      readonly envoyDeployment: { readonly replicas: number; readonly pod: { readonly topologySpreadConstraints: readonly object[] } };
      readonly envoyPDB: { readonly minAvailable: number };
      readonly envoyService: {
        readonly type: 'LoadBalancer';
        readonly externalTrafficPolicy: 'Cluster' | 'Local';
        readonly annotations: Readonly<Record<string, string>>;
      };
    };
  };
}

/** Envoy proxies: two or more, one per node, behind the site's fixed MetalLB gateway address. */
export function envoyProxySpec(ctx: PlatformContext): EnvoyProxySpec {
  return {
    provider: {
      type: 'Kubernetes',
      kubernetes: {
        envoyDeployment: {
          replicas: 2,
          pod: {
            topologySpreadConstraints: [spreadOverNodes({ ...ENVOY_PROXY_LABELS }, ['gateway.envoyproxy.io/owning-gateway-name', 'gateway.envoyproxy.io/owning-gateway-namespace'])],
          },
        },
        envoyPDB: { minAvailable: 1 },
        envoyService: {
          type: 'LoadBalancer',
          // Any node may take the MetalLB address; traffic reaches a proxy on any node.
          externalTrafficPolicy: 'Cluster',
          annotations: { 'metallb.io/loadBalancerIPs': ctx.site.network.gateway.address },
        },
      },
    },
  };
}

/**
 * The shared gateway: Envoy Gateway (Gateway API), one GatewayClass, and one Gateway with an
 * HTTP listener on the site's fixed MetalLB address. HAProxy ends TLS and sends plain HTTP here.
 */
export function gatewayLayer(scope: Construct, ctx: PlatformContext): Layer {
  const layer = new Layer(scope, {
    name: 'gateway',
    description: 'Envoy Gateway: the shared HTTP gateway behind HAProxy, on a fixed MetalLB address',
    namespace: SHARED_GATEWAY.namespace,
    // The proxy Service takes its address from MetalLB.
    dependsOn: ['metallb'],
  });
  // Prometheus scrapes it from the monitoring namespace (the monitoring layer renders the monitor).
  Inventory.of(layer).addScrapeTarget({ name: 'envoy-gateway', layer: layer.layerName, namespace: SHARED_GATEWAY.namespace, selector: { 'control-plane': 'envoy-gateway' }, port: 'metrics' });
  Inventory.of(layer).addScrapeTarget({ name: 'envoy-proxy', layer: layer.layerName, namespace: SHARED_GATEWAY.namespace, selector: { 'app.kubernetes.io/component': 'proxy', 'app.kubernetes.io/managed-by': 'envoy-gateway' }, port: 'metrics', path: '/stats/prometheus', pods: true });
  new PlatformNamespace(layer, 'namespace', { name: SHARED_GATEWAY.namespace });
  new HelmComponent(layer, 'envoy-gateway', {
    name: 'envoy-gateway',
    chart: pinned(ctx, ENVOY_GATEWAY_CHART),
    namespace: SHARED_GATEWAY.namespace,
    values: envoyGatewayValues(),
    providesApis: [{ group: 'gateway.networking.k8s.io' }, { group: 'gateway.envoyproxy.io' }],
    runtimeObjects: [{ kind: 'Secret', name: 'envoy-gateway', because: 'the chart\'s certgen Job (a PreSync hook) creates the control plane\'s TLS certificates' }],
  });
  const proxy = new ApiObject(layer, 'proxy', {
    apiVersion: 'gateway.envoyproxy.io/v1alpha1',
    kind: 'EnvoyProxy',
    metadata: { name: ENVOY_PROXY, namespace: SHARED_GATEWAY.namespace },
    spec: envoyProxySpec(ctx),
  });
  declareWorkloads(proxy, envoyProxyWorkloads());
  // HAProxy is the one hop in front: trust its X-Forwarded-For/-Proto so the apps see the
  // client address and https (Keycloak, Rancher and Jenkins build their redirects from them).
  new ApiObject(layer, 'trust-haproxy', {
    apiVersion: 'gateway.envoyproxy.io/v1alpha1',
    kind: 'ClientTrafficPolicy',
    metadata: { name: 'trust-haproxy', namespace: SHARED_GATEWAY.namespace },
    spec: {
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: SHARED_GATEWAY.name }],
      clientIPDetection: { xForwardedFor: { numTrustedHops: 1 } },
    },
  });
  new GatewayClass(layer, 'class', {
    metadata: { name: GATEWAY_CLASS },
    spec: {
      controllerName: 'gateway.envoyproxy.io/gatewayclass-controller',
      parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: ENVOY_PROXY, namespace: SHARED_GATEWAY.namespace },
    },
  });
  new Gateway(layer, 'gateway', {
    metadata: { name: SHARED_GATEWAY.name, namespace: SHARED_GATEWAY.namespace },
    spec: {
      gatewayClassName: GATEWAY_CLASS,
      listeners: [{
        name: SHARED_GATEWAY.listener,
        protocol: 'HTTP',
        port: SHARED_GATEWAY.port,
        allowedRoutes: { namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.ALL } },
      }],
    },
  });
  return layer;
}
