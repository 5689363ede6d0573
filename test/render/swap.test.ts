import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { outcomeLine, runSynthCli, runVerifyCli } from '../../lib/cli';
import { recoverCheckout } from '../../lib/delivery/branch';
import { runStatusCli } from '../../lib/delivery/cli';
import { DeliveryError } from '../../lib/delivery/delivery-error';
import { runDiffCli } from '../../lib/diff/command';
import { runWhatIfCli } from '../../lib/verify/whatif';
import { OutputError } from '../../lib/render/output-error';
import { OutputLockError } from '../../lib/render/output-lock';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { JOURNAL_FILE, recoverBeforeCommand, recoverInterruptedSynth, SwapStep } from '../../lib/render/swap';
import { writeAtomically } from '../../lib/render/write';
import { snapshotTree, tempRootWithOutputs, thrownBy, writeTree } from '../helpers';
import { commandLine } from '../command-line';

const REPO = path.resolve(__dirname, '..', '..');

/**
 * Every kind of output: the three owned folders, generated and hand-written docs, a report, the
 * root lock; in dist/, a file that stays the same, a folder that goes away, a folder where a file
 * is now rendered, and in argocd/ a file where a folder is now rendered.
 */
const OLD: Record<string, string> = {
  'dist/apps/a.yaml': 'old a\n',
  'dist/apps/gone.yaml': 'only in the old render\n',
  'dist/apps/same.yaml': 'the same in both renders\n',
  'dist/old-layer/deep/x.yaml': 'a layer no longer rendered\n',
  'dist/was-folder/inner.yaml': 'a folder, now a file\n',
  'argocd/was-file': 'a file, now a folder\n',
  'argocd/app.yaml': 'old app\n',
  'render-cache/chart.yaml': 'old chart\n',
  'docs/generated.md': 'old generated doc\n',
  'docs/hand-written.md': 'source: synth never touches it\n',
  'reports/failure-simulation.md': 'old report\n',
  'apps.lock.yaml': 'old lock\n',
  'site.yaml': 'source\n',
};

/** What synth renders this time; docs/new/ does not exist yet (a folder the swap creates). */
const FILES: RenderedFile[] = [
  { path: 'dist/apps/a.yaml', content: 'new a\n' },
  { path: 'dist/apps/b.yaml', content: 'new b\n' },
  { path: 'dist/apps/same.yaml', content: 'the same in both renders\n' },
  { path: 'dist/was-folder', content: 'now a file\n' },
  { path: 'argocd/was-file/app.yaml', content: 'now in a folder\n' },
  { path: 'argocd/app.yaml', content: 'new app\n' },
  { path: 'render-cache/chart.yaml', content: 'new chart\n' },
  { path: 'docs/generated.md', content: 'new generated doc\n' },
  { path: 'docs/new/page.md', content: 'new page\n' },
  { path: 'reports/failure-simulation.md', content: 'new report\n' },
  { path: 'apps.lock.yaml', content: 'new lock\n' },
];

const OLD_TREE = new Map(Object.entries(OLD).sort());
const NEW_TREE = new Map(
  Object.entries({ ...Object.fromEntries(Object.entries(OLD).filter(([p]) => !/^(dist|argocd|render-cache)\//.test(p))), ...Object.fromEntries(FILES.map((f) => [f.path, f.content])) }).sort(),
);

/** The outputs and sources as a user sees them: everything but synth's own scratch files. */
function visible(root: string): Map<string, string> {
  const tree = snapshotTree(root);
  for (const p of [...tree.keys()]) if (p.startsWith('.render-') || p === '.render.lock' || p === JOURNAL_FILE) tree.delete(p);
  return new Map([...tree].sort());
}

/** The folders of a tree of files (every parent of a file). */
function foldersOf(files: Iterable<string>): string[] {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs].sort();
}

/** The folders on disk, synth's scratch folders left out. */
function folders(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && !p.startsWith('.render-')) {
        out.push(p);
        walk(p);
      }
    }
  };
  walk('');
  return out.sort();
}

