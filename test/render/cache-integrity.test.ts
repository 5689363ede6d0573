// The local caches whose content is trusted by a name or a key (a chart render's objects, a
// values check, a render of helm's, the unpacked helm) are checked when read: a flipped bit or an
// edit that leaves a well-formed file is ignored and made again, never taken into dist/. Found by a
// fault sweep of the caches: before, such a file changed dist/ with synth exiting 0.
import * as os from 'os';
import * as path from 'path';
import { HelmComponent } from '../../lib/constructs/helm-component';
import type { ChartRender } from '../../lib/render/chart-renderer';
import { checkedCacheText } from '../../lib/cache-file';
import { HELM } from '../../lib/render/helm';
import { DEMO_CHART, renderDemo, vendoredRoot } from '../constructs/upstream-fixtures';

// The real module (the lib's `import * as fs` reads its functions from it at each call).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fs = require('fs') as typeof import('fs');

/* eslint-disable @typescript-eslint/no-require-imports */
/** The chart renderer's module afresh (as in a new process: its memos empty). */
const freshModule = (): typeof import('../../lib/render/chart-renderer') => {
  let m: typeof import('../../lib/render/chart-renderer') | undefined;
  jest.isolateModules(() => {
    m = require('../../lib/render/chart-renderer') as typeof import('../../lib/render/chart-renderer');
  });
  return m!;
};

/** The demo chart rendered as by a new process (fresh module instances), reusing the local caches. */
function renderInNewProcess(root: string): ReturnType<typeof renderDemo> {
  let rendered: ReturnType<typeof renderDemo> | undefined;
  jest.isolateModules(() => {
    const fixtures = require('../constructs/upstream-fixtures') as typeof import('../constructs/upstream-fixtures');
    const helm = require('../../lib/constructs/helm-component') as typeof import('../../lib/constructs/helm-component');
    rendered = fixtures.renderDemo(root, (layer) => new helm.HelmComponent(layer, 'demo', { name: 'demo', chart: fixtures.DEMO_CHART, namespace: 'demo', values: {} }), { fresh: false });
  });
  return rendered!;
}
/* eslint-enable @typescript-eslint/no-require-imports */

const demo = (layer: Parameters<Parameters<typeof renderDemo>[1]>[0]) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'demo', values: {} });
const cacheDir = (root: string, sub: string) => path.join(root, 'node_modules', '.cache', 'tsys-platform', sub);

/** Flips one bit of the byte at `at` (from the end when negative). */
function flip(file: string, at: number): void {
  const bytes = fs.readFileSync(file);
  const i = at < 0 ? bytes.length + at : at;
  bytes[i] ^= 1;
  fs.writeFileSync(file, bytes);
}

