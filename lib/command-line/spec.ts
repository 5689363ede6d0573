/**
 * What a command of the `tsys` command line accepts, as data: the program (program.ts) builds its
 * parser and its `--help` from it, and the tests run every command from it.
 */

/** An option of a command. */
export interface OptionSpec {
  /** The long name without dashes, e.g. `fail` for `--fail`. */
  readonly name: string;
  /** The placeholder of its value (`<nodes>`); absent for a flag. */
  readonly value?: string;
  /** The values it accepts, when they are a fixed list. */
  readonly choices?: readonly string[];
  /** Whether the command refuses to run without it. */
  readonly required?: boolean;
  /** Whether it may be given several times (`--image a=x --image b=y`), each value passed on in order. */
  readonly repeatable?: boolean;
  /** Options it cannot be given with (`promote --full --abort`): a command-line error (exit 2). */
  readonly conflicts?: readonly string[];
  /** A value that may start with a dash (`--body -` reads stdin). */
  readonly dashValue?: string;
  readonly description: string;
}

/** A positional argument of a command. */
export interface ArgumentSpec {
  /** e.g. `app`; shown as `<app>`. */
  readonly name: string;
  readonly description: string;
}

/** A command: its name, what it does, what it accepts and how it runs. */
export interface CommandSpec {
  /** As typed: `tsys <name>`, `npm run <name>`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** More lines for its `--help` (exit codes that differ, environment variables). */
  readonly details?: string;
  readonly arguments?: readonly ArgumentSpec[];
  readonly options?: readonly OptionSpec[];
  /** Command lines shown under "Examples", without the `tsys` in front. */
  readonly examples: readonly string[];
}

/** The exit-code convention of every command, shown by `tsys --help` and docs/cli.md. */
export const EXIT_CODES = [
  '0  done: the command did what it was asked and found nothing wrong',
  '1  the checked thing failed: findings, refusals, failed pushes, errors while running',
  '2  the command line is wrong: unknown option, stray argument, missing or invalid option value',
] as const;
