import { ConfigError } from './config/errors';
import { isSystemError } from './config/input-file';
import { PlatformError } from './platform-error';
import { systemMessage } from './system-error';

export { systemMessage } from './system-error';

/**
 * The one way a command reports a failure: a user or environment error (bad input, a file that
 * cannot be read or written, a full disk, another synth holding the lock) is one message naming
 * the file and what to do, without a stack trace; anything else is a bug in this code, reported
 * as one with its stack. `--debug` (or TSYS_DEBUG=1) adds the stack to every report.
 */

/** An error class whose message is written for the user as it is. */
export type UserErrorClass = abstract new (...args: never[]) => Error;

export interface ErrorReportOptions {
  /** The command, e.g. "synth": starts the message. */
  readonly command: string;
  /** Show the stack trace of every error, not only of bugs. */
  readonly debug?: boolean;
  /** What a system error without a path of its own is about (the checkout being written). */
  readonly where?: string;
  /** Error classes of this command whose message is for the user, besides ConfigError and PlatformError. */
  readonly userErrors?: readonly UserErrorClass[];
  /** Paths in messages are shown relative to this folder. @default process.cwd() */
  readonly cwd?: string;
}

/** Whether the user asked for stack traces: `--debug` (`flag`) or TSYS_DEBUG=1. */
export function debugRequested(flag: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  return flag || env.TSYS_DEBUG === '1';
}

/** Name, message and stack of anything thrown (duck-typed: errors may come from another realm). */
function parts(e: unknown): { name: string; message: string; stack?: string } {
  if (typeof e === 'object' && e !== null && typeof (e as Error).message === 'string') {
    const x = e as Error;
    return { name: typeof x.name === 'string' ? x.name : 'Error', message: x.message, stack: typeof x.stack === 'string' ? x.stack : undefined };
  }
  return { name: typeof e, message: String(e) };
}

/** A YAML parser error that escaped the loaders (they normally name the file themselves). */
function yamlMessage(e: { name: string; message: string }): string | undefined {
  if (e.name === 'YAMLParseError' || e.name === 'YAMLException' || e.name === 'YAMLWarning') return `invalid YAML: ${e.message.split('\n')[0]}`;
  if (e.name === 'ReferenceError' && /alias/i.test(e.message)) return `a YAML file's aliases expand too far (a "billion laughs" bomb?): ${e.message}`;
  return undefined;
}

/**
 * The report of a failed command, ready for stderr. User and environment errors: one message
 * without a stack (unless `debug`). Anything else: "this is a bug" with the stack.
 */
export function formatCliError(e: unknown, o: ErrorReportOptions): string {
  const p = parts(e);
  const debugStack = o.debug && p.stack ? `\n${p.stack}` : '';
  const user = [ConfigError, PlatformError, ...(o.userErrors ?? [])];
  if (user.some((c) => e instanceof c)) return `${o.command} failed: ${p.message}${debugStack}`;
  if (isSystemError(e)) return `${o.command} failed: ${systemMessage(e, o)}${debugStack}`;
  const yaml = yamlMessage(p);
  if (yaml) return `${o.command} failed: ${yaml}${debugStack}`;
  return `${o.command} failed with an internal error; this is a bug, please report it with the text below:\n${p.stack ?? `${p.name}: ${p.message}`}`;
}

/**
 * Runs the body of a delivery or drill command: an error of `userErrors` (or ConfigError) is one
 * line `<command>: <message>` and exit 1, or the code `codes` gives its class (an interrupted
 * drill: 130); a system error (`systemMessage`) is one line too; anything else is reported with its stack, exit 1.
 */
export async function runGuarded(
  command: string,
  err: (line: string) => void,
  body: () => Promise<number>,
  userErrors: readonly UserErrorClass[],
  codes: readonly (readonly [UserErrorClass, number])[] = [],
): Promise<number> {
  try {
    return await body();
  } catch (e) {
    const coded = codes.find(([c]) => e instanceof c);
    if (coded || [ConfigError, ...userErrors].some((c) => e instanceof c)) {
      err(`${command}: ${(e as Error).message}`);
      return coded ? coded[1] : 1;
    }
    // An environment fault no message of the command wrapped (a full disk, a file it cannot read): one line, no stack.
    if (isSystemError(e)) {
      err(`${command}: ${systemMessage(e, {})}`);
      return 1;
    }
    err(`${command}: ${(e as Error).stack ?? String(e)}`);
    return 1;
  }
}
