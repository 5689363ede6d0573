import { formatCpu, formatMemory } from '../k8s/scheduling';
import { blockedBy, ClusterModel, EvictionModel, NodeModel, unreachableToleration, VolumeUse, Workload } from './model';
import { recovery, RecoveryStep, shareManagerRecovery, VolumeMove } from './recovery';

/**
 * The node-failure simulation: place every workload on the site's nodes as the scheduler would
 * (node selectors, required node affinity, taints and tolerations, hard hostname spread, requests
 * against capacity), lose some nodes, and work out what keeps running, what is rescheduled, and
 * how long each workload is unavailable.
 *
 * Placement is worst case for the lost nodes: each workload puts as many pods on them as its
 * constraints allow (a workload with nothing keeping its replicas apart is assumed to have all of
 * them there; a singleton is assumed to run there). Everything else is placed where the most
 * CPU is free. Timings come from the rendered settings, through the platform's one recovery
 * model (./recovery.ts):
 *
 *   eviction = node-monitor-grace-period + node-monitor-period + the pod's unreachable toleration
 *   RWO Longhorn volume: + the declared attach budget (Longhorn deletes the dead node's
 *     VolumeAttachment at eviction, and a Deployment's replacement is already waiting); a
 *     StatefulSet's replacement only comes once Longhorn force-deletes the old pod, when its
 *     deletion time has passed: + its terminationGracePeriodSeconds
 *   + the image pull on the new node (a budget shared with the PaaS and the drill)
 *   + the start-up window (startup probe, then one readiness period; else the readiness probe:
 *     initial delay + failures x period)
 */

/** `outside-ha`: down while the failed nodes are down, declared not highly available by design (an R&D app); no violation. */
export type Verdict = 'ok' | 'degraded' | 'outage' | 'over-budget' | 'unknown' | 'outside-ha';

export interface Outcome {
  readonly workload: Workload;
  /** Row label (a share manager row names its volume's workload). */
  readonly label: string;
  /** Pods placed on the intact site (a DaemonSet: one per eligible node). */
  readonly before: number;
  /** Pods lost with the failed nodes (worst case). */
  readonly lost: number;
  /** Pods running once rescheduling settles. */
  readonly after: number;
  /** Seconds without enough ready pods (PDB minimum; 1 for a singleton); Infinity when it does not come back. */
  readonly outageSeconds: number;
  /** The budget a singleton is held to, and where it comes from. */
  readonly budgetSeconds?: number;
  readonly verdict: Verdict;
  readonly why: string;
  /** Whether any failed node could hold its pods. */
  readonly affected: boolean;
  readonly singleton: boolean;
}

export interface ScenarioResult {
  readonly failed: readonly string[];
  readonly servers: number;
  readonly survivingServers: readonly string[];
  readonly quorum: boolean;
  /** The API VIP: who can take it over, whether a failed node may have held it, and how long it may be unanswered. */
  readonly apiVip?: { readonly holders: readonly string[]; readonly moves: boolean; readonly seconds: number };
  readonly outcomes: readonly Outcome[];
  /** Pods the intact site cannot place at all (capacity or constraints). */
  readonly unplaced: readonly Unplaced[];
}

/** A node a pod was allowed on but did not fit, and what it lacked. */
export interface NodeShortage {
  readonly node: string;
  readonly cpu: boolean;
  readonly memory: boolean;
}

export interface Unplaced {
  readonly workload: Workload;
  readonly pods: number;
  readonly why: string;
  /** When capacity is why: the nodes its constraints allowed, each lacking CPU, memory or both. */
  readonly short: readonly NodeShortage[];
}

/**
 * A cluster model's nodes by name: each distinct name is a slot (the first node of that name
 * places it), and what the placement keeps per node (free CPU and memory, pods, liveness) is
 * kept per slot in arrays, as maps by node name kept it (two nodes of one name share a slot,
 * the last of them giving its capacity).
 */
interface Slots {
  /** Each slot's node name. */
  readonly names: readonly string[];
  readonly slotOf: ReadonlyMap<string, number>;
  /** The slot of each node of the cluster model, by position. */
  readonly ofNode: readonly number[];
  /** Each slot's allocatable CPU and memory (the intact ledger). */
  readonly cpu: readonly number[];
  readonly mem: readonly number[];
  /** Each slot's CPU capacity, at least 1 (the denominator of how used a node is). */
  readonly cpuShare: readonly number[];
}

const slotsCache = new WeakMap<ClusterModel, Slots>();
function slotsOf(cluster: ClusterModel): Slots {
  let slots = slotsCache.get(cluster);
  if (slots) return slots;
  const names: string[] = [];
  const slotOf = new Map<string, number>();
  const ofNode: number[] = [];
  const cpu: number[] = [];
  const mem: number[] = [];
  const cpuShare: number[] = [];
  for (const n of cluster.nodes) {
    let slot = slotOf.get(n.name);
    if (slot === undefined) {
      slotOf.set(n.name, (slot = names.length));
      names.push(n.name);
    }
    ofNode.push(slot);
    cpu[slot] = n.cpuMillis;
    mem[slot] = n.memoryBytes;
    cpuShare[slot] = Math.max(1, n.cpuMillis);
  }
  slotsCache.set(cluster, (slots = { names, slotOf, ofNode, cpu, mem, cpuShare }));
  return slots;
}

/** Free CPU and memory per slot. */
interface Ledger {
  readonly cpu: number[];
  readonly mem: number[];
}

interface Placed {
  readonly w: Workload;
  readonly eligible: readonly NodeModel[];
  /** The slot of each node of `eligible`. */
  readonly eligibleSlots: readonly number[];
  /** Pods per slot. */
  readonly pods: number[];
  /** A DaemonSet's nodes with a pod, in the order they got it. */
  readonly daemonNodes: readonly string[];
  readonly pending: number;
  readonly pendingWhy: string;
  readonly pendingShort: readonly NodeShortage[];
}

