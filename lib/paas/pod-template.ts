import type { AppSpec } from '../config/app-schema';
import type { Site } from '../config/schema';
import { bitwardenPart } from '../constructs/bitwarden-secret';
import { dbaasEndpoint } from '../config/dbaas';
import { DEAD_NODE_TAINTS, deadNodeTolerations } from '../ha/recovery';
import {
  APP_CONTAINER, appDatabaseName, appLabels, appNodeSelector, appPlacementTolerations, claimName, envSecretName, SINGLETON_ANNOTATION, selectorLabels, tolerationSeconds,
} from './conventions';
import { appProbes } from './probes';

import type { JsonMap } from '../k8s/manifest';

// The names of an app's Secret and claims are conventions (lib/paas/conventions.ts): the app rules read them too.

/** One DBaaS binding, resolved against the site. */
export interface DatabaseBinding {
  readonly engine: AppSpec['databases'][number]['engine'];
  readonly prefix: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** The Bitwarden login item (username and password of the app's account). */
  readonly credentials: string;
}

/** The app's databases with their endpoint, name, variable prefix and Bitwarden login item. */
export function databaseBindings(app: AppSpec, site: Site): DatabaseBinding[] {
  return app.databases.map((d) => {
    const { host, port } = dbaasEndpoint(site, d.engine);
    return {
      engine: d.engine,
      prefix: d.envPrefix ?? d.engine.toUpperCase(),
      host,
      port,
      database: appDatabaseName(app, d),
      credentials: d.credentials ?? `bitwarden:app-${app.name}-${d.engine}`,
    };
  });
}

/** Keys of `<app>-env` and the Bitwarden reference each comes from: `secrets`, then `<PREFIX>_USER`/`_PASSWORD` per binding. */
export function envSecretData(app: AppSpec, site: Site): Record<string, string> {
  const data: Record<string, string> = { ...app.secrets };
  for (const b of databaseBindings(app, site)) {
    data[`${b.prefix}_USER`] = bitwardenPart(b.credentials, 'username');
    data[`${b.prefix}_PASSWORD`] = bitwardenPart(b.credentials, 'password');
  }
  return data;
}

/** The container's environment: plain variables, the bindings' endpoints, then every key of `<app>-env`. */
function containerEnv(app: AppSpec, site: Site): JsonMap[] {
  const plain = Object.keys(app.env).sort().map((name) => ({ name, value: app.env[name] }));
  const bindings = databaseBindings(app, site).flatMap((b) => [
    { name: `${b.prefix}_HOST`, value: b.host },
    { name: `${b.prefix}_PORT`, value: String(b.port) },
    { name: `${b.prefix}_NAME`, value: b.database },
  ]);
  const secret = envSecretName(app);
  const fromSecret = Object.keys(envSecretData(app, site)).sort().map((name) => ({ name, valueFrom: { secretKeyRef: { name: secret, key: name } } }));
  return [...plain, ...bindings, ...fromSecret];
}

/** Volume names in the pod: `vol-<name>` for claims, `scratch-<i>` for writable paths (never clash). */
const claimVolume = (name: string) => `vol-${name}`;
const scratchVolume = (i: number) => `scratch-${i}`;

/**
 * Spread over nodes (maxSkew 1 on kubernetes.io/hostname), counting each revision on its own
 * (`matchLabelKeys`) and leaving out tainted nodes, e.g. a dead or cordoned one
 * (`nodeTaintsPolicy: Honor`). Always `DoNotSchedule` (`npm run verify`'s ha/spread): a soft
 * spread lets the scheduler stack replicas on one node, and that node's loss takes them all.
 * With more pods than app nodes the hard rule still places them evenly (2, 2, 2 on three
 * nodes); a pod stays Pending only when a node has no room left, which the node-failure
 * simulation reports as a capacity problem. A singleton has nothing to spread.
 */
export function topologySpread(app: AppSpec, _site: Site, hashLabel: string): JsonMap[] {
  if (app.singleton) return [];
  return [{
    maxSkew: 1,
    topologyKey: 'kubernetes.io/hostname',
    whenUnsatisfiable: 'DoNotSchedule',
    labelSelector: { matchLabels: selectorLabels(app) },
    matchLabelKeys: [hashLabel],
    nodeTaintsPolicy: 'Honor',
  }];
}

/**
 * The pod template of an app (Kubernetes JSON), shared by its Deployment or Rollout: the
 * restricted security context (non-root, no privilege escalation, every capability dropped but
 * NET_BIND_SERVICE when asked, RuntimeDefault seccomp, read-only root with emptyDirs for the
 * writable paths), probes, resources, explicit dead-node tolerations, spread over nodes.
 * `hashLabel` is the label the controller puts on each revision's pods.
 */
export function podTemplate(app: AppSpec, site: Site, hashLabel: string): JsonMap {
  const uid = app.runAsUser;
  const mounts = [
    ...app.volumes.map((v) => ({ name: claimVolume(v.name), mountPath: v.mountPath })),
    ...app.writablePaths.map((p, i) => ({ name: scratchVolume(i), mountPath: p })),
  ];
  const volumes = [
    ...app.volumes.map((v) => ({ name: claimVolume(v.name), persistentVolumeClaim: { claimName: claimName(app, v.name) } })),
    ...app.writablePaths.map((_, i) => ({ name: scratchVolume(i), emptyDir: {} })),
  ];
  const seconds = tolerationSeconds(app);
  const env = containerEnv(app, site);
  const container: JsonMap = {
    name: APP_CONTAINER,
    image: app.image,
    imagePullPolicy: 'IfNotPresent',
    ...(app.command ? { command: [...app.command] } : {}),
    ...(app.args ? { args: [...app.args] } : {}),
    ports: app.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })),
    ...(env.length ? { env } : {}),
    resources: {
      requests: { ...app.resources.requests },
      limits: { ...app.resources.limits },
    },
    ...appProbes(app),
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: uid,
      runAsGroup: uid,
      capabilities: { drop: ['ALL'], ...(app.capabilities.length ? { add: [...app.capabilities] } : {}) },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    ...(mounts.length ? { volumeMounts: mounts } : {}),
  };
  const spread = topologySpread(app, site, hashLabel);
  const nodeSelector = appNodeSelector(app);
  return {
    metadata: {
      labels: appLabels(app),
      ...(app.singleton ? { annotations: { [SINGLETON_ANNOTATION]: app.singleton } } : {}),
    },
    spec: {
      // Apps talk to the Kubernetes API only if they say so (none does yet).
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        fsGroup: uid,
        fsGroupChangePolicy: 'OnRootMismatch',
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [container],
      ...(volumes.length ? { volumes } : {}),
      // An R&D app: on the R&D nodes only, tolerating their taint.
      ...(Object.keys(nodeSelector).length ? { nodeSelector } : {}),
      // not-ready first: the order apps have always rendered in.
      tolerations: [...deadNodeTolerations(seconds, [DEAD_NODE_TAINTS.notReady, DEAD_NODE_TAINTS.unreachable]), ...appPlacementTolerations(app)],
      ...(spread.length ? { topologySpreadConstraints: spread } : {}),
    },
  };
}
