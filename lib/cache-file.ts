import { isAscii } from 'buffer';
import * as crypto from 'crypto';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/*
 * What synth's caches under `.synth-cache/` share (lib/verify/check-cache.ts, lib/render/render-stats.ts,
 * lib/ha/analysis-cache.ts, lib/config/app-spec-cache.ts, the vendored files' hash memo of lib/vendor/lock.ts,
 * lib/render/app-renders.ts):
 * each is an optimisation only, so it is written atomically (or appended to, by a cache that checks
 * each line on its own) and a failure to write only loses it.
 */

/** Node's one-shot hash (Node 20.12 and later): no Hash object per call, about a third faster for the small texts hashed per object. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: 'hex') => string }).hash;

/**
 * The hex sha256 of a text (its UTF-8 bytes) or bytes (caches address entries and check their
 * content with it; a render hashes each object's JSON and each file's bytes, tens of thousands).
 */
export const sha256: (data: string | Uint8Array) => string = typeof oneShot === 'function'
  ? (data) => oneShot('sha256', data, 'hex')
  : (data) => createHash('sha256').update(data).digest('hex');

/**
 * The text of a file, as `fs.readFileSync(file, 'utf8')` gives it: bytes that are all ASCII (what
 * synth's caches mostly hold) are taken as one-byte text without decoding UTF-8, several times
 * cheaper for a file of megabytes. Throws as readFileSync does.
 */
export function readCacheText(file: string): string {
  return decodeCache(fs.readFileSync(file)).text;
}

/**
 * `JSON.stringify(value)` with every character beyond ASCII written as its `\uXXXX` escape (a pair of
 * surrogates as two): JSON.parse gives the same value back, and the file is all ASCII: Node reads
 * it as a one-byte text, which V8 parses faster than the two-byte text UTF-8 beyond ASCII makes.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The text of a checked cache file holding `body`: a first line with the sha256 of the rest (its
 * UTF-8 bytes), then `body`. `readCheckedCache` gives `body` back only while the bytes are intact,
 * so a cache whose content is trusted by its name or key (a render's objects, a values check)
 * cannot be read wrong after a flipped bit or a hand edit: it is ignored and made again.
 */
export function checkedCacheText(body: string): string {
  return `${sha256(body)}\n${body}`;
}

/** The body of the checked cache file `file` (`checkedCacheText`); undefined when it does not read or its bytes are not those its first line hashed. */
export function readCheckedCache(file: string): string | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length < 65 || bytes[64] !== 10) return undefined;
  const body = bytes.subarray(65);
  return sha256(body) === bytes.toString('latin1', 0, 64) ? decodeCache(body).text : undefined;
}

/**
 * The text of a cache file's bytes (`readCacheText`), and whether they are all ASCII: then the
 * text is one character per byte, and its offsets are the bytes'.
 */
function decodeCache(bytes: Buffer): { readonly text: string; readonly ascii: boolean } {
  const ascii = isAscii(bytes);
  return { text: ascii ? bytes.toString('latin1') : bytes.toString('utf8'), ascii };
}

/**
 * Whether `value` is held exactly by its JSON: plain objects (no undefined values, no `__proto__`
 * key), arrays without holes or undefined items, strings, booleans, null, finite numbers other than -0.
 */
export function isJsonExact(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!(i in value) || !isJsonExact(value[i])) return false;
    return true;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
    for (const key of Object.keys(value)) {
      if (key === '__proto__' || !isJsonExact((value as Record<string, unknown>)[key])) return false;
    }
    return Object.getOwnPropertySymbols(value).length === 0;
  }
  return false;
}

/** JSON texts known to give back a frozen value exactly (`rememberJsonText`), by the value. */
const jsonTexts = new WeakMap<object, string>();

/**
 * Remembers `text` as a JSON text of `value`: `JSON.parse(text)` gives back a value deeply equal to
 * it (its keys in any order). `value` must be deep-frozen (`deepFreeze`): nothing in it can change
 * after; one whose top is not frozen is not remembered. `jsonTextOf(value)` then returns the text
 * instead of turning the value into JSON again: a cache key made of it names the value exactly (two
 * equal values whose texts differ in key order only miss each other).
 */
export function rememberJsonText(value: object, text: string): void {
  if (Object.isFrozen(value)) jsonTexts.set(value, text);
}

/** The JSON text remembered for `value` (`rememberJsonText`), or undefined. */
export function jsonTextOf(value: unknown): string | undefined {
  return value !== null && typeof value === 'object' ? jsonTexts.get(value) : undefined;
}

/**
 * Writes a cache file atomically (a reader sees the old file or the new one), making its folder;
 * never throws: a failure to write only loses the cache, and the temporary file is removed.
 * `text` may be given in parts, texts or bytes, written one after the other (the file is their
 * concatenation): a cache of tens of MB is then never held as one text, nor as one buffer of
 * bytes; given as a generator, its parts need not even be made before they are written.
 */
