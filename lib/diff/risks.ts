import { ANNOTATIONS } from '../gitops/argocd';
import { isCrd, isKind, isMap, JsonMap, mapAt, mapsAt, stringAt, valueAt } from '../k8s/manifest';
import { podSpecAt } from '../k8s/pod-template';
import { crdChange, prunedFields } from './crd';
import { fieldValues, schemaFieldList } from './describe';
import { diffFields, isEqual, joinKey } from './field-diff';
import { compactValue } from './format-value';
import { helmValues } from './helm-values';
import { isPinnedImage, isPinnedTag } from './images';
import type { RiskFlag, RiskId } from './model';
import type { ParsedObject } from './parse';
import { RISK_FIXTURES, RiskFixture } from './risk-fixtures';
import type { Rule } from '../rule';

/** One object on both sides of the diff: `before` only when removed, `after` only when added. */
export interface ObjectPair {
  readonly before?: ParsedObject;
  readonly after?: ParsedObject;
}

/** A risk rule (lib/rule.ts): looks at one added, removed or changed object and says what is risky about it. */
export interface RiskRule extends Rule<ObjectPair, RiskFixture> {
  readonly id: RiskId;
  /** Short title for the summary table. */
  readonly title: string;
}

/** A risk rule from its id, title and messages (one per risky change found; none when it has nothing to say); its fixtures are RISK_FIXTURES[id]. */
function riskRule(spec: { readonly id: RiskId; readonly title: string; messages(pair: ObjectPair): string[] }): RiskRule {
  return {
    id: spec.id,
    title: spec.title,
    description: spec.title,
    check: (pair) => spec.messages(pair).map((message) => ({ rule: spec.id, message })),
    fixtures: RISK_FIXTURES[spec.id],
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers over plain objects

/** An integer from a number or a string of digits (`3`, `"3"`). */
function count(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\s*\d+\s*$/.test(v)) return Number(v);
  return undefined;
}

/** Every value under a key named in `keys`, anywhere below `value`, by field path. */
function collectKeys(value: unknown, keys: ReadonlySet<string>, path: string, out: Map<string, unknown> = new Map()): Map<string, unknown> {
  // The keys and indexes down to the value being walked: a path is spelled only for a key found
  // (most objects have none of `keys`, and spelling every path was most of the walk).
  const trail: (string | number)[] = [];
  const spelled = () => trail.reduce<string>((p, step) => (typeof step === 'number' ? `${p}[${step}]` : joinKey(p, step)), path);
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => {
        trail.push(i);
        walk(v);
        trail.pop();
      });
    } else if (isMap(node)) {
      for (const [k, v] of Object.entries(node)) {
        trail.push(k);
        if (keys.has(k)) out.set(spelled(), v);
        walk(v);
        trail.pop();
      }
    }
  };
  walk(value);
  return out;
}

/** Values under `keys` in every Helm values map of an object. */
function helmKeys(obj: JsonMap | undefined, keys: ReadonlySet<string>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const { path, values } of helmValues(obj)) collectKeys(values, keys, path, out);
  return out;
}

/** Pairs of values present on both sides under the same path. */
function* common<T>(before: ReadonlyMap<string, T>, after: ReadonlyMap<string, T>): Generator<[string, T, T]> {
  for (const [path, a] of before) if (after.has(path)) yield [path, a, after.get(path) as T];
}

const WORKLOADS_WITH_REPLICAS = [
  { group: 'apps', kinds: ['Deployment', 'StatefulSet', 'ReplicaSet'] },
  { group: 'argoproj.io', kinds: ['Rollout'] },
];

function hasReplicas(obj: JsonMap | undefined): boolean {
  return WORKLOADS_WITH_REPLICAS.some((w) => isKind(obj, w.group, ...w.kinds));
}

/** Replicas a workload runs (Kubernetes defaults an absent `spec.replicas` to 1). */
function replicas(obj: JsonMap): number | undefined {
  const replicas = valueAt(obj, 'spec.replicas');
  return replicas === undefined ? 1 : count(replicas);
}

const REPLICA_KEYS = new Set(['replicas', 'replicaCount']);

