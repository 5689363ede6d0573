import * as fs from 'fs';
import * as path from 'path';
import { listFiles } from '../k8s/walk';
import type { RenderedFile } from './rendered-file';

/** The folders whose previous render synth compares the new one with: what Argo CD syncs and what is copied to hosts. */
export const COMPARED_OUTPUTS = ['dist', 'argocd'] as const;

/**
 * The files of the previous render on disk (`dist/`, `argocd/`), read before synth swaps the new
 * one in, so it can say what changed; empty on a first render. Once the new render is made,
 * `shareUnchanged` lets the files it did not change share its texts.
 */
export function readPreviousRender(root: string, folders: readonly string[] = COMPARED_OUTPUTS): RenderedFile[] {
  return folders.flatMap((dir) => listFiles(path.join(root, dir), `${dir}/`).flatMap((file) => {
    const full = path.join(root, file);
    const stat = fs.lstatSync(full);
    if (!stat.isFile()) return [];
    return [{ path: file, content: fs.readFileSync(full, 'utf8'), ...(stat.mode & 0o100 ? { executable: true } : {}) }];
  }));
}

/**
 * The previous render's files read one at a time, when asked (the diff's `EarlierRender`, which asks
 * only for the files its index may reuse): a file's text, or undefined when it is not a plain file
 * under `folders` (the same files `readPreviousRender` reads).
 */
export function previousRenderReader(root: string, folders: readonly string[] = COMPARED_OUTPUTS): (file: string) => string | undefined {
  return (file) => {
    if (!folders.includes(file.split('/')[0]) || file.split('/').some((part) => part === '..' || part === '')) return undefined;
    const full = path.join(root, file);
    try {
      return fs.lstatSync(full, { throwIfNoEntry: false })?.isFile() ? fs.readFileSync(full, 'utf8') : undefined;
    } catch {
      return undefined;
    }
  };
}

/**
 * `previous` (a render read before `next` was made), where a file has the same text in `next`
 * sharing `next`'s string instead of holding a second copy: with thousands of apps, most of the
 * render is unchanged, and two copies of it are tens of megabytes.
 */
export function shareUnchanged(previous: readonly RenderedFile[], next: readonly RenderedFile[]): RenderedFile[] {
  const nextText = new Map(next.map((f) => [f.path, f.content]));
  return previous.map((f) => {
    const same = nextText.get(f.path);
    return same === f.content ? { ...f, content: same } : f;
  });
}
