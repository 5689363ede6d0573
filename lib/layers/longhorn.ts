import { Construct } from 'constructs';
import { RecurringJob, RecurringJobSpecTask } from '../../imports/longhorn.io';
import { BitwardenSecret, bitwardenLogin } from '../constructs/bitwarden-secret';
import { HelmComponent } from '../constructs/helm-component';
import { PlatformNamespace } from '../constructs/platform-namespace';
import type { Site } from '../config/schema';
import type { PlatformContext } from '../context';
import { PlatformError } from '../platform-error';
import { Layer } from '../layer';

export const LONGHORN_NAMESPACE = 'longhorn-system';
/** Secret (from Bitwarden) with the backup target's credentials, when the target needs any. */
export const LONGHORN_BACKUP_SECRET = 'longhorn-backup-credentials';
/**
 * Node label that makes Longhorn create its default disk on a node (with
 * `createDefaultDiskLabeledNodes`): set to "true" on the site's `storage: true` nodes by their
 * k3s configuration.
 */
export const LONGHORN_DEFAULT_DISK_LABEL = 'node.longhorn.io/create-default-disk';
/** The taint k3s servers carry; they hold storage too, so Longhorn tolerates it. */
export const SERVER_TAINT = { key: 'CriticalAddonsOnly', value: 'true', effect: 'NoExecute' } as const;

