import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { jsonTextOf, rememberJsonText } from '../../lib/cache-file';
import type { AppSpec } from '../../lib/config/app-schema';
import { AppSpecCache, specWithNameJson } from '../../lib/config/app-spec-cache';
import { deepFreeze } from '../../lib/config/load';
import { loadApps } from '../../lib/config/load-apps';
import { LAYER_NEEDS } from '../../lib/layers';
import { appRenderKey, inputsJson, siteDigest } from '../../lib/render/app-renders';
import { SETTLED_MS } from '../../lib/render/render-stats';
import { generatedApp } from '../../scripts/bench-apps';
import { shippedSite, writeTree } from '../helpers';

// The app specs' JSON texts the load remembers (the spec cache's), which the app render's key
// takes instead of turning each spec into JSON again (issue 18: about 50 ms a synth at 1,000 apps).

const CODE = 'the code';
const site = shippedSite();

function appsDir(n: number): string {
  return writeTree(Object.fromEntries(Array.from({ length: n }, (_, i) => [`apps/${generatedApp(i).name}.yaml`, generatedApp(i).text])));
}

function load(dir: string, file: string, mode: 'write' | 'read-only' = 'write'): AppSpec[] {
  const cache = new AppSpecCache(file, CODE, mode);
  const apps = loadApps(path.join(dir, 'apps'), site, LAYER_NEEDS, cache);
  cache.save();
  return apps;
}

/** Waits until files written before are settled (render-stats.ts SETTLED_MS): a stat taken then is recorded. Not a time asserted. */
function settle(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLED_MS + 30);
}

const keyOf = (spec: unknown): string => appRenderKey({ spec, allocation: { address: '10.0.0.1' }, pool: 'apps', owner: 'paas' }, siteDigest(site));

