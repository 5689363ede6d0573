import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { RISK_RULES } from '../lib/diff/risks';
import { NO_FACTS, parseFacts } from '../lib/facts/facts';
import { HA_RULES } from '../lib/ha/annotations';
import { haInputFromFiles } from '../lib/ha/analysis';
import { buildHaModel, HaObject } from '../lib/ha/model';
import { asMap } from '../lib/k8s/manifest';
import type { Rule, RuleFinding } from '../lib/rule';
import { renderSiteAnalysed } from '../lib/synth';
import { HA_CHECKS, HaContext, HaFixture } from '../lib/verify/ha-rules';
import { fixtureTree } from '../lib/verify/rule-fixtures';
import { SchemaRegistry } from '../lib/verify/schemas';
import { VERIFY_RULES } from '../lib/verify/verify-rules';
import { REPO, shippedSite } from './helpers';

/**
 * One rule shape (lib/rule.ts) for every kind of rule: each rule's breaking fixture yields a
 * finding with that rule's id, its satisfying fixture none. A kind's runner turns its fixtures
 * into the rule's input.
 */

/** HA fixtures are checked on the shipped site's nodes, with the shipped facts beside the fixture's own. */
const shipped = renderSiteAnalysed(shippedSite());
const hostFiles = haInputFromFiles(shipped.files).hostFiles;

function haInput(fixture: HaFixture): HaContext {
  const file = path.join(REPO, fixture);
  const objects: HaObject[] = parseAllDocuments(fs.readFileSync(file, 'utf8')).flatMap((d) => {
    const obj = asMap(d.toJS());
    return obj ? [{ file: 'dist/fixture/objects.yaml', obj }] : [];
  });
  const factsFile = file.replace(/\.yaml$/, '.facts.yaml');
  const { facts, problems } = fs.existsSync(factsFile) ? parseFacts(fs.readFileSync(factsFile, 'utf8')) : { facts: NO_FACTS, problems: [] };
  const all = new Map([...shipped.facts, ...facts]);
  return { model: buildHaModel({ objects, hostFiles, facts: all, factsProblems: problems }), objects, facts: all };
}

/** Verify fixtures are tiny trees, checked with one schema registry (it is slow to build). */
const registry = new SchemaRegistry();

/** A rule as the test runs it: its fixtures turned into inputs by its kind's runner. */
interface Case {
  readonly label: string;
  readonly id: string;
  readonly description: string;
  readonly breaking: () => readonly RuleFinding[];
  readonly satisfying: () => readonly RuleFinding[];
}

function casesOf<I, F>(kind: string, rules: readonly Rule<I, F>[], input: (fixture: F) => I): Case[] {
  return rules.map((rule) => ({
    label: `${kind} rule ${rule.id}`,
    id: rule.id,
    description: rule.description,
    breaking: () => rule.check(input(rule.fixtures.breaking)),
    satisfying: () => rule.check(input(rule.fixtures.satisfying)),
  }));
}

const KINDS: Readonly<Record<string, readonly Case[]>> = {
  'diff risk': casesOf('diff risk', RISK_RULES, (fixture) => fixture()),
  HA: casesOf('HA', HA_CHECKS, haInput),
  verify: casesOf('verify', VERIFY_RULES, (fixture) => fixtureTree(fixture, registry)),
};
const cases = Object.values(KINDS).flat();

describe('every rule of every kind carries a breaking and a satisfying fixture', () => {
  test('GIVEN the rule lists WHEN read THEN ids are unique within a kind and every rule says what it holds to', () => {
    for (const rules of Object.values(KINDS)) {
      const ids = rules.map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const r of rules) expect(r.description.length).toBeGreaterThan(0);
    }
    expect(HA_CHECKS.map((r) => r.id).sort()).toEqual(Object.keys(HA_RULES).sort());
  });

  test.each(cases)('GIVEN the breaking fixture of the $label WHEN checked THEN it has a finding with that id', (c) => {
    expect(c.breaking().filter((f) => f.rule === c.id).length).toBeGreaterThan(0);
  });

  test.each(cases)('GIVEN the satisfying fixture of the $label WHEN checked THEN it has no finding with that id', (c) => {
    expect(c.satisfying().filter((f) => f.rule === c.id)).toEqual([]);
  });
});
