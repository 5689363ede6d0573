import { createHash } from 'crypto';
import { App, ImplicitTokenResolver, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';

/**
 * cdk8s's `resolve` (cdk8s/lib/resolve.js), which every `ApiObject.toJson()` and
 * `ApiObjectMetadataDefinition.toJson()` runs over the object's whole value, made faster for an app
 * with only cdk8s's own three resolvers: for every value of the tree it looks the App up again
 * (walking the construct's scopes to the root), copies the path of keys so far into a new array,
 * makes a `ResolutionContext` and calls each resolver through it. At thousands of apps that was a
 * second of a full synth. `resolveValue` below gives the same result by the same steps: the same
 * property reads on each value, in the same order, the same producers called in the same order,
 * the same copies (arrays by `map`, keeping holes; plain objects by `Object.entries`), and nothing
 * of what it skips (the path, the context) is read by those three resolvers.
 *
 * Used only inside `withFastResolve`, and only while cdk8s's code is the code this was written
 * for (`CDK8S_RESOLVE_SOURCE`, the sha256 of the four functions' source): after an upgrade that
 * changed any of them it does nothing (a test fails, asking for this file to be checked again). An
 * app with resolvers of its own, or without an App at its root, is resolved by cdk8s's function.
 * One difference is left: cdk8s looks the app's resolvers up again for every value, so a producer
 * that added a resolver to the app in the middle of a `toJson()` would see it used for the values
 * after it; here the resolvers are looked up once per `toJson()` (no code here adds resolvers).
 */

/** The sha256 of the source of cdk8s's `resolve` and of its three resolvers' `resolve` methods, as this file follows them (cdk8s 2.70.106). */
export const CDK8S_RESOLVE_SOURCE = 'c47152c4b6684a03849b5c1db2f656991166eea2402a584dfcd44f99f9e5c319';

/** cdk8s's resolve module (its functions are looked up on it at each call by api-object.js and metadata.js). */
type ResolveModule = { resolve: (key: string[], value: unknown, apiObject: unknown) => unknown };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const resolveModule = require('cdk8s/lib/resolve') as ResolveModule;
const original = resolveModule.resolve;

/** The sha256 of the source of the four functions `resolveValue` follows. */
export function cdk8sResolveSource(): string {
  const parts = [original, LazyResolver.prototype.resolve, ImplicitTokenResolver.prototype.resolve, NumberStringUnionResolver.prototype.resolve].map((f) => String(f));
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

let known: boolean | undefined;

/** Whether cdk8s's code is the code `resolveValue` follows (checked once). */
export function fastResolveApplies(): boolean {
  return (known ??= cdk8sResolveSource() === CDK8S_RESOLVE_SOURCE);
}

/** Whether `resolvers` are cdk8s's own three, in their order, with their own methods. */
function builtIn(resolvers: unknown): boolean {
  if (!Array.isArray(resolvers) || resolvers.length !== 3) return false;
  const own = (r: unknown, type: { prototype: { resolve: unknown } }) => !!r && (r as object).constructor === type && (r as { resolve: unknown }).resolve === type.prototype.resolve;
  return own(resolvers[0], LazyResolver) && own(resolvers[1], ImplicitTokenResolver) && own(resolvers[2], NumberStringUnionResolver);
}

/**
 * `resolve(key, value, apiObject)` of cdk8s with the three built-in resolvers, in their order: a
 * value a resolver replaces is resolved again from the first resolver (by recursion, as cdk8s does:
 * a value that resolves to itself ends in the same RangeError, not in a loop); an array is mapped,
 * a plain object copied by its entries, anything else kept. Each property is read as often as
 * cdk8s's resolvers read it (`resolve` and a union's `value` twice when replaced: once to test,
 * once to use).
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
export function resolveValue(value: any): any {
  if (value == null) return value;
  // LazyResolver
  if (value instanceof Lazy) return resolveValue(value.produce());
  // ImplicitTokenResolver
  if (typeof value.resolve === 'function') return resolveValue(value.resolve());
  // NumberStringUnionResolver
  if (value.constructor !== Object) {
    const type = typeof value.value;
    if (type === 'number' || type === 'string') return resolveValue({ value: value.value });
  }
  if (Array.isArray(value)) return value.map((x) => resolveValue(x));
  if (value.constructor == Object) {
    const result: Record<string, any> = {};
    for (const [k, v] of Object.entries(value)) result[k] = resolveValue(v);
    return result;
  }
  return value;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** cdk8s's `resolve` with `resolveValue` for an app with the built-in resolvers. */
function fastResolve(key: string[], value: unknown, apiObject: unknown): unknown {
  const app = App.of(apiObject as Parameters<typeof App.of>[0]) as Partial<App>;
  return builtIn(app.resolvers) ? resolveValue(value) : original(key, value, apiObject);
}

let depth = 0;

/**
 * Runs `body` with cdk8s's `resolve` replaced by the faster one (see above), and puts cdk8s's
 * back afterwards, also when `body` throws; calls may nest. Does nothing while cdk8s's code is not
 * the code the faster one follows.
 */
export function withFastResolve<T>(body: () => T): T {
  if (!fastResolveApplies()) return body();
  if (depth++ === 0) resolveModule.resolve = fastResolve;
  try {
    return body();
  } finally {
    if (--depth === 0) resolveModule.resolve = original;
  }
}
