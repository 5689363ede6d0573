import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { yamlErrorParts } from '../yaml-error';
import { readInputFile } from '../config/input-file';
import { HAPROXY_PORTS, ReservedPort } from '../config/platform-rules';
import { contains, formatIp, formatRange, IpRange, parseAddressBlock, parseIp, rangeSize } from '../config/net';
import type { AppSpec } from '../config/app-schema';
import type { Site } from '../config/schema';
import { isMap } from '../k8s/manifest';
import { PlatformError } from '../platform-error';
import { sortKeys } from '../render/sort';

/**
 * IP and port allocation of the apps' load balancers, recorded in the committed lock file
 * `apps.lock.yaml` at the repository root.
 *
 * The rule: every app with `expose.tcp` gets ONE MetalLB address of its own from the site's
 * PaaS pool (`paas.pool` in site.yaml, default "apps"), and its TCP ports on that address. One
 * address per app keeps ports free of clashes between apps (two apps may both offer 5432),
 * lets MetalLB announce and move each app's address on its own, and keeps HAProxy's TCP
 * frontends one-to-one. Addresses are sticky: an app keeps the address the lock gives it for
 * as long as it exists; a removed app releases its address; a new app takes the lowest free one.
 */

/** The lock file's name, at the repository root. */
export const LOCK_FILE = 'apps.lock.yaml';

/** One app's allocation. */
export interface AppAllocation {
  /** Its MetalLB address. */
  readonly address: string;
  /** Its TCP ports on that address (the load balancer's ports), by port name. */
  readonly ports: Readonly<Record<string, number>>;
}

/** The lock: the pool addresses were taken from, and each app's allocation. */
export interface AppsLock {
  readonly pool: string;
  readonly apps: Readonly<Record<string, AppAllocation>>;
}

/** An app that needs a load balancer: its name and its exposed TCP ports (name -> external port). */
export interface LoadBalancerRequest {
  readonly app: string;
  readonly ports: Readonly<Record<string, number>>;
}

/** The pool to allocate from: its name and its address blocks. */
export interface AllocationPool {
  readonly name: string;
  readonly ranges: readonly IpRange[];
}

/** An address of the pool that no app may take, and what holds it. */
export interface ReservedAddress {
  readonly address: string;
  readonly what: string;
}

export { HAPROXY_PORTS } from '../config/platform-rules';
export type { ReservedPort } from '../config/platform-rules';

/** The empty lock of a pool (no app exposes TCP yet). */
export function emptyLock(pool: string): AppsLock {
  return { pool, apps: {} };
}

/** What each app asks for: apps with `expose.tcp`, their ports by name at the external port number. */
export function loadBalancerRequests(apps: readonly AppSpec[]): LoadBalancerRequest[] {
  return apps.filter((a) => a.expose.tcp.length > 0).map((a) => ({
    app: a.name,
    ports: Object.fromEntries(a.expose.tcp.map((t) => [t.port, t.externalPort ?? a.ports.find((p) => p.name === t.port)!.port])),
  }));
}

/** The PaaS pool of `site`: its name and address blocks (the site rules refuse a paas.pool that names no pool). */
export function paasPool(site: Site): AllocationPool {
  const pool = site.network.metallb.pools.find((p) => p.name === site.paas.pool);
  if (!pool) throw new Error(`programming error: paas.pool "${site.paas.pool}" names no pool of network.metallb.pools, which the site rules (lib/config/rules.ts) refuse; the site was not validated (load it with loadSite)`);
  return { name: pool.name, ranges: pool.addresses.map((a) => parseAddressBlock(a)!) };
}

/** Addresses inside the site's pools that apps must never take: the shared gateway's. */
export function reservedAddresses(site: Site): ReservedAddress[] {
  return [{ address: site.network.gateway.address, what: 'the shared gateway (network.gateway.address)' }];
}

/**
 * The new lock for `requests`: apps in `previous` keep their address, apps no longer requested
 * release theirs, new apps (in name order) take the lowest free address of `pool`. Throws a
 * PlatformError naming the lock file, the app and what to do when a locked address lies outside
 * the pool, two apps hold one address, a locked address is reserved, or the pool is exhausted.
 */
export function allocate(
  requests: readonly LoadBalancerRequest[], previous: AppsLock, pool: AllocationPool,
  reserved: readonly ReservedAddress[] = [], reservedPorts: readonly ReservedPort[] = HAPROXY_PORTS,
): AppsLock {
  checkPorts(requests, reservedPorts);
  const problems: string[] = [];
  const poolText = `pool "${pool.name}" (${pool.ranges.map(formatRange).join(', ')})`;
  const inPool = (ip: number) => pool.ranges.some((r) => contains(r, ip));
  const reservedBy = new Map(reserved.map((r) => [parseIp(r.address)!, r.what]));
  const wanted = new Map(requests.map((r) => [r.app, r]));
  const taken = new Map<number, string>();
  const out: Record<string, AppAllocation> = {};

  for (const app of Object.keys(previous.apps).sort()) {
    if (!wanted.has(app)) continue;
    const text = previous.apps[app].address;
    const ip = parseIp(text);
    const fix = `remove the entry of "${app}" from ${LOCK_FILE} to give it a new address (its clients and HAProxy entry then change)`;
    if (ip === undefined) problems.push(`${LOCK_FILE}: app "${app}": "${text}" is not an IPv4 address; ${fix}`);
    else if (!inPool(ip)) problems.push(`${LOCK_FILE}: app "${app}" holds ${text}, outside ${poolText}; ${fix}, or add the address back to the pool in site.yaml`);
    else if (reservedBy.has(ip)) problems.push(`${LOCK_FILE}: app "${app}" holds ${text}, which is reserved for ${reservedBy.get(ip)}; ${fix}`);
    else if (taken.has(ip)) problems.push(`${LOCK_FILE}: apps "${taken.get(ip)}" and "${app}" both hold ${text}; ${fix}`);
    else {
      taken.set(ip, app);
      out[app] = { address: text, ports: { ...wanted.get(app)!.ports } };
    }
  }
  if (problems.length) throw new PlatformError(`${LOCK_FILE} cannot be kept (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`);

  const free = freeAddresses(pool, taken, reservedBy);
  const fresh = requests.map((r) => r.app).filter((a) => !(a in out)).sort();
  if (fresh.length > free.length) {
    const size = pool.ranges.reduce((n, r) => n + rangeSize(r), 0);
    throw new PlatformError(`${poolText} is exhausted: ${size} addresses, ${taken.size} held by apps, ${reservedBy.size} reserved, ${free.length} free, but ${fresh.length} new app${fresh.length === 1 ? '' : 's'} need${fresh.length === 1 ? 's' : ''} one each (${fresh.join(', ')}); add addresses to the pool in site.yaml (network.metallb.pools) or remove expose.tcp from an app`);
  }
  fresh.forEach((app, i) => {
    out[app] = { address: formatIp(free[i]), ports: { ...wanted.get(app)!.ports } };
  });
  return { pool: pool.name, apps: Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]])) };
}

