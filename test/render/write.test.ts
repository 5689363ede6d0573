import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeAtomically } from '../../lib/render/write';
import { snapshotTree, writeTree } from '../helpers';

describe('atomic write', () => {
  let root: string;
  beforeEach(() => {
    root = writeTree({ 'dist/apps/old.yaml': 'old: 1\n', 'argocd/old.yaml': 'old: 2\n', 'site.yaml': 'name: x\n' });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('GIVEN a check that passes WHEN written THEN dist/ and argocd/ are replaced whole and nothing is left behind', () => {
    let checked: Map<string, string> | undefined;
    writeAtomically(root, [{ path: 'dist/apps/new.yaml', content: 'new: 1\n' }, { path: 'argocd/new.yaml', content: 'new: 2\n' }], (tmp) => {
      checked = snapshotTree(tmp);
    });
    expect([...checked!.keys()].sort()).toEqual(['argocd/new.yaml', 'dist/apps/new.yaml']);
    expect(snapshotTree(root)).toEqual(new Map([['argocd/new.yaml', 'new: 2\n'], ['dist/apps/new.yaml', 'new: 1\n'], ['site.yaml', 'name: x\n']]));
    expect(fs.readdirSync(root).filter((f) => f.startsWith('.render-'))).toEqual([]);
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

  test('GIVEN a stale temporary folder from a killed run WHEN written THEN it is cleaned up', () => {
    fs.mkdirSync(path.join(root, '.render-stale'));
    writeAtomically(root, [{ path: 'dist/apps/new.yaml', content: 'x\n' }], () => undefined);
    expect(fs.readdirSync(root).filter((f) => f.startsWith('.render-'))).toEqual([]);
  });

  test('GIVEN a first run with no outputs yet WHEN written THEN the folders are created', () => {
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'fresh-'));
    writeAtomically(fresh, [{ path: 'dist/apps/a.yaml', content: 'a\n' }], () => undefined);
    expect(snapshotTree(fresh)).toEqual(new Map([['dist/apps/a.yaml', 'a\n']]));
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
