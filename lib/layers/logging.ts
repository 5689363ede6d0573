import { Construct } from 'constructs';
import type { Site } from '../config/schema';
import { BitwardenSecret, bitwardenLogin } from '../constructs/bitwarden-secret';
import { HelmComponent } from '../constructs/helm-component';
import type { RenderedWorkloadHa } from '../constructs/upstream-objects';
import { PlatformNamespace } from '../constructs/platform-namespace';
import { pinned } from '../context';
import type { PlatformContext } from '../context';
import { RND_KEY, SERVER_TAINT, SERVER_TOLERATION } from '../hosts/node-labels';
import { ONE_POD_AT_A_TIME } from '../ha/workloads';
import { Layer } from '../layer';
import { Inventory } from '../inventory';
import type { ChartPin } from '../versions';

/**
 * Loki: log store. The OSS chart moved to grafana-community in March 2026 (grafana/loki keeps
 * the enterprise chart); 18.11.0 ships Loki 3.7.6.
 */
export const LOKI_CHART: ChartPin = {
  name: 'loki',
  kind: 'chart',
  repo: 'https://grafana-community.github.io/helm-charts',
  chart: 'loki',
  version: '18.11.0',
  source: { repository: 'https://github.com/grafana-community/helm-charts', path: 'charts/loki', tag: 'loki-{version}' },
};

/** Grafana Alloy: the log collector on every node (chart 1.11.1 ships Alloy v1.18.1). */
export const ALLOY_CHART: ChartPin = {
  name: 'alloy',
  kind: 'chart',
  repo: 'https://grafana.github.io/helm-charts',
  chart: 'alloy',
  version: '1.11.1',
  source: { repository: 'https://github.com/grafana/alloy', path: 'operations/helm/charts/alloy', tag: 'helm-chart/{version}' },
};

export const LOGGING_NAMESPACE = 'logging';
/** Loki's S3 credentials as the AWS SDK reads them from the environment. */
export const LOKI_S3_SECRET = 'loki-s3';
/** Where the collectors push: Loki's gateway (the same URL is Grafana's data source). */
export const LOKI_PUSH_URL = 'http://loki-gateway.logging.svc.cluster.local/loki/api/v1/push';
/** The first day of the schema below (fixed: changing it would re-index history). */
export const LOKI_SCHEMA_FROM = '2026-01-01';

/** The site's object store (the site rules, lib/config/platform-rules.ts, require one). */
function objectStore(site: Site): NonNullable<Site['backups']['s3']> {
  if (!site.backups.s3) throw new Error('programming error: the site has no backups.s3, which the site rules (lib/config/platform-rules.ts) require; it was not validated (load it with loadSite)');
  return site.backups.s3;
}

/**
 * Requests and memory limits of the logging containers, sized for a small on-prem cluster: the
 * scheduler reserves the requests, the limit stops a leak from taking the node down. No CPU
 * limits: they only throttle.
 */
export const LOGGING_RESOURCES = {
  /** One Loki replica with every target (ingester, querier, compactor, ...). */
  loki: { requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '2Gi' } },
  /** Loki's k8s-sidecar that loads rule ConfigMaps (a Python process and its watchers). */
  rulesSidecar: { requests: { cpu: '10m', memory: '96Mi' }, limits: { memory: '256Mi' } },
  gatewayNginx: { requests: { cpu: '20m', memory: '32Mi' }, limits: { memory: '128Mi' } },
  /** The gateway's access-log exporter. */
  gatewayExporter: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
  alloy: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
  alloyConfigReloader: { requests: { cpu: '10m', memory: '50Mi' }, limits: { memory: '64Mi' } },
} as const;

/**
 * The values of the loki chart that the platform sets. Every key was checked against values.yaml
 * and templates/_helpers.tpl of the pinned chart (grafana-community/helm-charts loki 18.11.0).
 */
