import { parse } from 'yaml';
import { pemCertificates } from '../config/pem';
import { isKind } from '../k8s/manifest';
import { podTemplateOf } from '../k8s/pod-template';
import type { LoadedObject } from '../k8s/tree';
import type { Report, Tree } from './rules';

/**
 * The six consumers' settings are read as they are rendered (Helm values, TOML, Dex YAML, Keycloak
 * realm JSON...), each field checked where it is read: a loose view of a rendered object.
 * Follow-up: move these reads onto the typed accessors of lib/k8s/manifest.ts.
 */
type Loose = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** An object of the render, as the loose view above. */
function obj(o: LoadedObject): Loose {
  return o.obj;
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
function caIdentity(tree: Tree, namespace: string, name: string, key: string | undefined): DirectoryView['ca'] {
  const here = tree.objects.filter((o) => o.file.startsWith('dist/') && obj(o).metadata?.namespace === namespace);
  const external = here.find((o) => isKind(obj(o), 'external-secrets.io', 'ExternalSecret') && (obj(o).spec?.target?.name ?? obj(o).metadata.name) === name);
  if (external) {
    const spec = obj(external).spec ?? {};
    const data = (spec.data ?? []) as Loose[];
    const entries = data.filter((d) => key === undefined || d.secretKey === key);
    if (entries.length === 0) return { problem: `Secret ${namespace}/${name} (ExternalSecret) has no key ${key}` };
    return { id: entries.map((d) => `bitwarden ${d.sourceRef?.storeRef?.name ?? spec.secretStoreRef?.name}/${d.remoteRef?.key}${d.remoteRef?.property ? `#${d.remoteRef.property}` : ''}`).sort().join(', ') };
  }
  const secret = here.find((o) => isKind(obj(o), '', 'Secret') && obj(o).metadata.name === name);
  if (secret) {
    const values: Record<string, string> = {
      ...Object.fromEntries(Object.entries(obj(secret).data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString('utf8')])),
      ...(obj(secret).stringData ?? {}),
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
function caMountedAt(tree: Tree, workload: LoadedObject | undefined, file: string | undefined, what: string): DirectoryView['ca'] {
  if (!workload) return { problem: `no rendered workload runs ${what}` };
  if (!file) return { problem: `${what} names no CA file: it would trust only its image's built-in CAs` };
  const spec: Loose = (podTemplateOf(obj(workload))?.spec as Loose) ?? {};
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])] as Loose[];
  for (const c of containers) {
    for (const m of (c.volumeMounts ?? []) as Loose[]) {
      const mountPath = String(m.mountPath);
      const key = mountPath === file ? (m.subPath as string | undefined) : file.startsWith(`${mountPath}/`) ? file.slice(mountPath.length + 1) : undefined;
      if (key === undefined) continue;
      const volume = ((spec.volumes ?? []) as Loose[]).find((v) => v.name === m.name);
      const secretName = volume?.secret?.secretName;
      if (typeof secretName !== 'string') return { problem: `${file} in ${what} is not mounted from a Secret` };
      return caIdentity(tree, String(obj(workload).metadata.namespace), secretName, key);
    }
  }
  return { problem: `${what} reads its CA from ${file}, which nothing is mounted at` };
}

/** The rendered workload of kind/name (in dist/). */
function workloadNamed(tree: Tree, namespace: string | undefined, kind: string, name: string): LoadedObject | undefined {
  return tree.objects.find((o) => o.file.startsWith('dist/') && isKind(obj(o), 'apps', kind) && obj(o).metadata.name === name && (namespace === undefined || obj(o).metadata.namespace === namespace));
}

/** Rendered workloads whose pods read the object `kind` `name` (a volume, envFrom or an env value), in its namespace. */
function workloadsReading(tree: Tree, namespace: string, kind: 'configMap' | 'secret', name: string): LoadedObject[] {
  return tree.objects.filter((o) => {
    if (!o.file.startsWith('dist/') || obj(o).metadata?.namespace !== namespace) return false;
    const spec: Loose = (podTemplateOf(obj(o))?.spec as Loose);
    if (!spec) return false;
    const volumes = ((spec.volumes ?? []) as Loose[]).some((v) => (kind === 'configMap' ? v.configMap?.name : v.secret?.secretName) === name);
    const env = [...(spec.initContainers ?? []), ...(spec.containers ?? [])].some((c: Loose) =>
      ((c.envFrom ?? []) as Loose[]).some((e) => (kind === 'configMap' ? e.configMapRef?.name : e.secretRef?.name) === name)
      || ((c.env ?? []) as Loose[]).some((e) => (kind === 'configMap' ? e.valueFrom?.configMapKeyRef?.name : e.valueFrom?.secretKeyRef?.name) === name));
    return volumes || env;
  });
}

/** Dex (Argo CD): the LDAP connector in argocd-cm's dex.config; one host. */
function dexViews(tree: Tree, cm: LoadedObject): DirectoryView[] {
  const text = obj(cm).data?.['dex.config'];
  if (obj(cm).metadata.name !== 'argocd-cm' || typeof text !== 'string') return [];
  const connectors = ((parse(text)?.connectors ?? []) as Loose[]).filter((c) => c.type === 'ldap');
  return connectors.map((c) => {
    const cfg = c.config ?? {};
    const { host, port } = hostPort(String(cfg.host ?? ''));
    const dex = workloadNamed(tree, obj(cm).metadata.namespace, 'Deployment', 'argocd-dex-server');
    return {
      consumer: 'argocd', at: cm, hosts: [host], singleHost: true, port: port ?? (cfg.insecureNoSSL ? 389 : 636),
      verifiedTls: !cfg.insecureNoSSL && !cfg.insecureSkipVerify && !cfg.startTLS,
      ca: cfg.rootCAData ? { problem: 'Dex carries its CA inline (rootCAData) instead of the CA Secret' } : caMountedAt(tree, dex, cfg.rootCA, 'Dex (argocd-dex-server)'),
      loginAttribute: cfg.userSearch?.username, groupObjectClass: objectClassOf(cfg.groupSearch?.filter),
      memberAttribute: cfg.groupSearch?.userMatchers?.[0]?.groupAttr,
    };
  });
}

/** Keycloak: the LDAP user federation of a realm import; a space-separated URL list. */
function keycloakViews(tree: Tree, imp: LoadedObject): DirectoryView[] {
  const components = obj(imp).spec?.realm?.components?.['org.keycloak.storage.UserStorageProvider'] ?? [];
  return (components as Loose[]).filter((c) => c.providerId === 'ldap').map((c) => {
    const cfg = c.config ?? {};
    const urls = String(cfg.connectionUrl?.[0] ?? '').split(/\s+/).filter(Boolean).map(hostPort);
    const groups = ((c.subComponents?.['org.keycloak.storage.ldap.mappers.LDAPStorageMapper'] ?? []) as Loose[]).find((m) => m.providerId === 'group-ldap-mapper')?.config ?? {};
    const ns = String(obj(imp).metadata.namespace);
    const server = tree.objects.find((o) => o.file.startsWith('dist/') && isKind(obj(o), 'k8s.keycloak.org', 'Keycloak') && obj(o).metadata.name === obj(imp).spec?.keycloakCRName && obj(o).metadata.namespace === ns);
    const stores = Object.values((server ? obj(server).spec?.truststores ?? {} : {}) as Record<string, Loose>).map((t) => String(t.secret?.name));
    const ca: DirectoryView['ca'] = stores.length === 0
      ? { problem: `Keycloak ${obj(imp).spec?.keycloakCRName} has no truststores: it would trust only its image's built-in CAs` }
      : stores.length > 1 ? { problem: `Keycloak trusts several Secrets (${stores.join(', ')}); the directory's CA should be one` } : caIdentity(tree, ns, stores[0], undefined);
    return {
      consumer: 'keycloak', at: imp, hosts: urls.map((u) => u.host), singleHost: false, port: urls.length && urls.every((u) => u.port === urls[0].port) ? urls[0].port : undefined,
      verifiedTls: urls.length > 0 && urls.every((u) => u.scheme === 'ldaps') && cfg.useTruststoreSpi?.[0] !== 'never',
      ca, loginAttribute: cfg.usernameLDAPAttribute?.[0], groupObjectClass: groups['group.object.classes']?.[0], memberAttribute: groups['membership.ldap.attribute']?.[0],
    };
  });
}

/** Rancher: its LDAP AuthConfig (a servers list); the CA is in Rancher's trust store (additionalTrustedCAs) or its `certificate` field. */
function rancherViews(tree: Tree, auth: LoadedObject): DirectoryView[] {
  const a: Loose = obj(auth);
  if (!Array.isArray(a.servers)) return [];
  const rancher = workloadNamed(tree, 'cattle-system', 'Deployment', 'rancher');
  let ca: DirectoryView['ca'];
  if (typeof a.certificate === 'string' && a.certificate.trim()) {
    try {
      ca = { id: `pem ${pemCertificates(a.certificate).map((c) => c.fingerprint256).sort().join(', ')}` };
    } catch {
      ca = { problem: 'its certificate field does not parse' };
    }
  } else ca = caMountedAt(tree, rancher, '/etc/pki/trust/anchors/ca-additional.pem', 'Rancher (additionalTrustedCAs)');
  return [{
    consumer: 'rancher', at: auth, hosts: a.servers.map(String), singleHost: false, port: typeof a.port === 'number' ? a.port : undefined,
    verifiedTls: a.tls === true, ca, loginAttribute: a.userLoginAttribute, groupObjectClass: a.groupObjectClass, memberAttribute: a.groupMemberMappingAttribute,
  }];
}

/** Harbor: the LDAP settings in CONFIG_OVERWRITE_JSON (an External Secrets template); one URL. */
function harborViews(tree: Tree, es: LoadedObject): DirectoryView[] {
  const template = obj(es).spec?.target?.template?.data?.CONFIG_OVERWRITE_JSON;
  if (typeof template !== 'string' || !template.includes('"ldap_url"')) return [];
  let settings: Loose;
  try {
    settings = JSON.parse(template.replace(/\{\{[^}]*\}\}/g, 'null'));
  } catch {
    return [];
  }
  const { host, port, scheme } = hostPort(String(settings.ldap_url ?? ''));
  const ns = String(obj(es).metadata.namespace);
  const secretName = String(obj(es).spec?.target?.name ?? obj(es).metadata.name);
  const core = workloadsReading(tree, ns, 'secret', secretName).find((w) => /core/.test(String(obj(w).metadata.name)));
  return [{
    consumer: 'harbor', at: es, hosts: [host], singleHost: true, port, verifiedTls: scheme === 'ldaps' && settings.ldap_verify_cert === true,
    ca: caMountedAt(tree, core, '/harbor_cust_cert/custom-ca.crt', 'Harbor core'),
    loginAttribute: settings.ldap_uid, groupObjectClass: objectClassOf(settings.ldap_group_search_filter),
    // Harbor reads a user's groups from memberOf, not a group's member list.
    memberAttribute: undefined,
  }];
}

/** Jenkins: the LDAP realm of a JCasC script; the CA is what the init container put in the JVM's trust store. */
function jenkinsViews(tree: Tree, cm: LoadedObject): DirectoryView[] {
  const views: DirectoryView[] = [];
  for (const text of Object.values((obj(cm).data ?? {}) as Record<string, unknown>)) {
    if (typeof text !== 'string' || !text.includes('securityRealm')) continue;
    let doc: Loose;
    try {
      doc = parse(text);
    } catch {
      continue;
    }
    for (const c of (doc?.jenkins?.securityRealm?.ldap?.configurations ?? []) as Loose[]) {
      const urls = String(c.server ?? '').split(/\s+/).filter(Boolean).map(hostPort);
      const ns = String(obj(cm).metadata.namespace);
      const controller = tree.objects.find((o) => o.file.startsWith('dist/') && isKind(obj(o), 'apps', 'StatefulSet') && obj(o).metadata.namespace === ns
        && (((podTemplateOf(obj(o))?.spec as Loose)?.containers ?? []) as Loose[]).some((k) => ((k.env ?? []) as Loose[]).some((e) => e.name === 'JAVA_OPTS')));
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
function jenkinsTrustStoreCa(tree: Tree, controller: LoadedObject | undefined): DirectoryView['ca'] {
  if (!controller) return { problem: 'no rendered Jenkins controller (StatefulSet with JAVA_OPTS)' };
  const spec = (podTemplateOf(obj(controller))?.spec as Loose) ?? {};
  const opts = ((spec.containers ?? []) as Loose[]).flatMap((c) => ((c.env ?? []) as Loose[]).filter((e) => e.name === 'JAVA_OPTS').map((e) => String(e.value)))[0] ?? '';
  const store = /-Djavax\.net\.ssl\.trustStore=(\S+)/.exec(opts)?.[1];
  if (!store) return { problem: 'the controller\'s JVM has no trust store of its own (-Djavax.net.ssl.trustStore): it trusts only the JDK\'s CAs' };
  const volumeOf = (c: Loose, file: string) => ((c.volumeMounts ?? []) as Loose[]).find((m) => file.startsWith(`${m.mountPath}/`));
  const storeVolume = ((spec.containers ?? []) as Loose[]).map((c) => volumeOf(c, store)).find(Boolean)?.name;
  const writer = ((spec.initContainers ?? []) as Loose[]).find((c) => ((c.volumeMounts ?? []) as Loose[]).some((m) => m.name === storeVolume && !m.readOnly));
  if (!writer) return { problem: `no init container writes the trust store ${store}` };
  const secretVolumes = ((writer.volumeMounts ?? []) as Loose[])
    .map((m) => ((spec.volumes ?? []) as Loose[]).find((v) => v.name === m.name)?.secret?.secretName)
    .filter((n): n is string => typeof n === 'string');
  if (secretVolumes.length !== 1) return { problem: `the trust store's init container ${writer.name} mounts ${secretVolumes.length} Secrets; it should import the directory's CA Secret` };
  return caIdentity(tree, String(obj(controller).metadata.namespace), secretVolumes[0], undefined);
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
function grafanaViews(tree: Tree, cm: LoadedObject): DirectoryView[] {
  const toml = obj(cm).data?.['ldap.toml'];
  if (typeof toml !== 'string') return [];
  const s = firstTomlServer(toml);
  const str = (k: string) => (s[k] === undefined ? undefined : String(JSON.parse(s[k])));
  const attrs = /\[servers\.attributes\][\s\S]*?username\s*=\s*"([^"]+)"/.exec(toml)?.[1];
  const ns = String(obj(cm).metadata.namespace);
  const grafana = workloadsReading(tree, ns, 'configMap', String(obj(cm).metadata.name))[0];
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
export function directoryViews(tree: Tree): DirectoryView[] {
  const views: DirectoryView[] = [];
  for (const o of tree.objects.filter((x) => x.file.startsWith('dist/'))) {
    if (isKind(obj(o), '', 'ConfigMap')) views.push(...dexViews(tree, o), ...jenkinsViews(tree, o), ...grafanaViews(tree, o));
    else if (isKind(obj(o), 'k8s.keycloak.org', 'KeycloakRealmImport')) views.push(...keycloakViews(tree, o));
    else if (isKind(obj(o), 'management.cattle.io', 'AuthConfig')) views.push(...rancherViews(tree, o));
    else if (isKind(obj(o), 'external-secrets.io', 'ExternalSecret')) views.push(...harborViews(tree, o));
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
export function checkDirectoryConsumers(tree: Tree, report: Report): void {
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
