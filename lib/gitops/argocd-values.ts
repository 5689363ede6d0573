import { stringify } from 'yaml';
import type { Site } from '../config/schema';
import type { PlatformContext } from '../context';
import { DeadNodeToleration, deadNodeTolerations, STATELESS_SINGLETON_TOLERATION_SECONDS } from '../ha/recovery';
import { HOSTNAME_SPREAD, HostnameSpread } from '../ha/workloads';
import { sortKeys } from '../render/sort';
import type { BackupOptOut, RenderedWorkloadHa } from '../constructs/upstream-objects';
import type { ContainerResources } from '../constructs/container';
import { SERVER_TOLERATION } from '../hosts/node-labels';
import { BACKUP_ANNOTATIONS, DEFAULT_STORAGE_CLASS } from '../backups/coverage';
import { DAEMONSET_HEALTH_KEY, DAEMONSET_HEALTH_LUA, KEYCLOAK_HEALTH_KEY, KEYCLOAK_HEALTH_LUA } from '../ha/argo-health';
import { LDAP_CA_SECRET, ldapMapping } from '../ldap-schema';

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
  // One pod down (its node lost or rebooting) leaves a DaemonSet Healthy, saying so: with Argo CD's
  // built-in rule a lost node, still registered, keeps every DaemonSet Progressing and the root
  // app's sync waves wait for it (docs/deployability.md).
  [DAEMONSET_HEALTH_KEY]: DAEMONSET_HEALTH_LUA,
  // Argo CD's Keycloak check, except that one instance missing (stuck on a dead node, never
  // replaced) with no error is Healthy, saying so (docs/deployability.md).
  [KEYCLOAK_HEALTH_KEY]: KEYCLOAK_HEALTH_LUA,
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

/** The health checks of this site's Argo CD: Keycloak's only while the site runs Keycloak. */
export function healthChecks(site: Site): Readonly<Record<string, string>> {
  return Object.fromEntries(Object.entries(HEALTH_CHECKS).filter(([kind]) => kind !== KEYCLOAK_HEALTH_KEY || site.keycloak.enabled));
}

/** The common name of an LDAP group DN (`cn=admins,cn=groups,...` -> `admins`): Dex's group claim. */
export function groupName(dn: string): string {
  return dn.split(',')[0].split('=')[1];
}

/** Where Dex reads the directory's CA certificate (the `ldap-ca` Secret, mounted). */
export const DEX_LDAP_CA_DIR = '/etc/dex/ldap-ca';

/**
 * Dex's LDAP connector for the UCS directory: LDAPS to the primary directory node, trusting the
 * site's CA only. Dex's LDAP connector takes one host (no failover list): while the primary is
 * down, Argo CD logins through Dex fail (the local admin still works).
 */
