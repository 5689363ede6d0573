import { parse } from 'yaml';
import { renderSite } from '../../lib/synth';
import { shippedSite, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('logging layer', () => {
  const site = shippedSite();
  const files = new Map(renderSite(site).map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => parse(files.get(p)!);
  const loki = obj('dist/logging/application-loki-chart.yaml');
  const alloy = obj('dist/logging/application-alloy-chart.yaml');

  test('GIVEN Loki WHEN rendered THEN it runs 3 replicas with replication factor 3, one per node (chart default), a PDB, Longhorn volumes and chunks in the site object store', () => {
    expect(loki.spec.source).toMatchObject({ chart: 'loki', repoURL: 'https://grafana-community.github.io/helm-charts', targetRevision: '18.11.0' });
    const v = loki.spec.source.helm.valuesObject;
    expect(v.deploymentMode).toBe('Monolithic');
    expect(v.singleBinary.replicas).toBe(3);
    expect(v.singleBinary.affinity).toBeUndefined(); // the chart's required anti-affinity on kubernetes.io/hostname stays
    expect(v.singleBinary.podDisruptionBudget).toEqual({ enabled: true, maxUnavailable: 1 });
    expect(v.singleBinary.persistence).toEqual({ enabled: true, storageClass: 'longhorn', size: '10Gi' });
    expect(v.loki.commonConfig.replication_factor).toBe(3);
    expect(v.loki.storage).toEqual({ type: 's3', bucketNames: { chunks: 'loki', ruler: 'loki', admin: 'loki' }, s3: { region: 'minio', endpoint: 'minio.nas.turnsys.com:9000', s3ForcePathStyle: true, insecure: false } });
    expect(v.loki.limits_config.retention_period).toBe(site.logging.retention);
    // The chart renders the gateway's PodDisruptionBudget only with a number: `enabled` alone renders none.
    expect(v.gateway).toEqual({ replicas: 2, podDisruptionBudget: { enabled: true, maxUnavailable: 1 } });
    expect(v.singleBinary.extraEnvFrom).toEqual([{ secretRef: { name: 'loki-s3' } }]);
    const es = obj('dist/logging/externalsecret-loki-s3.yaml');
    expect(es.spec.data.map((d: Obj) => [d.secretKey, d.remoteRef])).toEqual([
      ['AWS_ACCESS_KEY_ID', { key: 'minio-velero', property: 'username' }],
      ['AWS_SECRET_ACCESS_KEY', { key: 'minio-velero', property: 'password' }],
    ]);
  });

  test('GIVEN Alloy WHEN rendered THEN it is a DaemonSet on every node (servers and R&D included) shipping its node\'s pod logs to Loki', () => {
    const v = alloy.spec.source.helm.valuesObject;
    expect(v.controller.type).toBe('daemonset');
    expect(v.controller.tolerations).toEqual([{ key: 'CriticalAddonsOnly', operator: 'Exists', effect: 'NoExecute' }, { key: 'platform.tsys/rnd', operator: 'Exists' }]);
    expect(v.controller.extraAnnotations['platform.tsys/system-component']).toMatch(/one per node/);
    expect(v.alloy.mounts.varlog).toBe(true);
    expect(v.alloy.configMap.content).toContain('url = "http://loki-gateway.logging.svc.cluster.local/loki/api/v1/push"');
    expect(v.alloy.configMap.content).toContain('field = "spec.nodeName=" + sys.env("NODE_NAME")');
    expect(v.alloy.extraEnv).toEqual([{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }]);
    expect(Number(alloy.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBeGreaterThan(Number(loki.metadata.annotations['argocd.argoproj.io/sync-wave']));
  });

  test('GIVEN a site without an object store WHEN rendered THEN synth stops and says how to add one', () => {
    expect(() => renderSite(siteWith((s) => { delete s.backups.s3; }))).toThrow(/backups\.s3: .*MinIO on the NAS/);
  });
});
