import fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import { sha256 } from '../../lib/cache-file';
import { loadManifests } from '../../lib/k8s/manifest-yaml';
import { canonicalDocument, documentDigest, EarlierTexts, markBorrowed, ownedCanonicalDocument, RenderedDocuments, sortByKey, textDigest } from '../../lib/render/documents';
import { letsGoOfText, type StagedText, toYamlDocument } from '../../lib/render/rendered-file';
import { loadInputs, renderSiteAnalysed } from '../../lib/synth';
import { REPO } from '../helpers';

/** Strings a YAML reader could take for something else, or that need quoting, escaping or a block style. */
const TRICKY = [
  '', ' ', '  lead', 'trail ', '\t', '\n', 'a\n', 'a\n\n', '\na', ' a\n  b \n', 'a\r\nb', 'a\rb', 'tab\there', '\u0085', '\u2028x\ny', '\uFEFFbom', '\uD800', '\uDFFFx', '\u0000', '\u001b[0m',
  'true', 'false', 'True', 'yes', 'no', 'on', 'off', 'y', 'n', 'null', 'Null', '~', 'NaN', '.nan', '.inf', '-.inf', '0', '-0', '00', '007', '0x1F', '0o17', '0b11', '1_000', '1e3', '1E-7', '.5', '+1', '-1.5', '1.', '12:30:00', '1:20',
  '2020-01-01', '2001-12-14t21:59:43.10-05:00', '=', '<<', '&a', '*a', '!tag', '!!str', '%YAML', '@x', '`x', '|', '>', '- a', '-', '? a', '?', ': a', 'x: y', 'x:y', '#c', 'a #c', 'a# c', '[a]', '{a: 1}', '"q"', "'q'", '---', '...', '--- a', 'é', '日本語', '🙂', 'e\u0301',
  'line one\nline two', 'ends in spaces  \nnext', '  indented\nfirst', 'x'.repeat(300), `${'y '.repeat(200)}\nz`,
];

const str = fc.oneof(
  fc.constantFrom(...TRICKY),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 8 }),
  fc.array(fc.constantFrom(...TRICKY), { maxLength: 4 }).map((parts) => parts.join('\n')),
);
// JSON has no -0 (it writes 0): the inexact values are the next test's.
const num = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x)), fc.constantFrom(0, 1e21, 1e-7, 2 ** 53 + 2, Number.MAX_VALUE, Number.MIN_VALUE, 0.1, 123456789.125));

/** JSON-like values: maps (keys that need quotes among them; empty ones too), lists (empty ones too), strings, numbers, booleans, null. */
const { json } = fc.letrec<{ json: unknown; map: Record<string, unknown>; list: unknown[] }>((tie) => ({
  json: fc.oneof({ depthSize: 'small', withCrossShrink: true }, str, num, fc.boolean(), fc.constant(null), tie('map'), tie('list')),
  map: fc.dictionary(str, tie('json'), { maxKeys: 5, noNullPrototype: true }),
  list: fc.array(tie('json'), { maxLength: 4 }),
}));
/** As `json`, with values neither YAML nor JSON carry exactly: undefined (dropped from maps, null in lists), -0, NaN, the infinities. */
const odd = fc.letrec<{ v: unknown; map: Record<string, unknown>; list: unknown[] }>((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, str, fc.constantFrom(undefined, -0, NaN, Infinity, -Infinity, 1, null), tie('map'), tie('list')),
  map: fc.dictionary(str, tie('v'), { maxKeys: 4, noNullPrototype: true }),
  list: fc.array(tie('v'), { maxLength: 3 }),
})).v;

