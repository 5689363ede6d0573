/**
 * Facts about kinds that the JSON schemas do not carry: which are cluster-scoped, which run
 * pods, and which custom-resource schemas the project vendors (and imports as typed classes).
 */

/** `group/Kind` of every cluster-scoped built-in kind of Kubernetes 1.33 (core group is ""). */
const CLUSTER_SCOPED_CORE = new Set<string>([
  '/Namespace', '/Node', '/PersistentVolume', '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding',
  'storage.k8s.io/StorageClass', 'storage.k8s.io/CSIDriver', 'storage.k8s.io/CSINode', 'storage.k8s.io/VolumeAttachment', 'storage.k8s.io/VolumeAttributesClass',
  'apiextensions.k8s.io/CustomResourceDefinition', 'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration', 'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy', 'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy', 'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
  'scheduling.k8s.io/PriorityClass', 'networking.k8s.io/IngressClass', 'networking.k8s.io/IPAddress', 'networking.k8s.io/ServiceCIDR',
  'node.k8s.io/RuntimeClass', 'certificates.k8s.io/CertificateSigningRequest', 'certificates.k8s.io/ClusterTrustBundle',
  'flowcontrol.apiserver.k8s.io/FlowSchema', 'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'internal.apiserver.k8s.io/StorageVersion', 'resource.k8s.io/DeviceClass', 'resource.k8s.io/ResourceSlice',
]);

/** Whether objects of `group`/`kind` are cluster-scoped: built-in kinds, then the CRD table. */
export function isClusterScoped(group: string, kind: string): boolean {
  return CLUSTER_SCOPED_CORE.has(`${group}/${kind}`) || CRD_SCHEMAS.some((c) => c.group === group && c.kind === kind && c.scope === 'Cluster');
}

/** Long-running workloads by kind, with their API group: what the HA rules and the failure model judge. */
export const WORKLOAD_KINDS: Readonly<Record<string, string>> = { Deployment: 'apps', StatefulSet: 'apps', DaemonSet: 'apps', Rollout: 'argoproj.io' };

/** Other kinds that run pods (to completion, or unmanaged), with their API group. */
export const OTHER_POD_KINDS: Readonly<Record<string, string>> = { Job: 'batch', CronJob: 'batch', Pod: '', ReplicaSet: 'apps' };

/** A custom resource schema the project uses: vendored into imports/schemas, imported into imports/. */
export interface CrdSchemaRef {
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  readonly plural: string;
  /** Whether its objects live in a namespace. */
  readonly scope: 'Namespaced' | 'Cluster';
  /** Generate a typed cdk8s class for it (`npm run import`). */
  readonly typed: boolean;
}

/** Custom resources the platform renders. Add one here, then `npm run schemas && npm run import`. */
export const CRD_SCHEMAS: readonly CrdSchemaRef[] = [
  { group: 'argoproj.io', kind: 'Application', version: 'v1alpha1', plural: 'applications', scope: 'Namespaced', typed: true },
  { group: 'argoproj.io', kind: 'AppProject', version: 'v1alpha1', plural: 'appprojects', scope: 'Namespaced', typed: true },
  // Untyped: the PaaS builds one pod template for Deployments and Rollouts as plain JSON.
  { group: 'argoproj.io', kind: 'Rollout', version: 'v1alpha1', plural: 'rollouts', scope: 'Namespaced', typed: false },
  { group: 'helm.cattle.io', kind: 'HelmChart', version: 'v1', plural: 'helmcharts', scope: 'Namespaced', typed: true },
  { group: 'metallb.io', kind: 'IPAddressPool', version: 'v1beta1', plural: 'ipaddresspools', scope: 'Namespaced', typed: true },
  { group: 'metallb.io', kind: 'L2Advertisement', version: 'v1beta1', plural: 'l2advertisements', scope: 'Namespaced', typed: true },
  { group: 'external-secrets.io', kind: 'ExternalSecret', version: 'v1', plural: 'externalsecrets', scope: 'Namespaced', typed: true },
  { group: 'external-secrets.io', kind: 'ClusterSecretStore', version: 'v1', plural: 'clustersecretstores', scope: 'Cluster', typed: false },
  { group: 'gateway.networking.k8s.io', kind: 'GatewayClass', version: 'v1', plural: 'gatewayclasses', scope: 'Cluster', typed: true },
  { group: 'gateway.networking.k8s.io', kind: 'Gateway', version: 'v1', plural: 'gateways', scope: 'Namespaced', typed: true },
  { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', version: 'v1', plural: 'httproutes', scope: 'Namespaced', typed: true },
  { group: 'gateway.envoyproxy.io', kind: 'ClientTrafficPolicy', version: 'v1alpha1', plural: 'clienttrafficpolicies', scope: 'Namespaced', typed: false },
  { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', version: 'v1alpha1', plural: 'envoyproxies', scope: 'Namespaced', typed: false },
  { group: 'gateway.envoyproxy.io', kind: 'SecurityPolicy', version: 'v1alpha1', plural: 'securitypolicies', scope: 'Namespaced', typed: false },
  { group: 'gateway.envoyproxy.io', kind: 'BackendTrafficPolicy', version: 'v1alpha1', plural: 'backendtrafficpolicies', scope: 'Namespaced', typed: false },
  { group: 'k8s.keycloak.org', kind: 'Keycloak', version: 'v2alpha1', plural: 'keycloaks', scope: 'Namespaced', typed: false },
  { group: 'k8s.keycloak.org', kind: 'KeycloakRealmImport', version: 'v2alpha1', plural: 'keycloakrealmimports', scope: 'Namespaced', typed: false },
  { group: 'longhorn.io', kind: 'BackupTarget', version: 'v1beta2', plural: 'backuptargets', scope: 'Namespaced', typed: true },
  { group: 'longhorn.io', kind: 'RecurringJob', version: 'v1beta2', plural: 'recurringjobs', scope: 'Namespaced', typed: true },
  { group: 'upgrade.cattle.io', kind: 'Plan', version: 'v1', plural: 'plans', scope: 'Namespaced', typed: true },
  { group: 'management.cattle.io', kind: 'AuthConfig', version: 'v3', plural: 'authconfigs', scope: 'Cluster', typed: false },
  { group: 'management.cattle.io', kind: 'GlobalRoleBinding', version: 'v3', plural: 'globalrolebindings', scope: 'Cluster', typed: false },
  { group: 'monitoring.coreos.com', kind: 'ServiceMonitor', version: 'v1', plural: 'servicemonitors', scope: 'Namespaced', typed: true },
  { group: 'monitoring.coreos.com', kind: 'PodMonitor', version: 'v1', plural: 'podmonitors', scope: 'Namespaced', typed: true },
  { group: 'monitoring.coreos.com', kind: 'PrometheusRule', version: 'v1', plural: 'prometheusrules', scope: 'Namespaced', typed: true },
  { group: 'velero.io', kind: 'Schedule', version: 'v1', plural: 'schedules', scope: 'Namespaced', typed: true },
  // Not in the shared schemas: kept in vendor-schemas/ (external-snapshotter v8.6.0).
  { group: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshotClass', version: 'v1', plural: 'volumesnapshotclasses', scope: 'Cluster', typed: false },
];

/** Path of a CRD schema relative to a schemas root (`crds/<group>/<kind>_<version>.json`). */
export function crdSchemaFile(group: string, kind: string, version: string): string {
  return `crds/${group}/${kind.toLowerCase()}_${version}.json`;
}

export const KUBERNETES_DEFINITIONS = 'kubernetes/v1.33.0/_definitions.json';