describe('local caches checked when read', () => {
  let root: string;
  beforeEach(() => {
    root = vendoredRoot();
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('GIVEN a render\'s cached objects edited into other well-formed objects (a value changed) WHEN a new process reads them THEN they are ignored: the objects are parsed from the render again, and the cache is written afresh', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: integrity-a\ndata:\n  image: registry.example.com/app:1.0.0\n';
    const render: ChartRender = { key: 'integrity-a', text, source: { path: 'vendor/charts/demo' }, origin: 'helm' };
    const parsed = new (freshModule().ChartRenderer)({ root, fresh: false }).objectsOf(render, 'demo');
    const [file] = fs.readdirSync(cacheDir(root, 'renders')).filter((f) => f.endsWith('.objects.json')).map((f) => path.join(cacheDir(root, 'renders'), f));
    const written = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, written.replace('app:1.0.0', 'app:6.6.6'));
    const again = new (freshModule().ChartRenderer)({ root, fresh: false }).objectsOf(render, 'demo');
    expect(again).toStrictEqual(parsed);
    expect(JSON.stringify(again)).toContain('app:1.0.0');
    expect(fs.readFileSync(file, 'utf8')).toBe(written);
  });

  test('GIVEN a render\'s cached objects with one bit flipped inside a string WHEN a new process reads them THEN the objects are those of the render', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: integrity-b\ndata:\n  key: kubernetes.io/cluster-service\n';
    const render: ChartRender = { key: 'integrity-b', text, source: { path: 'vendor/charts/demo' }, origin: 'helm' };
    const parsed = new (freshModule().ChartRenderer)({ root, fresh: false }).objectsOf(render, 'demo');
    const [file] = fs.readdirSync(cacheDir(root, 'renders')).filter((f) => f.endsWith('.objects.json')).map((f) => path.join(cacheDir(root, 'renders'), f));
    const at = fs.readFileSync(file, 'latin1').indexOf('cluster-service') + 1;
    flip(file, at);
    expect(fs.readFileSync(file, 'latin1')).toContain('cmuster-service');
    expect(new (freshModule().ChartRenderer)({ root, fresh: false }).objectsOf(render, 'demo')).toStrictEqual(parsed);
  });

  test('GIVEN a render\'s cached objects rewritten whole with a first line that matches (a forged file, not damage) WHEN a fresh renderer (CI\'s proof, --fresh) reads the render THEN the objects are parsed from its text, not taken from the cache', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: integrity-c\ndata:\n  image: registry.example.com/app:1.0.0\n';
    const render: ChartRender = { key: 'integrity-c', text, source: { path: 'vendor/charts/demo' }, origin: 'helm' };
    const parsed = new (freshModule().ChartRenderer)({ root, fresh: false }).objectsOf(render, 'demo');
    const [file] = fs.readdirSync(cacheDir(root, 'renders')).filter((f) => f.endsWith('.objects.json')).map((f) => path.join(cacheDir(root, 'renders'), f));
    const body = fs.readFileSync(file, 'utf8').split('\n').slice(1).join('\n').replace('app:1.0.0', 'app:6.6.6');
    fs.writeFileSync(file, checkedCacheText(body));
    // A renderer that reuses caches trusts an intact file (a local cache, as trusted as the checkout).
    expect(JSON.stringify(new (freshModule().ChartRenderer)({ root, fresh: false }).objectsOf(render, 'demo'))).toContain('app:6.6.6');
    const m = freshModule();
    // In one process: the forged objects in its memo first, then a fresh renderer.
    void new m.ChartRenderer({ root, fresh: false }).objectsOf(render, 'demo');
    fs.writeFileSync(file, checkedCacheText(body));
    expect(new m.ChartRenderer({ root, fresh: true }).objectsOf(render, 'demo')).toStrictEqual(parsed);
  });

  test('GIVEN a cached values check edited to hold a finding the chart does not have WHEN a new process checks the same values THEN the chart is scanned again: no finding', () => {
    const renderer = new (freshModule().ChartRenderer)({ root, fresh: false });
    const source = renderer.vendored('demo', '1.0.0');
    expect(renderer.unreadValues(source, {})).toEqual([]);
    const [file] = fs.readdirSync(cacheDir(root, 'values-checks')).map((f) => path.join(cacheDir(root, 'values-checks'), f));
    const written = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, written.replace('"findings":[]', '"findings":[{"path":"replicaCount","reason":"not read by any template"}]'));
    expect(fs.readFileSync(file, 'utf8')).toContain('replicaCount');
    expect(new (freshModule().ChartRenderer)({ root, fresh: false }).unreadValues(source, {})).toEqual([]);
  });

  test('GIVEN a render in the local cache (no committed file) with a bit flipped in its text WHEN the chart is rendered again in a new process THEN helm renders it again: the objects are those of a fresh render', () => {
    const first = renderInNewProcess(root);
    const local = fs.readdirSync(cacheDir(root, 'renders')).filter((f) => f.endsWith('.yaml')).map((f) => path.join(cacheDir(root, 'renders'), f));
    expect(local).toHaveLength(1);
    const at = fs.readFileSync(local[0], 'latin1').lastIndexOf('name: ') + 7;
    flip(local[0], at);
    const again = renderInNewProcess(root);
    expect(again.objects).toStrictEqual(first.objects);
    expect(again.objects).toStrictEqual(renderDemo(root, demo, { fresh: true }).objects);
  });
});

describe('the unpacked helm checked before it is used', () => {
  const zip = path.join(__dirname, '..', '..', 'node_modules', ...HELM.npmPackage.split('/'), 'lib', 'layer.zip');
  const usable = fs.existsSync(zip) && process.platform === 'linux' && process.arch === 'x64';
  (usable ? test : test.skip)('GIVEN the unpacked helm emptied, cut short or made a folder WHEN helm is located in a new process THEN it is unpacked again and runs; when it cannot be unpacked, the one there is tried as before', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-integrity-'));
    const saved = { PATH: process.env.PATH, TSYS_HELM: process.env.TSYS_HELM };
    try {
      fs.mkdirSync(path.dirname(path.join(root, 'node_modules', ...HELM.npmPackage.split('/'), 'lib', 'layer.zip')), { recursive: true });
      fs.symlinkSync(zip, path.join(root, 'node_modules', ...HELM.npmPackage.split('/'), 'lib', 'layer.zip'));
      // No helm but the unpacked one: an empty PATH, no TSYS_HELM.
      process.env.PATH = fs.mkdtempSync(path.join(os.tmpdir(), 'empty-path-'));
      delete process.env.TSYS_HELM;
      const locate = (): string => {
        let m: typeof import('../../lib/render/helm') | undefined;
        jest.isolateModules(() => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          m = require('../../lib/render/helm') as typeof import('../../lib/render/helm');
        });
        return m!.locateHelm(root);
      };
      const binary = locate();
      const bytes = fs.readFileSync(binary);
      // Unpacked by code that kept no sha256 (or the sha256 lost), and the zip unreadable now: the binary there is used as before.
      const layer = path.join(root, 'node_modules', ...HELM.npmPackage.split('/'), 'lib', 'layer.zip');
      fs.rmSync(`${binary}.sha256`);
      fs.rmSync(layer);
      fs.writeFileSync(layer, 'not a zip');
      expect(locate()).toBe(binary);
      expect(fs.readFileSync(binary).equals(bytes)).toBe(true);
      fs.rmSync(layer);
      fs.symlinkSync(zip, layer);
      for (const damage of [() => fs.writeFileSync(binary, ''), () => fs.writeFileSync(binary, bytes.subarray(0, bytes.length >> 1)), () => flip(binary, bytes.length >> 1), () => { fs.rmSync(binary); fs.mkdirSync(binary); }]) {
        damage();
        expect(locate()).toBe(binary);
        expect(fs.readFileSync(binary).equals(bytes)).toBe(true);
      }
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.TSYS_HELM !== undefined) process.env.TSYS_HELM = saved.TSYS_HELM;
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