/** Which complete set the tree holds, files and folders (no empty folder left over): `old`, `new`, or `mixed`. */
function which(root: string): 'old' | 'new' | 'mixed' {
  const tree = visible(root);
  const same = (a: Map<string, string>) => JSON.stringify([...a]) === JSON.stringify([...tree]) && JSON.stringify(foldersOf(a.keys())) === JSON.stringify(folders(root));
  return same(OLD_TREE) ? 'old' : same(NEW_TREE) ? 'new' : 'mixed';
}

/** Synth's scratch files left in the root. */
function leftovers(root: string): string[] {
  return fs.readdirSync(root).filter((f) => f.startsWith('.render') || f.startsWith('.synth-journal'));
}

/** The steps of a successful swap of FILES over OLD. */
function recordSteps(): SwapStep[] {
  const root = writeTree(OLD);
  const steps: SwapStep[] = [];
  writeAtomically(root, FILES, () => undefined, { onStep: (s) => steps.push(s) });
  fs.rmSync(root, { recursive: true });
  return steps;
}

const STEPS = recordSteps();
/** The steps up to the commit: those a failure or a crash at rolls back. */
const COMMIT = STEPS.find((s) => s.action === 'commit')!.index;
const BEFORE_COMMIT = STEPS.filter((s) => s.index <= COMMIT);
const AFTER_COMMIT = STEPS.filter((s) => s.index > COMMIT);
/** How many renames the steps before `index` made. */
const movesBefore = (index: number) => STEPS.slice(0, index).filter((s) => ['remove', 'backup', 'install'].includes(s.action)).length;

/** Runs `code` in a child process (lib/ loaded through tsx) that SIGKILLs itself at step `at` of the hook. */
function killedAt(root: string, at: number, code: (hook: string) => string): void {
  const hook = `(s) => { if (s.index === ${at}) process.kill(process.pid, 'SIGKILL'); }`;
  const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', code(hook)], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, ROOT: root, FILES: JSON.stringify(FILES) },
  });
  expect(run.stderr).toBe('');
  expect(run.signal).toBe('SIGKILL');
}

const killSynthAt = (root: string, at: number) =>
  killedAt(root, at, (hook) => `require('./lib/render/write').writeAtomically(process.env.ROOT, JSON.parse(process.env.FILES), () => undefined, { onStep: ${hook} });`);

