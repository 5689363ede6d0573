import { Construct } from 'constructs';
import { Plan } from '../../imports/upgrade.cattle.io';
import { GitComponent } from '../constructs/git-component';
import type { PlatformContext } from '../context';
import { fixed, WorkloadDeclaration } from '../ha/workloads';
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

/**
 * The controller's Deployment in the upstream manifests of the pinned tag
 * (manifests/system-upgrade-controller.yaml): one replica on a server, no probes.
 */
export function systemUpgradeControllerWorkloads(): WorkloadDeclaration[] {
  const upstream = 'the upstream manifest of the pinned tag';
  return [{
    name: 'system-upgrade-controller',
    kind: 'Deployment',
    replicas: fixed(1, `${upstream} runs one controller`),
    singleton: 'runs the k3s upgrade Plans only: nothing serving waits on it, and a Plan resumes where it stopped',
    nodeAffinity: fixed({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: CONTROL_PLANE_LABEL, operator: 'Exists' }] }] } }, `${upstream} runs it on a control-plane node`),
    tolerations: fixed([{ key: SERVER_TAINT.key, operator: 'Exists' }, { key: CONTROL_PLANE_LABEL, operator: 'Exists', effect: 'NoSchedule' }], `the tolerations of ${upstream}`),
    startup: { seconds: fixed(30, `${upstream} has no probe; a small Go controller, ready once it runs`) },
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
    // The upstream manifests carry the namespace too; this layer owns it (one owner per object,
    // or the two Applications would keep relabelling it).
    patches: [{
      target: { version: 'v1', kind: 'Namespace', name: UPGRADES_NAMESPACE },
      patch: `$patch: delete\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${UPGRADES_NAMESPACE}\n`,
    }],
    // The controller registers the Plan CRD itself when it starts.
    providesApis: [{ group: 'upgrade.cattle.io' }],
    workloads: systemUpgradeControllerWorkloads(),
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
