import * as fs from 'fs';
import * as path from 'path';
import { isScalar, parseDocument, Scalar } from 'yaml';
import { APP_NAME, AppSpec, IMAGE_REF } from '../config/app-schema';
import { loadSite } from '../config/load';
import { appFiles, appNameOf, parseApp } from '../config/load-apps';
import { LAYER_NEEDS, PIN_NAMES } from '../layers';
import { CheckoutCommandOptions, checkoutTop, fastForwardBase, pushHead, recoverCheckout, refuseOnSynthError } from './branch';
import { DeliveryError } from './delivery-error';
import { git, gitStatus, StatusEntry } from './git';
import { OUTPUT_DIRS, SHARED_DIR } from '../render/write';
import { previewHost } from '../paas/conventions';
import { fsProblem, isSystemError } from '../system-error';
import { loadInputs, renderSite, synth } from '../synth';
import { CommitPreview, previewCommit, renderInMemory } from './preview';

/** The allocation lock of the apps' load-balancer addresses, committed beside them when present. */
export const APPS_LOCK = 'apps.lock.yaml';
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface ReleaseOptions extends CheckoutCommandOptions {
  /** The app: `apps/<app>.yaml`. */
  readonly app: string;
  /** A full image reference, or a tag or `sha256:` digest of the app's current repository. */
  readonly ref: string;
  /**
   * Accept a full image reference from another repository than the app's current one.
   * @default false: refused (a typo or a pasted reference of another app must not ship)
   */
  readonly allowRepositoryChange?: boolean;
}

export interface ReleaseResult {
  readonly app: string;
  /** The image the app ran before. */
  readonly previous: string;
  /** The image it runs now. */
  readonly image: string;
  /** The release commit; none when the app already ran `image`. */
  readonly commit?: string;
  readonly branch: string;
  readonly remote: string;
  /** The commit the remote branch now points to. */
  readonly head: string;
  /** The remote branch already was at `head`: nothing was pushed. */
  readonly upToDate: boolean;
  /**
   * The app's rollout pauses for `npm run promote -- <app>` (blueGreen without auto-promotion, as
   * in prod by default; canary with a pause that has no duration).
   */
  readonly waitsForPromotion: boolean;
  /**
   * Where the next release can be tried before it is promoted: `https://<preview host>` of a
   * blueGreen app with `expose.http` (lib/paas/conventions.ts `previewHost`); none otherwise.
   */
  readonly previewUrl?: string;
  /** With `dryRun`: the commit the release would make; nothing was written, committed or pushed. */
  readonly preview?: CommitPreview;
}

/** Whether a release of `app` waits for `npm run promote` once Argo CD syncs (the rendered Rollout's pause). */
export function waitsForPromotion(app: AppSpec): boolean {
  const s = app.strategy;
  if (s.type === 'blueGreen') return !(s.autoPromotion ?? app.environment !== 'prod');
  if (s.type === 'canary') return (s.steps ?? []).some((step) => 'pause' in step && step.pause?.duration === undefined);
  return false;
}

/** The repository of an image reference (`registry.example.com/apps/wiki`), if it has one. */
export function imageRepository(image: string): string | undefined {
  return IMAGE_REF.exec(image)?.groups?.repo;
}

/**
 * Refuses an image from another repository than the app's current one (unless `allow`): a release
 * changes the version of what runs, not what runs.
 */
export function refuseRepositoryChange(app: string, current: string, image: string, allow: boolean): void {
  const before = imageRepository(current);
  const after = imageRepository(image);
  if (allow || !before || before === after) return;
  throw new DeliveryError(
    `refused: ${image} is from the repository ${after ?? '(none)'}, but ${app} runs images of ${before}; ` +
      `if the app really moves to another repository, run the release again with --allow-repository-change. Nothing was changed.`,
  );
}

/**
 * The image a release reference means for an app that runs `current`: a full reference as it
 * is; a tag or a `sha256:` digest on the current repository (a digest alone replaces tag and
 * digest). Refuses anything that is not pinned.
 */
export function resolveImage(current: string, ref: string): string {
  const repo = IMAGE_REF.exec(current)?.groups?.repo;
  if (DIGEST.test(ref) || (TAG.test(ref) && !ref.startsWith('sha256'))) {
    if (!repo) throw new DeliveryError(`refused: the app's current image "${current}" has no repository to put "${ref}" on; give the full image reference`);
    if (ref === 'latest') throw new DeliveryError('refused: "latest" is a mutable tag: release a version tag, a digest sha256:<64 hex>, or repository@sha256:<digest>');
    return DIGEST.test(ref) ? `${repo}@${ref}` : `${repo}:${ref}`;
  }
  const m = IMAGE_REF.exec(ref);
  const tag = m?.groups?.tag;
  if (!m || ref.startsWith('sha256:') || (!m.groups?.digest && (!tag || tag === 'latest')) || !(ref.includes('/') || ref.includes(':') || ref.includes('@'))) {
    throw new DeliveryError(
      `refused: "${ref}" is not a release reference: give a full pinned image (registry.example.com/apps/wiki:1.4.2, ...@sha256:<64 hex>), a tag (1.4.2) or a digest (sha256:<64 hex>); "latest" and untagged images are not pinned`,
    );
  }
  return ref;
}

