import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../../lib/config/errors';
import { renderWorkingTreeCounted } from '../../lib/diff/command';
import { synth } from '../../lib/synth';
import { readVendorLock, unvendoredVersions } from '../../lib/vendor/lock';
import { REPO } from '../helpers';
import { outputsOf, scratchCheckout } from '../scratch-checkout';

/**
 * A site.yaml `versions:` override of a chart or manifest set that vendor/lock.yaml does not hold:
 * refused at the position of the version in site.yaml (it was refused later by the render, with no
 * position), saying which versions are vendored.
 */

const SITE = fs.readFileSync(path.join(REPO, 'site.yaml'), 'utf8');
const LOCK = readVendorLock(REPO);

/** The shipped site with `versions:` as given (the shipped one is `versions: {}`). */
function withVersions(versions: string): string {
  expect(SITE).toMatch(/^versions: \{\}$/m);
  return SITE.replace(/^versions: \{\}$/m, versions);
}

/** The line (1-based) of `needle` in `text`. */
function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

describe('site.yaml versions: of a chart or manifest set that is not vendored', () => {
  test('GIVEN versions: { metallb: 0.99.0 } and a manifest set at a version not vendored WHEN synth runs THEN a ConfigError at each version\'s site.yaml line:col lists the vendored version, and no output changed', () => {
    const site = withVersions('versions:\n  metallb: 0.99.0\n  keycloak-operator: "27.0.0"\n  k3s: v1.34.0+k3s1\n');
    const root = scratchCheckout('unvendored', { site });
    roots.push(root);
    const before = outputsOf(root);
    let error: unknown;
    try {
      synth({ root });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const siteFile = path.relative(process.cwd(), path.join(root, 'site.yaml'));
    const lock = path.relative(process.cwd(), LOCK.file);
    expect((error as ConfigError).issues).toEqual([
      {
        file: siteFile, line: lineOf(site, '  metallb: 0.99.0'), column: 12, field: 'versions.metallb',
        message: `chart metallb 0.99.0 is not vendored: ${lock} holds ${LOCK.charts.metallb.version} (allowed: ${LOCK.charts.metallb.version}); write ${LOCK.charts.metallb.version}, or vendor 0.99.0 first (npm run vendor -- metallb 0.99.0)`,
      },
      {
        file: siteFile, line: lineOf(site, '  keycloak-operator:'), column: 22, field: 'versions.keycloak-operator',
        message: `manifest set keycloak-operator 27.0.0 is not vendored: ${lock} holds ${LOCK.manifests['keycloak-operator'].version} (allowed: ${LOCK.manifests['keycloak-operator'].version}); write ${LOCK.manifests['keycloak-operator'].version}, or vendor 27.0.0 first (npm run vendor -- keycloak-operator 27.0.0)`,
      },
    ]);
    // An image or binary (k3s) is not vendored: any pinned version of it is the site's to choose.
    expect(outputsOf(root)).toEqual(before);
  });

  test('GIVEN a chart pin whose name is not its chart\'s (argocd: the chart argo-cd) WHEN the diff renders the working tree THEN it is refused the same way, naming the pin to vendor', () => {
    const site = withVersions('versions: { argocd: 9.9.9 }');
    const root = scratchCheckout('unvendored-diff', { site });
    roots.push(root);
    let error: unknown;
    try {
      renderWorkingTreeCounted(root);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(new RegExp(`site\\.yaml:${lineOf(site, 'versions:')}:21: versions\\.argocd: chart argo-cd 9\\.9\\.9 is not vendored: .*lock\\.yaml holds ${LOCK.charts['argo-cd'].version.replace(/\./g, '\\.')} \\(allowed: .*\\); write .*, or vendor 9\\.9\\.9 first \\(npm run vendor -- argocd 9\\.9\\.9\\)`));
  });

  test('GIVEN the vendored version written out, or no lock entry at all WHEN checked THEN the first passes and the second says nothing is vendored yet', () => {
    const components = [{ name: 'metallb', kind: 'chart' as const, key: 'metallb' }, { name: 'new-chart', kind: 'chart' as const, key: 'new' }];
    expect(unvendoredVersions({ metallb: LOCK.charts.metallb.version }, components, LOCK, 'vendor/lock.yaml')).toEqual([]);
    expect(unvendoredVersions({ 'new-chart': '1.0.0' }, components, LOCK, 'vendor/lock.yaml')).toEqual([
      { name: 'new-chart', message: 'chart new 1.0.0 is not vendored: vendor/lock.yaml has no charts.new (no version of it is allowed yet); vendor it first (npm run vendor -- new-chart 1.0.0)' },
    ]);
  });

  test('GIVEN synth as a process with versions: { metallb: 0.99.0 } (it said "chart metallb is pinned to 0.99.0, but vendor/lock.yaml vendors 0.15.2", no file or line) THEN exit 1 with the site.yaml position, no stack trace', () => {
    const site = withVersions('versions: { metallb: 0.99.0 }');
    const root = scratchCheckout('unvendored-cli', { site });
    roots.push(root);
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'tsys.js'), 'synth', '--root', root], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe('synth failed: invalid configuration (1 problem):');
    expect(r.stderr.split('\n')[1]).toMatch(new RegExp(`^  site\\.yaml:${lineOf(site, 'versions:')}:22: versions\\.metallb: chart metallb 0\\.99\\.0 is not vendored: .*lock\\.yaml holds 0\\.15\\.2 \\(allowed: 0\\.15\\.2\\)`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
