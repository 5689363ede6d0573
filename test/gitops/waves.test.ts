import { ApiObject, App, Chart } from 'cdk8s';
import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import type { LayerFactory } from '../../lib/context';
import { HelmComponent } from '../../lib/constructs/helm-component';
import { ANNOTATIONS } from '../../lib/gitops/argocd';
import { deriveWaves, wireApiProviders } from '../../lib/gitops/waves';
import { PlatformError } from '../../lib/platform-error';
import { ApiRef, Layer } from '../../lib/layer';
import { buildPlatform } from '../../lib/platform';
import { shippedSite } from '../helpers';
import { setPlatformContext } from '../../lib/context';
import { hookOrders, hookWeight, UpstreamObjects } from '../../lib/constructs/upstream-objects';
import { ChartRenderer } from '../../lib/render/chart-renderer';
import { resolveVersions } from '../../lib/versions';
import { DEMO_CHART, vendoredRoot } from '../constructs/upstream-fixtures';

jest.setTimeout(60_000);


interface FakeLayer {
  readonly name: string;
  readonly dependsOn?: string[];
  /** APIs a chart of this layer installs. */
  readonly provides?: ApiRef[];
  /** `group/Kind` of custom resources this layer renders. */
  readonly uses?: string[];
}

function fake(spec: FakeLayer): LayerFactory {
  return (scope: Construct) => {
    const layer = new Layer(scope, { name: spec.name, description: spec.name, namespace: spec.name, dependsOn: spec.dependsOn });
    if (spec.provides) {
      // What a chart's controller does: serve the APIs once it runs.
      const controller = new ApiObject(layer, 'controller', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `${spec.name}-controller`, namespace: spec.name } });
      layer.addProvider(spec.provides, controller);
    }
    (spec.uses ?? []).forEach((api, i) => {
      const [group, kind] = api.split('/');
      new ApiObject(layer, `cr-${i}`, { apiVersion: `${group}/v1`, kind, metadata: { name: `cr-${i}`, namespace: spec.name } });
    });
    return layer;
  };
}

function layersOf(specs: FakeLayer[]): Layer[] {
  const app = new App();
  return specs.map((s) => fake(s)(app, { site: shippedSite(), versions: {} as never, apps: [] }));
}

describe('sync waves derived from layer dependencies', () => {
  test('GIVEN a chain and a diamond WHEN waves are derived THEN each layer syncs one wave after its latest dependency', () => {
    const waves = deriveWaves(layersOf([
      { name: 'storage', dependsOn: ['secrets'] },
      { name: 'secrets' },
      { name: 'lb' },
      { name: 'gateway', dependsOn: ['lb', 'secrets'] },
      { name: 'rancher', dependsOn: ['gateway', 'storage'] },
    ]));
    expect(Object.fromEntries(waves)).toEqual({ secrets: 0, lb: 0, storage: 1, gateway: 1, rancher: 2 });
  });

  test('GIVEN a dependency cycle WHEN waves are derived THEN synth fails naming the cycle', () => {
    expect(() => deriveWaves(layersOf([
      { name: 'a', dependsOn: ['c'] },
      { name: 'b', dependsOn: ['a'] },
      { name: 'c', dependsOn: ['b'] },
    ]))).toThrow(new PlatformError('layer dependency cycle: a -> c -> b -> a; remove one dependsOn entry'));
  });

  test('GIVEN a dependency on a layer that does not exist WHEN waves are derived THEN the error lists the known layers', () => {
    expect(() => deriveWaves(layersOf([{ name: 'a', dependsOn: ['nope'] }, { name: 'b' }])))
      .toThrow('layer "a" depends on unknown layer "nope" (known: a, b)');
  });

  test('GIVEN two layers with one name WHEN waves are derived THEN synth fails', () => {
    const app = new App();
    const one = fake({ name: 'a' })(app, {} as never);
    const other = new App();
    const two = fake({ name: 'a' })(other, {} as never);
    expect(() => deriveWaves([one, two])).toThrow('two layers are named "a"');
  });
});

