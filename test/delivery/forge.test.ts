import { COMMENT_MARKER, commentBody, createForge, Forge, ForgeKind, GITHUB_MAX_COMMENT } from '../../lib/delivery/forge';
import { DeliveryError } from '../../lib/delivery/delivery-error';
import { nextLink } from '../../lib/delivery/http';
import { parseRepoUrl } from '../../lib/delivery/repo-url';
import { FakeForge } from './fake-forge';

const SETUPS: Record<ForgeKind, { prefix: string; url: string; owner: string; source: string }> = {
  gitea: { prefix: '/api/v1', url: 'https://git.turnsys.com/tsys/platform.git', owner: 'tsys', source: 'GITEA_TOKEN' },
  github: { prefix: '', url: 'git@github.com:tsys-group/platform.git', owner: 'tsys-group', source: 'GITHUB_TOKEN' },
};

describe.each(['gitea', 'github'] as const)('the %s client', (kind) => {
  const setup = SETUPS[kind];
  let fake: FakeForge;
  let forge: Forge;

  async function start(pageSize?: number): Promise<void> {
    fake = new FakeForge({ prefix: setup.prefix, owner: setup.owner, repo: 'platform', token: 't0ken', pageSize });
    const apiUrl = await fake.start();
    forge = createForge(kind, { repo: parseRepoUrl(setup.url), token: 't0ken', tokenSource: setup.source, apiUrl });
  }
  afterEach(() => fake.close());

  test('GIVEN a pull request without the platform comment WHEN upsertComment runs THEN it creates one comment starting with the marker', async () => {
    await start();
    fake.seedComments(7, ['LGTM']);
    const result = await forge.upsertComment(7, '## Rendered diff\n\nno change');
    expect(result).toEqual({ id: 1001, action: 'created', url: 'https://forge.example/pr/7#c' });
    expect(fake.writes().map((r) => `${r.method} ${r.path}`)).toEqual([`POST ${setup.prefix}/repos/${setup.owner}/platform/issues/7/comments`]);
    expect(fake.writes()[0].body).toEqual({ body: `${COMMENT_MARKER}\n## Rendered diff\n\nno change` });
    expect(fake.server.requests.every((r) => r.headers.authorization === 'token t0ken')).toBe(true);
  });

  test('GIVEN the platform comment on the third page WHEN upsertComment runs THEN it follows the pages and edits that comment in place', async () => {
    await start(2);
    fake.seedComments(7, ['one', 'two', 'three', 'four']);
    const [ours] = fake.seedComments(7, [`${COMMENT_MARKER}\nold diff`], 'platform-bot');
    fake.seedComments(7, ['six']);
    const result = await forge.upsertComment(7, 'new diff');
    expect(result.id).toBe(ours.id);
    expect(result.action).toBe('updated');
    const lists = fake.server.log().filter((l) => l.startsWith('GET'));
    expect(lists).toHaveLength(3);
    expect(lists[2]).toContain('page=3');
    expect(fake.writes().map((r) => `${r.method} ${r.path}`)).toEqual([`PATCH ${setup.prefix}/repos/${setup.owner}/platform/issues/comments/${ours.id}`]);
    expect(fake.comments.get(7)!.map((c) => c.body)).toEqual(['one', 'two', 'three', 'four', `${COMMENT_MARKER}\nnew diff`, 'six']);
  });

  test('GIVEN a commit WHEN setStatus runs THEN the forge receives state, context, description and target URL', async () => {
    await start();
    await forge.setStatus('0123456789abcdef0123456789abcdef01234567', 'failure', 'tsys-platform/review', 'risky', 'https://ci.example/run/1');
    await forge.setStatus('0123456789abcdef0123456789abcdef01234567', 'success', 'tsys-platform/review', 'x'.repeat(200));
    expect(fake.statuses).toEqual([
      { sha: '0123456789abcdef0123456789abcdef01234567', state: 'failure', context: 'tsys-platform/review', description: 'risky', target_url: 'https://ci.example/run/1' },
      { sha: '0123456789abcdef0123456789abcdef01234567', state: 'success', context: 'tsys-platform/review', description: `${'x'.repeat(139)}…` },
    ]);
  });

  test('GIVEN labels over two pages WHEN labels runs THEN every name is returned', async () => {
    await start(2);
    fake.labels.set(7, ['layer/metallb', 'risky-change-approved', 'docs']);
    expect(await forge.labels(7)).toEqual(['layer/metallb', 'risky-change-approved', 'docs']);
  });

  test('GIVEN a token the forge refuses WHEN a call is made THEN the error names the request, the status and the variable', async () => {
    await start();
    const refused = createForge(kind, { repo: parseRepoUrl(setup.url), token: 'wrong', tokenSource: setup.source, apiUrl: fake.url });
    const error = await refused.labels(7).catch((e) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.message).toMatch(new RegExp(`: read the labels of pull request 7: GET ${fake.url}/repos/${setup.owner}/platform/issues/7/labels(\\?per_page=100)? answered 401 \\(Bad credentials\\); the token in ${setup.source} was not accepted`));
  });

  test('GIVEN no server WHEN a call is made THEN the error says it cannot be reached', async () => {
    await start();
    const url = fake.url;
    await fake.close();
    const gone = createForge(kind, { repo: parseRepoUrl(setup.url), token: 't0ken', tokenSource: setup.source, apiUrl: url });
    const error = await gone.labels(7).catch((e) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    // Octokit keeps the cause's message only when it is an Error of its own realm (not under Jest).
    expect(error.message).toMatch(/: read the labels of pull request 7: cannot reach http:\/\/127\.0\.0\.1:\d+ \((.*ECONNREFUSED.*|fetch failed)\)$/);
  });
});

describe('comment bodies and Link headers', () => {
  test('GIVEN a body already holding the marker WHEN prepared THEN the marker is not added twice', () => {
    expect(commentBody(`${COMMENT_MARKER}\nx`)).toBe(`${COMMENT_MARKER}\nx`);
  });

  test('GIVEN a body over GitHub\'s limit WHEN prepared THEN it is cut to the limit with a note', () => {
    const body = commentBody('y'.repeat(100000), GITHUB_MAX_COMMENT);
    expect(body).toHaveLength(GITHUB_MAX_COMMENT);
    expect(body.startsWith(COMMENT_MARKER)).toBe(true);
    expect(body).toMatch(/\*\*Truncated\*\*: .*diff\.md\)\.\n$/);
  });

  test('GIVEN Link headers WHEN read THEN only rel="next" is followed', () => {
    expect(nextLink('<https://h/a?page=2>; rel="next", <https://h/a?page=5>; rel="last"')).toBe('https://h/a?page=2');
    expect(nextLink('<https://h/a?page=1>; rel="prev", <https://h/a?page=5>; rel="last"')).toBeUndefined();
    expect(nextLink('<https://h/a?page=3>; rel="prev next"')).toBe('https://h/a?page=3');
    expect(nextLink(null)).toBeUndefined();
  });
});
