/** What the drill needs to know about a pod. */
export interface PodInfo {
  readonly name: string;
  readonly namespace: string;
  /** The node it is scheduled on; undefined while Pending without a node. */
  readonly nodeName?: string;
  /** `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`. */
  readonly phase: string;
  /** The `Ready` condition is True. */
  readonly ready: boolean;
  /** It has a deletionTimestamp (terminating). */
  readonly terminating: boolean;
}

/** What the drill needs to know about a node. */
export interface NodeInfo {
  readonly name: string;
  /** The status of the node's `Ready` condition: `True`, `False` or `Unknown` (silent node). */
  readonly ready: 'True' | 'False' | 'Unknown';
  /** Cordoned (`spec.unschedulable`). */
  readonly unschedulable: boolean;
}

/** The answer to an eviction request. */
export type EvictionResult =
  | { readonly outcome: 'evicted' }
  /** The pod no longer exists (already gone: as good as evicted). */
  | { readonly outcome: 'gone' }
  /** Refused, usually by a PodDisruptionBudget (HTTP 429); `message` is the API server's reason. */
  | { readonly outcome: 'refused'; readonly message: string };

/** The few cluster operations a node-failure drill uses (the real one speaks to the Kubernetes API). */
export interface Cluster {
  /** Pods of `namespace` matching a label selector such as `app.kubernetes.io/name=whiteboard`. */
  listPods(namespace: string, labelSelector: string): Promise<PodInfo[]>;
  /** A node; throws a DrillError naming the node when it does not exist. */
  getNode(name: string): Promise<NodeInfo>;
  /** Marks the node unschedulable (kubectl cordon). */
  cordon(node: string): Promise<void>;
  /** Marks the node schedulable again (kubectl uncordon). */
  uncordon(node: string): Promise<void>;
  /** Asks the Eviction API to evict a pod, which honours PodDisruptionBudgets. */
  evict(namespace: string, pod: string): Promise<EvictionResult>;
}
