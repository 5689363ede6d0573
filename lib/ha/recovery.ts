import { EVICTION, EvictionSettings } from '../hosts/k3s-config';

/**
 * The platform's one recovery model: how long a workload is away after the node running it
 * dies, step by step. The node-failure simulation, the PaaS budget check (synth), the drill's
 * expectation, docs/demo-whiteboard.md and the layers' declared budgets (Jenkins, Velero) all
 * compute with it; nothing else adds up recovery times.
 *
 *   eviction     = node-monitor-grace-period + node-monitor-period + the pod's dead-node toleration
 *   volume move  = (a StatefulSet: its termination grace, then Longhorn force-deletes the pod) + attach
 *   image pull   = a budget (Harbor's proxy cache on the LAN)
 *   start-up     = the startup probe's window (or the readiness probe's, or a declared figure)
 *   ready        = one readiness period after the startup probe passed
 */

/** The taints the node controller puts on a node that stopped answering (NoExecute: its pods are evicted). */
export const DEAD_NODE_TAINTS = {
  unreachable: 'node.kubernetes.io/unreachable',
  notReady: 'node.kubernetes.io/not-ready',
} as const;

/** A dead node's taint key. */
export type DeadNodeTaintKey = (typeof DEAD_NODE_TAINTS)[keyof typeof DEAD_NODE_TAINTS];

/** Both dead-node taint keys, unreachable first: a pod tolerates both for the same time. */
export const DEAD_NODE_TAINT_KEYS: readonly DeadNodeTaintKey[] = [DEAD_NODE_TAINTS.unreachable, DEAD_NODE_TAINTS.notReady];

/** A toleration of a dead node's NoExecute taints (Kubernetes JSON, as pod specs and charts take it). */
export interface DeadNodeToleration {
  readonly key: DeadNodeTaintKey;
  readonly operator: 'Exists';
  readonly effect: 'NoExecute';
  readonly tolerationSeconds: number;
}

/** Explicit tolerations of a dead node (NoExecute) for `seconds`, one per key in `keys` order. */
export function deadNodeTolerations(seconds: number, keys: readonly DeadNodeTaintKey[] = DEAD_NODE_TAINT_KEYS): DeadNodeToleration[] {
  return keys.map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds }));
}

/**
 * How long a stateless singleton (no volume to release, nothing to hand over) stays bound to an
 * unreachable node: half the platform's 20 s. Leaving early costs nothing but a restart elsewhere
 * if the node was only briefly cut off, and it keeps such a singleton within the recovery budget.
 */
export const STATELESS_SINGLETON_TOLERATION_SECONDS = 10;

/**
 * Moving a Longhorn volume to the replacement pod's node: with `nodeDownPodDeletionPolicy:
 * delete-both-statefulset-and-deployment-pod` Longhorn force-deletes the evicted pod stuck on the
 * dead node and removes its VolumeAttachment; the volume then attaches on the new node (a replica
 * is already there or is rebuilt in the background: the data of a 3-replica volume survives one
 * node). A budget, not a measurement (Longhorn's own node-down tests see the replacement running
 * in about 30 s): the drill (`npm run drill`) measures it on the site.
 */
export const VOLUME_MOVE_BUDGET_SECONDS = 30;

/**
 * Pulling the image on the new node through Harbor's proxy cache on the LAN (0 when the node
 * already has it). A budget, checked by the drill.
 */
export const IMAGE_PULL_BUDGET_SECONDS = 10;

/**
 * Longhorn's own timings for an RWX volume's share manager (longhorn-manager v1.12.1,
 * controller/share_manager_controller.go).
 */
export const LONGHORN_SHARE_MANAGER = {
  /** With rwxVolumeFastFailover the share manager's lease (7 s) expiring moves it, without waiting for node eviction. */
  leaseSeconds: 7,
  /** The NFS server's grace period for clients to reclaim their state: 30 s with fast failover, 90 s without. */
  nfsGraceFastSeconds: 30,
  nfsGraceSeconds: 90,
} as const;

/** How the node controller watches nodes: the part of the eviction settings every recovery starts with. */
export interface NodeMonitor {
  readonly nodeMonitorGracePeriodSeconds: number;
  readonly nodeMonitorPeriodSeconds: number;
}