const SEC = (n: number) => (Number.isFinite(n) ? `${Math.round(n)} s` : 'never');

/**
 * `String.prototype.localeCompare` without locales or options is specified (ECMA-402) as the
 * default collator's compare: the same order, without building a collator on every call.
 */
const byLocale = new Intl.Collator().compare;

/**
 * blockedBy of a workload on a node, remembered per workload and node object: the simulation asks
 * for every workload, node and scenario (hundreds of scenarios on a large site), and both are
 * immutable model values, so the answer never changes.
 */
const blockedCache = new WeakMap<object, WeakMap<NodeModel, string | null>>();
function blocked(w: Pick<Workload, 'nodeSelector' | 'requiredNodeTerms' | 'tolerations'>, n: NodeModel): string | undefined {
  let perNode = blockedCache.get(w);
  if (!perNode) blockedCache.set(w, (perNode = new WeakMap()));
  let why = perNode.get(n);
  if (why === undefined) perNode.set(n, (why = blockedBy(w, n) ?? null));
  return why ?? undefined;
}

/** blockedBy of a workload's node selector and required node affinity alone (every taint tolerated), remembered as `blocked` is. */
const selectorCache = new WeakMap<Workload, { readonly nodeSelector: Workload['nodeSelector']; readonly requiredNodeTerms: Workload['requiredNodeTerms']; readonly tolerations: Workload['tolerations'] }>();
function selectorBlocked(w: Workload, n: NodeModel): string | undefined {
  let selectorOnly = selectorCache.get(w);
  if (!selectorOnly) selectorCache.set(w, (selectorOnly = { nodeSelector: w.nodeSelector, requiredNodeTerms: w.requiredNodeTerms, tolerations: [{ operator: 'Exists' }] }));
  return blocked(selectorOnly, n);
}

/** Where a workload's pods may run (`eligibility`). */
interface Eligibility {
  readonly eligible: readonly NodeModel[];
  /** The slot of each node of `eligible` (`slotsOf`). */
  readonly eligibleSlots: readonly number[];
}

/**
 * `eligibility` remembered per cluster model and workload, with the CSI nodes it was computed for
 * (`csiNodesOf` gives the same set for the same cluster and workloads): the N-1 scenarios share
 * one cluster model, and each asks again for every workload the lost node cannot run.
 */
const eligibilityCache = new WeakMap<ClusterModel, WeakMap<Workload, { readonly csiNodes: ReadonlySet<string> | undefined; readonly result: Eligibility }>>();
function eligibilityOf(cluster: ClusterModel, w: Workload, csiNodes: ReadonlySet<string> | undefined): Eligibility {
  let perWorkload = eligibilityCache.get(cluster);
  if (!perWorkload) eligibilityCache.set(cluster, (perWorkload = new WeakMap()));
  const known = perWorkload.get(w);
  if (known && known.csiNodes === csiNodes) return known.result;
  const result = eligibility(cluster, w, csiNodes);
  perWorkload.set(w, { csiNodes, result });
  return result;
}

/** Nodes a workload's pods may run on (those `exclusion` gives no reason for). */
function eligibility(cluster: ClusterModel, w: Workload, csiNodes: ReadonlySet<string> | undefined): Eligibility {
  const eligible: NodeModel[] = [];
  const eligibleSlots: number[] = [];
  const longhorn = usesLonghorn(cluster, w);
  const { ofNode } = slotsOf(cluster);
  cluster.nodes.forEach((n, i) => {
    if (exclusion(w, n, longhorn, csiNodes) === undefined) {
      eligible.push(n);
      eligibleSlots.push(ofNode[i]);
    }
  });
  return { eligible, eligibleSlots };
}

/** Why a workload's pods may not run on node `n` (`longhorn`: it uses the storage's volumes), if they may not. */
function exclusion(w: Workload, n: NodeModel, longhorn: boolean, csiNodes: ReadonlySet<string> | undefined): string | undefined {
  return blocked(w, n) ?? (longhorn && csiNodes && !csiNodes.has(n.name) ? `no Longhorn CSI plugin on ${n.name}` : undefined);
}

function usesLonghorn(cluster: ClusterModel, w: Workload): boolean {
  const s = cluster.storage;
  return !!s && w.volumes.some((v) => v.storageClass === s.storageClass || (v.storageClass === undefined && s.defaultClass));
}

function longhornVolumes(cluster: ClusterModel, w: Workload): readonly VolumeUse[] {
  const s = cluster.storage;
  return s ? w.volumes.filter((v) => v.storageClass === s.storageClass || (v.storageClass === undefined && s.defaultClass)) : [];
}

/** A workload's volumes as the simulation sorts them for a storage model (`longhornVolumes` and its subsets). */
interface VolumeFacts {
  readonly storage: ClusterModel['storage'];
  readonly onLonghorn: readonly VolumeUse[];
  /** Its RWO Longhorn volumes. */
  readonly rwo: readonly VolumeUse[];
  /** Its single-node volumes on other storage. */
  readonly otherRwo: readonly VolumeUse[];
  /** Its RWX Longhorn volumes (each served by a share manager). */
  readonly rwx: readonly VolumeUse[];
}

/** `VolumeFacts` remembered per workload with the storage model they were sorted for (every scenario asks for every workload). */
const volumeCache = new WeakMap<Workload, VolumeFacts>();
function volumeFacts(cluster: ClusterModel, w: Workload): VolumeFacts {
  const known = volumeCache.get(w);
  if (known && known.storage === cluster.storage) return known;
  const onLonghorn = longhornVolumes(cluster, w);
  const facts: VolumeFacts = {
    storage: cluster.storage,
    onLonghorn,
    rwo: onLonghorn.filter((v) => v.accessMode === 'ReadWriteOnce' || v.accessMode === 'ReadWriteOncePod'),
    otherRwo: w.volumes.filter((v) => !onLonghorn.includes(v) && v.accessMode !== 'ReadWriteMany' && v.accessMode !== 'ReadOnlyMany'),
    rwx: onLonghorn.filter((x) => x.accessMode === 'ReadWriteMany'),
  };
  volumeCache.set(w, facts);
  return facts;
}

