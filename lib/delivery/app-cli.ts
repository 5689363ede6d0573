import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../config/errors';
import { loadSite } from '../config/load';
import type { Invocation } from '../command-line/invocation';
import { CliIo, processIo } from './cli';
import { DeliveryError } from './delivery-error';
import { ComposeError } from './compose';
import { formatImport, importCompose, writeImport } from './import-compose';
import { renderTerminal, shouldColor } from '../diff/terminal';
import { formatPreview } from './preview';
import { release } from './release';

const ROOT = path.resolve(__dirname, '..', '..');

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

/**
 * `npm run import-compose`: writes `apps/<service>.yaml` for every service it can translate and
 * reports every service on stderr. Exit 0 when every non-database service was written, 1 when
 * one was not (or on errors): the report says why and what to do.
 */
export function runImportComposeCli({ positionals, options: o }: Invocation<'import-compose'>, io: CliIo = processIo(), cwd = process.env.INIT_CWD ?? process.cwd()): Promise<number> {
  return guard('import-compose', io, async () => {
    const environment = o.env ?? 'sit';
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
    const { existing } = writeImport(outcomes, outDir, o.force);
    for (const line of formatImport(outcomes.map((x) => (x.kind === 'app' && existing.includes(path.join(outDir, `${x.app}.yaml`))
      ? { kind: 'rejected' as const, service: x.service, app: x.app, file: x.file, reasons: [`${x.file} exists already: left alone (--force overwrites it)`], untranslated: [] }
      : x)))) io.err(`import-compose: ${line}`);
    const missing = outcomes.filter((x) => x.kind === 'rejected').length + existing.length;
    const written = outcomes.filter((x) => x.kind === 'app').length - existing.length;
    io.out(`import-compose: ${written} app spec${written === 1 ? '' : 's'} written to ${shownOut}/${missing ? `; ${missing} service${missing === 1 ? '' : 's'} not written (see above)` : ''}; review the "Needs a person" notes in each file, then npm run synth`);
    return missing ? 1 : 0;
  });
}

/**
 * `npm run release`: exit 0 when the branch Argo CD follows holds the release, 1 when refused or
 * failed (the message says what to do).
 */
export function runReleaseCli({ positionals, options: o }: Invocation<'release'>, io: CliIo = processIo()): Promise<number> {
  return guard('release', io, async () => {
    const [app, ref] = positionals;
    const cwd = process.env.INIT_CWD ?? process.cwd();
    const root = path.resolve(cwd, o.root ?? ROOT);
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
