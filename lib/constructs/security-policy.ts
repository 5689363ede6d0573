/**
 * The parts of Envoy Gateway's SecurityPolicy (gateway.envoyproxy.io/v1alpha1, the version
 * pinned in lib/versions.ts) the platform sets: PublishedApi (OIDC or JWT for APIs) and
 * SsoLogin (single sign-on in front of UIs and apps) write them.
 */

/** Envoy Gateway's key for the OIDC client secret in the referenced Secret. */
export const OIDC_CLIENT_SECRET_KEY = 'client-secret';

/** A policy's target: the API's HTTPRoute (policies attach to routes of their own namespace). */
export interface RouteTargetRef {
  readonly group: 'gateway.networking.k8s.io';
  readonly kind: 'HTTPRoute';
  readonly name: string;
}

/** OIDC login against Keycloak (SecurityPolicy `spec.oidc`, the part the platform sets). */
export interface OidcAuthSpec {
  readonly provider: { readonly issuer: string };
  readonly clientID: string;
  /** A Secret in the route's namespace with key `client-secret`. */
  readonly clientSecret: { readonly name: string };
  /** Must lie under the route (host and path prefix), or the callback never reaches the filter. */
  readonly redirectURL: string;
  readonly logoutPath: string;
  /** Pass the access token to the backend as `Authorization: Bearer`. */
  readonly forwardAccessToken: boolean;
}

/** Bearer-token validation against Keycloak's keys (SecurityPolicy `spec.jwt`, the part the platform sets). */
export interface JwtAuthSpec {
  readonly providers: readonly {
    readonly name: string;
    readonly issuer: string;
    readonly audiences: readonly string[];
    readonly remoteJWKS: { readonly uri: string };
  }[];
}

/** Who is let in, by the claims of the token the `jwt` providers validated (SecurityPolicy `spec.authorization`, the part the platform sets). */
export interface ClaimAuthorizationSpec {
  readonly defaultAction: 'Allow' | 'Deny';
  readonly rules: readonly {
    readonly name: string;
    readonly action: 'Allow' | 'Deny';
    readonly principal: {
      readonly jwt: {
        readonly provider: string;
        readonly claims: readonly { readonly name: string; readonly valueType: 'String' | 'StringArray'; readonly values: readonly string[] }[];
      };
    };
  }[];
}

/** The part of the SecurityPolicy spec (gateway.envoyproxy.io/v1alpha1) the platform sets. */
export interface SecurityPolicySpec {
  readonly targetRefs: readonly RouteTargetRef[];
  readonly oidc?: OidcAuthSpec;
  readonly jwt?: JwtAuthSpec;
  readonly authorization?: ClaimAuthorizationSpec;
}
