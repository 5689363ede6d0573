import { isCrd, isMap, JsonMap, listAt, mapAt, valueAt } from '../k8s/manifest';
import { diffFields, isEqual, joinKey } from './field-diff';
import type { CrdChange, CrdVersionChange, CrdVersionInfo, FieldChange, SchemaField, SchemaFieldChange } from './model';

/**
 * CustomResourceDefinitions, summarised: a chart bump often rewrites thousands of lines of
 * `openAPIV3Schema`, which a field diff would list key by key (`properties.spec.properties.…`).
 * Instead each version's schema is read as the fields it defines (`spec.ports[].name`) and the
 * diff says which fields came, went or changed, per version, with versions added or removed and
 * `served`/`storage` flags that moved. Every other field of a CRD is diffed as usual.
 */

/** One step from a schema node to a node below it. */
type Step = { readonly property: string } | { readonly items: true } | { readonly values: true };

/** A field a schema defines. */
interface SchemaEntry {
  readonly node: JsonMap;
  /** The nearest enclosing field (absent at the top). */
  readonly parent?: string;
  /** How to reach it from the root. */
  readonly steps: readonly Step[];
}

/** Where the fields of a list's items (`[]`) and a map's values (`.*`) hang in a dot path. */
const ITEMS = '[]';
const VALUES = '.*';

/**
 * Every field of an OpenAPI v3 schema by dot path, in schema order: `spec`, `spec.ports`,
 * `spec.ports[].name` (list items), `spec.labels.*.value` (map values). `allOf`/`anyOf`/`oneOf`/`not`
 * add no fields (in a structural schema they may only restate fields defined in `properties`).
 */
export function schemaFields(schema: unknown): Map<string, SchemaEntry> {
  const out = new Map<string, SchemaEntry>();
  const walk = (node: unknown, path: string, parent: string | undefined, steps: readonly Step[]) => {
    if (!isMap(node)) return;
    if (isMap(node.properties)) {
      for (const [key, child] of Object.entries(node.properties)) {
        if (!isMap(child)) continue;
        const p = joinKey(path, key);
        const s = [...steps, { property: key }];
        out.set(p, { node: child, ...(parent !== undefined ? { parent } : {}), steps: s });
        walk(child, p, p, s);
      }
    }
    if (isMap(node.items)) walk(node.items, `${path}${ITEMS}`, parent, [...steps, { items: true }]);
    if (isMap(node.additionalProperties)) walk(node.additionalProperties, `${path}${VALUES}`, parent, [...steps, { values: true }]);
  };
  walk(schema, '', undefined, []);
  return out;
}

/** A node's own keywords: everything but the fields below it; item and value schemas' own keywords prefixed (`items.type`). */
function ownKeywords(node: JsonMap, prefix = '', out: Map<string, unknown> = new Map()): Map<string, unknown> {
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && isMap(value)) continue;
    if ((key === 'items' || key === 'additionalProperties') && isMap(value)) ownKeywords(value, `${prefix}${key}.`, out);
    else out.set(`${prefix}${key}`, value);
  }
  return out;
}

/** The keywords that differ between two nodes' own definitions, sorted. */
function changedKeywords(a: JsonMap, b: JsonMap): string[] {
  const ka = ownKeywords(a);
  const kb = ownKeywords(b);
  return [...new Set([...ka.keys(), ...kb.keys()])].filter((k) => !isEqual(ka.get(k), kb.get(k))).sort();
}

/** The outermost of a set of fields, each with how many of the set lie below it. */
function outermost(paths: readonly string[], entries: ReadonlyMap<string, SchemaEntry>): SchemaField[] {
  const set = new Set(paths);
  const nested = new Map<string, number>();
  for (const p of paths) {
    let top = p;
    for (let up = entries.get(top)?.parent; up !== undefined && set.has(up); up = entries.get(up)?.parent) top = up;
    if (top !== p) nested.set(top, (nested.get(top) ?? 0) + 1);
  }
  return paths.filter((p) => {
    const parent = entries.get(p)?.parent;
    return parent === undefined || !set.has(parent);
  }).map((path) => ({ path, nested: nested.get(path) ?? 0 }));
}

/** One entry of a CRD's `spec.versions`, named. */
type CrdVersion = JsonMap & { readonly name: string };

/** A CRD's versions by name, or undefined when `spec.versions` is not a list of uniquely named maps. */
function versionsOf(obj: JsonMap): Map<string, CrdVersion> | undefined {
  const list = valueAt(obj, 'spec.versions');
  if (!Array.isArray(list)) return undefined;
  const out = new Map<string, CrdVersion>();
  for (const v of list) {
    if (!isMap(v) || typeof v.name !== 'string' || out.has(v.name)) return undefined;
    out.set(v.name, v as CrdVersion);
  }
  return out;
}

function schemaOf(version: JsonMap): unknown {
  return isMap(version.schema) ? version.schema.openAPIV3Schema : undefined;
}

function info(version: CrdVersion, fields: number = schemaFields(schemaOf(version)).size): CrdVersionInfo {
  return { name: version.name, served: version.served === true, storage: version.storage === true, fields };
}

function storageVersion(versions: ReadonlyMap<string, CrdVersion>): string | undefined {
  return [...versions.values()].find((v) => v.storage === true)?.name;
}

