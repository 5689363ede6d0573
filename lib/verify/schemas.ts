import { dereference, OutputUnit, Schema, validate } from '@cfworker/json-schema';
import * as fs from 'fs';
import * as path from 'path';
import { crdSchemaFile, KUBERNETES_DEFINITIONS, splitApiVersion } from './kinds';

/** The vendored schemas (`npm run schemas` refreshes them from ../shared/schemas). */
export const DEFAULT_SCHEMAS_DIR = path.resolve(__dirname, '..', '..', 'imports', 'schemas');

type Json = Record<string, unknown>;
type Lookup = ReturnType<typeof dereference>;

/** Base URI the Kubernetes definitions are registered under. */
const K8S_URI = 'https://schemas.platform.tsys/kubernetes.json';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/**
 * Closes every object schema that lists its properties, as the API server does under
 * `kubectl apply --validate=strict`: unknown fields are rejected.
 */
export function closeObjects(schema: unknown): void {
  if (Array.isArray(schema)) {
    schema.forEach(closeObjects);
    return;
  }
  if (!schema || typeof schema !== 'object') return;
  const s = schema as Json;
  if (s.properties && s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) {
    s.additionalProperties = false;
  }
  for (const value of Object.values(s)) closeObjects(value);
}

/** A schema problem in one object: the field path and what is wrong. */
export interface SchemaProblem {
  readonly field: string;
  readonly message: string;
}

/** `#/spec/ports/0/targetPort` -> `spec.ports[0].targetPort`. */
function fieldOf(location: string): string {
  return location.replace(/^#\/?/, '').split('/').filter(Boolean)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

/** Turns the validator's output units into one plain message per problem. */
function problemsOf(errors: readonly OutputUnit[]): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const types = new Map<string, Set<string>>();
  for (const e of errors) {
    const field = fieldOf(e.instanceLocation);
    switch (e.keyword) {
      case 'additionalProperties': {
        const name = /Property "(.*)" does not match/.exec(e.error)?.[1] ?? '?';
        out.push({ field, message: `unknown field "${name}"` });
        break;
      }
      case 'required': {
        const name = /required property "(.*)"/.exec(e.error)?.[1] ?? '?';
        out.push({ field, message: `missing required field "${name}"` });
        break;
      }
      case 'type': {
        const expected = /Expected "(.*)"/.exec(e.error)?.[1] ?? '?';
        types.set(field, (types.get(field) ?? new Set()).add(expected));
        break;
      }
      // Wrappers that only say "a part below failed": the part below is reported itself.
      case 'properties': case '$ref': case 'false': case 'items': case 'allOf': case 'additionalItems':
        break;
      case 'oneOf': case 'anyOf':
        if (!errors.some((x) => x.keyword === 'type' && x.instanceLocation === e.instanceLocation)) out.push({ field, message: e.error });
        break;
      default:
        out.push({ field, message: e.error });
    }
  }
  for (const [field, expected] of types) out.push({ field, message: `must be ${[...expected].join(' or ')}` });
  const seen = new Set<string>();
  return out.filter((p) => !seen.has(`${p.field}|${p.message}`) && !!seen.add(`${p.field}|${p.message}`));
}

/**
 * Strict offline validation against the Kubernetes v1.33 definitions and the CRD schemas.
 * Schemas are interpreted, not compiled: the CRD schemas are large (Argo CD's Application
 * alone takes about a second to compile), while each rendered object takes well under a
 * millisecond to check.
 */
export class SchemaRegistry {
  private readonly lookup: Lookup;
  private readonly gvkIndex = new Map<string, string>();
  private readonly crds = new Map<string, { schema: Schema; lookup: Lookup } | null>();

  constructor(private readonly dir: string = DEFAULT_SCHEMAS_DIR) {
    const file = path.join(dir, KUBERNETES_DEFINITIONS);
    if (!fs.existsSync(file)) throw new Error(`no Kubernetes schemas at ${file}; run npm run schemas`);
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { definitions: Record<string, Json> };
    closeObjects(doc.definitions);
    for (const [name, def] of Object.entries(doc.definitions)) {
      for (const gvk of (def['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[] | undefined) ?? []) {
        this.gvkIndex.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, name);
      }
    }
    this.lookup = dereference({ $id: K8S_URI, definitions: doc.definitions } as Schema);
  }

  /** True when `apiVersion`/`kind` is a built-in Kubernetes kind. */
  public isCoreKind(apiVersion: string, kind: string): boolean {
    const { group, version } = splitApiVersion(apiVersion);
    return this.gvkIndex.has(`${group}/${version}/${kind}`);
  }

  /** Validates one object; an unknown kind is itself a problem. */
  public validate(obj: Json): SchemaProblem[] {
    const apiVersion = String(obj.apiVersion ?? '');
    const kind = String(obj.kind ?? '');
    const { group, version } = splitApiVersion(apiVersion);
    const def = this.gvkIndex.get(`${group}/${version}/${kind}`);
    if (def) return problemsOf(validate(obj, { $ref: `${K8S_URI}#/definitions/${def}` }, '7', this.lookup, false).errors);
    const crd = this.crdSchema(group, kind, version);
    if (!crd) {
      return [{ field: '', message: `no schema for ${apiVersion} ${kind} (looked for imports/schemas/${crdSchemaFile(group, kind, version)}); add it to CRD_SCHEMAS in lib/verify/kinds.ts and run npm run schemas` }];
    }
    const problems = problemsOf(validate(obj, crd.schema, '7', crd.lookup, false).errors);
    // CRD schemas leave metadata open; hold it to ObjectMeta like the API server does.
    const meta = validate(obj.metadata ?? {}, { $ref: `${K8S_URI}#/definitions/${OBJECT_META}` }, '7', this.lookup, false);
    for (const p of problemsOf(meta.errors)) problems.push({ field: p.field ? `metadata.${p.field}` : 'metadata', message: p.message });
    return problems;
  }

  private crdSchema(group: string, kind: string, version: string): { schema: Schema; lookup: Lookup } | null {
    const key = `${group}/${version}/${kind}`;
    if (!this.crds.has(key)) {
      const file = path.join(this.dir, crdSchemaFile(group, kind, version));
      let entry: { schema: Schema; lookup: Lookup } | null = null;
      if (fs.existsSync(file)) {
        const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
        delete json.$schema;
        closeObjects(json);
        const schema = { ...json, $id: `https://schemas.platform.tsys/${key}.json` } as Schema;
        entry = { schema, lookup: dereference(schema) };
      }
      this.crds.set(key, entry);
    }
    return this.crds.get(key)!;
  }
}
