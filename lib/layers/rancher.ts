import { ApiObject } from 'cdk8s';
import { IntOrString, KubePodDisruptionBudget } from 'cdk8s-plus-25/lib/imports/k8s';
import { Construct } from 'constructs';
import type { Site } from '../config/schema';
import { BitwardenSecret } from '../constructs/bitwarden-secret';
import { HelmComponent } from '../constructs/helm-component';
import { PublishedUi } from '../constructs/published-ui';
import type { RenderedWorkloadHa } from '../constructs/upstream-objects';
import { pinned } from '../context';
import type { PlatformContext } from '../context';
import { Inventory } from '../inventory';
import { PlatformNamespace } from '../constructs/platform-namespace';
import { SERVER_TOLERATION } from '../hosts/node-labels';
import { Layer } from '../layer';
import { ldapMapping } from '../ldap-schema';
import { LdapCaSecret } from '../constructs/ldap-ca-secret';
import type { ChartPin } from '../versions';
import { bare, VendorError } from '../vendor/chart-source';
import type { LayerNeeds, LayerUi } from '../config/platform-rules';

/** Rancher: the control panel. */
export const RANCHER_CHART: ChartPin = {
  name: 'rancher',
  kind: 'chart',
  repo: 'https://releases.rancher.com/server-charts/stable',
  chart: 'rancher',
  version: '2.12.3',
  source: {
    repository: 'https://github.com/rancher/rancher',
    path: 'chart',
    tag: 'v{bare}',
    // scripts/chart/build with scripts/version (CHART_VERSION = tag without v, APP_VERSION = tag) and the shell
    // image of build.yaml's defaultShellVersion (scripts/export-config).
    substitutions: (ctx) => {
      const shell = /^defaultShellVersion:\s*(\S+)/m.exec(ctx.readRepoFile('build.yaml'))?.[1];
      const [image, tag] = shell?.split(':') ?? [];
      if (!image || !tag) throw new VendorError('rancher: build.yaml has no defaultShellVersion <image>:<tag>; update RANCHER_CHART.source in lib/layers/rancher.ts');
      return [
        { file: 'Chart.yaml', from: '%VERSION%', to: bare(ctx.version) },
        { file: 'Chart.yaml', from: '%APP_VERSION%', to: `v${bare(ctx.version)}` },
        { file: 'values.yaml', from: '%POST_DELETE_IMAGE_NAME%', to: image },
        { file: 'values.yaml', from: '%POST_DELETE_IMAGE_TAG%', to: tag },
        { file: 'values.yaml', from: '%PRE_UPGRADE_IMAGE_NAME%', to: image },
        { file: 'values.yaml', from: '%PRE_UPGRADE_IMAGE_TAG%', to: tag },
      ];
    },
  },
};

export const RANCHER_NAMESPACE = 'cattle-system';
/** Rancher keeps auth provider secrets here; it creates the namespace itself too. */
export const RANCHER_GLOBAL_DATA = 'cattle-global-data';
/** The Secret Rancher reads its first admin password from (key `bootstrapPassword`). */
export const RANCHER_BOOTSTRAP_SECRET = 'bootstrap-secret';
/** The Secret an `openldap` AuthConfig's service account password reference points at. */
export const LDAP_PASSWORD_SECRET = 'openldapconfig-serviceaccountpassword';

/** The values of the rancher chart that the platform sets (a typed subset). */
export interface RancherValues {
  readonly hostname: string;
  readonly replicas: number;
  readonly tls: 'ingress' | 'external';
  readonly ingress: { readonly enabled: boolean };
  readonly antiAffinity: 'preferred' | 'required';
  readonly topologyKey: string;
  /** Agents of downstream clusters trust the public certificate HAProxy presents. */
  readonly agentTLSMode: 'strict' | 'system-store';
  /**
   * Mount the Secret `tls-ca-additional` (key `ca-additional.pem`) into Rancher's system trust
   * store: the directory's CA, which the LDAP provider verifies the servers against.
   */
  readonly additionalTrustedCAs: boolean;
  /** Of the rancher container (the chart has no value for its hook Jobs' resources). */
  readonly resources: { readonly requests: { readonly cpu: string; readonly memory: string }; readonly limits: { readonly memory: string } };
}

