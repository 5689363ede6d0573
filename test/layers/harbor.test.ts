import * as fs from 'fs';
import * as path from 'path';
import { HARBOR_ENV, HARBOR_SECRETS } from '../../lib/layers/harbor';
import { loadManifests } from '../../lib/k8s/manifest-yaml';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { renderSite } from '../../lib/synth';
import { REPO, shippedRender, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DIR = 'dist/harbor/';
const COMPONENTS = ['nginx', 'portal', 'core', 'jobservice', 'registry', 'exporter'];
const deployment = (c: string) => `${DIR}deployment-harbor-${c}.yaml`;

/** The rendered files by path, and the objects of the layer. */
function tree(rendered: readonly RenderedFile[]) {
  const files = new Map(rendered.map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => {
    const content = files.get(p);
    if (content === undefined) throw new Error(`${p} is not rendered`);
    return loadManifests(content, p)[0] as Obj;
  };
  const layer = [...files.keys()].filter((p) => p.startsWith(DIR)).map((p) => ({ path: p, obj: obj(p) }));
  return { files, obj, layer };
}

describe('Harbor layer', () => {
  const t = tree(shippedRender());
  const { files, obj } = t;
  const wave = (o: Obj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
  const containers = (c: string): Obj[] => obj(deployment(c)).spec.template.spec.containers;
  const env = (c: string, container = 0): Obj[] => containers(c)[container].env ?? [];

  test('GIVEN the chart WHEN rendered THEN every component runs twice, spread over two nodes (tainted ones no domain), one down at most, and job logs go to the database', () => {
    for (const c of COMPONENTS) {
      const d = obj(deployment(c));
      expect([c, d.metadata.namespace, d.spec.replicas]).toEqual([c, 'harbor', 2]);
      expect([c, d.spec.template.spec.topologySpreadConstraints]).toEqual([c, [{
        labelSelector: { matchLabels: { app: 'harbor', component: c, release: 'harbor' } },
        maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor',
      }]]);
      expect([c, obj(`${DIR}poddisruptionbudget-harbor-${c}.yaml`).spec.minAvailable]).toEqual([c, 1]);
    }
    // Job logs in the database: no ReadWriteOnce log volume shared by two job services.
    expect(obj(`${DIR}configmap-harbor-jobservice.yaml`).data['config.yml']).toMatch(/job_loggers:\n\s+- name: "DB"/);
    // No scanner; metrics on.
    expect(files.has(`${DIR}statefulset-harbor-trivy.yaml`)).toBe(false);
    expect(obj(`${DIR}service-harbor-exporter.yaml`).spec.ports.map((p: Obj) => p.name)).toContain('http-metrics');
  });

  test('GIVEN Harbor\'s containers WHEN rendered THEN each has CPU and memory requests and a memory limit (registry and registryctl each their own), and both probes', () => {
    const sized = COMPONENTS.flatMap((c) => containers(c).map((k) => [k.name, k.resources]));
    expect(sized).toEqual([
      ['nginx', { requests: { cpu: '20m', memory: '32Mi' }, limits: { memory: '256Mi' } }],
      ['portal', { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } }],
      ['core', { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } }],
      ['jobservice', { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } }],
      ['registry', { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } }],
      ['registryctl', { requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '256Mi' } }],
      ['exporter', { requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '256Mi' } }],
    ]);
    for (const c of COMPONENTS) for (const k of containers(c)) expect([k.name, !!k.readinessProbe, !!k.livenessProbe]).toEqual([k.name, true, true]);
  });

  test('GIVEN Harbor\'s images WHEN rendered THEN every container runs restricted (non-root, no escalation, no capabilities, RuntimeDefault), and each Deployment says why its root stays writable', () => {
    for (const c of COMPONENTS) {
      for (const k of containers(c)) {
        expect([k.name, k.securityContext]).toEqual([k.name, { privileged: false, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } }]);
      }
      const exempt = obj(deployment(c)).metadata.annotations['platform.tsys/ha-exempt'];
      expect([c, exempt]).toEqual([c, ['nginx', 'portal'].includes(c) ? expect.stringMatching(/^ha\/read-only-root: nginx writes its pid and request buffers under \/tmp/) : expect.stringMatching(/^ha\/read-only-root: .*install_cert\.sh/)]);
    }
  });

  test('GIVEN the default storage WHEN rendered THEN images live on one Longhorn ReadWriteMany volume both registries mount, kept when Harbor is removed, and the layer waits for Longhorn', () => {
    const pvc = obj(`${DIR}persistentvolumeclaim-harbor-registry.yaml`);
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteMany'], resources: { requests: { storage: '100Gi' } }, storageClassName: 'longhorn' });
    expect(pvc.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
    expect(obj(deployment('registry')).spec.template.spec.volumes).toContainEqual({ name: 'registry-data', persistentVolumeClaim: { claimName: 'harbor-registry' } });
    expect(obj(`${DIR}configmap-harbor-registry.yaml`).data['config.yml']).toContain('filesystem:\n    rootdirectory: /storage');
    expect(obj('dist/apps/application-harbor.yaml').metadata.annotations['platform.tsys/depends-on']).toBe('gateway,longhorn,secrets');
  });

  test('GIVEN an S3 bucket in site.yaml WHEN rendered THEN images go to S3 with the access key from Bitwarden, and Longhorn is no dependency', () => {
    const s3 = tree(renderSite(siteWith((s) => { s.harbor.s3 = { bucket: 'harbor-images', region: 'eu-1', endpoint: 'https://s3.turnsys.com', credentials: 'bitwarden:harbor-s3' }; })));
    const config: string = s3.obj(`${DIR}configmap-harbor-registry.yaml`).data['config.yml'];
    expect(config).toMatch(/s3:\n\s+region: eu-1\n\s+bucket: harbor-images\n\s+regionendpoint: https:\/\/s3\.turnsys\.com/);
    expect(s3.files.has(`${DIR}persistentvolumeclaim-harbor-registry.yaml`)).toBe(false);
    const registry = s3.obj(deployment('registry')).spec.template.spec.containers[0];
    expect(registry.envFrom).toContainEqual({ secretRef: { name: 'harbor-s3' } });
    const es = s3.obj(`${DIR}externalsecret-harbor-s3.yaml`);
    expect(es.spec.data).toEqual([
      { secretKey: 'REGISTRY_STORAGE_S3_ACCESSKEY', remoteRef: { key: 'harbor-s3', property: 'username' } },
      { secretKey: 'REGISTRY_STORAGE_S3_SECRETKEY', remoteRef: { key: 'harbor-s3', property: 'password' } },
    ]);
    expect(wave(es)).toBeLessThan(wave(s3.obj(deployment('registry'))));
    expect(s3.obj('dist/apps/application-harbor.yaml').metadata.annotations['platform.tsys/depends-on']).toBe('gateway,secrets');
    expect(s3.files.get('docs/harbor.md')).toContain('images in the S3 bucket `harbor-images` (eu-1, https://s3.turnsys.com)');
    expect(s3.layer.filter(({ obj: o }) => o.kind === 'Secret' && (o.data || o.stringData))).toEqual([]);
  });

  test('GIVEN the UCS directory WHEN Harbor starts THEN CONFIG_OVERWRITE_JSON sets LDAP login with the admin group, and the search password comes only from Bitwarden', () => {
    const es = obj(`${DIR}externalsecret-harbor-env.yaml`);
    const template: string = es.spec.target.template.data.CONFIG_OVERWRITE_JSON;
    // What External Secrets writes, for a password that needs JSON escaping.
    const written = JSON.parse(template.replace('{{ .ldapSearchPassword | toJson }}', JSON.stringify('p"w\\d')));
    expect(written).toEqual({
      auth_mode: 'ldap_auth',
      ldap_url: 'ldaps://ucs.turnsys.com:636',
      ldap_verify_cert: true,
      ldap_search_dn: 'uid=svc-k8s-platform,cn=users,dc=turnsys,dc=com',
      ldap_search_password: 'p"w\\d',
      ldap_base_dn: 'cn=users,dc=turnsys,dc=com',
      ldap_filter: '(objectClass=person)',
      ldap_uid: 'uid',
      ldap_scope: 2,
      ldap_group_base_dn: 'cn=groups,dc=turnsys,dc=com',
      ldap_group_search_filter: '(objectClass=posixGroup)',
      ldap_group_attribute_name: 'cn',
      ldap_group_search_scope: 2,
      ldap_group_admin_dn: 'cn=k8s-platform-admins,cn=groups,dc=turnsys,dc=com',
      ldap_group_membership_attribute: 'memberOf',
    });
    expect(es.spec.data).toContainEqual({ secretKey: 'ldapSearchPassword', remoteRef: { key: 'ldap-svc-k8s-platform', property: 'password' } });
    // Core reads it from that Secret; the chart's configureUserSettings (a plain value) stays unset.
    expect(env('core')).toContainEqual({ name: 'CONFIG_OVERWRITE_JSON', valueFrom: { secretKeyRef: { name: 'harbor-env', key: 'CONFIG_OVERWRITE_JSON' } } });
    expect(obj(`${DIR}configmap-harbor-core.yaml`).data.CONFIG_OVERWRITE_JSON).toBeUndefined();
  });

  test('GIVEN the DBaaS WHEN rendered THEN PostgreSQL and redis are external at the site endpoints, their passwords only in Secrets External Secrets fills', () => {
    expect(obj(`${DIR}configmap-harbor-core.yaml`).data).toMatchObject({
      DATABASE_TYPE: 'postgresql', POSTGRESQL_HOST: 'pgsql.dbaas.turnsys.com', POSTGRESQL_PORT: '5432', POSTGRESQL_USERNAME: 'harbor', POSTGRESQL_DATABASE: 'harbor', POSTGRESQL_SSLMODE: 'disable',
    });
    expect(env('core')).toContainEqual({ name: 'POSTGRESQL_PASSWORD', valueFrom: { secretKeyRef: { name: 'harbor-secrets', key: 'password' } } });
    expect(obj(`${DIR}configmap-harbor-registry.yaml`).data['config.yml']).toMatch(/redis:\n\s+addr: redis\.dbaas\.turnsys\.com:6379\n\s+db: 2/);
    // Argo CD cannot run Helm's lookup, so the chart's redis URLs carry no password: each component
    // gets its URL (or password) from harbor-env, filled in by External Secrets; env wins over the
    // chart's ConfigMaps.
    const es = obj(`${DIR}externalsecret-harbor-env.yaml`);
    const data = es.spec.target.template.data;
    expect(data._REDIS_URL_CORE).toBe('redis://:{{ .redisPassword | urlquery }}@redis.dbaas.turnsys.com:6379/0?idle_timeout_seconds=30');
    expect(data._REDIS_URL_REG).toBe('redis://:{{ .redisPassword | urlquery }}@redis.dbaas.turnsys.com:6379/2?idle_timeout_seconds=30');
    expect(data.JOB_SERVICE_POOL_REDIS_URL).toBe('redis://:{{ .redisPassword | urlquery }}@redis.dbaas.turnsys.com:6379/1');
    expect([data.REGISTRY_REDIS_PASSWORD, data.REDIS_PASSWORD]).toEqual(['{{ .redisPassword }}', '{{ .redisPassword }}']);
    expect(es.spec.data).toContainEqual({ secretKey: 'redisPassword', remoteRef: { key: 'harbor-redis', property: 'password' } });
    const fromEnv = (list: Obj[]) => list.filter((e) => e.valueFrom?.secretKeyRef?.name === HARBOR_ENV).map((e) => `${e.name}<-${e.valueFrom.secretKeyRef.key}`);
    expect(fromEnv(env('core'))).toEqual(['CONFIG_OVERWRITE_JSON<-CONFIG_OVERWRITE_JSON', '_REDIS_URL_CORE<-_REDIS_URL_CORE', '_REDIS_URL_REG<-_REDIS_URL_REG']);
    expect(fromEnv(env('jobservice'))).toEqual(['JOB_SERVICE_POOL_REDIS_URL<-JOB_SERVICE_POOL_REDIS_URL']);
    expect(fromEnv(env('registry'))).toEqual(['REGISTRY_REDIS_PASSWORD<-REGISTRY_REDIS_PASSWORD']);
    expect(fromEnv(env('exporter'))).toEqual(['HARBOR_REDIS_URL<-JOB_SERVICE_POOL_REDIS_URL']);
  });

  test('GIVEN every secret Harbor reads WHEN rendered THEN it comes from a Secret External Secrets fills from Bitwarden, synced first, and no Secret the chart renders holds data', () => {
    expect(t.layer.filter(({ obj: o }) => o.kind === 'Secret' && (o.data || o.stringData)).map(({ path: p }) => p)).toEqual([]);
    const es = obj(`${DIR}externalsecret-harbor-secrets.yaml`);
    expect(es.metadata.namespace).toBe('harbor');
    expect(Object.fromEntries(es.spec.data.map((d: Obj) => [d.secretKey, `${d.remoteRef.key}${d.remoteRef.property ? `#${d.remoteRef.property}` : '#notes'}`]))).toEqual({
      HARBOR_ADMIN_PASSWORD: 'harbor-admin#password',
      secretKey: 'harbor-secret-key#password',
      secret: 'harbor-core-secret#password',
      CSRF_KEY: 'harbor-csrf-key#password',
      'tls.key': 'harbor-token-key#notes',
      JOBSERVICE_SECRET: 'harbor-jobservice-secret#password',
      REGISTRY_HTTP_SECRET: 'harbor-registry-http-secret#password',
      REGISTRY_PASSWD: 'harbor-registry-credentials#password',
      REGISTRY_HTPASSWD: 'harbor-registry-credentials#notes',
      password: 'harbor-db#password',
    });
    // Every key a container reads from a Secret by name is one of these two ExternalSecrets' keys.
    const keys = new Map([[HARBOR_SECRETS, new Set(es.spec.data.map((d: Obj) => d.secretKey))], [HARBOR_ENV, new Set(Object.keys(obj(`${DIR}externalsecret-harbor-env.yaml`).spec.target.template.data))]]);
    for (const c of COMPONENTS) {
      for (const k of containers(c)) {
        for (const e of (k.env ?? []).filter((x: Obj) => x.valueFrom?.secretKeyRef)) {
          const ref = e.valueFrom.secretKeyRef;
          expect([k.name, e.name, keys.get(ref.name)?.has(ref.key)]).toEqual([k.name, e.name, true]);
        }
      }
    }
    for (const p of [`${DIR}externalsecret-harbor-secrets.yaml`, `${DIR}externalsecret-harbor-env.yaml`]) {
      for (const c of COMPONENTS) expect(wave(obj(p))).toBeLessThan(wave(obj(deployment(c))));
    }
  });

  test('GIVEN the UI and registry API WHEN rendered THEN registry.<domain> is routed to the chart\'s nginx with a long request timeout and listed for HAProxy', () => {
    // nginx behind a plain-HTTP ClusterIP Service: TLS ends at HAProxy.
    const svc = obj(`${DIR}service-harbor.yaml`);
    expect([svc.spec.type, svc.spec.ports.map((p: Obj) => p.port), svc.spec.selector.component]).toEqual(['ClusterIP', [80], 'nginx']);
    expect(obj(`${DIR}configmap-harbor-core.yaml`).data.EXT_ENDPOINT).toBe('https://registry.turnsys.com');
    expect(obj('dist/harbor/httproute-registry.yaml').spec).toEqual({
      hostnames: ['registry.turnsys.com'],
      parentRefs: [{ name: 'platform', namespace: 'envoy-gateway-system', sectionName: 'http' }],
      rules: [{ backendRefs: [{ name: 'harbor', port: 80 }], matches: [{ path: { type: 'PathPrefix', value: '/' } }], timeouts: { request: '30m' } }],
    });
    expect(files.get('dist/hosts/haproxy/haproxy.cfg')).toContain('acl host_registry_turnsys_com hdr(host) -i registry.turnsys.com');
    expect(files.get('dist/hosts/haproxy/README.md')).toContain('| registry.turnsys.com | 10.251.51.200:80 | harbor | Harbor: container registry (UI, docker and OCI API) |');
    expect(obj('dist/harbor/namespace-harbor.yaml').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
  });

  test('GIVEN the nodes WHEN registries.yaml is rendered THEN docker.io, ghcr.io and quay.io go through Harbor proxy-cache projects', () => {
    const text = files.get('dist/hosts/registries.yaml')!;
    expect(loadManifests(text, 'registries.yaml')[0]).toEqual({
      mirrors: {
        'docker.io': { endpoint: ['https://registry.turnsys.com'], rewrite: { '^(.*)$': 'proxy-docker.io/$1' } },
        'ghcr.io': { endpoint: ['https://registry.turnsys.com'], rewrite: { '^(.*)$': 'proxy-ghcr.io/$1' } },
        'quay.io': { endpoint: ['https://registry.turnsys.com'], rewrite: { '^(.*)$': 'proxy-quay.io/$1' } },
      },
    });
    expect(text.startsWith('# /etc/rancher/k3s/registries.yaml on every node')).toBe(true);
    const readme = files.get('dist/hosts/README.md')!;
    expect(readme).toContain('| `registries.yaml` | `/etc/rancher/k3s/registries.yaml` of every node: registry mirrors (see below) |');
    expect(readme).toContain('| docker.io | https://registry.turnsys.com | `^(.*)$` -> `proxy-docker.io/$1` | harbor |');
    expect(readme).toContain('containerd still tries the upstream registry last');
    // docs/harbor.md creates exactly these projects.
    for (const r of ['docker.io', 'ghcr.io', 'quay.io']) expect(files.get('docs/harbor.md')).toContain(`"project_name":"proxy-${r}"`);
  });

  test('GIVEN docs/harbor.md WHEN read THEN it names every Bitwarden item Harbor and its CI robot use, with no value, and matches the committed file', () => {
    const doc = files.get('docs/harbor.md')!;
    const items = new Set([...files].filter(([p]) => p.startsWith('dist/harbor/externalsecret-'))
      .flatMap(([p, c]) => ((loadManifests(c, p)[0] as Obj).spec.data as Obj[]).map((d) => d.remoteRef.key))
      // The directory's bind account and CA are the directory's items (docs/ldap.md).
      .filter((k) => k !== 'ldap-svc-k8s-platform' && k !== 'ucs-root-ca'));
    expect(items.size).toBe(10);
    for (const item of [...items, 'harbor-robot-ci-push']) expect([item, doc.includes(`| \`${item}\` |`)]).toEqual([item, true]);
    expect(doc).toContain('"name":"ci-push","level":"system"');
    expect(doc).toContain('.login={username:"robot$ci-push",password:$s}');
    expect(doc).not.toMatch(/bitwarden:/);
    expect(fs.readFileSync(path.join(REPO, 'docs', 'harbor.md'), 'utf8')).toBe(doc);
  });
});
