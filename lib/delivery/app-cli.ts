import * as fs from 'fs';
import * as path from 'path';
import { runGuarded } from '../cli-errors';
import { loadSite } from '../config/load';
import { LAYER_NEEDS, PIN_NAMES } from '../layers';
import type { Invocation } from '../command-line/invocation';
import { CliIo, processIo, refuseRoot } from './cli';
import { DeliveryError } from './delivery-error';
import { ComposeError } from './compose';
import { EnvFileError, parseEnvFile } from './compose-import/env-file';
import { checkOutputFolder } from './compose-import/out-dir';
import { formatImport, importCompose, writeImport } from './import-compose';
import { renderTerminal, shouldColor } from '../diff/terminal';
import { formatPreview } from './preview';
import { release } from './release';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs a command body; user errors print their message alone and exit 1. */
function guard(command: string, io: CliIo, body: () => Promise<number>): Promise<number> {
  return runGuarded(command, (line) => io.err(line), body, [DeliveryError, ComposeError, EnvFileError]);
}

/** Reads a file the command line names, or says which and why not. */
function readNamed(cwd: string, name: string, what: string): string {
  try {
    return fs.readFileSync(path.resolve(cwd, name), 'utf8');
  } catch (e) {
    throw new DeliveryError(`cannot read ${name} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): name the ${what}`);
  }
}

/**
 * The interpolation variables: the `--env-file`s in order, or else the `.env` beside the compose file
 * when there is one (as compose does). The shell's variables are not read (an import gives the same
 * specs on every machine): put what the shell set in an env file.
 */
function importVariables(cwd: string, composeFile: string, envFiles: readonly string[]): Map<string, string> {
  if (envFiles.length) return envFiles.reduce((vars, f) => parseEnvFile(readNamed(cwd, f, 'env file'), f, vars), new Map<string, string>());
  const dotEnv = path.join(path.dirname(composeFile), '.env');
  if (!fs.existsSync(dotEnv)) return new Map();
  return parseEnvFile(fs.readFileSync(dotEnv, 'utf8'), path.relative(cwd, dotEnv) || dotEnv);
}

/** `--image svc=ref` options (each `<service>=<image>`, each service once: the program checked them) as a map. */
function imageOptions(values: readonly string[]): Map<string, string> {
  return new Map(values.map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]));
}

/**
 * `npm run import-compose`: writes `apps/<app>.yaml` for every service it can translate, a draft
 * `apps/drafts/<app>.yaml` (not loaded by synth) for every other one, and reports every service on
 * stderr. Exit 0 when every non-database service got a spec, 1 when one got a draft or nothing
 * (or on errors): the report says why and what to do.
 */
export function runImportComposeCli({ positionals, options: o }: Invocation<'import-compose'>, io: CliIo = processIo(), cwd = process.cwd()): Promise<number> {
  return guard('import-compose', io, async () => {
    const environment = o.env ?? 'sit';
    const outDir = path.resolve(cwd, o.out ?? path.join(ROOT, 'apps'));
    const outOption = o.out !== undefined ? `--out ${o.out}` : `the output folder ${path.relative(cwd, outDir) || '.'}`;
    checkOutputFolder(outDir, outOption);
    const composeFile = path.resolve(cwd, positionals[0]);
    const text = readNamed(cwd, positionals[0], 'docker-compose file to import');
    const overrides = o.file.map((f) => ({ name: path.relative(cwd, path.resolve(cwd, f)) || f, text: readNamed(cwd, f, 'compose file to merge') }));
    const vars = importVariables(cwd, composeFile, o['env-file']);
    const site = loadSite(path.resolve(cwd, o.site ?? path.join(ROOT, 'site.yaml')), PIN_NAMES, LAYER_NEEDS);
    const shownOut = path.relative(cwd, outDir) || '.';
    const outcomes = importCompose(text, {
      site, environment, domain: o.domain, source: path.relative(cwd, composeFile) || composeFile, projectDir: path.dirname(composeFile), outDir: shownOut,
      overrides, vars, images: imageOptions(o.image), prefix: o.prefix,
    });
    const { existing } = writeImport(outcomes, outDir, o.force, outOption);
    const shownFile = (x: { app: string; kind: string }) => path.join(x.kind === 'app' ? outDir : path.join(outDir, 'drafts'), `${x.app}.yaml`);
    for (const line of formatImport(outcomes.map((x) => ((x.kind === 'app' || x.kind === 'draft') && existing.includes(shownFile(x))
      ? { kind: 'rejected' as const, service: x.service, app: x.app, file: x.file, reasons: [`${x.file} exists already: left alone (--force overwrites it)`], untranslated: [] }
      : x)))) io.err(`import-compose: ${line}`);
    const existingApps = outcomes.filter((x) => x.kind === 'app' && existing.includes(shownFile(x))).length;
    const drafts = outcomes.filter((x) => x.kind === 'draft').length;
    const missing = outcomes.filter((x) => x.kind === 'rejected').length + existing.length;
    const written = outcomes.filter((x) => x.kind === 'app').length - existingApps;
    const parts = [
      `${written} app spec${written === 1 ? '' : 's'} written to ${shownOut}/`,
      ...(drafts ? [`${drafts} draft${drafts === 1 ? '' : 's'} in ${path.join(shownOut, 'drafts')}/ (answer the OPEN questions, then move ${drafts === 1 ? 'it' : 'them'} to ${shownOut}/)`] : []),
      ...(missing ? [`${missing} service${missing === 1 ? '' : 's'} not written (see above)`] : []),
    ];
    io.out(`import-compose: ${parts.join('; ')}; review the "Needs a person" notes in each file, then npm run synth`);
    return missing || drafts ? 1 : 0;
  });
}

/**
 * `npm run release`: exit 0 when the branch Argo CD follows holds the release, 1 when refused or
 * failed (the message says what to do).
 */
export function runReleaseCli({ positionals, options: o }: Invocation<'release'>, io: CliIo = processIo()): Promise<number> {
  return guard('release', io, async () => {
    const [app, ref] = positionals;
    const cwd = process.cwd();
    const root = path.resolve(cwd, o.root ?? ROOT);
    refuseRoot(o.root, root);
    const result = release({
      root, app, ref, remote: o.remote, siteFile: o.site ? path.resolve(cwd, o.site) : undefined, log: io.out,
      dryRun: o['dry-run'], allowRepositoryChange: o['allow-repository-change'],
    });
    const runs = result.waitsForPromotion
      ? `once Argo CD syncs, ${app}'s rollout starts ${result.image} and pauses: ${result.previewUrl ? `try it at ${result.previewUrl}; ` : ''}it serves traffic only after npm run promote -- ${app} (npm run status shows progress)`
      : `${app} runs ${result.image} once Argo CD syncs (npm run status shows progress)`;
    if (result.preview) {
      const pushTo = result.upToDate ? '' : `push to ${result.remote} ${result.branch}; ${runs}`;
      const diffText = renderTerminal(result.preview.diff, { base: `HEAD (${result.head.slice(0, 12)})`, head: `release of ${result.image}`, color: shouldColor(process.stdout, io.env) });
      for (const line of formatPreview('release', result.preview, diffText, pushTo)) io.out(line);
      return 0;
    }
    io.out(result.upToDate
      ? `release: ${result.remote} ${result.branch} already is at ${result.head.slice(0, 12)}; nothing to push`
      : `release: pushed ${result.head.slice(0, 12)} to ${result.remote} ${result.branch}: ${runs}`);
    return 0;
  });
}
