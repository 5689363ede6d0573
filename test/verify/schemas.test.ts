import { createHash } from 'crypto';
import { closeObjects, expandIntOrString, SchemaRegistry } from '../../lib/verify/schemas';

describe('schema registry', () => {
  const registry = new SchemaRegistry();

  test('GIVEN a nested object schema WHEN closed THEN every level with properties rejects unknown fields, open maps stay open', () => {
    const schema: Record<string, any> = { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'string' } } }, m: { type: 'object', additionalProperties: { type: 'string' } }, p: { type: 'object', properties: {}, 'x-kubernetes-preserve-unknown-fields': true } } }; // eslint-disable-line @typescript-eslint/no-explicit-any
    closeObjects(schema);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.a.additionalProperties).toBe(false);
    expect(schema.properties.m.additionalProperties).toEqual({ type: 'string' });
    expect(schema.properties.p.additionalProperties).toBeUndefined();
  });

  test('GIVEN int-or-string and quantity fields WHEN validated THEN numbers and strings are both accepted', () => {
    const svc = (targetPort: unknown) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { ports: [{ port: 80, targetPort }] } });
    expect(registry.validate(svc(8080))).toEqual([]);
    expect(registry.validate(svc('http'))).toEqual([]);
    expect(registry.validate(svc(true))).not.toEqual([]);
    const quota = (cpu: unknown) => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'default' }, spec: { hard: { cpu } } });
    expect(registry.validate(quota(2))).toEqual([]);
    expect(registry.validate(quota('500m'))).toEqual([]);
  });

  test('GIVEN a wrangler-generated int-or-string without a type WHEN expanded THEN it is an integer or a string, or null when nullable', () => {
    const schema: Record<string, any> = { properties: { t: { nullable: true, 'x-kubernetes-int-or-string': true }, u: { 'x-kubernetes-int-or-string': true }, v: { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true } } }; // eslint-disable-line @typescript-eslint/no-explicit-any
    expandIntOrString(schema);
    expect(schema.properties.t).toEqual({ anyOf: [{ type: 'integer' }, { type: 'string' }, { type: 'null' }], 'x-kubernetes-int-or-string': true });
    expect(schema.properties.u).toEqual({ anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true });
    expect(schema.properties.v).toEqual({ anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true });
  });

  test('GIVEN an upgrade Plan (a CRD schema listing only spec and status) WHEN validated THEN type meta is accepted, drain.timeout takes a duration or nanoseconds, and unknown fields are still rejected', () => {
    const plan = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ apiVersion: 'upgrade.cattle.io/v1', kind: 'Plan', metadata: { name: 'p', namespace: 'system-upgrade' }, spec: { upgrade: { image: 'rancher/k3s-upgrade' }, ...spec }, ...extra });
    expect(registry.validate(plan({ drain: { timeout: '10m' } }))).toEqual([]);
    expect(registry.validate(plan({ drain: { timeout: 600000000000 } }))).toEqual([]);
    expect(registry.validate(plan({ drain: { timeout: true } }))).not.toEqual([]);
    expect(registry.validate(plan({ cordn: true }))).toEqual([{ field: 'spec', message: 'unknown field "cordn"' }]);
    expect(registry.validate(plan({}, { extra: 1 }))).toEqual([{ field: '', message: 'unknown field "extra"' }]);
    expect(registry.validate(plan({}, { metadata: { name: 'p', namespace: 'system-upgrade', labelz: {} } }))).toEqual([{ field: 'metadata', message: 'unknown field "labelz"' }]);
  });

  test('GIVEN missing required fields WHEN validated THEN they are named', () => {
    expect(registry.validate({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' }, spec: { template: {} } }))
      .toContainEqual({ field: 'spec', message: 'missing required field "selector"' });
  });

  test('GIVEN a core and a custom kind WHEN asked THEN only the core one is core', () => {
    expect(registry.isCoreKind('apps/v1', 'Deployment')).toBe(true);
    expect(registry.isCoreKind('metallb.io/v1beta1', 'IPAddressPool')).toBe(false);
  });

  test('GIVEN a CRD registered with its hash, then a changed one, then the first again WHEN its objects are validated THEN they are held to the one registered last', () => {
    const reg = new SchemaRegistry();
    const crd = (field: string) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.test' },
      spec: { group: 'example.test', names: { kind: 'Widget' }, versions: [{ name: 'v1', schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { [field]: { type: 'string' } } } } } } }] } });
    const widget = { apiVersion: 'example.test/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: { size: 'big' } };
    expect(reg.addCrd(crd('size'), 'hash-a')).toBe(1);
    expect(reg.validate(widget)).toEqual([]);
    expect(reg.addCrd(crd('colour'), 'hash-b')).toBe(1);
    expect(reg.validate(widget)).toEqual([{ field: 'spec', message: 'unknown field "size"' }]);
    expect(reg.addCrd(crd('size'), 'hash-a')).toBe(1);
    expect(reg.validate(widget)).toEqual([]);
    // Met again while still registered: nothing to do.
    expect(reg.addCrd(crd('size'), 'hash-a')).toBe(0);
  });

  test('GIVEN CRDs of every malformed shape (spec, names, versions, a version or its schema not what the API takes) WHEN registered THEN none throws and only well-formed versions register (verify/schemas reports the CRD itself)', () => {
    const reg = new SchemaRegistry();
    const schema = { openAPIV3Schema: { type: 'object' } };
    const base = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.test' } };
    const specs: unknown[] = [true, null, 'x', [], { group: 'example.test', names: { kind: 'Widget' }, versions: true },
      { group: 'example.test', names: { kind: 'Widget' }, versions: 'v1' }, { group: 'example.test', names: { kind: 'Widget' }, versions: { name: 'v1', schema } },
      { group: 'example.test', names: { kind: 'Widget' }, versions: [null, 7, 'v1', [], { name: 3, schema }, { name: 'v1', schema: true }, { name: 'v1', schema: { openAPIV3Schema: 'object' } }] },
      { group: 7, names: { kind: 'Widget' }, versions: [{ name: 'v1', schema }] }, { group: 'example.test', names: 'Widget', versions: [{ name: 'v1', schema }] },
      { group: 'example.test', names: { kind: ['Widget'] }, versions: [{ name: 'v1', schema }] }];
    specs.forEach((spec, i) => expect([i, reg.addCrd({ ...base, spec } as never, `hash-${i}`)]).toEqual([i, 0]));
    expect(reg.addCrd({ ...base, spec: { group: 'example.test', names: { kind: 'Widget' }, versions: [true, { name: 'v1', schema }] } }, 'hash-ok')).toBe(1);
  });

  test('GIVEN a rendered CRD whose schema is no schema (required, properties, items or type of the wrong shape) WHEN its objects are validated THEN none throws: an object is either held to what can be read of it or told its CRD\'s schema cannot be used', () => {
    const widget = { apiVersion: 'example.test/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: { size: 'big', parts: ['a'] } };
    const broken: unknown[] = [{ required: { '': null } }, { required: 'size' }, { properties: 'x' }, { properties: { size: 7 } }, { properties: { parts: { type: 'array', items: 'x' } } }, { type: 7 }, { properties: { size: { enum: 'big' } } }, { properties: { size: { pattern: '(' } } }, { allOf: {} }];
    broken.forEach((spec, i) => {
      const reg = new SchemaRegistry();
      reg.addCrd({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.test' },
        spec: { group: 'example.test', names: { kind: 'Widget' }, versions: [{ name: 'v1', schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', ...(spec as object) } } } } }] } }, `broken-${i}`);
      let problems: unknown;
      expect(() => { problems = reg.validate(widget); }).not.toThrow();
      expect(Array.isArray(problems)).toBe(true);
    });
    const reg = new SchemaRegistry();
    reg.addCrd({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.test' },
      spec: { group: 'example.test', names: { kind: 'Widget' }, versions: [{ name: 'v1', schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', required: { '': null } } } } } }] } }, 'broken');
    expect(reg.validate(widget)).toEqual([{ field: '', message: expect.stringMatching(/^the schema of example\.test\/v1 Widget in the CustomResourceDefinition the tree renders for it cannot be used to validate it \(.+\): fix that schema \(its spec\.versions\[\]\.schema\.openAPIV3Schema\)$/) }]);
  });

  describe('the identity of a rendered CRD\'s schema', () => {
    const crd = (field: string) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'gadgets.example.test' },
      spec: { group: 'example.test', names: { kind: 'Gadget' }, versions: ['v1', 'v2'].map((name) => ({ name, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', nullable: true, properties: { [field]: { type: 'string' } } } } } } })) } });
    const gadget = (version: string) => ({ apiVersion: `example.test/${version}`, kind: 'Gadget', metadata: { name: 'g', namespace: 'default' }, spec: { size: 'big' } });

    test('GIVEN the same CRD in two registries (two processes), one given its hash and one not WHEN its objects\' schema is named THEN both name it alike', () => {
      const a = new SchemaRegistry();
      const b = new SchemaRegistry();
      const digest = createHash('sha256').update(JSON.stringify(crd('size'))).digest('hex');
      a.addCrd(crd('size'), digest);
      b.addCrd(crd('size'));
      expect(a.schemaIdentity(gadget('v1'))).toBe(b.schemaIdentity(gadget('v1')));
      expect(a.schemaIdentity(gadget('v1'))).toContain(digest);
    });

    test('GIVEN a CRD with two versions WHEN each version\'s schema is named THEN the names differ', () => {
      const reg = new SchemaRegistry();
      reg.addCrd(crd('size'));
      expect(reg.schemaIdentity(gadget('v1'))).not.toBe(reg.schemaIdentity(gadget('v2')));
    });

    test('GIVEN a CRD replaced by a changed one WHEN its objects\' schema is named THEN the name changes, and the objects are held to the new one', () => {
      const reg = new SchemaRegistry();
      reg.addCrd(crd('size'));
      const before = reg.schemaIdentity(gadget('v1'));
      expect(reg.validate(gadget('v1'))).toEqual([]);
      reg.addCrd(crd('colour'));
      expect(reg.schemaIdentity(gadget('v1'))).not.toBe(before);
      expect(reg.validate(gadget('v1'))).toEqual([{ field: 'spec', message: 'unknown field "size"' }]);
    });

    test('GIVEN a registered CRD WHEN its objects are validated THEN the CRD itself is left as it was (the registry prepares a copy)', () => {
      const reg = new SchemaRegistry();
      const theCrd = crd('size');
      const text = JSON.stringify(theCrd);
      reg.addCrd(theCrd);
      expect(reg.validate({ ...gadget('v1'), spec: null })).toEqual([]);
      expect(reg.validate({ ...gadget('v2'), extra: 1 })).toEqual([{ field: '', message: 'unknown field "extra"' }]);
      expect(JSON.stringify(theCrd)).toBe(text);
    });
  });
});
