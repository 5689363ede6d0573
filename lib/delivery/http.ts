import { DeliveryError } from './delivery-error';

/** How a request authenticates: Gitea wants `token <t>`, Argo CD `Bearer <t>`. */
export interface HttpAuth {
  readonly scheme: 'token' | 'Bearer';
  readonly token: string;
  /** The environment variable the token came from, named in errors (never the token). */
  readonly source: string;
}

export interface JsonRequest {
  /** @default GET */
  readonly method?: 'GET' | 'POST' | 'PATCH';
  readonly auth: HttpAuth;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** What the request is for, at the start of any error, e.g. `Gitea: list comments on PR 7`. */
  readonly what: string;
}

export interface JsonResponse<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/** The `rel="next"` target of an RFC 8288 `Link` header (GitHub and Gitea paginate with it). */
export function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /^\s*<([^>]+)>(.*)$/.exec(part);
    if (!m) continue;
    const rel = m[2].split(';').map((p) => /^\s*rel\s*=\s*"?([^"]*)"?\s*$/i.exec(p)).find((r) => r);
    if (rel && rel[1].split(/\s+/).includes('next')) return m[1];
  }
  return undefined;
}

/** What to check when an API refuses a request with `status`; `source` names the token's variable. */
export function refusalHint(status: number, source: string): string {
  if (status === 401) return `; the token in ${source} was not accepted: check that it is current`;
  if (status === 403) return `; the token in ${source} lacks a permission this needs`;
  if (status === 404) return `; check the repository (or application) name, and that the token in ${source} can see it`;
  return '';
}

/**
 * One JSON request with `fetch`. Any network failure or non-2xx answer becomes a DeliveryError
 * naming the request, the status and the server's message; the token is never printed.
 */
export async function requestJson<T>(url: string, req: JsonRequest): Promise<JsonResponse<T>> {
  const method = req.method ?? 'GET';
  // A mistyped API URL (an option or site.yaml) is the user's to fix, not a TypeError with its stack.
  if (!URL.canParse(url)) throw new DeliveryError(`${req.what}: ${url} is not a URL; check --gitea-api-url (or --github-api-url), or the repository URL in site.yaml`);
  const headers: Record<string, string> = {
    accept: 'application/json',
    authorization: `${req.auth.scheme} ${req.auth.token}`,
  };
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: req.body === undefined ? undefined : JSON.stringify(req.body) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new DeliveryError(`${req.what}: cannot reach ${new URL(url).origin} (${cause?.code ?? cause?.message ?? (e as Error).message})`);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    // The connection dropped in the middle of the answer (fetch's TypeError "terminated").
    const cause = (e as { cause?: { code?: string } }).cause;
    throw new DeliveryError(`${req.what}: ${method} ${url} answered ${res.status}, but the answer was cut short (${cause?.code ?? (e as Error).message}); check the connection to ${new URL(url).origin} and run the command again`);
  }
  if (!res.ok) {
    let message = text.slice(0, 300).trim();
    try {
      const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
      else if (typeof parsed.error === 'string') message = parsed.error;
    } catch {
      // not JSON: keep the start of the text
    }
    throw new DeliveryError(`${req.what}: ${method} ${url} answered ${res.status}${message ? ` (${message})` : ''}${refusalHint(res.status, req.auth.source)}`);
  }
  let body: T;
  try {
    body = (text ? JSON.parse(text) : undefined) as T;
  } catch {
    throw new DeliveryError(`${req.what}: ${method} ${url} answered ${res.status} with something that is not JSON (${text.slice(0, 80)}); is the URL the API root?`);
  }
  return { status: res.status, headers: res.headers, body };
}

/**
 * Every item of a paginated list: requests `url`, then follows `Link: rel="next"` until there is
 * none (a list that is not paginated is one page). Breaking out of the loop stops fetching.
 */
export async function* paginateJson<T>(url: string, req: JsonRequest, maxPages = 1000): AsyncGenerator<T> {
  const seen = new Set<string>();
  let next: string | undefined = url;
  while (next) {
    if (seen.has(next) || seen.size >= maxPages) throw new DeliveryError(`${req.what}: pagination did not end after ${seen.size} pages (${next})`);
    seen.add(next);
    const res: JsonResponse<T[] | null> = await requestJson<T[] | null>(next, req);
    if (res.body !== null && !Array.isArray(res.body)) throw new DeliveryError(`${req.what}: ${next} answered ${res.status} with ${typeof res.body}, not a list`);
    for (const item of res.body ?? []) yield item;
    const link = nextLink(res.headers.get('link'));
    next = link ? new URL(link, next).toString() : undefined;
  }
}
