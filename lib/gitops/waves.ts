import { ApiObject } from 'cdk8s';
import { splitApiVersion } from '../k8s/manifest';
import { ANNOTATIONS } from './argocd';
import { isBuiltinApi } from './builtin-apis';
import { ApiProvider, Layer } from '../layer';
import { PlatformError } from '../platform-error';


/**
 * Derives each layer's sync wave from its declared dependencies: a layer syncs one wave
 * after the latest of its dependencies. Throws on unknown names, duplicates and cycles.
 */
export function deriveWaves(layers: readonly Layer[]): Map<string, number> {
  const byName = new Map<string, Layer>();
  for (const layer of layers) {
    if (byName.has(layer.layerName)) throw new PlatformError(`two layers are named "${layer.layerName}"; layer names must be unique`);
    byName.set(layer.layerName, layer);
  }
  for (const layer of layers) {
    for (const dep of layer.dependsOn) {
      if (!byName.has(dep)) {
        throw new PlatformError(`layer "${layer.layerName}" depends on unknown layer "${dep}" (known: ${[...byName.keys()].sort().join(', ')})`);
      }
    }
  }
  const waves = new Map<string, number>();
  const visiting: string[] = [];
  const visit = (name: string): number => {
    const known = waves.get(name);
    if (known !== undefined) return known;
    if (visiting.includes(name)) {
      const cycle = [...visiting.slice(visiting.indexOf(name)), name];
      throw new PlatformError(`layer dependency cycle: ${cycle.join(' -> ')}; remove one dependsOn entry`);
    }
    visiting.push(name);
    const deps = byName.get(name)!.dependsOn;
    const wave = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(visit));
    visiting.pop();
    waves.set(name, wave);
    return wave;
  };
  for (const name of [...byName.keys()].sort()) visit(name);
  return waves;
}

/** Every layer `name` depends on, directly or through others. */
export function transitiveDependencies(layers: readonly Layer[], name: string): Set<string> {
  const byName = new Map(layers.map((l) => [l.layerName, l]));
  const out = new Set<string>();
  const stack = [...(byName.get(name)?.dependsOn ?? [])];
  while (stack.length) {
    const dep = stack.pop()!;
    if (out.has(dep)) continue;
    out.add(dep);
    stack.push(...(byName.get(dep)?.dependsOn ?? []));
  }
  return out;
}

/**
 * Whether `obj` may have annotations: false only when cdk8s's metadata holds an empty map of them
 * (its field, read as cdk8s 2 keeps it; anything else there, and the object is asked for its JSON).
 */
function hasAnnotations(obj: ApiObject): boolean {
  const annotations = (obj.metadata as unknown as { readonly annotations?: unknown }).annotations;
  return !(annotations !== null && typeof annotations === 'object' && Object.getPrototypeOf(annotations) === Object.prototype && Object.keys(annotations).length === 0);
}

/**
 * Checks that every custom resource's API is provided before it is synced, and derives the
 * sync waves inside each layer: an object syncs one wave after everything it follows (the
 * component of its own layer that installs its CRD, and explicit `Layer.addOrder`s). Custom
 * resources whose CRD comes in the same sync skip the dry run. A hand-set wave is an error.
 */
