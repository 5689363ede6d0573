import * as fs from 'fs';
import * as path from 'path';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { COMMANDS } from './commands';
import type { AnyInvocation, CommandName, Runners } from './invocation';
import { ArgumentSpec, CommandSpec, EXIT_CODES, OptionSpec, ValueShape } from './spec';

/**
 * The `tsys` command line (commander): one parser for every command, built from the table in
 * commands.ts. It checks the command line before anything runs: `--help`/`-h` prints the
 * command's usage, options and examples and runs nothing (exit 0), as `tsys --version`/`-V` prints
 * the version of package.json (exit 0); an unknown option, a stray
 * argument or a missing or invalid option value is one line on stderr and exit 2. A command line
 * that passes is handed to the command's runner as typed values (invocation.ts): the runners parse
 * nothing again and check only what the values mean (a node that exists, a file that can be read).
 */

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

/** package.json of the platform (the bundle keeps each module's own `__dirname`: bin/bundle.js). */
const PACKAGE_JSON = path.join(__dirname, '..', '..', 'package.json');

/** The platform's version, `version` of package.json: what `tsys --version` prints. */
export function packageVersion(file = PACKAGE_JSON): string {
  const version = (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown }).version;
  if (typeof version !== 'string' || !version) throw new Error(`${file} has no "version" (a string): the version tsys --version prints`);
  return version;
}

function optionFlags(o: OptionSpec): string {
  return `--${o.name}${o.value ? ` ${o.value}` : ''}`;
}

/** The refusal of a value outside `shape`: what it must be and an example (`e.g. --timeout 600`). */
function notOfShape(shape: ValueShape, example: string): InvalidArgumentError {
  return new InvalidArgumentError(`It must be ${shape.allowed}, e.g. ${example}.`);
}

/**
 * A commander option of the spec. Refused as a command-line error (exit 2): a value that is
 * another option (`--fail --all`: the value is missing), an empty value (`--out ""`: a shell
 * variable that was not set, never a path, a name or a node), a value not among the choices or
 * not of the option's shape (`--prefix "Bad!"`, `--timeout -5`: the message says what it must
 * be), and an option that is not repeatable given a second time (`--fail db1 --fail db2` would
 * otherwise run db2 alone, the earlier value dropped without a word).
 */
function option(o: OptionSpec): Option {
  const opt = new Option(optionFlags(o), o.description);
  // The choices are shown by --help; the parser below checks them (it replaces commander's).
  if (o.choices) opt.choices([...o.choices]);
  if (o.value) {
    opt.argParser((value: string, previous: unknown) => {
      if (o.choices && !o.choices.includes(value)) throw new InvalidArgumentError(`Allowed choices are ${o.choices.join(', ')}.`);
      if (value === '') throw new InvalidArgumentError('it needs a value, but the value given is empty');
      // `--timeout -5` is a negative number, refused by the shape below, not a missing value.
      const negative = o.shape?.number && /^-[\d.]/.test(value);
      if (value.startsWith('-') && value !== o.dashValue && !negative) throw new InvalidArgumentError(`it needs a value, but "${value}" follows it`);
      if (o.shape && !o.shape.accepts(value)) throw notOfShape(o.shape, `--${o.name} ${o.shape.example}`);
      if (o.repeatable) {
        const earlier = Array.isArray(previous) ? (previous as string[]) : [];
        const keyOf = o.shape?.keyOf;
        const twice = keyOf && earlier.find((e) => keyOf(e) === keyOf(value));
        if (keyOf && twice !== undefined) throw new InvalidArgumentError(`--${o.name} names ${keyOf(value)} twice ("${twice}", then "${value}"); give each once`);
        return [...earlier, value];
      }
      if (previous !== undefined) throw new InvalidArgumentError(`--${o.name} is given twice ("${String(previous)}", then "${value}"); give it once${/comma-separated/.test(o.description) ? ', with every value in it, comma-separated' : ''}`);
      return value;
    });
  }
  if (o.required) opt.makeOptionMandatory();
  if (o.conflicts) opt.conflicts([...o.conflicts]);
  return opt;
}

/** A commander argument of the spec: an empty one (`tsys import-compose ""`) or one not of its shape (`tsys vendor metallb "1 2"`) is refused as a command-line error (exit 2). */
function argument(a: ArgumentSpec): Argument {
  return new Argument(`<${a.name}>`, a.description).argParser((value: string) => {
    if (value === '') throw new InvalidArgumentError(`<${a.name}> is empty: ${a.description.replace(/^./, (c) => c.toLowerCase())}`);
    if (a.shape && !a.shape.accepts(value)) throw notOfShape(a.shape, a.shape.example);
    return value;
  });
}

