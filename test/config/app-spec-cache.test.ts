import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { isJsonExact, jsonTextOf } from '../../lib/cache-file';
import { AppSpecCache } from '../../lib/config/app-spec-cache';
import { ConfigError } from '../../lib/config/errors';
import { loadApps } from '../../lib/config/load-apps';
import type { LayerNeeds } from '../../lib/config/platform-rules';
import * as manifestYaml from '../../lib/k8s/manifest-yaml';
import { LAYER_NEEDS } from '../../lib/layers';
import { generatedApp } from '../../scripts/bench-apps';
import { SETTLED_MS } from '../../lib/render/render-stats';
import { shippedSite, siteWith, writeTree } from '../helpers';

const CODE = 'the code';
const site = shippedSite();

/** A folder of apps 0..n-1 (bench-apps' mix: rolling, blue/green, canary, volumes and a database, autoscaled). */
function appsDir(n: number): string {
  return writeTree(Object.fromEntries(Array.from({ length: n }, (_, i) => [`apps/${generatedApp(i).name}.yaml`, generatedApp(i).text])));
}

/** loadApps with the cache at `file`, saved after (as synth does after a verified swap), and how many files were parsed. */
function load(dir: string, file: string, options: { site?: typeof site; needs?: readonly LayerNeeds[]; code?: string } = {}) {
  const cache = new AppSpecCache(file, options.code ?? CODE);
  const parse = jest.spyOn(manifestYaml, 'loadYamlData');
  try {
    const apps = loadApps(path.join(dir, 'apps'), options.site ?? site, options.needs ?? LAYER_NEEDS, cache);
    cache.save();
    return { apps, parsed: parse.mock.calls.length, cache };
  } finally {
    parse.mockRestore();
  }
}

/** Waits until files written before are settled (render-stats.ts SETTLED_MS): a stat taken then is recorded. Not a time asserted. */
function settle(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLED_MS + 30);
}

/** `f()`, and the app files (under `apps/`) it read. */
function appFilesRead<T>(f: () => T): { value: T; read: string[] } {
  const realFs = jest.requireActual<typeof fs>('fs');
  const original = realFs.readFileSync;
  const read: string[] = [];
  const spy = jest.spyOn(realFs, 'readFileSync').mockImplementation(((file: fs.PathOrFileDescriptor, options?: unknown) => {
    if (typeof file === 'string' && /\/apps\/[^/]+\.yaml$/.test(file)) read.push(path.basename(file));
    return original(file, options as never);
  }) as typeof fs.readFileSync);
  try {
    return { value: f(), read };
  } finally {
    spy.mockRestore();
  }
}

