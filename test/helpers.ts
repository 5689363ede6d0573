import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError, formatIssue } from '../lib/config/errors';
import { parseApp } from '../lib/config/load-apps';
import { loadSite } from '../lib/config/load';
import type { Site } from '../lib/config/schema';
import { App } from 'cdk8s';
import { LayerFactory, PlatformContext, setPlatformContext } from '../lib/context';
import { enabledLayers, LAYER_NEEDS, LAYERS } from '../lib/layers';
import { LOCK_FILE } from '../lib/paas/lock';
import type { RenderedFile } from '../lib/render/rendered-file';
import { loadInputs, renderSite, synth } from '../lib/synth';
import { resolveVersions } from '../lib/versions';
import { parse } from 'yaml';
import { toYamlDocument } from '../lib/render/rendered-file';
import type { SchemaRegistry } from '../lib/verify/schemas';
import { formatFinding, verifyTree } from '../lib/verify/verify';

export const REPO = path.resolve(__dirname, '..');

/** The shipped site.yaml, validated. */
export function shippedSite(): Site {
  return loadSite(path.join(REPO, 'site.yaml'));
}

/** The shipped site with changes applied to a mutable copy (for construct tests). */
export function siteWith(change: (site: any) => void): Site { // eslint-disable-line @typescript-eslint/no-explicit-any
  const copy = JSON.parse(JSON.stringify(shippedSite()));
  change(copy);
  return copy;
}

/**
 * What `f` throws, or undefined when it returns: for a test that expects a call to fail and then
 * asserts on the error (instead of a try/catch copied into each test).
 */
export function thrownBy(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Every file under `dir` with its content, keyed by relative path. */
export function snapshotTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name), `${rel}${e.name}/`);
      else out.set(`${rel}${e.name}`, fs.readFileSync(path.join(d, e.name), 'utf8'));
    }
  };
  walk(dir, '');
  return out;
}

/** The shipped site with the shipped apps (apps/) and address lock (apps.lock.yaml), rendered: what synth writes. */
export function shippedRender(): RenderedFile[] {
  const { site, apps, lock } = loadInputs(REPO);
  return renderSite(site, undefined, apps, lock);
}

/** A temporary repo root holding a copy of the committed dist/ and argocd/, and the shipped apps/ and apps.lock.yaml. */
export function tempRootWithOutputs(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-test-'));
  for (const dir of ['dist', 'argocd', 'apps']) fs.cpSync(path.join(REPO, dir), path.join(root, dir), { recursive: true });
  fs.copyFileSync(path.join(REPO, LOCK_FILE), path.join(root, LOCK_FILE));
  return root;
}

/**
 * A temporary checkout (tempRootWithOutputs) with the shipped site.yaml and `apps` (name -> spec
 * text) beside the shipped apps, synthesized once; `check` reads it, and the folder is removed after.
 */
export function withSynthesizedApps(apps: Readonly<Record<string, string>>, check: (root: string) => void): void {
  const root = tempRootWithOutputs();
  try {
    fs.copyFileSync(path.join(REPO, 'site.yaml'), path.join(root, 'site.yaml'));
    for (const [name, text] of Object.entries(apps)) fs.writeFileSync(path.join(root, 'apps', `${name}.yaml`), text);
    synth({ root });
    check(root);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** Writes `files` (relative path -> content) under a new temporary folder. */
export function writeTree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-tree-'));
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  return root;
}

/**
 * The findings of verify over `rendered` (a render's files) written to a temporary tree after
 * `change` edited them: its manifests as parsed objects (delete or change one), every other file
 * (kustomizations, host files, docs, render-cache) as text.
 */
export function verifyChangedRender(rendered: readonly RenderedFile[], registry: SchemaRegistry, change: (files: Map<string, any>) => void): string[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  const raw = (p: string) => p.endsWith('kustomization.yaml') || !p.endsWith('.yaml') || p.startsWith('dist/hosts/') || p.startsWith('docs/') || p.startsWith('render-cache/');
  const files = new Map<string, unknown>(rendered.map((f) => [f.path, raw(f.path) ? f.content : parse(f.content)]));
  change(files);
  const root = writeTree(Object.fromEntries([...files].map(([p, o]) => [p, typeof o === 'string' ? o : toYamlDocument(o)])));
  try {
    return verifyTree(root, registry).map(formatFinding);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/**
 * The names of the layers `site` builds from `factories` (their `dist/<name>` folders and Applications),
 * sorted: read from the layer index, so a new layer needs no list in a test.
 */
export function layerNames(site: Site, factories: readonly LayerFactory[] = LAYERS): string[] {
  const app = new App();
  const ctx: PlatformContext = { site, versions: resolveVersions(site.versions), apps: [] };
  setPlatformContext(app, ctx);
  return enabledLayers(site, factories).map((make) => make(app, ctx).layerName).sort();
}

/**
 * The problems an app spec's `text` has on `site`, as synth's load reports them (`file:line:col:
 * field: message`, with what the layers of the index take: LAYER_NEEDS); empty when it is valid.
 */
export function appSpecIssues(text: string, site: Site, file = 'apps/demo.yaml'): string[] {
  try {
    parseApp(text, file, site, LAYER_NEEDS);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map(formatIssue);
    throw e;
  }
  return [];
}

/** An entries file of synth's caches (lib/cache-file.ts `EntriesFile`) as its header and its entries, in file order (every block's, intact or not). */
export function readEntriesText(text: string): { header: { format: number; code: string }; entries: [string, string][] } {
  const [header, ...lines] = text.split('\n');
  const entries = lines.filter((l) => l !== '' && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('\t')), l.slice(l.indexOf('\t') + 1)] as [string, string]);
  return { header: JSON.parse(header), entries };
}

/** The text of an entries file with `header` and `entries` as one intact block (its hash matches: a forged but well-formed file). */
export function entriesText(header: { format: number; code: string }, entries: readonly (readonly [string, string])[]): string {
  const body = entries.map(([k, v]) => `${k}\t${v}\n`).join('');
  return `${JSON.stringify(header)}\n#${createHash('sha256').update(body).digest('hex')} ${entries.length}\n${body}`;
}
