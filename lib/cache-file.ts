import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/*
 * What synth's caches under `.synth-cache/` share (lib/verify/check-cache.ts, lib/render/text-index.ts,
 * lib/ha/analysis-cache.ts, lib/config/app-spec-cache.ts, the vendored files' hash memo of lib/vendor/lock.ts,
 * lib/render/app-renders.ts):
 * each is an optimisation only, so it is written atomically (or appended to, by a cache that checks
 * each line on its own) and a failure to write only loses it.
 */

/** The hex sha256 of a text or bytes (caches address entries and check their content with it). */
export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Writes a cache file atomically (a reader sees the old file or the new one), making its folder;
 * never throws: a failure to write only loses the cache, and the temporary file is removed.
 */
export function writeCacheFile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // Nothing more to do: the next synth removes nothing it does not own, and reads no *.tmp file.
    }
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

/** The first line of an entries file (`readEntriesFile`): its layout, the code that wrote it, and the sha256 of the rest. */
interface EntriesHeader {
  readonly format: number;
  readonly code: string;
  readonly sha256: string;
}

/** What `readEntriesFile` read: the entries, whether the file was there and read whole, and why it was ignored, if it was. */
export interface ReadEntries {
  readonly entries: Map<string, string>;
  readonly intact: boolean;
  readonly ignored?: 'not JSON' | 'another format' | 'written by other code' | 'corrupted';
}

/**
 * Reads a cache file of text entries by key, as `writeEntriesFile` writes it: a header line (layout
 * `format`, the code that wrote it, the sha256 of the rest), then one JSON map of key to text. A file
 * that is not there gives no entries; one that does not read, of another layout, written by other
 * code than `code`, or whose rest does not match its hash or is not such a map, is ignored as a whole.
 */
export function readEntriesFile(file: string, format: number, code: string): ReadEntries {
  const entries = new Map<string, string>();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { entries, intact: false };
  }
  const newline = text.indexOf('\n');
  let header: Partial<EntriesHeader>;
  try {
    header = JSON.parse(newline < 0 ? text : text.slice(0, newline)) as Partial<EntriesHeader>;
  } catch {
    return { entries, intact: false, ignored: 'not JSON' };
  }
  if (!header || typeof header !== 'object' || header.format !== format || newline < 0) return { entries, intact: false, ignored: 'another format' };
  if (header.code !== code) return { entries, intact: false, ignored: 'written by other code' };
  const body = text.slice(newline + 1);
  if (sha256(body) !== header.sha256) return { entries, intact: false, ignored: 'corrupted' };
  let map: unknown;
  try {
    map = JSON.parse(body);
  } catch {
    return { entries, intact: false, ignored: 'corrupted' };
  }
  if (!map || typeof map !== 'object' || Array.isArray(map)) return { entries, intact: false, ignored: 'corrupted' };
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== 'string') return { entries: new Map(), intact: false, ignored: 'corrupted' };
    entries.set(key, value);
  }
  return { entries, intact: true };
}

/** Writes `entries` (in their order) as a file `readEntriesFile` reads back, for `format` and `code`: atomically, never throwing (`writeCacheFile`). */
export function writeEntriesFile(file: string, format: number, code: string, entries: Iterable<readonly [string, string]>): void {
  const body = JSON.stringify(Object.fromEntries(entries));
  const header: EntriesHeader = { format, code, sha256: sha256(body) };
  writeCacheFile(file, `${JSON.stringify(header)}\n${body}`);
}
