/**
 * How the platform's replicated storage (Longhorn) keeps volumes: the facts the site rules
 * (lib/config/rules.ts) and the Longhorn layer (lib/layers/longhorn.ts) both read.
 */

/** Copies Longhorn replicates every volume into: one per storage node, at most on three nodes. */
export const REPLICA_COUNT = 3;
/**
 * Longhorn's replica anti-affinity is hard (not soft): never two replicas of a volume on one
 * node, so a site needs at least REPLICA_COUNT storage nodes (lib/config/rules.ts checks it).
 */
export const REPLICA_SOFT_ANTI_AFFINITY = false;
