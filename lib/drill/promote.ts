import type { JsonMap } from '../k8s/manifest';
import { DrillError } from './drill-error';
import { KubeApi, KubeResponse, MERGE_PATCH } from './kube-api';

/** The fields of an Argo Rollouts `Rollout` (argoproj.io/v1alpha1) that promotion reads. */
export interface RolloutObject {
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec: {
    readonly paused?: boolean;
    readonly strategy: { readonly blueGreen?: object; readonly canary?: { readonly steps?: readonly unknown[] } };
  };
  readonly status?: {
    readonly phase?: string;
    readonly message?: string;
    readonly pauseConditions?: readonly { readonly reason?: string }[] | null;
    readonly controllerPause?: boolean;
    readonly currentPodHash?: string;
    readonly stableRS?: string;
    readonly currentStepIndex?: number;
    readonly canary?: { readonly currentStepAnalysisRunStatus?: { readonly status?: string } };
  };
}

/** A JSON merge patch. */
export type MergePatch = JsonMap;

/** The patches one promotion sends: to the main resource, to the status subresource, and the unified one for Rollouts without it. */
export interface PromotePatches {
  readonly spec?: MergePatch;
  readonly status?: MergePatch;
  readonly unified: MergePatch;
}

/** The canary step index (upstream GetCurrentCanaryStep), undefined without canary steps. */
function canaryStepIndex(ro: RolloutObject): number | undefined {
  const steps = ro.spec.strategy.canary?.steps;
  if (!steps?.length) return undefined;
  return ro.status?.currentStepIndex ?? 0;
}

/**
 * The patches `kubectl argo rollouts promote [--full]` sends (argo-rollouts
 * pkg/kubectl-argo-rollouts/cmd/promote/promote.go, getPatches without the deprecated skip flags):
 * - full: `spec.paused=false` when paused; `status.promoteFull=true` when the new pods are not yet stable.
 * - otherwise: `spec.paused=false` when paused; on the status either clear `pauseConditions`
 *   (an inconclusive canary analysis also clears `controllerPause` and moves to the next step),
 *   or, for a canary with steps that is not paused, move to the next step.
 */
export function promotePatches(ro: RolloutObject, full: boolean): PromotePatches {
  const st = ro.status ?? {};
  const paused = ro.spec.paused === true;
  const unpause = paused ? { spec: { paused: false } } : undefined;
  if (full) {
    return {
      spec: unpause,
      status: st.currentPodHash !== st.stableRS ? { status: { promoteFull: true } } : undefined,
      unified: { spec: { paused: false }, status: { promoteFull: true } },
    };
  }
  const steps = ro.spec.strategy.canary?.steps?.length ?? 0;
  const next = (i: number) => (i < steps ? i + 1 : i);
  const index = canaryStepIndex(ro);
  const inconclusive = !!ro.spec.strategy.canary && st.canary?.currentStepAnalysisRunStatus?.status === 'Inconclusive';
  const conditions = st.pauseConditions?.length ?? 0;
  let status: MergePatch | undefined;
  let unified: MergePatch = { spec: { paused: false }, status: { pauseConditions: null } };
  if (inconclusive && conditions > 0 && st.controllerPause) {
    if (index !== undefined) status = { status: { pauseConditions: null, controllerPause: false, currentStepIndex: next(index) } };
  } else if (conditions > 0) {
    status = { status: { pauseConditions: null } };
  } else if (ro.spec.strategy.canary && index !== undefined) {
    status = { status: { pauseConditions: null, currentStepIndex: next(index) } };
    unified = { spec: { paused: false }, status: { pauseConditions: null, currentStepIndex: next(index) } };
  }
  return { spec: unpause, status, unified };
}

/** What a promote or abort did. */
export interface PromoteResult {
  /** `promoted`, `fully promoted`, `aborted`, or `not paused` (nothing was sent). */
  readonly action: 'promoted' | 'fully promoted' | 'aborted' | 'not paused';
  /** The Rollout after the patches (phase and message for the report). */
  readonly rollout: RolloutObject;
  /** `PATCH <path> <body>` of each request sent, for the report and tests. */
  readonly sent: readonly string[];
}

/** Whether an answer of the API server has the fields of a Rollout that promotion reads. */
function isRollout(body: unknown): body is RolloutObject {
  const o = body as { metadata?: { name?: unknown }; spec?: { strategy?: unknown } } | null;
  return typeof o === 'object' && o !== null && typeof o.metadata === 'object' && o.metadata !== null && typeof o.metadata.name === 'string' &&
    typeof o.spec === 'object' && o.spec !== null && typeof o.spec.strategy === 'object' && o.spec.strategy !== null;
}

/**
 * `body`, the answer to `method path`, as a Rollout; a DrillError naming the request and what the
 * answer was when it is not one (a proxy's page, an empty answer). After a patch (`patched`), the
 * request was accepted: the message says to look at the Rollout before promoting again.
 */
