import * as path from 'path';
import { ApiObject, App, Chart, IResolver, Lazy, ResolutionContext } from 'cdk8s';
import { parseApp } from '../../lib/config/load-apps';
import { LAYERS } from '../../lib/layers';
import { buildPlatform } from '../../lib/platform';
import { CDK8S_RESOLVE_SOURCE, cdk8sResolveSource, fastResolveApplies, resolveValue, withFastResolve } from '../../lib/render/fast-resolve';
import { loadInputs } from '../../lib/synth';
import { generatedApp } from '../../scripts/bench-apps';
import { REPO, siteWith } from '../helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdk8sResolve = (require('cdk8s/lib/resolve') as { resolve: (key: string[], value: unknown, apiObject: unknown) => unknown }).resolve;

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
});
