import { firstApplied, isHook, isPassingHook, SYNC_PHASES } from '../k8s/argo-sync';
import { isMap, JsonMap, listAt, stringAt, valueAt } from '../k8s/manifest';
import { podSpecPath } from '../k8s/pod-template';
import { NAMED_PORT_HANDLERS, PROBES } from './api-validation';
import { Entry, SplitRule } from './split-rule';
import { folderOf, memoised } from './tree-index';

/**
 * verify/pod-references: what a pod template names that must exist before its pods can run. The
 * API server refuses a pod whose ServiceAccount or PriorityClass does not exist (its controller
 * then makes none: a rollout that never starts, a Deployment at zero pods), and the kubelet holds
 * a pod whose PersistentVolumeClaim, ConfigMap or Secret is missing (Pending, ContainerCreating,
 * CreateContainerConfigError). A typo, or a chart value that stops the chart rendering what its
 * templates still name (`serviceAccount.create: false`), passes every schema and only shows on the
 * cluster. A Secret is there when it is rendered, or made by a rendered object that makes one of
 * that name in the pod's namespace (`SECRET_MAKERS`: an ExternalSecret that creates its target, a
 * cert-manager Certificate, a SealedSecret), or declared as made at run time (charts' hook Jobs,
 * certificate generators, a secret created by hand once: facts `runtimeObjects`). Image pull
 * secrets (a pod spec's, and a ServiceAccount's, which the API server adds to the pods that run as
 * it) are checked alike: the kubelet pulls without a missing one, so a private registry's image
 * never starts (ImagePullBackOff). A probe that
 * names a port its container does not declare fails on every run, so it is found here too.
 */

/** What a pod must find: the kind and, for a namespaced kind, in the pod's namespace. */
export type PodReferenceKind = 'ServiceAccount' | 'PriorityClass' | 'PersistentVolumeClaim' | 'ConfigMap' | 'Secret';

/**
 * Objects a cluster has without a render: each namespace's `default` ServiceAccount and
 * `kube-root-ca.crt` ConfigMap, the two system PriorityClasses; and `istio-ca-root-cert`, which
 * istiod publishes into every namespace (Istio's charts mount it, ztunnel's without optional).
 */
const BUILT_IN: Readonly<Record<PodReferenceKind, ReadonlySet<string>>> = {
  ServiceAccount: new Set(['default']),
  ConfigMap: new Set(['kube-root-ca.crt', 'istio-ca-root-cert']),
  PriorityClass: new Set(['system-cluster-critical', 'system-node-critical']),
  PersistentVolumeClaim: new Set(),
  Secret: new Set(),
};

/**
 * One reference of a pod template (or a ServiceAccount's image pull secret): the field that holds
 * it, the kind and the name it names, and `pull` for an image pull secret (whose absence the
 * kubelet passes over: the pull goes without those credentials).
 */
export type PodReference = readonly [field: string, kind: PodReferenceKind, name: string, use?: 'pull'];

/**
 * A probe's port given by a name its container does not declare: the probe's field, the name, the
 * container's name and the port names it declares.
 */
export type UndeclaredProbePort = readonly [field: string, port: string, container: string, declared: readonly string[]];

/** What verify/pod-references reads of an object: a pod template's references, or that the object is one a pod may name. */
export interface PodReferencesProjection {
  /** The references of its pod template, in the order of its fields. @default - none */
  readonly refs?: readonly PodReference[];
  /** Its probes' ports named but not declared by their container, in field order. @default - none */
  readonly probes?: readonly UndeclaredProbePort[];
  /** The Secret it makes in its own namespace (`SECRET_MAKERS`). @default - none */
  readonly secret?: string;
  /**
   * When a normal sync first applies it (../k8s/argo-sync.ts `firstApplied`): its phase's index and
   * wave, or null when a normal sync never does; given for a pod template, an object a pod may
   * name and a Secret maker. @default - the Sync phase, wave 0
   */
  readonly run?: readonly [phase: number, wave: number] | null;
  /**
   * For a pod template: that it is a hook. For an object a pod may name: that it is a hook Argo CD
   * deletes in the course of ordinary syncs (../k8s/argo-sync.ts `isPassingHook`). @default false
   */
  readonly hook?: true;
  /** A pod template that starts no pod when applied (a CronJob, a suspended Job, zero replicas): its sync does not wait for pods. @default false */
  readonly idle?: true;
}

/** Whether `obj`, which carries a pod template, starts no pod when applied: a CronJob, a Job with `spec.suspend: true`, or `spec.replicas: 0`. */
function startsNoPod(obj: JsonMap, kind: string): boolean {
  return kind === 'CronJob' || (kind === 'Job' && valueAt(obj, 'spec.suspend') === true) || valueAt(obj, 'spec.replicas') === 0;
}