/** A workload's topology spread domains: their slots, and whether each slot is one. */
interface Domains {
  readonly list: readonly number[];
  readonly member: readonly boolean[];
}

/**
 * The domains of each list of slots, per cluster model: workloads with the same domains share one
 * value (thousands of apps, a few distinct sets of nodes), and what is derived from it per
 * scenario (`liveDomains`) is derived once.
 */
const domainsByList = new WeakMap<ClusterModel, Map<number | string, Domains>>();

function domainsOfSlots(cluster: ClusterModel, list: readonly number[]): Domains {
  let known = domainsByList.get(cluster);
  if (!known) domainsByList.set(cluster, (known = new Map()));
  const key = slotsKey(list);
  let d = known.get(key);
  if (!d) {
    const member = slotsOf(cluster).names.map(() => false);
    for (const slot of list) member[slot] = true;
    known.set(key, (d = { list, member }));
  }
  return d;
}

/** A key of a list of slots: a bit per slot while they ascend below 31 (a site's few nodes), else the list written out. */
function slotsKey(list: readonly number[]): number | string {
  let bits = 0;
  for (let i = 0; i < list.length; i++) {
    const slot = list[i];
    if (slot > 30 || (i > 0 && slot <= list[i - 1])) return list.join(',');
    bits |= 1 << slot;
  }
  return bits;
}

/** Of a domains value (`domainsOfSlots`), the part whose nodes are `alive`: per scenario (its set of live nodes), once. */
const liveDomainsCache = new WeakMap<ReadonlySet<string>, Map<Domains, Domains>>();
function liveDomains(cluster: ClusterModel, all: Domains, alive: ReadonlySet<string>): Domains {
  let perAlive = liveDomainsCache.get(alive);
  if (!perAlive) liveDomainsCache.set(alive, (perAlive = new Map()));
  let d = perAlive.get(all);
  if (!d) {
    const { names } = slotsOf(cluster);
    perAlive.set(all, (d = domainsOfSlots(cluster, all.list.filter((slot) => alive.has(names[slot])))));
  }
  return d;
}

/**
 * A workload's spread domains on the intact site (every node alive): the nodes its selector and
 * affinity allow, and of those (nodeTaintsPolicy Honor) the ones whose taints it tolerates.
 * Remembered per cluster model and workload: every pod placed asks.
 */
const domainsCache = new WeakMap<ClusterModel, WeakMap<Workload, Domains>>();
function intactDomains(cluster: ClusterModel, w: Workload & { readonly spread: { readonly kind: 'spread' } }): Domains {
  let perWorkload = domainsCache.get(cluster);
  if (!perWorkload) domainsCache.set(cluster, (perWorkload = new WeakMap()));
  let known = perWorkload.get(w);
  if (!known) {
    const { ofNode } = slotsOf(cluster);
    const honor = w.spread.honorTaints;
    const list: number[] = [];
    cluster.nodes.forEach((n, i) => {
      if (!selectorBlocked(w, n) && (!honor || !blocked(w, n))) list.push(ofNode[i]);
    });
    perWorkload.set(w, (known = domainsOfSlots(cluster, list)));
  }
  return known;
}

/**
 * Topology spread domains: nodes the pod's selector and affinity allow, and (with nodeTaintsPolicy
 * Honor) whose taints it tolerates; `intact` when every node of the cluster model is alive.
 */
function spreadDomains(cluster: ClusterModel, w: Workload, alive: ReadonlySet<string>, intact: boolean): Domains | undefined {
  if (w.spread?.kind !== 'spread') return undefined;
  const all = intactDomains(cluster, w as Workload & { readonly spread: { readonly kind: 'spread' } });
  // A dead node is tainted unreachable:NoSchedule: not a domain under Honor; still one (with no pods) under Ignore.
  return intact || !w.spread.honorTaints ? all : liveDomains(cluster, all, alive);
}

/**
 * Whether one more pod of `w` may go on the node of `slot`, given the pods already placed (hard
 * spread only); `min` is the fewest pods on any of the spread's `domains` (computed once per pod
 * placed, not per node).
 */
function spreadAllows(w: Workload, slot: number, pods: readonly number[], domains: Domains | undefined, min: number): boolean {
  const here = pods[slot];
  if (w.spread?.kind === 'anti-affinity') return here === 0;
  if (w.spread?.kind === 'spread') {
    if (!domains!.member[slot]) return false;
    return here + 1 - min <= w.spread.maxSkew;
  }
  return true;
}

/** The fewest pods on any of `domains` (Infinity when there is none). */
function fewest(domains: Domains, pods: readonly number[]): number {
  let min = Infinity;
  for (const d of domains.list) min = Math.min(min, pods[d]);
  return min;
}

/** The first of `xs` that no later one beats by `before` (what a stable sort by `before` puts first); undefined when empty. */
function firstBy<T>(xs: readonly T[], before: (a: T, b: T) => number): T | undefined {
  let best = xs[0];
  for (let i = 1; i < xs.length; i++) if (before(xs[i], best) < 0) best = xs[i];
  return best;
}

function fits(ledger: Ledger, slot: number, w: Workload): boolean {
  return ledger.cpu[slot] >= w.cpuMillis && ledger.mem[slot] >= w.memoryBytes;
}

