import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runStatusCli } from '../../lib/delivery/cli';
import type { ArgoApplication } from '../../lib/gitops/argocd-application';
import { argoBaseUrl, compareRevision } from '../../lib/delivery/status';
import { REPO } from '../helpers';
import { testIo } from './cli-io';
import { gitIn, gitWithEnv, initRepo } from './git-fixtures';
import { LoopbackServer } from './loopback';

/** A recorded GET /api/v1/applications?projects=platform of Argo CD 3.x for the shipped site. */
const FIXTURE = path.join(REPO, 'test/fixtures/argocd/applications.json');
const recorded = (): { items: ArgoApplication[] } => JSON.parse(fs.readFileSync(FIXTURE, 'utf8'));

// The commits the fixture's revisions name: the same bytes give the same ids on any machine.
const C1 = '88cdc3d4e728e42e27e92aeed006d88671797549';
const C2 = '7a7c76fb217300a8d789bf55f0093c8376f2b5fc';
const C3 = 'dfb04028dd614d6e32dfa20d03715b5e06b96a37';

function commitAt(dir: string, n: number): string {
  fs.writeFileSync(path.join(dir, 'file.txt'), `commit ${n}\n`);
  gitIn(dir, 'add', 'file.txt');
  const date = `2025-06-0${n}T10:00:00Z`;
  gitWithEnv(dir, { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date }, 'commit', '--quiet', '-m', `Commit ${n}`);
  return gitIn(dir, 'rev-parse', 'HEAD');
}