/** The camelCase key commander stores an option under. */
function key(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The invocation of a parsed command: every option of `spec` under its long name (a flag not
 * given is false, a repeatable option not given an empty list, any other option not given
 * undefined; a value of a number shape as a number).
 */
function invocationOf(spec: CommandSpec, positionals: readonly string[], values: Readonly<Record<string, unknown>>): AnyInvocation {
  const options: Record<string, boolean | string | number | readonly string[] | undefined> = {};
  for (const o of spec.options ?? []) {
    const v = values[key(o.name)];
    if (!o.value) options[o.name] = v === true;
    else if (o.repeatable) options[o.name] = v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
    else options[o.name] = v === undefined ? undefined : o.shape?.number ? Number(v) : String(v);
  }
  return { positionals: [...positionals], options };
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
export function buildProgram(runners: Runners, io: ProgramIo, onResult: (code: number) => void): Command {
  const program = new Command(BIN);
  const errorLine = (command: string) => (text: string) =>
    io.stderr(`${command}: ${text.trim().replace(/^error: /, '').replace(/\n+/g, ' ')} (${command === BIN ? `${BIN} --help` : `${BIN} ${command} --help`} shows the usage)\n`);
  program
    .description('The TSYS platform: render, check, deliver and operate the k3s platform and its apps.')
    .usage('<command> [options]')
    .version(packageVersion(), '-V, --version', 'print the version of tsys (package.json) and run nothing')
    .helpOption('-h, --help', 'show this help and run nothing')
    .helpCommand('help [command]', 'show the help of a command')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: errorLine(BIN) })
    .addHelpText('after', `\nExit codes (every command):\n${EXIT_CODES.map((l) => `  ${l}`).join('\n')}\n\nExamples:\n  ${BIN} synth\n  ${BIN} whatif --fail www1\n  ${BIN} release whiteboard 1.20.0 --dry-run\n  npm run whatif -- --fail www1    (each command is also an npm script)\n\nMore: docs/cli.md\n`);
  for (const spec of COMMANDS) {
    const run = runners[spec.name as CommandName] as ((invocation: AnyInvocation) => number | Promise<number>) | undefined;
    if (!run) throw new Error(`no runner for the command "${spec.name}"; add it to lib/command-line/runners.ts or scripts/tsys.ts`);
    const cmd = program.command(spec.name).description(spec.details ? `${spec.summary}\n${spec.details}` : spec.summary).summary(spec.summary);
    cmd.configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: errorLine(spec.name) });
    cmd.allowExcessArguments(false).allowUnknownOption(false);
    for (const a of spec.arguments ?? []) cmd.addArgument(argument(a));
    for (const o of spec.options ?? []) cmd.addOption(option(o));
    cmd.addHelpText('after', examples(spec));
    cmd.action(async (...params: unknown[]) => {
      const command = params[params.length - 1] as Command;
      onResult(await run(invocationOf(spec, command.args, command.opts())));
    });
  }
  return program;
}

/**
 * Runs the command line `argv` (without node and the script): the command's exit code, 0 for
 * help, 2 for a command line the program refuses.
 */
export async function runProgram(argv: readonly string[], runners: Runners, io: ProgramIo = processProgramIo): Promise<number> {
  let code = 0;
  const program = buildProgram(runners, io, (c) => {
    code = c;
  });
  // `tsys help help`: commander printed the help on stderr as an error; the help's help is the whole help.
  if (argv[0] === 'help' && argv[1] === 'help') argv = ['help', ...argv.slice(2)];
  // `tsys help nosuch`: commander prints the whole help without saying the command is unknown.
  if (argv[0] === 'help' && argv.length > 1 && !COMMANDS.some((c) => c.name === argv[1])) {
    io.stderr(`${BIN}: unknown command '${argv[1]}' (${BIN} --help lists the commands)\n`);
    return USAGE_EXIT;
  }
  // `whatif --all=yes`: commander calls the flag an unknown option; it is known and takes no value.
  const spec = COMMANDS.find((c) => c.name === argv[0]);
  const end = argv.indexOf('--');
  for (const arg of end < 0 ? argv : argv.slice(0, end)) {
    const flag = spec && /^--([^=]+)=/.exec(arg)?.[1];
    if (flag && (spec.options ?? []).some((o) => o.name === flag && !o.value)) {
      io.stderr(`${spec.name}: option '--${flag}' takes no value, but '${arg}' gives it one; give --${flag} alone, or leave it out (${BIN} ${spec.name} --help shows the usage)\n`);
      return USAGE_EXIT;
    }
  }
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
