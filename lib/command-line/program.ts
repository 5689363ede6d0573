import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { COMMANDS } from './commands';
import { CommandSpec, EXIT_CODES, OptionSpec } from './spec';

/**
 * The `tsys` command line (commander): one parser for every command, built from the table in
 * commands.ts. It checks the command line before anything runs: `--help`/`-h` prints the
 * command's usage, options and examples and runs nothing (exit 0); an unknown option, a stray
 * argument or a missing or invalid option value is one line on stderr and exit 2. A command line
 * that passes is handed to the command's runner in a canonical form (`--name value`, positional
 * arguments first), so the runners keep their own, stricter checks.
 */

/** Runs a command with its canonical arguments; resolves to the exit code. */
export type Runner = (args: readonly string[]) => number | Promise<number>;

/** Where the command line writes its help and its usage errors (the runners write their own output). */
export interface ProgramIo {
  /** Help text, as commander formats it (ends with a newline). */
  readonly stdout: (text: string) => void;
  /** Usage errors, one line each. */
  readonly stderr: (text: string) => void;
}

/** The process's stdout and stderr. */
export const processProgramIo: ProgramIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** The exit code of a command line the program refuses. */
export const USAGE_EXIT = 2;

/** How `tsys` is started, for the help text. */
const BIN = 'tsys';

function optionFlags(o: OptionSpec): string {
  return `--${o.name}${o.value ? ` ${o.value}` : ''}`;
}

/** A commander option of the spec; a value that is another option (`--fail --all`) is refused as missing. */
function option(o: OptionSpec): Option {
  const opt = new Option(optionFlags(o), o.description);
  if (o.choices) opt.choices([...o.choices]);
  else if (o.value) {
    opt.argParser((value: string, previous: unknown) => {
      if (value.startsWith('-') && value !== o.dashValue) throw new InvalidArgumentError(`it needs a value, but "${value}" follows it`);
      return o.repeatable ? [...(Array.isArray(previous) ? previous : []), value] : value;
    });
  }
  if (o.required) opt.makeOptionMandatory();
  return opt;
}

/** The camelCase key commander stores an option under. */
function key(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The canonical command line of a parsed command: positional arguments, then each given option in table order. */
export function canonicalArgs(spec: CommandSpec, positionals: readonly string[], values: Record<string, unknown>): string[] {
  const args = [...positionals];
  for (const o of spec.options ?? []) {
    const v = values[key(o.name)];
    if (v === undefined || v === false) continue;
    for (const one of Array.isArray(v) ? v : [v]) {
      args.push(`--${o.name}`);
      if (o.value) args.push(String(one));
    }
  }
  return args;
}

function examples(spec: CommandSpec): string {
  const npm = (e: string) => {
    const [name, ...rest] = e.split(' ');
    return name === spec.name && !/^[A-Z_]+=/.test(e) ? `npm run ${name}${rest.length ? ` -- ${rest.join(' ')}` : ''}` : undefined;
  };
  const lines = spec.examples.map((e) => (/^[A-Z_]+=/.test(e) ? `  ${e}` : `  ${BIN} ${e}`));
  const alias = spec.examples.map(npm).find((x) => x !== undefined);
  return `\nExamples:\n${lines.join('\n')}${alias ? `\n  ${alias}    (the npm script runs the same command)` : ''}\n`;
}

/** The program for one run (commander keeps parsed values on its commands: build one per command line). */
export function buildProgram(runners: Readonly<Record<string, Runner>>, io: ProgramIo, onResult: (code: number) => void): Command {
  const program = new Command(BIN);
  const errorLine = (command: string) => (text: string) =>
    io.stderr(`${command}: ${text.trim().replace(/^error: /, '').replace(/\n+/g, ' ')} (${command === BIN ? `${BIN} --help` : `${BIN} ${command} --help`} shows the usage)\n`);
  program
    .description('The TSYS platform: render, check, deliver and operate the k3s platform and its apps.')
    .usage('<command> [options]')
    .helpOption('-h, --help', 'show this help and run nothing')
    .helpCommand('help [command]', 'show the help of a command')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: errorLine(BIN) })
    .addHelpText('after', `\nExit codes (every command):\n${EXIT_CODES.map((l) => `  ${l}`).join('\n')}\n\nExamples:\n  ${BIN} synth\n  ${BIN} whatif --fail www1\n  ${BIN} release whiteboard 1.20.0 --dry-run\n  npm run whatif -- --fail www1    (each command is also an npm script)\n\nMore: docs/cli.md\n`);
  for (const spec of COMMANDS) {
    const run = runners[spec.name];
    if (!run) throw new Error(`no runner for the command "${spec.name}"; add it to lib/command-line/runners.ts or scripts/tsys.ts`);
    const cmd = program.command(spec.name).description(spec.details ? `${spec.summary}\n${spec.details}` : spec.summary).summary(spec.summary);
    cmd.configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: errorLine(spec.name) });
    cmd.allowExcessArguments(false).allowUnknownOption(false);
    for (const a of spec.arguments ?? []) cmd.argument(`<${a.name}>`, a.description);
    for (const o of spec.options ?? []) cmd.addOption(option(o));
    cmd.addHelpText('after', examples(spec));
    cmd.action(async (...params: unknown[]) => {
      const command = params[params.length - 1] as Command;
      onResult(await run(canonicalArgs(spec, command.args, command.opts())));
    });
  }
  return program;
}

/**
 * Runs the command line `argv` (without node and the script): the command's exit code, 0 for
 * help, 2 for a command line the program refuses.
 */
export async function runProgram(argv: readonly string[], runners: Readonly<Record<string, Runner>>, io: ProgramIo = processProgramIo): Promise<number> {
  let code = 0;
  const program = buildProgram(runners, io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
    // `tsys help` (exit 0); `tsys` alone: the help on stderr, as a usage error.
    if (e.code === 'commander.help') return e.exitCode === 0 ? 0 : USAGE_EXIT;
    return USAGE_EXIT;
  }
}
