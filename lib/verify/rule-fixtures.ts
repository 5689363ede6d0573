/**
 * The cases each plain verify rule carries (lib/rule.ts): the files of a tiny rendered tree that
 * breaks it and of one that satisfies it. Small, hand-written objects; test/rules.test.ts turns
 * them into a verify Tree with `fixtureTree` and runs them.
 */
import { factsKey, ObjectFacts, PlatformFacts } from '../facts/facts';
import { JsonMap } from '../k8s/manifest';
import { dumpManifest } from '../k8s/manifest-yaml';
import { loadFiles } from '../k8s/tree';
import type { Tree, VerifyRuleId } from './rules';
import type { SchemaRegistry } from './schemas';
import { treeOf } from './tree-of';

/** A case of a verify rule: files of a tree (path -> its objects, or its text) and the facts the build would declare. */
export interface VerifyFixture {
  readonly files: { readonly [file: string]: readonly JsonMap[] | string };
  /** Facts of objects of the files. @default - none */
  readonly facts?: readonly (readonly [JsonMap, ObjectFacts])[];
}

/** The verify Tree of a fixture, read as verify reads a rendered tree (lib/k8s/tree.ts loadFiles). */
export function fixtureTree(fixture: VerifyFixture, registry: SchemaRegistry): Tree {
  const text = (file: string): string | undefined => {
    const content = fixture.files[file];
    return content === undefined || typeof content === 'string' ? content : content.map((o) => dumpManifest(o)).join('---\n');
  };
  const facts: PlatformFacts = new Map((fixture.facts ?? []).map(([obj, f]) => {
    const meta = (obj.metadata ?? {}) as JsonMap;
    return [factsKey(String(obj.apiVersion), String(obj.kind), meta.namespace === undefined ? undefined : String(meta.namespace), String(meta.name)), f];
  }));
  const files = Object.keys(fixture.files).sort();
  return treeOf(loadFiles(files, (file) => text(file) ?? ''), { root: '(fixture)', registry, facts, read: text });
}

const REPO = 'https://git.example.com/platform.git';

/** An Argo CD Application syncing `path` of the platform repository in sync wave `wave`. */
function application(name: string, path: string, wave = 0, source: JsonMap = { repoURL: REPO, path, targetRevision: 'main' }): JsonMap {
  return {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name, namespace: 'argocd', annotations: { 'argocd.argoproj.io/sync-wave': String(wave) } },
    spec: { project: 'platform', destination: { namespace: name, server: 'https://kubernetes.default.svc' }, source },
  };
}

const namespace = (name: string): JsonMap => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

function configMap(extra: JsonMap = {}, metadata: JsonMap = { name: 'web', namespace: 'web' }): JsonMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { greeting: 'hello' }, ...extra };
}

const labels = { 'app.kubernetes.io/name': 'web' };

function service(selector: JsonMap = labels): JsonMap {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'web' }, spec: { selector, ports: [{ port: 8080, targetPort: 8080 }] } };
}

/** A Deployment of `labels`; `pod` adds to its pod spec. */
function deployment(name: string, ns: string, pod: JsonMap = {}): JsonMap {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns },
    spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name, image: 'ghcr.io/tsys/web:1.2.3' }], ...pod } } },
  };
}

/** A PreSync hook Job in namespace web (wave 1) that runs as the ServiceAccount web-migrate. */
const migrateJob: JsonMap = {
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'web-migrate', namespace: 'web', annotations: { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/sync-wave': '1' } },
  spec: { template: { spec: { serviceAccountName: 'web-migrate', restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'ghcr.io/tsys/web:1.2.3' }] } } },
};

/** An ExternalSecret in namespace web that makes the Secret web-db from Bitwarden. */
const webDbSecret: JsonMap = {
  apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'web-db', namespace: 'web' },
  spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'bitwarden' }, target: { name: 'web-db' }, data: [{ secretKey: 'password', remoteRef: { key: 'web-db' } }] },
};

