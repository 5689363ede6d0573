import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Application, ApplicationSpecSourceKustomize } from '../../imports/argoproj.io';
import { ANNOTATIONS, ARGOCD_NAMESPACE, IN_CLUSTER, PLATFORM_PROJECT, syncPolicy } from '../gitops/argocd';
import { declareWorkloads, WorkloadDeclaration } from '../ha/workloads';
import { ApiRef, formatApiRef, Layer } from '../layer';
import type { GitVersion } from '../versions';

/** A kustomize patch applied by Argo CD to the upstream manifests. */
export interface GitComponentPatch {
  /** Which objects the patch applies to. */
  readonly target: {
    readonly group?: string;
    readonly version?: string;
    readonly kind: string;
    readonly name?: string;
    readonly namespace?: string;
  };
  /** A strategic-merge or JSON6902 patch, as YAML text. */
  readonly patch: string;
}

export interface GitComponentProps {
  /** Component name: with `-git`, the Application name. A DNS label. */
  readonly name: string;
  /** The repository, folder and pinned tag, from the versions map (`versions.<component>`). */
  readonly source: GitVersion;
  /** Namespace the manifests are applied to (objects without a namespace land here). */
  readonly namespace: string;
  /**
   * Kustomize image overrides, `[old=]name:tag` (a release tag's kustomization may pin an older image).
   * @default - none (the folder's own images)
   */
  readonly images?: readonly string[];
  /**
   * Kustomize patches, e.g. to drop an object the platform renders itself.
   * @default - none
   */
  readonly patches?: readonly GitComponentPatch[];
  /**
   * APIs (CRDs) the component installs or registers. Objects of this layer that use them are
   * synced after this component is healthy; other layers must depend on this layer to use them.
   * @default - none
   */
  readonly providesApis?: readonly ApiRef[];
  /**
   * Sync with server-side apply.
   * @default true when the component provides APIs (as HelmComponent)
   */
  readonly serverSideApply?: boolean;
  /**
   * The upstream manifests' Deployments, StatefulSets and DaemonSets (every fact `fixed`, with
   * why: there are no values), for the HA rules and the node-failure simulation.
   * @default - none
   */
  readonly workloads?: readonly WorkloadDeclaration[];
}

/**
 * An upstream component delivered as an Argo CD Application whose source is a folder of plain
 * manifests or a kustomization in a Git repository, pinned to a tag. Argo CD renders it in the
 * cluster; nothing here clones the repository.
 */
export class GitComponent extends Construct {
  public readonly application: Application;
  public readonly applicationName: string;

  constructor(scope: Construct, id: string, props: GitComponentProps) {
    super(scope, id);
    const layer = Layer.of(this);
    if (!/^[a-z0-9]([-a-z0-9]{0,57}[a-z0-9])?$/.test(props.name)) {
      throw new Error(`${this.node.path}: component name "${props.name}" must be a DNS label of at most 59 characters (it names the Application "${props.name}-git")`);
    }
    const provides = props.providesApis ?? [];
    this.applicationName = `${props.name}-git`;
    const annotations: Record<string, string> = {};
    if (provides.length) annotations[ANNOTATIONS.providesApis] = provides.map(formatApiRef).join(',');
    const kustomize: ApplicationSpecSourceKustomize = {
      ...(props.images?.length ? { images: [...props.images] } : {}),
      ...(props.patches?.length ? { patches: props.patches.map((p) => ({ target: { ...p.target }, patch: p.patch })) } : {}),
    };
    this.application = new Application(this, 'application', {
      metadata: { name: this.applicationName, namespace: ARGOCD_NAMESPACE, annotations },
      spec: {
        project: PLATFORM_PROJECT,
        source: {
          repoUrl: props.source.repo,
          path: props.source.path,
          targetRevision: props.source.version,
          ...(Object.keys(kustomize).length ? { kustomize } : {}),
        },
        destination: { server: IN_CLUSTER, namespace: props.namespace },
        syncPolicy: syncPolicy({ serverSideApply: props.serverSideApply ?? provides.length > 0 }),
      },
    });
    declareWorkloads(this.application as ApiObject, props.workloads ?? []);
    layer.addProvider(provides, this.application as ApiObject);
  }
}
