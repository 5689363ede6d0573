// The committed chart renders (render-cache/<release>.yaml) trusted by their stat: a synth that finds
// the file it would write already on disk (its stat recorded by the vendored files' hash memo, its
// content recorded by CommittedRenders) reads none of its megabytes, and writes or compares nothing.
import * as path from 'path';
import { sha256 } from '../../lib/cache-file';
import { HelmComponent } from '../../lib/constructs/helm-component';
import { COMMITTED_RENDERS_FILE, CommittedRenders } from '../../lib/render/committed-renders';
import { cacheFileText, ChartRenderer, readCacheFile } from '../../lib/render/chart-renderer';
import { DEMO_CHART, renderDemo, vendoredRoot } from '../constructs/upstream-fixtures';

// The real module (the lib's `import * as fs` reads its functions from it at each call).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fs = require('fs') as typeof import('fs');

/** Runs `f`, returning the render-cache files read meanwhile (plain wrappers, see test/synth-without-cache.test.ts). */
function renderCacheReads<T>(f: () => T): { result: T; reads: string[] } {
  const reads: string[] = [];
  const originals = { readFileSync: fs.readFileSync, openSync: fs.openSync };
  let active = true;
  let inside = 0;
  // A file is read by its name (readFileSync) or opened for reading first (openSync with no flags or 'r', not readFileSync's own open).
  const spy = (name: keyof typeof originals) => function (this: unknown, ...args: unknown[]) {
    const reading = name === 'readFileSync' || (inside === 0 && (args[1] === undefined || args[1] === 'r'));
    if (active && reading && typeof args[0] === 'string' && args[0].split(/[\\/]/).includes('render-cache')) reads.push(args[0]);
    inside++;
    try {
      return (originals[name] as (...a: unknown[]) => unknown).apply(this, args);
    } finally {
      inside--;
    }
  };
  (fs as unknown as Record<string, unknown>).readFileSync = spy('readFileSync');
  (fs as unknown as Record<string, unknown>).openSync = spy('openSync');
  try {
    return { result: f(), reads };
  } finally {
    active = false;
    Object.assign(fs, originals);
  }
}

const demo = (layer: Parameters<Parameters<typeof renderDemo>[1]>[0]) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'demo', values: {} });

/**
 * The demo chart rendered as by a new process (fresh module instances: the chart renderer's
 * process-wide memo does not hold the render, so its text comes from the committed file or helm).
 */
function renderInNewProcess(root: string): ReturnType<typeof renderDemo> {
  let rendered: ReturnType<typeof renderDemo> | undefined;
  jest.isolateModules(() => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const fixtures = require('../constructs/upstream-fixtures') as typeof import('../constructs/upstream-fixtures');
    const helm = require('../../lib/constructs/helm-component') as typeof import('../../lib/constructs/helm-component');
    /* eslint-enable @typescript-eslint/no-require-imports */
    rendered = fixtures.renderDemo(root, (layer) => new helm.HelmComponent(layer, 'demo', { name: 'demo', chart: fixtures.DEMO_CHART, namespace: 'demo', values: {} }), { fresh: false });
  });
  return rendered!;
}

/** Writes the renderer's committed files as synth's swap does (a file already holding its bytes is left as it is), then saves what it learnt (synth, after a verified swap). */
function commit(root: string, renderer: ChartRenderer): void {
  for (const f of renderer.cacheFiles()) {
    const file = path.join(root, f.path);
    // The swap leaves a file that holds the same bytes as it is.
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === f.content) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, f.content);
  }
  renderer.saveCaches();
}

/** Waits out the vendored files' memo's racy window (a file changed within 2 s of its stat is not remembered by it). */
function settle(): void {
  const until = Date.now() + 2100;
  while (Date.now() < until) { /* the clock must pass the file's change time */ }
}

