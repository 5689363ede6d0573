// What the write takes as already on disk without reading it (lib/render/on-disk.ts onDiskFiles), and the
// render stats of the committed chart renders (committedRenderStats) that vouch for it next time.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { sha256 } from '../lib/cache-file';
import { RenderStats } from '../lib/render/render-stats';
import type { RenderedFile } from '../lib/render/rendered-file';
import { committedRenderStats, onDiskFiles } from '../lib/render/on-disk';

const TEXT = '# helm\n# key: k\nkind: ConfigMap\n';

describe('committed chart renders vouched for by the render stats', () => {
  let root: string;
  let statsFile: string;
  const asked: string[] = [];
  /** A rendered file whose digest is known and whose text is read only when asked (as a trusted chart render's). */
  const lazy = (p: string, text: string): RenderedFile => ({ path: p, digest: sha256(text), get content() { asked.push(p); return text; } });
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'on-disk-'));
    fs.mkdirSync(path.join(root, 'render-cache'));
    fs.writeFileSync(path.join(root, 'render-cache', 'a.yaml'), TEXT);
    // Changed well before its stat is taken (render-stats SETTLED_MS).
    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(root, 'render-cache', 'a.yaml'), past, past);
    statsFile = path.join(root, '.synth-cache', 'render-stats.entries');
    asked.length = 0;
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  /** Records the stats of `files` as a synth does after its swap, once the file's change time is old enough. */
  const recorded = async (files: RenderedFile[]): Promise<RenderStats> => {
    await new Promise((resolve) => setTimeout(resolve, 120));
    new RenderStats(statsFile, 'code').save(committedRenderStats(root, files));
    return new RenderStats(statsFile, 'code');
  };

  test('GIVEN a committed render recorded with its digest WHEN the next synth renders the same digest THEN the write takes it as on disk and its text is not asked for', async () => {
    const stats = await recorded([lazy('render-cache/a.yaml', TEXT)]);
    const file = lazy('render-cache/a.yaml', TEXT);
    expect(onDiskFiles(root, [], [file], undefined, stats).get('render-cache/a.yaml')).toBe(file);
    expect(asked).toEqual([]);
  });

  test('GIVEN a recorded committed render WHEN it is edited keeping its size, or the render gives another digest THEN it is not taken as on disk', async () => {
    const stats = await recorded([lazy('render-cache/a.yaml', TEXT)]);
    expect(onDiskFiles(root, [], [lazy('render-cache/a.yaml', TEXT.replace('k\n', 'j\n'))], undefined, stats).size).toBe(0);
    fs.writeFileSync(path.join(root, 'render-cache', 'a.yaml'), TEXT.replace('ConfigMap', 'ConfigMaq'));
    expect(onDiskFiles(root, [], [lazy('render-cache/a.yaml', TEXT)], undefined, new RenderStats(statsFile, 'code')).size).toBe(0);
  });

  test('GIVEN committed renders without a digest, files outside render-cache/, or a file changed just now WHEN their stats are taken THEN none is recorded', async () => {
    fs.mkdirSync(path.join(root, 'docs'));
    fs.writeFileSync(path.join(root, 'docs', 'b.md'), 'b\n');
    fs.writeFileSync(path.join(root, 'render-cache', 'c.yaml'), TEXT);
    await new Promise((resolve) => setTimeout(resolve, 120));
    fs.writeFileSync(path.join(root, 'render-cache', 'd.yaml'), TEXT);
    const stats = committedRenderStats(root, [{ path: 'render-cache/c.yaml', content: TEXT }, lazy('docs/b.md', 'b\n'), lazy('render-cache/d.yaml', TEXT), lazy('render-cache/a.yaml', TEXT)]);
    expect([...stats.keys()]).toEqual(['render-cache/a.yaml']);
    expect(stats.get('render-cache/a.yaml')![1]).toBe(sha256(TEXT));
  });
});
