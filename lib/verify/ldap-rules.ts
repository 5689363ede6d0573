import { parse } from 'yaml';
import { pemCertificates } from '../config/pem';
import { apiGroup, asMap, isKind, JsonMap, mapAt, mapsAt, numberAt, stringAt, valueAt } from '../k8s/manifest';
import { podTemplateOf, podTemplatePath } from '../k8s/pod-template';
import type { LoadedObject } from '../k8s/tree';
import type { Report, Tree } from './rules';

/** What the directory views read of a tree: its objects and their facts (lib/verify/tree-index.ts). */
export type DirectoryTree = Pick<Tree, 'objects' | 'facts'>;
import type { ObjectRef, SplitRule } from './split-rule';
import { treeIndex } from './tree-index';

/*
 * The six consumers' settings are read as they are rendered (Helm values, TOML, Dex YAML, Keycloak
 * realm JSON...), each field checked where it is read with the typed accessors of
 * lib/k8s/manifest.ts. Keys with dots (`dex.config`, `group.object.classes`) go as path segments.
 */

/** The namespace and name of a rendered object. */
const nsOf = (o: LoadedObject) => stringAt(o.obj, 'metadata.namespace');
const nameOf = (o: LoadedObject) => stringAt(o.obj, 'metadata.name');

/** The pod spec of a rendered workload; {} when it has none. */
function podSpecOf(o: LoadedObject): JsonMap {
  return mapAt(podTemplateOf(o.obj), 'spec') ?? {};
}

/** Init and main containers of a pod spec. */
function allContainers(spec: JsonMap): JsonMap[] {
  return [...mapsAt(spec, 'initContainers'), ...mapsAt(spec, 'containers')];
}

/** The first string of a list at `path` (Keycloak's config values are lists of one string). */
function firstString(value: unknown, path: readonly string[]): string | undefined {
  return stringAt(value, [...path, 0]);
}

/**
 * How one rendered component reaches the directory, read back from its rendered configuration
 * (not from site.yaml): the hosts it tries, the port, whether it verifies TLS, the CA it trusts
 * and the attributes it reads users and groups with.
 */
export interface DirectoryView {
  /** The component, as docs/ldap.md names it. */
  readonly consumer: string;
  /** The object that holds its LDAP settings: findings are reported on it. */
  readonly at: LoadedObject;
  /** Hosts in the order it tries them. */
  readonly hosts: readonly string[];
  /** It takes one host only (the primary), whatever the site has. */
  readonly singleHost: boolean;
  readonly port: number | undefined;
  /** LDAPS with the server's certificate verified. */
  readonly verifiedTls: boolean;
  /** The CA it trusts, as an identity (`bitwarden <store>/<item>` or `pem <sha256>...`), or why none was found. */
  readonly ca: { readonly id: string } | { readonly problem: string };
  readonly loginAttribute: string | undefined;
  readonly groupObjectClass: string | undefined;
  /** The group attribute listing member DNs; undefined when the component reads `memberOf` or its default. */
  readonly memberAttribute: string | undefined;
}

/** Host and port of `ldaps://host:port` or `host:port`. */
function hostPort(text: string): { host: string; port: number | undefined; scheme: string | undefined } {
  const m = /^(?:(ldaps?):\/\/)?([^:/\s]+)(?::(\d+))?\/?$/.exec(text.trim());
  if (!m) return { host: text, port: undefined, scheme: undefined };
  return { scheme: m[1], host: m[2], port: m[3] ? Number(m[3]) : m[1] === 'ldaps' ? 636 : m[1] === 'ldap' ? 389 : undefined };
}

/** The objectClass an LDAP filter requires: `(objectClass=posixGroup)` -> posixGroup. */
function objectClassOf(filter: unknown): string | undefined {
  return typeof filter === 'string' ? /\(objectClass=([^)]+)\)/i.exec(filter)?.[1] : undefined;
}