describe('the swap of the outputs', () => {
  test('GIVEN a render WHEN written THEN every output is new, hand-written files stay and nothing of synth is left', () => {
    const root = writeTree(OLD);
    const result = writeAtomically(root, FILES, () => undefined);
    expect(which(root)).toBe('new');
    expect(result.outputs).toEqual(['dist', 'argocd', 'render-cache', 'docs/generated.md', 'docs/new/page.md', 'reports/failure-simulation.md', 'apps.lock.yaml']);
    expect(result.changed).not.toContain('dist/apps/same.yaml');
    expect(leftovers(root)).toEqual([]);
    fs.rmSync(root, { recursive: true });
  });

  test('GIVEN the recorded steps THEN only changed files move (a new folder whole): the journal first, removals, then each install, the commit, and the pruning of emptied folders last', () => {
    const actions = STEPS.map((s) => `${s.action} ${s.path}`);
    expect(actions).toEqual([
      `journal ${JOURNAL_FILE}`,
      'remove dist/apps/gone.yaml',
      'remove dist/old-layer/deep/x.yaml',
      'remove dist/was-folder',
      'remove argocd/was-file',
      'backup dist/apps/a.yaml',
      'install dist/apps/a.yaml',
      'install dist/apps/b.yaml',
      'install dist/was-folder',
      'install argocd/was-file',
      'backup argocd/app.yaml',
      'install argocd/app.yaml',
      'backup render-cache/chart.yaml',
      'install render-cache/chart.yaml',
      'backup docs/generated.md',
      'install docs/generated.md',
      'install docs/new',
      'backup reports/failure-simulation.md',
      'install reports/failure-simulation.md',
      'backup apps.lock.yaml',
      'install apps.lock.yaml',
      `commit ${JOURNAL_FILE}`,
      'prune dist/old-layer/deep',
      'prune dist/old-layer',
    ]);
    expect(STEPS.map((s) => s.index)).toEqual(STEPS.map((_, i) => i));
  });

  test.each(BEFORE_COMMIT.map((s) => [s.index, s.action, s.path]))('GIVEN a failure at step %i (%s %s) WHEN written THEN every output is old again and the error says so', (index) => {
    const root = writeTree(OLD);
    const error = thrownBy(() =>
      writeAtomically(root, FILES, () => undefined, {
        onStep: (s) => {
          if (s.index === index) throw new Error(`disk gone at step ${index}`);
        },
      }),
    );
    expect(which(root)).toBe('old');
    expect(leftovers(root)).toEqual([]);
    expect((error as Error).message).toContain(`disk gone at step ${index}`);
    const moved = movesBefore(index);
    if (index === 0) expect(error).not.toBeInstanceOf(OutputError);
    else {
      expect(error).toBeInstanceOf(OutputError);
      // "unchanged" only when nothing had moved.
      expect((error as OutputError).outputs).toBe(moved ? 'restored' : 'unchanged');
      expect((error as Error).message).toContain(moved ? `all ${moved} were undone` : 'nothing had moved yet');
    }
    fs.rmSync(root, { recursive: true });
  });

  test.each(AFTER_COMMIT.map((s) => [s.index, s.action, s.path]))('GIVEN a failure at step %i (%s %s), after the commit, WHEN written THEN every file is new and the next synth removes the folder left empty', (index) => {
    const root = writeTree(OLD);
    writeAtomically(root, FILES, () => undefined, {
      onStep: (s) => {
        if (s.index === index) throw new Error(`rmdir failed at step ${index}`);
      },
    });
    expect(visible(root)).toEqual(NEW_TREE);
    expect(folders(root)).toContain(AFTER_COMMIT[AFTER_COMMIT.length - 1].path);
    expect(leftovers(root)).toEqual([]);
    expect(writeAtomically(root, FILES, () => undefined).changed).toEqual([]);
    expect(which(root)).toBe('new');
    fs.rmSync(root, { recursive: true });
  });

  test.each(AFTER_COMMIT.map((s) => [s.index, s.action, s.path]))('GIVEN synth killed at step %i (%s %s), after the commit, WHEN the next command starts THEN it has nothing to undo, every file is new and the next synth removes the folder left empty', (index) => {
    const root = writeTree(OLD);
    killSynthAt(root, index);
    expect(fs.existsSync(path.join(root, JOURNAL_FILE))).toBe(false);
    expect(visible(root)).toEqual(NEW_TREE);
    const said: string[] = [];
    expect(recoverBeforeCommand(root, 'verify', (line) => said.push(line))).toBe(true);
    expect(said).toEqual([]);
    expect(visible(root)).toEqual(NEW_TREE);
    expect(writeAtomically(root, FILES, () => undefined).changed).toEqual([]);
    expect(which(root)).toBe('new');
    expect(leftovers(root)).toEqual([]);
    fs.rmSync(root, { recursive: true });
  });

  test.each(BEFORE_COMMIT.map((s) => [s.index, s.action, s.path]))('GIVEN synth killed at step %i (%s %s) WHEN the next command starts THEN a mixed tree has a journal, and the command puts every old output back', (index) => {
    const root = writeTree(OLD);
    killSynthAt(root, index);
    const journal = fs.existsSync(path.join(root, JOURNAL_FILE));
    // Crash-consistent: whatever is on disk is the old set, or there is a journal to undo it.
    if (!journal) expect(which(root)).toBe('old');
    expect(journal).toBe(index > 0);
    const said: string[] = [];
    expect(recoverBeforeCommand(root, 'verify', (line) => said.push(line))).toBe(true);
    expect(which(root)).toBe('old');
    // Killed before the journal: only its scratch folder and dead lock are left, and the next synth removes them.
    if (!journal) {
      expect(leftovers(root).sort()).toEqual([expect.stringMatching(/^\.render-/), '.render.lock']);
      writeAtomically(root, FILES, () => undefined);
      expect(which(root)).toBe('new');
    }
    expect(leftovers(root)).toEqual([]);
    if (journal) {
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(/^verify: a synth \(pid \d+, started .*\) was interrupted (while replacing the outputs; undid its \d+ moves?|before it moved any output; removed its journal)/);
    } else {
      expect(said).toEqual([]);
    }
    fs.rmSync(root, { recursive: true });
  });

  /** The outputs on disk that are neither their old nor their new version (a file in both renders that is missing, or other bytes). */
  function neitherOldNorNew(root: string): string[] {
    const tree = visible(root);
    const paths = new Set([...OLD_TREE.keys(), ...NEW_TREE.keys()]);
    return [...paths].filter((p) => tree.get(p) !== OLD_TREE.get(p) && tree.get(p) !== NEW_TREE.get(p)).sort();
  }

  test.each(STEPS.map((s) => [s.index, s.action, s.path]))('GIVEN synth killed at step %i (%s %s) WHEN nothing has run since THEN every output is there as its old or its new version (a file replaced was missing between the move of its old version aside and the move of its new one in)', (index) => {
    const root = writeTree(OLD);
    killSynthAt(root, index);
    expect(neitherOldNorNew(root)).toEqual([]);
    fs.rmSync(root, { recursive: true });
  });

  test('GIVEN the swap killed after every move WHEN the recovery is itself killed at each of its steps THEN every output is there as its old or its new version meanwhile (a file replaced was missing between the moves that put its old version back)', () => {
    const template = writeTree(OLD);
    killSynthAt(template, COMMIT);
    const recoverySteps: SwapStep[] = [];
    const probe = fs.mkdtempSync(`${template}-probe`);
    fs.cpSync(template, probe, { recursive: true });
    recoverInterruptedSynth(probe, { onStep: (s) => recoverySteps.push(s) });
    for (const step of recoverySteps) {
      const root = fs.mkdtempSync(`${template}-k${step.index}`);
      fs.cpSync(template, root, { recursive: true });
      killedAt(root, step.index, (hook) => `require('./lib/render/swap').recoverInterruptedSynth(process.env.ROOT, { onStep: ${hook} });`);
      expect([step.index, step.action, step.path, neitherOldNorNew(root)]).toEqual([step.index, step.action, step.path, []]);
      fs.rmSync(root, { recursive: true });
    }
    for (const dir of [template, probe]) fs.rmSync(dir, { recursive: true });
  });

  test('GIVEN the swap killed after every move WHEN the recovery is itself killed at each of its steps THEN running it again still gives the old outputs', () => {
    const template = writeTree(OLD);
    killSynthAt(template, COMMIT);
    // Every file is new; the folders nothing is rendered into any more are still there, empty.
    expect(visible(template)).toEqual(NEW_TREE);
    const recoverySteps: SwapStep[] = [];
    const probe = fs.mkdtempSync(`${template}-probe`);
    fs.cpSync(template, probe, { recursive: true });
    recoverInterruptedSynth(probe, { onStep: (s) => recoverySteps.push(s) });
    expect(which(probe)).toBe('old');
    expect(new Set(recoverySteps.map((s) => s.action))).toEqual(new Set(['undo-install', 'undo-backup', 'undo-remove']));
    for (const step of recoverySteps) {
      const root = fs.mkdtempSync(`${template}-k${step.index}`);
      fs.cpSync(template, root, { recursive: true });
      killedAt(root, step.index, (hook) => `require('./lib/render/swap').recoverInterruptedSynth(process.env.ROOT, { onStep: ${hook} });`);
      expect(fs.existsSync(path.join(root, JOURNAL_FILE))).toBe(true);
      expect(recoverInterruptedSynth(root)).toMatch(/was interrupted/);
      expect(which(root)).toBe('old');
      expect(leftovers(root)).toEqual([]);
      fs.rmSync(root, { recursive: true });
    }
    for (const dir of [template, probe]) fs.rmSync(dir, { recursive: true });
  });

  test('GIVEN a failure during the swap and another while putting back WHEN written THEN it says the outputs are mixed and names the journal, and the next command finishes the roll-back', () => {
    const root = writeTree(OLD);
    const installArgocd = STEPS.find((s) => s.action === 'install' && s.path === 'argocd/app.yaml')!.index;
    let failures = 0;
    const error = thrownBy(() =>
      writeAtomically(root, FILES, () => undefined, {
        onStep: (s) => {
          if (s.index === installArgocd || (s.action.startsWith('undo-') && failures === 1)) {
            failures++;
            throw new Error(`EACCES at ${s.action} ${s.path}`);
          }
        },
      }),
    );
    expect(error).toBeInstanceOf(OutputError);
    expect((error as OutputError).outputs).toBe('mixed');
    expect((error as Error).message).toContain(`(EACCES at install argocd/app.yaml), and putting the old outputs back failed too (EACCES at undo-backup argocd/app.yaml); ${JOURNAL_FILE} lists`);
    expect(which(root)).toBe('mixed');
    expect(fs.existsSync(path.join(root, JOURNAL_FILE))).toBe(true);
    expect(recoverInterruptedSynth(root)).toMatch(new RegExp(`undid its ${movesBefore(installArgocd)} moves`));
    expect(which(root)).toBe('old');
    expect(leftovers(root)).toEqual([]);
    fs.rmSync(root, { recursive: true });
  });
});

