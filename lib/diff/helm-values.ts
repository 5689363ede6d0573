import { parse } from 'yaml';
import { isMap, JsonAny, splitApiVersion } from '../k8s/manifest';

/** Helm values held by an object, and where. */
export interface HelmValues {
  /** Field path of the values map, e.g. `spec.source.helm.valuesObject`, `spec.valuesContent`. */
  readonly path: string;
  readonly values: JsonAny;
}

/** Parses a values string into a map; undefined when it is not YAML of a map. */
function parseValues(text: unknown): JsonAny | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const data: unknown = parse(text, { prettyErrors: false });
    return isMap(data) ? data : undefined;
  } catch {
    return undefined;
  }
}

function isApplication(obj: JsonAny): boolean {
  return obj.kind === 'Application' && splitApiVersion(String(obj.apiVersion)).group === 'argoproj.io';
}

/** k3s's helm-controller kinds, whose values are a YAML string in `spec.valuesContent`. */
function isHelmController(obj: JsonAny): boolean {
  return (obj.kind === 'HelmChart' || obj.kind === 'HelmChartConfig') && splitApiVersion(String(obj.apiVersion)).group === 'helm.cattle.io';
}

/** The Argo CD sources of an Application, with the path of each. */
function sources(obj: JsonAny): { path: string; source: JsonAny }[] {
  const out: { path: string; source: JsonAny }[] = [];
  if (isMap(obj.spec?.source)) out.push({ path: 'spec.source', source: obj.spec.source });
  if (Array.isArray(obj.spec?.sources)) obj.spec.sources.forEach((s: unknown, i: number) => isMap(s) && out.push({ path: `spec.sources[${i}]`, source: s }));
  return out;
}

/**
 * Replaces Helm values written as YAML text (Argo CD `helm.values`, helm-controller
 * `spec.valuesContent`) with the map they hold, in place, so they are compared field by field.
 * Text that is not YAML of a map stays text.
 */
export function expandEmbeddedValues(obj: JsonAny): void {
  if (isApplication(obj)) {
    for (const { source } of sources(obj)) {
      const parsed = isMap(source.helm) ? parseValues(source.helm.values) : undefined;
      if (parsed) source.helm.values = parsed;
    }
  } else if (isHelmController(obj) && isMap(obj.spec)) {
    const parsed = parseValues(obj.spec.valuesContent);
    if (parsed) obj.spec.valuesContent = parsed;
  }
}

/** Every Helm values map of an object (after `expandEmbeddedValues`). */
export function helmValues(obj: JsonAny | undefined): HelmValues[] {
  if (!obj) return [];
  if (isApplication(obj)) {
    return sources(obj).flatMap(({ path, source }) => {
      const out: HelmValues[] = [];
      if (isMap(source.helm?.valuesObject)) out.push({ path: `${path}.helm.valuesObject`, values: source.helm.valuesObject });
      if (isMap(source.helm?.values)) out.push({ path: `${path}.helm.values`, values: source.helm.values });
      return out;
    });
  }
  if (isHelmController(obj) && isMap(obj.spec?.valuesContent)) return [{ path: 'spec.valuesContent', values: obj.spec.valuesContent }];
  return [];
}
