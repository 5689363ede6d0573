import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { hashTree, TREE_HASH_MEMO_FILE, TreeHashMemo } from '../../lib/vendor/lock';
import { createHash } from 'crypto';
import { HelmComponent } from '../../lib/constructs/helm-component';
import { DEMO_CHART, renderDemo, vendoredRoot } from '../constructs/upstream-fixtures';

/** A folder of a few files, and a memo file beside it. */
function tree(): { dir: string; memo: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tree-memo-'));
  const dir = path.join(root, 'chart');
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), 'name: demo\nversion: 1.0.0\n');
  fs.writeFileSync(path.join(dir, 'values.yaml'), 'replicas: 2\n');
  fs.writeFileSync(path.join(dir, 'templates/deployment.yaml'), 'kind: Deployment\n');
  return { dir, memo: path.join(root, TREE_HASH_MEMO_FILE) };
}

/** A clock well after every file's last change (files written by the test are not racy to it). */
const later = () => BigInt(Date.now() + 60_000) * 1_000_000n;

describe('TreeHashMemo: hashTree that skips unchanged files', () => {
  test('GIVEN a folder WHEN hashed cold and then warm THEN both equal hashTree, and the warm run reads no file', () => {
    const { dir, memo } = tree();
    const cold = new TreeHashMemo(memo, later);
    expect(cold.hashTree(dir)).toBe(hashTree(dir));
    expect(cold.hashed).toBe(3);
    cold.save();
    const warm = new TreeHashMemo(memo, later);
    expect(warm.ignored).toBeUndefined();
    expect(warm.hashTree(dir)).toBe(hashTree(dir));
    expect(warm.hashed).toBe(0);
  });

  test('GIVEN a file rewritten with the same size after the memo was saved WHEN hashed THEN its new bytes count (its stat changed)', () => {
    const { dir, memo } = tree();
    const first = new TreeHashMemo(memo, later);
    const before = first.hashTree(dir);
    first.save();
    fs.writeFileSync(path.join(dir, 'values.yaml'), 'replicas: 3\n');
    const next = new TreeHashMemo(memo, later);
    const after = next.hashTree(dir);
    expect(after).toBe(hashTree(dir));
    expect(after).not.toBe(before);
    expect(next.hashed).toBe(1);
  });

  test('GIVEN a file read through the memo (read) WHEN its hash is asked again, in this run and the next THEN the bytes and sha256 are the file\'s and no run reads it again; a racy file is not remembered', () => {
    const { dir, memo } = tree();
    const file = path.join(dir, 'values.yaml');
    const first = new TreeHashMemo(memo, later);
    const read = first.read(file);
    expect(read.bytes.toString()).toBe('replicas: 2\n');
    expect(read.sha256).toBe(createHash('sha256').update('replicas: 2\n').digest('hex'));
    expect(first.hashed).toBe(1);
    expect(first.trustedHash(file)).toBe(read.sha256);
    first.save();
    const next = new TreeHashMemo(memo, later);
    expect(next.hashOf(file)).toBe(read.sha256);
    expect(next.hashed).toBe(0);
    const racy = new TreeHashMemo(path.join(dir, '..', 'racy-memo.json'));
    racy.read(file);
    expect(racy.trustedHash(file)).toBeUndefined();
  });

  test('GIVEN a link to a plain file, read through the memo long after its last change WHEN its hash is trusted by stat THEN it is not: a link is never the plain file the memo vouches for (its target is)', () => {
    const { dir, memo } = tree();
    const target = path.join(dir, 'values.yaml');
    const link = path.join(dir, 'link.yaml');
    fs.symlinkSync(target, link);
    const first = new TreeHashMemo(memo, later);
    expect(first.read(link).bytes.toString()).toBe('replicas: 2\n');
    expect(first.hashOf(target)).toBe(first.read(link).sha256);
    expect(first.trustedHash(link)).toBeUndefined();
    expect(first.trustedHash(target)).toBeDefined();
    first.save();
    expect(new TreeHashMemo(memo, later).trustedHash(link)).toBeUndefined();
  });

  test('GIVEN files changed just before they were hashed (racy) WHEN hashed again THEN they are read again, not taken from the memo', () => {
    const { dir, memo } = tree();
    const racy = new TreeHashMemo(memo);
    expect(racy.hashTree(dir)).toBe(hashTree(dir));
    racy.save();
    const next = new TreeHashMemo(memo);
    expect(next.hashTree(dir)).toBe(hashTree(dir));
    expect(next.hashed).toBe(3);
  });

  test.each([
    ['not JSON', (text: string) => `${text.slice(0, 20)}`, 'not JSON'],
    ['a tampered file hash', (text: string) => text.replace(/"sha256":"[0-9a-f]/, '"sha256":"x'), 'checksum mismatch'],
    ['another format', (text: string) => text.replace('"format":1', '"format":99'), 'another format'],
  ])('GIVEN a memo file with %s WHEN read THEN it is ignored and every file is read again', (_what, corrupt, why) => {
    const { dir, memo } = tree();
    const first = new TreeHashMemo(memo, later);
    first.hashTree(dir);
    first.save();
    fs.writeFileSync(memo, corrupt(fs.readFileSync(memo, 'utf8')));
    const next = new TreeHashMemo(memo, later);
    expect(next.ignored).toBe(why);
    expect(next.hashTree(dir)).toBe(hashTree(dir));
    expect(next.hashed).toBe(3);
  });

  test('GIVEN a memo (consistent checksum) that remembers a wrong hash for an unchanged file WHEN a chart is rendered through it THEN the bytes are read before the files are called edited, and the render goes on', () => {
    const root = vendoredRoot();
    const dir = path.join(root, 'vendor/charts/demo-1.0.0');
    const first = new TreeHashMemo(path.join(root, TREE_HASH_MEMO_FILE), later);
    first.hashTree(dir);
    first.save();
    const file = path.join(root, TREE_HASH_MEMO_FILE);
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { format: number; sum: string; entries: Record<string, { stat: string; sha256: string }> };
    for (const e of Object.values(doc.entries)) e.sha256 = '0'.repeat(64);
    doc.sum = createHash('sha256').update(JSON.stringify(doc.entries)).digest('hex');
    fs.writeFileSync(file, JSON.stringify(doc));
    const { objects } = renderDemo(root, (layer) => new HelmComponent(layer, 'chart', { name: 'demo', chart: DEMO_CHART, namespace: 'demo', values: {} }), { fresh: false });
    expect(objects.some((o) => o.kind === 'Deployment')).toBe(true);
  });
});