export function dexConfig(site: Site): string {
  const map = ldapMapping(site);
  return stringify(sortKeys({
    connectors: [{
      type: 'ldap',
      id: 'ucs',
      name: 'TSYS directory (UCS)',
      config: {
        host: `${site.ldap.hosts[0]}:${site.ldap.port}`,
        rootCA: `${DEX_LDAP_CA_DIR}/${LDAP_CA_SECRET.key}`,
        bindDN: site.ldap.bindDn,
        bindPW: `$${ARGOCD_LDAP_SECRET}:bindPW`,
        usernamePrompt: 'TSYS user name',
        userSearch: { baseDN: site.ldap.usersDn, filter: map.userFilter, username: map.userLoginAttribute, idAttr: map.userLoginAttribute, emailAttr: 'mail', nameAttr: 'displayName' },
        groupSearch: { baseDN: site.ldap.groupsDn, filter: map.groupFilter, userMatchers: [{ userAttr: 'DN', groupAttr: map.groupMemberAttribute }], nameAttr: map.groupNameAttribute },
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


/** Requests what the container needs when idle on a small cluster; the memory limit leaves room for a busy spell. */
function resources(cpu: string, memory: string, memoryLimit: string): ContainerResources {
  return { requests: { cpu, memory }, limits: { memory: memoryLimit } };
}

/** A chart switch for a probe the chart leaves off by default. */
export interface ProbeSwitch {
  readonly enabled: boolean;
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
    /** Names the subchart's objects argocd-redis-ha-* (the argo-cd chart derives the Redis address from it), not `<release>-redis-ha-*`. */
    readonly fullnameOverride: string;
    /** Three redis servers with sentinels, hard anti-affinity (the subchart's default): two keep the sentinel quorum. */
    readonly podDisruptionBudget: { readonly minAvailable: number };
    /** Of the redis servers and the haproxy pods alike (the subchart has one value for both). */
    readonly tolerations: readonly object[];
    /**
     * A small Longhorn volume per redis server: not for its data (Argo CD's cache, no snapshots)
     * but so that Longhorn force-deletes a server pod left on a dead node and the StatefulSet
     * replaces it elsewhere (docs/deployability.md).
     */
    readonly persistentVolume: {
      readonly enabled: boolean;
      readonly storageClass: string;
      readonly accessModes: readonly string[];
      readonly size: string;
      /** Rendered unquoted by the subchart (`{{ $key }}: {{ $value }}`): plain YAML scalars only. */
      readonly annotations: Readonly<Record<string, string>>;
    };
    readonly redis: { readonly resources: ContainerResources };
    readonly sentinel: { readonly resources: ContainerResources };
    /** The split-brain-fix container of each redis pod. */
    readonly splitBrainDetection: { readonly resources: ContainerResources };
    /** The config-init container of each redis pod. */
    readonly init: { readonly resources: ContainerResources };
    readonly haproxy: {
      readonly podDisruptionBudget: { readonly minAvailable: number };
      readonly resources: ContainerResources;
      readonly init: { readonly resources: ContainerResources };
    };
  };
  /** The Job that creates the argocd-redis password Secret once. */
  readonly redisSecretInit: { readonly resources: ContainerResources };
  readonly controller: {
    readonly replicas: number;
    /** A Deployment instead of a StatefulSet: a dead node's pod is replaced after eviction. */
    readonly dynamicClusterDistribution: boolean;
    /** `metrics.enabled`: the `argocd-application-controller-metrics` Service (argocd_app_info), scraped by the monitoring layer. */
    readonly metrics: { readonly enabled: boolean };
    /** A stateless singleton leaves a dead node sooner than the platform default. */
    readonly tolerations: readonly DeadNodeToleration[];
    readonly resources: ContainerResources;
  };
  readonly server: ArgoCdComponentHa & { readonly autoscaling: { readonly enabled: boolean }; readonly resources: ContainerResources };
  readonly repoServer: ArgoCdComponentHa & { readonly autoscaling: { readonly enabled: boolean }; readonly resources: ContainerResources };
  readonly applicationSet: ArgoCdComponentHa & {
    readonly resources: ContainerResources;
    readonly readinessProbe: ProbeSwitch;
    readonly livenessProbe: ProbeSwitch;
  };
  readonly dex: {
    readonly enabled: boolean;
    readonly tolerations: readonly DeadNodeToleration[];
    readonly livenessProbe: ProbeSwitch;
    readonly readinessProbe: ProbeSwitch;
    readonly resources: ContainerResources;
    /** The directory's CA, mounted where the connector's rootCA points. */
    readonly volumes: readonly { readonly name: string; readonly secret: { readonly secretName: string } }[];
    readonly volumeMounts: readonly { readonly name: string; readonly mountPath: string; readonly readOnly: boolean }[];
  };
  readonly notifications: { readonly enabled: boolean };
  readonly configs: {
    readonly params: Readonly<Record<string, string | boolean>>;
    readonly cm: Readonly<Record<string, string>>;
    readonly rbac: Readonly<Record<string, string>>;
  };
}

/**
 * Two replicas on two nodes, at most one evicted at a time; updated as the chart leaves it
 * (Kubernetes' default: a surge pod first, which the spread, counting each revision on its own,
 * lets onto a worker beside an old pod while another worker is down).
 */
export const ARGOCD_HA: ArgoCdComponentHa = { replicas: 2, topologySpreadConstraints: [HOSTNAME_SPREAD], pdb: { enabled: true, minAvailable: 1 } };

/** Prefix of the redis-ha subchart's objects (its fullnameOverride). */
export const ARGOCD_REDIS_HA = 'argocd-redis-ha';

/**
 * Why the redis servers' volumes need no backup. The subchart writes volume annotations unquoted,
 * so the reason must stay a plain YAML scalar (no ": ", no " #", no leading quote or indicator).
 */
export const REDIS_HA_BACKUP_OPT_OUT = "Argo CD's redis cache (manifests and app state, no snapshots), rebuilt from git and the cluster";

/**
 * The argo-cd chart's claims that need no backup: the redis servers' volumes. Backup coverage
 * reads this declaration; the same reason is also written as an annotation on the claim template
 * (persistentVolume.annotations below) for a reviewer of the rendered YAML, and nothing reads it.
 */
export function argoCdBackupOptOuts(): BackupOptOut[] {
  return [{ kind: 'StatefulSet', name: `${ARGOCD_REDIS_HA}-server`, because: REDIS_HA_BACKUP_OPT_OUT }];
}

/** HA facts of the argo-cd chart's workloads that the rendered objects cannot say themselves. */
export function argoCdHa(): RenderedWorkloadHa[] {
  return [
    {
      kind: 'Deployment',
      name: 'argocd-application-controller',
      singleton: 'one cluster is one shard: a second controller would stand idle; syncs pause while it moves, running workloads do not notice',
      exempt: {
        'ha/probes': 'the argo-cd chart (9.1.4) renders only a readiness probe for the application controller (/healthz on its metrics port) and has no value for a liveness probe',
      },
    },
    {
      kind: 'Deployment',
      name: 'argocd-dex-server',
      singleton: 'directory login only: sessions already logged in, the API and kubectl keep working while it moves',
    },
    {
      kind: 'StatefulSet',
      name: `${ARGOCD_REDIS_HA}-server`,
      exempt: {
        'ha/probes': 'only its split-brain-fix container lacks probes: the redis-ha subchart renders that shell loop (it checks every 60 s that redis and sentinel agree on the master) with no probe and no value for one. It serves nothing, and the redis and sentinel containers beside it have readiness and liveness probes',
      },
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
    'redis-ha': {
      enabled: true,
      fullnameOverride: ARGOCD_REDIS_HA,
      podDisruptionBudget: { minAvailable: 2 },
      // The servers too: three of each with required anti-affinity then have five nodes, so one
      // agent down or www1 not joined leaves none Pending (docs/deployability.md).
      tolerations: [SERVER_TOLERATION],
      // Argo CD's cache: manifests and app state of a few dozen Applications; redis saves no
      // snapshots (the argo-cd chart's `save: ""`). The volume is there for the node-loss path:
      // with it Longhorn's nodeDownPodDeletionPolicy force-deletes a server pod stuck on a dead
      // node, so the StatefulSet replaces it and the argocd Application gets back to Healthy;
      // without it the pod stays Terminating until the node returns. It holds only the rendered
      // redis.conf and sentinel.conf: 1Gi (Longhorn's thin volumes use what is written).
      persistentVolume: {
        enabled: true,
        storageClass: DEFAULT_STORAGE_CLASS,
        accessModes: ['ReadWriteOnce'],
        size: '1Gi',
        // For a reviewer only: backup coverage reads argoCdBackupOptOuts().
        annotations: { [BACKUP_ANNOTATIONS.optOut]: REDIS_HA_BACKUP_OPT_OUT },
      },
      redis: { resources: resources('50m', '128Mi', '512Mi') },
      sentinel: { resources: resources('10m', '32Mi', '64Mi') },
      splitBrainDetection: { resources: resources('10m', '32Mi', '64Mi') },
      init: { resources: resources('10m', '32Mi', '64Mi') },
      haproxy: {
        podDisruptionBudget: { minAvailable: 2 },
        resources: resources('20m', '64Mi', '256Mi'),
        init: { resources: resources('10m', '32Mi', '64Mi') },
      },
    },
    redisSecretInit: { resources: resources('10m', '64Mi', '256Mi') },
    // One application controller (one cluster, one shard), as a Deployment: the StatefulSet's pod
    // on a dead node would never be replaced (reports/failure-simulation.md). It caches every
    // object of the cluster it manages: the most memory of Argo CD, and room to grow.
    controller: {
      replicas: 1,
      dynamicClusterDistribution: true,
      metrics: { enabled: true },
      tolerations: deadNodeTolerations(STATELESS_SINGLETON_TOLERATION_SECONDS),
      resources: resources('250m', '512Mi', '1536Mi'),
    },
    server: { ...ARGOCD_HA, autoscaling: { enabled: false }, resources: resources('50m', '128Mi', '512Mi') },
    // Renders plain directories of YAML (dist/<layer>): no Helm or Kustomize at sync time.
    repoServer: { ...ARGOCD_HA, autoscaling: { enabled: false }, resources: resources('50m', '128Mi', '1Gi') },
    // The chart leaves the ApplicationSet controller's probes off; on, a hung controller is
    // restarted and a new one takes traffic (its webhook) only once it listens.
    applicationSet: { ...ARGOCD_HA, resources: resources('10m', '64Mi', '256Mi'), readinessProbe: { enabled: true }, livenessProbe: { enabled: true } },
    // Dex's probes are off in the chart; on, they bound its start-up (it is a singleton).
    dex: {
      enabled: true,
      livenessProbe: { enabled: true },
      readinessProbe: { enabled: true },
      tolerations: deadNodeTolerations(STATELESS_SINGLETON_TOLERATION_SECONDS),
      resources: resources('10m', '64Mi', '256Mi'),
      volumes: [{ name: 'ldap-ca', secret: { secretName: LDAP_CA_SECRET.name } }],
      volumeMounts: [{ name: 'ldap-ca', mountPath: DEX_LDAP_CA_DIR, readOnly: true }],
    },
    // No notification service is configured: the controller would have nothing to send.
    notifications: { enabled: false },
    configs: {
      // TLS ends at the OPNsense HAProxy; the server speaks plain HTTP behind it.
      params: { 'server.insecure': true },
      cm: {
        url: `https://argocd.${site.domain}`,
        'dex.config': dexConfig(site),
        'timeout.reconciliation': '180s',
        ...Object.fromEntries(Object.entries(healthChecks(site)).map(([kind, lua]) => [`resource.customizations.health.${kind}`, lua])),
      },
      rbac: { 'policy.default': '', 'policy.csv': rbacPolicy(site), scopes: '[groups]' },
    },
  };
}