/** What the node of `slot` lacks for one pod of `w`. */
function shortage(ledger: Ledger, node: string, slot: number, w: Workload): NodeShortage {
  return { node, cpu: ledger.cpu[slot] < w.cpuMillis, memory: ledger.mem[slot] < w.memoryBytes };
}

function take(ledger: Ledger, slot: number, w: Workload): void {
  ledger.cpu[slot] -= w.cpuMillis;
  ledger.mem[slot] -= w.memoryBytes;
}

/** The most pods the kubelet runs on one node (its `maxPods` default, k3s's too). */
export const MAX_PODS_PER_NODE = 110;

/** Why pods beyond MAX_PODS_PER_NODE on each of the `nodes` a workload may use are not placed. */
function podsPerNodeWhy(nodes: number): string {
  return `more pods than the ${nodes} node${nodes === 1 ? '' : 's'} it may run on can hold (the kubelet runs at most ${MAX_PODS_PER_NODE} pods on a node): add nodes, or run fewer replicas`;
}

/**
 * Places `count` more pods of `w` on `candidates` (their slots: `slots`); returns how many could
 * not be placed and why. `preferred` gives each slot's rank among the nodes to fill first (-1:
 * not one of them), `alive` whether each slot's node is up; `intact` when every node is.
 */
function placePods(
  cluster: ClusterModel, ledger: Ledger, w: Workload, candidates: readonly NodeModel[], slots: readonly number[], pods: number[], count: number,
  preferred: readonly number[] | undefined, alive: ReadonlySet<string>, up: readonly boolean[], intact: boolean,
): { pending: number; why: string; short: readonly NodeShortage[] } {
  const domains = spreadDomains(cluster, w, alive, intact);
  const { cpuShare } = slotsOf(cluster);
  let pending = 0;
  let why = '';
  let short: readonly NodeShortage[] = NO_SHORTAGES;
  // A node takes at most MAX_PODS_PER_NODE pods of `w` (other workloads' pods are not counted
  // against it); pods beyond that many per node `w` may use are never placed, and not tried one by
  // one: a Deployment of `replicas: 2000000000` passes every schema, and took verify minutes.
  const room = Math.max(1, MAX_PODS_PER_NODE * slots.length);
  const tried = count > room ? room : count;
  for (let i = 0; i < tried; i++) {
    const min = domains ? fewest(domains, pods) : 0;
    // One pass over the candidates, without building the lists of those allowed and those with
    // room (a pod per workload, per scenario: thousands of apps): the first node to fill first
    // with room, else the least CPU-used with room (by share of its capacity), then the one with
    // the fewest pods of `w`; the first of equals.
    let preferredAt = Infinity;
    let preferredSlot = -1;
    let best = -1;
    let bestRatio = 0;
    for (let c = 0; c < slots.length; c++) {
      const slot = slots[c];
      if (!up[slot] || pods[slot] >= MAX_PODS_PER_NODE || !spreadAllows(w, slot, pods, domains, min) || !fits(ledger, slot, w)) continue;
      const at = preferred ? preferred[slot] : -1;
      if (at >= 0 && at < preferredAt) {
        preferredSlot = slot;
        preferredAt = at;
      }
      const ratio = 1 - ledger.cpu[slot] / cpuShare[slot];
      if (best < 0 || (ratio !== bestRatio ? ratio - bestRatio < 0 : pods[slot] - pods[best] < 0)) {
        best = slot;
        bestRatio = ratio;
      }
    }
    if (best < 0) {
      const open = (slot: number): boolean => up[slot] && pods[slot] < MAX_PODS_PER_NODE;
      const ok = candidates.filter((_, c) => open(slots[c]) && spreadAllows(w, slots[c], pods, domains, min));
      pending++;
      short = [];
      if (!slots.some((slot) => up[slot])) why = 'no node it may run on is left';
      else if (!slots.some(open)) why = podsPerNodeWhy(slots.filter((slot) => up[slot]).length);
      else if (!ok.length) why = w.spread?.kind === 'anti-affinity' ? 'required anti-affinity: every node it may run on already has one' : 'its hostname spread allows no further pod on the nodes left';
      else {
        const { slotOf } = slotsOf(cluster);
        short = ok.map((n) => shortage(ledger, n.name, slotOf.get(n.name)!, w));
        const most = firstBy(ok, (a, b) => ledger.cpu[slotOf.get(b.name)!] - ledger.cpu[slotOf.get(a.name)!])!;
        const at = slotOf.get(most.name)!;
        why = `not enough capacity: needs ${formatCpu(w.cpuMillis)} CPU / ${formatMemory(w.memoryBytes)}, the most free on a node it may use is ${formatCpu(Math.max(0, ledger.cpu[at]))} CPU / ${formatMemory(Math.max(0, ledger.mem[at]))} (${most.name})`;
      }
      // Nothing changed: every pod left meets the same nodes, and is not placed either.
      pending += tried - i - 1;
      break;
    }
    const pick = preferredSlot >= 0 ? preferredSlot : best;
    pods[pick]++;
    take(ledger, pick, w);
  }
  if (count > tried) {
    pending += count - tried;
    why ||= podsPerNodeWhy(slots.length);
  }
  return { pending, why, short };
}


/** The placement order (DaemonSets, singletons, the rest; by label), per workload list. */
const orderCache = new WeakMap<readonly Workload[], readonly Workload[]>();
function order(workloads: readonly Workload[]): readonly Workload[] {
  const known = orderCache.get(workloads);
  if (known) return known;
  const rank = (w: Workload) => (w.kind === 'DaemonSet' ? 0 : w.singleton ? 1 : 2);
  const ordered = [...workloads].sort((a, b) => rank(a) - rank(b) || byLocale(a.label, b.label));
  orderCache.set(workloads, ordered);
  return ordered;
}

