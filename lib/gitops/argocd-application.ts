/**
 * An Argo CD Application as its API server returns it (`GET /api/v1/applications`), the fields
 * the platform's tools read: `npm run status` (lib/delivery/status.ts) and the live diff
 * (lib/diff/live.ts). Shapes follow Argo CD v3.2 (pkg/apis/application/v1alpha1/types.go).
 */

/** One source of an Application (`spec.source`, `spec.sources[]`). */
export interface ArgoSource {
  readonly repoURL?: string;
  readonly path?: string;
  readonly chart?: string;
  readonly targetRevision?: string;
}

/** One resource of an Application's status (`status.resources[]`). */
export interface ArgoResourceStatus {
  readonly group?: string;
  readonly version?: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** `Synced`, `OutOfSync`, `Unknown`. */
  readonly status?: string;
  readonly health?: { readonly status?: string; readonly message?: string };
  readonly hook?: boolean;
  readonly requiresPruning?: boolean;
}

/** An Application (the fields read here). */
export interface ArgoApplication {
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly spec?: {
    readonly project?: string;
    readonly source?: ArgoSource;
    readonly sources?: readonly ArgoSource[];
    readonly destination?: { readonly server?: string; readonly name?: string; readonly namespace?: string };
  };
  readonly status?: {
    readonly sync?: { readonly status?: string; readonly revision?: string; readonly revisions?: readonly string[] };
    readonly health?: { readonly status?: string; readonly message?: string };
    readonly resources?: readonly ArgoResourceStatus[];
    readonly history?: readonly { readonly revision?: string; readonly revisions?: readonly string[] }[];
    readonly operationState?: {
      readonly phase?: string;
      readonly message?: string;
      readonly syncResult?: { readonly revision?: string; readonly revisions?: readonly string[] };
    };
  };
}
