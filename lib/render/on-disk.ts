import * as path from 'path';
import { lstatOf } from '../k8s/walk';
import { ChartRenderer, RENDER_CACHE_DIR } from './chart-renderer';
import { KeyedStat, keyedStat, RenderStats, settled } from './render-stats';
import type { RenderedFile } from './rendered-file';

/*
 * What synth's write may take as already on disk without reading it, and the render stats that
 * vouch for the committed chart renders next time (lib/synth.ts).
 */

/**
 * The files known to be on disk as they are, by path, for the write: those of the previous render
 * that the new one shares; the committed chart renders the checkout's renderer found on disk
 * exactly as it would write them (`ChartRenderer.isOnDisk`); and those whose digest the render knows
 * and that the render stats the last synth recorded say the file there still holds (its stat is the
 * one recorded with that digest: `committedRenderStats`), e.g. the committed renders of a checkout
 * rendered with this code's charts.
 */
export function onDiskFiles(root: string, previous: readonly RenderedFile[], files: readonly RenderedFile[], renderer: ChartRenderer | undefined, stats: RenderStats | undefined): Map<string, RenderedFile> {
  const onDisk = new Map(previous.map((f) => [f.path, f]));
  for (const f of files) {
    if (!f.path.startsWith(`${RENDER_CACHE_DIR}/`)) continue;
    if (renderer?.isOnDisk(f.path)) onDisk.set(f.path, f);
    else if (stats && f.digest !== undefined) {
      const stat = lstatOf(path.join(root, f.path));
      if (stat?.isFile() && stats.digest(f.path, stat) === f.digest) onDisk.set(f.path, f);
    }
  }
  return onDisk;
}

/**
 * The stats and digests of the committed chart renders on disk after the swap (outside the folders
 * the previous render lists) for the render stats, of those whose digest the render knows (their
 * texts are not hashed again) and whose file had settled (render-stats.ts `settled`).
 */
export function committedRenderStats(root: string, files: readonly RenderedFile[]): Map<string, readonly [KeyedStat, string]> {
  const out = new Map<string, readonly [KeyedStat, string]>();
  for (const f of files) {
    if (!f.path.startsWith(`${RENDER_CACHE_DIR}/`) || f.digest === undefined) continue;
    const at = Date.now();
    const stat = lstatOf(path.join(root, f.path));
    if (stat?.isFile() && settled(stat, at)) out.set(f.path, [keyedStat(stat), f.digest]);
  }
  return out;
}
