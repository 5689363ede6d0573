import { parse } from 'yaml';
import { isMap, JsonMap, listAt, mapAt, stringAt, stringMapAt, valueAt } from '../k8s/manifest';
import { Labels, Policy, PodRef, selectorText, TargetPort, Verdict } from '../k8s/network-policy';
import {
  hasIpBlock, inScope, LabelIndex, namespaceLabelsOf, perNamespace, PodProjection, PolicyIndex, reachProjection, refusedReach, Row, ServicePortProjection, ServiceProjection, servicePortTargets,
} from './monitor-rules';
import type { ObjectRef, SplitRule, Subject } from './split-rule';

/*
 * verify/route-reach: every backend Service of a Gateway API route (HTTPRoute, TLSRoute, TCPRoute,
 * GRPCRoute) attached to a Gateway that Envoy Gateway serves can be reached through the
 * NetworkPolicies from the Envoy proxy pods: ingress into the Service's pods on the container port
 * its targetPort names or numbers, and egress out of the proxies' namespace. The proxies are made
 * at run time by Envoy Gateway, so no pod template of theirs is rendered: their labels and
 * namespace are those Envoy Gateway v1.9.0 (the gateway-helm chart vendored) gives them
 * (internal/infrastructure/kubernetes/proxy: "app.kubernetes.io/name: envoy",
 * "app.kubernetes.io/component: proxy", "app.kubernetes.io/managed-by: envoy-gateway",
 * "gateway.envoyproxy.io/owning-gateway-name" / "-namespace" the Gateway's), over the EnvoyProxy's
 * spec.provider.kubernetes.envoyDeployment.pod.labels (the Gateway's spec.infrastructure.parametersRef
 * EnvoyProxy, else its GatewayClass's parametersRef). They run in the controller's namespace (the
 * namespace of the rendered envoy-gateway-config ConfigMap, envoy-gateway-system when none), or the
 * Gateway's own when the config's provider.kubernetes.deploy.type is GatewayNamespace.
 *
 * Not checked: backends that are not core Services (an Envoy Gateway Backend...), Services
 * without a selector (ExternalName, manual Endpoints), Services whose pods an operator makes at
 * run time (Keycloak, Prometheus, Alertmanager: no pod template), host-network pods, whether a
 * ReferenceGrant allows a cross-namespace backend (only reach is checked), Gateways of another
 * controller's GatewayClass, a listener's allowedRoutes (a parentRef is taken as attached).
 */

/** The Envoy Gateway controller name the GatewayClasses it serves carry (its config's gateway.controllerName by default). */
export const ENVOY_GATEWAY_CONTROLLER = 'gateway.envoyproxy.io/gatewayclass-controller';
/** The namespace Envoy Gateway runs in when its config is not rendered (the chart's install namespace). */
export const ENVOY_GATEWAY_NAMESPACE = 'envoy-gateway-system';
const GATEWAY_API = 'gateway.networking.k8s.io';
const ENVOY_API = 'gateway.envoyproxy.io';
const ROUTE_KINDS = new Set(['HTTPRoute', 'TLSRoute', 'TCPRoute', 'GRPCRoute']);

/** A route's Service backend: rule `i`, backendRef `j`, name, namespace (absent: the route's), port. */
export interface RouteBackend {
  readonly i: number;
  readonly j: number;
  readonly name: string;
  /** @default - the route's namespace */
  readonly ns?: string;
  /** @default - none (verify/route-backends reports it) */
  readonly port?: number;
}

/** A route: its Gateway parents (`namespace/name`) and its Service backends. */
export interface RouteProjection {
  readonly parents: readonly string[];
  readonly refs: readonly RouteBackend[];
}

/** What verify/route-reach reads of an object: one of these. */
export interface RouteReachProjection {
  /** A route. @default - none */
  readonly rt?: RouteProjection;
  /** A Gateway: its class and its own EnvoyProxy (spec.infrastructure.parametersRef). @default - none */
  readonly gw?: { readonly c: string; readonly ep?: string };
  /** A GatewayClass: its controller and its EnvoyProxy (`namespace/name`). @default - none */
  readonly gc?: { readonly ctl: string; readonly ep?: string };
  /** An EnvoyProxy: the labels it adds to the proxy pods. @default - none */
  readonly ep?: Labels;
  /** Envoy Gateway's config (ConfigMap envoy-gateway-config): its controller name, and whether proxies run in the Gateway's namespace. @default - none */
  readonly eg?: { readonly ctl: string; readonly gwns?: true };
  /** @default - none */
  readonly svc?: ServiceProjection;
  /** @default - none */
  readonly pod?: PodProjection;
  /** @default - none */
  readonly np?: Policy;
  /** @default - none */
  readonly nsl?: Labels;
}

