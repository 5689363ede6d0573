import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import type { AppSpec } from '../../lib/config/app-schema';
import { ConfigError, formatIssue } from '../../lib/config/errors';
import { parseApp } from '../../lib/config/load-apps';
import { LAYER_NEEDS } from '../../lib/layers';
import { LOCK_FILE, parseLock } from '../../lib/paas/lock';
import { WebApp } from '../../lib/paas/web-app';
import { WorkloadChart } from '../../lib/paas/workload-chart';
import { buildPlatform } from '../../lib/platform';
import { renderSite, synth } from '../../lib/synth';
import { verifyTree } from '../../lib/verify/verify';
import { shippedSite, snapshotTree, withSynthesizedApps } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const site = shippedSite();

/** Sample apps covering every strategy, autoscaling, volumes, TCP exposure and DBaaS bindings. */
export const SAMPLE_APPS: Record<string, string> = {
  wiki: [
    'environment: prod', 'image: registry.turnsys.com/tsys/wiki:1.4.2', 'replicas: 3',
    'strategy: { type: rolling, maxSurge: 1, maxUnavailable: 0 }',
    'ports: [ { name: http, port: 8080 }, { name: metrics, port: 9090 } ]',
    'health: { path: /healthz, startupSeconds: 30 }',
    'env: { LOG_LEVEL: info }', 'secrets: { SESSION_KEY: "bitwarden:wiki-session#password" }',
    'databases: [ { engine: postgresql } , { engine: redis, envPrefix: CACHE, credentials: "bitwarden:wiki-redis" } ]',
    'volumes: [ { name: uploads, mountPath: /srv/uploads, size: 5Gi, accessMode: ReadWriteMany } ]',
    'expose: { http: { host: wiki.turnsys.com } }',
    'metrics: { port: metrics }',
  ].join('\n'),
  ledger: [
    'environment: uat', 'image: registry.turnsys.com/tsys/ledger@sha256:' + 'a'.repeat(64), 'replicas: 1',
    'singleton: the ledger holds an exclusive file lock on its journal', 'strategy: { type: recreate }',
    'ports: [ { name: api, port: 7000 } ]', 'health: { startupSeconds: 10 }',
    'volumes: [ { name: journal, mountPath: /var/lib/ledger, size: 2Gi } ]',
  ].join('\n'),
  shop: [
    'environment: prod', 'image: registry.turnsys.com/tsys/shop:2.0.0',
    'strategy: { type: blueGreen, scaleDownDelaySeconds: 60 }',
    'ports: [ { name: http, port: 8080 } ]', 'health: { path: /ready }',
    'autoscaling: { min: 2, max: 6, cpuTarget: 60 }',
    'expose: { http: { host: shop.turnsys.com } }',
  ].join('\n'),
  preview: [
    'environment: sit', 'image: registry.turnsys.com/tsys/shop:2.1.0-rc1',
    'strategy: { type: blueGreen }', 'ports: [ { name: http, port: 8080 } ]',
  ].join('\n'),
  broker: [
    'environment: prod', 'image: eclipse-mosquitto:2.0.22', 'replicas: 2',
    'strategy: { type: canary, steps: [ { setWeight: 25 }, { pause: { duration: 300 } }, { setWeight: 50 }, { pause: {} } ] }',
    'ports: [ { name: mqtt, port: 1883 }, { name: ws, port: 9001 } ]',
    'expose: { tcp: [ { port: mqtt }, { port: ws, externalPort: 8443 } ] }',
  ].join('\n'),
};

function specs(names: readonly string[] = Object.keys(SAMPLE_APPS)): AppSpec[] {
  return [...names].sort().map((n) => parseApp(SAMPLE_APPS[n], `apps/${n}.yaml`, site));
}

