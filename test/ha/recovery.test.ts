import { automaticLabels, ClusterModel, NodeModel, Workload } from '../../lib/ha/model';
import {
  containerStartupSeconds, DEAD_NODE_TAINT_KEYS, deadNodeTolerations, evictionSeconds, IMAGE_PULL_BUDGET_SECONDS, LONGHORN_SHARE_MANAGER, notReadySeconds,
  probeWindowSeconds, readinessWindowStep, readyStep, recovery, recoveryFromPod, shareManagerRecovery, startupAllowanceSeconds, startupProbeStep,
  VOLUME_MOVE_BUDGET_SECONDS, volumeMoveSeconds, worstCaseEvictionSeconds,
} from '../../lib/ha/recovery';
import { simulate } from '../../lib/ha/simulate';
import type { EvictionSettings } from '../../lib/hosts/k3s-config';
import { siteWith, shippedSite } from '../helpers';

const MONITOR = { nodeMonitorGracePeriodSeconds: 20, nodeMonitorPeriodSeconds: 2 };
const dead = (seconds: number) => DEAD_NODE_TAINT_KEYS.map((key) => ({ key, effect: 'NoExecute', tolerationSeconds: seconds }));

describe('the recovery model: eviction', () => {
  test('GIVEN the node monitor WHEN a node dies THEN it is NotReady after grace + one period, and a pod is evicted after its toleration on top', () => {
    expect(notReadySeconds(MONITOR)).toBe(22);
    expect(evictionSeconds(MONITOR, 5)).toBe(27);
    expect(evictionSeconds(MONITOR, Infinity)).toBe(Infinity);
  });

  test('GIVEN the eviction settings WHEN no toleration is given THEN the API server\'s default applies', () => {
    expect(worstCaseEvictionSeconds()).toBe(42);
    expect(worstCaseEvictionSeconds({ nodeStatusUpdateFrequencySeconds: 10, nodeMonitorPeriodSeconds: 5, nodeMonitorGracePeriodSeconds: 40, tolerationSeconds: 300 })).toBe(345);
  });
});

describe('the recovery model: steps', () => {
  test('GIVEN a Deployment with a volume WHEN it recovers THEN eviction, the volume attach budget, the image pull budget, start-up and ready add up', () => {
    const r = recovery({ nodeMonitor: MONITOR, tolerationSeconds: 5, volume: {}, startup: { seconds: 10, how: 'x' }, ready: { seconds: 5, how: 'y' } });
    expect(r.steps.map((s) => [s.step, s.seconds])).toEqual([['eviction', 27], ['volume move', VOLUME_MOVE_BUDGET_SECONDS], ['image pull', IMAGE_PULL_BUDGET_SECONDS], ['start-up', 10], ['ready', 5]]);
    expect(r.totalSeconds).toBe(82);
  });

  test('GIVEN a StatefulSet WHEN its volume moves THEN it waits out the termination grace before the attach; without a volume there is no such step', () => {
    expect(volumeMoveSeconds({})).toBe(VOLUME_MOVE_BUDGET_SECONDS);
    expect(volumeMoveSeconds({ terminationGraceSeconds: 30 })).toBe(30 + VOLUME_MOVE_BUDGET_SECONDS);
    expect(volumeMoveSeconds({ terminationGraceSeconds: 30, attachSeconds: 5 })).toBe(35);
    expect(recovery({ nodeMonitor: MONITOR, tolerationSeconds: 20 }).steps.map((s) => s.step)).toEqual(['eviction', 'image pull']);
  });

  test('GIVEN probes WHEN their windows are read THEN initial delay + attempts x period, with Kubernetes\' defaults, and none for a switched-off probe', () => {
    expect(probeWindowSeconds({ periodSeconds: 10, failureThreshold: 12 })).toBe(120);
    expect(probeWindowSeconds({ initialDelaySeconds: 10, periodSeconds: 30, failureThreshold: 5 })).toBe(160);
    expect(probeWindowSeconds({})).toBe(30);
    expect(probeWindowSeconds({ enabled: false })).toBeUndefined();
    expect(probeWindowSeconds(undefined)).toBeUndefined();
    expect(startupProbeStep({ periodSeconds: 2, failureThreshold: 5 }).seconds).toBe(10);
    expect(readyStep({ periodSeconds: 5 }).seconds).toBe(5);
    expect(readinessWindowStep({ initialDelaySeconds: 10, periodSeconds: 30, failureThreshold: 5 }).seconds).toBe(160);
    // A rendered container: the startup window and one readiness period; else the readiness window.
    expect(containerStartupSeconds({ startupProbe: { periodSeconds: 2, failureThreshold: 5 }, readinessProbe: { periodSeconds: 5 } })).toBe(15);
    expect(containerStartupSeconds({ readinessProbe: { initialDelaySeconds: 5, periodSeconds: 10, failureThreshold: 3 } })).toBe(35);
    expect(containerStartupSeconds({})).toBeUndefined();
  });

  test('GIVEN a budget WHEN the start-up allowance is asked THEN it is what the other steps leave', () => {
    expect(startupAllowanceSeconds({ nodeMonitor: MONITOR, tolerationSeconds: 5, volume: {}, ready: readyStep({ periodSeconds: 5 }) }, 90)).toBe(18);
  });

  test('GIVEN an RWX volume WHEN its share manager moves THEN the lease (fast failover) or NotReady, the image pull, the attach and the NFS grace add up', () => {
    expect(shareManagerRecovery({ nodeMonitor: MONITOR, fastFailover: true }).totalSeconds)
      .toBe(LONGHORN_SHARE_MANAGER.leaseSeconds + IMAGE_PULL_BUDGET_SECONDS + VOLUME_MOVE_BUDGET_SECONDS + LONGHORN_SHARE_MANAGER.nfsGraceFastSeconds);
    expect(shareManagerRecovery({ nodeMonitor: MONITOR, fastFailover: false, attachSeconds: 10 }).totalSeconds).toBe(22 + IMAGE_PULL_BUDGET_SECONDS + 10 + LONGHORN_SHARE_MANAGER.nfsGraceSeconds);
  });
});

