/**
 * Plain JSON as read back from rendered YAML, and Kubernetes objects in it: the types, the map
 * test, path lookup and an object's identity. The bottom floor of lib/: this folder imports
 * nothing else from lib/.
 */

/**
 * A JSON map, the one JSON type of lib/: its fields are `unknown` and checked where they are
 * read, with the typed accessors below (`mapAt`, `mapsAt`, `stringAt`, ...) rather than casts.
 */
export type JsonMap = Record<string, unknown>;

/** A path below a value: `a.b.c`, or its segments. */
export type ValuePath = string | readonly (string | number)[];

/** Whether `v` is a JSON map (an object, not an array, not null). */
export function isMap(v: unknown): v is JsonMap {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The segments of dotted paths met so far (a few hundred distinct ones: paths are written in the code). */
const segments = new Map<string, readonly string[]>();
/** Bounds `segments`, should paths ever be built from data. */
const MAX_PATHS = 10_000;

/** `path.split('.')`, remembered: valueAt is called millions of times with the same few paths. */
function segmentsOf(path: string): readonly string[] {
  let s = segments.get(path);
  if (s === undefined) {
    s = path.split('.');
    if (segments.size < MAX_PATHS) segments.set(path, s);
  }
  return s;
}

/**
 * The value at `path` (`a.b.c`, or the segments) below `value`: maps by their own keys, lists by
 * index (`containers.0.image`); undefined when any step is missing.
 */
export function valueAt(value: unknown, path: ValuePath): unknown {
  let cur: unknown = value;
  for (const seg of typeof path === 'string' ? segmentsOf(path) : path) {
    if (Array.isArray(cur)) {
      const i = typeof seg === 'number' ? seg : /^\d+$/.test(seg) ? Number(seg) : -1;
      if (!Number.isInteger(i) || i < 0 || i >= cur.length) return undefined;
      cur = cur[i];
    } else if (isMap(cur) && Object.prototype.hasOwnProperty.call(cur, seg)) {
      cur = cur[seg];
    } else {
      return undefined;
    }
  }
  return cur;
}

/** `v` when it is a JSON map, else undefined. */
export function asMap(v: unknown): JsonMap | undefined {
  return isMap(v) ? v : undefined;
}

/** The maps of `v` when it is a list (its other entries skipped); [] when it is no list. */
export function asMaps(v: unknown): JsonMap[] {
  return Array.isArray(v) ? v.filter(isMap) : [];
}

/** `v` when it is a list, else []. */
export function asList(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The map at `path` below `value`; undefined when missing or not a map. */
export function mapAt(value: unknown, path: ValuePath): JsonMap | undefined {
  return asMap(valueAt(value, path));
}

/** The maps of the list at `path` below `value` (other entries skipped); [] when there is no list. */
export function mapsAt(value: unknown, path: ValuePath): JsonMap[] {
  return asMaps(valueAt(value, path));
}

/** The list at `path` below `value`; [] when missing or not a list. */
export function listAt(value: unknown, path: ValuePath): readonly unknown[] {
  return asList(valueAt(value, path));
}

/** The string at `path` below `value`; undefined when missing or not a string. */
export function stringAt(value: unknown, path: ValuePath): string | undefined {
  const v = valueAt(value, path);
  return typeof v === 'string' ? v : undefined;
}

/** The number at `path` below `value`; undefined when missing or not a number. */
export function numberAt(value: unknown, path: ValuePath): number | undefined {
  const v = valueAt(value, path);
  return typeof v === 'number' ? v : undefined;
}

/** The string-valued entries of the map at `path` below `value` (labels, annotations); undefined when there is no map. */
export function stringMapAt(value: unknown, path: ValuePath): Record<string, string> | undefined {
  const m = mapAt(value, path);
  if (!m) return undefined;
  // As Object.fromEntries of its string entries, in their order, without the pairs in between.
  const out: Record<string, string> = {};
  for (const k of Object.keys(m)) {
    const v = m[k];
    if (typeof v !== 'string') continue;
    // A key "__proto__" is an own field, as Object.fromEntries makes it, not the prototype.
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}

/** Splits `apiVersion` into group and version (`v1` -> core group ""). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** The API group of an `apiVersion` (core group "", also for a missing one). */
export function apiGroup(apiVersion: unknown): string {
  const v = typeof apiVersion === 'string' ? apiVersion : String(apiVersion ?? '');
  const i = v.lastIndexOf('/');
  return i < 0 ? '' : v.slice(0, i);
}

/** Whether `obj` is one of `kinds` of API `group` (core group is ""). */
export function isKind(obj: JsonMap | undefined, group: string, ...kinds: readonly string[]): boolean {
  return !!obj && typeof obj.kind === 'string' && kinds.includes(obj.kind) && apiGroup(obj.apiVersion) === group;
}

/** Whether an object of `apiVersion` and `kind` is a CustomResourceDefinition (of API group apiextensions.k8s.io). */
export function isCrdType(apiVersion: unknown, kind: unknown): boolean {
  return kind === 'CustomResourceDefinition' && apiGroup(apiVersion) === 'apiextensions.k8s.io';
}

/** Whether `obj` is a CustomResourceDefinition (`isCrdType`). */
export function isCrd(obj: JsonMap | undefined): boolean {
  return !!obj && isCrdType(obj.apiVersion, obj.kind);
}

/** The object in messages: `apiVersion Kind namespace/name`. */
export function describeObject(obj: unknown): string {
  const ns = valueAt(obj, 'metadata.namespace');
  // A part that is missing is said so, not printed as "undefined" (a malformed object's findings name it too).
  const part = (p: string, missing: string) => {
    const v = valueAt(obj, p);
    return v === undefined || v === null ? missing : String(v);
  };
  return `${part('apiVersion', '(no apiVersion)')} ${part('kind', '(no kind)')} ${ns ? `${ns}/` : ''}${part('metadata.name', '(no name)')}`;
}

/** What names one object across versions of its API: `group/Kind/namespace/name`. */
export function identity(obj: JsonMap): string {
  return `${apiGroup(obj.apiVersion)}/${obj.kind}/${valueAt(obj, 'metadata.namespace') ?? ''}/${valueAt(obj, 'metadata.name')}`;
}
