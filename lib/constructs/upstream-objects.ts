import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { HaDeclaration, haAnnotations, SELECTS_RUNTIME_PODS } from '../ha/annotations';
import { declareStorage, declareWorkloads, resolveDeclaration, StorageDeclaration, WorkloadDeclaration } from '../ha/workloads';
import { declareFacts } from '../facts/declare';
import type { RuntimeObjectFact } from '../facts/facts';
import { BACKUP_ANNOTATIONS, HelmVolume } from '../backups/coverage';
import { atoi } from '../k8s/argo-sync';
import { isClusterScoped } from '../k8s/kinds';
import { splitApiVersion } from '../k8s/manifest';
import { sortKeys } from '../render/sort';
import { ApiRef, formatApiRef, Layer } from '../layer';
import { ANNOTATIONS } from '../gitops/argocd';
import { PlatformError } from '../platform-error';
import { ChartObject, ChartRenderer } from '../render/chart-renderer';
import { upstreamDocument } from '../render/upstream-document';
import { recordRenderedBody } from '../k8s/rendered-bodies';

/** Picks one rendered object: kind and name, and the namespace when the name is not unique. */
export interface RenderedObjectRef {
  readonly kind: string;
  readonly name: string;
  /** @default any namespace */
  readonly namespace?: string;
}

/**
 * A volume a controller creates at run time, declared on the rendered object it is created from
 * (`createdBy`: an operator's custom resource), so the backup report names that object.
 */
export interface UpstreamVolume extends HelmVolume {
  /** The rendered object whose controller creates the volume. @default the component's first Deployment (or its first object) */
  readonly createdBy?: RenderedObjectRef;
}

/** HA facts for one rendered workload (annotations written onto it): why it is a singleton, a system component, exempt. */
export type RenderedWorkloadHa = RenderedObjectRef & HaDeclaration;

/** A rendered PersistentVolumeClaim or StatefulSet (each of its claim templates) whose volumes need no backup, and why. */
export type BackupOptOut = RenderedObjectRef & { readonly because: string };

/** An object the upstream renders that the platform does not apply, and why. */
export type ExcludedObject = RenderedObjectRef & { readonly because: string };

export interface UpstreamObjectsProps {
  /** Namespace of the release: set on every namespaced object that names none. */
  readonly namespace: string;
  /**
   * APIs the component installs and serves (its CRDs with the controller or webhook behind them).
   * Objects of this layer that use them sync after the component's objects; other layers must
   * depend on this layer to use them.
   * @default - none beyond the CRDs it renders
   */
  readonly providesApis?: readonly ApiRef[];
  /**
   * The rendered object that runs the component's controller (an operator's Deployment): it
   * carries `providesApis`, the workloads and storage declared as created at run time, and the
   * volumes without a `createdBy`. One that matches nothing rendered is an error.
   * @default - the first Deployment rendered, else the first object
   */
  readonly controller?: RenderedObjectRef;
  /**
   * HA declarations of rendered workloads (singletons, system components, exemptions), each
   * with its reason; written as annotations onto the object. A declaration that matches no
   * rendered object is an error.
   * @default - none
   */
  readonly ha?: readonly RenderedWorkloadHa[];
  /**
   * Workload declarations (lib/ha/workloads.ts): one that names a rendered Deployment,
   * StatefulSet or DaemonSet contributes only its HA declarations (singleton, system component,
   * exemptions, budget): the rendered spec speaks for the rest. One with `createdBy` stands for a
   * workload a controller creates at run time; its values paths are resolved here and it is
   * written onto the component's `controller` for the HA rules and the simulation. Any other
   * declaration that matches nothing rendered is an error.
   * @default - none
   */
  readonly workloads?: readonly WorkloadDeclaration[];
  /**
   * Volumes a controller creates at run time (an operator's StatefulSet claims), declared so the
   * backup-coverage rule sees them, each on the object it is created from (`createdBy`); rendered
   * claims and claim templates speak for themselves. A `createdBy` that matches nothing rendered is
   * an error.
   * @default - none
   */
  readonly volumes?: readonly UpstreamVolume[];
  /**
   * Rendered claims (PersistentVolumeClaims, or a StatefulSet's claim templates) that need no
   * backup, each with why: the backup-coverage rule reads this declaration (as the `backupOptOut`
   * fact), never an annotation the chart writes. A declaration that matches no rendered object
   * is an error.
   * @default - none
   */
  readonly backupOptOuts?: readonly BackupOptOut[];
  /**
   * The replicated storage this component installs, for the node-failure simulation; its values
   * paths are resolved against the component's values.
   * @default - none
   */
  readonly storage?: StorageDeclaration;
  /**
   * Rendered Services that select pods a controller creates at run time (no rendered template
   * has their labels), each with which controller: verify's selector rule then trusts them.
   * @default - none
   */
  readonly runtimeSelectors?: readonly { readonly service: string; readonly because: string }[];
  /**
   * Rendered objects the platform does not apply (e.g. a Secret that External Secrets owns).
   * One that matches nothing is an error.
   * @default - none
   */
  readonly exclude?: readonly ExcludedObject[];
  /**
   * Objects a controller makes at run time that the rendered pods name (a ServiceAccount, ConfigMap,
   * PersistentVolumeClaim or PriorityClass), each with which controller makes it: verify's
   * pod-references rule takes them as there. Carried by the controller object (`controller`).
   * @default - none
   */
  readonly runtimeObjects?: readonly RuntimeObjectFact[];
}

