import { parse, parseAllDocuments } from 'yaml';
import type { Site } from '../../lib/config/schema';
import { worstCaseEvictionSeconds } from '../../lib/ha/recovery';
import { EVICTION, K3sHosts } from '../../lib/hosts/k3s-hosts';
import { joinOrder } from '../../lib/hosts/k3s-config';
import { buildPlatform } from '../../lib/platform';
import { renderSite } from '../../lib/synth';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { shippedSite, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const VIP_URL = 'https://10.251.51.10:6443';
const SERVER_TAINT = 'CriticalAddonsOnly=true:NoExecute';
const RND_TAINT = 'platform.tsys/rnd=true:NoSchedule';
const DISK = 'node.longhorn.io/create-default-disk=config';
const PROD_TAG = 'platform.tsys/storage-tag=prod';

/** The node called `name` in a mutable site copy. */
function nodeOf(site: Obj, name: string): Obj {
  return site.nodes.find((n: Obj) => n.name === name);
}

function filesOf(site: Site): Map<string, string> {
  return new Map(renderSite(site).map((f) => [f.path, f.content]));
}

/** Paths added, removed and changed between two renders. */
function diff(before: Map<string, string>, after: Map<string, string>) {
  return {
    added: [...after.keys()].filter((p) => !before.has(p)).sort(),
    removed: [...before.keys()].filter((p) => !after.has(p)).sort(),
    changed: [...after.keys()].filter((p) => before.has(p) && before.get(p) !== after.get(p)).sort(),
  };
}

describe('K3sHosts: k3s config.yaml per node', () => {
  const site = shippedSite();
  const files = filesOf(site);
  const config = (node: string): Obj => parse(files.get(`dist/hosts/${node}/config.yaml`)!);

  // node, cluster-init, join address, taints, labels
  const expected: [string, boolean, string | undefined, string[] | undefined, string[]][] = [
    ['db1', true, undefined, [SERVER_TAINT], [DISK, PROD_TAG]],
    ['db2', false, VIP_URL, [SERVER_TAINT], [DISK, PROD_TAG]],
    ['db3', false, VIP_URL, [SERVER_TAINT], [DISK, PROD_TAG]],
    ['www1', false, VIP_URL, undefined, [DISK, PROD_TAG]],
    ['www2', false, VIP_URL, undefined, [DISK, PROD_TAG]],
    ['www3', false, VIP_URL, undefined, [DISK, PROD_TAG]],
    ['subord', false, VIP_URL, [RND_TAINT], [DISK, 'platform.tsys/rnd=true', 'platform.tsys/storage-tag=rnd']],
  ];

  test.each(expected)('GIVEN node %s WHEN its config is rendered THEN cluster-init=%s, it joins through %s, with the expected taints and labels', (node, init, server, taints, labels) => {
    const c = config(node);
    expect(c['cluster-init']).toBe(init ? true : undefined);
    expect(c.server).toBe(server);
    expect(c['node-taint']).toEqual(taints);
    expect(c['node-label']).toEqual(labels);
    expect(c['node-name']).toBe(node);
    expect(c['node-ip']).toBe(site.nodes.find((n) => n.name === node)!.ip);
    expect(c['token-file']).toBe('/etc/rancher/k3s/token');
    expect(c['kubelet-arg']).toEqual(['node-status-update-frequency=4s']);
  });

  test('GIVEN every node WHEN its join address is read THEN it is the VIP, never one server\'s own address', () => {
    const serverUrls = site.nodes.filter((n) => n.role === 'server').map((n) => `https://${n.ip}:6443`);
    for (const node of site.nodes) {
      const server = config(node.name).server;
      if (node.name === 'db1') continue;
      expect([node.name, server]).toEqual([node.name, VIP_URL]);
      expect(serverUrls).not.toContain(server);
    }
  });

  test('GIVEN the servers WHEN rendered THEN each has exactly the control-plane settings: SANs, disabled add-ons, the service network and cluster DNS, etcd metrics, fast eviction, private kubeconfig', () => {
    const { 'node-name': _n, 'node-ip': _i, 'cluster-init': _c, server: _s, ...rest } = config('db2');
    expect(rest).toEqual({
      'cluster-dns': '10.43.0.10',
      'cluster-domain': 'cluster.local',
      disable: ['servicelb', 'traefik', 'local-storage', 'coredns', 'metrics-server'],
      'etcd-expose-metrics': true,
      'kube-apiserver-arg': ['default-not-ready-toleration-seconds=20', 'default-unreachable-toleration-seconds=20'],
      'kube-controller-manager-arg': ['node-monitor-period=2s', 'node-monitor-grace-period=20s'],
      'kubelet-arg': ['node-status-update-frequency=4s'],
      'node-label': [DISK, PROD_TAG],
      'node-taint': [SERVER_TAINT],
      'service-cidr': '10.43.0.0/16',
      'tls-san': ['10.251.51.1', '10.251.51.10', '10.251.51.2', '10.251.51.3', 'db1', 'db2', 'db3'],
      'token-file': '/etc/rancher/k3s/token',
      'write-kubeconfig-mode': '0600',
    });
    expect(config('db1')['tls-san']).toEqual(config('db3')['tls-san']);
    expect(files.get('dist/hosts/db1/config.yaml')).toContain("write-kubeconfig-mode: \"0600\"");
  });

  test('GIVEN an agent WHEN rendered THEN it has only the node keys and the VIP (no server settings)', () => {
    expect(Object.keys(config('www2')).sort()).toEqual(['kubelet-arg', 'node-ip', 'node-label', 'node-name', 'server', 'token-file']);
  });

  test('GIVEN a config file WHEN read THEN it starts with a comment naming its target and node, and its keys are sorted', () => {
    const text = files.get('dist/hosts/db1/config.yaml')!;
    expect(text.split('\n')[0]).toBe('# /etc/rancher/k3s/config.yaml on db1 (server; starts the cluster with cluster-init); install.sh in this folder installs it.');
    const keys = Object.keys(config('db1'));
    expect(keys).toEqual([...keys].sort());
  });

  test('GIVEN extra node labels in the site WHEN rendered THEN they join the derived labels, sorted', () => {
    const c = parse(filesOf(siteWith((s) => { nodeOf(s, 'www2').labels = { 'topology.kubernetes.io/zone': 'rack2', 'platform.tsys/tier': 'web' }; })).get('dist/hosts/www2/config.yaml')!);
    expect(c['node-label']).toEqual([DISK, PROD_TAG, 'platform.tsys/tier=web', 'topology.kubernetes.io/zone=rack2']);
  });

  test('GIVEN a label kubelet may not set, or one the platform derives, WHEN rendered unvalidated THEN it is a programming error (the site rules refuse them: fixtures node-label-reserved, node-label-derived)', () => {
    expect(() => renderSite(siteWith((s) => { nodeOf(s, 'www2').labels = { 'node-role.kubernetes.io/worker': 'true' }; })))
      .toThrow('programming error: node www2: kubelet refuses to set label "node-role.kubernetes.io/worker" on itself');
    expect(() => renderSite(siteWith((s) => { nodeOf(s, 'www2').labels = { 'platform.tsys/rnd': 'true' }; })))
      .toThrow('programming error: node www2: label "platform.tsys/rnd" is derived by the platform');
  });

  test('GIVEN a node named like the kube-vip folder WHEN rendered unvalidated THEN it is a programming error (the site rule refuses it: fixture node-named-kube-vip)', () => {
    expect(() => renderSite(siteWith((s) => { nodeOf(s, 'subord').name = 'kube-vip'; })))
      .toThrow('programming error: node "kube-vip" would share dist/hosts/kube-vip/ with the kube-vip manifests');
  });
});

describe('K3sHosts: eviction', () => {
  test('GIVEN the eviction settings WHEN read THEN a node is declared dead after at least four missed reports and pods leave it well under a minute', () => {
    expect(EVICTION).toEqual({ nodeStatusUpdateFrequencySeconds: 4, nodeMonitorPeriodSeconds: 2, nodeMonitorGracePeriodSeconds: 20, tolerationSeconds: 20 });
    expect(EVICTION.nodeMonitorGracePeriodSeconds).toBeGreaterThanOrEqual(4 * EVICTION.nodeStatusUpdateFrequencySeconds);
    expect(worstCaseEvictionSeconds()).toBe(42);
    expect(worstCaseEvictionSeconds()).toBeLessThan(60);
    expect(worstCaseEvictionSeconds({ nodeStatusUpdateFrequencySeconds: 10, nodeMonitorPeriodSeconds: 5, nodeMonitorGracePeriodSeconds: 40, tolerationSeconds: 300 })).toBe(345);
  });
});

describe('K3sHosts: kube-vip', () => {
  const files = filesOf(shippedSite());
  const objects = parseAllDocuments(files.get('dist/hosts/kube-vip/kube-vip.yaml')!).map((d) => d.toJS() as Obj);
  const daemonSet = objects.find((o) => o.kind === 'DaemonSet')!;

  test('GIVEN the kube-vip file WHEN parsed THEN it holds exactly the ServiceAccount, ClusterRole, binding and DaemonSet, named explicitly', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/kube-system/kube-vip',
      'ClusterRole//system:kube-vip-role',
      'ClusterRoleBinding//system:kube-vip-binding',
      'DaemonSet/kube-system/kube-vip-ds',
    ]);
  });

  test('GIVEN every kube-vip object WHEN validated against the strict schemas THEN there is no problem', () => {
    const registry = new SchemaRegistry();
    for (const o of objects) expect([o.kind, registry.validate(o)]).toEqual([o.kind, []]);
  });

  test('GIVEN the role WHEN read THEN it allows leases for leader election and only reads nodes and services', () => {
    expect(objects.find((o) => o.kind === 'ClusterRole')!.rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
      { apiGroups: [''], resources: ['nodes', 'services'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(objects.find((o) => o.kind === 'ClusterRoleBinding')!.subjects).toEqual([{ kind: 'ServiceAccount', name: 'kube-vip', namespace: 'kube-system' }]);
  });

  test('GIVEN the DaemonSet WHEN read THEN it runs on servers only, whatever their taints, on the host network, with only the network capabilities', () => {
    const spec = daemonSet.spec.template.spec;
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([{ matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' }] }]);
    expect(spec.tolerations).toEqual([{ effect: 'NoSchedule', operator: 'Exists' }, { effect: 'NoExecute', operator: 'Exists' }]);
    expect(spec.hostNetwork).toBe(true);
    expect(spec.serviceAccountName).toBe('kube-vip');
    const [c] = spec.containers;
    expect(c.image).toBe('ghcr.io/kube-vip/kube-vip:v1.2.3');
    expect(c.args).toEqual(['manager']);
    expect(c.securityContext).toEqual({ capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] } });
  });

  test('GIVEN the DaemonSet WHEN its environment is read THEN it announces the site VIP by ARP on the site interface, for the control plane only, with leader election', () => {
    const env = Object.fromEntries(daemonSet.spec.template.spec.containers[0].env.map((e: Obj) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toEqual({
      vip_arp: 'true',
      port: '6443',
      vip_nodename: { fieldRef: { fieldPath: 'spec.nodeName' } },
      vip_interface: 'eth0',
      vip_subnet: '32',
      cp_enable: 'true',
      cp_namespace: 'kube-system',
      svc_enable: 'false',
      vip_leaderelection: 'true',
      vip_leasename: 'plndr-cp-lock',
      vip_leaseduration: '15',
      vip_renewdeadline: '10',
      vip_retryperiod: '2',
      address: '10.251.51.10',
    });
  });

  test('GIVEN another VIP, interface and kube-vip version WHEN rendered THEN the file follows', () => {
    const text = filesOf(siteWith((s) => { s.network.apiVip = '10.251.51.11'; s.k3s.interface = 'ens18'; s.versions = { 'kube-vip': 'v1.2.4' }; })).get('dist/hosts/kube-vip/kube-vip.yaml')!;
    const ds = parseAllDocuments(text).map((d) => d.toJS() as Obj).find((o) => o.kind === 'DaemonSet')!;
    const env = Object.fromEntries(ds.spec.template.spec.containers[0].env.map((e: Obj) => [e.name, e.value]));
    expect([env.address, env.vip_interface, ds.spec.template.spec.containers[0].image]).toEqual(['10.251.51.11', 'ens18', 'ghcr.io/kube-vip/kube-vip:v1.2.4']);
  });

  test('GIVEN the platform WHEN built THEN kube-vip is no layer and no Argo CD output: it appears only under dist/hosts', () => {
    const platform = buildPlatform(shippedSite());
    expect(platform.hosts).toBeInstanceOf(K3sHosts);
    expect(platform.outputs.map((o) => o.chart)).not.toContain(platform.hosts.kubeVip);
    // The node-failure report names it too (the API VIP line): it is no manifest.
    const elsewhere = [...files].filter(([p, c]) => !p.startsWith('dist/hosts/') && !p.startsWith('reports/') && c.includes('kube-vip')).map(([p]) => p);
    expect(elsewhere).toEqual([]);
  });
});

describe('K3sHosts: runbook', () => {
  const readme = (site: Site) => filesOf(site).get('dist/hosts/README.md')!;
  const steps = (text: string) => [...text.matchAll(/^### \d+\. ([a-z0-9-]+),/gm)].map((m) => m[1]);

  test('GIVEN the shipped site WHEN the runbook is rendered THEN nodes join first server, other servers, agents in site order, R&D last', () => {
    const site = shippedSite();
    const agents = site.nodes.filter((n) => n.role === 'agent' && !n.rnd).map((n) => n.name);
    expect(steps(readme(site))).toEqual(['db1', 'db2', 'db3', ...agents, 'subord']);
    expect(joinOrder(site).map((n) => n.name)).toEqual(steps(readme(site)));
  });

  test('GIVEN agents reordered in the site (www2, www3, then www1) and the R&D node listed first WHEN rendered THEN the runbook follows, R&D still last', () => {
    const site = siteWith((s) => {
      const byName = (n: string) => s.nodes.find((x: Obj) => x.name === n);
      s.nodes = [byName('subord'), byName('db1'), byName('db2'), byName('db3'), byName('www2'), byName('www3'), byName('www1')];
    });
    expect(steps(readme(site))).toEqual(['db1', 'db2', 'db3', 'www2', 'www3', 'www1', 'subord']);
  });

  test('GIVEN a step WHEN read THEN it has the exact commands: copy the folder, the token from Bitwarden, run install.sh with the token, and how to check', () => {
    const text = readme(shippedSite());
    const start = text.search(/^### \d+\. www2,/m);
    const step = text.slice(start, text.indexOf('\n### ', start + 1));
    expect(step).toContain([
      '```sh',
      'ssh www2 rm -rf k3s-hosts && scp -rp dist/hosts www2:k3s-hosts',
      'ssh www2',
      'export K3S_TOKEN="$(bw get password \'k3s-cluster-token\')"',
      'cd k3s-hosts/www2 && sudo --preserve-env=K3S_TOKEN ./install.sh',
      '```',
    ].join('\n'));
    expect(step).toContain('Check on db1: `sudo k3s kubectl get node www2 -o wide` shows it `Ready`');
  });

  test('GIVEN the runbook WHEN read THEN it shows the VIP, the node table with taints and labels, and the eviction numbers', () => {
    const text = readme(shippedSite());
    expect(text).toContain('virtual IP **10.251.51.10** (`https://10.251.51.10:6443`)');
    expect(text).toContain('| 1 | db1 | 10.251.51.1 | server (cluster-init) | `CriticalAddonsOnly=true:NoExecute` | `node.longhorn.io/create-default-disk=config`<br>`platform.tsys/storage-tag=prod` |');
    expect(text).toContain('| 7 | subord | 10.251.50.10 | agent (R&D) | `platform.tsys/rnd=true:NoSchedule` | `node.longhorn.io/create-default-disk=config`<br>`platform.tsys/rnd=true`<br>`platform.tsys/storage-tag=rnd` |');
    expect(text).toContain('| `node-monitor-grace-period` | controller manager, servers | 20 s |');
    expect(text).toContain('**at most 42 s** from failure to replacement pods, well under a minute');
  });
});

describe('K3sHosts: what a site change touches', () => {
  const before = filesOf(shippedSite());
  // CoreDNS answers for the nodes' names (its Corefile's hosts block, like k3s's NodeHosts): its
  // ConfigMap and the Deployment's config checksum, in the layer and in the bootstrap.
  const COREDNS_NODE_HOSTS = ['argocd/configmap-coredns.yaml', 'argocd/deployment-coredns.yaml', 'dist/cluster-addons/configmap-coredns.yaml', 'dist/cluster-addons/deployment-coredns.yaml'];

  test('GIVEN a server\'s IP changes WHEN rendered again THEN exactly every server config (SANs), its install.sh, the runbook and the etcd scrape targets change', () => {
    const after = filesOf(siteWith((s) => { nodeOf(s, 'db2').ip = '10.251.51.4'; }));
    expect(diff(before, after)).toEqual({
      added: [],
      removed: [],
      changed: [...COREDNS_NODE_HOSTS, 'dist/hosts/README.md', 'dist/hosts/db1/config.yaml', 'dist/hosts/db2/config.yaml', 'dist/hosts/db2/install.sh', 'dist/hosts/db3/config.yaml',
        // Prometheus scrapes etcd on every server's address: the monitoring layer's ScrapeConfig.
        'dist/monitoring/scrapeconfig-kube-etcd.yaml', 'render-cache/coredns.yaml'],
    });
  });

  test('GIVEN an agent\'s IP changes WHEN rendered again THEN exactly its config, its install.sh and the runbook change', () => {
    const after = filesOf(siteWith((s) => { nodeOf(s, 'www2').ip = '10.251.50.5'; }));
    expect(diff(before, after)).toEqual({ added: [], removed: [], changed: [...COREDNS_NODE_HOSTS, 'dist/hosts/README.md', 'dist/hosts/www2/config.yaml', 'dist/hosts/www2/install.sh', 'render-cache/coredns.yaml'] });
  });

  test('GIVEN an agent is added WHEN rendered again THEN exactly its two files are added, the runbook and the failure model and report change', () => {
    const after = filesOf(siteWith((s) => { s.nodes.push({ name: 'www4', ip: '10.251.50.4', role: 'agent', storage: true, rnd: false, labels: {}, cpu: 4, memory: '8Gi' }); }));
    expect(diff(before, after)).toEqual({
      added: ['dist/hosts/www4/config.yaml', 'dist/hosts/www4/install.sh'], removed: [],
      changed: [...COREDNS_NODE_HOSTS, 'dist/hosts/README.md', 'dist/hosts/failure-model.yaml', 'render-cache/coredns.yaml', 'reports/failure-simulation.md'],
    });
  });
});
