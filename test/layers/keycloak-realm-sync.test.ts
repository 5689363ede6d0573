import { App, Chart } from 'cdk8s';
import { parse } from 'yaml';
import { parseApp } from '../../lib/config/load-apps';
import { envPlaceholders, KeycloakConfigJob, keycloakConfigHash } from '../../lib/constructs/keycloak-config-job';
import { HA_ANNOTATIONS } from '../../lib/ha/annotations';
import { KEYCLOAK_ADMIN_SECRET, REALM_SECRET, realmSyncProps } from '../../lib/layers/keycloak';
import { renderSite } from '../../lib/synth';
import { VERSIONS } from '../../lib/versions';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { secretLiterals, secretValues } from '../../lib/verify/secret-literals';
import { shippedSite } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DIR = 'dist/keycloak';
const site = shippedSite();
const registry = new SchemaRegistry();
const DEMO = 'environment: prod\nimage: nginx:1.27.3\nports:\n  - { name: http, port: 8080 }\nexpose: { http: { host: demo.turnsys.com } }\n';

/** The keycloak layer's files of a render of the shipped site with `apps` (app spec texts by name). */
function keycloakFiles(apps: Readonly<Record<string, string>> = {}): Map<string, string> {
  const specs = Object.entries(apps).map(([name, text]) => parseApp(text, `apps/${name}.yaml`, site));
  return new Map(renderSite(site, undefined, specs).filter((f) => f.path.startsWith(`${DIR}/`)).map((f) => [f.path, f.content]));
}

/** The realm sync's Job, its ConfigMap and the realm file it imports, from the keycloak layer's files. */
function realmSync(files: ReadonlyMap<string, string>): { job: Obj; configMap: Obj; realm: Obj; file: string } {
  const of = (kind: string) => {
    const found = [...files.keys()].filter((p) => p.startsWith(`${DIR}/${kind}-keycloak-config-`));
    expect(found).toHaveLength(1);
    return parse(files.get(found[0])!) as Obj;
  };
  const configMap = of('configmap');
  const file: string = configMap.data['platform.json'];
  return { job: of('job'), configMap, realm: JSON.parse(file), file };
}

