import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { isMap, isScalar, parseDocument } from 'yaml';
import { isJsonExact, sha256, writeCacheFile } from '../cache-file';
import { PlatformError } from '../platform-error';
import { yamlErrorParts } from '../yaml-error';

/**
 * The vendored upstream sources (`vendor/lock.yaml`): every chart and manifest set the platform
 * renders, where it came from, and the content hash synth checks before rendering it.
 */

/** One upstream source a vendored folder was copied from. */
export interface VendorSource {
  readonly name: string;
  readonly version: string;
  /** The upstream Git repository. */
  readonly repository: string;
  /** The release tag. */
  readonly ref: string;
  /** The commit the tag pointed at when it was vendored. */
  readonly commit: string;
}

/** A vendored Helm chart with its subcharts (unpacked under its `charts/`). */
export interface VendoredChart extends VendorSource {
  /** Folder, relative to the repository root. */
  readonly path: string;
  /** `hashTree` of the folder. */
  readonly sha256: string;
  readonly dependencies: readonly VendorSource[];
}

/** A vendored set of plain manifests or a kustomization. */
export interface VendoredManifests extends VendorSource {
  readonly path: string;
  readonly sha256: string;
}

export interface VendorLock {
  /** The lock file the entries were read from. */
  readonly file: string;
  readonly charts: Readonly<Record<string, VendoredChart>>;
  readonly manifests: Readonly<Record<string, VendoredManifests>>;
}

export const VENDOR_LOCK = 'vendor/lock.yaml';

/**
 * A content hash of a folder: sha256 over `<relative path>\0<sha256 of the bytes>\n` for every
 * regular file, sorted by path. Moves, renames and edits all change it.
 */
export function hashTree(dir: string): string {
  return treeHash(dir, (f) => sha256Hex(fs.readFileSync(path.join(dir, f))));
}

const sha256Hex = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/** The regular files under `dir`, relative and sorted (hashTree's list). */
function treeFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  walk('');
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function treeHash(dir: string, fileHash: (rel: string) => string): string {
  const h = createHash('sha256');
  for (const f of treeFiles(dir)) h.update(`${f}\0${fileHash(f)}\n`);
  return h.digest('hex');
}

/** Where synth keeps the file hashes of the vendored folders (git-ignored, beside verify's check cache). */
export const TREE_HASH_MEMO_FILE = '.synth-cache/vendor-file-hashes.json';
const MEMO_FORMAT = 1;
/**
 * A file whose modification or change time is this close to (or after) the moment it was hashed
 * is not trusted from the memo: it could have been rewritten within the same timestamp tick
 * without its stat changing (git's "racy" index entries).
 */
export const RACY_MS = 2000n;

