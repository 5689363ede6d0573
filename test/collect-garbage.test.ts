import * as vm from 'vm';
import { collectAfter, collectGarbage, collectIfGrown, heapUsed } from '../lib/collect-garbage';

/** A WeakRef to an object nothing else holds, made in an earlier job (a WeakRef keeps its target alive until the job that made it ends). */
async function unreachable(): Promise<WeakRef<object>> {
  const ref = new WeakRef({ big: new Array(1000).fill('x') });
  await new Promise((resolve) => setImmediate(resolve));
  return ref;
}

describe('collectGarbage', () => {
  it('GIVEN an object nothing holds WHEN collecting THEN it is gone and the collection says it ran', async () => {
    const ref = await unreachable();
    expect(collectGarbage()).toBe(true);
    expect(ref.deref()).toBeUndefined();
  });

  it('GIVEN node was started without --expose-gc WHEN collecting THEN contexts made later get no gc of their own', () => {
    const exposedAtStart = typeof (globalThis as { gc?: unknown }).gc === 'function';
    collectGarbage();
    if (!exposedAtStart) expect(vm.runInNewContext('typeof gc')).toBe('undefined');
  });
});

describe('collectAfter', () => {
  it('GIVEN a phase WHEN run THEN its value is returned', () => {
    expect(collectAfter(() => 42)).toBe(42);
  });

  it('GIVEN a phase that grew the heap by more than the growth allowed WHEN it ends THEN garbage is collected', async () => {
    const ref = await unreachable();
    collectAfter(() => undefined, -Infinity);
    expect(ref.deref()).toBeUndefined();
  });

  it('GIVEN a phase that throws WHEN run THEN the error is the phase\'s', () => {
    expect(() => collectAfter(() => {
      throw new Error('phase failed');
    })).toThrow('phase failed');
  });
});

describe('collectIfGrown', () => {
  it('GIVEN the heap grew by more than allowed since a measure WHEN asked THEN garbage is collected', async () => {
    const ref = await unreachable();
    collectIfGrown(heapUsed(), -Infinity);
    expect(ref.deref()).toBeUndefined();
  });
});

describe('heapUsed', () => {
  it('GIVEN the heap in use WHEN measured THEN it is a positive number of bytes', () => {
    expect(heapUsed()).toBeGreaterThan(0);
  });
});
