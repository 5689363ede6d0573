import { Document, isMap as isYamlMap, isScalar, Pair } from 'yaml';
import { isMap, JsonMap } from '../../k8s/manifest';

/**
 * The text of an imported spec or draft: a header of comments, then the spec with its keys in a
 * fixed order, each open question as a comment above the field it concerns. Pure.
 */

/** The order of an app spec's keys in imported files. */
export const SPEC_KEY_ORDER = ['description', 'kind', 'environment', 'image', 'command', 'args', 'replicas', 'singleton', 'strategy', 'ports', 'health', 'resources', 'env', 'secrets', 'volumes', 'runAsUser', 'capabilities', 'writablePaths', 'expose', 'databases', 'calls'];

/** An open question at a top-level field (`image`, `ports`, ...); `field` may be one the spec lacks (it is then added as null). */
export interface FieldComment {
  readonly field: string;
  readonly text: string;
}

/** The spec's keys in SPEC_KEY_ORDER, empty maps left out. */
export function orderedSpec(spec: JsonMap): JsonMap {
  const ordered: JsonMap = {};
  for (const key of SPEC_KEY_ORDER) {
    const v = spec[key];
    if (v === undefined || (isMap(v) && Object.keys(v).length === 0)) continue;
    ordered[key] = v;
  }
  return ordered;
}

/** The header lines (without `#`) and the spec, with `comments` above their fields. */
export function renderSpecText(header: readonly string[], spec: JsonMap, comments: readonly FieldComment[] = []): string {
  const ordered = orderedSpec(spec);
  for (const c of comments) if (!(c.field in ordered)) ordered[c.field] = null;
  const doc = new Document(ordered);
  const map = doc.contents;
  if (isYamlMap(map)) {
    // Fields added for a comment follow the order too.
    map.items.sort((a, b) => order(a) - order(b));
    for (const item of map.items) {
      const key = isScalar(item.key) ? String(item.key.value) : '';
      const texts = comments.filter((c) => c.field === key).map((c) => c.text);
      if (texts.length && isScalar(item.key)) item.key.commentBefore = texts.map((t) => ` OPEN: ${t}`).join('\n');
    }
  }
  const head = header.map((l) => (l ? `# ${l}` : '#')).join('\n');
  return `${head}\n${doc.toString({ lineWidth: 0 })}`;
}

function order(pair: Pair<unknown, unknown>): number {
  const key = isScalar(pair.key) ? String(pair.key.value) : '';
  const i = SPEC_KEY_ORDER.indexOf(key);
  return i < 0 ? SPEC_KEY_ORDER.length : i;
}
