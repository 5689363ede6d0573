import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { APP_NAME, Environment, IMAGE_REF } from '../config/app-schema';
import { ConfigError, formatIssue } from '../config/errors';
import { parseApp } from '../config/load-apps';
import { secretInValue } from '../config/secret-values';
import type { Site } from '../config/schema';
import { readyStep, startupAllowanceSeconds } from '../ha/recovery';
import { isMap, JsonMap } from '../k8s/manifest';
import {
  ComposeMount, ComposePort, ComposeService, dependenciesOf, environmentOf, healthcheckUrl, interpolate, mountsOf, portsOf, readCompose, scalar, splitCommand,
} from './compose';
import { databaseEngine, databaseServiceSettings, DbaasEngine } from './compose-databases';
import { SINGLETON_TOLERATION_SECONDS } from '../paas/conventions';
import { PROBE_TIMING } from '../paas/probes';

/**
 * `npm run import-compose`: one app spec per service of a docker-compose file. Database services
 * are not imported (the site's DBaaS replaces them; services that depend on them get a binding);
 * everything that cannot be translated is listed per service, on stderr and in the spec's header.
 * Every spec is validated with parseApp against the site before it is written; one that cannot
 * be valid (unpinned image, no port, ...) is reported instead.
 */

/** Size given to every imported volume: a guess the header asks a person to correct. */
export const IMPORTED_VOLUME_SIZE = '10Gi';

/**
 * health.startupSeconds of an imported singleton, at most: a guess with some slack under the
 * shipped budget (90 s, of which the rest of the recovery takes 72 s); less when the site's
 * budget leaves less (singletonStartupSeconds).
 */
const SINGLETON_STARTUP_SECONDS = 15;

/**
 * The start-up an imported singleton gets: what the site's recovery budget leaves after the rest of
 * a singleton app's recovery (the recovery model: eviction after its toleration, the volume move,
 * the image pull, one readiness period), in whole startup-probe periods, at most
 * SINGLETON_STARTUP_SECONDS and at least 1 s (parseApp then reports a budget nothing fits).
 */
export function singletonStartupSeconds(site: Site): number {
  const allowance = startupAllowanceSeconds({
    tolerationSeconds: SINGLETON_TOLERATION_SECONDS,
    volume: {},
    ready: readyStep({ periodSeconds: PROBE_TIMING.readinessPeriodSeconds }),
  }, site.ha.recoveryBudgetSeconds);
  const fits = Math.floor(allowance / PROBE_TIMING.startupPeriodSeconds) * PROBE_TIMING.startupPeriodSeconds;
  return Math.max(1, Math.min(SINGLETON_STARTUP_SECONDS, fits));
}

