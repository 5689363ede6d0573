import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { KubeClusterRole, KubeClusterRoleBinding, KubeDaemonSet, KubeServiceAccount, Quantity } from 'cdk8s-plus-25/lib/imports/k8s';
import { HaDeclaration, haAnnotations } from '../ha/annotations';
import { declareFacts } from '../facts/declare';
import { chartJson } from '../render/chart-objects';
import { HEADER } from '../render/rendered-file';
import { sortKeys } from '../render/sort';
import type { ArtifactVersion } from '../versions';
import { API_PORT } from './k3s-config';
import { CONTROL_PLANE_LABEL } from './node-labels';

export const KUBE_VIP_NAMESPACE = 'kube-system';
/** Name of the kube-vip ServiceAccount, ClusterRole, ClusterRoleBinding and DaemonSet. */
export const KUBE_VIP_NAMES = {
  serviceAccount: 'kube-vip',
  clusterRole: 'system:kube-vip-role',
  clusterRoleBinding: 'system:kube-vip-binding',
  daemonSet: 'kube-vip-ds',
} as const;
/** The Lease the servers' kube-vip instances elect the VIP holder with. */
export const KUBE_VIP_LEASE = 'plndr-cp-lock';
const LABELS = { 'app.kubernetes.io/name': 'kube-vip', 'app.kubernetes.io/part-of': 'tsys-platform' };

export interface KubeVipProps {
  /** The API virtual IP, announced by ARP from the server that holds the lease. */
  readonly address: string;
  /** The interface on the node subnet the VIP is announced on (site `k3s.interface`). */
  readonly interface: string;
  /** The kube-vip image (`versions['kube-vip']`). */
  readonly image: ArtifactVersion;
}

/**
 * kube-vip for the Kubernetes API VIP, in ARP mode with leader election, on the servers only.
 * Not a platform layer: k3s applies it from its manifests folder on every server, before any
 * Argo CD exists (joining nodes need the VIP). Rendered into one file by `K3sHosts`.
 */
export class KubeVip extends Chart {
  constructor(scope: Construct, id: string, props: KubeVipProps) {
    super(scope, id, { disableResourceNameHashes: true });
    new KubeServiceAccount(this, 'service-account', {
      metadata: { name: KUBE_VIP_NAMES.serviceAccount, namespace: KUBE_VIP_NAMESPACE, labels: LABELS },
    });
    new KubeClusterRole(this, 'cluster-role', {
      metadata: { name: KUBE_VIP_NAMES.clusterRole, labels: LABELS },
      rules: [
        // Leader election for the VIP.
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
        // Read-only; services are MetalLB's (svc_enable is off).
        { apiGroups: [''], resources: ['nodes', 'services'], verbs: ['get', 'list', 'watch'] },
      ],
    });
    new KubeClusterRoleBinding(this, 'cluster-role-binding', {
      metadata: { name: KUBE_VIP_NAMES.clusterRoleBinding, labels: LABELS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: KUBE_VIP_NAMES.clusterRole },
      subjects: [{ kind: 'ServiceAccount', name: KUBE_VIP_NAMES.serviceAccount, namespace: KUBE_VIP_NAMESPACE }],
    });
    const env = (name: string, value: string) => ({ name, value });
    const ha: HaDeclaration = {
      systemComponent: 'announces the API VIP by ARP on the host network (NET_ADMIN, NET_RAW), on every server',
      exempt: {
        'ha/probes': 'kube-vip serves no health endpoint in ARP mode: a hung instance stops renewing its lease and another server takes the VIP',
      },
    };
    const daemonSet = new KubeDaemonSet(this, 'daemon-set', {
      metadata: {
        name: KUBE_VIP_NAMES.daemonSet,
        namespace: KUBE_VIP_NAMESPACE,
        labels: LABELS,
        annotations: haAnnotations(ha),
      },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': 'kube-vip' } },
        template: {
          metadata: { labels: LABELS },
          spec: {
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchExpressions: [{ key: CONTROL_PLANE_LABEL, operator: 'Exists' }] }],
                },
              },
            },
            // Servers carry CriticalAddonsOnly:NoExecute; the VIP must run there whatever the taints.
            tolerations: [{ effect: 'NoSchedule', operator: 'Exists' }, { effect: 'NoExecute', operator: 'Exists' }],
            hostNetwork: true,
            serviceAccountName: KUBE_VIP_NAMES.serviceAccount,
            containers: [{
              name: 'kube-vip',
              image: `${props.image.name}:${props.image.version}`,
              imagePullPolicy: 'IfNotPresent',
              args: ['manager'],
              env: [
                env('vip_arp', 'true'),
                env('port', String(API_PORT)),
                { name: 'vip_nodename', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                env('vip_interface', props.interface),
                // kube-vip >= 0.9 calls this vip_subnet (was vip_cidr): one address.
                env('vip_subnet', '32'),
                env('cp_enable', 'true'),
                env('cp_namespace', KUBE_VIP_NAMESPACE),
                // LoadBalancer Services are MetalLB's.
                env('svc_enable', 'false'),
                env('vip_leaderelection', 'true'),
                env('vip_leasename', KUBE_VIP_LEASE),
                env('vip_leaseduration', '15'),
                env('vip_renewdeadline', '10'),
                env('vip_retryperiod', '2'),
                env('address', props.address),
              ],
              // A small Go process: requests reserve room for it on the server, the limit stops a leak.
              resources: { requests: { cpu: Quantity.fromString('20m'), memory: Quantity.fromString('64Mi') }, limits: { memory: Quantity.fromString('256Mi') } },
              securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] } },
            }],
          },
        },
      },
    });
    declareFacts(daemonSet, { ha });
  }

  /** Every object, as rendered (its `toJson()`, without resolving the whole app around it: `chartJson`). */
  public get objects(): Record<string, unknown>[] {
    return chartJson(this) as Record<string, unknown>[];
  }

  /** One multi-document YAML file, keys sorted, for k3s's manifests folder. */
  public toYaml(): string {
    return HEADER + this.objects.map((o) => stringify(sortKeys(o), { lineWidth: 0 })).join('---\n');
  }
}
