import { createHash } from 'crypto';
import * as fs from 'fs';
import { writeCacheFile } from '../cache-file';
import type { Workload } from './model';
import type { ScenarioResult, Unplaced } from './simulate';

/**
 * Where synth keeps the last node-failure analysis (the failure report, the N-1 results' violations
 * and the pods the intact site cannot place: what verify's ha/failure rule and synth's capacity
 * refusal read),
 * relative to the checkout (git-ignored): the next synth of a render the analysis does not read
 * differently (an app's new image) gives the report and verify's ha/failure rule these, unsimulated.
 */
export const ANALYSIS_CACHE_FILE = '.synth-cache/failure-analysis.txt';

/** The layout of the file; another is ignored. */
const FORMAT = 3;

/**
 * The file's first line (JSON): the code that wrote it, the analysis key, the N-1 violations and the
 * intact site's unplaced pods as text, the length of the report in bytes, and the hash of all four
 * (`contentHash`). The report's UTF-8 bytes follow that line as they are: a new process reads the
 * report (MBs at thousands of apps) and checks its hash from the bytes, without JSON unescaping it
 * or encoding it again.
 */
interface Header {
  readonly format: number;
  readonly code: string;
  readonly key: string;
  readonly violations: string;
  readonly unplaced: string;
  readonly reportBytes: number;
  readonly hash: string;
}

/** The sha256 of an analysis: its key, violations and unplaced pods as text, and the report's bytes (or text, as UTF-8). */
function contentHash(key: string, violations: string, unplaced: string, report: Buffer | string): string {
  return createHash('sha256').update(`${key}\0${violations}\0${unplaced}\0`).update(report).digest('hex');
}

/** What a hit gives, naming the model's own workloads: the report's text, the N-1 results with their violations only (`nMinusOneViolations`), and the pods the intact site cannot place. */
export interface StoredAnalysis {
  readonly report: string;
  readonly violations: readonly ScenarioResult[];
  readonly unplaced: readonly Unplaced[];
}

/**
 * The last analysis, by its key (lib/ha/analysis.ts `analysisKey`: a hash of everything the
 * simulation and the report read). An optimisation only: a miss, a file that does not read, one
 * written by other code (`code`: the caller's fingerprint of the platform's code) or whose hash does
 * not match its content (corrupted) gives nothing, and the analysis runs. Results name workloads by
 * their position in the model (equal keys: the same workloads in the same order).
 */
export class AnalysisCache {
  /** Why the file was not used, when it was not (for tests and the curious). */
  public ignored?: string;

  /** What `save` keeps for `flush` when writes are deferred: the file's header line and the report. */
  private pending?: readonly string[];

  /**
   * @param mode `write`: `save` writes the file; `deferred`: `save` keeps the analysis until `flush`
   * (synth writes its caches only after a render that verified and was swapped in, so a synth that
   * fails leaves the checkout as it was); `read-only`: `save` does nothing (the diff reads synth's
   * cache, it does not write it). @default 'write'
   */
  public constructor(private readonly file: string, private readonly code: string, private readonly mode: 'write' | 'deferred' | 'read-only' = 'write') {}

  /** The stored analysis of `key`, its results naming `workloads`; undefined when there is none to trust. */
  public load(key: string, workloads: readonly Workload[]): StoredAnalysis | undefined {
    let bytes: Buffer;
    let parsed: Partial<Header>;
    let end: number;
    try {
      bytes = fs.readFileSync(this.file);
      end = bytes.indexOf(0x0a);
      parsed = JSON.parse(bytes.toString('utf8', 0, end < 0 ? bytes.length : end)) as Partial<Header>;
    } catch {
      this.ignored = 'missing or not JSON';
      return undefined;
    }
    if (!parsed || typeof parsed !== 'object' || parsed.format !== FORMAT) return this.ignore('another format');
    if (parsed.code !== this.code) return this.ignore('written by other code');
    const { violations, unplaced } = parsed;
    if (end < 0 || typeof violations !== 'string' || typeof unplaced !== 'string' || typeof parsed.key !== 'string' || typeof parsed.hash !== 'string' || parsed.reportBytes !== bytes.length - end - 1) return this.ignore('corrupted');
    // Another analysis is not read further (its report is not hashed).
    if (parsed.key !== key) return this.ignore('another analysis');
    const reportBytes = bytes.subarray(end + 1);
    if (parsed.hash !== contentHash(parsed.key, violations, unplaced, reportBytes)) return this.ignore('corrupted');
    const report = reportBytes.toString('utf8');
    try {
      const reviver = (_name: string, value: unknown) => revive(value, workloads);
      const revived = { violations: JSON.parse(violations, reviver) as unknown, unplaced: JSON.parse(unplaced, reviver) as unknown };
      if (!Array.isArray(revived.violations) || !Array.isArray(revived.unplaced)) return this.ignore('corrupted');
      return { report, violations: revived.violations as ScenarioResult[], unplaced: revived.unplaced as Unplaced[] };
    } catch {
      return this.ignore('corrupted');
    }
  }

  /** Stores the analysis of `key` (atomically: a reader sees the old file or the new one); a failure to write only loses the cache. */
  public save(key: string, report: string, violations: readonly ScenarioResult[], unplaced: readonly Unplaced[], workloads: readonly Workload[]): void {
    if (this.mode === 'read-only') return;
    const index = new Map<object, number>(workloads.map((w, i) => [w, i]));
    const stringify = (value: unknown) => JSON.stringify(value, (_name, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) return { '#number': String(v) };
      if (v && typeof v === 'object' && index.has(v)) return { '#workload': index.get(v) };
      return v;
    });
    const violationsText = stringify(violations);
    const unplacedText = stringify(unplaced);
    // The report is kept as its UTF-8 bytes, which give it back only when it is well-formed UTF-16 (no lone surrogate): else it is not kept.
    const reportBytes = Buffer.from(report, 'utf8');
    if (reportBytes.toString('utf8') !== report) return;
    const header: Header = { format: FORMAT, code: this.code, key, violations: violationsText, unplaced: unplacedText, reportBytes: reportBytes.length, hash: contentHash(key, violationsText, unplacedText, reportBytes) };
    this.pending = [`${JSON.stringify(header)}\n`, report];
    if (this.mode === 'write') this.flush();
  }

  /** Writes the analysis `save` kept, if any (atomically: a reader sees the old file or the new one); a failure to write only loses the cache. */
  public flush(): void {
    const body = this.pending;
    if (body === undefined) return;
    this.pending = undefined;
    writeCacheFile(this.file, body);
  }

  private ignore(why: string): undefined {
    this.ignored = why;
    return undefined;
  }
}

/** A stored value back: a workload by its position, a number JSON cannot hold. */
function revive(value: unknown, workloads: readonly Workload[]): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const v = value as { '#workload'?: unknown; '#number'?: unknown };
  if (typeof v['#workload'] === 'number' && Object.keys(v).length === 1) {
    const w = workloads[v['#workload']];
    if (!w) throw new Error('a stored result names a workload the model does not have');
    return w;
  }
  if (typeof v['#number'] === 'string' && Object.keys(v).length === 1) return Number(v['#number']);
  return value;
}
