import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PlatformError } from '../../lib/platform-error';
import { readVendorLock, VENDOR_LOCK } from '../../lib/vendor/lock';

/** A checkout holding only vendor/lock.yaml with one chart at `version`. */
function lockText(version: string, sha = 'a'.repeat(64)): string {
  return `charts:\n  demo:\n    version: ${version}\n    path: vendor/charts/demo-${version}\n    repository: https://example.com/demo\n    ref: v${version}\n    commit: ${'c'.repeat(40)}\n    sha256: ${sha}\n`;
}

describe('readVendorLock: parsed again only when the text changed', () => {
  test('GIVEN a lock read once WHEN read again unchanged THEN the same frozen lock; WHEN its text changes (even to the same size) THEN the new entries', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vendor-lock-'));
    fs.mkdirSync(path.join(root, 'vendor'));
    const file = path.join(root, VENDOR_LOCK);
    fs.writeFileSync(file, lockText('1.0.0'));
    const first = readVendorLock(root);
    expect(first.charts.demo.version).toBe('1.0.0');
    expect(readVendorLock(root)).toBe(first);
    expect(Object.isFrozen(first.charts.demo.dependencies)).toBe(true);
    fs.writeFileSync(file, lockText('1.0.0', 'b'.repeat(64)));
    expect(readVendorLock(root).charts.demo.sha256).toBe('b'.repeat(64));
    fs.writeFileSync(file, lockText('2.0.0'));
    expect(readVendorLock(root).charts.demo.version).toBe('2.0.0');
  });

  test('GIVEN a lock read WHEN it is made invalid THEN reading throws naming the entry, every time', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vendor-lock-'));
    fs.mkdirSync(path.join(root, 'vendor'));
    const file = path.join(root, VENDOR_LOCK);
    fs.writeFileSync(file, lockText('1.0.0'));
    readVendorLock(root);
    fs.writeFileSync(file, lockText('1.0.0').replace(/ {4}sha256: .*\n/, ''));
    expect(() => readVendorLock(root)).toThrow(/charts\.demo\.sha256/);
    expect(() => readVendorLock(root)).toThrow(PlatformError);
  });

  /** A checkout holding only vendor/lock.yaml with `text`; what reading it throws. */
  function readError(text: string): { error: unknown; file: string } {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vendor-lock-'));
    fs.mkdirSync(path.join(root, 'vendor'));
    const file = path.join(root, VENDOR_LOCK);
    fs.writeFileSync(file, text);
    try {
      readVendorLock(root);
      return { error: undefined, file };
    } catch (e) {
      return { error: e, file };
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }

  test('GIVEN a lock that is not valid YAML (a bad merge) WHEN read THEN the error names the file, line and column and what to do', () => {
    const { error, file } = readError(`${lockText('1.0.0')}  other: [\n`);
    expect((error as Error).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:10:1: not valid YAML \\(.+\\); restore it from git \\(git checkout -- vendor/lock.yaml\\)$`));
    expect(error).toBeInstanceOf(PlatformError);
  });

  test('GIVEN a lock whose entry is empty (demo: null) WHEN read THEN the error names the entry and what to do, not a TypeError', () => {
    const { error, file } = readError('charts:\n  demo: null\n');
    // A PlatformError is a user's error: the command line prints its message alone, no stack, no "this is a bug".
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as Error).message).toBe(`${file}: charts.demo must be a map (version, path, repository, ref, sha256); re-run npm run vendor -- demo <version>`);
  });

  test('GIVEN a lock whose charts section is not a map WHEN read THEN the error names the section instead of finding no chart', () => {
    const { error, file } = readError('charts: 5\n');
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as Error).message).toBe(`${file}: charts must map names to vendored entries; restore it from git (git checkout -- vendor/lock.yaml)`);
  });

  test('GIVEN a lock that expands aliases into millions of nodes (an alias bomb) WHEN read THEN the error names the file and what to do, not a bug', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) levels.push(`l${i}: &l${i} [${Array(10).fill(i === 1 ? '*a' : `*l${i - 1}`).join(', ')}]`);
    const { error, file } = readError(`${levels.join('\n')}\ncharts: {}\n`);
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as Error).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot be read as data \\(.+\\); a lock needs no YAML aliases: restore it from git \\(git checkout -- vendor/lock.yaml\\)$`));
  });
});
