// lib/k8s/network-policy.ts: what a NetworkPolicy lets through (networking.k8s.io/v1), one fixture per case.
import {
  egressVerdict, ingressVerdict, ipBlockMatchesPods, labelSelectorMatches, namespaceLabels, PodRef, portMatches, readPolicy, selectorText,
} from '../../lib/k8s/network-policy';

/** Prometheus's pod (namespace monitoring) and a target pod in `web`. */
const prometheus: PodRef = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus', prometheus: 'k8s' }, namespaceLabels: namespaceLabels('monitoring') };
const target: PodRef = { namespace: 'web', labels: { app: 'web', tier: 'front' }, namespaceLabels: namespaceLabels('web') };
const metrics = { number: 9100, name: 'metrics' };

/** A policy in `web` selecting the target, from its spec (defaults: podSelector app=web, the given ingress). */
const policy = (spec: Record<string, unknown>, name = 'p', ns = 'web') => readPolicy(name, ns, { podSelector: { matchLabels: { app: 'web' } }, ...spec });
const admits = (spec: Record<string, unknown>, port = metrics, from = prometheus) => ingressVerdict([policy(spec)], from, target, port).allowed;

describe('label selectors', () => {
  test('GIVEN an empty selector WHEN matched THEN it matches every set of labels, none included', () => {
    expect(labelSelectorMatches({}, {})).toBe(true);
    expect(labelSelectorMatches({}, { a: 'b' })).toBe(true);
  });

  test('GIVEN matchExpressions In WHEN matched THEN the label must be there with one of the values', () => {
    const sel = { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] };
    expect(labelSelectorMatches(sel, { tier: 'front' })).toBe(true);
    expect(labelSelectorMatches(sel, { tier: 'db' })).toBe(false);
    expect(labelSelectorMatches(sel, {})).toBe(false);
  });

  test('GIVEN matchExpressions NotIn WHEN matched THEN a missing label matches and a listed value does not', () => {
    const sel = { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] };
    expect(labelSelectorMatches(sel, {})).toBe(true);
    expect(labelSelectorMatches(sel, { tier: 'front' })).toBe(true);
    expect(labelSelectorMatches(sel, { tier: 'db' })).toBe(false);
  });

  test('GIVEN matchExpressions Exists and DoesNotExist WHEN matched THEN only the key counts, whatever its value', () => {
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, { tier: '' })).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, {})).toBe(false);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, {})).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, { tier: 'x' })).toBe(false);
  });

  test('GIVEN matchLabels and matchExpressions together WHEN matched THEN both must hold; an unknown operator matches nothing', () => {
    const sel = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] };
    expect(labelSelectorMatches(sel, { app: 'web', tier: 'front' })).toBe(true);
    expect(labelSelectorMatches(sel, { app: 'api', tier: 'front' })).toBe(false);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'tier', operator: 'Gt', values: ['1'] }] }, { tier: '2' })).toBe(false);
    expect(selectorText(sel)).toBe('app=web,tier in (front)');
  });
});

describe('policyTypes', () => {
  test('GIVEN no policyTypes and no egress rules WHEN read THEN the policy isolates for ingress only', () => {
    const p = readPolicy('p', 'web', { podSelector: {} });
    expect([p.ingressType, p.egressType]).toEqual([true, false]);
  });

  test('GIVEN no policyTypes and egress rules WHEN read THEN the policy isolates for ingress and egress', () => {
    const p = readPolicy('p', 'web', { podSelector: {}, egress: [{ to: [{ podSelector: {} }] }] });
    expect([p.ingressType, p.egressType]).toEqual([true, true]);
  });

  test('GIVEN policyTypes [Egress] WHEN the target is checked for ingress THEN the policy does not isolate it', () => {
    const v = ingressVerdict([readPolicy('p', 'web', { podSelector: {}, policyTypes: ['Egress'] })], prometheus, target, metrics);
    expect(v).toEqual({ allowed: true, isolating: [] });
  });
});

