import { z } from 'zod';
import { fitsInt64Bytes, SIZE_TOO_LARGE } from './quantity';
import { bitwardenRef, DNS_NAME } from './schema';
import { cronProblem } from './cron';

/**
 * The schema of an app spec, `apps/<name>.yaml`: what the operations team writes to run a web
 * application on the platform. The app's name is its file name. Objects are strict (an
 * unknown key is a typo and an error); cross-field rules live in `app-rules.ts`.
 */

/**
 * Environments (namespaces of the same name), as the older TSYS designs ask, and `rnd`: R&D apps,
 * which run only on the site's R&D nodes (`rnd: true`) with volumes on the R&D StorageClass, and
 * are not highly available by design (lib/paas/conventions.ts).
 */
export const ENVIRONMENTS = ['sit', 'uat', 'prod', 'rnd'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
/** The R&D environment. */
export const RND_ENVIRONMENT = 'rnd' satisfies Environment;

/**
 * What an app is: `web` serves on its ports (a Service, maybe a route); `worker` runs
 * continuously and serves nothing (no Service; a port only for its metrics); `cronjob` runs to
 * completion on a schedule (a CronJob). docs/apps.md describes each.
 */
export const APP_KINDS = ['web', 'worker', 'cronjob'] as const;
export type AppKind = (typeof APP_KINDS)[number];

/** App names: DNS labels short enough to prefix every object name (`<app>-preview`, ...). */
export const APP_NAME = /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/;
/** IANA service names, as Kubernetes port names take them: at most 15, a letter, no `--`. */
const PORT_NAME = /^(?=.{1,15}$)(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Environment variable names (POSIX portable). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * An image pinned to a tag that is not `latest`, a digest, or both:
 * `[registry/]repository:tag`, `[registry/]repository@sha256:<64 hex>`, `...:tag@sha256:...`.
 */
export const IMAGE_REF = /^(?<repo>[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*)(:(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(@(?<digest>sha256:[a-f0-9]{64}))?$/;
/** The engines of the site's DBaaS an app can bind to (`databases[].engine`, `site.dbaas.<engine>`). */
export const DATABASE_ENGINES = ['postgresql', 'mysql', 'redis', 'memcached', 'mongodb', 'etcd', 'mqtt', 'elasticsearch'] as const;
export type DatabaseEngine = (typeof DATABASE_ENGINES)[number];
const QUANTITY_CPU = /^([1-9][0-9]*m|[0-9]+(\.[0-9]{1,3})?)$/;
const QUANTITY_MEMORY = /^[1-9][0-9]*(Mi|Gi)$/;
const QUANTITY_STORAGE = /^[1-9][0-9]*(Mi|Gi|Ti)$/;

const portName = z.string().regex(PORT_NAME, {
  message: 'must be a port name: at most 15 lower-case letters, digits and "-", e.g. "http"',
});

const image = z.string().superRefine((v, ctx) => {
  const m = IMAGE_REF.exec(v);
  if (!m) {
    ctx.addIssue({ code: 'custom', message: 'must be an image reference "registry/repository:tag" or "...@sha256:<digest>"' });
    return;
  }
  const { tag, digest } = m.groups as { tag?: string; digest?: string };
  if (!tag && !digest) ctx.addIssue({ code: 'custom', message: 'must be pinned: add a tag (not "latest") or a digest "@sha256:..."' });
  else if (!digest && tag === 'latest') ctx.addIssue({ code: 'custom', message: 'must not use the mutable tag "latest": pin a version tag or a digest "@sha256:..."' });
});

/** A string handed to a process (an argument, an environment value): a NUL cannot be passed (the runtime refuses to start the container). */
const NO_NUL = { message: 'must not contain a NUL character (\\0): a process argument or environment value cannot carry one' };
const noNul = (v: string): boolean => !v.includes('\0');
const processString = z.string().refine(noNul, NO_NUL);

const cpu = z.string().regex(QUANTITY_CPU, { message: 'must be a CPU quantity such as "250m" or "1"' });
const memory = z.string().regex(QUANTITY_MEMORY, { message: 'must be a memory size in Mi or Gi, e.g. "256Mi"' }).refine(fitsInt64Bytes, SIZE_TOO_LARGE);

const PREVIEW_HOST_MESSAGE = 'must be a lower-case DNS name, e.g. "preview-wiki.turnsys.com", or false (no preview host)';

/** A time zone of the tz database as a CronJob's `timeZone` takes it: `Area/City` (or UTC), known to this Node's ICU too. */
const TIME_ZONE = /^(UTC|Etc\/UTC|[A-Z][A-Za-z]+(\/[A-Z][A-Za-z0-9_+-]*)+)$/;
const timeZone = z.string().superRefine((v, ctx) => {
  let known = TIME_ZONE.test(v);
  if (known) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: v });
    } catch {
      known = false;
    }
  }
  if (!known) ctx.addIssue({ code: 'custom', message: 'must be a tz database time zone "Area/City", e.g. "Europe/Paris", or "UTC"' });
});

const schedule = z.string().superRefine((v, ctx) => {
  if (/^(CRON_)?TZ=/.test(v.trim())) {
    ctx.addIssue({ code: 'custom', message: 'must not carry a time zone (the Kubernetes API server refuses TZ=... in a schedule): write the zone in cron.timeZone, e.g. `timeZone: Europe/Paris`' });
    return;
  }
  const problem = cronProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Defaults of a cronjob's `cron` (besides the schedule). */
export const CRON_DEFAULTS = { concurrencyPolicy: 'Forbid', successfulJobsHistory: 3, failedJobsHistory: 1, backoffLimit: 2 } as const;

export const APP_DEFAULTS = {
  replicas: 2,
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { memory: '256Mi' },
} as const;

export const PortSchema = z.strictObject({
  /** Port name, referred to by `health`, `expose` and `metrics`. */
  name: portName,
  /** The container port (also the Service port). */
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(['TCP', 'UDP']).default('TCP'),
});

const canaryStep = z.union([
  z.strictObject({
    /** Percentage of traffic (and of replicas) on the new version. */
    setWeight: z.number().int().min(1).max(100),
  }),
  z.strictObject({
    /** Wait `duration` seconds, or until promoted when omitted. */
    pause: z.strictObject({ duration: z.number().int().min(1).max(86400).optional() }),
  }),
], { message: 'each canary step is either { setWeight: <1-100> } or { pause: { duration: <seconds> } } (no duration: wait for promotion)' });

export const StrategySchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('rolling'),
    /** Extra pods during a rollout (count or percentage). */
    maxSurge: z.union([z.number().int().min(0), z.string().regex(/^[0-9]{1,3}%$/)]).default('25%'),
    /** Pods that may be unavailable during a rollout (count or percentage). */
    maxUnavailable: z.union([z.number().int().min(0), z.string().regex(/^[0-9]{1,3}%$/)]).default(0),
  }),
  z.strictObject({ type: z.literal('recreate') }),
  z.strictObject({
    type: z.literal('blueGreen'),
    /** Switch traffic to the new version once it is ready, without a person promoting it. @default false in prod, true elsewhere */
    autoPromotion: z.boolean().optional(),
    /** Seconds the old version keeps running after the switch (fast rollback). */
    scaleDownDelaySeconds: z.number().int().min(0).max(86400).default(30),
  }),
  z.strictObject({
    type: z.literal('canary'),
    steps: z.array(canaryStep).min(1),
  }),
], { message: 'type must be one of "rolling", "recreate", "blueGreen", "canary"' });

