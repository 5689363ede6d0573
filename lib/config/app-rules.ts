import { AppObject, appObjects } from '../paas/app-objects';
import { HARBOR_SUBDOMAIN } from '../registry';
import { SINGLETON_TOLERATION_SECONDS } from '../paas/conventions';
import { appProbes, PROBE_TIMING } from '../paas/probes';
import { DEAD_NODE_TAINTS, RecoveryEstimate, recoveryFromPod, stepSeconds } from '../ha/recovery';
import { checkAppAuth, checkAppAuthAgainstSite } from './app-auth-rules';
import { AppSpec, AppSpecSchema, RND_ENVIRONMENT } from './app-schema';
import { RND_STORAGE_CLASS } from '../ha/storage';
import { formatPath } from './load';
import type { RuleIssue } from './rules';
import { BITWARDEN_REF, Site } from './schema';
import { misplacedSecretRefs } from './secret-refs';
import { reservedKeys } from './reserved-keys';
import { quoteValue } from './quote';
import { secretInValue, SecretValue } from './secret-values';
import { imageRepository } from '../paas/binding-conventions';
import { cpuMillis, memoryBytes } from '../k8s/scheduling';
import { bindingEnv, BindingEnvSource, parseBindingTemplate, PREFIX_VARIABLES } from '../paas/binding-templates';

type Spec = Omit<AppSpec, 'name' | 'file'>;
type Path = readonly (string | number)[];

/**
 * String values of the spec that hold a secret by their shape (lib/config/secret-values.ts),
 * with their paths; `secrets` holds Bitwarden references only. An env variable's name is passed
 * on: a `*_FILE` variable's value is a path.
 */
function literalSecrets(app: Spec): { path: Path; found: SecretValue }[] {
  const out: { path: Path; found: SecretValue }[] = [];
  const walk = (value: unknown, at: Path) => {
    if (typeof value === 'string') {
      const found = secretInValue(value, at[0] === 'env' ? String(at[1]) : undefined);
      if (found) out.push({ path: at, found });
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, [...at, i]));
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) if (!(at.length === 0 && k === 'secrets')) walk(v, [...at, k]);
    }
  };
  walk(app, []);
  return out;
}

/**
 * Cross-field rules of one app spec that a per-field schema cannot express: references to
 * port names, the single-replica contract, volumes versus rollout strategy, uniqueness.
 */
