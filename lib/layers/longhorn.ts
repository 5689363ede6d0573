import { ContainerResources, RESTRICTED_CONTAINER } from '../constructs/container';
import { IntOrString, KubeNetworkPolicy, KubePodDisruptionBudget, KubeStorageClass } from 'cdk8s-plus-25/lib/imports/k8s';
import { Construct } from 'constructs';
import { RecurringJob, RecurringJobSpecTask } from '../../imports/longhorn.io';
import { BitwardenSecret, bitwardenLogin } from '../constructs/bitwarden-secret';
import { ChartPatch, HelmComponent } from '../constructs/helm-component';
import type { RenderedWorkloadHa } from '../constructs/upstream-objects';
import { PlatformNamespace } from '../constructs/platform-namespace';
import { PublishedUi } from '../constructs/published-ui';
import { MONITORING_NAMESPACE } from '../constructs/service-monitor';
import { realmGroupName } from '../iam';
import type { Site } from '../config/schema';
import { pinned } from '../context';
import type { PlatformContext } from '../context';
import { at, fixed, StorageDeclaration, WorkloadDeclaration } from '../ha/workloads';
import { VOLUME_MOVE_BUDGET_SECONDS } from '../ha/recovery';
import { JsonMap, listAt, mapsAt, valueAt } from '../k8s/manifest';
import { podSpecOf } from '../k8s/pod-template';
import { PlatformError } from '../platform-error';
import { Layer } from '../layer';
import { Inventory } from '../inventory';
import { REPLICA_COUNT, REPLICA_SOFT_ANTI_AFFINITY, RND_REPLICA_COUNT, RND_STORAGE_CLASS, STORAGE_TAGS } from '../ha/storage';
import { RND_TAINT, STORAGE_TAG_LABEL } from '../hosts/node-labels';
import type { ChartPin } from '../versions';
import { publishes, withComponent } from '../config/platform-rules';
import type { LayerNeeds, LayerUi } from '../config/platform-rules';

/** Longhorn: replicated block storage. */
export const LONGHORN_CHART: ChartPin = {
  name: 'longhorn',
  kind: 'chart',
  repo: 'https://charts.longhorn.io',
  chart: 'longhorn',
  version: '1.12.1',
  source: { repository: 'https://github.com/longhorn/longhorn', path: 'chart', tag: 'v{bare}' },
};

export const LONGHORN_NAMESPACE = 'longhorn-system';
/** Secret (from Bitwarden) with the backup target's credentials, when the target needs any. */
export const LONGHORN_BACKUP_SECRET = 'longhorn-backup-credentials';
/**
 * Node label that makes Longhorn create its default disk on a node (with
 * `createDefaultDiskLabeledNodes`): set to "config" on the site's `storage: true` nodes by their
 * k3s configuration, so that Longhorn creates the disk their annotations describe, tagged prod or rnd.
 */
export const LONGHORN_DEFAULT_DISK_LABEL = 'node.longhorn.io/create-default-disk';
/** The taint k3s servers carry; they hold storage too, so Longhorn tolerates it. */
export const SERVER_TAINT = { key: 'CriticalAddonsOnly', value: 'true', effect: 'NoExecute' } as const;
/** The chart's StorageClass: production volumes, on disks tagged `prod` only. */
export const LONGHORN_STORAGE_CLASS = 'longhorn';

