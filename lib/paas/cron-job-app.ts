import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { AppSpec } from '../config/app-schema';
import { platformContext } from '../context';
import { appNamespace } from './conventions';
import { CalledApp, calledApps } from './calls';
import { appNetworkPolicies } from './network-policies';
import { podTemplate } from './pod-template';
import { appDatabaseEntries, appHaAnnotations, appSecretAndVolumes, declareAppHa } from './app-parts';

export interface CronJobAppProps {
  /** The validated app spec (apps/<name>.yaml) of a `kind: cronjob` app. */
  readonly spec: AppSpec;
  /**
   * The apps it calls (`calls`), resolved (lib/paas/calls.ts).
   * @default - resolved against the apps of the platform context
   */
  readonly calls?: readonly CalledApp[];
}

/**
 * A scheduled job of the PaaS (`kind: cronjob`): a batch/v1 CronJob whose runs (Jobs) use the
 * pod template a web app uses (security context, resources, env, secrets, bindings, volumes,
 * dead-node tolerations) with `restartPolicy: OnFailure` and no spread (one pod per run). The
 * schedule, time zone, concurrency policy, history limits, retries (`backoffLimit`) and deadline
 * come from `cron`. No Service, no PodDisruptionBudget (a Job's pod is not kept running: a run
 * on a lost node is retried as a new pod elsewhere, within backoffLimit); the egress allows a web
 * app gets, no ingress.
 *
 * A ReadWriteOnce volume is allowed: each run's pod attaches it on its node. With the default
 * `concurrencyPolicy: Forbid` one run at a time mounts it; a retry on another node (after a node
 * loss) waits until the volume is detached from the lost one.
 */
export class CronJobApp extends Construct {
  /** The CronJob. */
  public readonly workload: ApiObject;
  /** The pod template of each run as rendered (Kubernetes JSON). */
  public readonly podTemplate: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: CronJobAppProps) {
    super(scope, id);
    const app = props.spec;
    if (app.kind !== 'cronjob' || !app.cron) throw new Error(`${this.node.path}: app "${app.name}" is not a cronjob with a cron schedule; the app rules require \`cron\` for kind cronjob`);
    const { site } = platformContext(this);
    const cron = app.cron;
    const bindings = appSecretAndVolumes(this, app, site);
    // Job pods carry no revision hash: the hash label only matters to a spread, which a run has none of.
    this.podTemplate = podTemplate(app, site, 'controller-uid');
    this.workload = new ApiObject(this, 'cronjob', {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: app.name, namespace: appNamespace(app), ...appHaAnnotations(app, site) },
      spec: {
        schedule: cron.schedule,
        ...(cron.timeZone ? { timeZone: cron.timeZone } : {}),
        concurrencyPolicy: cron.concurrencyPolicy,
        successfulJobsHistoryLimit: cron.successfulJobsHistory,
        failedJobsHistoryLimit: cron.failedJobsHistory,
        jobTemplate: {
          spec: {
            backoffLimit: cron.backoffLimit,
            ...(cron.activeDeadlineSeconds ? { activeDeadlineSeconds: cron.activeDeadlineSeconds } : {}),
            template: this.podTemplate,
          },
        },
      },
    });
    declareAppHa(this.workload, app, site);
    appNetworkPolicies(this, app, bindings, undefined, props.calls ?? calledApps(app, platformContext(this).apps));
    appDatabaseEntries(this, app, bindings);
  }
}