/**
 * Worst case from a node's last heartbeat until the node controller marks it NotReady and taints
 * it: the grace period, plus at most one node-monitor period before the controller notices.
 */
export function notReadySeconds(m: NodeMonitor): number {
  return m.nodeMonitorGracePeriodSeconds + m.nodeMonitorPeriodSeconds;
}

/** Worst case from a node's last heartbeat until a pod tolerating its taints for `tolerationSeconds` is evicted (Infinity: never). */
export function evictionSeconds(m: NodeMonitor, tolerationSeconds: number): number {
  return notReadySeconds(m) + tolerationSeconds;
}

/** Worst case from a node's last heartbeat until its pods are evicted, with the API server's default toleration. */
export function worstCaseEvictionSeconds(e: EvictionSettings = EVICTION): number {
  return evictionSeconds(e, e.tolerationSeconds);
}

/** What a pod's replacement waits for before its volume is usable on another node. */
export interface VolumeMove {
  /** Attaching the volume on the new node. @default VOLUME_MOVE_BUDGET_SECONDS */
  readonly attachSeconds?: number;
  /**
   * A StatefulSet's replacement is created only once the old pod is gone: Longhorn force-deletes
   * it when its deletion time (eviction + this grace) has passed. Unset for a Deployment, whose
   * replacement is already waiting when Longhorn releases the volume at eviction.
   */
  readonly terminationGraceSeconds?: number;
}

/** Seconds from eviction until the volume is attached on the replacement's node. */
export function volumeMoveSeconds(v: VolumeMove): number {
  return (v.terminationGraceSeconds ?? 0) + (v.attachSeconds ?? VOLUME_MOVE_BUDGET_SECONDS);
}

/** A probe's timing (Kubernetes JSON field names; Kubernetes' defaults when unset). */
export interface ProbeTiming {
  readonly initialDelaySeconds?: number;
  readonly periodSeconds?: number;
  readonly failureThreshold?: number;
}

/**
 * The longest a probe may keep failing before it gives up: its initial delay, then every attempt
 * (Kubernetes' defaults: no delay, 3 attempts, every 10 s). Undefined without a probe, or for a
 * chart's probe switched off (`enabled: false`).
 */
export function probeWindowSeconds(probe: (ProbeTiming & { readonly enabled?: unknown }) | undefined): number | undefined {
  if (!probe || typeof probe !== 'object' || probe.enabled === false) return undefined;
  return Number(probe.initialDelaySeconds ?? 0) + Number(probe.failureThreshold ?? 3) * Number(probe.periodSeconds ?? 10);
}

/** Seconds until a container's first readiness check after its startup probe passed: one readiness period (Kubernetes' default 10 s). */
export function readinessPeriodSeconds(probe: ProbeTiming | undefined): number {
  return Number(probe?.periodSeconds ?? 10);
}

/** Seconds a container's first readiness check comes after its startup probe passed: one readiness period with both probes, else none. */
export function readyAfterStartupSeconds(c: { readonly startupProbe?: ProbeTiming; readonly readinessProbe?: ProbeTiming }): number {
  return c.startupProbe && c.readinessProbe ? readinessPeriodSeconds(c.readinessProbe) : 0;
}

/**
 * How long a rendered container may take to serve after it starts: its startup probe's window
 * and then one readiness period; else its readiness probe's window; undefined without either.
 */
export function containerStartupSeconds(c: { readonly startupProbe?: ProbeTiming; readonly readinessProbe?: ProbeTiming }): number | undefined {
  return c.startupProbe ? probeWindowSeconds(c.startupProbe)! + readyAfterStartupSeconds(c) : probeWindowSeconds(c.readinessProbe);
}

/** One step of the recovery, in order. */
export interface RecoveryStep {
  readonly step: RecoveryStepName;
  readonly seconds: number;
  /** How the number is made, from the rendered settings. */
  readonly how: string;
}

export type RecoveryStepName = 'eviction' | 'termination grace' | 'volume move' | 'image pull' | 'start-up' | 'ready';

/** The recovery of one workload after its node dies. */
export interface RecoveryEstimate {
  readonly steps: readonly RecoveryStep[];
  readonly totalSeconds: number;
}

/** A step the workload declares itself (its start-up, its first readiness check). */
export interface DeclaredStep {
  readonly seconds: number;
  readonly how: string;
}

