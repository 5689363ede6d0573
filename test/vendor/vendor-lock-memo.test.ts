import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LOCK_MEMO_FILE, VENDOR_LOCK } from '../../lib/vendor/lock';

/** A lock with one chart (with a subchart) and one manifest set, at `version`. */
function lockText(version: string): string {
  return [
    '# a comment',
    'charts:',
    '  demo:',
    `    version: ${version}`,
    `    path: vendor/charts/demo-${version}`,
    '    repository: https://example.com/demo',
    `    ref: v${version}`,
    `    commit: ${'c'.repeat(40)}`,
    `    sha256: ${'a'.repeat(64)}`,
    '    dependencies:',
    '      - name: sub',
    '        version: 0.1.0',
    '        path: charts/sub',
    '    added: [LICENSE]',
    'manifests:',
    '  crds:',
    '    version: "1.2"',
    '    path: vendor/manifests/crds',
    '    repository: https://example.com/crds',
    '    ref: v1.2',
    `    commit: ${'d'.repeat(40)}`,
    `    sha256: ${'b'.repeat(64)}`,
    '',
  ].join('\n');
}

/** A checkout holding vendor/lock.yaml with `text`. */
function checkout(text: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vendor-lock-memo-'));
  fs.mkdirSync(path.join(root, 'vendor'));
  fs.writeFileSync(path.join(root, VENDOR_LOCK), text);
  return root;
}