describe('the documents the render hands to verify and the HA model instead of the parsed files', () => {
  test('GIVEN any JSON-like object (tricky strings, numbers, unicode, empty maps and lists, keys needing quotes) WHEN serialised THEN the text is the bytes the render always wrote, and parsing it gives exactly the document handed over', () => {
    fc.assert(fc.property(fc.dictionary(str, json, { maxKeys: 6, noNullPrototype: true }), (obj) => {
      const documents = new RenderedDocuments();
      const text = documents.serialise('dist/x/configmap-x.yaml', obj);
      expect(text).toBe(toYamlDocument(obj));
      const { document, exact } = canonicalDocument(obj);
      // A `__proto__` key is the one JSON-like map key the key sort does not keep as a key.
      if (!JSON.stringify(obj).includes('"__proto__":')) expect(exact).toBe(true);
      const handed = documents.parse(text, 'dist/x/configmap-x.yaml');
      expect(handed).toStrictEqual(loadManifests(text, 'dist/x/configmap-x.yaml'));
      // Handed over (the same objects on every read), unless inexact: then what parsing gives (a
      // `__proto__` key whose value is a list or map made the copy's prototype, not a key).
      if (exact) {
        expect(handed).toStrictEqual([document]);
        expect(documents.parse(text, 'dist/x/configmap-x.yaml')[0]).toBe(handed[0]);
      }
    }), { numRuns: Number(process.env.ROUND_TRIP_RUNS ?? 2000) });
  });

  test('GIVEN values YAML and JSON do not carry exactly (undefined, -0, NaN, the infinities) WHEN serialised THEN the text is unchanged and a reader gets what parsing the file gives', () => {
    // Maps at the top, as every manifest is (js-yaml cannot read back its own dump of a lone "\n" string at the top).
    fc.assert(fc.property(fc.dictionary(str, odd, { maxKeys: 4, noNullPrototype: true }), (v) => {
      const documents = new RenderedDocuments();
      let text: string;
      try {
        text = toYamlDocument(v);
      } catch {
        expect(() => documents.serialise('dist/x/x.yaml', v)).toThrow();
        return;
      }
      expect(documents.serialise('dist/x/x.yaml', v)).toBe(text);
      expect(documents.parse(text, 'dist/x/x.yaml')).toStrictEqual(loadManifests(text, 'dist/x/x.yaml'));
    }), { numRuns: 1000 });
  });

  test('GIVEN a document holding -0, NaN or a __proto__ key WHEN a reader reads its file THEN the file is parsed (nothing inexact is handed over)', () => {
    for (const obj of [{ a: -0 }, { a: NaN }, { a: Infinity }, JSON.parse('{"__proto__": {"x": 1}, "b": 2}')]) {
      const documents = new RenderedDocuments();
      const text = documents.serialise('dist/x/x.yaml', obj);
      expect(canonicalDocument(obj).exact).toBe(false);
      const first = documents.parse(text, 'dist/x/x.yaml');
      expect(first).toStrictEqual(loadManifests(text, 'dist/x/x.yaml'));
      expect(documents.parse(text, 'dist/x/x.yaml')[0]).not.toBe(first[0]);
    }
  });

  test('GIVEN a serialised file WHEN its text is read with another text (changed after the render) or under another path THEN that text is parsed, not answered with the serialised document', () => {
    const documents = new RenderedDocuments();
    const text = documents.serialise('dist/x/configmap-a.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } });
    const changed = text.replace('k: v', 'k: w');
    expect(documents.parse(changed, 'dist/x/configmap-a.yaml')).toStrictEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'w' } }]);
    const elsewhere = documents.parse(text, 'dist/y/configmap-a.yaml');
    expect(elsewhere).toStrictEqual(documents.parse(text, 'dist/x/configmap-a.yaml'));
    expect(elsewhere[0]).not.toBe(documents.parse(text, 'dist/x/configmap-a.yaml')[0]);
  });

  test('GIVEN a render whose documents were released (synth, after verify) WHEN its files are read THEN their texts are parsed and no document is handed over, while the index keeps every digest', () => {
    const documents = new RenderedDocuments({ reuse: () => undefined });
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } };
    const file = documents.file('dist/x/configmap-a.yaml', obj, { keepJson: true });
    const index = documents.index();
    expect(documents.documentsOf(file)).toStrictEqual([obj]);
    documents.release();
    expect(documents.documentsOf(file)).toBeUndefined();
    expect(documents.known(file.path)).toBeUndefined();
    expect(documents.takeJson(file.path)).toBeUndefined();
    const parsed = documents.parse(file.content, file.path);
    expect(parsed).toStrictEqual([obj]);
    expect(documents.index()).toStrictEqual(index);
  });

  test('GIVEN a manifest the render serialises WHEN its file is read, compared, spread or written as JSON THEN it is a plain path and content (what the render remembers of it is its own, private), and its documents are known until released', () => {
    const documents = new RenderedDocuments({ reuse: () => undefined });
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } };
    const file = documents.file('dist/x/configmap-a.yaml', obj);
    const plain = { path: 'dist/x/configmap-a.yaml', content: documents.serialise('dist/y/configmap-a.yaml', obj) };
    expect(file).toEqual(plain);
    expect(Object.keys(file).sort()).toEqual(['content', 'path']);
    expect(JSON.parse(JSON.stringify(file))).toStrictEqual(plain);
    expect({ ...file }).toStrictEqual(plain);
    // Compared with another file, its text is compared: a file of other data is not equal.
    expect(file).not.toEqual(new RenderedDocuments({ reuse: () => undefined }).file('dist/x/configmap-a.yaml', { ...obj, data: { k: 'w' } }));
    expect(documents.documentsOf(file)).toStrictEqual([obj]);
    expect(documents.known(file.path)?.document).toStrictEqual(obj);
    documents.release();
    expect([documents.documentsOf(file), documents.known(file.path)]).toEqual([undefined, undefined]);
  });

  test('GIVEN a manifest the render made WHEN it is staged THEN its text is let go of and made again from its document when read; once the document is released too, it is read from the file written, and a file changed since is refused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'made-file-'));
    try {
      const documents = new RenderedDocuments({ reuse: () => undefined });
      const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } };
      const file = documents.file('dist/x/configmap-a.yaml', obj);
      expect(letsGoOfText(file)).toBe(true);
      const text = file.content;
      const written = path.join(dir, 'configmap-a.yaml');
      fs.writeFileSync(written, text);
      const docDigest = documents.known(file.path)!.digest;
      (file as unknown as StagedText).staged('staged digest', written);
      // The staged digest is the index's: the text is not hashed again.
      expect(documents.index().get(file.path)).toEqual([docDigest, 'staged digest']);
      (file as unknown as StagedText).staged(sha256(text), written);
      expect(file.content).toBe(text);
      // Released: read back from the file written, once.
      const twin = documents.file('dist/x/configmap-c.yaml', { ...obj, metadata: { name: 'c' } });
      const twinText = twin.content;
      (twin as unknown as StagedText).staged(sha256(twinText), path.join(dir, 'configmap-c.yaml'));
      documents.release();
      expect(file.content).toBe(text);
      fs.writeFileSync(written, 'changed since\n');
      expect(file.content).toBe(text);
      // A file changed, or removed, before it is read back is refused, naming it.
      expect(() => twin.content).toThrow(/dist\/x\/configmap-c\.yaml: synth wrote this file and let go of its text, and .*configmap-c\.yaml no longer holds it \(changed or removed since\); run synth again/);
      fs.writeFileSync(path.join(dir, 'configmap-c.yaml'), twinText.replace('name: c', 'name: d'));
      expect(() => twin.content).toThrow(/no longer holds it/);
      fs.writeFileSync(path.join(dir, 'configmap-c.yaml'), twinText);
      expect(twin.content).toBe(twinText);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN a made manifest never read WHEN the documents are released THEN its text is made first, and reads as before', () => {
    const documents = new RenderedDocuments({ reuse: () => undefined });
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'e' }, data: { k: 'v' } };
    const file = documents.file('dist/x/configmap-e.yaml', obj);
    documents.release();
    expect(file.content).toBe(new RenderedDocuments().serialise('dist/x/configmap-e.yaml', obj));
  });

  test('GIVEN a made manifest WHEN staged THEN its digest is known without hashing its text (RenderedFile.digest), and not before', () => {
    const documents = new RenderedDocuments({ reuse: () => undefined });
    const file = documents.file('dist/x/configmap-f.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'f' } });
    expect(file.digest).toBeUndefined();
    (file as unknown as StagedText).staged(sha256(file.content), '/nonexistent/configmap-f.yaml');
    expect(file.digest).toBe(sha256(file.content));
    expect(Object.keys(file).sort()).toEqual(['content', 'path']);
  });

  test('GIVEN a manifest that is not an exact document WHEN it is staged THEN it keeps its text (no document can make it again)', () => {
    const documents = new RenderedDocuments({ reuse: () => undefined });
    const file = documents.file('dist/x/configmap-b.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' }, data: { n: Infinity } });
    const text = file.content;
    (file as unknown as StagedText).staged(sha256(text), '/nonexistent/configmap-b.yaml');
    documents.release();
    expect(file.content).toBe(text);
  });

  test('GIVEN the whole shipped render WHEN every manifest file is parsed THEN each deep-equals the documents the render handed over, and every manifest was handed over', () => {
    const { site, apps, lock } = loadInputs(REPO);
    const { files, documents } = renderSiteAnalysed(site, undefined, apps, lock);
    const manifests = files.filter((f) => /^(dist|argocd)\//.test(f.path) && !f.path.startsWith('dist/hosts/') && f.path.endsWith('.yaml'));
    expect(manifests.length).toBeGreaterThan(500);
    for (const f of manifests) {
      const handed = documents.parse(f.content, f.path);
      expect({ file: f.path, docs: handed }).toStrictEqual({ file: f.path, docs: loadManifests(f.content, f.path) });
      // Handed over, not parsed: the same objects on every read.
      expect(documents.parse(f.content, f.path)[0]).toBe(handed[0]);
    }
  });
});

