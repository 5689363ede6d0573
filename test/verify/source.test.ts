import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { formatFinding, verifyTree } from '../../lib/verify/verify';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { shippedRender } from '../helpers';

/** The same tree written to disk and held in memory: what synth verifies before it writes. */
function bothWays(files: readonly RenderedFile[], registry: SchemaRegistry): { disk: string[]; memory: string[] } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-source-'));
  try {
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(root, f.path)), { recursive: true });
      fs.writeFileSync(path.join(root, f.path), f.content);
    }
    const byPath = new Map(files.map((f) => [f.path, f.content]));
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-source-empty-'));
    try {
      return {
        disk: verifyTree(root, registry).map(formatFinding),
        memory: verifyTree(empty, registry, undefined, { source: { files: [...byPath.keys()].reverse(), read: (f) => byPath.get(f) } }).map(formatFinding),
      };
    } finally {
      fs.rmSync(empty, { recursive: true });
    }
  } finally {
    fs.rmSync(root, { recursive: true });
  }
}

describe('verify of a tree held in memory', () => {
  const registry = new SchemaRegistry();
  const shipped = shippedRender();

  test('GIVEN the shipped render WHEN verified from memory THEN the findings are those of the same files on disk (none)', () => {
    const { disk, memory } = bothWays(shipped, registry);
    expect(disk).toEqual([]);
    expect(memory).toEqual(disk);
  });

  test('GIVEN a render with problems (a duplicate object, a stray file, no facts file) WHEN verified from memory THEN the findings are those on disk, in the same order', () => {
    const first = shipped.find((f) => f.path.startsWith('dist/monitoring/') && f.path.endsWith('.yaml'))!;
    const broken: RenderedFile[] = [
      ...shipped.filter((f) => f.path !== 'dist/hosts/facts.yaml'),
      { path: first.path.replace(/\.yaml$/, '-copy.yaml'), content: first.content },
      { path: 'dist/monitoring/notes.txt', content: 'not a manifest\n' },
    ];
    const { disk, memory } = bothWays(broken, registry);
    expect(disk.length).toBeGreaterThan(2);
    expect(memory).toEqual(disk);
  });
});
