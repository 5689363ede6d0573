// synth({ cache: false }) neither reads nor writes any file of a .synth-cache/ folder: not the
// checkout's caches, and not the vendored files' hash memo (the checkout's, or this code's when the
// checkout vendors no charts). The first synth of this file must be the one without a cache: the
// chart renderer remembers, process-wide, the vendored folders it has checked.
import * as path from 'path';
import { synth } from '../lib/synth';
import { SchemaRegistry } from '../lib/verify/schemas';
import { REPO, snapshotTree, tempRootWithOutputs } from './helpers';

// The real module (the lib's `import * as fs` reads its functions from it at each call).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const realFs = require('fs') as typeof import('fs');

const CACHE_DIR = '.synth-cache';
const CACHE_FILES = ['verify-checks.entries', 'render-files.entries', 'failure-analysis.txt', 'vendor-file-hashes.json', 'vendor-lock.json', 'committed-renders.entries'];

/**
 * Runs `f`, returning every path under a `.synth-cache` folder that an fs function was called with
 * meanwhile. Plain wrappers, not jest spies: the real fs module is shared by every test file of a
 * jest worker, and Node's own lazily loaded helpers (rmSync's, cpSync's) keep the functions they
 * find when first loaded. A restored jest spy kept there does nothing any more (rmSync then removed
 * nothing in the next test files); a wrapper kept there still calls the real function, and records
 * nothing once `f` returned.
 */
function cachePathsTouched(f: () => void): string[] {
  const touched: string[] = [];
  let active = true;
  const functions = realFs as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  for (const name of Object.keys(realFs).filter((n) => n.endsWith('Sync') && typeof functions[n] === 'function')) {
    const original = functions[name];
    originals.set(name, original);
    functions[name] = function (this: unknown, ...args: unknown[]) {
      if (active) for (const arg of args.slice(0, 2)) if ((typeof arg === 'string' || arg instanceof URL) && String(arg).split(/[\\/]/).includes(CACHE_DIR)) touched.push(`${name} ${String(arg)}`);
      return original.apply(this, args);
    };
  }
  try {
    f();
  } finally {
    active = false;
    for (const [name, original] of originals) functions[name] = original;
  }
  return touched;
}

describe('synth without its cache', () => {
  const registry = new SchemaRegistry();

  test('GIVEN a checkout whose .synth-cache/ holds a file of each cache WHEN synthesized with cache: false THEN no file of any .synth-cache/ folder is read or written, and the folder is left as it was; with the cache THEN they are', () => {
    const root = tempRootWithOutputs();
    try {
      realFs.copyFileSync(path.join(REPO, 'site.yaml'), path.join(root, 'site.yaml'));
      realFs.mkdirSync(path.join(root, CACHE_DIR));
      for (const f of CACHE_FILES) realFs.writeFileSync(path.join(root, CACHE_DIR, f), 'garbage{[');
      const before = snapshotTree(path.join(root, CACHE_DIR));
      const without = cachePathsTouched(() => synth({ root, registry, cache: false, log: () => undefined }));
      expect(without).toEqual([]);
      expect(snapshotTree(path.join(root, CACHE_DIR))).toEqual(before);
      // The spies see what synth does: with its cache, it reads and writes there.
      const withCache = cachePathsTouched(() => synth({ root, registry, log: () => undefined }));
      expect(withCache.some((call) => call.startsWith('readFileSync'))).toBe(true);
      expect(snapshotTree(path.join(root, CACHE_DIR))).not.toEqual(before);
    } finally {
      realFs.rmSync(root, { recursive: true, force: true });
    }
  });
});
