import { RESTRICTED_CONTAINER } from '../constructs/container';
import { ApiObject, Lazy } from 'cdk8s';
import { IntOrString, KubePodDisruptionBudget } from 'cdk8s-plus-25/lib/imports/k8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import type { Site } from '../config/schema';
import { BitwardenSecret, bitwardenLogin } from '../constructs/bitwarden-secret';
import { GitComponent } from '../constructs/git-component';
import type { RenderedWorkloadHa } from '../constructs/upstream-objects';
import { PlatformNamespace } from '../constructs/platform-namespace';
import { PublishedUi } from '../constructs/published-ui';
import type { PlatformContext } from '../context';
import { deadNodeTolerations, STATELESS_SINGLETON_TOLERATION_SECONDS } from '../ha/recovery';
import { at, declareWorkloads, WorkloadDeclaration } from '../ha/workloads';
import { declareFacts } from '../facts/declare';
import { dbaasEndpoint } from '../config/dbaas';
import { API_GATEWAY_CLIENT, IAM_HOST, iamUrl, PLATFORM_REALM } from '../iam';
import { Inventory } from '../inventory';
import { Layer } from '../layer';
import { LDAP_CA_SECRET, ldapMapping, ldapUrls } from '../ldap-schema';
import { LdapCaSecret } from '../constructs/ldap-ca-secret';
import type { LayerDatabase, LayerNeeds, LayerUi } from '../config/platform-rules';
import { KeycloakConfigJob, KeycloakConfigJobProps } from '../constructs/keycloak-config-job';

export const KEYCLOAK_NAMESPACE = 'keycloak';
/** The Keycloak CR; the operator names the Service `<name>-service` and labels pods with it. */
export const KEYCLOAK_NAME = 'keycloak';
export const KEYCLOAK_SERVICE = `${KEYCLOAK_NAME}-service`;
/** The operator's HTTP port (Service and pods) when `http.httpEnabled` is set. */
export const KEYCLOAK_HTTP_PORT = 8080;
/** Labels the operator puts on every pod of the Keycloak CR. */
export const KEYCLOAK_POD_LABELS = { app: 'keycloak', 'app.kubernetes.io/instance': KEYCLOAK_NAME } as const;
/** Database on `dbaas.postgresql`. */
export const KEYCLOAK_DATABASE = 'keycloak';
export const KEYCLOAK_DB_SECRET = 'keycloak-db';
export const KEYCLOAK_ADMIN_SECRET = 'keycloak-bootstrap-admin';
/** Secret the realm import's placeholders and the realm sync's $(env:) variables read (LDAP bind password, client secrets). */
export const REALM_SECRET = `keycloak-realm-${PLATFORM_REALM}`;

/**
 * The OIDC clients of the platform realm, each with its secret in `keycloak.clientSecrets`: the
 * API gateway's only. Every host behind single sign-on (apps with `auth.sso`, previews, the
 * platform UIs without a login of their own) and every API published with `auth: 'oidc'` logs
 * in through it. The platform tools (Argo CD, Grafana, Harbor, Jenkins, Rancher) read the
 * directory over LDAP themselves and have no client here (docs/sso.md says why).
 */
export const OIDC_CLIENTS = [API_GATEWAY_CLIENT] as const;
export type OidcClientName = (typeof OIDC_CLIENTS)[number];

/** The OIDC clients of `site`'s realm. */
export function realmClients(_site: Site): OidcClientName[] {
  return [...OIDC_CLIENTS];
}

/** A key of a Secret in the Keycloak CR's namespace. */
export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

/** A topology spread constraint (the Keycloak CR takes the Kubernetes shape). */
export interface TopologySpread {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  readonly labelSelector: { readonly matchLabels: Readonly<Record<string, string>> };
}

/** The part of the Keycloak spec (k8s.keycloak.org/v2alpha1) the platform sets. */
export interface KeycloakSpec {
  readonly instances: number;
  readonly db: {
    readonly vendor: 'postgres';
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly usernameSecret: SecretKeyRef;
    readonly passwordSecret: SecretKeyRef;
  };
  /** A full URL: scheme, host and port of every front-end URL are fixed, whatever the request says. */
  readonly hostname: { readonly hostname: string };
  readonly http: { readonly httpEnabled: boolean };
  readonly proxy: { readonly headers: 'xforwarded' | 'forwarded' };
  readonly ingress: { readonly enabled: boolean };
  readonly bootstrapAdmin: { readonly user: { readonly secret: string } };
  readonly scheduling: { readonly topologySpreadConstraints: readonly TopologySpread[] };
  /**
   * Secrets whose PEM certificates Keycloak trusts (the operator mounts each under
   * conf/truststores, which Keycloak reads): the directory's CA, for LDAPS.
   */
  readonly truststores: Readonly<Record<string, { readonly secret: { readonly name: string } }>>;
  /** Server options without a field of their own (`metrics-enabled`: /metrics on the management port 9000). */
  readonly additionalOptions: readonly { readonly name: string; readonly value: string }[];
}

