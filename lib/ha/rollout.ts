import { tolerates } from '../k8s/scheduling';
import { DEAD_NODE_TAINTS } from './recovery';
import { blockedBy, ClusterModel, HardSpread, Workload } from './model';
import { MAX_PODS_PER_NODE } from './simulate';

/**
 * Whether a Deployment's rolling update can finish on the site, and with each one node down
 * (ha/rollout). A rolling update runs two ReplicaSets: the Deployment controller scales the new one
 * up while all pods stay within replicas + maxSurge, and the old one down while the available pods
 * stay at least replicas - maxUnavailable, counting a new pod that is not available against it
 * (kubernetes/kubernetes pkg/controller/deployment/rolling.go: `NewRSNewReplicas`,
 * `reconcileOldReplicaSets`, `cleanupUnhealthyReplicas`, `scaleDownOldReplicaSetsForRollingUpdate`).
 * With a hard one-per-node spread and every node it may run on holding an old pod, a surge pod has
 * no node; when no old pod may go either, the update stops there until a node comes back.
 *
 * The state before the update is the one a lost node leaves once its pods are evicted: they are
 * Terminating on the dead node (not counted by the ReplicaSet, nor by a topology spread) and their
 * replacements are placed on the nodes left as the spread allows, or Pending. The controller and
 * the scheduler are then stepped until nothing changes; a pod placed is available at once.
 * Capacity (CPU, memory) is not counted: ha/failure's simulation does.
 */

/**
 * Kubernetes' `GetScaledValueFromIntOrPercent`: a number as it is, `"<n>%"` of `total` rounded up
 * (maxSurge) or down (maxUnavailable); undefined for anything else (the API server refuses it).
 */
export function scaledValue(value: number | string, total: number, roundUp: boolean): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return undefined;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** What a rolling update may do at once, for its replicas: `surge` pods over them, `unavailable` below them. */
export interface Fenceposts {
  readonly surge: number;
  readonly unavailable: number;
  /** How they were worked out, for messages: `maxSurge 25% of 2 → 1, maxUnavailable 25% of 2 → 0`. */
  readonly note: string;
}

/** Kubernetes' default of both when the strategy does not set them. */
export const DEFAULT_FENCEPOST = '25%';

/**
 * Kubernetes' `ResolveFenceposts` and `MaxUnavailable`: maxSurge rounded up and maxUnavailable
 * rounded down (25% each when unset); when both come to 0, maxUnavailable is 1 (the API server
 * refuses both 0 written out; a rounding may still give it); maxUnavailable at most the replicas.
 * Undefined when either is not a count or a percentage.
 */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, replicas: number): Fenceposts | undefined {
  const surgeSpec = maxSurge ?? DEFAULT_FENCEPOST;
  const unavailableSpec = maxUnavailable ?? DEFAULT_FENCEPOST;
  const surge = scaledValue(surgeSpec, replicas, true);
  let unavailable = scaledValue(unavailableSpec, replicas, false);
  if (surge === undefined || unavailable === undefined) return undefined;
  const forced = surge === 0 && unavailable === 0;
  if (forced) unavailable = 1;
  unavailable = Math.min(unavailable, replicas);
  const describe = (name: string, spec: number | string, value: number, set: boolean) =>
    `${name} ${typeof spec === 'string' ? `${spec} of ${replicas} → ${value}` : value}${set ? '' : ' (the default)'}`;
  const note = `${describe('maxSurge', surgeSpec, surge, maxSurge !== undefined)}, ${describe('maxUnavailable', unavailableSpec, forced ? 0 : unavailable, maxUnavailable !== undefined)}${forced ? ' (both 0: Kubernetes makes maxUnavailable 1)' : ''}`;
  return { surge, unavailable, note };
}

/** Where a workload's pods may go in one scenario. */
export interface RolloutNodes {
  /** The live nodes its pods may be scheduled on (node selector, required node affinity, taints). */
  readonly nodes: readonly string[];
  /**
   * Whether one of its topology spread's domains can hold none of its pods (a lost node, or a
   * tainted node its selector allows, under `nodeTaintsPolicy: Ignore`, the default): the fewest
   * pods on a domain is then 0, and maxSkew caps every node at maxSkew pods.
   */
  readonly emptyDomain: boolean;
}

/** One rolling update to step through. */
export interface RolloutCase {
  readonly replicas: number;
  readonly surge: number;
  readonly unavailable: number;
  readonly spread: HardSpread;
  readonly where: RolloutNodes;
}

/** How a rolling update ends. */
export interface RolloutRun {
  /** Whether the old ReplicaSet reaches 0 (the update replaced every old pod). */
  readonly finishes: boolean;
  /** Old pods running before the update. */
  readonly before: number;
  /** Where it stops: old and new pods running, and new pods Pending. */
  readonly oldRunning: number;
  readonly newRunning: number;
  readonly newPending: number;
}