/** Container ports that usually speak HTTP (besides the port a curl/wget healthcheck fetches). */
const HTTP_PORTS = new Set([80, 3000, 3001, 2368, 4000, 5000, 5678, 8000, 8008, 8080, 8081, 8088, 8888, 9000]);
/** Ports that usually speak TLS themselves (the gateway forwards plain HTTP). */
const TLS_PORTS = new Set([443, 8443]);
/** Environment variable names whose values are secrets (never written as literals). */
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|KEY|(^|_)PASS($|_)/i;
/** The variables a database binding sets, after its prefix. */
const BINDING_SUFFIXES = ['HOST', 'PORT', 'NAME', 'USER', 'PASSWORD'] as const;
const ENV_PREFIX = /^[A-Z][A-Z0-9_]*$/;
const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Service keys that the platform does its own way: dropped, and named in the header. */
const IGNORED_KEYS = new Set(['restart', 'container_name', 'hostname', 'networks', 'logging', 'labels', 'stop_grace_period', 'stop_signal', 'init', 'tty', 'stdin_open', 'cap_drop', 'read_only', 'domainname', 'platform', 'pull_policy']);
/** Service keys translated by this importer. */
const TRANSLATED_KEYS = new Set(['image', 'ports', 'expose', 'environment', 'volumes', 'tmpfs', 'depends_on', 'links', 'command', 'entrypoint', 'healthcheck', 'deploy', 'user']);
/** What to do about service keys that cannot be translated (any other key gets a generic line). */
const UNTRANSLATABLE: Readonly<Record<string, string>> = {
  build: 'build: the platform runs images only; build the image in CI (Jenkins platformRelease) and push it to Harbor',
  privileged: 'privileged: never allowed; containers run with a restricted security context',
  cap_add: 'cap_add: no added capabilities; containers drop every capability',
  network_mode: 'network_mode: pods have their own network; reach other apps by their Service name',
  devices: 'devices: host devices are not passed to app containers',
  extra_hosts: 'extra_hosts: use DNS names instead of /etc/hosts entries',
  secrets: 'secrets: compose secret files are not read; put each value in Bitwarden and add it under secrets:',
  configs: 'configs: compose config files are not read; bake them into the image or mount them by hand',
  env_file: 'env_file: the file is not read; add its variables to env: (plain) or secrets: (Bitwarden) by hand',
  sysctls: 'sysctls: kernel settings are not changed for apps',
  ulimits: 'ulimits: not settable per app',
  pid: 'pid: no host PID namespace',
  ipc: 'ipc: no shared IPC namespace',
  security_opt: 'security_opt: the platform sets the security context',
  volumes_from: 'volumes_from: share data through a ReadWriteMany volume instead',
  working_dir: 'working_dir: not in an app spec; set it in the image',
  dns: 'dns: the cluster DNS is used',
  dns_search: 'dns_search: the cluster DNS is used',
  shm_size: 'shm_size: not settable per app',
  mem_limit: 'mem_limit: set resources.limits.memory by hand',
  cpus: 'cpus: set resources by hand',
  userns_mode: 'userns_mode: not settable per app',
  cgroup_parent: 'cgroup_parent: not settable per app',
  runtime: 'runtime: not settable per app',
  profiles: 'profiles: every imported service runs',
  group_add: 'group_add: not settable per app',
};

/** Options of one import. */
export interface ImportOptions {
  /** The site the specs are validated against. */
  readonly site: Site;
  /** @default sit */
  readonly environment?: Environment;
  /** Host names are `<app>.<domain>`. @default the site's domain */
  readonly domain?: string;
  /** The compose file as the header names it. */
  readonly source: string;
  /** Folder the specs go to, as the messages name it (`apps`). */
  readonly outDir: string;
}

/** A service translated into a valid app spec. */
export interface ImportedApp {
  readonly kind: 'app';
  readonly service: string;
  readonly app: string;
  /** `<outDir>/<app>.yaml`. */
  readonly file: string;
  /** The spec with its header comment. */
  readonly text: string;
  /** What a person has to check or do. */
  readonly notes: readonly string[];
  /** What could not be translated. */
  readonly untranslated: readonly string[];
}

/** A service that cannot become a valid app spec: reported, never written. */
export interface RejectedService {
  readonly kind: 'rejected';
  readonly service: string;
  readonly app: string;
  readonly file: string;
  /** Why, and what to do. */
  readonly reasons: readonly string[];
  readonly untranslated: readonly string[];
}

/** A database service the DBaaS replaces. */
export interface ReplacedDatabase {
  readonly kind: 'database';
  readonly service: string;
  readonly image: string;
  readonly engine: DbaasEngine;
  /** Services bound to it. */
  readonly usedBy: readonly string[];
}

export type ServiceOutcome = ImportedApp | RejectedService | ReplacedDatabase;

/** A database service as the services depending on it see it. */
interface DatabaseService {
  readonly service: string;
  readonly engine: DbaasEngine;
  readonly settings: { name?: string; user?: string };
}

/** The spec under construction, with what the header will say. */
interface Draft {
  readonly spec: JsonMap;
  readonly notes: string[];
  readonly untranslated: string[];
  readonly ignored: string[];
  /** Problems that keep the spec from being valid. */
  readonly fatal: string[];
}

