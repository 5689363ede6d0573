import * as fs from 'fs';
import * as path from 'path';
import { ChartRenderer } from './render/chart-renderer';
import { VENDOR_LOCK } from './vendor/lock';
import type { AppSpec } from './config/app-schema';
import { loadSite } from './config/load';
import { loadApps } from './config/load-apps';
import { TEXT_FILE_ROOTS } from './constructs/text-file';
import type { Site } from './config/schema';
import type { LayerFactory } from './context';
import { failureReportFile } from './ha/analysis';
import { buildPlatform } from './platform';
import { renderPlatformWithFacts, RenderedFile } from './render/render';
import type { PlatformFacts } from './facts/facts';
import { ROOT_FILES, writeAtomically } from './render/write';
import { AppsLock, LOCK_FILE, readLock } from './paas/lock';
import { SchemaRegistry } from './verify/schemas';
import { Finding, formatFinding, verifyTree } from './verify/verify';

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
  /** @default a registry over imports/schemas */
  readonly registry?: SchemaRegistry;
}

export interface SynthResult {
  readonly files: readonly RenderedFile[];
  readonly objects: number;
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

/** Loads and validates `site.yaml`, the app specs of `apps/` and `apps.lock.yaml`; throws naming every problem. */
export function loadInputs(root: string, siteFile?: string, appsDir?: string): PlatformInputs {
  const site = loadSite(siteFile ?? path.join(root, 'site.yaml'));
  const apps = loadApps(appsDir ?? path.join(root, 'apps'), site);
  const lock = readLock(path.join(root, LOCK_FILE), site.paas.pool);
  return { site, apps, lock };
}

/**
 * Builds the platform for a validated site (and its apps) and renders it to files (no I/O), with
 * the node-failure report computed from those files (reports/failure-simulation.md); `lock` is the
 * committed apps.lock.yaml, whose addresses are kept.
 */
export function renderSite(site: Site, layers?: readonly LayerFactory[], apps: readonly AppSpec[] = [], lock?: AppsLock, renderer?: ChartRenderer): RenderedFile[] {
  return renderSiteWithFacts(site, layers, apps, lock, renderer).files;
}

/** renderSite, with the typed facts the build declared (lib/facts), for checks that follow in the same process. */
export function renderSiteWithFacts(site: Site, layers?: readonly LayerFactory[], apps: readonly AppSpec[] = [], lock?: AppsLock, renderer?: ChartRenderer): { files: RenderedFile[]; facts: PlatformFacts } {
  const { files, facts } = renderPlatformWithFacts(buildPlatform(site, layers, apps, lock, renderer));
  return { files: [...files, failureReportFile(files, facts)].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), facts };
}

/**
 * Load and validate the site, render, verify in a temporary folder, then swap the result in
 * for `dist/` and `argocd/`. Any error throws and leaves both folders as they were.
 */
export function synth(options: SynthOptions): SynthResult {
  const { site, apps, lock } = loadInputs(options.root, options.siteFile, options.appsDir);
  // The checkout's own vendored charts and committed renders when it has them, else this code's.
  const renderer = fs.existsSync(path.join(options.root, VENDOR_LOCK)) ? new ChartRenderer({ root: options.root }) : new ChartRenderer();
  const { files, facts } = renderSiteWithFacts(site, options.layers, apps, lock, renderer);
  const registry = options.registry ?? new SchemaRegistry();
  writeAtomically(options.root, files, (tmp) => {
    const findings = verifyTree(tmp, registry, facts);
    if (findings.length) throw new VerifyError(findings);
  });
  return { files, objects: countObjects(files) };
}
