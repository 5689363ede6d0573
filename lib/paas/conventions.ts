import type { AppSpec, Environment } from '../config/app-schema';
import type { Site } from '../config/schema';
import { EVICTION } from '../hosts/k3s-config';
import { RND_KEY, RND_TAINT } from '../hosts/node-labels';
import { RND_STORAGE_CLASS } from '../ha/storage';
import { APP_NAMESPACE_LABEL as HA_APP_NAMESPACE_LABEL, HA_ANNOTATIONS } from '../ha/annotations';

/**
 * Names, labels and annotations shared by the PaaS layer, the WebApp construct, verify rules
 * and the drill. They are API: renaming one moves or orphans objects in the cluster.
 */

/** Folder (under dist/) of the app folders: `dist/workloads/<app>/`, one Argo CD Application each. */
export const WORKLOADS_DIR = 'workloads';
/** The Argo CD AppProject every app belongs to. */
export const APPS_PROJECT = 'apps';
/** Label on the app namespaces (sit, uat, prod, rnd). */
export const APP_NAMESPACE_LABEL = HA_APP_NAMESPACE_LABEL;
/**
 * Annotation of a workload that runs one replica by design, with the reason. HA rules accept a
 * single replica only with it; no PodDisruptionBudget is rendered for it so a drain can move it.
 */
export const SINGLETON_ANNOTATION = HA_ANNOTATIONS.singleton;
/** The container's name in every app pod. */
export const APP_CONTAINER = 'app';

/** The Argo CD Application of an app. */
export function appApplicationName(app: string): string {
  return `app-${app}`;
}

/** Folder (relative to the repo root) of an app's rendered objects. */
export function appPath(app: string): string {
  return `dist/${WORKLOADS_DIR}/${app}`;
}

/** Labels on every object of an app. */
export function appLabels(app: Pick<AppSpec, 'name' | 'environment'>): Record<string, string> {
  return { 'app.kubernetes.io/name': app.name, 'app.kubernetes.io/part-of': app.environment };
}

/** The labels Services, PDBs and spread constraints select an app's pods by (the app name is unique in the site). */
export function selectorLabels(app: Pick<AppSpec, 'name'>): Record<string, string> {
  return { 'app.kubernetes.io/name': app.name };
}

/** The namespace an app runs in: its environment. */
export function appNamespace(app: Pick<AppSpec, 'environment'>): Environment {
  return app.environment;
}

/**
 * How long an app's pods stay on a node that stopped answering (not-ready or unreachable),
 * after the node-monitor grace period. A singleton is down until it moves, so it leaves after
 * 5 s (the node has then been silent for 27 s at least); replicated apps keep serving from
 * their other pods and wait as long as every platform pod (EVICTION.tolerationSeconds), which
 * rides out a short network blip without restarting anything.
 */
export const SINGLETON_TOLERATION_SECONDS = 5;
export function tolerationSeconds(app: Pick<AppSpec, 'singleton'>): number {
  return app.singleton ? SINGLETON_TOLERATION_SECONDS : EVICTION.tolerationSeconds;
}

/** The R&D environment (RND_ENVIRONMENT of lib/config/app-schema.ts, which this floor may not import). */
const RND: Environment = 'rnd';

/** Whether an app is an R&D app (`environment: rnd`): it runs on the R&D nodes only. */
export function isRndApp(app: Pick<AppSpec, 'environment'>): boolean {
  return app.environment === RND;
}

/**
 * Nodes an app pod may run on: production apps on agents that are not R&D nodes (servers carry
 * `CriticalAddonsOnly=true:NoExecute`, the R&D node its own taint; they tolerate neither), R&D
 * apps on the R&D nodes only (they select the R&D label and tolerate its taint).
 */
export function appNodes(site: Site, app: Pick<AppSpec, 'environment'> = { environment: 'prod' }): string[] {
  const rnd = isRndApp(app);
  return site.nodes.filter((n) => n.role === 'agent' && n.rnd === rnd).map((n) => n.name);
}

