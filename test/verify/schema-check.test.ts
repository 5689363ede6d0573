import { dereference, Schema, validate } from '@cfworker/json-schema';
import * as fc from 'fast-check';
import * as path from 'path';
import { loadTree } from '../../lib/k8s/tree';
import { SchemaCheck } from '../../lib/verify/schema-check';
import { SchemaRegistry } from '../../lib/verify/schemas';

/** What `validate` (draft 7, every error) says: the answer SchemaCheck must give whenever it gives one. */
const truth = (instance: unknown, schema: Schema, lookup: ReturnType<typeof dereference>) => validate(instance, schema, '7', lookup, false).valid;

/** A schema document with every keyword the check implements, each under its own property. */
function keywordSchema(): Schema {
  return {
    $id: 'https://example.test/keywords.json',
    type: 'object',
    definitions: { port: { anyOf: [{ type: 'integer', minimum: 1, maximum: 65535 }, { type: 'string', pattern: '^[a-z]+$' }] } },
    properties: {
      str: { type: 'string', minLength: 2, maxLength: 5 },
      fmt: { type: 'string', format: 'date-time' },
      num: { type: ['number', 'null'], exclusiveMinimum: 0, exclusiveMaximum: 10, multipleOf: 0.5 },
      int: { type: 'integer' },
      ints: { type: ['integer', 'boolean'] },
      choice: { enum: ['a', 1, null, { k: 'v' }, [1]] },
      fixed: { const: { a: [1, 2] } },
      no: { not: { type: 'string' } },
      one: { oneOf: [{ type: 'string' }, { type: 'string', maxLength: 1 }, { type: 'number' }] },
      all: { allOf: [{ type: 'object', required: ['x'] }, { properties: { x: { type: 'boolean' } } }] },
      port: { $ref: '#/definitions/port' },
      list: { type: 'array', items: { $ref: '#/definitions/port' }, minItems: 1, maxItems: 3, uniqueItems: true },
      tuple: { type: 'array', items: [{ type: 'string' }, { type: 'number' }], additionalItems: false },
      open: { type: 'object', additionalProperties: { type: 'string' }, minProperties: 1, maxProperties: 2 },
      patterned: { type: 'object', patternProperties: { '^x-': { type: 'number' } }, additionalProperties: false },
      closed: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false },
      anything: true,
      nothing: false,
    },
    additionalProperties: false,
  } as unknown as Schema;
}

