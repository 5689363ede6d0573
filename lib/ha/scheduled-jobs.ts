import { blockedBy, ClusterModel, HaModel, ScheduledRuns } from './model';

/**
 * CronJobs in the node-failure simulation. A CronJob keeps nothing running between runs, so
 * there is nothing to spread or protect with a budget; what a node's loss does to it is: the
 * next run starts on a surviving node its pods may run on, and a run in progress on the lost
 * node is lost with it and retried as a new pod elsewhere once the pod is evicted (the failed
 * pod counts against the run's backoffLimit). With no surviving node to run on, runs are
 * missed until one returns.
 */

/** What losing some nodes does to one CronJob. */
export interface ScheduledJobOutcome {
  readonly job: ScheduledRuns;
  /** `namespace/name (CronJob)`. */
  readonly label: string;
  /** Whether a lost node could run its pods (else it is unaffected). */
  readonly affected: boolean;
  /** Surviving nodes its pods may run on. */
  readonly survivors: readonly string[];
  /** No surviving node can run it and it is not declared outside HA. */
  readonly violation: boolean;
  readonly why: string;
}

/** The CronJobs of the render (rendered pod templates of kind CronJob). */
export function scheduledJobs(model: HaModel): ScheduledRuns[] {
  return model.otherPods.flatMap((p) => (p.schedule ? [p.schedule] : []));
}

/** `"0 3 * * *" (Europe/Paris)`: when a CronJob runs. */
export function describeSchedule(job: ScheduledRuns): string {
  return `"${job.schedule}"${job.timeZone ? ` (${job.timeZone})` : ''}`;
}

/** Each CronJob's fate when the `failed` nodes are lost. */
export function scheduledJobOutcomes(cluster: ClusterModel, jobs: readonly ScheduledRuns[], failed: readonly string[]): ScheduledJobOutcome[] {
  const lost = new Set(failed);
  return jobs.map((job) => {
    const eligible = cluster.nodes.filter((n) => !blockedBy(job, n)).map((n) => n.name);
    const survivors = eligible.filter((n) => !lost.has(n));
    const affected = eligible.some((n) => lost.has(n));
    const label = `${job.namespace}/${job.name} (CronJob)`;
    const retry = `a run in progress on ${failed.join(', ')} is retried as a new pod once it is evicted (backoffLimit ${job.backoffLimit}${job.concurrencyPolicy === 'Forbid' ? '; concurrencyPolicy Forbid skips a run due before the retry ends' : ''})`;
    if (!affected) return { job, label, affected, survivors, violation: false, why: `cannot run on ${failed.join(', ')}` };
    if (survivors.length) return { job, label, affected, survivors, violation: false, why: `next run ${describeSchedule(job)} on a surviving node (${survivors.join(', ')}); ${retry}` };
    if (job.outsideHa) return { job, label, affected, survivors, violation: false, why: `no surviving node can run it, so runs are missed until ${failed.join(', ')} returns: ${job.outsideHa}` };
    return { job, label, affected, survivors, violation: true, why: `no surviving node can run it: every run ${describeSchedule(job)} is missed until ${failed.join(', ')} returns` };
  });
}
