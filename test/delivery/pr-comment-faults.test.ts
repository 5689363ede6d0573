import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { runPrCommentCli } from '../../lib/delivery/cli';
import { FakeForge } from './fake-forge';
import { testIo } from './cli-io';
import { RecordedRequest, Reply } from './loopback';
import { closePrCommentForges, FORGE_TOKENS, prCommentArgs, PrCommentForges, SHA, startPrCommentForges } from './pr-comment-forges';
import { commandLine } from '../command-line';

/**
 * `npm run pr-comment` under faults, as test/delivery probes release, publish and mirror: inputs it
 * cannot read, a forge it cannot reach, and answers that are not what the forge's API gives. Each
 * gives one line naming the request (or the file) and what to do, exit 1, no stack trace; with
 * `--forge both` the other forge is still served. (pr-comment writes no file.)
 */

const STACK = /\n\s+at /;
const GITEA_COMMENTS = '/api/v1/repos/tsys/platform/issues/12/comments';
const GITHUB_COMMENTS = '/repos/tsys-group/platform/issues/12/comments';

describe('npm run pr-comment under faults', () => {
  let forges: PrCommentForges;
  let gitea: FakeForge;
  let github: FakeForge;
  let dir: string;
  let bodyFile: string;
  beforeEach(async () => {
    forges = await startPrCommentForges('pr-comment-faults-', '## Rendered diff\n');
    ({ gitea, github, dir, bodyFile } = forges);
  });
  afterEach(() => closePrCommentForges(forges));

  /** Runs pr-comment for pull request 12 on `forge` (gitea, github or both) with `extra` flags: exit code and output. */
  async function commented(forge: string, ...extra: string[]): Promise<{ code: number; stderr: string; stdout: string[] }> {
    const io = testIo(FORGE_TOKENS);
    const code = await runPrCommentCli(commandLine('pr-comment', ...prCommentArgs(forges, '--forge', forge, ...extra)), io);
    return { code, stderr: io.stderr.join('\n'), stdout: io.stdout };
  }

  /** Makes `forge` answer `reply` to `method path`. */
  const answer = (forge: FakeForge, method: string, p: string, reply: Reply) => {
    forge.override = (r: RecordedRequest) => (r.method === method && r.path === p ? reply : undefined);
  };

  test('GIVEN the body file is a folder WHEN pr-comment runs THEN one line names it and says how to write it, and nothing is sent', async () => {
    fs.rmSync(bodyFile);
    fs.mkdirSync(bodyFile);
    const { code, stderr } = await commented('gitea');
    expect(code).toBe(1);
    expect(stderr).toBe(`pr-comment: cannot read the comment body from ${bodyFile} (EISDIR); write it first: npm run diff -- --format markdown --out ${bodyFile}`);
    expect(gitea.server.requests).toEqual([]);
  });

  test('GIVEN a site file that does not exist WHEN pr-comment runs THEN the configuration error names it and what to do (its usual two lines), and nothing is sent', async () => {
    const { code, stderr } = await commented('gitea', '--site', path.join(dir, 'no-site.yaml'));
    expect(code).toBe(1);
    expect(stderr).not.toMatch(STACK);
    expect(stderr).toMatch(/^pr-comment: invalid configuration \(1 problem\):\n {2}\S*no-site\.yaml: \(document\): the site file does not exist; restore it \(from git or a backup\) or pass the right path$/);
    expect(gitea.server.requests).toEqual([]);
  });

  test('GIVEN Gitea cannot be reached WHEN pr-comment runs for both THEN one line names Gitea and GitHub is still served', async () => {
    await gitea.close();
    const { code, stderr } = await commented('both');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^pr-comment: Gitea tsys\/platform: list the comments of pull request 12: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/);
    expect(github.statuses.map((s) => s.state)).toEqual(['success']);
  });

  test('GIVEN Gitea cuts its answer short WHEN pr-comment runs for both THEN one line names the request, and GitHub is still served', async () => {
    // A raw server: the status line, half the body announced, then the connection drops.
    const cutter = net.createServer((socket) => socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[{"id":');
      setTimeout(() => socket.destroy(), 20);
    }));
    await new Promise<void>((resolve) => cutter.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(cutter.address() as net.AddressInfo).port}`;
    try {
      const io = testIo(FORGE_TOKENS);
      const code = await runPrCommentCli(commandLine('pr-comment', '--pr', '12', '--sha', SHA, '--body', bodyFile, '--forge', 'both', '--gitea-api-url', `${base}/api/v1`, '--github-api-url', github.url), io);
      expect(code).toBe(1);
      expect(io.stderr).toEqual([`pr-comment: Gitea tsys/platform: list the comments of pull request 12: GET ${base}${GITEA_COMMENTS} answered 200, but the answer was cut short (UND_ERR_SOCKET); check the connection to ${base} and run the command again`]);
      expect(github.statuses.map((s) => s.state)).toEqual(['success']);
    } finally {
      await new Promise<void>((resolve) => cutter.close(() => resolve()));
    }
  });

  test('GIVEN Gitea answers the new comment with an empty body WHEN pr-comment runs for both THEN one line says the answer is not a comment, and GitHub is still served', async () => {
    answer(gitea, 'POST', GITEA_COMMENTS, { status: 201 });
    const { code, stderr } = await commented('both');
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^pr-comment: Gitea tsys/platform: comment on pull request 12: POST http://127\\.0\\.0\\.1:\\d+${GITEA_COMMENTS} answered with something that is not a comment \\(nothing\\); is http://127\\.0\\.0\\.1:\\d+/api/v1 the API root of the forge\\?$`));
    expect(github.statuses.map((s) => s.state)).toEqual(['success']);
  });

  test('GIVEN Gitea answers the new comment with an object without an id WHEN pr-comment runs THEN one line says the answer is not a comment (not "comment undefined created")', async () => {
    answer(gitea, 'POST', GITEA_COMMENTS, { status: 201, body: { html_url: 'https://forge.example/x' } });
    const { code, stderr, stdout } = await commented('gitea');
    expect(code).toBe(1);
    expect(stdout.join('\n')).not.toContain('undefined');
    expect(stderr).toMatch(/^pr-comment: Gitea tsys\/platform: comment on pull request 12: POST \S+ answered with something that is not a comment \(\{"html_url":"https:\/\/forge\.example\/x"\}\); is /);
  });

  test('GIVEN Gitea lists the comments with a null among them WHEN pr-comment runs THEN one line says the list holds something that is not a comment', async () => {
    answer(gitea, 'GET', GITEA_COMMENTS, { status: 200, body: [null] });
    const { code, stderr } = await commented('gitea');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^pr-comment: Gitea tsys\/platform: list the comments of pull request 12: GET \S+ answered with something that is not a comment \(null\); is /);
  });

  test('GIVEN Gitea lists the labels with one without a name WHEN pr-comment runs for a risky change THEN one line says the list holds something that is not a label', async () => {
    answer(gitea, 'GET', '/api/v1/repos/tsys/platform/issues/12/labels', { status: 200, body: [{ id: 1 }] });
    const { code, stderr } = await commented('gitea', '--risky');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^pr-comment: Gitea tsys\/platform: read the labels of pull request 12: GET \S+ answered with something that is not a label \(\{"id":1\}\); is /);
  });

  test('GIVEN GitHub answers the new comment with an object without an id WHEN pr-comment runs THEN one line says the answer is not a comment', async () => {
    answer(github, 'POST', GITHUB_COMMENTS, { status: 201, body: {} });
    const { code, stderr, stdout } = await commented('github');
    expect(code).toBe(1);
    expect(stdout.join('\n')).not.toContain('undefined');
    expect(stderr).toMatch(new RegExp(`^pr-comment: GitHub tsys-group/platform: comment on pull request 12: POST http://127\\.0\\.0\\.1:\\d+${GITHUB_COMMENTS} answered with something that is not a comment \\(\\{\\}\\); is http://127\\.0\\.0\\.1:\\d+ the API root of the forge\\?$`));
  });

  test('GIVEN GitHub lists the comments as an object, not a list WHEN pr-comment runs THEN one line says the answer is not a list of comments (not "cannot reach")', async () => {
    answer(github, 'GET', GITHUB_COMMENTS, { status: 200, body: { message: 'a proxy said hello' } });
    const { code, stderr } = await commented('github');
    expect(code).toBe(1);
    expect(stderr).not.toContain('cannot reach');
    expect(stderr).toMatch(/^pr-comment: GitHub tsys-group\/platform: list the comments of pull request 12: GET \S+ answered with something that is not a list of comments \(\{"message":"a proxy said hello"\}\); is /);
  });

  test('GIVEN GitHub lists the labels with a null among them WHEN pr-comment runs for a risky change THEN one line says the list holds something that is not a label', async () => {
    answer(github, 'GET', '/repos/tsys-group/platform/issues/12/labels', { status: 200, body: [null] });
    const { code, stderr } = await commented('github', '--risky');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^pr-comment: GitHub tsys-group\/platform: read the labels of pull request 12: GET \S+ answered with something that is not a label \(null\); is /);
  });
});
