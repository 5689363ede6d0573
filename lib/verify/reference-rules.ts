import { isMap, JsonMap, listAt, stringAt, stringMapAt, valueAt } from '../k8s/manifest';
import { podTemplateOf, podTemplatePath } from '../k8s/pod-template';
import { protocolOf } from './api-validation';
import { Entry, namespaceKey, ObjectRef, SplitRule, TreeLevel } from './split-rule';
import { memoised } from './tree-index';

/*
 * The reference rules of verify (group (c) of docs/design/per-app-summaries.md, step 3) as split
 * rules: a Service's selector and a pod template's labels, a Service's ports and a route's
 * backends are projections; the matching by namespace, label and name is the join.
 */

/** Whether objects of an API group and kind carry a pod template (lib/k8s/pod-template.ts), asked once for each. */
const carriers = new Map<string, Map<string, boolean>>();
const carriesPods = (group: string, kind: string, obj: JsonMap): boolean => memoised(carriers, group, kind, () => podTemplatePath(obj) !== undefined);

/** What verify/service-selectors reads of an object. */
export interface SelectorProjection {
  /** Its pod template's labels (a kind that carries a pod template, with labels). @default - none */
  readonly tpl?: Readonly<Record<string, string>>;
  /**
   * Its pod template's named ports, `<protocol>/<name>`: those of its containers and of its sidecars
   * (init containers with restartPolicy Always), where the endpoints controller looks a Service's
   * named targetPort up. @default - none
   */
  readonly tpn?: readonly string[];
  /** Its selector, on a core Service the rule checks (a selector with labels, not ExternalName). @default - none */
  readonly sel?: Readonly<Record<string, string>>;
  /** On such a Service: its ports whose targetPort is a name, as [index in spec.ports, name, protocol]. @default - none */
  readonly tpt?: readonly (readonly [number, string, string])[];
}

/** A Service's ports whose targetPort is a name (`SelectorProjection.tpt`). */
function namedTargetPorts(service: JsonMap): [number, string, string][] {
  const out: [number, string, string][] = [];
  listAt(service, 'spec.ports').forEach((p, i) => {
    if (!isMap(p) || typeof p.targetPort !== 'string' || p.targetPort === '' || /^[0-9]+$/.test(p.targetPort)) return;
    out.push([i, p.targetPort, protocolOf(p)]);
  });
  return out;
}

/** The named ports of a pod template's `spec` (`SelectorProjection.tpn`), in container order, each once. */
function namedPodPorts(spec: unknown): string[] {
  const out: string[] = [];
  const add = (c: unknown) => {
    if (!isMap(c) || !Array.isArray(c.ports)) return;
    for (const p of c.ports) {
      if (!isMap(p) || typeof p.name !== 'string' || !p.name) continue;
      const n = `${protocolOf(p)}/${p.name}`;
      if (!out.includes(n)) out.push(n);
    }
  };
  if (!isMap(spec)) return out;
  if (Array.isArray(spec.containers)) for (const c of spec.containers) add(c);
  if (Array.isArray(spec.initContainers)) for (const c of spec.initContainers) if (isMap(c) && c.restartPolicy === 'Always') add(c);
  return out;
}

