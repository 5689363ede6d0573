import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runDrillCli, runPromoteCli } from '../../lib/drill/cli';
import { KubeApi } from '../../lib/drill/kube-api';
import { parseKubeconfig } from '../../lib/drill/kubeconfig';
import { testIo } from '../delivery/cli-io';
import { REPO } from '../helpers';
import { FakeWorld, poweredOffWorld } from './fake-world';
import { KubeTestServer, status } from './kube-server';
import { commandLine, runCommandLine } from '../command-line';

const WHITEBOARD = [
  'environment: prod', 'image: lovasoa/wbo:v1.20.1', 'replicas: 1', 'singleton: a single writer of its board files on one volume',
  'strategy: { type: recreate }', 'ports: [ { name: http, port: 8080 } ]', 'health: { startupSeconds: 15 }',
  'volumes: [ { name: data, mountPath: /opt/app/server-data, size: 1Gi } ]', 'expose: { http: { host: whiteboard.example.org } }',
].join('\n');
const SHOP = ['environment: uat', 'image: nginx:1.27.3', 'strategy: { type: blueGreen }', 'ports: [ { name: http, port: 8080 } ]'].join('\n');

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: whiteboard, namespace: prod }
spec:
  template:
    spec:
      tolerations: [ { key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 10 } ]
      volumes: [ { name: data, persistentVolumeClaim: { claimName: whiteboard-data } } ]
      containers: [ { name: app, image: x, startupProbe: { periodSeconds: 5, failureThreshold: 12 } } ]
