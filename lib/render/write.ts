import * as fs from 'fs';
import * as path from 'path';
import type { RenderedFile } from './render';

/** Top-level folders the renderer owns and replaces as a whole. */
export const OUTPUT_DIRS = ['dist', 'argocd'] as const;
/** A folder where the renderer replaces its own files one by one and leaves the others alone. */
export const SHARED_DIR = 'docs';

/**
 * Writes `files` into a fresh temporary folder beside the outputs, runs `check` on it, and
 * only then swaps the new folders in for `dist/` and `argocd/`. When writing or `check`
 * throws, the outputs are left exactly as they were.
 */
export function writeAtomically(root: string, files: readonly RenderedFile[], check: (tmpRoot: string) => void): void {
  for (const stale of fs.readdirSync(root).filter((f) => f.startsWith('.render-'))) {
    fs.rmSync(path.join(root, stale), { recursive: true, force: true });
  }
  const tmp = fs.mkdtempSync(path.join(root, '.render-'));
  try {
    for (const dir of OUTPUT_DIRS) fs.mkdirSync(path.join(tmp, dir), { recursive: true });
    for (const file of files) {
      const top = file.path.split('/')[0];
      if (![...OUTPUT_DIRS, SHARED_DIR].includes(top) || file.path.includes('..')) throw new Error(`refusing to write ${file.path}: outside ${[...OUTPUT_DIRS, SHARED_DIR].join(', ')}`);
      const target = path.join(tmp, file.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, file.content, { mode: file.executable ? 0o755 : 0o644 });
    }
    check(tmp);
    swap(root, tmp);
    // Generated docs: each file replaced by a rename; hand-written files beside them stay.
    for (const file of files.filter((f) => f.path.startsWith(`${SHARED_DIR}/`))) {
      fs.mkdirSync(path.dirname(path.join(root, file.path)), { recursive: true });
      fs.renameSync(path.join(tmp, file.path), path.join(root, file.path));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
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
