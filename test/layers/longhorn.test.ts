import { App } from 'cdk8s';
import * as fs from 'fs';
import { ANNOTATIONS } from '../../lib/gitops/argocd';
import { wireApiProviders } from '../../lib/gitops/waves';
import { PlatformError } from '../../lib/platform-error';
import { BACKUP_DAILY, longhornLayer, SNAPSHOT_HOURLY } from '../../lib/layers/longhorn';
import { buildPlatform } from '../../lib/platform';
import { renderSite } from '../../lib/synth';
import { resolveVersions } from '../../lib/versions';
import { verifyTree } from '../../lib/verify/verify';
import { shippedSite, siteWith, writeTree } from '../helpers';
import type { Site } from '../../lib/config/schema';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function render(site: Site): { objects: Obj[]; dependsOn: readonly string[] } {
  const layer = longhornLayer(new App(), { site, versions: resolveVersions(site.versions), apps: [] });
  return { objects: layer.toJson() as Obj[], dependsOn: layer.dependsOn };
}

/** The shipped site backing up to S3, credentials from the Bitwarden login item `longhorn-s3`. */
const s3Site = () => siteWith((s) => { s.storage = { backupTarget: 's3://tsys-backups@us-east-1/longhorn', backupCredentials: 'bitwarden:longhorn-s3#password' }; });

describe('Longhorn layer', () => {
  const site = shippedSite();
  const layer = longhornLayer(new App(), { site, versions: resolveVersions(site.versions), apps: [] });
  wireApiProviders([layer]);
  const objects = layer.toJson() as Obj[];
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const app = byKind('Application')[0];
  const values = app.spec.source.helm.valuesObject;

  test('GIVEN the chart WHEN rendered THEN it is the pinned longhorn chart in longhorn-system, providing longhorn.io with server-side apply', () => {
    expect(app.metadata.name).toBe('longhorn-chart');
    expect(app.spec.source).toMatchObject({ repoURL: 'https://charts.longhorn.io', chart: 'longhorn', targetRevision: '1.12.1' });
    expect(app.spec.source.helm.releaseName).toBe('longhorn');
    expect(app.spec.destination.namespace).toBe('longhorn-system');
    expect(app.metadata.annotations[ANNOTATIONS.providesApis]).toBe('longhorn.io/*');
    expect(app.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
  });

  test('GIVEN the chart StorageClass WHEN rendered THEN it is the cluster default with 3 replicas, best-effort locality, Retain, ext4, and no StorageClass of ours', () => {
    expect(values.persistence).toEqual({ defaultClass: true, defaultClassReplicaCount: 3, defaultDataLocality: 'best-effort', reclaimPolicy: 'Retain', defaultFsType: 'ext4' });
    expect(values.defaultSettings.defaultReplicaCount).toBe('3');
    expect(byKind('StorageClass')).toEqual([]);
  });

  test('GIVEN replica placement WHEN rendered THEN anti-affinity is hard across nodes and soft across zones', () => {
    expect(values.defaultSettings.replicaSoftAntiAffinity).toBe(false);
    expect(values.defaultSettings.replicaZoneSoftAntiAffinity).toBe(true);
  });

  test('GIVEN a node goes down WHEN rendered THEN Longhorn deletes its StatefulSet and Deployment pods to release their volumes', () => {
    expect(values.defaultSettings.nodeDownPodDeletionPolicy).toBe('delete-both-statefulset-and-deployment-pod');
  });

  test('GIVEN Argo CD installs the chart WHEN rendered THEN the pre-upgrade hook and the upgrade checker are off', () => {
    expect(values.preUpgradeChecker).toEqual({ jobEnabled: false });
    expect(values.defaultSettings.upgradeChecker).toBe(false);
  });

  test('GIVEN servers tainted CriticalAddonsOnly that hold storage WHEN rendered THEN system-managed and chart components tolerate the taint', () => {
    expect(values.defaultSettings.taintToleration).toBe('CriticalAddonsOnly=true:NoExecute');
    expect(values.global.tolerations).toEqual([{ key: 'CriticalAddonsOnly', operator: 'Equal', value: 'true', effect: 'NoExecute' }]);
  });

  test('GIVEN storage nodes are labelled WHEN rendered THEN default disks are created on labelled nodes only and 25% stays free', () => {
    expect(values.defaultSettings.createDefaultDiskLabeledNodes).toBe(true);
    expect(values.defaultSettings.storageMinimalAvailablePercentage).toBe(25);
  });

  test('GIVEN the stateless parts WHEN rendered THEN two UIs and three of each CSI sidecar run, each on its own node, with disruption budgets', () => {
    expect(values.longhornUI).toEqual({
      replicas: 2,
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'longhorn-ui' } }, topologyKey: 'kubernetes.io/hostname' }] } },
      podDisruptionBudget: { enabled: true, minAvailable: 1 },
    });
    expect(values.csi).toEqual({ podAntiAffinityPreset: 'hard', attacherReplicaCount: 3, provisionerReplicaCount: 3, resizerReplicaCount: 3, snapshotterReplicaCount: 3 });
    // Longhorn keeps budgets for the attacher and provisioner itself; the layer renders the other two.
    expect(byKind('PodDisruptionBudget').map((p) => [p.metadata.name, p.spec])).toEqual([
      ['csi-resizer', { minAvailable: 1, selector: { matchLabels: { app: 'csi-resizer' } } }],
      ['csi-snapshotter', { minAvailable: 1, selector: { matchLabels: { app: 'csi-snapshotter' } } }],
    ]);
  });

  test('GIVEN the shipped NFS target WHEN rendered THEN the default backup store is the site target, without credentials, and no BackupTarget object is ours', () => {
    expect(values.defaultBackupStore).toEqual({ backupTarget: 'nfs://nas.turnsys.com:/export/longhorn-backups', pollInterval: 300 });
    expect(byKind('BackupTarget')).toEqual([]);
    expect(byKind('ExternalSecret')).toEqual([]);
    expect(layer.dependsOn).toEqual([]);
  });

  test('GIVEN the manager and CSI run privileged WHEN rendered THEN longhorn-system allows privileged pods', () => {
    expect(byKind('Namespace').map((n) => [n.metadata.name, n.metadata.labels['pod-security.kubernetes.io/enforce']])).toEqual([['longhorn-system', 'privileged']]);
  });

  test('GIVEN the recurring jobs WHEN rendered THEN hourly snapshots keep 24 and daily backups at 02:00 keep 14, for the default group', () => {
    expect(byKind('RecurringJob').map((j) => [j.apiVersion, j.metadata.name, j.metadata.namespace, j.spec])).toEqual([
      ['longhorn.io/v1beta2', 'snapshot-hourly', 'longhorn-system', { name: 'snapshot-hourly', task: 'snapshot', cron: '0 * * * *', retain: 24, concurrency: 2, groups: ['default'] }],
      ['longhorn.io/v1beta2', 'backup-daily', 'longhorn-system', { name: 'backup-daily', task: 'backup', cron: '0 2 * * *', retain: 14, concurrency: 2, groups: ['default'] }],
    ]);
    expect([SNAPSHOT_HOURLY.cron, BACKUP_DAILY.cron]).toEqual(['0 * * * *', '0 2 * * *']);
  });

  test('GIVEN the recurring jobs WHEN wired THEN they sync in wave 1, after the chart installs their CRD, without dry-run', () => {
    for (const j of byKind('RecurringJob')) {
      expect(j.metadata.annotations[ANNOTATIONS.syncWave]).toBe('1');
      expect(j.metadata.annotations[ANNOTATIONS.syncOptions]).toBe('SkipDryRunOnMissingResource=true');
    }
  });
});

