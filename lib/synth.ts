import * as fs from 'fs';
import * as path from 'path';
import { ChartRenderer } from './render/chart-renderer';
import { unvendoredVersions, VENDOR_LOCK, VendorLock } from './vendor/lock';
import type { AppSpec } from './config/app-schema';
import { ConfigError } from './config/errors';
import { loadSite, siteFileIssues } from './config/load';
import { loadApps } from './config/load-apps';
import { APP_SPEC_CACHE_FILE, AppSpecCache } from './config/app-spec-cache';
import { TEXT_FILE_ROOTS } from './constructs/text-file';
import type { Site } from './config/schema';
import type { LayerFactory } from './context';
import { capacityIssues } from './config/capacity';
import { failureReportOf, haInputFromFiles, haModel, intactUnplaced } from './ha/analysis';
import { ANALYSIS_CACHE_FILE, AnalysisCache } from './ha/analysis-cache';
import type { HaModel } from './ha/model';
import { buildPlatform } from './platform';
import { COLLECT_AFTER_RENDER_BYTES, collectAfter, collectIfGrown, heapUsed } from './collect-garbage';
import { CHART_PINS, LAYER_NEEDS, PIN_NAMES } from './layers';
import { COMPONENT_NAMES, VERSIONS } from './versions';
import type { LayerNeeds } from './config/platform-rules';
import type { EarlierTexts, RenderedDocuments } from './render/documents';
import { renderPlatformWithFacts } from './render/render';
import { APP_RENDERS_FILE, AppRenders } from './render/app-renders';
import type { RenderedFile } from './render/rendered-file';
import { withOutputLock } from './render/output-lock';
import { startListing } from './render/listing-worker';
import { COMPARED_OUTPUTS, PreviousRender, renderedStats, shareUnchanged } from './render/previous';
import { RENDER_STATS_FILE, RenderStats } from './render/render-stats';
import { committedRenderStats, onDiskFiles } from './render/on-disk';
import { EarlierRender } from './render/text-index';
import { recoverInterruptedSynth } from './render/swap';
import type { PlatformFacts } from './facts/facts';
import { ROOT_FILES, writeAtomically } from './render/write';
import { AppsLock, LOCK_FILE, readLock } from './paas/lock';
import { CHECK_CACHE_FILE, CheckCache, checksCodeFingerprint } from './verify/check-cache';
import { VERIFIED_TREE_FILE, VerifiedTree } from './verify/verified-tree';
import { loadManifests } from './k8s/manifest-yaml';
import { SchemaRegistry } from './verify/schemas';
import { Finding, formatFinding, PhaseTimer, verifyTree } from './verify/verify';

/** The rendered tree failed verification; nothing was written. */
export class VerifyError extends Error {
  constructor(public readonly findings: readonly Finding[]) {
    super(`verify found ${findings.length} problem${findings.length === 1 ? '' : 's'} in the rendered output; dist/ was left unchanged:\n  ${findings.map(formatFinding).join('\n  ')}`);
    this.name = 'VerifyError';
  }
}

export interface SynthOptions {
  /** Repository root: `dist/` and `argocd/` are written here. */
  readonly root: string;
  /** @default `<root>/site.yaml` */
  readonly siteFile?: string;
  /** Folder of the app specs (`*.yaml`, one per app). @default `<root>/apps` */
  readonly appsDir?: string;
  /** @default the platform's layers */
  readonly layers?: readonly LayerFactory[];
  /** The names `site.yaml` `versions:` may override, with the pins of `layers`. @default PIN_NAMES of the layer index */
  readonly pinNames?: readonly string[];
  /** What the layers publish and keep, with the declarations of `layers`, for the site and app rules. @default LAYER_NEEDS of the layer index */
  readonly layerNeeds?: readonly LayerNeeds[];
  /** @default a registry over imports/schemas */
  readonly registry?: SchemaRegistry;
  /** Where the sentence about an interrupted synth put right goes. @default stderr, as `synth: ...` */
  readonly log?: (line: string) => void;
  /** Told when each phase starts: `loading`, `rendering`, `verifying and writing`. @default - nothing */
  readonly progress?: (phase: string) => void;
  /** Told how long each phase took (`npm run bench`'s breakdown; see `SynthPhase`). @default - nothing */
  readonly time?: PhaseTimer<SynthPhase>;
  /** Told how long each verify rule took, by its id (lib/verify/verify.ts `ruleTime`). @default - nothing */
  readonly ruleTime?: PhaseTimer<string>;
  /**
   * Whether verify reuses the per-object results of the last successful synth (`CHECK_CACHE_FILE`
   * under the root, git-ignored), the render reuses the texts it wrote for objects that did not
   * change (the document digests recorded with the render's stats, `RENDER_STATS_FILE`), an app whose inputs did not change is taken from its last render
   * instead of being built (`APP_RENDERS_FILE`), and this synth saves them. An optimisation only: the output is the
   * same bytes with or without it, and a stale or corrupted cache is ignored. @default true
   */
  readonly cache?: boolean;
}

