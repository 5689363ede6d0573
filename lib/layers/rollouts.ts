import { Construct } from 'constructs';
import { HelmComponent } from '../constructs/helm-component';
import { PlatformNamespace } from '../constructs/platform-namespace';
import { pinned } from '../context';
import type { PlatformContext } from '../context';
import { ApiRef, Layer } from '../layer';
import type { ChartPin } from '../versions';
import { ONE_POD_AT_A_TIME } from '../ha/workloads';

/** Argo Rollouts: blue/green and canary deploys of the PaaS apps (chart 2.41.0 ships Argo Rollouts v1.9.0). */
export const ARGO_ROLLOUTS_CHART: ChartPin = {
  name: 'argo-rollouts',
  kind: 'chart',
  repo: 'https://argoproj.github.io/argo-helm',
  chart: 'argo-rollouts',
  version: '2.41.0',
  source: { repository: 'https://github.com/argoproj/argo-helm', path: 'charts/argo-rollouts', tag: 'argo-rollouts-{version}' },
};

export const ROLLOUTS_NAMESPACE = 'argo-rollouts';
/** Helm release (and so the chart's `app.kubernetes.io/instance` label). */
export const ROLLOUTS_RELEASE = 'argo-rollouts';
/** Labels of the controller pods: the chart's selector labels plus its component label. */
export const ROLLOUTS_CONTROLLER_LABELS = {
  'app.kubernetes.io/name': 'argo-rollouts',
  'app.kubernetes.io/instance': ROLLOUTS_RELEASE,
  'app.kubernetes.io/component': 'rollouts-controller',
} as const;

/** The kinds the chart's CRDs install (templates/crds of argo-rollouts 2.41.0). */
export const ROLLOUTS_APIS: readonly ApiRef[] = ['AnalysisRun', 'AnalysisTemplate', 'ClusterAnalysisTemplate', 'Experiment', 'Rollout']
  .map((kind) => ({ group: 'argoproj.io', kind }));

/**
 * The values of the argo-rollouts chart that the platform sets (a typed subset). Every key was
 * checked against values.yaml and the templates of the pinned chart (argoproj/argo-helm
 * argo-rollouts-2.41.0): `installCRDs`, `keepCRDs`, `controller.replicas` (more than 1 adds
 * `--leader-elect` in templates/controller/deployment.yaml), `controller.topologySpreadConstraints`,
 * `controller.affinity`, `controller.pdb.{enabled,minAvailable}`, `controller.resources`,
 * `dashboard.enabled`.
 */
export interface RolloutsValues {
  readonly installCRDs: boolean;
  /** Keep the CRDs (and so every app's Rollout) if the release is ever removed. */
  readonly keepCRDs: boolean;
  readonly controller: {
    readonly replicas: number;
    readonly topologySpreadConstraints: readonly object[];
    readonly affinity: object;
    readonly pdb: { readonly enabled: boolean; readonly minAvailable: number };
    readonly resources: {
      readonly requests: { readonly cpu: string; readonly memory: string };
      readonly limits: { readonly memory: string };
    };
  };
  readonly dashboard: { readonly enabled: boolean };
}

export function rolloutsValues(): RolloutsValues {
  const selector = { matchLabels: { ...ROLLOUTS_CONTROLLER_LABELS } };
  return {
    installCRDs: true,
    keepCRDs: true,
    controller: {
      // Two leader-elected controllers on two nodes: a promotion or an abort still happens while
      // a node is down (the standby takes the lease).
      replicas: 2,
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector }],
      affinity: {
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: selector }] },
      },
      pdb: { enabled: true, minAvailable: 1 },
      // Caches the Rollouts, ReplicaSets and Services it manages, cluster-wide.
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    },
    // The dashboard has no login of its own (it acts with its service account): it stays off.
    // Promote with `kubectl argo rollouts promote <app> -n <env>` or the Argo CD UI's Rollout actions.
    dashboard: { enabled: false },
  };
}

/**
 * Argo Rollouts: the controller behind the PaaS apps' blue/green and canary deploys
 * (`Rollout` objects), two leader-elected replicas on two nodes with a PDB.
 */
export function rolloutsLayer(scope: Construct, ctx: PlatformContext): Layer {
  const layer = new Layer(scope, {
    name: 'rollouts',
    description: 'Argo Rollouts: blue/green and canary deploys of the apps (2 leader-elected controllers)',
    namespace: ROLLOUTS_NAMESPACE,
  });
  new PlatformNamespace(layer, 'namespace', { name: ROLLOUTS_NAMESPACE, podSecurity: 'restricted' });
  new HelmComponent(layer, 'argo-rollouts', {
    name: ROLLOUTS_RELEASE,
    chart: pinned(ctx, ARGO_ROLLOUTS_CHART),
    namespace: ROLLOUTS_NAMESPACE,
    values: rolloutsValues(),
    providesApis: ROLLOUTS_APIS,
    patches: [{
      kind: 'Deployment',
      name: ROLLOUTS_RELEASE,
      because: 'the argo-rollouts chart 2.41.0 fixes the controller\'s strategy (templates/controller/deployment.yaml: type RollingUpdate, Kubernetes\' default maxSurge 25% -> 1, maxUnavailable 25% -> 0) and has no value for it; its two pods are kept one per node on the three workers, so with a worker down the surge pod has no node and no old pod may go: one pod at a time lets an update finish',
      patch: (o) => { o.spec.strategy = ONE_POD_AT_A_TIME; },
    }],
  });
  return layer;
}