/** Helm hook phases and the Argo CD hook each becomes (https://argo-cd.readthedocs.io/en/stable/user-guide/helm/#helm-hooks). */
const HOOK_PHASES: Readonly<Record<string, string | null>> = {
  'crd-install': 'PreSync',
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
  // Argo CD 3.2 (chart 9.1.4) has no PreDelete hook; such hooks (Longhorn's uninstall Job) are not
  // applied: an uninstall must never run because an Application was deleted by accident.
  'pre-delete': null,
  'post-delete': 'PostDelete',
  'pre-rollback': null,
  'post-rollback': null,
};
const HOOK_DELETE: Readonly<Record<string, string>> = {
  'before-hook-creation': 'BeforeHookCreation',
  'hook-succeeded': 'HookSucceeded',
  'hook-failed': 'HookFailed',
};

/**
 * A Helm hook's weight (`helm.sh/hook-weight`) as Helm and Argo CD read it: Go's `strconv.Atoi` of
 * the text (an optional sign and decimal digits), and 0 for anything else, absent included.
 * (Weights beyond 2^53, which Atoi would still read, are taken as 0 too.)
 */
export function hookWeight(text: unknown): number {
  return atoi(text) ?? 0;
}

/**
 * The orders that keep Helm's hook weights once hooks are Argo CD hooks: Argo CD runs the hooks
 * of one phase in the order of their sync waves, and reads `helm.sh/hook-weight` only where
 * there is neither a wave nor an Argo CD hook annotation, so the weight must become order.
 * Within each phase, a hook follows every hook of that phase with the next lower weight (and so,
 * through them, every lower one); hooks of equal weight share a wave. Gives [after, before] pairs.
 * PostDelete hooks get none: Argo CD creates them all at once after the deletion, without waves.
 */
export function hookOrders<T>(hooks: readonly { readonly object: T; readonly phases: readonly string[]; readonly weight: number }[]): [T, T][] {
  const out: [T, T][] = [];
  const phases = [...new Set(hooks.flatMap((h) => h.phases))].filter((p) => !UNORDERED_PHASES.has(p)).sort();
  for (const phase of phases) {
    const inPhase = hooks.filter((h) => h.phases.includes(phase));
    const weights = [...new Set(inPhase.map((h) => h.weight))].sort((a, b) => a - b);
    for (let i = 1; i < weights.length; i++) {
      const before = inPhase.filter((h) => h.weight === weights[i - 1]);
      for (const after of inPhase.filter((h) => h.weight === weights[i])) for (const b of before) out.push([after.object, b.object]);
    }
  }
  return out;
}

/** Hook phases whose hooks Argo CD runs together, whatever their waves. */
const UNORDERED_PHASES: ReadonlySet<string> = new Set(['PostDelete']);

