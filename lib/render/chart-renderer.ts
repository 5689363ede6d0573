import { createHash } from 'crypto';
import { isUtf8 } from 'buffer';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { isMap } from '../k8s/manifest';
import { PlatformError } from '../platform-error';
import * as os from 'os';
import { hashTree, readVendorLock, TREE_HASH_MEMO_FILE, TreeHashMemo, VendoredChart, VendoredManifests, VendorLock } from '../vendor/lock';
import { asciiJson, checkedCacheText, EntriesFile, readCheckedCache, sha256, writeCacheFile } from '../cache-file';
import { COMMITTED_RENDERS_FILE, CommittedRenders } from './committed-renders';
import { HELM, helmCacheDir, helmTemplate, kustomizeBuild, locateHelm, locateKubectl, REPO_ROOT } from './helm';
import { sortKeys } from './sort';
import { canonicalUpstreamObject, markCanonicalBody, markNullFree, type UpstreamDigestMemo } from './upstream-document';
import { unreadValues, ValuesFinding } from './values-check';

/**
 * Renders vendored charts with the pinned helm, through a cache: the committed render of a
 * chart (`render-cache/<release>.yaml`) is reused while its key matches, so a synth only needs
 * helm when a chart's inputs change. The key covers everything the output depends on: the
 * chart's content hash, the values, helm's version, the Kubernetes version and the API list.
 */

/** Folder (relative to the repository root) of the committed chart renders: outside every Argo CD path. */
export const RENDER_CACHE_DIR = 'render-cache';

/** Bumped when the way renders are made or cached changes (invalidates every cache entry). */
const RENDERER_REVISION = 1;

export interface ChartRenderRequest {
  /** The chart's name in vendor/lock.yaml (`argo-cd`). */
  readonly chart: string;
  /** The version the versions map (or site.yaml) pins. */
  readonly version: string;
  readonly release: string;
  readonly namespace: string;
  readonly values: object;
  /** `--kube-version`, e.g. v1.33.5. */
  readonly kubeVersion: string;
  /** `--api-versions`, sorted. */
  readonly apiVersions: readonly string[];
}

export interface KustomizeRenderRequest {
  /** The manifest set's name in vendor/lock.yaml. */
  readonly name: string;
  readonly version: string;
  /** Names the render in render-cache/ (unique per platform). */
  readonly release: string;
  /** The Kustomization to build: `resources` are relative to the vendored folder; patches, images, namespace as kustomize takes them. */
  readonly kustomization: { readonly resources?: readonly string[]; readonly [key: string]: unknown };
}

/** One chart's rendered output. */
export interface ChartRender {
  readonly key: string;
  /** `helm template`'s output as it printed it. */
  readonly text: string;
  /** The vendored folder it came from. */
  readonly source: { readonly path: string };
  /** Where it came from this time: the committed render, the local cache, or helm. */
  readonly origin: 'committed' | 'local' | 'helm';
  /**
   * The cache file it was read from, whole (`text` is the end of it): written back as it is when it
   * says the same, so that a large render is one string in memory, not two.
   * @default - none (rendered by helm)
   */
  readonly file?: string;
  /**
   * The sha256 of `text`, when known without hashing it (a committed render trusted by its stat).
   * @default - hashed when needed
   */
  readonly textHash?: string;
}

export interface ChartRendererOptions {
  /**
   * The checkout whose vendor/ and render-cache/ are used.
   * @default the repository this code is in
   */
  readonly root?: string;
  /**
   * Ignore the committed and local caches and render each chart with helm (once per process):
   * CI's synth proves the committed renders this way.
   * @default true when the environment variable TSYS_FRESH_RENDER is set (`npm run synth -- --fresh`)
   */
  readonly fresh?: boolean;
  /**
   * Whether the vendored files' hashes are memoised by stat in the checkout's `TREE_HASH_MEMO_FILE`
   * (read on first use, written by `saveCaches`); without, every vendored file is hashed and no
   * file of `.synth-cache/` is read or written (`synth({ cache: false })`).
   * @default true
   */
  readonly hashMemo?: boolean;
  /**
   * The fingerprint of the platform's code (lib/verify/check-cache.ts `checksCodeFingerprint`): with
   * it (and `hashMemo`, not `fresh`), the vendor lock parsed by this code is kept in the checkout's
   * `LOCK_MEMO_FILE` by its text's sha256, and read from there while the text is the same.
   * @default - none: the lock's YAML is parsed in every process
   */
  readonly code?: string;
  /**
   * Whether `saveCaches` saves nothing: the memo of the vendored files' hashes, the record of the
   * committed renders and (with `code`) the parsed vendor lock in `.synth-cache/` are read, never
   * written (the diff and the preview, which promise to leave synth's caches alone).
   * @default false
   */
  readonly readOnlyCaches?: boolean;
}

