/**
 * When Argo CD applies an object in a sync, read from its annotations as Argo CD's sync engine
 * reads them (gitops-engine pkg/sync: sync_phase.go, hook/hook.go, hook/helm/type.go and hook.go,
 * syncwaves/waves.go): the phases it is applied in, and its wave within each. A sync runs its
 * phases in turn (PreSync, Sync, PostSync; SyncFail only when the sync fails) and, within a phase,
 * its waves in turn, waiting for what one wave applied to be healthy (a hook Job to complete)
 * before the next.
 */

import { isMap } from './manifest';

/** The phases of a sync, in the order they run. */
export const SYNC_PHASES = ['PreSync', 'Sync', 'PostSync'] as const;
export type SyncPhase = (typeof SYNC_PHASES)[number] | 'SyncFail';

const ARGO_HOOK = 'argocd.argoproj.io/hook';
const ARGO_WAVE = 'argocd.argoproj.io/sync-wave';
const HELM_HOOK = 'helm.sh/hook';
const HELM_WEIGHT = 'helm.sh/hook-weight';

/** Argo CD's hook types (common.NewHookType). */
const ARGO_HOOK_TYPES: ReadonlySet<string> = new Set(['PreSync', 'Sync', 'PostSync', 'SyncFail', 'PostDelete', 'Skip']);
/** The Helm hooks Argo CD maps onto its own (hook/helm/type.go); every other Helm hook is none. */
const HELM_HOOK_TYPES: Readonly<Record<string, string>> = { 'pre-install': 'PreSync', 'pre-upgrade': 'PreSync', 'post-install': 'PostSync', 'post-upgrade': 'PostSync' };

/** The comma-separated values of an annotation, trimmed, without empty ones and repeats (GetAnnotationCSVs). */
function csv(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return [...new Set(value.split(',').map((v) => v.trim()).filter((v) => v !== ''))];
}

/** Go's strconv.Atoi of `text` (an optional sign and decimal digits), or undefined (past 2^53 too). */
export function atoi(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^[+-]?[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

const annotationOf = (annotations: unknown, key: string): unknown =>
  (isMap(annotations) && Object.prototype.hasOwnProperty.call(annotations, key) ? annotations[key] : undefined);

/**
 * The phases a sync applies an object with `annotations` (metadata.annotations) in: Sync for an
 * object that is no hook; a hook's own phases among PreSync, Sync, PostSync and SyncFail (its Argo
 * CD hook types, else the Helm hooks Argo CD maps: pre-install and pre-upgrade are PreSync,
 * post-install and post-upgrade PostSync; `helm.sh/hook: crd-install` is no hook); none for a
 * `Skip` hook or one of none of those phases (PostDelete, pre-delete, a type Argo CD does not know).
 */
export function syncPhasesOf(annotations: unknown): SyncPhase[] {
  const argo = annotationOf(annotations, ARGO_HOOK);
  if (!isHook(annotations)) return ['Sync'];
  const helm = annotationOf(annotations, HELM_HOOK);
  let types = csv(argo).filter((t) => ARGO_HOOK_TYPES.has(t));
  if (types.length === 1 && types[0] === 'Skip') return [];
  if (types.length === 0) types = csv(helm).map((t) => HELM_HOOK_TYPES[t]).filter((t): t is string => t !== undefined);
  return [...SYNC_PHASES, 'SyncFail' as const].filter((p) => types.includes(p));
}

/**
 * Whether an object with `annotations` is a hook to Argo CD (an Argo CD hook annotation, or a Helm
 * hook but `crd-install`), Skip hooks included: Argo CD never prunes a hook, deletes it before it
 * creates it again on the next sync (`BeforeHookCreation`, the default delete policy) or when the
 * sync ends (`HookSucceeded`, `HookFailed`), so nothing that must last may be one.
 */
export function isHook(annotations: unknown): boolean {
  const helm = annotationOf(annotations, HELM_HOOK);
  return typeof annotationOf(annotations, ARGO_HOOK) === 'string' || (typeof helm === 'string' && helm !== 'crd-install');
}

const ARGO_DELETE = 'argocd.argoproj.io/hook-delete-policy';
const HELM_DELETE = 'helm.sh/hook-delete-policy';
const ARGO_DELETE_POLICIES: ReadonlySet<string> = new Set(['HookSucceeded', 'HookFailed', 'BeforeHookCreation']);
const HELM_DELETE_POLICIES: Readonly<Record<string, string>> = { 'before-hook-creation': 'BeforeHookCreation', 'hook-succeeded': 'HookSucceeded', 'hook-failed': 'HookFailed' };

/**
 * A hook's delete policies as Argo CD reads them (hook/delete_policy.go): Argo CD's and Helm's
 * together, and `BeforeHookCreation` when there are none.
 */
export function deletePolicies(annotations: unknown): string[] {
  const policies = [...csv(annotationOf(annotations, ARGO_DELETE)).filter((p) => ARGO_DELETE_POLICIES.has(p)), ...csv(annotationOf(annotations, HELM_DELETE)).map((p) => HELM_DELETE_POLICIES[p]).filter((p): p is string => p !== undefined)];
  return policies.length ? [...new Set(policies)] : ['BeforeHookCreation'];
}

/**
 * Whether an object with `annotations` is a hook that Argo CD deletes in the course of ordinary
 * syncs: when the sync ends (`HookSucceeded`) or before the next sync creates it again
 * (`BeforeHookCreation`, the default). What a longer-lived object needs must not be one.
 */
export function isPassingHook(annotations: unknown): boolean {
  return isHook(annotations) && deletePolicies(annotations).some((p) => p === 'HookSucceeded' || p === 'BeforeHookCreation');
}

/** The sync wave of an object with `annotations`: `argocd.argoproj.io/sync-wave` read as an integer, else `helm.sh/hook-weight`, else 0. */
export function syncWaveOf(annotations: unknown): number {
  return atoi(annotationOf(annotations, ARGO_WAVE)) ?? atoi(annotationOf(annotations, HELM_WEIGHT)) ?? 0;
}

/**
 * When a normal sync first applies an object: the index of its first phase in SYNC_PHASES and its
 * wave, or undefined when a normal sync never applies it (a SyncFail, PostDelete or Skip hook).
 */
export function firstApplied(annotations: unknown): readonly [phase: number, wave: number] | undefined {
  const phases = syncPhasesOf(annotations);
  const first = SYNC_PHASES.findIndex((p) => phases.includes(p));
  return first < 0 ? undefined : [first, syncWaveOf(annotations)];
}
