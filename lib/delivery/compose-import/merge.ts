/**
 * Merging several compose files (`-f a.yml -f b.yml`) as the compose specification's merge rules
 * say: mappings merge key by key (the later file wins); `command`, `entrypoint` and
 * `healthcheck.test` are replaced; `ports`, `expose`, `dns`, `dns_search`, `tmpfs`,
 * `external_links` keep every distinct entry; `volumes` and `devices` are merged by their target
 * path, `secrets` and `configs` by their target (else source); `environment`, `labels`,
 * `extra_hosts`, `sysctls`, `annotations` are read as maps whatever their form; `depends_on` and
 * `networks` lists are read as maps. Other sequences are appended. Pure.
 */
import { isMap, JsonMap } from '../../k8s/manifest';

/** Service keys whose value the later file replaces as a whole. */
const REPLACED = new Set(['command', 'entrypoint']);
/** Service keys merged as sets of distinct entries. */
const UNIQUE = new Set(['ports', 'expose', 'dns', 'dns_search', 'tmpfs', 'external_links']);
/** Service keys written as `KEY=value` lists or maps, merged as maps. */
const KEY_VALUE = new Set(['environment', 'labels', 'extra_hosts', 'sysctls', 'annotations']);
/** Service keys written as name lists or maps, merged as maps. */
const NAME_MAPS = new Set(['depends_on', 'networks']);

/** `A=b` / `A: b` lists and maps as one map (`A` alone maps to null). */
function keyValueMap(value: unknown, separator = '='): JsonMap {
  if (isMap(value)) return { ...value };
  const out: JsonMap = {};
  for (const item of Array.isArray(value) ? value : []) {
    const s = String(item);
    const i = s.indexOf(separator);
    if (i < 0) out[s] = null;
    else out[s.slice(0, i)] = s.slice(i + 1);
  }
  return out;
}

/** `[a, b]` as `{ a: {}, b: {} }`; a map stays a map. */
function nameMap(value: unknown): JsonMap {
  if (isMap(value)) return { ...value };
  return Object.fromEntries((Array.isArray(value) ? value : []).map((n) => [String(n), {}]));
}

/** The target path of a `volumes:` / `devices:` entry (short `src:target[:mode]` or long form). */
function mountTarget(entry: unknown): string {
  if (isMap(entry)) return String(entry.target ?? '');
  const parts = String(entry).split(':');
  return parts.length === 1 ? parts[0] : parts[1];
}

/** The key a `secrets:` / `configs:` entry merges by. */
function fileTarget(entry: unknown): string {
  if (isMap(entry)) return String(entry.target ?? entry.source ?? '');
  return String(entry);
}

/** Entries of `base` and `over` with one entry per key, the later one winning (order: first seen). */
function mergeBy(base: unknown, over: unknown, key: (e: unknown) => string): unknown[] {
  const out = new Map<string, unknown>();
  for (const e of [...(Array.isArray(base) ? base : []), ...(Array.isArray(over) ? over : [])]) out.set(key(e), e);
  return [...out.values()];
}

/** Two values merged as plain YAML: maps key by key, sequences appended, scalars replaced. */
function mergePlain(base: unknown, over: unknown): unknown {
  if (isMap(base) && isMap(over)) {
    const out: JsonMap = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergePlain(base[k], v) : v;
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over)) return [...base, ...over];
  return over;
}

/** One service of a later file merged over the same service of an earlier one. */
export function mergeService(base: JsonMap, over: JsonMap): JsonMap {
  const out: JsonMap = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (!(key in base) || value === null) out[key] = value;
    else if (REPLACED.has(key)) out[key] = value;
    else if (UNIQUE.has(key)) {
      const seen = new Map<string, unknown>();
      for (const e of [...(Array.isArray(base[key]) ? base[key] as unknown[] : []), ...(Array.isArray(value) ? value : [])]) seen.set(JSON.stringify(e), e);
      out[key] = [...seen.values()];
    } else if (key === 'volumes' || key === 'devices') out[key] = mergeBy(base[key], value, mountTarget);
    else if (key === 'secrets' || key === 'configs') out[key] = mergeBy(base[key], value, fileTarget);
    else if (KEY_VALUE.has(key)) out[key] = { ...keyValueMap(base[key], key === 'extra_hosts' ? ':' : '='), ...keyValueMap(value, key === 'extra_hosts' ? ':' : '=') };
    else if (NAME_MAPS.has(key)) out[key] = mergePlain(nameMap(base[key]), nameMap(value));
    else if (key === 'healthcheck' && isMap(base[key]) && isMap(value)) out[key] = { ...base[key] as JsonMap, ...value };
    else out[key] = mergePlain(base[key], value);
  }
  return out;
}

/** Several parsed compose files merged into one, in order (services by name, top-level maps key by key). */
export function mergeComposeFiles(files: readonly unknown[]): JsonMap {
  let out: JsonMap = {};
  for (const file of files) {
    if (!isMap(file)) continue;
    for (const [key, value] of Object.entries(file)) {
      if (key === 'services' && isMap(value)) {
        const services: JsonMap = { ...(isMap(out.services) ? out.services : {}) };
        for (const [name, spec] of Object.entries(value)) {
          const prev = services[name];
          services[name] = isMap(prev) && isMap(spec) ? mergeService(prev, spec) : (spec ?? prev ?? {});
        }
        out = { ...out, services };
      } else {
        out = { ...out, [key]: key in out ? mergePlain(out[key], value) : value };
      }
    }
  }
  return out;
}