export function checkAppRules(app: Spec): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const add = (path: Path, message: string) => issues.push({ path, message });
  const portNames = app.ports.map((p) => p.name);
  const known = portNames.length ? `the app's ports are ${portNames.map((n) => `"${n}"`).join(', ')}` : 'the app has no ports';
  issues.push(...checkKindRules(app));

  // Ports: unique names and numbers.
  const seenName = new Map<string, number>();
  const seenPort = new Map<string, number>();
  app.ports.forEach((p, i) => {
    if (seenName.has(p.name)) add(['ports', i, 'name'], `duplicate port name "${p.name}" (also ports[${seenName.get(p.name)}])`);
    else seenName.set(p.name, i);
    const key = `${p.port}/${p.protocol}`;
    if (seenPort.has(key)) add(['ports', i, 'port'], `duplicate port ${key} (also ports[${seenPort.get(key)}])`);
    else seenPort.set(key, i);
  });
  const portRef = (path: Path, name: string | undefined, tcpOnly: string | undefined) => {
    if (name === undefined) return;
    const port = app.ports.find((p) => p.name === name);
    if (!port) add(path, `names no port "${name}"; ${known}`);
    else if (tcpOnly && port.protocol !== 'TCP') add(path, `port "${name}" is ${port.protocol}; ${tcpOnly}`);
  };
  portRef(['health', 'port'], app.health.port, 'health checks need a TCP port');
  portRef(['expose', 'http', 'port'], app.expose.http?.port, 'HTTP goes over TCP');
  portRef(['metrics', 'port'], app.metrics?.port, 'metrics are scraped over HTTP (TCP)');
  if (!app.health.port && !app.health.command && app.ports.length && app.ports[0].protocol !== 'TCP') add(['health'], `the first port "${app.ports[0].name}" is UDP; name a TCP port in health.port`);
  if (app.expose.http && !app.expose.http.port && app.ports.length && app.ports[0].protocol !== 'TCP') add(['expose', 'http'], `the first port "${app.ports[0].name}" is UDP; name a TCP port in expose.http.port`);
  app.ports.forEach((p, i) => {
    if (p.port < 1024 && !app.capabilities.includes('NET_BIND_SERVICE')) add(['ports', i, 'port'], `the container runs as a non-root user, which binds a port below 1024 only with \`capabilities: [NET_BIND_SERVICE]\`; add that, or listen on a port from 1024 up`);
  });
  const external = new Map<number, number>();
  app.expose.tcp.forEach((t, i) => {
    portRef(['expose', 'tcp', i, 'port'], t.port, 'MetalLB load balancers here carry TCP only');
    const number = t.externalPort ?? app.ports.find((p) => p.name === t.port)?.port;
    if (number === undefined) return;
    if (external.has(number)) add(['expose', 'tcp', i], `external port ${number} is used twice (also expose.tcp[${external.get(number)}])`);
    else external.set(number, i);
  });

  // One replica only as a declared singleton; autoscaling keeps at least two. (A cronjob has no
  // replicas: each run is one pod, retried elsewhere when its node dies.)
  const cronjob = app.kind === 'cronjob';
  const singleReplica = app.replicas === 1 && !app.autoscaling;
  if (cronjob) { /* its fields are refused by checkKindFields */ } else if (singleReplica && !app.singleton) add(['replicas'], 'one replica is a single point of failure: run at least 2, or declare `singleton: "<why one replica>"`');
  if (app.singleton && !singleReplica) add(['singleton'], 'a singleton runs exactly one replica: set `replicas: 1` and remove `autoscaling`, or remove `singleton`');
  if (app.autoscaling && !cronjob) {
    if (app.autoscaling.min < 2) add(['autoscaling', 'min'], `must be at least 2 so that losing a node keeps the app up, got ${app.autoscaling.min}`);
    if (app.autoscaling.max < app.autoscaling.min) add(['autoscaling', 'max'], `must be at least autoscaling.min (${app.autoscaling.min}), got ${app.autoscaling.max}`);
  }

  // Volumes: unique names and mount paths; ReadWriteOnce means one pod at a time.
  const volNames = new Map<string, number>();
  // Mount paths compared as the container sees them: `/data/` and `/data//` are `/data`.
  const mounts = new Map<string, string>();
  const mount = (p: string, at: Path, by: string) => {
    const problem = mountPathProblem(p);
    if (problem) {
      add(at, problem);
      return;
    }
    const key = mountKey(p);
    if (mounts.has(key)) add(at, `${quoteValue(p)} is already mounted by ${mounts.get(key)}${key === p ? '' : ` (both are ${quoteValue(key)})`}`);
    else mounts.set(key, by);
  };
  app.volumes.forEach((v, i) => {
    if (volNames.has(v.name)) add(['volumes', i, 'name'], `duplicate volume name "${v.name}" (also volumes[${volNames.get(v.name)}])`);
    else volNames.set(v.name, i);
    mount(v.mountPath, ['volumes', i, 'mountPath'], `volumes[${i}]`);
    if (v.accessMode !== 'ReadWriteOnce') return;
    if (cronjob) {
      if (app.cron?.concurrencyPolicy === 'Allow') add(['cron', 'concurrencyPolicy'], `"Allow" lets two runs overlap, and volume "${v.name}" is ReadWriteOnce: the second run cannot start on another node while the first holds it; use "Forbid" (skip a run while one runs) or "Replace", or make the volume ReadWriteMany`);
    } else if (!singleReplica) add(['volumes', i, 'accessMode'], 'a ReadWriteOnce volume can be mounted by one pod on one node: use ReadWriteMany for an app with several replicas, or make the app a singleton');
    else if (app.strategy.type !== 'recreate') add(['strategy', 'type'], `"${app.strategy.type}" starts the new pod before the old one stops, but volume "${v.name}" is ReadWriteOnce: use "recreate"`);
  });
  app.writablePaths.forEach((p, i) => mount(p, ['writablePaths', i], `writablePaths[${i}]`));

  // Requests within limits: the API server refuses a container whose request is above its limit.
  const { requests, limits } = app.resources;
  const requestedMemory = memoryBytes(requests.memory);
  const memoryLimit = memoryBytes(limits.memory);
  if (requestedMemory !== undefined && memoryLimit !== undefined && requestedMemory > memoryLimit) {
    add(['resources', 'requests', 'memory'], `${quoteValue(requests.memory)} is more than the limit ${quoteValue(limits.memory)} (resources.limits.memory); Kubernetes refuses a request above its limit: raise the limit or lower the request`);
  }
  const requestedCpu = cpuMillis(requests.cpu);
  const cpuLimit = limits.cpu === undefined ? undefined : cpuMillis(limits.cpu);
  if (requestedCpu !== undefined && cpuLimit !== undefined && requestedCpu > cpuLimit) {
    add(['resources', 'requests', 'cpu'], `${quoteValue(requests.cpu)} is more than the limit ${quoteValue(limits.cpu!)} (resources.limits.cpu); Kubernetes refuses a request above its limit: raise the limit, lower the request, or leave the CPU limit out`);
  }

  // Variables: plain and secret names do not collide, nor with database bindings.
  for (const name of Object.keys(app.secrets)) {
    if (name in app.env) add(['secrets', name], `${quoteValue(name)} is also set in env; a variable comes from one place`);
  }
  // Bindings: env or envPrefix, templates over the binding's parts, each variable set once.
  const prefixes = new Map<string, number>();
  const bindingVars = new Map<string, { i: number; source: BindingEnvSource }>();
  app.databases.forEach((d, i) => {
    if (d.env && d.envPrefix) add(['databases', i, 'envPrefix'], `a binding sets either the variables named in its env or <envPrefix>_HOST, _PORT, _NAME, _USER, _PASSWORD, not both: remove envPrefix (env names every variable the app reads), or remove env`);
    for (const [name, template] of Object.entries(d.env ?? {})) {
      const parsed = parseBindingTemplate(template);
      if ('error' in parsed) add(['databases', i, 'env', name], parsed.error);
    }
    const { env, source, prefix } = bindingEnv(d, app.image);
    if (prefix !== undefined) {
      if (prefixes.has(prefix)) {
        add(['databases', i], `two bindings set ${prefix}_* variables (also databases[${prefixes.get(prefix)}]); give one an envPrefix`);
        return;
      }
      prefixes.set(prefix, i);
    }
    const clashes = new Map<number, string[]>();
    for (const name of Object.keys(env)) {
      const other = bindingVars.get(name);
      if (other) clashes.set(other.i, [...(clashes.get(other.i) ?? []), quoteValue(name)]);
      else bindingVars.set(name, { i, source });
    }
    for (const [other, names] of clashes) {
      const what = source === 'image' ? ` (what ${imageRepository(app.image)} reads)` : '';
      add(['databases', i], `sets ${names.join(', ')}${what}, which databases[${other}] sets too; name this binding's variables in its env, e.g. \`env: { OTHER_URL: "{{ .url }}" }\``);
    }
  });
  for (const [where, vars] of [['env', app.env], ['secrets', app.secrets]] as const) {
    for (const name of Object.keys(vars)) {
      const binding = bindingVars.get(name);
      if (!binding) continue;
      const fix = binding.source === 'envPrefix' || binding.source === 'engine'
        ? 'rename the variable or give the binding another envPrefix'
        : binding.source === 'env' ? 'remove the variable here or from the binding\'s env' : `remove it here (the binding sets what ${imageRepository(app.image)} reads), or name the binding's variables in its env`;
      add([where, name], `${quoteValue(name)} is set by the binding databases[${binding.i}]; ${fix}`);
    }
  }

  // Bitwarden references only where a secret is read: anywhere else the pod gets the literal text.
  for (const p of misplacedSecretRefs(AppSpecSchema, app)) {
    if (p[0] === 'env' && p.length === 2) {
      const text = app.env[p[1]];
      const ref = BITWARDEN_REF.test(text) ? text : 'bitwarden:<item>';
      add(p, `a Bitwarden reference in env reaches the container as this literal text (env values are plain); move the variable to secrets, \`secrets: { ${p[1]}: "${ref}" }\`, which External Secrets fill from Bitwarden`);
    } else if (p[0] === 'command' || p[0] === 'args') {
      add(p, `a Bitwarden reference in ${p[0]} reaches the process as this literal text; put it in secrets, e.g. \`secrets: { SECRET_VALUE: "bitwarden:<item>" }\`, and write $(SECRET_VALUE) here (Kubernetes expands variables in command and args)`);
    } else {
      add(p, 'a Bitwarden reference here reaches the pod as literal text: only secrets.<VARIABLE> and databases[].credentials are read from Bitwarden; put the secret in secrets and read it from that environment variable');
    }
  }

  // Secrets by value, whatever the variable is called: the literal would be rendered into git.
  for (const p of literalSecrets(app)) {
    const found = p.found.what;
    if (p.path[0] === 'env' && p.path.length === 2) {
      add(p.path, `holds a secret, ${found}, and env values are rendered into git; put the whole value in a Bitwarden item and move the variable to secrets, \`secrets: { ${p.path[1]}: "bitwarden:<item>" }\``);
    } else if (p.path[0] === 'command' || p.path[0] === 'args') {
      add(p.path, `holds a secret, ${found}, rendered into git; put it in secrets, e.g. \`secrets: { SECRET_VALUE: "bitwarden:<item>" }\`, and write $(SECRET_VALUE) here (Kubernetes expands variables in command and args)`);
    } else {
      add(p.path, `holds a secret, ${found}, rendered into git; put it in a Bitwarden item under secrets and read it from that environment variable`);
    }
  }

  // Strategies.
  if (app.strategy.type === 'canary') {
    const weights = app.strategy.steps.flatMap((s, i) => ('setWeight' in s ? [{ w: s.setWeight, i }] : []));
    if (weights.length === 0) add(['strategy', 'steps'], 'a canary needs at least one { setWeight: <1-100> } step');
    weights.forEach(({ w, i }, k) => {
      if (k > 0 && w <= weights[k - 1].w) add(['strategy', 'steps', i, 'setWeight'], `weights must increase step by step (${weights[k - 1].w} before this one), got ${w}`);
    });
  }

  // The preview host: a blueGreen app's, routed like expose.http.
  if (app.preview && app.strategy.type !== 'blueGreen') {
    add(['preview'], `only a blueGreen app has a preview (the release waiting for promotion on its Service <app>-preview), and this one is "${app.strategy.type}": remove preview, or use \`strategy: { type: blueGreen }\``);
  } else if (typeof app.preview?.host === 'string' && !app.expose.http) {
    add(['preview', 'host'], 'the preview host is routed to the port of expose.http, and the app has no expose.http: add `expose: { http: { host: ... } }`, or remove preview.host');
  } else if (typeof app.preview?.host === 'string' && app.preview.host === app.expose.http?.host) {
    add(['preview', 'host'], 'is the app\'s own host (expose.http.host): the release waiting for promotion needs a host of its own; name another host, or write `preview: { host: false }` for none');
  }

  // The login in front of the app and its preview (lib/config/app-auth-rules.ts).
  issues.push(...checkAppAuth(app));
  return issues;
}

