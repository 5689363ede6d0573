import { diffTrees } from '../../lib/diff/engine';
import { code, escapeText, renderMarkdown } from '../../lib/diff/markdown';
import { renderTerminal, shouldColor } from '../../lib/diff/terminal';
import { configMap, deployment, edit, file, namespace, pvc } from './fixtures';

const labels = { base: 'abc123 (merge base of HEAD and main)', head: 'working tree' };

describe('diff renderers', () => {
  const base = [file('dist/web', namespace('web')), file('dist/web', deployment('site', 'web', 3)), file('dist/web', pvc('data', 'web')), file('dist/cache', configMap('old', 'cache')), { path: 'dist/hosts/db1/config.yaml', content: 'a: 1\n' }];
  const head = [
    file('dist/web', namespace('web')),
    file('dist/web', edit(deployment('site', 'web', 1), (d) => { d.metadata.annotations = { note: 'a|b' }; })),
    file('dist/cache', configMap('new', 'cache')),
    { path: 'dist/hosts/db1/config.yaml', content: 'a: 2\n' },
  ];
  const diff = diffTrees(base, head);

  test('GIVEN a diff with risks WHEN rendered as Markdown THEN the risk table comes first, then one collapsible section per group with field paths', () => {
    expect(renderMarkdown(diff, labels)).toBe([
      '### Rendered diff: abc123 (merge base of HEAD and main) → working tree',
      '',
      '1 added, 2 removed, 1 changed objects; 1 file changed in 3 groups (1 file unchanged).',
      '',
      '#### ⚠ 3 risky changes',
      '',
      '| | risk | object | group | what |',
      '|---|---|---|---|---|',
      '| ⚠ | PVC or StatefulSet removed | `PersistentVolumeClaim web/data` | `dist/web` | removed: Argo CD prunes the claim, and with reclaim policy Delete its volume and data go with it; keep it, or confirm the data is backed up or no longer needed |',
      '| ⚠ | replicas lowered to 1 or 0 | `Deployment web/site` | `dist/web` | spec.replicas 3 → 1: one pod left, no redundancy |',
      '| ⚠ | HA rule newly broken | `Deployment web/site` | `dist/web` | spec.replicas 3 → 1: fewer than 2 replicas, one node failure stops it |',
      '',
      '#### Manual actions',
      '',
      'Argo CD does not apply these files: after merging, someone must.',
      '',
      '- [ ] copy dist/hosts/db1/config.yaml to where it is used, as dist/hosts/README.md says (no node\'s install.sh reads it) (`dist/hosts/db1/config.yaml`)',
      '',
      '<details><summary><b>layer cache (dist/cache)</b>: 1 added, 1 removed</summary>',
      '',
      '- added `ConfigMap cache/new`',
      '',
      '  <details><summary>YAML</summary>',
      '',
      '  ```yaml',
      '  apiVersion: v1',
      '  data:',
      '    a: "1"',
      '  kind: ConfigMap',
      '  metadata:',
      '    name: new',
      '    namespace: cache',
      '  ```',
      '',
      '  </details>',
      '',
      '- removed `ConfigMap cache/old`',
      '',
      '  <details><summary>YAML</summary>',
      '',
      '  ```yaml',
      '  apiVersion: v1',
      '  data:',
      '    a: "1"',
      '  kind: ConfigMap',
      '  metadata:',
      '    name: old',
      '    namespace: cache',
      '  ```',
      '',
      '  </details>',
      '',
      '</details>',
      '',
      '<details open><summary><b>layer web (dist/web)</b>: 1 removed, 1 changed · ⚠ 3 risks</summary>',
      '',
      '- removed `PersistentVolumeClaim web/data`',
      '',
      '  <details><summary>YAML</summary>',
      '',
      '  ```yaml',
      '  apiVersion: v1',
      '  kind: PersistentVolumeClaim',
      '  metadata:',
      '    name: data',
      '    namespace: web',
      '  spec:',
      '    accessModes:',
      '      - ReadWriteOnce',
      '    resources:',
      '      requests:',
      '        storage: 10Gi',
      '    storageClassName: longhorn',
      '  ```',
      '',
      '  </details>',
      '',
      '- changed `Deployment web/site`',
      '  - `metadata.annotations.note`: added `"a|b"`',
      '  - `spec.replicas`: `3` → `1`',
      '',
      '</details>',
      '',
      '<details><summary><b>host files (dist/hosts)</b>: 1 file</summary>',
      '',
      '- file changed `dist/hosts/db1/config.yaml`',
      '',
      '  <details><summary>diff</summary>',
      '',
      '  ```diff',
      '  @@ -1 +1 @@',
      '  -a: 1',
      '  +a: 2',
      '  ```',
      '',
      '  </details>',
      '',
      '</details>',
      '',
    ].join('\n'));
  });

  test('GIVEN no differences WHEN rendered THEN both views say so in one line after the headline', () => {
    const same = diffTrees(base, base);
    expect(renderMarkdown(same, labels)).toBe('### Rendered diff: abc123 (merge base of HEAD and main) → working tree\n\nno differences (5 files unchanged).\n\nNothing to review: the rendered objects are identical.\n');
    expect(renderTerminal(same, { ...labels, color: false })).toBe('Rendered diff: abc123 (merge base of HEAD and main) → working tree\nno differences (5 files unchanged)\n');
  });

  test('GIVEN a diff without risks WHEN rendered as Markdown THEN it says no risky changes and leaves every section closed', () => {
    const text = renderMarkdown(diffTrees([file('dist/cache', configMap('a', 'cache'))], [file('dist/cache', configMap('a', 'cache', { a: '2' }))]), labels);
    expect(text).toContain('\nNo risky changes found.\n');
    expect(text).not.toContain('⚠');
    expect(text).not.toContain('<details open>');
  });

  test('GIVEN text with Markdown specials and backticks WHEN escaped THEN it renders literally', () => {
    expect(escapeText('a|b <c> *d* _e_ `f`')).toBe('a\\|b \\<c\\> \\*d\\* \\_e\\_ \\`f\\`');
    expect(code('plain')).toBe('`plain`');
    expect(code('has ` tick')).toBe('``has ` tick``');
    expect(code('`edge')).toBe('`` `edge ``');
  });

  test('GIVEN a risk message with a pipe WHEN put in the table THEN the pipe is escaped so the row keeps its columns', () => {
    const withPipe = { ...diff, risks: [{ ...diff.risks[0], message: 'x | y' }] };
    expect(renderMarkdown(withPipe, labels)).toContain('| x \\\\| y |');
  });

  test('GIVEN a risk message over two lines WHEN put in the table THEN the row stays one line (a line break would end the table)', () => {
    const twoLines = { ...diff, risks: [{ ...diff.risks[0], message: 'first line\r\nsecond line' }] };
    const rows = renderMarkdown(twoLines, labels).split('\n').filter((l) => l.startsWith('| ⚠ |'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/\| first line second line \|$/);
  });

  describe('GIVEN a diff larger than the size budget', () => {
    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${String(i).padStart(3, '0')}`, String(i)]));
    const big = diffTrees(
      Array.from({ length: 30 }, (_, i) => file(`dist/l${String(i).padStart(2, '0')}`, configMap('c', `ns${i}`, many(60)))),
      Array.from({ length: 30 }, (_, i) => file(`dist/l${String(i).padStart(2, '0')}`, configMap('c', `ns${i}`, many(0)))),
    );

    test('WHEN rendered as Markdown THEN objects with many fields are cut', () => {
      const text = renderMarkdown(big, { ...labels, maxChars: 10000, maxFieldsPerObject: 5 });
      expect(text.length).toBeLessThan(10000);
      expect(text).toContain('<details><summary><b>layer l00 (dist/l00)</b>: 1 changed</summary>\n\n- changed `ConfigMap ns0/c`\n  - `data.k000`: removed (was `"0"`)\n');
      expect(text).toContain('  - … and 55 more fields (run `npm run diff` to see all)');
    });

    test('WHEN a section does not fit THEN it lists its objects only; when even that does not fit, it is named in a note; smaller ones after it still fit', () => {
      const mixed = diffTrees(
        [file('dist/a', configMap('c', 'a', many(60)))],
        [file('dist/a', configMap('c', 'a', many(0))), ...Array.from({ length: 60 }, (_, i) => file('dist/b', configMap(`cm-${i}`, 'b'))), file('dist/c', configMap('one', 'c'))],
      );
      const text = renderMarkdown(mixed, { ...labels, maxChars: 2000, maxFieldsPerObject: 60 });
      expect(text.length).toBeLessThan(2000);
      expect(text).toContain('<details><summary><b>layer a (dist/a)</b>: 1 changed</summary>\n\n- changed `ConfigMap a/c` (60 fields)\n\n</details>\n');
      expect(text).not.toContain('dist/b)</b>');
      expect(text).toContain('<details><summary><b>layer c (dist/c)</b>: 1 added</summary>\n\n- added `ConfigMap c/one`\n\n  <details><summary>YAML</summary>\n\n  ```yaml\n  apiVersion: v1\n');
      expect(text).toMatch(/\n_Field changes left out to stay under 2000 characters in `dist\/a`; run `npm run diff` locally to see them._\n\n_1 group left out to stay under 2000 characters: `dist\/b`; run `npm run diff` locally to see everything._\n$/);
    });

    test('WHEN even object names do not fit THEN the remaining groups are named in a note and the text stays under budget', () => {
      const text = renderMarkdown(big, { ...labels, maxChars: 1500 });
      expect(text.length).toBeLessThan(1500);
      expect(text).toMatch(/\n_\d+ groups left out to stay under 1500 characters: `dist\/l\d\d`(, `dist\/l\d\d`){7} and \d+ more; run `npm run diff` locally to see everything._\n$/);
    });
  });

  test('GIVEN a diff WHEN rendered for a terminal without colour THEN it lists risks, then + - ~ per group with fields indented', () => {
    expect(renderTerminal(diff, { ...labels, color: false })).toBe([
      'Rendered diff: abc123 (merge base of HEAD and main) → working tree',
      '1 added, 2 removed, 1 changed objects; 1 file changed in 3 groups (1 file unchanged)',
      '',
      '⚠ 3 risky changes:',
      '  ⚠ PVC or StatefulSet removed: PersistentVolumeClaim web/data (dist/web)',
      '      removed: Argo CD prunes the claim, and with reclaim policy Delete its volume and data go with it; keep it, or confirm the data is backed up or no longer needed',
      '  ⚠ replicas lowered to 1 or 0: Deployment web/site (dist/web)',
      '      spec.replicas 3 → 1: one pod left, no redundancy',
      '  ⚠ HA rule newly broken: Deployment web/site (dist/web)',
      '      spec.replicas 3 → 1: fewer than 2 replicas, one node failure stops it',
      '',
      'Manual actions (files Argo CD does not apply; 1 step):',
      '  → copy dist/hosts/db1/config.yaml to where it is used, as dist/hosts/README.md says (no node\'s install.sh reads it)',
      '      for dist/hosts/db1/config.yaml',
      '',
      'layer cache (dist/cache): 1 added, 1 removed',
      '  + ConfigMap cache/new',
      '      apiVersion: v1',
      '      data:',
      '        a: "1"',
      '      kind: ConfigMap',
      '      metadata:',
      '        name: new',
      '        namespace: cache',
      '  - ConfigMap cache/old',
      '      apiVersion: v1',
      '      data:',
      '        a: "1"',
      '      kind: ConfigMap',
      '      metadata:',
      '        name: old',
      '        namespace: cache',
      '',
      'layer web (dist/web): 1 removed, 1 changed',
      '  - PersistentVolumeClaim web/data',
      '      apiVersion: v1',
      '      kind: PersistentVolumeClaim',
      '      metadata:',
      '        name: data',
      '        namespace: web',
      '      spec:',
      '        accessModes:',
      '          - ReadWriteOnce',
      '        resources:',
      '          requests:',
      '            storage: 10Gi',
      '        storageClassName: longhorn',
      '  ~ Deployment web/site',
      '      + metadata.annotations.note: added "a|b"',
      '      ~ spec.replicas: 3 → 1',
      '',
      'host files (dist/hosts): 1 file',
      '  ~ file dist/hosts/db1/config.yaml',
      '      @@ -1 +1 @@',
      '      -a: 1',
      '      +a: 2',
      '',
    ].join('\n'));
  });

  test('GIVEN colour on WHEN rendered for a terminal THEN markers carry ANSI colours, and the text without them is the plain view', () => {
    const coloured = renderTerminal(diff, { ...labels, color: true });
    expect(coloured).toContain('\u001b[32m  + ConfigMap cache/new\u001b[0m');
    expect(coloured).toContain('\u001b[31m  - ConfigMap cache/old\u001b[0m');
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(renderTerminal(diff, { ...labels, color: false }));
  });

  test('GIVEN a stream and NO_COLOR WHEN deciding on colour THEN only a TTY without a non-empty NO_COLOR gets it', () => {
    expect(shouldColor({ isTTY: true }, {})).toBe(true);
    expect(shouldColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(shouldColor({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(shouldColor({ isTTY: false }, {})).toBe(false);
    expect(shouldColor({}, {})).toBe(false);
  });

  test('GIVEN the same inputs in another file order WHEN diffed and rendered THEN the output is identical', () => {
    const again = diffTrees([...base].reverse(), [...head].reverse());
    expect(renderMarkdown(again, labels)).toBe(renderMarkdown(diff, labels));
    expect(renderTerminal(again, { ...labels, color: false })).toBe(renderTerminal(diff, { ...labels, color: false }));
  });
});
