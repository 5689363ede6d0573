import { App, Chart } from 'cdk8s';
import { PlatformNamespace } from '../../lib/constructs/platform-namespace';
import { HA_ANNOTATIONS, haAnnotations, parseHaAnnotations } from '../../lib/ha/annotations';
import { DefaultDenyNetworkPolicy } from '../../lib/ha/default-deny';
import { at, fixed, formatWorkloads, parseWorkloads } from '../../lib/ha/workloads';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('HA annotations', () => {
  test('GIVEN a declaration WHEN written THEN the lead\'s keys carry each reason, exemptions sorted; read back it is the same', () => {
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
    const back = parseHaAnnotations(a);
    expect([back.singleton, back.systemComponent, [...back.exempt], back.recoveryBudget, back.problems]).toEqual([
      'one writer', 'host network for ARP', [['ha/probes', 'no health endpoint'], ['ha/read-only-root', 'writes its cache']], { seconds: 120, reason: 'slow to start' }, [],
    ]);
  });

  test('GIVEN a missing reason, a budget without a singleton or ";" in a reason WHEN written THEN the construct refuses it', () => {
    expect(() => haAnnotations({ singleton: ' ' })).toThrow('a singleton needs a reason');
    expect(() => haAnnotations({ exempt: { 'ha/probes': '' } })).toThrow('the exemption from ha/probes needs a reason');
    expect(() => haAnnotations({ recoveryBudget: { seconds: 10, reason: 'x' } })).toThrow('declared singleton only');
    expect(() => haAnnotations({ exempt: { 'ha/probes': 'a; b' } })).toThrow('cannot contain ";"');
  });

  test('GIVEN the rule the simulation enforces WHEN an object tries to waive it THEN it cannot', () => {
    expect(parseHaAnnotations({ [HA_ANNOTATIONS.exempt]: 'ha/failure: too slow' }).problems).toEqual([
      'platform.tsys/ha-exempt: ha/failure cannot be waived; fix what it reports (a singleton may declare its own budget with platform.tsys/recovery-budget)',
    ]);
  });
});

describe('workload declarations', () => {
  test('GIVEN declarations WHEN formatted THEN sorted-key JSON that parses back strictly', () => {
    const text = formatWorkloads([{ name: 'web', kind: 'Deployment', replicas: at('web.replicas', 1), spread: { topologySpread: at('web.spread') }, pdb: { rendered: 'web' } }]);
    expect(text).toBe('[{"kind":"Deployment","name":"web","pdb":{"rendered":"web"},"replicas":{"default":1,"path":"web.replicas"},"spread":{"topologySpread":{"path":"web.spread"}}}]');
    expect(parseWorkloads(text).problems).toEqual([]);
    expect(parseWorkloads('[{"kind":"Deployment","name":"web","replicas":{"fixed":2}}]').problems[0]).toMatch(/^platform.tsys\/workloads\[0.replicas\]: /);
    expect(parseWorkloads('[{"kind":"DaemonSet","name":"a","replicas":{"fixed":2,"because":"x"}}]').problems).toEqual([
      'platform.tsys/workloads: DaemonSet a declares replicas; a DaemonSet runs one pod per eligible node',
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
