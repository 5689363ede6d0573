import type { LayerFactory } from '../context';
import { argoCdLayer } from './argocd';
import { metalLbLayer } from './metallb';
import { secretsLayer } from './secrets';
import { upgradesLayer } from './upgrades';

/** Every platform layer, in no particular order: sync waves come from their dependencies. */
export const LAYERS: readonly LayerFactory[] = [argoCdLayer, metalLbLayer, secretsLayer, upgradesLayer];
