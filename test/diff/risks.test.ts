import { RISK_IDS } from '../../lib/diff/model';
import { quantityBytes, RISK_RULES } from '../../lib/diff/risks';
import { configMap, crd, crdVersion, deployment, edit, file, helmApp, layerApp, namespace, pvc, risks, risksOf, service, statefulSet, strings } from './fixtures';

const L = 'dist/web';

describe('risk rules', () => {
  test('GIVEN the rule table WHEN listed THEN there is one rule per risk id, in report order', () => {
    expect(RISK_RULES.map((r) => r.id)).toEqual([...RISK_IDS]);
  });

  describe('(a) PVC or StatefulSet removed', () => {
    test('GIVEN a PVC and a StatefulSet removed WHEN diffed THEN both are flagged', () => {
      expect(risksOf('stateful-removed', [file(L, pvc('data', 'web')), file(L, statefulSet('db', 'web'))], [])).toEqual([
        { object: 'PersistentVolumeClaim web/data', message: 'removed: Argo CD prunes the claim, and with reclaim policy Delete its volume and data go with it; keep it, or confirm the data is backed up or no longer needed' },
        { object: 'StatefulSet web/db', message: 'removed: its pods stop, and its claims are deleted too if persistentVolumeClaimRetentionPolicy says so; confirm nothing needs its data' },
      ]);
    });

    test('GIVEN a PVC moved to another layer and a Deployment removed WHEN diffed THEN nothing is flagged', () => {
      expect(risksOf('stateful-removed', [file(L, pvc('data', 'web')), file(L, deployment('site', 'web'))], [file('dist/storage', pvc('data', 'web'))])).toEqual([]);
    });
  });

  describe('(b) storage changed', () => {
    test('GIVEN a PVC request grown and a StatefulSet claim template changed WHEN diffed THEN both are flagged, saying what the size change needs', () => {
      expect(risksOf('storage-changed', [file(L, pvc('data', 'web', '10Gi')), file(L, statefulSet('db', 'web', '10Gi'))], [file(L, pvc('data', 'web', '20Gi')), file(L, statefulSet('db', 'web', '20Gi'))])).toEqual([
        { object: 'PersistentVolumeClaim web/data', message: 'spec.resources.requests.storage "10Gi" → "20Gi" (grows: needs a StorageClass with allowVolumeExpansion)' },
        { object: 'StatefulSet web/db', message: 'spec.volumeClaimTemplates changed (spec.volumeClaimTemplates[0].spec.resources.requests.storage: "10Gi" → "20Gi"): existing claims keep their old size and class; resize each claim by hand, and recreate the StatefulSet (kubectl delete --cascade=orphan) so new pods get the new template' },
      ]);
      expect(risksOf('storage-changed', [file(L, pvc('data', 'web', '1Gi'))], [file(L, pvc('data', 'web', '900Mi'))])[0].message).toContain('(shrinks: Kubernetes refuses to shrink a claim)');
    });

    test('GIVEN a PVC and StatefulSet whose labels and replicas change but not storage WHEN diffed THEN nothing is flagged', () => {
      const before = [file(L, pvc('data', 'web')), file(L, statefulSet('db', 'web'))];
      const after = [file(L, edit(pvc('data', 'web'), (p) => { p.metadata.labels = { a: 'b' }; })), file(L, edit(statefulSet('db', 'web'), (s) => { s.spec.replicas = 5; }))];
      expect(risksOf('storage-changed', before, after)).toEqual([]);
    });

    test('GIVEN storage quantities WHEN read THEN binary and decimal suffixes are understood', () => {
      expect(quantityBytes('10Gi')).toBe(10 * 2 ** 30);
      expect(quantityBytes('500M')).toBe(5e8);
      expect(quantityBytes('1.5Ti')).toBe(1.5 * 2 ** 40);
      expect(quantityBytes('lots')).toBeUndefined();
    });
  });

  describe('(c) replicas lowered to 1 or 0', () => {
    test('GIVEN a Deployment to 1, a StatefulSet to 0, a Deployment whose replicas are dropped, and Helm values to 1 WHEN diffed THEN each is flagged', () => {
      const before = [
        file(L, deployment('a', 'web', 3)), file(L, statefulSet('db', 'web')), file(L, deployment('b', 'web', 2)),
        file('dist/apps', helmApp('eso', { replicaCount: 2, webhook: { replicaCount: 3 }, server: { replicas: 2 } })),
      ];
      const after = [
        file(L, deployment('a', 'web', 1)), file(L, edit(statefulSet('db', 'web'), (s) => { s.spec.replicas = 0; })), file(L, deployment('b', 'web', null)),
        file('dist/apps', helmApp('eso', { replicaCount: 1, webhook: { replicaCount: 0 }, server: { replicas: 2 } })),
      ];
      expect(risksOf('replicas-lowered', before, after)).toEqual([
        { object: 'Application argocd/eso', message: 'spec.source.helm.valuesObject.replicaCount 2 → 1: one pod left, no redundancy' },
        { object: 'Application argocd/eso', message: 'spec.source.helm.valuesObject.webhook.replicaCount 3 → 0: nothing runs any more' },
        { object: 'Deployment web/a', message: 'spec.replicas 3 → 1: one pod left, no redundancy' },
        { object: 'Deployment web/b', message: 'spec.replicas 2 → unset (defaults to 1): one pod left, no redundancy' },
        { object: 'StatefulSet web/db', message: 'spec.replicas 3 → 0: nothing runs any more' },
      ]);
    });

    test('GIVEN replicas lowered to 2, raised to 1 from 0, and a new Deployment with 1 WHEN diffed THEN nothing is flagged', () => {
      const before = [file(L, deployment('a', 'web', 3)), file(L, deployment('b', 'web', 0)), file('dist/apps', helmApp('eso', { replicaCount: 3 }))];
      const after = [file(L, deployment('a', 'web', 2)), file(L, deployment('b', 'web', 1)), file(L, deployment('c', 'web', 1)), file('dist/apps', helmApp('eso', { replicaCount: 2 }))];
      expect(risksOf('replicas-lowered', before, after)).toEqual([]);
    });
  });

  describe('(d) immutable field changed', () => {
    test('GIVEN a selector, StatefulSet fields, a Service going ExternalName, PVC fields, a Job template and StorageClass parameters changed WHEN diffed THEN each needs a replace', () => {
      const job = (image: string) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'web' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image }] } } } });
      const sc = (replicas: string) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'driver.longhorn.io', parameters: { numberOfReplicas: replicas } });
      const before = [
        file(L, deployment('a', 'web')), file(L, statefulSet('db', 'web')), file(L, service('ext', 'web')), file(L, service('ip', 'web', { clusterIP: '10.43.0.10' })),
        file(L, pvc('data', 'web')), file(L, job('m:1.0.0')), file('dist/longhorn', sc('3')),
      ];
      const after = [
        file(L, edit(deployment('a', 'web'), (d) => { d.spec.selector.matchLabels.tier = 'front'; })),
        file(L, edit(statefulSet('db', 'web'), (s) => { s.spec.serviceName = 'db-headless'; s.spec.podManagementPolicy = 'Parallel'; })),
        file(L, service('ext', 'web', { type: 'ExternalName', externalName: 'db.example.com' })),
        file(L, service('ip', 'web', { clusterIP: 'None' })),
        file(L, edit(pvc('data', 'web'), (p) => { p.spec.storageClassName = 'fast'; p.spec.accessModes = ['ReadWriteMany']; })),
        file(L, job('m:1.0.1')), file('dist/longhorn', sc('3.0')),
      ];
      const replace = 'Argo CD\'s apply fails until the object is replaced: delete it and let Argo CD recreate it, or sync it with Replace=true';
      expect(risksOf('immutable-field', before, after)).toEqual([
        { object: 'StorageClass fast', message: 'parameters is immutable (parameters.numberOfReplicas: "3" → "3.0"); delete and recreate the StorageClass (existing volumes keep what they were created with)' },
        { object: 'Deployment web/a', message: `spec.selector is immutable (spec.selector.matchLabels.tier: added "front"); ${replace}` },
        { object: 'Job web/migrate', message: `spec.template is immutable (spec.template.spec.containers[name=m].image: "m:1.0.0" → "m:1.0.1"); ${replace}` },
        { object: 'PersistentVolumeClaim web/data', message: 'spec.storageClassName is immutable (spec.storageClassName: "longhorn" → "fast"); a bound claim cannot change this; create a new claim and move the data' },
        { object: 'PersistentVolumeClaim web/data', message: 'spec.accessModes is immutable (spec.accessModes: ["ReadWriteOnce"] → ["ReadWriteMany"]); a bound claim cannot change this; create a new claim and move the data' },
        { object: 'Service web/ext', message: `spec.type ClusterIP → ExternalName: a Service cannot switch to or from ExternalName in place (it has no cluster IP); ${replace}` },
        { object: 'Service web/ip', message: `spec.clusterIP is immutable (spec.clusterIP: "10.43.0.10" → "None"); ${replace}` },
        { object: 'StatefulSet web/db', message: 'spec.serviceName is immutable (spec.serviceName: "db" → "db-headless"); Argo CD\'s apply fails: delete the StatefulSet with kubectl delete --cascade=orphan (pods and claims stay) and let Argo CD recreate it' },
        { object: 'StatefulSet web/db', message: 'spec.podManagementPolicy is immutable (spec.podManagementPolicy: unset → "Parallel"); Argo CD\'s apply fails: delete the StatefulSet with kubectl delete --cascade=orphan (pods and claims stay) and let Argo CD recreate it' },
      ]);
    });

    test('GIVEN mutable fields changed (replicas, pod template of a Deployment, Service ports, PVC size) WHEN diffed THEN nothing is flagged', () => {
      const before = [file(L, deployment('a', 'web')), file(L, service('s', 'web', { clusterIP: '10.43.0.10' })), file(L, pvc('data', 'web'))];
      const after = [
        file(L, edit(deployment('a', 'web', 5, 'ghcr.io/tsys/app:1.2.4'), (d) => { d.spec.template.metadata.labels.extra = 'x'; })),
        file(L, service('s', 'web', { clusterIP: '10.43.0.10', ports: [{ name: 'http', port: 8080 }] })),
        file(L, pvc('data', 'web', '20Gi')),
      ];
      expect(risksOf('immutable-field', before, after)).toEqual([]);
    });

    test('GIVEN hook Jobs that Argo CD recreates each sync (Argo CD or Helm hook, BeforeHookCreation or no policy) WHEN their template changes THEN nothing is flagged, but a hook kept after success is', () => {
      const job = (name: string, image: string, annotations: Record<string, string>) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'web', annotations }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image }] } } } });
      const hooks: Record<string, Record<string, string>> = {
        argo: { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' },
        bare: { 'argocd.argoproj.io/hook': 'Sync' },
        helm: { 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded' },
        kept: { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'HookFailed' },
      };
      const side = (image: string) => Object.entries(hooks).map(([name, a]) => file(L, job(name, image, a)));
      expect(risksOf('immutable-field', side('m:1.0.0'), side('m:1.0.1')).map((r) => r.object)).toEqual(['Job web/kept']);
    });
  });

  describe('(e) CRD removed', () => {
    const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' }, spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced', versions: [] } };

    test('GIVEN a CustomResourceDefinition removed WHEN diffed THEN it is flagged with the kind that goes with it', () => {
      expect(risksOf('crd-removed', [file('dist/widgets', crd)], [])).toEqual([
        { object: 'CustomResourceDefinition widgets.example.com', message: 'removed: Kubernetes deletes every Widget (example.com) in the cluster with it; keep it unless none of them must survive' },
      ]);
    });

    test('GIVEN a CRD changed and another kind named like one removed WHEN diffed THEN nothing is flagged', () => {
      const before = [file('dist/widgets', crd), file('dist/widgets', { ...configMap('crd', 'web'), kind: 'CustomResourceDefinition', apiVersion: 'example.com/v1' })];
      const after = [file('dist/widgets', edit(crd, (c) => { c.metadata.labels = { a: 'b' }; }))];
      expect(risksOf('crd-removed', before, after)).toEqual([]);
    });
  });

  describe('(e2) CRD version or stored field removed', () => {
    const W = 'dist/widgets';

    test('GIVEN a served version removed and fields removed from the storage version WHEN diffed THEN each is flagged, with the outermost fields named', () => {
      const before = [file(W, crd([crdVersion('v1alpha1', strings('a')), crdVersion('v1beta1', { ...strings('a', 'b'), old: { type: 'object', properties: strings('x', 'y') } }, { storage: true })]))];
      const after = [file(W, crd([crdVersion('v1beta1', strings('a'), { storage: true })]))];
      expect(risksOf('crd-version-removed', before, after)).toEqual([
        { object: 'CustomResourceDefinition widgets.example.com', message: 'version v1alpha1 removed (was served): the API server refuses the update while status.storedVersions lists v1alpha1, and Widget objects still stored as v1alpha1 cannot be read; first rewrite them as v1beta1 (storage migration) and drop v1alpha1 from status.storedVersions, and move clients off v1alpha1' },
        { object: 'CustomResourceDefinition widgets.example.com', message: 'v1beta1 (the storage version): 4 fields removed from its schema (spec.b, spec.old (+2 below)): the API server drops them from stored Widget objects the next time each is written; check that nothing still sets them, or save that data first' },
      ]);
    });

    test('GIVEN a field removed from the version that becomes the storage version WHEN diffed THEN it is flagged as the new storage version', () => {
      const before = [file(W, crd([crdVersion('v1beta1', strings('a', 'b'), { storage: true }), crdVersion('v1', strings('a', 'b'))]))];
      const after = [file(W, crd([crdVersion('v1beta1', strings('a', 'b')), crdVersion('v1', strings('a'), { storage: true })]))];
      expect(risksOf('crd-version-removed', before, after)).toEqual([
        { object: 'CustomResourceDefinition widgets.example.com', message: 'v1 (the new storage version): 1 field removed from its schema (spec.b): the API server drops it from stored Widget objects the next time each is written; check that nothing still sets it, or save that data first' },
      ]);
    });

    test('GIVEN fields removed only from a version that is not stored, from status, and under an object keeping unknown fields, fields and a version added, and a new CRD WHEN diffed THEN nothing is flagged', () => {
      const open = (props: string[]) => ({ extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: strings(...props) } });
      const before = [file(W, crd([crdVersion('v1beta1', strings('a', 'b')), crdVersion('v1', { ...strings('a'), ...open(['p', 'q']) }, { storage: true }, strings('phase', 'message'))]))];
      const after = [
        file(W, crd([crdVersion('v1beta1', strings('a')), crdVersion('v1', { ...strings('a', 'c'), ...open(['p']) }, { storage: true }, strings('phase')), crdVersion('v2', strings('a'), { served: false })])),
        file(W, edit(crd([crdVersion('v1', strings('a'), { storage: true })]), (c) => { c.metadata.name = 'gadgets.example.com'; })),
      ];
      expect(risksOf('crd-version-removed', before, after)).toEqual([]);
    });
  });

  describe('(e3) CRD storage version changed', () => {
    const W = 'dist/widgets';

    test('GIVEN the storage flag moved from v1beta1 to v1 WHEN diffed THEN it is flagged with what to keep until the migration', () => {
      const before = [file(W, crd([crdVersion('v1beta1', strings('a'), { storage: true }), crdVersion('v1', strings('a'))]))];
      const after = [file(W, crd([crdVersion('v1beta1', strings('a')), crdVersion('v1', strings('a'), { storage: true })]))];
      expect(risksOf('crd-storage-version', before, after)).toEqual([
        { object: 'CustomResourceDefinition widgets.example.com', message: 'storage version v1beta1 → v1: new and rewritten Widget objects are stored as v1, existing ones stay v1beta1 until rewritten; keep v1beta1 in spec.versions (and the conversion between them) until a storage migration has rewritten every object and v1beta1 is dropped from status.storedVersions' },
      ]);
    });

    test('GIVEN the storage version\'s schema and another version\'s served flag changed, and a CRD added and one removed WHEN diffed THEN nothing is flagged', () => {
      const gadget = edit(crd([crdVersion('v1', strings('a'), { storage: true })]), (c) => { c.metadata.name = 'gadgets.example.com'; });
      const before = [file(W, crd([crdVersion('v1beta1', strings('a')), crdVersion('v1', strings('a'), { storage: true })])), file(W, gadget)];
      const after = [
        file(W, crd([crdVersion('v1beta1', strings('a'), { served: false }), crdVersion('v1', strings('a', 'b'), { storage: true })])),
        file(W, edit(gadget, (c) => { c.metadata.name = 'sprockets.example.com'; })),
      ];
      expect(risksOf('crd-storage-version', before, after)).toEqual([]);
    });
  });

  describe('(f) namespace removed', () => {
    test('GIVEN a Namespace removed WHEN diffed THEN it is flagged', () => {
      expect(risksOf('namespace-removed', [file(L, namespace('web'))], [])).toEqual([
        { object: 'Namespace web', message: 'removed: Kubernetes deletes every object in it, claims and their volumes included; move or back up what must survive first' },
      ]);
    });

    test('GIVEN a Namespace relabelled and one moved to another layer WHEN diffed THEN nothing is flagged', () => {
      const before = [file(L, namespace('web')), file(L, namespace('other'))];
      const after = [file(L, edit(namespace('web'), (n) => { n.metadata.labels = { 'pod-security.kubernetes.io/enforce': 'restricted' }; })), file('dist/other', namespace('other'))];
      expect(risksOf('namespace-removed', before, after)).toEqual([]);
    });
  });

  describe('(g) image moved to a mutable tag', () => {
    test('GIVEN containers, init containers and Helm values images moving from versions or digests to latest, no tag or a branch WHEN diffed THEN each is flagged', () => {
      const digest = `sha256:${'a'.repeat(64)}`;
      const withInit = (image: string, init: string) => edit(deployment('a', 'web', 3, image), (d) => { d.spec.template.spec.initContainers = [{ name: 'wait', image: init }]; });
      const before = [file(L, withInit('ghcr.io/tsys/app:1.2.3', `busybox@${digest}`)), file('dist/apps', helmApp('chart', { image: 'redis:7.2.4', proxy: { image: { repository: 'envoy', tag: 'v1.31.0' } } }))];
      const after = [file(L, withInit('ghcr.io/tsys/app:latest', 'busybox')), file('dist/apps', helmApp('chart', { image: 'redis:stable', proxy: { image: { repository: 'envoy', tag: 'main' } } }))];
      const advice = 'a tag the registry can move, so nodes may run different code; pin a version (1.2.3) or a digest (@sha256:...)';
      expect(risksOf('mutable-image', before, after)).toEqual([
        { object: 'Application argocd/chart', message: `spec.source.helm.valuesObject.image redis:7.2.4 → redis:stable: ${advice}` },
        { object: 'Application argocd/chart', message: `spec.source.helm.valuesObject.proxy.image.tag envoy:v1.31.0 → envoy:main: ${advice}` },
        { object: 'Deployment web/a', message: `spec.template.spec.initContainers[name=wait].image busybox@${digest} → busybox: ${advice}` },
        { object: 'Deployment web/a', message: `spec.template.spec.containers[name=app].image ghcr.io/tsys/app:1.2.3 → ghcr.io/tsys/app:latest: ${advice}` },
      ]);
    });

    test('GIVEN images bumped to another version or a digest, already mutable, or a tag left to the chart WHEN diffed THEN nothing is flagged', () => {
      const before = [file(L, deployment('a', 'web', 3, 'app:1.2.3')), file(L, deployment('b', 'web', 3, 'app:main')), file('dist/apps', helmApp('chart', { image: { repository: 'envoy', tag: 'v1.31.0' } }))];
      const after = [file(L, deployment('a', 'web', 3, `app@sha256:${'b'.repeat(64)}`)), file(L, deployment('b', 'web', 3, 'app:latest')), file('dist/apps', helmApp('chart', { image: { repository: 'envoy', tag: '' } }))];
      expect(risksOf('mutable-image', before, after)).toEqual([]);
    });
  });

  describe('(h) HA rule newly broken', () => {
    test('GIVEN replicas below 2, a PDB removed, spread and anti-affinity removed, and Longhorn replica counts below 3 WHEN diffed THEN each is flagged', () => {
      const pdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'site', namespace: 'web' }, spec: { minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'site' } } } };
      const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'b' } } }] } };
      const longhorn = (n: number) => helmApp('longhorn', { defaultSettings: { defaultReplicaCount: String(n) }, persistence: { defaultClassReplicaCount: n } });
      const before = [
        file(L, deployment('a', 'web', 2)), file(L, pdb),
        file(L, edit(deployment('b', 'web', 3), (d) => { d.spec.template.spec.affinity = anti; })),
        file(L, edit(deployment('c', 'web', 3), (d) => { d.spec.template.spec.affinity = anti; })),
        file('dist/longhorn', longhorn(3)),
        file('dist/longhorn', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'lh' }, provisioner: 'driver.longhorn.io', parameters: { numberOfReplicas: '3' } }),
      ];
      const after = [
        file(L, deployment('a', 'web', 1)),
        file(L, edit(deployment('b', 'web', 3), (d) => { delete d.spec.template.spec.topologySpreadConstraints; })),
        file(L, edit(deployment('c', 'web', 3), (d) => { d.spec.template.spec.affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } }; })),
        file('dist/longhorn', longhorn(2)),
        file('dist/longhorn', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'lh' }, provisioner: 'driver.longhorn.io', parameters: { numberOfReplicas: '1' } }),
      ];
      expect(risksOf('ha-broken', before, after)).toEqual([
        { object: 'Application argocd/longhorn', message: 'spec.source.helm.valuesObject.defaultSettings.defaultReplicaCount "3" → "2": Longhorn volumes keep fewer than 3 replicas' },
        { object: 'Application argocd/longhorn', message: 'spec.source.helm.valuesObject.persistence.defaultClassReplicaCount 3 → 2: Longhorn volumes keep fewer than 3 replicas' },
        { object: 'StorageClass lh', message: 'parameters.numberOfReplicas "3" → "1": Longhorn volumes keep fewer than 3 replicas' },
        { object: 'Deployment web/a', message: 'spec.replicas 2 → 1: fewer than 2 replicas, one node failure stops it' },
        { object: 'Deployment web/b', message: 'spec.template.spec.topologySpreadConstraints removed: replicas may all land on one node' },
        { object: 'Deployment web/b', message: 'spec.template.spec.affinity.podAntiAffinity removed: replicas may all land on one node' },
        { object: 'Deployment web/c', message: 'spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution removed: anti-affinity is only preferred now, replicas may share a node' },
        { object: 'PodDisruptionBudget web/site', message: 'removed: voluntary disruptions (drains, k3s upgrades) may take every pod it protected down at once' },
      ]);
    });

    test('GIVEN replicas 3 → 2, a PDB changed, spread kept, Longhorn at 3 → 4 and a one-replica app staying at one WHEN diffed THEN nothing is flagged', () => {
      const pdb = (min: number) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'site', namespace: 'web' }, spec: { minAvailable: min } });
      const before = [file(L, deployment('a', 'web', 3)), file(L, pdb(1)), file(L, deployment('one', 'web', 1)), file('dist/longhorn', helmApp('longhorn', { defaultSettings: { defaultReplicaCount: '{"v1":"3","v2":"3"}' } }))];
      const after = [file(L, deployment('a', 'web', 2)), file(L, pdb(2)), file(L, deployment('one', 'web', 1, 'ghcr.io/tsys/app:1.2.4')), file('dist/longhorn', helmApp('longhorn', { defaultSettings: { defaultReplicaCount: '{"v1":"4","v2":"3"}' } }))];
      expect(risksOf('ha-broken', before, after)).toEqual([]);
    });
  });

  describe('(i) sync wave reordered', () => {
    test('GIVEN an object whose sync-wave annotation changes and a layer Application whose wave changes WHEN diffed THEN both are flagged with old and new waves', () => {
      const before = [file(L, configMap('cm', 'web', { a: '1' }, { 'argocd.argoproj.io/sync-wave': '1' })), file('dist/apps', layerApp('web', 1))];
      const after = [file(L, configMap('cm', 'web', { a: '1' })), file('dist/apps', layerApp('web', 3))];
      expect(risksOf('sync-wave', before, after)).toEqual([
        { object: 'Application argocd/web', message: 'layer web now syncs in wave 3 (was 1), later than before: check the layers it needs still sync first' },
        { object: 'ConfigMap web/cm', message: 'sync wave 1 → 0: applied earlier in its sync; check it still comes after what it needs' },
      ]);
    });

    test('GIVEN waves unchanged (an absent annotation written as "0") and a new object with a wave WHEN diffed THEN nothing is flagged', () => {
      const before = [file(L, configMap('cm', 'web', { a: '1' })), file('dist/apps', layerApp('web', 1))];
      const after = [file(L, configMap('cm', 'web', { a: '2' }, { 'argocd.argoproj.io/sync-wave': '0' })), file('dist/apps', edit(layerApp('web', 1), (a) => { a.spec.source.targetRevision = 'v2'; })), file(L, configMap('new', 'web', {}, { 'argocd.argoproj.io/sync-wave': '5' }))];
      expect(risksOf('sync-wave', before, after)).toEqual([]);
    });
  });

  test('GIVEN several risks in several groups WHEN reported THEN they are ordered by rule, then group (bootstrap, apps, layers), then object', () => {
    const before = [file('dist/zeta', namespace('zeta')), file('dist/alpha', namespace('alpha')), file('dist/alpha', pvc('data', 'alpha')), file('dist/apps', layerApp('alpha', 1))];
    const after = [file('dist/apps', layerApp('alpha', 2))];
    expect(risks(before, after).map((r) => `${r.rule} ${r.object}`)).toEqual([
      'stateful-removed PersistentVolumeClaim alpha/data',
      'namespace-removed Namespace alpha',
      'namespace-removed Namespace zeta',
      'sync-wave Application argocd/alpha',
    ]);
  });
});