/** The error loadApps throws, as text (every issue with its file, line and column). */
function failure(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('the app specs validated by the last synth', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = appsDir(10);
    file = path.join(dir, '.synth-cache', 'app-specs.entries');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN the cache of a load WHEN the same apps load again THEN no file is parsed, and the specs are the same (deeply, frozen) as without a cache', () => {
    const without = loadApps(path.join(dir, 'apps'), site, LAYER_NEEDS);
    const cold = load(dir, file);
    expect(cold.parsed).toBe(10);
    const warm = load(dir, file);
    expect([warm.parsed, warm.cache.reused, warm.cache.computed]).toEqual([0, 10, 0]);
    expect(isDeepStrictEqual(warm.apps, without)).toBe(true);
    expect(JSON.stringify(warm.apps)).toBe(JSON.stringify(without));
    expect(warm.apps.every((a) => Object.isFrozen(a) && Object.isFrozen(a.expose))).toBe(true);
  });

  test('GIVEN the cache WHEN one app\'s file changes THEN only that app is parsed, and its spec is the new one', () => {
    load(dir, file);
    fs.writeFileSync(path.join(dir, 'apps', `${generatedApp(3).name}.yaml`), generatedApp(3, '2.0.0').text);
    const warm = load(dir, file);
    expect([warm.parsed, warm.cache.reused]).toEqual([1, 9]);
    expect(warm.apps[3].image).toMatch(/:2\.0\.0$/);
  });

  test('GIVEN a read-only cache (the diff\'s) WHEN every app\'s file changed THEN the apps are parsed and the specs are the ones without a cache, each is turned into JSON once (the text its render key takes, lib/render/app-renders.ts), nothing is kept for a save, and saving writes nothing', () => {
    load(dir, file);
    const before = fs.readFileSync(file, 'utf8');
    for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(dir, 'apps', `${generatedApp(i).name}.yaml`), generatedApp(i, '2.0.0').text);
    const cache = new AppSpecCache(file, CODE, 'read-only');
    const keep = jest.spyOn(JSON, 'stringify');
    let apps: ReturnType<typeof loadApps>;
    try {
      apps = loadApps(path.join(dir, 'apps'), site, LAYER_NEEDS, cache);
      // The digest of the site and layers' needs is made (the keys); each spec is turned into JSON
      // once, for the render's key (which the diff's render makes: appRenderKey), and remembered with it.
      expect(keep.mock.calls.filter(([v]) => !!v && typeof v === 'object' && 'image' in v)).toHaveLength(10);
      for (const app of apps) expect(JSON.parse(jsonTextOf(app)!)).toStrictEqual({ ...app });
    } finally {
      keep.mockRestore();
    }
    expect([cache.reused, cache.computed]).toEqual([0, 10]);
    expect(JSON.stringify(apps)).toBe(JSON.stringify(loadApps(path.join(dir, 'apps'), site, LAYER_NEEDS)));
    cache.save();
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  test('GIVEN the cache WHEN the site changes THEN every app is parsed again', () => {
    load(dir, file);
    const other = siteWith((s) => { s.name = 'other'; });
    const warm = load(dir, file, { site: other });
    expect([warm.parsed, warm.cache.reused]).toEqual([10, 0]);
    expect(isDeepStrictEqual(warm.apps, loadApps(path.join(dir, 'apps'), other, LAYER_NEEDS))).toBe(true);
  });

  test('GIVEN the cache WHEN a layer now publishes a UI on an app\'s host THEN that app is refused as without a cache (the cached spec is not used)', () => {
    load(dir, file);
    const needs: LayerNeeds[] = [...LAYER_NEEDS, { layer: 'extra', uis: [{ subdomain: `${generatedApp(3).name}.apps`, what: 'an extra UI' }] }];
    const expected = failure(() => loadApps(path.join(dir, 'apps'), site, needs));
    expect(expected).toContain(generatedApp(3).name);
    expect(failure(() => load(dir, file, { needs }))).toBe(expected);
  });

  test('GIVEN an app with a problem WHEN loaded twice with the cache THEN both times it is parsed and refused with the same file:line:col message as without a cache', () => {
    fs.writeFileSync(path.join(dir, 'apps', 'broken.yaml'), 'image: registry.turnsys.com/apps/broken:1\nports: [ { name: http, port: 99999 } ]\n');
    const expected = failure(() => loadApps(path.join(dir, 'apps'), site, LAYER_NEEDS));
    expect(expected).toMatch(/broken\.yaml:2:/);
    // The first load keeps the ten good apps; the second takes them from the cache, and parses the broken one again.
    for (const [parsed, reused] of [[11, 0], [1, 10]]) {
      const cache = new AppSpecCache(file, CODE);
      const parse = jest.spyOn(manifestYaml, 'loadYamlData');
      try {
        expect(failure(() => loadApps(path.join(dir, 'apps'), site, LAYER_NEEDS, cache))).toBe(expected);
        expect([parse.mock.calls.length, cache.reused]).toEqual([parsed, reused]);
      } finally {
        parse.mockRestore();
      }
      cache.save();
    }
  });

  test('GIVEN a cache file that is not JSON, cut short, changed inside, of another format, or written by other code WHEN loaded THEN it is ignored as a whole, nothing is reused, and the specs are the same', () => {
    load(dir, file);
    const text = fs.readFileSync(file, 'utf8');
    const cases: [string, string | undefined, string?][] = [
      ['{"format": 1, "co', 'not JSON'],
      [text.slice(0, Math.floor(text.length / 2)), 'corrupted'],
      [text.replace('1.0.0', '2.0.0'), 'corrupted'],
      [text.replace('"format":3', '"format":0'), 'another format'],
      [text, 'written by other code', 'other code'],
    ];
    for (const [garbled, ignored, code] of cases) {
      fs.writeFileSync(file, garbled);
      const cache = new AppSpecCache(file, code ?? CODE);
      expect(cache.ignored).toBe(ignored);
      expect(isDeepStrictEqual(loadApps(path.join(dir, 'apps'), site, LAYER_NEEDS, cache), loadApps(path.join(dir, 'apps'), site, LAYER_NEEDS))).toBe(true);
      expect(cache.reused).toBe(0);
    }
  });

  test('GIVEN values their JSON does not give back exactly WHEN checked THEN they are not exact (and such a spec is not kept)', () => {
    for (const v of [undefined, { a: undefined }, [1, , 2], [undefined], new Date(0), new Map(), -0, NaN, Infinity, () => 1, 1n, { ['__proto__']: 1 }]) expect(isJsonExact(v)).toBe(false);
    for (const v of [null, 'x', 0, 1.5, true, { a: [1, { b: null }] }, []]) expect(isJsonExact(v)).toBe(true);
    const cache = new AppSpecCache(file, CODE);
    cache.put('k', { when: new Date(0) } as never);
    expect(cache.get('k')).toBeUndefined();
  });
});

