// verify/pod-references (lib/verify/pod-reference-rules.ts): what a pod template names (its
// ServiceAccount, PriorityClass, claims, ConfigMaps, Secrets and image pull secrets; a ServiceAccount's
// image pull secrets) is rendered, made by a rendered
// object (a Secret), built into every cluster, or declared as made by a controller at run time.
import { readFactsFile } from '../../lib/facts/facts';
import type { ObjectFacts } from '../../lib/facts/facts';
import type { JsonMap } from '../../lib/k8s/manifest';
import { loadTree } from '../../lib/k8s/tree';
import { podReferences } from '../../lib/verify/pod-reference-rules';
import { fixtureTree } from '../../lib/verify/rule-fixtures';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { treeOf } from '../../lib/verify/tree-of';
import { VERIFY_RULES } from '../../lib/verify/verify-rules';
import { REPO } from '../helpers';

const registry = new SchemaRegistry();
const RULE = VERIFY_RULES.find((r) => r.id === 'verify/pod-references')!;

const labels = { app: 'web' };
/** A workload of kind `kind` in namespace web whose pod spec is `pod` (one container, `container` added to it). */
function workload(pod: JsonMap, container: JsonMap = {}, kind = 'Deployment', apiVersion = 'apps/v1'): JsonMap {
  const spec = { containers: [{ name: 'web', image: 'ghcr.io/tsys/web:1.2.3', ...container }], ...pod };
  if (kind === 'Pod') return { apiVersion, kind, metadata: { name: 'web', namespace: 'web' }, spec };
  const template = { metadata: { labels }, spec };
  return { apiVersion, kind, metadata: { name: 'web', namespace: 'web' }, spec: kind === 'CronJob' ? { schedule: '@daily', jobTemplate: { spec: { template } } } : { selector: { matchLabels: labels }, template } };
}
const object = (apiVersion: string, kind: string, name: string, ns: string | undefined = 'web'): JsonMap => ({ apiVersion, kind, metadata: { name, ...(ns ? { namespace: ns } : {}) } });

/** The rule's findings (messages) over a tree of the workload `w` and `others`, with `facts`. */
function findings(w: JsonMap, others: JsonMap[] = [], facts: (readonly [JsonMap, ObjectFacts])[] = []): string[] {
  const files: { [file: string]: JsonMap[] } = { 'dist/web/workload-web.yaml': [w] };
  others.forEach((o, i) => { files[`dist/web/other-${i}.yaml`] = [o]; });
  return RULE.check(fixtureTree({ files, facts }, registry)).map((f) => f.message);
}

