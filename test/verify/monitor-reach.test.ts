// verify/monitor-reach (lib/verify/monitor-rules.ts): the NetworkPolicies let Prometheus reach
// every target its ServiceMonitors and PodMonitors name (lib/k8s/network-policy.ts semantics).
import { readFactsFile } from '../../lib/facts/facts';
import type { JsonMap } from '../../lib/k8s/manifest';
import { loadTree } from '../../lib/k8s/tree';
import { Policy, readPolicy } from '../../lib/k8s/network-policy';
import { PolicyIndex } from '../../lib/verify/monitor-rules';
import { fixtureTree } from '../../lib/verify/rule-fixtures';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { treeOf } from '../../lib/verify/tree-of';
import { VERIFY_RULES } from '../../lib/verify/verify-rules';
import { REPO } from '../helpers';

const registry = new SchemaRegistry();
const RULE = VERIFY_RULES.find((r) => r.id === 'verify/monitor-reach')!;

const labels = { 'app.kubernetes.io/name': 'web' };
const prometheusPods = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } };

/** A Prometheus in monitoring with `spec` (default: every monitor of every namespace). */
const prometheus = (spec: JsonMap = { serviceMonitorSelector: {}, serviceMonitorNamespaceSelector: {}, podMonitorSelector: {}, podMonitorNamespaceSelector: {} }): JsonMap => ({
  apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'k8s', namespace: 'monitoring' }, spec,
});
/** A Deployment `web` in namespace web serving metrics on 9100 ("metrics"); `pod` adds to its pod spec. */
const deployment = (pod: JsonMap = {}): JsonMap => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'web' },
  spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'web:1', ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9100 }] }], ...pod } } },
});
const podMonitor = (metadata: JsonMap = {}, endpoint: JsonMap = { port: 'metrics' }): JsonMap => ({
  apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: 'web', namespace: 'web', ...metadata }, spec: { selector: { matchLabels: labels }, podMetricsEndpoints: [endpoint] },
});
const policy = (name: string, ns: string, spec: JsonMap): JsonMap => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec });
const defaultDeny = policy('default-deny', 'web', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
const fromPrometheus = (ports: JsonMap[]) => policy('web-from-prometheus', 'web', { podSelector: { matchLabels: labels }, policyTypes: ['Ingress'], ingress: [{ from: [prometheusPods], ports }] });

/** The rule's findings over a tree of `objects` (each in its own file under dist/). */
function findings(...objects: JsonMap[]): string[] {
  const files = Object.fromEntries(objects.map((o, i) => [`dist/t/${i}-${String(o.kind).toLowerCase()}.yaml`, [o]]));
  return RULE.check(fixtureTree({ files }, registry)).map((f) => f.message);
}

describe('verify/monitor-reach', () => {
  test('GIVEN the committed render WHEN checked THEN every target Prometheus scrapes is reachable (Longhorn\'s manager through longhorn-manager-from-prometheus)', () => {
    expect(RULE.check(treeOf(loadTree(REPO), { root: REPO, registry, facts: readFactsFile(REPO).facts }))).toEqual([]);
  });

  test('GIVEN the committed render without longhorn-manager-from-prometheus WHEN checked THEN the Longhorn ServiceMonitor is found, naming the manager, 9500, the chart\'s policy and the allow to add', () => {
    const loaded = loadTree(REPO);
    const gone = 'dist/longhorn/networkpolicy-longhorn-manager-from-prometheus.yaml';
    const objects = loaded.objects.filter((o) => o.file !== gone);
    expect(objects.length).toBe(loaded.objects.length - 1);
    const found = RULE.check(treeOf({ ...loaded, files: loaded.files.filter((f) => f !== gone), objects }, { root: REPO, registry, facts: readFactsFile(REPO).facts }));
    expect(found.map((f) => [f.rule, f.file, f.object])).toEqual([['verify/monitor-reach', 'dist/monitoring/servicemonitor-longhorn.yaml', 'monitoring.coreos.com/v1 ServiceMonitor monitoring/longhorn']]);
    expect(found[0].message).toBe(
      'ServiceMonitor monitoring/longhorn endpoint 1 (port "manager") scrapes DaemonSet longhorn-system/longhorn-manager on TCP 9500 ("manager"), which Prometheus monitoring/kube-prometheus-stack-prometheus cannot reach: '
      + "NetworkPolicy longhorn-manager in longhorn-system isolates its pods for ingress and none admits Prometheus's pods on that port; "
      + 'add a NetworkPolicy in longhorn-system selecting app=longhorn-manager that admits namespace monitoring pods app.kubernetes.io/name=prometheus on TCP 9500',
    );
  });

  test('GIVEN an app namespace\'s default deny and a PodMonitor WHEN no policy admits Prometheus THEN it is found; an allow on the named port or on its number passes, one on another port does not', () => {
    expect(findings(prometheus(), deployment(), podMonitor(), defaultDeny)).toEqual([
      'PodMonitor web/web endpoint 1 (port "metrics") scrapes Deployment web/web on TCP 9100 ("metrics"), which Prometheus monitoring/k8s cannot reach: '
      + "NetworkPolicy default-deny in web isolates its pods for ingress and none admits Prometheus's pods on that port; "
      + 'add a NetworkPolicy in web selecting app.kubernetes.io/name=web that admits namespace monitoring pods app.kubernetes.io/name=prometheus on TCP 9100',
    ]);
    expect(findings(prometheus(), deployment(), podMonitor(), defaultDeny, fromPrometheus([{ port: 'metrics' }]))).toEqual([]);
    expect(findings(prometheus(), deployment(), podMonitor(), defaultDeny, fromPrometheus([{ port: 9000, endPort: 9199 }]))).toEqual([]);
    expect(findings(prometheus(), deployment(), podMonitor(), defaultDeny, fromPrometheus([{ port: 'http' }]))[0]).toContain('NetworkPolicies default-deny, web-from-prometheus in web isolate its pods');
  });

  test('GIVEN a monitor Prometheus does not select WHEN its target is denied THEN it is no target: null selector, a selector on labels it lacks, a namespace selector that leaves its namespace out, or the null namespace selector (Prometheus\'s own)', () => {
    const rest = [deployment(), podMonitor(), defaultDeny];
    expect(findings(prometheus({ serviceMonitorSelector: {}, podMonitorNamespaceSelector: {} }), ...rest)).toEqual([]);
    expect(findings(prometheus({ podMonitorSelector: { matchLabels: { release: 'k8s' } }, podMonitorNamespaceSelector: {} }), ...rest)).toEqual([]);
    expect(findings(prometheus({ podMonitorSelector: {}, podMonitorNamespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['web'] }] } }), ...rest)).toEqual([]);
    expect(findings(prometheus({ podMonitorSelector: {} }), ...rest)).toEqual([]);
    // The same monitor with the label the selector asks for, in a namespace whose Namespace object carries the label the namespace selector asks for.
    const ns: JsonMap = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web', labels: { scraped: 'yes' } } };
    expect(findings(prometheus({ podMonitorSelector: { matchLabels: { release: 'k8s' } }, podMonitorNamespaceSelector: { matchLabels: { scraped: 'yes' } } }), deployment(), podMonitor({ labels: { release: 'k8s' } }), defaultDeny, ns)).toHaveLength(1);
  });

  test('GIVEN a ServiceMonitor in monitoring WHEN it names the Service\'s port THEN the target is the pods\' container port behind its targetPort name', () => {
    const service: JsonMap = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'web', labels }, spec: { selector: labels, ports: [{ name: 'http-metrics', port: 80, targetPort: 'metrics' }] } };
    const sm: JsonMap = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'web', namespace: 'monitoring' }, spec: { namespaceSelector: { matchNames: ['web'] }, selector: { matchLabels: labels }, endpoints: [{ port: 'http-metrics' }] } };
    const found = findings(prometheus(), deployment(), service, sm, defaultDeny);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('ServiceMonitor monitoring/web endpoint 1 (port "http-metrics") scrapes Deployment web/web on TCP 9100 ("metrics")');
    // Without namespaceSelector it looks in its own namespace (monitoring): no target.
    expect(findings(prometheus(), deployment(), service, { ...sm, spec: { ...(sm.spec as JsonMap), namespaceSelector: undefined } }, defaultDeny)).toEqual([]);
  });

  test('GIVEN a policy isolating Prometheus\'s pods for egress WHEN it allows no way to the target THEN it is found, with the egress rule to add; an egress rule to the namespace on the named port passes', () => {
    const out = (egress: JsonMap[]) => policy('prometheus-out', 'monitoring', { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } }, policyTypes: ['Egress'], egress });
    const found = findings(prometheus(), deployment(), podMonitor(), out([{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }] }]));
    expect(found).toEqual([
      'PodMonitor web/web endpoint 1 (port "metrics") scrapes Deployment web/web on TCP 9100 ("metrics"), which Prometheus monitoring/k8s cannot reach: '
      + "NetworkPolicy prometheus-out in monitoring isolates Prometheus's pods for egress and none lets them out to it; "
      + 'add a NetworkPolicy in monitoring selecting app.kubernetes.io/name=prometheus with an egress rule to namespace web pods app.kubernetes.io/name=web on TCP 9100',
    ]);
    expect(findings(prometheus(), deployment(), podMonitor(), out([{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } } }], ports: [{ port: 'metrics' }] }]))).toEqual([]);
  });

  test('GIVEN Prometheus\'s podMetadata labels WHEN a policy admits only pods carrying one of them THEN Prometheus is admitted (the operator puts them on its pods)', () => {
    const admitTeam = policy('web-from-team', 'web', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { team: 'ops' } } }] }] });
    expect(findings(prometheus({ podMonitorSelector: {}, podMonitorNamespaceSelector: {}, podMetadata: { labels: { team: 'ops' } } }), deployment(), podMonitor(), admitTeam)).toEqual([]);
    expect(findings(prometheus(), deployment(), podMonitor(), admitTeam)).toHaveLength(1);
  });

  test('GIVEN an ipBlock of the pod network WHEN it is the only allow THEN the finding says an ipBlock is not taken to match a pod; 0.0.0.0/0 passes', () => {
    const block = (cidr: string) => policy('web-from-block', 'web', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr } }] }] });
    expect(findings(prometheus(), deployment(), podMonitor(), block('10.42.0.0/16'))[0]).toContain('(an ipBlock is taken to match a pod only when it is 0.0.0.0/0 or ::/0 without except)');
    expect(findings(prometheus(), deployment(), podMonitor(), block('0.0.0.0/0'))).toEqual([]);
  });

  test('GIVEN host-network pods or a monitor whose pods no rendered template makes WHEN denied THEN nothing is reported (no policy applies to them / a controller makes them at run time)', () => {
    expect(findings(prometheus(), deployment({ hostNetwork: true }), podMonitor(), defaultDeny)).toEqual([]);
    expect(findings(prometheus(), podMonitor(), defaultDeny)).toEqual([]);
  });
});

