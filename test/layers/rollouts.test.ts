import { ANNOTATIONS } from '../../lib/gitops/argocd';
import { loadManifests } from '../../lib/k8s/manifest-yaml';
import { shippedRender } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('rollouts layer', () => {
  const objects = shippedRender().filter((f) => f.path.startsWith('dist/rollouts/')).flatMap((f) => loadManifests(f.content, f.path) as Obj[]);
  const find = (kind: string, name: string): Obj => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`dist/rollouts has no ${kind}/${name}`);
    return o;
  };
  const controller = find('Deployment', 'argo-rollouts');
  const pod = controller.spec.template.spec;
  const selector = { matchLabels: { 'app.kubernetes.io/name': 'argo-rollouts', 'app.kubernetes.io/instance': 'argo-rollouts', 'app.kubernetes.io/component': 'rollouts-controller' } };

  test('GIVEN Argo Rollouts WHEN rendered THEN the chart installs the Rollout kinds, kept on uninstall, in a restricted namespace', () => {
    const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
    expect(crds.map((c) => c.spec.names.kind).sort()).toEqual(['AnalysisRun', 'AnalysisTemplate', 'ClusterAnalysisTemplate', 'Experiment', 'Rollout']);
    for (const c of crds) {
      expect(c.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
      expect(c.metadata.annotations[ANNOTATIONS.syncOptions]).toBe('Delete=false,Prune=false,ServerSideApply=true');
    }
    expect(controller.metadata.annotations[ANNOTATIONS.providesApis]).toBe('argoproj.io/AnalysisRun,argoproj.io/AnalysisTemplate,argoproj.io/ClusterAnalysisTemplate,argoproj.io/Experiment,argoproj.io/Rollout');
    expect(find('Namespace', 'argo-rollouts').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('GIVEN the controller WHEN rendered THEN two leader-elected replicas on different nodes with a PDB keep promotions working while a node is down', () => {
    expect(controller.spec.replicas).toBe(2);
    expect(pod.containers[0].args).toContain('--leader-elect');
    expect(pod.topologySpreadConstraints).toEqual([{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector }]);
    expect(pod.affinity).toEqual({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: selector }] } });
    expect(find('PodDisruptionBudget', 'argo-rollouts').spec).toEqual({ minAvailable: 1, selector });
  });

  test('GIVEN the chart fixes the controller\'s strategy WHEN rendered THEN a patch makes it roll one pod at a time, so an update finishes with a worker down', () => {
    expect(controller.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
  });

  test('GIVEN the controller WHEN rendered THEN it has probes and resources and runs non-root, read-only, without privileges', () => {
    const c = pod.containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/metrics', port: 'metrics' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'healthz' });
    expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, seccompProfile: { type: 'RuntimeDefault' } });
  });

  test('GIVEN the dashboard has no login of its own WHEN rendered THEN it is not deployed', () => {
    // Promote with `kubectl argo rollouts promote` or Argo CD's Rollout actions instead.
    expect(objects.filter((o) => ['Deployment', 'Service'].includes(o.kind)).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Deployment/argo-rollouts']);
  });
});
