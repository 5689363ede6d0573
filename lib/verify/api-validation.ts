import { isMap, JsonMap } from '../k8s/manifest';
import { podSpecAt, podTemplateOf, podTemplatePath } from '../k8s/pod-template';
import type { SchemaProblem } from './schemas';

/**
 * What the API server refuses that the OpenAPI schemas cannot say (k8s.io/apimachinery and
 * pkg/apis/core/validation): label syntax, a workload whose selector does not select its own pod
 * template, a pod whose volume mounts name no volume or whose containers, volumes or ports share a
 * name, a Service of several ports without names. Strict schemas pass all of these; the API server
 * rejects the object, so Argo CD's sync of its Application fails and nothing after it in that sync
 * is applied. Two kinds are the exception for their pod specs: the API server does not validate a
 * StatefulSet's pod spec (upstream's ValidatePodTemplateSpecForStatefulSet leaves it to a TODO),
 * nor an Argo Rollout's (a custom resource); it refuses the pods their controllers make from them
 * instead (FailedCreate), which is no better. Only these well-known rules are checked, each as the
 * API server words it.
 */

/** A label or annotation key's name part, and a label value: at most 63 characters, alphanumerics at both ends, `-`, `_`, `.` inside. */
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** A DNS-1123 subdomain: lowercase alphanumerics, `-` and `.`, alphanumerics at both ends. */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A DNS-1123 label (container names). */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** An IANA service name (port names): lowercase alphanumerics and `-`, at least one letter, no `-` at either end nor `--`. */
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Why `key` is no qualified name (`prefix/name`), or undefined when it is one. */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return 'its prefix must be a DNS subdomain of at most 253 characters (lowercase letters, digits, "-" and ".")';
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) return 'its name must be 1-63 characters: letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  return undefined;
}

/** Why `value` is no label value, or undefined when it is one (empty is one). */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !QUALIFIED_NAME.test(value)) return 'a label value must be at most 63 characters: letters, digits, "-", "_" and ".", starting and ending with a letter or digit (or empty)';
  return undefined;
}

/** Why `name` is no port name, or undefined when it is one. */
export function portNameProblem(name: string): string | undefined {
  if (name.length > 15 || !IANA_SVC_NAME.test(name) || name.includes('--') || !/[a-z]/.test(name)) return 'a port name must be at most 15 characters: lowercase letters, digits and "-", with at least one letter, no "-" at either end and no "--"';
  return undefined;
}

/** The protocol of a port map, TCP when it names none (as the API server defaults it). */
export const protocolOf = (port: JsonMap): string => (typeof port.protocol === 'string' && port.protocol ? port.protocol : 'TCP');

/** The probes a container may have, and their handlers whose port may be a name. */
export const PROBES = ['startupProbe', 'livenessProbe', 'readinessProbe'] as const;
export const NAMED_PORT_HANDLERS = ['httpGet', 'tcpSocket'] as const;

/** The problems of a map of labels at `field`. */
function labelProblems(labels: unknown, field: string, out: SchemaProblem[]): void {
  if (!isMap(labels)) return;
  for (const [k, v] of Object.entries(labels)) {
    const key = qualifiedNameProblem(k);
    if (key) out.push({ field: `${field}.${k}`, message: `label key "${k}" is invalid: ${key}` });
    if (typeof v === 'string') {
      const value = labelValueProblem(v);
      if (value) out.push({ field: `${field}.${k}`, message: `label value "${v}" is invalid: ${value}` });
    }
  }
}

/** The kinds whose `spec.selector` must select their own pod template (apps/v1: the API server refuses them otherwise). */
const SELECTING_WORKLOADS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet']);

/** Whether `labels` satisfy the label selector `selector` (matchLabels and matchExpressions), as the API server's selector does. */
function selects(selector: JsonMap, labels: Readonly<Record<string, unknown>>): boolean {
  const match = isMap(selector.matchLabels) ? selector.matchLabels : {};
  for (const [k, v] of Object.entries(match)) if (labels[k] !== v) return false;
  for (const e of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
    if (!isMap(e) || typeof e.key !== 'string') return true; // the schema's to report
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = Array.isArray(e.values) ? e.values : [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return true; // an unknown operator: the API server refuses it, the schema may not
    }
  }
  return true;
}