/**
 * Keycloak: two instances on different nodes (they share sessions through the embedded cache
 * cluster the operator sets up), the DBaaS PostgreSQL, plain HTTP behind the gateway with TLS
 * ending at HAProxy, and the first admin from Bitwarden instead of a generated one.
 */
export function keycloakSpec(site: Site): KeycloakSpec {
  const db = dbaasEndpoint(site, 'postgresql');
  return {
    instances: 2,
    db: {
      vendor: 'postgres',
      host: db.host,
      port: db.port,
      database: KEYCLOAK_DATABASE,
      usernameSecret: { name: KEYCLOAK_DB_SECRET, key: 'username' },
      passwordSecret: { name: KEYCLOAK_DB_SECRET, key: 'password' },
    },
    hostname: { hostname: iamUrl(site.domain) },
    http: { httpEnabled: true },
    // HAProxy sets X-Forwarded-For and X-Forwarded-Proto (dist/hosts/haproxy) for every request.
    proxy: { headers: 'xforwarded' },
    // The UI comes through the shared gateway (PublishedUi), not an Ingress of the operator.
    ingress: { enabled: false },
    bootstrapAdmin: { user: { secret: KEYCLOAK_ADMIN_SECRET } },
    scheduling: {
      // The operator's default anti-affinity is only preferred: never two instances on one node.
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { ...KEYCLOAK_POD_LABELS } } }],
    },
    // LDAP federation (useTruststoreSpi: always) verifies the directory against this CA.
    truststores: { [LDAP_CA_SECRET.name]: { secret: { name: LDAP_CA_SECRET.name } } },
    // Scraped by the monitoring layer.
    additionalOptions: [{ name: 'metrics-enabled', value: 'true' }],
  };
}

/** The operator's Deployment and container in the upstream manifests (kubernetes/kubernetes.yml). */
export const KEYCLOAK_OPERATOR = 'keycloak-operator';
/** The operator image's user (its Dockerfile: `USER 1000`, files owned 1000:0 under /opt/keycloak). */
export const KEYCLOAK_OPERATOR_UID = 1000;

/**
 * The operator's HA declaration: one replica (the upstream manifests run one), reconciling only.
 * Its recovery after a node failure, as the simulation computes it with the recovery model
 * (lib/ha/recovery.ts): eviction after its 10 s toleration, the image pull, the upstream startup
 * window and one readiness period (87 s in reports/failure-simulation.md).
 */
export function keycloakOperatorHa(): RenderedWorkloadHa[] {
  return [{
    kind: 'Deployment',
    name: KEYCLOAK_OPERATOR,
    singleton: 'reconciles the Keycloak resource only: the Keycloak instances keep serving logins while it is away',
  }];
}

/**
 * The strategic-merge patch of the upstream Deployment (which sets requests, limits and probes,
 * but no security context or tolerations): the restricted security context, with an emptyDir at
 * /tmp (the JVM's and Vert.x's temporary files) under the read-only root, and the stateless
 * singleton's short tolerations of a dead node, so it is rescheduled 10 s sooner than the
 * platform's 20 s and comes back within the site's 90 s budget.
 */
export function keycloakOperatorPatch(): string {
  return stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: KEYCLOAK_OPERATOR },
    spec: {
      template: {
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: KEYCLOAK_OPERATOR_UID, seccompProfile: { type: 'RuntimeDefault' } },
          tolerations: deadNodeTolerations(STATELESS_SINGLETON_TOLERATION_SECONDS),
          containers: [{
            name: KEYCLOAK_OPERATOR,
            securityContext: RESTRICTED_CONTAINER,
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          }],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  });
}

