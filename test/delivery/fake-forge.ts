import { LoopbackServer, RecordedRequest, Reply } from './loopback';

/** A comment the fake forge holds. */
export interface FakeComment {
  readonly id: number;
  body: string;
  readonly user: { readonly login: string };
  readonly html_url: string;
}

/** A commit status the fake forge received. */
export interface FakeStatus {
  readonly sha: string;
  readonly state: string;
  readonly context: string;
  readonly description: string;
  readonly target_url?: string;
}

export interface FakeForgeOptions {
  /** `/api/v1` for Gitea, empty for GitHub. */
  readonly prefix: string;
  readonly owner: string;
  readonly repo: string;
  /** The token the fake accepts (`Authorization: token <t>`). */
  readonly token: string;
  /**
   * Largest page the fake returns; lists longer than this get `Link: rel="next"`.
   * @default unlimited (one page, as Gitea lists a pull request's comments)
   */
  readonly pageSize?: number;
}

/**
 * A GitHub or Gitea API for one repository on a loopback server: issue comments (paginated by
 * `page` and `per_page`/`limit` with Link headers), labels, commit statuses, push mirrors.
 */
export class FakeForge {
  public readonly server: LoopbackServer;
  public readonly comments = new Map<number, FakeComment[]>();
  public readonly labels = new Map<number, string[]>();
  public readonly statuses: FakeStatus[] = [];
  public readonly pushMirrors: Record<string, unknown>[] = [];
  private nextId = 1000;
  /** The API root, once started. */
  public url = '';
  /** Answers a request in place of the fake when it returns a reply (a malformed answer, for fault tests). */
  public override?: (req: RecordedRequest) => Reply | undefined;

  constructor(private readonly options: FakeForgeOptions) {
    this.server = new LoopbackServer((req, base) => this.handle(req, base));
  }

  public async start(): Promise<string> {
    const base = await this.server.start();
    this.url = `${base}${this.options.prefix}`;
    return this.url;
  }

  public close(): Promise<void> {
    return this.server.close();
  }

  /** Adds comments by other people (or an earlier run) to pull request `pr`. */
  public seedComments(pr: number, bodies: readonly string[], login = 'someone'): FakeComment[] {
    const list = this.comments.get(pr) ?? [];
    const added = bodies.map((body) => ({ id: this.nextId++, body, user: { login }, html_url: `https://forge.example/pr/${pr}#c` }));
    list.push(...added);
    this.comments.set(pr, list);
    return added;
  }

  /** Requests that were not GETs. */
  public writes(): RecordedRequest[] {
    return this.server.requests.filter((r) => r.method !== 'GET');
  }

  private page<T>(items: readonly T[], req: RecordedRequest, base: string): Reply {
    const asked = Number(req.query.get('per_page') ?? req.query.get('limit') ?? Infinity);
    const size = Math.min(asked, this.options.pageSize ?? Infinity);
    const page = Number(req.query.get('page') ?? 1);
    const start = Number.isFinite(size) ? (page - 1) * size : 0;
    const slice = Number.isFinite(size) ? items.slice(start, start + size) : [...items];
    const headers: Record<string, string> = { 'x-total-count': String(items.length) };
    if (Number.isFinite(size) && start + size < items.length) {
      const next = new URL(`${base}${req.path}`);
      next.searchParams.set('page', String(page + 1));
      next.searchParams.set(req.query.has('per_page') ? 'per_page' : 'limit', String(size));
      const last = new URL(next);
      last.searchParams.set('page', String(Math.ceil(items.length / size)));
      headers.link = `<${next}>; rel="next", <${last}>; rel="last"`;
    }
    return { status: 200, body: slice, headers };
  }

  private handle(req: RecordedRequest, base: string): Reply {
    const overridden = this.override?.(req);
    if (overridden) return overridden;
    if (req.headers.authorization !== `token ${this.options.token}`) return { status: 401, body: { message: 'Bad credentials' } };
    const repoPath = `${this.options.prefix}/repos/${this.options.owner}/${this.options.repo}`;
    if (!req.path.startsWith(`${repoPath}/`)) return { status: 404, body: { message: 'Not Found' } };
    const rest = req.path.slice(repoPath.length);
    let m: RegExpExecArray | null;
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const pr = Number(m[1]);
      if (req.method === 'GET') return this.page(this.comments.get(pr) ?? [], req, base);
      if (req.method === 'POST') return { status: 201, body: this.seedComments(pr, [req.body.body], 'platform-bot')[0] };
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(rest)) && req.method === 'PATCH') {
      const comment = [...this.comments.values()].flat().find((c) => c.id === Number(m![1]));
      if (!comment) return { status: 404, body: { message: 'comment not found' } };
      comment.body = req.body.body;
      return { status: 200, body: comment };
    }
    if ((m = /^\/issues\/(\d+)\/labels$/.exec(rest)) && req.method === 'GET') {
      return this.page((this.labels.get(Number(m[1])) ?? []).map((name, i) => ({ id: i + 1, name, color: 'e11d21' })), req, base);
    }
    if ((m = /^\/statuses\/([0-9a-f]+)$/.exec(rest)) && req.method === 'POST') {
      this.statuses.push({ sha: m[1], ...req.body });
      return { status: 201, body: { id: this.statuses.length, ...req.body } };
    }
    if (rest === '/push_mirrors' && req.method === 'GET') return this.page(this.pushMirrors, req, base);
    if (rest === '/push_mirrors' && req.method === 'POST') {
      const mirror = { remote_name: `remote_mirror_${this.pushMirrors.length + 1}`, remote_address: req.body.remote_address, repo_name: this.options.repo, interval: req.body.interval, sync_on_commit: req.body.sync_on_commit, created: '2025-06-01T10:00:00Z', last_update: null, last_error: '' };
      this.pushMirrors.push(mirror);
      return { status: 201, body: mirror };
    }
    if (rest === '/push_mirrors-sync' && req.method === 'POST') return { status: 200 };
    return { status: 404, body: { message: `no route ${req.method} ${req.path}` } };
  }
}
