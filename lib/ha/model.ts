import { parse, parseAllDocuments } from 'yaml';
import { OTHER_POD_KINDS, WORKLOAD_KINDS } from '../k8s/kinds';
import { apiGroup, asList, asMap, isMap, JsonMap, listAt, mapAt, mapsAt, stringAt, stringMapAt, valueAt } from '../k8s/manifest';
import { podSpecOf, podTemplateOf } from '../k8s/pod-template';
import {
  cpuMillis, formatTaint, memoryBytes, nodeTermsMatch, parseTaint, parseTolerations, pdbMinAvailable,
  selectorMatches, Taint, Toleration, tolerates,
} from '../k8s/scheduling';
import { containerStartupSeconds, DEAD_NODE_TAINTS, ProbeTiming, probeWindowSeconds, readyAfterStartupSeconds } from './recovery';
import { FACTS_FILE, factsOf, ObjectFacts, PlatformFacts, WorkloadFact } from '../facts/facts';
import { HaRuleId, RecoveryBudget } from './annotations';
import { ChartValue, exemptions, ParsedDeclaration, ParsedStorage, WorkloadRole } from './workloads';
import { ArgoView, DAEMONSET_HEALTH_KEY, DAEMONSET_HEALTH_LUA, DaemonSetHealthRule } from './argo-health';
import { ANNOTATIONS, ARGOCD_NAMESPACE } from '../gitops/argocd';

/**
 * The model the HA rules and the node-failure simulation work on, built from the rendered tree
 * only: the nodes (their k3s configuration under dist/hosts and the capacity in
 * dist/hosts/failure-model.yaml), the storage, and every workload: rendered Deployments,
 * StatefulSets, DaemonSets and Rollouts, and the declared workloads of charts, Git components
 * and custom resources.
 */

/** One object read back from the rendered tree (the same shape verify uses). */
export interface HaObject {
  readonly file: string;
  readonly obj: JsonMap;
}

/** Where the failure model lives, beside the nodes' k3s configuration. */
export const FAILURE_MODEL_FILE = 'dist/hosts/failure-model.yaml';
/** The kube-vip manifests every server applies (not an Argo CD path, but pods all the same). */
export const KUBE_VIP_FILE = 'dist/hosts/kube-vip/kube-vip.yaml';

/**
 * Kubernetes 1.33's own values, used when the rendered k3s configuration sets none:
 * node-monitor-grace-period 50 s (since 1.32), node-monitor-period 5 s, toleration 300 s.
 */
export const KUBERNETES_DEFAULTS = { nodeMonitorGracePeriodSeconds: 50, nodeMonitorPeriodSeconds: 5, tolerationSeconds: 300, terminationGracePeriodSeconds: 30 } as const;

/** Labels k3s puts on every node by itself; servers get the control-plane, master and etcd roles. */
export function automaticLabels(name: string, role: 'server' | 'agent'): Record<string, string> {
  return {
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'beta.kubernetes.io/os': 'linux',
    // Assumed: the site's nodes are x86-64 (nothing in site.yaml says otherwise).
    'kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/arch': 'amd64',
    'node.kubernetes.io/instance-type': 'k3s',
    ...(role === 'server' ? { 'node-role.kubernetes.io/control-plane': 'true', 'node-role.kubernetes.io/master': 'true', 'node-role.kubernetes.io/etcd': 'true' } : {}),
  };
}

export interface NodeModel {
  readonly name: string;
  readonly role: 'server' | 'agent';
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly cpuMillis: number;
  readonly memoryBytes: number;
}

export interface EvictionModel {
  readonly nodeMonitorGracePeriodSeconds: number;
  readonly nodeMonitorPeriodSeconds: number;
  /** The API server's default-unreachable-toleration-seconds: pods without their own toleration leave after it. */
  readonly defaultUnreachableTolerationSeconds: number;
}

export interface StorageModel {
  readonly storageClass: string;
  readonly defaultClass: boolean;
  readonly replicaCount: number;
  readonly hardAntiAffinity: boolean;
  readonly nodeDownPodDeletionPolicy: string;
  readonly rwxFastFailover: boolean;
  readonly diskNodeLabel: string;
  /** The diskNodeLabel value of the nodes holding replicas of the class (default "true"). */
  readonly diskNodeValue?: string;
  readonly managerDaemonSet: string;
  readonly csiDaemonSet: string;
  readonly attachSeconds: number;
  /** Where it is declared (an Application). */
  readonly origin: HaObject;
}

export interface ClusterModel {
  readonly nodes: readonly NodeModel[];
  /** Node names in the order they join (site.yaml's node order, as the failure model lists them); `nodes`' order when not given. */
  readonly joinOrder?: readonly string[];
  readonly eviction: EvictionModel;
  readonly recoveryBudgetSeconds: number;
  readonly storage?: StorageModel;
}

/**
 * How a workload keeps its replicas apart, when it does so by a hard rule. `perRevision` (set only
 * when true): every such rule names the label its controller puts on each revision's pods in
 * `matchLabelKeys` (`pod-template-hash`), so each revision is kept apart on its own and a rolling
 * update's new pods may share a node with old ones (what ha/rollout reads; placement does not).
 */
export type HardSpread =
  | { readonly kind: 'anti-affinity'; readonly perRevision?: true }
  | { readonly kind: 'spread'; readonly maxSkew: number; readonly honorTaints: boolean; readonly perRevision?: true };

/**
 * A Deployment's update strategy as written (`spec.strategy`; Kubernetes' default is RollingUpdate
 * with maxSurge and maxUnavailable 25%): each of maxSurge and maxUnavailable only when it is set
 * to a number or a string (ha/rollout resolves them, with Kubernetes' rounding).
 */
export type UpdateStrategy =
  | { readonly type: 'Recreate' }
  | { readonly type: 'RollingUpdate'; readonly maxSurge?: number | string; readonly maxUnavailable?: number | string };

/** The label each kind's controller puts on a revision's pods (what `matchLabelKeys` names to count each revision on its own). */
export function revisionLabelOf(kind: WorkloadKind): string {
  return kind === 'Deployment' ? 'pod-template-hash' : kind === 'Rollout' ? 'rollouts-pod-template-hash' : 'controller-revision-hash';
}

/** A Deployment's `spec.strategy` as the model keeps it (`UpdateStrategy`). */
export function updateStrategyOf(strategy: unknown): UpdateStrategy {
  if (stringAt(strategy, 'type') === 'Recreate') return { type: 'Recreate' };
  const out: { type: 'RollingUpdate'; maxSurge?: number | string; maxUnavailable?: number | string } = { type: 'RollingUpdate' };
  const surge = valueAt(strategy, 'rollingUpdate.maxSurge');
  const unavailable = valueAt(strategy, 'rollingUpdate.maxUnavailable');
  if (typeof surge === 'string' || (typeof surge === 'number' && Number.isFinite(surge))) out.maxSurge = surge;
  if (typeof unavailable === 'string' || (typeof unavailable === 'number' && Number.isFinite(unavailable))) out.maxUnavailable = unavailable;
  return out;
}

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Rollout';

export interface VolumeUse {
  readonly name: string;
  readonly storageClass?: string;
  readonly accessMode: 'ReadWriteOnce' | 'ReadWriteMany' | 'ReadOnlyMany' | 'ReadWriteOncePod';
}

/**
 * What a workload's pod template and HA facts say that the model (`Workload`) and a rendered
 * workload's stored base (`WorkloadBase`, JSON) both hold, with the same types: `workloadOf` copies
 * them from the one to the other.
 */
export interface WorkloadTemplateFacts {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
  /** `namespace/name (Kind)`. */
  readonly label: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
  readonly spread?: HardSpread;
  /** Why it has no hard spread (for messages), when it has none. */
  readonly spreadNote?: string;
  readonly cpuMillis: number;
  readonly memoryBytes: number;
  readonly singleton?: string;
  readonly recoveryBudget?: RecoveryBudget;
  /** Why it is not highly available by design (an R&D app): down while its nodes are down, reported but no violation. */
  readonly outsideHa?: string;
  readonly systemComponent?: string;
  /** How long a new pod may take to become ready, and where the figure comes from. */
  readonly startupSeconds?: number;
  readonly startupNote: string;
  readonly terminationGraceSeconds: number;
  /** kube-vip: how long the VIP lease lasts (the VIP moves within it). */
  readonly leaseSeconds?: number;
  /** A Deployment's update strategy (rendered, or declared with `strategy`): what ha/rollout reads; none for other kinds. */
  readonly strategy?: UpdateStrategy;
}

