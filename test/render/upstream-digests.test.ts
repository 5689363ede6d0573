import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkedCacheText, readCheckedCache, sha256 } from '../../lib/cache-file';
import type { ChartRender, ChartRenderer } from '../../lib/render/chart-renderer';
import { UPSTREAM_DIGESTS_FILE } from '../../lib/render/chart-renderer';

/**
 * A chart render's objects are cached with every map's keys sorted and each body's JSON digest
 * (lib/render/chart-renderer.ts `objectsOf`, format 3): a document made of such a body takes it
 * without copying it, and its digest is remembered across processes in the local cache
 * (`UpstreamDigests`). Each test runs the modules afresh, as a new process would.
 */

/**
 * A render of three objects: a ConfigMap whose maps are written out of order (nulls among them), an
 * object holding a `__proto__` key and one holding -0 and NaN (values JSON has no text for).
 */
function render(tag: string): ChartRender {
  const text = [
    '# helm template demo',
    '---',
    '# Source: demo/templates/cm.yaml',
    'kind: ConfigMap',
    'apiVersion: v1',
    'metadata:',
    `  name: demo-${tag}`,
    '  annotations:',
    'data:',
    '  z: "1"',
    '  a: "2"',
    '  gone: ~',
    'spec:',
    '  list: [{c: 1, b: 2}, null]',
    '---',
    '# Source: demo/templates/odd.yaml',
    'apiVersion: example.com/v1',
    'kind: Odd',
    'metadata:',
    `  name: odd-${tag}`,
    'spec:',
    '  __proto__: 1',
    '---',
    '# Source: demo/templates/numbers.yaml',
    'apiVersion: example.com/v1',
    'kind: Numbers',
    'metadata:',
    `  name: numbers-${tag}`,
    'spec:',
    '  zero: -0.0',
    '  nan: .nan',
    '',
  ].join('\n');
  return { key: `digests-${tag}`, text, source: { path: 'vendor/charts/demo' }, origin: 'helm' };
}

function checkout(): { root: string; rendersDir: string; memoFile: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'upstream-digests-'));
  const cache = path.join(root, 'node_modules', '.cache', 'tsys-platform');
  return { root, rendersDir: path.join(cache, 'renders'), memoFile: path.join(cache, UPSTREAM_DIGESTS_FILE) };
}

type Modules = {
  renderer: ChartRenderer;
  upstreamDocument: typeof import('../../lib/render/upstream-document').upstreamDocument;
  documentDigest: typeof import('../../lib/render/documents').documentDigest;
  documentJson: typeof import('../../lib/render/documents').documentJson;
};

/** The renderer and the document functions of one module registry (a new process), the renderer keeping memos under `code` unless `fresh`. */
function process_(root: string, options: { code?: string; fresh?: boolean; readOnlyCaches?: boolean } = { code: 'code-1' }): Modules {
  let out: Modules | undefined;
  jest.isolateModules(() => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { ChartRenderer } = require('../../lib/render/chart-renderer') as typeof import('../../lib/render/chart-renderer');
    const { upstreamDocument } = require('../../lib/render/upstream-document') as typeof import('../../lib/render/upstream-document');
    const { documentDigest, documentJson } = require('../../lib/render/documents') as typeof import('../../lib/render/documents');
    /* eslint-enable @typescript-eslint/no-require-imports */
    out = { renderer: new ChartRenderer({ root, fresh: options.fresh ?? false, ...(options.code ? { code: options.code } : {}), ...(options.readOnlyCaches ? { readOnlyCaches: true } : {}) }), upstreamDocument, documentDigest, documentJson };
  });
  return out!;
}

const META = { name: 'demo', labels: { b: '1', a: '2' } };

/** Every object's document and digest as a process makes them, and the digests its renderer saves. */
function documentsOf(m: Modules, r: ChartRender): { docs: Record<string, unknown>[]; digests: string[] } {
  const docs = m.renderer.objectsOf(r, 'demo').map((o) => m.upstreamDocument(o.object, META));
  const digests = docs.map((d) => m.documentDigest(d));
  m.renderer.saveCaches();
  return { docs, digests };
}

/**
 * Writes the memo file (one block, as one process saves it) again with the digest `from` replaced by
 * `to`, its block's hash made again: an intact file that says something else.
 */
function plantDigest(memoFile: string, from: string, to: string): void {
  const lines = fs.readFileSync(memoFile, 'utf8').split('\n');
  const body = `${lines.slice(2).filter((l) => l).map((l) => l.replace(from, to)).join('\n')}\n`;
  fs.writeFileSync(memoFile, `${lines[0]}\n#${sha256(body)} ${body.split('\n').length - 1}\n${body}`);
}

const keysSortedThroughout = (v: unknown): boolean => {
  if (Array.isArray(v)) return v.every(keysSortedThroughout);
  if (!v || typeof v !== 'object') return true;
  const keys = Object.keys(v);
  return keys.every((k, i) => i === 0 || keys[i - 1] < k) && keys.every((k) => keysSortedThroughout((v as Record<string, unknown>)[k]));
};

