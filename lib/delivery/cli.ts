import * as fs from 'fs';
import * as path from 'path';
import { runGuarded } from '../cli-errors';
import { loadSite } from '../config/load';
import { LAYER_NEEDS, PIN_NAMES } from '../layers';
import type { Site } from '../config/schema';
import type { Invocation } from '../command-line/invocation';
import { PLATFORM_PROJECT } from '../gitops/argocd';
import { recoverBeforeCommand } from '../render/swap';
import { rootRefusal } from '../system-error';
import { DeliveryError } from './delivery-error';
import { createForge, Forge, ForgeKind } from './forge';
import { DEFAULT_MIRROR_ITEM, listPushMirrors, MIRROR_INTERVAL, readMirrorToken, setupPushMirror } from './mirror';
import { DEFAULT_APPROVAL_LABEL, reviewPullRequest, REVIEW_CONTEXT } from './pr-review';
import { renderTerminal, shouldColor } from '../diff/terminal';
import { formatPreview } from './preview';
import { publish } from './publish';
import { httpsCloneUrl, parseRepoUrl, sameRepository } from './repo-url';
import { allHealthy, argoBaseUrl, compareRevision, fetchApplications, formatReport, localHead, reportApplications } from './status';

const ROOT = path.resolve(__dirname, '..', '..');

/** What a delivery command reads and writes besides its arguments (tests pass their own). */
export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Standard input, read whole (`--body -`). */
  readonly stdin: () => Promise<string>;
}

