import { App, Chart } from 'cdk8s';
import { PlatformNamespace } from '../../lib/constructs/platform-namespace';
import { haAnnotations } from '../../lib/ha/annotations';
import { DefaultDenyNetworkPolicy } from '../../lib/ha/default-deny';
import { at, fixed, formatWorkloads } from '../../lib/ha/workloads';
import { ObjectFactsSchema } from '../../lib/facts/facts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('HA annotations', () => {
  test('GIVEN a declaration WHEN written THEN the lead\'s keys carry each reason, exemptions sorted; as a fact it passes the schema unchanged', () => {
    const a = haAnnotations({
      singleton: 'one writer', systemComponent: 'host network for ARP',
      exempt: { 'ha/read-only-root': 'writes its cache', 'ha/probes': 'no health endpoint' },
      recoveryBudget: { seconds: 120, reason: 'slow to start' },
    });
    expect(a).toEqual({
      'platform.tsys/singleton': 'one writer',
      'platform.tsys/system-component': 'host network for ARP',
      'platform.tsys/ha-exempt': 'ha/probes: no health endpoint; ha/read-only-root: writes its cache',
      'platform.tsys/recovery-budget': '120: slow to start',
    });
    const decl = {
      singleton: 'one writer', systemComponent: 'host network for ARP',
      exempt: { 'ha/read-only-root': 'writes its cache', 'ha/probes': 'no health endpoint' },
      recoveryBudget: { seconds: 120, reason: 'slow to start' },
    } as const;
    expect(ObjectFactsSchema.parse({ ha: decl })).toEqual({ ha: decl });
  });

  test('GIVEN a missing reason, a budget without a singleton or ";" in a reason WHEN written THEN the construct refuses it', () => {
    expect(() => haAnnotations({ singleton: ' ' })).toThrow('a singleton needs a reason');
    expect(() => haAnnotations({ exempt: { 'ha/probes': '' } })).toThrow('the exemption from ha/probes needs a reason');
    expect(() => haAnnotations({ recoveryBudget: { seconds: 10, reason: 'x' } })).toThrow('declared singleton only');
    expect(() => haAnnotations({ exempt: { 'ha/probes': 'a; b' } })).toThrow('cannot contain ";"');
  });

  test('GIVEN the rule the simulation enforces WHEN a fact tries to waive it THEN the schema refuses it', () => {
    const r = ObjectFactsSchema.safeParse({ ha: { exempt: { 'ha/failure': 'too slow' } } });
    expect(r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'ha.exempt.ha/failure: ha/failure cannot be waived; fix what it reports (a singleton may declare its own recoveryBudget)',
    ]);
  });
});

describe('workload declarations', () => {
  test('GIVEN declarations WHEN formatted THEN sorted-key JSON, and as facts the schema holds them strictly', () => {
    const text = formatWorkloads([{ name: 'web', kind: 'Deployment', replicas: at('web.replicas', 1), spread: { topologySpread: at('web.spread') }, pdb: { rendered: 'web' } }]);
    expect(text).toBe('[{"kind":"Deployment","name":"web","pdb":{"rendered":"web"},"replicas":{"default":1,"path":"web.replicas"},"spread":{"topologySpread":{"path":"web.spread"}}}]');
    const issues = (workloads: unknown) => {
      const r = ObjectFactsSchema.safeParse({ workloads });
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues(JSON.parse(text))).toEqual([]);
    expect(issues([{ kind: 'Deployment', name: 'web', replicas: { fixed: 2 } }])[0]).toMatch(/^workloads\.0\.replicas: /);
    expect(issues([{ kind: 'DaemonSet', name: 'a', replicas: { fixed: 2, because: 'x' } }])).toEqual([
      'workloads.0.replicas: DaemonSet a declares replicas; a DaemonSet runs one pod per eligible node',
    ]);
  });

  test('GIVEN a workload declared twice, or a DaemonSet with replicas WHEN formatted THEN the construct refuses it', () => {
    expect(() => formatWorkloads([{ name: 'a', kind: 'Deployment', replicas: fixed(1, 'x'), singleton: 'x' }, { name: 'a', kind: 'Deployment', replicas: fixed(1, 'x'), singleton: 'x' }])).toThrow('declared twice');
    expect(() => formatWorkloads([{ name: 'a', kind: 'DaemonSet', replicas: fixed(1, 'x') }])).toThrow('has no replicas');
  });
});

describe('app namespaces', () => {
  test('GIVEN an app namespace and its default-deny policy WHEN rendered THEN the label verify looks for and a policy denying everything', () => {
    const chart = new Chart(new App(), 'c');
    new PlatformNamespace(chart, 'ns', { name: 'sit', app: true });
    new DefaultDenyNetworkPolicy(chart, 'deny', { namespace: 'sit' });
    const [ns, policy] = chart.toJson() as Obj[];
    expect(ns.metadata.labels['platform.tsys/app-namespace']).toBe('true');
    expect(policy).toEqual({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: 'sit' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
  });
});
