import { z } from 'zod';

/**
 * Strict schemas of the workload and storage declarations (lib/ha/workloads.ts): the offline form
 * of the `workloads` and `storage` facts. They import nothing of lib/, so the facts file, the HA
 * declarations and the constructs that record facts can all use them without a circle.
 */

const chartValue = <T extends z.ZodTypeAny>(t: T) => z.union([
  z.strictObject({ path: z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, { message: 'must be a dot-separated values path such as "server.replicas"' }), default: t.optional() }),
  z.strictObject({ fixed: t, because: z.string().min(1, { message: 'says why the upstream fixes it' }) }),
]);

const anyJson = z.unknown();
const reason = z.string().refine((s) => s.trim() !== '', { message: 'needs a reason' });

/** Strict schema of one declaration (the offline form of a `workloads` fact, lib/facts). */
export const WorkloadDeclarationSchema = z.strictObject({
  name: z.string().min(1),
  kind: z.enum(['Deployment', 'StatefulSet', 'DaemonSet']),
  namespace: z.string().optional(),
  replicas: chartValue(z.number().int().min(0)).optional(),
  spread: z.union([
    z.strictObject({ topologySpread: chartValue(z.array(anyJson).readonly()) }),
    z.strictObject({ affinity: chartValue(anyJson) }),
    z.strictObject({ preset: chartValue(z.union([z.string(), z.boolean()])), hardWhen: z.union([z.string(), z.boolean()]), topologyKey: chartValue(z.string()).optional() }),
  ]).optional(),
  pdb: z.union([
    z.strictObject({ rendered: z.string().min(1) }),
    z.strictObject({
      enabled: chartValue(z.boolean()).optional(),
      minAvailable: chartValue(z.union([z.number(), z.string()])).optional(),
      maxUnavailable: chartValue(z.union([z.number(), z.string()])).optional(),
    }),
  ]).optional(),
  nodeSelector: chartValue(z.record(z.string(), z.string())).optional(),
  tolerations: chartValue(z.union([z.array(anyJson).readonly(), z.string()])).optional(),
  nodeAffinity: chartValue(anyJson).optional(),
  resources: chartValue(anyJson).optional(),
  startup: z.union([z.strictObject({ probe: chartValue(anyJson) }), z.strictObject({ seconds: chartValue(z.number().min(0)) })]).optional(),
  terminationGracePeriodSeconds: chartValue(z.number().int().min(0)).optional(),
  strategy: chartValue(anyJson).optional(),
  volume: z.strictObject({ storageClass: z.literal('longhorn'), accessMode: z.enum(['ReadWriteOnce', 'ReadWriteMany']) }).optional(),
  role: z.enum(['lb-speaker', 'gateway-proxy', 'cluster-dns', 'metrics-api']).optional(),
  createdBy: z.string().optional(),
  createdFrom: z.strictObject({ group: z.string().min(1), kind: z.string().min(1) }).optional(),
  singleton: reason.optional(),
  systemComponent: reason.optional(),
  exempt: z.record(z.string(), reason).optional(),
  recoveryBudget: z.strictObject({ seconds: z.number().int().positive(), reason }).optional(),
});

export type ParsedDeclaration = z.infer<typeof WorkloadDeclarationSchema>;

export const StorageDeclarationSchema = z.strictObject({
  storageClass: z.literal('longhorn'),
  defaultClass: chartValue(z.boolean()),
  replicaCount: chartValue(z.union([z.number(), z.string()])),
  softAntiAffinity: chartValue(z.boolean()),
  nodeDownPodDeletionPolicy: chartValue(z.string()),
  rwxFastFailover: chartValue(z.boolean()),
  diskNodeLabel: z.string().min(1),
  diskNodeValue: z.string().min(1).optional(),
  managerDaemonSet: z.string().min(1),
  csiDaemonSet: z.string().min(1),
  attachSeconds: chartValue(z.number().min(0)),
});

export type ParsedStorage = z.infer<typeof StorageDeclarationSchema>;
