import type { CommandTable } from './commands';

/**
 * What a runner receives: the command line as the program (program.ts) parsed and checked it,
 * typed from the table in commands.ts. A flag is a boolean, an option with a value is a string
 * (one of its choices where it has them, a number where its shape is one; `undefined` when not
 * given unless it is required), a
 * repeatable one a list, and the positional arguments a tuple as long as the command's arguments.
 * The runners parse nothing again. Types only: the runners on lower floors import it with
 * `import type` (a named interface, docs/architecture.md).
 */

type Commands = CommandTable[number];

/** The name of a command of the table. */
export type CommandName = Commands['name'];

type SpecOf<N extends CommandName> = Extract<Commands, { readonly name: N }>;
type OptionsOf<S> = S extends { readonly options: readonly (infer O)[] } ? O : never;
type Given<O, T> = O extends { readonly required: true } ? T : T | undefined;
type ValueOf<O> = O extends { readonly value: string }
  ? O extends { readonly repeatable: true }
    ? readonly string[]
    : O extends { readonly choices: readonly (infer C)[] } ? Given<O, C>
      : O extends { readonly shape: { readonly number: true } } ? Given<O, number> : Given<O, string>
  : boolean;
type PositionalsOf<S> = S extends { readonly arguments: infer A extends readonly unknown[] } ? { readonly [K in keyof A]: string } : readonly [];

/** The options of command `N` by their long name: `options['dry-run']` is a boolean, `options.site` a string or undefined. */
export type OptionValues<N extends CommandName> = { readonly [O in OptionsOf<SpecOf<N>> as O extends { readonly name: infer K extends string } ? K : never]: ValueOf<O> };

/** A checked command line of command `N`. */
export interface Invocation<N extends CommandName> {
  /** The positional arguments, in the order of the command's `arguments`. */
  readonly positionals: PositionalsOf<SpecOf<N>>;
  readonly options: OptionValues<N>;
}

/** Runs command `N` with its checked command line; resolves to the exit code. */
export type Runner<N extends CommandName> = (invocation: Invocation<N>) => number | Promise<number>;

/** A runner for every command of the table. */
export type Runners = { readonly [N in CommandName]: Runner<N> };

/** An invocation of any command, as the program builds it before it knows which. */
export interface AnyInvocation {
  readonly positionals: readonly string[];
  readonly options: Readonly<Record<string, boolean | string | number | readonly string[] | undefined>>;
}