/** A RoleBinding in namespace web of the ServiceAccount web to the Role web. */
function roleBinding(): JsonMap {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'web', namespace: 'web' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'web' }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'web' }],
  };
}

function pvc(annotations?: Record<string, string>): JsonMap {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'web', ...(annotations ? { annotations } : {}) },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'local-path', resources: { requests: { storage: '1Gi' } } },
  };
}

const widgetCrd: JsonMap = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com', annotations: { 'argocd.argoproj.io/sync-wave': '-1' } },
  spec: {
    group: 'example.com', names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' }, scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'string' } } } } } } }],
  },
};

const widget = (annotations: Record<string, string> = {}): JsonMap =>
  ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'web', namespace: 'web', annotations }, spec: { size: 'small' } });

/** Rancher's LDAP settings, and its trust store filled from Bitwarden (the CA the directory's certificate is checked against). */
function rancherLdap(tls: boolean): VerifyFixture {
  const auth: JsonMap = {
    apiVersion: 'management.cattle.io/v3', kind: 'AuthConfig', metadata: { name: 'openldap' }, type: 'openLdapConfig', enabled: true,
    servers: ['ldap1.example.com', 'ldap2.example.com'], port: 636, tls, userLoginAttribute: 'uid', groupObjectClass: 'posixGroup', groupMemberMappingAttribute: 'memberUid',
  };
  const rancher = deployment('rancher', 'cattle-system', {
    volumes: [{ name: 'tls-ca-additional', secret: { secretName: 'tls-ca-additional' } }],
  });
  const container = ((((rancher.spec as JsonMap).template as JsonMap).spec as JsonMap).containers as JsonMap[])[0];
  container.volumeMounts = [{ name: 'tls-ca-additional', mountPath: '/etc/pki/trust/anchors', readOnly: true }];
  const ca: JsonMap = {
    apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'tls-ca-additional', namespace: 'cattle-system' },
    spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'bitwarden' }, target: { name: 'tls-ca-additional' }, data: [{ secretKey: 'ca-additional.pem', remoteRef: { key: 'ldap-ca' } }] },
  };
  return { files: { 'dist/rancher/authconfig-openldap.yaml': [auth], 'dist/rancher/deployment-rancher.yaml': [rancher], 'dist/rancher/externalsecret-tls-ca-additional.yaml': [ca] } };
}

/**
 * A UI `longhorn` behind single sign-on, and the realm whose client `api-gateway` allows `callbacks`;
 * the policy logs in as `client` and returns to `redirect`.
 */
function ssoLogin(client: string, redirect: string, callbacks: readonly string[]): VerifyFixture {
  const route: JsonMap = {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'longhorn', namespace: 'longhorn-system' },
    spec: { parentRefs: [{ name: 'platform', namespace: 'envoy-gateway-system' }], hostnames: ['longhorn.example.com'], rules: [{ backendRefs: [{ name: 'longhorn-frontend', port: 80 }] }] },
  };
  const policy: JsonMap = {
    apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'SecurityPolicy', metadata: { name: 'longhorn', namespace: 'longhorn-system' },
    spec: {
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'longhorn' }],
      oidc: { provider: { issuer: 'https://iam.example.com/realms/platform' }, clientID: client, clientSecret: { name: 'longhorn-sso-client' }, redirectURL: redirect, logoutPath: '/oauth2/logout' },
    },
  };
  const realm: JsonMap = {
    apiVersion: 'k8s.keycloak.org/v2alpha1', kind: 'KeycloakRealmImport', metadata: { name: 'platform', namespace: 'keycloak' },
    spec: { keycloakCRName: 'keycloak', realm: { realm: 'platform', clients: [{ clientId: 'api-gateway', redirectUris: [...callbacks] }] } },
  };
  return { files: { 'dist/longhorn/httproute-longhorn.yaml': [route], 'dist/longhorn/securitypolicy-longhorn.yaml': [policy], 'dist/keycloak/keycloakrealmimport-platform.yaml': [realm] } };
}

