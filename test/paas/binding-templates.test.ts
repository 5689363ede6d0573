import { DATABASE_ENGINES } from '../../lib/config/app-schema';
import { BINDING_CONVENTIONS, conventionalBindingEnv, imageRepository } from '../../lib/paas/binding-conventions';
import { bindingEnv, BindingEndpoint, parseBindingTemplate, renderBindingVariable } from '../../lib/paas/binding-templates';

const input = (field: string) => `binding-0-${field}`;
const enc = (field: string) => `{{ index . "binding-0-${field}" | urlquery | replace "+" "%20" }}`;
const at = (engine: BindingEndpoint['engine'], host: string, port: number): BindingEndpoint => ({ engine, host, port, name: 'wiki' });

describe('binding templates', () => {
  test('GIVEN templates with parts, pipes and text WHEN parsed THEN the pieces come back; unknown parts and stray braces are errors naming the parts', () => {
    expect(parseBindingTemplate('{{ .host }}:{{.port}}')).toEqual({ pieces: [{ part: 'host', urlquery: false }, { text: ':' }, { part: 'port', urlquery: false }] });
    expect(parseBindingTemplate('x{{ .password | urlquery }}')).toEqual({ pieces: [{ text: 'x' }, { part: 'password', urlquery: true }] });
    expect(parseBindingTemplate('{{ .pasword }}')).toEqual({ error: '"{{ .pasword }}" names no part of the binding; the parts are {{ .host }}, {{ .port }}, {{ .name }}, {{ .user }}, {{ .password }}, {{ .url }}' });
    expect(parseBindingTemplate('{{ .user | b64enc }}')).toEqual({ error: expect.stringContaining('is not a part of the binding: write {{ .<part> }} or {{ .<part> | urlquery }}') });
    expect(parseBindingTemplate('{{ .host }}}}')).toEqual({ error: expect.stringContaining('has an unmatched "}}"') });
    expect(parseBindingTemplate('{{ .host')).toEqual({ error: expect.stringContaining('has an unmatched "{{"') });
  });

  test('GIVEN each engine WHEN {{ .url }} is rendered THEN its URL carries the URL-encoded login where the engine takes one, and none for memcached and etcd', () => {
    const url = (engine: BindingEndpoint['engine'], port: number) => renderBindingVariable('{{ .url }}', at(engine, `${engine}.db`, port), input);
    const account = `${enc('username')}:${enc('password')}@`;
    const secret = (template: string) => ({ kind: 'template', template, fields: ['password', 'username'] });
    expect(url('postgresql', 5432)).toEqual(secret(`postgresql://${account}postgresql.db:5432/wiki`));
    expect(url('mysql', 3306)).toEqual(secret(`mysql://${account}mysql.db:3306/wiki`));
    expect(url('mongodb', 27017)).toEqual(secret(`mongodb://${account}mongodb.db:27017/wiki`));
    expect(url('redis', 6379)).toEqual(secret(`redis://${account}redis.db:6379`));
    expect(url('mqtt', 1883)).toEqual(secret(`mqtt://${account}mqtt.db:1883`));
    expect(url('elasticsearch', 9200)).toEqual(secret(`https://${account}elasticsearch.db:9200`));
    expect(url('etcd', 2379)).toEqual({ kind: 'plain', value: 'http://etcd.db:2379' });
    expect(url('memcached', 11211)).toEqual({ kind: 'plain', value: 'memcached.db:11211' });
  });

  test('GIVEN a part alone, parts without the login, and a mix WHEN rendered THEN a login field, a plain value and a template', () => {
    const b = at('postgresql', 'pgsql.db', 5432);
    expect(renderBindingVariable('{{ .user }}', b, input)).toEqual({ kind: 'account', field: 'username' });
    expect(renderBindingVariable('{{ .password }}', b, input)).toEqual({ kind: 'account', field: 'password' });
    expect(renderBindingVariable('{{ .password | urlquery }}', b, input)).toEqual({ kind: 'template', template: enc('password'), fields: ['password'] });
    expect(renderBindingVariable('host={{ .host }} port={{ .port }} dbname={{ .name }}', b, input)).toEqual({ kind: 'plain', value: 'host=pgsql.db port=5432 dbname=wiki' });
    expect(renderBindingVariable('host={{ .host }} user={{ .user }} password={{ .password }}', b, input)).toEqual({
      kind: 'template', template: 'host=pgsql.db user={{ index . "binding-0-username" }} password={{ index . "binding-0-password" }}', fields: ['password', 'username'],
    });
  });

  test('GIVEN a binding WHEN its variables are chosen THEN env wins, then envPrefix, then the image\'s names, then the engine in capitals', () => {
    expect(bindingEnv({ engine: 'postgresql', env: { DATABASE_URL: '{{ .url }}' } }, 'wordpress:6.8.1')).toEqual({ env: { DATABASE_URL: '{{ .url }}' }, source: 'env' });
    expect(bindingEnv({ engine: 'mysql', envPrefix: 'DB' }, 'wordpress:6.8.1').env).toEqual({ DB_HOST: '{{ .host }}', DB_PORT: '{{ .port }}', DB_NAME: '{{ .name }}', DB_USER: '{{ .user }}', DB_PASSWORD: '{{ .password }}' });
    expect(bindingEnv({ engine: 'mysql' }, 'wordpress:6.8.1').source).toBe('image');
    expect(bindingEnv({ engine: 'postgresql' }, 'wordpress:6.8.1')).toMatchObject({ source: 'engine', prefix: 'POSTGRESQL' });
  });
});

