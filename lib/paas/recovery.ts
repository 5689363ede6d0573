import { EVICTION, EvictionSettings, worstCaseEvictionSeconds } from '../hosts/k3s-config';

/**
 * How long a singleton app is away after the node running it dies, computed step by step from
 * its rendered pod (tolerations, probes) and the cluster's eviction settings. The HA simulator
 * and the drill read the same numbers; docs/demo-whiteboard.md prints them.
 */

/**
 * Longhorn, with `nodeDownPodDeletionPolicy: delete-both-statefulset-and-deployment-pod`,
 * force-deletes the evicted pod stuck on the dead node and removes its VolumeAttachment; the
 * volume then attaches to the node of the replacement pod (a replica is already there or is
 * rebuilt in the background: the data of a 3-replica volume survives one node). A budget, not
 * a measurement: the drill (`npm run drill`) measures it on the site.
 */
export const VOLUME_MOVE_BUDGET_SECONDS = 30;
/**
 * Pulling the image on the new node through Harbor's proxy cache on the LAN (0 when the node
 * already has it). A budget, checked by the drill.
 */
export const IMAGE_PULL_BUDGET_SECONDS = 10;

/** One step of the recovery, in order. */
export interface RecoveryStep {
  readonly step: string;
  readonly seconds: number;
  /** How the number is made, from the rendered settings. */
  readonly how: string;
}

/** The recovery of one app after its node dies. */
export interface RecoveryEstimate {
  readonly steps: readonly RecoveryStep[];
  readonly totalSeconds: number;
}

/** The parts of a rendered pod spec the recovery depends on (Kubernetes JSON field names). */
export interface RecoveryPod {
  readonly tolerations?: readonly { readonly key?: string; readonly effect?: string; readonly tolerationSeconds?: number }[];
  readonly containers: readonly {
    readonly startupProbe?: { readonly periodSeconds?: number; readonly failureThreshold?: number };
    readonly readinessProbe?: { readonly periodSeconds?: number };
  }[];
  readonly volumes?: readonly { readonly persistentVolumeClaim?: object }[];
}

/** The pod's toleration of a dead node: the shorter of not-ready and unreachable (NoExecute). */
export function podTolerationSeconds(pod: RecoveryPod): number {
  const keys = ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'];
  const found = (pod.tolerations ?? []).filter((t) => keys.includes(t.key ?? '') && t.effect === 'NoExecute' && t.tolerationSeconds !== undefined);
  if (found.length < keys.length) throw new Error(`the pod does not tolerate ${keys.join(' and ')} for an explicit time; the API server's default (${EVICTION.tolerationSeconds} s) would apply, render it explicitly`);
  return Math.max(...found.map((t) => t.tolerationSeconds!));
}

/**
 * Worst case from the node's last heartbeat until the app answers again on another node:
 * eviction (node-monitor grace period + one monitor period + the pod's toleration), the
 * volume move (when the pod mounts a volume), the image pull, the startup probe's window, and
 * one readiness period.
 */
export function recoveryFromPod(pod: RecoveryPod, eviction: EvictionSettings = EVICTION): RecoveryEstimate {
  const toleration = podTolerationSeconds(pod);
  const container = pod.containers[0];
  const startup = container.startupProbe;
  const startupWindow = (startup?.periodSeconds ?? 10) * (startup?.failureThreshold ?? 3);
  const readiness = container.readinessProbe?.periodSeconds ?? 10;
  const hasVolume = (pod.volumes ?? []).some((v) => v.persistentVolumeClaim);
  const steps: RecoveryStep[] = [
    {
      step: 'eviction',
      seconds: worstCaseEvictionSeconds({ ...eviction, tolerationSeconds: toleration }),
      how: `node-monitor-grace-period ${eviction.nodeMonitorGracePeriodSeconds} s + node-monitor-period ${eviction.nodeMonitorPeriodSeconds} s + the pod's not-ready/unreachable toleration ${toleration} s`,
    },
    ...(hasVolume ? [{
      step: 'volume move',
      seconds: VOLUME_MOVE_BUDGET_SECONDS,
      how: 'Longhorn force-deletes the pod left on the dead node (nodeDownPodDeletionPolicy) and attaches the volume on the new node (budget)',
    }] : []),
    { step: 'image pull', seconds: IMAGE_PULL_BUDGET_SECONDS, how: 'the image through Harbor\'s proxy cache, when the new node lacks it (budget)' },
    {
      step: 'start-up',
      seconds: startupWindow,
      how: `startup probe: ${startup?.failureThreshold ?? 3} attempts every ${startup?.periodSeconds ?? 10} s (the longest the app may take to answer)`,
    },
    { step: 'ready', seconds: readiness, how: `first readiness probe after start-up (every ${readiness} s); the gateway then routes to the pod` },
  ];
  return { steps, totalSeconds: steps.reduce((n, s) => n + s.seconds, 0) };
}
