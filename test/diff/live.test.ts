import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { argoCdApi, connectionFromEnv } from '../../lib/diff/argocd-api';
import { runDiffCli } from '../../lib/diff/command';
import { hasLiveDifferences, liveDiff, projectOnto, renderLive } from '../../lib/diff/live';
import { configMap, deployment, file, Obj, service } from './fixtures';
import { commandLine } from '../command-line';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'argocd-api', 'v3.2.0');
const TOKEN = 'recorded-test-token';

/** A directory Application of the platform syncing `dist/<name>`. */
function directoryApp(name: string): Obj {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd' },
    spec: {
      project: 'platform',
      destination: { namespace: name, server: 'https://kubernetes.default.svc' },
      source: { repoURL: 'https://git.turnsys.com/tsys/platform.git', path: `dist/${name}`, targetRevision: 'main', directory: { include: '*.yaml' } },
    },
  };
}

/** The render compared: web as in Git, cache changed and not pushed, new not in Argo CD at all. */
const render = [
  file('dist/apps', directoryApp('web')),
  file('dist/apps', directoryApp('cache')),
  file('dist/apps', directoryApp('new')),
  file('dist/web', deployment('site', 'web', 3)),
  file('dist/web', service('site', 'web')),
  file('dist/web', configMap('extra', 'web')),
  file('dist/cache', configMap('a', 'cache', { a: '2' })),
  file('dist/new', configMap('n', 'new')),
];

/** Serves the recorded answers as Argo CD's API server does (bearer token, gateway errors as JSON). */
function recordedArgoCd(): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      send(401, { error: 'invalid session: token signature is invalid', code: 16, message: 'invalid session: token signature is invalid' });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/api/v1/applications') return send(200, fs.readFileSync(path.join(FIXTURES, 'applications.json'), 'utf8'));
    const m = /^\/api\/v1\/applications\/([^/]+)\/managed-resources$/.exec(url.pathname);
    const recorded = m && path.join(FIXTURES, 'managed-resources', `${m[1]}.json`);
    if (recorded && fs.existsSync(recorded)) return send(200, fs.readFileSync(recorded, 'utf8'));
    send(404, { error: `applications.argoproj.io "${m?.[1]}" not found`, code: 5, message: `applications.argoproj.io "${m?.[1]}" not found` });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    resolve({ url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((done) => server.close(() => done())) });
  }));
}

function io(env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, env } };
}