/** The process's environment, stdout, stderr and stdin. */
export function processIo(): CliIo {
  return {
    env: process.env,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    stdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

/** A required environment variable; the refusal says what it is for. */
function requireEnv(io: CliIo, name: string, forWhat: string): string {
  const value = io.env[name]?.trim();
  if (!value) throw new DeliveryError(`${name} is not set: it must hold ${forWhat}. Set it in the environment (never in site.yaml or git)`);
  return value;
}

function siteFrom(file: string | undefined): Site {
  return loadSite(path.resolve(file ?? path.join(ROOT, 'site.yaml')), PIN_NAMES, LAYER_NEEDS);
}

/** Throws the refusal of `--root <given>` (resolved: `root`) that is not a folder. */
export function refuseRoot(given: string | undefined, root: string): void {
  const refusal = rootRefusal(given, root);
  if (refusal) throw new DeliveryError(refusal);
}

/** Runs a command body; user errors print their message alone and exit 1. */
function guard(command: string, io: CliIo, body: () => Promise<number>): Promise<number> {
  return runGuarded(command, (line) => io.err(line), body, [DeliveryError]);
}

const TOKENS: Record<ForgeKind, { env: string; what: string }> = {
  gitea: { env: 'GITEA_TOKEN', what: 'a Gitea token that may comment on pull requests and set commit statuses of the repository in git.repoUrl' },
  github: { env: 'GITHUB_TOKEN', what: 'a GitHub token that may comment on pull requests and set commit statuses of the repository in git.mirrorUrl' },
};

/**
 * `npm run pr-comment`: posts (or edits in place) the rendered diff on a pull request and sets
 * the `tsys-platform/review` status on its head commit. Exit 0 when every forge got both
 * (whatever the status says), 1 otherwise.
 */
export function runPrCommentCli({ options: o }: Invocation<'pr-comment'>, io: CliIo = processIo()): Promise<number> {
  return guard('pr-comment', io, async () => {
    const pr = o.pr;
    const forgeArg = o.forge ?? 'gitea';
    if (!recoverBeforeCommand(ROOT, 'pr-comment', io.err)) return 1;
    const kinds: ForgeKind[] = forgeArg === 'both' ? ['gitea', 'github'] : [forgeArg];
    const missing = kinds.filter((k) => !io.env[TOKENS[k].env]?.trim());
    if (missing.length) throw new DeliveryError(missing.map((k) => `${TOKENS[k].env} is not set: it must hold ${TOKENS[k].what}`).join('\n'));

    let body: string;
    try {
      body = o.body === '-' ? await io.stdin() : fs.readFileSync(o.body, 'utf8');
    } catch (e) {
      throw new DeliveryError(`cannot read the comment body from ${o.body} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); write it first: npm run diff -- --format markdown --out ${o.body}`);
    }
    if (!body.trim()) throw new DeliveryError(`the comment body in ${o.body === '-' ? 'stdin' : o.body} is empty; did npm run diff write it?`);

    const site = siteFrom(o.site);
    const forges: Forge[] = kinds.map((k) =>
      createForge(k, {
        repo: parseRepoUrl(k === 'gitea' ? site.git.repoUrl : site.git.mirrorUrl),
        token: io.env[TOKENS[k].env]!.trim(),
        tokenSource: TOKENS[k].env,
        apiUrl: k === 'gitea' ? o['gitea-api-url'] : o['github-api-url'],
      }),
    );
    const input = {
      pr, sha: o.sha, body, verifyFailed: o['verify-failed'], risky: o.risky,
      approvalLabel: o['approval-label'] ?? DEFAULT_APPROVAL_LABEL, targetUrl: o['target-url'],
    };
    let failed = 0;
    for (const forge of forges) {
      try {
        const r = await reviewPullRequest(forge, input);
        io.out(`pr-comment: ${r.forge}: comment ${r.comment.id} ${r.comment.action} on pull request ${pr}${r.comment.url ? ` (${r.comment.url})` : ''}`);
        io.out(`pr-comment: ${r.forge}: ${REVIEW_CONTEXT} = ${r.verdict.state} on ${o.sha.slice(0, 12)}: ${r.verdict.description}`);
      } catch (e) {
        if (!(e instanceof DeliveryError)) throw e;
        io.err(`pr-comment: ${e.message}`);
        failed++;
      }
    }
    return failed ? 1 : 0;
  });
}

/** `npm run publish`: exit 0 when the branch Argo CD follows holds HEAD, 1 when refused or failed. */
export function runPublishCli({ options: o }: Invocation<'publish'>, io: CliIo = processIo()): Promise<number> {
  return guard('publish', io, async () => {
    const root = path.resolve(o.root ?? ROOT);
    refuseRoot(o.root, root);
    const result = publish({ root, remote: o.remote, siteFile: o.site ? path.resolve(o.site) : undefined, log: io.out, dryRun: o['dry-run'] });
    if (result.preview) {
      const pushTo = result.upToDate ? '' : `push to ${result.remote} ${result.branch}`;
      const diffText = renderTerminal(result.preview.diff, { base: `HEAD (${result.head.slice(0, 12)})`, head: 'the render of HEAD', color: shouldColor(process.stdout, io.env) });
      for (const line of formatPreview('publish', result.preview, diffText, pushTo)) io.out(line);
      return 0;
    }
    io.out(result.upToDate
      ? `publish: ${result.remote} ${result.branch} already is at ${result.head.slice(0, 12)}; nothing to push`
      : `publish: pushed ${result.head.slice(0, 12)} to ${result.remote} ${result.branch}; Argo CD syncs it on its next refresh (npm run status shows progress)`);
    return 0;
  });
}

/**
 * `npm run mirror`: shows Gitea's push mirrors (exit 0 when the one to git.mirrorUrl exists without
 * an error, 1 otherwise); with `--setup`, creates it unless it exists (exit 0). Errors exit 1.
 */
export function runMirrorCli({ options: o }: Invocation<'mirror'>, io: CliIo = processIo()): Promise<number> {
  return guard('mirror', io, async () => {
    const token = requireEnv(io, 'GITEA_TOKEN', 'a Gitea token with admin rights on the repository in git.repoUrl (push mirrors are repository settings)');
    const site = siteFrom(o.site);
    const mirrorRef = parseRepoUrl(site.git.mirrorUrl);
    const address = httpsCloneUrl(mirrorRef);
    const access = { repo: parseRepoUrl(site.git.repoUrl), token, tokenSource: 'GITEA_TOKEN', apiUrl: o['gitea-api-url'] };
    if (o.setup) {
      const item = o['bw-item'] ?? DEFAULT_MIRROR_ITEM;
      const result = await setupPushMirror({ ...access, mirrorUrl: site.git.mirrorUrl, mirrorUser: o['mirror-user'] ?? mirrorRef.owner, mirrorToken: () => readMirrorToken(io.env, item) });
      if (result.action === 'exists') {
        io.out(`mirror: a push mirror to ${result.mirror.remote_address} already exists (interval ${result.mirror.interval ?? '?'}, sync on commit ${result.mirror.sync_on_commit ?? '?'}); nothing changed`);
      } else {
        io.out(`mirror: created the push mirror to ${address}: every ${MIRROR_INTERVAL} and on every commit`);
        if (result.syncWarning) io.err(`mirror: warning: the first push could not be started (${result.syncWarning}); Gitea pushes on the next commit`);
      }
      return 0;
    }
    const mirrors = await listPushMirrors(access);
    for (const m of mirrors) {
      io.out(`mirror: ${m.remote_name ?? '?'} -> ${m.remote_address}: interval ${m.interval ?? '?'}, sync on commit ${m.sync_on_commit ?? '?'}, last update ${m.last_update ?? 'never'}${m.last_error ? `, last error: ${m.last_error}` : ''}`);
    }
    const ours = mirrors.find((m) => sameRepository(m.remote_address, address));
    if (!ours) {
      io.err(`mirror: no push mirror to ${address}; create it with npm run mirror -- --setup`);
      return 1;
    }
    if (ours.last_error) {
      io.err(`mirror: the push mirror to ${address} failed last time; if the token expired, store a new one and recreate the mirror in Gitea's repository settings`);
      return 1;
    }
    return 0;
  });
}

/** `npm run status`: exit 0 when every Application is Synced and Healthy, 1 when not or on errors. */
export function runStatusCli({ options: o }: Invocation<'status'>, io: CliIo = processIo()): Promise<number> {
  return guard('status', io, async () => {
    const server = requireEnv(io, 'ARGOCD_SERVER', 'the Argo CD URL, e.g. https://argocd.turnsys.com');
    const token = requireEnv(io, 'ARGOCD_AUTH_TOKEN', 'an Argo CD API token allowed to get applications (argocd account generate-token)');
    const root = path.resolve(o.root ?? ROOT);
    refuseRoot(o.root, root);
    if (!recoverBeforeCommand(root, 'status', io.err)) return 1;
    const site = siteFrom(o.site);
    const project = o.project ?? PLATFORM_PROJECT;
    const apps = await fetchApplications({ server, token, tokenSource: 'ARGOCD_AUTH_TOKEN' }, project);
    const head = localHead(root);
    io.out(`status: Argo CD ${argoBaseUrl(server)}, project ${project}, ${apps.length} Applications; local HEAD ${head ? head.slice(0, 12) : '(no git checkout)'}`);
    if (!apps.length) {
      io.err(`status: no Applications in project ${project}; is Argo CD bootstrapped (README: Bootstrapping a cluster) and may the token read them?`);
      return 1;
    }
    const reports = reportApplications(apps, site.git.repoUrl, (revision) => (head ? compareRevision(root, revision, head) : 'no local HEAD'));
    io.out(formatReport(reports));
    return allHealthy(reports) ? 0 : 1;
  });
}