/** `My_Service.1` -> `my-service-1`: a name that satisfies APP_NAME (or port-name rules when `max` is 15). */
export function kebabName(name: string, max = 40): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^[^a-z]+/, '').slice(0, max).replace(/-+$/, '');
  return cleaned;
}

/** `bitwarden:app-<app>-<var>` with the variable in lower case and `_` as `-` (Bitwarden references take no `_`). */
export function secretReference(app: string, variable: string): string {
  return `bitwarden:app-${app}-${variable.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-+|-+$/g, '')}`;
}

/** Whether a variable value names one of `hosts` as a host (`db`, `db:5432`, `postgres://u@db/x`). */
function mentionsHost(value: string, hosts: ReadonlySet<string>): boolean {
  return [...hosts].some((h) => new RegExp(`(^|[/@,])${h.replace(/[.]/g, '\\.')}(:\\d+)?($|[/,?])`).test(value));
}

/** Ports of the spec: the HTTP one (named `http`) first, then the others as `tcp-<n>` / `udp-<n>`. */
function translatePorts(d: Draft, ports: readonly ComposePort[], healthPort: number | undefined, app: string, domain: string): void {
  const unique = ports.filter((p, i) => ports.findIndex((q) => q.container === p.container && q.protocol === p.protocol) === i);
  const httpPort = unique.find((p) => p.protocol === 'TCP' && (p.container === healthPort || HTTP_PORTS.has(p.container)));
  // The first port is the default for health and expose.http: HTTP first, then TCP, UDP last.
  const rank = (p: ComposePort) => (p === httpPort ? 0 : p.protocol === 'TCP' ? 1 : 2);
  const ordered = [...unique].sort((a, b) => rank(a) - rank(b));
  const nameOf = (p: ComposePort) => (p === httpPort ? 'http' : `${p.protocol.toLowerCase()}-${p.container}`);
  d.spec.ports = ordered.map((p) => ({ name: nameOf(p), port: p.container, ...(p.protocol === 'UDP' ? { protocol: 'UDP' } : {}) }));
  const tcp: JsonMap[] = [];
  for (const p of ports) {
    if (p.published === undefined && p.hostIp === undefined) continue;
    const local = p.hostIp !== undefined && /^(127\.|::1$|localhost$)/.test(p.hostIp);
    if (local && p !== httpPort) {
      d.notes.push(`port ${p.container} was published on ${p.hostIp} only (local access): not exposed`);
      continue;
    }
    if (p === httpPort) {
      if (local) d.notes.push(`port ${p.container} was published on ${p.hostIp} only (for a reverse proxy on the host): the gateway takes that role`);
      (d.spec.expose as JsonMap).http = { host: `${app}.${domain}` };
      d.notes.push(`published port ${p.published ?? p.container} -> http://${app}.${domain} through the gateway (TLS at HAProxy; add the entry of dist/hosts/haproxy/)`);
      continue;
    }
    if (p.protocol === 'UDP') {
      d.untranslated.push(`port ${p.published ?? p.container}/udp: load balancers here carry TCP only; the port is reachable inside the cluster`);
      continue;
    }
    if (TLS_PORTS.has(p.container)) d.notes.push(`port ${p.container} usually serves TLS itself: exposed as raw TCP; prefer its plain HTTP port behind the gateway`);
    tcp.push({ port: nameOf(p), ...(p.published !== undefined && p.published !== p.container ? { externalPort: p.published } : {}) });
  }
  if (tcp.length) (d.spec.expose as JsonMap).tcp = tcp;
  const low = unique.filter((p) => p.container < 1024).map((p) => p.container);
  if (low.length) {
    d.spec.capabilities = ['NET_BIND_SERVICE'];
    d.notes.push(`listens on port ${low.join(', ')} (below 1024) as a non-root user: granted capabilities [NET_BIND_SERVICE]; drop it if the app can listen on a port from 1024 up`);
  }
  if (!ports.length) d.fatal.push('no ports (ports: or expose:): an app spec needs at least one port; add it by hand if the service listens');
}