export function wireApiProviders(layers: readonly Layer[]): void {
  // Each layer's providers, read once: asking every layer about every custom resource walked
  // each layer's tree once per object (quadratic in apps, whose Applications are custom resources).
  const providers = new Map(layers.map((l) => [l, l.allProviders()]));
  const providerOf = (l: Layer, group: string, kind: string) => Layer.providerIn(providers.get(l)!, group, kind);
  for (const layer of layers) {
    const deps = transitiveDependencies(layers, layer.layerName);
    // What each object follows, as lists of objects (an order's side, shared by every object it orders).
    const follows = new Map<ApiObject, (readonly ApiObject[])[]>();
    const follow = (after: ApiObject, before: readonly ApiObject[]) => {
      const lists = follows.get(after);
      if (lists) lists.push(before);
      else follows.set(after, [before]);
    };
    const skipDryRun = new Set<ApiObject>();
    // A custom resource's list of its API's provider: followed whatever the phases (a PostSync hook
    // custom resource beside its CRD still syncs in a later wave; a PreSync hook one runs before its
    // CRD whatever its wave, which verify/api-providers refuses).
    const providerLists = new Set<readonly ApiObject[]>();
    // Who provides an API is the same for every object of its group and kind (thousands of Applications): asked once.
    const providing = new Map<string, { readonly own?: ApiProvider; readonly others: readonly Layer[] }>();
    const objects = layer.apiObjects;
    for (const obj of objects) {
      const { group } = splitApiVersion(obj.apiVersion);
      if (isBuiltinApi(group, obj.kind)) continue;
      const what = `${group}/${obj.kind} "${obj.name}"`;
      const api = `${group}/${obj.kind}`;
      let found = providing.get(api);
      if (!found) {
        const own = providerOf(layer, group, obj.kind);
        providing.set(api, (found = own ? { own, others: [] } : { others: layers.filter((l) => l !== layer && providerOf(l, group, obj.kind)) }));
      }
      const own = found.own;
      if (own) {
        if (own.object !== obj) {
          const list = [own.object];
          providerLists.add(list);
          follow(obj, list);
          skipDryRun.add(obj);
        }
        continue;
      }
      const others = found.others;
      if (others.length === 0) {
        throw new PlatformError(`layer "${layer.layerName}" renders ${what}, but no layer provides ${group}/${obj.kind}; declare it in the providesApis of the component that installs its CRD`);
      }
      if (!others.some((p) => deps.has(p.layerName))) {
        throw new PlatformError(`layer "${layer.layerName}" renders ${what} from layer "${others[0].layerName}"; add "${others[0].layerName}" to the dependsOn of layer "${layer.layerName}"`);
      }
    }
    for (const { after, before } of layer.objectOrderGroups) for (const a of after) follow(a, before);

    const waves = new Map<ApiObject, number>();
    const visiting: ApiObject[] = [];
    /**
     * The latest wave of a list of objects, once per list and sync phases: Argo CD runs a sync's
     * phases in turn (PreSync, Sync, PostSync) and orders by wave only within one, so an object
     * follows only those of an order's list that share a phase with it (a chart's hooks do not wait
     * for what the chart is ordered after, nor hold back what is ordered after the chart). Its API's
     * provider it follows whatever the phases.
     */
    const latest = new Map<readonly ApiObject[], Map<string, number>>();
    const waveOf = (obj: ApiObject): number => {
      const known = waves.get(obj);
      if (known !== undefined) return known;
      if (visiting.includes(obj)) {
        const cycle = [...visiting.slice(visiting.indexOf(obj)), obj].map((o) => `${o.kind}/${o.name}`);
        throw new PlatformError(`layer "${layer.layerName}": objects ordered in a cycle: ${cycle.join(' -> ')}`);
      }
      visiting.push(obj);
      let wave = 0;
      const phases = layer.syncPhasesOf(obj);
      const phaseKey = phases.join(',');
      for (const list of follows.get(obj) ?? []) {
        let byPhase = latest.get(list);
        if (!byPhase) latest.set(list, (byPhase = new Map()));
        let max = byPhase.get(phaseKey);
        if (max === undefined) {
          max = -1;
          const always = providerLists.has(list);
          for (const before of list) if (always || layer.syncPhasesOf(before).some((p) => phases.includes(p))) max = Math.max(max, waveOf(before));
          byPhase.set(phaseKey, max);
        }
        wave = Math.max(wave, 1 + max);
      }
      visiting.pop();
      waves.set(obj, wave);
      return wave;
    };
    for (const obj of objects) {
      // Only objects given annotations are turned into JSON (resolving metadata is most of the cost for thousands of Applications).
      const annotations = hasAnnotations(obj) ? obj.metadata.toJson().annotations ?? {} : {};
      if (annotations[ANNOTATIONS.syncWave] !== undefined) {
        throw new PlatformError(`${obj.node.path}: sets ${ANNOTATIONS.syncWave} by hand; waves are derived (use Layer.addOrder)`);
      }
      const wave = waveOf(obj);
      if (wave > 0) obj.metadata.addAnnotation(ANNOTATIONS.syncWave, String(wave));
      if (skipDryRun.has(obj)) {
        const own = String(annotations[ANNOTATIONS.syncOptions] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        obj.metadata.addAnnotation(ANNOTATIONS.syncOptions, [...new Set([...own, 'SkipDryRunOnMissingResource=true'])].join(','));
      }
    }
  }
}
