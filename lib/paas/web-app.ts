import { PlatformServiceMonitor } from '../constructs/service-monitor';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  IntOrString, KubeHorizontalPodAutoscalerV2, KubePersistentVolumeClaim, KubePodDisruptionBudget, KubeService, Quantity,
} from 'cdk8s-plus-25/lib/imports/k8s';
import type { AppSpec } from '../config/app-schema';
import { platformContext } from '../context';
import { Inventory } from '../inventory';
import {
  appLabels, appNamespace, appStorageClass, claimName, envSecretName, hasPreviewSso, isRndApp, previewHost, previewHostField, rndOutsideHaReason, SINGLETON_ANNOTATION, selectorLabels,
} from './conventions';
import { SsoLogin } from '../constructs/sso-login';
import { realmGroupName } from '../iam';
import { HA_ANNOTATIONS } from '../ha/annotations';
import type { AppAllocation } from './lock';
import { appNetworkPolicies } from './network-policies';
import { databaseBindings, envSecretData, podTemplate } from './pod-template';
import { BitwardenSecret } from '../constructs/bitwarden-secret';
import { SHARED_GATEWAY, sharedGatewayRoute } from '../constructs/published-ui';
import { declareFacts } from '../facts/declare';

/** The Rollouts label on each revision's pods (the Deployment controller's is `pod-template-hash`). */
const ROLLOUT_HASH_LABEL = 'rollouts-pod-template-hash';
const DEPLOYMENT_HASH_LABEL = 'pod-template-hash';
/** The LoadBalancer annotations of MetalLB 0.15 (the `metallb.universe.tf/` prefix is the deprecated spelling). */
export const METALLB_ANNOTATIONS = { ips: 'metallb.io/loadBalancerIPs', pool: 'metallb.io/address-pool' } as const;

export interface WebAppProps {
  /** The validated app spec (apps/<name>.yaml). */
  readonly spec: AppSpec;
  /**
   * The app's load-balancer address and ports from apps.lock.yaml; required when the spec
   * exposes TCP ports.
   * @default - none (the app exposes no TCP port)
   */
  readonly allocation?: AppAllocation;
  /** The MetalLB pool the allocation comes from (site.yaml paas.pool). */
  readonly pool: string;
  /**
   * Who registers the app's HAProxy entries and databases (the layer whose Application syncs it).
   * @default 'paas'
   */
  readonly owner?: string;
}

/**
 * One app of the PaaS, from its spec: a Deployment (rolling, recreate) or an Argo Rollouts
 * Rollout (blueGreen with active and preview Services, canary with stable and canary
 * Services); Services with named ports (the app's Service is its MetalLB load balancer when it
 * exposes TCP); a PodDisruptionBudget (none for a declared singleton, so a drain can move it);
 * an HPA; PVCs on Longhorn; the allows beside the namespace's default-deny; the HTTPRoute on
 * the shared gateway (and one for the preview host of a blueGreen app); the Bitwarden-filled
 * Secret of its secret variables and database logins; and its HAProxy and database entries in
 * the Inventory.
 */
export class WebApp extends Construct {
  /** The Deployment or Rollout. */
  public readonly workload: ApiObject;
  /** The app's main Service `<app>` (the active one of a blue/green app). */
  public readonly service: KubeService;
  /** The pod template as rendered (Kubernetes JSON): the recovery estimate reads it. */
  public readonly podTemplate: Record<string, unknown>;
  /**
   * What Prometheus scrapes (a PodMonitor `<app>` is rendered) when the spec has `metrics`: the app's Service, the port name and
   * path. The hook for the monitoring layer: render a ServiceMonitor from it (and an ingress
   * allow from Prometheus's namespace to the port) once monitoring.coreos.com is provided.
   */
  public readonly metrics?: { readonly namespace: string; readonly service: string; readonly port: string; readonly path: string };

