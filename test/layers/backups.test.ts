import { parse } from 'yaml';
import { renderSite } from '../../lib/synth';
import { shippedSite, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('backups layer', () => {
  const site = shippedSite();
  const files = new Map(renderSite(site).map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => parse(files.get(p)!);
  const velero = obj('dist/backups/application-velero-chart.yaml');
  const v = velero.spec.source.helm.valuesObject;

  test('GIVEN the site schedules WHEN rendered THEN platform state is backed up daily and app data hourly, with CSI snapshots moved to S3 and the site TTLs', () => {
    const platform = obj('dist/backups/schedule-platform-daily.yaml').spec;
    const apps = obj('dist/backups/schedule-apps-hourly.yaml').spec;
    expect([platform.schedule, platform.template.ttl, apps.schedule, apps.template.ttl]).toEqual(['0 3 * * *', '720h', '0 * * * *', '168h']);
    expect(platform.template).toMatchObject({ includedNamespaces: ['*'], excludedNamespaces: ['sit', 'uat', 'prod'], includeClusterResources: true });
    expect(apps.template).toMatchObject({ includedNamespaces: ['sit', 'uat', 'prod'], includeClusterResources: false });
    for (const s of [platform, apps]) expect(s.template).toMatchObject({ snapshotVolumes: true, snapshotMoveData: true, storageLocation: 'default' });
  });

  test('GIVEN other app namespaces and times in site.yaml WHEN rendered THEN the schedules follow them', () => {
    const out = new Map(renderSite(siteWith((s) => {
      s.backups.apps = { schedule: '*/30 * * * *', ttl: '72h', namespaces: ['prod'] };
    })).map((f) => [f.path, f.content]));
    expect(parse(out.get('dist/backups/schedule-apps-hourly.yaml')!).spec).toMatchObject({ schedule: '*/30 * * * *', template: { ttl: '72h', includedNamespaces: ['prod'] } });
    expect(parse(out.get('dist/backups/schedule-platform-daily.yaml')!).spec.template.excludedNamespaces).toEqual(['prod']);
  });

  test('GIVEN Velero WHEN rendered THEN it writes to the site S3 store with credentials from Bitwarden, CSI on, node agents everywhere, the server a declared singleton', () => {
    expect(velero.spec.source).toMatchObject({ chart: 'velero', repoURL: 'https://vmware-tanzu.github.io/helm-charts', targetRevision: '12.1.0' });
    expect(v.configuration.backupStorageLocation).toEqual([{
      name: 'default', provider: 'aws', bucket: 'velero', default: true, credential: { name: 'velero-s3', key: 'cloud' },
      config: { region: 'minio', s3Url: 'https://minio.nas.turnsys.com:9000', s3ForcePathStyle: 'true' },
    }]);
    expect(v.configuration).toMatchObject({ features: 'EnableCSI', defaultSnapshotMoveData: true, uploaderType: 'kopia' });
    expect(v.initContainers[0].image).toBe('velero/velero-plugin-for-aws:v1.14.4');
    expect(v.deployNodeAgent).toBe(true);
    expect(v.nodeAgent.annotations['platform.tsys/system-component']).toBeTruthy();
    expect(v.annotations['platform.tsys/singleton']).toBeTruthy();
    const es = obj('dist/backups/externalsecret-velero-s3.yaml');
    expect(es.spec.data.map((d: Obj) => d.remoteRef)).toEqual([{ key: 'minio-velero', property: 'username' }, { key: 'minio-velero', property: 'password' }]);
    expect(es.spec.target.template.data.cloud).toBe('[default]\naws_access_key_id={{ .access_key_id }}\naws_secret_access_key={{ .secret_access_key }}\n');
  });

  test('GIVEN Longhorn volumes WHEN rendered THEN a VolumeSnapshotClass for driver.longhorn.io is the one Velero uses, after the snapshot CRDs', () => {
    const vsc = obj('dist/backups/volumesnapshotclass-longhorn-snapshot.yaml');
    expect(vsc).toMatchObject({ driver: 'driver.longhorn.io', deletionPolicy: 'Delete', parameters: { type: 'snap' } });
    expect(vsc.metadata.labels['velero.io/csi-volumesnapshot-class']).toBe('true');
    const crds = obj('dist/backups/application-snapshot-crds-git.yaml');
    expect(crds.spec.source).toMatchObject({ repoURL: 'https://github.com/kubernetes-csi/external-snapshotter', path: 'client/config/crd', targetRevision: 'v8.6.0' });
    expect(obj('dist/backups/application-snapshot-controller-git.yaml').spec.source.path).toBe('deploy/kubernetes/snapshot-controller');
    const wave = (o: Obj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    expect(wave(vsc)).toBeGreaterThan(wave(crds));
  });

  test('GIVEN Longhorn\'s own recurring jobs WHEN rendered THEN hourly snapshots and daily backups still cover every default-group volume', () => {
    expect(obj('dist/longhorn/recurringjob-backup-daily.yaml').spec).toMatchObject({ task: 'backup', cron: '0 2 * * *', retain: 14, groups: ['default'] });
    expect(obj('dist/longhorn/recurringjob-snapshot-hourly.yaml').spec).toMatchObject({ task: 'snapshot', cron: '0 * * * *', retain: 24 });
  });
});