/** Steps the Deployment controller and the scheduler through one rolling update until nothing changes. */
export function rollingUpdate(c: RolloutCase): RolloutRun {
  const { replicas, surge, spread, where } = c;
  const unavailable = Math.min(c.unavailable, replicas);
  const n = where.nodes.length;
  const old = new Array<number>(n).fill(0);
  const neu = new Array<number>(n).fill(0);
  let pendingOld = 0;
  let pendingNew = 0;
  let oldSpec = replicas;
  let newSpec = 0;

  /** The node a pod of the old or new revision goes on, or -1 when the spread leaves it none. */
  const nodeFor = (isNew: boolean): number => {
    const counted = (i: number) => (spread.perRevision ? (isNew ? neu[i] : old[i]) : old[i] + neu[i]);
    let min = 0;
    if (spread.kind === 'spread' && !where.emptyDomain) {
      min = Infinity;
      for (let i = 0; i < n; i++) min = Math.min(min, counted(i));
    }
    let best = -1;
    for (let i = 0; i < n; i++) {
      const allowed = spread.kind === 'anti-affinity' ? counted(i) === 0 : counted(i) + 1 - min <= spread.maxSkew;
      if (!allowed) continue;
      // The scheduler's spread scoring: the node with the fewest pods it counts, then the fewest of the workload's.
      if (best < 0 || counted(i) < counted(best) || (counted(i) === counted(best) && old[i] + neu[i] < old[best] + neu[best])) best = i;
    }
    return best;
  };
  const place = (isNew: boolean): boolean => {
    const i = nodeFor(isNew);
    if (i < 0) return false;
    (isNew ? neu : old)[i]++;
    return true;
  };

  for (let k = 0; k < replicas; k++) {
    if (place(false)) continue;
    // Nothing changed: the spread leaves the pods left no node either.
    pendingOld += replicas - k;
    break;
  }
  const before = replicas - pendingOld;

  // Each pass changes a count that only grows (new pods, pods placed) or only shrinks (old pods): it ends.
  for (let changed = true; changed;) {
    changed = false;
    // Scale the new ReplicaSet up within replicas + maxSurge pods in all.
    const up = Math.min(replicas + surge - (oldSpec + newSpec), replicas - newSpec);
    if (up > 0) {
      newSpec += up;
      pendingNew += up;
      changed = true;
    }
    // The scheduler: new pods first (the old ReplicaSet's Pending pods go first when it is scaled down).
    while (pendingNew > 0 && place(true)) {
      pendingNew--;
      changed = true;
    }
    while (pendingOld > 0 && place(false)) {
      pendingOld--;
      changed = true;
    }
    if (oldSpec === 0) continue;
    // Scale the old ReplicaSet down: its unavailable pods first, then as far as availability allows.
    const minAvailable = replicas - unavailable;
    const newAvailable = newSpec - pendingNew;
    const maxScaledDown = oldSpec + newSpec - minAvailable - (newSpec - newAvailable);
    if (maxScaledDown <= 0) continue;
    const cleanup = Math.min(maxScaledDown, pendingOld);
    if (cleanup > 0) {
      oldSpec -= cleanup;
      pendingOld -= cleanup;
      changed = true;
    }
    const available = oldSpec - pendingOld + newAvailable;
    let down = Math.min(available - minAvailable, oldSpec);
    if (down <= 0) continue;
    oldSpec -= down;
    changed = true;
    // The ReplicaSet deletes Pending pods first, then running ones from the node with the most.
    const pendingGone = Math.min(down, pendingOld);
    pendingOld -= pendingGone;
    down -= pendingGone;
    for (; down > 0; down--) {
      let most = -1;
      for (let i = 0; i < n; i++) if (old[i] > 0 && (most < 0 || old[i] > old[most])) most = i;
      old[most]--;
    }
  }
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  return { finishes: oldSpec === 0, before, oldRunning: sum(old), newRunning: sum(neu), newPending: pendingNew };
}

/** The unreachable taints the node controller puts on a lost node. */
const LOST_NODE_TAINTS = [
  { key: DEAD_NODE_TAINTS.unreachable, value: '', effect: 'NoSchedule' as const },
  { key: DEAD_NODE_TAINTS.unreachable, value: '', effect: 'NoExecute' as const },
];

/**
 * Where `w`'s pods may go on each node of `cluster`, worked out once for every scenario: whether
 * they may run there (node selector, required node affinity, taints), and whether the node is one
 * of its spread's domains while up and when lost (under Honor, a node whose taints it does not
 * tolerate is no domain, nor a lost one unless it tolerates the unreachable taints).
 */
