import { deepCompareStrict, format as FORMATS, ignoredKeyword, Schema, schemaArrayKeyword, schemaMapKeyword, ucs2length } from '@cfworker/json-schema';

/**
 * A fast yes/no answer to "would `@cfworker/json-schema`'s `validate` (draft 7, no short circuit)
 * find any error?", for the schemas verify holds rendered objects to (./schemas.ts).
 *
 * `validate` interprets a schema node by node and builds an error (with its locations) for every
 * problem; nearly every rendered object has none, and the check spends its time on bookkeeping.
 * This compiles each schema node once into a closure that answers valid or not and stops at the
 * first problem. It answers only what it is sure of:
 *
 * - `true` exactly when `validate` would return no error: the keywords it reads are evaluated as
 *   `validate` evaluates them (the same comparisons, the same format functions, the same regular
 *   expressions with the `u` flag, `$ref` answered as draft 7 does, ignoring its siblings);
 * - `undefined` when it cannot tell: a keyword it does not implement (if/then/else, dependencies,
 *   propertyNames, contains, the 2019-09 keywords), a value `validate` would throw on, or a
 *   schema document with a `$ref` that does not resolve or a pattern that does not compile
 *   anywhere in it (`validate` would throw where it meets one, so the caller must run it);
 * - `false` when an error exists.
 *
 * The caller runs `validate` whenever the answer is not `true`, so findings and their messages
 * come from `validate` alone; this only skips it for objects that have none.
 */

type Check = (instance: unknown) => boolean;
type Lookup = Readonly<Record<string, Schema | boolean>>;

/** Thrown while checking when the answer cannot be given here; `valid` turns it into undefined. */
const UNKNOWN = Symbol('unknown');

/** Keywords `validate` reads that this does not implement: a node with one is answered by `validate`. */
const UNIMPLEMENTED = [
  '$recursiveRef', '$recursiveAnchor', 'if', 'then', 'else', 'unevaluatedProperties', 'unevaluatedItems', 'propertyNames',
  'dependentRequired', 'dependentSchemas', 'dependencies', 'prefixItems', 'contains', 'minContains', 'maxContains',
] as const;

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/** `validate`'s name for the type of an instance; throws UNKNOWN where `validate` throws. */
function instanceTypeOf(instance: unknown): 'boolean' | 'number' | 'string' | 'null' | 'array' | 'object' {
  switch (typeof instance) {
    case 'boolean': case 'number': case 'string':
      return typeof instance as 'boolean' | 'number' | 'string';
    case 'object':
      return instance === null ? 'null' : Array.isArray(instance) ? 'array' : 'object';
    default:
      throw UNKNOWN;
  }
}

/**
 * Whether every value in `instance` is one `validate` takes (boolean, number, string, null, array,
 * object). Where a false answer does not end the check (below `not`, a failed branch of `anyOf` or
 * `oneOf`), that answer may have come before parts of the instance `validate` goes on to read, and
 * it throws on any other value: there the whole instance is looked at.
 */
function jsonTyped(instance: unknown): boolean {
  switch (typeof instance) {
    case 'boolean': case 'number': case 'string':
      return true;
    case 'object':
      if (instance === null) return true;
      if (Array.isArray(instance)) {
        for (const x of instance) if (!jsonTyped(x)) return false;
        return true;
      }
      for (const key in instance) if (!jsonTyped((instance as Record<string, unknown>)[key])) return false;
      return true;
    default:
      return false;
  }
}

/** `validate`'s multipleOf test (decimal arithmetic on the written digits). */
function decimalInteger(value: number): [bigint, number] {
  const [coefficient, exponent = '0'] = Math.abs(value).toString().split('e');
  const point = coefficient.indexOf('.');
  const fractionLength = point === -1 ? 0 : coefficient.length - point - 1;
  return [BigInt(coefficient.replace('.', '')), Number(exponent) - fractionLength];
}
function isMultipleOf(instance: number, divisor: number): boolean {
  if (!Number.isFinite(instance) || !Number.isFinite(divisor) || divisor <= 0) return false;
  const [ic, ie] = decimalInteger(instance);
  const [dc, de] = decimalInteger(divisor);
  const diff = ie - de;
  return diff >= 0 ? (ic * 10n ** BigInt(diff)) % dc === 0n : ic % (dc * 10n ** BigInt(-diff)) === 0n;
}

