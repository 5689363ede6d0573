/**
 * The cases each diff risk rule carries (lib/rule.ts): one object pair that breaks it and one
 * that satisfies it. Small, hand-written objects; test/rules.test.ts runs them.
 */
import { JsonMap } from '../k8s/manifest';
import type { RiskId } from './model';
import { parseManifests, ParsedObject } from './parse';
import { toYamlDocument } from '../render/rendered-file';

/** One object on both sides of the diff (risks.ts's ObjectPair; written out here so the two files do not import each other). */
interface ObjectPair {
  readonly before?: ParsedObject;
  readonly after?: ParsedObject;
}

/** A case of a risk rule: built when a test asks for it. */
export type RiskFixture = () => ObjectPair;

/** One object as the diff reads it, from a file of `dir`. */
function parsed(obj: JsonMap, dir = 'dist/web'): ParsedObject {
  const file = `${dir}/${String(obj.kind).toLowerCase()}-${String((obj.metadata as JsonMap).name)}.yaml`;
  const result = parseManifests({ path: file, content: toYamlDocument(obj) });
  if (!result.objects?.length) throw new Error(`risk fixture ${file}: ${result.problem ?? 'no object'}`);
  return result.objects[0];
}

const pair = (before: JsonMap | undefined, after: JsonMap | undefined, dir?: string): ObjectPair => ({
  ...(before ? { before: parsed(before, dir) } : {}),
  ...(after ? { after: parsed(after, dir) } : {}),
});

const labels = { 'app.kubernetes.io/name': 'web' };
const spread = [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: labels } }];

function deployment(replicas: number, image = 'ghcr.io/tsys/web:1.2.3', withSpread = true): JsonMap {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'web' },
    spec: {
      replicas, selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'web', image }], ...(withSpread ? { topologySpreadConstraints: spread } : {}) } },
    },
  };
}

function pvc(storage: string, storageClassName = 'longhorn'): JsonMap {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'web' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName, resources: { requests: { storage } } } };
}

function crd(versions: readonly { name: string; storage: boolean; fields?: readonly string[] }[]): JsonMap {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced',
      versions: versions.map((v) => ({
        name: v.name, served: true, storage: v.storage,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: Object.fromEntries((v.fields ?? ['size']).map((f) => [f, { type: 'string' }])) } } } },
      })),
    },
  };
}

const namespace: JsonMap = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } };
const configMap: JsonMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'web' }, data: { a: '1' } };

/** A Role with one rule on Secrets per list of verbs. */
function role(...rules: string[][]): JsonMap {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'web', namespace: 'web' }, rules: rules.map((verbs) => ({ apiGroups: [''], resources: ['secrets'], verbs })) };
}

/** A Service of `type` on `port`. */
function service(type: string, port = 8080): JsonMap {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'web' }, spec: { type, selector: { app: 'web' }, ports: [{ port, targetPort: port }] } };
}

function layerApp(wave: number): JsonMap {
  return {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace: 'argocd', annotations: { 'argocd.argoproj.io/sync-wave': String(wave) } },
    spec: { project: 'platform', destination: { namespace: 'web', server: 'https://kubernetes.default.svc' }, source: { path: 'dist/web', repoURL: 'https://git.example.com/platform.git', targetRevision: 'main' } },
  };
}

/** A breaking and a satisfying case for every risk rule, by id. */
export const RISK_FIXTURES: { readonly [id in RiskId]: { readonly breaking: RiskFixture; readonly satisfying: RiskFixture } } = {
  'stateful-removed': { breaking: () => pair(pvc('10Gi'), undefined), satisfying: () => pair(configMap, undefined) },
  'storage-changed': { breaking: () => pair(pvc('10Gi'), pvc('20Gi')), satisfying: () => pair(pvc('10Gi'), pvc('10Gi')) },
  'replicas-lowered': { breaking: () => pair(deployment(3), deployment(1)), satisfying: () => pair(deployment(3), deployment(2)) },
  'immutable-field': { breaking: () => pair(pvc('10Gi'), pvc('10Gi', 'local-path')), satisfying: () => pair(pvc('10Gi'), pvc('20Gi')) },
  'crd-removed': { breaking: () => pair(crd([{ name: 'v1', storage: true }]), undefined), satisfying: () => pair(crd([{ name: 'v1', storage: true }]), crd([{ name: 'v1', storage: true }])) },
  'crd-version-removed': {
    breaking: () => pair(crd([{ name: 'v1', storage: false }, { name: 'v2', storage: true }]), crd([{ name: 'v2', storage: true }])),
    satisfying: () => pair(crd([{ name: 'v1', storage: true }]), crd([{ name: 'v1', storage: true, fields: ['size', 'color'] }])),
  },
  'crd-storage-version': {
    breaking: () => pair(crd([{ name: 'v1', storage: true }, { name: 'v2', storage: false }]), crd([{ name: 'v1', storage: false }, { name: 'v2', storage: true }])),
    satisfying: () => pair(crd([{ name: 'v1', storage: true }]), crd([{ name: 'v1', storage: true }, { name: 'v2', storage: false }])),
  },
  'namespace-removed': { breaking: () => pair(namespace, undefined), satisfying: () => pair(undefined, namespace) },
  'mutable-image': { breaking: () => pair(deployment(3), deployment(3, 'ghcr.io/tsys/web:latest')), satisfying: () => pair(deployment(3), deployment(3, 'ghcr.io/tsys/web:1.2.4')) },
  'ha-broken': { breaking: () => pair(deployment(3), deployment(3, undefined, false)), satisfying: () => pair(deployment(3), deployment(4)) },
  'rbac-changed': {
    breaking: () => pair(role(['get']), role(['get'], ['list'])),
    satisfying: () => pair(role(['get'], ['list']), role(['get'])),
  },
  'exposure-changed': {
    breaking: () => pair(service('ClusterIP'), service('LoadBalancer')),
    satisfying: () => pair(service('ClusterIP'), service('ClusterIP', 8443)),
  },
  'sync-wave': { breaking: () => pair(layerApp(2), layerApp(5), 'dist/apps'), satisfying: () => pair(layerApp(2), layerApp(2), 'dist/apps') },
};
