import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Application, AppProject } from '../../imports/argoproj.io';
import type { PlatformContext } from '../context';
import { formatApiRef, Layer } from '../layer';
import { declareFacts } from '../facts/declare';
import { ANNOTATIONS, ARGOCD_NAMESPACE, IN_CLUSTER, NEVER_PRUNE, PLATFORM_PROJECT, ROOT_APP, syncPolicy } from './argocd';
import type { Site } from '../config/schema';
import { platformProjectSpec, rootApplicationSpec } from './root';

export interface AppsChartProps {
  readonly ctx: PlatformContext;
  readonly layers: readonly Layer[];
  /** Sync wave of each layer, derived from the layers' dependencies. */
  readonly waves: ReadonlyMap<string, number>;
}

/**
 * `dist/apps`: the app of apps. The platform AppProject, the root Application itself (so it is
 * self-managed after bootstrap) and one Application per layer, ordered by derived sync waves.
 */
export class AppsChart extends Chart {
  constructor(scope: Construct, id: string, props: AppsChartProps) {
    super(scope, id, { disableResourceNameHashes: true, labels: { 'app.kubernetes.io/part-of': 'tsys-platform' } });
    const { site } = props.ctx;
    addRootAndProject(this, site);
    for (const layer of props.layers) {
      const annotations: Record<string, string> = { [ANNOTATIONS.syncWave]: String(props.waves.get(layer.layerName)) };
      if (layer.dependsOn.length) annotations[ANNOTATIONS.dependsOn] = layer.dependsOn.join(',');
      if (layer.providedApis.length) annotations[ANNOTATIONS.providesApis] = layer.providedApis.map(formatApiRef).join(',');
      const app = new Application(this, `layer-${layer.layerName}`, {
        metadata: { name: layer.layerName, namespace: ARGOCD_NAMESPACE, annotations },
        spec: {
          project: PLATFORM_PROJECT,
          info: [{ name: 'description', value: layer.description }],
          source: {
            repoUrl: site.git.repoUrl,
            targetRevision: site.git.revision,
            path: `dist/${layer.layerName}`,
            directory: { include: '*.yaml' },
          },
          destination: { server: IN_CLUSTER, namespace: layer.destinationNamespace },
          syncPolicy: syncPolicy({ serverSideApply: layer.serverSideApply }),
        },
      });
      declareFacts(app, { dependsOn: layer.dependsOn.length ? [...layer.dependsOn] : undefined, providesApis: layer.providedApis.length ? [...layer.providedApis] : undefined });
    }
  }
}

/** Maps the plain (YAML-cased) root spec to the generated class's property names. */
/**
 * The platform AppProject and the root Application (app of apps, syncing dist/apps): rendered in
 * dist/apps, where Argo CD manages them, and identically in the bootstrap.
 */
export function addRootAndProject(scope: Construct, site: Site): ApiObject[] {
  const project = new AppProject(scope, 'project', {
    metadata: {
      name: PLATFORM_PROJECT,
      namespace: ARGOCD_NAMESPACE,
      // The project must exist before the Applications that belong to it; Argo CD never takes it away.
      annotations: { [ANNOTATIONS.syncWave]: '-1', ...NEVER_PRUNE },
    },
    spec: platformProjectSpec(site),
  });
  const root = new Application(scope, 'root', {
    metadata: { name: ROOT_APP, namespace: ARGOCD_NAMESPACE, annotations: { ...NEVER_PRUNE } },
    spec: toApplicationSpec(rootApplicationSpec(site)),
  });
  return [project, root];
}

function toApplicationSpec(spec: ReturnType<typeof rootApplicationSpec>) {
  const { repoURL, ...source } = spec.source;
  return { ...spec, source: { ...source, repoUrl: repoURL } };
}
