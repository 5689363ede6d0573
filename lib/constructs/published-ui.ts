import { Construct } from 'constructs';
import { HttpRoute, HttpRouteSpecRulesMatchesPathType } from '../../imports/gateway.networking.k8s.io';
import { platformContext } from '../context';
import { Inventory } from '../inventory';
import { Layer } from '../layer';
import { SsoLogin } from './sso-login';

/** The shared gateway every UI is published on (rendered by the gateway layer). */
export const SHARED_GATEWAY = { name: 'platform', namespace: 'envoy-gateway-system', listener: 'http', port: 80 } as const;
/** Labels of the Envoy proxy pods Envoy Gateway runs for the shared gateway (the gateway layer spreads them; app network policies admit them). */
export const ENVOY_PROXY_LABELS = { 'app.kubernetes.io/name': 'envoy', 'app.kubernetes.io/component': 'proxy' } as const;

/** What a route on the shared gateway sends where. */
export interface SharedGatewayRouteProps {
  readonly name: string;
  readonly namespace: string;
  readonly host: string;
  readonly pathPrefix: string;
  readonly serviceName: string;
  readonly servicePort: number;
  /** Gateway API duration; @default - the gateway's default */
  readonly requestTimeout?: string;
}

/** An HTTPRoute on the shared gateway's HTTP listener: `host` + `pathPrefix` to a Service. */
export function sharedGatewayRoute(scope: Construct, props: SharedGatewayRouteProps): HttpRoute {
  return new HttpRoute(scope, 'route', {
    metadata: { name: props.name, namespace: props.namespace },
    spec: {
      parentRefs: [{ name: SHARED_GATEWAY.name, namespace: SHARED_GATEWAY.namespace, sectionName: SHARED_GATEWAY.listener }],
      hostnames: [props.host],
      rules: [{
        matches: [{ path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: props.pathPrefix } }],
        backendRefs: [{ name: props.serviceName, port: props.servicePort }],
        ...(props.requestTimeout ? { timeouts: { request: props.requestTimeout } } : {}),
      }],
    },
  });
}

export interface PublishedUiProps {
  /** Sub-domain: the UI is published as `<name>.<site domain>`. A DNS label. */
  readonly name: string;
  /** Namespace of the Service (and of the HTTPRoute). */
  readonly namespace: string;
  /** The Service that serves the UI. */
  readonly serviceName: string;
  /** Its port. */
  readonly servicePort: number;
  /** What it is, for the HAProxy table ops read. */
  readonly description: string;
  /**
   * How long one request may take from the gateway to the backend and back (a Gateway API
   * duration such as "30m"): long uploads, e.g. image layers pushed to a registry.
   * @default - the gateway's default (Envoy: 15 s)
   */
  readonly requestTimeout?: string;
  /**
   * Single sign-on in front of a UI with no login of its own: Envoy Gateway logs users in to
   * Keycloak's platform realm, and lets in only members of `groups` (realm group names, e.g.
   * the admin group's `cn`). Needs `keycloak.enabled`; the layer must depend on `secrets` too.
   * @default - none: the UI logs users in itself
   */
  readonly sso?: { readonly groups: readonly string[] };
}

/**
 * A web UI published through the shared gateway: an HTTPRoute for `<name>.<domain>` and the
 * matching HAProxy entry (host -> gateway VIP:port) in `dist/hosts/haproxy/`. TLS and L7 end
 * at the OPNsense HAProxy; the gateway gets plain HTTP. With `sso`, behind a Keycloak login (SsoLogin).
 */
export class PublishedUi extends Construct {
  public readonly host: string;
  public readonly route: HttpRoute;
  /** The login in front of it, with `sso`. */
  public readonly sso?: SsoLogin;

  constructor(scope: Construct, id: string, props: PublishedUiProps) {
    super(scope, id);
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(props.name)) throw new Error(`${this.node.path}: "${props.name}" must be a DNS label (it becomes <name>.<domain>)`);
    if (props.requestTimeout !== undefined && !/^([0-9]{1,5}(h|m|s|ms)){1,4}$/.test(props.requestTimeout)) {
      throw new Error(`${this.node.path}: requestTimeout "${props.requestTimeout}" must be a Gateway API duration such as "30m" or "1h30m"`);
    }
    const { site } = platformContext(this);
    const layer = Layer.of(this);
    this.host = `${props.name}.${site.domain}`;
    this.route = sharedGatewayRoute(this, {
      name: props.name, namespace: props.namespace, host: this.host, pathPrefix: '/',
      serviceName: props.serviceName, servicePort: props.servicePort, requestTimeout: props.requestTimeout,
    });
    Inventory.of(this).addHttp({
      host: this.host,
      layer: layer.layerName,
      description: props.description,
      address: site.network.gateway.address,
      port: SHARED_GATEWAY.port,
    });
    if (props.sso) {
      this.sso = new SsoLogin(this, 'sso', {
        name: props.name, namespace: props.namespace, routes: [props.name], host: this.host, groups: props.sso.groups, description: props.description,
      });
    }
  }
}
