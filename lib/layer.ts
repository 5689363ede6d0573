import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { renderedBodyOf } from './k8s/rendered-bodies';
import { isCrdType } from './k8s/manifest';

/** An API (custom resource kinds) that a layer installs: a group and optionally one kind. */
export interface ApiRef {
  /** API group, e.g. `metallb.io`. */
  readonly group: string;
  /**
   * One kind of the group; omit for every kind of the group.
   * @default every kind of the group
   */
  readonly kind?: string;
}

export function formatApiRef(ref: ApiRef): string {
  return `${ref.group}/${ref.kind ?? '*'}`;
}

export function apiRefMatches(ref: ApiRef, group: string, kind: string): boolean {
  return ref.group === group && (ref.kind === undefined || ref.kind === kind);
}

export interface LayerProps {
  /**
   * Layer name: the folder `dist/<name>` and the name of its Argo CD Application.
   * A DNS label; it is API (renaming it moves every file and the Application).
   */
  readonly name: string;
  /** One line on what the layer is for; shown in the Argo CD UI. */
  readonly description: string;
  /** The namespace the layer's Application deploys into by default. */
  readonly namespace: string;
  /**
   * Layers that must be synced and healthy before this one (their CRDs or services).
   * Sync waves are derived from these; a cycle or an unknown name is a synth error.
   * @default - none
   */
  readonly dependsOn?: readonly string[];
  /**
   * Sync the layer with server-side apply (large CRDs, objects over the annotation limit).
   * @default false
   */
  readonly serverSideApply?: boolean;
}

/** The objects of a layer that install APIs, and which. */
export interface ApiProvider {
  readonly apis: readonly ApiRef[];
  /** The object (usually a Helm component's Application) whose sync installs them. */
  readonly object: ApiObject;
}

/**
 * Marks layers: `instanceof Layer` is true for every cdk8s Chart (Chart overrides
 * Symbol.hasInstance to work across copies of the library), so it cannot tell layers apart.
 */
const LAYER_SYMBOL = Symbol.for('tsys.platform.Layer');

/** The phases of an object that is no hook. */
const SYNC_PHASE: readonly string[] = Object.freeze(['Sync']);

/**
 * One platform layer: a cdk8s Chart rendered into `dist/<name>/` and synced by one
 * Argo CD Application. Layers declare what they depend on and which APIs they provide.
 */
export class Layer extends Chart {
  /** The layer that contains `scope`; throws when there is none. */
  public static of(scope: IConstruct): Layer {
    const layer = Layer.tryOf(scope);
    if (layer) return layer;
    throw new Error(`${scope.node.path} is not inside a Layer; create platform constructs inside a layer chart`);
  }

  /** Whether `x` is a layer itself (not merely inside one). */
  public static isLayer(x: unknown): x is Layer {
    return typeof x === 'object' && x !== null && (x as Record<symbol, boolean>)[LAYER_SYMBOL] === true;
  }

  /** The layer that contains `scope`, or undefined outside layers (an app's workload chart). */
  public static tryOf(scope: IConstruct): Layer | undefined {
    for (let c: IConstruct | undefined = scope; c; c = c.node.scope) {
      if ((c as unknown as Record<symbol, boolean>)[LAYER_SYMBOL]) return c as Layer;
    }
    return undefined;
  }

  public readonly layerName: string;
  public readonly description: string;
  /** The namespace the layer's Application deploys into by default. */
  public readonly destinationNamespace: string;
  public readonly dependsOn: readonly string[];
  public readonly serverSideApply: boolean;
  private readonly providers: ApiProvider[] = [];
  private readonly orders: { readonly after: IConstruct; readonly before: IConstruct }[] = [];
  private readonly hooks = new Map<ApiObject, readonly string[]>();
  private readonly whenBuilt: (() => void)[] = [];

  constructor(scope: Construct, props: LayerProps) {
    super(scope, props.name, {
      disableResourceNameHashes: true,
      labels: { 'app.kubernetes.io/part-of': 'tsys-platform', 'platform.tsys/layer': props.name },
    });
    Object.defineProperty(this, LAYER_SYMBOL, { value: true });
    if (!/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/.test(props.name)) {
      throw new Error(`layer name "${props.name}" must be a DNS label of at most 42 characters (it names a folder and an Application)`);
    }
    this.layerName = props.name;
    this.description = props.description;
    this.destinationNamespace = props.namespace;
    this.dependsOn = [...(props.dependsOn ?? [])].sort();
    this.serverSideApply = props.serverSideApply ?? false;
  }