interface Placement {
  readonly runs: readonly boolean[];
  readonly domainUp: readonly boolean[];
  readonly domainLost: readonly boolean[];
}

function placementOf(cluster: ClusterModel, w: Workload, spread: HardSpread | undefined): Placement {
  const runs = cluster.nodes.map((x) => blockedBy(w, x) === undefined);
  if (spread?.kind !== 'spread') return { runs, domainUp: runs.map(() => false), domainLost: runs.map(() => false) };
  // Its domains: the nodes its node selector and affinity allow; under Honor, only those whose taints it tolerates (a lost node's too).
  const selectorOnly = { nodeSelector: w.nodeSelector, requiredNodeTerms: w.requiredNodeTerms, tolerations: [{ operator: 'Exists' }] };
  const selected = cluster.nodes.map((x) => blockedBy(selectorOnly, x) === undefined);
  const toleratesLoss = LOST_NODE_TAINTS.every((t) => w.tolerations.some((tol) => tolerates(tol, t)));
  return {
    runs,
    domainUp: selected.map((s, i) => s && (!spread.honorTaints || runs[i])),
    domainLost: selected.map((s, i) => s && (!spread.honorTaints || (runs[i] && toleratesLoss))),
  };
}

/** `rolloutNodes` from a workload's placement. */
function nodesOf(cluster: ClusterModel, p: Placement, lost: string | undefined): RolloutNodes {
  const nodes: string[] = [];
  let emptyDomain = false;
  cluster.nodes.forEach((x, i) => {
    const isLost = x.name === lost;
    if (!isLost && p.runs[i]) nodes.push(x.name);
    // A domain none of its pods can be on: one it may not run on, or the lost node.
    else if (isLost ? p.domainLost[i] : p.domainUp[i]) emptyDomain = true;
  });
  return { nodes, emptyDomain };
}

/** Where `w`'s pods may go with `lost` down (none: the intact site). */
export function rolloutNodes(cluster: ClusterModel, w: Workload, lost: string | undefined): RolloutNodes {
  return nodesOf(cluster, placementOf(cluster, w, w.spread), lost);
}

/**
 * `rollingUpdate`'s runs by what they depend on (the numbers, the spread's kind, skew and
 * revision counting, how many nodes and whether a domain is empty; not the nodes' names): thousands
 * of apps share a handful of shapes, and a synth steps each scenario of each of them.
 */
const runs = new Map<string, RolloutRun>();
const RUNS_KEPT = 4096;

function memoRollingUpdate(c: RolloutCase): RolloutRun {
  const s = c.spread;
  const key = `${c.replicas} ${c.surge} ${c.unavailable} ${s.kind} ${s.kind === 'spread' ? s.maxSkew : ''} ${s.perRevision === true} ${c.where.nodes.length} ${c.where.emptyDomain}`;
  let run = runs.get(key);
  if (!run) {
    if (runs.size >= RUNS_KEPT) runs.clear();
    runs.set(key, (run = rollingUpdate(c)));
  }
  return run;
}

/** A rolling update that stops short, and where. */
export interface RolloutStall {
  /** The node down (none: the update stops with every node up). */
  readonly lost?: string;
  readonly nodes: RolloutNodes;
  readonly run: RolloutRun;
}

/** What ha/rollout finds of one Deployment: its fenceposts, where its update stops, and what would let it finish. */
export interface RolloutFinding {
  readonly fenceposts: Fenceposts;
  /** The intact site's nodes it may run on. */
  readonly eligible: readonly string[];
  readonly stalls: readonly RolloutStall[];
  /** Changes that let it finish in every scenario, each as a sentence fragment. */
  readonly fixes: readonly string[];
}

/** Every scenario ha/rollout steps through: the intact site, then each node lost on its own. */
function scenarios(cluster: ClusterModel): (string | undefined)[] {
  return [undefined, ...cluster.nodes.map((x) => x.name)];
}

/** Whether a rolling update of `w` with these numbers finishes in every scenario. */
function finishesEverywhere(cluster: ClusterModel, w: Workload, replicas: number, surge: number, unavailable: number, spread: HardSpread): boolean {
  const placement = placementOf(cluster, w, spread);
  return scenarios(cluster).every((lost) => memoRollingUpdate({ replicas, surge, unavailable, spread, where: nodesOf(cluster, placement, lost) }).finishes);
}

/**
 * The rolling update of a Deployment with a hard spread: undefined when it finishes in every
 * scenario, or when ha/rollout has nothing to step (another kind, Recreate, no hard spread, no
 * replicas, fenceposts that do not read).
 */
