import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDocument } from 'yaml';
import { COMMANDS } from '../../lib/command-line/commands';
import { REPO, shippedSite } from '../helpers';

interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
  readonly 'continue-on-error'?: boolean;
}

const WORKFLOWS = [
  { file: '.gitea/workflows/platform.yaml', forge: 'gitea', token: 'GITEA_TOKEN: ${{ secrets.GITEA_TOKEN }}' },
  { file: '.github/workflows/platform.yaml', forge: 'github', token: 'GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}' },
] as const;

describe.each(WORKFLOWS)('the CI workflow $file', ({ file, forge, token }) => {
  const doc = parseDocument(fs.readFileSync(path.join(REPO, file), 'utf8'), { uniqueKeys: true });
  const wf = doc.toJS();
  const jobs = Object.values(wf.jobs ?? {}) as { 'runs-on': string; steps: Step[] }[];
  const steps = jobs[0]?.steps ?? [];
  /** Index of the one step whose run script contains `text`. */
  const stepRunning = (text: string, exactly = false): number => {
    const found = steps.map((s, i) => ({ s, i })).filter(({ s }) => (exactly ? s.run?.trim() === text : s.run?.includes(text)));
    expect(found.map(({ s }) => s.name)).toHaveLength(1);
    return found[0].i;
  };

  test('GIVEN the file WHEN parsed THEN it is one well-formed YAML document with one job', () => {
    expect(doc.errors).toEqual([]);
    expect(doc.warnings).toEqual([]);
    expect(wf.name).toBe('platform');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]['runs-on']).toBe('ubuntu-latest');
  });

  test('GIVEN the triggers WHEN read THEN pull requests (labels included) and pushes to the branch Argo CD follows run it', () => {
    expect(wf.on.pull_request.types).toEqual(['opened', 'synchronize', 'reopened', 'labeled', 'unlabeled']);
    expect(wf.on.push.branches).toEqual([shippedSite().git.revision]);
  });

  test('GIVEN the steps WHEN read in order THEN install, test, synth, the up-to-date check, verify, diff and comment follow each other', () => {
    const checkout = steps.findIndex((s) => s.uses?.startsWith('actions/checkout@'));
    expect(steps[checkout].with).toEqual({ 'fetch-depth': 0 });
    expect(steps.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with).toMatchObject({ 'node-version': 20 });
    const order = [
      checkout,
      stepRunning('npm ci --no-audit --no-fund', true),
      stepRunning('npm test', true),
      stepRunning('TSYS_FRESH_RENDER=1 npm run synth', true),
      stepRunning('git status --porcelain -- dist argocd docs reports apps.lock.yaml render-cache vendor'),
      stepRunning('npm run verify', true),
      stepRunning('npm run diff -- --base "origin/$BASE_REF" --format markdown --out diff.md'),
      stepRunning('npm run pr-comment -- "${args[@]}"'),
    ];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(steps[order[4]].run).toMatch(/if \[ -n "\$\(git status --porcelain -- dist argocd docs reports apps.lock.yaml render-cache vendor\)" \]; then[\s\S]*exit 1\n {0}fi/);
  });

  test('GIVEN a failing synth or verify WHEN the job runs THEN the comment still runs with --verify-failed and a last step fails the job', () => {
    const ids = new Set(steps.map((s) => s.id).filter(Boolean));
    for (const ref of JSON.stringify(steps).matchAll(/steps\.([a-z-]+)\.outcome/g)) expect(ids).toContain(ref[1]);
    for (const id of ['synth', 'fresh', 'verify', 'diff']) expect(steps.find((s) => s.id === id)?.['continue-on-error']).toBe(true);
    const comment = steps[stepRunning('npm run pr-comment --')];
    expect(comment.env?.VERIFY_FAILED).toBe("${{ steps.synth.outcome == 'failure' || steps.fresh.outcome == 'failure' || steps.verify.outcome == 'failure' }}");
    const last = steps[steps.length - 1];
    expect(last.if).toBe("steps.synth.outcome == 'failure' || steps.fresh.outcome == 'failure' || steps.verify.outcome == 'failure'");
    expect(last.run).toMatch(/exit 1\n$/);
  });

  test('GIVEN a pull request WHEN the comment step runs THEN it passes this forge, the PR, its head, diff.md, the flags from diff.json and the token', () => {
    const diff = steps[stepRunning('npm run diff --')];
    const comment = steps[stepRunning('npm run pr-comment --')];
    expect(diff.if).toBe("github.event_name == 'pull_request'");
    expect(diff.env).toEqual({ BASE_REF: '${{ github.base_ref }}' });
    expect(comment.if).toBe("github.event_name == 'pull_request'");
    expect(`${Object.entries(comment.env ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n')}`).toContain(token);
    expect(comment.env).toMatchObject({ PR: '${{ github.event.pull_request.number }}', SHA: '${{ github.event.pull_request.head.sha }}' });
    expect(comment.run).toContain(`args=(--forge ${forge} --pr "$PR" --sha "$SHA" --body diff.md --approval-label risky-change-approved --target-url "$RUN_URL")`);
    expect(comment.run).toContain('args+=(--verify-failed)');
    expect(comment.run).toContain('readFileSync("diff.json", "utf8")).risky !== false');
    expect(comment.run).toContain('args+=(--risky)');
    // Every option the workflow passes exists on the command line.
    const known = COMMANDS.find((c) => c.name === 'pr-comment')!.options!.map((o) => `--${o.name}`);
    for (const flag of comment.run!.match(/--[a-z-]+/g)!.filter((f) => f !== '--')) expect(known).toContain(flag);
  });

  test('GIVEN each run script WHEN parsed by bash THEN it has no syntax error', () => {
    for (const step of steps.filter((s) => s.run)) {
      const check = spawnSync('bash', ['-n'], { input: step.run, encoding: 'utf8' });
      expect({ step: step.name, stderr: check.stderr }).toEqual({ step: step.name, stderr: '' });
    }
  });

  test.each([
    { what: 'no diff.json', summary: undefined, risky: true },
    { what: 'an unreadable diff.json', summary: '{ risky', risky: true },
    { what: 'diff.json {"risky":true}', summary: '{"risky":true}', risky: true },
    { what: 'diff.json {"risky":false}', summary: '{"risky":false}', risky: false },
  ])('GIVEN $what WHEN the comment step decides THEN it passes --risky: $risky', ({ summary, risky }) => {
    const script = /node -e '([^']+)'/.exec(steps[stepRunning('npm run pr-comment --')].run!)![1];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-json-'));
    if (summary !== undefined) fs.writeFileSync(path.join(dir, 'diff.json'), summary);
    expect(spawnSync(process.execPath, ['-e', script], { cwd: dir }).status).toBe(risky ? 0 : 1);
    fs.rmSync(dir, { recursive: true });
  });
});
