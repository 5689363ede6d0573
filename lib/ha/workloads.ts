import type { ApiObject } from 'cdk8s';
import { isMap, valueAt } from '../k8s/manifest';
import { declareFacts } from '../facts/declare';
import { sortKeys } from '../render/sort';
import { HA_ANNOTATIONS, HA_RULES, HaDeclaration, HaRuleId, haAnnotations } from './annotations';

/**
 * Typed declarations of workloads whose pods this repository does not render: the Deployments,
 * StatefulSets and DaemonSets of a Helm chart (rendered by Argo CD or k3s in the cluster), of an
 * upstream Git component, or of a custom resource an operator turns into pods (EnvoyProxy,
 * Keycloak). Each fact is either a path into the values the platform renders (the Helm values,
 * or the custom resource's `spec`) or a value the upstream fixes, with why. They are recorded as
 * facts (lib/facts) of the object that stands for them; the model resolves the paths against
 * that object's rendered values and holds the workloads to the same HA rules and the same
 * node-failure simulation as rendered ones.
 */

/**
 * Where one fact about a chart's workload comes from: a dot-separated path into the values
 * (`server.replicas`), with the chart's default at the pinned version when the platform does not
 * set it; or a value the chart (or upstream manifest) fixes, and why.
 */
export type ChartValue<T> =
  | { readonly path: string; readonly default?: T }
  | { readonly fixed: T; readonly because: string };

/** A fact read from the values at `path`; `chartDefault` is the chart's own value when the platform sets none. */
export function at<T>(path: string, chartDefault?: T): ChartValue<T> {
  return chartDefault === undefined ? { path } : { path, default: chartDefault };
}

/** A fact the chart or upstream manifest fixes (no value changes it), and why it is what it is. */
export function fixed<T>(value: T, because: string): ChartValue<T> {
  return { fixed: value, because };
}

/** How a workload keeps its replicas on different nodes. */
export type SpreadDeclaration =
  /** A list of Kubernetes topology spread constraints (the chart adds the label selector). */
  | { readonly topologySpread: ChartValue<readonly object[]> }
  /** A Kubernetes pod affinity object (`podAntiAffinity.requiredDuringScheduling...`). */
  | { readonly affinity: ChartValue<object> }
  /**
   * A switch of the chart's own (`antiAffinity: required`, `hardAntiAffinity: true`): required
   * pod anti-affinity when it equals `hardWhen`, on `topologyKey` (the hostname when omitted).
   */
  | { readonly preset: ChartValue<string | boolean>; readonly hardWhen: string | boolean; readonly topologyKey?: ChartValue<string> };

/** How a workload's PodDisruptionBudget comes about. */
export type PdbDeclaration =
  /** The chart renders it from values: enabled (when the chart has a switch) and its minAvailable or maxUnavailable. */
  | { readonly enabled?: ChartValue<boolean>; readonly minAvailable?: ChartValue<number | string>; readonly maxUnavailable?: ChartValue<number | string> }
  /** The platform renders it: a PodDisruptionBudget of this name in the workload's namespace. */
  | { readonly rendered: string };

/** How long a new pod may take to become ready: a probe (its window) or a number of seconds. */
export type StartupDeclaration = { readonly probe: ChartValue<object> } | { readonly seconds: ChartValue<number> };

export type DeclaredKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

