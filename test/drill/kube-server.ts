import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import type { TLSSocket } from 'tls';

/** One request the fake API server received. */
export interface KubeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** The CN of the client certificate, over TLS with one. */
  readonly clientCn?: string;
}

export interface KubeReply {
  readonly status: number;
  readonly body?: unknown;
}

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
export interface TestPki {
  readonly dir: string;
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/** Creates the PKI in a temporary folder (EC keys, valid 2 days). */
export function makePki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-pki-'));
  const f = (n: string) => path.join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test-ca');
  fs.writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext');
  ssl('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/O=system:masters/CN=system:admin');
  ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '2');
  return { dir, ca: f('ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'), clientCert: f('client.crt'), clientKey: f('client.key') };
}

/**
 * A fake Kubernetes API server on 127.0.0.1: plain HTTP, or HTTPS that demands a client
 * certificate signed by the test CA. Records every request and answers with `handler`.
 */
export class KubeTestServer {
  public readonly requests: KubeRequest[] = [];
  private readonly server: http.Server | https.Server;

  constructor(private readonly handler: (req: KubeRequest) => KubeReply, pki?: TestPki) {
    const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const text = Buffer.concat(chunks).toString('utf8');
        const socket = req.socket as TLSSocket;
        const cn = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate()?.subject?.CN : undefined;
        const clientCn = Array.isArray(cn) ? cn.join(',') : cn;
        const recorded: KubeRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: text ? JSON.parse(text) : undefined, clientCn: clientCn || undefined };
        this.requests.push(recorded);
        const reply = this.handler(recorded);
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      });
    };
    this.server = pki
      ? https.createServer({ cert: fs.readFileSync(pki.serverCert), key: fs.readFileSync(pki.serverKey), ca: fs.readFileSync(pki.ca), requestCert: true, rejectUnauthorized: true }, listener)
      : http.createServer(listener);
  }

  /** Starts listening; returns the base URL. */
  public async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const scheme = this.server instanceof https.Server ? 'https' : 'http';
    return `${scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** `METHOD /path[?query] <content-type>` of every request. */
  public log(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}${[...r.query].length ? `?${r.query.toString()}` : ''}${r.headers['content-type'] ? ` ${r.headers['content-type']}` : ''}`);
  }
}

/** A Kubernetes Status error body. */
export function status(code: number, reason: string, message: string): KubeReply {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code } };
}