/** The problems of a pod spec at `at`; `claims`: the names of a StatefulSet's claim templates, which its containers mount as volumes. */
function podSpecProblems(spec: JsonMap, at: string, claims: readonly string[], out: SchemaProblem[]): void {
  const lists = ['initContainers', 'containers', 'ephemeralContainers'] as const;
  const volumes = new Map<string, number>();
  const mountable = new Set(claims);
  (Array.isArray(spec.volumes) ? spec.volumes : []).forEach((v, i) => {
    if (!isMap(v) || typeof v.name !== 'string') return;
    if (volumes.has(v.name)) out.push({ field: `${at}.volumes[${i}].name`, message: `duplicate volume name "${v.name}" (also volumes[${volumes.get(v.name)}])` });
    else volumes.set(v.name, i);
    mountable.add(v.name);
  });
  const containers = new Map<string, string>();
  for (const list of lists) {
    (Array.isArray(spec[list]) ? (spec[list] as unknown[]) : []).forEach((c, i) => {
      if (!isMap(c)) return;
      const field = `${at}.${list}[${i}]`;
      if (typeof c.name === 'string') {
        if (containers.has(c.name)) out.push({ field: `${field}.name`, message: `duplicate container name "${c.name}" (also ${containers.get(c.name)})` });
        else containers.set(c.name, `${list}[${i}]`);
        if (c.name.length > 63 || !DNS1123_LABEL.test(c.name)) out.push({ field: `${field}.name`, message: `container name "${c.name}" is invalid: it must be a DNS label (at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit)` });
      }
      const mountPaths = new Set<string>();
      (Array.isArray(c.volumeMounts) ? c.volumeMounts : []).forEach((m, j) => {
        if (!isMap(m)) return;
        if (typeof m.name === 'string' && !mountable.has(m.name)) out.push({ field: `${field}.volumeMounts[${j}].name`, message: `volume mount "${m.name}" names no volume of the pod (${[...mountable].join(', ') || 'it has none'})` });
        if (typeof m.mountPath === 'string') {
          if (mountPaths.has(m.mountPath)) out.push({ field: `${field}.volumeMounts[${j}].mountPath`, message: `mount path "${m.mountPath}" is mounted twice in this container` });
          mountPaths.add(m.mountPath);
        }
      });
      // A probe's port given as text is a name to the API server (a quoted number too).
      for (const probe of PROBES) {
        for (const handler of NAMED_PORT_HANDLERS) {
          const h = isMap(c[probe]) ? (c[probe] as JsonMap)[handler] : undefined;
          if (!isMap(h) || typeof h.port !== 'string') continue;
          const problem = portNameProblem(h.port);
          if (problem) out.push({ field: `${field}.${probe}.${handler}.port`, message: `port name "${h.port}" is invalid: ${problem}${/^[0-9]+$/.test(h.port) ? ' (a port number must be written unquoted)' : ''}` });
        }
      }
      const portNames = new Set<string>();
      (Array.isArray(c.ports) ? c.ports : []).forEach((p, j) => {
        if (!isMap(p) || typeof p.name !== 'string' || p.name === '') return;
        const problem = portNameProblem(p.name);
        if (problem) out.push({ field: `${field}.ports[${j}].name`, message: `port name "${p.name}" is invalid: ${problem}` });
        if (portNames.has(p.name)) out.push({ field: `${field}.ports[${j}].name`, message: `duplicate port name "${p.name}" in this container` });
        portNames.add(p.name);
      });
    });
  }
}

