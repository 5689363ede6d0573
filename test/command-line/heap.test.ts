import { spawnSync } from 'child_process';
import * as path from 'path';
import { HEAP_GROWING_PERCENT, tuneHeapForBatch } from '../../lib/command-line/heap';

const ROOT = path.resolve(__dirname, '..', '..');

describe('the command line\'s heap setting (tuneHeapForBatch)', () => {
  test('GIVEN a process started with its own --heap-growing-percent WHEN tuned THEN its own is kept', () => {
    expect(tuneHeapForBatch(['--heap-growing-percent=80'], '')).toBe(false);
    expect(tuneHeapForBatch(['--heap_growing_percent=80'], '')).toBe(false);
  });

  test('GIVEN NODE_OPTIONS naming the flag WHEN tuned THEN NODE_OPTIONS wins', () => {
    expect(tuneHeapForBatch([], '--max-old-space-size=4096 --heap-growing-percent=80')).toBe(false);
  });

  test('GIVEN neither WHEN tuned THEN the batch setting is applied, a factor below V8\'s default', () => {
    expect(HEAP_GROWING_PERCENT).toBeGreaterThan(0);
    expect(HEAP_GROWING_PERCENT).toBeLessThan(100);
    // In a child process: the flag is the process's for the rest of its life.
    const r = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e',
      `const { tuneHeapForBatch } = require(${JSON.stringify(path.join(ROOT, 'lib', 'command-line', 'heap.ts'))});
       const applied = tuneHeapForBatch();
       const kept = []; for (let i = 0; i < 200000; i++) kept.push({ i, s: 'x'.repeat(8) + i });
       console.log(JSON.stringify({ applied, kept: kept.length }));`], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ applied: true, kept: 200000 });
  });
});