export function rolloutFinding(cluster: ClusterModel, w: Workload): RolloutFinding | undefined {
  let known = findings.get(cluster);
  if (!known) findings.set(cluster, (known = new Map()));
  const key = JSON.stringify([w.kind, w.replicas, w.strategy, w.spread, w.nodeSelector, w.requiredNodeTerms, w.tolerations], exactValue);
  if (known.has(key)) return known.get(key);
  const found = findingOf(cluster, w);
  known.set(key, found);
  return found;
}

/**
 * `rolloutFinding`'s answers on one cluster, by everything of a workload it reads (its kind,
 * replicas, strategy, spread and where it may run): thousands of apps share a handful of shapes.
 */
const findings = new WeakMap<ClusterModel, Map<string, RolloutFinding | undefined>>();

/** A JSON replacer that keeps apart what JSON would merge: a string, a number JSON cannot write, -0 and undefined. */
function exactValue(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return `s${value}`;
  if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) return `n${Object.is(value, -0) ? '-0' : String(value)}`;
  if (value === undefined) return 'u';
  return value;
}

function findingOf(cluster: ClusterModel, w: Workload): RolloutFinding | undefined {
  const strategy = w.strategy;
  const spread = w.spread;
  if (w.kind !== 'Deployment' || strategy?.type !== 'RollingUpdate' || !spread || !(w.replicas >= 1) || !Number.isFinite(w.replicas)) return undefined;
  // More pods than the kubelet runs on every node: ha/failure reports them, and stepping them
  // (then every smaller count, for the fixes) would take as long as there are replicas, squared.
  if (w.replicas > MAX_PODS_PER_NODE * cluster.nodes.length) return undefined;
  const fenceposts = resolveFenceposts(strategy.maxSurge, strategy.maxUnavailable, w.replicas);
  if (!fenceposts) return undefined;
  const stalls: RolloutStall[] = [];
  const placement = placementOf(cluster, w, spread);
  for (const lost of scenarios(cluster)) {
    const nodes = nodesOf(cluster, placement, lost);
    const run = memoRollingUpdate({ replicas: w.replicas, surge: fenceposts.surge, unavailable: fenceposts.unavailable, spread, where: nodes });
    if (!run.finishes) stalls.push({ ...(lost !== undefined ? { lost } : {}), nodes, run });
  }
  if (!stalls.length) return undefined;
  const eligible = nodesOf(cluster, placement, undefined).nodes;
  return { fenceposts, eligible, stalls, fixes: fixesOf(cluster, w, spread, strategy) };
}

/** The changes, each checked by stepping every scenario again, that let `w`'s rolling update finish. */
function fixesOf(cluster: ClusterModel, w: Workload, spread: HardSpread, strategy: { readonly maxSurge?: number | string; readonly maxUnavailable?: number | string }): string[] {
  const fixes: string[] = [];
  const r = w.replicas;
  // One old pod goes before its replacement comes: the fewest that do, below all of them.
  for (let k = 1; k < r; k++) {
    if (finishesEverywhere(cluster, w, r, 0, k, spread)) {
      fixes.push(`set strategy.rollingUpdate to maxSurge 0 and maxUnavailable ${k} (${k} of ${r} pods down at a time while it rolls)`);
      break;
    }
  }
  // Fewer replicas, with the same strategy (a percentage is of the new count), at least 2.
  for (let fewer = r - 1; fewer >= 2; fewer--) {
    const f = resolveFenceposts(strategy.maxSurge, strategy.maxUnavailable, fewer);
    if (f && finishesEverywhere(cluster, w, fewer, f.surge, f.unavailable, spread)) {
      fixes.push(`run ${fewer} replicas (fewer than the nodes left to it)`);
      break;
    }
  }
  if (spread.kind === 'spread' && !spread.honorTaints && finishesEverywhere(cluster, w, r, ...surgeAndUnavailable(w, strategy), { ...spread, honorTaints: true })) {
    fixes.push('set nodeTaintsPolicy: Honor on its spread (a lost or tainted node is then no domain that keeps every node at maxSkew pods)');
  }
  if (!spread.perRevision && finishesEverywhere(cluster, w, r, ...surgeAndUnavailable(w, strategy), { ...spread, perRevision: true })) {
    fixes.push(`count each revision on its own (matchLabelKeys: [pod-template-hash] on its ${spread.kind === 'spread' ? 'topology spread constraint' : 'anti-affinity term'})`);
  }
  return fixes;
}

function surgeAndUnavailable(w: Workload, strategy: { readonly maxSurge?: number | string; readonly maxUnavailable?: number | string }): [number, number] {
  const f = resolveFenceposts(strategy.maxSurge, strategy.maxUnavailable, w.replicas)!;
  return [f.surge, f.unavailable];
}
