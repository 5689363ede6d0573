import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { formatCliError, runGuarded } from '../lib/cli-errors';
import { runSynthCli } from '../lib/cli';
import { ConfigError } from '../lib/config/errors';
import { REPO } from './helpers';
import { outputsOf, scratchCheckout } from './scratch-checkout';
import { commandLine, runCommandLine } from './command-line';

// Faults the tests inject where root cannot provoke them (a full disk, a read-only or forbidden
// checkout): fs is replaced by a copy whose writing functions a test may make fail.
jest.mock('fs', () => {
  const real = jest.requireActual<typeof import('fs')>('fs');
  return {
    ...real,
    mkdtempSync: jest.fn(real.mkdtempSync),
    renameSync: jest.fn(real.renameSync),
    writeFileSync: jest.fn(real.writeFileSync),
    openSync: jest.fn(real.openSync),
    writeSync: jest.fn(real.writeSync),
    readdirSync: jest.fn(real.readdirSync),
  };
});
const realFs = jest.requireActual<typeof import('fs')>('fs');

/**
 * The synth command line: every user or environment error is one message naming the file and
 * what to do, exit code 1, no stack trace (unless --debug), and no output moved; a genuine
 * programming error says it is a bug and shows its stack.
 */

const STACK = /\n\s+at /;

