import { Construct } from 'constructs';
import { HelmComponent } from '../constructs/helm-component';
import { SERVER_TAINT } from '../hosts/node-labels';
import type { ChartPin, ChartVersion } from '../versions';
import { KUBE_SYSTEM } from './coredns';

/**
 * metrics-server: the resource metrics API behind kubectl top and every HPA (chart 3.13.1 ships
 * metrics-server 0.8.1), in place of k3s's bundled one.
 */
export const METRICS_SERVER_CHART: ChartPin = {
  name: 'metrics-server',
  kind: 'chart',
  repo: 'https://kubernetes-sigs.github.io/metrics-server/',
  chart: 'metrics-server',
  version: '3.13.1',
  source: { repository: 'https://github.com/kubernetes-sigs/metrics-server', path: 'charts/metrics-server', tag: 'metrics-server-helm-chart-{version}' },
};

/** The Helm release: the Deployment, Service and APIService backend are named `metrics-server` like k3s's. */
export const METRICS_SERVER_RELEASE = 'metrics-server';
/** Replicas: the metrics API (kubectl top, every HorizontalPodAutoscaler) survives any one node. */
export const METRICS_SERVER_REPLICAS = 2;
const POD_LABELS = { 'app.kubernetes.io/name': 'metrics-server', 'app.kubernetes.io/instance': METRICS_SERVER_RELEASE } as const;

/** The values of the metrics-server chart that the platform sets (a typed subset). */
export interface MetricsServerValues {
  readonly replicas: number;
  readonly priorityClassName: string;
  readonly defaultArgs: readonly string[];
  readonly resources: { readonly requests: { readonly cpu: string; readonly memory: string }; readonly limits: { readonly memory: string } };
  readonly podSecurityContext: { readonly seccompProfile: { readonly type: 'RuntimeDefault' } };
  readonly affinity: unknown;
  readonly tolerations: readonly { readonly key: string; readonly operator: 'Exists' }[];
  readonly podDisruptionBudget: { readonly enabled: boolean; readonly maxUnavailable: number };
}

export function metricsServerValues(): MetricsServerValues {
  return {
    replicas: METRICS_SERVER_REPLICAS,
    priorityClassName: 'system-cluster-critical',
    // k3s's arguments (its manifests/metrics-server): kubelets are reached on their node IP and the
    // port their node status reports; the chart adds --secure-port from containerPort (10250).
    defaultArgs: ['--cert-dir=/tmp', '--kubelet-preferred-address-types=InternalIP', '--kubelet-use-node-status-port', '--metric-resolution=15s'],
    // One scrape of 7 kubelets every 15 s: small; the limit stops a leak.
    resources: { requests: { cpu: '50m', memory: '80Mi' }, limits: { memory: '256Mi' } },
    // The chart's container context is already non-root, read-only and drops ALL; the pod lacks seccomp.
    podSecurityContext: { seccompProfile: { type: 'RuntimeDefault' } },
    affinity: {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: POD_LABELS } }],
      },
    },
    // Like k3s's: a critical add-on, allowed on the servers (CriticalAddonsOnly).
    tolerations: [{ key: SERVER_TAINT.key, operator: 'Exists' }],
    podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
  };
}

export interface MetricsServerProps {
  /** The metrics-server chart (vendored). */
  readonly chart: ChartVersion;
}

/**
 * metrics-server serving the `metrics.k8s.io` API (kubectl top, HorizontalPodAutoscalers), in
 * place of k3s's bundled single pod. It serves its own self-signed certificate (the chart's
 * `tls.type: metrics-server`), which the APIService skips verifying, as k3s's does.
 */
export class MetricsServer extends Construct {
  public readonly chart: HelmComponent<MetricsServerValues>;

  constructor(scope: Construct, id: string, props: MetricsServerProps) {
    super(scope, id);
    this.chart = new HelmComponent(this, 'metrics-server', {
      name: METRICS_SERVER_RELEASE,
      chart: props.chart,
      namespace: KUBE_SYSTEM,
      values: metricsServerValues(),
      ha: [{ kind: 'Deployment', name: METRICS_SERVER_RELEASE, role: 'metrics-api' }],
    });
  }
}