/** Replica counts that went from `before` to `after` on both sides: the workload's, then Helm values'. */
function replicaChanges(pair: ObjectPair): { path: string; before: number; after: number; shown: string }[] {
  const a = pair.before?.obj;
  const b = pair.after?.obj;
  if (!a || !b) return [];
  const out: { path: string; before: number; after: number; shown: string }[] = [];
  if (hasReplicas(a) && hasReplicas(b)) {
    const ra = replicas(a);
    const rb = replicas(b);
    if (ra !== undefined && rb !== undefined && ra !== rb) {
      out.push({ path: 'spec.replicas', before: ra, after: rb, shown: valueAt(b, 'spec.replicas') === undefined ? `${ra} → unset (defaults to 1)` : `${ra} → ${rb}` });
    }
  }
  for (const [path, va, vb] of common(helmKeys(a, REPLICA_KEYS), helmKeys(b, REPLICA_KEYS))) {
    const ra = count(va);
    const rb = count(vb);
    if (ra !== undefined && rb !== undefined && ra !== rb) out.push({ path, before: ra, after: rb, shown: `${ra} → ${rb}` });
  }
  return out;
}

/** Storage quantity in bytes (`10Gi`, `500M`, `1.5Ti`); undefined when not a quantity. */
export function quantityBytes(v: unknown): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(String(v ?? '').trim());
  if (!m) return undefined;
  const units: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
  return Number(m[1]) * (m[2] ? units[m[2]] : 1);
}

/** What changed under `field`: `spec.selector.matchLabels.tier: added "front"` (at most two leaves). */
function whatChanged(field: string, before: unknown, after: unknown): string {
  const changes = diffFields(before, after, field);
  const shown = changes.slice(0, 2).map((c) => `${c.path}: ${fieldValues(c, 40)}`);
  if (changes.length > 2) shown.push(`${changes.length - 2} more`);
  return shown.join(', ');
}

function sizeChange(before: unknown, after: unknown): string {
  const a = quantityBytes(before);
  const b = quantityBytes(after);
  if (a === undefined || b === undefined) return '';
  return b < a ? ' (shrinks: Kubernetes refuses to shrink a claim)' : ' (grows: needs a StorageClass with allowVolumeExpansion)';
}

// ---------------------------------------------------------------------------------------------
// The rules

/** (a) A PersistentVolumeClaim or StatefulSet removed. */
const statefulRemoved = riskRule({
  id: 'stateful-removed',
  title: 'PVC or StatefulSet removed',
  messages({ before, after }) {
    if (!before || after) return [];
    if (isKind(before.obj, '', 'PersistentVolumeClaim')) {
      return ['removed: Argo CD prunes the claim, and with reclaim policy Delete its volume and data go with it; keep it, or confirm the data is backed up or no longer needed'];
    }
    if (isKind(before.obj, 'apps', 'StatefulSet')) {
      return ['removed: its pods stop, and its claims are deleted too if persistentVolumeClaimRetentionPolicy says so; confirm nothing needs its data'];
    }
    return [];
  },
});

/** (b) A PVC's storage request changed, or a StatefulSet's volumeClaimTemplates. */
const storageChanged = riskRule({
  id: 'storage-changed',
  title: 'storage changed',
  messages({ before, after }) {
    if (!before || !after) return [];
    const a = before.obj;
    const b = after.obj;
    if (isKind(a, '', 'PersistentVolumeClaim') && isKind(b, '', 'PersistentVolumeClaim')) {
      const sa = valueAt(a, 'spec.resources.requests.storage');
      const sb = valueAt(b, 'spec.resources.requests.storage');
      if (!isEqual(sa, sb)) return [`spec.resources.requests.storage ${compactValue(sa)} → ${compactValue(sb)}${sizeChange(sa, sb)}`];
    }
    if (isKind(a, 'apps', 'StatefulSet') && isKind(b, 'apps', 'StatefulSet') && !isEqual(valueAt(a, 'spec.volumeClaimTemplates'), valueAt(b, 'spec.volumeClaimTemplates'))) {
      return [`spec.volumeClaimTemplates changed (${whatChanged('spec.volumeClaimTemplates', valueAt(a, 'spec.volumeClaimTemplates'), valueAt(b, 'spec.volumeClaimTemplates'))}): existing claims keep their old size and class; resize each claim by hand, and recreate the StatefulSet (kubectl delete --cascade=orphan) so new pods get the new template`];
    }
    return storageClassChanges.check({ before, after });
  },
});

