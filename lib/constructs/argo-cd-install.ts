import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { HelmChart, HelmChartSpecFailurePolicy } from '../../imports/helm.cattle.io';
import { ANNOTATIONS, ARGOCD_NAMESPACE, PLATFORM_PROJECT, ROOT_APP } from '../gitops/argocd';
import { declareWorkloads, WorkloadDeclaration } from '../ha/workloads';
import type { ArgoCdValues, PlatformProjectSpec, RootApplicationSpec } from '../gitops/root';
import { sortKeys } from '../render/sort';
import type { ChartVersion } from '../versions';
import { PlatformNamespace } from './platform-namespace';

export interface ArgoCdInstallProps {
  /** The argo-cd chart. */
  readonly chart: ChartVersion;
  /** The argocd-apps chart, which creates the root Application and the project. */
  readonly appsChart: ChartVersion;
  /** Typed values of the argo-cd chart. */
  readonly values: ArgoCdValues;
  /** Spec of the root Application (app of apps). */
  readonly rootApplication: RootApplicationSpec;
  /** Spec of the platform AppProject. */
  readonly project: PlatformProjectSpec;
  /** The argo-cd chart's workloads (paths into `values`), for the HA rules and the node-failure simulation. */
  readonly workloads?: readonly WorkloadDeclaration[];
}

/**
 * What installs Argo CD must never be pruned or deleted by Argo CD itself: renaming or dropping
 * one of these objects would uninstall Argo CD (helm-controller uninstalls a deleted HelmChart).
 */
export const NEVER_PRUNE = { [ANNOTATIONS.syncOptions]: 'Prune=false,Delete=false' } as const;

/** Keeps the root Application and the project when the argocd-apps release is ever uninstalled. */
export const HELM_KEEP = { 'helm.sh/resource-policy': 'keep' } as const;

/** Namespace k3s's helm-controller reads HelmChart objects from. */
export const HELM_CONTROLLER_NAMESPACE = 'kube-system';

/**
 * Argo CD installed by k3s's embedded helm-controller (`HelmChart` objects), so that one
 * `kubectl apply -k argocd/` on a fresh k3s installs it with no helm CLI and no network at
 * apply time. The same construct renders the self-managed copy in `dist/argocd`, so after
 * bootstrap Argo CD owns the objects that install it.
 */
export class ArgoCdInstall extends Construct {
  constructor(scope: Construct, id: string, props: ArgoCdInstallProps) {
    super(scope, id);
    new PlatformNamespace(this, 'namespace', { name: ARGOCD_NAMESPACE, annotations: NEVER_PRUNE });
    const helmChart = (name: string, chart: ChartVersion, values: object) =>
      new HelmChart(this, name, {
        metadata: { name, namespace: HELM_CONTROLLER_NAMESPACE, annotations: { ...NEVER_PRUNE } },
        spec: {
          repo: chart.repo,
          chart: chart.chart,
          version: chart.version,
          targetNamespace: ARGOCD_NAMESPACE,
          // A failed upgrade keeps the running release instead of uninstalling it.
          failurePolicy: HelmChartSpecFailurePolicy.ABORT,
          valuesContent: toYaml(values),
        },
      });
    const argoCd = helmChart('argo-cd', props.chart, props.values);
    declareWorkloads(argoCd, props.workloads ?? []);
    // The argocd-apps job retries until the argo-cd chart has installed the Application CRDs.
    helmChart('argocd-apps', props.appsChart, {
      applications: { [ROOT_APP]: { namespace: ARGOCD_NAMESPACE, additionalAnnotations: { ...HELM_KEEP }, ...props.rootApplication } },
      projects: { [PLATFORM_PROJECT]: { namespace: ARGOCD_NAMESPACE, additionalAnnotations: { ...HELM_KEEP }, ...props.project } },
    });
  }
}

function toYaml(value: object): string {
  return stringify(sortKeys(value), { lineWidth: 0 });
}
