import type { LayerNeeds } from '../config/platform-rules';
import { OPTIONAL_COMPONENTS } from '../config/schema';
import type { OptionalComponent, Site } from '../config/schema';
import type { LayerFactory } from '../context';
import { pinNames } from '../versions';
import type { ChartPin } from '../versions';
import { ARGOCD_CHART } from '../gitops/argo-cd-install';
import { ARGOCD_NEEDS, argoCdLayer } from './argocd';
import { backupsLayer, VELERO_CHART } from './backups';
import { clusterAddonsLayer } from './cluster-addons';
import { COREDNS_CHART } from './coredns';
import { ENVOY_GATEWAY_CHART, gatewayLayer } from './gateway';
import { HARBOR_CHART, HARBOR_NEEDS, harborLayer } from './harbor';
import { JENKINS_CHART, JENKINS_NEEDS, jenkinsLayer } from './jenkins';
import { KEYCLOAK_NEEDS, keycloakLayer } from './keycloak';
import { ALLOY_CHART, LOKI_CHART, loggingLayer } from './logging';
import { LONGHORN_CHART, LONGHORN_NEEDS, longhornLayer } from './longhorn';
import { METALLB_CHART, metalLbLayer } from './metallb';
import { METRICS_SERVER_CHART } from './metrics-server';
import { KUBE_PROMETHEUS_STACK_CHART, MONITORING_NEEDS, monitoringLayer } from './monitoring';
import { paasLayer } from './paas';
import { RANCHER_CHART, RANCHER_NEEDS, rancherLayer } from './rancher';
import { ARGO_ROLLOUTS_CHART, rolloutsLayer } from './rollouts';
import { EXTERNAL_SECRETS_CHART, secretsLayer } from './secrets';
import { upgradesLayer } from './upgrades';

/** Every platform layer, in no particular order: sync waves come from their dependencies. */
export const LAYERS: readonly LayerFactory[] = [
  argoCdLayer, backupsLayer, clusterAddonsLayer, gatewayLayer, harborLayer, jenkinsLayer, keycloakLayer, loggingLayer, longhornLayer, metalLbLayer, monitoringLayer, paasLayer, rancherLayer, rolloutsLayer, secretsLayer, upgradesLayer,
];

/**
 * Every chart pin, each declared in the file that renders its chart (a layer file, or the
 * construct file a layer and the bootstrap share: CoreDNS, metrics-server, Argo CD). The vendor
 * command reads where each chart is released from here; the site rules, which names
 * `site.yaml` `versions:` may override (`PIN_NAMES`); `tsys versions` lists them.
 */
export const CHART_PINS: readonly ChartPin[] = [
  ALLOY_CHART, ARGOCD_CHART, ARGO_ROLLOUTS_CHART, COREDNS_CHART, ENVOY_GATEWAY_CHART, EXTERNAL_SECRETS_CHART, HARBOR_CHART, JENKINS_CHART,
  KUBE_PROMETHEUS_STACK_CHART, LOKI_CHART, LONGHORN_CHART, METALLB_CHART, METRICS_SERVER_CHART, RANCHER_CHART, VELERO_CHART,
];

/** Every name `site.yaml` `versions:` may override: lib/versions.ts's and the chart pins'. */
export const PIN_NAMES: readonly string[] = pinNames(CHART_PINS);

/**
 * What the layers take for themselves, each declared in its layer file: the UIs they publish
 * (host names no app may use) and the DBaaS databases they keep (which no app may bind, and whose
 * engines site.yaml must offer). Synth passes them to the site and app rules (lib/config/, which
 * sit below the layers and cannot import them), so a clash fails with `file:line:col`.
 */
export const LAYER_NEEDS: readonly LayerNeeds[] = [ARGOCD_NEEDS, HARBOR_NEEDS, JENKINS_NEEDS, KEYCLOAK_NEEDS, LONGHORN_NEEDS, MONITORING_NEEDS, RANCHER_NEEDS];

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