/**
 * The phases of a synth, as `npm run bench` breaks it down: `load` (site.yaml, apps, lock), `build`
 * (the construct tree, with the charts' renders), `render` (objects to files, facts), `simulation`
 * (the N-1 and bring-up simulations, for the report and for verify's ha/failure rule), `verify`
 * (schemas and every other rule), `write` (the temporary folder and the swap).
 */
export type SynthPhase = 'load' | 'build' | 'render' | 'simulation' | 'verify' | 'write';

const since = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

/** Runs `f`, telling `time` how long it took as `phase`. */
function timed<T>(time: PhaseTimer<SynthPhase> | undefined, phase: SynthPhase, f: () => T): T {
  if (!time) return f();
  const t = process.hrtime.bigint();
  try {
    return f();
  } finally {
    time(phase, since(t));
  }
}

export interface SynthResult {
  readonly files: readonly RenderedFile[];
  readonly objects: number;
  /** The outputs replaced, relative to the root (see `WriteResult`). */
  readonly outputs: readonly string[];
  /** The previous render's `dist/` and `argocd/` as they were before the swap (empty on a first render), to say what changed. */
  readonly previous: readonly RenderedFile[];
}

/** Kubernetes objects among rendered files: one per manifest (no kustomization, host files or docs). */
export function countObjects(files: readonly RenderedFile[]): number {
  return files.filter((f) => !f.path.endsWith('kustomization.yaml') && !TEXT_FILE_ROOTS.some((root) => f.path.startsWith(root)) && !ROOT_FILES.includes(f.path)).length;
}

/** What the platform is rendered from: the validated site and app specs, and the committed address lock. */
export interface PlatformInputs {
  readonly site: Site;
  readonly apps: readonly AppSpec[];
  /** apps.lock.yaml as committed (empty when there is none yet). */
  readonly lock: AppsLock;
}

/**
 * Loads and validates `site.yaml` (its `versions:` keys against `pinNames`, every pin of the layer
 * index by default; its DBaaS against what `layerNeeds` keep), the app specs of `apps/` (their hosts
 * and databases against what `layerNeeds` take, every layer's of the index by default) and
 * `apps.lock.yaml`; throws naming every problem. `specs`: app specs validated by an earlier synth (see `loadApps`).
 */
export function loadInputs(root: string, siteFile?: string, appsDir?: string, pinNames: readonly string[] = PIN_NAMES, layerNeeds: readonly LayerNeeds[] = LAYER_NEEDS, specs?: AppSpecCache): PlatformInputs {
  const site = loadSite(siteFile ?? path.join(root, 'site.yaml'), pinNames, layerNeeds, specs);
  const apps = loadApps(appsDir ?? path.join(root, 'apps'), site, layerNeeds, specs);
  const lock = readLock(path.join(root, LOCK_FILE), site.paas.pool);
  return { site, apps, lock };
}

/**
 * Builds the platform for a validated site (and its apps) and renders it to files (no I/O), with
 * the node-failure report computed from those files (reports/failure-simulation.md); `lock` is the
 * committed apps.lock.yaml, whose addresses are kept.
 */
export function renderSite(site: Site, layers?: readonly LayerFactory[], apps: readonly AppSpec[] = [], lock?: AppsLock, renderer?: ChartRenderer): RenderedFile[] {
  return renderSiteAnalysed(site, layers, apps, lock, renderer).files;
}

/**
 * Builds the platform and renders it to files, in a function of its own: the construct tree (the
 * largest thing a build makes: thousands of apps, hundreds of MB) is garbage once it returns, not
 * held by the caller's frame while the HA model, the simulation and verify run.
 */
