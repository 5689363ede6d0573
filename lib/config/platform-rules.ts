import { HOSTS_DIR, KUBE_VIP_DIR, nodeLabelProblem } from '../hosts/k3s-config';
import { IAM_HOST } from '../iam';
import { HARBOR_SUBDOMAIN } from '../registry';
import type { RuleIssue } from './rules';
import type { OptionalComponent, Site } from './schema';

/**
 * What the platform's layers need from the site and take for themselves, as tables: the rules of
 * site.yaml and of the app specs read them at load time, so a problem is reported at its
 * `file:line:col` rather than thrown from a construct while building. test/config/platform-rules
 * .test.ts checks each table against what the built platform registers.
 */

/** A web UI a layer publishes on the shared gateway as `<subdomain>.<domain>` (PublishedUi). */
export interface PlatformUi {
  /** The first label of the host name. */
  readonly subdomain: string;
  /** The layer that publishes it. */
  readonly layer: string;
  /** What it is, for messages. */
  readonly what: string;
  /** The optional component whose layer publishes it. @default - always on */
  readonly component?: OptionalComponent;
}

/** The UIs of the platform's layers (lib/layers/*, `new PublishedUi`). */
export const PLATFORM_UIS: readonly PlatformUi[] = [
  { subdomain: 'argocd', layer: 'argocd', what: 'Argo CD' },
  { subdomain: HARBOR_SUBDOMAIN, layer: 'harbor', what: 'Harbor', component: 'harbor' },
  { subdomain: 'jenkins', layer: 'jenkins', what: 'Jenkins', component: 'jenkins' },
  { subdomain: IAM_HOST, layer: 'keycloak', what: 'Keycloak', component: 'keycloak' },
  { subdomain: 'grafana', layer: 'monitoring', what: 'Grafana' },
  { subdomain: 'rancher', layer: 'rancher', what: 'Rancher' },
  // Published only behind single sign-on, so only with Keycloak.
  { subdomain: 'longhorn', layer: 'longhorn', what: 'Longhorn', component: 'keycloak' },
  { subdomain: 'prometheus', layer: 'monitoring', what: 'Prometheus', component: 'keycloak' },
  { subdomain: 'alertmanager', layer: 'monitoring', what: 'Alertmanager', component: 'keycloak' },
];

/** A database a layer keeps on the site's DBaaS (`Inventory.addDatabase`). */
export interface PlatformDatabase {
  readonly engine: keyof Site['dbaas'];
  /** Database name (a redis database index). */
  readonly database: string;
  /** The layer that uses it. */
  readonly usedBy: string;
  /** The optional component whose layer uses it. @default - always on */
  readonly component?: OptionalComponent;
}

/** The databases of the platform's layers (harbor, keycloak, monitoring). */
export const PLATFORM_DATABASES: readonly PlatformDatabase[] = [
  { engine: 'postgresql', database: 'harbor', usedBy: 'harbor', component: 'harbor' },
  // Harbor core, job service and registry cache (HARBOR_REDIS_DATABASES).
  ...['0', '1', '2'].map((database): PlatformDatabase => ({ engine: 'redis', database, usedBy: 'harbor', component: 'harbor' })),
  { engine: 'postgresql', database: 'keycloak', usedBy: 'keycloak', component: 'keycloak' },
  { engine: 'postgresql', database: 'grafana', usedBy: 'monitoring' },
];

/** A port no app may expose over TCP, and what holds it. */
export interface ReservedPort {
  readonly port: number;
  readonly what: string;
}

/**
 * Ports HAProxy's own frontends hold on its address: every app's TCP port becomes a frontend
 * `bind :<port>` there too, so these stay free.
 */
export const HAPROXY_PORTS: readonly ReservedPort[] = [
  { port: 80, what: 'HAProxy\'s HTTP frontend' },
  { port: 443, what: 'HAProxy\'s HTTPS frontend' },
];

const isOn = (site: Site, component: OptionalComponent | undefined) => component === undefined || site[component].enabled;

/** The host names the site's platform layers publish, with the UI of each. */
export function platformHosts(site: Site): { readonly host: string; readonly ui: PlatformUi }[] {
  return PLATFORM_UIS.filter((ui) => isOn(site, ui.component)).map((ui) => ({ host: `${ui.subdomain}.${site.domain}`, ui }));
}

/** The databases the site's platform layers keep on its DBaaS. */
export function platformDatabases(site: Site): PlatformDatabase[] {
  return PLATFORM_DATABASES.filter((d) => isOn(site, d.component));
}

/**
 * Rules of a site against what its platform layers need: a DBaaS endpoint for each engine they
 * keep data on, an object store for Loki and Velero, node names and labels the host files can carry.
 */
export function checkPlatformNeeds(site: Site): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const needs = new Map<string, string[]>();
  for (const d of platformDatabases(site)) needs.set(d.engine, [...new Set([...(needs.get(d.engine) ?? []), d.usedBy])]);
  for (const [engine, users] of needs) {
    if (site.dbaas[engine as keyof Site['dbaas']] === undefined) {
      const who = users.length > 1 ? `${users.slice(0, -1).join(', ')} and ${users[users.length - 1]} keep their` : `${users[0]} keeps its`;
      issues.push({ path: ['dbaas', engine], message: `is missing, and ${who} data on that DBaaS; add dbaas.${engine}: { host, port }` });
    }
  }
  if (!site.backups.s3) {
    issues.push({ path: ['backups', 's3'], message: 'is missing, and Velero keeps its backups and Loki its log chunks in an S3-compatible object store. A site with only an NFS share runs MinIO on the NAS and sets backups.s3: { endpoint: https://<nas>:9000, bucket, region, credentials: bitwarden:<login item> }' });
  }
  site.nodes.forEach((node, i) => {
    if (node.name === KUBE_VIP_DIR) issues.push({ path: ['nodes', i, 'name'], message: `"${node.name}" would share ${HOSTS_DIR}/${KUBE_VIP_DIR}/ with the kube-vip manifests; rename the node` });
    for (const key of Object.keys(node.labels)) {
      const problem = nodeLabelProblem(key);
      if (problem) issues.push({ path: ['nodes', i, 'labels', key], atKey: true, message: problem });
    }
  });
  return issues;
}
