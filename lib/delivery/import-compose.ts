import * as fs from 'fs';
import * as path from 'path';
import { APP_DEFAULTS, APP_NAME, Environment, IMAGE_REF } from '../config/app-schema';
import { ConfigError, formatIssue } from '../config/errors';
import { parseApp } from '../config/load-apps';
import { LAYER_NEEDS } from '../layers';
import { secretInValue } from '../config/secret-values';
import type { Site } from '../config/schema';
import { readyStep, startupAllowanceSeconds } from '../ha/recovery';
import { JsonMap } from '../k8s/manifest';
import { conventionalBindingEnv } from '../paas/binding-conventions';
import { SINGLETON_TOLERATION_SECONDS } from '../paas/conventions';
import { PROBE_TIMING } from '../paas/probes';
import {
  ComposeError, ComposePort, ComposeService, dependenciesOf, environmentOf, mountsOf, portsOf, scalar, splitCommand,
} from './compose';
import { databaseServiceSettings, DbaasEngine, recogniseDatabase } from './compose-databases';
import { translateDeploy } from './compose-import/deploy';
import { translateHealthcheck } from './compose-import/health';
import { knownPortProtocol } from './compose-import/known-images';
import { ComposeProject, ComposeText, loadComposeProject, ServiceUnresolved } from './compose-import/load';
import { MountPlan, overlaps, planMounts } from './compose-import/mounts';
import { folderNotMade } from './compose-import/out-dir';
import { makeFolders } from '../system-error';
import { FieldComment, renderSpecText } from './compose-import/render';