/** One workload, rendered or declared, as the rules and the simulation see it. */
export interface Workload extends WorkloadTemplateFacts {
  /** The object findings are reported on: the workload itself, or the object that declares it. */
  readonly origin: HaObject;
  /** Declared (chart, Git component, custom resource) rather than rendered here. */
  readonly declared: boolean;
  readonly replicas: number;
  readonly requiredNodeTerms?: readonly JsonMap[];
  /** The PodDisruptionBudget's minimum available for `replicas`, when one protects it. */
  readonly pdbMin?: number;
  readonly pdbNote: string;
  readonly exempt: ReadonlyMap<HaRuleId, string>;
  readonly volumes: readonly VolumeUse[];
  readonly role?: WorkloadRole | 'api-vip';
  /** How Argo CD sees it: a resource it manages, through a custom resource's health, or not at all. */
  readonly argo: ArgoView;
  /** The pod template, for rendered workloads (the container rules read it). */
  readonly podSpec?: JsonMap;
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** A problem found while building the model: an HA rule finding on an object or a file. */
export interface HaProblem {
  readonly origin: HaObject | string;
  readonly rule: HaRuleId;
  readonly message: string;
}

/** One Argo CD Application of the render: what it syncs, and in which wave of its parent. */
export interface ApplicationModel {
  readonly name: string;
  /** The directory it syncs (`spec.source.path`), when it syncs one from the platform's repository. */
  readonly path?: string;
  /** Whether it syncs the directory's subdirectories too (`spec.source.directory.recurse`). */
  readonly recurse: boolean;
  /** Its sync wave (`argocd.argoproj.io/sync-wave`, 0 when unset): its parent syncs it after every lower wave is Healthy. */
  readonly wave: number;
  /** Where it is rendered: the Application whose path holds this file is its parent. */
  readonly origin: HaObject;
}

export interface HaModel {
  readonly cluster?: ClusterModel;
  readonly workloads: readonly Workload[];
  /** Every Argo CD Application rendered under dist/ (the app of apps, the layers, the apps). */
  readonly applications: readonly ApplicationModel[];
  /** How Argo CD judges a DaemonSet in this render: its built-in rule, or the platform's customisation (./argo-health.ts) found in argocd-cm. */
  readonly daemonSetHealth: DaemonSetHealthRule;
  /** The health customisations of argocd-cm (`resource.customizations.health.<group>_<kind>`: Lua), by key. */
  readonly healthCustomisations: Readonly<Record<string, string>>;
  /** Rendered pod templates that are not long-running workloads (Jobs, CronJobs, Pods): container rules only. */
  readonly otherPods: readonly OtherPod[];
  readonly problems: readonly HaProblem[];
}

/** A pod template that is not a long-running workload (Job, CronJob, Pod, bare ReplicaSet). */
export interface OtherPod {
  readonly origin: HaObject;
  /** Its pod template: absent when the model has no document of it (an entry's: the container rules read only documents). */
  readonly podSpec?: JsonMap;
  readonly label: string;
  readonly systemComponent?: string;
  readonly exempt: ReadonlyMap<HaRuleId, string>;
  /** Its kind (`Job`, `CronJob`, `Pod`, `ReplicaSet`). */
  readonly kind?: string;
  /** A CronJob's schedule and how a run recovers: the failure report lists it (lib/ha/scheduled-jobs.ts). */
  readonly schedule?: ScheduledRuns;
}

/** What the failure report needs of a CronJob: when it runs, where its pods may run, how a run is retried. */
export interface ScheduledRuns {
  readonly namespace: string;
  readonly name: string;
  readonly schedule: string;
  readonly timeZone?: string;
  readonly concurrencyPolicy: string;
  /** Retries of a failed run (Kubernetes' default 6 when unset). */
  readonly backoffLimit: number;
  readonly activeDeadlineSeconds?: number;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly requiredNodeTerms?: readonly JsonMap[];
  readonly tolerations: readonly Toleration[];
  /** Why it is not highly available by design (an R&D app), from its declared facts. */
  readonly outsideHa?: string;
}

/** The scheduled runs of a rendered CronJob. */
function scheduledRunsOf(obj: JsonMap, podSpec: JsonMap, outsideHa: string | undefined): ScheduledRuns {
  const deadline = valueAt(obj, 'spec.jobTemplate.spec.activeDeadlineSeconds');
  return {
    namespace: String(valueAt(obj, 'metadata.namespace') ?? ''),
    name: String(valueAt(obj, 'metadata.name')),
    schedule: String(valueAt(obj, 'spec.schedule') ?? ''),
    ...(stringAt(obj, 'spec.timeZone') ? { timeZone: stringAt(obj, 'spec.timeZone') } : {}),
    concurrencyPolicy: stringAt(obj, 'spec.concurrencyPolicy') ?? 'Allow',
    backoffLimit: Number(valueAt(obj, 'spec.jobTemplate.spec.backoffLimit') ?? 6),
    ...(deadline !== undefined ? { activeDeadlineSeconds: Number(deadline) } : {}),
    nodeSelector: stringMapAt(podSpec, 'nodeSelector') ?? {},
    requiredNodeTerms: mapsAt(podSpec, 'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms'),
    tolerations: parseTolerations(podSpec.tolerations),
    ...(outsideHa ? { outsideHa } : {}),
  };
}

/** What the model is built from: rendered objects under dist/ and the host files' text. */
export interface HaInput {
  /** Objects of dist/ (not argocd/, the bootstrap twin; not dist/hosts). */
  readonly objects: readonly HaObject[];
  /** Text of the files under dist/hosts/ the model reads, by path. */
  readonly hostFiles: ReadonlyMap<string, string>;
  /** What the platform declares about its objects (lib/facts): singletons, exemptions, workloads created at run time, storage. */
  readonly facts: PlatformFacts;
  /** What was wrong in the facts as read back from their file (lib/facts parseFacts), reported by ha/annotations. */
  readonly factsProblems?: readonly string[];
  /**
   * Objects of dist/ given by what the model reads of them (`haProjections`) instead of their
   * documents (a summarised app's), in tree order: merged into `objects` by file path.
   */
  readonly entries?: readonly HaEntry[];
}

/**
 * Who an object is and where, for an object the model has no document of (the same fields as
 * verify's `ObjectRef`): what its findings and the analysis key say of it.
 */
export interface HaObjectRef {
  readonly file: string;
  readonly apiVersion: string;
  readonly kind: string;
  /** metadata.namespace when it is a string. */
  readonly namespace?: string;
  readonly name: string;
}

/** One object as the model reads it without its document: who it is, and its projections. */
export interface HaEntry {
  readonly ref: HaObjectRef;
  readonly p: HaProjections;
}

/**
 * What the model reads of one object besides its pod template: a pure function of its document,
 * its own facts and the code, and JSON that reads back as itself (`haProjections` checks it).
 * A key is absent when the model reads nothing of that kind of the object.
 */
export interface HaProjections {
  /** A rendered workload, before the look-ups of its namespace's budgets, autoscalers and claims. */
  readonly wl?: WorkloadBase;
  /** A pod template that is not a long-running workload (Job, CronJob, Pod, ReplicaSet). */
  readonly pod?: PodProjection;
  /** An Argo CD Application. */
  readonly app?: AppProjection;
  readonly pdb?: PdbProjection;
  readonly hpa?: HpaProjection;
  readonly pvc?: PvcProjection;
}

/**
 * Everything `workloadOf` makes of a rendered workload's document and its own facts: the pod
 * template's placement, requests, probes and volumes, its HA facts, and its template labels (what
 * the budgets' look-up reads). Optional keys are absent rather than undefined (JSON).
 */
export interface WorkloadBase extends WorkloadTemplateFacts {
  /** spec.replicas as written (absent when unset). */
  readonly specReplicas?: unknown;
  readonly requiredNodeTerms: readonly JsonMap[];
  /** The facts' exemptions, in their order. */
  readonly exempt: readonly (readonly [string, string])[];
  /** The pod's volumes' claim names (each one set), in order: looked up among the namespace's claims. */
  readonly claims: readonly unknown[];
  /** The StatefulSet's volume claim templates. */
  readonly templateVolumes: readonly { readonly name: string; readonly storageClass?: string; readonly accessMode: VolumeUse['accessMode'] }[];
  /** Its declared role, when it is not the API VIP (`leaseSeconds` is set for the API VIP). */
  readonly role?: string;
  readonly podLabels: Readonly<Record<string, string>>;
}

/** What the model reads of a pod template that is not a long-running workload (`OtherPod` without its pod spec and origin). */
export interface PodProjection {
  readonly label: string;
  readonly systemComponent?: string;
  readonly exempt: readonly (readonly [string, string])[];
  readonly kind: string;
  readonly schedule?: ScheduledRuns;
}

/** An Application as the model reads it (`ApplicationModel` without its origin). */
export interface AppProjection {
  readonly name: string;
  readonly path?: string;
  readonly recurse: boolean;
  readonly wave: number;
}

/** What the look-ups read of a PodDisruptionBudget: its metadata and spec fields as written (absent when unset). */
export interface PdbProjection {
  readonly namespace?: unknown;
  readonly name?: unknown;
  /** spec.selector, when it is a map. */
  readonly selector?: JsonMap;
  readonly minAvailable?: unknown;
  readonly maxUnavailable?: unknown;
}

/** A HorizontalPodAutoscaler's target (only when namespace, kind and name are strings: others match nothing), and spec.minReplicas as written. */
export interface HpaProjection {
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
  readonly minReplicas?: unknown;
}

/** A PersistentVolumeClaim (only when its namespace is a string: others match nothing). */
export interface PvcProjection {
  readonly namespace: string;
  readonly name?: unknown;
  readonly storageClass?: string;
  readonly accessMode: VolumeUse['accessMode'];
}

/** Host files the model reads: each node's k3s config, the failure model, kube-vip. */
export function isModelHostFile(file: string): boolean {
  return file === FAILURE_MODEL_FILE || file === KUBE_VIP_FILE || /^dist\/hosts\/[^/]+\/config\.yaml$/.test(file);
}

export function buildHaModel(input: HaInput): HaModel {
  const problems: HaProblem[] = (input.factsProblems ?? []).map((message) => ({ origin: FACTS_FILE, rule: 'ha/annotations', message }));
  const facts = factsReader(input.facts);
  const kubeVip = kubeVipObjects(input.hostFiles, problems);
  const objects = [...input.objects, ...kubeVip];
  const storageDecl = findStorage(objects, facts, problems);
  const cluster = buildCluster(input.hostFiles, storageDecl, problems);
  const workloads: Workload[] = [];
  const otherPods: OtherPod[] = [];
  const items = modelItems(input.objects, input.entries ?? [], kubeVip, facts);
  const pdbs: PdbProjection[] = [];
  const hpas: HpaProjection[] = [];
  const pvcs: PvcProjection[] = [];
  for (const { p } of items) {
    if (p.pdb) pdbs.push(p.pdb);
    else if (p.hpa) hpas.push(p.hpa);
    else if (p.pvc) pvcs.push(p.pvc);
  }
  const indexes: WorkloadIndexes = { pdbs: indexPdbs(pdbs), hpas: indexHpas(hpas), pvcs: indexPvcs(pvcs) };

  for (const item of items) {
    const { origin, p } = item;
    if (p.wl) workloads.push(workloadOf(p.wl, indexes, origin, item.podSpec));
    else if (p.pod) otherPods.push(otherPodOf(p.pod, origin, item.podSpec));
    if (item.declared) workloads.push(...declaredWorkloads(origin, item.declared, pdbs, problems));
  }
  const storage = cluster?.storage;
  for (const ds of storage ? [storage.managerDaemonSet, storage.csiDaemonSet] : []) {
    if (!workloads.some((w) => w.kind === 'DaemonSet' && w.name === ds)) {
      problems.push({ origin: storage!.origin, rule: 'ha/annotations', message: `the storage declaration names DaemonSet ${ds}, which no workload declaration has; declare it (where its pods run decides where volumes live and attach)` });
    }
  }
  return { cluster, workloads, otherPods, problems, applications: applicationsOf(items), daemonSetHealth: daemonSetHealthOf(objects), healthCustomisations: healthCustomisationsOf(objects) };
}

/** One object as the model reads it: where findings about it go, its projections, and its pod template when the model has its document. */
interface ModelItem {
  readonly origin: HaObject;
  readonly p: HaProjections;
  readonly podSpec?: JsonMap;
  /** The workloads its facts declare (only a document's: haProjections refuses an object whose facts do). */
  readonly declared?: readonly WorkloadFact[];
}

/** A type's fields, writable: the projections are built a key at a time. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What an object the model does not read gives. */
const NO_PROJECTIONS: HaProjections = Object.freeze({});

/**
 * The model's objects in tree order: `objects` (documents) and `entries` merged by file path
 * (both in tree order, a file's objects together), then kube-vip's objects; a document the model
 * reads nothing of is left out.
 */
function modelItems(objects: readonly HaObject[], entries: readonly HaEntry[], kubeVip: readonly HaObject[], facts: FactsReader): ModelItem[] {
  const out: ModelItem[] = [];
  const pod: PodSpecOut = {};
  const documentItem = (o: HaObject): void => {
    pod.spec = undefined;
    const p = projectionsOf(o.obj, facts, pod);
    const declared = facts(o.obj)?.workloads;
    if (p !== NO_PROJECTIONS || declared) out.push({ origin: o, p, podSpec: pod.spec, declared });
  };
  let j = 0;
  for (const o of objects) {
    while (j < entries.length && entries[j].ref.file < o.file) out.push(entryItem(entries[j++]));
    documentItem(o);
  }
  while (j < entries.length) out.push(entryItem(entries[j++]));
  for (const o of kubeVip) documentItem(o);
  return out;
}

/** Where `projectionsOf` leaves the pod spec of a document that runs pods (one per model, instead of an object per document). */
interface PodSpecOut {
  spec?: JsonMap;
}

/**
 * An entry as a model item. Its origin stands in for the document with what the readers of an
 * origin use: `describeObject` (apiVersion, kind, metadata name and namespace), its file, its kind,
 * and its identity as an Application's origin (the analysis key's `#origin file kind appIndex`).
 */
function entryItem(e: HaEntry): ModelItem {
  const { ref } = e;
  const metadata = Object.freeze(ref.namespace !== undefined ? { name: ref.name, namespace: ref.namespace } : { name: ref.name });
  const obj = Object.freeze({ apiVersion: ref.apiVersion, kind: ref.kind, metadata });
  return { origin: { file: ref.file, obj }, p: e.p };
}

const hasOwn = (table: object, key: string) => Object.prototype.hasOwnProperty.call(table, key);

/** The projections of a document (`facts`: the render's facts); its pod spec, when it runs pods, in `pod`. */
function projectionsOf(obj: JsonMap, facts: FactsReader, pod: PodSpecOut): HaProjections {
  const kind = String(obj.kind);
  if (hasOwn(WORKLOAD_KINDS, kind)) {
    if (WORKLOAD_KINDS[kind] !== apiGroup(obj.apiVersion)) return NO_PROJECTIONS;
    const parts = workloadParts(obj, kind as WorkloadKind, facts(obj));
    if (!parts) return NO_PROJECTIONS;
    pod.spec = parts.pod;
    return { wl: parts.base };
  }
  if (hasOwn(OTHER_POD_KINDS, kind)) {
    const podSpec = OTHER_POD_KINDS[kind] === apiGroup(obj.apiVersion) ? podSpecOf(obj) : undefined;
    if (!podSpec) return NO_PROJECTIONS;
    pod.spec = podSpec;
    return { pod: podProjection(obj, kind, podSpec, facts(obj)) };
  }
  switch (obj.kind) {
    case 'PodDisruptionBudget':
      return apiGroup(obj.apiVersion) === 'policy' ? { pdb: pdbProjection(obj) } : NO_PROJECTIONS;
    case 'HorizontalPodAutoscaler': {
      const hpa = apiGroup(obj.apiVersion) === 'autoscaling' ? hpaProjection(obj) : undefined;
      return hpa ? { hpa } : NO_PROJECTIONS;
    }
    case 'PersistentVolumeClaim': {
      const pvc = obj.apiVersion === 'v1' ? pvcProjection(obj) : undefined;
      return pvc ? { pvc } : NO_PROJECTIONS;
    }
    case 'Application':
      return apiGroup(obj.apiVersion) === 'argoproj.io' ? { app: appProjection(obj) } : NO_PROJECTIONS;
    default:
      return NO_PROJECTIONS;
  }
}

/**
 * What the HA model reads of `document` besides its pod template, given its own facts (`factsOf`
 * of the render's facts): what a summarised app's line stores for each object, to give the model
 * as an `HaEntry` instead of the document. `{}` when the model reads nothing of it. Undefined when
 * the model needs the document itself (not a map; facts that declare workloads or storage, whose
 * values the model reads from the document; Argo CD's config map) or the projections are not JSON
 * that reads back as itself (a number that is not finite, -0): the app is then given as documents.
 */
export function haProjections(document: unknown, facts: ObjectFacts | undefined): HaProjections | undefined {
  if (!isMap(document)) return undefined;
  if (facts?.workloads || facts?.storage) return undefined;
  if (isArgocdCm(document)) return undefined;
  const p = projectionsOf(document, () => facts, {});
  return exactJson(p) ? p : undefined;
}

/**
 * Whether JSON.parse(JSON.stringify(value)) gives `value` back: plain maps without undefined
 * values or a `__proto__` key, lists without undefined items or holes, strings, booleans, null,
 * and finite numbers other than -0.
 */
function exactJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!(i in value) || !exactJson(value[i])) return false;
    return true;
  }
  if (typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || !exactJson((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/**
 * A rendered workload's base, from its document and its own facts (`workloadOf` makes the workload
 * of it): none for a document that is no workload, or a Rollout with spec.workloadRef (its
 * Deployment is checked instead).
 */
export function workloadBase(document: JsonMap, facts: ObjectFacts | undefined): WorkloadBase | undefined {
  const kind = String(document.kind);
  if (!hasOwn(WORKLOAD_KINDS, kind) || WORKLOAD_KINDS[kind] !== apiGroup(document.apiVersion)) return undefined;
  return workloadParts(document, kind as WorkloadKind, facts)?.base;
}

function podProjection(obj: JsonMap, kind: string, podSpec: JsonMap, facts: ObjectFacts | undefined): PodProjection {
  const ha = facts?.ha ?? {};
  const p: Mutable<PodProjection> = { label: `${valueAt(obj, 'metadata.namespace') ?? ''}/${valueAt(obj, 'metadata.name')} (${kind})`, exempt: Object.entries(ha.exempt ?? {}), kind };
  if (ha.systemComponent !== undefined) p.systemComponent = ha.systemComponent;
  if (kind === 'CronJob') p.schedule = scheduledRunsOf(obj, podSpec, ha.outsideHa);
  return p;
}

/** The one constructor of an other pod, from a document's projection or an entry's. */
function otherPodOf(p: PodProjection, origin: HaObject, podSpec: JsonMap | undefined): OtherPod {
  return {
    origin, podSpec, label: p.label, systemComponent: p.systemComponent, exempt: new Map(p.exempt) as ReadonlyMap<HaRuleId, string>, kind: p.kind,
    ...(p.schedule ? { schedule: p.schedule } : {}),
  };
}

// The projections are built by assignment rather than spreads of optional keys: a spread is several times slower, per object.
function pdbProjection(obj: JsonMap): PdbProjection {
  const p: Mutable<PdbProjection> = {};
  const namespace = valueAt(obj, 'metadata.namespace');
  const name = valueAt(obj, 'metadata.name');
  const selector = mapAt(obj, 'spec.selector');
  const spec = mapAt(obj, 'spec');
  if (namespace !== undefined) p.namespace = namespace;
  if (name !== undefined) p.name = name;
  if (selector) p.selector = selector;
  const minAvailable = spec ? valueAt(spec, 'minAvailable') : undefined;
  const maxUnavailable = spec ? valueAt(spec, 'maxUnavailable') : undefined;
  if (minAvailable !== undefined) p.minAvailable = minAvailable;
  if (maxUnavailable !== undefined) p.maxUnavailable = maxUnavailable;
  return p;
}

function hpaProjection(obj: JsonMap): HpaProjection | undefined {
  const [namespace, kind, name] = [valueAt(obj, 'metadata.namespace'), valueAt(obj, 'spec.scaleTargetRef.kind'), valueAt(obj, 'spec.scaleTargetRef.name')];
  // Compared with strings: any other value matches no workload.
  if (typeof namespace !== 'string' || typeof kind !== 'string' || typeof name !== 'string') return undefined;
  const p: Mutable<HpaProjection> = { namespace, kind, name };
  const minReplicas = valueAt(obj, 'spec.minReplicas');
  if (minReplicas !== undefined) p.minReplicas = minReplicas;
  return p;
}

function pvcProjection(obj: JsonMap): PvcProjection | undefined {
  const namespace = valueAt(obj, 'metadata.namespace');
  const name = valueAt(obj, 'metadata.name');
  // Compared with a string namespace, and with === (NaN equals nothing).
  if (typeof namespace !== 'string' || Number.isNaN(name)) return undefined;
  const p: Mutable<PvcProjection> = { namespace, accessMode: accessModeAt(obj, 'spec.accessModes.0') };
  const storageClass = stringAt(obj, 'spec.storageClassName');
  if (name !== undefined) p.name = name;
  if (storageClass !== undefined) p.storageClass = storageClass;
  return p;
}

function appProjection(obj: JsonMap): AppProjection {
  const source = mapAt(obj, 'spec.source') ?? {};
  const wave = Number(stringAt(obj, ['metadata', 'annotations', ANNOTATIONS.syncWave]) ?? 0);
  const sourcePath = stringAt(source, 'path');
  const p: Mutable<AppProjection> = { name: String(stringAt(obj, 'metadata.name')), recurse: valueAt(source, 'directory.recurse') === true, wave: Number.isFinite(wave) ? wave : 0 };
  if (source.chart === undefined && sourcePath !== undefined) p.path = sourcePath.replace(/\/+$/, '');
  return p;
}

/** The config map where Argo CD reads its health customisations. */
export const ARGOCD_CM = 'argocd-cm';

/** Argo CD Applications among the rendered objects. */
function applicationsOf(items: readonly ModelItem[]): ApplicationModel[] {
  const out: ApplicationModel[] = [];
  for (const { p, origin } of items) {
    if (p.app) out.push({ name: p.app.name, ...(p.app.path !== undefined ? { path: p.app.path } : {}), recurse: p.app.recurse, wave: p.app.wave, origin });
  }
  return out;
}

/** The rendered argocd-cm's health customisations, by `<group>_<kind>` key. */
function healthCustomisationsOf(objects: readonly HaObject[]): Record<string, string> {
  const prefix = 'resource.customizations.health.';
  const data = mapAt(argocdCm(objects)?.obj, 'data') ?? {};
  return Object.fromEntries(Object.entries(data).filter(([k, v]) => k.startsWith(prefix) && typeof v === 'string').map(([k, v]) => [k.slice(prefix.length), v as string]));
}

function argocdCm(objects: readonly HaObject[]): HaObject | undefined {
  return objects.find((o) => isArgocdCm(o.obj));
}

function isArgocdCm(obj: JsonMap): boolean {
  return obj.kind === 'ConfigMap' && obj.apiVersion === 'v1' && stringAt(obj, 'metadata.name') === ARGOCD_CM && stringAt(obj, 'metadata.namespace') === ARGOCD_NAMESPACE;
}

/** The DaemonSet health rule of the rendered argocd-cm: the platform's customisation when it is there unchanged, else Argo CD's built-in one. */
function daemonSetHealthOf(objects: readonly HaObject[]): DaemonSetHealthRule {
  const cm = argocdCm(objects);
  return stringAt(cm?.obj, ['data', `resource.customizations.health.${DAEMONSET_HEALTH_KEY}`]) === DAEMONSET_HEALTH_LUA ? 'one-unavailable' : 'builtin';
}

/** Objects of dist/hosts/kube-vip/kube-vip.yaml (k3s applies them on every server). */
function kubeVipObjects(hostFiles: ReadonlyMap<string, string>, problems: HaProblem[]): HaObject[] {
  const text = hostFiles.get(KUBE_VIP_FILE);
  if (text === undefined) return [];
  const out: HaObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) {
      problems.push({ origin: KUBE_VIP_FILE, rule: 'ha/annotations', message: `YAML: ${doc.errors[0].message.split('\n')[0]}; run npm run synth` });
      continue;
    }
    const obj = asMap(doc.toJS());
    if (obj) out.push({ file: KUBE_VIP_FILE, obj });
  }
  return out;
}

/** `factsOf` of one render's facts, as a function of the object. */
type FactsReader = (obj: JsonMap) => ObjectFacts | undefined;

/**
 * `factsOf(facts, obj)`, answering undefined at once for an object whose name ends no identity of
 * `facts` (most of a render's objects: a few dozen declare anything) instead of making its identity
 * to look it up: the same answers, without a string made per object.
 */
function factsReader(facts: PlatformFacts): FactsReader {
  if (!facts.size) return () => undefined;
  // Every tail of every identity after a slash: the name `factsOf` ends an identity with is among them.
  const tails = new Set<string>();
  for (const key of facts.keys()) {
    for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) tails.add(key.slice(i + 1));
  }
  return (obj) => {
    const metadata = obj.metadata as { readonly name?: unknown } | undefined;
    const name = metadata?.name;
    return tails.has(typeof name === 'string' ? name : String(name ?? '')) ? factsOf(facts, obj) : undefined;
  };
}

