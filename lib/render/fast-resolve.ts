import { createHash } from 'crypto';
import { ApiObject, ApiObjectMetadataDefinition, App, ImplicitTokenResolver, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
import { INSERTION_SORT_MAX } from './documents';

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
 *
 * `ApiObject.toJson()` then hands what `resolve` returned to cdk8s's sanitizer (cdk8s/lib/_util.js
 * `sanitizeValue`), which copies the whole tree once more to sort every map's keys and leave out
 * null values. Inside `withFastResolve` the two are one walk (`resolveSanitized`): the resolved
 * tree is made already as the sanitizer would copy it, and the sanitizer, asked by `toJson()` for
 * exactly that tree, gives it back instead of copying it. Only where that is the sanitizer's own
 * result: the walk leaves anything the sanitizer could refuse (an object of a class, a
 * null-prototype object, a `__proto__` key) as `resolve` would, and then the sanitizer copies the
 * tree as before, so an error is the one it always was (`CDK8S_SANITIZE_SOURCE` guards the
 * sanitizer and its two callers as `CDK8S_RESOLVE_SOURCE` guards `resolve`).
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

/**
 * The sha256 of the source of cdk8s's sanitizer and of its two callers (`ApiObject.toJson`,
 * `ApiObjectMetadataDefinition.toJson`), as `resolveSanitized` follows them (cdk8s 2.70.106).
 */
export const CDK8S_SANITIZE_SOURCE = '76ee7ab3a2a1df3ad5343d98559469a1cf59bb70d25fc84c78be7c8a5cb21511';

/** The options cdk8s's sanitizer takes. */
interface SanitizeOptions {
  readonly filterEmptyObjects?: boolean;
  readonly filterEmptyArrays?: boolean;
  readonly sortKeys?: boolean;
}

/** cdk8s's _util module (`sanitizeValue` is looked up on it at each call by api-object.js and metadata.js). */
type UtilModule = { sanitizeValue: (obj: unknown, options?: SanitizeOptions) => unknown };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const utilModule = require('cdk8s/lib/_util') as UtilModule;
const originalSanitize = utilModule.sanitizeValue;

