/**
 * How the platform's replicated storage (Longhorn) keeps volumes: the facts the site rules
 * (lib/config/rules.ts), the nodes' k3s configuration (lib/hosts) and the Longhorn layer
 * (lib/layers/longhorn.ts) all read.
 */

/** Copies Longhorn replicates every production volume into: one per storage node, at most on three nodes. */
export const REPLICA_COUNT = 3;
/**
 * Longhorn's replica anti-affinity is hard (not soft): never two replicas of a volume on one
 * node, so a site needs at least REPLICA_COUNT production storage nodes (lib/config/rules.ts checks it).
 */
export const REPLICA_SOFT_ANTI_AFFINITY = false;

/**
 * Longhorn disk and node tags. Every storage node's default disk (and the node itself) carries
 * exactly one: `prod` on production nodes, `rnd` on R&D nodes. Production StorageClasses select
 * `prod` only, so no production replica is ever placed on an R&D disk; the R&D class selects `rnd`.
 */
export const STORAGE_TAGS = { production: 'prod', rnd: 'rnd' } as const;
export type StorageTag = (typeof STORAGE_TAGS)[keyof typeof STORAGE_TAGS];

/** The Longhorn tag of a storage node's disk: `rnd` on an R&D node, `prod` elsewhere. */
export function storageTag(node: { readonly rnd: boolean }): StorageTag {
  return node.rnd ? STORAGE_TAGS.rnd : STORAGE_TAGS.production;
}

/** The StorageClass of R&D volumes (apps with `environment: rnd`): only the R&D nodes' disks. */
export const RND_STORAGE_CLASS = 'longhorn-rnd';
/**
 * Copies of an R&D volume: one. Hard anti-affinity allows one replica per node, and R&D volumes
 * live only on the R&D node (one today): a second copy could never be scheduled, and the volume
 * would stay degraded for ever. R&D data is not HA by design; backups still cover it.
 */
export const RND_REPLICA_COUNT = 1;