describe('the JSON text of a loaded app spec', () => {
  test('GIVEN apps loaded through the spec cache, parsed (cold), from the cache with each file trusted by its stat (warm), from the cache by each file\'s text (warm, the files touched) and by the diff (read-only) WHEN their remembered texts are read THEN each parses to the spec, and each app has one render key in all four loads (the cold synth\'s renders are reused by the next)', () => {
    const dir = appsDir(12);
    const trusted = jest.spyOn(AppSpecCache.prototype, 'trustedDigest');
    try {
      const file = path.join(dir, '.synth-cache', 'app-specs.entries');
      // Files older than SETTLED_MS when the cold load stats them: their stats are recorded, and the next load trusts them.
      settle();
      const cold = load(dir, file);
      trusted.mockClear();
      const warm = load(dir, file);
      const trustedHits = trusted.mock.results.filter((r) => r.value !== undefined).length;
      for (const f of fs.readdirSync(path.join(dir, 'apps'))) {
        const p = path.join(dir, 'apps', f);
        fs.writeFileSync(p, fs.readFileSync(p));
      }
      trusted.mockClear();
      const byText = load(dir, file);
      const byTextTrusted = trusted.mock.results.filter((r) => r.value !== undefined).length;
      const diff = load(dir, file, 'read-only');
      expect([trustedHits, byTextTrusted]).toEqual([12, 0]);
      for (const apps of [cold, warm, byText, diff]) {
        expect(apps).toHaveLength(12);
        for (const spec of apps) {
          const text = jsonTextOf(spec);
          expect(text).toBeDefined();
          expect(isDeepStrictEqual(JSON.parse(text!), { ...spec })).toBe(true);
        }
      }
      expect(warm.map(keyOf)).toEqual(cold.map(keyOf));
      expect(byText.map(keyOf)).toEqual(cold.map(keyOf));
      expect(diff.map(keyOf)).toEqual(cold.map(keyOf));
      expect(new Set(cold.map(keyOf)).size).toBe(12);
      // Without the cache nothing is remembered, and the key is made from the spec itself.
      const uncached = loadApps(path.join(dir, 'apps'), site, LAYER_NEEDS);
      expect(uncached.map(jsonTextOf)).toEqual(uncached.map(() => undefined));
      expect(new Set(uncached.map(keyOf)).size).toBe(12);
    } finally {
      trusted.mockRestore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN one app\'s image changed between two cached loads WHEN keyed THEN only its key changes', () => {
    const dir = appsDir(4);
    try {
      const file = path.join(dir, '.synth-cache', 'app-specs.entries');
      const before = load(dir, file).map(keyOf);
      const app = generatedApp(2);
      fs.writeFileSync(path.join(dir, 'apps', `${app.name}.yaml`), generatedApp(2, '9.9.9').text);
      const after = load(dir, file).map(keyOf);
      expect(after.map((k, i) => k === before[i])).toEqual([true, true, false, true]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN specs with remembered texts WHEN keyed THEN the key changes with every value of the spec (each text parsing to its own spec), as the key of a spec without one does', () => {
    /** A frozen spec with its text remembered as the load makes it: its JSON without name and file, then those. */
    const remembered = (value: Record<string, unknown>): object => {
      const spec = deepFreeze({ ...value }) as Record<string, unknown> & { name: string; file: string };
      const { name, file, ...rest } = spec;
      rememberJsonText(spec, specWithNameJson(JSON.stringify(rest), name, file));
      expect(isDeepStrictEqual(JSON.parse(jsonTextOf(spec)!), { ...spec })).toBe(true);
      return spec;
    };
    const base = { name: 'a', file: 'apps/a.yaml', image: 'r/a:1', env: { B: '1', A: '2' } };
    const variants = [
      base,
      { ...base, image: 'r/a:2' },
      { ...base, env: { B: '1', A: '3' } },
      { ...base, env: { A: '2', B: '1' } },
      { ...base, name: 'b' },
      { ...base, file: 'apps/b.yaml' },
      { ...base, extra: null },
    ];
    const withText = variants.map((v) => keyOf(remembered(v)));
    const without = variants.map((v) => keyOf({ ...v }));
    expect(new Set(withText).size).toBe(variants.length);
    expect(new Set(without).size).toBe(variants.length);
  });

  test('GIVEN a kept spec\'s text with no keys, or with whitespace before its closing brace WHEN the name and file are put in THEN the text is JSON of the spec with them', () => {
    expect(JSON.parse(specWithNameJson('{}', 'a', 'apps/a.yaml'))).toEqual({ name: 'a', file: 'apps/a.yaml' });
    expect(JSON.parse(specWithNameJson('{ }', 'a', 'x"y'))).toEqual({ name: 'a', file: 'x"y' });
    expect(JSON.parse(specWithNameJson('{"image":"i" }\n', 'a', 'f'))).toEqual({ image: 'i', name: 'a', file: 'f' });
    expect(JSON.parse(specWithNameJson('{} \t\r\n', 'a', 'f'))).toEqual({ name: 'a', file: 'f' });
  });

  test('GIVEN a value that is not frozen WHEN its text is remembered THEN it is not (it could change after), and the key is made from the value', () => {
    const spec = { name: 'a', image: 'r/a:1' };
    rememberJsonText(spec, '{"name":"a","image":"r/a:0"}');
    expect(jsonTextOf(spec)).toBeUndefined();
    expect(keyOf(spec)).toBe(appRenderKey({ spec: { ...spec }, allocation: { address: '10.0.0.1' }, pool: 'apps', owner: 'paas' }, siteDigest(site)));
    expect(inputsJson(spec)).toBe(JSON.stringify(spec));
  });
});

describe('the render key of a spec with a remembered text', () => {
  test('GIVEN inputs with and without an allocation and calls WHEN keyed with the spec\'s remembered text THEN the text hashed is inputsJson\'s of the inputs, the spec\'s part being the remembered text', () => {
    const spec = deepFreeze({ name: 'a', file: 'apps/a.yaml', image: 'r/a:1' });
    const text = specWithNameJson('{"image":"r/a:1"}', 'a', 'apps/a.yaml');
    rememberJsonText(spec, text);
    const withText = { ...JSON.parse(text) } as object;
    const variants = [
      { spec, pool: 'apps', owner: 'paas' },
      { spec, allocation: { address: '10.0.0.1' }, pool: 'apps', owner: 'paas', calls: [{ app: 'b', ports: [] }] },
      { spec, allocation: { address: -0 }, pool: 'apps', owner: 'paas', calls: [undefined] },
    ];
    for (const v of variants) expect(appRenderKey(v, 'site')).toBe(appRenderKey({ ...v, spec: withText }, 'site'));
  });
});
