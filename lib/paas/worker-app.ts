import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { AppSpec } from '../config/app-schema';
import { platformContext } from '../context';
import { CalledApp, calledApps } from './calls';
import { appNetworkPolicies } from './network-policies';
import { podTemplate } from './pod-template';
import { probeHandler } from './probes';
import {
  AppMetrics, appAvailability, appDatabaseEntries, appPodMonitor, appSecretAndVolumes, appWorkload, workloadHashLabel,
} from './app-parts';

export interface WorkerAppProps {
  /** The validated app spec (apps/<name>.yaml) of a `kind: worker` app. */
  readonly spec: AppSpec;
  /**
   * The apps it calls (`calls`), resolved (lib/paas/calls.ts).
   * @default - resolved against the apps of the platform context
   */
  readonly calls?: readonly CalledApp[];
}

/** Why a worker without a probe is exempt from ha/probes (the annotation and the fact say it). */
export const WORKER_WITHOUT_PROBE_REASON = 'a worker without ports or health.command: nothing to probe, no Service sends it traffic, and Kubernetes restarts its container when the process exits';

/**
 * A worker of the PaaS (`kind: worker`): a process that runs continuously and serves nothing,
 * e.g. a queue consumer. The same Deployment (rolling, recreate) or Rollout (canary, by
 * replicas: no Services to switch) as a web app, with the same pod template, spread,
 * PodDisruptionBudget, autoscaler, volumes, secrets and bindings; no Service, no route, no
 * ingress but Prometheus's to its metrics port (scraped through a PodMonitor). Without ports or
 * `health.command` it has no probe, declared as an exemption from ha/probes with the reason.
 */
export class WorkerApp extends Construct {
  /** The Deployment or Rollout. */
  public readonly workload: ApiObject;
  /** The pod template as rendered (Kubernetes JSON): the recovery estimate reads it. */
  public readonly podTemplate: Record<string, unknown>;
  /** What Prometheus scrapes (a PodMonitor `<app>`) when the spec has `metrics`. */
  public readonly metrics?: AppMetrics;

  constructor(scope: Construct, id: string, props: WorkerAppProps) {
    super(scope, id);
    const app = props.spec;
    if (app.kind !== 'worker') throw new Error(`${this.node.path}: app "${app.name}" is a ${app.kind} app, not a worker; render it with its own construct (WorkloadChart picks it)`);
    const { site } = platformContext(this);
    const bindings = appSecretAndVolumes(this, app, site);
    this.podTemplate = podTemplate(app, site, workloadHashLabel(app));
    const exempt: Record<string, string> = probeHandler(app) ? {} : { 'ha/probes': WORKER_WITHOUT_PROBE_REASON };
    this.workload = appWorkload(this, app, site, this.podTemplate, undefined, exempt);
    appAvailability(this, app);
    appNetworkPolicies(this, app, bindings, undefined, props.calls ?? calledApps(app, platformContext(this).apps));
    appDatabaseEntries(this, app, bindings);
    this.metrics = appPodMonitor(this, app);
  }
}
