import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { runPromoteCli } from '../../lib/drill/cli';
import { KubeApi } from '../../lib/drill/kube-api';
import { parseKubeconfig } from '../../lib/drill/kubeconfig';
import { testIo } from '../delivery/cli-io';
import { REPO } from '../helpers';
import { KubeReply, KubeRequest, KubeTestServer } from './kube-server';
import { commandLine } from '../command-line';

/**
 * `npm run promote` under faults, as test/delivery probes release, publish and mirror: inputs it
 * cannot read, a network error from the API server, and answers that are not a Rollout. Each
 * gives one line naming what failed and what to do, exit 1, no stack trace. (promote writes no
 * file: the cluster is its only output.)
 */

const SHOP = ['environment: uat', 'image: nginx:1.27.3', 'strategy: { type: blueGreen }', 'ports: [ { name: http, port: 8080 } ]'].join('\n');
const PATH = '/apis/argoproj.io/v1alpha1/namespaces/uat/rollouts/shop';
const PAUSED = { metadata: { name: 'shop' }, spec: { strategy: { blueGreen: {} } }, status: { phase: 'Paused', message: 'BlueGreenPause', pauseConditions: [{ reason: 'BlueGreenPause' }] } };
const STACK = /\n\s+at /;

const kubeconfig = (server: string) => `current-context: c\ncontexts: [ { name: c, context: { cluster: k, user: u } } ]\nclusters: [ { name: k, cluster: { server: "${server}" } } ]\nusers: [ { name: u, user: { token: t } } ]\n`;

