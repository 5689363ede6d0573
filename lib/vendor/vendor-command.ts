/**
 * `npm run vendor -- <name> <version> [--from <git-dir-or-url>]`: copies one upstream Helm chart
 * (with every dependency, unpacked, recursively) or one upstream manifest set into vendor/, from
 * the Git repository and tag it is released from, and records it in vendor/lock.yaml.
 *
 * Only Node built-ins, `yaml` and `git` on the PATH. Every file is taken byte for byte from the
 * blobs of the release commit (no checkout, so no line-ending or export filters); symlinks are
 * materialised as regular files. The only changes are the release-time substitutions of the
 * tables below (recorded in the lock) and the repository's licence copied into a folder that has
 * none (recorded as `added`).
 *
 * A repository URL of the tables may be redirected to a local mirror with git's own
 * `url.<mirror>.insteadOf` configuration (e.g. GIT_CONFIG_COUNT/GIT_CONFIG_KEY_0/GIT_CONFIG_VALUE_0):
 * a location that resolves to a local path is read in place, a URL (file:// included) is fetched shallowly.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import * as zlib from 'zlib';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { ChartPin } from '../versions';
import { bare, ChartSource, setKey, Substitution, VendorError } from './chart-source';
import { hashTree, VENDOR_LOCK } from './lock';

export { VendorError } from './chart-source';

const ROOT = path.resolve(__dirname, '..', '..');
/** The lock, relative to the platform checkout. */
export const LOCK_FILE = VENDOR_LOCK;
const LOCK_HEADER = '# Vendored upstream sources: npm run vendor -- <name> <version> adds or bumps one. synth checks every sha256.\n';
const THIS_FILE = 'lib/vendor/vendor-command.ts';
/** Where a source's release steps are written, for the messages that ask to update them. */
const SOURCES = `the chart's source (its pin in its layer file under lib/layers/, or HELM_REPOSITORIES of ${THIS_FILE} for a dependency)`;

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

export interface ChartComponent extends ChartSource {
  readonly kind: 'chart';
  /** Other names accepted on the command line (the pin's name, e.g. `argocd` for the chart `argo-cd`). */
  readonly aliases?: readonly string[];
}

export interface ManifestComponent {
  readonly kind: 'manifests';
  readonly repository: string;
  readonly tag: string;
  /** Folders copied, relative layout kept. */
  readonly sources: readonly string[];
  /**
   * `folders`: every file under each folder, plus what their kustomizations reference outside them.
   * `kustomization`: only each folder's kustomization file and what it references (for `.`, a whole repository).
   */
  readonly copy: 'folders' | 'kustomization';
  readonly aliases?: readonly string[];
}

export type Component = ChartComponent | ManifestComponent;
/** Components by lock key: the chart's name for a chart, the versions map key for a manifest set. */
export type ComponentTable = Readonly<Record<string, Component>>;
/** Helm repository URL (as Chart.yaml names it) -> chart name (or `*`) -> where that chart is released from. */
export type HelmRepositoryTable = Readonly<Record<string, Readonly<Record<string, ChartSource>>>>;

/**
 * The charts `npm run vendor` knows: one per chart pin (declared in its layer file, collected by
 * lib/layers/index.ts `CHART_PINS`, passed here by the command line), keyed by chart name, the
 * pin's name accepted as alias.
 */
export function chartComponents(pins: readonly ChartPin[]): ComponentTable {
  const out: Record<string, Component> = {};
  for (const pin of pins) {
    if (out[pin.chart]) throw new VendorError(`two chart pins name the chart "${pin.chart}" (${pin.name} and another): pin each chart once`);
    out[pin.chart] = { kind: 'chart', ...pin.source, ...(pin.name !== pin.chart ? { aliases: [pin.name] } : {}) };
  }
  return out;
}

/** The manifest sets `npm run vendor` knows, by lib/versions.ts key. */
export const MANIFEST_COMPONENTS: ComponentTable = {
  'external-snapshotter': {
    kind: 'manifests',
    repository: 'https://github.com/kubernetes-csi/external-snapshotter',
    tag: '{version}',
    sources: ['client/config/crd', 'deploy/kubernetes/snapshot-controller'],
    copy: 'folders',
  },
  'keycloak-operator': { kind: 'manifests', repository: 'https://github.com/keycloak/keycloak-k8s-resources', tag: '{version}', sources: ['kubernetes'], copy: 'folders' },
  'system-upgrade-controller': { kind: 'manifests', repository: 'https://github.com/rancher/system-upgrade-controller', tag: '{version}', sources: ['.'], copy: 'kustomization' },
};

/** Where the dependencies' Helm repositories release their charts from. */
export const HELM_REPOSITORIES: HelmRepositoryTable = {
  'https://argoproj.github.io/argo-helm': { '*': { repository: 'https://github.com/argoproj/argo-helm', path: 'charts/{name}', tag: '{name}-{version}' } },
  'https://dandydeveloper.github.io/charts': { '*': { repository: 'https://github.com/DandyDeveloper/charts', path: 'charts/{name}', tag: '{name}-{version}' } },
  'https://prometheus-community.github.io/helm-charts': { '*': { repository: 'https://github.com/prometheus-community/helm-charts', path: 'charts/{name}', tag: '{name}-{version}' } },
  'https://grafana-community.github.io/helm-charts': { '*': { repository: 'https://github.com/grafana-community/helm-charts', path: 'charts/{name}', tag: '{name}-{version}' } },
  'https://grafana.github.io/helm-charts': {
    'alloy': { repository: 'https://github.com/grafana/alloy', path: 'operations/helm/charts/alloy', tag: 'helm-chart/{version}' },
    '*': { repository: 'https://github.com/grafana/helm-charts', path: 'charts/{name}', tag: '{name}-{version}' },
  },
  // charts.min.io serves the minio repository's own helm-releases/ (index.yaml at its root): the published archive.
  'https://charts.min.io': { minio: { repository: 'https://github.com/minio/minio', branch: 'master', path: 'helm-releases/{name}-{version}.tgz', archive: true } },
  // .github/workflows/release.yaml: `helm package --version <tag> --app-version <tag>` of the tag's folder.
  'oci://ghcr.io/external-secrets/charts': {
    'bitwarden-sdk-server': {
      repository: 'https://github.com/external-secrets/bitwarden-sdk-server',
      path: 'deploy/charts/bitwarden-sdk-server',
      tag: '{version}',
      substitutions: (ctx) => [setKey(ctx, 'Chart.yaml', 'version', ctx.version), setKey(ctx, 'Chart.yaml', 'appVersion', ctx.version)],
    },
  },
  'https://vmware-tanzu.github.io/helm-charts': { '*': { repository: 'https://github.com/vmware-tanzu/helm-charts', path: 'charts/{name}', tag: '{name}-{version}' } },
  // https://metallb.github.io/frr-k8s is absent on purpose: metallb's release tags carry frr-k8s as a packaged
  // charts/frr-k8s-<v>.tgz (the release process rewrites the frr-k8s source's 0.0.0 versions), which is unpacked.
};

