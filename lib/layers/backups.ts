import { ApiObject } from 'cdk8s';
import { IntOrString, KubePodDisruptionBudget } from 'cdk8s-plus-25/lib/imports/k8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { Schedule } from '../../imports/velero.io';
import type { Site } from '../config/schema';
import { BitwardenSecret, bitwardenLogin } from '../constructs/bitwarden-secret';
import { GitComponent } from '../constructs/git-component';
import { HelmComponent } from '../constructs/helm-component';
import type { RenderedWorkloadHa } from '../constructs/upstream-objects';
import { PlatformNamespace } from '../constructs/platform-namespace';
import { pinned } from '../context';
import type { PlatformContext } from '../context';
import { EVICTION } from '../hosts/k3s-config';
import { readinessWindowStep, recovery, RecoveryEstimate, RecoveryStepName, stepSeconds } from '../ha/recovery';
import { RND_KEY, SERVER_TAINT } from '../hosts/node-labels';
import { Layer } from '../layer';
import { ContainerResources, RESTRICTED_CONTAINER } from '../constructs/container';
import type { ChartPin, Versions } from '../versions';
import { HA_ANNOTATIONS } from '../ha/annotations';
import { Inventory } from '../inventory';

/** Velero: cluster backups (chart 12.1.0 ships Velero v1.18.1). */
export const VELERO_CHART: ChartPin = {
  name: 'velero',
  kind: 'chart',
  repo: 'https://vmware-tanzu.github.io/helm-charts',
  chart: 'velero',
  version: '12.1.0',
  source: { repository: 'https://github.com/vmware-tanzu/helm-charts', path: 'charts/velero', tag: 'velero-{version}' },
};

export const VELERO_NAMESPACE = 'velero';
/** Namespace of the CSI snapshot controller (upstream's choice; it exists in every cluster). */
export const SNAPSHOT_CONTROLLER_NAMESPACE = 'kube-system';
/** Secret with Velero's S3 credentials file (AWS format, key `cloud`), templated from Bitwarden. */
export const VELERO_S3_SECRET = { name: 'velero-s3', key: 'cloud' } as const;
/** The one backup storage location. */
export const VELERO_LOCATION = 'default';
/** Longhorn's CSI driver. */
export const LONGHORN_CSI_DRIVER = 'driver.longhorn.io';
/** The VolumeSnapshotClass Velero takes CSI snapshots of Longhorn volumes with. */
export const LONGHORN_SNAPSHOT_CLASS = 'longhorn-snapshot';
/** Label that makes Velero pick a VolumeSnapshotClass for its driver. */
export const VELERO_SNAPSHOT_CLASS_LABEL = 'velero.io/csi-volumesnapshot-class';

/** The singleton and host-agent annotations the HA checker reads (one definition: lib/ha/annotations.ts). */
export { HA_ANNOTATIONS };

/** Why Velero runs one server (on its Deployment in the cluster and in the HA declaration). */
const VELERO_SINGLETON = 'Velero runs one server by design (its controllers do not elect a leader); a restart only delays the next scheduled backup';
const NODE_AGENT_SYSTEM = 'Velero node agent: moves CSI snapshot data of the pods on its node; one per node by design';

/** The server's readiness probe (velero chart 12.1.0 values.yaml, rendered while metrics are on), which the platform keeps. */
export const VELERO_READINESS = { initialDelaySeconds: 10, periodSeconds: 30, failureThreshold: 5 } as const;

/**
 * How long the singleton server is away when its node dies, step by step, from the recovery model
 * (lib/ha/recovery.ts); the node-failure simulation computes the same figure from the rendered
 * values. It has no volume and no toleration of its own, so the API server's default applies, and
 * no startup probe: the chart's readiness window (initial delay + failures x period) is its start-up.
 */
export const VELERO_RECOVERY: RecoveryEstimate = recovery({
  tolerationSeconds: EVICTION.tolerationSeconds,
  startup: readinessWindowStep(VELERO_READINESS),
});

/** Worst case from a node failure until Velero is ready on another node (212 s with the shipped settings). */
export const VELERO_RECOVERY_SECONDS = VELERO_RECOVERY.totalSeconds;

const veleroStep = (step: RecoveryStepName) => stepSeconds(VELERO_RECOVERY, step);

