import * as path from 'path';
import { expectedFromPodSpec, expectedRecovery } from '../../lib/drill/expected-recovery';
import { EVICTION } from '../../lib/hosts/k3s-config';
import { IMAGE_PULL_BUDGET_SECONDS, recoveryFromPod, VOLUME_MOVE_BUDGET_SECONDS } from '../../lib/ha/recovery';
import { REPO } from '../helpers';

const DIST = path.join(REPO, 'dist');
const dead = (seconds: number) => ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({ key, effect: 'NoExecute', tolerationSeconds: seconds }));
const pod = {
  tolerations: dead(5),
  terminationGracePeriodSeconds: 12,
  containers: [{ startupProbe: { periodSeconds: 2, failureThreshold: 5 }, readinessProbe: { periodSeconds: 5 } }],
  volumes: [{ persistentVolumeClaim: {} }],
};

describe('the drill\'s expected recovery: the one recovery model, for a power-off and for a drain', () => {
  test('GIVEN a pod with a volume WHEN its node is powered off THEN the expectation is the model\'s estimate, step by step', () => {
    const expected = expectedFromPodSpec(pod, 'power-off');
    const model = recoveryFromPod(pod);
    expect(expected.seconds).toBe(model.totalSeconds);
    expect(expected.explanation).toBe(model.steps.map((s) => `${s.seconds} s ${s.step}`).join(' + '));
    expect(expected.explanation).toMatch(/^\d+ s eviction \+ 30 s volume move \+ 10 s image pull \+ 10 s start-up \+ 5 s ready$/);
  });

  test('GIVEN the same pod WHEN its node is drained THEN the termination grace replaces the eviction and every other step stays', () => {
    const expected = expectedFromPodSpec(pod, 'drain');
    expect(expected.explanation).toBe(`12 s termination grace + ${VOLUME_MOVE_BUDGET_SECONDS} s volume move + ${IMAGE_PULL_BUDGET_SECONDS} s image pull + 10 s start-up + 5 s ready`);
    expect(expected.seconds).toBe(12 + VOLUME_MOVE_BUDGET_SECONDS + IMAGE_PULL_BUDGET_SECONDS + 10 + 5);
  });

  test('GIVEN a pod without its own dead-node tolerations WHEN powered off THEN the API server\'s default toleration applies', () => {
    const { tolerations, ...rest } = pod;
    void tolerations;
    const withDefault = expectedFromPodSpec(rest, 'power-off');
    expect(withDefault.seconds).toBe(recoveryFromPod({ ...rest, tolerations: dead(EVICTION.tolerationSeconds) }).totalSeconds);
  });

  test('GIVEN the rendered whiteboard WHEN the drill reads dist/ THEN power-off and drain differ by the eviction against the termination grace', () => {
    const off = expectedRecovery(DIST, 'whiteboard', 'prod', 'power-off')!;
    const drain = expectedRecovery(DIST, 'whiteboard', 'prod', 'drain')!;
    expect(off.explanation).toMatch(/ s eviction \+ /);
    expect(drain.explanation).toMatch(/ s termination grace \+ /);
    expect(off.explanation.split(' + ').slice(1)).toEqual(drain.explanation.split(' + ').slice(1));
  });
});
