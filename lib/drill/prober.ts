import * as http from 'http';
import * as https from 'https';

/** One HTTP GET as the drill saw it. */
export interface ProbeResult {
  /** Answered with a status below 400 (a redirect counts: the app answered). */
  readonly ok: boolean;
  readonly status?: number;
  /** The body, for data markers. */
  readonly body?: string;
  /** Why it failed: `HTTP 503`, `ECONNREFUSED`, `timeout after 5 s`... */
  readonly error?: string;
}

/** Gets URLs; never throws (a failure is a result). */
export interface Prober {
  get(url: string): Promise<ProbeResult>;
}

/**
 * A prober with Node's http/https: no redirects followed, no keep-alive (each probe opens a new
 * connection, as a fresh browser would), `timeoutMs` per request.
 */
export function httpProber(timeoutMs = 5000): Prober {
  return {
    get: (url) =>
      new Promise<ProbeResult>((resolve) => {
        let target: URL;
        try {
          target = new URL(url);
        } catch {
          resolve({ ok: false, error: `not a URL: ${url}` });
          return;
        }
        const lib = target.protocol === 'http:' ? http : https;
        const req = lib.get(target, { agent: false, headers: { 'cache-control': 'no-cache', 'user-agent': 'tsys-platform-drill' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const ok = status > 0 && status < 400;
            resolve({ ok, status, body: Buffer.concat(chunks).toString('utf8'), error: ok ? undefined : `HTTP ${status}` });
          });
          res.on('error', (e) => resolve({ ok: false, status: res.statusCode, error: (e as NodeJS.ErrnoException).code ?? e.message }));
        });
        req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`timeout after ${timeoutMs / 1000} s`), { code: `timeout after ${timeoutMs / 1000} s` })));
        req.on('error', (e) => resolve({ ok: false, error: (e as NodeJS.ErrnoException).code ?? e.message }));
      }),
  };
}