/**
 * Requests and memory limit of each Rancher replica, sized for a small on-prem installation
 * (the local cluster, few downstream clusters): the scheduler reserves the requests, the limit
 * stops a leak from taking the node down. No CPU limit: it only throttles.
 */
export const RANCHER_RESOURCES = { requests: { cpu: '250m', memory: '1Gi' }, limits: { memory: '3Gi' } } as const;

export function rancherValues(site: Site): RancherValues {
  return {
    hostname: `rancher.${site.domain}`,
    // Three replicas, never two on one node.
    replicas: 3,
    antiAffinity: 'required',
    topologyKey: 'kubernetes.io/hostname',
    // TLS ends at the OPNsense HAProxy; the UI comes through the shared gateway, not an Ingress.
    tls: 'external',
    ingress: { enabled: false },
    agentTLSMode: 'system-store',
    additionalTrustedCAs: true,
    resources: RANCHER_RESOURCES,
  };
}

/**
 * The Secret the rancher chart mounts into Rancher's trust store with `additionalTrustedCAs`
 * (templates/deployment.yaml: /etc/pki/trust/anchors/ca-additional.pem), and its key.
 */
export const RANCHER_ADDITIONAL_CA = { name: 'tls-ca-additional', key: 'ca-additional.pem' } as const;

/** Rancher's pods carry `app: <release>` (chart templates/deployment.yaml). */
const RANCHER_POD_LABELS = { app: 'rancher' } as const;

/** Why the Rancher server runs as root with a writable root filesystem. */
const RANCHER_ROOT = 'the rancher chart 2.12.3 renders no securityContext for the rancher container and has no value for one, and the rancher/rancher image runs as root and writes its state (/var/lib/rancher: management data, catalog and chart caches) into its own filesystem';
/** Why the chart's hook Jobs run as they do. */
const RANCHER_HOOK = (when: string) => `a hook Job of the rancher chart 2.12.3 that runs once ${when} and exits, and its template hard-codes securityContext runAsUser: 0 and has no value for its resources or security context (rancher/shell runs kubectl and helm, which write their caches under $HOME)`;

/**
 * HA declarations of the chart's rendered workloads: the Deployment (3 replicas on 3 nodes,
 * its PodDisruptionBudget the platform's: the chart renders none) and the two hook Jobs.
 */
export function rancherHa(): RenderedWorkloadHa[] {
  const hook = (name: string, when: string): RenderedWorkloadHa => ({
    kind: 'Job', name,
    exempt: { 'ha/resources': RANCHER_HOOK(when), 'ha/security-context': RANCHER_HOOK(when), 'ha/non-root': RANCHER_HOOK(when), 'ha/read-only-root': RANCHER_HOOK(when) },
  });
  return [
    { kind: 'Deployment', name: 'rancher', exempt: { 'ha/security-context': RANCHER_ROOT, 'ha/non-root': RANCHER_ROOT, 'ha/read-only-root': RANCHER_ROOT } },
    // Argo CD PreSync: refuses an upgrade while RKE1 clusters exist (scripts/pre-upgrade-hook.sh).
    hook('rancher-pre-upgrade', 'before each sync (Argo CD PreSync: it checks that no RKE1 cluster exists)'),
    // Argo CD PostDelete: uninstalls Rancher's apps when Rancher is removed.
    hook('rancher-post-delete', 'after Rancher is deleted (Argo CD PostDelete: it uninstalls the apps Rancher installed)'),
  ];
}

/**
 * Rancher's OpenLDAP login. The site's DNs are in OpenLDAP form (`uid=...,cn=users,...`), and
 * Argo CD (Dex) and Keycloak read the same UCS directory the same way (uid, posixGroup,
 * uniqueMember); UCS's Active Directory attributes exist only with its optional Samba AD.
 * Rancher keeps these fields at the top level of the object; its CRD schema is open, so the
 * fields are typed here.
 */
