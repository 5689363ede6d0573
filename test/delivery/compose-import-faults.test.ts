import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { parse } from 'yaml';
import { runImportComposeCli } from '../../lib/delivery/app-cli';
import { loadApps } from '../../lib/config/load-apps';
import { importCompose, ServiceOutcome } from '../../lib/delivery/import-compose';
import { commandLine } from '../command-line';
import { testIo } from './cli-io';
import { REPO, shippedSite } from '../helpers';

/*
 * Faults a sweep with real compose files found in import-compose (getsentry/self-hosted, immich,
 * authentik, mastodon, paperless-ngx, plausible, nextcloud, n8n, docker/awesome-compose,
 * docker-library): one fixture per fault, written inline.
 */

const site = shippedSite();

function importText(text: string, options: { projectDir?: string; vars?: ReadonlyMap<string, string> } = {}): ServiceOutcome[] {
  return importCompose(text, { site, source: 'docker-compose.yml', outDir: 'apps', ...options });
}

const outcome = (outcomes: readonly ServiceOutcome[], service: string) => outcomes.find((o) => o.service === service)!;
const notesOf = (o: ServiceOutcome) => (o.kind === 'app' || o.kind === 'draft' ? o.notes : []);
const openOf = (o: ServiceOutcome) => (o.kind === 'draft' ? o.reasons : []);
/** The `calls` of a spec or draft, as written. */
const callsOf = (o: ServiceOutcome) => (o.kind === 'app' || o.kind === 'draft' ? parse(o.text).calls : undefined);

/** A web app that depends on the service `db`, which runs `image`. */
function webWithDatabase(image: string): string {
  return ['services:', '  web:', '    image: example/web:1.0.0', '    ports: ["8080:8080"]', '    depends_on: [db]', '  db:', `    image: ${JSON.stringify(image)}`, ''].join('\n');
}

describe('database images the DBaaS stands in for', () => {
  const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
  test.each([
    ['valkey/valkey:8.0', 'redis'],
    [`docker.io/valkey/valkey:8.0@${digest}`, 'redis'],
    ['eqalpha/keydb:alpine_x86_64_v6.3.4', 'redis'],
    ['bitnami/valkey:8.0', 'redis'],
    ['mysql/mysql-server:8.0', 'mysql'],
    ['container-registry.oracle.com/mysql/mysql-server:8.0', 'mysql'],
    ['percona/percona-server:8.0', 'mysql'],
  ])('GIVEN a web app using a service that runs %s WHEN imported THEN the DBaaS %s replaces that service and the app is bound to it (it was imported as a workload of its own)', (image, engine) => {
    const outcomes = importText(webWithDatabase(image));
    expect(outcome(outcomes, 'db')).toMatchObject({ kind: 'database', engine, image });
    expect(outcome(outcomes, 'web').kind).toBe('app');
    expect(notesOf(outcome(outcomes, 'web'))).toContainEqual(expect.stringMatching(new RegExp(`^database service "db" \\(depends_on/links\\) -> DBaaS ${engine} binding`)));
  });

  test.each([
    ['docker.io/library/redis:7.2', 'redis'],
    [`redis:7.2@${digest}`, 'redis'],
    ['localhost:5000/postgres:16', 'postgresql'],
    ['bitnami/redis:7.2', 'redis'],
    ['registry.turnsys.com/dockerhub/bitnami/redis:7.2', 'redis'],
    ['registry.turnsys.com/dockerhub/library/redis:7.2', 'redis'],
    ['docker.elastic.co/elasticsearch/elasticsearch:8.15.0', 'elasticsearch'],
    ['quay.io/coreos/etcd:v3.5.15', 'etcd'],
  ])('GIVEN a service that runs %s (a registry, a proxy-cache project, a digest in front of a known image) WHEN imported THEN the DBaaS %s still replaces it, without a question', (image, engine) => {
    const outcomes = importText(webWithDatabase(image));
    expect(outcome(outcomes, 'db')).toEqual({ kind: 'database', service: 'db', engine, image, usedBy: ['web'] });
    expect(outcome(outcomes, 'web').kind).toBe('app');
  });

  test.each([
    ['redis/redis-stack:7.4.0-v1', 'redis', 'the Redis Stack modules'],
    ['redislabs/redismod:edge', 'redis', 'RedisJSON'],
    ['pgvector/pgvector:pg16', 'postgresql', 'the pgvector extension'],
    ['tensorchord/pgvecto-rs:pg16-v0.2.0', 'postgresql', 'the pgvecto.rs extension'],
    ['postgis/postgis:16-3.4', 'postgresql', 'the PostGIS extension'],
  ])('GIVEN a web app using %s (the engine with extensions or modules) WHEN imported THEN it is bound to the DBaaS %s with an open question naming what the image adds (it was bound without one, or not at all)', (image, engine, extras) => {
    const outcomes = importText(webWithDatabase(image));
    expect(outcome(outcomes, 'db')).toMatchObject({ kind: 'database', engine, caveat: expect.stringContaining(extras) });
    const web = outcome(outcomes, 'web');
    expect(web.kind).toBe('draft');
    expect(openOf(web)).toEqual([expect.stringMatching(new RegExp(`^databases: the database service "db" runs ${image.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: it adds .*${extras}`))]);
  });

  test('GIVEN an image of an unknown publisher named like an engine (immich\'s postgres) WHEN imported THEN it is bound with an open question that only its name says so (it was bound silently)', () => {
    const outcomes = importText(webWithDatabase('ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0'));
    expect(outcome(outcomes, 'db')).toMatchObject({ kind: 'database', engine: 'postgresql' });
    expect(openOf(outcome(outcomes, 'web'))).toEqual([expect.stringContaining('immich-app/postgres is known to the import by its name only')]);
  });

  test('GIVEN images that only contain an engine\'s name (an exporter, a GUI) WHEN imported THEN they stay workloads', () => {
    for (const image of ['oliver006/redis_exporter:v1.62.0', 'redis/redisinsight:2.56', 'prometheuscommunity/postgres-exporter:v0.15.0']) {
      expect(outcome(importText(webWithDatabase(image)), 'db').kind).not.toBe('database');
    }
  });
});