describe('RBAC, exposure and storage classes, wherever rendered', () => {
  const role = (rules: object[], kind = 'ClusterRole') => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name: 'reader', ...(kind === 'Role' ? { namespace: 'web' } : {}) }, rules });
  const binding = (subjects: object[], roleName = 'reader') => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName }, subjects });
  const pods = { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] };

  test('GIVEN a role that gains rules and a binding that gains a subject WHEN diffed THEN each new grant and subject is flagged, wildcards and Secrets marked', () => {
    expect(risksOf('rbac-changed', [file('dist/a', role([pods]))], [file('dist/a', role([pods, { apiGroups: [''], resources: ['secrets'], verbs: ['get'] }, { apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]))])).toEqual([
      { object: 'ClusterRole reader', message: 'now also grants: get on core/secrets [reads Secrets]; * on */* [wildcard]' },
    ]);
    const sa = { kind: 'ServiceAccount', namespace: 'web', name: 'site' };
    expect(risksOf('rbac-changed', [file('dist/a', binding([sa]))], [file('dist/a', binding([sa, { kind: 'Group', name: 'devs' }], 'admin'))])).toEqual([
      { object: 'ClusterRoleBinding reader', message: 'roleRef ClusterRole reader → ClusterRole admin; ClusterRole admin now also bound to Group devs' },
    ]);
    expect(risksOf('rbac-changed', [], [file('dist/b', binding([sa]))])).toEqual([{ object: 'ClusterRoleBinding reader', message: 'binds ClusterRole reader to ServiceAccount web/site' }]);
    expect(risksOf('rbac-changed', [file('dist/a', role([pods]))], [])).toEqual([]);
  });

  test('GIVEN a Service turned LoadBalancer and a route that gains a hostname WHEN diffed THEN both exposures are flagged', () => {
    expect(risksOf('exposure-changed', [file(L, service('site', 'web'))], [file(L, service('site', 'web', { type: 'LoadBalancer', loadBalancerIP: '10.0.0.50' }))])).toEqual([
      { object: 'Service web/site', message: 'now exposed: LoadBalancer 10.0.0.50 ports 80/TCP; check who may reach it (HAProxy, firewall, NetworkPolicy, login)' },
    ]);
    const route = (hostnames: string[]) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'site', namespace: 'web' }, spec: { hostnames, parentRefs: [{ name: 'platform', namespace: 'gateway' }] } });
    expect(risksOf('exposure-changed', [file(L, route(['a.example.com']))], [file(L, route(['a.example.com', 'b.example.com']))])).toEqual([
      { object: 'HTTPRoute web/site', message: 'hosts a.example.com via gateway/platform → hosts a.example.com,b.example.com via gateway/platform' },
    ]);
  });

  test('GIVEN a StorageClass whose reclaim policy changes WHEN diffed THEN it is a storage change', () => {
    const sc = (reclaimPolicy: string) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'longhorn' }, provisioner: 'driver.longhorn.io', reclaimPolicy, parameters: { numberOfReplicas: '3' } });
    expect(risksOf('storage-changed', [file('dist/longhorn', sc('Retain'))], [file('dist/longhorn', sc('Delete'))])).toEqual([
      { object: 'StorageClass longhorn', message: 'reclaimPolicy "Retain" → "Delete": applies to volumes provisioned from now on (a StorageClass is immutable: Argo CD must replace it)' },
    ]);
  });
});
