import { parse } from 'yaml';
import { isMap, JsonMap, listAt, mapAt, splitApiVersion } from '../k8s/manifest';

/** Helm values held by an object, and where. */
export interface HelmValues {
  /** Field path of the values map, e.g. `spec.source.helm.valuesObject`, `spec.valuesContent`. */
  readonly path: string;
  readonly values: JsonMap;
}

/** Parses a values string into a map; undefined when it is not YAML of a map. */
function parseValues(text: unknown): JsonMap | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const data: unknown = parse(text, { prettyErrors: false });
    return isMap(data) ? data : undefined;
  } catch {
    return undefined;
  }
}

function isApplication(obj: JsonMap): boolean {
  return obj.kind === 'Application' && splitApiVersion(String(obj.apiVersion)).group === 'argoproj.io';
}

/** k3s's helm-controller kinds, whose values are a YAML string in `spec.valuesContent`. */
function isHelmController(obj: JsonMap): boolean {
  return (obj.kind === 'HelmChart' || obj.kind === 'HelmChartConfig') && splitApiVersion(String(obj.apiVersion)).group === 'helm.cattle.io';
}

/** Whether `expandEmbeddedValues` may change `obj` (an Argo CD Application, a helm-controller object). */
export function holdsEmbeddedValues(obj: JsonMap): boolean {
  return isApplication(obj) || isHelmController(obj);
}

/** The Argo CD sources of an Application, with the path of each. */
function sources(obj: JsonMap): { path: string; source: JsonMap }[] {
  const out: { path: string; source: JsonMap }[] = [];
  const source = mapAt(obj, 'spec.source');
  if (source) out.push({ path: 'spec.source', source });
  listAt(obj, 'spec.sources').forEach((s, i) => isMap(s) && out.push({ path: `spec.sources[${i}]`, source: s }));
  return out;
}

/**
 * Replaces Helm values written as YAML text (Argo CD `helm.values`, helm-controller
 * `spec.valuesContent`) with the map they hold, in place, so they are compared field by field.
 * Text that is not YAML of a map stays text.
 */
export function expandEmbeddedValues(obj: JsonMap): void {
  if (isApplication(obj)) {
    for (const { source } of sources(obj)) {
      const helm = mapAt(source, 'helm');
      const parsed = helm ? parseValues(helm.values) : undefined;
      if (helm && parsed) helm.values = parsed;
    }
  } else if (isHelmController(obj) && isMap(obj.spec)) {
    const parsed = parseValues(obj.spec.valuesContent);
    if (parsed) obj.spec.valuesContent = parsed;
  }
}

/** Every Helm values map of an object (after `expandEmbeddedValues`). */
export function helmValues(obj: JsonMap | undefined): HelmValues[] {
  if (!obj) return [];
  if (isApplication(obj)) {
    return sources(obj).flatMap(({ path, source }) => {
      const out: HelmValues[] = [];
      const valuesObject = mapAt(source, 'helm.valuesObject');
      const values = mapAt(source, 'helm.values');
      if (valuesObject) out.push({ path: `${path}.helm.valuesObject`, values: valuesObject });
      if (values) out.push({ path: `${path}.helm.values`, values });
      return out;
    });
  }
  const valuesContent = mapAt(obj, 'spec.valuesContent');
  if (isHelmController(obj) && valuesContent) return [{ path: 'spec.valuesContent', values: valuesContent }];
  return [];
}
