import * as path from 'path';
import { ApiObject, App, Chart, IResolver, Lazy, ResolutionContext } from 'cdk8s';
import { parseApp } from '../../lib/config/load-apps';
import { LAYERS } from '../../lib/layers';
import { buildPlatform } from '../../lib/platform';
import { CDK8S_RESOLVE_SOURCE, CDK8S_SANITIZE_SOURCE, cdk8sResolveSource, cdk8sSanitizeSource, fastResolveApplies, fusedSanitizeApplies, resolveSanitized, resolveValue, withFastResolve } from '../../lib/render/fast-resolve';
import { loadInputs } from '../../lib/synth';
import { generatedApp } from '../../scripts/bench-apps';
import { REPO, siteWith } from '../helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdk8sResolve = (require('cdk8s/lib/resolve') as { resolve: (key: string[], value: unknown, apiObject: unknown) => unknown }).resolve;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdk8sSanitize = (require('cdk8s/lib/_util') as { sanitizeValue: (obj: unknown, options?: object) => unknown }).sanitizeValue;

/**
 * cdk8s's `resolve` made faster for the render (lib/render/fast-resolve.ts): the same values, the
 * same key order, the same producers called in the same order, for every object the platform
 * renders; cdk8s's own function whenever the app has resolvers of its own; cdk8s's function put
 * back afterwards; and a test that fails when an upgrade of cdk8s changes the code it follows.
 */

