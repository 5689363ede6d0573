import { type RenderedFile, sameFile } from '../render/rendered-file';
import { compareGroups, groupOf, groupTitle, isTextFile } from './groups';
import { ChangedFile, HOSTS_DIR, manualActions } from './manual-actions';

/**
 * What a synth did, in a few lines: per group (layer, app, bootstrap) the objects added, changed
 * and removed since the previous render, and the manual steps the changed host files call for.
 * Cheap on purpose (synth prints it every time): files are compared as text, one object per
 * manifest file as synth writes them, so an object that moved between files counts as removed
 * and added; `npm run diff` compares object by object.
 */

/** Group lines printed before `… and N more groups`. */
export const MAX_GROUP_LINES = 8;

interface Counts {
  added: number;
  changed: number;
  removed: number;
}

/** Whether a rendered file is one Kubernetes object (not a kustomization, host file or report). */
function isObjectFile(file: string): boolean {
  return /\.ya?ml$/.test(file) && !file.endsWith('kustomization.yaml') && !isTextFile(file);
}

/** Files added, changed and removed between the previous render and the new one. */
export function changedFiles(previous: readonly RenderedFile[], next: readonly RenderedFile[]): ChangedFile[] {
  const before = new Map(previous.map((f) => [f.path, f]));
  const after = new Map(next.map((f) => [f.path, f]));
  const out: ChangedFile[] = [];
  for (const [p, f] of after) {
    const old = before.get(p);
    if (!old) out.push({ path: p, status: 'added' });
    else if (!sameFile(old, f)) out.push({ path: p, status: 'changed' });
  }
  for (const p of before.keys()) if (!after.has(p)) out.push({ path: p, status: 'removed' });
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function counts(c: Counts): string {
  const parts: string[] = [];
  if (c.added) parts.push(`${c.added} added`);
  if (c.changed) parts.push(`${c.changed} changed`);
  if (c.removed) parts.push(`${c.removed} removed`);
  return parts.join(', ');
}

/**
 * The summary lines (without a `synth:` prefix): one per group with changed objects, at most
 * `MAX_GROUP_LINES`, then the manual actions. `previous` is the render on disk before the swap
 * (empty on a first render); only the files under its folders (`dist/`, `argocd/`) are compared.
 */
export function synthSummary(previous: readonly RenderedFile[], next: readonly RenderedFile[], folders: readonly string[] = ['dist', 'argocd']): string[] {
  const compared = next.filter((f) => folders.includes(f.path.split('/')[0]));
  // No dist/ before: a first render (the bootstrap argocd/ alone may be there from a clone).
  if (!previous.some((f) => f.path.startsWith('dist/'))) {
    const objects = compared.filter((f) => isObjectFile(f.path));
    const groups = new Set(objects.map((f) => groupOf(f.path)));
    return [`first render: ${objects.length} objects in ${groups.size} groups; join the nodes as ${HOSTS_DIR}/README.md says`];
  }
  const changes = changedFiles(previous, compared);
  const byGroup = new Map<string, Counts>();
  for (const c of changes.filter((x) => isObjectFile(x.path))) {
    const g = groupOf(c.path);
    const n = byGroup.get(g) ?? { added: 0, changed: 0, removed: 0 };
    n[c.status]++;
    byGroup.set(g, n);
  }
  const lines: string[] = [];
  const groups = [...byGroup.keys()].sort(compareGroups);
  const hostFiles = changes.filter((x) => x.path.startsWith(`${HOSTS_DIR}/`)).length;
  const hostLine = hostFiles ? [`  ${groupTitle(HOSTS_DIR)}: ${hostFiles} file${hostFiles === 1 ? '' : 's'} changed`] : [];
  if (groups.length === 0) lines.push(`no rendered object changed since the previous render${hostFiles ? '' : ' (nor any host file)'}`, ...hostLine);
  else {
    const total = [...byGroup.values()].reduce((t, c) => ({ added: t.added + c.added, changed: t.changed + c.changed, removed: t.removed + c.removed }), { added: 0, changed: 0, removed: 0 });
    lines.push(`objects since the previous render: ${counts(total)} (npm run diff shows each field)`);
    for (const g of groups.slice(0, MAX_GROUP_LINES)) lines.push(`  ${groupTitle(g)}: ${counts(byGroup.get(g)!)}`);
    if (groups.length > MAX_GROUP_LINES) lines.push(`  … and ${groups.length - MAX_GROUP_LINES} more groups`);
    lines.push(...hostLine);
  }
  const actions = manualActions(changes, previous, compared);
  if (actions.length) {
    lines.push(`manual actions (Argo CD does not apply ${HOSTS_DIR}):`);
    for (const a of actions) lines.push(`  → ${a.step}`);
  }
  return lines;
}