const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
/** Sync options of every rendered CustomResourceDefinition. */
export const CRD_SYNC_OPTIONS = ['Delete=false', 'Prune=false', 'ServerSideApply=true'] as const;

/**
 * An object as the upstream rendered it. Its body is plain JSON already: cdk8s's token
 * resolution would only walk it (several seconds for the large CRDs), so only the metadata,
 * where the layer adds labels and annotations, goes through cdk8s.
 */
class RenderedObject extends ApiObject {
  /** @param body the object as rendered (its `status` and nulls are left out of the JSON); never changed */
  constructor(scope: Construct, id: string, private readonly body: Readonly<Record<string, unknown>>, metadata: Record<string, unknown>) {
    super(scope, id, { apiVersion: String(body.apiVersion), kind: String(body.kind), metadata: metadata as never });
    recordRenderedBody(this, body);
  }

  public toJson(): any { // eslint-disable-line @typescript-eslint/no-explicit-any
    return upstreamDocument(this.body, this.metadata.toJson());
  }
}

const COMPONENT_SYMBOL = Symbol.for('tsys.platform.UpstreamObjects');

/**
 * Objects rendered from vendored upstream sources (a Helm chart, a kustomization) into plain
 * objects of the layer. They are rendered once the whole platform is built
 * (`UpstreamObjects.materializeAll`, called by buildPlatform), because the API list helm sees
 * is derived from what every layer provides.
 */
export abstract class UpstreamObjects extends Construct {
  /** Every upstream component below `scope`, in construct-tree order. */
  public static all(scope: IConstruct): UpstreamObjects[] {
    return scope.node.findAll().filter((c): c is UpstreamObjects => (c as unknown as Record<symbol, boolean>)[COMPONENT_SYMBOL] === true);
  }

  /**
   * Renders every upstream component below `scope` and adds its objects to its layer.
   * `apiVersions` is what the cluster will serve beyond the built-in APIs.
   */
  public static materializeAll(scope: IConstruct, renderer: ChartRenderer, apiVersions: readonly string[]): void {
    const components = UpstreamObjects.all(scope).filter((c) => !c.done);
    const rendered = components.map((c) => ({ c, objects: c.renderObjects(renderer, apiVersions) }));
    const scopes = new Map<string, boolean>();
    for (const { objects } of rendered) {
      for (const { object } of objects) {
        if (object.kind !== 'CustomResourceDefinition') continue;
        const spec = object.spec as { group?: string; names?: { kind?: string }; scope?: string } | undefined;
        if (spec?.group && spec.names?.kind) scopes.set(`${spec.group}/${spec.names.kind}`, spec.scope === 'Cluster');
      }
    }
    for (const { c, objects } of rendered) c.addObjects(objects, scopes);
  }

  public readonly namespace: string;
  private readonly upstreamProps: UpstreamObjectsProps;
  private done = false;
  private rendered: ApiObject[] = [];

  constructor(scope: Construct, id: string, props: UpstreamObjectsProps) {
    super(scope, id);
    Object.defineProperty(this, COMPONENT_SYMBOL, { value: true });
    this.namespace = props.namespace;
    this.upstreamProps = props;
    for (const d of props.ha ?? []) haAnnotations(d);
    for (const e of props.exclude ?? []) {
      if (!e.because?.trim()) throw new Error(`${this.node.path}: excluding ${e.kind}/${e.name} needs a reason (because)`);
    }
  }

  /** The APIs this component declares it provides. */
  public get providesApis(): readonly ApiRef[] {
    return this.upstreamProps.providesApis ?? [];
  }

  /** The objects rendered for this component (empty until the platform is built). */
  public get objects(): readonly ApiObject[] {
    return this.rendered;
  }

  /**
   * Keeps the hooks' weights as order (`hookOrders`): in a layer, as the layer's object orders,
   * from which its waves are derived; outside one (nothing derives waves there), as the wave
   * Argo CD would have read from the weight.
   */
  private orderHooks(hooks: readonly { readonly object: ApiObject; readonly phases: readonly string[]; readonly weight: number }[]): void {
    const layer = Layer.tryOf(this);
    if (layer) {
      for (const h of hooks) layer.addHook(h.object, h.phases);
      for (const [after, before] of hookOrders(hooks)) layer.addOrder(after, before);
      return;
    }
    for (const h of hooks) if (h.weight !== 0 && h.phases.some((p) => !UNORDERED_PHASES.has(p))) h.object.metadata.addAnnotation(ANNOTATIONS.syncWave, String(h.weight));
  }

