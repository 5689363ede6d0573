import { App, Chart } from 'cdk8s';
import { HelmComponent } from '../../lib/constructs/helm-component';
import { ANNOTATIONS } from '../../lib/gitops/argocd';
import { Layer } from '../../lib/layer';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CHART = { kind: 'chart', repo: 'https://charts.example.com', chart: 'thing', version: '1.2.3' } as const;

describe('HelmComponent', () => {
  test('GIVEN typed values WHEN rendered THEN it is an Argo CD Application with a pinned chart source and the values as valuesObject', () => {
    const layer = new Layer(new App(), { name: 'demo', description: 'd', namespace: 'demo' });
    new HelmComponent(layer, 'thing', { name: 'thing', chart: CHART, namespace: 'things', values: { replicas: 3, nested: { on: true } } });
    const [app] = layer.toJson() as Obj[];
    expect(app).toMatchObject({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'thing-chart', namespace: 'argocd' },
      spec: {
        project: 'platform',
        source: { repoURL: 'https://charts.example.com', chart: 'thing', targetRevision: '1.2.3', helm: { releaseName: 'thing', valuesObject: { replicas: 3, nested: { on: true } } } },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'things' },
      },
    });
    // Without CRDs: client-side apply, no provides annotation.
    expect(app.spec.syncPolicy.syncOptions).not.toContain('ServerSideApply=true');
    expect(app.metadata.annotations ?? {}).toEqual({});
    expect(layer.providedApis).toEqual([]);
  });

  test('GIVEN a chart that installs CRDs WHEN rendered THEN it uses server-side apply and the layer records the APIs', () => {
    const layer = new Layer(new App(), { name: 'demo', description: 'd', namespace: 'demo' });
    const c = new HelmComponent(layer, 'thing', { name: 'thing', chart: CHART, namespace: 'things', values: {}, providesApis: [{ group: 'example.io', kind: 'Widget' }] });
    const [app] = layer.toJson() as Obj[];
    expect(app.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    expect(app.metadata.annotations[ANNOTATIONS.providesApis]).toBe('example.io/Widget');
    expect(layer.providerOf('example.io', 'Widget')?.object).toBe(c.application);
    expect(layer.providerOf('example.io', 'Gadget')).toBeUndefined();
  });

  test('GIVEN a scope outside any layer WHEN a component is created THEN it fails saying where to put it', () => {
    const chart = new Chart(new App(), 'plain');
    expect(() => new HelmComponent(chart, 'thing', { name: 'thing', chart: CHART, namespace: 'x', values: {} })).toThrow('plain/thing is not inside a Layer');
  });

  test('GIVEN a layer name that is not a DNS label WHEN created THEN it fails', () => {
    expect(() => new Layer(new App(), { name: 'Bad_Name', description: 'd', namespace: 'x' })).toThrow('layer name "Bad_Name" must be a DNS label');
  });

  test('GIVEN the volumes a chart creates WHEN rendered THEN the Application declares them for the backup-coverage rule', () => {
    const layer = new Layer(new App(), { name: 'demo', description: 'd', namespace: 'demo' });
    new HelmComponent(layer, 'thing', {
      name: 'thing', chart: CHART, namespace: 'things', values: {},
      volumes: [{ name: 'data-thing-*', namespace: 'things', size: '5Gi', storageClass: 'longhorn' }, { name: 'cache', namespace: 'things', size: '1Gi', backupOptOut: 'cache, rebuilt on start' }],
    });
    const [app] = layer.toJson() as Obj[];
    expect(JSON.parse(app.metadata.annotations['platform.tsys/volumes'])).toEqual([
      { name: 'data-thing-*', namespace: 'things', size: '5Gi', storageClass: 'longhorn' },
      { backupOptOut: 'cache, rebuilt on start', name: 'cache', namespace: 'things', size: '1Gi' },
    ]);
  });

  test('GIVEN a declared volume opted out of backups without a reason WHEN built THEN it throws and asks for one', () => {
    const layer = new Layer(new App(), { name: 'demo', description: 'd', namespace: 'demo' });
    expect(() => new HelmComponent(layer, 'thing', { name: 'thing', chart: CHART, namespace: 'things', values: {}, volumes: [{ name: 'cache', namespace: 'things', size: '1Gi', backupOptOut: '' }] }))
      .toThrow('demo/thing: volume things/cache: backupOptOut needs a reason');
  });
});
