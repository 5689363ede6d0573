import { buildHaModel, HaObject, Workload } from '../../lib/ha/model';
import { ObjectFacts, PlatformFacts } from '../../lib/facts/facts';

/*
 * The model's look-ups of what a workload's object does not hold itself: its declared facts (found
 * by the object's name before its identity is made) and the PodDisruptionBudgets of its namespace
 * (indexed by namespace and first matchLabel). Each case is one way a look-up could answer wrong.
 */

type Obj = Record<string, unknown>;

function deployment(namespace: string | undefined, name: unknown, labels: Record<string, string> = { app: 'web' }, replicas = 2): HaObject {
  return {
    file: `dist/x/${String(name)}.yaml`,
    obj: {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { ...(namespace !== undefined ? { namespace } : {}), name },
      spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } },
    } as Obj,
  } as HaObject;
}

function pdb(namespace: string, name: string, matchLabels: Obj, minAvailable = 1): HaObject {
  return { file: `dist/x/${name}-pdb.yaml`, obj: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { namespace, name }, spec: { minAvailable, selector: { matchLabels } } } as Obj } as HaObject;
}

function model(objects: HaObject[], facts: PlatformFacts = new Map()): readonly Workload[] {
  return buildHaModel({ objects, hostFiles: new Map(), facts }).workloads;
}

const singleton = (reason: string): ObjectFacts => ({ ha: { singleton: reason } }) as ObjectFacts;

describe('HA model: a workload\'s declared facts', () => {
  test('GIVEN facts for one Deployment among many WHEN modelled THEN only that one has them', () => {
    const facts: PlatformFacts = new Map([['apps/Deployment/a/web', singleton('one writer')]]);
    const [web, other] = model([deployment('a', 'web'), deployment('a', 'api')], facts);
    expect(web.singleton).toBe('one writer');
    expect(other.singleton).toBeUndefined();
  });

  test('GIVEN facts for a name in another namespace WHEN modelled THEN the same name here has none', () => {
    const facts: PlatformFacts = new Map([['apps/Deployment/b/web', singleton('one writer')]]);
    expect(model([deployment('a', 'web')], facts)[0].singleton).toBeUndefined();
  });

  test('GIVEN a name with a slash (an identity\'s tail of more than one segment) WHEN modelled THEN its facts are found', () => {
    const facts: PlatformFacts = new Map([['apps/Deployment/a/web/x', singleton('slashed')]]);
    expect(model([deployment('a', 'web/x')], facts)[0].singleton).toBe('slashed');
  });

  test('GIVEN a name that is not a string, and no namespace WHEN modelled THEN its facts are found as factsOf finds them', () => {
    const facts: PlatformFacts = new Map([['apps/Deployment//7', singleton('numbered')]]);
    expect(model([deployment(undefined, 7)], facts)[0].singleton).toBe('numbered');
  });

  test('GIVEN no facts at all WHEN modelled THEN no workload has any', () => {
    expect(model([deployment('a', 'web')])[0].singleton).toBeUndefined();
  });
});

describe('HA model: the PodDisruptionBudget that protects a workload', () => {
  test('GIVEN budgets on a label of the pods, in their namespace and in another WHEN modelled THEN only the own namespace\'s counts', () => {
    const [w] = model([deployment('a', 'web'), pdb('b', 'other', { app: 'web' }, 2), pdb('a', 'own', { app: 'web' }, 1)]);
    expect(w.pdbMin).toBe(1);
    expect(w.pdbNote).toBe('PodDisruptionBudget a/own');
  });

  test('GIVEN a budget whose first matchLabel is one of the pods\' later labels WHEN modelled THEN it is found', () => {
    const [w] = model([deployment('a', 'web', { app: 'web', tier: 'front' }), pdb('a', 'front', { tier: 'front' })]);
    expect(w.pdbNote).toBe('PodDisruptionBudget a/front');
  });

  test('GIVEN a budget whose selector also needs a label the pods lack WHEN modelled THEN it does not protect them', () => {
    const [w] = model([deployment('a', 'web'), pdb('a', 'narrow', { app: 'web', tier: 'back' })]);
    expect(w.pdbMin).toBeUndefined();
  });

  test('GIVEN a budget without matchLabels (selects every pod) WHEN modelled THEN it protects the namespace\'s pods', () => {
    const everyPod = { file: 'dist/x/all.yaml', obj: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { namespace: 'a', name: 'all' }, spec: { minAvailable: 1, selector: {} } } as Obj } as HaObject;
    expect(model([deployment('a', 'web'), everyPod])[0].pdbNote).toBe('PodDisruptionBudget a/all');
  });

  test('GIVEN two budgets that select the pods WHEN modelled THEN the larger minimum counts', () => {
    const [w] = model([deployment('a', 'web', { app: 'web' }, 3), pdb('a', 'one', { app: 'web' }, 1), pdb('a', 'two', { app: 'web' }, 2)]);
    expect(w.pdbMin).toBe(2);
    expect(w.pdbNote).toBe('PodDisruptionBudget a/two');
  });

  test('GIVEN a budget in a namespace with no workload WHEN modelled THEN the workload has none', () => {
    expect(model([deployment('a', 'web'), pdb('b', 'elsewhere', { app: 'web' })])[0].pdbNote).toBe('no PodDisruptionBudget selects its pods in namespace "a"');
  });
});

describe('HA model: which objects are workloads', () => {
  test('GIVEN a Deployment of another API group, and kinds named like Object\'s own fields WHEN modelled THEN none is a workload', () => {
    const other = deployment('a', 'web');
    const kinds = ['toString', 'constructor', '__proto__', 'hasOwnProperty'].map((kind, i) => ({ file: `dist/x/k${i}.yaml`, obj: { ...other.obj, kind, metadata: { namespace: 'a', name: `k${i}` } } as Obj }) as HaObject);
    const wrongGroup = { file: 'dist/x/g.yaml', obj: { ...other.obj, apiVersion: 'example.com/v1' } as Obj } as HaObject;
    expect(model([wrongGroup, ...kinds])).toEqual([]);
  });

  test('GIVEN a Deployment (apps) and a Rollout (argoproj.io) WHEN modelled THEN both are workloads, in their order', () => {
    const rollout = { file: 'dist/x/r.yaml', obj: { ...deployment('a', 'r').obj, apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout' } as Obj } as HaObject;
    expect(model([rollout, deployment('a', 'web')]).map((w) => w.label)).toEqual(['a/r (Rollout)', 'a/web (Deployment)']);
  });
});
