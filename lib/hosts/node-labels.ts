/**
 * Node labels and taints the platform sets through k3s (dist/hosts/<node>/config.yaml) and that
 * other parts of the platform select or tolerate (upgrade Plans, kube-vip, Longhorn).
 */

import type { Taint } from '../k8s/scheduling';

/** Set by k3s on every server (value "true"). */
export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';

/** Tells Longhorn to create its default disk on the node (storage nodes, with createDefaultDiskLabeledNodes). */
export const LONGHORN_DEFAULT_DISK_LABEL = 'node.longhorn.io/create-default-disk';

/** Marks the R&D node; label and taint share the key. */
export const RND_KEY = 'platform.tsys/rnd';

/** k3s's recommendation for dedicated servers: only critical add-ons run there; app workloads run on agents. */
export const SERVER_TAINT: Taint = { key: 'CriticalAddonsOnly', value: 'true', effect: 'NoExecute' };

/**
 * The toleration of the servers' taint for the platform's replicated components: a set of three
 * with required hostname anti-affinity then has five eligible nodes, so one agent down (or www1
 * not joined yet) leaves its third replica somewhere to go (docs/deployability.md).
 */
export const SERVER_TOLERATION = { key: SERVER_TAINT.key, operator: 'Exists', effect: SERVER_TAINT.effect } as const;

/** Keeps production work off the R&D node; R&D workloads tolerate it. */
export const RND_TAINT: Taint = { key: RND_KEY, value: 'true', effect: 'NoSchedule' };