/** The layout of what `CommittedRenders` records of a committed file (its header and text split as `parseCacheFile` does): another value ignores the record. */
const COMMITTED_REVISION = 'committed-renders 1';

/** One process-wide memo: tests build the platform many times with the same charts. */
const memo = new Map<string, ChartRender>();
const checkedTrees = new Map<string, string>();
const parsedMemo = new Map<string, ChartObject[]>();
/** The lists of `parsedMemo` parsed from a render's text in this process (not read from the local cache). */
const parsedHere = new WeakSet<ChartObject[]>();
/** Objects read or parsed by a renderer with a memo of document digests (their documents' digests are looked up there). */
const parsedWithMemo = new WeakSet<ChartObject[]>();
/** The memos of document digests of this process, by file and code: every renderer of a checkout records into one, and any of them saves it. */
const digestMemos = new Map<string, UpstreamDigests>();
/** Renders whose `textHash` this process computed from their bytes (`readCommitted`), not taken from a cache record (`trustCommitted`). */
const hashedHere = new WeakSet<ChartRender>();
/** The sha256 of each render's text, by render (renders are never changed, and the memo gives the same one to each build in a process). */
const textHashes = new WeakMap<ChartRender, string>();

/** The values check's own source: a change to it makes every cached result stale. */
let valuesCheckRevision: string | undefined;
function valuesCheckSource(): string {
  if (valuesCheckRevision === undefined) {
    const candidates = ['values-check.ts', 'values-check.js'].map((f) => path.join(__dirname, f));
    const found = candidates.find((f) => fs.existsSync(f));
    valuesCheckRevision = createHash('sha256').update(found ? fs.readFileSync(found) : 'unknown').digest('hex');
  }
  return valuesCheckRevision;
}

export class ChartRenderer {
  public readonly root: string;
  public readonly fresh: boolean;
  private readonly hashMemo: boolean;
  private readonly readOnlyCaches: boolean;
  private readonly code?: string;
  private lockCache?: VendorLock;
  private treeMemo?: TreeHashMemo;
  private digestMemo?: UpstreamDigests;
  /** The renders this build used, by release (each becomes `render-cache/<release>.yaml`). */
  private readonly usedRenders = new Map<string, ChartRender>();
  /** What the committed render files hold, by their sha256 (read on first use, saved by `saveCaches`). */
  private committedMemo?: CommittedRenders;
  /** The releases whose committed file on disk is known (by its stat) to hold exactly `cacheFileText` of the render used, with that file's sha256. */
  private readonly onDisk = new Map<string, string>();

  constructor(options: ChartRendererOptions = {}) {
    this.root = options.root ?? REPO_ROOT;
    this.fresh = options.fresh ?? !!process.env.TSYS_FRESH_RENDER;
    this.hashMemo = options.hashMemo ?? true;
    this.readOnlyCaches = options.readOnlyCaches ?? false;
    if (options.code !== undefined && this.hashMemo && !this.fresh) this.code = options.code;
  }

  /**
   * The digests of upstream documents kept in the local cache (read on first use), when this
   * renderer keeps memos under a code fingerprint; a fresh renderer (CI's proof of the committed
   * renders) has none: it hashes every document it makes.
   */
  private upstreamDigests(): UpstreamDigestMemo | undefined {
    if (this.code === undefined) return undefined;
    if (this.digestMemo) return this.digestMemo;
    const file = path.join(helmCacheDir(this.root), UPSTREAM_DIGESTS_FILE);
    const key = `${file}\n${this.code}`;
    let memo = digestMemos.get(key);
    if (!memo) digestMemos.set(key, (memo = new UpstreamDigests(file, this.code)));
    return (this.digestMemo = memo);
  }

  /** The memo of the vendored files' hashes (read on first use). */
  private treeHashes(): TreeHashMemo {
    return (this.treeMemo ??= new TreeHashMemo(path.join(this.root, TREE_HASH_MEMO_FILE)));
  }

  private committedRenders(): CommittedRenders {
    return (this.committedMemo ??= new CommittedRenders(path.join(this.root, COMMITTED_RENDERS_FILE), `${COMMITTED_REVISION} helm ${HELM.version}`));
  }

  /**
   * Saves what checking the vendored folders learnt (file hashes by stat) and what the committed
   * render files hold, for the next synth (after a verified swap: each used render's committed file
   * is then its `cacheFileText`, which is recorded once the file on disk is found to hold it).
   */
  public saveCaches(): void {
    if (this.readOnlyCaches) return;
    if (this.hashMemo && !this.fresh && this.usedRenders.size) {
      for (const [release, r] of this.usedRenders) {
        if (this.onDisk.has(release)) continue;
        const file = path.join(this.root, RENDER_CACHE_DIR, `${release}.yaml`);
        const content = cacheFileText(r, { release });
        try {
          if (this.treeHashes().hashOf(file) !== sha256(content)) continue;
        } catch {
          continue;
        }
        this.committedRenders().record(content, cacheFileHeader(r, { release }), r.key, r.text);
      }
      this.committedMemo?.save();
    }
    this.treeMemo?.save();
    this.digestMemo?.save();
  }

