/** The Kubernetes definitions are dereferenced only when an object is validated (a synth whose every check is cached validates none). */

/** A SchemaRegistry module afresh whose `dereference` counts the documents it is given. */
function countingRegistry(): { registry: import('../../lib/verify/schemas').SchemaRegistry; dereferenced: () => number } {
  let calls = 0;
  let made: import('../../lib/verify/schemas').SchemaRegistry | undefined;
  jest.isolateModules(() => {
    jest.doMock('@cfworker/json-schema', () => {
      const actual = jest.requireActual('@cfworker/json-schema') as typeof import('@cfworker/json-schema');
      return { ...actual, dereference: (...args: Parameters<typeof actual.dereference>) => (calls++, actual.dereference(...args)) };
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SchemaRegistry } = require('../../lib/verify/schemas') as typeof import('../../lib/verify/schemas');
    made = new SchemaRegistry();
  });
  return { registry: made!, dereferenced: () => calls };
}

const service = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec });

describe('SchemaRegistry: the Kubernetes definitions dereferenced on first use', () => {
  test('GIVEN a new registry WHEN only kinds and schema identities are asked THEN nothing is dereferenced', () => {
    const { registry, dereferenced } = countingRegistry();
    expect(registry.isCoreKind('v1', 'Service')).toBe(true);
    expect(registry.schemaIdentity(service({}))).toMatch(/^core [0-9a-f]{64}$/);
    expect(dereferenced()).toBe(0);
  });

  test('GIVEN a new registry WHEN objects are validated THEN the definitions are dereferenced once, and the problems are the same as before', () => {
    const { registry, dereferenced } = countingRegistry();
    expect(registry.validate(service({ ports: [{ port: 80 }] }))).toEqual([]);
    expect(registry.validate(service({ portz: [] }))).toEqual([{ field: 'spec', message: 'unknown field "portz"' }]);
    expect(dereferenced()).toBe(1);
  });
});

/** A CustomResourceDefinition of one version whose schema refers to nothing (as a CRD's openAPIV3Schema does). */
const crd = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.test' },
  spec: { group: 'example.test', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' }, name: { type: 'string', pattern: '^[a-z]+$' } } } } } } }] },
};
const widget = (spec: Record<string, unknown>) => ({ apiVersion: 'example.test/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec });

describe('SchemaRegistry: a CRD schema that refers to nothing dereferenced only for validate', () => {
  test('GIVEN a registered CRD WHEN a valid object of it is validated THEN only the Kubernetes definitions (its metadata) are dereferenced, and a broken one then dereferences the CRD\'s schema once for validate\'s messages', () => {
    const { registry, dereferenced } = countingRegistry();
    registry.addCrd(crd);
    expect(registry.validate(widget({ size: 2, name: 'abc' }))).toEqual([]);
    expect(registry.validate(widget({ size: 3 }))).toEqual([]);
    expect(dereferenced()).toBe(1);
    expect(registry.validate(widget({ size: 'two', name: 'ABC', colour: 'red' }))).toEqual([
      { field: 'spec.name', message: 'String does not match pattern.' },
      { field: 'spec', message: 'unknown field "colour"' },
      { field: 'spec.size', message: 'must be integer' },
    ]);
    expect(registry.validate(widget({ size: 'three' }))).toEqual([{ field: 'spec.size', message: 'must be integer' }]);
    expect(dereferenced()).toBe(2);
  });
});
