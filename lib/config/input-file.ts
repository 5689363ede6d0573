import * as fs from 'fs';
import { ConfigError } from './errors';
import { fsProblem, isSystemError, SystemError } from '../system-error';
import { decodeUtf8 } from './utf8';

/**
 * Reading the input files (site.yaml, apps/*.yaml, apps.lock.yaml): a file that cannot be read
 * is a ConfigError naming it and saying what to do, never a raw `ENOENT ... at readFileSync`.
 */

export { fsProblem, isSystemError } from '../system-error';
export type { FileAccess, SystemError } from '../system-error';

/** A dangling symbolic link at `file`: where it points, else undefined. */
function danglingTarget(file: string): string | undefined {
  try {
    return fs.lstatSync(file).isSymbolicLink() ? fs.readlinkSync(file) : undefined;
  } catch {
    return undefined;
  }
}


/** A ConfigError for an input file that cannot be read; `what` names it in the message ("the site file"). */
export function unreadable(e: SystemError, file: string, what: string): ConfigError {
  const code = e.code;
  const target = code === 'ENOENT' ? danglingTarget(file) : undefined;
  const problem = target !== undefined
    ? `is a symbolic link to ${target}, which does not exist; fix or remove the link`
    : fsProblem(code, 'read') ?? `cannot be read: ${e.message}`;
  return new ConfigError([{ file, line: 0, column: 0, field: '', message: `${what} ${problem}` }]);
}

/**
 * The largest input file read, by what it is: an app spec or the site is a few KB, and the YAML
 * parser that gives positions for messages slows down faster than the file grows (a map of
 * hundreds of thousands of keys: minutes, with no message): a larger file is refused at once.
 */
export const MAX_INPUT_BYTES = { 'the app spec': 1 << 20, 'the site file': 4 << 20 } as const;

/** How a size is said in a message: `50.0 MB`, `1 MB`. */
const megabytes = (n: number): string => `${Number.isInteger(n / 2 ** 20) ? n / 2 ** 20 : (n / 2 ** 20).toFixed(1)} MB`;

/** The refusal of an input file of `size` bytes, over its limit `max`. */
function tooLarge(shown: string, what: string, size: number, max: number): ConfigError {
  return new ConfigError([{ file: shown, line: 0, column: 0, field: '', message: `${what} is ${megabytes(size)}, more than the ${megabytes(max)} it may be; an input this large is a mistake (a generated or pasted file?): keep it to what the platform reads` }]);
}

/**
 * The text of an input file; throws a ConfigError naming `shown` (the file as the user knows it)
 * when it is missing, a folder, unreadable or the system refuses, or larger than `MAX_INPUT_BYTES`
 * gives for `what`.
 */
export function readInputFile(file: string, shown: string, what: string): string {
  let bytes: Buffer;
  const max = (MAX_INPUT_BYTES as Readonly<Record<string, number>>)[what];
  try {
    if (max !== undefined) {
      const size = fs.statSync(file).size;
      if (size > max) throw tooLarge(shown, what, size, max);
    }
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw isSystemError(e) ? unreadable(e, shown, what) : e;
  }
  // It grew between the stat and the read.
  if (max !== undefined && bytes.length > max) throw tooLarge(shown, what, bytes.length, max);
  // Strict: bytes that are not UTF-8 are refused with the file and line, never turned into U+FFFD.
  return decodeUtf8(bytes, shown);
}
