import { ANNOTATIONS } from '../../lib/gitops/argocd';
import { HA_ANNOTATIONS } from '../../lib/ha/annotations';
import { loadManifests } from '../../lib/k8s/manifest-yaml';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { renderSite } from '../../lib/synth';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { shippedRender, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const layerObjects = (files: readonly RenderedFile[]): Obj[] => files.filter((f) => f.path.startsWith('dist/upgrades/')).flatMap((f) => loadManifests(f.content, f.path) as Obj[]);

describe('upgrades layer', () => {
  const objects = layerObjects(shippedRender());
  const find = (kind: string, name: string): Obj => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`dist/upgrades has no ${kind}/${name}`);
    return o;
  };
  const controller = find('Deployment', 'system-upgrade-controller');
  const pod = controller.spec.template.spec;

  test('GIVEN the layer WHEN rendered THEN it holds the namespace, the upstream controller objects without their namespace, a PDB and the two Plans', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/system-upgrade-controller', 'ClusterRole/system-upgrade-controller-drainer',
      'ClusterRoleBinding/system-upgrade', 'ClusterRoleBinding/system-upgrade-drainer',
      'ConfigMap/default-controller-env', 'Deployment/system-upgrade-controller', 'Namespace/system-upgrade',
      'Plan/agent-plan', 'Plan/server-plan', 'PodDisruptionBudget/system-upgrade-controller',
      'Role/system-upgrade-controller', 'RoleBinding/system-upgrade', 'ServiceAccount/system-upgrade',
    ]);
    // One owner per object: the layer's namespace, not the upstream copy.
    expect(find('Namespace', 'system-upgrade').metadata.labels['platform.tsys/layer']).toBe('upgrades');
  });

  test('GIVEN upgrade Jobs are privileged WHEN rendered THEN the namespace enforces the privileged pod security level', () => {
    expect(find('Namespace', 'system-upgrade').metadata.labels).toEqual({
      'app.kubernetes.io/part-of': 'tsys-platform',
      'platform.tsys/layer': 'upgrades',
      'pod-security.kubernetes.io/audit': 'privileged',
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/warn': 'privileged',
    });
  });

  test('GIVEN the pinned tag WHEN rendered THEN the controller runs the image of that tag (not the stale one of the root kustomization) and provides the Plan API', () => {
    expect(pod.containers[0].image).toBe('rancher/system-upgrade-controller:v0.20.1');
    expect(controller.metadata.annotations[ANNOTATIONS.providesApis]).toBe('upgrade.cattle.io/*');
  });

  test('GIVEN the controller elects a leader WHEN rendered THEN two replicas run on different servers and a drain evicts at most one', () => {
    expect(find('ConfigMap', 'default-controller-env').data.SYSTEM_UPGRADE_CONTROLLER_LEADER_ELECT).toBe('true');
    expect(controller.spec.replicas).toBe(2);
    expect(controller.metadata.annotations[HA_ANNOTATIONS.singleton]).toBeUndefined();
    expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toContainEqual({ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' });
    expect(find('PodDisruptionBudget', 'system-upgrade-controller').spec).toEqual({ minAvailable: 1, selector: { matchLabels: controller.spec.selector.matchLabels } });
  });

  test('GIVEN the controller WHEN rendered THEN it has resources and runs non-root with a read-only root, writing only to its /tmp emptyDir', () => {
    const c = pod.containers[0];
    expect(c.resources).toEqual({ requests: { cpu: '25m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true,
      runAsGroup: 65534, runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.volumeMounts).toContainEqual({ mountPath: '/tmp', name: 'tmp' });
    expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: {} });
  });

  test('GIVEN the controller serves no port and reads the host CA bundles WHEN rendered THEN exactly those two rules are waived, each with why', () => {
    expect(pod.containers[0].ports).toBeUndefined();
    expect(pod.volumes.filter((v: Obj) => v.hostPath).map((v: Obj) => v.hostPath.path)).toEqual(['/etc/ssl', '/etc/pki', '/etc/ca-certificates']);
    expect(pod.containers[0].volumeMounts.filter((m: Obj) => m.name.startsWith('etc-')).every((m: Obj) => m.readOnly === true)).toBe(true);
    const exempt = controller.metadata.annotations[HA_ANNOTATIONS.exempt].split('; ').map((e: string) => e.split(':')[0]);
    expect(exempt).toEqual(['ha/host-namespaces', 'ha/probes']);
    expect(controller.metadata.annotations[HA_ANNOTATIONS.systemComponent]).toBeUndefined();
  });

  test('GIVEN the server Plan WHEN rendered THEN it upgrades one cordoned server at a time to the pinned k3s, tolerating the server taint', () => {
    expect(find('Plan', 'server-plan').spec).toEqual({
      concurrency: 1,
      cordon: true,
      nodeSelector: { matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'In', values: ['true'] }] },
      tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }],
      serviceAccountName: 'system-upgrade',
      upgrade: { image: 'rancher/k3s-upgrade' },
      version: 'v1.33.5+k3s1',
    });
  });

  test('GIVEN the agent Plan WHEN rendered THEN it drains one agent at a time, includes the R&D node, and waits for the server Plan', () => {
    expect(find('Plan', 'agent-plan').spec).toEqual({
      concurrency: 1,
      cordon: true,
      drain: { force: true, skipWaitForDeleteTimeout: 60, timeout: '10m' },
      nodeSelector: { matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }] },
      tolerations: [{ key: 'platform.tsys/rnd', operator: 'Exists' }],
      prepare: { image: 'rancher/k3s-upgrade', args: ['prepare', 'server-plan'] },
      serviceAccountName: 'system-upgrade',
      upgrade: { image: 'rancher/k3s-upgrade' },
      version: 'v1.33.5+k3s1',
    });
  });

  test('GIVEN the Plans WHEN rendered THEN they sync in wave 1, after the controller that registers their CRD, without a dry run', () => {
    for (const name of ['server-plan', 'agent-plan']) {
      expect(find('Plan', name).metadata.annotations).toEqual({
        [ANNOTATIONS.syncWave]: '1',
        [ANNOTATIONS.syncOptions]: 'SkipDryRunOnMissingResource=true',
      });
    }
    expect(controller.metadata.annotations[ANNOTATIONS.syncWave]).toBeUndefined();
  });

  test('GIVEN every object WHEN validated against the strict schemas THEN there is no problem', () => {
    const registry = new SchemaRegistry();
    for (const o of objects) expect([`${o.kind}/${o.metadata.name}`, registry.validate(o)]).toEqual([`${o.kind}/${o.metadata.name}`, []]);
  });

  test('GIVEN a k3s patch release in site.yaml WHEN rendered THEN both Plans move every node to it', () => {
    const o = layerObjects(renderSite(siteWith((s) => { s.versions = { k3s: 'v1.33.6+k3s1' }; })));
    expect(o.filter((x) => x.kind === 'Plan').map((p) => p.spec.version)).toEqual(['v1.33.6+k3s1', 'v1.33.6+k3s1']);
  });

  test('GIVEN a controller tag that is not vendored WHEN rendered THEN synth refuses and says how to vendor it', () => {
    expect(() => renderSite(siteWith((s) => { s.versions = { 'system-upgrade-controller': 'v0.21.0' }; })))
      .toThrow('system-upgrade-controller is pinned to v0.21.0, but vendor/lock.yaml vendors v0.20.1; run npm run vendor -- system-upgrade-controller v0.21.0 (or pin v0.20.1)');
  });
});