export function writeCacheFile(file: string, text: string | Iterable<string | Uint8Array>): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (typeof text === 'string') fs.writeFileSync(tmp, text);
    else writeParts(tmp, text);
    fs.renameSync(tmp, file);
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // Nothing more to do: the next synth removes nothing it does not own, and reads no *.tmp file.
    }
  }
}

/** About how many characters `writeParts` joins into one write. */
const WRITE_CHUNK = 1 << 20;

/** Writes `parts` one after the other into `file` (created or emptied), about a MB at a time (texts and bytes alike). Throws as the fs calls do. */
function writeParts(file: string, parts: Iterable<string | Uint8Array>): void {
  const fd = fs.openSync(file, 'w');
  try {
    // The chunk: bytes, and the texts after the last bytes (joined once, when bytes come or at a flush).
    let pieces: Uint8Array[] = [];
    let texts: string[] = [];
    let size = 0;
    const textsToBytes = () => {
      if (texts.length) pieces.push(Buffer.from(texts.join('')));
      texts = [];
    };
    const flush = () => {
      textsToBytes();
      const bytes = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
      for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done, bytes.length - done);
      pieces = [];
      size = 0;
    };
    for (const part of parts) {
      if (typeof part === 'string') texts.push(part);
      else {
        textsToBytes();
        pieces.push(part);
      }
      size += part.length;
      if (size >= WRITE_CHUNK) flush();
    }
    flush();
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Appends `text` to a cache file that exists; never throws: a failure only loses the cache. An
 * append cut short leaves a part of a line at the end (and the next append glues onto it): a cache
 * appended to must check every line on its own and ignore one that does not check.
 */
export function appendCacheFile(file: string, text: string): void {
  let fd: number | undefined;
  try {
    // r+: only a file that is there (its header written by writeCacheFile); written at its end.
    fd = fs.openSync(file, 'r+');
    const bytes = Buffer.from(text);
    let at = fs.fstatSync(fd).size;
    for (let done = 0; done < bytes.length;) {
      const n = fs.writeSync(fd, bytes, done, bytes.length - done, at);
      done += n;
      at += n;
    }
  } catch {
    // The file went away or cannot be written: the next synth writes it afresh.
  } finally {
    try {
      if (fd !== undefined) fs.closeSync(fd);
    } catch {
      // Closed or not, the cache is only an optimisation.
    }
  }
}

/** The first line of an entries file (`EntriesFile`): its layout and the code that wrote it. */
interface EntriesHeader {
  readonly format: number;
  readonly code: string;
}

/** Why an entries file was ignored, as a whole or in part. */
export type EntriesIgnored = 'not JSON' | 'another format' | 'written by other code' | 'corrupted';

/** What `readEntries` read: the entries of the intact blocks, how many lines those held, whether a block can be appended, and why (part of) the file was ignored. */
interface ReadEntries {
  readonly entries: Map<string, string>;
  readonly count: number;
  readonly appendable: boolean;
  readonly ignored?: EntriesIgnored;
}

/** The hex digits of a sha256 and the space after them, at the start of a block's first line (after `#`). */
const BLOCK_HASH = /^#([0-9a-f]{64}) ([0-9]+)$/;

/**
 * Reads an entries file (`EntriesFile`): a header line (layout `format`, the code that wrote it),
 * then blocks, each a line `#<sha256 of the block's lines> <how many>` and that many lines
 * `<key>\t<value>`. A file that is not there gives no entries; one that does not read, of another
 * layout or written by other code than `code` is ignored as a whole; a block whose lines do not
 * match its hash is ignored on its own, and a block cut short or a line that is not a block's first
 * ends the reading (`corrupted`: the next save writes the file afresh). A later line of a key wins.
 */
function readEntries(file: string, format: number, code: string): ReadEntries {
  const entries = new Map<string, string>();
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return { entries, count: 0, appendable: false };
  }
  // All ASCII (nearly always): the text's offsets are the bytes', and a block's hash is taken on its bytes as read.
  const { text, ascii } = decodeCache(bytes);
  let end = text.indexOf('\n');
  let header: Partial<EntriesHeader>;
  try {
    header = JSON.parse(end < 0 ? text : text.slice(0, end)) as Partial<EntriesHeader>;
  } catch {
    return { entries, count: 0, appendable: false, ignored: 'not JSON' };
  }
  if (!header || typeof header !== 'object' || header.format !== format || end < 0) return { entries, count: 0, appendable: false, ignored: 'another format' };
  if (header.code !== code) return { entries, count: 0, appendable: false, ignored: 'written by other code' };
  let count = 0;
  let garbled = false;
  for (let start = end + 1; start < text.length; start = end + 1) {
    end = text.indexOf('\n', start);
    const block = end < 0 ? null : BLOCK_HASH.exec(text.slice(start, end));
    if (!block) return { entries, count, appendable: false, ignored: 'corrupted' };
    const lines = Number(block[2]);
    const body = end + 1;
    for (let i = 0; i < lines && end >= 0; i++) end = text.indexOf('\n', end + 1);
    if (end < 0) return { entries, count, appendable: false, ignored: 'corrupted' };
    if (sha256(ascii ? bytes.subarray(body, end + 1) : text.slice(body, end + 1)) !== block[1]) {
      garbled = true;
      continue;
    }
    for (let at = body; at <= end; ) {
      const eol = text.indexOf('\n', at);
      const tab = text.indexOf('\t', at);
      if (tab < 0 || tab > eol) return { entries, count, appendable: false, ignored: 'corrupted' };
      entries.set(text.slice(at, tab), text.slice(tab + 1, eol));
      count++;
      at = eol + 1;
    }
  }
  return garbled ? { entries, count, appendable: false, ignored: 'corrupted' } : { entries, count, appendable: true };
}

