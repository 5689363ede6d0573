import type { Clock } from './clock';
import type { Cluster, PodInfo } from './cluster';
import { DataMarker, fingerprint } from './data-marker';
import { DrillError, DrillInterrupted } from './drill-error';
import type { Prober } from './prober';

/** How the node fails: drained by the drill, or powered off by the operator. */
export type DrillMode = 'drain' | 'power-off';

/** The recovery the rendered settings promise, shown beside the measurement. */
export interface ExpectedRecovery {
  readonly seconds: number;
  /** How the number is made up, e.g. `42 s eviction + 60 s volume move + 60 s startup`. */
  readonly explanation: string;
}

export interface DrillOptions {
  readonly app: string;
  /** The app's namespace (its environment). */
  readonly namespace: string;
  /** The node to take away: the app's pod must run there. */
  readonly node: string;
  readonly mode: DrillMode;
  /** The URL probed every interval. */
  readonly url: string;
  /** Seconds from the start of the failure until the app must be back. */
  readonly timeoutSeconds: number;
  readonly intervalSeconds: number;
  readonly marker: DataMarker;
  readonly expected?: ExpectedRecovery;
  /** Aborting it (Ctrl-C) stops the drill with a DrillInterrupted saying what is left to undo. */
  readonly signal?: AbortSignal;
  /** Progress lines, as they happen. */
  readonly log: (line: string) => void;
}

export interface DrillDeps {
  readonly clock: Clock;
  readonly cluster: Cluster;
  readonly prober: Prober;
}

/** A stretch of failing probes, in seconds since the failure started. */
export interface FailingWindow {
  readonly fromSeconds: number;
  /** When the first successful probe after it came; undefined when it never ended. */
  readonly toSeconds?: number;
  /** The first probe error of the window. */
  readonly error: string;
}

export interface DrillReport {
  readonly app: string;
  readonly node: string;
  readonly mode: DrillMode;
  readonly url: string;
  /** The app answered again from a pod on another node within the timeout. */
  readonly cameBack: boolean;
  /** First failing probe until the first success after the last failing window; 0 when no probe failed. */
  readonly downtimeSeconds?: number;
  readonly windows: readonly FailingWindow[];
  /** Power-off: failure start until the node was seen NotReady. */
  readonly nodeNotReadySeconds?: number;
  /** Failure start until a new pod of the app was Ready on another node. */
  readonly rescheduleSeconds?: number;
  readonly newPod?: string;
  readonly newNode?: string;
  /** Undefined when the app never came back (not compared). */
  readonly dataSurvived?: boolean;
  readonly marker: string;
  /** PodDisruptionBudget refusals of evictions, once per distinct message. */
  readonly evictionRefusals: readonly string[];
  readonly expected?: ExpectedRecovery;
  /** The drill cordoned the node and uncordoned it again. */
  readonly uncordoned: boolean;
  /** What went wrong, one line each (empty on success). */
  readonly problems: readonly string[];
  /** 0 when the app came back and the data survived, 1 otherwise. */
  readonly exitCode: 0 | 1;
}

/** The label every rendered object of an app carries. */
export function appSelector(app: string): string {
  return `app.kubernetes.io/name=${app}`;
}

const live = (p: PodInfo) => !p.terminating && (p.phase === 'Running' || p.phase === 'Pending');
const seconds = (ms: number) => Math.round(ms / 100) / 10;

/**
 * Checks that the app's pod runs on `node`: returns those pods, or throws saying which node to
 * use instead.
 */
export async function podsOnNode(cluster: Cluster, app: string, namespace: string, node: string): Promise<PodInfo[]> {
  const pods = (await cluster.listPods(namespace, appSelector(app))).filter(live);
  if (!pods.length) throw new DrillError(`no running pod of the app "${app}" in namespace ${namespace} (label ${appSelector(app)}); is it deployed and synced in Argo CD?`);
  const here = pods.filter((p) => p.nodeName === node);
  if (!here.length) {
    const nodes = [...new Set(pods.map((p) => p.nodeName ?? '(not scheduled)'))].sort();
    throw new DrillError(`no pod of the app "${app}" runs on node ${node}: it runs on ${nodes.join(', ')}; use --node ${nodes.find((n) => n !== '(not scheduled)') ?? nodes[0]}`);
  }
  return here;
}