/** The StatefulSet the operator runs for the Keycloak resource (paths into its spec). */
export function keycloakWorkloads(): WorkloadDeclaration[] {
  return [{
    name: KEYCLOAK_NAME,
    kind: 'StatefulSet',
    replicas: at('instances'),
    spread: { topologySpread: at('scheduling.topologySpreadConstraints') },
    pdb: { rendered: KEYCLOAK_NAME },
    tolerations: at('scheduling.tolerations', []),
  }];
}

/** A realm import placeholder: the import Job reads environment variable `name` from a Secret key. */
export interface Placeholder {
  readonly secret: SecretKeyRef;
}

/** A Keycloak component (user storage provider or one of its mappers); every config value is a list. */
export interface RealmComponent {
  readonly name: string;
  readonly providerId: string;
  readonly config: Readonly<Record<string, readonly string[]>>;
  readonly subComponents?: Readonly<Record<string, readonly RealmComponent[]>>;
}

/** A protocol mapper of a client. */
export interface ProtocolMapper {
  readonly name: string;
  readonly protocol: 'openid-connect';
  readonly protocolMapper: string;
  readonly config: Readonly<Record<string, string>>;
}

/** An OIDC client of the realm (ClientRepresentation, the part the platform sets). */
export interface OidcClient {
  readonly clientId: string;
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly protocol: 'openid-connect';
  readonly publicClient: boolean;
  readonly clientAuthenticatorType: 'client-secret';
  /** A placeholder (`${NAME}`), never a value. */
  readonly secret: string;
  readonly standardFlowEnabled: boolean;
  readonly implicitFlowEnabled: boolean;
  readonly directAccessGrantsEnabled: boolean;
  readonly serviceAccountsEnabled: boolean;
  readonly rootUrl?: string;
  readonly redirectUris: readonly string[];
  readonly webOrigins: readonly string[];
  readonly attributes: Readonly<Record<string, string>>;
  readonly protocolMappers: readonly ProtocolMapper[];
}

/** The realm (RealmRepresentation, the part the platform sets). */
export interface PlatformRealm {
  readonly realm: string;
  readonly displayName: string;
  readonly enabled: boolean;
  readonly sslRequired: 'external' | 'all';
  readonly registrationAllowed: boolean;
  /** Passwords live in UCS; Keycloak cannot reset them (the directory is read-only to it). */
  readonly resetPasswordAllowed: boolean;
  readonly loginWithEmailAllowed: boolean;
  readonly duplicateEmailsAllowed: boolean;
  readonly bruteForceProtected: boolean;
  readonly clients: readonly OidcClient[];
  readonly components: Readonly<Record<string, readonly RealmComponent[]>>;
}

/** The KeycloakRealmImport spec (k8s.keycloak.org/v2alpha1). */
export interface RealmImportSpec {
  readonly keycloakCRName: string;
  readonly placeholders: Readonly<Record<string, Placeholder>>;
  readonly realm: PlatformRealm;
}

/** Placeholder of the LDAP bind password. */
export const LDAP_BIND_PLACEHOLDER = 'LDAP_BIND_CREDENTIAL';

/**
 * How a realm file names a secret it does not hold: the environment variable `name`, written
 * `${NAME}` for the realm import (Keycloak's placeholders) and `$(env:NAME)` for keycloak-config-cli.
 */
export type PlaceholderStyle = (name: string) => string;
/** The realm import's placeholder: `${NAME}`. */
export const IMPORT_PLACEHOLDER: PlaceholderStyle = (name) => `\${${name}}`;
/** keycloak-config-cli's placeholder with `import.var-substitution.enabled`: `$(env:NAME)`. */
export const CONFIG_CLI_PLACEHOLDER: PlaceholderStyle = (name) => `$(env:${name})`;

/** Placeholder (environment variable) of a client's secret: `CLIENT_SECRET_API_GATEWAY`. */
export function clientSecretPlaceholder(client: OidcClientName): string {
  return `CLIENT_SECRET_${client.toUpperCase().replace(/-/g, '_')}`;
}

/** Key of a client's secret in the realm Secret: `client-secret-api-gateway`. */
export function clientSecretKey(client: OidcClientName): string {
  return `client-secret-${client}`;
}

const USER_STORAGE = 'org.keycloak.storage.UserStorageProvider';
const LDAP_MAPPER = 'org.keycloak.storage.ldap.mappers.LDAPStorageMapper';

