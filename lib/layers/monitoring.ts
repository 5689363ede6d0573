import { Construct } from 'constructs';
import { KubeConfigMap } from 'cdk8s-plus-25/lib/imports/k8s';
import { PrometheusRule, PrometheusRuleSpecGroups, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring.coreos.com';
import type { Site } from '../config/schema';
import { BitwardenSecret, bitwardenPart } from '../constructs/bitwarden-secret';
import { HelmComponent } from '../constructs/helm-component';
import { PlatformNamespace } from '../constructs/platform-namespace';
import { PublishedUi } from '../constructs/published-ui';
import { PlatformServiceMonitor } from '../constructs/service-monitor';
import type { PlatformContext } from '../context';
import { at, fixed, WorkloadDeclaration } from '../ha/workloads';
import { dbaasEndpoint } from '../docs/database-docs';
import { ARGOCD_NAMESPACE } from '../gitops/argocd';
import { RND_KEY, SERVER_TAINT } from '../hosts/node-labels';
import { Inventory } from '../inventory';
import { Layer } from '../layer';
import { LDAP_SCHEMA } from '../ldap-schema';
import { AlertGroup, APP_ALERTS, platformAlertGroups } from '../monitoring/alert-rules';
import { dashboardJson, platformDashboards } from '../monitoring/dashboards';
import { sortKeys } from '../render/sort';
import { HA_ANNOTATIONS, VELERO_NAMESPACE } from './backups';
import { HARBOR_NAMESPACE } from './harbor';
import { JENKINS_NAMESPACE } from './jenkins';
import { KEYCLOAK_POD_LABELS } from './keycloak';
import { LONGHORN_NAMESPACE } from './longhorn';
import { METALLB_NAMESPACE } from './metallb';

export const MONITORING_NAMESPACE = 'monitoring';
/** The Helm release: object names start with it (`kube-prometheus-stack-grafana`, ...). */
export const KPS_RELEASE = 'kube-prometheus-stack';
/** Grafana's Service (chart: `<release>-grafana`, port 80). */
export const GRAFANA_SERVICE = { name: `${KPS_RELEASE}-grafana`, port: 80 } as const;
/** Grafana's local admin (chart keys `admin-user`, `admin-password`). */
export const GRAFANA_ADMIN_SECRET = 'grafana-admin';
/** Environment of the Grafana pods: database and LDAP bind passwords, read by grafana.ini and ldap.toml. */
export const GRAFANA_ENV_SECRET = 'grafana-env';
/** Database on `dbaas.postgresql` (docs/databases.md). */
export const GRAFANA_DATABASE = 'grafana';
/** Passwords the Alertmanager config reads from files (alertmanagerSpec.secrets mounts it under /etc/alertmanager/secrets/<name>/). */
export const ALERTMANAGER_SECRET = 'alertmanager-receivers';
const ALERTMANAGER_SECRET_DIR = `/etc/alertmanager/secrets/${ALERTMANAGER_SECRET}`;
/** Label and value Grafana's sidecar loads dashboards by (the chart's defaults). */
export const DASHBOARD_LABEL = { grafana_dashboard: '1' } as const;
/** Loki's gateway, Grafana's log data source (logging layer). */
export const LOKI_URL = 'http://loki-gateway.logging.svc.cluster.local';
export const TOPOLOGY_KEY = 'kubernetes.io/hostname';
/** Envoy Gateway's namespace (gateway layer). */
const ENVOY_GATEWAY_NAMESPACE = 'envoy-gateway-system';
const KEYCLOAK_NAMESPACE = 'keycloak';

/** Grafana's LDAP role mapping: the admin group administers, the viewer group reads. */
export function grafanaGroupMappings(site: Site): { group_dn: string; org_role: 'Admin' | 'Viewer'; grafana_admin: boolean }[] {
  return [
    { group_dn: site.ldap.adminGroup, org_role: 'Admin', grafana_admin: true },
    { group_dn: site.ldap.viewerGroup, org_role: 'Viewer', grafana_admin: false },
  ];
}

/**
 * Grafana's ldap.toml: users by uid among persons under usersDn, groups as posixGroup with
 * uniqueMember (the one LDAP schema), the bind password from the pod environment (never here).
 */
export function grafanaLdapToml(site: Site): string {
  const url = new URL(site.ldap.url);
  const tls = url.protocol === 'ldaps:';
  const q = (s: string) => JSON.stringify(s);
  const lines = [
    '[[servers]]',
    `host = ${q(url.hostname)}`,
    `port = ${url.port || (tls ? 636 : 389)}`,
    `use_ssl = ${tls}`,
    'start_tls = false',
    'ssl_skip_verify = false',
    `bind_dn = ${q(site.ldap.bindDn)}`,
    // Grafana expands $__env{...} in ldap.toml: the value comes from the grafana-env Secret.
    'bind_password = "$__env{LDAP_BIND_PASSWORD}"',
    `search_filter = ${q(`(&(${LDAP_SCHEMA.userLoginAttribute}=%s)${LDAP_SCHEMA.userFilter})`)}`,
    `search_base_dns = [${q(site.ldap.usersDn)}]`,
    `group_search_filter = ${q(`(&${LDAP_SCHEMA.groupFilter}(${LDAP_SCHEMA.groupMemberAttribute}=%s))`)}`,
    'group_search_filter_user_attribute = "dn"',
    `group_search_base_dns = [${q(site.ldap.groupsDn)}]`,
    '',
    '[servers.attributes]',
    `username = ${q(LDAP_SCHEMA.userLoginAttribute)}`,
    'name = "givenName"',
    'surname = "sn"',
    'email = "mail"',
    // With a group search, each group found is matched by its DN.
    'member_of = "dn"',
    ...grafanaGroupMappings(site).flatMap((m) => ['', '[[servers.group_mappings]]', `group_dn = ${q(m.group_dn)}`, `org_role = ${q(m.org_role)}`, `grafana_admin = ${m.grafana_admin}`]),
    '',
  ];
  return lines.join('\n');
}

/** Alertmanager's configuration: everything to the site's receivers, grouped by alert and namespace. */
export function alertmanagerConfig(site: Site): { secretData: Record<string, string>; config: Record<string, unknown> } {
  const { email, webhook } = site.monitoring.alerts;
  const secretData: Record<string, string> = {};
  const receiver: Record<string, unknown> = { name: 'platform' };
  if (email) {
    if (email.password) secretData.smtp_password = email.password;
    receiver.email_configs = [{
      to: email.to, from: email.from, smarthost: email.smarthost, send_resolved: true,
      ...(email.username ? { auth_username: email.username } : {}),
      ...(email.password ? { auth_password_file: `${ALERTMANAGER_SECRET_DIR}/smtp_password` } : {}),
    }];
  }
  if (webhook) {
    const secret = webhook.url.startsWith('bitwarden:');
    if (secret) secretData.webhook_url = webhook.url;
    receiver.webhook_configs = [{ send_resolved: true, ...(secret ? { url_file: `${ALERTMANAGER_SECRET_DIR}/webhook_url` } : { url: webhook.url }) }];
  }
  return {
    secretData,
    config: {
      global: { resolve_timeout: '5m' },
      route: {
        receiver: 'platform',
        group_by: ['alertname', 'namespace'],
        group_wait: '30s', group_interval: '5m', repeat_interval: '4h',
        // The always-firing Watchdog proves the pipeline works; it goes nowhere.
        routes: [{ receiver: 'null', matchers: ['alertname = "Watchdog"'] }],
      },
      receivers: [receiver, { name: 'null' }],
      inhibit_rules: [
        { source_matchers: ['severity = "critical"'], target_matchers: ['severity = "warning"'], equal: ['alertname', 'namespace'] },
        // A node that is down explains everything else on it.
        { source_matchers: ['alertname = "NodeDown"'], target_matchers: ['severity = "warning"'], equal: ['node'] },
      ],
      templates: ['/etc/alertmanager/config/*.tmpl'],
    },
  };
}

/** Why the operator runs alone (on its Deployment in the cluster and in the HA declaration). */
const OPERATOR_SINGLETON = 'the chart runs one operator (replicas fixed); Prometheus and Alertmanager keep running without it, it only applies changes';
/** Why kube-state-metrics runs alone. */
const KSM_SINGLETON = 'a second replica would export every series twice; it restarts within seconds, shorter than any alert\'s for: window';
const NODE_EXPORTER_SYSTEM = 'node exporter: metrics of its own node; one per node by design';

/**
 * Object names as kube-prometheus-stack 88.5.3 renders them for the release `kube-prometheus-stack`
 * (its fullname is the release: the release contains the chart name). The operator names each
 * StatefulSet after its custom resource (`<release>-prometheus`, `<release>-alertmanager`) with
 * the kind as prefix; the subcharts name theirs `<release>-<chart>`.
 */
export const KPS_WORKLOADS = {
  prometheus: `prometheus-${KPS_RELEASE}-prometheus`,
  alertmanager: `alertmanager-${KPS_RELEASE}-alertmanager`,
  operator: `${KPS_RELEASE}-operator`,
  grafana: `${KPS_RELEASE}-grafana`,
  kubeStateMetrics: `${KPS_RELEASE}-kube-state-metrics`,
  nodeExporter: `${KPS_RELEASE}-prometheus-node-exporter`,
} as const;

/**
 * Termination grace periods the Prometheus operator (v0.93.1) gives the pods of its StatefulSets
 * when the resource sets none: Prometheus 600 s (DefaultTerminationGracePeriodSeconds, time to
 * checkpoint its WAL), Alertmanager 120 s.
 */
const OPERATOR_TERMINATION_GRACE = { prometheus: 600, alertmanager: 120 } as const;

/** The chart's probe defaults (values.yaml of kube-prometheus-stack 88.5.3 and kube-state-metrics 8.4.0), which the platform keeps. */
const OPERATOR_READINESS = { enabled: true, failureThreshold: 3, initialDelaySeconds: 0, periodSeconds: 10 } as const;
const KSM_READINESS = { failureThreshold: 3, initialDelaySeconds: 5, periodSeconds: 10 } as const;
const GRAFANA_READINESS = { httpGet: { path: '/api/health', port: 'grafana' } } as const;

/**
 * The stack's Deployments, StatefulSets and DaemonSets (kube-prometheus-stack 88.5.3, with its
 * grafana 12.11.1, kube-state-metrics 8.4.0 and prometheus-node-exporter 4.56.1 subcharts), each
 * fact a path into the values above, for the HA rules and the node-failure simulation.
 */
export function kubePrometheusStackWorkloads(): WorkloadDeclaration[] {
  const longhornRwo = { storageClass: 'longhorn', accessMode: 'ReadWriteOnce' } as const;
  return [
    {
      // One StatefulSet (one shard) with `replicas` pods, each with its own volume.
      name: KPS_WORKLOADS.prometheus,
      kind: 'StatefulSet',
      createdBy: 'the Prometheus operator, from the Prometheus resource the chart renders from these values',
      replicas: at('prometheus.prometheusSpec.replicas', 1),
      spread: { preset: at('prometheus.prometheusSpec.podAntiAffinity', 'soft'), hardWhen: 'hard', topologyKey: at('prometheus.prometheusSpec.podAntiAffinityTopologyKey', TOPOLOGY_KEY) },
      pdb: { enabled: at('prometheus.podDisruptionBudget.enabled', false), minAvailable: at('prometheus.podDisruptionBudget.minAvailable', 1) },
      nodeSelector: at('prometheus.prometheusSpec.nodeSelector', {}),
      tolerations: at('prometheus.prometheusSpec.tolerations', []),
      resources: at('prometheus.prometheusSpec.resources', {}),
      terminationGracePeriodSeconds: at('prometheus.prometheusSpec.terminationGracePeriodSeconds', OPERATOR_TERMINATION_GRACE.prometheus),
      volume: longhornRwo,
    },
    {
      name: KPS_WORKLOADS.alertmanager,
      kind: 'StatefulSet',
      createdBy: 'the Prometheus operator, from the Alertmanager resource the chart renders from these values',
      replicas: at('alertmanager.alertmanagerSpec.replicas', 1),
      spread: { preset: at('alertmanager.alertmanagerSpec.podAntiAffinity', 'soft'), hardWhen: 'hard', topologyKey: at('alertmanager.alertmanagerSpec.podAntiAffinityTopologyKey', TOPOLOGY_KEY) },
      pdb: { enabled: at('alertmanager.podDisruptionBudget.enabled', false), minAvailable: at('alertmanager.podDisruptionBudget.minAvailable', 1) },
      nodeSelector: at('alertmanager.alertmanagerSpec.nodeSelector', {}),
      tolerations: at('alertmanager.alertmanagerSpec.tolerations', []),
      resources: at('alertmanager.alertmanagerSpec.resources', {}),
      terminationGracePeriodSeconds: at('alertmanager.alertmanagerSpec.terminationGracePeriodSeconds', OPERATOR_TERMINATION_GRACE.alertmanager),
      volume: longhornRwo,
    },
    {
      name: KPS_WORKLOADS.operator,
      kind: 'Deployment',
      replicas: fixed(1, 'templates/prometheus-operator/deployment.yaml renders replicas: 1 and has no value for it'),
      singleton: OPERATOR_SINGLETON,
      nodeSelector: at('prometheusOperator.nodeSelector', {}),
      tolerations: at('prometheusOperator.tolerations', []),
      resources: at('prometheusOperator.resources', {}),
      startup: { probe: at('prometheusOperator.readinessProbe', OPERATOR_READINESS) },
    },
    {
      // Grafana keeps nothing on disk (persistence off, state in the DBaaS PostgreSQL): a Deployment.
      name: KPS_WORKLOADS.grafana,
      kind: 'Deployment',
      replicas: at('grafana.replicas', 1),
      spread: { affinity: at('grafana.affinity', {}) },
      pdb: { minAvailable: at('grafana.podDisruptionBudget.minAvailable') },
      nodeSelector: at('grafana.nodeSelector', {}),
      tolerations: at('grafana.tolerations', []),
      resources: at('grafana.resources', {}),
      startup: { probe: at('grafana.readinessProbe', GRAFANA_READINESS) },
    },
    {
      name: KPS_WORKLOADS.kubeStateMetrics,
      kind: 'Deployment',
      replicas: at('kube-state-metrics.replicas', 1),
      singleton: KSM_SINGLETON,
      nodeSelector: at('kube-state-metrics.nodeSelector', {}),
      tolerations: at('kube-state-metrics.tolerations', []),
      resources: at('kube-state-metrics.resources', {}),
      startup: { probe: at('kube-state-metrics.readinessProbe', KSM_READINESS) },
    },
    {
      name: KPS_WORKLOADS.nodeExporter,
      kind: 'DaemonSet',
      systemComponent: NODE_EXPORTER_SYSTEM,
      nodeSelector: at('prometheus-node-exporter.nodeSelector', { 'kubernetes.io/os': 'linux' }),
      tolerations: at('prometheus-node-exporter.tolerations'),
      resources: at('prometheus-node-exporter.resources', {}),
    },
  ];
}

/** Required anti-affinity of a chart's pods on `labels`: never two on one node. */
function hardAntiAffinity(labels: Record<string, string>) {
  return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: labels }, topologyKey: TOPOLOGY_KEY }] } };
}