/** A taint as Longhorn's taintToleration setting and StorageClass parameters spell it: `key=value:effect`. */
function longhornTaint(t: { readonly key: string; readonly value: string; readonly effect: string }): string {
  return `${t.key}=${t.value}:${t.effect}`;
}

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
    /** Longhorn disk tags the class's replicas may use (StorageClass parameter `diskSelector`). */
    readonly defaultDiskSelector: { readonly enable: boolean; readonly selector: string };
    /** Longhorn node tags the class's replicas may use (`nodeSelector`). */
    readonly defaultNodeSelector: { readonly enable: boolean; readonly selector: string };
    /** Longhorn node tags an RWX volume's share manager may run on (`shareManagerNodeSelector`). */
    readonly shareManagerNodeSelector: { readonly enable: boolean; readonly selector: string };
  };
  readonly preUpgradeChecker: { readonly jobEnabled: boolean };
  /**
   * The manager container's requests and limits, and the manager DaemonSet's tolerations, which
   * replace `global.tolerations` for it alone (templates/daemonset-sa.yaml).
   */
  readonly longhornManager: { readonly resources: ContainerResources; readonly tolerations: readonly LonghornToleration[] };
  readonly longhornUI: {
    readonly replicas: number;
    /** Replaces the chart's preferred anti-affinity. */
    readonly affinity: { readonly podAntiAffinity: { readonly requiredDuringSchedulingIgnoredDuringExecution: readonly object[] } };
  };
  readonly csi: {
    /** `hard`: never two pods of a CSI component on one node (Longhorn's default is `soft`). */
    readonly podAntiAffinityPreset: 'soft' | 'hard';
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
    /** An RWX volume's share manager moves when its lease lapses, not after the node is evicted. */
    readonly rwxVolumeFastFailover: boolean;
  };
  /** The `default` BackupTarget, applied by the manager from the `longhorn-default-resource` ConfigMap. */
  readonly defaultBackupStore: {
    readonly backupTarget: string;
    readonly backupTargetCredentialSecret?: string;
    /** Seconds between polls of the backup store for new backups. */
    readonly pollInterval: number;
  };
}


/** The DaemonSets of Longhorn's node agent (the chart) and of its CSI plugin (deployed by the driver deployer). */
export const LONGHORN_MANAGER = 'longhorn-manager';
export const LONGHORN_CSI_PLUGIN = 'longhorn-csi-plugin';
/** CSI sidecars the driver deployer runs; longhorn-manager keeps a PodDisruptionBudget (minAvailable 1) for the first two while a volume is attached. */
const CSI_WITH_LONGHORN_PDB = ['csi-attacher', 'csi-provisioner'] as const;
/** CSI sidecars with no budget of Longhorn's: the layer renders one each. */
export const CSI_WITH_PLATFORM_PDB = ['csi-resizer', 'csi-snapshotter'] as const;

/**
 * Longhorn 1.12.1 documents `longhornUI.podDisruptionBudget` in values.yaml, but no template
 * reads it: the platform renders the UI's budget itself.
 */
export const LONGHORN_UI_PDB = 'longhorn-ui';

/** Services of the manager's admission webhook and recovery backend: they select the label the manager puts on its own pod at run time. */
export const LONGHORN_MANAGER_SERVICES = ['longhorn-admission-webhook', 'longhorn-recovery-backend'] as const;

/** What the node-failure simulation needs to know about Longhorn, each fact a path into its values. */
export function longhornStorage(): StorageDeclaration {
  return {
    storageClass: 'longhorn',
    defaultClass: at('persistence.defaultClass'),
    replicaCount: at('defaultSettings.defaultReplicaCount'),
    softAntiAffinity: at('defaultSettings.replicaSoftAntiAffinity'),
    nodeDownPodDeletionPolicy: at('defaultSettings.nodeDownPodDeletionPolicy'),
    rwxFastFailover: at('defaultSettings.rwxVolumeFastFailover'),
    // Production volumes use only disks tagged prod: the nodes labelled with that tag (lib/hosts/k3s-config.ts).
    diskNodeLabel: STORAGE_TAG_LABEL,
    diskNodeValue: STORAGE_TAGS.production,
    managerDaemonSet: LONGHORN_MANAGER,
    csiDaemonSet: LONGHORN_CSI_PLUGIN,
    attachSeconds: fixed(VOLUME_MOVE_BUDGET_SECONDS, 'a budget for Longhorn attaching the volume on another node; check it in a node-failure drill'),
  };
}

