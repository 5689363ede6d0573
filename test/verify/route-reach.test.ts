// verify/route-reach (lib/verify/route-reach-rules.ts): the NetworkPolicies let Envoy Gateway's
// proxy pods reach every backend Service of the routes on its Gateways (lib/k8s/network-policy.ts semantics).
import { readFactsFile } from '../../lib/facts/facts';
import type { JsonMap } from '../../lib/k8s/manifest';
import { loadTree } from '../../lib/k8s/tree';
import { fixtureTree, gatewayRoute } from '../../lib/verify/rule-fixtures';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { treeOf } from '../../lib/verify/tree-of';
import { VERIFY_RULES } from '../../lib/verify/verify-rules';
import { REPO } from '../helpers';

const registry = new SchemaRegistry();
const RULE = VERIFY_RULES.find((r) => r.id === 'verify/route-reach')!;

const ROUTE = 'dist/workloads/whiteboard/httproute-whiteboard.yaml';
const FROM_GATEWAY = 'dist/workloads/whiteboard/networkpolicy-whiteboard-from-gateway.yaml';
const app = { 'app.kubernetes.io/name': 'whiteboard' };
const policy = (name: string, ns: string, spec: JsonMap): JsonMap => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec });
const fromProxies = (podSelector: JsonMap, port: unknown = 'http') => policy('whiteboard-from-gateway', 'prod', {
  podSelector: { matchLabels: app }, policyTypes: ['Ingress'],
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } }, podSelector: { matchLabels: podSelector } }], ports: [{ protocol: 'TCP', port }] }],
});

/** The rule's findings over the rule fixture (default deny in prod, no allow) with files replaced or added (null: removed). */
function findings(changes: { [file: string]: JsonMap[] | null } = {}): string[] {
  const files: { [file: string]: JsonMap[] } = { ...gatewayRoute(false).files } as { [file: string]: JsonMap[] };
  for (const [f, v] of Object.entries(changes)) {
    if (v === null) delete files[f];
    else files[f] = v;
  }
  return RULE.check(fixtureTree({ files }, registry)).map((f) => f.message);
}
const route = (spec: JsonMap, kind = 'HTTPRoute', apiVersion = 'gateway.networking.k8s.io/v1'): JsonMap[] => [{ apiVersion, kind, metadata: { name: 'whiteboard', namespace: 'prod' }, spec }];
const PARENT = { name: 'platform', namespace: 'envoy-gateway-system' };

