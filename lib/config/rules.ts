import { REPLICA_COUNT, REPLICA_SOFT_ANTI_AFFINITY } from '../ha/storage';
import { contains, formatRange, IpRange, overlaps, parseAddressBlock, parseCidr, parseIp } from './net';
import { Site, SiteSchema } from './schema';
import { misplacedSecretRefs } from './secret-refs';
import { quoteValue } from './quote';

/** A rule violation at a path in the document, before positions are attached. */
export interface RuleIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** Point at the key rather than its value (e.g. an unknown key). */
  readonly atKey?: boolean;
}

interface Claim {
  readonly range: IpRange;
  readonly what: string;
  readonly path: readonly (string | number)[];
}

/**
 * Cross-field rules of a site that a per-field schema cannot express:
 * uniqueness, etcd quorum, subnets and address overlaps, DN nesting, version keys.
 * `versionNames`: the names `versions:` may override (every pin: lib/versions.ts's and the chart
 * pins the layer index collects, `PIN_NAMES` of lib/layers/index.ts), passed by the caller that
 * renders; absent, the keys of `versions:` are not checked (the caller does not render).
 */
export function checkSiteRules(site: Site, versionNames?: readonly string[]): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const add = (path: readonly (string | number)[], message: string) => issues.push({ path, message });

  // Nodes: unique names and IPs, on the node subnet.
  const subnet = parseCidr(site.network.nodeCidr)!;
  const byName = new Map<string, number>();
  const byIp = new Map<string, number>();
  site.nodes.forEach((node, i) => {
    const prevName = byName.get(node.name);
    if (prevName !== undefined) add(['nodes', i, 'name'], `duplicate node name "${node.name}" (also nodes[${prevName}]); node names must be unique`);
    else byName.set(node.name, i);
    const prevIp = byIp.get(node.ip);
    if (prevIp !== undefined) add(['nodes', i, 'ip'], `duplicate node IP ${node.ip} (also nodes[${prevIp}] "${site.nodes[prevIp].name}"); node IPs must be unique`);
    else byIp.set(node.ip, i);
    const ip = parseIp(node.ip)!;
    if (!contains(subnet, ip)) add(['nodes', i, 'ip'], `${node.ip} is outside network.nodeCidr ${site.network.nodeCidr}; every node must sit on the node subnet`);
    else if (ip === subnet.first || ip === subnet.last) add(['nodes', i, 'ip'], `${node.ip} is the network or broadcast address of ${site.network.nodeCidr}`);
    if (node.rnd && node.role !== 'agent') add(['nodes', i, 'rnd'], `only agents can be R&D nodes; "${node.name}" is a ${node.role} (set rnd: false or role: agent)`);
  });

  // etcd quorum: an odd number of servers, at least 3.
  const servers = site.nodes.filter((n) => n.role === 'server');
  if (servers.length < 3 || servers.length % 2 === 0) {
    add(['nodes'], `embedded etcd needs an odd number of servers, at least 3, to keep quorum when one fails; found ${servers.length}${servers.length ? ` (${servers.map((s) => s.name).join(', ')})` : ''}`);
  }

  // Longhorn keeps REPLICA_COUNT replicas of every production volume, with hard anti-affinity each
  // on its own production storage node (storage: true, disk tagged prod). An R&D node's disk is
  // tagged rnd and no production StorageClass selects it. With fewer production storage nodes no
  // production volume is ever healthy.
  if (!REPLICA_SOFT_ANTI_AFFINITY) {
    const storage = site.nodes.filter((n) => n.storage && !n.rnd);
    if (storage.length < REPLICA_COUNT) {
      const rnd = site.nodes.filter((n) => n.storage && n.rnd).map((n) => n.name);
      const missing = REPLICA_COUNT - storage.length;
      add(['nodes'], `Longhorn keeps ${REPLICA_COUNT} replicas of every volume, each on a different node (hard anti-affinity), but only ${storage.length} node${storage.length === 1 ? '' : 's'} carr${storage.length === 1 ? 'ies' : 'y'} storage${storage.length ? ` (${storage.map((n) => n.name).join(', ')})` : ''}, so no volume could ever be healthy; set \`storage: true\` on ${missing} more node${missing === 1 ? '' : 's'}, adding nodes if need be (the replica count, REPLICA_COUNT in lib/ha/storage.ts, is not a site setting)${rnd.length ? `; R&D nodes do not count (${rnd.join(', ')}): their disks are tagged for R&D volumes only` : ''}`);
    }
  }

  // The API VIP: on the node subnet, not a node's address.
  const vip = parseIp(site.network.apiVip)!;
  if (!contains(subnet, vip)) add(['network', 'apiVip'], `${site.network.apiVip} is outside network.nodeCidr ${site.network.nodeCidr}; kube-vip announces the VIP by ARP on the node subnet`);
  else if (vip === subnet.first || vip === subnet.last) add(['network', 'apiVip'], `${site.network.apiVip} is the network or broadcast address of ${site.network.nodeCidr}`);

  // Address claims that no MetalLB pool may overlap.
  const claims: Claim[] = [
    ...site.nodes.map((n, i): Claim => ({ range: { first: parseIp(n.ip)!, last: parseIp(n.ip)! }, what: `node ${n.name} (${n.ip})`, path: ['nodes', i, 'ip'] })),
    { range: { first: vip, last: vip }, what: `the API VIP network.apiVip (${site.network.apiVip})`, path: ['network', 'apiVip'] },
    { range: { first: parseIp(site.network.haproxy.address)!, last: parseIp(site.network.haproxy.address)! }, what: `the HAProxy address (${site.network.haproxy.address})`, path: ['network', 'haproxy', 'address'] },
  ];
  const haproxy = parseIp(site.network.haproxy.address)!;
  for (const claim of claims.filter((c) => c.path[0] === 'nodes')) {
    if (claim.range.first === vip) add(['network', 'apiVip'], `${site.network.apiVip} is also the IP of ${claim.what}; the VIP must be a free address`);
    if (claim.range.first === haproxy) add(['network', 'haproxy', 'address'], `${site.network.haproxy.address} is also the IP of ${claim.what}; HAProxy runs on OPNsense, outside the cluster`);
  }
  if (haproxy === vip) add(['network', 'haproxy', 'address'], `${site.network.haproxy.address} is also the API VIP; HAProxy runs on OPNsense, outside the cluster`);

  const poolNames = new Map<string, number>();
  site.network.metallb.pools.forEach((pool, p) => {
    const prev = poolNames.get(pool.name);
    if (prev !== undefined) add(['network', 'metallb', 'pools', p, 'name'], `duplicate pool name "${pool.name}" (also pools[${prev}])`);
    else poolNames.set(pool.name, p);
    pool.addresses.forEach((text, a) => {
      const path = ['network', 'metallb', 'pools', p, 'addresses', a];
      const range = parseAddressBlock(text)!;
      if (range.first < subnet.first || range.last > subnet.last) {
        add(path, `${text} is not inside network.nodeCidr ${site.network.nodeCidr}; MetalLB L2 mode answers ARP only on the node subnet`);
      }
      for (const claim of claims) {
        if (overlaps(range, claim.range)) {
          const hit = formatRange({ first: Math.max(range.first, claim.range.first), last: Math.min(range.last, claim.range.last) });
          add(path, `${text} overlaps ${claim.what} at ${hit}; pools must not contain node IPs, the API VIP or other pools`);
        }
      }
      claims.push({ range, what: `pool "${pool.name}" addresses[${a}] (${text})`, path });
    });
  });

  // The gateway address: inside a pool that never hands it out to anyone else.
  const gw = parseIp(site.network.gateway.address)!;
  const gwPool = site.network.metallb.pools.find((p) => p.addresses.some((a) => contains(parseAddressBlock(a)!, gw)));
  if (!gwPool) add(['network', 'gateway', 'address'], `${site.network.gateway.address} is in no MetalLB pool; pick an address of a pool with autoAssign: false`);
  else if (gwPool.autoAssign) add(['network', 'gateway', 'address'], `${site.network.gateway.address} is in pool "${gwPool.name}", which auto-assigns; MetalLB could give it to another service first (use a pool with autoAssign: false)`);

  // The PaaS pool exists; MetalLB would never hand out its addresses otherwise.
  const poolList = site.network.metallb.pools.map((p) => `"${p.name}"`).join(', ');
  if (!site.network.metallb.pools.some((p) => p.name === site.paas.pool)) add(['paas', 'pool'], `names no pool of network.metallb.pools (${poolList}); app load balancers take their addresses from one of them`);

  // Backup targets other than NFS need credentials.
  const scheme = site.storage.backupTarget.split(':')[0];
  if (scheme !== 'nfs' && !site.storage.backupCredentials) add(['storage', 'backupCredentials'], `is required for a ${scheme}:// backup target (a Bitwarden reference "bitwarden:<item name>")`);
  if (scheme === 'nfs' && site.storage.backupCredentials) add(['storage', 'backupCredentials'], 'an nfs:// backup target takes no credentials (Longhorn uses them for s3, cifs and azblob); remove it');

  // LDAP DNs live under the base DN; the admin group under the groups DN.
  const ldap = site.ldap;
  const under = (child: string, parent: string) => child.toLowerCase().replace(/\s+/g, '').endsWith(`,${parent.toLowerCase().replace(/\s+/g, '')}`);
  for (const key of ['usersDn', 'groupsDn', 'bindDn', 'adminGroup', 'viewerGroup'] as const) {
    if (!under(ldap[key], ldap.baseDn)) add(['ldap', key], `${quoteValue(ldap[key])} is not under ldap.baseDn ${quoteValue(ldap.baseDn)}`);
  }
  for (const key of ['adminGroup', 'viewerGroup'] as const) {
    if (under(ldap[key], ldap.baseDn) && !under(ldap[key], ldap.groupsDn)) add(['ldap', key], `${quoteValue(ldap[key])} is not under ldap.groupsDn ${quoteValue(ldap.groupsDn)}`);
  }
  ldap.hosts.forEach((h, i) => {
    const first = ldap.hosts.indexOf(h);
    if (first !== i) add(['ldap', 'hosts', i], `"${h}" is listed twice (also hosts[${first}]); name each directory node once`);
  });
  if (ldap.server === 'samba-ad' && (ldap.port === 7636 || ldap.port === 7389)) {
    add(['ldap', 'port'], `${ldap.port} is where UCS's OpenLDAP listens when the Samba AD DC holds the standard ports; the Samba AD DC (server: samba-ad) answers LDAPS on 636: write port: 636, or server: openldap to read OpenLDAP`);
  }
  if (ldap.adminGroup.toLowerCase() === ldap.viewerGroup.toLowerCase()) add(['ldap', 'viewerGroup'], 'must differ from ldap.adminGroup (read-only and admin are different groups)');

  // Bitwarden references only in the fields read from Bitwarden; elsewhere the text is used as it is.
  for (const p of misplacedSecretRefs(SiteSchema, site)) {
    add(p, 'a Bitwarden reference here is used as literal text: this field is not read from Bitwarden (secret fields such as k3s.token or ldap.bindPassword are); write the plain value here');
  }

  if (versionNames) issues.push(...checkVersionKeys(site, versionNames));
  issues.push(...checkOptionalComponents(site));
  return issues;
}

/** Version overrides name known pins only (`names`: every pin's name, sorted). */
export function checkVersionKeys(site: Site, names: readonly string[]): RuleIssue[] {
  return Object.keys(site.versions)
    .filter((key) => !names.includes(key))
    .map((key) => ({ path: ['versions', key], atKey: true, message: `unknown component "${key}" (allowed: ${names.join(', ')})` }));
}

/**
 * Optional components (`<component>.enabled`) that another enabled one cannot do without:
 * Jenkins' release pipeline pushes every app image to Harbor with Harbor's robot account.
 */
export function checkOptionalComponents(site: Site): RuleIssue[] {
  const issues: RuleIssue[] = [];
  if (site.jenkins.enabled && !site.harbor.enabled) {
    issues.push({
      path: ['harbor', 'enabled'],
      message: 'Harbor is off but Jenkins is on (jenkins.enabled, true by default), and Jenkins\' release pipeline (platformRelease) pushes every app image to Harbor with harbor.robotAccount; set jenkins.enabled: false too, or keep Harbor on',
    });
  }
  return issues;
}