/** What a recovery is made of, each input named. */
export interface RecoveryInputs {
  /** The node controller's settings. @default EVICTION (the rendered k3s configuration) */
  readonly nodeMonitor?: NodeMonitor;
  /** How long the pod tolerates a dead node's taints (Infinity: forever, never evicted). */
  readonly tolerationSeconds: number;
  /**
   * The node is drained, not lost: the old pod leaves within its termination grace (these
   * seconds) instead of being evicted from a dead node.
   * @default - the node dies (power-off): eviction
   */
  readonly drainGraceSeconds?: number;
  /** The volume it waits for; unset when it mounts no replicated volume. */
  readonly volume?: VolumeMove;
  /** @default IMAGE_PULL_BUDGET_SECONDS */
  readonly imagePullSeconds?: number;
  /** Its start-up window; unset when unknown (then the total leaves it out). */
  readonly startup?: DeclaredStep;
  /** Its first readiness check after start-up; unset when the start-up window already ends ready. */
  readonly ready?: DeclaredStep;
}

/**
 * Worst case from the node's last heartbeat until the workload serves again on another node:
 * eviction, the volume move (when it mounts a volume), the image pull, the start-up window and
 * the first readiness check.
 */
export function recovery(inputs: RecoveryInputs): RecoveryEstimate {
  const m = inputs.nodeMonitor ?? EVICTION;
  const toleration = inputs.tolerationSeconds;
  const v = inputs.volume;
  const steps: RecoveryStep[] = [
    inputs.drainGraceSeconds !== undefined ? {
      step: 'termination grace',
      seconds: inputs.drainGraceSeconds,
      how: 'the node is drained: the old pod stops within its terminationGracePeriodSeconds',
    } : {
      step: 'eviction',
      seconds: evictionSeconds(m, toleration),
      how: `node-monitor-grace-period ${m.nodeMonitorGracePeriodSeconds} s + node-monitor-period ${m.nodeMonitorPeriodSeconds} s + the pod's not-ready/unreachable toleration ${Number.isFinite(toleration) ? `${toleration} s` : 'forever'}`,
    },
    ...(v ? [{
      step: 'volume move' as const,
      seconds: volumeMoveSeconds(v),
      how: v.terminationGraceSeconds === undefined
        ? 'Longhorn force-deletes the pod left on the dead node (nodeDownPodDeletionPolicy) and attaches the volume on the new node (budget)'
        : `the pod's termination grace ${v.terminationGraceSeconds} s, then Longhorn force-deletes it (nodeDownPodDeletionPolicy) and attaches the volume on the new node in ${v.attachSeconds ?? VOLUME_MOVE_BUDGET_SECONDS} s (budget)`,
    }] : []),
    { step: 'image pull', seconds: inputs.imagePullSeconds ?? IMAGE_PULL_BUDGET_SECONDS, how: 'the image through Harbor\'s proxy cache, when the new node lacks it (budget)' },
    ...(inputs.startup ? [{ step: 'start-up' as const, ...inputs.startup }] : []),
    ...(inputs.ready ? [{ step: 'ready' as const, ...inputs.ready }] : []),
  ];
  return { steps, totalSeconds: steps.reduce((n, s) => n + s.seconds, 0) };
}

/**
 * The longest start-up that keeps a recovery made of `rest` (every other step) within
 * `budgetSeconds`; zero or less when nothing fits.
 */
export function startupAllowanceSeconds(rest: Omit<RecoveryInputs, 'startup'>, budgetSeconds: number): number {
  return budgetSeconds - recovery(rest).totalSeconds;
}

/** The seconds of one step of an estimate (0 when it has no such step). */
export function stepSeconds(estimate: RecoveryEstimate, step: RecoveryStepName): number {
  return estimate.steps.find((s) => s.step === step)?.seconds ?? 0;
}

/** A startup probe's window as a recovery step. */
export function startupProbeStep(probe: ProbeTiming | undefined): DeclaredStep {
  const delay = probe?.initialDelaySeconds ? `after ${probe.initialDelaySeconds} s, ` : '';
  return {
    seconds: probeWindowSeconds(probe ?? {})!,
    how: `startup probe: ${delay}${probe?.failureThreshold ?? 3} attempts every ${probe?.periodSeconds ?? 10} s (the longest the app may take to answer)`,
  };
}

