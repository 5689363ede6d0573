import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Application } from '../../imports/argoproj.io';
import { ANNOTATIONS, ARGOCD_NAMESPACE, IN_CLUSTER, PLATFORM_PROJECT, syncPolicy } from '../gitops/argocd';
import { declareWorkloads, WorkloadDeclaration } from '../ha/workloads';
import { BACKUP_ANNOTATIONS, HelmVolume } from '../backups/coverage';
import { ApiRef, formatApiRef, Layer } from '../layer';
import { sortKeys } from '../render/sort';
import type { ChartVersion } from '../versions';

export interface HelmComponentProps<V extends object> {
  /** Component name: the Helm release and, with `-chart`, the Application name. A DNS label. */
  readonly name: string;
  /** The chart, from the versions map (`versions.<component>`). */
  readonly chart: ChartVersion;
  /** Namespace the chart is installed in. */
  readonly namespace: string;
  /** Typed Helm values; rendered as the Application's `helm.valuesObject`. */
  readonly values: V;
  /**
   * APIs (CRDs) the chart installs. Objects of this layer that use them are synced after
   * this component is healthy; other layers must depend on this layer to use them.
   * @default - none
   */
  readonly providesApis?: readonly ApiRef[];
  /**
   * Sync with server-side apply.
   * @default true when the chart provides APIs (CRDs are often too large for client-side apply)
   */
  readonly serverSideApply?: boolean;
  /**
   * Parts of objects the chart renders that something else owns (e.g. a Secret the chart
   * creates empty while External Secrets fills it): Argo CD neither shows nor reverts them.
   * @default - none
   */
  readonly ignoreDifferences?: readonly { readonly kind: string; readonly name: string; readonly jsonPointers: readonly string[] }[];
  /**
   * The volumes the chart creates (PVCs, StatefulSet claims), declared so that the backup-coverage
   * rule sees them: charts are rendered in the cluster, not in dist/. Written to the Application
   * as the annotation `platform.tsys/volumes`.
   * @default - the chart creates no volume
   */
  readonly volumes?: readonly HelmVolume[];
  /**
   * The chart's Deployments, StatefulSets and DaemonSets, each fact a path into `values` (or a
   * value the chart fixes): `npm run verify` holds them to the HA rules and the node-failure
   * simulation from the rendered Application alone. See lib/ha/workloads.ts.
   * @default - none (a chart that runs no pods)
   */
  readonly workloads?: readonly WorkloadDeclaration[];
}

/**
 * An upstream component delivered as an Argo CD Application with a Helm chart source and
 * typed values. The chart is rendered by Argo CD in the cluster, not here.
 */
export class HelmComponent<V extends object> extends Construct {
  public readonly application: Application;
  public readonly applicationName: string;

  constructor(scope: Construct, id: string, props: HelmComponentProps<V>) {
    super(scope, id);
    const layer = Layer.of(this);
    const provides = props.providesApis ?? [];
    this.applicationName = `${props.name}-chart`;
    const annotations: Record<string, string> = {};
    if (provides.length) annotations[ANNOTATIONS.providesApis] = provides.map(formatApiRef).join(',');
    for (const v of props.volumes ?? []) {
      if (v.backupOptOut !== undefined && v.backupOptOut.trim() === '') throw new Error(`${this.node.path}: volume ${v.namespace}/${v.name}: backupOptOut needs a reason`);
    }
    if (props.volumes?.length) annotations[BACKUP_ANNOTATIONS.volumes] = JSON.stringify(props.volumes.map((v) => sortKeys(v)));
    this.application = new Application(this, 'application', {
      metadata: { name: this.applicationName, namespace: ARGOCD_NAMESPACE, annotations },
      spec: {
        project: PLATFORM_PROJECT,
        source: {
          repoUrl: props.chart.repo,
          chart: props.chart.chart,
          targetRevision: props.chart.version,
          helm: { releaseName: props.name, valuesObject: props.values as Record<string, unknown> },
        },
        destination: { server: IN_CLUSTER, namespace: props.namespace },
        ...(props.ignoreDifferences?.length ? {
          ignoreDifferences: props.ignoreDifferences.map((d) => ({ kind: d.kind, name: d.name, namespace: props.namespace, jsonPointers: [...d.jsonPointers] })),
        } : {}),
        syncPolicy: syncPolicy({ serverSideApply: props.serverSideApply ?? provides.length > 0, respectIgnoreDifferences: !!props.ignoreDifferences?.length }),
      },
    });
    declareWorkloads(this.application as ApiObject, props.workloads ?? []);
    layer.addProvider(provides, this.application as ApiObject);
  }
}
