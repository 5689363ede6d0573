import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { ConfigError, formatIssue } from '../../lib/config/errors';
import { parseApp } from '../../lib/config/load-apps';
import { renderSite } from '../../lib/synth';
import { verifyTree } from '../../lib/verify/verify';
import { shippedSite, withSynthesizedApps } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const site = shippedSite();

/** Apps whose DBaaS bindings name their variables: templates, the images' table, redis. */
const APPS: Record<string, string> = {
  // One DATABASE_URL, a per-part user, and a plain host:port.
  reports: [
    'environment: prod', 'image: registry.turnsys.com/tsys/reports:3.1.0', 'ports: [ { name: http, port: 8080 } ]',
    'databases:',
    '  - engine: postgresql',
    '    env: { DATABASE_URL: "{{ .url }}?sslmode=require", DB_ADDRESS: "{{ .host }}:{{ .port }}", DB_LOGIN: "{{ .user }}" }',
    '  - engine: redis',
    '    env: { REDIS_URL: "{{ .url }}" }',
  ].join('\n'),
  // No env, no envPrefix: the names WordPress reads, from the table.
  blog: [
    'environment: prod', 'image: docker.io/library/wordpress:6.8.1-apache', 'ports: [ { name: http, port: 8080 } ]',
    'databases: [ { engine: mysql } ]',
  ].join('\n'),
};

const ref = (key: string) => ({ name: key, valueFrom: { secretKeyRef: { name: `${key.startsWith('WORDPRESS') ? 'blog' : 'reports'}-env`, key } } });
const login = (item: string, property: string, secretKey: string) => ({ secretKey, remoteRef: { key: item, property } });

describe('DBaaS bindings the apps can read', () => {
  const specs = Object.keys(APPS).sort().map((n) => parseApp(APPS[n], `apps/${n}.yaml`, site));
  const files = new Map(renderSite(site, undefined, specs).map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => parse(files.get(p)!);
  const env = (app: string) => obj(`dist/workloads/${app}/deployment-${app}.yaml`).spec.template.spec.containers[0].env;

  test('GIVEN a binding with env templates WHEN rendered THEN the URL is an External Secrets template over the login, plain parts are plain, and the Deployment reads the Secret keys', () => {
    expect(env('reports')).toEqual([
      { name: 'DB_ADDRESS', value: 'pgsql.dbaas.turnsys.com:5432' },
      ref('DATABASE_URL'), ref('DB_LOGIN'), ref('REDIS_URL'),
    ]);
    const es = obj('dist/workloads/reports/externalsecret-reports-env.yaml');
    expect(es.spec.data).toEqual([
      login('app-reports-postgresql', 'username', 'DB_LOGIN'),
      login('app-reports-postgresql', 'password', 'binding-0-password'),
      login('app-reports-postgresql', 'username', 'binding-0-username'),
      login('app-reports-redis', 'password', 'binding-1-password'),
      login('app-reports-redis', 'username', 'binding-1-username'),
    ]);
    const enc = (key: string) => `{{ index . "${key}" | urlquery | replace "+" "%20" }}`;
    expect(es.spec.target.template).toEqual({
      engineVersion: 'v2',
      data: {
        DATABASE_URL: `postgresql://${enc('binding-0-username')}:${enc('binding-0-password')}@pgsql.dbaas.turnsys.com:5432/reports?sslmode=require`,
        DB_LOGIN: '{{ .DB_LOGIN }}',
        REDIS_URL: `redis://${enc('binding-1-username')}:${enc('binding-1-password')}@redis.dbaas.turnsys.com:6379`,
      },
    });
  });

  test('GIVEN a WordPress image bound to mysql without env or envPrefix WHEN rendered THEN it gets the variables WordPress reads', () => {
    expect(env('blog')).toEqual([
      { name: 'WORDPRESS_DB_HOST', value: 'mysql.dbaas.turnsys.com:3306' }, { name: 'WORDPRESS_DB_NAME', value: 'blog' },
      ref('WORDPRESS_DB_PASSWORD'), ref('WORDPRESS_DB_USER'),
    ]);
    const es = obj('dist/workloads/blog/externalsecret-blog-env.yaml');
    expect(es.spec.data).toEqual([login('app-blog-mysql', 'password', 'WORDPRESS_DB_PASSWORD'), login('app-blog-mysql', 'username', 'WORDPRESS_DB_USER')]);
    // Login fields only: no template.
    expect(es.spec.target.template).toBeUndefined();
    expect(files.get('docs/databases.md')).toContain('| mysql | mysql.dbaas.turnsys.com:3306 | `blog` | `bitwarden:app-blog-mysql#username` | `bitwarden:app-blog-mysql#password` | app blog (prod) |');
  });

  test('GIVEN a literal account in a binding template WHEN parsed THEN it is refused with its path, like a secret in env', () => {
    const spec = APPS.reports.replace('"{{ .url }}?sslmode=require"', '"postgresql://reports:hunter22@{{ .host }}/reports"');
    let error: unknown;
    try { parseApp(spec, 'apps/reports.yaml', site); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map(formatIssue)).toEqual([
      expect.stringMatching(/^apps\/reports\.yaml:6:\d+: databases\[0\]\.env\.DATABASE_URL: holds a secret, a URL with a password \(postgresql:\/\/reports:…@/),
    ]);
  });

  test('GIVEN two bindings of the same image convention WHEN parsed THEN the second is refused: it would set the same variables', () => {
    const spec = APPS.blog.replace('databases: [ { engine: mysql } ]', 'databases: [ { engine: mysql }, { engine: mysql, name: archive } ]');
    let error: unknown;
    try { parseApp(spec, 'apps/blog.yaml', site); } catch (e) { error = e; }
    expect((error as ConfigError).issues.map(formatIssue)).toEqual([
      'apps/blog.yaml:4:33: databases[1]: sets "WORDPRESS_DB_HOST", "WORDPRESS_DB_NAME", "WORDPRESS_DB_USER", "WORDPRESS_DB_PASSWORD" (what wordpress reads), which databases[0] sets too; name this binding\'s variables in its env, e.g. `env: { OTHER_URL: "{{ .url }}" }`',
    ]);
  });

  test('GIVEN the binding apps in a temporary checkout WHEN synthesized THEN verify passes: no password or URL with a password reaches dist/', () => {
    withSynthesizedApps(APPS, (root) => {
      expect(verifyTree(root)).toEqual([]);
      for (const app of Object.keys(APPS)) {
        for (const f of fs.readdirSync(path.join(root, 'dist', 'workloads', app))) {
          expect(fs.readFileSync(path.join(root, 'dist', 'workloads', app, f), 'utf8')).not.toMatch(/:\/\/[^\s{]*:[^\s{]+@/);
        }
      }
    });
  }, 600_000);
});
