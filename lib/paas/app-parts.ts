import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  IntOrString, KubeHorizontalPodAutoscalerV2, KubePersistentVolumeClaim, KubePodDisruptionBudget, Quantity,
} from 'cdk8s-plus-25/lib/imports/k8s';
import type { AppSpec } from '../config/app-schema';
import type { Site } from '../config/schema';
import { BitwardenSecret } from '../constructs/bitwarden-secret';
import { PlatformServiceMonitor } from '../constructs/service-monitor';
import { declareFacts } from '../facts/declare';
import { HA_ANNOTATIONS } from '../ha/annotations';
import { Inventory } from '../inventory';
import {
  appLabels, appNamespace, appStorageClass, claimName, envSecretName, isRndApp, rndOutsideHaReason, SINGLETON_ANNOTATION, selectorLabels,
} from './conventions';
import { DatabaseBinding, databaseBindings, envSecret } from './pod-template';

/**
 * The parts every kind of app renders the same way (WebApp, WorkerApp, CronJobApp): its
 * Bitwarden-filled Secret and volumes, its Deployment or Rollout (web and worker), its
 * disruption budget and autoscaler, its database entries in the Inventory, its PodMonitor.
 * Each adds its objects to the app's construct, in the order the app renders them.
 */

/** The Rollouts label on each revision's pods (the Deployment controller's is `pod-template-hash`). */
export const ROLLOUT_HASH_LABEL = 'rollouts-pod-template-hash';
export const DEPLOYMENT_HASH_LABEL = 'pod-template-hash';

/** Whether an app runs as an Argo Rollouts Rollout (blueGreen, canary) rather than a Deployment. */
export function isRollout(app: Pick<AppSpec, 'strategy'>): boolean {
  return app.strategy.type === 'blueGreen' || app.strategy.type === 'canary';
}

/** The label the controller puts on each revision's pods (the spread counts each revision on its own). */
export function workloadHashLabel(app: Pick<AppSpec, 'strategy'>): string {
  return isRollout(app) ? ROLLOUT_HASH_LABEL : DEPLOYMENT_HASH_LABEL;
}

/** One line on what the app is, for the Inventory: its description, else `app <name> (<environment>)`. */
export function appWhat(app: Pick<AppSpec, 'description' | 'name' | 'environment'>): string {
  return app.description ?? `app ${app.name} (${app.environment})`;
}

/**
 * The Secret of the app's secret variables and database logins (from Bitwarden), and a
 * PersistentVolumeClaim per volume. Returns the app's DBaaS bindings.
 */
export function appSecretAndVolumes(scope: Construct, app: AppSpec, site: Site): DatabaseBinding[] {
  const namespace = appNamespace(app);
  const bindings = databaseBindings(app, site);
  const secret = envSecret(app, site);
  if (Object.keys(secret.data).length || Object.keys(secret.templates).length) {
    new BitwardenSecret(scope, 'env', {
      name: envSecretName(app),
      namespace,
      data: secret.data,
      // A binding's URL or DSN, assembled from its login inside the cluster.
      ...(Object.keys(secret.templates).length ? { plainData: secret.templates, templateInputs: secret.inputs } : {}),
    });
  }
  for (const v of app.volumes) {
    new KubePersistentVolumeClaim(scope, `volume-${v.name}`, {
      metadata: { name: claimName(app, v.name), namespace, labels: appLabels(app) },
      spec: { storageClassName: appStorageClass(app), accessModes: [v.accessMode], resources: { requests: { storage: Quantity.fromString(v.size) } } },
    });
  }
  return bindings;
}

/**
 * The HA declarations of an app's workload, as annotations for reviewers and facts for verify
 * and the simulation: a singleton's reason, an R&D app's reason for being outside HA, and the
 * rules it is exempt from (with why).
 */
export function declareAppHa(workload: ApiObject, app: AppSpec, site: Site, exempt: Readonly<Record<string, string>> = {}): void {
  const outsideHa = isRndApp(app) ? rndOutsideHaReason(site) : undefined;
  const ha = { ...(app.singleton ? { singleton: app.singleton } : {}), ...(outsideHa ? { outsideHa } : {}), ...(Object.keys(exempt).length ? { exempt } : {}) };
  if (Object.keys(ha).length) declareFacts(workload, { ha });
}

/** The workload's metadata annotations of declareAppHa's declarations. */
export function appHaAnnotations(app: AppSpec, site: Site, exempt: Readonly<Record<string, string>> = {}): { annotations?: Record<string, string> } {
  const outsideHa = isRndApp(app) ? rndOutsideHaReason(site) : undefined;
  const exemptText = Object.entries(exempt).sort(([a], [b]) => a.localeCompare(b)).map(([id, reason]) => `${id}: ${reason}`).join('; ');
  const annotations = {
    ...(app.singleton ? { [SINGLETON_ANNOTATION]: app.singleton } : {}),
    ...(outsideHa ? { [HA_ANNOTATIONS.outsideHa]: outsideHa } : {}),
    ...(exemptText ? { [HA_ANNOTATIONS.exempt]: exemptText } : {}),
  };
  return Object.keys(annotations).length ? { annotations } : {};
}

/** The Services a Rollout switches: blueGreen's active and preview, canary's stable and canary (a worker's canary has none). */
export interface RolloutServices {
  readonly active: string;
  readonly preview: string;
  readonly stable: string;
  readonly canary: string;
}

