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

/** The folders synth writes into. */
const TOP_FOLDERS: ReadonlySet<string> = new Set([...OUTPUT_DIRS, ...SHARED_DIRS]);

/** Whether a rendered path is allowed: inside an output folder, docs/ or reports/, or one of the root files. */
export function writable(p: string): boolean {
  if (p.includes('..')) return false;
  const slash = p.indexOf('/');
  return ROOT_FILES.includes(p) || slash > 0 && TOP_FOLDERS.has(p.slice(0, slash));
}