/** What the CA Secret `namespace/name` holds (key `key`, or every key), as an identity. */
function caIdentity(tree: DirectoryTree, namespace: string, name: string, key: string | undefined): DirectoryView['ca'] {
  const here = treeIndex(tree).distByNamespace.get(namespace) ?? [];
  const external = here.find((o) => isKind(o.obj, 'external-secrets.io', 'ExternalSecret') && (valueAt(o.obj, 'spec.target.name') ?? nameOf(o)) === name);
  if (external) {
    const spec = mapAt(external.obj, 'spec') ?? {};
    const entries = mapsAt(spec, 'data').filter((d) => key === undefined || d.secretKey === key);
    if (entries.length === 0) return { problem: `Secret ${namespace}/${name} (ExternalSecret) has no key ${key}` };
    return {
      id: entries.map((d) => {
        const property = valueAt(d, 'remoteRef.property');
        return `bitwarden ${valueAt(d, 'sourceRef.storeRef.name') ?? valueAt(spec, 'secretStoreRef.name')}/${valueAt(d, 'remoteRef.key')}${property ? `#${property}` : ''}`;
      }).sort().join(', '),
    };
  }
  const secret = here.find((o) => isKind(o.obj, '', 'Secret') && nameOf(o) === name);
  if (secret) {
    const values: Record<string, string> = {
      ...Object.fromEntries(Object.entries(mapAt(secret.obj, 'data') ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString('utf8')])),
      ...Object.fromEntries(Object.entries(mapAt(secret.obj, 'stringData') ?? {}).map(([k, v]) => [k, String(v)])),
    };
    const texts = key === undefined ? Object.values(values) : values[key] === undefined ? [] : [values[key]];
    if (texts.length === 0) return { problem: `Secret ${namespace}/${name} has no key ${key}` };
    try {
      const prints = texts.flatMap((t) => pemCertificates(t).map((c) => c.fingerprint256));
      return prints.length ? { id: `pem ${[...new Set(prints)].sort().join(', ')}` } : { problem: `Secret ${namespace}/${name} holds no certificate` };
    } catch {
      return { problem: `Secret ${namespace}/${name} holds a certificate that does not parse` };
    }
  }
  return { problem: `it trusts Secret ${namespace}/${name}, which the render does not create` };
}

/** The Secret (and key) mounted at `file` in any container of the workload, or why there is none. */
function caMountedAt(tree: DirectoryTree, workload: LoadedObject | undefined, file: string | undefined, what: string): DirectoryView['ca'] {
  if (!workload) return { problem: `no rendered workload runs ${what}` };
  if (!file) return { problem: `${what} names no CA file: it would trust only its image's built-in CAs` };
  const spec = podSpecOf(workload);
  for (const c of allContainers(spec)) {
    for (const m of mapsAt(c, 'volumeMounts')) {
      const mountPath = String(m.mountPath);
      const key = mountPath === file ? stringAt(m, 'subPath') : file.startsWith(`${mountPath}/`) ? file.slice(mountPath.length + 1) : undefined;
      if (key === undefined) continue;
      const volume = mapsAt(spec, 'volumes').find((v) => v.name === m.name);
      const secretName = stringAt(volume, 'secret.secretName');
      if (secretName === undefined) return { problem: `${file} in ${what} is not mounted from a Secret` };
      return caIdentity(tree, String(nsOf(workload)), secretName, key);
    }
  }
  return { problem: `${what} reads its CA from ${file}, which nothing is mounted at` };
}

/** The rendered workload of kind/name (in dist/). */
function workloadNamed(tree: DirectoryTree, namespace: string | undefined, kind: string, name: string): LoadedObject | undefined {
  const candidates = namespace === undefined ? tree.objects : treeIndex(tree).distByNamespace.get(namespace) ?? [];
  return candidates.find((o) => o.file.startsWith('dist/') && isKind(o.obj, 'apps', kind) && nameOf(o) === name && (namespace === undefined || nsOf(o) === namespace));
}

/** Rendered workloads whose pods read the object `kind` `name` (a volume, envFrom or an env value), in its namespace. */
function workloadsReading(tree: DirectoryTree, namespace: string, kind: 'configMap' | 'secret', name: string): LoadedObject[] {
  return (treeIndex(tree).distByNamespace.get(namespace) ?? []).filter((o) => {
    const spec = mapAt(podTemplateOf(o.obj), 'spec');
    if (!spec) return false;
    const volumes = mapsAt(spec, 'volumes').some((v) => valueAt(v, kind === 'configMap' ? 'configMap.name' : 'secret.secretName') === name);
    const env = allContainers(spec).some((c) =>
      mapsAt(c, 'envFrom').some((e) => valueAt(e, kind === 'configMap' ? 'configMapRef.name' : 'secretRef.name') === name)
      || mapsAt(c, 'env').some((e) => valueAt(e, kind === 'configMap' ? 'valueFrom.configMapKeyRef.name' : 'valueFrom.secretKeyRef.name') === name));
    return volumes || env;
  });
}