// ---------------------------------------------------------------------------------------------
// Lock entries
// ---------------------------------------------------------------------------------------------

export interface LockedDependency {
  readonly name: string;
  readonly alias?: string;
  readonly version: string;
  /** The version range of Chart.yaml when no Chart.lock pinned it. */
  readonly constraint?: string;
  /** Folder of the subchart in the vendored chart. */
  readonly path: string;
  readonly repository: string;
  readonly ref: string;
  readonly commit: string;
  readonly source: string;
  readonly substitutions?: readonly Substitution[];
  readonly added?: readonly string[];
  readonly dependencies?: readonly LockedDependency[];
}

export interface LockedChart {
  /** Files the upstream release process generates, and how (see ChartSource.generate). */
  readonly generated?: { readonly how: string; readonly files: readonly string[] };
  readonly version: string;
  readonly path: string;
  readonly repository: string;
  readonly ref: string;
  readonly commit: string;
  readonly source: string;
  readonly sha256: string;
  readonly dependencies: readonly LockedDependency[];
  readonly substitutions?: readonly Substitution[];
  readonly added?: readonly string[];
}

export interface LockedManifests {
  readonly version: string;
  readonly path: string;
  readonly repository: string;
  readonly ref: string;
  readonly commit: string;
  readonly sources: readonly string[];
  readonly copy: 'folders' | 'kustomization';
  readonly sha256: string;
  readonly added?: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// git
// ---------------------------------------------------------------------------------------------

const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };

function git(args: readonly string[], input?: string): Buffer {
  const r = spawnSync('git', args, { env: GIT_ENV, input, maxBuffer: 2 ** 31 });
  if (r.error) throw new VendorError(`cannot run git: ${r.error.message}`);
  if (r.status !== 0) {
    const lines = r.stderr.toString('utf8').trim().split('\n').filter((l) => !l.startsWith('hint:'));
    const first = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[lines.length - 1];
    throw new GitFailure(first ?? `git ${args[0]} failed`, lines.join('\n'));
  }
  return r.stdout;
}

class GitFailure extends Error {
  constructor(message: string, readonly stderr: string) {
    super(message);
  }
}

interface TreeEntry {
  readonly mode: string;
  readonly type: string;
  readonly sha: string;
}

/** One repository at one release commit, read from its blobs. */
class Release {
  private tree?: Map<string, TreeEntry>;
  constructor(
    readonly gitDir: string,
    readonly commit: string,
    /** Repository URL recorded in the lock. */
    readonly repository: string,
    readonly ref: string,
  ) {}

  time(): number {
    return Number(git(['--git-dir', this.gitDir, 'log', '-1', '--format=%ct', this.commit]).toString().trim());
  }

  /** Every entry of the commit, by path. */
  entries(): Map<string, TreeEntry> {
    if (!this.tree) {
      this.tree = new Map();
      const out = git(['--git-dir', this.gitDir, 'ls-tree', '-r', '-z', '--full-tree', this.commit]).toString('utf8');
      for (const rec of out.split('\0')) {
        if (!rec) continue;
        const tab = rec.indexOf('\t');
        const [mode, type, sha] = rec.slice(0, tab).split(' ');
        this.tree.set(rec.slice(tab + 1), { mode, type, sha });
      }
    }
    return this.tree;
  }

  isDir(p: string): boolean {
    if (p === '.' || p === '') return true;
    const prefix = `${p}/`;
    for (const k of this.entries().keys()) if (k.startsWith(prefix)) return true;
    return false;
  }

  /** A file's bytes (symlinks followed inside the repository). */
  readFile(p: string): Buffer {
    const files = this.readFiles(p, false);
    const content = files.get('');
    if (!content) throw new VendorError(`${this.repository} ${this.ref} has no file ${p}`);
    return content;
  }

  /**
   * Every file under `dir` (or the file `dir` itself, keyed ''), relative to it, symlinks
   * materialised. Submodules are refused.
   */
  readFiles(dir: string, recursive = true): Map<string, Buffer> {
    const wanted = new Map<string, string>(); // relative path -> blob sha
    const base = dir === '.' ? '' : dir.replace(/\/+$/, '');
    const add = (repoPath: string, rel: string, depth: number): void => {
      if (depth > 40) throw new VendorError(`${this.repository} ${this.ref}: symlink loop at ${repoPath}`);
      const entry = this.entries().get(repoPath);
      if (entry) {
        if (entry.type === 'commit') throw new VendorError(`${this.repository} ${this.ref}: ${repoPath} is a submodule, which cannot be vendored`);
        if (entry.mode === '120000') {
          const target = this.blobs([entry.sha])[0].toString('utf8');
          const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(repoPath), target));
          if (path.posix.isAbsolute(target) || resolved.startsWith('..')) {
            throw new VendorError(`${this.repository} ${this.ref}: symlink ${repoPath} points outside the repository (${target})`);
          }
          add(resolved, rel, depth + 1);
        } else {
          wanted.set(rel, entry.sha);
        }
        return;
      }
      if (!this.isDir(repoPath)) throw new VendorError(`${this.repository} ${this.ref} has no ${repoPath || '.'}`);
      if (!recursive && depth === 0) throw new VendorError(`${this.repository} ${this.ref}: ${repoPath} is a folder, not a file`);
      const prefix = repoPath ? `${repoPath}/` : '';
      for (const k of this.entries().keys()) {
        if (k.startsWith(prefix)) add(k, rel ? `${rel}/${k.slice(prefix.length)}` : k.slice(prefix.length), depth);
      }
    };
    add(base, '', 0);
    const keys = [...wanted.keys()];
    const contents = this.blobs(keys.map((k) => wanted.get(k)!));
    return new Map(keys.map((k, i) => [k, contents[i]]));
  }

  private blobs(shas: readonly string[]): Buffer[] {
    if (shas.length === 0) return [];
    const out = git(['--git-dir', this.gitDir, 'cat-file', '--batch'], `${shas.join('\n')}\n`);
    const result: Buffer[] = [];
    let at = 0;
    for (const sha of shas) {
      const nl = out.indexOf(10, at);
      const header = out.subarray(at, nl).toString('utf8');
      const [got, type, size] = header.split(' ');
      if (got !== sha || type === 'missing' || type === undefined) {
        throw new VendorError(`${this.repository} ${this.ref}: object ${sha} is missing from the repository (a partial mirror?)`);
      }
      const n = Number(size);
      result.push(out.subarray(nl + 1, nl + 1 + n));
      at = nl + 1 + n + 1;
    }
    return result;
  }
}

