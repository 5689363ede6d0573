import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
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
    expect(() => readVendorLock(root)).toThrow(/charts\.demo\.sha256/);
  });
});
