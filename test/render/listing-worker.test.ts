import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { startListing } from '../../lib/render/listing-worker';
import { COMPARED_OUTPUTS, PreviousRender, renderedStats, shareUnchanged } from '../../lib/render/previous';
import { RENDER_STATS_FILE, RenderStats, SETTLED_MS } from '../../lib/render/render-stats';
import { sha256 } from '../../lib/cache-file';
import { REPO, writeTree } from '../helpers';

const CODE = 'the code';

/** Waits until files written now have settled (`SETTLED_MS`). */
const settle = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLED_MS + 20);

/** The parts of a stat the render stats compare. */
const statOf = (s: { size: number; mtimeMs: number; ctimeMs: number; ino: number; mode: number } | undefined) => s && { size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino, mode: s.mode };

/** Everything a PreviousRender tells about the render on disk, read through its public methods (texts last: reading changes what is read). */
function described(before: PreviousRender, folders: readonly string[] = COMPARED_OUTPUTS): unknown {
  const paths = [...before.paths()].sort();
  const dirs = new Set<string>();
  for (const p of paths) for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) dirs.add(p.slice(0, i));
  for (const dir of folders) dirs.add(dir);
  const entries = [...dirs].sort().map((dir) => [dir, before.entries(dir) && [...before.entries(dir)!].map(([n, d]) => `${n}${d ? '/' : ''}`).sort(), statOf(before.dirStatOf(dir)?.stat)]);
  const files = paths.map((p) => [p, statOf(before.statOf(p)?.stat), before.trustedDigest(p), before.executable(p)]);
  const texts = paths.map((p) => [p, before.text(p)]);
  return { paths, entries, files, texts };
}