/** How one version on both sides changed; undefined when it did not. */
function versionChange(a: CrdVersion, b: CrdVersion): CrdVersionChange | undefined {
  const sa = schemaOf(a);
  const sb = schemaOf(b);
  const sameSchema = isEqual(sa, sb);
  if (sameSchema && (a.served === true) === (b.served === true) && (a.storage === true) === (b.storage === true)) return undefined;
  const fa = schemaFields(sa);
  const fb = schemaFields(sb);
  const fieldsChanged: SchemaFieldChange[] = [];
  if (!sameSchema) {
    if (isMap(sa) && isMap(sb)) {
      const root = changedKeywords(sa, sb);
      if (root.length) fieldsChanged.push({ path: '(root)', keywords: root });
    }
    for (const [path, eb] of fb) {
      const ea = fa.get(path);
      if (!ea) continue;
      const keywords = changedKeywords(ea.node, eb.node);
      if (keywords.length) fieldsChanged.push({ path, keywords });
    }
  }
  return {
    name: b.name,
    before: info(a, fa.size),
    after: info(b, fb.size),
    fieldsAdded: outermost([...fb.keys()].filter((p) => !fa.has(p)), fb),
    fieldsRemoved: outermost([...fa.keys()].filter((p) => !fb.has(p)), fa),
    fieldsChanged,
  };
}

function computeCrdChange(before: JsonMap, after: JsonMap): CrdChange | undefined {
  if (!isCrd(before) || !isCrd(after)) return undefined;
  const va = versionsOf(before);
  const vb = versionsOf(after);
  if (!va || !vb) return undefined;
  const versionsAdded = [...vb.values()].filter((v) => !va.has(v.name)).map((v) => info(v));
  const versionsRemoved = [...va.values()].filter((v) => !vb.has(v.name)).map((v) => info(v));
  const versions: CrdVersionChange[] = [];
  for (const [name, b] of vb) {
    const a = va.get(name);
    const change = a && versionChange(a, b);
    if (change) versions.push(change);
  }
  const sa = storageVersion(va);
  const sb = storageVersion(vb);
  const storage = sa !== sb ? { storage: { ...(sa !== undefined ? { before: sa } : {}), ...(sb !== undefined ? { after: sb } : {}) } } : {};
  if (!versionsAdded.length && !versionsRemoved.length && !versions.length && sa === sb) return undefined;
  return { versionsAdded, versionsRemoved, versions, ...storage };
}

/** One result per pair of objects: the engine and the risk rules ask about the same pair. */
const memo = new WeakMap<object, { after: object; change: CrdChange | undefined }>();

/**
 * What changed in the versions of a CustomResourceDefinition on both sides: versions added or
 * removed, and per version on both sides its `served`/`storage` flags and the fields of its
 * schema. Undefined when the objects are not CRDs, their versions are not uniquely named, or
 * nothing of that changed.
 */
export function crdChange(before: JsonMap, after: JsonMap): CrdChange | undefined {
  const hit = memo.get(before);
  if (hit && hit.after === after) return hit.change;
  const change = computeCrdChange(before, after);
  memo.set(before, { after, change });
  return change;
}

/** A copy of a CRD without the schemas of its versions (the summary covers them). */
function withoutSchemas(obj: JsonMap): JsonMap {
  return {
    ...obj,
    spec: {
      ...mapAt(obj, 'spec'),
      versions: listAt(obj, 'spec.versions').map((v) => {
        if (!isMap(v) || !isMap(v.schema) || !('openAPIV3Schema' in v.schema)) return v;
        const schema: JsonMap = { ...v.schema };
        delete schema.openAPIV3Schema;
        const version: JsonMap = { ...v };
        if (Object.keys(schema).length) version.schema = schema;
        else delete version.schema;
        return version;
      }),
    },
  };
}

/**
 * The changes of an object on both sides: its field changes, and for a CustomResourceDefinition
 * whose versions changed, the summary of that (`crd`) in place of the raw field changes of the
 * version schemas, of the versions added or removed, and of their `served`/`storage` flags.
 */
export function diffObject(before: JsonMap, after: JsonMap): { fields: FieldChange[]; crd?: CrdChange } {
  const crd = crdChange(before, after);
  if (!crd) return { fields: diffFields(before, after) };
  const summarised = new Set<string>();
  const at = (name: string) => `spec.versions[name=${name}]`;
  for (const v of [...crd.versionsAdded, ...crd.versionsRemoved]) summarised.add(at(v.name));
  for (const v of crd.versions) {
    if (v.before.served !== v.after.served) summarised.add(`${at(v.name)}.served`);
    if (v.before.storage !== v.after.storage) summarised.add(`${at(v.name)}.storage`);
  }
  const fields = diffFields(withoutSchemas(before), withoutSchemas(after)).filter((c) => !summarised.has(c.path));
  return { fields, crd };
}

/**
 * Fields removed from one version's schema whose data the API server prunes from stored
 * objects: outermost fields only, leaving out `status` (its controller writes it afresh) and
 * fields whose enclosing object keeps unknown fields in the head (`x-kubernetes-preserve-unknown-fields`).
 */
export function prunedFields(before: JsonMap, after: JsonMap, version: string): SchemaField[] {
  const change = crdChange(before, after)?.versions.find((v) => v.name === version);
  if (!change || !change.fieldsRemoved.length) return [];
  const base = schemaFields(schemaOf(versionsOf(before)?.get(version) ?? {}));
  const head: unknown = schemaOf(versionsOf(after)?.get(version) ?? {});
  return change.fieldsRemoved.filter((f) => {
    const steps = base.get(f.path)?.steps ?? [];
    if (steps.length === 0 || ('property' in steps[0] && steps[0].property === 'status')) return false;
    // The object that held the field, as the head has it.
    let node: unknown = head;
    for (const step of steps.slice(0, -1)) {
      if (!isMap(node)) break;
      node = 'property' in step ? (isMap(node.properties) ? node.properties[step.property] : undefined) : 'items' in step ? node.items : node.additionalProperties;
    }
    return !(isMap(node) && node['x-kubernetes-preserve-unknown-fields'] === true);
  });
}
