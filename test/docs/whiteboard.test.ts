import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { replaceImage, resolveImage } from '../../lib/delivery/release';
import { EVICTION } from '../../lib/hosts/k3s-config';
import { IMAGE_PULL_BUDGET_SECONDS, recoveryFromPod, VOLUME_MOVE_BUDGET_SECONDS } from '../../lib/ha/recovery';
import { LOCK_FILE } from '../../lib/paas/lock';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { loadInputs, renderSite } from '../../lib/synth';
import { REPO, shippedRender, shippedSite } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What the assertions read: the render and the image the app spec in that checkout pins. */
interface Checkout {
  readonly files: readonly RenderedFile[];
  readonly specImage: string;
}

/** The image `apps/whiteboard.yaml` of a checkout pins. */
const specImageOf = (root: string): string => (parse(fs.readFileSync(path.join(root, 'apps', 'whiteboard.yaml'), 'utf8')) as { image: string }).image;

/**
 * A scratch copy of the shipped inputs (site.yaml, apps/, apps.lock.yaml) where the whiteboard is
 * released with `tag`, edited as npm run release edits it (resolveImage, replaceImage), rendered.
 */
function releasedCheckout(tag: string): Checkout {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'whiteboard-release-'));
  try {
    fs.copyFileSync(path.join(REPO, 'site.yaml'), path.join(root, 'site.yaml'));
    fs.copyFileSync(path.join(REPO, LOCK_FILE), path.join(root, LOCK_FILE));
    fs.cpSync(path.join(REPO, 'apps'), path.join(root, 'apps'), { recursive: true });
    const file = path.join(root, 'apps', 'whiteboard.yaml');
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, replaceImage(text, 'apps/whiteboard.yaml', resolveImage(specImageOf(REPO), tag)).text);
    const { site, apps, lock } = loadInputs(root);
    return { files: renderSite(site, undefined, apps, lock), specImage: specImageOf(root) };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** Rendered once, when first asked for. */
const once = <T>(f: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= f());
};
const released = once(() => releasedCheckout('v9.8.7'));

/** The shipped checkout, and one where the whiteboard was released: the same properties hold for both. */
const CHECKOUTS: readonly [string, () => Checkout][] = [
  ['the shipped checkout', () => ({ files: shippedRender(), specImage: specImageOf(REPO) })],
  ['a checkout where npm run release -- whiteboard v9.8.7 ran', released],
];

test('GIVEN a simulated release of the whiteboard THEN its spec pins the new tag of the same repository (the suite below runs on that checkout too)', () => {
  expect(released().specImage).toBe('lovasoa/wbo:v9.8.7');
  expect(parse(new Map(released().files.map((f) => [f.path, f.content])).get('dist/workloads/whiteboard/deployment-whiteboard.yaml')!).spec.template.spec.containers[0].image).toBe('lovasoa/wbo:v9.8.7');
});

describe.each(CHECKOUTS)('the whiteboard demo, in %s', (_label, checkout) => {
  const { files: rendered, specImage } = checkout();
  const files = new Map(rendered.map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => parse(files.get(p)!);
  const deployment = obj('dist/workloads/whiteboard/deployment-whiteboard.yaml');
  const pod = deployment.spec.template.spec;
  // The image the app spec pins: a release (npm run release) changes it, and this suite stays green.

  test('GIVEN apps/whiteboard.yaml WHEN rendered THEN WBO runs the image the spec pins (a WBO image), as uid 1000 on port 8080 (NET_BIND_SERVICE kept for its setcap node binary), one replica, Recreate, declared singleton', () => {
    expect(pod.containers[0]).toMatchObject({
      image: specImage,
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
      env: expect.arrayContaining([{ name: 'PORT', value: '8080' }]),
      securityContext: { runAsUser: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } },
      volumeMounts: [{ name: 'vol-boards', mountPath: '/opt/app/server-data' }, { name: 'scratch-0', mountPath: '/tmp' }],
    });
    expect(specImage).toMatch(/^lovasoa\/wbo:v\d+\.\d+\.\d+$/);
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(deployment.metadata.annotations['platform.tsys/singleton']).toMatch(/one ReadWriteOnce volume/);
    expect(files.has('dist/workloads/whiteboard/poddisruptionbudget-whiteboard.yaml')).toBe(false);
    expect(obj('dist/workloads/whiteboard/httproute-whiteboard.yaml').spec.hostnames).toEqual(['whiteboard.turnsys.com']);
  });

  test('GIVEN the boards volume WHEN rendered THEN it is a Longhorn claim with 3 replicas, and Longhorn deletes pods of a dead node so it can move', () => {
    expect(obj('dist/workloads/whiteboard/persistentvolumeclaim-whiteboard-boards.yaml').spec).toEqual({ storageClassName: 'longhorn', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    // Longhorn's manager reads its StorageClass and settings from the chart's ConfigMaps.
    const configMap = (name: string, key: string) => parse(obj(`dist/longhorn/configmap-${name}.yaml`).data[key]);
    expect(configMap('longhorn-storageclass', 'storageclass.yaml').parameters.numberOfReplicas).toBe('3');
    expect(configMap('longhorn-default-setting', 'default-setting.yaml')['node-down-pod-deletion-policy']).toBe('delete-both-statefulset-and-deployment-pod');
  });

  test('GIVEN the rendered pod WHEN its node dies THEN it is back within the site budget: 27 + 30 + 10 + 10 + 5 = 82 s < 90 s', () => {
    expect(pod.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
    ]);
    const estimate = recoveryFromPod(pod);
    expect(estimate.steps.map((s) => [s.step, s.seconds])).toEqual([
      ['eviction', EVICTION.nodeMonitorGracePeriodSeconds + EVICTION.nodeMonitorPeriodSeconds + 5],
      ['volume move', VOLUME_MOVE_BUDGET_SECONDS],
      ['image pull', IMAGE_PULL_BUDGET_SECONDS],
      ['start-up', pod.containers[0].startupProbe.periodSeconds * pod.containers[0].startupProbe.failureThreshold],
      ['ready', pod.containers[0].readinessProbe.periodSeconds],
    ]);
    expect(estimate.totalSeconds).toBe(82);
    expect(estimate.totalSeconds).toBeLessThan(shippedSite().ha.recoveryBudgetSeconds);
    // A pod without explicit tolerations cannot be estimated: the API server's default would apply silently.
    expect(() => recoveryFromPod({ containers: [{}] })).toThrow('does not tolerate');
  });

  test('GIVEN the render WHEN docs/demo-whiteboard.md is generated THEN it shows each step, the total against the budget, and the runbook', () => {
    const doc = files.get('docs/demo-whiteboard.md')!;
    expect(doc).toContain('| eviction | 27 | node-monitor-grace-period 20 s + node-monitor-period 2 s + the pod\'s not-ready/unreachable toleration 5 s |');
    expect(doc).toContain('| **total** | **82** | site budget `ha.recoveryBudgetSeconds`: 90 s (within) |');
    expect(doc).toContain('Power the node off hard');
    expect(doc).toContain('Reload the board: the drawing is there.');
    expect(doc).toContain('kubectl -n prod get pod -l app.kubernetes.io/name=whiteboard -o wide');
  });
});