/** Dex (Argo CD): the LDAP connector in argocd-cm's dex.config; one host. */
function dexViews(tree: DirectoryTree, cm: LoadedObject): DirectoryView[] {
  const text = stringAt(cm.obj, ['data', 'dex.config']);
  if (nameOf(cm) !== 'argocd-cm' || text === undefined) return [];
  const connectors = mapsAt(parse(text), 'connectors').filter((c) => c.type === 'ldap');
  return connectors.map((c) => {
    const cfg = mapAt(c, 'config') ?? {};
    const { host, port } = hostPort(String(cfg.host ?? ''));
    const dex = workloadNamed(tree, nsOf(cm), 'Deployment', 'argocd-dex-server');
    return {
      consumer: 'argocd', at: cm, hosts: [host], singleHost: true, port: port ?? (cfg.insecureNoSSL ? 389 : 636),
      verifiedTls: !cfg.insecureNoSSL && !cfg.insecureSkipVerify && !cfg.startTLS,
      ca: cfg.rootCAData ? { problem: 'Dex carries its CA inline (rootCAData) instead of the CA Secret' } : caMountedAt(tree, dex, stringAt(cfg, 'rootCA'), 'Dex (argocd-dex-server)'),
      loginAttribute: stringAt(cfg, 'userSearch.username'), groupObjectClass: objectClassOf(valueAt(cfg, 'groupSearch.filter')),
      memberAttribute: stringAt(cfg, 'groupSearch.userMatchers.0.groupAttr'),
    };
  });
}

/** Keycloak: the LDAP user federation of a realm import; a space-separated URL list. */
function keycloakViews(tree: DirectoryTree, imp: LoadedObject): DirectoryView[] {
  const components = mapsAt(imp.obj, ['spec', 'realm', 'components', 'org.keycloak.storage.UserStorageProvider']);
  return components.filter((c) => c.providerId === 'ldap').map((c) => {
    const cfg = mapAt(c, 'config') ?? {};
    const urls = String(valueAt(cfg, 'connectionUrl.0') ?? '').split(/\s+/).filter(Boolean).map(hostPort);
    const groups = mapAt(mapsAt(c, ['subComponents', 'org.keycloak.storage.ldap.mappers.LDAPStorageMapper']).find((m) => m.providerId === 'group-ldap-mapper'), 'config') ?? {};
    const ns = String(nsOf(imp));
    const crName = valueAt(imp.obj, 'spec.keycloakCRName');
    const server = (treeIndex(tree).distByNamespace.get(ns) ?? []).find((o) => isKind(o.obj, 'k8s.keycloak.org', 'Keycloak') && nameOf(o) === crName);
    const stores = Object.values(server ? mapAt(server.obj, 'spec.truststores') ?? {} : {}).map((t) => String(valueAt(t, 'secret.name')));
    const ca: DirectoryView['ca'] = stores.length === 0
      ? { problem: `Keycloak ${crName} has no truststores: it would trust only its image's built-in CAs` }
      : stores.length > 1 ? { problem: `Keycloak trusts several Secrets (${stores.join(', ')}); the directory's CA should be one` } : caIdentity(tree, ns, stores[0], undefined);
    return {
      consumer: 'keycloak', at: imp, hosts: urls.map((u) => u.host), singleHost: false, port: urls.length && urls.every((u) => u.port === urls[0].port) ? urls[0].port : undefined,
      verifiedTls: urls.length > 0 && urls.every((u) => u.scheme === 'ldaps') && valueAt(cfg, 'useTruststoreSpi.0') !== 'never',
      ca, loginAttribute: firstString(cfg, ['usernameLDAPAttribute']), groupObjectClass: firstString(groups, ['group.object.classes']), memberAttribute: firstString(groups, ['membership.ldap.attribute']),
    };
  });
}