/** The text of an app spec with its `image` replaced; only that scalar changes (comments, quoting and layout stay). */
export function replaceImage(text: string, file: string, image: string): { text: string; previous: string } {
  const doc = parseDocument(text, { keepSourceTokens: true });
  if (doc.errors.length) throw new DeliveryError(`refused: ${file} is not valid YAML (${doc.errors[0].message.split('\n')[0]}); fix it first`);
  const node = doc.get('image', true);
  if (!isScalar(node) || typeof node.value !== 'string' || !node.range) throw new DeliveryError(`refused: ${file} has no image: line to release; add "image: <registry/repository:tag>"`);
  const [start, end] = node.range;
  const written = node.type === Scalar.QUOTE_DOUBLE ? JSON.stringify(image) : node.type === Scalar.QUOTE_SINGLE ? `'${image}'` : image;
  const next = `${text.slice(0, start)}${written}${text.slice(end)}`;
  if (parseDocument(next).get('image') !== image) throw new Error(`replacing the image of ${file} went wrong`);
  return { text: next, previous: node.value };
}

/** `<code> <path>` lines for a message. */
function describe(entries: readonly StatusEntry[]): string {
  return entries.map((e) => `  ${e.code} ${e.paths[0]}`).join('\n');
}

/** Runs `f`; a site, app, wiring or verify error becomes a refusal. */
/**
 * `npm run release -- <app> <image-tag-or-digest>`: sets the app's image in `apps/<app>.yaml`
 * (only that value changes), validates the app, synthesizes and verifies, commits the app file
 * with the render as "Release <app> <image>" and pushes to site.git.revision.
 *
 * Refuses an unknown app, an unpinned reference, uncommitted changes outside the app file and
 * the rendered output, and a push that would not be a fast-forward. When validation or synth
 * fails, the app file is restored and nothing is committed.
 */
