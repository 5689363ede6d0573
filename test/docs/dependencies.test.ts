import { App } from 'cdk8s';
import { dependenciesDoc, OUTSIDE_SERVICES } from '../../lib/docs/dependencies-docs';
import { Inventory } from '../../lib/inventory';
import { renderSite } from '../../lib/synth';
import { shippedRender, shippedSite, siteWith } from '../helpers';

const doc = (files: readonly { path: string; content: string }[]) => files.find((f) => f.path === 'docs/dependencies.md')!.content;

/** Every string of the site that names a place outside the cluster: a URL, or host:port. */
function outsideAddresses(value: unknown, at: string[] = []): { field: string; value: string }[] {
  if (typeof value === 'string') {
    return /^[a-z][a-z0-9+.-]*:\/\//.test(value) || /^[a-z0-9.-]+\.[a-z]{2,}:\d+$/i.test(value) ? [{ field: at.join('.'), value }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => outsideAddresses(v, [...at, String(i)]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => outsideAddresses(v, [...at, k]));
  return [];
}

describe('docs/dependencies.md: every outside service, who uses it, what happens while it is down', () => {
  const files = shippedRender();
  const text = doc(files);

  test('GIVEN the shipped site WHEN rendered THEN every outside address site.yaml gives (except unused DBaaS engines) is in the document', () => {
    const site = shippedSite();
    const usedEngines = new Set(['postgresql', 'redis']);
    const addresses = outsideAddresses(site).filter((a) => !a.field.startsWith('dbaas.') || usedEngines.has(a.field.split('.')[1]));
    expect(addresses.map((a) => a.field)).toEqual(expect.arrayContaining(['bitwarden.server', 'git.repoUrl', 'git.mirrorUrl', 'storage.backupTarget', 'backups.s3.endpoint']));
    for (const a of addresses) expect([a.field, text.includes(a.value)]).toEqual([a.field, true]);
    // The directory nodes (ldap.hosts are names; every consumer speaks LDAPS on ldap.port).
    for (const h of site.ldap.hosts) expect(text).toContain(`ldaps://${h}:${site.ldap.port}`);
    // Addresses that are not URLs: the HAProxy, the SMTP relay, the DBaaS hosts in use.
    for (const a of [site.network.haproxy.address, site.monitoring.alerts.email!.smarthost, `${site.dbaas.postgresql!.host}:${site.dbaas.postgresql!.port}`]) expect(text).toContain(a);
  });

  test('GIVEN the shipped site WHEN rendered THEN every row says who uses the service, for what, what stops while it is down and what the platform does, and every section says what to do', () => {
    const sections = text.split('\n## ').slice(1);
    expect(sections.length).toBeGreaterThanOrEqual(10);
    for (const s of sections) {
      const rows = s.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| used by') && !l.startsWith('|---'));
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) expect(r.split(' | ').map((c) => c.replace(/^\| |\|$/g, '').trim()).every((c) => c.length > 0)).toBe(true);
      expect(s).toMatch(/\*\*What to do:\*\* \S/);
    }
    // Every layer that uses the directory is listed under it, and bw serve under Bitwarden.
    expect(text).toMatch(/\| argocd, grafana, harbor, jenkins, keycloak, rancher \|/);
    expect(text).toContain('bw serve keeps serving its last copy of the vault');
  });

  test('GIVEN a site without e-mail or webhook alerts WHEN rendered THEN neither the SMTP relay nor the chat webhook is listed', () => {
    const site = siteWith((s) => {
      delete s.monitoring.alerts.email;
      delete s.monitoring.alerts.webhook;
    });
    const other = doc(renderSite(site));
    expect(other).not.toContain(OUTSIDE_SERVICES.smtp.title);
    expect(other).not.toContain(OUTSIDE_SERVICES['alert-webhook'].title);
    expect(other).toContain(OUTSIDE_SERVICES.directory.title);
  });

  test('GIVEN a use registered without saying what happens while the service is down WHEN added THEN it is refused naming the service and the component', () => {
    const inventory = Inventory.of(new App());
    expect(() => inventory.addOutsideUse({ service: 'smtp', usedBy: 'x', purpose: 'mail', whileDown: ' ', mitigation: 'retries' }))
      .toThrow('the use of smtp by x has no whileDown; say it');
  });

  test('GIVEN two uses of one service by one component WHEN documented THEN they are one row', () => {
    const inventory = Inventory.of(new App());
    inventory.addOutsideUse({ service: 'git', usedBy: 'x', purpose: 'clone', whileDown: 'no clone', mitigation: 'retry' });
    inventory.addOutsideUse({ service: 'git', usedBy: 'x', purpose: 'push', whileDown: 'no push', mitigation: 'retry' });
    const rows = dependenciesDoc(inventory.outside, shippedSite()).split('\n').filter((l) => l.startsWith('| x |'));
    expect(rows).toEqual(['| x | clone; push | no clone; no push | retry |']);
  });
});