function buildAndRender(site: Site, layers: readonly LayerFactory[] | undefined, apps: readonly AppSpec[], lock: AppsLock | undefined, renderer: ChartRenderer | undefined, time: PhaseTimer<SynthPhase> | undefined, earlier: EarlierTexts | undefined, appRenders: AppRenders | undefined): { files: RenderedFile[]; facts: PlatformFacts; documents: RenderedDocuments } {
  const platform = timed(time, 'build', () => buildPlatform(site, layers, apps, lock, renderer, appRenders));
  return timed(time, 'render', () => renderPlatformWithFacts(platform, earlier));
}

/**
 * renderSite, with the typed facts the build declared, the node-failure model its report was
 * computed from, and the documents every manifest was serialised from (the model reads those, as
 * verify does after); `time` is told each phase's time; `earlier` (synth's recorded digests) gives the
 * texts of unchanged objects from the previous render; `analysis` (synth's cache) the last
 * node-failure analysis; `appRenders` (synth's cache) each unchanged app's documents.
 */
export function renderSiteAnalysed(site: Site, layers?: readonly LayerFactory[], apps: readonly AppSpec[] = [], lock?: AppsLock, renderer?: ChartRenderer, time?: PhaseTimer<SynthPhase>, earlier?: EarlierTexts, analysis?: AnalysisCache, appRenders?: AppRenders): { files: RenderedFile[]; facts: PlatformFacts; model: HaModel; documents: RenderedDocuments } {
  // The construct tree is garbage once the render returns: collected (when it was large) before the
  // simulation makes its own, so that the two do not pile up into the synth's peak memory.
  const heapBefore = heapUsed();
  const { files, facts, documents } = buildAndRender(site, layers, apps, lock, renderer, time, earlier, appRenders);
  timed(time, 'render', () => collectIfGrown(heapBefore, COLLECT_AFTER_RENDER_BYTES));
  const model = timed(time, 'render', () => haModel(haInputFromFiles(files, facts, documents.parse, documents.documentsOf)));
  // The simulation of thousands of apps leaves hundreds of MB of garbage and keeps little: collected
  // before verify grows the heap on top of it (peak memory), when it ran (not when cached).
  const report = timed(time, 'simulation', () => collectAfter(() => failureReportOf(model, analysis)));
  return { files: [...files, report].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), facts, model, documents };
}

/**
 * Refuses a site whose nodes cannot hold what the platform runs (the pods the intact site cannot
 * place, as verify's ha/failure rule reads them: `intactUnplaced`), naming the nodes' cpu and
 * memory fields in `siteFile` rather than a rendered file.
 */
export function refuseOverCapacity(site: Site, model: HaModel, siteFile: string): void {
  const unplaced = intactUnplaced(model);
  if (!unplaced) return;
  const issues = capacityIssues(site, { unplaced });
  if (issues.length) throw new ConfigError(siteFileIssues(siteFile, issues));
}

/**
 * Refuses the `versions:` of `site` (read from `siteFile`) that pin a chart or manifest set at a
 * version `lock` does not vendor, at the position of that version in `siteFile`, with the versions
 * vendored (the render would fail on it later, without a position).
 */
export function refuseUnvendoredVersions(site: Site, lock: VendorLock, siteFile: string): void {
  const components = [
    ...CHART_PINS.map((p) => ({ name: p.name, kind: 'chart' as const, key: p.chart })),
    ...COMPONENT_NAMES.filter((n) => VERSIONS[n].kind === 'git').map((n) => ({ name: n, kind: 'manifests' as const, key: n })),
  ];
  const relative = path.relative(process.cwd(), lock.file);
  const issues = unvendoredVersions(site.versions, components, lock, relative && !relative.startsWith('..') ? relative : lock.file);
  if (issues.length) throw new ConfigError(siteFileIssues(siteFile, issues.map((i) => ({ path: ['versions', i.name], message: i.message }))));
}

/**
 * The chart renderer of the checkout at `root`: its own vendored charts and committed renders, when
 * it has a vendor lock; undefined when it has none (this code's are rendered then). `memo`: `write`
 * reads the memo of the vendored files' hashes in its .synth-cache and keeps the lock parsed by this
 * code there (synth, which saves the memo with its other caches after a verified swap); `read` only
 * reads the memos (the parsed lock too) and writes none: its `saveCaches` saves nothing (the diff,
 * the preview: nothing is written to .synth-cache); `none` reads every vendored file. Like
 * any renderer, it keeps what helm rendered and the parsed chart objects in the checkout's
 * node_modules/.cache (lib/render/helm.ts `helmCacheDir`).
 */