/** An HTTPRoute `web` in namespace web that sends to the Service `service` on `port`. */
function route(service: string, port: number): JsonMap {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'web' },
    spec: { parentRefs: [{ name: 'platform', namespace: 'envoy-gateway-system' }], hostnames: ['web.example.com'], rules: [{ backendRefs: [{ name: service, port }] }] },
  };
}

/**
 * Argo CD's argocd-cm with the Argo CD chart's default exclusion of Endpoints and EndpointSlice,
 * the Application of dist/web, and `objects` in dist/web: how Prometheus finds etcd's servers.
 */
function argocdExcluding(objects: { readonly [file: string]: readonly JsonMap[] }): VerifyFixture {
  const cm: JsonMap = {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-cm', namespace: 'argocd' },
    data: { 'resource.exclusions': "- apiGroups:\n  - ''\n  - discovery.k8s.io\n  kinds:\n  - Endpoints\n  - EndpointSlice\n" },
  };
  return { files: { 'dist/apps/application-web.yaml': [application('web', 'dist/web', 1)], 'dist/argocd/configmap-argocd-cm.yaml': [cm], ...objects } };
}

/**
 * Longhorn's metrics as chart 1.12.1 rendered them: Prometheus (monitoring) selects every
 * ServiceMonitor; the one for Longhorn scrapes the manager's Service on its port "manager" (9500);
 * the chart's NetworkPolicy on longhorn-manager admits only Longhorn's own pods. `allow` adds the
 * policy that admits Prometheus's pods on 9500 (lib/layers/longhorn.ts longhorn-manager-from-prometheus).
 */
function longhornScrape(allow: boolean): VerifyFixture {
  const manager = { app: 'longhorn-manager' };
  const policy = (name: string, from: JsonMap[], ports?: JsonMap[]): JsonMap => ({
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'longhorn-system' },
    spec: { podSelector: { matchLabels: manager }, policyTypes: ['Ingress'], ingress: [{ from, ...(ports ? { ports } : {}) }] },
  });
  return {
    files: {
      'dist/monitoring/prometheus-k8s.yaml': [{
        apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'k8s', namespace: 'monitoring' },
        spec: { serviceMonitorSelector: {}, serviceMonitorNamespaceSelector: {}, podMonitorSelector: {}, podMonitorNamespaceSelector: {} },
      }],
      'dist/monitoring/servicemonitor-longhorn.yaml': [{
        apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'longhorn', namespace: 'monitoring' },
        spec: { namespaceSelector: { matchNames: ['longhorn-system'] }, selector: { matchLabels: manager }, endpoints: [{ port: 'manager' }] },
      }],
      'dist/longhorn/service-longhorn-backend.yaml': [{
        apiVersion: 'v1', kind: 'Service', metadata: { name: 'longhorn-backend', namespace: 'longhorn-system', labels: manager },
        spec: { selector: manager, ports: [{ name: 'manager', port: 9500, targetPort: 'manager' }] },
      }],
      'dist/longhorn/daemonset-longhorn-manager.yaml': [{
        apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'longhorn-manager', namespace: 'longhorn-system' },
        spec: { selector: { matchLabels: manager }, template: { metadata: { labels: manager }, spec: { containers: [{ name: 'longhorn-manager', image: 'longhornio/longhorn-manager:v1.12.1', ports: [{ name: 'manager', containerPort: 9500 }] }] } } },
      }],
      'dist/longhorn/networkpolicy-longhorn-manager.yaml': [policy('longhorn-manager', [{ podSelector: { matchLabels: { 'longhorn.io/managed-by': 'longhorn-manager' } } }])],
      ...(allow ? {
        'dist/longhorn/networkpolicy-longhorn-manager-from-prometheus.yaml': [policy('longhorn-manager-from-prometheus', [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
        }], [{ protocol: 'TCP', port: 9500 }])],
      } : {}),
    },
  };
}

/**
 * A PaaS app behind the shared gateway: Envoy Gateway's GatewayClass and Gateway platform
 * (envoy-gateway-system), an HTTPRoute in prod to Service whiteboard port 8080, its Deployment's
 * container port "http" (8080), and the paas layer's default deny of prod. `allow` adds the app's
 * whiteboard-from-gateway (lib/paas/network-policies.ts) admitting the proxy pods on "http".
 */