describe('verify/pod-references', () => {
  test('GIVEN the committed render WHEN checked THEN every pod template\'s ServiceAccount, PriorityClass, claims, ConfigMaps and Secrets are there', () => {
    expect(RULE.check(treeOf(loadTree(REPO), { root: REPO, registry, facts: readFactsFile(REPO).facts }))).toEqual([]);
  });

  test('GIVEN the committed render WHEN the Secrets hook Jobs, controllers or the operator make at run time are not declared THEN every pod that reads one is found, naming the Secret: the declarations are what passes them', () => {
    const { facts } = readFactsFile(REPO);
    const without = new Map([...facts].map(([id, f]) => {
      const { runtimeObjects, ...rest } = f;
      const kept = (runtimeObjects ?? []).filter((r) => r.kind !== 'Secret');
      return [id, kept.length ? { ...rest, runtimeObjects: kept } : rest];
    }));
    const found = RULE.check(treeOf(loadTree(REPO), { root: REPO, registry, facts: without }));
    const named = [...new Set(found.map((f) => /names Secret "([^"]+)"/.exec(f.message)?.[1]))].sort();
    expect(named).toEqual(['argocd-redis', 'bitwarden-cli-bootstrap', 'envoy-gateway', 'kube-prometheus-stack-admission', 'metallb-memberlist']);
    expect(found.every((f) => f.message.includes('which is not rendered nor made by a rendered ExternalSecret, Certificate or SealedSecret in namespace'))).toBe(true);
  });

  test('GIVEN the committed render without a ServiceAccount a chart\'s Deployment runs as WHEN checked THEN that Deployment is found', () => {
    const loaded = loadTree(REPO);
    const gone = loaded.objects.find((o) => o.file.startsWith('dist/') && o.obj.kind === 'ServiceAccount' && loaded.objects.some((d) => d.obj.kind === 'Deployment' && (d.obj.metadata as JsonMap).namespace === (o.obj.metadata as JsonMap).namespace && (((d.obj.spec as JsonMap).template as JsonMap).spec as JsonMap).serviceAccountName === (o.obj.metadata as JsonMap).name))!;
    const meta = gone.obj.metadata as JsonMap;
    // Its twin in argocd/ too, when it is Argo CD's.
    const twins = loaded.objects.filter((o) => o.obj.kind === 'ServiceAccount' && (o.obj.metadata as JsonMap).name === meta.name && (o.obj.metadata as JsonMap).namespace === meta.namespace);
    const objects = loaded.objects.filter((o) => !twins.includes(o));
    const found = RULE.check(treeOf({ ...loaded, files: loaded.files.filter((f) => !twins.some((t) => t.file === f)), objects }, { root: REPO, registry, facts: readFactsFile(REPO).facts }));
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) expect(f.message).toBe(`spec.template.spec.serviceAccountName names ServiceAccount "${meta.name}", which is not rendered in namespace "${meta.namespace}" and no object there declares a controller makes at run time (facts runtimeObjects); the API server refuses every pod of it (serviceaccount not found), so its controller runs none: render the ServiceAccount (a chart's serviceAccount.create), name one that is rendered, or declare who makes it (runtimeObjects)`);
  });

  test('GIVEN a ServiceAccount that is not rendered WHEN checked THEN the workload is found; rendered in its namespace, or "default", it passes; rendered in another namespace it does not', () => {
    expect(findings(workload({ serviceAccountName: 'web' }))).toHaveLength(1);
    expect(findings(workload({ serviceAccountName: 'web' }), [object('v1', 'ServiceAccount', 'web')])).toEqual([]);
    expect(findings(workload({ serviceAccountName: 'default' }))).toEqual([]);
    expect(findings(workload({ serviceAccountName: 'web' }), [object('v1', 'ServiceAccount', 'web', 'other')])).toHaveLength(1);
    // The deprecated serviceAccount, read when serviceAccountName is empty.
    expect(findings(workload({ serviceAccount: 'old' }))[0]).toMatch(/^spec\.template\.spec\.serviceAccount names ServiceAccount "old"/);
    expect(findings(workload({ serviceAccountName: 'web', serviceAccount: 'old' }), [object('v1', 'ServiceAccount', 'web')])).toEqual([]);
  });

  test('GIVEN a PriorityClass WHEN it is not rendered THEN the workload is found; rendered (cluster-scoped, any namespace of the pod) or a system class, it passes', () => {
    expect(findings(workload({ priorityClassName: 'critical' }))).toEqual([
      'spec.template.spec.priorityClassName names PriorityClass "critical", which is not rendered and no object declares a controller makes at run time (facts runtimeObjects); the API server refuses every pod of it (no PriorityClass with that name), so its controller runs none: render the PriorityClass, name one that is rendered (or system-cluster-critical, system-node-critical), or declare who makes it (runtimeObjects)',
    ]);
    expect(findings(workload({ priorityClassName: 'critical' }), [object('scheduling.k8s.io/v1', 'PriorityClass', 'critical', undefined)])).toEqual([]);
    expect(findings(workload({ priorityClassName: 'system-node-critical' }))).toEqual([]);
  });

  test('GIVEN claims, ConfigMaps and Secrets in volumes, projected volumes, envFrom and env WHEN missing THEN each field is found in field order; optional ones and kube-root-ca.crt are not', () => {
    const pod = {
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
        { name: 'config', configMap: { name: 'config' } },
        { name: 'maybe', configMap: { name: 'maybe', optional: true } },
        { name: 'bundle', projected: { sources: [{ configMap: { name: 'kube-root-ca.crt' } }, { configMap: { name: 'bundle' } }, { secret: { name: 's' } }] } },
        { name: 'secret', secret: { secretName: 'gone' } },
      ],
      initContainers: [{ name: 'init', image: 'x', envFrom: [{ configMapRef: { name: 'init-env' } }, { secretRef: { name: 'gone' } }, { secretRef: { name: 'maybe', optional: true } }] }],
    };
    const container = { env: [{ name: 'A', value: 'a' }, { name: 'B', valueFrom: { configMapKeyRef: { name: 'env', key: 'b' } } }, { name: 'C', valueFrom: { configMapKeyRef: { name: 'opt', key: 'c', optional: true } } }, { name: 'D', valueFrom: { secretKeyRef: { name: 'key', key: 'd' } } }, { name: 'E', valueFrom: { secretKeyRef: { name: 'opt', key: 'e', optional: true } } }] };
    expect(findings(workload(pod, container)).map((m) => m.slice(0, m.indexOf(', which')))).toEqual([
      'spec.template.spec.volumes[0].persistentVolumeClaim.claimName names PersistentVolumeClaim "data"',
      'spec.template.spec.volumes[1].configMap.name names ConfigMap "config"',
      'spec.template.spec.volumes[3].projected.sources[1].configMap.name names ConfigMap "bundle"',
      'spec.template.spec.volumes[3].projected.sources[2].secret.name names Secret "s"',
      'spec.template.spec.volumes[4].secret.secretName names Secret "gone"',
      'spec.template.spec.initContainers[0].envFrom[0].configMapRef.name names ConfigMap "init-env"',
      'spec.template.spec.initContainers[0].envFrom[1].secretRef.name names Secret "gone"',
      'spec.template.spec.containers[0].env[1].valueFrom.configMapKeyRef.name names ConfigMap "env"',
      'spec.template.spec.containers[0].env[3].valueFrom.secretKeyRef.name names Secret "key"',
    ]);
    const rendered = [object('v1', 'PersistentVolumeClaim', 'data'), ...['config', 'bundle', 'init-env', 'env'].map((n) => object('v1', 'ConfigMap', n)), ...['s', 'gone', 'key'].map((n) => object('v1', 'Secret', n))];
    expect(findings(workload(pod, container), rendered)).toEqual([]);
    // Istio's root certificate, which istiod publishes into every namespace (ztunnel mounts it without optional).
    expect(findings(workload({ volumes: [{ name: 'ca', configMap: { name: 'istio-ca-root-cert' } }] }))).toEqual([]);
  });

  test('GIVEN objects a controller makes at run time WHEN declared by an object of the namespace (or naming the namespace) THEN they pass; declared for another namespace they do not', () => {
    const w = workload({ serviceAccountName: 'runner', volumes: [{ name: 'ca', configMap: { name: 'trust-bundle' } }] });
    const carrier = object('apps/v1', 'Deployment', 'operator', 'web');
    const declared = (ns?: string): ObjectFacts => ({ runtimeObjects: [{ kind: 'ServiceAccount', name: 'runner', because: 'the operator makes it', ...(ns ? { namespace: ns } : {}) }, { kind: 'ConfigMap', name: 'trust-bundle', because: 'trust-manager makes it', ...(ns ? { namespace: ns } : {}) }] });
    expect(findings(w, [carrier], [[carrier, declared()]])).toEqual([]);
    const elsewhere = object('apps/v1', 'Deployment', 'operator', 'ops');
    expect(findings(w, [elsewhere], [[elsewhere, declared('web')]])).toEqual([]);
    expect(findings(w, [carrier], [[carrier, declared('other')]])).toHaveLength(2);
  });

  test('GIVEN a Secret a pod reads WHEN an object of its namespace makes it (an ExternalSecret\'s target or own name, a Certificate\'s secretName, a SealedSecret) THEN it passes; WHEN the ExternalSecret only merges, makes none or makes another kind, or the maker is in another namespace, THEN it is found', () => {
    const w = workload({ volumes: [{ name: 'tls', secret: { secretName: 'web-tls' } }] });
    const es = (target: JsonMap | undefined, name = 'web-tls', ns = 'web'): JsonMap => ({ ...object('external-secrets.io/v1', 'ExternalSecret', name, ns), spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'bitwarden' }, ...(target ? { target } : {}) } });
    expect(findings(w, [es(undefined)])).toEqual([]);
    expect(findings(w, [es({ name: 'web-tls' }, 'other')])).toEqual([]);
    expect(findings(w, [es({ name: 'web-tls', creationPolicy: 'Owner' }, 'other')])).toEqual([]);
    expect(findings(w, [es({ name: 'web-tls', creationPolicy: 'Orphan' }, 'other')])).toEqual([]);
    expect(findings(w, [es({ name: 'other' })])).toHaveLength(1);
    expect(findings(w, [es({ creationPolicy: 'Merge' })])).toHaveLength(1);
    expect(findings(w, [es({ creationPolicy: 'None' })])).toHaveLength(1);
    expect(findings(w, [es({ creationPolicy: 'CreateOrMerge' })])).toEqual([]);
    // A target manifest of another kind: the ExternalSecret makes a ConfigMap (or a custom resource), not the Secret.
    expect(findings(w, [es({ manifest: { apiVersion: 'v1', kind: 'ConfigMap' } })])).toHaveLength(1);
    expect(findings(w, [es({ manifest: { apiVersion: 'example.com/v1', kind: 'Thing' } })])).toHaveLength(1);
    expect(findings(w, [es({ manifest: { apiVersion: 'v1', kind: 'Secret' } })])).toEqual([]);
    expect(findings(w, [es(undefined, 'web-tls', 'ops')])).toHaveLength(1);
    expect(findings(w, [{ ...object('cert-manager.io/v1', 'Certificate', 'cert'), spec: { secretName: 'web-tls', issuerRef: { name: 'ca' } } }])).toEqual([]);
    expect(findings(w, [{ ...object('cert-manager.io/v1', 'Certificate', 'web-tls'), spec: { secretName: 'other', issuerRef: { name: 'ca' } } }])).toHaveLength(1);
    expect(findings(w, [{ ...object('bitnami.com/v1alpha1', 'SealedSecret', 'web-tls'), spec: { encryptedData: {} } }])).toEqual([]);
    expect(findings(w, [object('v1', 'Secret', 'web-tls')])).toEqual([]);
    expect(findings(w, [object('v1', 'Secret', 'web-tls', 'ops')])).toHaveLength(1);
    const carrier = object('apps/v1', 'Deployment', 'operator', 'web');
    expect(findings(w, [carrier], [[carrier, { runtimeObjects: [{ kind: 'Secret', name: 'web-tls', because: 'a hook Job makes it' }] }]])).toEqual([]);
    const [message] = findings(w);
    expect(message).toBe('spec.template.spec.volumes[0].secret.secretName names Secret "web-tls", which is not rendered nor made by a rendered ExternalSecret, Certificate or SealedSecret in namespace "web" and no object there declares a controller makes at run time (facts runtimeObjects); its pods cannot start (ContainerCreating, CreateContainerConfigError): make the Secret with an ExternalSecret (from Bitwarden; never a Secret with data in git), name one that is made, or mark the reference optional: true, or declare who makes it (runtimeObjects)');
  });

  test('GIVEN image pull secrets of a pod spec and of a ServiceAccount WHEN missing THEN each is found after the containers\' references, with what the kubelet does; made, rendered, declared or nameless ones pass', () => {
    const pod = { imagePullSecrets: [{ name: 'harbor' }, {}, { name: '' }, { name: 'made' }], volumes: [{ name: 's', secret: { secretName: 'files' } }] };
    const made = { ...object('external-secrets.io/v1', 'ExternalSecret', 'made'), spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'bitwarden' } } };
    const messages = findings(workload(pod), [made]);
    expect(messages.map((m) => m.slice(0, m.indexOf(', which')))).toEqual([
      'spec.template.spec.volumes[0].secret.secretName names Secret "files"',
      'spec.template.spec.imagePullSecrets[0].name names Secret "harbor"',
    ]);
    expect(messages[1]).toBe('spec.template.spec.imagePullSecrets[0].name names Secret "harbor", which is not rendered nor made by a rendered ExternalSecret, Certificate or SealedSecret in namespace "web" and no object there declares a controller makes at run time (facts runtimeObjects); the kubelet pulls the images without those credentials, so an image of a private registry fails (ErrImagePull, ImagePullBackOff): make the Secret (type kubernetes.io/dockerconfigjson) with an ExternalSecret (from Bitwarden; never a Secret with data in git), name one that is made, or drop the reference where the nodes hold the registry\'s credentials (k3s registries.yaml configs), or declare who makes it (runtimeObjects)');
    expect(findings(workload(pod), [made, object('v1', 'Secret', 'harbor'), object('v1', 'Secret', 'files')])).toEqual([]);
    // A ServiceAccount's: the API server adds them to every pod that runs as it. Found at the ServiceAccount, whether or not a pod runs as it.
    const sa = { ...object('v1', 'ServiceAccount', 'runner'), imagePullSecrets: [{ name: 'made' }, { name: 'regcred' }] };
    expect(findings(workload({ serviceAccountName: 'runner' }), [sa, made]).map((m) => m.slice(0, m.indexOf(', which')))).toEqual(['imagePullSecrets[1].name names Secret "regcred"']);
    expect(findings(workload({}), [{ ...sa, metadata: { name: 'runner', namespace: 'ops' } }, made])).toHaveLength(2);
    const carrier = object('apps/v1', 'Deployment', 'operator', 'web');
    expect(findings(workload({ serviceAccountName: 'runner' }), [sa, made, carrier], [[carrier, { runtimeObjects: [{ kind: 'Secret', name: 'regcred', because: 'the registry operator makes it' }] }]])).toEqual([]);
    // Malformed entries are passed over (verify/schemas reports them).
    expect(findings(workload({ imagePullSecrets: ['harbor', null, { name: 7 }] }))).toEqual([]);
    expect(findings(workload({}), [{ ...object('v1', 'ServiceAccount', 'x'), imagePullSecrets: 'harbor' }])).toEqual([]);
  });

  describe('what a pod names is applied no later in its own sync', () => {
    const hook = (o: JsonMap, annotations: Record<string, string>): JsonMap => ({ ...o, metadata: { ...(o.metadata as JsonMap), annotations } });
    const job = (annotations: Record<string, string>) => hook(workload({ serviceAccountName: 'runner', restartPolicy: 'Never', volumes: [{ name: 'c', configMap: { name: 'conf' } }, { name: 's', secret: { secretName: 'creds' } }] }, {}, 'Job', 'batch/v1'), annotations);
    const sa = object('v1', 'ServiceAccount', 'runner');
    const cm = object('v1', 'ConfigMap', 'conf');
    const es = { ...object('external-secrets.io/v1', 'ExternalSecret', 'creds'), spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'bitwarden' } } };
    const upTo = (m: string) => m.slice(0, m.indexOf(', which'));

    test('GIVEN a PreSync hook Job WHEN its ServiceAccount, ConfigMap and the Secret an ExternalSecret makes are plain objects of its folder THEN each is found, saying the first sync never gets past it; as PreSync hooks of its wave or earlier they pass, of a later wave they do not', () => {
      const messages = findings(job({ 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/sync-wave': '1' }), [sa, cm, es]);
      expect(messages.map(upTo)).toEqual([
        'spec.template.spec.serviceAccountName names ServiceAccount "runner"',
        'spec.template.spec.volumes[0].configMap.name names ConfigMap "conf"',
        'spec.template.spec.volumes[1].secret.secretName names Secret "creds"',
      ]);
      expect(messages[0]).toBe('spec.template.spec.serviceAccountName names ServiceAccount "runner", which this Application applies only in the Sync phase, wave 0 (dist/web/other-0.yaml), after this object (as a PreSync hook, wave 1): on its first sync (a bring-up from nothing) the pods cannot start, Argo CD waits for them and never applies it; give this hook its own ServiceAccount as a PreSync hook, wave 1 or earlier (not one that other pods use: Argo CD deletes hooks), or run this hook in a later phase');
      const pre = (o: JsonMap, wave: string) => hook(o, { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/sync-wave': wave });
      expect(findings(job({ 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/sync-wave': '1' }), [pre(sa, '0'), pre(cm, '1'), pre(es, '-3')])).toEqual([]);
      expect(findings(job({ 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/sync-wave': '1' }), [pre(sa, '2'), pre(cm, '1'), pre(es, '1')]).map(upTo)).toEqual(['spec.template.spec.serviceAccountName names ServiceAccount "runner"']);
      // A hook of PreSync and PostSync is there from PreSync on.
      expect(findings(job({ 'argocd.argoproj.io/hook': 'PreSync' }), [hook(sa, { 'argocd.argoproj.io/hook': 'PreSync,PostSync' }), pre(cm, '0'), pre(es, '0')])).toEqual([]);
    });

    test('GIVEN plain objects of one folder WHEN a workload names one of a later wave THEN it is found; of its wave, an earlier one or an earlier phase, it passes; a PostSync hook names plain objects freely', () => {
      const wave = (o: JsonMap, w: string) => hook(o, { 'argocd.argoproj.io/sync-wave': w });
      const deployment = wave(workload({ volumes: [{ name: 'c', configMap: { name: 'conf' } }] }), '1');
      expect(findings(deployment, [wave(cm, '2')]).map(upTo)).toEqual(['spec.template.spec.volumes[0].configMap.name names ConfigMap "conf"']);
      expect(findings(deployment, [wave(cm, '2')])[0]).toContain('which this Application applies only in the Sync phase, wave 2 (dist/web/other-0.yaml), after this object (in the Sync phase, wave 1): on its first sync (a bring-up from nothing) the pods cannot start, Argo CD waits for them and never applies it; apply ConfigMap "conf" in the Sync phase, wave 1 or earlier (Layer.addOrder for the platform\'s own objects), or sync this object later');
      expect(findings(deployment, [wave(cm, '1')])).toEqual([]);
      expect(findings(deployment, [cm])).toEqual([]);
      expect(findings(job({ 'argocd.argoproj.io/hook': 'PostSync' }), [wave(sa, '5'), cm, es])).toEqual([]);
      // Workloads that start no pod when applied: their sync does not wait, whatever they name.
      const idles: JsonMap[] = [{ ...workload({ volumes: [{ name: 'c', configMap: { name: 'conf' } }] }, {}, 'CronJob', 'batch/v1') }, { ...job({}), spec: { ...(job({}).spec as JsonMap), suspend: true } }, { ...workload({ volumes: [{ name: 'c', configMap: { name: 'conf' } }] }), spec: { ...(workload({ volumes: [{ name: 'c', configMap: { name: 'conf' } }] }).spec as JsonMap), replicas: 0 } }];
      for (const idle of idles) {
        expect([idle.kind, findings(idle, [wave(sa, '2'), wave(cm, '2'), wave(es, '2')])]).toEqual([idle.kind, []]);
      }
    });

    test('GIVEN a workload (no hook) WHEN what it names is a hook of its Application that Argo CD deletes (BeforeHookCreation by default, HookSucceeded) THEN it is found, whatever the phase; a hook kept on success (HookFailed only), a hook pod naming a hook, and a claim named by a hook in time pass', () => {
      const deployment = workload({ volumes: [{ name: 'c', configMap: { name: 'conf' } }] });
      const pre = hook(cm, { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/sync-wave': '-1' });
      expect(findings(deployment, [pre])).toEqual(['spec.template.spec.volumes[0].configMap.name names ConfigMap "conf", which this Application applies as a hook (dist/web/other-0.yaml): Argo CD deletes such a hook when the sync ends (HookSucceeded) or before the next sync creates it again (BeforeHookCreation, the default), and this object\'s pods outlive the sync; make ConfigMap "conf" a plain object (no hook annotation)']);
      expect(findings(deployment, [hook(cm, { 'argocd.argoproj.io/hook': 'PostSync' })])).toHaveLength(1);
      expect(findings(deployment, [hook(cm, { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' })])).toHaveLength(1);
      expect(findings(deployment, [hook(cm, { 'helm.sh/hook': 'pre-install', 'helm.sh/hook-delete-policy': 'before-hook-creation' })])).toHaveLength(1);
      expect(findings(deployment, [hook(cm, { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'HookFailed' })])).toEqual([]);
      expect(findings(job({ 'argocd.argoproj.io/hook': 'PostSync' }), [pre, hook(sa, { 'argocd.argoproj.io/hook': 'PreSync' }), hook(es, { 'argocd.argoproj.io/hook': 'PreSync' })])).toEqual([]);
      // A hook that needs a claim the sync applies later is told to run later: a claim must never be a hook.
      const claimJob = hook(workload({ restartPolicy: 'Never', volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] }, {}, 'Job', 'batch/v1'), { 'argocd.argoproj.io/hook': 'PreSync' });
      expect(findings(claimJob, [object('v1', 'PersistentVolumeClaim', 'data')])[0]).toMatch(/; run this hook in a later phase \(a claim must never be a hook: Argo CD deletes hooks, and a claim's data with it\)$/);
    });

    test('GIVEN Helm hook annotations in plain manifests WHEN read as Argo CD reads them THEN pre-install and pre-upgrade are PreSync, post-install PostSync, hook-weight is the wave, crd-install is no hook, an Argo CD hook annotation wins', () => {
      expect(findings(job({ 'helm.sh/hook': 'pre-upgrade' }), [sa, cm, es])).toHaveLength(3);
      expect(findings(job({ 'helm.sh/hook': 'pre-install', 'helm.sh/hook-weight': '5' }), [hook(sa, { 'helm.sh/hook': 'pre-install', 'helm.sh/hook-weight': '-5' }), hook(cm, { 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '5' }), hook(es, { 'helm.sh/hook': 'pre-install' })])).toEqual([]);
      expect(findings(job({ 'helm.sh/hook': 'post-install' }), [sa, cm, es])).toEqual([]);
      expect(findings(job({ 'helm.sh/hook': 'crd-install' }), [sa, cm, es])).toEqual([]);
      expect(findings(job({ 'argocd.argoproj.io/hook': 'Sync', 'helm.sh/hook': 'pre-install' }), [sa, cm, es])).toEqual([]);
    });

    test('GIVEN objects a normal sync never applies WHEN named or naming THEN a Skip, SyncFail or PostDelete provider is never there and a pod of those phases is not judged', () => {
      for (const never of ['Skip', 'SyncFail', 'PostDelete']) {
        expect([never, findings(job({}), [hook(sa, { 'argocd.argoproj.io/hook': never }), cm, es]).map(upTo)]).toEqual([never, ['spec.template.spec.serviceAccountName names ServiceAccount "runner"']]);
        expect(findings(job({}), [hook(sa, { 'argocd.argoproj.io/hook': never }), cm, es])[0]).toContain('which this Application never applies in a sync that succeeds (a Skip, SyncFail or PostDelete hook) (dist/web/other-0.yaml), after this object (in the Sync phase, wave 0)');
        expect([never, findings(job({ 'argocd.argoproj.io/hook': never }), [hook(sa, { 'argocd.argoproj.io/hook': 'PostSync' }), cm, es])]).toEqual([never, []]);
      }
    });

    test('GIVEN what a pod names WHEN it is rendered in another folder too (another Application), or the pod is argocd/\'s bootstrap copy (applied by kubectl) THEN the order is not judged', () => {
      const files = (extra: Record<string, JsonMap[]>) => RULE.check(fixtureTree({ files: { 'dist/web/job.yaml': [job({ 'argocd.argoproj.io/hook': 'PreSync' })], 'dist/web/sa.yaml': [sa], 'dist/web/cm.yaml': [cm], 'dist/web/es.yaml': [es], ...extra } }, registry)).map((f) => f.message);
      expect(files({})).toHaveLength(3);
      expect(files({ 'dist/other/sa.yaml': [sa] })).toHaveLength(2);
      expect(RULE.check(fixtureTree({ files: { 'argocd/job.yaml': [job({ 'argocd.argoproj.io/hook': 'PreSync' })], 'argocd/sa.yaml': [sa], 'argocd/cm.yaml': [cm], 'argocd/es.yaml': [es] } }, registry))).toEqual([]);
    });
  });

  test('GIVEN every kind that carries a pod template WHEN its ServiceAccount is missing THEN it is found at that kind\'s pod spec', () => {
    const at = (w: JsonMap) => findings(w).map((m) => m.slice(0, m.indexOf(' names')));
    expect(at(workload({ serviceAccountName: 'x' }, {}, 'StatefulSet'))).toEqual(['spec.template.spec.serviceAccountName']);
    expect(at(workload({ serviceAccountName: 'x' }, {}, 'DaemonSet'))).toEqual(['spec.template.spec.serviceAccountName']);
    expect(at(workload({ serviceAccountName: 'x' }, {}, 'Job', 'batch/v1'))).toEqual(['spec.template.spec.serviceAccountName']);
    expect(at(workload({ serviceAccountName: 'x' }, {}, 'CronJob', 'batch/v1'))).toEqual(['spec.jobTemplate.spec.template.spec.serviceAccountName']);
    expect(at(workload({ serviceAccountName: 'x' }, {}, 'Rollout', 'argoproj.io/v1alpha1'))).toEqual(['spec.template.spec.serviceAccountName']);
    expect(at(workload({ serviceAccountName: 'x' }, {}, 'Pod', 'v1'))).toEqual(['spec.serviceAccountName']);
    // A custom resource with a spec.template of its own is no pod template the rule knows; a core PodTemplate makes no pod.
    expect(at(workload({ serviceAccountName: 'x' }, {}, 'Widget', 'example.com/v1'))).toEqual([]);
    expect(at({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'web', namespace: 'web' }, template: { spec: { serviceAccountName: 'x', containers: [] } } })).toEqual([]);
  });

  test('GIVEN probes WHEN a port is named that the probe\'s own container does not declare THEN each such probe is found after the references; declared names, numbers and digit texts pass', () => {
    const probe = (handler: string, port: unknown) => ({ [handler]: { ...(handler === 'httpGet' ? { path: '/healthz' } : {}), port } });
    const pod = {
      serviceAccountName: 'gone',
      initContainers: [{ name: 'proxy', image: 'x', restartPolicy: 'Always', ports: [{ name: 'admin', containerPort: 9901 }], startupProbe: probe('tcpSocket', 'proxy') }],
    };
    const container = { ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 9090 }], livenessProbe: probe('httpGet', 'admin'), readinessProbe: probe('httpGet', 'http'), startupProbe: probe('tcpSocket', '8080') };
    expect(findings(workload(pod, container))).toEqual([
      expect.stringMatching(/^spec\.template\.spec\.serviceAccountName names ServiceAccount "gone"/),
      'spec.template.spec.initContainers[0].startupProbe.tcpSocket.port names port "proxy", which container "proxy" does not declare (it declares "admin"); the kubelet fails every run of the probe (a liveness or startup probe restarts the container over and over, a readiness probe keeps the pod out of its Services): declare the port on the container, or name or number one it has',
      // "admin" is the sidecar's: the kubelet looks in the probe's own container only.
      'spec.template.spec.containers[0].livenessProbe.httpGet.port names port "admin", which container "web" does not declare (it declares "http"); the kubelet fails every run of the probe (a liveness or startup probe restarts the container over and over, a readiness probe keeps the pod out of its Services): declare the port on the container, or name or number one it has',
    ]);
    expect(findings(workload({}, { livenessProbe: probe('httpGet', 'http'), readinessProbe: probe('grpc', 'x') }))[0]).toContain('(it declares no named port)');
    expect(findings(workload({}, { ports: [{ name: 'http', containerPort: 80 }], livenessProbe: probe('httpGet', 'http'), readinessProbe: probe('httpGet', 80) }))).toEqual([]);
  });

  test('GIVEN malformed pod specs WHEN projected THEN what is not a map or a string is passed over (verify/schemas reports it)', () => {
    const w = workload({ serviceAccountName: 5, volumes: ['x', { name: 'v', configMap: 'x' }, { name: 'p', projected: { sources: 'x' } }], initContainers: 'x', containers: [null, { name: 'c', env: [null, { valueFrom: 'x' }], envFrom: [{ configMapRef: { name: '' } }] }] });
    expect(podReferences(w, 'spec.template.spec')).toEqual([]);
    expect(podReferences({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { template: 'x' } }, 'spec.template.spec')).toEqual([]);
  });
});
