import { apiGroup, describeObject, identity, isKind, isMap, splitApiVersion, stringMapAt, valueAt } from '../../lib/k8s/manifest';

describe('JSON maps', () => {
  test('GIVEN objects, lists, null and scalars WHEN tested THEN only objects are maps', () => {
    expect(isMap({})).toBe(true);
    expect(isMap({ a: 1 })).toBe(true);
    expect(isMap([])).toBe(false);
    expect(isMap(null)).toBe(false);
    expect(isMap(undefined)).toBe(false);
    expect(isMap('a')).toBe(false);
    expect(isMap(0)).toBe(false);
  });
});

describe('valueAt', () => {
  const values = { a: { b: { c: 3 }, list: [{ name: 'x' }, { name: 'y' }], nil: null }, 'dotted.key': 1 };

  test('GIVEN a dotted path WHEN read THEN each step is a map key, and a list step an index', () => {
    expect(valueAt(values, 'a.b.c')).toBe(3);
    expect(valueAt(values, 'a.b')).toEqual({ c: 3 });
    expect(valueAt(values, 'a.list.1.name')).toBe('y');
    expect(valueAt(values, 'a.nil')).toBeNull();
  });

  test('GIVEN segments WHEN read THEN keys holding dots and numeric indexes work', () => {
    expect(valueAt(values, ['dotted.key'])).toBe(1);
    expect(valueAt(values, ['a', 'list', 0, 'name'])).toBe('x');
    expect(valueAt(values, [])).toBe(values);
  });

  test('GIVEN a missing step WHEN read THEN undefined, never an inherited property or a list\'s length', () => {
    expect(valueAt(values, 'a.x.c')).toBeUndefined();
    expect(valueAt(values, 'a.b.c.d')).toBeUndefined();
    expect(valueAt(values, 'a.nil.x')).toBeUndefined();
    expect(valueAt(values, 'a.list.2')).toBeUndefined();
    expect(valueAt(values, 'a.list.length')).toBeUndefined();
    expect(valueAt(values, 'a.list.-1')).toBeUndefined();
    expect(valueAt(values, 'constructor')).toBeUndefined();
    expect(valueAt(undefined, 'a')).toBeUndefined();
  });
});

describe('API versions and identity', () => {
  test('GIVEN core and group apiVersions WHEN split THEN the core group is ""', () => {
    expect(splitApiVersion('v1')).toEqual({ group: '', version: 'v1' });
    expect(splitApiVersion('apps/v1')).toEqual({ group: 'apps', version: 'v1' });
    expect(splitApiVersion('gateway.networking.k8s.io/v1')).toEqual({ group: 'gateway.networking.k8s.io', version: 'v1' });
    expect(apiGroup('batch/v1')).toBe('batch');
    expect(apiGroup(undefined)).toBe('');
  });

  test('GIVEN apiVersions that are not plain WHEN their group is read THEN as splitApiVersion of their string', () => {
    expect(apiGroup('v1')).toBe('');
    expect(apiGroup(null)).toBe('');
    expect(apiGroup(2)).toBe('');
    expect(apiGroup('a/b/v1')).toBe('a/b');
    expect(apiGroup('/v1')).toBe('');
    expect(apiGroup('apps/')).toBe('apps');
  });

  test('GIVEN objects WHEN matched by group and kind THEN the group counts, not only the kind', () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment' };
    expect(isKind(deployment, 'apps', 'StatefulSet', 'Deployment')).toBe(true);
    expect(isKind(deployment, '', 'Deployment')).toBe(false);
    expect(isKind({ apiVersion: 'v1', kind: 'Pod' }, '', 'Pod')).toBe(true);
    expect(isKind(undefined, '', 'Pod')).toBe(false);
  });

  test('GIVEN a namespaced and a cluster-scoped object WHEN described and identified THEN the identity ignores the version', () => {
    const pdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'shop' } };
    expect(describeObject(pdb)).toBe('policy/v1 PodDisruptionBudget shop/web');
    expect(identity(pdb)).toBe('policy/PodDisruptionBudget/shop/web');
    expect(identity({ ...pdb, apiVersion: 'policy/v1beta1' })).toBe(identity(pdb));
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
    expect(describeObject(ns)).toBe('v1 Namespace shop');
    expect(identity(ns)).toBe('/Namespace//shop');
  });
});

describe('stringMapAt', () => {
  test('GIVEN a map of strings and other values WHEN read THEN its string fields only, in their order', () => {
    const m = stringMapAt({ a: { z: '1', n: 2, y: 'x', o: { p: 'q' }, l: ['s'], u: null, x: '' } }, 'a');
    expect(m).toEqual({ z: '1', y: 'x', x: '' });
    expect(Object.keys(m!)).toEqual(['z', 'y', 'x']);
  });

  test('GIVEN no map at the path WHEN read THEN undefined', () => {
    expect(stringMapAt({ a: ['x'] }, 'a')).toBeUndefined();
    expect(stringMapAt({ a: 'x' }, 'a')).toBeUndefined();
    expect(stringMapAt({}, 'a')).toBeUndefined();
  });

  test('GIVEN a field named __proto__ (JSON.parse makes it an own field) WHEN read THEN it is an own field, not the prototype', () => {
    const m = stringMapAt(JSON.parse('{"a": {"__proto__": "x", "b": "y"}}'), 'a')!;
    expect(Object.getPrototypeOf(m)).toBe(Object.prototype);
    expect(Object.keys(m)).toEqual(['__proto__', 'b']);
    expect(JSON.stringify(m)).toBe('{"__proto__":"x","b":"y"}');
  });
});
