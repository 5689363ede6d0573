import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SwapStep } from '../../lib/render/swap';
import { writeAtomically } from '../../lib/render/write';
import { snapshotTree, writeTree } from '../helpers';

describe('atomic write', () => {
  let root: string;
  beforeEach(() => {
    root = writeTree({ 'dist/apps/old.yaml': 'old: 1\n', 'argocd/old.yaml': 'old: 2\n', 'site.yaml': 'name: x\n' });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('GIVEN a check that passes WHEN written THEN dist/ and argocd/ hold the new files only, the check saw them, and nothing is left behind', () => {
    let checked: Map<string, string> | undefined;
    writeAtomically(root, [{ path: 'dist/apps/new.yaml', content: 'new: 1\n' }, { path: 'argocd/new.yaml', content: 'new: 2\n' }], (tree) => {
      checked = snapshotTree(tree.dir);
    });
    expect([...checked!.keys()].sort()).toEqual(['argocd/new.yaml', 'dist/apps/new.yaml']);
    expect(snapshotTree(root)).toEqual(new Map([['argocd/new.yaml', 'new: 2\n'], ['dist/apps/new.yaml', 'new: 1\n'], ['site.yaml', 'name: x\n']]));
    expect(fs.readdirSync(root).filter((f) => f.startsWith('.render-'))).toEqual([]);
  });

  test('GIVEN files that can let go of their text WHEN written THEN each one staged is told the sha256 of the bytes written and where they are after the swap, before the check runs; one already on disk is not staged', () => {
    fs.writeFileSync(path.join(root, 'dist/apps/old.yaml'), 'same: 1\n');
    const told: [string, string, string][] = [];
    const letting = (p: string, content: string) => ({ path: p, content, staged: (digest: string, final: string) => told.push([p, digest, final]) });
    let toldBeforeCheck = 0;
    writeAtomically(root, [letting('dist/apps/new.yaml', 'new: é\n'), letting('dist/apps/old.yaml', 'same: 1\n')], () => {
      toldBeforeCheck = told.length;
    });
    const digest = createHash('sha256').update(Buffer.from('new: é\n', 'utf8')).digest('hex');
    expect(told).toEqual([['dist/apps/new.yaml', digest, path.join(root, 'dist/apps/new.yaml')]]);
    expect(toldBeforeCheck).toBe(1);
    expect(fs.readFileSync(path.join(root, 'dist/apps/new.yaml'), 'utf8')).toBe('new: é\n');
  });

  test('GIVEN a check that throws WHEN written THEN the outputs are byte-for-byte as before', () => {
    const before = snapshotTree(root);
    expect(() => writeAtomically(root, [{ path: 'dist/apps/new.yaml', content: 'new\n' }], () => {
      throw new Error('verify failed');
    })).toThrow('verify failed');
    expect(snapshotTree(root)).toEqual(before);
    expect(fs.readdirSync(root).sort()).toEqual(['argocd', 'dist', 'site.yaml']);
  });

  test('GIVEN a file outside the output folders WHEN written THEN it is refused and nothing changes', () => {
    const before = snapshotTree(root);
    expect(() => writeAtomically(root, [{ path: 'site.yaml', content: 'evil\n' }], () => undefined)).toThrow('refusing to write site.yaml');
    expect(() => writeAtomically(root, [{ path: 'dist/../site.yaml', content: 'evil\n' }], () => undefined)).toThrow('refusing to write');
    expect(snapshotTree(root)).toEqual(before);
  });

  test('GIVEN the outputs as the caller read them under the lock (onDisk) WHEN written THEN a file with the same text and mode there is taken as unchanged without reading the disk again; one whose text or mode differs is compared on disk', () => {
    // The disk changed behind the caller's back after it read same.yaml: the caller's read is what counts.
    fs.writeFileSync(path.join(root, 'dist/apps/same.yaml'), 'changed behind the caller\n');
    fs.writeFileSync(path.join(root, 'dist/apps/other.yaml'), 'other\n');
    const onDisk = new Map([
      ['dist/apps/same.yaml', { path: 'dist/apps/same.yaml', content: 'same\n' }],
      ['dist/apps/other.yaml', { path: 'dist/apps/other.yaml', content: 'other\n' }],
      ['dist/apps/old.yaml', { path: 'dist/apps/old.yaml', content: 'old: 1\n', executable: true }],
    ]);
    const result = writeAtomically(root, [
      { path: 'dist/apps/same.yaml', content: 'same\n' },
      { path: 'dist/apps/other.yaml', content: 'changed\n' },
      { path: 'dist/apps/old.yaml', content: 'old: 1\n' },
    ], () => undefined, { onDisk });
    expect(result.changed).toEqual(['argocd/old.yaml', 'dist/apps/other.yaml']);
    expect(snapshotTree(path.join(root, 'dist'))).toEqual(new Map([['apps/old.yaml', 'old: 1\n'], ['apps/other.yaml', 'changed\n'], ['apps/same.yaml', 'changed behind the caller\n']]));
  });

  test('GIVEN files whose digests are known and whose texts are read only when asked WHEN the disk holds those bytes THEN they are taken as unchanged without asking for their texts; WHEN it does not THEN the text is asked for and written', () => {
    fs.writeFileSync(path.join(root, 'dist/apps/same.yaml'), 'same\n');
    fs.writeFileSync(path.join(root, 'dist/apps/other.yaml'), 'other\n');
    const asked: string[] = [];
    const lazy = (p: string, text: string) => ({ path: p, digest: createHash('sha256').update(text).digest('hex'), get content() { asked.push(p); return text; } });
    const result = writeAtomically(root, [lazy('dist/apps/same.yaml', 'same\n'), lazy('dist/apps/other.yaml', 'changed\n'), { path: 'dist/apps/old.yaml', content: 'old: 1\n' }], () => undefined);
    expect(asked).toEqual(['dist/apps/other.yaml']);
    expect(result.changed).toEqual(['argocd/old.yaml', 'dist/apps/other.yaml']);
    expect(snapshotTree(path.join(root, 'dist'))).toEqual(new Map([['apps/old.yaml', 'old: 1\n'], ['apps/other.yaml', 'changed\n'], ['apps/same.yaml', 'same\n']]));
  });

  test('GIVEN a stale temporary folder from a killed run WHEN written THEN it is cleaned up', () => {
    fs.mkdirSync(path.join(root, '.render-stale'));
    writeAtomically(root, [{ path: 'dist/apps/new.yaml', content: 'x\n' }], () => undefined);
    expect(fs.readdirSync(root).filter((f) => f.startsWith('.render-'))).toEqual([]);
  });

  test('GIVEN a first run with no outputs yet WHEN written THEN dist/ is moved in whole and the empty output folders are created', () => {
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'fresh-'));
    const steps: SwapStep[] = [];
    writeAtomically(fresh, [{ path: 'dist/apps/a.yaml', content: 'a\n' }], () => undefined, { onStep: (s) => steps.push(s) });
    expect(snapshotTree(fresh)).toEqual(new Map([['dist/apps/a.yaml', 'a\n']]));
    expect(fs.readdirSync(fresh).sort()).toEqual(['argocd', 'dist', 'render-cache']);
    expect(steps.map((s) => `${s.action} ${s.path}`)).toEqual(['journal .synth-journal.json', 'mkdir argocd', 'mkdir render-cache', 'install dist', 'commit .synth-journal.json']);
    fs.rmSync(fresh, { recursive: true });
  });

  test.each([0, 1, 2, 3, 4])('GIVEN a first run that fails at step %i WHEN written THEN nothing of it is left', (index) => {
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'fresh-'));
    expect(() => writeAtomically(fresh, [{ path: 'dist/apps/a.yaml', content: 'a\n' }], () => undefined, {
      onStep: (s) => {
        if (s.index === index) throw new Error(`failed at ${s.action}`);
      },
    })).toThrow('failed at');
    expect(fs.readdirSync(fresh)).toEqual([]);
    fs.rmSync(fresh, { recursive: true });
  });
});

