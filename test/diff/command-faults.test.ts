import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runDiffCli } from '../../lib/diff/command';
import { commandLine } from '../command-line';

// A forbidden or full --out folder, as root cannot make one: fs is replaced by a copy whose rmSync a test may make fail.
jest.mock('fs', () => {
  const real = jest.requireActual<typeof import('fs')>('fs');
  return { ...real, rmSync: jest.fn(real.rmSync) };
});
const realFs = jest.requireActual<typeof import('fs')>('fs');

/** An environment fault in `tsys diff`: one message naming the file and what to do, no stack trace. */

const roots: string[] = [];
afterEach(() => {
  jest.mocked(fs.rmSync).mockImplementation(realFs.rmSync);
  for (const r of roots.splice(0)) realFs.rmSync(r, { recursive: true, force: true });
});

test('GIVEN a summary file beside --out that cannot be removed (EACCES) WHEN the diff runs THEN the file is named with what to do, without a stack trace', () => {
  const root = realFs.mkdtempSync(path.join(os.tmpdir(), 'diff-faults-'));
  roots.push(root);
  const summary = path.join(root, 'diff.json');
  jest.mocked(fs.rmSync).mockImplementation(((p: fs.PathLike, o?: fs.RmOptions) => {
    if (String(p) === summary) {
      const e: NodeJS.ErrnoException = new Error(`EACCES: permission denied, unlink '${summary}'`);
      Object.assign(e, { code: 'EACCES', syscall: 'unlink', path: summary });
      throw e;
    }
    return realFs.rmSync(p, o);
  }) as typeof fs.rmSync);
  const err: string[] = [];
  const code = runDiffCli(commandLine('diff', '--root', root, '--out', path.join(root, 'diff.md')), { stdout: { write: () => true }, stderr: { write: (t: string) => err.push(t) }, env: {} });
  expect(code).toBe(1);
  const text = err.join('');
  expect(text).toMatch(/^diff failed: \S*diff\.json cannot be written: permission denied \(EACCES\); make the checkout and its output folders writable/);
  expect(text).not.toMatch(/\n\s+at /);
});