/**
 * Velero's own recovery budget, above the site's 90 s: the chart's readiness window alone is
 * longer, and nothing serving waits on Velero. A schedule whose time passes while the server is
 * away is run when it is back (the schedule controller runs a due backup at once).
 */
export const VELERO_RECOVERY_BUDGET = {
  seconds: 240,
  reason: `backups only, not on any serving path: a schedule due while it moves runs when it is back; ${veleroStep('eviction')} s eviction + ${veleroStep('image pull')} s image pull + the chart's ${veleroStep('start-up')} s readiness window`,
} as const;

/**
 * HA declarations of the server Deployment and the node-agent DaemonSet, as the chart renders them
 * (velero chart 12.1.0: templates/deployment.yaml, node-agent-daemonset.yaml).
 */
export function veleroHa(): RenderedWorkloadHa[] {
  return [
    // templates/deployment.yaml renders replicas: 1 and has no value for it.
    { kind: 'Deployment', name: 'velero', singleton: VELERO_SINGLETON, recoveryBudget: VELERO_RECOVERY_BUDGET },
    {
      kind: 'DaemonSet',
      name: 'node-agent',
      systemComponent: NODE_AGENT_SYSTEM,
      exempt: { 'ha/probes': 'templates/node-agent-daemonset.yaml renders no probe and reads no value for one (the server\'s livenessProbe and readinessProbe values are its own), and the node agent serves only metrics' },
    },
  ];
}

/** Velero's images run as the `cnb` user of their Paketo base (jammy-tiny run image: uid 1002, gid 1000, home /home/cnb). */
export const VELERO_USER = { uid: 1002, gid: 1000, home: '/home/cnb' } as const;

/** Sizes for a small on-prem cluster. */
export const VELERO_RESOURCES = {
  /** The server: controllers, backup and restore item processing (data moves happen in the node agents). */
  server: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
  /** The plugin's init container: one `cp`. */
  plugin: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
  /** A node agent: kopia uploads of the snapshot data of its node's pods. */
  nodeAgent: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
  snapshotController: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
} as const satisfies Record<string, ContainerResources>;


/** The CSI snapshot controller's Deployment and pod labels (external-snapshotter deploy/kubernetes/snapshot-controller). */
export const SNAPSHOT_CONTROLLER = 'snapshot-controller';
const SNAPSHOT_CONTROLLER_LABELS = { 'app.kubernetes.io/name': SNAPSHOT_CONTROLLER } as const;

/**
 * Required anti-affinity of the two snapshot controllers on the hostname. Upstream runs 2
 * leader-elected replicas with nothing keeping them apart; this layer adds it with a kustomize
 * patch, so one node's loss never takes both.
 */
export const SNAPSHOT_CONTROLLER_AFFINITY = {
  podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { ...SNAPSHOT_CONTROLLER_LABELS } }, topologyKey: 'kubernetes.io/hostname' }] },
} as const;

/** Port of the snapshot controller's diagnostics server (`--http-endpoint`): metrics and the leader-election health check. */
export const SNAPSHOT_CONTROLLER_HTTP_PORT = 8080;
/** distroless/static's nonroot user (the upstream image declares none, so it would run as root). */
const DISTROLESS_NONROOT = 65532;

/**
 * The strategic-merge patch of the upstream Deployment, which has only the image and two flags:
 * the anti-affinity, the diagnostics endpoint and probes on its leader-election health check
 * (`/healthz/leader-election`: healthy on the standby, and on the leader while it renews its
 * lease), requests and limits, and the restricted security context.
 */
export function snapshotControllerPatch(): string {
  const probe = { httpGet: { path: '/healthz/leader-election', port: 'http' }, periodSeconds: 10, timeoutSeconds: 5 };
  return stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: SNAPSHOT_CONTROLLER, namespace: SNAPSHOT_CONTROLLER_NAMESPACE },
    spec: {
      template: {
        spec: {
          affinity: SNAPSHOT_CONTROLLER_AFFINITY,
          securityContext: { runAsNonRoot: true, runAsUser: DISTROLESS_NONROOT, runAsGroup: DISTROLESS_NONROOT, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: SNAPSHOT_CONTROLLER,
            // Upstream's two flags, and the diagnostics endpoint the probes use (a list replaces the upstream one).
            args: ['--v=5', '--leader-election=true', `--http-endpoint=:${SNAPSHOT_CONTROLLER_HTTP_PORT}`],
            ports: [{ name: 'http', containerPort: SNAPSHOT_CONTROLLER_HTTP_PORT }],
            readinessProbe: { ...probe, failureThreshold: 3 },
            livenessProbe: { ...probe, failureThreshold: 6 },
            resources: VELERO_RESOURCES.snapshotController,
            securityContext: RESTRICTED_CONTAINER,
          }],
        },
      },
    },
  });
}