describe('committed chart renders trusted by their stat', () => {
  let root: string;
  beforeEach(() => {
    root = vendoredRoot();
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  /** A checkout whose committed demo render was written, and recorded by the synths after it. */
  const settled = () => {
    commit(root, renderDemo(root, demo, { fresh: true }).renderer);
    settle();
    // The next synth reads the settled file once (and its objects, parsed: the process-wide memo of
    // parsed renders may hold them from another test, and then this root's copy was never written) and records its stat.
    commit(root, renderInNewProcess(root).renderer);
  };

  test('GIVEN a settled committed render WHEN the chart is rendered again THEN no render-cache file is read, the file is known to be on disk with the digest of its bytes, and its objects and text are those of a render that reads it', () => {
    settled();
    const file = path.join(root, 'render-cache', 'demo.yaml');
    const bytes = fs.readFileSync(file);
    const { result, reads } = renderCacheReads(() => renderInNewProcess(root));
    expect(reads).toEqual([]);
    const [cacheFile] = result.renderer.cacheFiles();
    expect(result.renderer.isOnDisk('render-cache/demo.yaml')).toBe(true);
    expect(cacheFile.digest).toBe(sha256(bytes));
    const fresh = renderDemo(root, demo, { fresh: true });
    expect(result.objects).toStrictEqual(fresh.objects);
    const text = renderCacheReads(() => cacheFile.content);
    expect(text.result).toBe(bytes.toString('utf8'));
    expect(text.reads).toEqual([file]);
  });

  test('GIVEN a settled committed render edited by hand, keeping its size WHEN the chart is rendered again THEN the file is read (not trusted by its stale record), its render is not the one its header hashes, and the render is made again: the write puts the file back', () => {
    settled();
    const file = path.join(root, 'render-cache', 'demo.yaml');
    const text = fs.readFileSync(file, 'utf8');
    const edited = text.replace(/name: (\S)/, (_m, c: string) => `name: ${c === 'x' ? 'y' : 'x'}`);
    expect(edited.length).toBe(text.length);
    fs.writeFileSync(file, edited);
    const { result, reads } = renderCacheReads(() => renderInNewProcess(root));
    expect(reads).toContain(file);
    expect(result.renderer.isOnDisk('render-cache/demo.yaml')).toBe(false);
    expect(result.renderer.cacheFiles()[0].content).toBe(text);
    expect(result.objects).toStrictEqual(renderDemo(root, demo, { fresh: true }).objects);
  });

  test('GIVEN a settled committed render trusted by a render WHEN its bytes change before its text is read THEN reading the text says the file changed while it was being read', () => {
    settled();
    const { result } = renderCacheReads(() => renderInNewProcess(root));
    const file = path.join(root, 'render-cache', 'demo.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('# key:', '# kez:'));
    let thrown: unknown;
    try {
      void result.renderer.cacheFiles()[0].content;
    } catch (e) {
      thrown = e;
    }
    expect(String(thrown)).toMatch(/render-cache\/demo\.yaml changed while it was being read; run the command again/);
  });

  test('GIVEN the record of what committed files hold garbled, or the vendored files\' memo removed WHEN the chart is rendered again THEN the file is read and the render is the same', () => {
    settled();
    const memo = path.join(root, COMMITTED_RENDERS_FILE);
    const garbled = fs.readFileSync(memo, 'utf8').replace(/[0-9a-f]{64} [0-9a-f]{64}/, (m) => m.replace(/^./, (c) => (c === '0' ? '1' : '0')));
    fs.writeFileSync(memo, garbled);
    const before = renderCacheReads(() => renderInNewProcess(root));
    expect(before.reads.length).toBeGreaterThan(0);
    fs.rmSync(path.join(root, '.synth-cache'), { recursive: true, force: true });
    const after = renderCacheReads(() => renderInNewProcess(root));
    expect(after.reads.length).toBeGreaterThan(0);
    expect(after.result.objects).toStrictEqual(before.result.objects);
    expect(after.result.renderer.cacheFiles()[0].content).toBe(cacheFileText({ ...readCacheFile(path.join(root, 'render-cache', 'demo.yaml'))!, source: { path: 'vendor/charts/demo-1.0.0' }, origin: 'committed' }, { release: 'demo' }));
  });
});

describe('CommittedRenders: what a committed render file holds, by its bytes\' sha256', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'committed-renders-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const header = '# helm\n# key: k\n';
  const key = 'a'.repeat(64);

  test('GIVEN a recorded file WHEN read back by the same code THEN its key and the digests of its text and header come back; by other code THEN nothing', () => {
    const file = path.join(dir, 'memo');
    const memo = new CommittedRenders(file, 'code');
    memo.record(`${header}body\n`, header, key, 'body\n');
    memo.save();
    expect(new CommittedRenders(file, 'code').get(sha256(`${header}body\n`))).toEqual({ key, textHash: sha256('body\n'), headerHash: sha256(header) });
    expect(new CommittedRenders(file, 'code').get(sha256('another file'))).toBeUndefined();
    expect(new CommittedRenders(file, 'other code').get(sha256(`${header}body\n`))).toBeUndefined();
  });
});

describe('committed chart renders read in a checkout without synth caches', () => {
  let root: string;
  let file: string;
  beforeEach(() => {
    root = vendoredRoot();
    commit(root, renderDemo(root, demo, { fresh: true }).renderer);
    fs.rmSync(path.join(root, '.synth-cache'), { recursive: true, force: true });
    file = path.join(root, 'render-cache', 'demo.yaml');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('GIVEN a committed render and no memo WHEN the chart is rendered THEN the file is read once, is known to be on disk with the digest of its bytes, gives the objects of a fresh render and its text without another read; once saved, a later render reads nothing', () => {
    settle();
    const bytes = fs.readFileSync(file);
    const { result, reads } = renderCacheReads(() => renderInNewProcess(root));
    expect(reads).toEqual([file]);
    expect(result.renderer.isOnDisk('render-cache/demo.yaml')).toBe(true);
    const [cacheFile] = result.renderer.cacheFiles();
    expect(cacheFile.digest).toBe(sha256(bytes));
    expect(result.objects).toStrictEqual(renderDemo(root, demo, { fresh: true }).objects);
    const text = renderCacheReads(() => cacheFile.content);
    expect(text.result).toBe(bytes.toString('utf8'));
    expect(text.reads).toEqual([]);
    // What synth does after a verified swap: nothing to write, what was learnt saved.
    renderCacheReads(() => result.renderer.saveCaches());
    const later = renderCacheReads(() => renderInNewProcess(root));
    expect(later.reads).toEqual([]);
    expect(later.result.renderer.isOnDisk('render-cache/demo.yaml')).toBe(true);
  });

  test.each([
    ['executable', (f: string) => fs.chmodSync(f, 0o755)],
    ['a link to a copy', (f: string) => {
      fs.copyFileSync(f, `${f}.copy`);
      fs.rmSync(f);
      fs.symlinkSync(`${f}.copy`, f);
    }],
  ])('GIVEN a committed render that is %s (its bytes the render\'s) WHEN the chart is rendered THEN the file is not taken as on disk, nor remembered by its stat: the write compares it with the disk (and replaces it)', (_what, make) => {
    settle();
    make(file);
    const { result } = renderCacheReads(() => renderInNewProcess(root));
    expect(result.renderer.isOnDisk('render-cache/demo.yaml')).toBe(false);
    expect(result.renderer.cacheFiles()[0].digest).toBeUndefined();
    renderCacheReads(() => result.renderer.saveCaches());
    const later = renderCacheReads(() => renderInNewProcess(root));
    expect(later.result.renderer.isOnDisk('render-cache/demo.yaml')).toBe(false);
  });

  test('GIVEN a committed render with bytes that are not UTF-8 WHEN the chart is rendered THEN it is not the render its header hashes: the render is made again and the file is not taken as on disk (the write puts it back)', () => {
    const text = fs.readFileSync(file, 'utf8');
    const at = text.indexOf('\n', text.indexOf('\n') + 1) + 1;
    // A comment line with a lone continuation byte after the header.
    const bytes = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0x23, 0x20, 0x80, 0x0a]), Buffer.from(text.slice(at))]);
    fs.writeFileSync(file, bytes);
    const { result, reads } = renderCacheReads(() => renderInNewProcess(root));
    expect(reads).toEqual([file]);
    expect(result.renderer.isOnDisk('render-cache/demo.yaml')).toBe(false);
    const [cacheFile] = result.renderer.cacheFiles();
    expect(cacheFile.digest).toBeUndefined();
    expect(cacheFile.content).toBe(text);
  });

  test('GIVEN a committed render whose first header line was edited (its key kept) WHEN the chart is rendered THEN its render is reused but the file is not taken as on disk: the write puts the header back', () => {
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.replace(/^# helm /, '# Helm '));
    const { result } = renderCacheReads(() => renderInNewProcess(root));
    expect(result.renderer.isOnDisk('render-cache/demo.yaml')).toBe(false);
    const [cacheFile] = result.renderer.cacheFiles();
    expect(cacheFile.digest).toBeUndefined();
    expect(cacheFile.content).toBe(text);
  });

  test('GIVEN a committed render of another key WHEN the chart is rendered THEN it is not used (helm or the local cache renders it) and the file is rewritten', () => {
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.replace(/^# key: (.)/m, (_m, c: string) => `# key: ${c === '0' ? '1' : '0'}`));
    const { result } = renderCacheReads(() => renderInNewProcess(root));
    expect(result.renderer.isOnDisk('render-cache/demo.yaml')).toBe(false);
    expect(result.renderer.cacheFiles()[0].content).toBe(text);
  });
});
