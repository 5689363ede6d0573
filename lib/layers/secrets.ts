import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  IntOrString, KubeDeployment, KubeNetworkPolicy, KubePodDisruptionBudget, KubeService, Quantity,
} from 'cdk8s-plus-25/lib/imports/k8s';
import { BITWARDEN_STORES } from '../constructs/bitwarden-secret';
import { HelmComponent } from '../constructs/helm-component';
import { declareFacts } from '../facts/declare';
import { HOSTNAME_SPREAD, HostnameSpread } from '../ha/workloads';
import { pinned } from '../context';
import type { PlatformContext } from '../context';
import { PlatformNamespace } from '../constructs/platform-namespace';
import { Layer } from '../layer';
import { Inventory } from '../inventory';
import type { ChartPin } from '../versions';
import { externalSecretsCrdTemplates } from '../vendor/vendor-command';

/** External Secrets Operator: Secrets from Bitwarden. */
export const EXTERNAL_SECRETS_CHART: ChartPin = {
  name: 'external-secrets',
  kind: 'chart',
  repo: 'https://charts.external-secrets.io',
  chart: 'external-secrets',
  version: '2.9.0',
  source: {
    repository: 'https://github.com/external-secrets/external-secrets',
    path: 'deploy/charts/external-secrets',
    tag: 'helm-chart-{version}',
    // The published chart's templates/crds/ is made at release time (make helm.generate).
    generate: (ctx) => ({ how: 'hack/helm.generate.sh deploy/crds deploy/charts/external-secrets (make helm.generate), reimplemented in lib/vendor/vendor-command.ts', files: externalSecretsCrdTemplates(ctx.readRepoFile('deploy/crds/bundle.yaml')) }),
  },
};

export const ESO_NAMESPACE = 'external-secrets';
export const BITWARDEN_NAMESPACE = 'bitwarden';
/** Secret created by hand once per cluster: the API key and master password `bw serve` unlocks with. */
export const BITWARDEN_BOOTSTRAP_SECRET = 'bitwarden-cli-bootstrap';
const BW_PORT = 8087;
/** The unprivileged user bw runs as (the image declares none), and its home on an emptyDir. */
const BW_UID = 10001;
const BW_HOME = '/home/bw';
/** How often each replica pulls the vault from the Bitwarden server. */
export const BW_SYNC_SECONDS = 120;

/**
 * The container's command: the image's entrypoint (log in with the API key, unlock, `bw serve`)
 * with a loop beside it that syncs the vault every BW_SYNC_SECONDS. A failed sync (the server is
 * down) is logged and retried; it never stops the container, so secrets stay readable from the
 * last copy while the vault is away.
 */
export function bwServeScript(): string {
  return [
    `( while sleep ${BW_SYNC_SECONDS}; do`,
    `wget -q -O /dev/null --post-data='' http://127.0.0.1:${BW_PORT}/sync`,
    `|| echo "bw sync failed: the Bitwarden server is unreachable; serving the last copy of the vault" >&2;`,
    'done ) &',
    'exec /entrypoint.sh',
  ].join(' ');
}
const BW_LABELS = { 'app.kubernetes.io/name': 'bitwarden-cli', 'app.kubernetes.io/part-of': 'tsys-platform' };

/** CPU and memory requests and a memory limit of one container (chart `resources` keys). */
export interface EsoResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly memory: string };
}

/** Replicas, disruption budget, spread and resources of one external-secrets component (chart keys). */
export interface EsoComponentHa {
  readonly replicaCount: number;
  readonly podDisruptionBudget: { readonly enabled: boolean; readonly minAvailable: number };
  /** The chart adds the component's label selector to each constraint. */
  readonly topologySpreadConstraints: readonly HostnameSpread[];
  readonly resources: EsoResources;
}

/** The values of the external-secrets chart that the platform sets (a typed subset). */
export interface ExternalSecretsValues extends EsoComponentHa {
  readonly installCRDs: boolean;
  readonly leaderElect: boolean;
  /** The controller's probes (both served by its health server, `--live-addr`), off in the chart. */
  readonly livenessProbe: { readonly enabled: boolean };
  readonly readinessProbe: { readonly enabled: boolean };
  readonly webhook: EsoComponentHa & { readonly livenessProbe: { readonly enabled: boolean } };
  readonly certController: EsoComponentHa & { readonly livenessProbe: { readonly enabled: boolean } };
}