/** The problems of a core Service's ports: names required when there are several, unique, valid; port and protocol unique. */
function serviceProblems(obj: JsonMap, out: SchemaProblem[]): void {
  const spec = obj.spec;
  if (!isMap(spec) || !Array.isArray(spec.ports)) return;
  const ports = spec.ports;
  const names = new Set<string>();
  const numbers = new Set<string>();
  ports.forEach((p, i) => {
    if (!isMap(p)) return;
    const field = `spec.ports[${i}]`;
    const name = typeof p.name === 'string' ? p.name : '';
    if (ports.length > 1 && name === '') out.push({ field: `${field}.name`, message: 'a Service of several ports must name each one' });
    if (name !== '') {
      // A Service port's name is a DNS label (its targetPort's, a container port's name).
      if (name.length > 63 || !DNS1123_LABEL.test(name)) out.push({ field: `${field}.name`, message: `port name "${name}" is invalid: a Service port name must be a DNS label (at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit)` });
      if (names.has(name)) out.push({ field: `${field}.name`, message: `duplicate port name "${name}"` });
      names.add(name);
    }
    if (typeof p.port === 'number') {
      const key = `${p.port}/${protocolOf(p)}`;
      if (numbers.has(key)) out.push({ field: `${field}.port`, message: `duplicate port ${key}` });
      numbers.add(key);
    }
    // A quoted number ("8080", Helm's `| quote`) is a name to the API server, and no valid one.
    if (typeof p.targetPort === 'string') {
      const problem = portNameProblem(p.targetPort);
      if (problem) out.push({ field: `${field}.targetPort`, message: `target port name "${p.targetPort}" is invalid: ${problem}${/^[0-9]+$/.test(p.targetPort) ? ' (a port number must be written unquoted)' : ''}` });
    }
  });
}

/**
 * What the API server would refuse in `obj` beyond its schema: labels (the object's, its pod
 * template's, a workload's matchLabels) and annotation keys, an apps/v1 workload whose selector is empty or does not
 * select its pod template's labels, its pod spec (duplicate container or volume names, mounts of no
 * volume, a path mounted twice, invalid or duplicate port names, container names that are no DNS
 * label), and a core Service's ports. Each problem names its field, as `SchemaRegistry.validate` does.
 */
export function apiServerProblems(obj: JsonMap): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const metadata = obj.metadata;
  if (isMap(metadata)) {
    labelProblems(metadata.labels, 'metadata.labels', out);
    // Annotation keys are qualified names too (compared lower-case); their values are free.
    if (isMap(metadata.annotations)) {
      for (const k of Object.keys(metadata.annotations)) {
        const problem = qualifiedNameProblem(k.toLowerCase());
        if (problem) out.push({ field: `metadata.annotations.${k}`, message: `annotation key "${k}" is invalid: ${problem}` });
      }
    }
  }
  const apiVersion = String(obj.apiVersion ?? '');
  const kind = String(obj.kind ?? '');
  const templatePath = podTemplatePath(obj);
  if (templatePath) {
    const template = podTemplateOf(obj);
    if (isMap(template) && isMap(template.metadata)) labelProblems(template.metadata.labels, `${templatePath}.metadata.labels`, out);
    if (apiVersion === 'apps/v1' && SELECTING_WORKLOADS.has(kind) && isMap(obj.spec)) {
      const selector = obj.spec.selector;
      if (isMap(selector)) {
        labelProblems(selector.matchLabels, 'spec.selector.matchLabels', out);
        const empty = !(isMap(selector.matchLabels) && Object.keys(selector.matchLabels).length) && !(Array.isArray(selector.matchExpressions) && selector.matchExpressions.length);
        const labels = isMap(template) && isMap(template.metadata) && isMap(template.metadata.labels) ? template.metadata.labels : {};
        if (empty) out.push({ field: 'spec.selector', message: 'an empty selector selects every pod of the namespace; the API server refuses it' });
        else if (!selects(selector, labels)) out.push({ field: 'spec.template.metadata.labels', message: `\`selector\` does not match template \`labels\` (selector ${JSON.stringify(selector)}); the API server refuses the ${kind}` });
      }
    }
  }
  const pod = podSpecAt(obj);
  if (pod) {
    // A StatefulSet's containers also mount its claim templates, by their names.
    const claims = apiVersion === 'apps/v1' && kind === 'StatefulSet' && isMap(obj.spec) && Array.isArray(obj.spec.volumeClaimTemplates)
      ? obj.spec.volumeClaimTemplates.map((t) => (isMap(t) && isMap(t.metadata) && typeof t.metadata.name === 'string' ? t.metadata.name : '')).filter((n) => n !== '')
      : [];
    podSpecProblems(pod.spec, pod.path, claims, out);
  }
  if (apiVersion === 'v1' && kind === 'Service') serviceProblems(obj, out);
  return out;
}
