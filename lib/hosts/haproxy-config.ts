import { Construct } from 'constructs';
import { TextFile } from '../constructs/text-file';
import { platformContext } from '../context';
import { HttpEntry, Inventory, TcpEntry } from '../inventory';
import { tableCell } from '../markdown-cell';

const DIR = 'dist/hosts/haproxy';

/** `rancher.turnsys.com` -> `rancher_turnsys_com` (HAProxy ACL and backend names). */
function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9]+/g, '_');
}

function byHost(a: HttpEntry, b: HttpEntry): number {
  return a.host.localeCompare(b.host);
}

function byPort(a: TcpEntry, b: TcpEntry): number {
  return a.port - b.port || a.name.localeCompare(b.name);
}

/** haproxy.cfg sections for every published host and TCP service. */
export function haproxyConfig(http: readonly HttpEntry[], tcp: readonly TcpEntry[], domain: string): string {
  const lines = [
    '# Rendered by `npm run synth`: what OPNsense HAProxy needs to reach the cluster.',
    '# TLS (Let\'s Encrypt wildcard) and L7 end in HAProxy; the cluster gets plain HTTP on the',
    '# gateway\'s MetalLB address and raw TCP on each TCP service\'s address. Paste the ACLs and',
    '# use_backend lines into the existing HTTPS frontend, the rest as new sections',
    '# (Services > HAProxy > Settings > Advanced, or the equivalent GUI entries in README.md).',
    '',
    `# --- HTTPS frontend additions (*.${domain}) ---`,
  ];
  const gateways = [...new Map(http.map((e) => [`${e.address}:${e.port}`, e])).values()];
  for (const e of [...http].sort(byHost)) {
    lines.push(`    acl host_${slug(e.host)} hdr(host) -i ${e.host}`);
    lines.push(`    use_backend k8s_gateway_${slug(`${e.address}_${e.port}`)} if host_${slug(e.host)}`);
  }
  for (const g of gateways) {
    lines.push('', `backend k8s_gateway_${slug(`${g.address}_${g.port}`)}`, '    mode http', '    option forwardfor',
      '    http-request set-header X-Forwarded-Proto https', `    server gateway ${g.address}:${g.port} check`);
  }
  for (const e of [...tcp].sort(byPort)) {
    lines.push('', `frontend tcp_${slug(e.name)}`, '    mode tcp', `    bind :${e.port}`, `    default_backend tcp_${slug(e.name)}`,
      '', `backend tcp_${slug(e.name)}`, '    mode tcp', `    server ${slug(e.name)} ${e.address}:${e.port} check`);
  }
  return `${lines.join('\n')}\n`;
}

/** A Markdown table of the same entries, for people. */
export function haproxyTable(http: readonly HttpEntry[], tcp: readonly TcpEntry[]): string {
  const lines = [
    '# HAProxy entries for OPNsense',
    '',
    'Rendered by `npm run synth` from the constructs that publish something; `haproxy.cfg` beside',
    'this file holds the same entries as configuration. Every web host below resolves (wildcard',
    'DNS) to HAProxy, which ends TLS and forwards plain HTTP to the gateway address.',
    '',
    '## Web UIs (HTTPS -> gateway)',
    '',
    '| host | forward to | layer | what |',
    '|---|---|---|---|',
    ...[...http].sort(byHost).map((e) => `| ${e.host} | ${e.address}:${e.port} | ${e.layer} | ${tableCell(e.description)} |`),
    '',
    '## TCP services (HAProxy TCP frontend -> MetalLB address)',
    '',
  ];
  if (tcp.length === 0) lines.push('None yet.');
  else lines.push('| name | port | forward to | layer | what |', '|---|---|---|---|---|', ...[...tcp].sort(byPort).map((e) => `| ${e.name} | ${e.port} | ${e.address}:${e.port} | ${e.layer} | ${tableCell(e.description)} |`));
  return `${lines.join('\n')}\n`;
}

/**
 * `dist/hosts/haproxy/`: the backend list ops paste into OPNsense (haproxy.cfg) and a readable
 * table (README.md), computed at render time from everything published in the Inventory.
 */
export class HaproxyConfig extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const inventory = Inventory.of(this);
    const { site } = platformContext(this);
    new TextFile(this, 'config', { path: `${DIR}/haproxy.cfg`, content: () => haproxyConfig(inventory.http, inventory.tcp, site.domain) });
    new TextFile(this, 'readme', { path: `${DIR}/README.md`, content: () => haproxyTable(inventory.http, inventory.tcp) });
  }
}
