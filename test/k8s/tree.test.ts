import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadManifests, loadYamlData, MAX_EXPANDED_VALUES } from '../../lib/k8s/manifest-yaml';
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

  test('GIVEN manifests holding .nan, +.Inf and -.Inf (numbers JSON has no text for), and the same words quoted WHEN loaded THEN each unquoted one is a problem naming its field, what it is (not the spelling, which parsing loses) and what to write, its object is not loaded (nothing checks it further), and the quoted ones load', () => {
    const root = scratch({
      'dist/web/nan.yaml': 'apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: nan}\nspec: {values: [1, {x: .nan}]}\n',
      'dist/web/inf.yaml': 'apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: inf}\nspec: {limit: +.Inf}\n---\napiVersion: example.com/v1\nkind: Thing\nmetadata: {name: minus}\nspec: {limit: -.Inf}\n',
      'dist/web/quoted.yaml': 'apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: quoted}\nspec: {limit: ".inf", values: [".nan"], big: 1e308}\n',
    });
    const { objects, problems } = loadTree(root);
    expect(problems.map((p) => `${p.file}: ${p.message}`)).toEqual([
      'dist/web/inf.yaml: spec.limit is infinite (.inf), a number JSON cannot hold: Argo CD and kubectl send objects to the API server as JSON and refuse it; write a finite number, or quote the value as written if a string is meant',
      'dist/web/inf.yaml: spec.limit is minus infinite (-.inf), a number JSON cannot hold: Argo CD and kubectl send objects to the API server as JSON and refuse it; write a finite number, or quote the value as written if a string is meant',
      'dist/web/nan.yaml: spec.values[1].x is not a number (.nan), a number JSON cannot hold: Argo CD and kubectl send objects to the API server as JSON and refuse it; write a finite number, or quote the value as written if a string is meant',
    ]);
    expect(objects.map((o) => o.obj.metadata)).toEqual([{ name: 'quoted' }]);
  });

  test('GIVEN a "billion laughs" alias bomb, an alias that holds itself, and aliases used as intended WHEN the tree is loaded THEN the first two are problems saying what to do, and the third loads with its values shared', () => {
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) levels.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
    const root = scratch({
      'dist/web/bomb.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n${levels.map((l) => `  ${l}`).join('\n')}\n`,
      'dist/web/loop.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loop}\ndata: &a {x: *a}\n',
      'dist/web/shared.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: shared, labels: {app: web}}\ndata: {copy: "&x *y", labels: *m}\n',
    });
    const { objects, problems } = loadTree(root);
    expect(problems.map((p) => `${p.file}: ${p.message}`)).toEqual([
      `dist/web/bomb.yaml: YAML: YAML aliases in "dist/web/bomb.yaml" expand a document to more than ${MAX_EXPANDED_VALUES.toLocaleString('en-US')} values (a "billion laughs" bomb?); write the values out instead of nesting aliases`,
      'dist/web/loop.yaml: YAML: a YAML alias in "dist/web/loop.yaml" refers to a value that holds it (a loop, which no manifest can be); write the values out',
    ]);
    expect(objects.map((o) => o.file)).toEqual(['dist/web/shared.yaml']);
    // Nine levels of nine: 9^5 values expand to far less than the limit and load.
    expect(loadManifests(`${levels.slice(0, 5).join('\n')}\n`, 'f.yaml')).toHaveLength(1);
    expect(() => loadYamlData('a: &a [1, *a]\n')).toThrow(/refers to a value that holds it/);
  });
});

