import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../../lib/config/errors';
import { loadApps } from '../../lib/config/load-apps';
import type { LayerNeeds } from '../../lib/config/platform-rules';
import { appSpecIssues, REPO, shippedSite, thrownBy, writeTree } from '../helpers';

const DIR = path.join(REPO, 'test', 'fixtures', 'invalid-apps', 'together');
const cases = fs.readdirSync(DIR).sort();
const site = shippedSite();

/** `<file> <line>:<col> <field>: <message>` for each `# expect:` line of each app file of a case. */
function expectations(dir: string): string[] {
  return fs.readdirSync(dir).sort().flatMap((f) => {
    const file = path.relative(process.cwd(), path.join(dir, f));
    return fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter((l) => l.startsWith('# expect: ')).map((l) => `${file} ${l.slice('# expect: '.length)}`);
  });
}

function loadError(dir: string): ConfigError {
  try {
    loadApps(dir, site);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`${dir} loaded without an error`);
}

describe('rules across apps (test/fixtures/invalid-apps/together: each folder an apps/ whose files are valid alone)', () => {
  test.each(cases)('GIVEN the apps of %s WHEN loaded together THEN what both would take (an object, a database) is refused in the file whose field asks for it, naming the other file', (name) => {
    const expected = expectations(path.join(DIR, name));
    expect(expected.length).toBeGreaterThan(0);
    const error = loadError(path.join(DIR, name));
    expect(error.issues.map((i) => `${i.file} ${i.line}:${i.column} ${i.field}: ${i.message}`)).toEqual(expected);
    // Both files are named: the one reported and, in the message, the other.
    const files = fs.readdirSync(path.join(DIR, name)).map((f) => path.relative(process.cwd(), path.join(DIR, name, f)));
    for (const f of files) expect(error.message).toContain(f);
  });

  test('GIVEN a blueGreen wiki and an app wiki-preview in different environments WHEN loaded THEN both load (their Services live in different namespaces)', () => {
    const dir = path.join(DIR, 'preview-clash');
    const root = writeTree({
      'apps/wiki.yaml': fs.readFileSync(path.join(dir, 'wiki.yaml'), 'utf8'),
      'apps/wiki-preview.yaml': fs.readFileSync(path.join(dir, 'wiki-preview.yaml'), 'utf8').replace('environment: prod', 'environment: uat'),
    });
    try {
      expect(loadApps(path.join(root, 'apps'), site).map((a) => a.name)).toEqual(['wiki-preview', 'wiki']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('what the layers take, computed once per load', () => {
  const app = (host: string) => `environment: prod\nimage: registry.turnsys.com/apps/x:1.0.0\nports: [ { name: http, port: 8080 } ]\nexpose: { http: { host: ${host} } }\n`;

  test('GIVEN three apps and a layer whose UI depends on the site WHEN loaded THEN its condition is evaluated once, not once per app, and its host is still refused in the app that takes it', () => {
    let evaluated = 0;
    const needs: LayerNeeds[] = [{ layer: 'probe', uis: [{ subdomain: 'taken', what: 'the probe UI', when: () => { evaluated++; return true; } }] }];
    const root = writeTree({
      'apps/a.yaml': app(`a.${site.domain}`),
      'apps/b.yaml': app(`b.${site.domain}`),
      'apps/c.yaml': app(`taken.${site.domain}`),
    });
    try {
      let error: unknown;
      try {
        loadApps(path.join(root, 'apps'), site, needs);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues.map((i) => `${path.basename(i.file)} ${i.line}:${i.column} ${i.field}: ${i.message}`)).toEqual([
        `c.yaml 4:25 expose.http.host: "taken.${site.domain}" is the host of the probe UI (layer probe); one app or platform UI per host name: pick another host`,
      ]);
      // Once for the load (the file with the problem, parsed again with positions, is checked against the same).
      expect(evaluated).toBe(1);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('app files as messages name them', () => {
  test('GIVEN the working folder is apps/x.yaml, a folder WHEN the apps load THEN its problem names it as path.relative would (the absolute path, its relative one being empty), and the other files relative to it', () => {
    const root = writeTree({ 'apps/x.yaml/keep': '', 'apps/y.yaml': 'environment: prod\n' });
    const cwd = process.cwd();
    const apps = fs.realpathSync(path.join(root, 'apps'));
    try {
      process.chdir(path.join(apps, 'x.yaml'));
      let error: unknown;
      try {
        loadApps(apps, site);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect([...new Set((error as ConfigError).issues.map((i) => i.file))]).toEqual([path.join(apps, 'x.yaml'), path.join('..', 'y.yaml')]);
    } finally {
      process.chdir(cwd);
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('apps calling apps (calls), checked where the apps load together', () => {
  const web = (env: string, calls: string) => `environment: ${env}\nimage: registry.turnsys.com/apps/x:1.0.0\nports: [ { name: http, port: 8080 } ]\ncalls: ${calls}\n`;
  const issuesOf = (root: string) => {
    const error = thrownBy(() => loadApps(path.join(root, 'apps'), site));
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((i) => `${path.basename(i.file)} ${i.line}:${i.column} ${i.field}: ${i.message}`);
  };

  test('GIVEN a caller of an app in apps/ on one of its ports, in its environment WHEN loaded together THEN both load; and the caller alone parses too (its own shape is all parseApp checks)', () => {
    const root = writeTree({ 'apps/front.yaml': web('prod', '[ { app: api, port: http } ]'), 'apps/api.yaml': web('prod', '[]') });
    try {
      expect(loadApps(path.join(root, 'apps'), site).map((a) => [a.name, a.calls])).toEqual([['api', []], ['front', [{ app: 'api', port: 'http' }]]]);
      expect(appSpecIssues(web('prod', '[ { app: nowhere } ]'), site)).toEqual([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('GIVEN a caller of an app that is not in apps/ WHEN loaded THEN the message names the file that is missing and the apps of its environment, and counts those of others', () => {
    const root = writeTree({
      'apps/front.yaml': web('prod', '[ { app: apii } ]'),
      'apps/api.yaml': web('prod', '[]'),
      'apps/search.yaml': web('prod', '[]'),
      'apps/api-v2.yaml': web('uat', '[]'),
    });
    try {
      expect(issuesOf(root)).toEqual([
        `front.yaml 4:17 calls[0].app: names no app: there is no ${path.relative(process.cwd(), path.join(root, 'apps', 'apii.yaml'))}; the other apps of prod are "api", "search" (and 1 in other environments, which an app cannot call)`,
      ]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('GIVEN a caller of an app whose own spec has a problem WHEN loaded THEN only that problem is reported (the call is checked once the app loads)', () => {
    const root = writeTree({ 'apps/front.yaml': web('prod', '[ { app: api } ]'), 'apps/api.yaml': 'environment: prod\nimage: registry.turnsys.com/apps/x:latest\nports: [ { name: http, port: 8080 } ]\n' });
    try {
      expect(issuesOf(root)).toEqual(['api.yaml 2:8 image: must not use the mutable tag "latest": pin a version tag or a digest "@sha256:...", got "registry.turnsys.com/apps/x:latest"']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
