import * as path from 'path';
import { AppHealth, daemonSetHealth, DaemonSetHealthRule, replicaSetHealth, resourceHealthRule } from './argo-health';
import { ApplicationModel, ClusterModel, HaModel, Workload } from './model';
import { Outcome, ScenarioResult, simulate, Unplaced } from './simulate';

/**
 * Whether GitOps keeps deploying: for a scenario (a node lost, or a bring-up stage where only the
 * first nodes of the join order have joined), the health Argo CD would give every Application once
 * pods are rescheduled, and which Application holds its parent's sync waves back.
 *
 * - A workload belongs to the Application whose directory holds the file it is rendered in (or,
 *   for a chart's declared workloads, to the Application that renders the chart).
 * - Its health follows Argo CD's rules (./argo-health.ts) on the simulation's placement: a
 *   Deployment, StatefulSet or Rollout is Healthy when every desired replica runs once the
 *   scheduler and the eviction have done their work; a DaemonSet by the rule the render's
 *   argocd-cm sets, counting one pod per registered node it may run on (a lost node stays
 *   registered; a node that has not joined yet is not).
 * - Only what Argo CD manages counts: a workload an operator creates from a custom resource counts
 *   through that resource's health check (built-in or argocd-cm's), not at all when the kind has
 *   none, and one a controller creates from values does not count.
 * - An Application is Healthy when its workloads and its child Applications are (the platform's
 *   health check of `argoproj.io/Application` passes a child's health up to its parent).
 * - A parent syncs its children wave by wave and waits for a wave to be Healthy before the next:
 *   the lowest-wave child that is not Healthy holds back every child of a later wave.
 */

export type DeployScenario =
  | { readonly kind: 'loss'; readonly lost: readonly string[] }
  | { readonly kind: 'bring-up'; readonly present: readonly string[]; readonly next?: string };

export interface WorkloadHealth {
  readonly workload: Workload;
  readonly health: AppHealth;
  /** Desired pods (replicas, or one per registered eligible node) and the pods that run. */
  readonly desired: number;
  readonly running: number;
  readonly why: string;
}

export interface AppResult {
  readonly app: ApplicationModel;
  /** The Application that syncs this one's file, if any. */
  readonly parent?: string;
  readonly health: AppHealth;
  /** Its own workloads that are not Healthy. */
  readonly progressing: readonly WorkloadHealth[];
  /** Child Applications that are not Healthy. */
  readonly progressingChildren: readonly string[];
  readonly workloads: number;
}

/** A parent's sync waves held back: the lowest-wave child that is not Healthy, and the children of later waves. */
export interface WaveHold {
  readonly parent: string;
  readonly blocker: string;
  readonly wave: number;
  readonly held: readonly string[];
}

export interface DeployabilityResult {
  readonly scenario: DeployScenario;
  /** Whether the API keeps etcd quorum (without it Argo CD syncs nothing). */
  readonly quorum: boolean;
  readonly apps: readonly AppResult[];
  readonly holds: readonly WaveHold[];
  /** Workloads no Application syncs (k3s applies kube-vip itself). */
  readonly unsynced: readonly Workload[];
}

/** The node names in join order. */
export function joinOrder(cluster: ClusterModel): string[] {
  return [...(cluster.joinOrder ?? cluster.nodes.map((n) => n.name))];
}

/** Every bring-up stage: the nodes present after each join, in join order. */
export function bringUpStages(cluster: ClusterModel): DeployScenario[] {
  const order = joinOrder(cluster);
  return order.map((_, i) => ({ kind: 'bring-up', present: order.slice(0, i + 1), ...(order[i + 1] ? { next: order[i + 1] } : {}) }));
}

/** The bring-up stage just before `node` joins (undefined when it is first or unknown). */
export function stageBefore(cluster: ClusterModel, node: string): DeployScenario | undefined {
  const order = joinOrder(cluster);
  const i = order.indexOf(node);
  return i > 0 ? { kind: 'bring-up', present: order.slice(0, i), next: node } : undefined;
}

/** The scenario's title, as reports and the terminal print it. */
export function scenarioTitle(s: DeployScenario): string {
  return s.kind === 'loss'
    ? `losing ${s.lost.join(', ')}`
    : `bring-up with ${s.present.join(', ')}${s.next ? ` (before ${s.next} joins)` : ' (every node joined)'}`;
}

