import * as fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';
import { dump } from 'js-yaml';
import { dumpBlockYaml } from '../../lib/k8s/block-yaml';
import { dumpManifest, loadManifests, MANIFEST_DUMP_OPTIONS } from '../../lib/k8s/manifest-yaml';

// The manifests' options (their schema quotes what YAML 1.1 readers would read as another type: test/k8s/other-readers).
const OPTIONS = MANIFEST_DUMP_OPTIONS;
const jsYaml = (v: unknown) => dump(v, OPTIONS);

/** Strings near every rule of js-yaml's style choice: types, indicators, spaces, quotes, line breaks, long keys. */
const tricky = fc.oneof(
  fc.constantFrom('', 'null', 'Null', '~', 'true', 'FALSE', 'yes', 'on', 'Off', 'y', 'N', '1', '-1', '0x1F', '0o17', '1e3', '.5', '.inf', '.NaN', '1_000', '1:20', '_1', '_', 'a: b', 'a #b', 'a#b', '#a', '- a', '-a', ':a', 'a:', 'a ', ' a', '*a', '&a', '!a', '%a', '@a', '`a', '|a', '>a', "'a'", '"a"', 'a,b', '[a]', '{a}', 'a\nb', 'a\n', '\na', 'a\tb', 'caf\u00e9', '\u2028', '\u0007', 'x'.repeat(1100), 'registry.turnsys.com/apps/app-0001:1.0.0', 'app.kubernetes.io/name', '/healthz', '100m', '128Mi'),
  fc.string({ unit: fc.constantFrom('a', 'Z', '0', '9', '_', '.', '/', '-', ':', ' ', '#', '"', "'", '\\', '\n', ',', '[', '{', '!', '&', '*', '?', '|', '>', '@', '%', '=', '\u00e9'), maxLength: 12 }),
);
const scalar = fc.oneof(tricky, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const doc = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 4 }),
  map: fc.dictionary(tricky, tie('value'), { maxKeys: 5 }),
})).map;

describe('dumpBlockYaml: the fast path of the manifests\' YAML writer writes what js-yaml writes', () => {
  test('GIVEN any map of maps, lists and scalars (strings near every style rule) WHEN dumped THEN the text is js-yaml\'s, byte for byte', () => {
    fc.assert(fc.property(doc, (d) => {
      expect(dumpManifest(d)).toBe(jsYaml(d));
    }), { numRuns: 3000 });
  });

  test('GIVEN a key of several lines, a key longer than 1,024 characters or a class instance WHEN dumped by the fast path THEN it leaves the document to js-yaml', () => {
    const scalarYaml = (v: unknown) => { const text = jsYaml(v).slice(0, -1); return text.includes('\n') ? undefined : text; };
    const never = () => false;
    expect(dumpBlockYaml({ ['a\nb']: 1 }, scalarYaml, never)).toBeUndefined();
    expect(dumpBlockYaml({ ['k'.repeat(1025)]: 1 }, scalarYaml, never)).toBeUndefined();
    expect(dumpBlockYaml({ at: new Date(0) }, scalarYaml, never)).toBeUndefined();
    expect(dumpBlockYaml({ a: [1, undefined] }, scalarYaml, never)).toBeUndefined();
  });

  test('GIVEN every manifest of the committed render WHEN read and dumped again THEN each is the text js-yaml writes', () => {
    const root = path.resolve(__dirname, '..', '..');
    const files = ['dist', 'argocd'].flatMap((dir) => fs.readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.yaml')).map((e) => path.join(e.parentPath, e.name)));
    expect(files.length).toBeGreaterThan(500);
    for (const file of files) {
      for (const d of loadManifests(fs.readFileSync(file, 'utf8'), file)) expect(dumpManifest(d)).toBe(jsYaml(d));
    }
  });
});
