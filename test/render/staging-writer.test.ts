import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { StagingWriter, writeHereInto } from '../../lib/render/staging-writer';
import { writeAtomically } from '../../lib/render/write';

/**
 * The staging folder's files written on a worker thread (lib/render/staging-writer.ts): the same
 * files and modes as written on the main thread, the main thread taking over every file the worker
 * did not write (it could not start, or stopped at a file it could not write), and nothing written
 * once the writer is closed.
 */

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'staging-writer-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every file under `root`: its path, mode bits and text. */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else out.push(`${p} ${(fs.statSync(path.join(root, p)).mode & 0o777).toString(8)} ${fs.readFileSync(path.join(root, p), 'utf8')}`);
    }
  };
  walk('');
  return out;
}

/** 300 files in 30 folders, some executable, some beyond ASCII, one larger than a batch. */
const FILES = Array.from({ length: 300 }, (_, i) => ({
  path: `dist/layer-${i % 30}/object-${i}.yaml`,
  content: i === 7 ? `big: ${'x'.repeat(3 << 20)}\n` : `name: object-${i}${i % 11 === 0 ? ' é ✓' : ''}\n`,
  ...(i % 50 === 0 ? { executable: true } : {}),
}));

describe('the staging writer', () => {
  test('GIVEN 300 files WHEN staged through a worker (from the 10th file on) and on the main thread alone THEN the outputs are the same, byte for byte and mode for mode', () => {
    const withWorker = path.join(dir, 'worker');
    const alone = path.join(dir, 'alone');
    for (const root of [withWorker, alone]) fs.mkdirSync(root);
    writeAtomically(withWorker, FILES, () => undefined, { staging: { minFiles: 10, cores: 2 } });
    writeAtomically(alone, FILES, () => undefined, { staging: { cores: 1 } });
    expect(tree(withWorker).length).toBe(300);
    expect(tree(withWorker)).toEqual(tree(alone));
  });

  test('GIVEN a worker WHEN files are added THEN each add gives the file\'s UTF-8 bytes back, and after finish every file is there', () => {
    const writer = new StagingWriter({ writeHere: writeHereInto(), minFiles: 1, cores: 2 });
    const texts = ['a: 1\n', 'b: é\n', `c: ${'y'.repeat(2 << 20)}\n`, 'd: ✓\n'];
    texts.forEach((text, i) => {
      const bytes = writer.add(path.join(dir, `f${i}.yaml`), 0o644, () => text);
      expect(Buffer.from(bytes).toString('utf8')).toBe(text);
    });
    writer.finish();
    expect(texts.map((_, i) => fs.readFileSync(path.join(dir, `f${i}.yaml`), 'utf8'))).toEqual(texts);
  });

  test('GIVEN files larger than the bytes allowed to wait for the worker WHEN staged THEN each goes once the worker has done the ones before (no stall)', () => {
    const writer = new StagingWriter({ writeHere: writeHereInto(), minFiles: 0, cores: 2, stallMs: 60_000 });
    const big = (i: number) => `big: ${String(i).repeat(9 << 20)}\n`;
    const t = Date.now();
    for (let i = 0; i < 3; i++) writer.add(path.join(dir, `big-${i}.yaml`), 0o644, () => big(i));
    writer.finish();
    expect(Date.now() - t).toBeLessThan(20_000);
    expect([0, 1, 2].map((i) => fs.readFileSync(path.join(dir, `big-${i}.yaml`), 'utf8') === big(i))).toEqual([true, true, true]);
  });

  test('GIVEN one core WHEN a file is added THEN it is written at once, on the main thread', () => {
    const writer = new StagingWriter({ writeHere: writeHereInto(), minFiles: 0, cores: 1 });
    writer.add(path.join(dir, 'now.yaml'), 0o644, () => 'now: 1\n');
    expect(fs.readFileSync(path.join(dir, 'now.yaml'), 'utf8')).toBe('now: 1\n');
    writer.finish();
  });

  test('GIVEN a worker that dies before it starts WHEN files are added and finished THEN the main thread writes them all', () => {
    const writer = new StagingWriter({ writeHere: writeHereInto(), minFiles: 1, cores: 2, workerSource: 'throw new Error("no threads here")' });
    for (let i = 0; i < 20; i++) writer.add(path.join(dir, `d${i % 3}`, `f${i}.yaml`), 0o644, () => `f: ${i}\n`);
    writer.finish();
    expect(tree(dir).map((f) => f.split(' ')[0]).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `d${i % 3}/f${i}.yaml`).sort());
  });

  test('GIVEN a worker that starts and then writes nothing WHEN finished THEN the main thread writes them all once the worker stalled', () => {
    const stuck = `const { state } = require('worker_threads').workerData; Atomics.store(state, 3, 1); Atomics.notify(state, 3); const until = Date.now() + 60000; while (Date.now() < until && !Atomics.load(state, 4)) Atomics.wait(state, 0, Atomics.load(state, 0), 20); Atomics.store(state, 3, 2); Atomics.notify(state, 3);`;
    const writer = new StagingWriter({ writeHere: writeHereInto(), minFiles: 1, cores: 2, workerSource: stuck, stallMs: 300 });
    for (let i = 0; i < 20; i++) writer.add(path.join(dir, `f${i}.yaml`), 0o644, () => `f: ${i}\n`);
    const t = Date.now();
    writer.finish();
    expect(tree(dir).length).toBe(20);
    expect(Date.now() - t).toBeLessThan(10_000);
  });

  test('GIVEN a file the worker cannot write (its folder is a file) WHEN finished THEN the files before it are there and the main thread, writing it, throws its error', () => {
    fs.writeFileSync(path.join(dir, 'blocker'), 'a file where a folder is wanted\n');
    const writes: string[] = [];
    const here = writeHereInto();
    const writer = new StagingWriter({ writeHere: (target, bytes, mode) => { writes.push(path.basename(target)); here(target, bytes, mode); }, minFiles: 1, cores: 2 });
    writer.add(path.join(dir, 'first.yaml'), 0o644, () => 'first: 1\n');
    writer.add(path.join(dir, 'second.yaml'), 0o644, () => 'second: 2\n');
    writer.add(path.join(dir, 'blocker', 'third.yaml'), 0o644, () => 'third: 3\n');
    writer.add(path.join(dir, 'fourth.yaml'), 0o644, () => 'fourth: 4\n');
    expect(() => writer.finish()).toThrow(expect.objectContaining({ code: expect.stringMatching(/^E(EXIST|NOTDIR)$/) }));
    // The first on the main thread (minFiles 1), the second by the worker, the third tried here and refused.
    expect(writes).toEqual(['first.yaml', 'third.yaml']);
    expect(fs.readFileSync(path.join(dir, 'second.yaml'), 'utf8')).toBe('second: 2\n');
  });

  test('GIVEN a full synth\'s staging that fails at a file the worker was given WHEN written atomically THEN the error names that file and no output moved', () => {
    const root = path.join(dir, 'root');
    fs.mkdirSync(root);
    writeAtomically(root, [{ path: 'dist/apps/old.yaml', content: 'old: 1\n' }], () => undefined);
    // A file of the temporary folder's name pattern cannot be predicted; a folder path that is a file in the staging tree can: dist/apps/x.yaml/ below.
    const files = [...FILES.slice(0, 40), { path: 'dist/apps/x.yaml', content: 'x: 1\n' }, { path: 'dist/apps/x.yaml/y.yaml', content: 'y: 1\n' }];
    expect(() => writeAtomically(root, files, () => undefined, { staging: { minFiles: 5, cores: 2 } })).toThrow('dist/apps/x.yaml/y.yaml (its new version, in the temporary folder');
    expect(tree(root)).toEqual(['dist/apps/old.yaml 644 old: 1\n']);
  });

  test('GIVEN a worker writing WHEN the writer is closed THEN nothing more is written', () => {
    const writer = new StagingWriter({ writeHere: writeHereInto(), minFiles: 0, cores: 2 });
    const text = `f: ${'z'.repeat(10_000)}\n`;
    for (let i = 0; i < 2000; i++) writer.add(path.join(dir, `d${i % 20}`, `f${i}.yaml`), 0o644, () => text);
    writer.close();
    const now = tree(dir).length;
    const until = Date.now() + 200;
    while (Date.now() < until) { /* give a worker still running time to write */ }
    expect(tree(dir).length).toBe(now);
  });

  /** Stages x.yaml, three files of 3 MB (more than may wait for the worker), then x.yaml/y.yaml (refused: x.yaml is a file): the files in the order written and the error's code. */
  function stageInOrder(props: { cores: number; workerSource?: string }): { writes: string[]; code?: string } {
    const writes: string[] = [];
    const here = writeHereInto();
    const writer = new StagingWriter({ ...props, minFiles: 0, writeHere: (t, b, m) => { writes.push(path.relative(dir, t)); here(t, b, m); } });
    const files: [string, string][] = [['x.yaml', 'x: 1\n'], ...['a', 'b', 'c'].map((n): [string, string] => [`${n}.yaml`, `${n}: ${'n'.repeat(3 << 20)}\n`]), ['x.yaml/y.yaml', 'y: 1\n']];
    try {
      for (const [p, t] of files) writer.add(path.join(dir, p), 0o644, () => t);
      writer.finish();
    } catch (e) {
      return { writes, code: (e as NodeJS.ErrnoException).code };
    } finally {
      writer.close();
    }
    return { writes };
  }

  test('GIVEN a worker given up while files wait for it WHEN more files are added THEN the main thread writes them in the order added, and fails where one core fails', () => {
    const alone = stageInOrder({ cores: 1 });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    const dead = stageInOrder({ cores: 2, workerSource: 'throw new Error("no threads here")' });
    expect(alone).toEqual({ writes: ['x.yaml', 'a.yaml', 'b.yaml', 'c.yaml', 'x.yaml/y.yaml'], code: 'EEXIST' });
    expect(dead).toEqual(alone);
  });

  test('GIVEN a worker about to wait for work WHEN the writer is closed THEN it stops at once (the request to stop is not slept through)', () => {
    const wt = require('worker_threads') as typeof import('worker_threads') & { Worker: unknown };
    const Real = wt.Worker;
    // The worker pauses 500 ms between its check of the request to stop and its wait for work, the first time.
    (wt as { Worker: unknown }).Worker = function (source: string, options: import('worker_threads').WorkerOptions) {
      return new Real(source.replace('if (!message) {', 'if (!message) { if (!globalThis.paused) { globalThis.paused = 1; Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500); }'), options);
    };
    try {
      const writer = new StagingWriter({ writeHere: writeHereInto(), minFiles: 0, cores: 2 });
      writer.add(path.join(dir, 'a.yaml'), 0o644, () => 'a: 1\n');
      Atomics.wait((writer as unknown as { state: Int32Array }).state, 3, 0, 2000);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      const t = Date.now();
      writer.close();
      expect(Date.now() - t).toBeLessThan(1000);
    } finally {
      (wt as { Worker: unknown }).Worker = Real;
    }
  });
});