/** Variables a prefixed DBaaS binding sets, after its prefix: `<PREFIX>_HOST`... (lib/paas/binding-templates.ts). */
export const BINDING_VARIABLES = PREFIX_VARIABLES.map(([suffix]) => suffix);

/**
 * Rules of the app's kind on the validated spec: a web app serves on a port; a worker's only
 * port is its metrics port, and it has no Service for a blueGreen switch; a cronjob has its
 * `cron` schedule, which only a cronjob has; a probe runs a command or checks a port, not both.
 * Fields a kind cannot have at all are refused where they are written (checkKindFields).
 */
export function checkKindRules(app: Spec): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const add = (path: Path, message: string) => issues.push({ path, message });
  if (app.kind === 'web' && app.ports.length === 0) {
    add(['ports'], 'a web app needs at least 1 port (its Service, route and probes use it); add `ports: [ { name: http, port: 8080 } ]`, or write `kind: worker` for a process that serves nothing');
  }
  if (app.kind === 'worker') {
    app.ports.forEach((p, i) => {
      if (p.name !== app.metrics?.port) add(['ports', i], `a worker serves nothing, so its only port is the one Prometheus scrapes; name this port in \`metrics: { port: ${p.name} }\`, remove it, or write \`kind: web\` for an app that serves on it`);
    });
    if (app.strategy.type === 'blueGreen') add(['strategy', 'type'], 'a blueGreen release switches the app\'s Service, and a worker has none: use "rolling", "recreate" or "canary" (which moves replicas over step by step)');
    if (app.singleton && !app.ports.length && !app.health.command) add(['singleton'], 'a singleton must be back within the recovery budget, counted to its first successful probe, and this worker has no probe: add `health.command: [...]` (exit 0 when it works), or run 2 replicas without singleton');
    if (!app.ports.length && app.health.path) add(['health', 'path'], 'a worker without ports has nothing to GET: probe it with `health.command: [...]` (exit 0 is healthy), or leave health out (Kubernetes then restarts it only when its process exits)');
  }
  if (app.kind === 'cronjob' && !app.cron) add(['kind'], 'a cronjob runs on a schedule: add `cron: { schedule: "0 3 * * *" }` (five fields: minute hour day-of-month month day-of-week)');
  if (app.kind !== 'cronjob' && app.cron) add(['cron'], `only a cronjob has a schedule, and this app is "${app.kind}": write \`kind: cronjob\`, or remove cron`);
  if (app.health.command && app.health.path) add(['health', 'command'], 'a probe either runs a command or GETs health.path, not both: keep one');
  else if (app.health.command && app.health.port) add(['health', 'port'], 'a command probe checks no port: remove health.port, or health.command to check the port');
  return issues;
}