function findStorage(objects: readonly HaObject[], facts: FactsReader, problems: HaProblem[]): { origin: HaObject; storage: ParsedStorage } | undefined {
  let found: { origin: HaObject; storage: ParsedStorage } | undefined;
  for (const o of objects) {
    const storage = facts(o.obj)?.storage;
    if (!storage) continue;
    if (found) problems.push({ origin: o, rule: 'ha/annotations', message: `a second storage declaration (also ${found.origin.file}); declare the storage once` });
    else found = { origin: o, storage };
  }
  return found;
}

/** The values a declaration's paths read: Helm values, a HelmChart's valuesContent, or a custom resource's spec. */
function valuesOf(o: HaObject): { values: unknown; where: string; namespace?: string } {
  const obj = o.obj;
  if (obj.kind === 'Application' && apiGroup(obj.apiVersion) === 'argoproj.io') {
    const source = mapAt(obj, 'spec.source') ?? {};
    const namespace = stringAt(obj, 'spec.destination.namespace');
    return source.chart !== undefined
      ? { values: valueAt(source, 'helm.valuesObject') ?? {}, where: 'spec.source.helm.valuesObject', namespace }
      : { values: undefined, where: 'the upstream manifests (no values)', namespace };
  }
  if (obj.kind === 'HelmChart' && apiGroup(obj.apiVersion) === 'helm.cattle.io') {
    let values: unknown = {};
    try {
      values = parse(String(valueAt(obj, 'spec.valuesContent') ?? '')) ?? {};
    } catch {
      values = {};
    }
    return { values, where: 'spec.valuesContent', namespace: stringAt(obj, 'spec.targetNamespace') ?? stringAt(obj, 'metadata.namespace') };
  }
  return { values: obj.spec ?? {}, where: 'spec', namespace: stringAt(obj, 'metadata.namespace') };
}

