import type { AppSpec } from '../config/app-schema';
import type { Site } from '../config/schema';
import type { LayerFactory } from '../context';
import { diffTrees } from '../diff/engine';
import { DIFF_FOLDERS, readRevision } from '../diff/git';
import type { TreeDiff } from '../diff/model';
import type { AppsLock } from '../paas/lock';
import { ChartRenderer } from '../render/chart-renderer';
import type { RenderedFile } from '../render/rendered-file';
import { OUTPUT_DIRS, ROOT_FILES } from '../render/write';
import { checkoutRenderer, renderSite } from '../synth';

/**
 * What `publish --dry-run` and `release --dry-run` show instead of committing and pushing: the
 * commit they would make (its message and files) and the semantic diff of the render against HEAD.
 * The render is done in memory: nothing in the checkout is written.
 */
export interface CommitPreview {
  /** The commit message. */
  readonly message: string;
  /** `A path`, `M path` or `D path` for every file the commit would hold, sorted by path. */
  readonly files: readonly string[];
  /** The semantic diff of dist/, argocd/, docs/ and reports/ between HEAD and the render. */
  readonly diff: TreeDiff;
}

/** What the render of a preview needs: the checkout's inputs, the app specs possibly changed. */
export interface PreviewInputs {
  readonly root: string;
  readonly site: Site;
  readonly apps: readonly AppSpec[];
  readonly lock?: AppsLock;
  readonly layers?: readonly LayerFactory[];
}

/** The files synth would write for `inputs`, rendered in memory like synth renders them. */
export function renderInMemory(inputs: PreviewInputs): RenderedFile[] {
  // synth's renderer: the checkout's own vendored charts and committed renders when it has them.
  const renderer = checkoutRenderer(inputs.root, 'read') ?? new ChartRenderer();
  return renderSite(inputs.site, inputs.layers, inputs.apps, inputs.lock, renderer);
}

/**
 * The commit that staging `rendered` (and the `source` files, changed by the command itself) on
 * top of HEAD would make. Folders synth owns whole (dist/, argocd/, render-cache/) lose the files
 * the render no longer has; in docs/ and reports/ only generated files are compared (the others
 * are hand-written and left alone).
 */
export function previewCommit(root: string, message: string, rendered: readonly RenderedFile[], source: readonly string[] = []): CommitPreview {
  const renderedPaths = new Set(rendered.map((f) => f.path));
  const owned = (p: string) => (OUTPUT_DIRS as readonly string[]).includes(p.split('/')[0]);
  const folders = [...new Set([...OUTPUT_DIRS, ...DIFF_FOLDERS])];
  const committed = readRevision(root, 'HEAD', [...folders, ...ROOT_FILES]).filter((f) => owned(f.path) || renderedPaths.has(f.path));
  const before = new Map(committed.map((f) => [f.path, f.content]));
  const files: string[] = source.map((p) => `M ${p}`);
  for (const f of rendered) {
    const old = before.get(f.path);
    if (old === undefined) files.push(`A ${f.path}`);
    else if (old !== f.content) files.push(`M ${f.path}`);
  }
  for (const p of before.keys()) if (!renderedPaths.has(p)) files.push(`D ${p}`);
  files.sort((a, b) => a.slice(2).localeCompare(b.slice(2)));
  const compared = (f: RenderedFile) => (DIFF_FOLDERS as readonly string[]).includes(f.path.split('/')[0]);
  return { message, files, diff: diffTrees(committed.filter(compared), rendered.filter(compared)) };
}

/** The preview as lines: the message, the files, then what the caller renders of the diff. */
export function formatPreview(command: string, preview: CommitPreview, diffText: string, pushTo: string): string[] {
  if (!preview.files.length) return [`${command}: dry run: the committed render is current; nothing to commit${pushTo ? `, ${pushTo}` : ''}`];
  return [
    `${command}: dry run: would commit "${preview.message}" with ${preview.files.length} file${preview.files.length === 1 ? '' : 's'}${pushTo ? `, then ${pushTo}` : ''}:`,
    ...preview.files.map((f) => `  ${f}`),
    diffText.replace(/\n$/, ''),
    `${command}: dry run: nothing was written, committed or pushed`,
  ];
}