describe('API providers', () => {
  test('GIVEN a custom resource whose API a controller of the same layer serves THEN it syncs one wave later without dry-run', () => {
    const [layer] = layersOf([{ name: 'lb', provides: [{ group: 'metallb.io' }], uses: ['metallb.io/IPAddressPool'] }]);
    wireApiProviders([layer]);
    const json = layer.toJson() as { kind: string; metadata: { annotations?: Record<string, string> } }[];
    const cr = json.find((o) => o.kind === 'IPAddressPool')!;
    const chart = json.find((o) => o.kind === 'Deployment')!;
    expect(cr.metadata.annotations).toEqual({ [ANNOTATIONS.syncWave]: '1', [ANNOTATIONS.syncOptions]: 'SkipDryRunOnMissingResource=true' });
    expect(chart.metadata.annotations?.[ANNOTATIONS.syncWave]).toBeUndefined();
  });

  test('GIVEN a custom resource that no layer provides WHEN wired THEN synth fails saying what to declare', () => {
    const layers = layersOf([{ name: 'app', uses: ['example.io/Widget'] }]);
    expect(() => wireApiProviders(layers)).toThrow('layer "app" renders example.io/Widget "cr-0", but no layer provides example.io/Widget; declare it in the providesApis of the component that installs its CRD');
  });

  test('GIVEN a custom resource from a layer that is not a dependency WHEN wired THEN synth asks for the dependency', () => {
    const layers = layersOf([{ name: 'crds', provides: [{ group: 'example.io', kind: 'Widget' }] }, { name: 'app', uses: ['example.io/Widget'] }]);
    expect(() => wireApiProviders(layers)).toThrow('layer "app" renders example.io/Widget "cr-0" from layer "crds"; add "crds" to the dependsOn of layer "app"');
  });

  test('GIVEN the provider is a transitive dependency WHEN wired THEN it is accepted', () => {
    const layers = layersOf([
      { name: 'crds', provides: [{ group: 'example.io' }] },
      { name: 'middle', dependsOn: ['crds'] },
      { name: 'app', dependsOn: ['middle'], uses: ['example.io/Widget'] },
    ]);
    expect(() => wireApiProviders(layers)).not.toThrow();
  });

  test('GIVEN a provider kind that does not match WHEN wired THEN the resource is unprovided', () => {
    const layers = layersOf([{ name: 'crds', provides: [{ group: 'example.io', kind: 'Gadget' }] }, { name: 'app', dependsOn: ['crds'], uses: ['example.io/Widget'] }]);
    expect(() => wireApiProviders(layers)).toThrow(/no layer provides example.io\/Widget/);
  });

  test('GIVEN built-in and pre-installed APIs WHEN wired THEN they need no provider', () => {
    const layers = layersOf([{ name: 'app', uses: ['helm.cattle.io/HelmChart', 'argoproj.io/Application'] }]);
    expect(() => wireApiProviders(layers)).not.toThrow();
  });
});

describe('buildPlatform with custom layers', () => {
  test('GIVEN layers with dependencies WHEN built THEN the app of apps carries the derived waves and dependencies', () => {
    const platform = buildPlatform(shippedSite(), [
      fake({ name: 'crds', provides: [{ group: 'example.io' }] }),
      fake({ name: 'app', dependsOn: ['crds'], uses: ['example.io/Widget'] }),
    ]);
    const apps = platform.outputs.find((o) => o.dir === 'dist/apps')!.chart.toJson() as { kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec: { source: { path: string } } }[];
    const app = apps.find((o) => o.metadata.name === 'app')!;
    const crds = apps.find((o) => o.metadata.name === 'crds')!;
    expect(app.metadata.annotations).toEqual({ [ANNOTATIONS.syncWave]: '1', [ANNOTATIONS.dependsOn]: 'crds' });
    expect(crds.metadata.annotations).toEqual({ [ANNOTATIONS.syncWave]: '0', [ANNOTATIONS.providesApis]: 'example.io/*' });
    expect(app.spec.source.path).toBe('dist/app');
  });

  test('GIVEN a layer named like a reserved folder WHEN built THEN synth fails', () => {
    expect(() => buildPlatform(shippedSite(), [fake({ name: 'apps' })])).toThrow('layer name "apps" is reserved');
  });
});

