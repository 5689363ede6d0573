import { spawnSync } from 'child_process';
import * as path from 'path';
import { phaseAt } from '../../scripts/rss-sampler';

describe('where a synth\'s peak memory falls', () => {
  test('GIVEN phases told of as they end (one of them more than once) WHEN a moment is placed THEN it falls in the first phase that ended at or after it; after the last, in what the caller names', () => {
    const marks: [string, number][] = [['load', 10], ['build', 20], ['write', 25], ['verify', 40], ['write', 50]];
    expect(phaseAt(marks, 5)).toBe('load');
    expect(phaseAt(marks, 10)).toBe('load');
    expect(phaseAt(marks, 11)).toBe('build');
    expect(phaseAt(marks, 30)).toBe('verify');
    expect(phaseAt(marks, 45)).toBe('write');
    expect(phaseAt(marks, 51, 'after')).toBe('after');
    expect(phaseAt([], 1)).toBe('after the last phase');
  });

  const linux = process.platform === 'linux';
  (linux ? test : test.skip)('GIVEN a fresh process with a sampler running WHEN it holds 200 MB more for a moment, synchronously THEN the peak sampled until then is at least that much above its start, at a time within the moment; before a sampler\'s first sample, the process\'s peak so far, at an unknown time', () => {
    const run = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join(__dirname, 'fixtures', 'rss-peak.ts')], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const seen = JSON.parse(run.stdout.trim().split('\n').pop()!) as { start: number; from: number; to: number; sum: number; peak: { mb: number; from: number; to: number }; none: { mb: number; from: number; to: number } | null };
    expect(seen.sum).toBeGreaterThan(0);
    expect(seen.peak.mb).toBeGreaterThan(seen.start + 150);
    // Reached within the moment: the sample before the rise, and the one that saw it, around it.
    expect(seen.peak.to).toBeGreaterThanOrEqual(seen.from);
    expect(seen.peak.from).toBeLessThanOrEqual(seen.to);
    expect(seen.peak.to).toBeLessThanOrEqual(seen.to);
    // A second sampler, started after the block, asked about a time before its first sample: it knows only the
    // process's peak so far (the kernel's high-water mark, the block's included), reached at a time unknown (from 0).
    expect(seen.none!.from).toBe(0);
    expect(seen.none!.mb).toBeGreaterThanOrEqual(seen.peak.mb - 1);
  });
});
