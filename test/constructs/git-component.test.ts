import { App, Chart } from 'cdk8s';
import { GitComponent } from '../../lib/constructs/git-component';
import { ANNOTATIONS } from '../../lib/gitops/argocd';
import { Layer } from '../../lib/layer';
import { SchemaRegistry } from '../../lib/verify/schemas';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SOURCE = { kind: 'git', repo: 'https://github.com/example/thing', path: 'deploy', version: 'v1.2.3' } as const;

function demoLayer(): Layer {
  return new Layer(new App(), { name: 'demo', description: 'd', namespace: 'demo' });
}

describe('GitComponent', () => {
  test('GIVEN a pinned folder of a repository WHEN rendered THEN it is an Argo CD Application named <name>-git with that repo, path and tag and no kustomize block', () => {
    const layer = demoLayer();
    new GitComponent(layer, 'thing', { name: 'thing', source: SOURCE, namespace: 'things' });
    const [app] = layer.toJson() as Obj[];
    expect(app).toMatchObject({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'thing-git', namespace: 'argocd' },
      spec: {
        project: 'platform',
        source: { repoURL: 'https://github.com/example/thing', path: 'deploy', targetRevision: 'v1.2.3' },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'things' },
      },
    });
    expect(app.spec.source.kustomize).toBeUndefined();
    expect(app.spec.syncPolicy.syncOptions).toEqual(['CreateNamespace=true', 'PruneLast=true']);
    expect(app.metadata.annotations ?? {}).toEqual({});
    expect(layer.providedApis).toEqual([]);
  });

  test('GIVEN image overrides, a patch and provided APIs WHEN rendered THEN kustomize carries them, sync is server-side and the layer records the provider', () => {
    const layer = demoLayer();
    const c = new GitComponent(layer, 'thing', {
      name: 'thing',
      source: SOURCE,
      namespace: 'things',
      images: ['example/thing:v1.2.3'],
      patches: [{ target: { kind: 'Namespace', name: 'things' }, patch: '$patch: delete\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: things\n' }],
      providesApis: [{ group: 'example.io' }],
    });
    const [app] = layer.toJson() as Obj[];
    expect(app.spec.source.kustomize).toEqual({
      images: ['example/thing:v1.2.3'],
      patches: [{ target: { kind: 'Namespace', name: 'things' }, patch: '$patch: delete\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: things\n' }],
    });
    expect(app.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    expect(app.metadata.annotations[ANNOTATIONS.providesApis]).toBe('example.io/*');
    expect(layer.providerOf('example.io', 'Anything')?.object).toBe(c.application);
    expect(new SchemaRegistry().validate(app)).toEqual([]);
  });

  test('GIVEN a scope outside any layer WHEN a component is created THEN it fails saying where to put it', () => {
    const chart = new Chart(new App(), 'plain');
    expect(() => new GitComponent(chart, 'thing', { name: 'thing', source: SOURCE, namespace: 'x' })).toThrow('plain/thing is not inside a Layer; create platform constructs inside a layer chart');
  });

  test('GIVEN a name that is not a DNS label WHEN created THEN it fails naming the Application it would produce', () => {
    expect(() => new GitComponent(demoLayer(), 'bad', { name: 'Bad_Name', source: SOURCE, namespace: 'x' }))
      .toThrow('demo/bad: component name "Bad_Name" must be a DNS label of at most 59 characters (it names the Application "Bad_Name-git")');
  });
});