/** Top-level fields a kind cannot have, with why: refused where they are written, defaults or not. */
const FIELDS_A_KIND_REFUSES: Readonly<Record<'worker' | 'cronjob', Readonly<Record<string, string>>>> = {
  worker: {
    expose: 'a worker serves nothing, so nothing is exposed: remove expose, or write `kind: web` for an app that serves',
    preview: 'a worker has no host, so no preview host: remove preview',
    auth: 'a worker has no host, so no login in front of it: remove auth',
  },
  cronjob: {
    ports: 'a cronjob\'s runs serve nothing, so they have no ports: remove ports (a command probe needs none: `health.command`)',
    expose: 'a cronjob\'s runs serve nothing, so nothing is exposed: remove expose',
    preview: 'a cronjob has no host, so no preview host: remove preview',
    auth: 'a cronjob has no host, so no login in front of it: remove auth',
    replicas: 'a cronjob runs one pod per run (retried on another node when its node dies): remove replicas',
    singleton: 'a cronjob runs one pod per run already: remove singleton (cron.concurrencyPolicy "Forbid", the default, keeps runs from overlapping)',
    strategy: 'a cronjob has no rollout: each run uses the current spec; remove strategy',
    autoscaling: 'a cronjob has no replicas to scale: remove autoscaling',
    metrics: 'a cronjob\'s runs have no port for Prometheus to scrape (they end before a scrape would find them): remove metrics, and push metrics to a gateway if the job has any',
  },
};