/** Resolves one declared fact; records a problem when it cannot. */
function resolver(o: HaObject, values: unknown, where: string, workload: string, problems: HaProblem[]) {
  return <T>(v: ChartValue<T> | undefined, field: string): T | undefined => {
    if (v === undefined) return undefined;
    if ('fixed' in v) return v.fixed;
    if (values === undefined) {
      problems.push({ origin: o, rule: 'ha/annotations', message: `workload ${workload}: ${field} reads values path "${v.path}", but ${where}; declare it fixed, with why` });
      return undefined;
    }
    const found = valueAt(values, v.path);
    // Helm merges the values into the chart's: maps deep, everything else replaced.
    if (found !== undefined && found !== null) return (isMap(found) && isMap(v.default) ? deepMerge(v.default, found) : found) as T;
    if (v.default !== undefined) return v.default;
    problems.push({ origin: o, rule: 'ha/annotations', message: `workload ${workload}: ${field}: "${v.path}" is not set in ${where} and no chart default is declared; set it, or declare the chart's default` });
    return undefined;
  };
}

/** Helm's merge of values over chart defaults: maps merge key by key, other values replace. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isMap(v) && isMap(base[k]) ? deepMerge(base[k] as Record<string, unknown>, v) : v;
  return out;
}

function declaredWorkloads(o: HaObject, workloads: readonly WorkloadFact[], pdbs: readonly PdbProjection[], problems: HaProblem[]): Workload[] {
  const { values, where, namespace: defaultNamespace } = valuesOf(o);
  return workloads.map((d) => declaredWorkload(o, d, values, where, defaultNamespace, pdbs, problems));
}

/**
 * How Argo CD sees a declared workload: one a controller creates from a custom resource counts
 * through that resource's health (the one `createdFrom` names, or the resource it is declared on:
 * a Keycloak, an EnvoyProxy, a k3s HelmChart); one a controller creates from values does not
 * count; one a chart's Application renders is a resource that Application manages.
 */
