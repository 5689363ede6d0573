import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError } from '../../lib/config/errors';
import { appFiles, isAppSpecName, loadApps } from '../../lib/config/load-apps';
import { loadSite, MAX_ALIAS_COUNT } from '../../lib/config/load';
import { quoteValue } from '../../lib/config/quote';
import { synth } from '../../lib/synth';
import { REPO, shippedSite } from '../helpers';
import { outputsOf, scratchCheckout } from '../scratch-checkout';

// Node's fs exports cannot be redefined by jest.spyOn: the module is replaced by a copy whose
// readFileSync a test may make fail (EACCES, EPERM, EMFILE), as root cannot chmod its way there.
jest.mock('fs', () => {
  const real = jest.requireActual<typeof import('fs')>('fs');
  return { ...real, readFileSync: jest.fn(real.readFileSync) };
});
const realFs = jest.requireActual<typeof import('fs')>('fs');

/**
 * Bad input and faults while reading it: every refusal is one ConfigError naming the file (and
 * the line and field where there is one), with no stack trace in its message, and no output moves.
 */

const SITE = fs.readFileSync(path.join(REPO, 'site.yaml'), 'utf8');
const APP = fs.readFileSync(path.join(REPO, 'apps', 'whiteboard.yaml'), 'utf8');
const STACK = /\n\s+at /;
/** Nine levels of nine aliases: 9^9 nodes once expanded. */
const BOMB = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');

/** Runs synth on `root`; returns what it threw. */
function synthError(root: string): unknown {
  try {
    synth({ root });
  } catch (e) {
    return e;
  }
  throw new Error('synth succeeded');
}

