import * as http from 'http';
import * as https from 'https';
import { DrillError } from './drill-error';
import type { KubeAccess } from './kubeconfig';

/** An answer of the API server: the status and the parsed JSON body (a `Status` object on errors). */
export interface KubeResponse {
  readonly status: number;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Patch flavours the API server takes. */
export const MERGE_PATCH = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';

/**
 * A minimal Kubernetes API client on Node's http/https: client-certificate TLS or a bearer
 * token, the cluster's CA, JSON in and out. Credentials are never printed.
 */
export class KubeApi {
  private readonly agent: http.Agent;

  constructor(private readonly access: KubeAccess, private readonly timeoutMs = 15000) {
    this.agent = access.server.startsWith('http:')
      ? new http.Agent({ keepAlive: false })
      : new https.Agent({ keepAlive: false, ca: access.ca, cert: access.cert, key: access.key, rejectUnauthorized: !access.insecureSkipTlsVerify });
  }

  /** The server URL, for messages. */
  public get server(): string {
    return this.access.server;
  }

  /** One request; any answer (2xx or not) is returned, a network failure throws a DrillError. */
  public request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse> {
    const url = new URL(path, `${this.access.server}/`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'tsys-platform' };
    if (this.access.token) headers.authorization = `Bearer ${this.access.token}`;
    if (payload !== undefined) {
      headers['content-type'] = contentType;
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const lib = url.protocol === 'http:' ? http : https;
    return new Promise<KubeResponse>((resolve, reject) => {
      const failed = (cause: string) => new DrillError(`Kubernetes API ${this.access.server}: ${method} ${url.pathname} failed (${cause}); is the cluster reachable, and is ${this.access.file} (context ${this.access.context}) the right kubeconfig?`);
      const req = lib.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        // A connection lost in the middle of the answer: no 'end' comes, and without these the promise would never settle.
        res.on('error', (e: NodeJS.ErrnoException) => reject(failed(`its answer was cut short: ${e.code ?? e.message}`)));
        res.on('close', () => {
          if (!res.complete) reject(failed('its answer was cut short: ECONNRESET'));
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = undefined;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = { message: text.slice(0, 200) };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer within ${this.timeoutMs / 1000} s`)));
      req.on('error', (e) => reject(failed((e as NodeJS.ErrnoException).code ?? e.message)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** A request that must succeed (2xx); anything else throws a DrillError with the server's message and a hint. */
  public async json<T>(method: string, path: string, what: string, body?: unknown, contentType?: string): Promise<T> {
    const res = await this.request(method, path, body, contentType);
    if (res.status >= 200 && res.status < 300) return res.body as T;
    throw this.refusal(res, method, path, what);
  }

  /** The DrillError for an answer that is not what `what` needed: status, the server's message and a hint. */
  public refusal(res: KubeResponse, method: string, path: string, what: string): DrillError {
    return new DrillError(`${what}: ${method} ${path.split('?')[0]} answered ${res.status}${statusMessage(res)}${this.hint(res.status)}`);
  }

  private hint(status: number): string {
    if (status === 401) return `; the credentials of context ${this.access.context} in ${this.access.file} were not accepted (expired certificate or token?)`;
    if (status === 403) return `; the user of context ${this.access.context} lacks this permission`;
    return '';
  }
}

/** ` (message)` from a Kubernetes Status body, or nothing. */
export function statusMessage(res: KubeResponse): string {
  const m = res.body && typeof res.body === 'object' && typeof res.body.message === 'string' ? res.body.message : '';
  return m ? ` (${m})` : '';
}
