import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from './config/errors';
import { PlatformError } from './gitops/waves';
import { synth, VerifyError } from './synth';
import { formatFinding, verifyTree } from './verify/verify';

const ROOT = path.resolve(__dirname, '..');

/** Errors a user can fix: print the message alone, no stack. */
function isUserError(e: unknown): e is Error {
  return e instanceof ConfigError || e instanceof PlatformError || e instanceof VerifyError;
}

/** The value after `--name`, if given. */
function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  if (!args[i + 1]) throw new Error(`${name} needs a value`);
  return args[i + 1];
}

/**
 * `npm run synth [-- --site <file>] [--root <dir>]`: returns the exit code.
 * `--root` renders into another checkout (dist/ and argocd/ there; site.yaml there by default).
 */
export function runSynthCli(args: readonly string[]): number {
  const started = process.hrtime.bigint();
  try {
    const root = path.resolve(option(args, '--root') ?? ROOT);
    const site = option(args, '--site');
    const result = synth({ root, siteFile: site ? path.resolve(site) : undefined });
    // `cdk8s synth` passes CDK8S_OUTDIR and lists what it finds there; give it a copy.
    const outdir = process.env.CDK8S_OUTDIR;
    if (outdir) {
      fs.rmSync(outdir, { recursive: true, force: true });
      fs.cpSync(path.join(root, 'dist'), path.resolve(outdir), { recursive: true });
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`synth: ${result.objects} objects in ${result.files.length} files rendered, verified and written to dist/ and argocd/ in ${ms.toFixed(0)} ms`);
    return 0;
  } catch (e) {
    console.error(isUserError(e) ? `synth failed: ${e.message}` : e);
    console.error('synth: dist/ and argocd/ were left unchanged.');
    return 1;
  }
}

/** `npm run verify`: checks the committed dist/ and argocd/; returns the exit code. */
export function runVerifyCli(root: string = ROOT): number {
  const started = process.hrtime.bigint();
  const findings = verifyTree(root);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (findings.length) {
    for (const f of findings) console.error(formatFinding(f));
    console.error(`verify: ${findings.length} problem${findings.length === 1 ? '' : 's'}`);
    return 1;
  }
  console.log(`verify: dist/ and argocd/ are valid (${ms.toFixed(0)} ms)`);
  return 0;
}
