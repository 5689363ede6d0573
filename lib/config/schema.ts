import { z } from 'zod';
import { fitsInt64Bytes, SIZE_TOO_LARGE } from './quantity';
import { cronProblem } from './cron';
import { pemProblem } from './pem';
import { parseAddressBlock, parseCidr, parseIp } from './net';

/**
 * The schema of `site.yaml`: the single input a site owner edits.
 * Objects are strict (an unknown key is a typo and an error); cross-field rules
 * (quorum, overlaps, subnets) live in `rules.ts`.
 */

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A lower-case DNS name (host or domain). */
export const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
/** A label key: optional DNS prefix, then a name of at most 63 characters. */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
/** A distinguished name: comma-separated attr=value pairs. */
const DN = /^[A-Za-z][A-Za-z0-9-]*=[^,=]+(,[A-Za-z][A-Za-z0-9-]*=[^,=]+)*$/;
/**
 * Bitwarden reference: `bitwarden:<item name>` (its password), or with `#username`, `#password`
 * or `#notes` for another part of the item. The value itself never lives in git.
 */
export const BITWARDEN_REF = /^bitwarden:[A-Za-z0-9][A-Za-z0-9._/-]{0,127}(#(username|password|notes))?$/;

const dnsLabel = (what: string) =>
  z.string().regex(DNS_LABEL, { message: `must be a DNS label (lower-case letters, digits and '-', at most 63, e.g. "db1"); ${what}` });

const ipv4 = z.string().refine((v) => parseIp(v) !== undefined, {
  message: 'must be an IPv4 address in dotted-quad form, e.g. "10.251.51.10"',
});

const cidr = z.string().refine((v) => parseCidr(v) !== undefined, {
  message: 'must be an IPv4 CIDR with the host bits zero, e.g. "10.251.50.0/23"',
});

const addressBlock = z.string().refine((v) => parseAddressBlock(v) !== undefined, {
  message: 'must be a CIDR ("10.251.51.192/27") or an ascending range ("10.251.51.200-10.251.51.250")',
});

const url = (schemes: string[]) =>
  z.string().refine(
    (v) => {
      try {
        const u = new URL(v);
        return schemes.includes(u.protocol.replace(/:$/, '')) && u.hostname.length > 0;
      } catch {
        return false;
      }
    },
    { message: `must be a URL with scheme ${schemes.join(' or ')}, e.g. "${schemes[0]}://host.example.com${schemes[0].startsWith('ldap') ? ':636' : '/path'}"` },
  );

const dn = z.string().regex(DN, { message: 'must be an LDAP distinguished name, e.g. "cn=users,dc=turnsys,dc=com"' });

/** A Bitwarden reference field: the only way a secret is named in site.yaml or an app spec. */
export const bitwardenRef = z.string().regex(BITWARDEN_REF, {
  message: 'must be a Bitwarden reference "bitwarden:<item name>[#username|#password|#notes]" (never the secret itself)',
});

const port = z.number().int().min(1).max(65535);

/**
 * A public certificate: inline PEM (checked with node's X509Certificate), or a Bitwarden
 * reference whose value External Secrets delivers (secret-refs treats it as read from Bitwarden).
 */
export const caCertificate = z.string().superRefine((v, ctx) => {
  if (v.startsWith('bitwarden:')) {
    if (!BITWARDEN_REF.test(v)) ctx.addIssue({ code: 'custom', message: 'must be a Bitwarden reference "bitwarden:<item name>[#notes]" or the PEM text itself' });
    return;
  }
  const problem = pemProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const endpoint = z.strictObject({
  /** DNS name or IP of the DBaaS service. */
  host: z.string().regex(DNS_NAME, { message: 'must be a DNS name or IPv4 address, e.g. "pgsql.dbaas.turnsys.com"' }),
  port,
});

/** The directory services of UCS the platform can read (`ldap.server`). */
export const LDAP_SERVERS = ['openldap', 'samba-ad'] as const;
export type LdapServer = (typeof LDAP_SERVERS)[number];
/** The `ldap` fields site.yaml may leave out. */
export const LDAP_DEFAULTS = { server: 'openldap', port: 636, caCertificate: 'bitwarden:ucs-root-ca#notes' } as const;

/** A node's capacity when site.yaml gives none: 4 cores, 8 GiB. */
export const NODE_CAPACITY_DEFAULTS = { cpu: 4, memory: '8Gi' } as const;
/** The site's HA settings when site.yaml gives none. */
export const HA_DEFAULTS = { recoveryBudgetSeconds: 90 } as const;

export const NodeSchema = z.strictObject({
  name: dnsLabel('node names are Kubernetes node names'),
  ip: ipv4,
  role: z.enum(['server', 'agent']),
  /** Longhorn keeps replicas on this node's disks. */
  storage: z.boolean().default(false),
  /** R&D node: labelled and tainted so production work never lands there. */
  rnd: z.boolean().default(false),
  /** Extra node labels. */
  labels: z
    .record(
      z.string().regex(LABEL_KEY, { message: 'label keys are [prefix/]name, name at most 63 of [A-Za-z0-9-_.]' }),
      z.string().regex(LABEL_VALUE, { message: 'label values are at most 63 of [A-Za-z0-9-_.], starting and ending alphanumeric' }),
    )
    .default({}),
  /** Allocatable CPU cores (the node-failure simulation's capacity model): a number of cores or a quantity such as "3500m". */
  cpu: z.union([
    z.number().min(0.5),
    z.string().regex(/^([1-9][0-9]*m|[0-9]+(\.[0-9]+)?)$/, { message: 'must be a number of cores such as 4 or a quantity such as "3500m"' }),
  ]).default(NODE_CAPACITY_DEFAULTS.cpu),
  /** Allocatable memory (the node-failure simulation's capacity model), e.g. "16Gi". */
  memory: z.string().regex(/^[1-9][0-9]*(Mi|Gi|Ti)$/, { message: 'must be a size in Mi, Gi or Ti, e.g. "16Gi"' }).refine(fitsInt64Bytes, SIZE_TOO_LARGE).default(NODE_CAPACITY_DEFAULTS.memory),
});

/** HA settings of the site. */
export const HaSchema = z.strictObject({
  /**
   * Longest a declared singleton may be away after its node fails (seconds): `npm run verify`
   * fails when the node-failure simulation computes a longer recovery.
   */
  recoveryBudgetSeconds: z.number().int().min(1).default(HA_DEFAULTS.recoveryBudgetSeconds),
});

export const PoolSchema = z.strictObject({
  name: dnsLabel('pool names become IPAddressPool names'),
  addresses: z.array(addressBlock).min(1),
  /** Whether MetalLB hands out addresses of this pool to any LoadBalancer Service. */
  autoAssign: z.boolean().default(true),
});

/** A Kubernetes storage size such as "100Gi". */
const storageSize = z.string().regex(/^[1-9][0-9]*(Mi|Gi|Ti)$/, { message: 'must be a size in Mi, Gi or Ti, e.g. "100Gi"' }).refine(fitsInt64Bytes, SIZE_TOO_LARGE);

/**
 * The platform components a site may switch off (`<component>.enabled: false` in site.yaml): the
 * layer of each is then not built, and nothing else refers to it. Every other layer is always on.
 */
export const OPTIONAL_COMPONENTS = ['harbor', 'jenkins', 'keycloak'] as const;
export type OptionalComponent = (typeof OPTIONAL_COMPONENTS)[number];

/** Switches an optional component on or off; on unless site.yaml says `enabled: false`. */
const componentEnabled = z.boolean().default(true);

/** Bitwarden items Harbor needs when site.yaml names none (docs/harbor.md says how to create each). */
export const HARBOR_DEFAULTS = {
  enabled: true,
  adminPassword: 'bitwarden:harbor-admin',
  databasePassword: 'bitwarden:harbor-db',
  redisPassword: 'bitwarden:harbor-redis',
  secretKey: 'bitwarden:harbor-secret-key',
  coreSecret: 'bitwarden:harbor-core-secret',
  jobserviceSecret: 'bitwarden:harbor-jobservice-secret',
  registryHttpSecret: 'bitwarden:harbor-registry-http-secret',
  registryCredentials: 'bitwarden:harbor-registry-credentials',
  csrfKey: 'bitwarden:harbor-csrf-key',
  tokenKey: 'bitwarden:harbor-token-key#notes',
  robotAccount: 'bitwarden:harbor-robot-ci-push',
  storageSize: '100Gi',
} as const;

export const HarborSchema = z.strictObject({
  /**
   * Render Harbor (and the registry mirrors the nodes pull through). Off, the nodes pull from the
   * upstream registries directly, and Jenkins (which pushes app images to Harbor) must be off too.
   */
  enabled: componentEnabled,
  /** Harbor's first admin password (read once, when Harbor creates its database). */
  adminPassword: bitwardenRef.default(HARBOR_DEFAULTS.adminPassword),
  /** Password of the `harbor` PostgreSQL user on the DBaaS. */
  databasePassword: bitwardenRef.default(HARBOR_DEFAULTS.databasePassword),
  /** Password of the DBaaS redis. */
  redisPassword: bitwardenRef.default(HARBOR_DEFAULTS.redisPassword),
  /** Harbor's encryption key for credentials it stores: exactly 16 characters. */
  secretKey: bitwardenRef.default(HARBOR_DEFAULTS.secretKey),
  /** Shared secret of Harbor core and the other components: 16 characters. */
  coreSecret: bitwardenRef.default(HARBOR_DEFAULTS.coreSecret),
  /** Shared secret of the job service: 16 characters. */
  jobserviceSecret: bitwardenRef.default(HARBOR_DEFAULTS.jobserviceSecret),
  /** The registry's HTTP secret (upload state): 16 characters. */
  registryHttpSecret: bitwardenRef.default(HARBOR_DEFAULTS.registryHttpSecret),
  /** Login item: the password core uses against the registry, its bcrypt htpasswd line in the notes. */
  registryCredentials: bitwardenRef.default(HARBOR_DEFAULTS.registryCredentials),
  /** Harbor's CSRF key: 32 characters. */
  csrfKey: bitwardenRef.default(HARBOR_DEFAULTS.csrfKey),
  /** PEM private key Harbor signs registry tokens with (usually the item's notes). */
  tokenKey: bitwardenRef.default(HARBOR_DEFAULTS.tokenKey),
  /** Login item of the robot account CI pushes images with (username `robot$ci-push`, password its secret). */
  robotAccount: bitwardenRef.default(HARBOR_DEFAULTS.robotAccount),
  /** Size of the registry's Longhorn volume (ignored with `s3`). */
  storageSize: storageSize.default(HARBOR_DEFAULTS.storageSize),
  /** Keep images in an S3 bucket instead of a Longhorn volume. */
  s3: z.strictObject({
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'must be an S3 bucket name, e.g. "harbor-images"' }),
    region: z.string().regex(/^[a-z0-9-]{1,32}$/, { message: 'must be a region name, e.g. "us-east-1"' }),
    /** An S3-compatible endpoint other than AWS (MinIO, Ceph RGW...). */
    endpoint: url(['https', 'http']).optional(),
    /** Login item: access key ID as username, secret access key as password. */
    credentials: bitwardenRef,
  }).optional(),
});

/** Bitwarden items and sizes Jenkins uses when site.yaml names none. */
export const JENKINS_DEFAULTS = {
  enabled: true,
  adminCredentials: 'bitwarden:jenkins-admin',
  storageSize: '50Gi',
  releaseCredentials: 'bitwarden:gitea-jenkins-release',
} as const;

export const JenkinsSchema = z.strictObject({
  /** Render Jenkins (CI and the app release pipeline, which needs Harbor). */
  enabled: componentEnabled,
  /** Login item: the local admin Jenkins keeps for when the directory is unreachable. */
  adminCredentials: bitwardenRef.default(JENKINS_DEFAULTS.adminCredentials),
  /** Size of the controller's Longhorn volume (JENKINS_HOME). */
  storageSize: storageSize.default(JENKINS_DEFAULTS.storageSize),
  /**
   * Login item: the Gitea user and token with which app pipelines clone the platform repository
   * (the `platform` shared library) and push releases (`npm run release`) to git.revision.
   */
  releaseCredentials: bitwardenRef.default(JENKINS_DEFAULTS.releaseCredentials),
});

/**
 * A cron expression as Velero and Kubernetes accept it (minute hour day-of-month month
 * day-of-week, e.g. "0 3 * * *", or a descriptor such as "@daily"), checked field by field.
 */
const cron = z.string().superRefine((v, ctx) => {
  const problem = cronProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
/** A duration in hours, e.g. "720h" (Velero TTLs, Loki retention). */
const hours = z.string().regex(/^[1-9][0-9]*h$/, { message: 'must be a whole number of hours, e.g. "720h" (30 days)' });
/** A Prometheus retention such as "15d". */
const retention = z.string().regex(/^[1-9][0-9]*(h|d|w|y)$/, { message: 'must be a Prometheus duration such as "15d" or "2w"' });
const email = z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: 'must be an e-mail address, e.g. "ops@turnsys.com"' });

/** Defaults of the monitoring section (Prometheus, Alertmanager, Grafana). */
export const MONITORING_DEFAULTS = {
  retention: '15d',
  prometheusStorageSize: '50Gi',
  alertmanagerStorageSize: '2Gi',
  grafana: { adminCredentials: 'bitwarden:grafana-admin', databaseUser: 'grafana', databasePassword: 'bitwarden:grafana-db' },
} as const;

export const MonitoringSchema = z.strictObject({
  /** How long Prometheus keeps metrics. */
  retention: retention.default(MONITORING_DEFAULTS.retention),
  /** Size of each Prometheus replica's Longhorn volume. */
  prometheusStorageSize: storageSize.default(MONITORING_DEFAULTS.prometheusStorageSize),
  /** Size of each Alertmanager replica's Longhorn volume (silences, notification log). */
  alertmanagerStorageSize: storageSize.default(MONITORING_DEFAULTS.alertmanagerStorageSize),
  /** Grafana at grafana.<domain>: its local admin and its database on dbaas.postgresql. */
  grafana: z.strictObject({
    /** Login item: Grafana's local admin, for when the directory is unreachable. */
    adminCredentials: bitwardenRef.default(MONITORING_DEFAULTS.grafana.adminCredentials),
    /** PostgreSQL account (on `dbaas.postgresql`) that owns the database `grafana`. */
    databaseUser: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'must be a PostgreSQL role name, e.g. "grafana"' }).default(MONITORING_DEFAULTS.grafana.databaseUser),
    /** Bitwarden item with that account's password. */
    databasePassword: bitwardenRef.default(MONITORING_DEFAULTS.grafana.databasePassword),
  }).prefault({}),
  /** Where Alertmanager sends alerts: e-mail, a webhook, or both. Without either, alerts stay in Alertmanager's UI. */
  alerts: z.strictObject({
    email: z.strictObject({
      to: email,
      from: email,
      /** SMTP relay as host:port. */
      smarthost: z.string().regex(/^[A-Za-z0-9.-]+:[0-9]{1,5}$/, { message: 'must be host:port, e.g. "smtp.turnsys.com:587"' }),
      /** SMTP login user (not a secret). */
      username: z.string().min(1).optional(),
      /** Bitwarden reference of the SMTP password. */
      password: bitwardenRef.optional(),
    }).optional(),
    webhook: z.strictObject({
      /** The webhook URL, or a Bitwarden reference when the URL carries a token (chat webhooks do). */
      url: z.union([bitwardenRef, url(['https', 'http'])]),
    }).optional(),
  }).prefault({}),
});