/** The labels Envoy Gateway puts on the proxy pods of Gateway `namespace/name` (over the EnvoyProxy's pod labels). */
export function proxyPodLabels(gatewayNamespace: string, gatewayName: string, extra: Labels = {}): Labels {
  return {
    ...extra,
    'app.kubernetes.io/name': 'envoy',
    'app.kubernetes.io/component': 'proxy',
    'app.kubernetes.io/managed-by': 'envoy-gateway',
    'gateway.envoyproxy.io/owning-gateway-name': gatewayName,
    'gateway.envoyproxy.io/owning-gateway-namespace': gatewayNamespace,
  };
}

/** Envoy Gateway's config as its ConfigMap holds it (data["envoy-gateway.yaml"]), or undefined when unreadable. */
function readEnvoyGatewayConfig(obj: JsonMap): { ctl: string; gwns?: true } | undefined {
  const text = valueAt(obj, 'data');
  const raw = isMap(text) ? text['envoy-gateway.yaml'] : undefined;
  if (typeof raw !== 'string') return undefined;
  let cfg: unknown;
  try {
    cfg = parse(raw);
  } catch {
    return undefined;
  }
  if (!isMap(cfg)) return undefined;
  const ctl = stringAt(cfg, 'gateway.controllerName') ?? ENVOY_GATEWAY_CONTROLLER;
  return { ctl, ...(stringAt(cfg, 'provider.kubernetes.deploy.type') === 'GatewayNamespace' ? { gwns: true as const } : {}) };
}

/** What the rule reads of one object (`project` of ROUTE_REACH). */
export function routeReachProjection(obj: JsonMap, ref: ObjectRef, group: string): RouteReachProjection | undefined {
  if (group === GATEWAY_API && ROUTE_KINDS.has(ref.kind)) {
    const own = ref.namespace ?? '';
    const parents = listAt(obj, 'spec.parentRefs').filter(isMap).flatMap((p) => {
      if ((stringAt(p, 'group') ?? GATEWAY_API) !== GATEWAY_API || (stringAt(p, 'kind') ?? 'Gateway') !== 'Gateway') return [];
      const name = stringAt(p, 'name');
      return name === undefined ? [] : [`${stringAt(p, 'namespace') ?? own}/${name}`];
    });
    const refs: RouteBackend[] = [];
    listAt(obj, 'spec.rules').forEach((rule, i) => listAt(rule, 'backendRefs').forEach((r, j) => {
      if (!isMap(r) || (stringAt(r, 'group') ?? '') !== '' || (stringAt(r, 'kind') ?? 'Service') !== 'Service') return;
      const name = stringAt(r, 'name');
      if (name === undefined) return;
      const ns = stringAt(r, 'namespace');
      const port = valueAt(r, 'port');
      refs.push({ i, j, name, ...(ns !== undefined ? { ns } : {}), ...(typeof port === 'number' ? { port } : {}) });
    }));
    return { rt: { parents: [...new Set(parents)], refs } };
  }
  if (group === GATEWAY_API && ref.kind === 'Gateway') {
    const c = stringAt(obj, 'spec.gatewayClassName');
    if (c === undefined) return undefined;
    const p = mapAt(obj, 'spec.infrastructure.parametersRef');
    const ep = p && stringAt(p, 'group') === ENVOY_API && stringAt(p, 'kind') === 'EnvoyProxy' ? stringAt(p, 'name') : undefined;
    return { gw: { c, ...(ep !== undefined ? { ep } : {}) } };
  }
  if (group === GATEWAY_API && ref.kind === 'GatewayClass') {
    const ctl = stringAt(obj, 'spec.controllerName');
    if (ctl === undefined) return undefined;
    const p = mapAt(obj, 'spec.parametersRef');
    const name = p && stringAt(p, 'group') === ENVOY_API && stringAt(p, 'kind') === 'EnvoyProxy' ? stringAt(p, 'name') : undefined;
    const ns = p ? stringAt(p, 'namespace') : undefined;
    return { gc: { ctl, ...(name !== undefined && ns !== undefined ? { ep: `${ns}/${name}` } : {}) } };
  }
  if (group === ENVOY_API && ref.kind === 'EnvoyProxy') {
    return { ep: stringMapAt(obj, 'spec.provider.kubernetes.envoyDeployment.pod.labels') ?? {} };
  }
  if (group === '' && ref.kind === 'ConfigMap' && ref.name === 'envoy-gateway-config') {
    const eg = readEnvoyGatewayConfig(obj);
    return eg ? { eg } : undefined;
  }
  const p = reachProjection(obj, ref, group);
  if (!p || p.prom || p.mon) return undefined;
  return p;
}

