import type { LoadedObject } from '../k8s/tree';
import { backupCoverage, backupSchedules, BackupSchedule, VolumeClaim } from './coverage';
import type { PlatformFacts } from '../facts/facts';

/** One row of the backup report: a volume, what backs it up, or why nothing does. */
export interface BackupReportRow {
  readonly volume: string;
  readonly source: string;
  readonly storageClass: string;
  readonly size: string;
  /** `kind name (cron, retention)` of each schedule. */
  readonly schedules: readonly string[];
  /** `covered`, `opted out: <reason>` or `NOT COVERED`. */
  readonly status: string;
}

const describeSchedule = (s: BackupSchedule) => `${s.kind === 'velero' ? 'Velero' : 'Longhorn'} ${s.name} (${s.cron}, ${s.retention})`;

function statusOf(claim: VolumeClaim, schedules: readonly BackupSchedule[]): string {
  if (claim.optOut !== undefined) return claim.optOut.trim() ? `opted out: ${claim.optOut.trim()}` : 'opt-out without a reason';
  return schedules.length ? 'covered' : 'NOT COVERED';
}

/** Every volume of the rendered objects (and those the facts declare) with its schedules and retention. */
export function backupReportRows(objects: readonly LoadedObject[], facts: PlatformFacts): BackupReportRow[] {
  return backupCoverage(objects, facts).map(({ claim, schedules }) => ({
    volume: `${claim.namespace}/${claim.name}`,
    source: claim.source,
    storageClass: claim.storageClass,
    size: claim.size ?? '?',
    schedules: claim.optOut !== undefined ? [] : schedules.map(describeSchedule),
    status: statusOf(claim, schedules),
  }));
}

/** The report as Markdown: the schedules, then each volume. */
export function backupReportMarkdown(objects: readonly LoadedObject[], facts: PlatformFacts): string {
  const schedules = backupSchedules(objects);
  const rows = backupReportRows(objects, facts);
  return [
    '| schedule | kind | when (cron) | retention | what |',
    '|---|---|---|---|---|',
    ...schedules.map((s) => `| \`${s.name}\` | ${s.kind === 'velero' ? 'Velero' : 'Longhorn'} | \`${s.cron}\` | ${s.retention} | ${s.scope} |`),
    '',
    '| volume | from | StorageClass | size | backed up by | status |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| \`${r.volume}\` | ${r.source} | ${r.storageClass} | ${r.size} | ${r.schedules.join('<br>') || '-'} | ${r.status} |`),
    '',
  ].join('\n');
}
