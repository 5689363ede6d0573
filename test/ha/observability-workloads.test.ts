import { parse } from 'yaml';
import { haInputFromFiles } from '../../lib/ha/analysis';
import { buildHaModel, Workload } from '../../lib/ha/model';
import { Outcome, simulate } from '../../lib/ha/simulate';
import { SNAPSHOT_CONTROLLER_AFFINITY, VELERO_RECOVERY_BUDGET, VELERO_RECOVERY_SECONDS } from '../../lib/layers/backups';
import { renderSite } from '../../lib/synth';
import { shippedSite } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The chart and Git workloads of the monitoring, logging and backups layers, declared to the HA
 * checker: what the model reads from the rendered Applications, and what the node-failure
 * simulation makes of them.
 */
describe('HA declarations of the monitoring, logging and backups layers', () => {
  const rendered = renderSite(shippedSite());
  const files = new Map(rendered.map((f) => [f.path, f.content]));
  const model = buildHaModel(haInputFromFiles(rendered));
  const workload = (label: string): Workload => {
    const w = model.workloads.find((x) => x.label === label);
    if (!w) throw new Error(`${label} is not in the model`);
    return w;
  };
  const declared = (app: string): Obj[] => JSON.parse(parse(files.get(app)!).metadata.annotations['platform.tsys/workloads']);

  test('GIVEN the rendered Applications WHEN read THEN each declares its chart\'s workloads by the names the charts render', () => {
    const names = (app: string) => declared(app).map((d) => `${d.kind} ${d.name}`);
    expect(names('dist/monitoring/application-kube-prometheus-stack-chart.yaml').sort()).toEqual([
      'StatefulSet alertmanager-kube-prometheus-stack-alertmanager',
      'Deployment kube-prometheus-stack-grafana',
      'Deployment kube-prometheus-stack-kube-state-metrics',
      'Deployment kube-prometheus-stack-operator',
      'DaemonSet kube-prometheus-stack-prometheus-node-exporter',
      'StatefulSet prometheus-kube-prometheus-stack-prometheus',
    ].sort());
    expect(names('dist/logging/application-loki-chart.yaml').sort()).toEqual(['Deployment loki-gateway', 'StatefulSet loki']);
    expect(names('dist/logging/application-alloy-chart.yaml')).toEqual(['DaemonSet alloy']);
    expect(names('dist/backups/application-velero-chart.yaml').sort()).toEqual(['DaemonSet node-agent', 'Deployment velero']);
    expect(names('dist/backups/application-snapshot-controller-git.yaml')).toEqual(['Deployment snapshot-controller']);
    // Every declaration resolves: no ha/annotations problem on these Applications.
    expect(model.problems.filter((p) => typeof p.origin !== 'string' && /monitoring|logging|backups/.test(p.origin.file))).toEqual([]);
  });

  test.each([
    // label, replicas, hard spread, PDB minimum, singleton, system component
    ['monitoring/prometheus-kube-prometheus-stack-prometheus (StatefulSet)', 2, true, 1, false, false],
    ['monitoring/alertmanager-kube-prometheus-stack-alertmanager (StatefulSet)', 3, true, 2, false, false],
    ['monitoring/kube-prometheus-stack-grafana (Deployment)', 2, true, 1, false, false],
    ['monitoring/kube-prometheus-stack-operator (Deployment)', 1, false, undefined, true, false],
    ['monitoring/kube-prometheus-stack-kube-state-metrics (Deployment)', 1, false, undefined, true, false],
    ['monitoring/kube-prometheus-stack-prometheus-node-exporter (DaemonSet)', 0, false, undefined, false, true],
    ['logging/loki (StatefulSet)', 3, true, 2, false, false],
    ['logging/loki-gateway (Deployment)', 2, true, 1, false, false],
    ['logging/alloy (DaemonSet)', 0, false, undefined, false, true],
    ['velero/velero (Deployment)', 1, false, undefined, true, false],
    ['velero/node-agent (DaemonSet)', 0, false, undefined, false, true],
    ['kube-system/snapshot-controller (Deployment)', 2, true, 1, false, false],
  ])('GIVEN %s WHEN the model reads its values THEN replicas %d, hard spread %s, PDB minimum %s, singleton %s, system component %s', (label, replicas, spread, pdbMin, singleton, system) => {
    const w = workload(label);
    expect(w.declared).toBe(true);
    expect(w.replicas).toBe(replicas);
    expect(!!w.spread).toBe(spread);
    expect(w.pdbMin).toBe(pdbMin);
    expect(!!w.singleton).toBe(singleton);
    expect(!!w.systemComponent).toBe(system);
  });

  describe('GIVEN www1 (an agent) is lost', () => {
    const cluster = model.cluster!;
    const result = simulate(cluster, model.workloads, ['www1']);
    const outcome = (label: string): Outcome => {
      const o = result.outcomes.find((x) => x.label === label);
      if (!o) throw new Error(`${label} has no outcome`);
      return o;
    };

    test.each([
      ['monitoring/prometheus-kube-prometheus-stack-prometheus (StatefulSet)', 2, 1],
      ['monitoring/alertmanager-kube-prometheus-stack-alertmanager (StatefulSet)', 3, 2],
      ['monitoring/kube-prometheus-stack-grafana (Deployment)', 2, 1],
      ['logging/loki (StatefulSet)', 3, 2],
      ['logging/loki-gateway (Deployment)', 2, 1],
      ['kube-system/snapshot-controller (Deployment)', 2, 1],
    ])('THEN %s keeps %d - 1 = %d serving and has no outage', (label, before, kept) => {
      const o = outcome(label);
      expect(o).toMatchObject({ before, lost: 1, outageSeconds: 0 });
      expect(o.before - o.lost).toBe(kept);
      expect(o.why).toContain(`${kept} ${kept === 1 ? 'keeps' : 'keep'} serving`);
    });

    test('THEN Alertmanager and Loki wait for the node to return (hard anti-affinity, three agents), still at their PDB minimum', () => {
      for (const l of ['monitoring/alertmanager-kube-prometheus-stack-alertmanager (StatefulSet)', 'logging/loki (StatefulSet)']) {
        expect(outcome(l)).toMatchObject({ after: 2, verdict: 'degraded' });
        expect(outcome(l).why).toContain('required anti-affinity: every node it may run on already has one');
      }
    });

    test('THEN the singletons come back within their budgets: operator 82 s, kube-state-metrics 87 s (site 90 s), Velero 212 s (its own 240 s)', () => {
      expect(outcome('monitoring/kube-prometheus-stack-operator (Deployment)')).toMatchObject({ outageSeconds: 82, budgetSeconds: 90, verdict: 'ok' });
      expect(outcome('monitoring/kube-prometheus-stack-kube-state-metrics (Deployment)')).toMatchObject({ outageSeconds: 87, budgetSeconds: 90, verdict: 'ok' });
      expect(outcome('velero/velero (Deployment)')).toMatchObject({ outageSeconds: VELERO_RECOVERY_SECONDS, budgetSeconds: VELERO_RECOVERY_BUDGET.seconds, verdict: 'ok' });
      expect(VELERO_RECOVERY_SECONDS).toBe(212);
      // Over the site's budget: the own budget is what lets it pass.
      expect(VELERO_RECOVERY_SECONDS).toBeGreaterThan(cluster.recoveryBudgetSeconds);
    });

    test('THEN the DaemonSets lose only the pod of www1', () => {
      for (const l of ['monitoring/kube-prometheus-stack-prometheus-node-exporter (DaemonSet)', 'logging/alloy (DaemonSet)', 'velero/node-agent (DaemonSet)']) {
        expect(outcome(l)).toMatchObject({ before: 7, after: 6, verdict: 'ok' });
      }
    });
  });

  test('GIVEN the snapshot controller WHEN rendered THEN its Application patches in the declared anti-affinity and the layer renders its PodDisruptionBudget', () => {
    const app = parse(files.get('dist/backups/application-snapshot-controller-git.yaml')!);
    const [patch] = app.spec.source.kustomize.patches;
    expect(patch.target).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment', name: 'snapshot-controller' });
    expect(parse(patch.patch)).toMatchObject({ kind: 'Deployment', metadata: { name: 'snapshot-controller' }, spec: { template: { spec: { affinity: SNAPSHOT_CONTROLLER_AFFINITY } } } });
    expect(declared('dist/backups/application-snapshot-controller-git.yaml')[0].spread).toEqual({ affinity: { fixed: SNAPSHOT_CONTROLLER_AFFINITY, because: expect.stringContaining('kustomize patch') } });
    const pdb = parse(files.get('dist/backups/poddisruptionbudget-snapshot-controller.yaml')!);
    expect(pdb).toMatchObject({ metadata: { name: 'snapshot-controller', namespace: 'kube-system' }, spec: { minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'snapshot-controller' } } } });
  });
});
