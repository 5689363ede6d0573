import { CORE_SCHEMA, dump, load, loadAll } from 'js-yaml';

/**
 * The one YAML dialect of rendered manifests, in one place: synth writes them with
 * `dumpManifest`, and verify, the failure model and the diff read them back with
 * `loadManifests`. js-yaml with the YAML 1.2 core schema: strings another reader could take for
 * another type are quoted, duplicate keys are rejected, and it is several times faster than the
 * `yaml` package on thousands of files (a site with a thousand apps renders about 6,900).
 * The `yaml` package stays where its document model is needed: source positions for messages
 * and edits that keep comments.
 */

/** YAML of one object as given (callers sort keys): no line folding, no anchors. */
export function dumpManifest(obj: unknown): string {
  return dump(obj, { lineWidth: -1, noRefs: true, schema: CORE_SCHEMA, quotingType: '"' });
}

/** Every document of a manifest file; throws on invalid YAML (`file` names it in the message). */
export function loadManifests(text: string, file: string): unknown[] {
  return loadAll(text, undefined, { schema: CORE_SCHEMA, filename: file });
}

/** One YAML document in the same dialect; throws on invalid YAML. */
export function loadYamlData(text: string): unknown {
  return load(text, { schema: CORE_SCHEMA });
}
