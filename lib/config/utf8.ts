import { ConfigError } from './errors';

/**
 * Input files are UTF-8. Decoding anything else leniently would turn each bad byte into U+FFFD
 * and carry it silently into the render, so a file that is not valid UTF-8 is refused with the
 * line and column of its first bad byte.
 */

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    // Lead byte: how many continuation bytes follow, and the range of the first one
    // (excluding overlong forms, UTF-16 surrogates and code points above U+10FFFF).
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c === 0xe0) [need, lo] = [2, 0xa0];
    else if (c === 0xed) [need, hi] = [2, 0x9f];
    else if (c >= 0xe1 && c <= 0xef) need = 2;
    else if (c === 0xf0) [need, lo] = [3, 0x90];
    else if (c === 0xf4) [need, hi] = [3, 0x8f];
    else if (c >= 0xf1 && c <= 0xf3) need = 3;
    else return i;
    if (i + need >= bytes.length) return i;
    if (bytes[i + 1] < lo || bytes[i + 1] > hi) return i;
    for (let k = 2; k <= need; k++) if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return i;
    i += need + 1;
  }
  return -1;
}

const strict = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/** The text of an input file; a ConfigError naming `file`, line and column when it is not UTF-8. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return strict.decode(bytes);
  } catch {
    const found = firstInvalidUtf8(bytes);
    // The decoder refused it, so there is a bad byte; the last one if the scan disagrees.
    const bad = found < 0 ? bytes.length - 1 : found;
    let lineStart = 0;
    let line = 1;
    for (let i = 0; i < bad; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    const column = lenient.decode(bytes.subarray(lineStart, bad)).length + 1;
    const byte = `0x${bytes[bad].toString(16).toUpperCase().padStart(2, '0')}`;
    throw new ConfigError([{
      file, line, column, field: '',
      message: `is not valid UTF-8 (byte ${byte} here starts no UTF-8 character, or one that is cut short); save the file as UTF-8: an editor set to Latin-1 or Windows-1252 writes "é" as the single byte 0xE9`,
    }]);
  }
}
