import { asList, isMap, JsonMap, listAt, mapAt, mapsAt, stringMapAt, valueAt } from '../k8s/manifest';
import {
  egressVerdict, ingressVerdict, LabelSelector, Labels, labelSelectorMatches, namespaceLabels, Policy, PodRef, readPolicy, readSelector, selectorText, TargetPort, Verdict,
} from '../k8s/network-policy';
import { podSpecOf, podTemplateLabels, podTemplatePath } from '../k8s/pod-template';
import type { Entry, ObjectRef, SplitRule, Subject } from './split-rule';

/*
 * verify/monitor-reach: every target Prometheus is told to scrape (ServiceMonitor, PodMonitor) can
 * be reached through the NetworkPolicies: ingress into the target's pods from Prometheus's pods,
 * and egress from Prometheus's pods to them. Longhorn's chart 1.12.1 admits only Longhorn's pods
 * into longhorn-manager, so Prometheus's scrape on 9500 timed out and nothing said so.
 *
 * Prometheus's pods are read from each rendered Prometheus (monitoring.coreos.com/v1): its
 * namespace, and the labels prometheus-operator v0.93 (the kube-prometheus-stack 88.5.3 vendored)
 * puts on them (crd-prometheuses.yaml, podMetadata: "prometheus", "app.kubernetes.io/instance" and
 * "operator.prometheus.io/name" set to its name, "app.kubernetes.io/name: prometheus",
 * "app.kubernetes.io/managed-by: prometheus-operator", "app.kubernetes.io/version" its version,
 * "operator.prometheus.io/shard" (shard 0 is taken)), over spec.podMetadata.labels. Which monitors
 * it reads: spec.serviceMonitorSelector / podMonitorSelector (null: none, {}: all) on the monitor's
 * labels, and spec.serviceMonitorNamespaceSelector / podMonitorNamespaceSelector (null: its own
 * namespace, {}: all) on the monitor's namespace's labels; spec.ignoreNamespaceSelectors keeps a
 * monitor to its own namespace.
 */

/** A monitor's namespaceSelector: `any`, or names (none: the monitor's own namespace). */
export interface MonitorNamespaces {
  /** @default - not every namespace */
  readonly any?: true;
  /** @default - none */
  readonly names?: readonly string[];
}

/** One endpoint of a monitor: a port name (ServiceMonitor: the Service port's; PodMonitor: the container port's), a number (PodMonitor portNumber), a targetPort. */
export interface MonitorEndpoint {
  /** @default - none */
  readonly port?: string;
  /** @default - none */
  readonly num?: number;
  /** @default - none */
  readonly tp?: number | string;
}

/** A ServiceMonitor (`k: 's'`) or PodMonitor (`k: 'p'`). */
export interface MonitorProjection {
  readonly k: 's' | 'p';
  /** Its own labels (what Prometheus's monitor selectors match). */
  readonly l: Labels;
  readonly ns: MonitorNamespaces;
  /** spec.selector: of Services (ServiceMonitor) or pods (PodMonitor). */
  readonly sel: LabelSelector;
  readonly eps: readonly MonitorEndpoint[];
}

/** A Prometheus: its pods' labels and its monitor selectors (absent: null). */
export interface PrometheusProjection {
  readonly pod: Labels;
  /** @default - null: no ServiceMonitor */
  readonly sm?: LabelSelector;
  /** @default - null: its own namespace */
  readonly smNs?: LabelSelector;
  /** @default - null: no PodMonitor */
  readonly pm?: LabelSelector;
  /** @default - null: its own namespace */
  readonly pmNs?: LabelSelector;
  /** spec.ignoreNamespaceSelectors. @default - false */
  readonly own?: true;
}

/** A port of a Service: its name, number, targetPort (absent: the port) and protocol (absent: TCP). */
export interface ServicePortProjection {
  /** @default - none */
  readonly name?: string;
  readonly port: number;
  /** @default - the port */
  readonly tp?: number | string;
  /** @default 'TCP' */
  readonly proto?: string;
}

