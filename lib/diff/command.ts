import * as fs from 'fs';
import * as path from 'path';
import { formatCliError } from '../cli-errors';
import type { Invocation } from '../command-line/invocation';
import { APP_SPEC_CACHE_FILE, AppSpecCache } from '../config/app-spec-cache';
import { ConfigError } from '../config/errors';

import { listFiles } from '../k8s/walk';
import { PlatformError } from '../platform-error';
import { isSystemError, makeFolders, namingFile, rootRefusal } from '../system-error';
import type { ParseManifests } from '../k8s/tree';
import type { RenderedFile } from '../render/rendered-file';
import { OutputError } from '../render/output-error';
import { recoverBeforeCommand } from '../render/swap';
import { SHARED_DIR } from '../render/write';
import { ChartRenderer } from '../render/chart-renderer';
import { checkoutRenderer, loadInputs, refuseUnvendoredVersions, renderSiteAnalysed } from '../synth';
import { COMPARED_OUTPUTS, PreviousRender, previousRenderReader } from '../render/previous';
import { startListing } from '../render/listing-worker';
import { RENDER_STATS_FILE, RenderStats } from '../render/render-stats';
import { APP_RENDERS_FILE, AppRenders } from '../render/app-renders';
import { EarlierRender } from '../render/text-index';
import { ANALYSIS_CACHE_FILE, AnalysisCache } from '../ha/analysis-cache';
import { checksCodeFingerprint } from '../verify/check-cache';
import { summaryLine } from './describe';
import { diffTrees } from './engine';
import { defaultBase, DIFF_FOLDERS, DiffError, readRevision, resolveRevision } from './git';
import { renderMarkdown } from './markdown';
import { startRevisionListing } from './revision-listing';
import { argoCdApi, connectionFromEnv } from './argocd-api';
import { hasLiveDifferences, liveDiff, renderLive } from './live';
import type { ManualAction } from './manual-actions';
import { describeRef, isEmptyDiff, TreeDiff } from './model';
import { renderTerminal, shouldColor } from './terminal';

const ROOT = path.resolve(__dirname, '..', '..');

export interface DiffRunOptions {
  /** Repository checkout to diff. */
  readonly root: string;
  /** Git revision of the base. @default the merge base of HEAD and main, else HEAD */
  readonly base?: string;
  /** @default `<root>/site.yaml` */
  readonly siteFile?: string;
  /**
   * The head tree. @default the working tree as `npm run synth` would leave it: the site
   * rendered in memory, plus the hand-written files of `docs/` on disk
   */
  readonly head?: () => readonly RenderedFile[];
  /** @default `working tree` */
  readonly headLabel?: string;
}

export interface DiffRun {
  readonly diff: TreeDiff;
  /** The base commit. */
  readonly baseSha: string;
  /** The base as the output names it, e.g. `1a2b3c4d5e6f (merge base of HEAD and main)`. */
  readonly baseLabel: string;
  readonly headLabel: string;
}

/** Files of `docs/` on disk that the render does not produce (synth leaves them alone). */
function handWrittenDocs(root: string, rendered: readonly RenderedFile[]): RenderedFile[] {
  const owned = new Set(rendered.map((f) => f.path));
  return listFiles(path.join(root, SHARED_DIR), `${SHARED_DIR}/`)
    .filter((file) => !owned.has(file) && fs.lstatSync(path.join(root, file)).isFile())
    .map((file) => ({ path: file, content: fs.readFileSync(path.join(root, file), 'utf8') }));
}

/** Whether a rendered file is part of what the diff compares (the folders of `DIFF_FOLDERS`). */
export function isCompared(file: string): boolean {
  return (DIFF_FOLDERS as readonly string[]).includes(file.split('/')[0]);
}

/**
 * Renders the working tree's site in memory (nothing is written). Like synth, it takes the text of
 * an object that did not change since the last synth from `dist/` (the document digests
 * recorded with the render stats of `.synth-cache/`), the node-failure analysis synth kept when what it reads is the same, the
 * app specs it validated, and the last render of each app whose inputs did not change (such an app
 * is not built), all read only: the same bytes, without building and serialising most of the tree or simulating again. A file of
 * `dist/` is read only when the index may reuse its text (none without an index).
 */
