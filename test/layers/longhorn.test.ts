import { App } from 'cdk8s';
import * as fs from 'fs';
import { parse } from 'yaml';
import { ANNOTATIONS } from '../../lib/gitops/argocd';
import { HA_ANNOTATIONS, SELECTS_RUNTIME_PODS } from '../../lib/ha/annotations';
import { BACKUP_DAILY, LONGHORN_NAMESPACE, LONGHORN_RESOURCES, LONGHORN_UI_WRITABLE, LONGHORN_CHART, longhornLayer, longhornValues, SNAPSHOT_HOURLY } from '../../lib/layers/longhorn';
import { UpstreamObjects } from '../../lib/constructs/upstream-objects';
import { HelmComponent } from '../../lib/constructs/helm-component';
import { pinned, setPlatformContext } from '../../lib/context';
import { Layer } from '../../lib/layer';
import { buildPlatform } from '../../lib/platform';
import { ChartRenderer } from '../../lib/render/chart-renderer';
import { resolveVersions } from '../../lib/versions';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { loadManifests } from '../../lib/k8s/manifest-yaml';
import { renderSite } from '../../lib/synth';
import { formatFinding, verifyTree } from '../../lib/verify/verify';
import { shippedRender, shippedSite, siteWith, writeTree } from '../helpers';
import type { Site } from '../../lib/config/schema';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DIR = 'dist/longhorn';

/** The objects of dist/longhorn/ of a render. */
function layerObjects(files: readonly RenderedFile[]): Obj[] {
  return files.filter((f) => f.path.startsWith(`${DIR}/`)).flatMap((f) => loadManifests(f.content, f.path) as Obj[]);
}