export function gatewayRoute(allow: boolean): VerifyFixture {
  const app = { 'app.kubernetes.io/name': 'whiteboard' };
  const proxies = { 'app.kubernetes.io/name': 'envoy', 'app.kubernetes.io/component': 'proxy' };
  const policy = (name: string, spec: JsonMap): JsonMap => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'prod' }, spec });
  return {
    files: {
      'dist/gateway/gatewayclass-envoy.yaml': [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'envoy' }, spec: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller' } }],
      'dist/gateway/gateway-platform.yaml': [{
        apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'platform', namespace: 'envoy-gateway-system' },
        spec: { gatewayClassName: 'envoy', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] },
      }],
      'dist/workloads/whiteboard/httproute-whiteboard.yaml': [{
        apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'whiteboard', namespace: 'prod' },
        spec: { parentRefs: [{ name: 'platform', namespace: 'envoy-gateway-system', sectionName: 'http' }], rules: [{ backendRefs: [{ name: 'whiteboard', port: 8080 }] }] },
      }],
      'dist/workloads/whiteboard/service-whiteboard.yaml': [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'whiteboard', namespace: 'prod' }, spec: { selector: app, ports: [{ name: 'http', port: 8080, targetPort: 'http' }] } }],
      'dist/workloads/whiteboard/deployment-whiteboard.yaml': [{
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'whiteboard', namespace: 'prod' },
        spec: { selector: { matchLabels: app }, template: { metadata: { labels: app }, spec: { containers: [{ name: 'whiteboard', image: 'whiteboard:1', ports: [{ name: 'http', containerPort: 8080 }] }] } } },
      }],
      'dist/paas/networkpolicy-default-deny.yaml': [{ ...policy('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }) }],
      ...(allow ? {
        'dist/workloads/whiteboard/networkpolicy-whiteboard-from-gateway.yaml': [policy('whiteboard-from-gateway', {
          podSelector: { matchLabels: app }, policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } }, podSelector: { matchLabels: proxies } }], ports: [{ protocol: 'TCP', port: 'http' }] }],
        })],
      } : {}),
    },
  };
}

const webApp = application('web', 'dist/web', 1);
const baseApp = application('base', 'dist/base', 0);

