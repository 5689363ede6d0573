import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import * as fs from 'fs';
import * as path from 'path';
import { crdSchemaFile, KUBERNETES_DEFINITIONS, splitApiVersion } from './kinds';

/** The vendored schemas (`npm run schemas` refreshes them from ../shared/schemas). */
export const DEFAULT_SCHEMAS_DIR = path.resolve(__dirname, '..', '..', 'imports', 'schemas');

type Json = Record<string, unknown>;

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

function formatAjvError(e: ErrorObject): SchemaProblem {
  const field = e.instancePath.replace(/^\//, '').replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.');
  switch (e.keyword) {
    case 'additionalProperties':
      return { field, message: `unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"` };
    case 'required':
      return { field, message: `missing required field "${(e.params as { missingProperty: string }).missingProperty}"` };
    case 'enum':
      return { field, message: `must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}` };
    default:
      return { field, message: e.message ?? e.keyword };
  }
}

/**
 * Strict offline validation against the Kubernetes v1.33 definitions and the CRD schemas,
 * compiled lazily per kind.
 */
export class SchemaRegistry {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  private readonly gvkIndex = new Map<string, string>();
  private readonly compiled = new Map<string, ValidateFunction | null>();
  private objectMeta?: ValidateFunction;

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
    this.ajv.addSchema({ $id: 'k8s', definitions: doc.definitions });
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
    const validator = this.validatorFor(apiVersion, kind);
    if (!validator) {
      const { group, version } = splitApiVersion(apiVersion);
      return [{ field: '', message: `no schema for ${apiVersion} ${kind} (looked for imports/schemas/${crdSchemaFile(group, kind, version)}); add it to CRD_SCHEMAS in lib/verify/kinds.ts and run npm run schemas` }];
    }
    const problems: SchemaProblem[] = [];
    if (!validator(obj)) problems.push(...(validator.errors ?? []).map(formatAjvError));
    if (!this.isCoreKind(apiVersion, kind)) {
      // CRD schemas leave metadata open; hold it to ObjectMeta like the API server does.
      this.objectMeta ??= this.ajv.compile({ $ref: 'k8s#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
      if (!this.objectMeta(obj.metadata)) {
        problems.push(...(this.objectMeta.errors ?? []).map((e) => {
          const p = formatAjvError(e);
          return { field: p.field ? `metadata.${p.field}` : 'metadata', message: p.message };
        }));
      }
    }
    const seen = new Set<string>();
    return problems.filter((p) => !seen.has(`${p.field}|${p.message}`) && !!seen.add(`${p.field}|${p.message}`));
  }

  private validatorFor(apiVersion: string, kind: string): ValidateFunction | null {
    const key = `${apiVersion}/${kind}`;
    if (this.compiled.has(key)) return this.compiled.get(key)!;
    const { group, version } = splitApiVersion(apiVersion);
    let validator: ValidateFunction | null = null;
    const def = this.gvkIndex.get(`${group}/${version}/${kind}`);
    if (def) {
      validator = this.ajv.compile({ $ref: `k8s#/definitions/${def}` });
    } else {
      const file = path.join(this.dir, crdSchemaFile(group, kind, version));
      if (fs.existsSync(file)) {
        const schema = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
        delete schema.$schema;
        closeObjects(schema);
        validator = this.ajv.compile(schema);
      }
    }
    this.compiled.set(key, validator);
    return validator;
  }
}
