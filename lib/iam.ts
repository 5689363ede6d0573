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
