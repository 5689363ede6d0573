import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { platformContext } from '../context';
import { API_GATEWAY_CLIENT, platformIssuer, platformJwksUri, SSO_CALLBACK_PATH, SSO_LOGOUT_PATH } from '../iam';
import { EntrySource, Inventory } from '../inventory';
import { Layer } from '../layer';
import { ssoClientSecretName } from '../paas/conventions';
import { BitwardenSecret } from './bitwarden-secret';
import { OIDC_CLIENT_SECRET_KEY, RouteTargetRef, SecurityPolicySpec } from './security-policy';

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
/** The JWT provider of an SSO policy that checks groups: the realm's access token, as the OIDC filter forwards it. */
export const SSO_JWT_PROVIDER = 'keycloak';
/** The claim the realm's group mapper fills with the user's group names (lib/layers/keycloak.ts GROUPS_MAPPER). */
export const GROUPS_CLAIM = 'groups';

export interface SsoLoginProps {
  /** Names the SecurityPolicy and the client Secret (`<name>-sso-client`): the route's name. */
  readonly name: string;
  /** Namespace of the route (the policy and the Secret live beside it). */
  readonly namespace: string;
  /** The HTTPRoute(s) of `host` the login stands in front of. */
  readonly routes: readonly string[];
  /** The one host the routes serve, e.g. `longhorn.turnsys.com`: the login returns there. */
  readonly host: string;
  /**
   * Realm groups (names as in the `groups` claim, e.g. `k8s-platform-admins`) allowed in;
   * others get 403 after logging in.
   * @default - every user of the realm
   */
  readonly groups?: readonly string[];
  /** What is behind the login, for the inventory. */
  readonly description: string;
  /** The spec field that asks for the login (an app spec): clashes name it. @default - the platform's code */
  readonly source?: EntrySource;
  /** Who registers the login (the layer whose Application syncs it). @default - the enclosing layer */
  readonly owner?: string;
}

/**
 * The SecurityPolicy spec of an SSO login: OIDC against the platform realm as the shared client
 * `api-gateway` (its secret in `clientSecret`), the callback and logout under `/oauth2/` on
 * `host`, and with `groups`, the realm's access token (forwarded by the OIDC filter as
 * `Authorization: Bearer`) validated against the realm's keys and its `groups` claim required
 * to hold one of them (default action Deny).
 */
export function ssoPolicySpec(props: {
  readonly domain: string;
  readonly routes: readonly string[];
  readonly host: string;
  readonly clientSecret: string;
  readonly groups?: readonly string[];
}): SecurityPolicySpec {
  const targetRefs: RouteTargetRef[] = props.routes.map((name) => ({ group: GATEWAY_API_GROUP, kind: 'HTTPRoute', name }));
  const groups = props.groups ?? [];
  return {
    targetRefs,
    oidc: {
      provider: { issuer: platformIssuer(props.domain) },
      clientID: API_GATEWAY_CLIENT,
      clientSecret: { name: props.clientSecret },
      // Explicit and https: HAProxy ends TLS, the gateway itself only sees plain HTTP.
      redirectURL: `https://${props.host}${SSO_CALLBACK_PATH}`,
      logoutPath: SSO_LOGOUT_PATH,
      forwardAccessToken: true,
    },
    ...(groups.length ? {
      jwt: { providers: [{ name: SSO_JWT_PROVIDER, issuer: platformIssuer(props.domain), audiences: [API_GATEWAY_CLIENT], remoteJWKS: { uri: platformJwksUri(props.domain) } }] },
      authorization: {
        defaultAction: 'Deny',
        rules: [{
          name: 'groups',
          action: 'Allow',
          principal: { jwt: { provider: SSO_JWT_PROVIDER, claims: [{ name: GROUPS_CLAIM, valueType: 'StringArray', values: [...groups] }] } },
        }],
      },
    } : {}),
  };
}

/**
 * Single sign-on in front of a host on the shared gateway: an Envoy Gateway SecurityPolicy on
 * its route(s) that logs browsers in to Keycloak's platform realm (client `api-gateway`, its
 * secret from Bitwarden into `<name>-sso-client`), optionally only members of `groups`, and the
 * host's callback in the Inventory (the realm's client allows exactly the recorded callbacks).
 * Needs Keycloak (`keycloak.enabled`); the layer must depend on `gateway` and `secrets`.
 */
export class SsoLogin extends Construct {
  public readonly securityPolicy: ApiObject;
  public readonly clientSecret: BitwardenSecret;
  public readonly redirectUrl: string;

  constructor(scope: Construct, id: string, props: SsoLoginProps) {
    super(scope, id);
    const { site } = platformContext(this);
    if (!site.keycloak.enabled) {
      throw new Error(`programming error: ${this.node.path}: single sign-on for ${props.host} needs Keycloak, which site.yaml switches off (keycloak.enabled: false); the app rules (lib/config/app-auth-rules.ts) refuse this, and a layer publishes a UI behind single sign-on only when Keycloak runs`);
    }
    if (!props.routes.length) throw new Error(`${this.node.path}: name at least one HTTPRoute of ${props.host} to put behind the login`);
    const secretName = ssoClientSecretName(props.name);
    this.clientSecret = new BitwardenSecret(this, 'client-secret', {
      name: secretName,
      namespace: props.namespace,
      data: { [OIDC_CLIENT_SECRET_KEY]: site.keycloak.clientSecrets[API_GATEWAY_CLIENT] },
    });
    const spec = ssoPolicySpec({ domain: site.domain, routes: props.routes, host: props.host, clientSecret: secretName, groups: props.groups });
    this.redirectUrl = spec.oidc!.redirectURL;
    this.securityPolicy = new ApiObject(this, 'security-policy', {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'SecurityPolicy',
      metadata: { name: props.name, namespace: props.namespace },
      spec,
    });
    // Envoy Gateway rejects an OIDC policy whose client secret is missing: the Secret comes first.
    // A workload chart (an app) is no layer: its Application syncs everything in one go.
    const layer = Layer.tryOf(this);
    if (layer) layer.addOrder(this.securityPolicy, this.clientSecret);
    Inventory.of(this).addSso({
      ...(props.source ? { source: props.source } : {}),
      host: props.host,
      redirectUrl: this.redirectUrl,
      groups: [...(props.groups ?? [])],
      layer: props.owner ?? layer?.layerName ?? 'unknown',
      description: props.description,
    });
  }
}