/** The intact site's placement, worst case for `prefer` (the nodes about to fail). */
function placeAll(cluster: ClusterModel, workloads: readonly Workload[], prefer: readonly string[], csiNodes: ReadonlySet<string> | undefined): { placed: Placed[]; ledger: Ledger } {
  const slots = slotsOf(cluster);
  const ledger: Ledger = { cpu: [...slots.cpu], mem: [...slots.mem] };
  const alive = new Set(slots.names);
  const up = slots.names.map(() => true);
  // Each slot's position in `prefer` (its first), -1 when not there.
  let preferred: number[] | undefined;
  if (prefer.length) {
    preferred = slots.names.map(() => -1);
    for (let i = prefer.length - 1; i >= 0; i--) {
      const slot = slots.slotOf.get(prefer[i]);
      if (slot !== undefined) preferred[slot] = i;
    }
  }
  const placed: Placed[] = [];
  for (const w of order(workloads)) {
    const { eligible, eligibleSlots } = eligibilityOf(cluster, w, csiNodes);
    const pods = slots.names.map(() => 0);
    if (w.kind === 'DaemonSet') {
      const short: NodeShortage[] = [];
      const daemonNodes: string[] = [];
      eligible.forEach((n, i) => {
        const slot = eligibleSlots[i];
        if (fits(ledger, slot, w)) {
          if (pods[slot] === 0) daemonNodes.push(n.name);
          pods[slot] = 1;
          take(ledger, slot, w);
        } else short.push(shortage(ledger, n.name, slot, w));
      });
      const pending = short.length;
      placed.push({ w, eligible, eligibleSlots, pods, daemonNodes, pending, pendingWhy: pending ? 'not enough capacity on some nodes for its pod' : '', pendingShort: short });
      continue;
    }
    const { pending, why, short } = placePods(cluster, ledger, w, eligible, eligibleSlots, pods, w.replicas, preferred, alive, up, true);
    placed.push({ w, eligible, eligibleSlots, pods, daemonNodes: NO_NAMES, pending, pendingWhy: why, pendingShort: short });
  }
  return { placed, ledger };
}

const NO_NAMES: readonly string[] = [];
/** No node short of capacity (a workload whose every pod was placed). */
const NO_SHORTAGES: readonly NodeShortage[] = [];

/** `csiNodesOf` remembered per cluster model and workload list (one set for every scenario of a model). */
const csiNodesCache = new WeakMap<ClusterModel, WeakMap<readonly Workload[], { readonly nodes: ReadonlySet<string> | undefined }>>();
function csiNodesOfCached(cluster: ClusterModel, workloads: readonly Workload[]): ReadonlySet<string> | undefined {
  let perList = csiNodesCache.get(cluster);
  if (!perList) csiNodesCache.set(cluster, (perList = new WeakMap()));
  let known = perList.get(workloads);
  if (!known) perList.set(workloads, (known = { nodes: csiNodesOf(cluster, workloads) }));
  return known.nodes;
}

/** Nodes where the storage's CSI plugin runs (volumes attach only there). */
function csiNodesOf(cluster: ClusterModel, workloads: readonly Workload[]): Set<string> | undefined {
  const s = cluster.storage;
  if (!s) return undefined;
  const csi = workloads.find((w) => w.kind === 'DaemonSet' && w.name === s.csiDaemonSet);
  // Not declared (the model reports it): no restriction rather than no node at all.
  if (!csi) return undefined;
  return new Set(cluster.nodes.filter((n) => !blocked(csi, n)).map((n) => n.name));
}

/**
 * Nodes that hold the storage class's volume replicas: nodes labelled for its disks (a production
 * class: production storage nodes only, never an R&D node's disk) where its manager runs.
 */
export function storageNodes(cluster: ClusterModel, workloads: readonly Workload[]): string[] {
  const s = cluster.storage;
  if (!s) return [];
  const manager = managerOf(cluster, workloads);
  return cluster.nodes.filter((n) => n.labels[s.diskNodeLabel] === (s.diskNodeValue ?? 'true') && (!manager || !blocked(manager, n))).map((n) => n.name);
}

export function budgetOf(cluster: ClusterModel, w: Workload): number {
  return w.recoveryBudget?.seconds ?? cluster.recoveryBudgetSeconds;
}

/** An outcome's fields that do not depend on how it ends (`budgetSeconds` undefined: none, and no such field). */
interface OutcomeBase {
  readonly workload: Workload;
  readonly label: string;
  readonly before: number;
  readonly lost: number;
  readonly affected: boolean;
  readonly singleton: boolean;
  readonly budgetSeconds: number | undefined;
}

/**
 * The outcome of `base` and how it ends, its fields in the order the results have always had
 * (stored in the analysis cache as JSON): written out, not spread (`{ ...base, ... }`), a
 * workload per scenario.
 */
function outcomeOf(base: OutcomeBase, after: number, outageSeconds: number, verdict: Verdict, why: string): Outcome {
  const { workload, label, before, lost, affected, singleton, budgetSeconds } = base;
  return budgetSeconds !== undefined
    ? { workload, label, before, lost, affected, singleton, budgetSeconds, after, outageSeconds, verdict, why }
    : { workload, label, before, lost, affected, singleton, after, outageSeconds, verdict, why };
}

/**
 * Why a workload cannot run on the first of the nodes named `names` it is excluded from
 * (`exclusion`), if any; of two nodes of one name, the last that is excluded tells why.
 */
function firstExclusion(cluster: ClusterModel, w: Workload, csiNodes: ReadonlySet<string> | undefined, names: readonly string[]): string | undefined {
  const longhorn = usesLonghorn(cluster, w);
  for (const name of names) {
    let why: string | undefined;
    for (const n of cluster.nodes) if (n.name === name) why = exclusion(w, n, longhorn, csiNodes) ?? why;
    if (why) return why;
  }
  return undefined;
}

