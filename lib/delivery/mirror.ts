import { spawnSync } from 'child_process';
import { DeliveryError } from './delivery-error';
import { HttpAuth, paginateJson, requestJson } from './http';
import { giteaApiUrl, httpsCloneUrl, parseRepoUrl, RepoRef, sameRepository } from './repo-url';

/** The Bitwarden item holding the GitHub token the push mirror pushes with. */
export const DEFAULT_MIRROR_ITEM = 'github-mirror-token';
/** How often Gitea pushes to the mirror besides on every commit (Go duration). */
export const MIRROR_INTERVAL = '8h0m0s';

/** A Gitea push mirror as its API returns it (credentials are never returned). */
export interface PushMirror {
  readonly remote_name?: string;
  readonly remote_address: string;
  readonly interval?: string;
  readonly sync_on_commit?: boolean;
  readonly last_update?: string;
  readonly last_error?: string;
}

/** Where the Gitea repository is and how to authenticate. */
export interface GiteaRepoAccess {
  /** The Gitea repository (site.git.repoUrl). */
  readonly repo: RepoRef;
  readonly token: string;
  /** The environment variable the token came from, named in errors. */
  readonly tokenSource: string;
  /** @default `https://<host>/api/v1` from the repository URL */
  readonly apiUrl?: string;
}

export interface MirrorSetupOptions extends GiteaRepoAccess {
  /** The GitHub repository to push to (site.git.mirrorUrl); an ssh URL is pushed to over https. */
  readonly mirrorUrl: string;
  /** User name sent with the token (GitHub ignores it for tokens, Gitea requires one). */
  readonly mirrorUser: string;
  /** The GitHub token; only called when a mirror has to be created. */
  readonly mirrorToken: () => string;
}

export interface MirrorSetupResult {
  readonly action: 'created' | 'exists';
  readonly mirror: PushMirror;
  /** The first push could not be started (the mirror still pushes on the next commit or interval). */
  readonly syncWarning?: string;
}

function reposUrl(access: GiteaRepoAccess, rest: string): string {
  const api = (access.apiUrl ?? giteaApiUrl(access.repo)).replace(/\/+$/, '');
  return `${api}/repos/${encodeURIComponent(access.repo.owner)}/${encodeURIComponent(access.repo.repo)}${rest}`;
}

function auth(access: GiteaRepoAccess): HttpAuth {
  return { scheme: 'token', token: access.token, source: access.tokenSource };
}

/** The push mirrors of the Gitea repository. */
export async function listPushMirrors(access: GiteaRepoAccess): Promise<PushMirror[]> {
  const out: PushMirror[] = [];
  const what = `Gitea ${access.repo.owner}/${access.repo.repo}: list push mirrors`;
  for await (const m of paginateJson<PushMirror>(reposUrl(access, '/push_mirrors'), { auth: auth(access), what })) out.push(m);
  return out;
}

/**
 * Makes sure Gitea pushes the repository to GitHub on every commit and every 8 hours:
 * does nothing when a push mirror to that address exists, creates it otherwise (then asks
 * Gitea for a first push).
 */
export async function setupPushMirror(options: MirrorSetupOptions): Promise<MirrorSetupResult> {
  const address = httpsCloneUrl(parseRepoUrl(options.mirrorUrl));
  const existing = (await listPushMirrors(options)).find((m) => sameRepository(m.remote_address, address));
  if (existing) return { action: 'exists', mirror: existing };
  const name = `Gitea ${options.repo.owner}/${options.repo.repo}`;
  const created = await requestJson<PushMirror>(reposUrl(options, '/push_mirrors'), {
    method: 'POST',
    auth: auth(options),
    body: { remote_address: address, remote_username: options.mirrorUser, remote_password: options.mirrorToken(), interval: MIRROR_INTERVAL, sync_on_commit: true },
    what: `${name}: create the push mirror to ${address}`,
  });
  let syncWarning: string | undefined;
  try {
    await requestJson(reposUrl(options, '/push_mirrors-sync'), { method: 'POST', auth: auth(options), what: `${name}: start the first push to ${address}` });
  } catch (e) {
    if (!(e instanceof DeliveryError)) throw e;
    syncWarning = e.message;
  }
  return { action: 'created', mirror: created.body ?? { remote_address: address }, syncWarning };
}

/**
 * The GitHub token for the mirror: GITHUB_MIRROR_TOKEN when set, else the password of the
 * Bitwarden item `item` (`bw get password`, without prompting: the vault must be unlocked).
 */
export function readMirrorToken(env: NodeJS.ProcessEnv, item: string): string {
  const fromEnv = env.GITHUB_MIRROR_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  const run = spawnSync('bw', ['--nointeraction', 'get', 'password', item], { encoding: 'utf8', env });
  const unlock = 'unlock the vault (export BW_SESSION="$(bw unlock --raw)") or set GITHUB_MIRROR_TOKEN';
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code;
    throw new DeliveryError(`GITHUB_MIRROR_TOKEN is not set and the Bitwarden CLI could not run (${code === 'ENOENT' ? 'bw is not on PATH' : code ?? run.error.message}); install bw and ${unlock}`);
  }
  if (run.status !== 0) throw new DeliveryError(`GITHUB_MIRROR_TOKEN is not set and "bw get password ${item}" failed (${(run.stderr || run.stdout).trim() || `exit ${run.status}`}); ${unlock}`);
  const token = run.stdout.trim();
  if (!token) throw new DeliveryError(`the Bitwarden item "${item}" has an empty password; store the GitHub token there or set GITHUB_MIRROR_TOKEN`);
  return token;
}
