import { CORE_SCHEMA, dump, load, loadAll } from 'js-yaml';
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

/** js-yaml's options for manifests (the fast path below gives the same bytes as `dump` with them). */
export const MANIFEST_DUMP_OPTIONS = { lineWidth: -1, noRefs: true, schema: CORE_SCHEMA, quotingType: '"' } as const;
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

/** The schema's implicit types (null, booleans, integers, floats), as js-yaml's writer tests a string against them. */
const IMPLICIT_TYPES = (CORE_SCHEMA as unknown as { readonly compiledImplicit: readonly { readonly resolve: (text: string) => boolean }[] }).compiledImplicit;

/** Whether js-yaml would read `text` back as a null, boolean or number (so it quotes it). */
function readsAsOtherType(text: string): boolean {
  for (const type of IMPLICIT_TYPES) if (type.resolve(text)) return true;
  return false;
}

/** Every document of a manifest file; throws on invalid YAML (`file` names it in the message). */
export function loadManifests(text: string, file: string): unknown[] {
  return loadAll(text, undefined, { schema: CORE_SCHEMA, filename: file });
}

/** One YAML document in the same dialect; throws on invalid YAML. */
export function loadYamlData(text: string): unknown {
  return load(text, { schema: CORE_SCHEMA });
}