export function renderWorkingTree(root: string, siteFile?: string): RenderedFile[] {
  return renderWorkingTreeCounted(root, siteFile).files;
}

/**
 * Whether the render stats synth recorded (read only: ./render/render-stats.ts) can be trusted to
 * list the render on disk: not when there are none (a fresh clone: no `.synth-cache/`) or the file
 * was ignored (written by other code, garbled). Its document digests are used all the same.
 */
function usable(root: string, stats: RenderStats): boolean {
  return stats.ignored === undefined && fs.existsSync(path.join(root, RENDER_STATS_FILE));
}

/**
 * The render of `dist/` and `argocd/` on disk for the head's render to take unchanged texts from:
 * with the render stats synth recorded (`stats`), a `PreviousRender` whose files with the stat
 * recorded are trusted to hold the bytes recorded and are not read (their texts are read only when
 * asked for), listed by `listed` (./listing-worker.ts, as synth's); without them, a reader of one
 * file at a time, so that only the files the render index may reuse are read.
 */
function renderOnDisk(root: string, onDisk: { readonly stats: RenderStats; readonly listed: ReturnType<typeof startListing> } | undefined): PreviousRender | ((file: string) => string | undefined) {
  return onDisk ? new PreviousRender(root, onDisk.stats, COMPARED_OUTPUTS, onDisk.listed) : previousRenderReader(root);
}

/**
 * renderWorkingTree, with how many manifests took their text from `dist/` (`reused`) and how many
 * were serialised, how many apps were taken from synth's app renders instead of built (`appsReused`), and the documents of its manifests (`RenderedDocuments.parse`: the documents
 * serialised for a file with that text, else parsed). `onDisk`: the rendered files whose text is
 * known to be the one on disk at their path (with its mode) without reading it, by the render stats
 * (a text the render took from `dist/` that the file there is trusted to hold).
 */
export function renderWorkingTreeCounted(root: string, siteFile?: string): { files: RenderedFile[]; reused: number; serialised: number; appsReused: number; documents: ParseManifests; onDisk: ReadonlyMap<string, RenderedFile> } {
  // The render on disk, listed on the other core while this one loads the inputs (as synth does):
  // only with render stats to trust, else it is read one file at a time and a listing serves nothing.
  const stats = new RenderStats(path.join(root, RENDER_STATS_FILE), checksCodeFingerprint());
  const trusted = usable(root, stats) ? { stats, listed: startListing(root, COMPARED_OUTPUTS) } : undefined;
  // The app specs synth validated, read only (nothing is written).
  const { site, apps, lock } = loadInputs(root, siteFile, undefined, undefined, undefined, new AppSpecCache(path.join(root, APP_SPEC_CACHE_FILE), checksCodeFingerprint(), 'read-only'));
  const previous = renderOnDisk(root, trusted);
  const earlier = new EarlierRender(stats, previous);
  // Compared like the base: apps.lock.yaml is not (the load-balancer Services show the addresses it
  // holds), nor render-cache/ (helm's raw output of each chart, kept to skip helm next time: its
  // objects are the ones in dist/).
  const analysis = new AnalysisCache(path.join(root, ANALYSIS_CACHE_FILE), checksCodeFingerprint(), 'read-only');
  // Each unchanged app's last render (lib/render/app-renders.ts), read only: such an app is not built.
  const appRenders = new AppRenders(path.join(root, APP_RENDERS_FILE), checksCodeFingerprint(), 'read-only');
  // The checkout's own vendored charts, as synth renders them there; the memo of their hashes is read, not written.
  const renderer = checkoutRenderer(root, 'read') ?? new ChartRenderer();
  refuseUnvendoredVersions(site, renderer.lock, siteFile ?? path.join(root, 'site.yaml'));
  const { files, documents } = renderSiteAnalysed(site, undefined, apps, lock, renderer, undefined, earlier, analysis, appRenders);
  const rendered = files.filter((f) => isCompared(f.path));
  const onDisk = new Map<string, RenderedFile>();
  if (previous instanceof PreviousRender) {
    for (const f of rendered) {
      if (f.digest !== undefined && f.digest === previous.trustedDigest(f.path) && Boolean(f.executable) === previous.executable(f.path)) onDisk.set(f.path, f);
    }
  }
  return { files: [...rendered, ...handWrittenDocs(root, rendered)], reused: documents.reused, serialised: documents.dumped, appsReused: appRenders.reused, documents: documents.parse, onDisk };
}

