import * as fs from 'fs';
import * as path from 'path';
import { runReleaseCli } from '../../lib/delivery/app-cli';
import { LOCK_FILE } from '../../lib/render/output-lock';
import { testIo } from './cli-io';
import { gitIn, platformCheckout, PlatformCheckout } from './git-fixtures';
import { commandLine } from '../command-line';

// A full disk, as root cannot make one: fs is replaced by a copy whose writing functions a test
// may make fail (Node's write errors carry no path).
jest.mock('fs', () => {
  const real = jest.requireActual<typeof import('fs')>('fs');
  return { ...real, writeFileSync: jest.fn(real.writeFileSync), writeSync: jest.fn(real.writeSync), rmSync: jest.fn(real.rmSync) };
});
const realFs = jest.requireActual<typeof import('fs')>('fs');

/**
 * `tsys release` on a full disk: one message naming the file and what to do, no stack trace, the
 * app file as it was (an uncommitted edit of it included) and nothing committed or pushed.
 */

const APP = 'apps/whiteboard.yaml';
const STACK = /\n\s+at /;

/** An error like Node's for a failed write(2): a code and a syscall, no path. */
function writeError(code: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: no space left on device, write`);
  e.code = code;
  e.syscall = 'write';
  return e;
}

/**
 * Makes writing the app file (apps/whiteboard.yaml, or its temporary file beside it) fail as on a
 * full disk: the file is opened (and emptied) and 40 bytes land, then writing the rest fails (ENOSPC).
 */
function diskFullOnAppFile(): void {
  jest.mocked(fs.writeFileSync).mockImplementation(((file: fs.PathOrFileDescriptor, data: string, o?: fs.WriteFileOptions) => {
    if (String(file).includes(`${path.sep}apps${path.sep}whiteboard.yaml`)) {
      realFs.writeFileSync(file, String(data).slice(0, 40), o);
      throw writeError('ENOSPC');
    }
    return realFs.writeFileSync(file, data, o);
  }) as typeof fs.writeFileSync);
}

describe('release on a full disk', () => {
  let template: PlatformCheckout;
  let repo: PlatformCheckout;
  beforeAll(() => {
    template = platformCheckout();
  });
  afterAll(() => realFs.rmSync(template.base, { recursive: true, force: true }));
  beforeEach(() => {
    repo = platformCheckout(template);
  });
  afterEach(() => {
    jest.mocked(fs.writeFileSync).mockImplementation(realFs.writeFileSync);
    jest.mocked(fs.writeSync).mockImplementation(realFs.writeSync as typeof fs.writeSync);
    jest.mocked(fs.rmSync).mockImplementation(realFs.rmSync);
    realFs.rmSync(repo.base, { recursive: true, force: true });
  });

  /** Runs `tsys release whiteboard v2.17.1` in the checkout: exit code, stderr, and whether HEAD moved. */
  async function released(): Promise<{ code: number; stderr: string; committed: boolean }> {
    const head = gitIn(repo.work, 'rev-parse', 'HEAD');
    const io = testIo({});
    const code = await runReleaseCli(commandLine('release', 'whiteboard', 'v2.17.1', '--root', repo.work), io);
    return { code, stderr: io.stderr.join('\n'), committed: gitIn(repo.work, 'rev-parse', 'HEAD') !== head };
  }

  test('GIVEN ENOSPC writing the app file (Node has emptied it, then the write fails) WHEN released THEN the app file is as it was, uncommitted edit included, and one message names it', async () => {
    const edited = `${realFs.readFileSync(path.join(repo.work, APP), 'utf8')}# an uncommitted note\n`;
    realFs.writeFileSync(path.join(repo.work, APP), edited);
    diskFullOnAppFile();
    const { code, stderr, committed } = await released();
    expect(code).toBe(1);
    expect(stderr).not.toMatch(STACK);
    expect(stderr).toMatch(/^release: apps\/whiteboard\.yaml cannot be written: no space left on the device \(ENOSPC\); free some disk space/);
    expect(stderr).toContain('the app file is as it was');
    expect(realFs.readFileSync(path.join(repo.work, APP), 'utf8')).toBe(edited);
    expect(committed).toBe(false);
    expect(realFs.readdirSync(path.join(repo.work, 'apps')).filter((f) => !f.endsWith('.yaml'))).toEqual([]);
  });

  test('GIVEN ENOSPC writing the app file AND removing its temporary file fails too WHEN released THEN the first error (ENOSPC on the app file) is the one reported, the clean-up failure added after it', async () => {
    const before = realFs.readFileSync(path.join(repo.work, APP), 'utf8');
    diskFullOnAppFile();
    jest.mocked(fs.rmSync).mockImplementation(((p: fs.PathLike, o?: fs.RmOptions) => {
      if (String(p).endsWith('.tmp') && String(p).includes(`${path.sep}apps${path.sep}`)) {
        const e: NodeJS.ErrnoException = new Error(`EACCES: permission denied, rm '${String(p)}'`);
        Object.assign(e, { code: 'EACCES', syscall: 'rm', path: String(p) });
        throw e;
      }
      return realFs.rmSync(p, o);
    }) as typeof fs.rmSync);
    const { code, stderr, committed } = await released();
    expect(code).toBe(1);
    expect(stderr).not.toMatch(STACK);
    expect(stderr).toMatch(/^release: apps\/whiteboard\.yaml cannot be written: no space left on the device \(ENOSPC\); free some disk space/);
    expect(stderr).toContain('the app file is as it was');
    expect(stderr).toMatch(/; its temporary file apps\/whiteboard\.yaml\.\d+\.tmp could not be removed either \(EACCES\): delete it by hand$/);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(realFs.readFileSync(path.join(repo.work, APP), 'utf8')).toBe(before);
    expect(committed).toBe(false);
  });

  test('GIVEN ENOSPC when synth writes its lock WHEN released THEN it refuses in one message naming the lock, the app file restored and nothing committed', async () => {
    jest.mocked(fs.writeSync).mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
      // The pid written into the lock (lib/render/output-lock.ts).
      if (Buffer.isBuffer(args[1]) && args[1].toString() === String(process.pid)) throw writeError('ENOSPC');
      return (realFs.writeSync as (...a: unknown[]) => number)(...args);
    }) as typeof fs.writeSync);
    const before = realFs.readFileSync(path.join(repo.work, APP), 'utf8');
    const { code, stderr, committed } = await released();
    expect(code).toBe(1);
    expect(stderr).not.toMatch(STACK);
    expect(stderr).toMatch(new RegExp(`^release: refused: synth failed; the app file is restored, dist/ and argocd/ are unchanged:\\n.*${LOCK_FILE.replace('.', '\\.')} cannot be written: no space left on the device \\(ENOSPC\\)`));
    expect(realFs.readFileSync(path.join(repo.work, APP), 'utf8')).toBe(before);
    expect(realFs.existsSync(path.join(repo.work, LOCK_FILE))).toBe(false);
    expect(committed).toBe(false);
  });
});
