import { DeliveryError } from './delivery-error';

/** A repository on a forge, as named by a clone URL. */
export interface RepoRef {
  /** Host name without port, e.g. `git.turnsys.com`. */
  readonly host: string;
  /**
   * Path before `<owner>/<repo>` when the forge is served under a sub-path
   * (`https://host/gitea/owner/repo.git` gives `/gitea`); empty otherwise.
   */
  readonly pathPrefix: string;
  /** Owner: user or organisation. */
  readonly owner: string;
  /** Repository name without `.git`. */
  readonly repo: string;
  /** The URL this was parsed from. */
  readonly url: string;
}

/**
 * Parses a clone URL in any of the forms git accepts for a forge:
 * `https://host[/prefix]/owner/repo[.git]`, `ssh://[user@]host[:port][/prefix]/owner/repo[.git]`
 * and the scp-like `user@host:owner/repo[.git]`.
 */
export function parseRepoUrl(url: string): RepoRef {
  const fail = (why: string) =>
    new DeliveryError(`cannot read owner and repository from "${url}": ${why}; use https://host/<owner>/<repo>.git or ssh://git@host/<owner>/<repo>.git`);
  let host: string;
  let pathname: string;
  const scp = /^(?:[^@/:\s]+@)?([^/:\s]+):(?!\/\/)([^\s]+)$/.exec(url);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    host = scp[1];
    pathname = `/${scp[2]}`;
  } else {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw fail('not a URL');
    }
    if (!['https:', 'http:', 'ssh:'].includes(parsed.protocol)) throw fail(`scheme ${parsed.protocol} is not https or ssh`);
    host = parsed.hostname;
    pathname = decodeURIComponent(parsed.pathname);
  }
  const segments = pathname.split('/').filter((s) => s.length > 0);
  if (segments.length < 2) throw fail('the path needs <owner>/<repo>');
  const repo = segments[segments.length - 1].replace(/\.git$/, '');
  const owner = segments[segments.length - 2];
  if (!repo || !owner) throw fail('empty owner or repository');
  const prefix = segments.slice(0, -2);
  return { host: host.toLowerCase(), pathPrefix: prefix.length ? `/${prefix.join('/')}` : '', owner, repo, url };
}

/**
 * Gitea's API root for a repository: `https://<host>[/prefix]/api/v1`. An ssh URL's port is the
 * ssh port, not the web one, so it is dropped; pass the API URL explicitly when Gitea listens elsewhere.
 */
export function giteaApiUrl(ref: RepoRef): string {
  return `https://${ref.host}${ref.pathPrefix}/api/v1`;
}

/** GitHub's API root: api.github.com for github.com, `https://<host>/api/v3` for GitHub Enterprise Server. */
export function githubApiUrl(ref: RepoRef): string {
  return ref.host === 'github.com' ? 'https://api.github.com' : `https://${ref.host}/api/v3`;
}

/** The https clone URL of a repository (what a push mirror with a token pushes to). */
export function httpsCloneUrl(ref: RepoRef): string {
  return `https://${ref.host}${ref.pathPrefix}/${ref.owner}/${ref.repo}.git`;
}

/** Whether two URLs name the same repository (scheme, credentials, port, case of the host and `.git` ignored). */
export function sameRepository(a: string, b: string): boolean {
  try {
    const x = parseRepoUrl(a);
    const y = parseRepoUrl(b);
    return x.host === y.host && x.pathPrefix === y.pathPrefix && x.owner.toLowerCase() === y.owner.toLowerCase() && x.repo.toLowerCase() === y.repo.toLowerCase();
  } catch {
    return false;
  }
}
