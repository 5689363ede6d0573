import { Octokit } from '@octokit/rest';
import { DeliveryError } from './delivery-error';
import { HttpAuth, paginateJson, refusalHint, requestJson } from './http';
import { giteaApiUrl, githubApiUrl, RepoRef } from './repo-url';

/** Hidden first line of the platform's pull request comment: how it is found again and edited in place. */
export const COMMENT_MARKER = '<!-- tsys-platform-diff -->';

/** The forges a pull request can live on: Gitea (the repository Argo CD reads) and its GitHub mirror. */
export type ForgeKind = 'gitea' | 'github';

/** Commit status states both forges accept. */
export type CommitState = 'pending' | 'success' | 'failure' | 'error';

/** GitHub refuses comment bodies longer than this. */
export const GITHUB_MAX_COMMENT = 65536;
/** GitHub refuses longer status descriptions. */
const MAX_STATUS_DESCRIPTION = 140;

/** What `upsertComment` did. */
export interface CommentResult {
  /** The comment's id: the same on every run for one pull request. */
  readonly id: number;
  readonly action: 'created' | 'updated';
  /** Link to the comment, when the forge returned one. */
  readonly url?: string;
}

/** The comment and commit status operations of one repository on one forge. */
export interface Forge {
  readonly kind: ForgeKind;
  readonly repo: RepoRef;
  /** For messages, e.g. `Gitea tsys/platform`. */
  readonly name: string;
  /**
   * Posts `body` on pull request `pr`, or edits the comment posted earlier (the first one holding
   * COMMENT_MARKER; every page of comments is searched). The marker is added when missing.
   */
  upsertComment(pr: number, body: string): Promise<CommentResult>;
  /** Sets the commit status `context` of `sha`. */
  setStatus(sha: string, state: CommitState, context: string, description: string, targetUrl?: string): Promise<void>;
  /** The names of the labels on pull request `pr`. */
  labels(pr: number): Promise<string[]>;
}

/** How to reach one forge. */
export interface ForgeOptions {
  /** The repository (from site.git.repoUrl for Gitea, site.git.mirrorUrl for GitHub). */
  readonly repo: RepoRef;
  readonly token: string;
  /** The environment variable the token came from, named in errors. */
  readonly tokenSource: string;
  /**
   * API root, e.g. a loopback test server.
   * @default derived from the repository URL (`https://<host>/api/v1` for Gitea, `https://api.github.com` for github.com)
   */
  readonly apiUrl?: string;
}

/**
 * The comment body as posted: COMMENT_MARKER first (unless the body already has it), cut to
 * `maxChars` with a note saying where the whole text is.
 */
export function commentBody(body: string, maxChars = Infinity): string {
  const marked = body.includes(COMMENT_MARKER) ? body : `${COMMENT_MARKER}\n${body}`;
  if (marked.length <= maxChars) return marked;
  const note = '\n\n…\n\n**Truncated**: the comment limit was reached; the whole Markdown is in the CI job (diff.md).\n';
  return marked.slice(0, maxChars - note.length) + note;
}

function shortDescription(description: string): string {
  return description.length <= MAX_STATUS_DESCRIPTION ? description : `${description.slice(0, MAX_STATUS_DESCRIPTION - 1)}…`;
}

interface ApiComment {
  readonly id: number;
  readonly body?: string | null;
  readonly html_url?: string;
}

/** What an answer of a forge is checked to be. */
type Expected = 'a comment' | 'a label' | 'a list of comments' | 'a list of labels';

/** Whether `value` is what `expected` names, as far as pr-comment reads it. */
function matches(value: unknown, expected: Expected): boolean {
  if (expected === 'a list of comments' || expected === 'a list of labels') return Array.isArray(value);
  if (typeof value !== 'object' || value === null) return false;
  const o = value as { id?: unknown; body?: unknown; html_url?: unknown; name?: unknown };
  if (expected === 'a label') return typeof o.name === 'string';
  return Number.isSafeInteger(o.id) && (o.body === undefined || o.body === null || typeof o.body === 'string') && (o.html_url === undefined || typeof o.html_url === 'string');
}

