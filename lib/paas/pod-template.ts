import type { AppSpec } from '../config/app-schema';
import type { Site } from '../config/schema';
import { bitwardenPart } from '../constructs/bitwarden-secret';
import { dbaasEndpoint } from '../config/dbaas';
import { DEAD_NODE_TAINTS, deadNodeTolerations } from '../ha/recovery';
import {
  APP_CONTAINER, appDatabaseName, appLabels, appNodeSelector, appPlacementTolerations, claimName, envSecretName, SINGLETON_ANNOTATION, selectorLabels, tolerationSeconds,
} from './conventions';
import { appProbes } from './probes';
import { AccountField, bindingEnv, renderBindingVariable, RenderedBindingVariable } from './binding-templates';

import type { JsonMap } from '../k8s/manifest';

// The names of an app's Secret and claims are conventions (lib/paas/conventions.ts): the app rules read them too.

/** One DBaaS binding, resolved against the site. */
export interface DatabaseBinding {
  readonly engine: AppSpec['databases'][number]['engine'];
  /** The prefix of its variables, when they are `<prefix>_HOST`... (envPrefix or the engine's default). */
  readonly prefix?: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** The Bitwarden login item (username and password of the app's account). */
  readonly credentials: string;
  /** The variables it sets, in order, each as rendered (lib/paas/binding-templates.ts). */
  readonly variables: readonly { readonly name: string; readonly value: RenderedBindingVariable }[];
}

/**
 * The key of `<app>-env`'s ExternalSecret data that holds a field of binding `i`'s login, read
 * only inside templates: a `-` keeps it apart from every variable name (letters, digits, _).
 */
export function bindingInputKey(i: number, field: AccountField): string {
  return `binding-${i}-${field}`;
}

/** The app's databases with their endpoint, name, variables and Bitwarden login item. */
export function databaseBindings(app: AppSpec, site: Site): DatabaseBinding[] {
  return app.databases.map((d, i) => {
    const { host, port } = dbaasEndpoint(site, d.engine);
    const database = appDatabaseName(app, d);
    const { env, prefix } = bindingEnv(d, app.image);
    const endpoint = { engine: d.engine, host, port, name: database };
    return {
      engine: d.engine,
      ...(prefix ? { prefix } : {}),
      host,
      port,
      database,
      credentials: d.credentials ?? `bitwarden:app-${app.name}-${d.engine}`,
      variables: Object.entries(env).map(([name, template]) => ({ name, value: renderBindingVariable(template, endpoint, (field) => bindingInputKey(i, field)) })),
    };
  });
}

/** What `<app>-env` holds: the Bitwarden reference of each key, the templates, and the template inputs. */
export interface EnvSecret {
  /** Keys filled from Bitwarden as they are: `secrets`, then each binding's `{{ .user }}` / `{{ .password }}` variables. */
  readonly data: Readonly<Record<string, string>>;
  /** Keys assembled by an External Secrets template (a binding's URL or DSN). */
  readonly templates: Readonly<Record<string, string>>;
  /** Login fields read only inside the templates (not keys of the Secret). */
  readonly inputs: Readonly<Record<string, string>>;
}

/** The content of `<app>-env`: `secrets`, then the binding variables that hold the account. */
export function envSecret(app: AppSpec, site: Site): EnvSecret {
  const data: Record<string, string> = { ...app.secrets };
  const templates: Record<string, string> = {};
  const inputs: Record<string, string> = {};
  databaseBindings(app, site).forEach((b, i) => {
    for (const { name, value } of b.variables) {
      if (value.kind === 'account') data[name] = bitwardenPart(b.credentials, value.field);
      if (value.kind === 'template') {
        templates[name] = value.template;
        for (const field of value.fields) inputs[bindingInputKey(i, field)] = bitwardenPart(b.credentials, field);
      }
    }
  });
  return { data, templates, inputs };
}

/** The container's environment: plain variables, the bindings' plain variables, then every key of `<app>-env`. */
function containerEnv(app: AppSpec, site: Site): JsonMap[] {
  const plain = Object.keys(app.env).sort().map((name) => ({ name, value: app.env[name] }));
  const bindings = databaseBindings(app, site).flatMap((b) => b.variables.flatMap(({ name, value }) => (value.kind === 'plain' ? [{ name, value: value.value }] : [])));
  const secret = envSecretName(app);
  const { data, templates } = envSecret(app, site);
  const fromSecret = Object.keys({ ...data, ...templates }).sort().map((name) => ({ name, valueFrom: { secretKeyRef: { name: secret, key: name } } }));
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
 * simulation reports as a capacity problem. A singleton has nothing to spread, nor a cronjob.
 */
export function topologySpread(app: AppSpec, _site: Site, hashLabel: string): JsonMap[] {
  // A singleton has nothing to spread, nor has a cronjob's run (one pod, retried elsewhere).
  if (app.singleton || app.kind === 'cronjob') return [];
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
 * The pod template of an app (Kubernetes JSON), shared by its Deployment, Rollout or CronJob: the
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
    ...(app.ports.length ? { ports: app.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })) } : {}),
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
      // A cronjob's run restarts its container in place when it fails (a new pod only after a node loss or a stuck pod).
      ...(app.kind === 'cronjob' ? { restartPolicy: 'OnFailure' } : {}),
      ...(volumes.length ? { volumes } : {}),
      // An R&D app: on the R&D nodes only, tolerating their taint.
      ...(Object.keys(nodeSelector).length ? { nodeSelector } : {}),
      // not-ready first: the order apps have always rendered in.
      tolerations: [...deadNodeTolerations(seconds, [DEAD_NODE_TAINTS.notReady, DEAD_NODE_TAINTS.unreachable]), ...appPlacementTolerations(app)],
      ...(spread.length ? { topologySpreadConstraints: spread } : {}),
    },
  };
}
