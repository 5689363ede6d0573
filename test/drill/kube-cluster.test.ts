import * as fs from 'fs';
import * as path from 'path';
import { KubeApi } from '../../lib/drill/kube-api';
import { KubeCluster } from '../../lib/drill/kube-cluster';
import { kubeconfigPath, loadKubeconfig, parseKubeconfig } from '../../lib/drill/kubeconfig';
import { KubeTestServer, makePki, status, TestPki } from './kube-server';

const pod = (name: string, node: string, ready: boolean, deleting = false) => ({
  metadata: { name, namespace: 'prod', ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: { nodeName: node },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

/** The fake API: pods of whiteboard, node www1, evictions (blocked by a PDB for "pdb-*"). */
function apiHandler(req: { method: string; path: string; query: URLSearchParams }) {
  if (req.method === 'GET' && req.path === '/api/v1/namespaces/prod/pods' && req.query.get('labelSelector') === 'app.kubernetes.io/name=whiteboard') {
    return { status: 200, body: { kind: 'PodList', items: [pod('whiteboard-a', 'www1', true), pod('whiteboard-b', 'www2', false, true)] } };
  }
  if (req.method === 'GET' && req.path === '/api/v1/nodes/www1') {
    return { status: 200, body: { metadata: { name: 'www1' }, spec: { unschedulable: true }, status: { conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'Unknown' }] } } };
  }
  if (req.method === 'PATCH' && req.path.startsWith('/api/v1/nodes/')) return { status: 200, body: { metadata: { name: 'www1' } } };
  if (req.method === 'POST' && req.path === '/api/v1/namespaces/prod/pods/whiteboard-a/eviction') return { status: 201, body: { kind: 'Status', status: 'Success' } };
  if (req.method === 'POST' && req.path === '/api/v1/namespaces/prod/pods/pdb-a/eviction') return status(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.");
  return status(404, 'NotFound', `${req.path} not found`);
}

describe('Kubernetes client of the drill', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makePki();
  });
  afterAll(() => fs.rmSync(pki.dir, { recursive: true, force: true }));

  function kubeconfig(server: string, user: string): string {
    return [
      'apiVersion: v1', 'kind: Config', 'current-context: site',
      'contexts:', '- name: other', '  context: { cluster: nowhere, user: nobody }', '- name: site', '  context: { cluster: k3s, user: admin, namespace: prod }',
      'clusters:', '- name: k3s', '  cluster:', `    server: ${server}`, `    certificate-authority-data: ${fs.readFileSync(pki.ca).toString('base64')}`,
      'users:', '- name: admin', '  user:', user,
    ].join('\n');
  }

  describe('over HTTPS with a client certificate (the k3s kubeconfig)', () => {
    let server: KubeTestServer;
    let cluster: KubeCluster;
    let base: string;
    beforeEach(async () => {
      server = new KubeTestServer(apiHandler, pki);
      base = await server.start();
      const user = [`    client-certificate-data: ${fs.readFileSync(pki.clientCert).toString('base64')}`, `    client-key: ${path.basename(pki.clientKey)}`].join('\n');
      const file = path.join(pki.dir, 'kubeconfig');
      fs.writeFileSync(file, kubeconfig(base, user));
      cluster = new KubeCluster(new KubeApi(loadKubeconfig(file)));
    });
    afterEach(() => server.close());

    test('GIVEN a kubeconfig with the CA, an inline certificate and a key file WHEN the drill lists pods and reads a node THEN the server sees the client certificate and the right paths', async () => {
      const pods = await cluster.listPods('prod', 'app.kubernetes.io/name=whiteboard');
      expect(pods).toEqual([
        { name: 'whiteboard-a', namespace: 'prod', nodeName: 'www1', phase: 'Running', ready: true, terminating: false },
        { name: 'whiteboard-b', namespace: 'prod', nodeName: 'www2', phase: 'Running', ready: false, terminating: true },
      ]);
      expect(await cluster.getNode('www1')).toEqual({ name: 'www1', ready: 'Unknown', unschedulable: true });
      expect(server.log()).toEqual(['GET /api/v1/namespaces/prod/pods?labelSelector=app.kubernetes.io%2Fname%3Dwhiteboard', 'GET /api/v1/nodes/www1']);
      expect(server.requests.map((r) => r.clientCn)).toEqual(['system:admin', 'system:admin']);
      expect(server.requests[0].headers.authorization).toBeUndefined();
    });

    test('GIVEN a node WHEN the drill cordons, evicts and uncordons THEN it sends the strategic merge patches and a policy/v1 Eviction', async () => {
      await cluster.cordon('www1');
      expect(await cluster.evict('prod', 'whiteboard-a')).toEqual({ outcome: 'evicted' });
      await cluster.uncordon('www1');
      expect(server.log()).toEqual([
        'PATCH /api/v1/nodes/www1 application/strategic-merge-patch+json',
        'POST /api/v1/namespaces/prod/pods/whiteboard-a/eviction application/json',
        'PATCH /api/v1/nodes/www1 application/strategic-merge-patch+json',
      ]);
      expect(server.requests.map((r) => r.body)).toEqual([
        { spec: { unschedulable: true } },
        { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'whiteboard-a', namespace: 'prod' } },
        { spec: { unschedulable: null } },
      ]);
    });

    test('GIVEN a PodDisruptionBudget that allows no disruption WHEN the drill evicts THEN the refusal carries the API message', async () => {
      expect(await cluster.evict('prod', 'pdb-a')).toEqual({ outcome: 'refused', message: "Cannot evict pod as it would violate the pod's disruption budget." });
      expect(await cluster.evict('prod', 'gone-a')).toEqual({ outcome: 'gone' });
      expect(server.requests).toHaveLength(2);
    });

    test('GIVEN an unknown node WHEN the drill reads it THEN the error names the node', async () => {
      await expect(cluster.getNode('www9')).rejects.toThrow(/^node www9 does not exist in the cluster at https:\/\/127\.0\.0\.1:\d+; kubectl get nodes lists them$/);
    });

    test('GIVEN a client without a certificate WHEN it connects THEN the TLS handshake fails with a clear error', async () => {
      const access = parseKubeconfig(kubeconfig(base, '    token: t0ken'), '/tmp/kc');
      await expect(new KubeCluster(new KubeApi(access)).getNode('www1')).rejects.toThrow(/Kubernetes API https:\/\/127\.0\.0\.1:\d+: GET \/api\/v1\/nodes\/www1 failed \(.+\); is the cluster reachable, and is \/tmp\/kc \(context site\) the right kubeconfig\?/);
    });
  });

  describe('over HTTP with a bearer token', () => {
    let server: KubeTestServer;
    beforeEach(() => {
      server = new KubeTestServer((req) => (req.headers.authorization === 'Bearer s3cret' ? apiHandler(req) : status(401, 'Unauthorized', 'Unauthorized')));
    });
    afterEach(() => server.close());

    test('GIVEN a token WHEN the drill calls the API THEN it sends Authorization: Bearer', async () => {
      const base = await server.start();
      const cluster = new KubeCluster(new KubeApi(parseKubeconfig(kubeconfig(base, '    token: s3cret'), '/tmp/kc')));
      expect(await cluster.listPods('prod', 'app.kubernetes.io/name=whiteboard')).toHaveLength(2);
      expect(server.requests[0].headers.authorization).toBe('Bearer s3cret');
    });

    test('GIVEN a rejected token WHEN the drill calls the API THEN the error says the credentials were refused, without the token', async () => {
      const base = await server.start();
      const cluster = new KubeCluster(new KubeApi(parseKubeconfig(kubeconfig(base, '    token: wrong'), '/tmp/kc')));
      const err = await cluster.cordon('www1').catch((e: Error) => e);
      expect((err as Error).message).toBe('cordon www1: PATCH /api/v1/nodes/www1 answered 401 (Unauthorized); the credentials of context site in /tmp/kc were not accepted (expired certificate or token?)');
      expect((err as Error).message).not.toContain('wrong');
    });
  });
});

