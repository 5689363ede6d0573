import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { textDigest } from '../../lib/render/documents';
import { readPreviousRender } from '../../lib/render/previous';
import { readPreviousRenderAhead } from '../../lib/render/previous-ahead';
import { writeTree } from '../helpers';

/** A previous render on disk: nested folders, names that sort differently by code point and by locale, a non-ASCII text, an empty file, an executable script, a symlink and a file outside the compared folders. */
function renderOnDisk(): string {
  const root = writeTree({
    'dist/apps/b/kustomization.yaml': 'resources: []\n',
    'dist/apps/B-upper/configmap.yaml': 'data:\n  note: "caf\u00e9 \u2713"\n',
    'dist/apps/a_b.yaml': '',
    'dist/apps/a-b.yaml': 'x: 1\n',
    'dist/hosts/db1/install.sh': '#!/bin/sh\necho hi\n',
    'argocd/app.yaml': 'kind: Application\n',
    'docs/readme.md': 'not compared\n',
  });
  fs.chmodSync(path.join(root, 'dist/hosts/db1/install.sh'), 0o755);
  fs.symlinkSync('a-b.yaml', path.join(root, 'dist/apps/link.yaml'));
  return root;
}

describe('the previous render, read ahead by a worker thread', () => {
  let root: string;
  beforeEach(() => {
    root = renderOnDisk();
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('GIVEN a render on disk WHEN read ahead THEN the files are those readPreviousRender reads, in its order, with the same texts and executable bits', () => {
    const read = readPreviousRenderAhead(root);
    const ahead = read.files();
    expect(ahead).toStrictEqual(readPreviousRender(root));
    expect(ahead.find((f) => f.path === 'dist/hosts/db1/install.sh')?.executable).toBe(true);
    expect(ahead.some((f) => f.path === 'dist/apps/link.yaml')).toBe(false);
    expect(read.files()).toBe(ahead);
  });

  test('GIVEN no output folders WHEN read ahead THEN there are no files', () => {
    fs.rmSync(path.join(root, 'dist'), { recursive: true });
    fs.rmSync(path.join(root, 'argocd'), { recursive: true });
    expect(readPreviousRenderAhead(root).files()).toStrictEqual([]);
  });

  test('GIVEN only some of the output folders WHEN read ahead THEN only their files are read, as readPreviousRender reads them', () => {
    const read = readPreviousRenderAhead(root, ['argocd']);
    expect(read.files()).toStrictEqual(readPreviousRender(root, ['argocd']));
  });

  test('GIVEN a folder the worker cannot read (a file where a folder of the walk was expected) WHEN read ahead THEN it is read in this thread instead: the same error as readPreviousRender', () => {
    fs.rmSync(path.join(root, 'argocd'), { recursive: true });
    fs.writeFileSync(path.join(root, 'argocd'), 'a file');
    const error = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(error(readPreviousRenderAhead(root).files)).toBe(error(() => readPreviousRender(root)));
    expect(error(() => readPreviousRender(root))).toMatch(/ENOTDIR/);
  });

  test('GIVEN files read by the worker WHEN one is asked for THEN its text comes with the sha256 of its bytes (the text\'s own for UTF-8), and a file not read gives nothing', () => {
    fs.writeFileSync(path.join(root, 'dist/apps/not-utf8.yaml'), Buffer.from([0x61, 0xff, 0x0a]));
    const read = readPreviousRenderAhead(root);
    for (const file of ['dist/apps/B-upper/configmap.yaml', 'dist/apps/a_b.yaml', 'dist/apps/not-utf8.yaml']) {
      const bytes = fs.readFileSync(path.join(root, file));
      expect(read.text(file)).toStrictEqual({ text: bytes.toString('utf8'), bytesDigest: createHash('sha256').update(bytes).digest('hex') });
    }
    expect(read.text('dist/apps/B-upper/configmap.yaml')).toMatchObject({ bytesDigest: textDigest(fs.readFileSync(path.join(root, 'dist/apps/B-upper/configmap.yaml'), 'utf8')) });
    expect(textDigest((read.text('dist/apps/not-utf8.yaml') as { text: string }).text)).not.toBe((read.text('dist/apps/not-utf8.yaml') as { bytesDigest: string }).bytesDigest);
    expect(read.text('dist/apps/link.yaml')).toBeUndefined();
    expect(read.text('docs/readme.md')).toBeUndefined();
  });
});