/** One Velero schedule: which namespaces, how often, how long backups are kept. */
export interface VeleroScheduleSpec {
  /** Schedule name (a DNS label); backups are named `<name>-<timestamp>`. */
  readonly name: string;
  readonly description: string;
  readonly cron: string;
  /** Velero TTL, e.g. `720h`. */
  readonly ttl: string;
  readonly includedNamespaces: readonly string[];
  readonly excludedNamespaces: readonly string[];
  /** Cluster-scoped objects (CRDs, ClusterRoles, PersistentVolumes...) in the backup. */
  readonly includeClusterResources: boolean;
}

/** The schedules of a site: platform state daily, app data as the site sets (hourly by default). */
export function veleroSchedules(site: Site): VeleroScheduleSpec[] {
  const b = site.backups;
  return [
    {
      name: 'platform-daily',
      description: 'platform state: every namespace except the app namespaces, and cluster-scoped objects',
      cron: b.platform.schedule, ttl: b.platform.ttl,
      includedNamespaces: ['*'], excludedNamespaces: [...b.apps.namespaces], includeClusterResources: true,
    },
    {
      name: 'apps-hourly',
      description: `app data: namespaces ${b.apps.namespaces.join(', ')}`,
      cron: b.apps.schedule, ttl: b.apps.ttl,
      includedNamespaces: [...b.apps.namespaces], excludedNamespaces: [], includeClusterResources: false,
    },
  ];
}

/** A Velero plugin as the chart's `initContainers` take it. */
export interface VeleroPluginContainer {
  readonly name: string;
  readonly image: string;
  readonly imagePullPolicy: 'IfNotPresent';
  readonly resources: ContainerResources;
  readonly securityContext: typeof RESTRICTED_CONTAINER;
  readonly volumeMounts: readonly { readonly mountPath: string; readonly name: string }[];
}

/**
 * The values of the velero chart that the platform sets (a typed subset). Every key was checked
 * against values.yaml and the templates of the pinned chart (vmware-tanzu/helm-charts velero 12.1.0).
 */
export interface VeleroValues {
  readonly initContainers: readonly VeleroPluginContainer[];
  /** The server container's requests and limits. */
  readonly resources: ContainerResources;
  /** The server pod's security context (`securityContext` is its deprecated name). */
  readonly podSecurityContext: {
    readonly runAsNonRoot: boolean;
    readonly runAsUser: number;
    readonly runAsGroup: number;
    readonly seccompProfile: { readonly type: 'RuntimeDefault' };
  };
  /** The server container's; with readOnlyRootFilesystem the chart mounts an emptyDir at /tmp. */
  readonly containerSecurityContext: typeof RESTRICTED_CONTAINER;
  readonly extraVolumes: readonly { readonly name: string; readonly emptyDir: Record<string, never> }[];
  readonly extraVolumeMounts: readonly { readonly name: string; readonly mountPath: string }[];
  /** CRDs come from the chart's crds/ folder (Argo CD applies it); no kubectl hook Job. */
  readonly upgradeCRDs: boolean;
  readonly configuration: {
    readonly backupStorageLocation: readonly {
      readonly name: string;
      readonly provider: 'aws';
      readonly bucket: string;
      readonly default: boolean;
      readonly credential: { readonly name: string; readonly key: string };
      readonly config: Readonly<Record<string, string>>;
    }[];
    readonly volumeSnapshotLocation: readonly never[];
    readonly uploaderType: 'kopia';
    /** Server flag `--features`: CSI snapshots. */
    readonly features: string;
    /** CSI snapshots are moved to the object store by the node agents (kopia). */
    readonly defaultSnapshotMoveData: boolean;
    readonly defaultBackupStorageLocation: string;
  };
  readonly credentials: { readonly useSecret: boolean; readonly existingSecret: string };
  readonly backupsEnabled: boolean;
  /** VolumeSnapshotLocations are for cloud-provider snapshots; CSI snapshots need none. */
  readonly snapshotsEnabled: boolean;
  readonly deployNodeAgent: boolean;
  readonly nodeAgent: {
    readonly resources: ContainerResources;
    readonly tolerations: readonly { readonly key: string; readonly operator: 'Exists'; readonly effect?: string }[];
  };
  readonly metrics: { readonly enabled: boolean; readonly serviceMonitor: { readonly enabled: boolean } };
}

