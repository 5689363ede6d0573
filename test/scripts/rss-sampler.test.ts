import { phaseAt, sharedClock, startRssSampler } from '../../scripts/rss-sampler';

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
  (linux ? test : test.skip)('GIVEN a sampler running WHEN this thread holds 200 MB more for a moment, synchronously THEN the peak sampled until then is at least that much above the start, at a time within the moment; and nothing after that time counts', async () => {
    const sampler = await startRssSampler(2);
    expect(sampler).toBeDefined();
    const start = process.memoryUsage().rss / 1024 / 1024;
    const from = sharedClock();
    let block: Buffer | undefined = Buffer.alloc(200 * 1024 * 1024, 1);
    // Held, synchronously, long enough for several samples.
    const until = Date.now() + 200;
    let sum = 0;
    while (Date.now() < until) sum += block[Math.floor(Math.random() * block.length)];
    const to = sharedClock();
    block = undefined;
    const peak = await sampler!.peakUntil(to);
    expect(sum).toBeGreaterThan(0);
    expect(peak!.mb).toBeGreaterThan(start + 150);
    expect(peak!.at).toBeGreaterThanOrEqual(from);
    expect(peak!.at).toBeLessThanOrEqual(to);
  });

  (linux ? test : test.skip)('GIVEN a sampler WHEN asked for the peak until a time before its first sample THEN there is none', async () => {
    const before = sharedClock() - 60_000;
    const sampler = await startRssSampler(2);
    expect(await sampler!.peakUntil(before)).toBeUndefined();
  });
});
