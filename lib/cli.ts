import * as fs from 'fs';
import * as path from 'path';
import { debugRequested, formatCliError } from './cli-errors';
import type { Invocation } from './command-line/invocation';
import { OutputError, OutputState } from './render/output-error';
import { OutputLockError } from './render/output-lock';
import { JOURNAL_FILE, recoverBeforeCommand } from './render/swap';
import { OUTPUT_DIRS, ROOT_FILES, SHARED_DIRS } from './render/write';
import { synthSummary } from './diff/synth-summary';
import { synth, VerifyError } from './synth';
import { formatFinding, verifyTree } from './verify/verify';
import { loadManifests } from './k8s/manifest-yaml';
import { notAFolder, rootRefusal } from './system-error';

const ROOT = path.resolve(__dirname, '..');


/** Every output synth writes, for messages: `dist/, argocd/, ..., apps.lock.yaml`. */
const ALL_OUTPUTS = [...OUTPUT_DIRS, ...SHARED_DIRS].map((d) => `${d}/`).concat(ROOT_FILES).join(', ');

/** The last line of a failed synth: what the outputs are now (`recovered`: it first undid an interrupted synth). */
export function outcomeLine(state: OutputState, recovered: boolean): string {
  switch (state) {
    case 'unchanged':
      return recovered
        ? 'synth: wrote nothing after undoing the interrupted synth above: every output is as it was before that synth.'
        : `synth: left every output unchanged (${ALL_OUTPUTS}).`;
    case 'restored':
      return 'synth: rolled back: the outputs already replaced were moved back, so every output is as it was before this run.';
    case 'mixed':
      return `synth: the outputs are half-replaced (some old, some new): do not commit them. Fix the cause above and run npm run synth again: it finishes the roll-back first (${JOURNAL_FILE} lists every move).`;
  }
}

/** `dist/, argocd/, render-cache/, docs/ (6 files), reports/ (1 file) and apps.lock.yaml`: what a synth replaced. */
export function describeOutputs(outputs: readonly string[]): string {
  const parts: string[] = [];
  for (const dir of OUTPUT_DIRS) if (outputs.includes(dir)) parts.push(`${dir}/`);
  for (const dir of SHARED_DIRS) {
    const n = outputs.filter((o) => o.startsWith(`${dir}/`)).length;
    if (n) parts.push(`${dir}/ (${n} file${n === 1 ? '' : 's'})`);
  }
  parts.push(...ROOT_FILES.filter((f) => outputs.includes(f)));
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts.join('');
}

/** The folder `cdk8s synth` asked for (CDK8S_OUTDIR, from cdk8s.yaml `output`), absolute; undefined outside cdk8s. */
function cdk8sOutdir(): string | undefined {
  return process.env.CDK8S_OUTDIR ? path.resolve(process.env.CDK8S_OUTDIR) : undefined;
}

/** Whether `cdk8s synth` (output: dist) emptied dist/ before this synth, which then failed: dist/ is missing. */
function cdk8sDeletedDist(root: string): boolean {
  return cdk8sOutdir() === path.join(root, 'dist') && !fs.existsSync(path.join(root, 'dist'));
}

/**
 * A progress line per phase on `stream` (`synth: rendering... (1.2 s)`, with the seconds since
 * the start), only when it is a terminal: piped or in CI, the result line says it all. Dim unless
 * NO_COLOR is set.
 */
export function progressLine(command: string, stream: { readonly isTTY?: boolean; write(text: string): unknown }, env: NodeJS.ProcessEnv): ((phase: string) => void) | undefined {
  if (!stream.isTTY) return undefined;
  const started = process.hrtime.bigint();
  const dim = (text: string) => (env.NO_COLOR ? text : `\u001b[2m${text}\u001b[0m`);
  return (phase) => {
    const s = Number(process.hrtime.bigint() - started) / 1e9;
    stream.write(`${dim(`${command}: ${phase}... (${s.toFixed(1)} s)`)}\n`);
  };
}

/**
 * `npm run synth [-- --site <file>] [--root <dir>] [--debug]`: returns the exit code.
 * `--root` renders into another checkout (dist/ and argocd/ there; site.yaml there by default).
 * A failure is one message naming the file and what to do; `--debug` (or TSYS_DEBUG=1) adds the stack.
 */