/**
 * Fields of the spec as written (before defaults) that its kind cannot have: a cronjob with
 * `replicas: 2` is refused even though 2 is the default, since the writer expects it to mean
 * something. `given` is the parsed YAML document.
 */
export function checkKindFields(given: unknown): RuleIssue[] {
  const reserved = reservedKeys(given);
  if (reserved.length) return reserved;
  if (!given || typeof given !== 'object' || Array.isArray(given)) return [];
  const doc = given as Record<string, unknown>;
  const kind = doc.kind;
  if (kind !== 'worker' && kind !== 'cronjob') return [];
  const issues: RuleIssue[] = [];
  for (const [field, why] of Object.entries(FIELDS_A_KIND_REFUSES[kind])) {
    if (field in doc) issues.push({ path: [field], atKey: true, message: why });
  }
  const health = doc.health;
  if (kind === 'cronjob' && health && typeof health === 'object' && !Array.isArray(health)) {
    for (const field of ['path', 'port'] as const) {
      if (field in health) issues.push({ path: ['health', field], atKey: true, message: `a cronjob's runs have no ports to check: remove health.${field}, and probe with \`health.command: [...]\` if a run can hang` });
    }
  }
  return issues;
}

/**
 * What to change when a singleton's recovery is over the budget, naming the figures the sum used:
 * with a probe, the start-up is health.startupSeconds in whole startup-probe periods (the most
 * that fits is given); without one (a worker without health.command) it is Kubernetes' default
 * probe window, which health.startupSeconds does not change, so the advice is a probe first.
 */