describe('diff --live against a recorded Argo CD API (v3.2.0)', () => {
  let argo: Awaited<ReturnType<typeof recordedArgoCd>>;
  beforeAll(async () => {
    argo = await recordedArgoCd();
  });
  afterAll(() => argo.close());

  test('GIVEN a hand-scaled Deployment, a pruned ConfigMap, an unpushed change and an app Argo CD lacks WHEN compared live THEN each is reported per Application', async () => {
    const report = await liveDiff(argoCdApi(connectionFromEnv({ ARGOCD_SERVER: argo.url, ARGOCD_AUTH_TOKEN: TOKEN })), () => render);
    expect(argo.requests).toEqual(['/api/v1/applications', '/api/v1/applications/cache/managed-resources?appNamespace=argocd', '/api/v1/applications/web/managed-resources?appNamespace=argocd']);
    const web = report.apps.find((a) => a.name === 'web')!;
    expect(web).toMatchObject({ known: true, sync: 'OutOfSync', health: 'Healthy', path: 'dist/web' });
    expect(web.outOfSync).toEqual([
      { ref: { kind: 'ConfigMap', namespace: 'web', name: 'retired' }, prune: true },
      { ref: { kind: 'Deployment', namespace: 'web', name: 'site' }, prune: false, health: 'Healthy' },
    ]);
    // Only the fields the render sets: defaults the API server adds (strategy, protocol, clusterIP) are no drift.
    expect(web.drift).toEqual([{ ref: { kind: 'Deployment', namespace: 'web', name: 'site' }, fields: [
      { path: 'spec.replicas', op: 'changed', before: 3, after: 1 },
      { path: 'spec.template.spec.containers[name=app].env[name=A].value', op: 'changed', before: '1', after: '2' },
    ] }]);
    expect(web.notPushed).toEqual([]);
    expect(web.notInArgo.map((r) => r.name)).toEqual(['extra']);
    const cache = report.apps.find((a) => a.name === 'cache')!;
    expect(cache.drift).toEqual([]);
    expect(cache.notPushed).toEqual([{ ref: { kind: 'ConfigMap', namespace: 'cache', name: 'a' }, fields: [{ path: 'data.a', op: 'changed', before: '1', after: '2' }] }]);
    expect(report.apps.find((a) => a.name === 'new')).toMatchObject({ known: false, notInArgo: [expect.objectContaining({ name: 'n' })] });
    expect(report.extra).toEqual(['legacy']);
    expect(hasLiveDifferences(report)).toBe(true);

    const text = renderLive(report);
    expect(text).toContain(`Live diff: the render → Argo CD at ${argo.url}\n`);
    expect(text).toContain([
      'Application web (dist/web): OutOfSync, Healthy',
      '  ~ out of sync: ConfigMap web/retired (not in Git: Argo CD prunes it)',
      '  ~ out of sync: Deployment web/site [Healthy]',
      '  ! drift (changed by hand; Git → live): Deployment web/site',
      '      spec.replicas: 3 → 1',
      '      spec.template.spec.containers[name=app].env[name=A].value: "1" → "2"',
      '  + not managed by Argo CD yet: ConfigMap web/extra',
    ].join('\n'));
    expect(text).toContain('Application new: not in Argo CD (sync the root Application, or apply argocd/ for a first install); 1 rendered objects wait for it');
    expect(text).toContain('Applications in Argo CD that the render does not declare: legacy');
    expect(text.trimEnd().split('\n').pop()).toBe('3 of 3 Applications differ from the render; 1 more in Argo CD only');
  });

  test('GIVEN the render as Argo CD has it WHEN compared live THEN nothing differs', async () => {
    const same = [file('dist/apps', directoryApp('cache')), file('dist/cache', configMap('a', 'cache', { a: '1' }))];
    const report = await liveDiff(argoCdApi(connectionFromEnv({ ARGOCD_SERVER: argo.url, ARGOCD_AUTH_TOKEN: TOKEN })), () => same);
    expect(report.apps).toEqual([expect.objectContaining({ name: 'cache', drift: [], notPushed: [], outOfSync: [], missing: [], notInArgo: [] })]);
    expect(renderLive({ ...report, extra: [] }).trimEnd().split('\n').pop()).toBe('all 1 Applications match the render');
  });

  test('GIVEN a wrong token, no server, or no Argo CD listening WHEN diff --live --exit-code runs THEN it exits 2 with one line saying what to do, before rendering', async () => {
    const wrong = io({ ARGOCD_SERVER: argo.url, ARGOCD_AUTH_TOKEN: 'expired' });
    await expect(runDiffCli(commandLine('diff', '--live', '--exit-code', '--root', '/nonexistent'), wrong.io)).resolves.toBe(2);
    expect(wrong.err.join('')).toBe(`diff failed: Argo CD at ${argo.url} refused the token (HTTP 401: invalid session: token signature is invalid); set ARGOCD_AUTH_TOKEN to a valid token (argocd account generate-token) of an account that may get applications\n`);

    const unset = io({});
    await expect(runDiffCli(commandLine('diff', '--live', '--exit-code'), unset.io)).resolves.toBe(2);
    expect(unset.err.join('')).toMatch(/^diff failed: --live reads Argo CD's API: set ARGOCD_SERVER \(.*\) and ARGOCD_AUTH_TOKEN \(argocd account generate-token\)\n$/);

    const closed = await recordedArgoCd();
    await closed.close();
    const down = io({ ARGOCD_SERVER: closed.url, ARGOCD_AUTH_TOKEN: TOKEN });
    await expect(runDiffCli(commandLine('diff', '--live', '--root', '/nonexistent'), down.io)).resolves.toBe(1);
    expect(down.err.join('')).toBe(`diff failed: cannot reach Argo CD at ${closed.url} (ECONNREFUSED); check ARGOCD_SERVER, or port-forward (kubectl -n argocd port-forward svc/argocd-server 8080:443) and set ARGOCD_SERVER=localhost:8080\n`);
    expect(down.err.join('').split('\n')).toHaveLength(2);

    const clash = io({});
    expect(runDiffCli(commandLine('diff', '--live', '--base', 'main', '--exit-code'), clash.io)).toBe(2);
    expect(clash.err.join('')).toMatch(/^diff: --live compares the working tree's render with Argo CD, not with a revision: leave out --base \(tsys diff --help shows the usage\)\n$/);
  });

  test('GIVEN an ARGOCD_SERVER that is not a URL WHEN diff --live runs THEN one line names the variable and what to set, exit 1, no stack', async () => {
    const bad = io({ ARGOCD_SERVER: 'http://[::1', ARGOCD_AUTH_TOKEN: TOKEN });
    await expect(runDiffCli(commandLine('diff', '--live', '--root', '/nonexistent'), bad.io)).resolves.toBe(1);
    expect(bad.err.join('')).toBe('diff failed: ARGOCD_SERVER "http://[::1" is not a URL or host; set it like https://argocd.example.com or argocd.example.com:443\n');
  });

  test('GIVEN ARGOCD_SERVER as host:port WHEN read THEN it means https, and ARGOCD_INSECURE skips certificate checks', () => {
    expect(connectionFromEnv({ ARGOCD_SERVER: 'argocd.example.com:8443/', ARGOCD_AUTH_TOKEN: 't', ARGOCD_INSECURE: 'true' })).toEqual({ url: 'https://argocd.example.com:8443', token: 't', insecure: true });
  });

  test('GIVEN live objects with fields the render does not set WHEN projected onto the render THEN only the render\'s fields remain, named lists matched by name', () => {
    expect(projectOnto({ a: 1, l: [{ name: 'x', v: 1 }] }, { a: 2, b: 3, l: [{ name: 'y', v: 5 }, { name: 'x', v: 1, extra: true }] })).toEqual({ a: 2, l: [{ name: 'x', v: 1 }, { name: 'y', v: 5 }] });
  });
});