export function lokiValues(site: Site): Record<string, unknown> {
  const s3 = objectStore(site);
  const l = site.logging;
  const endpoint = s3.endpoint ? new URL(s3.endpoint) : undefined;
  return {
    // One binary with every target, replicated: writes go to 3 replicas, chunks to S3.
    deploymentMode: 'Monolithic',
    loki: {
      // One tenant: the platform's.
      auth_enabled: false,
      commonConfig: { replication_factor: 3 },
      storage: {
        type: 's3',
        // chunks and ruler: the OSS chart reads no admin bucket (that is the enterprise chart's).
        bucketNames: { chunks: l.bucket, ruler: l.bucket },
        // Credentials come from the environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), never from values.
        s3: {
          region: s3.region,
          ...(endpoint ? { endpoint: endpoint.host, s3ForcePathStyle: true, insecure: endpoint.protocol === 'http:' } : {}),
        },
      },
      schemaConfig: { configs: [{ from: LOKI_SCHEMA_FROM, store: 'tsdb', object_store: 's3', schema: 'v13', index: { prefix: 'index_', period: '24h' } }] },
      limits_config: { retention_period: l.retention },
      compactor: { retention_enabled: true, delete_request_store: 's3' },
    },
    singleBinary: {
      replicas: l.replicas,
      // The chart's default affinity already requires one replica per node (kubernetes.io/hostname);
      // its PodDisruptionBudget is on by default.
      podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
      // The servers too: with one agent down (or www1 not joined) the third replica has a node
      // (docs/deployability.md); the required anti-affinity stays.
      tolerations: [SERVER_TOLERATION],
      persistence: { enabled: true, storageClass: 'longhorn', size: l.storageSize },
      extraEnvFrom: [{ secretRef: { name: LOKI_S3_SECRET } }],
      resources: LOGGING_RESOURCES.loki,
    },
    // The rules sidecar (loki-sc-rules) in the Loki pods.
    sidecar: { resources: LOGGING_RESOURCES.rulesSidecar },
    // Two nginx gateways on different nodes (the chart's default required anti-affinity). The
    // chart renders its PodDisruptionBudget only with minAvailable or maxUnavailable set
    // (templates/_helpers.tpl "loki.pdb"): `enabled` alone renders none.
    gateway: {
      replicas: 2,
      // Two pods one per node on the three workers: the chart's RollingUpdate with Kubernetes'
      // default surge has no node for its surge pod while a worker is down; one at a time does.
      deploymentStrategy: ONE_POD_AT_A_TIME,
      podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
      resources: LOGGING_RESOURCES.gatewayNginx,
      // nginx answers `location = /` itself (200 OK): a hung worker fails it; Loki being down does not.
      livenessProbe: { httpGet: { path: '/', port: 'http' }, initialDelaySeconds: 15, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 },
      metrics: { resources: LOGGING_RESOURCES.gatewayExporter },
    },
    // Monolithic mode: the simple-scalable targets must have no replicas, or the chart refuses to
    // render (templates/validate.yaml; their defaults are 3 each).
    read: { replicas: 0 },
    write: { replicas: 0 },
    backend: { replicas: 0 },
    // The memcached caches default to 8 GiB single-replica StatefulSets: not worth it at this size.
    chunksCache: { enabled: false },
    resultsCache: { enabled: false },
    lokiCanary: { enabled: false },
    test: { enabled: false },
    minio: { enabled: false },
  };
}

/** Why Alloy runs on every node with the host's log folder mounted. */
const ALLOY_SYSTEM = 'log collector: reads the container logs of its own node; one per node by design';

/** HA declarations of the alloy chart's rendered workloads. */
export function alloyHa(): RenderedWorkloadHa[] {
  return [{
    kind: 'DaemonSet',
    name: 'alloy',
    systemComponent: ALLOY_SYSTEM,
    exempt: {
      // Its own container has both probes (alloy.livenessProbe below and the chart's readiness).
      'ha/probes': 'the config-reloader container (prometheus-config-reloader, which reloads Alloy when its ConfigMap changes) gets no probe from the alloy chart 1.11.1 (templates/containers/_watch.yaml has no value for one), it serves no traffic, and a hung one only delays a reload',
    },
  }];
}

