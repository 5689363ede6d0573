import { HOSTS_DIR, KUBE_VIP_DIR, nodeLabelProblem } from '../hosts/k3s-config';
import type { RuleIssue } from './rules';
import type { OptionalComponent, Site } from './schema';

/**
 * What the platform's layers need from the site and take for themselves. Each layer file declares
 * its own (`LayerNeeds`: the UIs it publishes, the DBaaS databases it keeps), the layer index
 * collects them (`LAYER_NEEDS` of lib/layers/index.ts) and synth passes them down to the rules of
 * site.yaml and of the app specs here, which sit below the layers and cannot import them: a problem
 * is reported at its `file:line:col` rather than thrown from a construct while building.
 * test/config/platform-rules.test.ts checks each layer's declaration against what it registers.
 */

/** Whether a declared UI is published on a site. */
export type SiteCondition = (site: Site) => boolean;

/** The condition "while site.yaml leaves `component` on" (`<component>.enabled`). */
export function withComponent(component: OptionalComponent): SiteCondition {
  return (site) => site[component].enabled;
}

/** A web UI a layer publishes on the shared gateway as `<subdomain>.<domain>` (`PublishedUi` with `name: subdomain`). */
export interface LayerUi {
  /** The first label of the host name. */
  readonly subdomain: string;
  /** What it is, for messages. */
  readonly what: string;
  /** When the layer publishes it (e.g. `withComponent('keycloak')`: only behind single sign-on). @default - whenever the layer is built */
  readonly when?: SiteCondition;
}

/** A database a layer keeps on the site's DBaaS (`Inventory.addDatabase` with this engine and database). */
export interface LayerDatabase {
  readonly engine: keyof Site['dbaas'];
  /** Database name (a redis database index). */
  readonly database: string;
}

/**
 * What one layer publishes and keeps, declared in its file (e.g. `MONITORING_NEEDS` of
 * lib/layers/monitoring.ts) beside the constructs that publish and keep it, which use the same values.
 */
export interface LayerNeeds {
  /** The layer's name (`Layer` `name`). */
  readonly layer: string;
  /** The optional component the layer belongs to: built only while site.yaml leaves it on (`OPTIONAL_LAYERS`). @default - always built */
  readonly component?: OptionalComponent;
  /** @default - none */
  readonly uis?: readonly LayerUi[];
  /** @default - none */
  readonly databases?: readonly LayerDatabase[];
}

/** Whether a layer built for `site` publishes `ui` there. */
export function publishes(site: Site, ui: LayerUi): boolean {
  return ui.when === undefined || ui.when(site);
}

/** A UI of the site's platform, with the layer that publishes it. */
export interface PlatformUi {
  readonly subdomain: string;
  readonly what: string;
  /** The layer that publishes it. */
  readonly layer: string;
}

/** A database of the site's platform, with the layer that keeps it. */
export interface PlatformDatabase extends LayerDatabase {
  /** The layer that uses it. */
  readonly usedBy: string;
}

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

const built = (site: Site, needs: LayerNeeds) => needs.component === undefined || site[needs.component].enabled;

/** The host names the site's platform layers publish (`needs`: what each declares, `LAYER_NEEDS`), with the UI of each. */
export function platformHosts(site: Site, needs: readonly LayerNeeds[]): { readonly host: string; readonly ui: PlatformUi }[] {
  return needs.filter((n) => built(site, n)).flatMap((n) => (n.uis ?? []).filter((ui) => publishes(site, ui))
    .map((ui) => ({ host: `${ui.subdomain}.${site.domain}`, ui: { subdomain: ui.subdomain, what: ui.what, layer: n.layer } })));
}

/** The databases the site's platform layers keep on its DBaaS (`needs`: what each declares, `LAYER_NEEDS`). */
export function platformDatabases(site: Site, needs: readonly LayerNeeds[]): PlatformDatabase[] {
  return needs.filter((n) => built(site, n)).flatMap((n) => (n.databases ?? []).map((d) => ({ engine: d.engine, database: d.database, usedBy: n.layer })));
}

/**
 * What the site's platform layers take for themselves, for the app rules (`checkAppAgainstPlatform`):
 * their UIs by host name (`platformHosts`; of two UIs on one host, the later) and their databases
 * (`platformDatabases`). The same for every app of a site: a load computes it once for all its apps.
 */
export interface PlatformTaken {
  readonly hosts: ReadonlyMap<string, PlatformUi>;
  readonly databases: readonly PlatformDatabase[];
}

/** What the layers of `site` take (`needs`: what each declares, `LAYER_NEEDS`); see `PlatformTaken`. */
export function platformTaken(site: Site, needs: readonly LayerNeeds[]): PlatformTaken {
  return { hosts: new Map(platformHosts(site, needs).map((h) => [h.host, h.ui])), databases: platformDatabases(site, needs) };
}

/**
 * Rules of a site against what its platform layers need: a DBaaS endpoint for each engine they
 * keep data on (`layerNeeds`: what each layer declares, `LAYER_NEEDS` of lib/layers/index.ts, passed
 * by the caller that renders; absent, not checked), an object store for Loki and Velero, node names
 * and labels the host files can carry.
 */
export function checkPlatformNeeds(site: Site, layerNeeds: readonly LayerNeeds[] = []): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const needs = new Map<string, string[]>();
  for (const d of platformDatabases(site, layerNeeds)) needs.set(d.engine, [...new Set([...(needs.get(d.engine) ?? []), d.usedBy])]);
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
