import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ChartRenderer } from '../../lib/render/chart-renderer';
import { unreadValues } from '../../lib/render/values-check';

const REPO = path.resolve(__dirname, '..', '..');
const CHART = 'metallb';
const VERSION = '0.15.2';
const BAD = { controller: { replicas: 2 }, speaker: { noSuchSwitch: true } };

/** A checkout with the repository's vendor/ and an empty local cache of its own. */
function checkout(): { root: string; cacheDir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'values-cache-'));
  fs.symlinkSync(path.join(REPO, 'vendor'), path.join(root, 'vendor'));
  return { root, cacheDir: path.join(root, 'node_modules', '.cache', 'tsys-platform', 'values-checks') };
}

describe('ChartRenderer.unreadValues: the values check through the local cache', () => {
  test('GIVEN values a chart does not read WHEN checked through the renderer THEN the findings equal the direct scan, and one cache entry is written', () => {
    const { root, cacheDir } = checkout();
    const renderer = new ChartRenderer({ root, fresh: false });
    const source = renderer.vendored(CHART, VERSION);
    const direct = unreadValues(path.join(REPO, source.path), BAD);
    expect(direct.map((f) => f.path)).toContain('speaker.noSuchSwitch');
    expect(renderer.unreadValues(source, BAD)).toEqual(direct);
    expect(fs.readdirSync(cacheDir).filter((f) => f.endsWith('.json'))).toHaveLength(1);
  });

  test('GIVEN a cache entry corrupted on disk WHEN the next check reads it THEN it is ignored and the same findings come back', () => {
    const { root, cacheDir } = checkout();
    const values = { ...BAD, speaker: { anotherUnread: 1 } };
    new ChartRenderer({ root, fresh: false }).unreadValues(new ChartRenderer({ root }).vendored(CHART, VERSION), values);
    const [entry] = fs.readdirSync(cacheDir);
    const file = path.join(cacheDir, entry);
    // A wrong shape under the right key, then plain garbage: neither is trusted.
    for (const bad of [JSON.stringify({ key: entry.replace(/\.json$/, ''), findings: [{ path: 1 }] }), '{not json']) {
      fs.writeFileSync(file, bad);
      const renderer = new ChartRenderer({ root, fresh: false });
      expect(renderer.unreadValues(renderer.vendored(CHART, VERSION), values).map((f) => f.path)).toContain('speaker.anotherUnread');
    }
  });

  test('GIVEN a cache entry that claims nothing is unread WHEN a fresh renderer (CI) checks THEN it scans and still finds the unread value', () => {
    const { root, cacheDir } = checkout();
    const values = { ...BAD, speaker: { yetAnother: 'x' } };
    new ChartRenderer({ root, fresh: false }).unreadValues(new ChartRenderer({ root }).vendored(CHART, VERSION), values);
    const [entry] = fs.readdirSync(cacheDir);
    fs.writeFileSync(path.join(cacheDir, entry), JSON.stringify({ key: entry.replace(/\.json$/, ''), findings: [] }));
    const fresh = new ChartRenderer({ root, fresh: true });
    expect(fresh.unreadValues(fresh.vendored(CHART, VERSION), values).map((f) => f.path)).toContain('speaker.yetAnother');
  });
});