describe('npm run promote under faults', () => {
  let root: string;
  let server: KubeTestServer;
  let handler: (r: KubeRequest) => KubeReply;
  let api: KubeApi;
  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'promote-faults-'));
    fs.copyFileSync(path.join(REPO, 'site.yaml'), path.join(root, 'site.yaml'));
    fs.mkdirSync(path.join(root, 'apps'));
    fs.writeFileSync(path.join(root, 'apps', 'shop.yaml'), SHOP);
    handler = () => ({ status: 200, body: PAUSED });
    server = new KubeTestServer((r) => handler(r));
    api = new KubeApi(parseKubeconfig(kubeconfig(await server.start()), 'kc'));
  });
  afterEach(async () => {
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** Runs `tsys promote shop [flags]` against the test server: exit code and stderr. */
  async function promoted(...flags: string[]): Promise<{ code: number; stderr: string; stdout: string[] }> {
    const io = testIo({});
    const code = await runPromoteCli(commandLine('promote', 'shop', '--root', root, ...flags), io, { api });
    return { code, stderr: io.stderr.join('\n'), stdout: io.stdout };
  }

  test('GIVEN the API server closes the connection WHEN promote runs THEN one line names the server and the kubeconfig to check', async () => {
    handler = () => {
      throw new Error('unreachable');
    };
    await server.close();
    const { code, stderr } = await promoted();
    expect(code).toBe(1);
    expect(stderr).not.toMatch(STACK);
    expect(stderr).toMatch(/^promote: Kubernetes API http:\/\/127\.0\.0\.1:\d+: GET \/apis\/argoproj\.io\/v1alpha1\/namespaces\/uat\/rollouts\/shop failed \(ECONNREFUSED\); is the cluster reachable/);
  });

  test('GIVEN the API server cuts its answer short WHEN promote runs THEN one line names the request (it does not wait for ever)', async () => {
    // A raw server: the status line, half the body announced, then the connection drops.
    const cutter = net.createServer((socket) => socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"metadata":');
      setTimeout(() => socket.destroy(), 20);
    }));
    await new Promise<void>((resolve) => cutter.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(cutter.address() as net.AddressInfo).port}`;
    api = new KubeApi(parseKubeconfig(kubeconfig(base), 'kc'), 5000);
    try {
      const { code, stderr } = await promoted();
      expect(code).toBe(1);
      expect(stderr).toBe(`promote: Kubernetes API ${base}: GET ${PATH} failed (its answer was cut short: ECONNRESET); is the cluster reachable, and is kc (context c) the right kubeconfig?`);
    } finally {
      await new Promise<void>((resolve) => cutter.close(() => resolve()));
    }
  }, 20_000);

  test('GIVEN the kubeconfig is missing WHEN promote runs THEN one line names it and how to pass another', async () => {
    const io = testIo({ KUBECONFIG: path.join(root, 'no-such-kubeconfig') });
    const code = await runPromoteCli(commandLine('promote', 'shop', '--root', root), io);
    expect(code).toBe(1);
    expect(io.stderr).toEqual([`promote: cannot read the kubeconfig ${path.join(root, 'no-such-kubeconfig')} (ENOENT); pass --kubeconfig <file> or set KUBECONFIG (on a k3s server: /etc/rancher/k3s/k3s.yaml)`]);
  });

  test('GIVEN the app file is a folder WHEN promote runs THEN one line names it, and the API is not called', async () => {
    fs.rmSync(path.join(root, 'apps', 'shop.yaml'));
    fs.mkdirSync(path.join(root, 'apps', 'shop.yaml'));
    const { code, stderr } = await promoted();
    expect(code).toBe(1);
    expect(stderr).not.toMatch(STACK);
    expect(stderr).toContain('shop.yaml');
    expect(server.requests).toEqual([]);
  });

  test('GIVEN the Rollout is read as an empty object WHEN promoted THEN one line says the answer is not a Rollout, and nothing is patched', async () => {
    handler = () => ({ status: 200, body: {} });
    const { code, stderr } = await promoted();
    expect(code).toBe(1);
    expect(stderr).toBe(`promote: read Rollout uat/shop: GET ${PATH} answered 200 with something that is not a Rollout ({}); is ${api.server} the Kubernetes API server, with the Argo Rollouts CRDs installed?`);
    expect(server.log()).toEqual([`GET ${PATH}`]);
  });

  test('GIVEN the Rollout is read as a JSON string WHEN promoted THEN one line says the answer is not a Rollout, and nothing is patched', async () => {
    handler = () => ({ status: 200, body: '<html>a proxy login page</html>' });
    const { code, stderr } = await promoted();
    expect(code).toBe(1);
    expect(stderr).toMatch(/^promote: read Rollout uat\/shop: GET \S+ answered 200 with something that is not a Rollout \("<html>a proxy login page<\/html>"\); is /);
    expect(server.log()).toEqual([`GET ${PATH}`]);
  });

  test('GIVEN the status patch is accepted with an empty answer WHEN promoted THEN one line says it was sent but its result is unknown, and how to look', async () => {
    handler = (r) => (r.method === 'GET' ? { status: 200, body: PAUSED } : { status: 200 });
    const { code, stderr, stdout } = await promoted();
    expect(code).toBe(1);
    expect(stdout).toEqual([]);
    expect(stderr).toBe(`promote: promote Rollout uat/shop: PATCH ${PATH}/status answered 200 with something that is not a Rollout (nothing); the request was accepted, so check the Rollout with kubectl argo rollouts get rollout shop -n uat before running this again`);
  });

  test('GIVEN the abort patch is accepted with an empty answer WHEN aborted THEN one line says it was sent but its result is unknown', async () => {
    handler = (r) => (r.method === 'GET' ? { status: 200, body: PAUSED } : { status: 200 });
    const { code, stderr } = await promoted('--abort');
    expect(code).toBe(1);
    expect(stderr).toBe(`promote: abort Rollout uat/shop: PATCH ${PATH}/status answered 200 with something that is not a Rollout (nothing); the request was accepted, so check the Rollout with kubectl argo rollouts get rollout shop -n uat before running this again`);
  });

  test('GIVEN the main resource patch (no status subresource) answers a Rollout without metadata WHEN promoted THEN one line says so', async () => {
    handler = (r) => (r.method === 'GET' ? { status: 200, body: PAUSED } : r.path.endsWith('/status') ? { status: 404, body: { kind: 'Status', message: 'not found' } } : { status: 200, body: { spec: {} } });
    const { code, stderr } = await promoted();
    expect(code).toBe(1);
    expect(stderr).toMatch(/^promote: promote Rollout uat\/shop: PATCH \S+\/rollouts\/shop answered 200 with something that is not a Rollout \(\{"spec":\{\}\}\); the request was accepted/);
  });
});
