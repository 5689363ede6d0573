import type { ContainerResources } from '../constructs/container';
import { Construct } from 'constructs';
import type { Site } from '../config/schema';
import { BitwardenSecret, bitwardenPart } from '../constructs/bitwarden-secret';
import { HelmComponent } from '../constructs/helm-component';
import { PlatformNamespace } from '../constructs/platform-namespace';
import { PublishedUi } from '../constructs/published-ui';
import { TextFile } from '../constructs/text-file';
import type { RenderedWorkloadHa } from '../constructs/upstream-objects';
import { pinned } from '../context';
import type { PlatformContext } from '../context';
import { dbaasEndpoint } from '../config/dbaas';
import { harborDoc } from '../docs/harbor-docs';
import { Inventory } from '../inventory';
import { Layer } from '../layer';
import { LDAP_CA_SECRET, ldapMapping, ldapUrls } from '../ldap-schema';
import { LdapCaSecret } from '../constructs/ldap-ca-secret';
import { HARBOR_SUBDOMAIN } from '../registry';
import type { ChartPin } from '../versions';
import type { LayerDatabase, LayerNeeds, LayerUi } from '../config/platform-rules';

/** Harbor: the container registry (chart 1.19.1 ships Harbor 2.15.1). */
export const HARBOR_CHART: ChartPin = {
  name: 'harbor',
  kind: 'chart',
  repo: 'https://helm.goharbor.io',
  chart: 'harbor',
  version: '1.19.1',
  source: { repository: 'https://github.com/goharbor/harbor-helm', path: '.', tag: 'v{bare}' },
};

export const HARBOR_NAMESPACE = 'harbor';
/** The chart's nginx Service with `expose.type: clusterIP` (`expose.clusterIP.name`, `httpPort`). */
export const HARBOR_SERVICE = { name: 'harbor', port: 80 } as const;
/**
 * Longest a single request through the gateway may take: one image layer upload or download
 * (Envoy Gateway's default, 15 s, would cut large layers off).
 */
export const HARBOR_REQUEST_TIMEOUT = '30m';
/** Secret with every fixed key Harbor's components share, its admin and database passwords (from Bitwarden). */
export const HARBOR_SECRETS = 'harbor-secrets';
/** Secret with the environment that carries secrets in values Harbor reads whole: LDAP settings, redis URLs. */
export const HARBOR_ENV = 'harbor-env';
/** Secret with the S3 access key, when images live in S3. */
export const HARBOR_S3_SECRET = 'harbor-s3';
/** PostgreSQL database and user of Harbor on the DBaaS. */
export const HARBOR_DATABASE = { database: 'harbor', user: 'harbor' } as const;
/**
 * The DBaaS redis databases Harbor uses. Harbor's core must use database 0 (its redis library
 * cannot select another); the chart's defaults are kept for the others. Trivy's (5) is unused.
 */
export const HARBOR_REDIS_DATABASES = { core: 0, jobservice: 1, registry: 2 } as const;
/** The account Harbor core uses against its own registry (basic auth, htpasswd). */
export const HARBOR_REGISTRY_USER = 'harbor_registry_user';
/** Upstream registries the nodes pull through Harbor proxy-cache projects named `proxy-<registry>`. */
export const PROXY_CACHE_REGISTRIES = ['docker.io', 'ghcr.io', 'quay.io'] as const;

/** The proxy-cache project of an upstream registry: `proxy-docker.io`. */
export function proxyCacheProject(registry: string): string {
  return `proxy-${registry}`;
}

/** A topology spread constraint as the chart takes it (it adds the component's labelSelector itself). */
export interface HarborSpread {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  /** Tainted nodes (servers, R&D, dead nodes) are no spreading domain: only nodes the pods may use count. */
  readonly nodeTaintsPolicy: 'Honor' | 'Ignore';
}

/** An environment variable read from a key of a Secret. */
export interface SecretEnvVar {
  readonly name: string;
  readonly valueFrom: { readonly secretKeyRef: { readonly name: string; readonly key: string } };
}


/** Replicas, spread and disruption budget: what every stateless Harbor component gets. */
export interface HarborHa {
  readonly replicas: number;
  readonly podDisruptionBudget: { readonly enabled: boolean; readonly minAvailable: number };
  readonly topologySpreadConstraints: readonly HarborSpread[];
}

/**
 * The values of the harbor chart that the platform sets (a typed subset). Every key was checked
 * against values.yaml and the templates of the pinned chart (goharbor/harbor-helm v1.19.1).
 */
