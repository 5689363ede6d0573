// verify/route-backends: a Gateway API route sends to a Service the tree renders (or one a
// controller makes from a rendered object: facts runtimeServices), on a port the Service exposes.
import { parse } from 'yaml';
import { factsKey, ObjectFacts } from '../../lib/facts/facts';
import type { JsonMap } from '../../lib/k8s/manifest';
import { renderSite } from '../../lib/synth';
import { ROUTE_BACKENDS } from '../../lib/verify/reference-rules';
import type { Tree } from '../../lib/verify/rules';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { runSplit } from '../../lib/verify/split-rule';
import { shippedSite, verifyChangedRender } from '../helpers';

const service = (ns: string, name: string, ports: readonly number[]): JsonMap => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: { app: name }, ports: ports.map((port) => ({ port })) },
});

/** An HTTPRoute (or another route `kind`) in `ns` with one rule of `refs`. */
const route = (ns: string, refs: readonly JsonMap[], kind = 'HTTPRoute'): JsonMap => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind, metadata: { name: 'r', namespace: ns },
  spec: { parentRefs: [{ name: 'platform', namespace: 'envoy-gateway-system' }], rules: [{ backendRefs: refs }] },
});

/** What ROUTE_BACKENDS reports among `objects` (with `facts` by object). */
function findings(objects: readonly JsonMap[], facts: readonly (readonly [JsonMap, ObjectFacts])[] = []): string[] {
  const found: string[] = [];
  const byId = new Map(facts.map(([o, f]) => {
    const m = o.metadata as JsonMap;
    return [factsKey(String(o.apiVersion), String(o.kind), m.namespace as string | undefined, String(m.name)), f];
  }));
  const tree = { objects: objects.map((obj, i) => ({ file: `dist/x/object-${i}.yaml`, obj })), facts: byId } as unknown as Tree;
  for (const { message } of runSplit(tree, ROUTE_BACKENDS)) found.push(message);
  return found;
}

describe('verify/route-backends', () => {
  test('GIVEN a route to a rendered Service on a port it exposes WHEN checked THEN nothing is found', () => {
    expect(findings([service('web', 'web', [80, 443]), route('web', [{ name: 'web', port: 443 }])])).toEqual([]);
  });

  test('GIVEN a route to a Service no object renders WHEN checked THEN the finding names the reference, the Service and its namespace', () => {
    expect(findings([service('web', 'other', [80]), route('web', [{ name: 'web', port: 80 }])])).toEqual([
      expect.stringMatching(/^spec\.rules\[0\]\.backendRefs\[0\] sends to Service "web" in namespace "web", which the tree does not render/),
    ]);
  });

  test('GIVEN a route to a port the Service does not expose WHEN checked THEN the finding lists the ports it does', () => {
    expect(findings([service('web', 'web', [8080]), route('web', [{ name: 'web', port: 80 }])])).toEqual([
      'spec.rules[0].backendRefs[0] sends to port 80 of Service "web", which exposes only 8080; use one of those',
    ]);
  });

  test('GIVEN a Service reference without a port WHEN checked THEN it is found (a Service backend needs one)', () => {
    expect(findings([service('web', 'web', [8080]), route('web', [{ name: 'web' }])])).toEqual([
      'spec.rules[0].backendRefs[0] sends to Service "web" without a port; set port to one it exposes (8080)',
    ]);
  });

  test('GIVEN a Service of the same name in another namespace only WHEN the reference names no namespace THEN it is found; naming that namespace it holds', () => {
    expect(findings([service('other', 'web', [80]), route('web', [{ name: 'web', port: 80 }])])).toHaveLength(1);
    expect(findings([service('other', 'web', [80]), route('web', [{ name: 'web', namespace: 'other', port: 80 }])])).toEqual([]);
  });

  test('GIVEN a Service an operator makes from a rendered object WHEN that object declares it (runtimeServices) in the route\'s namespace THEN it holds; declared in another namespace it does not', () => {
    const keycloak: JsonMap = { apiVersion: 'k8s.keycloak.org/v2alpha1', kind: 'Keycloak', metadata: { name: 'keycloak', namespace: 'keycloak' } };
    const elsewhere: JsonMap = { apiVersion: 'k8s.keycloak.org/v2alpha1', kind: 'Keycloak', metadata: { name: 'keycloak', namespace: 'other' } };
    const iam = route('keycloak', [{ name: 'keycloak-service', port: 8080 }]);
    expect(findings([keycloak, iam], [[keycloak, { runtimeServices: ['keycloak-service'] }]])).toEqual([]);
    expect(findings([elsewhere, iam], [[elsewhere, { runtimeServices: ['keycloak-service'] }]])).toHaveLength(1);
  });

  test('GIVEN every route kind of the Gateway API WHEN one sends to a missing Service THEN each is found; a backend of another kind or group is not this rule\'s', () => {
    for (const kind of ['HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute', 'UDPRoute']) expect(findings([route('web', [{ name: 'gone', port: 80 }], kind)])).toHaveLength(1);
    expect(findings([route('web', [{ group: 'gateway.envoyproxy.io', kind: 'Backend', name: 'external' }, { kind: 'ServiceImport', group: 'multicluster.x-k8s.io', name: 'x', port: 80 }])])).toEqual([]);
  });
});

describe('verify/route-backends over the shipped render', () => {
  const registry = new SchemaRegistry();
  const rendered = renderSite(shippedSite());

  const verified = (change: (files: Map<string, unknown>) => void): string[] => verifyChangedRender(rendered, registry, change);

  test('GIVEN the shipped render WHEN verified THEN every route reaches its Service (the Keycloak operator\'s declared)', () => {
    expect(verified(() => undefined).filter((f) => f.includes('backendRefs'))).toEqual([]);
  });

  test('GIVEN the shipped render WHEN the Service file of each route\'s backend is deleted THEN verify names the route that sends to it', () => {
    const routes = rendered.filter((f) => f.path.startsWith('dist/') && /\/httproute-[^/]+\.yaml$/.test(f.path)).map((f) => parse(f.content) as JsonMap);
    // The rendered Service each route sends to (the Keycloak operator's is made at run time: none to delete).
    const targets = routes.flatMap((r) => {
      const ref = ((r.spec as JsonMap).rules as JsonMap[])[0].backendRefs as JsonMap[];
      const ns = (r.metadata as JsonMap).namespace;
      // Not Argo CD's: its twin in argocd/ (the bootstrap) still renders it.
      const file = rendered.find((f) => /\/service-[^/]+\.yaml$/.test(f.path) && f.path.startsWith('dist/') && !f.path.startsWith('dist/argocd/') && (() => {
        const m = (parse(f.content) as JsonMap).metadata as JsonMap;
        return m.name === ref[0].name && m.namespace === ns;
      })());
      return file ? [{ route: `HTTPRoute ${String(ns)}/${String((r.metadata as JsonMap).name)}`, file: file.path }] : [];
    });
    expect(targets.length).toBeGreaterThanOrEqual(3);
    for (const { route: name, file } of targets.slice(0, 3)) {
      const found = verified((files) => files.delete(file));
      expect(found.filter((f) => f.includes(name) && /backendRefs\[0\] sends to Service ".+" in namespace ".+", which the tree does not render/.test(f))).toHaveLength(1);
    }
  });
});
