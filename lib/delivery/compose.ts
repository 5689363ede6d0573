import { NESTED_TOO_DEEP } from '../config/yaml-syntax';
import { JsonMap } from '../k8s/manifest';

/**
 * Reading a docker-compose file: the parts `import-compose` translates, normalised from the
 * short and long forms compose accepts. Nothing here knows about app specs.
 */

/** A compose file that cannot be read at all (not YAML, no `services:`). */
export class ComposeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ComposeError';
  }
}

/** One service of a compose file, as written (keys not yet interpreted). */
export interface ComposeService {
  readonly name: string;
  readonly spec: JsonMap;
}

/** A compose file: its services in file order and its top-level named volumes. */
export interface ComposeFile {
  readonly services: readonly ComposeService[];
  readonly volumes: Readonly<Record<string, JsonMap | null>>;
}

/**
 * The refusal of a compose file the YAML parser could not read: its first line, or, for a value
 * nested deeper than the parser's stack (where it gave up depends on the machine), the line of it
 * in words.
 */
export function notYamlError(file: string, e: unknown): ComposeError {
  const first = String((e as Error)?.message ?? e).split('\n')[0];
  const deep = /^Maximum call stack size exceeded at line (\d+)/.exec(first);
  if (deep) return new ComposeError(`${file} is not valid YAML: the value on line ${deep[1]} ${NESTED_TOO_DEEP}`);
  return new ComposeError(`${file} is not valid YAML: ${first}`);
}

/** A value after compose variable interpolation, with the variables that had no default. */
export interface Interpolated {
  readonly value: string;
  /** Variables (`${X}`, `$X`, `${X:?err}`) that come from the shell or `.env` and were left as written. */
  readonly unresolved: readonly string[];
}

/**
 * Compose interpolation as far as the file alone tells: `${X:-default}` and `${X-default}`
 * become the default, `$$` a `$`; `${X}` and `$X` stay as written and are reported.
 */
export function interpolate(input: string): Interpolated {
  const unresolved: string[] = [];
  const value = input.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (whole === '$$') return '$';
    if (op === '-' || op === ':-') return arg ?? '';
    unresolved.push(braced ?? bare!);
    return whole;
  });
  return { value, unresolved };
}