/** The sha256 of the source of the sanitizer and its two callers. */
export function cdk8sSanitizeSource(): string {
  const parts = [originalSanitize, ApiObject.prototype.toJson, ApiObjectMetadataDefinition.prototype.toJson].map((f) => String(f));
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

let known: boolean | undefined;
let knownSanitize: boolean | undefined;

/** Whether cdk8s's sanitizer and its callers are the code `resolveSanitized` follows (checked once). */
export function fusedSanitizeApplies(): boolean {
  return (knownSanitize ??= cdk8sSanitizeSource() === CDK8S_SANITIZE_SOURCE);
}

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

/* eslint-disable @typescript-eslint/no-explicit-any */
/** What `replacement` gives for a value none of the three resolvers replaces. */
const KEPT = Symbol('kept');

/**
 * What cdk8s's three built-in resolvers, in their order, replace `value` (not null) with, or KEPT:
 * a Lazy's product (LazyResolver), a token's `resolve()` (ImplicitTokenResolver), a number-or-string
 * union's `{ value }` (NumberStringUnionResolver, which reads `value` once to test and once to use).
 */
function replacement(value: any): any {
  if (value instanceof Lazy) return value.produce();
  if (typeof value.resolve === 'function') return value.resolve();
  if (value.constructor !== Object) {
    const type = typeof value.value;
    if (type === 'number' || type === 'string') return { value: value.value };
  }
  return KEPT;
}

/**
 * `resolve(key, value, apiObject)` of cdk8s with the three built-in resolvers, in their order: a
 * value a resolver replaces is resolved again from the first resolver (by recursion, as cdk8s does:
 * a value that resolves to itself ends in the same RangeError, not in a loop); an array is mapped,
 * a plain object copied by its entries, anything else kept. Each property is read as often as
 * cdk8s's resolvers read it (`resolve` and a union's `value` twice when replaced: once to test,
 * once to use).
 */
export function resolveValue(value: any): any {
  if (value == null) return value;
  const replaced = replacement(value);
  if (replaced !== KEPT) return resolveValue(replaced);
  if (Array.isArray(value)) return value.map((x) => resolveValue(x));
  if (value.constructor == Object) {
    const result: Record<string, any> = {};
    for (const [k, v] of Object.entries(value)) result[k] = resolveValue(v);
    return result;
  }
  return value;
}

/**
 * Whether the tree `resolveSanitized` is making is, so far, what cdk8s's sanitizer would make of
 * `resolve`'s tree with `{ sortKeys: true }`: false once it left anything as `resolve` would for
 * the sanitizer to decide on.
 */
let clean = true;

/**
 * `sanitizeValue(resolve(value), { sortKeys: true })` of cdk8s in one walk, when it can be (`clean`
 * stays true): `resolveValue`'s steps, in its order (every producer called as it calls them, each
 * map's values resolved in the order of its entries), and then, for each map, the sanitizer's
 * copy: its keys in code-unit order (`sort()`), null and undefined values left out, a list's null
 * and undefined items undefined (holes kept, as both `map`s keep them). What the sanitizer could
 * refuse is left as `resolve` leaves it and `clean` set to false: an object that is no plain map
 * nor a list (kept as it is, as `resolve` keeps it), a list whose `map` gives no plain list, and a
 * map with a `__proto__` or a `constructor` key (resolved by `resolveValue`: its copy gives
 * `__proto__` to the prototype as `resolve`'s does, and the sanitizer reads the copy's
 * `constructor` to tell whether it is a plain map). The sanitizer
 * then copies that tree as it would have copied `resolve`'s: every map it passes on the way is
 * already sorted and without nulls, which it keeps so, and reaches the same values in the same
 * order, so it gives the same result and fails at the same place with the same error.
 */
export function resolveSanitized(value: any): any {
  if (value == null) return undefined;
  const replaced = replacement(value);
  if (replaced !== KEPT) return resolveSanitized(replaced);
  if (Array.isArray(value)) {
    const mapped = value.map((x) => resolveSanitized(x));
    // A list whose `map` gives something else than a plain list (its own `map`, a subclass) is the sanitizer's to copy, or refuse.
    if (mapped === null || typeof mapped !== 'object' || Object.getPrototypeOf(mapped) !== Array.prototype) clean = false;
    return mapped;
  }
  if (value.constructor == Object) {
    const entries: [string, any][] = Object.entries(value);
    let sorted = true;
    for (let i = 0; i < entries.length; i++) {
      // `__proto__` sets the copy's prototype, and the sanitizer reads `constructor` (of the copy) to tell a plain map: either is resolve's copy, for the sanitizer to judge.
      if (entries[i][0] === '__proto__' || entries[i][0] === 'constructor') {
        clean = false;
        const result: Record<string, any> = {};
        for (const [k, v] of entries) result[k] = resolveValue(v);
        return result;
      }
      if (i > 0 && !(entries[i - 1][0] < entries[i][0])) sorted = false;
    }
    for (const entry of entries) entry[1] = resolveSanitized(entry[1]);
    // Keys are unique: code-unit order, as the sanitizer's `sort()`.
    if (!sorted) sortEntries(entries);
    const result: Record<string, any> = {};
    for (const [k, v] of entries) if (v != null) result[k] = v;
    return result;
  }
  // Strings, numbers, booleans, functions: the sanitizer keeps them. An object of a class (or
  // without a prototype) is the sanitizer's to take or refuse.
  if (typeof value === 'object') clean = false;
  return value;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Sorts a map's entries by their (unique) keys in code-unit order, as `sort()` does: a few entries by insertion, in place (no work array). */
function sortEntries(entries: [string, unknown][]): void {
  if (entries.length > INSERTION_SORT_MAX) {
    entries.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    return;
  }
  for (let i = 1; i < entries.length; i++) {
    const entry = entries[i];
    let j = i - 1;
    for (; j >= 0 && entries[j][0] > entry[0]; j--) entries[j + 1] = entries[j];
    entries[j + 1] = entry;
  }
}

/** Whether `resolve` may give the sanitized tree inside this `withFastResolve` (cdk8s's sanitizer and its callers are the code it follows). */
let fuse = false;

/** The last tree `fastResolve` gave that is the sanitizer's own result (`clean`): the sanitizer gives it back as it is, once. */
let lastClean: object | undefined;

/** cdk8s's `resolve` with `resolveValue` (or `resolveSanitized`) for an app with the built-in resolvers. */
function fastResolve(key: string[], value: unknown, apiObject: unknown): unknown {
  const app = App.of(apiObject as Parameters<typeof App.of>[0]) as Partial<App>;
  if (!builtIn(app.resolvers)) return original(key, value, apiObject);
  // ApiObject.toJson() reads CDK8S_DISABLE_SORT just before it resolves: with it set, its sanitizer keeps resolve's key order, which the one walk does not.
  if (!fuse || process.env.CDK8S_DISABLE_SORT) return resolveValue(value);
  // A producer may turn another object into JSON in the middle of this walk: its cleanliness is its own.
  const outer = clean;
  clean = true;
  try {
    const resolved: unknown = resolveSanitized(value);
    if (clean && typeof resolved === 'object' && resolved !== null) lastClean = resolved;
    return resolved;
  } catch (e) {
    // The one walk takes more stack per level than cdk8s's resolve: a value nested deeper than it
    // can go (thousands of levels) is resolved again by cdk8s's own function, whose result (or
    // RangeError) is then the one cdk8s gives; the producers met before the overflow are called again.
    if (e instanceof RangeError) return original(key, value, apiObject);
    throw e;
  } finally {
    clean = outer;
  }
}

/**
 * cdk8s's sanitizer, which gives back as it is the tree `fastResolve` just gave when asked for
 * `ApiObject.toJson()`'s sanitizing of it (`{ sortKeys: true }`, no filter): that tree is already
 * the sanitizer's result. Anything else is the sanitizer's.
 */
function fastSanitize(obj: unknown, options?: SanitizeOptions): unknown {
  if (obj !== undefined && obj === lastClean && options !== undefined && options.sortKeys === true && !options.filterEmptyArrays && !options.filterEmptyObjects) {
    lastClean = undefined;
    return obj;
  }
  return originalSanitize(obj, options);
}

let depth = 0;

/**
 * Runs `body` with cdk8s's `resolve` replaced by the faster one (see above), and puts cdk8s's
 * back afterwards, also when `body` throws; calls may nest. Does nothing while cdk8s's code is not
 * the code the faster one follows.
 */
export function withFastResolve<T>(body: () => T): T {
  if (!fastResolveApplies()) return body();
  if (depth++ === 0) {
    resolveModule.resolve = fastResolve;
    fuse = fusedSanitizeApplies();
    if (fuse) utilModule.sanitizeValue = fastSanitize;
  }
  try {
    return body();
  } finally {
    if (--depth === 0) {
      resolveModule.resolve = original;
      utilModule.sanitizeValue = originalSanitize;
      fuse = false;
      lastClean = undefined;
    }
  }
}
