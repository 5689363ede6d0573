// Every cache synth keeps under .synth-cache/ (and the committed render-cache/) is an optimisation
// only: whatever is in it (nothing, the last synth's, an older synth's, garbage), synth writes the
// same bytes as a synth that starts without it. These tests treat the cache folder as a black box,
// so they hold for every cache file synth adds there.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { generatedApp } from '../scripts/bench-apps';
import { LOCK_FILE } from '../lib/paas/lock';
import { synth } from '../lib/synth';
import { SchemaRegistry } from '../lib/verify/schemas';
import { VERIFIED_TREE_FILE } from '../lib/verify/verified-tree';
import { REPO, snapshotTree, tempRootWithOutputs } from './helpers';

const CACHE_DIR = '.synth-cache';
const OUTPUTS = ['dist', 'argocd', 'render-cache', 'docs', 'reports'] as const;
const registry = new SchemaRegistry();
const originalRead = fs.readFileSync;

/** Every output synth writes, path -> text (the lock file included). */
function outputs(root: string): Map<string, string> {
  const all = new Map<string, string>(OUTPUTS.flatMap((d) => [...snapshotTree(path.join(root, d))].map(([k, v]) => [`${d}/${k}`, v] as const)));
  if (fs.existsSync(path.join(root, LOCK_FILE))) all.set(LOCK_FILE, fs.readFileSync(path.join(root, LOCK_FILE), 'utf8'));
  return all;
}

/** The files of the cache folder, relative to it. */
function cacheFiles(root: string): string[] {
  return [...snapshotTree(path.join(root, CACHE_DIR)).keys()].sort();
}

/** A checkout with the shipped site and apps plus `n` generated apps (rolling, blue/green, canary, volumes, DBaaS, autoscaled). */
function checkout(n: number): string {
  const root = tempRootWithOutputs();
  fs.copyFileSync(path.join(REPO, 'site.yaml'), path.join(root, 'site.yaml'));
  for (let i = 0; i < n; i++) {
    const app = generatedApp(i);
    fs.writeFileSync(path.join(root, 'apps', `${app.name}.yaml`), app.text);
  }
  return root;
}

