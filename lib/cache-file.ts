import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/*
 * What synth's caches under `.synth-cache/` share (lib/verify/check-cache.ts, lib/render/text-index.ts,
 * lib/ha/analysis-cache.ts, the vendored files' hash memo of lib/vendor/lock.ts, lib/render/app-renders.ts):
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
