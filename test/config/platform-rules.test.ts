import type { Site } from '../../lib/config/schema';
import { platformDatabases, platformHosts } from '../../lib/config/platform-rules';
import { Inventory } from '../../lib/inventory';
import { buildPlatform } from '../../lib/platform';
import { shippedSite, siteWith } from '../helpers';

/** What the built platform registers: its UIs' hosts (with the layer) and its databases. */
function registered(site: Site): { hosts: string[]; databases: string[] } {
  const inventory = Inventory.of(buildPlatform(site).app);
  return {
    hosts: inventory.http.map((h) => `${h.host} ${h.layer}`).sort(),
    databases: inventory.databases.map((d) => `${d.engine}/${d.database} ${d.usedBy}`).sort(),
  };
}

/** The same from the tables the site and app rules read. */
function tabled(site: Site): { hosts: string[]; databases: string[] } {
  return {
    hosts: platformHosts(site).map((h) => `${h.host} ${h.ui.layer}`).sort(),
    databases: platformDatabases(site).map((d) => `${d.engine}/${d.database} ${d.usedBy}`).sort(),
  };
}

describe('the platform tables of lib/config/platform-rules.ts (what the app rules check hosts and databases against)', () => {
  test('GIVEN the shipped site WHEN the platform is built THEN its layers publish exactly the tabled hosts and keep exactly the tabled databases', () => {
    const site = shippedSite();
    expect(tabled(site)).toEqual(registered(site));
    expect(tabled(site).hosts).toContain('grafana.turnsys.com monitoring');
  });

  test('GIVEN a site with Harbor, Jenkins and Keycloak off WHEN built THEN the tables drop their hosts and databases as the layers do', () => {
    const site = siteWith((s) => { s.harbor.enabled = false; s.jenkins.enabled = false; s.keycloak.enabled = false; });
    expect(tabled(site)).toEqual(registered(site));
    expect(tabled(site).hosts.some((h) => h.startsWith('registry.'))).toBe(false);
  });
});