export interface HarborValues {
  readonly expose: {
    /** nginx behind a ClusterIP Service; the shared gateway routes to it. */
    readonly type: 'clusterIP';
    readonly tls: { readonly enabled: boolean };
    readonly clusterIP: { readonly name: string; readonly ports: { readonly httpPort: number } };
  };
  readonly externalURL: string;
  readonly persistence: {
    readonly enabled: boolean;
    readonly resourcePolicy: 'keep';
    readonly persistentVolumeClaim: {
      readonly registry: { readonly storageClass: string; readonly accessMode: 'ReadWriteMany'; readonly size: string };
    };
    readonly imageChartStorage:
      | { readonly type: 'filesystem' }
      | { readonly type: 's3'; readonly disableredirect: boolean; readonly s3: { readonly region: string; readonly bucket: string; readonly regionendpoint?: string; readonly existingSecret: string } };
  };
  /**
   * Secret with `ca.crt`, added to the trust store of core, job service, registry and Trivy
   * (mounted at /harbor_cust_cert/custom-ca.crt): the directory's CA.
   */
  readonly caBundleSecretName: string;
  readonly existingSecretAdminPassword: string;
  readonly existingSecretAdminPasswordKey: string;
  /** Secret holding `secretKey`, Harbor's encryption key. */
  readonly existingSecretSecretKey: string;
  /** /metrics on port 8001 of core, registry, job service and the exporter (Services' port `http-metrics`), scraped by the monitoring layer. */
  readonly metrics: { readonly enabled: boolean };
  /** The exporter reads Harbor's database and the job service's redis to export project and quota metrics. */
  readonly exporter: HarborHa & { readonly resources: ContainerResources; readonly extraEnvVars: readonly SecretEnvVar[] };
  readonly trivy: { readonly enabled: boolean };
  readonly nginx: HarborHa & { readonly resources: ContainerResources };
  readonly portal: HarborHa & { readonly resources: ContainerResources };
  readonly core: HarborHa & {
    readonly resources: ContainerResources;
    /** Secret with key `secret`. */
    readonly existingSecret: string;
    readonly existingXsrfSecret: string;
    readonly existingXsrfSecretKey: string;
    /** Secret with key `tls.key`, the token service's private key. */
    readonly secretName: string;
    readonly extraEnvVars: readonly SecretEnvVar[];
  };
  readonly jobservice: HarborHa & {
    readonly resources: ContainerResources;
    readonly existingSecret: string;
    readonly existingSecretKey: string;
    /** Job logs in the database: nothing on a per-pod volume, any replica shows any log. */
    readonly jobLoggers: readonly ('database' | 'file' | 'stdout')[];
    readonly extraEnvVars: readonly SecretEnvVar[];
  };
  readonly registry: HarborHa & {
    readonly existingSecret: string;
    readonly existingSecretKey: string;
    /** Keys `REGISTRY_PASSWD` and `REGISTRY_HTPASSWD` of `existingSecret`. */
    readonly credentials: { readonly username: string; readonly existingSecret: string };
    /** The registry container (the chart reads `registry.registry.resources`, not `registry.resources`). */
    readonly registry: { readonly resources: ContainerResources; readonly extraEnvVars: readonly SecretEnvVar[] };
    /** The registryctl container. */
    readonly controller: { readonly resources: ContainerResources };
  };
  readonly database: {
    readonly type: 'external';
    readonly external: {
      readonly host: string;
      readonly port: string;
      readonly username: string;
      readonly coreDatabase: string;
      /** Secret with key `password`. */
      readonly existingSecret: string;
      readonly sslmode: 'disable' | 'require' | 'verify-ca' | 'verify-full';
    };
  };
  readonly redis: {
    readonly type: 'external';
    readonly external: {
      readonly addr: string;
      readonly coreDatabaseIndex: string;
      readonly jobserviceDatabaseIndex: string;
      readonly registryDatabaseIndex: string;
      /**
       * Secret with key `REDIS_PASSWORD`. The chart reads it only through Helm's `lookup` (which
       * renders nothing here); set, it keeps the password out of the harbor-registry Secret the
       * chart renders. The components get their URLs and password from harbor-env.
       */
      readonly existingSecret: string;
    };
  };
}

/** Two replicas on two nodes, at most one down at a time by choice. */
export const HARBOR_HA: HarborHa = {
  replicas: 2,
  podDisruptionBudget: { enabled: true, minAvailable: 1 },
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor' }],
};

