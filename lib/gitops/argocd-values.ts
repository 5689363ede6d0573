import { stringify } from 'yaml';
import type { Site } from '../config/schema';
import type { PlatformContext } from '../context';
import { sortKeys } from '../render/sort';
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

/** The values of the argo-cd chart that the platform sets (a typed subset). */
export interface ArgoCdValues {
  /** Standard object names (argocd-server, ...) whatever the release is called. */
  readonly fullnameOverride: string;
  readonly global: { readonly domain: string };
  readonly crds: { readonly keep: boolean };
  readonly 'redis-ha': { readonly enabled: boolean };
  /** `metrics.enabled`: the `argocd-application-controller-metrics` Service (argocd_app_info), scraped by the monitoring layer. */
  readonly controller: { readonly replicas: number; readonly metrics: { readonly enabled: boolean } };
  readonly server: { readonly replicas: number; readonly autoscaling: { readonly enabled: boolean } };
  readonly repoServer: { readonly replicas: number; readonly autoscaling: { readonly enabled: boolean } };
  readonly applicationSet: { readonly replicas: number };
  readonly dex: { readonly enabled: boolean };
  readonly configs: {
    readonly params: Readonly<Record<string, string | boolean>>;
    readonly cm: Readonly<Record<string, string>>;
    readonly rbac: Readonly<Record<string, string>>;
  };
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
    'redis-ha': { enabled: true },
    controller: { replicas: 1, metrics: { enabled: true } },
    server: { replicas: 2, autoscaling: { enabled: false } },
    repoServer: { replicas: 2, autoscaling: { enabled: false } },
    applicationSet: { replicas: 2 },
    dex: { enabled: true },
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
