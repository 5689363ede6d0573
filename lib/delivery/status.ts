import { ANNOTATIONS, PLATFORM_PROJECT, ROOT_APP } from '../gitops/argocd';
import type { ArgoApplication, ArgoSource } from '../gitops/argocd-application';
import { DeliveryError } from './delivery-error';
import { git, hasCommit, isAncestor, runGit } from './git';
import { HttpAuth, requestJson } from './http';
import { sameRepository } from './repo-url';

/** The label a layer's component Applications carry (lib/layer.ts). */
const LAYER_LABEL = 'platform.tsys/layer';

/** One line of the report. */
export interface AppReport {
  readonly name: string;
  /** `root` (dist/apps), `layer` (dist/<layer>), `component` (an upstream chart or Git source of a layer), or `other`. */
  readonly role: 'root' | 'layer' | 'component' | 'other';
  /** The layer a component belongs to. */
  readonly layer?: string;
  readonly sync: string;
  readonly health: string;
  /**
   * What the cluster runs: the compared revision (`status.sync.revision`) when Synced, else the
   * last completed sync (`status.history`, or `status.operationState.syncResult` of a finished
   * operation). A commit of this repository for root and layers; a chart version or upstream
   * commit for components.
   */
  readonly revision?: string;
  /** The revision Argo CD is trying to reach when it differs from `revision` (OutOfSync). */
  readonly target?: string;
  /** For revisions of this repository: `deployed`, `behind by N commits`, `unknown revision`... */
  readonly comparison?: string;
  /** Resources whose sync status is not Synced: `group/Kind namespace/name (status)`. */
  readonly outOfSync: readonly string[];
  /** A running or failed sync operation's phase and message. */
  readonly operation?: string;
}

/** Where Argo CD is. */
export interface ArgoAccess {
  /** Argo CD's URL; `host[:port]` alone means https (as the argocd CLI reads ARGOCD_SERVER). */
  readonly server: string;
  readonly token: string;
  /** The environment variable the token came from, named in errors. */
  readonly tokenSource: string;
}

/** The URL form of ARGOCD_SERVER. */
export function argoBaseUrl(server: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? server : `https://${server}`;
  try {
    return new URL(withScheme).toString().replace(/\/+$/, '');
  } catch {
    throw new DeliveryError(`ARGOCD_SERVER "${server}" is not a URL or host; set it like https://argocd.example.com or argocd.example.com:443`);
  }
}

/** The Applications of `project` (GET /api/v1/applications?projects=...). */
export async function fetchApplications(access: ArgoAccess, project: string = PLATFORM_PROJECT): Promise<ArgoApplication[]> {
  const url = `${argoBaseUrl(access.server)}/api/v1/applications?projects=${encodeURIComponent(project)}`;
  const auth: HttpAuth = { scheme: 'Bearer', token: access.token, source: access.tokenSource };
  const res = await requestJson<{ items?: ArgoApplication[] | null }>(url, { auth, what: `Argo CD: list the Applications of project ${project}` });
  if (!res.body || typeof res.body !== 'object') throw new DeliveryError(`Argo CD: ${url} did not answer with an application list; is ARGOCD_SERVER the Argo CD server (not the UI behind another proxy)?`);
  return res.body.items ?? [];
}

/**
 * Compares a deployed commit with the local HEAD: `deployed`, `behind by N commits` (HEAD has
 * N more), `ahead of local HEAD by N commits`, `diverged from local HEAD`, or `unknown revision`
 * (not in this clone).
 */
export function compareRevision(root: string, revision: string, head: string): string {
  if (revision === head) return 'deployed';
  if (!/^[0-9a-f]{7,64}$/i.test(revision) || !hasCommit(root, revision)) return 'unknown revision (not in this clone; git fetch?)';
  const count = (range: string) => Number(git(root, ['rev-list', '--count', range], 'status: cannot count commits'));
  const plural = (n: number) => `${n} commit${n === 1 ? '' : 's'}`;
  if (isAncestor(root, revision, head)) return `behind by ${plural(count(`${revision}..${head}`))}`;
  if (isAncestor(root, head, revision)) return `ahead of local HEAD by ${plural(count(`${head}..${revision}`))}`;
  return 'diverged from local HEAD';
}

function sourcesOf(app: ArgoApplication): ArgoSource[] {
  return app.spec?.sources?.length ? [...app.spec.sources] : app.spec?.source ? [app.spec.source] : [];
}

/** The index of this repository's `dist/` source among the app's sources, if any. */
function ownSourceIndex(app: ArgoApplication, repoUrl: string): number {
  return sourcesOf(app).findIndex((s) => typeof s.repoURL === 'string' && sameRepository(s.repoURL, repoUrl) && (s.path ?? '').replace(/\/+$/, '').startsWith('dist/'));
}

function pick(revision: string | undefined, revisions: readonly string[] | undefined, index: number): string | undefined {
  return revisions?.length ? revisions[Math.max(index, 0)] : revision;
}