/**
 * The semantic diff between a revision and the working tree.
 *
 * The base is the revision's **committed** `dist/`, `argocd/` and `docs/`, read from git: CI
 * checks on every commit that they equal a fresh synth of that commit, so they are what its
 * code renders, without checking out and running old code. The head is rendered from the
 * working tree in memory, so uncommitted changes to `site.yaml` or `lib/` are included and
 * `dist/` is not touched.
 */
export function diffWorkingTree(options: DiffRunOptions): DiffRun {
  const root = path.resolve(options.root);
  const base = options.base !== undefined ? { sha: resolveRevision(root, options.base), label: '' } : defaultBase(root);
  const baseLabel = base.label || `${options.base} (${base.sha.slice(0, 12)})`;
  // The base's listing read by git on the other core while this one renders the head.
  const listed = options.head ? undefined : startRevisionListing(root, base.sha, DIFF_FOLDERS);
  // The head's render gives the documents it serialised: its manifests are not parsed back.
  const rendered = options.head ? undefined : renderWorkingTreeCounted(root, options.siteFile);
  const headFiles = rendered ? rendered.files : options.head!();
  // Committed files with the head's bytes are not read from git again (see readRevision); nor are
  // the head's files trusted to be the ones on disk that git finds unchanged since the base (their
  // texts are not read at all: most of a large render is unchanged).
  const onDisk = rendered?.onDisk ?? new Map<string, RenderedFile>();
  const known = new Map(headFiles.filter((f) => !onDisk.has(f.path)).map((f) => [f.path, f.content]));
  const baseFiles = readRevision(root, base.sha, DIFF_FOLDERS, known, onDisk, listed);
  return { diff: diffTrees(baseFiles, headFiles, rendered ? { headDocuments: rendered.documents } : {}), baseSha: base.sha, baseLabel, headLabel: options.headLabel ?? 'working tree' };
}

/** What `diff.json` holds: the review gate reads `risky` (a missing or unreadable file counts as risky). */
export interface DiffSummaryFile {
  readonly risky: boolean;
  /** The base commit. */
  readonly base: string;
  readonly summary: TreeDiff['summary'];
  readonly risks: readonly { readonly rule: string; readonly object: string; readonly group: string; readonly message: string }[];
  /** Steps to take by hand after the merge (changed `dist/hosts/` files), as the Markdown lists them. */
  readonly manualActions: readonly ManualAction[];
}

/** The summary written beside `--out`: `diff.md` -> `diff.json` (`x.json` -> `x.summary.json`). */
export function summaryPath(out: string): string {
  const ext = path.extname(out);
  if (ext === '.json') return `${out.slice(0, -ext.length)}.summary.json`;
  return `${ext ? out.slice(0, -ext.length) : out}.json`;
}

export function summaryFile(run: DiffRun): DiffSummaryFile {
  return {
    risky: run.diff.risks.length > 0,
    base: run.baseSha,
    summary: run.diff.summary,
    risks: run.diff.risks.map((r) => ({ rule: r.rule, object: `${r.object.apiVersion} ${describeRef(r.object)}`, group: r.object.group, message: r.message })),
    manualActions: run.diff.manualActions,
  };
}

/** Where the CLI writes: the process's streams and environment by default. */
export interface DiffIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
}

/** Exit codes with `--exit-code`, as `kubectl diff` has them. */
export const EXIT = { same: 0, differs: 1, error: 2 } as const;

/** Writes `text` to `file`; a system error names the file. */
function writeNamed(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (e) {
    throw namingFile(e, file);
  }
}

/** The one-line message of a failed diff. */
function failure(e: unknown): string {
  if (e instanceof ConfigError || e instanceof PlatformError) return `diff failed: cannot render the working tree: ${e.message}`;
  if (e instanceof DiffError || e instanceof OutputError) return `diff failed: ${e.message}`;
  // An environment fault (a file that cannot be read or written, a full disk): the file and what to do, no stack.
  if (isSystemError(e)) return formatCliError(e, { command: 'diff' });
  return `diff failed: ${(e as Error)?.stack ?? String(e)}`;
}