/**
 * Requests and memory limits of Harbor's containers, sized for a small on-prem registry: the
 * scheduler reserves the requests, the limit stops a leak from taking the node down. No CPU
 * limits: they only throttle.
 */
export const HARBOR_RESOURCES = {
  nginx: { requests: { cpu: '20m', memory: '32Mi' }, limits: { memory: '256Mi' } },
  portal: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
  core: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
  jobservice: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
  registry: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
  registryctl: { requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '256Mi' } },
  exporter: { requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '256Mi' } },
} as const satisfies Record<string, ContainerResources>;

/**
 * Why Harbor's Go components keep a writable root: each image's entrypoint runs install_cert.sh
 * (goharbor/harbor make/photon/common), which copies the CA bundle to $HOME and rewrites
 * /etc/pki/tls/certs/ca-bundle.crt at every start under `set -e`; the chart (1.19.1) sets one
 * security context for every container and has no value to mount a writable volume there.
 */
const HARBOR_CA_BUNDLE_WRITE = 'the goharbor image\'s entrypoint runs install_cert.sh, which rewrites /etc/pki/tls/certs/ca-bundle.crt and writes $HOME at every start (set -e: it fails on a read-only root), and the harbor chart 1.19.1 has no value to mount a writable volume there';
/** Why Harbor's nginx-based components keep a writable root. */
const HARBOR_NGINX_WRITE = 'nginx writes its pid and request buffers under /tmp (the chart\'s nginx.conf) and the harbor chart 1.19.1 mounts no volume there and has no value to add one';

/** HA declarations of the chart's Deployments (harbor chart v1.19.1: `harbor-<component>`); the rendered specs speak for the rest. */
export function harborHa(): RenderedWorkloadHa[] {
  return [
    ...(['core', 'jobservice', 'registry', 'exporter'] as const).map((c): RenderedWorkloadHa => ({ kind: 'Deployment', name: `harbor-${c}`, exempt: { 'ha/read-only-root': HARBOR_CA_BUNDLE_WRITE } })),
    ...(['nginx', 'portal'] as const).map((c): RenderedWorkloadHa => ({ kind: 'Deployment', name: `harbor-${c}`, exempt: { 'ha/read-only-root': HARBOR_NGINX_WRITE } })),
  ];
}

/** The keys of the `harbor-secrets` Secret, each with the Bitwarden reference it comes from. */
export function harborSecretData(site: Site): Record<string, string> {
  const h = site.harbor;
  return {
    // Key names are the chart's: fixed ones (secret, secretKey, password, REGISTRY_*, tls.key)
    // and the defaults of the configurable ones (*Key values below).
    HARBOR_ADMIN_PASSWORD: h.adminPassword,
    secretKey: h.secretKey,
    secret: h.coreSecret,
    CSRF_KEY: h.csrfKey,
    'tls.key': h.tokenKey,
    JOBSERVICE_SECRET: h.jobserviceSecret,
    REGISTRY_HTTP_SECRET: h.registryHttpSecret,
    REGISTRY_PASSWD: bitwardenPart(h.registryCredentials, 'password'),
    REGISTRY_HTPASSWD: bitwardenPart(h.registryCredentials, 'notes'),
    password: h.databasePassword,
  };
}

/**
 * Harbor's LDAP settings, applied by Harbor core from `CONFIG_OVERWRITE_JSON` at every start
 * (and then read-only in the UI). Names from goharbor/harbor src/common/const.go; UCS attributes
 * as Argo CD's Dex uses them. The search password is not here: `harborEnvTemplates` adds it.
 */
export function harborLdapSettings(site: Site): Record<string, string | number | boolean> {
  const map = ldapMapping(site);
  return {
    auth_mode: 'ldap_auth',
    // Harbor takes one LDAP URL (no failover list): the primary directory node. It verifies the
    // certificate against its trust store, which holds the directory's CA (caBundleSecretName).
    ldap_url: ldapUrls(site)[0],
    ldap_verify_cert: true,
    ldap_search_dn: site.ldap.bindDn,
    ldap_base_dn: site.ldap.usersDn,
    ldap_filter: map.userFilter,
    ldap_uid: map.userLoginAttribute,
    ldap_scope: 2,
    ldap_group_base_dn: site.ldap.groupsDn,
    ldap_group_search_filter: map.groupFilter,
    ldap_group_attribute_name: map.groupNameAttribute,
    ldap_group_search_scope: 2,
    // Members of this group are Harbor system administrators.
    ldap_group_admin_dn: site.ldap.adminGroup,
    // UCS keeps a user's groups in memberOf (its memberOf overlay).
    ldap_group_membership_attribute: 'memberOf',
  };
}

