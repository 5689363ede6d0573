import { cpuMillis, memoryBytes, parseTaint, selectorMatches, tolerates } from '../../lib/k8s/scheduling';

describe('scheduling semantics', () => {
  test('GIVEN a label selector WHEN matched against labels THEN matchLabels and matchExpressions both hold', () => {
    const selector = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }, { key: 'canary', operator: 'DoesNotExist' }] };
    expect(selectorMatches(selector, { app: 'web', tier: 'front' })).toBe(true);
    expect(selectorMatches(selector, { app: 'web', tier: 'back' })).toBe(false);
    expect(selectorMatches(selector, { app: 'web', tier: 'front', canary: 'yes' })).toBe(false);
    expect(selectorMatches(undefined, { app: 'web' })).toBe(false);
  });

  test('GIVEN quantities WHEN read THEN CPU is in millicores and memory in bytes', () => {
    expect(cpuMillis('500m')).toBe(500);
    expect(cpuMillis(2)).toBe(2000);
    expect(memoryBytes('128Mi')).toBe(128 * 2 ** 20);
    expect(memoryBytes('1G')).toBe(1e9);
    expect(memoryBytes('lots')).toBeUndefined();
  });

  test('GIVEN a k3s taint WHEN tolerated THEN key, value and effect decide', () => {
    const taint = parseTaint('CriticalAddonsOnly=true:NoExecute')!;
    expect(taint).toEqual({ key: 'CriticalAddonsOnly', value: 'true', effect: 'NoExecute' });
    expect(tolerates({ key: 'CriticalAddonsOnly', operator: 'Exists' }, taint)).toBe(true);
    expect(tolerates({ key: 'CriticalAddonsOnly', operator: 'Equal', value: 'false' }, taint)).toBe(false);
    expect(tolerates({ operator: 'Exists', effect: 'NoSchedule' }, taint)).toBe(false);
  });
});
