import { parseAddressBlock } from '../../lib/config/net';
import { allocate, AppsLock, emptyLock, formatLock, LoadBalancerRequest, paasPool, parseLock, reservedAddresses } from '../../lib/paas/lock';
import { PlatformError } from '../../lib/platform-error';
import { shippedSite, siteWith } from '../helpers';

const POOL = { name: 'apps', ranges: [parseAddressBlock('10.0.0.10-10.0.0.13')!] };
/** A request; by default one port per app name (apps never share a port: HAProxy binds each once). */
const portOf = (app: string) => 10000 + [...app].reduce((n, c) => (n * 31 + c.charCodeAt(0)) % 50000, 0);
const req = (app: string, ports: Record<string, number> = { tcp: portOf(app) }): LoadBalancerRequest => ({ app, ports });
const addresses = (lock: AppsLock) => Object.fromEntries(Object.entries(lock.apps).map(([k, v]) => [k, v.address]));
const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PlatformError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
};

describe('apps.lock.yaml allocation', () => {
  test('GIVEN new apps WHEN allocated THEN each takes the lowest free address in name order, with its ports', () => {
    const lock = allocate([req('mqtt', { mqtt: 1883 }), req('db')], emptyLock('apps'), POOL);
    expect(lock).toEqual({ pool: 'apps', apps: { db: { address: '10.0.0.10', ports: { tcp: portOf('db') } }, mqtt: { address: '10.0.0.11', ports: { mqtt: 1883 } } } });
  });

  test('GIVEN a lock WHEN an app is added before the others by name THEN no existing app moves', () => {
    const first = allocate([req('db'), req('mqtt')], emptyLock('apps'), POOL);
    const second = allocate([req('aaa'), req('db'), req('mqtt')], first, POOL);
    expect(addresses(second)).toEqual({ aaa: '10.0.0.12', db: '10.0.0.10', mqtt: '10.0.0.11' });
  });

  test('GIVEN a lock WHEN an app is removed THEN it releases its address, the others keep theirs, and the next new app takes the freed one', () => {
    const first = allocate([req('a'), req('b'), req('c')], emptyLock('apps'), POOL);
    const removed = allocate([req('a'), req('c')], first, POOL);
    expect(addresses(removed)).toEqual({ a: '10.0.0.10', c: '10.0.0.12' });
    expect(addresses(allocate([req('a'), req('c'), req('d')], removed, POOL))).toEqual({ a: '10.0.0.10', c: '10.0.0.12', d: '10.0.0.11' });
  });

  test('GIVEN the same inputs twice WHEN allocated THEN the lock is the same (stable)', () => {
    const once = allocate([req('b'), req('a')], emptyLock('apps'), POOL);
    expect(allocate([req('a'), req('b')], once, POOL)).toEqual(once);
  });

  test('GIVEN the gateway address inside the pool WHEN allocating THEN it is skipped, and a lock entry on it is an error', () => {
    const reserved = [{ address: '10.0.0.10', what: 'the shared gateway' }];
    expect(addresses(allocate([req('a')], emptyLock('apps'), POOL, reserved))).toEqual({ a: '10.0.0.11' });
    const bad: AppsLock = { pool: 'apps', apps: { a: { address: '10.0.0.10', ports: {} } } };
    expect(errorOf(() => allocate([req('a')], bad, POOL, reserved))).toBe(
      'apps.lock.yaml cannot be kept (1 problem):\n  apps.lock.yaml: app "a" holds 10.0.0.10, which is reserved for the shared gateway; remove the entry of "a" from apps.lock.yaml to give it a new address (its clients and HAProxy entry then change)',
    );
  });

  test('GIVEN two apps on one address in the lock WHEN allocating THEN it is a clash naming both apps', () => {
    const bad: AppsLock = { pool: 'apps', apps: { a: { address: '10.0.0.11', ports: {} }, b: { address: '10.0.0.11', ports: {} } } };
    expect(errorOf(() => allocate([req('a'), req('b')], bad, POOL))).toContain('apps.lock.yaml: apps "a" and "b" both hold 10.0.0.11; remove the entry of "b" from apps.lock.yaml');
  });

  test('GIVEN a lock entry outside the pool WHEN allocating THEN it is an error naming the file, the app, the pool and the fix', () => {
    const bad: AppsLock = { pool: 'apps', apps: { a: { address: '10.0.0.50', ports: {} } } };
    expect(errorOf(() => allocate([req('a')], bad, POOL))).toContain(
      'apps.lock.yaml: app "a" holds 10.0.0.50, outside pool "apps" (10.0.0.10-10.0.0.13); remove the entry of "a" from apps.lock.yaml to give it a new address (its clients and HAProxy entry then change), or add the address back to the pool in site.yaml',
    );
    // An entry of a removed app is dropped, whatever it says.
    expect(allocate([], bad, POOL)).toEqual({ pool: 'apps', apps: {} });
  });

  test('GIVEN more apps than free addresses WHEN allocating THEN the pool is exhausted, with the count and what to do', () => {
    const reserved = [{ address: '10.0.0.13', what: 'gateway' }];
    const first = allocate([req('a'), req('b')], emptyLock('apps'), POOL, reserved);
    expect(errorOf(() => allocate([req('a'), req('b'), req('c'), req('d')], first, POOL, reserved))).toBe(
      'pool "apps" (10.0.0.10-10.0.0.13) is exhausted: 4 addresses, 2 held by apps, 1 reserved, 1 free, but 2 new apps need one each (c, d); add addresses to the pool in site.yaml (network.metallb.pools) or remove expose.tcp from an app',
    );
  });

  test('GIVEN two apps on one TCP port, or an app on HAProxy\'s 443, not loaded with loadApps WHEN allocating THEN it is a programming error naming the apps (the app rules refuse both: fixtures tcp-port-of-haproxy, together/tcp-port-clash)', () => {
    expect(() => allocate([req('a', { pg: 5432 }), req('b', { db: 5432 }), req('c', { tls: 443 })], emptyLock('apps'), POOL)).toThrow([
      'programming error: TCP ports of the apps clash, which the app rules (lib/config/app-platform-rules.ts) refuse; load the apps with loadApps (2 problems):',
      '  app "b" exposes TCP port 5432 (expose.tcp "db"), which app "a" already uses on HAProxy\'s address',
      '  app "c" exposes TCP port 443 (expose.tcp "tls"), which HAProxy\'s HTTPS frontend already uses on HAProxy\'s address',
    ].join('\n'));
  });

  test('GIVEN a lock WHEN written and read back THEN it round-trips, and a broken file is a clear error', () => {
    const lock = allocate([req('a', { mqtt: 1883, ws: 8083 })], emptyLock('apps'), POOL);
    const text = formatLock(lock);
    expect(text).toContain('apps:\n  a:\n    address: 10.0.0.10\n    ports:\n      mqtt: 1883\n      ws: 8083\npool: apps\n');
    expect(parseLock(text)).toEqual(lock);
    expect(() => parseLock('pool: apps\napps: { a: { ports: {} } }\n')).toThrow('apps.lock.yaml: apps.a must have an "address"; restore it from git');
  });

  test('GIVEN a lock with a key set twice (a hand edit) WHEN read THEN the error names the file, line and column of the key and what to do, without the parser\'s excerpt', () => {
    const text = 'apps:\n  a:\n    address: 10.0.0.10\n    address: 10.0.0.11\npool: apps\n';
    expect(() => parseLock(text)).toThrow(new Error('apps.lock.yaml:4:5: not valid YAML (Map keys must be unique); restore it from git (git checkout -- apps.lock.yaml)'));
  });

  test('GIVEN the shipped site WHEN its pool and reserved addresses are read THEN apps allocate from "apps" and never take the gateway address', () => {
    const site = shippedSite();
    expect(paasPool(site)).toEqual({ name: 'apps', ranges: [parseAddressBlock('10.251.51.220-10.251.51.250')!] });
    expect(reservedAddresses(site)).toEqual([{ address: '10.251.51.200', what: 'the shared gateway (network.gateway.address)' }]);
    expect(() => paasPool(siteWith((s) => { s.paas.pool = 'nope'; }))).toThrow('paas.pool "nope" names no pool');
  });
});