/** A core Service with a selector. */
export interface ServiceProjection {
  readonly l: Labels;
  readonly sel: Labels;
  readonly ports: readonly ServicePortProjection[];
}

/** A container port (`n`umber, name, protocol). */
export interface ContainerPortProjection {
  readonly n: number;
  /** @default - none */
  readonly name?: string;
  /** @default 'TCP' */
  readonly proto?: string;
}

/** A pod template: its labels, whether its pods are on the host network, and its containers' ports. */
export interface PodProjection {
  readonly l: Labels;
  /** spec.hostNetwork: NetworkPolicies do not apply to such pods. @default - false */
  readonly host?: true;
  readonly ports: readonly ContainerPortProjection[];
}

/** What verify/monitor-reach reads of an object: one of these. */
export interface ReachProjection {
  /** @default - none */
  readonly prom?: PrometheusProjection;
  /** @default - none */
  readonly mon?: MonitorProjection;
  /** @default - none */
  readonly svc?: ServiceProjection;
  /** @default - none */
  readonly pod?: PodProjection;
  /** A NetworkPolicy (networking.k8s.io/v1), read (lib/k8s/network-policy.ts). @default - none */
  readonly np?: Policy;
  /** A Namespace's labels. @default - none */
  readonly nsl?: Labels;
}

const MONITORING = 'monitoring.coreos.com';

/** The labels prometheus-operator puts on the pods of Prometheus `name` (over its spec.podMetadata.labels). */
export function prometheusPodLabels(name: string, spec: JsonMap): Labels {
  const version = valueAt(spec, 'version');
  return {
    ...(stringMapAt(spec, 'podMetadata.labels') ?? {}),
    prometheus: name,
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/managed-by': 'prometheus-operator',
    'app.kubernetes.io/name': 'prometheus',
    ...(typeof version === 'string' ? { 'app.kubernetes.io/version': version.replace(/^v/, '') } : {}),
    'operator.prometheus.io/name': name,
    'operator.prometheus.io/shard': '0',
  };
}

function intOrString(v: unknown): number | string | undefined {
  return typeof v === 'number' || typeof v === 'string' ? v : undefined;
}

/** What the rule reads of one object (`project` of MONITOR_REACH). */
export function reachProjection(obj: JsonMap, ref: ObjectRef, group: string): ReachProjection | undefined {
  // verify/route-reach projects the same Services, pod templates and policies: each document is read once a synth.
  const known = reachProjections.get(obj);
  if (known !== undefined) return known ?? undefined;
  const p = readReach(obj, ref, group);
  reachProjections.set(obj, p ?? null);
  return p;
}

/** `reachProjection`'s answers by document (null: none); `ref` and `group` are read from the document itself. */
const reachProjections = new WeakMap<object, ReachProjection | null>();

