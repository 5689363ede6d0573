import * as fs from 'fs';
import * as path from 'path';
import { listFiles } from '../k8s/walk';
import type { RenderedFile } from './rendered-file';

/** The folders whose previous render synth compares the new one with: what Argo CD syncs and what is copied to hosts. */
export const COMPARED_OUTPUTS = ['dist', 'argocd'] as const;

/**
 * The files of the previous render on disk (`dist/`, `argocd/`), read before synth swaps the new
 * one in, so it can say what changed; empty on a first render.
 */
export function readPreviousRender(root: string, folders: readonly string[] = COMPARED_OUTPUTS): RenderedFile[] {
  return folders.flatMap((dir) => listFiles(path.join(root, dir), `${dir}/`).flatMap((file) => {
    const full = path.join(root, file);
    const stat = fs.lstatSync(full);
    if (!stat.isFile()) return [];
    return [{ path: file, content: fs.readFileSync(full, 'utf8'), ...(stat.mode & 0o100 ? { executable: true } : {}) }];
  }));
}
