import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { parseApp } from '../../lib/config/load-apps';
import { APP_RENDERS_FILE, AppRenders } from '../../lib/render/app-renders';
import { renderSite, renderSiteAnalysed } from '../../lib/synth';
import { verifyTree } from '../../lib/verify/verify';
import { shippedSite, thrownBy, withSynthesizedApps, writeTree } from '../helpers';

const site = shippedSite();

/** A web front end that calls every port of api. */
const FRONT = [
  'environment: prod', 'image: registry.turnsys.com/tsys/front:1.0.0',
  'ports: [ { name: http, port: 8080 } ]', 'health: { path: /healthz }',
  'expose: { http: { host: front.turnsys.com } }',
  'calls: [ { app: api } ]',
].join('\n');
/** The API: an HTTP port, a UDP port and its metrics. */
const API = [
  'environment: prod', 'image: registry.turnsys.com/tsys/api:1.0.0',
  'ports: [ { name: http, port: 9000 }, { name: beacon, port: 9999, protocol: UDP }, { name: metrics, port: 9100 } ]',
  'health: { path: /healthz, port: http }', 'metrics: { port: metrics }',
].join('\n');
/** A worker that calls api on its HTTP port only. */
const INDEXER = [
  'kind: worker', 'environment: prod', 'image: registry.turnsys.com/tsys/indexer:1.0.0',
  'health: { command: [ indexer, ping ] }',
  'calls: [ { app: api, port: http } ]',
].join('\n');
const APPS: Record<string, string> = { front: FRONT, api: API, indexer: INDEXER };
const specsOf = (apps: Record<string, string>) => Object.keys(apps).sort().map((n) => parseApp(apps[n], `apps/${n}.yaml`, site));

/** The NetworkPolicies of an app's folder, by name. */
function policies(files: readonly { path: string; content: string }[], app: string): Map<string, Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const out = new Map<string, Record<string, any>>(); // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const f of files.filter((x) => x.path.startsWith(`dist/workloads/${app}/networkpolicy-`))) {
    const o = parse(f.content);
    out.set(o.metadata.name, o);
  }
  return out;
}

describe('apps calling apps (calls): the two policies of a call, in the caller\'s folder', () => {
  const files = renderSite(site, undefined, specsOf(APPS));

  test('GIVEN a web app calling every port of api WHEN rendered THEN its folder holds front-to-api (egress from its pods to api\'s) and api-from-front (ingress into api\'s pods from its pods), each on api\'s named ports with their protocols', () => {
    const front = policies(files, 'front');
    expect([...front.keys()].sort()).toEqual(['api-from-front', 'front-from-gateway', 'front-to-api']);
    const ports = [{ port: 'http', protocol: 'TCP' }, { port: 'beacon', protocol: 'UDP' }, { port: 'metrics', protocol: 'TCP' }];
    expect(front.get('front-to-api')).toEqual({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
      metadata: { name: 'front-to-api', namespace: 'prod', labels: { 'app.kubernetes.io/name': 'front', 'app.kubernetes.io/part-of': 'prod' } },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'front' } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api' } } }], ports }],
      },
    });
    expect(front.get('api-from-front')).toEqual({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
      // The caller's object (its labels, its folder, its Application), selecting the target's pods.
      metadata: { name: 'api-from-front', namespace: 'prod', labels: { 'app.kubernetes.io/name': 'front', 'app.kubernetes.io/part-of': 'prod' } },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'front' } } }], ports }],
      },
    });
  });

  test('GIVEN a worker calling api on one port WHEN rendered THEN its two policies let that port through only', () => {
    const indexer = policies(files, 'indexer');
    expect([...indexer.keys()].sort()).toEqual(['api-from-indexer', 'indexer-to-api']);
    expect(indexer.get('indexer-to-api')!.spec.egress).toEqual([{ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api' } } }], ports: [{ port: 'http', protocol: 'TCP' }] }]);
    expect(indexer.get('api-from-indexer')!.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'indexer' } } }], ports: [{ port: 'http', protocol: 'TCP' }] }]);
  });

  test('GIVEN api called by two apps WHEN rendered THEN its own folder is what it is when nobody calls it (the callers\' policies are theirs)', () => {
    const alone = renderSite(site, undefined, specsOf({ api: API }));
    const folder = (fs: readonly { path: string; content: string }[]) => fs.filter((f) => f.path.startsWith('dist/workloads/api/')).map((f) => [f.path, f.content]);
    expect(folder(files)).toEqual(folder(alone));
    expect([...policies(files, 'api').keys()]).toEqual(['api-from-prometheus']);
  });

  test('GIVEN a caller rendered without the app it calls (not loaded together) WHEN rendered THEN the render stops naming the call and the loader that refuses it', () => {
    const error = thrownBy(() => renderSite(site, undefined, specsOf({ front: FRONT })));
    expect((error as Error).message).toContain('app "front" calls "api" (calls[0]), which is not among the apps rendered; load the apps together (loadApps), which refuses it at the field');
  });

  test('GIVEN the caller, the worker and api in a checkout WHEN synthesized THEN verify, its HA rules and the N-1 simulation pass', () => {
    withSynthesizedApps(APPS, (root) => {
      expect(verifyTree(root)).toEqual([]);
      expect(fs.existsSync(path.join(root, 'dist/workloads/front/networkpolicy-api-from-front.yaml'))).toBe(true);
    });
  }, 600_000);
});

describe('the render cache and calls: the caller\'s key covers what its policies read of the app called', () => {
  test('GIVEN a caller and api rendered with the cache WHEN api gets another port THEN the caller is rendered again and lets it through; WHEN only a port\'s number changes THEN the caller is reused (its policies name ports) and the files are a render\'s without the cache', () => {
    const dir = writeTree({});
    try {
      const file = path.join(dir, APP_RENDERS_FILE);
      const none = { reuse: () => undefined };
      const render = (apps: Record<string, string>, renders?: AppRenders) => renderSiteAnalysed(site, undefined, specsOf(apps), undefined, undefined, undefined, none, undefined, renders).files;
      const first = new AppRenders(file, 'the code');
      render({ front: FRONT, api: API }, first);
      expect([first.reused, first.recorded]).toEqual([0, 2]);
      first.save();

      const morePorts = API.replace('{ name: metrics, port: 9100 }', '{ name: metrics, port: 9100 }, { name: admin, port: 9200 }');
      const added = new AppRenders(file, 'the code');
      const withPort = render({ front: FRONT, api: morePorts }, added);
      expect([added.reused, added.recorded]).toEqual([0, 2]);
      expect(withPort).toStrictEqual(render({ front: FRONT, api: morePorts }));
      expect(policies(withPort, 'front').get('front-to-api')!.spec.egress[0].ports).toContainEqual({ port: 'admin', protocol: 'TCP' });

      const renumbered = API.replace('port: 9000', 'port: 9001');
      const moved = new AppRenders(file, 'the code');
      const withNumber = render({ front: FRONT, api: renumbered }, moved);
      expect([moved.reused, moved.recorded]).toEqual([1, 1]);
      expect(withNumber).toStrictEqual(render({ front: FRONT, api: renumbered }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
