import { Construct } from 'constructs';
import { TextFile } from '../constructs/text-file';
import type { Site } from '../config/schema';
import { platformContext } from '../context';
import { Inventory, OutsideService, OutsideUse, RegistryMirror } from '../inventory';
import { ldapUrls } from '../ldap-schema';
import { tableCell as cell } from '../markdown-cell';

/** What one outside service is, where site.yaml names it, and what an operator does while it is down. */
export interface OutsideServiceInfo {
  readonly title: string;
  /** Its addresses: from site.yaml, or what the layers registered (the registries the nodes pull through mirrors). */
  readonly endpoints: (site: Site, mirrors: readonly RegistryMirror[]) => readonly string[];
  /** What the operator does while it is down. */
  readonly operator: string;
}

const dbaas = (engine: keyof Site['dbaas'], title: string): OutsideServiceInfo => ({
  title: `DBaaS ${title}`,
  endpoints: (site) => {
    const e = site.dbaas[engine];
    return e ? [`${e.host}:${e.port}`] : [];
  },
  operator: `restore the DBaaS ${title} service (it is run outside this platform); the components reconnect by themselves`,
});

/** Every outside service the platform can depend on. */
export const OUTSIDE_SERVICES: Readonly<Record<OutsideService, OutsideServiceInfo>> = {
  directory: {
    title: 'UCS LDAP directory',
    endpoints: (site) => ldapUrls(site),
    operator: 'log in with the local admin accounts (docs/ldap.md names the directory accounts); bring a UCS directory node back (components that take several hosts try `ldap.hosts` in turn; those that take one use the first: put a node that answers first in `ldap.hosts` and run npm run synth; docs/ldap.md has a connection test per component)',
  },
  bitwarden: {
    title: 'Bitwarden server',
    endpoints: (site) => [site.bitwarden.server],
    operator: 'do not rotate secrets or add Bitwarden references until it is back; External Secrets picks up changes on its next refresh',
  },
  git: {
    title: 'Gitea (the repository Argo CD reads)',
    endpoints: (site) => [site.git.repoUrl],
    operator: 'hold merges; to deploy an urgent fix, point the root Application at the GitHub mirror (`git.repoUrl`) for the time being',
  },
  'git-mirror': {
    title: 'GitHub mirror of the repository',
    endpoints: (site) => (site.git.mirrorUrl ? [site.git.mirrorUrl] : []),
    operator: 'nothing in the cluster is affected; check that Gitea\'s push mirror catches up (`npm run mirror` shows its last update and error)',
  },
  haproxy: {
    title: 'OPNsense HAProxy (TLS and L7 in front of the cluster)',
    endpoints: (site) => [site.network.haproxy.address],
    operator: 'bring HAProxy back (OPNsense); meanwhile the gateway answers on its MetalLB address inside the LAN',
  },
  dns: {
    title: 'Site DNS (the wildcard record to HAProxy)',
    endpoints: (site) => [`*.${site.domain}`],
    operator: 'restore the wildcard record `*.<domain>` to the HAProxy address; the nodes resolve the outside services through the same DNS',
  },
  registries: {
    title: 'Upstream container registries',
    endpoints: (_site, mirrors) => mirrors.map((m) => m.registry).sort(),
    operator: 'do not roll out new image versions until the registry answers; pods of images already cached keep starting',
  },
  'backup-nfs': {
    title: 'NAS (NFS backup target)',
    endpoints: (site) => [site.storage.backupTarget],
    operator: 'bring the NAS back; check the next recurring backup in the Longhorn UI',
  },
  'backup-s3': {
    title: 'S3 object storage (backups.s3)',
    endpoints: (site) => (site.backups.s3 ? [site.backups.s3.endpoint ?? `AWS S3 (region ${site.backups.s3.region})`] : []),
    operator: 'bring the object store back; then check `velero backup get` and that Loki flushed (its ingester metrics)',
  },
  smtp: {
    title: 'SMTP relay',
    endpoints: (site) => (site.monitoring.alerts.email ? [site.monitoring.alerts.email.smarthost] : []),
    operator: 'watch Alertmanager (its UI through Grafana) for firing alerts until mail flows again',
  },
  'alert-webhook': {
    title: 'Chat webhook for alerts',
    endpoints: (site) => (site.monitoring.alerts.webhook ? ['(its URL is in Bitwarden)'] : []),
    operator: 'watch Alertmanager for firing alerts until the webhook answers',
  },
  'dbaas-postgresql': dbaas('postgresql', 'PostgreSQL'),
  'dbaas-mysql': dbaas('mysql', 'MySQL'),
  'dbaas-redis': dbaas('redis', 'Redis'),
  'dbaas-memcached': dbaas('memcached', 'Memcached'),
  'dbaas-mongodb': dbaas('mongodb', 'MongoDB'),
  'dbaas-etcd': dbaas('etcd', 'etcd'),
  'dbaas-mqtt': dbaas('mqtt', 'MQTT'),
  'dbaas-elasticsearch': dbaas('elasticsearch', 'Elasticsearch'),
};

