import { parse } from 'yaml';
import { ComposeError, ComposeFile, notYamlError } from '../compose';
import { isMap, JsonMap } from '../../k8s/manifest';
import { interpolateTree, Unresolved } from './interpolation';
import { mergeComposeFiles } from './merge';

/**
 * A compose project as `docker compose -f a.yml -f b.yml --env-file .env` sees it: each file
 * parsed (YAML merge keys honoured), interpolated with the env file's variables, then merged in
 * order. Pure: the caller reads the files.
 */

/** One compose file: the name the messages use, and its text. */
export interface ComposeText {
  readonly name: string;
  readonly text: string;
}

/** A variable a service's value uses that has no value, and where. */
export interface ServiceUnresolved extends Unresolved {
  /** The service key it is under (`image`, `environment`, ...). */
  readonly field: string;
  /** The whole path, e.g. `environment.ROOT_URL`. */
  readonly path: string;
}

/** The merged project, with the unresolved variables of each service. */
export interface ComposeProject extends ComposeFile {
  readonly unresolved: ReadonlyMap<string, readonly ServiceUnresolved[]>;
}

/**
 * The `yaml` package's alias limit (uses of an anchor times the aliases inside it) for compose
 * files: they lean on `x-` anchors (getsentry/self-hosted uses one anchor 142 times, over the
 * package's default of 100), while a "billion laughs" bomb multiplies past any limit.
 */
export const COMPOSE_MAX_ALIAS_COUNT = 10_000;

function parseOne(file: ComposeText): unknown {
  try {
    return parse(file.text, { merge: true, maxAliasCount: COMPOSE_MAX_ALIAS_COUNT });
  } catch (e) {
    throw notYamlError(file.name, e);
  }
}

/** `services.web.environment[2]` -> `environment[2]` under the service `web` (service names may hold dots). */
function underService(path: string, services: readonly string[]): { service: string; rest: string } | undefined {
  for (const s of services) {
    const prefix = `services.${s}.`;
    if (path.startsWith(prefix)) return { service: s, rest: path.slice(prefix.length) };
  }
  return undefined;
}

/**
 * Refuses a service's `environment:` that compose refuses: neither a map nor a list, a list item
 * that is not `KEY=value` or `KEY` (a `- KEY: value` line is a map inside the list), a map value
 * that is a list or a map. Every reader then sees a name and a text (or no value) per variable.
 */
function checkEnvironment(file: string, service: string, env: unknown): void {
  if (env === undefined || env === null) return;
  const at = `${file}: services.${service}.environment`;
  const shown = (v: unknown) => JSON.stringify(v);
  if (Array.isArray(env)) {
    env.forEach((item, i) => {
      if (isMap(item)) {
        const pairs = Object.entries(item as JsonMap);
        const fix = pairs.length === 1 && (pairs[0][1] === null || typeof pairs[0][1] !== 'object') ? `write "- ${pairs[0][0]}=${pairs[0][1] ?? ''}"` : 'write each variable as "- KEY=value"';
        throw new ComposeError(`${at}[${i}] is a map (${shown(item)}), and a list item of environment is "KEY=value" or "KEY" alone: ${fix}, or write environment as a map (KEY: value)`);
      }
      if (item === null || typeof item === 'object') throw new ComposeError(`${at}[${i}] is ${shown(item)}, and a list item of environment is "KEY=value" or "KEY" alone`);
    });
    return;
  }
  if (!isMap(env)) throw new ComposeError(`${at} is ${shown(env)}: it is a map (KEY: value) or a list ("- KEY=value")`);
  for (const [key, value] of Object.entries(env as JsonMap)) {
    if (value !== null && typeof value === 'object') throw new ComposeError(`${at}.${key} is ${shown(value)}: a variable's value is a string, a number or a boolean (or nothing: taken from the shell)`);
  }
}

/**
 * Loads the project: every file must be YAML with a `services:` map (the first one) or at least a
 * map (overrides); `vars` are the env file's variables (the shell is not read).
 */
export function loadComposeProject(files: readonly ComposeText[], vars: ReadonlyMap<string, string>): ComposeProject {
  if (!files.length) throw new ComposeError('no compose file given: name the docker-compose file to import');
  const unresolved = new Map<string, ServiceUnresolved[]>();
  const interpolated: unknown[] = [];
  files.forEach((file, i) => {
    const data = parseOne(file);
    if (!isMap(data) || (i === 0 && !isMap((data as JsonMap).services))) {
      throw new ComposeError(`${file.name} has no "services:" map; is it a docker-compose file?`);
    }
    const tree = interpolateTree(data, vars);
    const names = isMap((data as JsonMap).services) ? Object.keys((data as JsonMap).services as JsonMap) : [];
    for (const name of names) {
      const spec = ((data as JsonMap).services as JsonMap)[name];
      if (isMap(spec)) checkEnvironment(file.name, name, (spec as JsonMap).environment);
    }
    for (const [at, list] of tree.unresolved) {
      const where = underService(at, names);
      if (!where) continue;
      const field = /^[^.[]+/.exec(where.rest)![0];
      const kept = (unresolved.get(where.service) ?? []).filter((u) => u.path !== where.rest);
      unresolved.set(where.service, [...kept, ...list.map((u) => ({ ...u, field, path: where.rest }))]);
    }
    interpolated.push(tree.data);
  });
  const merged = mergeComposeFiles(interpolated);
  const services = merged.services as JsonMap;
  const volumes = merged.volumes;
  return {
    services: Object.entries(services).map(([name, spec]) => ({ name, spec: (spec ?? {}) as JsonMap })),
    volumes: volumes && typeof volumes === 'object' ? (volumes as Record<string, JsonMap | null>) : {},
    unresolved,
  };
}
