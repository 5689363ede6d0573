import * as fs from 'fs';
import * as path from 'path';
import { renderWorkingTreeCounted } from '../../lib/diff/command';
import { ANALYSIS_CACHE_FILE } from '../../lib/ha/analysis-cache';
import { APP_RENDERS_FILE } from '../../lib/render/app-renders';
import { RENDER_INDEX_FILE } from '../../lib/render/text-index';
import { generatedApp } from '../../scripts/bench-apps';
import { withSynthesizedApps } from '../helpers';

const apps = Object.fromEntries([0, 6, 8].map((i) => [generatedApp(i).name, generatedApp(i).text]));
const byPath = (files: readonly { path: string; content: string; executable?: boolean }[]) => new Map(files.map((f) => [f.path, `${f.executable ? 'x' : '-'}${f.content}`]));

describe('the diff\'s render of the working tree', () => {
  test('GIVEN a synthesized checkout with its render index and node-failure analysis WHEN an app changed and the working tree is rendered with the index, without it, and with them garbled THEN the three renders are the same files, byte for byte, only the first reused texts of dist/ and unchanged apps\' renders, and synth\'s caches are left as they were', () => {
    withSynthesizedApps(apps, (root) => {
      expect(fs.existsSync(path.join(root, RENDER_INDEX_FILE))).toBe(true);
      const analysisBefore = fs.readFileSync(path.join(root, ANALYSIS_CACHE_FILE), 'utf8');
      const appRendersBefore = fs.readFileSync(path.join(root, APP_RENDERS_FILE), 'utf8');
      const changed = generatedApp(6, '9.9.9');
      fs.writeFileSync(path.join(root, 'apps', `${changed.name}.yaml`), changed.text);
      const first = renderWorkingTreeCounted(root);
      // The index was used: most manifests took their text from dist/, and the changed app's were serialised.
      expect(first.reused).toBeGreaterThan(first.serialised);
      expect(first.serialised).toBeGreaterThan(0);
      // The unchanged apps were taken from synth's app renders, not built; the changed one was built.
      expect(first.appsReused).toBe(fs.readdirSync(path.join(root, 'apps')).filter((f) => f.endsWith('.yaml')).length - 1);
      expect(fs.readFileSync(path.join(root, APP_RENDERS_FILE), 'utf8')).toBe(appRendersBefore);
      const withIndex = byPath(first.files);
      expect(fs.readFileSync(path.join(root, ANALYSIS_CACHE_FILE), 'utf8')).toBe(analysisBefore);
      const index = fs.readFileSync(path.join(root, RENDER_INDEX_FILE), 'utf8');
      fs.writeFileSync(path.join(root, RENDER_INDEX_FILE), index.replace(/[0-9a-f]{64}/g, (h) => [...h].reverse().join('')));
      fs.writeFileSync(path.join(root, ANALYSIS_CACHE_FILE), analysisBefore.replace(/[0-9]/g, (d) => String((Number(d) + 1) % 10)));
      fs.writeFileSync(path.join(root, APP_RENDERS_FILE), appRendersBefore.replace(/"replicas":\d+/g, '"replicas":7'));
      const garbledRun = renderWorkingTreeCounted(root);
      expect(garbledRun.reused).toBe(0);
      expect(garbledRun.appsReused).toBe(0);
      const garbled = byPath(garbledRun.files);
      fs.rmSync(path.join(root, RENDER_INDEX_FILE));
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
});
