// verify over documents of any shape: whatever value a field of a rendered object holds (a chart's
// odd output, a hand-written manifest, a broken CRD), verify reports findings and never throws.
// Random values at random fields of the committed render and of every rule fixture (fast-check,
// fixed seeds: CI sees the same cases every run; TSYS_PROPERTY_SEED explores further by hand).
// A fuzz of session 35 found three throws this way (a CRD's spec.versions that is no list, a node
// affinity requirement that is null, a CRD schema whose `required` is no list); each has its own
// unit test beside its code. Without those fixes this seed (37) finds the two CRD ones (in both
// tests); seeds 35 and 36 found none in these few cases: it is a net, the unit tests are the proof.
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { readFactsFile } from '../../lib/facts/facts';
import type { JsonMap } from '../../lib/k8s/manifest';
import { dumpManifest, loadManifests } from '../../lib/k8s/manifest-yaml';
import { fixtureTree, VERIFY_FIXTURES } from '../../lib/verify/rule-fixtures';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { verifyTree } from '../../lib/verify/verify';
import { VERIFY_RULES } from '../../lib/verify/verify-rules';
import { REPO } from '../helpers';

const SEED = Number(process.env.TSYS_PROPERTY_SEED ?? 37);
const registry = new SchemaRegistry();

/** Values of every JSON type and of the shapes fields take (names, ports, quantities, selectors, lists of maps). */
const VALUES: readonly unknown[] = [null, true, false, 0, -1, 7, 1.5, 1e308, '', 'x', 'other', '0', '-1', '80', '100m', '1Gi', '50%',
  [], [null], [1, 'a'], ['x'], [{}], [{ name: 'x' }], {}, { a: 1 }, { name: 1 }, { '': null }, { key: 'k', operator: 'In', values: 'v' }, { matchLabels: 'x' }];

/** Every path to a value in a document but its apiVersion and kind (which decide what it is). */
function pathsOf(value: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (at.length) out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...at, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) if (at.length || (k !== 'apiVersion' && k !== 'kind')) pathsOf(v, [...at, k], out);
  return out;
}

interface Mutation { readonly file: number; readonly doc: number; readonly path: number; readonly value: number; readonly remove: boolean }
const mutation: fc.Arbitrary<Mutation> = fc.record({ file: fc.nat(), doc: fc.nat(), path: fc.nat(), value: fc.nat(), remove: fc.boolean() });

/** `docs` (by file) with `mutations` applied to copies; what was changed, for the failure message. */
function mutate(docs: ReadonlyMap<string, readonly unknown[]>, mutations: readonly Mutation[]): { docs: Map<string, unknown[]>; changes: string[] } {
  const out = new Map<string, unknown[]>(docs as Map<string, unknown[]>);
  const files = [...docs.keys()];
  const changes: string[] = [];
  for (const m of mutations) {
    const file = files[m.file % files.length];
    const list = structuredClone(out.get(file)!);
    if (!list.length) continue;
    const doc = list[m.doc % list.length];
    const paths = pathsOf(doc);
    if (!paths.length) continue;
    const p = paths[m.path % paths.length];
    let parent = doc as Record<string | number, unknown>;
    for (const key of p.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = p[p.length - 1];
    const value = structuredClone(VALUES[m.value % VALUES.length]);
    if (m.remove && !Array.isArray(parent)) delete parent[last];
    else parent[last] = value;
    out.set(file, list);
    changes.push(`${file}: ${p.join('.')} ${m.remove && !Array.isArray(parent) ? 'removed' : `= ${JSON.stringify(value)}`}`);
  }
  return { docs: out, changes };
}

describe('verify over documents of any shape', () => {
  test('GIVEN the committed render with random values at 1-4 random fields (60 cases) WHEN verified THEN verify returns its findings and throws nothing', () => {
    const files: string[] = [];
    const walk = (rel: string) => {
      for (const e of fs.readdirSync(path.join(REPO, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (e.isDirectory()) walk(`${rel}/${e.name}`);
        else files.push(`${rel}/${e.name}`);
      }
    };
    walk('dist');
    walk('argocd');
    const texts = new Map(files.map((f) => [f, fs.readFileSync(path.join(REPO, f), 'utf8')]));
    const docs = new Map<string, unknown[]>();
    for (const f of files) if (f.endsWith('.yaml') && !f.startsWith('dist/hosts/')) docs.set(f, loadManifests(texts.get(f)!, f).filter((d) => d !== null && d !== undefined));
    const facts = readFactsFile(REPO).facts;
    let found = 0;
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
      const { docs: changed, changes } = mutate(docs, mutations);
      const read = (file: string) => (changed.has(file) && changed.get(file) !== docs.get(file) ? changed.get(file)!.map((o) => dumpManifest(o as JsonMap)).join('---\n') : texts.get(file));
      let findings: unknown[];
      try {
        findings = verifyTree(REPO, registry, facts, { source: { files, read, documents: (file) => changed.get(file) } });
      } catch (e) {
        throw new Error(`verify threw ${(e as Error).stack}\nafter: ${changes.join('; ')}`);
      }
      found += findings.length;
    }), { seed: SEED, numRuns: 60 });
    // The values reach the rules: most changed trees have findings.
    expect(found).toBeGreaterThan(30);
  });

  test('GIVEN every rule fixture with random values at 1-3 random fields (600 cases) WHEN each verify rule checks it THEN it returns its findings and throws nothing', () => {
    const fixtures = Object.values(VERIFY_FIXTURES).flatMap((f) => [f.breaking, f.satisfying]);
    let changed = 0;
    fc.assert(fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (which, mutations) => {
      const fixture = fixtures[which % fixtures.length];
      const docs = new Map(Object.entries(fixture.files).filter((e): e is [string, JsonMap[]] => typeof e[1] !== 'string'));
      if (!docs.size) return;
      const { docs: mutatedDocs, changes } = mutate(docs, mutations);
      if (changes.length) changed++;
      const tree = fixtureTree({ ...fixture, files: { ...fixture.files, ...Object.fromEntries(mutatedDocs) } as typeof fixture.files }, registry);
      for (const rule of VERIFY_RULES) {
        try {
          rule.check(tree);
        } catch (e) {
          throw new Error(`${rule.id} threw ${(e as Error).stack}\nafter: ${changes.join('; ')}`);
        }
      }
    }), { seed: SEED, numRuns: 600 });
    // The cases reach the rules changed: nearly every one changes a field.
    expect(changed).toBeGreaterThan(500);
  });
});