/** The keys of `harbor-env` that come from Bitwarden (template variables). */
export function harborEnvData(site: Site): Record<string, string> {
  return { ldapSearchPassword: site.ldap.bindPassword, redisPassword: site.harbor.redisPassword };
}

/**
 * The templated keys of `harbor-env` (External Secrets template v2): Harbor reads its LDAP
 * settings and its redis URLs whole, so the secrets in them are filled in by External Secrets,
 * never by Helm. The chart builds redis URLs with a password only through Helm's `lookup`,
 * which Argo CD does not run; these variables override the chart's password-less ones.
 */
export function harborEnvTemplates(site: Site): Record<string, string> {
  const settings = harborLdapSettings(site);
  const json = JSON.stringify(Object.fromEntries(Object.keys(settings).sort().map((k) => [k, settings[k]])));
  const redis = dbaasEndpoint(site, 'redis');
  const url = (db: number, idle: boolean) => `redis://:{{ .redisPassword | urlquery }}@${redis.host}:${redis.port}/${db}${idle ? '?idle_timeout_seconds=30' : ''}`;
  return {
    CONFIG_OVERWRITE_JSON: `${json.slice(0, -1)},"ldap_search_password":{{ .ldapSearchPassword | toJson }}}`,
    // The URLs the chart would render (templates/_helpers.tpl), with the password.
    _REDIS_URL_CORE: url(HARBOR_REDIS_DATABASES.core, true),
    _REDIS_URL_REG: url(HARBOR_REDIS_DATABASES.registry, true),
    // Job service: its worker pool's redis (src/jobservice/config/config.go).
    JOB_SERVICE_POOL_REDIS_URL: url(HARBOR_REDIS_DATABASES.jobservice, false),
    // Registry (distribution): overrides redis.password of its config.yml.
    REGISTRY_REDIS_PASSWORD: '{{ .redisPassword }}',
    // The key the chart's redis.external.existingSecret names.
    REDIS_PASSWORD: '{{ .redisPassword }}',
  };
}

function fromEnvSecret(...names: string[]): SecretEnvVar[] {
  return names.map((name) => ({ name, valueFrom: { secretKeyRef: { name: HARBOR_ENV, key: name } } }));
}

