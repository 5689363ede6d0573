import * as fs from 'fs';
import * as path from 'path';
import { runVerifyCli } from '../../lib/cli';
import { runWhatIfCli } from '../../lib/verify/whatif';
import { REPO } from '../helpers';
import { commandLine } from '../command-line';

// A disk that fails a read, as root cannot make one: fs is replaced by a copy whose readFileSync a test may make fail.
jest.mock('fs', () => {
  const real = jest.requireActual<typeof import('fs')>('fs');
  return { ...real, readFileSync: jest.fn(real.readFileSync) };
});
const realFs = jest.requireActual<typeof import('fs')>('fs');

/**
 * An environment fault while a command reads the rendered tree (the committed dist/, read only):
 * one line naming the file and what to do, exit 1, no stack trace, and no finding about the file's
 * YAML or about what its objects would have provided.
 */

const FILE = 'dist/apps/application-longhorn.yaml';
const STACK = /\n\s+at /;

afterEach(() => {
  jest.mocked(fs.readFileSync).mockImplementation(realFs.readFileSync);
  jest.restoreAllMocks();
});

/** Makes reading FILE fail as Node does on a failing disk: EIO from read(2), without a path. */
function failingDisk(): void {
  jest.mocked(fs.readFileSync).mockImplementation(((file: fs.PathOrFileDescriptor, o?: unknown) => {
    if (String(file) === path.join(REPO, FILE)) {
      const e: NodeJS.ErrnoException = new Error('EIO: i/o error, read');
      Object.assign(e, { code: 'EIO', syscall: 'read' });
      throw e;
    }
    return (realFs.readFileSync as (f: fs.PathOrFileDescriptor, o?: unknown) => string | Buffer)(file, o);
  }) as typeof fs.readFileSync);
}

/** Runs `run` capturing stderr. */
function stderrOf(run: () => number): { code: number; err: string } {
  const err: string[] = [];
  jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.map(String).join(' ')));
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  return { code: run(), err: err.join('\n') };
}

test.each([
  ['verify', () => runVerifyCli(commandLine('verify', '--root', REPO))],
  ['whatif', () => runWhatIfCli(commandLine('whatif', '--root', REPO))],
])('GIVEN an I/O error reading a rendered file WHEN %s runs THEN one line names the file and the fault', (command, run) => {
  failingDisk();
  const { code, err } = stderrOf(run);
  expect(code).toBe(1);
  expect(err).toBe(`${command} failed: ${path.relative(process.cwd(), path.join(REPO, FILE))} cannot be read: the disk reported an I/O error (EIO); check the disk (dmesg) before trusting any file on it`);
  expect(err).not.toMatch(STACK);
});

test('GIVEN an I/O error reading a rendered file WHEN backup-report runs THEN one line names the file and the fault', () => {
  failingDisk();
  const { runBackupReport } = require('../../scripts/backup-report') as typeof import('../../scripts/backup-report');
  const { code, err } = stderrOf(() => runBackupReport(commandLine('backup-report', '--root', REPO)));
  expect(code).toBe(1);
  expect(err).toBe(`backup-report: ${path.relative(process.cwd(), path.join(REPO, FILE))} cannot be read: the disk reported an I/O error (EIO); check the disk (dmesg) before trusting any file on it`);
});
