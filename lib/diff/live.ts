import { isMap, JsonMap, mapAt, stringAt, valueAt } from '../k8s/manifest';
import type { RenderedFile } from '../render/rendered-file';
import type { ArgoApplication } from '../gitops/argocd-application';
import type { ArgoCdApi, ArgoResourceDiff } from './argocd-api';
import { diffFields } from './field-diff';
import { fieldValues } from './describe';
import { expandEmbeddedValues } from './helm-values';
import type { FieldChange } from './model';
import { describeRef } from './model';
import { parseManifests, ParsedObject } from './parse';

/**
 * The live mode of the diff: the render compared with what Argo CD reports for each Application
 * the render declares. For each: whether Argo CD has it and its sync status, the objects it
 * reports out of sync, objects whose target in Argo CD differs from the render (the render is not
 * pushed yet, or Argo CD has not refreshed), and drift made by hand: objects whose live state
 * differs from Argo CD's target in fields the render sets.
 */

/** An object as both sides name it. */
export interface LiveRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** What one Application looks like live. */
export interface LiveApp {
  readonly name: string;
  /** The folder of the render it syncs (`spec.source.path`), when it syncs one. */
  readonly path?: string;
  /** False when Argo CD has no Application of that name. */
  readonly known: boolean;
  readonly sync?: string;
  readonly health?: string;
  /** Objects Argo CD reports `OutOfSync`, and whether it would prune them. */
  readonly outOfSync: readonly { readonly ref: LiveRef; readonly prune: boolean; readonly health?: string }[];
  /** Objects whose live state differs from Argo CD's target, field by field (before: target, after: live). */
  readonly drift: readonly { readonly ref: LiveRef; readonly fields: readonly FieldChange[] }[];
  /** Objects missing from the cluster that the render declares. */
  readonly missing: readonly LiveRef[];
  /** Objects whose target in Argo CD differs from this render (before: Argo CD's target, after: the render). */
  readonly notPushed: readonly { readonly ref: LiveRef; readonly fields: readonly FieldChange[] }[];
  /** Objects of the render Argo CD does not manage yet. */
  readonly notInArgo: readonly LiveRef[];
}

export interface LiveReport {
  readonly server: string;
  readonly apps: readonly LiveApp[];
  /** Applications Argo CD has that the render does not declare. */
  readonly extra: readonly string[];
}

/** The Applications the render declares (argoproj.io Application objects), with the folder each syncs. */
export function renderedApplications(objects: readonly ParsedObject[]): { name: string; namespace?: string; path?: string; recurse: boolean }[] {
  return objects
    .filter((p) => p.ref.kind === 'Application' && p.ref.apiVersion.startsWith('argoproj.io/'))
    .map((p) => {
      const source = mapAt(p.obj, 'spec.source');
      const sourcePath = stringAt(source, 'path');
      return { name: p.ref.name, namespace: p.ref.namespace, path: sourcePath !== undefined && !source?.chart ? sourcePath : undefined, recurse: valueAt(source, 'directory.recurse') === true };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * `target` reduced to the shape of `shape`: only the keys `shape` has (recursively), lists of
 * named maps matched by name, other lists by index. Fields the cluster or Argo CD adds (status,
 * defaults, managed fields) are left out, so a comparison sees only what the render sets.
 */
export function projectOnto(shape: unknown, value: unknown): unknown {
  if (isMap(shape)) {
    if (!isMap(value)) return value;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(shape)) if (k in (value as object)) out[k] = projectOnto((shape as JsonMap)[k], (value as JsonMap)[k]);
    return out;
  }
  if (Array.isArray(shape) && Array.isArray(value)) {
    const named = shape.every((x) => isMap(x) && typeof (x as JsonMap).name === 'string') && value.every((x) => isMap(x));
    if (named) {
      return shape.map((s) => {
        const match = value.find((v) => (v as JsonMap).name === (s as JsonMap).name);
        return match === undefined ? undefined : projectOnto(s, match);
      }).filter((x) => x !== undefined).concat(value.filter((v) => !shape.some((s) => (s as JsonMap).name === (v as JsonMap).name)));
    }
    return value.map((v, i) => (i < shape.length ? projectOnto(shape[i], v) : v));
  }
  return value;
}

function state(text: string | undefined): JsonMap | undefined {
  if (!text || text === 'null') return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!isMap(parsed)) return undefined;
    // As the render's objects are read (parse.ts): embedded Helm values as data.
    expandEmbeddedValues(parsed as JsonMap);
    return parsed as JsonMap;
  } catch {
    return undefined;
  }
}