export function externalSecretsValues(): ExternalSecretsValues {
  // Two of each, on two nodes, never both evicted at once.
  const ha = { replicaCount: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 }, topologySpreadConstraints: [HOSTNAME_SPREAD] };
  const resources = (cpu: string, memory: string, memoryLimit: string): EsoResources => ({ requests: { cpu, memory }, limits: { memory: memoryLimit } });
  return {
    installCRDs: true,
    // Leader-elected: one reconciles, the other takes over when it goes.
    leaderElect: true,
    ...ha,
    // The controller caches the ExternalSecrets and the Secrets they own.
    resources: resources('50m', '128Mi', '512Mi'),
    // /healthz and /readyz answer on the standby too (a ping check each), so both replicas are ready.
    livenessProbe: { enabled: true },
    readinessProbe: { enabled: true },
    // The chart renders their readiness probes; their liveness probes (/healthz) are off by default.
    webhook: { ...ha, resources: resources('20m', '64Mi', '256Mi'), livenessProbe: { enabled: true } },
    certController: { ...ha, resources: resources('20m', '64Mi', '256Mi'), livenessProbe: { enabled: true } },
  };
}

/** The webhook provider spec of a ClusterSecretStore that reads one part of a vault item by exact name. */
function webhookStore(part: string) {
  const base = `http://bitwarden-cli.${BITWARDEN_NAMESPACE}.svc.cluster.local:${BW_PORT}`;
  return {
    webhook: {
      url: `${base}/list/object/items?search={{ .remoteRef.key }}`,
      method: 'GET',
      headers: { 'Content-Type': 'application/json' },
      result: { jsonPath: `$.data.data[?@.name=="{{ .remoteRef.key }}"].${part}` },
    },
  };
}

/**
 * Secrets from Bitwarden: External Secrets Operator (HA), `bw serve` inside the cluster (the
 * vault's REST API, reachable only from External Secrets), and ClusterSecretStores that read
 * items by name. Every other layer asks for secrets with `BitwardenSecret`.
 */