/** Volumes (Longhorn, ReadWriteOnce), tmpfs as writable paths; a volume makes the app a single writer. */
function translateVolumes(d: Draft, mounts: readonly ComposeMount[], declared: Readonly<Record<string, JsonMap | null>>, app: string): string[] {
  const volumes: JsonMap[] = [];
  const writable = ['/tmp'];
  const names = new Set<string>();
  for (const m of mounts) {
    if (m.type === 'tmpfs') {
      if (!writable.includes(m.target)) writable.push(m.target);
      continue;
    }
    if (m.source && /docker\.sock$/.test(m.source)) {
      d.untranslated.push(`volume ${m.source}:${m.target}: there is no Docker socket on the nodes`);
      continue;
    }
    if (m.type === 'bind' && /^\/(etc|proc|sys|dev|run|var\/run|var\/lib\/docker)(\/|$)/.test(m.source!)) {
      d.untranslated.push(`volume ${m.source}:${m.target}: a file or folder of the host system; containers do not see the node's (time zone: set env TZ)`);
      continue;
    }
    if (m.type === 'bind' && /\.[A-Za-z0-9]{1,5}$/.test(path.posix.basename(m.target))) {
      d.untranslated.push(`volume ${m.source}:${m.target}: a single file from the host; bake it into the image or mount it from a ConfigMap by hand`);
      continue;
    }
    const base = kebabName(m.type === 'volume' ? m.source!.replace(new RegExp(`^${app.replace(/-/g, '[-_]')}[-_]`), '') : path.posix.basename(m.target), 15) || 'data';
    let name = base;
    for (let i = 2; names.has(name); i++) name = `${base.slice(0, 13)}-${i}`;
    names.add(name);
    volumes.push({ name, mountPath: m.target, size: IMPORTED_VOLUME_SIZE });
    const from = m.type === 'volume' ? `named volume "${m.source}"` : m.type === 'bind' ? `bind mount ${m.source}` : 'an anonymous volume';
    d.notes.push(`volume ${name} at ${m.target} (from ${from}${m.readOnly ? ', read-only' : ''}): ${IMPORTED_VOLUME_SIZE} is a guess, set the real size; copy the existing data in before the first start`);
    const top = m.source ? declared[m.source] : undefined;
    if (top && (top.external || top.driver || top.driver_opts)) d.notes.push(`volume "${m.source}" is external or has a driver in the compose file: its data lives elsewhere today`);
  }
  if (volumes.length) d.spec.volumes = volumes;
  if (writable.length > 1) d.spec.writablePaths = writable;
  return volumes.map((v) => String(v.name));
}

