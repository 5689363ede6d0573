import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { diffWorkingTree, isCompared, renderWorkingTree, runDiffCli, summaryFile, summaryPath } from '../../lib/diff/command';
import { blobId, defaultBase, readRevision, resolveRevision } from '../../lib/diff/git';
import { gitCalls } from './git-calls';
import { describeRef } from '../../lib/diff/model';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { REPO, snapshotTree } from '../helpers';
import { deployment, file, namespace, pvc } from './fixtures';
import { commandLine, runCommandLine } from '../command-line';

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, '-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { encoding: 'utf8' }).trim();
}

/** Writes files under `dir` (deleting those mapped to null). */
function put(dir: string, files: Record<string, string | null>): void {
  for (const [rel, content] of Object.entries(files)) {
    const target = path.join(dir, rel);
    if (content === null) fs.rmSync(target, { force: true });
    else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
  }
}

/** A new git repository on `branch` with `files` committed. */
function repo(files: Record<string, string>, branch = 'main'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-repo-'));
  git(dir, 'init', '-q', '-b', branch);
  put(dir, files);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  return dir;
}

const tree = (files: readonly RenderedFile[]): Record<string, string> => Object.fromEntries(files.map((f) => [f.path, f.content]));

/** The working tree's dist/, argocd/ and docs/ as they are on disk (the head for crafted repos). */
function onDisk(root: string): () => RenderedFile[] {
  return () => ['dist', 'argocd', 'docs'].flatMap((dir) => [...snapshotTree(path.join(root, dir))].map(([rel, content]) => ({ path: `${dir}/${rel}`, content })));
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Captures what the CLI writes. */
function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, env } };
}

/** `tsys diff <args>` through the program: the exit code and stderr of a command line it refuses (the diff does not run). */
async function refused(...args: string[]): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const code = await runCommandLine('diff', args, () => {
    throw new Error(`tsys diff ${args.join(' ')} ran`);
  }, (line) => err.push(line));
  return { code, err: err.join('\n') };
}

