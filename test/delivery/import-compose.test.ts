import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { parseApp } from '../../lib/config/load-apps';
import { runImportComposeCli } from '../../lib/delivery/app-cli';
import { formatImport, importCompose, ServiceOutcome } from '../../lib/delivery/import-compose';
import { testIo } from './cli-io';
import { REPO, shippedSite } from '../helpers';
import { commandLine, runCommandLine } from '../command-line';

const FIXTURES = path.join(REPO, 'test/fixtures/compose');
const site = shippedSite();

/** Imports a fixture the way the command line names it from the repository root. */
function importFixture(name: string): ServiceOutcome[] {
  const source = `test/fixtures/compose/${name}/docker-compose.yml`;
  return importCompose(fs.readFileSync(path.join(REPO, source), 'utf8'), { site, source, outDir: 'apps' });
}

function importText(text: string, options: { environment?: 'sit' | 'uat' | 'prod'; domain?: string } = {}): ServiceOutcome[] {
  return importCompose(text, { site, source: 'docker-compose.yml', outDir: 'apps', ...options });
}

const apps = (outcomes: readonly ServiceOutcome[]) => outcomes.flatMap((o) => (o.kind === 'app' ? [o] : []));

describe('import-compose on real-world-shaped compose files', () => {
  // real/ holds the public compose files: test/delivery/import-compose-real.test.ts.
  const fixtures = fs.readdirSync(FIXTURES).filter((f) => f !== 'real').sort();

  test('GIVEN the fixtures THEN there are at least four, each with its expected specs and report', () => {
    expect(fixtures).toEqual(['gitea', 'legacy', 'n8n', 'nextcloud', 'wordpress']);
  });

  test.each(fixtures)('GIVEN %s WHEN imported THEN the specs and the report are exactly the expected ones, and every spec is valid', (name) => {
    const outcomes = importFixture(name);
    const expectedDir = path.join(FIXTURES, name, 'expected');
    const expectedSpecs = fs.readdirSync(expectedDir).filter((f) => f.endsWith('.yaml')).sort();
    expect(apps(outcomes).map((a) => `${a.app}.yaml`).sort()).toEqual(expectedSpecs);
    for (const a of apps(outcomes)) {
      expect(a.text).toBe(fs.readFileSync(path.join(expectedDir, `${a.app}.yaml`), 'utf8'));
      expect(() => parseApp(a.text, `apps/${a.app}.yaml`, site)).not.toThrow();
    }
    expect(formatImport(outcomes).join('\n') + '\n').toBe(fs.readFileSync(path.join(expectedDir, 'report.txt'), 'utf8'));
  });

  test('GIVEN WordPress + MySQL WHEN imported THEN MySQL becomes a binding with the variables WordPress reads and the app a singleton on its volume', () => {
    const outcomes = importFixture('wordpress');
    const written = outcomes.find((o) => o.kind === 'app' || o.kind === 'draft');
    const spec = parse(written && 'text' in written ? written.text : '');
    expect(spec).toMatchObject({
      image: 'wordpress:6.6.2-apache',
      replicas: 1,
      singleton: 'single writer of its ReadWriteOnce volume wp-data (imported from docker-compose)',
      strategy: { type: 'recreate' },
      ports: [{ name: 'http', port: 80 }],
      capabilities: ['NET_BIND_SERVICE'],
      health: { startupSeconds: 15 },
      volumes: [{ name: 'wp-data', mountPath: '/var/www/html', size: '10Gi' }],
      expose: { http: { host: 'wordpress.turnsys.com' } },
      databases: [{ engine: 'mysql', env: { WORDPRESS_DB_HOST: '{{ .host }}:{{ .port }}', WORDPRESS_DB_NAME: '{{ .name }}', WORDPRESS_DB_USER: '{{ .user }}', WORDPRESS_DB_PASSWORD: '{{ .password }}' } }],
    });
    expect(spec.env).toBeUndefined();
    expect(outcomes.find((o) => o.kind === 'database')).toEqual({ kind: 'database', service: 'db', image: 'mysql:8.0.39', engine: 'mysql', usedBy: ['wordpress'] });
    // The compose file's passwords are never copied.
    expect(written && 'text' in written ? written.text : '').not.toMatch(/somewordpress|PASSWORD: wordpress/);
  });

  test('GIVEN a file with build:, privileged, latest and no ports WHEN imported THEN those services become drafts with an OPEN question at the image, never specs', () => {
    const outcomes = importFixture('legacy');
    const drafts = outcomes.flatMap((o) => (o.kind === 'draft' ? [o] : []));
    expect(drafts.map((o) => [o.service, o.file])).toEqual([['web', 'apps/drafts/web.yaml'], ['worker', 'apps/drafts/worker.yaml']]);
    expect(drafts[0].reasons).toEqual([
      'image: image "tsys/legacy-web:latest" is not pinned: write a version tag (not "latest") or a digest @sha256:..., the one running today (docker inspect --format \'{{index .RepoDigests 0}}\' tsys/legacy-web:latest), or import again with --image web=<ref>',
    ]);
    expect(drafts[0].text).toContain('# OPEN: image "tsys/legacy-web:latest" is not pinned');
    expect(drafts[0].untranslated).toEqual(expect.arrayContaining([
      'privileged: never allowed; containers run with a restricted security context',
      'volume /var/run/docker.sock:/var/run/docker.sock: there is no Docker socket on the nodes',
    ]));
    // A service without ports is a worker.
    expect(parse(drafts[1].text)).toMatchObject({ kind: 'worker', image: 'TODO' });
    expect(formatImport(outcomes).join('\n')).not.toContain('abc123');
  });
});

