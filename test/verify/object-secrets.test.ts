import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { loadManifests } from '../../lib/k8s/manifest-yaml';
import { objectSecrets, privateKeys, secretLiteralCandidates, secretValues } from '../../lib/verify/secret-literals';
import type { JsonMap } from '../../lib/k8s/manifest';

const KEY = `-----BEGIN RSA PRIVATE KEY-----\n${'A'.repeat(64)}\n-----END RSA PRIVATE KEY-----`;

/** The three scans, one walk each: what `objectSecrets` must give in one walk. */
const threeWalks = (o: JsonMap) => ({ literals: secretLiteralCandidates(o), values: secretValues(o), keys: privateKeys(o) });

// Names and texts the scans tell apart: secret-like keys and suffixes, env pairs, YAML-holding
// fields and maps, references of every allowed form, values secret by their shape.
const KEYS = ['password', 'db_password', 'token', 'apiKey', 'clientSecret', 'secret', 'name', 'value', 'data', 'valuesContent', 'dex.config',
  'configScripts', 'podTemplates', 'config.yaml', 'x.yml', 'url', 'labels', 'spec', 'serviceAccountPassword', 'bootstrapAdmin', 'user', 'placeholders', 'plain', '', '__proto__'];
const TEXTS = ['hunter2', '', 'bitwarden:db/password', '$argocd-secret:key', '$key', '${ADMIN}', '${VAR}', 'postgres://u:pa55@db:5432/x', KEY,
  'password: hunter2\nurl: https://a:b@c/d\n', '- name: API_TOKEN\n  value: abc\n', 'jenkins:\n  token: ${JENKINS_TOKEN}\n', 'a: [unclosed', 'cattle-global-data:rancher-ldap', 'keycloak-admin', 'DB_PASSWORD', 'DB_URL_FILE'];
const KINDS = ['ConfigMap', 'Secret', 'ExternalSecret', 'SecretStore', 'ClusterSecretStore', 'AuthConfig', 'Keycloak', 'KeycloakRealmImport', 'Deployment', 'Application'];

const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.constantFrom(...TEXTS), fc.integer(), fc.boolean(), fc.constant(null), tie('map'), tie('list')),
  map: fc.dictionary(fc.constantFrom(...KEYS), tie('v'), { maxKeys: 5 }),
  list: fc.array(tie('v'), { maxLength: 4 }),
})).v;

const object: fc.Arbitrary<JsonMap> = fc.record({
  kind: fc.constantFrom(...KINDS),
  metadata: fc.record({ name: fc.constant('x'), labels: fc.constantFrom({}, { 'jenkins-jenkins-config': 'true' }) }),
  data: fc.dictionary(fc.constantFrom('config.yaml', 'x.yml', 'plain', 'password'), fc.constantFrom(...TEXTS), { maxKeys: 3 }),
  spec: value,
}).map((o) => ({ apiVersion: 'v1', ...o }) as JsonMap);

describe('the secret scans of an object in one walk', () => {
  test('GIVEN random objects of every kind the scans treat apart (secret-like keys, env pairs, YAML in strings, references, PEM keys, URLs with passwords) WHEN scanned in one walk THEN each list equals its own scan, in order', () => {
    let found = 0;
    fc.assert(fc.property(object, (o) => {
      const one = objectSecrets(o);
      expect(one).toEqual(threeWalks(o));
      found += one.literals.length + one.values.length + one.keys.length;
    }), { numRuns: 1500, seed: 18 });
    // The property is about findings, not only empty lists.
    expect(found).toBeGreaterThan(1000);
  });

  test('GIVEN the cases one walk must carry from a parent (a JCasC script in configScripts, an env pair naming a *_FILE variable, a key passed on to a list\'s items) WHEN scanned in one walk THEN each equals the three scans, and each case finds what it should', () => {
    const cases: [JsonMap, (s: ReturnType<typeof objectSecrets>) => void][] = [
      // `${name}` in a JCasC script is a reference, not a literal.
      [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'j' }, spec: { configScripts: { ldap: 'jenkins:\n  token: ${JENKINS_TOKEN}\n  password: hunter2\n' } } }, (s) => expect(s.literals.map((l) => l.path)).toEqual(['spec.configScripts.ldap(yaml)[0].jenkins.password'])],
      // A `*_FILE` variable's value is the path of a file: its URL-shaped value is not a secret by its shape.
      [{ apiVersion: 'v1', kind: 'Deployment', metadata: { name: 'd' }, env: [{ name: 'DB_URL_FILE', value: 'postgres://u:pa55@db:5432/x' }, { name: 'DB_URL', value: 'postgres://u:pa55@db:5432/x' }] }, (s) => expect(s.values.map((v) => v.path)).toEqual(['env[1].value'])],
      // `${name}` is a reference only inside a JCasC document: an env pair's `${VAR}` outside one is a literal.
      [{ apiVersion: 'v1', kind: 'Deployment', metadata: { name: 'd' }, env: [{ name: 'DB_PASSWORD', value: '${VAR}' }] }, (s) => expect(s.literals.map((l) => l.path)).toEqual(['env[0].value'])],
      // A list's items are named by the list's key: a list of passwords holds literals.
      [{ apiVersion: 'v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { password: ['hunter2', 'bitwarden:x'] } }, (s) => expect(s.literals.map((l) => l.path)).toEqual(['spec.password[0]'])],
    ];
    for (const [o, expectations] of cases) {
      const one = objectSecrets(o);
      expect(one).toEqual(threeWalks(o));
      expectations(one);
    }
  });

  test('GIVEN a ConfigMap with a literal, an env pair, a YAML file, a URL with a password and a private key WHEN scanned in one walk THEN all three lists are found', () => {
    const o = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'config.yaml': 'db:\n  password: hunter2\n  url: postgres://u:pa55@db:5432/x\n' }, list: [{ name: 'API_TOKEN', value: 'abc' }, { key: KEY }] };
    const one = objectSecrets(o);
    expect(one.literals.map((l) => l.path)).toEqual(['data.config.yaml(yaml)[0].db.password', 'list[0].value']);
    expect(one.values.map((v) => [v.path, v.found.shape])).toEqual([['data.config.yaml', 'url-password'], ['list[1].key', 'private-key']]);
    expect(one.keys).toEqual(['list[1].key']);
  });

  test('GIVEN every object of the committed render WHEN scanned in one walk THEN each equals the three scans', () => {
    const objects: JsonMap[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.yaml')) for (const o of loadManifests(fs.readFileSync(p, 'utf8'), p)) if (o && typeof o === 'object' && !Array.isArray(o)) objects.push(o as JsonMap);
      }
    };
    for (const dir of ['dist', 'argocd']) walk(path.join(__dirname, '..', '..', dir));
    expect(objects.length).toBeGreaterThan(500);
    for (const o of objects) expect(objectSecrets(o)).toEqual(threeWalks(o));
  });
});