describe('atomic write after a crash', () => {
  test('GIVEN a run killed between moving dist/ aside and moving the new one in WHEN the next run starts THEN the old dist/ is restored before anything else', () => {
    const root = writeTree({ 'argocd/a.yaml': 'a\n', '.render-killed/dist.old/apps/old.yaml': 'old\n' });
    let seen: Map<string, string> | undefined;
    expect(() => writeAtomically(root, [{ path: 'dist/apps/new.yaml', content: 'new\n' }], () => {
      seen = snapshotTree(path.join(root, 'dist'));
      throw new Error('verify failed');
    })).toThrow('verify failed');
    expect(seen).toEqual(new Map([['apps/old.yaml', 'old\n']]));
    expect(snapshotTree(root)).toEqual(new Map([['argocd/a.yaml', 'a\n'], ['dist/apps/old.yaml', 'old\n']]));
    fs.rmSync(root, { recursive: true });
  });

  test('GIVEN another live synth holds the lock WHEN a second one starts THEN it refuses and changes nothing', () => {
    const root = writeTree({ 'dist/apps/a.yaml': 'a\n', '.render.lock': String(process.ppid) });
    expect(() => writeAtomically(root, [{ path: 'dist/apps/b.yaml', content: 'b\n' }], () => undefined)).toThrow(`another synth (pid ${process.ppid}) is writing this checkout`);
    expect(snapshotTree(path.join(root, 'dist'))).toEqual(new Map([['apps/a.yaml', 'a\n']]));
    fs.rmSync(root, { recursive: true });
  });

  test('GIVEN a lock left by a dead process WHEN a synth starts THEN it takes the lock and releases it after', () => {
    const root = writeTree({ '.render.lock': '999999999' });
    writeAtomically(root, [{ path: 'dist/apps/b.yaml', content: 'b\n' }], () => undefined);
    expect(fs.existsSync(path.join(root, '.render.lock'))).toBe(false);
    expect(snapshotTree(path.join(root, 'dist'))).toEqual(new Map([['apps/b.yaml', 'b\n']]));
    fs.rmSync(root, { recursive: true });
  });
});

