import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { EVICTION, worstCaseEvictionSeconds } from '../hosts/k3s-config';
import type { DrillMode, ExpectedRecovery } from './drill';

/**
 * Seconds Longhorn gets to detach a volume from the old node and attach it on the new one: the
 * platform's budget (the same as the Jenkins layer's), checked by this drill.
 */
export const VOLUME_MOVE_BUDGET_SECONDS = 60;
/** Kubernetes' default terminationGracePeriodSeconds. */
const DEFAULT_GRACE_SECONDS = 30;

interface Probe {
  readonly initialDelaySeconds?: number;
  readonly periodSeconds?: number;
  readonly failureThreshold?: number;
}
/** The fields of a rendered pod template the estimate reads. */
export interface PodTemplateSpec {
  readonly terminationGracePeriodSeconds?: number;
  readonly tolerations?: readonly { readonly key?: string; readonly effect?: string; readonly tolerationSeconds?: number }[];
  readonly volumes?: readonly { readonly persistentVolumeClaim?: object }[];
  readonly containers?: readonly { readonly startupProbe?: Probe; readonly readinessProbe?: Probe }[];
}

/** The worst case of a probe: initial delay plus every allowed failure (Kubernetes defaults: period 10 s, threshold 3). */
function probeWindow(p: Probe): number {
  return (p.initialDelaySeconds ?? 0) + (p.periodSeconds ?? 10) * (p.failureThreshold ?? 3);
}

/**
 * The recovery the pod template promises, worst case: for a power-off, the eviction (node
 * monitor grace and period plus the pod's toleration of an unreachable node); for a drain, the
 * old pod's termination grace; then the volume move budget when it mounts a claim; then the
 * startup window (startup probe, else readiness probe).
 */
export function expectedFromPodSpec(spec: PodTemplateSpec, mode: DrillMode): ExpectedRecovery {
  const parts: [number, string][] = [];
  if (mode === 'power-off') {
    const tol = spec.tolerations?.find((t) => t.key === 'node.kubernetes.io/unreachable' && (t.effect ?? 'NoExecute') === 'NoExecute')?.tolerationSeconds;
    const tolerationSeconds = tol ?? EVICTION.tolerationSeconds;
    parts.push([worstCaseEvictionSeconds({ ...EVICTION, tolerationSeconds }), `eviction (${EVICTION.nodeMonitorGracePeriodSeconds} s grace + ${EVICTION.nodeMonitorPeriodSeconds} s monitor + ${tolerationSeconds} s toleration)`]);
  } else {
    parts.push([spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS, 'termination grace']);
  }
  if (spec.volumes?.some((v) => v.persistentVolumeClaim)) parts.push([VOLUME_MOVE_BUDGET_SECONDS, 'volume move budget']);
  const c = spec.containers?.[0];
  const probe = c?.startupProbe ?? c?.readinessProbe;
  if (probe) parts.push([probeWindow(probe), c?.startupProbe ? 'startup probe window' : 'readiness probe window']);
  return { seconds: parts.reduce((sum, [s]) => sum + s, 0), explanation: parts.map(([s, what]) => `${s} s ${what}`).join(' + ') };
}

/** Every `.yaml` file under `dir`. */
function yamlFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? yamlFiles(p) : e.name.endsWith('.yaml') ? [p] : [];
  });
}

/**
 * The expected recovery of `app` from its rendered Deployment or Rollout in `distDir` (named
 * `<app>` in namespace `namespace`); undefined when it is not rendered there.
 */
export function expectedRecovery(distDir: string, app: string, namespace: string, mode: DrillMode): ExpectedRecovery | undefined {
  for (const file of yamlFiles(distDir)) {
    const text = fs.readFileSync(file, 'utf8');
    if (!text.includes(app)) continue;
    for (const doc of parseAllDocuments(text)) {
      const o = doc.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string }; spec?: { template?: { spec?: PodTemplateSpec } } } | null;
      if (!o || (o.kind !== 'Deployment' && o.kind !== 'Rollout') || o.metadata?.name !== app || o.metadata?.namespace !== namespace) continue;
      const spec = o.spec?.template?.spec;
      if (spec) return expectedFromPodSpec(spec, mode);
    }
  }
  return undefined;
}
