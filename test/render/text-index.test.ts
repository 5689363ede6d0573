import * as fs from 'fs';
import * as path from 'path';
import * as manifestYaml from '../../lib/k8s/manifest-yaml';
import { documentDigest, RenderedDocuments, textDigest } from '../../lib/render/documents';
import { previousRenderReader } from '../../lib/render/previous';
import { RENDER_STATS_FILE, RenderStats } from '../../lib/render/render-stats';
import { EarlierRender } from '../../lib/render/text-index';
import { synth } from '../../lib/synth';
import { CHECK_CACHE_FILE } from '../../lib/verify/check-cache';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { entriesText, readEntriesText, REPO, snapshotTree, tempRootWithOutputs, writeTree } from '../helpers';

const registry = new SchemaRegistry();
const CODE = 'the code';
const OBJ = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'x' }, data: { k: 'v' } };
const FILE = 'dist/x/configmap-a.yaml';

describe('the texts of the previous render, reused for objects that did not change', () => {
  let dir: string;
  let index: string;
  /** The digests recorded in `index` over `previous`. */
  const earlierOf = (previous: ConstructorParameters<typeof EarlierRender>[1]) => new EarlierRender(new RenderStats(index, CODE), previous);
  /** The index and the previous render of a render holding OBJ at FILE. */
  const rendered = () => {
    // A render with nothing earlier to reuse (synth's first): indexed all the same.
    const documents = new RenderedDocuments({ reuse: () => undefined });
    const text = documents.serialise(FILE, OBJ);
    // As synth saves it: with the render's stats (none here: recorded without a stat), through the file it read before rendering (none here).
    new RenderStats(index, CODE).save(new Map(), new Map(), documents.index());
    return [{ path: FILE, content: text }];
  };
  beforeEach(() => {
    dir = writeTree({});
    index = path.join(dir, RENDER_STATS_FILE);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN the index and the text of an earlier render WHEN the same object is serialised at the same path THEN the earlier text is reused, and it is the text serialising gives', () => {
    const previous = rendered();
    const documents = new RenderedDocuments(earlierOf(previous));
    const dump = jest.spyOn(manifestYaml, 'dumpManifest');
    try {
      expect(documents.serialise(FILE, { ...OBJ })).toBe(previous[0].content);
      expect(dump).not.toHaveBeenCalled();
      expect([documents.reused, documents.dumped]).toEqual([1, 0]);
    } finally {
      dump.mockRestore();
    }
  });

  test('GIVEN an earlier render WHEN the object changed, or the text on disk was changed since, or it sits at another path THEN it is serialised again', () => {
    const previous = rendered();
    const changed = { ...OBJ, data: { k: 'w' } };
    const earlier = earlierOf(previous);
    expect(earlier.reuse(FILE, documentDigest(changed))).toBeUndefined();
    expect(new RenderedDocuments(earlier).serialise(FILE, changed)).toMatch(/k: w/);
    const edited = earlierOf([{ path: FILE, content: previous[0].content.replace('k: v', 'k: v # hand edit') }]);
    const documents = new RenderedDocuments(edited);
    expect(documents.serialise(FILE, OBJ)).toBe(previous[0].content);
    expect([documents.reused, documents.dumped]).toEqual([0, 1]);
    const elsewhere = new RenderedDocuments(earlier);
    elsewhere.serialise('dist/y/configmap-a.yaml', OBJ);
    expect([elsewhere.reused, elsewhere.dumped]).toEqual([0, 1]);
  });

  test('GIVEN an index that is not JSON, of another format, written by other code, changed inside or cut short, or with entries that are not digests WHEN read THEN it is ignored (the whole file, the block or the entry) and nothing is reused', () => {
    const previous = rendered();
    const written = fs.readFileSync(index, 'utf8');
    const { header, entries } = readEntriesText(written);
    // `- <text digest> <document digest>`: recorded without a stat.
    const [, text, digest] = entries[0][1].split(' ');
    const cases: [string, string | undefined][] = [
      ['{"format": 1, "co', 'not JSON'],
      [entriesText({ ...header, format: 0 }, entries), 'another format'],
      [entriesText({ ...header, code: 'an older platform' }, entries), 'written by other code'],
      [written.replace(digest, textDigest('a changed entry')), 'corrupted'],
      [written.slice(0, -10), 'corrupted'],
      [entriesText(header, [[FILE, '1 2']]), undefined],
      [entriesText(header, [[FILE, `- ${textDigest('something else')} ${digest}`]]), undefined],
      [entriesText(header, [[FILE, `- ${text} ${textDigest('another object')}`]]), undefined],
      [entriesText(header, [[FILE, `- ${text}`]]), undefined],
      [entriesText(header, [[FILE, `${text} ${digest}`]]), undefined],
    ];
    for (const [text, ignored] of cases) {
      fs.writeFileSync(index, text);
      const earlier = earlierOf(previous);
      expect(earlier.ignored).toBe(ignored);
      const documents = new RenderedDocuments(earlier);
      expect(documents.serialise(FILE, OBJ)).toBe(previous[0].content);
      expect(documents.reused).toBe(0);
    }
  });

  test('GIVEN the previous render as a reader of files WHEN objects are serialised THEN only a file the index lists for the same document is read, and none when there is no index', () => {
    const previous = rendered();
    const asked: string[] = [];
    const reader = (file: string) => {
      asked.push(file);
      return previous.find((f) => f.path === file)?.content;
    };
    const documents = new RenderedDocuments(earlierOf(reader));
    expect(documents.serialise(FILE, OBJ)).toBe(previous[0].content);
    documents.serialise(FILE.replace('-a.yaml', '-b.yaml'), { ...OBJ, metadata: { name: 'b', namespace: 'x' } });
    documents.serialise('dist/x/changed.yaml', { ...OBJ, data: { k: 'w' } });
    expect([documents.reused, documents.dumped]).toEqual([1, 2]);
    expect(asked).toEqual([FILE]);
    fs.rmSync(index);
    asked.length = 0;
    const cold = new RenderedDocuments(earlierOf(reader));
    expect(cold.serialise(FILE, OBJ)).toBe(previous[0].content);
    expect([cold.reused, asked]).toEqual([0, []]);
  });

  test('GIVEN a previous render on disk WHEN read one file at a time THEN a plain file of dist/ or argocd/ gives its text, and anything else (missing, a folder, a symbolic link, another folder, a path out) gives none', () => {
    for (const [rel, text] of Object.entries({ 'dist/a.yaml': 'a: 1\n', 'argocd/b.yaml': 'b: 2\n', 'docs/c.md': 'c\n', 'dist/sub/d.yaml': 'd: 4\n' })) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    }
    fs.symlinkSync(path.join(dir, 'dist/a.yaml'), path.join(dir, 'dist/link.yaml'));
    const read = previousRenderReader(dir);
    expect([read('dist/a.yaml'), read('argocd/b.yaml'), read('dist/sub/d.yaml')]).toEqual(['a: 1\n', 'b: 2\n', 'd: 4\n']);
    for (const file of ['dist/missing.yaml', 'dist/sub', 'dist/link.yaml', 'docs/c.md', 'dist/../docs/c.md', 'dist/a.yaml/x']) expect(read(file)).toBeUndefined();
  });
});