describe('only changed files written', () => {
  /** Inode and modification time of every file and folder under the output folders and docs/, by path. */
  function stamps(root: string): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (rel: string) => {
      const st = fs.lstatSync(path.join(root, rel));
      out.set(rel, `${st.ino} ${st.mtimeMs} ${st.mode}`);
      if (st.isDirectory()) for (const name of fs.readdirSync(path.join(root, rel)).sort()) walk(`${rel}/${name}`);
    };
    for (const dir of ['dist', 'argocd', 'render-cache', 'docs']) if (fs.existsSync(path.join(root, dir))) walk(dir);
    return out;
  }

  const FILES = [
    { path: 'dist/apps/web.yaml', content: 'kind: Deployment\n' },
    { path: 'dist/apps/api.yaml', content: 'kind: Service\n' },
    { path: 'dist/hosts/install.sh', content: '#!/bin/sh\n', executable: true },
    { path: 'argocd/apps.yaml', content: 'kind: Application\n' },
    { path: 'docs/generated.md', content: '# generated\n' },
  ];

  let root: string;
  beforeEach(() => {
    root = writeTree({ 'docs/hand-written.md': 'mine\n', 'site.yaml': 'name: x\n' });
    writeAtomically(root, FILES, () => undefined);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('GIVEN the same render again WHEN written THEN no file or folder of the outputs is touched (inode and mtime the same) and no step runs', async () => {
    const before = stamps(root);
    // Past the filesystem's timestamp granularity, so a rewrite would show.
    await new Promise((r) => setTimeout(r, 20));
    const steps: SwapStep[] = [];
    let checked: Map<string, string | undefined> | undefined;
    let staged: Map<string, string> | undefined;
    const result = writeAtomically(root, FILES, (tree) => {
      checked = new Map(tree.files.map((f) => [f, tree.read(f)]));
      staged = snapshotTree(tree.dir);
    }, { onStep: (s) => steps.push(s) });
    expect(result.changed).toEqual([]);
    expect(steps).toEqual([]);
    expect(stamps(root)).toEqual(before);
    // The check still saw the whole tree; nothing was written to move in.
    expect(checked).toEqual(new Map(FILES.map((f) => [f.path, f.content])));
    expect(staged).toEqual(new Map());
    expect(fs.readdirSync(root).filter((f) => f.startsWith('.render') || f.startsWith('.synth'))).toEqual([]);
  });

  test('GIVEN one file changed WHEN written THEN only that file is replaced, and a check that fails moves nothing', async () => {
    const before = stamps(root);
    await new Promise((r) => setTimeout(r, 20));
    const next = FILES.map((f) => (f.path === 'dist/apps/web.yaml' ? { ...f, content: 'kind: Deployment # v2\n' } : f));
    expect(() => writeAtomically(root, next, () => {
      throw new Error('verify failed');
    })).toThrow('verify failed');
    expect(stamps(root)).toEqual(before);
    const result = writeAtomically(root, next, () => undefined);
    expect(result.changed).toEqual(['dist/apps/web.yaml']);
    const after = stamps(root);
    const differ = [...after.keys()].filter((p) => after.get(p) !== before.get(p));
    // The file, and its folder (a rename into it changes the folder's mtime).
    expect(differ).toEqual(['dist/apps', 'dist/apps/web.yaml']);
    expect(fs.readFileSync(path.join(root, 'dist/apps/web.yaml'), 'utf8')).toBe('kind: Deployment # v2\n');
  });

  test('GIVEN an output edited by hand, with the same size, or its executable bit lost WHEN written THEN it is written again', () => {
    fs.writeFileSync(path.join(root, 'dist/apps/api.yaml'), 'kind: Servic3\n');
    fs.chmodSync(path.join(root, 'dist/hosts/install.sh'), 0o644);
    const result = writeAtomically(root, FILES, () => undefined);
    expect(result.changed).toEqual(['dist/apps/api.yaml', 'dist/hosts/install.sh']);
    expect(fs.readFileSync(path.join(root, 'dist/apps/api.yaml'), 'utf8')).toBe('kind: Service\n');
    expect(fs.statSync(path.join(root, 'dist/hosts/install.sh')).mode & 0o111).toBe(0o111);
  });

  test('GIVEN reports of hundreds of KB, unchanged (one with a character beyond ASCII across the first 64K characters\' end), one edited by hand past its first 64 KB with the same size, one with a character beyond ASCII changed WHEN written THEN only the edited ones are written again', () => {
    const line = (i: number) => `| app-${i} | survives | 3 replicas |\n`;
    const big = Array.from({ length: 20_000 }, (_, i) => line(i)).join('');
    // A surrogate pair as characters 65,535 and 65,536.
    const wide = `${big.slice(0, 65_535)}\u{1F600}${big.slice(65_535)}| é |\n`;
    const reports = [
      { path: 'reports/same.md', content: big },
      { path: 'reports/edited.md', content: big },
      { path: 'reports/wide.md', content: wide },
      { path: 'reports/wide-same.md', content: wide },
    ];
    writeAtomically(root, [...FILES, ...reports], () => undefined);
    const at = big.length - 100;
    fs.writeFileSync(path.join(root, 'reports/edited.md'), `${big.slice(0, at)}X${big.slice(at + 1)}`);
    fs.writeFileSync(path.join(root, 'reports/wide.md'), wide.replace('é', 'è'));
    const result = writeAtomically(root, [...FILES, ...reports], () => undefined);
    expect(result.changed).toEqual(['reports/edited.md', 'reports/wide.md']);
    for (const r of reports) expect(fs.readFileSync(path.join(root, r.path), 'utf8')).toBe(r.content);
  });

  test('GIVEN files and folders that went away, and a stray file WHEN written THEN they are removed with the folders left empty, and docs/ keeps its hand-written file', () => {
    fs.writeFileSync(path.join(root, 'dist/apps/stray.yaml'), 'not rendered\n');
    const result = writeAtomically(root, FILES.filter((f) => !f.path.startsWith('dist/hosts/')), () => undefined);
    expect(result.changed).toEqual(['dist/apps/stray.yaml', 'dist/hosts/install.sh']);
    expect(fs.existsSync(path.join(root, 'dist/hosts'))).toBe(false);
    expect(snapshotTree(root)).toEqual(new Map([
      ['argocd/apps.yaml', 'kind: Application\n'],
      ['dist/apps/api.yaml', 'kind: Service\n'],
      ['dist/apps/web.yaml', 'kind: Deployment\n'],
      ['docs/generated.md', '# generated\n'],
      ['docs/hand-written.md', 'mine\n'],
      ['site.yaml', 'name: x\n'],
    ]));
  });

  test('GIVEN a render written over older outputs WHEN compared with the same render written into an empty checkout THEN the files are the same byte for byte', () => {
    const next = [...FILES.slice(1), { path: 'dist/new/x.yaml', content: 'x: 1\n' }];
    writeAtomically(root, next, () => undefined);
    const fresh = writeTree({ 'docs/hand-written.md': 'mine\n', 'site.yaml': 'name: x\n' });
    writeAtomically(fresh, next, () => undefined);
    expect(snapshotTree(root)).toEqual(snapshotTree(fresh));
    fs.rmSync(fresh, { recursive: true });
  });
});
