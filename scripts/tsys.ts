// `tsys <command>` (bin/tsys.js, and every npm script): the one command line of the platform
// (lib/command-line/). The commands whose code lives in scripts/ are wired here; the others in
// lib/command-line/runners.ts.
import type { Runners } from '../lib/command-line/invocation';
import { runProgram } from '../lib/command-line/program';
import { LIB_RUNNERS } from '../lib/command-line/runners';

/** Every command's runner: lib/'s and those of scripts/, each loaded when its command runs. */
export const RUNNERS: Runners = {
  ...LIB_RUNNERS,
  bench: (args) => (require('./bench') as typeof import('./bench')).runBench(args),
  schemas: () => (require('./refresh-schemas') as typeof import('./refresh-schemas')).refreshSchemas(),
  import: () => (require('./import-crds') as typeof import('./import-crds')).importCrds(),
  'backup-report': (args) => (require('./backup-report') as typeof import('./backup-report')).runBackupReport(args),
};

/**
 * The folder the user typed the command in when npm started it (`npm run <command>` or `npm run
 * tsys`, from any folder of the checkout): npm runs a script in the package's folder and says where
 * it was started in INIT_CWD. Undefined otherwise (a tsys of a test run by `npm test` inherits
 * INIT_CWD too, but not as its own script).
 */
export function npmStartedIn(env: NodeJS.ProcessEnv, argv: readonly string[]): string | undefined {
  const event = env.npm_lifecycle_event;
  return env.INIT_CWD && (event === 'tsys' || (event !== undefined && event === argv[0])) ? env.INIT_CWD : undefined;
}

/** Runs the process's command line and sets its exit code. */
export function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  // `cd apps && npm run verify -- --root ..`: paths are relative to where the user typed them.
  const startedIn = npmStartedIn(process.env, argv);
  if (startedIn && startedIn !== process.cwd()) {
    try {
      process.chdir(startedIn);
    } catch {
      // The folder is gone: the paths stay relative to the package's folder, as npm left them.
    }
  }
  // `tsys diff | head`: a reader that stops early is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') outputFailed(e);
    process.exit(process.exitCode ?? 0);
  });
  return runProgram(argv, RUNNERS).then((code) => {
    process.exitCode = code;
    // The drill may leave watches and timers behind; it has said everything it had to say.
    if (argv[0] === 'drill') process.exit(code);
  }, (e: unknown) => {
    if (!isOutputWriteError(e)) throw e;
    outputFailed(e);
  });
}

/**
 * Whether `e` is a failure to write the command's own output (stdout or stderr redirected to a
 * full disk, `>/dev/full`, a closed descriptor): a system error of a write with no path (a file
 * the command writes is named in its errors).
 */
export function isOutputWriteError(e: unknown): e is NodeJS.ErrnoException {
  const x = e as NodeJS.ErrnoException | undefined;
  return !!x && typeof x === 'object' && x.syscall === 'write' && typeof x.code === 'string' && x.path === undefined;
}

/** Says that the output could not be written (on stderr, which may work when stdout did not) and exits 1. */
function outputFailed(e: NodeJS.ErrnoException): never {
  try {
    process.stderr.write(`tsys: cannot write the command's output (${e.code}: ${e.message.replace(/^[A-Z]+: /, '').split(',')[0]}): give it somewhere it can be written (the command stopped where it was)\n`);
  } catch {
    // stderr cannot be written either: the exit code says it.
  }
  process.exit(1);
}

if (require.main === module) void main();