/** An error like the ones Node's fs throws. */
function systemError(code: string, syscall: string, file?: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: simulated, ${syscall}${file ? ` '${file}'` : ''}`);
  e.code = code;
  e.syscall = syscall;
  if (file) e.path = file;
  return e;
}

const roots: string[] = [];
afterEach(() => {
  jest.mocked(fs.readFileSync).mockImplementation(realFs.readFileSync);
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

describe('input errors: one message naming the file', () => {
  /** GIVEN a scratch checkout changed by `change` WHEN synthesized THEN a ConfigError naming `file` (relative to the checkout), outputs untouched. */
  function refused(change: (root: string) => void, file: string): ConfigError {
    const root = scratchCheckout('errors-test');
    roots.push(root);
    change(root);
    const before = outputsOf(root);
    const error = synthError(root);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(path.relative(process.cwd(), path.join(root, file)));
    expect(message).not.toMatch(STACK);
    expect(outputsOf(root)).toEqual(before);
    return error as ConfigError;
  }

  test('GIVEN an alias bomb in site.yaml WHEN synthesized THEN it is refused at the line of the first alias, not a ReferenceError', () => {
    const error = refused((r) => fs.writeFileSync(path.join(r, 'site.yaml'), `${SITE}\n${BOMB}\n`), 'site.yaml');
    const line = SITE.split('\n').length + 2;
    expect(error.issues).toEqual([expect.objectContaining({ line, column: 8, message: expect.stringContaining(`expand to more than ${MAX_ALIAS_COUNT} nodes`) })]);
  });

  test('GIVEN an alias bomb in an app spec WHEN synthesized THEN the app file is named', () => {
    const error = refused((r) => fs.writeFileSync(path.join(r, 'apps', 'whiteboard.yaml'), `${APP}\n${BOMB}\n`), 'apps/whiteboard.yaml');
    expect(error.message).toMatch(/whiteboard\.yaml:\d+:8: \(document\): YAML aliases in this file/);
  });

  test('GIVEN an alias to an anchor that is not defined WHEN synthesized THEN the file and line are named', () => {
    const error = refused((r) => fs.writeFileSync(path.join(r, 'apps', 'whiteboard.yaml'), `${APP}\nargs: *nowhere\n`), 'apps/whiteboard.yaml');
    expect(error.issues[0].line).toBe(APP.split('\n').length + 1);
  });

  test('GIVEN a YAML syntax error in site.yaml WHEN synthesized THEN file, line and column are named', () => {
    const error = refused((r) => fs.writeFileSync(path.join(r, 'site.yaml'), `${SITE}\nbroken: [unclosed\n`), 'site.yaml');
    expect(error.issues[0]).toEqual(expect.objectContaining({ line: expect.any(Number), message: expect.stringMatching(/^YAML syntax: /) }));
    expect(error.issues[0].line).toBeGreaterThan(0);
  });

  test('GIVEN a folder where site.yaml belongs (or --site names a folder: it said only "remove or rename the folder", of /tmp too) WHEN synthesized THEN it says so, and to pass the right path', () => {
    const error = refused((r) => { fs.rmSync(path.join(r, 'site.yaml')); fs.mkdirSync(path.join(r, 'site.yaml')); }, 'site.yaml');
    expect(error.issues[0].message).toBe('the site file is a folder where a file belongs; pass the right path, or remove or rename the folder');
  });

  test('GIVEN no site.yaml WHEN synthesized THEN it says it does not exist and what to do, without guessing it vanished while the command ran', () => {
    const error = refused((r) => fs.rmSync(path.join(r, 'site.yaml')), 'site.yaml');
    expect(error.issues[0].message).toBe('the site file does not exist; restore it (from git or a backup) or pass the right path');
  });

  test('GIVEN a folder where an app spec belongs WHEN synthesized THEN the folder is named', () => {
    const error = refused((r) => fs.mkdirSync(path.join(r, 'apps', 'extra.yaml')), 'apps/extra.yaml');
    expect(error.issues[0].message).toBe('the app spec is a folder where a file belongs; pass the right path, or remove or rename the folder');
  });

  test('GIVEN a file where the apps/ folder belongs WHEN synthesized THEN apps is named', () => {
    const error = refused((r) => { fs.rmSync(path.join(r, 'apps'), { recursive: true }); fs.writeFileSync(path.join(r, 'apps'), 'x'); }, 'apps');
    expect(error.issues[0].message).toMatch(/^the app folder is a file where a folder belongs/);
  });

  test('GIVEN a folder where apps.lock.yaml belongs WHEN synthesized THEN it is named', () => {
    const error = refused((r) => { fs.rmSync(path.join(r, 'apps.lock.yaml')); fs.mkdirSync(path.join(r, 'apps.lock.yaml')); }, 'apps.lock.yaml');
    expect(error.issues[0].message).toBe('the address lock is a folder where a file belongs; pass the right path, or remove or rename the folder');
  });

  test('GIVEN an app spec that is a dangling symbolic link WHEN synthesized THEN the link and its target are named', () => {
    const error = refused((r) => fs.symlinkSync('gone.yaml', path.join(r, 'apps', 'wiki.yaml')), 'apps/wiki.yaml');
    expect(error.issues[0].message).toBe('the app spec is a symbolic link to gone.yaml, which does not exist; fix or remove the link');
  });

  test.each([['EACCES', 'site.yaml'], ['EPERM', 'site.yaml'], ['EACCES', 'apps/whiteboard.yaml'], ['EMFILE', 'apps/whiteboard.yaml']])(
    'GIVEN %s when reading %s WHEN synthesized THEN the file is named with what to do',
    (code, file) => {
      jest.mocked(fs.readFileSync).mockImplementation(((p: fs.PathOrFileDescriptor, o?: unknown) => {
        if (typeof p === 'string' && p.endsWith(file)) throw systemError(code, 'open', p);
        return realFs.readFileSync(p, o as BufferEncoding);
      }) as typeof fs.readFileSync);
      const error = refused(() => undefined, file);
      expect(error.issues[0].message).toContain(`cannot be read: ${code === 'EMFILE' ? 'too many open files' : 'permission denied'} (${code})`);
    },
  );

  test('GIVEN a site without dbaas.postgresql, which platform components use WHEN synthesized THEN site.yaml and the field are named', () => {
    const error = refused((r) => fs.writeFileSync(path.join(r, 'site.yaml'), SITE.replace(/^ {2}postgresql: .*\n/m, '')), 'site.yaml');
    expect(error.issues).toEqual([expect.objectContaining({ field: 'dbaas.postgresql', message: expect.stringContaining('add dbaas.postgresql: { host, port }') })]);
    expect(error.issues[0].line).toBeGreaterThan(0);
  });

  test('GIVEN a value of 900,000 characters in a field (a spec under the 1 MB limit; a larger file is refused by its size: test/config/input-faults.test.ts) WHEN npm run synth runs THEN the message quotes 80 characters, an ellipsis and the length', () => {
    // A process of its own: jest runs every suite in one worker on a 2-core machine, whose heap
    // by then may not spare the buffers of a 20 MB file (a RangeError that is not this test's).
    const root = scratchCheckout('errors-test');
    roots.push(root);
    realFs.writeFileSync(path.join(root, 'apps', 'whiteboard.yaml'), APP.replace(/^image: .*$/m, `image: ${'x'.repeat(900_000)}`));
    const before = outputsOf(root);
    const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts', '--root', root], { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 20 });
    expect(run.status).toBe(1);
    expect(run.stderr.length).toBeLessThan(1000);
    expect(run.stderr).toContain(path.join('apps', 'whiteboard.yaml'));
    expect(run.stderr).toContain(`got "${'x'.repeat(80)}…" (900000 characters)`);
    expect(run.stderr).not.toMatch(STACK);
    expect(outputsOf(root)).toEqual(before);
  });

  test('GIVEN a 1 MB unknown key WHEN loaded THEN it is quoted short and refused quickly', () => {
    const key = 'k'.repeat(1_000_000);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'errors-test-')), 'site.yaml');
    roots.push(path.dirname(file));
    fs.writeFileSync(file, `${SITE}\n? ${key}\n: 1\n`);
    const started = Date.now();
    expect(() => loadSite(file)).toThrow(`unknown key "${'k'.repeat(80)}…" (1000000 characters)`);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('files in apps/ that are not app specs', () => {
  test.each(['.#whiteboard.yaml', 'whiteboard.yaml~', '.whiteboard.yaml.swp', '#x.yaml#', '.hidden.yaml', 'x.yaml.bak', 'x.yaml.orig', 'README.md', '#x.yaml'])(
    'GIVEN %s THEN it is not an app spec', (name) => {
      expect(isAppSpecName(name)).toBe(false);
    },
  );

  test.each(['wiki.yaml', 'wiki.yml', 'Wiki.yaml'])('GIVEN %s THEN it is an app spec (its name is checked when loaded)', (name) => {
    expect(isAppSpecName(name)).toBe(true);
  });

  test('GIVEN an Emacs lock link (dangling), backups, a swap file and a dotfile beside an app WHEN loaded THEN only the app is read', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'errors-test-'));
    roots.push(dir);
    fs.writeFileSync(path.join(dir, 'whiteboard.yaml'), APP);
    fs.symlinkSync('user@host.1234:1700000000', path.join(dir, '.#whiteboard.yaml'));
    for (const name of ['whiteboard.yaml~', '#whiteboard.yaml#', '.hidden.yaml', 'whiteboard.yaml.bak', 'whiteboard.yaml.orig']) fs.writeFileSync(path.join(dir, name), 'not: [an app');
    fs.writeFileSync(path.join(dir, '.whiteboard.yaml.swp'), Buffer.from([0x62, 0x30, 0x56, 0x49, 0x4d, 0x00, 0xff, 0xfe]));
    expect(appFiles(dir)).toEqual([path.join(dir, 'whiteboard.yaml')]);
    expect(loadApps(dir, shippedSite()).map((a) => a.name)).toEqual(['whiteboard']);
  });
});

describe('quoteValue', () => {
  test('GIVEN short values THEN they are quoted as written', () => {
    expect(quoteValue('abc')).toBe('"abc"');
    expect(quoteValue(42)).toBe('42');
    expect(quoteValue(true)).toBe('true');
    expect(quoteValue(undefined)).toBe('nothing');
    expect(quoteValue({ a: 1 })).toBe('{"a":1}');
  });

  test('GIVEN a long string THEN the first 80 characters, an ellipsis and the length', () => {
    expect(quoteValue('y'.repeat(81))).toBe(`"${'y'.repeat(80)}…" (81 characters)`);
    expect(quoteValue('y'.repeat(10), 4)).toBe('"yyyy…" (10 characters)');
  });

  test('GIVEN a cut through a surrogate pair THEN the pair is not split', () => {
    const s = `${'a'.repeat(79)}😀${'b'.repeat(10)}`;
    expect(quoteValue(s)).toBe(`"${'a'.repeat(79)}…" (${s.length} characters)`);
  });

  test('GIVEN a large map THEN its JSON is cut the same way', () => {
    const q = quoteValue({ list: Array(100).fill('value') });
    expect(q.length).toBeLessThan(120);
    expect(q).toMatch(/… \(\d+ characters\)$/);
  });
});
