import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { parseApp } from '../../lib/config/load-apps';
import { scenarioText } from '../../lib/ha/report';
import { scheduledJobOutcomes, scheduledJobs } from '../../lib/ha/scheduled-jobs';
import { simulate } from '../../lib/ha/simulate';
import { WORKER_WITHOUT_PROBE_REASON } from '../../lib/paas/worker-app';
import { renderSiteAnalysed } from '../../lib/synth';
import { verifyTree } from '../../lib/verify/verify';
import { shippedSite, withSynthesizedApps } from '../helpers';

const site = shippedSite();

/** A worker with a metrics port, an exec probe with its own timing, a binding and a volume-free HPA. */
const MAILER = [
  'kind: worker', 'environment: prod', 'image: registry.turnsys.com/tsys/mailer:2.3.0',
  'command: [ mailer, consume ]',
  'ports: [ { name: metrics, port: 9100 } ]', 'metrics: { port: metrics }',
  'health: { command: [ mailer, ping ], periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 4 }',
  'secrets: { SMTP_PASSWORD: "bitwarden:mailer-smtp#password" }',
  'databases: [ { engine: redis } ]',
].join('\n');
/** A worker with nothing to probe. */
const SWEEPER = ['kind: worker', 'environment: sit', 'image: registry.turnsys.com/tsys/sweeper:1.0.0'].join('\n');
/** A cronjob with every cron field, a binding and a ReadWriteOnce volume. */
const NIGHTLY = [
  'kind: cronjob', 'environment: prod', 'image: registry.turnsys.com/tsys/reports:1.8.0', 'args: [ nightly ]',
  'cron: { schedule: "30 2 * * 1-5", timeZone: Europe/Paris, concurrencyPolicy: Replace, successfulJobsHistory: 5, failedJobsHistory: 2, backoffLimit: 3, activeDeadlineSeconds: 3600 }',
  'health: { command: [ reports, alive ] }',
  'databases: [ { engine: postgresql } ]',
  'volumes: [ { name: spool, mountPath: /spool, size: 1Gi } ]',
].join('\n');
const APPS: Record<string, string> = { mailer: MAILER, sweeper: SWEEPER, nightly: NIGHTLY };

