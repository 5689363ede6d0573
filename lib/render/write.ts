import * as fs from 'fs';
import * as path from 'path';
import { PlatformError } from '../platform-error';
import type { RenderedFile } from './rendered-file';

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
function writable(p: string): boolean {
  if (p.includes('..')) return false;
  return ROOT_FILES.includes(p) || ([...OUTPUT_DIRS, ...SHARED_DIRS] as string[]).includes(p.split('/')[0]) && p.includes('/');
}

/**
 * Writes `files` into a fresh temporary folder beside the outputs, runs `check` on it, and
 * only then swaps the new folders in for `dist/` and `argocd/`. When writing or `check`
 * throws, the outputs are left exactly as they were.
 */
export function writeAtomically(root: string, files: readonly RenderedFile[], check: (tmpRoot: string) => void): void {
  const release = lock(root);
  let tmp: string | undefined;
  try {
    recoverStale(root);
    tmp = fs.mkdtempSync(path.join(root, '.render-'));
    for (const dir of OUTPUT_DIRS) fs.mkdirSync(path.join(tmp, dir), { recursive: true });
    const made = new Set<string>();
    for (const file of files) {
      if (!writable(file.path)) throw new Error(`refusing to write ${file.path}: outside ${[...OUTPUT_DIRS, ...SHARED_DIRS].join(', ')} and the root files ${ROOT_FILES.join(', ')}`);
      const target = path.join(tmp, file.path);
      const dir = path.dirname(target);
      if (!made.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      fs.writeFileSync(target, file.content, { mode: file.executable ? 0o755 : 0o644 });
    }
    check(tmp);
    swap(root, tmp);
    // Generated docs, reports and root files: each replaced by a rename; hand-written files beside them stay.
    for (const file of files.filter((f) => SHARED_DIRS.some((d) => f.path.startsWith(`${d}/`)) || ROOT_FILES.includes(f.path))) {
      fs.mkdirSync(path.dirname(path.join(root, file.path)), { recursive: true });
      fs.renameSync(path.join(tmp, file.path), path.join(root, file.path));
    }
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    release();
  }
}

/** One synth at a time per checkout: a lock file holding the owner's pid. */
function lock(root: string): () => void {
  const file = path.join(root, '.render.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(fs.readFileSync(file, 'utf8'));
      if (owner && owner !== process.pid && alive(owner)) throw new PlatformError(`another synth (pid ${owner}) is writing this checkout; wait for it or remove ${file} if it is gone`);
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot take ${file}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A run killed in the middle of a swap leaves `.render-*` behind, maybe holding the only copy
 * of an output folder (`<dir>.old`, moved aside): put such a folder back, then clean up.
 */
function recoverStale(root: string): void {
  for (const stale of fs.readdirSync(root).filter((f) => f.startsWith('.render-'))) {
    const dir = path.join(root, stale);
    for (const out of OUTPUT_DIRS) {
      const old = path.join(dir, `${out}.old`);
      if (fs.existsSync(old) && !fs.existsSync(path.join(root, out))) fs.renameSync(old, path.join(root, out));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Moves the old outputs aside, the new ones in, and puts the old ones back on any failure. */
function swap(root: string, tmp: string): void {
  const moved: string[] = [];
  const installed: string[] = [];
  try {
    for (const dir of OUTPUT_DIRS) {
      const live = path.join(root, dir);
      if (fs.existsSync(live)) {
        fs.renameSync(live, path.join(tmp, `${dir}.old`));
        moved.push(dir);
      }
      fs.renameSync(path.join(tmp, dir), live);
      installed.push(dir);
    }
  } catch (e) {
    for (const dir of installed) fs.renameSync(path.join(root, dir), path.join(tmp, dir));
    for (const dir of moved) fs.renameSync(path.join(tmp, `${dir}.old`), path.join(root, dir));
    throw e;
  }
}
