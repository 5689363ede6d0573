import { listAt, mapsAt, stringAt } from '../k8s/manifest';
import type { Entry, ObjectRef, SplitReport, SplitRule } from './split-rule';

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

/** What verify/sso-clients reads of an object. */
export interface SsoProjection {
  /** A KeycloakRealmImport's clients: id and the redirect URIs it allows (string ones), in order. @default - none */
  readonly clients?: readonly (readonly [string, readonly string[]])[];
  /** An HTTPRoute's hostnames (string ones). @default - none */
  readonly hosts?: readonly string[];
  /** An OIDC SecurityPolicy's client, callback and the HTTPRoutes it targets. @default - none */
  readonly oidc?: { readonly clientID?: string; readonly redirectURL?: string; readonly targets: readonly string[] };
}

/** Every OIDC SecurityPolicy: its client is defined by the realm import, its callback on a host its routes serve and allowed by that client. */
export const SSO_CLIENTS: SplitRule<SsoProjection, 'verify/sso-clients'> = {
  id: 'verify/sso-clients',
  key: 'sso',
  project({ obj, ref, group }) {
    if (ref.kind === 'KeycloakRealmImport' && group === 'k8s.keycloak.org') {
      const clients: [string, string[]][] = [];
      for (const c of mapsAt(obj, 'spec.realm.clients')) {
        const id = stringAt(c, 'clientId');
        if (id) clients.push([id, listAt(c, 'redirectUris').filter((u): u is string => typeof u === 'string')]);
      }
      return { clients };
    }
    if (ref.kind === 'HTTPRoute' && group === 'gateway.networking.k8s.io') return { hosts: listAt(obj, 'spec.hostnames').filter((h): h is string => typeof h === 'string') };
    if (ref.kind === 'SecurityPolicy' && group === 'gateway.envoyproxy.io' && stringAt(obj, 'spec.oidc.provider.issuer') !== undefined) {
      const clientID = stringAt(obj, 'spec.oidc.clientID');
      const redirectURL = stringAt(obj, 'spec.oidc.redirectURL');
      const targets = mapsAt(obj, 'spec.targetRefs').filter((t) => stringAt(t, 'kind') === 'HTTPRoute').map((t) => stringAt(t, 'name') ?? '');
      return { oidc: { ...(clientID !== undefined ? { clientID } : {}), ...(redirectURL !== undefined ? { redirectURL } : {}), targets } };
    }
    return undefined;
  },
  join(entries, _tree, report) {
    // The realm's clients, the routes by namespace and name (every policy looks its targets up), the OIDC policies, each in tree order.
    const clients = new Map<string, readonly string[]>();
    const routeKey = (ns: string | undefined, name: string) => `${ns === undefined ? '\u0000' : `${ns}/`}${name}`;
    const hostsByRoute = new Map<string, string[]>();
    const policies: Entry<SsoProjection>[] = [];
    for (const e of entries) {
      const p = e.p;
      if (!p) continue;
      if (p.clients) {
        for (const [id, uris] of p.clients) clients.set(id, uris);
      } else if (p.hosts) {
        const key = routeKey(e.ref.namespace, e.ref.name);
        hostsByRoute.set(key, [...(hostsByRoute.get(key) ?? []), ...p.hosts]);
      } else if (p.oidc) {
        policies.push(e);
      }
    }
    const hostsOfRoute = (ns: string | undefined, name: string) => hostsByRoute.get(routeKey(ns, name)) ?? [];
    const defined = [...clients.keys()].sort();
    const matchers = new Map([...clients].map(([id, uris]) => [id, redirectMatcher(uris)]));
    const allows = (id: string, url: string) => matchers.get(id)!(url);
    for (const e of policies) checkPolicy(e.ref, e.p!.oidc!, clients, defined, allows, hostsOfRoute, report);
  },
};

function checkPolicy(
  ref: ObjectRef,
  oidc: NonNullable<SsoProjection['oidc']>,
  clients: ReadonlyMap<string, readonly string[]>,
  defined: readonly string[],
  allows: (clientId: string, url: string) => boolean,
  hostsOfRoute: (ns: string | undefined, name: string) => readonly string[],
  report: SplitReport,
): void {
  const clientId = oidc.clientID;
  const redirect = oidc.redirectURL;
  if (!clientId) {
    report(ref, 'logs users in with OIDC but names no spec.oidc.clientID: give the realm client (e.g. "api-gateway") it logs in as');
  } else if (!clients.has(clientId)) {
    report(ref, `logs users in as OIDC client "${clientId}", which no KeycloakRealmImport defines (${defined.length ? `the realm defines ${defined.join(', ')}` : 'no realm import is rendered: is keycloak.enabled false?'}); Keycloak would refuse every login: use a client of the realm (lib/layers/keycloak.ts OIDC_CLIENTS)`);
  }
  if (!redirect) {
    report(ref, 'has no spec.oidc.redirectURL: Envoy Gateway would build it from the request (http behind HAProxy), which Keycloak refuses; set https://<host>/oauth2/callback');
    return;
  }
  const host = hostOf(redirect);
  const ns = ref.namespace;
  const targets = oidc.targets;
  const served = [...new Set(targets.flatMap((t) => hostsOfRoute(ns, t)))].sort();
  if (!host || !served.includes(host)) {
    report(ref, `returns the login to ${redirect}, but ${targets.length ? `its routes (${targets.join(', ')}) serve ${served.length ? served.join(', ') : 'no host'}` : 'it targets no HTTPRoute'}: the callback would never reach the login filter; redirect to a host of the routes it protects`);
  }
  const allowed = clientId ? clients.get(clientId) : undefined;
  if (allowed && !allows(clientId!, redirect)) {
    report(ref, `returns the login to ${redirect}, which realm client "${clientId}" does not allow (its redirect URIs: ${allowed.length ? allowed.join(', ') : 'none'}); Keycloak would answer "Invalid redirect_uri": register the host with SsoLogin (lib/constructs/sso-login.ts), which adds its callback to the client`);
  }
}