/** Defaults of the logging section (Loki). */
export const LOGGING_DEFAULTS = { retention: '744h', replicas: 3, storageSize: '10Gi', bucket: 'loki' } as const;

export const LoggingSchema = z.strictObject({
  /** How long Loki keeps logs. */
  retention: hours.default(LOGGING_DEFAULTS.retention),
  /** Loki replicas, one per node (replication factor 3 needs 3). */
  replicas: z.number().int().min(3).max(9).default(LOGGING_DEFAULTS.replicas),
  /** Each replica's Longhorn volume (write-ahead log, index cache); chunks live in object storage. */
  storageSize: storageSize.default(LOGGING_DEFAULTS.storageSize),
  /** Bucket for Loki's chunks and index on the object store `backups.s3` names. */
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'must be an S3 bucket name, e.g. "loki"' }).default(LOGGING_DEFAULTS.bucket),
});

/** Defaults of the backups section (Velero). */
export const BACKUP_DEFAULTS = {
  platform: { schedule: '0 3 * * *', ttl: '720h' },
  apps: { schedule: '0 * * * *', ttl: '168h', namespaces: ['sit', 'uat', 'prod'] },
} as const;

export const BackupsSchema = z.strictObject({
  /**
   * The S3-compatible object store Velero (and Loki) write to. Velero needs object storage: a
   * site with only an NFS share runs MinIO on the NAS and names it here (`endpoint`).
   */
  s3: z.strictObject({
    /** An S3-compatible endpoint other than AWS (MinIO on the NAS, Ceph RGW...). */
    endpoint: url(['https', 'http']).optional(),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'must be an S3 bucket name, e.g. "velero"' }),
    region: z.string().regex(/^[a-z0-9-]{1,32}$/, { message: 'must be a region name, e.g. "us-east-1" (MinIO: any, e.g. "minio")' }),
    /** Login item: access key ID as username, secret access key as password. */
    credentials: bitwardenRef,
  }).optional(),
  /** Platform state (every namespace but the app namespaces, cluster objects included). */
  platform: z.strictObject({ schedule: cron.default(BACKUP_DEFAULTS.platform.schedule), ttl: hours.default(BACKUP_DEFAULTS.platform.ttl) }).prefault({}),
  /** App data: the PaaS namespaces. */
  apps: z.strictObject({
    schedule: cron.default(BACKUP_DEFAULTS.apps.schedule),
    ttl: hours.default(BACKUP_DEFAULTS.apps.ttl),
    namespaces: z.array(dnsLabel('namespaces')).min(1).default([...BACKUP_DEFAULTS.apps.namespaces]),
  }).prefault({}),
});