/** (c) Replicas lowered to 1 or 0: workloads' spec.replicas and Helm values' replicas/replicaCount. */
const replicasLowered = riskRule({
  id: 'replicas-lowered',
  title: 'replicas lowered to 1 or 0',
  messages(pair) {
    return replicaChanges(pair)
      .filter((c) => c.after < c.before && c.after <= 1)
      .map((c) => `${c.path} ${c.shown}: ${c.after === 0 ? 'nothing runs any more' : 'one pod left, no redundancy'}`);
  },
});

interface ImmutableFields {
  readonly group: string;
  readonly kinds: readonly string[];
  readonly fields: readonly string[];
  /** What to do instead of an in-place update. */
  readonly fix: string;
}

const REPLACE = 'Argo CD\'s apply fails until the object is replaced: delete it and let Argo CD recreate it, or sync it with Replace=true';

/** Fields the API server refuses to update in place. */
export const IMMUTABLE_FIELDS: readonly ImmutableFields[] = [
  { group: 'apps', kinds: ['Deployment', 'DaemonSet'], fields: ['spec.selector'], fix: REPLACE },
  {
    group: 'apps', kinds: ['StatefulSet'], fields: ['spec.selector', 'spec.serviceName', 'spec.volumeClaimTemplates', 'spec.podManagementPolicy'],
    fix: 'Argo CD\'s apply fails: delete the StatefulSet with kubectl delete --cascade=orphan (pods and claims stay) and let Argo CD recreate it',
  },
  {
    group: '', kinds: ['PersistentVolumeClaim'], fields: ['spec.storageClassName', 'spec.accessModes', 'spec.volumeName', 'spec.volumeMode'],
    fix: 'a bound claim cannot change this; create a new claim and move the data',
  },
  { group: 'batch', kinds: ['Job'], fields: ['spec.template', 'spec.selector'], fix: REPLACE },
  {
    group: 'storage.k8s.io', kinds: ['StorageClass'], fields: ['provisioner', 'parameters', 'reclaimPolicy', 'volumeBindingMode'],
    fix: 'delete and recreate the StorageClass (existing volumes keep what they were created with)',
  },
];

/**
 * Whether Argo CD deletes and recreates the object on every sync: a hook (Argo CD's
 * `argocd.argoproj.io/hook`, or Helm's `helm.sh/hook`, which Argo CD maps) whose delete policy
 * is BeforeHookCreation, which is what a hook without a policy gets.
 */
function recreatedEachSync(obj: JsonMap): boolean {
  const annotations: JsonMap = mapAt(obj, 'metadata.annotations') ?? {};
  const [hook, policy] = annotations['argocd.argoproj.io/hook'] !== undefined
    ? [annotations['argocd.argoproj.io/hook'], annotations['argocd.argoproj.io/hook-delete-policy']]
    : [annotations['helm.sh/hook'], annotations['helm.sh/hook-delete-policy']];
  if (typeof hook !== 'string' || hook === '' || hook === 'Skip') return false;
  return policy === undefined || String(policy).split(',').some((p) => /^\s*(BeforeHookCreation|before-hook-creation)\s*$/.test(p));
}

/** (d) An immutable field changed: the object needs a replace (unless Argo CD recreates it each sync, as hook Jobs). */
const immutableField = riskRule({
  id: 'immutable-field',
  title: 'immutable field changed (needs replace)',
  messages({ before, after }) {
    if (!before || !after) return [];
    const a = before.obj;
    const b = after.obj;
    const out: string[] = [];
    for (const rule of IMMUTABLE_FIELDS) {
      if (!isKind(a, rule.group, ...rule.kinds) || !isKind(b, rule.group, ...rule.kinds)) continue;
      if (isKind(b, 'batch', 'Job') && recreatedEachSync(a) && recreatedEachSync(b)) continue;
      for (const field of rule.fields) {
        const va = valueAt(a, field);
        const vb = valueAt(b, field);
        if (!isEqual(va, vb)) out.push(`${field} is immutable (${whatChanged(field, va, vb)}); ${rule.fix}`);
      }
    }
    if (isKind(a, '', 'Service') && isKind(b, '', 'Service')) {
      const ta = valueAt(a, 'spec.type') ?? 'ClusterIP';
      const tb = valueAt(b, 'spec.type') ?? 'ClusterIP';
      if ((ta === 'ExternalName') !== (tb === 'ExternalName')) {
        out.push(`spec.type ${ta} → ${tb}: a Service cannot switch to or from ExternalName in place (it has no cluster IP); ${REPLACE}`);
      } else {
        for (const field of ['spec.clusterIP', 'spec.clusterIPs']) {
          const va = valueAt(a, field);
          const vb = valueAt(b, field);
          if (!isEqual(va, vb)) out.push(`${field} is immutable (${whatChanged(field, va, vb)}); ${REPLACE}`);
        }
      }
    }
    return out;
  },
});

