import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cacheFileText, ChartRender, readCacheFile } from '../../lib/render/chart-renderer';
import { HELM } from '../../lib/render/helm';

const KEY = 'a'.repeat(64);
const SOURCE = { path: 'vendor/charts/demo-1.0.0' };
const header = (release: string, key = KEY, text = RENDER) => `# helm ${HELM.version} template ${release} ${SOURCE.path}: written by npm run synth, reused while the key matches and the render's sha256 is ${createHash('sha256').update(text).digest('hex')}. Not applied by Argo CD.\n# key: ${key}\n`;
const RENDER = '---\n# Source: demo/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  note: "caf\u00e9"\n';

/** A render as `cached` makes it from a cache file on disk with `content`. */
function readBack(content: string): ChartRender {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cache-file-text-')), 'demo.yaml');
  fs.writeFileSync(file, content);
  const read = readCacheFile(file)!;
  return { key: read.key, text: read.text, source: SOURCE, origin: 'committed', file: read.file };
}

describe('cacheFileText: a render read from its cache file is written back as that file, one string in memory', () => {
  test('GIVEN a render read from the file of its own release WHEN its cache file text is made THEN it is the string read, byte for byte the header and the render', () => {
    const content = header('demo') + RENDER;
    const render = readBack(content);
    const text = cacheFileText(render, { release: 'demo' });
    expect(text).toBe(render.file);
    expect(text).toBe(header('demo') + render.text);
  });

  test('GIVEN the file was read under another release name WHEN its cache file text is made for this release THEN the header names this release (a new text)', () => {
    const render = readBack(header('old-name') + RENDER);
    expect(cacheFileText(render, { release: 'demo' })).toBe(header('demo') + RENDER);
  });

  test('GIVEN a render whose cache file text was made WHEN made again for the same release, then for another THEN the same string, then the other header', () => {
    const render = readBack(header('demo') + RENDER);
    expect(cacheFileText(render, { release: 'demo' })).toBe(render.file);
    expect(cacheFileText(render, { release: 'demo' })).toBe(render.file);
    expect(cacheFileText(render, { release: 'renamed' })).toBe(header('renamed') + RENDER);
    expect(cacheFileText(render, { release: 'demo' })).toBe(render.file);
  });

  test('GIVEN a render whose file does not end with its text WHEN its cache file text is made THEN the header and the text are written, not the file', () => {
    const render = { ...readBack(header('demo') + RENDER), text: RENDER.replace('demo', 'other') };
    expect(cacheFileText(render, { release: 'demo' })).toBe(header('demo', KEY, render.text) + render.text);
  });

  test('GIVEN a render helm made (no file) WHEN its cache file text is made THEN it is the header and the render', () => {
    const render: ChartRender = { key: KEY, text: RENDER, source: SOURCE, origin: 'helm' };
    expect(cacheFileText(render, { release: 'demo' })).toBe(header('demo') + RENDER);
  });
});
