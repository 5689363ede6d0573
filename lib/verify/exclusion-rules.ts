import { parse } from 'yaml';
import { ARGOCD_NAMESPACE, IN_CLUSTER } from '../gitops/argocd';
import { isMap, mapAt, mapsAt, stringAt, valueAt } from '../k8s/manifest';
import type { Entry, SplitRule } from './split-rule';
import { folderOf } from './tree-index';

/*
 * verify/excluded-resources: Argo CD leaves out of what it applies every object whose API group
 * and kind its resource filter excludes (controller/state.go: the object is dropped from the
 * target state with only an ExcludedResourceWarning condition on the Application). The filter is
 * argocd-cm's `resource.exclusions` and `resource.inclusions` and Argo CD's own exclusions; the
 * matching is util/settings (filtered_resource.go, resources_filter.go) of Argo CD v3.2.0, the
 * version the argocd layer installs.
 */

/** The ConfigMap Argo CD reads its settings from, in its namespace. */
const ARGOCD_CM = 'argocd-cm';

/**
 * One entry of `resource.exclusions` or `resource.inclusions` (Argo CD's FilteredResource): it
 * matches an object when each list matches, an empty (or missing) list matching everything.
 */
export interface FilteredResource {
  /** Globs of the API group (core: ""). */
  readonly apiGroups: readonly string[];
  /** Kinds, exactly, or "*" for every kind (no other pattern). */
  readonly kinds: readonly string[];
  /** Globs of the destination cluster's server URL. */
  readonly clusters: readonly string[];
}

/** Argo CD's own exclusions, whatever argocd-cm says (util/settings/resources_filter.go coreExcludedResources). */
export const CORE_EXCLUSIONS: readonly FilteredResource[] = [
  { apiGroups: ['events.k8s.io', 'metrics.k8s.io'], kinds: [], clusters: [] },
  { apiGroups: [''], kinds: ['Event'], clusters: [] },
  { apiGroups: ['coordination.k8s.io'], kinds: ['Lease'], clusters: [] },
];

const REGEXP_SYNTAX = /[\\^$.*+?()[\]{}|/]/g;
/** A character as regular-expression text outside a class. */
const literal = (c: string): string => c.replace(REGEXP_SYNTAX, '\\$&');
/** A character as regular-expression text inside a class. */
const inClass = (c: string): string => c.replace(/[\\\]^[-]/g, '\\$&');

/**
 * A glob as Argo CD compiles it (github.com/gobwas/glob v0.2.3, no separators): `*` and `**` any
 * text, `?` one character, `[abc]`, `[a-z]` and `[!...]` one character of (not of) a list or a
 * range, `{a,b}` alternatives, `\` escapes the next character. Undefined when it does not
 * compile: Argo CD's glob.Match logs a warning and matches nothing.
 */
export function globRegExp(pattern: string): RegExp | undefined {
  const chars = [...pattern];
  let i = 0;
  let depth = 0;
  let out = '';
  // After `[`: an optional `!`, then one range `lo-hi` or a list of characters (escapes allowed), then `]`.
  const characterClass = (): string | undefined => {
    let not = false;
    if (chars[i] === '!') {
      not = true;
      i++;
    }
    let body = '';
    if (chars[i] !== undefined && chars[i + 1] === '-' && chars[i + 2] !== undefined) {
      const [lo, hi] = [chars[i], chars[i + 2]];
      if (hi < lo) return undefined;
      body = `${inClass(lo)}-${inClass(hi)}`;
      i += 3;
    } else {
      while (i < chars.length && chars[i] !== ']') {
        if (chars[i] === '\\') i++;
        if (i < chars.length) body += inClass(chars[i++]);
      }
    }
    if (chars[i] !== ']' || body === '') return undefined;
    i++;
    return `[${not ? '^' : ''}${body}]`;
  };
  while (i < chars.length) {
    const c = chars[i++];
    if (c === '{') {
      depth++;
      out += '(?:';
    } else if (c === ',' && depth > 0) {
      out += '|';
    } else if (c === '}' && depth > 0) {
      depth--;
      out += ')';
    } else if (c === '[') {
      const cls = characterClass();
      if (cls === undefined) return undefined;
      out += cls;
    } else if (c === '?') {
      out += '[^]';
    } else if (c === '*') {
      if (chars[i] === '*') i++;
      out += '[^]*';
    } else if (c === '\\') {
      // A trailing backslash escapes nothing and is dropped.
      if (i < chars.length) out += literal(chars[i++]);
    } else {
      out += literal(c);
    }
  }
  // An alternative left open ends with the pattern.
  return new RegExp(`^(?:${out}${')'.repeat(depth)})$`, 'u');
}

