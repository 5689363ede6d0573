import * as http from 'http';
import * as https from 'https';
import type { ArgoApplication } from '../gitops/argocd-application';
import { DiffError } from './git';

/**
 * A read-only client of the Argo CD API server (the REST gateway of its gRPC API, as the
 * `argocd` CLI uses it): GET with a bearer token, JSON back. Shapes follow Argo CD v3.2
 * (pkg/apis/application/v1alpha1/types.go, server/application/application.proto).
 */

/** Where Argo CD is and how to log in: `ARGOCD_SERVER`, `ARGOCD_AUTH_TOKEN`, `ARGOCD_INSECURE`. */
export interface ArgoCdConnection {
  /** Base URL: `https://argocd.example.com` (ARGOCD_SERVER as `host[:port]` means https). */
  readonly url: string;
  readonly token: string;
  /** Accept a certificate that is not trusted (self-signed), like `argocd --insecure`. */
  readonly insecure: boolean;
  /** @default 15000 */
  readonly timeoutMs?: number;
}

/** One item of `GET /api/v1/applications/<name>/managed-resources` (ResourceDiff; states are JSON text). */
export interface ArgoResourceDiff {
  readonly group?: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** The manifest as Argo CD rendered it from Git (`"null"` or absent when Git no longer has it). */
  readonly targetState?: string;
  readonly liveState?: string;
  /** The live object after Argo CD's normalisations (ignoreDifferences, known defaults). */
  readonly normalizedLiveState?: string;
  readonly predictedLiveState?: string;
  readonly hook?: boolean;
  readonly modified?: boolean;
}

/** What the live diff reads from Argo CD. */
export interface ArgoCdApi {
  /** Where it is, for messages. */
  readonly url: string;
  applications(): Promise<ArgoApplication[]>;
  managedResources(app: string, appNamespace?: string): Promise<ArgoResourceDiff[]>;
}

/** The connection from the environment; a DiffError naming what to set when something is missing. */
export function connectionFromEnv(env: NodeJS.ProcessEnv): ArgoCdConnection {
  const server = env.ARGOCD_SERVER?.trim();
  const token = env.ARGOCD_AUTH_TOKEN?.trim();
  const missing = [!server && 'ARGOCD_SERVER (e.g. argocd.example.com, or localhost:8080 with kubectl -n argocd port-forward svc/argocd-server 8080:443)', !token && 'ARGOCD_AUTH_TOKEN (argocd account generate-token)'].filter(Boolean);
  if (missing.length) throw new DiffError(`--live reads Argo CD's API: set ${missing.join(' and ')}`);
  const url = /^https?:\/\//.test(server!) ? server!.replace(/\/+$/, '') : `https://${server!.replace(/\/+$/, '')}`;
  // As `tsys status` reads it (lib/delivery/status.ts argoBaseUrl): a value that is no URL is the user's to fix, not a crash.
  if (!URL.canParse(url)) throw new DiffError(`ARGOCD_SERVER "${server}" is not a URL or host; set it like https://argocd.example.com or argocd.example.com:443`);
  return { url, token: token!, insecure: /^(1|true|yes)$/i.test(env.ARGOCD_INSECURE ?? '') };
}

/** The first line of an error message Argo CD's gateway sends (`{"error":…,"code":16,"message":…}`), else of the body. */
function gatewayMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: unknown };
    const text = typeof parsed.message === 'string' ? parsed.message : typeof parsed.error === 'string' ? parsed.error : body;
    return text.split('\n')[0].slice(0, 200);
  } catch {
    return body.split('\n')[0].slice(0, 200);
  }
}

/** A one-line reason for a failed request, with what to do. */
function networkProblem(conn: ArgoCdConnection, e: NodeJS.ErrnoException): string {
  const code = e.code ?? e.message;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) return `cannot reach Argo CD at ${conn.url}: its certificate is not trusted (${code}); set ARGOCD_INSECURE=true for a self-signed certificate`;
  if (code === 'EPROTO' || /wrong version number/.test(e.message)) return `cannot reach Argo CD at ${conn.url}: TLS failed (${e.message.split('\n')[0]}); if the server speaks plain HTTP, set ARGOCD_SERVER=http://…`;
  return `cannot reach Argo CD at ${conn.url} (${code}); check ARGOCD_SERVER, or port-forward (kubectl -n argocd port-forward svc/argocd-server 8080:443) and set ARGOCD_SERVER=localhost:8080`;
}

/** GET a path of the API as JSON. */
function getJson(conn: ArgoCdConnection, path: string): Promise<{ status: number; body: unknown }> {
  const url = new URL(path, `${conn.url}/`);
  const lib = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, {
      method: 'GET',
      headers: { Authorization: `Bearer ${conn.token}`, Accept: 'application/json' },
      ...(url.protocol === 'https:' ? { rejectUnauthorized: !conn.insecure } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => reject(new DiffError(networkProblem(conn, e))));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status === 401 || status === 403) {
          reject(new DiffError(`Argo CD at ${conn.url} refused the token (HTTP ${status}: ${gatewayMessage(text)}); set ARGOCD_AUTH_TOKEN to a valid token (argocd account generate-token) of an account that may get applications`));
          return;
        }
        if (status === 404) {
          resolve({ status, body: undefined });
          return;
        }
        if (status < 200 || status >= 300) {
          reject(new DiffError(`Argo CD at ${conn.url} answered HTTP ${status} to GET ${url.pathname}: ${gatewayMessage(text)}`));
          return;
        }
        try {
          resolve({ status, body: JSON.parse(text) });
        } catch {
          reject(new DiffError(`Argo CD at ${conn.url} answered GET ${url.pathname} with something that is not JSON; is ARGOCD_SERVER the Argo CD API server (argocd-server)?`));
        }
      });
    });
    req.setTimeout(conn.timeoutMs ?? 15000, () => req.destroy(Object.assign(new Error('timed out'), { code: `no answer within ${(conn.timeoutMs ?? 15000) / 1000} s` })));
    req.on('error', (e) => reject(e instanceof DiffError ? e : new DiffError(networkProblem(conn, e as NodeJS.ErrnoException))));
    req.end();
  });
}

/** The API over HTTP(S). */
export function argoCdApi(conn: ArgoCdConnection): ArgoCdApi {
  return {
    url: conn.url,
    async applications() {
      const { body } = await getJson(conn, '/api/v1/applications');
      if (body === undefined) throw new DiffError(`Argo CD at ${conn.url} has no /api/v1/applications (HTTP 404); is ARGOCD_SERVER the Argo CD API server (argocd-server)?`);
      const items = (body as { items?: unknown }).items;
      return Array.isArray(items) ? (items as ArgoApplication[]) : [];
    },
    async managedResources(app, appNamespace) {
      const query = appNamespace ? `?appNamespace=${encodeURIComponent(appNamespace)}` : '';
      const { body } = await getJson(conn, `/api/v1/applications/${encodeURIComponent(app)}/managed-resources${query}`);
      const items = (body as { items?: unknown } | undefined)?.items;
      return Array.isArray(items) ? (items as ArgoResourceDiff[]) : [];
    },
  };
}