/** Every map and list of `value`, depth first. */
function parts(value: unknown): object[] {
  if (typeof value !== 'object' || value === null) return [];
  return [value, ...(Array.isArray(value) ? value : Object.values(value)).flatMap(parts)];
}

/** `value` with the keys of every map in reverse order (a copy, so that the owned path can be given its own). */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).reverse()) Object.defineProperty(out, key, { value: reversedKeys((value as Record<string, unknown>)[key]), enumerable: true, writable: true, configurable: true });
  return out;
}

describe('the document of an object the render owns (its toJson), taken as it is where it is sorted already', () => {
  /** The document and exactness canonicalDocument gives, with every map's key order (toStrictEqual does not compare it). */
  const shape = (r: { document: unknown; exact: boolean }) => ({ exact: r.exact, document: r.document, keys: parts(r.document).map((p) => Object.keys(p)) });
  // Any value JSON-like or odd, as it is, sorted by canonicalDocument, or with every map's keys reversed.
  const owned = fc.tuple(fc.dictionary(str, fc.oneof(json, odd), { maxKeys: 6, noNullPrototype: true }), fc.constantFrom('as is', 'sorted', 'reversed'));

  test('GIVEN any object (sorted, partly sorted or not, exact or not) WHEN the render takes its own object THEN the document, its key order, its exactness and its file text are what the copy gives', () => {
    fc.assert(fc.property(owned, ([obj, form]) => {
      const value = form === 'sorted' ? canonicalDocument(obj).document : form === 'reversed' ? reversedKeys(obj) : obj;
      const expected = shape(canonicalDocument(value));
      const text = new RenderedDocuments().serialise('dist/x/x.yaml', value);
      // The copy is taken first: the owned path may hand over `value`'s own maps and lists.
      expect(shape(ownedCanonicalDocument(value))).toStrictEqual(expected);
      expect(new RenderedDocuments().file('dist/x/x.yaml', value, { owned: true }).content).toBe(text);
    }), { numRuns: Number(process.env.ROUND_TRIP_RUNS ?? 2000) });
  });

  test('GIVEN a toJson-like object sorted below the top (apiVersion, kind and metadata first) WHEN the render takes it as its own THEN the top is copied in key order and every map and list below is taken from the object, not copied', () => {
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { labels: { a: '1', b: '2' }, name: 'x' }, data: { k: 'v' }, list: [{ a: 1 }, 'b'] };
    const { document, exact } = ownedCanonicalDocument(obj);
    expect(exact).toBe(true);
    expect(Object.keys(document as object)).toStrictEqual(['apiVersion', 'data', 'kind', 'list', 'metadata']);
    const doc = document as typeof obj;
    expect(doc).not.toBe(obj);
    expect(doc.metadata).toBe(obj.metadata);
    expect(doc.data).toBe(obj.data);
    expect(doc.list).toBe(obj.list);
  });

  test('GIVEN a map below the top whose keys are not sorted, or that holds an undefined value WHEN the render takes it as its own THEN that map is copied and its sorted siblings are not', () => {
    const obj = { a: { y: 1, x: 2 }, b: { c: undefined, d: 1 }, e: { f: [1, undefined] }, g: { h: 1 } };
    const doc = ownedCanonicalDocument(obj).document as Record<string, Record<string, unknown>>;
    expect(Object.keys(doc.a)).toStrictEqual(['x', 'y']);
    expect(doc.a).not.toBe(obj.a);
    expect(doc.b).toStrictEqual({ d: 1 });
    expect(doc.e.f).toStrictEqual([1, null]);
    expect(doc.g).toBe(obj.g);
  });

  test('GIVEN an object marked as borrowing its parts (the body of an upstream object) WHEN the render takes it THEN it is copied whole, as canonicalDocument copies it', () => {
    const body = { spec: { a: 1 } };
    const obj = { ...body, metadata: { name: 'x' } };
    markBorrowed(obj);
    const doc = ownedCanonicalDocument(obj).document as typeof obj;
    expect(doc).toStrictEqual(obj);
    expect(doc.spec).not.toBe(body.spec);
    expect(doc.metadata).not.toBe(obj.metadata);
  });
});

