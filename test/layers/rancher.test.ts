import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { renderSite } from '../../lib/synth';
import { REPO, shippedSite, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('Rancher layer', () => {
  const files = new Map(renderSite(shippedSite()).map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => parse(files.get(p)!);
  const wave = (o: Obj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);

  test('GIVEN the chart WHEN rendered THEN three replicas are required on different nodes, TLS is external and no Ingress is made', () => {
    const values = obj('dist/rancher/application-rancher-chart.yaml').spec.source.helm.valuesObject;
    expect(values).toEqual({
      hostname: 'rancher.turnsys.com', replicas: 3, antiAffinity: 'required', topologyKey: 'kubernetes.io/hostname',
      tls: 'external', ingress: { enabled: false }, agentTLSMode: 'system-store',
    });
    expect(obj('dist/rancher/application-rancher-chart.yaml').spec.source).toMatchObject({ chart: 'rancher', repoURL: 'https://releases.rancher.com/server-charts/stable', targetRevision: '2.12.3' });
  });

  test('GIVEN the first admin password WHEN rendered THEN it comes from Bitwarden into bootstrap-secret, which syncs before Rancher starts', () => {
    const es = obj('dist/rancher/externalsecret-bootstrap-secret.yaml');
    expect(es.metadata.namespace).toBe('cattle-system');
    expect(es.spec.data).toEqual([{ secretKey: 'bootstrapPassword', remoteRef: { key: 'rancher-bootstrap-password', property: 'password' } }]);
    expect(wave(es)).toBeLessThan(wave(obj('dist/rancher/application-rancher-chart.yaml')));
    // The chart renders the same Secret empty: Argo CD must keep the data External Secrets wrote.
    const chart = obj('dist/rancher/application-rancher-chart.yaml');
    expect(chart.spec.ignoreDifferences).toEqual([{ kind: 'Secret', name: 'bootstrap-secret', namespace: 'cattle-system', jsonPointers: ['/data', '/stringData'] }]);
    expect(chart.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
  });

  test('GIVEN the UCS directory WHEN rendered THEN Rancher logs in with OpenLDAP settings from site.yaml and the bind password from a Secret', () => {
    const ldap = obj('dist/rancher/authconfig-openldap.yaml');
    expect(ldap).toMatchObject({
      type: 'openLdapConfig', enabled: true, servers: ['ucs.turnsys.com'], port: 636, tls: true, starttls: false,
      serviceAccountDistinguishedName: 'uid=svc-k8s-platform,cn=users,dc=turnsys,dc=com',
      serviceAccountPassword: 'cattle-global-data:openldapconfig-serviceaccountpassword',
      userSearchBase: 'cn=users,dc=turnsys,dc=com', userLoginAttribute: 'uid',
      groupSearchBase: 'cn=groups,dc=turnsys,dc=com', groupObjectClass: 'posixGroup', groupMemberMappingAttribute: 'uniqueMember',
      accessMode: 'restricted',
      allowedPrincipalIds: ['openldap_group://cn=k8s-platform-admins,cn=groups,dc=turnsys,dc=com', 'openldap_group://cn=k8s-platform-viewers,cn=groups,dc=turnsys,dc=com'],
    });
    const pw = obj('dist/rancher/externalsecret-openldapconfig-serviceaccountpassword.yaml');
    expect(pw.metadata.namespace).toBe('cattle-global-data');
    expect(pw.spec.data).toEqual([{ secretKey: 'serviceaccountpassword', remoteRef: { key: 'ldap-svc-k8s-platform', property: 'password' } }]);
    expect(obj('dist/rancher/globalrolebinding-ldap-platform-admins.yaml')).toMatchObject({ globalRoleName: 'admin', groupPrincipalName: 'openldap_group://cn=k8s-platform-admins,cn=groups,dc=turnsys,dc=com' });
    // Rancher creates its CRDs at start: the AuthConfig syncs after the chart, without dry run.
    expect(wave(ldap)).toBeGreaterThan(wave(obj('dist/rancher/application-rancher-chart.yaml')));
    expect(ldap.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('SkipDryRunOnMissingResource=true');
  });

  test('GIVEN plain LDAP on port 389 in site.yaml WHEN rendered THEN TLS is off and the port follows', () => {
    const site = siteWith((s) => { s.ldap.url = 'ldap://dc.turnsys.com'; });
    const ad = parse(renderSite(site).find((f) => f.path === 'dist/rancher/authconfig-openldap.yaml')!.content);
    expect([ad.servers, ad.port, ad.tls]).toEqual([['dc.turnsys.com'], 389, false]);
  });

  test('GIVEN the UI WHEN rendered THEN it is routed through the shared gateway and listed for HAProxy', () => {
    const route = obj('dist/rancher/httproute-rancher.yaml');
    expect(route.spec).toEqual({
      hostnames: ['rancher.turnsys.com'],
      parentRefs: [{ name: 'platform', namespace: 'envoy-gateway-system', sectionName: 'http' }],
      rules: [{ backendRefs: [{ name: 'rancher', port: 80 }], matches: [{ path: { type: 'PathPrefix', value: '/' } }] }],
    });
    expect(files.get('dist/hosts/haproxy/haproxy.cfg')).toContain('acl host_rancher_turnsys_com hdr(host) -i rancher.turnsys.com');
    expect(files.get('dist/hosts/haproxy/README.md')).toContain('| rancher.turnsys.com | 10.251.51.200:80 | rancher | Rancher control panel |');
    expect(obj('dist/apps/application-rancher.yaml').metadata.annotations['platform.tsys/depends-on']).toBe('gateway,secrets');
  });
});

describe('docs/ldap.md', () => {
  const rendered = renderSite(shippedSite());
  const doc = rendered.find((f) => f.path === 'docs/ldap.md')!.content;

  test('GIVEN the rendered configuration WHEN the accounts and groups it refers to are collected THEN docs/ldap.md lists exactly those', () => {
    const site = shippedSite();
    const manifests = rendered.filter((x) => x.path.startsWith('dist/') && x.path.endsWith('.yaml')).map((x) => x.content).join('\n');
    // Referenced by full DN (bind accounts, Rancher principals) ...
    const dn = /(?:uid|cn)=[^,"'\s]+(?:,(?:cn|ou|dc)=[^,"'\s]+)*,dc=turnsys,dc=com/g;
    const byDn = new Set([...manifests.matchAll(dn)].map((m) => m[0]).filter((m) => m !== site.ldap.usersDn && m !== site.ldap.groupsDn));
    // ... or, for groups in Argo CD RBAC and Jenkins' authorization matrix, by the group's common name.
    const byName = new Set([
      ...[...manifests.matchAll(/g, ([^,\s]+), role:/g)].map((m) => m[1]),
      ...[...manifests.matchAll(/- group:\n\s+name: (\S+)/g)].map((m) => m[1]),
    ]);
    expect(byName).toEqual(new Set(['k8s-platform-admins', 'k8s-platform-viewers']));
    const listed = [...doc.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    for (const entry of listed) expect([entry, byDn.has(entry) || byName.has(entry.split(',')[0].split('=')[1])]).toEqual([entry, true]);
    for (const ref of byDn) expect(listed).toContain(ref);
    for (const name of byName) expect(listed.map((d) => d.split(',')[0].split('=')[1])).toContain(name);
    expect(new Set(listed)).toEqual(new Set([site.ldap.bindDn, site.ldap.adminGroup, site.ldap.viewerGroup]));
  });

  test('GIVEN the doc WHEN read THEN it says how to create each entry in UCS without a password in it', () => {
    expect(doc).toContain('udm users/user create --position "cn=users,dc=turnsys,dc=com" --set username="svc-k8s-platform"');
    expect(doc).toContain('udm groups/group create --position "cn=groups,dc=turnsys,dc=com" --set name="k8s-platform-admins"');
    expect(doc).toContain('--set password="$BIND_PASSWORD"');
    expect(fs.readFileSync(path.join(REPO, 'docs', 'ldap.md'), 'utf8')).toBe(doc);
  });
});