export function secretsLayer(scope: Construct, ctx: PlatformContext): Layer {
  const layer = new Layer(scope, {
    name: 'secrets',
    description: 'External Secrets Operator reading Bitwarden through bw serve',
    namespace: ESO_NAMESPACE,
  });
  new PlatformNamespace(layer, 'namespace', { name: ESO_NAMESPACE });
  // bw runs as a fixed non-root user with a read-only root: the restricted profile holds.
  new PlatformNamespace(layer, 'bitwarden-namespace', { name: BITWARDEN_NAMESPACE, podSecurity: 'restricted' });
  new HelmComponent(layer, 'external-secrets', {
    name: 'external-secrets',
    chart: pinned(ctx, EXTERNAL_SECRETS_CHART),
    namespace: ESO_NAMESPACE,
    values: externalSecretsValues(),
    providesApis: [{ group: 'external-secrets.io' }, { group: 'generators.external-secrets.io' }],
    // The admission webhook every ExternalSecret and SecretStore passes through when applied.
    controller: { kind: 'Deployment', name: 'external-secrets-webhook' },
  });

  const image = ctx.versions['bitwarden-cli'];
  const env = (name: string) => ({ name, valueFrom: { secretKeyRef: { name: BITWARDEN_BOOTSTRAP_SECRET, key: name } } });
  const bw = new KubeDeployment(layer, 'bitwarden-cli', {
    metadata: { name: 'bitwarden-cli', namespace: BITWARDEN_NAMESPACE, labels: BW_LABELS },
    spec: {
      // Each replica logs in and keeps its own copy of the vault; two keep secrets readable
      // while a node is down.
      replicas: 2,
      selector: { matchLabels: BW_LABELS },
      template: {
        metadata: { labels: BW_LABELS },
        spec: {
          // Kubernetes' default update (a surge pod first): the spread counts each revision on its own, so it has a worker beside an old pod while another is down.
          topologySpreadConstraints: [{ ...HOSTNAME_SPREAD, matchLabelKeys: [...HOSTNAME_SPREAD.matchLabelKeys], labelSelector: { matchLabels: BW_LABELS } }],
          automountServiceAccountToken: false,
          // The image declares no user: run bw as a fixed unprivileged one, its home (login,
          // vault cache) and /tmp on emptyDirs, the root filesystem read-only.
          securityContext: { runAsNonRoot: true, runAsUser: BW_UID, runAsGroup: BW_UID, fsGroup: BW_UID, seccompProfile: { type: 'RuntimeDefault' } },
          volumes: [{ name: 'home', emptyDir: { sizeLimit: Quantity.fromString('256Mi') } }, { name: 'tmp', emptyDir: { sizeLimit: Quantity.fromString('64Mi') } }],
          containers: [{
            name: 'bw-serve',
            image: `${image.name}:${image.version}`,
            command: ['/bin/bash', '-c', bwServeScript()],
            env: [
              { name: 'BW_HOST', value: ctx.site.bitwarden.server }, env('BW_CLIENTID'), env('BW_CLIENTSECRET'), env('BW_PASSWORD'),
              { name: 'HOME', value: BW_HOME }, { name: 'BITWARDENCLI_APPDATA_DIR', value: `${BW_HOME}/appdata` },
            ],
            ports: [{ name: 'http', containerPort: BW_PORT }],
            volumeMounts: [{ name: 'home', mountPath: BW_HOME }, { name: 'tmp', mountPath: '/tmp' }],
            startupProbe: { tcpSocket: { port: IntOrString.fromNumber(BW_PORT) }, periodSeconds: 5, failureThreshold: 30 },
            readinessProbe: { tcpSocket: { port: IntOrString.fromNumber(BW_PORT) }, periodSeconds: 10 },
            // /status answers from the local state (login, lock, last sync) without asking the
            // Bitwarden server: an unreachable vault does not restart the pods, which go on
            // serving the last copy (External Secrets keeps the Secrets it already wrote).
            livenessProbe: { httpGet: { path: '/status', port: IntOrString.fromString('http') }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
            resources: {
              requests: { cpu: Quantity.fromString('50m'), memory: Quantity.fromString('128Mi') },
              limits: { memory: Quantity.fromString('512Mi') },
            },
            securityContext: {
              allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' },
            },
          }],
        },
      },
    },
  });
  // The one Secret Bitwarden cannot supply (it unlocks Bitwarden): created by hand once per cluster (docs/operations.md).
  declareFacts(bw, { runtimeObjects: [{ kind: 'Secret', name: BITWARDEN_BOOTSTRAP_SECRET, namespace: BITWARDEN_NAMESPACE, because: 'created by hand once per cluster before the first sync (docs/operations.md, bootstrap): the API key and master password that unlock Bitwarden, so no ExternalSecret can make it' }] });
  new KubePodDisruptionBudget(layer, 'bitwarden-cli-pdb', {
    metadata: { name: 'bitwarden-cli', namespace: BITWARDEN_NAMESPACE },
    spec: { minAvailable: IntOrString.fromNumber(1), selector: { matchLabels: BW_LABELS } },
  });
  new KubeService(layer, 'bitwarden-cli-service', {
    metadata: { name: 'bitwarden-cli', namespace: BITWARDEN_NAMESPACE, labels: BW_LABELS },
    spec: { selector: BW_LABELS, ports: [{ name: 'http', port: BW_PORT, targetPort: IntOrString.fromString('http') }] },
  });
  // bw serve has no authentication: only External Secrets may reach it.
  new KubeNetworkPolicy(layer, 'bitwarden-cli-ingress', {
    metadata: { name: 'bitwarden-cli-from-external-secrets', namespace: BITWARDEN_NAMESPACE },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ESO_NAMESPACE } } }],
        ports: [{ protocol: 'TCP', port: IntOrString.fromNumber(BW_PORT) }],
      }],
    },
  });
  for (const [id, name, part] of [['login', BITWARDEN_STORES.login, 'login.{{ .remoteRef.property }}'], ['notes', BITWARDEN_STORES.notes, 'notes']] as const) {
    new ApiObject(layer, `store-${id}`, {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name },
      spec: { provider: webhookStore(part) },
    });
  }
  Inventory.of(layer).addOutsideUse({
    service: 'bitwarden',
    usedBy: 'secrets (bw serve for External Secrets)',
    purpose: 'every secret of the platform and the apps',
    whileDown: 'new and changed secrets do not reach the cluster; a bw serve pod that starts meanwhile cannot log in',
    mitigation: 'bw serve keeps serving its last copy of the vault (its liveness does not ask the server) and External Secrets keeps the Secrets it wrote, retrying every refresh',
  });
  return layer;
}
