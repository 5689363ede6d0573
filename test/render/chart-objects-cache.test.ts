import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkedCacheText, readCheckedCache } from '../../lib/cache-file';
import type { ChartRender } from '../../lib/render/chart-renderer';
import { documentDigest } from '../../lib/render/documents';
import { dropNulls, upstreamDocument } from '../../lib/render/upstream-document';

/** A render whose objects hold nulls (an empty map value, a null list item), with a text of its own per test (the process memo is keyed by the text). */
function renderWithNulls(tag: string): ChartRender {
  const text = [
    '# helm template demo (as render-cache/ files begin)',
    '---',
    '# Source: demo/templates/cm.yaml',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: demo-${tag}`,
    '  annotations:',
    'data:',
    '  a: "1"',
    '  b: ~',
    'spec:',
    '  list: [1, null, {k: null, v: 2}]',
    '',
  ].join('\n');
  return { key: `demo-${tag}`, text, source: { path: 'vendor/charts/demo' }, origin: 'helm' };
}

/** A checkout with an empty local cache of its own. */
function checkout(): { root: string; rendersDir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-objects-'));
  return { root, rendersDir: path.join(root, 'node_modules', '.cache', 'tsys-platform', 'renders') };
}

const hasNull = (v: unknown): boolean => v === null || (typeof v === 'object' && v !== null && Object.values(v).some(hasNull));

/** The ChartRenderer module afresh (as in a new process: its memo of parsed renders empty). */
function freshRenderer(root: string): import('../../lib/render/chart-renderer').ChartRenderer {
  let made: import('../../lib/render/chart-renderer').ChartRenderer | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ChartRenderer } = require('../../lib/render/chart-renderer') as typeof import('../../lib/render/chart-renderer');
    made = new ChartRenderer({ root, fresh: false });
  });
  return made!;
}

describe('ChartRenderer.objectsOf: a chart render\'s objects, nulls dropped once, through the local cache', () => {
  test('GIVEN a render whose objects hold nulls WHEN its objects are read, parsed and then from the cache in a new process THEN both hold no null, equal the parsed objects without nulls, and make the same documents', () => {
    const { root, rendersDir } = checkout();
    const render = renderWithNulls('a');
    const parsed = freshRenderer(root).objectsOf(render, 'demo');
    expect(fs.readdirSync(rendersDir).filter((f) => f.endsWith('.objects.json'))).toHaveLength(1);
    const cached = freshRenderer(root).objectsOf(render, 'demo');
    for (const objects of [parsed, cached]) {
      expect(objects).toHaveLength(1);
      expect(hasNull(objects[0].object)).toBe(false);
      expect(objects[0].object).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'demo-a' }, data: { a: '1' }, spec: { list: [1, { v: 2 }] } });
    }
    expect(cached[0].object).not.toBe(parsed[0].object);
    const meta = { name: 'demo-a', labels: { x: '1' } };
    expect(documentDigest(upstreamDocument(cached[0].object, meta))).toBe(documentDigest(upstreamDocument(parsed[0].object, meta)));
  });

  test('GIVEN a cache file of the earlier layout (objects with their nulls, no nullFree mark) WHEN the objects are read THEN it is not trusted: the render is parsed again, nulls dropped, and the file rewritten in the new layout', () => {
    const { root, rendersDir } = checkout();
    const render = renderWithNulls('b');
    freshRenderer(root).objectsOf(render, 'demo');
    const [entry] = fs.readdirSync(rendersDir);
    const file = path.join(rendersDir, entry);
    const key = entry.replace(/\.objects\.json$/, '');
    const withNulls = { source: 'x', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'stale', annotations: null }, data: { b: null } } };
    // Intact (checked as the renderer writes it): only its layout is old.
    fs.writeFileSync(file, checkedCacheText(JSON.stringify({ key, objects: [withNulls] })));
    const objects = freshRenderer(root).objectsOf(render, 'demo');
    expect(objects.map((o) => (o.object.metadata as { name: string }).name)).toEqual(['demo-b']);
    expect(hasNull(objects[0].object)).toBe(false);
    expect(JSON.parse(readCheckedCache(file)!)).toMatchObject({ key, nullFree: true });
  });

  test('GIVEN an object with nulls patched after it was read (a copy, not known to be null-free) WHEN its document is made THEN nulls the patch added are dropped as before', () => {
    const { root } = checkout();
    const [o] = freshRenderer(root).objectsOf(renderWithNulls('c'), 'demo');
    const patched = structuredClone(o.object) as Record<string, unknown>;
    (patched.data as Record<string, unknown>).gone = null;
    const doc = upstreamDocument(patched, { name: 'demo-c' }) as { data: Record<string, unknown> };
    expect(doc.data).toEqual({ a: '1' });
    expect(dropNulls(patched)).toEqual({ ...o.object, data: { a: '1' } });
  });

  test('GIVEN a render whose text holds characters beyond ASCII (an accent, an emoji) WHEN its objects are cached THEN the cache file is all ASCII bytes (a one-byte text to parse) and gives back the same strings in a new process', () => {
    const { root, rendersDir } = checkout();
    const render: ChartRender = { ...renderWithNulls('d'), text: `${renderWithNulls('d').text}  note: 'café 🚀 \\u00e9'\n` };
    const parsed = freshRenderer(root).objectsOf(render, 'demo');
    const [entry] = fs.readdirSync(rendersDir);
    const bytes = fs.readFileSync(path.join(rendersDir, entry));
    expect(bytes.every((b) => b < 0x80)).toBe(true);
    const cached = freshRenderer(root).objectsOf(render, 'demo');
    expect((cached[0].object.spec as { note: string }).note).toBe('café 🚀 \\u00e9');
    expect(cached[0].object).toEqual(parsed[0].object);
  });

  test('GIVEN a cache file of an earlier format (no format: objects without their templates, UTF-8 beyond ASCII) WHEN the objects are read THEN the file is not believed: they are the render\'s, and the file is written again all ASCII in format 3', () => {
    const { root, rendersDir } = checkout();
    const render = renderWithNulls('e');
    const fresh = freshRenderer(root).objectsOf(render, 'demo');
    const [entry] = fs.readdirSync(rendersDir);
    const file = path.join(rendersDir, entry);
    const written = JSON.parse(readCheckedCache(file)!) as { format?: number; objects: { object: { data: Record<string, string> } }[] };
    expect(written.format).toBe(3);
    const { format: _, ...earlier } = structuredClone(written);
    earlier.objects[0].object.data.a = 'naïve ✓';
    fs.writeFileSync(file, checkedCacheText(JSON.stringify(earlier)));
    const objects = freshRenderer(root).objectsOf(render, 'demo');
    expect(objects).toEqual(fresh);
    const bytes = fs.readFileSync(file);
    expect(bytes.every((b) => b < 0x80)).toBe(true);
    expect(JSON.parse(readCheckedCache(file)!)).toEqual(written);
  });
});