describe('the recovery model: a rendered pod', () => {
  const pod = {
    tolerations: dead(5),
    containers: [{ startupProbe: { periodSeconds: 2, failureThreshold: 5 }, readinessProbe: { periodSeconds: 5 } }],
    volumes: [{ persistentVolumeClaim: { claimName: 'data' } }],
  };

  test('GIVEN a pod with explicit dead-node tolerations, probes and a claim WHEN estimated THEN every step is named with how it is made', () => {
    const r = recoveryFromPod(pod, MONITOR);
    expect(r.steps.map((s) => [s.step, s.seconds])).toEqual([['eviction', 27], ['volume move', 30], ['image pull', 10], ['start-up', 10], ['ready', 5]]);
    expect(r.steps[0].how).toBe('node-monitor-grace-period 20 s + node-monitor-period 2 s + the pod\'s not-ready/unreachable toleration 5 s');
    expect(r.steps[3].how).toBe('startup probe: 5 attempts every 2 s (the longest the app may take to answer)');
    expect(r.totalSeconds).toBe(82);
  });

  test('GIVEN a pod without both tolerations WHEN estimated THEN it is refused: the API server\'s default would apply silently', () => {
    expect(() => recoveryFromPod({ containers: [{}] })).toThrow('does not tolerate node.kubernetes.io/unreachable and node.kubernetes.io/not-ready for an explicit time');
    expect(() => recoveryFromPod({ ...pod, tolerations: dead(5).slice(0, 1) })).toThrow('does not tolerate');
  });

  test('GIVEN the dead-node tolerations WHEN rendered THEN both keys, NoExecute, in the order asked', () => {
    expect(deadNodeTolerations(10)).toEqual([
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 },
    ]);
    expect(deadNodeTolerations(5, [...DEAD_NODE_TAINT_KEYS].reverse()).map((t) => t.key)).toEqual(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);
  });
});