/** docs/dependencies.md: every outside service the rendered platform uses, who uses it, and what happens while it is down. */
export function dependenciesDoc(uses: readonly OutsideUse[], site: Site, mirrors: readonly RegistryMirror[] = []): string {
  const services = (Object.keys(OUTSIDE_SERVICES) as OutsideService[]).filter((s) => uses.some((u) => u.service === s));
  const lines = [
    '# Outside dependencies',
    '',
    'Generated by `npm run synth` from what each layer registers it uses: edit the code or',
    '`site.yaml`, not this file. Every service below runs outside the cluster; the node-failure',
    'simulation does not cover them. For each: where site.yaml names it, which components use it,',
    'what stops while it is down, what the platform does about it, and what to do.',
    '',
    '| service | address | used by |',
    '|---|---|---|',
    ...services.map((s) => `| [${OUTSIDE_SERVICES[s].title}](#${s}) | ${OUTSIDE_SERVICES[s].endpoints(site, mirrors).map((e) => `\`${e}\``).join(', ') || '-'} | ${[...new Set(uses.filter((u) => u.service === s).map((u) => u.usedBy))].sort().join(', ')} |`),
    '',
  ];
  for (const s of services) {
    const info = OUTSIDE_SERVICES[s];
    const mine = uses.filter((u) => u.service === s).sort((a, b) => a.usedBy.localeCompare(b.usedBy));
    lines.push(
      `<a id="${s}"></a>`,
      `## ${info.title}`,
      '',
      `Address: ${info.endpoints(site, mirrors).map((e) => `\`${e}\``).join(', ') || '-'}`,
      '',
      '| used by | for | while it is down | what the platform does |',
      '|---|---|---|---|',
      ...mine.map((u) => `| ${cell(u.usedBy)} | ${cell(u.purpose)} | ${cell(u.whileDown)} | ${cell(u.mitigation)} |`),
      '',
      `**What to do:** ${info.operator}.`,
      '',
    );
  }
  return lines.join('\n');
}

/**
 * Renders docs/dependencies.md at render time, after every layer registered its outside uses.
 * The uses of the site as a whole (HAProxy and DNS in front of every published host, the GitHub
 * mirror of the repository) are registered here.
 */
export class DependenciesDocs extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const inventory = Inventory.of(this);
    const { site } = platformContext(this);
    inventory.addOutsideUse({
      service: 'haproxy',
      usedBy: 'every published UI, API and app TCP service',
      purpose: 'TLS, host routing and the backends of dist/hosts/haproxy/haproxy.cfg',
      whileDown: 'nothing in the cluster is reachable from outside by name; traffic inside the cluster goes on',
      mitigation: 'the gateway and the app load balancers keep their MetalLB addresses on the LAN',
    });
    inventory.addOutsideUse({
      service: 'dns',
      usedBy: 'every published UI and API; the nodes',
      purpose: `the wildcard *.${site.domain} to HAProxy; the outside services' names`,
      whileDown: 'users cannot resolve the platform\'s hosts; the nodes cannot resolve the outside services (directory, Bitwarden, Gitea, registries)',
      mitigation: 'names already resolved stay cached for their TTL; nothing inside the cluster depends on the site DNS for cluster names',
    });
    inventory.addOutsideUse({
      service: 'git-mirror',
      usedBy: 'Gitea push mirror (npm run mirror)',
      purpose: 'an off-site copy of the repository',
      whileDown: 'the GitHub copy falls behind',
      mitigation: 'Gitea retries the push mirror on its interval',
    });
    new TextFile(this, 'doc', { path: 'docs/dependencies.md', content: () => dependenciesDoc(inventory.outside, site, inventory.registryMirrors) });
  }
}
