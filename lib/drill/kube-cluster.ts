import type { Cluster, EvictionResult, NodeInfo, PodInfo } from './cluster';
import { DrillError } from './drill-error';
import { KubeApi, STRATEGIC_MERGE_PATCH, statusMessage } from './kube-api';

interface K8sCondition {
  readonly type: string;
  readonly status: string;
}
interface K8sPod {
  readonly metadata: { readonly name: string; readonly namespace: string; readonly deletionTimestamp?: string };
  readonly spec?: { readonly nodeName?: string };
  readonly status?: { readonly phase?: string; readonly conditions?: readonly K8sCondition[] };
}
interface K8sNode {
  readonly metadata: { readonly name: string };
  readonly spec?: { readonly unschedulable?: boolean };
  readonly status?: { readonly conditions?: readonly K8sCondition[] };
}

/** The drill's pod view of a Kubernetes Pod. */
export function toPodInfo(p: K8sPod): PodInfo {
  return {
    name: p.metadata.name,
    namespace: p.metadata.namespace,
    nodeName: p.spec?.nodeName,
    phase: p.status?.phase ?? 'Unknown',
    ready: (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    terminating: !!p.metadata.deletionTimestamp,
  };
}

/** The drill's node view of a Kubernetes Node. */
export function toNodeInfo(n: K8sNode): NodeInfo {
  const ready = (n.status?.conditions ?? []).find((c) => c.type === 'Ready')?.status;
  return { name: n.metadata.name, ready: ready === 'True' || ready === 'False' ? ready : 'Unknown', unschedulable: n.spec?.unschedulable === true };
}

/** The Cluster of the drill over the Kubernetes API (core/v1 pods and nodes, policy/v1 evictions). */
export class KubeCluster implements Cluster {
  constructor(private readonly api: KubeApi) {}

  public async listPods(namespace: string, labelSelector: string): Promise<PodInfo[]> {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?labelSelector=${encodeURIComponent(labelSelector)}`;
    const list = await this.api.json<{ items?: K8sPod[] }>('GET', path, `list the pods ${labelSelector} in ${namespace}`);
    return (list.items ?? []).map(toPodInfo);
  }

  public async getNode(name: string): Promise<NodeInfo> {
    const path = `/api/v1/nodes/${encodeURIComponent(name)}`;
    const res = await this.api.request('GET', path);
    if (res.status === 404) throw new DrillError(`node ${name} does not exist in the cluster at ${this.api.server}; kubectl get nodes lists them`);
    if (res.status !== 200) throw this.api.refusal(res, 'GET', path, `read node ${name}`);
    return toNodeInfo(res.body as K8sNode);
  }

  /** `kubectl cordon`: the same strategic merge patch of spec.unschedulable. */
  public async cordon(node: string): Promise<void> {
    await this.api.json('PATCH', `/api/v1/nodes/${encodeURIComponent(node)}`, `cordon ${node}`, { spec: { unschedulable: true } }, STRATEGIC_MERGE_PATCH);
  }

  /** `kubectl uncordon`: removes spec.unschedulable. */
  public async uncordon(node: string): Promise<void> {
    await this.api.json('PATCH', `/api/v1/nodes/${encodeURIComponent(node)}`, `uncordon ${node}`, { spec: { unschedulable: null } }, STRATEGIC_MERGE_PATCH);
  }

  /**
   * POST pods/<pod>/eviction (policy/v1). 201/200: evicted; 404: already gone; 429 (a
   * PodDisruptionBudget allows no disruption) or a 500 naming several budgets: refused.
   */
  public async evict(namespace: string, pod: string): Promise<EvictionResult> {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/eviction`;
    const body = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace } };
    const res = await this.api.request('POST', path, body);
    if (res.status === 200 || res.status === 201) return { outcome: 'evicted' };
    if (res.status === 404) return { outcome: 'gone' };
    if (res.status === 429 || (res.status === 500 && /disruption budget/i.test(statusMessage(res)))) {
      return { outcome: 'refused', message: statusMessage(res).replace(/^ \((.*)\)$/, '$1') || `HTTP ${res.status}` };
    }
    throw this.api.refusal(res, 'POST', path, `evict ${namespace}/${pod}`);
  }
}