const globs = new Map<string, RegExp | undefined>();

/** Whether `text` matches the glob `pattern` (util/glob Match). */
export function globMatches(pattern: string, text: string): boolean {
  if (!globs.has(pattern)) globs.set(pattern, globRegExp(pattern));
  return globs.get(pattern)?.test(text) ?? false;
}

/** Whether a filter entry's clusters match `cluster` (undefined: a destination that names no server: only an entry for every cluster matches). */
function clusterMatches(f: FilteredResource, cluster: string | undefined): boolean {
  return f.clusters.length === 0 || (cluster !== undefined && f.clusters.some((p) => globMatches(p, cluster)));
}

/** Whether a filter entry matches objects of `group`/`kind` sent to `cluster` (FilteredResource.Match). */
export function filterMatches(f: FilteredResource, group: string, kind: string, cluster: string | undefined): boolean {
  return (f.apiGroups.length === 0 || f.apiGroups.some((p) => globMatches(p, group)))
    && (f.kinds.length === 0 || f.kinds.some((k) => k === '*' || k === kind))
    && clusterMatches(f, cluster);
}

/** `resource.exclusions` or `resource.inclusions` as read: its entries, or why Argo CD cannot read it. */
export type FilterSetting = { readonly filters: readonly FilteredResource[] } | { readonly problem: string };

/** A setting's text read as Argo CD unmarshals it: a YAML list of maps whose apiGroups, kinds and clusters are lists of strings. */
export function readFilterSetting(text: string): FilterSetting {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    return { problem: `is not YAML (${String((e as Error).message).split('\n')[0]})` };
  }
  if (doc === null || doc === undefined) return { filters: [] };
  if (!Array.isArray(doc)) return { problem: 'is not a list' };
  const filters: FilteredResource[] = [];
  for (const [i, item] of doc.entries()) {
    if (item !== null && !isMap(item)) return { problem: `has entry ${i + 1} that is not a map of apiGroups, kinds and clusters` };
    const lists: string[][] = [];
    for (const key of ['apiGroups', 'kinds', 'clusters']) {
      const v = item === null ? undefined : item[key];
      if (v === null || v === undefined) lists.push([]);
      else if (Array.isArray(v) && v.every((s) => typeof s === 'string')) lists.push(v as string[]);
      else return { problem: `has entry ${i + 1} whose ${key} is not a list of strings` };
    }
    filters.push({ apiGroups: lists[0], kinds: lists[1], clusters: lists[2] });
  }
  return { filters };
}

/** Argo CD's resource filter: argocd-cm's settings (Argo CD's own exclusions come on top). */
export interface ResourceSettings {
  readonly exclusions: readonly FilteredResource[];
  readonly inclusions: readonly FilteredResource[];
}

/** Why Argo CD leaves objects out: an exclusion (its own or argocd-cm's) that matches, or inclusions that do not include them. */
export type Exclusion = { readonly by: 'core' | 'exclusions'; readonly filter: FilteredResource } | { readonly by: 'inclusions' };

/**
 * Why Argo CD leaves objects of `group`/`kind` sent to `cluster` out of what it applies, or
 * undefined when it applies them (ResourcesFilter.IsExcludedResource): excluded when an exclusion
 * matches; else applied when an inclusion matches; else excluded when an inclusion names the
 * cluster (inclusions listed for a cluster include nothing else there).
 */
