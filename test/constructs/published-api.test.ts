import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { PublishedApi, PublishedApiProps } from '../../lib/constructs/published-api';
import { PublishedUi } from '../../lib/constructs/published-ui';
import { PlatformContext, setPlatformContext } from '../../lib/context';
import { haproxyConfig, haproxyTable } from '../../lib/hosts/haproxy-config';
import { Inventory } from '../../lib/inventory';
import { Layer } from '../../lib/layer';
import { LAYERS } from '../../lib/layers';
import { renderSite } from '../../lib/synth';
import { resolveVersions } from '../../lib/versions';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { shippedSite } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const registry = new SchemaRegistry();
const BASE = { namespace: 'billing', serviceName: 'billing-api', servicePort: 8080, description: 'Billing API' } as const;

/** A layer `demo` of an app for the shipped site. */
function demoLayer(): { layer: Layer; inventory: Inventory } {
  const app = new App();
  const ctx: PlatformContext = { site: shippedSite(), versions: resolveVersions({}), apps: [] };
  setPlatformContext(app, ctx);
  const layer = new Layer(app, { name: 'demo', description: 'd', namespace: 'billing', dependsOn: ['gateway', 'secrets'] });
  return { layer, inventory: Inventory.of(layer) };
}

/** The objects one PublishedApi renders, by kind. */
function publish(props: Partial<PublishedApiProps> & Pick<PublishedApiProps, 'auth'>): { byKind: Map<string, Obj>; objects: Obj[]; inventory: Inventory } {
  const { layer, inventory } = demoLayer();
  new PublishedApi(layer, 'api', { name: 'billing', ...BASE, ...props });
  const objects = layer.toJson() as Obj[];
  return { byKind: new Map(objects.map((o) => [o.kind, o])), objects, inventory };
}

const ROUTE_TARGET = [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'billing' }];