/** The `type` keyword as `validate` tests it. */
function typeCheck(type: unknown): ((instance: unknown, t: string) => boolean) | undefined {
  if (type === undefined) return undefined;
  if (Array.isArray(type)) {
    const types = [...type] as unknown[];
    return (instance, t) => types.some((x) => t === x || (x === 'integer' && t === 'number' && (instance as number) % 1 === 0 && instance === instance));
  }
  if (type === 'integer') return (instance, t) => !(t !== 'number' || (instance as number) % 1 || instance !== instance);
  return (_instance, t) => t === type;
}

/** Whether `instance` equals one of `values` as `validate` compares them (enum, const). */
function equalsAny(instance: unknown, t: string, values: readonly unknown[]): boolean {
  return t === 'object' || t === 'array' ? values.some((v) => deepCompareStrict(instance, v)) : values.some((v) => instance === v);
}

/** Whether `pattern` compiles as `validate` compiles it (with the `u` flag). */
function compiles(pattern: unknown): boolean {
  try {
    new RegExp(pattern as string, 'u');
    return true;
  } catch {
    return false;
  }
}

/** The lookup of a document that refers to nothing (`SchemaCheck.withoutLookup`): never read. */
const NO_LOOKUP: Lookup = Object.freeze({});

/**
 * Whether the node `schema` and every node below it that `dereference` registers (its walk, keyword
 * by keyword, with its own tables) refer to nothing and have patterns that compile (see
 * `SchemaCheck.withoutLookup`); `root`: the document's root, whose `$id` names the document.
 */
function selfContained(schema: unknown, root: boolean): boolean {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return true;
  const s = schema as Record<string, unknown>;
  if (!root && (s.$id !== undefined || s.id !== undefined)) return false;
  if (s.$ref !== undefined || s.$recursiveRef !== undefined || s.$anchor !== undefined) return false;
  if (s.pattern !== undefined && !compiles(s.pattern)) return false;
  const patterns = s.patternProperties;
  if (patterns !== undefined && patterns !== null && typeof patterns === 'object' && !Object.keys(patterns).every(compiles)) return false;
  // As dereference walks (for...in, and its tables' own answers for any key).
  for (const key in s) {
    if (ignoredKeyword[key]) continue;
    const sub = s[key];
    if (Array.isArray(sub)) {
      if (schemaArrayKeyword[key]) for (const item of sub) if (!selfContained(item, false)) return false;
    } else if (schemaMapKeyword[key]) {
      if (sub && typeof sub === 'object') for (const k in sub) if (!selfContained((sub as Record<string, unknown>)[k], false)) return false;
    } else if (!selfContained(sub, false)) return false;
  }
  return true;
}

/** Compiled checks of one schema document (one `dereference` lookup). */
export class SchemaCheck {
  private readonly compiled = new WeakMap<object, Check>();
  /** Whether every `$ref` of the document resolves and every pattern compiles (else nothing is answered here). */
  private readonly sound: boolean;

  /** `sound`: whether the document is sound (see there), when the caller knows. @default - found from the lookup */
  public constructor(private readonly lookup: Lookup, sound?: boolean) {
    this.sound = sound ?? SchemaCheck.soundDocument(lookup);
  }

  /**
   * The check of `schema` without its `dereference` lookup, when the document refers to nothing and
   * is sound: no node `dereference` would register (the same walk: its ignored keywords skipped, the
   * lists of schemas, the maps of schemas and every other value followed) has a `$ref`,
   * `$recursiveRef` or `$anchor`, nor below the root an `$id` or `id`, and every pattern in them
   * compiles. Only a `$ref` makes a check read the lookup, so this check answers exactly as
   * `new SchemaCheck(dereference(schema))` does, and `validate`'s lookup can wait until `validate`
   * runs: `dereference` walks every node of the document (about 0.1 s for the large CRD schemas a
   * synth checks objects against), the check only the nodes an object reaches. Undefined when the
   * document does not qualify (the caller dereferences it).
   */
  public static withoutLookup(schema: Schema): SchemaCheck | undefined {
    return selfContained(schema, true) ? new SchemaCheck(NO_LOOKUP, true) : undefined;
  }

  /** Every schema node `validate` can reach is in the lookup (`dereference` registers each): none may make it throw. */
  private static soundDocument(lookup: Lookup): boolean {
    for (const node of Object.values(lookup)) {
      if (!node || typeof node !== 'object') continue;
      const s = node as Record<string, unknown>;
      const ref = s.$ref;
      if (ref !== undefined && lookup[(s.__absolute_ref__ as string | undefined) || (ref as string)] === undefined) return false;
      if (s.pattern !== undefined && !compiles(s.pattern)) return false;
      const patterns = s.patternProperties;
      if (patterns !== undefined && patterns !== null && typeof patterns === 'object' && !Object.keys(patterns).every(compiles)) return false;
    }
    return true;
  }