/** `firstApplied` of an object, as its projection's `run`: undefined for the Sync phase's wave 0 (most objects). */
function runOf(obj: JsonMap): readonly [number, number] | null | undefined {
  const run = firstApplied(valueAt(obj, 'metadata.annotations'));
  if (run === undefined) return null;
  return run[0] === 1 && run[1] === 0 ? undefined : run;
}

/** When a sync applies an object whose `run` is `run` (one a normal sync applies), for a message. */
function whenApplied(run: readonly [number, number] | undefined): string {
  const [phase, wave] = run ?? [1, 0];
  return phase === 1 ? `in the Sync phase, wave ${wave}` : `as a ${SYNC_PHASES[phase]} hook, wave ${wave}`;
}

/**
 * Objects that make a Secret of a name they give, in their own namespace, by API group and kind:
 * the name, or undefined when the object makes none.
 * - An ExternalSecret (External Secrets) writes its target, `spec.target.name` or else its own
 *   name, unless `spec.target.creationPolicy` is `Merge` (it only adds to a Secret that must be
 *   there already) or `None` (it makes none), or `spec.target.manifest` names another kind (it
 *   makes a ConfigMap or a custom resource then). `Owner`, `Orphan` and `CreateOrMerge` make it.
 * - A cert-manager Certificate writes `spec.secretName`.
 * - A SealedSecret (Bitnami's controller) unseals into a Secret of its own name.
 * The site installs neither cert-manager nor the SealedSecret controller (verify/schemas refuses
 * their objects without a schema); a tree that renders them, with one, has them counted.
 */
export const SECRET_MAKERS: ReadonlyMap<string, (obj: JsonMap) => string | undefined> = new Map([
  ['external-secrets.io/ExternalSecret', (obj: JsonMap) => {
    const policy = valueAt(obj, 'spec.target.creationPolicy');
    if (policy === 'Merge' || policy === 'None') return undefined;
    // A target manifest of another kind than Secret (apiVersion v1 and kind Secret would make one anyway).
    const manifest = valueAt(obj, 'spec.target.manifest');
    if (manifest !== undefined && !(isMap(manifest) && (manifest.kind === undefined || manifest.kind === 'Secret') && (manifest.apiVersion === undefined || manifest.apiVersion === 'v1'))) return undefined;
    return stringAt(obj, 'spec.target.name') || stringAt(obj, 'metadata.name') || undefined;
  }],
  ['cert-manager.io/Certificate', (obj: JsonMap) => stringAt(obj, 'spec.secretName') || undefined],
  ['bitnami.com/SealedSecret', (obj: JsonMap) => stringAt(obj, 'metadata.name') || undefined],
]);

/**
 * The probes of the pod spec at `at` of `obj` whose port is a name the probe's own container does
 * not declare (`ports[].name`): the kubelet looks a probe's named port up in that container only
 * and fails the probe when it is not there. A text of digits the kubelet would read as the number,
 * but the API server refuses it as a port name (./api-validation.ts reports that). Init
 * containers (sidecars, which may have probes) first, as in the spec.
 */
export function undeclaredProbePorts(obj: JsonMap, at: string): UndeclaredProbePort[] {
  const spec = valueAt(obj, at);
  const out: UndeclaredProbePort[] = [];
  if (!isMap(spec)) return out;
  for (const list of ['initContainers', 'containers']) {
    listAt(spec, list).forEach((c, i) => {
      if (!isMap(c)) return;
      const declared = listAt(c, 'ports').filter(isMap).map((p) => p.name).filter((n): n is string => typeof n === 'string' && n !== '');
      for (const probe of PROBES) {
        for (const handler of NAMED_PORT_HANDLERS) {
          const port = valueAt(c, [probe, handler, 'port']);
          if (typeof port !== 'string' || port === '' || /^[0-9]+$/.test(port) || declared.includes(port)) continue;
          out.push([`${at}.${list}[${i}].${probe}.${handler}.port`, port, String(c.name ?? ''), declared]);
        }
      }
    });
  }
  return out;
}

/** The kinds a pod may name, by the kind and then the API group of the object that is one. */
const TARGETS: ReadonlyMap<string, readonly [group: string, kind: PodReferenceKind]> = new Map([
  ['ServiceAccount', ['', 'ServiceAccount']],
  ['ConfigMap', ['', 'ConfigMap']],
  ['PersistentVolumeClaim', ['', 'PersistentVolumeClaim']],
  ['PriorityClass', ['scheduling.k8s.io', 'PriorityClass']],
  ['Secret', ['', 'Secret']],
]);