/** Rancher: its LDAP AuthConfig (a servers list); the CA is in Rancher's trust store (additionalTrustedCAs) or its `certificate` field. */
function rancherViews(tree: DirectoryTree, auth: LoadedObject): DirectoryView[] {
  const a = auth.obj;
  if (!Array.isArray(a.servers)) return [];
  const rancher = workloadNamed(tree, 'cattle-system', 'Deployment', 'rancher');
  const certificate = stringAt(a, 'certificate');
  let ca: DirectoryView['ca'];
  if (certificate?.trim()) {
    try {
      ca = { id: `pem ${pemCertificates(certificate).map((c) => c.fingerprint256).sort().join(', ')}` };
    } catch {
      ca = { problem: 'its certificate field does not parse' };
    }
  } else ca = caMountedAt(tree, rancher, '/etc/pki/trust/anchors/ca-additional.pem', 'Rancher (additionalTrustedCAs)');
  return [{
    consumer: 'rancher', at: auth, hosts: a.servers.map(String), singleHost: false, port: numberAt(a, 'port'),
    verifiedTls: a.tls === true, ca, loginAttribute: stringAt(a, 'userLoginAttribute'), groupObjectClass: stringAt(a, 'groupObjectClass'), memberAttribute: stringAt(a, 'groupMemberMappingAttribute'),
  }];
}

/** Harbor: the LDAP settings in CONFIG_OVERWRITE_JSON (an External Secrets template); one URL. */
function harborViews(tree: DirectoryTree, es: LoadedObject): DirectoryView[] {
  const template = stringAt(es.obj, 'spec.target.template.data.CONFIG_OVERWRITE_JSON');
  if (template === undefined || !template.includes('"ldap_url"')) return [];
  let settings: JsonMap;
  try {
    settings = asMap(JSON.parse(template.replace(/\{\{[^}]*\}\}/g, 'null'))) ?? {};
  } catch {
    return [];
  }
  const { host, port, scheme } = hostPort(String(settings.ldap_url ?? ''));
  const ns = String(nsOf(es));
  const secretName = String(valueAt(es.obj, 'spec.target.name') ?? nameOf(es));
  const core = workloadsReading(tree, ns, 'secret', secretName).find((w) => /core/.test(String(nameOf(w))));
  return [{
    consumer: 'harbor', at: es, hosts: [host], singleHost: true, port, verifiedTls: scheme === 'ldaps' && settings.ldap_verify_cert === true,
    ca: caMountedAt(tree, core, '/harbor_cust_cert/custom-ca.crt', 'Harbor core'),
    loginAttribute: stringAt(settings, 'ldap_uid'), groupObjectClass: objectClassOf(settings.ldap_group_search_filter),
    // Harbor reads a user's groups from memberOf, not a group's member list.
    memberAttribute: undefined,
  }];
}