export interface OpenLdapAuthConfig {
  readonly type: 'openLdapConfig';
  readonly enabled: boolean;
  readonly servers: readonly string[];
  readonly port: number;
  readonly tls: boolean;
  readonly starttls: boolean;
  readonly serviceAccountDistinguishedName: string;
  /** `<namespace>:<secret>`: Rancher reads key `serviceaccountpassword` of that Secret. */
  readonly serviceAccountPassword: string;
  readonly userSearchBase: string;
  readonly userLoginAttribute: string;
  readonly userSearchAttribute: string;
  readonly userObjectClass: string;
  readonly userNameAttribute: string;
  readonly userMemberAttribute: string;
  readonly groupSearchBase: string;
  readonly groupSearchAttribute: string;
  readonly groupObjectClass: string;
  readonly groupNameAttribute: string;
  readonly groupDNAttribute: string;
  readonly groupMemberUserAttribute: string;
  readonly groupMemberMappingAttribute: string;
  readonly nestedGroupMembershipEnabled: boolean;
  readonly connectionTimeout: number;
  readonly accessMode: 'required' | 'restricted' | 'unrestricted';
  readonly allowedPrincipalIds: readonly string[];
}

/** The principal of an LDAP group, as Rancher's OpenLDAP provider names it. */
export function ldapGroupPrincipal(dn: string): string {
  return `openldap_group://${dn}`;
}

export function openLdapConfig(site: Site): OpenLdapAuthConfig {
  const map = ldapMapping(site);
  return {
    type: 'openLdapConfig',
    enabled: true,
    // Rancher dials the servers in turn until one answers: the primary, then the backups. It
    // verifies them against the system trust store plus its `certificate` field (unset here): the
    // directory's CA is in that store (RANCHER_ADDITIONAL_CA).
    servers: [...site.ldap.hosts],
    port: site.ldap.port,
    tls: true,
    starttls: false,
    serviceAccountDistinguishedName: site.ldap.bindDn,
    serviceAccountPassword: `${RANCHER_GLOBAL_DATA}:${LDAP_PASSWORD_SECRET}`,
    userSearchBase: site.ldap.usersDn,
    userLoginAttribute: map.userLoginAttribute,
    userSearchAttribute: `${map.userLoginAttribute}|sn|givenName`,
    userObjectClass: map.userObjectClass,
    userNameAttribute: 'cn',
    userMemberAttribute: 'memberOf',
    groupSearchBase: site.ldap.groupsDn,
    groupSearchAttribute: 'cn',
    groupObjectClass: map.groupObjectClass,
    groupNameAttribute: 'cn',
    groupDNAttribute: site.ldap.server === 'samba-ad' ? 'distinguishedName' : 'entryDN',
    groupMemberUserAttribute: site.ldap.server === 'samba-ad' ? 'distinguishedName' : 'entryDN',
    groupMemberMappingAttribute: map.groupMemberAttribute,
    nestedGroupMembershipEnabled: false,
    connectionTimeout: 5000,
    // Only members of the admin group may log in until more groups are allowed.
    accessMode: 'restricted',
    allowedPrincipalIds: [ldapGroupPrincipal(site.ldap.adminGroup), ldapGroupPrincipal(site.ldap.viewerGroup)],
  };
}

/** Rancher's UI, `rancher.<domain>`. */
export const RANCHER_UI: LayerUi = { subdomain: 'rancher', what: 'Rancher' };
/** What the rancher layer takes for itself, for the site and app rules (`LAYER_NEEDS`): its UI's host. */
export const RANCHER_NEEDS: LayerNeeds = { layer: 'rancher', uis: [RANCHER_UI] };

/**
 * Rancher, the control panel: three replicas on three nodes, TLS external, its UI through the
 * shared gateway, the first admin password and the LDAP bind password from Bitwarden, and
 * login against the UCS directory with the site's admin group as Rancher administrators.
 */
