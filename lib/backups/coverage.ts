/**
 * Which backup schedule covers which volume, read from rendered objects only: the
 * backup-coverage verify rule, `npm run backup-report` and docs/restore.md share it.
 *
 * Volumes are PersistentVolumeClaims, the volumeClaimTemplates of StatefulSets, and the volumes
 * components declare for the volumes a controller creates at run time (the `volumes` fact, see HelmVolume), since
 * charts are rendered in the cluster. Schedules are Velero `Schedule`s and Longhorn backup
 * `RecurringJob`s. Opt-outs are the `backupOptOut` fact of a claim or a StatefulSet (lib/facts),
 * never an annotation read back.
 */

import { JsonMap, listAt, mapAt, mapsAt, stringAt, stringMapAt, valueAt } from '../k8s/manifest';
import type { LoadedObject } from '../k8s/tree';
import { selectorMatches } from '../k8s/scheduling';
import { factsOf, ObjectFacts, PlatformFacts } from '../facts/facts';

/** Annotation keys of the backup rule, for reviewers of the rendered YAML: coverage reads the facts (lib/facts), never these. */
export const BACKUP_ANNOTATIONS = {
  /** On a claim template a vendored chart renders, beside the `backupOptOuts` declaration of its component, for a reviewer. */
  optOut: 'platform.tsys/backup-opt-out',
  /** On the object that carries a component's volumes created at run time, as JSON (HelmVolume[]) for reviewers; verify reads the facts. */
  volumes: 'platform.tsys/volumes',
} as const;

/** The StorageClass a claim without `storageClassName` gets: Longhorn's, the cluster default. */
export const DEFAULT_STORAGE_CLASS = 'longhorn';

/**
 * The kinds the coverage reads volumes and schedules from (volumeClaims, backupSchedules); any
 * other object counts only through the volumes its facts declare. Callers that turn objects into
 * JSON for the coverage may skip the rest (docs/restore.md beside a thousand apps).
 */
export const BACKUP_OBJECT_KINDS: ReadonlySet<string> = new Set(['PersistentVolumeClaim', 'StatefulSet', 'Schedule', 'RecurringJob']);

/** Longhorn's PVC labels (a claim with `source: enabled` hands its job labels to its volume). */
const LONGHORN_SOURCE = 'recurring-job.longhorn.io/source';
const LONGHORN_GROUP_PREFIX = 'recurring-job-group.longhorn.io/';
const LONGHORN_JOB_PREFIX = 'recurring-job.longhorn.io/';

/** A volume a Helm chart creates, declared by the component (charts are rendered in the cluster). */
export interface HelmVolume {
  /** Claim name; for a StatefulSet's claims `<template>-<statefulset>-*`. */
  readonly name: string;
  readonly namespace: string;
  /** @default the cluster default (longhorn) */
  readonly storageClass?: string;
  readonly size: string;
  /** Labels the chart puts on the claim (Velero label selectors). @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Why the volume needs no backup. @default - it needs one */
  readonly backupOptOut?: string;
}

/** One volume as an object declares it: what the coverage reads of it (JSON: verify records it). */
export interface VolumeSpec {
  readonly namespace: string;
  /** Claim name (`-*` for each ordinal of a StatefulSet). */
  readonly name: string;
  readonly storageClass: string;
  /** @default - none given */
  readonly size?: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The opt-out reason as written (may be empty: that is a finding). @default - none */
  readonly optOut?: string;
  /** Where it comes from, e.g. `PersistentVolumeClaim`, `StatefulSet loki`, `Helm component jenkins-chart`. */
  readonly source: string;
}

/** One volume found in the rendered objects. */
export interface VolumeClaim extends VolumeSpec {
  /** The object that declares it. */
  readonly object: JsonMap;
  readonly file: string;
}

/** What decides which volumes a schedule covers (JSON). */
export type ScheduleMatch =
  | { readonly kind: 'velero'; readonly volumes: boolean; readonly included: readonly string[]; readonly excluded: readonly string[]; readonly labelSelector?: JsonMap }
  | { readonly kind: 'longhorn'; readonly groups: readonly string[]; readonly jobName: string };

/** One backup schedule as its object declares it (JSON: verify records it). */
export interface ScheduleSpec {
  readonly kind: 'velero' | 'longhorn';
  /** `namespace/name` of the Schedule or RecurringJob. */
  readonly name: string;
  readonly cron: string;
  /** How long or how many: `ttl 720h`, `keeps 14`. */
  readonly retention: string;
  /** What it backs up, in words. */
  readonly scope: string;
  readonly match: ScheduleMatch;
}