/** (e) A CustomResourceDefinition removed. */
const crdRemoved = riskRule({
  id: 'crd-removed',
  title: 'CRD removed',
  messages({ before, after }) {
    if (!before || after || !isCrd(before.obj)) return [];
    const kind = valueAt(before.obj, 'spec.names.kind') ?? 'custom resource';
    return [`removed: Kubernetes deletes every ${kind} (${valueAt(before.obj, 'spec.group') ?? '?'}) in the cluster with it; keep it unless none of them must survive`];
  },
});

/** The kind a CRD defines, for messages. */
function crdKind(obj: JsonMap): string {
  return stringAt(obj, 'spec.names.kind') ?? 'custom resource';
}

/** Fields named in a risk message: a few, then `… and N more`. */
const RISK_FIELDS = 5;

/**
 * (e2) A CRD version removed, or fields removed from the schema of a stored version (the storage
 * version on either side): data in the cluster at risk.
 */
const crdVersionRemoved = riskRule({
  id: 'crd-version-removed',
  title: 'CRD version or stored field removed (data at risk)',
  messages({ before, after }) {
    if (!before || !after || !isCrd(before.obj) || !isCrd(after.obj)) return [];
    const change = crdChange(before.obj, after.obj);
    if (!change) return [];
    const kind = crdKind(after.obj);
    const storage = mapsAt(after.obj, 'spec.versions').find((v) => v.storage === true)?.name ?? 'the storage version';
    const out: string[] = [];
    for (const v of change.versionsRemoved) {
      out.push(
        `version ${v.name} removed (was ${v.served ? 'served' : 'not served'}${v.storage ? ', the storage version' : ''}): ` +
        `the API server refuses the update while status.storedVersions lists ${v.name}, and ${kind} objects still stored as ${v.name} cannot be read; ` +
        `first rewrite them as ${storage} (storage migration) and drop ${v.name} from status.storedVersions${v.served ? `, and move clients off ${v.name}` : ''}`,
      );
    }
    for (const v of change.versions) {
      if (!v.before.storage && !v.after.storage) continue;
      const pruned = prunedFields(before.obj, after.obj, v.name);
      if (!pruned.length) continue;
      const n = pruned.reduce((sum, f) => sum + 1 + f.nested, 0);
      out.push(
        `${v.name} (${v.before.storage ? 'the storage version' : 'the new storage version'}): ${n} field${n === 1 ? '' : 's'} removed from its schema ` +
        `(${schemaFieldList(pruned, (t) => t, RISK_FIELDS)}): the API server drops ${n === 1 ? 'it' : 'them'} from stored ${kind} objects the next time each is written; ` +
        `check that nothing still sets ${n === 1 ? 'it' : 'them'}, or save that data first`,
      );
    }
    return out;
  },
});

/** (e3) The version a CRD stores its objects as changed. */
const crdStorageVersion = riskRule({
  id: 'crd-storage-version',
  title: 'CRD storage version changed',
  messages({ before, after }) {
    if (!before || !after || !isCrd(before.obj) || !isCrd(after.obj)) return [];
    const moved = crdChange(before.obj, after.obj)?.storage;
    if (!moved?.before || !moved.after) return [];
    const { before: was, after: now } = moved;
    return [
      `storage version ${was} → ${now}: new and rewritten ${crdKind(after.obj)} objects are stored as ${now}, existing ones stay ${was} until rewritten; ` +
      `keep ${was} in spec.versions (and the conversion between them) until a storage migration has rewritten every object and ${was} is dropped from status.storedVersions`,
    ];
  },
});