describe('a text taken from the previous render is read only when asked', () => {
  const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } };
  const serialised = toYamlDocument(obj);
  const digest = documentDigest(canonicalDocument(obj).document as object);
  /** Earlier texts that know `serialised` for `obj`'s digest at every path, and count the reads of the text on disk (`onDisk`). */
  const earlier = (onDisk: () => string | undefined) => {
    const reads = { n: 0 };
    const texts: EarlierTexts = {
      reuse: () => undefined,
      reuseLater: (_path, d) => (d === digest ? { textDigest: textDigest(serialised), text: () => (reads.n++, onDisk()) } : undefined),
    };
    return { texts, reads };
  };

  test('GIVEN an unchanged object whose earlier text the disk holds WHEN rendered THEN its file knows its digest, verify and the HA model get its documents, and nothing is read until its content is asked for, once', () => {
    const { texts, reads } = earlier(() => serialised);
    const documents = new RenderedDocuments(texts);
    const file = documents.file('dist/x/configmap-a.yaml', obj);
    expect(file.digest).toBe(textDigest(serialised));
    expect(documents.documentsOf(file)).toStrictEqual([canonicalDocument(obj).document]);
    expect(documents.index().get('dist/x/configmap-a.yaml')).toEqual([digest, textDigest(serialised)]);
    expect(reads.n).toBe(0);
    expect(file.content).toBe(serialised);
    expect(file.content).toBe(serialised);
    expect(reads.n).toBe(1);
  });

  test('GIVEN fifty unchanged objects (a synth holds tens of thousands) WHEN rendered THEN each file is a small fast-mode record with its lazy content on its prototype, not a dictionary-mode object with a getter of its own', () => {
    // An object literal with a getter is made in dictionary mode (about 0.7 KB a file with its closure and context).
    v8.setFlagsFromString('--allow-natives-syntax');
    const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
    const texts: EarlierTexts = {
      reuse: () => undefined,
      reuseLater: (_path, d) => (d === digest ? { textDigest: textDigest(serialised), text: (p: string) => (p.startsWith('dist/') ? serialised : undefined) } : undefined),
    };
    const documents = new RenderedDocuments(texts);
    const files = Array.from({ length: 50 }, (_, i) => documents.file(`dist/x${i}/configmap-a.yaml`, obj));
    expect(files.every((f) => hasFastProperties(f))).toBe(true);
    expect(files.map((f) => f.content)).toEqual(files.map(() => serialised));
    expect(Object.keys(files[0])).not.toContain('content');
  });

  test('GIVEN the earlier file changed (or went away) after it was listed WHEN the content is asked for THEN it is the object serialised again, not what the disk holds', () => {
    for (const onDisk of [() => serialised.replace('k: v', 'k: w'), () => undefined]) {
      const file = new RenderedDocuments(earlier(onDisk).texts).file('dist/x/configmap-a.yaml', obj);
      expect(file.content).toBe(serialised);
    }
  });

  test('GIVEN a file of another render, or another file at the same path WHEN its documents are asked for THEN none are given (its text is parsed)', () => {
    const documents = new RenderedDocuments(earlier(() => serialised).texts);
    const file = documents.file('dist/x/configmap-a.yaml', obj);
    expect(documents.documentsOf({ path: file.path, content: serialised })).toBeUndefined();
    expect(documents.documentsOf({ path: 'dist/y/configmap-a.yaml', content: serialised, digest: file.digest! })).toBeUndefined();
    expect(new RenderedDocuments().documentsOf(file)).toBeUndefined();
  });
});

describe('sortByKey (the canonical copy\'s key sort, in place)', () => {
  test('GIVEN unique keys of any length (a few, and more than the insertion sort takes), cases, digits and astral characters WHEN sorted with their values THEN the keys are in sort()\'s order and each value stays with its key', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('B', 'a', '_', 'Z9', '10', '9', 'é', 'aB', 'ab')), { maxLength: 80 }), (keys) => {
      const k = [...keys];
      const v = keys.map((key) => ({ key }));
      sortByKey(k, v);
      expect(k).toEqual([...keys].sort());
      expect(v.map((x) => x.key)).toEqual(k);
    }), { numRuns: 300 });
  });
});