/**
 * The intact site's simulation (no node lost), remembered per cluster model and workload list: the
 * capacity check and the last bring-up stage (every node joined) both ask for it. Its results are
 * read, never changed.
 */
const intactCache = new WeakMap<ClusterModel, WeakMap<readonly Workload[], ScenarioResult>>();

/** Loses `failed` and works out every workload's fate. */
export function simulate(cluster: ClusterModel, workloads: readonly Workload[], failed: readonly string[]): ScenarioResult {
  const known = new Set(cluster.nodes.map((n) => n.name));
  const lostNodes = failed.filter((f) => known.has(f));
  if (lostNodes.length) return simulateLoss(cluster, workloads, lostNodes);
  let perList = intactCache.get(cluster);
  if (!perList) intactCache.set(cluster, (perList = new WeakMap()));
  let result = perList.get(workloads);
  if (!result) perList.set(workloads, (result = simulateLoss(cluster, workloads, lostNodes)));
  return result;
}

/** `simulate` of `lostNodes` (nodes of the cluster model). */
function simulateLoss(cluster: ClusterModel, workloads: readonly Workload[], lostNodes: readonly string[]): ScenarioResult {
  const alive = new Set(cluster.nodes.map((n) => n.name).filter((n) => !lostNodes.includes(n)));
  const csiNodes = csiNodesOfCached(cluster, workloads);
  const { placed, ledger } = placeAll(cluster, workloads, lostNodes, csiNodes);
  const slots = slotsOf(cluster);
  const lostSlots = lostNodes.map((n) => slots.slotOf.get(n)!);
  const up = slots.names.map((n) => alive.has(n));
  const down = up.map((u) => !u);

  const servers = cluster.nodes.filter((n) => n.role === 'server');
  const survivingServers = servers.filter((n) => alive.has(n.name)).map((n) => n.name);
  const quorum = survivingServers.length > servers.length / 2;

  // The failed nodes' capacity and pods are gone.
  for (const slot of lostSlots) {
    ledger.cpu[slot] = 0;
    ledger.mem[slot] = 0;
  }
  const e = cluster.eviction;
  const storage = cluster.storage;
  const disks = storageNodes(cluster, workloads);
  const lostDisks = disks.filter((d) => lostNodes.includes(d));
  const outcomes: Outcome[] = [];
  // The outcome of a workload that cannot run on the failed nodes, one text per reason (most workloads share a few): kept with the results.
  const lostList = lostNodes.join(', ');
  const notThere = new Map<string, string>();
  const cannotRunOn = (reason: string): string => {
    let text = notThere.get(reason);
    if (text === undefined) notThere.set(reason, (text = `cannot run on ${lostList} (${reason})`));
    return text;
  };
  const unplaced = placed.filter((p) => p.pending > 0).map((p): Unplaced => ({ workload: p.w, pods: p.pending, why: p.pendingWhy, short: p.pendingShort }));

  // Indexed loops: this one runs for every workload in every scenario, mostly before the code is optimised, where for-of allocates an iterator.
  for (let i = 0; i < placed.length; i++) {
    const p = placed[i];
    const w = p.w;
    let before = 0;
    for (let s = 0; s < p.pods.length; s++) before += p.pods[s];
    let lost = 0;
    for (let l = 0; l < lostSlots.length; l++) lost += p.pods[lostSlots[l]];
    let affected = false;
    for (let e = 0; e < p.eligibleSlots.length && !affected; e++) affected = down[p.eligibleSlots[e]];
    const survivors = before - lost;
    const singleton = !!w.singleton;
    const needed = w.kind === 'DaemonSet' ? (before > 0 ? 1 : 0) : singleton ? 1 : Math.max(1, w.pdbMin ?? 1);
    const budget = singleton ? budgetOf(cluster, w) : undefined;
    const base: OutcomeBase = { workload: w, label: w.label, before, lost, affected, singleton, budgetSeconds: budget };

    if (!affected || lost === 0) {
      const why = !affected ? cannotRunOn(firstExclusion(cluster, w, csiNodes, lostNodes) ?? 'not eligible') : 'no pod on the failed nodes';
      outcomes.push(outcomeOf(base, survivors, 0, 'ok', why));
      continue;
    }

    const kept = `${survivors} of ${before} kept`;
    if (w.kind === 'DaemonSet') {
      const verdict: Verdict = survivors >= needed ? 'ok' : 'outage';
      outcomes.push(outcomeOf(base, survivors, verdict === 'ok' ? 0 : Infinity, verdict, `one pod per node: ${kept}${survivors ? ` (${p.daemonNodes.filter((n) => alive.has(n)).join(', ')})` : ''}`));
      continue;
    }

    // Can the lost pods come back elsewhere, and when?
    let blocker: string | undefined;
    const tolerate = unreachableToleration(w, e);
    if (!Number.isFinite(tolerate)) blocker = 'it tolerates an unreachable node forever, so its pods are never evicted';
    let volume: VolumeMove | undefined;
    const { rwo, otherRwo } = volumeFacts(cluster, w);
    if (!quorum) blocker = `etcd has lost quorum (${survivingServers.length} of ${servers.length} servers): nothing is evicted or rescheduled`;
    if (!blocker && otherRwo.length) blocker = `its volume ${otherRwo[0].name} is not on replicated storage the simulation knows (${otherRwo[0].storageClass ?? 'default class'})`;
    if (!blocker && rwo.length && storage) {
      const policy = storage.nodeDownPodDeletionPolicy;
      const covered = policy === 'delete-both-statefulset-and-deployment-pod'
        || (policy === 'delete-statefulset-pod' && w.kind === 'StatefulSet')
        || (policy === 'delete-deployment-pod' && w.kind !== 'StatefulSet');
      if (!covered) blocker = `Longhorn's nodeDownPodDeletionPolicy is ${policy}: the pod stays Terminating on the dead node and holds its volume`;
      else if (!storage.hardAntiAffinity) blocker = 'Longhorn replica anti-affinity is soft: every replica of its volume may have been on the failed node';
      else if (lostDisks.length >= storage.replicaCount) blocker = `${lostDisks.length} storage nodes lost (${lostDisks.join(', ')}) and volumes keep ${storage.replicaCount} replicas: all of a volume's replicas may be gone`;
      // A StatefulSet's replacement is created only once the old pod is gone: Longhorn force-deletes
      // it when its deletion time (eviction + grace period) has passed. A Deployment's is already
      // waiting: Longhorn deletes the dead node's VolumeAttachment at eviction.
      else volume = { attachSeconds: storage.attachSeconds, ...(w.kind === 'StatefulSet' ? { terminationGraceSeconds: w.terminationGraceSeconds } : {}) };
    }
    if (!blocker && w.kind === 'StatefulSet' && !rwo.length) blocker = 'a StatefulSet pod on a dead node is never replaced until the node returns (Kubernetes does not force-delete it, and no Longhorn volume makes Longhorn do so)';
    const estimate = recovery({
      nodeMonitor: e,
      tolerationSeconds: tolerate,
      volume,
      startup: w.startupSeconds !== undefined ? { seconds: w.startupSeconds, how: w.startupNote } : undefined,
    });
    const ready = estimate.totalSeconds;
    // Worded only for the outcome that tells them (most workloads keep serving).
    const steps = (): string[] => [
      ...estimate.steps.map((s) => simulationStep(s, e, tolerate, volume)),
      ...(w.startupSeconds === undefined ? ['start-up unknown (no startup or readiness probe)'] : []),
    ];

    let replaced = 0;
    let pendingWhy = '';
    // Pods on the dead node are terminating: they count for neither anti-affinity nor spread.
    for (let l = 0; l < lostSlots.length; l++) p.pods[lostSlots[l]] = 0;
    if (!blocker) {
      const r = placePods(cluster, ledger, w, p.eligible, p.eligibleSlots, p.pods, lost, undefined, alive, up, false);
      replaced = lost - r.pending;
      pendingWhy = r.pending ? `${r.pending} not rescheduled: ${r.why}` : '';
    }
    const after = survivors + replaced;
    const where = lostNodes.length === 1 ? lostNodes[0] : lostNodes.join(', ');
    const lostText = singleton ? `on ${where}` : before === 1 ? `its only pod on ${where}` : `${lost} of ${before} on ${where}${w.spread ? '' : ' (nothing keeps its replicas apart)'}`;
    let outage: number;
    let verdict: Verdict;
    let why: string;
    if (survivors >= needed) {
      outage = 0;
      verdict = after < before ? 'degraded' : 'ok';
      const backAfter = `${SEC(ready)}${w.startupSeconds === undefined ? ' + start-up' : ''}`;
      why = `${lostText}; ${survivors} ${survivors === 1 ? 'keeps' : 'keep'} serving (minimum ${needed}: ${w.pdbNote})${replaced ? `; ${replaced} back after ${backAfter}` : ''}${blocker ? `; not replaced: ${blocker}` : ''}${pendingWhy ? `; ${pendingWhy}` : ''}`;
    } else if (!blocker && after >= needed) {
      outage = ready;
      const known = w.startupSeconds !== undefined;
      verdict = !singleton ? 'outage' : !known ? 'unknown' : ready <= budget! ? 'ok' : 'over-budget';
      why = `${lostText}; back after ${steps().join(' + ')} = ${SEC(ready)}${singleton ? ` (budget ${budget} s${w.recoveryBudget ? `, its own: ${w.recoveryBudget.reason}` : ''})` : ` (below its minimum ${needed})`}${pendingWhy ? `; ${pendingWhy}` : ''}`;
    } else {
      outage = Infinity;
      verdict = singleton ? 'over-budget' : 'outage';
      why = `${lostText}; does not come back: ${blocker ?? pendingWhy}`;
    }
    outcomes.push(w.outsideHa && outage > 0 ? outsideHa(outcomeOf(base, after, outage, verdict, why), lostNodes) : outcomeOf(base, after, outage, verdict, why));
  }
  // An RWX volume is served by a Longhorn share manager, a singleton of its own wherever the pods are.
  // Its manager DaemonSet is looked up once per scenario, not once per volume (thousands of apps: hundreds of RWX volumes).
  let manager: { readonly found?: Workload } | undefined;
  for (const p of placed) {
    for (const v of volumeFacts(cluster, p.w).rwx) {
      manager ??= { found: managerOf(cluster, workloads) };
      outcomes.push(shareManagerOutcome(cluster, p.w, v.name, lostNodes, disks, manager.found));
    }
  }

  const vip = workloads.find((w) => w.role === 'api-vip');
  let apiVip: ScenarioResult['apiVip'];
  if (vip) {
    const runs = cluster.nodes.filter((n) => !blocked(vip, n)).map((n) => n.name);
    const holders = runs.filter((n) => alive.has(n));
    const moves = runs.some((n) => lostNodes.includes(n));
    apiVip = { holders, moves, seconds: !moves ? 0 : quorum && holders.length ? vip.leaseSeconds ?? 0 : Infinity };
  }
  return { failed: lostNodes, servers: servers.length, survivingServers, quorum, apiVip, outcomes: byLabel(workloads, outcomes), unplaced };
}