function argoViewOf(o: HaObject, d: ParsedDeclaration): ArgoView {
  if (d.createdFrom) return { via: 'resource', group: d.createdFrom.group, kind: d.createdFrom.kind };
  if (d.createdBy) return { via: 'none', why: `created at run time by ${d.createdBy}` };
  const kind = String(o.obj.kind);
  const group = apiGroup(o.obj.apiVersion);
  if (kind === 'Application' && group === 'argoproj.io') return { via: 'self' };
  return { via: 'resource', group, kind };
}

function declaredWorkload(o: HaObject, d: ParsedDeclaration, values: unknown, where: string, defaultNamespace: string | undefined, pdbs: readonly PdbProjection[], problems: HaProblem[]): Workload {
  const namespace = d.namespace ?? defaultNamespace ?? '';
  const label = `${namespace}/${d.name} (${d.kind})`;
  const get = resolver(o, values, where, label, problems);
  const replicas = d.kind === 'DaemonSet' ? 0 : Number(get(d.replicas as ChartValue<number>, 'replicas') ?? 1);

  let spread: HardSpread | undefined;
  let spreadNote: string | undefined;
  if (d.spread && 'topologySpread' in d.spread) {
    const list = get(d.spread.topologySpread as ChartValue<JsonMap[]>, 'spread') ?? [];
    ({ spread, note: spreadNote } = hardSpreadOf(list, undefined, revisionLabelOf(d.kind)));
  } else if (d.spread && 'affinity' in d.spread) {
    const affinity = get(d.spread.affinity as ChartValue<JsonMap>, 'spread') as JsonMap | undefined;
    ({ spread, note: spreadNote } = hardAntiAffinityOf(affinity, undefined, revisionLabelOf(d.kind)));
  } else if (d.spread && 'preset' in d.spread) {
    const preset = get(d.spread.preset, 'spread');
    const key = d.spread.topologyKey ? get(d.spread.topologyKey, 'spread topologyKey') : 'kubernetes.io/hostname';
    if (preset === d.spread.hardWhen && key === 'kubernetes.io/hostname') spread = { kind: 'anti-affinity' };
    else spreadNote = preset !== d.spread.hardWhen ? `its anti-affinity setting is ${JSON.stringify(preset)}, not ${JSON.stringify(d.spread.hardWhen)} (required)` : `its anti-affinity is on ${key}, not kubernetes.io/hostname`;
  } else {
    spreadNote = 'it declares no spread';
  }

  let pdbMin: number | undefined;
  let pdbNote = 'no PodDisruptionBudget';
  if (d.pdb && 'rendered' in d.pdb) {
    const pdb = pdbs.find((p) => p.name === (d.pdb as { rendered: string }).rendered && p.namespace === namespace);
    if (!pdb) {
      problems.push({ origin: o, rule: 'ha/annotations', message: `workload ${label}: its PodDisruptionBudget "${d.pdb.rendered}" is not rendered in namespace "${namespace}"; render it (KubePodDisruptionBudget) or fix the name` });
    } else {
      pdbMin = pdbMinAvailable(pdb, replicas);
      pdbNote = `PodDisruptionBudget ${namespace}/${d.pdb.rendered}`;
    }
  } else if (d.pdb) {
    const decl = d.pdb as { enabled?: ChartValue<boolean>; minAvailable?: ChartValue<number | string>; maxUnavailable?: ChartValue<number | string> };
    const enabled = decl.enabled ? get(decl.enabled, 'pdb.enabled') : undefined;
    const minAvailable = decl.minAvailable ? get(decl.minAvailable, 'pdb.minAvailable') : undefined;
    const maxUnavailable = decl.maxUnavailable ? get(decl.maxUnavailable, 'pdb.maxUnavailable') : undefined;
    const set = (v: unknown) => v !== undefined && v !== '' && v !== 0 && v !== '0';
    const on = decl.enabled ? enabled === true : set(minAvailable) || set(maxUnavailable);
    if (on) {
      pdbMin = pdbMinAvailable({ minAvailable, maxUnavailable: set(maxUnavailable) ? maxUnavailable : undefined }, replicas) ?? 0;
      pdbNote = `its PodDisruptionBudget (${set(maxUnavailable) ? `maxUnavailable ${maxUnavailable}` : `minAvailable ${minAvailable ?? 0}`})`;
    } else {
      pdbNote = decl.enabled ? 'its PodDisruptionBudget is disabled in the values' : 'its PodDisruptionBudget is not set in the values';
    }
  }

  const resources = (get(d.resources as ChartValue<JsonMap>, 'resources') ?? {}) as JsonMap;
  let startupSeconds: number | undefined;
  let startupNote = 'no start-up window declared';
  if (d.startup && 'probe' in d.startup) {
    const probe = get(d.startup.probe as ChartValue<JsonMap>, 'startup probe') as JsonMap | undefined;
    startupSeconds = probeWindowSeconds(probe);
    startupNote = `${'fixed' in d.startup.probe ? 'the upstream probe' : `probe ${d.startup.probe.path}`}: ${describeProbe(probe)}`;
  } else if (d.startup && 'seconds' in d.startup) {
    startupSeconds = Number(get(d.startup.seconds, 'startup seconds'));
    startupNote = 'fixed' in d.startup.seconds ? `declared ${startupSeconds} s: ${d.startup.seconds.because}` : `${d.startup.seconds.path} = ${startupSeconds} s`;
  }
  const tolerations = parseTolerations(get(d.tolerations as ChartValue<JsonMap[] | string>, 'tolerations'));
  const strategy = d.kind === 'Deployment' && d.strategy ? get(d.strategy as ChartValue<JsonMap>, 'strategy') : undefined;
  const nodeAffinity = get(d.nodeAffinity as ChartValue<JsonMap>, 'nodeAffinity') as JsonMap | undefined;
  return {
    kind: d.kind,
    namespace,
    name: d.name,
    label,
    origin: o,
    declared: true,
    replicas,
    nodeSelector: (get(d.nodeSelector, 'nodeSelector') ?? {}) as Record<string, string>,
    requiredNodeTerms: mapsAt(nodeAffinity, 'requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms'),
    tolerations,
    spread,
    spreadNote: spread ? undefined : spreadNote,
    pdbMin,
    pdbNote,
    cpuMillis: cpuMillis(valueAt(resources, 'requests.cpu')) ?? 0,
    memoryBytes: memoryBytes(valueAt(resources, 'requests.memory')) ?? 0,
    singleton: d.singleton,
    recoveryBudget: d.recoveryBudget,
    systemComponent: d.systemComponent,
    exempt: exemptions(d),
    startupSeconds,
    startupNote,
    terminationGraceSeconds: Number(get(d.terminationGracePeriodSeconds, 'terminationGracePeriodSeconds') ?? KUBERNETES_DEFAULTS.terminationGracePeriodSeconds),
    volumes: d.volume ? [{ name: '', storageClass: d.volume.storageClass, accessMode: d.volume.accessMode }] : [],
    role: d.role,
    argo: argoViewOf(o, d),
    ...(strategy !== undefined ? { strategy: updateStrategyOf(strategy) } : {}),
  };
}

