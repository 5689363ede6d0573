// verifyTree's `ruleTime` (lib/verify/verify.ts): each rule's time by its id, which `npm run bench`
// turns into the one-app change's slowest verify rules (scripts/bench-apps.ts `slowestRules`).
import { HA_CHECKS } from '../../lib/verify/ha-rules';
import { verifyTree } from '../../lib/verify/verify';
import { VERIFY_RULES } from '../../lib/verify/verify-rules';
import { slowestRules } from '../../scripts/bench-apps';
import { REPO } from '../helpers';

describe('verify rule times', () => {
  test('GIVEN the committed render WHEN verified with ruleTime THEN every rule is told once, by its id, in the order the rules run, with a time of 0 ms or more; the findings are those without it', () => {
    const told: [string, number][] = [];
    const findings = verifyTree(REPO, undefined, undefined, { ruleTime: (id, ms) => told.push([id, ms]) });
    expect(told.map(([id]) => id)).toEqual([...VERIFY_RULES.map((r) => r.id), ...HA_CHECKS.map((r) => r.id)]);
    expect(told.every(([, ms]) => Number.isFinite(ms) && ms >= 0)).toBe(true);
    expect(findings).toEqual(verifyTree(REPO));
  });

  test('GIVEN rule times WHEN the slowest are named THEN slowest first, ties by id, verify/ left out, at most the count asked; none gives "-"', () => {
    expect(slowestRules({ 'verify/route-reach': 144.4, 'ha/failure': 12, 'verify/monitor-reach': 165.2, 'verify/duplicates': 12 }, 3)).toBe('monitor-reach 165, route-reach 144, ha/failure 12.0');
    expect(slowestRules({}, 3)).toBe('-');
  });
});
