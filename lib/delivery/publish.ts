import * as path from 'path';
import { OUTPUT_DIRS, ROOT_FILES, SHARED_DIRS } from '../render/write';
import { loadInputs, renderSite, synth } from '../synth';
import { DeliveryError } from './delivery-error';
import { CheckoutCommandOptions, checkoutTop, fastForwardBase, pushHead, recoverCheckout, refuseOnSynthError } from './branch';
import { git, gitStatus, StatusEntry } from './git';
import { CommitPreview, previewCommit, renderInMemory } from './preview';

/** Subjects longer than this are cut in the render commit's message. */
const MAX_SUBJECT = 60;

/** `npm run publish` takes the options every checkout command shares. */
export type PublishOptions = CheckoutCommandOptions;

export interface PublishResult {
  /** The branch pushed to: site.git.revision. */
  readonly branch: string;
  readonly remote: string;
  /** The commit holding the new render, when the render changed. */
  readonly renderCommit?: string;
  /** The commit the remote branch now points to. */
  readonly head: string;
  /** The remote branch already was at `head`: nothing was pushed. */
  readonly upToDate: boolean;
  /** With `dryRun`: the render commit publish would make; nothing was written, committed or pushed. */
  readonly preview?: CommitPreview;
}

/** `<code> <path>` lines for a message. */
function describe(entries: readonly StatusEntry[]): string {
  return entries.map((e) => `  ${e.code} ${e.paths[0]}${e.paths[1] ? ` (from ${e.paths[1]})` : ''}`).join('\n');
}

/** What a refusal of publish says happened. */
const NOTHING_CHANGED = 'synth failed; nothing was committed or pushed, dist/ and argocd/ are unchanged';

/** The HEAD subject for the render commit's message, cut to a readable length. */
function shortSubject(subject: string): string {
  return subject.length <= MAX_SUBJECT ? subject : `${subject.slice(0, MAX_SUBJECT - 1)}…`;
}

/**
 * `npm run publish`: renders the committed source and pushes it to the branch Argo CD follows.
 *
 * 1. Refuses when anything but the rendered output (dist/, argocd/, the generated docs) has
 *    uncommitted changes: source changes are committed by their author, with their own message.
 *    A hand edit inside dist/ or argocd/ is not source: synth overwrites it.
 * 2. Refuses when the remote branch has commits HEAD lacks (the push would not be a fast-forward).
 * 3. Runs synth, which verifies; refuses on any failure with nothing committed.
 * 4. Commits the rendered output when it changed: "Render dist/ for <HEAD subject>".
 * 5. Pushes HEAD to `<remote> <site.git.revision>`; a rejected push is explained.
 */
export function publish(options: PublishOptions): PublishResult {
  const log = options.log ?? (() => undefined);
  const root = checkoutTop(options.root, 'publish');
  const remote = options.remote ?? 'origin';
  const siteFile = options.siteFile ?? path.join(root, 'site.yaml');
  // A synth killed part-way must not leave a mixed render to commit.
  recoverCheckout(root, 'publish', log);

  const { site, apps, lock } = refuseOnSynthError(() => loadInputs(root, siteFile), NOTHING_CHANGED);
  const branch = site.git.revision;

  // 1. Only the rendered output may be uncommitted: dist/, argocd/ and the docs/ files synth
  //    generates (hand-written docs/ files are source; the render says which are generated).
  const inOutputDirs = (p: string) => OUTPUT_DIRS.some((d) => p.startsWith(`${d}/`)) || ROOT_FILES.includes(p);
  let dirty = gitStatus(root).filter((e) => !e.paths.every(inOutputDirs));
  if (dirty.some((e) => e.paths.some((p) => SHARED_DIRS.some((d) => p.startsWith(`${d}/`))))) {
    const generated = new Set(refuseOnSynthError(() => renderSite(site, options.layers, apps, lock), NOTHING_CHANGED).map((f) => f.path));
    dirty = dirty.filter((e) => !e.paths.every((p) => inOutputDirs(p) || generated.has(p)));
  }
  if (dirty.length) {
    throw new DeliveryError(
      `refused: uncommitted changes outside the rendered output (dist/, argocd/ and the ${SHARED_DIRS.map((d) => `${d}/`).join(' and ')} files synth generates):\n${describe(dirty)}\n` +
        'Commit them (git add <file>... && git commit) or stash them (git stash -u), then run npm run publish again. Nothing was rendered, committed or pushed.',
    );
  }

  // 2. The push must be a fast-forward.
  const remoteHead = fastForwardBase(root, remote, site, 'publish');

  if (options.dryRun) {
    const rendered = refuseOnSynthError(() => renderInMemory({ root, site, apps, lock, layers: options.layers }), NOTHING_CHANGED);
    const subject = git(root, ['log', '-1', '--format=%s', 'HEAD'], 'cannot read HEAD');
    const preview = previewCommit(root, `Render dist/ for ${shortSubject(subject)}`, rendered);
    const head = git(root, ['rev-parse', 'HEAD'], 'cannot read HEAD');
    return { branch, remote, head, upToDate: remoteHead === head && !preview.files.length, preview };
  }

  // 3. Render and verify; nothing is committed when this fails.
  log(`publish: rendering ${path.relative(root, siteFile) || siteFile}`);
  const rendered = refuseOnSynthError(() => synth({ root, siteFile, layers: options.layers, registry: options.registry }), NOTHING_CHANGED);
  log(`publish: ${rendered.objects} objects rendered and verified`);

  // 4. Commit the render when it changed.
  const outputs = [...OUTPUT_DIRS, ...rendered.files.map((f) => f.path).filter((p) => !inOutputDirs(p) || ROOT_FILES.includes(p))];
  let renderCommit: string | undefined;
  const changed = gitStatus(root, outputs);
  if (changed.length) {
    const subject = git(root, ['log', '-1', '--format=%s', 'HEAD'], 'cannot read HEAD');
    git(root, ['add', '-A', '--', ...outputs], 'cannot stage the rendered output');
    git(root, ['commit', '--quiet', '-m', `Render dist/ for ${shortSubject(subject)}`], 'cannot commit the rendered output');
    renderCommit = git(root, ['rev-parse', 'HEAD'], 'cannot read HEAD');
    log(`publish: committed ${changed.length} rendered file${changed.length === 1 ? '' : 's'} as ${renderCommit.slice(0, 12)}`);
  } else {
    log('publish: the committed render is current');
  }
  const head = git(root, ['rev-parse', 'HEAD'], 'cannot read HEAD');

  // 5. Push.
  options.beforePush?.();
  if (remoteHead === head) return { branch, remote, renderCommit, head, upToDate: true };
  pushHead(root, remote, branch, 'publish', renderCommit ? `, including the render commit ${renderCommit.slice(0, 12)},` : '');
  return { branch, remote, renderCommit, head, upToDate: false };
}
