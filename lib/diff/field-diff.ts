import { isMap, JsonMap } from '../k8s/manifest';
import type { FieldChange } from './model';

/**
 * Field-by-field comparison of two JSON-like values (what YAML parses into).
 *
 * - Maps: keys on both sides are compared recursively; a key on one side only is one
 *   `added`/`removed` change carrying the whole subtree, or one per leaf when the subtree is a
 *   map of at most 4 leaves (`metadata.annotations["a/b"]: added "x"`).
 * - Lists of maps that all carry a unique string `name` (containers, env, ports, volumes) are
 *   matched by name: `containers[name=app].image`; a changed order alone is one `reordered`
 *   change.
 * - Other lists of maps are compared by index: `rules[0].matches`, extra items added/removed.
 * - Lists of scalars, mixed lists and type changes are one `changed` entry with both values.
 */
export function diffFields(before: unknown, after: unknown, root = ''): FieldChange[] {
  const out: FieldChange[] = [];
  diffValue(before, after, root, out);
  return out;
}

/** Deep equality of JSON-like values (maps compared by keys, not key order). */
export function isEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!isEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k) || !isEqual((a as JsonMap)[k], (b as JsonMap)[k])) return false;
  }
  return true;
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Appends a map key to a path: `.key`, or `["a.b/c"]` when the key is not a plain word. */
export function joinKey(path: string, key: string): string {
  if (PLAIN_KEY.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/** Names of a list whose items are all maps with a string `name`, unique; otherwise undefined. */
function uniqueNames(list: readonly unknown[]): string[] | undefined {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const item of list) {
    if (!isMap(item) || typeof item.name !== 'string' || seen.has(item.name)) return undefined;
    seen.add(item.name);
    names.push(item.name);
  }
  return names;
}

/** Leaves of a value, counting empty maps and lists as one; stops counting past `limit`. */
function leaves(v: unknown, limit: number): number {
  if (Array.isArray(v)) return 1;
  if (!isMap(v)) return 1;
  let n = 0;
  for (const x of Object.values(v)) {
    n += leaves(x, limit - n);
    if (n > limit) break;
  }
  return Math.max(n, 1);
}

/** A map added or removed as a whole is listed leaf by leaf when it has this few leaves. */
const EXPAND_LEAVES = 4;

function isSmallMap(v: unknown): boolean {
  return isMap(v) && Object.keys(v).length > 0 && leaves(v, EXPAND_LEAVES) <= EXPAND_LEAVES;
}

function diffValue(a: unknown, b: unknown, path: string, out: FieldChange[]): void {
  if (a === b) return;
  if (isMap(a) && isMap(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of [...keys].sort()) {
      const p = joinKey(path, key);
      const inA = Object.prototype.hasOwnProperty.call(a, key);
      const inB = Object.prototype.hasOwnProperty.call(b, key);
      if (inA && inB) diffValue(a[key], b[key], p, out);
      else if (inB) {
        if (isSmallMap(b[key])) diffValue({}, b[key], p, out);
        else out.push({ path: p, op: 'added', after: b[key] });
      } else if (isSmallMap(a[key])) diffValue(a[key], {}, p, out);
      else out.push({ path: p, op: 'removed', before: a[key] });
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    diffList(a, b, path, out);
    return;
  }
  if (!isEqual(a, b)) out.push({ path, op: 'changed', before: a, after: b });
}

function diffList(a: readonly unknown[], b: readonly unknown[], path: string, out: FieldChange[]): void {
  if (isEqual(a, b)) return;
  const namesA = uniqueNames(a);
  const namesB = namesA ? uniqueNames(b) : undefined;
  if (namesA && namesB) {
    const byName = new Map(a.map((item) => [(item as JsonMap).name as string, item]));
    const inB = new Set(namesB);
    const common = namesA.filter((n) => inB.has(n));
    const commonInB = namesB.filter((n) => byName.has(n));
    if (common.join('\0') !== commonInB.join('\0')) out.push({ path, op: 'reordered', before: common, after: commonInB });
    for (const item of b) {
      const name = (item as JsonMap).name as string;
      const p = `${path}[name=${name}]`;
      if (byName.has(name)) diffValue(byName.get(name), item, p, out);
      else out.push({ path: p, op: 'added', after: item });
    }
    for (const item of a) {
      const name = (item as JsonMap).name as string;
      if (!inB.has(name)) out.push({ path: `${path}[name=${name}]`, op: 'removed', before: item });
    }
    return;
  }
  if (a.every(isMap) && b.every(isMap)) {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const p = `${path}[${i}]`;
      if (i >= a.length) out.push({ path: p, op: 'added', after: b[i] });
      else if (i >= b.length) out.push({ path: p, op: 'removed', before: a[i] });
      else diffValue(a[i], b[i], p, out);
    }
    return;
  }
  out.push({ path, op: 'changed', before: a, after: b });
}