/**
 * The Applications by the folder they sync (each list in the order of `apps`), and the first
 * Application object of each origin: built once per model, so that finding the Application of a
 * file or workload costs a lookup per folder level, not a scan of every Application.
 */
interface OwnerIndex {
  readonly byPath: ReadonlyMap<string, readonly ApplicationModel[]>;
  readonly byOrigin: ReadonlyMap<unknown, ApplicationModel>;
}

function ownerIndex(apps: readonly ApplicationModel[]): OwnerIndex {
  const byPath = new Map<string, ApplicationModel[]>();
  const byOrigin = new Map<unknown, ApplicationModel>();
  for (const a of apps) {
    if (a.path !== undefined) {
      const list = byPath.get(a.path);
      if (list) list.push(a);
      else byPath.set(a.path, [a]);
    }
    if (!byOrigin.has(a.origin)) byOrigin.set(a.origin, a);
  }
  return { byPath, byOrigin };
}

/**
 * Which Application syncs `file`: the one with the deepest path that holds it (its folder, or a
 * folder above it when the Application recurses); of several with that path, the first.
 */
function ownerOf(index: OwnerIndex, file: string): ApplicationModel | undefined {
  const dir = path.posix.dirname(file);
  const exact = index.byPath.get(dir);
  if (exact) return exact[0];
  // Every folder above, deepest first: each prefix of `dir` that a "/" follows.
  for (let i = dir.lastIndexOf('/'); i >= 0; i = i === 0 ? -1 : dir.lastIndexOf('/', i - 1)) {
    const found = index.byPath.get(dir.slice(0, i))?.find((a) => a.recurse);
    if (found) return found;
  }
  return undefined;
}

/** The Application a workload belongs to: the chart's Application for a declared one, else the owner of its file. */
function appOfWorkload(index: OwnerIndex, w: Workload): ApplicationModel | undefined {
  if (w.origin.obj.kind === 'Application') {
    const own = index.byOrigin.get(w.origin);
    if (own) return own;
  }
  return ownerOf(index, w.origin.file);
}

/** No workload that is not Healthy (an Application whose own workloads all are). */
const NO_HEALTHS: readonly WorkloadHealth[] = Object.freeze([]);
/** No child Application that is not Healthy. */
const NO_NAMES: readonly string[] = Object.freeze([]);

/**
 * The health of each workload of a simulated scenario that is not Healthy, in full: `deployability`
 * lists only those (`AppResult.progressing`), so thousands of apps' Healthy rows are neither worded
 * nor kept, once per scenario. `row` is told each workload that has its row among the outcomes.
 */
function workloadHealths(r: ScenarioResult, rule: DaemonSetHealthRule, customisations: Readonly<Record<string, string>>, lost: readonly string[], row: (w: Workload) => void): Map<Workload, WorkloadHealth> {
  const out = new Map<Workload, WorkloadHealth>();
  const pending = new Map(r.unplaced.map((u) => [u.workload, u]));
  for (const o of r.outcomes) {
    const w = o.workload;
    if (o.label !== w.label) continue; // a share manager row: its volume, not the workload's pods
    row(w);
    const unplaced = pending.get(w);
    if (w.kind === 'DaemonSet') {
      const desired = o.before + (unplaced?.pods ?? 0);
      const running = o.before - o.lost;
      const health = daemonSetHealth(rule, desired, running);
      if (health === 'Healthy') {
        out.delete(w);
        continue;
      }
      const why = running >= desired
        ? `${running} of ${desired} pods`
        : `${running} of ${desired} pods${o.lost ? ` (${lost.join(', ')} ${lost.length === 1 ? 'is' : 'are'} down but still registered)` : ''}${unplaced ? `; ${unplaced.pods} unplaced: ${unplaced.why}` : ''}${rule === 'builtin' ? '; Argo CD\'s built-in rule wants every pod available' : ''}`;
      out.set(w, { workload: w, health, desired, running, why });
      continue;
    }
    if (w.argo.via === 'none') {
      out.delete(w); // Argo CD does not manage it
      continue;
    }
    const desired = w.replicas;
    const running = Math.min(o.after, desired);
    if (w.argo.via === 'resource') {
      const cr = healthRuleOf(w.argo, customisations);
      const health = cr.health ? cr.health(desired, running) : 'Healthy';
      if (health === 'Healthy') {
        out.delete(w);
        continue;
      }
      const through = `counts through its ${w.argo.kind} resource: ${cr.source}`;
      out.set(w, { workload: w, health, desired, running, why: `${running >= desired ? `${running} of ${desired} replicas` : shortOf(o, running, desired, unplaced)}; ${through}` });
      continue;
    }
    const health = replicaSetHealth(desired, running);
    if (health === 'Healthy') out.delete(w);
    else out.set(w, { workload: w, health, desired, running, why: shortOf(o, running, desired, unplaced) });
  }
  return out;
}

