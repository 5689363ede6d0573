import { Construct } from 'constructs';
import { IntOrString, KubeNetworkPolicy } from 'cdk8s-plus-25/lib/imports/k8s';
import type { AppSpec } from '../config/app-schema';
import { ENVOY_PROXY_LABELS, SHARED_GATEWAY } from '../constructs/published-ui';
import { MONITORING_NAMESPACE } from '../constructs/service-monitor';
import { callEgressPolicyName, callIngressPolicyName, CalledApp } from './calls';
import { appNamespace, selectorLabels } from './conventions';
import type { DatabaseBinding } from './pod-template';

/**
 * The namespace's default-deny (rendered by the paas layer) lets nothing in or out but DNS;
 * these are the allows an app needs, each its own NetworkPolicy named after what it allows:
 *
 * - `<app>-from-gateway`: the shared gateway's Envoy proxies to the HTTP port (`expose.http`);
 * - `<app>-from-anywhere`: any source to the TCP-exposed ports (`expose.tcp`); MetalLB traffic
 *   arrives from any node (externalTrafficPolicy Cluster), so the source cannot be narrowed;
 * - `<app>-from-prometheus`: Prometheus (its pods in the monitoring namespace) to the `metrics` port;
 * - `<app>-to-dbaas`: egress to the bound DBaaS endpoints' ports (`databases`); they are DNS
 *   names outside the cluster, which a NetworkPolicy cannot name, so any address on those ports;
 * - for each app it calls (`calls`, lib/paas/calls.ts), two: `<app>-to-<target>`, egress from
 *   its pods to the target's pods, and `<target>-from-<app>`, ingress into the target's pods from
 *   its pods, both on the ports called. The namespace denies both directions, so a connection needs
 *   both; both are the caller's (its folder, its Application): the call is declared, reviewed and
 *   removed in one spec, and the target's folder does not change when a caller comes or goes. The
 *   ports are named ports (with their protocols), which resolve on the target's pods in either
 *   direction, as the gateway's and Prometheus's allows do: a port whose number changes keeps its
 *   allow, old and new pods alike during a rollout.
 *
 * Not allowed, on purpose: app to an app it does not call (in its environment or another), app to
 * the Internet, app to the Kubernetes API; an app's own pods to each other. Kubelet probes come
 * from the node itself, which k3s's network policy controller always admits.
 */
export function appNetworkPolicies(scope: Construct, app: AppSpec, bindings: readonly DatabaseBinding[], httpPort: string | undefined, calls: readonly CalledApp[] = []): KubeNetworkPolicy[] {
  const namespace = appNamespace(app);
  const podSelector = { matchLabels: selectorLabels(app) };
  const out: KubeNetworkPolicy[] = [];
  if (httpPort) {
    out.push(new KubeNetworkPolicy(scope, 'from-gateway', {
      metadata: { name: `${app.name}-from-gateway`, namespace },
      spec: {
        podSelector,
        policyTypes: ['Ingress'],
        ingress: [{
          from: [{
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': SHARED_GATEWAY.namespace } },
            podSelector: { matchLabels: { ...ENVOY_PROXY_LABELS } },
          }],
          ports: [{ protocol: 'TCP', port: IntOrString.fromString(httpPort) }],
        }],
      },
    }));
  }
  if (app.expose.tcp.length) {
    out.push(new KubeNetworkPolicy(scope, 'from-anywhere', {
      metadata: { name: `${app.name}-from-anywhere`, namespace },
      spec: {
        podSelector,
        policyTypes: ['Ingress'],
        ingress: [{ ports: app.expose.tcp.map((t) => ({ protocol: 'TCP', port: IntOrString.fromString(t.port) })) }],
      },
    }));
  }
  if (app.metrics) {
    out.push(new KubeNetworkPolicy(scope, 'from-prometheus', {
      metadata: { name: `${app.name}-from-prometheus`, namespace },
      spec: {
        podSelector,
        policyTypes: ['Ingress'],
        ingress: [{
          from: [{
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
          }],
          ports: [{ protocol: 'TCP', port: IntOrString.fromString(app.metrics.port) }],
        }],
      },
    }));
  }
  if (bindings.length) {
    const ports = [...new Set(bindings.map((b) => b.port))].sort((a, b) => a - b);
    out.push(new KubeNetworkPolicy(scope, 'to-dbaas', {
      metadata: { name: `${app.name}-to-dbaas`, namespace },
      spec: {
        podSelector,
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: ports.map((port) => ({ protocol: 'TCP', port: IntOrString.fromNumber(port) })) }],
      },
    }));
  }
  for (const called of calls) {
    const ports = called.ports.map((p) => ({ protocol: p.protocol, port: IntOrString.fromString(p.name) }));
    const target = { matchLabels: selectorLabels({ name: called.app }) };
    out.push(new KubeNetworkPolicy(scope, `calls-${called.app}-egress`, {
      metadata: { name: callEgressPolicyName(app.name, called.app), namespace },
      spec: {
        podSelector,
        policyTypes: ['Egress'],
        egress: [{ to: [{ podSelector: target }], ports }],
      },
    }));
    out.push(new KubeNetworkPolicy(scope, `calls-${called.app}-ingress`, {
      metadata: { name: callIngressPolicyName(app.name, called.app), namespace },
      spec: {
        podSelector: target,
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector }], ports }],
      },
    }));
  }
  return out;
}
