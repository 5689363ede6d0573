import { OPTIONAL_COMPONENTS } from '../config/schema';
import type { OptionalComponent, Site } from '../config/schema';
import type { LayerFactory } from '../context';
import { argoCdLayer } from './argocd';
import { backupsLayer } from './backups';
import { clusterAddonsLayer } from './cluster-addons';
import { gatewayLayer } from './gateway';
import { harborLayer } from './harbor';
import { jenkinsLayer } from './jenkins';
import { keycloakLayer } from './keycloak';
import { loggingLayer } from './logging';
import { longhornLayer } from './longhorn';
import { metalLbLayer } from './metallb';
import { monitoringLayer } from './monitoring';
import { paasLayer } from './paas';
import { rancherLayer } from './rancher';
import { rolloutsLayer } from './rollouts';
import { secretsLayer } from './secrets';
import { upgradesLayer } from './upgrades';

/** Every platform layer, in no particular order: sync waves come from their dependencies. */
export const LAYERS: readonly LayerFactory[] = [
  argoCdLayer, backupsLayer, clusterAddonsLayer, gatewayLayer, harborLayer, jenkinsLayer, keycloakLayer, loggingLayer, longhornLayer, metalLbLayer, monitoringLayer, paasLayer, rancherLayer, rolloutsLayer, secretsLayer, upgradesLayer,
];

/** The layer of each optional component: built only while site.yaml leaves the component on. */
export const OPTIONAL_LAYERS: Readonly<Record<OptionalComponent, LayerFactory>> = {
  harbor: harborLayer,
  jenkins: jenkinsLayer,
  keycloak: keycloakLayer,
};

/** `factories` without the layers of the components `site` switches off (`<component>.enabled: false`). */
export function enabledLayers(site: Site, factories: readonly LayerFactory[] = LAYERS): LayerFactory[] {
  const off = new Set(OPTIONAL_COMPONENTS.filter((c) => !site[c].enabled).map((c) => OPTIONAL_LAYERS[c]));
  return factories.filter((make) => !off.has(make));
}
