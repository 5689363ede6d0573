import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO } from '../helpers';

/** bin/bundle.js is plain JavaScript (it runs before tsx is loaded). */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { bundleOf, loadEntry } = require('../../bin/bundle') as {
  bundleOf: (entry: string, cacheDir: string, built?: (b: boolean) => void) => Promise<string | undefined>;
  loadEntry: (entry: string, cacheDir: string) => Promise<Record<string, unknown>>;
};

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
  const build = async (p: { entry: string; cache: string }) => {
    let built: boolean | undefined;
    const file = await bundleOf(p.entry, p.cache, (b) => { built = b; });
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

  test('GIVEN the platform\'s command line WHEN run from its bundle and from the sources (TSYS_NO_BUNDLE) THEN the same output and exit code', () => {
    const run = (env: Record<string, string>, args: string[]) => spawnSync(process.execPath, [path.join(REPO, 'bin', 'tsys.js'), ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, ...env } });
    // Timings printed by a command differ from run to run.
    const seen = (r: ReturnType<typeof run>, args: string[]) => ({ args, status: r.status, stdout: r.stdout.replace(/\(\d+ ms\)/g, '(ms)'), stderr: r.stderr });
    for (const args of [['--help'], ['versions'], ['synthesize'], ['verify'], ['synth', '--site', 'no-such-site.yaml']]) {
      expect(seen(run({}, args), args)).toEqual(seen(run({ TSYS_NO_BUNDLE: '1' }, args), args));
    }
    expect(fs.readdirSync(path.join(REPO, 'node_modules', '.cache', 'tsys-bundle')).some((f) => f.endsWith('.js'))).toBe(true);
  }, 120_000);
});
