import { NodeSelectorRequirement, requirementMatches } from './scheduling';

/**
 * What a NetworkPolicy (networking.k8s.io/v1) lets through, as pure functions over plain data:
 * a policy read from its document (`readPolicy`), and whether a connection from one pod to
 * another's port is allowed by the policies of the two namespaces (`ingressVerdict`,
 * `egressVerdict`). The semantics are the API's (k8s.io/api networking/v1 types.go, the
 * "Network Policies" concept page):
 *
 * - a policy selects the pods of its own namespace that its `podSelector` matches (`{}`: all);
 * - `policyTypes` defaults to [Ingress], plus Egress when the policy has egress rules;
 * - a pod is isolated for ingress (egress) when some policy selecting it has Ingress (Egress) in
 *   its policyTypes; an isolated pod's traffic in that direction is allowed only when a rule of
 *   one of those policies allows it (policies are additive); a pod no policy isolates allows all;
 * - a rule allows a peer when its `from` (`to`) is empty or one of its peers matches, and the port
 *   when its `ports` is empty or one of them matches;
 * - a peer with `podSelector` only: pods of the policy's namespace; `namespaceSelector` only: every
 *   pod of the namespaces it matches; both: the pods it matches in the namespaces it matches;
 * - a port matches by number (with `endPort`, the range port..endPort) or by name: a named port
 *   is the destination pod's container port of that name (in ingress rules the selected pod's, in
 *   egress rules the destination's); `protocol` defaults to TCP; a port with no `port` matches
 *   every port of its protocol.
 *
 * An `ipBlock` names addresses, and a pod's address is not known from the render: a peer that is
 * only an ipBlock matches a pod when its CIDR is every address (`0.0.0.0/0` or `::/0`) and it
 * excepts nothing, and never otherwise (`ipBlockMatchesPods`). Whether a CNI applies ipBlocks to
 * pod traffic at all is implementation-defined, so "never" may miss an allow; a finding says so.
 */

/** One requirement of a label selector's `matchExpressions` (the shape of a node selector's, ./scheduling.ts). */
export type Requirement = NodeSelectorRequirement;

/** A label selector (metav1.LabelSelector): every `matchLabels` pair and every requirement must hold. */
export interface LabelSelector {
  /** @default - none */
  readonly matchLabels?: Readonly<Record<string, string>>;
  /** @default - none */
  readonly matchExpressions?: readonly Requirement[];
}

/** Labels of a pod or a namespace. */
export type Labels = Readonly<Record<string, string>>;

/** Whether a label selector matches `labels`: `{}` matches everything; an unknown operator matches nothing (the API rejects it). */
export function labelSelectorMatches(selector: LabelSelector, labels: Labels): boolean {
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(labels, k);
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (!has(k) || labels[k] !== v) return false;
  // Gt and Lt are node selector operators: in a label selector (which the API refuses with them) they match nothing.
  for (const e of selector.matchExpressions ?? []) if (e.operator === 'Gt' || e.operator === 'Lt' || !requirementMatches(e, labels)) return false;
  return true;
}

/** A label selector read from a raw value (its string pairs and well-formed requirements); undefined when not a map. */
export function readSelector(raw: unknown): LabelSelector | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const out: { matchLabels?: Record<string, string>; matchExpressions?: Requirement[] } = {};
  if (r.matchLabels && typeof r.matchLabels === 'object' && !Array.isArray(r.matchLabels)) {
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.matchLabels as Record<string, unknown>)) labels[k] = String(v);
    if (Object.keys(labels).length) out.matchLabels = labels;
  }
  if (Array.isArray(r.matchExpressions)) {
    const exprs: Requirement[] = [];
    for (const e of r.matchExpressions as unknown[]) {
      if (!e || typeof e !== 'object') continue;
      const x = e as Record<string, unknown>;
      exprs.push({ key: String(x.key), operator: String(x.operator), ...(Array.isArray(x.values) ? { values: x.values.map(String) } : {}) });
    }
    if (exprs.length) out.matchExpressions = exprs;
  }
  return out;
}

/** A selector as text for a finding: `a=b,c in (d)`; `{}` for every pod. */
export function selectorText(selector: LabelSelector): string {
  const parts = [
    ...Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(selector.matchExpressions ?? []).map((e) => ({ In: `${e.key} in (${(e.values ?? []).join(',')})`, NotIn: `${e.key} notin (${(e.values ?? []).join(',')})`, Exists: e.key, DoesNotExist: `!${e.key}` } as Record<string, string>)[e.operator] ?? `${e.key} ${e.operator}`),
  ];
  return parts.length ? parts.join(',') : '{}';
}

