import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runMirrorCli } from '../../lib/delivery/cli';
import { FakeForge } from './fake-forge';
import { testIo } from './cli-io';
import { commandLine } from '../command-line';

const MIRROR = 'https://github.com/tsys-group/platform.git';

/** A folder with a fake `bw` that prints `password` for `bw --nointeraction get password <item>`, and fails otherwise. */
function fakeBw(item: string, password: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-bw-'));
  fs.writeFileSync(
    path.join(dir, 'bw'),
    `#!/bin/sh\nif [ "$*" = "--nointeraction get password ${item}" ]; then echo "${password}"; exit 0; fi\necho "Not found." >&2\nexit 1\n`,
    { mode: 0o755 },
  );
  return dir;
}

describe('npm run mirror', () => {
  let gitea: FakeForge;
  beforeEach(async () => {
    gitea = new FakeForge({ prefix: '/api/v1', owner: 'tsys', repo: 'platform', token: 'gitea-t' });
    await gitea.start();
  });
  afterEach(() => gitea.close());

  const setup = (...extra: string[]) => ['--setup', '--gitea-api-url', gitea.url, ...extra];

  test('GIVEN a site whose versions: names no pin WHEN mirror reads it THEN it is refused at that key, as synth refuses it, and nothing is asked of Gitea', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mirror-site-'));
    const site = path.join(dir, 'site.yaml');
    fs.writeFileSync(site, fs.readFileSync(path.join(__dirname, '../../site.yaml'), 'utf8').replace(/^versions: \{\}$/m, 'versions: { no-such-chart: 1.0.0 }'));
    const io = testIo({ GITEA_TOKEN: 'gitea-t', GITHUB_MIRROR_TOKEN: 'ghp_env' });
    expect(await runMirrorCli(commandLine('mirror', ...setup('--site', site)), io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/site\.yaml:\d+:\d+: versions\.no-such-chart: unknown component "no-such-chart" \(allowed: /);
    expect(gitea.server.log()).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('GIVEN no push mirror WHEN --setup runs with GITHUB_MIRROR_TOKEN THEN it creates the mirror to git.mirrorUrl and starts a first push', async () => {
    const io = testIo({ GITEA_TOKEN: 'gitea-t', GITHUB_MIRROR_TOKEN: 'ghp_env' });
    expect(await runMirrorCli(commandLine('mirror', ...setup()), io)).toBe(0);
    expect(gitea.server.log()).toEqual(['GET /api/v1/repos/tsys/platform/push_mirrors', 'POST /api/v1/repos/tsys/platform/push_mirrors', 'POST /api/v1/repos/tsys/platform/push_mirrors-sync']);
    expect(gitea.server.requests[1].body).toEqual({ remote_address: MIRROR, remote_username: 'tsys-group', remote_password: 'ghp_env', interval: '8h0m0s', sync_on_commit: true });
    expect(gitea.server.requests.every((r) => r.headers.authorization === 'token gitea-t')).toBe(true);
    expect(io.stdout).toEqual([`mirror: created the push mirror to ${MIRROR}: every 8h0m0s and on every commit`]);
    expect(io.stderr).toEqual([]);
  });

  test('GIVEN a mirror to the same repository on the third page WHEN --setup runs THEN nothing is created and no GitHub token is needed', async () => {
    gitea = await restart(1);
    gitea.pushMirrors.push(
      { remote_name: 'remote_mirror_a', remote_address: 'https://codeberg.org/tsys/platform.git', interval: '8h0m0s', sync_on_commit: true },
      { remote_name: 'remote_mirror_b', remote_address: 'https://github.com/tsys-group/other.git', interval: '8h0m0s', sync_on_commit: true },
      { remote_name: 'remote_mirror_c', remote_address: 'https://github.com/tsys-group/platform', interval: '1h0m0s', sync_on_commit: false },
    );
    const io = testIo({ GITEA_TOKEN: 'gitea-t', PATH: '/nonexistent' });
    expect(await runMirrorCli(commandLine('mirror', ...setup()), io)).toBe(0);
    expect(gitea.writes()).toEqual([]);
    expect(gitea.server.log()).toHaveLength(3);
    expect(io.stdout).toEqual(['mirror: a push mirror to https://github.com/tsys-group/platform already exists (interval 1h0m0s, sync on commit false); nothing changed']);
  });

  test('GIVEN no GITHUB_MIRROR_TOKEN WHEN --setup runs THEN the token comes from bw get password of the named item', async () => {
    const bin = fakeBw('gh-mirror', 'ghp_vault');
    const io = testIo({ GITEA_TOKEN: 'gitea-t', PATH: `${bin}:/usr/bin:/bin` });
    expect(await runMirrorCli(commandLine('mirror', ...setup('--bw-item', 'gh-mirror', '--mirror-user', 'tsys-bot')), io)).toBe(0);
    expect(gitea.server.requests[1].body).toMatchObject({ remote_username: 'tsys-bot', remote_password: 'ghp_vault' });
    fs.rmSync(bin, { recursive: true });
  });

  test('GIVEN a locked vault or no bw WHEN --setup runs without GITHUB_MIRROR_TOKEN THEN it says how to provide the token and creates nothing', async () => {
    const bin = fakeBw('another-item', 'x');
    const locked = testIo({ GITEA_TOKEN: 'gitea-t', PATH: `${bin}:/usr/bin:/bin` });
    expect(await runMirrorCli(commandLine('mirror', ...setup()), locked)).toBe(1);
    expect(locked.stderr).toEqual(['mirror: GITHUB_MIRROR_TOKEN is not set and "bw get password github-mirror-token" failed (Not found.); unlock the vault (export BW_SESSION="$(bw unlock --raw)") or set GITHUB_MIRROR_TOKEN']);
    const missing = testIo({ GITEA_TOKEN: 'gitea-t', PATH: '/nonexistent' });
    expect(await runMirrorCli(commandLine('mirror', ...setup()), missing)).toBe(1);
    expect(missing.stderr).toEqual(['mirror: GITHUB_MIRROR_TOKEN is not set and the Bitwarden CLI could not run (bw is not on PATH); install bw and unlock the vault (export BW_SESSION="$(bw unlock --raw)") or set GITHUB_MIRROR_TOKEN']);
    expect(gitea.writes()).toEqual([]);
    fs.rmSync(bin, { recursive: true });
  });

  test('GIVEN no GITEA_TOKEN WHEN mirror runs THEN it refuses naming the variable', async () => {
    const io = testIo({ GITHUB_MIRROR_TOKEN: 'ghp_env' });
    expect(await runMirrorCli(commandLine('mirror', ...setup()), io)).toBe(1);
    expect(io.stderr).toEqual(['mirror: GITEA_TOKEN is not set: it must hold a Gitea token with admin rights on the repository in git.repoUrl (push mirrors are repository settings). Set it in the environment (never in site.yaml or git)']);
    expect(gitea.server.requests).toEqual([]);
  });

  test('GIVEN mirrors WHEN mirror runs without --setup THEN it lists them: exit 1 without ours or with an error, 0 with ours healthy', async () => {
    const env = { GITEA_TOKEN: 'gitea-t' };
    const none = testIo(env);
    expect(await runMirrorCli(commandLine('mirror', '--gitea-api-url', gitea.url), none)).toBe(1);
    expect(none.stderr).toEqual([`mirror: no push mirror to ${MIRROR}; create it with npm run mirror -- --setup`]);

    gitea.pushMirrors.push({ remote_name: 'remote_mirror_x', remote_address: MIRROR, interval: '8h0m0s', sync_on_commit: true, last_update: '2025-06-01T10:00:00Z', last_error: 'authentication failed' });
    const failing = testIo(env);
    expect(await runMirrorCli(commandLine('mirror', '--gitea-api-url', gitea.url), failing)).toBe(1);
    expect(failing.stdout).toEqual([`mirror: remote_mirror_x -> ${MIRROR}: interval 8h0m0s, sync on commit true, last update 2025-06-01T10:00:00Z, last error: authentication failed`]);

    (gitea.pushMirrors[0] as { last_error: string }).last_error = '';
    const healthy = testIo(env);
    expect(await runMirrorCli(commandLine('mirror', '--gitea-api-url', gitea.url), healthy)).toBe(0);
    expect(gitea.writes()).toEqual([]);
  });

  test('GIVEN a --gitea-api-url that is not a URL, or a Gitea that refuses connections WHEN mirror runs THEN the first is refused by the command line (exit 2 naming the option), the second is one line naming the request and the address, exit 1, no stack', async () => {
    expect(() => commandLine('mirror', '--gitea-api-url', 'http://[::1/api/v1')).toThrow("option '--gitea-api-url <url>' argument 'http://[::1/api/v1' is invalid. It must be an http:// or https:// URL with a host");
    const url = gitea.url;
    await gitea.close();
    const down = testIo({ GITEA_TOKEN: 'gitea-t' });
    expect(await runMirrorCli(commandLine('mirror', '--gitea-api-url', url), down)).toBe(1);
    expect(down.stderr).toEqual([`mirror: Gitea tsys/platform: list push mirrors: cannot reach ${new URL(url).origin} (ECONNREFUSED)`]);
  });

  async function restart(pageSize: number): Promise<FakeForge> {
    await gitea.close();
    const paged = new FakeForge({ prefix: '/api/v1', owner: 'tsys', repo: 'platform', token: 'gitea-t', pageSize });
    await paged.start();
    return paged;
  }
});