describe('npm run status against a recorded Argo CD answer', () => {
  let checkout: string;
  let argocd: LoopbackServer;
  let answer: () => unknown;
  let server: string;

  beforeAll(() => {
    checkout = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'status-')));
    initRepo(checkout);
    expect([commitAt(checkout, 1), commitAt(checkout, 2), commitAt(checkout, 3)]).toEqual([C1, C2, C3]);
  });
  afterAll(() => fs.rmSync(checkout, { recursive: true, force: true }));

  beforeEach(async () => {
    answer = recorded;
    argocd = new LoopbackServer((req) => {
      if (req.headers.authorization !== 'Bearer argo-t') return { status: 401, body: { error: 'invalid session: token is malformed', code: 16, message: 'invalid session: token is malformed' } };
      if (req.method === 'GET' && req.path === '/api/v1/applications' && req.query.get('projects') === 'platform') return { status: 200, body: answer() };
      return { status: 404, body: { error: 'Not Found', code: 5, message: 'Not Found' } };
    });
    server = await argocd.start();
  });
  afterEach(() => argocd.close());

  const env = () => ({ ARGOCD_SERVER: server, ARGOCD_AUTH_TOKEN: 'argo-t' });

  test('GIVEN the recorded answer WHEN status runs THEN each layer shows sync, health, revision against HEAD and out-of-sync objects, exit 1', async () => {
    const io = testIo(env());
    expect(await runStatusCli(['--root', checkout], io)).toBe(1);
    expect(io.stderr).toEqual([]);
    expect(argocd.log()).toEqual(['GET /api/v1/applications?projects=platform']);
    expect(io.stdout[0]).toBe(`status: Argo CD ${server}, project platform, 14 Applications; local HEAD ${C3.slice(0, 12)}`);
    expect(io.stdout[1].split('\n')).toEqual([
      'APPLICATION                      SYNC       HEALTH       REVISION      LOCAL HEAD',
      'root                             Synced     Healthy      dfb04028dd61  deployed',
      'argocd                           Synced     Healthy      dfb04028dd61  deployed',
      'longhorn                         OutOfSync  Progressing  88cdc3d4e728  behind by 2 commits',
      '    syncing to dfb04028dd61',
      '    operation Running: waiting for healthy state of longhorn.io/RecurringJob/backup-daily',
      '    out of sync: longhorn.io/RecurringJob longhorn-system/backup-daily (OutOfSync)',
      '  longhorn-chart                 Synced     Healthy      1.12.1        (not this repository)',
      'metallb                          Synced     Healthy      dfb04028dd61  deployed',
      '  metallb-chart                  Synced     Healthy      0.15.2        (not this repository)',
      'secrets                          Synced     Healthy      7a7c76fb2173  behind by 1 commit',
      '  external-secrets-chart         Synced     Healthy      2.9.0         (not this repository)',
      'upgrades                         Synced     Healthy      5c1e0f3a9d2b  unknown revision (not in this clone; git fetch?)',
      '  system-upgrade-controller-git  Synced     Healthy      0f6f3a2c1d9b  (not this repository)',
      'gateway                          Synced     Healthy      dfb04028dd61  deployed',
      '  envoy-gateway-chart            Synced     Healthy      v1.9.0        (not this repository)',
      'rancher                          Synced     Degraded     dfb04028dd61  deployed',
      '  rancher-chart                  Synced     Degraded     2.12.3        (not this repository)',
    ]);
  });

  test('GIVEN every Application Synced and Healthy WHEN status runs THEN it exits 0', async () => {
    answer = () => {
      const r = recorded();
      for (const a of r.items) Object.assign(a.status!, { sync: { ...a.status!.sync, status: 'Synced' }, health: { status: 'Healthy' }, resources: [], operationState: undefined });
      return r;
    };
    const io = testIo(env());
    expect(await runStatusCli(['--root', checkout], io)).toBe(0);
    expect(io.stdout[1]).not.toMatch(/out of sync|operation/);
  });

  test('GIVEN a refused token, no Applications or missing variables WHEN status runs THEN it says what to fix', async () => {
    const refused = testIo({ ...env(), ARGOCD_AUTH_TOKEN: 'expired' });
    expect(await runStatusCli(['--root', checkout], refused)).toBe(1);
    expect(refused.stderr).toEqual([`status: Argo CD: list the Applications of project platform: GET ${server}/api/v1/applications?projects=platform answered 401 (invalid session: token is malformed); the token in ARGOCD_AUTH_TOKEN was not accepted: check that it is current`]);

    answer = () => ({ metadata: { resourceVersion: '1' }, items: null });
    const empty = testIo(env());
    expect(await runStatusCli(['--root', checkout], empty)).toBe(1);
    expect(empty.stderr).toEqual(['status: no Applications in project platform; is Argo CD bootstrapped (README: Bootstrapping a cluster) and may the token read them?']);

    const noServer = testIo({ ARGOCD_AUTH_TOKEN: 'argo-t' });
    expect(await runStatusCli([], noServer)).toBe(1);
    expect(noServer.stderr[0]).toMatch(/^status: ARGOCD_SERVER is not set: it must hold the Argo CD URL/);
    const noToken = testIo({ ARGOCD_SERVER: server });
    expect(await runStatusCli([], noToken)).toBe(1);
    expect(noToken.stderr[0]).toMatch(/^status: ARGOCD_AUTH_TOKEN is not set: it must hold an Argo CD API token/);
    expect(argocd.requests).toHaveLength(2);
  });

  test('GIVEN revisions around HEAD WHEN compared THEN ahead, diverged and non-commit revisions are told apart', () => {
    const side = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'status-side-')));
    gitIn(side, 'clone', '--quiet', checkout, '.');
    initRepo(side);
    gitIn(side, 'checkout', '--quiet', '-b', 'side', C2);
    fs.writeFileSync(path.join(side, 'other.txt'), 'x\n');
    gitIn(side, 'add', 'other.txt');
    gitIn(side, 'commit', '--quiet', '-m', 'Side');
    const sideCommit = gitIn(side, 'rev-parse', 'HEAD');
    expect(compareRevision(side, C3, C1)).toBe('ahead of local HEAD by 2 commits');
    expect(compareRevision(side, C3, sideCommit)).toBe('diverged from local HEAD');
    expect(compareRevision(side, 'main', sideCommit)).toBe('unknown revision (not in this clone; git fetch?)');
    fs.rmSync(side, { recursive: true, force: true });
  });

  test('GIVEN ARGOCD_SERVER as the argocd CLI takes it WHEN read THEN a bare host means https', () => {
    expect(argoBaseUrl('argocd.turnsys.com')).toBe('https://argocd.turnsys.com');
    expect(argoBaseUrl('argocd.turnsys.com:8443')).toBe('https://argocd.turnsys.com:8443');
    expect(argoBaseUrl('https://turnsys.com/argo-cd/')).toBe('https://turnsys.com/argo-cd');
  });
});
