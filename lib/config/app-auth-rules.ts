import { REALM_GROUP_NAME, realmGroupName } from '../iam';
import { hasPreviewHost, hasPreviewSso, previewHostField } from '../paas/conventions';
import type { AppSpec } from './app-schema';
import { quoteValue } from './quote';
import type { RuleIssue } from './rules';
import type { Site } from './schema';

type Spec = Pick<AppSpec, 'auth' | 'expose' | 'strategy' | 'preview'>;

/**
 * The rules of an app's login (`auth`, `preview.sso`) that one field cannot express: a login
 * stands in front of `expose.http`; groups are named as the realm's `groups` claim names them
 * (the LDAP group's cn), each once.
 */
export function checkAppAuth(app: Spec): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const add = (path: RuleIssue['path'], message: string) => issues.push({ path, message });
  if (app.auth?.sso === false) {
    add(['auth', 'sso'], 'write `auth: { sso: true }` for a login in front of the app, or remove auth for none');
  } else if (app.auth && !app.expose.http) {
    add(['auth'], 'a login stands in front of the app\'s host, and the app has no expose.http: add `expose: { http: { host: ... } }`, or remove auth (raw TCP ports cannot carry a browser login)');
  }
  const seen = new Map<string, number>();
  (app.auth?.groups ?? []).forEach((g, i) => {
    if (/^[a-zA-Z]+=[^,]*,/.test(g)) {
      add(['auth', 'groups', i], `is a DN; the realm's groups claim carries the group's name (its cn): write ${quoteValue(realmGroupName(g))}`);
    } else if (g.startsWith('/')) {
      add(['auth', 'groups', i], `is a group path; the realm's groups claim carries names without the path: write ${quoteValue(g.replace(/^.*\//, ''))}`);
    } else if (!REALM_GROUP_NAME.test(g)) {
      add(['auth', 'groups', i], 'must be a group name as the directory has it (its cn, e.g. "k8s-platform-admins"): no ",", "=" or "/", no spaces at either end');
    }
    if (seen.has(g)) add(['auth', 'groups', i], `${quoteValue(g)} is listed twice (also auth.groups[${seen.get(g)}])`);
    else seen.set(g, i);
  });
  if (app.preview?.sso === true && app.strategy.type === 'blueGreen' && !hasPreviewHost(app)) {
    add(['preview', 'sso'], 'the app has no preview host to log in to (`preview.host: false`, or no expose.http): remove preview.sso');
  }
  return issues;
}

/** The rules of an app's login against the site: logins go through Keycloak, which the site must run. */
export function checkAppAuthAgainstSite(app: Spec, site: Pick<Site, 'keycloak'>): RuleIssue[] {
  if (site.keycloak.enabled) return [];
  const issues: RuleIssue[] = [];
  if (app.auth?.sso) {
    issues.push({ path: ['auth', 'sso'], message: 'logs users in to Keycloak, which site.yaml switches off (keycloak.enabled: false): set keycloak.enabled: true, or remove auth' });
  }
  if (hasPreviewSso(app)) {
    const path = app.preview?.sso === true ? ['preview', 'sso'] : previewHostField(app);
    issues.push({ path, message: 'the preview host is behind single sign-on by default, which needs Keycloak, and site.yaml switches it off (keycloak.enabled: false): set keycloak.enabled: true, or publish the preview without a login with `preview: { sso: false }` (anyone who reaches the host sees the release), or `preview: { host: false }` for no preview host' });
  }
  return issues;
}