describe('PublishedApi', () => {
  test('GIVEN an API without auth WHEN rendered THEN an HTTPRoute serves <name>.<domain> through the shared gateway, rate limited at 100 a second, with no SecurityPolicy', () => {
    const { byKind, objects } = publish({ auth: 'none' });
    expect(objects.map((o) => o.kind).sort()).toEqual(['BackendTrafficPolicy', 'HTTPRoute']);
    expect(byKind.get('HTTPRoute')).toMatchObject({ metadata: { name: 'billing', namespace: 'billing' } });
    expect(byKind.get('HTTPRoute')!.spec).toEqual({
      hostnames: ['billing.turnsys.com'],
      parentRefs: [{ name: 'platform', namespace: 'envoy-gateway-system', sectionName: 'http' }],
      rules: [{ backendRefs: [{ name: 'billing-api', port: 8080 }], matches: [{ path: { type: 'PathPrefix', value: '/' } }] }],
    });
    expect(byKind.get('BackendTrafficPolicy')).toMatchObject({ apiVersion: 'gateway.envoyproxy.io/v1alpha1', metadata: { name: 'billing', namespace: 'billing' } });
    expect(byKind.get('BackendTrafficPolicy')!.spec).toEqual({ targetRefs: ROUTE_TARGET, rateLimit: { local: { rules: [{ limit: { requests: 100, unit: 'Second' } }] } } });
    for (const o of objects) expect([o.kind, registry.validate(o)]).toEqual([o.kind, []]);
  });

  test('GIVEN auth oidc WHEN rendered THEN a SecurityPolicy logs browsers in to the platform realm as api-gateway, with its secret from Bitwarden in the route namespace', () => {
    const { byKind, objects } = publish({ auth: 'oidc' });
    expect(objects.map((o) => o.kind).sort()).toEqual(['BackendTrafficPolicy', 'ExternalSecret', 'HTTPRoute', 'SecurityPolicy']);
    expect(byKind.get('SecurityPolicy')).toMatchObject({ apiVersion: 'gateway.envoyproxy.io/v1alpha1', metadata: { name: 'billing', namespace: 'billing' } });
    expect(byKind.get('SecurityPolicy')!.spec).toEqual({
      targetRefs: ROUTE_TARGET,
      oidc: {
        provider: { issuer: 'https://iam.turnsys.com/realms/platform' },
        clientID: 'api-gateway',
        clientSecret: { name: 'billing-oidc-client' },
        redirectURL: 'https://billing.turnsys.com/oauth2/callback',
        logoutPath: '/logout',
        forwardAccessToken: true,
      },
    });
    const es = byKind.get('ExternalSecret')!;
    expect(es.metadata).toMatchObject({ name: 'billing-oidc-client', namespace: 'billing' });
    expect(es.spec.target).toEqual({ name: 'billing-oidc-client' });
    expect(es.spec.data).toEqual([{ secretKey: 'client-secret', remoteRef: { key: 'keycloak-client-api-gateway', property: 'password' } }]);
    for (const o of objects) expect([o.kind, registry.validate(o)]).toEqual([o.kind, []]);
    // The schema is strict: a misspelt field would not pass.
    const policy = byKind.get('SecurityPolicy')!;
    expect(registry.validate({ ...policy, spec: { ...policy.spec, oidc: { ...policy.spec.oidc, clientId: 'api-gateway' } } }))
      .toEqual([{ field: 'spec.oidc', message: 'unknown field "clientId"' }]);
  });

  test('GIVEN auth jwt WHEN rendered THEN bearer tokens are checked against the platform realm keys and, by default, the API name as audience', () => {
    const { byKind, objects } = publish({ auth: 'jwt' });
    expect(objects.map((o) => o.kind).sort()).toEqual(['BackendTrafficPolicy', 'HTTPRoute', 'SecurityPolicy']);
    expect(byKind.get('SecurityPolicy')!.spec).toEqual({
      targetRefs: ROUTE_TARGET,
      jwt: {
        providers: [{
          name: 'keycloak',
          issuer: 'https://iam.turnsys.com/realms/platform',
          audiences: ['billing'],
          remoteJWKS: { uri: 'https://iam.turnsys.com/realms/platform/protocol/openid-connect/certs' },
        }],
      },
    });
    expect(publish({ auth: 'jwt', audiences: ['billing', 'reports'] }).byKind.get('SecurityPolicy')!.spec.jwt.providers[0].audiences).toEqual(['billing', 'reports']);
    for (const o of objects) expect([o.kind, registry.validate(o)]).toEqual([o.kind, []]);
  });

  test('GIVEN a path prefix on a shared host WHEN rendered with oidc THEN the route, the callback and the logout path all live under the prefix', () => {
    const { byKind, inventory } = publish({ auth: 'oidc', host: 'api', pathPrefix: '/billing' });
    expect(byKind.get('HTTPRoute')!.spec.hostnames).toEqual(['api.turnsys.com']);
    expect(byKind.get('HTTPRoute')!.spec.rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/billing' } }]);
    expect(byKind.get('SecurityPolicy')!.spec.oidc).toMatchObject({ redirectURL: 'https://api.turnsys.com/billing/oauth2/callback', logoutPath: '/billing/logout' });
    expect(inventory.apis).toEqual([{ host: 'api.turnsys.com', pathPrefix: '/billing', layer: 'demo', description: 'Billing API', auth: 'oidc', redirectUrl: 'https://api.turnsys.com/billing/oauth2/callback' }]);
  });

  test('GIVEN a custom rate limit or none WHEN rendered THEN the BackendTrafficPolicy follows or is absent', () => {
    expect(publish({ auth: 'none', rateLimit: { requests: 10, unit: 'Minute' } }).byKind.get('BackendTrafficPolicy')!.spec.rateLimit)
      .toEqual({ local: { rules: [{ limit: { requests: 10, unit: 'Minute' } }] } });
    expect(publish({ auth: 'none', rateLimit: false }).byKind.has('BackendTrafficPolicy')).toBe(false);
  });

  test('GIVEN APIs WHEN published THEN their hosts reach HAProxy once each, with every API on a shared host in the description', () => {
    const { layer, inventory } = demoLayer();
    new PublishedApi(layer, 'billing', { name: 'billing', ...BASE, auth: 'jwt', host: 'api', pathPrefix: '/billing' });
    new PublishedApi(layer, 'reports', { name: 'reports', ...BASE, description: 'Reports API', auth: 'none', host: 'api', pathPrefix: '/reports' });
    new PublishedApi(layer, 'status', { name: 'status', ...BASE, description: 'Status API', auth: 'none' });
    expect(inventory.http.map((e) => ({ ...e }))).toEqual([
      { host: 'api.turnsys.com', layer: 'demo', description: '/billing: Billing API; /reports: Reports API', address: '10.251.51.200', port: 80 },
      { host: 'status.turnsys.com', layer: 'demo', description: 'Status API', address: '10.251.51.200', port: 80 },
    ]);
    const cfg = haproxyConfig(inventory.http, [], 'turnsys.com');
    expect(cfg).toContain('    acl host_api_turnsys_com hdr(host) -i api.turnsys.com\n    use_backend k8s_gateway_10_251_51_200_80 if host_api_turnsys_com\n');
    expect(cfg.match(/hdr\(host\) -i api\.turnsys\.com/g)).toHaveLength(1);
    expect(haproxyTable(inventory.http, [])).toContain('| api.turnsys.com | 10.251.51.200:80 | demo | /billing: Billing API; /reports: Reports API |');
  });

  test('GIVEN the same host and prefix twice, or a host a UI already has WHEN published THEN both are refused, naming the clash', () => {
    const { layer } = demoLayer();
    new PublishedApi(layer, 'a', { name: 'a', ...BASE, auth: 'none', host: 'api', pathPrefix: '/x' });
    expect(() => new PublishedApi(layer, 'b', { name: 'b', ...BASE, auth: 'none', host: 'api', pathPrefix: '/x' }))
      .toThrow('API api.turnsys.com/x is published twice (layers demo and demo); give each API its own host or path prefix');
    new PublishedUi(layer, 'ui', { name: 'shop', namespace: 'billing', serviceName: 'shop', servicePort: 80, description: 'Shop' });
    expect(() => new PublishedApi(layer, 'c', { name: 'c', ...BASE, auth: 'none', host: 'shop' }))
      .toThrow('host shop.turnsys.com is published twice (layers demo and demo); host names must be unique');
  });

  test('GIVEN invalid props WHEN published THEN each is refused with what is allowed', () => {
    const bad = (props: Partial<PublishedApiProps>) => () => new PublishedApi(demoLayer().layer, 'api', { name: 'billing', ...BASE, auth: 'none', ...props });
    expect(bad({ name: 'Billing' })).toThrow('demo/api: name "Billing" must be a DNS label (it names the route and its policies)');
    expect(bad({ host: 'api.v1' })).toThrow('demo/api: host "api.v1" must be a DNS label (it becomes <host>.<domain>)');
    expect(bad({ pathPrefix: '/billing/' })).toThrow('demo/api: path prefix "/billing/" must be "/" or "/segment[/segment...]" without a trailing slash');
    expect(bad({ pathPrefix: 'billing' })).toThrow('must be "/" or "/segment[/segment...]"');
    expect(bad({ rateLimit: { requests: 0, unit: 'Second' } })).toThrow('demo/api: rate limit requests must be a whole number of at least 1, got 0');
    expect(bad({ audiences: ['x'] })).toThrow('demo/api: audiences apply to auth "jwt" only (auth is "none")');
    expect(bad({ auth: 'jwt', audiences: [] })).toThrow('demo/api: give 1 to 8 audiences, got 0');
  });
});

describe('PublishedApi in the platform', () => {
  const site = shippedSite();
  const demo = (dependsOn: string[]) => (scope: Construct) => {
    const layer = new Layer(scope, { name: 'billing', description: 'd', namespace: 'billing', dependsOn });
    new PublishedApi(layer, 'api', { name: 'billing', ...BASE, auth: 'oidc' });
    return layer;
  };

  test('GIVEN a layer publishing an OIDC API WHEN the platform renders THEN the SecurityPolicy syncs after its client Secret, and the policies after the gateway layer', () => {
    const files = new Map(renderSite(site, [...LAYERS, demo(['gateway', 'secrets'])]).map((f) => [f.path, f.content]));
    const wave = (p: string) => Number(parse(files.get(p)!).metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    expect(wave('dist/billing/securitypolicy-billing.yaml')).toBeGreaterThan(wave('dist/billing/externalsecret-billing-oidc-client.yaml'));
    expect(wave('dist/apps/application-billing.yaml')).toBeGreaterThan(wave('dist/apps/application-gateway.yaml'));
    expect(files.get('dist/hosts/haproxy/haproxy.cfg')).toContain('acl host_billing_turnsys_com hdr(host) -i billing.turnsys.com');
  });

  test('GIVEN a layer publishing an API without depending on gateway WHEN the platform renders THEN it is refused, naming the missing dependency', () => {
    expect(() => renderSite(site, [...LAYERS, demo(['secrets'])])).toThrow('layer "billing" renders gateway.networking.k8s.io/HTTPRoute "billing" from layer "gateway"; add "gateway" to the dependsOn of layer "billing"');
  });
});