/** A read-only mapping of an LDAP attribute onto a user property. */
function attributeMapper(name: string, ldapAttribute: string, userAttribute: string, mandatory: boolean): RealmComponent {
  return {
    name,
    providerId: 'user-attribute-ldap-mapper',
    config: {
      'ldap.attribute': [ldapAttribute],
      'user.model.attribute': [userAttribute],
      'read.only': ['true'],
      'always.read.value.from.ldap': ['true'],
      'is.mandatory.in.ldap': [String(mandatory)],
    },
  };
}

/**
 * User federation with the UCS directory, read-only. UCS keeps its accounts in OpenLDAP (the
 * site's DNs are `uid=...,cn=users`): the generic LDAP vendor with OpenLDAP attributes (`uid`,
 * `entryUUID`, groups as `posixGroup` listing member DNs in `uniqueMember`) matches it, as the
 * Argo CD Dex connector does. The "ad" vendor would expect `sAMAccountName`, `objectGUID` and
 * `userAccountControl`, which only UCS's optional Samba AD interface has, under other DNs.
 * A realm import creates components without their default mappers: every mapper is listed.
 */
export function ldapFederation(site: Site, placeholder: PlaceholderStyle = IMPORT_PLACEHOLDER): RealmComponent {
  const map = ldapMapping(site);
  return {
    name: 'ucs',
    providerId: 'ldap',
    config: {
      enabled: ['true'],
      priority: ['0'],
      vendor: [site.ldap.server === 'samba-ad' ? 'ad' : 'other'],
      // Keycloak tries the URLs in turn: the primary directory node, then the backups.
      connectionUrl: [ldapUrls(site).join(' ')],
      startTls: ['false'],
      useTruststoreSpi: ['always'],
      connectionPooling: ['true'],
      connectionTimeout: ['5000'],
      authType: ['simple'],
      bindDn: [site.ldap.bindDn],
      bindCredential: [placeholder(LDAP_BIND_PLACEHOLDER)],
      editMode: ['READ_ONLY'],
      usersDn: [site.ldap.usersDn],
      searchScope: ['2'],
      usernameLDAPAttribute: [map.userLoginAttribute],
      rdnLDAPAttribute: [map.userRdnAttribute],
      uuidLDAPAttribute: [map.userUuidAttribute],
      userObjectClasses: [map.userObjectClass],
      // Univention's filter for user accounts (not machine or other person-like objects).
      customUserSearchFilter: [map.userFilter],
      pagination: ['true'],
      importEnabled: ['true'],
      syncRegistrations: ['false'],
      trustEmail: ['true'],
      validatePasswordPolicy: ['false'],
      allowKerberosAuthentication: ['false'],
      // Users are imported at first login; changed accounts are picked up every hour.
      fullSyncPeriod: ['-1'],
      changedSyncPeriod: ['3600'],
      cachePolicy: ['DEFAULT'],
    },
    subComponents: {
      [LDAP_MAPPER]: [
        attributeMapper('username', map.userLoginAttribute, 'username', true),
        attributeMapper('first name', 'givenName', 'firstName', false),
        attributeMapper('last name', 'sn', 'lastName', true),
        attributeMapper('email', 'mail', 'email', false),
        {
          name: 'groups',
          providerId: 'group-ldap-mapper',
          config: {
            'groups.dn': [site.ldap.groupsDn],
            'group.name.ldap.attribute': [map.groupNameAttribute],
            'group.object.classes': [map.groupObjectClass],
            'preserve.group.inheritance': ['false'],
            'ignore.missing.groups': ['true'],
            'membership.ldap.attribute': [map.groupMemberAttribute],
            'membership.attribute.type': ['DN'],
            'membership.user.ldap.attribute': [map.userLoginAttribute],
            mode: ['READ_ONLY'],
            'user.roles.retrieve.strategy': ['LOAD_GROUPS_BY_MEMBER_ATTRIBUTE'],
            'drop.non.existing.groups.during.sync': ['false'],
          },
        },
      ],
    },
  };
}

/** Puts the user's LDAP group names (the `cn`s) into the `groups` claim: the tools map them to roles. */
export const GROUPS_MAPPER: ProtocolMapper = {
  name: 'groups',
  protocol: 'openid-connect',
  protocolMapper: 'oidc-group-membership-mapper',
  config: { 'claim.name': 'groups', 'full.path': 'false', 'id.token.claim': 'true', 'access.token.claim': 'true', 'userinfo.token.claim': 'true' },
};

/**
 * Puts `api-gateway` into the audience of the access tokens the client gets: the gateway checks
 * it when it reads groups from the token (lib/constructs/sso-login.ts), so a token the realm
 * issued to another client does not pass.
 */