  /** True when `validate(instance, schema, '7', lookup, false)` finds no error, false when it finds one, undefined when only it can tell. */
  public valid(instance: unknown, schema: Schema | boolean): boolean | undefined {
    if (!this.sound) return undefined;
    try {
      return this.check(schema)(instance);
    } catch {
      return undefined;
    }
  }

  /** The check of a node, compiled when first used (schemas refer to themselves: a node is compiled once, and only when reached). */
  private check(schema: unknown): Check {
    if (schema === true) return () => true;
    if (schema === false) return () => false;
    if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return () => { throw UNKNOWN; };
    const known = this.compiled.get(schema);
    if (known) return known;
    let built: Check | undefined;
    const lazy: Check = (instance) => (built ??= this.build(schema as Record<string, unknown>))(instance);
    this.compiled.set(schema, lazy);
    return lazy;
  }

  private build(s: Record<string, unknown>): Check {
    if (UNIMPLEMENTED.some((k) => s[k] !== undefined)) return () => { throw UNKNOWN; };
    if (s.$ref !== undefined) {
      // Draft 7: the referenced schema alone decides.
      const target = this.check(this.lookup[(s.__absolute_ref__ as string | undefined) || (s.$ref as string)]);
      return (instance) => {
        instanceTypeOf(instance);
        return target(instance);
      };
    }
    const checks: ((instance: unknown, t: string) => boolean)[] = [];
    const type = typeCheck(s.type);
    if (type) checks.push(type);
    if (s.const !== undefined) {
      const values = [s.const];
      checks.push((instance, t) => equalsAny(instance, t, values));
    }
    if (s.enum !== undefined) {
      const values = s.enum as unknown[];
      checks.push((instance, t) => equalsAny(instance, t, values));
    }
    if (s.not !== undefined) {
      const not = this.check(s.not);
      checks.push((instance) => {
        if (!jsonTyped(instance)) throw UNKNOWN;
        return !not(instance);
      });
    }
    if (s.anyOf !== undefined) {
      const subs = (s.anyOf as unknown[]).map((x) => this.check(x));
      checks.push((instance) => {
        let valid = 0;
        for (const c of subs) if (c(instance)) valid++;
        if (valid > 0 && valid < subs.length && !jsonTyped(instance)) throw UNKNOWN;
        return valid > 0;
      });
    }
    if (s.allOf !== undefined) {
      const subs = (s.allOf as unknown[]).map((x) => this.check(x));
      checks.push((instance) => subs.every((c) => c(instance)));
    }
    if (s.oneOf !== undefined) {
      const subs = (s.oneOf as unknown[]).map((x) => this.check(x));
      checks.push((instance) => {
        if (!jsonTyped(instance)) throw UNKNOWN;
        let matches = 0;
        for (const c of subs) if (c(instance)) matches++;
        return matches === 1;
      });
    }
    const objectCheck = this.objectCheck(s);
    if (objectCheck) checks.push((instance, t) => t !== 'object' || objectCheck(instance as Record<string, unknown>));
    const arrayCheck = this.arrayCheck(s);
    if (arrayCheck) checks.push((instance, t) => t !== 'array' || arrayCheck(instance as unknown[]));
    const numberCheck = SchemaCheck.numberCheck(s);
    if (numberCheck) checks.push((instance, t) => t !== 'number' || numberCheck(instance as number));
    const stringCheck = SchemaCheck.stringCheck(s);
    if (stringCheck) checks.push((instance, t) => t !== 'string' || stringCheck(instance as string));
    return (instance) => {
      const t = instanceTypeOf(instance);
      for (const c of checks) if (!c(instance, t)) return false;
      return true;
    };
  }