  /**
   * Runs `build` once every layer of the platform is built (`finishLayers`, called by
   * lib/platform.ts), for objects made from what the other layers registered: the monitoring
   * layer's monitors of the scrape targets in the Inventory.
   */
  public afterAllLayers(build: () => void): void {
    this.whenBuilt.push(build);
  }

  /** Runs what each layer deferred with `afterAllLayers`, once, in layer order. */
  public static finishLayers(layers: readonly Layer[]): void {
    for (const layer of layers) {
      for (const build of layer.whenBuilt.splice(0)) build();
    }
  }

  /** Records that syncing `object` installs `apis` (called by Helm components). */
  public addProvider(apis: readonly ApiRef[], object: ApiObject): void {
    if (apis.length) this.providers.push({ apis, object });
  }

  /**
   * Syncs the objects of `after` in a later wave than those of `before` (both in this layer),
   * e.g. a chart after the Secret it reads at first start. Waves are derived from these orders
   * and from API providers; nothing sets a wave by hand.
   */
  public addOrder(after: IConstruct, before: IConstruct): void {
    for (const c of [after, before]) {
      if (Layer.of(c) !== this) throw new Error(`${c.node.path} is not in layer "${this.layerName}"; order objects of one layer only`);
    }
    this.orders.push({ after, before });
  }

  /**
   * Records that `object` is an Argo CD hook of the sync phases `phases` (`PreSync`, `PostSync`,
   * `PostDelete`), as its `argocd.argoproj.io/hook` annotation says: a sync wave orders objects
   * within one phase only, so waves are derived from the orders between objects that share a
   * phase (lib/gitops/waves.ts). Every other object is of the `Sync` phase.
   */
  public addHook(object: ApiObject, phases: readonly string[]): void {
    if (Layer.of(object) !== this) throw new Error(`${object.node.path} is not in layer "${this.layerName}"`);
    if (!phases.length) throw new Error(`${object.node.path}: a hook needs at least one phase`);
    this.hooks.set(object, [...new Set(phases)].sort());
  }

  /** The sync phases of `object`, sorted: its hook's (`addHook`), else `Sync`. */
  public syncPhasesOf(object: ApiObject): readonly string[] {
    return this.hooks.get(object) ?? SYNC_PHASE;
  }

  /**
   * The explicit orders between objects of this layer, as `addOrder` took them: the objects of `after` each follow every object
   * of `before`. Many orders share a side (every Application of the PaaS follows the same
   * namespaces): each side is walked once, and orders with the same side share its list.
   */
  public get objectOrderGroups(): readonly { readonly after: readonly ApiObject[]; readonly before: readonly ApiObject[] }[] {
    const found = new Map<IConstruct, ApiObject[]>();
    const objects = (c: IConstruct) => {
      let list = found.get(c);
      if (!list) found.set(c, (list = c.node.findAll().filter((x): x is ApiObject => x instanceof ApiObject)));
      return list;
    };
    return this.orders.map(({ after, before }) => ({ after: objects(after), before: objects(before) }));
  }

  /** APIs this layer installs. */
  public get providedApis(): readonly ApiRef[] {
    return this.allProviders().flatMap((p) => p.apis);
  }

  /** Which object of this layer installs the API of `group`/`kind`, if any. */
  public providerOf(group: string, kind: string): ApiProvider | undefined {
    return Layer.providerIn(this.allProviders(), group, kind);
  }

  /** Which of `providers` (a layer's `allProviders()`, read once for many lookups) installs the API of `group`/`kind`. */
  public static providerIn(providers: readonly ApiProvider[], group: string, kind: string): ApiProvider | undefined {
    return providers.find((p) => p.apis.some((r) => apiRefMatches(r, group, kind)));
  }

  /**
   * Components that declared APIs, and CustomResourceDefinitions rendered as plain objects.
   * Walks the layer's construct tree: callers asking about many objects read it once.
   */
  public allProviders(): ApiProvider[] {
    const crds = this.apiObjects
      .filter((o) => isCrdType(o.apiVersion, o.kind))
      .map((o) => {
        // An upstream object's spec is read from its body (a null there is absent from its JSON: `?.` and `??` read both alike).
        const body = renderedBodyOf(o);
        const spec = (body ? body.spec : (o.toJson() as { spec?: unknown }).spec) as { group?: string | null; names?: { kind?: string | null } | null } | null | undefined;
        return { apis: [{ group: spec?.group ?? '', kind: spec?.names?.kind ?? '' }], object: o };
      });
    return [...this.providers, ...crds];
  }

  /** Every API object of this layer, in construct-tree order. */
  public get apiObjects(): ApiObject[] {
    return this.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  }
}