/** Whether objects of an API group and kind carry a pod template, asked once for each (most objects carry none). */
const carriers = new Map<string, Map<string, boolean>>();

/** The image pull secrets of `holder` (a pod spec or a ServiceAccount), `imagePullSecrets[].name`, with `prefix` before the field. */
export function imagePullSecretRefs(holder: JsonMap, prefix: string): PodReference[] {
  const out: PodReference[] = [];
  listAt(holder, 'imagePullSecrets').forEach((r, i) => {
    const name = isMap(r) ? stringAt(r, 'name') : undefined;
    if (name) out.push([`${prefix}imagePullSecrets[${i}].name`, 'Secret', name, 'pull']);
  });
  return out;
}

/** The references of the pod spec at `at` of `obj`, in field order (those marked `optional: true` left out); its image pull secrets last. */
export function podReferences(obj: JsonMap, at: string): PodReference[] {
  const spec = valueAt(obj, at);
  const out: PodReference[] = [];
  if (!isMap(spec)) return out;
  // serviceAccountName, else the deprecated serviceAccount (the API server reads it when the other is empty).
  const saField = stringAt(spec, 'serviceAccountName') ? 'serviceAccountName' : stringAt(spec, 'serviceAccount') ? 'serviceAccount' : undefined;
  if (saField) out.push([`${at}.${saField}`, 'ServiceAccount', stringAt(spec, saField)!]);
  const pc = stringAt(spec, 'priorityClassName');
  if (pc) out.push([`${at}.priorityClassName`, 'PriorityClass', pc]);
  const named = (field: string, ref: unknown, kind: PodReferenceKind, key = 'name') => {
    if (!isMap(ref) || ref.optional === true) return;
    const name = stringAt(ref, key);
    if (name) out.push([`${field}.${key}`, kind, name]);
  };
  listAt(spec, 'volumes').forEach((v, i) => {
    if (!isMap(v)) return;
    const field = `${at}.volumes[${i}]`;
    named(`${field}.persistentVolumeClaim`, v.persistentVolumeClaim, 'PersistentVolumeClaim', 'claimName');
    named(`${field}.configMap`, v.configMap, 'ConfigMap');
    named(`${field}.secret`, v.secret, 'Secret', 'secretName');
    listAt(v, 'projected.sources').forEach((s, j) => {
      if (!isMap(s)) return;
      named(`${field}.projected.sources[${j}].configMap`, s.configMap, 'ConfigMap');
      named(`${field}.projected.sources[${j}].secret`, s.secret, 'Secret');
    });
  });
  for (const list of ['initContainers', 'containers']) {
    listAt(spec, list).forEach((c, i) => {
      if (!isMap(c)) return;
      const field = `${at}.${list}[${i}]`;
      listAt(c, 'envFrom').forEach((e, j) => {
        if (!isMap(e)) return;
        named(`${field}.envFrom[${j}].configMapRef`, e.configMapRef, 'ConfigMap');
        named(`${field}.envFrom[${j}].secretRef`, e.secretRef, 'Secret');
      });
      listAt(c, 'env').forEach((e, j) => {
        if (!isMap(e) || !isMap(e.valueFrom)) return;
        named(`${field}.env[${j}].valueFrom.configMapKeyRef`, e.valueFrom.configMapKeyRef, 'ConfigMap');
        named(`${field}.env[${j}].valueFrom.secretKeyRef`, e.valueFrom.secretKeyRef, 'Secret');
      });
    });
  }
  out.push(...imagePullSecretRefs(spec, `${at}.`));
  return out;
}

/** What to do about a missing object of `kind`, for the message. */
const FIX: Readonly<Record<PodReferenceKind, string>> = {
  ServiceAccount: 'the API server refuses every pod of it (serviceaccount not found), so its controller runs none: render the ServiceAccount (a chart\'s serviceAccount.create), name one that is rendered',
  PriorityClass: 'the API server refuses every pod of it (no PriorityClass with that name), so its controller runs none: render the PriorityClass, name one that is rendered (or system-cluster-critical, system-node-critical)',
  PersistentVolumeClaim: 'its pods stay Pending: render the claim, or name one that is rendered',
  ConfigMap: 'its pods cannot start (ContainerCreating, CreateContainerConfigError): render the ConfigMap, name one that is rendered, or mark the reference optional: true',
  Secret: 'its pods cannot start (ContainerCreating, CreateContainerConfigError): make the Secret with an ExternalSecret (from Bitwarden; never a Secret with data in git), name one that is made, or mark the reference optional: true',
};

