/**
 * The platform's Grafana dashboards, as data: rendered into ConfigMaps that Grafana's sidecar
 * loads (label `grafana_dashboard: "1"`). The chart's default dashboards (node exporter,
 * Kubernetes compute and volumes) come on top.
 */

export interface DashboardPanel {
  readonly title: string;
  readonly type: 'timeseries' | 'stat' | 'table';
  /** One query per series group; `legend` is a Grafana legend format such as `{{namespace}}/{{pod}}`. */
  readonly queries: readonly { readonly expr: string; readonly legend?: string }[];
  /** @default 'short' */
  readonly unit?: string;
}

export interface Dashboard {
  /** Stable uid and ConfigMap name suffix (a DNS label). */
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly DashboardPanel[];
}

/** Node, storage, app, GitOps and backup health. */
export function platformDashboards(appNamespaces: readonly string[]): Dashboard[] {
  const apps = appNamespaces.join('|');
  return [
    {
      uid: 'platform-nodes', title: 'Platform / Nodes',
      panels: [
        { title: 'Nodes not Ready', type: 'stat', queries: [{ expr: 'sum(kube_node_status_condition{condition="Ready",status="true"} == 0) or vector(0)' }] },
        { title: 'CPU busy', type: 'timeseries', unit: 'percentunit', queries: [{ expr: '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))', legend: '{{instance}}' }] },
        { title: 'Memory used', type: 'timeseries', unit: 'percentunit', queries: [{ expr: '1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes', legend: '{{instance}}' }] },
        { title: 'Root disk used', type: 'timeseries', unit: 'percentunit', queries: [{ expr: '1 - node_filesystem_avail_bytes{mountpoint="/"} / node_filesystem_size_bytes{mountpoint="/"}', legend: '{{instance}}' }] },
        { title: 'etcd members up', type: 'stat', queries: [{ expr: 'sum(up{job="kube-etcd"})' }] },
      ],
    },
    {
      uid: 'platform-storage', title: 'Platform / Storage',
      panels: [
        { title: 'Longhorn volumes degraded or faulted', type: 'stat', queries: [{ expr: 'count(longhorn_volume_robustness >= 2) or vector(0)' }] },
        { title: 'Volume robustness (1 healthy, 2 degraded, 3 faulted)', type: 'table', queries: [{ expr: 'longhorn_volume_robustness', legend: '{{pvc_namespace}}/{{pvc}}' }] },
        { title: 'Volume space used', type: 'timeseries', unit: 'percentunit', queries: [{ expr: '1 - kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes', legend: '{{namespace}}/{{persistentvolumeclaim}}' }] },
        { title: 'Longhorn node storage used', type: 'timeseries', unit: 'percentunit', queries: [{ expr: 'longhorn_node_storage_usage_bytes / longhorn_node_storage_capacity_bytes', legend: '{{node}}' }] },
      ],
    },
    {
      uid: 'platform-apps', title: 'Platform / Apps',
      panels: [
        { title: 'Available vs desired replicas', type: 'table', queries: [{ expr: `kube_deployment_status_replicas_available{namespace=~"${apps}"} - kube_deployment_spec_replicas{namespace=~"${apps}"}`, legend: '{{namespace}}/{{deployment}}' }] },
        { title: 'Container restarts (1 h)', type: 'timeseries', queries: [{ expr: `increase(kube_pod_container_status_restarts_total{namespace=~"${apps}"}[1h])`, legend: '{{namespace}}/{{pod}}' }] },
        { title: 'CPU by app', type: 'timeseries', queries: [{ expr: `sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{namespace=~"${apps}",container!=""}[5m]))`, legend: '{{namespace}}/{{pod}}' }] },
        { title: 'Memory by app', type: 'timeseries', unit: 'bytes', queries: [{ expr: `sum by (namespace, pod) (container_memory_working_set_bytes{namespace=~"${apps}",container!=""})`, legend: '{{namespace}}/{{pod}}' }] },
        { title: 'Rollouts below desired', type: 'table', queries: [{ expr: 'rollout_info_replicas_desired - rollout_info_replicas_available', legend: '{{namespace}}/{{name}}' }] },
      ],
    },
    {
      uid: 'platform-gitops', title: 'Platform / GitOps',
      panels: [
        { title: 'Applications not Synced', type: 'stat', queries: [{ expr: 'count(argocd_app_info{sync_status!="Synced"}) or vector(0)' }] },
        { title: 'Applications not Healthy', type: 'stat', queries: [{ expr: 'count(argocd_app_info{health_status!="Healthy"}) or vector(0)' }] },
        { title: 'Applications', type: 'table', queries: [{ expr: 'argocd_app_info', legend: '{{name}} {{sync_status}} {{health_status}}' }] },
        { title: 'Syncs by phase (1 h)', type: 'timeseries', queries: [{ expr: 'sum by (phase) (increase(argocd_app_sync_total[1h]))', legend: '{{phase}}' }] },
      ],
    },
    {
      uid: 'platform-backups', title: 'Platform / Backups',
      panels: [
        { title: 'Hours since the last successful backup', type: 'table', queries: [{ expr: '(time() - velero_backup_last_successful_timestamp{schedule!=""}) / 3600', legend: '{{schedule}}' }] },
        { title: 'Failed backups (24 h)', type: 'stat', queries: [{ expr: 'sum(increase(velero_backup_failure_total[24h])) or vector(0)' }] },
        { title: 'Longhorn backups in error', type: 'stat', queries: [{ expr: 'count(longhorn_backup_state == 4) or vector(0)' }] },
      ],
    },
  ];
}

/** Grafana's dashboard JSON model for `d` (schema 39), panels two to a row. */
export function dashboardJson(d: Dashboard): object {
  return {
    uid: d.uid,
    title: d.title,
    tags: ['platform'],
    schemaVersion: 39,
    editable: false,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    panels: d.panels.map((p, i) => ({
      id: i + 1,
      title: p.title,
      type: p.type,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      datasource: { type: 'prometheus', uid: 'prometheus' },
      fieldConfig: { defaults: { unit: p.unit ?? 'short' }, overrides: [] },
      targets: p.queries.map((q, j) => ({
        refId: String.fromCharCode(65 + j),
        expr: q.expr,
        ...(q.legend ? { legendFormat: q.legend } : {}),
        ...(p.type === 'table' ? { instant: true, format: 'table' } : {}),
      })),
    })),
  };
}