/** A volume claim template as the operator's `storageSpec` / `storage` take it. */
function claimTemplate(size: string) {
  return { volumeClaimTemplate: { spec: { storageClassName: 'longhorn', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } } } };
}

/**
 * The values of kube-prometheus-stack that the platform sets. Every key was checked against
 * values.yaml of the pinned chart (prometheus-community/helm-charts kube-prometheus-stack 88.5.3)
 * and, under `grafana`, of its grafana dependency (grafana-community/helm-charts grafana 12.11.1).
 */
export function kubePrometheusStackValues(site: Site, servers: readonly string[]): Record<string, unknown> {
  const m = site.monitoring;
  const db = dbaasEndpoint(site, 'postgresql');
  const am = alertmanagerConfig(site);
  return {
    crds: { enabled: true },
    defaultRules: { create: true },
    // k3s runs the controller manager, scheduler and proxy inside its own process, their metrics
    // on localhost only: scraping them would only raise TargetDown.
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeProxy: { enabled: false },
    // etcd is not a pod in k3s: its servers serve metrics on :2381 (etcd-expose-metrics in config.yaml).
    kubeEtcd: { enabled: true, endpoints: [...servers], service: { enabled: true, port: 2381, targetPort: 2381 } },
    prometheus: {
      podDisruptionBudget: { enabled: true, minAvailable: 1 },
      prometheusSpec: {
        replicas: 2,
        podAntiAffinity: 'hard',
        podAntiAffinityTopologyKey: TOPOLOGY_KEY,
        retention: m.retention,
        storageSpec: claimTemplate(m.prometheusStorageSize),
        // Every ServiceMonitor, PodMonitor, Probe, ScrapeConfig and PrometheusRule in every namespace.
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        scrapeConfigSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
      },
    },
    alertmanager: {
      podDisruptionBudget: { enabled: true, minAvailable: 2 },
      config: am.config,
      alertmanagerSpec: {
        replicas: 3,
        podAntiAffinity: 'hard',
        podAntiAffinityTopologyKey: TOPOLOGY_KEY,
        storage: claimTemplate(m.alertmanagerStorageSize),
        ...(Object.keys(am.secretData).length ? { secrets: [ALERTMANAGER_SECRET] } : {}),
      },
    },
    // The chart fixes the operator at one replica; Prometheus and Alertmanager run on without it.
    prometheusOperator: { annotations: { [HA_ANNOTATIONS.singleton]: OPERATOR_SINGLETON } },
    'kube-state-metrics': { annotations: { [HA_ANNOTATIONS.singleton]: KSM_SINGLETON } },
    'prometheus-node-exporter': {
      daemonsetAnnotations: { [HA_ANNOTATIONS.systemComponent]: NODE_EXPORTER_SYSTEM },
      // Every node: servers (NoExecute taint) and the R&D node included.
      tolerations: [{ key: SERVER_TAINT.key, operator: 'Exists', effect: SERVER_TAINT.effect }, { key: RND_KEY, operator: 'Exists' }],
    },
    grafana: {
      replicas: 2,
      affinity: hardAntiAffinity({ 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': KPS_RELEASE }),
      podDisruptionBudget: { minAvailable: 1 },
      // Sessions, users and settings live in the DBaaS PostgreSQL: both replicas share them.
      persistence: { enabled: false },
      admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: 'admin-user', passwordKey: 'admin-password' },
      envFromSecrets: [{ name: GRAFANA_ENV_SECRET }],
      ldap: { enabled: true, config: grafanaLdapToml(site) },
      'grafana.ini': {
        server: { root_url: `https://grafana.${site.domain}` },
        database: { type: 'postgres', host: `${db.host}:${db.port}`, name: GRAFANA_DATABASE, user: m.grafana.databaseUser, ssl_mode: 'disable' },
        'auth.ldap': { enabled: true, allow_sign_up: true, config_file: '/etc/grafana/ldap.toml' },
        analytics: { check_for_updates: false, reporting_enabled: false },
      },
      sidecar: { dashboards: { enabled: true, label: Object.keys(DASHBOARD_LABEL)[0], labelValue: Object.values(DASHBOARD_LABEL)[0], searchNamespace: 'ALL' } },
      additionalDataSources: [{ name: 'Loki', uid: 'loki', type: 'loki', access: 'proxy', url: LOKI_URL, isDefault: false }],
    },
  };
}

/** A PrometheusRule group as the CRD takes it. */
export function prometheusRuleGroup(group: AlertGroup): PrometheusRuleSpecGroups {
  return {
    name: group.name,
    rules: group.rules.map((r) => ({
      alert: r.alert,
      expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
      for: r.for,
      labels: { severity: r.severity },
      annotations: { summary: r.summary, runbook: r.runbook },
    })),
  };
}

/**
 * Monitoring: kube-prometheus-stack (Prometheus 2 replicas, Alertmanager 3, both on different
 * nodes with Longhorn volumes), Grafana at grafana.<domain> with LDAP login and the platform's
 * dashboards, scrape targets for every platform component, and the platform's alerts.
 */
export function monitoringLayer(scope: Construct, ctx: PlatformContext): Layer {
  const { site } = ctx;
  const layer = new Layer(scope, {
    name: 'monitoring',
    description: 'Prometheus, Alertmanager and Grafana (LDAP login): metrics, alerts, dashboards',
    namespace: MONITORING_NAMESPACE,
    dependsOn: ['gateway', 'longhorn', 'secrets'],
  });
  // The node exporter reads the host's /proc and /sys with host networking.
  new PlatformNamespace(layer, 'namespace', { name: MONITORING_NAMESPACE, podSecurity: 'privileged' });

  const admin = new BitwardenSecret(layer, 'grafana-admin', {
    name: GRAFANA_ADMIN_SECRET,
    namespace: MONITORING_NAMESPACE,
    data: { 'admin-user': bitwardenPart(site.monitoring.grafana.adminCredentials, 'username'), 'admin-password': bitwardenPart(site.monitoring.grafana.adminCredentials, 'password') },
  });
  const env = new BitwardenSecret(layer, 'grafana-env', {
    name: GRAFANA_ENV_SECRET,
    namespace: MONITORING_NAMESPACE,
    data: { GF_DATABASE_PASSWORD: site.monitoring.grafana.databasePassword, LDAP_BIND_PASSWORD: site.ldap.bindPassword },
  });
  const am = alertmanagerConfig(site);
  const receivers = Object.keys(am.secretData).length
    ? new BitwardenSecret(layer, 'alertmanager-receivers', { name: ALERTMANAGER_SECRET, namespace: MONITORING_NAMESPACE, data: am.secretData })
    : undefined;

  const servers = site.nodes.filter((n) => n.role === 'server').map((n) => n.ip);
  const stack = new HelmComponent(layer, 'kube-prometheus-stack', {
    name: KPS_RELEASE,
    chart: ctx.versions['kube-prometheus-stack'],
    namespace: MONITORING_NAMESPACE,
    values: kubePrometheusStackValues(site, servers),
    providesApis: [{ group: 'monitoring.coreos.com' }],
    volumes: [
      { name: `prometheus-${KPS_RELEASE}-prometheus-db-prometheus-${KPS_RELEASE}-prometheus-*`, namespace: MONITORING_NAMESPACE, storageClass: 'longhorn', size: site.monitoring.prometheusStorageSize },
      { name: `alertmanager-${KPS_RELEASE}-alertmanager-db-alertmanager-${KPS_RELEASE}-alertmanager-*`, namespace: MONITORING_NAMESPACE, storageClass: 'longhorn', size: site.monitoring.alertmanagerStorageSize },
    ],
    workloads: kubePrometheusStackWorkloads(),
  });
  for (const s of [admin, env, ...(receivers ? [receivers] : [])]) layer.addOrder(stack, s);

  new PublishedUi(layer, 'grafana-ui', { name: 'grafana', namespace: MONITORING_NAMESPACE, serviceName: GRAFANA_SERVICE.name, servicePort: GRAFANA_SERVICE.port, description: 'Grafana: dashboards, logs' });

  // Scrape targets of the other layers, from this namespace (so no layer waits for this one).
  const monitors: { name: string; namespace: string; selector: Record<string, string>; port: string; path?: string; pods?: boolean }[] = [
    { name: 'longhorn', namespace: LONGHORN_NAMESPACE, selector: { app: 'longhorn-manager' }, port: 'manager' },
    { name: 'metallb', namespace: METALLB_NAMESPACE, selector: { 'app.kubernetes.io/name': 'metallb' }, port: 'monitoring', pods: true },
    { name: 'envoy-gateway', namespace: ENVOY_GATEWAY_NAMESPACE, selector: { 'control-plane': 'envoy-gateway' }, port: 'metrics' },
    { name: 'envoy-proxy', namespace: ENVOY_GATEWAY_NAMESPACE, selector: { 'app.kubernetes.io/component': 'proxy', 'app.kubernetes.io/managed-by': 'envoy-gateway' }, port: 'metrics', path: '/stats/prometheus', pods: true },
    { name: 'argocd', namespace: ARGOCD_NAMESPACE, selector: { 'app.kubernetes.io/name': 'argocd-metrics' }, port: 'http-metrics' },
    { name: 'harbor', namespace: HARBOR_NAMESPACE, selector: { app: 'harbor' }, port: 'http-metrics' },
    { name: 'keycloak', namespace: KEYCLOAK_NAMESPACE, selector: { ...KEYCLOAK_POD_LABELS }, port: 'management' },
    { name: 'jenkins', namespace: JENKINS_NAMESPACE, selector: { 'app.kubernetes.io/component': 'jenkins-controller', 'app.kubernetes.io/instance': 'jenkins' }, port: 'http', path: '/prometheus/' },
    { name: 'velero', namespace: VELERO_NAMESPACE, selector: { 'app.kubernetes.io/name': 'velero', 'app.kubernetes.io/instance': 'velero' }, port: 'http-monitoring' },
  ];
  for (const t of monitors) {
    new PlatformServiceMonitor(layer, `monitor-${t.name}`, {
      name: t.name, namespace: MONITORING_NAMESPACE, targetNamespaces: [t.namespace], selector: t.selector,
      endpoints: [{ port: t.port, ...(t.path ? { path: t.path } : {}) }], pods: t.pods,
    });
  }

  for (const group of [...platformAlertGroups(site), APP_ALERTS]) {
    new PrometheusRule(layer, `rules-${group.name}`, {
      metadata: { name: group.name, namespace: MONITORING_NAMESPACE },
      spec: { groups: [prometheusRuleGroup(group)] },
    });
  }

  for (const d of platformDashboards(site.backups.apps.namespaces)) {
    new KubeConfigMap(layer, `dashboard-${d.uid}`, {
      metadata: { name: `dashboard-${d.uid}`, namespace: MONITORING_NAMESPACE, labels: { ...DASHBOARD_LABEL } },
      data: { [`${d.uid}.json`]: JSON.stringify(sortKeys(dashboardJson(d)), null, 2) },
    });
  }

  const inventory = Inventory.of(layer);
  inventory.addDirectoryUse(site.ldap, 'grafana', { admins: true, viewers: true });
  inventory.addDatabase({
    engine: 'postgresql',
    database: GRAFANA_DATABASE,
    user: site.monitoring.grafana.databaseUser,
    passwordRef: site.monitoring.grafana.databasePassword,
    usedBy: 'monitoring',
    purpose: 'Grafana: users, sessions, settings shared by both replicas',
  });
  return layer;
}
