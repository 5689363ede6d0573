import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runDiffCli } from '../../lib/diff/command';
import { REPO } from '../helpers';
import { commandLine } from '../command-line';

// A forbidden or full --out folder, as root cannot make one: fs is replaced by a copy whose rmSync a test may make fail.
jest.mock('fs', () => {
  const real = jest.requireActual<typeof import('fs')>('fs');
  return { ...real, rmSync: jest.fn(real.rmSync), writeFileSync: jest.fn(real.writeFileSync) };
});
const realFs = jest.requireActual<typeof import('fs')>('fs');

/** An environment fault in `tsys diff`: one message naming the file and what to do, no stack trace. */

const roots: string[] = [];
afterEach(() => {
  jest.mocked(fs.rmSync).mockImplementation(realFs.rmSync);
  jest.mocked(fs.writeFileSync).mockImplementation(realFs.writeFileSync);
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

test('GIVEN a full disk while --out is written WHEN the diff runs THEN the file is named with what to do, without a stack trace', () => {
  // A clone of the platform with its render committed: the diff renders the working tree against it.
  const root = realFs.mkdtempSync(path.join(os.tmpdir(), 'diff-faults-'));
  roots.push(root);
  for (const f of ['site.yaml', 'apps.lock.yaml']) realFs.copyFileSync(path.join(REPO, f), path.join(root, f));
  for (const dir of ['dist', 'argocd', 'docs', 'reports', 'apps']) realFs.cpSync(path.join(REPO, dir), path.join(root, dir), { recursive: true });
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: root, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'rendered output');
  const out = path.join(root, 'diff.md');
  jest.mocked(fs.writeFileSync).mockImplementation(((file: fs.PathOrFileDescriptor, data: string, o?: fs.WriteFileOptions) => {
    if (String(file) === out) {
      // As Node's write(2) error: a code and a syscall, no path.
      const e: NodeJS.ErrnoException = new Error('ENOSPC: no space left on device, write');
      Object.assign(e, { code: 'ENOSPC', syscall: 'write' });
      throw e;
    }
    return realFs.writeFileSync(file, data, o);
  }) as typeof fs.writeFileSync);
  const err: string[] = [];
  const code = runDiffCli(commandLine('diff', '--root', root, '--base', 'HEAD', '--out', out), { stdout: { write: () => true }, stderr: { write: (t: string) => err.push(t) }, env: {} });
  expect(code).toBe(1);
  expect(err.join('')).toMatch(/^diff failed: \S*diff\.md cannot be written: no space left on the device \(ENOSPC\); free some disk space/);
  expect(realFs.existsSync(path.join(root, 'diff.json'))).toBe(false);
});
