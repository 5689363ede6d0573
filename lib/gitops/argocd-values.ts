import { stringify } from 'yaml';
import type { Site } from '../config/schema';
import type { PlatformContext } from '../context';
import {
  DeadNodeToleration, deadNodeTolerations, HOSTNAME_SPREAD, HostnameSpread, STATELESS_SINGLETON_TOLERATION_SECONDS,
} from '../ha/workloads';
import { sortKeys } from '../render/sort';
import type { RenderedWorkloadHa } from '../constructs/upstream-objects';
import { LDAP_SCHEMA } from '../ldap-schema';

/** Secret (labelled for Argo CD) with the LDAP bind password Dex reads as `$argocd-ldap:bindPW`. */
export const ARGOCD_LDAP_SECRET = 'argocd-ldap';

/** A Lua health check that reads one status condition: True is Healthy, False is Degraded. */
function conditionHealth(condition: string): string {
  return `hs = { status = "Progressing", message = "waiting for ${condition}" }
if obj.status ~= nil and obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    if c.type == "${condition}" then
      if c.status == "True" then hs.status = "Healthy" else hs.status = "Degraded" end
      if c.message ~= nil then hs.message = c.message end
    end
  end
end
return hs
`;
}

/**
 * Health checks so the Argo CD UI shows real health, not just "synced". Rollouts have a built-in
 * check in Argo CD; Applications lost theirs in 1.8 (without it a parent would not wait for its
 * children, and sync waves of Applications would mean nothing).
 */
export const HEALTH_CHECKS: Readonly<Record<string, string>> = {
  'argoproj.io_Application': `hs = { status = "Progressing", message = "" }
if obj.status ~= nil and obj.status.health ~= nil then
  hs.status = obj.status.health.status
  if obj.status.health.message ~= nil then hs.message = obj.status.health.message end
end
return hs
`,
  'external-secrets.io_ExternalSecret': conditionHealth('Ready'),
  'gateway.networking.k8s.io_Gateway': conditionHealth('Programmed'),
  // A Longhorn volume is degraded when it runs short of replicas and faulted when it has none.
  'longhorn.io_Volume': `hs = { status = "Progressing", message = "" }
if obj.status ~= nil and obj.status.robustness ~= nil then
  local r = obj.status.robustness
  if r == "healthy" then hs.status = "Healthy"; hs.message = "all replicas healthy"
  elseif r == "degraded" then hs.status = "Degraded"; hs.message = "fewer healthy replicas than requested"
  elseif r == "faulted" then hs.status = "Degraded"; hs.message = "no healthy replica: data unavailable"
  elseif obj.status.state == "detached" then hs.status = "Healthy"; hs.message = "detached"
  end
end
return hs
`,
};

/** The common name of an LDAP group DN (`cn=admins,cn=groups,...` -> `admins`): Dex's group claim. */
export function groupName(dn: string): string {
  return dn.split(',')[0].split('=')[1];
}

/** Dex's LDAP connector for the UCS directory. */
export function dexConfig(site: Site): string {
  const url = new URL(site.ldap.url);
  const tls = url.protocol === 'ldaps:';
  const host = `${url.hostname}:${url.port || (tls ? 636 : 389)}`;
  return stringify(sortKeys({
    connectors: [{
      type: 'ldap',
      id: 'ucs',
      name: 'TSYS directory (UCS)',
      config: {
        host,
        ...(tls ? {} : { insecureNoSSL: true }),
        bindDN: site.ldap.bindDn,
        bindPW: `$${ARGOCD_LDAP_SECRET}:bindPW`,
        usernamePrompt: 'TSYS user name',
        userSearch: { baseDN: site.ldap.usersDn, filter: LDAP_SCHEMA.userFilter, username: LDAP_SCHEMA.userLoginAttribute, idAttr: LDAP_SCHEMA.userLoginAttribute, emailAttr: 'mail', nameAttr: 'displayName' },
        groupSearch: { baseDN: site.ldap.groupsDn, filter: LDAP_SCHEMA.groupFilter, userMatchers: [{ userAttr: 'DN', groupAttr: LDAP_SCHEMA.groupMemberAttribute }], nameAttr: LDAP_SCHEMA.groupNameAttribute },
      },
    }],
  }), { lineWidth: 0 });
}

/** Argo CD RBAC: the site's admin group administers, its viewer group reads, everyone else nothing. */
export function rbacPolicy(site: Site): string {
  return [
    `g, ${groupName(site.ldap.adminGroup)}, role:admin`,
    `g, ${groupName(site.ldap.viewerGroup)}, role:readonly`,
    '',
  ].join('\n');
}

/** Replicas, spread and disruption budget of a stateless Argo CD component (chart keys). */
export interface ArgoCdComponentHa {
  readonly replicas: number;
  /** The chart adds the component's label selector to each constraint. */
  readonly topologySpreadConstraints: readonly HostnameSpread[];
  readonly pdb: { readonly enabled: boolean; readonly minAvailable: number };
}

