import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { diffWorkingTree, renderWorkingTreeCounted, summaryFile } from '../../lib/diff/command';
import { renderMarkdown } from '../../lib/diff/markdown';
import { renderTerminal } from '../../lib/diff/terminal';
import { ANALYSIS_CACHE_FILE } from '../../lib/ha/analysis-cache';
import { APP_RENDERS_FILE } from '../../lib/render/app-renders';
import { RENDER_STATS_FILE } from '../../lib/render/render-stats';
import { APP_SPEC_CACHE_FILE } from '../../lib/config/app-spec-cache';
import * as listingWorker from '../../lib/render/listing-worker';
import { generatedApp } from '../../scripts/bench-apps';
import { withSynthesizedApps } from '../helpers';

const apps = Object.fromEntries([0, 6, 8].map((i) => [generatedApp(i).name, generatedApp(i).text]));
const byPath = (files: readonly { path: string; content: string; executable?: boolean }[]) => new Map(files.map((f) => [f.path, `${f.executable ? 'x' : '-'}${f.content}`]));

describe('the diff\'s render of the working tree', () => {
  test('GIVEN a synthesized checkout with its render index and node-failure analysis WHEN an app changed and the working tree is rendered with the index, without it, and with them garbled THEN the three renders are the same files, byte for byte, only the first reused texts of dist/ and unchanged apps\' renders, and synth\'s caches are left as they were', () => {
    withSynthesizedApps(apps, (root) => {
      expect(fs.existsSync(path.join(root, RENDER_STATS_FILE))).toBe(true);
      const analysisBefore = fs.readFileSync(path.join(root, ANALYSIS_CACHE_FILE), 'utf8');
      const appRendersBefore = fs.readFileSync(path.join(root, APP_RENDERS_FILE), 'utf8');
      const changed = generatedApp(6, '9.9.9');
      fs.writeFileSync(path.join(root, 'apps', `${changed.name}.yaml`), changed.text);
      const first = renderWorkingTreeCounted(root);
      // The index was used: most manifests took their text from dist/, and the changed app's were serialised.
      expect(first.reused).toBeGreaterThan(first.serialised);
      expect(first.serialised).toBeGreaterThan(0);
      // The texts taken from dist/ that the render stats vouch for are known to be the files on disk (the diff reads none of them):
      // most of them; a file synth wrote just before it recorded the stats had not settled then and is read (render-stats.ts `settled`).
      expect(first.onDisk.size).toBeGreaterThan(first.reused / 2);
      expect(first.onDisk.size).toBeLessThanOrEqual(first.reused);
      // The unchanged apps were taken from synth's app renders, not built; the changed one was built.
      expect(first.appsReused).toBe(fs.readdirSync(path.join(root, 'apps')).filter((f) => f.endsWith('.yaml')).length - 1);
      expect(fs.readFileSync(path.join(root, APP_RENDERS_FILE), 'utf8')).toBe(appRendersBefore);
      const withIndex = byPath(first.files);
      expect(fs.readFileSync(path.join(root, ANALYSIS_CACHE_FILE), 'utf8')).toBe(analysisBefore);
      const index = fs.readFileSync(path.join(root, RENDER_STATS_FILE), 'utf8');
      fs.writeFileSync(path.join(root, RENDER_STATS_FILE), index.replace(/[0-9a-f]{64}/g, (h) => [...h].reverse().join('')));
      fs.writeFileSync(path.join(root, ANALYSIS_CACHE_FILE), analysisBefore.replace(/[0-9]/g, (d) => String((Number(d) + 1) % 10)));
      fs.writeFileSync(path.join(root, APP_RENDERS_FILE), appRendersBefore.replace(/"replicas":\d+/g, '"replicas":7'));
      const garbledRun = renderWorkingTreeCounted(root);
      expect(garbledRun.reused).toBe(0);
      expect(garbledRun.appsReused).toBe(0);
      const garbled = byPath(garbledRun.files);
      fs.rmSync(path.join(root, RENDER_STATS_FILE));
      fs.rmSync(path.join(root, ANALYSIS_CACHE_FILE));
      fs.rmSync(path.join(root, APP_RENDERS_FILE));
      const withoutRun = renderWorkingTreeCounted(root);
      expect(withoutRun.reused).toBe(0);
      expect(withoutRun.appsReused).toBe(0);
      const without = byPath(withoutRun.files);
      expect(withIndex).toEqual(without);
      expect(garbled).toEqual(without);
      expect([...without.values()].some((t) => t.includes(`${changed.name}:9.9.9`))).toBe(true);
    });
  });

  test('GIVEN a synthesized checkout without render stats, or with stats written by other code WHEN the working tree is rendered THEN no listing of dist/ is started on the other core (without usable stats the render reads files one at a time), and with them one is', () => {
    withSynthesizedApps(apps, (root) => {
      const started = jest.spyOn(listingWorker, 'startListing');
      try {
        const file = path.join(root, RENDER_STATS_FILE);
        const recorded = fs.readFileSync(file, 'utf8');
        const withStats = byPath(renderWorkingTreeCounted(root).files);
        expect(started).toHaveBeenCalledTimes(1);
        started.mockClear();
        fs.writeFileSync(file, recorded.replace(/"code":"[^"]*"/, '"code":"other code"'));
        expect(byPath(renderWorkingTreeCounted(root).files)).toEqual(withStats);
        fs.rmSync(file);
        expect(byPath(renderWorkingTreeCounted(root).files)).toEqual(withStats);
        expect(started).not.toHaveBeenCalled();
      } finally {
        started.mockRestore();
      }
    });
  });

  test('GIVEN a synthesized checkout committed to git, with an app changed, one removed and one added in the working tree WHEN diffed with synth\'s caches, with them garbled and without them THEN the Markdown, the terminal view and the summary are the same, byte for byte, and the caches are left as they were', () => {
    withSynthesizedApps(apps, (root) => {
      const git = (...args: string[]) => execFileSync('git', ['-C', root, '-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { encoding: 'utf8' });
      git('init', '-q', '-b', 'main');
      git('add', '-A', '--', 'dist', 'argocd', 'docs', 'reports', 'apps', 'site.yaml');
      git('commit', '-q', '-m', 'base');
      const changed = generatedApp(6, '9.9.9');
      fs.writeFileSync(path.join(root, 'apps', `${changed.name}.yaml`), changed.text);
      fs.rmSync(path.join(root, 'apps', `${generatedApp(8).name}.yaml`));
      const added = generatedApp(9);
      fs.writeFileSync(path.join(root, 'apps', `${added.name}.yaml`), added.text);
      // Those synth wrote (the node-failure analysis is not written again when this process already has it).
      const caches = [RENDER_STATS_FILE, ANALYSIS_CACHE_FILE, APP_RENDERS_FILE, APP_SPEC_CACHE_FILE].map((f) => path.join(root, f)).filter((f) => fs.existsSync(f));
      expect(caches.length).toBeGreaterThanOrEqual(3);
      const before = caches.map((f) => fs.readFileSync(f, 'utf8'));
      const outputs = () => {
        const run = diffWorkingTree({ root, base: 'HEAD' });
        const labels = { base: run.baseLabel, head: run.headLabel };
        return { markdown: renderMarkdown(run.diff, labels), terminal: renderTerminal(run.diff, { ...labels, color: false }), summary: summaryFile(run) };
      };
      const warm = outputs();
      expect(caches.map((f) => fs.readFileSync(f, 'utf8'))).toEqual(before);
      expect(warm.summary.summary).toMatchObject({ added: expect.any(Number), removed: expect.any(Number), changed: expect.any(Number) });
      expect(warm.summary.summary.added).toBeGreaterThan(0);
      expect(warm.summary.summary.removed).toBeGreaterThan(0);
      expect(warm.markdown).toContain(`${changed.name}:9.9.9`);
      caches.forEach((f, i) => fs.writeFileSync(f, before[i].replace(/[0-9a-f]{64}/g, (h) => [...h].reverse().join('')).replace(/"replicas":\d+/g, '"replicas":7')));
      expect(outputs()).toEqual(warm);
      for (const f of caches) fs.rmSync(f);
      expect(outputs()).toEqual(warm);
    });
  });

  test('GIVEN a synthesized checkout committed to git WHEN files of dist/ are edited by hand since (one\'s bytes changed, one rewritten with the same bytes), an app changed, and the working tree diffed with synth\'s caches and without them THEN the diffs are the same, byte for byte: the edit, which the render replaces, is not a change', () => {
    withSynthesizedApps(apps, (root) => {
      const git = (...args: string[]) => execFileSync('git', ['-C', root, '-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { encoding: 'utf8' });
      git('init', '-q', '-b', 'main');
      git('add', '-A', '--', 'dist', 'argocd', 'docs', 'reports', 'apps', 'site.yaml');
      git('commit', '-q', '-m', 'base');
      const manifests = git('ls-files', '--', 'dist/apps').split('\n').filter((f) => f.endsWith('.yaml'));
      expect(manifests.length).toBeGreaterThan(2);
      const [edited, rewritten] = manifests;
      fs.appendFileSync(path.join(root, edited), '# edited by hand\n');
      const text = fs.readFileSync(path.join(root, rewritten));
      fs.rmSync(path.join(root, rewritten));
      fs.writeFileSync(path.join(root, rewritten), text);
      const changed = generatedApp(6, '9.9.9');
      fs.writeFileSync(path.join(root, 'apps', `${changed.name}.yaml`), changed.text);
      const outputs = () => {
        const run = diffWorkingTree({ root, base: 'HEAD' });
        const labels = { base: run.baseLabel, head: run.headLabel };
        return { markdown: renderMarkdown(run.diff, labels), summary: summaryFile(run) };
      };
      const warm = outputs();
      expect(warm.markdown).toContain(`${changed.name}:9.9.9`);
      expect(warm.markdown).not.toContain(edited);
      for (const f of [RENDER_STATS_FILE, APP_RENDERS_FILE]) fs.rmSync(path.join(root, f));
      expect(outputs()).toEqual(warm);
    });
  });
});
