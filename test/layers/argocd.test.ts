import { parse } from 'yaml';
import { RESERVED_FOLDERS } from '../../lib/reserved';
import { renderSite } from '../../lib/synth';
import { shippedSite, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('Argo CD: bootstrap and self-management', () => {
  const files = new Map(renderSite(shippedSite()).map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => parse(files.get(p)!);

  test('GIVEN argocd/ WHEN applied with kubectl apply -k THEN it holds only objects a fresh k3s accepts (namespace and HelmCharts)', () => {
    const k = obj('argocd/kustomization.yaml');
    expect(k.resources).toEqual(['helmchart-argo-cd.yaml', 'helmchart-argocd-apps.yaml', 'namespace-argocd.yaml']);
    expect(k.resources.map((r: string) => obj(`argocd/${r}`).apiVersion)).toEqual(['helm.cattle.io/v1', 'helm.cattle.io/v1', 'v1']);
  });

  test('GIVEN the argo-cd HelmChart WHEN read THEN it is pinned, HA, keeps CRDs, aborts failed upgrades and checks Application health', () => {
    const chart = obj('argocd/helmchart-argo-cd.yaml');
    expect(chart.metadata.namespace).toBe('kube-system');
    expect(chart.spec).toMatchObject({ chart: 'argo-cd', repo: 'https://argoproj.github.io/argo-helm', version: '9.1.4', targetNamespace: 'argocd', failurePolicy: 'abort' });
    const values = parse(chart.spec.valuesContent);
    expect(values['redis-ha'].enabled).toBe(true);
    expect(values.server.replicas).toBeGreaterThanOrEqual(2);
    expect(values.repoServer.replicas).toBeGreaterThanOrEqual(2);
    expect(values.applicationSet.replicas).toBeGreaterThanOrEqual(2);
    expect(values.crds.keep).toBe(true);
    expect(values.configs.params['server.insecure']).toBe(true);
    expect(values.configs.cm['resource.customizations.health.argoproj.io_Application']).toContain('obj.status.health.status');
  });

  test('GIVEN the argocd-apps HelmChart WHEN read THEN it creates the root Application on dist/apps in the Gitea repo and the project', () => {
    const values = parse(obj('argocd/helmchart-argocd-apps.yaml').spec.valuesContent);
    expect(values.applications.root.source).toEqual({ repoURL: 'https://git.turnsys.com/tsys/platform.git', targetRevision: 'main', path: 'dist/apps', directory: { include: '*.yaml' } });
    expect(values.applications.root.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(values.projects.platform.sourceRepos).toContain('https://git.turnsys.com/tsys/platform.git');
  });

  test('GIVEN the objects that install Argo CD WHEN synced by Argo CD THEN they are never pruned or deleted by it', () => {
    for (const f of ['helmchart-argo-cd.yaml', 'helmchart-argocd-apps.yaml', 'namespace-argocd.yaml']) {
      expect(obj(`dist/argocd/${f}`).metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
    }
  });

  test('GIVEN bootstrap and dist WHEN compared THEN argocd/ objects equal their self-managed copies in dist/argocd', () => {
    for (const f of ['helmchart-argo-cd.yaml', 'helmchart-argocd-apps.yaml', 'namespace-argocd.yaml']) {
      expect(files.get(`argocd/${f}`)).toBe(files.get(`dist/argocd/${f}`));
    }
  });

  test('GIVEN the root Application in dist/apps WHEN compared with the bootstrap THEN both describe the same spec', () => {
    const root = obj('dist/apps/application-root.yaml');
    const boot = parse(obj('argocd/helmchart-argocd-apps.yaml').spec.valuesContent).applications.root;
    const { namespace, additionalAnnotations, ...spec } = boot;
    expect(namespace).toBe(root.metadata.namespace);
    expect(additionalAnnotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    expect(root.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    expect(spec).toEqual(root.spec);
    const project = obj('dist/apps/appproject-platform.yaml');
    const { namespace: pns, additionalAnnotations: pann, ...pspec } = parse(obj('argocd/helmchart-argocd-apps.yaml').spec.valuesContent).projects.platform;
    expect(pns).toBe('argocd');
    expect(pann).toEqual({ 'helm.sh/resource-policy': 'keep' });
    expect(pspec).toEqual(project.spec);
  });
});

describe('the app of apps (dist/apps)', () => {
  const files = renderSite(shippedSite());
  const apps = files.filter((f) => f.path.startsWith('dist/apps/')).map((f) => parse(f.content) as Obj);
  const layerApps = apps.filter((a) => a.kind === 'Application' && a.metadata.name !== 'root');

  test('GIVEN the platform layers WHEN rendered THEN there is one Application per layer folder, pointing at dist/<layer>', () => {
    const layerDirs = [...new Set(files.map((f) => f.path.split('/')).filter((p) => p[0] === 'dist' && !RESERVED_FOLDERS.includes(p[1])).map((p) => p[1]))].sort();
    expect(layerApps.map((a) => a.spec.source.path).sort()).toEqual(layerDirs.map((d) => `dist/${d}`));
    for (const a of layerApps) expect(a.spec.source.repoURL).toBe('https://git.turnsys.com/tsys/platform.git');
  });

  test('GIVEN every Application WHEN read THEN it syncs automatically with prune, self-heal, retries with backoff and creates namespaces', () => {
    const all = [...apps.filter((a) => a.kind === 'Application'), ...files.filter((f) => /application-.*-chart\.yaml$/.test(f.path)).map((f) => parse(f.content))];
    expect(all.length).toBeGreaterThanOrEqual(4);
    for (const a of all) {
      expect(a.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      expect(a.spec.syncPolicy.retry).toEqual({ limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } });
      expect(a.spec.syncPolicy.syncOptions).toContain('CreateNamespace=true');
      expect(a.spec.project).toBe('platform');
    }
  });

  test('GIVEN the project WHEN read THEN it syncs before the Applications and admits the repo and every chart repository', () => {
    const project = apps.find((a) => a.kind === 'AppProject')!;
    expect(project.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    expect(project.spec.sourceRepos).toEqual([
      'docker.io/envoyproxy',
      'https://argoproj.github.io/argo-helm',
      'https://charts.external-secrets.io',
      'https://charts.jenkins.io',
      'https://charts.longhorn.io',
      'https://git.turnsys.com/tsys/platform.git',
      'https://github.com/keycloak/keycloak-k8s-resources',
      'https://github.com/kubernetes-csi/external-snapshotter',
      'https://github.com/rancher/system-upgrade-controller',
      'https://grafana-community.github.io/helm-charts',
      'https://grafana.github.io/helm-charts',
      'https://helm.goharbor.io',
      'https://metallb.github.io/metallb',
      'https://prometheus-community.github.io/helm-charts',
      'https://releases.rancher.com/server-charts/stable',
      'https://vmware-tanzu.github.io/helm-charts',
    ]);
  });
});

describe('Argo CD: LDAP login, repository access, webhook, health', () => {
  const files = new Map(renderSite(shippedSite()).map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => parse(files.get(p)!);
  const values = parse(obj('dist/argocd/helmchart-argo-cd.yaml').spec.valuesContent);

  test('GIVEN the UCS directory WHEN Argo CD is configured THEN Dex binds with the bind DN and a password from a labelled Secret', () => {
    const dex = parse(values.configs.cm['dex.config']).connectors[0];
    expect(dex).toMatchObject({ type: 'ldap', id: 'ucs' });
    expect(dex.config).toMatchObject({
      host: 'ucs.turnsys.com:636', bindDN: 'uid=svc-k8s-platform,cn=users,dc=turnsys,dc=com', bindPW: '$argocd-ldap:bindPW',
      userSearch: { baseDN: 'cn=users,dc=turnsys,dc=com' }, groupSearch: { baseDN: 'cn=groups,dc=turnsys,dc=com', nameAttr: 'cn' },
    });
    expect(dex.config.insecureNoSSL).toBeUndefined();
    const es = obj('dist/argocd/externalsecret-argocd-ldap.yaml');
    expect(es.spec.target.template.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'argocd' });
    expect(es.spec.data).toEqual([{ secretKey: 'bindPW', remoteRef: { key: 'ldap-svc-k8s-platform', property: 'password' } }]);
    expect(values.configs.cm.url).toBe('https://argocd.turnsys.com');
  });

  test('GIVEN the admin and viewer groups WHEN RBAC is rendered THEN admins administer, viewers read, everyone else gets nothing', () => {
    expect(values.configs.rbac).toEqual({
      'policy.default': '',
      'policy.csv': 'g, k8s-platform-admins, role:admin\ng, k8s-platform-viewers, role:readonly\n',
      scopes: '[groups]',
    });
  });

  test('GIVEN a private Gitea repository WHEN rendered THEN its credentials come from Bitwarden into a repository Secret', () => {
    const es = obj('dist/argocd/externalsecret-repo-platform.yaml');
    expect(es.spec.target.template).toMatchObject({
      metadata: { labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
      data: { type: 'git', url: 'https://git.turnsys.com/tsys/platform.git', project: 'platform', username: '{{ .username }}', password: '{{ .password }}' },
    });
    expect(es.spec.data.map((d: Obj) => d.remoteRef)).toEqual([
      { key: 'gitea-argocd-read', property: 'password' },
      { key: 'gitea-argocd-read', property: 'username' },
    ]);
  });

  test('GIVEN a public repository WHEN rendered THEN no repository Secret is made', () => {
    const site = siteWith((s) => { delete s.git.credentials; });
    expect(renderSite(site).some((f) => f.path === 'dist/argocd/externalsecret-repo-platform.yaml')).toBe(false);
  });

  test('GIVEN the Gitea webhook WHEN rendered THEN its secret is merged into argocd-secret from Bitwarden', () => {
    const es = obj('dist/argocd/externalsecret-argocd-secret.yaml');
    expect(es.spec.target).toEqual({ name: 'argocd-secret', creationPolicy: 'Merge' });
    expect(es.spec.data).toEqual([{ secretKey: 'webhook.gogs.secret', remoteRef: { key: 'gitea-argocd-webhook', property: 'password' } }]);
  });

  test('GIVEN the platform kinds WHEN Argo CD reports health THEN Applications, ExternalSecrets, Gateways and Longhorn volumes have real checks', () => {
    const checks = Object.keys(values.configs.cm).filter((k) => k.startsWith('resource.customizations.health.')).sort();
    expect(checks).toEqual([
      'resource.customizations.health.argoproj.io_Application',
      'resource.customizations.health.external-secrets.io_ExternalSecret',
      'resource.customizations.health.gateway.networking.k8s.io_Gateway',
      'resource.customizations.health.longhorn.io_Volume',
    ]);
    expect(values.configs.cm['resource.customizations.health.longhorn.io_Volume']).toContain('r == "faulted"');
  });

  test('GIVEN the UI WHEN rendered THEN argocd.<domain> is routed to argocd-server and listed for HAProxy; the layer waits for gateway and secrets', () => {
    expect(obj('dist/argocd/httproute-argocd.yaml').spec.rules[0].backendRefs).toEqual([{ name: 'argocd-server', port: 80 }]);
    expect(values.fullnameOverride).toBe('argocd');
    expect(files.get('dist/hosts/haproxy/README.md')).toContain('| argocd.turnsys.com | 10.251.51.200:80 | argocd |');
    expect(obj('dist/apps/application-argocd.yaml').metadata.annotations['platform.tsys/depends-on']).toBe('gateway,secrets');
  });
});
