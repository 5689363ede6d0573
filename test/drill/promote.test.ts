import { KubeApi } from '../../lib/drill/kube-api';
import { parseKubeconfig } from '../../lib/drill/kubeconfig';
import { abortRollout, formatPromoteResult, promotePatches, promoteRollout, RolloutObject } from '../../lib/drill/promote';
import { KubeRequest, KubeTestServer, status } from './kube-server';

const PATH = '/apis/argoproj.io/v1alpha1/namespaces/prod/rollouts/whiteboard';

const blueGreenPaused = (): RolloutObject => ({
  metadata: { name: 'whiteboard', namespace: 'prod' },
  spec: { paused: false, strategy: { blueGreen: { activeService: 'whiteboard', previewService: 'whiteboard-preview' } } },
  status: { phase: 'Paused', message: 'BlueGreenPause', pauseConditions: [{ reason: 'BlueGreenPause' }], currentPodHash: 'new', stableRS: 'old', controllerPause: true },
});

function api(base: string): KubeApi {
  const kc = `current-context: c\ncontexts:\n- name: c\n  context: { cluster: k, user: u }\nclusters:\n- name: k\n  cluster: { server: "${base}" }\nusers:\n- name: u\n  user: { token: tok }\n`;
  return new KubeApi(parseKubeconfig(kc, 'kc'));
}

