import { Construct } from 'constructs';
import { IntOrString, KubeNamespace, KubeNetworkPolicy } from 'cdk8s-plus-25/lib/imports/k8s';
import { Application, AppProject } from '../../imports/argoproj.io';
import { ENVIRONMENTS } from '../config/app-schema';
import type { Site } from '../config/schema';
import type { PlatformContext } from '../context';
import { ARGOCD_NAMESPACE, IN_CLUSTER, syncPolicy } from '../gitops/argocd';
import { declareFacts } from '../facts/declare';
import { Layer } from '../layer';
import { APP_NAMESPACE_LABEL, APPS_PROJECT, appApplicationName, appPath } from '../paas/conventions';
import { allocate, emptyLock, loadBalancerRequests, paasPool, reservedAddresses } from '../paas/lock';
import { WorkloadChart } from '../paas/workload-chart';

export const PAAS_LAYER = 'paas';

/** Spec of the AppProject `apps`: the site repository into the app environments (sit, uat, prod, rnd) only, nothing cluster-scoped. */
export function appsProjectSpec(site: Site) {
  return {
    description: `TSYS apps (apps/*.yaml), rendered into dist/workloads/<app>: only the ${ENVIRONMENTS.join(', ')} namespaces, no cluster-scoped objects`,
    sourceRepos: [site.git.repoUrl],
    destinations: ENVIRONMENTS.map((namespace) => ({ server: IN_CLUSTER, namespace })),
    // Empty: Namespaces, CRDs, ClusterRoles... are all refused for apps.
    clusterResourceWhitelist: [],
    // The namespaces' quotas and limits are the platform's.
    namespaceResourceBlacklist: [{ group: '', kind: 'ResourceQuota' }, { group: '', kind: 'LimitRange' }],
  };
}

/** The sync policy of an app's Application: the platform's, without creating namespaces (the project may not). */
export function appSyncPolicy() {
  const policy = syncPolicy();
  return { ...policy, syncOptions: policy.syncOptions.filter((o) => o !== 'CreateNamespace=true') };
}

/**
 * The PaaS: the sit, uat, prod and rnd namespaces (restricted Pod Security, default-deny network
 * policies with DNS allowed), the Argo CD project `apps` that confines apps to them, and one
 * Application per app (`app-<name>`) syncing `dist/workloads/<app>`, whose objects the app's
 * WorkloadChart renders.
 */
export function paasLayer(scope: Construct, ctx: PlatformContext): Layer {
  const { site } = ctx;
  const layer = new Layer(scope, {
    name: PAAS_LAYER,
    description: `PaaS: ${ENVIRONMENTS.join('/')} namespaces, the apps project and one Application per app (apps/*.yaml)`,
    namespace: ARGOCD_NAMESPACE,
    // Rollouts for blue/green and canary apps, the gateway for routes, External Secrets for their secrets.
    dependsOn: ['gateway', 'monitoring', 'rollouts', 'secrets'],
  });
  const namespaces = new Construct(layer, 'namespaces');
  for (const env of ENVIRONMENTS) {
    const ns = new Construct(namespaces, env);
    const namespace = new KubeNamespace(ns, 'namespace', {
      metadata: {
        name: env,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
          [APP_NAMESPACE_LABEL]: 'true',
        },
      },
    });
    // Verify's default-deny rule reads the fact; the label is for people (kubectl get ns -l).
    declareFacts(namespace, { appNamespace: true });
    new KubeNetworkPolicy(ns, 'default-deny', {
      metadata: { name: 'default-deny', namespace: env },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new KubeNetworkPolicy(ns, 'allow-dns', {
      metadata: { name: 'allow-dns', namespace: env },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: ['UDP', 'TCP'].map((protocol) => ({ protocol, port: IntOrString.fromNumber(53) })),
        }],
      },
    });
  }
  const project = new AppProject(layer, 'project', {
    metadata: { name: APPS_PROJECT, namespace: ARGOCD_NAMESPACE },
    spec: appsProjectSpec(site),
  });

  const lock = ctx.appsLock ?? allocate(loadBalancerRequests(ctx.apps), emptyLock(site.paas.pool), paasPool(site), reservedAddresses(site));
  for (const spec of ctx.apps) {
    const application = new Application(layer, `app-${spec.name}`, {
      metadata: { name: appApplicationName(spec.name), namespace: ARGOCD_NAMESPACE },
      spec: {
        project: APPS_PROJECT,
        info: [{ name: 'description', value: spec.description ?? `app ${spec.name} (${spec.environment}), from apps/${spec.name}.yaml` }],
        source: { repoUrl: site.git.repoUrl, targetRevision: site.git.revision, path: appPath(spec.name), directory: { include: '*.yaml' } },
        destination: { server: IN_CLUSTER, namespace: spec.environment },
        syncPolicy: appSyncPolicy(),
      },
    });
    // The project and the namespace (with its policies) exist before the app syncs.
    layer.addOrder(application, project);
    layer.addOrder(application, namespaces);
    new WorkloadChart(scope, { spec, allocation: lock.apps[spec.name], pool: lock.pool, owner: PAAS_LAYER, application, ...(ctx.appRenders ? { renders: ctx.appRenders } : {}) });
  }
  return layer;
}