describe('ingress', () => {
  test('GIVEN no policy selects the pod WHEN checked THEN everything is allowed', () => {
    expect(ingressVerdict([policy({ policyTypes: ['Ingress'] }, 'other')].map((p) => ({ ...p, podSelector: { matchLabels: { app: 'api' } } })), prometheus, target, metrics).allowed).toBe(true);
  });

  test('GIVEN a policy in another namespace with an empty podSelector WHEN checked THEN it does not select the pod', () => {
    expect(ingressVerdict([readPolicy('deny', 'other', { podSelector: {} })], prometheus, target, metrics).allowed).toBe(true);
  });

  test('GIVEN a default deny (podSelector {}, no rules) WHEN checked THEN the pod is isolated and nothing admits Prometheus', () => {
    const v = ingressVerdict([readPolicy('default-deny', 'web', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })], prometheus, target, metrics);
    expect([v.allowed, v.isolating.map((p) => p.name)]).toEqual([false, ['default-deny']]);
  });

  test('GIVEN a rule with no from and no ports WHEN checked THEN every source on every port is admitted', () => {
    expect(admits({ ingress: [{}] })).toBe(true);
  });

  test('GIVEN a rule admitting only pods of its own app (Longhorn\'s chart) WHEN Prometheus is checked THEN it is not admitted', () => {
    expect(admits({ ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] })).toBe(false);
    expect(admits({ ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] }, metrics, { ...target, labels: { app: 'web' } })).toBe(true);
  });

  test('GIVEN a podSelector-only peer WHEN a matching pod of another namespace is checked THEN it is not admitted (own namespace only)', () => {
    expect(admits({ ingress: [{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }] }] })).toBe(false);
  });

  test('GIVEN a namespaceSelector by kubernetes.io/metadata.name WHEN Prometheus\'s namespace is checked THEN it is admitted (every namespace carries the label)', () => {
    expect(admits({ ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }] })).toBe(true);
    expect(admits({ ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'logging' } } }] }] })).toBe(false);
  });

  test('GIVEN a namespaceSelector on a label of the Namespace object WHEN checked THEN the namespace\'s own labels count', () => {
    const spec = { ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'ops' } } }] }] };
    expect(admits(spec)).toBe(false);
    expect(admits(spec, metrics, { ...prometheus, namespaceLabels: namespaceLabels('monitoring', { team: 'ops' }) })).toBe(true);
  });

  test('GIVEN namespaceSelector and podSelector in one peer WHEN checked THEN both must match (and in two peers, either)', () => {
    const ns = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } };
    const pods = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'grafana' } } };
    expect(admits({ ingress: [{ from: [{ ...ns, ...pods }] }] })).toBe(false);
    expect(admits({ ingress: [{ from: [ns, pods] }] })).toBe(true);
  });

  test('GIVEN an empty podSelector with an empty namespaceSelector WHEN checked THEN every pod of every namespace is admitted', () => {
    expect(admits({ ingress: [{ from: [{ namespaceSelector: {}, podSelector: {} }] }] })).toBe(true);
  });

  test('GIVEN ipBlocks WHEN checked THEN only every address without except matches a pod', () => {
    expect(admits({ ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] })).toBe(true);
    expect(admits({ ingress: [{ from: [{ ipBlock: { cidr: '10.42.0.0/16' } }] }] })).toBe(false);
    expect(ipBlockMatchesPods({ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] })).toBe(false);
    expect(ipBlockMatchesPods({ cidr: '::/0' })).toBe(true);
  });

  test('GIVEN policies isolating the pod WHEN one of them admits Prometheus THEN it is allowed (policies add up) and that one is named', () => {
    const deny = policy({ policyTypes: ['Ingress'] }, 'deny');
    const allow = policy({ ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }] }, 'allow');
    const v = ingressVerdict([deny, allow], prometheus, target, metrics);
    expect([v.allowed, v.by?.name, v.isolating.map((p) => p.name)]).toEqual([true, 'allow', ['deny', 'allow']]);
  });
});

describe('ports', () => {
  test('GIVEN a port number WHEN checked THEN only that number over TCP matches', () => {
    expect(portMatches({ port: 9100 }, metrics)).toBe(true);
    expect(portMatches({ port: 9500 }, metrics)).toBe(false);
    expect(portMatches({ port: 9100, protocol: 'UDP' }, metrics)).toBe(false);
  });

  test('GIVEN a named port WHEN checked THEN it matches the destination\'s container port of that name, whatever its number', () => {
    expect(portMatches({ port: 'metrics' }, metrics)).toBe(true);
    expect(portMatches({ port: 'http' }, metrics)).toBe(false);
    expect(portMatches({ port: 'metrics' }, { number: 9100 })).toBe(false);
  });

  test('GIVEN endPort WHEN checked THEN the range port..endPort matches, both ends included', () => {
    expect(portMatches({ port: 9000, endPort: 9100 }, metrics)).toBe(true);
    expect(portMatches({ port: 9100, endPort: 9200 }, metrics)).toBe(true);
    expect(portMatches({ port: 9000, endPort: 9099 }, metrics)).toBe(false);
  });

  test('GIVEN a port with a protocol but no number WHEN checked THEN every port of that protocol matches', () => {
    expect(portMatches({ protocol: 'TCP' }, metrics)).toBe(true);
    expect(portMatches({ protocol: 'SCTP' }, metrics)).toBe(false);
  });

  test('GIVEN a rule admitting Prometheus on another port WHEN the metrics port is checked THEN it is not admitted', () => {
    const from = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }];
    expect(admits({ ingress: [{ from, ports: [{ port: 8080 }] }] })).toBe(false);
    expect(admits({ ingress: [{ from, ports: [{ port: 8080 }, { port: 'metrics', protocol: 'TCP' }] }] })).toBe(true);
  });
});

describe('egress', () => {
  const inMonitoring = (spec: Record<string, unknown>) => readPolicy('prometheus-out', 'monitoring', { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } }, ...spec });

  test('GIVEN no policy isolates Prometheus for egress WHEN checked THEN it may send anywhere', () => {
    expect(egressVerdict([inMonitoring({ ingress: [] })], prometheus, target, metrics).allowed).toBe(true);
  });

  test('GIVEN an egress policy without a rule to the target WHEN checked THEN it is isolated and denied', () => {
    const v = egressVerdict([inMonitoring({ policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }] }] })], prometheus, target, metrics);
    expect([v.allowed, v.isolating.map((p) => p.name)]).toEqual([false, ['prometheus-out']]);
  });

  test('GIVEN an egress rule to the target namespace on a named port WHEN checked THEN the name is the destination pod\'s port name', () => {
    const to = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } }, podSelector: { matchLabels: { app: 'web' } } }];
    expect(egressVerdict([inMonitoring({ egress: [{ to, ports: [{ port: 'metrics' }] }] })], prometheus, target, metrics).allowed).toBe(true);
    expect(egressVerdict([inMonitoring({ egress: [{ to, ports: [{ port: 'metrics' }] }] })], prometheus, target, { number: 9100 }).allowed).toBe(false);
  });

  test('GIVEN an egress rule with no to WHEN checked THEN every destination on its ports is allowed', () => {
    expect(egressVerdict([inMonitoring({ egress: [{ ports: [{ port: 9100 }] }] })], prometheus, target, metrics).allowed).toBe(true);
  });
});