/** The Envoy proxies of one Gateway: their namespace and labels. */
export interface Proxies {
  readonly gateway: string;
  readonly namespace: string;
  readonly labels: Labels;
}

/** What the join knows of the Envoy Gateway objects: the controller's namespace and config, classes, EnvoyProxies. */
export interface GatewayWorld {
  readonly gateways: ReadonlyMap<string, { readonly c: string; readonly ep?: string }>;
  readonly classes: ReadonlyMap<string, { readonly ctl: string; readonly ep?: string }>;
  readonly proxies: ReadonlyMap<string, Labels>;
  /** The config (first rendered) and its namespace. @default - none: the defaults */
  readonly config?: { readonly ns: string; readonly ctl: string; readonly gwns?: true };
}

/** The proxies of Gateway `namespace/name` when Envoy Gateway serves it (its class's controller is Envoy Gateway's), else undefined. */
export function proxiesOf(key: string, world: GatewayWorld): Proxies | undefined {
  const gw = world.gateways.get(key);
  if (!gw) return undefined;
  const gc = world.classes.get(gw.c);
  if (!gc || gc.ctl !== (world.config?.ctl ?? ENVOY_GATEWAY_CONTROLLER)) return undefined;
  const [ns, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
  const ep = gw.ep !== undefined ? world.proxies.get(`${ns}/${gw.ep}`) : gc.ep !== undefined ? world.proxies.get(gc.ep) : undefined;
  const namespace = world.config?.gwns ? ns : world.config?.ns ?? ENVOY_GATEWAY_NAMESPACE;
  return { gateway: key, namespace, labels: proxyPodLabels(ns, name, ep) };
}

/** The Service port a backendRef's port names (by port number). */
export const backendServicePort = (svc: ServiceProjection, port: number): ServicePortProjection | undefined => svc.ports.find((p) => p.port === port);

const PROXY_PODS = 'app.kubernetes.io/name=envoy,app.kubernetes.io/component=proxy';
const policyNames = (v: Verdict): string => v.isolating.map((p) => p.name).join(', ');

/** The finding for one backend the proxies cannot reach (ingress and/or egress denied). */
export function routeReachMessage(a: {
  route: ObjectRef; at: string; service: string; servicePort: number; workload: ObjectRef; port: TargetPort; proxies: Proxies; targetSelector: string; ingress: Verdict; egress: Verdict;
}): string {
  const ns = a.workload.namespace ?? '';
  const pns = a.proxies.namespace;
  const port = `TCP ${a.port.number}${a.port.name !== undefined ? ` ("${a.port.name}")` : ''}`;
  const why: string[] = [];
  if (!a.ingress.allowed) {
    const many = a.ingress.isolating.length > 1;
    why.push(`NetworkPolic${many ? 'ies' : 'y'} ${policyNames(a.ingress)} in ${ns} isolate${many ? '' : 's'} its pods for ingress and none admits the proxies on that port${hasIpBlock(a.ingress.isolating, false) ? ' (an ipBlock is taken to match a pod only when it is 0.0.0.0/0 or ::/0 without except)' : ''}; add a NetworkPolicy in ${ns} selecting ${a.targetSelector} that admits namespace ${pns} pods ${PROXY_PODS} on TCP ${a.port.number}`);
  }
  if (!a.egress.allowed) {
    const many = a.egress.isolating.length > 1;
    why.push(`NetworkPolic${many ? 'ies' : 'y'} ${policyNames(a.egress)} in ${pns} isolate${many ? '' : 's'} the proxies for egress and none lets them out to it${hasIpBlock(a.egress.isolating, true) ? ' (an ipBlock is taken to match a pod only when it is 0.0.0.0/0 or ::/0 without except)' : ''}; add a NetworkPolicy in ${pns} selecting ${PROXY_PODS} with an egress rule to namespace ${ns} pods ${a.targetSelector} on TCP ${a.port.number}`);
  }
  return `${a.route.kind} ${a.route.namespace}/${a.route.name} ${a.at} sends to Service ${ns}/${a.service} port ${a.servicePort}, served by ${a.workload.kind} ${ns}/${a.workload.name} on ${port}, which the Envoy proxies of Gateway ${a.proxies.gateway} (namespace ${pns}) cannot reach: ${why.join('; and ')}`;
}

/**
 * Every route backend the Envoy proxies cannot reach through the NetworkPolicies. A split rule
 * (lib/verify/split-rule.ts): the projections are the routes, Gateways, GatewayClasses,
 * EnvoyProxies, Envoy Gateway's config, Services with a selector, pod templates, policies and
 * Namespaces' labels; the join looks Services up by name, indexes pod templates by namespace and
 * label and policies by namespace and their podSelector's rarest label (monitor-rules.ts), so a
 * backend looks only at the pods its Service can select and a pod only at the policies that can
 * select it.
 */
export const ROUTE_REACH: SplitRule<RouteReachProjection, 'verify/route-reach'> = {
  id: 'verify/route-reach',
  key: 'rreach',
  project: ({ obj, ref, group }: Subject) => (inScope(ref.file) ? routeReachProjection(obj, ref, group) : undefined),
  join(entries, _tree, report) {
    const routes: Row<RouteProjection, RouteReachProjection>[] = [];
    const gateways = new Map<string, { c: string; ep?: string }>();
    const classes = new Map<string, { ctl: string; ep?: string }>();
    const proxies = new Map<string, Labels>();
    let config: GatewayWorld['config'];
    const nsLabels = new Map<string, Labels>();
    const services = new Map<string, ServiceProjection>();
    const pods = new Map<string, LabelIndex<PodProjection, RouteReachProjection>>();
    const policies = new Map<string, PolicyIndex>();
    const first = <V>(map: Map<string, V>, key: string, v: V): void => {
      if (!map.has(key)) map.set(key, v);
    };
    entries.forEach((e, i) => {
      const p = e.p;
      if (!p) return;
      const ns = e.ref.namespace;
      if (p.nsl) return first(nsLabels, e.ref.name, p.nsl);
      if (p.gc) return first(classes, e.ref.name, p.gc);
      if (ns === undefined) return;
      if (p.rt) routes.push({ i, e, v: p.rt });
      else if (p.gw) first(gateways, `${ns}/${e.ref.name}`, p.gw);
      else if (p.ep) first(proxies, `${ns}/${e.ref.name}`, p.ep);
      else if (p.eg) config ??= { ns, ...p.eg };
      else if (p.np) perNamespace(policies, ns, () => new PolicyIndex()).add({ i, e, v: p.np });
      else if (p.svc) first(services, `${ns}/${e.ref.name}`, p.svc);
      else if (p.pod) perNamespace(pods, ns, () => new LabelIndex<PodProjection, RouteReachProjection>()).add({ i, e, v: p.pod }, p.pod.l);
    });
    if (!routes.length || !gateways.size) return;
    const world: GatewayWorld = { gateways, classes, proxies, ...(config ? { config } : {}) };
    const labelsOf = namespaceLabelsOf(nsLabels);
    const noPolicies = new PolicyIndex();
    // The proxies of each parent Gateway, as the source of the connections, with the policies that may isolate them for egress (once per Gateway).
    const sources = new Map<string, { px: Proxies; source: PodRef; egress: readonly Policy[] } | undefined>();
    const sourceOf = (parent: string) => {
      if (sources.has(parent)) return sources.get(parent);
      const px = proxiesOf(parent, world);
      const made = px && { px, source: { namespace: px.namespace, labels: px.labels, namespaceLabels: labelsOf(px.namespace) }, egress: (policies.get(px.namespace) ?? noPolicies).candidates(px.labels) };
      sources.set(parent, made);
      return made;
    };
    for (const r of routes) {
      const routeNs = r.e.ref.namespace!;
      const seen = new Set<string>();
      for (const parent of r.v.parents) {
        const from = sourceOf(parent);
        if (!from) continue;
        const { px, source } = from;
        for (const b of r.v.refs) {
          if (b.port === undefined) continue;
          const ns = b.ns ?? routeNs;
          const svc = services.get(`${ns}/${b.name}`);
          const sp = svc && backendServicePort(svc, b.port);
          if (!svc || !sp) continue;
          const nsPolicies = policies.get(ns) ?? noPolicies;
          const selector = Object.entries(svc.sel);
          for (const pod of pods.get(ns)?.candidates(svc.sel) ?? []) {
            if (pod.v.host || !selector.every(([k, v]) => pod.v.l[k] === v)) continue;
            for (const port of servicePortTargets(sp, pod.v)) {
              const key = `${px.namespace}/${px.gateway}:${pod.i}:${port.number}`;
              if (seen.has(key)) continue;
              seen.add(key);
              const refused = refusedReach(nsPolicies, from.egress, source, { namespace: ns, labels: pod.v.l, namespaceLabels: labelsOf(ns) }, port);
              if (!refused) continue;
              report(r.e.ref, routeReachMessage({
                route: r.e.ref, at: `spec.rules[${b.i}].backendRefs[${b.j}]`, service: b.name, servicePort: b.port, workload: pod.e.ref, port, proxies: px, targetSelector: selectorText({ matchLabels: svc.sel }), ...refused,
              }));
            }
          }
        }
      }
    }
  },
};