describe('a journal of the earlier synth', () => {
  test('GIVEN a synth of the version that swapped whole folders killed between them (journal version 1) WHEN the next command starts THEN it puts the old folders back', () => {
    const root = writeTree({
      ...OLD,
      // dist/ was swapped already (the old one in the backup), argocd/ not yet.
      'dist/apps/a.yaml': 'new a\n',
      '.render-v1/.backup/dist/apps/a.yaml': 'old a\n',
      '.render-v1/.backup/dist/apps/gone.yaml': 'only in the old render\n',
      '.render-v1/.backup/dist/apps/same.yaml': 'the same in both renders\n',
      '.render-v1/.backup/dist/old-layer/deep/x.yaml': 'a layer no longer rendered\n',
      '.render-v1/.backup/dist/was-folder/inner.yaml': 'a folder, now a file\n',
      '.render-v1/argocd/app.yaml': 'new app\n',
    });
    for (const f of ['gone.yaml', 'same.yaml']) fs.rmSync(path.join(root, 'dist/apps', f));
    for (const d of ['old-layer', 'was-folder']) fs.rmSync(path.join(root, 'dist', d), { recursive: true });
    fs.writeFileSync(path.join(root, JOURNAL_FILE), JSON.stringify({
      version: 1, pid: 1, started: '2026-01-01T00:00:00.000Z', tmp: '.render-v1', dirs: [],
      outputs: [
        { path: 'dist', next: '.render-v1/dist', backup: '.render-v1/.backup/dist' },
        { path: 'argocd', next: '.render-v1/argocd', backup: '.render-v1/.backup/argocd' },
      ],
    }));
    expect(recoverInterruptedSynth(root)).toMatch(/undid its 2 moves/);
    expect(which(root)).toBe('old');
    expect(leftovers(root)).toEqual([]);
    fs.rmSync(root, { recursive: true });
  });
});

