/**
 * The HA conventions every construct and `npm run verify` share: annotation keys, the ids of the
 * HA rules, and the helper that writes the annotations. The annotations show a reviewer the
 * declarations in the rendered YAML; verify and the simulation read the same declarations as
 * typed facts (lib/facts), never the annotations.
 */

/** Annotation keys on a workload (Deployment, StatefulSet, DaemonSet, Rollout, pod template owner). */
export const HA_ANNOTATIONS = {
  /** `"<reason>"`: one replica on purpose; the node-failure simulation then holds it to the recovery budget. */
  singleton: 'platform.tsys/singleton',
  /** `"<reason>"`: a system component: host network/PID/IPC/paths and a non-restricted security context are allowed. */
  systemComponent: 'platform.tsys/system-component',
  /** `"<rule-id>: <reason>[; <rule-id>: <reason>]"`: this object is exempt from the named rules. */
  exempt: 'platform.tsys/ha-exempt',
  /**
   * `"<reason>"`: a workload that is not highly available by design (an R&D app, bound to the R&D
   * node): the node-failure simulation reports it down while its nodes are down, not as a violation.
   */
  outsideHa: 'platform.tsys/outside-ha',
  /** `"<seconds>: <reason>"`: a singleton's own recovery budget, instead of the site's `ha.recoveryBudgetSeconds`. */
  recoveryBudget: 'platform.tsys/recovery-budget',
  /**
   * JSON list of the workloads an object stands for whose pods this repository does not render:
   * a Helm chart (Argo CD Application, k3s HelmChart), an upstream Git component or a custom
   * resource an operator turns into pods. See `lib/ha/workloads.ts`.
   */
  workloads: 'platform.tsys/workloads',
  /** `lb-speaker`, `gateway-proxy`, `cluster-dns` or `metrics-api`: what the failure report calls out beside etcd and the API VIP. */
  role: 'platform.tsys/role',
  /** JSON: the replicated storage an object installs (Longhorn's Application), for the simulation. */
  storage: 'platform.tsys/storage',
} as const;

/**
 * On a Service: `"<reason>"`: it selects pods a controller creates at run time (an operator's
 * StatefulSet, a webhook served from another component's pods), which no rendered template has.
 */
export const SELECTS_RUNTIME_PODS = 'platform.tsys/selects-runtime-pods';

/** Namespace label marking an application namespace (the PaaS's `sit`, `uat`, `prod`): it must have a default-deny NetworkPolicy. */
export const APP_NAMESPACE_LABEL = 'platform.tsys/app-namespace';

/** Every HA rule of `npm run verify`, by id, with what it asks for. */
export const HA_RULES = {
  'ha/replicas': 'at least 2 replicas, unless the workload is a declared singleton',
  'ha/spread': 'replicas kept on different nodes: required pod anti-affinity or a DoNotSchedule topology spread on kubernetes.io/hostname',
  'ha/pdb': 'a PodDisruptionBudget that protects the workload and still allows a node drain',
  'ha/probes': 'readiness and liveness probes on every container',
  'ha/resources': 'CPU and memory requests and a memory limit on every container',
  'ha/image-pinned': 'every image pinned to a tag that is not "latest", or to a digest',
  'ha/security-context': 'no privileged container or privilege escalation, capabilities dropped (ALL), seccomp RuntimeDefault',
  'ha/non-root': 'runAsNonRoot: true',
  'ha/read-only-root': 'readOnlyRootFilesystem: true',
  'ha/host-namespaces': 'no host network, PID, IPC or hostPath volumes outside declared system components',
  'ha/default-deny': 'every app namespace has a NetworkPolicy that denies all ingress by default',
  'ha/annotations': 'the declared facts (lib/facts: HA declarations, workload and storage declarations) are well-formed, each with a reason',
  'ha/failure': 'no single node\'s loss causes an outage; singletons recover within the budget',
  'ha/rollout': 'a Deployment\'s rolling update can finish with every node up and with any one node down (its maxSurge and maxUnavailable against its hard spread and the nodes it may run on); StatefulSets (one pod at a time, no surge), Recreate, Argo Rollouts and chart or operator workloads that declare no strategy are not stepped',
} as const;

export type HaRuleId = keyof typeof HA_RULES;

export function isHaRuleId(id: string): id is HaRuleId {
  return Object.prototype.hasOwnProperty.call(HA_RULES, id);
}

/** A singleton's own recovery budget: allowed only as an explicit, reasoned declaration. */
export interface RecoveryBudget {
  readonly seconds: number;
  readonly reason: string;
}

/** The HA declarations of one workload, as a construct states them. */
export interface HaDeclaration {
  /** Why one replica is right; the simulation then holds its recovery to the budget. */
  readonly singleton?: string;
  /** Why it needs the host (network, PID, IPC, paths) or privileges. */
  readonly systemComponent?: string;
  /** Rules this workload is exempt from, each with the reason. */
  readonly exempt?: Readonly<Partial<Record<HaRuleId, string>>>;
  /** Its own recovery budget (singletons only), instead of the site's. */
  readonly recoveryBudget?: RecoveryBudget;
  /** Why it is not highly available by design (an R&D app): its outage while its nodes are down is reported, not a violation. */
  readonly outsideHa?: string;
  /** What the failure report calls out beside etcd and the API VIP: the load-balancer speakers, the gateway's proxies, cluster DNS, the metrics API. */
  readonly role?: 'lb-speaker' | 'gateway-proxy' | 'cluster-dns' | 'metrics-api';
}

/**
 * The annotations for a workload's metadata (record the same declaration with declareFacts).
 * Every reason must be non-empty: an empty one is refused here.
 */
export function haAnnotations(decl: HaDeclaration): Record<string, string> {
  const out: Record<string, string> = {};
  const need = (what: string, reason: string | undefined) => {
    if (reason !== undefined && reason.trim() === '') throw new Error(`${what} needs a reason`);
    return reason;
  };
  if (need('a singleton', decl.singleton) !== undefined) out[HA_ANNOTATIONS.singleton] = decl.singleton!;
  if (need('a system component', decl.systemComponent) !== undefined) out[HA_ANNOTATIONS.systemComponent] = decl.systemComponent!;
  const exempt = Object.entries(decl.exempt ?? {}).filter(([, r]) => r !== undefined) as [string, string][];
  if (exempt.length) {
    for (const [id, reason] of exempt) {
      need(`the exemption from ${id}`, reason);
      if (reason.includes(';')) throw new Error(`the exemption from ${id}: a reason cannot contain ";" (it separates exemptions)`);
    }
    out[HA_ANNOTATIONS.exempt] = exempt.sort(([a], [b]) => a.localeCompare(b)).map(([id, reason]) => `${id}: ${reason}`).join('; ');
  }
  if (decl.role) out[HA_ANNOTATIONS.role] = decl.role;
  if (need('being outside HA', decl.outsideHa) !== undefined) out[HA_ANNOTATIONS.outsideHa] = decl.outsideHa!;
  if (decl.recoveryBudget) {
    if (decl.singleton === undefined) throw new Error('a recovery budget applies to a declared singleton only');
    need('a recovery budget', decl.recoveryBudget.reason);
    out[HA_ANNOTATIONS.recoveryBudget] = formatRecoveryBudget(decl.recoveryBudget);
  }
  return out;
}

export function formatRecoveryBudget(b: RecoveryBudget): string {
  if (!Number.isInteger(b.seconds) || b.seconds <= 0) throw new Error(`a recovery budget is a whole number of seconds, got ${b.seconds}`);
  return `${b.seconds}: ${b.reason}`;
}
