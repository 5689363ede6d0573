import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FakeForge } from './fake-forge';

/** The pull request's head commit that pr-comment's tests report on. */
export const SHA = '4f1c2a9e8b7d6c5b4a39281706f5e4d3c2b1a098';

/** The tokens the two forges accept, as pr-comment reads them from the environment. */
export const FORGE_TOKENS: Readonly<Record<string, string>> = { GITEA_TOKEN: 'gitea-t', GITHUB_TOKEN: 'github-t' };

/** The forges of the shipped site.yaml, started, and a comment body file in a folder of its own. */
export interface PrCommentForges {
  /** Gitea, tsys/platform (git.repoUrl). */
  readonly gitea: FakeForge;
  /** The GitHub mirror, tsys-group/platform (git.mirrorUrl). */
  readonly github: FakeForge;
  /** The folder that holds `bodyFile` (removed by `closePrCommentForges`). */
  readonly dir: string;
  readonly bodyFile: string;
}

/** Starts both forges (accepting `FORGE_TOKENS`) and writes `body` to a new body file (a folder named from `prefix`). */
export async function startPrCommentForges(prefix: string, body: string): Promise<PrCommentForges> {
  const gitea = new FakeForge({ prefix: '/api/v1', owner: 'tsys', repo: 'platform', token: FORGE_TOKENS.GITEA_TOKEN });
  const github = new FakeForge({ prefix: '', owner: 'tsys-group', repo: 'platform', token: FORGE_TOKENS.GITHUB_TOKEN });
  await gitea.start();
  await github.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const bodyFile = path.join(dir, 'diff.md');
  fs.writeFileSync(bodyFile, body);
  return { gitea, github, dir, bodyFile };
}

/** Closes both forges and removes the body file's folder. */
export async function closePrCommentForges(forges: PrCommentForges): Promise<void> {
  await forges.gitea.close();
  await forges.github.close();
  fs.rmSync(forges.dir, { recursive: true, force: true });
}

/** pr-comment's flags for pull request 12 at `SHA`, with the body file and both forges' API roots, then `extra`. */
export function prCommentArgs(forges: PrCommentForges, ...extra: string[]): string[] {
  return ['--pr', '12', '--sha', SHA, '--body', forges.bodyFile, '--gitea-api-url', forges.gitea.url, '--github-api-url', forges.github.url, ...extra];
}