/** The node selector of an app's pods: the R&D label for an R&D app, none otherwise. */
export function appNodeSelector(app: Pick<AppSpec, 'environment'>): Record<string, string> {
  return isRndApp(app) ? { [RND_KEY]: 'true' } : {};
}

/** The tolerations an app needs besides the dead-node ones: the R&D taint for an R&D app. */
export function appPlacementTolerations(app: Pick<AppSpec, 'environment'>): { key: string; operator: 'Equal'; value: string; effect: string }[] {
  return isRndApp(app) ? [{ key: RND_TAINT.key, operator: 'Equal', value: RND_TAINT.value, effect: RND_TAINT.effect }] : [];
}

/** The StorageClass of an app's volumes: the R&D class (the R&D nodes' disks only) for an R&D app, Longhorn's production class otherwise. */
export function appStorageClass(app: Pick<AppSpec, 'environment'>): string {
  return isRndApp(app) ? RND_STORAGE_CLASS : 'longhorn';
}

/**
 * Why an R&D app is outside the HA rules' N-1 guarantee (its declared `outsideHa` reason): it
 * runs on the R&D nodes only, so it is down while they are down. The node-failure simulation
 * reports that as it is, without counting it as a violation.
 */
export function rndOutsideHaReason(site: Site): string {
  const nodes = site.nodes.filter((n) => n.rnd).map((n) => n.name);
  return `R&D app: runs only on the R&D node${nodes.length === 1 ? '' : 's'} (${nodes.join(', ') || 'none in site.yaml'}) and is not highly available by design`;
}

/** The most pods an app runs at once outside a rollout: its replicas, or the autoscaler's maximum. */
export function maxPods(app: Pick<AppSpec, 'replicas' | 'autoscaling'>): number {
  return app.autoscaling?.max ?? app.replicas;
}

/** The Secret (filled from Bitwarden by External Secrets) with an app's secret variables and database logins. */
export function envSecretName(app: Pick<AppSpec, 'name'>): string {
  return `${app.name}-env`;
}

/** A PersistentVolumeClaim of an app: `<app>-<volume>`. */
export function claimName(app: Pick<AppSpec, 'name'>, volume: string): string {
  return `${app.name}-${volume}`;
}

type PreviewFields = Pick<AppSpec, 'name' | 'strategy' | 'expose' | 'preview'>;

/**
 * Whether an app publishes its preview on a host of its own: a blueGreen app with `expose.http`,
 * unless `preview: { host: false }`.
 */
export function hasPreviewHost(app: Omit<PreviewFields, 'name'>): boolean {
  return app.strategy.type === 'blueGreen' && !!app.expose.http && app.preview?.host !== false;
}

/** The preview host of a blueGreen app: `preview.host`, else `preview-<app>.<domain>`; none without one (hasPreviewHost). */
export function previewHost(app: PreviewFields, domain: string): string | undefined {
  if (!hasPreviewHost(app)) return undefined;
  return typeof app.preview?.host === 'string' ? app.preview.host : `preview-${app.name}.${domain}`;
}

/** The DBaaS database of an app's binding: its `name`, else the app's name with "-" written as "_". */
export function appDatabaseName(app: Pick<AppSpec, 'name'>, binding: Pick<AppSpec['databases'][number], 'name'>): string {
  return binding.name ?? app.name.replace(/-/g, '_');
}

/**
 * Whether the preview host of an app is behind single sign-on: every preview host is, unless
 * `preview: { sso: false }`.
 */
export function hasPreviewSso(app: Pick<AppSpec, 'strategy' | 'expose' | 'preview'>): boolean {
  return hasPreviewHost(app) && app.preview?.sso !== false;
}

/** Name of the Secret with the SSO client's secret beside the route `route` (lib/constructs/sso-login.ts). */
export function ssoClientSecretName(route: string): string {
  return `${route}-sso-client`;
}

/** The spec field that gives an app its preview host: `preview.host` when written, else `strategy.type` (blueGreen). */
export function previewHostField(app: Pick<AppSpec, 'preview'>): readonly string[] {
  return typeof app.preview?.host === 'string' ? ['preview', 'host'] : ['strategy', 'type'];
}
