import * as os from 'os';
import * as path from 'path';

/**
 * How often writeAtomically asks the file system about the outputs while it compares a render with
 * them (lib/render/write.ts `foldersThere`): once per folder, not once per file. `fs` is wrapped
 * (its own functions cannot be spied on) to count the stat calls under the checkout.
 */
const asked: string[] = [];
jest.mock('fs', () => {
  const real = jest.requireActual<typeof import('fs')>('fs');
  return {
    ...real,
    lstatSync: (...args: Parameters<typeof real.lstatSync>) => (asked.push(String(args[0])), real.lstatSync(...args)),
    statSync: (...args: Parameters<typeof real.statSync>) => (asked.push(String(args[0])), real.statSync(...args)),
  };
});

import * as fs from 'fs';
import { writeAtomically } from '../../lib/render/write';

describe('comparing a render with the outputs', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'write-folders-'));
    asked.length = 0;
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const FILES = Array.from({ length: 300 }, (_, i) => ({ path: `dist/layer-${i % 30}/object-${i}.yaml`, content: `n: ${i}\n` }));
  /** The paths under the checkout's dist/ asked about before the check ran. */
  /** Writes `files` into `at`: the paths under its dist/ asked about before the check ran, and what changed. */
  const writeCounting = (at: string, files: typeof FILES = FILES, onDisk?: ReadonlyMap<string, { path: string; content: string }>): { seen: string[]; changed: readonly string[] } => {
    let seen: string[] = [];
    asked.length = 0;
    const { changed } = writeAtomically(at, files, () => {
      seen = asked.filter((p) => p === path.join(at, 'dist') || p.startsWith(path.join(at, 'dist') + path.sep));
    }, onDisk ? { onDisk } : {});
    return { seen, changed };
  };
  const askedUntilCheck = (files: typeof FILES = FILES, onDisk?: ReadonlyMap<string, { path: string; content: string }>): string[] => writeCounting(root, files, onDisk).seen;

  test('GIVEN a fresh checkout (no outputs yet) WHEN 300 files in 30 folders are written THEN dist/ alone is asked about', () => {
    expect(askedUntilCheck()).toEqual([path.join(root, 'dist')]);
    expect(fs.readdirSync(path.join(root, 'dist')).length).toBe(30);
  });

  test('GIVEN the same render on disk WHEN written again THEN each folder is asked about once and each file once, and nothing changes', () => {
    askedUntilCheck();
    const { seen, changed } = writeCounting(root);
    expect(changed).toEqual([]);
    const folders = seen.filter((p) => !p.endsWith('.yaml'));
    expect(folders.length).toBe(31);
    expect(new Set(folders).size).toBe(31);
    expect(seen.filter((p) => p.endsWith('.yaml')).length).toBe(300);
  });

  test('GIVEN every file changed, as the caller read them among the outputs WHEN written THEN no folder is asked about (those files were there), each file once', () => {
    askedUntilCheck();
    const read = new Map(FILES.map((f) => [f.path, f]));
    const seen = askedUntilCheck(FILES.map((f) => ({ ...f, content: `${f.content}changed: 1\n` })), read);
    expect(seen.filter((p) => !p.endsWith('.yaml'))).toEqual([]);
    expect(seen.length).toBe(300);
    expect(fs.readFileSync(path.join(root, 'dist/layer-0/object-0.yaml'), 'utf8')).toBe('n: 0\nchanged: 1\n');
  });

  test('GIVEN every file changed WHEN the swap is planned THEN each folder there is asked about once, not once for each file in it', () => {
    askedUntilCheck();
    const read = new Map(FILES.map((f) => [f.path, f]));
    let fromCheck = 0;
    asked.length = 0;
    writeAtomically(root, FILES.map((f) => ({ ...f, content: `${f.content}changed: 2\n` })), () => {
      fromCheck = asked.length;
    }, { onDisk: read });
    const folders = asked.slice(fromCheck).filter((p) => p.startsWith(path.join(root, 'dist')) && !p.endsWith('.yaml'));
    // Each of the 31 folders once, and dist/ twice more (the output folders' own checks); 602 when each file asked about its folders.
    expect(new Set(folders).size).toBe(31);
    expect(folders.length).toBeLessThanOrEqual(34);
    expect(fs.readFileSync(path.join(root, 'dist/layer-29/object-299.yaml'), 'utf8')).toBe('n: 299\nchanged: 2\n');
  });

  test('GIVEN a checkout reached through a symbolic link WHEN the same render is written again THEN nothing changes (the link is followed, as a file\'s own lstat follows it)', () => {
    const link = path.join(os.tmpdir(), `write-folders-link-${process.pid}`);
    fs.rmSync(link, { force: true });
    fs.symlinkSync(root, link);
    try {
      writeCounting(link);
      expect(writeCounting(link).changed).toEqual([]);
    } finally {
      fs.rmSync(link, { force: true });
    }
  });

  test('GIVEN a folder of docs/ that is a loop of symbolic links WHEN written THEN the error is the one the file\'s own lstat gives (it names the file)', () => {
    fs.mkdirSync(path.join(root, 'docs'));
    fs.symlinkSync('generated', path.join(root, 'docs', 'generated'));
    expect(() => writeAtomically(root, [{ path: 'docs/generated/page.md', content: 'page\n' }], () => undefined)).toThrow(expect.objectContaining({ code: 'ELOOP', syscall: 'lstat', path: path.join(root, 'docs/generated/page.md') }));
  });

  test('GIVEN a folder of dist/ that is a loop of symbolic links WHEN written THEN the rendered folder replaces the link (a link in a folder synth owns is no folder of it; this threw ELOOP before the link was told apart)', () => {
    fs.mkdirSync(path.join(root, 'dist'));
    fs.symlinkSync('layer-2', path.join(root, 'dist', 'layer-2'));
    askedUntilCheck();
    expect(fs.lstatSync(path.join(root, 'dist', 'layer-2')).isDirectory()).toBe(true);
    expect(fs.readdirSync(path.join(root, 'dist', 'layer-2')).length).toBe(10);
  });

  test('GIVEN a folder of dist/ replaced by a symbolic link to a copy of it, elsewhere WHEN the same render is written THEN a folder with the rendered files replaces the link (the link was removed, and its files, taken as unchanged through it, were not put back: the folder was missing after a write that succeeded)', () => {
    writeCounting(root);
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'write-folders-elsewhere-'));
    try {
      fs.renameSync(path.join(root, 'dist', 'layer-4'), path.join(elsewhere, 'layer-4'));
      fs.symlinkSync(path.join(elsewhere, 'layer-4'), path.join(root, 'dist', 'layer-4'));
      writeCounting(root);
      expect(fs.lstatSync(path.join(root, 'dist', 'layer-4')).isDirectory()).toBe(true);
      expect(fs.readdirSync(path.join(root, 'dist', 'layer-4')).length).toBe(10);
      expect(fs.readdirSync(path.join(elsewhere, 'layer-4')).length).toBe(10);
      expect(writeCounting(root).changed).toEqual([]);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  test('GIVEN a file where the render has a folder WHEN written THEN nothing is looked for in it, and the folder with its files replaces it', () => {
    fs.mkdirSync(path.join(root, 'dist'));
    fs.writeFileSync(path.join(root, 'dist', 'layer-3'), 'a file\n');
    const seen = askedUntilCheck();
    expect(seen.filter((p) => p.startsWith(path.join(root, 'dist', 'layer-3') + path.sep))).toEqual([]);
    expect(fs.readdirSync(path.join(root, 'dist', 'layer-3')).length).toBe(10);
  });
});