describe('the images\' binding conventions (lib/paas/binding-conventions.ts)', () => {
  test('GIVEN image references with registries, library/, tags and digests WHEN keyed THEN the repository alone', () => {
    expect(imageRepository('wordpress:6.8.1-apache')).toBe('wordpress');
    expect(imageRepository('docker.io/library/wordpress:6.8.1-apache')).toBe('wordpress');
    expect(imageRepository(`library/postgres:17.2@sha256:${'a'.repeat(64)}`)).toBe('postgres');
    expect(imageRepository('quay.io/keycloak/keycloak:26.0.7')).toBe('keycloak/keycloak');
    expect(imageRepository('localhost:5000/gitea/gitea:1.23')).toBe('gitea/gitea');
    expect(imageRepository('codeberg.org/forgejo/forgejo:10')).toBe('forgejo/forgejo');
    expect(imageRepository('mattermost/mattermost-team-edition:10.5.2')).toBe('mattermost/mattermost-team-edition');
  });

  test('GIVEN odd image references (a registry with a port and no tag, a port-like tag, a digest only, a bare library, empty components) WHEN keyed THEN as the reference\'s parts say; an image named like a property of every object is in no convention', () => {
    const cases: [string, string][] = [
      ['registry.example.com:5000/team/app', 'team/app'], ['localhost/app:1', 'app'], ['localhost', 'localhost'], ['localhost:1', 'localhost'],
      ['team/app:1.0@sha256:abc', 'team/app'], ['app@sha256:abc', 'app'], ['library', 'library'], ['library/', ''], ['docker.io/library', 'library'],
      ['/app:1', '/app'], ['a.b/c:1/d', 'c:1/d'], ['team/app', 'team/app'], ['', ''], ['example.com/library/x/y:2', 'x/y'],
    ];
    expect(cases.map(([image]) => [image, imageRepository(image)])).toEqual(cases);
    expect(conventionalBindingEnv('constructor:1', 'postgresql')).toBeUndefined();
    expect(conventionalBindingEnv('docker.io/library/__proto__', 'mysql')).toBeUndefined();
  });

  test('GIVEN widely used images WHEN looked up THEN the names they read: WordPress, Nextcloud with redis, Mattermost\'s DSN, Outline\'s URLs', () => {
    expect(conventionalBindingEnv('wordpress:6.8.1', 'mysql')).toEqual({
      WORDPRESS_DB_HOST: '{{ .host }}:{{ .port }}', WORDPRESS_DB_NAME: '{{ .name }}', WORDPRESS_DB_USER: '{{ .user }}', WORDPRESS_DB_PASSWORD: '{{ .password }}',
    });
    expect(conventionalBindingEnv('wordpress:6.8.1', 'postgresql')).toBeUndefined();
    expect(conventionalBindingEnv('nginx:1.27.3', 'postgresql')).toBeUndefined();
    expect(Object.keys(conventionalBindingEnv('nextcloud:31.0.2-apache', 'redis')!)).toEqual(['REDIS_HOST', 'REDIS_HOST_PORT', 'REDIS_HOST_USER', 'REDIS_HOST_PASSWORD']);
    expect(Object.keys(conventionalBindingEnv('nextcloud:31.0.2-apache', 'mysql')!)).toEqual(['MYSQL_HOST', 'MYSQL_DATABASE', 'MYSQL_USER', 'MYSQL_PASSWORD']);
    expect(conventionalBindingEnv('mattermost/mattermost-team-edition:10.5.2', 'postgresql')!.MM_SQLSETTINGS_DATASOURCE).toMatch(/^postgres:\/\/\{\{ \.user \| urlquery \}\}:/);
    expect(conventionalBindingEnv('outlinewiki/outline:0.82.0', 'redis')).toEqual({ REDIS_URL: '{{ .url }}' });
    expect(Object.keys(conventionalBindingEnv('postgres:17.2', 'postgresql')!)).toEqual(expect.arrayContaining(['POSTGRES_HOST', 'POSTGRES_PORT', 'POSTGRES_DB', 'POSTGRES_USER', 'POSTGRES_PASSWORD']));
    expect(Object.keys(conventionalBindingEnv('mariadb:11.4', 'mysql')!)).toEqual(expect.arrayContaining(['MYSQL_HOST', 'MYSQL_DATABASE', 'MYSQL_USER', 'MYSQL_PASSWORD']));
  });

  test('GIVEN every entry of the table WHEN checked THEN it cites its documentation, names engines of the DBaaS, and every template parses and reads the login', () => {
    const problems: string[] = [];
    for (const [repo, c] of Object.entries(BINDING_CONVENTIONS)) {
      if (!/^https:\/\/\S+$/.test(c.docs)) problems.push(`${repo}: docs ${c.docs}`);
      if (repo !== imageRepository(repo)) problems.push(`${repo}: not a bare repository`);
      for (const [engine, env] of Object.entries(c.env)) {
        if (!(DATABASE_ENGINES as readonly string[]).includes(engine)) problems.push(`${repo}: engine ${engine}`);
        for (const [name, template] of Object.entries(env!)) {
          const parsed = parseBindingTemplate(template);
          if ('error' in parsed) problems.push(`${repo} ${engine} ${name}: ${parsed.error}`);
        }
        const rendered = Object.values(env!).map((t) => renderBindingVariable(t, at(engine as BindingEndpoint['engine'], 'h', 1), input));
        if (!rendered.some((r) => r.kind !== 'plain')) problems.push(`${repo} ${engine}: no variable carries the login`);
      }
    }
    expect(problems).toEqual([]);
    expect(Object.keys(BINDING_CONVENTIONS).length).toBeGreaterThanOrEqual(18);
  });
});
