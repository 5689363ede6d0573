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
  /** The form its value must have (shapes.ts): any other is a command-line error (exit 2). */
  readonly shape?: ValueShape;
  readonly description: string;
}

/**
 * The fixed form of a value (a name, a domain, a number of seconds): the program refuses any other
 * value before the command runs, naming the option (or argument) and `allowed`.
 */
export interface ValueShape {
  /** What the value may be, completing "It must be ...": `a positive number of seconds, at most 86400 (a day)`. */
  readonly allowed: string;
  /** A value of the shape, shown after `allowed` ("e.g. 600") and used by the tests. */
  readonly example: string;
  /** Whether `value` has the shape. */
  readonly accepts: (value: string) => boolean;
  /** The runner gets the value as a number; a value such as `-5` is a number to refuse, not a missing value. */
  readonly number?: true;
  /** For a repeatable option: what each value names once (`--image web=a --image web=b` names web twice). */
  readonly keyOf?: (value: string) => string;
}

/** A shape whose values the runner gets as numbers. */
export type NumberShape = ValueShape & { readonly number: true };

/** A positional argument of a command. */
export interface ArgumentSpec {
  /** e.g. `app`; shown as `<app>`. */
  readonly name: string;
  /** The form it must have (shapes.ts): any other is a command-line error (exit 2). */
  readonly shape?: ValueShape;
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