/** Why a workload of `o` runs `running` of its `desired` replicas (`unplaced`: its pods the intact site cannot place). */
function shortOf(o: Outcome, running: number, desired: number, unplaced: Unplaced | undefined): string {
  return `${running} of ${desired} replicas: ${unplaced && o.lost === 0 ? `${unplaced.pods} never placed: ${unplaced.why}` : o.why}`;
}

/**
 * `resourceHealthRule` of a workload's custom resource, remembered per workload with the one
 * customisation it reads (its kind's Lua in argocd-cm, or none): every scenario asks.
 */
const healthRules = new WeakMap<object, { readonly key: string; readonly lua: string | undefined; readonly rule: ReturnType<typeof resourceHealthRule> }>();
function healthRuleOf(argo: { readonly group: string; readonly kind: string }, customisations: Readonly<Record<string, string>>): ReturnType<typeof resourceHealthRule> {
  const known = healthRules.get(argo);
  const key = known?.key ?? `${argo.group}_${argo.kind}`;
  const lua = customisations[key];
  if (known && known.lua === lua) return known.rule;
  const rule = resourceHealthRule(argo.group, argo.kind, customisations);
  healthRules.set(argo, { key, lua, rule });
  return rule;
}

/** Which Application each workload belongs to, each Application's parent and children: facts of the model, not of a scenario. */
interface Ownership {
  readonly appOf: ReadonlyMap<Workload, ApplicationModel | undefined>;
  readonly parentOf: ReadonlyMap<ApplicationModel, ApplicationModel | undefined>;
  readonly childrenOf: ReadonlyMap<ApplicationModel, readonly ApplicationModel[]>;
  /**
   * The positions of the model's Applications in the order a scenario lists them (by parent, wave
   * and name: what `deployability` sorts by; all three facts of the model), sorted once.
   */
  readonly order: readonly number[];
  /** Each workload's position in the model's workloads (none when a workload is there twice). */
  readonly position: ReadonlyMap<Workload, number> | undefined;
  /** How many of the model's workloads belong to each Application. */
  readonly workloadsOf: ReadonlyMap<ApplicationModel, number>;
  /** The model's workloads no Application syncs. */
  readonly unsynced: readonly Workload[];
  /**
   * Each Application's result when it and all it holds are Healthy and every workload of the model
   * was simulated (the same in every scenario: thousands of apps, a dozen scenarios), made when first needed.
   */
  readonly healthy: Map<ApplicationModel, AppResult>;
}

const ownershipCache = new WeakMap<HaModel, Ownership>();
function ownership(model: HaModel): Ownership {
  const known = ownershipCache.get(model);
  if (known) return known;
  const apps = model.applications;
  const index = ownerIndex(apps);
  const appOf = new Map(model.workloads.map((w) => [w, appOfWorkload(index, w)]));
  const parentOf = new Map<ApplicationModel, ApplicationModel | undefined>(apps.map((a) => {
    const p = ownerOf(index, a.origin.file);
    return [a, p === a ? undefined : p];
  }));
  // Each Application's children in the order of `apps` (one pass, not a scan per Application).
  const childrenOf = new Map<ApplicationModel, ApplicationModel[]>(apps.map((a) => [a, []]));
  for (const c of apps) {
    const p = parentOf.get(c);
    if (p !== undefined) childrenOf.get(p)?.push(c);
  }
  const key = (a: ApplicationModel) => [parentOf.get(a)?.name ?? '', String(a.wave).padStart(4, '0'), a.name].join('\n');
  const keys = apps.map(key);
  const order = apps.map((_, i) => i).sort((a, b) => keys[a].localeCompare(keys[b]));
  const position = new Map(model.workloads.map((w, i) => [w, i]));
  const workloadsOf = new Map<ApplicationModel, number>();
  const unsynced: Workload[] = [];
  for (const w of model.workloads) {
    const app = appOf.get(w);
    if (app) workloadsOf.set(app, (workloadsOf.get(app) ?? 0) + 1);
    else unsynced.push(w);
  }
  const out = { appOf, parentOf, childrenOf, order, position: position.size === model.workloads.length ? position : undefined, workloadsOf, unsynced, healthy: new Map() };
  ownershipCache.set(model, out);
  return out;
}

