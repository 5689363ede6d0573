import { createHash } from 'crypto';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { KubeConfigMap } from 'cdk8s-plus-25/lib/imports/k8s';
import { PrometheusRule, PrometheusRuleSpecGroups, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring.coreos.com';
import type { Site } from '../config/schema';
import { BitwardenSecret, bitwardenPart } from '../constructs/bitwarden-secret';
import { HelmComponent } from '../constructs/helm-component';
import type { RenderedWorkloadHa } from '../constructs/upstream-objects';
import { PlatformNamespace } from '../constructs/platform-namespace';
import { PublishedUi } from '../constructs/published-ui';
import { realmGroupName } from '../iam';
import { MONITORING_NAMESPACE, PlatformServiceMonitor } from '../constructs/service-monitor';
import { pinned } from '../context';
import type { PlatformContext } from '../context';
import { at, ONE_POD_AT_A_TIME, WorkloadDeclaration } from '../ha/workloads';
import { dbaasEndpoint } from '../config/dbaas';
import { RND_KEY, SERVER_TAINT, SERVER_TOLERATION } from '../hosts/node-labels';
import { Inventory } from '../inventory';
import { Layer } from '../layer';
import { LDAP_CA_SECRET, ldapMapping } from '../ldap-schema';
import { LdapCaSecret } from '../constructs/ldap-ca-secret';
import { AlertGroup, APP_ALERTS, platformAlertGroups } from '../monitoring/alert-rules';
import { dashboardJson, platformDashboards } from '../monitoring/dashboards';
import { sortKeys } from '../render/sort';
import type { ChartPin } from '../versions';
import { publishes, withComponent } from '../config/platform-rules';
import type { LayerDatabase, LayerNeeds, LayerUi } from '../config/platform-rules';

/**
 * kube-prometheus-stack: Prometheus operator, Prometheus, Alertmanager, Grafana (chart 12.11.1
 * from grafana-community), node exporter and kube-state-metrics. Chart 88.5.3 ships operator v0.93.1.
 */
export const KUBE_PROMETHEUS_STACK_CHART: ChartPin = {
  name: 'kube-prometheus-stack',
  kind: 'chart',
  repo: 'https://prometheus-community.github.io/helm-charts',
  chart: 'kube-prometheus-stack',
  version: '88.5.3',
  source: { repository: 'https://github.com/prometheus-community/helm-charts', path: 'charts/kube-prometheus-stack', tag: 'kube-prometheus-stack-{version}' },
};

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
/** Secret values Alertmanager's receivers reference (AlertmanagerConfig secret key selectors). */
export const ALERTMANAGER_SECRET = 'alertmanager-receivers';
/**
 * The AlertmanagerConfig the operator builds Alertmanager's whole configuration from
 * (`alertmanagerSpec.alertmanagerConfiguration`): routes and receivers are a resource in git,
 * the secrets it references stay in `ALERTMANAGER_SECRET`, and the chart renders no config Secret.
 */
export const ALERTMANAGER_CONFIG = 'platform';
/** ConfigMap holding Grafana's ldap.toml (no secret in it: the bind password comes from the environment). */
export const GRAFANA_LDAP_CONFIGMAP = 'grafana-ldap';
/** Label and value Grafana's sidecar loads dashboards by (the chart's defaults). */
export const DASHBOARD_LABEL = { grafana_dashboard: '1' } as const;
/** Loki's gateway, Grafana's log data source (logging layer). */
export const LOKI_URL = 'http://loki-gateway.logging.svc.cluster.local';
export const TOPOLOGY_KEY = 'kubernetes.io/hostname';
/** Grafana's LDAP role mapping: the admin group administers, the viewer group reads. */
export function grafanaGroupMappings(site: Site): { group_dn: string; org_role: 'Admin' | 'Viewer'; grafana_admin: boolean }[] {
  return [
    { group_dn: site.ldap.adminGroup, org_role: 'Admin', grafana_admin: true },
    { group_dn: site.ldap.viewerGroup, org_role: 'Viewer', grafana_admin: false },
  ];
}

/** Where Grafana reads the directory's CA certificate (the `ldap-ca` Secret, mounted). */
export const GRAFANA_LDAP_CA_DIR = '/etc/grafana/ldap-ca';

/**
 * Grafana's ldap.toml: users and groups with the site's attribute mapping (lib/ldap-schema.ts),
 * LDAPS to every directory node (Grafana tries the space-separated hosts in turn), verified
 * against the site's CA only; the bind password from the pod environment (never here).
 */
export function grafanaLdapToml(site: Site): string {
  const map = ldapMapping(site);
  const q = (s: string) => JSON.stringify(s);
  const lines = [
    '[[servers]]',
    `host = ${q(site.ldap.hosts.join(' '))}`,
    `port = ${site.ldap.port}`,
    'use_ssl = true',
    'start_tls = false',
    'ssl_skip_verify = false',
    `root_ca_cert = ${q(`${GRAFANA_LDAP_CA_DIR}/${LDAP_CA_SECRET.key}`)}`,
    `bind_dn = ${q(site.ldap.bindDn)}`,
    // Grafana expands $__env{...} in ldap.toml: the value comes from the grafana-env Secret.
    'bind_password = "$__env{LDAP_BIND_PASSWORD}"',
    `search_filter = ${q(`(&(${map.userLoginAttribute}=%s)${map.userFilter})`)}`,
    `search_base_dns = [${q(site.ldap.usersDn)}]`,
    `group_search_filter = ${q(`(&${map.groupFilter}(${map.groupMemberAttribute}=%s))`)}`,
    'group_search_filter_user_attribute = "dn"',
    `group_search_base_dns = [${q(site.ldap.groupsDn)}]`,
    '',
    '[servers.attributes]',
    `username = ${q(map.userLoginAttribute)}`,
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

/** An AlertmanagerConfig matcher (`name = value`). */
function equals(name: string, value: string): { name: string; value: string; matchType: '=' } {
  return { name, value, matchType: '=' };
}

/**
 * Alertmanager's configuration as the `AlertmanagerConfig` (monitoring.coreos.com/v1alpha1) the
 * operator reads: everything to the site's receivers, grouped by alert and namespace. Secret
 * values (SMTP password, a webhook URL that carries a token) are references into
 * `ALERTMANAGER_SECRET`, filled from Bitwarden; `secretData` says which.
 */
export function alertmanagerConfig(site: Site): { secretData: Record<string, string>; spec: Record<string, unknown> } {
  const { email, webhook } = site.monitoring.alerts;
  const secretData: Record<string, string> = {};
  const receiver: Record<string, unknown> = { name: 'platform' };
  if (email) {
    if (email.password) secretData.smtp_password = email.password;
    receiver.emailConfigs = [{
      to: email.to, from: email.from, smarthost: email.smarthost, sendResolved: true,
      ...(email.username ? { authUsername: email.username } : {}),
      ...(email.password ? { authPassword: { name: ALERTMANAGER_SECRET, key: 'smtp_password' } } : {}),
    }];
  }
  if (webhook) {
    const secret = webhook.url.startsWith('bitwarden:');
    if (secret) secretData.webhook_url = webhook.url;
    receiver.webhookConfigs = [{ sendResolved: true, ...(secret ? { urlSecret: { name: ALERTMANAGER_SECRET, key: 'webhook_url' } } : { url: webhook.url }) }];
  }
  return {
    secretData,
    spec: {
      route: {
        receiver: 'platform',
        groupBy: ['alertname', 'namespace'],
        groupWait: '30s', groupInterval: '5m', repeatInterval: '4h',
        // The always-firing Watchdog proves the pipeline works; it goes nowhere.
        routes: [{ receiver: 'null', matchers: [equals('alertname', 'Watchdog')] }],
      },
      receivers: [receiver, { name: 'null' }],
      inhibitRules: [
        { sourceMatch: [equals('severity', 'critical')], targetMatch: [equals('severity', 'warning')], equal: ['alertname', 'namespace'] },
        // A node that is down explains everything else on it.
        { sourceMatch: [equals('alertname', 'NodeDown')], targetMatch: [equals('severity', 'warning')], equal: ['node'] },
      ],
    },
  };
}

/** Why the operator runs alone. */
const OPERATOR_SINGLETON = 'the chart runs one operator (replicas fixed); Prometheus and Alertmanager keep running without it, it only applies changes';
/** Why kube-state-metrics runs alone. */
const KSM_SINGLETON = 'a second replica would export every series twice; it restarts within seconds, shorter than any alert\'s for: window';
const NODE_EXPORTER_SYSTEM = 'node exporter: metrics of its own node; one per node by design';

/** The chart's Services in front of Prometheus and Alertmanager (their web ports). */
export const PROMETHEUS_SERVICE = { name: `${KPS_RELEASE}-prometheus`, port: 9090 } as const;
export const ALERTMANAGER_SERVICE = { name: `${KPS_RELEASE}-alertmanager`, port: 9093 } as const;

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

/** HA declarations of the stack's rendered workloads (the rendered specs speak for the rest). */
export function kubePrometheusStackHa(): RenderedWorkloadHa[] {
  return [
    // templates/prometheus-operator/deployment.yaml renders replicas: 1 and has no value for it.
    { kind: 'Deployment', name: KPS_WORKLOADS.operator, singleton: OPERATOR_SINGLETON },
    { kind: 'Deployment', name: KPS_WORKLOADS.kubeStateMetrics, singleton: KSM_SINGLETON },
    { kind: 'DaemonSet', name: KPS_WORKLOADS.nodeExporter, systemComponent: NODE_EXPORTER_SYSTEM },
  ];
}

/**
 * The StatefulSets the Prometheus operator creates at run time from the Prometheus and
 * Alertmanager resources the chart renders, each fact a path into the values below, for the HA
 * rules and the node-failure simulation.
 */
export function kubePrometheusStackRuntimeWorkloads(): WorkloadDeclaration[] {
  const longhornRwo = { storageClass: 'longhorn', accessMode: 'ReadWriteOnce' } as const;
  return [
    {
      // One StatefulSet (one shard) with `replicas` pods, each with its own volume.
      name: KPS_WORKLOADS.prometheus,
      kind: 'StatefulSet',
      createdBy: 'the Prometheus operator, from the Prometheus resource the chart renders from these values',
      createdFrom: { group: 'monitoring.coreos.com', kind: 'Prometheus' },
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
      createdFrom: { group: 'monitoring.coreos.com', kind: 'Alertmanager' },
      replicas: at('alertmanager.alertmanagerSpec.replicas', 1),
      spread: { preset: at('alertmanager.alertmanagerSpec.podAntiAffinity', 'soft'), hardWhen: 'hard', topologyKey: at('alertmanager.alertmanagerSpec.podAntiAffinityTopologyKey', TOPOLOGY_KEY) },
      pdb: { enabled: at('alertmanager.podDisruptionBudget.enabled', false), minAvailable: at('alertmanager.podDisruptionBudget.minAvailable', 1) },
      nodeSelector: at('alertmanager.alertmanagerSpec.nodeSelector', {}),
      tolerations: at('alertmanager.alertmanagerSpec.tolerations', []),
      resources: at('alertmanager.alertmanagerSpec.resources', {}),
      terminationGracePeriodSeconds: at('alertmanager.alertmanagerSpec.terminationGracePeriodSeconds', OPERATOR_TERMINATION_GRACE.alertmanager),
      volume: longhornRwo,
    },
  ];
}

/**
 * Requests and memory limits, sized for a small on-prem cluster (a few dozen nodes' worth of
 * series at most): the scheduler reserves the requests, the limit stops a leak from taking the
 * node down. No CPU limits: they only throttle.
 */
export const MONITORING_RESOURCES = {
  prometheus: { requests: { cpu: '200m', memory: '1Gi' }, limits: { memory: '3Gi' } },
  alertmanager: { requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '256Mi' } },
  operator: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
  /** The config reloader the operator adds to the Prometheus and Alertmanager pods. */
  configReloader: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
  /** The admission webhook's certificate Jobs (kube-webhook-certgen). */
  admissionJobs: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
  kubeStateMetrics: { requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '256Mi' } },
  nodeExporter: { requests: { cpu: '20m', memory: '32Mi' }, limits: { memory: '128Mi' } },
  grafana: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
  /** Each of Grafana's k8s-sidecar containers (dashboards, data sources): a Python process and its watchers. */
  grafanaSidecar: { requests: { cpu: '10m', memory: '96Mi' }, limits: { memory: '256Mi' } },
} as const;

/** The restricted container security context of the grafana chart's containers, with a read-only root. */
const GRAFANA_CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
  readOnlyRootFilesystem: true,
} as const;