/** An ipBlock of a peer. */
export interface IpBlock {
  readonly cidr: string;
  /** @default - none */
  readonly except?: readonly string[];
}

/** One peer of a rule's `from` or `to`. */
export interface Peer {
  /** @default - none */
  readonly podSelector?: LabelSelector;
  /** @default - none */
  readonly namespaceSelector?: LabelSelector;
  /** @default - none */
  readonly ipBlock?: IpBlock;
}

/** One port of a rule: a number or a name (undefined: every port of the protocol), the protocol, and the end of a range. */
export interface PolicyPort {
  /** @default 'TCP' */
  readonly protocol?: string;
  /** @default - every port */
  readonly port?: number | string;
  /** @default - none */
  readonly endPort?: number;
}

/** One ingress or egress rule: its peers (`from` / `to`; undefined or empty: every source or destination) and its ports (undefined or empty: every port). */
export interface PolicyRule {
  /** @default - every peer */
  readonly peers?: readonly Peer[];
  /** @default - every port */
  readonly ports?: readonly PolicyPort[];
}

/** A NetworkPolicy as the evaluator reads it. */
export interface Policy {
  readonly name: string;
  readonly namespace: string;
  readonly podSelector: LabelSelector;
  /** Whether it isolates the pods it selects for ingress (policyTypes, with the API's default). */
  readonly ingressType: boolean;
  readonly egressType: boolean;
  readonly ingress: readonly PolicyRule[];
  readonly egress: readonly PolicyRule[];
}

function readPeer(raw: unknown): Peer | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const out: { podSelector?: LabelSelector; namespaceSelector?: LabelSelector; ipBlock?: IpBlock } = {};
  const pod = readSelector(r.podSelector);
  const ns = readSelector(r.namespaceSelector);
  if (pod) out.podSelector = pod;
  if (ns) out.namespaceSelector = ns;
  if (r.ipBlock && typeof r.ipBlock === 'object') {
    const b = r.ipBlock as Record<string, unknown>;
    out.ipBlock = { cidr: String(b.cidr), ...(Array.isArray(b.except) && b.except.length ? { except: b.except.map(String) } : {}) };
  }
  return out;
}

function readPort(raw: unknown): PolicyPort | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const out: { protocol?: string; port?: number | string; endPort?: number } = {};
  if (typeof r.protocol === 'string') out.protocol = r.protocol;
  if (typeof r.port === 'number' || typeof r.port === 'string') out.port = r.port;
  if (typeof r.endPort === 'number') out.endPort = r.endPort;
  return out;
}

function readRules(raw: unknown, peersKey: 'from' | 'to'): PolicyRule[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((rule): PolicyRule => {
    const r = (rule && typeof rule === 'object' ? rule : {}) as Record<string, unknown>;
    const out: { peers?: Peer[]; ports?: PolicyPort[] } = {};
    if (Array.isArray(r[peersKey]) && (r[peersKey] as unknown[]).length) out.peers = (r[peersKey] as unknown[]).flatMap((p) => readPeer(p) ?? []);
    if (Array.isArray(r.ports) && r.ports.length) out.ports = r.ports.flatMap((p) => readPort(p) ?? []);
    return out;
  });
}

/** A NetworkPolicy read from its name, namespace and `spec`, with policyTypes defaulted as the API does. */
export function readPolicy(name: string, namespace: string, spec: unknown): Policy {
  const s = (spec && typeof spec === 'object' ? spec : {}) as Record<string, unknown>;
  const ingress = readRules(s.ingress, 'from');
  const egress = readRules(s.egress, 'to');
  const types = Array.isArray(s.policyTypes) ? s.policyTypes.map(String) : ['Ingress', ...(egress.length ? ['Egress'] : [])];
  return { name, namespace, podSelector: readSelector(s.podSelector) ?? {}, ingressType: types.includes('Ingress'), egressType: types.includes('Egress'), ingress, egress };
}

/** A pod as the evaluator sees it: its namespace, its labels and its namespace's labels. */
export interface PodRef {
  readonly namespace: string;
  readonly labels: Labels;
  /** The labels of its namespace (with kubernetes.io/metadata.name, which every namespace carries). */
  readonly namespaceLabels: Labels;
}