/** A string form of a scalar compose value (numbers and booleans as compose reads them). */
export function scalar(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** `environment:` in list (`A=b`, `A`) or map form; a variable without a value is `undefined` (taken from the shell). */
export function environmentOf(spec: JsonMap): [string, string | undefined][] {
  const env = spec.environment;
  if (Array.isArray(env)) {
    return env.map((item) => {
      const s = String(item);
      const eq = s.indexOf('=');
      return eq < 0 ? [s, undefined] : [s.slice(0, eq), s.slice(eq + 1)];
    });
  }
  if (env && typeof env === 'object') return Object.entries(env as JsonMap).map(([k, v]) => [k, scalar(v)]);
  return [];
}

/** A port mapping: the container port, and the host port and address when published. */
export interface ComposePort {
  readonly container: number;
  readonly protocol: 'TCP' | 'UDP';
  readonly published?: number;
  /** The host address it is published on (`127.0.0.1:8080:80`), when one is given. */
  readonly hostIp?: string;
}

/** `ports:` in short (`"8080:80"`, `"127.0.0.1:53:53/udp"`) and long form; ranges and junk are returned as problems. */
export function portsOf(spec: JsonMap): { ports: ComposePort[]; problems: string[] } {
  const ports: ComposePort[] = [];
  const problems: string[] = [];
  const list = Array.isArray(spec.ports) ? spec.ports : [];
  for (const entry of list) {
    if (entry && typeof entry === 'object') {
      const e = entry as JsonMap;
      const container = Number(e.target);
      const published = e.published === undefined ? undefined : Number(e.published);
      if (!Number.isInteger(container) || (published !== undefined && !Number.isInteger(published))) {
        problems.push(`port ${JSON.stringify(entry)}: only single ports are translated, not ranges`);
        continue;
      }
      ports.push({ container, protocol: String(e.protocol ?? 'tcp').toLowerCase() === 'udp' ? 'UDP' : 'TCP', published, hostIp: e.host_ip ? String(e.host_ip) : undefined });
      continue;
    }
    const text = interpolate(String(entry)).value;
    // `[host-ip:][published:]container[/protocol]`; an empty host IP (`:2283:2283`, what `${PORT-:2283}:2283` gives) is none.
    const m = /^(?:(?:\[?([0-9a-fA-F.:]*?)\]?:)?(\d+)?:)?(\d+)(?:\/(tcp|udp))?$/.exec(text);
    if (!m) {
      problems.push(/\d-\d/.test(text) ? `port "${text}": only single ports are translated, not ranges` : `port "${text}": not a port mapping compose reads ([host-ip:][published:]container[/tcp|udp])`);
      continue;
    }
    const [, ip, published, container, protocol] = m;
    const hostIp = ip || undefined;
    ports.push({
      container: Number(container),
      protocol: protocol === 'udp' ? 'UDP' : 'TCP',
      published: published ? Number(published) : undefined,
      hostIp,
    });
  }
  // `expose:` ports reach other services only: container ports, never published.
  for (const entry of Array.isArray(spec.expose) ? spec.expose : []) {
    const m = /^(\d+)(?:\/(tcp|udp))?$/.exec(String(entry));
    if (m) ports.push({ container: Number(m[1]), protocol: m[2] === 'udp' ? 'UDP' : 'TCP' });
    else problems.push(`expose "${String(entry)}": only single ports are translated, not ranges`);
  }
  return { ports, problems };
}

/** A volume mount of a service. */
export interface ComposeMount {
  readonly type: 'volume' | 'bind' | 'tmpfs' | 'anonymous';
  /** Named volume or host path (none for anonymous volumes and tmpfs). */
  readonly source?: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/** `volumes:` of a service (short `src:target[:ro]` and long form) and `tmpfs:`. */
export function mountsOf(spec: JsonMap): ComposeMount[] {
  const mounts: ComposeMount[] = [];
  for (const entry of Array.isArray(spec.volumes) ? spec.volumes : []) {
    if (entry && typeof entry === 'object') {
      const e = entry as JsonMap;
      const type = String(e.type ?? 'volume');
      const source = e.source === undefined ? undefined : String(e.source);
      const kind = type === 'bind' ? 'bind' : type === 'tmpfs' ? 'tmpfs' : source ? 'volume' : 'anonymous';
      mounts.push({ type: kind, source, target: String(e.target), readOnly: e.read_only === true });
      continue;
    }
    const parts = interpolate(String(entry)).value.split(':');
    if (parts.length === 1) {
      mounts.push({ type: 'anonymous', target: parts[0], readOnly: false });
      continue;
    }
    const [source, target, mode] = parts;
    const bind = /^[./~]/.test(source);
    mounts.push({ type: bind ? 'bind' : 'volume', source, target, readOnly: (mode ?? '').split(',').includes('ro') });
  }
  const tmpfs = spec.tmpfs;
  for (const t of Array.isArray(tmpfs) ? tmpfs : tmpfs ? [tmpfs] : []) {
    mounts.push({ type: 'tmpfs', target: String(t).split(':')[0], readOnly: false });
  }
  return mounts;
}

/** Services a service depends on, by name, with the host names it reaches them by (`links: [db:mysql]` adds `mysql`). */
export function dependenciesOf(spec: JsonMap): Map<string, Set<string>> {
  const deps = new Map<string, Set<string>>();
  const add = (service: string, alias?: string) => {
    const hosts = deps.get(service) ?? new Set<string>([service]);
    if (alias) hosts.add(alias);
    deps.set(service, hosts);
  };
  const dependsOn = spec.depends_on;
  if (Array.isArray(dependsOn)) dependsOn.forEach((d) => add(String(d)));
  else if (dependsOn && typeof dependsOn === 'object') Object.keys(dependsOn).forEach((d) => add(d));
  for (const link of Array.isArray(spec.links) ? spec.links : []) {
    const [service, alias] = String(link).split(':');
    add(service, alias);
  }
  return deps;
}

/** Splits a command string as compose does (whitespace, single and double quotes; no shell). */
export function splitCommand(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map((v) => String(v));
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  let started = false;
  for (const ch of String(value)) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started || current) out.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
    }
  }
  if (started || current) out.push(current);
  return out;
}

/** The URL a healthcheck's curl or wget fetches, if it is one. */
export function healthcheckUrl(spec: JsonMap): URL | undefined {
  const hc = spec.healthcheck as JsonMap | undefined;
  if (!hc || hc.disable === true) return undefined;
  const test = Array.isArray(hc.test) ? hc.test.map(String).join(' ') : String(hc.test ?? '');
  if (!/\b(curl|wget)\b/.test(test)) return undefined;
  const m = /https?:\/\/[^\s'"|;&]+/.exec(test);
  if (!m) return undefined;
  try {
    return new URL(m[0]);
  } catch {
    return undefined;
  }
}
