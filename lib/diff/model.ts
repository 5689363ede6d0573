import type { ManualAction } from './manual-actions';

/**
 * What a semantic diff of two rendered trees says: objects added, removed and changed (field by
 * field), files that are not Kubernetes objects, and risky changes, grouped by the folder they
 * render into. Plain data, so renderers and tests read it the same way.
 */

/** One Kubernetes object of one side of the diff. */
export interface ObjectRef {
  /** Identity: `<api group>/<Kind>/<namespace>/<name>` (the version is not part of it). */
  readonly id: string;
  readonly apiVersion: string;
  readonly kind: string;
  /** Absent for cluster-scoped objects. */
  readonly namespace?: string;
  readonly name: string;
  /** Group the object belongs to: its folder (`dist/<layer>`, `dist/apps`, `argocd`). */
  readonly group: string;
  /** File it was read from, relative to the repository root. */
  readonly file: string;
}

/** An object added or removed: its reference and its YAML in full, for the reviewer to read. */
export interface WholeObject extends ObjectRef {
  /** The object as rendered (YAML, without the file's header comment). */
  readonly yaml: string;
}

/** How one field differs. */
export type FieldOp = 'added' | 'removed' | 'changed' | 'reordered';

/** One changed field of an object that exists on both sides. */
export interface FieldChange {
  /**
   * Where: `spec.replicas`, `metadata.annotations["argocd.argoproj.io/sync-wave"]`,
   * `spec.template.spec.containers[name=app].image`, `spec.rules[0].matches`.
   */
  readonly path: string;
  readonly op: FieldOp;
  /** The base value (absent when `op` is `added`). For `reordered`, the names in base order. */
  readonly before?: unknown;
  /** The head value (absent when `op` is `removed`). For `reordered`, the names in head order. */
  readonly after?: unknown;
}

/** An object present on both sides whose fields or file differ. */
export interface ObjectChange {
  /** The object as the head has it. */
  readonly object: ObjectRef;
  /** The object as the base has it (same id; group or file may differ when it moved). */
  readonly previous: ObjectRef;
  /**
   * Field changes in document order (keys sorted, named lists in head order); empty when only the
   * file moved. For a CustomResourceDefinition with `crd`, the changes that `crd` summarises
   * (version schemas, versions added or removed, `served` and `storage`) are not repeated here.
   */
  readonly fields: readonly FieldChange[];
  /** For a CustomResourceDefinition whose versions or their schemas changed: the summary of that. */
  readonly crd?: CrdChange;
}

/** A field of a CRD version's schema that is on one side only, as a dot path (`spec.ports[].name`, `spec.labels.*`). */
export interface SchemaField {
  readonly path: string;
  /** Fields below it that came or went with it (they are not listed on their own). */
  readonly nested: number;
}

/** A schema field on both sides whose own definition differs (not counting the fields below it). */
export interface SchemaFieldChange {
  /** Dot path; `(root)` for the schema's root. */
  readonly path: string;
  /** The schema keywords that differ, sorted: `description`, `enum`, `required`, `type`, `x-kubernetes-…`. */
  readonly keywords: readonly string[];
}

/** A CRD version as one side has it. */
export interface CrdVersionInfo {
  readonly name: string;
  readonly served: boolean;
  readonly storage: boolean;
  /** Fields its schema defines. */
  readonly fields: number;
}

/** A CRD version on both sides whose flags or schema changed. */
export interface CrdVersionChange {
  readonly name: string;
  readonly before: CrdVersionInfo;
  readonly after: CrdVersionInfo;
  /** Fields the head's schema has and the base's has not, outermost only (see `SchemaField.nested`), in schema order. */
  readonly fieldsAdded: readonly SchemaField[];
  /** Fields the base's schema has and the head's has not, outermost only. */
  readonly fieldsRemoved: readonly SchemaField[];
  /** Fields on both sides whose definition changed. */
  readonly fieldsChanged: readonly SchemaFieldChange[];
}

