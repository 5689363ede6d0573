import { IntOrString, KubePodDisruptionBudget } from 'cdk8s-plus-25/lib/imports/k8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { Plan } from '../../imports/upgrade.cattle.io';
import { GitComponent } from '../constructs/git-component';
import type { RenderedWorkloadHa } from '../constructs/upstream-objects';
import type { PlatformContext } from '../context';
import { CONTROL_PLANE_LABEL, RND_KEY, SERVER_TAINT } from '../hosts/node-labels';
import { PlatformNamespace } from '../constructs/platform-namespace';
import { Layer } from '../layer';

export const UPGRADES_NAMESPACE = 'system-upgrade';
/** The ServiceAccount the upstream manifests create; upgrade Jobs run as it. */
export const UPGRADE_SERVICE_ACCOUNT = 'system-upgrade';
/** The image that upgrades k3s in place; its tag comes from each Plan's version. */
export const K3S_UPGRADE_IMAGE = 'rancher/k3s-upgrade';
export const SERVER_PLAN = 'server-plan';
export const AGENT_PLAN = 'agent-plan';

/** Name of the controller's Deployment (and of its `upgrade.cattle.io/controller` pod label) in the upstream manifests. */
export const SUC_DEPLOYMENT = 'system-upgrade-controller';
const SUC_SELECTOR = { 'upgrade.cattle.io/controller': SUC_DEPLOYMENT } as const;

/**
 * What the platform changes in the upstream Deployment (manifests/system-upgrade-controller.yaml
 * runs one replica, no resources, a writable root filesystem), as a strategic-merge patch.
 */
export function systemUpgradeControllerPatch(): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: SUC_DEPLOYMENT, namespace: UPGRADES_NAMESPACE },
    spec: {
      // It elects a leader (SYSTEM_UPGRADE_CONTROLLER_LEADER_ELECT in the upstream ConfigMap) and
      // its required anti-affinity puts each replica on another server: the standby takes the
      // lease when the leader's node goes (a server Plan restarts k3s on every server in turn).
      replicas: 2,
      template: {
        spec: {
          containers: [{
            name: SUC_DEPLOYMENT,
            resources: { requests: { cpu: '25m', memory: '64Mi' }, limits: { memory: '256Mi' } },
            // It writes only to /tmp, an emptyDir in the upstream manifest.
            securityContext: { readOnlyRootFilesystem: true },
          }],
        },
      },
    },
  };
}

/** HA facts of the controller Deployment that its spec cannot say. */
export function systemUpgradeControllerHa(): RenderedWorkloadHa[] {
  return [{
    kind: 'Deployment',
    name: SUC_DEPLOYMENT,
    exempt: {
      'ha/probes': 'the controller (v0.20.1) serves no port at all, no health or metrics endpoint, and its image is FROM scratch with only the binary: there is nothing a probe could ask',
      'ha/host-namespaces': 'mounts the node\'s CA bundles (/etc/ssl, /etc/pki, /etc/ca-certificates) read-only, as upstream does: its scratch image has no CA certificates of its own, and it needs them to resolve Plan channels over HTTPS',
    },
  }];
}

/**
 * k3s upgrades through the cluster: system-upgrade-controller (from its Git repository, pinned)
 * and two Plans that move every node to the k3s version of `versions.k3s`: servers one at a
 * time (cordoned), then agents one at a time (drained), after every server is done.
 */
export function upgradesLayer(scope: Construct, ctx: PlatformContext): Layer {
  const layer = new Layer(scope, {
    name: 'upgrades',
    description: 'system-upgrade-controller and the k3s upgrade Plans (servers, then agents)',
    namespace: UPGRADES_NAMESPACE,
  });
  // Upgrade Jobs are privileged: they replace the k3s binary on the host and restart it.
  new PlatformNamespace(layer, 'namespace', { name: UPGRADES_NAMESPACE, podSecurity: 'privileged' });
  const suc = ctx.versions['system-upgrade-controller'];
  new GitComponent(layer, 'system-upgrade-controller', {
    name: 'system-upgrade-controller',
    upstream: 'system-upgrade-controller',
    source: suc,
    namespace: UPGRADES_NAMESPACE,
    // The repository's root kustomization pins a stale controller image at release tags.
    images: [`rancher/system-upgrade-controller:${suc.version}`],
    patches: [
      // The upstream manifests carry the namespace too; this layer owns it (one owner per object,
      // or the two Applications would keep relabelling it).
      {
        target: { version: 'v1', kind: 'Namespace', name: UPGRADES_NAMESPACE },
        patch: `$patch: delete\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${UPGRADES_NAMESPACE}\n`,
      },
      // Two leader-elected replicas, resources, a read-only root.
      { target: { group: 'apps', version: 'v1', kind: 'Deployment', name: SUC_DEPLOYMENT }, patch: stringify(systemUpgradeControllerPatch()) },
    ],
    // The controller registers the Plan CRD itself when it starts.
    providesApis: [{ group: 'upgrade.cattle.io' }],
    ha: systemUpgradeControllerHa(),
  });
  // One of the two controllers may be evicted at a time (a drain of its server).
  new KubePodDisruptionBudget(layer, 'system-upgrade-controller-pdb', {
    metadata: { name: SUC_DEPLOYMENT, namespace: UPGRADES_NAMESPACE },
    spec: { minAvailable: IntOrString.fromNumber(1), selector: { matchLabels: { ...SUC_SELECTOR } } },
  });

  const version = ctx.versions.k3s.version;
  new Plan(layer, 'server-plan', {
    metadata: { name: SERVER_PLAN, namespace: UPGRADES_NAMESPACE },
    spec: {
      // One server at a time keeps etcd quorum (2 of 3) while a server restarts.
      concurrency: 1,
      cordon: true,
      nodeSelector: { matchExpressions: [{ key: CONTROL_PLANE_LABEL, operator: 'In', values: ['true'] }] },
      tolerations: [{ key: SERVER_TAINT.key, operator: 'Exists' }],
      serviceAccountName: UPGRADE_SERVICE_ACCOUNT,
      upgrade: { image: K3S_UPGRADE_IMAGE },
      version,
    },
  });
  new Plan(layer, 'agent-plan', {
    metadata: { name: AGENT_PLAN, namespace: UPGRADES_NAMESPACE },
    spec: {
      concurrency: 1,
      cordon: true,
      // A string is passed to `kubectl drain --timeout` as is (an integer would be nanoseconds).
      drain: { force: true, skipWaitForDeleteTimeout: 60, timeout: '10m' },
      nodeSelector: { matchExpressions: [{ key: CONTROL_PLANE_LABEL, operator: 'DoesNotExist' }] },
      tolerations: [{ key: RND_KEY, operator: 'Exists' }],
      // Agents never run a newer kubelet than the servers: wait until server-plan is complete.
      prepare: { image: K3S_UPGRADE_IMAGE, args: ['prepare', SERVER_PLAN] },
      serviceAccountName: UPGRADE_SERVICE_ACCOUNT,
      upgrade: { image: K3S_UPGRADE_IMAGE },
      version,
    },
  });
  return layer;
}