describe('the previous render listed on the other core', () => {
  let root: string;
  const stats = () => new RenderStats(path.join(root, RENDER_STATS_FILE), CODE);
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('GIVEN a render with nested folders, an empty folder, a link, an executable and recorded stats WHEN listed in a worker THEN it tells everything a listing on this thread tells (trusted files included), and reads no file until asked', () => {
    root = writeTree({ 'dist/a/configmap-a.yaml': 'kind: ConfigMap\n', 'dist/a/b/service-b.yaml': 'kind: Service\n', 'dist/hosts/install.sh': '#!/bin/sh\n', 'argocd/app.yaml': 'kind: Application\n', 'docs/x.md': 'not listed\n' });
    fs.chmodSync(path.join(root, 'dist/hosts/install.sh'), 0o755);
    settle();
    // The stats synth records after a swap (the folders then hold only what was rendered).
    const first = new PreviousRender(root, stats());
    const now = renderedStats(root, first, first.rendered(), []);
    stats().save(now.files, now.dirs);
    // Then changed by hand: an empty folder, a link, an edit.
    fs.mkdirSync(path.join(root, 'dist/empty'));
    fs.symlinkSync('a/configmap-a.yaml', path.join(root, 'dist/link.yaml'));
    fs.writeFileSync(path.join(root, 'dist/a/configmap-a.yaml'), 'kind: ConfigMap\nedited: true\n');
    settle();

    const inWorker = new PreviousRender(root, stats(), COMPARED_OUTPUTS, startListing(root, COMPARED_OUTPUTS));
    expect(inWorker.trustedDigest('dist/a/b/service-b.yaml')).toBeDefined();
    expect(inWorker.trustedDigest('dist/a/configmap-a.yaml')).toBeUndefined();
    expect([...inWorker.paths()].filter((p) => inWorker.isRead(p))).toEqual([]);
    expect(described(inWorker)).toEqual(described(new PreviousRender(root, stats())));
    expect(inWorker.entries('dist')!.map(([n, d]) => `${n}${d ? '/' : ''}`).sort()).toEqual(['a/', 'empty/', 'hosts/', 'link.yaml']);
  });

  test('GIVEN folders whose names share a prefix, nested several deep, a folder listed after a deeper one WHEN listed in a worker THEN each folder\'s names are the ones a listing on this thread gives, in the same order, and asked twice give equal lists', () => {
    root = writeTree({ 'dist/a/x.yaml': 'x\n', 'dist/a/b/c/d/deep.yaml': 'd\n', 'dist/a/b/e.yaml': 'e\n', 'dist/ab/y.yaml': 'y\n', 'dist/a.yaml': 'a\n', 'dist/z/w.yaml': 'w\n', 'argocd/app.yaml': 'app\n' });
    const inWorker = new PreviousRender(root, undefined, COMPARED_OUTPUTS, startListing(root, COMPARED_OUTPUTS));
    const here = new PreviousRender(root);
    for (const dir of ['dist', 'dist/a', 'dist/a/b', 'dist/a/b/c', 'dist/a/b/c/d', 'dist/ab', 'dist/z', 'argocd', 'dist/a.yaml', 'dist/nowhere', 'docs']) {
      expect([dir, inWorker.entries(dir)]).toEqual([dir, here.entries(dir)]);
      expect(inWorker.entries(dir)).toEqual(inWorker.entries(dir));
    }
    expect(inWorker.entries('dist/a')!.map(([n, d]) => `${n}${d ? '/' : ''}`).sort()).toEqual(['b/', 'x.yaml']);
    expect([...inWorker.paths()]).toEqual([...here.paths()]);
    expect(described(inWorker)).toEqual(described(here));
  });

  test('GIVEN trusted files listed in a worker WHEN one changes size before its text is read THEN its text is what is on disk and it is no longer trusted, while the others stay trusted and unread; the stats recorded then are the ones a listing on this thread records', () => {
    root = writeTree({ 'dist/a/configmap-a.yaml': 'kind: ConfigMap\n', 'dist/a/service-a.yaml': 'kind: Service\n', 'argocd/app.yaml': 'kind: Application\n' });
    settle();
    const first = new PreviousRender(root, stats());
    const now = renderedStats(root, first, first.rendered(), []);
    stats().save(now.files, now.dirs);
    const inWorker = new PreviousRender(root, stats(), COMPARED_OUTPUTS, startListing(root, COMPARED_OUTPUTS));
    expect(inWorker.unreadTrusted('dist/a/configmap-a.yaml')).toBe(sha256('kind: ConfigMap\n'));
    fs.writeFileSync(path.join(root, 'dist/a/configmap-a.yaml'), 'kind: ConfigMap\nedited: true\n');
    expect(inWorker.text('dist/a/configmap-a.yaml')).toBe('kind: ConfigMap\nedited: true\n');
    expect([inWorker.trustedDigest('dist/a/configmap-a.yaml'), inWorker.unreadTrusted('dist/a/configmap-a.yaml'), inWorker.isRead('dist/a/configmap-a.yaml')]).toEqual([undefined, undefined, true]);
    expect(inWorker.digest('dist/a/configmap-a.yaml')).toBe(sha256('kind: ConfigMap\nedited: true\n'));
    expect([inWorker.trustedDigest('dist/a/service-a.yaml'), inWorker.isRead('dist/a/service-a.yaml')]).toEqual([sha256('kind: Service\n'), false]);
    // A file the stats trust and the new render holds unchanged is shared, not read.
    const shared = shareUnchanged(inWorker, [{ path: 'dist/a/service-a.yaml', content: 'kind: Service\n' }]);
    expect(inWorker.isRead('dist/a/service-a.yaml')).toBe(false);
    expect(shared.map((f) => [f.path, f.content])).toEqual([['dist/a/configmap-a.yaml', 'kind: ConfigMap\nedited: true\n'], ['dist/a/service-a.yaml', 'kind: Service\n'], ['argocd/app.yaml', 'kind: Application\n']]);
    const files = [{ path: 'dist/a/configmap-a.yaml', content: 'kind: ConfigMap\n' }, { path: 'dist/a/service-a.yaml', content: 'kind: Service\n' }, { path: 'argocd/app.yaml', content: 'kind: Application\n' }];
    const keyed = (r: ReturnType<typeof renderedStats>) => ({ files: [...r.files].map(([p, [s, d]]) => [p, s.key, d]), dirs: [...r.dirs].map(([p, s]) => [p, s.key]) });
    expect(keyed(renderedStats(root, inWorker, files, ['dist/a/configmap-a.yaml']))).toEqual(keyed(renderedStats(root, new PreviousRender(root, stats()), files, ['dist/a/configmap-a.yaml'])));
  });

  test('GIVEN no output folders, or a file where one belongs WHEN listed in a worker THEN it finds what a listing on this thread finds', () => {
    root = writeTree({ 'site.yaml': 'x\n', argocd: 'a file\n' });
    expect(described(new PreviousRender(root, undefined, COMPARED_OUTPUTS, startListing(root, COMPARED_OUTPUTS)))).toEqual(described(new PreviousRender(root)));
    expect([...new PreviousRender(root, undefined, COMPARED_OUTPUTS, startListing(root, COMPARED_OUTPUTS)).paths()]).toEqual([]);
  });

  test('GIVEN a worker that gives no listing (it failed, or listed other folders) WHEN the render is needed THEN it is listed on this thread, the same', () => {
    root = writeTree({ 'dist/a/configmap-a.yaml': 'kind: ConfigMap\n', 'argocd/app.yaml': 'kind: Application\n' });
    const expected = described(new PreviousRender(root));
    expect(described(new PreviousRender(root, undefined, COMPARED_OUTPUTS, () => undefined))).toEqual(expected);
    expect(described(new PreviousRender(root, undefined, COMPARED_OUTPUTS, startListing(root, ['dist'])))).toEqual(expected);
    expect(described(new PreviousRender(root, undefined, COMPARED_OUTPUTS, startListing(path.join(root, 'nowhere'), COMPARED_OUTPUTS)))).toEqual(expected);
  });

  test('GIVEN a worker listing whose keys column lacks an entry\'s key, or has one too many WHEN the render is needed THEN it is listed on this thread, the same', () => {
    root = writeTree({ 'dist/a/configmap-a.yaml': 'kind: ConfigMap\n', 'argocd/app.yaml': 'kind: Application\n' });
    const expected = described(new PreviousRender(root));
    const raw = startListing(root, COMPARED_OUTPUTS)()!;
    expect(raw.keys.split('\0')).toHaveLength(raw.kinds.length + 1);
    for (const keys of [raw.keys.slice(0, raw.keys.lastIndexOf('\0', raw.keys.length - 2) + 1), `${raw.keys}0 0 0 0 0\0`]) {
      const broken = { ...raw, keys };
      expect(described(new PreviousRender(root, undefined, COMPARED_OUTPUTS, () => broken))).toEqual(expected);
      // Listed on this thread: no key made by the worker.
      expect(new PreviousRender(root, undefined, COMPARED_OUTPUTS, () => broken).statOf('dist/a/configmap-a.yaml')?.key).toBeUndefined();
    }
    expect(new PreviousRender(root, undefined, COMPARED_OUTPUTS, () => raw).statOf('dist/a/configmap-a.yaml')?.key).toMatch(/^16 /);
  });

  test('GIVEN a worker listing where a file comes before the folder that holds it WHEN the render is needed THEN it is listed on this thread, the same (no name is lost from its folder)', () => {
    root = writeTree({ 'dist/a/configmap-a.yaml': 'kind: ConfigMap\n', 'argocd/app.yaml': 'kind: Application\n' });
    const expected = described(new PreviousRender(root));
    const raw = startListing(root, COMPARED_OUTPUTS)()!;
    const paths = raw.paths.split('\0').slice(0, -1);
    const keys = raw.keys.split('\0').slice(0, -1);
    const [dir, file] = [paths.indexOf('dist/a'), paths.indexOf('dist/a/configmap-a.yaml')];
    expect(dir).toBeLessThan(file);
    // The same entries, the file moved before its folder.
    const order = paths.map((_, i) => i);
    order.splice(file, 1);
    order.splice(dir, 0, file);
    const numbers = new Float64Array(raw.numbers.length);
    const width = raw.numbers.length / paths.length;
    order.forEach((from, to) => numbers.set(raw.numbers.subarray(from * width, (from + 1) * width), to * width));
    const moved = { ...raw, paths: order.map((i) => `${paths[i]}\0`).join(''), keys: order.map((i) => `${keys[i]}\0`).join(''), kinds: Uint8Array.from(order.map((i) => raw.kinds[i])), numbers };
    expect(described(new PreviousRender(root, undefined, COMPARED_OUTPUTS, () => moved))).toEqual(expected);
    expect(new PreviousRender(root, undefined, COMPARED_OUTPUTS, () => moved).entries('dist/a')).toEqual([['configmap-a.yaml', false]]);
    expect(new PreviousRender(root, undefined, COMPARED_OUTPUTS, () => moved).statOf('dist/a/configmap-a.yaml')?.key).toBeUndefined();
  });

  test('GIVEN one core WHEN a listing is started THEN no worker gives one, and the render is listed on this thread, the same', () => {
    root = writeTree({ 'dist/a/configmap-a.yaml': 'kind: ConfigMap\n' });
    const listed = startListing(root, COMPARED_OUTPUTS, 1000, 1);
    expect(listed()).toBeUndefined();
    expect(described(new PreviousRender(root, undefined, COMPARED_OUTPUTS, startListing(root, COMPARED_OUTPUTS, 1000, 1)))).toEqual(described(new PreviousRender(root)));
  });

  test('GIVEN a listing asked for twice WHEN the worker is done THEN the second answer is the first, without waiting', () => {
    root = writeTree({ 'dist/a/configmap-a.yaml': 'kind: ConfigMap\n' });
    const listed = startListing(root, COMPARED_OUTPUTS);
    const first = listed();
    expect(first?.tops).toEqual(['dir', 'missing']);
    expect(listed()).toBe(first);
  });

  test('GIVEN too many open files for a worker to start (EMFILE) WHEN the listing is needed THEN no listing comes within seconds, not at the timeout, and the folders are listed on this thread', () => {
    root = writeTree({ 'dist/a/configmap-a.yaml': 'kind: ConfigMap\n' });
    // In a child process: every file descriptor taken but one, so the worker's own event loop cannot be made.
    const code = `
      const fs = require('fs');
      const { startListing } = require('./lib/render/listing-worker');
      const { PreviousRender } = require('./lib/render/previous');
      const held = [];
      try { for (;;) held.push(fs.openSync('/dev/null', 'r')); } catch (e) { if (e.code !== 'EMFILE') throw e; }
      fs.closeSync(held.pop());
      const started = Date.now();
      const listing = startListing(process.env.ROOT, ['dist', 'argocd'], 20000, 2)();
      const ms = Date.now() - started;
      for (const fd of held) fs.closeSync(fd);
      const paths = [...new PreviousRender(process.env.ROOT, undefined, ['dist', 'argocd'], () => listing).paths()];
      process.stdout.write(JSON.stringify({ listed: listing !== undefined, ms, paths }));
    `;
    const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', code], { cwd: REPO, encoding: 'utf8', env: { ...process.env, ROOT: root } });
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as { listed: boolean; ms: number; paths: string[] };
    expect(out.listed).toBe(false);
    expect(out.ms).toBeLessThan(10_000);
    expect(out.paths).toEqual(['dist/a/configmap-a.yaml']);
  }, 60_000);
});
