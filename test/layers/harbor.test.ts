import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { HARBOR_ENV, HARBOR_SECRETS } from '../../lib/layers/harbor';
import { renderSite } from '../../lib/synth';
import { secretLiterals } from '../../lib/verify/secret-literals';
import { REPO, shippedSite, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CHART = 'dist/harbor/application-harbor-chart.yaml';
const COMPONENTS = ['nginx', 'portal', 'core', 'jobservice', 'registry'];

describe('Harbor layer', () => {
  const files = new Map(renderSite(shippedSite()).map((f) => [f.path, f.content]));
  const obj = (p: string): Obj => parse(files.get(p)!);
  const wave = (o: Obj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
  const values = obj(CHART).spec.source.helm.valuesObject;

  test('GIVEN the chart WHEN rendered THEN it is the pinned harbor chart and every stateless component runs twice, on two nodes, one down at most', () => {
    expect(obj(CHART).spec.source).toMatchObject({ chart: 'harbor', repoURL: 'https://helm.goharbor.io', targetRevision: '1.19.1' });
    expect(obj(CHART).spec.destination.namespace).toBe('harbor');
    for (const c of COMPONENTS) {
      expect([c, values[c].replicas, values[c].podDisruptionBudget]).toEqual([c, 2, { enabled: true, minAvailable: 1 }]);
      expect([c, values[c].topologySpreadConstraints]).toEqual([c, [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor' }]]);
    }
    // Job logs in the database: no ReadWriteOnce log volume shared by two job services.
    expect(values.jobservice.jobLoggers).toEqual(['database']);
    expect([values.trivy.enabled, values.metrics.enabled]).toEqual([false, true]);
    expect(values.exporter).toMatchObject({ replicas: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } });
    expect(values.exporter.extraEnvVars).toEqual([{ name: 'HARBOR_REDIS_URL', valueFrom: { secretKeyRef: { name: 'harbor-env', key: 'JOB_SERVICE_POOL_REDIS_URL' } } }]);
  });

  test('GIVEN the default storage WHEN rendered THEN images live on one Longhorn ReadWriteMany volume both registries mount, and the layer waits for Longhorn', () => {
    expect(values.persistence).toEqual({
      enabled: true,
      resourcePolicy: 'keep',
      persistentVolumeClaim: { registry: { storageClass: 'longhorn', accessMode: 'ReadWriteMany', size: '100Gi' } },
      imageChartStorage: { type: 'filesystem' },
    });
    expect(obj('dist/apps/application-harbor.yaml').metadata.annotations['platform.tsys/depends-on']).toBe('gateway,longhorn,secrets');
  });

  test('GIVEN an S3 bucket in site.yaml WHEN rendered THEN images go to S3 with the access key from Bitwarden, and Longhorn is no dependency', () => {
    const site = siteWith((s) => { s.harbor.s3 = { bucket: 'harbor-images', region: 'eu-1', endpoint: 'https://s3.turnsys.com', credentials: 'bitwarden:harbor-s3' }; });
    const s3Files = new Map(renderSite(site).map((f) => [f.path, f.content]));
    const v = parse(s3Files.get(CHART)!).spec.source.helm.valuesObject;
    expect(v.persistence.imageChartStorage).toEqual({
      type: 's3', disableredirect: true, s3: { region: 'eu-1', bucket: 'harbor-images', regionendpoint: 'https://s3.turnsys.com', existingSecret: 'harbor-s3' },
    });
    const es = parse(s3Files.get('dist/harbor/externalsecret-harbor-s3.yaml')!);
    expect(es.spec.data).toEqual([
      { secretKey: 'REGISTRY_STORAGE_S3_ACCESSKEY', remoteRef: { key: 'harbor-s3', property: 'username' } },
      { secretKey: 'REGISTRY_STORAGE_S3_SECRETKEY', remoteRef: { key: 'harbor-s3', property: 'password' } },
    ]);
    expect(wave(es)).toBeLessThan(wave(parse(s3Files.get(CHART)!)));
    expect(parse(s3Files.get('dist/apps/application-harbor.yaml')!).metadata.annotations['platform.tsys/depends-on']).toBe('gateway,secrets');
    expect(s3Files.get('docs/harbor.md')).toContain('images in the S3 bucket `harbor-images` (eu-1, https://s3.turnsys.com)');
  });

  test('GIVEN the UCS directory WHEN Harbor starts THEN CONFIG_OVERWRITE_JSON sets LDAP login with the admin group, and the search password comes only from Bitwarden', () => {
    const es = obj('dist/harbor/externalsecret-harbor-env.yaml');
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
    expect(values.core.extraEnvVars).toContainEqual({ name: 'CONFIG_OVERWRITE_JSON', valueFrom: { secretKeyRef: { name: 'harbor-env', key: 'CONFIG_OVERWRITE_JSON' } } });
    expect(values.core.configureUserSettings).toBeUndefined();
  });

  test('GIVEN the DBaaS WHEN rendered THEN PostgreSQL and redis are external at the site endpoints, their passwords only in Secrets', () => {
    expect(values.database).toEqual({
      type: 'external',
      external: { host: 'pgsql.dbaas.turnsys.com', port: '5432', username: 'harbor', coreDatabase: 'harbor', existingSecret: 'harbor-secrets', sslmode: 'disable' },
    });
    expect(values.redis).toEqual({
      type: 'external',
      external: { addr: 'redis.dbaas.turnsys.com:6379', coreDatabaseIndex: '0', jobserviceDatabaseIndex: '1', registryDatabaseIndex: '2' },
    });
    // Argo CD cannot run Helm's lookup, so the chart's redis URLs carry no password: each component
    // gets its URL (or password) from harbor-env, filled in by External Secrets.
    const env = obj('dist/harbor/externalsecret-harbor-env.yaml');
    const data = env.spec.target.template.data;
    expect(data._REDIS_URL_CORE).toBe('redis://:{{ .redisPassword | urlquery }}@redis.dbaas.turnsys.com:6379/0?idle_timeout_seconds=30');
    expect(data._REDIS_URL_REG).toBe('redis://:{{ .redisPassword | urlquery }}@redis.dbaas.turnsys.com:6379/2?idle_timeout_seconds=30');
    expect(data.JOB_SERVICE_POOL_REDIS_URL).toBe('redis://:{{ .redisPassword | urlquery }}@redis.dbaas.turnsys.com:6379/1');
    expect(data.REGISTRY_REDIS_PASSWORD).toBe('{{ .redisPassword }}');
    expect(env.spec.data).toContainEqual({ secretKey: 'redisPassword', remoteRef: { key: 'harbor-redis', property: 'password' } });
    const envVars = (list: Obj[]) => list.map((e) => `${e.name}<-${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
    expect(envVars(values.core.extraEnvVars)).toEqual(['CONFIG_OVERWRITE_JSON<-harbor-env/CONFIG_OVERWRITE_JSON', '_REDIS_URL_CORE<-harbor-env/_REDIS_URL_CORE', '_REDIS_URL_REG<-harbor-env/_REDIS_URL_REG']);
    expect(envVars(values.jobservice.extraEnvVars)).toEqual(['JOB_SERVICE_POOL_REDIS_URL<-harbor-env/JOB_SERVICE_POOL_REDIS_URL']);
    expect(envVars(values.registry.registry.extraEnvVars)).toEqual(['REGISTRY_REDIS_PASSWORD<-harbor-env/REGISTRY_REDIS_PASSWORD']);
  });

  test('GIVEN every secret Harbor reads WHEN rendered THEN it names a Secret External Secrets fills from Bitwarden, synced before the chart, and no value is literal', () => {
    const named = [
      values.existingSecretAdminPassword, values.existingSecretSecretKey, values.core.existingSecret, values.core.existingXsrfSecret, values.core.secretName,
      values.jobservice.existingSecret, values.registry.existingSecret, values.registry.credentials.existingSecret, values.database.external.existingSecret,
    ];
    expect(new Set(named)).toEqual(new Set([HARBOR_SECRETS]));
    const es = obj('dist/harbor/externalsecret-harbor-secrets.yaml');
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
    // The keys the chart looks up under configurable names are the ones the Secret has.
    expect([values.existingSecretAdminPasswordKey, values.core.existingXsrfSecretKey, values.jobservice.existingSecretKey, values.registry.existingSecretKey])
      .toEqual(['HARBOR_ADMIN_PASSWORD', 'CSRF_KEY', 'JOBSERVICE_SECRET', 'REGISTRY_HTTP_SECRET']);
    for (const p of ['dist/harbor/externalsecret-harbor-secrets.yaml', 'dist/harbor/externalsecret-harbor-env.yaml']) expect(wave(obj(p))).toBeLessThan(wave(obj(CHART)));
    expect(secretLiterals(obj(CHART), new Set([HARBOR_SECRETS, HARBOR_ENV]))).toEqual([]);
    expect(files.get(CHART)).not.toMatch(/harborAdminPassword|secretKey: |\bpassword: /);
    expect([...files.keys()].filter((p) => p.startsWith('dist/harbor/'))).toEqual([
      'dist/harbor/application-harbor-chart.yaml', 'dist/harbor/externalsecret-harbor-env.yaml', 'dist/harbor/externalsecret-harbor-secrets.yaml',
      'dist/harbor/httproute-registry.yaml', 'dist/harbor/namespace-harbor.yaml',
    ]);
  });

  test('GIVEN the UI and registry API WHEN rendered THEN registry.<domain> is routed to the chart\'s nginx with a long request timeout and listed for HAProxy', () => {
    expect(values.expose).toEqual({ type: 'clusterIP', tls: { enabled: false }, clusterIP: { name: 'harbor', ports: { httpPort: 80 } } });
    expect(values.externalURL).toBe('https://registry.turnsys.com');
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
    expect(parse(text)).toEqual({
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
      .flatMap(([, c]) => (parse(c).spec.data as Obj[]).map((d) => d.remoteRef.key))
      .filter((k) => k !== 'ldap-svc-k8s-platform'));
    expect(items.size).toBe(10);
    for (const item of [...items, 'harbor-robot-ci-push']) expect([item, doc.includes(`| \`${item}\` |`)]).toEqual([item, true]);
    expect(doc).toContain('"name":"ci-push","level":"system"');
    expect(doc).toContain('.login={username:"robot$ci-push",password:$s}');
    expect(doc).not.toMatch(/bitwarden:/);
    expect(fs.readFileSync(path.join(REPO, 'docs', 'harbor.md'), 'utf8')).toBe(doc);
  });
});
