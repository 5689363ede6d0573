import * as fs from 'fs';
import * as path from 'path';

/**
 * Recovery arithmetic lives in lib/ha/recovery.ts only: the dead-node taint keys are spelled out
 * there and nowhere else in lib/, and no other module adds up the node monitor's settings or the
 * recovery budgets by hand. A grep over the sources: it cannot see arithmetic written another
 * way, but it catches the copies this repository used to have.
 */
const LIB = path.join(__dirname, '..', '..', 'lib');
const MODEL = path.join('ha', 'recovery.ts');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** `file:line: text` of every line outside the model matching `pattern`. */
function outsideModel(pattern: RegExp): string[] {
  return sources(LIB).filter((f) => path.relative(LIB, f) !== MODEL).flatMap((f) => fs.readFileSync(f, 'utf8').split('\n')
    .map((line, i) => ({ line, i }))
    .filter(({ line }) => pattern.test(line))
    .map(({ line, i }) => `lib/${path.relative(LIB, f).split(path.sep).join('/')}:${i + 1}: ${line.trim()}`));
}

describe('recovery arithmetic in one place', () => {
  test('GIVEN lib/ WHEN searched THEN the model exists and its sources are read (the check is not vacuous)', () => {
    const model = fs.readFileSync(path.join(LIB, MODEL), 'utf8');
    expect(model).toContain('\'node.kubernetes.io/unreachable\'');
    expect(model).toContain('\'node.kubernetes.io/not-ready\'');
    expect(sources(LIB).length).toBeGreaterThan(50);
  });

  test('GIVEN lib/ WHEN searched for the dead-node taint keys THEN only lib/ha/recovery.ts spells them out (use DEAD_NODE_TAINTS, deadNodeTolerations)', () => {
    expect(outsideModel(/node\.kubernetes\.io\/(unreachable|not-ready)/)).toEqual([]);
  });

  test('GIVEN lib/ WHEN searched for sums of the node monitor\'s settings or of the budgets THEN there are none (use notReadySeconds, evictionSeconds, recovery)', () => {
    expect(outsideModel(/nodeMonitor(Grace)?PeriodSeconds\s*\+|\+\s*[\w.]*nodeMonitor(Grace)?PeriodSeconds/)).toEqual([]);
    expect(outsideModel(/(IMAGE_PULL_BUDGET_SECONDS|VOLUME_MOVE_BUDGET_SECONDS|attachSeconds)\s*\+|\+\s*[\w.]*(IMAGE_PULL_BUDGET_SECONDS|VOLUME_MOVE_BUDGET_SECONDS|attachSeconds)\b/)).toEqual([]);
  });

  test('GIVEN the budgets WHEN defined THEN each has one name, in the model', () => {
    expect(outsideModel(/(const|let)\s+\w*(ATTACH|VOLUME_MOVE|IMAGE_PULL)\w*\s*=\s*\d/)).toEqual([]);
  });
});
