import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { parseSite } from '../../lib/config/load';
import { stringAt } from '../../lib/k8s/manifest';
import { loadTree } from '../../lib/k8s/tree';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { toYamlDocument } from '../../lib/render/rendered-file';
import { renderSite } from '../../lib/synth';
import { checkDirectoryConsumers, DirectoryView, directoryViews } from '../../lib/verify/ldap-rules';
import { checkSecrets, Tree } from '../../lib/verify/rules';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { REPO, shippedSite, writeTree } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CONSUMERS = ['argocd', 'grafana', 'harbor', 'jenkins', 'keycloak', 'rancher'];
const CA_A = fs.readFileSync(path.join(REPO, 'test/fixtures/ldap/test-ca-a.pem'), 'utf8');

/** site.yaml with its `ldap` hosts, port and CA replaced (the text a site owner would write). */
function siteYamlWith(hosts: string[], port: number, ca: string): string {
  const text = fs.readFileSync(path.join(REPO, 'site.yaml'), 'utf8');
  const block = ca.includes('-----BEGIN') ? `|\n${ca.trim().split('\n').map((l) => `    ${l}`).join('\n')}` : ca;
  return text
    .replace(/^ {2}hosts: .*$/m, `  hosts: [${hosts.join(', ')}]`)
    .replace(/^ {2}port: 636$/m, `  port: ${port}`)
    .replace(/^ {2}caCertificate: .*$/m, `  caCertificate: ${block}`);
}

/** The rendered files written to a temporary root, optionally changed (path -> parsed object), and read back as a tree. */
function treeOf(files: readonly RenderedFile[], change?: (docs: Map<string, Obj>) => void): { tree: Tree; root: string } {
  const parsed = new Map<string, Obj>(files.filter((f) => f.path.startsWith('dist/') && f.path.endsWith('.yaml') && !f.path.startsWith('dist/hosts/') && !f.path.endsWith('kustomization.yaml')).map((f) => [f.path, parse(f.content)]));
  change?.(parsed);
  const root = writeTree(Object.fromEntries([...parsed].map(([p, o]) => [p, toYamlDocument(o)])));
  const { objects, files: all } = loadTree(root);
  return { root, tree: { root, files: all, objects, layerApps: new Map(), registry: new SchemaRegistry(), facts: {} as Tree['facts'] } };
}

