import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError } from '../../lib/config/errors';
import { loadSite, SiteMemo, siteTextDigest } from '../../lib/config/load';
import { AppSpecCache } from '../../lib/config/app-spec-cache';
import type { Site } from '../../lib/config/schema';
import { LAYER_NEEDS, PIN_NAMES } from '../../lib/layers';

const REPO = path.resolve(__dirname, '..', '..');

/** A scratch copy of the shipped site.yaml, edited by `edit`. */
function siteFile(edit: (text: string) => string = (t) => t): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'site-memo-'));
  const file = path.join(dir, 'site.yaml');
  fs.writeFileSync(file, edit(fs.readFileSync(path.join(REPO, 'site.yaml'), 'utf8')));
  return file;
}

/** A memo in memory that counts what it was asked and kept. */
function countingMemo(): SiteMemo & { kept: Map<string, string>; asked: number } {
  const kept = new Map<string, string>();
  const memo = {
    kept,
    asked: 0,
    site(digest: string): unknown {
      memo.asked++;
      const json = kept.get(digest);
      return json === undefined ? undefined : JSON.parse(json);
    },
    keepSite(digest: string, site: Site): void {
      kept.set(digest, JSON.stringify(site));
    },
  };
  return memo;
}

/** The ConfigError messages `f` throws. */
function messages(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split('\n');
    throw e;
  }
  return [];
}

describe('site.yaml validated once per text (SiteMemo)', () => {
  test('GIVEN a site loaded with a memo WHEN loaded again from the same text THEN the kept site is taken: equal to a fresh parse, deeply frozen', () => {
    const file = siteFile();
    const memo = countingMemo();
    const first = loadSite(file, PIN_NAMES, LAYER_NEEDS, memo);
    expect(memo.kept.size).toBe(1);
    expect([...memo.kept.keys()]).toEqual([siteTextDigest(fs.readFileSync(file, 'utf8'))]);
    const again = loadSite(file, PIN_NAMES, LAYER_NEEDS, memo);
    expect(again).not.toBe(first);
    expect(again).toEqual(loadSite(file, PIN_NAMES, LAYER_NEEDS));
    expect(Object.isFrozen(again)).toBe(true);
    expect(Object.isFrozen(again.nodes[0])).toBe(true);
  });

  test('GIVEN a kept site WHEN the text changes THEN it is parsed again (another digest) and the new value comes back', () => {
    const file = siteFile();
    const memo = countingMemo();
    loadSite(file, PIN_NAMES, LAYER_NEEDS, memo);
    const text = fs.readFileSync(file, 'utf8');
    const domain = /^domain: (\S+)$/m.exec(text)?.[1];
    expect(domain).toBeDefined();
    fs.writeFileSync(file, text.replace(/^domain: \S+$/m, 'domain: other.example.com'));
    expect(loadSite(file, PIN_NAMES, LAYER_NEEDS, memo).domain).toBe('other.example.com');
    expect(memo.kept.size).toBe(2);
  });

  test('GIVEN a kept site WHEN the rules that read the layers now refuse it (a version name no layer pins) THEN the file:line:col messages of a fresh parse, not the kept site', () => {
    const pin = PIN_NAMES[0];
    const file = siteFile((t) => t.replace(/^versions: \{\}$/m, `versions:\n  ${pin}: "9.9.9"`));
    const memo = countingMemo();
    loadSite(file, PIN_NAMES, LAYER_NEEDS, memo);
    expect(memo.kept.size).toBe(1);
    const names = PIN_NAMES.slice(1);
    const fresh = messages(() => loadSite(file, names, LAYER_NEEDS));
    expect(fresh.join('\n')).toMatch(/site\.yaml:\d+:\d+/);
    expect(messages(() => loadSite(file, names, LAYER_NEEDS, memo))).toEqual(fresh);
  });

  test.each([
    ['not a map', '[1, 2]'],
    ['a map the rules cannot read', '{"nodes": 7}'],
  ])('GIVEN a kept entry that is %s WHEN the site is loaded THEN it is parsed again: the same site', (_what, json) => {
    const file = siteFile();
    const memo = countingMemo();
    memo.kept.set(siteTextDigest(fs.readFileSync(file, 'utf8')), json);
    expect(loadSite(file, PIN_NAMES, LAYER_NEEDS, memo)).toEqual(loadSite(file, PIN_NAMES, LAYER_NEEDS));
  });

  test('GIVEN the app-spec cache as the memo WHEN a site is kept, saved and read by a new cache THEN the new cache gives it back; a cache of other code gives nothing', () => {
    const file = siteFile();
    const cacheFile = path.join(path.dirname(file), 'cache', 'app-specs');
    const first = new AppSpecCache(cacheFile, 'code-1');
    const site = loadSite(file, PIN_NAMES, LAYER_NEEDS, first);
    first.save();
    const digest = siteTextDigest(fs.readFileSync(file, 'utf8'));
    expect(new AppSpecCache(cacheFile, 'code-1').site(digest)).toEqual(site);
    expect(new AppSpecCache(cacheFile, 'code-2').site(digest)).toBeUndefined();
  });
});