/**
 * The order of a scenario's outcomes by label (`byLocale`), as positions, remembered per workload
 * list with the labels it sorted: every scenario of a model has the same labels in the same order
 * (one row per workload in placement order, then its share managers' rows).
 */
const labelOrderCache = new WeakMap<readonly Workload[], { readonly labels: readonly string[]; readonly order: readonly number[] }>();

/** `outcomes` sorted by label (a stable sort by `byLocale`, as `Array.prototype.sort` gives): the positions sorted once per workload list and labels. */
function byLabel(workloads: readonly Workload[], outcomes: readonly Outcome[]): Outcome[] {
  const known = labelOrderCache.get(workloads);
  if (known && known.labels.length === outcomes.length && outcomes.every((o, i) => o.label === known.labels[i])) return known.order.map((i) => outcomes[i]);
  const order = outcomes.map((_, i) => i).sort((a, b) => byLocale(outcomes[a].label, outcomes[b].label));
  labelOrderCache.set(workloads, { labels: outcomes.map((o) => o.label), order });
  return order.map((i) => outcomes[i]);
}

/**
 * The outcome of a workload declared outside HA (an R&D app) whose loss of pods is an outage: its
 * outage stands, reported as "down while <nodes> is down", with the declared reason, and is no violation.
 */
function outsideHa(o: Outcome, lostNodes: readonly string[]): Outcome {
  const where = lostNodes.join(', ');
  return { ...o, verdict: 'outside-ha', why: `down while ${where} ${lostNodes.length === 1 ? 'is' : 'are'} down (outside HA: ${o.workload.outsideHa}); ${o.why}` };
}