export function checkoutRenderer(root: string, memo: 'write' | 'read' | 'none'): ChartRenderer | undefined {
  if (!fs.existsSync(path.join(root, VENDOR_LOCK))) return undefined;
  return new ChartRenderer({ root, hashMemo: memo !== 'none', ...(memo !== 'none' ? { code: checksCodeFingerprint() } : {}), ...(memo === 'read' ? { readOnlyCaches: true } : {}) });
}

/**
 * Loads the inputs, renders, and refuses a site over capacity (synth's steps before verify): the
 * files, facts and documents, and the chart renderer when it is the checkout's own (its memo of the
 * vendored files' hashes is saved with synth's other caches); the HA model of the files (verify's HA
 * rules read it) is put in `checked`, for the caller to let go of once verify is done.
 */
function renderChecked(options: SynthOptions, earlier: EarlierTexts | undefined, analysis: AnalysisCache | undefined, specs: AppSpecCache | undefined, appRenders: AppRenders | undefined, checked: { model?: HaModel }): { files: RenderedFile[]; facts: PlatformFacts; documents: RenderedDocuments; ownRenderer?: ChartRenderer } {
  const time = options.time;
  options.progress?.('loading');
  const { site, apps, lock } = timed(time, 'load', () => loadInputs(options.root, options.siteFile, options.appsDir, options.pinNames, options.layerNeeds, specs));
  // Without synth's cache, no memo of the vendored files' hashes is read (or written) either.
  const hashMemo = options.cache !== false;
  const ownRenderer = checkoutRenderer(options.root, hashMemo ? 'write' : 'none');
  const renderer = ownRenderer ?? new ChartRenderer({ hashMemo });
  const siteFile = options.siteFile ?? path.join(options.root, 'site.yaml');
  timed(time, 'load', () => refuseUnvendoredVersions(site, renderer.lock, siteFile));
  options.progress?.('rendering');
  const { files, facts, model, documents } = renderSiteAnalysed(site, options.layers, apps, lock, renderer, time, earlier, analysis, appRenders);
  timed(time, 'simulation', () => refuseOverCapacity(site, model, siteFile));
  checked.model = model;
  return { files, facts, documents, ...(ownRenderer ? { ownRenderer } : {}) };
}

/** The documents of a file of the outputs as they are on disk (the last verified tree's, unless edited since: verify checks), or undefined when it does not read. */
function previousDocuments(root: string, file: string): readonly unknown[] | undefined {
  try {
    return loadManifests(fs.readFileSync(path.join(root, file), 'utf8'), file);
  } catch {
    return undefined;
  }
}

/**
 * Holding the checkout's output lock: puts right an interrupted synth (before apps.lock.yaml is
 * read), loads and validates the site, renders, verifies the new tree before anything moves, then
 * writes the files that changed (`writeAtomically`). An error before the swap leaves every output
 * as it was; one during the swap is an `OutputError` that says what the outputs are now.
 */
