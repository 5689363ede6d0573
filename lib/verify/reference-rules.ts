import { isMap, JsonMap, listAt, stringAt, stringMapAt, valueAt } from '../k8s/manifest';
import { podTemplateLabels, podTemplatePath } from '../k8s/pod-template';
import { Entry, namespaceKey, SplitRule, TreeLevel } from './split-rule';
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
  /** Its selector, on a core Service the rule checks (a selector with labels, not ExternalName). @default - none */
  readonly sel?: Readonly<Record<string, string>>;
}

/** Service selectors match a pod template in the same namespace. */
export const SERVICE_SELECTORS: SplitRule<SelectorProjection, 'verify/service-selectors'> = {
  id: 'verify/service-selectors',
  key: 'svc',
  project({ obj, ref, group }) {
    if (ref.kind === 'Service' && ref.apiVersion === 'v1') {
      const selector = stringMapAt(obj, 'spec.selector');
      if (!selector || Object.keys(selector).length === 0 || valueAt(obj, 'spec.type') === 'ExternalName') return undefined;
      return { sel: selector };
    }
    const labels = carriesPods(group, ref.kind, obj) ? podTemplateLabels(obj) : undefined;
    return labels ? { tpl: labels } : undefined;
  },
  join(entries, tree, report) {
    // Pod templates by namespace and by each of their labels (key=value), so each Service looks only
    // at its own namespace's templates that carry one of its selector's labels (every one must match).
    const templates = new Map<string, Map<string, Readonly<Record<string, string>>[]>>();
    // The StatefulSet controller labels each pod with its name (<set>-<ordinal>).
    const sets = new Map<string, { name: string; labels: Readonly<Record<string, string>> }[]>();
    for (const { ref, p } of entries) {
      const labels = p?.tpl;
      if (ref.kind === 'StatefulSet') {
        const ns = namespaceKey(ref);
        sets.set(ns, [...(sets.get(ns) ?? []), { name: ref.name, labels: labels ?? {} }]);
      }
      if (!labels) continue;
      const ns = namespaceKey(ref);
      let byLabel = templates.get(ns);
      if (!byLabel) templates.set(ns, (byLabel = new Map()));
      for (const [k, v] of Object.entries(labels)) {
        const key = `${k}=${v}`;
        const list = byLabel.get(key);
        if (list) list.push(labels);
        else byLabel.set(key, [labels]);
      }
    }
    const candidates = (ns: string, selector: Readonly<Record<string, string>>): readonly Readonly<Record<string, string>>[] => {
      const byLabel = templates.get(ns);
      let fewest: readonly Readonly<Record<string, string>>[] | undefined;
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
      const matched = podName !== undefined
        ? (sets.get(ns) ?? []).some((s) => podName.startsWith(`${s.name}-`) && /^\d+$/.test(podName.slice(s.name.length + 1))
          && Object.entries(selector).every(([k, v]) => k === 'statefulset.kubernetes.io/pod-name' || s.labels[k] === v))
        : candidates(ns, selector).some((labels) => Object.entries(selector).every(([k, v]) => labels[k] === v));
      if (!matched) report(e.ref, `selector ${JSON.stringify(selector)} matches no pod template in namespace "${e.ref.namespace ?? e.ref.rawNamespace}"`);
    }
  },
};

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
