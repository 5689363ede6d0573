import { HA_ANNOTATIONS, HA_RULES, HaRuleId } from '../ha/annotations';
import { haInputFromDisk, haModel, haObjectsOf, intactUnplaced, nMinusOneViolations } from '../ha/analysis';
import { HaModel, HaObject, OtherPod, Workload } from '../ha/model';
import type { Outcome } from '../ha/simulate';
import { rolloutFinding } from '../ha/rollout';
import { scheduledJobOutcomes, scheduledJobs } from '../ha/scheduled-jobs';
import { asList, describeObject, JsonMap, listAt, mapAt, mapsAt, valueAt } from '../k8s/manifest';
import type { Rule, RuleFinding } from '../rule';
import type { LoadedObject, TreeSource } from '../k8s/tree';
import { readFactsFile, type PlatformFacts } from '../facts/facts';
import type { SchemaRegistry } from './schemas';
import { describeRef, runSplit, SplitRule, SplitTree } from './split-rule';

/**
 * The HA and safety rules of `npm run verify`, one function per rule id (lib/ha/annotations.ts
 * lists them). Each finding starts with the rule id and says how to fix it; an object opts out
 * of a rule only with a reason (`platform.tsys/ha-exempt: "<rule-id>: <reason>"`).
 */

/** What every HA rule sees: the model of the rendered tree and its dist/ objects. */
export interface HaContext {
  readonly model: HaModel;
  readonly objects: readonly HaObject[];
  /** What the platform declares about its objects (lib/facts): app namespaces, besides what the model read. */
  readonly facts: PlatformFacts;
  /** Whether a file's objects are vouched for (lib/verify/vouched.ts): the container rules skip their pod templates. @default - none is */
  readonly vouched?: (file: string) => boolean;
  /** The verify tree these objects were taken from: the split HA rules run over it (their joins keep to the HA objects), sharing its entries. @default - a tree of `objects` */
  readonly tree?: SplitTree;
}

export type HaReport = (o: HaObject, message: string) => void;
export type HaReportFile = (file: string, message: string) => void;

/** What `haContext` builds from besides the objects. */
export interface HaContextOptions {
  /** What the platform declares about its objects. @default - read from the tree's facts file (`readFactsFile`) */
  readonly declared?: { readonly facts: PlatformFacts; readonly problems?: readonly string[] };
  /** The tree's files in memory (synth's staged tree). @default - the files on disk under the root */
  readonly source?: TreeSource;
  /**
   * The model of this very tree, built by the caller from the same files (synth's render, from
   * memory: the same workloads, applications and problems as one built from the tree), taken
   * instead of building it again. @default - built from the tree
   */
  readonly model?: HaModel;
  /** Whether a file's objects are vouched for (lib/verify/vouched.ts). @default - none is */
  readonly vouched?: (file: string) => boolean;
  /** The verify tree whose objects these are: the split HA rules share its entries. @default - a tree of the objects */
  readonly tree?: SplitTree;
}

/** Builds the HA context of a rendered tree on disk under `root`, or of `options.source` (verify's `objects` are dist/ and argocd/). */
export function haContext(root: string, objects: readonly LoadedObject[], options: HaContextOptions = {}): HaContext {
  const { declared, source, model, vouched, tree } = options;
  const v = { ...(vouched ? { vouched } : {}), ...(tree ? { tree } : {}) };
  if (model) return { model, objects: haObjectsOf(objects), facts: (declared ?? readFactsFile(root, source)).facts, ...v };
  const input = haInputFromDisk(root, objects, declared, source);
  return { model: haModel(input), objects: input.objects, facts: input.facts, ...v };
}

const tag = (id: HaRuleId, message: string) => `[${id}] ${message}`;
/** The subject of a finding: declared workloads are reported on the object that declares them. */
const subject = (w: Workload) => (w.declared ? `workload ${w.label}: ` : '');

/** A pod template to hold to the container rules: rendered workloads and other pods. */
interface PodTarget {
  readonly origin: HaObject;
  readonly podSpec: JsonMap;
  readonly systemComponent?: string;
  readonly exempt: ReadonlyMap<HaRuleId, string>;
  readonly longRunning: boolean;
}