export const GATEWAY_AUDIENCE_MAPPER: ProtocolMapper = {
  name: 'audience api-gateway',
  protocol: 'openid-connect',
  protocolMapper: 'oidc-audience-mapper',
  config: { 'included.client.audience': API_GATEWAY_CLIENT, 'id.token.claim': 'false', 'access.token.claim': 'true' },
};

/**
 * The API gateway's confidential client (Envoy Gateway logs users in server-side and keeps the
 * secret), authorization-code flow only, its secret from a placeholder, allowed back to exactly
 * the callbacks of the hosts behind it (`callbacks`: SSO hosts and APIs published with OIDC).
 */
export function oidcClient(_site: Site, client: OidcClientName, callbacks: readonly string[] = [], placeholder: PlaceholderStyle = IMPORT_PLACEHOLDER): OidcClient {
  return {
    clientId: client,
    name: client,
    description: 'Envoy Gateway: browser login (single sign-on) for the hosts behind it: apps with auth.sso, previews, platform UIs, APIs with auth "oidc"',
    enabled: true,
    protocol: 'openid-connect',
    publicClient: false,
    clientAuthenticatorType: 'client-secret',
    secret: placeholder(clientSecretPlaceholder(client)),
    standardFlowEnabled: true,
    implicitFlowEnabled: false,
    directAccessGrantsEnabled: false,
    serviceAccountsEnabled: false,
    redirectUris: callbacks,
    webOrigins: [],
    attributes: {},
    protocolMappers: [GROUPS_MAPPER, GATEWAY_AUDIENCE_MAPPER],
  };
}

/** The platform realm: login against UCS, the OIDC clients (`realmClients`); nobody registers or resets passwords here. */
export function platformRealm(site: Site, apiCallbacks: readonly string[] = [], placeholder: PlaceholderStyle = IMPORT_PLACEHOLDER): PlatformRealm {
  return {
    realm: PLATFORM_REALM,
    displayName: `${site.name.toUpperCase()} platform`,
    enabled: true,
    sslRequired: 'external',
    registrationAllowed: false,
    resetPasswordAllowed: false,
    loginWithEmailAllowed: true,
    duplicateEmailsAllowed: false,
    bruteForceProtected: true,
    clients: realmClients(site).map((c) => oidcClient(site, c, apiCallbacks, placeholder)),
    components: { [USER_STORAGE]: [ldapFederation(site, placeholder)] },
  };
}

/** Every placeholder of the realm import of `site`: environment variable -> key of the realm Secret. */
export function realmPlaceholders(site: Site): Record<string, Placeholder> {
  return {
    [LDAP_BIND_PLACEHOLDER]: { secret: { name: REALM_SECRET, key: 'ldap-bind-credential' } },
    ...Object.fromEntries(realmClients(site).map((c) => [clientSecretPlaceholder(c), { secret: { name: REALM_SECRET, key: clientSecretKey(c) } }])),
  };
}

/** Every callback the API gateway's client must allow: the SSO hosts' and the OIDC APIs', sorted, once each. */
export function gatewayCallbacks(inventory: Pick<Inventory, 'apis' | 'sso'>): string[] {
  return [...new Set([...inventory.apis.flatMap((a) => (a.redirectUrl ? [a.redirectUrl] : [])), ...inventory.sso.map((e) => e.redirectUrl)])].sort();
}

/** Keycloak's login and admin console, `iam.<domain>` (`iamUrl`). */
export const KEYCLOAK_UI: LayerUi = { subdomain: IAM_HOST, what: 'Keycloak' };
/** Keycloak's database on `dbaas.postgresql`. */
export const KEYCLOAK_DB: LayerDatabase = { engine: 'postgresql', database: KEYCLOAK_DATABASE };
/** What the keycloak layer (component keycloak) takes for itself, for the site and app rules (`LAYER_NEEDS`): its UI's host and its database. */
export const KEYCLOAK_NEEDS: LayerNeeds = { layer: 'keycloak', component: 'keycloak', uis: [KEYCLOAK_UI], databases: [KEYCLOAK_DB] };

/** Prefix of the realm sync's Job and ConfigMap: `keycloak-config-<hash>`. */
export const REALM_SYNC_PREFIX = 'keycloak-config';