describe('a journal the next command cannot use', () => {
  test('GIVEN a journal whose folder of old outputs is gone WHEN a command starts THEN it refuses in one line naming the journal and what to do', () => {
    const root = writeTree(OLD);
    killSynthAt(root, STEPS.find((s) => s.action === 'install' && s.path === 'argocd/app.yaml')!.index);
    for (const tmp of fs.readdirSync(root).filter((f) => f.startsWith('.render-'))) fs.rmSync(path.join(root, tmp), { recursive: true });
    const said: string[] = [];
    expect(recoverBeforeCommand(root, 'diff', (line) => said.push(line))).toBe(false);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(new RegExp(`^diff: refused: an interrupted synth \\(pid \\d+\\) left \\${JOURNAL_FILE}, but its folder \\.render-\\w+ with the old outputs is gone, .*: restore the outputs with git checkout -- dist argocd render-cache docs reports apps.lock.yaml`));
    expect(said[0]).not.toContain('\n');
    fs.rmSync(root, { recursive: true });
  });

  test('GIVEN an unreadable or edited journal WHEN a command starts THEN it refuses and moves nothing', () => {
    const root = writeTree({ ...OLD, [JOURNAL_FILE]: '{"version":1,"tmp":".render-x","dirs":[],"outputs":[{"path":"site.yaml","next":".render-x/site.yaml"}]}' });
    expect(() => recoverInterruptedSynth(root)).toThrow(`an interrupted synth left ${JOURNAL_FILE}, which cannot be read (it is not a journal this version of synth wrote)`);
    fs.writeFileSync(path.join(root, JOURNAL_FILE), '{"vers');
    expect(() => recoverInterruptedSynth(root)).toThrow(OutputError);
    expect(which(root)).toBe('old');
    fs.rmSync(root, { recursive: true });
  });

  test('GIVEN a journal and a live synth holding the lock WHEN another command starts THEN it waits for that synth instead of undoing its swap', () => {
    const root = writeTree({ ...OLD, [JOURNAL_FILE]: '{}', '.render.lock': String(process.ppid) });
    expect(() => recoverInterruptedSynth(root)).toThrow(OutputLockError);
    expect(() => recoverInterruptedSynth(root)).toThrow(`another synth (pid ${process.ppid}) is writing this checkout`);
    expect(fs.readFileSync(path.join(root, JOURNAL_FILE), 'utf8')).toBe('{}');
    fs.rmSync(root, { recursive: true });
  });
});