/** Opens repositories (local folders in place, anything else fetched shallowly into a temporary folder). */
class Repositories {
  private readonly tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vendor-git-'));
  private readonly fetched = new Map<string, string>();
  private count = 0;

  close(): void {
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }

  /** The git directory of a local repository `location` names (after git's insteadOf), or undefined for a remote. */
  private localGitDir(location: string): string | undefined {
    let url = location;
    try {
      url = git(['ls-remote', '--get-url', location]).toString('utf8').trim() || location;
    } catch {
      // not a remote git knows how to name: use it as given
    }
    // a URL (file:// included) is fetched; a plain path is read in place
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+@[^/]+:/.test(url) || !fs.existsSync(url)) return undefined;
    try {
      return git(['-C', url, 'rev-parse', '--absolute-git-dir']).toString('utf8').trim();
    } catch {
      throw new VendorError(`${location} is not a git repository`);
    }
  }

  /** The tags of a repository, name -> commit. */
  tags(location: string): Map<string, string> {
    const tags = new Map<string, string>();
    const local = this.localGitDir(location);
    if (local) {
      const out = git(['--git-dir', local, 'for-each-ref', '--format=%(refname:strip=2) %(objectname) %(*objectname)', 'refs/tags']).toString('utf8');
      for (const line of out.split('\n')) {
        const [name, object, peeled] = line.split(' ');
        if (name) tags.set(name, peeled || object);
      }
      return tags;
    }
    const out = this.remote(location, () => git(['ls-remote', '--tags', location])).toString('utf8');
    for (const line of out.split('\n')) {
      const m = /^([0-9a-f]{40,64})\s+refs\/tags\/(.+?)(\^\{\})?$/.exec(line.trim());
      // an annotated tag's peeled line (^{}) names its commit
      if (m && (m[3] || !tags.has(m[2]))) tags.set(m[2], m[1]);
    }
    return tags;
  }

  /** The release at `ref` (a tag, or a branch) of `location`, recorded as `repository`. */
  open(location: string, ref: { tag: string } | { branch: string }, repository: string): Release {
    const full = 'tag' in ref ? `refs/tags/${ref.tag}` : `refs/heads/${ref.branch}`;
    const name = 'tag' in ref ? ref.tag : ref.branch;
    const what = 'tag' in ref ? `tag ${ref.tag}` : `branch ${ref.branch}`;
    const local = this.localGitDir(location);
    if (local) {
      let commit: string;
      try {
        commit = git(['--git-dir', local, 'rev-parse', '-q', '--verify', `${full}^{commit}`]).toString('utf8').trim();
      } catch {
        throw new VendorError(`${what} not found in ${location}`);
      }
      return new Release(local, commit, repository, name);
    }
    let gitDir = this.fetched.get(location);
    if (!gitDir) {
      gitDir = path.join(this.tmp, String(this.count++));
      git(['init', '--bare', '-q', gitDir]);
      this.fetched.set(location, gitDir);
    }
    const target = gitDir;
    this.remote(location, () => {
      try {
        return git(['--git-dir', target, 'fetch', '-q', '--depth', '1', '--no-tags', location, `+${full}:${full}`]);
      } catch (e) {
        if (e instanceof GitFailure && /couldn't find remote ref|not our ref/i.test(e.stderr)) throw new VendorError(`${what} not found in ${location}`);
        throw e;
      }
    });
    const commit = git(['--git-dir', gitDir, 'rev-parse', `${full}^{commit}`]).toString('utf8').trim();
    return new Release(gitDir, commit, repository, name);
  }

  private remote<T>(location: string, body: () => T): T {
    try {
      return body();
    } catch (e) {
      if (e instanceof GitFailure) throw new VendorError(`cannot read ${location}: ${e.message}`);
      throw e;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Versions and ranges (the subset of Helm's semver constraints charts use)
// ---------------------------------------------------------------------------------------------

type Semver = [number, number, number, string];

function parseSemver(v: string): Semver | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] ?? ''] : undefined;
}

function compareSemver(a: Semver, b: Semver): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  if (a[3] === b[3]) return 0;
  if (!a[3]) return 1;
  if (!b[3]) return -1;
  return a[3] < b[3] ? -1 : 1;
}

/** Whether a version is exact (not a range). */
function isExact(v: string): boolean {
  return parseSemver(v) !== undefined;
}

/** Whether `version` satisfies a Helm-style constraint (`1.2.*`, `~1.2.3`, `^1.2`, `>=1 <2`, `a || b`). Pre-releases only match exactly. */
export function satisfies(version: string, constraint: string): boolean {
  const v = parseSemver(version);
  if (!v) return false;
  return constraint.split('||').some((alt) => alt.trim().split(/[\s,]+/).filter(Boolean).every((term) => satisfiesTerm(v, term)));
}

