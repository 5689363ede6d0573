import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError, formatIssue } from '../../lib/config/errors';
import { loadApps, parseApp } from '../../lib/config/load-apps';
import { appSpecIssues, shippedSite } from '../helpers';

const site = shippedSite();

const errorsOf = (text: string, file = 'apps/demo.yaml'): string[] => appSpecIssues(text, site, file);

const MINIMAL = 'environment: prod\nimage: nginx:1.27.3\nports:\n  - { name: http, port: 8080 }\n';

describe('app specs (apps/<name>.yaml)', () => {
  test('GIVEN a minimal spec WHEN parsed THEN the name comes from the file and HA defaults apply', () => {
    const app = parseApp(MINIMAL, 'apps/demo.yaml', site);
    expect(app.name).toBe('demo');
    expect(app.replicas).toBe(2);
    expect(app.strategy).toEqual({ type: 'rolling', maxSurge: '25%', maxUnavailable: 0 });
    expect(app.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    expect(app.writablePaths).toEqual(['/tmp']);
    expect(Object.isFrozen(app)).toBe(true);
  });

  test('GIVEN schema errors WHEN parsed THEN each names file, line, field and what is allowed', () => {
    expect(errorsOf('environment: production\nimage: nginx\nports: []\nsecrets: { DB_PASS: hunter2 }\n')).toEqual([
      'apps/demo.yaml:1:14: environment: must be one of "sit", "uat", "prod", "rnd", got "production"',
      'apps/demo.yaml:2:8: image: must be pinned: add a tag (not "latest") or a digest "@sha256:...", got "nginx"',
      'apps/demo.yaml:4:21: secrets.DB_PASS: must be a Bitwarden reference "bitwarden:<item name>[#username|#password|#notes]" (never the secret itself), got "hunter2"',
    ]);
    expect(errorsOf(MINIMAL.replace('nginx:1.27.3', 'nginx:latest'))).toEqual(['apps/demo.yaml:2:8: image: must not use the mutable tag "latest": pin a version tag or a digest "@sha256:...", got "nginx:latest"']);
    expect(errorsOf(`${MINIMAL}replica: 3\n`)[0]).toMatch(/^apps\/demo.yaml:5:1: replica: unknown key "replica"; did you mean "replicas"\? allowed: /);
  });

  test('GIVEN a web app without ports WHEN parsed THEN the rule asks for a port or another kind', () => {
    expect(errorsOf('environment: prod\nimage: nginx:1.27.3\nports: []\n')).toEqual([
      'apps/demo.yaml:3:8: ports: a web app needs at least 1 port (its Service, route and probes use it); add `ports: [ { name: http, port: 8080 } ]`, or write `kind: worker` for a process that serves nothing',
    ]);
  });

  test('GIVEN cross-field mistakes WHEN parsed THEN the rules name the field and the fix', () => {
    const text = [
      'environment: prod', 'image: nginx:1.27.3', 'replicas: 1',
      'strategy: { type: canary, steps: [ {setWeight: 50}, {setWeight: 20} ] }',
      'ports:', '  - { name: http, port: 80 }', '  - { name: http, port: 81 }',
      'health: { port: web }', 'databases: [ { engine: postgresql }, { engine: postgresql } ]',
      'volumes: [ { name: data, mountPath: /data, size: 1Gi } ]',
    ].join('\n');
    expect(errorsOf(text)).toEqual([
      'apps/demo.yaml:3:11: replicas: one replica is a single point of failure: run at least 2, or declare `singleton: "<why one replica>"`',
      'apps/demo.yaml:4:19: strategy.type: "canary" starts the new pod before the old one stops, but volume "data" is ReadWriteOnce: use "recreate"',
      'apps/demo.yaml:4:65: strategy.steps[1].setWeight: weights must increase step by step (50 before this one), got 20',
      'apps/demo.yaml:6:25: ports[0].port: the container runs as a non-root user, which binds a port below 1024 only with `capabilities: [NET_BIND_SERVICE]`; add that, or listen on a port from 1024 up',
      'apps/demo.yaml:7:13: ports[1].name: duplicate port name "http" (also ports[0])',
      'apps/demo.yaml:7:25: ports[1].port: the container runs as a non-root user, which binds a port below 1024 only with `capabilities: [NET_BIND_SERVICE]`; add that, or listen on a port from 1024 up',
      'apps/demo.yaml:8:17: health.port: names no port "web"; the app\'s ports are "http", "http"',
      'apps/demo.yaml:9:38: databases[1]: postgresql database "demo" is already bound by databases[0]; bind each database once, or set databases[1].name to another',
      'apps/demo.yaml:9:38: databases[1]: two bindings set POSTGRESQL_* variables (also databases[0]); give one an envPrefix',
    ]);
  });

  test('GIVEN a singleton with a ReadWriteOnce volume WHEN its strategy is recreate THEN it is valid, and replicas 2 with that volume is not', () => {
    const single = `${MINIMAL}replicas: 1\nsingleton: one writer of the boards volume\nstrategy: { type: recreate }\nvolumes: [ { name: data, mountPath: /data, size: 1Gi } ]\nhealth: { startupSeconds: 10 }\n`;
    expect(errorsOf(single)).toEqual([]);
    expect(errorsOf(single.replace('replicas: 1\nsingleton: one writer of the boards volume\n', ''))).toEqual([
      'apps/demo.yaml:6:12: volumes[0].accessMode: a ReadWriteOnce volume can be mounted by one pod on one node: use ReadWriteMany for an app with several replicas, or make the app a singleton',
    ]);
  });

  test('GIVEN a binding to a DBaaS the site lacks WHEN parsed THEN the error lists what the site offers', () => {
    const noRedis = { ...site, dbaas: { postgresql: site.dbaas.postgresql } };
    expect(() => parseApp(`${MINIMAL}databases: [ { engine: redis } ]\n`, 'apps/demo.yaml', noRedis)).toThrow('apps/demo.yaml:5:24: databases[0].engine: the site has no dbaas.redis endpoint; site.yaml offers postgresql');
  });

  test('GIVEN a folder of apps WHEN two share a host or a file name is not an app name THEN every problem is reported at once', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apps-'));
    try {
      const web = `${MINIMAL}expose:\n  http: { host: wiki.turnsys.com }\n`;
      fs.writeFileSync(path.join(dir, 'alpha.yaml'), web);
      fs.writeFileSync(path.join(dir, 'beta.yaml'), web);
      fs.writeFileSync(path.join(dir, 'Bad_Name.yaml'), MINIMAL);
      fs.writeFileSync(path.join(dir, 'README.md'), 'not an app');
      let error: ConfigError | undefined;
      try { loadApps(dir, site); } catch (e) { error = e as ConfigError; }
      const lines = error!.issues.map(formatIssue).map((l) => l.replaceAll(`${path.relative(process.cwd(), dir)}/`, 'apps/'));
      expect(lines).toEqual([
        'apps/Bad_Name.yaml: (document): the file name gives the app its name, and "Bad_Name" is not one: lower-case letters, digits and "-", starting with a letter, at most 40 (rename the file)',
        'apps/beta.yaml:6:17: expose.http.host: host "wiki.turnsys.com" is already used by the app "alpha" (apps/alpha.yaml); one app per host name',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN a preview off blueGreen, without expose.http, on its own host or not a host WHEN parsed THEN each is refused at its field with the fix', () => {
    const blue = `${MINIMAL}strategy: { type: blueGreen }\n`;
    const http = 'expose: { http: { host: demo.turnsys.com } }\n';
    expect(errorsOf(`${blue}${http}preview: { host: try-demo.turnsys.com }\n`)).toEqual([]);
    expect(errorsOf(`${blue}${http}preview: { host: false }\n`)).toEqual([]);
    expect(errorsOf(`${MINIMAL}${http}preview: { host: false }\n`)).toEqual([
      'apps/demo.yaml:6:10: preview: only a blueGreen app has a preview (the release waiting for promotion on its Service <app>-preview), and this one is "rolling": remove preview, or use `strategy: { type: blueGreen }`',
    ]);
    expect(errorsOf(`${blue}preview: { host: try-demo.turnsys.com }\n`)).toEqual([
      'apps/demo.yaml:6:18: preview.host: the preview host is routed to the port of expose.http, and the app has no expose.http: add `expose: { http: { host: ... } }`, or remove preview.host',
    ]);
    expect(errorsOf(`${blue}${http}preview: { host: demo.turnsys.com }\n`)).toEqual([
      'apps/demo.yaml:7:18: preview.host: is the app\'s own host (expose.http.host): the release waiting for promotion needs a host of its own; name another host, or write `preview: { host: false }` for none',
    ]);
    expect(errorsOf(`${blue}${http}preview: { host: Try_Demo }\n`)).toEqual([
      'apps/demo.yaml:7:18: preview.host: must be a lower-case DNS name, e.g. "preview-wiki.turnsys.com", or false (no preview host), got "Try_Demo"',
    ]);
  });

  test('GIVEN a folder of apps WHEN a preview host is another app\'s host, or a host is another app\'s preview host THEN the later one is refused at the field that makes it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apps-'));
    try {
      const blue = `${MINIMAL}strategy: { type: blueGreen }\n`;
      // alpha's default preview host is preview-alpha.turnsys.com; beta takes it as its own host.
      fs.writeFileSync(path.join(dir, 'alpha.yaml'), `${blue}expose: { http: { host: alpha.turnsys.com } }\n`);
      fs.writeFileSync(path.join(dir, 'beta.yaml'), `${MINIMAL}expose: { http: { host: preview-alpha.turnsys.com } }\n`);
      // gamma names alpha's host as its preview; delta's default preview host is its own host.
      fs.writeFileSync(path.join(dir, 'gamma.yaml'), `${blue}expose: { http: { host: gamma.turnsys.com } }\npreview: { host: alpha.turnsys.com }\n`);
      fs.writeFileSync(path.join(dir, 'delta.yaml'), `${blue}expose: { http: { host: preview-delta.turnsys.com } }\n`);
      let error: ConfigError | undefined;
      try { loadApps(dir, site); } catch (e) { error = e as ConfigError; }
      const lines = error!.issues.map(formatIssue).map((l) => l.replaceAll(`${path.relative(process.cwd(), dir)}/`, 'apps/'));
      expect(lines).toEqual([
        'apps/beta.yaml:5:25: expose.http.host: host "preview-alpha.turnsys.com" is already used by the app "alpha" (apps/alpha.yaml) as its preview host; one app per host name',
        'apps/delta.yaml:5:19: strategy.type: the preview host "preview-delta.turnsys.com" of this blueGreen app is already the app\'s own host (expose.http.host); one app per host name: set preview.host to a host of its own, or write `preview: { host: false }` for none',
        'apps/gamma.yaml:7:18: preview.host: the preview host "alpha.turnsys.com" of this blueGreen app is already used by the app "alpha" (apps/alpha.yaml); one app per host name: set preview.host to a host of its own, or write `preview: { host: false }` for none',
      ].sort());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN no apps folder WHEN loaded THEN there are no apps', () => {
    expect(loadApps(path.join(os.tmpdir(), 'no-such-apps-folder'), site)).toEqual([]);
  });
});