/** Jenkins: the LDAP realm of a JCasC script; the CA is what the init container put in the JVM's trust store. */
function jenkinsViews(tree: DirectoryTree, cm: LoadedObject): DirectoryView[] {
  const views: DirectoryView[] = [];
  for (const text of Object.values(mapAt(cm.obj, 'data') ?? {})) {
    if (typeof text !== 'string' || !text.includes('securityRealm')) continue;
    let doc: unknown;
    try {
      doc = parse(text);
    } catch {
      continue;
    }
    for (const c of mapsAt(doc, 'jenkins.securityRealm.ldap.configurations')) {
      const urls = String(c.server ?? '').split(/\s+/).filter(Boolean).map(hostPort);
      const ns = String(nsOf(cm));
      const controller = (treeIndex(tree).distByNamespace.get(ns) ?? []).find((o) => isKind(o.obj, 'apps', 'StatefulSet')
        && mapsAt(podSpecOf(o), 'containers').some((k) => mapsAt(k, 'env').some((e) => e.name === 'JAVA_OPTS')));
      views.push({
        consumer: 'jenkins', at: cm, hosts: urls.map((u) => u.host), singleHost: false, port: urls.length && urls.every((u) => u.port === urls[0].port) ? urls[0].port : undefined,
        verifiedTls: urls.length > 0 && urls.every((u) => u.scheme === 'ldaps'),
        ca: jenkinsTrustStoreCa(tree, controller),
        loginAttribute: /^\(?([A-Za-z]+)=\{0\}/.exec(String(c.userSearch ?? ''))?.[1], groupObjectClass: objectClassOf(c.groupSearchFilter),
        // The LDAP plugin's default group membership strategy tries member, uniqueMember and memberUid.
        memberAttribute: undefined,
      });
    }
  }
  return views;
}

/**
 * The CA the Jenkins controller's JVM trusts for LDAPS: its trust store (-Djavax.net.ssl.trustStore)
 * lies on a volume an init container writes, from the certificates of the Secret it mounts.
 */
function jenkinsTrustStoreCa(tree: DirectoryTree, controller: LoadedObject | undefined): DirectoryView['ca'] {
  if (!controller) return { problem: 'no rendered Jenkins controller (StatefulSet with JAVA_OPTS)' };
  const spec = podSpecOf(controller);
  const containers = mapsAt(spec, 'containers');
  const opts = containers.flatMap((c) => mapsAt(c, 'env').filter((e) => e.name === 'JAVA_OPTS').map((e) => String(e.value)))[0] ?? '';
  const store = /-Djavax\.net\.ssl\.trustStore=(\S+)/.exec(opts)?.[1];
  if (!store) return { problem: 'the controller\'s JVM has no trust store of its own (-Djavax.net.ssl.trustStore): it trusts only the JDK\'s CAs' };
  const volumeOf = (c: JsonMap, file: string) => mapsAt(c, 'volumeMounts').find((m) => file.startsWith(`${m.mountPath}/`));
  const storeVolume = containers.map((c) => volumeOf(c, store)).find(Boolean)?.name;
  const writer = mapsAt(spec, 'initContainers').find((c) => mapsAt(c, 'volumeMounts').some((m) => m.name === storeVolume && !m.readOnly));
  if (!writer) return { problem: `no init container writes the trust store ${store}` };
  const secretVolumes = mapsAt(writer, 'volumeMounts')
    .map((m) => valueAt(mapsAt(spec, 'volumes').find((v) => v.name === m.name), 'secret.secretName'))
    .filter((n): n is string => typeof n === 'string');
  if (secretVolumes.length !== 1) return { problem: `the trust store's init container ${writer.name} mounts ${secretVolumes.length} Secrets; it should import the directory's CA Secret` };
  return caIdentity(tree, String(nsOf(controller)), secretVolumes[0], undefined);
}

/** The first `[[servers]]` block of an ldap.toml, as key -> raw value. */
function firstTomlServer(toml: string): Record<string, string> {
  const out: Record<string, string> = {};
  let inServer = false;
  for (const line of toml.split('\n')) {
    const t = line.trim();
    if (t.startsWith('[')) {
      if (t === '[[servers]]' && !inServer && Object.keys(out).length === 0) inServer = true;
      else if (inServer) break;
      continue;
    }
    const m = /^([A-Za-z_]+)\s*=\s*(.+)$/.exec(t);
    if (inServer && m) out[m[1]] = m[2];
  }
  return out;
}

/** Grafana: the first server of ldap.toml (space-separated hosts). */
function grafanaViews(tree: DirectoryTree, cm: LoadedObject): DirectoryView[] {
  const toml = stringAt(cm.obj, ['data', 'ldap.toml']);
  if (toml === undefined) return [];
  const s = firstTomlServer(toml);
  const str = (k: string) => (s[k] === undefined ? undefined : String(JSON.parse(s[k])));
  const attrs = /\[servers\.attributes\][\s\S]*?username\s*=\s*"([^"]+)"/.exec(toml)?.[1];
  const ns = String(nsOf(cm));
  const grafana = workloadsReading(tree, ns, 'configMap', String(nameOf(cm)))[0];
  const groupFilter = str('group_search_filter');
  return [{
    consumer: 'grafana', at: cm, hosts: (str('host') ?? '').split(/\s+/).filter(Boolean), singleHost: false, port: s.port === undefined ? undefined : Number(s.port),
    verifiedTls: s.use_ssl === 'true' && s.ssl_skip_verify !== 'true',
    ca: caMountedAt(tree, grafana, str('root_ca_cert'), 'Grafana'),
    loginAttribute: attrs, groupObjectClass: objectClassOf(groupFilter),
    memberAttribute: groupFilter ? /\(([A-Za-z]+)=%s\)/.exec(groupFilter)?.[1] : undefined,
  }];
}