/**
 * `npm run import-compose`: one app spec per service of a compose project (one or more files, an
 * env file, `--image` for unpinned or build-only services). Database services are not imported (the
 * site's DBaaS replaces them; services that use them get a binding); everything that cannot be
 * translated is listed per service, on stderr and in the spec's header. Every spec is validated
 * with parseApp against the site before it is written; a service whose spec cannot be valid yet
 * (a build-only image, a volume or database another service uses too, a host nothing answers
 * at, a call of a service that is a draft, ...) becomes a DRAFT in `<out>/drafts/`, which synth
 * does not load, with each open question as a comment at its field. A service that depends on or
 * names another that gets a Service calls it (`calls`): the platform's namespaces let an app
 * through to another only then.
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

/** Ports IANA registers for HTTP: HTTP by their number when nothing else in the file says so (reported). */
const IANA_HTTP_PORTS = new Set([80, 8080]);
/** Ports that usually speak TLS themselves (the gateway forwards plain HTTP). */
const TLS_PORTS = new Set([443, 8443]);
/** Variables whose value is the port the app's web server listens on. */
const HTTP_PORT_VARS = /^(PORT|HTTP_PORT|WEB_PORT|SERVER_PORT|APP_PORT|LISTEN_PORT|[A-Z_]*_HTTP_PORT)$/;
/** URL schemes of databases the DBaaS may serve (hard-coded hosts in them are reported). */
const DATABASE_URL = /\b(postgres|postgresql|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|memcached|mqtt|elasticsearch):\/\/(?:[^\s@/]*@)?([^\s:/?#,]+)/g;
/** The folder of the output where drafts go (synth reads only the files of apps/, not its folders). */
export const DRAFTS_DIR = 'drafts';
/** Environment variable names whose values are secrets (never written as literals). */
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|KEY|(^|_)PASS($|_)/i;
/** The variables a database binding sets, after its prefix. */
const BINDING_SUFFIXES = ['HOST', 'PORT', 'NAME', 'USER', 'PASSWORD'] as const;
const ENV_PREFIX = /^[A-Z][A-Z0-9_]*$/;
const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Service keys that the platform does its own way: dropped, and named in the header. */
const IGNORED_KEYS = new Set(['restart', 'container_name', 'hostname', 'networks', 'logging', 'labels', 'stop_grace_period', 'stop_signal', 'init', 'tty', 'stdin_open', 'cap_drop', 'read_only', 'domainname', 'platform', 'pull_policy']);
/** Service keys translated by this importer. */
const TRANSLATED_KEYS = new Set(['image', 'ports', 'expose', 'environment', 'volumes', 'tmpfs', 'depends_on', 'links', 'command', 'entrypoint', 'healthcheck', 'deploy', 'user', 'build']);
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
  /** The compose file as the header names it (the first one, when there are several). */
  readonly source: string;
  /**
   * The folder of the (first) compose file, which relative bind-mount host paths are read from
   * (is `./x` a file or a folder?). @default - host paths are not looked at; their names decide
   */
  readonly projectDir?: string;
  /** Folder the specs go to, as the messages name it (`apps`). */
  readonly outDir: string;
  /** Files merged over the first one, in order (`-f a.yml -f b.yml`). */
  readonly overrides?: readonly ComposeText[];
  /** Interpolation variables (the `.env` next to the compose file, or `--env-file`s). */
  readonly vars?: ReadonlyMap<string, string>;
  /** Images given for services (`--image svc=ref`): used instead of the file's (unpinned or missing) image. */
  readonly images?: ReadonlyMap<string, string>;
  /** Prefix of every app name (`--prefix shop` names the service web `shop-web`). */
  readonly prefix?: string;
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

/** A service whose spec cannot be valid yet: a draft in `<outDir>/drafts/`, which synth does not load. */
export interface DraftedService {
  readonly kind: 'draft';
  readonly service: string;
  readonly app: string;
  /** `<outDir>/drafts/<app>.yaml`. */
  readonly file: string;
  /** The draft, its open questions as comments at their fields. */
  readonly text: string;
  /** The open questions: what keeps the spec from being valid, and what to do. */
  readonly reasons: readonly string[];
  readonly notes: readonly string[];
  readonly untranslated: readonly string[];
}

/** A service that gives no spec at all (no app name can be made of it), or whose file exists already. */
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
  /** What a person must confirm before the DBaaS stands in for it (extensions, modules, an image known by name only). */
  readonly caveat?: string;
  /** Services bound to it. */
  readonly usedBy: readonly string[];
}

export type ServiceOutcome = ImportedApp | DraftedService | RejectedService | ReplacedDatabase;

/** A database service as the services using it see it. */
interface DatabaseService {
  readonly service: string;
  readonly image: string;
  readonly engine: DbaasEngine;
  /** Why the DBaaS may not be enough for it: each service bound to it gets an open question. */
  readonly caveat?: string;
  readonly settings: { name?: string; user?: string };
}

/** The spec under construction, with what the header will say. */
interface Translation {
  readonly spec: JsonMap;
  readonly notes: string[];
  readonly untranslated: string[];
  readonly ignored: string[];
  /** Problems that keep the spec from being valid, at the field they concern: the draft's open questions. */
  readonly open: FieldComment[];
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

/** Why a container port is (not) HTTP, from what the file says: healthcheck, image, environment; the number last. */
function portEvidence(p: ComposePort, healthPort: number | undefined, image: string | undefined, env: ReadonlyMap<string, string | undefined>): { http: boolean; why: string; certain: boolean } {
  if (p.protocol === 'UDP') return { http: false, why: 'UDP', certain: true };
  if (p.container === healthPort) return { http: true, why: 'the healthcheck fetches it over HTTP', certain: true };
  const known = knownPortProtocol(image, p.container);
  if (known) return { http: known === 'http', why: `the image ${image} serves ${known === 'http' ? 'HTTP' : 'another protocol'} on it`, certain: true };
  const byVar = [...env].find(([k, v]) => HTTP_PORT_VARS.test(k) && v === String(p.container));
  if (byVar) return { http: true, why: `env ${byVar[0]} sets it as the web server's port`, certain: true };
  const byUrl = [...env].find(([, v]) => v !== undefined && new RegExp(`^https?://(localhost|127\\.0\\.0\\.1|0\\.0\\.0\\.0):${p.container}(/|$)`).test(v));
  if (byUrl) return { http: true, why: `env ${byUrl[0]} is an HTTP URL on it`, certain: true };
  if (TLS_PORTS.has(p.container)) return { http: false, why: 'it is the usual TLS port', certain: false };
  if (IANA_HTTP_PORTS.has(p.container)) return { http: true, why: 'its number is the one IANA registers for HTTP (nothing else in the file says so)', certain: false };
  return { http: false, why: 'nothing in the file says what it speaks', certain: false };
}

/** Ports of the spec: the HTTP one (named `http`) first, then the others as `tcp-<n>` / `udp-<n>`; no ports makes a worker. */
function translatePorts(t: Translation, ports: readonly ComposePort[], healthPort: number | undefined, image: string | undefined, env: ReadonlyMap<string, string | undefined>, app: string, domain: string): void {
  const unique = ports.filter((p, i) => ports.findIndex((q) => q.container === p.container && q.protocol === p.protocol) === i);
  if (!unique.length) {
    t.spec.kind = 'worker';
    t.notes.push('no ports (ports:, expose: or a healthcheck URL): a worker (kind: worker), reached by nobody; if it does listen, add the port and make it a web app');
    return;
  }
  const evidence = new Map(unique.map((p) => [p, portEvidence(p, healthPort, image, env)]));
  const published = (p: ComposePort) => ports.some((q) => q.container === p.container && q.protocol === p.protocol && (q.published !== undefined || q.hostIp !== undefined));
  const httpCandidates = unique.filter((p) => evidence.get(p)!.http);
  const httpPort = httpCandidates.find((p) => published(p) && evidence.get(p)!.certain) ?? httpCandidates.find(published) ?? httpCandidates[0];
  const rank = (p: ComposePort) => (p === httpPort ? 0 : p.protocol === 'TCP' ? 1 : 2);
  const ordered = [...unique].sort((a, b) => rank(a) - rank(b));
  const nameOf = (p: ComposePort) => (p === httpPort ? 'http' : `${p.protocol.toLowerCase()}-${p.container}`);
  t.spec.ports = ordered.map((p) => ({ name: nameOf(p), port: p.container, ...(p.protocol === 'UDP' ? { protocol: 'UDP' } : {}) }));
  for (const p of unique) {
    const e = evidence.get(p)!;
    if (p === httpPort) t.notes.push(`port ${p.container} speaks HTTP: ${e.why}${e.certain ? '' : '; check it'}`);
    else if (e.http) t.notes.push(`port ${p.container} also speaks HTTP (${e.why})`);
    else if (!e.certain) t.notes.push(`port ${p.container}: ${e.why}; ${published(p) ? 'exposed as raw TCP' : 'inside the cluster only'}; if it serves HTTP, name it http and put it under expose.http`);
  }
  const tcp: JsonMap[] = [];
  const seen = new Set<string>();
  for (const p of ports) {
    if (p.published === undefined && p.hostIp === undefined) continue;
    const key = `${p.container}/${p.protocol}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const local = p.hostIp !== undefined && /^(127\.|::1$|localhost$)/.test(p.hostIp);
    if (local && p.container !== httpPort?.container) {
      t.notes.push(`port ${p.container} was published on ${p.hostIp} only (local access): not exposed`);
      continue;
    }
    if (httpPort && p.container === httpPort.container && p.protocol === 'TCP') {
      if (local) t.notes.push(`port ${p.container} was published on ${p.hostIp} only (for a reverse proxy on the host): the gateway takes that role`);
      (t.spec.expose as JsonMap).http = { host: `${app}.${domain}` };
      t.notes.push(`published port ${p.published ?? p.container} -> http://${app}.${domain} through the gateway (TLS at HAProxy; add the entry of dist/hosts/haproxy/)`);
      continue;
    }
    if (p.protocol === 'UDP') {
      t.untranslated.push(`port ${p.published ?? p.container}/udp: load balancers here carry TCP only; the port is reachable inside the cluster`);
      continue;
    }
    const speaksHttp = [...evidence].some(([q, e]) => q.container === p.container && q.protocol === p.protocol && e.http);
    if (speaksHttp) {
      t.notes.push(`published port ${p.published ?? p.container} speaks HTTP too: not exposed (an app has one HTTP host, on its http port); reachable inside the cluster on the app's Service, or make it a second app`);
      continue;
    }
    if (TLS_PORTS.has(p.container)) t.notes.push(`port ${p.container} usually serves TLS itself: exposed as raw TCP; prefer its plain HTTP port behind the gateway`);
    tcp.push({ port: nameOf(p), ...(p.published !== undefined && p.published !== p.container ? { externalPort: p.published } : {}) });
  }
  if (tcp.length) (t.spec.expose as JsonMap).tcp = tcp;
  const low = unique.filter((p) => p.container < 1024).map((p) => p.container);
  if (low.length) {
    t.spec.capabilities = ['NET_BIND_SERVICE'];
    t.notes.push(`listens on port ${low.join(', ')} (below 1024) as a non-root user: granted capabilities [NET_BIND_SERVICE]; drop it if the app can listen on a port from 1024 up`);
  }
}

/** The volumes of the project's app services: who mounts each named volume, and each bind-mounted host path that becomes a volume. */
interface VolumeUse {
  readonly named: ReadonlyMap<string, readonly string[]>;
  readonly hostPaths: readonly { readonly service: string; readonly host: string; readonly source: string }[];
}

/**
 * Volumes (Longhorn, ReadWriteOnce), tmpfs as writable paths; a volume makes the app a single
 * writer. Source code bind-mounted from the build context is dropped (the image carries it), with
 * the anonymous volumes under it; a named volume or a host folder another app service mounts too
 * is an open question (lib/delivery/compose-import/mounts.ts says what becomes of each mount).
 */
function translateVolumes(t: Translation, svc: ComposeService, plans: readonly MountPlan[], declared: Readonly<Record<string, JsonMap | null>>, app: string, use: VolumeUse): string[] {
  const volumes: JsonMap[] = [];
  const writable = ['/tmp'];
  const names = new Set<string>();
  const shareQuestion = 'two apps cannot share one volume (each app\'s volumes are its own ReadWriteOnce claims); run them as one app, or share the data another way (a DBaaS, object storage)';
  for (const plan of plans) {
    const m = plan.mount;
    if (plan.kind === 'writable') {
      if (!writable.includes(m.target)) writable.push(m.target);
      continue;
    }
    if (plan.kind === 'dropped') {
      t.notes.push(plan.note);
      continue;
    }
    if (plan.kind === 'untranslated') {
      t.untranslated.push(plan.text);
      continue;
    }
    const base = kebabName(m.type === 'volume' ? m.source!.replace(new RegExp(`^${app.replace(/-/g, '[-_]')}[-_]`), '') : path.posix.basename(m.target), 15) || 'data';
    let name = base;
    for (let i = 2; names.has(name); i++) name = `${base.slice(0, 13)}-${i}`;
    names.add(name);
    volumes.push({ name, mountPath: m.target, size: IMPORTED_VOLUME_SIZE });
    const from = m.type === 'volume' ? `named volume "${m.source}"` : m.type === 'bind' ? `bind mount ${m.source}` : 'an anonymous volume';
    t.notes.push(`volume ${name} at ${m.target} (from ${from}): ${IMPORTED_VOLUME_SIZE} is a guess, set the real size; copy the existing data in before the first start`);
    const top = m.type === 'volume' && m.source ? declared[m.source] : undefined;
    if (top && (top.external || top.driver_opts)) t.notes.push(`volume "${m.source}" is external or has driver options in the compose file: its data lives elsewhere today`);
    if (m.type === 'volume') {
      const others = (use.named.get(m.source!) ?? []).filter((s) => s !== svc.name);
      if (others.length) t.open.push({ field: 'volumes', text: `the named volume "${m.source}" is also mounted by ${others.map((o) => `"${o}"`).join(', ')}: ${shareQuestion}` });
    } else if (plan.host !== undefined) {
      const others = use.hostPaths.filter((u) => u.service !== svc.name && overlaps(u.host, plan.host!));
      const by = [...new Set(others.map((o) => o.service))].map((o) => `"${o}"${others.filter((x) => x.service === o).every((x) => x.host === plan.host) ? '' : ` (as ${others.filter((x) => x.service === o).map((x) => x.source).join(', ')})`}`);
      if (by.length) t.open.push({ field: 'volumes', text: `the host folder ${m.source} is also mounted by ${by.join(', ')}: ${shareQuestion}` });
    }
  }
  if (volumes.length) t.spec.volumes = volumes;
  if (writable.length > 1) t.spec.writablePaths = writable;
  return volumes.map((v) => String(v.name));
}

/** The database services a service uses: by depends_on / links, and by host names in its env values. */
function usedDatabases(svc: ComposeService, env: ReadonlyMap<string, string | undefined>, databases: ReadonlyMap<string, DatabaseService>): Map<string, { hosts: Set<string>; how: string }> {
  const used = new Map<string, { hosts: Set<string>; how: string }>();
  for (const [dep, hosts] of dependenciesOf(svc.spec)) {
    if (databases.has(dep)) used.set(dep, { hosts, how: 'depends_on/links' });
  }
  for (const db of databases.keys()) {
    if (used.has(db)) continue;
    const hosts = new Set([db]);
    const by = [...env].find(([, v]) => v !== undefined && mentionsHost(v, hosts));
    if (by) used.set(db, { hosts, how: `env ${by[0]} names its host` });
  }
  return used;
}

/**
 * Database services bound so far, and every app service that uses each: the platform gives each
 * app a database of its own, so the first service (in file order) binds a shared one and the others ask.
 */
interface DatabaseSharing {
  /** Database service -> the app services that use it, in file order. */
  readonly users: ReadonlyMap<string, readonly string[]>;
  /** Database service -> the first service bound to it and the database its binding names. */
  readonly first: Map<string, { readonly service: string; readonly name: string }>;
}

/**
 * Database services the service uses become DBaaS bindings. The variables come from the typed
 * table of images (conventionalBindingEnv) when it knows the image, else from the app's own
 * `<P>_HOST` variable (envPrefix P); the variables the binding sets, and those that pointed at the
 * database service, leave env:. Database hosts that are no service of the file are reported. A
 * database service that an earlier service binds too is an open question (two apps cannot bind one
 * database), its binding naming that database so that nothing splits the data unnoticed.
 */
function translateDatabases(t: Translation, svc: ComposeService, image: string | undefined, env: Map<string, string | undefined>, databases: ReadonlyMap<string, DatabaseService>, app: string, serviceNames: ReadonlySet<string>, sharing: DatabaseSharing): string[] {
  const bound: string[] = [];
  const bindings: JsonMap[] = [];
  for (const [dep, { hosts, how }] of usedDatabases(svc, env, databases)) {
    const db = databases.get(dep)!;
    bound.push(dep);
    const binding: JsonMap = { engine: db.engine };
    const hostVars = [...env].filter(([, v]) => v !== undefined && mentionsHost(v, hosts)).map(([k]) => k);
    const conventional = image ? conventionalBindingEnv(image, db.engine) : undefined;
    const lines: string[] = [];
    let dbName = db.settings.name;
    if (conventional) {
      binding.env = { ...conventional };
      const replaced = Object.keys(conventional).filter((k) => env.has(k));
      replaced.forEach((k) => env.delete(k));
      lines.push(`database service "${dep}" (${how}) -> DBaaS ${db.engine} binding; the variables ${image} reads come from the platform's table: ${Object.keys(conventional).join(', ')} (credentials: Bitwarden login item app-${app}-${db.engine})`);
      if (replaced.length) lines.push(`the binding replaces the app's ${replaced.join(', ')}`);
    } else {
      const prefixVar = hostVars.find((k) => k.endsWith('_HOST') && ENV_PREFIX.test(k.slice(0, -5)));
      const prefix = prefixVar?.slice(0, -5);
      const replaced: string[] = [];
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
      const sets = BINDING_SUFFIXES.map((s) => `${prefix ?? db.engine.toUpperCase()}_${s}`).join(', ');
      lines.push(`database service "${dep}" (${how}) -> DBaaS ${db.engine} binding (sets ${sets}; credentials: Bitwarden login item app-${app}-${db.engine}); the platform's table does not know ${image ?? 'the image'}: if it reads other names, write them under databases[].env`);
      if (replaced.length) lines.push(`the binding replaces the app's ${replaced.join(', ')}`);
    }
    const stale = hostVars.filter((k) => env.has(k));
    stale.forEach((k) => env.delete(k));
    if (stale.length) lines.push(`removed ${stale.join(', ')} (pointed at "${dep}", which will not exist): ${conventional ? 'the binding sets what the image reads' : 'set it from the binding\'s variables'}`);
    if (dbName && DATABASE_NAME.test(dbName) && dbName !== app.replace(/-/g, '_')) binding.name = dbName;
    const first = sharing.first.get(dep);
    if (!first) {
      sharing.first.set(dep, { service: svc.name, name: String(binding.name ?? app.replace(/-/g, '_')) });
      const others = (sharing.users.get(dep) ?? []).filter((s) => s !== svc.name);
      if (others.length) lines.push(`the database service "${dep}" is also used by ${others.map((o) => `"${o}"`).join(', ')}: the platform gives each app a database of its own, so ${others.length === 1 ? `${others[0]}'s draft asks` : `the drafts of ${others.join(', ')} ask`} what to do`);
    } else {
      binding.name = first.name;
      t.open.push({ field: 'databases', text: `the database service "${dep}" is also used by "${first.service}", whose spec binds its ${db.engine} database "${first.name}": the platform gives each app a database of its own (synth refuses two apps on one); run them as one app, or give this one its own database (another name) and reach ${first.service}'s data through ${first.service}` });
    }
    if (db.settings.user) lines.push(`the database service created the user "${db.settings.user}": the DBaaS account is the login item's username`);
    if (db.caveat) t.open.push({ field: 'databases', text: `the database service "${dep}" runs ${db.image}: ${db.caveat}; ask the DBaaS operators whether it has what this app uses, then remove this question (if it does not, the app cannot use the DBaaS ${db.engine})` });
    bindings.push(binding);
    t.notes.push(...lines);
  }
  for (const [name, value] of env) {
    for (const m of (value ?? '').matchAll(DATABASE_URL)) {
      const host = m[2];
      if (serviceNames.has(host) || /^(localhost|127\.0\.0\.1)$/.test(host)) continue;
      t.notes.push(`env ${name} names the database host "${host}" (${m[1]}), which is no service of the compose file: a hard-coded database outside it; keep it, or bind the app to the DBaaS (databases:) and drop ${name}`);
    }
  }
  if (bindings.length) t.spec.databases = bindings;
  return bound;
}

/**
 * Environment: plain values to env:, secret-named ones and values that hold a secret whatever
 * the name (`SMTP_URL=smtp://user:password@host`: lib/config/secret-values.ts) to Bitwarden
 * references under secrets:. A `*_FILE` variable holding a path names a file and stays plain.
 */
function translateEnvironment(t: Translation, env: ReadonlyMap<string, string | undefined>, unresolved: readonly ServiceUnresolved[], app: string): void {
  const plain: JsonMap = {};
  const secrets: JsonMap = {};
  for (const [name, value] of env) {
    const fileName = /_FILE$/i.test(name) && value !== undefined && /^\.{0,2}\//.test(value);
    if (SECRET_NAME.test(name) && !fileName) {
      secrets[name] = secretReference(app, name);
      continue;
    }
    if (value === undefined) {
      t.untranslated.push(`environment ${name} takes its value from the shell running compose, and no env file sets it: add it to env: or secrets: by hand`);
      continue;
    }
    const found = secretInValue(value, name);
    if (found) {
      secrets[name] = secretReference(app, name);
      t.notes.push(`env ${name} holds ${found.what}: it is a secret whatever its name, so it became ${secretReference(app, name)} under secrets: (put the whole value in that Bitwarden item)`);
      continue;
    }
    if (fileName) t.notes.push(`env ${name} names a file (${value}) that compose secrets: filled; they are not carried over: mount the file, or set ${name.replace(/_FILE$/i, '')} under secrets: and drop ${name}`);
    const missing = unresolved.filter((u) => u.field === 'environment' && (u.path === `environment.${name}` || /^environment\[\d+\]$/.test(u.path)) && value.includes(`$`) && value.includes(u.variable));
    // `${X:?message}`: compose refuses to run without X; the spec cannot be valid with the placeholder as the value.
    const required = missing.filter((u) => u.required !== undefined);
    if (required.length) {
      t.open.push({ field: 'env', text: `env ${name} needs ${[...new Set(required.map((u) => `\${${u.variable}}`))].join(', ')}, which compose requires (the file says: ${required.map((u) => u.required || 'set it').join('; ')}) and no env file sets: write the value here, or import again with --env-file` });
      continue;
    }
    if (missing.length) t.notes.push(`env ${name} uses ${[...new Set(missing.map((u) => `\${${u.variable}}`))].join(', ')}, which no env file sets: replace it with the value`);
    plain[name] = value;
  }
  if (Object.keys(plain).length) t.spec.env = plain;
  if (Object.keys(secrets).length) {
    t.spec.secrets = secrets;
    t.notes.push(`create the Bitwarden items ${Object.values(secrets).map((s) => String(s).slice('bitwarden:'.length)).join(', ')} (values were not copied)`);
  }
}

/** The image (or the one `--image` gives); an unpinned or missing one is an open question. */
function translateImage(t: Translation, svc: ComposeService, unresolved: readonly ServiceUnresolved[], given: string | undefined): string | undefined {
  if (given !== undefined) {
    t.spec.image = given;
    t.notes.push(svc.spec.image === undefined ? `image ${given} given with --image (the service is built from source in compose)` : `image ${given} given with --image instead of "${String(svc.spec.image)}"`);
    return given;
  }
  if (svc.spec.image === undefined) {
    t.spec.image = 'TODO';
    t.open.push({
      field: 'image',
      text: svc.spec.build !== undefined
        ? `no image (only build:): build and push it to Harbor (Jenkins platformRelease), then write registry.<domain>/apps/<app>:<tag> here, or import again with --image ${svc.name}=<ref>`
        : 'no image: an app spec runs an image',
    });
    return undefined;
  }
  const value = String(svc.spec.image);
  t.spec.image = value;
  const missing = unresolved.filter((u) => u.field === 'image');
  const m = IMAGE_REF.exec(value);
  if (missing.length) t.open.push({ field: 'image', text: `image "${value}" uses ${missing.map((u) => `\${${u.variable}}`).join(', ')}, which no env file sets: write the image with its version, or give --env-file / --image ${svc.name}=<ref>` });
  else if (!m) t.open.push({ field: 'image', text: `image "${value}" is not an image reference the platform accepts ("registry/repository:tag" in lower case)` });
  else if (!m.groups?.digest && (!m.groups?.tag || m.groups.tag === 'latest')) {
    t.open.push({ field: 'image', text: `image "${value}" is not pinned: write a version tag (not "latest") or a digest @sha256:..., the one running today (docker inspect --format '{{index .RepoDigests 0}}' ${value}), or import again with --image ${svc.name}=<ref>` });
  }
  return value;
}

/**
 * Other services of the file that the spec's command, args or plain env values name as a host
 * (`db:5432`, `//nats`, `nc -z mongodb 27017`): in Kubernetes they are not reachable by that name.
 * Bare words are not hosts (a service named `worker` in `run worker` is not a reference).
 */
function hostsNamed(spec: JsonMap, others: readonly string[]): { service: string; where: string }[] {
  const places: [string, string][] = [
    ...(['command', 'args'] as const).filter((k) => Array.isArray(spec[k])).map((k) => [k, (spec[k] as unknown[]).join(' ')] as [string, string]),
    ...Object.entries((spec.env as JsonMap | undefined) ?? {}).map(([k, v]) => [`env ${k}`, String(v)] as [string, string]),
  ];
  const out: { service: string; where: string }[] = [];
  for (const service of others) {
    const name = service.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const host = new RegExp(`(?<![\\w.-])${name}(?=:\\d)|//(?:[^\\s/@]*@)?${name}(?![\\w.-])|\\b(?:nc|ping|pg_isready|mysqladmin|redis-cli|wait-for-it(?:\\.sh)?)\\b[^\\n;|&]*?(?:-h\\s*|\\s)${name}(?![\\w.-])`);
    for (const [where, text] of places) if (host.test(text)) out.push({ service, where });
  }
  return out;
}

/** Command/entrypoint, health, replicas and resources, user. */
function translateProcess(t: Translation, svc: ComposeService, singleWriter: readonly string[], startupSeconds: number): void {
  const spec = svc.spec;
  const command = splitCommand(spec.entrypoint);
  const args = splitCommand(spec.command);
  if (command) t.spec.command = command;
  if (args) t.spec.args = args;
  if ((command && typeof spec.entrypoint === 'string') || (args && typeof spec.command === 'string')) {
    const joined = [...(command ?? []), ...(args ?? [])].join(' ');
    if (/[|&;<>$`]/.test(joined)) t.notes.push('the command uses shell syntax: run it through ["sh", "-c", "..."] if the image has a shell');
  }
  const health = t.spec.health as JsonMap;
  const hc = translateHealthcheck(spec, svc.name);
  const ports = (t.spec.ports as JsonMap[] | undefined) ?? [];
  if (hc?.http) {
    health.path = hc.http.path;
    const port = ports.find((p) => p.port === hc.http!.port);
    if (port && port !== ports[0]) health.port = port.name;
  } else if (hc?.command) {
    health.command = [...hc.command];
  } else if (ports.length) {
    t.notes.push('no healthcheck: readiness is a TCP check of the first port; set health.path to an HTTP endpoint that answers 200 when the app is ready');
  } else {
    t.notes.push('no healthcheck: a worker without a probe is only restarted when it exits; set health.command to a command that fails when it is stuck');
  }
  if (hc) {
    t.notes.push(...hc.notes);
    if (hc.periodSeconds !== undefined) health.periodSeconds = hc.periodSeconds;
    if (hc.timeoutSeconds !== undefined) health.timeoutSeconds = hc.timeoutSeconds;
    if (hc.failureThreshold !== undefined) health.failureThreshold = hc.failureThreshold;
  }
  const deploy = translateDeploy(spec);
  t.notes.push(...deploy.notes);
  t.untranslated.push(...deploy.untranslated);
  if (deploy.resources) {
    const requests = { cpu: deploy.resources.requests?.cpu ?? APP_DEFAULTS.requests.cpu, memory: deploy.resources.requests?.memory ?? APP_DEFAULTS.requests.memory };
    const limits = { ...(deploy.resources.limits?.cpu ? { cpu: deploy.resources.limits.cpu } : {}), memory: deploy.resources.limits?.memory ?? APP_DEFAULTS.limits.memory };
    t.spec.resources = { requests, limits };
    t.notes.push('resources from deploy.resources (reservations -> requests, limits -> limits); the platform defaults fill what it does not give');
  }
  const replicas = deploy.replicas;
  if (singleWriter.length) {
    t.spec.replicas = 1;
    t.spec.singleton = `single writer of its ReadWriteOnce volume${singleWriter.length > 1 ? 's' : ''} ${singleWriter.join(', ')} (imported from docker-compose)`;
    t.spec.strategy = { type: 'recreate' };
    health.startupSeconds = startupSeconds;
    t.notes.push(`start-up limited to ${startupSeconds} s (health.startupSeconds) so that a singleton is back within ha.recoveryBudgetSeconds after its node dies${hc?.startSeconds !== undefined && hc.startSeconds > startupSeconds ? ` (the healthcheck's start_period was ${hc.startSeconds} s)` : ''}; measure the real start-up with npm run drill`);
    t.notes.push('a singleton (one replica, recreate) because its volumes take one writer; if the app can share them, use accessMode: ReadWriteMany and more replicas');
    if (replicas !== undefined && replicas > 1) t.notes.push(`deploy.replicas was ${replicas}: lowered to 1 for the ReadWriteOnce volumes`);
  } else {
    if (hc?.startSeconds !== undefined) health.startupSeconds = Math.min(600, hc.startSeconds);
    if (replicas !== undefined && replicas >= 2) t.spec.replicas = replicas;
    else t.notes.push(`runs 2 replicas (the platform default) where compose ran ${replicas ?? 1}: check the app keeps no state in its pods (sessions, uploads), or declare it a singleton`);
  }
  const user = scalar(spec.user);
  const uid = user === undefined ? undefined : /^\d+/.exec(user)?.[0];
  if (user === undefined) {
    t.notes.push('runs as uid 1000 with a read-only root filesystem (writablePaths: /tmp): images that start as root or write elsewhere need a rootless variant or more writablePaths');
  } else if (uid === '0' || user.split(':')[0] === 'root') {
    t.untranslated.push(`user ${user}: apps never run as root; runs as uid 1000, use a rootless image`);
  } else if (uid !== undefined) {
    t.spec.runAsUser = Number(uid);
  } else {
    t.notes.push(`user "${user}" is a name: set runAsUser to its uid (1000 is used)`);
  }
}

/** Keys of the service that are neither translated nor ignored. */
function untranslatedKeys(t: Translation, spec: JsonMap, imageGiven: boolean): void {
  for (const key of Object.keys(spec)) {
    if (key === 'build') {
      if (spec.image !== undefined || imageGiven) t.untranslated.push(`${UNTRANSLATABLE.build} (the spec uses image: ${String(t.spec.image)})`);
      continue;
    }
    if (TRANSLATED_KEYS.has(key) || key.startsWith('x-')) continue;
    if (IGNORED_KEYS.has(key)) t.ignored.push(key);
    else if (key === 'network_mode' && spec.network_mode !== 'host') t.untranslated.push(UNTRANSLATABLE.network_mode);
    else t.untranslated.push(UNTRANSLATABLE[key] ?? `${key}: not translated`);
  }
}

/** Variables used under keys the import does not translate, so that the report names every missing value. */
function otherUnresolved(t: Translation, unresolved: readonly ServiceUnresolved[]): void {
  for (const u of unresolved) {
    if (u.field === 'image' || u.field === 'environment') continue;
    if (u.required !== undefined) t.open.push({ field: u.field, text: `${u.path} uses \${${u.variable}}, which compose requires (the file says: ${u.required || 'set it'}) and no env file sets: write the value, or import again with --env-file` });
    else t.notes.push(`${u.path} uses \${${u.variable}}, which no env file sets: it was left as written`);
  }
}

/** The header of a spec or draft: where it came from and what needs a person. */
function header(t: Translation, service: string, options: ImportOptions, draft: boolean): string[] {
  const lines = [
    `Generated by npm run import-compose from ${[options.source, ...(options.overrides ?? []).map((o) => o.name)].join(' + ')} (service "${service}").`,
    ...(draft
      ? [`DRAFT: synth does not load ${DRAFTS_DIR}/. Answer each OPEN question at its field, then move this file to ${options.outDir}/ and npm run synth.`]
      : ['Review it, then npm run synth.']),
    'Secrets are Bitwarden references only: no value was copied.',
  ];
  const section = (title: string, items: readonly string[]) => {
    if (!items.length) return;
    lines.push('', `${title}:`, ...items.map((i) => `  - ${i}`));
  };
  section('Needs a person', t.notes);
  section('Not translated', t.untranslated);
  if (t.ignored.length) lines.push('', `Ignored (the platform does this its own way): ${t.ignored.join(', ')}`);
  return lines;
}

/** The container ports of a service (ports:, expose:, the port its healthcheck fetches) and the entries that are none. */
function containerPorts(svc: ComposeService): { ports: ComposePort[]; problems: string[]; healthPort?: number } {
  const { ports, problems } = portsOf(svc.spec);
  const healthPort = translateHealthcheck(svc.spec, svc.name)?.http?.port;
  if (healthPort !== undefined && !ports.some((p) => p.container === healthPort)) ports.push({ container: healthPort, protocol: 'TCP' });
  return { ports, problems, healthPort };
}

/** How other apps reach a service once imported: its app and its Service's name, or why it has none and what gives it one. */
type Reach = { readonly host: string; readonly app: string } | { readonly none: string; readonly fix: string; readonly worker: boolean };

/**
 * The Service an imported service gets (`<app>.<env>.svc`): an app with a port has one (a draft's
 * too, once finished); a worker has none, nor a service no spec is made of.
 */
function serviceReach(target: ComposeService | undefined, options: ImportOptions): Reach {
  if (!target) return { none: 'which is no service of the compose file', fix: 'check the name', worker: false };
  const { app } = appNameOf(target, options.prefix);
  const host = `${app}.${options.environment ?? 'sit'}.svc`;
  if (!APP_NAME.test(app)) return { none: 'which gets no spec (no app name can be made of it: see its report), so no Service', fix: 'rename it or import again with --prefix', worker: false };
  if (!containerPorts(target).ports.length) {
    return { none: 'which becomes a worker without a Service (it declares no port: ports:, expose: or a healthcheck URL)', fix: `add the port it listens on to "${target.name}" (ports: or expose:) and import again; it is then reached as ${host}`, worker: true };
  }
  return { host, app };
}

/**
 * Notes on the other services this one depends on or names as hosts (`db:5432`, `//queue`,
 * `nc -z cache`): their Service's name, which is not the compose name; a service that gets no
 * Service (a worker) is said to have none, and a host named in the spec that nothing will answer
 * at is an open question at that field. Each one that gets a Service is called (`calls: [{ app }]`,
 * every port of its Service): the namespace lets an app through to another app only then, where
 * compose's network let every service reach every other. Returns the services called.
 */
function translateReach(t: Translation, svc: ComposeService, services: readonly ComposeService[], databases: ReadonlyMap<string, DatabaseService>, reachOf: (name: string) => Reach): string[] {
  const deps = [...dependenciesOf(svc.spec).keys()];
  const named = hostsNamed(t.spec, services.map((s) => s.name).filter((n) => n !== svc.name));
  const called: { service: string; app: string }[] = [];
  const call = (service: string, app: string) => {
    if (!called.some((c) => c.app === app)) called.push({ service, app });
  };
  const reached = (host: string) => `reach it as ${host} (its Service; calls lets this app through to it)`;
  for (const dep of deps) {
    if (databases.has(dep)) continue;
    const reach = reachOf(dep);
    if ('host' in reach) {
      call(dep, reach.app);
      t.notes.push(`depends on the service "${dep}": ${reached(reach.host)}, not "${dep}"`);
    // A host named in the spec is an open question below; depends_on alone may only order the start.
    } else if (!named.some((n) => n.service === dep)) t.notes.push(`depends on the service "${dep}", ${reach.none}, so nothing reaches it by name${reach.worker ? '; if it listens, ' : ': '}${reach.fix}`);
  }
  for (const { service, where } of named) {
    if (databases.has(service)) {
      t.notes.push(`${where} names the database host "${service}", which will not exist (the DBaaS replaces it): use the binding's variables there`);
      continue;
    }
    const reach = reachOf(service);
    if (!('host' in reach)) {
      t.open.push({ field: where.split(' ')[0], text: `${where} names the host "${service}", ${reach.none}, so nothing answers there: ${reach.fix}` });
      continue;
    }
    call(service, reach.app);
    if (!deps.includes(service)) t.notes.push(`${where} names the host "${service}": ${reached(reach.host)}, not "${service}"`);
  }
  if (called.length) t.spec.calls = called.map((c) => ({ app: c.app }));
  return called.map((c) => c.service);
}

/**
 * A service's environment, map or list form (`KEY=value`, or `KEY` alone: the value of the shell
 * running compose, which the import takes from the env files; undefined when none sets it).
 */
function serviceEnvironment(spec: JsonMap, vars: ReadonlyMap<string, string> | undefined): Map<string, string | undefined> {
  return new Map(environmentOf(spec).map(([k, v]) => [k, v ?? vars?.get(k)] as [string, string | undefined]));
}

/** The database services of the file: those whose image the DBaaS replaces, with the database and user their environment creates. */
function databaseServices(services: readonly ComposeService[], vars: ReadonlyMap<string, string> | undefined): Map<string, DatabaseService> {
  const out = new Map<string, DatabaseService>();
  for (const svc of services) {
    const image = scalar(svc.spec.image);
    const found = recogniseDatabase(image);
    if (found) out.set(svc.name, { service: svc.name, image: image!, ...found, settings: databaseServiceSettings(serviceEnvironment(svc.spec, vars)) });
  }
  return out;
}

/** The app services that use each database service, in file order (services no spec is made of left out). */
function databaseUsers(services: readonly ComposeService[], databases: ReadonlyMap<string, DatabaseService>, options: ImportOptions): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const svc of services) {
    if (databases.has(svc.name) || !APP_NAME.test(appNameOf(svc, options.prefix).app)) continue;
    for (const db of usedDatabases(svc, serviceEnvironment(svc.spec, options.vars), databases).keys()) users.set(db, [...(users.get(db) ?? []), svc.name]);
  }
  return users;
}

/** The volumes the app services (not the database services) get: named volumes by name, bind-mounted host folders by path. */
function volumeUse(services: readonly ComposeService[], databases: ReadonlyMap<string, DatabaseService>, projectDir: string | undefined): VolumeUse {
  const named = new Map<string, string[]>();
  const hostPaths: { service: string; host: string; source: string }[] = [];
  for (const svc of services) {
    if (databases.has(svc.name)) continue;
    for (const plan of planMounts(svc.spec, mountsOf(svc.spec), projectDir)) {
      if (plan.kind !== 'volume') continue;
      const m = plan.mount;
      if (m.type === 'volume' && m.source) named.set(m.source, [...new Set([...(named.get(m.source) ?? []), svc.name])]);
      if (plan.host !== undefined) hostPaths.push({ service: svc.name, host: plan.host, source: m.source! });
    }
  }
  return { named, hostPaths };
}

/** The app name of a service: its container_name when that is one, else its name in kebab case; prefixed. */
function appNameOf(svc: ComposeService, prefix: string | undefined): { app: string; why?: string } {
  const containerName = scalar(svc.spec.container_name);
  const base = containerName && APP_NAME.test(containerName) ? containerName : kebabName(svc.name);
  const app = prefix ? `${prefix.replace(/-+$/, '')}-${base}` : base;
  if (base === containerName && containerName !== svc.name) return { app, why: `the app is named "${app}" after the container_name of the service "${svc.name}"` };
  if (app !== svc.name) return { app, why: `the app is named "${app}" after the service "${svc.name}"${prefix ? ` (--prefix ${prefix})` : ' (app names are lower-case letters, digits and "-")'}` };
  return { app };
}

/** The project of an import: the compose file, the overrides, the variables; --image names checked. */
function projectOf(text: string, options: ImportOptions): ComposeProject {
  const project = loadComposeProject([{ name: options.source, text }, ...(options.overrides ?? [])], options.vars ?? new Map());
  for (const [service, ref] of options.images ?? []) {
    if (!project.services.some((s) => s.name === service)) throw new ComposeError(`--image ${service}=${ref}: the compose file has no service "${service}" (services: ${project.services.map((s) => s.name).join(', ')})`);
    const m = IMAGE_REF.exec(ref);
    if (!m || (!m.groups?.digest && (!m.groups?.tag || m.groups.tag === 'latest'))) {
      throw new ComposeError(`--image ${service}=${ref}: give a pinned image, "registry/repository:tag" (not "latest") or "...@sha256:<digest>"`);
    }
  }
  return project;
}

/**
 * Translates every service of a compose project. Pure: nothing is written (see writeImport). The
 * outcomes are in file order: apps (valid specs), drafts, rejected services, then replaced databases.
 */
export function importCompose(text: string, options: ImportOptions): ServiceOutcome[] {
  const project = projectOf(text, options);
  const { services, volumes: declaredVolumes } = project;
  const databases = databaseServices(services, options.vars);
  const sharing: DatabaseSharing = { users: databaseUsers(services, databases, options), first: new Map() };
  const domain = options.domain ?? options.site.domain;
  const serviceNames = new Set(services.map((s) => s.name));
  const shared = volumeUse(services, databases, options.projectDir);
  const usedBy = new Map<string, string[]>();
  const outcomes: ServiceOutcome[] = [];
  const reachOf = (name: string) => serviceReach(services.find((s) => s.name === name), options);
  // Each service translated, in file order; decided (app or draft) once every service is (a call of a draft makes a draft).
  const translated: { svc: ComposeService; app: string; file: string; t: Translation; calls: readonly string[]; text?: string; rejected?: string }[] = [];
  for (const svc of services) {
    if (databases.has(svc.name)) continue;
    const { app, why } = appNameOf(svc, options.prefix);
    const file = path.join(options.outDir, `${app}.yaml`);
    if (!APP_NAME.test(app)) {
      const rejected = `"${svc.name}" gives no app name (lower-case letters, digits, "-", starting with a letter, at most 40): rename the service or use --prefix`;
      translated.push({ svc, app, file, t: { spec: {}, notes: [], untranslated: [], ignored: [], open: [] }, calls: [], rejected });
      continue;
    }
    const unresolved = project.unresolved.get(svc.name) ?? [];
    const t: Translation = { spec: { environment: options.environment ?? 'sit', health: {}, expose: {} }, notes: [], untranslated: [], ignored: [], open: [] };
    t.spec.description = `${svc.name}, imported from docker-compose`;
    if (why) t.notes.push(why);
    const image = translateImage(t, svc, unresolved, options.images?.get(svc.name));
    const env = serviceEnvironment(svc.spec, options.vars);
    const bound = translateDatabases(t, svc, image, env, databases, app, serviceNames, sharing);
    bound.forEach((db) => usedBy.set(db, [...(usedBy.get(db) ?? []), svc.name]));
    translateEnvironment(t, env, unresolved, app);
    const { ports, problems, healthPort } = containerPorts(svc);
    t.untranslated.push(...problems);
    translatePorts(t, ports, healthPort, image, env, app, domain);
    const singleWriter = translateVolumes(t, svc, planMounts(svc.spec, mountsOf(svc.spec), options.projectDir), declaredVolumes, app, shared);
    translateProcess(t, svc, singleWriter, singletonStartupSeconds(options.site));
    const calls = translateReach(t, svc, services, databases, reachOf);
    otherUnresolved(t, unresolved);
    untranslatedKeys(t, svc.spec, options.images?.has(svc.name) ?? false);
    const entry: (typeof translated)[number] = { svc, app, file, t, calls };
    translated.push(entry);
    if (!t.open.length) {
      const spec = renderSpecText(header(t, svc.name, options, false), t.spec);
      try {
        parseApp(spec, file, options.site, LAYER_NEEDS);
        entry.text = spec;
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        t.open.push(...e.issues.map((i) => ({ field: i.field.split(/[.[]/)[0] || 'description', text: `the spec would not be valid: ${formatIssue(i)}` })));
      }
    }
  }
  // synth refuses a call of an app that is not in apps/: a service calling one that is a draft is a
  // draft too, until both can be moved there (and so on, for the services calling it).
  const drafted = (service: string) => translated.some((e) => e.svc.name === service && e.rejected === undefined && e.text === undefined);
  const called = new Set<string>();
  for (let changed = true; changed;) {
    changed = false;
    for (const e of translated) {
      for (const target of e.calls.filter((c) => !called.has(`${e.svc.name}\0${c}`) && drafted(c))) {
        called.add(`${e.svc.name}\0${target}`);
        const other = translated.find((x) => x.svc.name === target)!;
        e.t.open.push({ field: 'calls', text: `calls "${other.app}" (the service "${target}"), which is a DRAFT (${path.join(options.outDir, DRAFTS_DIR, `${other.app}.yaml`)}): synth refuses a call of an app that is not in ${options.outDir}/; finish that draft, then move both there` });
        if (e.text !== undefined) {
          delete e.text;
          changed = true;
        }
      }
    }
  }
  for (const { svc, app, file, t, text, rejected } of translated) {
    if (rejected !== undefined) {
      outcomes.push({ kind: 'rejected', service: svc.name, app, file, reasons: [rejected], untranslated: [] });
      continue;
    }
    if (text !== undefined) {
      outcomes.push({ kind: 'app', service: svc.name, app, file, text, notes: t.notes, untranslated: t.untranslated });
      continue;
    }
    const draftFile = path.join(options.outDir, DRAFTS_DIR, `${app}.yaml`);
    const draft = renderSpecText(header(t, svc.name, options, true), t.spec, t.open);
    outcomes.push({ kind: 'draft', service: svc.name, app, file: draftFile, text: draft, reasons: t.open.map((o) => `${o.field}: ${o.text}`), notes: t.notes, untranslated: t.untranslated });
  }
  for (const db of databases.values()) {
    outcomes.push({ kind: 'database', service: db.service, image: db.image, engine: db.engine, ...(db.caveat ? { caveat: db.caveat } : {}), usedBy: usedBy.get(db.service) ?? [] });
  }
  return outcomes;
}

/** The report of an import, line by line, for stderr: every note of every service. */
export function formatImport(outcomes: readonly ServiceOutcome[]): string[] {
  const lines: string[] = [];
  for (const o of outcomes) {
    if (o.kind === 'database') {
      const users = o.usedBy.length ? `bound by ${o.usedBy.join(', ')}` : 'no service uses it: clients reach the DBaaS endpoint of site.yaml';
      lines.push(`${o.service}: not imported: the DBaaS ${o.engine} replaces this ${o.image} service (${users})${o.caveat ? `; check it: ${o.caveat}` : ''}`);
      continue;
    }
    if (o.kind === 'app') {
      lines.push(`${o.service}: wrote ${o.file}`);
      lines.push(...o.notes.map((n) => `  needs a person: ${n}`));
    } else if (o.kind === 'draft') {
      lines.push(`${o.service}: wrote the DRAFT ${o.file} (synth does not load it):`);
      lines.push(...o.reasons.map((r) => `  open: ${r}`));
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
 * Writes the specs of an import into `outDir` and the drafts into `outDir/drafts/` (made when
 * missing; a folder that cannot be made is refused naming `option`, how the user gave it). An
 * existing file is left alone and reported unless `force`; returns the files written.
 */
export function writeImport(outcomes: readonly ServiceOutcome[], outDir: string, force = false, option = `--out ${outDir}`): { written: string[]; existing: string[] } {
  const written: string[] = [];
  const existing: string[] = [];
  for (const o of outcomes) {
    if (o.kind !== 'app' && o.kind !== 'draft') continue;
    const dir = o.kind === 'app' ? outDir : path.join(outDir, DRAFTS_DIR);
    try {
      makeFolders(dir);
    } catch (e) {
      throw folderNotMade(e, dir, option);
    }
    const file = path.join(dir, `${o.app}.yaml`);
    if (fs.existsSync(file) && !force) {
      existing.push(file);
      continue;
    }
    fs.writeFileSync(file, o.text);
    written.push(file);
  }
  return { written, existing };
}