  constructor(scope: Construct, id: string, props: WebAppProps) {
    super(scope, id);
    const app = props.spec;
    const { site } = platformContext(this);
    const owner = props.owner ?? 'paas';
    const namespace = appNamespace(app);
    const name = app.name;
    const selector = { matchLabels: selectorLabels(app) };
    const strategy = app.strategy;
    const isRollout = strategy.type === 'blueGreen' || strategy.type === 'canary';
    const what = app.description ?? `app ${name} (${app.environment})`;
    if (app.expose.tcp.length && !props.allocation) throw new Error(`${this.node.path}: app "${name}" exposes TCP ports but has no address in apps.lock.yaml; render through buildPlatform, which allocates one`);

    // Secret variables and database logins, from Bitwarden.
    const bindings = databaseBindings(app, site);
    const secretData = envSecretData(app, site);
    if (Object.keys(secretData).length) new BitwardenSecret(this, 'env', { name: envSecretName(app), namespace, data: secretData });

    for (const v of app.volumes) {
      new KubePersistentVolumeClaim(this, `volume-${v.name}`, {
        metadata: { name: claimName(app, v.name), namespace, labels: appLabels(app) },
        spec: { storageClassName: appStorageClass(app), accessModes: [v.accessMode], resources: { requests: { storage: Quantity.fromString(v.size) } } },
      });
    }

    // The workload.
    this.podTemplate = podTemplate(app, site, isRollout ? ROLLOUT_HASH_LABEL : DEPLOYMENT_HASH_LABEL);
    const replicas = app.autoscaling ? {} : { replicas: app.replicas };
    const outsideHa = isRndApp(app) ? rndOutsideHaReason(site) : undefined;
    const annotations = app.singleton || outsideHa
      ? { annotations: { ...(app.singleton ? { [SINGLETON_ANNOTATION]: app.singleton } : {}), ...(outsideHa ? { [HA_ANNOTATIONS.outsideHa]: outsideHa } : {}) } }
      : {};
    const metadata = { name, namespace, ...annotations };
    if (strategy.type === 'rolling' || strategy.type === 'recreate') {
      this.workload = new ApiObject(this, 'deployment', {
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
          template: this.podTemplate,
        },
      });
    } else {
      this.workload = new ApiObject(this, 'rollout', {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata,
        spec: {
          ...replicas,
          revisionHistoryLimit: 5,
          selector,
          template: this.podTemplate,
          strategy: strategy.type === 'blueGreen'
            ? {
              blueGreen: {
                activeService: name,
                previewService: `${name}-preview`,
                // Production waits for a person (kubectl argo rollouts promote); sit and uat switch when ready.
                autoPromotionEnabled: strategy.autoPromotion ?? app.environment !== 'prod',
                scaleDownDelaySeconds: strategy.scaleDownDelaySeconds,
              },
            }
            : {
              canary: {
                stableService: `${name}-stable`,
                canaryService: `${name}-canary`,
                maxSurge: '25%',
                maxUnavailable: 0,
                steps: strategy.steps.map((s) => ('setWeight' in s ? { setWeight: s.setWeight } : { pause: s.pause.duration === undefined ? {} : { duration: `${s.pause.duration}s` } })),
              },
            },
        },
      });
    }
    if (app.singleton || outsideHa) declareFacts(this.workload, { ha: { ...(app.singleton ? { singleton: app.singleton } : {}), ...(outsideHa ? { outsideHa } : {}) } });

    // Services: `<app>` (the route's backend; the load balancer when the app exposes TCP).
    const allocation = props.allocation;
    const servicePort = (portName: string, containerPort: number) => allocation?.ports[portName] ?? containerPort;
    const ports = app.ports.map((p) => ({ name: p.name, port: servicePort(p.name, p.port), targetPort: IntOrString.fromString(p.name), protocol: p.protocol }));
    const service = (id: string, serviceName: string, loadBalancer: boolean) => new KubeService(this, id, {
      metadata: {
        name: serviceName,
        namespace,
        ...(loadBalancer ? { annotations: { [METALLB_ANNOTATIONS.ips]: allocation!.address, [METALLB_ANNOTATIONS.pool]: props.pool } } : {}),
      },
      spec: {
        selector: selectorLabels(app),
        ports,
        ...(loadBalancer ? { type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: false } : { type: 'ClusterIP' }),
      },
    });
    // Argo Rollouts adds the revision hash to the selectors of the Services it manages.
    this.service = service('service', name, !!allocation);
    if (strategy.type === 'blueGreen') service('preview-service', `${name}-preview`, false);
    if (strategy.type === 'canary') {
      service('stable-service', `${name}-stable`, false);
      service('canary-service', `${name}-canary`, false);
    }

