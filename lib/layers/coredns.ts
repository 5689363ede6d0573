import { Construct } from 'constructs';
import type { Site } from '../config/schema';
import { HelmComponent } from '../constructs/helm-component';
import { pinned } from '../context';
import type { PlatformContext } from '../context';
import { CLUSTER_DNS } from '../hosts/k3s-config';
import { SERVER_TAINT } from '../hosts/node-labels';
import type { ChartPin, ChartVersion } from '../versions';

/**
 * CoreDNS: the cluster DNS (chart 1.46.2 ships CoreDNS 1.13.1), in place of the single pod k3s
 * bundles (disabled in every server's config.yaml).
 */
export const COREDNS_CHART: ChartPin = {
  name: 'coredns',
  kind: 'chart',
  repo: 'https://coredns.github.io/helm',
  chart: 'coredns',
  version: '1.46.2',
  source: { repository: 'https://github.com/coredns/helm', path: 'charts/coredns', tag: 'coredns-{version}' },
};

/** Where the cluster add-ons run: k3s's own namespace, where kubelets and k3s expect them. */
export const KUBE_SYSTEM = 'kube-system';
/** The Helm release, so the Deployment, ConfigMap, PDB and ServiceAccount are named `coredns` like k3s's. */
export const COREDNS_RELEASE = 'coredns';
/** The Service name k3s (and kubeadm) give cluster DNS; tools and docs look for it. */
export const KUBE_DNS_SERVICE = 'kube-dns';
/** The pod label k3s's CoreDNS carries: the PaaS's allow-dns NetworkPolicy and the monitoring scrape select it. */
export const KUBE_DNS_APP_LABEL = 'kube-dns';
/** Replicas: any one node may be lost (or drained) with two left serving. */
export const COREDNS_REPLICAS = 3;
/** The CoreDNS image's own non-root user (distroless `nonroot`), stated numerically so the kubelet can check runAsNonRoot. */
const COREDNS_UID = 65532;

/** One CoreDNS plugin line of the chart's `servers[].plugins`. */
export interface CoreDnsPlugin {
  readonly name: string;
  readonly parameters?: string;
  /** The plugin's `{ ... }` block, one directive a line. */
  readonly configBlock?: string;
}

/** An HTTP probe's timing (the chart renders the handler). */
export interface CoreDnsProbe {
  readonly enabled: boolean;
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
  readonly successThreshold: number;
}

/** The values of the coredns chart that the platform sets (a typed subset). */
export interface CoreDnsValues {
  readonly replicaCount: number;
  /** The pods' `k8s-app` label: `kube-dns`, as k3s's. */
  readonly k8sAppLabelOverride: string;
  readonly priorityClassName: string;
  /** `limits.cpu: null` removes the chart's default CPU limit. */
  readonly resources: { readonly requests: { readonly cpu: string; readonly memory: string }; readonly limits: { readonly memory: string; readonly cpu: null } };
  readonly podSecurityContext: {
    readonly runAsNonRoot: true;
    readonly runAsUser: number;
    readonly runAsGroup: number;
    readonly seccompProfile: { readonly type: 'RuntimeDefault' };
  };
  readonly serviceAccount: { readonly create: boolean };
  readonly service: { readonly name: string; readonly clusterIP: string };
  readonly servers: readonly {
    readonly zones: readonly { readonly zone: string; readonly use_tcp: boolean }[];
    readonly port: number;
    readonly plugins: readonly CoreDnsPlugin[];
  }[];
  readonly affinity: unknown;
  readonly tolerations: readonly { readonly key: string; readonly operator: 'Exists' }[];
  readonly podDisruptionBudget: { readonly maxUnavailable: number };
  readonly livenessProbe: CoreDnsProbe;
  readonly readinessProbe: CoreDnsProbe;
}

/**
 * The Corefile's one server block, as k3s's bundled CoreDNS has it (k3s's manifests/coredns.yaml):
 * errors, health, ready, the kubernetes plugin for the cluster domain and reverse zones, the
 * nodes' names (k3s keeps them in a NodeHosts file; here they come from site.yaml), metrics on
 * :9153, forwarding to the node's resolvers, cache, loop detection, reload and loadbalance.
 * k3s's optional `coredns-custom` imports are not carried over: change the Corefile here instead.
 */