describe('Longhorn layer with an S3 backup target', () => {
  const { objects, dependsOn } = render(s3Site());
  const values = objects.find((o) => o.kind === 'Application')!.spec.source.helm.valuesObject;
  const es = objects.find((o) => o.kind === 'ExternalSecret')!;

  test('GIVEN an s3 target with a Bitwarden item WHEN rendered THEN the values name the credentials Secret', () => {
    expect(values.defaultBackupStore).toEqual({ backupTarget: 's3://tsys-backups@us-east-1/longhorn', backupTargetCredentialSecret: 'longhorn-backup-credentials', pollInterval: 300 });
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

  test('GIVEN the ExternalSecret comes from the secrets layer WHEN the platform is built THEN longhorn depends on secrets and syncs one wave after it', () => {
    expect(dependsOn).toEqual(['secrets']);
    const platform = buildPlatform(s3Site());
    expect(platform.waves.get('longhorn')).toBe(platform.waves.get('secrets')! + 1);
    const longhorn = platform.layers.find((l) => l.layerName === 'longhorn')!;
    const rendered = (longhorn.toJson() as Obj[]).find((o) => o.kind === 'ExternalSecret')!;
    expect(rendered.metadata.annotations?.[ANNOTATIONS.syncWave]).toBeUndefined();
  });

  test('GIVEN an s3 site WHEN rendered and verified THEN every object validates strictly (the ExternalSecret included)', () => {
    const root = writeTree(Object.fromEntries(renderSite(s3Site()).map((f) => [f.path, f.content])));
    expect(verifyTree(root)).toEqual([]);
    fs.rmSync(root, { recursive: true });
  });

  test('GIVEN the shipped NFS target WHEN the platform is built THEN longhorn depends on nothing and syncs in wave 0', () => {
    expect(buildPlatform(shippedSite()).waves.get('longhorn')).toBe(0);
  });
});

describe('Longhorn backup credentials for other targets', () => {
  const secretData = (target: string) => {
    const { objects } = render(siteWith((s) => { s.storage = { backupTarget: target, backupCredentials: 'bitwarden:nas-backup' }; }));
    return objects.find((o) => o.kind === 'ExternalSecret')!.spec.data.map((d: Obj) => [d.secretKey, d.remoteRef.property]);
  };

  test('GIVEN a cifs target WHEN rendered THEN the Secret holds CIFS_USERNAME and CIFS_PASSWORD', () => {
    expect(secretData('cifs://nas.turnsys.com/backups')).toEqual([['CIFS_PASSWORD', 'password'], ['CIFS_USERNAME', 'username']]);
  });

  test('GIVEN an azblob target WHEN rendered THEN the Secret holds AZBLOB_ACCOUNT_NAME and AZBLOB_ACCOUNT_KEY', () => {
    expect(secretData('azblob://backups@core.windows.net/')).toEqual([['AZBLOB_ACCOUNT_KEY', 'password'], ['AZBLOB_ACCOUNT_NAME', 'username']]);
  });

  test('GIVEN credentials for an NFS target WHEN rendered THEN synth refuses them (NFS takes none)', () => {
    const site = siteWith((s) => { s.storage.backupCredentials = 'bitwarden:nas-backup'; });
    expect(() => render(site)).toThrow(PlatformError);
    expect(() => render(site)).toThrow('storage.backupCredentials: a nfs:// backup target takes no credentials (Longhorn uses them for s3, cifs, azblob only); remove it');
  });
});
