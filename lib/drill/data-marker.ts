import { createHash } from 'crypto';
import { DrillError } from './drill-error';
import type { Prober } from './prober';

/** Something whose content must be the same after the drill as before it. */
export interface DataMarker {
  /** What it is, for the report: `board "drill" (https://.../download/drill)`. */
  readonly description: string;
  /** The current content; throws a DrillError when it cannot be read. */
  read(): Promise<string>;
}

/**
 * The body of `path` under `baseUrl` (HTTP 200 only), e.g. `--check-path /api/export`. An empty
 * body is refused: an empty marker proves nothing.
 */
export function pathMarker(prober: Prober, baseUrl: string, path: string, description?: string): DataMarker {
  const url = new URL(path, baseUrl).toString();
  return {
    description: description ?? `${path} (${url})`,
    read: async () => {
      const r = await prober.get(url);
      if (r.status !== 200) throw new DrillError(`cannot read ${url}: ${r.error ?? `HTTP ${r.status}`} (the data marker must answer 200)`);
      if (!r.body?.trim()) throw new DrillError(`${url} answered an empty body: an empty data marker proves nothing; draw something on the board or choose another --check-path`);
      return r.body;
    },
  };
}

/** A WBO board's content, as `/download/<board>` serves it. */
export function boardMarker(prober: Prober, baseUrl: string, board: string): DataMarker {
  if (!/^[\w.~-]+$/.test(board)) throw new DrillError(`--board "${board}" is not a board name WBO accepts: letters, digits, "-", "_", "." or "~"`);
  return pathMarker(prober, baseUrl, `/download/${encodeURIComponent(board)}`, `board "${board}" (${new URL(`/download/${board}`, baseUrl)})`);
}

/** Size and a short SHA-256 of a marker's content, for the report. */
export function fingerprint(content: string): string {
  return `${Buffer.byteLength(content)} bytes, sha256 ${createHash('sha256').update(content).digest('hex').slice(0, 12)}`;
}