/** PaaS settings when site.yaml names none. */
export const PAAS_DEFAULTS = {
  pool: 'apps',
} as const;

export const PaasSchema = z.strictObject({
  /**
   * The MetalLB pool (of `network.metallb.pools`) app load balancers take their addresses from,
   * one address per app with TCP exposure, recorded in apps.lock.yaml.
   */
  pool: dnsLabel('the name of a pool under network.metallb.pools').default(PAAS_DEFAULTS.pool),
});

export const SiteSchema = z.strictObject({
  /** Short name of the site, used in object names and labels. */
  name: dnsLabel('the site name'),
  /** Base domain: every UI is published as <name>.<domain>; DNS is wild-carded to HAProxy. */
  domain: z.string().regex(DNS_NAME, { message: 'must be a lower-case DNS domain, e.g. "turnsys.com"' }),
  nodes: z.array(NodeSchema).min(1),
  network: z.strictObject({
    /** The subnet every node sits on (L2 segment for ARP). */
    nodeCidr: cidr,
    /** Virtual IP of the Kubernetes API (kube-vip on the servers). */
    apiVip: ipv4,
    /** OPNsense HAProxy: where TLS and L7 end. */
    haproxy: z.strictObject({ address: ipv4 }),
    metallb: z.strictObject({ pools: z.array(PoolSchema).min(1) }),
    /** The shared Envoy gateway: one fixed MetalLB address in a pool that does not auto-assign. */
    gateway: z.strictObject({ address: ipv4 }),
  }),
  k3s: z.strictObject({
    /** Bitwarden item with the cluster join token; install scripts read it, git never holds it. */
    token: bitwardenRef,
    /** Network interface on the node subnet; kube-vip announces the API VIP on it. */
    interface: z.string().regex(/^[A-Za-z0-9._-]{1,15}$/, { message: 'must be a network interface name such as "eth0" or "ens18"' }),
  }),
  storage: z.strictObject({
    /** Longhorn backup target: s3://bucket@region/path, nfs://host:/export, cifs://host/share or azblob://container@endpoint/. */
    backupTarget: url(['s3', 'nfs', 'cifs', 'azblob']),
    /** Bitwarden item with the backup target's credentials (required for s3, cifs and azblob). */
    backupCredentials: bitwardenRef.optional(),
  }),
  bitwarden: z.strictObject({
    /** The Bitwarden (or Vaultwarden) server that `bw serve` logs in to. */
    server: url(['https']),
  }),
  rancher: z.strictObject({
    /** Bitwarden item with Rancher's first admin password. */
    bootstrapPassword: bitwardenRef,
  }),
  ldap: z.strictObject({
    /** Replaced by `hosts` and `port`: kept only to say so. */
    url: z.string().refine(() => false, {
      message: 'was replaced by ldap.hosts (the directory nodes, primary first) and ldap.port (LDAPS, 636 by default); e.g. for "ldaps://ucs.turnsys.com:636" write `hosts: [ucs.turnsys.com]` and drop url',
    }).optional(),
    /**
     * Which of UCS's directory services the platform reads, which picks the attribute mapping
     * (lib/ldap-schema.ts): `openldap`, UCS's own directory (users `uid=...`, groups `posixGroup`
     * with `uniqueMember`), or `samba-ad`, the Samba AD DC (users by `sAMAccountName`, groups
     * `group` with `member`).
     */
    server: z.enum(LDAP_SERVERS).default(LDAP_DEFAULTS.server),
    /**
     * The directory nodes (UCS Primary and Backup Directory Nodes), primary first: consumers that
     * take several fail over between them, the others use the first.
     */
    hosts: z.array(z.string().regex(DNS_NAME, { message: 'must be the DNS name of a directory node, as its TLS certificate names it, e.g. "ucs.turnsys.com"' })).min(1),
    /**
     * The LDAPS port: 636, or 7636 for UCS's OpenLDAP on a node that also runs the Samba AD DC
     * (Samba then holds 389 and 636). Every consumer speaks LDAPS (TLS from the first byte).
     */
    port: port.default(LDAP_DEFAULTS.port),
    /**
     * The CA certificate that signs the directory nodes' TLS certificates (UCS's root CA,
     * /etc/univention/ssl/ucsCA/CAcert.pem): inline PEM, or a Bitwarden reference (the item's
     * notes). It is public; every consumer trusts it and nothing else for the directory.
     */
    caCertificate: caCertificate.default(LDAP_DEFAULTS.caCertificate),
    baseDn: dn,
    usersDn: dn,
    groupsDn: dn,
    bindDn: dn,
    bindPassword: bitwardenRef,
    /** Platform administrators (admin in Rancher, Argo CD and the other tools). */
    adminGroup: dn,
    /** Read-only access to the platform tools. */
    viewerGroup: dn,
  }),
  git: z.strictObject({
    /** The Gitea repository Argo CD watches. */
    repoUrl: url(['https', 'ssh']),
    /** Branch or tag Argo CD follows. */
    revision: z.string().regex(/^[A-Za-z0-9._/-]+$/, { message: 'must be a branch or tag name, e.g. "main"' }).default('main'),
    /** The GitHub mirror of the repository. */
    mirrorUrl: url(['https', 'ssh']),
    /** Bitwarden login item (username + token) Argo CD reads the repository with; omit for a public repository. */
    credentials: bitwardenRef.optional(),
    /** Bitwarden item with the secret of the Gitea webhook that makes Argo CD sync on push. */
    webhookSecret: bitwardenRef,
  }),
  /** Endpoints of the existing HA database-as-a-service. */
  dbaas: z.strictObject({
    postgresql: endpoint.optional(),
    mysql: endpoint.optional(),
    redis: endpoint.optional(),
    memcached: endpoint.optional(),
    mongodb: endpoint.optional(),
    etcd: endpoint.optional(),
    mqtt: endpoint.optional(),
    elasticsearch: endpoint.optional(),
  }),
  /**
   * Keycloak (IAM at `iam.<domain>`): its DBaaS account and the Bitwarden items of its secrets.
   * Every field has a default, so a site that does not mention Keycloak gets these names.
   */
  keycloak: z.strictObject({
    /** Render Keycloak. Off, nothing may log in through it: no API may be published with auth `oidc` or `jwt`. */
    enabled: componentEnabled,
    /** PostgreSQL account (on `dbaas.postgresql`) that owns the database `keycloak`. */
    databaseUser: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'must be a PostgreSQL role name (lower-case letters, digits and _), e.g. "keycloak"' }).default('keycloak'),
    /** Bitwarden item with that account's password. */
    databasePassword: bitwardenRef.default('bitwarden:keycloak-db'),
    /** Bitwarden login item (username + password) of the first admin of the master realm. */
    bootstrapAdmin: bitwardenRef.default('bitwarden:keycloak-bootstrap-admin'),
    /**
     * Bitwarden items with the secret of each OIDC client of the platform realm: the API
     * gateway's, the one client every host behind single sign-on logs in with (the platform
     * tools log in over LDAP and have none, docs/sso.md).
     */
    clientSecrets: z.strictObject({
      'api-gateway': bitwardenRef.default('bitwarden:keycloak-client-api-gateway'),
    }).prefault({}),
  }).prefault({}),
  /** Harbor, the container registry (registry.<domain>): its Bitwarden items and storage. */
  harbor: HarborSchema.default(HARBOR_DEFAULTS),
  /** Jenkins, CI (jenkins.<domain>): its Bitwarden items and storage. */
  jenkins: JenkinsSchema.default(JENKINS_DEFAULTS),
  /** The PaaS (apps/*.yaml): where app load balancers get their addresses, the singleton recovery budget. */
  paas: PaasSchema.default(PAAS_DEFAULTS),
  /** Overrides of the pins (chart pins of the layer files, `VERSIONS` of lib/versions.ts), by name; `npm run versions` lists them. */
  versions: z.record(z.string(), z.string().regex(/^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$/, {
    message: 'must be a pinned version such as "0.15.2" or "v1.33.5+k3s1" (no ranges, no "latest")',
  })).default({}),
  /** Metrics, alerts and dashboards (monitoring layer). */
  monitoring: MonitoringSchema.prefault({}),
  /** Logs (logging layer). */
  logging: LoggingSchema.prefault({}),
  /** Velero backups (backups layer): the object store and the schedules. */
  backups: BackupsSchema.prefault({}),
  /** HA settings: the recovery budget of singletons. */
  ha: HaSchema.prefault({}),
});

export type SiteInput = z.input<typeof SiteSchema>;
export type Site = z.output<typeof SiteSchema>;
export type SiteNode = Site['nodes'][number];
