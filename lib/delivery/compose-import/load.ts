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
