import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO } from '../helpers';

/** Runs git in `cwd` for test setup with `env` added, ignoring the user's global and system configuration. */
export function gitWithEnv(cwd: string, env: Record<string, string>, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** Runs git in `cwd` for test setup, ignoring the user's global and system configuration. */
export function gitIn(cwd: string, ...args: string[]): string {
  return gitWithEnv(cwd, {}, ...args);
}

/** Makes `dir` a repository that commits as a test user, unsigned, without hooks. */
export function initRepo(dir: string, branch = 'main'): void {
  gitIn(dir, 'init', '--quiet', '-b', branch);
  gitIn(dir, 'config', 'user.name', 'Platform Test');
  gitIn(dir, 'config', 'user.email', 'platform-test@example.com');
  gitIn(dir, 'config', 'commit.gpgsign', 'false');
  gitIn(dir, 'config', 'core.hooksPath', path.join(dir, '.git', 'no-hooks'));
}

/** A checkout of the platform (site.yaml and its committed render) with a bare `origin` holding the same commit. */
export interface PlatformCheckout {
  /** Temporary folder holding both. */
  readonly base: string;
  /** The working repository. */
  readonly work: string;
  /** The bare remote, `origin` of `work`. */
  readonly remote: string;
}

/**
 * A new platform checkout; with `template` (an earlier checkout), a copy of it, which is faster
 * (origin is a relative path, so the copy pushes to its own remote).
 */
export function platformCheckout(template?: PlatformCheckout): PlatformCheckout {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'publish-')));
  if (template) {
    fs.cpSync(template.base, base, { recursive: true });
    return { base, work: path.join(base, 'work'), remote: path.join(base, 'remote.git') };
  }
  const work = path.join(base, 'work');
  const remote = path.join(base, 'remote.git');
  fs.mkdirSync(work);
  for (const f of ['site.yaml', '.gitignore', 'apps.lock.yaml']) fs.copyFileSync(path.join(REPO, f), path.join(work, f));
  for (const d of ['dist', 'argocd', 'docs', 'reports', 'apps', 'render-cache']) fs.cpSync(path.join(REPO, d), path.join(work, d), { recursive: true });
  fs.writeFileSync(path.join(work, 'README.md'), '# platform\n');
  initRepo(work);
  gitIn(work, 'add', '-A');
  gitIn(work, 'commit', '--quiet', '-m', 'Initial platform');
  gitIn(base, 'init', '--quiet', '--bare', '-b', 'main', remote);
  gitIn(work, 'remote', 'add', 'origin', '../remote.git');
  gitIn(work, 'push', '--quiet', 'origin', 'main');
  return { base, work, remote };
}

/** Replaces `from` with `to` in a file of the checkout. */
export function edit(work: string, file: string, from: string, to: string): void {
  const p = path.join(work, file);
  const text = fs.readFileSync(p, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} has no "${from}"`);
  fs.writeFileSync(p, text.replace(from, to));
}

/** Commits everything in the checkout with `message`. */
export function commitAll(work: string, message: string): string {
  gitIn(work, 'add', '-A');
  gitIn(work, 'commit', '--quiet', '-m', message);
  return gitIn(work, 'rev-parse', 'HEAD');
}
