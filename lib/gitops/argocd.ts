/**
 * Argo CD conventions shared by every Application the platform renders.
 */

/** Namespace Argo CD runs in and where every Application object lives. */
export const ARGOCD_NAMESPACE = 'argocd';
/** The AppProject of every platform layer. */
export const PLATFORM_PROJECT = 'platform';
/** The root Application (app of apps) that syncs `dist/apps`. */
export const ROOT_APP = 'root';
/** The cluster Argo CD runs in. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

/** Annotation keys read by Argo CD and by `npm run verify`. */
export const ANNOTATIONS = {
  syncWave: 'argocd.argoproj.io/sync-wave',
  syncOptions: 'argocd.argoproj.io/sync-options',
  /** APIs (`group/Kind` or `group/*`, comma-separated) that syncing this Application installs. */
  providesApis: 'platform.tsys/provides-apis',
  /** Layers (comma-separated) this layer's Application waits for. */
  dependsOn: 'platform.tsys/depends-on',
} as const;

/**
 * What installs Argo CD and the app of apps must never be pruned or deleted by Argo CD itself:
 * dropping the argocd namespace, the root Application or the project would take the platform's
 * GitOps down with it.
 */
export const NEVER_PRUNE = { [ANNOTATIONS.syncOptions]: 'Prune=false,Delete=false' } as const;

export interface SyncPolicyOptions {
  /**
   * Apply with server-side apply (large CRDs do not fit the last-applied annotation).
   * @default false
   */
  readonly serverSideApply?: boolean;
  /**
   * Keep the ignored differences (spec.ignoreDifferences) during syncs too, not only in the diff.
   * @default false
   */
  readonly respectIgnoreDifferences?: boolean;
}

/**
 * The sync policy of every platform Application: automated with prune and self-heal,
 * namespaces created on demand, retries with exponential backoff.
 */
export function syncPolicy(options: SyncPolicyOptions = {}) {
  const syncOptions = ['CreateNamespace=true', 'PruneLast=true'];
  if (options.serverSideApply) syncOptions.push('ServerSideApply=true');
  if (options.respectIgnoreDifferences) syncOptions.push('RespectIgnoreDifferences=true');
  return {
    automated: { prune: true, selfHeal: true },
    syncOptions,
    retry: { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
  };
}
