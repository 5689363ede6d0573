import { schemaFields } from '../../lib/diff/crd';
import { diffTrees } from '../../lib/diff/engine';
import { renderMarkdown } from '../../lib/diff/markdown';
import type { ObjectChange } from '../../lib/diff/model';
import { renderTerminal } from '../../lib/diff/terminal';
import { crd, crdVersion, edit, file, Obj, strings } from './fixtures';

const D = 'dist/widgets';
const labels = { base: 'abc123', head: 'working tree' };

/** The one changed object of the diff of a CRD from `before` to `after`. */
function changeOf(before: Obj, after: Obj): ObjectChange {
  const diff = diffTrees([file(D, before)], [file(D, after)]);
  expect(diff.groups.map((g) => g.changed.length)).toEqual([1]);
  return diff.groups[0].changed[0];
}

const v = (name: string, served: boolean, storage: boolean, fields: number) => ({ name, served, storage, fields });

describe('CRD schema summary', () => {
  test('GIVEN a schema with nested objects, lists, maps and a dotted key WHEN its fields are read THEN each is a dot path, list items as [] and map values as .*', () => {
    const schema = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            ports: { type: 'array', items: { type: 'object', properties: strings('name', 'port') } },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
            rules: { type: 'object', additionalProperties: { type: 'object', properties: strings('match') } },
            'app.kubernetes.io/name': { type: 'string' },
            matrix: { type: 'array', items: { type: 'array', items: { type: 'object', properties: strings('cell') } } },
          },
        },
      },
    };
    const fields = schemaFields(schema);
    expect([...fields.keys()]).toEqual([
      'spec', 'spec.ports', 'spec.ports[].name', 'spec.ports[].port', 'spec.labels', 'spec.rules', 'spec.rules.*.match', 'spec["app.kubernetes.io/name"]', 'spec.matrix', 'spec.matrix[][].cell',
    ]);
    expect(fields.get('spec.ports[].name')?.parent).toBe('spec.ports');
    expect(fields.get('spec.rules.*.match')?.parent).toBe('spec.rules');
  });

  test('GIVEN the storage version\'s schema gains and loses fields, and an annotation changes WHEN diffed THEN fields added and removed are outermost dot paths (in schema order, as synth sorts keys) with nested counts, and only the annotation is a raw field change', () => {
    const before = crd([crdVersion('v1', { size: { type: 'string' }, color: { type: 'string' }, old: { type: 'object', properties: strings('a', 'b') } }, { storage: true })]);
    const after = edit(crd([crdVersion('v1', { size: { type: 'string' }, color: { type: 'string' }, tls: { type: 'object', properties: strings('cert', 'key') }, mode: { type: 'string' } }, { storage: true })]), (c) => {
      c.metadata.annotations['controller-gen.kubebuilder.io/version'] = 'v0.17.0';
    });
    const c = changeOf(before, after);
    expect(c.fields).toEqual([{ path: 'metadata.annotations["controller-gen.kubebuilder.io/version"]', op: 'changed', before: 'v0.16.0', after: 'v0.17.0' }]);
    expect(c.crd).toEqual({
      versionsAdded: [],
      versionsRemoved: [],
      versions: [{
        name: 'v1',
        before: v('v1', true, true, 11),
        after: v('v1', true, true, 12),
        fieldsAdded: [{ path: 'spec.mode', nested: 0 }, { path: 'spec.tls', nested: 2 }],
        fieldsRemoved: [{ path: 'spec.old', nested: 2 }],
        fieldsChanged: [],
      }],
    });
  });

  test('GIVEN a version added, one removed and the storage flag moved WHEN diffed THEN the summary lists them and the raw version entries and flags are not repeated as fields', () => {
    const spec = strings('size');
    const before = crd([crdVersion('v1alpha1', spec), crdVersion('v1beta1', spec, { storage: true })]);
    const after = crd([crdVersion('v1beta1', spec), crdVersion('v1', { ...spec, ...strings('mode') }, { storage: true })]);
    const c = changeOf(before, after);
    expect(c.fields).toEqual([]);
    expect(c.crd).toEqual({
      versionsAdded: [v('v1', true, true, 8)],
      versionsRemoved: [v('v1alpha1', true, false, 7)],
      versions: [{ name: 'v1beta1', before: v('v1beta1', true, true, 7), after: v('v1beta1', true, false, 7), fieldsAdded: [], fieldsRemoved: [], fieldsChanged: [] }],
      storage: { before: 'v1beta1', after: 'v1' },
    });
  });

  test('GIVEN fields whose type, enum, item type or description changed, and a field made required WHEN diffed THEN each is a changed field with the keywords that differ', () => {
    const spec = (size: Obj, color: Obj, tags: Obj, mode: Obj) => ({ size, color, tags, mode });
    const before = crd([crdVersion('v1', spec({ type: 'string' }, { type: 'string' }, { type: 'array', items: { type: 'string' } }, { type: 'string', description: 'How.' }), { storage: true })]);
    const after = edit(crd([crdVersion('v1', spec({ type: 'integer' }, { type: 'string', enum: ['red', 'blue'] }, { type: 'array', items: { type: 'integer' } }, { type: 'string', description: 'How it runs.' }), { storage: true })]), (c) => {
      c.spec.versions[0].schema.openAPIV3Schema.properties.spec.required = ['size'];
    });
    expect(changeOf(before, after).crd?.versions[0].fieldsChanged).toEqual([
      { path: 'spec', keywords: ['required'] },
      { path: 'spec.color', keywords: ['enum'] },
      { path: 'spec.mode', keywords: ['description'] },
      { path: 'spec.size', keywords: ['type'] },
      { path: 'spec.tags', keywords: ['items.type'] },
    ]);
  });

  test('GIVEN only the names, scope, conversion and labels of a CRD changed WHEN diffed THEN they are plain field changes and there is no CRD summary', () => {
    const before = crd([crdVersion('v1', strings('size'), { storage: true })]);
    const after = edit(before, (c) => {
      c.spec.names.shortNames = ['wd'];
      c.spec.scope = 'Cluster';
      c.spec.conversion = { strategy: 'None' };
      c.metadata.labels = { team: 'platform' };
    });
    const c = changeOf(before, after);
    expect(c.crd).toBeUndefined();
    expect(c.fields.map((f) => f.path)).toEqual(['metadata.labels.team', 'spec.conversion.strategy', 'spec.names.shortNames', 'spec.scope']);
  });

  test('GIVEN a CRD whose version names repeat WHEN diffed THEN it cannot be summarised and is diffed field by field', () => {
    const before = crd([crdVersion('v1', strings('a')), crdVersion('v1', strings('a'))]);
    const after = crd([crdVersion('v1', strings('b')), crdVersion('v1', strings('a'))]);
    const c = changeOf(before, after);
    expect(c.crd).toBeUndefined();
    expect(c.fields.map((f) => `${f.path} ${f.op}`)).toEqual([
      'spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.a.type removed',
      'spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.b.type added',
    ]);
  });

  describe('GIVEN a bump that adds 23 fields to one version, removes a version and rewords descriptions', () => {
    const many = Object.fromEntries(Array.from({ length: 23 }, (_, i) => [`f${String(i).padStart(2, '0')}`, { type: 'string' }]));
    const before = crd([crdVersion('v1alpha1', strings('a'), { served: false }), crdVersion('v1', { a: { type: 'string', description: 'A.' }, b: { type: 'string' } }, { storage: true })]);
    const after = edit(crd([crdVersion('v1', { a: { type: 'string', description: 'The a.' }, b: { type: 'integer' }, ...many }, { storage: true })]), (c) => {
      c.metadata.annotations['controller-gen.kubebuilder.io/version'] = 'v0.17.0';
    });
    const diff = diffTrees([file(D, before)], [file(D, after)]);

    test('WHEN rendered as Markdown THEN the version summary comes first, at most 20 fields then "… and N more", then the other field changes', () => {
      const text = renderMarkdown(diff, labels);
      expect(text).toContain([
        '- changed `CustomResourceDefinition widgets.example.com`',
        '  - version `v1alpha1` removed (was not served; 7 schema fields)',
        '  - version `v1` (served, storage): schema: 23 fields added, 1 changed, 1 description reworded',
        `    - added: ${Array.from({ length: 20 }, (_, i) => `\`spec.f${String(i).padStart(2, '0')}\``).join(', ')}, … and 3 more`,
        '    - changed: `spec.b` (type)',
        '  - `metadata.annotations["controller-gen.kubebuilder.io/version"]`: `"v0.16.0"` → `"v0.17.0"`',
        '',
      ].join('\n'));
      expect(text).not.toContain('openAPIV3Schema');
    });

    test('WHEN rendered for a terminal THEN it says the same, the field lists indented below each version', () => {
      const text = renderTerminal(diff, { ...labels, color: false });
      expect(text).toContain([
        '  ~ CustomResourceDefinition widgets.example.com',
        '      ~ version v1alpha1 removed (was not served; 7 schema fields)',
        '      ~ version v1 (served, storage): schema: 23 fields added, 1 changed, 1 description reworded',
        `          added: ${Array.from({ length: 20 }, (_, i) => `spec.f${String(i).padStart(2, '0')}`).join(', ')}, … and 3 more`,
        '          changed: spec.b (type)',
        '      ~ metadata.annotations["controller-gen.kubebuilder.io/version"]: "v0.16.0" → "v0.17.0"',
        '',
      ].join('\n'));
    });

    test('WHEN the Markdown budget leaves no room for fields THEN the object line still says its CRD versions changed', () => {
      const text = renderMarkdown(diff, { ...labels, maxChars: 700 });
      expect(text).toContain('- changed `CustomResourceDefinition widgets.example.com` (1 field, 2 CRD versions changed)');
    });
  });
});