describe('waves inside a layer', () => {
  const root = vendoredRoot();
  const make = () => {
    const app = new App();
    const site = shippedSite();
    setPlatformContext(app, { site, versions: resolveVersions(site.versions), apps: [] });
    const layer = new Layer(app, { name: 'demo', description: 'd', namespace: 'demo' });
    const secret = new ApiObject(layer, 'secret', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'first', namespace: 'demo' } });
    const chart = new HelmComponent(layer, 'chart', { name: 'demo', chart: DEMO_CHART, namespace: 'demo', values: {}, providesApis: [{ group: 'example.io' }] });
    const cr = new ApiObject(layer, 'cr', { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'demo' } });
    UpstreamObjects.materializeAll(app, new ChartRenderer({ root }), []);
    const deployment = chart.objects.find((o) => o.kind === 'Deployment')!;
    return { layer, secret, chart, cr, deployment };
  };
  const wave = (o: ApiObject) => o.metadata.toJson().annotations?.[ANNOTATIONS.syncWave];

  test('GIVEN a chart ordered after a Secret it reads WHEN wired THEN Secret, chart and its custom resources sync in waves 0, 1, 2', () => {
    const { layer, secret, chart, cr, deployment } = make();
    layer.addOrder(chart, secret);
    wireApiProviders([layer]);
    expect([wave(secret), wave(deployment), wave(cr)]).toEqual([undefined, '1', '2']);
    // Every object of the chart syncs in its wave, its own CRD included.
    expect(new Set(chart.objects.map(wave))).toEqual(new Set(['1']));
    expect(cr.metadata.toJson().annotations[ANNOTATIONS.syncOptions]).toBe('SkipDryRunOnMissingResource=true');
    expect(deployment.metadata.toJson().annotations[ANNOTATIONS.syncOptions]).toBeUndefined();
  });

  test('GIVEN orders that form a cycle WHEN wired THEN synth fails naming it', () => {
    const { layer, secret, chart } = make();
    layer.addOrder(chart, secret);
    layer.addOrder(secret, chart);
    expect(() => wireApiProviders([layer])).toThrow('layer "demo": objects ordered in a cycle: ');
  });

  test('GIVEN a wave typed by hand WHEN wired THEN synth refuses it', () => {
    const { layer, secret } = make();
    secret.metadata.addAnnotation(ANNOTATIONS.syncWave, '5');
    expect(() => wireApiProviders([layer])).toThrow('demo/secret: sets argocd.argoproj.io/sync-wave by hand; waves are derived (use Layer.addOrder)');
  });

  test('GIVEN a wave typed by hand in the object\'s props, beside other annotations WHEN wired THEN synth refuses it; other annotations alone are kept', () => {
    const { layer } = make();
    new ApiObject(layer, 'typed', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'typed', namespace: 'demo', annotations: { note: 'x', [ANNOTATIONS.syncWave]: '2' } } });
    expect(() => wireApiProviders([layer])).toThrow('demo/typed: sets argocd.argoproj.io/sync-wave by hand');
    const other = make();
    const noted = new ApiObject(other.layer, 'noted', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'noted', namespace: 'demo', annotations: { note: 'x' } } });
    wireApiProviders([other.layer]);
    expect(noted.metadata.toJson().annotations).toEqual({ note: 'x' });
  });

  test('GIVEN an order with an object of another layer WHEN added THEN it is refused', () => {
    const { layer, secret } = make();
    const other = new Layer(new App(), { name: 'other', description: 'o', namespace: 'o' });
    expect(() => layer.addOrder(secret, other)).toThrow('is not in layer "demo"');
  });
});

