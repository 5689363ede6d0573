import { CRD_SCHEMAS } from '../k8s/kinds';
import { ApiRef, apiRefMatches } from '../layer';

/**
 * The `--api-versions` helm sees: every version and kind of the custom resources the platform's
 * components declare they provide (`providesApis`), as `group/version` and `group/version/Kind`,
 * sorted. Helm knows the built-in Kubernetes APIs itself. A chart that asks
 * `.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor"` thus sees exactly
 * what the platform will serve once its layers are synced.
 */
export function apiVersionsFor(provided: readonly ApiRef[]): string[] {
  const out = new Set<string>();
  for (const crd of CRD_SCHEMAS) {
    if (!provided.some((ref) => apiRefMatches(ref, crd.group, crd.kind))) continue;
    out.add(`${crd.group}/${crd.version}`);
    out.add(`${crd.group}/${crd.version}/${crd.kind}`);
  }
  return [...out].sort();
}
