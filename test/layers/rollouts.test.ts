import { parse } from 'yaml';
import { renderSite } from '../../lib/synth';
import { shippedSite } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('rollouts layer', () => {
  const files = new Map(renderSite(shippedSite()).map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => parse(files.get(p)!);
  const app = obj('dist/rollouts/application-argo-rollouts-chart.yaml');
  const values = app.spec.source.helm.valuesObject;

  test('GIVEN Argo Rollouts WHEN rendered THEN it is the pinned argo-helm chart installing the Rollout kinds, in a restricted namespace', () => {
    expect(app.spec.source).toMatchObject({ repoURL: 'https://argoproj.github.io/argo-helm', chart: 'argo-rollouts', targetRevision: '2.41.0' });
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'argo-rollouts' });
    expect(app.metadata.annotations['platform.tsys/provides-apis']).toBe('argoproj.io/AnalysisRun,argoproj.io/AnalysisTemplate,argoproj.io/ClusterAnalysisTemplate,argoproj.io/Experiment,argoproj.io/Rollout');
    expect(values).toMatchObject({ installCRDs: true, keepCRDs: true });
    expect(obj('dist/rollouts/namespace-argo-rollouts.yaml').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('GIVEN the controller WHEN rendered THEN two leader-elected replicas on different nodes with a PDB keep promotions working while a node is down', () => {
    const selector = { matchLabels: { 'app.kubernetes.io/name': 'argo-rollouts', 'app.kubernetes.io/instance': 'argo-rollouts', 'app.kubernetes.io/component': 'rollouts-controller' } };
    expect(values.controller.replicas).toBe(2);
    expect(values.controller.topologySpreadConstraints).toEqual([{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector }]);
    expect(values.controller.affinity).toEqual({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: selector }] } });
    expect(values.controller.pdb).toEqual({ enabled: true, minAvailable: 1 });
    // No login of its own: the dashboard stays off (promote with kubectl argo rollouts or Argo CD).
    expect(values.dashboard).toEqual({ enabled: false });
  });
});