/** The chart's Deployments besides the manager DaemonSet. */
export const LONGHORN_DRIVER_DEPLOYER = 'longhorn-driver-deployer';
export const LONGHORN_UI = 'longhorn-ui';
/** The chart's Service in front of the UI (nginx on 8000 behind port 80). */
export const LONGHORN_FRONTEND = { name: 'longhorn-frontend', port: 80 } as const;
/** The longhorn-ui image's nginx user (its Dockerfile: `USER 499`). */
export const LONGHORN_UI_UID = 499;
/** Paths nginx writes under a read-only root that the chart mounts nothing at (volume name, mount path). */
export const LONGHORN_UI_WRITABLE = [['nginx-lib', '/var/lib/nginx'], ['nginx-log', '/var/log/nginx'], ['tmp', '/tmp']] as const;
/** The manager API the deployer deploys against (the chart's --manager-url). */
const LONGHORN_MANAGER_URL = 'http://longhorn-backend:9500/v1';
/** An unprivileged uid for the pods that only call APIs (the longhorn-manager image declares no user). */
const NOBODY = 65534;


/** Sizes for a small on-prem cluster (a few dozen volumes). */
export const LONGHORN_RESOURCES = {
  /** The node agent: controllers of every Longhorn object on its node, the API, the webhooks. */
  manager: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
  /** `sleep infinity`, kept only so the share-manager image stays on the node. */
  prePull: { requests: { cpu: '1m', memory: '8Mi' }, limits: { memory: '32Mi' } },
  /** nginx serving the UI's static files and proxying its API calls. */
  ui: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
  /** The driver deployer and the hook Jobs: one Go process calling the Kubernetes and Longhorn APIs. */
  apiClient: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
} as const satisfies Record<string, ContainerResources>;


/** The pod spec of a chart object this layer patches; throws when it has none. */
function podSpecToPatch(o: JsonMap): JsonMap {
  const pod = podSpecOf(o);
  if (!pod) throw new PlatformError(`${o.kind} ${valueAt(o, 'metadata.name')} has no pod template`);
  return pod;
}

function containerOf(o: JsonMap, name: string): JsonMap {
  const c = mapsAt(podSpecToPatch(o), 'containers').find((x) => x.name === name);
  if (!c) throw new PlatformError(`${o.kind} ${valueAt(o, 'metadata.name')} has no container ${name}`);
  return c;
}


/**
 * Why Longhorn's node agents (the chart's manager, and the CSI plugin the deployer creates) need
 * the host: both run privileged with host paths (the manager /dev, /proc and /var/lib/longhorn;
 * the CSI plugin /, /dev, /sys and the kubelet's directories, with the host PID namespace), with
 * bidirectional mount propagation, to attach and mount the volumes' block devices on the node.
 */
const LONGHORN_SYSTEM_COMPONENT = 'Longhorn\'s node agents run privileged with host paths (/dev, /proc or the host PID namespace, Longhorn\'s and the kubelet\'s directories, bidirectional mount propagation) to attach and mount block devices (iSCSI) on the node';

/**
 * The workloads the driver deployer creates at run time (longhorn-manager v1.12.1 csi/): the CSI
 * plugin DaemonSet and the four CSI sidecar Deployments, each fact a path into the values the
 * deployer reads (the chart passes them as its environment).
 */
export function longhornCsiWorkloads(): WorkloadDeclaration[] {
  const deployer = 'longhorn-driver-deployer, from the values below (longhorn-manager csi/deployment.go)';
  const csi = (name: string, replicas: string): WorkloadDeclaration => ({
    name,
    kind: 'Deployment',
    createdBy: deployer,
    replicas: at(`csi.${replicas}`),
    spread: { preset: at('csi.podAntiAffinityPreset', 'soft'), hardWhen: 'hard' },
    pdb: (CSI_WITH_LONGHORN_PDB as readonly string[]).includes(name)
      ? { minAvailable: fixed(1, 'longhorn-manager creates this PodDisruptionBudget while any volume is attached (controller/kubernetes_pdb_controller.go)') }
      : { rendered: name },
    tolerations: at('defaultSettings.taintToleration'),
  });
  return [
    { name: LONGHORN_CSI_PLUGIN, kind: 'DaemonSet', createdBy: deployer, tolerations: at('defaultSettings.taintToleration'), systemComponent: LONGHORN_SYSTEM_COMPONENT },
    csi('csi-attacher', 'attacherReplicaCount'),
    csi('csi-provisioner', 'provisionerReplicaCount'),
    csi('csi-resizer', 'resizerReplicaCount'),
    csi('csi-snapshotter', 'snapshotterReplicaCount'),
  ];
}