/** The values of the argo-cd chart that the platform sets (a typed subset). */
export interface ArgoCdValues {
  /** Standard object names (argocd-server, ...) whatever the release is called. */
  readonly fullnameOverride: string;
  readonly global: { readonly domain: string };
  readonly crds: { readonly keep: boolean };
  readonly 'redis-ha': {
    readonly enabled: boolean;
    /** Three redis servers with sentinels, hard anti-affinity (the subchart's default): two keep the sentinel quorum. */
    readonly podDisruptionBudget: { readonly minAvailable: number };
    readonly haproxy: { readonly podDisruptionBudget: { readonly minAvailable: number } };
  };
  readonly controller: {
    readonly replicas: number;
    /** A Deployment instead of a StatefulSet: a dead node's pod is replaced after eviction. */
    readonly dynamicClusterDistribution: boolean;
    /** `metrics.enabled`: the `argocd-application-controller-metrics` Service (argocd_app_info), scraped by the monitoring layer. */
    readonly metrics: { readonly enabled: boolean };
    /** A stateless singleton leaves a dead node sooner than the platform default. */
    readonly tolerations: readonly DeadNodeToleration[];
  };
  readonly server: ArgoCdComponentHa & { readonly autoscaling: { readonly enabled: boolean } };
  readonly repoServer: ArgoCdComponentHa & { readonly autoscaling: { readonly enabled: boolean } };
  readonly applicationSet: ArgoCdComponentHa;
  readonly dex: {
    readonly enabled: boolean;
    readonly tolerations: readonly DeadNodeToleration[];
    readonly livenessProbe: { readonly enabled: boolean };
    readonly readinessProbe: { readonly enabled: boolean };
  };
  readonly notifications: { readonly enabled: boolean };
  readonly configs: {
    readonly params: Readonly<Record<string, string | boolean>>;
    readonly cm: Readonly<Record<string, string>>;
    readonly rbac: Readonly<Record<string, string>>;
  };
}

/** Two replicas on two nodes, at most one evicted at a time. */
export const ARGOCD_HA: ArgoCdComponentHa = { replicas: 2, topologySpreadConstraints: [HOSTNAME_SPREAD], pdb: { enabled: true, minAvailable: 1 } };

/** HA facts of the argo-cd chart's workloads that the rendered objects cannot say themselves. */
export function argoCdHa(): RenderedWorkloadHa[] {
  return [
    {
      kind: 'Deployment',
      name: 'argocd-application-controller',
      singleton: 'one cluster is one shard: a second controller would stand idle; syncs pause while it moves, running workloads do not notice',
    },
    {
      kind: 'Deployment',
      name: 'argocd-dex-server',
      singleton: 'directory login only: sessions already logged in, the API and kubectl keep working while it moves',
    },
  ];
}

/**
 * Argo CD values: HA (redis-ha, two of each stateless server), TLS ending at HAProxy, login
 * through Dex against the UCS directory with group-based RBAC, health checks that mean something.
 */
export function argoCdValues(ctx: PlatformContext): ArgoCdValues {
  const { site } = ctx;
  return {
    fullnameOverride: 'argocd',
    global: { domain: `argocd.${site.domain}` },
    // Deleting the release must never delete every Application with it.
    crds: { keep: true },
    'redis-ha': { enabled: true, podDisruptionBudget: { minAvailable: 2 }, haproxy: { podDisruptionBudget: { minAvailable: 2 } } },
    // One application controller (one cluster, one shard), as a Deployment: the StatefulSet's pod
    // on a dead node would never be replaced (reports/failure-simulation.md).
    controller: { replicas: 1, dynamicClusterDistribution: true, metrics: { enabled: true }, tolerations: deadNodeTolerations(STATELESS_SINGLETON_TOLERATION_SECONDS) },
    server: { ...ARGOCD_HA, autoscaling: { enabled: false } },
    repoServer: { ...ARGOCD_HA, autoscaling: { enabled: false } },
    applicationSet: ARGOCD_HA,
    // Dex's probes are off in the chart; on, they bound its start-up (it is a singleton).
    dex: { enabled: true, livenessProbe: { enabled: true }, readinessProbe: { enabled: true }, tolerations: deadNodeTolerations(STATELESS_SINGLETON_TOLERATION_SECONDS) },
    // No notification service is configured: the controller would have nothing to send.
    notifications: { enabled: false },
    configs: {
      // TLS ends at the OPNsense HAProxy; the server speaks plain HTTP behind it.
      params: { 'server.insecure': true },
      cm: {
        url: `https://argocd.${site.domain}`,
        'dex.config': dexConfig(site),
        'timeout.reconciliation': '180s',
        ...Object.fromEntries(Object.entries(HEALTH_CHECKS).map(([kind, lua]) => [`resource.customizations.health.${kind}`, lua])),
      },
      rbac: { 'policy.default': '', 'policy.csv': rbacPolicy(site), scopes: '[groups]' },
    },
  };
}
