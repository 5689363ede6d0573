import { createHash } from 'crypto';
import { haInputFromFiles } from '../../lib/ha/analysis';
import { buildHaModel } from '../../lib/ha/model';
import { Outcome, simulate } from '../../lib/ha/simulate';
import { grafanaLdapToml } from '../../lib/layers/monitoring';
import { cronIntervalSeconds, lateAfterSeconds } from '../../lib/monitoring/alert-rules';
import { loadManifests } from '../../lib/k8s/manifest-yaml';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { renderSite } from '../../lib/synth';
import { shippedRender, shippedSite, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DIR = 'dist/monitoring/';
const GRAFANA = `${DIR}deployment-kube-prometheus-stack-grafana.yaml`;
const PROMETHEUS = `${DIR}prometheus-kube-prometheus-stack-prometheus.yaml`;
const ALERTMANAGER = `${DIR}alertmanager-kube-prometheus-stack-alertmanager.yaml`;

/** The rendered files by path, and the one object of a file. */
function tree(rendered: readonly RenderedFile[]) {
  const files = new Map(rendered.map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => {
    const content = files.get(p);
    if (content === undefined) throw new Error(`${p} is not rendered`);
    return loadManifests(content, p)[0] as Obj;
  };
  let parsed: { path: string; obj: Obj }[] | undefined;
  const layer = () => (parsed ??= [...files.keys()].filter((p) => p.startsWith(DIR)).map((p) => ({ path: p, obj: obj(p) })));
  return { files, obj, layer };
}

/** Every alert rule rendered in dist/monitoring, by alert name. */
function alertRules(t: ReturnType<typeof tree>): Map<string, Obj[]> {
  const out = new Map<string, Obj[]>();
  for (const { path, obj } of t.layer()) {
    if (!path.startsWith(`${DIR}prometheusrule-`)) continue;
    for (const g of obj.spec.groups) for (const r of g.rules) out.set(r.alert, [...(out.get(r.alert) ?? []), r]);
  }
  return out;
}

const containers = (w: Obj): Obj[] => w.spec.template.spec.containers;

describe('monitoring layer', () => {
  const site = shippedSite();
  const rendered = shippedRender();
  const t = tree(rendered);
  const { files, obj } = t;
  const rules = alertRules(t);

  test('GIVEN Prometheus WHEN rendered THEN its resource runs 2 replicas required on different nodes, on Longhorn, with the site retention, requests and a memory limit, and a PDB of 1', () => {
    const p = obj(PROMETHEUS).spec;
    expect([p.replicas, p.retention]).toEqual([2, site.monitoring.retention]);
    expect(p.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([expect.objectContaining({ topologyKey: 'kubernetes.io/hostname' })]);
    expect(p.storage.volumeClaimTemplate.spec).toEqual({ storageClassName: 'longhorn', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } } });
    expect(p.resources).toEqual({ requests: { cpu: '200m', memory: '1Gi' }, limits: { memory: '3Gi' } });
    expect(obj(`${DIR}poddisruptionbudget-kube-prometheus-stack-prometheus.yaml`).spec.minAvailable).toBe(1);
    // Every monitor and rule in every namespace is picked up.
    for (const k of ['serviceMonitor', 'podMonitor', 'rule', 'probe', 'scrapeConfig']) expect([k, p[`${k}Selector`], p[`${k}NamespaceSelector`]]).toEqual([k, {}, {}]);
  });

  test('GIVEN Alertmanager WHEN rendered THEN its resource runs 3 replicas required on different nodes (servers included), on Longhorn, with requests and a memory limit, and a PDB of 2', () => {
    const a = obj(ALERTMANAGER).spec;
    expect(a.replicas).toBe(3);
    // The servers too: a www node down still leaves the third replica a node (docs/deployability.md).
    expect(a.tolerations).toEqual([{ key: 'CriticalAddonsOnly', operator: 'Exists', effect: 'NoExecute' }]);
    expect(a.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([expect.objectContaining({ topologyKey: 'kubernetes.io/hostname' })]);
    expect(a.storage.volumeClaimTemplate.spec.storageClassName).toBe('longhorn');
    expect(a.resources).toEqual({ requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    expect(obj(`${DIR}poddisruptionbudget-kube-prometheus-stack-alertmanager.yaml`).spec.minAvailable).toBe(2);
  });

  test('GIVEN the operator\'s StatefulSets WHEN rendered THEN they are declared on the operator\'s Deployment (not Grafana\'s) as created by it, and the Services that select their pods say so', () => {
    const operator = obj(`${DIR}deployment-kube-prometheus-stack-operator.yaml`).metadata.annotations;
    expect(operator['platform.tsys/provides-apis']).toBe('monitoring.coreos.com/*');
    expect(Object.keys(obj(GRAFANA).metadata.annotations).filter((k) => k.startsWith('platform.tsys/'))).toEqual([]);
    const declared: Obj[] = JSON.parse(operator['platform.tsys/workloads']);
    expect(declared.map((d) => [d.kind, d.name, d.createdBy])).toEqual([
      ['StatefulSet', 'prometheus-kube-prometheus-stack-prometheus', expect.stringContaining('Prometheus operator')],
      ['StatefulSet', 'alertmanager-kube-prometheus-stack-alertmanager', expect.stringContaining('Prometheus operator')],
    ]);
    for (const s of ['prometheus', 'alertmanager']) {
      expect([s, obj(`${DIR}service-kube-prometheus-stack-${s}.yaml`).metadata.annotations['platform.tsys/selects-runtime-pods']]).toEqual([s, expect.stringContaining('Prometheus operator creates')]);
    }
  });

  test('GIVEN the volumes the operator claims WHEN rendered THEN each is declared on the resource it is claimed from, so the backup report names Prometheus and Alertmanager', () => {
    const volumes = (file: string) => JSON.parse(obj(file).metadata.annotations['platform.tsys/volumes']).map((v: Obj) => [v.name, v.size]);
    expect(volumes(PROMETHEUS)).toEqual([['prometheus-kube-prometheus-stack-prometheus-db-prometheus-kube-prometheus-stack-prometheus-*', '50Gi']]);
    expect(volumes(ALERTMANAGER)).toEqual([['alertmanager-kube-prometheus-stack-alertmanager-db-alertmanager-kube-prometheus-stack-alertmanager-*', '2Gi']]);
  });

  test('GIVEN the CoreDNS scrape Service WHEN rendered THEN it is in kube-system and selects the CoreDNS pods the cluster-addons layer renders (no run-time pods declared)', () => {
    const svc = obj(`${DIR}service-kube-prometheus-stack-coredns.yaml`);
    expect([svc.metadata.namespace, svc.spec.selector]).toEqual(['kube-system', { 'k8s-app': 'kube-dns' }]);
    expect(svc.metadata.annotations?.['platform.tsys/selects-runtime-pods']).toBeUndefined();
    expect(obj('dist/cluster-addons/deployment-coredns.yaml').spec.template.metadata.labels['k8s-app']).toBe('kube-dns');
  });

  test('GIVEN the chart\'s single-replica workloads WHEN rendered THEN the operator and kube-state-metrics are singletons with a reason and the node exporter a system component on every node', () => {
    const operator = obj(`${DIR}deployment-kube-prometheus-stack-operator.yaml`);
    const ksm = obj(`${DIR}deployment-kube-prometheus-stack-kube-state-metrics.yaml`);
    expect([operator.spec.replicas, operator.metadata.annotations['platform.tsys/singleton']]).toEqual([1, expect.stringMatching(/one operator/)]);
    expect([ksm.spec.replicas, ksm.metadata.annotations['platform.tsys/singleton']]).toEqual([1, expect.stringMatching(/twice/)]);
    const exporter = obj(`${DIR}daemonset-kube-prometheus-stack-prometheus-node-exporter.yaml`);
    expect(exporter.metadata.annotations['platform.tsys/system-component']).toMatch(/one per node/);
    expect(exporter.spec.template.spec.tolerations).toEqual([{ key: 'CriticalAddonsOnly', operator: 'Exists', effect: 'NoExecute' }, { key: 'platform.tsys/rnd', operator: 'Exists' }]);
  });

  test('GIVEN every workload and Job of the layer WHEN rendered THEN each container has CPU and memory requests and a memory limit', () => {
    const pods = t.layer().filter(({ obj: o }) => ['Deployment', 'DaemonSet', 'StatefulSet', 'Job'].includes(o.kind));
    expect(pods.map(({ obj: o }) => `${o.kind} ${o.metadata.name}`).sort()).toEqual([
      'DaemonSet kube-prometheus-stack-prometheus-node-exporter', 'Deployment kube-prometheus-stack-grafana', 'Deployment kube-prometheus-stack-kube-state-metrics',
      'Deployment kube-prometheus-stack-operator', 'Job kube-prometheus-stack-admission-create', 'Job kube-prometheus-stack-admission-patch',
    ]);
    for (const { obj: w } of pods) {
      for (const c of containers(w)) {
        expect([w.metadata.name, c.name, c.resources?.requests?.cpu, c.resources?.requests?.memory, c.resources?.limits?.memory])
          .toEqual([w.metadata.name, c.name, expect.any(String), expect.any(String), expect.any(String)]);
      }
    }
    // The config reloader the operator adds to the Prometheus and Alertmanager pods: sized and probed.
    const args: string[] = containers(obj(`${DIR}deployment-kube-prometheus-stack-operator.yaml`))[0].args;
    expect(args).toEqual(expect.arrayContaining(['--config-reloader-cpu-request=10m', '--config-reloader-memory-request=32Mi', '--config-reloader-memory-limit=64Mi', '--enable-config-reloader-probes=true']));
  });

  test('GIVEN Grafana WHEN rendered THEN it runs 2 replicas required on different nodes, rolled one at a time, with a PDB, sharing the DBaaS PostgreSQL, at grafana.<domain>', () => {
    const g = obj(GRAFANA);
    expect(g.spec.replicas).toBe(2);
    expect(g.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    // One pod at a time, no surge: the surge pod would have no node while a worker is down (ha/rollout).
    expect(g.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    expect(obj(`${DIR}poddisruptionbudget-kube-prometheus-stack-grafana.yaml`).spec.minAvailable).toBe(1);
    const ini: string = obj(`${DIR}configmap-kube-prometheus-stack-grafana.yaml`).data['grafana.ini'];
    expect(ini).toContain('[database]\nhost = pgsql.dbaas.turnsys.com:5432\nname = grafana\nssl_mode = disable\ntype = postgres\nuser = grafana\n');
    expect(obj(`${DIR}httproute-grafana.yaml`).spec.hostnames).toEqual(['grafana.turnsys.com']);
    expect(obj(`${DIR}httproute-grafana.yaml`).spec.rules[0].backendRefs).toEqual([{ name: 'kube-prometheus-stack-grafana', port: 80 }]);
    expect(files.get('docs/databases.md')).toContain('`grafana`');
  });

  test('GIVEN Grafana\'s containers WHEN rendered THEN each has a read-only root with writable emptyDirs, requests and a memory limit, and readiness and liveness probes', () => {
    const pod = obj(GRAFANA).spec.template.spec;
    expect(pod.containers.map((c: Obj) => c.name)).toEqual(['grafana-sc-dashboard', 'grafana-sc-datasources', 'grafana']);
    for (const c of pod.containers) {
      expect([c.name, c.securityContext]).toEqual([c.name, expect.objectContaining({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } })]);
      expect([c.name, !!c.readinessProbe, !!c.livenessProbe]).toEqual([c.name, true, true]);
      expect([c.name, c.volumeMounts.find((m: Obj) => m.mountPath === '/tmp')?.name]).toEqual([c.name, expect.any(String)]);
    }
    const emptyDirs = new Set(pod.volumes.filter((v: Obj) => v.emptyDir).map((v: Obj) => v.name));
    for (const c of pod.containers) expect(emptyDirs.has(c.volumeMounts.find((m: Obj) => m.mountPath === '/tmp').name)).toBe(true);
    expect(pod.containers[2].resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } });
  });

  test('GIVEN Grafana\'s two sidecars share the pod network WHEN rendered THEN each serves its health on its own port and the shared probe asks the container\'s own', () => {
    const [dashboards, datasources] = containers(obj(GRAFANA));
    const port = (c: Obj) => c.env.find((e: Obj) => e.name === 'HEALTH_PORT').value;
    expect([port(dashboards), port(datasources)]).toEqual(['8080', '8082']);
    for (const c of [dashboards, datasources]) {
      for (const probe of [c.readinessProbe, c.livenessProbe]) expect(probe.exec.command).toEqual(['sh', '-c', 'wget -q -T 5 -O /dev/null "http://127.0.0.1:${HEALTH_PORT}/healthz"']);
    }
  });

  test('GIVEN Grafana WHEN rendered THEN it logs in against UCS with the one LDAP schema from a ConfigMap (no secret in it), admins as Admin, viewers as Viewer, the passwords from Bitwarden', () => {
    const ini: string = obj(`${DIR}configmap-kube-prometheus-stack-grafana.yaml`).data['grafana.ini'];
    expect(ini).toContain('[auth.ldap]\nallow_sign_up = true\nconfig_file = /etc/grafana/ldap.toml\nenabled = true\n');
    const toml: string = obj(`${DIR}configmap-grafana-ldap.yaml`).data['ldap.toml'];
    expect(toml).toBe(grafanaLdapToml(site));
    expect(toml).toContain('host = "ucs.turnsys.com"\nport = 636\nuse_ssl = true\nstart_tls = false\nssl_skip_verify = false\nroot_ca_cert = "/etc/grafana/ldap-ca/ca.crt"');
    expect(toml).toContain(`bind_dn = "${site.ldap.bindDn}"`);
    expect(toml).toContain('bind_password = "$__env{LDAP_BIND_PASSWORD}"');
    expect(toml).toContain('search_filter = "(&(uid=%s)(objectClass=person))"');
    expect(toml).toContain(`search_base_dns = ["${site.ldap.usersDn}"]`);
    expect(toml).toContain('group_search_filter = "(&(objectClass=posixGroup)(uniqueMember=%s))"');
    expect(toml).toContain(`group_search_base_dns = ["${site.ldap.groupsDn}"]`);
    expect(toml).toContain(`[[servers.group_mappings]]\ngroup_dn = "${site.ldap.adminGroup}"\norg_role = "Admin"\ngrafana_admin = true`);
    expect(toml).toContain(`[[servers.group_mappings]]\ngroup_dn = "${site.ldap.viewerGroup}"\norg_role = "Viewer"\ngrafana_admin = false`);
    // Mounted from the ConfigMap; a change rolls the pods.
    const pod = obj(GRAFANA).spec.template;
    expect(pod.spec.volumes).toContainEqual({ name: 'ldap', configMap: { name: 'grafana-ldap' } });
    expect(containers(obj(GRAFANA))[2].volumeMounts).toContainEqual({ name: 'ldap', mountPath: '/etc/grafana/ldap.toml', subPath: 'ldap.toml', readOnly: true });
    expect(pod.metadata.annotations['checksum/ldap-toml']).toBe(createHash('sha256').update(toml).digest('hex'));
    // The environment comes from Bitwarden: LDAP bind password and database password; the admin too.
    expect(containers(obj(GRAFANA))[2].envFrom).toEqual([{ secretRef: { name: 'grafana-env', optional: false } }]);
    const env = obj(`${DIR}externalsecret-grafana-env.yaml`);
    expect(env.spec.data.map((d: Obj) => [d.secretKey, d.remoteRef.key])).toEqual([
      ['GF_DATABASE_PASSWORD', 'grafana-db'],
      ['LDAP_BIND_PASSWORD', site.ldap.bindPassword.slice('bitwarden:'.length)],
    ]);
    expect(containers(obj(GRAFANA))[2].env).toContainEqual({ name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'grafana-admin', key: 'admin-password' } } });
    expect(files.get('docs/ldap.md')).toMatch(/grafana/);
  });

  test('GIVEN the chart\'s Secrets WHEN rendered THEN the layer has none: Grafana\'s admin and Alertmanager\'s config come from elsewhere, only ExternalSecrets carry secret material', () => {
    expect(t.layer().filter(({ obj: o }) => o.kind === 'Secret').map(({ path }) => path)).toEqual([]);
    expect(t.layer().filter(({ obj: o }) => o.kind === 'ExternalSecret').map(({ obj: o }) => o.metadata.name).sort()).toEqual(['alertmanager-receivers', 'alertmanager-sso-client', 'grafana-admin', 'grafana-env', 'ldap-ca', 'prometheus-sso-client']);
  });

  test.each([
    ['NodeDown', 'kube_node_status_condition{condition="Ready",status="true"} == 0', 'critical'],
    ['EtcdMemberDown', 'up{job="kube-etcd"} == 0', 'warning'],
    ['EtcdQuorumAtRisk', 'count(up{job="kube-etcd"} == 1) < floor(count(up{job="kube-etcd"}) / 2) + 2', 'critical'],
    ['EtcdNoLeader', 'etcd_server_has_leader{job="kube-etcd"} == 0', 'critical'],
    ['LonghornVolumeDegraded', 'longhorn_volume_robustness == 2', 'warning'],
    ['LonghornVolumeFaulted', 'longhorn_volume_robustness == 3', 'critical'],
    ['PersistentVolumeClaimAlmostFull', 'kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.10', 'warning'],
    ['PodCrashLooping', 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]) >= 1', 'warning'],
    ['DeploymentBelowDesiredReplicas', 'kube_deployment_spec_replicas > kube_deployment_status_replicas_available', 'warning'],
    ['RolloutBelowDesiredReplicas', 'rollout_info_replicas_desired > rollout_info_replicas_available', 'warning'],
    ['ArgoCdApplicationOutOfSync', 'argocd_app_info{sync_status!="Synced"} == 1', 'warning'],
    ['ArgoCdApplicationDegraded', 'argocd_app_info{health_status=~"Degraded|Missing"} == 1', 'critical'],
    ['VeleroBackupFailed', 'increase(velero_backup_failure_total{schedule!=""}[2h]) > 0 or increase(velero_backup_partial_failure_total{schedule!=""}[2h]) > 0', 'critical'],
  ])('GIVEN the alert %s WHEN rendered THEN it has its expression, a severity and a summary and runbook', (alert, expr, severity) => {
    const [rule, ...more] = rules.get(alert) ?? [];
    expect(more).toEqual([]);
    expect(rule).toMatchObject({ alert, expr, labels: { severity } });
    expect(rule.annotations.summary.length).toBeGreaterThan(10);
    expect(rule.annotations.runbook.length).toBeGreaterThan(10);
  });

  test('GIVEN the site backup schedules WHEN rendered THEN each has a late-backup alert derived from its cron', () => {
    const late = rules.get('VeleroBackupLate')!;
    expect(late.map((r) => r.expr)).toEqual([
      'time() - velero_backup_last_successful_timestamp{schedule="platform-daily"} > 129600',
      'time() - velero_backup_last_successful_timestamp{schedule="apps-hourly"} > 7200',
    ]);
    for (const r of late) expect(r.labels.severity).toBe('critical');
    expect([cronIntervalSeconds('0 3 * * *'), cronIntervalSeconds('0 * * * *'), cronIntervalSeconds('*/15 * * * *'), cronIntervalSeconds('0 2 * * 0')]).toEqual([86400, 3600, 900, 604800]);
    expect(lateAfterSeconds('0 */6 * * *')).toBe(6 * 3600 + 3 * 3600);
  });

  test('GIVEN the default alert set for apps WHEN rendered THEN it matches every namespace (no namespace matcher)', () => {
    const group = obj(`${DIR}prometheusrule-platform-workloads.yaml`).spec.groups[0];
    expect(group.rules.map((r: Obj) => r.alert)).toEqual(['PodCrashLooping', 'DeploymentBelowDesiredReplicas', 'StatefulSetBelowDesiredReplicas', 'RolloutBelowDesiredReplicas', 'PersistentVolumeClaimAlmostFull']);
    for (const r of group.rules) expect(r.expr).not.toMatch(/namespace=/);
  });

  test('GIVEN the platform components WHEN rendered THEN each is scraped by a monitor in the monitoring namespace', () => {
    const monitors = t.layer().filter(({ path }) => /^dist\/monitoring\/(servicemonitor|podmonitor)-/.test(path)).map(({ obj: o }) => o);
    const byName = new Map(monitors.map((m) => [m.metadata.name, m]));
    for (const [name, ns] of [['longhorn', 'longhorn-system'], ['metallb', 'metallb-system'], ['envoy-gateway', 'envoy-gateway-system'], ['envoy-proxy', 'envoy-gateway-system'],
      ['argocd', 'argocd'], ['harbor', 'harbor'], ['keycloak', 'keycloak'], ['jenkins', 'jenkins'], ['velero', 'velero']]) {
      expect([name, byName.get(name)?.metadata.namespace, byName.get(name)?.spec.namespaceSelector]).toEqual([name, 'monitoring', { matchNames: [ns] }]);
    }
  });

  describe('GIVEN k3s etcd on the three servers (db1-3), which Prometheus must scrape for the etcd alerts to fire', () => {
    test('WHEN rendered THEN the chart renders no Endpoints, Service or ServiceMonitor for etcd (Argo CD\'s resource.exclusions drop core Endpoints: the Service would have none)', () => {
      const etcdObjects = t.layer().filter(({ obj: o }) => /etcd/.test(o.metadata.name) && ['Endpoints', 'EndpointSlice', 'Service', 'ServiceMonitor'].includes(o.kind));
      expect(etcdObjects.map(({ path }) => path)).toEqual([]);
      expect([...files.keys()].filter((p) => p.startsWith('dist/') && /^kind: (Endpoints|EndpointSlice)$/m.test(files.get(p)!))).toEqual([]);
    });

    test('WHEN rendered THEN a ScrapeConfig in the monitoring namespace scrapes every server\'s IP on 2381 as job kube-etcd, and k3s exposes etcd metrics there', () => {
      const scrape = obj(`${DIR}scrapeconfig-kube-etcd.yaml`);
      expect([scrape.apiVersion, scrape.kind, scrape.metadata.namespace]).toEqual(['monitoring.coreos.com/v1alpha1', 'ScrapeConfig', 'monitoring']);
      expect(scrape.spec).toEqual({ jobName: 'kube-etcd', staticConfigs: [{ targets: ['10.251.51.1:2381', '10.251.51.2:2381', '10.251.51.3:2381'] }] });
      for (const server of ['db1', 'db2', 'db3']) expect([server, files.get(`dist/hosts/${server}/config.yaml`)]).toEqual([server, expect.stringMatching(/^etcd-expose-metrics: true$/m)]);
      // The CRD the operator reads it by is rendered beside it.
      expect(obj(`${DIR}customresourcedefinition-scrapeconfigs.monitoring.coreos.com.yaml`).spec.versions.filter((v: Obj) => v.served).map((v: Obj) => v.name)).toContain('v1alpha1');
    });

    test('WHEN rendered THEN Prometheus selects the ScrapeConfig (every ScrapeConfig in every namespace) and no NetworkPolicy in monitoring limits its egress to the servers', () => {
      const p = obj(PROMETHEUS).spec;
      expect([p.scrapeConfigSelector, p.scrapeConfigNamespaceSelector]).toEqual([{}, {}]);
      const policies = [...files.keys()].filter((f) => /\/networkpolicy-[^/]+\.yaml$/.test(f)).map((f) => obj(f)).filter((np) => np.metadata.namespace === 'monitoring');
      expect(policies).toEqual([]);
    });

    test('WHEN rendered THEN the platform\'s etcd alerts and the chart\'s etcd rules and dashboard select the job the ScrapeConfig sets', () => {
      for (const alert of ['EtcdMemberDown', 'EtcdQuorumAtRisk', 'EtcdNoLeader']) expect(rules.get(alert)![0].expr).toContain('job="kube-etcd"');
      const chartRules = obj(`${DIR}prometheusrule-kube-prometheus-stack-etcd.yaml`).spec.groups.flatMap((g: Obj) => g.rules);
      expect(chartRules.map((r: Obj) => r.alert)).toEqual(expect.arrayContaining(['etcdMembersDown', 'etcdInsufficientMembers', 'etcdNoLeader']));
      for (const r of chartRules) expect([r.alert, r.expr]).toEqual([r.alert, expect.stringContaining('job=~".*etcd.*"')]);
      const dashboard = JSON.parse(Object.values(obj(`${DIR}configmap-kube-prometheus-stack-etcd.yaml`).data)[0] as string);
      const exprs = (JSON.stringify(dashboard).match(/"expr":"(?:[^"\\]|\\.)*"/g) ?? []).map((e) => JSON.parse(`{${e}}`).expr as string);
      expect(exprs.length).toBeGreaterThan(5);
      for (const e of exprs) expect(e).toMatch(/job=~".\*etcd.\*"|job="\$cluster"/);
      // Both selectors match the job the ScrapeConfig sets (PromQL anchors =~ at both ends).
      expect(obj(`${DIR}scrapeconfig-kube-etcd.yaml`).spec.jobName).toMatch(/^.*etcd.*$/);
    });
  });

  test('GIVEN alert receivers in site.yaml WHEN rendered THEN Alertmanager is configured by the AlertmanagerConfig `platform`, whose secrets are references into a Secret filled from Bitwarden', () => {
    expect(obj(ALERTMANAGER).spec.alertmanagerConfiguration).toEqual({ name: 'platform', global: { resolveTimeout: '5m' } });
    const config = obj(`${DIR}alertmanagerconfig-platform.yaml`);
    expect(config.metadata.namespace).toBe('monitoring');
    expect(config.spec.route).toMatchObject({ receiver: 'platform', groupBy: ['alertname', 'namespace'], routes: [{ receiver: 'null', matchers: [{ name: 'alertname', value: 'Watchdog', matchType: '=' }] }] });
    const receiver = config.spec.receivers.find((r: Obj) => r.name === 'platform');
    expect(receiver.emailConfigs).toEqual([{
      to: 'ops@turnsys.com', from: 'alertmanager@turnsys.com', smarthost: 'smtp.turnsys.com:587', sendResolved: true,
      authUsername: 'alertmanager@turnsys.com', authPassword: { name: 'alertmanager-receivers', key: 'smtp_password' },
    }]);
    expect(receiver.webhookConfigs).toEqual([{ sendResolved: true, urlSecret: { name: 'alertmanager-receivers', key: 'webhook_url' } }]);
    const es = obj(`${DIR}externalsecret-alertmanager-receivers.yaml`);
    expect(es.spec.data.map((d: Obj) => [d.secretKey, d.remoteRef.key])).toEqual([['smtp_password', 'alertmanager-smtp'], ['webhook_url', 'alertmanager-webhook']]);
    // The operator reads the Secret: it must exist before the configuration.
    const wave = (o: Obj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    expect(wave(es)).toBeLessThan(wave(config));
  });

  test('GIVEN a site without alert receivers and a plain webhook URL WHEN rendered THEN the URL is in the AlertmanagerConfig and no receiver secret is needed', () => {
    const plain = tree(renderSite(siteWith((s) => {
      s.monitoring.alerts = { webhook: { url: 'https://hooks.turnsys.com/alertmanager' } };
    })));
    expect(plain.obj(`${DIR}alertmanagerconfig-platform.yaml`).spec.receivers[0]).toEqual({ name: 'platform', webhookConfigs: [{ sendResolved: true, url: 'https://hooks.turnsys.com/alertmanager' }] });
    expect(plain.files.has(`${DIR}externalsecret-alertmanager-receivers.yaml`)).toBe(false);
    expect(plain.layer().filter(({ obj: o }) => o.kind === 'Secret')).toEqual([]);
  });

  test('GIVEN the dashboards WHEN rendered THEN node, storage, app, GitOps and backup health are ConfigMaps Grafana\'s sidecar loads from every namespace, beside a Loki data source', () => {
    const maps = t.layer().filter(({ path }) => path.startsWith(`${DIR}configmap-dashboard-`)).map(({ obj: o }) => o);
    expect(maps.map((m) => m.metadata.name)).toEqual(['dashboard-platform-apps', 'dashboard-platform-backups', 'dashboard-platform-gitops', 'dashboard-platform-nodes', 'dashboard-platform-storage']);
    for (const m of maps) {
      expect(m.metadata.labels.grafana_dashboard).toBe('1');
      const json = JSON.parse(Object.values(m.data)[0] as string);
      expect(json.panels.length).toBeGreaterThanOrEqual(3);
    }
    const env = Object.fromEntries(containers(obj(GRAFANA))[0].env.filter((e: Obj) => 'value' in e).map((e: Obj) => [e.name, e.value]));
    expect(env).toMatchObject({ LABEL: 'grafana_dashboard', LABEL_VALUE: '1', NAMESPACE: 'ALL' });
    const sources: string = Object.values(obj(`${DIR}configmap-kube-prometheus-stack-grafana-datasource.yaml`).data)[0] as string;
    expect(sources).toContain('url: http://loki-gateway.logging.svc.cluster.local');
  });

  describe('GIVEN www1 (an agent) is lost', () => {
    const model = buildHaModel(haInputFromFiles(rendered));
    const result = simulate(model.cluster!, model.workloads, ['www1']);
    const outcome = (label: string): Outcome => {
      const o = result.outcomes.find((x) => x.label === label);
      if (!o) throw new Error(`${label} has no outcome`);
      return o;
    };

    test.each([
      ['monitoring/prometheus-kube-prometheus-stack-prometheus (StatefulSet)', 2, 1],
      ['monitoring/alertmanager-kube-prometheus-stack-alertmanager (StatefulSet)', 3, 2],
      ['monitoring/kube-prometheus-stack-grafana (Deployment)', 2, 1],
    ])('THEN %s keeps at least %d - 1 = %d serving and has no outage', (label, before, kept) => {
      // Whether a replica sat on www1 depends on where the simulation placed it: at most one did (hard spread).
      const o = outcome(label);
      expect(o).toMatchObject({ before, outageSeconds: 0 });
      expect(o.lost).toBeLessThanOrEqual(1);
      expect(o.before - o.lost).toBeGreaterThanOrEqual(kept);
    });

    test('THEN Alertmanager gets its third replica back on a server (it tolerates them; Longhorn force-deletes the pod stuck on www1 and moves its volume)', () => {
      expect(outcome('monitoring/alertmanager-kube-prometheus-stack-alertmanager (StatefulSet)')).toMatchObject({ before: 3, lost: 1, after: 3, outageSeconds: 0 });
    });

    test('THEN the singletons come back within the site budget: operator 82 s, kube-state-metrics 87 s (90 s), and the node exporter loses only the pod of www1', () => {
      expect(outcome('monitoring/kube-prometheus-stack-operator (Deployment)')).toMatchObject({ outageSeconds: 82, budgetSeconds: 90, verdict: 'ok' });
      expect(outcome('monitoring/kube-prometheus-stack-kube-state-metrics (Deployment)')).toMatchObject({ outageSeconds: 87, budgetSeconds: 90, verdict: 'ok' });
      expect(outcome('monitoring/kube-prometheus-stack-prometheus-node-exporter (DaemonSet)')).toMatchObject({ before: 7, after: 6, verdict: 'ok' });
    });
  });
});

describe('metrics endpoints the monitors scrape', () => {
  const { obj } = tree(shippedRender());
  test('GIVEN Argo CD and Keycloak WHEN rendered THEN the application controller metrics Service and Keycloak metrics are on', () => {
    expect(obj('dist/argocd/service-argocd-application-controller-metrics.yaml').metadata.labels['app.kubernetes.io/name']).toBe('argocd-metrics');
    expect(obj('dist/keycloak/keycloak-keycloak.yaml').spec.additionalOptions).toEqual([{ name: 'metrics-enabled', value: 'true' }]);
  });
});
