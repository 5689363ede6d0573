import * as path from 'path';
import { folderOf } from '../../lib/verify/tree-index';

describe('the folder of a file of the tree', () => {
  test('GIVEN every path of up to five parts made of a, /, ., .. and b WHEN its folder is asked THEN it is path.posix.dirname\'s', () => {
    const parts = ['a', '/', '.', '..', 'b'];
    const paths = new Set<string>();
    const grow = (p: string, depth: number): void => {
      paths.add(p);
      if (depth < 5) for (const q of parts) grow(p + q, depth + 1);
    };
    grow('', 0);
    for (const p of paths) expect([p, folderOf(p)]).toEqual([p, path.posix.dirname(p)]);
  });

  test('GIVEN files of the tree WHEN their folder is asked THEN it is the path up to the last slash', () => {
    expect(folderOf('dist/workloads/app-a/deployment-app-a.yaml')).toBe('dist/workloads/app-a');
    expect(folderOf('argocd/kustomization.yaml')).toBe('argocd');
  });
});
