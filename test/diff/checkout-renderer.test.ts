// The diff renders a checkout's working tree with the checkout's own vendored charts, as synth does
// there (lib/synth.ts `checkoutRenderer`), reading the memo of their hashes synth kept and writing
// nothing into .synth-cache.
import * as fs from 'fs';
import * as path from 'path';
import { renderWorkingTreeCounted } from '../../lib/diff/command';
import { synth } from '../../lib/synth';
import { readVendorLock } from '../../lib/vendor/lock';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { generatedApp, pastRacyWindow, removeTemporary, rootWithApps } from '../../scripts/bench-apps';
import { snapshotTree } from '../helpers';

const originalRead = fs.readFileSync;

describe('the diff of a checkout with its own vendored charts', () => {
  let root: string;
  beforeAll(() => {
    root = rootWithApps(2);
    pastRacyWindow(Date.now());
    synth({ root, registry: new SchemaRegistry(), log: () => undefined });
  });
  afterAll(() => removeTemporary(root));

  test('GIVEN a synthesized checkout WHEN an app changed and the diff renders its working tree THEN it reads no vendored file (synth\'s memo knows them) and leaves .synth-cache as it was', () => {
    const changed = generatedApp(1, '9.9.9');
    fs.writeFileSync(path.join(root, 'apps', `${changed.name}.yaml`), changed.text);
    const cacheBefore = snapshotTree(path.join(root, '.synth-cache'));
    const realFs = jest.requireActual<typeof fs>('fs');
    const read: string[] = [];
    const spy = jest.spyOn(realFs, 'readFileSync').mockImplementation(((file: fs.PathOrFileDescriptor, options?: unknown) => {
      // The checkout's vendored files, or this code's own (which the diff must not render from).
      if (typeof file === 'string' && /[\\/]vendor[\\/](charts|manifests)[\\/]/.test(file)) read.push(file);
      return originalRead(file, options as never);
    }) as typeof fs.readFileSync);
    let rendered: ReturnType<typeof renderWorkingTreeCounted> | undefined;
    try {
      // Fresh modules, as a new process has: the vendored folders this process checked are not remembered.
      jest.isolateModules(() => {
        rendered = (require('../../lib/diff/command') as typeof import('../../lib/diff/command')).renderWorkingTreeCounted(root);
      });
    } finally {
      spy.mockRestore();
    }
    expect(rendered?.files.some((f) => f.content.includes(`${changed.name}:9.9.9`))).toBe(true);
    // The lock is read; no chart or manifest file is.
    expect(read).toEqual([]);
    expect(snapshotTree(path.join(root, '.synth-cache'))).toEqual(cacheBefore);
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