function satisfiesTerm(v: Semver, term: string): boolean {
  const m = /^(>=|<=|>|<|=|~|\^)?\s*v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?$/.exec(term);
  if (!m) throw new VendorError(`cannot read the version constraint "${term}"`);
  const op = m[1] ?? '';
  const parts = [m[2], m[3], m[4]];
  const wild = (p: string | undefined): boolean => p === undefined || /^[xX*]$/.test(p);
  const n = parts.findIndex(wild); // number of fixed parts, or -1 when all three are
  const fixed = n === -1 ? 3 : n;
  const nums = parts.map((p) => (wild(p) ? 0 : Number(p)));
  const base: Semver = [nums[0], nums[1], nums[2], m[5] ?? ''];
  if (v[3] && !(op === '' || op === '=')) return false;
  if (v[3] && base[3] !== v[3]) return false;
  const lower = base;
  const bump = (i: number): Semver => {
    const r = [0, 0, 0].map((_, k) => (k < i ? nums[k] : k === i ? nums[k] + 1 : 0));
    return [r[0], r[1], r[2], ''];
  };
  const inRange = (lo: Semver, hi: Semver | undefined): boolean => compareSemver(v, lo) >= 0 && (!hi || compareSemver(v, [hi[0], hi[1], hi[2], '']) < 0);
  switch (op) {
    case '':
    case '=':
      if (fixed === 0) return true;
      return fixed === 3 ? compareSemver(v, base) === 0 : inRange(lower, bump(fixed - 1));
    case '~':
      return inRange(lower, bump(fixed >= 2 ? 1 : 0));
    case '^': {
      const first = base[0] !== 0 || fixed <= 1 ? 0 : base[1] !== 0 || fixed <= 2 ? 1 : 2;
      return inRange(lower, bump(first));
    }
    case '>=':
      return compareSemver(v, lower) >= 0;
    case '>':
      return fixed === 3 ? compareSemver(v, lower) > 0 : compareSemver(v, bump(fixed - 1)) >= 0;
    case '<=':
      return fixed === 3 ? compareSemver(v, lower) <= 0 : compareSemver(v, bump(fixed - 1)) < 0;
    default: // '<'
      return compareSemver(v, lower) < 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Packaged charts (.tgz)
// ---------------------------------------------------------------------------------------------

/** The regular files of a gzipped tar, by path. */
export function readTgz(bytes: Buffer): Map<string, Buffer> {
  const tar = zlib.gunzipSync(bytes);
  const files = new Map<string, Buffer>();
  const str = (b: Buffer): string => {
    const z = b.indexOf(0);
    return b.subarray(0, z === -1 ? b.length : z).toString('utf8');
  };
  const octal = (b: Buffer): number => {
    if (b[0] & 0x80) {
      let n = 0;
      for (let i = 1; i < b.length; i++) n = n * 256 + b[i];
      return n;
    }
    return parseInt(str(b).trim() || '0', 8);
  };
  let at = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  while (at + 512 <= tar.length) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const size = octal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156] || 48);
    const magic = str(header.subarray(257, 263));
    const prefix = magic.startsWith('ustar') ? str(header.subarray(345, 500)) : '';
    let name = str(header.subarray(0, 100));
    if (prefix) name = `${prefix}/${name}`;
    const body = tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = str(body);
      continue;
    }
    if (type === 'x') {
      for (const m of body.toString('utf8').matchAll(/\d+ path=([^\n]*)\n/g)) paxPath = m[1];
      continue;
    }
    if (type === 'g') continue;
    name = paxPath ?? longName ?? name;
    paxPath = undefined;
    longName = undefined;
    if (type === '0' || type === '7') files.set(name.replace(/^\.\//, ''), Buffer.from(body));
    else if (type !== '5') throw new VendorError(`packaged chart holds ${name}, neither a file nor a folder`);
  }
  return files;
}

/** A packaged chart's files, relative to its chart folder (the archive's single top folder). */
function unpackChart(bytes: Buffer, where: string): Map<string, Buffer> {
  const files = readTgz(bytes);
  const tops = new Set([...files.keys()].map((k) => k.split('/')[0]));
  if (tops.size !== 1) throw new VendorError(`${where} is not a packaged chart (one top folder expected)`);
  const top = [...tops][0];
  return new Map([...files].map(([k, v]) => [k.slice(top.length + 1), v]));
}

// ---------------------------------------------------------------------------------------------
// Vendoring
// ---------------------------------------------------------------------------------------------

const LICENCE = /^(licen[cs]e|copying)([.-][^/]*)?$/i;
const NOTICE = /^notice([.-][^/]*)?$/i;

function expand(pattern: string, vars: { name: string; version: string }): string {
  return pattern.replace(/\{name\}/g, vars.name).replace(/\{version\}/g, vars.version).replace(/\{bare\}/g, bare(vars.version));
}

function normaliseHelmRepo(url: string): string {
  return url.trim().replace(/\/+$/, '').replace(/^([a-z]+:\/\/[^/]+)/i, (h) => h.toLowerCase());
}

/** Applies substitutions to a folder's files; each `from` must occur. */
function substitute(files: Map<string, Buffer>, subs: readonly Substitution[], where: string): void {
  for (const s of subs) {
    if (!files.has(s.file)) {
      if (s.template && files.has(s.template)) files.set(s.file, Buffer.from(files.get(s.template)!));
      else throw new VendorError(`${where} has no ${s.file} to substitute in; update ${SOURCES}`);
    }
    const text = files.get(s.file)!.toString('utf8');
    if (!text.includes(s.from)) throw new VendorError(`${where}: "${s.from}" does not occur in ${s.file}: the release process changed; update ${SOURCES}`);
    files.set(s.file, Buffer.from(text.split(s.from).join(s.to), 'utf8'));
  }
}

/** Adds the repository's licence (and notice) to a folder that has none at its root; returns what was added. */
function addLicence(files: Map<string, Buffer>, release: Release): string[] {
  const added: string[] = [];
  const rootFiles = [...release.entries().keys()].filter((k) => !k.includes('/')).sort();
  const own = [...files.keys()].filter((k) => !k.includes('/'));
  const licence = rootFiles.find((f) => /^licen[cs]e$/i.test(f)) ?? rootFiles.find((f) => LICENCE.test(f));
  if (licence && !own.some((f) => LICENCE.test(f))) {
    files.set('LICENSE', release.readFile(licence));
    added.push('LICENSE');
  }
  const notice = rootFiles.find((f) => NOTICE.test(f));
  if (notice && !own.some((f) => NOTICE.test(f))) {
    files.set('NOTICE', release.readFile(notice));
    added.push('NOTICE');
  }
  return added;
}

interface ChartMeta {
  readonly name: string;
  readonly version: string;
  readonly dependencies: readonly { name: string; version?: string; repository?: string; alias?: string }[];
}

function chartMeta(files: Map<string, Buffer>, where: string): ChartMeta {
  const raw = files.get('Chart.yaml');
  if (!raw) throw new VendorError(`${where} has no Chart.yaml: not a chart`);
  let doc: unknown;
  try {
    doc = parseYaml(raw.toString('utf8'));
  } catch (e) {
    throw new VendorError(`${where}: Chart.yaml is not YAML (${(e as Error).message.split('\n')[0]}): a release-time placeholder missing from ${SOURCES}?`);
  }
  const c = (doc ?? {}) as { name?: unknown; version?: unknown; dependencies?: unknown };
  return { name: String(c.name ?? ''), version: String(c.version ?? ''), dependencies: Array.isArray(c.dependencies) ? c.dependencies : [] };
}

function lockedVersions(files: Map<string, Buffer>): { name: string; repository: string; version: string }[] {
  const raw = files.get('Chart.lock') ?? files.get('requirements.lock');
  if (!raw) return [];
  const doc = parseYaml(raw.toString('utf8')) as { dependencies?: { name: string; repository?: string; version: string }[] } | null;
  return (doc?.dependencies ?? []).map((d) => ({ name: String(d.name), repository: normaliseHelmRepo(String(d.repository ?? '')), version: String(d.version) }));
}