/** What to run when the drill stops half-way, for the interruption message. */
function undoAdvice(mode: DrillMode, node: string, cordoned: boolean): string {
  if (cordoned) return `node ${node} is still cordoned: run \`kubectl uncordon ${node}\` when you are done looking`;
  if (mode === 'power-off') return `nothing to undo in the cluster; power node ${node} on again if you powered it off`;
  return 'nothing to undo in the cluster';
}

/**
 * The node-failure drill: records the data marker, takes the node away (cordon and evict the
 * app's pods through the Eviction API, or wait while the operator powers it off until the node
 * is NotReady), probes the URL every interval until the app answers again from a new pod on
 * another node, compares the marker and uncordons. Never throws for an app that does not come
 * back or lost data: that is in the report (exit code 1). Throws a DrillError before anything
 * changed when the preconditions do not hold, and a DrillInterrupted when `signal` aborts.
 */
export async function runDrill(deps: DrillDeps, o: DrillOptions): Promise<DrillReport> {
  const { clock, cluster, prober } = deps;
  const interval = o.intervalSeconds * 1000;
  const timeout = o.timeoutSeconds * 1000;
  if (!(o.intervalSeconds > 0)) throw new DrillError(`--interval must be a positive number of seconds, not ${o.intervalSeconds}`);
  if (!(o.timeoutSeconds > 0)) throw new DrillError(`--timeout must be a positive number of seconds, not ${o.timeoutSeconds}`);

  // Preconditions: nothing has changed yet when one fails.
  const node = await cluster.getNode(o.node);
  if (node.ready !== 'True') throw new DrillError(`node ${o.node} is not Ready (Ready=${node.ready}); the drill starts from a healthy node`);
  if (node.unschedulable) throw new DrillError(`node ${o.node} is already cordoned; uncordon it first (kubectl uncordon ${o.node}) so the drill can tell its own changes apart`);
  const victims = await podsOnNode(cluster, o.app, o.namespace, o.node);
  const initial = new Set((await cluster.listPods(o.namespace, appSelector(o.app))).map((p) => p.name));
  const baseline = await prober.get(o.url);
  if (!baseline.ok) throw new DrillError(`the app does not answer at ${o.url} before the drill (${baseline.error}); the drill measures the recovery of a working app: fix it first, or pass the right --url`);
  const before = await o.marker.read();
  o.log(`drill: ${o.app} in ${o.namespace}: pod${victims.length > 1 ? 's' : ''} ${victims.map((p) => p.name).join(', ')} on ${o.node}; ${o.url} answers ${baseline.status}`);
  o.log(`drill: data marker ${o.marker.description}: ${fingerprint(before)}`);

  let cordoned = false;
  const checkInterrupt = () => {
    if (o.signal?.aborted) throw new DrillInterrupted(`drill interrupted; ${undoAdvice(o.mode, o.node, cordoned)}`);
  };
  checkInterrupt();

  const pending = new Set(o.mode === 'drain' ? victims.map((p) => p.name) : []);
  const refusals: string[] = [];
  if (o.mode === 'drain') {
    await cluster.cordon(o.node);
    cordoned = true;
    o.log(`drill: cordoned ${o.node}; evicting ${[...pending].join(', ')} (PodDisruptionBudgets are honoured)`);
  } else {
    o.log(`drill: POWER OFF node ${o.node} NOW (pull the plug or hard power-off, no shutdown); waiting up to ${o.timeoutSeconds} s`);
  }

  const start = clock.now();
  const at = () => clock.now() - start;
  let failureAt: number | undefined = o.mode === 'drain' ? 0 : undefined;
  let notReadyAt: number | undefined;
  let rescheduled: { at: number; pod: PodInfo } | undefined;
  let lastProbe = baseline;
  const windows: { from: number; to?: number; error: string }[] = [];
  let done = false;

  try {
    while (!done) {
      const t = at();
      if (t > timeout) break;
      for (const pod of [...pending]) {
        const r = await cluster.evict(o.namespace, pod);
        if (r.outcome === 'refused') {
          const line = `eviction of ${pod} refused: ${r.message}`;
          if (!refusals.includes(line)) {
            refusals.push(line);
            o.log(`drill: ${line}; retrying every ${o.intervalSeconds} s (a PodDisruptionBudget allows no disruption now)`);
          }
        } else {
          pending.delete(pod);
          o.log(`drill: +${seconds(at())} s ${pod} ${r.outcome === 'evicted' ? 'evicted' : 'already gone'}`);
        }
      }
      if (o.mode === 'power-off' && notReadyAt === undefined) {
        const n = await cluster.getNode(o.node);
        if (n.ready !== 'True') {
          notReadyAt = t;
          failureAt ??= t;
          o.log(`drill: +${seconds(t)} s node ${o.node} is NotReady (Ready=${n.ready})`);
        }
      }
      lastProbe = await prober.get(o.url);
      const open = windows.length && windows[windows.length - 1].to === undefined ? windows[windows.length - 1] : undefined;
      if (!lastProbe.ok && !open) {
        windows.push({ from: t, error: lastProbe.error ?? 'failed' });
        failureAt ??= t;
        o.log(`drill: +${seconds(t)} s ${o.url} fails (${lastProbe.error})`);
      } else if (lastProbe.ok && open) {
        open.to = t;
        o.log(`drill: +${seconds(t)} s ${o.url} answers again (${lastProbe.status}) after ${seconds(t - open.from)} s`);
      }
      if (!rescheduled) {
        const pods = await cluster.listPods(o.namespace, appSelector(o.app));
        const fresh = pods.find((p) => !initial.has(p.name) && p.ready && !p.terminating && p.nodeName && p.nodeName !== o.node);
        if (fresh) {
          rescheduled = { at: t, pod: fresh };
          o.log(`drill: +${seconds(t)} s ${fresh.name} is Ready on ${fresh.nodeName}`);
        }
      }
      done = lastProbe.ok && rescheduled !== undefined && pending.size === 0 && (o.mode === 'drain' || notReadyAt !== undefined);
      if (!done) {
        await clock.sleep(interval);
        checkInterrupt();
      }
    }
  } catch (e) {
    if (e instanceof DrillInterrupted || !cordoned) throw e;
    throw new DrillError(`${(e as Error).message}\n${undoAdvice(o.mode, o.node, cordoned)}`);
  }

  const problems: string[] = [];
  let dataSurvived: boolean | undefined;
  let markerLine = `${o.marker.description}: before ${fingerprint(before)}`;
  if (done) {
    let after: string | undefined;
    let readError = '';
    for (let attempt = 0; attempt < 3 && after === undefined; attempt++) {
      try {
        after = await o.marker.read();
      } catch (e) {
        readError = (e as Error).message;
        await clock.sleep(interval);
      }
    }
    dataSurvived = after === before;
    markerLine += after === undefined ? `, after unreadable (${readError})` : after === before ? ', after identical' : `, after ${fingerprint(after)}: DIFFERENT`;
    if (!dataSurvived) problems.push(`the data did not survive: ${markerLine}`);
  } else {
    const why = [
      pending.size ? `evictions still refused (${[...pending].join(', ')})` : '',
      o.mode === 'power-off' && notReadyAt === undefined ? `node ${o.node} never became NotReady (was it powered off?)` : '',
      !rescheduled ? `no new pod of ${o.app} became Ready on another node` : '',
      !lastProbe.ok ? `${o.url} still fails (${lastProbe.error})` : '',
    ].filter(Boolean);
    problems.push(`the app did not come back within ${o.timeoutSeconds} s: ${why.join('; ')}`);
  }

  let uncordoned = false;
  if (cordoned) {
    try {
      await cluster.uncordon(o.node);
      uncordoned = true;
      o.log(`drill: uncordoned ${o.node}`);
    } catch (e) {
      problems.push(`could not uncordon ${o.node} (${(e as Error).message}): run \`kubectl uncordon ${o.node}\``);
    }
  }

  const from = failureAt ?? 0;
  const last = windows[windows.length - 1];
  const downtime = !windows.length ? 0 : last.to === undefined ? undefined : last.to - windows[0].from;
  return {
    app: o.app,
    node: o.node,
    mode: o.mode,
    url: o.url,
    cameBack: done,
    downtimeSeconds: downtime === undefined ? undefined : seconds(downtime),
    windows: windows.map((w) => ({ fromSeconds: seconds(w.from), toSeconds: w.to === undefined ? undefined : seconds(w.to), error: w.error })),
    nodeNotReadySeconds: notReadyAt === undefined ? undefined : seconds(notReadyAt - from),
    rescheduleSeconds: rescheduled ? seconds(Math.max(0, rescheduled.at - from)) : undefined,
    newPod: rescheduled?.pod.name,
    newNode: rescheduled?.pod.nodeName,
    dataSurvived,
    marker: markerLine,
    evictionRefusals: refusals,
    expected: o.expected,
    uncordoned,
    problems,
    exitCode: done && dataSurvived ? 0 : 1,
  };
}
