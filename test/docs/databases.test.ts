import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { renderSite } from '../../lib/synth';
import { REPO, shippedSite } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every object below `value` (depth first). */
function objectsIn(value: unknown): Obj[] {
  if (Array.isArray(value)) return value.flatMap(objectsIn);
  if (value && typeof value === 'object') return [value as Obj, ...Object.values(value).flatMap(objectsIn)];
  return [];
}

describe('docs/databases.md', () => {
  const site = shippedSite();
  const rendered = renderSite(site);
  const doc = rendered.find((f) => f.path === 'docs/databases.md')!.content;
  const manifests = rendered.filter((f) => f.path.startsWith('dist/') && f.path.endsWith('.yaml') && !f.path.startsWith('dist/hosts/'));
  const rows = [...doc.matchAll(/^\| (\w+) \| ([^ |]+) \| `([^`]+)` \| `([^`]+)` \| `([^`]+)` \| ([^|]+) \|/gm)]
    .map((m) => ({ engine: m[1], endpoint: m[2], database: m[3], user: m[4], passwordRef: m[5], usedBy: m[6].trim() }));

  /** A user name kept in a Secret (Keycloak CR): the plain value of the ExternalSecret template that makes it. */
  function usernameFromSecret(ref: { name: string; key: string } | undefined): string | undefined {
    if (!ref) return undefined;
    const es = manifests.map((f) => parse(f.content) as Obj).find((o) => o.kind === 'ExternalSecret' && o.spec.target.name === ref.name);
    return es?.spec.target.template?.data?.[ref.key];
  }

  test('GIVEN the rendered configuration WHEN the DBaaS databases it connects to are collected THEN docs/databases.md lists exactly those', () => {
    const referenced = new Set<string>();
    const pg = site.dbaas.postgresql!;
    const redis = site.dbaas.redis!;
    for (const f of manifests) {
      // PostgreSQL: Helm values naming the DBaaS host, with the database and the user.
      for (const o of objectsIn(parse(f.content))) {
        // Grafana's grafana.ini names `host:port` in one key, the database as `name`.
        if (o.host === pg.host || o.host === `${pg.host}:${pg.port}`) {
          if (o.host === pg.host) expect([f.path, String(o.port)]).toEqual([f.path, String(pg.port)]);
          referenced.add(`postgresql ${pg.host}:${pg.port} ${o.coreDatabase ?? o.database ?? o.name} ${o.username ?? o.user ?? usernameFromSecret(o.usernameSecret)}`);
        }
      }
      // Rendered chart configuration: Harbor's env ConfigMap and Grafana's grafana.ini.
      const obj = parse(f.content) as Obj;
      if (obj.kind === 'ConfigMap') {
        const data: Record<string, string> = obj.data ?? {};
        if (data.POSTGRESQL_HOST === pg.host) {
          expect([f.path, data.POSTGRESQL_PORT ?? String(pg.port)]).toEqual([f.path, String(pg.port)]);
          referenced.add(`postgresql ${pg.host}:${pg.port} ${data.POSTGRESQL_DATABASE} ${data.POSTGRESQL_USERNAME}`);
        }
        for (const ini of Object.values(data)) {
          const section = /^\[database\]\n([\s\S]*?)(?:^\[|(?![\s\S]))/m.exec(ini)?.[1];
          const key = (k: string) => section && new RegExp(`^${k} = (.+)$`, 'm').exec(section)?.[1].trim();
          if (key('host') === `${pg.host}:${pg.port}`) referenced.add(`postgresql ${pg.host}:${pg.port} ${key('name')} ${key('user')}`);
        }
      }
      // redis: connection URLs to the DBaaS (the user before the colon; none is the default user).
      for (const m of f.content.matchAll(/redis:\/\/([^:@\s/]*):[^@\n]*@([^:/\s]+):(\d+)\/(\d+)/g)) {
        expect(`${m[2]}:${m[3]}`).toBe(`${redis.host}:${redis.port}`);
        referenced.add(`redis ${m[2]}:${m[3]} ${m[4]} ${m[1] || 'default'}`);
      }
    }
    expect(referenced.size).toBeGreaterThanOrEqual(4);
    expect(new Set(rows.map((r) => `${r.engine} ${r.endpoint} ${r.database} ${r.user}`))).toEqual(referenced);
  });

  test('GIVEN a listed database WHEN its password is looked up THEN the layer using it reads that Bitwarden item through an ExternalSecret', () => {
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const item = r.passwordRef.slice('bitwarden:'.length).split('#')[0];
      const readers = manifests.filter((f) => f.path.startsWith(`dist/${r.usedBy}/externalsecret-`)).flatMap((f) => (parse(f.content).spec.data as Obj[]).map((d) => d.remoteRef.key));
      expect([r.database, readers]).toEqual([r.database, expect.arrayContaining([item])]);
    }
  });

  test('GIVEN the committed docs WHEN compared with a fresh render THEN docs/databases.md is current', () => {
    expect(fs.readFileSync(path.join(REPO, 'docs', 'databases.md'), 'utf8')).toBe(doc);
  });
});
