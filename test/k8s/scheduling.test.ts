import { cpuMillis, memoryBytes, nodeTermsMatch, parseTaint, requirementMatches, selectorMatches, tolerates } from '../../lib/k8s/scheduling';

describe('scheduling semantics', () => {
  test('GIVEN a label selector WHEN matched against labels THEN matchLabels and matchExpressions both hold', () => {
    const selector = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }, { key: 'canary', operator: 'DoesNotExist' }] };
    expect(selectorMatches(selector, { app: 'web', tier: 'front' })).toBe(true);
    expect(selectorMatches(selector, { app: 'web', tier: 'back' })).toBe(false);
    expect(selectorMatches(selector, { app: 'web', tier: 'front', canary: 'yes' })).toBe(false);
    expect(selectorMatches(undefined, { app: 'web' })).toBe(false);
  });

  test('GIVEN selectors, requirements and node terms of shapes the API refuses WHEN matched THEN none throws and the wrong part matches nothing (verify/schemas reports the shape)', () => {
    const labels = { app: 'web', tier: 'front' };
    const bad: unknown[] = [null, 7, 'x', [], true, { key: 7, operator: 'Exists' }, { key: 'app', operator: 'In', values: 'web' }, { key: 'app', operator: 'In', values: { a: 'web' } }];
    for (const e of bad) {
      expect([e, requirementMatches(e as never, labels)]).toEqual([e, false]);
      expect([e, selectorMatches({ matchExpressions: [e] } as never, labels)]).toEqual([e, false]);
      expect([e, nodeTermsMatch([{ matchExpressions: [e] }] as never, labels)]).toEqual([e, false]);
    }
    for (const selector of [{ matchLabels: 'app' }, { matchLabels: ['web'] }, { matchExpressions: 'x' }, { matchExpressions: { key: 'app', operator: 'Exists' } }, 'x', [], 7]) {
      expect([selector, selectorMatches(selector as never, labels)]).toEqual([selector, false]);
    }
    for (const term of [null, 'x', 7, [], { matchExpressions: 'x' }, { matchExpressions: { key: 'app', operator: 'Exists' } }]) {
      expect([term, nodeTermsMatch([term] as never, labels)]).toEqual([term, false]);
    }
    // Well-formed ones still match as before; null lists are no requirement.
    expect(requirementMatches({ key: 'app', operator: 'In', values: ['web'] }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: null, matchExpressions: null } as never, labels)).toBe(true);
    expect(nodeTermsMatch([{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }], labels)).toBe(true);
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
