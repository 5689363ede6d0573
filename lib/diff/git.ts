import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import type { RenderedFile } from '../render/rendered-file';
import type { RevisionListing } from './revision-listing';

/** A problem the user can fix (bad revision, not a repository): the message says how. */
export class DiffError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiffError';
  }
}

/** Folders of a revision the diff reads: the rendered output and the generated docs. */
export const DIFF_FOLDERS = ['dist', 'argocd', 'docs', 'reports'] as const;

function git(root: string, args: readonly string[], input?: string): Buffer {
  return execFileSync('git', ['-C', root, ...args], { input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs git; undefined when it exits non-zero (for questions whose answer may be "no"). */
function tryGit(root: string, args: readonly string[]): string | undefined {
  try {
    return git(root, args).toString('utf8').trim();
  } catch {
    return undefined;
  }
}

/** The repository's top folder and `root`'s path inside it (`""` or `sub/`). */
function repository(root: string): { top: string; prefix: string } {
  // One git call: the top folder's line, then the prefix's (empty at the top).
  let lines: string[];
  try {
    lines = git(root, ['rev-parse', '--show-toplevel', '--show-prefix']).toString('utf8').split('\n');
  } catch {
    throw new DiffError(`${root} is not inside a git repository; run the diff in a clone of the platform repository (or pass --root <checkout>)`);
  }
  return { top: lines[0], prefix: lines[1] ?? '' };
}

/** The commit a revision names, or a DiffError saying what to pass instead. */
export function resolveRevision(root: string, ref: string): string {
  // One git call when the revision resolves; where the repository is, only to say why it did not.
  const sha = ref.startsWith('-') ? undefined : tryGit(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (sha) return sha;
  repository(root);
  if (ref.startsWith('-')) throw new DiffError(`"${ref}" is not a git revision; pass a branch, tag or commit to --base`);
  throw new DiffError(`unknown git revision "${ref}": pass a branch, tag or commit of this repository to --base (git log --oneline lists commits; fetch first if it is remote)`);
}

/** The default base: the merge base of HEAD and `main` (or `origin/main`), else HEAD itself. */
export function defaultBase(root: string): { sha: string; label: string } {
  const head = tryGit(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  if (!head) {
    // Where the repository is, only to say why there is no HEAD.
    repository(root);
    throw new DiffError('the repository has no commit yet: commit something, or pass --base <ref>');
  }
  for (const main of ['main', 'origin/main']) {
    if (!tryGit(root, ['rev-parse', '--verify', '--quiet', `${main}^{commit}`])) continue;
    const base = tryGit(root, ['merge-base', 'HEAD', main]);
    if (!base) throw new DiffError(`HEAD and ${main} share no history: pass --base <ref> to choose what to compare with`);
    return { sha: base, label: `${base.slice(0, 12)} (merge base of HEAD and ${main})` };
  }
  return { sha: head, label: `${head.slice(0, 12)} (HEAD; there is no branch main)` };
}

/**
 * The git object id `text` has as a blob: SHA-1 of `blob <size>\0<bytes>`, or SHA-256 in a
 * repository of that object format (told by the length of `like`, an id of the repository).
 */
export function blobId(text: string, like = '0'.repeat(40)): string {
  // The string is hashed as UTF-8 without a Buffer copy of it first (half the time over a large render).
  return createHash(like.length === 64 ? 'sha256' : 'sha1').update(`blob ${Buffer.byteLength(text, 'utf8')}\0`).update(text, 'utf8').digest('hex');
}

/**
 * The paths under `folders` whose bytes or mode in the working tree differ from the commit `sha`, as
 * git finds them (`git diff-index`, relative to `root`): a file whose stat is the one git's index
 * recorded is compared by the blob id recorded there, without reading it; one whose stat is not
 * (changed, or not refreshed since) is listed. Undefined when git cannot tell.
 */
export function changedInWorkingTree(root: string, sha: string, folders: readonly string[]): Set<string> | undefined {
  try {
    return changedPaths(git(root, ['diff-index', '--relative', '--no-renames', '--name-only', '-z', sha, '--', ...folders]).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The paths of `git diff-index --name-only -z`'s output. */
function changedPaths(out: string): Set<string> {
  return new Set(out.split('\0').filter((p) => p !== ''));
}

/**
 * Reads the committed files of `dist/`, `argocd/` and `docs/` at a commit, straight from git:
 * one `git ls-tree`, then every blob through one `git cat-file --batch` (fast when the objects
 * are packed, as in a clone; loose objects cost a file each).
 *
 * `known` (path -> text, e.g. the head's render) saves reading blobs git already holds: a
 * committed file whose blob id is the id of the known text at the same path has exactly those
 * bytes, so that text is returned without asking git for it. `onDisk` (path -> a file known to
 * hold the bytes and mode of the working tree's file at that path, e.g. the head's texts taken
 * from `dist/` that the render stats vouch for) saves reading, or even hashing, the files the
 * working tree did not change since the commit (`changedInWorkingTree`): such a committed file is
 * that very file (whose text may never be read). The result is the same either way.
 */
export function readRevision(root: string, sha: string, folders: readonly string[] = DIFF_FOLDERS, known?: ReadonlyMap<string, string>, onDisk?: ReadonlyMap<string, RenderedFile>, listed?: () => RevisionListing | undefined): RenderedFile[] {
  const early = listed?.();
  // Run in `root`, ls-tree lists `root`'s folders with paths relative to it (`root` may be a folder
  // of the repository): no call to ask where the repository's top is, unless git fails.
  let listing: string;
  try {
    listing = early?.tree ?? git(root, ['ls-tree', '-r', '-z', sha, '--', ...folders]).toString('utf8');
  } catch (e) {
    repository(root);
    throw e;
  }
  const changed = onDisk?.size ? (early?.changed !== undefined ? changedPaths(early.changed) : changedInWorkingTree(root, sha, folders)) : undefined;
  const entries: { path: string; oid: string; executable: boolean; content?: string; file?: RenderedFile }[] = [];
  for (const line of listing.split('\0')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, oid] = line.slice(0, tab).split(' ');
    if (type !== 'blob') continue;
    const file = line.slice(tab + 1);
    const executable = mode === '100755';
    const same = changed && !changed.has(file) ? onDisk?.get(file) : undefined;
    if (same !== undefined && same.path === file && Boolean(same.executable) === executable) {
      entries.push({ path: file, oid, executable, file: same });
      continue;
    }
    const text = known?.get(file);
    entries.push({ path: file, oid, executable, ...(text !== undefined && blobId(text, oid) === oid ? { content: text } : {}) });
  }
  if (entries.length === 0) return [];
  const wanted = entries.filter((e) => e.content === undefined && e.file === undefined);
  const out = wanted.length ? git(root, ['cat-file', '--batch', '--buffer'], `${wanted.map((e) => e.oid).join('\n')}\n`) : Buffer.alloc(0);
  let pos = 0;
  for (const entry of wanted) {
    const eol = out.indexOf(0x0a, pos);
    const header = out.toString('utf8', pos, eol).split(' ');
    if (header[0] !== entry.oid || header[1] !== 'blob') throw new DiffError(`git cat-file returned "${header.join(' ')}" for ${entry.path}; is the repository intact (git fsck)?`);
    const size = Number(header[2]);
    entry.content = out.toString('utf8', eol + 1, eol + 1 + size);
    pos = eol + 1 + size + 1;
  }
  return entries.map((e) => e.file ?? { path: e.path, content: e.content!, ...(e.executable ? { executable: true } : {}) });
}
