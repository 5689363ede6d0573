import * as path from 'path';
import { factsOf, ObjectFacts, PlatformFacts } from '../../lib/facts/facts';
import { apiGroup } from '../../lib/k8s/manifest';
import type { LoadedObject } from '../../lib/k8s/tree';
import { documentDigest } from '../../lib/render/documents';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { APP_PROJECTION, entriesOf, idOf, refOf } from '../../lib/verify/split-rule';
import { folderOf, treeIndex, TreeRow } from '../../lib/verify/tree-index';

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

describe('the index row of an object (one record: index, ref, subject and bare entry)', () => {
  const objects: LoadedObject[] = [
    { file: 'dist/web/deployment-web.yaml', obj: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'web' } } },
    { file: 'dist/web/clusterrole-x.yaml', obj: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'x' } } },
    { file: 'dist/web/configmap-n.yaml', obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'n', namespace: 7 } } },
    { file: 'dist/web/odd-k.yaml', obj: { apiVersion: 'v1', kind: 7, metadata: { name: 5, namespace: null } } },
    { file: 'dist/web/plain-e.yaml', obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'e', namespace: '' } } },
    { file: 'argocd/application-web.yaml', obj: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace: 'argocd' }, spec: { source: { repoURL: 'r', path: 'dist/web' } } } },
  ];
  const facts: PlatformFacts = new Map([['apps/Deployment/web/web', { layer: 'web' } as ObjectFacts]]);
  const tree = { root: '/nowhere', files: objects.map((o) => o.file), objects, registry: new SchemaRegistry(), facts };

  test('GIVEN objects with a namespace, none, and one that is not a string WHEN the tree is indexed THEN each row reads as refOf, idOf and factsOf read the document', () => {
    const rows = treeIndex(tree).objects;
    expect(rows.map((r) => r.o)).toEqual(objects);
    for (const [i, row] of rows.entries()) {
      const ref = refOf(objects[i]);
      expect({ file: row.file, apiVersion: row.apiVersion, kind: row.kind, namespace: row.namespace, rawNamespace: row.rawNamespace, name: row.name })
        .toStrictEqual({ namespace: undefined, rawNamespace: undefined, ...ref });
      expect([row.id, row.group, row.facts, row.inDist, row.digest]).toEqual([idOf(ref), apiGroup(ref.apiVersion), factsOf(facts, objects[i].obj), objects[i].file.startsWith('dist/'), documentDigest(objects[i].obj)]);
    }
    expect(rows[2].rawNamespace).toBe(7);
    expect(rows[3].rawNamespace).toBeNull();
  });

  test('GIVEN a tree whose objects verify read as rows (TreeRow.maker) WHEN it is indexed THEN the rows are its objects themselves; with other facts THEN new rows', () => {
    const made = objects.map((o) => TreeRow.maker(facts)(o.file, o.obj));
    const read = { ...tree, objects: made };
    expect(treeIndex(read).objects.every((row, i) => row === made[i] && row.o === row)).toBe(true);
    expect(treeIndex(read).objects.map((r) => [r.id, r.facts])).toEqual(treeIndex(tree).objects.map((r) => [r.id, r.facts]));
    const other = { ...read, facts: new Map() };
    expect(treeIndex(other).objects.map((row, i) => [row === made[i], row.o === made[i], row.facts])).toEqual(made.map(() => [false, true, undefined]));
  });

  test('GIVEN the index rows WHEN one is written as JSON THEN it is its ref, as refOf makes it, and never its document', () => {
    for (const row of treeIndex(tree).objects) expect(JSON.stringify(row)).toBe(JSON.stringify(refOf(row.o)));
  });

  test('GIVEN a tree whose objects are all read from their documents WHEN a rule\'s entries are made with a recorded-lookup that gives nothing THEN each is a row as the index makes it', () => {
    const rows = treeIndex(tree).objects;
    const fields = (e: object): unknown => { const r = e as TreeRow; return [r.file, r.apiVersion, r.kind, r.namespace, r.rawNamespace, r.name, r.group, r.id, r.facts, r.inDist, r.digest]; };
    expect(entriesOf(tree, { key: 'none' }, () => undefined).map(fields)).toEqual(rows.map(fields));
  });

  test('GIVEN a rule that reads nothing of an object, and one whose projection is undefined for most WHEN their entries are made THEN those entries are the index rows themselves, each its own ref', () => {
    const rows = treeIndex(tree).objects;
    const bare = entriesOf(tree, { key: 'none' });
    expect(bare).toBe(rows);
    for (const row of rows) expect([row.ref, row.entry]).toEqual([row, row]);
    const apps = entriesOf(tree, APP_PROJECTION);
    expect(apps.map((e, i) => e === rows[i])).toEqual([true, true, true, true, true, false]);
    expect([apps[5].ref, apps[5].p]).toEqual([rows[5], { source: { repoURL: 'r', path: 'dist/web' } }]);
  });
});
