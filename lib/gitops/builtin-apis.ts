import { ApiRef, apiRefMatches } from '../layer';

/** API groups served by Kubernetes itself (no CRD needed). */
export const CORE_API_GROUPS = new Set([
  '', 'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'apiregistration.k8s.io', 'apps', 'authentication.k8s.io',
  'authorization.k8s.io', 'autoscaling', 'batch', 'certificates.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io',
  'events.k8s.io', 'flowcontrol.apiserver.k8s.io', 'networking.k8s.io', 'node.k8s.io', 'policy',
  'rbac.authorization.k8s.io', 'resource.k8s.io', 'scheduling.k8s.io', 'storage.k8s.io',
]);

/**
 * APIs that exist before any layer syncs: k3s ships the helm-controller and its CRDs, and the
 * bootstrap (`argocd/`) installs Argo CD with its CRDs.
 */
export const PRE_INSTALLED_APIS: readonly ApiRef[] = [
  { group: 'helm.cattle.io' },
  { group: 'k3s.cattle.io' },
  { group: 'argoproj.io', kind: 'Application' },
  { group: 'argoproj.io', kind: 'AppProject' },
  { group: 'argoproj.io', kind: 'ApplicationSet' },
];

/** True when `group`/`kind` needs no layer to provide it. */
export function isBuiltinApi(group: string, kind: string): boolean {
  return CORE_API_GROUPS.has(group) || PRE_INSTALLED_APIS.some((r) => apiRefMatches(r, group, kind));
}