/** readVendorLock in a module afresh (a new process: no lock parsed yet), and how many YAML documents it parsed. */
function readFresh(root: string, code?: string, writeMemo = true): { lock?: import('../../lib/vendor/lock').VendorLock; error?: Error; parsed: number } {
  let parsed = 0;
  let lock: import('../../lib/vendor/lock').VendorLock | undefined;
  let error: Error | undefined;
  jest.isolateModules(() => {
    jest.doMock('yaml', () => {
      const actual = jest.requireActual('yaml') as typeof import('yaml');
      return { ...actual, parseDocument: (...args: Parameters<typeof actual.parseDocument>) => (parsed++, actual.parseDocument(...args)) };
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { readVendorLock } = require('../../lib/vendor/lock') as typeof import('../../lib/vendor/lock');
    try {
      lock = readVendorLock(root, code, writeMemo);
    } catch (e) {
      error = e as Error;
    }
  });
  return { ...(lock ? { lock } : {}), ...(error ? { error } : {}), parsed };
}

/** The lock as data, its key order included. */
const asJson = (lock: unknown) => JSON.stringify(lock);

describe('readVendorLock with a code fingerprint: the parsed lock kept in .synth-cache by its text', () => {
  test('GIVEN a lock read once with a code WHEN read in a new process THEN the same lock (same keys, same order, frozen alike) without parsing YAML', () => {
    const root = checkout(lockText('1.0.0'));
    const plain = readFresh(root);
    const first = readFresh(root, 'code-1');
    expect(first.parsed).toBe(1);
    expect(fs.existsSync(path.join(root, LOCK_MEMO_FILE))).toBe(true);
    const second = readFresh(root, 'code-1');
    expect(second.parsed).toBe(0);
    expect(asJson(second.lock)).toBe(asJson(plain.lock));
    expect(second.lock).toEqual(plain.lock);
    const lock = second.lock!;
    for (const frozen of [lock, lock.charts, lock.manifests, lock.charts.demo, lock.charts.demo.dependencies, lock.manifests.crds]) expect(Object.isFrozen(frozen)).toBe(true);
  });

  test('GIVEN a reader that does not write the memo (the diff) WHEN there is none THEN the lock is parsed and no memo is left; WHEN synth left one THEN it is read without parsing YAML', () => {
    const root = checkout(lockText('1.0.0'));
    const plain = readFresh(root);
    const first = readFresh(root, 'code-1', false);
    expect(first.parsed).toBe(1);
    expect(fs.existsSync(path.join(root, LOCK_MEMO_FILE))).toBe(false);
    readFresh(root, 'code-1');
    const memo = fs.readFileSync(path.join(root, LOCK_MEMO_FILE), 'utf8');
    const second = readFresh(root, 'code-1', false);
    expect(second.parsed).toBe(0);
    expect(asJson(second.lock)).toBe(asJson(plain.lock));
    // Another lock text: parsed, and the memo of the first is left as it was.
    fs.writeFileSync(path.join(root, VENDOR_LOCK), lockText('1.0.1'));
    expect(readFresh(root, 'code-1', false).parsed).toBe(1);
    expect(fs.readFileSync(path.join(root, LOCK_MEMO_FILE), 'utf8')).toBe(memo);
  });

  test('GIVEN a memo of the lock WHEN the lock is edited (same size) THEN it is parsed again and gives the new entries', () => {
    const root = checkout(lockText('1.0.0'));
    readFresh(root, 'code-1');
    fs.writeFileSync(path.join(root, VENDOR_LOCK), lockText('1.0.1'));
    const after = readFresh(root, 'code-1');
    expect(after.parsed).toBe(1);
    expect(after.lock!.charts.demo.version).toBe('1.0.1');
  });

  test('GIVEN a memo of the lock WHEN the lock is made invalid THEN it is refused with the message it has without a memo', () => {
    const root = checkout(lockText('1.0.0'));
    readFresh(root, 'code-1');
    fs.writeFileSync(path.join(root, VENDOR_LOCK), lockText('1.0.0').replace(/ {4}sha256: a+\n/, ''));
    const withMemo = readFresh(root, 'code-1');
    const without = readFresh(root);
    expect(withMemo.error?.message).toMatch(/charts\.demo\.sha256 must be a non-empty string/);
    expect(withMemo.error?.message).toBe(without.error?.message);
  });

  test('GIVEN a memo written by other code WHEN read THEN the lock is parsed again', () => {
    const root = checkout(lockText('1.0.0'));
    readFresh(root, 'code-1');
    expect(readFresh(root, 'code-2').parsed).toBe(1);
  });

  test('GIVEN a memo whose entries were changed (its checksum no longer matches) WHEN read THEN it is ignored: the lock is parsed, the lock file\'s values given, and the memo written again', () => {
    const root = checkout(lockText('1.0.0'));
    readFresh(root, 'code-1');
    const memoFile = path.join(root, LOCK_MEMO_FILE);
    fs.writeFileSync(memoFile, fs.readFileSync(memoFile, 'utf8').replace('a'.repeat(64), 'e'.repeat(64)));
    const read = readFresh(root, 'code-1');
    expect(read.parsed).toBe(1);
    expect(read.lock!.charts.demo.sha256).toBe('a'.repeat(64));
    expect(readFresh(root, 'code-1').parsed).toBe(0);
  });

  test('GIVEN a memo cut short (not JSON) WHEN read THEN the lock is parsed as without it', () => {
    const root = checkout(lockText('1.0.0'));
    readFresh(root, 'code-1');
    const memoFile = path.join(root, LOCK_MEMO_FILE);
    fs.writeFileSync(memoFile, fs.readFileSync(memoFile, 'utf8').slice(0, 100));
    const read = readFresh(root, 'code-1');
    expect(read.parsed).toBe(1);
    expect(asJson(read.lock)).toBe(asJson(readFresh(root).lock));
  });

  test('GIVEN a memo WHEN it is deleted THEN the lock is parsed and the memo written again', () => {
    const root = checkout(lockText('1.0.0'));
    readFresh(root, 'code-1');
    fs.rmSync(path.join(root, LOCK_MEMO_FILE));
    expect(readFresh(root, 'code-1').parsed).toBe(1);
    expect(fs.existsSync(path.join(root, LOCK_MEMO_FILE))).toBe(true);
  });

  test('GIVEN no code WHEN the lock is read THEN no memo is read or written', () => {
    const root = checkout(lockText('1.0.0'));
    expect(readFresh(root).parsed).toBe(1);
    expect(fs.existsSync(path.join(root, '.synth-cache'))).toBe(false);
  });

  test('GIVEN a chart renderer given a code WHEN its lock is read without synth\'s cache (hashMemo: false) or fresh THEN no memo is written; with the cache THEN it is', () => {
    const { ChartRenderer } = jest.requireActual('../../lib/render/chart-renderer') as typeof import('../../lib/render/chart-renderer');
    for (const options of [{ hashMemo: false }, { fresh: true }]) {
      const root = checkout(lockText('1.0.0'));
      expect(new ChartRenderer({ root, code: 'code-1', ...options }).lock.charts.demo.version).toBe('1.0.0');
      expect(fs.existsSync(path.join(root, '.synth-cache'))).toBe(false);
    }
    const root = checkout(lockText('1.0.0'));
    expect(new ChartRenderer({ root, code: 'code-1', fresh: false }).lock.charts.demo.version).toBe('1.0.0');
    expect(fs.existsSync(path.join(root, LOCK_MEMO_FILE))).toBe(true);
  });
});