/**
 * `value` when it is `expected`; else a DeliveryError naming the request and what came back: an
 * answer that is not the forge's API (a proxy's page, another server at the URL) is the user's to
 * fix, not a TypeError's stack.
 */
function checked<T>(value: unknown, expected: Expected, what: string, request: string, api: string): T {
  if (matches(value, expected)) return value as T;
  const shown = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value)).slice(0, 80);
  throw new DeliveryError(`${what}: ${request} answered with something that is not ${expected} (${shown}); is ${api} the API root of the forge?`);
}

/** Gitea through its GitHub-like `/api/v1` (`Authorization: token <t>`). */
export class GiteaForge implements Forge {
  public readonly kind = 'gitea' as const;
  public readonly repo: RepoRef;
  public readonly name: string;
  private readonly api: string;
  private readonly auth: HttpAuth;

  constructor(options: ForgeOptions) {
    this.repo = options.repo;
    this.name = `Gitea ${options.repo.owner}/${options.repo.repo}`;
    this.api = (options.apiUrl ?? giteaApiUrl(options.repo)).replace(/\/+$/, '');
    this.auth = { scheme: 'token', token: options.token, source: options.tokenSource };
  }

  private url(rest: string): string {
    return `${this.api}/repos/${encodeURIComponent(this.repo.owner)}/${encodeURIComponent(this.repo.repo)}${rest}`;
  }

  public async upsertComment(pr: number, body: string): Promise<CommentResult> {
    const text = commentBody(body);
    let existing: ApiComment | undefined;
    const comments = this.url(`/issues/${pr}/comments`);
    const listing = `${this.name}: list the comments of pull request ${pr}`;
    for await (const item of paginateJson<unknown>(comments, { auth: this.auth, what: listing })) {
      const c = checked<ApiComment>(item, 'a comment', listing, `GET ${comments}`, this.api);
      if (c.body?.includes(COMMENT_MARKER)) {
        existing = c;
        break;
      }
    }
    if (existing) {
      const edited = this.url(`/issues/comments/${existing.id}`);
      const editing = `${this.name}: edit comment ${existing.id} on pull request ${pr}`;
      const res = await requestJson<unknown>(edited, { method: 'PATCH', auth: this.auth, body: { body: text }, what: editing });
      // The comment's id is known already: an empty answer is taken, one that is not a comment is not.
      const url = res.body === undefined ? existing.html_url : checked<ApiComment>(res.body, 'a comment', editing, `PATCH ${edited}`, this.api).html_url ?? existing.html_url;
      return { id: existing.id, action: 'updated', url };
    }
    const posting = `${this.name}: comment on pull request ${pr}`;
    const res = await requestJson<unknown>(comments, { method: 'POST', auth: this.auth, body: { body: text }, what: posting });
    const created = checked<ApiComment>(res.body, 'a comment', posting, `POST ${comments}`, this.api);
    return { id: created.id, action: 'created', url: created.html_url };
  }

  public async setStatus(sha: string, state: CommitState, context: string, description: string, targetUrl?: string): Promise<void> {
    await requestJson(this.url(`/statuses/${encodeURIComponent(sha)}`), {
      method: 'POST',
      auth: this.auth,
      body: { state, context, description: shortDescription(description), ...(targetUrl ? { target_url: targetUrl } : {}) },
      what: `${this.name}: set status ${context} of ${sha}`,
    });
  }

  public async labels(pr: number): Promise<string[]> {
    const names: string[] = [];
    const labels = this.url(`/issues/${pr}/labels`);
    const what = `${this.name}: read the labels of pull request ${pr}`;
    for await (const l of paginateJson<unknown>(labels, { auth: this.auth, what })) names.push(checked<{ name: string }>(l, 'a label', what, `GET ${labels}`, this.api).name);
    return names;
  }
}

/** GitHub through @octokit/rest (pagination by its Link headers). */
export class GitHubForge implements Forge {
  public readonly kind = 'github' as const;
  public readonly repo: RepoRef;
  public readonly name: string;
  private readonly octokit: Octokit;
  private readonly apiUrl: string;
  private readonly tokenSource: string;

