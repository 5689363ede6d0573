import { listAt, mapsAt, stringAt } from '../k8s/manifest';
import type { LoadedObject } from '../k8s/tree';
import type { Report, Tree } from './rules';
import { treeIndex } from './tree-index';

/*
 * Single sign-on as rendered: every Envoy Gateway SecurityPolicy that logs users in with OIDC
 * names a client the Keycloak realm import defines, returns to a host its own routes serve, and
 * that client lets the login return there. Read back from the rendered objects, not site.yaml.
 */

/**
 * Whether a Keycloak client's redirect URIs (`allowed`) let a login return to a URL: one of them
 * equals it, or is a prefix of it ending in `*`. Built once per client (a set and the prefixes).
 */
export function redirectMatcher(allowed: readonly string[]): (url: string) => boolean {
  const exact = new Set(allowed.filter((a) => !a.endsWith('*')));
  const prefixes = allowed.filter((a) => a.endsWith('*')).map((a) => a.slice(0, -1));
  return (url) => exact.has(url) || prefixes.some((prefix) => url.startsWith(prefix));
}

/** The host of an absolute URL, or undefined when it is not one. */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/** Every OIDC SecurityPolicy: its client is defined by the realm import, its callback on a host its routes serve and allowed by that client. */
export function checkSsoClients(tree: Tree, report: Report): void {
  // One pass over the tree's index (API group and kind read once per object, lib/verify/tree-index.ts):
  // the realm's clients, the routes by namespace and name (every policy looks its targets up), the OIDC policies, each in tree order.
  const clients = new Map<string, readonly string[]>();
  const routeKey = (ns: string | undefined, name: string) => `${ns === undefined ? '\u0000' : `${ns}/`}${name}`;
  const hostsByRoute = new Map<string, string[]>();
  const policies: LoadedObject[] = [];
  for (const { o, group, kind } of treeIndex(tree).objects) {
    if (kind === 'KeycloakRealmImport' && group === 'k8s.keycloak.org') {
      for (const c of mapsAt(o.obj, 'spec.realm.clients')) {
        const id = stringAt(c, 'clientId');
        if (id) clients.set(id, listAt(c, 'redirectUris').filter((u): u is string => typeof u === 'string'));
      }
    } else if (kind === 'HTTPRoute' && group === 'gateway.networking.k8s.io') {
      const name = stringAt(o.obj, 'metadata.name');
      if (name === undefined) continue;
      const key = routeKey(stringAt(o.obj, 'metadata.namespace'), name);
      const hosts = listAt(o.obj, 'spec.hostnames').filter((h): h is string => typeof h === 'string');
      hostsByRoute.set(key, [...(hostsByRoute.get(key) ?? []), ...hosts]);
    } else if (kind === 'SecurityPolicy' && group === 'gateway.envoyproxy.io' && stringAt(o.obj, 'spec.oidc.provider.issuer') !== undefined) {
      policies.push(o);
    }
  }
  const hostsOfRoute = (ns: string | undefined, name: string) => hostsByRoute.get(routeKey(ns, name)) ?? [];
  const defined = [...clients.keys()].sort();
  const matchers = new Map([...clients].map(([id, uris]) => [id, redirectMatcher(uris)]));
  const allows = (id: string, url: string) => matchers.get(id)!(url);
  for (const p of policies) checkPolicy(p, clients, defined, allows, hostsOfRoute, report);
}

function checkPolicy(
  p: LoadedObject,
  clients: ReadonlyMap<string, readonly string[]>,
  defined: readonly string[],
  allows: (clientId: string, url: string) => boolean,
  hostsOfRoute: (ns: string | undefined, name: string) => readonly string[],
  report: Report,
): void {
  const clientId = stringAt(p.obj, 'spec.oidc.clientID');
  const redirect = stringAt(p.obj, 'spec.oidc.redirectURL');
  if (!clientId) {
    report(p, 'logs users in with OIDC but names no spec.oidc.clientID: give the realm client (e.g. "api-gateway") it logs in as');
  } else if (!clients.has(clientId)) {
    report(p, `logs users in as OIDC client "${clientId}", which no KeycloakRealmImport defines (${defined.length ? `the realm defines ${defined.join(', ')}` : 'no realm import is rendered: is keycloak.enabled false?'}); Keycloak would refuse every login: use a client of the realm (lib/layers/keycloak.ts OIDC_CLIENTS)`);
  }
  if (!redirect) {
    report(p, 'has no spec.oidc.redirectURL: Envoy Gateway would build it from the request (http behind HAProxy), which Keycloak refuses; set https://<host>/oauth2/callback');
    return;
  }
  const host = hostOf(redirect);
  const ns = stringAt(p.obj, 'metadata.namespace');
  const targets = mapsAt(p.obj, 'spec.targetRefs').filter((t) => stringAt(t, 'kind') === 'HTTPRoute').map((t) => stringAt(t, 'name') ?? '');
  const served = [...new Set(targets.flatMap((t) => hostsOfRoute(ns, t)))].sort();
  if (!host || !served.includes(host)) {
    report(p, `returns the login to ${redirect}, but ${targets.length ? `its routes (${targets.join(', ')}) serve ${served.length ? served.join(', ') : 'no host'}` : 'it targets no HTTPRoute'}: the callback would never reach the login filter; redirect to a host of the routes it protects`);
  }
  const allowed = clientId ? clients.get(clientId) : undefined;
  if (allowed && !allows(clientId!, redirect)) {
    report(p, `returns the login to ${redirect}, which realm client "${clientId}" does not allow (its redirect URIs: ${allowed.length ? allowed.join(', ') : 'none'}); Keycloak would answer "Invalid redirect_uri": register the host with SsoLogin (lib/constructs/sso-login.ts), which adds its callback to the client`);
  }
}