`;

describe('npm run drill and npm run promote command lines', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'drill-cli-'));
    fs.copyFileSync(path.join(REPO, 'site.yaml'), path.join(root, 'site.yaml'));
    fs.mkdirSync(path.join(root, 'apps'));
    fs.writeFileSync(path.join(root, 'apps', 'whiteboard.yaml'), WHITEBOARD);
    fs.writeFileSync(path.join(root, 'apps', 'shop.yaml'), SHOP);
    fs.mkdirSync(path.join(root, 'dist', 'apps-prod'), { recursive: true });
    fs.writeFileSync(path.join(root, 'dist', 'apps-prod', 'deployment-whiteboard.yaml'), DEPLOYMENT);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('GIVEN the whiteboard app spec and a fake cluster WHEN the drill powers www1 off THEN it probes https://<host>/, reads the board and prints the report with the expected recovery from the rendered Deployment', async () => {
    const world = poweredOffWorld();
    const io = testIo({});
    const code = await runDrillCli(commandLine('drill', '--app', 'whiteboard', '--node', 'www1', '--power-off', '--board', 'drill', '--root', root), io, { cluster: world.cluster, prober: world.prober, clock: world.clock });
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    const report = io.stdout[io.stdout.length - 1].split('\n');
    expect(report[0]).toBe('drill report: whiteboard, node www1 powered off');
    expect(report).toContain('  downtime:           57 s (first failing probe of https://whiteboard.example.org/ to the first success after)');
    expect(report).toContain('  expected recovery:  at most 152 s (42 s eviction + 30 s volume move + 10 s image pull + 60 s start-up + 10 s ready); measured 57 s, within it');
    expect(report).toContain('  node NotReady:      after 17 s');
    expect(io.stdout).toContain('drill: data marker board "drill" (https://whiteboard.example.org/download/drill): 19 bytes, sha256 ' + io.stdout.find((l) => l.startsWith('drill: data marker'))!.slice(-12));
  });

  test('GIVEN a drain WHEN the expected recovery is computed THEN it counts the termination grace instead of the eviction', async () => {
    const world = new FakeWorld();
    world.addPod('whiteboard-a', 'www1');
    world.onEvicted = () => world.after(5, () => {
      world.pods = [];
      world.addPod('whiteboard-b', 'www3');
    });
    const io = testIo({});
    expect(await runDrillCli(commandLine('drill', '--app', 'whiteboard', '--node', 'www1', '--check-path', '/download/x', '--root', root, '--interval', '2'), io, { cluster: world.cluster, prober: world.prober, clock: world.clock })).toBe(0);
    expect(io.stdout.join('\n')).toContain('expected recovery:  at most 140 s (30 s termination grace + 30 s volume move + 10 s image pull + 60 s start-up + 10 s ready)');
  });

  test('GIVEN wrong arguments WHEN the drill starts THEN each is refused with what to do: the command line (a timeout not a number of seconds, --board with --check-path: both were exit 1) exit 2, the rest exit 1', async () => {
    const run = async (...args: string[]) => {
      const io = testIo({});
      const code = await runCommandLine('drill', [...args, '--root', root], (line) => runDrillCli(line, io, { cluster: new FakeWorld().cluster }), io.err);
      return { code, err: io.stderr.join('\n') };
    };
    expect(await run('--node', 'www1')).toEqual({ code: 2, err: "drill: required option '--app <name>' not specified (tsys drill --help shows the usage)" });
    expect(await run('--app', 'wiki', '--node', 'www1', '--board', 'b')).toEqual({ code: 1, err: `drill: no app "wiki" in ${path.join(root, 'apps')}; known apps: shop, whiteboard` });
    expect(await run('--app', 'whiteboard', '--node', 'www1')).toEqual({ code: 1, err: expect.stringMatching(/^drill: say which data must survive: --board <name> \(a WBO board you drew on, https:\/\/whiteboard.example.org\/boards\/drill\) or --check-path <path>/) });
    expect(await run('--app', 'shop', '--node', 'www1', '--board', 'b')).toEqual({ code: 1, err: `drill: the app "shop" has no expose.http.host in ${path.relative(process.cwd(), path.join(root, 'apps', 'shop.yaml'))}; pass the URL to probe with --url https://...` });
    expect(await run('--app', 'whiteboard', '--node', 'www1', '--board', 'b', '--timeout', 'soon')).toEqual({ code: 2, err: "drill: option '--timeout <seconds>' argument 'soon' is invalid. It must be a positive number of seconds, at most 86400 (a day), in digits without a unit, e.g. --timeout 600. (tsys drill --help shows the usage)" });
    expect(await run('--app', 'whiteboard', '--node', 'www1', '--board', 'b', '--check-path', '/x')).toEqual({ code: 2, err: "drill: option '--check-path <path>' cannot be used with option '--board <name>' (tsys drill --help shows the usage)" });
    expect(await run('--app', 'whiteboard', '--node', 'www1', '--board', 'b', '--bogus')).toEqual({ code: 2, err: expect.stringMatching(/^drill: unknown option '--bogus'/) });
    // --apps that is not a folder (it said 'no app "whiteboard" in <dir>; known apps: none').
    const missing = path.join(root, 'no-such-apps');
    expect(await run('--app', 'whiteboard', '--node', 'www1', '--board', 'b', '--apps', missing)).toEqual({ code: 1, err: `drill: --apps ${missing} does not exist: give the folder of the app specs (apps/ of the checkout)` });
  });

  describe('promote', () => {
    let server: KubeTestServer;
    let api: KubeApi;
    const PATH = '/apis/argoproj.io/v1alpha1/namespaces/uat/rollouts/shop';
    beforeEach(async () => {
      const paused = { metadata: { name: 'shop' }, spec: { strategy: { blueGreen: {} } }, status: { phase: 'Paused', message: 'BlueGreenPause', pauseConditions: [{ reason: 'BlueGreenPause' }] } };
      server = new KubeTestServer((r) => (r.path === PATH || r.path === `${PATH}/status` ? { status: 200, body: paused } : status(404, 'NotFound', 'x')));
      const base = await server.start();
      api = new KubeApi(parseKubeconfig(`current-context: c\ncontexts: [ { name: c, context: { cluster: k, user: u } } ]\nclusters: [ { name: k, cluster: { server: "${base}" } } ]\nusers: [ { name: u, user: { token: t } } ]\n`, 'kc'));
    });
    afterEach(() => server.close());

    test('GIVEN the blue/green app shop in uat WHEN promoted THEN its Rollout in namespace uat is promoted', async () => {
      const io = testIo({});
      expect(await runPromoteCli(commandLine('promote', 'shop', '--root', root), io, { api })).toBe(0);
      expect(server.log()).toEqual([`GET ${PATH}`, `PATCH ${PATH}/status application/merge-patch+json`]);
      expect(io.stdout).toEqual(["promote: rollout 'shop' promoted (phase Paused: BlueGreenPause)"]);
    });

    test('GIVEN --abort WHEN run THEN status.abort is patched', async () => {
      const io = testIo({});
      expect(await runPromoteCli(commandLine('promote', 'shop', '--abort', '--root', root), io, { api })).toBe(0);
      expect(server.requests[1].body).toEqual({ status: { abort: true } });
    });

    test('GIVEN a recreate app, both flags (a command-line error: exit 2, it was 1) or no app WHEN promote runs THEN it refuses without calling the API', async () => {
      const errors: string[] = [];
      for (const [args, code] of [[['whiteboard'], 1], [['shop', '--full', '--abort'], 2], [[], 2]] as const) {
        const io = testIo({});
        expect(await runCommandLine('promote', [...args, '--root', root], (line) => runPromoteCli(line, io, { api }), io.err)).toBe(code);
        errors.push(io.stderr.join('\n'));
      }
      expect(errors[0]).toBe('promote: the app "whiteboard" deploys with strategy recreate (a Deployment): there is no release to promote; only blueGreen and canary apps pause for promotion');
      expect(errors[1]).toBe("promote: option '--abort' cannot be used with option '--full' (tsys promote --help shows the usage)");
      expect(errors[2]).toBe("promote: missing required argument 'app' (tsys promote --help shows the usage)");
      expect(server.requests).toEqual([]);
    });
  });
});
