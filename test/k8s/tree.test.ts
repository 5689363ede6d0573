import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadTree } from '../../lib/k8s/tree';
import { listFiles } from '../../lib/k8s/walk';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

function scratch(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-tree-'));
  roots.push(root);
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  return root;
}

describe('listFiles', () => {
  test('GIVEN nested folders WHEN listed THEN every file comes back below the prefix, sorted folder by folder', () => {
    const root = scratch({ 'b/z.yaml': '', 'b/a/y.yaml': '', 'a.txt': '' });
    expect(listFiles(root, 'x/')).toEqual(['x/a.txt', 'x/b/a/y.yaml', 'x/b/z.yaml']);
    expect(listFiles(path.join(root, 'b'))).toEqual(['a/y.yaml', 'z.yaml']);
  });

  test('GIVEN a folder that does not exist WHEN listed THEN nothing', () => {
    expect(listFiles(path.join(os.tmpdir(), 'no-such-folder-k8s-walk'))).toEqual([]);
  });
});

describe('loadTree', () => {
  test('GIVEN a rendered tree WHEN loaded THEN objects of dist/ and argocd/ come back with their file, host files and the kustomization are skipped', () => {
    const root = scratch({
      'dist/web/deployment-web.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n',
      'dist/hosts/node-1/config.yaml': 'node-name: node-1\n',
      'argocd/kustomization.yaml': 'resources: []\n',
      'argocd/app.yaml': 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: root\n',
    });
    const tree = loadTree(root);
    expect(tree.problems).toEqual([]);
    expect(tree.objects.map((o) => `${o.file} ${o.obj.kind}`)).toEqual([
      'dist/web/deployment-web.yaml Deployment', 'dist/web/deployment-web.yaml Service', 'argocd/app.yaml Application',
    ]);
    expect(tree.files).toEqual(['dist/hosts/node-1/config.yaml', 'dist/web/deployment-web.yaml', 'argocd/app.yaml', 'argocd/kustomization.yaml']);
  });

  test('GIVEN files that are not manifests WHEN loaded THEN each is a problem saying what to do', () => {
    const root = scratch({
      'dist/web/notes.txt': 'x',
      'dist/web/broken.yaml': 'a: [\n',
      'dist/web/list.yaml': '- 1\n',
    });
    const { objects, problems } = loadTree(root);
    expect(objects).toEqual([]);
    expect(problems.map((p) => p.file)).toEqual(['dist/web/broken.yaml', 'dist/web/list.yaml', 'dist/web/notes.txt']);
    expect(problems[0].message).toMatch(/^YAML: /);
    expect(problems[1].message).toBe('a manifest must be a map with apiVersion, kind and metadata');
    expect(problems[2].message).toMatch(/only \.yaml manifests belong here/);
  });
});
