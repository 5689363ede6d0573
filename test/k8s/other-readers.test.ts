// Rendered manifests read the same in every YAML reader: strings that YAML 1.1 readers (Go's
// sigs.k8s.io/yaml in kubectl and Argo CD drops a number's underscores; PyYAML reads timestamps,
// `<<`) would take for another type are written quoted (lib/k8s/manifest-yaml.ts).
import * as fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { dumpManifest, loadManifests, readsAsOtherTypeElsewhere } from '../../lib/k8s/manifest-yaml';
import { renderSite } from '../../lib/synth';
import { shippedSite } from '../helpers';

/** Reads `text` as a YAML 1.1 reader does (the `yaml` package's yaml-1.1 schema: timestamps, binary, sexagesimal, underscores, merge keys). */
const asYaml11 = (text: string): unknown[] => parseAllDocuments(text, { version: '1.1', uniqueKeys: true }).map((d) => d.toJS({ maxAliasCount: -1 }));

describe('manifests read the same by YAML 1.1 readers', () => {
  test('GIVEN strings YAML 1.1 or Go readers take for numbers, timestamps or merge keys WHEN written as values and keys THEN they are quoted, and both schemas read back the same strings', () => {
    const lookalikes = ['.', '._', '+.', '0o1_7', '1_0e3', '1:2_0', '1_000', '-1_0', '0x_1F', '1_0.5', '0b1_0', '1__0', '1_', '2024-01-01', '1970-01-01T00:00:00Z', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '<<', '='];
    for (const s of lookalikes) {
      const text = dumpManifest({ value: s, [s]: 'key' });
      expect(readsAsOtherTypeElsewhere(s) || /"/.test(text)).toBe(true);
      expect(loadManifests(text, 'x.yaml')).toEqual([{ value: s, [s]: 'key' }]);
      expect(asYaml11(text)).toEqual([{ value: s, [s]: 'key' }]);
    }
  });

  test('GIVEN ordinary strings with underscores or dashes WHEN written THEN they stay plain (nothing is quoted that need not be)', () => {
    for (const s of ['_1', 'a_b', 'v1_2', 'my_app', '2024-01', 'app-1_0', 'x']) expect(dumpManifest({ v: s })).toBe(`v: ${s}\n`);
  });

  test('GIVEN any map of strings, numbers and booleans WHEN written THEN a YAML 1.1 reader reads back what the core schema reads', () => {
    const scalar = fc.oneof(fc.string(), fc.stringMatching(/^[-+0-9._:a-fA-FxobTZ<= ]{1,12}$/), fc.integer(), fc.boolean(), fc.constant(null));
    fc.assert(fc.property(fc.dictionary(fc.stringMatching(/^[a-z0-9_.:-]{1,8}$/), scalar), (obj) => {
      // The yaml package's YAML 1.1 float also takes an exponent without a dot (`e0`, `1_0e3` reads NaN or 1000);
      // the spec's float has a dot, and PyYAML and Go read `e0` as a string: not a case of ours.
      fc.pre(![...Object.keys(obj), ...Object.values(obj)].some((v) => typeof v === 'string' && /^[-+]?[0-9_]*[eE]/.test(v) && !v.includes('.')));
      const text = dumpManifest(obj);
      expect(asYaml11(text)).toEqual(loadManifests(text, 'x.yaml'));
    }), { numRuns: 300 });
  });

  test('GIVEN the shipped render WHEN every manifest is read by a YAML 1.1 reader THEN it reads the same objects as the platform\'s reader', () => {
    const files = renderSite(shippedSite()).filter((f) => /^(dist|argocd)\/.*\.yaml$/.test(f.path));
    expect(files.length).toBeGreaterThan(500);
    const differ = files.filter((f) => JSON.stringify(asYaml11(f.content)) !== JSON.stringify(loadManifests(f.content, f.path))).map((f) => f.path);
    expect(differ).toEqual([]);
    // The yaml package agrees with js-yaml on YAML 1.2 too.
    expect(files.filter((f) => JSON.stringify(parseAllDocuments(f.content).map((d) => d.toJS())) !== JSON.stringify(loadManifests(f.content, f.path))).map((f) => f.path)).toEqual([]);
  });
});
