import * as fs from 'fs';
import { parse } from 'yaml';
import { haInputFromFiles, haModel } from '../../lib/ha/analysis';
import { isViolation, simulate } from '../../lib/ha/simulate';
import { SERVER_TAINT } from '../../lib/hosts/node-labels';
import { CLUSTER_DNS, k3sConfig } from '../../lib/hosts/k3s-config';
import { CLUSTER_ADDONS_SELECTOR } from '../../lib/layers/cluster-addons';
import { loadManifests } from '../../lib/k8s/manifest-yaml';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { runWhatIfCli } from '../../lib/verify/whatif';
import { shippedRender, shippedSite, writeTree } from '../helpers';
import { commandLine } from '../command-line';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FOLDER = 'dist/cluster-addons/';
const objectsUnder = (files: readonly RenderedFile[], prefix: string): Obj[] =>
  files.filter((f) => f.path.startsWith(prefix) && f.path.endsWith('.yaml') && !f.path.endsWith('kustomization.yaml')).flatMap((f) => loadManifests(f.content, f.path) as Obj[]);

describe('cluster-addons layer (CoreDNS, metrics-server)', () => {
  const files = shippedRender();
  const objects = objectsUnder(files, FOLDER);
  const find = (kind: string, name: string): Obj => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`${FOLDER} has no ${kind}/${name}`);
    return o;
  };
  const coredns = () => find('Deployment', 'coredns');
  const metricsServer = () => find('Deployment', 'metrics-server');
  const hostname = (d: Obj) => d.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  const selects = (selector: Record<string, string>, d: Obj) => Object.entries(selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v);
  const pdbOf = (d: Obj) => objects.filter((o) => o.kind === 'PodDisruptionBudget' && selects(o.spec.selector.matchLabels, d));

  describe('k3s', () => {
    const site = shippedSite();
    const servers = site.nodes.filter((n) => n.role === 'server');

    test('GIVEN every server WHEN its k3s config is rendered THEN it disables the bundled coredns and metrics-server beside servicelb, traefik and local-storage', () => {
      for (const s of servers) {
        expect(k3sConfig(site, s).disable).toEqual(['servicelb', 'traefik', 'local-storage', 'coredns', 'metrics-server']);
      }
    });

    test('GIVEN the rendered node files WHEN read THEN each server\'s config.yaml disables both and names the cluster DNS address', () => {
      for (const s of servers) {
        const file = files.find((f) => f.path === `dist/hosts/${s.name}/config.yaml`)!;
        const config = parse(file.content);
        expect([s.name, config.disable, config['cluster-dns'], config['cluster-domain'], config['service-cidr']])
          .toEqual([s.name, expect.arrayContaining(['coredns', 'metrics-server']), CLUSTER_DNS.address, CLUSTER_DNS.domain, CLUSTER_DNS.serviceCidr]);
      }
    });
  });

  describe('CoreDNS', () => {
    test('GIVEN CoreDNS WHEN rendered THEN it runs 3 replicas, at most one per node (required anti-affinity on the hostname)', () => {
      const d = coredns();
      expect(d.metadata.namespace).toBe('kube-system');
      expect(d.spec.replicas).toBe(3);
      const terms = hostname(d);
      expect(terms).toHaveLength(1);
      expect(terms[0].topologyKey).toBe('kubernetes.io/hostname');
      expect(selects(terms[0].labelSelector.matchLabels, d)).toBe(true);
    });

    test('GIVEN CoreDNS WHEN rendered THEN a PodDisruptionBudget keeps 2 of 3 serving through a drain', () => {
      expect(pdbOf(coredns()).map((p) => p.spec.maxUnavailable)).toEqual([1]);
    });

    test('GIVEN DNS is needed first WHEN rendered THEN CoreDNS is system-cluster-critical and tolerates the servers\' CriticalAddonsOnly taint', () => {
      const pod = coredns().spec.template.spec;
      expect(pod.priorityClassName).toBe('system-cluster-critical');
      expect(pod.tolerations).toContainEqual({ key: SERVER_TAINT.key, operator: 'Exists' });
    });

    test('GIVEN k3s\'s cluster-dns WHEN the Service is rendered THEN it is kube-dns at that address, on 53 UDP and TCP, selecting the CoreDNS pods labelled k8s-app=kube-dns', () => {
      const svc = find('Service', 'kube-dns');
      expect(svc.metadata.namespace).toBe('kube-system');
      expect(svc.spec.clusterIP).toBe(CLUSTER_DNS.address);
      expect(svc.spec.ports.map((p: Obj) => `${p.port}/${p.protocol}`).sort()).toEqual(['53/TCP', '53/UDP']);
      expect(svc.spec.selector['k8s-app']).toBe('kube-dns');
      expect(selects(svc.spec.selector, coredns())).toBe(true);
    });

    test('GIVEN k3s\'s Corefile WHEN rendered THEN the platform\'s serves the cluster domain, the nodes\' names, forwards to the node\'s resolvers, caches, and exposes health, ready and metrics', () => {
      const corefile: string = find('ConfigMap', 'coredns').data.Corefile;
      for (const line of ['errors', 'health {', 'ready', `kubernetes ${CLUSTER_DNS.domain} in-addr.arpa ip6.arpa {`, 'pods insecure', 'prometheus :9153',
        'forward . /etc/resolv.conf', 'cache 30', 'loop', 'reload', 'loadbalance', '10.251.51.1 db1']) {
        expect(corefile.split('\n').map((l) => l.trim())).toContain(line);
      }
    });

    test('GIVEN CoreDNS WHEN rendered THEN it runs non-root, read-only, with only NET_BIND_SERVICE, RuntimeDefault seccomp, probes, requests and a memory limit', () => {
      const pod = coredns().spec.template.spec;
      expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
      const c = pod.containers[0];
      expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } });
      expect(c.readinessProbe.httpGet.path).toBe('/ready');
      expect(c.livenessProbe.httpGet.path).toBe('/health');
      expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '70Mi' }, limits: { memory: '170Mi' } });
    });
  });

  describe('metrics-server', () => {
    test('GIVEN metrics-server WHEN rendered THEN it runs 2 replicas one per node with a PDB, system-cluster-critical, allowed on the servers', () => {
      const d = metricsServer();
      expect(d.spec.replicas).toBe(2);
      expect(hostname(d)[0].topologyKey).toBe('kubernetes.io/hostname');
      expect(pdbOf(d).map((p) => p.spec.maxUnavailable)).toEqual([1]);
      expect(d.spec.template.spec.priorityClassName).toBe('system-cluster-critical');
      expect(d.spec.template.spec.tolerations).toContainEqual({ key: SERVER_TAINT.key, operator: 'Exists' });
    });

    test('GIVEN k3s\'s metrics-server arguments WHEN rendered THEN kubelets are reached on their InternalIP and node-status port', () => {
      expect(metricsServer().spec.template.spec.containers[0].args).toEqual(expect.arrayContaining([
        '--kubelet-preferred-address-types=InternalIP', '--kubelet-use-node-status-port', '--metric-resolution=15s',
      ]));
    });

    test('GIVEN the metrics API WHEN rendered THEN the APIService v1beta1.metrics.k8s.io points at the metrics-server Service', () => {
      expect(find('APIService', 'v1beta1.metrics.k8s.io').spec.service).toMatchObject({ name: 'metrics-server', namespace: 'kube-system' });
    });
  });

  describe('bring-up', () => {
    const bootstrap = objectsUnder(files, 'argocd/');
    const kustomization = parse(files.find((f) => f.path === 'argocd/kustomization.yaml')!.content);
    const [key, value] = CLUSTER_ADDONS_SELECTOR.split('=');

    test('GIVEN Argo CD needs DNS WHEN the bootstrap is rendered THEN argocd/ holds every CoreDNS object of dist/cluster-addons, identical, listed in its kustomization and selectable on their own', () => {
      const mine = objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/instance'] === 'coredns');
      expect(mine.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['ClusterRole/coredns', 'ClusterRoleBinding/coredns', 'ConfigMap/coredns', 'Deployment/coredns', 'PodDisruptionBudget/coredns', 'Service/kube-dns', 'ServiceAccount/coredns']);
      for (const o of mine) {
        const twin = bootstrap.find((b) => b.kind === o.kind && b.metadata.name === o.metadata.name && b.metadata.namespace === o.metadata.namespace);
        expect(twin).toEqual(o);
        expect(twin!.metadata.labels[key]).toBe(value);
      }
      expect(kustomization.resources).toEqual(expect.arrayContaining(['deployment-coredns.yaml', 'service-kube-dns.yaml', 'configmap-coredns.yaml']));
    });

    test('GIVEN the DNS selector WHEN applied to the bootstrap THEN it picks the CoreDNS objects and nothing of Argo CD', () => {
      const picked = bootstrap.filter((o) => o.metadata.labels?.[key] === value);
      expect(picked.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
    });

    test('GIVEN the layer WHEN the app of apps is rendered THEN it syncs in the first wave (it depends on nothing)', () => {
      const app = objectsUnder(files, 'dist/apps/').find((o) => o.kind === 'Application' && o.metadata.name === 'cluster-addons')!;
      expect(app.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('0');
      expect(app.spec.destination.namespace).toBe('kube-system');
    });
  });

  describe('node failures', () => {
    const model = haModel(haInputFromFiles(files));
    const nodes = model.cluster!.nodes.map((n) => n.name);

    test('GIVEN each node lost in turn (npm run whatif -- --fail <node>) THEN cluster DNS keeps at least 2 of 3 replicas serving and the command reports no outage', () => {
      const root = writeTree(Object.fromEntries(files.map((f) => [f.path, f.content])));
      const out: string[] = [];
      const log = jest.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
      try {
        for (const node of nodes) {
          out.length = 0;
          expect([node, runWhatIfCli(commandLine('whatif', '--fail', node), root)]).toEqual([node, 0]);
          const line = out.join('\n').split('\n').find((l) => l.startsWith('cluster DNS (kube-system/coredns)'));
          const serving = Number(/(\d+) serving throughout/.exec(line ?? '')?.[1]);
          expect([node, serving >= 2, line?.endsWith('no outage')]).toEqual([node, true, true]);
        }
      } finally {
        log.mockRestore();
        fs.rmSync(root, { recursive: true, force: true });
      }
    });

    test('GIVEN each node lost in turn THEN the simulation covers kube-system: kube-vip, CoreDNS and metrics-server, none breaking the rules', () => {
      for (const node of nodes) {
        const r = simulate(model.cluster!, model.workloads, [node]);
        const kubeSystem = r.outcomes.filter((o) => o.workload.namespace === 'kube-system');
        expect(['kube-vip-ds', 'coredns', 'metrics-server'].every((n) => kubeSystem.some((o) => o.workload.name === n))).toBe(true);
        expect([node, kubeSystem.filter(isViolation).map((o) => o.label)]).toEqual([node, []]);
      }
    });

    test('GIVEN CoreDNS cut to 1 replica WHEN the node it runs on is lost THEN the simulation reports a DNS outage', () => {
      const cut = files.map((f) => (f.path === `${FOLDER}deployment-coredns.yaml` ? { ...f, content: f.content.replace(/^ {2}replicas: 3$/m, '  replicas: 1') } : f));
      expect(cut).not.toEqual(files);
      const one = haModel(haInputFromFiles(cut));
      const outages = nodes.map((node) => simulate(one.cluster!, one.workloads, [node]).outcomes.find((o) => o.workload.name === 'coredns')!)
        .filter((o) => o.affected && isViolation(o));
      expect(outages.length).toBeGreaterThan(0);
      expect(outages[0].outageSeconds).toBeGreaterThan(0);
    });
  });
});