function rolloutIn(api: KubeApi, res: KubeResponse, method: string, path: string, what: string, patched: string | undefined): RolloutObject {
  const body: unknown = res.body;
  if (isRollout(body)) return body;
  const shown = body === undefined ? 'nothing' : JSON.stringify(body).slice(0, 80);
  const then = patched
    ? `; the request was accepted, so check the Rollout with ${patched} before running this again`
    : `; is ${api.server} the Kubernetes API server, with the Argo Rollouts CRDs installed?`;
  throw new DrillError(`${what}: ${method} ${path} answered ${res.status} with something that is not a Rollout (${shown})${then}`);
}

/** The command that shows a Rollout's state. */
const getCommand = (namespace: string, name: string) => `kubectl argo rollouts get rollout ${name} -n ${namespace}`;

const rolloutPath = (namespace: string, name: string) => `/apis/argoproj.io/v1alpha1/namespaces/${encodeURIComponent(namespace)}/rollouts/${encodeURIComponent(name)}`;

/** GET the Rollout; a 404 says what to check. */
export async function getRollout(api: KubeApi, namespace: string, name: string): Promise<RolloutObject> {
  const path = rolloutPath(namespace, name);
  const res = await api.request('GET', path);
  if (res.status === 404) throw new DrillError(`no Rollout "${name}" in namespace ${namespace} at ${api.server}; is the app synced by Argo CD, with a blueGreen or canary strategy, and is the Argo Rollouts layer installed?`);
  if (res.status !== 200) throw api.refusal(res, 'GET', path, `read Rollout ${namespace}/${name}`);
  return rolloutIn(api, res, 'GET', path, `read Rollout ${namespace}/${name}`, undefined);
}

/**
 * Patches the status subresource; `fellBack` when it does not exist (404, Rollouts before v0.10):
 * the caller then patches the main resource instead, as upstream does.
 */
async function patchStatus(api: KubeApi, path: string, status: MergePatch, sent: string[], what: string, get: string): Promise<{ ro?: RolloutObject; fellBack: boolean }> {
  sent.push(`PATCH ${path}/status ${JSON.stringify(status)}`);
  const res = await api.request('PATCH', `${path}/status`, status, MERGE_PATCH);
  if (res.status === 404) return { fellBack: true };
  if (res.status < 200 || res.status >= 300) throw api.refusal(res, 'PATCH', `${path}/status`, what);
  return { ro: rolloutIn(api, res, 'PATCH', `${path}/status`, what, get), fellBack: false };
}

/** PATCH of the main resource, whose answer must be a Rollout. */
async function patchRollout(api: KubeApi, path: string, patch: MergePatch, sent: string[], what: string, get: string): Promise<RolloutObject> {
  sent.push(`PATCH ${path} ${JSON.stringify(patch)}`);
  const res = await api.request('PATCH', path, patch, MERGE_PATCH);
  if (res.status < 200 || res.status >= 300) throw api.refusal(res, 'PATCH', path, what);
  return rolloutIn(api, res, 'PATCH', path, what, get);
}

/** Promotes a paused Rollout like `kubectl argo rollouts promote [--full]`. */
export async function promoteRollout(api: KubeApi, namespace: string, name: string, full: boolean): Promise<PromoteResult> {
  let ro = await getRollout(api, namespace, name);
  const p = promotePatches(ro, full);
  const path = rolloutPath(namespace, name);
  const what = `promote Rollout ${namespace}/${name}`;
  const sent: string[] = [];
  let spec = p.spec;
  if (!spec && !p.status) return { action: 'not paused', rollout: ro, sent };
  const get = getCommand(namespace, name);
  if (p.status) {
    const r = await patchStatus(api, path, p.status, sent, what, get);
    if (r.fellBack) spec = p.unified;
    else ro = r.ro ?? ro;
  }
  if (spec) ro = await patchRollout(api, path, spec, sent, what, get);
  return { action: full ? 'fully promoted' : 'promoted', rollout: ro, sent };
}

/** Aborts a Rollout like `kubectl argo rollouts abort`: `status.abort=true`; the stable version stays active. */
export async function abortRollout(api: KubeApi, namespace: string, name: string): Promise<PromoteResult> {
  await getRollout(api, namespace, name);
  const path = rolloutPath(namespace, name);
  const patch = { status: { abort: true } };
  const sent: string[] = [];
  const what = `abort Rollout ${namespace}/${name}`;
  const get = getCommand(namespace, name);
  const r = await patchStatus(api, path, patch, sent, what, get);
  const ro = r.ro ?? (await patchRollout(api, path, patch, sent, what, get));
  return { action: 'aborted', rollout: ro, sent };
}

/** One line per result: `rollout 'whiteboard' promoted (phase Progressing: ...)`. */
export function formatPromoteResult(r: PromoteResult): string {
  const st = r.rollout.status;
  const state = st?.phase ? ` (phase ${st.phase}${st.message ? `: ${st.message}` : ''})` : '';
  if (r.action === 'not paused') return `rollout '${r.rollout.metadata.name}' is not paused: nothing to promote${state}; use --full to skip the remaining steps`;
  return `rollout '${r.rollout.metadata.name}' ${r.action}${state}`;
}