export function corefilePlugins(site: Site): CoreDnsPlugin[] {
  // By name: reordering nodes in site.yaml (the join order) leaves the Corefile as it is.
  const nodeHosts = [...site.nodes].sort((a, b) => a.name.localeCompare(b.name)).map((n) => `${n.ip} ${n.name}`);
  return [
    { name: 'errors' },
    // lameduck: a stopping replica keeps answering while the Service stops sending to it.
    { name: 'health', configBlock: 'lameduck 10s' },
    { name: 'ready' },
    { name: 'kubernetes', parameters: `${CLUSTER_DNS.domain} in-addr.arpa ip6.arpa`, configBlock: 'pods insecure\nfallthrough in-addr.arpa ip6.arpa' },
    { name: 'hosts', configBlock: [...nodeHosts, 'ttl 60', 'fallthrough'].join('\n') },
    { name: 'prometheus', parameters: ':9153' },
    { name: 'forward', parameters: '. /etc/resolv.conf' },
    { name: 'cache', parameters: '30' },
    { name: 'loop' },
    { name: 'reload' },
    { name: 'loadbalance' },
  ];
}

/** The CoreDNS pods' selector labels (the chart's, with the `k8s-app` override). */
export const COREDNS_POD_LABELS = { 'app.kubernetes.io/instance': COREDNS_RELEASE, 'app.kubernetes.io/name': 'coredns', 'k8s-app': KUBE_DNS_APP_LABEL } as const;

export function coreDnsValues(site: Site): CoreDnsValues {
  const probe = (p: Omit<CoreDnsProbe, 'enabled' | 'successThreshold'>): CoreDnsProbe => ({ enabled: true, successThreshold: 1, ...p });
  return {
    replicaCount: COREDNS_REPLICAS,
    k8sAppLabelOverride: KUBE_DNS_APP_LABEL,
    // Evicted last and scheduled first: every pod's name lookups go through it.
    priorityClassName: 'system-cluster-critical',
    // k3s's (and kubeadm's) figures: 70Mi serves a small cluster's cache; the memory limit stops a
    // leak. No CPU limit (the chart's 100m): a throttled DNS server delays every lookup in the cluster.
    resources: { requests: { cpu: '50m', memory: '70Mi' }, limits: { memory: '170Mi', cpu: null } },
    podSecurityContext: { runAsNonRoot: true, runAsUser: COREDNS_UID, runAsGroup: COREDNS_UID, seccompProfile: { type: 'RuntimeDefault' } },
    // The chart's container context already drops ALL, adds only NET_BIND_SERVICE (port 53) and
    // makes the root filesystem read-only.
    serviceAccount: { create: true },
    // kubelets write CLUSTER_DNS.address into every pod's resolv.conf (cluster-dns in config.yaml).
    service: { name: KUBE_DNS_SERVICE, clusterIP: CLUSTER_DNS.address },
    servers: [{ zones: [{ zone: '.', use_tcp: true }], port: 53, plugins: corefilePlugins(site) }],
    // One replica per node: losing a node costs one of three.
    affinity: {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: COREDNS_POD_LABELS } }],
      },
    },
    // DNS is needed first and everywhere: the servers (CriticalAddonsOnly) are eligible too.
    tolerations: [{ key: SERVER_TAINT.key, operator: 'Exists' }],
    // Two of three always answer, and a drain still proceeds.
    podDisruptionBudget: { maxUnavailable: 1 },
    livenessProbe: probe({ initialDelaySeconds: 60, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 5 }),
    // /ready answers once the kubernetes plugin has synced; k3s's timing (no 30 s initial delay),
    // so a replacement replica serves within seconds.
    readinessProbe: probe({ initialDelaySeconds: 0, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 3 }),
  };
}

export interface CoreDnsProps {
  /** The coredns chart (vendored). */
  readonly chart: ChartVersion;
  /** Typed values of the coredns chart. */
  readonly values: CoreDnsValues;
}

/**
 * CoreDNS as the cluster DNS: the coredns chart rendered at synth into kube-system, in place of
 * k3s's bundled single pod. The same construct renders the copy in `argocd/` (applied before
 * Argo CD, which needs DNS) and in `dist/cluster-addons` (which Argo CD then manages).
 */
export class CoreDns extends Construct {
  public readonly chart: HelmComponent<CoreDnsValues>;

  constructor(scope: Construct, id: string, props: CoreDnsProps) {
    super(scope, id);
    this.chart = new HelmComponent(this, 'coredns', {
      name: COREDNS_RELEASE,
      chart: props.chart,
      namespace: KUBE_SYSTEM,
      values: props.values,
      ha: [{ kind: 'Deployment', name: COREDNS_RELEASE, role: 'cluster-dns' }],
    });
  }
}

/** What the bootstrap and the cluster-addons layer render: the same, from the same site. */
export function coreDnsProps(ctx: PlatformContext): CoreDnsProps {
  return { chart: pinned(ctx, COREDNS_CHART), values: coreDnsValues(ctx.site) };
}
