import type { Site } from '../config/schema';
import { veleroSchedules } from '../layers/backups';

/** One alerting rule: what fires, when, how bad, and what to do. */
export interface AlertRule {
  readonly alert: string;
  /** PromQL; a series in the result is a firing alert. */
  readonly expr: string;
  /** How long the condition must hold, e.g. `5m`. */
  readonly for: string;
  readonly severity: 'critical' | 'warning';
  /** One line, with `{{ $labels.x }}` templates. */
  readonly summary: string;
  /** What to do first. */
  readonly runbook: string;
}

/** A PrometheusRule object: a named group of rules. */
export interface AlertGroup {
  /** Group and object name (a DNS label). */
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/** Seconds between two runs of a five-field cron: hourly when the hour is `*`, daily when fixed, else weekly. */
export function cronIntervalSeconds(cron: string): number {
  const [minute, hour, dom, , dow] = cron.trim().split(/\s+/);
  if (minute.startsWith('*/')) return Number(minute.slice(2)) * 60;
  if (hour === '*') return 3600;
  if (hour.startsWith('*/')) return Number(hour.slice(2)) * 3600;
  if (dom === '*' && dow === '*') return 86400;
  return 7 * 86400;
}

/** A backup is late when the last success is older than one interval plus half of it (at least an hour of slack). */
export function lateAfterSeconds(cron: string): number {
  const interval = cronIntervalSeconds(cron);
  return interval + Math.max(interval / 2, 3600);
}

/**
 * The default alert set for app workloads in any namespace: the PaaS gets it for every WebApp
 * without rendering anything (the rules match every namespace).
 */
export const APP_ALERTS: AlertGroup = {
  name: 'platform-workloads',
  rules: [
    {
      alert: 'PodCrashLooping',
      expr: 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]) >= 1',
      for: '10m', severity: 'warning',
      summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} (container {{ $labels.container }}) is crash-looping',
      runbook: 'kubectl -n <namespace> logs <pod> -c <container> --previous; kubectl describe pod for the exit reason',
    },
    {
      alert: 'DeploymentBelowDesiredReplicas',
      expr: 'kube_deployment_spec_replicas > kube_deployment_status_replicas_available',
      for: '10m', severity: 'warning',
      summary: 'Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has fewer available replicas than desired',
      runbook: 'kubectl -n <namespace> describe deployment <name>: unschedulable pods (node down, anti-affinity), failing probes or image pulls',
    },
    {
      alert: 'StatefulSetBelowDesiredReplicas',
      expr: 'kube_statefulset_replicas > kube_statefulset_status_replicas_ready',
      for: '10m', severity: 'warning',
      summary: 'StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} has fewer ready replicas than desired',
      runbook: 'kubectl -n <namespace> describe statefulset <name>; a pod waiting for its volume after a node failure needs Longhorn to move it',
    },
    {
      alert: 'RolloutBelowDesiredReplicas',
      expr: 'rollout_info_replicas_desired > rollout_info_replicas_available',
      for: '10m', severity: 'warning',
      summary: 'Rollout {{ $labels.namespace }}/{{ $labels.name }} has fewer available replicas than desired',
      runbook: 'kubectl argo rollouts get rollout <name> -n <namespace>: a paused or aborted rollout, or pods that do not become ready',
    },
    {
      alert: 'PersistentVolumeClaimAlmostFull',
      expr: 'kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.10',
      for: '10m', severity: 'warning',
      summary: 'Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has less than 10% free space',
      runbook: 'Grow the claim (Longhorn expands online: raise spec.resources.requests.storage in Git) or clean up the data',
    },
  ],
};

