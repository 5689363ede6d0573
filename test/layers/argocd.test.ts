import { parse } from 'yaml';
import { BACKUP_ANNOTATIONS } from '../../lib/backups/coverage';
import { REDIS_HA_BACKUP_OPT_OUT } from '../../lib/gitops/argocd-values';
import { HA_ANNOTATIONS } from '../../lib/ha/annotations';
import { loadManifests } from '../../lib/k8s/manifest-yaml';
import { RESERVED_FOLDERS } from '../../lib/reserved';
import { renderSite } from '../../lib/synth';
import { shippedRender, shippedSite, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const rendered = shippedRender();
const files = new Map(rendered.map((f) => [f.path, f.content]));
const obj = (p: string): Obj => {
  const text = files.get(p);
  if (text === undefined) throw new Error(`${p} is not rendered`);
  return loadManifests(text, p)[0] as Obj;
};
/** Every object rendered into one folder (`dist/argocd/`, `argocd/`). */
const objectsIn = (folder: string): Obj[] => rendered.filter((f) => f.path.startsWith(folder) && f.path.endsWith('.yaml')).flatMap((f) => loadManifests(f.content, f.path) as Obj[]);
const argocd = objectsIn('dist/argocd/');
const find = (kind: string, name: string): Obj => {
  const o = argocd.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`dist/argocd has no ${kind}/${name}`);
  return o;
};
const container = (kind: string, name: string, c: string): Obj => find(kind, name).spec.template.spec.containers.find((x: Obj) => x.name === c);
const cm = () => find('ConfigMap', 'argocd-cm').data;