/**
 * The app's Deployment (rolling, recreate) or Argo Rollouts Rollout (blueGreen, canary) of
 * `template`. A blueGreen Rollout needs its Services; a canary without them scales the new
 * version by replicas alone.
 */
export function appWorkload(scope: Construct, app: AppSpec, site: Site, template: Record<string, unknown>, services?: RolloutServices, exempt: Readonly<Record<string, string>> = {}): ApiObject {
  const name = app.name;
  const namespace = appNamespace(app);
  const selector = { matchLabels: selectorLabels(app) };
  const strategy = app.strategy;
  const replicas = app.autoscaling ? {} : { replicas: app.replicas };
  const metadata = { name, namespace, ...appHaAnnotations(app, site, exempt) };
  let workload: ApiObject;
  if (strategy.type === 'rolling' || strategy.type === 'recreate') {
    workload = new ApiObject(scope, 'deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        ...replicas,
        revisionHistoryLimit: 5,
        selector,
        strategy: strategy.type === 'rolling'
          ? { type: 'RollingUpdate', rollingUpdate: { maxSurge: strategy.maxSurge, maxUnavailable: strategy.maxUnavailable } }
          : { type: 'Recreate' },
        template,
      },
    });
  } else {
    if (strategy.type === 'blueGreen' && !services) throw new Error(`${scope.node.path}: app "${name}" is blueGreen, which switches Services, and has none; a blueGreen app is a web app`);
    workload = new ApiObject(scope, 'rollout', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata,
      spec: {
        ...replicas,
        revisionHistoryLimit: 5,
        selector,
        template,
        strategy: strategy.type === 'blueGreen'
          ? {
            blueGreen: {
              activeService: services!.active,
              previewService: services!.preview,
              // Production waits for a person (kubectl argo rollouts promote); sit and uat switch when ready.
              autoPromotionEnabled: strategy.autoPromotion ?? app.environment !== 'prod',
              scaleDownDelaySeconds: strategy.scaleDownDelaySeconds,
            },
          }
          : {
            canary: {
              ...(services ? { stableService: services.stable, canaryService: services.canary } : {}),
              maxSurge: '25%',
              maxUnavailable: 0,
              steps: strategy.steps.map((s) => ('setWeight' in s ? { setWeight: s.setWeight } : { pause: s.pause.duration === undefined ? {} : { duration: `${s.pause.duration}s` } })),
            },
          },
      },
    });
  }
  declareAppHa(workload, app, site, exempt);
  return workload;
}

/**
 * Availability of a replicated workload: a budget (a drain takes one pod at a time), none for a
 * singleton, whose one pod a drain must be able to evict (it restarts elsewhere); the CPU
 * autoscaler when the spec asks for one.
 */
export function appAvailability(scope: Construct, app: AppSpec): void {
  const name = app.name;
  const namespace = appNamespace(app);
  if (!app.singleton) {
    new KubePodDisruptionBudget(scope, 'disruption-budget', {
      metadata: { name, namespace },
      spec: { maxUnavailable: IntOrString.fromNumber(1), selector: { matchLabels: selectorLabels(app) } },
    });
  }
  if (app.autoscaling) {
    const rollout = isRollout(app);
    new KubeHorizontalPodAutoscalerV2(scope, 'autoscaler', {
      metadata: { name, namespace },
      spec: {
        scaleTargetRef: { apiVersion: rollout ? 'argoproj.io/v1alpha1' : 'apps/v1', kind: rollout ? 'Rollout' : 'Deployment', name },
        minReplicas: app.autoscaling.min,
        maxReplicas: app.autoscaling.max,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: app.autoscaling.cpuTarget } } }],
      },
    });
  }
}

/** The app's databases in the Inventory (the DBaaS accounts and databases to create). */
export function appDatabaseEntries(scope: Construct, app: AppSpec, bindings: readonly DatabaseBinding[]): void {
  const inventory = Inventory.of(scope);
  const what = appWhat(app);
  bindings.forEach((b, i) => {
    inventory.addDatabase({
      // Bindings follow app.databases one to one.
      source: { file: app.file, field: `databases[${i}]` },
      engine: b.engine, database: b.database, user: `${b.credentials.replace(/#.*$/, '')}#username`, passwordRef: `${b.credentials.replace(/#.*$/, '')}#password`,
      usedBy: `app ${app.name} (${app.environment})`, purpose: `${what}: ${b.prefix ? `${b.prefix}_*` : b.variables.map((v) => v.name).join(', ')} variables`,
    });
  });
}

/** What Prometheus scrapes of an app: the namespace, the app's name, the port name and path. */
export interface AppMetrics {
  readonly namespace: string;
  readonly service: string;
  readonly port: string;
  readonly path: string;
}

/**
 * Metrics: a PodMonitor (every pod scraped once, whichever Services of a blue/green or canary
 * release select it, and a worker's pods without any); the ingress allow from Prometheus is
 * among the app's NetworkPolicies.
 */
export function appPodMonitor(scope: Construct, app: AppSpec): AppMetrics | undefined {
  if (!app.metrics) return undefined;
  const namespace = appNamespace(app);
  new PlatformServiceMonitor(scope, 'metrics', { name: app.name, namespace, pods: true, selector: selectorLabels(app), endpoints: [{ port: app.metrics.port, path: app.metrics.path }] });
  return { namespace, service: app.name, port: app.metrics.port, path: app.metrics.path };
}