describe('import-compose translation rules', () => {
  test('GIVEN secret-named variables in list and map form WHEN imported THEN they become Bitwarden references and no value is written', () => {
    const outcomes = importText([
      'services:',
      '  api:',
      '    image: ghcr.io/tsys/api:1.4.2',
      '    ports: ["8000:8000"]',
      '    environment:',
      '      - DB_PASSWORD=hunter2',
      '      - SESSION_SECRET=s3cr3t',
      '      - GITHUB_TOKEN=ghp_abc',
      '      - STRIPE_API_KEY=sk_live_x',
      '      - LOG_LEVEL=debug',
    ].join('\n'));
    const [app] = apps(outcomes);
    expect(parse(app.text).secrets).toEqual({
      DB_PASSWORD: 'bitwarden:app-api-db-password',
      SESSION_SECRET: 'bitwarden:app-api-session-secret',
      GITHUB_TOKEN: 'bitwarden:app-api-github-token',
      STRIPE_API_KEY: 'bitwarden:app-api-stripe-api-key',
    });
    expect(parse(app.text).env).toEqual({ LOG_LEVEL: 'debug' });
    expect(app.text).not.toMatch(/hunter2|s3cr3t|ghp_abc|sk_live_x/);
  });

  test('GIVEN a secret inside a harmless-named value WHEN imported THEN it becomes a Bitwarden reference with a note; a user-only URL stays plain and a *_FILE path is kept with a note', () => {
    const outcomes = importText([
      'services:',
      '  api:',
      '    image: ghcr.io/tsys/api:1.4.2',
      '    ports: ["8000:8000"]',
      '    environment:',
      '      SMTP_URL: smtp://mailer:hunter2@smtp.example.com:587',
      '      REPO_URL: https://deploy@git.example.com/app.git',
      '      DB_PASSWORD_FILE: /run/secrets/db_password',
    ].join('\n'));
    const [app] = apps(outcomes);
    const spec = parse(app.text);
    expect(spec.secrets).toEqual({ SMTP_URL: 'bitwarden:app-api-smtp-url' });
    expect(spec.env).toEqual({ REPO_URL: 'https://deploy@git.example.com/app.git', DB_PASSWORD_FILE: '/run/secrets/db_password' });
    expect(app.text).not.toMatch(/hunter2/);
    expect(app.notes).toEqual(expect.arrayContaining([
      'env SMTP_URL holds a URL with a password (smtp://mailer:…@smtp.example.com:587): it is a secret whatever its name, so it became bitwarden:app-api-smtp-url under secrets: (put the whole value in that Bitwarden item)',
      'env DB_PASSWORD_FILE names a file (/run/secrets/db_password) that compose secrets: filled; they are not carried over: mount the file, or set DB_PASSWORD under secrets: and drop DB_PASSWORD_FILE',
    ]));
  });

  test('GIVEN a non-HTTP published port, --env prod and --domain WHEN imported THEN it is exposed as TCP on its published port and the host uses the domain', () => {
    const outcomes = importText([
      'services:',
      '  mail:',
      '    image: docker.io/tsys/mail:3.1.0',
      '    ports: ["2525:25", "8080:8080"]',
      '    deploy: { replicas: 3 }',
    ].join('\n'), { environment: 'prod', domain: 'example.org' });
    const spec = parse(apps(outcomes)[0].text);
    expect(spec).toMatchObject({
      environment: 'prod',
      replicas: 3,
      ports: [{ name: 'http', port: 8080 }, { name: 'tcp-25', port: 25 }],
      expose: { http: { host: 'mail.example.org' }, tcp: [{ port: 'tcp-25', externalPort: 2525 }] },
    });
  });

  test('GIVEN a healthcheck with curl on an unpublished port WHEN imported THEN health.path is its path and the port is added', () => {
    const outcomes = importText([
      'services:',
      '  kuma:',
      '    image: louislam/uptime-kuma:1.23.16',
      '    ports: ["3001:3001"]',
      '    healthcheck:',
      '      test: ["CMD", "curl", "-f", "http://localhost:9090/api/health?full=1"]',
    ].join('\n'));
    const spec = parse(apps(outcomes)[0].text);
    expect(spec.ports).toEqual([{ name: 'http', port: 9090 }, { name: 'tcp-3001', port: 3001 }]);
    expect(spec.health).toEqual({ path: '/api/health?full=1' });
  });

  test('GIVEN a command and an env value that name other services as hosts WHEN imported THEN the database host and the app host are reported, a bare word is not', () => {
    const text = [
      'services:',
      '  web:',
      '    image: example/web:1.0.0',
      '    ports: ["8080:8080"]',
      '    command: sh -c "until nc -z db 5432; do sleep 1; done; exec web --queue worker"',
      '    environment:',
      '      QUEUE_URL: amqp://queue:5672',
      '    depends_on: [db]',
      '  queue:',
      '    image: example/queue:2.0.0',
      '    expose: ["5672"]',
      '  worker:',
      '    image: example/worker:1.0.0',
      '  db:',
      '    image: postgres:16',
      '',
    ].join('\n');
    const web = importText(text).find((o) => o.service === 'web')!;
    expect(web.kind).toBe('app');
    const notes = web.kind === 'app' ? web.notes : [];
    expect(notes).toContain('args names the database host "db", which will not exist (the DBaaS replaces it): use the binding\'s variables there');
    expect(notes).toContain('env QUEUE_URL names the host "queue": reach it as queue.sit.svc (its Service; calls lets this app through to it), not "queue"');
    expect(notes.filter((n) => n.includes('"worker"'))).toEqual([]);
    // The host named gets a call (every port of its Service); the database host and the worker do not.
    expect(parse(web.kind === 'app' ? web.text : '').calls).toEqual([{ app: 'queue' }]);
  });

  test('GIVEN a second published port that speaks HTTP WHEN imported THEN it is not exposed as raw TCP, and the report says so', () => {
    const text = [
      'services:',
      '  chat:',
      '    image: example/chat:1.0.0',
      '    ports: ["3000:3000", "9458:9458"]',
      '    environment:',
      '      PORT: "3000"',
      '      METRICS_URL: http://localhost:9458/metrics',
      '',
    ].join('\n');
    const chat = importText(text).find((o) => o.service === 'chat')!;
    expect(chat.kind).toBe('app');
    const spec = chat.kind === 'app' ? parse(chat.text) : {};
    expect(spec.expose).toEqual({ http: { host: 'chat.turnsys.com' } });
    expect(chat.kind === 'app' ? chat.notes : []).toContain('published port 9458 speaks HTTP too: not exposed (an app has one HTTP host, on its http port); reachable inside the cluster on the app\'s Service, or make it a second app');
  });

  test('GIVEN a file that is not a compose file WHEN imported THEN it is refused by name', () => {
    expect(() => importText('version: "3"\n')).toThrow('docker-compose.yml has no "services:" map; is it a docker-compose file?');
  });

  test('GIVEN a file whose value nests deeper than the YAML parser can go, and one with an unclosed quote WHEN imported THEN each is refused by name and line, in words', () => {
    const deep = `services:\n  web:\n    image: nginx:1.27.0\n    environment: ${'['.repeat(20000)}${']'.repeat(20000)}\n`;
    expect(() => importText(deep)).toThrow('docker-compose.yml is not valid YAML: the value on line 4 nests too deeply to read (lists or maps inside each other thousands of levels deep)');
    expect(() => importText('services:\n  web:\n    ports: "80:80\n')).toThrow(/^docker-compose\.yml is not valid YAML: Missing closing "quote at line 4/);
  });
});

describe('npm run import-compose', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-compose-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN Gitea WHEN run twice THEN the spec is written once and the second run leaves it alone and fails', async () => {
    const compose = path.join(FIXTURES, 'gitea/docker-compose.yml');
    const io = testIo({});
    expect(await runImportComposeCli(commandLine('import-compose', compose, '--out', 'apps', '--site', path.join(REPO, 'site.yaml')), io, dir)).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'apps'))).toEqual(['gitea.yaml']);
    expect(io.stderr[0]).toBe('import-compose: server: wrote apps/gitea.yaml');
    expect(io.stdout).toEqual(['import-compose: 1 app spec written to apps/; review the "Needs a person" notes in each file, then npm run synth']);
    fs.writeFileSync(path.join(dir, 'apps/gitea.yaml'), '# mine\n');
    const again = testIo({});
    expect(await runImportComposeCli(commandLine('import-compose', compose, '--out', 'apps', '--site', path.join(REPO, 'site.yaml')), again, dir)).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'apps/gitea.yaml'), 'utf8')).toBe('# mine\n');
    expect(again.stderr).toContain('import-compose:   cannot: apps/gitea.yaml exists already: left alone (--force overwrites it)');
  });

  test('GIVEN the legacy file WHEN run THEN the valid spec is written, the rest reported, and the exit code is 1', async () => {
    const io = testIo({});
    expect(await runImportComposeCli(commandLine('import-compose', path.join(FIXTURES, 'legacy/docker-compose.yml'), '--out', 'apps', '--env', 'uat'), io, dir)).toBe(1);
    expect(fs.readdirSync(path.join(dir, 'apps')).sort()).toEqual(['drafts', 'gateway.yaml']);
    expect(fs.readdirSync(path.join(dir, 'apps/drafts')).sort()).toEqual(['web.yaml', 'worker.yaml']);
    expect(parse(fs.readFileSync(path.join(dir, 'apps/gateway.yaml'), 'utf8')).environment).toBe('uat');
    expect(io.stdout).toEqual(['import-compose: 1 app spec written to apps/; 2 drafts in apps/drafts/ (answer the OPEN questions, then move them to apps/); review the "Needs a person" notes in each file, then npm run synth']);
  });

  test('GIVEN bad arguments WHEN run THEN the program refuses them with what it accepts (exit 2)', async () => {
    const io = testIo({});
    expect(await runCommandLine('import-compose', ['a.yml', '--env', 'staging'], (line) => runImportComposeCli(line, io, dir), io.err)).toBe(2);
    expect(io.stderr).toEqual(["import-compose: option '--env <environment>' argument 'staging' is invalid. Allowed choices are sit, uat, prod, rnd. (tsys import-compose --help shows the usage)"]);
    const none = testIo({});
    expect(await runCommandLine('import-compose', [], (line) => runImportComposeCli(line, none, dir), none.err)).toBe(2);
    expect(none.stderr).toEqual(["import-compose: missing required argument 'compose-file' (tsys import-compose --help shows the usage)"]);
  });
});
