import type { LayerFactory } from '../context';
import { argoCdLayer } from './argocd';
import { backupsLayer } from './backups';
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
  argoCdLayer, backupsLayer, gatewayLayer, harborLayer, jenkinsLayer, keycloakLayer, loggingLayer, longhornLayer, metalLbLayer, monitoringLayer, paasLayer, rancherLayer, rolloutsLayer, secretsLayer, upgradesLayer,
];