/** Hooks of the demo chart with Helm weights, beside its own (demo-migrate: pre-install,pre-upgrade, weight -5): kind, name suffix, helm.sh/hook, helm.sh/hook-weight. */
const WEIGHTED: readonly (readonly [string, string, string, string?])[] = [
  ['ServiceAccount', 'hook', 'pre-install,pre-upgrade', '-5'],
  ['ConfigMap', 'odd', 'pre-install', '1.5'],
  ['ConfigMap', 'both', 'pre-install,post-install', '2'],
  ['ConfigMap', 'after', 'pre-upgrade', '+3'],
  ['ConfigMap', 'post', 'post-install'],
  ['ConfigMap', 'cleanup', 'post-delete', '7'],
];
/** The template of `WEIGHTED`, behind hook.enabled. */
const WEIGHTED_HOOKS = `{{- if .Values.hook.enabled }}\n${WEIGHTED.map(([kind, name, hook, weight]) => [
  'apiVersion: v1', `kind: ${kind}`, 'metadata:', `  name: {{ .Release.Name }}-${name}`, '  annotations:', `    helm.sh/hook: ${hook}`,
  ...(weight !== undefined ? [`    helm.sh/hook-weight: "${weight}"`] : []), '',
].join('\n')).join('---\n')}{{- end }}\n`;