export function exclusionOf(settings: ResourceSettings, group: string, kind: string, cluster: string | undefined): Exclusion | undefined {
  const core = CORE_EXCLUSIONS.find((f) => filterMatches(f, group, kind, cluster));
  if (core) return { by: 'core', filter: core };
  const excluded = settings.exclusions.find((f) => filterMatches(f, group, kind, cluster));
  if (excluded) return { by: 'exclusions', filter: excluded };
  if (settings.inclusions.some((f) => filterMatches(f, group, kind, cluster))) return undefined;
  return settings.inclusions.some((f) => clusterMatches(f, cluster)) ? { by: 'inclusions' } : undefined;
}

/** A filter entry as a finding shows it. */
function describeFilter(f: FilteredResource): string {
  const list = (name: string, v: readonly string[]) => (v.length ? [`${name} ${JSON.stringify(v)}`] : []);
  const parts = [...list('apiGroups', f.apiGroups), ...list('kinds', f.kinds), ...list('clusters', f.clusters)];
  return parts.length ? parts.join(', ') : 'every group and kind';
}

/** One source of an Application in Git: its repository, its folder (no trailing slash) and whether Argo CD reads the folder's subfolders too. */
export interface SyncedFolder {
  readonly repoURL: string;
  readonly path: string;
  /** spec.source.directory.recurse. @default - the folder only */
  readonly recurse?: true;
}

/** What verify/excluded-resources reads of an object. */
export interface ExclusionProjection {
  /** argocd-cm's resource.exclusions and resource.inclusions, read (a setting it does not set: none). @default - none */
  readonly cm?: { readonly exclusions?: FilterSetting; readonly inclusions?: FilterSetting };
  /**
   * An Application: the cluster it applies to (spec.destination.server, or the in-cluster server
   * for destination.name in-cluster; none for another name) and the folders of its sources.
   * @default - none
   */
  readonly app?: { readonly cluster?: string; readonly folders: readonly SyncedFolder[] };
}

/** The sources of an Application (spec.source, spec.sources) that name a folder, as SyncedFolders. */
export function syncedFolders(app: Record<string, unknown>): SyncedFolder[] {
  const source = mapAt(app, 'spec.source');
  return [...(source ? [source] : []), ...mapsAt(app, 'spec.sources')]
    .filter((s) => typeof s.path === 'string')
    .map((s) => ({ repoURL: String(s.repoURL), path: String(s.path).replace(/\/+$/, ''), ...(valueAt(s, 'directory.recurse') === true ? { recurse: true as const } : {}) }));
}

/** The cluster an Application applies to: its destination's server, or the in-cluster server by name. */
export function destinationCluster(app: Record<string, unknown>): string | undefined {
  return stringAt(app, 'spec.destination.server') ?? (stringAt(app, 'spec.destination.name') === 'in-cluster' ? IN_CLUSTER : undefined);
}

/** A group and kind as a finding names them. */
export function describeGroupKind(group: string, kind: string): string {
  return `${kind} (API group ${group === '' ? '"" (core)' : `"${group}"`})`;
}

/** The finding on an object an Application syncs that Argo CD leaves out. */
export function exclusionMessage(group: string, kind: string, why: Exclusion, cmFile: string | undefined, app: { name: string; file: string }): string {
  const setting = `argocd-cm${cmFile ? ` (${cmFile})` : ''}`;
  const reason = why.by === 'core'
    ? `Argo CD always excludes it (its own exclusion ${describeFilter(why.filter)}, whatever argocd-cm says)`
    : why.by === 'exclusions'
      ? `${setting} resource.exclusions excludes it (${describeFilter(why.filter)})`
      : `${setting} resource.inclusions includes nothing that matches it`;
  const change = why.by === 'core' ? '' : `, or change resource.${why.by} (configs.cm of the argocd layer, lib/gitops/argocd-values.ts)`;
  return `${describeGroupKind(group, kind)}: Argo CD would never apply it: ${reason}. Application "${app.name}" (${app.file}) syncs it, and Argo CD drops excluded kinds from what it applies with only an ExcludedResourceWarning on the Application. Render what it is for as a kind Argo CD applies (an Endpoints object for a selector-less Service that Prometheus scrapes: a prometheus-operator ScrapeConfig with static targets instead)${change}`;
}

