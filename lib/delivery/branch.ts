import * as fs from 'fs';
import { ConfigError } from '../config/errors';
import type { Site } from '../config/schema';
import type { LayerFactory } from '../context';
import type { SchemaRegistry } from '../verify/schemas';
import { PlatformError } from '../platform-error';
import { OutputError } from '../render/output-error';
import { recoverInterruptedSynth } from '../render/swap';
import { isSystemError, systemMessage } from '../system-error';
import { VerifyError } from '../synth';
import { DeliveryError } from './delivery-error';
import { git, hasCommit, isAncestor, runGit } from './git';

/** The npm command a refusal tells the user to run again (`publish`, `release`). */
export type DeliveryCommand = string;

/**
 * The commit `<remote>/<branch>` points to (undefined when the branch does not exist yet), after
 * checking that pushing HEAD there will be a fast-forward: refuses a missing remote, a tag as
 * git.revision, and a remote branch with commits HEAD lacks.
 */
export function fastForwardBase(root: string, remote: string, site: Site, command: DeliveryCommand): string | undefined {
  const branch = site.git.revision;
  if (runGit(root, ['remote', 'get-url', remote]).status !== 0) {
    throw new DeliveryError(`refused: there is no git remote "${remote}"; add the Gitea repository Argo CD reads: git remote add ${remote} ${site.git.repoUrl}`);
  }
  const refs = git(root, ['ls-remote', remote, `refs/heads/${branch}`, `refs/tags/${branch}`], `refused: cannot read ${remote}`)
    .split('\n').filter(Boolean).map((l) => l.split('\t'));
  const remoteHead = refs.find(([, ref]) => ref === `refs/heads/${branch}`)?.[0];
  if (!remoteHead && refs.some(([, ref]) => ref === `refs/tags/${branch}`)) {
    throw new DeliveryError(`refused: git.revision "${branch}" is a tag on ${remote}; ${command} pushes to a branch: set git.revision in site.yaml to the branch Argo CD should follow`);
  }
  if (remoteHead) {
    if (!hasCommit(root, remoteHead)) git(root, ['fetch', '--no-tags', remote, `refs/heads/${branch}`], `refused: cannot fetch ${remote} ${branch}`);
    if (!isAncestor(root, remoteHead, 'HEAD')) {
      throw new DeliveryError(
        `refused: ${remote} ${branch} (${remoteHead.slice(0, 12)}) has commits that HEAD does not have, so the push would not be a fast-forward.\n` +
          `Run git pull --rebase ${remote} ${branch}, check the result, then npm run ${command} again. Nothing was rendered, committed or pushed.`,
      );
    }
  }
  return remoteHead;
}

/**
 * Pushes HEAD to `refs/heads/<branch>` of `remote`; a rejected push is explained. `kept` names
 * the commits that stay local when it fails (", including the render commit abc,").
 */
export function pushHead(root: string, remote: string, branch: string, command: DeliveryCommand, kept: string): void {
  const push = runGit(root, ['push', remote, `HEAD:refs/heads/${branch}`]);
  if (push.status === 0) return;
  const output = `${push.stdout}\n${push.stderr}`;
  if (/\[rejected\]|non-fast-forward|fetch first/.test(output)) {
    throw new DeliveryError(
      `refused: ${remote} rejected the push to ${branch} because it is not a fast-forward (someone pushed in the meantime).\n` +
        `Your commits${kept} are still here: run git pull --rebase ${remote} ${branch}, then npm run ${command} again.`,
    );
  }
  const reason = /\[remote rejected\][^\n]*/.exec(output)?.[0];
  throw new DeliveryError(
    `failed: git push ${remote} HEAD:refs/heads/${branch} did not succeed${reason ? ` (${reason.trim()}: a protected branch or a server hook?)` : ''}:\n${output.trim()}\n` +
      `Your commits${kept} are still here; fix the cause and run npm run ${command} again.`,
  );
}

/**
 * Runs `f`; an invalid site or app spec, a wiring error or a verify failure becomes a refusal
 * (`refused: <what>:` and the error), anything else is a bug and passes through.
 */
export function refuseOnSynthError<T>(f: () => T, what: string): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof OutputError && e.outputs !== 'unchanged') {
      const now = e.outputs === 'restored' ? 'every output is as it was' : 'the outputs are half-replaced: do not commit them; run npm run synth once the cause is fixed, it finishes the roll-back';
      throw new DeliveryError(`refused: synth failed while replacing the outputs; nothing was committed or pushed, and ${now}:\n${e.message}`);
    }
    if (e instanceof ConfigError || e instanceof PlatformError || e instanceof VerifyError || e instanceof OutputError) throw new DeliveryError(`refused: ${what}:\n${e.message}`);
    // A full disk, a read-only or forbidden checkout (the lock, the caches): the file and what to do.
    if (isSystemError(e)) throw new DeliveryError(`refused: ${what}:\n${systemMessage(e, {})}`);
    throw e;
  }
}

/**
 * Puts right a synth that was interrupted in this checkout (`recoverInterruptedSynth`) before
 * `command` reads or commits anything, saying so on `log`; when that cannot be done, refuses.
 */
export function recoverCheckout(root: string, command: DeliveryCommand, log: (line: string) => void): void {
  try {
    const done = recoverInterruptedSynth(root);
    if (done) log(`${command}: ${done}`);
  } catch (e) {
    if (e instanceof OutputError) throw new DeliveryError(`refused: ${e.message}`);
    throw e;
  }
}

/** The real path of `root`, which must be the top folder of a git checkout (`command` runs from there). */
export function checkoutTop(root: string, command: DeliveryCommand): string {
  const real = fs.realpathSync(root);
  const top = git(real, ['rev-parse', '--show-toplevel'], `refused: ${real} is not a git checkout`);
  if (fs.realpathSync(top) !== real) throw new DeliveryError(`refused: ${real} is inside the repository ${top}, not its top folder; run ${command} from the top`);
  return real;
}

/** What the commands that render, commit and push a checkout (publish, release) take. */
export interface CheckoutCommandOptions {
  /** The repository root (its top-level folder): site.yaml, apps/, dist/, argocd/ and docs/ are here. */
  readonly root: string;
  /**
   * The git remote of the Gitea repository Argo CD reads.
   * @default origin
   */
  readonly remote?: string;
  /** @default `<root>/site.yaml` */
  readonly siteFile?: string;
  /** @default the platform's layers */
  readonly layers?: readonly LayerFactory[];
  /** @default a registry over imports/schemas */
  readonly registry?: SchemaRegistry;
  /**
   * Called after the render commit, just before `git push`. Tests push a competing commit here
   * to see a push rejected by the remote.
   * @default - nothing
   */
  readonly beforePush?: () => void;
  /**
   * Progress lines.
   * @default - none
   */
  readonly log?: (line: string) => void;
  /**
   * Render in memory and return the commit it would make (message, files, diff) instead of
   * writing, committing and pushing anything. The render is not verified (the real run verifies
   * before it commits).
   * @default false
   */
  readonly dryRun?: boolean;
}