/** What to do about a missing image pull secret, for the message. */
const PULL_FIX = 'the kubelet pulls the images without those credentials, so an image of a private registry fails (ErrImagePull, ImagePullBackOff): make the Secret (type kubernetes.io/dockerconfigjson) with an ExternalSecret (from Bitwarden; never a Secret with data in git), name one that is made, or drop the reference where the nodes hold the registry\'s credentials (k3s registries.yaml configs)';

/**
 * Every pod template's ServiceAccount, PriorityClass, PersistentVolumeClaims, ConfigMaps and Secrets
 * (volumes, projected volumes, envFrom, env valueFrom, image pull secrets; not those marked optional),
 * and every ServiceAccount's image pull secrets, are rendered in its
 * namespace (a PriorityClass anywhere), made there by a rendered object (a Secret: `SECRET_MAKERS`),
 * exist in every cluster, or are declared by an object of that namespace as made by a controller at
 * run time (facts `runtimeObjects`); and every probe port given by name is a port its container
 * declares. An object's references come first, then its probes.
 */
export const POD_REFERENCES: SplitRule<PodReferencesProjection, 'verify/pod-references'> = {
  id: 'verify/pod-references',
  key: 'podref',
  project({ obj, ref, group }) {
    const maker = SECRET_MAKERS.get(`${group}/${ref.kind}`);
    if (maker) {
      const secret = maker(obj);
      if (!secret) return undefined;
      const run = runOf(obj);
      const passing = isPassingHook(valueAt(obj, 'metadata.annotations'));
      return { secret, ...(run !== undefined ? { run } : {}), ...(passing ? { hook: true as const } : {}) };
    }
    const target = TARGETS.get(ref.kind);
    if (target && target[0] === group) {
      // What a pod may name: when the sync applies it; a ServiceAccount's image pull secrets are added to every pod that runs as it.
      const refs = group === '' && ref.kind === 'ServiceAccount' ? imagePullSecretRefs(obj, '') : [];
      const run = runOf(obj);
      const passing = isPassingHook(valueAt(obj, 'metadata.annotations'));
      return refs.length || run !== undefined || passing ? { ...(refs.length ? { refs } : {}), ...(run !== undefined ? { run } : {}), ...(passing ? { hook: true as const } : {}) } : undefined;
    }
    // A core PodTemplate is no pod: nothing refuses it (its user, a controller's pod, is checked where it is rendered).
    if (!memoised(carriers, group, ref.kind, () => podSpecPath(obj) !== undefined && !(group === '' && ref.kind === 'PodTemplate'))) return undefined;
    const at = podSpecPath(obj);
    if (at === undefined) return undefined;
    const refs = podReferences(obj, at);
    const probes = undeclaredProbePorts(obj, at);
    const run = refs.length ? runOf(obj) : undefined;
    const hook = refs.length > 0 && isHook(valueAt(obj, 'metadata.annotations'));
    const idle = refs.length > 0 && startsNoPod(obj, ref.kind);
    return refs.length || probes.length ? { ...(refs.length ? { refs } : {}), ...(probes.length ? { probes } : {}), ...(run !== undefined ? { run } : {}), ...(hook ? { hook: true as const } : {}), ...(idle ? { idle: true as const } : {}) } : undefined;
  },
  join(entries, tree, report) {
    // What exists, by kind: `namespace/name` (a PriorityClass: its name).
    const present: Record<PodReferenceKind, Set<string>> = { ServiceAccount: new Set(), ConfigMap: new Set(), PersistentVolumeClaim: new Set(), PriorityClass: new Set(), Secret: new Set() };
    const key = (kind: PodReferenceKind, ns: string, name: string) => (kind === 'PriorityClass' ? name : `${ns}/${name}`);
    const pods: Entry<PodReferencesProjection>[] = [];
    // Facts are looked up by object only when some object declares runtime objects (none on most trees).
    let anyRuntime = false;
    for (const f of tree.facts.values()) if (f.runtimeObjects) anyRuntime = true;
    // Where each rendered one is applied, by kind and key: its folder (an Application syncs one folder) and when.
    const applied = new Map<string, { readonly e: Entry<PodReferencesProjection>; readonly dir: string }[]>();
    const apply = (kind: PodReferenceKind, k: string, e: Entry<PodReferencesProjection>) => {
      const at = `${kind}\0${k}`;
      const list = applied.get(at);
      const item = { e, dir: folderOf(e.ref.file) };
      if (list) list.push(item);
      else applied.set(at, [item]);
    };
    for (const e of entries) {
      const target = TARGETS.get(e.ref.kind);
      if (target && target[0] === e.group) {
        const k = key(target[1], e.ref.namespace ?? '', e.ref.name);
        present[target[1]].add(k);
        apply(target[1], k, e);
      }
      if (e.p?.secret) {
        const k = key('Secret', e.ref.namespace ?? '', e.p.secret);
        present.Secret.add(k);
        apply('Secret', k, e);
      }
      if (e.p?.refs || e.p?.probes) pods.push(e);
      if (!anyRuntime) continue;
      for (const r of tree.facts.get(e.id)?.runtimeObjects ?? []) present[r.kind].add(key(r.kind, r.namespace ?? e.ref.namespace ?? '', r.name));
    }
    for (const e of pods) {
      const ns = e.ref.namespace ?? '';
      // A pod (not a ServiceAccount's pull secrets) of dist/ that a normal sync applies: what it names must be applied no later in its own sync.
      const run = e.p!.run === undefined ? ([1, 0] as const) : e.p!.run;
      const dir = folderOf(e.ref.file);
      const ordered = run !== null && e.ref.file.startsWith('dist/') && !(e.group === '' && e.ref.kind === 'ServiceAccount');
      for (const [field, kind, name, use] of e.p!.refs ?? []) {
        if (BUILT_IN[kind].has(name)) continue;
        if (present[kind].has(key(kind, ns, name))) {
          if (ordered) {
            const providers = applied.get(`${kind}\0${key(kind, ns, name)}`) ?? [];
            const [phase, wave] = run;
            const inTime = (p: Entry<PodReferencesProjection>) => { const r = p.p?.run === undefined ? [1, 0] : p.p.run; return r !== null && (r[0] < phase || (r[0] === phase && r[1] <= wave)); };
            // Judged only when every provider is in this folder (another Application's order is the layers' business).
            if (providers.length && providers.every((p) => p.dir === dir)) {
              const first = providers[0].e;
              if (!e.p!.hook && providers.every((p) => p.e.p?.hook) && !providers.every((p) => p.e.p?.run === null)) {
                // A workload outlives the sync; a hook that Argo CD deletes does not.
                report(e.ref, `${field} names ${kind} "${name}", which this Application applies as a hook (${first.ref.file}): Argo CD deletes such a hook when the sync ends (HookSucceeded) or before the next sync creates it again (BeforeHookCreation, the default), and this object's pods outlive the sync; make ${kind} "${name}" a plain object (no hook annotation)`);
              } else if (!e.p!.idle && !providers.some((p) => inTime(p.e))) {
                const when = first.p?.run === null ? 'never applies in a sync that succeeds (a Skip, SyncFail or PostDelete hook)' : `applies only ${whenApplied(first.p?.run)}`;
                const fix = !e.p!.hook
                  ? `apply ${kind} "${name}" in the Sync phase, wave ${phase === 1 ? wave : 0} or earlier (Layer.addOrder for the platform's own objects), or sync this object later`
                  : kind === 'PersistentVolumeClaim'
                    ? 'run this hook in a later phase (a claim must never be a hook: Argo CD deletes hooks, and a claim\'s data with it)'
                    : `give this hook its own ${kind} as a ${SYNC_PHASES[phase]} hook, wave ${wave} or earlier (not one that other pods use: Argo CD deletes hooks), or run this hook in a later phase`;
                report(e.ref, `${field} names ${kind} "${name}", which this Application ${when} (${first.ref.file}), after this object (${whenApplied(run)}): on its first sync (a bring-up from nothing) the pods cannot start, Argo CD waits for them and never applies it; ${fix}`);
              }
            }
          }
          continue;
        }
        const where = kind === 'PriorityClass' ? '' : ` in namespace "${ns}"`;
        const made = kind === 'Secret' ? ' nor made by a rendered ExternalSecret, Certificate or SealedSecret' : '';
        report(e.ref, `${field} names ${kind} "${name}", which is not rendered${made}${where} and no object${kind === 'PriorityClass' ? '' : ' there'} declares a controller makes at run time (facts runtimeObjects); ${use === 'pull' ? PULL_FIX : FIX[kind]}, or declare who makes it (runtimeObjects)`);
      }
      for (const [field, port, container, declared] of e.p!.probes ?? []) {
        report(e.ref, `${field} names port "${port}", which container "${container}" does not declare (${declared.length ? `it declares ${declared.map((d) => `"${d}"`).join(', ')}` : 'it declares no named port'}); the kubelet fails every run of the probe (a liveness or startup probe restarts the container over and over, a readiness probe keeps the pod out of its Services): declare the port on the container, or name or number one it has`);
      }
    }
  },
};