/** An error like the ones Node's fs throws. */
function systemError(code: string, syscall: string, file?: string, dest?: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: simulated, ${syscall}${file ? ` '${file}'` : ''}`) as NodeJS.ErrnoException & { dest?: string };
  e.code = code;
  e.syscall = syscall;
  if (file) e.path = file;
  if (dest) e.dest = dest;
  return e;
}

/** Runs `npm run synth -- --root <root> ...args` in this process; its exit code and stderr. */
function runSynth(root: string, ...args: string[]): { code: number; stderr: string } {
  const lines: string[] = [];
  jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { lines.push(a.map(String).join(' ')); });
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  const code = runSynthCli(commandLine('synth', '--root', root, ...args));
  return { code, stderr: lines.join('\n') };
}

const roots: string[] = [];
afterEach(() => {
  jest.restoreAllMocks();
  jest.mocked(fs.mkdtempSync).mockImplementation(realFs.mkdtempSync);
  jest.mocked(fs.renameSync).mockImplementation(realFs.renameSync);
  jest.mocked(fs.writeFileSync).mockImplementation(realFs.writeFileSync);
  jest.mocked(fs.openSync).mockImplementation(realFs.openSync);
  jest.mocked(fs.writeSync).mockImplementation(realFs.writeSync as typeof fs.writeSync);
  jest.mocked(fs.readdirSync).mockImplementation(realFs.readdirSync as typeof fs.readdirSync);
  delete process.env.TSYS_DEBUG;
  for (const r of roots.splice(0)) realFs.rmSync(r, { recursive: true, force: true });
});

/** GIVEN a scratch checkout WHEN synth runs and fails THEN exit 1, one message naming `names`, no stack, outputs untouched. */
function refused(change: (root: string) => void, ...args: string[]): { stderr: string; root: string } {
  return refusedWith(/^synth failed: /, change, ...args);
}

function refusedWith(first: RegExp, change: (root: string) => void, ...args: string[]): { stderr: string; root: string } {
  const root = scratchCheckout('cli-errors-test');
  roots.push(root);
  change(root);
  const before = outputsOf(root, true);
  const { code, stderr } = runSynth(root, ...args);
  expect(code).toBe(1);
  expect(stderr).toMatch(first);
  expect(stderr).not.toMatch(STACK);
  expect(stderr).not.toContain('this is a bug');
  expect(outputsOf(root, true)).toEqual(before);
  return { stderr, root };
}

describe('synth command line: environment errors while writing', () => {
  test('GIVEN another synth holding the lock WHEN synth runs THEN it names the lock file and waits for no one, in one message', () => {
    const { stderr, root } = refusedWith(/^synth: refused: /, (r) => realFs.writeFileSync(path.join(r, '.render.lock'), String(process.ppid)));
    expect(stderr).toContain(`another synth (pid ${process.ppid}) is writing this checkout (.render.lock): wait for it to finish and run this again; if no synth is running, delete ${path.join(root, '.render.lock')}`);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  test.each([
    // EPERM and EROFS read the same way (formatCliError below); each case here costs a render.
    ['EACCES', 'mkdtemp', 'cannot be written: permission denied (EACCES); make the checkout and its output folders writable'],
  ])('GIVEN %s creating the temporary folder WHEN synth runs THEN the checkout is named with what to do', (code, syscall, expected) => {
    jest.mocked(fs.mkdtempSync).mockImplementation(((prefix: string) => { throw systemError(code, syscall, `${prefix}XXXXXX`); }) as typeof fs.mkdtempSync);
    const { stderr, root } = refused(() => undefined);
    expect(stderr).toContain(`${path.join(root, '.render-')}XXXXXX ${expected}`);
  });

  test('GIVEN a full disk (ENOSPC while writing a rendered file) WHEN synth runs THEN it says so and names the output', () => {
    // The staging opens each file in the temporary folder, then writes it: every such write fails.
    const staged = new Set<number>();
    jest.mocked(fs.openSync).mockImplementation(((file: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode) => {
      const fd = realFs.openSync(file, flags, mode);
      if (String(file).includes(`${path.sep}.render-`) && flags === 'w') staged.add(fd);
      return fd;
    }) as typeof fs.openSync);
    jest.mocked(fs.writeSync).mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
      if (staged.has(args[0])) throw systemError('ENOSPC', 'write');
      return (realFs.writeSync as (...a: unknown[]) => number)(...args);
    }) as typeof fs.writeSync);
    const { stderr } = refused(() => undefined);
    // The first file written, as the user knows it (not the temporary copy): Node's write error has no path.
    expect(stderr).toMatch(/^synth failed: (argocd|dist)\/[\w./-]+\.yaml \(its new version, in the temporary folder \.render-\w+\/\) cannot be written: no space left on the device \(ENOSPC\); free some disk space/);
  });

  test('GIVEN an output that cannot be moved into dist/ (EACCES on rename) WHEN synth runs THEN the output is named, and what moved before it is moved back', () => {
    const dist = (root: string) => `${path.join(root, 'dist')}`;
    let root = '';
    jest.mocked(fs.renameSync).mockImplementation(((from: fs.PathLike, to: fs.PathLike) => {
      const into = String(to);
      // The install step only (a new or changed output from the temporary folder); the roll-back's moves from .backup work.
      const installing = String(from).includes(`${path.sep}.render-`) && !String(from).includes(`${path.sep}.backup`);
      if (installing && (into === dist(root) || into.startsWith(`${dist(root)}${path.sep}`))) throw systemError('EACCES', 'rename', String(from), into);
      return realFs.renameSync(from, to);
    }) as typeof fs.renameSync);
    const { stderr } = refused((r) => { root = r; });
    // The output is named as the user knows it (dist/..., its new version in the temporary folder), and every move is undone.
    expect(stderr).toMatch(/ moves \(dist\/\S+ \(its new version, in the temporary folder \.render-\w+\/\) cannot be moved: permission denied \(EACCES\); make the checkout and its output folders writable/);
    expect(stderr).not.toContain(root);
    expect(stderr).toMatch(/all (\d+) were undone/);
    expect(stderr).toContain('every output is as it was before this run');
  });
});

describe('synth command line: input errors, bugs and --debug', () => {
  test('GIVEN --site without its value WHEN synth runs THEN one line says so, exit 2 (a usage error, docs/cli.md)', async () => {
    const err: string[] = [];
    const code = await runCommandLine('synth', ['--root', 'some-checkout', '--site'], (line) => runSynthCli(line), (line) => err.push(line));
    expect(code).toBe(2);
    expect(err).toEqual(["synth: option '--site <file>' argument missing (tsys synth --help shows the usage)"]);
  });

  test('GIVEN a broken app spec and --debug WHEN synth runs THEN the message and then the stack are shown', () => {
    const root = scratchCheckout('cli-errors-test');
    roots.push(root);
    realFs.writeFileSync(path.join(root, 'apps', 'whiteboard.yaml'), 'image: [unclosed\n');
    const { code, stderr } = runSynth(root, '--debug');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^synth failed: invalid configuration/);
    expect(stderr).toMatch(STACK);
  });

  test('GIVEN TSYS_DEBUG=1 WHEN synth fails on input THEN the stack is shown', () => {
    const root = scratchCheckout('cli-errors-test');
    roots.push(root);
    realFs.rmSync(path.join(root, 'site.yaml'));
    process.env.TSYS_DEBUG = '1';
    const { code, stderr } = runSynth(root);
    expect(code).toBe(1);
    expect(stderr).toMatch(STACK);
  });

  test('GIVEN a programming error (a TypeError) WHEN synth runs THEN it says this is a bug and shows the stack', () => {
    jest.mocked(fs.readdirSync).mockImplementation((() => { throw new TypeError('cannot read properties of undefined'); }) as typeof fs.readdirSync);
    const root = scratchCheckout('cli-errors-test');
    roots.push(root);
    const { code, stderr } = runSynth(root);
    expect(code).toBe(1);
    expect(stderr).toContain('synth failed with an internal error; this is a bug, please report it');
    expect(stderr).toContain('TypeError: cannot read properties of undefined');
    expect(stderr).toMatch(STACK);
  });
});

describe('synth command line, run as npm run synth does', () => {
  /** `node --require tsx/cjs main.ts --root <root>`: exit code, stdout and stderr. */
  function synthProcess(root: string): { code: number; stdout: string; stderr: string } {
    try {
      const stdout = execFileSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts', '--root', root], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return { code: 0, stdout, stderr: '' };
    } catch (e) {
      const x = e as { status: number; stdout: string; stderr: string };
      return { code: x.status, stdout: x.stdout, stderr: x.stderr };
    }
  }

  test('GIVEN an alias bomb in an app spec WHEN synth runs THEN exit 1 and one message naming the file and line, no stack', () => {
    const root = scratchCheckout('cli-errors-test');
    roots.push(root);
    const app = path.join(root, 'apps', 'whiteboard.yaml');
    const bomb = ['a: &a [x,x,x,x,x,x,x,x,x]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`)].join('\n');
    realFs.appendFileSync(app, `\n${bomb}\n`);
    const before = outputsOf(root, true);
    const { code, stderr } = synthProcess(root);
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^synth failed: invalid configuration \\(1 problem\\):\\n  \\S*${path.basename(root)}/apps/whiteboard\\.yaml:\\d+:\\d+: \\(document\\): YAML aliases`));
    expect(stderr).not.toMatch(STACK);
    expect(outputsOf(root, true)).toEqual(before);
  });
});

describe('formatCliError', () => {
  const o = { command: 'synth', where: '/repo', cwd: '/repo' };

  test.each([
    ['EACCES', 'open', '/repo/site.yaml', 'synth failed: site.yaml cannot be opened: permission denied (EACCES); give this user access to it and to its folder'],
    ['EPERM', 'unlink', '/repo/dist/a.yaml', 'synth failed: dist/a.yaml cannot be written: permission denied (EPERM)'],
    ['EISDIR', 'read', undefined, 'synth failed: a file under /repo is a folder where a file belongs'],
    ['ENOTDIR', 'scandir', '/repo/apps', 'synth failed: apps is a file where a folder belongs'],
    ['ENOENT', 'open', '/repo/docs/x.md', 'synth failed: docs/x.md does not exist'],
    ['ENOSPC', 'write', undefined, 'synth failed: a file under /repo cannot be written: no space left on the device (ENOSPC)'],
    ['EROFS', 'open', '/repo/.render.lock', 'synth failed: .render.lock cannot be written: the file system is read-only (EROFS)'],
    ['EMFILE', 'open', '/repo/dist/a.yaml', 'synth failed: dist/a.yaml cannot be opened: too many open files (EMFILE); raise the limit'],
  ])('GIVEN %s in %s THEN one line naming the file and what to do', (code, syscall, file, expected) => {
    const text = formatCliError(systemError(code, syscall, file), o);
    expect(text.startsWith(expected)).toBe(true);
    expect(text).not.toContain('\n');
  });

  test('GIVEN a rename onto a folder (EISDIR) THEN the destination in the way is named, not the temporary source', () => {
    expect(formatCliError(systemError('EISDIR', 'rename', '/repo/.render-x/docs/a.md', '/repo/docs/a.md'), o)).toBe('synth failed: docs/a.md is a folder where a file belongs; remove or rename the folder');
  });

  test('GIVEN an unknown system error code THEN its own message, still one line', () => {
    expect(formatCliError(systemError('ECONNRESET', 'read'), o)).toBe('synth failed: ECONNRESET: simulated, read');
  });

  test('GIVEN a config error THEN its message as it is, and the stack only with debug', () => {
    const e = new ConfigError([{ file: 'site.yaml', line: 3, column: 1, field: 'nodes', message: 'needs at least 1 entry' }]);
    expect(formatCliError(e, o)).toBe('synth failed: invalid configuration (1 problem):\n  site.yaml:3:1: nodes: needs at least 1 entry');
    expect(formatCliError(e, { ...o, debug: true })).toMatch(STACK);
  });

  test('GIVEN a yaml alias ReferenceError that escaped a loader THEN a one-line YAML message, not a bug', () => {
    expect(formatCliError(new ReferenceError('Excessive alias count indicates a resource exhaustion attack'), o)).toBe('synth failed: a YAML file\'s aliases expand too far (a "billion laughs" bomb?): Excessive alias count indicates a resource exhaustion attack');
  });

  test('GIVEN something thrown that is not an Error THEN it is reported as a bug', () => {
    expect(formatCliError('oops', o)).toBe('synth failed with an internal error; this is a bug, please report it with the text below:\nstring: oops');
  });
});

describe('runGuarded (the delivery and drill commands)', () => {
  test('GIVEN a system error escaping a command (a full disk writing a file) WHEN reported THEN one line naming the file and what to do, exit 1, no stack', async () => {
    const lines: string[] = [];
    const code = await runGuarded('mirror', (line) => lines.push(line), async () => {
      throw systemError('ENOSPC', 'open', path.join(process.cwd(), 'reports', 'out.md'));
    }, []);
    expect(code).toBe(1);
    expect(lines).toEqual([`mirror: ${path.join('reports', 'out.md')} cannot be written: no space left on the device (ENOSPC); free some disk space (or raise the quota) and run the command again`]);
  });

  test('GIVEN a genuine bug WHEN reported THEN its stack is shown', async () => {
    const lines: string[] = [];
    expect(await runGuarded('status', (line) => lines.push(line), async () => {
      throw new TypeError('x is undefined');
    }, [])).toBe(1);
    expect(lines[0]).toMatch(STACK);
  });
});