function subtree(files: Map<string, Buffer>, prefix: string): Map<string, Buffer> {
  const p = `${prefix}/`;
  return new Map([...files].filter(([k]) => k.startsWith(p)).map(([k, v]) => [k.slice(p.length), v]));
}

function replaceSubtree(files: Map<string, Buffer>, prefix: string, sub: Map<string, Buffer>): void {
  for (const k of [...files.keys()]) if (k.startsWith(`${prefix}/`)) files.delete(k);
  for (const [k, v] of sub) files.set(`${prefix}/${k}`, v);
}

/** What a chart folder came from, to resolve its dependencies. */
interface ChartOrigin {
  readonly release: Release;
  /** The folder's path in the repository, or the packaged chart's path (in-tree subcharts of a package are not in the repository). */
  readonly source: string;
  readonly packaged: boolean;
}

class Vendorer {
  constructor(
    private readonly repos: Repositories,
    private readonly helmRepositories: HelmRepositoryTable,
    private readonly log: (line: string) => void,
  ) {}

  /** Reads a chart release: its files, substitutions applied, licence added. */
  readChart(source: ChartSource, release: Release, name: string, version: string, where: string): { files: Map<string, Buffer>; chartPath: string; substitutions: Substitution[]; added: string[]; generated?: { how: string; files: string[] } } {
    const chartPath = expand(source.path, { name, version });
    const files = source.archive ? unpackChart(release.readFile(chartPath), `${where}: ${chartPath}`) : release.readFiles(chartPath);
    const upstream = new Map(files);
    const substitutions = source.substitutions?.({
      version,
      readFile: (f) => {
        const b = upstream.get(f);
        if (!b) throw new VendorError(`${where} has no ${f}`);
        return b.toString('utf8');
      },
      readRepoFile: (f) => release.readFile(f).toString('utf8'),
    }) ?? [];
    substitute(files, substitutions, where);
    let generated: { how: string; files: string[] } | undefined;
    if (source.generate) {
      const made = source.generate({
        version,
        readFile: (f) => upstream.get(f)?.toString('utf8') ?? '',
        readRepoFile: (f) => release.readFile(f).toString('utf8'),
      });
      for (const [f, content] of Object.entries(made.files)) files.set(f, Buffer.from(content));
      generated = { how: made.how, files: Object.keys(made.files).sort() };
    }
    const meta = chartMeta(files, where);
    if (meta.name !== name) throw new VendorError(`${where}: ${chartPath} holds chart "${meta.name}", not "${name}"`);
    if (meta.version !== version) throw new VendorError(`${where}: ${chartPath} holds ${name} version ${meta.version}, not ${version}`);
    const added = addLicence(files, release);
    return { files, chartPath, substitutions, added, ...(generated ? { generated } : {}) };
  }

  /** Resolves a chart folder's dependencies into its charts/, recursively; returns their lock entries. */
  dependencies(files: Map<string, Buffer>, origin: ChartOrigin, where: string): LockedDependency[] {
    const meta = chartMeta(files, where);
    const locked = lockedVersions(files);
    const out: LockedDependency[] = [];
    const dirs = new Set<string>();
    for (const dep of meta.dependencies) {
      const name = String(dep.name);
      const alias = dep.alias ? String(dep.alias) : undefined;
      const dir = alias ?? name;
      if (dirs.has(dir)) throw new VendorError(`${where}: two dependencies would go to charts/${dir}`);
      dirs.add(dir);
      const repoUrl = normaliseHelmRepo(String(dep.repository ?? ''));
      const constraint = String(dep.version ?? '');
      const lockedVersion = locked.find((l) => l.name === name && l.repository === repoUrl)?.version;
      const depPath = `charts/${dir}`;
      const subWhere = `${where} > ${name}`;

      // In-tree: a folder of the chart (no repository, or file://).
      if (!repoUrl || repoUrl.startsWith('file://')) {
        let source: string;
        let inTreePath = depPath;
        if (repoUrl.startsWith('file://')) {
          if (origin.packaged) throw new VendorError(`${where}: dependency ${name} is file:// inside a packaged chart`);
          const inRepo = path.posix.normalize(path.posix.join(origin.source, repoUrl.slice('file://'.length))).replace(/(.)\/+$/, '$1');
          if (inRepo.startsWith('..')) throw new VendorError(`${where}: dependency ${name} (${repoUrl}) is outside the repository`);
          const inside = path.posix.relative(origin.source, inRepo);
          if (!inside.startsWith('..') && inside.startsWith('charts/') && !inside.slice('charts/'.length).includes('/')) {
            inTreePath = inside;
          } else if (!subtree(files, depPath).size) {
            replaceSubtree(files, depPath, origin.release.readFiles(inRepo));
          }
          source = inRepo;
        } else {
          inTreePath = this.inTreeFolder(files, name, dir, where);
          source = origin.packaged ? `${origin.source}#${inTreePath}` : path.posix.join(origin.source, inTreePath);
        }
        const sub = subtree(files, inTreePath);
        const subMeta = chartMeta(sub, `${subWhere} (${inTreePath})`);
        const nested = this.dependencies(sub, { ...origin, source }, subWhere);
        replaceSubtree(files, inTreePath, sub);
        out.push(this.entry({ name, alias, version: subMeta.version, path: inTreePath, release: origin.release, source, dependencies: nested }));
        continue;
      }

      const version = lockedVersion ?? constraint;
      // Packaged in the chart at its tag (charts/<name>-<version>.tgz): unpack it.
      const tgz = `charts/${name}-${version}.tgz`;
      if (isExact(version) && files.has(tgz)) {
        const sub = unpackChart(files.get(tgz)!, `${where}: ${tgz}`);
        files.delete(tgz);
        const source = origin.packaged ? `${origin.source}#${tgz}` : path.posix.join(origin.source, tgz);
        const nested = this.dependencies(sub, { release: origin.release, source, packaged: true }, subWhere);
        replaceSubtree(files, depPath, sub);
        this.log(`  ${subWhere} ${version}: unpacked ${source}`);
        out.push(this.entry({ name, alias, version, path: depPath, release: origin.release, source, dependencies: nested }));
        continue;
      }

      const table = this.helmRepositories[repoUrl];
      const src = table?.[name] ?? table?.['*'];
      if (!src) {
        throw new VendorError(`${where}: dependency ${name} comes from ${repoUrl}, which is not in HELM_REPOSITORIES of ${THIS_FILE}: add where that repository's ${name} chart is released from`);
      }
      const exact = isExact(version) ? version : this.resolveRange(src, name, version, origin.release, subWhere);
      const release = this.open(src, name, exact, subWhere);
      const read = this.readChart(src, release, name, exact, subWhere);
      const nested = this.dependencies(read.files, { release, source: read.chartPath, packaged: Boolean(src.archive) }, subWhere);
      if (subtree(files, depPath).size) throw new VendorError(`${where}: charts/${dir} already exists at the tag and is not dependency ${name} ${exact}`);
      replaceSubtree(files, depPath, read.files);
      this.log(`  ${subWhere} ${exact}: ${release.repository} ${release.ref} (${release.commit.slice(0, 12)})`);
      out.push(this.entry({
        name, alias, version: exact, constraint: exact === version ? undefined : version, path: depPath, release, source: read.chartPath,
        substitutions: read.substitutions, added: read.added, dependencies: nested,
      }));
    }
    return out;
  }