/** Every LDAP consumer in the render (dist/), read back from its rendered configuration. */
export function directoryViews(tree: DirectoryTree): DirectoryView[] {
  const views: DirectoryView[] = [];
  for (const { o, group, kind } of treeIndex(tree).objects.filter((x) => x.inDist)) {
    if (group === '' && kind === 'ConfigMap') views.push(...dexViews(tree, o), ...jenkinsViews(tree, o), ...grafanaViews(tree, o));
    else if (group === 'k8s.keycloak.org' && kind === 'KeycloakRealmImport') views.push(...keycloakViews(tree, o));
    else if (group === 'management.cattle.io' && kind === 'AuthConfig') views.push(...rancherViews(tree, o));
    else if (group === 'external-secrets.io' && kind === 'ExternalSecret') views.push(...harborViews(tree, o));
  }
  return views.sort((a, b) => a.consumer.localeCompare(b.consumer) || a.at.file.localeCompare(b.at.file));
}

/** The value most consumers have (ties: the first in consumer order), with who has it. */
function majority<T>(views: readonly DirectoryView[], value: (v: DirectoryView) => T | undefined): { value: T; by: string[] } | undefined {
  const counts = new Map<string, { value: T; by: string[] }>();
  for (const v of views) {
    const x = value(v);
    if (x === undefined) continue;
    const key = JSON.stringify(x);
    const entry = counts.get(key) ?? { value: x, by: [] };
    entry.by.push(v.consumer);
    counts.set(key, entry);
  }
  return [...counts.values()].sort((a, b) => b.by.length - a.by.length)[0];
}

/**
 * All LDAP consumers of the render agree on the directory: the same hosts in the same order
 * (consumers that take one host use the first), the same port, LDAPS verified against the same
 * CA, and the same attributes for logins, groups and members. Each disagreement is reported on
 * the consumer that differs from most others, naming what they use.
 */
export function checkDirectoryConsumers(tree: DirectoryTree, report: Report): void {
  const views = directoryViews(tree);
  if (views.length === 0) return;
  const say = (v: DirectoryView, what: string, mine: unknown, ref: { value: unknown; by: string[] }) =>
    report(v.at, `[ldap] ${v.consumer} ${what} ${JSON.stringify(mine)}, but ${ref.by.join(', ')} use${ref.by.length === 1 ? 's' : ''} ${JSON.stringify(ref.value)}: every LDAP consumer must reach the same directory the same way (ldap in site.yaml, lib/ldap-schema.ts)`);
  const hostList = majority(views.filter((v) => !v.singleHost), (v) => v.hosts);
  for (const v of views) {
    if (!v.verifiedTls) report(v.at, `[ldap] ${v.consumer} does not speak LDAPS with the directory's certificate verified; every consumer must (ldaps://, no skip-verify)`);
    if (v.hosts.length === 0) report(v.at, `[ldap] ${v.consumer} names no directory host`);
    if (hostList && !v.singleHost && JSON.stringify(v.hosts) !== JSON.stringify(hostList.value)) say(v, 'tries the hosts', v.hosts, hostList);
    if (hostList && v.singleHost && v.hosts[0] !== hostList.value[0]) say(v, 'takes the one host', v.hosts[0], { value: hostList.value[0], by: hostList.by.map((c) => `${c} (first host)`) });
    if ('problem' in v.ca) report(v.at, `[ldap] ${v.consumer} trusts no directory CA: ${v.ca.problem}`);
  }
  const checks: [string, (v: DirectoryView) => unknown][] = [
    ['uses the port', (v) => v.port],
    ['trusts the CA', (v) => ('id' in v.ca ? v.ca.id : undefined)],
    ['finds users by', (v) => v.loginAttribute],
    ['finds groups of class', (v) => v.groupObjectClass],
    ['reads members from', (v) => v.memberAttribute],
  ];
  for (const [what, value] of checks) {
    const ref = majority(views, value);
    if (!ref) continue;
    for (const v of views) {
      const mine = value(v);
      if (mine !== undefined && JSON.stringify(mine) !== JSON.stringify(ref.value)) say(v, what, mine, ref);
    }
  }
}

