import { App } from 'cdk8s';
import { PlatformNamespace } from '../../lib/constructs/platform-namespace';
import { Layer } from '../../lib/layer';
import { renderSite } from '../../lib/synth';
import { shippedSite } from '../helpers';
import { parse } from 'yaml';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('PlatformNamespace', () => {
  test('GIVEN no level WHEN rendered THEN baseline is enforced, audited and warned about', () => {
    const layer = new Layer(new App(), { name: 'demo', description: 'd', namespace: 'demo' });
    new PlatformNamespace(layer, 'ns', { name: 'demo', annotations: { a: 'b' } });
    const [ns] = layer.toJson() as Obj[];
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/audit': 'baseline', 'pod-security.kubernetes.io/warn': 'baseline',
    });
    expect(ns.metadata.annotations).toEqual({ a: 'b' });
  });

  test('GIVEN the shipped site WHEN rendered THEN every namespace states its level, privileged only where host access is needed', () => {
    const levels = Object.fromEntries(renderSite(shippedSite())
      .filter((f) => f.path.startsWith('dist/') && /\/namespace-[^/]+\.yaml$/.test(f.path))
      .map((f) => parse(f.content) as Obj)
      .map((ns) => [ns.metadata.name, ns.metadata.labels['pod-security.kubernetes.io/enforce']]));
    expect(levels).toEqual({
      'argo-rollouts': 'restricted',
      argocd: 'baseline', bitwarden: 'restricted', 'cattle-global-data': 'restricted', 'cattle-system': 'baseline',
      'envoy-gateway-system': 'baseline', 'external-secrets': 'baseline', harbor: 'baseline', jenkins: 'baseline', keycloak: 'baseline', 'longhorn-system': 'privileged',
      'metallb-system': 'privileged', prod: 'restricted', rnd: 'restricted', sit: 'restricted', 'system-upgrade': 'privileged', uat: 'restricted',
      // Host access: node exporter (host network, /proc, /sys), Alloy (/var/log), Velero's node agents (kubelet pod volumes).
      logging: 'privileged', monitoring: 'privileged', velero: 'privileged',
    });
  });
});
