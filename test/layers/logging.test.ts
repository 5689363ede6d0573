import { haInputFromFiles } from '../../lib/ha/analysis';
import { buildHaModel } from '../../lib/ha/model';
import { Outcome, simulate } from '../../lib/ha/simulate';
import { LOKI_PUSH_URL } from '../../lib/layers/logging';
import { loadManifests } from '../../lib/k8s/manifest-yaml';
import { renderSite } from '../../lib/synth';
import { shippedRender, shippedSite, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DIR = 'dist/logging/';
const LOKI = `${DIR}statefulset-loki.yaml`;
const GATEWAY = `${DIR}deployment-loki-gateway.yaml`;
const ALLOY = `${DIR}daemonset-alloy.yaml`;

describe('logging layer', () => {
  const site = shippedSite();
  const rendered = shippedRender();
  const files = new Map(rendered.map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => {
    const content = files.get(p);
    if (content === undefined) throw new Error(`${p} is not rendered`);
    return loadManifests(content, p)[0] as Obj;
  };
  const layer = [...files.keys()].filter((p) => p.startsWith(DIR)).map((p) => obj(p));
  const containers = (w: Obj): Obj[] => w.spec.template.spec.containers;
  const wave = (o: Obj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);

  test('GIVEN Loki in Monolithic mode WHEN rendered THEN the StatefulSet loki runs 3 replicas and the simple-scalable targets render no workload', () => {
    expect(obj(LOKI).spec.replicas).toBe(3);
    expect(layer.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind)).map((o) => `${o.kind} ${o.metadata.name}`).sort())
      .toEqual(['DaemonSet alloy', 'Deployment loki-gateway', 'StatefulSet loki']);
  });

  test('GIVEN Loki WHEN rendered THEN its replicas are required on different nodes, a PDB lets one go, and each keeps its index on a Longhorn volume', () => {
    const pod = obj(LOKI).spec.template.spec;
    expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([{
      labelSelector: { matchLabels: { 'app.kubernetes.io/component': 'single-binary', 'app.kubernetes.io/instance': 'loki', 'app.kubernetes.io/name': 'loki' } },
      topologyKey: 'kubernetes.io/hostname',
    }]);
    expect(obj(`${DIR}poddisruptionbudget-loki-single-binary.yaml`).spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/component': 'single-binary' } } });
    expect(obj(LOKI).spec.volumeClaimTemplates[0].spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'longhorn', resources: { requests: { storage: '10Gi' } } });
  });

  test('GIVEN Loki WHEN rendered THEN it replicates writes 3 times, keeps chunks in the site object store for the site retention, with the credentials from Bitwarden', () => {
    const config = loadManifests(obj(`${DIR}configmap-loki.yaml`).data['config.yaml'], 'config.yaml')[0] as Obj;
    expect(config.auth_enabled).toBe(false);
    expect(config.common.replication_factor).toBe(3);
    expect(config.common.storage.s3).toEqual({ bucketnames: 'loki', endpoint: 'minio.nas.turnsys.com:9000', insecure: false, region: 'minio', s3forcepathstyle: true });
    expect(config.limits_config.retention_period).toBe(site.logging.retention);
    expect(config.compactor).toEqual({ delete_request_store: 's3', retention_enabled: true });
    expect(containers(obj(LOKI))[0].envFrom).toEqual([{ secretRef: { name: 'loki-s3' } }]);
    const es = obj(`${DIR}externalsecret-loki-s3.yaml`);
    expect(es.spec.data.map((d: Obj) => [d.secretKey, d.remoteRef])).toEqual([
      ['AWS_ACCESS_KEY_ID', { key: 'minio-velero', property: 'username' }],
      ['AWS_SECRET_ACCESS_KEY', { key: 'minio-velero', property: 'password' }],
    ]);
    expect(wave(es)).toBeLessThan(wave(obj(LOKI)));
  });

  test('GIVEN the Loki gateway WHEN rendered THEN two nginx pods run required on different nodes, rolled one at a time, with a PDB the chart renders only from a number, and a liveness probe on nginx\'s own answer', () => {
    const g = obj(GATEWAY);
    expect(g.spec.replicas).toBe(2);
    expect(g.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    // One pod at a time, no surge: the surge pod would have no node while a worker is down (ha/rollout).
    expect(g.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    expect(obj(`${DIR}poddisruptionbudget-loki-gateway.yaml`).spec.maxUnavailable).toBe(1);
    const nginx = containers(g).find((c) => c.name === 'nginx')!;
    expect(nginx.livenessProbe).toEqual({ httpGet: { path: '/', port: 'http' }, initialDelaySeconds: 15, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 });
    expect(obj(`${DIR}configmap-loki-gateway.yaml`).data['nginx.conf']).toMatch(/location = \/ \{\s+return 200 'OK';/);
  });

  test('GIVEN Loki\'s and its gateway\'s containers WHEN rendered THEN each has CPU and memory requests, a memory limit, both probes and a read-only root', () => {
    for (const w of [obj(LOKI), obj(GATEWAY)]) {
      for (const c of containers(w)) {
        expect([c.name, c.resources?.requests?.cpu, c.resources?.requests?.memory, c.resources?.limits?.memory]).toEqual([c.name, expect.any(String), expect.any(String), expect.any(String)]);
        expect([c.name, !!c.readinessProbe, !!c.livenessProbe, c.securityContext.readOnlyRootFilesystem]).toEqual([c.name, true, true, true]);
      }
    }
    expect(containers(obj(LOKI)).map((c) => [c.name, c.resources])).toEqual([
      ['loki', { requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '2Gi' } }],
      ['loki-sc-rules', { requests: { cpu: '10m', memory: '96Mi' }, limits: { memory: '256Mi' } }],
    ]);
  });

  test('GIVEN Alloy WHEN rendered THEN it is a DaemonSet on every node (servers and R&D included) shipping its node\'s pod logs to Loki\'s gateway', () => {
    const a = obj(ALLOY);
    expect(a.spec.template.spec.tolerations).toEqual([{ key: 'CriticalAddonsOnly', operator: 'Exists', effect: 'NoExecute' }, { key: 'platform.tsys/rnd', operator: 'Exists' }]);
    expect(a.spec.template.spec.volumes).toContainEqual({ name: 'varlog', hostPath: { path: '/var/log' } });
    const config: string = obj(`${DIR}configmap-alloy.yaml`).data['config.alloy'];
    expect(config).toContain(`url = "${LOKI_PUSH_URL}"`);
    expect(config).toContain('field = "spec.nodeName=" + sys.env("NODE_NAME")');
    expect(containers(a)[0].env).toContainEqual({ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
    expect(wave(a)).toBeGreaterThan(wave(obj(LOKI)));
  });

  test('GIVEN Alloy WHEN rendered THEN it is a system component with a reason, its containers sized, its own container probed, and only the config reloader (no probe value in the chart) exempt from the probe rule', () => {
    const a = obj(ALLOY);
    expect(a.metadata.annotations['platform.tsys/system-component']).toMatch(/one per node/);
    expect(a.metadata.annotations['platform.tsys/ha-exempt']).toMatch(/^ha\/probes: the config-reloader container .*no value for one/);
    const [alloy, reloader] = containers(a);
    expect([alloy.name, reloader.name]).toEqual(['alloy', 'config-reloader']);
    expect(alloy.livenessProbe).toEqual({ httpGet: { path: '/-/ready', port: 12345, scheme: 'HTTP' }, initialDelaySeconds: 30, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 5 });
    expect(alloy.readinessProbe.httpGet.path).toBe('/-/ready');
    expect(alloy.resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    expect(reloader.resources).toEqual({ requests: { cpu: '10m', memory: '50Mi' }, limits: { memory: '64Mi' } });
  });

  describe('GIVEN www1 (an agent) is lost', () => {
    const model = buildHaModel(haInputFromFiles(rendered));
    const result = simulate(model.cluster!, model.workloads, ['www1']);
    const outcome = (label: string): Outcome => {
      const o = result.outcomes.find((x) => x.label === label);
      if (!o) throw new Error(`${label} has no outcome`);
      return o;
    };

    test('THEN Loki\'s third replica moves to a server it tolerates (hard anti-affinity kept), the gateway keeps 1 of 2, Alloy loses only the pod of www1', () => {
      expect(outcome('logging/loki (StatefulSet)')).toMatchObject({ before: 3, lost: 1, after: 3, outageSeconds: 0, verdict: 'ok' });
      expect(outcome('logging/loki-gateway (Deployment)')).toMatchObject({ before: 2, lost: 1, outageSeconds: 0, verdict: 'ok' });
      expect(outcome('logging/alloy (DaemonSet)')).toMatchObject({ before: 7, after: 6, verdict: 'ok' });
    });
  });

  test('GIVEN a site without an object store WHEN rendered unvalidated THEN the layer calls it a programming error (the site rule, fixture backups-s3-missing, says how to add one)', () => {
    expect(() => renderSite(siteWith((s) => { delete s.backups.s3; }))).toThrow(/^programming error: the site has no backups\.s3, which the site rules \(lib\/config\/platform-rules\.ts\) require/);
  });
});