/**
 * What changed in a CustomResourceDefinition's versions, summarised: schemas are compared field
 * by field (dot paths) instead of listing the raw changes of `openAPIV3Schema`.
 */
export interface CrdChange {
  /** Versions in the head only, in head order. */
  readonly versionsAdded: readonly CrdVersionInfo[];
  /** Versions in the base only, in base order. */
  readonly versionsRemoved: readonly CrdVersionInfo[];
  /** Versions on both sides whose `served`, `storage` or schema changed, in head order. */
  readonly versions: readonly CrdVersionChange[];
  /** The storage version on each side, when it differs (absent: none marked). */
  readonly storage?: { readonly before?: string; readonly after?: string };
}

/** A file that is not compared object by object: host files, docs, non-manifests. */
export interface FileChange {
  readonly path: string;
  readonly group: string;
  readonly status: 'added' | 'removed' | 'changed';
  /** Why it is listed as a file, or what changed besides content (`mode`). */
  readonly detail?: string;
  /** For files copied by hand (`dist/hosts/`): the unified diff of the text (hunks only), when the text differs. */
  readonly patch?: string;
}

/** Identifiers of the risk rules, in the order they are reported. */
export const RISK_IDS = [
  'stateful-removed',
  'storage-changed',
  'replicas-lowered',
  'immutable-field',
  'crd-removed',
  'crd-version-removed',
  'crd-storage-version',
  'namespace-removed',
  'rbac-changed',
  'exposure-changed',
  'mutable-image',
  'ha-broken',
  'sync-wave',
] as const;

export type RiskId = (typeof RISK_IDS)[number];

/** One risky change: the rule that found it, the object, and what is at stake. */
export interface RiskFlag {
  readonly rule: RiskId;
  /** Short title of the rule, e.g. `replicas lowered to 1 or 0`. */
  readonly title: string;
  /** The object (the head's when it still exists, else the base's). */
  readonly object: ObjectRef;
  /** What changed and what to do about it, plain text. */
  readonly message: string;
}

/** Everything that changed in one group. */
export interface GroupDiff {
  /** `argocd` (bootstrap), `dist/apps`, `dist/<layer>`, `dist/hosts`, `docs`. */
  readonly group: string;
  /** Human title: `layer longhorn (dist/longhorn)`, `bootstrap (argocd/)`. */
  readonly title: string;
  readonly added: readonly WholeObject[];
  readonly removed: readonly WholeObject[];
  readonly changed: readonly ObjectChange[];
  readonly files: readonly FileChange[];
}

/** Counts for the summary line. */
export interface DiffSummary {
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  readonly files: number;
  /** Files identical on both sides (not parsed). */
  readonly unchangedFiles: number;
}

/** The result of comparing two rendered trees. */
export interface TreeDiff {
  /** Groups with at least one change, in report order. */
  readonly groups: readonly GroupDiff[];
  /** Risky changes, ordered by rule, then group, then object. */
  readonly risks: readonly RiskFlag[];
  readonly summary: DiffSummary;
  /** Oddities met while reading the trees (duplicate identities), already accounted for. */
  readonly warnings: readonly string[];
  /** Steps to take by hand for the changed files Argo CD does not apply (`dist/hosts/`), see `manual-actions.ts`. */
  readonly manualActions: readonly ManualAction[];
  /**
   * What a change of the node-failure report means, one sentence each (`app wiki: a 77 s outage
   * when www2 is lost (was none)`), when that report changed; see `failure-impact.ts`.
   */
  readonly failureImpact: readonly string[];
}

/** Whether the diff found nothing at all. */
export function isEmptyDiff(diff: TreeDiff): boolean {
  return diff.groups.length === 0;
}

/** `Kind namespace/name`, or `Kind name` when cluster-scoped. */
export function describeRef(ref: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}
