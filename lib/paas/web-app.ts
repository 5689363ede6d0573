import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { IntOrString, KubeService } from 'cdk8s-plus-25/lib/imports/k8s';
import type { AppSpec } from '../config/app-schema';
import { platformContext } from '../context';
import { Inventory } from '../inventory';
import { appNamespace, hasPreviewSso, previewHost, previewHostField, selectorLabels } from './conventions';
import { SsoLogin } from '../constructs/sso-login';
import { realmGroupName } from '../iam';
import type { AppAllocation } from './lock';
import { CalledApp, calledApps } from './calls';
import { appNetworkPolicies } from './network-policies';
import { podTemplate } from './pod-template';
import {
  AppMetrics, appAvailability, appDatabaseEntries, appPodMonitor, appSecretAndVolumes, appWhat, appWorkload, workloadHashLabel,
} from './app-parts';
import { SHARED_GATEWAY, sharedGatewayRoute } from '../constructs/published-ui';

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
  /**
   * The apps it calls (`calls`), resolved (lib/paas/calls.ts).
   * @default - resolved against the apps of the platform context
   */
  readonly calls?: readonly CalledApp[];
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
  public readonly metrics?: AppMetrics;

  constructor(scope: Construct, id: string, props: WebAppProps) {
    super(scope, id);
    const app = props.spec;
    const { site } = platformContext(this);
    const owner = props.owner ?? 'paas';
    const namespace = appNamespace(app);
    const name = app.name;
    const strategy = app.strategy;
    const what = appWhat(app);
    if (app.expose.tcp.length && !props.allocation) throw new Error(`${this.node.path}: app "${name}" exposes TCP ports but has no address in apps.lock.yaml; render through buildPlatform, which allocates one`);

    // Secret variables and database logins, from Bitwarden; volumes.
    const bindings = appSecretAndVolumes(this, app, site);

    // The workload.
    this.podTemplate = podTemplate(app, site, workloadHashLabel(app));
    this.workload = appWorkload(this, app, site, this.podTemplate, { active: name, preview: `${name}-preview`, stable: `${name}-stable`, canary: `${name}-canary` });

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

    appAvailability(this, app);

    // Exposure.
    const httpPortName = app.expose.http ? (app.expose.http.port ?? app.ports[0].name) : undefined;
    appNetworkPolicies(this, app, bindings, httpPortName, props.calls ?? calledApps(app, platformContext(this).apps));
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
    appDatabaseEntries(this, app, bindings);
    this.metrics = appPodMonitor(this, app);
  }
}

