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
    for await (const c of paginateJson<ApiComment>(this.url(`/issues/${pr}/comments`), { auth: this.auth, what: `${this.name}: list the comments of pull request ${pr}` })) {
      if (c.body?.includes(COMMENT_MARKER)) {
        existing = c;
        break;
      }
    }
    if (existing) {
      const res = await requestJson<ApiComment>(this.url(`/issues/comments/${existing.id}`), { method: 'PATCH', auth: this.auth, body: { body: text }, what: `${this.name}: edit comment ${existing.id} on pull request ${pr}` });
      return { id: existing.id, action: 'updated', url: res.body?.html_url ?? existing.html_url };
    }
    const res = await requestJson<ApiComment>(this.url(`/issues/${pr}/comments`), { method: 'POST', auth: this.auth, body: { body: text }, what: `${this.name}: comment on pull request ${pr}` });
    return { id: res.body.id, action: 'created', url: res.body.html_url };
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
    for await (const l of paginateJson<{ name: string }>(this.url(`/issues/${pr}/labels`), { auth: this.auth, what: `${this.name}: read the labels of pull request ${pr}` })) names.push(l.name);
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
    const existing = await this.call(`list the comments of pull request ${pr}`, async () => {
      for await (const page of this.octokit.paginate.iterator(this.octokit.rest.issues.listComments, { owner, repo, issue_number: pr, per_page: 100 })) {
        const found = page.data.find((c) => c.body?.includes(COMMENT_MARKER));
        if (found) return found;
      }
      return undefined;
    });
    if (existing) {
      const res = await this.call(`edit comment ${existing.id} on pull request ${pr}`, () => this.octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body: text }));
      return { id: existing.id, action: 'updated', url: res.data.html_url };
    }
    const res = await this.call(`comment on pull request ${pr}`, () => this.octokit.rest.issues.createComment({ owner, repo, issue_number: pr, body: text }));
    return { id: res.data.id, action: 'created', url: res.data.html_url };
  }

  public async setStatus(sha: string, state: CommitState, context: string, description: string, targetUrl?: string): Promise<void> {
    const { owner, repo } = this.repo;
    await this.call(`set status ${context} of ${sha}`, () =>
      this.octokit.rest.repos.createCommitStatus({ owner, repo, sha, state, context, description: shortDescription(description), ...(targetUrl ? { target_url: targetUrl } : {}) }),
    );
  }

  public async labels(pr: number): Promise<string[]> {
    const { owner, repo } = this.repo;
    const labels = await this.call(`read the labels of pull request ${pr}`, () => this.octokit.paginate(this.octokit.rest.issues.listLabelsOnIssue, { owner, repo, issue_number: pr, per_page: 100 }));
    return labels.map((l) => l.name);
  }
}

/** The forge client for `kind`. */
export function createForge(kind: ForgeKind, options: ForgeOptions): Forge {
  return kind === 'gitea' ? new GiteaForge(options) : new GitHubForge(options);
}
