/**
 * Facts about kinds that the JSON schemas do not carry: which are cluster-scoped,
 * and which custom-resource schemas the project vendors (and imports as typed classes).
 */

/** `group/Kind` of every cluster-scoped kind the platform may render (core group is ""). */
export const CLUSTER_SCOPED = new Set<string>([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'scheduling.k8s.io/PriorityClass',
  'networking.k8s.io/IngressClass',
  'gateway.networking.k8s.io/GatewayClass',
  'external-secrets.io/ClusterSecretStore',
  'external-secrets.io/ClusterExternalSecret',
  'cert-manager.io/ClusterIssuer',
  'kyverno.io/ClusterPolicy',
  'management.cattle.io/AuthConfig',
  'management.cattle.io/GlobalRole',
  'management.cattle.io/GlobalRoleBinding',
  'management.cattle.io/RoleTemplate',
  'argoproj.io/ClusterAnalysisTemplate',
]);

export function isClusterScoped(group: string, kind: string): boolean {
  return CLUSTER_SCOPED.has(`${group}/${kind}`);
}

/** Splits `apiVersion` into group and version (`v1` -> core group ""). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** A custom resource schema the project uses: vendored into imports/schemas, imported into imports/. */
export interface CrdSchemaRef {
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  readonly plural: string;
  /** Generate a typed cdk8s class for it (`npm run import`). */
  readonly typed: boolean;
}

/** Custom resources the platform renders. Add one here, then `npm run schemas && npm run import`. */
export const CRD_SCHEMAS: readonly CrdSchemaRef[] = [
  { group: 'argoproj.io', kind: 'Application', version: 'v1alpha1', plural: 'applications', typed: true },
  { group: 'argoproj.io', kind: 'AppProject', version: 'v1alpha1', plural: 'appprojects', typed: true },
  { group: 'helm.cattle.io', kind: 'HelmChart', version: 'v1', plural: 'helmcharts', typed: true },
  { group: 'metallb.io', kind: 'IPAddressPool', version: 'v1beta1', plural: 'ipaddresspools', typed: true },
  { group: 'metallb.io', kind: 'L2Advertisement', version: 'v1beta1', plural: 'l2advertisements', typed: true },
  { group: 'external-secrets.io', kind: 'ExternalSecret', version: 'v1', plural: 'externalsecrets', typed: true },
  { group: 'external-secrets.io', kind: 'ClusterSecretStore', version: 'v1', plural: 'clustersecretstores', typed: false },
  { group: 'gateway.networking.k8s.io', kind: 'GatewayClass', version: 'v1', plural: 'gatewayclasses', typed: true },
  { group: 'gateway.networking.k8s.io', kind: 'Gateway', version: 'v1', plural: 'gateways', typed: true },
  { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', version: 'v1', plural: 'httproutes', typed: true },
  { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', version: 'v1alpha1', plural: 'envoyproxies', typed: false },
  { group: 'longhorn.io', kind: 'BackupTarget', version: 'v1beta2', plural: 'backuptargets', typed: true },
  { group: 'longhorn.io', kind: 'RecurringJob', version: 'v1beta2', plural: 'recurringjobs', typed: true },
  { group: 'upgrade.cattle.io', kind: 'Plan', version: 'v1', plural: 'plans', typed: true },
  { group: 'management.cattle.io', kind: 'AuthConfig', version: 'v3', plural: 'authconfigs', typed: false },
  { group: 'management.cattle.io', kind: 'GlobalRoleBinding', version: 'v3', plural: 'globalrolebindings', typed: false },
];

/** Path of a CRD schema relative to a schemas root (`crds/<group>/<kind>_<version>.json`). */
export function crdSchemaFile(group: string, kind: string, version: string): string {
  return `crds/${group}/${kind.toLowerCase()}_${version}.json`;
}

export const KUBERNETES_DEFINITIONS = 'kubernetes/v1.33.0/_definitions.json';
