import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/*
 * What synth's caches under `.synth-cache/` share (lib/verify/check-cache.ts, lib/render/text-index.ts,
 * lib/ha/analysis-cache.ts, the vendored files' hash memo of lib/vendor/lock.ts): each is an
 * optimisation only, so it is written atomically and a failure to write only loses it.
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