describe('app kinds: workers and cronjobs', () => {
  const specs = Object.keys(APPS).map((n) => parseApp(APPS[n], `apps/${n}.yaml`, site));
  const { files, model } = renderSiteAnalysed(site, undefined, specs);
  const folder = (app: string) => files.filter((f) => f.path.startsWith(`dist/workloads/${app}/`));
  const obj = (file: string) => parse(files.find((f) => f.path === file)!.content);
  const kinds = (app: string) => folder(app).map((f) => parse(f.content).kind).sort();

  test('GIVEN a worker WHEN rendered THEN it is a Deployment with exec probes and its timing, spread and a budget, and no Service or route', () => {
    expect(kinds('mailer')).toEqual(['Deployment', 'ExternalSecret', 'NetworkPolicy', 'NetworkPolicy', 'PodDisruptionBudget', 'PodMonitor']);
    const deployment = obj('dist/workloads/mailer/deployment-mailer.yaml');
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(container.ports).toEqual([{ name: 'metrics', containerPort: 9100, protocol: 'TCP' }]);
    expect(container.readinessProbe).toEqual({ exec: { command: ['mailer', 'ping'] }, periodSeconds: 30, failureThreshold: 4, timeoutSeconds: 5 });
    expect(container.livenessProbe).toEqual({ exec: { command: ['mailer', 'ping'] }, periodSeconds: 30, failureThreshold: 4, timeoutSeconds: 5 });
    expect(container.startupProbe).toEqual({ exec: { command: ['mailer', 'ping'] }, periodSeconds: 2, failureThreshold: 30, timeoutSeconds: 5 });
    expect(container.env.map((e: { name: string }) => e.name)).toEqual(['REDIS_HOST', 'REDIS_PORT', 'REDIS_NAME', 'REDIS_PASSWORD', 'REDIS_USER', 'SMTP_PASSWORD']);
    expect(pod.topologySpreadConstraints).toHaveLength(1);
    expect(deployment.spec.replicas).toBe(2);
    expect(folder('mailer').map((f) => path.basename(f.path)).filter((f) => f.startsWith('networkpolicy-'))).toEqual(['networkpolicy-mailer-from-prometheus.yaml', 'networkpolicy-mailer-to-dbaas.yaml']);
  });

  test('GIVEN a worker without ports or health.command WHEN rendered THEN it has no probe and says why, as the ha/probes exemption', () => {
    expect(kinds('sweeper')).toEqual(['Deployment', 'PodDisruptionBudget']);
    const deployment = obj('dist/workloads/sweeper/deployment-sweeper.yaml');
    const [container] = deployment.spec.template.spec.containers;
    expect(Object.keys(container).filter((k) => k.endsWith('Probe') || k === 'ports')).toEqual([]);
    expect(deployment.metadata.annotations['platform.tsys/ha-exempt']).toBe(`ha/probes: ${WORKER_WITHOUT_PROBE_REASON}`);
    expect(model.workloads.find((w) => w.name === 'sweeper')!.exempt.get('ha/probes')).toBe(WORKER_WITHOUT_PROBE_REASON);
  });

  test('GIVEN a cronjob WHEN rendered THEN it is a CronJob with its cron fields and the web app pod template, restartPolicy OnFailure, no spread, no budget', () => {
    expect(kinds('nightly')).toEqual(['CronJob', 'ExternalSecret', 'NetworkPolicy', 'PersistentVolumeClaim']);
    const cronJob = obj('dist/workloads/nightly/cronjob-nightly.yaml');
    expect(cronJob.apiVersion).toBe('batch/v1');
    const { jobTemplate, ...spec } = cronJob.spec;
    expect(spec).toEqual({ schedule: '30 2 * * 1-5', timeZone: 'Europe/Paris', concurrencyPolicy: 'Replace', successfulJobsHistoryLimit: 5, failedJobsHistoryLimit: 2 });
    expect(jobTemplate.spec.backoffLimit).toBe(3);
    expect(jobTemplate.spec.activeDeadlineSeconds).toBe(3600);
    const pod = jobTemplate.spec.template.spec;
    expect(pod.restartPolicy).toBe('OnFailure');
    expect(pod.topologySpreadConstraints).toBeUndefined();
    // The pod template a web app or worker gets: the same security context and dead-node tolerations.
    const worker = obj('dist/workloads/mailer/deployment-mailer.yaml').spec.template.spec;
    expect(pod.securityContext).toEqual(worker.securityContext);
    expect(pod.tolerations).toEqual(worker.tolerations);
    const [container] = pod.containers;
    expect(container.securityContext).toEqual(worker.containers[0].securityContext);
    expect(container.resources).toEqual(worker.containers[0].resources);
    expect(container.args).toEqual(['nightly']);
    expect(container.readinessProbe).toBeUndefined();
    expect(container.livenessProbe.exec.command).toEqual(['reports', 'alive']);
    expect(container.volumeMounts).toContainEqual({ name: 'vol-spool', mountPath: '/spool' });
    expect(pod.volumes).toContainEqual({ name: 'vol-spool', persistentVolumeClaim: { claimName: 'nightly-spool' } });
    expect(container.env.map((e: { name: string }) => e.name)).toEqual(['POSTGRESQL_HOST', 'POSTGRESQL_PORT', 'POSTGRESQL_NAME', 'POSTGRESQL_PASSWORD', 'POSTGRESQL_USER']);
  });

  test('GIVEN the render WHEN the N-1 report is written THEN it lists the worker among the workloads and the cronjob under Scheduled jobs', () => {
    const report = files.find((f) => f.path === 'reports/failure-simulation.md')!.content;
    expect(report).toContain('## Scheduled jobs');
    expect(report).toContain('| prod/nightly | "30 2 * * 1-5" (Europe/Paris) | Replace | 3 | www1, www2, www3 |');
    expect(report).toContain('- prod/nightly (CronJob): next run "30 2 * * 1-5" (Europe/Paris) on a surviving node (www1, www3); a run in progress on www2 is retried as a new pod once it is evicted (backoffLimit 3)');
    expect(report).toMatch(/\| prod\/mailer \(Deployment\) \| 2 \| 2 \| 0 \|/);
    expect(report).not.toMatch(/nightly.*\*\*/);
    const www2 = simulate(model.cluster!, model.workloads, ['www2']);
    expect(scenarioText(model, www2)).toContain('  prod/nightly (CronJob): next run "30 2 * * 1-5" (Europe/Paris) on a surviving node (www1, www3)');
  });

  test('GIVEN a cronjob only a lost node may run WHEN simulated THEN its runs are missed: a violation, unless it is declared outside HA', () => {
    const [job] = scheduledJobs(model);
    const pinned = { ...job, nodeSelector: { 'kubernetes.io/hostname': 'www2' } };
    const [lost] = scheduledJobOutcomes(model.cluster!, [pinned], ['www2']);
    expect(lost).toMatchObject({ affected: true, violation: true, survivors: [] });
    expect(lost.why).toBe('no surviving node can run it: every run "30 2 * * 1-5" (Europe/Paris) is missed until www2 returns');
    expect(scheduledJobOutcomes(model.cluster!, [{ ...pinned, outsideHa: 'R&D app' }], ['www2'])[0].violation).toBe(false);
    expect(scheduledJobOutcomes(model.cluster!, [pinned], ['www3'])[0]).toMatchObject({ affected: false, violation: false });
  });

  test('GIVEN the worker and the cronjob in a checkout WHEN synthesized THEN verify, its HA rules and the N-1 simulation pass', () => {
    withSynthesizedApps(APPS, (root) => {
      expect(verifyTree(root)).toEqual([]);
      expect(fs.readFileSync(path.join(root, 'reports', 'failure-simulation.md'), 'utf8')).toContain('prod/nightly (CronJob)');
    });
  });
});
