import { App } from 'cdk8s';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { setPlatformContext } from '../../lib/context';
import { UpstreamObjects } from '../../lib/constructs/upstream-objects';
import { Layer } from '../../lib/layer';
import { ChartRenderer } from '../../lib/render/chart-renderer';
import { hashTree } from '../../lib/vendor/lock';
import { resolveVersions } from '../../lib/versions';
import { shippedSite } from '../helpers';

export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');

/** The demo chart (test/fixtures/charts/demo) as a ChartVersion. */
export const DEMO_CHART = { kind: 'chart', repo: 'https://charts.example.com', chart: 'demo', version: '1.0.0' } as const;
/** The demo manifests (test/fixtures/manifests/demo) as a GitVersion. */
export const DEMO_MANIFESTS = { kind: 'git', repo: 'https://github.com/example/demo', path: 'deploy', version: 'v0.1.0' } as const;

/**
 * A checkout root with the demo chart and manifests vendored under vendor/ and recorded in
 * vendor/lock.yaml (hashes computed), optionally changed after the lock is written (`edit`: a
 * tampered vendor folder) or before it (`vendor`: another vendored chart, locked as it is).
 */
export function vendoredRoot(edit?: (root: string) => void, vendor?: (root: string) => void): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'upstream-'));
  const chart = path.join(root, 'vendor/charts/demo-1.0.0');
  const manifests = path.join(root, 'vendor/manifests/demo-v0.1.0');
  fs.cpSync(path.join(FIXTURES, 'charts/demo'), chart, { recursive: true });
  fs.cpSync(path.join(FIXTURES, 'manifests/demo'), manifests, { recursive: true });
  vendor?.(root);
  fs.writeFileSync(path.join(root, 'vendor/lock.yaml'), [
    'charts:',
    '  demo:',
    '    version: 1.0.0',
    '    path: vendor/charts/demo-1.0.0',
    '    repository: https://github.com/example/demo-chart',
    '    ref: demo-1.0.0',
    '    commit: 0000000000000000000000000000000000000000',
    `    sha256: ${hashTree(chart)}`,
    '    dependencies: []',
    'manifests:',
    '  demo:',
    '    version: v0.1.0',
    '    path: vendor/manifests/demo-v0.1.0',
    '    repository: https://github.com/example/demo',
    '    ref: v0.1.0',
    '    commit: 0000000000000000000000000000000000000000',
    `    sha256: ${hashTree(manifests)}`,
    '',
  ].join('\n'));
  edit?.(root);
  return root;
}

/** A platform app with one layer `demo`, built by `build`, rendered with a renderer over `root`. */
export function renderDemo(root: string, build: (layer: Layer) => void, options: { fresh?: boolean } = {}): { objects: Obj[]; layer: Layer; renderer: ChartRenderer } {
  const app = new App();
  const site = shippedSite();
  setPlatformContext(app, { site, versions: resolveVersions(site.versions), apps: [] });
  const layer = new Layer(app, { name: 'demo', description: 'd', namespace: 'demo' });
  build(layer);
  const renderer = new ChartRenderer({ root, fresh: options.fresh ?? true });
  UpstreamObjects.materializeAll(app, renderer, []);
  return { objects: layer.toJson() as Obj[], layer, renderer };
}