/** One backup schedule. */
export interface BackupSchedule {
  readonly kind: 'velero' | 'longhorn';
  /** `namespace/name` of the Schedule or RecurringJob. */
  readonly name: string;
  readonly cron: string;
  /** How long or how many: `ttl 720h`, `keeps 14`. */
  readonly retention: string;
  /** What it backs up, in words. */
  readonly scope: string;
  readonly covers: (claim: VolumeSpec) => boolean;
}

/** The volumes one rendered object of dist/ declares, with its own facts (in the order `volumeClaims` lists them before sorting). */
export function volumesOf(obj: JsonMap, facts: ObjectFacts | undefined): VolumeSpec[] {
  const out: VolumeSpec[] = [];
  const namespace = stringAt(obj, 'metadata.namespace') ?? '';
  const name = stringAt(obj, 'metadata.name') ?? '';
  const optOut = facts?.backupOptOut;
  const volume = (v: { namespace: string; name: string; storageClass: string; size: string | undefined; labels: Readonly<Record<string, string>>; optOut: string | undefined; source: string }): VolumeSpec => ({
    namespace: v.namespace, name: v.name, storageClass: v.storageClass, ...(v.size !== undefined ? { size: v.size } : {}), labels: v.labels,
    ...(v.optOut !== undefined ? { optOut: v.optOut } : {}), source: v.source,
  });
  if (obj.kind === 'PersistentVolumeClaim' && obj.apiVersion === 'v1') {
    out.push(volume({
      namespace, name, storageClass: stringAt(obj, 'spec.storageClassName') ?? DEFAULT_STORAGE_CLASS,
      size: stringAt(obj, 'spec.resources.requests.storage'), labels: stringMapAt(obj, 'metadata.labels') ?? {}, optOut, source: 'PersistentVolumeClaim',
    }));
  } else if (obj.kind === 'StatefulSet' && obj.apiVersion === 'apps/v1') {
    for (const t of mapsAt(obj, 'spec.volumeClaimTemplates')) {
      out.push(volume({
        namespace, name: `${valueAt(t, 'metadata.name')}-${name}-*`, storageClass: stringAt(t, 'spec.storageClassName') ?? DEFAULT_STORAGE_CLASS,
        size: stringAt(t, 'spec.resources.requests.storage'), labels: stringMapAt(t, 'metadata.labels') ?? {}, optOut, source: `StatefulSet ${name}`,
      }));
    }
  }
  // Volumes a controller creates at run time (an operator's StatefulSet claims), declared (in the
  // facts) on the rendered object that carries them.
  for (const v of facts?.volumes ?? []) {
    out.push(volume({
      namespace: v.namespace, name: v.name, storageClass: v.storageClass ?? DEFAULT_STORAGE_CLASS, size: v.size, labels: v.labels ?? {},
      optOut: v.backupOptOut, source: `declared on ${obj.kind} ${name}`,
    }));
  }
  return out;
}