describe('npm run diff against a git revision', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const track = (d: string) => (dirs.push(d), d);

  test('GIVEN a committed dist/ tree changed in the working tree WHEN diffed against HEAD THEN added, removed and changed objects and their risks are found', () => {
    const root = track(repo(tree([file('dist/web', namespace('web')), file('dist/web', deployment('site', 'web', 3)), file('dist/web', pvc('data', 'web'))])));
    put(root, { ...tree([file('dist/web', deployment('site', 'web', 1)), file('dist/cache', namespace('cache'))]), 'dist/web/persistentvolumeclaim-data.yaml': null });
    const run = diffWorkingTree({ root, base: 'HEAD', head: onDisk(root) });
    expect(run.baseSha).toBe(git(root, 'rev-parse', 'HEAD'));
    expect(run.baseLabel).toBe(`HEAD (${run.baseSha.slice(0, 12)})`);
    expect(run.diff.groups.map((g) => [g.group, g.added.map(describeRef), g.removed.map(describeRef), g.changed.map((c) => c.fields.map((f) => f.path))])).toEqual([
      ['dist/cache', ['Namespace cache'], [], []],
      ['dist/web', [], ['PersistentVolumeClaim web/data'], [['spec.replicas']]],
    ]);
    expect(run.diff.risks.map((r) => r.rule)).toEqual(['stateful-removed', 'replicas-lowered', 'ha-broken']);
  });

  test('GIVEN a risky change WHEN written with --out THEN diff.json beside the Markdown says risky, with each risk (the CI review gate reads it)', () => {
    const root = track(repo(tree([file('dist/web', pvc('data', 'web'))])));
    put(root, { 'dist/web/persistentvolumeclaim-data.yaml': null });
    const out = path.join(root, 'diff.md');
    const run = diffWorkingTree({ root, base: 'HEAD', head: onDisk(root) });
    expect(summaryFile(run)).toEqual({
      risky: true,
      base: run.baseSha,
      summary: { added: 0, removed: 1, changed: 0, files: 0, unchangedFiles: 0 },
      risks: [{ rule: 'stateful-removed', object: 'v1 PersistentVolumeClaim web/data', group: 'dist/web', message: expect.stringMatching(/^removed: Argo CD prunes the claim/) }],
      manualActions: [],
    });
    expect(summaryPath(out)).toBe(path.join(root, 'diff.json'));
    expect(summaryPath('review')).toBe('review.json');
    expect(summaryPath('x/diff.json')).toBe('x/diff.summary.json');
  });

  test('GIVEN a revision WHEN read from git THEN only dist/, argocd/ and docs/ come back, with contents byte for byte and the executable bit', () => {
    const root = track(repo({ 'dist/hosts/db1/install.sh': '#!/bin/sh\necho é\n', 'argocd/namespace-argocd.yaml': 'kind: Namespace\n', 'docs/ldap.md': '# LDAP\n', 'site.yaml': 'name: x\n', 'lib/x.ts': '' }));
    fs.chmodSync(path.join(root, 'dist/hosts/db1/install.sh'), 0o755);
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'exec');
    expect(readRevision(root, git(root, 'rev-parse', 'HEAD'))).toEqual([
      { path: 'argocd/namespace-argocd.yaml', content: 'kind: Namespace\n' },
      { path: 'dist/hosts/db1/install.sh', content: '#!/bin/sh\necho é\n', executable: true },
      { path: 'docs/ldap.md', content: '# LDAP\n' },
    ]);
    expect(readRevision(root, git(root, 'rev-parse', 'HEAD'), ['nothing-here'])).toEqual([]);
  });

  test('GIVEN a checkout in a folder of the repository WHEN a revision is read from that folder THEN its own dist/ and docs/ come back with paths relative to it, not the top\'s; a folder outside git is a DiffError', () => {
    const top = track(repo({ 'platform/dist/a.yaml': 'kind: A\n', 'platform/docs/x.md': '# X\n', 'dist/top.yaml': 'kind: Top\n', 'platform/lib/x.ts': '' }));
    const head = git(top, 'rev-parse', 'HEAD');
    expect(readRevision(path.join(top, 'platform'), head)).toEqual([
      { path: 'dist/a.yaml', content: 'kind: A\n' },
      { path: 'docs/x.md', content: '# X\n' },
    ]);
    const outside = track(fs.mkdtempSync(path.join(os.tmpdir(), 'diff-nogit-')));
    expect(() => readRevision(outside, head)).toThrow(/not inside a git repository/);
  });

  test('GIVEN the head\'s texts WHEN a revision is read with them THEN the files are the same as read from git alone, and the blob id of a text is the one git gives it', () => {
    const files = { 'dist/hosts/db1/install.sh': '#!/bin/sh\necho é\n', 'argocd/namespace-argocd.yaml': 'kind: Namespace\n', 'docs/ldap.md': '# LDAP\n' };
    const root = track(repo(files));
    const head = git(root, 'rev-parse', 'HEAD');
    for (const [file, text] of Object.entries(files)) expect(blobId(text, head)).toBe(git(root, 'hash-object', file));
    // One text the same as committed, one changed, one only in the head: only the first may be taken from the head.
    const known = new Map([['dist/hosts/db1/install.sh', files['dist/hosts/db1/install.sh']], ['docs/ldap.md', '# LDAP, changed\n'], ['dist/new.yaml', 'kind: X\n']]);
    expect(readRevision(root, head, undefined, known)).toEqual(readRevision(root, head));
    expect(readRevision(root, head, undefined, known).find((f) => f.path === 'docs/ldap.md')?.content).toBe('# LDAP\n');
  });

  test('GIVEN files known to hold the working tree\'s bytes (their texts never read) WHEN a revision is read with them THEN a file the working tree left as committed is that very file, unread; one changed on disk since the commit, one whose mode differs, one the commit lacks and one in a folder of the repository come from git as without them', () => {
    const top = track(repo({ 'platform/dist/same.yaml': 'kind: Same\n', 'platform/dist/edited.yaml': 'kind: Edited\n', 'platform/dist/moded.sh': '#!/bin/sh\n', 'platform/docs/x.md': '# X\n' }));
    const root = path.join(top, 'platform');
    const head = git(top, 'rev-parse', 'HEAD');
    put(root, { 'dist/edited.yaml': 'kind: Edited, since\n' });
    const reads: string[] = [];
    // A file that says when its text is read, holding what the working tree's file holds (or a text that could not be, to show it is never asked for).
    const unread = (p: string, executable = false): RenderedFile => ({ path: p, executable, get content(): string { reads.push(p); return 'never read'; } });
    const onDisk = new Map([['dist/same.yaml', unread('dist/same.yaml')], ['dist/edited.yaml', unread('dist/edited.yaml')], ['dist/moded.sh', unread('dist/moded.sh', true)], ['dist/new.yaml', unread('dist/new.yaml')]]);
    const files = readRevision(root, head, undefined, undefined, onDisk);
    expect(files.find((f) => f.path === 'dist/same.yaml')).toBe(onDisk.get('dist/same.yaml'));
    expect(reads).toEqual([]);
    const fromGit = readRevision(root, head);
    expect(files.filter((f) => f.path !== 'dist/same.yaml')).toEqual(fromGit.filter((f) => f.path !== 'dist/same.yaml'));
    expect(fromGit.map((f) => f.path)).toEqual(files.map((f) => f.path));
    expect(tree(fromGit.filter((f) => f.path !== 'dist/same.yaml'))).toEqual({ 'dist/edited.yaml': 'kind: Edited\n', 'dist/moded.sh': '#!/bin/sh\n', 'docs/x.md': '# X\n' });
  });

  test('GIVEN a feature branch off main WHEN no base is given THEN the base is the merge base with main, or HEAD when there is no main', () => {
    const root = track(repo({ 'dist/web/a.yaml': 'a: 1\n' }));
    const mainTip = git(root, 'rev-parse', 'HEAD');
    git(root, 'checkout', '-q', '-b', 'feature');
    put(root, { 'dist/web/a.yaml': 'a: 2\n' });
    git(root, 'commit', '-q', '-am', 'feature');
    expect(defaultBase(root)).toEqual({ sha: mainTip, label: `${mainTip.slice(0, 12)} (merge base of HEAD and main)` });

    const solo = track(repo({ 'dist/web/a.yaml': 'a: 1\n' }, 'trunk'));
    const head = git(solo, 'rev-parse', 'HEAD');
    expect(defaultBase(solo)).toEqual({ sha: head, label: `${head.slice(0, 12)} (HEAD; there is no branch main)` });
  });

  test('GIVEN a revision that resolves WHEN it is resolved, given or as the default base THEN git runs once per question (where the repository is, is asked only to say why one failed)', () => {
    const root = track(repo({ 'dist/web/a.yaml': 'a: 1\n' }));
    const head = git(root, 'rev-parse', 'HEAD');
    expect(gitCalls(() => resolveRevision(root, 'HEAD'))).toEqual({ result: head, calls: ['rev-parse'] });
    // HEAD, main, their merge base.
    expect(gitCalls(() => defaultBase(root)).calls).toEqual(['rev-parse', 'rev-parse', 'merge-base']);
  });

  test('GIVEN a bad revision or a folder outside git WHEN the CLI runs THEN it exits 1 saying what to do (and leaves no stale diff.json); a bad format, an unknown option or an argument is a command line the program refuses (exit 2)', async () => {
    const root = track(repo({ 'dist/web/a.yaml': 'a: 1\n' }));
    const bad = io();
    const stale = path.join(root, 'diff.json');
    fs.writeFileSync(stale, '{"risky":false}\n');
    expect(runDiffCli(commandLine('diff', '--root', root, '--base', 'no-such-branch', '--out', path.join(root, 'diff.md')), bad.io)).toBe(1);
    expect(fs.existsSync(stale)).toBe(false);
    expect(bad.err.join('')).toBe('diff failed: unknown git revision "no-such-branch": pass a branch, tag or commit of this repository to --base (git log --oneline lists commits; fetch first if it is remote)\n');

    const outside = track(fs.mkdtempSync(path.join(os.tmpdir(), 'diff-nogit-')));
    const nogit = io();
    expect(runDiffCli(commandLine('diff', '--root', outside), nogit.io)).toBe(1);
    expect(nogit.err.join('')).toBe(`diff failed: ${outside} is not inside a git repository; run the diff in a clone of the platform repository (or pass --root <checkout>)\n`);

    expect(await refused('--root', root, '--format', 'html')).toEqual({ code: 2, err: "diff: option '--format <format>' argument 'html' is invalid. Allowed choices are markdown, terminal. (tsys diff --help shows the usage)" });
    expect(await refused('--bse', 'main')).toEqual({ code: 2, err: "diff: unknown option '--bse' (Did you mean --base?) (tsys diff --help shows the usage)" });
    expect(await refused('main')).toEqual({ code: 2, err: "diff: too many arguments for 'diff'. Expected 0 arguments but got 1. (tsys diff --help shows the usage)" });
  });

  describe('on a checkout of the platform', () => {
    let root: string;
    beforeAll(() => {
      root = track(repo({ 'site.yaml': fs.readFileSync(path.join(REPO, 'site.yaml'), 'utf8') }));
      // cpSync keeps the executable bit of the install scripts, as the clone has it.
      for (const dir of ['dist', 'argocd', 'docs', 'reports', 'apps']) fs.cpSync(path.join(REPO, dir), path.join(root, dir), { recursive: true });
      fs.copyFileSync(path.join(REPO, 'apps.lock.yaml'), path.join(root, 'apps.lock.yaml'));
      git(root, 'add', '-A');
      git(root, 'commit', '-q', '-m', 'rendered output');
    });

    test('GIVEN an unchanged checkout WHEN npm run diff renders the working tree THEN the committed output and the fresh render agree', () => {
      const run = io();
      expect(runDiffCli(commandLine('diff', '--root', root, '--base', 'HEAD'), run.io)).toBe(0);
      expect(run.err).toEqual([]);
      expect(run.out.join('')).toMatch(/^Rendered diff: HEAD \([0-9a-f]{12}\) → working tree\nno differences \(\d+ files unchanged\)\n$/);
    });

    test('GIVEN an uncommitted site.yaml change WHEN npm run diff writes Markdown to --out THEN it says where, and the file holds the changed object with its field path', () => {
      const site = path.join(root, 'site.yaml');
      const original = fs.readFileSync(site, 'utf8');
      fs.writeFileSync(site, original.replace('nfs://nas.turnsys.com:/export/longhorn-backups', 'nfs://nas2.turnsys.com:/export/longhorn'));
      try {
        const out = path.join(root, 'out', 'diff.md');
        const run = io();
        expect(runDiffCli(commandLine('diff', '--root', root, '--base', 'HEAD', '--out', out), run.io)).toBe(0);
        const json = path.join(root, 'out', 'diff.json');
        expect(run.out.join('')).toMatch(new RegExp(`^diff: Markdown written to ${escape(out)} \\(summary for CI: ${escape(json)}\\): 0 added, 0 removed, 1 changed object; 1 file changed in 2 groups \\(\\d+ files unchanged\\); 0 risky changes\\n$`));
        expect(JSON.parse(fs.readFileSync(json, 'utf8'))).toEqual({ risky: false, base: git(root, 'rev-parse', 'HEAD'), summary: { added: 0, removed: 0, changed: 1, files: 1, unchangedFiles: expect.any(Number) }, risks: [], manualActions: [] });
        const markdown = fs.readFileSync(out, 'utf8');
        // The generated list of outside dependencies names the backup target's address too.
        expect(markdown).toContain('docs/dependencies.md');
        expect(markdown).toContain('<details><summary><b>layer longhorn (dist/longhorn)</b>: 1 changed</summary>');
        // The Longhorn chart is rendered at synth: the setting lands in the chart's default-resource ConfigMap.
        expect(markdown).toContain([
          '- changed `ConfigMap longhorn-system/longhorn-default-resource`',
          '  - `data["default-resource.yaml"]`: `"backup-target: nfs://nas.turnsys.com:/export/lon… (2 lines)` → `"backup-target: nfs://nas2.turnsys.com:/export/lo… (2 lines)`',
        ].join('\n'));
        // The working tree's dist/ is never written by the diff.
        expect(git(root, 'status', '--porcelain', '--', 'dist', 'argocd', 'docs', 'reports')).toBe('');
      } finally {
        fs.writeFileSync(site, original);
      }
    });

    test('GIVEN --exit-code WHEN nothing differs, a node IP changes, or an option is wrong THEN it exits 0, 1 (listing the manual action for that node) and 2, like kubectl diff', async () => {
      const same = io();
      expect(runDiffCli(commandLine('diff', '--root', root, '--base', 'HEAD', '--exit-code'), same.io)).toBe(0);
      expect(same.err).toEqual([]);
      const site = path.join(root, 'site.yaml');
      const original = fs.readFileSync(site, 'utf8');
      expect(original).toMatch(/^ {4}ip: 10\.251\.50\.1$/m);
      fs.writeFileSync(site, original.replace(/^ {4}ip: 10\.251\.50\.1$/m, '    ip: 10.251.50.11'));
      try {
        const changed = io();
        expect(runDiffCli(commandLine('diff', '--root', root, '--base', 'HEAD', '--exit-code'), changed.io)).toBe(1);
        const text = changed.out.join('');
        expect(text).toContain('Manual actions (files Argo CD does not apply; 1 step):\n  → re-run dist/hosts/www1/install.sh on www1 (copy the whole dist/hosts folder there first)\n');
        expect(text).toContain('      -node-ip: 10.251.50.1\n      +node-ip: 10.251.50.11\n');
        // The CI summary beside --out carries the same step.
        const out = path.join(root, 'out', 'node-ip.md');
        expect(runDiffCli(commandLine('diff', '--root', root, '--base', 'HEAD', '--out', out), io().io)).toBe(0);
        expect(JSON.parse(fs.readFileSync(path.join(root, 'out', 'node-ip.json'), 'utf8')).manualActions).toEqual([
          { step: 're-run dist/hosts/www1/install.sh on www1 (copy the whole dist/hosts folder there first)', files: expect.arrayContaining(['dist/hosts/www1/install.sh']) },
        ]);
        // Without the flag a successful diff exits 0 whatever it found.
        expect(runDiffCli(commandLine('diff', '--root', root, '--base', 'HEAD'), io().io)).toBe(0);
      } finally {
        fs.writeFileSync(site, original);
      }
      expect(await refused('--root', root, '--exit-code', '--bogus')).toEqual({ code: 2, err: "diff: unknown option '--bogus' (tsys diff --help shows the usage)" });
      expect(runDiffCli(commandLine('diff', '--root', root, '--base', 'no-such-branch', '--exit-code'), io().io)).toBe(2);
    });

    test('GIVEN a hand-written doc beside the generated ones WHEN it is added in the working tree THEN it is a file change (synth leaves such docs alone, so they are part of the head)', () => {
      const notes = path.join(root, 'docs', 'notes.md');
      fs.writeFileSync(notes, '# Notes\n');
      try {
        const run = diffWorkingTree({ root, base: 'HEAD' });
        expect(run.diff.groups.map((g) => [g.group, g.files.map((f) => `${f.status} ${f.path}`)])).toEqual([['docs', ['added docs/notes.md']]]);
      } finally {
        fs.rmSync(notes);
      }
    });

    test('GIVEN the working tree rendered as the head WHEN compared with a revision THEN it holds only the folders read from the revision (no render-cache/ of chart renders, no apps.lock.yaml)', () => {
      const folders = new Set(renderWorkingTree(root).map((f) => f.path.split('/')[0]));
      expect([...folders].sort()).toEqual(['argocd', 'dist', 'docs', 'reports']);
      expect(isCompared('render-cache/metallb.yaml')).toBe(false);
      expect(isCompared('apps.lock.yaml')).toBe(false);
      expect(isCompared('dist/metallb/customresourcedefinition-bgppeers.metallb.io.yaml')).toBe(true);
    });

    test('GIVEN an invalid site.yaml WHEN npm run diff runs THEN it exits 1 with the site error', () => {
      const run = io();
      expect(runDiffCli(commandLine('diff', '--root', root, '--base', 'HEAD', '--site', path.join(REPO, 'test/fixtures/invalid/two-servers.yaml')), run.io)).toBe(1);
      expect(run.err.join('')).toContain('diff failed: cannot render the working tree: invalid configuration (1 problem):');
      expect(run.err.join('')).toContain('nodes: embedded etcd needs an odd number of servers');
    });

    test('GIVEN the npm script WHEN run as a process THEN it prints the terminal view without colour (not a TTY) and exits 0', () => {
      const run = spawnSync(path.join(REPO, 'node_modules', '.bin', 'tsx'), ['scripts/diff.ts', '--root', root, '--base', 'HEAD'], { cwd: REPO, encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^Rendered diff: HEAD \([0-9a-f]{12}\) → working tree\nno differences/);
      expect(run.stdout).not.toContain('\u001b[');
    });
  });
});