  /** The folder under charts/ holding an in-tree subchart: charts/<alias or name>, else the one whose Chart.yaml names it. */
  private inTreeFolder(files: Map<string, Buffer>, name: string, dir: string, where: string): string {
    for (const d of [dir, name]) if (files.has(`charts/${d}/Chart.yaml`)) return `charts/${d}`;
    for (const k of files.keys()) {
      const m = /^charts\/([^/]+)\/Chart\.yaml$/.exec(k);
      if (m && chartMeta(subtree(files, `charts/${m[1]}`), where).name === name) return `charts/${m[1]}`;
    }
    throw new VendorError(`${where}: dependency ${name} has no repository and no folder under charts/`);
  }

  open(src: ChartSource, name: string, version: string, where: string): Release {
    const ref = src.branch ? { branch: src.branch } : src.tag ? { tag: expand(src.tag, { name, version }) } : undefined;
    if (!ref) throw new VendorError(`${where}: its table entry has neither tag nor branch`);
    return this.repos.open(src.repository, ref, src.repository);
  }

  /** The highest tag of the source matching a range that is not newer than the parent's release (what its release resolved). */
  private resolveRange(src: ChartSource, name: string, constraint: string, parent: Release, where: string): string {
    if (!src.tag || !src.tag.includes('{version}')) throw new VendorError(`${where}: version range "${constraint}" needs a tag pattern with {version}`);
    const [before, after] = expand(src.tag, { name, version: '\u0000' }).split('\u0000');
    const candidates = [...this.repos.tags(src.repository).keys()]
      .filter((t) => t.startsWith(before) && t.endsWith(after))
      .map((t) => t.slice(before.length, t.length - after.length))
      .filter((v) => satisfies(v, constraint))
      .sort((a, b) => compareSemver(parseSemver(b)!, parseSemver(a)!));
    const limit = parent.time();
    for (const v of candidates) {
      const rel = this.open(src, name, v, where);
      if (rel.time() <= limit) {
        this.log(`  ${where}: range "${constraint}" resolved to ${v}, the newest release not newer than its parent's`);
        return v;
      }
    }
    throw new VendorError(`${where}: no release of ${name} in ${src.repository} matches "${constraint}"`);
  }

  private entry(e: {
    name: string; alias?: string; version: string; constraint?: string; path: string; release: Release; source: string;
    substitutions?: Substitution[]; added?: string[]; dependencies: LockedDependency[];
  }): LockedDependency {
    return {
      name: e.name,
      ...(e.alias ? { alias: e.alias } : {}),
      version: e.version,
      ...(e.constraint ? { constraint: e.constraint } : {}),
      path: e.path,
      repository: e.release.repository,
      ref: e.release.ref,
      commit: e.release.commit,
      source: e.source,
      ...(e.substitutions?.length ? { substitutions: e.substitutions } : {}),
      ...(e.added?.length ? { added: e.added } : {}),
      ...(e.dependencies.length ? { dependencies: e.dependencies } : {}),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Kustomizations
// ---------------------------------------------------------------------------------------------

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Repository paths of a kustomization folder's file and everything it references, recursively. */
function kustomizationClosure(release: Release, dir: string, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  const norm = (p: string): string => (p === '' ? '.' : path.posix.normalize(p).replace(/(.)\/+$/, '$1'));
  const folder = norm(dir);
  if (seen.has(folder)) return out;
  seen.add(folder);
  const join = (rel: string): string => norm(path.posix.join(folder === '.' ? '' : folder, rel));
  const entries = release.entries();
  const file = KUSTOMIZATION_FILES.map((f) => join(f)).find((f) => entries.has(f));
  if (!file) throw new VendorError(`${release.repository} ${release.ref}: ${folder} has no kustomization`);
  out.add(file);
  const k = (parseYaml(release.readFile(file).toString('utf8')) ?? {}) as Record<string, unknown>;
  const refs: string[] = [];
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  for (const key of ['resources', 'bases', 'components', 'crds', 'configurations', 'transformers', 'generators', 'validators']) {
    for (const r of list(k[key])) if (typeof r === 'string') refs.push(r);
  }
  for (const p of list(k.patchesStrategicMerge)) if (typeof p === 'string' && !p.includes('\n')) refs.push(p);
  for (const key of ['patches', 'patchesJson6902', 'replacements']) {
    for (const p of list(k[key])) if (p && typeof p === 'object' && typeof (p as { path?: unknown }).path === 'string') refs.push((p as { path: string }).path);
  }
  for (const key of ['configMapGenerator', 'secretGenerator']) {
    for (const g of list(k[key])) {
      const gen = (g ?? {}) as { files?: unknown; envs?: unknown; env?: unknown };
      for (const f of list(gen.files)) if (typeof f === 'string') refs.push(f.includes('=') ? f.slice(f.indexOf('=') + 1) : f);
      for (const f of list(gen.envs)) if (typeof f === 'string') refs.push(f);
      if (typeof gen.env === 'string') refs.push(gen.env);
    }
  }
  const openapi = (k.openapi ?? {}) as { path?: unknown };
  if (typeof openapi.path === 'string') refs.push(openapi.path);
  if (k.helmCharts) throw new VendorError(`${release.repository} ${release.ref}: ${file} inflates Helm charts, which cannot be rendered offline`);
  for (const ref of refs) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(ref) || ref.includes('?ref=')) {
      throw new VendorError(`${release.repository} ${release.ref}: ${file} references ${ref}, outside the repository`);
    }
    const target = join(ref);
    if (target.startsWith('..')) throw new VendorError(`${release.repository} ${release.ref}: ${file} references ${ref}, outside the repository`);
    if (entries.has(target)) out.add(target);
    else if (release.isDir(target)) for (const f of kustomizationClosure(release, target, seen)) out.add(f);
    else throw new VendorError(`${release.repository} ${release.ref}: ${file} references ${ref}, which is not in the repository`);
  }
  return out;
}

function readManifests(component: ManifestComponent, release: Release): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const addFile = (repoPath: string): void => {
    for (const [rel, b] of release.readFiles(repoPath)) files.set(rel ? `${repoPath}/${rel}` : repoPath, b);
  };
  for (const src of component.sources) {
    const folder = src === '.' ? '.' : path.posix.normalize(src);
    if (!release.isDir(folder)) throw new VendorError(`${release.repository} ${release.ref} has no folder ${src}`);
    const hasKustomization = KUSTOMIZATION_FILES.some((f) => release.entries().has(folder === '.' ? f : `${folder}/${f}`));
    if (component.copy === 'folders') {
      for (const [rel, b] of release.readFiles(folder)) files.set(folder === '.' ? rel : `${folder}/${rel}`, b);
    } else if (!hasKustomization) {
      throw new VendorError(`${release.repository} ${release.ref}: ${src} has no kustomization to copy`);
    }
    if (hasKustomization) for (const f of kustomizationClosure(release, folder)) addFile(f);
  }
  return files;
}

