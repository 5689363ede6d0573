import type { Site, SiteNode } from '../config/schema';
import { formatTaint, Taint } from '../k8s/scheduling';
import { storageTag } from '../ha/storage';
import {
  LONGHORN_DATA_PATH, LONGHORN_DEFAULT_DISK_CONFIG, LONGHORN_DEFAULT_DISK_LABEL, LONGHORN_DISKS_ANNOTATION, LONGHORN_NODE_TAGS_ANNOTATION,
  RND_KEY, RND_TAINT, SERVER_TAINT, STORAGE_TAG_LABEL,
} from './node-labels';

/** Folder of the host files: outside every Argo CD path. */
export const HOSTS_DIR = 'dist/hosts';
/** Sub-folder of the kube-vip manifests, beside the node folders (so no node may take its name). */
export const KUBE_VIP_DIR = 'kube-vip';

/** Where k3s reads its configuration and where install.sh writes the join token. */
export const K3S_CONFIG_FILE = '/etc/rancher/k3s/config.yaml';
export const K3S_TOKEN_FILE = '/etc/rancher/k3s/token';
/** The Kubernetes API (and k3s supervisor) port on every server and on the VIP. */
export const API_PORT = 6443;

/**
 * How fast pods leave a dead node, in seconds. The kubelet reports every
 * `nodeStatusUpdateFrequencySeconds`; the node controller checks every
 * `nodeMonitorPeriodSeconds` and marks a node silent for `nodeMonitorGracePeriodSeconds`
 * NotReady/Unreachable; pods then tolerate that for `tolerationSeconds` (the API server's default
 * tolerations) before they are evicted and rescheduled. The recovery model (lib/ha/recovery.ts)
 * turns them into seconds.
 */
export const EVICTION = {
  nodeStatusUpdateFrequencySeconds: 4,
  nodeMonitorPeriodSeconds: 2,
  nodeMonitorGracePeriodSeconds: 20,
  tolerationSeconds: 20,
} as const;

/**
 * The cluster's service network and DNS, k3s's defaults stated outright: every server's
 * config.yaml sets them, kubelets get `--cluster-dns` from them, and the platform's CoreDNS
 * Service (lib/layers/coredns.ts) takes the same address. Change them here only on a fresh cluster.
 */
export const CLUSTER_DNS = {
  /** `service-cidr`: the ClusterIP range. */
  serviceCidr: '10.43.0.0/16',
  /** `cluster-dns`: the ClusterIP of the kube-dns Service, written into every pod's resolv.conf. */
  address: '10.43.0.10',
  /** `cluster-domain`. */
  domain: 'cluster.local',
} as const;

/**
 * What the platform renders in place of k3s's bundled single-pod add-ons (`disable:` in every
 * server's config.yaml): MetalLB replaces servicelb, Envoy Gateway traefik, Longhorn local-path;
 * the cluster-addons layer runs CoreDNS (3 replicas) and metrics-server (2) highly available.
 */
export const K3S_DISABLED_ADDONS = ['servicelb', 'traefik', 'local-storage', 'coredns', 'metrics-server'] as const;

/** The eviction settings' shape, for checking other values. */
export interface EvictionSettings {
  readonly nodeStatusUpdateFrequencySeconds: number;
  readonly nodeMonitorPeriodSeconds: number;
  readonly nodeMonitorGracePeriodSeconds: number;
  readonly tolerationSeconds: number;
}

/** The URL every joining node registers with: the API VIP, never one server's address. */
export function apiUrl(site: Site): string {
  return `https://${site.network.apiVip}:${API_PORT}`;
}

/** Servers in site order; the first one starts the cluster (`cluster-init`). */
export function servers(site: Site): SiteNode[] {
  return site.nodes.filter((n) => n.role === 'server');
}

export function isFirstServer(site: Site, node: SiteNode): boolean {
  return servers(site)[0]?.name === node.name;
}

/**
 * The order nodes join in: the first server (cluster-init), the other servers, then agents in
 * site order, R&D agents last. Reorder `nodes:` in site.yaml to change the agents' order.
 */
export function joinOrder(site: Site): SiteNode[] {
  const agents = site.nodes.filter((n) => n.role === 'agent');
  return [...servers(site), ...agents.filter((n) => !n.rnd), ...agents.filter((n) => n.rnd)];
}

/** Taints k3s sets when the node registers. */
export function nodeTaints(node: SiteNode): Taint[] {
  return [...(node.role === 'server' ? [SERVER_TAINT] : []), ...(node.rnd ? [RND_TAINT] : [])];
}

/** Label keys kubelet may set on its own node in the kubernetes.io / k8s.io namespaces. */
const KUBELET_ALLOWED = new Set([
  'kubernetes.io/hostname', 'kubernetes.io/instance-type', 'kubernetes.io/os', 'kubernetes.io/arch',
  'beta.kubernetes.io/instance-type', 'beta.kubernetes.io/os', 'beta.kubernetes.io/arch',
  'failure-domain.beta.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/region',
  'topology.kubernetes.io/zone', 'topology.kubernetes.io/region',
]);