describe('PolicyIndex (the reach rules\' policies by namespace and label)', () => {
  const row = (i: number, name: string, matchLabels?: Record<string, string>) => ({ i, e: {} as never, v: readPolicy(name, 'web', { podSelector: matchLabels ? { matchLabels } : {} }) });
  const names = (policies: readonly Policy[]) => policies.map((p) => p.name);

  test('GIVEN policies selecting every pod and some by label WHEN a pod\'s candidates are asked THEN every policy that may select it comes, once each, in tree order', () => {
    const index = new PolicyIndex();
    index.add(row(3, 'web-only', { app: 'web' }));
    index.add(row(0, 'all'));
    index.add(row(2, 'tier-front', { tier: 'front' }));
    index.add(row(5, 'db-only', { app: 'db' }));
    index.add(row(4, 'web-front', { app: 'web', tier: 'front' }));
    const pod = { app: 'web', tier: 'front' };
    // web-front sits under its rarest pair only; every candidate is a superset of what selects the pod, in tree order.
    expect(names(index.candidates(pod))).toEqual(['all', 'tier-front', 'web-only', 'web-front']);
    expect(names(index.candidates({ app: 'db' }))).toEqual(['all', 'db-only']);
    expect(names(index.candidates({ other: 'x' }))).toEqual(['all']);
  });

  test('GIVEN label keys or values holding "=" (not valid labels, but verify reads what it is given) WHEN two pairs of a pod spell one index key THEN each policy still comes once', () => {
    const index = new PolicyIndex();
    index.add(row(0, 'odd', { a: 'b=c' }));
    expect(names(index.candidates({ 'a=b': 'c', a: 'b=c' }))).toEqual(['odd']);
  });

  test('GIVEN candidates asked for one labels object WHEN a policy is added after THEN the next answer includes it (the memo is dropped on add)', () => {
    const index = new PolicyIndex();
    const pod = { app: 'web' };
    index.add(row(1, 'web-only', { app: 'web' }));
    expect(names(index.candidates(pod))).toEqual(['web-only']);
    index.add(row(0, 'all'));
    expect(names(index.candidates(pod))).toEqual(['all', 'web-only']);
  });
});