function describeProbe(p: JsonMap | undefined): string {
  if (!p) return 'none';
  return `${p.initialDelaySeconds ?? 0} s + ${p.failureThreshold ?? 3} x ${p.periodSeconds ?? 10} s`;
}

/** Whether every rule of `rules` counts each revision on its own: `matchLabelKeys` names `revisionLabel`. */
function perRevision(rules: readonly JsonMap[], revisionLabel: string | undefined): boolean {
  return revisionLabel !== undefined && rules.every((r) => listAt(r, 'matchLabelKeys').includes(revisionLabel));
}

/**
 * Hard hostname spread among topology spread constraints (selector checked against `labels` when
 * given); `revisionLabel`: the label of each revision's pods (`revisionLabelOf`), to tell a spread
 * that counts each revision on its own.
 */
export function hardSpreadOf(list: readonly JsonMap[], labels: Readonly<Record<string, string>> | undefined, revisionLabel?: string): { spread?: HardSpread; note?: string } {
  const onHost = list.filter((c) => c?.topologyKey === 'kubernetes.io/hostname');
  if (!onHost.length) return { note: list.length ? 'its topology spread is not on kubernetes.io/hostname' : 'it has no topology spread or required anti-affinity' };
  const hard = onHost.filter((c) => c.whenUnsatisfiable === 'DoNotSchedule');
  if (!hard.length) return { note: 'its hostname spread is ScheduleAnyway (a preference; replicas may still share a node)' };
  const own = labels ? hard.filter((c) => selectorMatches(asMap(c.labelSelector), labels)) : hard;
  if (!own.length) return { note: 'its hostname spread selects other pods than its own (labelSelector)' };
  const c = own.reduce((a, b) => (Number(a.maxSkew ?? 1) <= Number(b.maxSkew ?? 1) ? a : b));
  const spread: HardSpread = { kind: 'spread', maxSkew: Math.max(1, Number(c.maxSkew ?? 1)), honorTaints: c.nodeTaintsPolicy === 'Honor' };
  return { spread: perRevision(own, revisionLabel) ? { ...spread, perRevision: true } : spread };
}

/** Required pod anti-affinity on the hostname (against its own pods when `labels` is given); `revisionLabel` as for `hardSpreadOf`. */
export function hardAntiAffinityOf(affinity: JsonMap | undefined, labels: Readonly<Record<string, string>> | undefined, revisionLabel?: string): { spread?: HardSpread; note?: string } {
  const terms = mapsAt(affinity, 'podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution');
  const own = terms.filter((t) => t.topologyKey === 'kubernetes.io/hostname' && (!labels || selectorMatches(asMap(t.labelSelector), labels)));
  if (own.length) return { spread: perRevision(own, revisionLabel) ? { kind: 'anti-affinity', perRevision: true } : { kind: 'anti-affinity' } };
  if (listAt(affinity, 'podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution').length) return { note: 'its pod anti-affinity is only preferred (replicas may still share a node)' };
  return { note: 'it has no topology spread or required anti-affinity' };
}

/** PodDisruptionBudgets that may select pods with `labels` in `namespace` (a superset; the caller matches). */
type PdbIndex = (namespace: string, labels: Readonly<Record<string, string>>) => PdbProjection[];

/** Indexes budgets by namespace and one of their matchLabels, so a thousand apps do not each scan every budget. */
function indexPdbs(pdbs: readonly PdbProjection[]): PdbIndex {
  // By namespace, then the key and the value (as a string) of their first matchLabel; budgets without one by namespace.
  const byLabel = new Map<string, Map<string, Map<string, PdbProjection[]>>>();
  const other = new Map<string, PdbProjection[]>();
  const listIn = <K>(m: Map<K, PdbProjection[]>, k: K): PdbProjection[] => {
    let list = m.get(k);
    if (!list) m.set(k, (list = []));
    return list;
  };
  const mapIn = <K, V>(m: Map<K, Map<string, V>>, k: K): Map<string, V> => {
    let inner = m.get(k);
    if (!inner) m.set(k, (inner = new Map()));
    return inner;
  };
  for (const p of pdbs) {
    const ns = String(p.namespace ?? '');
    const first = Object.entries(mapAt(p.selector, 'matchLabels') ?? {})[0];
    if (first) listIn(mapIn(mapIn(byLabel, ns), first[0]), String(first[1])).push(p);
    else listIn(other, ns).push(p);
  }
  // Each label of the pods in their order, then the namespace's budgets without a matchLabel (candidates: the caller matches each).
  return (namespace, labels) => {
    const byKey = byLabel.get(namespace);
    const rest = other.get(namespace);
    if (!byKey) return rest ? [...rest] : [];
    const out: PdbProjection[] = [];
    for (const k of Object.keys(labels)) {
      const found = byKey.get(k)?.get(labels[k]);
      if (found) out.push(...found);
    }
    if (rest) out.push(...rest);
    return out;
  };
}

/** The first HorizontalPodAutoscaler (in the objects' order) scaling `kind` `name` in `namespace`. */
type HpaIndex = (namespace: string, kind: string, name: string) => HpaProjection | undefined;

/** Indexes autoscalers by namespace and target, so a thousand workloads do not each scan every autoscaler (the first of each target is kept, as a scan finds it). */
function indexHpas(hpas: readonly HpaProjection[]): HpaIndex {
  const byTarget = new Map<string, HpaProjection>();
  for (const h of hpas) {
    const key = JSON.stringify([h.namespace, h.kind, h.name]);
    if (!byTarget.has(key)) byTarget.set(key, h);
  }
  if (!byTarget.size) return () => undefined;
  return (namespace, kind, name) => byTarget.get(JSON.stringify([namespace, kind, name]));
}

/** The first PersistentVolumeClaim (in the objects' order) in `namespace` named `claim` (compared as a volume's claimName is: strictly). */
type PvcIndex = (namespace: string, claim: unknown) => PvcProjection | undefined;

function indexPvcs(pvcs: readonly PvcProjection[]): PvcIndex {
  const byName = new Map<string, Map<unknown, PvcProjection>>();
  for (const p of pvcs) {
    let names = byName.get(p.namespace);
    if (!names) byName.set(p.namespace, (names = new Map()));
    if (!names.has(p.name)) names.set(p.name, p);
  }
  return (namespace, claim) => byName.get(namespace)?.get(claim);
}

/** The look-ups a rendered workload makes among the objects of its namespace: its budgets, its autoscaler and its claims. */
export interface WorkloadIndexes {
  readonly pdbs: PdbIndex;
  readonly hpas: HpaIndex;
  readonly pvcs: PvcIndex;
}