/** The first readiness check after the startup probe passed, as a recovery step. */
export function readyStep(probe: ProbeTiming | undefined): DeclaredStep {
  const period = readinessPeriodSeconds(probe);
  return { seconds: period, how: `first readiness probe after start-up (every ${period} s); the gateway then routes to the pod` };
}

/** A readiness probe's whole window as the start-up of a container without a startup probe. */
export function readinessWindowStep(probe: ProbeTiming): DeclaredStep {
  return {
    seconds: probeWindowSeconds(probe)!,
    how: `readiness probe: ${probe.initialDelaySeconds ?? 0} s + ${probe.failureThreshold ?? 3} x ${probe.periodSeconds ?? 10} s`,
  };
}

/** The parts of a rendered pod spec the recovery depends on (Kubernetes JSON field names). */
export interface RecoveryPod {
  readonly tolerations?: readonly { readonly key?: string; readonly effect?: string; readonly tolerationSeconds?: number }[];
  readonly containers: readonly {
    readonly startupProbe?: ProbeTiming;
    readonly readinessProbe?: ProbeTiming;
  }[];
  readonly volumes?: readonly { readonly persistentVolumeClaim?: object }[];
}

/** The pod's toleration of a dead node: the longer of not-ready and unreachable (NoExecute), both explicit. */
export function podTolerationSeconds(pod: Pick<RecoveryPod, 'tolerations'>): number {
  const keys: readonly string[] = DEAD_NODE_TAINT_KEYS;
  const found = (pod.tolerations ?? []).filter((t) => keys.includes(t.key ?? '') && t.effect === 'NoExecute' && t.tolerationSeconds !== undefined);
  if (found.length < keys.length) throw new Error(`the pod does not tolerate ${keys.join(' and ')} for an explicit time; the API server's default (${EVICTION.tolerationSeconds} s) would apply, render it explicitly`);
  return Math.max(...found.map((t) => t.tolerationSeconds!));
}

/**
 * The recovery of a Deployment's pod from its rendered spec: its explicit dead-node tolerations,
 * a volume move when it mounts a claim, the first container's startup probe window (Kubernetes'
 * defaults when unset) and one readiness period.
 */
export function recoveryFromPod(pod: RecoveryPod, eviction: NodeMonitor = EVICTION, drainGraceSeconds?: number): RecoveryEstimate {
  const container = pod.containers[0];
  return recovery({
    nodeMonitor: eviction,
    drainGraceSeconds,
    tolerationSeconds: podTolerationSeconds(pod),
    volume: (pod.volumes ?? []).some((v) => v.persistentVolumeClaim) ? {} : undefined,
    startup: startupProbeStep(container.startupProbe),
    ready: readyStep(container.readinessProbe),
  });
}

/** An RWX volume's share manager moving to another node: how it is noticed, then the moves. */
export interface ShareManagerMove {
  readonly nodeMonitor: NodeMonitor;
  /** Longhorn's rwxVolumeFastFailover: the share manager's lease expiring moves it. */
  readonly fastFailover: boolean;
  /** @default VOLUME_MOVE_BUDGET_SECONDS */
  readonly attachSeconds?: number;
}

/** The recovery of an RWX volume's share manager, step by step (its pods keep running; the volume stalls). */
export function shareManagerRecovery(s: ShareManagerMove): { readonly detectSeconds: number; readonly imagePullSeconds: number; readonly attachSeconds: number; readonly nfsGraceSeconds: number; readonly totalSeconds: number } {
  const detectSeconds = s.fastFailover ? LONGHORN_SHARE_MANAGER.leaseSeconds : notReadySeconds(s.nodeMonitor);
  const nfsGraceSeconds = s.fastFailover ? LONGHORN_SHARE_MANAGER.nfsGraceFastSeconds : LONGHORN_SHARE_MANAGER.nfsGraceSeconds;
  const attachSeconds = s.attachSeconds ?? VOLUME_MOVE_BUDGET_SECONDS;
  const imagePullSeconds = IMAGE_PULL_BUDGET_SECONDS;
  return { detectSeconds, imagePullSeconds, attachSeconds, nfsGraceSeconds, totalSeconds: detectSeconds + imagePullSeconds + attachSeconds + nfsGraceSeconds };
}
