import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { HttpRoute } from '../../imports/gateway.networking.k8s.io';
import { platformContext } from '../context';
import { API_GATEWAY_CLIENT, platformIssuer, platformJwksUri } from '../iam';
import { ApiAuth, Inventory } from '../inventory';
import { Layer } from '../layer';
import { BitwardenSecret } from './bitwarden-secret';
import { SHARED_GATEWAY, sharedGatewayRoute } from './published-ui';
import { OIDC_CLIENT_SECRET_KEY, RouteTargetRef, SecurityPolicySpec } from './security-policy';

export { OIDC_CLIENT_SECRET_KEY } from './security-policy';
export type { ClaimAuthorizationSpec, JwtAuthSpec, OidcAuthSpec, RouteTargetRef, SecurityPolicySpec } from './security-policy';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** `/` or `/segment[/segment...]`, no trailing slash. */
const PATH_PREFIX = /^\/([A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*)?$/;
const ENVOY_GATEWAY_API_VERSION = 'gateway.envoyproxy.io/v1alpha1';


/** A local rate limit: `requests` per `unit`, counted by each Envoy proxy on its own. */
export interface ApiRateLimit {
  readonly requests: number;
  readonly unit: 'Second' | 'Minute' | 'Hour' | 'Day';
}

/** What an API gets unless it says otherwise: 100 requests a second per proxy. */
export const DEFAULT_API_RATE_LIMIT: ApiRateLimit = { requests: 100, unit: 'Second' };

/** The part of the BackendTrafficPolicy spec (gateway.envoyproxy.io/v1alpha1) the platform sets. */
export interface BackendTrafficPolicySpec {
  readonly targetRefs: readonly RouteTargetRef[];
  readonly rateLimit: { readonly local: { readonly rules: readonly { readonly limit: ApiRateLimit }[] } };
}

export interface PublishedApiProps {
  /** Names the route and its policies; the sub-domain too unless `host` is given. A DNS label. */
  readonly name: string;
  /** Namespace of the Service (and of the HTTPRoute, its policies and the OIDC client Secret). */
  readonly namespace: string;
  /** The Service that serves the API. */
  readonly serviceName: string;
  /** Its port. */
  readonly servicePort: number;
  /** What it is, for the HAProxy table ops read. */
  readonly description: string;
  /**
   * Who may call it: `none` (anyone), `oidc` (browsers log in to Keycloak's platform realm
   * through the gateway, as client `api-gateway`), `jwt` (machine clients send a bearer token
   * of the platform realm whose audience includes one of `audiences`). `oidc` and `jwt` need
   * Keycloak: with `keycloak.enabled: false` in site.yaml they are an error.
   */
  readonly auth: ApiAuth;
  /**
   * Sub-domain: the API is published at `<host>.<domain>`. Several APIs may share a host with
   * different path prefixes.
   * @default - the name
   */
  readonly host?: string;
  /**
   * Path prefix on the host, e.g. `/billing`.
   * @default '/'
   */
  readonly pathPrefix?: string;
  /**
   * Local rate limit per Envoy proxy (the shared gateway runs two or more), or `false` for none.
   * @default DEFAULT_API_RATE_LIMIT (100 requests a second)
   */
  readonly rateLimit?: ApiRateLimit | false;
  /**
   * `jwt` only: token audiences accepted (Keycloak client IDs or audience-mapper values; at most 8).
   * @default - the name (machine clients add it with an audience mapper)
   */
  readonly audiences?: readonly string[];
}

/**
 * An API published through the shared gateway at `<host>.<domain>[<pathPrefix>]`: an HTTPRoute,
 * optionally an Envoy Gateway SecurityPolicy (OIDC login or JWT validation against Keycloak's
 * platform realm), a local rate limit (BackendTrafficPolicy), and the HAProxy entry of its host.
 * The layer that uses it must depend on `gateway` (and on `secrets` for `oidc`).
 */
export class PublishedApi extends Construct {
  public readonly host: string;
  public readonly pathPrefix: string;
  public readonly route: HttpRoute;
  public readonly securityPolicy?: ApiObject;
  public readonly rateLimitPolicy?: ApiObject;
  /** The OIDC client secret (from Bitwarden), `oidc` only. */
  public readonly clientSecret?: BitwardenSecret;

  constructor(scope: Construct, id: string, props: PublishedApiProps) {
    super(scope, id);
    const where = this.node.path;
    const label = props.host ?? props.name;
    if (!DNS_LABEL.test(props.name)) throw new Error(`${where}: name "${props.name}" must be a DNS label (it names the route and its policies)`);
    if (!DNS_LABEL.test(label)) throw new Error(`${where}: host "${label}" must be a DNS label (it becomes <host>.<domain>)`);
    const prefix = props.pathPrefix ?? '/';
    if (!PATH_PREFIX.test(prefix)) throw new Error(`${where}: path prefix "${prefix}" must be "/" or "/segment[/segment...]" without a trailing slash`);
    const limit = props.rateLimit === undefined ? DEFAULT_API_RATE_LIMIT : props.rateLimit;
    if (limit && (!Number.isInteger(limit.requests) || limit.requests < 1)) throw new Error(`${where}: rate limit requests must be a whole number of at least 1, got ${limit.requests}`);
    const audiences = props.audiences ?? [props.name];
    if (props.auth !== 'jwt' && props.audiences) throw new Error(`${where}: audiences apply to auth "jwt" only (auth is "${props.auth}")`);
    if (audiences.length < 1 || audiences.length > 8) throw new Error(`${where}: give 1 to 8 audiences, got ${audiences.length}`);

    const { site } = platformContext(this);
    if (props.auth !== 'none' && !site.keycloak.enabled) {
      throw new Error(`${where}: auth "${props.auth}" validates logins against Keycloak, which site.yaml switches off (keycloak.enabled: false); set keycloak.enabled: true, or publish the API with auth "none"`);
    }
    const layer = Layer.of(this);
    this.host = `${label}.${site.domain}`;
    this.pathPrefix = prefix;
    this.route = sharedGatewayRoute(this, {
      name: props.name, namespace: props.namespace, host: this.host, pathPrefix: prefix,
      serviceName: props.serviceName, servicePort: props.servicePort,
    });
    const targetRefs: RouteTargetRef[] = [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: props.name }];
    // The OAuth2 filter only sees requests of its route: callback and logout live under the prefix.
    const under = prefix === '/' ? '' : prefix;
    const redirectUrl = `https://${this.host}${under}/oauth2/callback`;

    if (props.auth === 'oidc') {
      this.clientSecret = new BitwardenSecret(this, 'client-secret', {
        name: `${props.name}-oidc-client`,
        namespace: props.namespace,
        data: { [OIDC_CLIENT_SECRET_KEY]: site.keycloak.clientSecrets[API_GATEWAY_CLIENT] },
      });
    }
    if (props.auth !== 'none') {
      const spec: SecurityPolicySpec = props.auth === 'oidc'
        ? {
          targetRefs,
          oidc: {
            provider: { issuer: platformIssuer(site.domain) },
            clientID: API_GATEWAY_CLIENT,
            clientSecret: { name: `${props.name}-oidc-client` },
            // Explicit and https: HAProxy ends TLS, the gateway itself only sees plain HTTP.
            redirectURL: redirectUrl,
            logoutPath: `${under}/logout`,
            forwardAccessToken: true,
          },
        }
        : {
          targetRefs,
          jwt: { providers: [{ name: 'keycloak', issuer: platformIssuer(site.domain), audiences: [...audiences], remoteJWKS: { uri: platformJwksUri(site.domain) } }] },
        };
      this.securityPolicy = new ApiObject(this, 'security-policy', {
        apiVersion: ENVOY_GATEWAY_API_VERSION,
        kind: 'SecurityPolicy',
        metadata: { name: props.name, namespace: props.namespace },
        spec,
      });
      // Envoy Gateway rejects an OIDC policy whose client secret is missing: the Secret comes first.
      if (this.clientSecret) layer.addOrder(this.securityPolicy, this.clientSecret);
    }
    if (limit) {
      const spec: BackendTrafficPolicySpec = { targetRefs, rateLimit: { local: { rules: [{ limit: { requests: limit.requests, unit: limit.unit } }] } } };
      this.rateLimitPolicy = new ApiObject(this, 'rate-limit', {
        apiVersion: ENVOY_GATEWAY_API_VERSION,
        kind: 'BackendTrafficPolicy',
        metadata: { name: props.name, namespace: props.namespace },
        spec,
      });
    }
    Inventory.of(this).addApi({
      host: this.host,
      pathPrefix: prefix,
      layer: layer.layerName,
      description: props.description,
      auth: props.auth,
      ...(props.auth === 'oidc' ? { redirectUrl } : {}),
    }, { address: site.network.gateway.address, port: SHARED_GATEWAY.port });
  }
}