describe('kubeconfig', () => {
  test('GIVEN --kubeconfig, KUBECONFIG or neither WHEN the file is chosen THEN the flag wins, then the first KUBECONFIG entry, then ~/.kube/config', () => {
    expect(kubeconfigPath('/x/kc', { KUBECONFIG: '/y/a:/y/b' }, '/home/u')).toBe('/x/kc');
    expect(kubeconfigPath(undefined, { KUBECONFIG: '/y/a:/y/b' }, '/home/u')).toBe('/y/a');
    expect(kubeconfigPath(undefined, {}, '/home/u')).toBe('/home/u/.kube/config');
  });

  test('GIVEN kubeconfigs that cannot work WHEN parsed THEN each error says what to fix', () => {
    const base = (user: string, ctx = 'site') => `current-context: ${ctx}\ncontexts:\n- name: site\n  context: { cluster: k3s, user: admin }\nclusters:\n- name: k3s\n  cluster: { server: "https://10.0.0.1:6443" }\nusers:\n- name: admin\n  user: ${user}\n`;
    expect(() => parseKubeconfig(base('{ exec: { command: kubelogin } }'), 'kc')).toThrow('kc: user "admin" has an exec plugin; this command needs a client certificate or a token');
    expect(() => parseKubeconfig(base('{ token: t }', 'gone'), 'kc')).toThrow('kc: no context "gone" (known: site); check the kubeconfig or pass --kubeconfig');
    expect(() => parseKubeconfig('kind: Config\n', 'kc')).toThrow('kc has no current-context; choose one with kubectl config use-context <name>');
    expect(() => parseKubeconfig(base('{ client-certificate-data: QQ== }'), 'kc')).toThrow('kc: user "admin" has a client certificate without its key');
    expect(() => loadKubeconfig('/nonexistent/kc')).toThrow('cannot read the kubeconfig /nonexistent/kc (ENOENT); pass --kubeconfig <file> or set KUBECONFIG (on a k3s server: /etc/rancher/k3s/k3s.yaml)');
    expect(parseKubeconfig(base('{ token: t }'), 'kc')).toMatchObject({ server: 'https://10.0.0.1:6443', token: 't', context: 'site', insecureSkipTlsVerify: false });
  });

  test('GIVEN a kubeconfig that is not valid YAML (the message went on over four lines with the parser\'s excerpt and caret) WHEN parsed THEN one line with the file:line:col and what to do', () => {
    let message = '';
    try {
      parseKubeconfig('current-context: c\nclusters: [\n', '/tmp/kc');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe('/tmp/kc:3:1 is not valid YAML (Flow sequence in block collection must be sufficiently indented and end with a ]); fix the kubeconfig or pass another with --kubeconfig');
  });
});
