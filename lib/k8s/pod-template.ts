/**
 * Where a Kubernetes object keeps the pods it runs: the one accessor of pod templates and pod
 * specs over rendered JSON, for every kind that carries one.
 */
import { apiGroup, isMap, JsonMap, stringMapAt, valueAt } from './manifest';

/** Path of the pod template (its `metadata` and `spec`) by `group/Kind`; '' for a Pod, which is its own template. */
const POD_TEMPLATE_PATHS: Readonly<Record<string, string>> = {
  '/Pod': '',
  '/PodTemplate': 'template',
  'apps/Deployment': 'spec.template',
  'apps/StatefulSet': 'spec.template',
  'apps/DaemonSet': 'spec.template',
  'apps/ReplicaSet': 'spec.template',
  'batch/Job': 'spec.template',
  'batch/CronJob': 'spec.jobTemplate.spec.template',
  'argoproj.io/Rollout': 'spec.template',
};

/** Path of the pod template of `obj` (`spec.template`; '' for a Pod); undefined for kinds that carry none. */
export function podTemplatePath(obj: JsonMap | undefined): string | undefined {
  if (!isMap(obj)) return undefined;
  const key = `${apiGroup(obj.apiVersion)}/${String(obj.kind)}`;
  return Object.prototype.hasOwnProperty.call(POD_TEMPLATE_PATHS, key) ? POD_TEMPLATE_PATHS[key] : undefined;
}

/** Path of the pod spec of `obj` (`spec.template.spec`; `spec` for a Pod); undefined for kinds that carry none. */
export function podSpecPath(obj: JsonMap | undefined): string | undefined {
  const template = podTemplatePath(obj);
  return template === undefined ? undefined : template ? `${template}.spec` : 'spec';
}

/** The pod template of `obj` (for a Pod, the Pod); undefined when its kind carries none or it is not a map. */
export function podTemplateOf(obj: JsonMap | undefined): JsonMap | undefined {
  const p = podTemplatePath(obj);
  const template = p === undefined ? undefined : p ? valueAt(obj, p) : obj;
  return isMap(template) ? template : undefined;
}

/** The pod spec of `obj` with where it is; undefined when its kind carries none or it is not a map. */
export function podSpecAt(obj: JsonMap | undefined): { readonly path: string; readonly spec: JsonMap } | undefined {
  const p = podSpecPath(obj);
  const spec = p === undefined ? undefined : valueAt(obj, p);
  return p !== undefined && isMap(spec) ? { path: p, spec } : undefined;
}

/** The pod spec of `obj`; undefined when its kind carries none or it is not a map. */
export function podSpecOf(obj: JsonMap | undefined): JsonMap | undefined {
  return podSpecAt(obj)?.spec;
}

/** The labels its pods get (the pod template's); undefined when its kind carries no pod template. */
export function podTemplateLabels(obj: JsonMap | undefined): Record<string, string> | undefined {
  if (podTemplatePath(obj) === undefined) return undefined;
  return stringMapAt(podTemplateOf(obj), 'metadata.labels');
}
