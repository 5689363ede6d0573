import type { Construct, IConstruct } from 'constructs';
import type { AppSpec } from './config/app-schema';
import type { Site } from './config/schema';
import type { Layer } from './layer';
import type { AppsLock } from './paas/lock';
import type { AppRenders } from './render/app-renders';
import { resolvePin } from './versions';
import type { ChartPin, Versions } from './versions';

/** What every layer is built from: the validated site, the resolved versions map and the app specs. */
export interface PlatformContext {
  readonly site: Site;
  /** The images, binaries and manifest sets of lib/versions.ts with the site's overrides (a chart pin is read with `pinned`). */
  readonly versions: Versions;
  /** The validated app specs of `apps/*.yaml`, sorted by name. */
  readonly apps: readonly AppSpec[];
  /**
   * Each TCP-exposed app's MetalLB address and ports (apps.lock.yaml, updated for `apps`).
   * @default - allocated afresh from the site's PaaS pool (buildPlatform always sets it)
   */
  readonly appsLock?: AppsLock;
  /**
   * What apps left in the last synth (lib/render/app-renders.ts): an app whose inputs did not
   * change is not built again. @default - every app is built
   */
  readonly appRenders?: AppRenders;
}

/**
 * A chart pin as the site sets it: `pin` with the site's `versions:` override of its name applied.
 * The one way a layer reads the pin it declares (the site rules checked the override's name
 * against every pin the layer index collects).
 */
export function pinned<P extends ChartPin>(ctx: PlatformContext, pin: P): P {
  return resolvePin(pin, ctx.site.versions);
}

/** Builds one layer chart inside `scope`. */
export type LayerFactory = (scope: Construct, ctx: PlatformContext) => Layer;

const CONTEXT_KEY = 'tsys.platform/context';

/** Makes `ctx` available to every construct below `app` (call before adding children). */
export function setPlatformContext(app: IConstruct, ctx: PlatformContext): void {
  app.node.setContext(CONTEXT_KEY, ctx);
}

/** The platform context of the app `scope` belongs to; throws outside a platform app. */
export function platformContext(scope: IConstruct): PlatformContext {
  const ctx = scope.node.tryGetContext(CONTEXT_KEY) as PlatformContext | undefined;
  if (!ctx) throw new Error(`${scope.node.path}: no platform context; build constructs inside buildPlatform() or call setPlatformContext(app, ctx) first`);
  return ctx;
}