function recoveryBudgetAdvice(app: Spec, estimate: RecoveryEstimate, probed: boolean, budget: number): string {
  const period = PROBE_TIMING.startupPeriodSeconds;
  const startup = stepSeconds(estimate, 'start-up');
  const declared = app.health.startupSeconds;
  const fitting = (rest: number) => Math.floor((budget - rest) / period) * period;
  if (probed) {
    const most = fitting(estimate.totalSeconds - startup);
    const counted = startup === declared ? `${declared} s` : `${declared} s, checked as ${startup / period} attempts every ${period} s = ${startup} s`;
    if (most < period) return `the start-up is health.startupSeconds (${counted}), but the other steps alone take ${estimate.totalSeconds - startup} s: no start-up fits; raise the budget in site.yaml, or run 2 replicas without singleton`;
    return `the start-up is health.startupSeconds (${counted}): lower it to ${most} s or less (or raise the budget in site.yaml)`;
  }
  const ready = stepSeconds(estimate, 'ready');
  const withProbe = fitting(estimate.totalSeconds - startup - ready + (app.health.periodSeconds ?? PROBE_TIMING.readinessPeriodSeconds));
  const then = withProbe < period ? 'even then no start-up fits: raise the budget in site.yaml, or run 2 replicas without singleton' : `health.startupSeconds ${declared <= withProbe ? `(${declared} s) then fits` : `must then be ${withProbe} s or less`}`;
  return `with no probe, the start-up ${startup} s and ready ${ready} s are Kubernetes' defaults for a container without probes, which health.startupSeconds (${declared} s) does not change: add \`health.command: [...]\` so the start-up is health.startupSeconds; ${then}`;
}

/**
 * Rules of an app against the site: the DBaaS it binds to exists; a singleton is back within
 * the site's recovery budget after its node dies.
 */
export function checkAppAgainstSite(app: Spec, site: Site): RuleIssue[] {
  const issues: RuleIssue[] = [];
  if (app.singleton && app.replicas === 1 && !app.autoscaling) {
    const { startupProbe, readinessProbe } = appProbes(app);
    const dead = (key: string) => ({ key, effect: 'NoExecute', tolerationSeconds: SINGLETON_TOLERATION_SECONDS });
    const estimate = recoveryFromPod({
      tolerations: [dead(DEAD_NODE_TAINTS.notReady), dead(DEAD_NODE_TAINTS.unreachable)],
      containers: [{ startupProbe, readinessProbe }],
      volumes: app.volumes.map(() => ({ persistentVolumeClaim: {} })),
    });
    if (estimate.totalSeconds > site.ha.recoveryBudgetSeconds) {
      const sum = estimate.steps.map((s) => `${s.step} ${s.seconds}`).join(' + ');
      issues.push({ path: ['singleton'], message: `a singleton must be back within ha.recoveryBudgetSeconds (${site.ha.recoveryBudgetSeconds} s) after its node dies, but ${sum} = ${estimate.totalSeconds} s; ${recoveryBudgetAdvice(app, estimate, startupProbe !== undefined, site.ha.recoveryBudgetSeconds)}` });
    }
  }
  issues.push(...checkRndApp(app, site));
  const dbaas = site.dbaas as Record<string, unknown>;
  const offered = Object.keys(dbaas).filter((k) => dbaas[k] !== undefined).sort();
  app.databases.forEach((d, i) => {
    if (dbaas[d.engine] === undefined) issues.push({ path: ['databases', i, 'engine'], message: `the site has no dbaas.${d.engine} endpoint; site.yaml offers ${offered.length ? offered.join(', ') : 'none'}` });
  });
  issues.push(...checkAppAgainstComponents(app, site));
  issues.push(...checkAppAuthAgainstSite(app, site));
  return issues;
}

/**
 * An R&D app (`environment: rnd`) runs only on the site's R&D agents and keeps its volumes on
 * their disks (the R&D StorageClass): the site must have an R&D agent, and one with storage when
 * the app has volumes.
 */
export function checkRndApp(app: Pick<Spec, 'environment' | 'volumes'>, site: Site): RuleIssue[] {
  if (app.environment !== RND_ENVIRONMENT) return [];
  const rnd = site.nodes.filter((n) => n.rnd && n.role === 'agent');
  if (!rnd.length) return [{ path: ['environment'], message: 'an R&D app runs only on R&D nodes, and site.yaml has none: set `rnd: true` on an agent in nodes:, or use another environment (sit, uat, prod)' }];
  if (app.volumes.length && !rnd.some((n) => n.storage)) {
    return [{ path: ['volumes'], message: `an R&D app's volumes live on the R&D nodes' disks (StorageClass ${RND_STORAGE_CLASS}), and no R&D node has storage: set \`storage: true\` on ${rnd.map((n) => n.name).join(' or ')} in site.yaml, or remove the volumes` }];
  }
  return [];
}

