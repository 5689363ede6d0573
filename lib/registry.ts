/**
 * Harbor as the platform's container registry: the name that the harbor layer publishes and
 * that other layers (Jenkins pushes there) and the app rules (an image on Harbor needs Harbor)
 * rely on, like lib/iam.ts for Keycloak.
 */

/** Sub-domain of the registry: `registry.<domain>`. */
export const HARBOR_SUBDOMAIN = 'registry';
