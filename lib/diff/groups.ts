import { TEXT_FILE_ROOTS } from '../constructs/text-file';
import { WORKLOADS_DIR } from '../paas/conventions';

/**
 * Groups of a rendered tree, as a reviewer reads them: the bootstrap (`argocd/`), the app of
 * apps (`dist/apps`), one group per layer (`dist/<layer>`), then host files and docs.
 */

/** The group of a rendered file: its folder at layer depth (`dist/<layer>`, `argocd`, `docs`). */
export function groupOf(file: string): string {
  const parts = file.split('/');
  // App folders: one group per app (`dist/workloads/<app>`).
  if (parts[0] === 'dist' && parts[1] === WORKLOADS_DIR && parts.length > 3) return `dist/${WORKLOADS_DIR}/${parts[2]}`;
  if (parts[0] === 'dist' && parts.length > 2) return `dist/${parts[1]}`;
  return parts.length > 1 ? parts[0] : '.';
}

/** Whether a file is compared as text only (host files, docs): never parsed as objects. */
export function isTextFile(file: string): boolean {
  return TEXT_FILE_ROOTS.some((root) => file.startsWith(root));
}

/** A reviewer's name for a group: `layer longhorn (dist/longhorn)`, `bootstrap (argocd/)`. */
export function groupTitle(group: string): string {
  if (group === 'argocd') return 'bootstrap (argocd/)';
  if (group === 'dist/apps') return 'app of apps (dist/apps)';
  if (group === 'dist/hosts') return 'host files (dist/hosts)';
  if (group === 'docs') return 'docs (docs/)';
  if (group.startsWith(`dist/${WORKLOADS_DIR}/`)) return `app ${group.split('/')[2]} (${group})`;
  if (group.startsWith('dist/')) return `layer ${group.slice('dist/'.length)} (${group})`;
  return group === '.' ? 'repository root' : `${group}/`;
}

function rank(group: string): number {
  if (group === 'argocd') return 0;
  if (group === 'dist/apps') return 1;
  if (group === 'dist/hosts') return 3;
  if (group === 'docs') return 4;
  return group.startsWith('dist/') ? 2 : 5;
}

/** Report order: bootstrap, app of apps, layers by name, host files, docs, anything else. */
export function compareGroups(a: string, b: string): number {
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}