/**
 * What keycloak-config-cli may delete (`import.managed.*`, docs/MANAGED.md of the pinned release):
 * never the LDAP federation, its mappers or groups. Deleting a user-storage component deletes every
 * user it imported with their sessions, offline tokens, group and role grants; deleting the group
 * mapper's groups drops their memberships. So a component, mapper or group the render no longer
 * has stays until an admin removes it (docs/sso.md). Users are never touched: the realm file has
 * no `users`, and keycloak-config-cli manages only the users a file lists. Clients are `full`:
 * with its remote state on, that deletes only a client keycloak-config-cli created and the render
 * dropped, never the realm's built-in clients nor one the realm import or an admin created.
 */
export const REALM_SYNC_MANAGED = { client: 'full', component: 'no-delete', 'sub-component': 'no-delete', group: 'no-delete' } as const;

/**
 * The realm sync of `site`: keycloak-config-cli applying the platform realm, as rendered with
 * `callbacks`, to the running Keycloak over the in-cluster Service, logged in as the bootstrap
 * admin of realm `master`, the secrets from the realm Secret (Bitwarden through External Secrets).
 */
export function realmSyncProps(site: Site, callbacks: readonly string[], image: string): KeycloakConfigJobProps {
  const realm = platformRealm(site, callbacks, CONFIG_CLI_PLACEHOLDER);
  return {
    namespace: KEYCLOAK_NAMESPACE,
    prefix: REALM_SYNC_PREFIX,
    image,
    keycloakUrl: `http://${KEYCLOAK_SERVICE}.${KEYCLOAK_NAMESPACE}.svc:${KEYCLOAK_HTTP_PORT}`,
    admin: { username: { name: KEYCLOAK_ADMIN_SECRET, key: 'username' }, password: { name: KEYCLOAK_ADMIN_SECRET, key: 'password' } },
    fileName: `${PLATFORM_REALM}.json`,
    realmFile: `${JSON.stringify(realm, null, 2)}\n`,
    secretEnv: Object.fromEntries(Object.entries(realmPlaceholders(site)).map(([name, p]) => [name, p.secret])),
    managed: REALM_SYNC_MANAGED,
  };
}

/**
 * Keycloak, the platform's IAM at `iam.<domain>`: the operator from its pinned release, a
 * two-instance Keycloak on the DBaaS PostgreSQL, and the `platform` realm (LDAP federation with
 * UCS, the API gateway's OIDC client for the hosts behind single sign-on). Every secret comes from
 * Bitwarden; the realm files read them through placeholders, never as values.
 *
 * The realm import creates the realm on a first install; it never changes a realm that exists.
 * The realm sync (keycloak-config-cli, `keycloak-config-<hash>`) applies every rendered change
 * of the realm (a new SSO callback above all) to the running Keycloak: a new Job whenever the
 * realm changes, none otherwise.
 */
