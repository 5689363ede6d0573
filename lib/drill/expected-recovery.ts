import * as fs from 'fs';
import * as path from 'path';
import { EVICTION } from '../hosts/k3s-config';
import { DEAD_NODE_TAINT_KEYS, RecoveryPod, recoveryFromPod } from '../ha/recovery';
import { asMap, isKind, valueAt } from '../k8s/manifest';
import { loadManifests } from '../k8s/manifest-yaml';
import { podSpecOf } from '../k8s/pod-template';
import { listFiles } from '../k8s/walk';
import type { DrillMode, ExpectedRecovery } from './drill';

/** Kubernetes' default terminationGracePeriodSeconds. */
const DEFAULT_GRACE_SECONDS = 30;

/** The fields of a rendered pod template the estimate reads. */
export interface PodTemplateSpec extends Partial<RecoveryPod> {
  readonly terminationGracePeriodSeconds?: number;
}

/**
 * The recovery the pod template promises, worst case, computed by the platform's one recovery
 * model (lib/ha/recovery.ts, the same numbers as docs/demo-whiteboard.md and synth's budget
 * check): for a power-off, the eviction (node monitor grace and period plus the pod's toleration
 * of a dead node; the API server's default when the pod sets none); for a drain, the old pod's
 * termination grace instead; then the volume move and image pull budgets, the startup window and
 * the first readiness probe.
 */
export function expectedFromPodSpec(spec: PodTemplateSpec, mode: DrillMode): ExpectedRecovery {
  const keys: readonly string[] = DEAD_NODE_TAINT_KEYS;
  const explicit = (spec.tolerations ?? []).filter((t) => keys.includes(t.key ?? '') && t.tolerationSeconds !== undefined);
  const tolerations = explicit.length === keys.length
    ? spec.tolerations
    : keys.map((key) => ({ key, effect: 'NoExecute', tolerationSeconds: EVICTION.tolerationSeconds }));
  const drainGrace = mode === 'drain' ? spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS : undefined;
  const estimate = recoveryFromPod({ tolerations, containers: spec.containers?.length ? spec.containers : [{}], volumes: spec.volumes }, EVICTION, drainGrace);
  return { seconds: estimate.totalSeconds, explanation: estimate.steps.map((s) => `${s.seconds} s ${s.step}`).join(' + ') };
}

/**
 * The expected recovery of `app` from its rendered Deployment or Rollout in `distDir` (named
 * `<app>` in namespace `namespace`); undefined when it is not rendered there.
 */
export function expectedRecovery(distDir: string, app: string, namespace: string, mode: DrillMode): ExpectedRecovery | undefined {
  for (const file of listFiles(distDir).filter((f) => f.endsWith('.yaml'))) {
    const text = fs.readFileSync(path.join(distDir, file), 'utf8');
    if (!text.includes(app)) continue;
    for (const doc of loadManifests(text, file)) {
      const o = asMap(doc);
      if (!o || (!isKind(o, 'apps', 'Deployment') && !isKind(o, 'argoproj.io', 'Rollout'))) continue;
      if (valueAt(o, 'metadata.name') !== app || valueAt(o, 'metadata.namespace') !== namespace) continue;
      const spec = podSpecOf(o);
      if (spec) return expectedFromPodSpec(spec as PodTemplateSpec, mode);
    }
  }
  return undefined;
}