/** Synth of `root` from an empty cache, in a copy (the root itself is untouched): what every cached synth must equal. */
function coldOutputs(root: string): Map<string, string> {
  const copy = fs.mkdtempSync(`${root}-cold-`);
  try {
    fs.cpSync(root, copy, { recursive: true });
    fs.rmSync(path.join(copy, CACHE_DIR), { recursive: true, force: true });
    synth({ root: copy, registry, log: () => undefined });
    return outputs(copy);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

const run = (root: string) => synth({ root, registry, log: () => undefined });

describe('synth\'s caches change nothing but the time', () => {
  const root = checkout(12);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  let cold: Map<string, string>;

  test('GIVEN a checkout with apps and no cache WHEN synthesized THEN it leaves a cache, and synthesized again from that cache THEN every output is the same bytes', () => {
    fs.rmSync(path.join(root, CACHE_DIR), { recursive: true, force: true });
    run(root);
    cold = outputs(root);
    expect(cacheFiles(root).length).toBeGreaterThan(0);
    run(root);
    expect(outputs(root)).toEqual(cold);
  });

  test('GIVEN the cache a synth left WHEN its files are read THEN a file named .json holds one JSON document (the others are named for what they hold), and every one is git-ignored', () => {
    const files = cacheFiles(root);
    expect(files.length).toBeGreaterThan(4);
    const notJson = files.filter((f) => {
      if (!f.endsWith('.json')) return false;
      try {
        JSON.parse(fs.readFileSync(path.join(root, CACHE_DIR, f), 'utf8'));
        return false;
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    // git check-ignore names the paths it ignores (the repository's .gitignore).
    const ignored = execFileSync('git', ['-C', REPO, 'check-ignore', '--no-index', ...files.map((f) => `${CACHE_DIR}/${f}`)], { encoding: 'utf8' });
    expect(ignored.split('\n').filter(Boolean).sort()).toEqual(files.map((f) => `${CACHE_DIR}/${f}`));
  });

  test('GIVEN the cache a synth left WHEN it is searched for a rendered manifest\'s path THEN one file records it (the stat, sha256 and document digest of each rendered file are read, looked up and written once)', () => {
    const manifests = [...snapshotTree(path.join(root, 'dist')).keys()].filter((f) => f.endsWith('.yaml')).map((f) => `dist/${f}`);
    expect(manifests.length).toBeGreaterThan(100);
    for (const file of [manifests[0], manifests[manifests.length - 1]]) {
      const holding = cacheFiles(root).filter((f) => fs.readFileSync(path.join(root, CACHE_DIR, f), 'utf8').includes(`\n${file}\t`));
      expect(holding).toEqual(['render-files.entries']);
    }
  });

  test('GIVEN cache files under the names of an earlier synth (every .synth-cache file named .json, and the render index and render stats as .entries, holding the last synth\'s caches) WHEN synthesized THEN the outputs are the same bytes, and those files are left as they were', () => {
    run(root);
    const old = [...['app-renders', 'app-specs', 'committed-renders', 'failure-analysis', 'render-index', 'render-stats', 'verify-checks'].map((n) => `${n}.json`), 'render-index.entries', 'render-stats.entries'].filter((f) => !cacheFiles(root).includes(f));
    const current = cacheFiles(root);
    for (const [i, f] of old.entries()) fs.copyFileSync(path.join(root, CACHE_DIR, current[i % current.length]), path.join(root, CACHE_DIR, f));
    const before = old.map((f) => fs.readFileSync(path.join(root, CACHE_DIR, f), 'utf8'));
    run(root);
    expect(outputs(root)).toEqual(cold);
    expect(old.map((f) => fs.readFileSync(path.join(root, CACHE_DIR, f), 'utf8'))).toEqual(before);
    for (const f of old) fs.rmSync(path.join(root, CACHE_DIR, f));
  });

  test('GIVEN every cache file overwritten with garbage WHEN synthesized THEN the outputs are the same bytes', () => {
    for (const f of cacheFiles(root)) fs.writeFileSync(path.join(root, CACHE_DIR, f), 'garbage{[');
    run(root);
    expect(outputs(root)).toEqual(cold);
  });

  test('GIVEN every cache file cut in half WHEN synthesized THEN the outputs are the same bytes', () => {
    run(root);
    for (const f of cacheFiles(root)) {
      const bytes = fs.readFileSync(path.join(root, CACHE_DIR, f));
      fs.writeFileSync(path.join(root, CACHE_DIR, f), bytes.subarray(0, Math.floor(bytes.length / 2)));
    }
    run(root);
    expect(outputs(root)).toEqual(cold);
  });

  test('GIVEN bytes changed inside every cache file (same length, still mostly readable) WHEN synthesized THEN the outputs are the same bytes', () => {
    run(root);
    for (const f of cacheFiles(root)) {
      const file = path.join(root, CACHE_DIR, f);
      const text = fs.readFileSync(file, 'latin1');
      // Every digit in the middle third changed: hashes, numbers and counts no longer match what they describe.
      const a = Math.floor(text.length / 3);
      const b = Math.floor((2 * text.length) / 3);
      const changed = text.slice(0, a) + text.slice(a, b).replace(/[0-9]/g, (d) => String((Number(d) + 1) % 10)) + text.slice(b);
      fs.writeFileSync(file, changed, 'latin1');
    }
    run(root);
    expect(outputs(root)).toEqual(cold);
  });

  test('GIVEN the cache folder removed WHEN synthesized THEN the outputs are the same bytes', () => {
    fs.rmSync(path.join(root, CACHE_DIR), { recursive: true, force: true });
    run(root);
    expect(outputs(root)).toEqual(cold);
  });

  test('GIVEN the cache of the last synth WHEN one app\'s image changes and synth runs THEN the outputs equal a synth of the changed checkout without a cache', () => {
    run(root);
    const file = path.join(root, 'apps', `${generatedApp(3).name}.yaml`);
    fs.writeFileSync(file, generatedApp(3, '2.0.0').text);
    run(root);
    const warm = outputs(root);
    expect(warm).toEqual(coldOutputs(root));
    expect([...warm].filter(([k, v]) => cold.get(k) !== v).map(([k]) => k).join('\n')).toContain(generatedApp(3).name);
  });

  test('GIVEN the cache of the last synth WHEN one app\'s image changes THEN verify leaves out the split rules whose inputs are the verified tree\'s (all but bootstrap and directory-consumers), and the outputs equal a synth without a cache; WHEN the record of the verified tree is garbled THEN every rule runs, with the same outputs', () => {
    const ran = (): string[] => {
      const ids: string[] = [];
      synth({ root, registry, log: () => undefined, ruleTime: (id) => ids.push(id) });
      return ids;
    };
    const record = path.join(root, VERIFIED_TREE_FILE);
    // Without the record (and with it, when nothing changed: every split rule but those two is left out).
    fs.rmSync(record, { force: true });
    const all = ran();
    expect(all).toContain('verify/service-selectors');
    expect(all.filter((id) => !ran().includes(id)).length).toBeGreaterThan(10);
    const name = generatedApp(6).name;
    fs.writeFileSync(path.join(root, 'apps', `${name}.yaml`), generatedApp(6, '2.0.1').text);
    const some = ran();
    expect(all.filter((id) => !some.includes(id))).toEqual(expect.arrayContaining(['verify/service-selectors', 'verify/route-reach', 'verify/monitor-reach', 'verify/namespaces']));
    expect(some).toEqual(expect.arrayContaining(['verify/manifests', 'verify/schemas', 'verify/secrets', 'verify/bootstrap', 'verify/directory-consumers', 'ha/failure']));
    expect(outputs(root)).toEqual(coldOutputs(root));
    fs.writeFileSync(path.join(root, 'apps', `${name}.yaml`), generatedApp(6, '2.0.2').text);
    fs.writeFileSync(record, fs.readFileSync(record, 'utf8').replace(/[0-9a-f]{8}/, '00000000'));
    expect(ran()).toEqual(all);
    expect(outputs(root)).toEqual(coldOutputs(root));
  });

  test('GIVEN the cache of a settled render WHEN one app\'s image changes and synth runs THEN synth reads no rendered file but that app\'s (and the kustomization verify reads), and the outputs equal a synth of the changed checkout without a cache', async () => {
    run(root);
    // Files stat'ed within 50 ms of their change are not trusted next time (render-stats SETTLED_MS): let them settle, and record them.
    await new Promise((resolve) => setTimeout(resolve, 120));
    run(root);
    const name = generatedApp(4).name;
    fs.writeFileSync(path.join(root, 'apps', `${name}.yaml`), generatedApp(4, '2.0.0').text);
    const realFs = jest.requireActual<typeof fs>('fs');
    const read: string[] = [];
    const spy = jest.spyOn(realFs, 'readFileSync').mockImplementation(((file: fs.PathOrFileDescriptor, options?: unknown) => {
      if (typeof file === 'string' && /\/(dist|argocd)\//.test(file)) read.push(path.relative(root, file));
      return originalRead(file, options as never);
    }) as typeof fs.readFileSync);
    try {
      run(root);
    } finally {
      spy.mockRestore();
    }
    // Verify's bootstrap rule reads argocd/kustomization.yaml as text; nothing else of the others is read.
    expect(read.filter((f) => !f.includes(name) && f !== 'argocd/kustomization.yaml')).toEqual([]);
    expect(read.length).toBeGreaterThan(0);
    expect(outputs(root)).toEqual(coldOutputs(root));
  });

  test('GIVEN the cache of a settled checkout WHEN an app\'s file is written again with the same size and its mtime put back THEN the outputs equal a synth of the changed checkout without a cache', async () => {
    run(root);
    // App files stat'ed within 50 ms of their change are not trusted next time (render-stats SETTLED_MS): let them settle, and record them.
    await new Promise((resolve) => setTimeout(resolve, 120));
    run(root);
    const file = path.join(root, 'apps', `${generatedApp(5).name}.yaml`);
    const before = fs.statSync(file);
    const text = fs.readFileSync(file, 'utf8');
    const changed = text.replace(/:(\d+)\.(\d+)\.(\d+)/, (_, a, b, c) => `:${a}.${b}.${(Number(c) + 1) % 10}`);
    expect([changed.length, changed === text]).toEqual([text.length, false]);
    fs.writeFileSync(file, changed);
    fs.utimesSync(file, before.atime, before.mtime);
    await new Promise((resolve) => setTimeout(resolve, 120));
    run(root);
    const warm = outputs(root);
    expect(warm).toEqual(coldOutputs(root));
    expect([...warm].some(([k, v]) => k.includes(generatedApp(5).name) && v.includes(changed.match(/image: (\S+)/)![1]))).toBe(true);
  });

  test('GIVEN the cache of the last synth WHEN an app\'s spec gets a problem THEN synth refuses it with the same message as without a cache, and after it is put right the outputs equal a synth without a cache', () => {
    run(root);
    const file = path.join(root, 'apps', `${generatedApp(4).name}.yaml`);
    const good = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, good.replace('port: 8080', 'port: 99999'));
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    const warm = message(() => run(root));
    expect(warm).toMatch(/99999/);
    const copy = fs.mkdtempSync(`${root}-cold-`);
    try {
      fs.cpSync(root, copy, { recursive: true });
      fs.rmSync(path.join(copy, CACHE_DIR), { recursive: true, force: true });
      expect(message(() => synth({ root: copy, registry, log: () => undefined })).split(path.relative(process.cwd(), copy)).join(path.relative(process.cwd(), root))).toBe(warm);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
    fs.writeFileSync(file, good);
    run(root);
    expect(outputs(root)).toEqual(coldOutputs(root));
  });

  test('GIVEN the cache of the last synth WHEN the site changes what verify\'s HA rules read (the recovery budget) THEN the outputs equal a synth without a cache', () => {
    run(root);
    const site = fs.readFileSync(path.join(root, 'site.yaml'), 'utf8');
    const changed = site.replace(/recoveryBudgetSeconds: \d+/, 'recoveryBudgetSeconds: 120');
    expect(changed).not.toBe(site);
    fs.writeFileSync(path.join(root, 'site.yaml'), changed);
    run(root);
    expect(outputs(root)).toEqual(coldOutputs(root));
  });

  test('GIVEN the cache of the last synth WHEN the site changes what apps\' objects read (the PostgreSQL endpoint of an app\'s database binding) THEN the outputs equal a synth without a cache, and that app\'s files changed', () => {
    run(root);
    const before = outputs(root);
    const site = fs.readFileSync(path.join(root, 'site.yaml'), 'utf8');
    const changed = site.replace(/postgresql: \{ host: ([^,]+), port: 5432 \}/, 'postgresql: { host: $1, port: 6432 }');
    expect(changed).not.toBe(site);
    fs.writeFileSync(path.join(root, 'site.yaml'), changed);
    run(root);
    const warm = outputs(root);
    expect(warm).toEqual(coldOutputs(root));
    // Generated app 8 binds a PostgreSQL database (scripts/bench-apps.ts).
    expect([...warm].filter(([k, v]) => before.get(k) !== v).map(([k]) => k).join('\n')).toContain(`workloads/${generatedApp(8).name}/`);
  });

  test('GIVEN the cache of the last synth WHEN the site changes what the apps\' Applications read (the revision Argo CD syncs) THEN the outputs equal a synth without a cache, and every app\'s Application changed', () => {
    run(root);
    const before = outputs(root);
    const site = fs.readFileSync(path.join(root, 'site.yaml'), 'utf8');
    const changed = site.replace(/^( {2}revision:) main$/m, '$1 release');
    expect(changed).not.toBe(site);
    fs.writeFileSync(path.join(root, 'site.yaml'), changed);
    run(root);
    const warm = outputs(root);
    expect(warm).toEqual(coldOutputs(root));
    const applications = [...warm.keys()].filter((k) => /^dist\/paas\/application-app-/.test(k));
    expect(applications.length).toBeGreaterThan(10);
    for (const k of applications) expect({ k, changed: warm.get(k) !== before.get(k) }).toEqual({ k, changed: true });
  });

  test('GIVEN the cache of the last synth WHEN rendered files are edited by hand, touched, made executable, removed or added THEN a warm synth puts every output right, as a synth without a cache does', () => {
    run(root);
    const expected = outputs(root);
    const dist = (p: string) => path.join(root, 'dist', p);
    const [edited, touched, chmodded, removed] = [...expected.keys()].filter((k) => k.startsWith('dist/') && k.endsWith('.yaml')).slice(3, 7).map((k) => k.slice('dist/'.length));
    fs.appendFileSync(dist(edited), '# a hand edit\n');
    const past = new Date(Date.now() - 3_600_000);
    fs.utimesSync(dist(touched), past, past);
    fs.chmodSync(dist(chmodded), 0o755);
    fs.rmSync(dist(removed));
    fs.writeFileSync(path.join(path.dirname(dist(edited)), 'added-by-hand.yaml'), 'kind: ConfigMap\n');
    const cold = coldOutputs(root);
    run(root);
    expect(outputs(root)).toEqual(expected);
    expect(cold).toEqual(expected);
    expect(fs.statSync(dist(chmodded)).mode & 0o111).toBe(0);
  });

  test('GIVEN the cache of the last synth WHEN rendered files are edited by hand keeping their size, one of them with its times set back as they were THEN a warm synth puts them right, as a synth without a cache does', () => {
    run(root);
    const expected = outputs(root);
    const dist = (p: string) => path.join(root, 'dist', p);
    const [sameSize, sameTimes] = [...expected.keys()].filter((k) => k.startsWith('dist/') && k.endsWith('.yaml') && /[a-z]/.test(expected.get(k)!)).slice(8, 10).map((k) => k.slice('dist/'.length));
    /** The file with its first lowercase letter swapped for another: the same number of bytes. */
    const sameSizeEdit = (file: string) => {
      const text = fs.readFileSync(file, 'utf8');
      const at = text.search(/[a-z]/);
      fs.writeFileSync(file, `${text.slice(0, at)}${text[at] === 'x' ? 'y' : 'x'}${text.slice(at + 1)}`);
    };
    sameSizeEdit(dist(sameSize));
    // Its times kept to the nanosecond (touch -r): only its change time tells.
    const reference = `${root}-times`;
    const times = fs.statSync(dist(sameTimes), { bigint: true }).mtimeNs;
    execFileSync('cp', ['-p', dist(sameTimes), reference]);
    sameSizeEdit(dist(sameTimes));
    execFileSync('touch', ['-r', reference, dist(sameTimes)]);
    fs.rmSync(reference);
    expect(fs.statSync(dist(sameTimes), { bigint: true }).mtimeNs).toBe(times);
    const cold = coldOutputs(root);
    run(root);
    expect(outputs(root)).toEqual(expected);
    expect(cold).toEqual(expected);
  });

  test('GIVEN the cache of the last synth WHEN an app goes away and another comes THEN the outputs equal a synth without a cache', () => {
    run(root);
    fs.rmSync(path.join(root, 'apps', `${generatedApp(5).name}.yaml`));
    const added = generatedApp(40);
    fs.writeFileSync(path.join(root, 'apps', `${added.name}.yaml`), added.text);
    run(root);
    const warm = outputs(root);
    expect(warm).toEqual(coldOutputs(root));
    expect([...warm.keys()].some((k) => k.includes(added.name))).toBe(true);
    expect([...warm.keys()].some((k) => k.includes(generatedApp(5).name))).toBe(false);
  });
});