describe('the other commands', () => {
  /** Runs `f` with console.error captured. */
  function stderrOf(f: () => unknown): string[] {
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')));
    try {
      f();
    } finally {
      spy.mockRestore();
    }
    return lines;
  }

  test('GIVEN a journal that cannot be used WHEN verify, diff, whatif or status starts THEN each refuses in one line before reading anything', async () => {
    const root = writeTree({ ...OLD, [JOURNAL_FILE]: '{"vers' });
    const refusal = (command: string) => `${command}: refused: an interrupted synth left ${JOURNAL_FILE}, which cannot be read`;
    let code = 0;
    expect(stderrOf(() => (code = runVerifyCli(commandLine('verify', '--root', root))))).toEqual([expect.stringMatching(new RegExp(`^${refusal('verify')}`))]);
    expect(code).toBe(1);
    expect(stderrOf(() => (code = runWhatIfCli(commandLine('whatif', '--root', root))))).toEqual([expect.stringMatching(new RegExp(`^${refusal('whatif')}`))]);
    expect(code).toBe(1);
    let diffErr = '';
    expect(runDiffCli(commandLine('diff', '--root', root), { stdout: { write: () => true }, stderr: { write: (t: string) => (diffErr += t) }, env: {} })).toBe(1);
    expect(diffErr).toMatch(new RegExp(`^${refusal('diff')}[^\n]*\n$`));
    const statusErr: string[] = [];
    const io = { env: { ARGOCD_SERVER: 'https://argocd.invalid', ARGOCD_AUTH_TOKEN: 't' }, out: () => undefined, err: (l: string) => statusErr.push(l), stdin: async () => '' };
    expect(await runStatusCli(commandLine('status', '--root', root), io)).toBe(1);
    expect(statusErr).toEqual([expect.stringMatching(new RegExp(`^${refusal('status')}`))]);
    expect(visible(root)).toEqual(OLD_TREE);
    fs.rmSync(root, { recursive: true });
  });

  test('GIVEN synth killed part-way WHEN publish or release starts THEN it puts the old outputs back and says so, and refuses when it cannot', () => {
    const root = writeTree(OLD);
    const installArgocd = STEPS.find((s) => s.action === 'install' && s.path === 'argocd/app.yaml')!.index;
    killSynthAt(root, installArgocd);
    const said: string[] = [];
    recoverCheckout(root, 'publish', (line) => said.push(line));
    expect(said).toEqual([expect.stringMatching(new RegExp(`^publish: a synth \\(pid \\d+, started .*\\) was interrupted while replacing the outputs; undid its ${movesBefore(installArgocd)} moves, so every output is as before it$`))]);
    expect(which(root)).toBe('old');
    fs.writeFileSync(path.join(root, JOURNAL_FILE), '{"vers');
    expect(() => recoverCheckout(root, 'release', () => undefined)).toThrow(DeliveryError);
    expect(() => recoverCheckout(root, 'release', () => undefined)).toThrow(`refused: an interrupted synth left ${JOURNAL_FILE}, which cannot be read`);
    fs.rmSync(root, { recursive: true });
  });
});