  /** Whether the rendered file `file` (`cacheFiles`) is known to be on disk as it is: the write need not compare it. */
  public isOnDisk(file: string): boolean {
    const prefix = `${RENDER_CACHE_DIR}/`;
    return file.startsWith(prefix) && file.endsWith('.yaml') && this.onDisk.has(file.slice(prefix.length, -'.yaml'.length));
  }

  public get lock(): VendorLock {
    return (this.lockCache ??= readVendorLock(this.root, this.code, !this.readOnlyCaches));
  }

  /** The vendored chart for a pinned version; throws saying how to vendor it when it is missing or altered. */
  public vendored(chart: string, version: string): VendoredChart {
    const entry = this.lock.charts[chart];
    if (!entry) {
      throw new PlatformError(`chart ${chart} ${version} is not vendored (${path.relative(this.root, this.lock.file)} has no charts.${chart}); run npm run vendor -- ${chart} ${version}`);
    }
    if (entry.version !== version) {
      throw new PlatformError(`chart ${chart} is pinned to ${version}, but ${path.relative(this.root, this.lock.file)} vendors ${entry.version}; run npm run vendor -- ${chart} ${version} (or pin ${entry.version})`);
    }
    this.checkTree(entry.path, entry.sha256, `${chart} ${version}`);
    return entry;
  }

  /** Renders a chart (or reuses a render with the same key). */
  public render(req: ChartRenderRequest): ChartRender {
    const source = this.vendored(req.chart, req.version);
    const key = renderKey(req, source);
    return this.cached(req.release, key, source, `chart ${req.chart} ${req.version} (release ${req.release})`, () => {
      const helm = locateHelm();
      const template = { chartDir: path.join(this.root, source.path), release: req.release, namespace: req.namespace, values: req.values, kubeVersion: req.kubeVersion, apiVersions: req.apiVersions };
      const first = helmTemplate(template, helm);
      // Only templates that call a random or clock function can render differently twice:
      // those charts are rendered a second time to prove this render is not one of them.
      return [first, randomFunctionsIn(template.chartDir).length ? helmTemplate(template, helm) : first];
    });
  }

  /** The vendored manifest set for a pinned version; throws saying how to vendor it when it is missing or altered. */
  public vendoredManifests(name: string, version: string): VendoredManifests {
    const entry = this.lock.manifests[name];
    const lockFile = path.relative(this.root, this.lock.file);
    if (!entry) throw new PlatformError(`manifests ${name} ${version} are not vendored (${lockFile} has no manifests.${name}); run npm run vendor -- ${name} ${version}`);
    if (entry.version !== version) throw new PlatformError(`${name} is pinned to ${version}, but ${lockFile} vendors ${entry.version}; run npm run vendor -- ${name} ${version} (or pin ${entry.version})`);
    this.checkTree(entry.path, entry.sha256, `${name} ${version}`);
    return entry;
  }

