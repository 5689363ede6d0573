import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { sha256 } from '../../lib/cache-file';
import { PreviousRender, renderedStats } from '../../lib/render/previous';
import { type FileStat, keyedStat, RENDER_STATS_FILE, RenderStats, SETTLED_MS, statKey } from '../../lib/render/render-stats';
import { StagingWriter, writeHereInto } from '../../lib/render/staging-writer';
import { writeAtomically } from '../../lib/render/write';

/**
 * The stat of each staged file taken when it is written (lib/render/staging-writer.ts `statOf`, on
 * the open file), handed on for the files moved in with their folder (lib/render/write.ts
 * `WriteResult.staged`) and recorded by the render stats instead of a second stat of each file
 * after the swap (lib/render/previous.ts `renderedStats`): it must be the stat the file has on
 * disk afterwards, or the next synth would read every file again (or, worse, trust a wrong one).
 */

const settle = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLED_MS + 20);

/** The fields of a stat the render stats record. */
const fields = (s: FileStat): FileStat => ({ size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino, mode: s.mode });

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'staged-stats-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the stat of each staged file, taken as it is written', () => {
  test('GIVEN 40 files, the first 5 written on the main thread and the rest by the worker WHEN finished THEN each file\'s stat is the one it has on disk', () => {
    const writer = new StagingWriter({ writeHere: writeHereInto(), minFiles: 5, cores: 2 });
    const targets = Array.from({ length: 40 }, (_, i) => path.join(dir, `d${i % 4}`, `f${i}.yaml`));
    targets.forEach((t, i) => writer.add(t, i % 7 === 0 ? 0o755 : 0o644, () => `f: ${'x'.repeat(i * 10)}\n`));
    writer.finish();
    expect(targets.map((_, i) => writer.statOf(i))).toEqual(targets.map((t) => fields(fs.lstatSync(t))));
    expect(writer.statOf(40)).toBeUndefined();
  });

  test('GIVEN 30 files of about 300 KB (several batches for the worker) WHEN finished THEN each file\'s stat is its own', () => {
    const writer = new StagingWriter({ writeHere: writeHereInto(), minFiles: 3, cores: 2 });
    const targets = Array.from({ length: 30 }, (_, i) => path.join(dir, `f${i}.yaml`));
    targets.forEach((t, i) => writer.add(t, 0o644, () => `${i}`.padEnd(300_000 + i, 'x')));
    writer.finish();
    expect(targets.map((_, i) => writer.statOf(i))).toEqual(targets.map((t) => fields(fs.lstatSync(t))));
  });

  test('GIVEN a worker that stalls in the middle of a batch WHEN the main thread takes over THEN every stat known is the file\'s on disk, and every file holds its bytes', () => {
    const source = fs.readFileSync(path.join(__dirname, '../../lib/render/staging-writer.ts'), 'utf8');
    const start = source.indexOf('const WORKER_SOURCE = `') + 'const WORKER_SOURCE = `'.length;
    const slots: Record<string, number> = { POSTED: 0, WRITTEN: 1, CONSUMED: 2, PHASE: 3, STOP: 4, STAT_FIELDS: 5, NOT_STARTED: 0, RUNNING: 1, FINISHED: 2 };
    // The writer's own worker, which hangs for 1.5 s after its 8th file (a slow disk).
    const worker = source.slice(start, source.indexOf('`;', start)).replace(/\$\{(\w+)\}/g, (_, k: string) => String(slots[k]))
      .replace('Atomics.add(state, 1, 1);', 'Atomics.add(state, 1, 1); if ((globalThis.counted = (globalThis.counted || 0) + 1) === 8) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);');
    expect(worker).toContain('globalThis.counted');
    const writer = new StagingWriter({ writeHere: writeHereInto(), minFiles: 2, cores: 2, workerSource: worker, stallMs: 200 });
    const targets = Array.from({ length: 40 }, (_, i) => path.join(dir, `d${i % 3}`, `f${i}.yaml`));
    const text = (i: number) => `${i}`.padEnd(200_000, 'x');
    targets.forEach((t, i) => writer.add(t, 0o644, () => text(i)));
    writer.finish();
    writer.close();
    // A worker not stopped in time could still write: give it the time to.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1700);
    const known = targets.map((t, i) => [writer.statOf(i), t] as const).filter(([s]) => s !== undefined);
    expect(known.length).toBeGreaterThan(20);
    for (const [s, t] of known) expect(s).toEqual(fields(fs.lstatSync(t)));
    expect(targets.filter((t, i) => fs.readFileSync(t, 'utf8') !== text(i))).toEqual([]);
  });

  test('GIVEN a worker that dies before it starts WHEN finished THEN the main thread\'s writes give each file\'s stat', () => {
    const writer = new StagingWriter({ writeHere: writeHereInto(), minFiles: 1, cores: 2, workerSource: 'throw new Error("no threads here")' });
    const targets = Array.from({ length: 12 }, (_, i) => path.join(dir, `f${i}.yaml`));
    targets.forEach((t, i) => writer.add(t, 0o644, () => `f: ${i}\n`));
    writer.finish();
    expect(targets.map((_, i) => writer.statOf(i))).toEqual(targets.map((t) => fields(fs.lstatSync(t))));
  });

  test('GIVEN a main-thread writer that takes no stat WHEN finished THEN no stat is made up', () => {
    const here = writeHereInto();
    const writer = new StagingWriter({ writeHere: (t, b, m) => void here(t, b, m), cores: 1 });
    writer.add(path.join(dir, 'a.yaml'), 0o644, () => 'a: 1\n');
    writer.finish();
    expect(writer.statOf(0)).toBeUndefined();
  });
});