/** What verify/excluded-resources finds wrong with an argocd-cm setting Argo CD cannot read. */
export function settingProblemMessage(key: 'exclusions' | 'inclusions', problem: string): string {
  return `data["resource.${key}"] ${problem}: Argo CD cannot read it; write a YAML list of entries {apiGroups, kinds, clusters}, each a list of strings`;
}

/** Whether an object is Argo CD's argocd-cm. */
export function isArgocdCm(kind: string, group: string, namespace: string | undefined, name: string): boolean {
  return kind === 'ConfigMap' && group === '' && namespace === ARGOCD_NAMESPACE && name === ARGOCD_CM;
}

/**
 * Every object in the folder of an Application (its sources in this repository) is of a group
 * and kind Argo CD applies: not excluded by argocd-cm's resource.exclusions (or Argo CD's own),
 * and included by its resource.inclusions when they are set. The argocd-cm read is the one in
 * dist/ (the one Argo CD manages itself), else the bootstrap's.
 */
export const EXCLUDED_RESOURCES: SplitRule<ExclusionProjection, 'verify/excluded-resources'> = {
  id: 'verify/excluded-resources',
  key: 'excl',
  project({ obj, ref, group }) {
    if (ref.kind === 'Application' && group === 'argoproj.io') {
      const cluster = destinationCluster(obj);
      return { app: { ...(cluster !== undefined ? { cluster } : {}), folders: syncedFolders(obj) } };
    }
    if (!isArgocdCm(ref.kind, group, ref.namespace, ref.name)) return undefined;
    const cm: { exclusions?: FilterSetting; inclusions?: FilterSetting } = {};
    for (const key of ['exclusions', 'inclusions'] as const) {
      const text = valueAt(obj, ['data', `resource.${key}`]);
      if (text !== undefined) cm[key] = typeof text === 'string' ? readFilterSetting(text) : { problem: 'is not a string' };
    }
    return { cm };
  },
  join(entries, tree, report) {
    const cms = entries.filter((e) => e.p?.cm);
    const cm = cms.find((e) => e.ref.file.startsWith('dist/')) ?? cms[0];
    const settings = { exclusions: [] as readonly FilteredResource[], inclusions: [] as readonly FilteredResource[] };
    for (const key of ['exclusions', 'inclusions'] as const) {
      const setting = cm?.p?.cm?.[key];
      if (!setting) continue;
      if ('problem' in setting) report(cm!.ref, settingProblemMessage(key, setting.problem));
      else settings[key] = setting.filters;
    }
    const byFolder = new Map<string, Entry<ExclusionProjection>[]>();
    for (const e of entries) {
      const folder = folderOf(e.ref.file);
      const list = byFolder.get(folder);
      if (list) list.push(e);
      else byFolder.set(folder, [e]);
    }
    // Each object once: the first Application (tree order) that syncs it to a cluster where it is left out.
    const reported = new Set<Entry<ExclusionProjection>>();
    // What the settings say of each cluster, group and kind (thousands of objects share a few dozen).
    const said = new Map<string | undefined, Map<string, Map<string, Exclusion | undefined>>>();
    const exclusion = (group: string, kind: string, cluster: string | undefined): Exclusion | undefined => {
      let byGroup = said.get(cluster);
      if (!byGroup) said.set(cluster, (byGroup = new Map()));
      let byKind = byGroup.get(group);
      if (!byKind) byGroup.set(group, (byKind = new Map()));
      if (byKind.has(kind)) return byKind.get(kind);
      const why = exclusionOf(settings, group, kind, cluster);
      byKind.set(kind, why);
      return why;
    };
    for (const app of entries) {
      const a = app.p?.app;
      if (!a) continue;
      for (const f of a.folders) {
        if (!tree.ownRepositories.has(f.repoURL)) continue;
        const synced = f.recurse ? entries.filter((e) => e.ref.file.startsWith(`${f.path}/`)) : byFolder.get(f.path) ?? [];
        for (const e of synced) {
          if (reported.has(e)) continue;
          const why = exclusion(e.group, e.ref.kind, a.cluster);
          if (!why) continue;
          reported.add(e);
          report(e.ref, exclusionMessage(e.group, e.ref.kind, why, cm?.ref.file, { name: app.ref.name, file: app.ref.file }));
        }
      }
    }
  },
};