export function runSynthCli({ options }: Invocation<'synth'>): number {
  const started = process.hrtime.bigint();
  const debug = debugRequested(options.debug);
  const root = path.resolve(options.root ?? ROOT);
  const notFolder = notAFolder(root);
  if (notFolder) {
    console.error(`synth failed: --root ${options.root ?? root} ${notFolder}: give the top folder of a checkout (the folder of site.yaml and apps/); nothing was written`);
    return 1;
  }
  let result: ReturnType<typeof synth>;
  let recovered = false;
  const log = (line: string) => {
    recovered = true;
    console.error(`synth: ${line}`);
  };
  try {
    result = synth({ root, siteFile: options.site ? path.resolve(options.site) : undefined, log, progress: progressLine('synth', process.stderr, process.env) });
  } catch (e) {
    if (e instanceof OutputLockError && e.phase === 'release') {
      console.error(`synth failed: ${e.message}`);
      console.error('synth: the render was verified and written (every output is new); only its lock is left.');
      return 1;
    }
    if (e instanceof OutputLockError) {
      console.error(`synth: refused: ${e.message}`);
      return 1;
    }
    console.error(formatCliError(e, { command: 'synth', debug, where: root, userErrors: [VerifyError, OutputError] }));
    console.error(outcomeLine(e instanceof OutputError ? e.outputs : 'unchanged', recovered));
    if (cdk8sDeletedDist(root)) console.error('synth: cdk8s synth deleted dist/ before it ran this synth (cdk8s empties its output folder first): `git checkout -- dist` brings back the committed one.');
    return 1;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  // What changed, in a few lines; the line after them stays the last (scripts and tests read it).
  for (const line of synthSummary(result.previous, result.files)) console.log(`synth: ${line}`);
  console.log(`synth: wrote ${result.objects} objects in ${result.files.length} files, rendered and verified, to ${describeOutputs(result.outputs)} in ${ms.toFixed(0)} ms`);
  // `cdk8s synth` passes CDK8S_OUTDIR (cdk8s.yaml `output`), deletes it first and lists what it
  // finds there. dist/ itself is what synth just wrote; any other folder gets a copy of it.
  const outdir = cdk8sOutdir();
  if (outdir && outdir !== path.join(root, 'dist')) {
    const owned = [path.join(root, 'dist'), path.join(root, 'argocd')];
    const inside = (child: string, parent: string) => child === parent || child.startsWith(`${parent}${path.sep}`);
    if (owned.some((dir) => inside(outdir, dir) || inside(dir, outdir))) {
      console.error(`synth: CDK8S_OUTDIR=${outdir} overlaps the rendered output; set cdk8s.yaml "output" to dist (synth's own output) or to a folder outside dist/ and argocd/`);
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

/** Findings for the rendered files (`objectsIn`: each file's number of objects) that do not hold exactly one object, as synth writes them. */
function oneObjectPerFile(objectsIn: ReadonlyMap<string, number>): { file: string; message: string }[] {
  const out: { file: string; message: string }[] = [];
  for (const [file, n] of objectsIn) {
    if (!/^(dist|argocd)\//.test(file) || file.startsWith('dist/hosts/') || file === 'argocd/kustomization.yaml' || n === 1) continue;
    out.push({ file, message: n === 0
      ? 'holds no object; synth writes one object per file, so this one lost its object (emptied by hand?): run npm run synth, or restore it from git'
      : `holds ${n} objects; synth writes one object per file, so ${n - 1} of them ${n === 2 ? 'was' : 'were'} added by hand: render them from site.yaml or apps/ (npm run synth), or remove them` });
  }
  return out;
}

/**
 * `npm run verify [-- --root <dir>] [--debug]`: checks the committed dist/ and argocd/ (of
 * `--root`, else of `root`); returns the exit code. A checkout without dist/ is an error, not valid.
 */
export function runVerifyCli({ options }: Invocation<'verify'>, defaultRoot: string = ROOT): number {
  const started = process.hrtime.bigint();
  const root = path.resolve(options.root ?? defaultRoot);
  const badRoot = rootRefusal(options.root, root);
  if (badRoot) {
    console.error(`verify failed: ${badRoot}`);
    return 1;
  }
  if (!fs.existsSync(path.join(root, 'dist'))) {
    console.error(`verify failed: ${root} has no dist/ folder: give the top folder of a checkout with --root, or run npm run synth there first`);
    return 1;
  }
  if (!recoverBeforeCommand(root, 'verify')) return 1;
  progressLine('verify', process.stderr, process.env)?.('checking dist/ and argocd/');
  let findings: ReturnType<typeof verifyTree>;
  // Synth writes one object per manifest file: a file emptied, or with a document added by hand, is not its render.
  const objectsIn = new Map<string, number>();
  const parse = (text: string, file: string): unknown[] => {
    const docs = loadManifests(text, file);
    objectsIn.set(file, docs.filter((d) => d !== null && d !== undefined).length);
    return docs;
  };
  try {
    findings = [...verifyTree(root, undefined, undefined, { parse }), ...oneObjectPerFile(objectsIn)].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  } catch (e) {
    console.error(formatCliError(e, { command: 'verify', debug: debugRequested(options.debug), where: root }));
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