describe('verify/route-reach', () => {
  test('GIVEN the committed render WHEN checked THEN every route backend on the shared gateway is reachable from the Envoy proxies', () => {
    expect(RULE.check(treeOf(loadTree(REPO), { root: REPO, registry, facts: readFactsFile(REPO).facts }))).toEqual([]);
  });

  test('GIVEN the committed render without whiteboard-from-gateway WHEN checked THEN the whiteboard route is found, naming the backend, the Deployment, the port, prod\'s default deny and the allow to add', () => {
    const loaded = loadTree(REPO);
    const objects = loaded.objects.filter((o) => o.file !== FROM_GATEWAY);
    expect(objects.length).toBe(loaded.objects.length - 1);
    const found = RULE.check(treeOf({ ...loaded, files: loaded.files.filter((f) => f !== FROM_GATEWAY), objects }, { root: REPO, registry, facts: readFactsFile(REPO).facts }));
    expect(found.map((f) => [f.rule, f.file, f.object])).toEqual([['verify/route-reach', ROUTE, 'gateway.networking.k8s.io/v1 HTTPRoute prod/whiteboard']]);
    expect(found[0].message).toMatch(/^HTTPRoute prod\/whiteboard spec\.rules\[0\]\.backendRefs\[0\] sends to Service prod\/whiteboard port 8080, served by Deployment prod\/whiteboard on TCP 8080 \("http"\), which the Envoy proxies of Gateway envoy-gateway-system\/platform \(namespace envoy-gateway-system\) cannot reach: NetworkPolic(y|ies) .*default-deny.* in prod isolates? its pods for ingress and none admits the proxies on that port; add a NetworkPolicy in prod selecting app\.kubernetes\.io\/name=whiteboard that admits namespace envoy-gateway-system pods app\.kubernetes\.io\/name=envoy,app\.kubernetes\.io\/component=proxy on TCP 8080$/);
  });

  test('GIVEN an app namespace\'s default deny WHEN no policy admits the proxies THEN the route is found; the from-gateway allow on the named port or its number passes, one on another port does not', () => {
    expect(findings()).toEqual([
      'HTTPRoute prod/whiteboard spec.rules[0].backendRefs[0] sends to Service prod/whiteboard port 8080, served by Deployment prod/whiteboard on TCP 8080 ("http"), which the Envoy proxies of Gateway envoy-gateway-system/platform (namespace envoy-gateway-system) cannot reach: '
      + 'NetworkPolicy default-deny in prod isolates its pods for ingress and none admits the proxies on that port; '
      + 'add a NetworkPolicy in prod selecting app.kubernetes.io/name=whiteboard that admits namespace envoy-gateway-system pods app.kubernetes.io/name=envoy,app.kubernetes.io/component=proxy on TCP 8080',
    ]);
    const proxies = { 'app.kubernetes.io/name': 'envoy', 'app.kubernetes.io/component': 'proxy' };
    expect(RULE.check(fixtureTree(gatewayRoute(true), registry))).toEqual([]);
    expect(findings({ [FROM_GATEWAY]: [fromProxies(proxies, 8080)] })).toEqual([]);
    expect(findings({ [FROM_GATEWAY]: [fromProxies(proxies, 9090)] })[0]).toContain('NetworkPolicies default-deny, whiteboard-from-gateway in prod isolate its pods for ingress');
    // Proxies of the Gateway are admitted by their owning-gateway labels; another Gateway's are not.
    expect(findings({ [FROM_GATEWAY]: [fromProxies({ 'gateway.envoyproxy.io/owning-gateway-name': 'platform', 'gateway.envoyproxy.io/owning-gateway-namespace': 'envoy-gateway-system' })] })).toEqual([]);
    expect(findings({ [FROM_GATEWAY]: [fromProxies({ 'gateway.envoyproxy.io/owning-gateway-name': 'internal' })] })).toHaveLength(1);
  });

  test('GIVEN an EnvoyProxy with pod labels WHEN the GatewayClass or the Gateway names it THEN the proxies carry them (an allow on them passes)', () => {
    const envoyProxy = (name: string): JsonMap[] => [{ apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyProxy', metadata: { name, namespace: 'envoy-gateway-system' }, spec: { provider: { type: 'Kubernetes', kubernetes: { envoyDeployment: { pod: { labels: { team: 'edge' } } } } } } }];
    const allow = { [FROM_GATEWAY]: [fromProxies({ team: 'edge' })], 'dist/gateway/envoyproxy-p.yaml': envoyProxy('p') };
    const klass = (parametersRef?: JsonMap): JsonMap[] => [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'envoy' }, spec: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller', ...(parametersRef ? { parametersRef } : {}) } }];
    expect(findings(allow)).toHaveLength(1);
    expect(findings({ ...allow, 'dist/gateway/gatewayclass-envoy.yaml': klass({ group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'p', namespace: 'envoy-gateway-system' }) })).toEqual([]);
    const gateway: JsonMap[] = [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'platform', namespace: 'envoy-gateway-system' }, spec: { gatewayClassName: 'envoy', infrastructure: { parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'p' } }, listeners: [] } }];
    expect(findings({ ...allow, 'dist/gateway/gateway-platform.yaml': gateway })).toEqual([]);
  });

  test('GIVEN a policy isolating the proxies for egress WHEN it allows no way to the backend THEN it is found, with the egress rule to add; an egress rule to prod on the port passes', () => {
    const out = (egress: JsonMap[]) => policy('proxies-out', 'envoy-gateway-system', { podSelector: { matchLabels: { 'app.kubernetes.io/component': 'proxy' } }, policyTypes: ['Egress'], egress });
    const allowed = { [FROM_GATEWAY]: gatewayRoute(true).files[FROM_GATEWAY] as JsonMap[] };
    expect(findings({ ...allowed, 'dist/gateway/networkpolicy-proxies-out.yaml': [out([{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }] }])] })).toEqual([
      'HTTPRoute prod/whiteboard spec.rules[0].backendRefs[0] sends to Service prod/whiteboard port 8080, served by Deployment prod/whiteboard on TCP 8080 ("http"), which the Envoy proxies of Gateway envoy-gateway-system/platform (namespace envoy-gateway-system) cannot reach: '
      + 'NetworkPolicy proxies-out in envoy-gateway-system isolates the proxies for egress and none lets them out to it; '
      + 'add a NetworkPolicy in envoy-gateway-system selecting app.kubernetes.io/name=envoy,app.kubernetes.io/component=proxy with an egress rule to namespace prod pods app.kubernetes.io/name=whiteboard on TCP 8080',
    ]);
    expect(findings({ ...allowed, 'dist/gateway/networkpolicy-proxies-out.yaml': [out([{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'prod' } } }], ports: [{ port: 8080 }] }])] })).toEqual([]);
  });

  test('GIVEN two routes on one Gateway WHEN the proxies\' egress is denied THEN each route is found with the same proxies and policies (the Gateway\'s proxies are worked out once for both)', () => {
    const out = policy('proxies-out', 'envoy-gateway-system', { podSelector: { matchLabels: { 'app.kubernetes.io/component': 'proxy' } }, policyTypes: ['Egress'], egress: [] });
    const allowed = { [FROM_GATEWAY]: gatewayRoute(true).files[FROM_GATEWAY] as JsonMap[] };
    const first = (gatewayRoute(true).files[ROUTE] as JsonMap[])[0];
    const second = { ...first, metadata: { ...(first.metadata as JsonMap), name: 'whiteboard-2' } };
    const found = findings({ ...allowed, 'dist/gateway/networkpolicy-proxies-out.yaml': [out], 'dist/workloads/whiteboard/httproute-whiteboard-2.yaml': [second] });
    expect(found).toHaveLength(2);
    const normal = found.map((m) => m.replace(/^HTTPRoute prod\/whiteboard(-2)? /, 'HTTPRoute prod/R '));
    expect(normal[1]).toBe(normal[0]);
    expect(normal[0]).toContain('NetworkPolicy proxies-out in envoy-gateway-system isolates the proxies for egress');
    // Findings come by file: httproute-whiteboard-2.yaml sorts before httproute-whiteboard.yaml.
    expect(found.map((m) => m.split(' ')[1])).toEqual(['prod/whiteboard-2', 'prod/whiteboard']);
  });

  test('GIVEN Envoy Gateway\'s config WHEN it deploys proxies in the Gateway\'s namespace or names another controller THEN the proxies\' namespace or the served classes follow it', () => {
    const config = (yaml: string, ns = 'envoy-gateway-system'): JsonMap[] => [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'envoy-gateway-config', namespace: ns }, data: { 'envoy-gateway.yaml': yaml } }];
    const allowed = { [FROM_GATEWAY]: gatewayRoute(true).files[FROM_GATEWAY] as JsonMap[] };
    const gwns = findings({ ...allowed, 'dist/gateway/configmap-envoy-gateway-config.yaml': config('provider:\n  type: Kubernetes\n  kubernetes:\n    deploy:\n      type: GatewayNamespace\n', 'eg') });
    // The controller runs in eg; with GatewayNamespace the proxies run beside the Gateway (envoy-gateway-system), which the allow admits; without it, in eg, which it does not.
    expect(gwns).toEqual([]);
    const other = findings({ ...allowed, 'dist/gateway/configmap-envoy-gateway-config.yaml': config('provider:\n  type: Kubernetes\n', 'eg') });
    expect(other[0]).toContain('(namespace eg)');
    expect(findings({ 'dist/gateway/configmap-envoy-gateway-config.yaml': config('gateway:\n  controllerName: example.com/other\n') })).toEqual([]);
  });

  test('GIVEN what the rule skips WHEN the backend is denied THEN nothing is reported: another GatewayClass\'s Gateway, a parentRef to no rendered Gateway, a backend that is not a Service, a Service without a selector, a host-network pod', () => {
    const other: JsonMap[] = [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'envoy' }, spec: { controllerName: 'example.com/other' } }];
    expect(findings({ 'dist/gateway/gatewayclass-envoy.yaml': other })).toEqual([]);
    expect(findings({ [ROUTE]: route({ parentRefs: [{ name: 'elsewhere', namespace: 'envoy-gateway-system' }], rules: [{ backendRefs: [{ name: 'whiteboard', port: 8080 }] }] }) })).toEqual([]);
    expect(findings({ [ROUTE]: route({ parentRefs: [PARENT], rules: [{ backendRefs: [{ group: 'gateway.envoyproxy.io', kind: 'Backend', name: 'whiteboard', port: 8080 }] }] }) })).toEqual([]);
    expect(findings({ 'dist/workloads/whiteboard/service-whiteboard.yaml': [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'whiteboard', namespace: 'prod' }, spec: { ports: [{ port: 8080 }] } }] })).toEqual([]);
    const hostNetwork: JsonMap = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'whiteboard', namespace: 'prod' },
      spec: { selector: { matchLabels: app }, template: { metadata: { labels: app }, spec: { hostNetwork: true, containers: [{ name: 'w', image: 'w', ports: [{ name: 'http', containerPort: 8080 }] }] } } },
    };
    expect(findings({ 'dist/workloads/whiteboard/deployment-whiteboard.yaml': [hostNetwork] })).toEqual([]);
  });

  test('GIVEN a TCPRoute and a GRPCRoute WHEN their backend\'s targetPort is a number THEN the container port of that number is checked', () => {
    const svc: JsonMap[] = [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'whiteboard', namespace: 'prod' }, spec: { selector: app, ports: [{ port: 5432, targetPort: 8080 }] } }];
    const tcp = findings({ 'dist/workloads/whiteboard/service-whiteboard.yaml': svc, [ROUTE]: route({ parentRefs: [PARENT], rules: [{ backendRefs: [{ name: 'whiteboard', port: 5432 }] }] }, 'TCPRoute', 'gateway.networking.k8s.io/v1alpha2') });
    expect(tcp).toHaveLength(1);
    expect(tcp[0]).toMatch(/^TCPRoute prod\/whiteboard spec\.rules\[0\]\.backendRefs\[0\] sends to Service prod\/whiteboard port 5432, served by Deployment prod\/whiteboard on TCP 8080 \("http"\)/);
    const grpc = findings({ [ROUTE]: route({ parentRefs: [PARENT], rules: [{ backendRefs: [{ name: 'whiteboard', port: 8080 }] }] }, 'GRPCRoute') });
    expect(grpc[0]).toMatch(/^GRPCRoute prod\/whiteboard /);
  });
});