// ---------------------------------------------------------------------------------------------
// Lock file
// ---------------------------------------------------------------------------------------------

interface LockFile {
  charts: Record<string, LockedChart>;
  manifests: Record<string, LockedManifests>;
}

function readLock(root: string): LockFile {
  const file = path.join(root, LOCK_FILE);
  if (!fs.existsSync(file)) return { charts: {}, manifests: {} };
  const doc = (parseYaml(fs.readFileSync(file, 'utf8')) ?? {}) as Partial<LockFile>;
  return { charts: { ...(doc.charts ?? {}) }, manifests: { ...(doc.manifests ?? {}) } };
}

function writeLock(root: string, lock: LockFile): void {
  const sorted = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  const body = stringifyYaml({ charts: sorted(lock.charts), manifests: sorted(lock.manifests) }, { lineWidth: 0 });
  const file = path.join(root, LOCK_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, LOCK_HEADER + body);
  fs.renameSync(`${file}.tmp`, file);
}

/** Writes a vendored folder whole (replacing what was there). */
function writeFolder(dest: string, files: Map<string, Buffer>): void {
  const tmp = `${dest}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const [rel, bytes] of files) {
    if (rel === '' || rel.split('/').some((s) => s === '..' || s === '.' || s === '')) throw new VendorError(`refusing to write ${rel || '(empty path)'}`);
    const file = path.join(tmp, ...rel.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
  }
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.renameSync(tmp, dest);
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

export interface VendorOptions {
  /** The platform checkout (vendor/ and vendor/lock.yaml are under it). */
  readonly root?: string;
  readonly name: string;
  readonly version: string;
  /** A local git folder or URL holding the component's repository, instead of its table URL. */
  readonly from?: string;
  /** Every component it may vendor: `chartComponents(CHART_PINS)` and `MANIFEST_COMPONENTS` (the command line passes them). */
  readonly components: ComponentTable;
  readonly helmRepositories?: HelmRepositoryTable;
  readonly log?: (line: string) => void;
}

export interface VendorResult {
  readonly kind: 'chart' | 'manifests';
  /** Lock key. */
  readonly key: string;
  readonly entry: LockedChart | LockedManifests;
  /** The previous version's folder, removed (relative to the root). */
  readonly removed?: string;
}

function lookup(components: ComponentTable, name: string): [string, Component] {
  if (components[name]) return [name, components[name]];
  const hit = Object.entries(components).find(([, c]) => c.aliases?.includes(name));
  if (hit) return hit;
  const known = Object.keys(components).sort().map((k) => (components[k].aliases?.length ? `${k} (${components[k].aliases!.join(', ')})` : k));
  throw new VendorError(`unknown component "${name}"; known: ${known.join(', ')} (a chart: declare its pin, with its source, in its layer file and list it in CHART_PINS of lib/layers/index.ts; a manifest set: MANIFEST_COMPONENTS of ${THIS_FILE})`);
}

/** Vendors one component at one version and records it in vendor/lock.yaml. */
export function vendor(options: VendorOptions): VendorResult {
  const root = options.root ?? ROOT;
  const components = options.components;
  const log = options.log ?? (() => undefined);
  const [key, component] = lookup(components, options.name);
  const version = options.version;
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(version)) throw new VendorError(`"${version}" is not a version`);
  const repos = new Repositories();
  try {
    const location = options.from ?? component.repository;
    const lock = readLock(root);
    if (component.kind === 'chart') {
      const vendorer = new Vendorer(repos, options.helmRepositories ?? HELM_REPOSITORIES, log);
      const ref = component.branch ? { branch: component.branch } : { tag: expand(component.tag ?? '{version}', { name: key, version }) };
      const release = repos.open(location, ref, component.repository);
      log(`${key} ${version}: ${component.repository} ${release.ref} (${release.commit.slice(0, 12)})`);
      const read = vendorer.readChart(component, release, key, version, key);
      const dependencies = vendorer.dependencies(read.files, { release, source: read.chartPath, packaged: Boolean(component.archive) }, key);
      const rel = `vendor/charts/${key}-${version}`;
      writeFolder(path.join(root, rel), read.files);
      const entry: LockedChart = {
        version,
        path: rel,
        repository: component.repository,
        ref: release.ref,
        commit: release.commit,
        source: read.chartPath,
        sha256: hashTree(path.join(root, rel)),
        dependencies,
        ...(read.substitutions.length ? { substitutions: read.substitutions } : {}),
        ...(read.added.length ? { added: read.added } : {}),
        ...(read.generated ? { generated: read.generated } : {}),
      };
      const removed = removePrevious(root, lock.charts[key]?.path, rel);
      lock.charts[key] = entry;
      writeLock(root, lock);
      return { kind: 'chart', key, entry, ...(removed ? { removed } : {}) };
    }
    const release = repos.open(location, { tag: expand(component.tag, { name: key, version }) }, component.repository);
    log(`${key} ${version}: ${component.repository} ${release.ref} (${release.commit.slice(0, 12)})`);
    const files = readManifests(component, release);
    const added = addLicence(files, release);
    const rel = `vendor/manifests/${key}-${version}`;
    writeFolder(path.join(root, rel), files);
    const entry: LockedManifests = {
      version,
      path: rel,
      repository: component.repository,
      ref: release.ref,
      commit: release.commit,
      sources: [...component.sources],
      copy: component.copy,
      sha256: hashTree(path.join(root, rel)),
      ...(added.length ? { added } : {}),
    };
    const removed = removePrevious(root, lock.manifests[key]?.path, rel);
    lock.manifests[key] = entry;
    writeLock(root, lock);
    return { kind: 'manifests', key, entry, ...(removed ? { removed } : {}) };
  } finally {
    repos.close();
  }
}

function removePrevious(root: string, previous: string | undefined, current: string): string | undefined {
  if (!previous || previous === current) return undefined;
  const norm = path.posix.normalize(previous);
  if (!/^vendor\/(charts|manifests)\/[^/]+$/.test(norm)) throw new VendorError(`${LOCK_FILE} names ${previous} as a vendored folder; refusing to remove it`);
  fs.rmSync(path.join(root, norm), { recursive: true, force: true });
  return norm;
}

export const VENDOR_USAGE = 'usage: npm run vendor -- <name> <version> [--from <git-dir-or-url>]';

const help = (components: ComponentTable): string => `${VENDOR_USAGE}

Copies an upstream Helm chart (its dependencies unpacked under charts/, recursively) or an upstream
manifest set into vendor/charts/<chart>-<version>/ or vendor/manifests/<name>-<version>/, from the
Git tag it is released from, removes the previous version's folder, and records repository, tag,
commit and sha256 in ${LOCK_FILE}.

  <name>     a chart (its pin's name works too) or a manifest set: a chart pin of a layer file
             (lib/layers/index.ts CHART_PINS) or MANIFEST_COMPONENTS of ${THIS_FILE}
  <version>  the release, e.g. 9.1.4
  --from     a local clone or mirror (or another URL) of the component's repository; dependencies are
             read from their table repositories (redirect them with git's url.<base>.insteadOf)

Components: ${Object.keys(components).sort().join(', ')}`;

/** Paths under `rel` git would not add (upstream .gitignore files ignore unpacked charts/, Chart.lock...); [] outside a git checkout. */
function ignoredByGit(root: string, rel: string): string[] {
  const r = spawnSync('git', ['-C', root, 'ls-files', '--others', '--ignored', '--exclude-standard', '--directory', '--', rel], { env: GIT_ENV, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean) : [];
}

/** Command-line IO (tests pass their own). */
export interface VendorIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** `npm run vendor`: returns the exit code; every refusal is one line. */
export function runVendorCli(
  args: readonly string[],
  io: VendorIo = { out: (l) => console.log(l), err: (l) => console.error(l) },
  tables: Pick<VendorOptions, 'root' | 'components' | 'helmRepositories'>,
): number {
  try {
    const { values, positionals } = (() => {
      try {
        return parseArgs({ args: [...args], options: { from: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
      } catch (e) {
        throw new VendorError(`${(e as Error).message}; ${VENDOR_USAGE}`);
      }
    })();
    if (values.help) {
      io.out(help(tables.components));
      return 0;
    }
    if (positionals.length !== 2) throw new VendorError(`expected <name> <version>; ${VENDOR_USAGE}`);
    const [name, version] = positionals;
    const result = vendor({ ...tables, name, version, from: values.from, log: io.out });
    const e = result.entry;
    const deps = 'dependencies' in e ? e.dependencies : [];
    io.out(`vendored ${result.key} ${e.version} into ${e.path} (${e.ref} @ ${e.commit.slice(0, 12)}, sha256 ${e.sha256.slice(0, 12)})` +
      (deps.length ? `; dependencies: ${deps.map((d) => `${d.name} ${d.version}`).join(', ')}` : ''));
    if (result.removed) io.out(`removed ${result.removed}`);
    const ignored = ignoredByGit(tables.root ?? ROOT, e.path);
    if (ignored.length) {
      io.out(`note: ${ignored.length} path(s) under ${e.path} are ignored by .gitignore files of the upstream tree ` +
        `(e.g. ${ignored[0]}): commit the folder with git add -f ${e.path}`);
    }
    return 0;
  } catch (e) {
    const message = e instanceof VendorError ? e.message : (e as Error).message ?? String(e);
    io.err(`vendor: ${message.split('\n')[0]}`);
    if (!(e instanceof VendorError) && process.env.VENDOR_DEBUG) io.err(String((e as Error).stack));
    return 1;
  }
}

/**
 * The CRD templates of the external-secrets chart as its release makes them
 * (hack/helm.generate.sh): one `templates/crds/<singular>.yaml` per CRD of deploy/crds/bundle.yaml,
 * wrapped in `installCRDs` (and `crds.create<Kind>` for cluster-wide kinds and PushSecret), the
 * v1beta1 `served: false` of the ExternalSecret and SecretStore kinds made a value, the webhook
 * service names templated, and the CRD annotations block inserted after the first `annotations`.
 */
export function externalSecretsCrdTemplates(bundle: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of bundle.split(/^---[ \t]*$/m)) {
    const doc = raw.replace(/^\n+/, '');
    if (!/^kind: CustomResourceDefinition$/m.test(doc)) continue;
    const singular = /^ {4}singular: (\S+)$/m.exec(doc)?.[1];
    const kind = /^ {4}kind: (\S+)$/m.exec(doc)?.[1];
    if (!singular || !kind) throw new VendorError(`external-secrets: a CRD of deploy/crds/bundle.yaml has no spec.names.singular or kind; update ${THIS_FILE}`);
    const flag = `create${kind}`;
    let body = doc.endsWith('\n') ? doc : `${doc}\n`;
    if (flag.includes('ExternalSecret') || flag.includes('SecretStore')) {
      body = body.replace(/(name: v1beta1[\s\S]*?)served: false/, '$1served: {{ .Values.crds.unsafeServeV1Beta1 }}');
    }
    const open = flag.includes('Cluster') || flag.includes('PushSecret') ? `{{- if and (.Values.installCRDs) (.Values.crds.${flag}) }}` : '{{- if .Values.installCRDs }}';
    let text = `${open}\n${body}{{- end }}\n`;
    text = text.replace(/name: kubernetes/g, 'name: {{ include "external-secrets.fullname" . }}-webhook');
    text = text.replace(/namespace: default/g, 'namespace: {{ .Release.Namespace | quote }}');
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes('annotations'));
    if (at >= 0) {
      lines.splice(at + 1, 0,
        '    {{- with .Values.crds.annotations }}',
        '    {{- toYaml . | nindent 4}}',
        '    {{- end }}',
        '    {{- if and .Values.crds.conversion.enabled .Values.webhook.certManager.enabled .Values.webhook.certManager.addInjectorAnnotations }}',
        '    cert-manager.io/inject-ca-from: {{ .Release.Namespace }}/{{ include "external-secrets.fullname" . }}-webhook',
        '    {{- end }}');
    }
    out[`templates/crds/${singular}.yaml`] = lines.join('\n');
  }
  if (!Object.keys(out).length) throw new VendorError(`external-secrets: deploy/crds/bundle.yaml holds no CRD; update ${THIS_FILE}`);
  return out;
}
