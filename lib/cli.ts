import * as fs from 'fs';
import * as path from 'path';
import { option } from './args';
import { debugRequested, formatCliError } from './cli-errors';
import { synth, VerifyError } from './synth';
import { formatFinding, verifyTree } from './verify/verify';

const ROOT = path.resolve(__dirname, '..');
const SYNTH_OPTIONS = ['--site', '--root'];

/**
 * `npm run synth [-- --site <file>] [--root <dir>] [--debug]`: returns the exit code.
 * `--root` renders into another checkout (dist/ and argocd/ there; site.yaml there by default).
 * A failure is one message naming the file and what to do; `--debug` (or TSYS_DEBUG=1) adds the stack.
 */
export function runSynthCli(args: readonly string[]): number {
  const started = process.hrtime.bigint();
  const debug = debugRequested(args);
  const unknown = args.filter((a, i) => a.startsWith('-') && a !== '--debug' && !SYNTH_OPTIONS.includes(a) && !SYNTH_OPTIONS.includes(args[i - 1]));
  if (unknown.length) {
    console.error(`synth: unknown option "${unknown[0]}" (allowed: --site <file>, --root <dir>, --debug)`);
    return 1;
  }
  let root = ROOT;
  let result: ReturnType<typeof synth>;
  try {
    root = path.resolve(option(args, '--root') ?? ROOT);
    const site = option(args, '--site');
    result = synth({ root, siteFile: site ? path.resolve(site) : undefined });
  } catch (e) {
    console.error(formatCliError(e, { command: 'synth', debug, where: root, userErrors: [VerifyError] }));
    console.error('synth: dist/ and argocd/ were left unchanged.');
    return 1;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`synth: ${result.objects} objects in ${result.files.length} files rendered, verified and written to dist/ and argocd/ in ${ms.toFixed(0)} ms`);
  // `cdk8s synth` passes CDK8S_OUTDIR, deletes it first and lists what it finds there: give it a copy.
  const outdir = process.env.CDK8S_OUTDIR ? path.resolve(process.env.CDK8S_OUTDIR) : undefined;
  if (outdir) {
    const owned = [path.join(root, 'dist'), path.join(root, 'argocd')];
    const inside = (child: string, parent: string) => child === parent || child.startsWith(`${parent}${path.sep}`);
    if (owned.some((dir) => inside(outdir, dir) || inside(dir, outdir))) {
      console.error(`synth: CDK8S_OUTDIR=${outdir} overlaps the rendered output; set cdk8s.yaml "output" to a scratch folder such as .cdk8s.out`);
      return 1;
    }
    try {
      fs.rmSync(outdir, { recursive: true, force: true });
      fs.cpSync(path.join(root, 'dist'), outdir, { recursive: true });
    } catch (e) {
      console.error(formatCliError(e, { command: 'synth', debug, where: outdir }));
      console.error(`synth: dist/ and argocd/ were written; only the copy for cdk8s in ${outdir} failed.`);
      return 1;
    }
  }
  return 0;
}

/** `npm run verify [-- --debug]`: checks the committed dist/ and argocd/; returns the exit code. */
export function runVerifyCli(root: string = ROOT, args: readonly string[] = []): number {
  const started = process.hrtime.bigint();
  let findings: ReturnType<typeof verifyTree>;
  try {
    findings = verifyTree(root);
  } catch (e) {
    console.error(formatCliError(e, { command: 'verify', debug: debugRequested(args), where: root }));
    return 1;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (findings.length) {
    for (const f of findings) console.error(formatFinding(f));
    console.error(`verify: ${findings.length} problem${findings.length === 1 ? '' : 's'}`);
    return 1;
  }
  console.log(`verify: dist/ and argocd/ are valid (${ms.toFixed(0)} ms)`);
  return 0;
}