/** The volumes sorted as the coverage lists them: by namespace, then name (ties in the objects' order). */
export function sortVolumes<T extends VolumeSpec>(volumes: T[]): T[] {
  return volumes.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

/** Every volume the rendered objects create. */
export function volumeClaims(objects: readonly LoadedObject[], facts: PlatformFacts): VolumeClaim[] {
  const out: VolumeClaim[] = [];
  for (const { file, obj } of objects) {
    if (!file.startsWith('dist/')) continue;
    for (const v of volumesOf(obj, factsOf(facts, obj))) out.push({ ...v, object: obj, file });
  }
  return sortVolumes(out);
}

/** The backup schedule one rendered object of dist/ is, if any. */
export function scheduleOf(obj: JsonMap): ScheduleSpec | undefined {
  const id = `${valueAt(obj, 'metadata.namespace')}/${valueAt(obj, 'metadata.name')}`;
  if (obj.kind === 'Schedule' && String(obj.apiVersion).startsWith('velero.io/')) {
    const t: JsonMap = mapAt(obj, 'spec.template') ?? {};
    const includedList = listAt(t, 'includedNamespaces').map(String);
    const included: string[] = includedList.length ? includedList : ['*'];
    const excluded: string[] = listAt(t, 'excludedNamespaces').map(String);
    const volumes = t.snapshotVolumes !== false || t.defaultVolumesToFsBackup === true;
    const labelSelector = mapAt(t, 'labelSelector');
    return {
      kind: 'velero', name: id, cron: String(valueAt(obj, 'spec.schedule') ?? ''), retention: `ttl ${t.ttl ?? '720h (Velero default)'}`,
      scope: `namespaces ${included.join(', ')}${excluded.length ? ` except ${excluded.join(', ')}` : ''}${labelSelector ? ` with labels ${JSON.stringify(labelSelector)}` : ''}`,
      match: { kind: 'velero', volumes, included, excluded, ...(labelSelector ? { labelSelector } : {}) },
    };
  }
  if (obj.kind === 'RecurringJob' && String(obj.apiVersion).startsWith('longhorn.io/')) {
    const task = String(valueAt(obj, 'spec.task') ?? '');
    if (task !== 'backup' && task !== 'backup-force-create') return undefined;
    const groups: string[] = listAt(obj, 'spec.groups').map(String);
    const jobName = String(valueAt(obj, 'spec.name') ?? valueAt(obj, 'metadata.name'));
    return {
      kind: 'longhorn', name: id, cron: String(valueAt(obj, 'spec.cron') ?? ''), retention: `keeps ${valueAt(obj, 'spec.retain') ?? '?'}`,
      scope: `Longhorn volumes in group${groups.length > 1 ? 's' : ''} ${groups.join(', ')}`,
      match: { kind: 'longhorn', groups, jobName },
    };
  }
  return undefined;
}

/** Whether a schedule matching `m` backs up volume `c`. */
function covers(m: ScheduleMatch, c: VolumeSpec): boolean {
  if (m.kind === 'velero') {
    return m.volumes && (m.included.includes('*') || m.included.includes(c.namespace)) && !m.excluded.includes(c.namespace) && (!m.labelSelector || selectorMatches(m.labelSelector, c.labels));
  }
  if (c.storageClass !== DEFAULT_STORAGE_CLASS) return false;
  if (c.labels[LONGHORN_SOURCE] !== 'enabled') return m.groups.includes('default');
  return m.groups.some((g) => c.labels[`${LONGHORN_GROUP_PREFIX}${g}`] === 'enabled') || c.labels[`${LONGHORN_JOB_PREFIX}${m.jobName}`] === 'enabled';
}

/** The schedules, sorted as the coverage lists them (by kind, then name), each with what it covers. */
export function schedulesFrom(specs: readonly ScheduleSpec[]): BackupSchedule[] {
  return specs.map(({ kind, name, cron, retention, scope, match }): BackupSchedule => ({ kind, name, cron, retention, scope, covers: (c) => covers(match, c) }))
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

/** Every backup schedule in the rendered objects. */
export function backupSchedules(objects: readonly LoadedObject[]): BackupSchedule[] {
  const specs: ScheduleSpec[] = [];
  for (const { file, obj } of objects) {
    if (!file.startsWith('dist/')) continue;
    const s = scheduleOf(obj);
    if (s) specs.push(s);
  }
  return schedulesFrom(specs);
}

/** Each volume with the schedules that back it up. */
export function backupCoverage(objects: readonly LoadedObject[], facts: PlatformFacts): { readonly claim: VolumeClaim; readonly schedules: readonly BackupSchedule[] }[] {
  const schedules = backupSchedules(objects);
  return volumeClaims(objects, facts).map((claim) => ({ claim, schedules: schedules.filter((s) => s.covers(claim)) }));
}

/** The finding for a volume, if any: uncovered without an opt-out, or an opt-out without a reason. */
export function coverageProblem(claim: VolumeSpec, schedules: readonly BackupSchedule[]): string | undefined {
  const what = `volume ${claim.namespace}/${claim.name} (${claim.source})`;
  if (claim.optOut !== undefined) {
    return claim.optOut.trim() === '' ? `${what}: its backup opt-out needs a reason, e.g. "cache, rebuilt on start"` : undefined;
  }
  if (schedules.length > 0) return undefined;
  return `${what} is not covered by any backup schedule: include namespace "${claim.namespace}" in a Velero Schedule (site.yaml backups), `
    + `keep it on StorageClass "${DEFAULT_STORAGE_CLASS}" in a Longhorn backup group, or declare why it needs none (backupOptOut: "<reason>", lib/facts; a chart's claims: backupOptOuts of its component)`;
}