/** Service selectors match a pod template in the same namespace. */
export const SERVICE_SELECTORS: SplitRule<SelectorProjection, 'verify/service-selectors'> = {
  id: 'verify/service-selectors',
  key: 'svc',
  project({ obj, ref, group }) {
    if (ref.kind === 'Service' && ref.apiVersion === 'v1') {
      const selector = stringMapAt(obj, 'spec.selector');
      if (!selector || Object.keys(selector).length === 0 || valueAt(obj, 'spec.type') === 'ExternalName') return undefined;
      const tpt = namedTargetPorts(obj);
      return tpt.length ? { sel: selector, tpt } : { sel: selector };
    }
    if (!carriesPods(group, ref.kind, obj)) return undefined;
    const template = podTemplateOf(obj);
    const labels = stringMapAt(template, 'metadata.labels');
    if (!labels) return undefined;
    const tpn = namedPodPorts(template?.spec);
    return tpn.length ? { tpl: labels, tpn } : { tpl: labels };
  },
  join(entries, tree, report) {
    // Pod templates by namespace and by each of their labels (key=value), so each Service looks only
    // at its own namespace's templates that carry one of its selector's labels (every one must match).
    const templates = new Map<string, Map<string, Template[]>>();
    // The StatefulSet controller labels each pod with its name (<set>-<ordinal>).
    const sets = new Map<string, { name: string; t: Template }[]>();
    for (const { ref, p } of entries) {
      const labels = p?.tpl;
      if (ref.kind === 'StatefulSet') {
        const ns = namespaceKey(ref);
        sets.set(ns, [...(sets.get(ns) ?? []), { name: ref.name, t: { ref, labels: labels ?? {}, ports: p?.tpn } }]);
      }
      if (!labels) continue;
      const ns = namespaceKey(ref);
      let byLabel = templates.get(ns);
      if (!byLabel) templates.set(ns, (byLabel = new Map()));
      const t: Template = { ref, labels, ports: p?.tpn };
      for (const [k, v] of Object.entries(labels)) {
        const key = `${k}=${v}`;
        const list = byLabel.get(key);
        if (list) list.push(t);
        else byLabel.set(key, [t]);
      }
    }
    const candidates = (ns: string, selector: Readonly<Record<string, string>>): readonly Template[] => {
      const byLabel = templates.get(ns);
      let fewest: readonly Template[] | undefined;
      for (const [k, v] of Object.entries(selector)) {
        const list = byLabel?.get(`${k}=${v}`) ?? [];
        if (!fewest || list.length < fewest.length) fewest = list;
      }
      return fewest ?? [];
    };
    for (const e of entries) {
      const selector = e.p?.sel;
      if (!selector) continue;
      // Declared (with which controller) to select pods a controller creates at run time.
      if (factsOf(tree, e)?.selectsRuntimePods !== undefined) continue;
      const ns = namespaceKey(e.ref);
      const podName = selector['statefulset.kubernetes.io/pod-name'];
      const pairs = Object.entries(selector);
      const selects = (t: Template) => pairs.every(([k, v]) => t.labels[k] === v);
      // Every template it selects when it names ports to look up in them, else whether it selects one.
      const named = e.p?.tpt;
      const pool: readonly Template[] = podName !== undefined
        ? (sets.get(ns) ?? []).filter((s) => podName.startsWith(`${s.name}-`) && /^\d+$/.test(podName.slice(s.name.length + 1))
          && pairs.every(([k, v]) => k === 'statefulset.kubernetes.io/pod-name' || s.t.labels[k] === v)).map((s) => s.t)
        : candidates(ns, selector);
      const matched = podName !== undefined ? pool : named ? pool.filter(selects) : pool.some(selects) ? pool : [];
      if (!matched.length) {
        report(e.ref, `selector ${JSON.stringify(selector)} matches no pod template in namespace "${e.ref.namespace ?? e.ref.rawNamespace}"`);
        continue;
      }
      for (const [i, name, protocol] of named ?? []) {
        if (matched.some((t) => t.ports?.includes(`${protocol}/${name}`))) continue;
        report(e.ref, `spec.ports[${i}].targetPort "${name}" names a port that no container of the pods it selects declares with protocol ${protocol} (${matched.map((t) => `${t.ref.kind} ${t.ref.name}${t.ports?.length ? ` declares ${t.ports.map((n) => `"${n}"`).join(', ')}` : ' declares no named port'}`).join('; ')}); the Service has no endpoint for that port and sends its traffic nowhere: declare the port (name and protocol) in the pod template, or target one it declares`);
      }
    }
  },
};

/** A pod template as verify/service-selectors' join indexes it: who it is, its labels and its named ports. */
interface Template {
  readonly ref: ObjectRef;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports?: readonly string[];
}

/** The facts of an entry (the tree's facts are keyed by identity). */
const factsOf = (tree: TreeLevel, e: Entry<unknown>) => (tree.facts.size ? tree.facts.get(e.id) : undefined);

/** The Gateway API route kinds, whose rules send traffic to `backendRefs`. */
const ROUTE_KINDS: ReadonlySet<string> = new Set(['HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute', 'UDPRoute']);

