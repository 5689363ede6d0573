import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { TextFile } from '../constructs/text-file';
import type { Site } from '../config/schema';
import type { PlatformContext } from '../context';
import { HEADER } from '../render/rendered-file';
import { sortKeys } from '../render/sort';
import { Inventory } from '../inventory';
import { installScript } from './install-script';
import { HOSTS_DIR, isFirstServer, K3S_CONFIG_FILE, k3sConfig, KUBE_VIP_DIR } from './k3s-config';
import { KubeVip } from './kube-vip';
import { registriesYaml } from './registries';
import { hostsRunbook } from './runbook';

export { EVICTION, HOSTS_DIR, KUBE_VIP_DIR } from './k3s-config';
/** k3s's registries.yaml, beside the node folders (when a layer mirrors registries for the nodes). */
export const REGISTRIES_FILE = 'registries.yaml';
/** What the node-failure simulation reads beside each node's config.yaml (lib/ha/model.ts FAILURE_MODEL_FILE). */
export const FAILURE_MODEL = 'failure-model.yaml';

/**
 * The facts of the site the node-failure simulation needs that no k3s configuration carries:
 * each node's allocatable capacity and the singletons' recovery budget. Roles, labels, taints and
 * eviction timings it reads from the nodes' config.yaml, so they cannot drift from what k3s runs.
 */
export function failureModelYaml(site: Site): string {
  const model = {
    recoveryBudgetSeconds: site.ha.recoveryBudgetSeconds,
    nodes: site.nodes.map((n) => ({ name: n.name, cpu: String(n.cpu), memory: n.memory })),
  };
  return `# The node-failure simulation (npm run verify, npm run whatif) reads this beside each node's config.yaml:\n# capacity from site.yaml nodes[].cpu and .memory, the budget from ha.recoveryBudgetSeconds.\n${HEADER}${stringify(sortKeys(model), { lineWidth: 0 })}`;
}

export interface K3sHostsProps {
  /** The validated site and the resolved versions. */
  readonly ctx: PlatformContext;
}

/**
 * The files that install k3s on the nodes, outside Argo CD: per node `config.yaml` and
 * `install.sh`, the kube-vip manifests every server installs, the registry mirrors every node
 * pulls through (when a layer registered any), and the join runbook.
 * `dist/hosts/<node>/`, `dist/hosts/kube-vip/kube-vip.yaml`, `dist/hosts/registries.yaml`,
 * `dist/hosts/README.md`. Build it after the layers: it reads the mirrors they registered.
 */
export class K3sHosts extends Construct {
  /** The kube-vip objects (a Chart that is not a layer: k3s applies it, not Argo CD). */
  public readonly kubeVip: KubeVip;

  constructor(scope: Construct, id: string, props: K3sHostsProps) {
    super(scope, id);
    const { site, versions } = props.ctx;
    const clash = site.nodes.find((n) => n.name === KUBE_VIP_DIR);
    if (clash) throw new Error(`programming error: node "${clash.name}" would share ${HOSTS_DIR}/${KUBE_VIP_DIR}/ with the kube-vip manifests; the site rules (lib/config/platform-rules.ts) refuse that name, so the site was not validated (load it with loadSite)`);
    this.kubeVip = new KubeVip(this, 'kube-vip', { address: site.network.apiVip, interface: site.k3s.interface, image: versions['kube-vip'] });
    new TextFile(this, 'kube-vip-file', { path: `${HOSTS_DIR}/${KUBE_VIP_DIR}/kube-vip.yaml`, content: () => this.kubeVip.toYaml() });
    const mirrors = [...Inventory.of(this).registryMirrors];
    if (mirrors.length) new TextFile(this, 'registries', { path: `${HOSTS_DIR}/${REGISTRIES_FILE}`, content: registriesYaml(mirrors) });
    for (const node of site.nodes) {
      const config = k3sConfig(site, node);
      const role = isFirstServer(site, node) ? 'server; starts the cluster with cluster-init' : node.role;
      new TextFile(this, `${node.name}-config`, {
        path: `${HOSTS_DIR}/${node.name}/config.yaml`,
        content: `# ${K3S_CONFIG_FILE} on ${node.name} (${role}); install.sh in this folder installs it.\n${HEADER}${stringify(sortKeys(config), { lineWidth: 0 })}`,
      });
      new TextFile(this, `${node.name}-install`, {
        path: `${HOSTS_DIR}/${node.name}/install.sh`,
        content: installScript(site, node, versions.k3s.version, { registries: mirrors.length > 0 }),
        executable: true,
      });
    }
    new TextFile(this, 'runbook', { path: `${HOSTS_DIR}/README.md`, content: hostsRunbook(site, versions, mirrors) });
    new TextFile(this, 'failure-model', { path: `${HOSTS_DIR}/${FAILURE_MODEL}`, content: failureModelYaml(site) });
  }
}