/** (f) A Namespace removed. */
const namespaceRemoved = riskRule({
  id: 'namespace-removed',
  title: 'namespace removed',
  messages({ before, after }) {
    if (!before || after || !isKind(before.obj, '', 'Namespace')) return [];
    return ['removed: Kubernetes deletes every object in it, claims and their volumes included; move or back up what must survive first'];
  },
});

/** Image references of an object: its pod template's containers by name, and Helm values' `image`. */
function images(obj: JsonMap | undefined): Map<string, { shown: string; pinned: boolean }> {
  const out = new Map<string, { shown: string; pinned: boolean }>();
  const pod = podSpecAt(obj);
  if (pod) {
    for (const list of ['initContainers', 'containers']) {
      const containers: unknown = pod.spec[list];
      if (!Array.isArray(containers)) continue;
      for (const c of containers) {
        if (isMap(c) && typeof c.name === 'string' && typeof c.image === 'string' && c.image) {
          out.set(`${pod.path}.${list}[name=${c.name}].image`, { shown: c.image, pinned: isPinnedImage(c.image) });
        }
      }
    }
  }
  for (const [path, v] of helmKeys(obj, new Set(['image']))) {
    if (typeof v === 'string' && v) out.set(path, { shown: v, pinned: isPinnedImage(v) });
    else if (isMap(v)) {
      // Chart style `image: {repository, tag, digest}`; an absent or empty tag means the chart's own pinned appVersion.
      const tag = typeof v.tag === 'number' ? String(v.tag) : v.tag;
      const digest = typeof v.digest === 'string' && v.digest !== '';
      if (digest || (typeof tag === 'string' && tag)) {
        out.set(`${path}.tag`, { shown: `${v.repository ?? '(chart default)'}:${tag ?? ''}${digest ? `@${v.digest}` : ''}`, pinned: digest || isPinnedTag(String(tag)) });
      }
    }
  }
  return out;
}

/** (g) An image moved from a digest or a version tag to a mutable tag. */
const mutableImage = riskRule({
  id: 'mutable-image',
  title: 'image moved to a mutable tag',
  messages({ before, after }) {
    if (!before || !after) return [];
    const out: string[] = [];
    for (const [path, ia, ib] of common(images(before.obj), images(after.obj))) {
      if (ia.pinned && !ib.pinned) out.push(`${path} ${ia.shown} → ${ib.shown}: a tag the registry can move, so nodes may run different code; pin a version (1.2.3) or a digest (@sha256:...)`);
    }
    return out;
  },
});

const LONGHORN_REPLICA_KEYS = new Set(['numberOfReplicas', 'defaultReplicaCount', 'defaultClassReplicaCount']);

/** A Longhorn replica count: a number, a string of digits, or Longhorn 1.8+'s `{"v1":"3","v2":"3"}` (the lowest). */
function longhornCount(v: unknown): number | undefined {
  const n = count(v);
  if (n !== undefined) return n;
  if (typeof v !== 'string' || !v.trim().startsWith('{')) return undefined;
  try {
    const counts = Object.values(JSON.parse(v) as Record<string, unknown>).map(count).filter((x): x is number => x !== undefined);
    return counts.length ? Math.min(...counts) : undefined;
  } catch {
    return undefined;
  }
}

