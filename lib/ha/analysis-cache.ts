import * as fs from 'fs';
import { sha256, writeCacheFile } from '../cache-file';
import type { Workload } from './model';
import type { ScenarioResult, Unplaced } from './simulate';

/**
 * Where synth keeps the last node-failure analysis (the failure report, the N-1 results' violations
 * and the pods the intact site cannot place: what verify's ha/failure rule and synth's capacity
 * refusal read),
 * relative to the checkout (git-ignored): the next synth of a render the analysis does not read
 * differently (an app's new image) gives the report and verify's ha/failure rule these, unsimulated.
 */
export const ANALYSIS_CACHE_FILE = '.synth-cache/failure-analysis.json';

/** The layout of the file; another is ignored. */
const FORMAT = 2;


/** The file: the code that wrote it, the analysis key, the report, the N-1 violations and the intact site's unplaced pods as text, and the hash of all four. */
interface CacheFile {
  readonly format: number;
  readonly code: string;
  readonly key: string;
  readonly report: string;
  readonly violations: string;
  readonly unplaced: string;
  readonly hash: string;
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

  /** What `save` keeps for `flush` when writes are deferred. */
  private pending?: string;

  /**
   * @param mode `write`: `save` writes the file; `deferred`: `save` keeps the analysis until `flush`
   * (synth writes its caches only after a render that verified and was swapped in, so a synth that
   * fails leaves the checkout as it was); `read-only`: `save` does nothing (the diff reads synth's
   * cache, it does not write it). @default 'write'
   */
  public constructor(private readonly file: string, private readonly code: string, private readonly mode: 'write' | 'deferred' | 'read-only' = 'write') {}

  /** The stored analysis of `key`, its results naming `workloads`; undefined when there is none to trust. */
  public load(key: string, workloads: readonly Workload[]): StoredAnalysis | undefined {
    let parsed: Partial<CacheFile>;
    try {
      parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<CacheFile>;
    } catch {
      this.ignored = 'missing or not JSON';
      return undefined;
    }
    if (!parsed || typeof parsed !== 'object' || parsed.format !== FORMAT) return this.ignore('another format');
    if (parsed.code !== this.code) return this.ignore('written by other code');
    const { report, violations, unplaced } = parsed;
    if (typeof report !== 'string' || typeof violations !== 'string' || typeof unplaced !== 'string' || typeof parsed.key !== 'string' || parsed.hash !== sha256(`${parsed.key}\0${report}\0${violations}\0${unplaced}`)) return this.ignore('corrupted');
    if (parsed.key !== key) return this.ignore('another analysis');
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
    const body: CacheFile = { format: FORMAT, code: this.code, key, report, violations: violationsText, unplaced: unplacedText, hash: sha256(`${key}\0${report}\0${violationsText}\0${unplacedText}`) };
    this.pending = JSON.stringify(body);
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
