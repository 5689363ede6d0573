/**
 * Argo CD's health of the workload kinds, as the deployability simulation (./deployability.ts)
 * applies it, and the one health customisation the platform renders for them (its Lua text is
 * here so that the Argo CD values and the simulation cannot drift apart).
 *
 * Argo CD's built-in rules (gitops-engine pkg/health):
 * - Deployment: Progressing while fewer updated or available replicas than `spec.replicas`.
 * - StatefulSet: Progressing while fewer ready replicas than `spec.replicas`.
 * - DaemonSet: Progressing while fewer updated or available pods than
 *   `status.desiredNumberScheduled`. A node that is down stays registered, and the DaemonSet
 *   controller keeps counting it (its pods tolerate the unreachable taint), so with the built-in
 *   rule every DaemonSet is Progressing until the node comes back or is deleted.
 */

/** The `resource.customizations.health.<key>` key of the DaemonSet customisation. */
export const DAEMONSET_HEALTH_KEY = 'apps_DaemonSet';

/** How many unavailable pods the customisation still calls Healthy, once every pod is updated. */
export const DAEMONSET_TOLERATED_UNAVAILABLE = 1;

/**
 * Argo CD's built-in DaemonSet rule, except that one pod that is not available (its node is down or
 * rebooting) leaves the DaemonSet Healthy, with a message saying so: one node's agent is missing and
 * the others serve, which is what N-1 promises. A rollout (pods not yet updated), a stale
 * observation, or two or more unavailable pods stay Progressing.
 */
export const DAEMONSET_HEALTH_LUA = `hs = { status = "Progressing", message = "waiting for the DaemonSet controller to observe the spec" }
if obj.status ~= nil and obj.metadata.generation ~= nil and obj.status.observedGeneration ~= nil and obj.status.observedGeneration >= obj.metadata.generation then
  local desired = obj.status.desiredNumberScheduled or 0
  local updated = obj.status.updatedNumberScheduled or 0
  local available = obj.status.numberAvailable or 0
  if obj.spec.updateStrategy ~= nil and obj.spec.updateStrategy.type == "OnDelete" then
    hs.status = "Healthy"; hs.message = updated .. " of " .. desired .. " pods updated (OnDelete)"
  elseif updated < desired then
    hs.message = "rollout: " .. updated .. " of " .. desired .. " pods updated"
  elseif available >= desired then
    hs.status = "Healthy"; hs.message = "all " .. desired .. " pods available"
  elseif desired - available <= ${DAEMONSET_TOLERATED_UNAVAILABLE} then
    hs.status = "Healthy"; hs.message = "degraded but serving: " .. available .. " of " .. desired .. " pods available (one node down or rebooting)"
  else
    hs.message = available .. " of " .. desired .. " pods available"
  end
end
return hs
`;

export type AppHealth = 'Healthy' | 'Progressing';

/** How the simulation judges DaemonSets: Argo CD's built-in rule, or the platform's customisation above. */
export type DaemonSetHealthRule = 'builtin' | 'one-unavailable';

/**
 * A DaemonSet's health once rescheduling has settled: `desired` pods (one per registered node it
 * may run on, down nodes included), `available` of them running on a node that is up.
 */
export function daemonSetHealth(rule: DaemonSetHealthRule, desired: number, available: number): AppHealth {
  if (available >= desired) return 'Healthy';
  return rule === 'one-unavailable' && desired - available <= DAEMONSET_TOLERATED_UNAVAILABLE ? 'Healthy' : 'Progressing';
}

/** A Deployment's, StatefulSet's or Rollout's health once rescheduling has settled: every desired replica ready. */
export function replicaSetHealth(desired: number, ready: number): AppHealth {
  return ready >= desired ? 'Healthy' : 'Progressing';
}