/** The platform's own alerts: nodes, etcd, storage, GitOps and backups. */
export function platformAlertGroups(site: Site): AlertGroup[] {
  const schedules = veleroSchedules(site);
  return [
    {
      name: 'platform-nodes',
      rules: [{
        alert: 'NodeDown',
        expr: 'kube_node_status_condition{condition="Ready",status="true"} == 0',
        for: '2m', severity: 'critical',
        summary: 'Node {{ $labels.node }} is not Ready',
        runbook: 'Check the machine (power, network, kubelet: journalctl -u k3s or k3s-agent); its pods move within 42 s, Longhorn rebuilds its replicas',
      }],
    },
    {
      name: 'platform-etcd',
      rules: [
        {
          alert: 'EtcdMemberDown',
          expr: 'up{job="kube-etcd"} == 0',
          for: '3m', severity: 'warning',
          summary: 'etcd member {{ $labels.instance }} does not answer',
          runbook: 'Check k3s on that server (journalctl -u k3s); the cluster keeps quorum with one member down',
        },
        {
          alert: 'EtcdQuorumAtRisk',
          expr: 'count(up{job="kube-etcd"} == 1) < floor(count(up{job="kube-etcd"}) / 2) + 2',
          for: '3m', severity: 'critical',
          summary: 'Only {{ $value }} etcd members answer: one more failure loses quorum',
          runbook: 'Bring the missing servers back now; do not restart or upgrade another server until every member answers',
        },
        {
          alert: 'EtcdNoLeader',
          expr: 'etcd_server_has_leader{job="kube-etcd"} == 0',
          for: '1m', severity: 'critical',
          summary: 'etcd member {{ $labels.instance }} has no leader',
          runbook: 'Quorum is lost or the member is partitioned: check the servers and the network between them',
        },
      ],
    },
    {
      name: 'platform-storage',
      rules: [
        {
          alert: 'LonghornVolumeDegraded',
          expr: 'longhorn_volume_robustness == 2',
          for: '15m', severity: 'warning',
          summary: 'Longhorn volume {{ $labels.volume }} ({{ $labels.pvc_namespace }}/{{ $labels.pvc }}) is degraded',
          runbook: 'A replica is missing: check the Longhorn UI for the failed node or disk; rebuilding starts on its own when a node has room',
        },
        {
          alert: 'LonghornVolumeFaulted',
          expr: 'longhorn_volume_robustness == 3',
          for: '2m', severity: 'critical',
          summary: 'Longhorn volume {{ $labels.volume }} ({{ $labels.pvc_namespace }}/{{ $labels.pvc }}) is faulted: no healthy replica',
          runbook: 'Salvage the volume in the Longhorn UI, or restore it from the last backup (docs/restore.md)',
        },
        {
          alert: 'LonghornBackupFailed',
          expr: 'longhorn_backup_state == 4',
          for: '5m', severity: 'warning',
          summary: 'Longhorn backup {{ $labels.backup }} of volume {{ $labels.volume }} failed',
          runbook: 'Check the backup target (storage.backupTarget) is reachable and has space; Longhorn UI > Backup shows the error',
        },
      ],
    },
    {
      name: 'platform-gitops',
      rules: [
        {
          alert: 'ArgoCdApplicationOutOfSync',
          expr: 'argocd_app_info{sync_status!="Synced"} == 1',
          for: '30m', severity: 'warning',
          summary: 'Argo CD application {{ $labels.name }} is {{ $labels.sync_status }}',
          runbook: 'npm run status, or the Argo CD UI: a failed sync, a hand edit being reverted, or a missing CRD',
        },
        {
          alert: 'ArgoCdApplicationDegraded',
          expr: 'argocd_app_info{health_status=~"Degraded|Missing"} == 1',
          for: '15m', severity: 'critical',
          summary: 'Argo CD application {{ $labels.name }} is {{ $labels.health_status }}',
          runbook: 'npm run status lists the unhealthy resources; fix them in Git',
        },
      ],
    },
    {
      name: 'platform-backups',
      rules: [
        {
          alert: 'VeleroBackupFailed',
          expr: 'increase(velero_backup_failure_total{schedule!=""}[2h]) > 0 or increase(velero_backup_partial_failure_total{schedule!=""}[2h]) > 0',
          for: '0m', severity: 'critical',
          summary: 'A Velero backup of schedule {{ $labels.schedule }} failed',
          runbook: 'velero backup describe --details <backup> and velero backup logs <backup>; check the S3 store (backups.s3)',
        },
        ...schedules.map((s): AlertRule => ({
          alert: 'VeleroBackupLate',
          expr: `time() - velero_backup_last_successful_timestamp{schedule="${s.name}"} > ${lateAfterSeconds(s.cron)}`,
          for: '0m', severity: 'critical',
          summary: `No successful backup of schedule ${s.name} (${s.cron}) for more than ${lateAfterSeconds(s.cron) / 3600} h`,
          runbook: 'velero schedule get; velero backup get: is the schedule paused, is Velero running, does the S3 store answer?',
        })),
        {
          alert: 'VeleroBackupNeverSucceeded',
          expr: schedules.map((s) => `absent(velero_backup_last_successful_timestamp{schedule="${s.name}"})`).join(' or '),
          for: '36h', severity: 'warning',
          summary: 'A Velero schedule has no successful backup at all',
          runbook: 'velero backup get: run velero backup create --from-schedule <schedule> and read its logs',
        },
      ],
    },
  ];
}
