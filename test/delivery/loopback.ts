import * as http from 'http';
import type { AddressInfo } from 'net';

/** One request a loopback server received. */
export interface RecordedRequest {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  /** The JSON body, parsed; undefined when empty. */
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** What a handler answers. */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/**
 * An HTTP server on 127.0.0.1 (a free port) that records every request and answers with
 * `handler`. The only network the delivery tests use.
 */
export class LoopbackServer {
  public readonly requests: RecordedRequest[] = [];
  private readonly server: http.Server;
  private base = '';

  constructor(private readonly handler: (req: RecordedRequest, base: string) => Reply) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', this.base);
        const text = Buffer.concat(chunks).toString('utf8');
        const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: text ? JSON.parse(text) : undefined };
        this.requests.push(recorded);
        let reply: Reply;
        try {
          reply = this.handler(recorded, this.base);
        } catch (e) {
          reply = { status: 500, body: { message: String(e) } };
        }
        res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
        res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      });
    });
  }

  /** Starts listening; returns the base URL, e.g. `http://127.0.0.1:41234`. */
  public async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.base;
  }

  public async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** `METHOD /path?query` of every request, in order. */
  public log(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}${[...r.query].length ? `?${r.query.toString()}` : ''}`);
  }
}