describe('the recovery model is what the simulation, the layers and the importer use', () => {
  const GiB = 2 ** 30;
  const node = (name: string, role: 'server' | 'agent'): NodeModel => ({ name, role, labels: { ...automaticLabels(name, role), disk: 'true' }, taints: [], cpuMillis: 4000, memoryBytes: 8 * GiB });
  const cluster = (grace: number): ClusterModel => ({
    nodes: [node('db1', 'server'), node('db2', 'server'), node('db3', 'server'), node('www1', 'agent'), node('www2', 'agent')],
    eviction: { nodeMonitorGracePeriodSeconds: grace, nodeMonitorPeriodSeconds: 2, defaultUnreachableTolerationSeconds: 20 },
    recoveryBudgetSeconds: 300,
    storage: {
      storageClass: 'longhorn', defaultClass: true, replicaCount: 3, hardAntiAffinity: true, nodeDownPodDeletionPolicy: 'delete-both-statefulset-and-deployment-pod',
      rwxFastFailover: true, diskNodeLabel: 'disk', managerDaemonSet: 'longhorn-manager', csiDaemonSet: 'longhorn-csi-plugin', attachSeconds: 30,
      origin: { file: 'dist/longhorn/application-longhorn-chart.yaml', obj: {} },
    },
  });
  const db: Workload = {
    kind: 'StatefulSet', namespace: 'shop', name: 'db', label: 'shop/db (StatefulSet)', origin: { file: 'dist/shop/db.yaml', obj: {} }, declared: false,
    replicas: 1, singleton: 'one writer', nodeSelector: {}, tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 7 }],
    pdbNote: 'none', cpuMillis: 0, memoryBytes: 0, exempt: new Map(), startupSeconds: 40, startupNote: 'probe', terminationGraceSeconds: 15,
    volumes: [{ name: 'data', storageClass: 'longhorn', accessMode: 'ReadWriteOnce' }], argo: { via: 'self' },
  };

  test('GIVEN a StatefulSet singleton WHEN the simulation loses its node THEN its outage is the model\'s total, and follows the eviction settings', () => {
    for (const grace of [20, 50]) {
      const c = cluster(grace);
      // The simulation assumes a singleton runs on the node it loses.
      const o = simulate(c, [db], ['www1']).outcomes.find((x) => x.workload.name === 'db')!;
      const expected = recovery({ nodeMonitor: c.eviction, tolerationSeconds: 7, volume: { attachSeconds: 30, terminationGraceSeconds: 15 }, startup: { seconds: 40, how: 'probe' } }).totalSeconds;
      expect(o.outageSeconds).toBe(expected);
      expect(expected).toBe(grace + 2 + 7 + 15 + 30 + IMAGE_PULL_BUDGET_SECONDS + 40);
    }
  });

  test('GIVEN other eviction settings WHEN the layers are loaded THEN Jenkins\' and Velero\'s recovery (and the reasons of their budgets) follow', () => {
    const slower: EvictionSettings = { nodeStatusUpdateFrequencySeconds: 4, nodeMonitorPeriodSeconds: 5, nodeMonitorGracePeriodSeconds: 40, tolerationSeconds: 30 };
    const load = <T>(file: string): T => {
      let mod: T | undefined;
      jest.isolateModules(() => {
        jest.doMock('../../lib/hosts/k3s-config', () => ({ ...jest.requireActual('../../lib/hosts/k3s-config'), EVICTION: slower }));
        mod = require(file) as T; // eslint-disable-line @typescript-eslint/no-require-imports
      });
      jest.dontMock('../../lib/hosts/k3s-config');
      return mod!;
    };
    const jenkins = load<typeof import('../../lib/layers/jenkins')>('../../lib/layers/jenkins');
    // 75 s eviction + 60 s volume move + 10 s image pull + 120 s startup window + 10 s ready.
    expect(jenkins.JENKINS_RECOVERY_SECONDS).toBe(75 + 60 + 10 + 120 + 10);
    expect(jenkins.JENKINS_RECOVERY_BUDGET.reason).toContain('needs 75 s eviction + 60 s volume move');
    const backups = load<typeof import('../../lib/layers/backups')>('../../lib/layers/backups');
    expect(backups.VELERO_RECOVERY_SECONDS).toBe(75 + 10 + 160);
    expect(backups.VELERO_RECOVERY_BUDGET.reason).toContain('75 s eviction + 10 s image pull');
  });

  test('GIVEN the site\'s budget WHEN a compose singleton is imported THEN its start-up is what the model leaves, at most 15 s', () => {
    const { singletonStartupSeconds } = jest.requireActual<typeof import('../../lib/delivery/import-compose')>('../../lib/delivery/import-compose');
    expect(singletonStartupSeconds(shippedSite())).toBe(15);
    // 27 s eviction + 30 s volume move + 10 s image pull + 5 s ready = 72 s: 80 s leaves 8.
    expect(singletonStartupSeconds(siteWith((s) => { s.ha.recoveryBudgetSeconds = 80; }))).toBe(8);
    expect(singletonStartupSeconds(siteWith((s) => { s.ha.recoveryBudgetSeconds = 60; }))).toBe(1);
  });
});