/** Argo CD leaves out `status` and masks Secret values; neither is compared. */
function comparable(obj: JsonMap): JsonMap {
  const { status: _status, ...rest } = obj;
  void _status;
  if (obj.kind === 'Secret') {
    const { data: _d, stringData: _s, ...plain } = rest;
    void _d;
    void _s;
    return plain;
  }
  return rest;
}

function key(group: string | undefined, kind: string, namespace: string | undefined, name: string): string {
  return `${group ?? ''}/${kind}/${namespace ?? ''}/${name}`;
}

function compareRef(a: LiveRef, b: LiveRef): number {
  const x = describeRef(a);
  const y = describeRef(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Compares the render (its parsed objects) with what Argo CD reported: pure, so the test feeds it
 * recorded answers. `managed` holds each known Application's managed resources.
 */
export function compareLive(server: string, objects: readonly ParsedObject[], apps: readonly ArgoApplication[], managed: ReadonlyMap<string, readonly ArgoResourceDiff[]>): LiveReport {
  const declared = renderedApplications(objects);
  const byName = new Map(apps.map((a) => [a.metadata.name, a]));
  const out: LiveApp[] = [];
  for (const d of declared) {
    const app = byName.get(d.name);
    const inFolder = d.path === undefined ? [] : objects.filter((p) => {
      const file = p.ref.file;
      if (!file.startsWith(`${d.path}/`) || file.endsWith('kustomization.yaml')) return false;
      return d.recurse || !file.slice(d.path!.length + 1).includes('/');
    });
    const destination = app ? stringAt(app.spec, 'destination.namespace') : undefined;
    const rendered = new Map<string, ParsedObject>();
    for (const p of inFolder) rendered.set(p.ref.id, p);
    const find = (r: { group?: string; kind: string; namespace?: string; name: string }) =>
      rendered.get(key(r.group, r.kind, r.namespace, r.name)) ?? (r.namespace && r.namespace === destination ? rendered.get(key(r.group, r.kind, '', r.name)) : undefined);
    if (!app) {
      out.push({ name: d.name, ...(d.path ? { path: d.path } : {}), known: false, outOfSync: [], drift: [], missing: [], notPushed: [], notInArgo: inFolder.map((p) => p.ref).sort(compareRef) });
      continue;
    }
    const outOfSync = (app.status?.resources ?? [])
      .filter((r) => r.status === 'OutOfSync')
      .map((r) => ({ ref: { kind: r.kind, ...(r.namespace ? { namespace: r.namespace } : {}), name: r.name }, prune: r.requiresPruning === true, ...(r.health?.status ? { health: r.health.status } : {}) }))
      .sort((a, b) => compareRef(a.ref, b.ref));
    const drift: { ref: LiveRef; fields: FieldChange[] }[] = [];
    const missing: LiveRef[] = [];
    const notPushed: { ref: LiveRef; fields: FieldChange[] }[] = [];
    const seen = new Set<string>();
    for (const item of managed.get(d.name) ?? []) {
      if (item.hook) continue;
      const ref: LiveRef = { kind: item.kind, ...(item.namespace ? { namespace: item.namespace } : {}), name: item.name };
      const mine = find(item);
      if (mine) seen.add(mine.ref.id);
      const target = state(item.targetState);
      const live = state(item.normalizedLiveState) ?? state(item.liveState);
      if (mine && target) {
        const render = comparable(mine.obj);
        const fields = diffFields(projectOnto(render, comparable(target)), render);
        if (fields.length) notPushed.push({ ref, fields });
      }
      if (!mine || !target) continue;
      if (!live) {
        missing.push(ref);
        continue;
      }
      // Only the fields the render sets: what someone changed by hand there is drift.
      const want = comparable(target);
      const shape = projectOnto(comparable(mine.obj), want);
      const fields = diffFields(shape, projectOnto(shape, comparable(live)));
      if (fields.length) drift.push({ ref, fields });
    }
    const notInArgo = inFolder.filter((p) => !seen.has(p.ref.id)).map((p) => p.ref).sort(compareRef);
    out.push({
      name: d.name,
      ...(d.path ? { path: d.path } : {}),
      known: true,
      ...(app.status?.sync?.status ? { sync: app.status.sync.status } : {}),
      ...(app.status?.health?.status ? { health: app.status.health.status } : {}),
      outOfSync,
      drift: drift.sort((a, b) => compareRef(a.ref, b.ref)),
      missing: missing.sort(compareRef),
      notPushed: notPushed.sort((a, b) => compareRef(a.ref, b.ref)),
      notInArgo,
    });
  }
  const names = new Set(declared.map((d) => d.name));
  return { server, apps: out, extra: apps.map((a) => a.metadata.name).filter((n) => !names.has(n)).sort() };
}

/** The rendered files' objects (manifests under dist/ only: the tree Argo CD syncs). */
export function renderedObjects(files: readonly RenderedFile[]): ParsedObject[] {
  return files
    .filter((f) => f.path.startsWith('dist/') && !f.path.startsWith('dist/hosts/') && /\.ya?ml$/.test(f.path))
    .flatMap((f) => parseManifests(f).objects ?? []);
}

/**
 * Reads what Argo CD reports for every Application the render declares, and compares. The list of
 * Applications is read first, so an unreachable server or a refused token is said before the
 * render (`render`) takes its time.
 */
export async function liveDiff(api: ArgoCdApi, render: () => readonly RenderedFile[]): Promise<LiveReport> {
  const apps = await api.applications();
  const objects = renderedObjects(render());
  const known = new Map(apps.map((a) => [a.metadata.name, a]));
  const managed = new Map<string, ArgoResourceDiff[]>();
  for (const d of renderedApplications(objects)) {
    const app = known.get(d.name);
    if (app) managed.set(d.name, await api.managedResources(d.name, app.metadata.namespace));
  }
  return compareLive(api.url, objects, apps, managed);
}

/** Whether the live cluster differs from the render in any way the report lists. */
export function hasLiveDifferences(report: LiveReport): boolean {
  return report.extra.length > 0 || report.apps.some((a) => !a.known || a.outOfSync.length || a.drift.length || a.missing.length || a.notPushed.length || a.notInArgo.length);
}

/** Field lines listed per object before `… and N more`. */
const MAX_FIELDS = 10;

/** The live report as plain text: one block per Application that differs, then a summary line. */
export function renderLive(report: LiveReport): string {
  const lines = [`Live diff: the render → Argo CD at ${report.server}`];
  const fields = (list: readonly FieldChange[], indent: string) => {
    const shown = list.slice(0, MAX_FIELDS).map((f) => `${indent}${f.path}: ${fieldValues(f)}`);
    if (list.length > MAX_FIELDS) shown.push(`${indent}… and ${list.length - MAX_FIELDS} more`);
    return shown;
  };
  let same = 0;
  for (const a of report.apps) {
    const differs = !a.known || a.outOfSync.length || a.drift.length || a.missing.length || a.notPushed.length || a.notInArgo.length;
    if (!differs) {
      same++;
      continue;
    }
    lines.push('');
    if (!a.known) {
      lines.push(`Application ${a.name}: not in Argo CD (sync the root Application, or apply argocd/ for a first install)${a.notInArgo.length ? `; ${a.notInArgo.length} rendered objects wait for it` : ''}`);
      continue;
    }
    lines.push(`Application ${a.name}${a.path ? ` (${a.path})` : ''}: ${a.sync ?? 'sync unknown'}, ${a.health ?? 'health unknown'}`);
    for (const o of a.outOfSync) lines.push(`  ~ out of sync: ${describeRef(o.ref)}${o.prune ? ' (not in Git: Argo CD prunes it)' : ''}${o.health ? ` [${o.health}]` : ''}`);
    for (const d of a.drift) lines.push(`  ! drift (changed by hand; Git → live): ${describeRef(d.ref)}`, ...fields(d.fields, '      '));
    for (const m of a.missing) lines.push(`  - missing in the cluster: ${describeRef(m)}`);
    for (const n of a.notPushed) lines.push(`  > render differs from Argo CD's target (not pushed, or not refreshed yet; target → render): ${describeRef(n.ref)}`, ...fields(n.fields, '      '));
    for (const n of a.notInArgo) lines.push(`  + not managed by Argo CD yet: ${describeRef(n)}`);
  }
  if (report.extra.length) lines.push('', `Applications in Argo CD that the render does not declare: ${report.extra.join(', ')}`);
  const differing = report.apps.length - same;
  lines.push('', differing || report.extra.length
    ? `${differing} of ${report.apps.length} Applications differ from the render${report.extra.length ? `; ${report.extra.length} more in Argo CD only` : ''}`
    : `all ${report.apps.length} Applications match the render`);
  return `${lines.join('\n')}\n`;
}
