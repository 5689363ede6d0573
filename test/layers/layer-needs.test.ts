import { App } from 'cdk8s';
import { OPTIONAL_COMPONENTS } from '../../lib/config/schema';
import { PlatformContext, setPlatformContext } from '../../lib/context';
import { LAYER_NEEDS, LAYERS, OPTIONAL_LAYERS } from '../../lib/layers';
import { resolveVersions } from '../../lib/versions';
import { shippedSite } from '../helpers';

/**
 * A layer's needs (lib/config/platform-rules.ts `LayerNeeds`) name the optional component the layer
 * belongs to, and the layer index names each component's layer (`OPTIONAL_LAYERS`): the site rules
 * read the first (a switched-off component's hosts and databases are free), the build the second (a
 * switched-off component's layer is not built). The two are written in different files; this holds
 * them to one another.
 */
describe('the layer needs and the optional layers', () => {
  const site = shippedSite();
  /** The name of the layer each factory builds. */
  const nameOf = (() => {
    const app = new App();
    const ctx: PlatformContext = { site, versions: resolveVersions(site.versions), apps: [] };
    setPlatformContext(app, ctx);
    const names = new Map(LAYERS.map((make) => [make, make(app, ctx).layerName]));
    return (make: (typeof LAYERS)[number]) => names.get(make);
  })();

  test('GIVEN every optional component WHEN its layer is built THEN the needs of that layer (if any) name the component', () => {
    for (const component of OPTIONAL_COMPONENTS) {
      const layer = nameOf(OPTIONAL_LAYERS[component]);
      expect(layer).toBeDefined();
      for (const needs of LAYER_NEEDS.filter((n) => n.layer === layer)) expect({ layer, component: needs.component }).toEqual({ layer, component });
    }
  });

  test('GIVEN every layer needs WHEN it names a component THEN that component\'s layer is the one the needs are of', () => {
    const naming = LAYER_NEEDS.filter((n) => n.component !== undefined);
    // Not vacuous: the shipped layers' needs do name components (Harbor, Keycloak, the DBaaS...).
    expect(naming.length).toBeGreaterThan(0);
    for (const needs of naming) {
      expect({ needs: needs.layer, built: nameOf(OPTIONAL_LAYERS[needs.component!]) }).toEqual({ needs: needs.layer, built: needs.layer });
    }
  });

  test('GIVEN every layer needs WHEN listed THEN each names a layer of the index, once', () => {
    const names = LAYERS.map((make) => nameOf(make));
    for (const needs of LAYER_NEEDS) expect(names).toContain(needs.layer);
    expect(new Set(LAYER_NEEDS.map((n) => n.layer)).size).toBe(LAYER_NEEDS.length);
  });
});