    // Availability: a budget for replicated apps (a drain takes one pod at a time); none for a
    // singleton, whose one pod a drain must be able to evict (it restarts elsewhere).
    if (!app.singleton) {
      new KubePodDisruptionBudget(this, 'disruption-budget', {
        metadata: { name, namespace },
        spec: { maxUnavailable: IntOrString.fromNumber(1), selector },
      });
    }
    if (app.autoscaling) {
      new KubeHorizontalPodAutoscalerV2(this, 'autoscaler', {
        metadata: { name, namespace },
        spec: {
          scaleTargetRef: { apiVersion: isRollout ? 'argoproj.io/v1alpha1' : 'apps/v1', kind: isRollout ? 'Rollout' : 'Deployment', name },
          minReplicas: app.autoscaling.min,
          maxReplicas: app.autoscaling.max,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: app.autoscaling.cpuTarget } } }],
        },
      });
    }

    // Exposure.
    const httpPortName = app.expose.http ? (app.expose.http.port ?? app.ports[0].name) : undefined;
    appNetworkPolicies(this, app, bindings, httpPortName);
    const inventory = Inventory.of(this);
    if (app.expose.http) {
      const port = ports.find((p) => p.name === httpPortName)!;
      sharedGatewayRoute(this, { name, namespace, host: app.expose.http.host, pathPrefix: '/', serviceName: name, servicePort: port.port });
      inventory.addHttp({ source: { file: app.file, field: 'expose.http.host' }, host: app.expose.http.host, layer: owner, description: what, address: site.network.gateway.address, port: SHARED_GATEWAY.port });
      if (app.auth?.sso) {
        new SsoLogin(this, 'sso', { name, namespace, routes: [name], host: app.expose.http.host, groups: app.auth.groups, description: what, source: { file: app.file, field: 'auth' }, owner });
      }
      // The preview of a blueGreen app: the next release on `<app>-preview`, before promotion.
      const preview = previewHost(app, site.domain);
      if (preview) {
        const previewScope = new Construct(this, 'preview');
        sharedGatewayRoute(previewScope, { name: `${name}-preview`, namespace, host: preview, pathPrefix: '/', serviceName: `${name}-preview`, servicePort: port.port });
        // Behind single sign-on unless `preview: { sso: false }`: the site's admins and the app's own groups.
        if (hasPreviewSso(app)) {
          new SsoLogin(previewScope, 'sso', {
            name: `${name}-preview`, namespace, routes: [`${name}-preview`], host: preview,
            groups: [...new Set([realmGroupName(site.ldap.adminGroup), ...(app.auth?.groups ?? [])])],
            description: `${what}: the release waiting for promotion (blueGreen preview)`,
            source: { file: app.file, field: previewHostField(app).join('.') }, owner,
          });
        }
        inventory.addHttp({
          source: { file: app.file, field: previewHostField(app).join('.') },
          host: preview, layer: owner, description: `${what}: the release waiting for promotion (blueGreen preview)`, address: site.network.gateway.address, port: SHARED_GATEWAY.port,
        });
      }
    }
    if (allocation) {
      for (const t of app.expose.tcp) {
        inventory.addTcp({ name: `${name}-${t.port}`, layer: owner, description: `${what}: port ${t.port}`, address: allocation.address, port: allocation.ports[t.port] });
      }
    }
    bindings.forEach((b, i) => {
      inventory.addDatabase({
        // Bindings follow app.databases one to one.
        source: { file: app.file, field: `databases[${i}]` },
        engine: b.engine, database: b.database, user: `${b.credentials.replace(/#.*$/, '')}#username`, passwordRef: `${b.credentials.replace(/#.*$/, '')}#password`,
        usedBy: `app ${name} (${app.environment})`, purpose: `${what}: ${b.prefix}_* variables`,
      });
    });
    // Metrics: a PodMonitor (every pod scraped once, whichever Services of a blue/green or canary
    // release select it); the ingress allow from Prometheus is among the NetworkPolicies above.
    if (app.metrics) {
      this.metrics = { namespace, service: name, port: app.metrics.port, path: app.metrics.path };
      new PlatformServiceMonitor(this, 'metrics', { name, namespace, pods: true, selector: selectorLabels(app), endpoints: [{ port: app.metrics.port, path: app.metrics.path }] });
    }
  }
}