  /**
   * Renders a kustomization over a vendored manifest set with `kubectl kustomize` (or reuses a
   * render with the same key). `kustomization` is a Kustomization whose `resources` are paths
   * inside the vendored folder.
   */
  public renderKustomization(req: KustomizeRenderRequest): ChartRender {
    const source = this.vendoredManifests(req.name, req.version);
    const key = createHash('sha256').update(JSON.stringify({
      revision: RENDERER_REVISION, kubectl: HELM.kubectlVersion, name: req.name, version: req.version, sha256: source.sha256, kustomization: sortKeys(req.kustomization),
    })).digest('hex');
    return this.cached(req.release, key, source, `manifests ${req.name} ${req.version}`, () => {
      const kubectl = locateKubectl();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsys-kustomize-'));
      try {
        // kustomize takes no absolute roots: build over a copy of the vendored folder.
        fs.cpSync(path.join(this.root, source.path), path.join(dir, 'upstream'), { recursive: true });
        // A folder of plain manifests (no kustomization of its own) stands for its YAML files, sorted.
        const resources = (req.kustomization.resources ?? []).flatMap((r) => {
          const abs = path.join(dir, 'upstream', r);
          const isDir = fs.statSync(abs).isDirectory();
          if (!isDir || ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].some((k) => fs.existsSync(path.join(abs, k)))) return [path.posix.join('upstream', r)];
          return fs.readdirSync(abs).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.posix.join('upstream', r, f));
        });
        fs.writeFileSync(path.join(dir, 'kustomization.yaml'), JSON.stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', ...req.kustomization, resources }));
        return [kustomizeBuild(dir, kubectl), kustomizeBuild(dir, kubectl)];
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  private checkTree(rel: string, sha256: string, what: string): void {
    const dir = path.join(this.root, rel);
    if (!fs.existsSync(dir)) throw new PlatformError(`${rel}: missing, although ${path.relative(this.root, this.lock.file)} lists ${what}; run npm run vendor -- ${what}`);
    let actual = checkedTrees.get(dir);
    if (actual === undefined) {
      // Unchanged files (same stat) are not read again; a mismatch is confirmed from the bytes.
      actual = this.fresh || !this.hashMemo ? hashTree(dir) : this.treeHashes().hashTree(dir);
      if (actual !== sha256) actual = hashTree(dir);
      checkedTrees.set(dir, actual);
    }
    if (actual !== sha256) {
      throw new PlatformError(`${rel}: its content hash is ${actual}, the lock says ${sha256}: the vendored files were edited; restore them with git checkout -- ${rel} or re-vendor with npm run vendor -- ${what}`);
    }
  }

  private cached(release: string, key: string, source: { path: string }, what: string, produce: () => [string, string]): ChartRender {
    const committedFile = path.join(this.root, RENDER_CACHE_DIR, `${release}.yaml`);
    const localFile = path.join(helmCacheDir(this.root), 'renders', `${key}.yaml`);
    // A fresh renderer still reuses what helm rendered in this process.
    let render: ChartRender | undefined = memo.get(key);
    if (render && this.fresh && render.origin !== 'helm') render = undefined;
    // The committed file on disk, when its stat says it holds exactly this render (its text is then read only when asked for).
    const trusted = this.fresh || !this.hashMemo ? undefined : this.trustCommitted(release, committedFile, key, source);
    if (!render && trusted) render = trusted;
    if (!render && !this.fresh) {
      const committed = this.readCommitted(release, committedFile, key, source);
      if (committed) render = committed;
      else {
        const local = readLocalCacheFile(localFile);
        if (local?.key === key) render = { key, text: local.text, source, origin: 'local', file: local.file };
      }
    }
    if (!render) {
      const [first, second] = produce();
      if (first !== second) throw new PlatformError(randomnessMessage(what, first, second));
      render = { key, text: first, source, origin: 'helm' };
      // The local cache is an optimisation only: a failure to write it (a full disk) leaves no partial file.
      writeCacheFile(localFile, checkedCacheText(cacheFileText(render, { release })));
    }
    // A trusted render reads its file when asked: it is this checkout's, not one for every build of the process.
    if (render !== trusted) memo.set(key, render);
    const previous = this.usedRenders.get(release);
    if (previous && previous.key !== key) {
      throw new PlatformError(`two renders named ${release} with different inputs; give each upstream component its own name`);
    }
    this.usedRenders.set(release, render);
    return render;
  }

  /**
   * The render of `key` in the committed file `file` (its key line says `key`), read as bytes: when
   * they are UTF-8 (as helm writes), the text's sha256 is that of its bytes, so the objects' cache
   * (`objectsOf`) is found without decoding megabytes, and the text is decoded only when asked for.
   * When the file's header is the one `cacheFileText` writes for this render, the file is on disk as
   * the write would make it (`isOnDisk`); with the hash memo, what it holds is recorded for the next
   * synth (`trustCommitted`) from the hashes made here. Undefined when the file does not read,
   * holds another key, or its render's bytes do not hash to the sha256 its first line carries (cut
   * short, edited, a flipped bit). Bytes that are not UTF-8 pass that check only when the hash was
   * made from them (never by `cacheFileText`, which hashes a string's UTF-8): they are decoded now.
   */
  private readCommitted(release: string, file: string, key: string, source: { path: string }): ChartRender | undefined {
    let read: { readonly bytes: Buffer; readonly sha256?: string };
    // Only a plain file, not executable, is as the write makes it: a link or an executable file is
    // read as before, neither taken as on disk (the write replaces it) nor remembered by its stat.
    let plain: boolean;
    try {
      const st = fs.lstatSync(file);
      plain = st.isFile() && (st.mode & 0o100) === 0;
      read = plain && this.hashMemo && !this.readOnlyCaches ? this.treeHashes().read(file) : { bytes: fs.readFileSync(file) };
    } catch {
      return undefined;
    }
    const bytes = read.bytes;
    const first = bytes.indexOf(10);
    const second = first < 0 ? -1 : bytes.indexOf(10, first + 1);
    if (second < 0 || bytes.toString('latin1', first + 1, second) !== `# key: ${key}`) return undefined;
    // The key names the inputs, not what the file holds: a render truncated or edited by hand (a bad
    // merge, a flipped bit) would be taken as helm's output and its objects put in dist/. Its first
    // line carries the sha256 of the render: a file whose render is not that one is rendered again.
    const textHash = sha256(bytes.subarray(second + 1));
    if (recordedTextHash(bytes.toString('latin1', 0, first)) !== textHash) return undefined;
    if (!isUtf8(bytes)) {
      const decoded = parseCacheFile(bytes.toString('utf8'));
      return decoded?.key === key ? { key, text: decoded.text, source, origin: 'committed', file: decoded.file } : undefined;
    }
    const header = Buffer.from(cacheFileHeader({ key, source, textHash }, { release }), 'utf8');
    if (plain && second + 1 === header.length && header.equals(bytes.subarray(0, second + 1))) {
      const fileHash = read.sha256 ?? sha256(bytes);
      this.onDisk.set(release, fileHash);
      if (this.hashMemo && !this.readOnlyCaches) this.committedRenders().recordHashes(fileHash, { key, textHash, headerHash: sha256(header) });
    }
    // The key line was read from these bytes: their text parses as the file of this key.
    let decoded: { readonly text: string; readonly file: string } | undefined;
    const load = (): { readonly text: string; readonly file: string } => (decoded ??= parseCacheFile(bytes.toString('utf8'))!);
    const render: ChartRender = {
      key,
      source,
      origin: 'committed',
      textHash,
      get text() {
        return load().text;
      },
      get file() {
        return load().file;
      },
    };
    hashedHere.add(render);
    return render;
  }

  /**
   * A render of `key` whose text is in the committed file `file`, when the file's stat is one the
   * vendored files' memo recorded and what its bytes hold was recorded too (`CommittedRenders`): the
   * key, and the header `cacheFileText` writes for it. The file is then on disk as the render would
   * write it (`isOnDisk`), and its text is read only when asked for; if its bytes changed since (the
   * file edited while synth runs), that read throws.
   */
  private trustCommitted(release: string, file: string, key: string, source: { path: string }): ChartRender | undefined {
    const fileHash = this.treeHashes().trustedHash(file);
    if (fileHash === undefined) return undefined;
    const known = this.committedRenders().get(fileHash);
    if (!known || known.key !== key || known.headerHash !== sha256(cacheFileHeader({ key, source, textHash: known.textHash }, { release }))) return undefined;
    this.onDisk.set(release, fileHash);
    let loaded: { readonly text: string; readonly file: string } | undefined;
    const load = (): { readonly text: string; readonly file: string } => {
      if (!loaded) {
        const bytes = fs.readFileSync(file);
        const read = sha256(bytes) === fileHash ? parseCacheFile(bytes.toString('utf8')) : undefined;
        if (!read || read.key !== key) throw new PlatformError(`${path.relative(this.root, file)} changed while it was being read; run the command again`);
        loaded = read;
      }
      return loaded;
    };
    return {
      key,
      source,
      origin: 'committed',
      textHash: known.textHash,
      get text() {
        return load().text;
      },
      get file() {
        return load().file;
      },
    };
  }

  /**
   * The values a vendored chart does not read (lib/render/values-check.ts), through the local
   * cache: the answer depends only on the chart's files (their hash in the lock), the values, the
   * free-form paths and the check's own source, and scanning the large charts' templates costs a
   * second or more on every synth. A fresh renderer (CI) always scans.
   */
  public unreadValues(source: VendoredChart, values: object, freeForm: readonly string[] = []): readonly ValuesFinding[] {
    const key = createHash('sha256').update(JSON.stringify({
      check: valuesCheckSource(), chart: source.sha256, path: source.path, values: sortKeys(values), freeForm: [...freeForm].sort(),
    })).digest('hex');
    const file = path.join(helmCacheDir(this.root), 'values-checks', `${key}.json`);
    if (!this.fresh) {
      try {
        const parsed = JSON.parse(readCheckedCache(file) ?? 'null') as { key?: string; findings?: ValuesFinding[] } | null;
        if (parsed && parsed.key === key && Array.isArray(parsed.findings) && parsed.findings.every((f) => typeof f?.path === 'string' && typeof f?.reason === 'string')) {
          return parsed.findings;
        }
      } catch {
        // Missing or unreadable: scan.
      }
    }
    const findings = unreadValues(path.join(this.root, source.path), values, freeForm);
    writeCacheFile(file, checkedCacheText(JSON.stringify({ key, findings })));
    return findings;
  }

  /**
   * The objects of a render (chartObjects) without their null values (to the API server a null field
   * is an unset one: ./upstream-document.ts `withoutNulls`), every map's keys sorted as the render
   * writes them, read through a JSON copy in the local cache: YAML 1.1 parsing of the large charts
   * costs seconds, JSON.parse milliseconds. A fresh renderer parses the text (and writes the cache
   * afresh). Each object with an exact body is frozen throughout (shared by every build of the
   * process, its body digest fixed: a change would make the digests remembered for its documents
   * wrong) and its documents' digests are remembered (`upstreamDigests`); a patch works on a copy.
   */
  public objectsOf(render: ChartRender, what: string): ChartObject[] {
    // Keyed by the text itself: a committed render and a fresh one of the same inputs may differ.
    const textHash = textHashOf(render);
    // A fresh renderer (CI's proof of the committed renders, `--fresh`) takes only objects parsed from a render's text in this process, never the local cache's.
    const cached = parsedMemo.get(textHash);
    // A renderer with a memo does not take objects whose digests another must hash (nor the reverse: it would not record theirs).
    if (cached && (this.fresh ? parsedHere.has(cached) : !!this.upstreamDigests() === parsedWithMemo.has(cached))) return cached;
    const file = path.join(helmCacheDir(this.root), 'renders', `${textHash}.objects.json`);
    let objects: ChartObject[] | undefined;
    if (!this.fresh) {
      try {
        // Written all ASCII (`asciiJson`): Node decodes it and V8 parses it (one byte a character) faster.
        // A file of an earlier format (without the objects' templates, perhaps not ASCII) is made again, once.
        // Checked (`readCheckedCache`): a flipped bit that leaves valid JSON would otherwise put wrong objects in dist/.
        const parsed = JSON.parse(readCheckedCache(file) ?? 'null') as { key?: string; nullFree?: boolean; format?: number; objects?: ChartObject[]; bodies?: unknown[] } | null;
        if (!parsed) throw new Error('not intact');
        const bodies = parsed.bodies;
        if (parsed.key === textHash && parsed.nullFree === true && parsed.format === OBJECTS_FORMAT && Array.isArray(parsed.objects) && Array.isArray(bodies) && bodies.length === parsed.objects.length
          && bodies.every((b) => b === null || (typeof b === 'string' && SHA256_HEX.test(b)))) {
          objects = parsed.objects;
          // Written from `canonicalUpstreamObject`'s copies (below): the render does not walk them again to drop nulls, nor copy a canonical body to sort it.
          const memo = this.upstreamDigests();
          objects.forEach((o, i) => {
            const body = bodies[i];
            if (typeof body === 'string') markCanonicalBody(o.object, body, memo);
            else markNullFree(o.object);
          });
          // Read with this renderer's memo: a fresh renderer of the same process parses the text itself (below).
          if (memo) parsedWithMemo.add(objects);
        }
      } catch {
        objects = undefined;
      }
    }
    if (!objects) {
      // Nulls dropped once here, as every document made of them drops them (./upstream-document.ts).
      // Keys sorted (each map as the render writes it) and nulls dropped once here: the documents made of a canonical body take it as it is.
      const bodies: (string | null)[] = [];
      const memo = this.upstreamDigests();
      objects = chartObjects(render.text, what).map((o) => {
        let canonical = canonicalUpstreamObject(o.object);
        // A value JSON has no text for (-0, NaN, an infinity) is what the cache gives back from now on (0, or
        // left out as null is): taken so here too, so that the first synth and the next ones make the same documents.
        if (canonical.bodyDigest === undefined) canonical = canonicalUpstreamObject(JSON.parse(JSON.stringify(canonical.object)) as Record<string, unknown>);
        if (canonical.bodyDigest !== undefined) markCanonicalBody(canonical.object, canonical.bodyDigest, memo);
        bodies.push(canonical.bodyDigest ?? null);
        return { source: o.source, object: canonical.object };
      });
      // Parsed here under a hash of this text (not one a cache record gave): a fresh renderer may take
      // them, unless their documents' digests come from a memo (a fresh renderer reads none).
      if (memo) parsedWithMemo.add(objects);
      else if (render.textHash === undefined || hashedHere.has(render)) parsedHere.add(objects);
      writeCacheFile(file, checkedCacheText(asciiJson({ key: textHash, nullFree: true, format: OBJECTS_FORMAT, objects, bodies })));
    }
    parsedMemo.set(textHash, objects);
    return objects;
  }

  /** The committed render files for every chart this build used (`render-cache/<release>.yaml`). */
  public cacheFiles(): { path: string; content: string; digest?: string }[] {
    return [...this.usedRenders.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([release, r]) => {
        const p = `${RENDER_CACHE_DIR}/${release}.yaml`;
        const digest = this.onDisk.get(release);
        // On disk as it is (`isOnDisk`): its text is read only if something asks for it.
        if (digest !== undefined) return { path: p, digest, get content() { return cacheFileText(r, { release }); } };
        return { path: p, content: cacheFileText(r, { release }) };
      });
  }
}

const RANDOM_FUNCTIONS = /\b(randAlphaNum|randAlpha|randNumeric|randAscii|randBytes|randInt|genCA|genCAWithKey|genPrivateKey|genSelfSignedCert|genSelfSignedCertWithKey|genSignedCert|genSignedCertWithKey|uuidv4|now|htpasswd|shuffle|bcrypt|encryptAES|derivePassword)\b/;
const randomScan = new Map<string, string[]>();

/** Template files of a chart (subcharts included) that call a random or clock function. */
export function randomFunctionsIn(chartDir: string): string[] {
  let found = randomScan.get(chartDir);
  if (found) return found;
  found = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/[\\/]templates[\\/]/.test(p) && RANDOM_FUNCTIONS.test(fs.readFileSync(p, 'utf8'))) found!.push(path.relative(chartDir, p));
    }
  };
  walk(chartDir);
  randomScan.set(chartDir, found.sort());
  return found;
}

