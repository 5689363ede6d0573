import { z } from 'zod';
import { bitwardenRef, caCertificate } from './schema';

/**
 * Bitwarden references (`bitwarden:<item>`) are read from Bitwarden only in the fields whose
 * schema is `bitwardenRef` (External Secrets fill them); anywhere else the text is used as it
 * is, so a pod would get the literal string. This finds references written in such fields.
 */

type Path = readonly (string | number)[];

/** The prefix of every Bitwarden reference. */
export const BITWARDEN_PREFIX = 'bitwarden:';

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodNullable) s = (s as z.ZodOptional<z.ZodType>).unwrap() as z.ZodType;
  return s;
}

/** Whether a field of this schema is read from Bitwarden (a reference, or a union that takes one). */
function readsSecret(schema: z.ZodType): boolean {
  const s = unwrap(schema);
  if (s === bitwardenRef || s === caCertificate) return true;
  return s instanceof z.ZodUnion && (s.options as readonly z.ZodType[]).some((o) => unwrap(o) === bitwardenRef);
}

/** The schema of `key` inside `schema` (objects, records, and the object options of a union). */
function child(schema: z.ZodType | undefined, key: string | number): z.ZodType | undefined {
  if (!schema) return undefined;
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) return (s.shape as Record<string, z.ZodType>)[String(key)];
  if (s instanceof z.ZodRecord) return s.valueType as z.ZodType;
  if (s instanceof z.ZodArray) return s.element as z.ZodType;
  if (s instanceof z.ZodUnion) {
    for (const o of s.options as readonly z.ZodType[]) {
      const c = child(o, key);
      if (c) return c;
    }
  }
  return undefined;
}

/** Whether any string value in `value` starts with `bitwarden:`. */
function hasSecretRef(value: unknown): boolean {
  if (typeof value === 'string') return value.startsWith(BITWARDEN_PREFIX);
  if (Array.isArray(value)) return value.some(hasSecretRef);
  if (value && typeof value === 'object') {
    for (const k in value) if (Object.prototype.hasOwnProperty.call(value, k) && hasSecretRef((value as Record<string, unknown>)[k])) return true;
  }
  return false;
}

/**
 * Paths of string values starting with `bitwarden:` in `data` (validated against `schema`) at
 * fields that are not read from Bitwarden.
 */
export function misplacedSecretRefs(schema: z.ZodType, data: unknown): Path[] {
  // Most specs hold no reference at all: one plain scan, before the walk beside the schema.
  if (!hasSecretRef(data)) return [];
  const out: Path[] = [];
  const walk = (s: z.ZodType | undefined, value: unknown, at: Path) => {
    if (s && readsSecret(s)) return;
    if (typeof value === 'string') {
      if (value.startsWith(BITWARDEN_PREFIX)) out.push(at);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(child(s, i), v, [...at, i]));
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(child(s, k), v, [...at, k]);
    }
  };
  walk(schema, data, []);
  return out;
}
