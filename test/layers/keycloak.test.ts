import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { parse } from 'yaml';
import { PublishedApi } from '../../lib/constructs/published-api';
import { haInputFromFiles, haModel, nMinusOne } from '../../lib/ha/analysis';
import { HA_ANNOTATIONS } from '../../lib/ha/annotations';
import { Layer } from '../../lib/layer';
import { LAYERS } from '../../lib/layers';
import { renderSite } from '../../lib/synth';
import { secretLiterals } from '../../lib/verify/secret-literals';
import { REPO, shippedSite, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DIR = 'dist/keycloak';
/** The realm's clients: the API gateway's only (the tools log in over LDAP, docs/sso.md). */
const CLIENTS = ['api-gateway'];

describe('Keycloak layer', () => {
  const rendered = renderSite(shippedSite());
  const files = new Map(rendered.map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => parse(files.get(p)!);
  const layerObjects = rendered.filter((f) => f.path.startsWith(`${DIR}/`)).map((f) => parse(f.content) as Obj);
  const wave = (o: Obj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
  const keycloak = obj(`${DIR}/keycloak-keycloak.yaml`);
  const realmImport = obj(`${DIR}/keycloakrealmimport-platform.yaml`);
  const realm = realmImport.spec.realm;
  const federation = realm.components['org.keycloak.storage.UserStorageProvider'][0];
  const mappers: Obj[] = federation.subComponents['org.keycloak.storage.ldap.mappers.LDAPStorageMapper'];
  const operator = obj(`${DIR}/deployment-keycloak-operator.yaml`);
  const container: Obj = operator.spec.template.spec.containers[0];

  test('GIVEN the operator WHEN rendered THEN it is the vendored kubernetes/ folder of keycloak-k8s-resources 26.0.0, its CRDs never pruned, announcing the k8s.keycloak.org API', () => {
    expect(operator.metadata.labels['app.kubernetes.io/version']).toBe('26.0.0');
    expect(container.image).toBe('quay.io/keycloak/keycloak-operator:26.0.0');
    expect(operator.metadata.annotations['platform.tsys/provides-apis']).toBe('k8s.keycloak.org/*');
    for (const crd of ['keycloaks.k8s.keycloak.org', 'keycloakrealmimports.k8s.keycloak.org']) {
      expect(obj(`${DIR}/customresourcedefinition-${crd}.yaml`).metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Delete=false,Prune=false,ServerSideApply=true');
    }
    expect(obj(`${DIR}/namespace-keycloak.yaml`).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
  });

  test('GIVEN the operator singleton WHEN its node dies THEN it leaves the dead node after 10 s and is back within the site\'s 90 s: 32 s eviction + 10 s image pull + 45 s start-up', () => {
    expect(operator.spec.replicas).toBe(1);
    expect(operator.metadata.annotations[HA_ANNOTATIONS.singleton]).toContain('reconciles the Keycloak resource only');
    expect(operator.metadata.annotations[HA_ANNOTATIONS.recoveryBudget]).toBeUndefined();
    expect(operator.spec.template.spec.tolerations).toEqual(['unreachable', 'not-ready'].map((t) => ({ key: `node.kubernetes.io/${t}`, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 })));
    // Upstream's own start-up window, unchanged: 5 s + 3 x 10 s, then one readiness period.
    expect(container.startupProbe).toMatchObject({ initialDelaySeconds: 5, failureThreshold: 3, periodSeconds: 10 });
    expect(container.readinessProbe.periodSeconds).toBe(10);
    const model = haModel(haInputFromFiles(rendered));
    const outcome = nMinusOne(model).find((r) => r.failed[0] === 'www1')!.outcomes.find((o) => o.label === 'keycloak/keycloak-operator (Deployment)')!;
    expect(outcome).toMatchObject({ outageSeconds: 87, budgetSeconds: 90, verdict: 'ok' });
  });

  test('GIVEN the operator WHEN rendered THEN it keeps upstream\'s requests and limits and runs as its image\'s user, restricted, with an emptyDir for /tmp under a read-only root', () => {
    expect(container.resources).toEqual({ requests: { cpu: '300m', memory: '450Mi' }, limits: { cpu: '700m', memory: '450Mi' } });
    expect(operator.spec.template.spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true });
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(operator.spec.template.spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
  });

  test('GIVEN the Keycloak CR WHEN rendered THEN two instances are required on different nodes and a disruption budget keeps one through drains', () => {
    expect(keycloak.apiVersion).toBe('k8s.keycloak.org/v2alpha1');
    expect(keycloak.spec.instances).toBe(2);
    const podLabels = { app: 'keycloak', 'app.kubernetes.io/instance': 'keycloak' };
    expect(keycloak.spec.scheduling).toEqual({
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: podLabels } }],
    });
    expect(obj(`${DIR}/poddisruptionbudget-keycloak.yaml`).spec).toEqual({ minAvailable: 1, selector: { matchLabels: podLabels } });
  });

  test('GIVEN the DBaaS WHEN rendered THEN Keycloak uses database keycloak on dbaas.postgresql with a login from Bitwarden', () => {
    expect(keycloak.spec.db).toEqual({
      vendor: 'postgres', host: 'pgsql.dbaas.turnsys.com', port: 5432, database: 'keycloak',
      usernameSecret: { name: 'keycloak-db', key: 'username' }, passwordSecret: { name: 'keycloak-db', key: 'password' },
    });
    const es = obj(`${DIR}/externalsecret-keycloak-db.yaml`);
    expect(es.spec.data).toEqual([{ secretKey: 'password', remoteRef: { key: 'keycloak-db', property: 'password' } }]);
    expect(es.spec.target.template.data).toEqual({ username: 'keycloak', password: '{{ .password }}' });
  });

  test('GIVEN a site without dbaas.postgresql WHEN rendered unvalidated THEN it is a programming error naming where the site rule reads the databases from (fixture dbaas-postgresql-missing)', () => {
    const site = siteWith((s) => { delete s.dbaas.postgresql; });
    expect(() => renderSite(site)).toThrow(/^programming error: the site has no dbaas\.postgresql; declare the database that needs it in its layer file \(LayerNeeds, listed in LAYER_NEEDS of lib\/layers\/index\.ts\)/);
  });

  test('GIVEN TLS ending at HAProxy WHEN rendered THEN Keycloak serves plain HTTP behind the proxy with its public URL fixed, no Ingress, and its first admin from Bitwarden', () => {
    expect(keycloak.spec).toMatchObject({
      hostname: { hostname: 'https://iam.turnsys.com' },
      http: { httpEnabled: true },
      proxy: { headers: 'xforwarded' },
      ingress: { enabled: false },
      bootstrapAdmin: { user: { secret: 'keycloak-bootstrap-admin' } },
    });
    expect(obj(`${DIR}/externalsecret-keycloak-bootstrap-admin.yaml`).spec.data).toEqual([
      { secretKey: 'password', remoteRef: { key: 'keycloak-bootstrap-admin', property: 'password' } },
      { secretKey: 'username', remoteRef: { key: 'keycloak-bootstrap-admin', property: 'username' } },
    ]);
  });

  test('GIVEN the UI WHEN rendered THEN iam.<domain> is routed to the operator Service on port 8080 and listed for HAProxy', () => {
    expect(obj(`${DIR}/httproute-iam.yaml`).spec).toEqual({
      hostnames: ['iam.turnsys.com'],
      parentRefs: [{ name: 'platform', namespace: 'envoy-gateway-system', sectionName: 'http' }],
      rules: [{ backendRefs: [{ name: 'keycloak-service', port: 8080 }], matches: [{ path: { type: 'PathPrefix', value: '/' } }] }],
    });
    expect(files.get('dist/hosts/haproxy/haproxy.cfg')).toContain('    acl host_iam_turnsys_com hdr(host) -i iam.turnsys.com\n    use_backend k8s_gateway_10_251_51_200_80 if host_iam_turnsys_com\n');
    expect(files.get('dist/hosts/haproxy/README.md')).toContain('| iam.turnsys.com | 10.251.51.200:80 | keycloak |');
    expect(obj('dist/apps/application-keycloak.yaml').metadata.annotations['platform.tsys/depends-on']).toBe('gateway,secrets');
  });

  test('GIVEN the realm WHEN rendered THEN users log in to realm platform against UCS, read-only, with OpenLDAP attributes and groups from ldap.groupsDn', () => {
    expect(realmImport.spec.keycloakCRName).toBe('keycloak');
    expect(realm).toMatchObject({ realm: 'platform', enabled: true, registrationAllowed: false, resetPasswordAllowed: false, bruteForceProtected: true });
    expect(federation).toMatchObject({ name: 'ucs', providerId: 'ldap' });
    expect(federation.config).toMatchObject({
      vendor: ['other'],
      connectionUrl: ['ldaps://ucs.turnsys.com:636'],
      usersDn: ['cn=users,dc=turnsys,dc=com'],
      bindDn: ['uid=svc-k8s-platform,cn=users,dc=turnsys,dc=com'],
      bindCredential: ['${LDAP_BIND_CREDENTIAL}'],
      authType: ['simple'],
      editMode: ['READ_ONLY'],
      usernameLDAPAttribute: ['uid'],
      rdnLDAPAttribute: ['uid'],
      uuidLDAPAttribute: ['entryUUID'],
      importEnabled: ['true'],
    });
    expect(mappers.map((m) => `${m.name}:${m.providerId}`)).toEqual([
      'username:user-attribute-ldap-mapper', 'first name:user-attribute-ldap-mapper', 'last name:user-attribute-ldap-mapper',
      'email:user-attribute-ldap-mapper', 'groups:group-ldap-mapper',
    ]);
    expect(mappers.filter((m) => m.providerId === 'user-attribute-ldap-mapper').map((m) => [m.config['ldap.attribute'][0], m.config['user.model.attribute'][0], m.config['read.only'][0]]))
      .toEqual([['uid', 'username', 'true'], ['givenName', 'firstName', 'true'], ['sn', 'lastName', 'true'], ['mail', 'email', 'true']]);
    expect(mappers[4].config).toMatchObject({
      'groups.dn': ['cn=groups,dc=turnsys,dc=com'],
      'group.name.ldap.attribute': ['cn'],
      'group.object.classes': ['posixGroup'],
      'membership.ldap.attribute': ['uniqueMember'],
      'membership.attribute.type': ['DN'],
      mode: ['READ_ONLY'],
    });
  });

  test('GIVEN two directory nodes of the Samba AD DC in site.yaml WHEN rendered THEN the federation tries both over LDAPS with AD attributes, and Keycloak trusts the ldap-ca Secret', () => {
    const site = siteWith((s) => { s.ldap.hosts = ['ucs1.turnsys.com', 'ucs2.turnsys.com']; s.ldap.server = 'samba-ad'; });
    const out = renderSite(site);
    const ri = parse(out.find((f) => f.path === `${DIR}/keycloakrealmimport-platform.yaml`)!.content);
    const config = ri.spec.realm.components['org.keycloak.storage.UserStorageProvider'][0].config;
    expect(config).toMatchObject({ connectionUrl: ['ldaps://ucs1.turnsys.com:636 ldaps://ucs2.turnsys.com:636'], vendor: ['ad'], usernameLDAPAttribute: ['sAMAccountName'], uuidLDAPAttribute: ['objectGUID'], useTruststoreSpi: ['always'] });
    const kc = parse(out.find((f) => f.path === `${DIR}/keycloak-keycloak.yaml`)!.content);
    expect(kc.spec.truststores).toEqual({ 'ldap-ca': { secret: { name: 'ldap-ca' } } });
  });

  test('GIVEN the OIDC clients WHEN rendered THEN the API gateway has the one confidential client, with LDAP groups and its own audience in the tokens, back only to the SSO hosts', () => {
    expect(realm.clients.map((c: Obj) => c.clientId)).toEqual(CLIENTS);
    const [c] = realm.clients;
    expect([c.clientId, c.publicClient, c.clientAuthenticatorType, c.standardFlowEnabled, c.implicitFlowEnabled, c.directAccessGrantsEnabled])
      .toEqual([c.clientId, false, 'client-secret', true, false, false]);
    expect(c.protocolMappers).toEqual([
      {
        name: 'groups', protocol: 'openid-connect', protocolMapper: 'oidc-group-membership-mapper',
        config: { 'claim.name': 'groups', 'full.path': 'false', 'id.token.claim': 'true', 'access.token.claim': 'true', 'userinfo.token.claim': 'true' },
      },
      {
        name: 'audience api-gateway', protocol: 'openid-connect', protocolMapper: 'oidc-audience-mapper',
        config: { 'included.client.audience': 'api-gateway', 'id.token.claim': 'false', 'access.token.claim': 'true' },
      },
    ]);
    // The platform UIs without a login of their own are behind single sign-on: their callbacks, exactly.
    expect(c.redirectUris).toEqual(['https://alertmanager.turnsys.com/oauth2/callback', 'https://longhorn.turnsys.com/oauth2/callback', 'https://prometheus.turnsys.com/oauth2/callback']);
  });

  test('GIVEN APIs published with OIDC login WHEN rendered THEN the api-gateway client may return to exactly their callbacks', () => {
    const apis = (scope: Construct) => {
      const layer = new Layer(scope, { name: 'billing', description: 'd', namespace: 'billing', dependsOn: ['gateway', 'secrets'] });
      const base = { namespace: 'billing', serviceName: 'billing', servicePort: 80, description: 'API' } as const;
      new PublishedApi(layer, 'invoices', { name: 'invoices', ...base, auth: 'oidc', host: 'api', pathPrefix: '/invoices' });
      new PublishedApi(layer, 'billing', { name: 'billing', ...base, auth: 'oidc' });
      new PublishedApi(layer, 'machines', { name: 'machines', ...base, auth: 'jwt' });
      return layer;
    };
    const ri = parse(renderSite(shippedSite(), [...LAYERS, apis]).find((f) => f.path === `${DIR}/keycloakrealmimport-platform.yaml`)!.content);
    expect(ri.spec.realm.clients[0]).toMatchObject({
      clientId: 'api-gateway',
      redirectUris: [
        'https://alertmanager.turnsys.com/oauth2/callback', 'https://api.turnsys.com/invoices/oauth2/callback', 'https://billing.turnsys.com/oauth2/callback',
        'https://longhorn.turnsys.com/oauth2/callback', 'https://prometheus.turnsys.com/oauth2/callback',
      ],
    });
  });

  test('GIVEN the secrets WHEN rendered THEN no field holds a value: the realm import reads each from a placeholder that names a key of a Secret filled from Bitwarden', () => {
    for (const o of layerObjects) expect([o.kind, secretLiterals(o)]).toEqual([o.kind, []]);
    const placeholders: Record<string, Obj> = realmImport.spec.placeholders;
    const used = [...JSON.stringify(realm).matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1]).sort();
    expect(used).toEqual(Object.keys(placeholders).sort());
    expect(used).toEqual(['CLIENT_SECRET_API_GATEWAY', 'LDAP_BIND_CREDENTIAL']);
    for (const c of realm.clients) expect(c.secret).toBe(`\${CLIENT_SECRET_${c.clientId.toUpperCase().replace('-', '_')}}`);
    const es = obj(`${DIR}/externalsecret-keycloak-realm-platform.yaml`);
    expect(new Set(Object.values(placeholders).map((p) => p.secret.name))).toEqual(new Set([es.spec.target.name]));
    const fromBitwarden = Object.fromEntries(es.spec.data.map((d: Obj) => [d.secretKey, `${d.remoteRef.key}#${d.remoteRef.property}`]));
    expect(Object.values(placeholders).map((p) => p.secret.key).sort()).toEqual(Object.keys(fromBitwarden).sort());
    expect(fromBitwarden).toEqual({
      'ldap-bind-credential': 'ldap-svc-k8s-platform#password',
      ...Object.fromEntries(CLIENTS.map((c) => [`client-secret-${c}`, `keycloak-client-${c}#password`])),
    });
    // Every Secret the layer refers to is made by an ExternalSecret of the layer.
    const made = new Set(layerObjects.filter((o) => o.kind === 'ExternalSecret').map((o) => o.spec.target.name));
    expect([...new Set([keycloak.spec.db.usernameSecret.name, keycloak.spec.db.passwordSecret.name, keycloak.spec.bootstrapAdmin.user.secret])].filter((n) => !made.has(n))).toEqual([]);
    expect(layerObjects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  test('GIVEN a literal or an undeclared placeholder in the realm WHEN checked THEN both are secret literals', () => {
    const withBind = (value: string) => {
      const copy = JSON.parse(JSON.stringify(realmImport));
      copy.spec.realm.components['org.keycloak.storage.UserStorageProvider'][0].config.bindCredential = [value];
      return secretLiterals(copy);
    };
    const at = 'spec.realm.components.org.keycloak.storage.UserStorageProvider[0].config.bindCredential[0]';
    expect(withBind('hunter2')).toEqual([at]);
    expect(withBind('${NOT_DECLARED}')).toEqual([at]);
    expect(withBind('${LDAP_BIND_CREDENTIAL}')).toEqual([]);
  });

  test('GIVEN the sync order WHEN rendered THEN the operator and the Secrets come first, then Keycloak, then the realm import', () => {
    const secrets = ['keycloak-db', 'keycloak-bootstrap-admin', 'keycloak-realm-platform'].map((n) => obj(`${DIR}/externalsecret-${n}.yaml`));
    for (const s of [operator, ...secrets]) expect(wave(s)).toBeLessThan(wave(keycloak));
    expect(wave(realmImport)).toBeGreaterThan(wave(keycloak));
    for (const cr of [keycloak, realmImport]) expect(cr.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('SkipDryRunOnMissingResource=true');
  });
});

describe('docs/databases.md', () => {
  const site = shippedSite();
  const rendered = renderSite(site);
  const doc = rendered.find((f) => f.path === 'docs/databases.md')!.content;

  test('GIVEN the rendered configuration WHEN the databases it connects to are collected THEN docs/databases.md lists exactly those, with account and Bitwarden item', () => {
    const engineAt = (host: string, port: number) => Object.entries(site.dbaas).find(([, ep]) => ep && ep.host === host && ep.port === port)?.[0];
    const referenced = rendered.filter((f) => f.path.startsWith('dist/') && !f.path.startsWith('dist/hosts/') && f.path.endsWith('.yaml')).map((f) => parse(f.content) as Obj)
      .filter((o) => o.kind === 'Keycloak')
      .map((o) => `${engineAt(o.spec.db.host, o.spec.db.port)} ${o.spec.db.database}`);
    const listed = [...doc.matchAll(/^\| (\w+) \| [^|]+ \| `([^`]+)` \|/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(referenced).toEqual(['postgresql keycloak']);
    expect(listed).toContain('postgresql keycloak');
    expect(doc).toContain('| postgresql | pgsql.dbaas.turnsys.com:5432 | `keycloak` | `keycloak` | `bitwarden:keycloak-db` | keycloak |');
    expect(fs.readFileSync(path.join(REPO, 'docs', 'databases.md'), 'utf8')).toBe(doc);
  });

  test('GIVEN docs/ldap.md WHEN read THEN the bind account is listed as used by Keycloak too', () => {
    const ldap = rendered.find((f) => f.path === 'docs/ldap.md')!.content;
    expect(ldap).toMatch(/^\| `uid=svc-k8s-platform,cn=users,dc=turnsys,dc=com` \| [^|]*\bkeycloak\b[^|]* \| /m);
  });
});