export function keycloakLayer(scope: Construct, ctx: PlatformContext): Layer {
  const { site } = ctx;
  const layer = new Layer(scope, {
    name: 'keycloak',
    description: 'Keycloak (IAM): 2 instances on the DBaaS PostgreSQL, realm "platform" with UCS login and the single sign-on client',
    namespace: KEYCLOAK_NAMESPACE,
    dependsOn: ['gateway', 'secrets'],
  });
  // Prometheus scrapes it from the monitoring namespace (the monitoring layer renders the monitor).
  Inventory.of(layer).addScrapeTarget({ name: 'keycloak', layer: layer.layerName, namespace: KEYCLOAK_NAMESPACE, selector: { ...KEYCLOAK_POD_LABELS }, port: 'management' });
  new PlatformNamespace(layer, 'namespace', { name: KEYCLOAK_NAMESPACE });
  new GitComponent(layer, 'operator', {
    name: 'keycloak-operator',
    upstream: 'keycloak-operator',
    source: ctx.versions['keycloak-operator'],
    namespace: KEYCLOAK_NAMESPACE,
    providesApis: [{ group: 'k8s.keycloak.org' }],
    patches: [{ target: { group: 'apps', version: 'v1', kind: 'Deployment', name: KEYCLOAK_OPERATOR }, patch: keycloakOperatorPatch() }],
    ha: keycloakOperatorHa(),
  });

  const database = new BitwardenSecret(layer, 'database', {
    name: KEYCLOAK_DB_SECRET,
    namespace: KEYCLOAK_NAMESPACE,
    data: { password: site.keycloak.databasePassword },
    plainData: { username: site.keycloak.databaseUser },
  });
  const admin = new BitwardenSecret(layer, 'bootstrap-admin', {
    name: KEYCLOAK_ADMIN_SECRET,
    namespace: KEYCLOAK_NAMESPACE,
    data: bitwardenLogin(site.keycloak.bootstrapAdmin),
  });
  const keycloak = new ApiObject(layer, 'server', {
    apiVersion: 'k8s.keycloak.org/v2alpha1',
    kind: 'Keycloak',
    metadata: { name: KEYCLOAK_NAME, namespace: KEYCLOAK_NAMESPACE },
    spec: keycloakSpec(site),
  });
  declareWorkloads(keycloak, keycloakWorkloads());
  // The operator makes the Service the route `iam` sends to (verify/route-backends).
  declareFacts(keycloak, { runtimeServices: [KEYCLOAK_SERVICE] });
  const ldapCa = new LdapCaSecret(layer, 'ldap-ca', { namespace: KEYCLOAK_NAMESPACE, caCertificate: site.ldap.caCertificate });
  // The operator mounts the truststore Secret into the pods: it must exist when they start.
  layer.addOrder(keycloak, ldapCa);
  // Keycloak reads the database login at start and the admin only when it creates the master realm.
  layer.addOrder(keycloak, database);
  layer.addOrder(keycloak, admin);
  // Node drains (k3s upgrades) take one instance at a time.
  new KubePodDisruptionBudget(layer, 'disruption-budget', {
    metadata: { name: KEYCLOAK_NAME, namespace: KEYCLOAK_NAMESPACE },
    spec: { minAvailable: IntOrString.fromNumber(1), selector: { matchLabels: { ...KEYCLOAK_POD_LABELS } } },
  });

  const realmSecret = new BitwardenSecret(layer, 'realm-secrets', {
    name: REALM_SECRET,
    namespace: KEYCLOAK_NAMESPACE,
    data: {
      'ldap-bind-credential': site.ldap.bindPassword,
      ...Object.fromEntries(realmClients(site).map((c) => [clientSecretKey(c), site.keycloak.clientSecrets[c]])),
    },
  });
  const inventory = Inventory.of(layer);
  // The API gateway's client may return to the callback of every host behind it: SSO hosts and APIs published with OIDC login.
  const apiCallbacks = Lazy.any({ produce: () => gatewayCallbacks(inventory) });
  const spec: RealmImportSpec = { keycloakCRName: KEYCLOAK_NAME, placeholders: realmPlaceholders(site), realm: platformRealm(site, apiCallbacks) };
  const realmImport = new ApiObject(layer, 'realm', {
    apiVersion: 'k8s.keycloak.org/v2alpha1',
    kind: 'KeycloakRealmImport',
    metadata: { name: PLATFORM_REALM, namespace: KEYCLOAK_NAMESPACE },
    spec,
  });
  layer.addOrder(realmImport, keycloak);
  layer.addOrder(realmImport, realmSecret);

  // Once every layer and app has registered its SSO hosts: the realm file and its hash are plain
  // values, so the Job's name is known when the waves and the file names are.
  layer.afterAllLayers(() => {
    const image = ctx.versions['keycloak-config-cli'];
    const sync = new KeycloakConfigJob(layer, 'realm-sync', realmSyncProps(site, gatewayCallbacks(inventory), `${image.name}:${image.version}`));
    // After Keycloak is ready (its admin API answers) and the realm import (which creates the realm on a first install).
    for (const before of [keycloak, realmImport, realmSecret, admin]) layer.addOrder(sync.job, before);
    layer.addOrder(sync.job, sync.configMap);
  });

  new PublishedUi(layer, 'ui', { name: KEYCLOAK_UI.subdomain, namespace: KEYCLOAK_NAMESPACE, serviceName: KEYCLOAK_SERVICE, servicePort: KEYCLOAK_HTTP_PORT, description: 'Keycloak: platform login (realm platform) and admin console' });

  inventory.addDirectoryUse(site.ldap, 'keycloak', { failover: true, ca: { namespace: KEYCLOAK_NAMESPACE, ...LDAP_CA_SECRET } });
  inventory.addDatabase({
    ...KEYCLOAK_DB,
    user: site.keycloak.databaseUser,
    passwordRef: site.keycloak.databasePassword,
    usedBy: 'keycloak',
    purpose: 'Keycloak: realms, clients, sessions, users imported from LDAP',
  });
  return layer;
}