const ofKind = (objects: readonly Obj[], kind: string) => objects.filter((o) => o.kind === kind);
function named(objects: readonly Obj[], kind: string, name: string): Obj {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind} ${name} is not rendered`);
  return o;
}
const container = (o: Obj, name: string): Obj => [...(o.spec.template.spec.initContainers ?? []), ...o.spec.template.spec.containers].find((c: Obj) => c.name === name);
/** The YAML document a chart ConfigMap carries. */
const configData = (objects: readonly Obj[], name: string, key: string) => parse(named(objects, 'ConfigMap', name).data[key]);

/** The shipped site backing up to S3, credentials from the Bitwarden login item `longhorn-s3`. */
const s3Site = () => siteWith((s) => { s.storage = { backupTarget: 's3://tsys-backups@us-east-1/longhorn', backupCredentials: 'bitwarden:longhorn-s3#password' }; });

describe('Longhorn layer', () => {
  const objects = layerObjects(shippedRender());
  const obj = (kind: string, name: string) => named(objects, kind, name);
  const manager = obj('DaemonSet', 'longhorn-manager');
  const deployer = obj('Deployment', 'longhorn-driver-deployer');
  const ui = obj('Deployment', 'longhorn-ui');
  const settings = configData(objects, 'longhorn-default-setting', 'default-setting.yaml');

  test('GIVEN the chart WHEN rendered THEN it is the vendored longhorn 1.12.1 in longhorn-system, its CRDs never pruned, and the deployer announces longhorn.io', () => {
    for (const o of [manager, deployer, ui]) expect([o.metadata.namespace, o.metadata.labels['helm.sh/chart']]).toEqual(['longhorn-system', 'longhorn-1.12.1']);
    const crds = ofKind(objects, 'CustomResourceDefinition');
    expect(crds.map((c) => c.metadata.name)).toContain('volumes.longhorn.io');
    for (const c of crds) expect(c.metadata.annotations[ANNOTATIONS.syncOptions]).toBe('Delete=false,Prune=false,ServerSideApply=true');
    expect(deployer.metadata.annotations[ANNOTATIONS.providesApis]).toBe('longhorn.io/*');
  });

  test('GIVEN the chart StorageClass WHEN rendered THEN the manager makes it the cluster default with 3 replicas, best-effort locality, Retain, ext4, and the only StorageClass of ours is the R&D one (docs/rnd.md)', () => {
    const sc = configData(objects, 'longhorn-storageclass', 'storageclass.yaml');
    expect(sc.metadata).toEqual({ name: 'longhorn', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } });
    expect(sc.reclaimPolicy).toBe('Retain');
    expect(sc.parameters).toMatchObject({ numberOfReplicas: '3', fsType: 'ext4', dataLocality: 'best-effort' });
    expect(settings['default-replica-count']).toBe('3');
    expect(ofKind(objects, 'StorageClass').map((o) => o.metadata.name)).toEqual(['longhorn-rnd']);
  });

  test('GIVEN replica placement WHEN rendered THEN anti-affinity is hard across nodes and soft across zones', () => {
    expect([settings['replica-soft-anti-affinity'], settings['replica-zone-soft-anti-affinity']]).toEqual([false, true]);
  });

  test('GIVEN a node goes down WHEN rendered THEN Longhorn deletes its StatefulSet and Deployment pods to release their volumes, and RWX volumes fail over fast', () => {
    expect(settings['node-down-pod-deletion-policy']).toBe('delete-both-statefulset-and-deployment-pod');
    expect(settings['rwx-volume-fast-failover']).toBe(true);
  });

  test('GIVEN Argo CD syncs the chart WHEN rendered THEN there is no pre-upgrade hook, no uninstall hook, no upgrade checker, and the post-upgrade Job is a PostSync hook', () => {
    expect(ofKind(objects, 'Job').map((j) => [j.metadata.name, j.metadata.annotations['argocd.argoproj.io/hook']])).toEqual([['longhorn-post-upgrade', 'PostSync']]);
    expect(settings['upgrade-checker']).toBe(false);
  });

  test('GIVEN servers tainted CriticalAddonsOnly that hold storage WHEN rendered THEN the chart\'s workloads and the ones Longhorn deploys tolerate the taint (the manager and those also the R&D node\'s)', () => {
    const taint = [{ key: 'CriticalAddonsOnly', operator: 'Equal', value: 'true', effect: 'NoExecute' }];
    for (const o of [deployer, ui]) expect(o.spec.template.spec.tolerations).toEqual(taint);
    expect(manager.spec.template.spec.tolerations).toEqual([...taint, { key: 'platform.tsys/rnd', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(settings['taint-toleration']).toBe('CriticalAddonsOnly=true:NoExecute;platform.tsys/rnd=true:NoSchedule');
  });

  test('GIVEN storage nodes are labelled WHEN rendered THEN default disks are created on labelled nodes only and 25% stays free', () => {
    expect([settings['create-default-disk-labeled-nodes'], settings['storage-minimal-available-percentage']]).toEqual([true, '25']);
  });

  test('GIVEN the manager needs the host WHEN rendered THEN it is a declared system component, sized, and exempt from a liveness probe only with Longhorn\'s reason', () => {
    const ha = manager.metadata.annotations;
    expect(ha[HA_ANNOTATIONS.systemComponent]).toContain('privileged with host paths');
    expect(container(manager, 'longhorn-manager').securityContext).toEqual({ privileged: true });
    expect(container(manager, 'longhorn-manager').resources).toEqual(LONGHORN_RESOURCES.manager);
    expect(container(manager, 'pre-pull-share-manager-image').resources).toEqual(LONGHORN_RESOURCES.prePull);
    expect(container(manager, 'longhorn-manager').readinessProbe.httpGet).toEqual({ path: '/v1/healthz', port: 9502, scheme: 'HTTPS' });
    expect(ha[HA_ANNOTATIONS.exempt]).toMatch(/^ha\/probes: .*longhorn\/longhorn#13717.*pre-pull-share-manager-image only sleeps/);
  });

  test('GIVEN the UI WHEN rendered THEN two replicas run on different nodes with a disruption budget of the layer\'s, since the chart ignores longhornUI.podDisruptionBudget', () => {
    expect(ui.spec.replicas).toBe(2);
    expect(ui.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      { labelSelector: { matchLabels: { app: 'longhorn-ui' } }, topologyKey: 'kubernetes.io/hostname' },
    ]);
    const pdb = obj('PodDisruptionBudget', 'longhorn-ui');
    expect(pdb.spec).toEqual({ minAvailable: 1, selector: { matchLabels: { app: 'longhorn-ui' } } });
    expect(pdb.metadata.labels['helm.sh/chart']).toBeUndefined();
  });

  test('GIVEN the UI WHEN rendered THEN nginx is probed on its port, sized, and runs as its own user, restricted, writing only to emptyDirs', () => {
    const c = container(ui, 'longhorn-ui');
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/', port: 'http' }, periodSeconds: 10 });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/', port: 'http' } });
    expect(c.resources).toEqual(LONGHORN_RESOURCES.ui);
    expect(ui.spec.template.spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 499, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true });
    const emptyDirs = new Set(ui.spec.template.spec.volumes.filter((v: Obj) => v.emptyDir).map((v: Obj) => v.name));
    const written = c.volumeMounts.filter((m: Obj) => emptyDirs.has(m.name)).map((m: Obj) => m.mountPath.replace(/\/$/, ''));
    expect(written.sort()).toEqual(['/tmp', '/var/cache/nginx', '/var/config/nginx', '/var/lib/nginx', '/var/log/nginx', '/var/run']);
    expect(LONGHORN_UI_WRITABLE.map(([, p]) => p).every((p) => written.includes(p))).toBe(true);
  });

  test('GIVEN the driver deployer WHEN rendered THEN it is a declared singleton, ready once the manager API answers, running restricted as nobody instead of the chart\'s root', () => {
    expect(deployer.spec.replicas).toBe(1);
    expect(deployer.metadata.annotations[HA_ANNOTATIONS.singleton]).toContain('deploys the CSI driver');
    const c = container(deployer, 'longhorn-driver-deployer');
    expect(c.readinessProbe).toMatchObject({ exec: { command: ['curl', '-sf', '-m', '2', '-o', '/dev/null', 'http://longhorn-backend:9500/v1'] }, periodSeconds: 10, failureThreshold: 3 });
    // The probe checks what its init container waits for, at the URL the chart gives deploy-driver.
    expect(c.command).toContain('http://longhorn-backend:9500/v1');
    expect(deployer.spec.template.spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } });
    for (const name of ['wait-longhorn-manager', 'longhorn-driver-deployer']) {
      expect(container(deployer, name).securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true });
      expect(container(deployer, name).resources).toEqual(LONGHORN_RESOURCES.apiClient);
    }
    expect(deployer.metadata.annotations[HA_ANNOTATIONS.exempt]).toMatch(/^ha\/probes: deploy-driver serves no endpoint/);
  });

  test('GIVEN the post-upgrade Job WHEN rendered THEN it is sized and runs restricted as nobody', () => {
    for (const j of ofKind(objects, 'Job')) {
      expect(j.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534 });
      for (const c of j.spec.template.spec.containers) expect([c.resources, c.securityContext.readOnlyRootFilesystem]).toEqual([LONGHORN_RESOURCES.apiClient, true]);
    }
  });

  test('GIVEN the CSI components the deployer creates WHEN rendered THEN three of each sidecar run on different nodes, declared with their budgets', () => {
    const env = Object.fromEntries(container(deployer, 'longhorn-driver-deployer').env.filter((e: Obj) => 'value' in e).map((e: Obj) => [e.name, e.value]));
    expect(env).toMatchObject({ CSI_POD_ANTI_AFFINITY_PRESET: 'hard', CSI_ATTACHER_REPLICA_COUNT: '3', CSI_PROVISIONER_REPLICA_COUNT: '3', CSI_RESIZER_REPLICA_COUNT: '3', CSI_SNAPSHOTTER_REPLICA_COUNT: '3' });
    const declared: Obj[] = JSON.parse(deployer.metadata.annotations[HA_ANNOTATIONS.workloads]);
    expect(declared.map((d) => `${d.kind} ${d.name}`)).toEqual(['DaemonSet longhorn-csi-plugin', 'Deployment csi-attacher', 'Deployment csi-provisioner', 'Deployment csi-resizer', 'Deployment csi-snapshotter']);
    for (const d of declared) expect(d.createdBy).toContain('longhorn-driver-deployer');
    // Longhorn keeps budgets for the attacher and provisioner itself; the layer renders the other two.
    expect(['csi-resizer', 'csi-snapshotter'].map((n) => obj('PodDisruptionBudget', n).spec)).toEqual([
      { minAvailable: 1, selector: { matchLabels: { app: 'csi-resizer' } } },
      { minAvailable: 1, selector: { matchLabels: { app: 'csi-snapshotter' } } },
    ]);
  });

  test('GIVEN the node-failure simulation WHEN rendered THEN the storage it needs is declared from the values: 3 hard replicas, the manager and CSI DaemonSets', () => {
    expect(JSON.parse(deployer.metadata.annotations[HA_ANNOTATIONS.storage])).toMatchObject({
      storageClass: 'longhorn',
      defaultClass: { fixed: true },
      replicaCount: { fixed: '3' },
      softAntiAffinity: { fixed: false },
      nodeDownPodDeletionPolicy: { fixed: 'delete-both-statefulset-and-deployment-pod' },
      rwxFastFailover: { fixed: true },
      managerDaemonSet: 'longhorn-manager',
      csiDaemonSet: 'longhorn-csi-plugin',
      diskNodeLabel: 'platform.tsys/storage-tag',
      diskNodeValue: 'prod',
      attachSeconds: { fixed: 30 },
    });
  });

  test('GIVEN the webhook and recovery backend Services WHEN rendered THEN they are trusted to select the label the manager puts on its own pod', () => {
    for (const name of ['longhorn-admission-webhook', 'longhorn-recovery-backend']) {
      const svc = obj('Service', name);
      expect(Object.keys(svc.spec.selector)[0]).toMatch(/^longhorn\.io\//);
      expect(svc.metadata.annotations[SELECTS_RUNTIME_PODS]).toContain('longhorn-manager labels its own pod');
    }
    expect(obj('Service', 'longhorn-backend').metadata.annotations?.[SELECTS_RUNTIME_PODS]).toBeUndefined();
  });

  test('GIVEN the chart\'s policy that admits only Longhorn\'s pods to the manager WHEN rendered THEN Prometheus still reaches the metrics port, and only that port', () => {
    // longhorn/longhorn#13740: chart 1.12.1 renders the manager's NetworkPolicy by default; the ServiceMonitor's
    // scrape from the monitoring namespace timed out and the volume and backup alerts went silent.
    const labels = manager.spec.template.metadata.labels as Record<string, string>;
    const selects = (sel: Obj | undefined, l: Record<string, string>) => Object.entries(sel?.matchLabels ?? {}).every(([k, v]) => l[k] === v) && !(sel?.matchExpressions?.length);
    const isolating = ofKind(objects, 'NetworkPolicy').filter((p) => selects(p.spec.podSelector, labels) && p.spec.policyTypes.includes('Ingress'));
    expect(isolating.map((p) => p.metadata.name).sort()).toEqual(['longhorn-manager', 'longhorn-manager-from-prometheus']);
    const prometheus = { namespace: { 'kubernetes.io/metadata.name': 'monitoring' }, pod: { 'app.kubernetes.io/name': 'prometheus', prometheus: 'kube-prometheus-stack-prometheus' } };
    // Whether a policy admits Prometheus's pods to the manager's metrics port (by its name or number).
    const admits = (p: Obj) => (p.spec.ingress ?? []).some((rule: Obj) =>
      (rule.ports === undefined || rule.ports.some((x: Obj) => x.port === 'manager' || x.port === 9500))
      && (rule.from === undefined || rule.from.some((peer: Obj) => peer.namespaceSelector !== undefined && selects(peer.namespaceSelector, prometheus.namespace) && (peer.podSelector === undefined || selects(peer.podSelector, prometheus.pod)))));
    expect(container(manager, 'longhorn-manager').ports.find((p: Obj) => p.name === 'manager').containerPort).toBe(9500);
    expect(isolating.filter(admits).map((p) => p.metadata.name)).toEqual(['longhorn-manager-from-prometheus']);
    expect(obj('NetworkPolicy', 'longhorn-manager-from-prometheus').spec.ingress.map((r: Obj) => r.ports)).toEqual([[{ protocol: 'TCP', port: 'manager' }]]);
  });

  test('GIVEN the shipped NFS target WHEN rendered THEN the default backup store is the site target, without credentials, and no BackupTarget object is ours', () => {
    expect(configData(objects, 'longhorn-default-resource', 'default-resource.yaml')).toEqual({ 'backup-target': 'nfs://nas.turnsys.com:/export/longhorn-backups', 'backupstore-poll-interval': 300 });
    expect(ofKind(objects, 'BackupTarget')).toEqual([]);
    // No backup credentials: the one ExternalSecret is the client secret of the UI's single sign-on.
    expect(ofKind(objects, 'ExternalSecret').map((e) => e.metadata.name)).toEqual(['longhorn-sso-client']);
  });

  test('GIVEN the manager and CSI run privileged WHEN rendered THEN longhorn-system allows privileged pods', () => {
    expect(ofKind(objects, 'Namespace').map((n) => [n.metadata.name, n.metadata.labels['pod-security.kubernetes.io/enforce']])).toEqual([['longhorn-system', 'privileged']]);
  });

  test('GIVEN the recurring jobs WHEN rendered THEN hourly snapshots keep 24 and daily backups at 02:00 keep 14, for the default group', () => {
    expect(ofKind(objects, 'RecurringJob').map((j) => [j.apiVersion, j.metadata.name, j.metadata.namespace, j.spec])).toEqual([
      ['longhorn.io/v1beta2', 'backup-daily', 'longhorn-system', { name: 'backup-daily', task: 'backup', cron: '0 2 * * *', retain: 14, concurrency: 2, groups: ['default'] }],
      ['longhorn.io/v1beta2', 'snapshot-hourly', 'longhorn-system', { name: 'snapshot-hourly', task: 'snapshot', cron: '0 * * * *', retain: 24, concurrency: 2, groups: ['default'] }],
    ]);
    expect([SNAPSHOT_HOURLY.cron, BACKUP_DAILY.cron]).toEqual(['0 * * * *', '0 2 * * *']);
  });

  test('GIVEN the recurring jobs WHEN wired THEN they sync in wave 1, after the chart installs their CRD, without dry-run', () => {
    for (const j of ofKind(objects, 'RecurringJob')) {
      expect(j.metadata.annotations[ANNOTATIONS.syncWave]).toBe('1');
      expect(j.metadata.annotations[ANNOTATIONS.syncOptions]).toBe('SkipDryRunOnMissingResource=true');
    }
  });
});

describe('Longhorn layer with an S3 backup target', () => {
  const files = renderSite(s3Site());
  const objects = layerObjects(files);
  const es = objects.find((o) => o.kind === 'ExternalSecret' && o.metadata.name === 'longhorn-backup-credentials')!;

  test('GIVEN an s3 target with a Bitwarden item WHEN rendered THEN the default backup store names the credentials Secret', () => {
    expect(configData(objects, 'longhorn-default-resource', 'default-resource.yaml')).toEqual({
      'backup-target': 's3://tsys-backups@us-east-1/longhorn', 'backup-target-credential-secret': 'longhorn-backup-credentials', 'backupstore-poll-interval': 300,
    });
  });

  test('GIVEN an s3 target WHEN rendered THEN the Secret maps the item username and password to the AWS keys, whatever #part the site named', () => {
    expect(es.metadata).toMatchObject({ name: 'longhorn-backup-credentials', namespace: 'longhorn-system' });
    expect(es.spec.target).toEqual({ name: 'longhorn-backup-credentials' });
    expect(es.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'bitwarden-login' });
    expect(es.spec.data).toEqual([
      { secretKey: 'AWS_ACCESS_KEY_ID', remoteRef: { key: 'longhorn-s3', property: 'username' } },
      { secretKey: 'AWS_SECRET_ACCESS_KEY', remoteRef: { key: 'longhorn-s3', property: 'password' } },
    ]);
  });

  test('GIVEN the ExternalSecret comes from the secrets layer WHEN the platform is built THEN longhorn depends on secrets (and the gateway, for its UI behind SSO) and syncs one wave after them', () => {
    const platform = buildPlatform(s3Site());
    expect(platform.layers.find((l) => l.layerName === 'longhorn')!.dependsOn).toEqual(['gateway', 'secrets']);
    expect(platform.waves.get('longhorn')).toBe(Math.max(platform.waves.get('secrets')!, platform.waves.get('gateway')!) + 1);
    expect(es.metadata.annotations?.[ANNOTATIONS.syncWave]).toBeUndefined();
  });

  test('GIVEN an s3 site WHEN rendered and verified THEN nothing in dist/longhorn has a finding (the ExternalSecret included)', () => {
    const root = writeTree(Object.fromEntries(files.map((f) => [f.path, f.content])));
    expect(verifyTree(root).filter((f) => f.file.startsWith(`${DIR}/`)).map(formatFinding)).toEqual([]);
    fs.rmSync(root, { recursive: true });
  });

  test('GIVEN the shipped NFS target WHEN the platform is built THEN longhorn waits only for what its UI behind SSO needs (gateway, secrets); without Keycloak (no UI) for nothing, in wave 0', () => {
    const platform = buildPlatform(shippedSite());
    expect(platform.layers.find((l) => l.layerName === 'longhorn')!.dependsOn).toEqual(['gateway', 'secrets']);
    const noKeycloak = buildPlatform(siteWith((s) => { s.keycloak.enabled = false; }));
    expect(noKeycloak.layers.find((l) => l.layerName === 'longhorn')!.dependsOn).toEqual([]);
    expect(noKeycloak.waves.get('longhorn')).toBe(0);
  });
});

describe('Longhorn backup credentials for other targets', () => {
  // The layer alone (its ExternalSecret is the layer's own object; the chart is rendered only for a whole platform).
  const render = (site: Site) => {
    const ctx = { site, versions: resolveVersions(site.versions), apps: [] };
    const app = new App();
    setPlatformContext(app, ctx);
    return longhornLayer(app, ctx).toJson() as Obj[];
  };
  const secretData = (target: string) => {
    const objects = render(siteWith((s) => { s.storage = { backupTarget: target, backupCredentials: 'bitwarden:nas-backup' }; }));
    return objects.find((o) => o.kind === 'ExternalSecret' && o.metadata.name === 'longhorn-backup-credentials')!.spec.data.map((d: Obj) => [d.secretKey, d.remoteRef.property]);
  };

  test('GIVEN a cifs target WHEN rendered THEN the Secret holds CIFS_USERNAME and CIFS_PASSWORD', () => {
    expect(secretData('cifs://nas.turnsys.com/backups')).toEqual([['CIFS_PASSWORD', 'password'], ['CIFS_USERNAME', 'username']]);
  });

  test('GIVEN an azblob target WHEN rendered THEN the Secret holds AZBLOB_ACCOUNT_NAME and AZBLOB_ACCOUNT_KEY', () => {
    expect(secretData('azblob://backups@core.windows.net/')).toEqual([['AZBLOB_ACCOUNT_KEY', 'password'], ['AZBLOB_ACCOUNT_NAME', 'username']]);
  });

  test('GIVEN credentials for an NFS target WHEN rendered unvalidated THEN it is a programming error (the site rule refuses them: fixture backup-nfs-credentials)', () => {
    const site = siteWith((s) => { s.storage.backupCredentials = 'bitwarden:nas-backup'; });
    expect(() => render(site)).toThrow('programming error: storage.backupCredentials with a nfs:// backup target, which the site rules (lib/config/rules.ts) refuse; the site was not validated (load it with loadSite)');
  });
});

describe('Longhorn chart patches', () => {
  const site = shippedSite();
  const ctx = { site, versions: resolveVersions(site.versions), apps: [] };
  const chartWith = (patch: { kind: string; name: string; because: string }) => {
    const app = new App();
    setPlatformContext(app, ctx);
    const layer = new Layer(app, { name: 'longhorn', description: 'd', namespace: LONGHORN_NAMESPACE });
    new HelmComponent(layer, 'longhorn', { name: 'longhorn', chart: pinned(ctx, LONGHORN_CHART), namespace: LONGHORN_NAMESPACE, values: longhornValues(ctx), patches: [{ ...patch, patch: () => undefined }] });
    return app;
  };

  test('GIVEN a patch of an object the chart does not render WHEN the chart is rendered THEN synth fails naming it', () => {
    const app = chartWith({ kind: 'Deployment', name: 'longhorn-gone', because: 'a renamed object' });
    expect(() => UpstreamObjects.materializeAll(app, new ChartRenderer(), [])).toThrow('patches name Deployment/longhorn-gone, which the chart does not render');
  });

  test('GIVEN a patch without a reason WHEN declared THEN it is refused', () => {
    expect(() => chartWith({ kind: 'Deployment', name: 'longhorn-ui', because: ' ' })).toThrow('the patch of Deployment/longhorn-ui needs a reason (because)');
  });
});