/** The placement simulation of a scenario (what `deployability` computes unless given it). */
export function simulateScenario(model: HaModel, scenario: DeployScenario): ScenarioResult | undefined {
  const cluster = model.cluster;
  if (!cluster) return undefined;
  return scenario.kind === 'loss'
    ? simulate(cluster, model.workloads, scenario.lost)
    : simulate(presentCluster(cluster, scenario.present), model.workloads, []);
}

/**
 * The cluster of a bring-up stage: the nodes that have joined. Every node: the model's own cluster
 * (the same nodes in the same order, so the same simulation), whose intact site is simulated
 * already (the report's capacity check) and whose placement facts are remembered.
 */
function presentCluster(cluster: ClusterModel, present: readonly string[]): ClusterModel {
  const nodes = cluster.nodes.filter((n) => present.includes(n.name));
  return nodes.length === cluster.nodes.length ? cluster : { ...cluster, nodes };
}

/**
 * Application health and wave holds for one scenario; `simulated` is the scenario's simulation
 * when the caller has it already (`simulateScenario`, or `simulate` of the same lost nodes).
 */
export function deployability(model: HaModel, scenario: DeployScenario, simulated?: ScenarioResult): DeployabilityResult {
  const cluster = model.cluster;
  if (!cluster) return { scenario, quorum: false, apps: [], holds: [], unsynced: [] };
  const r = simulated ?? simulateScenario(model, scenario)!;
  const apps = model.applications;
  const own = ownership(model);
  // Which of the model's workloads have their row in the simulation (all of them, when it simulated this model).
  const position = own.position;
  const rows = position ? new Uint8Array(model.workloads.length) : undefined;
  let withRow = 0;
  const others = new Set<Workload>();
  const row = (w: Workload) => {
    const at = position?.get(w);
    if (at === undefined || !rows) others.add(w);
    else if (!rows[at]) {
      rows[at] = 1;
      withRow++;
    }
  };
  const progressing = workloadHealths(r, model.daemonSetHealth, model.healthCustomisations, scenario.kind === 'loss' ? scenario.lost : [], row);
  // Each Application's workloads with a row: the model's count when every workload has one.
  const complete = !!position && withRow === model.workloads.length;
  const counted = complete ? own.workloadsOf : new Map<ApplicationModel, number>();
  const byApp = new Map<ApplicationModel, WorkloadHealth[]>();
  for (let i = 0; i < model.workloads.length; i++) {
    const w = model.workloads[i];
    const app = own.appOf.get(w);
    if (!app) continue;
    if (!complete && ((rows && rows[i]) || others.has(w))) (counted as Map<ApplicationModel, number>).set(app, (counted.get(app) ?? 0) + 1);
    const h = progressing.size ? progressing.get(w) : undefined;
    if (h) {
      const list = byApp.get(app);
      if (list) list.push(h);
      else byApp.set(app, [h]);
    }
  }
  const parentOf = own.parentOf;
  const children = (a: ApplicationModel) => own.childrenOf.get(a) ?? [];
  const health = new Map<ApplicationModel, AppHealth>();
  const visiting = new Set<ApplicationModel>();
  const healthOf = (a: ApplicationModel): AppHealth => {
    const known = health.get(a);
    if (known) return known;
    if (visiting.has(a)) return 'Healthy'; // a cycle of paths: no new information
    visiting.add(a);
    const own = !byApp.has(a);
    const h: AppHealth = own && children(a).every((c) => healthOf(c) === 'Healthy') ? 'Healthy' : 'Progressing';
    visiting.delete(a);
    health.set(a, h);
    return h;
  };
  // Written out, not spread ({ ...(parent ? { parent } : {}) }): an Application per scenario, thousands of apps.
  const resultOf = (a: ApplicationModel, health: AppHealth, progressing: readonly WorkloadHealth[], progressingChildren: readonly string[]): AppResult => {
    const parent = parentOf.get(a);
    const workloads = counted.get(a) ?? 0;
    return parent
      ? { app: a, parent: parent.name, health, progressing, progressingChildren, workloads }
      : { app: a, health, progressing, progressingChildren, workloads };
  };
  const results: AppResult[] = apps.map((a) => {
    const health = healthOf(a);
    const mine = byApp.get(a) ?? NO_HEALTHS;
    const kids = children(a);
    if (health === 'Healthy' && !mine.length && complete && !kids.some((c) => healthOf(c) !== 'Healthy')) {
      let known = own.healthy.get(a);
      if (!known) own.healthy.set(a, (known = Object.freeze(resultOf(a, 'Healthy', NO_HEALTHS, NO_NAMES))));
      return known;
    }
    const progressingChildren = kids.filter((c) => healthOf(c) !== 'Healthy').map((c) => c.name);
    return resultOf(a, health, mine, progressingChildren);
  });
  const holds: WaveHold[] = [];
  for (const parent of apps) {
    const kids = children(parent);
    const bad = kids.filter((c) => healthOf(c) !== 'Healthy').sort((a, b) => a.wave - b.wave || a.name.localeCompare(b.name));
    if (!bad.length) continue;
    const blocker = bad[0];
    const held = kids.filter((c) => c.wave > blocker.wave).sort((a, b) => a.wave - b.wave || a.name.localeCompare(b.name)).map((c) => c.name);
    holds.push({ parent: parent.name, blocker: blocker.name, wave: blocker.wave, held });
  }
  return { scenario, quorum: r.quorum, apps: own.order.map((i) => results[i]), holds, unsynced: [...own.unsynced] };
}