/**
 * One report per Application: root first, then layers in sync-wave order, each followed by its
 * components; anything else last. Revisions of this repository are compared with `head`.
 */
export function reportApplications(apps: readonly ArgoApplication[], repoUrl: string, compare: (revision: string) => string): AppReport[] {
  const layerOf = (app: ArgoApplication): string | undefined => {
    const i = ownSourceIndex(app, repoUrl);
    const p = i >= 0 ? (sourcesOf(app)[i].path ?? '').replace(/\/+$/, '') : '';
    return /^dist\/[^/]+$/.test(p) ? p.slice('dist/'.length) : undefined;
  };
  const report = (app: ArgoApplication, role: AppReport['role'], layer?: string): AppReport => {
    const st = app.status ?? {};
    const own = ownSourceIndex(app, repoUrl);
    const sync = st.sync?.status ?? 'Unknown';
    const compared = pick(st.sync?.revision, st.sync?.revisions, own);
    const last = st.history?.length ? st.history[st.history.length - 1] : undefined;
    const finished = st.operationState?.phase === 'Succeeded' ? st.operationState.syncResult : undefined;
    const lastSynced = last ? pick(last.revision, last.revisions, own) : pick(finished?.revision, finished?.revisions, own);
    const revision = sync === 'Synced' ? compared ?? lastSynced : lastSynced ?? compared;
    const target = sync !== 'Synced' && compared && compared !== revision ? compared : undefined;
    const phase = st.operationState?.phase;
    return {
      name: app.metadata.name,
      role,
      layer,
      sync,
      health: st.health?.status ?? 'Unknown',
      revision,
      target,
      comparison: own >= 0 && revision ? compare(revision) : undefined,
      outOfSync: (st.resources ?? []).filter((r) => r.status !== 'Synced').map((r) => `${r.group ? `${r.group}/` : ''}${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name} (${r.status ?? 'Unknown'})`),
      operation: phase && phase !== 'Succeeded' ? `${phase}${st.operationState?.message ? `: ${st.operationState.message}` : ''}` : undefined,
    };
  };
  const wave = (app: ArgoApplication) => Number(app.metadata.annotations?.[ANNOTATIONS.syncWave] ?? 0);
  const byName = (a: ArgoApplication, b: ArgoApplication) => a.metadata.name.localeCompare(b.metadata.name);
  const root = apps.filter((a) => a.metadata.name === ROOT_APP || layerOf(a) === 'apps');
  const layers = apps.filter((a) => !root.includes(a) && layerOf(a) !== undefined).sort((a, b) => wave(a) - wave(b) || byName(a, b));
  const layerNames = new Set(layers.map((a) => layerOf(a)!));
  const components = apps.filter((a) => !root.includes(a) && !layers.includes(a) && layerNames.has(a.metadata.labels?.[LAYER_LABEL] ?? ''));
  const others = apps.filter((a) => !root.includes(a) && !layers.includes(a) && !components.includes(a)).sort(byName);
  const out: AppReport[] = root.sort(byName).map((a) => report(a, 'root'));
  for (const layer of layers) {
    const name = layerOf(layer)!;
    out.push(report(layer, 'layer', name));
    for (const c of components.filter((x) => x.metadata.labels?.[LAYER_LABEL] === name).sort(byName)) out.push(report(c, 'component', name));
  }
  for (const o of others) out.push(report(o, 'other'));
  return out;
}

/** Whether every Application is Synced and Healthy. */
export function allHealthy(reports: readonly AppReport[]): boolean {
  return reports.length > 0 && reports.every((r) => r.sync === 'Synced' && r.health === 'Healthy');
}

/** A commit as 12 characters; anything else (a chart version) as it is. */
function shortRevision(revision: string | undefined): string {
  if (!revision) return '-';
  return /^[0-9a-f]{40,64}$/.test(revision) ? revision.slice(0, 12) : revision;
}

/** The report as an aligned table, components indented under their layer, details below each row. */
export function formatReport(reports: readonly AppReport[]): string {
  const rows = reports.map((r) => [
    r.role === 'component' ? `  ${r.name}` : r.name,
    r.sync,
    r.health,
    shortRevision(r.revision),
    r.comparison ?? (r.role === 'component' || r.role === 'other' ? '(not this repository)' : '-'),
  ]);
  const header = ['APPLICATION', 'SYNC', 'HEALTH', 'REVISION', 'LOCAL HEAD'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [line(header)];
  reports.forEach((r, i) => {
    out.push(line(rows[i]));
    const indent = r.role === 'component' ? '      ' : '    ';
    if (r.target) out.push(`${indent}syncing to ${shortRevision(r.target)}`);
    if (r.operation) out.push(`${indent}operation ${r.operation}`);
    for (const o of r.outOfSync) out.push(`${indent}out of sync: ${o}`);
  });
  return out.join('\n');
}

/** The local HEAD of `root`, or undefined outside a git checkout. */
export function localHead(root: string): string | undefined {
  const run = runGit(root, ['rev-parse', 'HEAD']);
  return run.status === 0 ? run.stdout.trim() : undefined;
}