function withTree<T>(files: readonly RenderedFile[], run: (tree: Tree) => T, change?: (docs: Map<string, Obj>) => void): T {
  const { tree, root } = treeOf(files, change);
  try {
    return run(tree);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function ldapFindings(files: readonly RenderedFile[], change?: (docs: Map<string, Obj>) => void): string[] {
  return withTree(files, (tree) => {
    const out: string[] = [];
    checkDirectoryConsumers(tree, (o, message) => out.push(`${o.file}: ${message}`));
    return out;
  }, change);
}

function byConsumer(views: readonly DirectoryView[]): Map<string, DirectoryView> {
  return new Map(views.map((v) => [v.consumer, v]));
}

const shipped = renderSite(shippedSite());

describe('LDAP consumers agree on the directory', () => {
  test('GIVEN the shipped site rendered WHEN its LDAP consumers are read back THEN all six are found, agree and no finding is made', () => {
    const views = withTree(shipped, directoryViews);
    expect(views.map((v) => v.consumer)).toEqual(CONSUMERS);
    for (const v of views) {
      expect(v).toMatchObject({ hosts: ['ucs.turnsys.com'], port: 636, verifiedTls: true, ca: { id: 'bitwarden bitwarden-notes/ucs-root-ca' }, loginAttribute: 'uid', groupObjectClass: 'posixGroup' });
    }
    expect(ldapFindings(shipped)).toEqual([]);
  });

  test('GIVEN Grafana changed to another host WHEN verified THEN Grafana is named with the hosts the others try', () => {
    const findings = ldapFindings(shipped, (docs) => {
      const cm = docs.get('dist/monitoring/configmap-grafana-ldap.yaml')!;
      cm.data['ldap.toml'] = cm.data['ldap.toml'].replace('host = "ucs.turnsys.com"', 'host = "ucs-old.turnsys.com"');
    });
    expect(findings).toEqual([expect.stringMatching(/^dist\/monitoring\/configmap-grafana-ldap.yaml: \[ldap\] grafana tries the hosts \["ucs-old.turnsys.com"\], but jenkins, keycloak, rancher use \["ucs.turnsys.com"\]/)]);
  });

  test('GIVEN Dex on another port WHEN verified THEN the port disagreement is found on argocd-cm', () => {
    const findings = ldapFindings(shipped, (docs) => {
      const cm = docs.get('dist/argocd/configmap-argocd-cm.yaml')!;
      cm.data['dex.config'] = cm.data['dex.config'].replace('host: ucs.turnsys.com:636', 'host: ucs.turnsys.com:7636');
    });
    expect(findings).toEqual([expect.stringMatching(/configmap-argocd-cm.yaml: \[ldap\] argocd uses the port 7636, but .* use 636/)]);
  });

  test('GIVEN Harbor trusting another Bitwarden item WHEN verified THEN the CA disagreement is found', () => {
    const findings = ldapFindings(shipped, (docs) => {
      docs.get('dist/harbor/externalsecret-ldap-ca.yaml')!.spec.data[0].remoteRef.key = 'some-other-ca';
    });
    expect(findings).toEqual([expect.stringMatching(/externalsecret-harbor-env.yaml: \[ldap\] harbor trusts the CA "bitwarden bitwarden-notes\/some-other-ca", but argocd, grafana, jenkins, keycloak, rancher use "bitwarden bitwarden-notes\/ucs-root-ca"/)]);
  });

  test('GIVEN Keycloak reading sAMAccountName, and Rancher without its CA mounted, WHEN verified THEN both are found', () => {
    const findings = ldapFindings(shipped, (docs) => {
      const imp = docs.get('dist/keycloak/keycloakrealmimport-platform.yaml')!;
      imp.spec.realm.components['org.keycloak.storage.UserStorageProvider'][0].config.usernameLDAPAttribute = ['sAMAccountName'];
      const rancher = docs.get('dist/rancher/deployment-rancher.yaml')!;
      delete rancher.spec.template.spec.containers[0].volumeMounts;
    });
    expect(findings).toEqual([
      expect.stringMatching(/authconfig-openldap.yaml: \[ldap\] rancher trusts no directory CA: Rancher \(additionalTrustedCAs\) reads its CA from \/etc\/pki\/trust\/anchors\/ca-additional.pem, which nothing is mounted at/),
      expect.stringMatching(/keycloakrealmimport-platform.yaml: \[ldap\] keycloak finds users by "sAMAccountName", but argocd, grafana, harbor, jenkins, rancher use "uid"/),
    ]);
  });

  test('GIVEN Grafana skipping certificate verification WHEN verified THEN it is found', () => {
    const findings = ldapFindings(shipped, (docs) => {
      const cm = docs.get('dist/monitoring/configmap-grafana-ldap.yaml')!;
      cm.data['ldap.toml'] = cm.data['ldap.toml'].replace('ssl_skip_verify = false', 'ssl_skip_verify = true');
    });
    expect(findings).toEqual([expect.stringMatching(/configmap-grafana-ldap.yaml: \[ldap\] grafana does not speak LDAPS with the directory's certificate verified/)]);
  });
});

describe('site.yaml drives every LDAP consumer', () => {
  const changed = renderSite(parseSite(siteYamlWith(['ucs-primary.turnsys.com', 'ucs-backup.turnsys.com'], 7636, CA_A), 'site.yaml'));
  const before = byConsumer(withTree(shipped, directoryViews));
  const after = byConsumer(withTree(changed, directoryViews));

  test.each(CONSUMERS)('GIVEN other hosts, port and an inline CA in site.yaml WHEN rendered again THEN %s follows all three', (consumer) => {
    const [b, a] = [before.get(consumer)!, after.get(consumer)!];
    expect(a.hosts).toEqual(a.singleHost ? ['ucs-primary.turnsys.com'] : ['ucs-primary.turnsys.com', 'ucs-backup.turnsys.com']);
    expect(a.hosts).not.toEqual(b.hosts);
    expect([b.port, a.port]).toEqual([636, 7636]);
    expect(a.ca).toEqual({ id: expect.stringMatching(/^pem [0-9A-F:]{95}$/) });
    expect(a.ca).not.toEqual(b.ca);
    expect(a.verifiedTls).toBe(true);
  });

  test('GIVEN the inline CA WHEN the render is verified THEN the consumers agree and the CA Secrets (public certificates only) are no secret material in git', () => {
    expect(ldapFindings(changed)).toEqual([]);
    const secrets = withTree(changed, (tree) => {
      const out: string[] = [];
      checkSecrets(tree, (o, message) => out.push(`${o.file}: ${message}`));
      return { out, names: tree.objects.filter((o) => o.obj.kind === 'Secret' && (o.obj.data || o.obj.stringData)).map((o) => `${stringAt(o.obj, 'metadata.namespace')}/${stringAt(o.obj, 'metadata.name')}`).sort() };
    });
    expect(secrets.out).toEqual([]);
    expect(secrets.names).toEqual(['argocd/ldap-ca', 'cattle-system/tls-ca-additional', 'harbor/ldap-ca', 'jenkins/ldap-ca', 'keycloak/ldap-ca', 'monitoring/ldap-ca']);
  });

  test('GIVEN a Secret that holds a private key beside a certificate WHEN verified THEN it is still refused', () => {
    const findings = withTree(changed, (tree) => {
      const out: string[] = [];
      checkSecrets(tree, (o, message) => out.push(`${o.file}: ${message}`));
      return out;
    }, (docs) => {
      const s = docs.get('dist/harbor/secret-ldap-ca.yaml')!;
      s.stringData['tls.key'] = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';
    });
    expect(findings).toEqual(expect.arrayContaining([expect.stringMatching(/secret-ldap-ca.yaml: a Secret with data or stringData would put secret material in git/)]));
  });

  test('GIVEN docs/ldap.md of the changed site THEN it tests each consumer on each host it tries, with the CA from its own Secret', () => {
    const doc = changed.find((f) => f.path === 'docs/ldap.md')!.content;
    for (const consumer of CONSUMERS) expect(doc).toContain(`### ${consumer}`);
    expect(doc).toContain("kubectl -n cattle-system get secret tls-ca-additional -o jsonpath='{.data.ca-additional\\.pem}' | base64 -d > /tmp/ldap-ca-rancher.pem");
    expect(doc).toContain("LDAPTLS_CACERT=/tmp/ldap-ca-rancher.pem ldapsearch -x -H ldaps://ucs-backup.turnsys.com:7636 -D 'uid=svc-k8s-platform,cn=users,dc=turnsys,dc=com' -w \"$BIND_PASSWORD\" -b 'cn=groups,dc=turnsys,dc=com' '(&(objectClass=posixGroup)(cn=k8s-platform-admins))' cn uniqueMember");
    // Dex takes one host: only the primary is tested for it.
    const dex = doc.slice(doc.indexOf('### argocd'), doc.indexOf('### grafana'));
    expect(dex).toContain('ldaps://ucs-primary.turnsys.com:7636');
    expect(dex).not.toContain('ucs-backup');
  });
});

