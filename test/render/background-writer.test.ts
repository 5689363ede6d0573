import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackgroundWriter, FileToWrite } from '../../lib/render/background-writer';

/** Writes `files` into `dir` on this thread, as lib/render/write.ts does without a worker. */
function writeFilesHere(dir: string, files: readonly FileToWrite[]): void {
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f.rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, f.rel), f.text, { mode: f.mode });
  }
}

/** Every file under `dir`: its path, bytes (as text) and mode. */
function tree(dir: string): [string, string, number][] {
  const out: [string, string, number][] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else out.push([p, fs.readFileSync(path.join(dir, p), 'utf8'), fs.statSync(path.join(dir, p)).mode & 0o777]);
    }
  };
  walk('');
  return out;
}

/** `n` files in nested folders, some executable, some empty, some with multi-byte characters. */
function files(n: number): FileToWrite[] {
  return Array.from({ length: n }, (_, i) => ({
    rel: `dist/apps/app-${i % 37}/${i % 3 ? 'deployment' : 'service'}-${i}.yaml`,
    text: i % 11 === 0 ? '' : `kind: ConfigMap\ndata: { n: "${i} ü ✓ \u{1F600}" }\n`,
    mode: i % 5 === 0 ? 0o755 : 0o644,
  }));
}

const scratch = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'background-writer-'));

describe('BackgroundWriter: a render\'s files written on the other core', () => {
  test('GIVEN a batch of files WHEN written by the worker THEN the folder holds exactly what the main thread writes (paths, bytes, modes)', () => {
    const batch = files(500);
    const [a, b] = [scratch(), scratch()];
    const writer = BackgroundWriter.start(a, batch, { cores: 2, minFiles: 1 });
    expect(writer).toBeDefined();
    writer!.wait();
    writeFilesHere(b, batch);
    expect(tree(a)).toEqual(tree(b));
    expect(tree(a)).toHaveLength(500);
  });

  test('GIVEN one core, or fewer files than the threshold WHEN a writer is asked for THEN none starts (the caller writes them)', () => {
    expect(BackgroundWriter.start(scratch(), files(10), { cores: 1, minFiles: 1 })).toBeUndefined();
    expect(BackgroundWriter.start(scratch(), files(10), { cores: 2, minFiles: 11 })).toBeUndefined();
  });

  test('GIVEN a file where a folder must be made WHEN the worker writes THEN wait throws the error fs raises on this thread: its code, system call and path', () => {
    const batch = files(50);
    const [a, b] = [scratch(), scratch()];
    for (const dir of [a, b]) {
      fs.mkdirSync(path.join(dir, 'dist', 'apps'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'dist', 'apps', 'app-3'), 'in the way');
    }
    const writer = BackgroundWriter.start(a, batch, { cores: 2, minFiles: 1 })!;
    let there: NodeJS.ErrnoException | undefined;
    try {
      writer.wait();
    } catch (e) {
      there = e as NodeJS.ErrnoException;
    }
    let here: NodeJS.ErrnoException | undefined;
    try {
      writeFilesHere(b, batch);
    } catch (e) {
      here = e as NodeJS.ErrnoException;
    }
    expect(there).toBeInstanceOf(Error);
    expect(here).toBeDefined();
    expect({ code: there!.code, syscall: there!.syscall, path: there!.path?.replace(a, '<dir>') }).toEqual({ code: here!.code, syscall: here!.syscall, path: here!.path?.replace(b, '<dir>') });
    expect(there!.message.replace(a, '<dir>')).toBe(here!.message.replace(b, '<dir>'));
    // Asked again, the same error (the worker is not asked twice).
    expect(() => writer.wait()).toThrow(there!.message);
    expect(writer.failedFile).toBe(batch.find((f) => f.rel.startsWith('dist/apps/app-3/'))!.rel);
  });
});

describe('writeAtomically with thousands of files: the temporary folder written on the other core', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { writeAtomically } = require('../../lib/render/write') as typeof import('../../lib/render/write');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { snapshotTree, writeTree } = require('../helpers') as typeof import('../helpers');

  /** `n` rendered files in app folders (over the threshold for a worker when n >= 2,000). */
  const rendered = (n: number, extra: { path: string; content: string }[] = []) => [
    ...Array.from({ length: n }, (_, i) => ({ path: `dist/apps/app-${i % 300}/object-${i}.yaml`, content: `n: ${i}\n` })),
    ...extra,
  ];

  test('GIVEN 2,500 files and a late one WHEN written atomically THEN the outputs hold every file, the late one too, and the check saw the whole tree', () => {
    const root = writeTree({ 'dist/apps/old.yaml': 'old\n' });
    const files = rendered(2500, [{ path: 'reports/late.md', content: 'late\n' }]);
    let seen = 0;
    writeAtomically(root, files, (tree) => { seen = tree.files.length; }, { late: (f) => f === 'reports/late.md' });
    expect(seen).toBe(2501);
    const after = snapshotTree(root);
    expect(after).toEqual(new Map(files.map((f) => [f.path, f.content])));
  });

  test.each([[2500, 'on the other core'], [20, 'on this thread']])('GIVEN %i files, one of which needs a folder where another file is WHEN written atomically (%s) THEN one error naming the file, and the checkout as it was', (n) => {
    const root = writeTree({ 'dist/apps/old.yaml': 'old\n' });
    const before = snapshotTree(root);
    // dist/apps/app-1/object-1.yaml is a file; a file inside it cannot be made.
    const files = rendered(n, [{ path: 'dist/apps/app-1/object-1.yaml/inner.yaml', content: 'x\n' }]);
    let error: Error | undefined;
    try {
      writeAtomically(root, files, () => undefined);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.name).toBe('OutputError');
    expect(error?.message).toMatch(/^dist\/apps\/app-1\/object-1\.yaml\/inner\.yaml \(its new version, in the temporary folder \.render-[^/]+\/\) /);
    expect(snapshotTree(root)).toEqual(before);
  });
});
