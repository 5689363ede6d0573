/**
 * Every chart, image and binary version the platform deploys, in one place.
 * `site.yaml` may override any entry's `version` by its key (`versions:`).
 * Charts and upstream manifests are vendored (vendor/lock.yaml) and rendered at synth into dist/.
 */

/** A Helm chart, vendored under vendor/charts and rendered at synth. */
export interface ChartVersion {
  readonly kind: 'chart';
  /** The chart's Helm repository URL (where it is published; the vendored copy comes from its Git tag). */
  readonly repo: string;
  /** Chart name in that repository. */
  readonly chart: string;
  /** Pinned chart version. */
  readonly version: string;
}

/** A container image or release binary. */
export interface ArtifactVersion {
  readonly kind: 'image' | 'binary';
  /** Image repository or release name. */
  readonly name: string;
  /** Pinned tag or release. */
  readonly version: string;
}

/** Plain manifests or a kustomization from a Git repository tag, vendored under vendor/manifests and rendered at synth. */
export interface GitVersion {
  readonly kind: 'git';
  /** Repository URL. */
  readonly repo: string;
  /** Folder in the repository. */
  readonly path: string;
  /** Pinned tag. */
  readonly version: string;
}

export type ComponentVersion = ChartVersion | ArtifactVersion | GitVersion;

