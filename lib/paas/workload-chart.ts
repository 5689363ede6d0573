import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { AppSpec } from '../config/app-schema';
import { platformContext } from '../context';
import { declareReplayedFacts } from '../facts/declare';
import type { ObjectFacts } from '../facts/facts';
import { Inventory, InventoryCall } from '../inventory';
import type { ApiObject } from 'cdk8s';
import type { AppObject, AppRender, AppRenders, RecordedApplication } from '../render/app-renders';
import { workloadHashLabel } from './app-parts';
import { WebApp } from './web-app';
import { WorkerApp } from './worker-app';
import { CronJobApp } from './cron-job-app';
import { appLabels, appPath } from './conventions';
import { CalledApp, calledApps } from './calls';
import type { AppAllocation } from './lock';
import { podTemplate } from './pod-template';

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
  /**
   * The apps the app calls (`calls`), as its policies need them (lib/paas/calls.ts): part of the
   * inputs, so the render cache's key covers what the app's render reads of other apps' specs.
   * @default - resolved against the apps of the platform context (`calledApps`)
   */
  readonly calls?: readonly CalledApp[];
  /**
   * What apps left in the last synth (lib/render/app-renders.ts): an app whose inputs did not change
   * is not built; its Inventory calls and facts are given again and its documents rendered from there.
   * @default - the app is built
   */
  readonly renders?: AppRenders;
  /**
   * The Argo CD Application that syncs the app's folder (in the `owner` layer): its document is
   * recorded with the app's render, and taken from there while its metadata is the same.
   * @default - none
   */
  readonly application?: ApiObject;
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
  /** The app's construct, after its kind: a WebApp, WorkerApp or CronJobApp; none when the app was taken from its last render (`rendered`). */
  public readonly app?: WebApp | WorkerApp | CronJobApp;
  /** The app's objects as its last render left them, when the app was not built (its inputs did not change). */
  public readonly rendered?: readonly AppObject[];
  /** What the chart was built from: with the site, everything its objects depend on. */
  public readonly inputs: WorkloadChartProps;
  /** Where a built app's render is recorded, by the key of its inputs, with its Inventory calls. */
  private readonly recording?: { readonly renders: AppRenders; readonly key: string; readonly inventory: readonly InventoryCall[] };
  /** What an app taken from its last render left (its line of `renders`, under `key`). */
  private readonly replayed?: { readonly renders: AppRenders; readonly key: string; readonly render: AppRender };
  /** The document of the app's Application as this render serialised it (`recordApplication`). */
  private application?: RecordedApplication;

  constructor(scope: Construct, props: WorkloadChartProps) {
    super(scope, `workload-${props.spec.name}`, { disableResourceNameHashes: true, labels: appLabels(props.spec) });
    Object.defineProperty(this, WORKLOAD_SYMBOL, { value: true });
    const calls = props.calls ?? calledApps(props.spec, platformContext(this).apps);
    this.inputs = { ...props, calls };
    this.appName = props.spec.name;
    this.folder = appPath(props.spec.name);
    const spec = props.spec;
    const renders = props.renders;
    const key = renders?.keyOf(this.inputs, platformContext(this).site);
    const found = key === undefined ? undefined : renders?.get(key);
    // An entry naming another method than the Inventory's adds was not written by this code: build the app.
    if (found && renders && key !== undefined && Inventory.replayable(found.inventory)) {
      // Plain data as recorded below (the cache checked each line's hash and shape).
      Inventory.replay(this, found.inventory);
      declareReplayedFacts(this, found.facts as readonly (readonly [string, ObjectFacts])[]);
      this.rendered = found.objects;
      this.replayed = { renders, key, render: found };
      // Its files are the documents verified last time: verify vouches for them while their schemas are the same.
      renders.replayed(found);
      return;
    }
    const build = () => (spec.kind === 'worker' ? new WorkerApp(this, 'app', { spec, calls })
      : spec.kind === 'cronjob' ? new CronJobApp(this, 'app', { spec, calls })
        : new WebApp(this, 'app', { spec, allocation: props.allocation, pool: props.pool, owner: props.owner, calls }));
    // Recorded only for a cache that keeps what it records (synth's, not the diff's read-only one).
    if (!renders || key === undefined || renders.mode === 'read-only') {
      this.app = build();
      return;
    }
    let app: WebApp | WorkerApp | CronJobApp | undefined;
    const inventory = Inventory.record(this, () => {
      app = build();
    });
    this.app = app;
    this.recording = { renders, key, inventory };
  }

  /** The app's pod template, as its construct makes it (the same for an app taken from its last render). */
  public get podTemplate(): Record<string, unknown> {
    if (this.app) return this.app.podTemplate;
    const spec = this.inputs.spec;
    return podTemplate(spec, platformContext(this).site, spec.kind === 'cronjob' ? 'controller-uid' : workloadHashLabel(spec));
  }

  /**
   * Records the objects of a built app, as the render serialised them, with what its build added
   * to the Inventory and the facts its objects declared (`facts`), for the next synth.
   */
  public recordRender(objects: readonly AppObject[], facts: readonly (readonly [string, ObjectFacts])[]): void {
    if (this.recording) this.recording.renders.record(this.recording.key, { objects, inventory: this.recording.inventory, facts, ...(this.application ? { application: this.application } : {}) });
  }

  /**
   * The document of the app's Application (`inputs.application`) recorded with the app's last
   * render, when it was rendered with the same metadata (`metadata`: `inputsJson` of its
   * `metadata.toJson()`): the rest of it comes from the app's inputs and the code, which the
   * render's key covers.
   */
  public recordedApplication(metadata: string): RecordedApplication | undefined {
    const a = this.replayed?.render.application;
    return a && a.metadata === metadata ? a : undefined;
  }

  /**
   * Records the document of the app's Application as the render serialised it: with the app's
   * render when the app is built (`recordRender`, called after), or at once beside the objects of
   * an app taken from its last render (a cache that keeps what it records only).
   */
  public recordApplication(application: RecordedApplication): void {
    this.application = application;
    const r = this.replayed;
    if (r && r.renders.mode === 'write') r.renders.record(r.key, { ...r.render, application });
  }
}