export const VolumeSchema = z.strictObject({
  /** Volume name (PVC `<app>-<name>`). */
  name: portName,
  /** Where the container sees it. */
  mountPath: z.string().regex(/^\/[^\0]*$/, { message: 'must be an absolute path, e.g. "/data"' }),
  size: z.string().regex(QUANTITY_STORAGE, { message: 'must be a size in Mi, Gi or Ti, e.g. "10Gi"' }).refine(fitsInt64Bytes, SIZE_TOO_LARGE),
  /** ReadWriteMany lets replicas on several nodes share it (Longhorn share manager). */
  accessMode: z.enum(['ReadWriteOnce', 'ReadWriteMany']).default('ReadWriteOnce'),
});

export const AppSpecSchema = z.strictObject({
  /** One line on what the app is (shown in Argo CD). */
  description: z.string().min(1).max(200).regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/, { message: 'must be one line of text, without control characters (a newline, a tab, a terminal escape)' }).optional(),
  /** What the app is: a `web` app (the default), a `worker` or a `cronjob` (see APP_KINDS). */
  kind: z.enum(APP_KINDS).default('web'),
  /** When a `cronjob` runs, and how its runs (Jobs) behave. Only for `kind: cronjob`, which needs it. */
  cron: z.strictObject({
    /** Five fields (minute hour day-of-month month day-of-week), as Kubernetes reads them, e.g. "0 3 * * *". */
    schedule: schedule,
    /** The zone the schedule is in. @default the cluster's (UTC on the platform's nodes) */
    timeZone: timeZone.optional(),
    /** When a run is due while the last one still runs: skip it (Forbid), run both (Allow), or stop the last one (Replace). */
    concurrencyPolicy: z.enum(['Forbid', 'Allow', 'Replace']).default(CRON_DEFAULTS.concurrencyPolicy),
    /** Finished runs (Jobs and their pods' logs) kept, succeeded and failed. */
    successfulJobsHistory: z.number().int().min(0).max(100).default(CRON_DEFAULTS.successfulJobsHistory),
    failedJobsHistory: z.number().int().min(0).max(100).default(CRON_DEFAULTS.failedJobsHistory),
    /** Retries of a failed run (a new pod each, e.g. when its node dies) before the run counts as failed. */
    backoffLimit: z.number().int().min(0).max(100).default(CRON_DEFAULTS.backoffLimit),
    /** Seconds a run may take, retries included, before it is stopped and counts as failed. @default no limit */
    activeDeadlineSeconds: z.number().int().min(1).max(31 * 86400).optional(),
  }).optional(),
  /** The namespace the app runs in. */
  environment: z.enum(ENVIRONMENTS),
  /** Container image, pinned by tag (not `latest`) or digest. */
  image: image,
  /** Container command and arguments, when the image's defaults are not right. */
  command: z.array(processString).optional(),
  args: z.array(processString).optional(),
  /** Pods; ignored as a fixed count when `autoscaling` is set (it is then the minimum). */
  replicas: z.number().int().min(1).max(100).default(APP_DEFAULTS.replicas),
  /**
   * Why this app runs exactly one replica (required with `replicas: 1`), e.g. a single writer
   * of a ReadWriteOnce volume. It is then rescheduled, not replicated, when its node dies.
   */
  singleton: z.string().min(10, { message: 'must say why the app cannot run two replicas (at least 10 characters)' }).optional(),
  strategy: StrategySchema.default({ type: 'rolling', maxSurge: '25%', maxUnavailable: 0 }),
  /** The container's ports: at least one for a web app, only the metrics port for a worker, none for a cronjob. */
  ports: z.array(PortSchema).default([]),
  /**
   * Readiness and liveness: HTTP GET of `path` on `port`, a TCP check of `port` without a path,
   * or `command` run in the container (exit 0 is healthy). A worker without ports has a probe
   * only with `command`; a cronjob's run gets liveness (no readiness) from `command`.
   */
  health: z.strictObject({
    path: z.string().regex(/^\/[^\s]*$/, { message: 'must be an absolute URL path, e.g. "/healthz"' }).optional(),
    /** @default the first port */
    port: portName.optional(),
    /** A command run in the container as the probe, e.g. ["celery", "inspect", "ping"]; exclusive with `path`. */
    command: z.array(z.string().min(1).refine(noNul, NO_NUL)).min(1).optional(),
    /** Seconds the app may take to start before liveness checks begin counting. */
    startupSeconds: z.number().int().min(1).max(600).default(60),
    /** Seconds between readiness and liveness checks. @default 5 (readiness), 10 (liveness) */
    periodSeconds: z.number().int().min(1).max(300).optional(),
    /** Seconds one check may take (every probe). @default 2 */
    timeoutSeconds: z.number().int().min(1).max(60).optional(),
    /** Failed checks in a row before the pod is taken out of its Services (readiness) or restarted (liveness). @default 2 (readiness), 3 (liveness) */
    failureThreshold: z.number().int().min(1).max(30).optional(),
  }).prefault({}),
  resources: z.strictObject({
    requests: z.strictObject({ cpu: cpu, memory: memory }).default(APP_DEFAULTS.requests),
    limits: z.strictObject({ cpu: cpu.optional(), memory: memory }).default(APP_DEFAULTS.limits),
  }).prefault({}),
  /** Plain environment variables (never secrets: use `secrets`). */
  env: z.record(z.string().regex(ENV_NAME, { message: 'environment variable names are letters, digits and _, not starting with a digit' }), processString).default({}),
  /** Environment variables filled from Bitwarden through External Secrets. */
  secrets: z.record(z.string().regex(ENV_NAME, { message: 'environment variable names are letters, digits and _, not starting with a digit' }), bitwardenRef).default({}),
  /** Persistent volumes on Longhorn (3 replicas; R&D apps: 1 replica on the R&D node). */
  volumes: z.array(VolumeSchema).default([]),
  /** The container runs as this non-root user (and group). */
  runAsUser: z.number().int().min(1).max(2147483647).default(1000),
  /**
   * Capabilities added to the container; the restricted Pod Security level allows
   * NET_BIND_SERVICE only. Needed for a port below 1024, or by an image whose binary carries
   * that file capability (exec fails without it in the bounding set), e.g. lovasoa/wbo.
   */
  capabilities: z.array(z.enum(['NET_BIND_SERVICE'], { message: 'the restricted Pod Security level allows only "NET_BIND_SERVICE"' })).default([]),
  /** Writable scratch folders (emptyDir) beside the read-only root filesystem, e.g. ["/tmp"]. */
  writablePaths: z.array(z.string().regex(/^\/[^\0]*$/, { message: 'must be an absolute path, e.g. "/tmp"' })).default(['/tmp']),
  /** How the app is reached. */
  expose: z.strictObject({
    /** A host name through the shared gateway (TLS at the HAProxy). */
    http: z.strictObject({
      host: z.string().regex(DNS_NAME, { message: 'must be a lower-case DNS name, e.g. "wiki.turnsys.com"' }),
      /** @default the first port */
      port: portName.optional(),
    }).optional(),
    /** Raw TCP ports on a MetalLB address of the `apps` pool (allocated and locked in apps.lock.yaml). */
    tcp: z.array(z.strictObject({
      port: portName,
      /** The port on the load balancer address. @default the container port */
      externalPort: z.number().int().min(1).max(65535).optional(),
    })).default([]),
  }).prefault({}),
  /**
   * The preview of a blueGreen app: the next release, on its Service `<app>-preview` until it is
   * promoted, published on a host of its own through the shared gateway beside `expose.http`.
   * `host`: that host, or `false` for none. Only a blueGreen app with `expose.http` has one.
   * @default host `preview-<app>.<site domain>` for a blueGreen app with `expose.http`
   */
  preview: z.strictObject({
    host: z.union([
      z.literal(false),
      z.string().regex(DNS_NAME, { message: PREVIEW_HOST_MESSAGE }),
    ], { message: PREVIEW_HOST_MESSAGE }).optional(),
    /**
     * The preview host is behind single sign-on (Keycloak, through the gateway) for the site's
     * admin group and the app's `auth.groups`; `false` publishes it without a login (e.g. for
     * a test robot that cannot log in). Needs `keycloak.enabled` unless false.
     * @default true
     */
    sso: z.boolean().optional(),
  }).optional(),
  /**
   * A login in front of the app: Envoy Gateway logs browsers in to the platform realm of
   * Keycloak (single sign-on) before they reach `expose.http.host`, and with `groups`, lets in
   * only members of those groups (their names as in the realm's `groups` claim: the LDAP
   * group's cn, e.g. "k8s-platform-admins"). Needs `expose.http` and `keycloak.enabled`.
   */
  auth: z.strictObject({
    /** `true` (the rules refuse `false`: remove auth for no login). */
    sso: z.boolean(),
    /** @default - every user of the realm */
    groups: z.array(z.string().min(1)).min(1, { message: 'list at least one group, or leave groups out to let every user of the realm in' }).max(128).optional(),
  }).optional(),
  autoscaling: z.strictObject({
    min: z.number().int().min(1).max(100),
    max: z.number().int().min(1).max(100),
    /** Average CPU utilisation (percent of requests) to aim for. */
    cpuTarget: z.number().int().min(10).max(100).default(70),
  }).optional(),
  /** Databases the app needs on the site's DBaaS; credentials arrive as an ExternalSecret. */
  databases: z.array(z.strictObject({
    engine: z.enum(DATABASE_ENGINES),
    /** Database (or key prefix) name. @default the app name, "-" written as "_" */
    name: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'must be a database name: lower-case letters, digits and _' }).optional(),
    /** Bitwarden login item (username + password) of the app's account. @default bitwarden:app-<app>-<engine> */
    credentials: bitwardenRef.optional(),
    /**
     * Prefix of the environment variables the binding sets (`<prefix>_HOST`, `_PORT`, `_NAME`, `_USER`, `_PASSWORD`).
     * @default the names the image reads (lib/paas/binding-conventions.ts) when it is a known image, else the engine in capitals
     */
    envPrefix: z.string().regex(/^[A-Z][A-Z0-9_]*$/, { message: 'must be upper-case letters, digits and _, e.g. "DB"' }).optional(),
    /**
     * The variables the binding sets, exactly these, each a template over the binding's parts:
     * `{{ .host }}`, `{{ .port }}`, `{{ .name }}`, `{{ .user }}`, `{{ .password }}` and `{{ .url }}`
     * (the engine's URL with the account, e.g. `postgresql://user:password@host:port/name`), a
     * part optionally URL-encoded with `| urlquery`. A value that holds the account comes from the
     * `<app>-env` Secret (an External Secrets template, never a literal in git); others are plain.
     * Checked in app-rules.ts (lib/paas/binding-templates.ts). Not with `envPrefix`.
     * @default - the variables of `envPrefix` or of the image (see envPrefix)
     */
    env: z.record(z.string().regex(ENV_NAME, { message: 'environment variable names are letters, digits and _, not starting with a digit' }), z.string().min(1, { message: 'must be a template such as "{{ .url }}"' }))
      .refine((e) => Object.keys(e).length > 0, { message: 'names no variable: give at least one, e.g. `env: { DATABASE_URL: "{{ .url }}" }`, or leave env out' })
      .optional(),
  })).default([]),
  /**
   * The other apps this one connects to, in its environment: each entry lets this app's pods reach
   * the app's pods (an egress allow `<app>-to-<target>` and an ingress allow `<target>-from-<app>`,
   * both rendered with this app), on its port `port` or every port of its Service. The namespace
   * denies app-to-app traffic otherwise. Checked against the other apps of apps/ when they load
   * together (lib/config/app-calls-rules.ts): the app exists, runs in the same environment and has
   * a Service (a web app), and `port` is one of its port names.
   */
  calls: z.array(z.strictObject({
    /** The app called: its name (the name of its file in apps/). */
    app: z.string().regex(APP_NAME, { message: 'must be an app name (its file name in apps/): lower-case letters, digits and "-", starting with a letter, e.g. "api"' }),
    /** One of its port names. @default every port of its Service */
    port: portName.optional(),
  })).default([]),
  /** Prometheus metrics the app exposes (a ServiceMonitor is rendered). */
  metrics: z.strictObject({
    port: portName,
    path: z.string().regex(/^\/[^\s]*$/).default('/metrics'),
  }).optional(),
});

export type AppSpecInput = z.input<typeof AppSpecSchema>;
/** A validated app spec, with its name (the file name) and the file it came from. */
export type AppSpec = z.output<typeof AppSpecSchema> & { readonly name: string; readonly file: string };
export type AppStrategy = AppSpec['strategy'];
export type AppCron = NonNullable<AppSpec['cron']>;
