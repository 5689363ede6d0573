import { sha256 } from '../cache-file';
import { canonicalDocument, documentDigest, freezeThroughout, markBorrowed, markCanonical, rememberDigest } from './documents';

/**
 * The document of an object a vendored chart or manifest set renders (lib/constructs/upstream-objects.ts):
 * its body without nulls and without `status`, with the metadata the layer gives it, as the render
 * serialises it (`canonicalDocument`). The large CRDs make copying and hashing these bodies most of
 * what a synth pays for the platform whatever the number of apps; a body parsed once per process
 * (ChartRenderer.objectsOf) gives, while its metadata stays the same, the same document every synth
 * in the process: a canonical, deeply frozen one, which the render takes without copying and whose
 * digest is computed once (./documents.ts).
 */

/** How many documents (metadata) are kept for each upstream body: a build reads some objects (the CRDs) before the layers finish their metadata. */
const VARIANTS = 4;

/**
 * What was made of each upstream body: the canonical body (everything but `status` and `metadata`,
 * frozen; absent when not exact) and the last documents made of it, by their metadata's JSON. A
 * process holds one canonical copy of each body; a document beside it is a map of the body's fields
 * (shared) and its metadata.
 */
const made = new WeakMap<object, { readonly body?: Readonly<Record<string, unknown>>; readonly documents: Map<string, Record<string, unknown>> }>();

/**
 * Document digests remembered across processes (lib/render/chart-renderer.ts keeps one in the local
 * cache): the `documentDigest` of the document made of a canonical body whose JSON has the sha256
 * `bodyDigest` and of metadata whose JSON has the sha256 `metadataDigest`. Those two JSON texts
 * make the document's JSON (the body's fields and `metadata`, keys sorted), so the pair names it.
 */
export interface UpstreamDigestMemo {
  get(bodyDigest: string, metadataDigest: string): string | undefined;
  set(bodyDigest: string, metadataDigest: string, digest: string): void;
}

/**
 * Upstream objects whose body (everything but `status` and `metadata`) is its own canonical
 * document, exact, with the sha256 of that body's JSON and where the digests of its documents are
 * remembered (`canonicalUpstreamObject`, `markCanonicalBody`).
 */
const canonicalBodies = new WeakMap<object, { readonly bodyDigest: string; readonly memo?: UpstreamDigestMemo }>();

/**
 * An upstream object (nulls dropped: `withoutNulls`) with every map's keys sorted as the render sorts
 * them (a copy), and the sha256 of its body's JSON when the body is exact (its documents are then
 * made without copying it: `markCanonicalBody` on the copy, or on the copy read back from JSON).
 */
export function canonicalUpstreamObject(object: Readonly<Record<string, unknown>>): { readonly object: Record<string, unknown>; readonly bodyDigest?: string } {
  const sorted = canonicalDocument(object);
  // Not exact (a `__proto__` key, -0, a value JSON has no text for): left as it is, its documents made as before.
  if (!sorted.exact) return { object: withoutNulls(object) };
  // canonicalDocument writes a list's undefined items as null: dropped again (the copy keeps its key order).
  const copy = withoutNulls(sorted.document as Record<string, unknown>);
  const { status: _status, metadata: _metadata, ...body } = copy;
  void _status; void _metadata;
  return { object: copy, bodyDigest: sha256(JSON.stringify(body)) };
}

/**
 * Remembers `object` (no null in it, every map's keys sorted, its body exact: what
 * `canonicalUpstreamObject` gave, or its JSON read back) as having a canonical body of JSON sha256
 * `bodyDigest`: it is frozen throughout, its documents take the body's maps and lists without
 * copying them, and their digests are looked up in `memo` (and recorded there when made), when one
 * is given.
 */
export function markCanonicalBody(object: object, bodyDigest: string, memo?: UpstreamDigestMemo): void {
  // Frozen throughout, its top level too: a change after this would make the digests remembered for its documents wrong.
  freezeThroughout(object);
  nullFree.add(object);
  canonicalBodies.set(object, memo ? { bodyDigest, memo } : { bodyDigest });
}

/**
 * Bodies known to hold no null anywhere (`withoutNulls` made them, or a cache written from such
 * copies gave them back): `upstreamDocument` does not copy them again to drop nulls.
 */
