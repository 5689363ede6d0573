import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { ENVIRONMENTS, Environment } from '../config/app-schema';
import { ConfigError } from '../config/errors';
import { loadSite } from '../config/load';
import { CliIo, processIo } from './cli';
import { DeliveryError } from './delivery-error';
import { ComposeError } from './compose';
import { formatImport, importCompose, writeImport } from './import-compose';
import { renderTerminal, shouldColor } from '../diff/terminal';
import { formatPreview } from './preview';
import { release } from './release';

const ROOT = path.resolve(__dirname, '..', '..');

/** Parses `args` strictly: known options, `positionals` positional arguments exactly. */
function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(usage: string, args: readonly string[], options: T, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (e) {
    throw new DeliveryError(`${(e as Error).message}\nusage: ${usage}`);
  }
  if (parsed.positionals.length !== positionals) {
    throw new DeliveryError(`expected ${positionals} argument${positionals === 1 ? '' : 's'}, got ${parsed.positionals.length}${parsed.positionals.length ? ` (${parsed.positionals.join(' ')})` : ''}\nusage: ${usage}`);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** Runs a command body; user errors print their message alone and exit 1. */
async function guard(command: string, io: CliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof DeliveryError || e instanceof ConfigError || e instanceof ComposeError) io.err(`${command}: ${e.message}`);
    else io.err(`${command}: ${(e as Error).stack ?? String(e)}`);
    return 1;
  }
}

export const IMPORT_COMPOSE_USAGE = 'npm run import-compose -- <docker-compose.yml> [--env sit|uat|prod] [--out apps/] [--domain <domain>] [--site site.yaml] [--force]';

/**
 * `npm run import-compose`: writes `apps/<service>.yaml` for every service it can translate and
 * reports every service on stderr. Exit 0 when every non-database service was written, 1 when
 * one was not (or on errors): the report says why and what to do.
 */
export function runImportComposeCli(args: readonly string[], io: CliIo = processIo(), cwd = process.env.INIT_CWD ?? process.cwd()): Promise<number> {
  return guard('import-compose', io, async () => {
    const { values: o, positionals } = parse(IMPORT_COMPOSE_USAGE, args, {
      env: { type: 'string' }, out: { type: 'string' }, domain: { type: 'string' }, site: { type: 'string' }, force: { type: 'boolean' },
    }, 1);
    const environment = (o.env ?? 'sit') as Environment;
    if (!ENVIRONMENTS.includes(environment)) throw new DeliveryError(`--env must be one of ${ENVIRONMENTS.join(', ')}, not "${o.env}"`);
    if (o.domain !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(o.domain)) {
      throw new DeliveryError(`--domain must be a lower-case DNS domain such as turnsys.com, not "${o.domain}"`);
    }
    const composeFile = path.resolve(cwd, positionals[0]);
    let text: string;
    try {
      text = fs.readFileSync(composeFile, 'utf8');
    } catch (e) {
      throw new DeliveryError(`cannot read ${positionals[0]} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): name the docker-compose file to import`);
    }
    const site = loadSite(path.resolve(cwd, o.site ?? path.join(ROOT, 'site.yaml')));
    const outDir = path.resolve(cwd, o.out ?? path.join(ROOT, 'apps'));
    const shownOut = path.relative(cwd, outDir) || '.';
    const outcomes = importCompose(text, { site, environment, domain: o.domain, source: path.relative(cwd, composeFile) || composeFile, outDir: shownOut });
    const { existing } = writeImport(outcomes, outDir, o.force ?? false);
    for (const line of formatImport(outcomes.map((x) => (x.kind === 'app' && existing.includes(path.join(outDir, `${x.app}.yaml`))
      ? { kind: 'rejected' as const, service: x.service, app: x.app, file: x.file, reasons: [`${x.file} exists already: left alone (--force overwrites it)`], untranslated: [] }
      : x)))) io.err(`import-compose: ${line}`);
    const missing = outcomes.filter((x) => x.kind === 'rejected').length + existing.length;
    const written = outcomes.filter((x) => x.kind === 'app').length - existing.length;
    io.out(`import-compose: ${written} app spec${written === 1 ? '' : 's'} written to ${shownOut}/${missing ? `; ${missing} service${missing === 1 ? '' : 's'} not written (see above)` : ''}; review the "Needs a person" notes in each file, then npm run synth`);
    return missing ? 1 : 0;
  });
}

export const RELEASE_USAGE = 'npm run release -- <app> <image|tag|sha256:digest> [--remote origin] [--site site.yaml] [--root .] [--dry-run] [--allow-repository-change]';

/**
 * `npm run release`: exit 0 when the branch Argo CD follows holds the release, 1 when refused or
 * failed (the message says what to do).
 */
export function runReleaseCli(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  return guard('release', io, async () => {
    const { values: o, positionals } = parse(RELEASE_USAGE, args, {
      remote: { type: 'string' }, site: { type: 'string' }, root: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'allow-repository-change': { type: 'boolean' },
    }, 2);
    const [app, ref] = positionals;
    const cwd = process.env.INIT_CWD ?? process.cwd();
    const root = path.resolve(cwd, o.root ?? ROOT);
    const result = release({
      root, app, ref, remote: o.remote, siteFile: o.site ? path.resolve(cwd, o.site) : undefined, log: io.out,
      dryRun: o['dry-run'] ?? false, allowRepositoryChange: o['allow-repository-change'] ?? false,
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