/** A Kubernetes toleration as the chart's `tolerations` values take it. */
export interface LonghornToleration {
  readonly key: string;
  readonly operator: 'Equal' | 'Exists';
  readonly value?: string;
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/**
 * The values of the longhorn chart that the platform sets (a typed subset). Every key was
 * checked against the chart's values.yaml and templates at the pinned version (1.12.1).
 */
export interface LonghornValues {
  /** Tolerations of the user-deployed components (manager DaemonSet, driver deployer, UI). */
  readonly global: { readonly tolerations: readonly LonghornToleration[] };
  /** The chart's own StorageClass `longhorn` (created by the manager from a ConfigMap). */
  readonly persistence: {
    readonly defaultClass: boolean;
    readonly defaultClassReplicaCount: number;
    readonly defaultDataLocality: 'disabled' | 'best-effort';
    readonly reclaimPolicy: 'Retain' | 'Delete';
    readonly defaultFsType: 'ext4' | 'xfs';
  };
  readonly preUpgradeChecker: { readonly jobEnabled: boolean };
  readonly longhornUI: { readonly replicas: number };
  readonly csi: {
    readonly attacherReplicaCount: number;
    readonly provisionerReplicaCount: number;
    readonly resizerReplicaCount: number;
    readonly snapshotterReplicaCount: number;
  };
  /** Longhorn settings, applied by the manager from the `longhorn-default-setting` ConfigMap. */
  readonly defaultSettings: {
    readonly replicaSoftAntiAffinity: boolean;
    readonly replicaZoneSoftAntiAffinity: boolean;
    readonly nodeDownPodDeletionPolicy: 'do-nothing' | 'delete-statefulset-pod' | 'delete-deployment-pod' | 'delete-both-statefulset-and-deployment-pod';
    /** A single count for every data engine, or `{"v1":"n","v2":"n"}` (all engines, or it is rejected). */
    readonly defaultReplicaCount: string;
    readonly createDefaultDiskLabeledNodes: boolean;
    /** Tolerations of the system-managed components, `key=value:effect` separated by `;`. */
    readonly taintToleration: string;
    readonly upgradeChecker: boolean;
    readonly storageMinimalAvailablePercentage: number;
  };
  /** The `default` BackupTarget, applied by the manager from the `longhorn-default-resource` ConfigMap. */
  readonly defaultBackupStore: {
    readonly backupTarget: string;
    readonly backupTargetCredentialSecret?: string;
    /** Seconds between polls of the backup store for new backups. */
    readonly pollInterval: number;
  };
}

/** Copies Longhorn replicates every volume into: one per storage node, at most on three nodes. */
export const REPLICA_COUNT = 3;

/**
 * The Secret keys Longhorn reads for each backup store type that takes credentials
 * (longhorn-manager types/types.go), and the part of the Bitwarden login item each comes from.
 *
 * Convention: `storage.backupCredentials` names a Bitwarden login item whose username is the
 * access key (S3 access key ID, CIFS user, Azure storage account name) and whose password is
 * the secret (S3 secret access key, CIFS password, Azure account key). Any `#part` of the
 * site's reference is ignored: both parts of the item are read.
 */
export const BACKUP_CREDENTIAL_KEYS: Readonly<Record<string, { readonly username: string; readonly password: string }>> = {
  s3: { username: 'AWS_ACCESS_KEY_ID', password: 'AWS_SECRET_ACCESS_KEY' },
  cifs: { username: 'CIFS_USERNAME', password: 'CIFS_PASSWORD' },
  azblob: { username: 'AZBLOB_ACCOUNT_NAME', password: 'AZBLOB_ACCOUNT_KEY' },
};

/** The scheme of a backup target URL: `s3`, `nfs`, `cifs` or `azblob`. */
export function backupTargetScheme(target: string): string {
  return target.split(':')[0];
}

/**
 * The data of the backup credentials Secret (Secret key to Bitwarden reference), or undefined
 * when the site gives no credentials. Throws when the target type takes none (NFS).
 */
export function backupCredentialData(storage: Site['storage']): Record<string, string> | undefined {
  if (!storage.backupCredentials) return undefined;
  const scheme = backupTargetScheme(storage.backupTarget);
  const keys = BACKUP_CREDENTIAL_KEYS[scheme];
  if (!keys) {
    throw new PlatformError(`storage.backupCredentials: a ${scheme}:// backup target takes no credentials (Longhorn uses them for ${Object.keys(BACKUP_CREDENTIAL_KEYS).join(', ')} only); remove it`);
  }
  const login = bitwardenLogin(storage.backupCredentials);
  return { [keys.username]: login.username, [keys.password]: login.password };
}

export function longhornValues(ctx: PlatformContext): LonghornValues {
  const storage = ctx.site.storage;
  return {
    // The manager must run on every storage node, servers included (they carry the
    // CriticalAddonsOnly taint). `defaultSettings.taintToleration` covers only the components
    // Longhorn deploys itself (instance managers, engine images, CSI); the chart's own
    // workloads take theirs from here.
    global: { tolerations: [{ key: SERVER_TAINT.key, operator: 'Equal', value: SERVER_TAINT.value, effect: SERVER_TAINT.effect }] },
    persistence: {
      // The chart's StorageClass `longhorn` becomes the cluster default (k3s's local-path is
      // disabled on the servers). No StorageClass of ours: the manager owns that one.
      defaultClass: true,
      defaultClassReplicaCount: REPLICA_COUNT,
      defaultDataLocality: 'best-effort',
      // Deleting a claim by mistake must not delete its data.
      reclaimPolicy: 'Retain',
      defaultFsType: 'ext4',
    },
    // Longhorn's values.yaml: disable the pre-upgrade Helm hook under Argo CD (GitOps).
    preUpgradeChecker: { jobEnabled: false },
    longhornUI: { replicas: 2 },
    csi: { attacherReplicaCount: 3, provisionerReplicaCount: 3, resizerReplicaCount: 3, snapshotterReplicaCount: 3 },
    defaultSettings: {
      // Hard anti-affinity: never two replicas of a volume on one node, so losing a node
      // loses at most one copy.
      replicaSoftAntiAffinity: false,
      // No zones here: nodes without a zone label count as one zone, which soft zone
      // anti-affinity allows (the default, stated so it cannot drift).
      replicaZoneSoftAntiAffinity: true,
      // Free volumes of pods stuck on a dead node so their replacements can attach them.
      nodeDownPodDeletionPolicy: 'delete-both-statefulset-and-deployment-pod',
      // A plain number applies to every data engine. The JSON form must name every engine
      // ({"v1":"3","v2":"3"}): in 1.12 a value naming only v1 is rejected as "mismatched data
      // engines" and the manager silently keeps the default.
      defaultReplicaCount: String(REPLICA_COUNT),
      // Disks only on nodes labelled node.longhorn.io/create-default-disk=true (storage nodes).
      createDefaultDiskLabeledNodes: true,
      taintToleration: `${SERVER_TAINT.key}=${SERVER_TAINT.value}:${SERVER_TAINT.effect}`,
      // Versions are pinned in git; nothing should phone home for new ones.
      upgradeChecker: false,
      storageMinimalAvailablePercentage: 25,
    },
    defaultBackupStore: {
      backupTarget: storage.backupTarget,
      ...(storage.backupCredentials ? { backupTargetCredentialSecret: LONGHORN_BACKUP_SECRET } : {}),
      pollInterval: 300,
    },
  };
}

/** A recurring snapshot or backup job. */
export interface RecurringJobSchedule {
  readonly name: string;
  readonly task: RecurringJobSpecTask;
  readonly cron: string;
  /** How many snapshots or backups the job keeps. */
  readonly retain: number;
  /** How many volumes the job works on at once. */
  readonly concurrency: number;
  /** Volume groups the job applies to; `default` is every volume without job labels. */
  readonly groups: readonly string[];
}

/** Hourly snapshots inside the cluster, kept for a day. */
export const SNAPSHOT_HOURLY: RecurringJobSchedule = {
  name: 'snapshot-hourly', task: RecurringJobSpecTask.SNAPSHOT, cron: '0 * * * *', retain: 24, concurrency: 2, groups: ['default'],
};

/** Daily backups to the site's backup target at 02:00, kept for two weeks. */
export const BACKUP_DAILY: RecurringJobSchedule = {
  name: 'backup-daily', task: RecurringJobSpecTask.BACKUP, cron: '0 2 * * *', retain: 14, concurrency: 2, groups: ['default'],
};

export const RECURRING_JOBS: readonly RecurringJobSchedule[] = [SNAPSHOT_HOURLY, BACKUP_DAILY];

/**
 * Longhorn: replicated block storage (three replicas on three nodes), the default
 * StorageClass, the site's backup target and recurring snapshots and backups.
 */
export function longhornLayer(scope: Construct, ctx: PlatformContext): Layer {
  const credentials = backupCredentialData(ctx.site.storage);
  const layer = new Layer(scope, {
    name: 'longhorn',
    description: 'Longhorn: replicated volumes (default StorageClass), backups to the site target',
    namespace: LONGHORN_NAMESPACE,
    // Only the credentials Secret needs another layer (External Secrets); an NFS target takes
    // none, and storage then does not wait for the secrets layer.
    dependsOn: credentials ? ['secrets'] : [],
  });
  // The manager, instance managers and CSI plugin are privileged and use host paths.
  new PlatformNamespace(layer, 'namespace', { name: LONGHORN_NAMESPACE, podSecurity: 'privileged' });
  // The site's backup target reaches Longhorn through the chart values only. Since Longhorn
  // 1.8 the manager creates a BackupTarget named `default` from `defaultBackupStore` (the
  // longhorn-default-resource ConfigMap), keeps it in sync, and its webhook refuses to delete
  // it. A BackupTarget `default` rendered here would have two owners overwriting each other,
  // so there is none.
  new HelmComponent(layer, 'longhorn', {
    name: 'longhorn',
    chart: ctx.versions.longhorn,
    namespace: LONGHORN_NAMESPACE,
    values: longhornValues(ctx),
    providesApis: [{ group: 'longhorn.io' }],
  });
  if (credentials) {
    new BitwardenSecret(layer, 'backup-credentials', { name: LONGHORN_BACKUP_SECRET, namespace: LONGHORN_NAMESPACE, data: credentials });
  }
  for (const job of RECURRING_JOBS) {
    new RecurringJob(layer, `recurring-${job.name}`, {
      metadata: { name: job.name, namespace: LONGHORN_NAMESPACE },
      spec: {
        name: job.name,
        task: job.task,
        cron: job.cron,
        retain: job.retain,
        concurrency: job.concurrency,
        groups: [...job.groups],
      },
    });
  }
  return layer;
}