/**
 * HA declarations of the chart's own workloads, as rendered (chart 1.12.1): the manager is a
 * system component, the driver deployer a singleton; the rest of their spec speaks for itself.
 */
export function longhornHa(): RenderedWorkloadHa[] {
  return [
    {
      kind: 'DaemonSet',
      name: LONGHORN_MANAGER,
      systemComponent: LONGHORN_SYSTEM_COMPONENT,
      exempt: {
        'ha/probes': 'Longhorn gives longhorn-manager a readiness probe (its admission webhook, /v1/healthz on 9502) and no liveness probe (upstream feature request longhorn/longhorn#13717), and pre-pull-share-manager-image only sleeps to keep the share-manager image on the node and serves nothing to probe',
      },
    },
    {
      kind: 'Deployment',
      name: LONGHORN_DRIVER_DEPLOYER,
      singleton: 'deploys the CSI driver and then only watches it: the CSI plugin and sidecars keep serving volumes while it is away',
      exempt: {
        'ha/probes': 'deploy-driver serves no endpoint to check for liveness: it deploys the CSI driver once and then waits for its shutdown signal (longhorn-manager app/driver.go), so it has only the readiness probe on the manager API it deploys against',
      },
    },
  ];
}

/**
 * What the chart renders without a value to change it (chart 1.12.1), changed after helm: resource
 * requests and limits, probes of the UI and the driver deployer, and the restricted security context
 * for the pods that only call the Kubernetes and Longhorn APIs or serve the UI.
 */
export function longhornPatches(): ChartPatch[] {
  // Pods that only talk to the Kubernetes and Longhorn APIs: any unprivileged user will do.
  const apiClient: ChartPatch['patch'] = (o) => {
    const pod = podSpecToPatch(o);
    pod.securityContext = { runAsNonRoot: true, runAsUser: NOBODY, runAsGroup: NOBODY, seccompProfile: { type: 'RuntimeDefault' } };
    for (const c of [...mapsAt(pod, 'initContainers'), ...mapsAt(pod, 'containers')]) {
      c.securityContext = { ...RESTRICTED_CONTAINER };
      c.resources = LONGHORN_RESOURCES.apiClient;
    }
  };
  return [
    {
      kind: 'DaemonSet',
      name: LONGHORN_MANAGER,
      because: 'templates/daemonset-sa.yaml reads longhornManager.resources for the manager only, nothing for the pre-pull container',
      patch: (o) => { containerOf(o, 'pre-pull-share-manager-image').resources = LONGHORN_RESOURCES.prePull; },
    },
    {
      kind: 'Deployment',
      name: LONGHORN_DRIVER_DEPLOYER,
      because: 'templates/deployment-driver.yaml reads no resources, probes or container securityContext, and fixes the pod\'s runAsUser: 0, which dates from PodSecurityPolicy selection (longhorn commit 1867b85, 2020): deploy-driver and its wait-longhorn-manager init container only call the Kubernetes and Longhorn APIs',
      patch: (o) => {
        apiClient(o);
        // deploy-driver serves nothing. It is ready when the manager API it deploys the CSI driver
        // against answers: the condition its init container waits for (templates/deployment-driver.yaml),
        // which also bounds how long a replacement takes to become ready after a node failure.
        containerOf(o, LONGHORN_DRIVER_DEPLOYER).readinessProbe = {
          exec: { command: ['curl', '-sf', '-m', '2', '-o', '/dev/null', `${LONGHORN_MANAGER_URL}`] },
          periodSeconds: 10,
          timeoutSeconds: 5,
          failureThreshold: 3,
        };
      },
    },
    {
      // The chart's other Job, longhorn-uninstall, is a pre-delete hook: never applied (lib/constructs/upstream-objects.ts).
      kind: 'Job',
      name: 'longhorn-post-upgrade',
      because: 'templates/postupgrade-job.yaml reads no resources or securityContext; the Job only calls the Kubernetes and Longhorn APIs',
      patch: apiClient,
    },
    {
      kind: 'Deployment',
      name: LONGHORN_UI,
      because: 'templates/deployment-ui.yaml reads no probes, resources or securityContext',
      patch: (o) => {
        const pod = podSpecToPatch(o);
        const ui = containerOf(o, LONGHORN_UI);
        // The image runs nginx as its nginx user (uid 499, longhorn-ui Dockerfile) on port 8000.
        pod.securityContext = { runAsNonRoot: true, runAsUser: LONGHORN_UI_UID, seccompProfile: { type: 'RuntimeDefault' } };
        ui.securityContext = { ...RESTRICTED_CONTAINER };
        ui.resources = LONGHORN_RESOURCES.ui;
        // nginx serves the UI's static files at / (proxying /v1 to the manager): ready as soon as it listens.
        const probe = { httpGet: { path: '/', port: 'http' }, periodSeconds: 10, timeoutSeconds: 3 };
        ui.readinessProbe = { ...probe, failureThreshold: 3 };
        ui.livenessProbe = { ...probe, failureThreshold: 6 };
        // With a read-only root, nginx writes its temp files, logs and the /tmp the entrypoint uses
        // to emptyDirs (the chart mounts /var/cache/nginx, /var/config/nginx and /var/run already).
        for (const [name, mountPath] of LONGHORN_UI_WRITABLE) {
          pod.volumes = [...listAt(pod, 'volumes'), { name, emptyDir: {} }];
          ui.volumeMounts = [...listAt(ui, 'volumeMounts'), { name, mountPath }];
        }
      },
    },
  ];
}

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
 * when the site gives no credentials (the site rules refuse credentials for an NFS target).
 */