export function harborValues(site: Site): HarborValues {
  const db = dbaasEndpoint(site, 'postgresql');
  const redis = dbaasEndpoint(site, 'redis');
  const s3 = site.harbor.s3;
  return {
    // TLS ends at the OPNsense HAProxy; nginx serves plain HTTP behind the shared gateway.
    expose: { type: 'clusterIP', tls: { enabled: false }, clusterIP: { name: HARBOR_SERVICE.name, ports: { httpPort: HARBOR_SERVICE.port } } },
    externalURL: `https://${HARBOR_SUBDOMAIN}.${site.domain}`,
    persistence: {
      enabled: true,
      resourcePolicy: 'keep',
      // Both registry replicas mount the same volume: Longhorn RWX (an NFS share Longhorn
      // serves; the nodes need an NFS client). Unused when images live in S3.
      persistentVolumeClaim: { registry: { storageClass: 'longhorn', accessMode: 'ReadWriteMany', size: site.harbor.storageSize } },
      imageChartStorage: s3
        ? {
          type: 's3',
          // S3-compatible stores other than AWS often cannot serve redirects.
          disableredirect: s3.endpoint !== undefined,
          s3: { region: s3.region, bucket: s3.bucket, ...(s3.endpoint ? { regionendpoint: s3.endpoint } : {}), existingSecret: HARBOR_S3_SECRET },
        }
        : { type: 'filesystem' },
    },
    // Read once, when Harbor initialises its database; change it in Harbor afterwards.
    caBundleSecretName: LDAP_CA_SECRET.name,
    existingSecretAdminPassword: HARBOR_SECRETS,
    existingSecretAdminPasswordKey: 'HARBOR_ADMIN_PASSWORD',
    existingSecretSecretKey: HARBOR_SECRETS,
    metrics: { enabled: true },
    exporter: {
      ...HARBOR_HA,
      resources: HARBOR_RESOURCES.exporter,
      // The chart builds the exporter's redis URL without the password (Argo CD runs no lookup):
      // the job service's full URL from harbor-env replaces it.
      extraEnvVars: [{ name: 'HARBOR_REDIS_URL', valueFrom: { secretKeyRef: { name: HARBOR_ENV, key: 'JOB_SERVICE_POOL_REDIS_URL' } } }],
    },
    // Image scanning stays off to keep Harbor small; turn it on with its own redis database (5).
    trivy: { enabled: false },
    nginx: { ...HARBOR_HA, resources: HARBOR_RESOURCES.nginx },
    portal: { ...HARBOR_HA, resources: HARBOR_RESOURCES.portal },
    core: {
      ...HARBOR_HA,
      resources: HARBOR_RESOURCES.core,
      // Fixed keys from Bitwarden: without them the chart generates new ones at every render
      // (Argo CD cannot run Helm's lookup), restarting Harbor and invalidating sessions.
      existingSecret: HARBOR_SECRETS,
      existingXsrfSecret: HARBOR_SECRETS,
      existingXsrfSecretKey: 'CSRF_KEY',
      secretName: HARBOR_SECRETS,
      extraEnvVars: fromEnvSecret('CONFIG_OVERWRITE_JSON', '_REDIS_URL_CORE', '_REDIS_URL_REG'),
    },
    jobservice: {
      ...HARBOR_HA,
      resources: HARBOR_RESOURCES.jobservice,
      existingSecret: HARBOR_SECRETS,
      existingSecretKey: 'JOBSERVICE_SECRET',
      jobLoggers: ['database'],
      extraEnvVars: fromEnvSecret('JOB_SERVICE_POOL_REDIS_URL'),
    },
    registry: {
      ...HARBOR_HA,
      existingSecret: HARBOR_SECRETS,
      existingSecretKey: 'REGISTRY_HTTP_SECRET',
      credentials: { username: HARBOR_REGISTRY_USER, existingSecret: HARBOR_SECRETS },
      registry: { resources: HARBOR_RESOURCES.registry, extraEnvVars: fromEnvSecret('REGISTRY_REDIS_PASSWORD') },
      controller: { resources: HARBOR_RESOURCES.registryctl },
    },
    database: {
      type: 'external',
      external: {
        host: db.host,
        port: String(db.port),
        username: HARBOR_DATABASE.user,
        coreDatabase: HARBOR_DATABASE.database,
        existingSecret: HARBOR_SECRETS,
        // The chart's default; the DBaaS sits on the site network. Raise it when the DBaaS serves TLS.
        sslmode: 'disable',
      },
    },
    redis: {
      type: 'external',
      external: {
        addr: `${redis.host}:${redis.port}`,
        coreDatabaseIndex: String(HARBOR_REDIS_DATABASES.core),
        jobserviceDatabaseIndex: String(HARBOR_REDIS_DATABASES.jobservice),
        registryDatabaseIndex: String(HARBOR_REDIS_DATABASES.registry),
        existingSecret: HARBOR_ENV,
      },
    },
  };
}

/** Harbor's UI and registry API, `registry.<domain>` (the nodes' mirror endpoint too). */
export const HARBOR_UI: LayerUi = { subdomain: HARBOR_SUBDOMAIN, what: 'Harbor' };
/** Harbor's databases on the DBaaS: its PostgreSQL database and its redis databases (`HARBOR_REDIS_DATABASES`). */
export const HARBOR_DBS: Readonly<Record<'postgresql' | keyof typeof HARBOR_REDIS_DATABASES, LayerDatabase>> = {
  postgresql: { engine: 'postgresql', database: HARBOR_DATABASE.database },
  core: { engine: 'redis', database: String(HARBOR_REDIS_DATABASES.core) },
  jobservice: { engine: 'redis', database: String(HARBOR_REDIS_DATABASES.jobservice) },
  registry: { engine: 'redis', database: String(HARBOR_REDIS_DATABASES.registry) },
};
/** What the harbor layer (component harbor) takes for itself, for the site and app rules (`LAYER_NEEDS`): its UI's host and its databases. */
export const HARBOR_NEEDS: LayerNeeds = { layer: 'harbor', component: 'harbor', uis: [HARBOR_UI], databases: Object.values(HARBOR_DBS) };

/**
 * Harbor, the container registry: nginx, portal, core, job service and registry with two
 * replicas each on two nodes, PostgreSQL and redis from the DBaaS, images on a Longhorn RWX
 * volume (or S3), login against the UCS directory with the admin group as Harbor
 * administrators, every key from Bitwarden, the UI and registry at `registry.<domain>`, and the
 * mirrors the k3s nodes pull docker.io, ghcr.io and quay.io through.
 */
