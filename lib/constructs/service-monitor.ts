import { Construct } from 'constructs';
import { PodMonitor, ServiceMonitor } from '../../imports/monitoring.coreos.com';

/**
 * How Prometheus finds what to scrape: it selects every ServiceMonitor, PodMonitor and
 * PrometheusRule in every namespace (the chart's `*SelectorNilUsesHelmValues: false`), so a
 * monitor needs no particular label. The label below marks the monitors the platform renders.
 */
export const MONITOR_LABELS = { 'platform.tsys/monitor': 'true' } as const;

/** The namespace Prometheus scrapes from (the monitoring layer's); app network policies admit it. */
export const MONITORING_NAMESPACE = 'monitoring';

export interface MetricsEndpoint {
  /** Name of the Service (or container) port that serves metrics. */
  readonly port: string;
  /** @default '/metrics' */
  readonly path?: string;
  /** @default - Prometheus' scrape interval (30 s) */
  readonly interval?: string;
}

export interface PlatformServiceMonitorProps {
  /** Name of the monitor (a DNS label). */
  readonly name: string;
  /** Namespace the monitor lives in (its layer's). */
  readonly namespace: string;
  /**
   * Namespaces of the Services it selects, when they are not its own (the monitoring layer
   * scrapes other layers from its own namespace).
   * @default - its own namespace
   */
  readonly targetNamespaces?: readonly string[];
  /** Labels of the Services (ServiceMonitor) or pods (PodMonitor) to scrape. */
  readonly selector: Readonly<Record<string, string>>;
  readonly endpoints: readonly MetricsEndpoint[];
  /**
   * Scrape pods directly (a PodMonitor) instead of a Service's endpoints.
   * @default false
   */
  readonly pods?: boolean;
}

/**
 * A ServiceMonitor (or PodMonitor) Prometheus picks up wherever it is. A WebApp that exposes
 * metrics renders one in its namespace:
 * `new PlatformServiceMonitor(app, 'metrics', { name: app, namespace, selector: { 'app.kubernetes.io/name': app }, endpoints: [{ port: 'metrics' }] })`.
 * Its layer must depend on `monitoring`, which installs the API.
 */
export class PlatformServiceMonitor extends Construct {
  constructor(scope: Construct, id: string, props: PlatformServiceMonitorProps) {
    super(scope, id);
    if (props.endpoints.length === 0) throw new Error(`${this.node.path}: a monitor needs at least one endpoint (the port that serves metrics)`);
    if (Object.keys(props.selector).length === 0) throw new Error(`${this.node.path}: an empty selector would scrape everything in the namespace; name the labels of the target`);
    const metadata = { name: props.name, namespace: props.namespace, labels: { ...MONITOR_LABELS } };
    const namespaceSelector = props.targetNamespaces ? { matchNames: [...props.targetNamespaces] } : undefined;
    const endpoint = (e: MetricsEndpoint) => ({ port: e.port, path: e.path ?? '/metrics', ...(e.interval ? { interval: e.interval } : {}) });
    if (props.pods) {
      new PodMonitor(this, 'monitor', {
        metadata,
        spec: { selector: { matchLabels: { ...props.selector } }, ...(namespaceSelector ? { namespaceSelector } : {}), podMetricsEndpoints: props.endpoints.map(endpoint) },
      });
    } else {
      new ServiceMonitor(this, 'monitor', {
        metadata,
        spec: { selector: { matchLabels: { ...props.selector } }, ...(namespaceSelector ? { namespaceSelector } : {}), endpoints: props.endpoints.map(endpoint) },
      });
    }
  }
}