export function veleroValues(site: Site, versions: Versions): VeleroValues {
  const s3 = site.backups.s3;
  if (!s3) throw new Error('programming error: the site has no backups.s3, which the site rules (lib/config/platform-rules.ts) require; it was not validated (load it with loadSite)');
  const plugin = versions['velero-plugin-for-aws'];
  return {
    initContainers: [{
      name: 'velero-plugin-for-aws',
      image: `${plugin.name}:${plugin.version}`,
      imagePullPolicy: 'IfNotPresent',
      // It copies its binary into the plugins emptyDir (as the pod's user; the image's own is 65532).
      resources: VELERO_RESOURCES.plugin,
      securityContext: RESTRICTED_CONTAINER,
      volumeMounts: [{ mountPath: '/target', name: 'plugins' }],
    }],
    resources: VELERO_RESOURCES.server,
    podSecurityContext: { runAsNonRoot: true, runAsUser: VELERO_USER.uid, runAsGroup: VELERO_USER.gid, seccompProfile: { type: 'RuntimeDefault' } },
    containerSecurityContext: RESTRICTED_CONTAINER,
    // Kopia writes its repository configuration ($HOME/udmrepo) and cache under $HOME: an emptyDir
    // there keeps the root read-only (/tmp and /scratch are emptyDirs of the chart's).
    extraVolumes: [{ name: 'home', emptyDir: {} }],
    extraVolumeMounts: [{ name: 'home', mountPath: VELERO_USER.home }],
    upgradeCRDs: false,
    configuration: {
      backupStorageLocation: [{
        name: VELERO_LOCATION,
        provider: 'aws',
        bucket: s3.bucket,
        default: true,
        credential: { name: VELERO_S3_SECRET.name, key: VELERO_S3_SECRET.key },
        config: { region: s3.region, ...(s3.endpoint ? { s3Url: s3.endpoint, s3ForcePathStyle: 'true' } : {}) },
      }],
      volumeSnapshotLocation: [],
      uploaderType: 'kopia',
      features: 'EnableCSI',
      defaultSnapshotMoveData: true,
      defaultBackupStorageLocation: VELERO_LOCATION,
    },
    credentials: { useSecret: true, existingSecret: VELERO_S3_SECRET.name },
    backupsEnabled: true,
    snapshotsEnabled: false,
    deployNodeAgent: true,
    nodeAgent: {
      resources: VELERO_RESOURCES.nodeAgent,
      // Every node that runs pods with volumes: servers (Longhorn) and the R&D node too.
      tolerations: [{ key: SERVER_TAINT.key, operator: 'Exists', effect: SERVER_TAINT.effect }, { key: RND_KEY, operator: 'Exists' }],
    },
    // Scraped by the monitoring layer's PodMonitor/ServiceMonitor (this layer does not wait for it).
    metrics: { enabled: true, serviceMonitor: { enabled: false } },
  };
}

/** The AWS credentials file Velero's plugin reads, filled by External Secrets. */
export const VELERO_CREDENTIALS_TEMPLATE = '[default]\naws_access_key_id={{ .access_key_id }}\naws_secret_access_key={{ .secret_access_key }}\n';

/**
 * Backups: Velero with CSI snapshots of Longhorn volumes whose data the node agents move to the
 * site's S3 store, one Schedule per namespace class, the CSI snapshot CRDs and controller (k3s has
 * neither). Longhorn's own recurring snapshots and backups (longhorn layer) run beside it.
 */
