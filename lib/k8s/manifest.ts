/**
 * Plain JSON as read back from rendered YAML, and Kubernetes objects in it: the types, the map
 * test, path lookup and an object's identity. The bottom floor of lib/: this folder imports
 * nothing else from lib/.
 */

/** A JSON map whose fields are checked where they are read: use this where the code permits. */
export type JsonMap = Record<string, unknown>;

/**
 * A JSON map read without checks (`obj.spec?.template?.spec`), for code that walks rendered
 * objects field by field and checks the values it takes. The one `any` alias of lib/.
 */
export type JsonAny = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Whether `v` is a JSON map (an object, not an array, not null). */
export function isMap(v: unknown): v is JsonMap {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The value at `path` (`a.b.c`, or the segments) below `value`: maps by their own keys, lists by
 * index (`containers.0.image`); undefined when any step is missing.
 */
export function valueAt(value: unknown, path: string | readonly (string | number)[]): unknown {
  let cur: unknown = value;
  for (const seg of typeof path === 'string' ? path.split('.') : path) {
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

/** Splits `apiVersion` into group and version (`v1` -> core group ""). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** The API group of an `apiVersion` (core group "", also for a missing one). */
export function apiGroup(apiVersion: unknown): string {
  return splitApiVersion(String(apiVersion ?? '')).group;
}

/** Whether `obj` is one of `kinds` of API `group` (core group is ""). */
export function isKind(obj: JsonMap | undefined, group: string, ...kinds: readonly string[]): boolean {
  return !!obj && typeof obj.kind === 'string' && kinds.includes(obj.kind) && apiGroup(obj.apiVersion) === group;
}

/** The object in messages: `apiVersion Kind namespace/name`. */
export function describeObject(obj: JsonAny): string {
  const ns = obj?.metadata?.namespace;
  return `${obj?.apiVersion} ${obj?.kind} ${ns ? `${ns}/` : ''}${obj?.metadata?.name}`;
}

/** What names one object across versions of its API: `group/Kind/namespace/name`. */
export function identity(obj: JsonAny): string {
  return `${apiGroup(obj.apiVersion)}/${obj.kind}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}`;
}