/** (h) An HA rule newly broken. */
const haBroken = riskRule({
  id: 'ha-broken',
  title: 'HA rule newly broken',
  messages(pair) {
    const { before, after } = pair;
    if (before && !after) {
      return isKind(before.obj, 'policy', 'PodDisruptionBudget')
        ? ['removed: voluntary disruptions (drains, k3s upgrades) may take every pod it protected down at once']
        : [];
    }
    if (!before || !after) return [];
    const out: string[] = [];
    for (const c of replicaChanges(pair)) {
      if (c.before >= 2 && c.after < 2) out.push(`${c.path} ${c.shown}: fewer than 2 replicas, one node failure stops it`);
    }
    const pa = podSpecAt(before.obj);
    const pb = podSpecAt(after.obj);
    if (pa && pb) {
      const spreadA = pa.spec.topologySpreadConstraints;
      const spreadB = pb.spec.topologySpreadConstraints;
      if (Array.isArray(spreadA) && spreadA.length > 0 && !(Array.isArray(spreadB) && spreadB.length > 0)) {
        out.push(`${pa.path}.topologySpreadConstraints removed: replicas may all land on one node`);
      }
      const antiA = valueAt(pa.spec, 'affinity.podAntiAffinity');
      const antiB = valueAt(pb.spec, 'affinity.podAntiAffinity');
      if (isMap(antiA) && Object.keys(antiA).length > 0 && !(isMap(antiB) && Object.keys(antiB).length > 0)) {
        out.push(`${pa.path}.affinity.podAntiAffinity removed: replicas may all land on one node`);
      } else if (isMap(antiA) && isMap(antiB) && antiA.requiredDuringSchedulingIgnoredDuringExecution && !antiB.requiredDuringSchedulingIgnoredDuringExecution) {
        out.push(`${pa.path}.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution removed: anti-affinity is only preferred now, replicas may share a node`);
      }
    }
    for (const [path, va, vb] of common(collectKeys(before.obj, LONGHORN_REPLICA_KEYS, ''), collectKeys(after.obj, LONGHORN_REPLICA_KEYS, ''))) {
      const ra = longhornCount(va);
      const rb = longhornCount(vb);
      if (ra !== undefined && rb !== undefined && ra >= 3 && rb < 3) out.push(`${path} ${compactValue(va)} → ${compactValue(vb)}: Longhorn volumes keep fewer than 3 replicas`);
    }
    return out;
  },
});

/** The layer a layer Application in `dist/apps` syncs, when it is one. */
function layerOf(p: ParsedObject): string | undefined {
  if (p.ref.group !== 'dist/apps' || !isKind(p.obj, 'argoproj.io', 'Application')) return undefined;
  const path = valueAt(p.obj, 'spec.source.path');
  return typeof path === 'string' && path.startsWith('dist/') ? path.slice('dist/'.length).replace(/\/+$/, '') : undefined;
}

/** (i) A sync wave reordered: the sync-wave annotation changed (absent means 0). */
const syncWave = riskRule({
  id: 'sync-wave',
  title: 'sync wave reordered',
  messages({ before, after }) {
    if (!before || !after) return [];
    const wa = valueAt(before.obj, ['metadata', 'annotations', ANNOTATIONS.syncWave]) ?? '0';
    const wb = valueAt(after.obj, ['metadata', 'annotations', ANNOTATIONS.syncWave]) ?? '0';
    const na = Number(wa);
    const nb = Number(wb);
    const same = Number.isFinite(na) && Number.isFinite(nb) ? na === nb : String(wa) === String(wb);
    if (same) return [];
    const later = Number.isFinite(na) && Number.isFinite(nb) ? (nb > na ? 'later' : 'earlier') : 'in another order';
    const layer = layerOf(after);
    if (layer) return [`layer ${layer} now syncs in wave ${wb} (was ${wa}), ${later} than before: check the layers it needs still sync first`];
    return [`sync wave ${wa} → ${wb}: applied ${later} in its sync; check it still comes after what it needs`];
  },
});

/** Every risk rule, in report order. */

// ---------------------------------------------------------------------------------------------
// RBAC and exposure: who may do what, and what is reachable from outside, wherever rendered

const RBAC_ROLES = ['Role', 'ClusterRole'];
const RBAC_BINDINGS = ['RoleBinding', 'ClusterRoleBinding'];

function isRbac(obj: JsonMap | undefined, kinds: readonly string[]): boolean {
  return !!obj && kinds.some((k) => isKind(obj, 'rbac.authorization.k8s.io', k));
}