describe('Helm hook weights', () => {
  const root = vendoredRoot(undefined, (r) => fs.writeFileSync(path.join(r, 'vendor/charts/demo-1.0.0/templates/weighted-hooks.yaml'), WEIGHTED_HOOKS));
  const wave = (o: ApiObject | undefined) => o!.metadata.toJson().annotations?.[ANNOTATIONS.syncWave];
  const named = (chart: HelmComponent<object>, name: string) => chart.objects.find((o) => o.name === name);

  test('GIVEN hook-weight texts WHEN read THEN as Helm and Argo CD read them (Go\'s Atoi: a sign and digits), anything else 0', () => {
    expect(['-5', '+3', '007', '0', '12'].map(hookWeight)).toEqual([-5, 3, 7, 0, 12]);
    expect([undefined, '', ' 1', '1.5', '1e3', 'x', '--1', '99999999999999999999', 4].map(hookWeight)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test('GIVEN hooks of several phases and weights WHEN ordered THEN within each phase a hook follows those of the next lower weight only; equal weights are not ordered, PostDelete hooks not at all', () => {
    const orders = hookOrders([
      { object: 'a', phases: ['PreSync'], weight: -1 },
      { object: 'b', phases: ['PreSync'], weight: -1 },
      { object: 'c', phases: ['PreSync', 'PostSync'], weight: 0 },
      { object: 'd', phases: ['PreSync'], weight: 4 },
      { object: 'e', phases: ['PostSync'], weight: 9 },
      { object: 'f', phases: ['PostDelete'], weight: 9 },
      { object: 'g', phases: ['PostDelete'], weight: 1 },
    ]);
    // PostDelete hooks get no order: Argo CD creates them all at once, without waves.
    expect(orders).toEqual([['e', 'c'], ['c', 'a'], ['c', 'b'], ['d', 'c']]);
  });

  test('GIVEN a chart with weighted hooks, ordered after a ConfigMap, and an object ordered after the chart WHEN wired THEN hooks keep their weights\' order as waves within their phase, and neither the ConfigMap nor the hooks move what syncs in another phase', () => {
    const app = new App();
    const site = shippedSite();
    setPlatformContext(app, { site, versions: resolveVersions(site.versions), apps: [] });
    const layer = new Layer(app, { name: 'demo', description: 'd', namespace: 'demo' });
    const first = new ApiObject(layer, 'first', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'first', namespace: 'demo' } });
    const chart = new HelmComponent(layer, 'chart', { name: 'demo', chart: DEMO_CHART, namespace: 'demo', values: { hook: { enabled: true } } });
    const later = new ApiObject(layer, 'later', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later', namespace: 'demo' } });
    layer.addOrder(chart, first);
    layer.addOrder(later, chart);
    UpstreamObjects.materializeAll(app, new ChartRenderer({ root }), []);
    wireApiProviders([layer]);
    // PreSync: -5 (migrate, hook), 0 (odd: "1.5" reads as 0), 2 (both), 3 (after); not after the ConfigMap, which syncs in Sync.
    expect(['demo-migrate', 'demo-hook', 'demo-odd', 'demo-both', 'demo-after'].map((n) => wave(named(chart, n)))).toEqual([undefined, undefined, '1', '2', '3']);
    // PostSync: post (0) before both (2), which keeps its one wave; PostDelete: cleanup alone.
    expect([wave(named(chart, 'demo-post')), wave(named(chart, 'demo-cleanup'))]).toEqual([undefined, undefined]);
    // Sync: the ConfigMap, the chart's other objects, then what follows the chart: one wave after them, not after its hooks.
    expect([wave(first), wave(named(chart, 'demo-server')), wave(later)]).toEqual([undefined, '1', '2']);
    expect(named(chart, 'demo-both')!.metadata.toJson().annotations['argocd.argoproj.io/hook']).toBe('PreSync,PostSync');
    expect(layer.syncPhasesOf(named(chart, 'demo-both')!)).toEqual(['PostSync', 'PreSync']);
    expect(layer.syncPhasesOf(first)).toEqual(['Sync']);
  });

  test('GIVEN a chart with weighted hooks outside any layer WHEN rendered THEN each hook carries its weight as its sync wave, as Argo CD would have read it (a PostDelete hook none: Argo CD runs those together)', () => {
    const app = new App();
    const site = shippedSite();
    setPlatformContext(app, { site, versions: resolveVersions(site.versions), apps: [] });
    const chart = new HelmComponent(new Chart(app, 'plain'), 'chart', { name: 'demo', chart: DEMO_CHART, namespace: 'demo', values: { hook: { enabled: true } } });
    UpstreamObjects.materializeAll(app, new ChartRenderer({ root }), []);
    expect(['demo-migrate', 'demo-hook', 'demo-odd', 'demo-both', 'demo-after', 'demo-post', 'demo-cleanup', 'demo-server'].map((n) => wave(named(chart, n)))).toEqual(['-5', '-5', undefined, '2', '3', undefined, undefined, undefined]);
  });

  test('GIVEN a custom resource that is a PostSync or PreSync hook beside the CRD that provides its API WHEN wired THEN it still syncs a wave after the CRD (its provider is followed whatever the phases)', () => {
    for (const phase of ['PostSync', 'PreSync']) {
      const layer = new Layer(new App(), { name: 'crds', description: 'd', namespace: 'demo' });
      new ApiObject(layer, 'crd', {
        apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.io' },
        spec: { group: 'example.io', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced', versions: [] },
      } as never);
      const cr = new ApiObject(layer, 'cr', { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'demo' } });
      layer.addHook(cr, [phase]);
      wireApiProviders([layer]);
      expect([phase, cr.metadata.toJson().annotations?.[ANNOTATIONS.syncWave]]).toEqual([phase, '1']);
    }
  });

  test('GIVEN a hook of another layer or without a phase WHEN recorded THEN it is refused', () => {
    const layer = new Layer(new App(), { name: 'demo', description: 'd', namespace: 'demo' });
    const own = new ApiObject(layer, 'own', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'own' } });
    const other = new ApiObject(new Layer(new App(), { name: 'other', description: 'o', namespace: 'o' }), 'x', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    expect(() => layer.addHook(other, ['PreSync'])).toThrow('is not in layer "demo"');
    expect(() => layer.addHook(own, [])).toThrow('a hook needs at least one phase');
  });
});

describe('CustomResourceDefinitions rendered as plain objects', () => {
  test('GIVEN a layer that renders a CRD and a resource of it WHEN wired THEN the resource syncs after the CRD, and the layer provides the API', () => {
    const layer = new Layer(new App(), { name: 'crds', description: 'd', namespace: 'demo' });
    const crd = new ApiObject(layer, 'crd', {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.io' },
      spec: { group: 'example.io', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced', versions: [] },
    } as never);
    const cr = new ApiObject(layer, 'cr', { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'demo' } });
    wireApiProviders([layer]);
    expect(cr.metadata.toJson().annotations).toEqual({ [ANNOTATIONS.syncWave]: '1', [ANNOTATIONS.syncOptions]: 'SkipDryRunOnMissingResource=true' });
    expect(crd.metadata.toJson().annotations).toBeUndefined();
    expect(layer.providedApis).toEqual([{ group: 'example.io', kind: 'Widget' }]);
  });
});