/** A block of `entries` as `readEntries` reads it (an entry whose key holds a tab or a newline, or whose value is not a text or holds a newline, is left out). */
function entriesBlock(entries: Iterable<readonly [string, string]>): string {
  const lines: string[] = [];
  for (const [key, value] of entries) {
    if (typeof value !== 'string' || key.includes('\t') || key.includes('\n') || value.includes('\n')) continue;
    lines.push(`${key}\t${value}\n`);
  }
  const body = lines.join('');
  return `#${sha256(body)} ${lines.length}\n${body}`;
}

/**
 * A cache file of text entries by key (synth's check cache, app-spec cache and render stats),
 * appended to rather than written afresh: a run that adds a few entries to a file of many writes
 * only those. Each block of lines carries its own sha256 (`readEntries`), checked once when the
 * file is read: the whole file is not hashed again to add a line.
 *
 * An optimisation only: a file that does not read, of another layout, or written by other code is
 * ignored as a whole; a garbled block is ignored on its own; nothing is ever read that does not
 * match its hash.
 */
export class EntriesFile {
  /** Why the file was ignored, as a whole or in part (for tests and the curious). */
  public readonly ignored?: EntriesIgnored;
  /** The entries read from the file, by key. */
  private readonly entries: Map<string, string>;
  /** How many lines the file's intact blocks hold, and whether a block can be appended (the file was read whole, every block intact). */
  private readonly count: number;
  private readonly appendable: boolean;

  /** The file at `file` (absolute), valid for layout `format` when written by `code`. */
  public constructor(private readonly file: string, private readonly format: number, private readonly code: string) {
    const read = readEntries(file, format, code);
    this.entries = read.entries;
    this.count = read.count;
    this.appendable = read.appendable;
    if (read.ignored) this.ignored = read.ignored;
  }

  /** The keys the file holds. */
  public keys(): IterableIterator<string> {
    return this.entries.keys();
  }

  /** The value of `key` in the file, if it holds one. */
  public get(key: string): string | undefined {
    return this.entries.get(key);
  }

  /**
   * The value of `key` in the file when it is `<head> <tail>`, or `<head> <tail> <last>` with `last`,
   * compared in place (the text is not made: saving tens of thousands of entries that did not change
   * makes none of them again).
   */
  public getJoined(key: string, head: string, tail: string, last?: string): string | undefined {
    const value = this.entries.get(key);
    const end = head.length + 1 + tail.length;
    if (value === undefined || value.length !== (last === undefined ? end : end + 1 + last.length) || value.charCodeAt(head.length) !== 32 || !value.startsWith(head) || !value.startsWith(tail, head.length + 1)) return undefined;
    if (last !== undefined && (value.charCodeAt(end) !== 32 || !value.endsWith(last))) return undefined;
    return value;
  }

  /**
   * Saves `next` (this run's entries: what the next run may use), never throwing. When the file
   * was read whole and the lines it holds that `next` does not (removed keys, earlier values) are
   * no more than `next`'s entries, only the entries it does not hold yet are appended, as one block
   * (none: nothing is written); else the file is written afresh with `next` (atomically). `added`:
   * the entries of `next` the caller did not take from the file (`get`), when it knows them; else
   * each entry of `next` is compared with the file's.
   */
  public save(next: ReadonlyMap<string, string>, added?: ReadonlyMap<string, string>): void {
    let fresh: (readonly [string, string])[] = [];
    let kept = 0;
    if (added) {
      fresh = [...added];
      kept = next.size - added.size;
    } else {
      for (const [key, value] of next) {
        if (this.entries.get(key) === value) kept++;
        else fresh.push([key, value]);
      }
    }
    if (this.ignored === undefined && this.appendable && this.count - kept <= next.size) {
      if (fresh.length) appendCacheFile(this.file, entriesBlock(fresh));
      return;
    }
    const header: EntriesHeader = { format: this.format, code: this.code };
    writeCacheFile(this.file, `${JSON.stringify(header)}\n${entriesBlock(next)}`);
  }
}
