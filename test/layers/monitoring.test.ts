import { parse } from 'yaml';
import { cronIntervalSeconds, lateAfterSeconds } from '../../lib/monitoring/alert-rules';
import { renderSite } from '../../lib/synth';
import { shippedSite, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CHART = 'dist/monitoring/application-kube-prometheus-stack-chart.yaml';

/** Every alert rule rendered in dist/monitoring, by alert name. */
function alertRules(files: Map<string, string>): Map<string, Obj[]> {
  const out = new Map<string, Obj[]>();
  for (const [p, content] of files) {
    if (!p.startsWith('dist/monitoring/prometheusrule-')) continue;
    for (const g of parse(content).spec.groups) for (const r of g.rules) out.set(r.alert, [...(out.get(r.alert) ?? []), r]);
  }
  return out;
}

describe('monitoring layer', () => {
  const site = shippedSite();
  const files = new Map(renderSite(site).map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => parse(files.get(p)!);
  const values = obj(CHART).spec.source.helm.valuesObject;
  const rules = alertRules(files);

  test('GIVEN the chart WHEN rendered THEN Prometheus runs 2 and Alertmanager 3 replicas, never two on one node, on Longhorn, with PDBs and the site retention', () => {
    expect(obj(CHART).spec.source).toMatchObject({ chart: 'kube-prometheus-stack', repoURL: 'https://prometheus-community.github.io/helm-charts', targetRevision: '88.5.3' });
    const p = values.prometheus.prometheusSpec;
    expect([p.replicas, p.podAntiAffinity, p.podAntiAffinityTopologyKey, p.retention]).toEqual([2, 'hard', 'kubernetes.io/hostname', site.monitoring.retention]);
    expect(p.storageSpec.volumeClaimTemplate.spec).toEqual({ storageClassName: 'longhorn', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } } });
    expect(values.prometheus.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
    const a = values.alertmanager.alertmanagerSpec;
    expect([a.replicas, a.podAntiAffinity, a.podAntiAffinityTopologyKey]).toEqual([3, 'hard', 'kubernetes.io/hostname']);
    expect(a.storage.volumeClaimTemplate.spec.storageClassName).toBe('longhorn');
    expect(values.alertmanager.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 2 });
    // Every monitor and rule in every namespace is picked up.
    for (const k of ['serviceMonitor', 'podMonitor', 'rule', 'probe', 'scrapeConfig']) expect(p[`${k}SelectorNilUsesHelmValues`]).toBe(false);
  });

  test('GIVEN the chart\'s single-replica workloads WHEN rendered THEN the operator and kube-state-metrics are declared singletons and the node exporter a system component on every node', () => {
    expect(values.prometheusOperator.annotations['platform.tsys/singleton']).toMatch(/one operator/);
    expect(values['kube-state-metrics'].annotations['platform.tsys/singleton']).toMatch(/twice/);
    expect(values['prometheus-node-exporter'].daemonsetAnnotations['platform.tsys/system-component']).toMatch(/one per node/);
    expect(values['prometheus-node-exporter'].tolerations).toEqual([{ key: 'CriticalAddonsOnly', operator: 'Exists', effect: 'NoExecute' }, { key: 'platform.tsys/rnd', operator: 'Exists' }]);
  });

  test('GIVEN Grafana WHEN rendered THEN it runs 2 replicas on different nodes with a PDB, sharing the DBaaS PostgreSQL, at grafana.<domain>', () => {
    const g = values.grafana;
    expect(g.replicas).toBe(2);
    expect(g.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    expect(g.podDisruptionBudget).toEqual({ minAvailable: 1 });
    expect(g['grafana.ini'].database).toEqual({ type: 'postgres', host: 'pgsql.dbaas.turnsys.com:5432', name: 'grafana', user: 'grafana', ssl_mode: 'disable' });
    expect(obj('dist/monitoring/httproute-grafana.yaml').spec.hostnames).toEqual(['grafana.turnsys.com']);
    expect(obj('dist/monitoring/httproute-grafana.yaml').spec.rules[0].backendRefs).toEqual([{ name: 'kube-prometheus-stack-grafana', port: 80 }]);
    expect(files.get('docs/databases.md')).toContain('`grafana`');
  });

  test('GIVEN Grafana WHEN rendered THEN it logs in against UCS with the one LDAP schema, admins as Admin, viewers as Viewer, the bind password from Bitwarden', () => {
    const g = values.grafana;
    expect(g.ldap.enabled).toBe(true);
    expect(g['grafana.ini']['auth.ldap']).toEqual({ enabled: true, allow_sign_up: true, config_file: '/etc/grafana/ldap.toml' });
    const toml: string = g.ldap.config;
    expect(toml).toContain('host = "ucs.turnsys.com"\nport = 636\nuse_ssl = true');
    expect(toml).toContain(`bind_dn = "${site.ldap.bindDn}"`);
    expect(toml).toContain('bind_password = "$__env{LDAP_BIND_PASSWORD}"');
    expect(toml).toContain('search_filter = "(&(uid=%s)(objectClass=person))"');
    expect(toml).toContain(`search_base_dns = ["${site.ldap.usersDn}"]`);
    expect(toml).toContain('group_search_filter = "(&(objectClass=posixGroup)(uniqueMember=%s))"');
    expect(toml).toContain(`group_search_base_dns = ["${site.ldap.groupsDn}"]`);
    expect(toml).toContain(`[[servers.group_mappings]]\ngroup_dn = "${site.ldap.adminGroup}"\norg_role = "Admin"\ngrafana_admin = true`);
    expect(toml).toContain(`[[servers.group_mappings]]\ngroup_dn = "${site.ldap.viewerGroup}"\norg_role = "Viewer"\ngrafana_admin = false`);
    // The environment comes from Bitwarden: LDAP bind password and database password.
    expect(g.envFromSecrets).toEqual([{ name: 'grafana-env' }]);
    const env = obj('dist/monitoring/externalsecret-grafana-env.yaml');
    expect(env.spec.data.map((d: Obj) => [d.secretKey, d.remoteRef.key])).toEqual([
      ['GF_DATABASE_PASSWORD', 'grafana-db'],
      ['LDAP_BIND_PASSWORD', site.ldap.bindPassword.slice('bitwarden:'.length)],
    ]);
    expect(files.get('docs/ldap.md')).toMatch(/grafana/);
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
    const group = obj('dist/monitoring/prometheusrule-platform-workloads.yaml').spec.groups[0];
    expect(group.rules.map((r: Obj) => r.alert)).toEqual(['PodCrashLooping', 'DeploymentBelowDesiredReplicas', 'StatefulSetBelowDesiredReplicas', 'RolloutBelowDesiredReplicas', 'PersistentVolumeClaimAlmostFull']);
    for (const r of group.rules) expect(r.expr).not.toMatch(/namespace=/);
  });

  test('GIVEN the platform components WHEN rendered THEN each is scraped by a monitor in the monitoring namespace, and k3s etcd on every server', () => {
    const monitors = [...files.keys()].filter((p) => /^dist\/monitoring\/(servicemonitor|podmonitor)-/.test(p)).map((p) => obj(p));
    const byName = new Map(monitors.map((m) => [m.metadata.name, m]));
    for (const [name, ns] of [['longhorn', 'longhorn-system'], ['metallb', 'metallb-system'], ['envoy-gateway', 'envoy-gateway-system'], ['envoy-proxy', 'envoy-gateway-system'],
      ['argocd', 'argocd'], ['harbor', 'harbor'], ['keycloak', 'keycloak'], ['jenkins', 'jenkins'], ['velero', 'velero']]) {
      expect([name, byName.get(name)?.metadata.namespace, byName.get(name)?.spec.namespaceSelector]).toEqual([name, 'monitoring', { matchNames: [ns] }]);
    }
    expect(values.kubeEtcd).toEqual({ enabled: true, endpoints: ['10.251.51.1', '10.251.51.2', '10.251.51.3'], service: { enabled: true, port: 2381, targetPort: 2381 } });
    expect(files.get('dist/hosts/db1/config.yaml')).toMatch(/^etcd-expose-metrics: true$/m);
  });

  test('GIVEN alert receivers in site.yaml WHEN rendered THEN Alertmanager routes to them and reads the secrets from files filled from Bitwarden', () => {
    const receiver = values.alertmanager.config.receivers.find((r: Obj) => r.name === 'platform');
    expect(values.alertmanager.config.route.receiver).toBe('platform');
    expect(receiver.email_configs).toEqual([{ to: 'ops@turnsys.com', from: 'alertmanager@turnsys.com', smarthost: 'smtp.turnsys.com:587', send_resolved: true, auth_username: 'alertmanager@turnsys.com', auth_password_file: '/etc/alertmanager/secrets/alertmanager-receivers/smtp_password' }]);
    expect(receiver.webhook_configs).toEqual([{ send_resolved: true, url_file: '/etc/alertmanager/secrets/alertmanager-receivers/webhook_url' }]);
    expect(values.alertmanager.alertmanagerSpec.secrets).toEqual(['alertmanager-receivers']);
    const es = obj('dist/monitoring/externalsecret-alertmanager-receivers.yaml');
    expect(es.spec.data.map((d: Obj) => [d.secretKey, d.remoteRef.key])).toEqual([['smtp_password', 'alertmanager-smtp'], ['webhook_url', 'alertmanager-webhook']]);
  });

  test('GIVEN a site without alert receivers and a plain webhook URL WHEN rendered THEN no receiver secret is needed', () => {
    const plain = siteWith((s) => {
      s.monitoring.alerts = { webhook: { url: 'https://hooks.turnsys.com/alertmanager' } };
    });
    const out = new Map(renderSite(plain).map((f) => [f.path, f.content]));
    const v = parse(out.get(CHART)!).spec.source.helm.valuesObject;
    expect(v.alertmanager.config.receivers[0]).toEqual({ name: 'platform', webhook_configs: [{ send_resolved: true, url: 'https://hooks.turnsys.com/alertmanager' }] });
    expect(v.alertmanager.alertmanagerSpec.secrets).toBeUndefined();
    expect(out.has('dist/monitoring/externalsecret-alertmanager-receivers.yaml')).toBe(false);
  });

  test('GIVEN the dashboards WHEN rendered THEN node, storage, app, GitOps and backup health are ConfigMaps Grafana loads', () => {
    const maps = [...files.keys()].filter((p) => p.startsWith('dist/monitoring/configmap-dashboard-')).map((p) => obj(p));
    expect(maps.map((m) => m.metadata.name)).toEqual(['dashboard-platform-apps', 'dashboard-platform-backups', 'dashboard-platform-gitops', 'dashboard-platform-nodes', 'dashboard-platform-storage']);
    for (const m of maps) {
      expect(m.metadata.labels.grafana_dashboard).toBe('1');
      const json = JSON.parse(Object.values(m.data)[0] as string);
      expect(json.panels.length).toBeGreaterThanOrEqual(3);
    }
    expect(values.grafana.sidecar.dashboards).toEqual({ enabled: true, label: 'grafana_dashboard', labelValue: '1', searchNamespace: 'ALL' });
    expect(values.grafana.additionalDataSources).toEqual([expect.objectContaining({ type: 'loki', url: 'http://loki-gateway.logging.svc.cluster.local' })]);
  });
});

describe('metrics endpoints the monitors scrape', () => {
  const files = new Map(renderSite(shippedSite()).map((f) => [f.path, f.content]));
  test('GIVEN Argo CD and Keycloak WHEN rendered THEN the application controller metrics Service and Keycloak metrics are on', () => {
    const argo = parse(parse(files.get('dist/argocd/helmchart-argo-cd.yaml')!).spec.valuesContent);
    expect(argo.controller.metrics).toEqual({ enabled: true });
    expect(parse(files.get('dist/keycloak/keycloak-keycloak.yaml')!).spec.additionalOptions).toEqual([{ name: 'metrics-enabled', value: 'true' }]);
  });
});
