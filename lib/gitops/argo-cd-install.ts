import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Site } from '../config/schema';
import { HelmComponent } from '../constructs/helm-component';
import { PlatformNamespace } from '../constructs/platform-namespace';
import type { BackupOptOut, RenderedWorkloadHa } from '../constructs/upstream-objects';
import { pinned } from '../context';
import type { PlatformContext } from '../context';
import type { ChartPin, ChartVersion } from '../versions';
import { addRootAndProject } from './apps';
import { ARGOCD_NAMESPACE, NEVER_PRUNE } from './argocd';
import { argoCdBackupOptOuts, argoCdHa, argoCdValues, type ArgoCdValues } from './argocd-values';

/** Argo CD: bootstrap and self-management. */
export const ARGOCD_CHART: ChartPin = {
  name: 'argocd',
  kind: 'chart',
  repo: 'https://argoproj.github.io/argo-helm',
  chart: 'argo-cd',
  version: '9.1.4',
  source: { repository: 'https://github.com/argoproj/argo-helm', path: 'charts/argo-cd', tag: 'argo-cd-{version}' },
};

export interface ArgoCdInstallProps {
  /** The argo-cd chart (vendored). */
  readonly chart: ChartVersion;
  /** Typed values of the argo-cd chart. */
  readonly values: ArgoCdValues;
  /** The site (the root Application and project are rendered from it). */
  readonly site: Site;
  /** HA declarations of the chart's workloads (singletons with why). */
  readonly ha?: readonly RenderedWorkloadHa[];
  /** The chart's claims that need no backup, with why. @default - none */
  readonly backupOptOuts?: readonly BackupOptOut[];
  /**
   * Render the root Application and the project too (the bootstrap; in dist/ they live in dist/apps).
   * @default false
   */
  readonly rootAndProject?: boolean;
}

/**
 * Argo CD as plain objects: the argo-cd chart rendered at synth, the root Application and the
 * platform project. `kubectl apply --server-side -k argocd/` on a fresh k3s installs it with no
 * helm and no network at apply time; the same construct renders the self-managed copy in
 * `dist/argocd`, so after bootstrap Argo CD owns the objects that install it.
 */
export class ArgoCdInstall extends Construct {
  public readonly chart: HelmComponent<ArgoCdValues>;
  /** The root Application and the project, when rendered here. */
  public readonly rootAndProjectObjects: readonly ApiObject[] = [];

  constructor(scope: Construct, id: string, props: ArgoCdInstallProps) {
    super(scope, id);
    new PlatformNamespace(this, 'namespace', { name: ARGOCD_NAMESPACE, annotations: NEVER_PRUNE });
    this.chart = new HelmComponent(this, 'argo-cd', {
      name: 'argo-cd',
      chart: props.chart,
      namespace: ARGOCD_NAMESPACE,
      values: props.values,
      ha: props.ha,
      backupOptOuts: props.backupOptOuts,
      runtimeObjects: [{ kind: 'Secret', name: 'argocd-redis', because: 'the chart\'s Job argocd-redis-secret-init creates the Redis password Secret once (a PreSync hook under Argo CD; applied by kubectl, in the bootstrap, the pods that read it wait in ContainerCreating until it has)' }],
    });
    if (props.rootAndProject) this.rootAndProjectObjects = addRootAndProject(this, props.site);
  }
}

/** What the bootstrap and the self-managed argocd layer install: the same, from the same site. */
export function argoCdInstallProps(ctx: PlatformContext): ArgoCdInstallProps {
  return {
    chart: pinned(ctx, ARGOCD_CHART),
    values: argoCdValues(ctx),
    site: ctx.site,
    ha: argoCdHa(),
    backupOptOuts: argoCdBackupOptOuts(),
  };
}