/** The cache key of a render: every input that can change helm's output. */
export function renderKey(req: ChartRenderRequest, source: VendoredChart): string {
  const inputs = {
    revision: RENDERER_REVISION,
    helm: HELM.version,
    chart: { name: req.chart, version: source.version, sha256: source.sha256 },
    release: req.release,
    namespace: req.namespace,
    kubeVersion: req.kubeVersion,
    apiVersions: [...req.apiVersions].sort(),
    values: sortKeys(req.values),
  };
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
}

/**
 * The text of a render's cache file (`render-cache/<release>.yaml`): two header lines (helm's
 * version, the release, the vendored folder; the key), then the render. The file the render was
 * read from when it is exactly that (its header is the same, and the render is the rest of it).
 */
export function cacheFileText(r: ChartRender, req: { release: string }): string {
  const header = cacheFileHeader(r, req);
  // A render is never changed, and the memo gives the same one to every build in a process: its file is compared (megabytes) once per header.
  const known = cacheFileTexts.get(r);
  if (known?.header === header) return known.text;
  const text = r.file !== undefined && r.file.length === header.length + r.text.length && r.file.startsWith(header) && r.file.endsWith(r.text) ? r.file : header + r.text;
  cacheFileTexts.set(r, { header, text });
  return text;
}

