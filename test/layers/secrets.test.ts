import { App } from 'cdk8s';
import { wireApiProviders } from '../../lib/gitops/waves';
import { secretsLayer } from '../../lib/layers/secrets';
import { resolveVersions } from '../../lib/versions';
import { shippedSite } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('secrets layer', () => {
  const site = shippedSite();
  const layer = secretsLayer(new App(), { site, versions: resolveVersions(site.versions), apps: [] });
  wireApiProviders([layer]);
  const objects = layer.toJson() as Obj[];
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;

  test('GIVEN the External Secrets chart WHEN rendered THEN controller, webhook and cert controller run two replicas with PDBs and leader election', () => {
    const values = find('Application', 'external-secrets-chart').spec.source.helm.valuesObject;
    expect(values.replicaCount).toBe(2);
    expect(values.leaderElect).toBe(true);
    expect(values.webhook.replicaCount).toBe(2);
    expect(values.certController.replicaCount).toBe(2);
    for (const pdb of [values.podDisruptionBudget, values.webhook.podDisruptionBudget, values.certController.podDisruptionBudget]) expect(pdb).toEqual({ enabled: true, minAvailable: 1 });
  });

  test('GIVEN bw serve WHEN rendered THEN it runs two replicas spread over nodes, logs in to the site server with a hand-made bootstrap secret', () => {
    const d = find('Deployment', 'bitwarden-cli');
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' });
    const env = d.spec.template.spec.containers[0].env;
    expect(env[0]).toEqual({ name: 'BW_HOST', value: 'https://bitwarden.turnsys.com' });
    expect(env.slice(1).map((e: Obj) => e.valueFrom.secretKeyRef.name)).toEqual(['bitwarden-cli-bootstrap', 'bitwarden-cli-bootstrap', 'bitwarden-cli-bootstrap']);
    expect(find('PodDisruptionBudget', 'bitwarden-cli').spec.minAvailable).toBe(1);
  });

  test('GIVEN bw serve has no authentication WHEN rendered THEN only the External Secrets namespace may reach it', () => {
    const np = find('NetworkPolicy', 'bitwarden-cli-from-external-secrets');
    expect(np.spec.podSelector).toEqual({});
    expect(np.spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'external-secrets' } } }], ports: [{ protocol: 'TCP', port: 8087 }] }]);
  });

  test('GIVEN the stores WHEN rendered THEN they read items by exact name from bw serve, after the chart installs their CRD', () => {
    const login = find('ClusterSecretStore', 'bitwarden-login');
    expect(login.spec.provider.webhook.url).toBe('http://bitwarden-cli.bitwarden.svc.cluster.local:8087/list/object/items?search={{ .remoteRef.key }}');
    expect(login.spec.provider.webhook.result.jsonPath).toBe('$.data.data[?@.name=="{{ .remoteRef.key }}"].login.{{ .remoteRef.property }}');
    expect(find('ClusterSecretStore', 'bitwarden-notes').spec.provider.webhook.result.jsonPath).toBe('$.data.data[?@.name=="{{ .remoteRef.key }}"].notes');
    expect(login.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('1');
  });
});