/** `depends_on` / `links` to database services: DBaaS bindings; the variables the binding sets replace the app's. */
function translateDatabases(d: Draft, svc: ComposeService, env: Map<string, string | undefined>, databases: ReadonlyMap<string, DatabaseService>, app: string): string[] {
  const bound: string[] = [];
  const bindings: JsonMap[] = [];
  for (const [dep, hosts] of dependenciesOf(svc.spec)) {
    const db = databases.get(dep);
    if (!db) continue;
    bound.push(dep);
    const binding: JsonMap = { engine: db.engine };
    // The app's host variable: `<P>_HOST` pointing at the database service gives the binding prefix P.
    const hostVars = [...env].filter(([, v]) => v !== undefined && mentionsHost(v, hosts)).map(([k]) => k);
    const prefixVar = hostVars.find((k) => k.endsWith('_HOST') && ENV_PREFIX.test(k.slice(0, -5)));
    const prefix = prefixVar?.slice(0, -5);
    const replaced: string[] = [];
    let dbName = db.settings.name;
    if (prefix) {
      if (prefix !== db.engine.toUpperCase()) binding.envPrefix = prefix;
      const named = env.get(`${prefix}_NAME`);
      if (named) dbName = named;
      for (const suffix of BINDING_SUFFIXES) {
        if (env.has(`${prefix}_${suffix}`)) {
          replaced.push(`${prefix}_${suffix}`);
          env.delete(`${prefix}_${suffix}`);
        }
      }
    }
    const stale = hostVars.filter((k) => env.has(k));
    stale.forEach((k) => env.delete(k));
    if (dbName && DATABASE_NAME.test(dbName) && dbName !== app) binding.name = dbName;
    bindings.push(binding);
    const sets = BINDING_SUFFIXES.map((s) => `${prefix ?? db.engine.toUpperCase()}_${s}`).join(', ');
    const lines = [`database service "${dep}" -> DBaaS ${db.engine} binding (sets ${sets}; credentials: Bitwarden login item app-${app}-${db.engine})`];
    if (replaced.length) lines.push(`the binding replaces the app's ${replaced.join(', ')}`);
    if (stale.length) lines.push(`removed ${stale.join(', ')} (pointed at "${dep}"): set ${stale.length > 1 ? 'them' : 'it'} from the binding's ${prefix ?? db.engine.toUpperCase()}_HOST and _PORT`);
    const family = prefix ? [...env.keys()].filter((k) => k.startsWith(`${prefix}_`)) : [];
    const familyFromStale = stale.flatMap((k) => {
      const p = k.replace(/_+HOST$/i, '');
      return p === k ? [] : [...env.keys()].filter((e) => e.startsWith(p) && !family.includes(e));
    });
    const kept = [...family, ...familyFromStale];
    if (kept.length) lines.push(`kept ${kept.join(', ')}: make ${kept.length > 1 ? 'them' : 'it'} match the binding's database and account (or read the binding's variables)`);
    if (db.settings.user) lines.push(`the database service created the user "${db.settings.user}": the DBaaS account is the login item's username`);
    d.notes.push(...lines);
  }
  if (bindings.length) d.spec.databases = bindings;
  return bound;
}

/**
 * Environment: plain values to env:, secret-named ones and values that hold a secret whatever
 * the name (`SMTP_URL=smtp://user:password@host`: lib/config/secret-values.ts) to Bitwarden
 * references under secrets:. A `*_FILE` variable holding a path names a file and stays plain.
 */
function translateEnvironment(d: Draft, env: ReadonlyMap<string, string | undefined>, app: string): void {
  const plain: JsonMap = {};
  const secrets: JsonMap = {};
  for (const [name, raw] of env) {
    const fileName = /_FILE$/i.test(name) && raw !== undefined && /^\.{0,2}\//.test(raw);
    if (SECRET_NAME.test(name) && !fileName) {
      secrets[name] = secretReference(app, name);
      continue;
    }
    if (raw === undefined) {
      d.untranslated.push(`environment ${name} takes its value from the shell running compose: add it to env: or secrets: by hand`);
      continue;
    }
    const { value, unresolved } = interpolate(raw);
    const found = secretInValue(value, name);
    if (found) {
      secrets[name] = secretReference(app, name);
      d.notes.push(`env ${name} holds ${found.what}: it is a secret whatever its name, so it became ${secretReference(app, name)} under secrets: (put the whole value in that Bitwarden item)`);
      continue;
    }
    if (fileName) d.notes.push(`env ${name} names a file (${value}) that compose secrets: filled; they are not carried over: mount the file, or set ${name.replace(/_FILE$/i, '')} under secrets: and drop ${name}`);
    if (unresolved.length) d.notes.push(`env ${name} uses ${unresolved.map((u) => `\${${u}}`).join(', ')} from the shell or .env: replace it with the value`);
    plain[name] = value;
  }
  if (Object.keys(plain).length) d.spec.env = plain;
  if (Object.keys(secrets).length) {
    d.spec.secrets = secrets;
    d.notes.push(`create the Bitwarden items ${Object.values(secrets).map((s) => String(s).slice('bitwarden:'.length)).join(', ')} (values were not copied)`);
  }
}

