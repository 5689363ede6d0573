/**
 * Argo CD's health of the workload kinds, as the deployability simulation (./deployability.ts)
 * applies it, and the health customisations the platform renders for them (their Lua text is
 * here so that the Argo CD values and the simulation cannot drift apart).
 *
 * What counts (Argo CD v3.2.0 controller/health.go setApplicationHealth): an Application's health
 * is the worst health of the resources it manages, the objects its source renders. Pods and the
 * objects a controller creates at run time (an operator's StatefulSet) are not among them: they
 * count only through the health check of the resource they are created from, and a resource
 * with no health check (built-in, or in argocd-cm) does not count at all.
 *
 * Argo CD's built-in rules (gitops-engine pkg/health, at the commit Argo CD v3.2.0 pins):
 * - Deployment: Progressing while fewer updated replicas than `spec.replicas`, or fewer available
 *   than updated (a Pending replica); Degraded once a rollout exceeds its progress deadline.
 * - StatefulSet: Progressing while fewer ready replicas than `spec.replicas` (a pod stuck on a dead
 *   node is not ready).
 * - DaemonSet: Progressing while fewer updated or available pods than
 *   `status.desiredNumberScheduled`. A node that is down stays registered, and the DaemonSet
 *   controller keeps counting it (its pods tolerate the unreachable taint), so with the built-in
 *   rule every DaemonSet is Progressing until the node comes back or is deleted.
 */

/** The `resource.customizations.health.<key>` key of the DaemonSet customisation. */
export const DAEMONSET_HEALTH_KEY = 'apps_DaemonSet';

/** The `resource.customizations.health.<key>` key of the Keycloak customisation. */
export const KEYCLOAK_HEALTH_KEY = 'k8s.keycloak.org_Keycloak';

/** How many missing Keycloak instances the customisation still calls Healthy (never all of them). */
export const KEYCLOAK_TOLERATED_MISSING = 1;

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

/**
 * Argo CD's health of a Keycloak resource (resource_customizations/k8s.keycloak.org/Keycloak), except
 * that a Keycloak whose only reason for not being Ready is one missing instance, with every other
 * instance ready and no error, is Healthy with a message saying so. The Keycloak operator sets
 * `status.instances` to its StatefulSet's ready replicas and Ready False with "Waiting for more
 * replicas" while they are fewer than `spec.instances`; an instance stuck on a dead node is never
 * replaced (a StatefulSet pod is not force-deleted), so without this the keycloak Application is
 * Progressing for as long as that node is down. Errors (HasErrors: crash loops, failed pods),
 * another reason, two instances missing or a stale observation keep Argo CD's answer.
 */
export const KEYCLOAK_HEALTH_LUA = `local conditions = {}
if obj.status ~= nil and obj.status.conditions ~= nil then conditions = obj.status.conditions end
if #conditions == 0 then
  return { status = "Progressing", message = "Waiting for Keycloak status conditions to exist" }
end
local ready, errors
for _, c in ipairs(conditions) do
  if c.type == "Ready" then ready = c end
  if c.type == "HasErrors" and c.status == "True" then errors = c end
end
if errors ~= nil then
  return { status = "Degraded", message = "Has Errors: " .. (errors.message or "") }
end
if ready ~= nil and ready.status == "True" then
  return { status = "Healthy", message = "" }
end
local want = (obj.spec ~= nil and obj.spec.instances) or 1
local have = obj.status.instances or 0
local current = obj.metadata.generation == nil or obj.status.observedGeneration == nil or obj.status.observedGeneration >= obj.metadata.generation
if ready ~= nil and ready.message == "Waiting for more replicas" and current and want >= 2 and want - have <= ${KEYCLOAK_TOLERATED_MISSING} then
  return { status = "Healthy", message = "degraded but serving: " .. have .. " of " .. want .. " instances ready (one node down or rebooting)" }
end
return { status = "Progressing", message = (ready ~= nil and ready.message) or "" }
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

/**
 * How Argo CD sees a workload: as a resource it manages (its kind's built-in rule), only through
 * the health of the custom resource a controller creates it from, or not at all (a controller
 * creates it from values, not from a resource with a health check).
 */
export type ArgoView =
  | { readonly via: 'self' }
  | { readonly via: 'resource'; readonly group: string; readonly kind: string }
  | { readonly via: 'none'; readonly why: string };

/** A custom resource's health check as the simulation evaluates it, from its workload's desired and ready replicas. */
export interface ResourceHealthRule {
  /** `undefined`: Argo CD has no health check for the kind, and the resource does not count. */
  readonly health?: (desired: number, ready: number) => AppHealth;
  /** Where the rule comes from, for messages. */
  readonly source: string;
}

/**
 * Argo CD v3.2.0's built-in health of the custom resources that stand for the platform's
 * operator-created workloads (resource_customizations/<group>/<kind>/health.lua), read with what
 * the operator writes in their status, and the kinds known to have no check. A kind in neither
 * list gets the cautious answer (every replica ready) and says so.
 */
export const BUILTIN_RESOURCE_HEALTH: Readonly<Record<string, ResourceHealthRule>> = {
  // Ready True (Healthy) only when the StatefulSet's ready replicas reach spec.instances (Keycloak
  // operator: "Waiting for more replicas" otherwise).
  'k8s.keycloak.org/Keycloak': { health: replicaSetHealth, source: 'Argo CD\'s built-in Keycloak check (Ready: every instance ready)' },
  // Available True only when every pod is ready; SomePodsNotReady is Progressing, none ready Degraded.
  'monitoring.coreos.com/Prometheus': { health: replicaSetHealth, source: 'Argo CD\'s built-in Prometheus check (Available: every pod ready)' },
  'monitoring.coreos.com/Alertmanager': { source: 'Argo CD has no health check for Alertmanager resources' },
  'gateway.envoyproxy.io/EnvoyProxy': { source: 'Argo CD has no health check for EnvoyProxy resources' },
  'helm.cattle.io/HelmChart': { source: 'Argo CD has no health check for HelmChart resources' },
};

/** The health customisations of custom resources the platform renders in argocd-cm, by key, with the simulation's reading of them. */
export const RESOURCE_HEALTH_CUSTOMISATIONS: Readonly<Record<string, { readonly lua: string; readonly rule: ResourceHealthRule }>> = {
  [KEYCLOAK_HEALTH_KEY]: {
    lua: KEYCLOAK_HEALTH_LUA,
    rule: {
      health: (desired, ready) => (ready >= desired || (desired >= 2 && desired - ready <= KEYCLOAK_TOLERATED_MISSING) ? 'Healthy' : 'Progressing'),
      source: 'the platform\'s Keycloak health customisation (one missing instance is tolerated)',
    },
  },
};

/**
 * The rule for a custom resource kind given argocd-cm's health customisations (key to Lua): the
 * platform's customisation when argocd-cm carries its exact text, the cautious rule for any other
 * customisation, else Argo CD's built-in check (or none).
 */
export function resourceHealthRule(group: string, kind: string, customisations: Readonly<Record<string, string>>): ResourceHealthRule {
  const key = `${group}_${kind}`;
  const lua = customisations[key];
  if (lua !== undefined) {
    const known = RESOURCE_HEALTH_CUSTOMISATIONS[key];
    return known && known.lua === lua ? known.rule : { health: replicaSetHealth, source: `a health customisation in argocd-cm the simulation does not know (${key}); assumed: every replica ready` };
  }
  return BUILTIN_RESOURCE_HEALTH[`${group}/${kind}`] ?? { health: replicaSetHealth, source: `no known health check for ${group}/${kind}; assumed: every replica ready` };
}
