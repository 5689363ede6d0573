import { JsonMap } from '../../k8s/manifest';
import { splitCommand } from '../compose';

/**
 * A compose `healthcheck:` as an app spec's probe: an HTTP check when the test is a curl or wget
 * of a local URL, else the command itself (`health.command`), with the timing compose gives
 * (`interval`, `timeout`, `retries`, `start_period`). Pure.
 */

/** Host names a healthcheck inside the container reaches itself by. */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '0.0.0.0', '[::1]', '::1']);

/** A healthcheck translated. */
export interface HealthTranslation {
  /** HTTP: the path (and query) and the container port fetched. */
  readonly http?: { readonly path: string; readonly port: number };
  /** Exec: the command, `CMD-SHELL` tests as `["sh", "-c", ...]`. */
  readonly command?: readonly string[];
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly failureThreshold?: number;
  readonly startSeconds?: number;
  /** What a person should know. */
  readonly notes: readonly string[];
}

/** A compose duration (`1m30s`, `500ms`, `10s`, a bare number of seconds... as Go durations) in whole seconds, rounded up. */
export function durationSeconds(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return Math.max(1, Math.ceil(value));
  const text = String(value).trim();
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001, 'µs': 0.000001, ns: 1e-9 };
  let total = 0;
  let rest = text;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return text ? Math.max(1, Math.ceil(total)) : undefined;
}

/** The test as the argument list it runs (`CMD-SHELL x` and a string as `sh -c x`), or undefined for none. */
function testCommand(test: unknown): string[] | undefined {
  if (typeof test === 'string') return test.trim() ? ['sh', '-c', test] : undefined;
  if (!Array.isArray(test) || !test.length) return undefined;
  const [kind, ...rest] = test.map(String);
  if (kind === 'NONE') return undefined;
  if (kind === 'CMD-SHELL') return ['sh', '-c', rest.join(' ')];
  if (kind === 'CMD') return rest;
  return [kind, ...rest];
}

/** The local URL a curl or wget in the command fetches (`localhost`, `127.0.0.1`, or the service's own name). */
function localUrl(command: readonly string[], service: string): URL | undefined {
  const words = command.length > 2 && command[0] === 'sh' && command[1] === '-c' ? splitCommand(command[2]) ?? [] : command;
  if (!words.some((w) => /(^|\/)(curl|wget)$/.test(w))) return undefined;
  // Only a plain fetch: a pipeline or a second command checks more than the answer.
  if (command[0] === 'sh' && /[|;]|&&/.test(command[2] ?? '')) return undefined;
  for (const w of words) {
    const text = /^[a-z]+:\/\//i.test(w) ? w : /^(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(w) ? `http://${w}` : undefined;
    if (!text) continue;
    try {
      const url = new URL(text);
      if (url.protocol !== 'http:') return undefined;
      if (LOCAL_HOSTS.has(url.hostname) || url.hostname === service) return url;
      return undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The healthcheck of a service, translated; undefined when it has none (or `disable: true`). */
export function translateHealthcheck(spec: JsonMap, service: string): HealthTranslation | undefined {
  const hc = spec.healthcheck as JsonMap | undefined;
  if (!hc || typeof hc !== 'object' || hc.disable === true) return undefined;
  const command = testCommand(hc.test);
  if (!command) return undefined;
  const notes: string[] = [];
  const url = localUrl(command, service);
  const timing = {
    periodSeconds: durationSeconds(hc.interval),
    timeoutSeconds: durationSeconds(hc.timeout),
    failureThreshold: typeof hc.retries === 'number' && hc.retries >= 1 ? hc.retries : undefined,
    startSeconds: durationSeconds(hc.start_period),
  };
  if (url) {
    return { http: { path: `${url.pathname}${url.search}`, port: Number(url.port || 80) }, ...timing, notes };
  }
  if (command[0] === 'sh') notes.push('health.command runs through sh -c as the compose healthcheck did: the image needs a shell');
  return { command, ...timing, notes };
}
