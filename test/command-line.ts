import { CommanderError } from 'commander';
import { COMMANDS } from '../lib/command-line/commands';
import type { CommandName, Invocation, Runner, Runners } from '../lib/command-line/invocation';
import { buildProgram, runProgram } from '../lib/command-line/program';

/**
 * The command line of a test, through the one program (lib/command-line/program.ts): tests of a
 * runner give it the typed values the program makes of `tsys <command> <args>`, not arguments of
 * their own.
 */

/** Runners for the program in which only `name` runs; any other command is a mistake of the test. */
function only<N extends CommandName>(name: N, run: Runner<N>): Runners {
  const refuse = (other: string) => () => {
    throw new Error(`this test runs tsys ${name}, not tsys ${other}`);
  };
  return Object.fromEntries(COMMANDS.map((c) => [c.name, c.name === name ? run : refuse(c.name)])) as unknown as Runners;
}

/** What the runner of `tsys <name> <args>` receives; throws with the program's message when the program refuses the line. */
export function commandLine<N extends CommandName>(name: N, ...args: string[]): Invocation<N> {
  let given: Invocation<N> | undefined;
  let refusal = '';
  const program = buildProgram(only(name, (invocation) => {
    given = invocation;
    return 0;
  }), { stdout: () => undefined, stderr: (text) => { refusal += text; } }, () => undefined);
  try {
    program.parse([name, ...args], { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
  }
  if (!given) throw new Error(`tsys ${[name, ...args].join(' ')} is refused: ${refusal.trim()}`);
  return given;
}

/**
 * Runs `tsys <name> <args>` as the process would, with `run` as the command's runner (a real
 * runner with the test's IO); the program's refusals go to `stderr`, one line each. Resolves to
 * the exit code (2 for a command line the program refuses).
 */
export function runCommandLine<N extends CommandName>(name: N, args: readonly string[], run: Runner<N>, stderr: (line: string) => void): Promise<number> {
  return runProgram([name, ...args], only(name, run), { stdout: () => undefined, stderr: (text) => stderr(text.replace(/\n$/, '')) });
}
