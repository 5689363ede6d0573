import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO } from '../helpers';

/** bin/bundle.js is plain JavaScript (it runs before tsx is loaded). */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { bundleOf, loadEntry, pruneBundles, startEntry, UNCLAIMED_MS } = require('../../bin/bundle') as {
  bundleOf: (entry: string, cacheDir: string, built?: (b: boolean) => void, options?: StampOptions) => Promise<string | undefined>;
  pruneBundles: (cacheDir: string, keep: string, now?: number) => void;
  UNCLAIMED_MS: number;
  loadEntry: (entry: string, cacheDir: string) => Promise<Record<string, unknown>>;
  startEntry: (entry: string, cacheDir: string, use?: string, options?: StampOptions) => Promise<Started>;
};
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { cacheKey, MAGIC } = require('../../bin/code-cache') as { cacheKey: (textId: string) => string; MAGIC: string };

/** How long before a check a file must have changed for its stat to be trusted (bin/bundle.js). */
interface StampOptions { readonly racyMs?: number }

/** An entry as bin/tsys.js starts it. */
interface Started {
  readonly exports: { main: () => { where: string[]; version: number } };
  readonly bundled: boolean;
  readonly codeCached: boolean;
  readonly saveCodeCache: () => void;
}

/** Resolves after `ms` milliseconds (a file's ctime must move past the last recorded stat). */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The sha256 of bytes, as bin/ hashes them. */
const sha256 = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');

/** A small TypeScript project: an entry importing a module that reads its own `__dirname` and `__filename`. */
function project(): { dir: string; entry: string; cache: string; lib: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
  fs.mkdirSync(path.join(dir, 'lib'));
  const lib = path.join(dir, 'lib', 'where.ts');
  fs.writeFileSync(lib, 'export const where = (): string[] => [__dirname, __filename];\nexport const version: number = 1;\n');
  const entry = path.join(dir, 'entry.ts');
  fs.writeFileSync(entry, "import { where, version } from './lib/where';\nexport function main(): unknown { return { where: where(), version }; }\n");
  return { dir, entry, cache: path.join(dir, 'cache'), lib };
}

/** Requires a bundle afresh (the test requires the same path after it was rebuilt). */
function fresh(file: string): { main: () => { where: string[]; version: number } } {
  delete require.cache[require.resolve(file)];
  return require(file) as { main: () => { where: string[]; version: number } };
}

