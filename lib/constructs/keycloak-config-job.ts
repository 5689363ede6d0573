import { createHash } from 'crypto';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { RESTRICTED_CONTAINER } from './container';

/**
 * keycloak-config-cli (https://github.com/adorsys/keycloak-config-cli, README and docs/MANAGED.md
 * of the pinned release) as a Job: it logs in to Keycloak's admin API and makes one realm match a
 * realm file, creating what is missing and updating what differs (clients and their redirect URIs,
 * protocol mappers, user-federation components matched by provider type and name, so their ids and
 * the users linked to them stay). `$(env:NAME)` in the file is replaced by environment variable
 * NAME before the file is parsed (`import.var-substitution.enabled`).
 */

/** A key of a Secret in the Job's namespace. */
export interface JobSecretKey {
  readonly name: string;
  readonly key: string;
}

/** What keycloak-config-cli may delete, per kind of resource (`import.managed.<kind>`). */
export type ManagedMode = 'full' | 'no-delete';

export interface KeycloakConfigJobProps {
  /** Namespace of the Job, its ConfigMap and the Secrets it reads. */
  readonly namespace: string;
  /** The name prefix: the Job and its ConfigMap are `<prefix>-<hash>`. */
  readonly prefix: string;
  /** The image, pinned by tag (`docker.io/adorsys/keycloak-config-cli:6.5.0-26.0.5`). */
  readonly image: string;
  /** Keycloak's base URL as the Job reaches it (the in-cluster Service). */
  readonly keycloakUrl: string;
  /** The admin login (realm `master`, client `admin-cli`, password grant): the Secret's username and password keys. */
  readonly admin: { readonly username: JobSecretKey; readonly password: JobSecretKey };
  /** The realm file's name in the ConfigMap (`platform.json`). */
  readonly fileName: string;
  /** The realm file (a RealmRepresentation as JSON), with `$(env:NAME)` where a secret goes. */
  readonly realmFile: string;
  /** Each `$(env:NAME)` of the file: the Secret key NAME is read from. */
  readonly secretEnv: Readonly<Record<string, JobSecretKey>>;
  /** `import.managed.<kind>` settings, by kind (`component`, `sub-component`, `group`, `client`). */
  readonly managed: Readonly<Record<string, ManagedMode>>;
}

/** The image's user (its Dockerfile: `USER 65534`). */
export const KEYCLOAK_CONFIG_CLI_UID = 65534;
/** Labels of the Job's pods. */
export const KEYCLOAK_CONFIG_CLI_LABELS = { 'app.kubernetes.io/name': 'keycloak-config-cli' } as const;
/** Where the ConfigMap's realm file is mounted; `import.files.locations` reads every file there. */
const CONFIG_DIR = '/config';

/** `IMPORT_MANAGED_SUBCOMPONENT` for `sub-component`: Spring's relaxed binding of `import.managed.sub-component`. */
export function managedEnvName(kind: string): string {
  return `IMPORT_MANAGED_${kind.replace(/-/g, '').toUpperCase()}`;
}

/** Every `NAME` of a `$(env:NAME)` in `text`, sorted, once each. */
export function envPlaceholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\(env:([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1]))].sort();
}

