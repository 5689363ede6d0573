import type { Site, SiteNode } from '../config/schema';
import type { RegistryMirror } from '../inventory';
import { formatTaint } from '../k8s/scheduling';
import type { Versions } from '../versions';
import { notReadySeconds, worstCaseEvictionSeconds } from '../ha/recovery';
import { apiUrl, CLUSTER_DNS, EVICTION, isFirstServer, joinOrder, nodeLabels, nodeTaints } from './k3s-config';
import { parseBitwardenRef } from '../constructs/bitwarden-secret';
import { CLUSTER_ADDONS_SELECTOR } from '../layers/cluster-addons';
import { bwTokenCommand } from './install-script';

function roleText(site: Site, node: SiteNode): string {
  if (isFirstServer(site, node)) return 'server (cluster-init)';
  return node.role === 'server' ? 'server' : node.rnd ? 'agent (R&D)' : 'agent';
}

function list(values: readonly string[]): string {
  return values.length ? values.map((v) => `\`${v}\``).join('<br>') : '-';
}

/**
 * dist/hosts/README.md: the join-order runbook with the exact commands per node, how to check
 * each step, the node table and the failover numbers. Derived from the site only.
 */
export function hostsRunbook(site: Site, versions: Versions, mirrors: readonly RegistryMirror[] = []): string {
  const order = joinOrder(site);
  const vip = site.network.apiVip;
  const first = order[0];
  const bw = bwTokenCommand(site);
  const e = EVICTION;
  const out: string[] = [
    '<!-- Rendered by `npm run synth` from site.yaml and lib/hosts/; edit those, not this file. -->',
    '# k3s hosts: install and join runbook',
    '',
    `k3s ${versions.k3s.version} on ${site.nodes.length} nodes of site \`${site.name}\`. The Kubernetes API is reached through the`,
    `virtual IP **${vip}** (\`${apiUrl(site)}\`), held by kube-vip (ARP, leader election) on one server at a`,
    `time on interface \`${site.k3s.interface}\`: every node joins through it, never through one server's address.`,
    '',
    '| file | what |',
    '|---|---|',
    '| `<node>/config.yaml` | `/etc/rancher/k3s/config.yaml` of that node |',
    '| `<node>/install.sh` | installs the token, the configuration and the pinned k3s on that node; refuses to run on another host |',
    '| `kube-vip/kube-vip.yaml` | kube-vip for the API VIP; `install.sh` copies it into `/var/lib/rancher/k3s/server/manifests/` on servers |',
    ...(mirrors.length ? ['| `registries.yaml` | `/etc/rancher/k3s/registries.yaml` of every node: registry mirrors (see below) |'] : []),
    '',
    'These files are not synced by Argo CD: they are copied to the nodes by hand, and only the `upgrades` layer',
    'changes k3s afterwards (system-upgrade-controller moves every node to `versions.k3s`).',
    '',
    '## Nodes',
    '',
    '| join | node | IP | role | taints | labels |',
    '|---|---|---|---|---|---|',
    ...order.map((n, i) => `| ${i + 1} | ${n.name} | ${n.ip} | ${roleText(site, n)} | ${list(nodeTaints(n).map(formatTaint))} | ${list(nodeLabels(n))} |`),
    '',
    'Servers carry `CriticalAddonsOnly=true:NoExecute` (k3s\'s advice for dedicated servers): only critical',
    'add-ons and kube-vip run there, applications run on the agents. The R&D node is tainted so production',
    'workloads never land there.',
    '',
    '## Before you start',
    '',
    '- Each node\'s short host name (`hostname -s`) is its name above, and its IP is configured: `install.sh` checks both.',
    `- Bitwarden item \`${parseBitwardenRef(site.k3s.token).item}\` holds the join token (create it once, before the first server,`,
    '  e.g. `openssl rand -hex 32`). It never goes into git or into these files.',
    '- Every node reaches `https://get.k3s.io` and GitHub (the installer downloads the pinned k3s release).',
    '- Copy the **whole** `dist/hosts` folder to each node (servers read `../kube-vip/kube-vip.yaml`), the same',
    '  commit everywhere: every server installs the same kube-vip file, and k3s applies it from each of them.',
    '- The commands below read the token with the Bitwarden CLI on the node, logged in and unlocked as your',
    '  user. `sudo` drops your environment: pass the token with `sudo --preserve-env=K3S_TOKEN`. Without',
    `  \`K3S_TOKEN\`, \`install.sh\` runs \`${bw}\` itself (as root: pass \`--preserve-env=BW_SESSION\`).`,
    '',
    '## Join order',
    '',
    `The first server in \`site.yaml\` starts the cluster (\`cluster-init\`); the other servers follow in site order,`,
    'then the agents in the order they are listed under `nodes:` in `site.yaml`, R&D nodes last. To change the',
    'agents\' order, reorder `nodes:` in `site.yaml` and run `npm run synth`. Join one node at a time and check it',
    'before the next.',
    '',
  ];
  order.forEach((n, i) => {
    const joinText = isFirstServer(site, n)
      ? 'starts the cluster; kube-vip comes up on it and takes the VIP'
      : n.role === 'server'
        ? `joins through ${vip}; etcd grows by one member`
        : `joins through ${vip}`;
    out.push(
      `### ${i + 1}. ${n.name}, ${roleText(site, n)}: ${joinText}`,
      '',
      '```sh',
      `ssh ${n.name} rm -rf k3s-hosts && scp -rp dist/hosts ${n.name}:k3s-hosts`,
      `ssh ${n.name}`,
      `export K3S_TOKEN="$(${bw})"`,
      `cd k3s-hosts/${n.name} && sudo --preserve-env=K3S_TOKEN ./install.sh`,
      '```',
      '',
    );
    if (isFirstServer(site, n)) {
      out.push(
        `Check on ${n.name}: \`sudo k3s kubectl get nodes -o wide\` lists ${n.name} \`Ready\`;`,
        `\`sudo k3s kubectl -n kube-system get pods -l app.kubernetes.io/name=kube-vip -o wide\` shows kube-vip running;`,
        `\`curl -ks ${apiUrl(site)}/ping\` answers \`pong\` from another machine (the VIP is up).`,
        '',
      );
    } else {
      out.push(
        `Check on ${first.name}: \`sudo k3s kubectl get node ${n.name} -o wide\` shows it \`Ready\`${n.role === 'server' ? ' with roles `control-plane,etcd`' : ''};`,
        `\`sudo k3s kubectl describe node ${n.name} | grep -A3 Taints\` shows ${nodeTaints(n).length ? nodeTaints(n).map((t) => `\`${formatTaint(t)}\``).join(', ') : 'no taints'}.`,
        '',
      );
    }
  });
  out.push(
    '## After the last node',
    '',
    `- \`sudo k3s kubectl get nodes -o wide\` on a server lists all ${site.nodes.length} nodes \`Ready\`.`,
    `- For \`kubectl\` from your workstation, copy \`/etc/rancher/k3s/k3s.yaml\` from a server (mode 0600) and set its`,
    `  \`server:\` to \`${apiUrl(site)}\` (the VIP is in every server certificate).`,
    '',
    '## Cluster DNS, then Argo CD',
    '',
    `k3s runs no CoreDNS here (\`disable: coredns\` in every server's \`config.yaml\`): until the next step nothing in the`,
    `cluster resolves names, and kubelets already point every pod at \`${CLUSTER_DNS.address}\` (\`cluster-dns\`). The platform's`,
    'CoreDNS (3 replicas, one per node) comes with the bootstrap, and it goes first because Argo CD needs DNS to reach',
    'its repository. From a clone of this repository, with the kubeconfig above:',
    '',
    '```sh',
    `kubectl apply --server-side -k argocd/ -l ${CLUSTER_ADDONS_SELECTOR}`,
    'kubectl -n kube-system rollout status deployment/coredns --timeout=5m',
    'kubectl apply --server-side -k argocd/',
    '```',
    '',
    `Check: \`kubectl -n kube-system get endpoints kube-dns\` lists 3 addresses; \`kubectl run dns-check --rm -it --restart=Never`,
    `--image=busybox:1.37 -- nslookup kubernetes.default.svc.${CLUSTER_DNS.domain}\` answers. Argo CD's \`cluster-addons\` Application`,
    '(the first sync wave) then adopts the same objects from `dist/cluster-addons`, with metrics-server. See docs/cluster-dns.md.',
    '',
    '## Failover numbers',
    '',
    '| setting | where | value |',
    '|---|---|---|',
    `| \`node-status-update-frequency\` | kubelet, every node | ${e.nodeStatusUpdateFrequencySeconds} s |`,
    `| \`node-monitor-period\` | controller manager, servers | ${e.nodeMonitorPeriodSeconds} s |`,
    `| \`node-monitor-grace-period\` | controller manager, servers | ${e.nodeMonitorGracePeriodSeconds} s |`,
    `| \`default-not-ready-toleration-seconds\`, \`default-unreachable-toleration-seconds\` | API server, servers | ${e.tolerationSeconds} s |`,
    `| kube-vip lease duration / renew deadline / retry | kube-vip | 15 s / 10 s / 2 s |`,
    '',
    `A dead node is marked NotReady at most ${notReadySeconds(e)} s after its last report; its pods are evicted and`,
    `rescheduled ${e.tolerationSeconds} s later: **at most ${worstCaseEvictionSeconds()} s** from failure to replacement pods, well under a minute.`,
    'Pods of StatefulSets and pods with ReadWriteOnce volumes may wait longer (their volume must be released first).',
    `If the server holding the VIP dies, another server takes it within the kube-vip lease (about 15 s).`,
    '',
    ...registryMirrorSection(mirrors),
    '## Running it again, changes, upgrades',
    '',
    '- `install.sh` is idempotent: with the same k3s version and configuration it does nothing; when only',
    `  \`config.yaml\` changed it installs it and restarts \`k3s\` (servers) or \`k3s-agent\` (agents); when the pinned`,
    '  version differs it runs the k3s installer. It never downgrades k3s.',
    '- k3s sets node **labels and taints only when a node registers**: for a node already in the cluster, apply',
    '  a change with `kubectl label node` / `kubectl taint node` as well.',
    '- Upgrades: change `versions.k3s` (site.yaml) or `lib/versions.ts`; the `upgrades` layer upgrades servers one at',
    '  a time, then agents one at a time (drained). New nodes get the same version from `install.sh`.',
    `- Rebuilding ${first.name} after the cluster exists: \`install.sh\` refuses to start a second cluster. List a`,
    '  healthy server first under `nodes:` in `site.yaml` (it takes `cluster-init`, which is ignored once a server has',
    `  data), run \`npm run synth\`, and run the new files on ${first.name}.`,
    '',
  );
  return out.join('\n');
}

/** The runbook section on registry mirrors, when a layer registered any. */
function registryMirrorSection(mirrors: readonly RegistryMirror[]): string[] {
  if (mirrors.length === 0) return [];
  const sorted = [...mirrors].sort((a, b) => a.registry.localeCompare(b.registry));
  return [
    '## Registry mirrors',
    '',
    'Every node pulls these registries through a mirror first (`registries.yaml`, installed by `install.sh`;',
    'k3s reads it only at start, so `install.sh` restarts k3s when it changed):',
    '',
    '| registry | mirror | repository rewrite | served by |',
    '|---|---|---|---|',
    ...sorted.map((m) => `| ${m.registry} | ${m.endpoint} | ${Object.entries(m.rewrite).map(([from, to]) => `\`${from}\` -> \`${to}\``).join('<br>')} | ${m.layer} |`),
    '',
    'containerd still tries the upstream registry last (without the rewrite), so nodes pull while the mirror is',
    'down or before it exists (the mirror itself starts from upstream images).',
    ...(sorted.some((m) => m.registry === 'docker.io')
      ? ['Check on a node: `sudo k3s crictl pull docker.io/library/busybox:latest`, then find the image in the mirror\'s proxy-cache project.']
      : []),
    '',
  ];
}
