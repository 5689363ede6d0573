import { CORE_SCHEMA, dump, load, loadAll, Type } from 'js-yaml';
import { dumpBlockYaml } from './block-yaml';

/**
 * The one YAML dialect of rendered manifests, in one place: synth writes them with
 * `dumpManifest`, and verify, the failure model and the diff read them back with
 * `loadManifests`. js-yaml with the YAML 1.2 core schema: strings another reader could take for
 * another type are quoted, duplicate keys are rejected, and it is several times faster than the
 * `yaml` package on thousands of files (a site with a thousand apps renders about 6,900).
 * The `yaml` package stays where its document model is needed: source positions for messages
 * and edits that keep comments.
 */

/** An integer as Go's YAML readers take one once they dropped its underscores (`strconv.ParseInt` base 0, and `0b`). */
const GO_INT = /^[-+]?(0b[01]+|0o?[0-7]+|0x[0-9a-fA-F]+|[0-9]+)$/;
/** A float as Go's YAML readers take one once they dropped its underscores. */
const GO_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** YAML 1.1's implicit integers and floats (yaml.org/type/int, /float), underscores and base 60 included. */
const YAML11_NUMBER = /^([-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+|[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$/;
/** A YAML 1.1 timestamp (yaml.org/type/timestamp). */
const TIMESTAMP = /^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)$/;

/**
 * Whether a plain scalar `text`, a string in YAML 1.2's core schema, is another type to readers
 * that keep YAML 1.1's: Go's (kubectl, Argo CD: sigs.k8s.io/yaml drops a number's underscores, so
 * `1_000` is 1000 and a string field holding it fails to decode), PyYAML's and the other YAML 1.1
 * readers' (numbers with underscores or in base 60, timestamps, the merge key `<<`, the value key
 * `=`). Such strings are written quoted: every reader then reads the same string.
 */
export function readsAsOtherTypeElsewhere(text: string): boolean {
  if (text === '<<' || text === '=') return true;
  const first = text.charCodeAt(0);
  // Every number and timestamp starts with a digit, a sign or a dot.
  if (!((first >= 48 && first <= 57) || first === 43 || first === 45 || first === 46)) return false;
  if (YAML11_NUMBER.test(text) || TIMESTAMP.test(text)) return true;
  if (!text.includes('_')) return false;
  const plain = text.replace(/_/g, '');
  return GO_INT.test(plain) || GO_FLOAT.test(plain);
}

/**
 * The schema manifests are written with: YAML 1.2's core schema, and strings other readers would
 * take for another type (`readsAsOtherTypeElsewhere`) as one more implicit type, so that js-yaml's
 * writer quotes them. Only for writing: manifests are read with the core schema.
 */
const WRITE_SCHEMA = CORE_SCHEMA.extend({
  implicit: [new Type('tag:platform.tsys,2026:other-readers-type', { kind: 'scalar', resolve: (text: string | null) => text !== null && readsAsOtherTypeElsewhere(text), construct: (text: string) => text })],
});

/** js-yaml's options for manifests (the fast path below gives the same bytes as `dump` with them). */
export const MANIFEST_DUMP_OPTIONS = { lineWidth: -1, noRefs: true, schema: WRITE_SCHEMA, quotingType: '"' } as const;
const DUMP_OPTIONS = MANIFEST_DUMP_OPTIONS;

/** One scalar as js-yaml writes it, when that is one line (and so the same wherever it stands). */
function scalarYaml(value: unknown): string | undefined {
  const text = dump(value, DUMP_OPTIONS);
  const body = text.slice(0, -1);
  return body.includes('\n') ? undefined : body;
}

/**
 * YAML of one object as given (callers sort keys): no line folding, no anchors. Plain data takes
 * the fast path of the same writer (./block-yaml.ts: the same bytes), anything else js-yaml whole.
 */
export function dumpManifest(obj: unknown): string {
  return dumpBlockYaml(obj, scalarYaml, readsAsOtherType) ?? dump(obj, DUMP_OPTIONS);
}

/** The schema's implicit types (null, booleans, integers, floats, other readers' types), as js-yaml's writer tests a string against them. */
const IMPLICIT_TYPES = (WRITE_SCHEMA as unknown as { readonly compiledImplicit: readonly { readonly resolve: (text: string) => boolean }[] }).compiledImplicit;

/** Whether js-yaml would read `text` back as a null, boolean or number (so it quotes it). */
function readsAsOtherType(text: string): boolean {
  for (const type of IMPLICIT_TYPES) if (type.resolve(text)) return true;
  return false;
}

/**
 * How many values a document's aliases may expand it to: far above any manifest (the API server
 * keeps objects of about 1.5 MB), far below a "billion laughs" bomb, whose few lines stand for
 * billions of values that every reader of the document would walk.
 */
export const MAX_EXPANDED_VALUES = 1_000_000;

/**
 * Refuses a document of `file` that aliases make larger than `MAX_EXPANDED_VALUES` values, or
 * that holds itself (js-yaml makes a loop of `&a [*a]`). js-yaml gives an alias the very value of
 * its anchor: the document is counted with each shared value counted once (linear in what was
 * parsed), as large as it is once written out. Only a text with an anchor and an alias is looked at.
 */
export function checkAliases(docs: readonly unknown[], text: string, file: string | undefined): void {
  if (!text.includes('&') || !text.includes('*')) return;
  const sizes = new Map<object, number>();
  const size = (value: unknown): number => {
    if (value === null || typeof value !== 'object') return 1;
    const known = sizes.get(value);
    if (known !== undefined) {
      if (Number.isNaN(known)) throw new Error(`a YAML alias${file ? ` in "${file}"` : ''} refers to a value that holds it (a loop, which no manifest can be); write the values out`);
      return known;
    }
    // NaN while its parts are counted: met again there, it holds itself.
    sizes.set(value, NaN);
    let n = 1;
    for (const part of Array.isArray(value) ? value : Object.values(value)) {
      n += size(part);
      if (n > MAX_EXPANDED_VALUES) break;
    }
    sizes.set(value, n);
    return n;
  };
  for (const doc of docs) {
    if (size(doc) > MAX_EXPANDED_VALUES) {
      throw new Error(`YAML aliases${file ? ` in "${file}"` : ''} expand a document to more than ${MAX_EXPANDED_VALUES.toLocaleString('en-US')} values (a "billion laughs" bomb?); write the values out instead of nesting aliases`);
    }
  }
}

/** Every document of a manifest file; throws on invalid YAML (`file` names it in the message) and on aliases that expand past `MAX_EXPANDED_VALUES` or loop. */
export function loadManifests(text: string, file: string): unknown[] {
  const docs = loadAll(text, undefined, { schema: CORE_SCHEMA, filename: file });
  checkAliases(docs, text, file);
  return docs;
}

/** One YAML document in the same dialect; throws on invalid YAML, and on aliases as `loadManifests` does. */
export function loadYamlData(text: string): unknown {
  const doc = load(text, { schema: CORE_SCHEMA });
  checkAliases([doc], text, undefined);
  return doc;
}
