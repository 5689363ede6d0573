// The bench's temporary roots are checkouts as an operator's is (scripts/bench-apps.ts `asCheckout`):
// synth renders them from their own vendored sources and keeps the memo of those files' hashes,
// so a later process (a one-app change, a diff) reads no vendored file again; removing a root
// never touches this checkout's node_modules it links to. Also: how the bench puts a process-level
// figure over the floor of the in-process run of the same size.
import * as fs from 'fs';
import * as path from 'path';
import { CHECKOUT_PARTS, ChildResult, overFloor, pastRacyWindow, removeTemporary, rootWithApps } from '../../scripts/bench-apps';
import { synth } from '../../lib/synth';
import { readVendorLock, TREE_HASH_MEMO_FILE, TreeHashMemo } from '../../lib/vendor/lock';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { REPO } from '../helpers';

const registry = new SchemaRegistry();

describe('a bench root is a checkout', () => {
  let root: string;
  let made: number;
  beforeAll(() => {
    root = rootWithApps(2);
    made = Date.now();
  });
  afterAll(() => removeTemporary(root));

  test('GIVEN a bench root THEN it holds the vendored sources, their lock and the committed renders as copies, and node_modules as a link', () => {
    for (const part of CHECKOUT_PARTS.copied) {
      expect(fs.lstatSync(path.join(root, part)).isSymbolicLink()).toBe(false);
    }
    expect(fs.readFileSync(path.join(root, 'vendor', 'lock.yaml'), 'utf8')).toBe(fs.readFileSync(path.join(REPO, 'vendor', 'lock.yaml'), 'utf8'));
    expect(fs.readdirSync(path.join(root, 'render-cache')).sort()).toEqual(fs.readdirSync(path.join(REPO, 'render-cache')).sort());
    expect(fs.readlinkSync(path.join(root, 'node_modules'))).toBe(path.join(REPO, 'node_modules'));
  });

  test('GIVEN a bench root WHEN synth runs on it THEN its committed renders are unchanged and the next process hashes no vendored file', () => {
    pastRacyWindow(made);
    synth({ root, registry, log: () => undefined });
    for (const f of fs.readdirSync(path.join(REPO, 'render-cache'))) {
      expect(fs.readFileSync(path.join(root, 'render-cache', f), 'utf8')).toBe(fs.readFileSync(path.join(REPO, 'render-cache', f), 'utf8'));
    }
    // What the next process reads: the root's own memo, which knows every vendored file by its stat.
    const memo = new TreeHashMemo(path.join(root, TREE_HASH_MEMO_FILE));
    expect(memo.ignored).toBeUndefined();
    const lock = readVendorLock(root);
    const entries = [...Object.values(lock.charts), ...Object.values(lock.manifests)];
    expect(entries.length).toBeGreaterThan(5);
    for (const e of entries) expect(memo.hashTree(path.join(root, e.path))).toBe(e.sha256);
    expect(memo.hashed).toBe(0);
  });
});

describe('removing a bench root', () => {
  test('GIVEN a root with a link to node_modules WHEN it is removed THEN the root is gone and the linked folder is whole', () => {
    const target = fs.mkdtempSync(path.join(REPO, '.bench', 'target-'));
    const root = fs.mkdtempSync(path.join(REPO, '.bench', 'root-'));
    try {
      fs.writeFileSync(path.join(target, 'keep'), 'x');
      fs.symlinkSync(target, path.join(root, 'node_modules'), 'dir');
      removeTemporary(root);
      expect(fs.existsSync(root)).toBe(false);
      expect(fs.readFileSync(path.join(target, 'keep'), 'utf8')).toBe('x');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(target, { recursive: true, force: true });
    }
  });
});

describe('a process-level figure over the floor', () => {
  const child = { label: '1,000 apps', apps: 1000, jsYamlSerialiseMs: 1400, writeFilesMs: 200 } as ChildResult;

  test('GIVEN the 1,000-app child\'s js-yaml floor (serialise + write) WHEN a process took 2,400 ms THEN it reads 1.5x that floor, naming the run and the floor', () => {
    expect(overFloor(2400, child)).toBe(', 1.5x the js-yaml floor of the 1,000 apps run above (1600 ms)');
  });

  test('GIVEN no child of that size (a bench run without it) THEN nothing is added', () => {
    expect(overFloor(2400, undefined)).toBe('');
  });
});