describe('WebApp', () => {
  const files = new Map(renderSite(site, undefined, specs()).map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => {
    const text = files.get(p);
    if (text === undefined) throw new Error(`${p} was not rendered; rendered: ${[...files.keys()].filter((k) => k.includes('workloads')).join(', ')}`);
    return parse(text);
  };
  const app = (name: string) => [...files.keys()].filter((k) => k.startsWith(`dist/workloads/${name}/`)).map((k) => path.posix.basename(k)).sort();
  const container = (o: Obj) => o.spec.template.spec.containers[0];

  test('GIVEN a rolling app WHEN rendered THEN a Deployment with its surge settings, spread hard over the 3 app nodes, a PDB, probes and resources', () => {
    expect(app('wiki')).toEqual([
      'deployment-wiki.yaml', 'externalsecret-wiki-env.yaml', 'httproute-wiki.yaml', 'networkpolicy-wiki-from-gateway.yaml', 'networkpolicy-wiki-from-prometheus.yaml',
      'networkpolicy-wiki-to-dbaas.yaml', 'persistentvolumeclaim-wiki-uploads.yaml', 'poddisruptionbudget-wiki.yaml', 'podmonitor-wiki.yaml', 'service-wiki.yaml',
    ]);
    const d = obj('dist/workloads/wiki/deployment-wiki.yaml');
    expect(d.metadata).toEqual({ name: 'wiki', namespace: 'prod', labels: { 'app.kubernetes.io/name': 'wiki', 'app.kubernetes.io/part-of': 'prod' } });
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(d.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'wiki' } });
    expect(d.spec.template.spec.topologySpreadConstraints).toEqual([{
      maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'wiki' } },
      matchLabelKeys: ['pod-template-hash'], nodeTaintsPolicy: 'Honor',
    }]);
    expect(container(d).startupProbe).toEqual({ httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, failureThreshold: 15, timeoutSeconds: 2 });
    expect(container(d).readinessProbe).toEqual({ httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 2 });
    expect(container(d).livenessProbe).toEqual({ httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 });
    expect(container(d).resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    expect(d.spec.template.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 20 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 20 },
    ]);
    expect(obj('dist/workloads/wiki/poddisruptionbudget-wiki.yaml').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'wiki' } } });
  });

  test('GIVEN an app WHEN rendered THEN its pod runs restricted: non-root as its user, no escalation, no capabilities, RuntimeDefault, read-only root with emptyDirs', () => {
    const spec = obj('dist/workloads/wiki/deployment-wiki.yaml').spec.template.spec;
    expect(spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000,
      capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'vol-uploads', mountPath: '/srv/uploads' }, { name: 'scratch-0', mountPath: '/tmp' }]);
    expect(spec.volumes).toEqual([{ name: 'vol-uploads', persistentVolumeClaim: { claimName: 'wiki-uploads' } }, { name: 'scratch-0', emptyDir: {} }]);
  });

  test('GIVEN env, secrets and DBaaS bindings WHEN rendered THEN endpoints are plain variables and every secret comes from the Bitwarden-filled <app>-env', () => {
    const env = container(obj('dist/workloads/wiki/deployment-wiki.yaml')).env;
    const ref = (key: string) => ({ name: key, valueFrom: { secretKeyRef: { name: 'wiki-env', key } } });
    expect(env).toEqual([
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'POSTGRESQL_HOST', value: 'pgsql.dbaas.turnsys.com' }, { name: 'POSTGRESQL_PORT', value: '5432' }, { name: 'POSTGRESQL_NAME', value: 'wiki' },
      { name: 'CACHE_HOST', value: 'redis.dbaas.turnsys.com' }, { name: 'CACHE_PORT', value: '6379' }, { name: 'CACHE_NAME', value: 'wiki' },
      ref('CACHE_PASSWORD'), ref('CACHE_USER'), ref('POSTGRESQL_PASSWORD'), ref('POSTGRESQL_USER'), ref('SESSION_KEY'),
    ]);
    const es = obj('dist/workloads/wiki/externalsecret-wiki-env.yaml');
    expect(es.metadata).toMatchObject({ name: 'wiki-env', namespace: 'prod' });
    expect(es.spec.data).toEqual([
      { secretKey: 'CACHE_PASSWORD', remoteRef: { key: 'wiki-redis', property: 'password' } },
      { secretKey: 'CACHE_USER', remoteRef: { key: 'wiki-redis', property: 'username' } },
      { secretKey: 'POSTGRESQL_PASSWORD', remoteRef: { key: 'app-wiki-postgresql', property: 'password' } },
      { secretKey: 'POSTGRESQL_USER', remoteRef: { key: 'app-wiki-postgresql', property: 'username' } },
      { secretKey: 'SESSION_KEY', remoteRef: { key: 'wiki-session', property: 'password' } },
    ]);
    const docs = files.get('docs/databases.md')!;
    expect(docs).toContain('| postgresql | pgsql.dbaas.turnsys.com:5432 | `wiki` | `bitwarden:app-wiki-postgresql#username` | `bitwarden:app-wiki-postgresql#password` | app wiki (prod) |');
    expect(docs).toContain('| redis | redis.dbaas.turnsys.com:6379 | `wiki` | `bitwarden:wiki-redis#username` | `bitwarden:wiki-redis#password` | app wiki (prod) |');
  });

  test('GIVEN network exposure WHEN rendered THEN the gateway proxies reach the HTTP port, anyone the TCP ports, and egress goes to the DBaaS ports only', () => {
    expect(obj('dist/workloads/wiki/networkpolicy-wiki-from-gateway.yaml').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'wiki' } },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'envoy', 'app.kubernetes.io/component': 'proxy' } } }],
        ports: [{ protocol: 'TCP', port: 'http' }],
      }],
    });
    expect(obj('dist/workloads/wiki/networkpolicy-wiki-to-dbaas.yaml').spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 5432 }, { protocol: 'TCP', port: 6379 }] }]);
    expect(obj('dist/workloads/broker/networkpolicy-broker-from-anywhere.yaml').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'broker' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ protocol: 'TCP', port: 'mqtt' }, { protocol: 'TCP', port: 'ws' }] }],
    });
  });

  test('GIVEN expose.http WHEN rendered THEN an HTTPRoute on the shared gateway for the host and the HAProxy entry to the gateway address', () => {
    const route = obj('dist/workloads/wiki/httproute-wiki.yaml');
    expect(route.metadata).toMatchObject({ name: 'wiki', namespace: 'prod' });
    expect(route.spec).toEqual({
      parentRefs: [{ name: 'platform', namespace: 'envoy-gateway-system', sectionName: 'http' }],
      hostnames: ['wiki.turnsys.com'],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'wiki', port: 8080 }] }],
    });
    expect(files.get('dist/hosts/haproxy/haproxy.cfg')).toContain('    acl host_wiki_turnsys_com hdr(host) -i wiki.turnsys.com\n    use_backend k8s_gateway_10_251_51_200_80 if host_wiki_turnsys_com\n');
    expect(files.get('dist/hosts/haproxy/README.md')).toContain('| wiki.turnsys.com | 10.251.51.200:80 | paas | app wiki (prod) |');
  });

  test('GIVEN a singleton WHEN rendered THEN one replica, Recreate, the singleton annotation, no PDB, no spread, and a 5 s dead-node toleration', () => {
    expect(app('ledger')).toEqual(['deployment-ledger.yaml', 'persistentvolumeclaim-ledger-journal.yaml', 'service-ledger.yaml']);
    const d = obj('dist/workloads/ledger/deployment-ledger.yaml');
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(d.metadata.annotations).toEqual({ 'platform.tsys/singleton': 'the ledger holds an exclusive file lock on its journal' });
    expect(d.spec.template.spec.topologySpreadConstraints).toBeUndefined();
    expect(d.spec.template.spec.tolerations.map((t: Obj) => t.tolerationSeconds)).toEqual([5, 5]);
    expect(container(d).readinessProbe).toEqual({ tcpSocket: { port: 'api' }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 2 });
    expect(obj('dist/workloads/ledger/persistentvolumeclaim-ledger-journal.yaml')).toMatchObject({
      metadata: { name: 'ledger-journal', namespace: 'uat', labels: { 'app.kubernetes.io/name': 'ledger' } },
      spec: { storageClassName: 'longhorn', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
    });
  });

  test('GIVEN blueGreen in prod with autoscaling WHEN rendered THEN a Rollout with active and preview Services, promotion by hand, no fixed replicas, and an HPA on the Rollout', () => {
    // The preview host is behind single sign-on by default (its client Secret and SecurityPolicy).
    expect(app('shop')).toEqual([
      'externalsecret-shop-preview-sso-client.yaml', 'horizontalpodautoscaler-shop.yaml', 'httproute-shop-preview.yaml', 'httproute-shop.yaml', 'networkpolicy-shop-from-gateway.yaml',
      'poddisruptionbudget-shop.yaml', 'rollout-shop.yaml', 'securitypolicy-shop-preview.yaml', 'service-shop-preview.yaml', 'service-shop.yaml',
    ]);
    const r = obj('dist/workloads/shop/rollout-shop.yaml');
    expect(r.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(r.spec.replicas).toBeUndefined();
    expect(r.spec.strategy).toEqual({ blueGreen: { activeService: 'shop', previewService: 'shop-preview', autoPromotionEnabled: false, scaleDownDelaySeconds: 60 } });
    // max 6 pods > 3 app nodes: still a hard spread (2, 2, 2), each revision counted on its own.
    expect(r.spec.template.spec.topologySpreadConstraints[0]).toMatchObject({ whenUnsatisfiable: 'DoNotSchedule', matchLabelKeys: ['rollouts-pod-template-hash'], nodeTaintsPolicy: 'Honor' });
    expect(obj('dist/workloads/shop/horizontalpodautoscaler-shop.yaml').spec).toEqual({
      scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'shop' }, minReplicas: 2, maxReplicas: 6,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
    });
    for (const name of ['shop', 'shop-preview']) {
      expect(obj(`dist/workloads/shop/service-${name}.yaml`).spec).toEqual({ type: 'ClusterIP', selector: { 'app.kubernetes.io/name': 'shop' }, ports: [{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }] });
    }
  });

  test('GIVEN blueGreen outside prod WHEN rendered THEN it promotes itself once ready, unless the spec says otherwise', () => {
    expect(obj('dist/workloads/preview/rollout-preview.yaml').spec.strategy.blueGreen).toEqual({ activeService: 'preview', previewService: 'preview-preview', autoPromotionEnabled: true, scaleDownDelaySeconds: 30 });
    const manual = parseApp(`${SAMPLE_APPS.preview.replace('{ type: blueGreen }', '{ type: blueGreen, autoPromotion: false }')}`, 'apps/preview.yaml', site);
    const r = parse(renderSite(site, undefined, [manual]).find((f) => f.path === 'dist/workloads/preview/rollout-preview.yaml')!.content);
    expect(r.spec.strategy.blueGreen.autoPromotionEnabled).toBe(false);
  });

  test('GIVEN a blueGreen app with expose.http WHEN rendered THEN its preview Service has a route of its own at preview-<app>.<domain> on the shared gateway, and an HAProxy entry', () => {
    const route = obj('dist/workloads/shop/httproute-shop-preview.yaml');
    expect(route.metadata).toMatchObject({ name: 'shop-preview', namespace: 'prod' });
    expect(route.spec).toEqual({
      parentRefs: [{ name: 'platform', namespace: 'envoy-gateway-system', sectionName: 'http' }],
      hostnames: ['preview-shop.turnsys.com'],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'shop-preview', port: 8080 }] }],
    });
    // The main route still goes to the active Service.
    expect(obj('dist/workloads/shop/httproute-shop.yaml').spec.rules[0].backendRefs).toEqual([{ name: 'shop', port: 8080 }]);
    expect(files.get('dist/hosts/haproxy/haproxy.cfg')).toContain('    acl host_preview_shop_turnsys_com hdr(host) -i preview-shop.turnsys.com\n    use_backend k8s_gateway_10_251_51_200_80 if host_preview_shop_turnsys_com\n');
    expect(files.get('dist/hosts/haproxy/README.md')).toContain('| preview-shop.turnsys.com | 10.251.51.200:80 | paas | app shop (prod): the release waiting for promotion (blueGreen preview) |');
  });

  test('GIVEN apps without a preview host (canary, blueGreen without expose.http, preview.host false) WHEN rendered THEN no preview route; preview.host names the host', () => {
    // broker (canary, TCP) and preview (blueGreen, no expose.http) of the sample apps.
    expect([...files.keys()].filter((p) => /^dist\/workloads\/(broker|preview)\/httproute-/.test(p))).toEqual([]);
    const variant = (name: string, strategy: string, ...more: string[]) => parseApp(
      [SAMPLE_APPS.preview.replace('{ type: blueGreen }', strategy), `expose: { http: { host: ${name}.turnsys.com } }`, ...more].join('\n'), `apps/${name}.yaml`, site);
    const rendered = renderSite(site, undefined, [
      variant('canary', '{ type: canary, steps: [ { setWeight: 50 } ] }'), variant('rolling', '{ type: rolling }'),
      variant('off', '{ type: blueGreen }', 'preview: { host: false }'), variant('named', '{ type: blueGreen }', 'preview: { host: try-named.turnsys.com }'),
    ]);
    const paths = rendered.map((f) => f.path);
    expect(paths.filter((p) => /^dist\/workloads\/.*\/httproute-/.test(p)).sort()).toEqual([
      'dist/workloads/canary/httproute-canary.yaml', 'dist/workloads/named/httproute-named-preview.yaml', 'dist/workloads/named/httproute-named.yaml',
      'dist/workloads/off/httproute-off.yaml', 'dist/workloads/rolling/httproute-rolling.yaml',
    ]);
    expect(paths).toContain('dist/workloads/off/service-off-preview.yaml');
    const content = (p: string) => rendered.find((f) => f.path === p)!.content;
    expect(parse(content('dist/workloads/named/httproute-named-preview.yaml')).spec.hostnames).toEqual(['try-named.turnsys.com']);
    const cfg = content('dist/hosts/haproxy/haproxy.cfg');
    expect(cfg).toContain('hdr(host) -i try-named.turnsys.com\n');
    expect(cfg).not.toMatch(/preview-(canary|rolling|off|named)\./);
  });

  test('GIVEN canary steps and TCP exposure WHEN rendered THEN a Rollout with its steps, stable and canary Services, and the app Service as the MetalLB load balancer on its locked address', () => {
    const r = obj('dist/workloads/broker/rollout-broker.yaml');
    expect(r.spec.replicas).toBe(2);
    expect(r.spec.strategy).toEqual({ canary: {
      stableService: 'broker-stable', canaryService: 'broker-canary', maxSurge: '25%', maxUnavailable: 0,
      steps: [{ setWeight: 25 }, { pause: { duration: '300s' } }, { setWeight: 50 }, { pause: {} }],
    } });
    expect(app('broker')).toEqual(['networkpolicy-broker-from-anywhere.yaml', 'poddisruptionbudget-broker.yaml', 'rollout-broker.yaml', 'service-broker-canary.yaml', 'service-broker-stable.yaml', 'service-broker.yaml']);
    const lb = obj('dist/workloads/broker/service-broker.yaml');
    expect(lb.metadata.annotations).toEqual({ 'metallb.io/loadBalancerIPs': '10.251.51.220', 'metallb.io/address-pool': 'apps' });
    expect(lb.spec).toEqual({
      type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: false, selector: { 'app.kubernetes.io/name': 'broker' },
      ports: [{ name: 'mqtt', port: 1883, targetPort: 'mqtt', protocol: 'TCP' }, { name: 'ws', port: 8443, targetPort: 'ws', protocol: 'TCP' }],
    });
    expect(parseLock(files.get(LOCK_FILE)!)).toEqual({ pool: 'apps', apps: { broker: { address: '10.251.51.220', ports: { mqtt: 1883, ws: 8443 } } } });
    const cfg = files.get('dist/hosts/haproxy/haproxy.cfg')!;
    expect(cfg).toContain('frontend tcp_broker_mqtt\n    mode tcp\n    bind :1883\n    default_backend tcp_broker_mqtt\n\nbackend tcp_broker_mqtt\n    mode tcp\n    server broker_mqtt 10.251.51.220:1883 check');
    expect(cfg).toContain('server broker_ws 10.251.51.220:8443 check');
  });

  test('GIVEN the apps WHEN rendered THEN the paas layer has one Application per app in project apps, syncing its folder into its environment after the project', () => {
    const a = obj('dist/paas/application-app-broker.yaml');
    expect(a.metadata).toMatchObject({ name: 'app-broker', namespace: 'argocd' });
    expect(a.spec).toMatchObject({
      project: 'apps',
      source: { repoURL: 'https://git.turnsys.com/tsys/platform.git', targetRevision: 'main', path: 'dist/workloads/broker', directory: { include: '*.yaml' } },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'prod' },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['PruneLast=true'] },
    });
    const wave = (o: Obj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    expect(wave(a)).toBeGreaterThan(wave(obj('dist/paas/appproject-apps.yaml')));
    expect(wave(a)).toBeGreaterThan(wave(obj('dist/paas/namespace-prod.yaml')));
  });

  test('GIVEN metrics WHEN rendered THEN a PodMonitor scrapes each pod once on the metrics port and Prometheus may reach that port; an app without metrics has neither', () => {
    expect(obj('dist/workloads/wiki/podmonitor-wiki.yaml')).toEqual({
      apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor',
      metadata: { name: 'wiki', namespace: 'prod', labels: { 'app.kubernetes.io/name': 'wiki', 'app.kubernetes.io/part-of': 'prod', 'platform.tsys/monitor': 'true' } },
      spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'wiki' } }, podMetricsEndpoints: [{ port: 'metrics', path: '/metrics' }] },
    });
    expect(obj('dist/workloads/wiki/networkpolicy-wiki-from-prometheus.yaml').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'wiki' } },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
        ports: [{ protocol: 'TCP', port: 'metrics' }],
      }],
    });
    expect(app('ledger').filter((f) => f.startsWith('podmonitor-') || f.includes('from-prometheus'))).toEqual([]);
    const platform = buildPlatform(site, undefined, specs(['wiki']));
    const chart = platform.outputs.map((o) => o.chart).filter(WorkloadChart.isWorkloadChart)[0];
    expect(chart.app instanceof WebApp && chart.app.metrics).toEqual({ namespace: 'prod', service: 'wiki', port: 'metrics', path: '/metrics' });
  });

  test('GIVEN an app or its preview on a platform UI host WHEN parsed THEN a ConfigError names the app file, line, column and field, before anything is built', () => {
    const refused = (text: string) => {
      try { parseApp(text, 'apps/dash.yaml', site, LAYER_NEEDS); } catch (e) { return (e as ConfigError).issues.map(formatIssue); }
      throw new Error('parseApp accepted the app');
    };
    expect(refused('environment: prod\nimage: nginx:1.27.3\nports: [ { name: http, port: 8080 } ]\nexpose: { http: { host: grafana.turnsys.com } }\n')).toEqual([
      'apps/dash.yaml:4:25: expose.http.host: "grafana.turnsys.com" is the host of Grafana (layer monitoring); one app or platform UI per host name: pick another host',
    ]);
    // A preview host on a platform UI host: named at the field that makes it.
    expect(refused('environment: prod\nimage: nginx:1.27.3\nstrategy: { type: blueGreen }\nports: [ { name: http, port: 8080 } ]\nexpose: { http: { host: dash.turnsys.com } }\npreview: { host: grafana.turnsys.com }\n')).toEqual([
      'apps/dash.yaml:6:18: preview.host: the preview host "grafana.turnsys.com" of this blueGreen app is the host of Grafana (layer monitoring); set preview.host to a host of its own, or write `preview: { host: false }` for none',
    ]);
  });

  test('GIVEN two apps on one database, each valid alone, WHEN built without loadApps THEN the Inventory calls it a programming error naming the app file and field', () => {
    const db = (n: string) => parseApp('environment: prod\nimage: nginx:1.27.3\nports: [ { name: http, port: 8080 } ]\ndatabases: [ { engine: postgresql, name: shared } ]\n', `apps/${n}.yaml`, site);
    expect(() => buildPlatform(site, undefined, [db('one'), db('two')]))
      .toThrow('programming error: postgresql database "shared" is claimed by app one (prod) and app two (prod); give each component its own (apps/two.yaml, databases[0])');
  });

  test('GIVEN the apps in a temporary checkout WHEN synthesized THEN every rendered object validates strictly, the lock is written, and a failing synth leaves it untouched', () => {
    withSynthesizedApps(SAMPLE_APPS, (root) => {
      expect(verifyTree(root)).toEqual([]);
      expect(fs.readdirSync(path.join(root, 'dist', 'workloads')).sort()).toEqual(['broker', 'ledger', 'preview', 'shop', 'whiteboard', 'wiki']);
      const lock = fs.readFileSync(path.join(root, LOCK_FILE), 'utf8');
      expect(parseLock(lock).apps.broker.address).toBe('10.251.51.220');

      // A second TCP app joins: the broker keeps its address.
      fs.writeFileSync(path.join(root, 'apps', 'aaa-db.yaml'), 'environment: sit\nimage: postgres:17.2\nports: [ { name: pg, port: 5432 } ]\nexpose: { tcp: [ { port: pg } ] }\n');
      synth({ root });
      expect(parseLock(fs.readFileSync(path.join(root, LOCK_FILE), 'utf8')).apps).toEqual({
        'aaa-db': { address: '10.251.51.221', ports: { pg: 5432 } }, broker: { address: '10.251.51.220', ports: { mqtt: 1883, ws: 8443 } },
    });

    // A hand edit puts an app outside the pool: synth fails, dist/ and the lock stay as they were.
    const edited = fs.readFileSync(path.join(root, LOCK_FILE), 'utf8').replace('10.251.51.221', '10.251.51.100');
    fs.writeFileSync(path.join(root, LOCK_FILE), edited);
    const before = snapshotTree(path.join(root, 'dist'));
    expect(() => synth({ root })).toThrow('apps.lock.yaml: app "aaa-db" holds 10.251.51.100, outside pool "apps" (10.251.51.220-10.251.51.250)');
    expect(fs.readFileSync(path.join(root, LOCK_FILE), 'utf8')).toBe(edited);
    expect(snapshotTree(path.join(root, 'dist'))).toEqual(before);
    });
  });
});
