// The diff renders a checkout's working tree with the checkout's own vendored charts, as synth does
// there (lib/synth.ts `checkoutRenderer`), reading the memo of their hashes synth kept and writing
// nothing into .synth-cache.
import * as fs from 'fs';
import * as path from 'path';
import { renderWorkingTreeCounted } from '../../lib/diff/command';
import { checkoutRenderer, synth } from '../../lib/synth';
import { LOCK_MEMO_FILE, readVendorLock, TREE_HASH_MEMO_FILE } from '../../lib/vendor/lock';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { generatedApp, pastRacyWindow, removeTemporary, rootWithApps } from '../../scripts/bench-apps';
import { REPO, snapshotTree } from '../helpers';

const originalRead = fs.readFileSync;
const originalStat = fs.statSync;

describe('the diff of a checkout with its own vendored charts', () => {
  let root: string;
  beforeAll(() => {
    root = rootWithApps(2);
    pastRacyWindow(Date.now());
    synth({ root, registry: new SchemaRegistry(), log: () => undefined });
  });
  afterAll(() => removeTemporary(root));

  test('GIVEN a synthesized checkout WHEN an app changed and the diff renders its working tree THEN it reads no vendored file (synth\'s memo knows them), looks at none of this code\'s own, and writes nothing into .synth-cache', () => {
    const changed = generatedApp(1, '9.9.9');
    fs.writeFileSync(path.join(root, 'apps', `${changed.name}.yaml`), changed.text);
    // Synth's memo of the parsed lock is one a writing renderer would make again: without it, the diff must not.
    fs.rmSync(path.join(root, LOCK_MEMO_FILE));
    const cacheBefore = snapshotTree(path.join(root, '.synth-cache'));
    const realFs = jest.requireActual<typeof fs>('fs');
    const read: string[] = [];
    const ownLooked: string[] = [];
    const own = path.join(REPO, 'vendor') + path.sep;
    const readSpy = jest.spyOn(realFs, 'readFileSync').mockImplementation(((file: fs.PathOrFileDescriptor, options?: unknown) => {
      // The checkout's vendored files, or this code's own (which the diff must not render from).
      if (typeof file === 'string' && /[\\/]vendor[\\/](charts|manifests)[\\/]/.test(file)) read.push(file);
      return originalRead(file, options as never);
    }) as typeof fs.readFileSync);
    const statSpy = jest.spyOn(realFs, 'statSync').mockImplementation(((file: fs.PathLike, options?: unknown) => {
      if (typeof file === 'string' && file.startsWith(own)) ownLooked.push(file);
      return originalStat(file, options as never);
    }) as typeof fs.statSync);
    let rendered: ReturnType<typeof renderWorkingTreeCounted> | undefined;
    try {
      // Fresh modules, as a new process has: the vendored folders this process checked are not remembered.
      jest.isolateModules(() => {
        rendered = (require('../../lib/diff/command') as typeof import('../../lib/diff/command')).renderWorkingTreeCounted(root);
      });
    } finally {
      readSpy.mockRestore();
      statSpy.mockRestore();
    }
    expect(rendered?.files.some((f) => f.content.includes(`${changed.name}:9.9.9`))).toBe(true);
    // The lock is read; no chart or manifest file is, and this code's own vendored files are not even stat'ed.
    expect(read).toEqual([]);
    expect(ownLooked).toEqual([]);
    expect(snapshotTree(path.join(root, '.synth-cache'))).toEqual(cacheBefore);
    expect(fs.existsSync(path.join(root, LOCK_MEMO_FILE))).toBe(false);
  });

  test('GIVEN a checkout whose vendored chart was edited WHEN the diff renders its working tree THEN it refuses, naming the checkout\'s folder (the code\'s own charts are not what that checkout renders)', () => {
    // Another checkout: a process checks each vendored folder once.
    const edited = rootWithApps(0);
    try {
      const [chart] = Object.values(readVendorLock(edited).charts);
      fs.appendFileSync(path.join(edited, chart.path, 'Chart.yaml'), '# edited\n');
      expect(() => renderWorkingTreeCounted(edited)).toThrow(new RegExp(`^${chart.path.replace(/[.]/g, '\\.')}: its content hash is [0-9a-f]{64}, the lock says ${chart.sha256}`));
    } finally {
      removeTemporary(edited);
    }
  });
});

describe('checkoutRenderer', () => {
  test('GIVEN a checkout without .synth-cache WHEN a reading renderer and a writing one each check a vendored chart and save their caches THEN only the writing one leaves a memo of the hashes', () => {
    const roots = [rootWithApps(0), rootWithApps(0)];
    try {
      pastRacyWindow(Date.now());
      const memos = (['read', 'write'] as const).map((mode, i) => {
        const renderer = checkoutRenderer(roots[i], mode)!;
        const [name, chart] = Object.entries(renderer.lock.charts)[0];
        renderer.vendored(name, chart.version);
        renderer.saveCaches();
        return fs.existsSync(path.join(roots[i], TREE_HASH_MEMO_FILE));
      });
      expect(memos).toEqual([false, true]);
    } finally {
      roots.forEach(removeTemporary);
    }
  });

  test('GIVEN a folder without a vendor lock THEN there is no checkout renderer (this code\'s charts are rendered)', () => {
    const dir = fs.mkdtempSync(path.join(REPO, '.bench', 'no-lock-'));
    try {
      expect(checkoutRenderer(dir, 'read')).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
