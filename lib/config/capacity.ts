import type { RuleIssue } from './rules';
import { NODE_CAPACITY_DEFAULTS, Site } from './schema';
import { formatCpu, formatMemory } from '../k8s/scheduling';
import type { ScenarioResult } from '../ha/simulate';

/**
 * Capacity problems of the intact site blamed on what sets the capacity: the `cpu` and `memory`
 * of the nodes in site.yaml (the failure model's only source of node capacity), not the rendered
 * workload that happened to be placed last.
 */

/** How many workloads a message names before "and N more". */
const NAMED = 3;

/**
 * One issue per node field (`nodes[i].cpu`, `nodes[i].memory`) that left a workload's pods
 * unplaced on the intact site: a node its constraints allowed, lacking that resource.
 */
export function capacityIssues(site: Site, intact: Pick<ScenarioResult, 'unplaced'>): RuleIssue[] {
  const index = new Map(site.nodes.map((n, i) => [n.name, i]));
  const short = new Map<string, { node: number; resource: 'cpu' | 'memory'; needs: string[] }>();
  for (const u of intact.unplaced) {
    const w = u.workload;
    for (const s of u.short) {
      const i = index.get(s.node);
      if (i === undefined) continue;
      for (const resource of ['cpu', 'memory'] as const) {
        if (!s[resource]) continue;
        const key = `${i}/${resource}`;
        const entry = short.get(key) ?? { node: i, resource, needs: [] };
        entry.needs.push(`${w.label} needs ${resource === 'cpu' ? `${formatCpu(w.cpuMillis)} CPU` : formatMemory(w.memoryBytes)} a pod`);
        short.set(key, entry);
      }
    }
  }
  return [...short.values()].sort((a, b) => a.node - b.node || a.resource.localeCompare(b.resource)).map(({ node, resource, needs }) => {
    const n = site.nodes[node];
    const has = resource === 'cpu' ? `${n.cpu} CPU` : `${n.memory} of memory`;
    const named = needs.slice(0, NAMED).join(', ') + (needs.length > NAMED ? ` and ${needs.length - NAMED} more` : '');
    const count = `${needs.length} workload${needs.length === 1 ? '' : 's'}`;
    return {
      path: ['nodes', node, resource],
      message: `${n.name} has ${has} for pods, too little for what the platform runs: on the intact site ${count} cannot place every pod for lack of ${resource === 'cpu' ? 'CPU' : 'memory'} on the nodes ${needs.length === 1 ? 'it' : 'they'} may use (${named}); give the nodes more ${resource === 'cpu' ? 'CPU' : 'memory'} and set ${resource}: here to what the kubelet can allocate (default ${NODE_CAPACITY_DEFAULTS[resource]}), or add nodes`,
    };
  });
}
