import { formatCpu, formatMemory, formatTaint } from '../k8s/scheduling';
import { tableCell as cell } from '../markdown-cell';
import { HA_ANNOTATIONS } from './annotations';
import { blockedBy, ClusterModel, HaModel, Workload } from './model';
import { evictionSeconds, IMAGE_PULL_BUDGET_SECONDS } from './recovery';
import { budgetOf, isViolation, Outcome, ScenarioResult, storageNodes } from './simulate';
import { describeSchedule, scheduledJobOutcomes, scheduledJobs } from './scheduled-jobs';
import { allHealthy, bringUpStages, deployability, DeployabilityResult, progressingLines, scenarioTitle } from './deployability';

/** Where synth writes the N-1 report: outside every Argo CD path. */
export const FAILURE_REPORT = 'reports/failure-simulation.md';

const secs = (n: number): string => (Number.isFinite(n) ? String(Math.round(n)) : 'never');
function roleLines(r: ScenarioResult): string[] {
  const lines: string[] = [];
  const alive = r.survivingServers;
  lines.push(r.quorum
    ? `etcd keeps quorum: ${alive.length} of ${r.servers} servers (${alive.join(', ')})`
    : `**etcd loses quorum**: ${alive.length} of ${r.servers} servers left (needs ${Math.floor(r.servers / 2) + 1}); the API stops and nothing is rescheduled until a server returns`);
  if (r.apiVip) {
    const v = r.apiVip;
    lines.push(!v.moves
      ? `API VIP: unaffected (kube-vip runs on ${v.holders.join(', ')})`
      : v.holders.length && Number.isFinite(v.seconds)
        ? `API VIP: kube-vip on ${v.holders.join(', ')} takes it over within ${v.seconds} s (its lease)`
        : `**API VIP lost**: ${v.holders.length ? 'no quorum to elect a holder' : 'no kube-vip left on a server'}`);
  }
  for (const [role, what] of [['lb-speaker', 'load-balancer speakers'], ['gateway-proxy', 'gateway proxies'], ['cluster-dns', 'cluster DNS'], ['metrics-api', 'metrics API']] as const) {
    for (const o of r.outcomes.filter((x) => x.workload.role === role && !x.label.includes('share manager'))) {
      lines.push(`${what} (${o.workload.namespace}/${o.workload.name}): ${o.before} before, ${o.after} after, ${o.before - o.lost} serving throughout${o.outageSeconds > 0 ? `, **unavailable ${Number.isFinite(o.outageSeconds) ? `${secs(o.outageSeconds)} s` : 'until a lost node returns'}**` : ', no outage'}`);
    }
  }
  return lines;
}

/** One scenario as a Markdown table (affected workloads) with the cluster lines above it. */
export function scenarioMarkdown(model: HaModel, r: ScenarioResult, d: DeployabilityResult = deployability(model, { kind: 'loss', lost: r.failed })): string {
  const cluster = model.cluster!;
  const title = r.failed.map((n) => `${n} (${cluster.nodes.find((x) => x.name === n)?.role})`).join(' and ');
  const out = [`## Losing ${title}`, '', ...roleLines(r).map((l) => `- ${l}`), ...deployabilityLines(d).map((l) => `- ${cell(l)}`), ''];
  const affected = r.outcomes.filter((o) => o.affected);
  const bad = affected.filter(isViolation);
  out.push(bad.length ? `**${bad.length} workload${bad.length === 1 ? '' : 's'} break the rules** (an outage, or a singleton over its budget).` : 'Every workload keeps running or recovers within its budget.');
  out.push('');
  out.push('| workload | before | after | outage s | why |', '|---|---:|---:|---:|---|');
  for (const o of affected) out.push(`| ${cell(o.label)}${o.singleton ? ' *singleton*' : ''} | ${o.before} | ${o.after} | ${isViolation(o) ? `**${secs(o.outageSeconds)}**` : secs(o.outageSeconds)} | ${cell(o.why)} |`);
  const untouched = r.outcomes.filter((o) => !o.affected);
  if (untouched.length) out.push('', `Cannot run on ${r.failed.join(', ')}, so unaffected: ${untouched.map((o) => o.label).join(', ')}.`);
  out.push(...scheduledJobLines(model, r).map((l, i) => (i === 0 ? `\n${l}` : `- ${cell(l)}`)));
  return `${out.join('\n')}\n`;
}

