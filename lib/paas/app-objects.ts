import type { AppSpec } from '../config/app-schema';
import { callEgressPolicyName, callIngressPolicyName, callTargets } from './calls';
import { appNamespace, claimName, envSecretName, hasPreviewHost, hasPreviewSso, previewHostField, ssoClientSecretName } from './conventions';

/**
 * The objects an app spec renders into `dist/workloads/<app>/` (WebApp), by kind, namespace and
 * name, each with the spec field that asks for it. Two apps must never render the same one: the
 * second would overwrite the first in the cluster. test/paas/app-objects.test.ts holds this list
 * to what WebApp renders for every strategy and option.
 */

type Path = readonly (string | number)[];

export interface AppObject {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** The spec field that makes the app render it; empty when the app's name alone does (its file name). */
  readonly field: Path;
  /** What the object is to its app, for messages: "the preview Service of the blueGreen strategy". */
  readonly role: string;
}

type Spec = Pick<AppSpec, 'name' | 'environment' | 'strategy' | 'singleton' | 'autoscaling' | 'volumes' | 'secrets' | 'databases' | 'calls' | 'expose' | 'metrics' | 'preview' | 'auth'> & { readonly kind?: AppSpec['kind'] };

/** Every object `app` renders, in the order its construct (WebApp, WorkerApp, CronJobApp) creates them. */
export function appObjects(app: Spec): AppObject[] {
  if (app.kind === 'worker') return workerObjects(app);
  if (app.kind === 'cronjob') return cronJobObjects(app);
  const namespace = appNamespace(app);
  const name = app.name;
  const out: AppObject[] = [];
  const add = (kind: string, objectName: string, field: Path, role: string) => out.push({ kind, namespace, name: objectName, field, role });
  const type = app.strategy.type;

  if (Object.keys(app.secrets).length) add('ExternalSecret', envSecretName(app), ['secrets'], 'the Secret of the secret variables');
  else if (app.databases.length) add('ExternalSecret', envSecretName(app), ['databases'], 'the Secret of the database logins');
  app.volumes.forEach((v, i) => add('PersistentVolumeClaim', claimName(app, v.name), ['volumes', i, 'name'], `the claim of volume "${v.name}"`));
  add(type === 'blueGreen' || type === 'canary' ? 'Rollout' : 'Deployment', name, [], 'the workload');
  add('Service', name, [], 'the main Service');
  if (type === 'blueGreen') add('Service', `${name}-preview`, ['strategy', 'type'], 'the preview Service of the blueGreen strategy');
  if (type === 'canary') {
    add('Service', `${name}-stable`, ['strategy', 'type'], 'the stable Service of the canary strategy');
    add('Service', `${name}-canary`, ['strategy', 'type'], 'the canary Service of the canary strategy');
  }
  if (!app.singleton) add('PodDisruptionBudget', name, [], 'the PodDisruptionBudget');
  if (app.autoscaling) add('HorizontalPodAutoscaler', name, ['autoscaling'], 'the autoscaler');
  if (app.expose.http) add('NetworkPolicy', `${name}-from-gateway`, ['expose', 'http'], 'the policy letting the gateway in');
  if (app.expose.tcp.length) add('NetworkPolicy', `${name}-from-anywhere`, ['expose', 'tcp'], 'the policy letting TCP clients in');
  if (app.metrics) add('NetworkPolicy', `${name}-from-prometheus`, ['metrics'], 'the policy letting Prometheus in');
  if (app.databases.length) add('NetworkPolicy', `${name}-to-dbaas`, ['databases'], 'the policy letting the app reach the DBaaS');
  out.push(...callObjects(app));
  if (app.expose.http) add('HTTPRoute', name, ['expose', 'http'], 'the route on the shared gateway');
  if (app.auth?.sso && app.expose.http) {
    add('ExternalSecret', ssoClientSecretName(name), ['auth'], 'the Secret of the single sign-on client');
    add('SecurityPolicy', name, ['auth'], 'the single sign-on in front of the app');
  }
  if (hasPreviewHost(app)) add('HTTPRoute', `${name}-preview`, previewHostField(app), 'the route of the preview host');
  if (hasPreviewSso(app)) {
    add('ExternalSecret', ssoClientSecretName(`${name}-preview`), previewHostField(app), 'the Secret of the preview host\'s single sign-on client');
    add('SecurityPolicy', `${name}-preview`, previewHostField(app), 'the single sign-on in front of the preview host');
  }
  if (app.metrics) add('PodMonitor', name, ['metrics'], 'the PodMonitor');
  return out;
}

/** The Secret and claims every kind renders first. */
function storageObjects(app: Spec): AppObject[] {
  const namespace = appNamespace(app);
  const out: AppObject[] = [];
  if (Object.keys(app.secrets).length) out.push({ kind: 'ExternalSecret', namespace, name: envSecretName(app), field: ['secrets'], role: 'the Secret of the secret variables' });
  else if (app.databases.length) out.push({ kind: 'ExternalSecret', namespace, name: envSecretName(app), field: ['databases'], role: 'the Secret of the database logins' });
  app.volumes.forEach((v, i) => out.push({ kind: 'PersistentVolumeClaim', namespace, name: claimName(app, v.name), field: ['volumes', i, 'name'], role: `the claim of volume "${v.name}"` }));
  return out;
}

/** What a worker renders (WorkerApp): no Service, no route; a PodMonitor for its metrics. */
function workerObjects(app: Spec): AppObject[] {
  const namespace = appNamespace(app);
  const name = app.name;
  const out = storageObjects(app);
  const add = (kind: string, objectName: string, field: Path, role: string) => out.push({ kind, namespace, name: objectName, field, role });
  add(app.strategy.type === 'canary' ? 'Rollout' : 'Deployment', name, [], 'the workload');
  if (!app.singleton) add('PodDisruptionBudget', name, [], 'the PodDisruptionBudget');
  if (app.autoscaling) add('HorizontalPodAutoscaler', name, ['autoscaling'], 'the autoscaler');
  if (app.metrics) add('NetworkPolicy', `${name}-from-prometheus`, ['metrics'], 'the policy letting Prometheus in');
  if (app.databases.length) add('NetworkPolicy', `${name}-to-dbaas`, ['databases'], 'the policy letting the app reach the DBaaS');
  out.push(...callObjects(app));
  if (app.metrics) add('PodMonitor', name, ['metrics'], 'the PodMonitor');
  return out;
}

/** What a cronjob renders (CronJobApp): the CronJob and its egress allow. */
function cronJobObjects(app: Spec): AppObject[] {
  const namespace = appNamespace(app);
  const out = storageObjects(app);
  out.push({ kind: 'CronJob', namespace, name: app.name, field: [], role: 'the CronJob' });
  if (app.databases.length) out.push({ kind: 'NetworkPolicy', namespace, name: `${app.name}-to-dbaas`, field: ['databases'], role: 'the policy letting the app reach the DBaaS' });
  out.push(...callObjects(app));
  return out;
}

/**
 * The two policies of each app an app calls (lib/paas/calls.ts), both in the caller's folder and
 * namespace (the target's: the rules across apps hold them to one environment).
 */
function callObjects(app: Spec): AppObject[] {
  const namespace = appNamespace(app);
  return callTargets(app).flatMap((t) => [
    { kind: 'NetworkPolicy', namespace, name: callEgressPolicyName(app.name, t.app), field: ['calls', t.index], role: `the egress allow of its call to "${t.app}"` },
    { kind: 'NetworkPolicy', namespace, name: callIngressPolicyName(app.name, t.app), field: ['calls', t.index], role: `the ingress allow of its call to "${t.app}"` },
  ]);
}