/**
 * Whether an object may be an LDAP consumer `directoryViews` reads (a superset: what it reads of
 * the object decides): a ConfigMap with Dex, JCasC or Grafana LDAP settings, a Keycloak realm
 * import, a Rancher AuthConfig, an ExternalSecret with Harbor's LDAP settings.
 */
function mayConsume(obj: JsonMap, group: string, kind: string): boolean {
  if (group === '' && kind === 'ConfigMap') {
    const data = mapAt(obj, 'data') ?? {};
    return typeof data['dex.config'] === 'string' || typeof data['ldap.toml'] === 'string' || Object.values(data).some((t) => typeof t === 'string' && t.includes('securityRealm'));
  }
  if (group === 'external-secrets.io' && kind === 'ExternalSecret') return (stringAt(obj, 'spec.target.template.data.CONFIG_OVERWRITE_JSON') ?? '').includes('"ldap_url"');
  return (group === 'k8s.keycloak.org' && kind === 'KeycloakRealmImport') || (group === 'management.cattle.io' && kind === 'AuthConfig');
}

/** Whether a view may read an object of a consumer's namespace besides the consumers: a CA's ExternalSecret or Secret, a Keycloak server, a workload (a pod template). */
function mayBeRead(ref: ObjectRef): boolean {
  const group = apiGroup(ref.apiVersion);
  return (group === 'external-secrets.io' && ref.kind === 'ExternalSecret') || (group === '' && ref.kind === 'Secret') || (group === 'k8s.keycloak.org' && ref.kind === 'Keycloak')
    || podTemplatePath({ apiVersion: ref.apiVersion, kind: ref.kind }) !== undefined;
}

/** Rancher's namespace, where its AuthConfig's trust store is looked up. */
const RANCHER_NAMESPACE = 'cattle-system';

/**
 * verify/directory-consumers as a split rule (group (d) of docs/design/per-app-summaries.md, step
 * 3). The consumers' settings and the CAs they trust are read from documents (Helm values, TOML,
 * realm JSON, pod specs, Secrets), so the rule keeps its checks over documents and projects only
 * whether an object may be a consumer (`ldap`). Its documents net needs the objects of dist/ in the
 * consumers' namespaces (and Rancher's, for an AuthConfig) that a view may read (the consumers, CA
 * Secrets and ExternalSecrets, Keycloak servers, pod templates: not, say, the apps' Applications in
 * argocd, beside Dex's settings). A
 * consumer without a namespace (Dex then looks for its server anywhere) needs every object of
 * dist/ (a cluster-scoped AuthConfig needs Rancher's namespace only). A summarised app's object is read only when it is in one of those namespaces: its
 * document is then materialised. The shipped site's consumers sit in layer namespaces (argocd,
 * monitoring, harbor, jenkins, keycloak, cattle-system), never an app's environment, so it never is.
 */
export const DIRECTORY_CONSUMERS: SplitRule<true, 'verify/directory-consumers'> = {
  id: 'verify/directory-consumers',
  key: 'ldap',
  project: ({ obj, ref, group }) => (ref.file.startsWith('dist/') && mayConsume(obj, group, ref.kind) ? true : undefined),
  join() {
    // Every finding comes from the documents net.
  },
  documents: {
    need(entries) {
      const namespaces = new Set<string>();
      let all = false;
      for (const e of entries) {
        if (!e.p || !e.ref.file.startsWith('dist/')) continue;
        // Rancher's AuthConfig (cluster-scoped) reads Rancher's namespace; other consumers read their own, or, without one, anywhere.
        if (e.ref.kind === 'AuthConfig') namespaces.add(RANCHER_NAMESPACE);
        else if (e.ref.namespace === undefined) all = true;
        else namespaces.add(e.ref.namespace);
      }
      if (!all && namespaces.size === 0) return undefined;
      const consumers = new Set(entries.filter((e) => e.p).map((e) => e.ref));
      return (ref) => ref.file.startsWith('dist/') && (consumers.has(ref) || ((all || (ref.namespace !== undefined && namespaces.has(ref.namespace))) && mayBeRead(ref)));
    },
    join(tree, report) {
      checkDirectoryConsumers(tree, report);
    },
  },
};
