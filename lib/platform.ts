import { App, Chart } from 'cdk8s';
import type { AppSpec } from './config/app-schema';
import type { Site } from './config/schema';
import { LayerFactory, PlatformContext, setPlatformContext } from './context';
import { AppsChart } from './gitops/apps';
import { BootstrapChart } from './gitops/bootstrap';
import { deriveWaves, wireApiProviders } from './gitops/waves';
import { PlatformError } from './platform-error';
import { DatabaseDocs } from './docs/database-docs';
import { LdapDocs } from './docs/ldap-docs';
import { RestoreDocs } from './docs/restore-docs';
import { HaproxyConfig } from './hosts/haproxy-config';
import { K3sHosts } from './hosts/k3s-hosts';
import { Layer } from './layer';
import { RESERVED_FOLDERS } from './reserved';
import { LAYERS } from './layers';
import { resolveVersions } from './versions';


/** The built construct tree and where each chart is written. */
export interface Platform {
  readonly app: App;
  readonly layers: readonly Layer[];
  readonly waves: ReadonlyMap<string, number>;
  /** Host files under dist/hosts (k3s on the nodes); not Argo CD objects, not in `outputs`. */
  readonly hosts: K3sHosts;
  /** Output folder (relative to the repo root) of each chart. */
  readonly outputs: readonly { readonly dir: string; readonly chart: Chart }[];
}

/** Builds every layer for `site`, derives the sync order and the app of apps. */
export function buildPlatform(site: Site, factories: readonly LayerFactory[] = LAYERS, appSpecs: readonly AppSpec[] = []): Platform {
  const app = new App({ outdir: '.cdk8s.out' });
  const ctx: PlatformContext = { site, versions: resolveVersions(site.versions), apps: appSpecs };
  setPlatformContext(app, ctx);
  const layers = factories.map((make) => make(app, ctx));
  for (const layer of layers) {
    if (RESERVED_FOLDERS.includes(layer.layerName)) throw new PlatformError(`layer name "${layer.layerName}" is reserved (dist/${layer.layerName} holds other files)`);
  }
  const waves = deriveWaves(layers);
  wireApiProviders(layers);
  const ordered = [...layers].sort((a, b) => a.layerName.localeCompare(b.layerName));
  const apps = new AppsChart(app, 'apps', { ctx, layers: ordered, waves });
  const bootstrap = new BootstrapChart(app, 'bootstrap', ctx);
  const hosts = new K3sHosts(app, 'hosts', { ctx });
  new HaproxyConfig(app, 'haproxy');
  new LdapDocs(app, 'ldap-docs');
  new DatabaseDocs(app, 'database-docs');
  new RestoreDocs(app, 'restore-docs');
  return {
    app,
    layers: ordered,
    waves,
    hosts,
    outputs: [
      { dir: 'dist/apps', chart: apps },
      ...ordered.map((layer) => ({ dir: `dist/${layer.layerName}`, chart: layer as Chart })),
      { dir: 'argocd', chart: bootstrap },
    ],
  };
}