const nullFree = new WeakSet<object>();

/**
 * `dropNulls`'s copy of a parsed upstream object, remembered as holding no null: its documents are
 * made without walking it again. The copy must not change afterwards (as `upstreamDocument` asks of
 * every body).
 */
export function withoutNulls(object: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy = dropNulls(object) as Record<string, unknown>;
  nullFree.add(copy);
  return copy;
}

/**
 * Remembers `object` as holding no null: an object read back from a cache of `withoutNulls`'s copies
 * (lib/render/chart-renderer.ts `objectsOf`), which are JSON and hold no null when written.
 */
export function markNullFree(object: object): void {
  nullFree.add(object);
}

/**
 * A copy without null values: to the API server a null field is an unset one. A list's undefined
 * items are kept (the render writes them as null).
 */
export function dropNulls(value: unknown): unknown {
  // Plain loops: large CRD schemas make this a hot path (Object.entries allocated a pair per key).
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) if (v !== null) out.push(dropNulls(v));
    return out;
  }
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  const record = value as Record<string, unknown>;
  for (const k of Object.keys(record)) {
    const v = record[k];
    if (v !== null && v !== undefined) out[k] = dropNulls(v);
  }
  return out;
}

/**
 * The JSON of an upstream object: `body` (as rendered: its `status` and null values are left out)
 * with `metadata`. When both are exact (./documents.ts `canonicalDocument`), the canonical document,
 * deeply frozen and the same object each time for the same `body` object and metadata; else the plain
 * copy the render canonicalises itself. `body` must not change after the first call, nor at all once
 * `markCanonicalBody` marked it (it is frozen then: the parsed renders are shared within a process
 * and never changed, patches work on copies).
 */
export function upstreamDocument(body: Readonly<Record<string, unknown>>, metadata: unknown): Record<string, unknown> {
  const plain = () => {
    const { status: _status, ...desired } = body;
    void _status;
    // The body's maps and lists are the parsed render's, shared within the process: not the render's own (documents.ts `markBorrowed`).
    const document = { ...(nullFree.has(body) ? desired : dropNulls(desired) as Record<string, unknown>), metadata };
    markBorrowed(document);
    return document;
  };
  const meta = canonicalDocument(metadata);
  if (!meta.exact || meta.document === null || typeof meta.document !== 'object') return plain();
  let entry = made.get(body);
  const known = canonicalBodies.get(body);
  if (!entry) {
    const { status: _status, metadata: _metadata, ...desired } = body;
    void _status; void _metadata;
    entry = { documents: new Map() };
    if (known) {
      // Canonical already (sorted, exact, no null): taken as it is, not copied.
      markCanonical(desired);
      entry = { body: desired, documents: entry.documents };
    } else {
      // A body known to hold no null is copied once, by canonicalDocument (which sorts its keys).
      const canonicalBody = canonicalDocument(nullFree.has(body) ? desired : dropNulls(desired));
      if (canonicalBody.exact) {
        markCanonical(canonicalBody.document as object);
        entry = { body: canonicalBody.document as Record<string, unknown>, documents: entry.documents };
      }
    }
    made.set(body, entry);
  }
  if (!entry.body) return plain();
  const key = JSON.stringify(meta.document);
  const same = entry.documents.get(key);
  if (same) return same;
  // The body's fields and the metadata, keys sorted as canonicalDocument sorts them.
  const document: Record<string, unknown> = {};
  for (const k of [...Object.keys(entry.body), 'metadata'].sort()) document[k] = k === 'metadata' ? meta.document : entry.body[k];
  markCanonical(document);
  if (known?.memo) {
    // Named by the body's JSON and the metadata's: hashed (and turned into JSON) only the first time.
    const metadataDigest = sha256(key);
    const digest = known.memo.get(known.bodyDigest, metadataDigest);
    if (digest !== undefined) rememberDigest(document, digest);
    else known.memo.set(known.bodyDigest, metadataDigest, documentDigest(document));
  }
  if (entry.documents.size >= VARIANTS) entry.documents.delete(entry.documents.keys().next().value as string);
  entry.documents.set(key, document);
  return document;
}
