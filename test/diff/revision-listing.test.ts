import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DIFF_FOLDERS, DiffError, readRevision } from '../../lib/diff/git';
import { startRevisionListing } from '../../lib/diff/revision-listing';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { gitCalls } from './git-calls';

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, '-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { encoding: 'utf8' }).trim();
}

/** A new repository with `files` committed, and one of them changed in the working tree since. */
function repo(): { root: string; sha: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'revision-listing-'));
  git(root, 'init', '-q', '-b', 'main');
  const files: Record<string, string> = { 'dist/same.yaml': 'kind: Same\n', 'dist/edited.yaml': 'kind: Edited\n', 'argocd/a.yaml': 'kind: A\n', 'docs/x.md': '# X\n', 'site.yaml': 'name: x\n' };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'base');
  fs.writeFileSync(path.join(root, 'dist/edited.yaml'), 'kind: Edited, since\n');
  return { root, sha: git(root, 'rev-parse', 'HEAD') };
}

/** A file known to hold the working tree's bytes at `p` (its text is never asked for here). */
const unread = (p: string): RenderedFile => ({ path: p, get content(): string { throw new Error(`${p} was read`); } });

describe('the base listed on another thread', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  test('GIVEN a revision listed by the worker WHEN the revision is read THEN the files are those read without it, and neither git ls-tree nor git diff-index runs on the calling thread', () => {
    const { root, sha } = repo();
    roots.push(root);
    const onDisk = new Map([['dist/same.yaml', unread('dist/same.yaml')], ['dist/edited.yaml', unread('dist/edited.yaml')]]);
    const alone = readRevision(root, sha, DIFF_FOLDERS, undefined, onDisk);
    const listed = startRevisionListing(root, sha, DIFF_FOLDERS, undefined, 2);
    const { result, calls } = gitCalls(() => readRevision(root, sha, DIFF_FOLDERS, undefined, onDisk, listed));
    expect(result).toEqual(alone);
    expect(result.find((f) => f.path === 'dist/same.yaml')).toBe(onDisk.get('dist/same.yaml'));
    expect(result.find((f) => f.path === 'dist/edited.yaml')?.content).toBe('kind: Edited\n');
    expect(calls).toEqual(['cat-file']);
  });

  test('GIVEN one core WHEN the base is to be listed THEN no worker starts and the calling thread runs git itself, with the same files', () => {
    const { root, sha } = repo();
    roots.push(root);
    const listed = startRevisionListing(root, sha, DIFF_FOLDERS, undefined, 1);
    expect(listed()).toBeUndefined();
    const { result, calls } = gitCalls(() => readRevision(root, sha, DIFF_FOLDERS, undefined, new Map([['dist/same.yaml', unread('dist/same.yaml')]]), listed));
    expect(calls).toEqual(['ls-tree', 'diff-index', 'cat-file']);
    expect(result.map((f) => f.path)).toEqual(['argocd/a.yaml', 'dist/edited.yaml', 'dist/same.yaml', 'docs/x.md']);
  });

  test('GIVEN a revision git cannot list WHEN the worker tries THEN it gives nothing and the calling thread\'s git reports the fault as without it', () => {
    const { root } = repo();
    roots.push(root);
    const missing = '0123456789abcdef0123456789abcdef01234567';
    const listed = startRevisionListing(root, missing, DIFF_FOLDERS, undefined, 2);
    expect(listed()).toBeUndefined();
    const fault = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof DiffError ? `DiffError ${e.message}` : (e as Error).message.split('\n')[0];
      }
      return 'no error';
    };
    expect(fault(() => readRevision(root, missing, DIFF_FOLDERS, undefined, undefined, listed))).toBe(fault(() => readRevision(root, missing)));
    expect(fault(() => readRevision(root, missing))).toMatch(/ls-tree/);
  });
});