/**
 * `npm run diff`: prints the terminal view, or writes Markdown to `--out` (and `diff.json`
 * beside it, see `DiffSummaryFile`) and says where. Without `--exit-code` it exits 0 whatever
 * the diff holds (risks included), 1 only on an error; with it, like `kubectl diff`: 0 when
 * nothing differs, 1 when something does, 2 on an error (a bad option included).
 *
 * `--live` compares the working tree's render with what Argo CD reports instead (see `live.ts`;
 * ARGOCD_SERVER and ARGOCD_AUTH_TOKEN say where and how): the result is then a promise.
 */
export function runDiffCli({ options: o }: Invocation<'diff'>, io: DiffIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }, defaultRoot = ROOT): number | Promise<number> {
  const exitCode = o['exit-code'];
  const errorCode = exitCode ? EXIT.error : 1;
  const root = path.resolve(o.root ?? defaultRoot);
  const siteFile = o.site ? path.resolve(o.site) : undefined;
  const badRoot = rootRefusal(o.root, root);
  if (o.live) {
    const clash = (['base', 'format', 'out'] as const).find((name) => o[name] !== undefined);
    if (clash) {
      io.stderr.write(`diff: --live compares the working tree's render with Argo CD, not with a revision: leave out --${clash} (tsys diff --help shows the usage)\n`);
      return errorCode;
    }
    return runLive(root, siteFile, io, exitCode, badRoot);
  }
  if (badRoot) {
    io.stderr.write(`diff failed: ${badRoot}\n`);
    return errorCode;
  }
  try {
    if (!recoverBeforeCommand(root, 'diff', (line) => io.stderr.write(`${line}\n`))) return errorCode;
    const out = o.out;
    // A stale summary must never pass the review gate for a diff that failed this time.
    if (out) fs.rmSync(summaryPath(out), { force: true });
    const format = o.format ?? (out ? 'markdown' : 'terminal');
    const run = diffWorkingTree({ root, base: o.base, siteFile });
    const labels = { base: run.baseLabel, head: run.headLabel };
    const text = format === 'markdown'
      ? renderMarkdown(run.diff, labels)
      : renderTerminal(run.diff, { ...labels, color: !out && shouldColor(io.stdout, io.env) });
    if (out) {
      makeFolders(path.dirname(path.resolve(out)));
      // Node's write errors (a full disk) carry no path: each file is named.
      writeNamed(out, text);
      const json = summaryPath(out);
      writeNamed(json, `${JSON.stringify(summaryFile(run), null, 2)}\n`);
      const risks = run.diff.risks.length;
      io.stdout.write(`diff: ${format === 'markdown' ? 'Markdown' : 'terminal view'} written to ${out} (summary for CI: ${json}): ${summaryLine(run.diff)}; ${risks} risky change${risks === 1 ? '' : 's'}\n`);
    } else {
      io.stdout.write(text);
    }
    if (!exitCode) return 0;
    return isEmptyDiff(run.diff) ? EXIT.same : EXIT.differs;
  } catch (e) {
    io.stderr.write(`${failure(e)}\n`);
    return errorCode;
  }
}

/** `diff --live`: renders the working tree in memory and compares it with what Argo CD reports; `badRoot`: the refusal of a --root that is not a folder, said before the render. */
async function runLive(root: string, siteFile: string | undefined, io: DiffIo, exitCode: boolean, badRoot: string | undefined): Promise<number> {
  const errorCode = exitCode ? EXIT.error : 1;
  try {
    // The environment first: a missing server or token is said before the render takes its time.
    const api = argoCdApi(connectionFromEnv(io.env));
    if (!recoverBeforeCommand(root, 'diff', (line) => io.stderr.write(`${line}\n`))) return errorCode;
    const report = await liveDiff(api, () => {
      // Said where the render would start: Argo CD's answer (a wrong token) comes first.
      if (badRoot) throw new DiffError(badRoot);
      return renderWorkingTree(root, siteFile);
    });
    io.stdout.write(renderLive(report));
    if (!exitCode) return 0;
    return hasLiveDifferences(report) ? EXIT.differs : EXIT.same;
  } catch (e) {
    io.stderr.write(`${failure(e)}\n`);
    return errorCode;
  }
}