/**
 * The pod targets of each model, worked out once (every container rule reads them; a model is not
 * changed once built); of a context with vouched files, once per context.
 */
const podTargetsOf = new WeakMap<HaContext['model'] | HaContext, readonly PodTarget[]>();

function podTargets(ctx: HaContext): readonly PodTarget[] {
  const key = ctx.vouched ? ctx : ctx.model;
  let targets = podTargetsOf.get(key);
  if (targets === undefined) podTargetsOf.set(key, (targets = podTargetsOfModel(ctx)));
  return targets;
}

/** The pod templates the container rules check: not those of vouched files (found clean by the synth that recorded them, with the same code). */
function podTargetsOfModel(ctx: HaContext): PodTarget[] {
  const vouched = ctx.vouched;
  if (vouched) {
    return [
      ...ctx.model.workloads.filter((w) => w.podSpec && !vouched(w.origin.file)).map((w) => ({ origin: w.origin, podSpec: w.podSpec!, systemComponent: w.systemComponent, exempt: w.exempt, longRunning: true })),
      ...ctx.model.otherPods.filter((p) => p.podSpec && !vouched(p.origin.file)).map((p: OtherPod) => ({ origin: p.origin, podSpec: p.podSpec!, systemComponent: p.systemComponent, exempt: p.exempt, longRunning: false })),
    ];
  }
  const workloads = ctx.model.workloads.filter((w) => w.podSpec).map((w) => ({ origin: w.origin, podSpec: w.podSpec!, systemComponent: w.systemComponent, exempt: w.exempt, longRunning: true }));
  const others = ctx.model.otherPods.filter((p) => p.podSpec).map((p: OtherPod) => ({ origin: p.origin, podSpec: p.podSpec!, systemComponent: p.systemComponent, exempt: p.exempt, longRunning: false }));
  return [...workloads, ...others];
}

/** The containers of each pod spec (without and with its init containers), worked out once: the rules only read them. */
const containersOf = [new WeakMap<JsonMap, readonly JsonMap[]>(), new WeakMap<JsonMap, readonly JsonMap[]>()];

function containers(pod: JsonMap, withInit: boolean): readonly JsonMap[] {
  const memo = containersOf[withInit ? 1 : 0];
  let list = memo.get(pod);
  if (list === undefined) memo.set(pod, (list = [...mapsAt(pod, 'containers'), ...(withInit ? mapsAt(pod, 'initContainers') : [])]));
  return list;
}

/** Well-formed HA annotations and workload declarations, each with a reason; the failure model present. */
export function checkHaAnnotations(ctx: HaContext, report: HaReport, reportFile: HaReportFile): void {
  for (const p of ctx.model.problems) {
    if (typeof p.origin === 'string') reportFile(p.origin, tag(p.rule, p.message));
    else report(p.origin, tag(p.rule, p.message));
  }
}

/** At least two replicas unless declared a singleton (which then runs exactly one). */
export function checkHaReplicas(ctx: HaContext, report: HaReport): void {
  for (const w of ctx.model.workloads) {
    if (w.kind === 'DaemonSet' || w.exempt.has('ha/replicas')) continue;
    if (w.singleton && w.replicas > 1) report(w.origin, tag('ha/replicas', `${subject(w)}declared a singleton but runs ${w.replicas} replicas; remove ${HA_ANNOTATIONS.singleton} or run one`));
    else if (!w.singleton && w.replicas < 2) {
      report(w.origin, tag('ha/replicas', `${subject(w)}runs ${w.replicas} replica${w.replicas === 1 ? '' : 's'}; run at least 2 (spread over nodes, with a PodDisruptionBudget), or declare it a singleton with ${HA_ANNOTATIONS.singleton}: "<why one is right>" and let the simulation hold it to the recovery budget`));
    }
  }
}

/** Replicas kept on different nodes by a hard rule on kubernetes.io/hostname. */
export function checkHaSpread(ctx: HaContext, report: HaReport): void {
  for (const w of ctx.model.workloads) {
    if (w.kind === 'DaemonSet' || w.singleton || w.replicas < 2 || w.spread || w.exempt.has('ha/spread')) continue;
    report(w.origin, tag('ha/spread', `${subject(w)}${w.spreadNote ?? 'nothing keeps its replicas on different nodes'}; add a topology spread constraint on kubernetes.io/hostname with whenUnsatisfiable: DoNotSchedule (or required pod anti-affinity) so one node holds at most one`));
  }
}

