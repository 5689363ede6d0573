import * as fs from 'fs';
import * as path from 'path';
import { loadManifests } from '../../lib/k8s/manifest-yaml';
import { renderSite } from '../../lib/synth';
import { REPO, shippedRender, shippedSite, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DIR = 'dist/rancher/';
const RANCHER = `${DIR}deployment-rancher.yaml`;

describe('Rancher layer', () => {
  const files = new Map(shippedRender().map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => {
    const content = files.get(p);
    if (content === undefined) throw new Error(`${p} is not rendered`);
    return loadManifests(content, p)[0] as Obj;
  };
  const layer = [...files.keys()].filter((p) => p.startsWith(DIR)).map((p) => ({ path: p, obj: obj(p) }));
  const wave = (o: Obj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);

  test('GIVEN the chart WHEN rendered THEN three replicas are required on different nodes, a PodDisruptionBudget lets one go, TLS is external and no Ingress is made', () => {
    const d = obj(RANCHER);
    expect([d.metadata.namespace, d.spec.replicas]).toEqual(['cattle-system', 3]);
    expect(d.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([{
      labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['rancher'] }] }, topologyKey: 'kubernetes.io/hostname',
    }]);
    expect(obj(`${DIR}poddisruptionbudget-rancher.yaml`).spec).toEqual({ minAvailable: 2, selector: { matchLabels: { app: 'rancher' } } });
    const [c] = d.spec.template.spec.containers;
    // tls: external: plain HTTP behind the gateway; agents trust the public certificate.
    expect(c.args).toEqual(['--no-cacerts', '--http-listen-port=80', '--https-listen-port=443', '--add-local=true']);
    expect(c.env).toContainEqual({ name: 'CATTLE_AGENT_TLS_MODE', value: 'system-store' });
    expect(layer.filter(({ obj: o }) => o.kind === 'Ingress')).toEqual([]);
  });

  test('GIVEN the rancher container WHEN rendered THEN it has CPU and memory requests, a memory limit and its probes, and says why it runs as root with a writable root', () => {
    const d = obj(RANCHER);
    const [c] = d.spec.template.spec.containers;
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '1Gi' }, limits: { memory: '3Gi' } });
    expect([!!c.startupProbe, !!c.readinessProbe, !!c.livenessProbe]).toEqual([true, true, true]);
    const exempt: string = d.metadata.annotations['platform.tsys/ha-exempt'];
    expect(exempt.split('; ').map((e) => e.split(':')[0])).toEqual(['ha/non-root', 'ha/read-only-root', 'ha/security-context']);
    expect(exempt).toContain('the rancher/rancher image runs as root and writes its state (/var/lib/rancher');
  });

  test('GIVEN the chart\'s hook Jobs WHEN rendered THEN they become Argo CD hooks, and each says why it runs as root and unsized (the chart has no value for either)', () => {
    const pre = obj(`${DIR}job-rancher-pre-upgrade.yaml`);
    const post = obj(`${DIR}job-rancher-post-delete.yaml`);
    expect([pre.metadata.annotations['argocd.argoproj.io/hook'], post.metadata.annotations['argocd.argoproj.io/hook']]).toEqual(['PreSync', 'PostDelete']);
    for (const j of [pre, post]) {
      expect(j.spec.template.spec.containers[0].securityContext).toEqual({ runAsUser: 0 });
      const exempt: string = j.metadata.annotations['platform.tsys/ha-exempt'];
      expect([j.metadata.name, exempt.split('; ').map((e) => e.split(':')[0])]).toEqual([j.metadata.name, ['ha/non-root', 'ha/read-only-root', 'ha/resources', 'ha/security-context']]);
      expect(exempt).toContain('hard-codes securityContext runAsUser: 0 and has no value for its resources or security context');
    }
  });

  test('GIVEN the first admin password WHEN rendered THEN it comes from Bitwarden into bootstrap-secret, which syncs before Rancher starts, and the chart renders no Secret', () => {
    const es = obj(`${DIR}externalsecret-bootstrap-secret.yaml`);
    expect(es.metadata.namespace).toBe('cattle-system');
    expect(es.spec.data).toEqual([{ secretKey: 'bootstrapPassword', remoteRef: { key: 'rancher-bootstrap-password', property: 'password' } }]);
    expect(wave(es)).toBeLessThan(wave(obj(RANCHER)));
    // No bootstrapPassword value: the chart's bootstrap-secret would keep a live one only through lookup.
    expect(layer.filter(({ obj: o }) => o.kind === 'Secret').map(({ path: p }) => p)).toEqual([]);
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
    // Rancher creates its CRDs at start: the AuthConfig syncs after Rancher, without dry run.
    expect(wave(ldap)).toBeGreaterThan(wave(obj(RANCHER)));
    expect(ldap.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('SkipDryRunOnMissingResource=true');
  });

  test('GIVEN a primary and a backup directory node on 7636 in site.yaml WHEN rendered THEN Rancher tries both over LDAPS and trusts the directory CA mounted into its trust store', () => {
    const site = siteWith((s) => { s.ldap.hosts = ['ucs1.turnsys.com', 'ucs2.turnsys.com']; s.ldap.port = 7636; });
    const out = renderSite(site);
    const ad = loadManifests(out.find((f) => f.path === 'dist/rancher/authconfig-openldap.yaml')!.content, 'authconfig-openldap.yaml')[0] as Obj;
    expect([ad.servers, ad.port, ad.tls, ad.starttls, ad.certificate]).toEqual([['ucs1.turnsys.com', 'ucs2.turnsys.com'], 7636, true, false, undefined]);
    const ca = loadManifests(out.find((f) => f.path === 'dist/rancher/externalsecret-tls-ca-additional.yaml')!.content, 'ca')[0] as Obj;
    expect(ca.spec.data).toEqual([{ secretKey: 'ca-additional.pem', remoteRef: { key: 'ucs-root-ca' } }]);
    const deployment = loadManifests(out.find((f) => f.path === 'dist/rancher/deployment-rancher.yaml')!.content, 'rancher')[0] as Obj;
    expect(deployment.spec.template.spec.volumes).toContainEqual({ name: 'tls-ca-additional-volume', secret: { defaultMode: 256, secretName: 'tls-ca-additional' } });
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
