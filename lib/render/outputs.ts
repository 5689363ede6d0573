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

/**
 * Whether a folder is one of `folders` or lies inside one (paths relative to the root, `/`-separated),
 * each folder's answer kept: thousands of files share a folder.
 */
export function inFolderOf(folders: ReadonlySet<string>): (dir: string) => boolean {
  const known = new Map<string, boolean>();
  const inside = (dir: string): boolean => {
    let yes = known.get(dir);
    if (yes === undefined) {
      const slash = dir.lastIndexOf('/');
      yes = folders.has(dir) || (slash > 0 && inside(dir.slice(0, slash)));
      known.set(dir, yes);
    }
    return yes;
  };
  return inside;
}

/** The folders synth writes into. */
const TOP_FOLDERS: ReadonlySet<string> = new Set([...OUTPUT_DIRS, ...SHARED_DIRS]);

/** Whether a rendered path is allowed: inside an output folder, docs/ or reports/, or one of the root files. */
export function writable(p: string): boolean {
  if (p.includes('..')) return false;
  const slash = p.indexOf('/');
  return ROOT_FILES.includes(p) || slash > 0 && TOP_FOLDERS.has(p.slice(0, slash));
}