/**
 * Ports are the one thing apps share: each app's address is its own, but HAProxy publishes every
 * TCP port on its single address, one frontend per port. The app rules (checkAppAgainstPlatform,
 * checkAppTcpPortsTogether in lib/config/app-platform-rules.ts) refuse two apps on one port, or
 * an app on a port HAProxy keeps for itself, at the app's file:line:col; here it is a programming
 * error (apps not loaded with loadApps).
 */
function checkPorts(requests: readonly LoadBalancerRequest[], reservedPorts: readonly ReservedPort[]): void {
  const problems: string[] = [];
  const owner = new Map<number, string>(reservedPorts.map((r) => [r.port, r.what]));
  for (const r of [...requests].sort((a, b) => a.app.localeCompare(b.app))) {
    for (const [name, port] of Object.entries(r.ports).sort(([a], [b]) => a.localeCompare(b))) {
      const held = owner.get(port);
      if (held) problems.push(`app "${r.app}" exposes TCP port ${port} (expose.tcp "${name}"), which ${held} already uses on HAProxy's address`);
      else owner.set(port, `app "${r.app}"`);
    }
  }
  if (problems.length) throw new Error(`programming error: TCP ports of the apps clash, which the app rules (lib/config/app-platform-rules.ts) refuse; load the apps with loadApps (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`);
}

/** Free addresses of the pool in ascending order (site rules keep pools off the node subnet's network and broadcast addresses). */
function freeAddresses(pool: AllocationPool, taken: ReadonlyMap<number, string>, reserved: ReadonlyMap<number, string>): number[] {
  const out: number[] = [];
  const ranges = [...pool.ranges].sort((a, b) => a.first - b.first);
  for (const r of ranges) {
    for (let ip = r.first; ip <= r.last; ip++) {
      if (!taken.has(ip) && !reserved.has(ip)) out.push(ip);
    }
  }
  return out;
}

/** The lock as the committed file: a header, then sorted YAML. */
export function formatLock(lock: AppsLock): string {
  return [
    '# Rendered by `npm run synth`: the MetalLB address and TCP ports of every app with expose.tcp.',
    '# Commit it with dist/. Each app keeps its address while it exists; remove an entry only to',
    '# move an app to a new address (its clients and the HAProxy entry change with it).',
    stringify(sortKeys(lock), { lineWidth: 0 }),
  ].join('\n');
}

/** Parses the lock file's text; throws a PlatformError naming the file when it is not a lock. */
export function parseLock(text: string, file: string = LOCK_FILE): AppsLock {
  let data: unknown;
  try {
    data = parse(text);
  } catch (e) {
    // The parser's position ("at line 4, column 5:") goes where every input error has it: file:line:column.
    const { at, what } = yamlErrorParts(e);
    throw new PlatformError(`${file}${at}: not valid YAML (${what}); restore it from git (git checkout -- ${LOCK_FILE})`);
  }
  const bad = (what: string) => new PlatformError(`${file}: ${what}; restore it from git (git checkout -- ${LOCK_FILE}) or delete it to allocate every address afresh`);
  if (!isMap(data)) throw bad('must be a map with "pool" and "apps"');
  const { pool, apps } = data as Record<string, unknown>;
  if (typeof pool !== 'string') throw bad('"pool" must be the name of a MetalLB pool');
  if (!isMap(apps)) throw bad('"apps" must map app names to { address, ports }');
  const out: Record<string, AppAllocation> = {};
  for (const [app, entry] of Object.entries(apps as Record<string, unknown>)) {
    const e = entry as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || typeof e.address !== 'string') throw bad(`apps.${app} must have an "address"`);
    const ports = (e.ports ?? {}) as Record<string, unknown>;
    if (typeof ports !== 'object' || Object.values(ports).some((p) => typeof p !== 'number')) throw bad(`apps.${app}.ports must map port names to numbers`);
    out[app] = { address: e.address, ports: ports as Record<string, number> };
  }
  return { pool, apps: out };
}

/** Reads the lock file at `file`; the empty lock of `pool` when there is none yet. */
export function readLock(file: string, pool: string): AppsLock {
  return fs.existsSync(file) ? parseLock(readInputFile(file, path.relative(process.cwd(), file) || file, 'the address lock'), file) : emptyLock(pool);
}
