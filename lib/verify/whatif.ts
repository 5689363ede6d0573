import * as path from 'path';
import type { Invocation } from '../command-line/invocation';
import { recoverBeforeCommand } from '../render/swap';
import { isSystemError, rootRefusal, systemMessage } from '../system-error';
import { brokenTreeLines, loadTree } from '../k8s/tree';
import { haInputFromDisk, haModel, nMinusOne } from '../ha/analysis';
import { bringUpText, scenarioText } from '../ha/report';
import { bringUpStages, deployability } from '../ha/deployability';
import { isViolation, simulate } from '../ha/simulate';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * `npm run whatif -- --fail <node>[,<node>] [--all] [--root <dir>]`: loses those nodes together
 * in the rendered dist/ and prints a table per scenario (workload, before, after, outage seconds,
 * why). Without --fail, every node is lost on its own (the N-1 run verify does). --all lists the
 * workloads that cannot run on the lost nodes too. Each scenario also says whether every Argo CD
 * Application would be Healthy and which one holds the sync waves back (lib/ha/deployability.ts);
 * without --fail, or with --bring-up, every bring-up stage of the join order follows. Returns 0
 * when nothing breaks the rules, 1 when something does (or there is no render, or a file of it does
 * not read as manifests), 2 on a bad command line (an unknown node; the program refuses unknown
 * options): the convention of docs/cli.md.
 */
export function runWhatIfCli({ options }: Invocation<'whatif'>, root: string = ROOT): number {
  const dir = path.resolve(options.root ?? root);
  const badRoot = rootRefusal(options.root, dir);
  if (badRoot) {
    console.error(`whatif: ${badRoot}`);
    return 1;
  }
  if (!recoverBeforeCommand(dir, 'whatif')) return 1;
  let loaded: ReturnType<typeof loadTree>;
  try {
    loaded = loadTree(dir);
  } catch (e) {
    // A rendered file that cannot be read: the file and what to do, without a stack; anything else is a bug.
    if (!isSystemError(e)) throw e;
    console.error(`whatif failed: ${systemMessage(e, { where: dir })}`);
    return 1;
  }
  const { objects, problems } = loaded;
  const broken = brokenTreeLines(problems);
  for (const line of broken) console.error(`whatif: ${line}`);
  if (broken.length) return 1;
  const model = haModel(haInputFromDisk(dir, objects));
  const cluster = model.cluster;
  if (!cluster) {
    console.error(`whatif: no node configuration under ${path.join(dir, 'dist', 'hosts')}; run npm run synth first`);
    return 1;
  }
  const fail = options.fail;
  const names = cluster.nodes.map((n) => n.name);
  let results;
  if (fail !== undefined) {
    const failed = fail.split(',').map((s) => s.trim()).filter(Boolean);
    const wrong = failed.filter((f) => !names.includes(f));
    if (!failed.length || wrong.length) {
      console.error(`whatif: ${wrong.length ? `unknown node "${wrong[0]}"` : '--fail needs node names'} (nodes: ${names.join(', ')})`);
      return 2;
    }
    results = [simulate(cluster, model.workloads, [...new Set(failed)])];
  } else {
    results = nMinusOne(model);
  }
  for (const p of model.problems) console.error(`note: ${typeof p.origin === 'string' ? p.origin : p.origin.file}: [${p.rule}] ${p.message}`);
  for (const r of results) console.log(scenarioText(model, r, options.all));
  if (fail === undefined || options['bring-up']) {
    for (const stage of bringUpStages(cluster)) console.log(bringUpText(deployability(model, stage)));
  }
  return results.some((r) => !r.quorum || r.outcomes.some(isViolation)) ? 1 : 0;
}