export const VERSIONS = {
  /** k3s on every node (host install script, system-upgrade-controller Plans). */
  k3s: { kind: 'binary', name: 'k3s', version: 'v1.33.5+k3s1' },
  /** Argo CD: bootstrap and self-management. */
  argocd: { kind: 'chart', repo: 'https://argoproj.github.io/argo-helm', chart: 'argo-cd', version: '9.1.4' },
  /**
   * CoreDNS: the cluster DNS (chart 1.46.2 ships CoreDNS 1.13.1), in place of the single pod k3s
   * bundles (disabled in every server's config.yaml).
   */
  coredns: { kind: 'chart', repo: 'https://coredns.github.io/helm', chart: 'coredns', version: '1.46.2' },
  /** metrics-server: the resource metrics API behind kubectl top and every HPA (chart 3.13.1 ships metrics-server 0.8.1), in place of k3s's bundled one. */
  'metrics-server': { kind: 'chart', repo: 'https://kubernetes-sigs.github.io/metrics-server/', chart: 'metrics-server', version: '3.13.1' },
  /** MetalLB: TCP load balancer in L2 mode. */
  metallb: { kind: 'chart', repo: 'https://metallb.github.io/metallb', chart: 'metallb', version: '0.15.2' },
  /** Longhorn: replicated block storage. */
  longhorn: { kind: 'chart', repo: 'https://charts.longhorn.io', chart: 'longhorn', version: '1.12.1' },
  /** kube-vip: the API VIP on the servers (ARP). */
  'kube-vip': { kind: 'image', name: 'ghcr.io/kube-vip/kube-vip', version: 'v1.2.3' },
  /** system-upgrade-controller: runs the k3s upgrade Plans (its repo's root kustomization). */
  'system-upgrade-controller': { kind: 'git', repo: 'https://github.com/rancher/system-upgrade-controller', path: '.', version: 'v0.20.1' },
  /** External Secrets Operator: Secrets from Bitwarden. */
  'external-secrets': { kind: 'chart', repo: 'https://charts.external-secrets.io', chart: 'external-secrets', version: '2.9.0' },
  /** Bitwarden CLI (`bw serve`) that External Secrets reads the vault through. */
  'bitwarden-cli': { kind: 'image', name: 'ghcr.io/charlesthomas/bitwarden-cli', version: '2026.3.0' },
  /** Envoy Gateway: the shared gateway (Gateway API) and the API gateway. OCI chart. */
  'envoy-gateway': { kind: 'chart', repo: 'docker.io/envoyproxy', chart: 'gateway-helm', version: 'v1.9.0' },
  /**
   * Keycloak operator: its CRDs and Deployment, the folder `kubernetes` of the release tag
   * (namespace `keycloak`, which the operator's ClusterRoleBinding names). The operator runs the
   * Keycloak image of the same release. 26.0.0: the newest tag of keycloak-k8s-resources this
   * project could vendor (the mirror holds no later one); bump it with npm run vendor.
   */
  'keycloak-operator': { kind: 'git', repo: 'https://github.com/keycloak/keycloak-k8s-resources', path: 'kubernetes', version: '26.0.0' },
  /** Rancher: the control panel. */
  rancher: { kind: 'chart', repo: 'https://releases.rancher.com/server-charts/stable', chart: 'rancher', version: '2.12.3' },
  /** Harbor: the container registry (chart 1.19.1 ships Harbor 2.15.1). */
  harbor: { kind: 'chart', repo: 'https://helm.goharbor.io', chart: 'harbor', version: '1.19.1' },
  /** Jenkins: CI, controller and Kubernetes pod agents (chart 5.9.53 ships Jenkins 2.568.2). */
  jenkins: { kind: 'chart', repo: 'https://charts.jenkins.io', chart: 'jenkins', version: '5.9.53' },
  /**
   * kaniko: image builds in Jenkins agent pods (the debug image has the busybox shell the
   * Kubernetes plugin needs). GoogleContainerTools archived kaniko in June 2025; v1.24.0 is its
   * last release.
   */
  kaniko: { kind: 'image', name: 'gcr.io/kaniko-project/executor', version: 'v1.24.0-debug' },
  /** Node.js with git: the Jenkins agent container that runs `npm run release` in a platform checkout (Node 22 LTS). */
  'node-ci': { kind: 'image', name: 'docker.io/library/node', version: '22.20.0-bookworm' },
  /**
   * kube-prometheus-stack: Prometheus operator, Prometheus, Alertmanager, Grafana (chart 12.11.1
   * from grafana-community), node exporter and kube-state-metrics. Chart 88.5.3 ships operator v0.93.1.
   */
  'kube-prometheus-stack': { kind: 'chart', repo: 'https://prometheus-community.github.io/helm-charts', chart: 'kube-prometheus-stack', version: '88.5.3' },
  /**
   * Loki: log store. The OSS chart moved to grafana-community in March 2026 (grafana/loki keeps
   * the enterprise chart); 18.11.0 ships Loki 3.7.6.
   */
  loki: { kind: 'chart', repo: 'https://grafana-community.github.io/helm-charts', chart: 'loki', version: '18.11.0' },
  /** Grafana Alloy: the log collector on every node (chart 1.11.1 ships Alloy v1.18.1). */
  alloy: { kind: 'chart', repo: 'https://grafana.github.io/helm-charts', chart: 'alloy', version: '1.11.1' },
  /** Velero: cluster backups (chart 12.1.0 ships Velero v1.18.1). */
  velero: { kind: 'chart', repo: 'https://vmware-tanzu.github.io/helm-charts', chart: 'velero', version: '12.1.0' },
  /** Velero's object-store plugin for S3 and S3-compatible stores: the v1.14 line pairs with Velero 1.18 (v1.14.4, 2026-09-28, carries CVE fixes). */
  'velero-plugin-for-aws': { kind: 'image', name: 'velero/velero-plugin-for-aws', version: 'v1.14.4' },
  /**
   * CSI snapshot CRDs (this folder) and the snapshot controller (`deploy/kubernetes/snapshot-controller`
   * of the same tag): k3s ships neither, Longhorn's CSI snapshots and Velero need both.
   */
  'external-snapshotter': { kind: 'git', repo: 'https://github.com/kubernetes-csi/external-snapshotter', path: 'client/config/crd', version: 'v8.6.0' },
  /** Argo Rollouts: blue/green and canary deploys of the PaaS apps (chart 2.41.0 ships Argo Rollouts v1.9.0). */
  'argo-rollouts': { kind: 'chart', repo: 'https://argoproj.github.io/argo-helm', chart: 'argo-rollouts', version: '2.41.0' },
} as const satisfies Record<string, ComponentVersion>;

export type ComponentName = keyof typeof VERSIONS;

export const COMPONENT_NAMES = Object.keys(VERSIONS).sort() as ComponentName[];

/** The versions map with a site's overrides applied. */
export type Versions = { readonly [K in ComponentName]: (typeof VERSIONS)[K] & { readonly version: string } };

/** Applies overrides (already validated against COMPONENT_NAMES) to the versions map. */
export function resolveVersions(overrides: Readonly<Record<string, string>>): Versions {
  const out: Record<string, ComponentVersion> = {};
  for (const name of COMPONENT_NAMES) {
    const base = VERSIONS[name];
    out[name] = Object.freeze({ ...base, version: overrides[name] ?? base.version });
  }
  return Object.freeze(out) as unknown as Versions;
}