function readReach(obj: JsonMap, ref: ObjectRef, group: string): ReachProjection | undefined {
  if (group === MONITORING && ref.kind === 'Prometheus') {
    const spec = mapAt(obj, 'spec') ?? {};
    const out: { -readonly [K in keyof PrometheusProjection]: PrometheusProjection[K] } = { pod: prometheusPodLabels(ref.name, spec) };
    const sm = readSelector(spec.serviceMonitorSelector);
    const smNs = readSelector(spec.serviceMonitorNamespaceSelector);
    const pm = readSelector(spec.podMonitorSelector);
    const pmNs = readSelector(spec.podMonitorNamespaceSelector);
    if (sm) out.sm = sm;
    if (smNs) out.smNs = smNs;
    if (pm) out.pm = pm;
    if (pmNs) out.pmNs = pmNs;
    if (spec.ignoreNamespaceSelectors === true) out.own = true;
    return { prom: out };
  }
  if (group === MONITORING && (ref.kind === 'ServiceMonitor' || ref.kind === 'PodMonitor')) {
    const spec = mapAt(obj, 'spec') ?? {};
    const nsSel = mapAt(spec, 'namespaceSelector') ?? {};
    const ns: { any?: true; names?: string[] } = {};
    if (nsSel.any === true) ns.any = true;
    const names = asList(nsSel.matchNames).filter((n): n is string => typeof n === 'string');
    if (names.length) ns.names = names;
    const eps = mapsAt(spec, ref.kind === 'ServiceMonitor' ? 'endpoints' : 'podMetricsEndpoints').map((e): MonitorEndpoint => {
      const out: { port?: string; num?: number; tp?: number | string } = {};
      if (typeof e.port === 'string') out.port = e.port;
      if (typeof e.portNumber === 'number') out.num = e.portNumber;
      const tp = intOrString(e.targetPort);
      if (tp !== undefined) out.tp = tp;
      return out;
    });
    return { mon: { k: ref.kind === 'ServiceMonitor' ? 's' : 'p', l: stringMapAt(obj, 'metadata.labels') ?? {}, ns, sel: readSelector(spec.selector) ?? {}, eps } };
  }
  if (group === '' && ref.kind === 'Service') {
    const sel = stringMapAt(obj, 'spec.selector');
    if (!sel || !Object.keys(sel).length || valueAt(obj, 'spec.type') === 'ExternalName') return undefined;
    const ports = mapsAt(obj, 'spec.ports').flatMap((p): ServicePortProjection[] => {
      if (typeof p.port !== 'number') return [];
      const tp = intOrString(p.targetPort);
      return [{ ...(typeof p.name === 'string' ? { name: p.name } : {}), port: p.port, ...(tp !== undefined ? { tp } : {}), ...(typeof p.protocol === 'string' && p.protocol !== 'TCP' ? { proto: p.protocol } : {}) }];
    });
    return { svc: { l: stringMapAt(obj, 'metadata.labels') ?? {}, sel, ports } };
  }
  if (group === 'networking.k8s.io' && ref.kind === 'NetworkPolicy' && ref.namespace !== undefined) {
    return { np: readPolicy(ref.name, ref.namespace, valueAt(obj, 'spec')) };
  }
  if (group === '' && ref.kind === 'Namespace') {
    return { nsl: stringMapAt(obj, 'metadata.labels') ?? {} };
  }
  if (podTemplatePath(obj) !== undefined) {
    const spec = podSpecOf(obj) ?? {};
    const ports = [...listAt(spec, 'containers'), ...listAt(spec, 'initContainers')].filter(isMap).flatMap((c) => mapsAt(c, 'ports')).flatMap((p): ContainerPortProjection[] => (
      typeof p.containerPort === 'number' ? [{ n: p.containerPort, ...(typeof p.name === 'string' ? { name: p.name } : {}), ...(typeof p.protocol === 'string' && p.protocol !== 'TCP' ? { proto: p.protocol } : {}) }] : []));
    return { pod: { l: podTemplateLabels(obj) ?? {}, ...(spec.hostNetwork === true ? { host: true as const } : {}), ports } };
  }
  return undefined;
}

/** Whether the rule reads an object of this file: dist/ outside dist/hosts/ (argocd/ holds twins of dist/argocd). */
export const inScope = (file: string): boolean => file.startsWith('dist/') && !file.startsWith('dist/hosts/');

/** Whether Prometheus `prom` (in `promNs`) reads monitor `mon` (in `monNs`, with its namespace's labels). */
export function prometheusSelects(prom: PrometheusProjection, promNs: string, mon: MonitorProjection, monNs: string, monNsLabels: Labels): boolean {
  const sel = mon.k === 's' ? prom.sm : prom.pm;
  const nsSel = mon.k === 's' ? prom.smNs : prom.pmNs;
  if (!sel || !labelSelectorMatches(sel, mon.l)) return false;
  return nsSel ? labelSelectorMatches(nsSel, monNsLabels) : monNs === promNs;
}