describe('upstream objects cached with sorted keys and body digests, and their document digests remembered', () => {
  test('GIVEN a render WHEN its objects are parsed THEN they are what the cache gives back: every map sorted, nulls dropped, -0 and NaN as JSON writes them; the cache holds each body\'s digest (the sha256 of its JSON, status and metadata left out)', () => {
    const { root, rendersDir } = checkout();
    const m = process_(root);
    const objects = m.renderer.objectsOf(render('a'), 'demo');
    expect(objects.map((o) => o.object)).toEqual([
      { apiVersion: 'v1', data: { a: '2', z: '1' }, kind: 'ConfigMap', metadata: { name: 'demo-a' }, spec: { list: [{ b: 2, c: 1 }] } },
      // A `__proto__` key was never kept (dropping nulls copies by assignment): as before.
      { apiVersion: 'example.com/v1', kind: 'Odd', metadata: { name: 'odd-a' }, spec: {} },
      // As the cache gives them back (JSON): -0 is 0, NaN is null and so left out.
      { apiVersion: 'example.com/v1', kind: 'Numbers', metadata: { name: 'numbers-a' }, spec: { zero: 0 } },
    ]);
    expect(Object.is((objects[2].object.spec as { zero: number }).zero, 0)).toBe(true);
    expect(keysSortedThroughout(objects[0].object)).toBe(true);
    const [entry] = fs.readdirSync(rendersDir);
    const written = JSON.parse(readCheckedCache(path.join(rendersDir, entry))!) as { format: number; bodies: (string | null)[] };
    expect(written.format).toBe(3);
    const bodyDigest = (o: Record<string, unknown>) => {
      const { metadata: _m, ...body } = o;
      void _m;
      return sha256(JSON.stringify(body));
    };
    expect(written.bodies).toEqual(objects.map((o) => bodyDigest(o.object)));
  });

  test('GIVEN the same render WHEN a first process parses it, a second reads the cache (digests made and saved), and a third reads both caches THEN all three make equal documents with the digests of their JSON', () => {
    const { root, memoFile } = checkout();
    const first = documentsOf(process_(root), render('b'));
    const second = documentsOf(process_(root), render('b'));
    expect(fs.existsSync(memoFile)).toBe(true);
    const third = documentsOf(process_(root), render('b'));
    for (const run of [first, second, third]) {
      expect(run.docs).toEqual(first.docs);
      expect(run.digests).toEqual(first.docs.map((d) => sha256(JSON.stringify(d))));
    }
  });

  test('GIVEN a remembered digest WHEN a new process makes the same document THEN it takes the digest from the memo without hashing (a planted digest shows through); WHEN the metadata differs THEN the document is hashed', () => {
    const { root, memoFile } = checkout();
    const { digests } = documentsOf(process_(root), render('c'));
    expect(fs.readFileSync(memoFile, 'utf8')).toContain(digests[0]);
    // The block's own hash made again, as an intact file that says something else would be: the memo is believed.
    const planted = 'f'.repeat(64);
    plantDigest(memoFile, digests[0], planted);
    const m = process_(root);
    const [o] = m.renderer.objectsOf(render('c'), 'demo');
    expect(m.documentDigest(m.upstreamDocument(o.object, META))).toBe(planted);
    const other = m.upstreamDocument(o.object, { ...META, name: 'other' });
    expect(m.documentDigest(other)).toBe(sha256(JSON.stringify(other)));
  });

  test('GIVEN a memo file garbled (a digest changed, its block\'s hash not) or written by other code WHEN a new process makes the documents THEN the memo is not believed: every digest is the hash of the document\'s JSON', () => {
    const { root, memoFile } = checkout();
    const { docs } = documentsOf(process_(root), render('d'));
    const want = docs.map((d) => sha256(JSON.stringify(d)));
    const text = fs.readFileSync(memoFile, 'utf8');
    fs.writeFileSync(memoFile, text.replace(want[0], '0'.repeat(64)));
    expect(documentsOf(process_(root), render('d')).digests).toEqual(want);
    fs.writeFileSync(memoFile, text.replace(want[0], '0'.repeat(64)));
    expect(documentsOf(process_(root, { code: 'code-2' }), render('d')).digests).toEqual(want);
  });

  test('GIVEN a fresh renderer (CI\'s proof of the committed renders) or a read-only one (the diff) WHEN it makes documents THEN it writes no memo; the fresh one reads none either, even given a code fingerprint', () => {
    const { root, memoFile } = checkout();
    documentsOf(process_(root, { code: 'code-1', fresh: true }), render('e'));
    expect(fs.existsSync(memoFile)).toBe(false);
    documentsOf(process_(root, { code: 'code-1', readOnlyCaches: true }), render('e'));
    expect(fs.existsSync(memoFile)).toBe(false);
    const { docs } = documentsOf(process_(root), render('e'));
    expect(fs.existsSync(memoFile)).toBe(true);
    const want = sha256(JSON.stringify(docs[0]));
    plantDigest(memoFile, want, 'e'.repeat(64));
    expect(documentsOf(process_(root, { code: 'code-1', fresh: true }), render('e')).digests[0]).toBe(want);
  });

  test('GIVEN a renderer with a memo and a fresh one in one process WHEN both read the same render THEN the fresh one does not take the objects whose digests come from the memo: it parses the text, and hashes its documents', () => {
    const { root, memoFile, rendersDir } = checkout();
    const { docs } = documentsOf(process_(root), render('h'));
    const want = sha256(JSON.stringify(docs[0]));
    plantDigest(memoFile, want, 'd'.repeat(64));
    // The renderer with the memo parses the text (no objects cache): objects a fresh renderer of the process could otherwise take.
    fs.rmSync(rendersDir, { recursive: true });
    let out: { planted: string; fresh: string; same: boolean } | undefined;
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { ChartRenderer } = require('../../lib/render/chart-renderer') as typeof import('../../lib/render/chart-renderer');
      const { upstreamDocument } = require('../../lib/render/upstream-document') as typeof import('../../lib/render/upstream-document');
      const { documentDigest } = require('../../lib/render/documents') as typeof import('../../lib/render/documents');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const withMemo = new ChartRenderer({ root, fresh: false, code: 'code-1' }).objectsOf(render('h'), 'demo');
      const fresh = new ChartRenderer({ root, fresh: true, code: 'code-1' }).objectsOf(render('h'), 'demo');
      out = { planted: documentDigest(upstreamDocument(withMemo[0].object, META)), fresh: documentDigest(upstreamDocument(fresh[0].object, META)), same: fresh === withMemo };
    });
    expect(out).toEqual({ planted: 'd'.repeat(64), fresh: want, same: false });
  });

  test('GIVEN an object read with a body digest WHEN anything tries to change it, at the top or below, before any document is made THEN it throws: its remembered digests cannot go stale', () => {
    const { root } = checkout();
    process_(root).renderer.objectsOf(render('i'), 'demo');
    for (const m of [process_(root), process_(root, { code: undefined })]) {
      const [o] = m.renderer.objectsOf(render('i'), 'demo');
      expect(() => { (o.object.data as Record<string, string>).a = 'changed'; }).toThrow(TypeError);
      expect(() => { o.object.data = {}; }).toThrow(TypeError);
      expect(() => { (o.object.metadata as Record<string, string>).name = 'other'; }).toThrow(TypeError);
    }
  });

  test('GIVEN a canonical body read from the cache WHEN its document is made THEN the body\'s maps are shared, everything is frozen, and a patch works on a copy as before', () => {
    const { root } = checkout();
    process_(root).renderer.objectsOf(render('f'), 'demo');
    const m = process_(root);
    const [o] = m.renderer.objectsOf(render('f'), 'demo');
    const doc = m.upstreamDocument(o.object, META) as { data: Record<string, string> };
    expect(doc.data).toBe(o.object.data);
    expect(Object.isFrozen(o.object.data)).toBe(true);
    expect(Object.isFrozen(o.object)).toBe(true);
    expect(Object.isFrozen(o.object.metadata)).toBe(true);
    const patched = structuredClone(o.object);
    (patched.data as Record<string, string>).x = '3';
    expect(m.upstreamDocument(patched, META)).toMatchObject({ data: { a: '2', x: '3', z: '1' } });
  });

  test('GIVEN a cache file of format 2 (keys as rendered, no body digests) WHEN the objects are read THEN it is not believed: the render is parsed again and the file written in format 3', () => {
    const { root, rendersDir } = checkout();
    const fresh = process_(root).renderer.objectsOf(render('g'), 'demo');
    const [entry] = fs.readdirSync(rendersDir);
    const file = path.join(rendersDir, entry);
    const written = JSON.parse(readCheckedCache(file)!) as Record<string, unknown>;
    const { bodies: _b, ...rest } = written;
    void _b;
    fs.writeFileSync(file, checkedCacheText(JSON.stringify({ ...rest, format: 2 })));
    expect(process_(root).renderer.objectsOf(render('g'), 'demo')).toEqual(fresh);
    expect(JSON.parse(readCheckedCache(file)!)).toEqual(written);
    // Bodies that do not name a digest (or not one per object) are not believed either.
    for (const bodies of [['x', null], [written.bodies && (written.bodies as unknown[])[0]]]) {
      fs.writeFileSync(file, checkedCacheText(JSON.stringify({ ...rest, bodies })));
      expect(process_(root).renderer.objectsOf(render('g'), 'demo')).toEqual(fresh);
      expect(JSON.parse(readCheckedCache(file)!)).toEqual(written);
    }
  });
});