/** A PodDisruptionBudget that protects at least one pod and still lets a drain evict one. */
export function checkHaPdb(ctx: HaContext, report: HaReport): void {
  for (const w of ctx.model.workloads) {
    if (w.kind === 'DaemonSet' || w.exempt.has('ha/pdb')) continue;
    if (w.singleton) {
      if (w.pdbMin !== undefined && w.pdbMin >= w.replicas && w.replicas > 0) report(w.origin, tag('ha/pdb', `${subject(w)}a singleton whose PodDisruptionBudget (${w.pdbNote}) keeps its only pod blocks every drain of its node; remove the budget`));
      continue;
    }
    if (w.pdbMin === undefined) report(w.origin, tag('ha/pdb', `${subject(w)}${w.pdbNote}; add one with minAvailable ${Number.isFinite(w.replicas) ? Math.max(1, w.replicas - 1) : 'one less than its replicas'} (or maxUnavailable 1) so a drain never takes every replica at once`));
    else if (w.pdbMin < 1) report(w.origin, tag('ha/pdb', `${subject(w)}${w.pdbNote} protects no pod (minimum available 0); set minAvailable to at least 1`));
    else if (w.replicas - w.pdbMin < 1) report(w.origin, tag('ha/pdb', `${subject(w)}${w.pdbNote} keeps all ${w.replicas} replicas (minimum ${w.pdbMin}): no drain can ever evict one; set minAvailable below the replica count`));
  }
}

/** Readiness and liveness probes on every container of a long-running workload. */
export function checkHaProbes(ctx: HaContext, report: HaReport): void {
  for (const t of podTargets(ctx).filter((x) => x.longRunning && !x.exempt.has('ha/probes'))) {
    for (const c of containers(t.podSpec, false)) {
      const missing = ['readinessProbe', 'livenessProbe'].filter((p) => !c[p]);
      if (missing.length) report(t.origin, tag('ha/probes', `container "${c.name}" has no ${missing.join(' or ')}; add ${missing.length === 2 ? 'both' : 'it'} so traffic reaches only ready pods and a hung one is restarted`));
    }
  }
}

/** CPU and memory requests and a memory limit on every container. */
export function checkHaResources(ctx: HaContext, report: HaReport): void {
  for (const t of podTargets(ctx).filter((x) => !x.exempt.has('ha/resources'))) {
    for (const c of containers(t.podSpec, false)) {
      const missing = [
        ...(valueAt(c, 'resources.requests.cpu') === undefined ? ['requests.cpu'] : []),
        ...(valueAt(c, 'resources.requests.memory') === undefined ? ['requests.memory'] : []),
        ...(valueAt(c, 'resources.limits.memory') === undefined ? ['limits.memory'] : []),
      ];
      if (missing.length) report(t.origin, tag('ha/resources', `container "${c.name}" sets no ${missing.join(', ')}; set them so the scheduler reserves room for it and a leak cannot take its node down (a CPU limit is optional: it only throttles)`));
    }
  }
}

/** `image:tag` (not latest) or `image@sha256:...`. */
export function imagePin(image: string): 'digest' | 'tag' | 'latest' | 'none' {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return 'digest';
  const last = image.split('/').pop() ?? image;
  const i = last.indexOf(':');
  if (i < 0) return 'none';
  return last.slice(i + 1) === 'latest' ? 'latest' : 'tag';
}

/** Every image pinned to a tag that is not `latest`, or to a digest. */
export function checkHaImagePinned(ctx: HaContext, report: HaReport): void {
  for (const t of podTargets(ctx).filter((x) => !x.exempt.has('ha/image-pinned'))) {
    for (const c of containers(t.podSpec, true)) {
      const pin = imagePin(String(c.image ?? ''));
      if (pin === 'none' || pin === 'latest') report(t.origin, tag('ha/image-pinned', `container "${c.name}" image "${c.image}" ${pin === 'none' ? 'has no tag (that means latest)' : 'is tagged latest'}: nodes would run whatever was pushed last; pin a version tag, better a digest (@sha256:...)`));
    }
  }
}