/** The base of a rendered workload of `kind` (`workloadBase`), and its pod spec. */
function workloadParts(obj: JsonMap, kind: WorkloadKind, facts: ObjectFacts | undefined): { base: WorkloadBase; pod: JsonMap } | undefined {
  const namespace = String(valueAt(obj, 'metadata.namespace') ?? '');
  const name = String(valueAt(obj, 'metadata.name'));
  const label = `${namespace}/${name} (${kind})`;
  if (kind === 'Rollout' && valueAt(obj, 'spec.workloadRef')) return undefined; // its Deployment is checked instead
  const template = podTemplateOf(obj) ?? {};
  const pod: JsonMap = mapAt(template, 'spec') ?? {};
  const labels: Record<string, string> = stringMapAt(template, 'metadata.labels') ?? {};
  const ha = facts?.ha ?? {};
  const specReplicas = valueAt(obj, 'spec.replicas');

  const revisionLabel = revisionLabelOf(kind);
  const byAnti = hardAntiAffinityOf(mapAt(pod, 'affinity'), labels, revisionLabel);
  const bySpread = hardSpreadOf(mapsAt(pod, 'topologySpreadConstraints'), labels, revisionLabel);
  const spread = bothPerRevision(byAnti.spread, bySpread.spread);
  const spreadNote = spread ? undefined : (listAt(pod, 'topologySpreadConstraints').length ? bySpread.note : byAnti.note);

  const containers = mapsAt(pod, 'containers');
  const sum = (pick: (c: JsonMap) => number | undefined) => containers.reduce((s, c) => s + (pick(c) ?? 0), 0);
  // A startup probe's window, then one readiness period before traffic; else the readiness window.
  const windows = containers.map((c) => ({ c, w: containerStartupSeconds(containerProbes(c)) }));
  const withWindow = windows.filter((x) => x.w !== undefined);
  const startupSeconds = withWindow.length ? Math.max(...withWindow.map((x) => x.w!)) : undefined;
  const startupNote = withWindow.length
    ? withWindow.map((x) => `${x.c.name}: ${x.c.startupProbe ? `startup probe ${describeProbe(asMap(x.c.startupProbe))}${readyAfterStartupSeconds(containerProbes(x.c)) ? ` + readiness period ${readyAfterStartupSeconds(containerProbes(x.c))} s` : ''}` : `readiness probe ${describeProbe(asMap(x.c.readinessProbe))}`}`).join(', ')
    : 'no startup or readiness probe';

  const claims: unknown[] = [];
  for (const v of mapsAt(pod, 'volumes')) {
    const claim = valueAt(v, 'persistentVolumeClaim.claimName');
    if (claim) claims.push(claim);
  }
  const templateVolumes = mapsAt(obj, 'spec.volumeClaimTemplates').map((t) => {
    const v: Mutable<WorkloadBase['templateVolumes'][number]> = { name: String(valueAt(t, 'metadata.name')), accessMode: accessModeAt(t, 'spec.accessModes.0') };
    const storageClass = stringAt(t, 'spec.storageClassName');
    if (storageClass !== undefined) v.storageClass = storageClass;
    return v;
  });

  const env = (c: JsonMap, n: string) => mapsAt(c, 'env').find((e) => e.name === n)?.value;
  const vip = containers.find((c) => env(c, 'cp_enable') === 'true' && env(c, 'vip_leaderelection') === 'true');

  const base: Mutable<WorkloadBase> = {
    kind,
    namespace,
    name,
    label,
    nodeSelector: stringMapAt(pod, 'nodeSelector') ?? {},
    requiredNodeTerms: mapsAt(pod, 'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms'),
    tolerations: parseTolerations(pod.tolerations),
    cpuMillis: sum((c) => cpuMillis(valueAt(c, 'resources.requests.cpu'))),
    memoryBytes: sum((c) => memoryBytes(valueAt(c, 'resources.requests.memory'))),
    exempt: Object.entries(ha.exempt ?? {}),
    startupNote,
    terminationGraceSeconds: Number(pod.terminationGracePeriodSeconds ?? KUBERNETES_DEFAULTS.terminationGracePeriodSeconds),
    claims,
    templateVolumes,
    podLabels: labels,
  };
  // Optional keys only when set (JSON), by assignment (a spread of each is several times slower).
  if (specReplicas !== undefined) base.specReplicas = specReplicas;
  if (spread !== undefined) base.spread = spread;
  if (spreadNote !== undefined) base.spreadNote = spreadNote;
  if (ha.singleton !== undefined) base.singleton = ha.singleton;
  if (ha.recoveryBudget !== undefined) base.recoveryBudget = ha.recoveryBudget;
  if (ha.outsideHa) base.outsideHa = ha.outsideHa;
  if (ha.systemComponent !== undefined) base.systemComponent = ha.systemComponent;
  if (startupSeconds !== undefined) base.startupSeconds = startupSeconds;
  if (vip) base.leaseSeconds = Number(env(vip, 'vip_leaseduration') ?? 15);
  else if (ha.role) base.role = ha.role;
  if (kind === 'Deployment') base.strategy = updateStrategyOf(valueAt(obj, 'spec.strategy'));
  return { base, pod };
}

/**
 * The hard spread a workload is placed by: its required anti-affinity, else its topology spread;
 * counted per revision only when every hard rule it has is (a rule that counts every revision
 * keeps a new pod off an old one's node).
 */
function bothPerRevision(anti: HardSpread | undefined, spread: HardSpread | undefined): HardSpread | undefined {
  const chosen = anti ?? spread;
  if (!chosen?.perRevision || !anti || !spread || spread.perRevision) return chosen;
  return chosen.kind === 'anti-affinity' ? { kind: 'anti-affinity' } : { kind: 'spread', maxSkew: chosen.maxSkew, honorTaints: chosen.honorTaints };
}

/**
 * The one constructor of a rendered workload, from its base (a document's, or an entry's stored
 * one) and the look-ups of its namespace: the analysis key hashes this literal's keys in this order,
 * with a present but undefined key as such, so the two paths must share it.
 */
export function workloadOf(base: WorkloadBase, indexes: WorkloadIndexes, origin: HaObject, podSpec?: JsonMap): Workload {
  const { kind, namespace, name, podLabels: labels } = base;
  let replicas = kind === 'DaemonSet' ? 0 : Number(base.specReplicas ?? 1);
  const hpa = indexes.hpas(namespace, kind, name);
  const hpaMin = Number(hpa?.minReplicas ?? 1);
  if (hpa) replicas = base.specReplicas === undefined ? hpaMin : Math.max(replicas, hpaMin);

  const matching = indexes.pdbs(namespace, labels).filter((p) => selectorMatches(p.selector, labels));
  let pdbMin: number | undefined;
  let pdbNote = `no PodDisruptionBudget selects its pods in namespace "${namespace}"`;
  for (const p of matching) {
    const min = pdbMinAvailable(p, replicas);
    if (min !== undefined && (pdbMin === undefined || min > pdbMin)) {
      pdbMin = min;
      pdbNote = `PodDisruptionBudget ${namespace}/${p.name}`;
    }
  }

  const volumes: VolumeUse[] = [];
  for (const claim of base.claims) {
    const pvc = indexes.pvcs(namespace, claim);
    volumes.push({ name: String(claim), storageClass: pvc?.storageClass, accessMode: pvc?.accessMode ?? 'ReadWriteOnce' });
  }
  for (const t of base.templateVolumes) volumes.push({ name: t.name, storageClass: t.storageClass, accessMode: t.accessMode });

  return {
    kind,
    namespace,
    name,
    label: base.label,
    origin,
    declared: false,
    replicas,
    nodeSelector: base.nodeSelector,
    requiredNodeTerms: base.requiredNodeTerms,
    tolerations: base.tolerations,
    spread: base.spread,
    spreadNote: base.spreadNote,
    pdbMin,
    pdbNote,
    cpuMillis: base.cpuMillis,
    memoryBytes: base.memoryBytes,
    singleton: base.singleton,
    recoveryBudget: base.recoveryBudget,
    ...(base.outsideHa ? { outsideHa: base.outsideHa } : {}),
    systemComponent: base.systemComponent,
    exempt: new Map(base.exempt) as ReadonlyMap<HaRuleId, string>,
    startupSeconds: base.startupSeconds,
    startupNote: base.startupNote,
    terminationGraceSeconds: base.terminationGraceSeconds,
    volumes,
    ...(base.leaseSeconds !== undefined ? { role: 'api-vip' as const, leaseSeconds: base.leaseSeconds } : {}),
    ...(base.role ? { role: base.role as WorkloadRole } : {}),
    argo: { via: 'self' },
    podSpec,
    podLabels: labels,
    ...(base.strategy ? { strategy: base.strategy } : {}),
  };
}

const ACCESS_MODES: readonly VolumeUse['accessMode'][] = ['ReadWriteOnce', 'ReadWriteMany', 'ReadOnlyMany', 'ReadWriteOncePod'];

