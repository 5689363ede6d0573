import * as fs from 'fs';
import { runPrCommentCli } from '../../lib/delivery/cli';
import { COMMENT_MARKER } from '../../lib/delivery/forge';
import { FakeForge } from './fake-forge';
import { testIo } from './cli-io';
import { closePrCommentForges, FORGE_TOKENS, prCommentArgs, PrCommentForges, SHA, startPrCommentForges } from './pr-comment-forges';
import { commandLine, runCommandLine } from '../command-line';

const DIFF = '## Rendered diff\n\n### metallb\n- changed `Application metallb-chart`: spec.source.targetRevision 0.15.2 -> 0.15.3\n';

describe('npm run pr-comment', () => {
  let forges: PrCommentForges;
  let gitea: FakeForge;
  let github: FakeForge;
  let bodyFile: string;

  beforeEach(async () => {
    // The shipped site.yaml: Gitea tsys/platform, GitHub mirror tsys-group/platform.
    forges = await startPrCommentForges('pr-comment-', DIFF);
    ({ gitea, github, bodyFile } = forges);
  });
  afterEach(() => closePrCommentForges(forges));

  const args = (...extra: string[]) => prCommentArgs(forges, ...extra);
  const env = FORGE_TOKENS;

  test('GIVEN a pull request WHEN pr-comment runs twice THEN the first run creates the comment and the second edits the same comment', async () => {
    const first = testIo(env);
    expect(await runPrCommentCli(commandLine('pr-comment', ...args()), first)).toBe(0);
    expect(first.stderr).toEqual([]);
    const [created] = gitea.comments.get(12)!;
    expect(first.stdout[0]).toBe(`pr-comment: Gitea tsys/platform: comment ${created.id} created on pull request 12 (https://forge.example/pr/12#c)`);

    fs.writeFileSync(bodyFile, DIFF.replace('0.15.3', '0.15.4'));
    const second = testIo(env);
    expect(await runPrCommentCli(commandLine('pr-comment', ...args()), second)).toBe(0);
    expect(second.stdout[0]).toBe(`pr-comment: Gitea tsys/platform: comment ${created.id} updated on pull request 12 (https://forge.example/pr/12#c)`);
    expect(gitea.comments.get(12)).toHaveLength(1);
    expect(gitea.writes().map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v1/repos/tsys/platform/issues/12/comments',
      'POST /api/v1/repos/tsys/platform/statuses/' + SHA,
      `PATCH /api/v1/repos/tsys/platform/issues/comments/${created.id}`,
      'POST /api/v1/repos/tsys/platform/statuses/' + SHA,
    ]);
    expect(gitea.comments.get(12)![0].body).toBe(
      `${COMMENT_MARKER}\n> **tsys-platform/review: success** for \`${SHA.slice(0, 12)}\`: rendered diff posted; no risky change\n\n${DIFF.replace('0.15.3', '0.15.4').trim()}\n`,
    );
    expect(github.server.requests).toEqual([]);
  });

  test.each([
    { flags: [], labels: [], state: 'success', description: 'rendered diff posted; no risky change', readsLabels: false },
    { flags: ['--verify-failed'], labels: [], state: 'failure', description: 'synth/verify failed on the rendered output: see the CI log', readsLabels: false },
    { flags: ['--verify-failed', '--risky'], labels: ['risky-change-approved'], state: 'failure', description: 'synth/verify failed on the rendered output: see the CI log', readsLabels: false },
    { flags: ['--risky'], labels: ['layer/longhorn'], state: 'failure', description: 'risky change: a reviewer must add the label "risky-change-approved" after reading the diff', readsLabels: true },
    { flags: ['--risky'], labels: ['layer/longhorn', 'Risky-Change-Approved'], state: 'success', description: 'risky change accepted with the label "risky-change-approved"', readsLabels: true },
    { flags: ['--risky', '--approval-label', 'ops-approved'], labels: ['risky-change-approved'], state: 'failure', description: 'risky change: a reviewer must add the label "ops-approved" after reading the diff', readsLabels: true },
    { flags: ['--risky', '--approval-label', 'ops-approved'], labels: ['ops-approved'], state: 'success', description: 'risky change accepted with the label "ops-approved"', readsLabels: true },
  ])('GIVEN flags $flags and labels $labels WHEN pr-comment runs THEN the status is $state', async ({ flags, labels, state, description, readsLabels }) => {
    gitea.labels.set(12, labels);
    const io = testIo(env);
    expect(await runPrCommentCli(commandLine('pr-comment', ...args(...flags, '--target-url', 'https://git.turnsys.com/tsys/platform/actions/runs/41')), io)).toBe(0);
    expect(gitea.statuses).toEqual([{ sha: SHA, state, context: 'tsys-platform/review', description, target_url: 'https://git.turnsys.com/tsys/platform/actions/runs/41' }]);
    expect(gitea.server.log().includes('GET /api/v1/repos/tsys/platform/issues/12/labels')).toBe(readsLabels);
    expect(io.stdout[1]).toBe(`pr-comment: Gitea tsys/platform: tsys-platform/review = ${state} on ${SHA.slice(0, 12)}: ${description}`);
    expect(gitea.comments.get(12)![0].body).toContain(`> **tsys-platform/review: ${state}** for \`${SHA.slice(0, 12)}\`: ${description}\n`);
  });

  test('GIVEN --forge both WHEN pr-comment runs THEN each forge gets its own comment and status, GitHub reading its own labels', async () => {
    github.labels.set(12, ['risky-change-approved']);
    const io = testIo(env);
    expect(await runPrCommentCli(commandLine('pr-comment', ...args('--forge', 'both', '--risky')), io)).toBe(0);
    expect(gitea.statuses.map((s) => s.state)).toEqual(['failure']);
    expect(github.statuses.map((s) => s.state)).toEqual(['success']);
    expect(github.comments.get(12)![0].body.startsWith(COMMENT_MARKER)).toBe(true);
    expect(github.server.requests.every((r) => r.headers.authorization === 'token github-t')).toBe(true);
    expect(io.stdout).toEqual([
      'pr-comment: Gitea tsys/platform: comment 1000 created on pull request 12 (https://forge.example/pr/12#c)',
      `pr-comment: Gitea tsys/platform: tsys-platform/review = failure on ${SHA.slice(0, 12)}: risky change: a reviewer must add the label "risky-change-approved" after reading the diff`,
      'pr-comment: GitHub tsys-group/platform: comment 1000 created on pull request 12 (https://forge.example/pr/12#c)',
      `pr-comment: GitHub tsys-group/platform: tsys-platform/review = success on ${SHA.slice(0, 12)}: risky change accepted with the label "risky-change-approved"`,
    ]);
  });

  test('GIVEN the Markdown on stdin WHEN pr-comment runs with --body - THEN that is posted', async () => {
    const io = testIo(env, '## from stdin\n');
    expect(await runPrCommentCli(commandLine('pr-comment', '--pr', '12', '--sha', SHA, '--body', '-', '--gitea-api-url', gitea.url), io)).toBe(0);
    expect(gitea.comments.get(12)![0].body).toMatch(/\n\n## from stdin\n$/);
  });

  test.each([
    [['gitea'], {}, 'GITEA_TOKEN is not set: it must hold a Gitea token that may comment on pull requests and set commit statuses of the repository in git.repoUrl'],
    [['github'], { GITEA_TOKEN: 'gitea-t' }, 'GITHUB_TOKEN is not set: it must hold a GitHub token that may comment on pull requests and set commit statuses of the repository in git.mirrorUrl'],
    [['both'], { GITHUB_TOKEN: ' ' }, 'GITEA_TOKEN is not set'],
  ])('GIVEN --forge %s without its token WHEN pr-comment runs THEN it refuses naming the variable and sends nothing', async ([forge], given, message) => {
    const io = testIo(given as Record<string, string>);
    expect(await runPrCommentCli(commandLine('pr-comment', ...args('--forge', forge)), io)).toBe(1);
    expect(io.stderr.join('\n')).toContain(`pr-comment: ${message}`);
    if (forge === 'both') expect(io.stderr.join('\n')).toContain('\nGITHUB_TOKEN is not set');
    expect(gitea.server.requests).toEqual([]);
    expect(github.server.requests).toEqual([]);
  });

  test('GIVEN a missing body file WHEN pr-comment runs THEN it says how to write it', async () => {
    const io = testIo(env);
    expect(await runPrCommentCli(commandLine('pr-comment', '--pr', '12', '--sha', SHA, '--body', '/nonexistent/diff.md', '--gitea-api-url', gitea.url), io)).toBe(1);
    expect(io.stderr).toEqual(['pr-comment: cannot read the comment body from /nonexistent/diff.md (ENOENT); write it first: npm run diff -- --format markdown --out /nonexistent/diff.md']);
  });

  test.each([
    [['--pr', 'twelve', '--sha', SHA, '--body', 'x'], 2, "option '--pr <n>' argument 'twelve' is invalid. It must be a pull request number: a whole number from 1, e.g. --pr 12."],
    [['--pr', '-3', '--sha', SHA, '--body', 'x'], 2, "option '--pr <n>' argument '-3' is invalid. It must be a pull request number"],
    [['--pr', '12', '--sha', 'main', '--body', 'x'], 2, "option '--sha <commit>' argument 'main' is invalid. It must be a commit: 7 to 64 hexadecimal digits, as git rev-parse HEAD prints it"],
    [['--pr', '12', '--sha', SHA, '--body', 'x', '--target-url', 'ci/run/3'], 2, "option '--target-url <url>' argument 'ci/run/3' is invalid. It must be an http:// or https:// URL with a host"],
    [['--sha', SHA, '--body', 'x'], 2, "required option '--pr <n>' not specified"],
    [['--pr', '12', '--sha', SHA, '--body', 'x', '--forge', 'gitlab'], 2, "option '--forge <forge>' argument 'gitlab' is invalid. Allowed choices are gitea, github, both."],
    [['--pr', '12', '--sha', SHA, '--body', 'x', '--risk'], 2, "unknown option '--risk'"],
  ])('GIVEN arguments %j WHEN pr-comment runs THEN it exits %d: %s', async (given, code, message) => {
    const io = testIo(env);
    expect(await runCommandLine('pr-comment', given, (line) => runPrCommentCli(line, io), io.err)).toBe(code);
    expect(io.stderr.join('\n')).toContain(message);
  });

  test('GIVEN a forge that refuses WHEN pr-comment runs for both THEN the other forge is still served and the exit is 1', async () => {
    const io = testIo({ GITEA_TOKEN: 'wrong', GITHUB_TOKEN: 'github-t' });
    expect(await runPrCommentCli(commandLine('pr-comment', ...args('--forge', 'both')), io)).toBe(1);
    expect(io.stderr.join('\n')).toContain('answered 401 (Bad credentials); the token in GITEA_TOKEN was not accepted');
    expect(github.statuses.map((s) => s.state)).toEqual(['success']);
  });
});