  private objectCheck(s: Record<string, unknown>): ((o: Record<string, unknown>) => boolean) | undefined {
    const required = s.required as readonly string[] | undefined;
    const minProperties = s.minProperties as number | undefined;
    const maxProperties = s.maxProperties as number | undefined;
    const properties = s.properties !== undefined ? Object.entries(s.properties as object).map(([k, v]) => [k, this.check(v)] as const) : undefined;
    const propertyIndex = properties ? new Map(properties) : undefined;
    const patterns = s.patternProperties !== undefined ? Object.entries(s.patternProperties as object).map(([p, v]) => [new RegExp(p, 'u'), this.check(v)] as const) : undefined;
    const additional = s.additionalProperties !== undefined ? this.check(s.additionalProperties) : undefined;
    if (!required && minProperties === undefined && maxProperties === undefined && !properties && !patterns && !additional) return undefined;
    return (o) => {
      if (required) for (const key of required) if (!hasOwn(o, key)) return false;
      if (minProperties !== undefined || maxProperties !== undefined) {
        const n = Object.keys(o).length;
        if (minProperties !== undefined && n < minProperties) return false;
        if (maxProperties !== undefined && n > maxProperties) return false;
      }
      if (properties && properties.length) {
        // Few keys in the instance, many properties in the schema: look each key up.
        for (const key in o) {
          if (!hasOwn(o, key)) continue;
          const c = propertyIndex!.get(key);
          if (c && !c(o[key])) return false;
        }
      }
      if (patterns) {
        for (const [regex, c] of patterns) {
          for (const key in o) if (regex.test(key) && !c(o[key])) return false;
        }
      }
      if (additional) {
        for (const key in o) {
          if (propertyIndex && hasOwn(o, key) && propertyIndex.has(key)) continue;
          if (patterns && patterns.some(([regex]) => regex.test(key))) continue;
          if (!additional(o[key])) return false;
        }
      }
      return true;
    };
  }

  private arrayCheck(s: Record<string, unknown>): ((a: unknown[]) => boolean) | undefined {
    const minItems = s.minItems as number | undefined;
    const maxItems = s.maxItems as number | undefined;
    const unique = !!s.uniqueItems;
    const items = s.items;
    const tuple = Array.isArray(items) ? items.map((x) => this.check(x)) : undefined;
    const each = items !== undefined && !tuple ? this.check(items) : undefined;
    const additional = items !== undefined && s.additionalItems !== undefined ? this.check(s.additionalItems) : undefined;
    if (minItems === undefined && maxItems === undefined && !unique && items === undefined) return undefined;
    return (a) => {
      if (maxItems !== undefined && a.length > maxItems) return false;
      if (minItems !== undefined && a.length < minItems) return false;
      let i = 0;
      if (tuple) for (; i < Math.min(tuple.length, a.length); i++) if (!tuple[i](a[i])) return false;
      if (each) for (; i < a.length; i++) if (!each(a[i])) return false;
      if (additional) for (; i < a.length; i++) if (!additional(a[i])) return false;
      if (unique) {
        for (let j = 0; j < a.length; j++) {
          const x = a[j];
          const xo = typeof x === 'object' && x !== null;
          for (let k = j + 1; k < a.length; k++) {
            const y = a[k];
            if (x === y || (xo && typeof y === 'object' && y !== null && deepCompareStrict(x, y))) return false;
          }
        }
      }
      return true;
    };
  }

  private static numberCheck(s: Record<string, unknown>): ((n: number) => boolean) | undefined {
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = s as Record<string, number | undefined>;
    if (minimum === undefined && maximum === undefined && exclusiveMinimum === undefined && exclusiveMaximum === undefined && multipleOf === undefined) return undefined;
    return (n) => !(
      (minimum !== undefined && n < minimum) || (maximum !== undefined && n > maximum)
      || (exclusiveMinimum !== undefined && n <= exclusiveMinimum) || (exclusiveMaximum !== undefined && n >= exclusiveMaximum)
      || (multipleOf !== undefined && !isMultipleOf(n, multipleOf)));
  }

  private static stringCheck(s: Record<string, unknown>): ((text: string) => boolean) | undefined {
    const minLength = s.minLength as number | undefined;
    const maxLength = s.maxLength as number | undefined;
    const pattern = s.pattern !== undefined ? new RegExp(s.pattern as string, 'u') : undefined;
    const formats = FORMATS as Record<string, ((text: string) => boolean) | undefined>;
    const name = s.format as string | undefined;
    const format = name !== undefined && formats[name] ? formats[name] : undefined;
    if (minLength === undefined && maxLength === undefined && !pattern && !format) return undefined;
    return (text) => {
      if (minLength !== undefined || maxLength !== undefined) {
        const length = ucs2length(text);
        if (minLength !== undefined && length < minLength) return false;
        if (maxLength !== undefined && length > maxLength) return false;
      }
      if (pattern && !pattern.test(text)) return false;
      if (format && !format(text)) return false;
      return true;
    };
  }
}