  /** The values that declarations' paths read (a chart's values; none for plain manifests). */
  protected valuesForDeclarations(): unknown {
    return undefined;
  }

  /** What the component is, for messages (`chart longhorn 1.12.1`). */
  protected abstract describe(): string;

  /** Runs the upstream renderer; returns the objects in output order. */
  protected abstract renderObjects(renderer: ChartRenderer, apiVersions: readonly string[]): ChartObject[];

  private addObjects(objects: readonly ChartObject[], crdScopes: ReadonlyMap<string, boolean>): void {
    this.done = true;
    const props = this.upstreamProps;
    const matches = (ref: RenderedObjectRef, o: Record<string, unknown>) => {
      const meta = o.metadata as { name?: string; namespace?: string };
      return o.kind === ref.kind && meta.name === ref.name && (ref.namespace === undefined || (meta.namespace ?? this.namespace) === ref.namespace);
    };
    const problems: string[] = [];
    for (const e of props.exclude ?? []) {
      if (!objects.some(({ object }) => matches(e, object))) problems.push(`exclude names ${e.kind}/${e.name}, which ${this.describe()} does not render`);
    }
    for (const r of props.runtimeSelectors ?? []) {
      if (!r.because.trim()) problems.push(`runtimeSelectors: Service ${r.service} needs a reason`);
      if (!objects.some(({ object }) => object.kind === 'Service' && (object.metadata as { name?: string }).name === r.service)) problems.push(`runtimeSelectors names Service ${r.service}, which ${this.describe()} does not render`);
    }
    for (const d of props.ha ?? []) {
      if (!objects.some(({ object }) => matches(d, object))) problems.push(`ha declares ${d.kind}/${d.name}, which ${this.describe()} does not render`);
    }
    for (const b of props.backupOptOuts ?? []) {
      if (b.kind !== 'PersistentVolumeClaim' && b.kind !== 'StatefulSet') problems.push(`backupOptOuts names ${b.kind}/${b.name}; name a PersistentVolumeClaim or a StatefulSet (its claim templates)`);
      else if (!b.because?.trim()) problems.push(`backupOptOuts: ${b.kind}/${b.name} needs a reason (because)`);
      else if (!objects.some(({ object }) => matches(b, object))) problems.push(`backupOptOuts names ${b.kind}/${b.name}, which ${this.describe()} does not render`);
    }
    if (props.controller && !objects.some(({ object }) => matches(props.controller!, object))) problems.push(`controller names ${props.controller.kind}/${props.controller.name}, which ${this.describe()} does not render`);
    for (const v of props.volumes ?? []) {
      if (v.createdBy && !objects.some(({ object }) => matches(v.createdBy!, object))) problems.push(`volumes: ${v.namespace}/${v.name} is created by ${v.createdBy.kind}/${v.createdBy.name}, which ${this.describe()} does not render`);
    }
    const runtime: WorkloadDeclaration[] = [];
    const fromWorkloads: RenderedWorkloadHa[] = [];
    for (const w of props.workloads ?? []) {
      const rendered = objects.some(({ object }) => matches(w, object));
      if (rendered && w.createdBy) problems.push(`workloads declares ${w.kind}/${w.name} as created by ${w.createdBy}, but ${this.describe()} renders it; drop createdBy and the values paths`);
      else if (rendered) {
        if (w.singleton !== undefined || w.systemComponent !== undefined || w.exempt !== undefined || w.recoveryBudget !== undefined) {
          fromWorkloads.push({ kind: w.kind, name: w.name, namespace: w.namespace, singleton: w.singleton, systemComponent: w.systemComponent, exempt: w.exempt, recoveryBudget: w.recoveryBudget, role: w.role });
        }
      } else if (w.createdBy) {
        const { resolved, problems: p } = resolveDeclaration(w, this.valuesForDeclarations(), 'the values');
        problems.push(...p.map((m) => `workload ${w.kind}/${w.name}: ${m}`));
        runtime.push(resolved);
      } else {
        const names = objects.filter(({ object }) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(String(object.kind))).map(({ object }) => `${object.kind}/${(object.metadata as { name?: string }).name}`);
        problems.push(`workloads declares ${w.kind}/${w.name}, which ${this.describe()} does not render (it renders ${names.join(', ') || 'no workload'}); use the rendered name, or say which controller creates it (createdBy)`);
      }
    }
    const haDecls = [...(props.ha ?? []), ...fromWorkloads];
    const seen = new Set<string>();
    const hooks: { object: ApiObject; phases: readonly string[]; weight: number }[] = [];
    for (const { source, object } of objects) {
      const where = `${this.describe()}${source ? `, ${source}` : ''}`;
      if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') {
        problems.push(`${where}: an object without apiVersion or kind`);
        continue;
      }
      const meta = { ...((object.metadata ?? {}) as Record<string, unknown>) } as { name?: string; namespace?: string; generateName?: string; annotations?: Record<string, string> };
      if (!meta.name) {
        problems.push(`${where}: ${object.kind} has no metadata.name${meta.generateName ? ` (generateName ${meta.generateName})` : ''}; Argo CD cannot track a generated name: turn the chart feature off`);
        continue;
      }
      if ((props.exclude ?? []).some((e) => matches(e, object))) continue;
      const annotations = { ...(meta.annotations ?? {}) };
      const hook = annotations['helm.sh/hook'];
      let hookOf: { phases: readonly string[]; weight: number } | undefined;
      if (hook !== undefined) {
        const phases = hook.split(',').map((s) => s.trim()).filter(Boolean);
        if (phases.some((p) => p.startsWith('test'))) continue;
        const unknown = phases.filter((p) => !(p in HOOK_PHASES));
        if (unknown.length) problems.push(`${where}: ${object.kind}/${meta.name} has helm hook ${unknown.join(',')}, which has no Argo CD equivalent`);
        const argo = [...new Set(phases.map((p) => HOOK_PHASES[p]).filter((p): p is string => !!p))];
        if (!argo.length) continue; // rollback and pre-delete hooks: Argo CD 3.2 runs neither
        hookOf = { phases: argo, weight: hookWeight(annotations['helm.sh/hook-weight']) };
        delete annotations['helm.sh/hook'];
        delete annotations['helm.sh/hook-weight'];
        annotations['argocd.argoproj.io/hook'] = argo.join(',');
        const policies = (annotations['helm.sh/hook-delete-policy'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        delete annotations['helm.sh/hook-delete-policy'];
        const argoPolicies = policies.map((p) => HOOK_DELETE[p]).filter(Boolean);
        if (argoPolicies.length) annotations['argocd.argoproj.io/hook-delete-policy'] = argoPolicies.join(',');
      }
      const { group } = splitApiVersion(object.apiVersion);
      const cluster = crdScopes.get(`${group}/${object.kind}`) ?? isClusterScoped(group, object.kind);
      if (cluster) delete meta.namespace;
      else meta.namespace ??= this.namespace;
      if (object.kind === 'CustomResourceDefinition') {
        // Deleting a CRD deletes every object of it (volumes, Applications, ...): Argo CD never
        // prunes or deletes one; large schemas need server-side apply.
        const own = (annotations[SYNC_OPTIONS] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        annotations[SYNC_OPTIONS] = [...new Set([...own, ...CRD_SYNC_OPTIONS])].join(',');
      }
      const runtimeSelector = object.kind === 'Service' ? (props.runtimeSelectors ?? []).find((r) => r.service === meta.name) : undefined;
      if (runtimeSelector) annotations[SELECTS_RUNTIME_PODS] = runtimeSelector.because;
      const decl = haDecls.find((d) => matches(d, { ...object, metadata: meta }));
      if (decl) Object.assign(annotations, haAnnotations(decl));
      if (Object.keys(annotations).length) meta.annotations = annotations;
      else delete meta.annotations;
      const id = `${object.kind}-${meta.namespace ?? 'cluster'}-${meta.name}`;
      if (seen.has(id)) {
        problems.push(`${where}: renders ${object.kind} ${meta.namespace ?? ''}/${meta.name} twice`);
        continue;
      }
      seen.add(id);
      // Status is what the cluster reports, never desired state (some upstream CRDs ship an empty one): the JSON leaves it out.
      const rendered = new RenderedObject(this, id, object, meta);
      if (hookOf) hooks.push({ object: rendered, ...hookOf });
      if (decl) declareFacts(rendered, { ha: { singleton: decl.singleton, systemComponent: decl.systemComponent, exempt: decl.exempt, recoveryBudget: decl.recoveryBudget, role: decl.role } });
      if (runtimeSelector) declareFacts(rendered, { selectsRuntimePods: runtimeSelector.because });
      const optOut = (props.backupOptOuts ?? []).find((b) => matches(b, { ...object, metadata: meta }));
      if (optOut) declareFacts(rendered, { backupOptOut: optOut.because });
      this.rendered.push(rendered);
    }
    if (problems.length) throw new PlatformError(`${this.node.path}:\n  ${problems.join('\n  ')}`);
    this.orderHooks(hooks);
    const isRef = (ref: RenderedObjectRef) => (o: ApiObject) => matches(ref, { kind: o.kind, metadata: { name: o.name, namespace: o.metadata.namespace } });
    const controller = props.controller;
    const provider = controller ? this.rendered.find(isRef(controller)) : this.rendered.find((o) => o.kind === 'Deployment') ?? this.rendered[0];
    if (runtime.length) {
      if (!provider) throw new PlatformError(`${this.node.path}: declares workloads created at run time, but renders nothing to carry them`);
      declareWorkloads(provider, runtime);
    }
    if (props.volumes?.length) {
      if (!provider) throw new PlatformError(`${this.node.path}: declares volumes, but renders nothing to carry them`);
      const carried = new Map<ApiObject, HelmVolume[]>();
      for (const { createdBy, ...v } of props.volumes) {
        if (v.backupOptOut !== undefined && v.backupOptOut.trim() === '') throw new PlatformError(`${this.node.path}: volume ${v.namespace}/${v.name}: backupOptOut needs a reason`);
        // Matched before anything was rendered (problems above): this finds it.
        const carrier = createdBy ? this.rendered.find(isRef(createdBy))! : provider;
        carried.set(carrier, [...(carried.get(carrier) ?? []), v]);
      }
      for (const [carrier, volumes] of carried) {
        carrier.metadata.addAnnotation(BACKUP_ANNOTATIONS.volumes, JSON.stringify(volumes.map((v) => sortKeys(v))));
        declareFacts(carrier, { volumes });
      }
    }
    if (props.runtimeObjects?.length) {
      const bad = props.runtimeObjects.filter((r) => !r.because?.trim());
      if (bad.length) throw new PlatformError(`${this.node.path}: runtimeObjects: ${bad.map((r) => `${r.kind} ${r.name}`).join(', ')} ${bad.length === 1 ? 'needs' : 'need'} a reason (because: which controller makes it)`);
      if (!provider) throw new PlatformError(`${this.node.path}: declares runtimeObjects, but renders nothing to carry them`);
      // A namespaced object is in the release namespace unless it says.
      declareFacts(provider, { runtimeObjects: props.runtimeObjects.map((r) => sortKeys({ ...r, ...(r.kind === 'PriorityClass' ? {} : { namespace: r.namespace ?? this.namespace }) })) });
    }
    if (props.storage) {
      if (!provider) throw new PlatformError(`${this.node.path}: declares storage, but renders nothing to carry it`);
      const { resolved, problems: p } = resolveDeclaration(props.storage, this.valuesForDeclarations(), 'the values');
      if (p.length) throw new PlatformError(`${this.node.path}: storage: ${p.join('; ')}`);
      declareStorage(provider, resolved);
    }
    if (provider && props.providesApis?.length) {
      Layer.of(this).addProvider(props.providesApis, provider);
      // The annotation shows reviewers what it provides; verify reads the facts.
      provider.metadata.addAnnotation(ANNOTATIONS.providesApis, props.providesApis.map(formatApiRef).join(','));
      declareFacts(provider, { providesApis: [...props.providesApis] });
    }
  }
}