describe('the app files trusted by their stat', () => {
  let dir: string;
  let file: string;
  const appFile = (i: number) => path.join(dir, 'apps', `${generatedApp(i).name}.yaml`);
  beforeEach(() => {
    dir = appsDir(10);
    file = path.join(dir, '.synth-cache', 'app-specs.entries');
    settle();
    // Records every file's stat: they had settled when stat'ed.
    load(dir, file);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN the cache of a load of settled files WHEN the same apps load again THEN no app file is read, and the specs are the same as without a cache', () => {
    const warm = appFilesRead(() => load(dir, file));
    expect(warm.read).toEqual([]);
    expect([warm.value.parsed, warm.value.cache.reused]).toEqual([0, 10]);
    expect(isDeepStrictEqual(warm.value.apps, loadApps(path.join(dir, 'apps'), site, LAYER_NEEDS))).toBe(true);
  });

  test('GIVEN trusted files WHEN one is written again with the same size and its mtime put back THEN it is read (its ctime changed) and its new spec is used', () => {
    const f = appFile(3);
    const before = fs.statSync(f);
    const text = fs.readFileSync(f, 'utf8');
    const changed = text.replace(':1.0.0', ':1.0.1');
    expect(changed.length).toBe(text.length);
    fs.writeFileSync(f, changed);
    fs.utimesSync(f, before.atime, before.mtime);
    settle();
    const warm = appFilesRead(() => load(dir, file));
    expect(warm.read).toEqual([path.basename(f)]);
    expect(warm.value.apps[3].image).toMatch(/:1\.0\.1$/);
  });

  test('GIVEN trusted files WHEN one is replaced (renamed over) by a file of the same size THEN it is read and its new spec is used', () => {
    const f = appFile(5);
    const changed = fs.readFileSync(f, 'utf8').replace(':1.0.0', ':1.0.2');
    fs.writeFileSync(`${f}.new`, changed);
    fs.renameSync(`${f}.new`, f);
    settle();
    const warm = appFilesRead(() => load(dir, file));
    expect(warm.read).toEqual([path.basename(f)]);
    expect(warm.value.apps[5].image).toMatch(/:1\.0\.2$/);
  });

  test('GIVEN files changed just now (not settled when stat\'ed) WHEN loaded twice THEN both loads read them', () => {
    fs.writeFileSync(appFile(2), generatedApp(2, '2.0.0').text);
    const first = appFilesRead(() => load(dir, file));
    const second = appFilesRead(() => load(dir, file));
    expect(first.read).toContain(path.basename(appFile(2)));
    expect(second.read).toContain(path.basename(appFile(2)));
    expect(second.value.apps[2].image).toMatch(/:2\.0\.0$/);
  });

  test('GIVEN trusted files WHEN the site changes THEN every file is read and parsed again', () => {
    const other = siteWith((s) => { s.name = 'other'; });
    const warm = appFilesRead(() => load(dir, file, { site: other }));
    expect([warm.read.length, warm.value.parsed]).toEqual([10, 10]);
  });

  test('GIVEN a settled app with a problem WHEN loaded twice with the cache THEN both times it is read and refused with the same message as without a cache', () => {
    fs.writeFileSync(path.join(dir, 'apps', 'broken.yaml'), 'image: registry.turnsys.com/apps/broken:1\nports: [ { name: http, port: 99999 } ]\n');
    settle();
    const expected = failure(() => loadApps(path.join(dir, 'apps'), site, LAYER_NEEDS));
    for (let i = 0; i < 2; i++) {
      const cache = new AppSpecCache(file, CODE);
      const run = appFilesRead(() => failure(() => loadApps(path.join(dir, 'apps'), site, LAYER_NEEDS, cache)));
      expect(run.value).toBe(expected);
      expect(run.read).toContain('broken.yaml');
      cache.save();
    }
  });

  test('GIVEN trusted files WHEN a new app takes the host of a trusted one THEN the message names the trusted app\'s file, line and column as without a cache', () => {
    const host = /host: (\S+)/.exec(fs.readFileSync(appFile(0), 'utf8'))?.[1];
    expect(host).toBeDefined();
    fs.writeFileSync(path.join(dir, 'apps', 'aa-clash.yaml'), fs.readFileSync(appFile(0), 'utf8').replace(/\n {2}tcp: .*\n/, '\n'));
    const expected = failure(() => loadApps(path.join(dir, 'apps'), site, LAYER_NEEDS));
    expect(expected).toContain(host);
    expect(failure(() => load(dir, file))).toBe(expected);
  });

  test('GIVEN trusted files and a new app on a trusted app\'s host WHEN the trusted app\'s file takes another host after its stat was taken and before the message needs its text THEN the load starts again reading every file, and gives what a load without a cache of the files as they are gives (no clash)', () => {
    const victim = appFile(0);
    const text = fs.readFileSync(victim, 'utf8');
    // Only the host is the same (not the TCP port).
    fs.writeFileSync(path.join(dir, 'apps', 'aa-clash.yaml'), text.replace(/\n {2}tcp: .*\n/, '\n'));
    const realFs = jest.requireActual<typeof fs>('fs');
    const original = realFs.readFileSync;
    let changedIt = false;
    const spy = jest.spyOn(realFs, 'readFileSync').mockImplementation(((f: fs.PathOrFileDescriptor, options?: unknown) => {
      if (f === victim && !changedIt) {
        changedIt = true;
        fs.writeFileSync(victim, text.replace(/host: (\S+)/, 'host: elsewhere.apps.turnsys.com'));
      }
      return original(f, options as never);
    }) as typeof fs.readFileSync);
    let warm: ReturnType<typeof load>;
    try {
      warm = load(dir, file);
    } finally {
      spy.mockRestore();
    }
    expect(changedIt).toBe(true);
    const app = warm.apps.find((a) => a.name === generatedApp(0).name);
    expect(app?.expose.http?.host).toBe('elsewhere.apps.turnsys.com');
    expect(isDeepStrictEqual(warm.apps, loadApps(path.join(dir, 'apps'), site, LAYER_NEEDS))).toBe(true);
  });
});
