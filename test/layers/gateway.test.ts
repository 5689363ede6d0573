import { parse } from 'yaml';
import { ANNOTATIONS } from '../../lib/gitops/argocd';
import { haproxyConfig, haproxyTable } from '../../lib/hosts/haproxy-config';
import { loadManifests } from '../../lib/k8s/manifest-yaml';
import { shippedRender } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const rendered = shippedRender();

describe('gateway layer', () => {
  const files = new Map(rendered.map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => parse(files.get(p)!);
  const objects = rendered.filter((f) => f.path.startsWith('dist/gateway/')).flatMap((f) => loadManifests(f.content, f.path) as Obj[]);
  const find = (kind: string, name: string): Obj => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`dist/gateway has no ${kind}/${name}`);
    return o;
  };
  const controller = find('Deployment', 'envoy-gateway');

  test('GIVEN the Envoy Gateway chart WHEN rendered THEN it installs the Gateway API and Envoy Gateway CRDs, server-side and never pruned, and the controller provides both', () => {
    const groups = [...new Set(objects.filter((o) => o.kind === 'CustomResourceDefinition').map((c) => c.spec.group))].sort();
    expect(groups).toEqual(['gateway.envoyproxy.io', 'gateway.networking.k8s.io', 'gateway.networking.x-k8s.io']);
    for (const c of objects.filter((o) => o.kind === 'CustomResourceDefinition')) expect(c.metadata.annotations[ANNOTATIONS.syncOptions]).toContain('ServerSideApply=true');
    expect(controller.metadata.annotations[ANNOTATIONS.providesApis]).toBe('gateway.networking.k8s.io/*,gateway.envoyproxy.io/*');
  });

  test('GIVEN the controller is leader-elected WHEN rendered THEN two replicas run on two nodes, a drain evicts at most one and an update starts a new pod first, each revision spread on its own', () => {
    expect(controller.spec.replicas).toBe(2);
    expect(controller.spec.template.spec.topologySpreadConstraints).toEqual([{
      maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { 'control-plane': 'envoy-gateway' } }, matchLabelKeys: ['pod-template-hash'],
    }]);
    expect(find('PodDisruptionBudget', 'envoy-gateway').spec).toEqual({ minAvailable: 1, selector: { matchLabels: controller.spec.selector.matchLabels } });
    // Kubernetes' default (a surge pod first): with each revision counted on its own the surge pod has a worker beside an old pod while another is down (ha/rollout).
    expect(controller.spec.strategy).toBeUndefined();
  });

  test('GIVEN the controller WHEN rendered THEN it has probes, the chart\'s resources, and runs non-root, read-only, without privileges', () => {
    const c = controller.spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 8081 });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 8081 });
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1024Mi' } });
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
  });

  test('GIVEN the certgen Job WHEN rendered THEN it runs before each sync as an Argo CD hook, with resources, non-root and read-only', () => {
    const job = find('Job', 'envoy-gateway-gateway-helm-certgen');
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('PreSync');
    expect(job.metadata.annotations['helm.sh/hook']).toBeUndefined();
    const c = job.spec.template.spec.containers[0];
    expect(c.resources).toEqual({ requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  });

  test('GIVEN a site of one zone WHEN rendered THEN the zone-labelling webhook is off: no webhook configuration (a PreSync hook Argo CD would recreate without its CA bundle on every sync), the controller told so, and no right to patch pods', () => {
    expect(objects.filter((o) => /WebhookConfiguration$/.test(o.kind) && /topology/.test(o.metadata.name))).toEqual([]);
    expect(parse(find('ConfigMap', 'envoy-gateway-config').data['envoy-gateway.yaml']).proxyTopologyInjector).toEqual({ disabled: true });
    const role = find('ClusterRole', 'envoy-gateway-gateway-helm-envoy-gateway-role');
    expect(role.rules.filter((r: Obj) => (r.resources ?? []).includes('pods') && (r.verbs ?? []).includes('patch'))).toEqual([]);
  });

  test('GIVEN the proxies WHEN rendered THEN two or more run one per node behind the fixed MetalLB gateway address, a new proxy first, each revision spread on its own', () => {
    const proxy = obj('dist/gateway/envoyproxy-platform-proxy.yaml').spec.provider.kubernetes;
    expect(proxy.envoyDeployment.replicas).toBeGreaterThanOrEqual(2);
    expect(proxy.envoyDeployment.pod.topologySpreadConstraints[0]).toMatchObject({ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' });
    expect(proxy.envoyDeployment.pod.topologySpreadConstraints[0].matchLabelKeys).toContain('pod-template-hash');
    // Envoy Gateway's default (Kubernetes' 25%: a surge proxy first), which the revision-counted spread lets finish while a worker is down (ha/rollout, which reads the declared default).
    expect(proxy.envoyDeployment.strategy).toBeUndefined();
    expect(proxy.envoyPDB).toEqual({ minAvailable: 1 });
    expect(proxy.envoyService).toEqual({ type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', annotations: { 'metallb.io/loadBalancerIPs': '10.251.51.200' } });
  });

  test('GIVEN the class and the gateway WHEN rendered THEN one HTTP listener on port 80 takes routes from every namespace', () => {
    expect(obj('dist/gateway/gatewayclass-envoy.yaml').spec).toEqual({
      controllerName: 'gateway.envoyproxy.io/gatewayclass-controller',
      parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'platform-proxy', namespace: 'envoy-gateway-system' },
    });
    expect(obj('dist/gateway/gateway-platform.yaml').spec).toEqual({
      gatewayClassName: 'envoy',
      listeners: [{ name: 'http', protocol: 'HTTP', port: 80, allowedRoutes: { namespaces: { from: 'All' } } }],
    });
  });

  test('GIVEN HAProxy in front WHEN the gateway is rendered THEN Envoy trusts exactly one forwarding hop, so apps see https and the client address', () => {
    const policy = obj('dist/gateway/clienttrafficpolicy-trust-haproxy.yaml');
    expect(policy.spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'platform' }],
      clientIPDetection: { xForwardedFor: { numTrustedHops: 1 } },
    });
  });

  test('GIVEN the gateway takes its address from MetalLB WHEN the app of apps is rendered THEN the gateway layer syncs after metallb', () => {
    const app = obj('dist/apps/application-gateway.yaml');
    expect(app.metadata.annotations['platform.tsys/depends-on']).toBe('metallb');
    expect(Number(app.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBeGreaterThan(Number(obj('dist/apps/application-metallb.yaml').metadata.annotations['argocd.argoproj.io/sync-wave']));
  });
});

describe('HAProxy entries', () => {
  const http = [
    { host: 'rancher.turnsys.com', layer: 'rancher', description: 'Rancher', address: '10.251.51.200', port: 80 },
    { host: 'argocd.turnsys.com', layer: 'argocd', description: 'Argo CD', address: '10.251.51.200', port: 80 },
  ];
  const tcp = [{ name: 'mqtt-bridge', layer: 'apps', description: 'MQTT', address: '10.251.51.221', port: 1883 }];

  test('GIVEN published hosts and a TCP service WHEN rendered THEN haproxy.cfg routes each host to the gateway and each port to its address', () => {
    const cfg = haproxyConfig(http, tcp, 'turnsys.com');
    expect(cfg).toContain('    acl host_argocd_turnsys_com hdr(host) -i argocd.turnsys.com\n    use_backend k8s_gateway_10_251_51_200_80 if host_argocd_turnsys_com\n');
    expect(cfg).toContain('    acl host_rancher_turnsys_com hdr(host) -i rancher.turnsys.com\n');
    expect(cfg.match(/^backend k8s_gateway_/gm)).toHaveLength(1);
    expect(cfg).toContain('    server gateway 10.251.51.200:80 check\n');
    expect(cfg).toContain('frontend tcp_mqtt_bridge\n    mode tcp\n    bind :1883\n    default_backend tcp_mqtt_bridge\n');
    expect(cfg).toContain('    server mqtt_bridge 10.251.51.221:1883 check\n');
    // Hosts are sorted: the output does not depend on construction order.
    expect(cfg.indexOf('argocd.turnsys.com')).toBeLessThan(cfg.indexOf('rancher.turnsys.com'));
    expect(haproxyConfig([...http].reverse(), tcp, 'turnsys.com')).toBe(cfg);
  });

  test('GIVEN the same entries WHEN tabled THEN people read host, target, layer and purpose', () => {
    const table = haproxyTable(http, []);
    expect(table).toContain('| argocd.turnsys.com | 10.251.51.200:80 | argocd | Argo CD |');
    expect(table).toContain('None yet.');
  });

  test('GIVEN the shipped site WHEN rendered THEN dist/hosts/haproxy holds the config and the table', () => {
    const paths = rendered.map((f) => f.path);
    expect(paths).toContain('dist/hosts/haproxy/haproxy.cfg');
    expect(paths).toContain('dist/hosts/haproxy/README.md');
  });
});
