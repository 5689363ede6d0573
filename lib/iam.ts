/**
 * Keycloak as the platform's identity provider: the names and URLs that the keycloak layer
 * renders and that other layers and constructs (the API gateway's SecurityPolicies) rely on.
 */

/** Sub-domain of Keycloak: `iam.<domain>`. */
export const IAM_HOST = 'iam';
/** The realm every platform user logs in to (users and groups from the UCS directory). */
export const PLATFORM_REALM = 'platform';
/** The confidential client Envoy Gateway logs users in with (`auth: 'oidc'` of a PublishedApi). */
export const API_GATEWAY_CLIENT = 'api-gateway';

/** Public base URL of Keycloak; TLS ends at HAProxy. */
export function iamUrl(domain: string): string {
  return `https://${IAM_HOST}.${domain}`;
}

/** Issuer of the platform realm: the `iss` of its tokens, and where OIDC discovery starts. */
export function platformIssuer(domain: string): string {
  return `${iamUrl(domain)}/realms/${PLATFORM_REALM}`;
}

/** The signing keys of the platform realm (JWKS), for validating its tokens. */
export function platformJwksUri(domain: string): string {
  return `${platformIssuer(domain)}/protocol/openid-connect/certs`;
}

/**
 * Where Envoy Gateway's OIDC login returns to on an SSO host, and where a user logs out: under
 * `/oauth2/` so that neither takes a path of the app behind it (an app's own `/logout` stays its own).
 */
export const SSO_CALLBACK_PATH = '/oauth2/callback';
export const SSO_LOGOUT_PATH = '/oauth2/logout';

/**
 * The name of an LDAP group as the realm's tokens carry it in the `groups` claim: the group's
 * `cn` (the realm's group mapper reads `cn`, without the path), e.g.
 * `cn=k8s-platform-admins,cn=groups,dc=example,dc=com` -> `k8s-platform-admins`.
 */
export function realmGroupName(dn: string): string {
  const first = dn.split(',')[0];
  const eq = first.indexOf('=');
  return eq < 0 ? first.trim() : first.slice(eq + 1).trim();
}

/**
 * A group name as it appears in the realm's `groups` claim: the group's `cn`, not its DN nor a
 * path (`/team`), with no `,` or `=`. What `auth.groups` of an app spec lists.
 */
export const REALM_GROUP_NAME = /^[^\s,=/][^,=/]{0,253}[^\s,=/]$|^[^\s,=/]$/;