describe('synth with and without the render index', () => {
  const outputs = (root: string) => new Map(['dist', 'argocd', 'render-cache', 'docs', 'reports'].flatMap((d) => [...snapshotTree(path.join(root, d))].map(([k, v]) => [`${d}/${k}`, v] as const)));
  /** How many manifests a synth of `root` serialises (the rest are the previous render's texts). */
  const dumpsOf = (root: string, options: { cache?: boolean } = {}) => {
    const dump = jest.spyOn(manifestYaml, 'dumpManifest');
    try {
      synth({ root, registry, log: () => undefined, ...options });
      return dump.mock.calls.length;
    } finally {
      dump.mockRestore();
    }
  };

  test('GIVEN a checkout WHEN synthesized cold, warm, without the cache, with the index corrupted or stale, and after a hand edit of a rendered file THEN every output is the same bytes, and only a warm synth reuses texts', () => {
    const root = tempRootWithOutputs();
    try {
      fs.copyFileSync(path.join(REPO, 'site.yaml'), path.join(root, 'site.yaml'));
      const indexFile = path.join(root, RENDER_STATS_FILE);
      const cold = dumpsOf(root);
      const expected = outputs(root);
      expect(cold).toBeGreaterThan(500);
      expect(fs.existsSync(indexFile)).toBe(true);

      const warm = dumpsOf(root);
      expect(outputs(root)).toEqual(expected);
      expect(warm).toBeLessThan(cold / 20);

      expect(dumpsOf(root, { cache: false })).toBe(cold);
      expect(outputs(root)).toEqual(expected);

      fs.writeFileSync(indexFile, 'garbage');
      expect(dumpsOf(root)).toBe(cold);
      expect(outputs(root)).toEqual(expected);

      const { header, entries } = readEntriesText(fs.readFileSync(indexFile, 'utf8'));
      fs.writeFileSync(indexFile, entriesText({ ...header, code: 'an older platform' }, entries));
      expect(dumpsOf(root)).toBe(cold);
      expect(outputs(root)).toEqual(expected);

      // Every manifest's entry altered (its block's hash made to match): each names a text the file on disk does not have (and
      // no stat, which would vouch for the text named: a forged file is not what the cache guards against, a stale or corrupted one is).
      fs.writeFileSync(indexFile, entriesText(header, entries.map(([p, v]) => [p, v.replace(/^.* [0-9a-f]{64} ([0-9a-f]{64})$/, `- ${textDigest('altered')} $1`)])));
      expect(readEntriesText(fs.readFileSync(indexFile, 'utf8')).entries.filter(([, v]) => v.startsWith('- ')).length).toBeGreaterThan(500);
      expect(dumpsOf(root)).toBe(cold);
      expect(outputs(root)).toEqual(expected);

      // A rendered file edited by hand (the index still names the text synth wrote): written again as rendered.
      const target = path.join(root, 'dist/workloads/whiteboard/deployment-whiteboard.yaml');
      fs.writeFileSync(target, fs.readFileSync(target, 'utf8').replace('replicas:', 'replicas: 7\n  old-replicas:'));
      expect(dumpsOf(root)).toBe(warm + 1);
      expect(outputs(root)).toEqual(expected);
      expect(fs.existsSync(path.join(root, CHECK_CACHE_FILE))).toBe(true);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