/** The access mode at `path` below `obj`; ReadWriteOnce (Kubernetes' usual) when unset or not one of the modes. */
function accessModeAt(obj: unknown, path: string): VolumeUse['accessMode'] {
  const mode = stringAt(obj, path);
  return ACCESS_MODES.find((m) => m === mode) ?? 'ReadWriteOnce';
}

/** A container's probes as their timing (`Number` of each field that is set), for the recovery model. */
function containerProbes(c: JsonMap): { startupProbe?: ProbeTiming & { readonly enabled?: unknown }; readinessProbe?: ProbeTiming & { readonly enabled?: unknown } } {
  const timing = (v: unknown) => {
    const p = asMap(v);
    if (!p) return undefined;
    const n = (x: unknown) => (x === undefined || x === null ? undefined : Number(x));
    return { initialDelaySeconds: n(p.initialDelaySeconds), periodSeconds: n(p.periodSeconds), failureThreshold: n(p.failureThreshold), enabled: p.enabled };
  };
  return { startupProbe: timing(c.startupProbe), readinessProbe: timing(c.readinessProbe) };
}

/** `key=value` flags of a k3s argument list (`node-monitor-period=2s`). */
function flag(args: unknown, name: string): string | undefined {
  const list = Array.isArray(args) ? args.map(String) : [];
  const hit = list.find((a) => a.startsWith(`${name}=`));
  return hit?.slice(name.length + 1);
}

function seconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)(s|m)?$/.exec(text);
  return m ? Number(m[1]) * (m[2] === 'm' ? 60 : 1) : undefined;
}

function buildCluster(hostFiles: ReadonlyMap<string, string>, storageDecl: { origin: HaObject; storage: ParsedStorage } | undefined, problems: HaProblem[]): ClusterModel | undefined {
  const configs = [...hostFiles.keys()].filter((f) => /^dist\/hosts\/[^/]+\/config\.yaml$/.test(f)).sort();
  if (!configs.length) return undefined;
  const modelText = hostFiles.get(FAILURE_MODEL_FILE);
  let model: JsonMap = {};
  if (modelText === undefined) problems.push({ origin: FAILURE_MODEL_FILE, rule: 'ha/failure', message: 'the failure model (node capacity, recovery budget) is missing; run npm run synth' });
  else {
    try {
      model = asMap(parse(modelText)) ?? {};
    } catch (e) {
      problems.push({ origin: FAILURE_MODEL_FILE, rule: 'ha/failure', message: `YAML: ${(e as Error).message.split('\n')[0]}; run npm run synth` });
    }
  }
  const capacity = new Map<string, JsonMap>(mapsAt(model, 'nodes').map((n) => [String(n.name), n]));
  const nodes: NodeModel[] = [];
  const servers: JsonMap[] = [];
  for (const file of configs) {
    let config: JsonMap;
    try {
      config = asMap(parse(hostFiles.get(file)!)) ?? {};
    } catch (e) {
      problems.push({ origin: file, rule: 'ha/failure', message: `YAML: ${(e as Error).message.split('\n')[0]}; run npm run synth` });
      continue;
    }
    const name = String(config['node-name'] ?? file.split('/')[2]);
    // Only servers carry these (k3s server flags); agents join with `server:` alone.
    const role = config['cluster-init'] !== undefined || config['tls-san'] !== undefined || config['kube-apiserver-arg'] !== undefined ? 'server' : 'agent';
    if (role === 'server') servers.push(config);
    const labels: Record<string, string> = { ...automaticLabels(name, role) };
    for (const l of asList(config['node-label'])) {
      const i = String(l).indexOf('=');
      if (i > 0) labels[String(l).slice(0, i)] = String(l).slice(i + 1);
    }
    const taints = asList(config['node-taint']).map((t) => parseTaint(String(t))).filter((t): t is Taint => !!t);
    const cap = capacity.get(name);
    if (!cap && modelText !== undefined) problems.push({ origin: FAILURE_MODEL_FILE, rule: 'ha/failure', message: `node ${name} has no capacity in the failure model; run npm run synth` });
    nodes.push({ name, role, labels, taints, cpuMillis: cpuMillis(cap?.cpu) ?? 0, memoryBytes: memoryBytes(cap?.memory) ?? 0 });
  }
  const first = servers[0] ?? {};
  const eviction: EvictionModel = {
    nodeMonitorGracePeriodSeconds: seconds(flag(first['kube-controller-manager-arg'], 'node-monitor-grace-period')) ?? KUBERNETES_DEFAULTS.nodeMonitorGracePeriodSeconds,
    nodeMonitorPeriodSeconds: seconds(flag(first['kube-controller-manager-arg'], 'node-monitor-period')) ?? KUBERNETES_DEFAULTS.nodeMonitorPeriodSeconds,
    defaultUnreachableTolerationSeconds: Number(flag(first['kube-apiserver-arg'], 'default-unreachable-toleration-seconds') ?? KUBERNETES_DEFAULTS.tolerationSeconds),
  };
  for (const s of servers.slice(1)) {
    for (const key of ['kube-controller-manager-arg', 'kube-apiserver-arg']) {
      if (JSON.stringify(s[key] ?? []) !== JSON.stringify(first[key] ?? [])) {
        problems.push({ origin: `dist/hosts/${s['node-name']}/config.yaml`, rule: 'ha/failure', message: `${key} differs from the first server's; every server must run the same eviction settings` });
      }
    }
  }
  let storage: StorageModel | undefined;
  if (storageDecl) {
    const { origin, storage: s } = storageDecl;
    const { values, where } = valuesOf(origin);
    const get = resolver(origin, values, where, `storage ${s.storageClass}`, problems);
    storage = {
      storageClass: s.storageClass,
      defaultClass: get(s.defaultClass, 'defaultClass') === true,
      replicaCount: Number(get(s.replicaCount, 'replicaCount') ?? 3),
      hardAntiAffinity: get(s.softAntiAffinity, 'softAntiAffinity') === false,
      nodeDownPodDeletionPolicy: String(get(s.nodeDownPodDeletionPolicy, 'nodeDownPodDeletionPolicy') ?? 'do-nothing'),
      rwxFastFailover: get(s.rwxFastFailover, 'rwxFastFailover') === true,
      diskNodeLabel: s.diskNodeLabel,
      ...(s.diskNodeValue !== undefined ? { diskNodeValue: s.diskNodeValue } : {}),
      managerDaemonSet: s.managerDaemonSet,
      csiDaemonSet: s.csiDaemonSet,
      attachSeconds: Number(get(s.attachSeconds, 'attachSeconds') ?? 0),
      origin,
    };
  }
  const budget = Number(model.recoveryBudgetSeconds ?? 90);
  // The failure model lists the nodes in site.yaml's order, the join order; nodes it does not list join last.
  const listed = [...capacity.keys()].filter((n) => nodes.some((x) => x.name === n));
  const joinOrder = [...listed, ...nodes.map((n) => n.name).filter((n) => !listed.includes(n))];
  return { nodes, joinOrder, eviction, recoveryBudgetSeconds: budget, storage };
}

/** Why a pod of `w` cannot run on `node`, or undefined when it can (node selector, required affinity, NoSchedule/NoExecute taints). */
export function blockedBy(w: Pick<Workload, 'nodeSelector' | 'requiredNodeTerms' | 'tolerations'>, node: NodeModel): string | undefined {
  for (const [k, v] of Object.entries(w.nodeSelector)) {
    if (node.labels[k] !== v) return `node selector ${k}=${v}`;
  }
  if (!nodeTermsMatch(w.requiredNodeTerms, node.labels)) return 'required node affinity';
  for (const t of node.taints) {
    if (t.effect === 'PreferNoSchedule') continue;
    if (!w.tolerations.some((x) => tolerates(x, t))) return `taint ${formatTaint(t)}`;
  }
  return undefined;
}

/**
 * Seconds a pod of `w` stays bound to an unreachable node before it is evicted: its own
 * toleration of the unreachable taint (NoExecute; the smallest when several match), or
 * the API server's default; Infinity when it tolerates it forever.
 */
export function unreachableToleration(w: Pick<Workload, 'tolerations' | 'kind'>, eviction: EvictionModel): number {
  if (w.kind === 'DaemonSet') return Infinity;
  const taint: Taint = { key: DEAD_NODE_TAINTS.unreachable, value: '', effect: 'NoExecute' };
  const matching = w.tolerations.filter((t) => tolerates(t, taint));
  if (!matching.length) return eviction.defaultUnreachableTolerationSeconds;
  return Math.min(...matching.map((t) => (t.tolerationSeconds === undefined ? Infinity : Number(t.tolerationSeconds))));
}
