import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO } from './helpers';

/** One broken rule as dependency-cruiser reports it. */
interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
}

const CONFIG = path.join(REPO, '.dependency-cruiser.cjs');
// dependency-cruiser is ES modules only (jest runs CommonJS): run its command, as `npm run graph` does.
const DEPCRUISE = path.join(REPO, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** The violations of `.dependency-cruiser.cjs` in `lib/` below `root`. */
function cruise(root: string): Violation[] {
  const run = spawnSync(process.execPath, [DEPCRUISE, 'lib', '--config', CONFIG, '--output-type', 'json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (!run.stdout) throw new Error(`dependency-cruiser printed nothing (exit ${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout).summary.violations;
}

const lines = (violations: readonly Violation[]) => violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();

describe('the import graph of lib/ (docs/architecture.md, Floors)', () => {
  test('GIVEN lib/ WHEN cruised with .dependency-cruiser.cjs THEN no circle and no import up the floors', () => {
    // WHEN
    const violations = cruise(REPO);

    // THEN: on failure the list names each import; `npm run graph` prints the same with the rule's why.
    expect(lines(violations)).toEqual([]);
  });

  test('GIVEN a lib/ with a circle, an upward import, a value import of a types-only interface and a file on no floor WHEN cruised THEN each is reported and the allowed import type is not', () => {
    // GIVEN
    const fixture = path.join(REPO, 'test/fixtures/import-graph');

    // WHEN
    const violations = cruise(fixture);

    // THEN
    expect(lines(violations)).toEqual([
      'every-file-on-a-floor: lib/stray.ts -> lib/versions.ts',
      'floor-1-base-imports-down: lib/versions.ts -> lib/layers/a.ts',
      'interface-0-types-only-from-below: lib/render/helm.ts -> lib/config/schema.ts',
      'no-circular: lib/layers/a.ts -> lib/layers/b.ts',
    ]);
    expect(violations.some((v) => v.from === 'lib/render/sort.ts')).toBe(false);
  });
});

describe('one JSON type and one map test in lib/ (lib/k8s/manifest.ts)', () => {
  /** Every .ts file below lib/, relative to the repository. */
  function libFiles(dir = path.join(REPO, 'lib')): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return libFiles(full);
      return e.name.endsWith('.ts') ? [path.relative(REPO, full)] : [];
    });
  }
  const HOME = 'lib/k8s/manifest.ts';
  const scan = (pattern: RegExp) => libFiles().filter((f) => f !== HOME).flatMap((f) => fs.readFileSync(path.join(REPO, f), 'utf8').split('\n')
    .map((line, i) => ({ line, at: `${f}:${i + 1}` })).filter(({ line }) => pattern.test(line)).map(({ at, line }) => `${at}: ${line.trim()}`));

  test('GIVEN lib/ WHEN scanned for JSON type definitions THEN only lib/k8s/manifest.ts defines one (`grep -rn "type Json" lib` finds one line)', () => {
    expect(scan(/\btype Json\w*\b|\btype \w+ = Record<string, unknown>;/)).toEqual([]);
  });

  test('GIVEN lib/ WHEN scanned for map-test helpers THEN none is defined outside lib/k8s/manifest.ts (use isMap)', () => {
    expect(scan(/(function|const) (isMap|isObject|isRecord|isPlainObject|isJsonMap)\b/)).toEqual([]);
  });
});

describe('one portable-file-name pattern in lib/ (NOT_PORTABLE, lib/k8s/tree.ts)', () => {
  test('GIVEN lib/ WHEN scanned for the pattern of characters a Windows file name cannot hold THEN only lib/k8s/tree.ts writes it (lib/render/manifest-file.ts had a copy: the file names synth writes and the ones verify refuses could part)', () => {
    const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    const copies = files(path.join(REPO, 'lib')).filter((f) => fs.readFileSync(f, 'utf8').includes('/[<>:"\\\\|?*]/')).map((f) => path.relative(REPO, f));
    expect(copies).toEqual(['lib/k8s/tree.ts']);
  });
});