describe('promote like kubectl argo rollouts promote', () => {
  test('GIVEN the upstream cases WHEN the patches are computed THEN they are the ones promote.go sends', () => {
    // blue/green paused before promotion: clear the pause conditions on the status
    expect(promotePatches(blueGreenPaused(), false)).toEqual({ spec: undefined, status: { status: { pauseConditions: null } }, unified: { spec: { paused: false }, status: { pauseConditions: null } } });
    // paused by a person (spec.paused) as well
    const manual = { ...blueGreenPaused(), spec: { ...blueGreenPaused().spec, paused: true } };
    expect(promotePatches(manual, false).spec).toEqual({ spec: { paused: false } });
    // --full: promoteFull while the new pods are not stable
    expect(promotePatches(manual, true)).toEqual({ spec: { spec: { paused: false } }, status: { status: { promoteFull: true } }, unified: { spec: { paused: false }, status: { promoteFull: true } } });
    expect(promotePatches({ ...blueGreenPaused(), status: { currentPodHash: 'a', stableRS: 'a' } }, true).status).toBeUndefined();
    // canary running a step (no pause condition): next step
    const canary: RolloutObject = { metadata: { name: 'w' }, spec: { strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }] } } }, status: { currentStepIndex: 1 } };
    expect(promotePatches(canary, false).status).toEqual({ status: { pauseConditions: null, currentStepIndex: 2 } });
    expect(promotePatches(canary, false).unified).toEqual({ spec: { paused: false }, status: { pauseConditions: null, currentStepIndex: 2 } });
    // canary with an inconclusive analysis paused by the controller: also clear controllerPause
    const inconclusive: RolloutObject = { ...canary, status: { currentStepIndex: 3, pauseConditions: [{ reason: 'InconclusiveAnalysisRun' }], controllerPause: true, canary: { currentStepAnalysisRunStatus: { status: 'Inconclusive' } } } };
    expect(promotePatches(inconclusive, false).status).toEqual({ status: { pauseConditions: null, controllerPause: false, currentStepIndex: 3 } });
    // a blue/green rollout that is not paused: nothing to send
    expect(promotePatches({ ...blueGreenPaused(), status: {} }, false)).toMatchObject({ spec: undefined, status: undefined });
  });

  describe('against a recording API server', () => {
    let server: KubeTestServer;
    let handler: (r: KubeRequest) => { status: number; body?: unknown };
    let base: string;
    beforeEach(async () => {
      handler = () => status(404, 'NotFound', 'not found');
      server = new KubeTestServer((r) => handler(r));
      base = await server.start();
    });
    afterEach(() => server.close());

    test('GIVEN a paused blue/green Rollout WHEN promoted THEN it reads it and merge-patches the status subresource only', async () => {
      handler = (r) => (r.method === 'GET' && r.path === PATH ? { status: 200, body: blueGreenPaused() } : r.path === `${PATH}/status` ? { status: 200, body: { ...blueGreenPaused(), status: { phase: 'Progressing', message: 'active service cutover pending' } } } : status(404, 'NotFound', 'x'));
      const r = await promoteRollout(api(base), 'prod', 'whiteboard', false);
      expect(server.log()).toEqual([`GET ${PATH}`, `PATCH ${PATH}/status application/merge-patch+json`]);
      expect(server.requests[1].body).toEqual({ status: { pauseConditions: null } });
      expect(server.requests.every((q) => q.headers.authorization === 'Bearer tok')).toBe(true);
      expect(formatPromoteResult(r)).toBe("rollout 'whiteboard' promoted (phase Progressing: active service cutover pending)");
    });

    test('GIVEN a Rollout paused by a person WHEN promoted with --full THEN status.promoteFull then spec.paused=false', async () => {
      const paused = { ...blueGreenPaused(), spec: { ...blueGreenPaused().spec, paused: true } };
      handler = (r) => (r.path === PATH || r.path === `${PATH}/status` ? { status: 200, body: paused } : status(404, 'NotFound', 'x'));
      const r = await promoteRollout(api(base), 'prod', 'whiteboard', true);
      expect(server.log()).toEqual([`GET ${PATH}`, `PATCH ${PATH}/status application/merge-patch+json`, `PATCH ${PATH} application/merge-patch+json`]);
      expect(server.requests.slice(1).map((q) => q.body)).toEqual([{ status: { promoteFull: true } }, { spec: { paused: false } }]);
      expect(r.action).toBe('fully promoted');
    });

    test('GIVEN Rollouts without the status subresource WHEN promoted THEN the unified patch goes to the main resource', async () => {
      handler = (r) => (r.path === PATH ? { status: 200, body: blueGreenPaused() } : status(404, 'NotFound', 'the server could not find the requested resource'));
      await promoteRollout(api(base), 'prod', 'whiteboard', false);
      expect(server.log()).toEqual([`GET ${PATH}`, `PATCH ${PATH}/status application/merge-patch+json`, `PATCH ${PATH} application/merge-patch+json`]);
      expect(server.requests[2].body).toEqual({ spec: { paused: false }, status: { pauseConditions: null } });
    });

    test('GIVEN a Rollout that is not paused WHEN promoted THEN nothing is patched and the message says so', async () => {
      handler = (r) => (r.path === PATH ? { status: 200, body: { ...blueGreenPaused(), status: { phase: 'Healthy' } } } : status(404, 'NotFound', 'x'));
      const r = await promoteRollout(api(base), 'prod', 'whiteboard', false);
      expect(server.log()).toEqual([`GET ${PATH}`]);
      expect(formatPromoteResult(r)).toBe("rollout 'whiteboard' is not paused: nothing to promote (phase Healthy); use --full to skip the remaining steps");
    });

    test('GIVEN a release WHEN aborted THEN status.abort=true on the status subresource', async () => {
      handler = (r) => (r.path === PATH || r.path === `${PATH}/status` ? { status: 200, body: { ...blueGreenPaused(), status: { phase: 'Degraded', message: 'RolloutAborted: Rollout aborted update to revision 3' } } } : status(404, 'NotFound', 'x'));
      const r = await abortRollout(api(base), 'prod', 'whiteboard');
      expect(server.log()).toEqual([`GET ${PATH}`, `PATCH ${PATH}/status application/merge-patch+json`]);
      expect(server.requests[1].body).toEqual({ status: { abort: true } });
      expect(formatPromoteResult(r)).toBe("rollout 'whiteboard' aborted (phase Degraded: RolloutAborted: Rollout aborted update to revision 3)");
    });

    test('GIVEN no such Rollout WHEN promoted THEN the error says what to check', async () => {
      await expect(promoteRollout(api(base), 'prod', 'whiteboard', false)).rejects.toThrow(/^no Rollout "whiteboard" in namespace prod at http:\/\/127\.0\.0\.1:\d+; is the app synced by Argo CD, with a blueGreen or canary strategy, and is the Argo Rollouts layer installed\?$/);
    });

    test('GIVEN RBAC forbids patching WHEN promoted THEN the error names the request and the missing permission', async () => {
      handler = (r) => (r.method === 'GET' ? { status: 200, body: blueGreenPaused() } : status(403, 'Forbidden', 'rollouts.argoproj.io "whiteboard" is forbidden: User "dev" cannot patch resource "rollouts/status"'));
      await expect(promoteRollout(api(base), 'prod', 'whiteboard', false)).rejects.toThrow(`promote Rollout prod/whiteboard: PATCH ${PATH}/status answered 403 (rollouts.argoproj.io "whiteboard" is forbidden: User "dev" cannot patch resource "rollouts/status"); the user of context c lacks this permission`);
    });
  });
});
