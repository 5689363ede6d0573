import * as path from 'path';
import { loadSite } from './config/load';
import { TEXT_FILE_ROOTS } from './constructs/text-file';
import type { Site } from './config/schema';
import type { LayerFactory } from './context';
import { buildPlatform } from './platform';
import { renderPlatform, RenderedFile } from './render/render';
import { writeAtomically } from './render/write';
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
  return files.filter((f) => !f.path.endsWith('kustomization.yaml') && !TEXT_FILE_ROOTS.some((root) => f.path.startsWith(root))).length;
}

/** Builds the platform for a validated site and renders it to files (no I/O). */
export function renderSite(site: Site, layers?: readonly LayerFactory[]): RenderedFile[] {
  return renderPlatform(buildPlatform(site, layers));
}

/**
 * Load and validate the site, render, verify in a temporary folder, then swap the result in
 * for `dist/` and `argocd/`. Any error throws and leaves both folders as they were.
 */
export function synth(options: SynthOptions): SynthResult {
  const site = loadSite(options.siteFile ?? path.join(options.root, 'site.yaml'));
  const files = renderSite(site, options.layers);
  const registry = options.registry ?? new SchemaRegistry();
  writeAtomically(options.root, files, (tmp) => {
    const findings = verifyTree(tmp, registry);
    if (findings.length) throw new VerifyError(findings);
  });
  return { files, objects: countObjects(files) };
}