describe('Argo CD: bootstrap and self-management', () => {
  test('GIVEN argocd/ WHEN applied with kubectl apply -k THEN its kustomization lists every object: namespace, CRDs, the chart objects, the root Application and the project', () => {
    const k = obj('argocd/kustomization.yaml');
    const inFolder = [...files.keys()].filter((p) => p.startsWith('argocd/') && p !== 'argocd/kustomization.yaml').map((p) => p.slice('argocd/'.length)).sort();
    expect([...k.resources].sort()).toEqual(inFolder);
    expect(k.resources).toEqual(expect.arrayContaining([
      'namespace-argocd.yaml', 'customresourcedefinition-applications.argoproj.io.yaml', 'deployment-argocd-server.yaml', 'application-root.yaml', 'appproject-platform.yaml',
    ]));
    // Plain objects only: no HelmChart for k3s to render, so a fresh cluster needs neither helm nor a chart repository.
    expect(k.resources.map((r: string) => obj(`argocd/${r}`).kind)).not.toContain('HelmChart');
  });

  test('GIVEN bootstrap and dist WHEN compared THEN every chart object in argocd/ equals its self-managed copy in dist/argocd (the cluster DNS objects theirs in dist/cluster-addons)', () => {
    const boot = [...files.keys()].filter((p) => p.startsWith('argocd/') && !['argocd/kustomization.yaml', 'argocd/application-root.yaml', 'argocd/appproject-platform.yaml'].includes(p));
    expect(boot.length).toBeGreaterThan(50);
    const layerOf = (p: string) => obj(p).metadata.labels['platform.tsys/layer'];
    for (const p of boot) expect([p, files.get(p)]).toEqual([p, files.get(`dist/${layerOf(p)}/${p.slice('argocd/'.length)}`)]);
    expect([...new Set(boot.map(layerOf))].sort()).toEqual(['argocd', 'cluster-addons']);
  });

  test('GIVEN the objects that install Argo CD WHEN synced by Argo CD THEN the namespace and the CRDs are never pruned or deleted by it', () => {
    expect(obj('dist/argocd/namespace-argocd.yaml').metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
    for (const crd of argocd.filter((o) => o.kind === 'CustomResourceDefinition')) {
      expect(crd.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Delete=false,Prune=false,ServerSideApply=true');
      // crds.keep: uninstalling the chart never takes every Application with it.
      expect(crd.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
    }
    expect(argocd.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name).sort()).toEqual(['applications.argoproj.io', 'applicationsets.argoproj.io', 'appprojects.argoproj.io']);
  });

  test('GIVEN the root Application in dist/apps WHEN compared with the bootstrap THEN both are the same object on dist/apps in the Gitea repo', () => {
    const root = obj('dist/apps/application-root.yaml');
    expect(obj('argocd/application-root.yaml')).toEqual(root);
    expect(root.spec.source).toEqual({ repoURL: 'https://git.turnsys.com/tsys/platform.git', targetRevision: 'main', path: 'dist/apps', directory: { include: '*.yaml' } });
    expect(root.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(obj('argocd/appproject-platform.yaml')).toEqual(obj('dist/apps/appproject-platform.yaml'));
  });
});

describe('Argo CD: high availability of the rendered workloads', () => {
  test('GIVEN the stateless servers WHEN rendered THEN server, repo server and ApplicationSet controller run two replicas spread over nodes with a PDB, updated one pod at a time', () => {
    for (const name of ['argocd-server', 'argocd-repo-server', 'argocd-applicationset-controller']) {
      const d = find('Deployment', name);
      expect([name, d.spec.replicas]).toEqual([name, 2]);
      expect(d.spec.template.spec.topologySpreadConstraints).toEqual([{
        maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { 'app.kubernetes.io/instance': 'argo-cd', 'app.kubernetes.io/name': name } }, matchLabelKeys: ['pod-template-hash'],
      }]);
      expect(find('PodDisruptionBudget', name).spec).toEqual({ minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/instance': 'argo-cd', 'app.kubernetes.io/name': name } } });
      // The chart's default update (a surge pod first): the revision-counted spread gives it a worker beside an old pod while another is down (ha/rollout).
      expect([name, d.spec.strategy]).toEqual([name, undefined]);
    }
  });

  test('GIVEN the application controller WHEN rendered THEN it is one Deployment, declared a singleton, that leaves a dead node after 10 s', () => {
    const d = find('Deployment', 'argocd-application-controller');
    expect(d.spec.replicas).toBe(1);
    expect(argocd.some((o) => o.kind === 'StatefulSet' && o.metadata.name === 'argocd-application-controller')).toBe(false);
    expect(d.metadata.annotations[HA_ANNOTATIONS.singleton]).toContain('one cluster is one shard');
    expect(d.spec.template.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 },
    ]);
    // The chart has no liveness probe for it: the exemption says so; its readiness probe stays.
    expect(container('Deployment', 'argocd-application-controller', 'application-controller').readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(d.metadata.annotations[HA_ANNOTATIONS.exempt]).toMatch(/^ha\/probes: the argo-cd chart \(9\.1\.4\) renders only a readiness probe/);
  });

  test('GIVEN the ApplicationSet controller WHEN rendered THEN the probes the chart leaves off are on', () => {
    const c = container('Deployment', 'argocd-applicationset-controller', 'applicationset-controller');
    expect(c.readinessProbe.tcpSocket).toEqual({ port: 'probe' });
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 'probe' });
  });

  test('GIVEN Dex WHEN rendered THEN it is a declared singleton with readiness and liveness probes', () => {
    const d = find('Deployment', 'argocd-dex-server');
    expect(d.spec.replicas).toBe(1);
    expect(d.metadata.annotations[HA_ANNOTATIONS.singleton]).toContain('directory login only');
    const c = container('Deployment', 'argocd-dex-server', 'dex-server');
    expect(c.readinessProbe).toBeDefined();
    expect(c.livenessProbe).toBeDefined();
  });

  test('GIVEN redis-ha WHEN rendered THEN its objects are named argocd-redis-ha-*, and Argo CD reaches Redis through that HAProxy', () => {
    const names = argocd.filter((o) => /redis-ha/.test(o.metadata.name)).map((o) => o.metadata.name);
    expect(names.length).toBeGreaterThan(10);
    for (const n of names) expect(n).toMatch(/^argocd-redis-ha(-|$)/);
    expect(find('ConfigMap', 'argocd-cmd-params-cm').data['redis.server']).toBe('argocd-redis-ha-haproxy:6379');
  });

  test('GIVEN redis-ha WHEN rendered THEN three redis servers and three HAProxies run on different nodes and a drain keeps two of each', () => {
    const server = find('StatefulSet', 'argocd-redis-ha-server');
    const haproxy = find('Deployment', 'argocd-redis-ha-haproxy');
    for (const w of [server, haproxy]) {
      expect(w.spec.replicas).toBe(3);
      expect(w.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    }
    expect(find('PodDisruptionBudget', 'argocd-redis-ha-pdb').spec.minAvailable).toBe(2);
    expect(find('PodDisruptionBudget', 'argocd-redis-ha-haproxy-pdb').spec.minAvailable).toBe(2);
    // Only split-brain-fix has no probes (the subchart renders none for it): redis and sentinel do.
    for (const c of ['redis', 'sentinel']) {
      expect(container('StatefulSet', 'argocd-redis-ha-server', c).readinessProbe).toBeDefined();
      expect(container('StatefulSet', 'argocd-redis-ha-server', c).livenessProbe).toBeDefined();
    }
    expect(server.metadata.annotations[HA_ANNOTATIONS.exempt]).toMatch(/^ha\/probes: only its split-brain-fix container lacks probes/);
  });

  test('GIVEN redis-ha WHEN rendered THEN each server has a small Longhorn volume (so Longhorn force-deletes a server pod stuck on a dead node) opted out of backups with a reason, and tolerates the servers', () => {
    const server = find('StatefulSet', 'argocd-redis-ha-server');
    expect(server.spec.volumeClaimTemplates).toEqual([{
      apiVersion: 'v1', kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', labels: {}, annotations: { [BACKUP_ANNOTATIONS.optOut]: REDIS_HA_BACKUP_OPT_OUT } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'longhorn' },
    }]);
    expect(REDIS_HA_BACKUP_OPT_OUT.trim()).not.toBe('');
    // The data volume is the claim, no longer an emptyDir.
    expect(server.spec.template.spec.volumes.map((v: Obj) => v.name)).not.toContain('data');
    expect(server.spec.template.spec.tolerations).toEqual([{ key: 'CriticalAddonsOnly', operator: 'Exists', effect: 'NoExecute' }]);
  });

  test('GIVEN every Argo CD workload WHEN rendered THEN each container requests CPU and memory, has a memory limit and runs non-root with a read-only root', () => {
    const workloads = argocd.filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind));
    expect(workloads.map((w) => `${w.kind}/${w.metadata.name}`).sort()).toEqual([
      'Deployment/argocd-application-controller', 'Deployment/argocd-applicationset-controller', 'Deployment/argocd-dex-server',
      'Deployment/argocd-redis-ha-haproxy', 'Deployment/argocd-repo-server', 'Deployment/argocd-server',
      'Job/argocd-redis-secret-init', 'StatefulSet/argocd-redis-ha-server',
    ]);
    for (const w of workloads) {
      const pod = w.spec.template.spec;
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        const what = `${w.metadata.name}/${c.name}`;
        expect([what, c.resources.requests.cpu !== undefined, c.resources.requests.memory !== undefined, c.resources.limits.memory !== undefined]).toEqual([what, true, true, true]);
        expect([what, c.securityContext.readOnlyRootFilesystem, c.securityContext.runAsNonRoot ?? pod.securityContext?.runAsNonRoot]).toEqual([what, true, true]);
      }
    }
    expect(container('Deployment', 'argocd-application-controller', 'application-controller').resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1536Mi' } });
  });
});