const restrictedTargets = (ctx: HaContext, id: HaRuleId) => podTargets(ctx).filter((x) => !x.systemComponent && !x.exempt.has(id));
const SYSTEM_HINT = `or declare it a system component (${HA_ANNOTATIONS.systemComponent}: "<why it needs the host>")`;

/** No privilege: no privileged container or escalation, ALL capabilities dropped (only NET_BIND_SERVICE added), seccomp RuntimeDefault. */
export function checkHaSecurityContext(ctx: HaContext, report: HaReport): void {
  for (const t of restrictedTargets(ctx, 'ha/security-context')) {
    const podSeccomp = valueAt(t.podSpec, 'securityContext.seccompProfile.type');
    for (const c of containers(t.podSpec, true)) {
      const sc = mapAt(c, 'securityContext') ?? {};
      const wrong: string[] = [];
      if (sc.privileged === true) wrong.push('privileged: true');
      if (sc.allowPrivilegeEscalation !== false) wrong.push('allowPrivilegeEscalation is not false');
      if (!listAt(sc, 'capabilities.drop').includes('ALL')) wrong.push('capabilities.drop lacks ALL');
      const added = listAt(sc, 'capabilities.add').filter((x) => x !== 'NET_BIND_SERVICE');
      if (added.length) wrong.push(`capabilities.add ${added.join(', ')}`);
      const seccomp = valueAt(sc, 'seccompProfile.type') ?? podSeccomp;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') wrong.push('no seccompProfile RuntimeDefault');
      if (wrong.length) report(t.origin, tag('ha/security-context', `container "${c.name}": ${wrong.join(', ')}; set allowPrivilegeEscalation: false, capabilities.drop: [ALL], seccompProfile.type: RuntimeDefault, ${SYSTEM_HINT}`));
    }
  }
}

/** runAsNonRoot: true on the pod or every container. */
export function checkHaNonRoot(ctx: HaContext, report: HaReport): void {
  for (const t of restrictedTargets(ctx, 'ha/non-root')) {
    for (const c of containers(t.podSpec, true)) {
      if ((valueAt(c, 'securityContext.runAsNonRoot') ?? valueAt(t.podSpec, 'securityContext.runAsNonRoot')) !== true) {
        report(t.origin, tag('ha/non-root', `container "${c.name}" may run as root; set runAsNonRoot: true (and runAsUser when the image declares no user), ${SYSTEM_HINT}`));
      }
    }
  }
}

/** readOnlyRootFilesystem: true on every container (writable paths as emptyDir volumes). */
export function checkHaReadOnlyRoot(ctx: HaContext, report: HaReport): void {
  for (const t of restrictedTargets(ctx, 'ha/read-only-root')) {
    for (const c of containers(t.podSpec, true)) {
      if (valueAt(c, 'securityContext.readOnlyRootFilesystem') !== true) {
        report(t.origin, tag('ha/read-only-root', `container "${c.name}" has a writable root filesystem; set readOnlyRootFilesystem: true and mount emptyDir volumes where it writes, or opt out with ${HA_ANNOTATIONS.exempt}: "ha/read-only-root: <why it must write>"`));
      }
    }
  }
}