describe('schema check (the fast yes/no beside validate)', () => {
  test('GIVEN random values for every keyword WHEN checked THEN the answer is always validate\'s', () => {
    const schema = keywordSchema();
    const lookup = dereference(schema);
    const check = new SchemaCheck(lookup);
    const keys = Object.keys((schema as { properties: object }).properties);
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('ab', 'abc', '2024-01-01T00:00:00Z', 'x', 1.5, 2, 0, 10, -1, 80, 'http', { k: 'v' }, [1], { a: [1, 2] }, { x: true }, ['a', 1], [80, 80], { 'x-a': 1 }, { a: 's' }));
    const instance = fc.dictionary(fc.constantFrom(...keys, 'other'), value, { maxKeys: 4 });
    let answered = 0;
    fc.assert(fc.property(instance, (o) => {
      const fast = check.valid(o, schema);
      if (fast !== undefined) answered++;
      return fast === undefined || fast === truth(o, schema, lookup);
    }), { numRuns: 3000, seed: 18 });
    // It answers nearly everything: an unanswered case costs only speed.
    expect(answered).toBe(3000);
  });

  test('GIVEN the shipped render and broken copies of its objects WHEN checked THEN every answer is validate\'s, and most objects are answered', () => {
    const registry = new SchemaRegistry();
    const { objects } = loadTree(path.resolve(__dirname, '..', '..'));
    for (const o of objects) if (o.obj.kind === 'CustomResourceDefinition') registry.addCrd(o.obj);
    // The registry's documents, as it validates each object (private: the test reads them the way validate does).
    const r = registry as unknown as { gvkIndex: Map<string, string>; core: { lookup: ReturnType<typeof dereference>; check: SchemaCheck }; refTo(d: string): Schema; crdSchema(g: string, k: string, v: string): { schema: Schema; lookup: ReturnType<typeof dereference>; check: SchemaCheck } | null };
    const mutated = (obj: Record<string, unknown>, seed: number): Record<string, unknown> => {
      const copy = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
      const places: [Record<string, unknown> | unknown[], string | number][] = [];
      const walk = (v: unknown) => {
        if (Array.isArray(v)) v.forEach((x, i) => { places.push([v, i]); walk(x); });
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { places.push([v as Record<string, unknown>, k]); walk(x); }
      };
      walk(copy);
      const [parent, key] = places[seed % places.length];
      const replacements: unknown[] = ['x', 12.5, null, -3, { unknownField: 1 }, [], true];
      (parent as Record<string | number, unknown>)[key] = replacements[Math.floor(seed / places.length) % replacements.length];
      return copy;
    };
    let checked = 0;
    let answered = 0;
    let broken = 0;
    objects.forEach((o, n) => {
      for (const obj of [o.obj, mutated(o.obj, n * 7919 + 13), mutated(o.obj, n * 104729 + 7)]) {
        const { apiVersion, kind } = obj as { apiVersion: unknown; kind: unknown };
        if (typeof apiVersion !== 'string' || typeof kind !== 'string') continue;
        const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
        const def = r.gvkIndex.get(`${group}/${version}/${kind}`);
        const crd = def ? undefined : r.crdSchema(group, kind, version);
        const pairs: [unknown, Schema, ReturnType<typeof dereference>, SchemaCheck][] = def
          ? [[obj, r.refTo(def), r.core.lookup, r.core.check]]
          : crd ? [[obj, crd.schema, crd.lookup, crd.check], [obj.metadata ?? {}, r.refTo('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), r.core.lookup, r.core.check]] : [];
        for (const [instance, schema, lookup, check] of pairs) {
          const fast = check.valid(instance, schema);
          const slow = truth(instance, schema, lookup);
          checked++;
          if (!slow) broken++;
          if (fast !== undefined) {
            answered++;
            expect({ file: o.file, fast }).toEqual({ file: o.file, fast: slow });
          }
        }
      }
    });
    expect(broken).toBeGreaterThan(checked / 4);
    expect(answered).toBeGreaterThan(checked * 0.9);
  });

  test('GIVEN keywords it does not implement WHEN checked THEN it does not answer', () => {
    for (const schema of [
      { if: { type: 'string' }, then: { minLength: 2 } },
      { type: 'object', propertyNames: { pattern: '^a' } },
      { type: 'object', dependencies: { a: ['b'] } },
      { type: 'array', contains: { type: 'string' } },
      { type: 'object', unevaluatedProperties: false },
    ] as Schema[]) {
      expect(new SchemaCheck(dereference(schema)).valid({ a: 1 }, schema)).toBeUndefined();
    }
  });

  test('GIVEN a document with a $ref that does not resolve or a pattern that does not compile, anywhere WHEN checked THEN it answers nothing (validate throws where it meets one)', () => {
    const badRef = { type: 'object', properties: { a: { type: 'string' }, b: { $ref: '#/definitions/missing' } } } as Schema;
    expect(new SchemaCheck(dereference(badRef)).valid({ a: 's' }, badRef)).toBeUndefined();
    const badPattern = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string', pattern: '(' } } } as Schema;
    expect(new SchemaCheck(dereference(badPattern)).valid({ a: 's' }, badPattern)).toBeUndefined();
  });

  test('GIVEN a value validate throws on, where an earlier branch already decided WHEN checked THEN it does not answer', () => {
    const schema = { anyOf: [{ type: 'object' }, { type: 'object', properties: { a: { type: 'string' } } }, { type: 'string' }] } as Schema;
    const lookup = dereference(schema);
    expect(() => validate({ a: undefined }, schema, '7', lookup, false)).toThrow();
    expect(new SchemaCheck(lookup).valid({ a: undefined }, schema)).toBeUndefined();
  });

  test('GIVEN a document that refers to nothing and random values for every keyword WHEN checked without its lookup THEN every answer is validate\'s', () => {
    // The keyword document with its one definition written in place of each $ref.
    const inlined = JSON.parse(JSON.stringify(keywordSchema()).split('{"$ref":"#/definitions/port"}').join(JSON.stringify(keywordSchema().definitions!.port))) as Schema;
    delete inlined.definitions;
    expect(JSON.stringify(inlined)).not.toContain('$ref');
    const check = SchemaCheck.withoutLookup(inlined);
    expect(check).toBeDefined();
    const lookup = dereference(JSON.parse(JSON.stringify(inlined)) as Schema);
    const keys = Object.keys((inlined as { properties: object }).properties);
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('ab', 'abc', '2024-01-01T00:00:00Z', 'x', 1.5, 2, 0, 10, -1, 80, 'http', { k: 'v' }, [1], { a: [1, 2] }, { x: true }, ['a', 1], [80, 80], { 'x-a': 1 }, { a: 's' }));
    const instance = fc.dictionary(fc.constantFrom(...keys, 'other'), value, { maxKeys: 4 });
    let answered = 0;
    fc.assert(fc.property(instance, (o) => {
      const fast = check!.valid(o, inlined);
      if (fast !== undefined) answered++;
      return fast === undefined || fast === truth(o, inlined, lookup);
    }), { numRuns: 3000, seed: 18 });
    expect(answered).toBe(3000);
  });

  test('GIVEN a document with a $ref, an $anchor, an $id or id below its root (also under a keyword dereference walks as a schema) or a pattern that does not compile WHEN a check without its lookup is asked for THEN there is none', () => {
    const at = (node: Record<string, unknown>) => ({ $id: 'https://example.test/x.json', type: 'object', properties: { a: { type: 'string' }, b: node } }) as unknown as Schema;
    expect(SchemaCheck.withoutLookup(at({ type: 'string' }))).toBeDefined();
    expect(SchemaCheck.withoutLookup(at({ $ref: '#/properties/a' }))).toBeUndefined();
    expect(SchemaCheck.withoutLookup(at({ $anchor: 'b' }))).toBeUndefined();
    expect(SchemaCheck.withoutLookup(at({ $id: 'https://example.test/b.json' }))).toBeUndefined();
    expect(SchemaCheck.withoutLookup(at({ id: 'b' }))).toBeUndefined();
    expect(SchemaCheck.withoutLookup(at({ example: { $ref: '#/properties/a' } }))).toBeUndefined();
    expect(SchemaCheck.withoutLookup(at({ items: [{ type: 'string' }, { $ref: '#' }] }))).toBeUndefined();
    expect(SchemaCheck.withoutLookup(at({ type: 'string', pattern: '(' }))).toBeUndefined();
    expect(SchemaCheck.withoutLookup(at({ type: 'object', patternProperties: { '(': true } }))).toBeUndefined();
    // What dereference does not walk (an ignored keyword's value, a list under a keyword that takes none) is not looked at either.
    expect(SchemaCheck.withoutLookup(at({ type: 'object', default: { $ref: 'x' }, examples: [{ $ref: 'x' }] }))).toBeDefined();
  });

  test('GIVEN a Deployment WHEN the registry validates it THEN a valid one has no problem and a broken one gets validate\'s messages', () => {
    const registry = new SchemaRegistry();
    const deployment = (spec: Record<string, unknown>) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' }, spec });
    const template = { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } };
    expect(registry.validate(deployment({ selector: { matchLabels: { app: 'd' } }, template }))).toEqual([]);
    expect(registry.validate(deployment({ selector: { matchLabels: { app: 'd' } }, template, replica: 2 }))).toEqual([{ field: 'spec', message: 'unknown field "replica"' }]);
  });
});