  constructor(options: ForgeOptions) {
    this.repo = options.repo;
    this.name = `GitHub ${options.repo.owner}/${options.repo.repo}`;
    this.apiUrl = (options.apiUrl ?? githubApiUrl(options.repo)).replace(/\/+$/, '');
    this.tokenSource = options.tokenSource;
    this.octokit = new Octokit({ auth: options.token, baseUrl: this.apiUrl, userAgent: 'tsys-platform-delivery' });
  }

  /** The repository's API URL, for messages. */
  private repoUrl(): string {
    return `${this.apiUrl}/repos/${encodeURIComponent(this.repo.owner)}/${encodeURIComponent(this.repo.repo)}`;
  }

  /** `checked` with this forge's name and API root. */
  private checked<T>(value: unknown, expected: Expected, what: string, request: string): T {
    return checked<T>(value, expected, `${this.name}: ${what}`, request, this.apiUrl);
  }

  /** Runs an Octokit call; its errors become DeliveryErrors naming the request. */
  private async call<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof DeliveryError) throw e;
      const err = e as { status?: number; message?: string; response?: unknown; request?: { method?: string; url?: string } };
      if (err.response && typeof err.status === 'number') {
        throw new DeliveryError(`${this.name}: ${what}: ${err.request?.method} ${err.request?.url} answered ${err.status} (${err.message})${refusalHint(err.status, this.tokenSource)}`);
      }
      throw new DeliveryError(`${this.name}: ${what}: cannot reach ${URL.canParse(this.apiUrl) ? new URL(this.apiUrl).origin : this.apiUrl} (${err.message})`);
    }
  }

  public async upsertComment(pr: number, body: string): Promise<CommentResult> {
    const text = commentBody(body, GITHUB_MAX_COMMENT);
    const { owner, repo } = this.repo;
    const comments = `${this.repoUrl()}/issues/${pr}/comments`;
    const listing = `list the comments of pull request ${pr}`;
    const existing = await this.call(listing, async () => {
      for await (const page of this.octokit.paginate.iterator(this.octokit.rest.issues.listComments, { owner, repo, issue_number: pr, per_page: 100 })) {
        const list = this.checked<unknown[]>(page.data, 'a list of comments', listing, `GET ${comments}`);
        const found = list.map((c) => this.checked<ApiComment>(c, 'a comment', listing, `GET ${comments}`)).find((c) => c.body?.includes(COMMENT_MARKER));
        if (found) return found;
      }
      return undefined;
    });
    if (existing) {
      const editing = `edit comment ${existing.id} on pull request ${pr}`;
      const res = await this.call(editing, () => this.octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body: text }));
      return { id: existing.id, action: 'updated', url: this.checked<ApiComment>(res.data, 'a comment', editing, `PATCH ${this.repoUrl()}/issues/comments/${existing.id}`).html_url };
    }
    const posting = `comment on pull request ${pr}`;
    const res = await this.call(posting, () => this.octokit.rest.issues.createComment({ owner, repo, issue_number: pr, body: text }));
    const created = this.checked<ApiComment>(res.data, 'a comment', posting, `POST ${comments}`);
    return { id: created.id, action: 'created', url: created.html_url };
  }

  public async setStatus(sha: string, state: CommitState, context: string, description: string, targetUrl?: string): Promise<void> {
    const { owner, repo } = this.repo;
    await this.call(`set status ${context} of ${sha}`, () =>
      this.octokit.rest.repos.createCommitStatus({ owner, repo, sha, state, context, description: shortDescription(description), ...(targetUrl ? { target_url: targetUrl } : {}) }),
    );
  }

  public async labels(pr: number): Promise<string[]> {
    const { owner, repo } = this.repo;
    const what = `read the labels of pull request ${pr}`;
    const request = `GET ${this.repoUrl()}/issues/${pr}/labels`;
    const labels = await this.call(what, () => this.octokit.paginate(this.octokit.rest.issues.listLabelsOnIssue, { owner, repo, issue_number: pr, per_page: 100 }));
    return this.checked<unknown[]>(labels, 'a list of labels', what, request).map((l) => this.checked<{ name: string }>(l, 'a label', what, request).name);
  }
}

/** The forge client for `kind`. */
export function createForge(kind: ForgeKind, options: ForgeOptions): Forge {
  return kind === 'gitea' ? new GiteaForge(options) : new GitHubForge(options);
}
