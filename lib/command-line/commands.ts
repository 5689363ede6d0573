import type { CommandSpec, OptionSpec } from './spec';
import { ENVIRONMENTS } from '../config/app-schema';
import { APP, APP_PREFIX, BOARD, COMMIT, DOMAIN, GITHUB_USER, HTTP_URL, NODE, NODES, OBJECT_NAME, PR_NUMBER, seconds, SERVICE_IMAGE, URL_PATH, VERSION } from './shapes';

/**
 * Every command of `tsys` (and of `npm run <command>`, which calls the same entry): what it
 * accepts and an example. The actions are in runners.ts (lib/) and scripts/tsys.ts (scripts/).
 */

const site = { name: 'site', value: '<file>', description: 'the site spec to use (default: site.yaml of the checkout)' } as const satisfies OptionSpec;
const root = { name: 'root', value: '<dir>', description: 'the checkout to work on (default: this one)' } as const satisfies OptionSpec;
const debug = { name: 'debug', description: 'print the stack trace of every error (also TSYS_DEBUG=1)' } as const satisfies OptionSpec;
const remote = { name: 'remote', value: '<name>', description: 'the git remote of the Gitea repository Argo CD reads (default: origin)' } as const satisfies OptionSpec;
const kubeconfig = { name: 'kubeconfig', value: '<file>', description: 'the kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config)' } as const satisfies OptionSpec;
const apps = { name: 'apps', value: '<dir>', description: 'the app specs folder (default: apps/ of the checkout)' } as const satisfies OptionSpec;
/** The parts of bench other than `part`: it runs one part at most. */
const benchParts = (part: string) => ['quick', 'diff', 'apps', 'charts', 'ha'].filter((p) => p !== part);
const dryRun = (what: string) => ({ name: 'dry-run', description: `show ${what} without committing or pushing anything` }) as const satisfies OptionSpec;