/** The image, interpolated; an unpinned one is fatal (the spec would not validate). */
function translateImage(d: Draft, spec: JsonMap): void {
  if (spec.image === undefined) {
    d.fatal.push(spec.build !== undefined
      ? 'no image (only build:): build and push it to Harbor first (Jenkins platformRelease), then write image: registry.<domain>/apps/<app>:<tag>'
      : 'no image: an app spec runs an image');
    return;
  }
  const { value, unresolved } = interpolate(String(spec.image));
  d.spec.image = value;
  const m = IMAGE_REF.exec(value);
  if (unresolved.length) d.fatal.push(`image "${value}" uses ${unresolved.map((u) => `\${${u}}`).join(', ')} from the shell or .env: write the image with its version`);
  else if (!m) d.fatal.push(`image "${value}" is not an image reference the platform accepts ("registry/repository:tag" in lower case)`);
  else if (!m.groups?.digest && (!m.groups?.tag || m.groups.tag === 'latest')) {
    d.fatal.push(`image "${value}" is not pinned: write a version tag (not "latest") or a digest @sha256:..., the one running today (docker inspect --format '{{index .RepoDigests 0}}' ${value})`);
  }
}

/** Command/entrypoint, healthcheck path, replicas, user. */
function translateProcess(d: Draft, spec: JsonMap, healthUrl: URL | undefined, singleWriter: readonly string[], startupSeconds: number): void {
  const command = splitCommand(spec.entrypoint);
  const args = splitCommand(spec.command);
  if (command) d.spec.command = command;
  if (args) d.spec.args = args;
  if ((command && typeof spec.entrypoint === 'string') || (args && typeof spec.command === 'string')) {
    const joined = [...(command ?? []), ...(args ?? [])].join(' ');
    if (/[|&;<>$`]/.test(joined)) d.notes.push('the command uses shell syntax: run it through ["sh", "-c", "..."] if the image has a shell');
  }
  if (healthUrl) {
    (d.spec.health as JsonMap).path = `${healthUrl.pathname}${healthUrl.search}`;
  } else {
    d.notes.push('no curl/wget healthcheck: readiness is a TCP check of the first port; set health.path to an HTTP endpoint that answers 200 when the app is ready');
  }
  const deploy = (spec.deploy ?? {}) as JsonMap;
  const replicas = typeof deploy.replicas === 'number' ? deploy.replicas : undefined;
  for (const key of Object.keys(deploy).filter((k) => k !== 'replicas')) d.untranslated.push(`deploy.${key}: set ${key === 'resources' ? 'resources:' : 'it'} by hand`);
  if (singleWriter.length) {
    d.spec.replicas = 1;
    d.spec.singleton = `single writer of its ReadWriteOnce volume${singleWriter.length > 1 ? 's' : ''} ${singleWriter.join(', ')} (imported from docker-compose)`;
    d.spec.strategy = { type: 'recreate' };
    (d.spec.health as JsonMap).startupSeconds = startupSeconds;
    d.notes.push(`start-up limited to ${startupSeconds} s (health.startupSeconds) so that a singleton is back within ha.recoveryBudgetSeconds after its node dies; measure the real start-up with npm run drill`);
    d.notes.push('a singleton (one replica, recreate) because its volumes take one writer; if the app can share them, use accessMode: ReadWriteMany and more replicas');
    if (replicas !== undefined && replicas > 1) d.notes.push(`deploy.replicas was ${replicas}: lowered to 1 for the ReadWriteOnce volumes`);
  } else if (replicas !== undefined && replicas >= 2) {
    d.spec.replicas = replicas;
  } else {
    d.notes.push('runs 2 replicas (the platform default) where compose ran 1: check the app keeps no state in its pods (sessions, uploads), or declare it a singleton');
  }
  const user = scalar(spec.user);
  const uid = user === undefined ? undefined : /^\d+/.exec(user)?.[0];
  if (user === undefined) {
    d.notes.push('runs as uid 1000 with a read-only root filesystem (writablePaths: /tmp): images that start as root or write elsewhere need a rootless variant or more writablePaths');
  } else if (uid === '0' || user.split(':')[0] === 'root') {
    d.untranslated.push(`user ${user}: apps never run as root; runs as uid 1000, use a rootless image`);
  } else if (uid !== undefined) {
    d.spec.runAsUser = Number(uid);
  } else {
    d.notes.push(`user "${user}" is a name: set runAsUser to its uid (1000 is used)`);
  }
}

/** Keys of the service that are neither translated nor ignored. */
function untranslatedKeys(d: Draft, spec: JsonMap): void {
  for (const key of Object.keys(spec)) {
    if (TRANSLATED_KEYS.has(key) || key.startsWith('x-')) continue;
    if (IGNORED_KEYS.has(key)) d.ignored.push(key);
    else if (key === 'build' && spec.image !== undefined) d.untranslated.push(`${UNTRANSLATABLE.build} (the spec uses image: ${String(spec.image)})`);
    else if (key === 'network_mode' && spec.network_mode !== 'host') d.untranslated.push(UNTRANSLATABLE.network_mode);
    else d.untranslated.push(UNTRANSLATABLE[key] ?? `${key}: not translated`);
  }
}

/** The spec's text: a header saying where it came from and what needs a person, then the spec. */
function renderSpec(d: Draft, service: string, options: ImportOptions): string {
  const lines = [
    `# Generated by npm run import-compose from ${options.source} (service "${service}").`,
    '# Review it, then npm run synth. Secrets are Bitwarden references only: no value was copied.',
  ];
  const section = (title: string, items: readonly string[]) => {
    if (!items.length) return;
    lines.push('#', `# ${title}:`, ...items.map((i) => `#   - ${i}`));
  };
  section('Needs a person', d.notes);
  section('Not translated', d.untranslated);
  if (d.ignored.length) lines.push('#', `# Ignored (the platform does this its own way): ${d.ignored.join(', ')}`);
  const order = ['description', 'environment', 'image', 'command', 'args', 'replicas', 'singleton', 'strategy', 'ports', 'health', 'env', 'secrets', 'volumes', 'runAsUser', 'capabilities', 'writablePaths', 'expose', 'databases'];
  const ordered: JsonMap = {};
  for (const key of order) {
    const v = d.spec[key];
    if (v === undefined || (isMap(v) && Object.keys(v).length === 0)) continue;
    ordered[key] = v;
  }
  return `${lines.join('\n')}\n${stringify(ordered, { lineWidth: 0 })}`;
}

/** The database services of the file: those whose image the DBaaS replaces. */
function databaseServices(services: readonly ComposeService[]): Map<string, DatabaseService> {
  const out = new Map<string, DatabaseService>();
  for (const svc of services) {
    const engine = databaseEngine(scalar(svc.spec.image));
    if (engine) out.set(svc.name, { service: svc.name, engine, settings: databaseServiceSettings(new Map(environmentOf(svc.spec))) });
  }
  return out;
}

/**
 * Translates every service of a compose file. Pure: nothing is written (see writeImport). The
 * outcomes are in file order: apps (valid specs), rejected services and replaced databases.
 */
export function importCompose(text: string, options: ImportOptions): ServiceOutcome[] {
  const { services, volumes: declaredVolumes } = readCompose(text, options.source);
  const databases = databaseServices(services);
  const domain = options.domain ?? options.site.domain;
  const usedBy = new Map<string, string[]>();
  const outcomes: ServiceOutcome[] = [];
  for (const svc of services) {
    if (databases.has(svc.name)) continue;
    const containerName = scalar(svc.spec.container_name);
    const app = containerName && APP_NAME.test(containerName) ? containerName : kebabName(svc.name);
    const file = path.join(options.outDir, `${app}.yaml`);
    const d: Draft = { spec: { environment: options.environment ?? 'sit', health: {}, expose: {} }, notes: [], untranslated: [], ignored: [], fatal: [] };
    d.spec.description = `${svc.name}, imported from docker-compose`;
    if (!APP_NAME.test(app)) {
      outcomes.push({ kind: 'rejected', service: svc.name, app, file, reasons: [`"${svc.name}" gives no app name (lower-case letters, digits, "-", starting with a letter): rename the service`], untranslated: [] });
      continue;
    }
    if (app === containerName && app !== svc.name) d.notes.push(`the app is named "${app}" after the container_name of the service "${svc.name}"`);
    else if (app !== svc.name) d.notes.push(`the app is named "${app}" after the service "${svc.name}" (app names are lower-case letters, digits and "-")`);
    translateImage(d, svc.spec);
    const env = new Map(environmentOf(svc.spec));
    const bound = translateDatabases(d, svc, env, databases, app);
    bound.forEach((db) => usedBy.set(db, [...(usedBy.get(db) ?? []), svc.name]));
    translateEnvironment(d, env, app);
    const { ports, problems } = portsOf(svc.spec);
    d.untranslated.push(...problems);
    const healthUrl = healthcheckUrl(svc.spec);
    const healthPort = healthUrl ? Number(healthUrl.port || (healthUrl.protocol === 'https:' ? 443 : 80)) : undefined;
    if (healthPort !== undefined && !ports.some((p) => p.container === healthPort)) ports.push({ container: healthPort, protocol: 'TCP' });
    translatePorts(d, ports, healthPort, app, domain);
    const singleWriter = translateVolumes(d, mountsOf(svc.spec), declaredVolumes, app);
    translateProcess(d, svc.spec, healthUrl, singleWriter, singletonStartupSeconds(options.site));
    for (const dep of dependenciesOf(svc.spec).keys()) {
      if (!databases.has(dep)) d.notes.push(`depends on the service "${dep}": reach it as http://${kebabName(dep)}.${options.environment ?? 'sit'}.svc (its Service), not "${dep}"`);
    }
    untranslatedKeys(d, svc.spec);
    if (d.fatal.length) {
      outcomes.push({ kind: 'rejected', service: svc.name, app, file, reasons: d.fatal, untranslated: d.untranslated });
      continue;
    }
    const spec = renderSpec(d, svc.name, options);
    try {
      parseApp(spec, file, options.site);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      outcomes.push({ kind: 'rejected', service: svc.name, app, file, reasons: e.issues.map((i) => `the spec would not be valid: ${formatIssue(i)}`), untranslated: d.untranslated });
      continue;
    }
    outcomes.push({ kind: 'app', service: svc.name, app, file, text: spec, notes: d.notes, untranslated: d.untranslated });
  }
  for (const db of databases.values()) {
    outcomes.push({ kind: 'database', service: db.service, image: String(services.find((s) => s.name === db.service)!.spec.image), engine: db.engine, usedBy: usedBy.get(db.service) ?? [] });
  }
  return outcomes;
}

/** The report of an import, line by line, for stderr. */
export function formatImport(outcomes: readonly ServiceOutcome[]): string[] {
  const lines: string[] = [];
  for (const o of outcomes) {
    if (o.kind === 'database') {
      const users = o.usedBy.length ? `bound by ${o.usedBy.join(', ')}` : 'no service depends on it: clients reach the DBaaS endpoint of site.yaml';
      lines.push(`${o.service}: not imported: the DBaaS ${o.engine} replaces this ${o.image} service (${users})`);
      continue;
    }
    if (o.kind === 'app') {
      lines.push(`${o.service}: wrote ${o.file}`);
      lines.push(...o.notes.map((n) => `  needs a person: ${n}`));
    } else {
      lines.push(`${o.service}: NOT written (${o.file}):`);
      lines.push(...o.reasons.map((r) => `  cannot: ${r}`));
    }
    lines.push(...o.untranslated.map((u) => `  not translated: ${u}`));
  }
  return lines;
}

/**
 * Writes the specs of an import into `outDir` (created when missing). An existing file is left
 * alone and reported unless `force`; returns the files written.
 */
export function writeImport(outcomes: readonly ServiceOutcome[], outDir: string, force = false): { written: string[]; existing: string[] } {
  const written: string[] = [];
  const existing: string[] = [];
  fs.mkdirSync(outDir, { recursive: true });
  for (const o of outcomes) {
    if (o.kind !== 'app') continue;
    const file = path.join(outDir, `${o.app}.yaml`);
    if (fs.existsSync(file) && !force) {
      existing.push(file);
      continue;
    }
    fs.writeFileSync(file, o.text);
    written.push(file);
  }
  return { written, existing };
}