/** A problem found across apps: the app (its file) and the path in it. */
export interface AppsIssue {
  readonly app: AppSpec;
  readonly path: Path;
  readonly message: string;
}

/**
 * Rules across the apps of a site: no two apps render an object of the same kind, namespace and
 * name (the Service `wiki-preview` of a blueGreen `wiki` and the app `wiki-preview`'s own), since
 * the second would overwrite the first. Reported in the app whose field makes it render the
 * object, naming the other app's file.
 */
export function checkAppsTogether(apps: readonly AppSpec[]): AppsIssue[] {
  const issues: AppsIssue[] = [];
  const owners = new Map<string, { app: AppSpec; obj: AppObject }>();
  const origin = (o: { app: AppSpec; obj: AppObject }) => `${o.app.file}, ${o.obj.field.length ? `from ${formatPath(o.obj.field)}` : 'named after the app, whose name is its file name'}`;
  for (const app of apps) {
    for (const obj of appObjects(app)) {
      const key = `${obj.kind}/${obj.namespace}/${obj.name}`;
      const first = owners.get(key);
      if (!first) {
        owners.set(key, { app, obj });
        continue;
      }
      if (first.app === app) continue;
      const second = { app, obj };
      // Reported at a call (`calls`: the policies of a call are named after both apps), else where a
      // field asks for the object (it can be changed there), else in the later file.
      const call = (o: { obj: AppObject }) => o.obj.field[0] === 'calls';
      const [here, other] = call(second) !== call(first) ? (call(second) ? [second, first] : [first, second])
        : second.obj.field.length || !first.obj.field.length ? [second, first] : [first, second];
      // An app calls only apps of its own environment: renaming an app is the fix of a call's policy.
      const fix = call(here) ? 'rename one of the apps (rename its file)' : `rename one of the apps (rename its file)${here.obj.field.length ? `, change ${formatPath(here.obj.field)}` : ''} or run them in different environments`;
      issues.push({
        app: here.app,
        path: here.obj.field,
        message: `${obj.kind} "${obj.name}" (namespace ${obj.namespace}), ${here.obj.role} here, is also ${other.obj.role} of the app "${other.app.name}" (${origin(other)}); one would overwrite the other in the cluster: ${fix}`,
      });
    }
  }
  return issues;
}

/** The registry host of an image reference (`registry.example.com` of `registry.example.com/apps/wiki:1.0`), if it names one. */
export function imageRegistry(image: string): string | undefined {
  const first = image.split('/')[0];
  return image.includes('/') && /[.:]|^localhost$/.test(first) ? first.replace(/:[0-9]+$/, '') : undefined;
}

/** Rules of an app against the optional components (`<component>.enabled`) of the site. */
export function checkAppAgainstComponents(app: Spec, site: Site): RuleIssue[] {
  const harborHost = `${HARBOR_SUBDOMAIN}.${site.domain}`;
  if (!site.harbor.enabled && imageRegistry(app.image) === harborHost) {
    return [{ path: ['image'], message: `is on Harbor (${harborHost}), which site.yaml switches off (harbor.enabled: false): no node could pull it; set harbor.enabled: true, or name an image on another registry` }];
  }
  return [];
}

/** A mount path as the container sees it: `.` segments, repeated and trailing slashes dropped (`/data/` is `/data`). */
function mountKey(p: string): string {
  return p.split('/').filter((part) => part !== '' && part !== '.').reduce((out, part) => `${out}/${part}`, '') || '/';
}

/** Why `p` cannot be a mount path in an app's container (the root itself, or `..`, which names another folder than it seems to), if it cannot. */
function mountPathProblem(p: string): string | undefined {
  if (p.split('/').includes('..')) return `${quoteValue(p)} has a ".." part; write the folder it means without one`;
  if (mountKey(p) === '/') return `${quoteValue(p)} is the container's root folder; mount a folder below it, e.g. "/data"`;
  return undefined;
}