/** The last `cacheFileText` of each render, with its header. */
const cacheFileTexts = new WeakMap<ChartRender, { readonly header: string; readonly text: string }>();

/**
 * The two header lines of a render's cache file (`cacheFileText`): the first names the render and
 * carries the sha256 of its text (`recordedTextHash`), the second its key.
 */
export function cacheFileHeader(r: Pick<ChartRender, 'key' | 'source'> & ({ readonly textHash: string } | Pick<ChartRender, 'text' | 'textHash'>), req: { release: string }): string {
  return `# helm ${HELM.version} template ${req.release} ${r.source.path}: written by npm run synth, reused while the key matches and the render's sha256 is ${textHashOf(r)}. Not applied by Argo CD.\n# key: ${r.key}\n`;
}

/** The sha256 of a render's text: known, or hashed once (a render is never changed). */
function textHashOf(r: { readonly textHash?: string; readonly text?: string }): string {
  if (r.textHash !== undefined) return r.textHash;
  const known = textHashes.get(r as ChartRender);
  if (known !== undefined) return known;
  const hash = createHash('sha256').update(r.text!).digest('hex');
  textHashes.set(r as ChartRender, hash);
  return hash;
}

/** The sha256 a committed render file's first line says its render has; undefined when it says none (a file of an earlier format, or edited). */
export function recordedTextHash(firstLine: string): string | undefined {
  return / the render's sha256 is ([0-9a-f]{64})\. /.exec(firstLine)?.[1];
}

