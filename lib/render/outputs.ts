// What synth writes: the folders and files it owns at the repository root.

/** Top-level folders the renderer owns and replaces as a whole. */
export const OUTPUT_DIRS = ['dist', 'argocd', 'render-cache'] as const;
/** A folder where the renderer replaces its own files one by one and leaves the others alone. */
export const SHARED_DIR = 'docs';
/** Generated reports (the node-failure simulation), kept like docs/: outside every Argo CD path. */
export const REPORTS_DIR = 'reports';
/** Folders whose generated files are replaced one by one. */
export const SHARED_DIRS = [SHARED_DIR, REPORTS_DIR] as const;

/** Files at the repository root that the renderer owns and replaces one by one (the apps' address lock). */
export const ROOT_FILES: readonly string[] = ['apps.lock.yaml'];

/** Whether a rendered path is allowed: inside an output folder, docs/ or reports/, or one of the root files. */
export function writable(p: string): boolean {
  if (p.includes('..')) return false;
  return ROOT_FILES.includes(p) || ([...OUTPUT_DIRS, ...SHARED_DIRS] as string[]).includes(p.split('/')[0]) && p.includes('/');
}