export function synth(options: SynthOptions): SynthResult {
  return withOutputLock(options.root, () => {
    const recovered = recoverInterruptedSynth(options.root);
    if (recovered) (options.log ?? ((line) => console.error(`synth: ${line}`)))(recovered);
    // The previous render's folders, listed on the other core while this one loads and builds.
    const listed = startListing(options.root, COMPARED_OUTPUTS);
    const heapAtStart = heapUsed();
    const time = options.time;
    const cache = options.cache !== false;
    const checks = cache ? timed(time, 'load', () => new CheckCache(path.join(options.root, CHECK_CACHE_FILE))) : undefined;
    // What the last verified tree was made of: rules whose inputs did not change since are not run again.
    const verified = cache ? timed(time, 'load', () => new VerifiedTree(path.join(options.root, VERIFIED_TREE_FILE), checksCodeFingerprint())) : undefined;
    // Read under the output lock, before the render: what this render replaces, and (with the
    // document digests recorded) the texts of the objects that did not change since.
    // With the stats the last synth recorded, a file whose stat did not change is not read unless its text is needed.
    const stats = cache ? timed(time, 'load', () => new RenderStats(path.join(options.root, RENDER_STATS_FILE), checksCodeFingerprint())) : undefined;
    const before = timed(time, 'load', () => new PreviousRender(options.root, stats, COMPARED_OUTPUTS, listed));
    const earlier = stats ? new EarlierRender(stats, before) : undefined;
    // In a function of its own: the inputs and the chart renderer are garbage once it returns, not
    // held while verify holds the whole tree (thousands of apps: hundreds of MB); the HA model of
    // the render is verify's (its HA rules read it, not one built again from the same files).
    // The last node-failure analysis (lib/ha/analysis-cache.ts): this synth's is written with the other caches, after the swap.
    const analysis = cache ? new AnalysisCache(path.join(options.root, ANALYSIS_CACHE_FILE), checksCodeFingerprint(), 'deferred') : undefined;
    // The app specs validated by the last synth (lib/config/app-spec-cache.ts).
    const specs = cache ? timed(time, 'load', () => new AppSpecCache(path.join(options.root, APP_SPEC_CACHE_FILE), checksCodeFingerprint())) : undefined;
    // Each app's documents of the last render, by the key of its inputs (lib/render/app-renders.ts): written after the swap.
    const appRenders = cache ? timed(time, 'load', () => new AppRenders(path.join(options.root, APP_RENDERS_FILE), checksCodeFingerprint())) : undefined;
    // The HA model is verify's only: held here (not in a const of this scope) so that it can be let go once verify is done.
    const checked: { model?: HaModel } = {};
    const { files, facts, documents, ownRenderer } = renderChecked(options, earlier, analysis, specs, appRenders, checked);
    const registry = options.registry ?? new SchemaRegistry();
    const previous = timed(time, 'load', () => shareUnchanged(before, files));
    options.progress?.('verifying and writing');
    const writeStart = process.hrtime.bigint();
    let checkMs = 0;
    const written = writeAtomically(options.root, files, (tree) => {
      // No collection before verify: the simulation's garbage was collected after it when it ran and
      // grew the heap (collectAfter), and the staging's is young (the texts let go of once written).
      // A full collection here freed about 33 MB in 230 ms at 5,000 apps; leaving it out raised no
      // peak in eight runs.
      const t = process.hrtime.bigint();
      // A manifest's documents are the ones the render serialised into that very file: its text is not read.
      // Apps taken unchanged from their last (verified) render are vouched for; what verify checks of the others is recorded with their lines.
      const source = { ...tree, documents: (file: string) => { const f = tree.file(file); return f && documents.documentsOf(f); } };
      const findings = verifyTree(tree.dir, registry, facts, { source, parse: documents.parse, ...(checked.model ? { model: checked.model } : {}), ...(time ? { time } : {}), ...(options.ruleTime ? { ruleTime: options.ruleTime } : {}), ...(checks ? { checks } : {}), ...(appRenders ? { vouched: appRenders.vouching() } : {}), ...(verified ? { verified: { tree: verified, previous: (file: string) => previousDocuments(options.root, file) } } : {}) });
      checkMs = since(t);
      if (findings.length) throw new VerifyError(findings);
    }, { onDisk: onDiskFiles(options.root, previous, files, ownRenderer, stats), listed: (dir) => before.entries(dir) });
    time?.('write', since(writeStart) - checkMs);
    // Verify was the last reader of the documents and of the HA model: the saves below need only
    // the digests, and what they make then fills the room those leave (not the synth's peak memory).
    documents.release();
    delete checked.model;
    // A render that serialised most of its files writes its caches afresh (tens of MB at thousands
    // of apps): collected first when the heap is large, or V8 grows the heap for the saves instead.
    // A render that reused most texts appends a few lines: not worth a full collection.
    if (documents.dumped > documents.reused) timed(time, 'write', () => collectIfGrown(heapAtStart, COLLECT_AFTER_RENDER_BYTES));
    // Only a render that verified and was swapped in leaves its results for the next synth.
    if (checks) timed(time, 'write', () => checks.save());
    if (verified) timed(time, 'write', () => verified.save());
    if (analysis) timed(time, 'write', () => analysis.flush());
    if (specs) timed(time, 'write', () => specs.save());
    if (cache && ownRenderer) timed(time, 'write', () => ownRenderer.saveCaches());
    if (appRenders) timed(time, 'write', () => appRenders.save());
    // The render's stats, with each manifest's document and text digests (the text hashed once, for both), in one file.
    if (stats) timed(time, 'write', () => {
      const index = documents.index();
      const now = renderedStats(options.root, before, files, written.changed, COMPARED_OUTPUTS, (file) => index.get(file)?.[1], written.staged, written.alone);
      for (const [p, recorded] of committedRenderStats(options.root, files)) now.files.set(p, recorded);
      stats.save(now.files, now.dirs, index);
    });
    return { files, objects: countObjects(files), outputs: written.outputs, previous };
  });
}