/** The namespaces a monitor's targets are in: every namespace of `all` (sorted) for `any`, its names, else its own. */
export function targetNamespaces(mon: MonitorProjection, monNs: string, prom: PrometheusProjection, all: () => readonly string[]): readonly string[] {
  if (prom.own) return [monNs];
  if (mon.ns.any) return all();
  return mon.ns.names?.length ? [...new Set(mon.ns.names)] : [monNs];
}

/** The container ports of a pod template a Service port sends to (by targetPort name, or number). */
export function servicePortTargets(sp: ServicePortProjection, pod: PodProjection): TargetPort[] {
  if ((sp.proto ?? 'TCP') !== 'TCP') return [];
  const tp = sp.tp ?? sp.port;
  if (typeof tp === 'string' && !/^\d+$/.test(tp)) {
    const c = pod.ports.find((p) => p.name === tp && (p.proto ?? 'TCP') === 'TCP');
    return c ? [targetOf(c)] : [];
  }
  const n = Number(tp);
  const c = pod.ports.find((p) => p.n === n && (p.proto ?? 'TCP') === 'TCP');
  return [c ? targetOf(c) : { number: n }];
}

const targetOf = (c: ContainerPortProjection): TargetPort => (c.name !== undefined ? { number: c.n, name: c.name } : { number: c.n });

/** The Service ports a ServiceMonitor endpoint scrapes: by name (`port`), by targetPort, else all. */
export function endpointServicePorts(ep: MonitorEndpoint, svc: ServiceProjection): readonly ServicePortProjection[] {
  if (ep.port !== undefined) return svc.ports.filter((p) => p.name === ep.port);
  if (ep.tp !== undefined) return svc.ports.filter((p) => String(p.tp ?? p.port) === String(ep.tp));
  return svc.ports;
}

/** The container ports of a pod a PodMonitor endpoint scrapes: by name (`port`), portNumber, targetPort, else every TCP port. */
export function endpointPodPorts(ep: MonitorEndpoint, pod: PodProjection): TargetPort[] {
  const tcp = pod.ports.filter((p) => (p.proto ?? 'TCP') === 'TCP');
  if (ep.port !== undefined) return tcp.filter((p) => p.name === ep.port).slice(0, 1).map(targetOf);
  if (ep.num !== undefined) {
    const c = tcp.find((p) => p.n === ep.num);
    return [c ? targetOf(c) : { number: ep.num }];
  }
  if (ep.tp !== undefined) {
    const c = tcp.find((p) => (typeof ep.tp === 'number' ? p.n === ep.tp : p.name === ep.tp || String(p.n) === ep.tp));
    return c ? [targetOf(c)] : typeof ep.tp === 'number' ? [{ number: ep.tp }] : [];
  }
  return tcp.map(targetOf);
}

/** How an endpoint names its port, for a finding. */
export function endpointText(ep: MonitorEndpoint, i: number): string {
  const what = ep.port !== undefined ? `port "${ep.port}"` : ep.num !== undefined ? `portNumber ${ep.num}` : ep.tp !== undefined ? `targetPort ${JSON.stringify(ep.tp)}` : 'every port';
  return `endpoint ${i + 1} (${what})`;
}

const PROMETHEUS_PODS = 'app.kubernetes.io/name=prometheus';

/** Whether any rule of the policies has an ipBlock peer other than every address. */
export const hasIpBlock = (policies: readonly Policy[], egress: boolean): boolean => policies.some((p) => (egress ? p.egress : p.ingress).some((r) => (r.peers ?? []).some((x) => x.ipBlock)));

const names = (v: Verdict): string => v.isolating.map((p) => p.name).join(', ');

