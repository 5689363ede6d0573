import { parse } from 'yaml';
import { HA_ANNOTATIONS } from '../../lib/ha/annotations';
import { haInputFromFiles, haModel } from '../../lib/ha/analysis';
import { Outcome, simulate } from '../../lib/ha/simulate';
import { SNAPSHOT_CONTROLLER_AFFINITY, VELERO_RECOVERY_BUDGET, VELERO_RECOVERY_SECONDS, VELERO_RESOURCES } from '../../lib/layers/backups';
import { loadManifests } from '../../lib/k8s/manifest-yaml';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { renderSite } from '../../lib/synth';
import { shippedRender, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DIR = 'dist/backups';
const RESTRICTED = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true };

describe('backups layer', () => {
  const rendered = shippedRender();
  const files = new Map(rendered.map((f: RenderedFile) => [f.path, f.content]));
  const objects = rendered.filter((f) => f.path.startsWith(`${DIR}/`)).flatMap((f) => loadManifests(f.content, f.path) as Obj[]);
  const named = (kind: string, name: string): Obj => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`${kind} ${name} is not rendered`);
    return o;
  };
  const container = (o: Obj, name: string): Obj => [...(o.spec.template.spec.initContainers ?? []), ...o.spec.template.spec.containers].find((c: Obj) => c.name === name);
  const wave = (o: Obj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
  const velero = named('Deployment', 'velero');
  const nodeAgent = named('DaemonSet', 'node-agent');
  const snapshotController = named('Deployment', 'snapshot-controller');

  test('GIVEN the site schedules WHEN rendered THEN platform state is backed up daily and app data hourly, with CSI snapshots moved to S3 and the site TTLs', () => {
    const platform = named('Schedule', 'platform-daily').spec;
    const apps = named('Schedule', 'apps-hourly').spec;
    expect([platform.schedule, platform.template.ttl, apps.schedule, apps.template.ttl]).toEqual(['0 3 * * *', '720h', '0 * * * *', '168h']);
    expect(platform.template).toMatchObject({ includedNamespaces: ['*'], excludedNamespaces: ['sit', 'uat', 'prod'], includeClusterResources: true });
    expect(apps.template).toMatchObject({ includedNamespaces: ['sit', 'uat', 'prod'], includeClusterResources: false });
    for (const s of [platform, apps]) expect(s.template).toMatchObject({ snapshotVolumes: true, snapshotMoveData: true, storageLocation: 'default' });
  });

  test('GIVEN other app namespaces and times in site.yaml WHEN rendered THEN the schedules follow them', () => {
    const out = new Map(renderSite(siteWith((s) => {
      s.backups.apps = { schedule: '*/30 * * * *', ttl: '72h', namespaces: ['prod'] };
    })).map((f) => [f.path, f.content]));
    expect(parse(out.get(`${DIR}/schedule-apps-hourly.yaml`)!).spec).toMatchObject({ schedule: '*/30 * * * *', template: { ttl: '72h', includedNamespaces: ['prod'] } });
    expect(parse(out.get(`${DIR}/schedule-platform-daily.yaml`)!).spec.template.excludedNamespaces).toEqual(['prod']);
  });

  test('GIVEN Velero WHEN rendered THEN the vendored chart 12.1.0 writes to the site S3 store with credentials from Bitwarden, CSI on, data moved by kopia', () => {
    expect(velero.metadata.labels['helm.sh/chart']).toBe('velero-12.1.0');
    expect(named('BackupStorageLocation', 'default').spec).toMatchObject({
      provider: 'aws', default: true, objectStorage: { bucket: 'velero' }, credential: { name: 'velero-s3', key: 'cloud' },
      config: { region: 'minio', s3Url: 'https://minio.nas.turnsys.com:9000', s3ForcePathStyle: 'true' },
    });
    expect(container(velero, 'velero').args).toEqual(expect.arrayContaining(['--uploader-type=kopia', '--default-snapshot-move-data=true', '--features=EnableCSI', '--default-backup-storage-location=default']));
    expect(container(velero, 'velero-plugin-for-aws').image).toBe('velero/velero-plugin-for-aws:v1.14.4');
    expect(velero.spec.template.spec.volumes).toContainEqual({ name: 'cloud-credentials', secret: { secretName: 'velero-s3' } });
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const es = named('ExternalSecret', 'velero-s3');
    expect(es.spec.data.map((d: Obj) => d.remoteRef)).toEqual([{ key: 'minio-velero', property: 'username' }, { key: 'minio-velero', property: 'password' }]);
    expect(es.spec.target.template.data.cloud).toBe('[default]\naws_access_key_id={{ .access_key_id }}\naws_secret_access_key={{ .secret_access_key }}\n');
  });

  test('GIVEN the Velero server WHEN rendered THEN it is a declared singleton with its own reasoned budget over the chart\'s 160 s readiness window', () => {
    expect(velero.spec.replicas).toBe(1);
    expect(velero.metadata.annotations[HA_ANNOTATIONS.singleton]).toContain('Velero runs one server by design');
    expect(velero.metadata.annotations[HA_ANNOTATIONS.recoveryBudget]).toBe(`${VELERO_RECOVERY_BUDGET.seconds}: ${VELERO_RECOVERY_BUDGET.reason}`);
    expect(container(velero, 'velero').readinessProbe).toMatchObject({ initialDelaySeconds: 10, periodSeconds: 30, failureThreshold: 5 });
    expect(container(velero, 'velero').livenessProbe).toMatchObject({ httpGet: { path: '/metrics', port: 'http-monitoring' } });
  });

  test('GIVEN the Velero server WHEN rendered THEN it runs as its image\'s cnb user, restricted, with a read-only root and emptyDirs where kopia writes', () => {
    expect(velero.spec.template.spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1002, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    for (const name of ['velero', 'velero-plugin-for-aws']) expect(container(velero, name).securityContext).toEqual(RESTRICTED);
    const emptyDirs = new Set(velero.spec.template.spec.volumes.filter((v: Obj) => v.emptyDir).map((v: Obj) => v.name));
    expect(container(velero, 'velero').volumeMounts.filter((m: Obj) => emptyDirs.has(m.name)).map((m: Obj) => m.mountPath).sort()).toEqual(['/home/cnb', '/plugins', '/scratch', '/tmp']);
    expect([container(velero, 'velero').resources, container(velero, 'velero-plugin-for-aws').resources]).toEqual([VELERO_RESOURCES.server, VELERO_RESOURCES.plugin]);
  });

  test('GIVEN the node agents WHEN rendered THEN one runs on every node with pod volumes, a declared system component reading the kubelet\'s pod volumes, sized, exempt from probes with why', () => {
    expect(nodeAgent.spec.template.spec.tolerations).toEqual([{ key: 'CriticalAddonsOnly', operator: 'Exists', effect: 'NoExecute' }, { key: 'platform.tsys/rnd', operator: 'Exists' }]);
    expect(nodeAgent.spec.template.spec.volumes).toContainEqual({ name: 'host-pods', hostPath: { path: '/var/lib/kubelet/pods' } });
    expect(nodeAgent.metadata.annotations[HA_ANNOTATIONS.systemComponent]).toContain('moves CSI snapshot data');
    expect(container(nodeAgent, 'node-agent').resources).toEqual(VELERO_RESOURCES.nodeAgent);
    expect(nodeAgent.metadata.annotations[HA_ANNOTATIONS.exempt]).toMatch(/^ha\/probes: templates\/node-agent-daemonset.yaml renders no probe/);
  });

  test('GIVEN Longhorn volumes WHEN rendered THEN a VolumeSnapshotClass for driver.longhorn.io is the one Velero uses, after the snapshot CRDs', () => {
    const vsc = named('VolumeSnapshotClass', 'longhorn-snapshot');
    expect(vsc).toMatchObject({ driver: 'driver.longhorn.io', deletionPolicy: 'Delete', parameters: { type: 'snap' } });
    expect(vsc.metadata.labels['velero.io/csi-volumesnapshot-class']).toBe('true');
    const crd = named('CustomResourceDefinition', 'volumesnapshotclasses.snapshot.storage.k8s.io');
    expect(crd.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Delete=false,Prune=false,ServerSideApply=true');
    expect(wave(vsc)).toBeGreaterThan(wave(crd));
  });

  test('GIVEN the snapshot controller WHEN rendered THEN upstream\'s two leader-elected replicas run on different nodes with the layer\'s disruption budget', () => {
    expect(snapshotController.metadata.namespace).toBe('kube-system');
    expect(snapshotController.spec.replicas).toBe(2);
    expect(snapshotController.spec.template.spec.affinity).toEqual(SNAPSHOT_CONTROLLER_AFFINITY);
    expect(named('PodDisruptionBudget', 'snapshot-controller')).toMatchObject({ metadata: { namespace: 'kube-system' }, spec: { minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'snapshot-controller' } } } });
  });

  test('GIVEN the snapshot controller WHEN rendered THEN its leader-election health check is served and probed, it is sized, and runs as distroless nonroot, restricted', () => {
    const c = container(snapshotController, 'snapshot-controller');
    expect(c.args).toEqual(['--v=5', '--leader-election=true', '--http-endpoint=:8080']);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080 }]);
    for (const p of [c.readinessProbe, c.livenessProbe]) expect(p.httpGet).toEqual({ path: '/healthz/leader-election', port: 'http' });
    expect(c.resources).toEqual(VELERO_RESOURCES.snapshotController);
    expect(c.securityContext).toEqual(RESTRICTED);
    expect(snapshotController.spec.template.spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
  });

  describe('GIVEN www1 (an agent) is lost', () => {
    const model = haModel(haInputFromFiles(rendered));
    const result = simulate(model.cluster!, model.workloads, ['www1']);
    const outcome = (label: string): Outcome => {
      const o = result.outcomes.find((x) => x.label === label);
      if (!o) throw new Error(`${label} has no outcome`);
      return o;
    };

    test('THEN the model reads the rendered workloads: the server a singleton, the node agent a system component, two snapshot controllers spread with a budget', () => {
      const w = (label: string) => model.workloads.find((x) => x.label === label)!;
      expect([w('velero/velero (Deployment)')].map((x) => [x.declared, x.replicas, !!x.singleton])).toEqual([[false, 1, true]]);
      expect(!!w('velero/node-agent (DaemonSet)').systemComponent).toBe(true);
      const sc = w('kube-system/snapshot-controller (Deployment)');
      expect([sc.replicas, !!sc.spread, sc.pdbMin]).toEqual([2, true, 1]);
      expect(model.problems.filter((p) => typeof p.origin !== 'string' && p.origin.file.startsWith(`${DIR}/`))).toEqual([]);
    });

    test('THEN Velero is back after 42 s eviction + 10 s image pull + its 160 s readiness window = 212 s, within its own 240 s budget (over the site\'s 90 s)', () => {
      expect(VELERO_RECOVERY_SECONDS).toBe(212);
      expect(VELERO_RECOVERY_BUDGET.reason).toContain('42 s eviction + 10 s image pull + the chart\'s 160 s readiness window');
      expect(outcome('velero/velero (Deployment)')).toMatchObject({ outageSeconds: VELERO_RECOVERY_SECONDS, budgetSeconds: VELERO_RECOVERY_BUDGET.seconds, verdict: 'ok' });
      expect(VELERO_RECOVERY_SECONDS).toBeGreaterThan(model.cluster!.recoveryBudgetSeconds);
    });

    test('THEN the snapshot controller keeps one of two serving and the node agents lose only the pod of www1', () => {
      expect(outcome('kube-system/snapshot-controller (Deployment)')).toMatchObject({ before: 2, lost: 1, outageSeconds: 0 });
      expect(outcome('velero/node-agent (DaemonSet)')).toMatchObject({ before: 7, after: 6, verdict: 'ok' });
    });
  });

  test('GIVEN Longhorn\'s own recurring jobs WHEN rendered THEN hourly snapshots and daily backups still cover every default-group volume', () => {
    expect(parse(files.get('dist/longhorn/recurringjob-backup-daily.yaml')!).spec).toMatchObject({ task: 'backup', cron: '0 2 * * *', retain: 14, groups: ['default'] });
    expect(parse(files.get('dist/longhorn/recurringjob-snapshot-hourly.yaml')!).spec).toMatchObject({ task: 'snapshot', cron: '0 * * * *', retain: 24 });
  });
});
