import { App, Chart } from 'cdk8s';
import type { AppSpec } from './config/app-schema';
import type { Site } from './config/schema';
import { LayerFactory, PlatformContext, setPlatformContext } from './context';
import { AppsChart } from './gitops/apps';
import { BootstrapChart } from './gitops/bootstrap';
import { deriveWaves, wireApiProviders } from './gitops/waves';
import { PlatformError } from './platform-error';
import { DatabaseDocs } from './docs/database-docs';
import { DependenciesDocs } from './docs/dependencies-docs';
import { LdapDocs } from './docs/ldap-docs';
import { RestoreDocs } from './docs/restore-docs';
import { WhiteboardDocs } from './docs/whiteboard-docs';
import { HaproxyConfig } from './hosts/haproxy-config';
import { K3sHosts } from './hosts/k3s-hosts';
import { Layer } from './layer';
import { RESERVED_FOLDERS } from './reserved';
import { enabledLayers, LAYERS } from './layers';
import { resolveVersions } from './versions';
import { allocate, AppsLock, emptyLock, loadBalancerRequests, paasPool, reservedAddresses } from './paas/lock';
import { WorkloadChart } from './paas/workload-chart';
import type { AppRenders } from './render/app-renders';
import { UpstreamObjects } from './constructs/upstream-objects';
import { apiVersionsFor } from './render/api-versions';
import { ChartRenderer } from './render/chart-renderer';
import { withFastResolve } from './render/fast-resolve';


/** The built construct tree and where each chart is written. */
export interface Platform {
  readonly app: App;
  readonly layers: readonly Layer[];
  readonly waves: ReadonlyMap<string, number>;
  /** Host files under dist/hosts (k3s on the nodes); not Argo CD objects, not in `outputs`. */
  readonly hosts: K3sHosts;
  /** Output folder (relative to the repo root) of each chart. */
  readonly outputs: readonly { readonly dir: string; readonly chart: Chart }[];
  /** The apps' load-balancer allocations: what apps.lock.yaml must now say. */
  readonly appsLock: AppsLock;
  /** What rendered the vendored charts and manifests (its renders become render-cache/). */
  readonly renderer: ChartRenderer;
}

/**
 * Builds every layer for `site` but those of the components it switches off (`enabledLayers`),
 * and the apps' workload charts; derives the sync order and the app of apps. `previousLock` is
 * the committed apps.lock.yaml: addresses it holds are kept.
 */
export function buildPlatform(site: Site, factories: readonly LayerFactory[] = LAYERS, appSpecs: readonly AppSpec[] = [], previousLock?: AppsLock, renderer: ChartRenderer = new ChartRenderer(), appRenders?: AppRenders): Platform {
  // The objects turned into JSON while building (waves, providers) resolve as cdk8s's code does, faster (./render/fast-resolve.ts).
  return withFastResolve(() => build(site, factories, appSpecs, previousLock, renderer, appRenders));
}

function build(site: Site, factories: readonly LayerFactory[], appSpecs: readonly AppSpec[], previousLock: AppsLock | undefined, renderer: ChartRenderer, appRenders: AppRenders | undefined): Platform {
  const app = new App({ outdir: '.cdk8s.out' });
  const pool = paasPool(site);
  const appsLock = allocate(loadBalancerRequests(appSpecs), previousLock ?? emptyLock(pool.name), pool, reservedAddresses(site));
  const ctx: PlatformContext = { site, versions: resolveVersions(site.versions), apps: appSpecs, appsLock, ...(appRenders ? { appRenders } : {}) };
  setPlatformContext(app, ctx);
  const layers = enabledLayers(site, factories).map((make) => make(app, ctx));
  for (const layer of layers) {
    if (RESERVED_FOLDERS.includes(layer.layerName)) throw new PlatformError(`layer name "${layer.layerName}" is reserved (dist/${layer.layerName} holds other files)`);
  }
  // Objects made from what every layer registered (the monitoring layer's scrape targets).
  Layer.finishLayers(layers);
  const bootstrap = new BootstrapChart(app, 'bootstrap', ctx);
  // Upstream charts and manifests render once every layer is known: helm sees what they provide.
  const provided = [...layers.flatMap((l) => l.providedApis), ...UpstreamObjects.all(app).flatMap((c) => c.providesApis)];
  UpstreamObjects.materializeAll(app, renderer, apiVersionsFor(provided));
  bootstrap.labelInstall();
  const waves = deriveWaves(layers);
  wireApiProviders(layers);
  const ordered = [...layers].sort((a, b) => a.layerName.localeCompare(b.layerName));
  const apps = new AppsChart(app, 'apps', { ctx, layers: ordered, waves });
  const hosts = new K3sHosts(app, 'hosts', { ctx });
  new HaproxyConfig(app, 'haproxy');
  new LdapDocs(app, 'ldap-docs');
  new DependenciesDocs(app, 'dependencies-docs');
  new DatabaseDocs(app, 'database-docs');
  new RestoreDocs(app, 'restore-docs');
  new WhiteboardDocs(app, 'whiteboard-docs');
  const workloads = app.node.children.filter(WorkloadChart.isWorkloadChart).sort((a, b) => a.appName.localeCompare(b.appName));
  return {
    app,
    layers: ordered,
    waves,
    hosts,
    outputs: [
      { dir: 'dist/apps', chart: apps },
      ...ordered.map((layer) => ({ dir: `dist/${layer.layerName}`, chart: layer as Chart })),
      ...workloads.map((w) => ({ dir: w.folder, chart: w as Chart })),
      { dir: 'argocd', chart: bootstrap },
    ],
    appsLock,
    renderer,
  };
}