function kubeletMaySet(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return true;
  const prefix = key.slice(0, slash);
  const reserved = /(^|\.)(kubernetes\.io|k8s\.io)$/.test(prefix);
  if (!reserved) return true;
  return KUBELET_ALLOWED.has(key) || /(^|\.)(kubelet|node)\.kubernetes\.io$/.test(prefix);
}

/** The site fields that make the platform derive each of its node labels. */
const PLATFORM_LABELS: Readonly<Record<string, string>> = {
  [LONGHORN_DEFAULT_DISK_LABEL]: 'storage: true',
  [STORAGE_TAG_LABEL]: 'storage: true (and rnd: true for an R&D disk)',
  [RND_KEY]: 'rnd: true',
};

/**
 * Why a node of site.yaml may not carry the label `key` in nodes[].labels (the site rules,
 * lib/config/platform-rules.ts, report it at the key), or undefined when it may.
 */
export function nodeLabelProblem(key: string): string | undefined {
  if (PLATFORM_LABELS[key]) return `label "${key}" is derived by the platform; remove it from nodes[].labels and set ${PLATFORM_LABELS[key]} on the node instead`;
  if (!kubeletMaySet(key)) return `kubelet refuses to set label "${key}" on itself (kubernetes.io and k8s.io labels are reserved); use your own prefix such as "platform.tsys/", or set it with kubectl label after the node joins`;
  return undefined;
}

/**
 * Labels k3s sets when the node registers, `key=value`, sorted: the storage and R&D labels
 * the platform derives, plus the node's own `labels` from site.yaml (validated: see nodeLabelProblem).
 */
export function nodeLabels(node: SiteNode): string[] {
  const derived: Record<string, string> = {};
  if (node.storage) {
    derived[LONGHORN_DEFAULT_DISK_LABEL] = LONGHORN_DEFAULT_DISK_CONFIG;
    derived[STORAGE_TAG_LABEL] = storageTag(node);
  }
  if (node.rnd) derived[RND_KEY] = 'true';
  for (const key of Object.keys(node.labels)) {
    const problem = nodeLabelProblem(key);
    if (problem) throw new Error(`programming error: node ${node.name}: ${problem}; the site rules (lib/config/platform-rules.ts) refuse this label, so the site was not validated (load it with loadSite)`);
  }
  return Object.entries({ ...derived, ...node.labels }).map(([k, v]) => `${k}=${v}`).sort();
}

/**
 * The annotations a storage node needs so that Longhorn creates its default disk tagged for
 * production or R&D (lib/ha/storage.ts): the disk at Longhorn's data path with the node's tag,
 * and the same tag on the Longhorn node. k3s sets labels at registration (`node-label`) but no
 * annotations, so install.sh sets these once the node is registered (installScript); Longhorn
 * reads them while its node object has no disk and no tag yet. Empty for other nodes.
 */
export function longhornNodeAnnotations(node: SiteNode): Record<string, string> {
  if (!node.storage) return {};
  const tag = storageTag(node);
  return {
    [LONGHORN_DISKS_ANNOTATION]: JSON.stringify([{ path: LONGHORN_DATA_PATH, allowScheduling: true, tags: [tag] }]),
    [LONGHORN_NODE_TAGS_ANNOTATION]: JSON.stringify([tag]),
  };
}

/**
 * The content of /etc/rancher/k3s/config.yaml for `node` (k3s reads the same keys as its
 * command-line flags). Servers run embedded etcd behind the API VIP; everyone joins through the VIP.
 */
export function k3sConfig(site: Site, node: SiteNode): Record<string, unknown> {
  const config: Record<string, unknown> = {
    'token-file': K3S_TOKEN_FILE,
    'node-name': node.name,
    'node-ip': node.ip,
    // With the node-monitor grace period below: a silent node is NotReady after 20 s (>= 4 reports missed).
    'kubelet-arg': [`node-status-update-frequency=${EVICTION.nodeStatusUpdateFrequencySeconds}s`],
  };
  const labels = nodeLabels(node);
  if (labels.length) config['node-label'] = labels;
  const taints = nodeTaints(node).map(formatTaint);
  if (taints.length) config['node-taint'] = taints;
  if (node.role === 'agent') return { ...config, server: apiUrl(site) };

  const sans = new Set<string>([site.network.apiVip, ...servers(site).flatMap((s) => [s.name, s.ip])]);
  return {
    ...config,
    ...(isFirstServer(site, node) ? { 'cluster-init': true } : { server: apiUrl(site) }),
    'tls-san': [...sans].sort(),
    disable: [...K3S_DISABLED_ADDONS],
    'service-cidr': CLUSTER_DNS.serviceCidr,
    'cluster-dns': CLUSTER_DNS.address,
    'cluster-domain': CLUSTER_DNS.domain,
    'etcd-expose-metrics': true,
    'kube-apiserver-arg': [
      `default-not-ready-toleration-seconds=${EVICTION.tolerationSeconds}`,
      `default-unreachable-toleration-seconds=${EVICTION.tolerationSeconds}`,
    ],
    'kube-controller-manager-arg': [
      `node-monitor-period=${EVICTION.nodeMonitorPeriodSeconds}s`,
      `node-monitor-grace-period=${EVICTION.nodeMonitorGracePeriodSeconds}s`,
    ],
    'write-kubeconfig-mode': '0600',
  };
}