/** An object of a chart of a fresh App, for `resolve`'s apiObject. */
function anObject(app = new App()): ApiObject {
  return new ApiObject(new Chart(app, 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap' });
}

/** A number-or-string union as the generated L1s make them (IntOrString, Quantity). */
class Quantity {
  public constructor(public readonly value: number | string) {}
}

/** Values that take each branch of cdk8s's resolve, with a log of the producers called. */
function tricky(log: string[]): unknown {
  const lazy = (name: string, value: unknown) => Lazy.any({ produce: () => (log.push(name), value) });
  class Token {
    public resolve() {
      log.push('token');
      return [lazy('in-token', 3), { b: 1, a: 2 }];
    }
  }
  const holes = [1, , 3]; // eslint-disable-line no-sparse-arrays
  const bare = Object.assign(Object.create(null) as object, { x: 1 });
  return {
    z: 'last key first',
    lazyOfLazy: lazy('outer', lazy('inner', { deep: lazy('deep', 'value') })),
    union: [new Quantity(5), new Quantity('5Gi'), new Quantity(true as unknown as number)],
    token: new Token(),
    plain: { nested: [{ a: undefined, b: null, c: 0, d: '' }], empty: {} },
    holes,
    bare,
    date: new Date(0),
    ctorKey: { constructor: 'x', value: 'v' },
    ctorKeyNoValue: { constructor: 'x' },
    numbers: [0, -0, NaN, Infinity, 1.5],
    nothing: undefined,
    nil: null,
    flags: [true, false],
  };
}

describe('the render\'s faster resolve', () => {
  test('GIVEN the installed cdk8s WHEN its resolve and resolvers are hashed THEN they are the code the faster one follows (after an upgrade: compare lib/render/fast-resolve.ts with cdk8s/lib/resolve.js, then update CDK8S_RESOLVE_SOURCE)', () => {
    expect(cdk8sResolveSource()).toBe(CDK8S_RESOLVE_SOURCE);
    expect(fastResolveApplies()).toBe(true);
  });

  test('GIVEN values that take every branch (lazies of lazies, tokens, number-or-string unions, holes, null-prototype and class objects, a "constructor" key) WHEN resolved by both THEN the results are the same, key for key and in order, with the producers called in the same order', () => {
    const fromCdk8s: string[] = [];
    const fromOurs: string[] = [];
    const expected = cdk8sResolve([], tricky(fromCdk8s), anObject());
    const actual = resolveValue(tricky(fromOurs));
    expect(actual).toStrictEqual(expected);
    expect(Object.keys(actual as object)).toEqual(Object.keys(expected as object));
    expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
    expect(fromOurs).toEqual(fromCdk8s);
    expect(fromOurs.length).toBeGreaterThan(3);
  });

  test('GIVEN a union whose value is a getter, and a class with a produce() method that is no Lazy WHEN resolved by both THEN the getter is read as often and both keep the class object as it is', () => {
    const counted = () => {
      const u = { reads: 0 };
      Object.defineProperty(u, 'value', { get: () => (u.reads++, '5Gi'), enumerable: true });
      return Object.setPrototypeOf(u, { constructor: class Q {} }) as { reads: number };
    };
    const a = counted();
    const b = counted();
    expect(resolveValue(b)).toStrictEqual(cdk8sResolve([], a, anObject()));
    expect(b.reads).toBe(a.reads);
    class Producer {
      public readonly n = 1;
      public produce() {
        return 'produced';
      }
    }
    const p = new Producer();
    expect(resolveValue({ p })).toStrictEqual(cdk8sResolve([], { p }, anObject()));
    expect((resolveValue({ p }) as { p: unknown }).p).toBe(p);
  });

  test('GIVEN a lazy that produces itself WHEN an object holding it is turned into JSON inside withFastResolve THEN it fails as cdk8s does (a RangeError), not looping', () => {
    const obj = anObject();
    let calls = 0;
    const self: unknown = Lazy.any({ produce: () => {
      if (++calls > 1e6) throw new Error('looped a million times');
      return self;
    } });
    (obj as unknown as { props: Record<string, unknown> }).props.data = { x: self };
    expect(() => obj.toJson()).toThrow(/Maximum call stack/);
    calls = 0;
    expect(() => withFastResolve(() => obj.toJson())).toThrow(/Maximum call stack/);
  });

  test('GIVEN withFastResolve WHEN its body returns or throws THEN cdk8s\'s resolve is its own again; nested calls keep the faster one until the outer ends', () => {
    const mod = require('cdk8s/lib/resolve') as { resolve: unknown }; // eslint-disable-line @typescript-eslint/no-require-imports
    let inside: unknown;
    let nested: unknown;
    withFastResolve(() => {
      inside = mod.resolve;
      withFastResolve(() => undefined);
      nested = mod.resolve;
    });
    expect(inside).not.toBe(cdk8sResolve);
    expect(nested).toBe(inside);
    expect(mod.resolve).toBe(cdk8sResolve);
    expect(() => withFastResolve(() => { throw new Error('boom'); })).toThrow('boom');
    expect(mod.resolve).toBe(cdk8sResolve);
  });

  test('GIVEN an app with a resolver of its own WHEN an object is turned into JSON inside withFastResolve THEN the app\'s resolver is applied, as cdk8s does', () => {
    class Upper implements IResolver {
      public resolve(context: ResolutionContext): void {
        // A replaced value is resolved again: replaced only once.
        if (typeof context.value === 'string' && context.key.join('.') === 'data.greeting' && context.value !== context.value.toUpperCase()) context.replaceValue(context.value.toUpperCase());
      }
    }
    const app = new App({ resolvers: [new Upper()] });
    const obj = new ApiObject(new Chart(app, 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { greeting: 'hello', other: 'x' } } as never);
    expect(withFastResolve(() => obj.toJson())).toEqual(obj.toJson());
    expect((obj.toJson() as { data: { greeting: string } }).data.greeting).toBe('HELLO');
  });

  test('GIVEN the shipped site and apps with 24 generated apps (rolling, blue/green, autoscaled, database-bound) WHEN every object of the platform is turned into JSON with and without the faster resolve THEN every document is the same, byte for byte', () => {
    const site = siteWith((s) => {
      for (const node of s.nodes) Object.assign(node, { cpu: 16, memory: '32Gi' });
    });
    const { apps: shipped, lock } = loadInputs(REPO);
    const generated = Array.from({ length: 24 }, (_, i) => generatedApp(i)).map((a) => parseApp(a.text, path.join('apps', `${a.name}.yaml`), site));
    const platform = buildPlatform(site, LAYERS, [...shipped, ...generated], lock);
    const objects = platform.app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
    expect(objects.length).toBeGreaterThan(500);
    const different = objects.filter((o) => JSON.stringify(withFastResolve(() => o.toJson())) !== JSON.stringify(o.toJson())).map((o) => o.node.path);
    expect(different).toEqual([]);
  });

  describe('with cdk8s\'s sanitizer in the same walk', () => {
    /** What `toJson()` of an object holding `data` gives (or the message it fails with), with cdk8s's code and inside withFastResolve, and the producers each called. */
    function both(data: (log: string[]) => Record<string, unknown>, metadata: Record<string, unknown> = {}) {
      const run = (fast: boolean) => {
        const log: string[] = [];
        const obj = new ApiObject(new Chart(new App(), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'n', ...metadata } } as never);
        (obj as unknown as { props: Record<string, unknown> }).props.data = data(log);
        try {
          const json = fast ? withFastResolve(() => obj.toJson()) : obj.toJson();
          return { json: JSON.stringify(json), keys: JSON.stringify(json, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v) : v)), log };
        } catch (e) {
          return { error: String(e), log };
        }
      };
      return { cdk8s: run(false), ours: run(true) };
    }

    test('GIVEN the installed cdk8s WHEN its sanitizer and the two toJson() that call it are hashed THEN they are the code the one walk follows (after an upgrade: compare lib/render/fast-resolve.ts with cdk8s/lib/_util.js, api-object.js and metadata.js, then update CDK8S_SANITIZE_SOURCE)', () => {
      expect(cdk8sSanitizeSource()).toBe(CDK8S_SANITIZE_SOURCE);
      expect(fusedSanitizeApplies()).toBe(true);
    });

    test('GIVEN values with nothing the sanitizer refuses (lazies, tokens, unions, holes, nulls in maps and lists, unsorted and integer-like keys) WHEN resolved and sanitized in one walk THEN the result is cdk8s\'s resolve then sanitize, key for key and in order, with the producers called in the same order', () => {
      const value = (log: string[]) => {
        const lazy = (name: string, v: unknown) => Lazy.any({ produce: () => (log.push(name), v) });
        const holes = [1, , null, undefined, 3]; // eslint-disable-line no-sparse-arrays
        // Keys whose code-unit order is not a locale's: 'B' before 'a', '_' between them, 'é' last.
        return { z: lazy('z', { b: null, a: [lazy('a0', 1), undefined] }), 10: 'ten', 9: 'nine', y: new Quantity('5Gi'), holes, empty: {}, list: [], nil: null, nothing: undefined, m: { d: lazy('d', 'x'), c: lazy('c', null) }, é: 1, B: 2, _x: 3, Z9: 4, 'a-b': 5, aB: 6, ab: 7 };
      };
      // And a map of more keys than the insertion sort takes, in reverse order.
      const many = (log: string[]) => ({ ...value(log), wide: Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`k${String(44 - i).padStart(2, '0')}`, i])) });
      const fromCdk8s: string[] = [];
      const fromOurs: string[] = [];
      const expected = cdk8sSanitize(cdk8sResolve([], many(fromCdk8s), anObject()), { sortKeys: true });
      const actual: unknown = resolveSanitized(many(fromOurs));
      expect(actual).toStrictEqual(expected);
      expect(JSON.stringify(actual, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v) : v))).toBe(JSON.stringify(expected, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v) : v)));
      expect(1 in (actual as { holes: unknown[] }).holes).toBe(false);
      expect(fromOurs).toEqual(fromCdk8s);
      expect(fromOurs).toEqual(['z', 'a0', 'd', 'c']);
    });

    test('GIVEN objects holding what the sanitizer refuses (a Date and a Map at two keys, a null-prototype object, a class object in a list) WHEN turned into JSON by cdk8s and inside withFastResolve THEN both fail with the same message, after the same producers', () => {
      const cases: ((log: string[]) => Record<string, unknown>)[] = [
        (log) => ({ b: new Date(0), a: Lazy.any({ produce: () => (log.push('a'), new Map()) }), c: Lazy.any({ produce: () => (log.push('c'), 1) }) }),
        () => ({ x: { y: Object.assign(Object.create(null) as object, { k: 1 }) } }),
        () => ({ list: [1, { ok: true }, new (class Thing {})()] }),
      ];
      for (const data of cases) {
        const { cdk8s, ours } = both(data);
        expect(cdk8s.error).toMatch(/non-simple object|Cannot read/);
        expect(ours).toEqual(cdk8s);
      }
    });

    test('GIVEN a "__proto__" key (from JSON) with a null, with a map and with a class object WHEN turned into JSON by cdk8s and inside withFastResolve THEN the results (or the errors) are the same', () => {
      for (const text of ['{"__proto__": null, "a": 1}', '{"b": {"__proto__": {"x": 1}, "c": null}, "a": 2}']) {
        const { cdk8s, ours } = both(() => JSON.parse(text) as Record<string, unknown>);
        expect(ours).toEqual(cdk8s);
      }
      const { cdk8s, ours } = both(() => JSON.parse('{"p": {"__proto__": []}}') as Record<string, unknown>);
      expect(ours).toEqual(cdk8s);
    });

    test('GIVEN metadata with empty and null labels, annotations and extra fields WHEN turned into JSON by cdk8s and inside withFastResolve THEN the same (the metadata\'s sanitizer, which filters empty maps and lists, still runs)', () => {
      const { cdk8s, ours } = both(() => ({ k: 'v' }), { labels: {}, annotations: { b: 'x', a: Lazy.any({ produce: () => null }) }, finalizers: [], extra: { nested: {} } });
      expect(cdk8s.json).toContain('"annotations":{"b":"x"}');
      expect(ours).toEqual(cdk8s);
    });

    test('GIVEN CDK8S_DISABLE_SORT WHEN an object is turned into JSON inside withFastResolve THEN its keys keep cdk8s\'s order (not sorted), as without it', () => {
      const saved = process.env.CDK8S_DISABLE_SORT;
      process.env.CDK8S_DISABLE_SORT = '1';
      try {
        const { cdk8s, ours } = both(() => ({ z: 1, a: { y: 2, b: 3 } }));
        expect(cdk8s.keys).toContain('[["z",1],["a",[["y",2],["b",3]]]]');
        expect(ours).toEqual(cdk8s);
      } finally {
        if (saved === undefined) delete process.env.CDK8S_DISABLE_SORT;
        else process.env.CDK8S_DISABLE_SORT = saved;
      }
    });

    test('GIVEN a producer that turns another object into JSON in the middle of a walk (the inner one refused and the outer not, then the other way round) WHEN both are turned into JSON inside withFastResolve THEN each is what cdk8s gives', () => {
      const run = (fast: boolean, innerData: Record<string, unknown>, outerFirst: Record<string, unknown>) => {
        const app = new App();
        const chart = new Chart(app, 'c');
        const inner = new ApiObject(chart, 'inner', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'i' } } as never);
        (inner as unknown as { props: Record<string, unknown> }).props.data = innerData;
        const outer = new ApiObject(chart, 'outer', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o' } } as never);
        (outer as unknown as { props: Record<string, unknown> }).props.data = { ...outerFirst, a: Lazy.any({ produce: () => {
          try {
            return inner.toJson();
          } catch (e) {
            return String(e);
          }
        } }) };
        try {
          return JSON.stringify(fast ? withFastResolve(() => outer.toJson()) : outer.toJson());
        } catch (e) {
          return String(e);
        }
      };
      expect(run(false, { when: new Date(0) }, { b: 1 })).toContain('non-simple object');
      expect(run(true, { when: new Date(0) }, { b: 1 })).toBe(run(false, { when: new Date(0) }, { b: 1 }));
      // The outer walk meets the class object before the producer runs a clean inner walk.
      expect(run(false, { fine: 1 }, { z: new Date(0) })).toContain("can't render non-simple object of type 'Date'");
      expect(run(true, { fine: 1 }, { z: new Date(0) })).toBe(run(false, { fine: 1 }, { z: new Date(0) }));
    });

    test('GIVEN withFastResolve WHEN its body returns or throws THEN cdk8s\'s sanitizer is its own again', () => {
      const mod = require('cdk8s/lib/_util') as { sanitizeValue: unknown }; // eslint-disable-line @typescript-eslint/no-require-imports
      let inside: unknown;
      withFastResolve(() => {
        inside = mod.sanitizeValue;
      });
      expect(inside).not.toBe(cdk8sSanitize);
      expect(mod.sanitizeValue).toBe(cdk8sSanitize);
      expect(() => withFastResolve(() => { throw new Error('boom'); })).toThrow('boom');
      expect(mod.sanitizeValue).toBe(cdk8sSanitize);
    });

    test('GIVEN maps with a "constructor" key (a string the sanitizer reads as a constructor, a getter that changes, one added to the metadata) WHEN turned into JSON by cdk8s and inside withFastResolve THEN the results (or the errors) are the same', () => {
      const changing = (log: string[]) => {
        let reads = 0;
        const o: Record<string, unknown> = { a: 1 };
        Object.defineProperty(o, 'constructor', { enumerable: true, get: () => (log.push(`get${reads}`), reads++ < 2 ? Object : undefined) });
        return o;
      };
      const cases: [(log: string[]) => Record<string, unknown>, RegExp | undefined][] = [
        [() => ({ spec: { constructor: String(Object), a: 1 } }), /non-simple object of type 'undefined'/],
        [(log) => ({ spec: changing(log) }), /Cannot read/],
        [() => ({ spec: { constructor: 'x', value: 'v' } }), undefined],
      ];
      for (const [data, error] of cases) {
        const { cdk8s, ours } = both(data);
        if (error) expect(cdk8s.error).toMatch(error);
        expect(ours).toEqual(cdk8s);
      }
      const viaMetadata = both(() => ({ k: 'v' }), { extra: { constructor: String(Object), a: 1 } });
      expect(viaMetadata.ours).toEqual(viaMetadata.cdk8s);
    });

    test('GIVEN lists whose map gives something else (an own map giving a Date, a subclass whose species is a class, a subclass that counts its maps) WHEN turned into JSON by cdk8s and inside withFastResolve THEN the results (or the errors) and the calls are the same', () => {
      class Foo {
        public n = 1;
      }
      class Species<T> extends Array<T> {}
      Object.defineProperty(Species, Symbol.species, { get: () => Foo });
      class Counted<T> extends Array<T> {
        public map<U>(f: (value: T, index: number, array: T[]) => U): U[] {
          (this as unknown as { log: string[] }).log?.push('map');
          return super.map(f);
        }
      }
      const cases: ((log: string[]) => Record<string, unknown>)[] = [
        () => ({ a: Object.assign([1], { map: () => new Date(0) }) }),
        () => ({ a: Species.from([1]) }),
        (log) => ({ a: Object.assign(Counted.from([1, 2]), { log }) }),
      ];
      for (const data of cases) {
        const { cdk8s, ours } = both(data);
        expect(ours).toEqual(cdk8s);
      }
      expect(both(cases[0]).cdk8s.error).toMatch(/type 'Date'/);
    });

    test('GIVEN CDK8S_DISABLE_SORT set by a body already inside withFastResolve WHEN an object is turned into JSON there THEN its keys keep cdk8s\'s order', () => {
      const saved = process.env.CDK8S_DISABLE_SORT;
      try {
        const obj = anObject();
        (obj as unknown as { props: Record<string, unknown> }).props.data = { z: 1, a: 2 };
        const ours = withFastResolve(() => {
          process.env.CDK8S_DISABLE_SORT = '1';
          return JSON.stringify(obj.toJson());
        });
        expect(ours).toBe(JSON.stringify(obj.toJson()));
        expect(ours).toContain('{"z":1,"a":2}');
      } finally {
        if (saved === undefined) delete process.env.CDK8S_DISABLE_SORT;
        else process.env.CDK8S_DISABLE_SORT = saved;
      }
    });

    test('GIVEN maps nested deeper than the one walk can go but not cdk8s\'s resolve WHEN turned into JSON inside withFastResolve THEN the result is cdk8s\'s (its own resolve is used again)', () => {
      const nested = (depth: number) => {
        let v: Record<string, unknown> = { leaf: 1 };
        for (let i = 0; i < depth; i++) v = { k: v };
        return v;
      };
      const deepest = (works: (depth: number) => boolean) => {
        let lo = 10;
        let hi = 200_000;
        while (lo < hi) {
          const mid = Math.ceil((lo + hi) / 2);
          if (works(mid)) lo = mid;
          else hi = mid - 1;
        }
        return lo;
      };
      const ok = (f: () => unknown) => {
        try {
          f();
          return true;
        } catch (e) {
          // toJson() wraps the RangeError in an Error of its own.
          if (/Maximum call stack/.test(String(e))) return false;
          throw e;
        }
      };
      const obj = anObject();
      const props = (obj as unknown as { props: Record<string, unknown> }).props;
      const cdk8sMax = deepest((d) => ok(() => { props.data = nested(d); return obj.toJson(); }));
      const walkMax = deepest((d) => ok(() => resolveSanitized(nested(d))));
      // Between the two limits, with room for the frames the fast path adds on top.
      const depth = walkMax + Math.floor((cdk8sMax - walkMax) / 2);
      expect(cdk8sMax - walkMax).toBeGreaterThan(20);
      expect(ok(() => resolveSanitized(nested(depth)))).toBe(false);
      props.data = nested(depth);
      expect(JSON.stringify(withFastResolve(() => obj.toJson()))).toBe(JSON.stringify(obj.toJson()));
    });

    test('GIVEN the tree the fast resolve just gave WHEN the sanitizer is asked for it with other options than ApiObject.toJson()\'s THEN it copies it (cdk8s\'s sanitizer), and gives it back as it is only for { sortKeys: true }', () => {
      const util = require('cdk8s/lib/_util') as { sanitizeValue: (obj: unknown, options?: object) => unknown }; // eslint-disable-line @typescript-eslint/no-require-imports
      const mod = require('cdk8s/lib/resolve') as { resolve: (key: string[], value: unknown, apiObject: unknown) => unknown }; // eslint-disable-line @typescript-eslint/no-require-imports
      withFastResolve(() => {
        const obj = anObject();
        for (const options of [{ sortKeys: false }, { sortKeys: true, filterEmptyObjects: true }, { sortKeys: true, filterEmptyArrays: true }, {}]) {
          const resolved = mod.resolve([], { b: 1, a: { c: [] } }, obj);
          const sanitized = util.sanitizeValue(resolved, options);
          expect(sanitized).not.toBe(resolved);
          expect(sanitized).toStrictEqual(cdk8sSanitize(resolved, options));
        }
        const resolved = mod.resolve([], { b: 1, a: 2 }, obj);
        expect(util.sanitizeValue(resolved, { sortKeys: true })).toBe(resolved);
        // Once only: asked again, it is copied.
        expect(util.sanitizeValue(resolved, { sortKeys: true })).not.toBe(resolved);
      });
    });
  });
});
