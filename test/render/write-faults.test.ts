import * as fs from 'fs';
import * as path from 'path';
import { formatCliError } from '../../lib/cli-errors';
import { OutputError } from '../../lib/render/output-error';
import { LOCK_FILE, takeOutputLock } from '../../lib/render/output-lock';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { JOURNAL_FILE } from '../../lib/render/swap';
import { writeAtomically } from '../../lib/render/write';
import { snapshotTree, writeTree } from '../helpers';

// A full disk, as root cannot make one: fs is replaced by a copy whose writing functions a test
// may make fail. Node's write errors (write, fsync) carry no path: the code must name the file.
jest.mock('fs', () => {
  const real = jest.requireActual<typeof import('fs')>('fs');
  return { ...real, writeFileSync: jest.fn(real.writeFileSync), writeSync: jest.fn(real.writeSync) };
});
const realFs = jest.requireActual<typeof import('fs')>('fs');

/**
 * Environment faults while synth writes its temporary folder, its journal and its lock: one
 * message naming the file and what to do, and every output as it was.
 */

const OLD = { 'dist/apps/a.yaml': 'old a\n', 'argocd/app.yaml': 'old app\n', 'apps.lock.yaml': 'old lock\n' };
const FILES: RenderedFile[] = [
  { path: 'dist/apps/a.yaml', content: 'new a\n' },
  { path: 'dist/apps/b.yaml', content: 'new b\n' },
  { path: 'argocd/app.yaml', content: 'new app\n' },
  { path: 'apps.lock.yaml', content: 'new lock\n' },
];

/** An error like Node's for a failed write(2): a code and a syscall, no path. */
function writeError(code: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: simulated, write`);
  e.code = code;
  e.syscall = 'write';
  return e;
}

const roots: string[] = [];
afterEach(() => {
  jest.mocked(fs.writeFileSync).mockImplementation(realFs.writeFileSync);
  jest.mocked(fs.writeSync).mockImplementation(realFs.writeSync as typeof fs.writeSync);
  for (const r of roots.splice(0)) realFs.rmSync(r, { recursive: true, force: true });
});

/** GIVEN the OLD checkout WHEN writeAtomically fails THEN the error, with the checkout unchanged (the lock and temporary folder gone). */
function failedWrite(): { error: unknown; root: string } {
  const root = writeTree(OLD);
  roots.push(root);
  const before = snapshotTree(root);
  let error: unknown;
  try {
    writeAtomically(root, FILES, () => undefined);
  } catch (e) {
    error = e;
  }
  expect(error).toBeDefined();
  expect(snapshotTree(root)).toEqual(before);
  expect(realFs.readdirSync(root).sort()).toEqual(['apps.lock.yaml', 'argocd', 'dist']);
  return { error, root };
}

describe('a full disk while synth writes', () => {
  test.each([1, 2, 4])('GIVEN ENOSPC at write %i of the temporary folder WHEN the outputs are written THEN the output is named with what to do, and nothing moved', (nth) => {
    let n = 0;
    jest.mocked(fs.writeFileSync).mockImplementation(((file: fs.PathOrFileDescriptor, data: string, o?: fs.WriteFileOptions) => {
      if (String(file).includes(`${path.sep}.render-`) && ++n === nth) throw writeError('ENOSPC');
      return realFs.writeFileSync(file, data, o);
    }) as typeof fs.writeFileSync);
    const { error, root } = failedWrite();
    expect(error).toBeInstanceOf(OutputError);
    expect((error as OutputError).outputs).toBe('unchanged');
    const written = FILES[nth - 1].path;
    expect(formatCliError(error, { command: 'synth', cwd: root, where: root, userErrors: [OutputError] })).toMatch(
      new RegExp(`^synth failed: ${written.replace(/\./g, '\\.')} \\(its new version, in the temporary folder \\.render-\\w+/\\) cannot be written: no space left on the device \\(ENOSPC\\); free some disk space`),
    );
  });

  test('GIVEN ENOSPC writing the journal WHEN the outputs are swapped THEN the journal is named, and nothing moved', () => {
    jest.mocked(fs.writeSync).mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
      if (typeof args[1] === 'string' && args[1].includes('"outputs"')) throw writeError('ENOSPC');
      return (realFs.writeSync as (...a: unknown[]) => number)(...args);
    }) as typeof fs.writeSync);
    const { error, root } = failedWrite();
    expect(formatCliError(error, { command: 'synth', cwd: root, where: root, userErrors: [OutputError] })).toMatch(
      new RegExp(`^synth failed: ${JOURNAL_FILE.replace(/\./g, '\\.')} .*cannot be written: no space left on the device \\(ENOSPC\\)`),
    );
    expect((error as OutputError).outputs).toBe('unchanged');
  });
});

describe('a full disk while synth takes its lock', () => {
  test('GIVEN ENOSPC writing the pid into the lock WHEN the lock is taken THEN the lock is named, and no empty lock is left to block the next synth', () => {
    const root = writeTree(OLD);
    roots.push(root);
    jest.mocked(fs.writeFileSync).mockImplementation(((file: fs.PathOrFileDescriptor, data: string, o?: fs.WriteFileOptions) => {
      if (String(file).endsWith(LOCK_FILE)) {
        // As Node does on a full disk: the file is created, then writing its bytes fails.
        realFs.writeFileSync(file, '', o);
        throw writeError('ENOSPC');
      }
      return realFs.writeFileSync(file, data, o);
    }) as typeof fs.writeFileSync);
    jest.mocked(fs.writeSync).mockImplementation((() => {
      throw writeError('ENOSPC');
    }) as unknown as typeof fs.writeSync);
    let error: unknown;
    try {
      takeOutputLock(root);
    } catch (e) {
      error = e;
    }
    expect(formatCliError(error, { command: 'synth', cwd: root, where: root })).toMatch(new RegExp(`^synth failed: ${LOCK_FILE.replace(/\./g, '\\.')} cannot be written: no space left on the device \\(ENOSPC\\)`));
    expect(realFs.existsSync(path.join(root, LOCK_FILE))).toBe(false);
    jest.mocked(fs.writeFileSync).mockImplementation(realFs.writeFileSync);
    jest.mocked(fs.writeSync).mockImplementation(realFs.writeSync as typeof fs.writeSync);
    takeOutputLock(root)();
  });
});
