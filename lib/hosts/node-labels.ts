/**
 * Node labels and taints the platform sets through k3s (dist/hosts/<node>/config.yaml) and that
 * other parts of the platform select or tolerate (upgrade Plans, kube-vip, Longhorn).
 */

import type { Taint } from '../k8s/scheduling';

/** Set by k3s on every server (value "true"). */
export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';

/**
 * Tells Longhorn to create the node's default disk (with createDefaultDiskLabeledNodes). Storage
 * nodes carry it with the value LONGHORN_DEFAULT_DISK_CONFIG: Longhorn then creates the disk
 * the node's LONGHORN_DISKS_ANNOTATION describes (path and tags), not an untagged one.
 */
export const LONGHORN_DEFAULT_DISK_LABEL = 'node.longhorn.io/create-default-disk';
/** The LONGHORN_DEFAULT_DISK_LABEL value that makes Longhorn read the disks from LONGHORN_DISKS_ANNOTATION. */
export const LONGHORN_DEFAULT_DISK_CONFIG = 'config';
/**
 * Node annotation (JSON list) of the disks Longhorn creates on a node with the label set to
 * `config`, read while the Longhorn node has no disk yet; later changes are ignored by Longhorn.
 */
export const LONGHORN_DISKS_ANNOTATION = 'node.longhorn.io/default-disks-config';
/** Node annotation (JSON list) of the Longhorn node tags, applied while the Longhorn node has none. */
export const LONGHORN_NODE_TAGS_ANNOTATION = 'node.longhorn.io/default-node-tags';
/** Where Longhorn keeps a node's replicas (its default data path). */
export const LONGHORN_DATA_PATH = '/var/lib/longhorn/';
/**
 * The Longhorn tag of a storage node's disk (`prod` or `rnd`, lib/ha/storage.ts), as a node label:
 * Longhorn reads its tags from the annotations above, the node-failure simulation and operators
 * (`kubectl get nodes -L platform.tsys/storage-tag`) read this label.
 */
export const STORAGE_TAG_LABEL = 'platform.tsys/storage-tag';

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
