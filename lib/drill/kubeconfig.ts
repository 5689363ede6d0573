import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { yamlErrorParts } from '../yaml-error';
import { DrillError } from './drill-error';

/** How to reach and authenticate to the Kubernetes API, from a kubeconfig's current context. */
export interface KubeAccess {
  /** The API server URL, e.g. `https://10.251.51.10:6443`. */
  readonly server: string;
  /** CA certificate(s) the server's certificate must chain to (PEM); the system CAs when absent. */
  readonly ca?: Buffer;
  /** Client certificate and key (PEM), for certificate authentication (k3s's admin kubeconfig). */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Bearer token, for token authentication. */
  readonly token?: string;
  readonly insecureSkipTlsVerify: boolean;
  /** The context's namespace, if set. */
  readonly namespace?: string;
  /** The context used and the file it came from, named in errors. */
  readonly context: string;
  readonly file: string;
}

/**
 * The kubeconfig file to use: `--kubeconfig`, else the first file of `KUBECONFIG` (files are not
 * merged), else `~/.kube/config`.
 */
export function kubeconfigPath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  if (explicit) return path.resolve(explicit);
  const fromEnv = (env.KUBECONFIG ?? '').split(path.delimiter).find((p) => p.trim());
  return fromEnv ? path.resolve(fromEnv) : path.join(home, '.kube', 'config');
}

interface Named<T> {
  readonly name?: string;
  readonly [key: string]: unknown;
  readonly value?: T;
}

function named<T>(list: unknown, key: string, name: string, file: string, what: string): T {
  const entries = Array.isArray(list) ? (list as Named<T>[]) : [];
  const entry = entries.find((e) => e?.name === name);
  const value = entry?.[key] as T | undefined;
  if (!value) throw new DrillError(`${file}: no ${what} "${name}" (known: ${entries.map((e) => e?.name).filter(Boolean).join(', ') || 'none'}); check the kubeconfig or pass --kubeconfig`);
  return value;
}

/** Inline base64 data (`*-data`) or a file relative to the kubeconfig's folder. */
function material(data: unknown, file: unknown, dir: string, what: string, kubeconfig: string): Buffer | undefined {
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64');
  if (typeof file === 'string' && file) {
    const p = path.resolve(dir, file);
    try {
      return fs.readFileSync(p);
    } catch (e) {
      throw new DrillError(`${kubeconfig}: cannot read the ${what} ${p} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  return undefined;
}

/**
 * Reads the current context of a kubeconfig: cluster server and CA, and the user's client
 * certificate and key or token (inline `-data`, or files relative to the kubeconfig). Exec and
 * auth-provider plugins are refused with a message: use a certificate or token kubeconfig.
 */
export function parseKubeconfig(text: string, file: string): KubeAccess {
  let doc: Record<string, unknown>;
  try {
    doc = (parse(text) ?? {}) as Record<string, unknown>;
  } catch (e) {
    // One line: the parser's message continues with the offending lines and a caret.
    const { at, what } = yamlErrorParts(e);
    throw new DrillError(`${file}${at} is not valid YAML (${what}); fix the kubeconfig or pass another with --kubeconfig`);
  }
  const context = doc['current-context'];
  if (typeof context !== 'string' || !context) throw new DrillError(`${file} has no current-context; choose one with kubectl config use-context <name>`);
  const ctx = named<Record<string, unknown>>(doc.contexts, 'context', context, file, 'context');
  const cluster = named<Record<string, unknown>>(doc.clusters, 'cluster', String(ctx.cluster), file, 'cluster');
  const user = ctx.user ? named<Record<string, unknown>>(doc.users, 'user', String(ctx.user), file, 'user') : {};
  const server = cluster.server;
  if (typeof server !== 'string' || !/^https?:\/\//.test(server)) throw new DrillError(`${file}: cluster "${ctx.cluster}" has no https:// server URL`);
  const dir = path.dirname(file);
  const cert = material(user['client-certificate-data'], user['client-certificate'], dir, 'client certificate', file);
  const key = material(user['client-key-data'], user['client-key'], dir, 'client key', file);
  const tokenFile = material(undefined, user.tokenFile, dir, 'token file', file);
  const token = typeof user.token === 'string' && user.token ? user.token : tokenFile?.toString('utf8').trim();
  if (!!cert !== !!key) throw new DrillError(`${file}: user "${ctx.user}" has a client certificate without its key (or the other way round)`);
  if (!cert && !token) {
    const plugin = user.exec ? 'an exec plugin' : user['auth-provider'] ? 'an auth-provider plugin' : 'no credentials';
    throw new DrillError(`${file}: user "${ctx.user}" has ${plugin}; this command needs a client certificate or a token (the k3s kubeconfig /etc/rancher/k3s/k3s.yaml has one)`);
  }
  return {
    server: server.replace(/\/+$/, ''),
    ca: material(cluster['certificate-authority-data'], cluster['certificate-authority'], dir, 'certificate authority', file),
    cert,
    key,
    token,
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    namespace: typeof ctx.namespace === 'string' ? ctx.namespace : undefined,
    context,
    file,
  };
}

/** Reads and parses a kubeconfig file; a missing file says where it looked. */
export function loadKubeconfig(file: string): KubeAccess {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new DrillError(`cannot read the kubeconfig ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass --kubeconfig <file> or set KUBECONFIG (on a k3s server: /etc/rancher/k3s/k3s.yaml)`);
  }
  return parseKubeconfig(text, file);
}