export function rancherLayer(scope: Construct, ctx: PlatformContext): Layer {
  const { site } = ctx;
  const layer = new Layer(scope, {
    name: 'rancher',
    description: 'Rancher control panel, LDAP (UCS) login',
    namespace: RANCHER_NAMESPACE,
    dependsOn: ['gateway', 'secrets'],
  });
  new PlatformNamespace(layer, 'namespace', { name: RANCHER_NAMESPACE });
  new PlatformNamespace(layer, 'global-data-namespace', { name: RANCHER_GLOBAL_DATA, podSecurity: 'restricted' });

  const bootstrap = new BitwardenSecret(layer, 'bootstrap-password', {
    name: RANCHER_BOOTSTRAP_SECRET,
    namespace: RANCHER_NAMESPACE,
    data: { bootstrapPassword: site.rancher.bootstrapPassword },
  });
  const rancher = new HelmComponent(layer, 'rancher', {
    name: 'rancher',
    chart: pinned(ctx, RANCHER_CHART),
    namespace: RANCHER_NAMESPACE,
    values: rancherValues(site),
    // Rancher registers these CRDs itself when it starts.
    providesApis: [{ group: 'management.cattle.io' }],
    // No bootstrapPassword value: the chart then renders no bootstrap-secret (its template keeps a
    // live one only through lookup); External Secrets creates it from Bitwarden.
    ha: rancherHa(),
    patches: [{
      kind: 'Deployment',
      name: 'rancher',
      because: 'the rancher chart 2.12.3 fixes the pod\'s tolerations (cattle.io/os only) and has no value for them; tolerating the servers gives the three replicas (required anti-affinity) five nodes, so one agent down or www1 not joined leaves none Pending (docs/deployability.md)',
      patch: (o) => { o.spec.template.spec.tolerations = [...(o.spec.template.spec.tolerations ?? []), SERVER_TOLERATION]; },
    }],
  });
  // The chart renders no PodDisruptionBudget: drains take at most one of the three at a time.
  new KubePodDisruptionBudget(layer, 'disruption-budget', {
    metadata: { name: 'rancher', namespace: RANCHER_NAMESPACE },
    spec: { minAvailable: IntOrString.fromNumber(2), selector: { matchLabels: { ...RANCHER_POD_LABELS } } },
  });
  // Rancher reads the bootstrap password once, at its first start: the Secret must exist first.
  layer.addOrder(rancher, bootstrap);
  // The directory's CA, in Rancher's trust store (mounted by the chart: additionalTrustedCAs).
  const ldapCa = new LdapCaSecret(layer, 'ldap-ca', { namespace: RANCHER_NAMESPACE, caCertificate: site.ldap.caCertificate, ...RANCHER_ADDITIONAL_CA });
  layer.addOrder(rancher, ldapCa);

  const ldapPassword = new BitwardenSecret(layer, 'ldap-password', {
    name: LDAP_PASSWORD_SECRET,
    namespace: RANCHER_GLOBAL_DATA,
    data: { serviceaccountpassword: site.ldap.bindPassword },
  });
  new ApiObject(layer, 'auth-config', {
    apiVersion: 'management.cattle.io/v3',
    kind: 'AuthConfig',
    metadata: {
      name: 'openldap',
      // Rancher would otherwise reset the config and delete the secret if it were ever disabled.
      annotations: { 'management.cattle.io/auth-provider-cleanup': 'user-locked' },
    },
    ...openLdapConfig(site),
  });
  new ApiObject(layer, 'admins', {
    apiVersion: 'management.cattle.io/v3',
    kind: 'GlobalRoleBinding',
    metadata: { name: 'ldap-platform-admins' },
    globalRoleName: 'admin',
    groupPrincipalName: ldapGroupPrincipal(site.ldap.adminGroup),
  });
  layer.addOrder(ldapPassword, rancher);

  new PublishedUi(layer, 'ui', { name: RANCHER_UI.subdomain, namespace: RANCHER_NAMESPACE, serviceName: 'rancher', servicePort: 80, description: 'Rancher control panel' });

  const inventory = Inventory.of(layer);
  inventory.addDirectoryUse(site.ldap, 'rancher', { failover: true, ca: { namespace: RANCHER_NAMESPACE, ...RANCHER_ADDITIONAL_CA } }, { admins: 'platform administrators: Rancher admin (GlobalRole admin), the only group allowed to log in to Rancher at first', memberOf: true });
  return layer;
}
