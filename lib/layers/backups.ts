import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Schedule } from '../../imports/velero.io';
import type { Site } from '../config/schema';
import { BitwardenSecret, bitwardenLogin } from '../constructs/bitwarden-secret';
import { GitComponent } from '../constructs/git-component';
import { HelmComponent } from '../constructs/helm-component';
import { PlatformNamespace } from '../constructs/platform-namespace';
import type { PlatformContext } from '../context';
import { RND_KEY, SERVER_TAINT } from '../hosts/node-labels';
import { Layer } from '../layer';
import { PlatformError } from '../platform-error';
import type { Versions } from '../versions';
import { HA_ANNOTATIONS } from '../ha/annotations';

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
  readonly volumeMounts: readonly { readonly mountPath: string; readonly name: string }[];
}

/**
 * The values of the velero chart that the platform sets (a typed subset). Every key was checked
 * against values.yaml and the templates of the pinned chart (vmware-tanzu/helm-charts velero 12.1.0).
 */
export interface VeleroValues {
  /** On the server Deployment's metadata (templates/deployment.yaml). */
  readonly annotations: Readonly<Record<string, string>>;
  readonly initContainers: readonly VeleroPluginContainer[];
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
    readonly annotations: Readonly<Record<string, string>>;
    readonly tolerations: readonly { readonly key: string; readonly operator: 'Exists'; readonly effect?: string }[];
  };
  readonly metrics: { readonly enabled: boolean; readonly serviceMonitor: { readonly enabled: boolean } };
}

export function veleroValues(site: Site, versions: Versions): VeleroValues {
  const s3 = site.backups.s3;
  if (!s3) {
    throw new PlatformError('backups.s3: Velero and Loki need an S3-compatible object store and site.yaml names none. '
      + 'A site with only an NFS share runs MinIO on the NAS and sets backups.s3: { endpoint: https://<nas>:9000, bucket, region, credentials: bitwarden:<login item> }');
  }
  const plugin = versions['velero-plugin-for-aws'];
  return {
    annotations: { [HA_ANNOTATIONS.singleton]: 'Velero runs one server by design (its controllers do not elect a leader); a restart only delays the next scheduled backup' },
    initContainers: [{ name: 'velero-plugin-for-aws', image: `${plugin.name}:${plugin.version}`, imagePullPolicy: 'IfNotPresent', volumeMounts: [{ mountPath: '/target', name: 'plugins' }] }],
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
      annotations: { [HA_ANNOTATIONS.systemComponent]: 'Velero node agent: moves CSI snapshot data of the pods on its node; one per node by design' },
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
  // The node agents mount the kubelet's pod volumes from the host.
  new PlatformNamespace(layer, 'namespace', { name: VELERO_NAMESPACE, podSecurity: 'privileged' });

  const snapshotter = ctx.versions['external-snapshotter'];
  const crds = new GitComponent(layer, 'snapshot-crds', {
    name: 'snapshot-crds',
    source: snapshotter,
    namespace: SNAPSHOT_CONTROLLER_NAMESPACE,
    providesApis: [{ group: 'snapshot.storage.k8s.io' }, { group: 'groupsnapshot.storage.k8s.io' }],
  });
  // Upstream: 2 replicas with leader election.
  const controller = new GitComponent(layer, 'snapshot-controller', {
    name: 'snapshot-controller',
    source: { ...snapshotter, path: 'deploy/kubernetes/snapshot-controller' },
    namespace: SNAPSHOT_CONTROLLER_NAMESPACE,
  });
  layer.addOrder(controller, crds);

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
    chart: ctx.versions.velero,
    namespace: VELERO_NAMESPACE,
    values,
    providesApis: [{ group: 'velero.io' }],
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
  return layer;
}