/** A breaking and a satisfying case for every plain verify rule, by id. */
export const VERIFY_FIXTURES: { readonly [id in VerifyRuleId]: { readonly breaking: VerifyFixture; readonly satisfying: VerifyFixture } } = {
  'verify/manifests': {
    breaking: { files: { 'dist/web/configmap-web.yaml': [configMap({}, { namespace: 'web' })], 'dist/web/notes.txt': 'not a manifest' } },
    satisfying: { files: { 'dist/web/configmap-web.yaml': [configMap()] } },
  },
  'verify/one-application': {
    breaking: { files: { 'dist/apps/application-web.yaml': [webApp], 'dist/apps/application-web-again.yaml': [application('web-again', 'dist/web', 1)] } },
    satisfying: { files: { 'dist/apps/application-web.yaml': [webApp], 'dist/apps/application-base.yaml': [baseApp] } },
  },
  'verify/schemas': {
    breaking: { files: { 'dist/web/configmap-web.yaml': [configMap({ status: { ready: true } })] } },
    satisfying: { files: { 'dist/web/configmap-web.yaml': [configMap()] } },
  },
  'verify/secrets': {
    breaking: { files: { 'dist/web/secret-web.yaml': [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web', namespace: 'web' }, stringData: { password: 'hunter2' } }] } },
    satisfying: { files: { 'dist/web/configmap-web.yaml': [configMap()] } },
  },
  'verify/duplicates': {
    breaking: { files: { 'dist/web/configmap-web.yaml': [configMap()], 'dist/web/configmap-web-again.yaml': [configMap()] } },
    // The bootstrap (argocd/) has its self-managed twin in dist/: the same object twice, not twice within one.
    satisfying: { files: { 'dist/argocd/namespace-argocd.yaml': [namespace('argocd')], 'argocd/namespace-argocd.yaml': [namespace('argocd')] } },
  },
  'verify/namespaces': {
    breaking: { files: { 'dist/web/configmap-web.yaml': [configMap()] } },
    satisfying: { files: { 'dist/web/namespace-web.yaml': [namespace('web')], 'dist/web/configmap-web.yaml': [configMap()] } },
  },
  'verify/service-selectors': {
    breaking: { files: { 'dist/web/service-web.yaml': [service()], 'dist/web/deployment-web.yaml': [deployment('web', 'other')] } },
    satisfying: { files: { 'dist/web/service-web.yaml': [service()], 'dist/web/deployment-web.yaml': [deployment('web', 'web')] } },
  },
  'verify/route-backends': {
    breaking: { files: { 'dist/web/service-web.yaml': [service()], 'dist/web/httproute-web.yaml': [route('web', 80)] } },
    satisfying: { files: { 'dist/web/service-web.yaml': [service()], 'dist/web/httproute-web.yaml': [route('web', 8080)] } },
  },
  'verify/pod-references': {
    // A chart told not to render its ServiceAccount (serviceAccount.create: false) whose Deployment still names it; the Secret it mounts (and pulls with), an ExternalSecret makes.
    // And a PreSync hook Job whose ServiceAccount is a plain object (the first sync never gets past PreSync); satisfied, a PreSync hook of an earlier wave.
    breaking: { files: { 'dist/web/deployment-web.yaml': [deployment('web', 'web', { serviceAccountName: 'web', imagePullSecrets: [{ name: 'web-db' }], volumes: [{ name: 'db', secret: { secretName: 'web-db' } }] })], 'dist/web/externalsecret-web-db.yaml': [webDbSecret], 'dist/web/job-web-migrate.yaml': [migrateJob], 'dist/web/serviceaccount-web-migrate.yaml': [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web-migrate', namespace: 'web' } }] } },
    satisfying: { files: { 'dist/web/deployment-web.yaml': [deployment('web', 'web', { serviceAccountName: 'web', imagePullSecrets: [{ name: 'web-db' }], volumes: [{ name: 'db', secret: { secretName: 'web-db' } }] })], 'dist/web/externalsecret-web-db.yaml': [webDbSecret], 'dist/web/serviceaccount-web.yaml': [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'web' }, imagePullSecrets: [{ name: 'web-db' }] }], 'dist/web/job-web-migrate.yaml': [migrateJob], 'dist/web/serviceaccount-web-migrate.yaml': [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web-migrate', namespace: 'web', annotations: { 'argocd.argoproj.io/hook': 'PreSync' } } }] } },
  },
  'verify/rbac-references': {
    // A chart told not to render its Role (rbac.create: false) whose RoleBinding still names it.
    breaking: { files: { 'dist/web/rolebinding-web.yaml': [roleBinding()] } },
    satisfying: { files: { 'dist/web/rolebinding-web.yaml': [roleBinding()], 'dist/web/role-web.yaml': [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'web', namespace: 'web' }, rules: [] }] } },
  },
  'verify/application-paths': {
    breaking: { files: { 'dist/apps/application-web.yaml': [webApp], 'dist/base/configmap-web.yaml': [configMap()] } },
    satisfying: { files: { 'dist/apps/application-web.yaml': [webApp], 'dist/web/configmap-web.yaml': [configMap()] } },
  },
  'verify/plain-sources': {
    breaking: {
      files: {
        'dist/apps/application-root.yaml': [application('root', 'dist/apps')],
        'dist/apps/application-web.yaml': [application('web', 'dist/web', 1, { repoURL: 'https://charts.example.com', chart: 'web', targetRevision: '1.0.0' })],
      },
    },
    satisfying: { files: { 'dist/apps/application-root.yaml': [application('root', 'dist/apps')], 'dist/apps/application-web.yaml': [webApp] } },
  },
  'verify/layer-order': {
    breaking: { files: { 'dist/apps/application-web.yaml': [application('web', 'dist/web', 0)], 'dist/apps/application-base.yaml': [baseApp] }, facts: [[application('web', 'dist/web', 0), { dependsOn: ['base'] }]] },
    satisfying: { files: { 'dist/apps/application-web.yaml': [webApp], 'dist/apps/application-base.yaml': [baseApp] }, facts: [[webApp, { dependsOn: ['base'] }]] },
  },
  'verify/api-providers': {
    breaking: { files: { 'dist/apps/application-web.yaml': [webApp], 'dist/web/widget-web.yaml': [widget()] } },
    satisfying: {
      files: {
        'dist/apps/application-web.yaml': [webApp],
        'dist/web/customresourcedefinition-widgets.example.com.yaml': [widgetCrd],
        'dist/web/widget-web.yaml': [widget({ 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' })],
      },
    },
  },
  'verify/bootstrap': {
    breaking: { files: { 'dist/apps/application-root.yaml': [application('root', 'dist/apps')], 'argocd/namespace-argocd.yaml': [namespace('argocd')], 'argocd/kustomization.yaml': 'resources: []\n' } },
    satisfying: {
      files: {
        'dist/apps/application-root.yaml': [application('root', 'dist/apps')],
        'dist/argocd/namespace-argocd.yaml': [namespace('argocd')],
        'argocd/namespace-argocd.yaml': [namespace('argocd')],
        'argocd/kustomization.yaml': 'resources:\n  - namespace-argocd.yaml\n',
      },
    },
  },
  'verify/backup-coverage': {
    breaking: { files: { 'dist/web/persistentvolumeclaim-data.yaml': [pvc()] } },
    satisfying: { files: { 'dist/web/persistentvolumeclaim-data.yaml': [pvc()] }, facts: [[pvc(), { backupOptOut: 'cache, rebuilt on start' }]] },
  },
  'verify/directory-consumers': { breaking: rancherLdap(false), satisfying: rancherLdap(true) },
  'verify/excluded-resources': {
    // A selector-less Service with the servers' addresses in an Endpoints object: Argo CD never applies it, the Service has none.
    breaking: argocdExcluding({
      'dist/web/service-etcd.yaml': [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'etcd', namespace: 'web' }, spec: { clusterIP: 'None', ports: [{ name: 'metrics', port: 2381 }] } }],
      'dist/web/endpoints-etcd.yaml': [{ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'etcd', namespace: 'web' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'metrics', port: 2381 }] }] }],
    }),
    // The same targets in a ScrapeConfig, which Argo CD applies.
    satisfying: argocdExcluding({
      'dist/web/scrapeconfig-etcd.yaml': [{ apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'ScrapeConfig', metadata: { name: 'etcd', namespace: 'web' }, spec: { jobName: 'etcd', staticConfigs: [{ targets: ['10.0.0.1:2381'] }] } }],
    }),
  },
  'verify/monitor-reach': {
    // Longhorn's manager admits only Longhorn's pods: Prometheus's scrape on 9500 times out.
    breaking: longhornScrape(false),
    // With a policy admitting Prometheus's pods (namespace monitoring, app.kubernetes.io/name=prometheus) on TCP 9500.
    satisfying: longhornScrape(true),
  },
  'verify/route-reach': {
    // A PaaS app's namespace denies by default and nothing admits the Envoy proxies: the route's backend is unreachable.
    breaking: gatewayRoute(false),
    // With the app's from-gateway policy admitting the proxy pods (namespace envoy-gateway-system) on its "http" port.
    satisfying: gatewayRoute(true),
  },
  'verify/sso-clients': {
    // A tool's client that the realm no longer defines, back on a host nobody routes.
    breaking: ssoLogin('longhorn', 'https://storage.example.com/oauth2/callback', []),
    satisfying: ssoLogin('api-gateway', 'https://longhorn.example.com/oauth2/callback', ['https://longhorn.example.com/oauth2/callback']),
  },
};