/** One workload of a chart, Git component or custom resource. */
export interface WorkloadDeclaration extends HaDeclaration {
  /** The object's name as the chart renders it (`argocd-server`). */
  readonly name: string;
  readonly kind: DeclaredKind;
  /**
   * Namespace of the workload.
   * @default the component's (the Application's destination, the HelmChart's target, the resource's own)
   */
  readonly namespace?: string;
  /** Replicas (not for DaemonSets). */
  readonly replicas?: ChartValue<number>;
  readonly spread?: SpreadDeclaration;
  readonly pdb?: PdbDeclaration;
  /** Where its pods may run: node selector, tolerations (a list, or Longhorn's `key=value:Effect;...`), required node affinity. */
  readonly nodeSelector?: ChartValue<Readonly<Record<string, string>>>;
  readonly tolerations?: ChartValue<readonly object[] | string>;
  readonly nodeAffinity?: ChartValue<object>;
  /** Resource requests and limits of one pod (`{requests: {cpu, memory}}`), for the capacity model. */
  readonly resources?: ChartValue<object>;
  /** How long a new pod may take to become ready (singletons: part of the recovery time). */
  readonly startup?: StartupDeclaration;
  /** @default 30 (Kubernetes' default) */
  readonly terminationGracePeriodSeconds?: ChartValue<number>;
  /**
   * A Deployment's update strategy as its controller writes `spec.strategy` (`{ type, rollingUpdate:
   * { maxSurge, maxUnavailable } }`): what ha/rollout steps. Without it the rule cannot tell how
   * the workload rolls and leaves it out.
   */
  readonly strategy?: ChartValue<object>;
  /** A Longhorn volume the pods mount (RWO: one node at a time; RWX: served by a Longhorn share manager). */
  readonly volume?: { readonly storageClass: 'longhorn'; readonly accessMode: 'ReadWriteOnce' | 'ReadWriteMany' };
  /** What the failure report calls out beside etcd and the API VIP: the load-balancer speakers, the gateway's proxies. */
  readonly role?: WorkloadRole;
  /**
   * For a workload the upstream does not render but a controller creates at run time (Longhorn's
   * CSI plugin, an operator's StatefulSet): which controller, and from what. Without it, a
   * declaration must name a rendered object, whose own spec then speaks for it.
   */
  readonly createdBy?: string;
  /**
   * With `createdBy`, for a workload a controller creates from a custom resource the chart renders
   * (the Prometheus operator's StatefulSets): that resource's API group and kind. Argo CD manages
   * only what the chart renders, so it sees such a workload only through that resource's health
   * check (./argo-health.ts); without it (and declared on a chart's Application), Argo CD does not
   * see the workload at all. A declaration on a custom resource needs none: it is that resource.
   */
  readonly createdFrom?: { readonly group: string; readonly kind: string };
}

export type WorkloadRole = 'lb-speaker' | 'gateway-proxy' | 'cluster-dns' | 'metrics-api';

/**
 * The replicated storage the simulation needs to know about (declared on Longhorn's Application):
 * where volume replicas live, how many, and how a volume leaves a dead node.
 */
export interface StorageDeclaration {
  /** The StorageClass this describes. */
  readonly storageClass: 'longhorn';
  /** Whether it is the cluster's default StorageClass (claims without a class use it). */
  readonly defaultClass: ChartValue<boolean>;
  /** Replicas of each volume (a number or Longhorn's string form). */
  readonly replicaCount: ChartValue<number | string>;
  /** Whether two replicas of a volume may share a node (false: hard anti-affinity). */
  readonly softAntiAffinity: ChartValue<boolean>;
  /** Longhorn's `nodeDownPodDeletionPolicy`: which pods of a dead node it force-deletes so their volumes can move. */
  readonly nodeDownPodDeletionPolicy: ChartValue<string>;
  /** Longhorn's `rwxVolumeFastFailover`: an RWX volume's share manager moves on a lease, not on node eviction. */
  readonly rwxFastFailover: ChartValue<boolean>;
  /** Nodes with this label set to `diskNodeValue` hold the class's volume replicas (where the manager runs too). */
  readonly diskNodeLabel: string;
  /**
   * The label value of the nodes whose disks the class uses (their Longhorn disk tag, when the
   * class selects disks by tag); its RWX volumes' share managers run on those nodes too.
   * @default "true"
   */
  readonly diskNodeValue?: string;
  /** The declared DaemonSets of the node agent (replicas live where it runs) and of the CSI plugin (volumes attach where it runs). */
  readonly managerDaemonSet: string;
  readonly csiDaemonSet: string;
  /** How long attaching a volume on another node takes: a budget to check in a node-failure drill. */
  readonly attachSeconds: ChartValue<number>;
}

/** Puts the storage declaration on the object that installs the storage (Longhorn's Application). */
export function declareStorage(obj: ApiObject, storage: StorageDeclaration): void {
  obj.metadata.addAnnotation(HA_ANNOTATIONS.storage, JSON.stringify(sortKeys(storage)));
  declareFacts(obj, { storage });
}

/** Puts the declarations on the object that stands for the workloads (an Application, HelmChart or custom resource). */
export function declareWorkloads(obj: ApiObject, workloads: readonly WorkloadDeclaration[]): void {
  if (!workloads.length) return;
  obj.metadata.addAnnotation(HA_ANNOTATIONS.workloads, formatWorkloads(workloads));
  declareFacts(obj, { workloads: [...workloads] });
}

