import { BACKUP_OBJECT_KINDS, coverageProblem, ScheduleSpec, scheduleOf, schedulesFrom, sortVolumes, VolumeSpec, volumesOf } from '../backups/coverage';
import type { ObjectRef, SplitRule } from './split-rule';

/*
 * verify/backup-coverage (group (d) of docs/design/per-app-summaries.md, step 3) as a split rule:
 * the volumes an object declares (with its own facts) and the schedule it is are its projection;
 * which schedule covers which volume is the join (lib/backups/coverage.ts, shared with
 * `npm run backup-report`).
 */

/** What verify/backup-coverage reads of an object. */
export interface BackupProjection {
  /** The volumes it declares (a claim, a StatefulSet's templates, the `volumes` fact). @default - none */
  readonly v?: readonly VolumeSpec[];
  /** The backup schedule it is (a Velero Schedule, a Longhorn backup RecurringJob). @default - none */
  readonly s?: ScheduleSpec;
}

/**
 * Every volume in dist/ (PersistentVolumeClaims, StatefulSet claim templates, the volumes Helm
 * components declare) is covered by a backup schedule (a Velero Schedule or a Longhorn backup
 * RecurringJob), or declared opted out with a reason (the `backupOptOut` fact, lib/facts).
 */
export const BACKUP_COVERAGE: SplitRule<BackupProjection, 'verify/backup-coverage'> = {
  id: 'verify/backup-coverage',
  key: 'bk',
  project({ obj, ref, facts }) {
    // The coverage reads volumes and schedules of a few kinds, and the volumes other objects' facts declare.
    if (!BACKUP_OBJECT_KINDS.has(ref.kind) && facts?.volumes === undefined) return undefined;
    const v = volumesOf(obj, facts);
    const s = scheduleOf(obj);
    return v.length || s ? { ...(v.length ? { v } : {}), ...(s ? { s } : {}) } : undefined;
  },
  join(entries, _tree, report) {
    const volumes: (VolumeSpec & { readonly at: ObjectRef })[] = [];
    const specs: ScheduleSpec[] = [];
    for (const { ref, p } of entries) {
      if (!p || !ref.file.startsWith('dist/')) continue;
      for (const v of p.v ?? []) volumes.push({ ...v, at: ref });
      if (p.s) specs.push(p.s);
    }
    const schedules = schedulesFrom(specs);
    for (const claim of sortVolumes(volumes)) {
      const problem = coverageProblem(claim, schedules.filter((s) => s.covers(claim)));
      if (problem) report(claim.at, problem);
    }
  },
};