/**
 * Health ports of Grafana's k8s-sidecar containers (HEALTH_PORT, default 8080; the two share
 * the pod's network, so each gets its own) and the probe they share: the chart has one probe
 * value for every sidecar, so it asks the container's own port. /healthz answers 503 until the
 * first sync is done (readiness) and once a watcher process died or the API server has been
 * out of reach for 60 s (liveness). The image is Alpine: sh and busybox wget are there.
 */
export const GRAFANA_SIDECAR_HEALTH_PORTS = { dashboards: '8080', datasources: '8082' } as const;
const GRAFANA_SIDECAR_HEALTH = { exec: { command: ['sh', '-c', 'wget -q -T 5 -O /dev/null "http://127.0.0.1:${HEALTH_PORT}/healthz"'] } } as const;

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
export function kubePrometheusStackValues(site: Site): Record<string, unknown> {
  const m = site.monitoring;
  const db = dbaasEndpoint(site, 'postgresql');
  const r = MONITORING_RESOURCES;
  return {
    crds: { enabled: true },
    defaultRules: { create: true },
    // k3s runs the controller manager, scheduler and proxy inside its own process, their metrics
    // on localhost only: scraping them would only raise TargetDown.
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeProxy: { enabled: false },
    // etcd is not a pod in k3s: the layer scrapes its servers with the ScrapeConfig kube-etcd
    // (etcdScrapeConfig). The chart's way, a selector-less Service with an Endpoints object listing
    // the servers, is never applied: Argo CD's default resource.exclusions (argocd-cm) exclude core
    // Endpoints. kubeEtcd stays enabled for the chart's etcd rules and dashboard (job=~".*etcd.*").
    kubeEtcd: { enabled: true, service: { enabled: false }, serviceMonitor: { enabled: false } },
    prometheus: {
      podDisruptionBudget: { enabled: true, minAvailable: 1 },
      prometheusSpec: {
        replicas: 2,
        podAntiAffinity: 'hard',
        podAntiAffinityTopologyKey: TOPOLOGY_KEY,
        retention: m.retention,
        storageSpec: claimTemplate(m.prometheusStorageSize),
        resources: r.prometheus,
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
      alertmanagerSpec: {
        replicas: 3,
        podAntiAffinity: 'hard',
        podAntiAffinityTopologyKey: TOPOLOGY_KEY,
        // The servers too: three replicas with required anti-affinity then have five nodes, so
        // one agent down (or www1 not joined) leaves the third a node (docs/deployability.md).
        tolerations: [SERVER_TOLERATION],
        storage: claimTemplate(m.alertmanagerStorageSize),
        resources: r.alertmanager,
        // The operator builds the configuration from the AlertmanagerConfig `platform` (rendered
        // by this layer, its secrets referenced from alertmanager-receivers): the chart renders
        // no config Secret, so none holds secret material in git.
        useExistingSecret: true,
        alertmanagerConfiguration: { name: ALERTMANAGER_CONFIG, global: { resolveTimeout: '5m' } },
      },
    },
    prometheusOperator: {
      resources: r.operator,
      admissionWebhooks: { patch: { resources: r.admissionJobs } },
      // The config reloader the operator adds to the Prometheus and Alertmanager pods.
      prometheusConfigReloader: { enableProbe: true, resources: r.configReloader },
    },
    'kube-state-metrics': { resources: r.kubeStateMetrics },
    'prometheus-node-exporter': {
      resources: r.nodeExporter,
      // Every node: servers (NoExecute taint) and the R&D node included.
      tolerations: [{ key: SERVER_TAINT.key, operator: 'Exists', effect: SERVER_TAINT.effect }, { key: RND_KEY, operator: 'Exists' }],
    },
    grafana: {
      replicas: 2,
      affinity: hardAntiAffinity({ 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': KPS_RELEASE }),
      // Two pods one per node on the three workers: the chart's RollingUpdate with Kubernetes'
      // default surge has no node for its surge pod while a worker is down; one at a time does.
      deploymentStrategy: ONE_POD_AT_A_TIME,
      podDisruptionBudget: { minAvailable: 1 },
      resources: r.grafana,
      // Sessions, users and settings live in the DBaaS PostgreSQL: both replicas share them.
      persistence: { enabled: false },
      admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: 'admin-user', passwordKey: 'admin-password' },
      envFromSecrets: [{ name: GRAFANA_ENV_SECRET }],
      // ldap.toml holds no secret (the bind password comes from grafana-env): it is the
      // ConfigMap grafana-ldap, mounted where auth.ldap reads it. The chart's `ldap` values
      // would render it into a Secret; its checksum rolls the pods when it changes.
      extraConfigmapMounts: [{ name: 'ldap', mountPath: '/etc/grafana/ldap.toml', subPath: 'ldap.toml', configMap: GRAFANA_LDAP_CONFIGMAP, readOnly: true }],
      // The directory's CA, which ldap.toml's root_ca_cert names.
      extraSecretMounts: [{ name: 'ldap-ca', mountPath: GRAFANA_LDAP_CA_DIR, secretName: LDAP_CA_SECRET.name, readOnly: true }],
      podAnnotations: { 'checksum/ldap-toml': createHash('sha256').update(grafanaLdapToml(site)).digest('hex') },
      // A read-only root: Grafana writes only to its data and search volumes (emptyDirs) and /tmp.
      containerSecurityContext: GRAFANA_CONTAINER_SECURITY,
      extraEmptyDirMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      extraVolumes: [{ name: 'sc-dashboard-tmp', emptyDir: {} }, { name: 'sc-datasources-tmp', emptyDir: {} }],
      'grafana.ini': {
        server: { root_url: `https://grafana.${site.domain}` },
        database: { type: 'postgres', host: `${db.host}:${db.port}`, name: GRAFANA_DATABASE, user: m.grafana.databaseUser, ssl_mode: 'disable' },
        'auth.ldap': { enabled: true, allow_sign_up: true, config_file: '/etc/grafana/ldap.toml' },
        analytics: { check_for_updates: false, reporting_enabled: false },
      },
      sidecar: {
        resources: r.grafanaSidecar,
        // The sidecars (Python) start worker processes, which need a writable /tmp: an emptyDir each.
        securityContext: GRAFANA_CONTAINER_SECURITY,
        readinessProbe: { ...GRAFANA_SIDECAR_HEALTH, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 6 },
        // The first sync may wait for Grafana (its reload request retries): a minute before the
        // first liveness check, 90 s more before a restart.
        livenessProbe: { ...GRAFANA_SIDECAR_HEALTH, initialDelaySeconds: 60, periodSeconds: 30, timeoutSeconds: 6, failureThreshold: 3 },
        dashboards: {
          enabled: true, label: Object.keys(DASHBOARD_LABEL)[0], labelValue: Object.values(DASHBOARD_LABEL)[0], searchNamespace: 'ALL',
          env: { HEALTH_PORT: GRAFANA_SIDECAR_HEALTH_PORTS.dashboards },
          extraMounts: [{ name: 'sc-dashboard-tmp', mountPath: '/tmp' }],
        },
        datasources: {
          env: { HEALTH_PORT: GRAFANA_SIDECAR_HEALTH_PORTS.datasources },
          extraMounts: [{ name: 'sc-datasources-tmp', mountPath: '/tmp' }],
        },
      },
      additionalDataSources: [{ name: 'Loki', uid: 'loki', type: 'loki', access: 'proxy', url: LOKI_URL, isDefault: false }],
    },
  };
}

/** Where k3s serves etcd's metrics on a server (plain HTTP, `etcd-expose-metrics: true` in its config.yaml: lib/hosts/k3s-config.ts). */
export const ETCD_METRICS_PORT = 2381;
/**
 * The `job` label of etcd's series: the platform's etcd alerts and dashboard select
 * job="kube-etcd" (lib/monitoring), the chart's etcd rules and dashboard job=~".*etcd.*".
 */
export const ETCD_JOB = 'kube-etcd';

/**
 * The ScrapeConfig (monitoring.coreos.com/v1alpha1) that scrapes etcd on every server: static
 * targets `<ip>:2381`, one per server of site.yaml, with `job` set to `kube-etcd` by `jobName`
 * (the operator names the scrape job itself, scrapeConfig/<namespace>/<name>, and relabels `job`).
 * Static targets give each series `job` and `instance` (`<ip>:2381`) only: the chart's etcd rules
 * aggregate `without (instance, pod)`, so any label that differed per server would split them.
 */
export function etcdScrapeConfig(site: Site): { metadata: { name: string; namespace: string }; spec: Record<string, unknown> } {
  const servers = site.nodes.filter((n) => n.role === 'server').map((n) => `${n.ip}:${ETCD_METRICS_PORT}`);
  return {
    metadata: { name: ETCD_JOB, namespace: MONITORING_NAMESPACE },
    spec: { jobName: ETCD_JOB, staticConfigs: [{ targets: servers }] },
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

/** Grafana's UI, `grafana.<domain>` (its own LDAP login). */
export const GRAFANA_UI: LayerUi = { subdomain: 'grafana', what: 'Grafana' };
/** Prometheus's UI: it has no login of its own, so it is published only behind single sign-on (with Keycloak). */
export const PROMETHEUS_UI: LayerUi = { subdomain: 'prometheus', what: 'Prometheus', when: withComponent('keycloak') };
/** Alertmanager's UI: no login of its own either, so only behind single sign-on. */
export const ALERTMANAGER_UI: LayerUi = { subdomain: 'alertmanager', what: 'Alertmanager', when: withComponent('keycloak') };
/** Grafana's database on `dbaas.postgresql`. */
export const GRAFANA_DB: LayerDatabase = { engine: 'postgresql', database: GRAFANA_DATABASE };
/** What the monitoring layer takes for itself, for the site and app rules (`LAYER_NEEDS`): its UIs' hosts and Grafana's database. */
export const MONITORING_NEEDS: LayerNeeds = { layer: 'monitoring', uis: [GRAFANA_UI, PROMETHEUS_UI, ALERTMANAGER_UI], databases: [GRAFANA_DB] };

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

  const ldap = new KubeConfigMap(layer, 'grafana-ldap', {
    metadata: { name: GRAFANA_LDAP_CONFIGMAP, namespace: MONITORING_NAMESPACE },
    data: { 'ldap.toml': grafanaLdapToml(site) },
  });

  const stack = new HelmComponent(layer, 'kube-prometheus-stack', {
    name: KPS_RELEASE,
    chart: pinned(ctx, KUBE_PROMETHEUS_STACK_CHART),
    namespace: MONITORING_NAMESPACE,
    values: kubePrometheusStackValues(site),
    providesApis: [{ group: 'monitoring.coreos.com' }],
    // The Prometheus operator: it serves the monitoring.coreos.com resources and creates Prometheus' and Alertmanager's StatefulSets.
    controller: { kind: 'Deployment', name: KPS_WORKLOADS.operator },
    volumes: [
      // The operator's StatefulSets claim them from the Prometheus and Alertmanager resources' storage.
      { name: `prometheus-${KPS_RELEASE}-prometheus-db-prometheus-${KPS_RELEASE}-prometheus-*`, namespace: MONITORING_NAMESPACE, storageClass: 'longhorn', size: site.monitoring.prometheusStorageSize, createdBy: { kind: 'Prometheus', name: `${KPS_RELEASE}-prometheus` } },
      { name: `alertmanager-${KPS_RELEASE}-alertmanager-db-alertmanager-${KPS_RELEASE}-alertmanager-*`, namespace: MONITORING_NAMESPACE, storageClass: 'longhorn', size: site.monitoring.alertmanagerStorageSize, createdBy: { kind: 'Alertmanager', name: `${KPS_RELEASE}-alertmanager` } },
    ],
    ha: kubePrometheusStackHa(),
    workloads: kubePrometheusStackRuntimeWorkloads(),
    runtimeSelectors: [
      { service: `${KPS_RELEASE}-prometheus`, because: `selects the pods of StatefulSet ${KPS_WORKLOADS.prometheus}, which the Prometheus operator creates from the Prometheus resource` },
      { service: `${KPS_RELEASE}-alertmanager`, because: `selects the pods of StatefulSet ${KPS_WORKLOADS.alertmanager}, which the Prometheus operator creates from the Alertmanager resource` },
    ],
    runtimeObjects: [{ kind: 'Secret', name: `${KPS_RELEASE}-admission`, because: `the chart's Job ${KPS_RELEASE}-admission-create (kube-webhook-certgen, a PreSync hook) creates the admission webhook's certificate` }],
  });
  const ldapCa = new LdapCaSecret(layer, 'ldap-ca', { namespace: MONITORING_NAMESPACE, caCertificate: site.ldap.caCertificate });
  for (const s of [admin, env, ldap, ldapCa, ...(receivers ? [receivers] : [])]) layer.addOrder(stack, s);

  // etcd on every server, scraped by Prometheus (selected: scrapeConfigSelector {} in every namespace).
  new ApiObject(layer, 'etcd-scrape', { apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'ScrapeConfig', ...etcdScrapeConfig(site) });

  // Alertmanager's configuration: the operator reads it (and the secrets it references) and
  // writes the Secret Alertmanager loads; nothing secret is in git.
  const amConfig = new ApiObject(layer, 'alertmanager-config', {
    apiVersion: 'monitoring.coreos.com/v1alpha1',
    kind: 'AlertmanagerConfig',
    metadata: { name: ALERTMANAGER_CONFIG, namespace: MONITORING_NAMESPACE },
    spec: am.spec,
  });
  if (receivers) layer.addOrder(amConfig, receivers);

  new PublishedUi(layer, 'grafana-ui', { name: GRAFANA_UI.subdomain, namespace: MONITORING_NAMESPACE, serviceName: GRAFANA_SERVICE.name, servicePort: GRAFANA_SERVICE.port, description: 'Grafana: dashboards, logs' });
  // Prometheus and Alertmanager have no login of their own: published only behind single sign-on.
  const admins = { groups: [realmGroupName(site.ldap.adminGroup)] };
  if (publishes(site, PROMETHEUS_UI)) {
    new PublishedUi(layer, 'prometheus-ui', { name: PROMETHEUS_UI.subdomain, namespace: MONITORING_NAMESPACE, serviceName: PROMETHEUS_SERVICE.name, servicePort: PROMETHEUS_SERVICE.port, description: 'Prometheus: queries, targets, rules (single sign-on, admin group)', sso: admins });
  }
  if (publishes(site, ALERTMANAGER_UI)) {
    new PublishedUi(layer, 'alertmanager-ui', { name: ALERTMANAGER_UI.subdomain, namespace: MONITORING_NAMESPACE, serviceName: ALERTMANAGER_SERVICE.name, servicePort: ALERTMANAGER_SERVICE.port, description: 'Alertmanager: alerts, silences (single sign-on, admin group)', sso: admins });
  }

  // The scrape targets every layer registers (Inventory), from this namespace, so no layer waits
  // for this one; a component the site switches off registers none.
  layer.afterAllLayers(() => {
    for (const t of Inventory.of(layer).scrapeTargets) {
      new PlatformServiceMonitor(layer, `monitor-${t.name}`, {
        name: t.name, namespace: MONITORING_NAMESPACE, targetNamespaces: [t.namespace], selector: t.selector,
        endpoints: [{ port: t.port, ...(t.path ? { path: t.path } : {}) }], pods: t.pods,
      });
    }
  });

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
  inventory.addDirectoryUse(site.ldap, 'grafana', { failover: true, ca: { namespace: MONITORING_NAMESPACE, ...LDAP_CA_SECRET } }, { admins: true, viewers: true });
  inventory.addDatabase({
    ...GRAFANA_DB,
    user: site.monitoring.grafana.databaseUser,
    passwordRef: site.monitoring.grafana.databasePassword,
    usedBy: 'monitoring',
    purpose: 'Grafana: users, sessions, settings shared by both replicas',
  });
  if (site.monitoring.alerts.email) {
    inventory.addOutsideUse({
      service: 'smtp',
      usedBy: 'monitoring (Alertmanager)',
      purpose: `alert e-mails to ${site.monitoring.alerts.email.to}`,
      whileDown: 'alert e-mails are not delivered',
      mitigation: 'Alertmanager retries; alerts stay visible in Alertmanager and Grafana',
    });
  }
  if (site.monitoring.alerts.webhook) {
    inventory.addOutsideUse({
      service: 'alert-webhook',
      usedBy: 'monitoring (Alertmanager)',
      purpose: 'alert notifications to the chat webhook',
      whileDown: 'chat notifications are not delivered',
      mitigation: 'Alertmanager retries; e-mail (when configured) still goes out',
    });
  }
  return layer;
}