/** The chain of Applications from the top down to `name` (its ancestors first). */
export function ancestry(result: DeployabilityResult, name: string): string[] {
  const byName = new Map(result.apps.map((a) => [a.app.name, a]));
  const chain: string[] = [];
  let cur = byName.get(name);
  while (cur && !chain.includes(cur.app.name)) {
    chain.unshift(cur.app.name);
    cur = cur.parent ? byName.get(cur.parent) : undefined;
  }
  return chain;
}

/**
 * Why `name` cannot deploy and become Healthy in this scenario: the holds that keep it or one of
 * its ancestors from syncing, and its own health. Empty when it deploys.
 */
export function whyNotDeployable(result: DeployabilityResult, name: string): string[] {
  const chain = ancestry(result, name);
  if (!chain.length) return [`no Application "${name}" is rendered`];
  const why: string[] = [];
  if (!result.quorum) why.push('etcd has no quorum: the API does not answer and Argo CD syncs nothing');
  const byName = new Map(result.apps.map((a) => [a.app.name, a]));
  for (const n of chain) {
    const a = byName.get(n)!;
    const hold = result.holds.find((h) => h.parent === a.parent && h.held.includes(n));
    if (hold) why.push(`${n} (wave ${a.app.wave}) waits for ${hold.blocker} (wave ${hold.wave} of ${hold.parent}), which is Progressing`);
  }
  const own = byName.get(name)!;
  if (own.health !== 'Healthy') why.push(`${name} itself is Progressing`);
  return why;
}

/** Whether every Application is Healthy (and etcd keeps quorum). */
export function allHealthy(result: DeployabilityResult): boolean {
  return result.quorum && result.apps.every((a) => a.health === 'Healthy');
}

/** One line per Application that is not Healthy, with what makes it so (its workloads, or its children). */
export function progressingLines(result: DeployabilityResult): string[] {
  return result.apps.filter((a) => a.health !== 'Healthy').map((a) => {
    const parts = [
      ...a.progressing.map((h) => `${h.workload.label} ${h.why}`),
      ...(a.progressingChildren.length ? [`child Application${a.progressingChildren.length === 1 ? '' : 's'} ${a.progressingChildren.join(', ')}`] : []),
    ];
    return `${a.app.name} (wave ${a.app.wave}${a.parent ? ` of ${a.parent}` : ''}): ${parts.join('; ')}`;
  });
}

/** One line per wave hold. */
export function holdLines(result: DeployabilityResult): string[] {
  return result.holds.map((h) => `${h.parent}: ${h.blocker} (wave ${h.wave}) holds back ${h.held.length ? `waves > ${h.wave}: ${h.held.join(', ')}` : 'no later wave'}`);
}
