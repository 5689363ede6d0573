/**
 * Command-line options of the form `--name value`, shared by the npm scripts.
 */

/** A command line the command cannot run with (a missing value, an unknown option). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The value after `--name`, if given; throws a UsageError when the value is missing. */
export function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  if (!args[i + 1]) throw new UsageError(`${name} needs a value`);
  return args[i + 1];
}

/** Arguments that are neither an allowed `--name` nor the value after one. */
export function unknownOptions(args: readonly string[], allowed: readonly string[]): string[] {
  return args.filter((a, i) => !allowed.includes(a) && !(i > 0 && allowed.includes(args[i - 1])));
}