/** A route's backend that is a Service: where it is in the route, the Service's name and namespace, the port. */
export interface ServiceBackend {
  /** Index of its rule in spec.rules, and of the reference in that rule's backendRefs. */
  readonly i: number;
  readonly j: number;
  readonly name: string;
  /** The reference's own namespace (else the route's). @default - the route's */
  readonly ns?: string;
  /** Its port, when a number. @default - none */
  readonly port?: number;
}

/** What verify/route-backends reads of an object. */
export interface BackendProjection {
  /** `spec.ports[].port` of a core Service (its maps only), as written. @default - none */
  readonly ports?: readonly unknown[];
  /** A route's backends that are Services, in order. @default - none */
  readonly refs?: readonly ServiceBackend[];
}

/**
 * A Gateway API route's backends that are Services (`kind` Service of the core group, the
 * default) are Services the tree renders in the backend's namespace (the route's unless the
 * reference names another), and the port the route sends to is one the Service exposes; or
 * Services an object of that namespace declares a controller creates at run time from it
 * (facts `runtimeServices`, e.g. the Keycloak operator's `<name>-service`). Other kinds of backend
 * (an implementation's own) are not checked here.
 */
export const ROUTE_BACKENDS: SplitRule<BackendProjection, 'verify/route-backends'> = {
  id: 'verify/route-backends',
  key: 'be',
  project({ obj, ref, group }) {
    if (ref.kind === 'Service' && group === '') return { ports: listAt(obj, 'spec.ports').filter(isMap).map((p) => p.port) };
    if (group !== 'gateway.networking.k8s.io' || !ROUTE_KINDS.has(ref.kind)) return undefined;
    const out: ServiceBackend[] = [];
    const rules = listAt(obj, 'spec.rules');
    for (let i = 0; i < rules.length; i++) {
      const refs = listAt(rules[i], 'backendRefs');
      for (let j = 0; j < refs.length; j++) {
        const r = refs[j];
        if (!isMap(r) || (stringAt(r, 'group') ?? '') !== '' || (stringAt(r, 'kind') ?? 'Service') !== 'Service') continue;
        const name = stringAt(r, 'name');
        if (name === undefined) continue; // the schema requires it: verify/schemas reports it
        const ns = stringAt(r, 'namespace');
        const port = valueAt(r, 'port');
        out.push({ i, j, name, ...(ns !== undefined ? { ns } : {}), ...(typeof port === 'number' ? { port } : {}) });
      }
    }
    return { refs: out };
  },
  join(entries, tree, report) {
    // Rendered Services' ports, and Services declared to be made at run time, by `namespace/name`.
    const services = new Map<string, readonly unknown[]>();
    const runtime = new Set<string>();
    const routes: Entry<BackendProjection>[] = [];
    for (const x of entries) {
      const ns = x.ref.namespace ?? '';
      if (x.p?.ports) services.set(`${ns}/${x.ref.name}`, x.p.ports);
      else if (x.p?.refs) routes.push(x);
      for (const name of factsOf(tree, x)?.runtimeServices ?? []) runtime.add(`${ns}/${name}`);
    }
    for (const x of routes) {
      for (const { i, j, name, ns: own, port } of x.p!.refs!) {
        const ns = own ?? x.ref.namespace ?? '';
        const at = `spec.rules[${i}].backendRefs[${j}]`;
        const key = `${ns}/${name}`;
        const ports = services.get(key);
        if (!ports) {
          if (!runtime.has(key)) report(x.ref, `${at} sends to Service "${name}" in namespace "${ns}", which the tree does not render and no object there declares a controller makes (facts runtimeServices); render the Service or fix the name`);
          continue;
        }
        if (port === undefined) report(x.ref, `${at} sends to Service "${name}" without a port; set port to one it exposes (${ports.join(', ') || 'it exposes none'})`);
        else if (!ports.includes(port)) report(x.ref, `${at} sends to port ${port} of Service "${name}", which exposes ${ports.length ? `only ${ports.join(', ')}` : 'no port'}; use one of those`);
      }
    }
  },
};
