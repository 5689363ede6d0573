import { startBlockingWorker } from '../../lib/render/blocking-worker';

/** Blocks this thread for `ms`. */
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** A counter shared with the worker (a SharedArrayBuffer in `data` is shared, not copied). */
const counter = () => new Int32Array(new SharedArrayBuffer(4));

/** Runs `wait` and tells what it gave and how long it took (ms). */
function timed<T>(wait: () => T): { value: T; ms: number } {
  const started = Date.now();
  const value = wait();
  return { value, ms: Date.now() - started };
}

describe('work waited for on the other core', () => {
  test('GIVEN a worker that sends a result (a typed array transferred) WHEN waited for THEN the result comes, computed from the data given', () => {
    const wait = startBlockingWorker<{ sum: number; bytes: Uint8Array }>({
      source: `const bytes = Uint8Array.from(data.numbers); port.postMessage({ result: { sum: data.numbers.reduce((a, b) => a + b, 0), bytes } }, [bytes.buffer]);`,
      data: { numbers: [1, 2, 3] },
      timeoutMs: 20_000,
      cores: 2,
    });
    const result = wait();
    expect(result?.sum).toBe(6);
    expect([...result!.bytes]).toEqual([1, 2, 3]);
  });

  test('GIVEN a result asked for twice WHEN the worker is done THEN the second answer is the first, without waiting', () => {
    const wait = startBlockingWorker<{ n: number }>({ source: `port.postMessage({ result: { n: 1 } });`, data: undefined, timeoutMs: 20_000, cores: 2 });
    const first = wait();
    expect(first).toEqual({ n: 1 });
    const second = timed(wait);
    expect(second.value).toBe(first);
    expect(second.ms).toBeLessThan(50);
  });

  test('GIVEN a worker whose code throws WHEN waited for THEN undefined comes, as soon as it ends (not at the timeout)', () => {
    const { value, ms } = timed(startBlockingWorker({ source: `throw new Error('git failed');`, data: undefined, timeoutMs: 20_000, cores: 2 }));
    expect(value).toBeUndefined();
    expect(ms).toBeLessThan(10_000);
  });

  test('GIVEN a worker that ends without sending anything WHEN waited for THEN undefined comes, as soon as it ends', () => {
    const { value, ms } = timed(startBlockingWorker({ source: `const nothing = 1;`, data: undefined, timeoutMs: 20_000, cores: 2 }));
    expect(value).toBeUndefined();
    expect(ms).toBeLessThan(10_000);
  });

  test('GIVEN a worker that dies (its thread exits) before it sends anything WHEN waited for THEN undefined comes at the timeout', () => {
    const { value, ms } = timed(startBlockingWorker({ source: `process.exit(3);`, data: undefined, timeoutMs: 300, cores: 2 }));
    expect(value).toBeUndefined();
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(10_000);
  });

  test('GIVEN a worker that takes longer than the timeout WHEN waited for THEN undefined comes at the timeout and the worker is stopped', () => {
    const beats = counter();
    const wait = startBlockingWorker({
      source: `const sleep = new Int32Array(new SharedArrayBuffer(4)); for (;;) { Atomics.add(data.beats, 0, 1); Atomics.wait(sleep, 0, 0, 5); }`,
      data: { beats },
      timeoutMs: 300,
      cores: 2,
    });
    const { value, ms } = timed(wait);
    expect(value).toBeUndefined();
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(Atomics.load(beats, 0)).toBeGreaterThan(0);
    // Terminating takes effect on the worker's next turn; then it beats no more.
    sleep(500);
    const after = Atomics.load(beats, 0);
    sleep(200);
    expect(Atomics.load(beats, 0)).toBe(after);
  });

  test('GIVEN one core WHEN work is started THEN no worker runs it and undefined comes at once', () => {
    const beats = counter();
    const { value, ms } = timed(startBlockingWorker({ source: `Atomics.add(data.beats, 0, 1); port.postMessage({ result: 1 });`, data: { beats }, timeoutMs: 20_000, cores: 1 }));
    expect(value).toBeUndefined();
    expect(ms).toBeLessThan(50);
    sleep(300);
    expect(Atomics.load(beats, 0)).toBe(0);
  });
});
