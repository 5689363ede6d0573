import { HA_ANNOTATIONS } from '../../lib/ha/annotations';
import { loadManifests } from '../../lib/k8s/manifest-yaml';
import { shippedRender } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('secrets layer', () => {
  const rendered = shippedRender();
  const objects = rendered.filter((f) => f.path.startsWith('dist/secrets/')).flatMap((f) => loadManifests(f.content, f.path) as Obj[]);
  const find = (kind: string, name: string): Obj => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`dist/secrets has no ${kind}/${name}`);
    return o;
  };
  const esoComponents = [
    { deployment: 'external-secrets', container: 'external-secrets', pdb: 'external-secrets-pdb' },
    { deployment: 'external-secrets-webhook', container: 'webhook', pdb: 'external-secrets-webhook-pdb' },
    { deployment: 'external-secrets-cert-controller', container: 'cert-controller', pdb: 'external-secrets-cert-controller-pdb' },
  ];
  const esoContainer = (deployment: string, name: string): Obj => find('Deployment', deployment).spec.template.spec.containers.find((c: Obj) => c.name === name);

  test('GIVEN the External Secrets APIs WHEN rendered THEN the admission webhook every ExternalSecret passes through announces them (not the cert controller, the chart\'s first Deployment)', () => {
    const announcing = esoComponents.filter(({ deployment }) => find('Deployment', deployment).metadata.annotations?.['platform.tsys/provides-apis']);
    expect(announcing.map((c) => c.deployment)).toEqual(['external-secrets-webhook']);
    expect(find('Deployment', 'external-secrets-webhook').metadata.annotations['platform.tsys/provides-apis']).toBe('external-secrets.io/*,generators.external-secrets.io/*');
  });

  test('GIVEN the External Secrets chart WHEN rendered THEN controller, webhook and cert controller each run two replicas on two nodes with a PDB, updated a new pod first with each revision spread on its own', () => {
    for (const { deployment, pdb } of esoComponents) {
      const d = find('Deployment', deployment);
      expect([deployment, d.spec.replicas]).toEqual([deployment, 2]);
      expect(d.spec.template.spec.topologySpreadConstraints).toEqual([{
        maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: d.spec.selector.matchLabels }, matchLabelKeys: ['pod-template-hash'],
      }]);
      expect(find('PodDisruptionBudget', pdb).spec).toEqual({ minAvailable: 1, selector: { matchLabels: d.spec.selector.matchLabels } });
      // Kubernetes' default (a surge pod first): the revision-counted spread gives it a worker beside an old pod while another is down (ha/rollout).
      expect([deployment, d.spec.strategy]).toEqual([deployment, undefined]);
    }
  });

  test('GIVEN two controllers and two cert controllers WHEN rendered THEN they elect a leader', () => {
    expect(esoContainer('external-secrets', 'external-secrets').args).toContain('--enable-leader-election=true');
    expect(esoContainer('external-secrets-cert-controller', 'cert-controller').args).toContain('--enable-leader-election=true');
  });

  test('GIVEN the chart leaves the controller without probes WHEN rendered THEN its health server answers readiness and liveness, and the webhook and cert controller have liveness probes too', () => {
    const controller = esoContainer('external-secrets', 'external-secrets');
    expect(controller.args).toContain('--live-addr=:8082');
    expect(controller.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'live' });
    expect(controller.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'live' });
    expect(controller.ports).toContainEqual({ name: 'live', containerPort: 8082, protocol: 'TCP' });
    for (const [deployment, name] of [['external-secrets-webhook', 'webhook'], ['external-secrets-cert-controller', 'cert-controller']]) {
      const c = esoContainer(deployment, name);
      expect([name, c.livenessProbe.httpGet]).toEqual([name, { path: '/healthz', port: 8081 }]);
      expect([name, c.readinessProbe.httpGet]).toEqual([name, { path: '/readyz', port: 'ready' }]);
    }
  });

  test('GIVEN every External Secrets container WHEN rendered THEN it requests CPU and memory, has a memory limit, and runs non-root, read-only, without privileges', () => {
    for (const { deployment, container } of esoComponents) {
      const c = esoContainer(deployment, container);
      expect([container, c.resources.requests.cpu, c.resources.requests.memory, c.resources.limits.memory].every(Boolean)).toBe(true);
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    }
    expect(esoContainer('external-secrets', 'external-secrets').resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } });
  });

  test('GIVEN the webhook certificate Secret WHEN rendered THEN it carries no data: the cert controller fills it in the cluster', () => {
    const secret = find('Secret', 'external-secrets-webhook');
    expect(secret.data).toBeUndefined();
    expect(secret.stringData).toBeUndefined();
  });

  test('GIVEN bw serve WHEN rendered THEN it runs two replicas spread over nodes, updated a new pod first, logs in to the site server with a hand-made bootstrap secret', () => {
    const d = find('Deployment', 'bitwarden-cli');
    expect(d.metadata.namespace).toBe('bitwarden');
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', matchLabelKeys: ['pod-template-hash'] });
    expect(d.spec.strategy).toBeUndefined();
    const env = d.spec.template.spec.containers[0].env;
    expect(env[0]).toEqual({ name: 'BW_HOST', value: 'https://bitwarden.turnsys.com' });
    expect(env.slice(1).filter((e: Obj) => e.valueFrom).map((e: Obj) => e.valueFrom.secretKeyRef.name)).toEqual(['bitwarden-cli-bootstrap', 'bitwarden-cli-bootstrap', 'bitwarden-cli-bootstrap']);
    expect(find('PodDisruptionBudget', 'bitwarden-cli').spec.minAvailable).toBe(1);
  });

  test('GIVEN the bw image declares no user WHEN rendered THEN bw serve runs as a fixed non-root user with a read-only root, its home and /tmp on emptyDirs, under the restricted profile, with no HA exemption', () => {
    const d = find('Deployment', 'bitwarden-cli');
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(c.volumeMounts.map((m: Obj) => m.mountPath).sort()).toEqual(['/home/bw', '/tmp']);
    expect(pod.volumes.every((v: Obj) => v.emptyDir)).toBe(true);
    expect(c.env).toEqual(expect.arrayContaining([{ name: 'HOME', value: '/home/bw' }, { name: 'BITWARDENCLI_APPDATA_DIR', value: '/home/bw/appdata' }]));
    expect(d.metadata.annotations?.[HA_ANNOTATIONS.exempt]).toBeUndefined();
    expect(find('Namespace', 'bitwarden').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('GIVEN the Bitwarden server is unreachable WHEN the probes run THEN none of them asks the server (liveness reads the local /status), and the vault sync loop logs a failure and carries on', () => {
    const c = find('Deployment', 'bitwarden-cli').spec.template.spec.containers[0];
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) expect(JSON.stringify(probe)).not.toMatch(/sync/);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/status', port: 'http' });
    expect(c.command.slice(0, 2)).toEqual(['/bin/bash', '-c']);
    const script: string = c.command[2];
    // The sync runs beside bw serve, every two minutes; a failure is reported, never fatal.
    expect(script).toMatch(/^\( while sleep 120; do wget -q -O \/dev\/null --post-data='' http:\/\/127\.0\.0\.1:8087\/sync \|\| echo "[^"]+" >&2; done \) & exec \/entrypoint\.sh$/);
  });

  test('GIVEN bw serve has no authentication WHEN rendered THEN only the External Secrets namespace may reach it', () => {
    const np = find('NetworkPolicy', 'bitwarden-cli-from-external-secrets');
    expect(np.spec.podSelector).toEqual({});
    expect(np.spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'external-secrets' } } }], ports: [{ protocol: 'TCP', port: 8087 }] }]);
  });

  test('GIVEN the stores WHEN rendered THEN they read items by exact name from bw serve and sync after the chart objects', () => {
    const login = find('ClusterSecretStore', 'bitwarden-login');
    expect(login.spec.provider.webhook.url).toBe('http://bitwarden-cli.bitwarden.svc.cluster.local:8087/list/object/items?search={{ .remoteRef.key }}');
    expect(login.spec.provider.webhook.result.jsonPath).toBe('$.data.data[?@.name=="{{ .remoteRef.key }}"].login.{{ .remoteRef.property }}');
    expect(find('ClusterSecretStore', 'bitwarden-notes').spec.provider.webhook.result.jsonPath).toBe('$.data.data[?@.name=="{{ .remoteRef.key }}"].notes');
    expect(login.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('1');
  });
});