const TABLE = [
  {
    name: 'synth',
    summary: 'render site.yaml and apps/ into dist/ and argocd/, verified, swapped in atomically',
    options: [site, root, debug],
    examples: ['synth', 'synth --site test/fixtures/site.yaml --root ../other-checkout'],
  },
  {
    name: 'verify',
    summary: 'check the committed dist/ and argocd/ (schemas, references, HA rules)',
    options: [root, debug],
    examples: ['verify', 'verify --root ../other-checkout'],
  },
  {
    name: 'whatif',
    summary: 'the node-failure simulation over the rendered dist/: what stops and for how long',
    details: 'Exit 1 when a scenario loses quorum or breaks an app\'s recovery budget.',
    options: [
      { name: 'fail', value: '<nodes>', shape: NODES, description: 'the nodes that fail together, comma-separated (default: each node alone, N-1)' },
      { name: 'all', description: 'list every workload, not only the affected ones' },
      { name: 'bring-up', description: 'also every bring-up stage of the join order: would every Argo CD Application be Healthy (default without --fail)' },
      root,
    ],
    examples: ['whatif --fail www1', 'whatif --fail www1,www2 --all', 'whatif --fail www2 --bring-up'],
  },
  {
    name: 'diff',
    summary: 'the semantic diff of the rendered objects between a revision and the working tree',
    options: [
      { name: 'base', value: '<git-ref>', description: 'the revision to compare with (default: the merge base of HEAD and main)' },
      { name: 'format', value: '<format>', choices: ['markdown', 'terminal'], description: 'the view (default: terminal, markdown with --out)' },
      { name: 'out', value: '<file>', description: 'write the view there, and a summary for CI beside it' },
      { name: 'exit-code', description: 'exit 1 when anything differs, 0 when nothing does, 2 on an error (as kubectl diff)' },
      { name: 'live', description: 'compare the render with what Argo CD reports for each Application (ARGOCD_SERVER, ARGOCD_AUTH_TOKEN)' },
      root,
      site,
    ],
    examples: ['diff', 'diff --base origin/main --format markdown --out diff.md', 'diff --exit-code', 'diff --live --exit-code'],
  },
  {
    name: 'bench',
    summary: 'how long synth, verify, the diff and the PaaS take (figures only, no assertion on time)',
    details: 'Give one part at most; without one it runs everything (several minutes).',
    options: [
      { name: 'quick', conflicts: benchParts('quick'), description: 'the shipped and a large site once each (CI runs this)' },
      { name: 'diff', conflicts: benchParts('diff'), description: 'the semantic diff alone' },
      { name: 'apps', conflicts: benchParts('apps'), description: 'the PaaS: 100 to 5,000 generated apps' },
      { name: 'charts', conflicts: benchParts('charts'), description: 'cold and warm synth as a process; sizes of dist/, render-cache/, vendor/' },
      { name: 'ha', conflicts: benchParts('ha'), description: 'verify with the N-1 simulation' },
    ],
    examples: ['bench --quick', 'bench --apps'],
  },
  {
    name: 'schemas',
    summary: 'vendor the JSON schemas from ../shared/schemas (or $SCHEMAS_SRC) into imports/schemas',
    examples: ['schemas', 'SCHEMAS_SRC=/srv/shared/schemas tsys schemas'],
  },
  {
    name: 'import',
    summary: 'generate the typed cdk8s classes of the custom resources into imports/ (offline)',
    examples: ['import'],
  },
  {
    name: 'pr-comment',
    summary: 'post the rendered diff on a pull request and set its tsys-platform/review status',
    details: 'Needs GITEA_TOKEN (and GITHUB_TOKEN with --forge github or both) in the environment.',
    options: [
      { name: 'pr', value: '<n>', required: true, shape: PR_NUMBER, description: 'the pull request number' },
      { name: 'sha', value: '<commit>', required: true, shape: COMMIT, description: 'the pull request\'s head commit' },
      { name: 'body', value: '<file>', required: true, dashValue: '-', description: 'the Markdown to post (- reads stdin)' },
      { name: 'forge', value: '<forge>', choices: ['gitea', 'github', 'both'], description: 'where to post (default: gitea)' },
      { name: 'verify-failed', description: 'verify failed on this commit: the status fails' },
      { name: 'risky', description: 'the diff has risky changes: the status waits for the approval label' },
      { name: 'approval-label', value: '<label>', description: 'the label that approves risky changes' },
      { name: 'target-url', value: '<url>', shape: HTTP_URL, description: 'the link of the commit status (the CI run)' },
      site,
      { name: 'gitea-api-url', value: '<url>', shape: HTTP_URL, description: 'the Gitea API (default: derived from git.repoUrl)' },
      { name: 'github-api-url', value: '<url>', shape: HTTP_URL, description: 'the GitHub API (default: derived from git.mirrorUrl)' },
    ],
    examples: ['pr-comment --pr 12 --sha "$(git rev-parse HEAD)" --body diff.md --forge both'],
  },
  {
    name: 'publish',
    summary: 'synth, verify, commit the render and push to the branch Argo CD follows',
    options: [remote, site, root, dryRun('the render commit (message, files) and its diff')],
    examples: ['publish --dry-run', 'publish --remote origin'],
  },
  {
    name: 'mirror',
    summary: 'show (or with --setup create) Gitea\'s push mirror to GitHub',
    details: 'Needs GITEA_TOKEN. Exit 1 when the mirror is missing or failed last time.',
    options: [
      { name: 'setup', description: 'create the push mirror unless it exists' },
      { name: 'bw-item', value: '<item>', description: 'the Bitwarden item holding the GitHub token (default: github-mirror-token)' },
      { name: 'mirror-user', value: '<name>', shape: GITHUB_USER, description: 'the GitHub user the mirror pushes as (default: the owner in git.mirrorUrl)' },
      site,
      { name: 'gitea-api-url', value: '<url>', shape: HTTP_URL, description: 'the Gitea API (default: from git.repoUrl)' },
    ],
    examples: ['mirror', 'mirror --setup'],
  },
  {
    name: 'status',
    summary: 'each Application\'s sync and health in Argo CD, against the local HEAD',
    details: 'Needs ARGOCD_SERVER and ARGOCD_AUTH_TOKEN. Exit 1 when an Application is not Synced and Healthy.',
    options: [{ name: 'project', value: '<name>', shape: OBJECT_NAME, description: 'the Argo CD project (default: the platform\'s)' }, site, root],
    examples: ['status', 'status --project platform'],
  },
  {
    name: 'drill',
    summary: 'the node-failure drill on the real cluster: drain (or power off) a node, time the app\'s return',
    details: 'Ctrl-C stops it and says what to undo (exit 130).',
    options: [
      { name: 'app', value: '<name>', required: true, shape: APP, description: 'the app (apps/<name>.yaml)' },
      { name: 'node', value: '<name>', required: true, shape: NODE, description: 'the node running the app\'s pod' },
      { name: 'power-off', description: 'you power the node off instead of a drain' },
      { name: 'board', value: '<name>', shape: BOARD, description: 'a WBO board whose drawing must survive' },
      { name: 'check-path', value: '<path>', shape: URL_PATH, conflicts: ['board'], description: 'a URL path whose body must be identical after' },
      kubeconfig,
      { name: 'url', value: '<url>', shape: HTTP_URL, description: 'the URL to probe (default: https://<expose.http.host>/)' },
      { name: 'timeout', value: '<seconds>', shape: seconds(86400, 'a day', '600'), description: 'give up after this long (default: 600)' },
      { name: 'interval', value: '<seconds>', shape: seconds(3600, 'an hour', '2'), description: 'probe this often (default: 1)' },
      { name: 'root', value: '<dir>', description: 'the checkout whose dist/ holds the expected recovery (default: this one)' },
      apps,
    ],
    examples: ['drill --app whiteboard --node www1 --board drill'],
  },
  {
    name: 'promote',
    summary: 'promote (or abort) an app\'s paused blue/green or canary release',
    arguments: [{ name: 'app', shape: APP, description: 'the app (apps/<app>.yaml)' }],
    options: [
      { name: 'full', description: 'promote fully, past the remaining steps (kubectl argo rollouts promote --full)' },
      { name: 'abort', conflicts: ['full'], description: 'roll the release back instead' },
      kubeconfig,
      root,
      apps,
    ],
    examples: ['promote whiteboard', 'promote wiki --abort'],
  },
  {
    name: 'import-compose',
    summary: 'write one app spec per service of a docker-compose project, a draft where it cannot',
    details: 'Drafts go to <out>/drafts/, which synth does not load. Exit 1 when a non-database service got a draft or nothing (the report says why).',
    arguments: [{ name: 'compose-file', description: 'the docker-compose.yml to import' }],
    options: [
      { name: 'file', value: '<file>', repeatable: true, description: 'a compose file merged over it, as docker compose -f (repeatable, in order)' },
      { name: 'env-file', value: '<file>', repeatable: true, description: 'the variables for ${VAR} interpolation (repeatable; default: the .env beside the compose file)' },
      { name: 'image', value: '<service>=<image>', repeatable: true, shape: SERVICE_IMAGE, description: 'a pinned image for a service built from source or tagged latest (repeatable)' },
      { name: 'prefix', value: '<name>', shape: APP_PREFIX, description: 'put <name>- in front of every app name' },
      { name: 'env', value: '<environment>', choices: ENVIRONMENTS, description: 'the environment of the apps (default: sit)' },
      { name: 'out', value: '<dir>', description: 'where to write the specs (default: apps/; drafts in <dir>/drafts/)' },
      { name: 'domain', value: '<domain>', shape: DOMAIN, description: 'the DNS domain of their hosts (default: the site\'s)' },
      site,
      { name: 'force', description: 'overwrite specs and drafts that exist' },
    ],
    examples: ['import-compose docker-compose.yml --env uat', 'import-compose compose.yml --file compose.prod.yml --env-file prod.env --image web=registry.turnsys.com/apps/web:1.4.2 --prefix shop'],
  },
  {
    name: 'release',
    summary: 'set an app\'s image, synth, verify, commit and push to the branch Argo CD follows',
    arguments: [
      { name: 'app', shape: APP, description: 'the app (apps/<app>.yaml)' },
      { name: 'image', description: 'the new image: a tag, a sha256:digest, or a whole reference' },
    ],
    options: [
      remote,
      site,
      root,
      dryRun('the release commit (message, files) and its diff'),
      { name: 'allow-repository-change', description: 'accept an image from another repository than the app\'s current one' },
    ],
    examples: ['release whiteboard 1.20.0 --dry-run', 'release wiki registry.turnsys.com/apps/wiki:2.1.0'],
  },
  {
    name: 'backup-report',
    summary: 'every volume in dist/ with the backup schedules that cover it and their retention',
    details: 'Exit 1 when a volume is not covered (and not opted out with a reason).',
    options: [root, { name: 'json', description: 'print the rows as JSON instead of Markdown' }],
    examples: ['backup-report', 'backup-report --json'],
  },
  {
    name: 'vendor',
    summary: 'vendor an upstream Helm chart or manifest set into vendor/ and record it in vendor/lock.yaml',
    arguments: [
      { name: 'name', description: 'the chart (a chart pin of a layer file; tsys versions lists them) or manifest set' },
      { name: 'version', shape: VERSION, description: 'the release, e.g. 9.1.4' },
    ],
    options: [{ name: 'from', value: '<git-dir-or-url>', description: 'a local clone or mirror of the component\'s repository' }],
    examples: ['vendor metallb 0.15.2', 'vendor alloy 1.4.0 --from ../mirrors/alloy'],
  },
  {
    name: 'versions',
    summary: 'every pinned version in one table: the chart pins of the layer files and lib/versions.ts',
    details: 'site.yaml versions: overrides any of them by its name.',
    examples: ['versions'],
  },
] as const satisfies readonly CommandSpec[];

/** Every command, as data. */
export const COMMANDS: readonly CommandSpec[] = TABLE;

/** The table with its literal names and options: invocation.ts types each runner's command line from it. */
export type CommandTable = typeof TABLE;

/** The command `name`; throws for a name the table lacks (a bug of the caller). */
export function commandSpec(name: string): CommandSpec {
  const spec = COMMANDS.find((c) => c.name === name);
  if (!spec) throw new Error(`no command "${name}" in lib/cli/commands.ts`);
  return spec;
}
