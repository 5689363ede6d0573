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
 * The text of an input file; throws a ConfigError naming `shown` (the file as the user knows it)
 * when it is missing, a folder, unreadable or the system refuses.
 */
export function readInputFile(file: string, shown: string, what: string): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw isSystemError(e) ? unreadable(e, shown, what) : e;
  }
  // Strict: bytes that are not UTF-8 are refused with the file and line, never turned into U+FFFD.
  return decodeUtf8(bytes, shown);
}