/** The finding for one target Prometheus cannot reach (ingress and/or egress denied). */
export function reachMessage(a: {
  monitor: ObjectRef; endpoint: string; workload: ObjectRef; port: TargetPort; prometheus: ObjectRef; targetSelector: string; ingress: Verdict; egress: Verdict;
}): string {
  const ns = a.workload.namespace ?? '';
  const promNs = a.prometheus.namespace ?? '';
  const port = `TCP ${a.port.number}${a.port.name !== undefined ? ` ("${a.port.name}")` : ''}`;
  const why: string[] = [];
  if (!a.ingress.allowed) {
    const many = a.ingress.isolating.length > 1;
    why.push(`NetworkPolic${many ? 'ies' : 'y'} ${names(a.ingress)} in ${ns} isolate${many ? '' : 's'} its pods for ingress and none admits Prometheus's pods on that port${hasIpBlock(a.ingress.isolating, false) ? ' (an ipBlock is taken to match a pod only when it is 0.0.0.0/0 or ::/0 without except)' : ''}; add a NetworkPolicy in ${ns} selecting ${a.targetSelector} that admits namespace ${promNs} pods ${PROMETHEUS_PODS} on TCP ${a.port.number}`);
  }
  if (!a.egress.allowed) {
    const many = a.egress.isolating.length > 1;
    why.push(`NetworkPolic${many ? 'ies' : 'y'} ${names(a.egress)} in ${promNs} isolate${many ? '' : 's'} Prometheus's pods for egress and none lets them out to it${hasIpBlock(a.egress.isolating, true) ? ' (an ipBlock is taken to match a pod only when it is 0.0.0.0/0 or ::/0 without except)' : ''}; add a NetworkPolicy in ${promNs} selecting ${PROMETHEUS_PODS} with an egress rule to namespace ${ns} pods ${a.targetSelector} on TCP ${a.port.number}`);
  }
  return `${a.monitor.kind} ${a.monitor.namespace}/${a.monitor.name} ${a.endpoint} scrapes ${a.workload.kind} ${ns}/${a.workload.name} on ${port}, which Prometheus ${promNs}/${a.prometheus.name} cannot reach: ${why.join('; and ')}`;
}

/** One pod template of the tree, as the join indexes it. */
interface PodRow {
  readonly i: number;
  readonly e: Entry<ReachProjection>;
  readonly pod: PodProjection;
}

/** One selecting object (policy, Service) with its place in tree order. */
export interface Row<T, P = ReachProjection> {
  readonly i: number;
  readonly e: Entry<P>;
  readonly v: T;
}

/** Rows of one namespace indexed by each `key=value` of their labels, for candidates of a selector. */
export class LabelIndex<T, P = ReachProjection> {
  private readonly all: Row<T, P>[] = [];
  private readonly byPair = new Map<string, Row<T, P>[]>();

  public add(row: Row<T, P>, labels: Labels): void {
    this.all.push(row);
    for (const [k, v] of Object.entries(labels)) {
      const key = `${k}=${v}`;
      const list = this.byPair.get(key);
      if (list) list.push(row);
      else this.byPair.set(key, [row]);
    }
  }

  /** Rows that may match a selector (every row carrying its rarest matchLabels pair; all when it has none), in tree order. */
  public candidates(matchLabels: Labels | undefined): readonly Row<T, P>[] {
    let fewest: readonly Row<T, P>[] | undefined;
    for (const [k, v] of Object.entries(matchLabels ?? {})) {
      const list = this.byPair.get(`${k}=${v}`) ?? [];
      if (!fewest || list.length < fewest.length) fewest = list;
    }
    return fewest ?? this.all;
  }
}

/** The NetworkPolicies of one namespace, each indexed under its podSelector's rarest matchLabels pair (or as selecting any pod). */
export class PolicyIndex {
  private readonly rows: Row<Policy, unknown>[] = [];
  private general: Row<Policy, unknown>[] = [];
  private byPair?: Map<string, Row<Policy, unknown>[]>;
  /** The policies of `general` (what a pod none of whose pairs is indexed may be selected by), made with `byPair`. */
  private generalPolicies: readonly Policy[] = [];
  /** The answers of `candidates` by the labels object asked about (a pod row's labels are asked about once per port and source). */
  private known = new WeakMap<Labels, readonly Policy[]>();