export function release(options: ReleaseOptions): ReleaseResult {
  const log = options.log ?? (() => undefined);
  const root = checkoutTop(options.root, 'release');
  const remote = options.remote ?? 'origin';
  const siteFile = options.siteFile ?? path.join(root, 'site.yaml');
  // A synth killed part-way must not leave a mixed render to commit.
  recoverCheckout(root, 'release', log);
  const site = refuseOnSynthError(() => loadSite(siteFile, PIN_NAMES, LAYER_NEEDS), 'site.yaml is invalid');
  const branch = site.git.revision;

  // The app and the reference.
  const known = appFiles(path.join(root, 'apps')).map(appNameOf);
  if (!APP_NAME.test(options.app) || !known.includes(options.app)) {
    throw new DeliveryError(`refused: there is no app "${options.app}" (apps/${options.app}.yaml); the apps are ${known.length ? known.join(', ') : 'none yet'}`);
  }
  const rel = `apps/${options.app}.yaml`;
  const file = path.join(root, rel);
  const original = fs.readFileSync(file, 'utf8');
  const current = parseDocument(original).get('image');
  const image = resolveImage(typeof current === 'string' ? current : '', options.ref);
  refuseRepositoryChange(options.app, typeof current === 'string' ? current : '', image, options.allowRepositoryChange ?? false);

  // Only the app file and the rendered output may be uncommitted.
  const inOutputDirs = (p: string) => OUTPUT_DIRS.some((d) => p.startsWith(`${d}/`));
  let dirty = gitStatus(root).filter((e) => !e.paths.every((p) => p === rel || inOutputDirs(p)));
  if (dirty.some((e) => e.paths.some((p) => p.startsWith(`${SHARED_DIR}/`)))) {
    const generated = new Set(renderSite(site, options.layers).map((f) => f.path));
    dirty = dirty.filter((e) => !e.paths.every((p) => inOutputDirs(p) || generated.has(p)));
  }
  if (dirty.length) {
    throw new DeliveryError(
      `refused: uncommitted changes besides ${rel} and the rendered output:\n${describe(dirty)}\n` +
        'Commit them (git add <file>... && git commit) or stash them (git stash -u), then run npm run release again. Nothing was changed.',
    );
  }
  const remoteHead = fastForwardBase(root, remote, site, 'release');

  // Edit, validate, render; any failure puts the file back.
  const { text, previous } = replaceImage(original, rel, image);
  const spec = refuseOnSynthError(() => parseApp(text, rel, site, LAYER_NEEDS), `${rel} would not be valid with image ${image}`);
  const waits = waitsForPromotion(spec);
  const host = previewHost(spec, site.domain);
  const previewUrl = host ? `https://${host}` : undefined;
  if (options.dryRun) {
    const inputs = refuseOnSynthError(() => loadInputs(root, siteFile), 'the checkout does not render');
    const apps = inputs.apps.map((a) => (a.name === options.app ? spec : a));
    const rendered = refuseOnSynthError(() => renderInMemory({ root, site: inputs.site, apps, lock: inputs.lock, layers: options.layers }), `${rel} would not render with image ${image}`);
    const unchanged = previous === image && text === original;
    const preview = previewCommit(root, `Release ${options.app} ${image}`, rendered, unchanged ? [] : [rel]);
    const head = git(root, ['rev-parse', 'HEAD'], 'cannot read HEAD');
    return { app: options.app, previous, image, branch, remote, head, upToDate: remoteHead === head && !preview.files.length, waitsForPromotion: waits, ...(previewUrl ? { previewUrl } : {}), preview };
  }
  let commit: string | undefined;
  if (previous === image && text === original) {
    log(`release: ${options.app} already runs ${image}`);
  } else {
    replaceAppFile(file, rel, text, 'the app file is as it was, nothing was committed or pushed');
    let rendered;
    try {
      log(`release: ${rel}: image ${previous} -> ${image}; rendering`);
      rendered = refuseOnSynthError(() => synth({ root, siteFile, layers: options.layers, registry: options.registry }), 'synth failed; the app file is restored, dist/ and argocd/ are unchanged');
    } catch (e) {
      replaceAppFile(file, rel, original, `it still sets image ${image}: set it back to ${previous} by hand; before that, ${e instanceof Error ? e.message.replace(/\n/g, ' ') : String(e)}`);
      throw e;
    }
    const outputs = [rel, ...OUTPUT_DIRS, ...rendered.files.map((f) => f.path).filter((p) => !inOutputDirs(p))];
    if (fs.existsSync(path.join(root, APPS_LOCK))) outputs.push(APPS_LOCK);
    git(root, ['add', '-A', '--', ...outputs], 'cannot stage the release');
    git(root, ['commit', '--quiet', '-m', `Release ${options.app} ${image}`], 'cannot commit the release');
    commit = git(root, ['rev-parse', 'HEAD'], 'cannot read HEAD');
    log(`release: committed ${commit.slice(0, 12)} (${rendered.objects} objects rendered and verified)`);
  }
  const head = git(root, ['rev-parse', 'HEAD'], 'cannot read HEAD');
  options.beforePush?.();
  if (remoteHead === head) return { app: options.app, previous, image, commit, branch, remote, head, upToDate: true, waitsForPromotion: waits, ...(previewUrl ? { previewUrl } : {}) };
  pushHead(root, remote, branch, 'release', commit ? `, including the release commit ${commit.slice(0, 12)},` : '');
  return { app: options.app, previous, image, commit, branch, remote, head, upToDate: false, waitsForPromotion: waits, ...(previewUrl ? { previewUrl } : {}) };
}

/**
 * Replaces the app file `file` (`rel` in messages) with `text` whole or not at all: a temporary file
 * beside it, with its mode, renamed over it. Writing in place would leave it emptied or cut short on a full disk,
 * losing an uncommitted edit. A system error is a DeliveryError naming the file and what to do,
 * with `state` (what the app file and the checkout are then).
 */
function replaceAppFile(file: string, rel: string, text: string, state: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    // Its mode kept (a group-writable spec stays so).
    fs.writeFileSync(tmp, text, { mode: fs.statSync(file).mode & 0o7777 });
    fs.renameSync(tmp, file);
  } catch (e) {
    // The first error is the one reported: a failed clean-up is only added to it, never thrown instead.
    let leftOver = '';
    try {
      fs.rmSync(tmp, { force: true });
    } catch (cleanUp) {
      leftOver = `; its temporary file ${rel}${tmp.slice(file.length)} could not be removed either (${isSystemError(cleanUp) ? cleanUp.code : String(cleanUp)}): delete it by hand`;
    }
    if (!isSystemError(e)) throw e;
    throw new DeliveryError(`${rel} ${fsProblem(e.code, 'write') ?? `cannot be written (${e.message.split('\n')[0]})`}; ${state}${leftOver}`);
  }
}