/** No host network, PID, IPC, ports or paths outside declared system components. */
export function checkHaHostNamespaces(ctx: HaContext, report: HaReport): void {
  for (const t of restrictedTargets(ctx, 'ha/host-namespaces')) {
    const p = t.podSpec;
    const used = [
      ...(['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => p[k] === true),
      ...mapsAt(p, 'volumes').filter((v) => v.hostPath).map((v) => `hostPath volume "${v.name}" (${valueAt(v, 'hostPath.path')})`),
      ...containers(p, true).flatMap((c) => mapsAt(c, 'ports').filter((x) => x.hostPort).map((x) => `hostPort ${x.hostPort} of "${c.name}"`)),
    ];
    if (used.length) report(t.origin, tag('ha/host-namespaces', `uses ${used.join(', ')}; remove it, ${SYSTEM_HINT}`));
  }
}

/** What ha/default-deny reads of a NetworkPolicy: that it denies all ingress to every pod of its namespace. */
export interface DenyProjection {
  readonly all: true;
}

/**
 * Every app namespace (declared so: the `appNamespace` fact) has a NetworkPolicy denying all
 * ingress, in dist/ outside dist/hosts/ (the HA rules' objects). A split rule
 * (lib/verify/split-rule.ts): a policy's projection says whether it denies all ingress; the
 * Namespaces are refs and facts.
 */
export const DEFAULT_DENY: SplitRule<DenyProjection, 'ha/default-deny'> = {
  id: 'ha/default-deny',
  key: 'deny',
  project({ obj, ref }) {
    if (ref.kind !== 'NetworkPolicy' || ref.apiVersion !== 'networking.k8s.io/v1') return undefined;
    const spec = mapAt(obj, 'spec') ?? {};
    const everyPod = !spec.podSelector || (Object.keys(mapAt(spec, 'podSelector.matchLabels') ?? {}).length === 0 && listAt(spec, 'podSelector.matchExpressions').length === 0);
    const types = asList(spec.policyTypes ?? ['Ingress']);
    return everyPod && types.includes('Ingress') && listAt(spec, 'ingress').length === 0 ? { all: true } : undefined;
  },
  join(entries, tree, report) {
    const ha = entries.filter((e) => e.ref.file.startsWith('dist/') && !e.ref.file.startsWith('dist/hosts/'));
    const denied = new Set<string>();
    for (const e of ha) if (e.p?.all && e.ref.namespace !== undefined) denied.add(e.ref.namespace);
    for (const e of ha) {
      if (e.ref.kind !== 'Namespace' || e.ref.apiVersion !== 'v1' || (tree.facts.size ? tree.facts.get(e.id) : undefined)?.appNamespace !== true) continue;
      if (!denied.has(e.ref.name)) report(e.ref, tag('ha/default-deny', `app namespace "${e.ref.name}" has no default-deny NetworkPolicy; render one with podSelector: {} and policyTypes [Ingress, Egress] and no rules (lib/ha/default-deny.ts), then allow what each app needs`));
    }
  },
};

/**
 * A schema registry for the HA context's split tree: the HA split rules read no schema (the
 * context has none); one that did would fail here, loudly, in its tests.
 */
const NO_SCHEMAS = new Proxy({}, { get: (_, key) => { throw new Error(`the HA split rules read no schema registry (asked for ${String(key)})`); } }) as SchemaRegistry;

/** The HA context's objects as a tree for the split HA rules, once per context. */
const splitTrees = new WeakMap<HaContext, SplitTree>();
function splitTreeOf(ctx: HaContext): SplitTree {
  if (ctx.tree) return ctx.tree;
  let tree = splitTrees.get(ctx);
  if (!tree) splitTrees.set(ctx, (tree = { root: '', files: ctx.objects.map((o) => o.file), objects: ctx.objects, facts: ctx.facts, registry: NO_SCHEMAS }));
  return tree;
}

/** N-1: no single node's loss causes an outage of a non-singleton; every singleton recovers within its budget; every CronJob keeps a node to run on. */
export function checkHaFailure(ctx: HaContext, report: HaReport, reportFile: HaReportFile): void {
  const cluster = ctx.model.cluster;
  if (!cluster) return;
  for (const u of intactUnplaced(ctx.model) ?? []) report(u.workload.origin, tag('ha/failure', `${subject(u.workload)}${u.pods} pod${u.pods === 1 ? '' : 's'} cannot be placed on the intact site: ${u.why}; add capacity or relax its constraints`));
  // Each scenario with its violations only: the rule reads no other outcome.
  const results = nMinusOneViolations(ctx.model);
  // One finding per workload and kind of problem, naming every node whose loss causes it.
  const grouped = new Map<string, { o: Outcome; nodes: string[] }>();
  for (const r of results) {
    if (!r.quorum) reportFile('dist/hosts/failure-model.yaml', tag('ha/failure', `losing ${r.failed.join(', ')} loses etcd quorum (${r.survivingServers.length} of ${r.servers} servers); run an odd number of servers, at least 3`));
    if (r.apiVip && (!r.apiVip.holders.length || !Number.isFinite(r.apiVip.seconds))) reportFile('dist/hosts/kube-vip/kube-vip.yaml', tag('ha/failure', `losing ${r.failed.join(', ')} leaves no kube-vip to take over the API VIP`));
    for (const o of r.outcomes) {
      const key = `${o.label}|${o.verdict}`;
      const g = grouped.get(key) ?? { o, nodes: [] };
      g.nodes.push(...r.failed);
      grouped.set(key, g);
    }
  }
  // CronJobs: a run needs one surviving node it may run on.
  const jobs = scheduledJobs(ctx.model);
  const stranded = new Map<string, { origin: HaObject; label: string; nodes: string[] }>();
  for (const r of jobs.length ? results : []) {
    for (const o of scheduledJobOutcomes(cluster, jobs, r.failed).filter((x) => x.violation)) {
      const origin = ctx.model.otherPods.find((p) => p.schedule === o.job)!.origin;
      const g = stranded.get(o.label) ?? { origin, label: o.label, nodes: [] };
      g.nodes.push(...r.failed);
      stranded.set(o.label, g);
    }
  }
  for (const g of stranded.values()) report(g.origin, tag('ha/failure', `losing ${g.nodes.join(' or ')}: ${g.label} has no surviving node to run on, so its runs are missed; let it run on more nodes (node selector, tolerations)`));
  for (const { o, nodes } of grouped.values()) {
    const w = o.workload;
    const fix = o.singleton
      ? `shorten its recovery (tolerations, start-up window) or run 2 replicas; a singleton may declare its own budget only with a reason (${HA_ANNOTATIONS.recoveryBudget}: "<seconds>: <why>")`
      : 'run replicas on different nodes (hard hostname spread) with a PodDisruptionBudget whose minimum the survivors meet';
    const what = o.verdict === 'unknown' ? 'its recovery time is unknown' : o.singleton ? `is back after ${Number.isFinite(o.outageSeconds) ? `${Math.round(o.outageSeconds)} s, over its ${o.budgetSeconds} s budget` : 'never'}` : `is unavailable for ${Number.isFinite(o.outageSeconds) ? `${Math.round(o.outageSeconds)} s` : 'good'}`;
    report(w.origin, tag('ha/failure', `losing ${nodes.join(' or ')}: ${o.label} ${what} (${o.why}); ${fix}`));
  }
}

/**
 * A Deployment's rolling update can finish with every node up and with any one node down
 * (lib/ha/rollout.ts): a surge pod needs a node its hard spread allows, or an old pod must be
 * allowed to go first. An R&D app's (outside HA) update may wait while its nodes are down.
 */
export function checkHaRollout(ctx: HaContext, report: HaReport): void {
  const cluster = ctx.model.cluster;
  if (!cluster) return;
  for (const w of ctx.model.workloads) {
    if (w.exempt.has('ha/rollout')) continue;
    const found = rolloutFinding(cluster, w);
    const stalls = found?.stalls.filter((s) => s.lost === undefined || !w.outsideHa) ?? [];
    if (!found || !stalls.length) continue;
    const intact = stalls.find((s) => s.lost === undefined);
    const shown = intact ?? stalls[0];
    const when = intact ? 'even with every node up' : `while ${stalls.map((s) => s.lost).join(' or ')} is down`;
    const spread = w.spread!;
    const how = spread.kind === 'anti-affinity'
      ? 'one per node (required pod anti-affinity on kubernetes.io/hostname)'
      : `by a DoNotSchedule topology spread on kubernetes.io/hostname (maxSkew ${spread.maxSkew}, nodeTaintsPolicy ${spread.honorTaints ? 'Honor' : 'Ignore'}${shown.nodes.emptyDomain ? `: a domain without pods (${shown.lost !== undefined ? 'the lost node, or ' : ''}a tainted node it does not tolerate) caps every node at ${spread.maxSkew}` : ''})`;
    const { run } = shown;
    const minAvailable = w.replicas - found.fenceposts.unavailable;
    const stop = `${shown.lost !== undefined ? `with ${shown.lost} down ` : ''}it stops at ${run.oldRunning} old and ${run.newRunning} new pods running${run.newPending ? ` and ${run.newPending} new Pending` : ''}: no new pod has a node its spread allows, and no old pod may go while ${run.oldRunning + run.newRunning} ${run.oldRunning + run.newRunning === 1 ? 'is' : 'are'} available (at least ${minAvailable})`;
    const fixes = found.fixes.length ? found.fixes.join('; or ') : 'let it run on more nodes, or relax its spread';
    report(w.origin, tag('ha/rollout', `${subject(w)}its rolling update (an image or config change) cannot finish ${when}: ${w.replicas} replica${w.replicas === 1 ? '' : 's'} kept apart ${how} on ${found.eligible.length ? found.eligible.join(', ') : 'no node'}, ${found.fenceposts.note}; ${stop}. The old pods keep serving, but the Deployment stays Progressing${w.argo.via === 'self' ? ' (and its Application with it)' : ''} until the node is back; ${fixes}`));
  }
}

/**
 * A case of an HA rule: a YAML file of dist/ objects (with its sibling `.facts.yaml`, the facts
 * synth would declare), relative to the repository root, checked on the shipped site's nodes
 * (test/fixtures/ha/README.md).
 */
export type HaFixture = string;

/** An HA rule (lib/rule.ts); its id is one of HA_RULES (lib/ha/annotations.ts). */
export interface HaRule extends Rule<HaContext, HaFixture> {
  readonly id: HaRuleId;
}

/** The rule a finding's message is tagged with (`[ha/...] `, a model problem), else `id`. */
function ruleOfMessage(id: HaRuleId): (message: string) => string {
  return (message) => /^\[(ha\/[a-z-]+)\] /.exec(message)?.[1] ?? id;
}

/** The findings of one HA check as rule findings; a finding tagged with another rule id (a model problem) keeps that id. */
function haRule(id: HaRuleId, run: (ctx: HaContext, report: HaReport, reportFile: HaReportFile) => void): HaRule {
  const ruleOf = ruleOfMessage(id);
  return {
    ...haRuleFacts(id),
    check(ctx) {
      const out: RuleFinding[] = [];
      run(ctx, (o, message) => out.push({ rule: ruleOf(message), file: o.file, object: describeObject(o.obj), message }), (file, message) => out.push({ rule: ruleOf(message), file, message }));
      return out;
    },
  };
}

/** What every HA rule has besides its check: its id, its description and its fixtures (test/fixtures/ha/<rule>/). */
function haRuleFacts(id: HaRuleId): Omit<HaRule, 'check'> {
  const folder = `test/fixtures/ha/${id.slice('ha/'.length)}`;
  return { id, description: HA_RULES[id], fixtures: { breaking: `${folder}/breaks.yaml`, satisfying: `${folder}/satisfies.yaml` } };
}

/** An HA rule in two parts (lib/verify/split-rule.ts): its join over the entries made from the context's objects. */
function splitHaRule<P>(rule: SplitRule<P, HaRuleId>): HaRule {
  const ruleOf = ruleOfMessage(rule.id);
  return {
    ...haRuleFacts(rule.id),
    check(ctx) {
      return runSplit(splitTreeOf(ctx), rule).map(({ at, message }): RuleFinding => (typeof at === 'string' ? { rule: ruleOf(message), file: at, message } : { rule: ruleOf(message), file: at.file, object: describeRef(at), message }));
    },
  };
}

/** Every HA rule, in the order verify runs them. */
export const HA_CHECKS: readonly HaRule[] = [
  haRule('ha/annotations', checkHaAnnotations), haRule('ha/replicas', checkHaReplicas), haRule('ha/spread', checkHaSpread), haRule('ha/pdb', checkHaPdb),
  haRule('ha/probes', checkHaProbes), haRule('ha/resources', checkHaResources), haRule('ha/image-pinned', checkHaImagePinned),
  haRule('ha/security-context', checkHaSecurityContext), haRule('ha/non-root', checkHaNonRoot), haRule('ha/read-only-root', checkHaReadOnlyRoot),
  haRule('ha/host-namespaces', checkHaHostNamespaces), splitHaRule(DEFAULT_DENY), haRule('ha/failure', checkHaFailure), haRule('ha/rollout', checkHaRollout),
];