describe('where a service is told to reach another', () => {
  /** `web` reaches `target` (depends_on, and `url` in its env when given); `target` has the given keys. */
  function webReaching(target: string[], url?: string): string {
    return [
      'services:', '  web:', '    image: example/web:1.0.0', '    ports: ["8080:8080"]', '    depends_on: [queue]',
      ...(url ? ['    environment:', `      QUEUE_URL: ${url}`] : []),
      '  queue:', '    image: example/queue:2.0.0', ...target.map((l) => `    ${l}`), '',
    ].join('\n');
  }

  test('GIVEN a service that depends on one without ports (a worker: no Service) WHEN imported THEN its note says the worker has no Service and how it gets one (it was told to "reach it as queue.sit.svc")', () => {
    const outcomes = importText(webReaching([]));
    expect(outcome(outcomes, 'queue')).toMatchObject({ kind: 'app' });
    const web = outcome(outcomes, 'web');
    expect(web.kind).toBe('app');
    expect(notesOf(web).filter((n) => n.includes('queue'))).toEqual([
      'depends on the service "queue", which becomes a worker without a Service (it declares no port: ports:, expose: or a healthcheck URL), so nothing reaches it by name; if it listens, add the port it listens on to "queue" (ports: or expose:) and import again; it is then reached as queue.sit.svc',
    ]);
    expect(notesOf(web).join('\n')).not.toContain('reach it as queue.sit.svc (its Service');
    // A worker has no Service: nothing to call (synth would refuse the call).
    expect(callsOf(web)).toBeUndefined();
  });

  test('GIVEN a service whose env value names a worker as a host WHEN imported THEN it is a draft with an open question at env (it was told to reach a Service that is never rendered)', () => {
    const outcomes = importText(webReaching([], 'amqp://queue:5672'));
    const web = outcome(outcomes, 'web');
    expect(web.kind).toBe('draft');
    expect(openOf(web)).toEqual([
      'env: env QUEUE_URL names the host "queue", which becomes a worker without a Service (it declares no port: ports:, expose: or a healthcheck URL), so nothing answers there: add the port it listens on to "queue" (ports: or expose:) and import again; it is then reached as queue.sit.svc',
    ]);
    expect(notesOf(web).join('\n')).not.toContain('reach it as queue.sit.svc (its Service');
  });

  test('GIVEN the same service with a port WHEN imported THEN it is still told to reach its Service, which it calls (depends_on and the host named: one entry)', () => {
    const web = outcome(importText(webReaching(['expose: ["5672"]'], 'amqp://queue:5672')), 'web');
    expect(web.kind).toBe('app');
    expect(notesOf(web)).toContain('depends on the service "queue": reach it as queue.sit.svc (its Service; calls lets this app through to it), not "queue"');
    expect(callsOf(web)).toEqual([{ app: 'queue' }]);
  });

  test('GIVEN a service calling one that is a draft (built from source only), and a service calling it WHEN imported THEN both callers are drafts with an open question at calls naming the draft (synth refuses a call of an app not in apps/), and keep their calls', () => {
    const text = [
      'services:',
      '  web:', '    image: example/web:1.0.0', '    ports: ["8080:8080"]', '    depends_on: [api]',
      '  api:', '    image: example/api:1.0.0', '    expose: ["9000"]', '    depends_on: [queue]',
      '  queue:', '    build: ./queue', '    expose: ["5672"]',
      '',
    ].join('\n');
    const outcomes = importText(text);
    expect(outcomes.map((o) => [o.service, o.kind])).toEqual([['web', 'draft'], ['api', 'draft'], ['queue', 'draft']]);
    expect(openOf(outcome(outcomes, 'api'))).toEqual(['calls: calls "queue" (the service "queue"), which is a DRAFT (apps/drafts/queue.yaml): synth refuses a call of an app that is not in apps/; finish that draft, then move both there']);
    expect(openOf(outcome(outcomes, 'web'))).toEqual(['calls: calls "api" (the service "api"), which is a DRAFT (apps/drafts/api.yaml): synth refuses a call of an app that is not in apps/; finish that draft, then move both there']);
    expect(callsOf(outcome(outcomes, 'web'))).toEqual([{ app: 'api' }]);
    const draft = outcome(outcomes, 'web');
    expect(draft.kind === 'draft' ? draft.text : '').toContain('# OPEN: calls "api" (the service "api"), which is a DRAFT');
  });

  test('GIVEN two services that call each other, both valid WHEN imported THEN both are apps, each calling the other, and they load together', () => {
    const text = [
      'services:',
      '  web:', '    image: example/web:1.0.0', '    ports: ["8080:8080"]', '    environment: { API_URL: "http://api:9000" }',
      '  api:', '    image: example/api:1.0.0', '    expose: ["9000"]', '    environment: { CALLBACK: "http://web:8080/hook" }',
      '',
    ].join('\n');
    const outcomes = importText(text);
    expect(outcomes.map((o) => [o.service, o.kind, callsOf(o)])).toEqual([['web', 'app', [{ app: 'api' }]], ['api', 'app', [{ app: 'web' }]]]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-calls-'));
    try {
      for (const o of outcomes) if (o.kind === 'app') fs.writeFileSync(path.join(dir, `${o.app}.yaml`), o.text);
      expect(loadApps(dir, site).map((a) => [a.name, a.calls])).toEqual([['api', [{ app: 'web' }]], ['web', [{ app: 'api' }]]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bind mounts: a single file or a folder', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-mounts-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A web app with one bind mount, imported with the temporary folder as the compose file's (unless `beside` is false: only the compose file was given). */
  function mounting(volume: string, beside = true): ServiceOutcome {
    return outcome(importText(['services:', '  web:', '    image: example/web:1.0.0', '    ports: ["8080:8080"]', '    volumes:', `      - ${volume}`, ''].join('\n'), { projectDir: beside ? dir : undefined }), 'web');
  }
  const volumesOf = (o: ServiceOutcome) => ('text' in o ? parse(o.text).volumes : undefined);
  const untranslatedOf = (o: ServiceOutcome) => ('untranslated' in o ? o.untranslated : []);

  test('GIVEN a single file with a six-letter extension beside the compose file (logstash-nginx.config) WHEN imported THEN it is a single file, not translated (it became a 10Gi volume)', () => {
    fs.writeFileSync(path.join(dir, 'logstash-nginx.config'), 'input {}\n');
    const web = mounting('./logstash-nginx.config:/usr/share/logstash/pipeline/logstash-nginx.config');
    expect(volumesOf(web)).toBeUndefined();
    expect(untranslatedOf(web)).toEqual(['volume ./logstash-nginx.config:/usr/share/logstash/pipeline/logstash-nginx.config: a single file from the host (./logstash-nginx.config is a file beside the compose file); bake it into the image or mount it from a ConfigMap by hand']);
  });

  test('GIVEN the same file mount without the file (only the compose file was given) WHEN imported THEN its extension still makes it a single file', () => {
    const web = mounting('./logstash-nginx.config:/usr/share/logstash/pipeline/logstash-nginx.config', false);
    expect(volumesOf(web)).toBeUndefined();
    expect(untranslatedOf(web)).toEqual([expect.stringContaining('a single file from the host ("logstash-nginx.config" has a file extension)')]);
  });

  test('GIVEN a conf.d folder that is not there WHEN imported THEN it is a folder of configuration (it was "a single file from the host")', () => {
    const web = mounting('./nginx/conf.d:/etc/nginx/conf.d:ro');
    expect(untranslatedOf(web)).toEqual(['volume ./nginx/conf.d:/etc/nginx/conf.d (read-only): configuration from the host; bake it into the image or mount it from a ConfigMap by hand']);
  });

  test('GIVEN a folder beside the compose file whose name looks like a file (media.v2) WHEN imported THEN it is a volume (it was "a single file from the host")', () => {
    fs.mkdirSync(path.join(dir, 'media.v2'));
    const web = mounting('./media.v2:/srv/media.v2');
    expect(volumesOf(web)).toEqual([{ name: 'media-v2', mountPath: '/srv/media.v2', size: '10Gi' }]);
    expect(untranslatedOf(web)).toEqual([]);
  });

  test('GIVEN a file without an extension beside the compose file (a "settings" file; a Caddyfile, a name files have, even when it is not there) WHEN imported THEN it is a single file (it became a 10Gi volume)', () => {
    fs.writeFileSync(path.join(dir, 'settings'), 'a=1\n');
    expect(volumesOf(mounting('./settings:/srv/settings'))).toBeUndefined();
    expect(volumesOf(mounting('./Caddyfile:/srv/Caddyfile', false))).toBeUndefined();
  });

  test('GIVEN a host path with a trailing "/" or an absolute one WHEN imported THEN the "/" makes a folder, and an absolute path is judged by its name only (never looked at: the import is the same on every machine)', () => {
    expect(volumesOf(mounting('./exports.old/:/srv/exports'))).toEqual([{ name: 'exports', mountPath: '/srv/exports', size: '10Gi' }]);
    const file = path.join(dir, 'plain');
    fs.writeFileSync(file, 'x');
    expect(volumesOf(mounting(`${file}:/srv/plain`))).toEqual([{ name: 'plain', mountPath: '/srv/plain', size: '10Gi' }]);
  });
});

describe('a host folder two services mount', () => {
  const twoServices = (webVolume: string, workerVolume: string) => importText([
    'services:', '  web:', '    image: example/web:1.0.0', '    ports: ["8080:8080"]', '    volumes:', `      - ${webVolume}`,
    '  worker:', '    image: example/worker:1.0.0', '    healthcheck: { test: ["CMD", "true"] }', '    volumes:', `      - ${workerVolume}`, '',
  ].join('\n'));

  test('GIVEN two services that bind-mount the same host folder WHEN imported THEN both are drafts with the open question a shared named volume gets (they became two separate volumes)', () => {
    const outcomes = twoServices('./data:/var/lib/web', './data/:/data');
    expect(openOf(outcome(outcomes, 'web'))).toEqual([
      'volumes: the host folder ./data is also mounted by "worker": two apps cannot share one volume (each app\'s volumes are its own ReadWriteOnce claims); run them as one app, or share the data another way (a DBaaS, object storage)',
    ]);
    expect(openOf(outcome(outcomes, 'worker'))).toEqual([
      'volumes: the host folder ./data/ is also mounted by "web": two apps cannot share one volume (each app\'s volumes are its own ReadWriteOnce claims); run them as one app, or share the data another way (a DBaaS, object storage)',
    ]);
  });

  test('GIVEN one service that mounts a folder and another a folder inside it WHEN imported THEN both are drafts, each naming the other\'s path', () => {
    const outcomes = twoServices('./data:/data', './data/uploads:/uploads');
    expect(openOf(outcome(outcomes, 'web'))).toEqual([expect.stringMatching(/^volumes: the host folder \.\/data is also mounted by "worker" \(as \.\/data\/uploads\): two apps cannot share one volume/)]);
    expect(openOf(outcome(outcomes, 'worker'))).toEqual([expect.stringMatching(/^volumes: the host folder \.\/data\/uploads is also mounted by "web" \(as \.\/data\): two apps cannot share one volume/)]);
  });

  test('GIVEN two services on neighbouring folders and a shared named volume WHEN imported THEN the neighbours are separate, and the named volume is the question it was', () => {
    const apart = twoServices('./data-web:/data', './data:/data');
    expect(outcome(apart, 'web').kind).toBe('app');
    expect(outcome(apart, 'worker').kind).toBe('app');
    const named = twoServices('shared:/data', 'shared:/data');
    expect(openOf(outcome(named, 'web'))).toEqual([expect.stringMatching(/^volumes: the named volume "shared" is also mounted by "worker": two apps cannot share one volume/)]);
  });
});

describe('the database a database service creates, and services that share it', () => {
  /** `clients` services (each depending on `db`) and a postgres service `db` with `environment`. */
  const withDatabase = (clients: readonly string[], environment: string) => [
    'services:',
    ...clients.flatMap((c, i) => [`  ${c}:`, `    image: example/${c}:1.0.0`, ...(i === 0 ? ['    ports: ["8080:8080"]'] : ['    healthcheck: { test: ["CMD", "true"] }']), '    depends_on: [db]']),
    '  db:', '    image: postgres:16.4', `    environment: ${environment}`, '',
  ].join('\n');
  const databasesOf = (o: ServiceOutcome) => ('text' in o ? parse(o.text).databases : undefined);

  test.each([
    ['a map', '{ POSTGRES_DB: shop }', undefined],
    ['a list item KEY=value', '["POSTGRES_DB=shop"]', undefined],
    ['a list item KEY alone, which the env file sets', '["POSTGRES_DB"]', new Map([['POSTGRES_DB', 'shop']])],
    ['a map key without a value, which the env file sets', '{ POSTGRES_DB: null }', new Map([['POSTGRES_DB', 'shop']])],
  ])('GIVEN POSTGRES_DB as %s WHEN imported THEN the binding names the database "shop"', (_form, environment, vars) => {
    const outcomes = importText(withDatabase(['web'], environment), { vars });
    expect(databasesOf(outcome(outcomes, 'web'))).toEqual([{ engine: 'postgresql', name: 'shop' }]);
  });

  test('GIVEN two services on one database service that names its database WHEN imported THEN the first binds it, the second is a draft asking what to do, with the same name (both were valid specs that synth then refused: "also bound by the app")', () => {
    const outcomes = importText(withDatabase(['web', 'worker'], '["POSTGRES_DB"]'), { vars: new Map([['POSTGRES_DB', 'shop']]) });
    const web = outcome(outcomes, 'web');
    expect(web.kind).toBe('app');
    expect(databasesOf(web)).toEqual([{ engine: 'postgresql', name: 'shop' }]);
    expect(notesOf(web)).toContain('the database service "db" is also used by "worker": the platform gives each app a database of its own, so worker\'s draft asks what to do');
    const worker = outcome(outcomes, 'worker');
    expect(worker.kind).toBe('draft');
    expect(databasesOf(worker)).toEqual([{ engine: 'postgresql', name: 'shop' }]);
    expect(openOf(worker)).toEqual([
      'databases: the database service "db" is also used by "web", whose spec binds its postgresql database "shop": the platform gives each app a database of its own (synth refuses two apps on one); run them as one app, or give this one its own database (another name) and reach web\'s data through web',
    ]);
  });

  test('GIVEN two services on one database service that does not name its database WHEN imported THEN the second asks about the first one\'s database (they were bound to two databases, "web" and "worker", silently)', () => {
    const outcomes = importText(withDatabase(['web', 'worker'], '{ POSTGRES_USER: app }'));
    expect(databasesOf(outcome(outcomes, 'web'))).toEqual([{ engine: 'postgresql' }]);
    expect(databasesOf(outcome(outcomes, 'worker'))).toEqual([{ engine: 'postgresql', name: 'web' }]);
    expect(openOf(outcome(outcomes, 'worker'))).toEqual([expect.stringContaining('the database service "db" is also used by "web", whose spec binds its postgresql database "web"')]);
  });
});

describe('the recovery budget of a singleton worker without a probe', () => {
  test('GIVEN a worker on a bind-mounted folder without a healthcheck WHEN imported THEN the draft\'s budget question names the start-up the sum uses and asks for a probe (it said "lower health.startupSeconds", which was already 15 s and not in the sum)', () => {
    const worker = outcome(importText('services:\n  worker:\n    image: example/worker:1.0.0\n    volumes: ["./spool:/spool"]\n'), 'worker');
    expect(worker.kind).toBe('draft');
    expect(parse('text' in worker ? worker.text : '').health).toEqual({ startupSeconds: 15 });
    const budget = openOf(worker).filter((r) => r.includes('ha.recoveryBudgetSeconds'));
    expect(budget).toEqual([expect.stringMatching(/start-up 30 \+ ready 10 = 107 s; with no probe, the start-up 30 s and ready 10 s are Kubernetes' defaults for a container without probes, which health\.startupSeconds \(15 s\) does not change: add `health\.command: \[\.\.\.\]` so the start-up is health\.startupSeconds; health\.startupSeconds \(15 s\) then fits$/)]);
    expect(openOf(worker).join('\n')).not.toContain('lower health.startupSeconds');
  });
});

describe('an --out folder that cannot be written', () => {
  const compose = path.join(REPO, 'test/fixtures/compose/gitea/docker-compose.yml');
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-out-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN --out inside a regular file WHEN run THEN one line names --out and the file in the way, before anything is imported, exit 1', async () => {
    const file = path.join(dir, 'taken');
    fs.writeFileSync(file, 'x');
    const io = testIo({});
    expect(await runImportComposeCli(commandLine('import-compose', compose, '--out', `${file}/apps`, '--site', path.join(REPO, 'site.yaml')), io, dir)).toBe(1);
    expect(io.stderr).toEqual([`import-compose: --out ${file}/apps: ${file} is a file, not a folder; give a folder this user can write (it is made when missing)`]);
    expect(io.stdout).toEqual([]);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });

  (fs.existsSync('/proc/self') ? test : test.skip)('GIVEN --out /proc/nope (a folder the kernel refuses to make, with ENOENT) WHEN run THEN it fails within seconds with one line naming the folder, exit 1 (Node\'s recursive mkdir looped there forever)', () => {
    const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'scripts/import-compose.ts', compose, '--out', '/proc/nope', '--site', path.join(REPO, 'site.yaml')], { cwd: REPO, encoding: 'utf8', timeout: 45_000, env: { ...process.env, INIT_CWD: REPO } });
    expect(run.signal).toBeNull();
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual(['import-compose: --out /proc/nope: the folder /proc/nope cannot be made in /proc (ENOENT); give a folder this user can write (it is made when missing)']);
    expect(run.stdout).toBe('');
  }, 60_000);
});

describe('environment written in neither of compose\'s forms', () => {
  test('GIVEN a list item written as a map ("- POSTGRES_DB: shop") WHEN imported THEN it is refused naming the file, the item and the two forms (it became a variable named "[object Object]", and the database name was lost)', () => {
    expect(() => importText('services:\n  db:\n    image: postgres:16.4\n    environment:\n      - POSTGRES_USER=app\n      - POSTGRES_DB: shop\n')).toThrow(
      'docker-compose.yml: services.db.environment[1] is a map ({"POSTGRES_DB":"shop"}), and a list item of environment is "KEY=value" or "KEY" alone: write "- POSTGRES_DB=shop", or write environment as a map (KEY: value)',
    );
  });

  test('GIVEN environment as a string, or a map value that is a list WHEN imported THEN each is refused naming the field and what it may be', () => {
    expect(() => importText('services:\n  web:\n    image: example/web:1.0.0\n    environment: LOG=info\n')).toThrow('docker-compose.yml: services.web.environment is "LOG=info": it is a map (KEY: value) or a list ("- KEY=value")');
    expect(() => importText('services:\n  web:\n    image: example/web:1.0.0\n    environment:\n      HOSTS: [a, b]\n')).toThrow('docker-compose.yml: services.web.environment.HOSTS is ["a","b"]: a variable\'s value is a string, a number or a boolean (or nothing: taken from the shell)');
  });
});