describe('Keycloak realm sync (keycloak-config-cli)', () => {
  const files = keycloakFiles();
  const { job, configMap, realm, file } = realmSync(files);
  const realmImport = parse(files.get(`${DIR}/keycloakrealmimport-platform.yaml`)!) as Obj;
  const pod: Obj = job.spec.template.spec;
  const container: Obj = pod.containers[0];
  const env = new Map<string, Obj>(container.env.map((e: Obj) => [e.name, e]));
  const wave = (o: Obj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);

  test('GIVEN the shipped site WHEN rendered THEN a Job and an immutable ConfigMap share the name keycloak-config-<hash of what runs>, and the Job mounts that ConfigMap', () => {
    const props = realmSyncProps(site, realmImport.spec.realm.clients[0].redirectUris, `${VERSIONS['keycloak-config-cli'].name}:${VERSIONS['keycloak-config-cli'].version}`);
    expect(job.metadata.name).toBe(`keycloak-config-${keycloakConfigHash(props)}`);
    expect(job.metadata.name).toMatch(/^keycloak-config-[0-9a-f]{10}$/);
    expect(configMap.metadata.name).toBe(job.metadata.name);
    expect(configMap.immutable).toBe(true);
    expect(pod.volumes).toContainEqual({ name: 'config', configMap: { name: job.metadata.name } });
    expect(env.get('IMPORT_FILES_LOCATIONS')!.value).toBe('file:/config/*');
  });

  test('GIVEN the realm sync WHEN rendered THEN it imports the realm the realm import creates, every secret as $(env:NAME) instead of ${NAME}', () => {
    const expected = JSON.parse(JSON.stringify(realmImport.spec.realm).replace(/\$\{([A-Z_]+)\}/g, '$(env:$1)'));
    expect(realm).toEqual(expected);
    expect(realm.clients[0].secret).toBe('$(env:CLIENT_SECRET_API_GATEWAY)');
    expect(realm.components['org.keycloak.storage.UserStorageProvider'][0].config.bindCredential).toEqual(['$(env:LDAP_BIND_CREDENTIAL)']);
  });

  test('GIVEN the shipped site WHEN rendered THEN the realm the Job imports allows the callback of every SSO host the gateway protects (Longhorn, Prometheus, Alertmanager)', () => {
    expect(realm.clients.map((c: Obj) => c.clientId)).toEqual(['api-gateway']);
    expect(realm.clients[0].redirectUris).toEqual(['alertmanager', 'longhorn', 'prometheus'].map((h) => `https://${h}.turnsys.com/oauth2/callback`));
  });

  test('GIVEN an app with auth.sso added WHEN rendered THEN the realm file carries its callback and the Job and ConfigMap get a new name', () => {
    const withApp = realmSync(keycloakFiles({ ledger: `${DEMO}auth: { sso: true }\n` }));
    expect(withApp.realm.clients[0].redirectUris).toContain('https://demo.turnsys.com/oauth2/callback');
    expect(withApp.realm.clients[0].redirectUris).toEqual([...realm.clients[0].redirectUris, 'https://demo.turnsys.com/oauth2/callback'].sort());
    expect(withApp.job.metadata.name).not.toBe(job.metadata.name);
    expect(withApp.configMap.metadata.name).toBe(withApp.job.metadata.name);
  });

  test('GIVEN nothing changed (or an app without SSO) WHEN rendered again THEN the Job and ConfigMap are the same bytes under the same name', () => {
    const again = keycloakFiles();
    expect([...again.entries()]).toEqual([...files.entries()]);
    const plain = realmSync(keycloakFiles({ shop: DEMO }));
    expect(plain.job.metadata.name).toBe(job.metadata.name);
    expect(plain.file).toBe(file);
  });

  test('GIVEN the realm sync WHEN rendered THEN no secret is in git: the admin login and every $(env:) variable come from Secrets External Secrets fills from Bitwarden', () => {
    expect(env.get('KEYCLOAK_USER')!.valueFrom).toEqual({ secretKeyRef: { name: KEYCLOAK_ADMIN_SECRET, key: 'username' } });
    expect(env.get('KEYCLOAK_PASSWORD')!.valueFrom).toEqual({ secretKeyRef: { name: KEYCLOAK_ADMIN_SECRET, key: 'password' } });
    expect(envPlaceholders(file)).toEqual(['CLIENT_SECRET_API_GATEWAY', 'LDAP_BIND_CREDENTIAL']);
    for (const name of envPlaceholders(file)) expect(env.get(name)!.valueFrom.secretKeyRef.name).toBe(REALM_SECRET);
    for (const secret of [KEYCLOAK_ADMIN_SECRET, REALM_SECRET]) expect(files.has(`${DIR}/externalsecret-${secret}.yaml`)).toBe(true);
    expect(container.env.filter((e: Obj) => e.value !== undefined && /password|secret|credential/i.test(e.name))).toEqual([]);
    for (const o of [job, configMap]) {
      expect(secretLiterals(o)).toEqual([]);
      expect(secretValues(o)).toEqual([]);
    }
  });

  test('GIVEN the realm sync WHEN rendered THEN it never deletes users or what LDAP brought: no users in the file, components, mappers and groups no-delete, deletes limited to its own state', () => {
    expect(realm.users).toBeUndefined();
    expect(realm.groups).toBeUndefined();
    expect(env.get('IMPORT_MANAGED_COMPONENT')!.value).toBe('no-delete');
    expect(env.get('IMPORT_MANAGED_SUBCOMPONENT')!.value).toBe('no-delete');
    expect(env.get('IMPORT_MANAGED_GROUP')!.value).toBe('no-delete');
    expect(env.get('IMPORT_REMOTESTATE_ENABLED')!.value).toBe('true');
    expect(env.get('IMPORT_VARSUBSTITUTION_ENABLED')!.value).toBe('true');
    // A full LDAP sync stays Keycloak's own schedule (changedSyncPeriod), not each import.
    expect(env.has('IMPORT_BEHAVIORS_SYNCUSERFEDERATION')).toBe(false);
  });

  test('GIVEN the Job WHEN checked against the schemas and the container rules THEN it passes: pinned image, resources, restricted, non-root (the image\'s 65534), read-only root with /tmp on an emptyDir', () => {
    expect(registry.validate(job)).toEqual([]);
    expect(registry.validate(configMap)).toEqual([]);
    expect(container.image).toBe('docker.io/adorsys/keycloak-config-cli:6.5.0-26.0.5');
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true });
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(job.metadata.annotations?.[HA_ANNOTATIONS.exempt]).toBeUndefined();
  });

  test('GIVEN the Job WHEN synced THEN it runs after Keycloak and the realm import, reaching Keycloak\'s Service in-cluster; it has no TTL and is no hook, so Argo CD runs it once per name', () => {
    const keycloak = parse(files.get(`${DIR}/keycloak-keycloak.yaml`)!) as Obj;
    expect(wave(job)).toBeGreaterThan(wave(realmImport));
    expect(wave(realmImport)).toBeGreaterThan(wave(keycloak));
    expect(wave(job)).toBeGreaterThanOrEqual(wave(configMap));
    expect(env.get('KEYCLOAK_URL')!.value).toBe('http://keycloak-service.keycloak.svc:8080');
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(job.metadata.annotations?.['argocd.argoproj.io/hook']).toBeUndefined();
    // No NetworkPolicy in the keycloak namespace to open: it has no default-deny.
    expect([...files.keys()].filter((p) => p.includes('/networkpolicy-'))).toEqual([]);
  });

  test('GIVEN a realm file with a $(env:) variable no Secret fills WHEN the construct is built THEN it says which and what to do', () => {
    const props = realmSyncProps(site, [], 'docker.io/adorsys/keycloak-config-cli:6.5.0-26.0.5');
    const chart = new Chart(new App(), 'c');
    expect(() => new KeycloakConfigJob(chart, 'sync', { ...props, secretEnv: { LDAP_BIND_CREDENTIAL: props.secretEnv.LDAP_BIND_CREDENTIAL } }))
      .toThrow('the realm file reads $(env:CLIENT_SECRET_API_GATEWAY), which no secretEnv entry fills: give each a Secret key');
  });
});