/** How the memo records a stat: device, inode, size, modification and change times in nanoseconds. */
function memoStat(st: fs.BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/** One memo entry: the stat the file had when it was hashed, and its sha256. */
interface MemoEntry {
  readonly stat: string;
  readonly sha256: string;
}

/**
 * `hashTree` without reading unchanged files: each file's sha256 is remembered with its stat
 * (device, inode, size, modification and change times in nanoseconds), like git's index, in
 * `.synth-cache/vendor-file-hashes.json`, and re-read only when its stat differs. Honest because
 * writing a file always changes its stat: the change time cannot be set back by any tool (only
 * by setting the system clock back), and a file stat'd within RACY_MS of its last change is
 * hashed again next time. The tree hash is computed exactly as hashTree does from the file
 * hashes. A memo that does not read, is of another format or whose checksum does not match is
 * ignored (every file is read again); a mismatch with the lock is confirmed from the bytes
 * (`hashTree`) before anyone is told the files were edited.
 */
export class TreeHashMemo {
  private readonly entries: Map<string, MemoEntry>;
  private readonly used = new Map<string, MemoEntry>();
  private changed = false;
  /** Files read (and hashed) because the memo did not know them, in this run. */
  public hashed = 0;
  /** Why the memo file was ignored, if it was. */
  public readonly ignored?: string;

  /**
   * The memo at `file` (absolute); an empty one when there is none or it is unreadable. `now`
   * (nanoseconds since the epoch) is the clock the racy check compares stat times with.
   */
  public constructor(private readonly file: string, private readonly now: () => bigint = () => BigInt(Date.now()) * 1_000_000n) {
    const read = TreeHashMemo.read(file);
    this.entries = read.entries;
    if (read.ignored) this.ignored = read.ignored;
  }

  private static read(file: string): { entries: Map<string, MemoEntry>; ignored?: string } {
    const entries = new Map<string, MemoEntry>();
    let parsed: { format?: unknown; sum?: unknown; entries?: unknown };
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof parsed;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOENT' ? { entries } : { entries, ignored: 'not JSON' };
    }
    if (!parsed || typeof parsed !== 'object' || parsed.format !== MEMO_FORMAT || !parsed.entries || typeof parsed.entries !== 'object') return { entries, ignored: 'another format' };
    if (parsed.sum !== sha256Hex(JSON.stringify(parsed.entries))) return { entries, ignored: 'checksum mismatch' };
    for (const [key, e] of Object.entries(parsed.entries as Record<string, unknown>)) {
      const entry = e as Partial<MemoEntry>;
      if (typeof entry?.stat !== 'string' || typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) return { entries: new Map(), ignored: 'malformed entry' };
      entries.set(key, { stat: entry.stat, sha256: entry.sha256 });
    }
    return { entries };
  }

  /** `hashTree(dir)`, reusing the hashes of files whose stat is unchanged. */
  public hashTree(dir: string): string {
    return treeHash(dir, (rel) => this.hashOf(path.join(dir, rel)));
  }

  /**
   * The sha256 of `file` when the memo knows its stat now (the file is not read); else undefined.
   * A file that is not there, or not a plain file, gives undefined too: a link is asked about
   * itself (lstat), never trusted by the stat of what it points to, which `read` and `hashOf` may
   * have remembered under the link's path.
   */
  public trustedHash(file: string): string | undefined {
    let st: fs.BigIntStats | undefined;
    try {
      st = fs.lstatSync(file, { bigint: true });
    } catch {
      return undefined;
    }
    if (!st.isFile()) return undefined;
    const known = this.entries.get(file) ?? this.used.get(file);
    if (!known || known.stat !== memoStat(st)) return undefined;
    this.used.set(file, known);
    return known.sha256;
  }

  /** The sha256 of `file` (read when the memo does not know its stat now), remembered with its stat unless it changed too recently (RACY_MS). */
  public hashOf(file: string): string {
    const before = this.now();
    const st = fs.statSync(file, { bigint: true });
    const stat = memoStat(st);
    const known = this.entries.get(file);
    if (known && known.stat === stat) {
      this.used.set(file, known);
      return known.sha256;
    }
    const sha256 = sha256Hex(fs.readFileSync(file));
    this.remember(file, st, sha256, before);
    return sha256;
  }

  /**
   * Records that `file`, whose stat was `st`, has sha256 `sha256` (read after `before`, the clock
   * when its stat was taken): remembered unless racily clean, changed too close to `before` to tell
   * a later same-stat rewrite apart.
   */
  private remember(file: string, st: fs.BigIntStats, sha256: string, before: bigint): void {
    this.hashed++;
    this.changed = true;
    const latest = st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs;
    if (st.isFile() && latest < before - RACY_MS * 1_000_000n) this.used.set(file, { stat: memoStat(st), sha256 });
    else this.used.delete(file);
  }

  /**
   * The bytes of `file` and their sha256, remembered with the file's stat as `hashOf` remembers
   * them (the stat taken on the open file before reading it): a caller that needs the bytes anyway
   * does not make `hashOf` read them again. Throws as reading the file does.
   */
  public read(file: string): { readonly bytes: Buffer; readonly sha256: string } {
    const before = this.now();
    const fd = fs.openSync(file, 'r');
    let st: fs.BigIntStats;
    let bytes: Buffer;
    try {
      st = fs.fstatSync(fd, { bigint: true });
      bytes = fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    const sha256 = sha256Hex(bytes);
    const known = this.entries.get(file);
    if (known && known.stat === memoStat(st) && known.sha256 === sha256) this.used.set(file, known);
    else this.remember(file, st, sha256, before);
    return { bytes, sha256 };
  }

  /** Writes the entries used in this run (one synth's worth), when any changed; best effort. */
  public save(): void {
    if (!this.changed && this.used.size === this.entries.size) return;
    const entries = Object.fromEntries([...this.used].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    // An optimisation only: when it cannot be written, the next synth reads the files again.
    writeCacheFile(this.file, JSON.stringify({ format: MEMO_FORMAT, sum: sha256Hex(JSON.stringify(entries)), entries }));
  }
}

/** Where synth keeps the last vendor lock it parsed, as JSON, by the sha256 of its text (git-ignored). */
export const LOCK_MEMO_FILE = '.synth-cache/vendor-lock.json';
/** Bumped when what the memo holds changes (another value is ignored). */
const LOCK_MEMO_FORMAT = 1;

/** What `LOCK_MEMO_FILE` holds: the lock `parseVendorLock` made of the text whose sha256 is `text`, under the code that made it. */
interface LockMemo {
  readonly format: number;
  /** The fingerprint of the code that parsed it (`readVendorLock`'s `code`). */
  readonly code: string;
  readonly file: string;
  /** The sha256 of the lock's text. */
  readonly text: string;
  /** The sha256 of `JSON.stringify([charts, manifests])`: a memo whose entries do not match it is ignored. */
  readonly sum: string;
  readonly charts: Record<string, VendoredChart>;
  readonly manifests: Record<string, VendoredManifests>;
}

/**
 * Reads `vendor/lock.yaml` under `root`; throws naming the file and the entry when it is malformed.
 * With `code` (the fingerprint of the platform's code, lib/verify/check-cache.ts), the lock parsed
 * from the same text (its sha256) by the same code is taken from `LOCK_MEMO_FILE` under `root`
 * instead of parsing its YAML again (tens of ms per process), and a lock parsed is written there.
 * An optimisation only: a memo that is missing, does not read, is of another format or code, of
 * another text or whose checksum does not match is ignored, and the lock is parsed as without it
 * (a lock that does not parse is never in the memo: it is refused the same way every time). With
 * `writeMemo` false, the memo is read but a lock parsed is not written (the diff, the preview).
 */
export function readVendorLock(root: string, code?: string, writeMemo = true): VendorLock {
  const file = path.join(root, VENDOR_LOCK);
  if (!fs.existsSync(file)) return { file, charts: {}, manifests: {} };
  const text = fs.readFileSync(file, 'utf8');
  // Every synth reads the lock: the last one read is parsed again only when its text changed.
  if (lastLock?.file === file && lastLock.text === text) return lastLock.lock;
  const memoFile = path.join(root, LOCK_MEMO_FILE);
  const textHash = code === undefined ? '' : sha256(text);
  let lock = code === undefined ? undefined : lockFromMemo(memoFile, file, code, textHash);
  if (!lock) {
    lock = parseVendorLock(file, text);
    const entries = [lock.charts, lock.manifests];
    if (code !== undefined && writeMemo && isJsonExact(entries)) {
      const memo: LockMemo = { format: LOCK_MEMO_FORMAT, code, file, text: textHash, sum: sha256(JSON.stringify(entries)), charts: lock.charts, manifests: lock.manifests };
      writeCacheFile(memoFile, JSON.stringify(memo));
    }
  }
  lastLock = { file, text, lock };
  return lock;
}

/** The lock `LOCK_MEMO_FILE` holds for the text whose sha256 is `textHash`, parsed by `code`; undefined when it holds none (or is not to be trusted). */
function lockFromMemo(memoFile: string, file: string, code: string, textHash: string): VendorLock | undefined {
  let memo: Partial<LockMemo>;
  try {
    memo = JSON.parse(fs.readFileSync(memoFile, 'utf8')) as Partial<LockMemo>;
  } catch {
    return undefined;
  }
  if (!memo || typeof memo !== 'object' || memo.format !== LOCK_MEMO_FORMAT || memo.code !== code || memo.file !== file || memo.text !== textHash) return undefined;
  const { charts, manifests } = memo;
  if (!charts || typeof charts !== 'object' || !manifests || typeof manifests !== 'object' || memo.sum !== sha256(JSON.stringify([charts, manifests]))) return undefined;
  // Frozen as parseVendorLock freezes them; the entries are its own, JSON (`isJsonExact`) and checked by their sum.
  const frozenCharts: Record<string, VendoredChart> = {};
  for (const [name, entry] of Object.entries(charts)) frozenCharts[name] = Object.freeze({ ...entry, dependencies: Object.freeze(entry.dependencies) });
  const frozenManifests: Record<string, VendoredManifests> = {};
  for (const [name, entry] of Object.entries(manifests)) frozenManifests[name] = Object.freeze({ ...entry });
  return Object.freeze({ file, charts: Object.freeze(frozenCharts), manifests: Object.freeze(frozenManifests) });
}

/** The last lock `readVendorLock` parsed, with its file and text (a lock is frozen: it is shared). */
let lastLock: { readonly file: string; readonly text: string; readonly lock: VendorLock } | undefined;

/** The lock of `file` whose text is `text`; throws a PlatformError (a user's error: no stack) naming the file and the entry when it is malformed. */
function parseVendorLock(file: string, text: string): VendorLock {
  const document = parseDocument(text);
  if (document.errors.length) {
    const { at, what } = yamlErrorParts(document.errors[0]);
    throw new PlatformError(`${file}${at}: not valid YAML (${what}); restore it from git (git checkout -- ${VENDOR_LOCK})`);
  }
  // The shape is checked on the YAML nodes (the lock's own words for it), then read as plain data.
  const absent = (node: unknown) => node === null || node === undefined || (isScalar(node) && node.value === null);
  const top = document.contents;
  if (!absent(top) && !isMap(top)) throw new PlatformError(`${file}: must be a map with charts and manifests; restore it from git (git checkout -- ${VENDOR_LOCK})`);
  for (const section of ['charts', 'manifests']) {
    const node = isMap(top) ? top.get(section, true) : undefined;
    if (absent(node)) continue;
    if (!isMap(node)) throw new PlatformError(`${file}: ${section} must map names to vendored entries; restore it from git (git checkout -- ${VENDOR_LOCK})`);
    for (const pair of node.items) {
      const name = String(isScalar(pair.key) ? pair.key.value : pair.key);
      if (!isMap(pair.value)) throw new PlatformError(`${file}: ${section}.${name} must be a map (version, path, repository, ref, sha256); re-run npm run vendor -- ${name} <version>`);
    }
  }
  // An alias bomb (or any other text the parser refuses to expand) is the file's problem, not a bug of the code.
  let plain: unknown;
  try {
    plain = document.toJS();
  } catch (e) {
    throw new PlatformError(`${file}: cannot be read as data (${yamlErrorParts(e).what}); a lock needs no YAML aliases: restore it from git (git checkout -- ${VENDOR_LOCK})`);
  }
  const doc = (plain ?? {}) as { charts?: Record<string, Partial<VendoredChart>>; manifests?: Record<string, Partial<VendoredManifests>> };
  const need = (section: string, name: string, entry: Record<string, unknown>, keys: readonly string[]) => {
    for (const k of keys) {
      if (typeof entry[k] !== 'string' || !entry[k]) throw new PlatformError(`${file}: ${section}.${name}.${k} must be a non-empty string; re-run npm run vendor -- ${name} <version>`);
    }
  };
  const charts: Record<string, VendoredChart> = {};
  for (const [name, entry] of Object.entries(doc.charts ?? {})) {
    need('charts', name, entry as Record<string, unknown>, ['version', 'path', 'repository', 'ref', 'sha256']);
    charts[name] = Object.freeze({ ...(entry as VendoredChart), name, dependencies: Object.freeze(entry.dependencies ?? []) });
  }
  const manifests: Record<string, VendoredManifests> = {};
  for (const [name, entry] of Object.entries(doc.manifests ?? {})) {
    need('manifests', name, entry as Record<string, unknown>, ['version', 'path', 'repository', 'ref', 'sha256']);
    manifests[name] = Object.freeze({ ...(entry as VendoredManifests), name });
  }
  return Object.freeze({ file, charts: Object.freeze(charts), manifests: Object.freeze(manifests) });
}

/** A component a key of site.yaml `versions:` may pin that is vendored: a chart pin (in the lock under its chart's name) or a manifest set. */
export interface VendoredComponent {
  /** The `versions:` key. */
  readonly name: string;
  readonly kind: 'chart' | 'manifests';
  /** Its key in the lock's `charts:` or `manifests:`. */
  readonly key: string;
}

/**
 * The keys of `versions` (site.yaml's overrides) that pin a vendored component at a version `lock`
 * does not hold, each with the versions it does hold and what to do; `lockFile` is the lock as
 * the messages name it.
 */
export function unvendoredVersions(versions: Readonly<Record<string, string>>, components: readonly VendoredComponent[], lock: VendorLock, lockFile: string): { name: string; message: string }[] {
  const out: { name: string; message: string }[] = [];
  for (const c of components) {
    const version = versions[c.name];
    if (version === undefined) continue;
    const entry = (c.kind === 'chart' ? lock.charts : lock.manifests)[c.key];
    if (entry?.version === version) continue;
    const what = c.kind === 'chart' ? `chart ${c.key}` : `manifest set ${c.key}`;
    const vendorIt = `npm run vendor -- ${c.name} ${version}`;
    out.push({
      name: c.name,
      message: entry
        ? `${what} ${version} is not vendored: ${lockFile} holds ${entry.version} (allowed: ${entry.version}); write ${entry.version}, or vendor ${version} first (${vendorIt})`
        : `${what} ${version} is not vendored: ${lockFile} has no ${c.kind === 'chart' ? 'charts' : 'manifests'}.${c.key} (no version of it is allowed yet); vendor it first (${vendorIt})`,
    });
  }
  return out;
}