/** A cache file's key and render (the text after its two header lines), and the whole file; undefined when unreadable or without a key line. */
export function readCacheFile(file: string): { key: string; text: string; file: string } | undefined {
  let content: string;
  try {
    content = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return parseCacheFile(content);
}

/**
 * A render in the local cache (`<helm cache>/renders/<key>.yaml`): the text of its committed file,
 * checked (`checkedCacheText`): the file is trusted by its key line, so a flipped bit or an edit
 * of the render would otherwise be taken as helm's output. Undefined when it does not read, is
 * not intact, or has no key line.
 */
function readLocalCacheFile(file: string): { key: string; text: string; file: string } | undefined {
  const content = readCheckedCache(file);
  return content === undefined ? undefined : parseCacheFile(content);
}

/** The key and render of a cache file's text (`readCacheFile`); undefined without a key line. */
function parseCacheFile(content: string): { key: string; text: string; file: string } | undefined {
  const first = content.indexOf('\n');
  const second = content.indexOf('\n', first + 1);
  if (first < 0 || second < 0) return undefined;
  const m = /^# key: ([0-9a-f]{64})$/.exec(content.slice(first + 1, second));
  return m ? { key: m[1], text: content.slice(second + 1), file: content } : undefined;
}

/** Names the objects that differ between two renders of the same inputs, and what to do. */
function randomnessMessage(what: string, a: string, b: string): string {
  const split = (text: string) => {
    const out = new Map<string, string>();
    for (const doc of text.split(/^---\s*$/m)) {
      const source = /^# Source: (.*)$/m.exec(doc)?.[1] ?? '?';
      const kind = /^kind: (.*)$/m.exec(doc)?.[1] ?? '?';
      const name = /^ {2}name: (.*)$/m.exec(doc)?.[1] ?? '?';
      out.set(`${kind} ${name} (${source})`, (out.get(`${kind} ${name} (${source})`) ?? '') + doc);
    }
    return out;
  };
  const first = split(a);
  const second = split(b);
  const differing = [...new Set([...first.keys(), ...second.keys()])].filter((k) => first.get(k) !== second.get(k)).sort();
  return `${what} renders different output each time, in ${differing.join(', ')}: ` +
    'a template uses randAlphaNum, genCA, genSignedCert, uuidv4 or now. That makes dist/ non-deterministic and puts generated secrets in git. ' +
    'Set the chart value that makes it use an existing Secret and supply that Secret through External Secrets (BitwardenSecret), or let the controller create its own certificate.';
}

/**
 * The objects cache's format: 2 since each object names its template (`source`; before, it was
 * always empty) and the files are all ASCII (`asciiJson`); 3 since every map's keys are sorted and
 * `bodies` gives, for each object, the sha256 of its canonical body's JSON (null when not exact).
 */
const OBJECTS_FORMAT = 3;

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The local cache's file of upstream document digests (`UpstreamDigests`), in the checkout's helm cache folder. */
export const UPSTREAM_DIGESTS_FILE = 'upstream-digests.entries';
/** Its layout. */
const UPSTREAM_DIGESTS_FORMAT = 1;

/**
 * The digests of the documents made of canonical upstream bodies (./upstream-document.ts
 * `UpstreamDigestMemo`), kept in the local cache across processes: a process that makes the
 * same document (the same body's JSON, the same metadata's JSON) does not turn its megabytes into
 * JSON and hash them again. Content-addressed, under the fingerprint of the code (the way documents
 * are made may change with it); an `EntriesFile`, so a garbled block is ignored, never read.
 */
class UpstreamDigests implements UpstreamDigestMemo {
  private file?: EntriesFile;
  /** The digests this process used or made (what the next one may use), and the ones it made. */
  private readonly used = new Map<string, string>();
  private readonly added = new Map<string, string>();

  public constructor(private readonly path: string, private readonly code: string) {}

  public get(bodyDigest: string, metadataDigest: string): string | undefined {
    const key = bodyDigest + metadataDigest;
    const value = this.used.get(key) ?? this.entries().get(key);
    if (value === undefined || !SHA256_HEX.test(value)) return undefined;
    this.used.set(key, value);
    return value;
  }

  public set(bodyDigest: string, metadataDigest: string, digest: string): void {
    const key = bodyDigest + metadataDigest;
    this.used.set(key, digest);
    this.added.set(key, digest);
  }

  /** Saves what this process made (nothing when it made none: its documents may all have come from the process's own memo). */
  public save(): void {
    if (!this.added.size) return;
    this.entries().save(this.used, this.added);
    this.added.clear();
  }

  /** The file's entries, read on first use. */
  private entries(): EntriesFile {
    return (this.file ??= new EntriesFile(this.path, UPSTREAM_DIGESTS_FORMAT, this.code));
  }
}

/** One object of a chart's output, with the file helm rendered it from. */
export interface ChartObject {
  /** The template that rendered the object (helm's `# Source:` comment), empty when the render names none. */
  readonly source: string;
  readonly object: Record<string, unknown>;
}

/**
 * The objects of a render, read as the Kubernetes API reads YAML (YAML 1.1: `0644` is octal,
 * `on` is true), in output order. Empty documents are dropped.
 */
export function chartObjects(text: string, what: string): ChartObject[] {
  const out: ChartObject[] = [];
  // helm writes `# Source: <template>` above each template's output; yaml keeps it as the comment
  // before the document's contents, or, when the template's own `---` follows it (CRDs), as the
  // comment of an empty document before the object's. A template's later documents have none: they
  // come from the same template.
  let current = '';
  for (const doc of parseAllDocuments(text, { version: '1.1', merge: true, uniqueKeys: true, prettyErrors: false })) {
    if (doc.errors.length) throw new PlatformError(`${what}: helm printed invalid YAML: ${doc.errors[0].message}`);
    const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
    const contents = doc.contents as { commentBefore?: string | null; comment?: string | null } | null;
    // An empty document's comments are all the next object's; an object's are those before it.
    const empty = value === null || value === undefined;
    const comments = [doc.commentBefore, contents?.commentBefore, ...(empty ? [contents?.comment, doc.comment] : [])];
    const named = comments.map((c) => (c ? /^ ?Source: (.+)$/m.exec(c)?.[1]?.trim() : undefined)).filter((c): c is string => !!c).pop();
    current = named ?? current;
    if (empty) continue;
    if (!isMap(value)) throw new PlatformError(`${what}${current ? `, ${current}` : ''}: a rendered document is not an object`);
    out.push({ source: current, object: value });
  }
  return out;
}