describe('bin/bundle.js: the command line from one bundled file, an optimisation only', () => {
  const made: string[] = [];
  afterAll(() => { for (const d of made) fs.rmSync(d, { recursive: true, force: true }); });
  const setUp = () => {
    const p = project();
    made.push(p.dir);
    return p;
  };
  const build = async (p: { entry: string; cache: string }, options?: StampOptions) => {
    let built: boolean | undefined;
    const file = await bundleOf(p.entry, p.cache, (b) => { built = b; }, options);
    return { file, built };
  };

  test('GIVEN a TypeScript entry WHEN bundled THEN its code runs and each module keeps its source file\'s __dirname and __filename', async () => {
    const p = setUp();
    const { file, built } = await build(p);
    expect(built).toBe(true);
    expect(file).toBeDefined();
    expect(path.dirname(file!)).toBe(p.cache);
    expect(fresh(file!).main()).toEqual({ where: [path.join(p.dir, 'lib'), p.lib], version: 1 });
  });

  test('GIVEN a current bundle WHEN asked again, or after its inputs were touched without a change THEN it is not built again', async () => {
    const p = setUp();
    await build(p);
    expect((await build(p)).built).toBe(false);
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(p.lib, later, later);
    expect((await build(p)).built).toBe(false);
  });

  test('GIVEN an input whose bytes are not UTF-8 (a Latin-1 comment) WHEN asked again THEN it is not built again', async () => {
    const p = setUp();
    fs.writeFileSync(p.lib, Buffer.concat([fs.readFileSync(p.lib), Buffer.from('// caf\xe9\n', 'latin1')]));
    expect((await build(p)).built).toBe(true);
    expect((await build(p)).built).toBe(false);
  });

  test('GIVEN a current bundle WHEN an input\'s bytes change (same size) THEN it is built again and runs the new code', async () => {
    const p = setUp();
    await build(p);
    const stat = fs.statSync(p.lib);
    fs.writeFileSync(p.lib, fs.readFileSync(p.lib, 'utf8').replace('= 1;', '= 2;'));
    fs.utimesSync(p.lib, stat.atime, stat.mtime);
    const again = await build(p);
    expect(again.built).toBe(true);
    expect(fresh(again.file!).main().version).toBe(2);
  });

  test('GIVEN a current bundle WHEN a new module is imported THEN the bundle is built again with it', async () => {
    const p = setUp();
    await build(p);
    fs.writeFileSync(path.join(p.dir, 'lib', 'more.ts'), 'export const more = 40;\n');
    fs.writeFileSync(p.lib, "import { more } from './more';\nexport const where = (): string[] => [__dirname, __filename];\nexport const version: number = more + 2;\n");
    const again = await build(p);
    expect(again.built).toBe(true);
    expect(fresh(again.file!).main().version).toBe(42);
  });

  test.each([
    ['a garbled stamp', (stamp: string) => fs.writeFileSync(stamp, '{"key": ')],
    ['a stamp of another builder', (stamp: string) => fs.writeFileSync(stamp, fs.readFileSync(stamp, 'utf8').replace(/"key":"[0-9a-f]/, '"key":"x'))],
    ['a removed stamp', (stamp: string) => fs.rmSync(stamp)],
    ['a bundle edited by hand', (stamp: string) => fs.appendFileSync(stamp.replace(/\.json$/, '.js'), '\nexports.main = () => "edited";\n')],
    ['a removed bundle', (stamp: string) => fs.rmSync(stamp.replace(/\.json$/, '.js'))],
  ])('GIVEN %s WHEN asked THEN the bundle is built again and runs the sources\' code', async (_name, spoil) => {
    const p = setUp();
    const { file } = await build(p);
    spoil(file!.replace(/\.js$/, '.json'));
    const again = await build(p);
    expect(again.built).toBe(true);
    expect(fresh(again.file!).main().version).toBe(1);
  });

  test('GIVEN a cache folder that cannot be made WHEN the entry is loaded THEN no bundle, and the entry runs from its sources through tsx', async () => {
    const p = setUp();
    fs.writeFileSync(p.cache, 'a file where the cache folder would be');
    expect((await build(p)).file).toBeUndefined();
    const loaded = await loadEntry(p.entry, p.cache) as { main: () => { version: number } };
    expect(loaded.main().version).toBe(1);
  });

  test('GIVEN an input that does not parse WHEN asked THEN no bundle (the sources run, and tsx reports the error as before)', async () => {
    const p = setUp();
    fs.writeFileSync(p.lib, 'export const where = (: string[] =>\n');
    expect((await build(p)).file).toBeUndefined();
  });

  describe('the stamp trusts a stat it recorded (size, mtime, ctime, inode), as git trusts its index', () => {
    /** Files older than `racyMs` when the bundle is built: their stats are recorded. */
    const trusted = { racyMs: 30 };
    const setUpOld = async () => {
      const p = setUp();
      await pause(80);
      expect((await build(p, trusted)).built).toBe(true);
      expect((await build(p, trusted)).built).toBe(false);
      await pause(20);
      return p;
    };

    test('GIVEN recorded stats WHEN an input\'s bytes change keeping its size and mtime THEN its ctime tells, and the bundle is built again', async () => {
      const p = await setUpOld();
      const stat = fs.statSync(p.lib);
      fs.writeFileSync(p.lib, fs.readFileSync(p.lib, 'utf8').replace('= 1;', '= 3;'));
      fs.utimesSync(p.lib, stat.atime, stat.mtime);
      const again = await build(p, trusted);
      expect(again.built).toBe(true);
      expect(fresh(again.file!).main().version).toBe(3);
    });

    test('GIVEN recorded stats WHEN an input is replaced by another file of the same size and mtime THEN the bundle is built again', async () => {
      const p = await setUpOld();
      const stat = fs.statSync(p.lib);
      const other = `${p.lib}.new`;
      fs.writeFileSync(other, fs.readFileSync(p.lib, 'utf8').replace('= 1;', '= 4;'));
      fs.utimesSync(other, stat.atime, stat.mtime);
      fs.renameSync(other, p.lib);
      const again = await build(p, trusted);
      expect(again.built).toBe(true);
      expect(fresh(again.file!).main().version).toBe(4);
    });

    test('GIVEN recorded stats WHEN the bundle is edited by hand keeping its size and mtime THEN it is built again', async () => {
      const p = await setUpOld();
      // A third start records the bundle's own stat (it was written by the first).
      await pause(40);
      expect((await build(p, trusted)).built).toBe(false);
      const file = (await bundleOf(p.entry, p.cache, undefined, trusted))!;
      const stat = fs.statSync(file);
      const text = fs.readFileSync(file, 'latin1');
      const edited = text.replace(/version(\s*)=(\s*)1/, (_m, a: string, b: string) => `version${a}=${b}5`);
      expect(edited).not.toBe(text);
      fs.writeFileSync(file, edited, 'latin1');
      fs.utimesSync(file, stat.atime, stat.mtime);
      const again = await build(p, trusted);
      expect(again.built).toBe(true);
      expect(fresh(again.file!).main().version).toBe(1);
    });

    test('GIVEN an input changed within racyMs of the build WHEN checked THEN its stat is not recorded (it is hashed), and a check after racyMs records it', async () => {
      const p = setUp();
      const options = { racyMs: 400 };
      const { file } = await build(p, options);
      const stampOf = () => JSON.parse(fs.readFileSync(file!.replace(/\.js$/, '.json'), 'utf8')) as { inputs: Record<string, { stat: string | null }> };
      expect(stampOf().inputs[p.lib].stat).toBeNull();
      expect((await build(p, options)).built).toBe(false);
      expect(stampOf().inputs[p.lib].stat).toBeNull();
      await pause(450);
      expect((await build(p, options)).built).toBe(false);
      expect(stampOf().inputs[p.lib].stat).toEqual(expect.any(String));
    });
  });

  describe('the bundle\'s V8 code cache (bin/code-cache.js), an optimisation only', () => {
    /** The code cache bin/tsys.js would use for `use` with the bundle `file`. */
    const cacheOf = (file: string, use: string) => file.replace(/\.js$/, `.${use}.v8cache`);
    /**
     * Starts `p`'s entry in a process of its own, as bin/tsys.js does (V8 also keeps what it compiled
     * in the process, so a second start in this one would not read the cache), then writes the cache.
     */
    const start = async (p: { entry: string; cache: string }) => {
      const script = `require(${JSON.stringify(path.join(REPO, 'bin', 'bundle.js'))}).startEntry(${JSON.stringify(p.entry)}, ${JSON.stringify(p.cache)}, 'main').then((s) => {
        process.stdout.write(JSON.stringify({ bundled: s.bundled, codeCached: s.codeCached, result: s.exports.main() }));
        s.saveCodeCache();
      })`;
      const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const seen = JSON.parse(run.stdout) as { bundled: boolean; codeCached: boolean; result: { where: string[]; version: number } };
      return { started: { bundled: seen.bundled, codeCached: seen.codeCached }, result: seen.result };
    };

    test('GIVEN a first start WHEN the command ran THEN a code cache is written, which the next start takes and runs the same code from', async () => {
      const p = setUp();
      const first = await start(p);
      expect(first.started).toEqual({ bundled: true, codeCached: false });
      const second = await start(p);
      expect(second.started).toEqual({ bundled: true, codeCached: true });
      expect(second.result).toEqual(first.result);
      expect(second.result).toEqual({ where: [path.join(p.dir, 'lib'), p.lib], version: 1 });
    });

    const cacheOfAnotherV8 = (file: string, cache: string) => {
      // A whole cache of this bundle's text, made by a V8 with other flags: V8 rejects it.
      const stamp = JSON.parse(fs.readFileSync(file.replace(/\.js$/, '.json'), 'utf8')) as { bundle: { hash: string; encoding: BufferEncoding } };
      const make = `process.stdout.write(new (require('vm').Script)(require('module').wrap(require('fs').readFileSync(${JSON.stringify(file)}, ${JSON.stringify(stamp.bundle.encoding)}))).createCachedData().toString('base64'))`;
      const body = Buffer.from(spawnSync(process.execPath, ['--no-opt', '-e', make], { encoding: 'utf8' }).stdout, 'base64');
      expect(body.length).toBeGreaterThan(0);
      fs.writeFileSync(cache, Buffer.concat([Buffer.from(`${MAGIC} ${cacheKey(`${stamp.bundle.hash}:${stamp.bundle.encoding}`)} ${sha256(body)}\n`, 'latin1'), body]));
    };
    test.each([
      ['a removed code cache', (_file: string, cache: string) => fs.rmSync(cache)],
      ['a garbled code cache', (_file: string, cache: string) => fs.writeFileSync(cache, crypto.randomBytes(fs.statSync(cache).size))],
      ['a truncated code cache', (_file: string, cache: string) => fs.truncateSync(cache, Math.floor(fs.statSync(cache).size / 2))],
      ['a code cache whose body was changed', (_file: string, cache: string) => {
        const data = fs.readFileSync(cache);
        data[data.length - 10] ^= 0xff;
        fs.writeFileSync(cache, data);
      }],
      ['a code cache of another Node or another bundle', (_file: string, cache: string) => {
        fs.writeFileSync(cache, fs.readFileSync(cache, 'latin1').replace(/^(\S+ )[0-9a-f]/, '$1x'), 'latin1');
      }],
      ['a code cache V8 rejects (made with other V8 flags)', cacheOfAnotherV8],
    ])('GIVEN %s WHEN started THEN the bundle runs the same code without it, and a new cache is written', async (_name, spoil) => {
      const p = setUp();
      const first = await start(p);
      const file = (await bundleOf(p.entry, p.cache))!;
      spoil(file, cacheOf(file, 'main'));
      const spoilt = await start(p);
      expect(spoilt.started).toEqual({ bundled: true, codeCached: false });
      expect(spoilt.result).toEqual(first.result);
      const again = await start(p);
      expect(again.started.codeCached).toBe(true);
      expect(again.result).toEqual(first.result);
    });

    test('GIVEN a code cache WHEN an input changes THEN the new bundle runs the new code (the old cache is not taken)', async () => {
      const p = setUp();
      await start(p);
      fs.writeFileSync(p.lib, fs.readFileSync(p.lib, 'utf8').replace('= 1;', '= 7;'));
      const changed = await start(p);
      expect(changed.started.codeCached).toBe(false);
      expect(changed.result.version).toBe(7);
    });

    test.each([
      ['Latin-1 characters only (the bundle is stored one byte a character)', '/^(µs|ms)$/', 'String.raw`µé`', 'latin1'],
      ['characters beyond Latin-1 (the bundle is stored as UTF-8)', '/^(µs|“ms”)$/', 'String.raw`é“`', 'utf8'],
    ])('GIVEN sources with %s in a regular expression and a raw template WHEN run from the bundle, without and with its code cache THEN the same values as the sources', async (_name, re, raw, encoding) => {
      const p = setUp();
      fs.writeFileSync(p.lib, `export const where = (): string[] => [${re}.source, ${raw}, String(${re}.test('µs'))];\nexport const version: number = 1;\n`);
      const expected = { where: [re.slice(1, -1), raw.slice('String.raw`'.length, -1), 'true'], version: 1 };
      expect((await start(p)).result).toEqual(expected);
      const stamp = JSON.parse(fs.readFileSync((await bundleOf(p.entry, p.cache))!.replace(/\.js$/, '.json'), 'utf8')) as { bundle: { encoding: string } };
      expect(stamp.bundle.encoding).toBe(encoding);
      const again = await start(p);
      expect(again.started.codeCached).toBe(true);
      expect(again.result).toEqual(expected);
    });

    test('GIVEN TSYS_NO_BUNDLE WHEN started THEN the sources run through tsx, and saving a code cache writes nothing', async () => {
      const p = setUp();
      process.env.TSYS_NO_BUNDLE = '1';
      try {
        const started = await startEntry(p.entry, p.cache, 'main');
        expect(started).toMatchObject({ bundled: false, codeCached: false });
        expect(started.exports.main().version).toBe(1);
        started.saveCodeCache();
        expect(fs.existsSync(p.cache)).toBe(false);
      } finally {
        delete process.env.TSYS_NO_BUNDLE;
      }
    });
  });

  test('GIVEN the platform\'s command line WHEN run from its bundle (without and with its code cache) and from the sources (TSYS_NO_BUNDLE) THEN the same output and exit code', () => {
    const run = (env: Record<string, string>, args: string[]) => spawnSync(process.execPath, [path.join(REPO, 'bin', 'tsys.js'), ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, ...env } });
    // Timings printed by a command differ from run to run.
    const seen = (r: ReturnType<typeof run>, args: string[]) => ({ args, status: r.status, stdout: r.stdout.replace(/\(\d+ ms\)/g, '(ms)'), stderr: r.stderr });
    for (const args of [['--help'], ['versions'], ['synthesize'], ['verify'], ['synth', '--site', 'no-such-site.yaml']]) {
      const sources = seen(run({ TSYS_NO_BUNDLE: '1' }, args), args);
      // The first run from the bundle may write its code cache, the second takes it.
      expect(seen(run({}, args), args)).toEqual(sources);
      expect(seen(run({}, args), args)).toEqual(sources);
    }
    const name = sha256(path.join(REPO, 'scripts', 'tsys.ts')).slice(0, 16);
    const cached = fs.readdirSync(path.join(REPO, 'node_modules', '.cache', 'tsys-bundle'));
    expect(cached).toEqual(expect.arrayContaining([`${name}.js`, `${name}.versions.v8cache`]));
  }, 120_000);

  describe('bundles of checkouts that went', () => {
    /** The files of `cache` named after entry `entry`'s bundle (bundle, stamp, code caches, temporary files). */
    const filesOf = (cache: string, entry: string) => fs.readdirSync(cache).filter((n) => n.startsWith(`${sha256(entry).slice(0, 16)}.`)).sort();
    /** Sets the times of `entry`'s bundle files in `cache` to `ms` ago. */
    const backdate = (cache: string, entry: string, ms: number) => {
      const t = new Date(Date.now() - ms);
      for (const n of filesOf(cache, entry)) fs.utimesSync(path.join(cache, n), t, t);
    };

    test('GIVEN bundles of two checkouts sharing one cache WHEN one checkout is deleted and another bundle is built THEN the deleted one\'s bundle, stamp and code caches go, the other\'s stay and start without a build', async () => {
      const a = setUp();
      const b = setUp();
      const c = setUp();
      const cache = path.join(a.dir, 'shared-cache');
      for (const p of [a, b]) {
        const started = await startEntry(p.entry, cache, 'main');
        started.saveCodeCache();
      }
      expect(filesOf(cache, b.entry)).toEqual([`${sha256(b.entry).slice(0, 16)}.js`, `${sha256(b.entry).slice(0, 16)}.json`, `${sha256(b.entry).slice(0, 16)}.main.v8cache`]);
      fs.rmSync(b.dir, { recursive: true, force: true });
      // Files changed within the last 2 s stay (a checkout made again at that path may have just built them): b's were built a minute ago.
      backdate(cache, b.entry, 60_000);
      const { built } = await build({ entry: c.entry, cache });
      expect(built).toBe(true);
      expect(filesOf(cache, b.entry)).toEqual([]);
      expect(filesOf(cache, a.entry)).toHaveLength(3);
      expect(filesOf(cache, c.entry)).toHaveLength(2);
      expect(await build({ entry: a.entry, cache })).toMatchObject({ built: false });
    });

    test('GIVEN a stamp naming no entry, one naming an entry of another name, a killed write\'s temporary file, and a stamp of the earlier format for a checkout that went WHEN pruned THEN the last goes at once, the others stay while younger than UNCLAIMED_MS and go after', async () => {
      const a = setUp();
      const cache = path.join(a.dir, 'shared-cache');
      const { file } = await build({ entry: a.entry, cache });
      const name = path.basename(file!, '.js');
      const unclaimed = '0123456789abcdef';
      const misnamed = 'fedcba9876543210';
      fs.writeFileSync(path.join(cache, `${unclaimed}.js`), '');
      fs.writeFileSync(path.join(cache, `${unclaimed}.json`), JSON.stringify({ key: 'k', bundle: {}, inputs: {} }));
      fs.writeFileSync(path.join(cache, `${misnamed}.js`), '');
      fs.writeFileSync(path.join(cache, `${misnamed}.json`), JSON.stringify({ key: 'k', entry: a.entry, bundle: {}, inputs: {} }));
      fs.writeFileSync(path.join(cache, `${name}.js.4242.tmp`), 'half');
      fs.writeFileSync(path.join(cache, 'README'), 'not a bundle');
      // A stamp written before stamps named their entry: the entry is the input whose path hashes to the bundle's name; its checkout is gone.
      const gone = path.join(a.dir, 'gone', 'entry.ts');
      const old = sha256(gone).slice(0, 16);
      fs.writeFileSync(path.join(cache, `${old}.js`), '');
      fs.writeFileSync(path.join(cache, `${old}.json`), JSON.stringify({ key: 'k', bundle: {}, inputs: { [path.join(a.dir, 'gone', 'lib.ts')]: {}, [gone]: {} } }));
      const all = fs.readdirSync(cache).filter((n) => !n.startsWith(old)).sort();
      // Just written, it stays; a minute old, it goes.
      pruneBundles(cache, 'none');
      expect(fs.readdirSync(cache).filter((n) => n.startsWith(old))).toHaveLength(2);
      backdate(cache, gone, 60_000);
      pruneBundles(cache, 'none');
      expect(fs.readdirSync(cache).sort()).toEqual(all);
      for (const n of fs.readdirSync(cache)) fs.utimesSync(path.join(cache, n), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
      pruneBundles(cache, 'none', Date.now() + UNCLAIMED_MS + 60_000);
      // The bundle of an entry that is there stays whatever its age; only its temporary file goes.
      expect(fs.readdirSync(cache).sort()).toEqual([`${name}.js`, `${name}.json`, 'README'].sort());
    });

    test('GIVEN an entry path that is now a folder, an earlier-format stamp whose entry no input names (a checkout reached through a link), and an old temporary file of the bundle just built WHEN pruned THEN the first goes, the second stays while one of its own inputs is there and goes after, the third goes', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-prune-'));
      made.push(dir);
      const cache = path.join(dir, 'cache');
      fs.mkdirSync(cache);
      const write = (name: string, stamp: object) => {
        fs.writeFileSync(path.join(cache, `${name}.js`), '');
        fs.writeFileSync(path.join(cache, `${name}.json`), JSON.stringify(stamp));
      };
      const folder = path.join(dir, 'now-a-folder.ts');
      fs.mkdirSync(folder);
      const folderName = sha256(folder).slice(0, 16);
      write(folderName, { key: 'k', entry: folder, bundle: {}, inputs: {} });
      // Linked: the stamp's inputs are real paths, none of which hashes to the name (the linked entry's).
      const real = path.join(dir, 'real');
      fs.mkdirSync(real);
      fs.writeFileSync(path.join(real, 'entry.ts'), '');
      const linkedName = sha256(path.join(dir, 'link', 'entry.ts')).slice(0, 16);
      write(linkedName, { key: 'k', bundle: {}, inputs: { [path.join(real, 'entry.ts')]: {}, [path.join(dir, 'node_modules', 'x', 'index.js')]: {} } });
      const keep = '00000000000000aa';
      fs.writeFileSync(path.join(cache, `${keep}.js`), '');
      fs.writeFileSync(path.join(cache, `${keep}.js.99.tmp`), 'half');
      const long = new Date(Date.now() - UNCLAIMED_MS - 60_000);
      for (const n of fs.readdirSync(cache)) fs.utimesSync(path.join(cache, n), long, long);
      pruneBundles(cache, keep);
      expect(fs.readdirSync(cache).sort()).toEqual([`${keep}.js`, `${linkedName}.js`, `${linkedName}.json`].sort());
      fs.rmSync(real, { recursive: true });
      pruneBundles(cache, keep);
      expect(fs.readdirSync(cache)).toEqual([`${keep}.js`]);
    });
  });
});