/** The share manager serving an RWX volume: where Longhorn's manager runs, moved by lease (fast failover) or after the node is NotReady. */
/** The storage class's manager DaemonSet among `workloads` (the first of that name), if declared. */
function managerOf(cluster: ClusterModel, workloads: readonly Workload[]): Workload | undefined {
  const s = cluster.storage;
  return s ? workloads.find((x) => x.kind === 'DaemonSet' && x.name === s.managerDaemonSet) : undefined;
}

/** The outcome of the share manager of `w`'s RWX volume; `manager` is the storage's manager DaemonSet (`managerOf`). */
function shareManagerOutcome(cluster: ClusterModel, w: Workload, volume: string, lostNodes: readonly string[], disks: readonly string[], manager: Workload | undefined): Outcome {
  const s = cluster.storage!;
  // The class's share managers run on its disk nodes when it selects them by tag, else wherever the manager runs.
  const tagged = s.diskNodeValue !== undefined ? new Set(disks) : undefined;
  const hosts = cluster.nodes.filter((n) => (!manager || !blocked(manager, n)) && (!tagged || tagged.has(n.name))).map((n) => n.name);
  const label = `${w.namespace}/${w.name} RWX volume${volume ? ` ${volume}` : ''} (Longhorn share manager)`;
  const affected = hosts.some((h) => lostNodes.includes(h));
  const budget = cluster.recoveryBudgetSeconds;
  const base: OutcomeBase = { workload: w, label, before: 1, lost: affected ? 1 : 0, affected, singleton: true, budgetSeconds: budget };
  if (!affected) return outcomeOf(base, 1, 0, 'ok', `the share manager cannot run on ${lostNodes.join(', ')}`);
  const e = cluster.eviction;
  const lostDisks = disks.filter((d) => lostNodes.includes(d));
  const servers = cluster.nodes.filter((n) => n.role === 'server');
  const quorum = servers.filter((n) => !lostNodes.includes(n.name)).length > servers.length / 2;
  if (!quorum) return outcomeOf(base, 0, Infinity, 'over-budget', 'etcd has lost quorum: Longhorn cannot move it');
  if (!s.hardAntiAffinity || lostDisks.length >= s.replicaCount) {
    return outcomeOf(base, 0, Infinity, 'over-budget', `every replica of the volume may be gone (${lostDisks.length} storage nodes lost, ${s.replicaCount} replicas${s.hardAntiAffinity ? '' : ', soft anti-affinity'})`);
  }
  const m = shareManagerRecovery({ nodeMonitor: e, fastFailover: s.rwxFastFailover, attachSeconds: s.attachSeconds });
  const total = m.totalSeconds;
  const why = `may run on ${lostNodes.join(', ')}; ${s.rwxFastFailover ? `rwxVolumeFastFailover: lease expires ${m.detectSeconds} s` : `no fast failover: node NotReady ${m.detectSeconds} s`} + image pull ${m.imagePullSeconds} s + attach ${m.attachSeconds} s + NFS grace ${m.nfsGraceSeconds} s = ${total} s (budget ${budget} s); the pods keep running but their volume stalls`;
  return outcomeOf(base, 1, total, total <= budget ? 'ok' : 'over-budget', why);
}

/** One step of the model's estimate as the simulation's report words it. */
function simulationStep(s: RecoveryStep, e: EvictionModel, tolerate: number, volume: VolumeMove | undefined): string {
  switch (s.step) {
    case 'eviction':
      return `eviction ${SEC(s.seconds)} (grace ${e.nodeMonitorGracePeriodSeconds} + period ${e.nodeMonitorPeriodSeconds} + toleration ${Number.isFinite(tolerate) ? tolerate : 'forever'})`;
    case 'volume move':
      return volume?.terminationGraceSeconds !== undefined
        ? `volume moves ${s.seconds} s (termination grace ${volume.terminationGraceSeconds}, then Longhorn force-deletes the pod; attach ${volume.attachSeconds})`
        : `volume moves ${s.seconds} s (Longhorn releases it at eviction; attach ${volume?.attachSeconds})`;
    case 'image pull':
      return `image pull ${s.seconds} s (budget)`;
    default:
      return `${s.step} ${s.seconds} s (${s.how})`;
  }
}

/** Whether an outcome breaks the rules: an outage of a non-singleton, a singleton over its budget, an unknown recovery. */
export function isViolation(o: Outcome): boolean {
  return o.verdict === 'outage' || o.verdict === 'over-budget' || (o.verdict === 'unknown' && o.outageSeconds > 0);
}
