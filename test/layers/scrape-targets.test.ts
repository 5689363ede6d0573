import type { Construct } from 'constructs';
import { ApiObject } from 'cdk8s';
import type { LayerFactory } from '../../lib/context';
import { Inventory } from '../../lib/inventory';
import { Layer } from '../../lib/layer';
import { LAYERS } from '../../lib/layers';
import { buildPlatform } from '../../lib/platform';
import { shippedSite, siteWith } from '../helpers';

/**
 * Each layer registers its own metrics (Inventory.addScrapeTarget); the monitoring layer renders a
 * monitor for each once every layer is built, and knows no other layer's names.
 */
const FIXTURE = 'fixture-metrics';

function fixtureLayer(scope: Construct): Layer {
  const layer = new Layer(scope, { name: FIXTURE, description: 'a layer that serves metrics', namespace: FIXTURE, dependsOn: ['secrets'] });
  Inventory.of(layer).addScrapeTarget({ name: FIXTURE, layer: layer.layerName, namespace: FIXTURE, selector: { app: 'exporter' }, port: 'metrics', path: '/stats' });
  return layer;
}

/** The monitors the monitoring layer renders, by name. */
function monitors(factories: readonly LayerFactory[], site = shippedSite()): Map<string, Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const platform = buildPlatform(site, factories);
  const monitoring = platform.layers.find((l) => l.layerName === 'monitoring')!;
  const objects = monitoring.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor');
  return new Map(objects.map((o) => [o.metadata.name!, o.toJson()]));
}

describe('scrape targets registered by the layers', () => {
  test('GIVEN a layer that registers its metrics WHEN the platform is built THEN the monitoring layer renders a monitor of its namespace, port and path', () => {
    const m = monitors([...LAYERS, fixtureLayer]).get(FIXTURE);
    expect(m).toBeDefined();
    expect(m!.kind).toBe('ServiceMonitor');
    expect(m!.metadata.namespace).toBe('monitoring');
    expect(m!.spec.namespaceSelector).toEqual({ matchNames: [FIXTURE] });
    expect(m!.spec.selector).toEqual({ matchLabels: { app: 'exporter' } });
    expect(m!.spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/stats' })]);
  });

  test('GIVEN the shipped layers WHEN built THEN every component layer registers its own monitor, PodMonitors where it asks for pods', () => {
    const all = monitors(LAYERS);
    expect([...all.keys()].filter((n) => n !== 'k3s-etcd').sort()).toEqual(expect.arrayContaining(['argocd', 'envoy-gateway', 'envoy-proxy', 'harbor', 'jenkins', 'keycloak', 'longhorn', 'metallb', 'velero']));
    expect(all.get('metallb')!.kind).toBe('PodMonitor');
    expect(all.get('longhorn')!.kind).toBe('ServiceMonitor');
  });

  test('GIVEN a site that switches Harbor off WHEN built THEN Harbor registers nothing and no monitor of it is rendered', () => {
    const site = siteWith((s) => { s.harbor = { ...s.harbor, enabled: false }; });
    expect(monitors(LAYERS, site).has('harbor')).toBe(false);
  });

  test('GIVEN two layers registering one monitor name WHEN built THEN it is refused naming both layers', () => {
    const twice = (scope: Construct): Layer => {
      const layer = new Layer(scope, { name: 'fixture-twice', description: 'registers a name another layer has', namespace: 'x' });
      Inventory.of(layer).addScrapeTarget({ name: 'longhorn', layer: layer.layerName, namespace: 'x', selector: { app: 'x' }, port: 'metrics' });
      return layer;
    };
    expect(() => buildPlatform(shippedSite(), [...LAYERS, twice])).toThrow('scrape target "longhorn" is registered twice (layers longhorn and fixture-twice); give each its own name');
  });
});
