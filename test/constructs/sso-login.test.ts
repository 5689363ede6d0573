import { App } from 'cdk8s';
import { parse } from 'yaml';
import { parseApp } from '../../lib/config/load-apps';
import type { Site } from '../../lib/config/schema';
import { PublishedUi } from '../../lib/constructs/published-ui';
import { setPlatformContext } from '../../lib/context';
import { Inventory } from '../../lib/inventory';
import { Layer } from '../../lib/layer';
import { OIDC_CLIENTS, platformRealm } from '../../lib/layers/keycloak';
import { renderSite } from '../../lib/synth';
import { resolveVersions } from '../../lib/versions';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { appSpecIssues, shippedSite, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const registry = new SchemaRegistry();
const site = shippedSite();
const ISSUER = 'https://iam.turnsys.com/realms/platform';

/** The objects of a layer `demo` with one PublishedUi behind SSO, and the inventory. */
function publishUi(onSite: Site, groups: readonly string[]): { objects: Obj[]; inventory: Inventory } {
  const app = new App();
  setPlatformContext(app, { site: onSite, versions: resolveVersions({}), apps: [] });
  const layer = new Layer(app, { name: 'demo', description: 'd', namespace: 'demo', dependsOn: ['gateway', 'secrets'] });
  new PublishedUi(layer, 'ui', { name: 'board', namespace: 'demo', serviceName: 'board', servicePort: 80, description: 'Board', sso: { groups } });
  return { objects: layer.toJson() as Obj[], inventory: Inventory.of(layer) };
}

const errorsOf = (text: string, onSite: Site = site): string[] => appSpecIssues(text, onSite);

const DEMO = 'environment: prod\nimage: nginx:1.27.3\nports:\n  - { name: http, port: 8080 }\nexpose: { http: { host: demo.turnsys.com } }\n';

describe('single sign-on through the gateway', () => {
  test('GIVEN a UI published with sso for a group WHEN rendered THEN its route has a SecurityPolicy logging in to the platform realm as a client the realm defines, only that group let in', () => {
    const { objects, inventory } = publishUi(site, ['k8s-platform-admins']);
    expect(objects.map((o) => o.kind).sort()).toEqual(['ExternalSecret', 'HTTPRoute', 'SecurityPolicy']);
    const policy = objects.find((o) => o.kind === 'SecurityPolicy')!;
    expect(policy.metadata).toMatchObject({ name: 'board', namespace: 'demo' });
    expect(policy.spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'board' }],
      oidc: {
        provider: { issuer: ISSUER }, clientID: 'api-gateway', clientSecret: { name: 'board-sso-client' },
        redirectURL: 'https://board.turnsys.com/oauth2/callback', logoutPath: '/oauth2/logout', forwardAccessToken: true,
      },
      jwt: { providers: [{ name: 'keycloak', issuer: ISSUER, audiences: ['api-gateway'], remoteJWKS: { uri: `${ISSUER}/protocol/openid-connect/certs` } }] },
      authorization: {
        defaultAction: 'Deny',
        rules: [{ name: 'groups', action: 'Allow', principal: { jwt: { provider: 'keycloak', claims: [{ name: 'groups', valueType: 'StringArray', values: ['k8s-platform-admins'] }] } } }],
      },
    });
    // The client is the realm's, and the realm lets the login come back to this host.
    const realm = platformRealm(site, inventory.sso.map((e) => e.redirectUrl));
    expect(realm.clients.map((c) => c.clientId)).toEqual([...OIDC_CLIENTS]);
    expect(realm.clients[0].redirectUris).toEqual(['https://board.turnsys.com/oauth2/callback']);
    expect(realm.clients[0].protocolMappers.map((m) => m.protocolMapper)).toEqual(['oidc-group-membership-mapper', 'oidc-audience-mapper']);
    const es = objects.find((o) => o.kind === 'ExternalSecret')!;
    expect(es.spec.data).toEqual([{ secretKey: 'client-secret', remoteRef: { key: 'keycloak-client-api-gateway', property: 'password' } }]);
    for (const o of objects) expect([o.kind, registry.validate(o)]).toEqual([o.kind, []]);
  });

  test('GIVEN a site without Keycloak WHEN a UI asks for sso THEN the construct throws a programming error (the app rules and the layers keep it from happening)', () => {
    const off = siteWith((s) => { s.keycloak.enabled = false; });
    expect(() => publishUi(off, ['k8s-platform-admins'])).toThrow('programming error: ');
  });

  describe('the shipped site with an app behind SSO and a blueGreen app', () => {
    const apps = [
      parseApp(`${DEMO}auth: { sso: true, groups: [ accounting, k8s-platform-admins ] }\n`, 'apps/ledger.yaml', site),
      parseApp(`${DEMO.replace('demo.turnsys.com', 'shop.turnsys.com')}strategy: { type: blueGreen }\n`, 'apps/shop.yaml', site),
      parseApp(`${DEMO.replace('demo.turnsys.com', 'tryme.turnsys.com')}strategy: { type: blueGreen }\npreview: { sso: false }\n`, 'apps/tryme.yaml', site),
    ];
    const files = new Map(renderSite(site, undefined, apps).map((f) => [f.path, f.content]));
    const obj = (p: string): Obj => {
      const text = files.get(p);
      if (text === undefined) throw new Error(`${p} was not rendered`);
      return parse(text);
    };
    const realmClient = () => obj('dist/keycloak/keycloakrealmimport-platform.yaml').spec.realm.clients.find((c: Obj) => c.clientId === 'api-gateway');

    test('WHEN rendered THEN the app with auth.sso has a SecurityPolicy against Keycloak with the realm\'s client, its groups, and its callback on the client', () => {
      const policy = obj('dist/workloads/ledger/securitypolicy-ledger.yaml');
      expect(policy.spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'ledger' }]);
      expect(policy.spec.oidc).toMatchObject({ provider: { issuer: ISSUER }, clientID: 'api-gateway', redirectURL: 'https://demo.turnsys.com/oauth2/callback' });
      expect(policy.spec.authorization.rules[0].principal.jwt.claims).toEqual([{ name: 'groups', valueType: 'StringArray', values: ['accounting', 'k8s-platform-admins'] }]);
      expect(obj('dist/workloads/ledger/externalsecret-ledger-sso-client.yaml').metadata).toMatchObject({ name: 'ledger-sso-client', namespace: 'prod' });
      expect(realmClient().redirectUris).toContain('https://demo.turnsys.com/oauth2/callback');
      expect(registry.validate(policy)).toEqual([]);
    });

    test('WHEN rendered THEN a blueGreen app\'s preview host is behind SSO for the admin group, unless preview.sso is false', () => {
      const policy = obj('dist/workloads/shop/securitypolicy-shop-preview.yaml');
      expect(policy.spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'shop-preview' }]);
      expect(policy.spec.oidc.redirectURL).toBe('https://preview-shop.turnsys.com/oauth2/callback');
      expect(policy.spec.authorization.rules[0].principal.jwt.claims[0].values).toEqual(['k8s-platform-admins']);
      expect(files.has('dist/workloads/shop/securitypolicy-shop.yaml')).toBe(false);
      expect([...files.keys()].filter((k) => k.startsWith('dist/workloads/tryme/securitypolicy'))).toEqual([]);
      expect(realmClient().redirectUris).toContain('https://preview-shop.turnsys.com/oauth2/callback');
      expect(realmClient().redirectUris).not.toContain('https://preview-tryme.turnsys.com/oauth2/callback');
    });

    test('WHEN rendered THEN Longhorn\'s UI, Prometheus and Alertmanager are reachable at their hosts behind SSO for the admin group', () => {
      for (const [layer, name, service, port] of [['longhorn', 'longhorn', 'longhorn-frontend', 80], ['monitoring', 'prometheus', 'kube-prometheus-stack-prometheus', 9090], ['monitoring', 'alertmanager', 'kube-prometheus-stack-alertmanager', 9093]] as const) {
        const route = obj(`dist/${layer}/httproute-${name}.yaml`);
        expect(route.spec.hostnames).toEqual([`${name}.turnsys.com`]);
        expect(route.spec.rules[0].backendRefs).toEqual([{ name: service, port }]);
        const policy = obj(`dist/${layer}/securitypolicy-${name}.yaml`);
        expect(policy.spec.oidc).toMatchObject({ clientID: 'api-gateway', redirectURL: `https://${name}.turnsys.com/oauth2/callback` });
        expect(policy.spec.authorization.rules[0].principal.jwt.claims[0].values).toEqual(['k8s-platform-admins']);
        expect(realmClient().redirectUris).toContain(`https://${name}.turnsys.com/oauth2/callback`);
        expect(files.get('dist/hosts/haproxy/haproxy.cfg')).toContain(`hdr(host) -i ${name}.turnsys.com`);
      }
    });
  });

  test('GIVEN a site without Keycloak WHEN rendered THEN Longhorn, Prometheus and Alertmanager get no host (they have no login of their own)', () => {
    const off = siteWith((s) => { s.keycloak.enabled = false; });
    const paths = renderSite(off).map((f) => f.path);
    expect(paths.filter((p) => /httproute-(longhorn|prometheus|alertmanager)|securitypolicy-/.test(p))).toEqual([]);
  });

  test('GIVEN auth groups written as a DN, a path, twice, or auth without a host WHEN parsed THEN each is refused at its file:line:col with the fix', () => {
    expect(errorsOf(`${DEMO}auth: { sso: true, groups: [ accounting ] }\n`)).toEqual([]);
    expect(errorsOf(`${DEMO}auth:\n  sso: true\n  groups:\n    - cn=accounting,cn=groups,dc=turnsys,dc=com\n    - /finance\n    - accounting\n    - accounting\n`)).toEqual([
      'apps/demo.yaml:9:7: auth.groups[0]: is a DN; the realm\'s groups claim carries the group\'s name (its cn): write "accounting"',
      'apps/demo.yaml:10:7: auth.groups[1]: is a group path; the realm\'s groups claim carries names without the path: write "finance"',
      'apps/demo.yaml:12:7: auth.groups[3]: "accounting" is listed twice (also auth.groups[2])',
    ]);
    expect(errorsOf(`${DEMO.replace(/expose:.*\n/, '')}auth: { sso: true }\n`)).toEqual([
      'apps/demo.yaml:5:7: auth: a login stands in front of the app\'s host, and the app has no expose.http: add `expose: { http: { host: ... } }`, or remove auth (raw TCP ports cannot carry a browser login)',
    ]);
    expect(errorsOf(`${DEMO}auth: { sso: false }\n`)).toEqual(['apps/demo.yaml:6:14: auth.sso: write `auth: { sso: true }` for a login in front of the app, or remove auth for none']);
  });

  test('GIVEN a site without Keycloak WHEN an app asks for a login or has a preview host THEN it is refused at its field, the preview with the opt-out', () => {
    const off = siteWith((s) => { s.keycloak.enabled = false; });
    expect(errorsOf(`${DEMO}auth: { sso: true }\n`, off)).toEqual([
      'apps/demo.yaml:6:14: auth.sso: logs users in to Keycloak, which site.yaml switches off (keycloak.enabled: false): set keycloak.enabled: true, or remove auth',
    ]);
    expect(errorsOf(`${DEMO}strategy: { type: blueGreen }\n`, off)[0]).toMatch(/^apps\/demo.yaml:6:19: strategy.type: the preview host is behind single sign-on by default, which needs Keycloak, .*`preview: \{ sso: false \}`/);
    expect(errorsOf(`${DEMO}strategy: { type: blueGreen }\npreview: { sso: false }\n`, off)).toEqual([]);
  });
});