export function harborLayer(scope: Construct, ctx: PlatformContext): Layer {
  const { site } = ctx;
  const s3 = site.harbor.s3;
  const layer = new Layer(scope, {
    name: 'harbor',
    description: 'Harbor container registry (HA), LDAP (UCS) login, DBaaS PostgreSQL and redis',
    namespace: HARBOR_NAMESPACE,
    // Longhorn only for the registry volume; with S3 nothing of Longhorn is used.
    dependsOn: ['gateway', 'secrets', ...(s3 ? [] : ['longhorn'])],
  });
  // Prometheus scrapes it from the monitoring namespace (the monitoring layer renders the monitor).
  Inventory.of(layer).addScrapeTarget({ name: 'harbor', layer: layer.layerName, namespace: HARBOR_NAMESPACE, selector: { app: 'harbor' }, port: 'http-metrics' });
  new PlatformNamespace(layer, 'namespace', { name: HARBOR_NAMESPACE });

  const secrets = new BitwardenSecret(layer, 'secrets', { name: HARBOR_SECRETS, namespace: HARBOR_NAMESPACE, data: harborSecretData(site) });
  const env = new BitwardenSecret(layer, 'env', {
    name: HARBOR_ENV,
    namespace: HARBOR_NAMESPACE,
    data: harborEnvData(site),
    plainData: harborEnvTemplates(site),
  });
  const ldapCa = new LdapCaSecret(layer, 'ldap-ca', { namespace: HARBOR_NAMESPACE, caCertificate: site.ldap.caCertificate });
  const harbor = new HelmComponent(layer, 'harbor', {
    name: 'harbor',
    chart: pinned(ctx, HARBOR_CHART),
    namespace: HARBOR_NAMESPACE,
    values: harborValues(site),
    ha: harborHa(),
  });
  // Harbor's pods start with these Secrets mounted: they must exist first.
  layer.addOrder(harbor, secrets);
  layer.addOrder(harbor, env);
  layer.addOrder(harbor, ldapCa);
  if (s3) {
    const s3Secret = new BitwardenSecret(layer, 's3', {
      name: HARBOR_S3_SECRET,
      namespace: HARBOR_NAMESPACE,
      data: { REGISTRY_STORAGE_S3_ACCESSKEY: bitwardenPart(s3.credentials, 'username'), REGISTRY_STORAGE_S3_SECRETKEY: bitwardenPart(s3.credentials, 'password') },
    });
    layer.addOrder(harbor, s3Secret);
  }

  const ui = new PublishedUi(layer, 'ui', {
    name: HARBOR_UI.subdomain,
    namespace: HARBOR_NAMESPACE,
    serviceName: HARBOR_SERVICE.name,
    servicePort: HARBOR_SERVICE.port,
    description: 'Harbor: container registry (UI, docker and OCI API)',
    requestTimeout: HARBOR_REQUEST_TIMEOUT,
  });

  const inventory = Inventory.of(layer);
  for (const registry of PROXY_CACHE_REGISTRIES) {
    inventory.addRegistryMirror({ registry, endpoint: `https://${ui.host}`, rewrite: { '^(.*)$': `${proxyCacheProject(registry)}/$1` }, layer: layer.layerName });
  }
  inventory.addDirectoryUse(site.ldap, 'harbor', { failover: false, ca: { namespace: HARBOR_NAMESPACE, ...LDAP_CA_SECRET } }, { admins: true, memberOf: true });
  inventory.addDatabase({
    ...HARBOR_DBS.postgresql, user: HARBOR_DATABASE.user, passwordRef: site.harbor.databasePassword, usedBy: 'harbor',
    purpose: 'Harbor: projects, users, artifacts metadata, job logs',
  });
  const redisUses: Record<keyof typeof HARBOR_REDIS_DATABASES, string> = {
    core: 'Harbor core: sessions and cache (must be database 0)',
    jobservice: 'Harbor job service: job queue',
    registry: 'Harbor registry: layer metadata cache',
  };
  for (const component of Object.keys(HARBOR_REDIS_DATABASES) as (keyof typeof HARBOR_REDIS_DATABASES)[]) {
    inventory.addDatabase({ ...HARBOR_DBS[component], user: 'default', passwordRef: site.harbor.redisPassword, usedBy: 'harbor', purpose: redisUses[component] });
  }

  new TextFile(layer, 'doc', { path: 'docs/harbor.md', content: harborDoc(site) });
  return layer;
}
