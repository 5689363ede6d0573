import { spawnSync } from 'child_process';
import { DeliveryError } from './delivery-error';

/** The outcome of one git command. */
export interface GitRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs git in `cwd` without prompting for credentials (a push that needs them fails instead of
 * hanging) and with English messages (refusals are recognised by their text).
 */
export function runGit(cwd: string, args: readonly string[]): GitRun {
  const run = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', LANGUAGE: 'C' },
  });
  if (run.error) throw new DeliveryError(`cannot run git (${(run.error as NodeJS.ErrnoException).code ?? run.error.message}); install git and make sure it is on PATH`);
  return { status: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
}

/** Runs git and returns its trimmed output; a non-zero exit becomes a DeliveryError saying what failed. */
export function git(cwd: string, args: readonly string[], what: string): string {
  const run = runGit(cwd, args);
  if (run.status !== 0) throw new DeliveryError(`${what}: git ${args.join(' ')} failed: ${(run.stderr || run.stdout).trim()}`);
  return run.stdout.trim();
}

/** One entry of `git status --porcelain`: the two status letters and the path (both paths of a rename). */
export interface StatusEntry {
  /** `XY` as git prints it, e.g. ` M`, `??`, `R `. */
  readonly code: string;
  /** Paths relative to the repository root. */
  readonly paths: readonly string[];
}

/** Uncommitted changes (staged, unstaged and untracked, one entry per file) below `pathspecs`. */
export function gitStatus(cwd: string, pathspecs: readonly string[] = []): StatusEntry[] {
  const out = runGit(cwd, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', ...pathspecs]);
  if (out.status !== 0) throw new DeliveryError(`cannot read the working tree state: ${out.stderr.trim()}`);
  const fields = out.stdout.split('\0');
  const entries: StatusEntry[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f.length < 4) continue;
    const code = f.slice(0, 2);
    // A rename or copy is followed by its source path.
    if (code[0] === 'R' || code[0] === 'C') entries.push({ code, paths: [f.slice(3), fields[++i]] });
    else entries.push({ code, paths: [f.slice(3)] });
  }
  return entries;
}

/** Whether `ancestor` is an ancestor of (or equal to) `commit`. */
export function isAncestor(cwd: string, ancestor: string, commit: string): boolean {
  const run = runGit(cwd, ['merge-base', '--is-ancestor', ancestor, commit]);
  if (run.status === 0) return true;
  if (run.status === 1) return false;
  throw new DeliveryError(`cannot compare ${ancestor} with ${commit}: ${run.stderr.trim()}`);
}

/** Whether the commit `rev` exists in the local repository. */
export function hasCommit(cwd: string, rev: string): boolean {
  return runGit(cwd, ['cat-file', '-e', `${rev}^{commit}`]).status === 0;
}