/** The Job's spec (template and retries) with its realm file in ConfigMap `configMap`. */
export function keycloakConfigJobSpec(props: KeycloakConfigJobProps, configMap: string): Record<string, unknown> {
  const fromSecret = (name: string, ref: JobSecretKey) => ({ name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } });
  const env = [
    { name: 'KEYCLOAK_URL', value: props.keycloakUrl },
    fromSecret('KEYCLOAK_USER', props.admin.username),
    fromSecret('KEYCLOAK_PASSWORD', props.admin.password),
    // Wait for Keycloak (a first install starts it in the same sync) instead of failing at once.
    { name: 'KEYCLOAK_AVAILABILITYCHECK_ENABLED', value: 'true' },
    { name: 'KEYCLOAK_AVAILABILITYCHECK_TIMEOUT', value: '300s' },
    { name: 'IMPORT_FILES_LOCATIONS', value: `file:${CONFIG_DIR}/*` },
    { name: 'IMPORT_VARSUBSTITUTION_ENABLED', value: 'true' },
    // The deletes of `full` touch only what keycloak-config-cli itself created (its state in the realm's attributes).
    { name: 'IMPORT_REMOTESTATE_ENABLED', value: 'true' },
    ...Object.entries(props.managed).sort(([a], [b]) => a.localeCompare(b)).map(([kind, mode]) => ({ name: managedEnvName(kind), value: mode })),
    // The JVM's heap from the container's memory limit (its default is a quarter of it).
    { name: 'JAVA_OPTS', value: '-XX:MaxRAMPercentage=75' },
    ...Object.entries(props.secretEnv).sort(([a], [b]) => a.localeCompare(b)).map(([name, ref]) => fromSecret(name, ref)),
  ];
  return {
    // Retried with the Job controller's backoff (10 s doubling): a Keycloak still starting, a
    // realm import still running on a first install.
    backoffLimit: 6,
    template: {
      metadata: { labels: { ...KEYCLOAK_CONFIG_CLI_LABELS } },
      spec: {
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: KEYCLOAK_CONFIG_CLI_UID, runAsGroup: KEYCLOAK_CONFIG_CLI_UID, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{
          name: 'keycloak-config-cli',
          image: props.image,
          env,
          resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
          securityContext: { ...RESTRICTED_CONTAINER },
          volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
        }],
        volumes: [{ name: 'config', configMap: { name: configMap } }, { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
      },
    },
  };
}

/**
 * Ten hex digits of the SHA-256 of everything the Job runs: the realm file and the Job's spec. A
 * Job's pod template cannot be changed once created, so any change is a new Job under a new name,
 * and the same render gives the same name (Argo CD leaves a finished Job alone and prunes the old one).
 */
export function keycloakConfigHash(props: KeycloakConfigJobProps): string {
  const input = JSON.stringify({ file: props.fileName, realm: props.realmFile, job: keycloakConfigJobSpec(props, '') });
  return createHash('sha256').update(input).digest('hex').slice(0, 10);
}

/**
 * keycloak-config-cli applying one realm file: a ConfigMap with the file and a Job, both named
 * `<prefix>-<hash of what runs>`. The Job runs when the rendered realm (or the Job) changes and
 * never otherwise: it has no TTL (Argo CD would create a deleted Job again, which would run it
 * again) and is no sync hook (hooks run at every sync). Every secret reaches it as an environment
 * variable from a Secret; the file holds only `$(env:NAME)`.
 */
export class KeycloakConfigJob extends Construct {
  /** `<prefix>-<hash>`: the Job's and the ConfigMap's name. */
  public readonly name: string;
  public readonly job: ApiObject;
  public readonly configMap: ApiObject;

  constructor(scope: Construct, id: string, props: KeycloakConfigJobProps) {
    super(scope, id);
    const missing = envPlaceholders(props.realmFile).filter((n) => !props.secretEnv[n]);
    if (missing.length) throw new Error(`the realm file reads ${missing.map((n) => `$(env:${n})`).join(', ')}, which no secretEnv entry fills: give each a Secret key (keycloak-config-cli would stop on an undefined variable)`);
    this.name = `${props.prefix}-${keycloakConfigHash(props)}`;
    this.configMap = new ApiObject(this, 'config', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: this.name, namespace: props.namespace, labels: { ...KEYCLOAK_CONFIG_CLI_LABELS } },
      // One ConfigMap per realm file: never changed under a Job that may still be retrying.
      immutable: true,
      data: { [props.fileName]: props.realmFile },
    });
    this.job = new ApiObject(this, 'job', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: this.name, namespace: props.namespace, labels: { ...KEYCLOAK_CONFIG_CLI_LABELS } },
      spec: keycloakConfigJobSpec(props, this.name),
    });
  }
}
