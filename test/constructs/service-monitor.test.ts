import { App } from 'cdk8s';
import { MONITOR_LABELS, PlatformServiceMonitor } from '../../lib/constructs/service-monitor';
import { Layer } from '../../lib/layer';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('PlatformServiceMonitor', () => {
  const layer = () => new Layer(new App(), { name: 'demo', description: 'd', namespace: 'prod' });

  test('GIVEN a WebApp exposing metrics WHEN it renders a monitor THEN it is a ServiceMonitor of its namespace selecting its Service by app name', () => {
    const l = layer();
    new PlatformServiceMonitor(l, 'metrics', { name: 'wbo', namespace: 'prod', selector: { 'app.kubernetes.io/name': 'wbo' }, endpoints: [{ port: 'metrics' }] });
    const [m] = l.toJson() as Obj[];
    expect(m).toMatchObject({
      apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor',
      metadata: { name: 'wbo', namespace: 'prod', labels: MONITOR_LABELS },
      spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'wbo' } }, endpoints: [{ port: 'metrics', path: '/metrics' }] },
    });
    expect(m.spec.namespaceSelector).toBeUndefined();
  });

  test('GIVEN pods in other namespaces WHEN monitored as pods THEN it is a PodMonitor with a namespace selector', () => {
    const l = layer();
    new PlatformServiceMonitor(l, 'm', { name: 'x', namespace: 'monitoring', targetNamespaces: ['metallb-system'], selector: { app: 'x' }, endpoints: [{ port: 'monitoring', interval: '1m' }], pods: true });
    const [m] = l.toJson() as Obj[];
    expect(m.kind).toBe('PodMonitor');
    expect(m.spec).toEqual({ selector: { matchLabels: { app: 'x' } }, namespaceSelector: { matchNames: ['metallb-system'] }, podMetricsEndpoints: [{ port: 'monitoring', path: '/metrics', interval: '1m' }] });
  });

  test('GIVEN no endpoint or an empty selector WHEN built THEN it throws with what to do', () => {
    expect(() => new PlatformServiceMonitor(layer(), 'm', { name: 'x', namespace: 'prod', selector: { app: 'x' }, endpoints: [] })).toThrow(/at least one endpoint/);
    expect(() => new PlatformServiceMonitor(layer(), 'm', { name: 'x', namespace: 'prod', selector: {}, endpoints: [{ port: 'm' }] })).toThrow(/name the labels of the target/);
  });
});