/** The annotation value: the declarations as JSON with sorted keys (stable renders). */
export function formatWorkloads(workloads: readonly WorkloadDeclaration[]): string {
  const names = new Set<string>();
  for (const w of workloads) {
    const key = `${w.namespace ?? ''}/${w.kind}/${w.name}`;
    if (names.has(key)) throw new Error(`workload ${w.kind} ${w.name} is declared twice`);
    names.add(key);
    // Same checks as on rendered workloads: every reason present, budgets only for singletons.
    haAnnotations(w);
    if (w.kind === 'DaemonSet' && w.replicas) throw new Error(`DaemonSet ${w.name}: a DaemonSet has no replicas (one pod per eligible node)`);
  }
  return JSON.stringify(sortKeys(workloads));
}

// The offline schemas of these declarations live in lib/facts/schemas.ts (the facts file reads them).
export { StorageDeclarationSchema, WorkloadDeclarationSchema } from '../facts/schemas';
import type { ParsedDeclaration } from '../facts/schemas';
export type { ParsedDeclaration, ParsedStorage } from '../facts/schemas';

/**
 * A declaration with every values path resolved against `values` (Helm's merge over the declared
 * chart default): what a workload created at run time looks like, as fixed facts. Returns the
 * problems when a path has neither a value nor a declared default.
 */
export function resolveDeclaration<T>(decl: T, values: unknown, where: string): { resolved: T; problems: string[] } {
  const problems: string[] = [];
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    if (typeof o.path === 'string' && Object.keys(o).every((k) => k === 'path' || k === 'default')) {
      const found = valueAt(values, o.path);
      if (found !== undefined && found !== null) {
        const merged = isMap(found) && isMap(o.default) ? { ...o.default, ...found } : found;
        return { fixed: merged, because: `${where} ${o.path}` };
      }
      if (o.default !== undefined) return { fixed: o.default, because: `the chart's default of ${o.path}` };
      problems.push(`"${o.path}" is not set in ${where} and no chart default is declared`);
      return { fixed: null, because: 'unresolved' };
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = walk(x);
    return out;
  };
  return { resolved: walk(decl) as T, problems };
}

/** A rule id of an exemption in a parsed declaration (already checked). */
export function exemptions(w: ParsedDeclaration): Map<HaRuleId, string> {
  return new Map(Object.entries(w.exempt ?? {}).filter(([id]) => id in HA_RULES) as [HaRuleId, string][]);
}

/**
 * A hard topology spread over nodes as most charts take it: they add the component's own label
 * selector when the constraint names none (argo-cd, external-secrets, harbor). Each revision is
 * counted on its own (`matchLabelKeys: [pod-template-hash]`, the label the Deployment controller
 * gives each revision's pods): the spread counts the tainted servers as domains without pods
 * (`nodeTaintsPolicy` Ignore, the default), which keeps every worker at one pod of a revision, so
 * a rolling update's surge pod counted with the old ones had no node while a worker was down and
 * the update stopped (ha/rollout). Counted on its own, the new revision's first pod takes a worker
 * beside an old pod, and updates keep Kubernetes' default: a new pod first, no old one down before
 * it is ready. Honor would do that too, but would also let a second replica onto the last worker
 * while two are down, where it takes room a singleton needs (reports/failure-simulation.md).
 */
export const HOSTNAME_SPREAD = { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', matchLabelKeys: ['pod-template-hash'] } as const;

export type HostnameSpread = typeof HOSTNAME_SPREAD;

/**
 * A Deployment update that replaces one pod at a time without a surge pod: an old pod goes first
 * and its replacement takes the node it left. For two replicas kept one per node on the three
 * workers, Kubernetes' default (maxSurge 25% of 2 rounds up to 1, maxUnavailable 25% of 2 rounds
 * down to 0) has no node for the surge pod while a worker is down, and lets no old pod go: the
 * update (an image bump, a config change) stops until the node is back, the Deployment and its
 * Application Progressing meanwhile (lib/ha/rollout.ts). The other replica serves while one is
 * replaced, as during a drain (the budgets keep one).
 */
export const ONE_POD_AT_A_TIME = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } as const;

export type OnePodAtATime = typeof ONE_POD_AT_A_TIME;