/** Alloy's pipeline: every container log of its own node, labelled, to Loki. */
export function alloyConfig(): string {
  return `// Container logs of this node, read from /var/log/pods, labelled by namespace, pod, container and app.
discovery.kubernetes "pods" {
  role = "pod"
  selectors {
    role  = "pod"
    field = "spec.nodeName=" + sys.env("NODE_NAME")
  }
}

discovery.relabel "pods" {
  targets = discovery.kubernetes.pods.targets
  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]
    target_label  = "app"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_node_name"]
    target_label  = "node"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]
    separator     = "/"
    target_label  = "__path__"
    replacement   = "/var/log/pods/*$1/*.log"
  }
}

local.file_match "pods" {
  path_targets = discovery.relabel.pods.output
}

loki.source.file "pods" {
  targets    = local.file_match.pods.targets
  forward_to = [loki.process.pods.receiver]
}

loki.process "pods" {
  stage.cri {}
  forward_to = [loki.write.loki.receiver]
}

loki.write "loki" {
  endpoint {
    url = "${LOKI_PUSH_URL}"
  }
}
`;
}

/**
 * The values of the alloy chart that the platform sets. Every key was checked against values.yaml
 * and the templates of the pinned chart (grafana/alloy helm-chart/1.11.1).
 */
export function alloyValues(): Record<string, unknown> {
  return {
    alloy: {
      configMap: { content: alloyConfig() },
      mounts: { varlog: true },
      extraEnv: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
      resources: LOGGING_RESOURCES.alloy,
      // /-/ready answers once the configuration is loaded; unlike /-/healthy it stays up while a
      // component (Loki unreachable) is unhealthy, which a restart would not cure.
      livenessProbe: { httpGet: { path: '/-/ready', port: 12345, scheme: 'HTTP' }, initialDelaySeconds: 30, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 5 },
    },
    configReloader: { resources: LOGGING_RESOURCES.alloyConfigReloader },
    controller: {
      type: 'daemonset',
      // Every node: servers (NoExecute taint) and the R&D node too.
      tolerations: [{ key: SERVER_TAINT.key, operator: 'Exists', effect: SERVER_TAINT.effect }, { key: RND_KEY, operator: 'Exists' }],
    },
  };
}

/**
 * Logging: Loki (3 replicas on 3 nodes, replication factor 3, chunks in the site's object
 * store, retention from site.yaml) and Grafana Alloy on every node shipping every container's
 * log. Grafana (monitoring layer) reads Loki as a data source.
 */
export function loggingLayer(scope: Construct, ctx: PlatformContext): Layer {
  const { site } = ctx;
  const layer = new Layer(scope, {
    name: 'logging',
    description: 'Loki (replicated, chunks in S3) and Grafana Alloy on every node',
    namespace: LOGGING_NAMESPACE,
    dependsOn: ['longhorn', 'secrets'],
  });
  // Alloy reads the nodes' /var/log.
  new PlatformNamespace(layer, 'namespace', { name: LOGGING_NAMESPACE, podSecurity: 'privileged' });
  const login = bitwardenLogin(objectStore(site).credentials);
  const credentials = new BitwardenSecret(layer, 's3', {
    name: LOKI_S3_SECRET,
    namespace: LOGGING_NAMESPACE,
    data: { AWS_ACCESS_KEY_ID: login.username, AWS_SECRET_ACCESS_KEY: login.password },
  });
  const loki = new HelmComponent(layer, 'loki', {
    name: 'loki',
    chart: pinned(ctx, LOKI_CHART),
    namespace: LOGGING_NAMESPACE,
    values: lokiValues(site),
  });
  layer.addOrder(loki, credentials);
  const alloy = new HelmComponent(layer, 'alloy', {
    name: 'alloy',
    chart: pinned(ctx, ALLOY_CHART),
    namespace: LOGGING_NAMESPACE,
    values: alloyValues(),
    ha: alloyHa(),
  });
  layer.addOrder(alloy, loki);
  Inventory.of(layer).addOutsideUse({
    service: 'backup-s3',
    usedBy: 'logging (Loki)',
    purpose: 'log chunks and indexes (the bucket in logging.bucket)',
    whileDown: 'flushes of new chunks fail and queries of older logs fail',
    mitigation: 'ingesters keep recent logs in their write-ahead log on replicated volumes and flush them when the store is back',
  });
  return layer;
}
