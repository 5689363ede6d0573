import type { Construct } from 'constructs';
import type { Site } from './config/schema';
import type { Layer } from './layer';
import type { Versions } from './versions';

/** What every layer is built from: the validated site and the resolved versions map. */
export interface PlatformContext {
  readonly site: Site;
  readonly versions: Versions;
}

/** Builds one layer chart inside `scope`. */
export type LayerFactory = (scope: Construct, ctx: PlatformContext) => Layer;
