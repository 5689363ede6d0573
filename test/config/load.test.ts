import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../../lib/config/errors';
import { loadSite, parseSite } from '../../lib/config/load';
import { REPO } from '../helpers';

const SITE = fs.readFileSync(path.join(REPO, 'site.yaml'), 'utf8');

function errorOf(text: string): ConfigError {
  try {
    parseSite(text, 'site.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('site config loader', () => {
  test('GIVEN the shipped site.yaml WHEN loaded THEN it describes the TSYS site from the plan', () => {
    const site = loadSite(path.join(REPO, 'site.yaml'));
    const byName = Object.fromEntries(site.nodes.map((n) => [n.name, n]));
    expect(site.nodes.filter((n) => n.role === 'server').map((n) => n.name)).toEqual(['db1', 'db2', 'db3']);
    expect(['www1', 'www2', 'www3', 'subord'].map((n) => byName[n].role)).toEqual(['agent', 'agent', 'agent', 'agent']);
    expect(byName.db1.ip).toBe('10.251.51.1');
    expect(byName.www3.ip).toBe('10.251.50.3');
    expect(byName.subord.rnd).toBe(true);
    expect(site.nodes.filter((n) => n.storage).map((n) => n.name)).toEqual(['db1', 'db2', 'db3', 'www2', 'www3', 'www1', 'subord']);
    expect(site.ldap.bindPassword).toMatch(/^bitwarden:/);
    expect(site.git.revision).toBe('main');
  });

  test('GIVEN the shipped site WHEN loaded THEN every node has the default capacity and the budget is 90 s; a site without an ha section gets the same', () => {
    const site = parseSite(SITE, 'site.yaml');
    expect(site.nodes.map((n) => [n.cpu, n.memory])).toEqual(site.nodes.map(() => [4, '8Gi']));
    expect(site.ha).toEqual({ recoveryBudgetSeconds: 90 });
    const without = SITE.replace(/\n# HA: the node-failure[\s\S]*$/, '\n');
    expect(without).not.toMatch(/^ha:/m);
    expect(parseSite(without, 'site.yaml').ha).toEqual({ recoveryBudgetSeconds: 90 });
    const sized = parseSite(SITE.replace('    rnd: true\n', '    rnd: true\n    cpu: "3500m"\n    memory: 16Gi\n'), 'site.yaml');
    expect([sized.nodes[6].cpu, sized.nodes[6].memory]).toEqual(['3500m', '16Gi']);
  });

  test('GIVEN a loaded site WHEN code tries to change it THEN it is frozen', () => {
    const site = parseSite(SITE, 'site.yaml');
    expect(Object.isFrozen(site)).toBe(true);
    expect(Object.isFrozen(site.nodes[0])).toBe(true);
    expect(() => {
      (site.nodes as unknown as unknown[]).push({});
    }).toThrow();
  });

  test('GIVEN several problems WHEN loaded THEN every one is reported, in file order', () => {
    const text = SITE.replace('apiVip: 10.251.51.10', 'apiVip: 10.251.51.300').replace('    ip: 10.251.50.2\n', '    ip: nope\n');
    const error = errorOf(text);
    expect(error.issues.map((i) => i.field)).toEqual(['nodes[3].ip', 'network.apiVip']);
    expect(error.issues[0].line).toBeLessThan(error.issues[1].line);
  });

  test('GIVEN a file that does not exist WHEN loaded THEN the error names it', () => {
    expect(() => loadSite('/nonexistent/site.yaml')).toThrow(/nonexistent\/site\.yaml.*the site file does not exist/);
  });

  test('GIVEN a site missing a whole section WHEN loaded THEN the field is named as required', () => {
    const text = SITE.replace(/\ngit:\n(  .*\n)+/, '\n');
    expect(errorOf(text).issues.map((i) => `${i.field}: ${i.message}`)).toEqual(['git: is required (a map)']);
  });

  test('GIVEN a site without harbor and jenkins sections WHEN loaded THEN both are on, with the documented Bitwarden items and sizes', () => {
    const text = SITE.replace(/\nharbor:\n(  .*\n)+/, '\n').replace(/\njenkins:\n(  .*\n)+/, '\n');
    expect(text).not.toMatch(/^(harbor|jenkins):/m);
    const site = parseSite(text, 'site.yaml');
    expect(site.harbor).toEqual({
      enabled: true,
      adminPassword: 'bitwarden:harbor-admin', databasePassword: 'bitwarden:harbor-db', redisPassword: 'bitwarden:harbor-redis',
      secretKey: 'bitwarden:harbor-secret-key', coreSecret: 'bitwarden:harbor-core-secret', jobserviceSecret: 'bitwarden:harbor-jobservice-secret',
      registryHttpSecret: 'bitwarden:harbor-registry-http-secret', registryCredentials: 'bitwarden:harbor-registry-credentials',
      csrfKey: 'bitwarden:harbor-csrf-key', tokenKey: 'bitwarden:harbor-token-key#notes', robotAccount: 'bitwarden:harbor-robot-ci-push',
      storageSize: '100Gi',
    });
    expect(site.jenkins).toEqual({ enabled: true, adminCredentials: 'bitwarden:jenkins-admin', storageSize: '50Gi', releaseCredentials: 'bitwarden:gitea-jenkins-release' });
    // The shipped site spells out the same values.
    expect(parseSite(SITE, 'site.yaml').harbor).toEqual(site.harbor);
    expect(parseSite(SITE, 'site.yaml').jenkins).toEqual(site.jenkins);
  });

  test('GIVEN a Harbor secret written as a value WHEN loaded THEN only a Bitwarden reference is accepted', () => {
    const error = errorOf(SITE.replace('  redisPassword: bitwarden:harbor-redis', '  redisPassword: hunter2'));
    expect(error.issues.map((i) => `${i.field}: ${i.message}`)).toEqual([
      'harbor.redisPassword: must be a Bitwarden reference "bitwarden:<item name>[#username|#password|#notes]" (never the secret itself), got "hunter2"',
    ]);
  });

  test('GIVEN a duplicate YAML key WHEN loaded THEN it is a syntax error with its line, naming the key and where it was first set', () => {
    const error = errorOf(SITE.replace('name: tsys\n', 'name: tsys\nname: other\n'));
    expect(error.issues[0].message).toBe(`YAML syntax: duplicate key "name" (first set on line ${SITE.split('\n').indexOf('name: tsys') + 1}): a map holds each key once; keep one of them`);
    expect(error.issues[0].field).toBe('name');
    expect(error.issues[0].line).toBe(SITE.split('\n').indexOf('name: tsys') + 2);
  });

  test('GIVEN bad label keys on a node WHEN loaded THEN the label is named', () => {
    const text = SITE.replace('    rnd: true\n', '    rnd: true\n    labels:\n      "bad key!": x\n');
    expect(errorOf(text).issues[0].field).toBe('nodes[6].labels.bad key!');
  });

  test('GIVEN a site without a keycloak section WHEN loaded THEN Keycloak is on and every field takes its default Bitwarden item', () => {
    // Every section from Keycloak's on is cut; the object store Velero and Loki need is put back.
    const s3 = 'backups:\n  s3: { endpoint: "https://minio.nas.turnsys.com:9000", bucket: velero, region: minio, credentials: "bitwarden:minio-velero" }\n';
    const site = parseSite(`${SITE.replace(/\n# Keycloak \(IAM[\s\S]*$/, '\n')}${s3}`, 'site.yaml');
    expect(site.keycloak).toEqual({
      enabled: true,
      databaseUser: 'keycloak',
      databasePassword: 'bitwarden:keycloak-db',
      bootstrapAdmin: 'bitwarden:keycloak-bootstrap-admin',
      clientSecrets: { 'api-gateway': 'bitwarden:keycloak-client-api-gateway' },
    });
  });

  test('GIVEN a client secret given as a value or an unknown client WHEN loaded THEN both are named, the typo with the allowed clients', () => {
    const text = SITE.replace('    api-gateway: bitwarden:keycloak-client-api-gateway\n', '    api-gateway: s3cr3t\n    api-gatway: bitwarden:x\n');
    expect(errorOf(text).issues.map((i) => `${i.field}: ${i.message}`)).toEqual([
      'keycloak.clientSecrets.api-gateway: must be a Bitwarden reference "bitwarden:<item name>[#username|#password|#notes]" (never the secret itself), got "s3cr3t"',
      'keycloak.clientSecrets.api-gatway: unknown key "api-gatway"; did you mean "api-gateway"? allowed: api-gateway',
    ]);
  });
});
