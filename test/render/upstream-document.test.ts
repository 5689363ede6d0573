import fc from 'fast-check';
import { canonicalDocument, documentDigest } from '../../lib/render/documents';
import { dropNulls, upstreamDocument } from '../../lib/render/upstream-document';

/** What the render made of an upstream object before documents were kept per body: the body without status and nulls, with the metadata, canonicalised. */
function expected(body: Record<string, unknown>, metadata: unknown): { document: unknown; exact: boolean } {
  const { status: _status, ...desired } = body;
  void _status;
  return canonicalDocument({ ...(dropNulls(desired) as Record<string, unknown>), metadata });
}

const key = fc.oneof(fc.constantFrom('status', 'metadata', 'spec', 'kind', 'apiVersion', 'a', 'B', '__proto__'), fc.string({ maxLength: 4 }));
/** JSON-like values with what YAML and JSON cannot carry exactly now and then: undefined, -0, NaN, null. */
const { v: value } = fc.letrec<{ v: unknown; map: Record<string, unknown>; list: unknown[] }>((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 4 }), fc.integer(), fc.boolean(), fc.constantFrom(null, null, undefined, -0, NaN, 1.5), tie('map'), tie('list')),
  map: fc.dictionary(key, tie('v'), { maxKeys: 4, noNullPrototype: true }),
  list: fc.array(tie('v'), { maxLength: 3 }),
}));
const body = fc.dictionary(key, value, { maxKeys: 5, noNullPrototype: true });
const metadata = fc.dictionary(fc.constantFrom('name', 'namespace', 'labels', 'annotations'), value, { maxKeys: 3, noNullPrototype: true });

describe('the documents of upstream objects, made once per body and metadata in a process', () => {
  test('GIVEN any body and metadata (nulls, status, undefined, -0, NaN, __proto__ among them) WHEN its document is asked for, twice, with other metadata between THEN each is what canonicalising the body without status and nulls gives, and exact documents are the same object each time', () => {
    fc.assert(fc.property(body, fc.array(metadata, { minLength: 1, maxLength: 7 }), (b, metas) => {
      const first = metas.map((m) => upstreamDocument(b, m));
      const again = metas.map((m) => upstreamDocument(b, m));
      metas.forEach((m, i) => {
        const want = expected(b, m);
        for (const got of [first[i], again[i]]) {
          const taken = canonicalDocument(got);
          expect(taken.exact).toBe(want.exact);
          expect(taken.document).toEqual(want.document);
          // (A `__proto__` key of the body makes its copy inexact, although the spread into the document loses it: made each time.)
          if (want.exact && !Object.keys(b).includes('__proto__')) expect(taken.document).toBe(got);
        }
      });
    }), { numRuns: 300 });
  });

  test('GIVEN an exact body WHEN its document is made THEN it is frozen throughout (changing it throws) and hashed once, and the body itself is left as it was', () => {
    const b = { apiVersion: 'v1', kind: 'ConfigMap', status: { x: 1 }, data: { z: 'a', a: null, list: [1, null, { k: null }] } };
    const before = structuredClone(b);
    const doc = upstreamDocument(b, { name: 'x', labels: { b: '1', a: '2' } }) as { data: { list: unknown[] }; metadata: { labels: Record<string, string> } };
    expect(b).toEqual(before);
    expect(doc).toEqual({ apiVersion: 'v1', data: { list: [1, {}], z: 'a' }, kind: 'ConfigMap', metadata: { labels: { a: '2', b: '1' }, name: 'x' } });
    expect(Object.keys(doc)).toEqual(['apiVersion', 'data', 'kind', 'metadata']);
    expect(() => { doc.metadata.labels.c = '3'; }).toThrow(TypeError);
    expect(() => { doc.data.list.push(2); }).toThrow(TypeError);
    expect(documentDigest(doc)).toBe(documentDigest(upstreamDocument(b, { labels: { a: '2', b: '1' }, name: 'x' })));
  });

  test('GIVEN a body whose document is known WHEN the metadata differs only by an undefined value THEN the same document; WHEN a label changes THEN another one, with the body shared', () => {
    const b = { apiVersion: 'v1', kind: 'ConfigMap', data: { big: 'x' } };
    const one = upstreamDocument(b, { name: 'x' });
    expect(upstreamDocument(b, { name: 'x', namespace: undefined })).toBe(one);
    const two = upstreamDocument(b, { name: 'x', labels: { a: '1' } });
    expect(two).not.toBe(one);
    expect(two.data).toBe(one.data);
    expect(two.metadata).toEqual({ labels: { a: '1' }, name: 'x' });
  });

  test('GIVEN a body that is not exact (NaN) WHEN its document is asked for THEN the plain copy the render canonicalises itself, a new one each time', () => {
    const b = { apiVersion: 'v1', kind: 'X', spec: { n: NaN, gone: null } };
    const one = upstreamDocument(b, { name: 'x' });
    expect(one).toEqual({ apiVersion: 'v1', kind: 'X', spec: { n: NaN }, metadata: { name: 'x' } });
    expect(Object.isFrozen(one)).toBe(false);
    expect(upstreamDocument(b, { name: 'x' })).not.toBe(one);
    expect(canonicalDocument(one).exact).toBe(false);
  });
});