describe('outputs of the wrong kind', () => {
  test('GIVEN a generated docs/ file that is a folder WHEN written THEN nothing moves and the error names it', () => {
    const root = writeTree({ ...Object.fromEntries(Object.entries(OLD).filter(([p]) => p !== 'docs/generated.md')), 'docs/generated.md/notes.txt': 'mine\n' });
    const before = visible(root);
    const error = thrownBy(() => writeAtomically(root, FILES, () => undefined));
    expect(error).toBeInstanceOf(OutputError);
    expect((error as OutputError).outputs).toBe('unchanged');
    expect((error as Error).message).toBe('docs/generated.md is a folder, but synth writes a file there: move the folder away (synth does not render what is in it), then run synth again');
    expect(visible(root)).toEqual(before);
    expect(leftovers(root)).toEqual([]);
    fs.rmSync(root, { recursive: true });
  });

  test('GIVEN reports that is a file WHEN written THEN nothing moves and the error names it', () => {
    const root = writeTree({ ...Object.fromEntries(Object.entries(OLD).filter(([p]) => !p.startsWith('reports/'))), reports: 'a file\n' });
    const before = visible(root);
    expect(() => writeAtomically(root, FILES, () => undefined)).toThrow('reports is a file, but synth writes reports/failure-simulation.md inside it: move reports away, then run synth again');
    expect(visible(root)).toEqual(before);
    fs.rmSync(root, { recursive: true });
  });
});

describe('what synth says at the end', () => {
  test('GIVEN a generated docs/ file that is a folder WHEN npm run synth runs THEN it fails naming it, without a stack trace, moves nothing and says only that', () => {
    const root = tempRootWithOutputs();
    fs.copyFileSync(path.join(REPO, 'site.yaml'), path.join(root, 'site.yaml'));
    fs.mkdirSync(path.join(root, 'docs', 'databases.md'), { recursive: true });
    fs.writeFileSync(path.join(root, 'docs', 'databases.md', 'notes.txt'), 'mine\n');
    const before = snapshotTree(root);
    const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts', '--root', root], { cwd: REPO, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'synth failed: docs/databases.md is a folder, but synth writes a file there: move the folder away (synth does not render what is in it), then run synth again\n' +
        'synth: left every output unchanged (dist/, argocd/, render-cache/, docs/, reports/, apps.lock.yaml).\n',
    );
    expect(snapshotTree(root)).toEqual(before);
    expect(leftovers(root)).toEqual([]);
    fs.rmSync(root, { recursive: true });
  });


  test('GIVEN each state of the outputs WHEN synth failed THEN only "unchanged" says unchanged, and a roll-back says so', () => {
    expect(outcomeLine('unchanged', false)).toBe('synth: left every output unchanged (dist/, argocd/, render-cache/, docs/, reports/, apps.lock.yaml).');
    expect(outcomeLine('unchanged', true)).toMatch(/^synth: wrote nothing after undoing the interrupted synth above/);
    expect(outcomeLine('restored', false)).toMatch(/^synth: rolled back: /);
    expect(outcomeLine('mixed', false)).toMatch(new RegExp(`^synth: the outputs are half-replaced .*do not commit them.*\\${JOURNAL_FILE}`));
    for (const state of ['restored', 'mixed'] as const) expect(outcomeLine(state, false)).not.toMatch(/unchanged/);
  });

  test('GIVEN another synth holds the lock WHEN npm run synth starts THEN it refuses in one line without a stack trace and touches nothing', () => {
    const root = writeTree({ ...OLD, '.render.lock': String(process.ppid) });
    const lines: string[] = [];
    const error = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')));
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(runSynthCli(commandLine('synth', '--root', root))).toBe(1);
    } finally {
      error.mockRestore();
      log.mockRestore();
    }
    expect(lines).toEqual([`synth: refused: another synth (pid ${process.ppid}) is writing this checkout (.render.lock): wait for it to finish and run this again; if no synth is running, delete ${path.join(root, '.render.lock')}`]);
    expect(visible(root)).toEqual(OLD_TREE);
    fs.rmSync(root, { recursive: true });
  });
});