/**
 * The CronJobs a scenario touches (one a lost node could run), under a heading line: nothing of
 * theirs runs between runs, so they are listed apart from the workloads; none, no lines.
 */
function scheduledJobLines(model: HaModel, r: ScenarioResult): string[] {
  const cluster = model.cluster;
  if (!cluster) return [];
  const outcomes = scheduledJobOutcomes(cluster, scheduledJobs(model), r.failed).filter((o) => o.affected);
  if (!outcomes.length) return [];
  return [`Scheduled jobs (no pod between runs, so no spread or budget applies):`, ...outcomes.map((o) => `${o.violation ? '**' : ''}${o.label}${o.violation ? '**' : ''}: ${o.why}`)];
}

/** One scenario as a plain-text table for the terminal (`npm run whatif`). */
export function scenarioText(model: HaModel, r: ScenarioResult, all = false, d: DeployabilityResult = deployability(model, { kind: 'loss', lost: r.failed })): string {
  const rows = r.outcomes.filter((o) => all || o.affected);
  const head = ['workload', 'before', 'after', 'outage s', 'why'];
  const body = rows.map((o) => [`${isViolation(o) ? '! ' : '  '}${o.label}${o.singleton ? ' [singleton]' : ''}`, String(o.before), String(o.after), secs(o.outageSeconds), o.why]);
  const widths = head.slice(0, 4).map((h, i) => Math.max(h.length + (i === 0 ? 2 : 0), ...body.map((b) => b[i].length)));
  const line = (cols: string[]) => cols.map((c, i) => (i === 4 ? c : i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const title = `Losing ${r.failed.map((n) => `${n} (${model.cluster?.nodes.find((x) => x.name === n)?.role ?? 'unknown'})`).join(', ')}`;
  const bad = rows.filter(isViolation).length;
  return [
    title,
    '='.repeat(title.length),
    ...roleLines(r).map((l) => l.replace(/\*\*/g, '')),
    '',
    line([`  ${head[0]}`, ...head.slice(1)]),
    ...body.map(line),
    ...scheduledJobLines(model, r).map((l, i) => (i === 0 ? `\n${l}` : `  ${l.replace(/\*\*/g, '')}`)),
    '',
    bad ? `${bad} workload${bad === 1 ? '' : 's'} break the rules (marked !)` : 'no outage; every singleton recovers within its budget',
    ...deployabilityLines(d),
    '',
  ].join('\n');
}

/** One bring-up stage as plain text for the terminal (`npm run whatif -- --bring-up`). */
export function bringUpText(d: DeployabilityResult): string {
  const title = scenarioTitle(d.scenario).replace(/^b/, 'B');
  return [title, '='.repeat(title.length), ...deployabilityLines(d), ''].join('\n');
}

function nodeTable(cluster: ClusterModel, workloads: readonly Workload[]): string[] {
  const disks = new Set(storageNodes(cluster, workloads));
  return [
    '| node | role | taints | CPU | memory | Longhorn replicas |',
    '|---|---|---|---:|---:|---|',
    ...cluster.nodes.map((n) => `| ${n.name} | ${n.role} | ${n.taints.map(formatTaint).join(', ') || '-'} | ${formatCpu(n.cpuMillis)} | ${formatMemory(n.memoryBytes)} | ${disks.has(n.name) ? 'yes' : 'no'} |`),
  ];
}

/** The worst recovery of each singleton over the N-1 scenarios. */
function singletonTable(cluster: ClusterModel, results: readonly ScenarioResult[]): string[] {
  const worst = new Map<string, { o: Outcome; node: string }>();
  for (const r of results) {
    for (const o of r.outcomes.filter((x) => x.singleton && x.affected)) {
      const prev = worst.get(o.label);
      if (!prev || o.outageSeconds > prev.o.outageSeconds) worst.set(o.label, { o, node: r.failed.join(', ') });
    }
  }
  const rows = [...worst.values()].sort((a, b) => a.o.label.localeCompare(b.o.label));
  if (!rows.length) return ['No singletons.'];
  return [
    '| singleton | why one | worst recovery s (losing) | budget s |',
    '|---|---|---:|---|',
    ...rows.map(({ o, node }) => {
      const w = o.workload;
      const reason = o.label.includes('share manager') ? 'Longhorn serves an RWX volume from one share manager' : w.singleton ?? '';
      const budget = o.label.includes('share manager') ? `${cluster.recoveryBudgetSeconds}` : `${budgetOf(cluster, w)}${w.recoveryBudget ? ` (own: ${w.recoveryBudget.reason})` : ''}`;
      return `| ${cell(o.label)} | ${cell(reason)} | ${isViolation(o) ? `**${secs(o.outageSeconds)}**` : secs(o.outageSeconds)} (${node}) | ${cell(budget)} |`;
    }),
  ];
}

/** The CronJobs of the render, when there are any: when they run, where, and how a run is retried. */
function scheduledJobTable(cluster: ClusterModel, model: HaModel): string[] {
  const jobs = scheduledJobs(model);
  if (!jobs.length) return [];
  return [
    '## Scheduled jobs', '',
    'A CronJob runs nothing between runs: no spread or PodDisruptionBudget applies. Losing a node, its next run starts on a surviving node it may run on, and a run in progress there is retried as a new pod once the pod is evicted (counted against backoffLimit).', '',
    '| CronJob | schedule | concurrency | backoffLimit | may run on |',
    '|---|---|---|---:|---|',
    ...jobs.map((j) => `| ${cell(`${j.namespace}/${j.name}`)} | ${cell(describeSchedule(j))} | ${j.concurrencyPolicy} | ${j.backoffLimit} | ${cell(cluster.nodes.filter((n) => !blockedBy(j, n)).map((n) => n.name).join(', ') || '**no node**')} |`),
    '',
  ];
}

/** The Markdown report of the N-1 simulation: `reports/failure-simulation.md`. */
export function failureReport(model: HaModel, results: readonly ScenarioResult[]): string {
  const out = ['# Node-failure simulation (N-1)', '',
    'Rendered by `npm run synth` from the rendered `dist/` (the model `npm run verify` checks on every synth and in CI).',
    'Run other cases with `npm run whatif -- --fail <node>[,<node>]`. Placement is worst case for the lost node: each',
    'workload has as many pods there as its constraints allow (all of them when nothing keeps its replicas apart).', ''];
  const cluster = model.cluster;
  if (!cluster) {
    out.push('No node configuration was rendered (dist/hosts/<node>/config.yaml): nothing to simulate.');
    return `${out.join('\n')}\n`;
  }
  const e = cluster.eviction;
  const s = cluster.storage;
  out.push('## How recovery is computed', '',
    `- Budget: **${cluster.recoveryBudgetSeconds} s** per singleton (\`ha.recoveryBudgetSeconds\` in site.yaml); a singleton may declare its own with a reason (\`${HA_ANNOTATIONS.recoveryBudget}\`), listed below.`,
    `- Eviction: node-monitor-grace-period ${e.nodeMonitorGracePeriodSeconds} s + node-monitor-period ${e.nodeMonitorPeriodSeconds} s + the pod's unreachable toleration (default ${e.defaultUnreachableTolerationSeconds} s) = ${evictionSeconds(e, e.defaultUnreachableTolerationSeconds)} s by default (dist/hosts/<server>/config.yaml).`,
    '- Requests to pods on the lost node fail until it is marked unreachable; replicas elsewhere keep serving, so a workload whose survivors meet its PodDisruptionBudget minimum has no outage.',
    '- Deployments are replaced after eviction; a StatefulSet pod is replaced only when Longhorn force-deletes it (its pod uses a Longhorn volume); DaemonSet pods are per node.',
    s ? `- Longhorn (${s.origin.file}): ${s.replicaCount} replicas per volume, ${s.hardAntiAffinity ? 'hard' : 'soft'} anti-affinity, nodeDownPodDeletionPolicy ${s.nodeDownPodDeletionPolicy}, rwxVolumeFastFailover ${s.rwxFastFailover}; an RWO volume attaches elsewhere within the ${s.attachSeconds} s attach budget once the pod is evicted (a StatefulSet's pod also waits out its termination grace period: only then does Longhorn force-delete it and the StatefulSet recreate it).` : '- No replicated storage is declared.',
    `- Image pull on the new node: a ${IMAGE_PULL_BUDGET_SECONDS} s budget (Harbor's proxy cache on the LAN), the same as the recovery model (lib/ha/recovery.ts) and \`npm run drill\`.`,
    '- Start-up: the startup probe window and one readiness period, else the readiness probe\'s window (initial delay + failure threshold x period), or the declared figure of a chart.',
    '- Capacity: requests against each node\'s allocatable CPU and memory; a pod without requests counts as nothing, as the scheduler counts it.',
    '- Not modelled: pods operators create at run time that no declaration names (Rancher\'s fleet and webhook, Longhorn\'s instance managers and engine images, Jenkins\' build agents); scheduling latency; node architecture (amd64 assumed).',
    '', '## Nodes', '', ...nodeTable(cluster, model.workloads), '', '## Singletons', '', ...singletonTable(cluster, results), '', ...scheduledJobTable(cluster, model));
  const violations = [
    ...results.flatMap((r) => r.outcomes.filter(isViolation).map((o) => `losing ${r.failed.join(', ')}: ${o.label}`)),
    ...results.flatMap((r) => scheduledJobOutcomes(cluster, scheduledJobs(model), r.failed).filter((o) => o.violation).map((o) => `losing ${r.failed.join(', ')}: ${o.label} (no surviving node can run it)`)),
  ];
  out.push('## Verdict', '', violations.length ? `**${violations.length} problem${violations.length === 1 ? '' : 's'}**:\n\n${violations.map((v) => `- ${v}`).join('\n')}` : `No single node's loss causes an outage, and every singleton recovers within its budget (${results.length} nodes simulated).`, '');
  // Each loss's simulation is the N-1 result already at hand.
  const losses = results.map((r) => deployability(model, { kind: 'loss', lost: r.failed }, r));
  const stages = bringUpStages(cluster).map((st) => deployability(model, st));
  out.push('## Deployability (Argo CD health)', '',
    'Whether every Argo CD Application would be Healthy once pods are rescheduled, for each node lost and for each bring-up stage',
    '(the nodes that have joined, in site.yaml\'s order), and which Application holds its parent\'s sync waves back: a parent waits',
    'for a wave to be Healthy before the next, so the lowest-wave Application that is not Healthy holds back every later wave.',
    `Health follows Argo CD's rules for Deployments, StatefulSets and DaemonSets (DaemonSets: ${model.daemonSetHealth === 'one-unavailable' ? 'the platform\'s customisation in argocd-cm, one unavailable pod tolerated' : 'Argo CD\'s built-in rule, every pod on a registered node available'}); see docs/deployability.md.`,
    '', ...deployabilityTable([...losses, ...stages]), '');
  results.forEach((r, i) => out.push(scenarioMarkdown(model, r, losses[i])));
  for (const d of stages) out.push(bringUpMarkdown(d));
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

/** One scenario's Application health as lines (Markdown list items without the dash, or terminal lines). */
export function deployabilityLines(d: DeployabilityResult): string[] {
  const healthy = d.apps.filter((a) => a.health === 'Healthy').length;
  const lines = [allHealthy(d)
    ? `Argo CD: all ${d.apps.length} Applications Healthy once pods are rescheduled; no sync wave is held back`
    : `Argo CD: ${healthy} of ${d.apps.length} Applications Healthy once pods are rescheduled${d.quorum ? '' : ' (etcd has no quorum: nothing syncs)'}`];
  for (const h of d.holds) lines.push(`waves held back: in ${h.parent}, ${h.blocker} (wave ${h.wave}) is Progressing${h.held.length ? ` and holds back ${h.held.join(', ')}` : ' (no later wave)'}`);
  for (const l of progressingLines(d)) lines.push(`Progressing: ${l}`);
  return lines;
}

/** Markdown section of one bring-up stage. */
function bringUpMarkdown(d: DeployabilityResult): string {
  return [`## Bring-up: ${scenarioTitle(d.scenario).replace(/^bring-up with /, '')}`, '', ...deployabilityLines(d).map((l) => `- ${cell(l)}`), ''].join('\n');
}

/** The summary table of every scenario's Application health. */
function deployabilityTable(ds: readonly DeployabilityResult[]): string[] {
  return [
    '| scenario | Applications Healthy | Progressing | holds the waves back |',
    '|---|---:|---|---|',
    ...ds.map((d) => {
      const bad = d.apps.filter((a) => a.health !== 'Healthy').map((a) => a.app.name);
      const top = d.holds.find((h) => !d.apps.find((a) => a.app.name === h.parent)?.parent) ?? d.holds[0];
      return `| ${scenarioTitle(d.scenario)} | ${d.apps.length - bad.length} of ${d.apps.length} | ${bad.join(', ') || '-'} | ${top ? `${top.blocker} (wave ${top.wave} of ${top.parent})` : '-'} |`;
    }),
  ];
}
