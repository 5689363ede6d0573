// Crafted rendered trees for the diff tests: objects written the way synth writes them.
import type { RenderedFile } from '../../lib/render/rendered-file';
import { toYamlDocument } from '../../lib/render/rendered-file';
import { diffTrees } from '../../lib/diff/engine';
import { describeRef } from '../../lib/diff/model';

export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One object rendered into `dir`, named `<kind>-<name>.yaml` like synth does. */
export function file(dir: string, obj: Obj): RenderedFile {
  return { path: `${dir}/${String(obj.kind).toLowerCase()}-${obj.metadata.name}.yaml`, content: toYamlDocument(obj) };
}

/** A deep copy of `obj` changed by `change`. */
export function edit(obj: Obj, change: (copy: Obj) => void): Obj {
  const copy = JSON.parse(JSON.stringify(obj)) as Obj;
  change(copy);
  return copy;
}

/** A Deployment spread over nodes; `replicas: null` leaves spec.replicas out. */
export function deployment(name: string, namespace = 'apps', replicas: number | null = 3, image = 'ghcr.io/tsys/app:1.2.3'): Obj {
  const labels = { 'app.kubernetes.io/name': name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      ...(replicas === null ? {} : { replicas }),
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'app', image, ports: [{ name: 'http', containerPort: 8080 }], env: [{ name: 'A', value: '1' }] }],
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: labels } }],
        },
      },
    },
  };
}

export function statefulSet(name: string, namespace = 'apps', storage = '10Gi'): Obj {
  const labels = { 'app.kubernetes.io/name': name };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace },
    spec: {
      replicas: 3,
      serviceName: name,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'db', image: 'postgres:17.2' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } }],
    },
  };
}

export function pvc(name: string, namespace = 'apps', storage = '10Gi'): Obj {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'longhorn', resources: { requests: { storage } } },
  };
}

export function service(name: string, namespace = 'apps', spec: Obj = {}): Obj {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { 'app.kubernetes.io/name': name }, ports: [{ name: 'http', port: 80 }], ...spec } };
}

export function namespace(name: string): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export function configMap(name: string, namespace = 'apps', data: Obj = { a: '1' }, annotations?: Obj): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ...(annotations ? { annotations } : {}) }, data };
}

/** An Argo CD Application with a Helm chart source and these values. */
export function helmApp(name: string, valuesObject: Obj): Obj {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd' },
    spec: {
      destination: { namespace: name, server: 'https://kubernetes.default.svc' },
      project: 'platform',
      source: { chart: name, repoURL: `https://charts.example.com/${name}`, targetRevision: '1.0.0', helm: { releaseName: name, valuesObject } },
    },
  };
}

/** A layer Application in dist/apps syncing `dist/<layer>` in `wave`. */
export function layerApp(layer: string, wave: number): Obj {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: layer, namespace: 'argocd', annotations: { 'argocd.argoproj.io/sync-wave': String(wave) } },
    spec: { project: 'platform', destination: { namespace: layer, server: 'https://kubernetes.default.svc' }, source: { path: `dist/${layer}`, repoURL: 'https://git.example.com/platform.git', targetRevision: 'main' } },
  };
}

/** Schema properties of the given names, each a string (`{a: {type: 'string'}}`). */
export function strings(...names: string[]): Obj {
  return Object.fromEntries(names.map((n) => [n, { type: 'string' }]));
}

/** One version of a CRD whose schema has these `spec` (and `status`) properties. */
export function crdVersion(name: string, spec: Obj, flags: { served?: boolean; storage?: boolean } = {}, status: Obj = strings('phase')): Obj {
  return {
    name,
    served: flags.served ?? true,
    storage: flags.storage ?? false,
    schema: {
      openAPIV3Schema: {
        type: 'object',
        properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, spec: { type: 'object', properties: spec }, status: { type: 'object', properties: status } },
      },
    },
    subresources: { status: {} },
  };
}

/** The CustomResourceDefinition `widgets.example.com` (kind Widget) with these versions. */
export function crd(versions: Obj[], spec: Obj = {}): Obj {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com', annotations: { 'controller-gen.kubebuilder.io/version': 'v0.16.0' } },
    spec: { group: 'example.com', names: { kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget' }, scope: 'Namespaced', versions, ...spec },
  };
}

/** Risks of the diff from `before` to `after`, as `{rule, object, message}` for exact assertions. */
export function risks(before: readonly RenderedFile[], after: readonly RenderedFile[]): { rule: string; object: string; message: string }[] {
  return diffTrees(before, after).risks.map((r) => ({ rule: r.rule, object: describeRef(r.object), message: r.message }));
}

/** Risks found by one rule only. */
export function risksOf(rule: string, before: readonly RenderedFile[], after: readonly RenderedFile[]): { object: string; message: string }[] {
  return risks(before, after).filter((r) => r.rule === rule).map(({ object, message }) => ({ object, message }));
}