export function backupsLayer(scope: Construct, ctx: PlatformContext): Layer {
  const { site } = ctx;
  const layer = new Layer(scope, {
    name: 'backups',
    description: 'Velero: scheduled backups with CSI snapshots of Longhorn volumes to S3',
    namespace: VELERO_NAMESPACE,
    dependsOn: ['longhorn', 'secrets'],
  });
  // Prometheus scrapes it from the monitoring namespace (the monitoring layer renders the monitor).
  Inventory.of(layer).addScrapeTarget({ name: 'velero', layer: layer.layerName, namespace: VELERO_NAMESPACE, selector: { 'app.kubernetes.io/name': 'velero', 'app.kubernetes.io/instance': 'velero' }, port: 'http-monitoring' });
  // The node agents mount the kubelet's pod volumes from the host.
  new PlatformNamespace(layer, 'namespace', { name: VELERO_NAMESPACE, podSecurity: 'privileged' });

  const snapshotter = ctx.versions['external-snapshotter'];
  const crds = new GitComponent(layer, 'snapshot-crds', {
    name: 'snapshot-crds',
    upstream: 'external-snapshotter',
    source: snapshotter,
    namespace: SNAPSHOT_CONTROLLER_NAMESPACE,
    providesApis: [{ group: 'snapshot.storage.k8s.io' }, { group: 'groupsnapshot.storage.k8s.io' }],
  });
  // Upstream: 2 replicas with leader election and nothing else; the patch keeps them on different
  // nodes, probes them, sizes and restricts them, and the layer renders their PodDisruptionBudget.
  const controller = new GitComponent(layer, 'snapshot-controller', {
    name: SNAPSHOT_CONTROLLER,
    upstream: 'external-snapshotter',
    source: { ...snapshotter, path: 'deploy/kubernetes/snapshot-controller' },
    namespace: SNAPSHOT_CONTROLLER_NAMESPACE,
    patches: [{ target: { group: 'apps', version: 'v1', kind: 'Deployment', name: SNAPSHOT_CONTROLLER }, patch: snapshotControllerPatch() }],
  });
  layer.addOrder(controller, crds);
  new KubePodDisruptionBudget(layer, 'snapshot-controller-pdb', {
    metadata: { name: SNAPSHOT_CONTROLLER, namespace: SNAPSHOT_CONTROLLER_NAMESPACE },
    spec: { minAvailable: IntOrString.fromNumber(1), selector: { matchLabels: { ...SNAPSHOT_CONTROLLER_LABELS } } },
  });

  new ApiObject(layer, 'snapshot-class', {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotClass',
    metadata: { name: LONGHORN_SNAPSHOT_CLASS, labels: { [VELERO_SNAPSHOT_CLASS_LABEL]: 'true' } },
    driver: LONGHORN_CSI_DRIVER,
    deletionPolicy: 'Delete',
    // An in-cluster Longhorn snapshot; Velero's data mover copies it to S3.
    parameters: { type: 'snap' },
  });

  const s3 = site.backups.s3;
  const values = veleroValues(site, ctx.versions);
  const login = bitwardenLogin(s3!.credentials);
  const credentials = new BitwardenSecret(layer, 's3', {
    name: VELERO_S3_SECRET.name,
    namespace: VELERO_NAMESPACE,
    data: { access_key_id: login.username, secret_access_key: login.password },
    plainData: { [VELERO_S3_SECRET.key]: VELERO_CREDENTIALS_TEMPLATE },
  });
  const velero = new HelmComponent(layer, 'velero', {
    name: 'velero',
    chart: pinned(ctx, VELERO_CHART),
    namespace: VELERO_NAMESPACE,
    values,
    providesApis: [{ group: 'velero.io' }],
    ha: veleroHa(),
  });
  layer.addOrder(velero, credentials);

  for (const s of veleroSchedules(site)) {
    new Schedule(layer, `schedule-${s.name}`, {
      metadata: { name: s.name, namespace: VELERO_NAMESPACE, annotations: { 'platform.tsys/description': s.description } },
      spec: {
        schedule: s.cron,
        useOwnerReferencesInBackup: false,
        template: {
          includedNamespaces: [...s.includedNamespaces],
          ...(s.excludedNamespaces.length ? { excludedNamespaces: [...s.excludedNamespaces] } : {}),
          includeClusterResources: s.includeClusterResources,
          snapshotVolumes: true,
          snapshotMoveData: true,
          storageLocation: VELERO_LOCATION,
          ttl: s.ttl,
        },
      },
    });
  }
  Inventory.of(layer).addOutsideUse({
    service: 'backup-s3',
    usedBy: 'backups (Velero)',
    purpose: 'scheduled backups of the platform and the app namespaces, and restores',
    whileDown: 'scheduled backups fail (PartiallyFailed/Failed) and nothing can be restored',
    mitigation: 'the workloads are not affected; the next schedule runs again',
  });
  return layer;
}
