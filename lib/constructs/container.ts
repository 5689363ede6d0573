/**
 * What every container the platform sizes and restricts shares, whether a construct renders it
 * or a chart's values describe it.
 */

/** CPU and memory requests and a memory limit of one container (a CPU limit only throttles). */
export interface ContainerResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu?: string; readonly memory: string };
}

/** The container security context of Pod Security "restricted", with a read-only root filesystem. */
export const RESTRICTED_CONTAINER = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true } as const;