describe('the stats handed on by the write', () => {
  test('GIVEN a checkout with dist/old/ and argocd/ WHEN a render adds dist/new/, changes a file of dist/old/ and adds one to argocd/ THEN only the files moved in with their folder (dist/new/) are handed on, each with its stat on disk after the swap', () => {
    const root = path.join(dir, 'root');
    fs.mkdirSync(root);
    writeAtomically(root, [{ path: 'dist/old/a.yaml', content: 'a: 1\n' }], () => undefined);
    const files = [
      { path: 'dist/old/a.yaml', content: 'a: 2\n' },
      ...Array.from({ length: 30 }, (_, i) => ({ path: `dist/new/sub-${i % 3}/f${i}.yaml`, content: `f: ${i}\n` })),
      { path: 'argocd/app.yaml', content: 'kind: Application\n' },
    ];
    const { staged } = writeAtomically(root, files, () => undefined, { staging: { minFiles: 4, cores: 2 } });
    // argocd/ was made by the first write (an output folder is made even when empty): its new file is moved in alone.
    expect(fs.readdirSync(path.join(root, 'argocd'))).toEqual(['app.yaml']);
    const whole = files.filter((f) => f.path.startsWith('dist/new/')).map((f) => f.path);
    expect([...staged.keys()].sort()).toEqual(whole.sort());
    for (const p of whole) expect(staged.get(p)).toEqual(fields(fs.lstatSync(path.join(root, p))));
  });
});

describe('a file moved in on its own, edited after the swap', () => {
  test('GIVEN a checkout whose dist/app/ is there WHEN a render changes a.yaml and the file is edited before the stats are taken THEN its stat is not recorded (the next synth reads it), as it is when it was not edited', () => {
    for (const edited of [false, true]) {
      const root = path.join(dir, `root-${edited}`);
      fs.mkdirSync(root);
      writeAtomically(root, [{ path: 'dist/app/a.yaml', content: 'replicas: 1\n' }], () => undefined);
      const before = new PreviousRender(root, new RenderStats(path.join(root, RENDER_STATS_FILE), 'code'));
      const files = [{ path: 'dist/app/a.yaml', content: 'replicas: 2\n' }];
      const written = writeAtomically(root, files, () => undefined);
      expect([...written.alone.keys()]).toEqual(['dist/app/a.yaml']);
      expect(written.staged.size).toBe(0);
      if (edited) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        fs.writeFileSync(path.join(root, 'dist/app/a.yaml'), 'replicas: 9\n');
      }
      settle();
      const now = renderedStats(root, before, files, written.changed, undefined, undefined, written.staged, written.alone);
      expect(now.files.has('dist/app/a.yaml')).toBe(!edited);
    }
  });
});

describe('the render stats of a fresh checkout', () => {
  test('GIVEN 700 files written into an empty checkout (through the worker) WHEN the stats are recorded THEN each is the file\'s stat on disk, and the next listing trusts every file without reading it', () => {
    const root = path.join(dir, 'root');
    fs.mkdirSync(root);
    const files = Array.from({ length: 700 }, (_, i) => ({ path: `dist/app-${i % 70}/object-${i}.yaml`, content: `kind: ConfigMap\nmetadata:\n  name: object-${i}\n` }));
    const before = new PreviousRender(root, new RenderStats(path.join(root, RENDER_STATS_FILE), 'code'));
    const written = writeAtomically(root, files, () => undefined);
    expect(written.staged.size).toBe(700);
    settle();
    const now = renderedStats(root, before, files, written.changed, undefined, undefined, written.staged);
    expect(now.files.size).toBe(700);
    for (const f of files) expect(now.files.get(f.path)).toEqual([keyedStat(fields(fs.lstatSync(path.join(root, f.path)))), sha256(f.content)]);
    new RenderStats(path.join(root, RENDER_STATS_FILE), 'code').save(now.files, now.dirs);
    const next = new PreviousRender(root, new RenderStats(path.join(root, RENDER_STATS_FILE), 'code'));
    expect(files.filter((f) => next.trustedDigest(f.path) !== sha256(f.content))).toEqual([]);
  });

  test('GIVEN a staged stat WHEN the stats are recorded THEN it is the one recorded (the file is not stat\'ed again), and one that had not settled is left out', () => {
    const root = path.join(dir, 'root');
    fs.mkdirSync(path.join(root, 'dist/x'), { recursive: true });
    fs.writeFileSync(path.join(root, 'dist/x/a.yaml'), 'a: 1\n');
    fs.writeFileSync(path.join(root, 'dist/x/b.yaml'), 'b: 1\n');
    const before = new PreviousRender(root, new RenderStats(path.join(root, RENDER_STATS_FILE), 'code'));
    settle();
    const old: FileStat = { size: 5, mtimeMs: 1_000, ctimeMs: 1_000, ino: 42, mode: 0o100644 };
    const fresh: FileStat = { ...old, mtimeMs: Date.now(), ctimeMs: Date.now() };
    const files = [{ path: 'dist/x/a.yaml', content: 'a: 1\n' }, { path: 'dist/x/b.yaml', content: 'b: 1\n' }];
    const now = renderedStats(root, before, files, ['dist/x'], undefined, undefined, new Map([['dist/x/a.yaml', old], ['dist/x/b.yaml', fresh]]));
    expect(now.files.get('dist/x/a.yaml')?.[0].key).toBe(statKey(old));
    expect(now.files.has('dist/x/b.yaml')).toBe(false);
  });
});