  public add(row: Row<Policy, unknown>): void {
    this.rows.push(row);
    this.byPair = undefined;
    this.known = new WeakMap();
  }

  /** The policies that may select a pod of `labels` (a superset, in tree order). */
  public candidates(labels: Labels): readonly Policy[] {
    const known = this.known.get(labels);
    if (known) return known;
    if (!this.byPair) this.build();
    // Each policy is in one list only (the general one, or its rarest pair's): a list found once adds no policy twice.
    let found = this.general;
    let lists = 0;
    for (const k of Object.keys(labels)) {
      const list = this.byPair!.get(`${k}=${labels[k]}`);
      if (!list) continue;
      if (!lists) found = [...found];
      found.push(...list);
      lists++;
    }
    // Two pairs can name one list only when a key or value holds "=" (not a valid label): then keep each policy once.
    if (lists > 1) found = [...new Set(found)];
    const out = lists ? found.sort((a, b) => a.i - b.i).map((r) => r.v) : this.generalPolicies;
    this.known.set(labels, out);
    return out;
  }

  private build(): void {
    const counts = new Map<string, number>();
    for (const r of this.rows) for (const [k, v] of Object.entries(r.v.podSelector.matchLabels ?? {})) counts.set(`${k}=${v}`, (counts.get(`${k}=${v}`) ?? 0) + 1);
    this.general = [];
    this.byPair = new Map();
    for (const r of this.rows) {
      const pairs = Object.entries(r.v.podSelector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
      if (!pairs.length) {
        this.general.push(r);
        continue;
      }
      const rarest = pairs.reduce((a, b) => (counts.get(b)! < counts.get(a)! ? b : a));
      const list = this.byPair.get(rarest);
      if (list) list.push(r);
      else this.byPair.set(rarest, [r]);
    }
    this.generalPolicies = this.general.map((r) => r.v);
  }
}

/**
 * Why a connection from `source` to `dest`'s `port` is refused, or undefined when both ends allow it:
 * ingress by the policies of dest's namespace that may select it (`destPolicies`), egress by
 * `egressPolicies` (those of source's namespace that may select the source).
 */
export function refusedReach(destPolicies: PolicyIndex, egressPolicies: readonly Policy[], source: PodRef, dest: PodRef, port: TargetPort): { readonly ingress: Verdict; readonly egress: Verdict } | undefined {
  const ingress = ingressVerdict(destPolicies.candidates(dest.labels), source, dest, port);
  const egress = egressVerdict(egressPolicies, source, dest, port);
  return ingress.allowed && egress.allowed ? undefined : { ingress, egress };
}

/** `namespaceLabels` of each namespace, made once per join (`labels`: the rendered Namespaces' own). */
export function namespaceLabelsOf(labels: ReadonlyMap<string, Labels>): (ns: string) => Labels {
  const made = new Map<string, Labels>();
  return (ns) => {
    let l = made.get(ns);
    if (!l) made.set(ns, (l = namespaceLabels(ns, labels.get(ns))));
    return l;
  };
}

export function perNamespace<V>(map: Map<string, V>, ns: string, make: () => V): V {
  let v = map.get(ns);
  if (!v) map.set(ns, (v = make()));
  return v;
}

/**
 * Every scrape target Prometheus cannot reach through the NetworkPolicies. A split rule
 * (lib/verify/split-rule.ts): the projections are the Prometheus CRs, the monitors, the Services,
 * the pod templates, the policies and the Namespaces' labels; the join indexes pods, Services and
 * policies by namespace and label, so a monitor looks only at the pods its selector can match and a
 * pod only at the policies that can select it.
 */
export const MONITOR_REACH: SplitRule<ReachProjection, 'verify/monitor-reach'> = {
  id: 'verify/monitor-reach',
  key: 'reach',
  project: ({ obj, ref, group }: Subject) => (inScope(ref.file) ? reachProjection(obj, ref, group) : undefined),
  join(entries, _tree, report) {
    const proms: Row<PrometheusProjection>[] = [];
    const monitors: Row<MonitorProjection>[] = [];
    const nsLabels = new Map<string, Labels>();
    const pods = new Map<string, LabelIndex<PodProjection>>();
    const services = new Map<string, LabelIndex<ServiceProjection>>();
    const policies = new Map<string, PolicyIndex>();
    const namespaces = new Set<string>();
    entries.forEach((e, i) => {
      const p = e.p;
      if (!p) return;
      const ns = e.ref.namespace;
      if (p.nsl) {
        if (!nsLabels.has(e.ref.name)) nsLabels.set(e.ref.name, p.nsl);
        return;
      }
      if (ns === undefined) return;
      if (p.prom) proms.push({ i, e, v: p.prom });
      else if (p.mon) monitors.push({ i, e, v: p.mon });
      else if (p.np) perNamespace(policies, ns, () => new PolicyIndex()).add({ i, e, v: p.np });
      else if (p.svc) {
        namespaces.add(ns);
        perNamespace(services, ns, () => new LabelIndex()).add({ i, e, v: p.svc }, p.svc.l);
      } else if (p.pod) {
        namespaces.add(ns);
        perNamespace(pods, ns, () => new LabelIndex()).add({ i, e, v: p.pod }, p.pod.l);
      }
    });
    if (!proms.length || !monitors.length) return;
    const labelsOf = namespaceLabelsOf(nsLabels);
    let sorted: string[] | undefined;
    const all = (): readonly string[] => (sorted ??= [...namespaces].sort());
    const noPolicies = new PolicyIndex();
    for (const m of monitors) {
      const monNs = m.e.ref.namespace!;
      for (const P of proms) {
        const promNs = P.e.ref.namespace!;
        if (!prometheusSelects(P.v, promNs, m.v, monNs, labelsOf(monNs))) continue;
        const source: PodRef = { namespace: promNs, labels: P.v.pod, namespaceLabels: labelsOf(promNs) };
        const egressPolicies = (policies.get(promNs) ?? noPolicies).candidates(source.labels);
        const seen = new Set<string>();
        m.v.eps.forEach((ep, epi) => {
          for (const ns of targetNamespaces(m.v, monNs, P.v, all)) {
            const nsPolicies = policies.get(ns) ?? noPolicies;
            const check = (pod: PodRow, port: TargetPort, targetSelector: string): void => {
              const key = `${pod.i}:${port.number}`;
              if (seen.has(key)) return;
              seen.add(key);
              const refused = refusedReach(nsPolicies, egressPolicies, source, { namespace: ns, labels: pod.pod.l, namespaceLabels: labelsOf(ns) }, port);
              if (refused) report(m.e.ref, reachMessage({ monitor: m.e.ref, endpoint: endpointText(ep, epi), workload: pod.e.ref, port, prometheus: P.e.ref, targetSelector, ...refused }));
            };
            const podIndex = pods.get(ns);
            if (!podIndex) continue;
            if (m.v.k === 'p') {
              for (const r of podIndex.candidates(m.v.sel.matchLabels)) {
                if (r.v.host || !labelSelectorMatches(m.v.sel, r.v.l)) continue;
                for (const port of endpointPodPorts(ep, r.v)) check({ i: r.i, e: r.e, pod: r.v }, port, selectorText(m.v.sel));
              }
              continue;
            }
            for (const s of services.get(ns)?.candidates(m.v.sel.matchLabels) ?? []) {
              if (!labelSelectorMatches(m.v.sel, s.v.l)) continue;
              const sps = endpointServicePorts(ep, s.v);
              if (!sps.length) continue;
              const podSel = { matchLabels: s.v.sel };
              for (const r of podIndex.candidates(s.v.sel)) {
                if (r.v.host || !labelSelectorMatches(podSel, r.v.l)) continue;
                for (const sp of sps) for (const port of servicePortTargets(sp, r.v)) check({ i: r.i, e: r.e, pod: r.v }, port, selectorText(podSel));
              }
            }
          }
        });
      }
    }
  },
};