/** The strings of the list at `key` of `m` (other entries skipped). */
function strings(m: JsonMap, key: string): string[] {
  const v = m[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** One rule of a Role as text: `get,list on core/secrets`, `* on apps/deployments` (with resourceNames or URLs when set). */
function grant(rule: JsonMap): string {
  const groups = Array.isArray(rule.apiGroups) ? strings(rule, 'apiGroups') : [''];
  const what = Array.isArray(rule.nonResourceURLs) ? `URLs ${strings(rule, 'nonResourceURLs').join(',')}` : `${groups.map((g) => g || 'core').join(',')}/${strings(rule, 'resources').join(',')}`;
  return `${strings(rule, 'verbs').join(',')} on ${what}${Array.isArray(rule.resourceNames) ? ` (${strings(rule, 'resourceNames').join(',')})` : ''}`;
}

/** What makes a grant worth a second look: a wildcard, Secrets read, or escalation verbs. */
function grantNote(rule: JsonMap): string | undefined {
  const has = (key: string, x: string) => strings(rule, key).includes(x);
  if (has('verbs', '*') || has('resources', '*') || has('apiGroups', '*')) return 'wildcard';
  if (has('resources', 'secrets') && ['get', 'list', 'watch'].some((v) => has('verbs', v))) return 'reads Secrets';
  if (['escalate', 'bind', 'impersonate'].some((v) => has('verbs', v))) return 'can escalate';
  return undefined;
}

const RBAC_SHOWN = 3;

/** A binding's role as text (`ClusterRole admin`), or `nothing`. */
function roleRefOf(o: JsonMap | undefined): string {
  const ref = mapAt(o, 'roleRef');
  return ref ? `${stringAt(ref, 'kind')} ${stringAt(ref, 'name')}` : 'nothing';
}

/** A binding's subjects as text (`ServiceAccount argocd/argocd-server`). */
function subjectsOf(o: JsonMap | undefined): string[] {
  return mapsAt(o, 'subjects').map((x) => `${stringAt(x, 'kind')} ${stringAt(x, 'namespace') ? `${stringAt(x, 'namespace')}/` : ''}${stringAt(x, 'name')}`);
}

const rbacChanged = riskRule({
  id: 'rbac-changed',
  title: 'RBAC granted or rebound',
  messages({ before, after }) {
    if (!after) return [];
    if (isRbac(after.obj, RBAC_ROLES)) {
      const old = new Set(mapsAt(before?.obj, 'rules').map((r) => JSON.stringify(r)));
      const added = mapsAt(after.obj, 'rules').filter((r) => !old.has(JSON.stringify(r)));
      if (added.length === 0) return [];
      const shown = added.slice(0, RBAC_SHOWN).map((r) => `${grant(r)}${grantNote(r) ? ` [${grantNote(r)}]` : ''}`);
      if (added.length > RBAC_SHOWN) shown.push(`… and ${added.length - RBAC_SHOWN} more`);
      return [`${before ? 'now also grants' : 'new role grants'}: ${shown.join('; ')}`];
    }
    if (isRbac(after.obj, RBAC_BINDINGS)) {
      if (!before) return [`binds ${roleRefOf(after.obj)} to ${subjectsOf(after.obj).join(', ') || 'no subject'}`];
      const oldSubjects = new Set(subjectsOf(before.obj));
      const newSubjects = subjectsOf(after.obj).filter((x) => !oldSubjects.has(x));
      const out: string[] = [];
      if (roleRefOf(before.obj) !== roleRefOf(after.obj)) out.push(`roleRef ${roleRefOf(before.obj)} → ${roleRefOf(after.obj)}`);
      if (newSubjects.length) out.push(`${roleRefOf(after.obj)} now also bound to ${newSubjects.join(', ')}`);
      return out.length ? [out.join('; ')] : [];
    }
    return [];
  },
});

/** Route kinds of the Gateway API and Ingress: the hosts and parents that expose a backend. */
const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'];

/** A value for a message: the string or number, or '' when absent. */
function text(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
}

function exposureOf(obj: JsonMap): string | undefined {
  if (isKind(obj, '', 'Service')) {
    const type = stringAt(obj, 'spec.type') ?? 'ClusterIP';
    if (type !== 'LoadBalancer' && type !== 'NodePort') return undefined;
    const annotations = mapAt(obj, 'metadata.annotations');
    const ip = stringAt(obj, 'spec.loadBalancerIP') ?? stringAt(annotations, ['metallb.universe.tf/loadBalancerIPs']) ?? stringAt(annotations, ['metallb.io/loadBalancerIPs']);
    const ports = mapsAt(obj, 'spec.ports').map((p) => `${text(p.port)}${p.nodePort ? `:${text(p.nodePort)}` : ''}/${stringAt(p, 'protocol') ?? 'TCP'}`).join(',');
    return `${type}${ip ? ` ${ip}` : ''} ports ${ports}`;
  }
  if (isKind(obj, 'networking.k8s.io', 'Ingress')) {
    const hosts = mapsAt(obj, 'spec.rules').map((r) => stringAt(r, 'host') ?? '*');
    return `hosts ${hosts.join(',') || '*'}`;
  }
  const apiVersion = stringAt(obj, 'apiVersion');
  const kind = stringAt(obj, 'kind') ?? '';
  if (apiVersion?.startsWith('gateway.networking.k8s.io/')) {
    if (ROUTE_KINDS.includes(kind)) {
      const parents = mapsAt(obj, 'spec.parentRefs').map((r) => `${stringAt(r, 'namespace') ? `${stringAt(r, 'namespace')}/` : ''}${stringAt(r, 'name')}${stringAt(r, 'sectionName') ? `#${stringAt(r, 'sectionName')}` : ''}`);
      const hostnames = Array.isArray(valueAt(obj, 'spec.hostnames')) ? strings(mapAt(obj, 'spec')!, 'hostnames') : ['*'];
      return `hosts ${hostnames.join(',')} via ${parents.join(',') || 'no gateway'}`;
    }
    if (kind === 'Gateway') {
      const listeners = mapsAt(obj, 'spec.listeners').map((l) => `${stringAt(l, 'name')} ${stringAt(l, 'protocol')}:${text(l.port)}${stringAt(l, 'hostname') ? ` ${stringAt(l, 'hostname')}` : ''}`).join(', ');
      const addresses = Array.isArray(valueAt(obj, 'spec.addresses')) ? ` at ${mapsAt(obj, 'spec.addresses').map((a) => text(a.value)).join(',')}` : '';
      return `listeners ${listeners}${addresses}`;
    }
  }
  return undefined;
}

const exposureChanged = riskRule({
  id: 'exposure-changed',
  title: 'exposure changed',
  messages({ before, after }) {
    const a = before ? exposureOf(before.obj) : undefined;
    const b = after ? exposureOf(after.obj) : undefined;
    if (a === b) return [];
    if (b && !a) return [`${before ? 'now exposed' : 'exposes'}: ${b}; check who may reach it (HAProxy, firewall, NetworkPolicy, login)`];
    if (a && !b) return [after ? `no longer exposed (was ${a}): clients that used it lose access` : `removed (was ${a}): clients that used it lose access`];
    return [`${a} → ${b}`];
  },
});

/** StorageClass settings that decide where data lives and what happens to it (part of `storage-changed`). */
const storageClassChanges = {
  check({ before, after }: ObjectPair): string[] {
    if (!before || !after || !isKind(after.obj, 'storage.k8s.io', 'StorageClass')) return [];
    const out: string[] = [];
    for (const f of ['reclaimPolicy', 'provisioner', 'volumeBindingMode', 'allowVolumeExpansion'] as const) {
      if (!isEqual(before.obj[f], after.obj[f])) out.push(`${f} ${compactValue(before.obj[f])} → ${compactValue(after.obj[f])}`);
    }
    for (const c of diffFields(before.obj.parameters, after.obj.parameters, 'parameters')) out.push(`${c.path}: ${fieldValues(c)}`);
    return out.length ? [`${out.join('; ')}: applies to volumes provisioned from now on (a StorageClass is immutable: Argo CD must replace it)`] : [];
  },
};

export const RISK_RULES: readonly RiskRule[] = [
  statefulRemoved, storageChanged, replicasLowered, immutableField, crdRemoved, crdVersionRemoved, crdStorageVersion, namespaceRemoved, rbacChanged, exposureChanged, mutableImage, haBroken, syncWave,
];

/** Runs every rule on one added, removed or changed object. */
export function findRisks(pair: ObjectPair, rules: readonly RiskRule[] = RISK_RULES): RiskFlag[] {
  const object = (pair.after ?? pair.before)?.ref;
  if (!object) return [];
  return rules.flatMap((rule) => rule.check(pair).map((f) => ({ rule: rule.id, title: rule.title, object, message: f.message })));
}
