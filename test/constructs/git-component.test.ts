import { GitComponent } from '../../lib/constructs/git-component';
import { DEMO_MANIFESTS, Obj, renderDemo, vendoredRoot } from './upstream-fixtures';

jest.setTimeout(60_000);

const find = (objects: Obj[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('GitComponent', () => {
  const root = vendoredRoot();

  test('GIVEN vendored manifests WHEN the platform is built THEN kustomize renders them into plain objects of the layer, in the component namespace', () => {
    const { objects } = renderDemo(root, (layer) => new GitComponent(layer, 'demo', { name: 'demo', upstream: 'demo', source: DEMO_MANIFESTS, namespace: 'demo-system' }));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['Deployment/demo-controller', 'Namespace/demo-system']);
    expect(find(objects, 'Deployment', 'demo-controller')!.metadata.namespace).toBe('demo-system');
    expect(find(objects, 'Namespace', 'demo-system')!.metadata.namespace).toBeUndefined();
  });

  test('GIVEN images and patches WHEN rendered THEN kustomize applies them (an image pinned anew, an object the layer owns deleted)', () => {
    const { objects } = renderDemo(root, (layer) => new GitComponent(layer, 'demo', {
      name: 'demo', upstream: 'demo', source: DEMO_MANIFESTS, namespace: 'demo-system',
      images: ['registry.example.com/demo-controller:v0.2.0'],
      patches: [{ target: { version: 'v1', kind: 'Namespace', name: 'demo-system' }, patch: '$patch: delete\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo-system\n' }],
    }));
    expect(find(objects, 'Deployment', 'demo-controller')!.spec.template.spec.containers[0].image).toBe('registry.example.com/demo-controller:v0.2.0');
    expect(find(objects, 'Namespace', 'demo-system')).toBeUndefined();
  });

  test('GIVEN a singleton declared with its reason WHEN rendered THEN the rendered Deployment carries it', () => {
    const { objects } = renderDemo(root, (layer) => new GitComponent(layer, 'demo', {
      name: 'demo', upstream: 'demo', source: DEMO_MANIFESTS, namespace: 'demo-system', ha: [{ kind: 'Deployment', name: 'demo-controller', singleton: 'leader-elected; one is enough' }],
    }));
    expect(find(objects, 'Deployment', 'demo-controller')!.metadata.annotations['platform.tsys/singleton']).toBe('leader-elected; one is enough');
  });

  test('GIVEN a manifest set that is not vendored WHEN built THEN synth says which command vendors it', () => {
    expect(() => renderDemo(root, (layer) => new GitComponent(layer, 'demo', { name: 'demo', upstream: 'other', source: DEMO_MANIFESTS, namespace: 'demo-system' })))
      .toThrow('manifests other v0.1.0 are not vendored (vendor/lock.yaml has no manifests.other); run npm run vendor -- other v0.1.0');
  });

  test('GIVEN a component name that is no DNS label WHEN constructed THEN it is refused', () => {
    expect(() => renderDemo(root, (layer) => new GitComponent(layer, 'demo', { name: 'Demo_1', upstream: 'demo', source: DEMO_MANIFESTS, namespace: 'demo-system' }))).toThrow('must be a DNS label');
  });
});