/** A port of a destination pod: its number, its container port's name when it has one, its protocol. */
export interface TargetPort {
  readonly number: number;
  /** @default - an unnamed port */
  readonly name?: string;
  /** @default 'TCP' */
  readonly protocol?: string;
}

/** The labels every namespace carries: `kubernetes.io/metadata.name` (the API server sets it), with the Namespace object's own. */
export function namespaceLabels(name: string, labels: Labels = {}): Labels {
  return { ...labels, 'kubernetes.io/metadata.name': name };
}

/** Whether an ipBlock matches a pod's address: only when it is every address and excepts none (see the file's comment). */
export function ipBlockMatchesPods(block: IpBlock): boolean {
  return (block.cidr === '0.0.0.0/0' || block.cidr === '::/0') && !(block.except ?? []).length;
}

/** Whether `peer` of a policy in namespace `policyNamespace` matches `pod`. */
export function peerMatches(peer: Peer, policyNamespace: string, pod: PodRef): boolean {
  if (peer.ipBlock) return ipBlockMatchesPods(peer.ipBlock);
  if (!peer.podSelector && !peer.namespaceSelector) return false;
  if (peer.namespaceSelector) {
    if (!labelSelectorMatches(peer.namespaceSelector, pod.namespaceLabels)) return false;
  } else if (pod.namespace !== policyNamespace) return false;
  return !peer.podSelector || labelSelectorMatches(peer.podSelector, pod.labels);
}

/** Whether a rule's port matches the destination's port (a name is the destination pod's container port name). */
export function portMatches(p: PolicyPort, target: TargetPort): boolean {
  if ((p.protocol ?? 'TCP') !== (target.protocol ?? 'TCP')) return false;
  if (p.port === undefined) return true;
  if (typeof p.port === 'string') {
    const n = /^\d+$/.test(p.port) ? Number(p.port) : undefined;
    if (n === undefined) return target.name !== undefined && p.port === target.name;
    return p.endPort !== undefined ? target.number >= n && target.number <= p.endPort : target.number === n;
  }
  return p.endPort !== undefined ? target.number >= p.port && target.number <= p.endPort : target.number === p.port;
}

/** Whether a rule of a policy in `policyNamespace` allows `peer` on `port`. */
export function ruleAllows(rule: PolicyRule, policyNamespace: string, peer: PodRef, port: TargetPort): boolean {
  const peers = rule.peers ?? [];
  const ports = rule.ports ?? [];
  return (peers.length === 0 || peers.some((p) => peerMatches(p, policyNamespace, peer))) && (ports.length === 0 || ports.some((p) => portMatches(p, port)));
}

/** What the policies decide about one direction of a connection: the policies that isolate the pod, and the one that allows it (if any). */
export interface Verdict {
  readonly allowed: boolean;
  /** The policies that select the pod for this direction (empty: the pod is not isolated, everything is allowed). */
  readonly isolating: readonly Policy[];
  /** The first isolating policy that allows the connection. @default - none */
  readonly by?: Policy;
}

/** Whether `policy` selects `pod` (a pod of the policy's namespace whose labels its podSelector matches). */
export function selectsPod(policy: Policy, pod: Pick<PodRef, 'namespace' | 'labels'>): boolean {
  return policy.namespace === pod.namespace && labelSelectorMatches(policy.podSelector, pod.labels);
}

/** Whether `dest` lets `source` in on `port`, by `policies` (those of dest's namespace, or any: others select nothing). */
export function ingressVerdict(policies: readonly Policy[], source: PodRef, dest: Pick<PodRef, 'namespace' | 'labels'>, port: TargetPort): Verdict {
  const isolating = policies.filter((p) => p.ingressType && selectsPod(p, dest));
  if (!isolating.length) return { allowed: true, isolating };
  const by = isolating.find((p) => p.ingress.some((r) => ruleAllows(r, p.namespace, source, port)));
  return by ? { allowed: true, isolating, by } : { allowed: false, isolating };
}

/** Whether `source` may send to `dest` on `port` (a named egress port is the destination's), by `policies` (those of source's namespace, or any). */
export function egressVerdict(policies: readonly Policy[], source: Pick<PodRef, 'namespace' | 'labels'>, dest: PodRef, port: TargetPort): Verdict {
  const isolating = policies.filter((p) => p.egressType && selectsPod(p, source));
  if (!isolating.length) return { allowed: true, isolating };
  const by = isolating.find((p) => p.egress.some((r) => ruleAllows(r, p.namespace, dest, port)));
  return by ? { allowed: true, isolating, by } : { allowed: false, isolating };
}
