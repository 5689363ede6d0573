import { App } from 'cdk8s';
import type { Site } from '../../lib/config/schema';
import { platformDatabases, platformHosts } from '../../lib/config/platform-rules';
import type { LayerNeeds } from '../../lib/config/platform-rules';
import { setPlatformContext } from '../../lib/context';
import type { LayerFactory, PlatformContext } from '../../lib/context';
import { Inventory } from '../../lib/inventory';
import { enabledLayers, LAYER_NEEDS, LAYERS } from '../../lib/layers';
import { buildPlatform } from '../../lib/platform';
import { resolveVersions } from '../../lib/versions';
import { layerNames, shippedSite, siteWith } from '../helpers';

interface Taken { readonly hosts: string[]; readonly databases: string[] }

const hostsOf = (entries: readonly { host: string; layer: string }[]) => entries.map((h) => `${h.host} ${h.layer}`).sort();
const databasesOf = (entries: readonly { engine: string; database: string; usedBy: string }[]) => entries.map((d) => `${d.engine}/${d.database} ${d.usedBy}`).sort();

/** What one layer registers when it is built alone for `site`, by its name. */
function registeredAlone(site: Site, make: LayerFactory): { layer: string; taken: Taken } {
  const app = new App();
  const ctx: PlatformContext = { site, versions: resolveVersions(site.versions), apps: [] };
  setPlatformContext(app, ctx);
  const layer = make(app, ctx).layerName;
  const inventory = Inventory.of(app);
  return { layer, taken: { hosts: hostsOf(inventory.http), databases: databasesOf(inventory.databases) } };
}

/** What the rules read from `needs` for `site`. */
function declared(site: Site, needs: readonly LayerNeeds[]): Taken {
  return { hosts: hostsOf(platformHosts(site, needs).map((h) => ({ host: h.host, layer: h.ui.layer }))), databases: databasesOf(platformDatabases(site, needs)) };
}

/** Each layer's declaration (none: nothing) beside what it registers, keyed by layer. */
function perLayer(site: Site): { declared: Record<string, Taken>; registered: Record<string, Taken> } {
  const out = { declared: {} as Record<string, Taken>, registered: {} as Record<string, Taken> };
  for (const make of enabledLayers(site, LAYERS)) {
    const { layer, taken } = registeredAlone(site, make);
    out.registered[layer] = taken;
    out.declared[layer] = declared(site, LAYER_NEEDS.filter((n) => n.layer === layer));
  }
  return out;
}

const SITES: readonly [string, () => Site][] = [
  ['the shipped site', () => shippedSite()],
  ['a site with Harbor, Jenkins and Keycloak off', () => siteWith((s) => { s.harbor.enabled = false; s.jenkins.enabled = false; s.keycloak.enabled = false; })],
  ['a site with Keycloak off', () => siteWith((s) => { s.keycloak.enabled = false; })],
];

describe('what each layer declares it takes (LayerNeeds in its file, LAYER_NEEDS of lib/layers/index.ts), which the site and app rules read', () => {
  test.each(SITES)('GIVEN %s WHEN each layer of the index is built alone THEN it publishes exactly the hosts and keeps exactly the databases it declares', (_name, make) => {
    const site = make();
    const { declared: d, registered: r } = perLayer(site);
    expect(d).toEqual(r);
  });

  test.each(SITES)('GIVEN %s WHEN the whole platform is built THEN the declarations of its layers are everything it publishes and keeps, and a layer switched off declares nothing', (_name, make) => {
    const site = make();
    const inventory = Inventory.of(buildPlatform(site).app);
    expect(declared(site, LAYER_NEEDS)).toEqual({ hosts: hostsOf(inventory.http), databases: databasesOf(inventory.databases) });
    const built = layerNames(site);
    for (const needs of LAYER_NEEDS.filter((n) => !built.includes(n.layer))) expect(declared(site, [needs])).toEqual({ hosts: [], databases: [] });
  });

  test('GIVEN the layer index WHEN its declarations are read THEN each names a layer of the index once, and the shipped site\'s hosts include Grafana\'s', () => {
    const all = layerNames(shippedSite());
    const names = LAYER_NEEDS.map((n) => n.layer);
    expect(names.filter((n) => !all.includes(n))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
    expect(declared(shippedSite(), LAYER_NEEDS).hosts).toContain('grafana.turnsys.com monitoring');
    expect(declared(siteWith((s) => { s.harbor.enabled = false; }), LAYER_NEEDS).hosts.some((h) => h.startsWith('registry.'))).toBe(false);
  });
});