describe('Argo CD: LDAP login, repository access, webhook, health', () => {
  test('GIVEN the UCS directory WHEN Argo CD is configured THEN Dex binds with the bind DN and a password from a labelled Secret', () => {
    const dex = parse(cm()['dex.config']).connectors[0];
    expect(dex).toMatchObject({ type: 'ldap', id: 'ucs' });
    expect(dex.config).toMatchObject({
      host: 'ucs.turnsys.com:636', bindDN: 'uid=svc-k8s-platform,cn=users,dc=turnsys,dc=com', bindPW: '$argocd-ldap:bindPW',
      userSearch: { baseDN: 'cn=users,dc=turnsys,dc=com' }, groupSearch: { baseDN: 'cn=groups,dc=turnsys,dc=com', nameAttr: 'cn' },
    });
    expect(dex.config.insecureNoSSL).toBeUndefined();
    const es = obj('dist/argocd/externalsecret-argocd-ldap.yaml');
    expect(es.spec.target.template.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'argocd' });
    expect(es.spec.data).toEqual([{ secretKey: 'bindPW', remoteRef: { key: 'ldap-svc-k8s-platform', property: 'password' } }]);
    expect(cm().url).toBe('https://argocd.turnsys.com');
  });

  test('GIVEN the admin and viewer groups WHEN RBAC is rendered THEN admins administer, viewers read, everyone else gets nothing', () => {
    expect(find('ConfigMap', 'argocd-rbac-cm').data).toMatchObject({
      'policy.default': '',
      'policy.csv': 'g, k8s-platform-admins, role:admin\ng, k8s-platform-viewers, role:readonly\n',
      scopes: '[groups]',
    });
  });

  test('GIVEN TLS ends at HAProxy WHEN the server is configured THEN it serves plain HTTP', () => {
    expect(find('ConfigMap', 'argocd-cmd-params-cm').data['server.insecure']).toBe('true');
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

  test('GIVEN the Gitea webhook WHEN rendered THEN its secret is merged into the chart\'s empty argocd-secret from Bitwarden', () => {
    const es = obj('dist/argocd/externalsecret-argocd-secret.yaml');
    expect(es.spec.target).toEqual({ name: 'argocd-secret', creationPolicy: 'Merge' });
    expect(es.spec.data).toEqual([{ secretKey: 'webhook.gogs.secret', remoteRef: { key: 'gitea-argocd-webhook', property: 'password' } }]);
    const secret = find('Secret', 'argocd-secret');
    expect(secret.data).toBeUndefined();
    expect(secret.stringData).toBeUndefined();
  });

  test('GIVEN the platform kinds WHEN Argo CD reports health THEN Applications, ExternalSecrets, Gateways and Longhorn volumes have real checks, and DaemonSets and Keycloak tolerate one node down', () => {
    const checks = Object.keys(cm()).filter((k) => k.startsWith('resource.customizations.health.')).sort();
    expect(checks).toEqual([
      'resource.customizations.health.apps_DaemonSet',
      'resource.customizations.health.argoproj.io_Application',
      'resource.customizations.health.external-secrets.io_ExternalSecret',
      'resource.customizations.health.gateway.networking.k8s.io_Gateway',
      'resource.customizations.health.k8s.keycloak.org_Keycloak',
      'resource.customizations.health.longhorn.io_Volume',
    ]);
    expect(cm()['resource.customizations.health.argoproj.io_Application']).toContain('obj.status.health.status');
    expect(cm()['resource.customizations.health.longhorn.io_Volume']).toContain('r == "faulted"');
    expect(cm()['resource.customizations.health.apps_DaemonSet']).toContain('desired - available <= 1');
  });

  test('GIVEN the UI WHEN rendered THEN argocd.<domain> is routed to argocd-server and listed for HAProxy; the layer waits for gateway and secrets', () => {
    expect(obj('dist/argocd/httproute-argocd.yaml').spec.rules[0].backendRefs).toEqual([{ name: 'argocd-server', port: 80 }]);
    expect(find('Service', 'argocd-server').spec.ports.map((p: Obj) => p.port)).toContain(80);
    expect(files.get('dist/hosts/haproxy/README.md')).toContain('| argocd.turnsys.com | 10.251.51.200:80 | argocd |');
    expect(obj('dist/apps/application-argocd.yaml').metadata.annotations['platform.tsys/depends-on']).toBe('gateway,secrets');
  });
});

describe('the app of apps (dist/apps)', () => {
  const apps = objectsIn('dist/apps/');
  const layerApps = apps.filter((a) => a.kind === 'Application' && a.metadata.name !== 'root');

  test('GIVEN the platform layers WHEN rendered THEN there is one Application per layer folder, pointing at dist/<layer>', () => {
    const layerDirs = [...new Set(rendered.map((f) => f.path.split('/')).filter((p) => p[0] === 'dist' && !RESERVED_FOLDERS.includes(p[1])).map((p) => p[1]))].sort();
    expect(layerApps.map((a) => a.spec.source.path).sort()).toEqual(layerDirs.map((d) => `dist/${d}`));
    for (const a of layerApps) expect(a.spec.source.repoURL).toBe('https://git.turnsys.com/tsys/platform.git');
  });

  test('GIVEN every Application WHEN read THEN it syncs automatically with prune, self-heal, retries with backoff and creates namespaces', () => {
    const all = apps.filter((a) => a.kind === 'Application');
    expect(all.length).toBeGreaterThanOrEqual(4);
    for (const a of all) {
      expect(a.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      expect(a.spec.syncPolicy.retry).toEqual({ limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } });
      expect(a.spec.syncPolicy.syncOptions).toContain('CreateNamespace=true');
      expect(a.spec.project).toBe('platform');
    }
  });

  test('GIVEN every chart is rendered into dist/ WHEN the project is read THEN it syncs before the Applications and admits only this repository', () => {
    const project = apps.find((a) => a.kind === 'AppProject')!;
    expect(project.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    expect(project.spec.sourceRepos).toEqual(['https://git.turnsys.com/tsys/platform.git']);
    expect(shippedSite().git.repoUrl).toBe('https://git.turnsys.com/tsys/platform.git');
  });
});