export function backupCredentialData(storage: Site['storage']): Record<string, string> | undefined {
  if (!storage.backupCredentials) return undefined;
  const scheme = backupTargetScheme(storage.backupTarget);
  const keys = BACKUP_CREDENTIAL_KEYS[scheme];
  if (!keys) throw new Error(`programming error: storage.backupCredentials with a ${scheme}:// backup target, which the site rules (lib/config/rules.ts) refuse; the site was not validated (load it with loadSite)`);
  const login = bitwardenLogin(storage.backupCredentials);
  return { [keys.username]: login.username, [keys.password]: login.password };
}

/**
 * Taints the components Longhorn deploys itself tolerate (its `taintToleration` setting): the
 * servers' (they hold storage) and, when the site has an R&D storage node, the R&D taint, so that
 * its instance managers and CSI plugin run there and R&D volumes attach there.
 */
export function longhornTaintToleration(site: Site): string {
  const rnd = site.nodes.some((n) => n.rnd && n.storage);
  return [SERVER_TAINT, ...(rnd ? [RND_TAINT] : [])].map(longhornTaint).join(';');
}

export function longhornValues(ctx: PlatformContext): LonghornValues {
  const storage = ctx.site.storage;
  const server: LonghornToleration = { key: SERVER_TAINT.key, operator: 'Equal', value: SERVER_TAINT.value, effect: SERVER_TAINT.effect };
  const rndStorage = ctx.site.nodes.some((n) => n.rnd && n.storage);
  const rnd: LonghornToleration = { key: RND_TAINT.key, operator: 'Equal', value: RND_TAINT.value, effect: RND_TAINT.effect as 'NoSchedule' };
  const prod = { enable: true, selector: STORAGE_TAGS.production };
  return {
    // The manager must run on every storage node, servers included (they carry the
    // CriticalAddonsOnly taint). `defaultSettings.taintToleration` covers only the components
    // Longhorn deploys itself (instance managers, engine images, CSI); the chart's own
    // workloads take theirs from here. Only the manager tolerates the R&D taint: the UI and
    // the driver deployer stay on production nodes.
    global: { tolerations: [server] },
    persistence: {
      // The chart's StorageClass `longhorn` becomes the cluster default (k3s's local-path is
      // disabled on the servers). No StorageClass of ours: the manager owns that one.
      defaultClass: true,
      defaultClassReplicaCount: REPLICA_COUNT,
      defaultDataLocality: 'best-effort',
      // Deleting a claim by mistake must not delete its data.
      reclaimPolicy: 'Retain',
      defaultFsType: 'ext4',
      // Production volumes: replicas only on disks and nodes tagged prod (never an R&D node's
      // disk, lib/hosts/k3s-config.ts longhornNodeAnnotations), share managers only on prod nodes.
      defaultDiskSelector: prod,
      defaultNodeSelector: prod,
      shareManagerNodeSelector: prod,
    },
    // Longhorn's values.yaml: disable the pre-upgrade Helm hook under Argo CD (GitOps).
    preUpgradeChecker: { jobEnabled: false },
    longhornManager: { resources: LONGHORN_RESOURCES.manager, tolerations: rndStorage ? [server, rnd] : [server] },
    longhornUI: {
      replicas: 2,
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'longhorn-ui' } }, topologyKey: 'kubernetes.io/hostname' }],
        },
      },
    },
    csi: { podAntiAffinityPreset: 'hard', attacherReplicaCount: 3, provisionerReplicaCount: 3, resizerReplicaCount: 3, snapshotterReplicaCount: 3 },
    defaultSettings: {
      // Hard anti-affinity: never two replicas of a volume on one node, so losing a node
      // loses at most one copy.
      replicaSoftAntiAffinity: REPLICA_SOFT_ANTI_AFFINITY,
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
      // Changing it restarts Longhorn's system components: change it with every volume detached.
      taintToleration: longhornTaintToleration(ctx.site),
      // Versions are pinned in git; nothing should phone home for new ones.
      upgradeChecker: false,
      storageMinimalAvailablePercentage: 25,
      // Harbor's images volume is RWX: its share manager moves in about a minute instead of after
      // eviction plus a 90 s NFS grace period (reports/failure-simulation.md).
      rwxVolumeFastFailover: true,
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
 * The parameters of the R&D StorageClass: one replica (RND_REPLICA_COUNT: R&D volumes live on
 * the R&D node only, and hard anti-affinity allows one replica per node) on disks and nodes
 * tagged rnd, the share manager of an RWX volume on an R&D node too.
 */
export function rndStorageClassParameters(): Record<string, string> {
  return {
    numberOfReplicas: String(RND_REPLICA_COUNT),
    staleReplicaTimeout: '30',
    dataLocality: 'best-effort',
    fsType: 'ext4',
    diskSelector: STORAGE_TAGS.rnd,
    nodeSelector: STORAGE_TAGS.rnd,
    shareManagerNodeSelector: STORAGE_TAGS.rnd,
  };
}

/**
 * `longhorn-rnd`: the StorageClass of R&D volumes (apps with `environment: rnd`), on the R&D
 * nodes' disks only (tagged rnd, never a production disk). Not the default class.
 */
export function rndStorageClass(scope: Construct): KubeStorageClass {
  return new KubeStorageClass(scope, 'rnd-storage-class', {
    metadata: { name: RND_STORAGE_CLASS, labels: { [STORAGE_TAG_LABEL]: STORAGE_TAGS.rnd } },
    provisioner: 'driver.longhorn.io',
    allowVolumeExpansion: true,
    reclaimPolicy: 'Retain',
    volumeBindingMode: 'Immediate',
    parameters: rndStorageClassParameters(),
  });
}

/** Longhorn's UI: it has no login of its own, so it is published only behind single sign-on (with Keycloak). */
export const LONGHORN_WEB_UI: LayerUi = { subdomain: 'longhorn', what: 'Longhorn', when: withComponent('keycloak') };
/** What the longhorn layer takes for itself, for the site and app rules (`LAYER_NEEDS`): its UI's host. */
export const LONGHORN_NEEDS: LayerNeeds = { layer: 'longhorn', uis: [LONGHORN_WEB_UI] };

/**
 * Longhorn: replicated block storage (three replicas on three nodes), the default
 * StorageClass, the site's backup target and recurring snapshots and backups.
 */
export function longhornLayer(scope: Construct, ctx: PlatformContext): Layer {
  const credentials = backupCredentialData(ctx.site.storage);
  const ui = publishes(ctx.site, LONGHORN_WEB_UI);
  const layer = new Layer(scope, {
    name: 'longhorn',
    description: 'Longhorn: replicated volumes (default StorageClass), backups to the site target',
    namespace: LONGHORN_NAMESPACE,
    // The credentials Secret needs External Secrets; the UI behind single sign-on (with Keycloak)
    // the gateway and External Secrets. Without either, storage waits for no layer.
    dependsOn: [...(ui ? ['gateway'] : []), ...(credentials || ui ? ['secrets'] : [])],
  });
  // Prometheus scrapes it from the monitoring namespace (the monitoring layer renders the monitor).
  Inventory.of(layer).addScrapeTarget({ name: 'longhorn', layer: layer.layerName, namespace: LONGHORN_NAMESPACE, selector: { app: 'longhorn-manager' }, port: 'manager' });
  // The chart's NetworkPolicy longhorn-manager (networkPolicies.restrictInternalTraffic, on by
  // default since chart 1.12.1) admits Longhorn's own pods only, so that scrape would time out
  // and every longhorn_* series, with the volume and backup alerts on them, would be gone without
  // an alert (longhorn/longhorn#13740; 1.12.1 has no value for it). Policies add up: this one
  // admits Prometheus's pods, on the metrics port only (9500 also serves the manager's API).
  new KubeNetworkPolicy(layer, 'scrape-policy', {
    metadata: { name: 'longhorn-manager-from-prometheus', namespace: LONGHORN_NAMESPACE },
    spec: {
      podSelector: { matchLabels: { app: 'longhorn-manager' } },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
        }],
        ports: [{ protocol: 'TCP', port: IntOrString.fromString('manager') }],
      }],
    },
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
    chart: pinned(ctx, LONGHORN_CHART),
    namespace: LONGHORN_NAMESPACE,
    values: longhornValues(ctx),
    providesApis: [{ group: 'longhorn.io' }],
    ha: longhornHa(),
    workloads: longhornCsiWorkloads(),
    storage: longhornStorage(),
    runtimeSelectors: LONGHORN_MANAGER_SERVICES.map((service) => ({
      service,
      because: 'longhorn-manager labels its own pod for this Service once the endpoint serves (app/daemon.go, AddLabelToManagerPod), takes the label off a node suspected down for RWX failover (controller/share_manager_controller.go) and puts it back (controller/node_controller.go): no template has the label',
    })),
    patches: longhornPatches(),
  });
  if (ctx.site.nodes.some((n) => n.rnd && n.storage)) rndStorageClass(layer);
  // Longhorn renders budgets for the attacher and provisioner only; drains take one of the others at a time too.
  for (const name of [...CSI_WITH_PLATFORM_PDB, LONGHORN_UI_PDB]) {
    new KubePodDisruptionBudget(layer, `${name}-pdb`, {
      metadata: { name, namespace: LONGHORN_NAMESPACE },
      spec: { minAvailable: IntOrString.fromNumber(1), selector: { matchLabels: { app: name } } },
    });
  }
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
  if (ui) {
    new PublishedUi(layer, 'ui', {
      name: LONGHORN_WEB_UI.subdomain, namespace: LONGHORN_NAMESPACE, serviceName: LONGHORN_FRONTEND.name, servicePort: LONGHORN_FRONTEND.port,
      description: 'Longhorn UI: volumes, replicas, backups (single sign-on, admin group)',
      sso: { groups: [realmGroupName(ctx.site.ldap.adminGroup)] },
    });
  }
  Inventory.of(layer).addOutsideUse({
    service: 'backup-nfs',
    usedBy: 'longhorn',
    purpose: 'recurring volume backups to storage.backupTarget',
    whileDown: 'volume backups fail; restores from the NAS are impossible',
    mitigation: 'volumes keep serving from their replicas; the next recurring job backs up again',
  });
  return layer;
}
