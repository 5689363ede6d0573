import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { AppSpec } from '../config/app-schema';
import { WebApp } from './web-app';
import { WorkerApp } from './worker-app';
import { CronJobApp } from './cron-job-app';
import { appLabels, appPath } from './conventions';
import type { AppAllocation } from './lock';

/** Marks workload charts (Chart overrides instanceof, see Layer). */
const WORKLOAD_SYMBOL = Symbol.for('tsys.platform.WorkloadChart');

export interface WorkloadChartProps {
  readonly spec: AppSpec;
  /** @default - none (the app exposes no TCP port) */
  readonly allocation?: AppAllocation;
  /** The MetalLB pool of app load balancers. */
  readonly pool: string;
  /** The layer whose Application syncs this folder (it registers the app's HAProxy entries). */
  readonly owner: string;
}

/**
 * One app's objects, rendered into `dist/workloads/<app>/` and synced by the app's own Argo CD
 * Application (project `apps`), not by a layer.
 */
export class WorkloadChart extends Chart {
  public static isWorkloadChart(x: unknown): x is WorkloadChart {
    return typeof x === 'object' && x !== null && (x as Record<symbol, boolean>)[WORKLOAD_SYMBOL] === true;
  }

  public readonly appName: string;
  /** Output folder relative to the repo root. */
  public readonly folder: string;
  /** The app's construct, after its kind: a WebApp, WorkerApp or CronJobApp. */
  public readonly app: WebApp | WorkerApp | CronJobApp;
  /** What the chart was built from: with the site, everything its objects depend on (the key of its cached render, lib/render/app-renders.ts). */
  public readonly inputs: WorkloadChartProps;

  constructor(scope: Construct, props: WorkloadChartProps) {
    super(scope, `workload-${props.spec.name}`, { disableResourceNameHashes: true, labels: appLabels(props.spec) });
    Object.defineProperty(this, WORKLOAD_SYMBOL, { value: true });
    this.inputs = props;
    this.appName = props.spec.name;
    this.folder = appPath(props.spec.name);
    const spec = props.spec;
    this.app = spec.kind === 'worker' ? new WorkerApp(this, 'app', { spec })
      : spec.kind === 'cronjob' ? new CronJobApp(this, 'app', { spec })
        : new WebApp(this, 'app', { spec, allocation: props.allocation, pool: props.pool, owner: props.owner });
  }
}
