import { imageRepository } from '../paas/binding-conventions';

/**
 * Database services of a compose file that the site's DBaaS replaces, recognised by image
 * repository: the registry, tag and digest do not matter, nor a proxy-cache project in front of it
 * (`registry.turnsys.com/dockerhub/library/redis:7` is `redis`).
 */

/** The DBaaS engines an app spec binds to (`databases[].engine`). */
export type DbaasEngine = 'postgresql' | 'mysql' | 'redis' | 'memcached' | 'mongodb' | 'etcd' | 'mqtt' | 'elasticsearch';

/** An image the DBaaS can stand in for: its engine, and what it adds to the engine that the DBaaS may lack. */
interface DatabaseImage {
  readonly engine: DbaasEngine;
  /** Extensions or modules the image ships beyond the plain engine: the clients may need them. */
  readonly extras?: string;
}

/**
 * Images that speak their engine's protocol (repository as binding-conventions' imageRepository
 * gives it: no registry, no `library/`). The plain engine, its drop-in servers (MariaDB and
 * Percona Server for MySQL, Valkey and KeyDB for redis) and Bitnami's packaging; images that add
 * extensions or modules say which. An image not listed is a workload like any other, unless its
 * name alone is an engine's (ENGINE_NAMES).
 */
const DATABASE_IMAGES: ReadonlyMap<string, DatabaseImage> = new Map<string, DatabaseImage>([
  ['postgres', { engine: 'postgresql' }],
  ['bitnami/postgresql', { engine: 'postgresql' }],
  ['postgis/postgis', { engine: 'postgresql', extras: 'the PostGIS extension' }],
  ['pgvector/pgvector', { engine: 'postgresql', extras: 'the pgvector extension' }],
  ['ankane/pgvector', { engine: 'postgresql', extras: 'the pgvector extension' }],
  ['tensorchord/pgvecto-rs', { engine: 'postgresql', extras: 'the pgvecto.rs extension' }],
  ['timescale/timescaledb', { engine: 'postgresql', extras: 'the TimescaleDB extension' }],
  ['timescale/timescaledb-ha', { engine: 'postgresql', extras: 'the TimescaleDB extension (and others)' }],
  ['mysql', { engine: 'mysql' }],
  ['mysql/mysql-server', { engine: 'mysql' }],
  ['bitnami/mysql', { engine: 'mysql' }],
  ['mariadb', { engine: 'mysql' }],
  ['bitnami/mariadb', { engine: 'mysql' }],
  ['percona', { engine: 'mysql' }],
  ['percona/percona-server', { engine: 'mysql' }],
  ['redis', { engine: 'redis' }],
  ['bitnami/redis', { engine: 'redis' }],
  ['valkey/valkey', { engine: 'redis' }],
  ['bitnami/valkey', { engine: 'redis' }],
  ['eqalpha/keydb', { engine: 'redis' }],
  ['redis/redis-stack', { engine: 'redis', extras: 'the Redis Stack modules (search, JSON, time series, probabilistic)' }],
  ['redis/redis-stack-server', { engine: 'redis', extras: 'the Redis Stack modules (search, JSON, time series, probabilistic)' }],
  ['redislabs/redismod', { engine: 'redis', extras: 'the redis modules RediSearch, RedisJSON, RedisGraph, RedisTimeSeries, RedisBloom, RedisGears and RedisAI' }],
  ['redislabs/rejson', { engine: 'redis', extras: 'the RedisJSON module' }],
  ['redislabs/redisearch', { engine: 'redis', extras: 'the RediSearch module' }],
  ['memcached', { engine: 'memcached' }],
  ['bitnami/memcached', { engine: 'memcached' }],
  ['mongo', { engine: 'mongodb' }],
  ['mongodb/mongodb-community-server', { engine: 'mongodb' }],
  ['mongodb/mongodb-enterprise-server', { engine: 'mongodb' }],
  ['bitnami/mongodb', { engine: 'mongodb' }],
  ['elasticsearch', { engine: 'elasticsearch' }],
  ['elasticsearch/elasticsearch', { engine: 'elasticsearch' }],
  ['bitnami/elasticsearch', { engine: 'elasticsearch' }],
  ['eclipse-mosquitto', { engine: 'mqtt' }],
  ['etcd', { engine: 'etcd' }],
  ['coreos/etcd', { engine: 'etcd' }],
  ['etcd-development/etcd', { engine: 'etcd' }],
  ['bitnami/etcd', { engine: 'etcd' }],
]);

/**
 * The last part of a repository that no table entry knows (`ghcr.io/someone/postgres`) but that is
 * an engine's name: taken for that engine, with the question whether it is the plain one.
 */
const ENGINE_NAMES: ReadonlyMap<string, DbaasEngine> = new Map<string, DbaasEngine>([
  ['postgres', 'postgresql'], ['postgresql', 'postgresql'], ['postgis', 'postgresql'],
  ['mysql', 'mysql'], ['mariadb', 'mysql'],
  ['redis', 'redis'], ['valkey', 'redis'], ['keydb', 'redis'],
  ['memcached', 'memcached'],
  ['mongo', 'mongodb'], ['mongodb', 'mongodb'],
  ['elasticsearch', 'elasticsearch'],
  ['mosquitto', 'mqtt'], ['eclipse-mosquitto', 'mqtt'],
  ['etcd', 'etcd'],
]);

/** Environment variables in which database images name the database they create. */
const DATABASE_NAME_VARS = ['POSTGRES_DB', 'POSTGRESQL_DATABASE', 'MYSQL_DATABASE', 'MARIADB_DATABASE', 'MONGO_INITDB_DATABASE'];
/** ... and the user they create. */
const DATABASE_USER_VARS = ['POSTGRES_USER', 'POSTGRESQL_USERNAME', 'MYSQL_USER', 'MARIADB_USER', 'MONGO_INITDB_ROOT_USERNAME'];

/** A database image recognised: the engine, and what a person must confirm before the DBaaS replaces it. */
export interface RecognisedDatabase {
  readonly engine: DbaasEngine;
  /** Why the DBaaS may not be enough (extensions or modules, or an image known by its name only); none for a plain engine. */
  readonly caveat?: string;
}

/**
 * The table's entry for a repository: the repository itself, or behind a proxy-cache project or a
 * mirror's path (`dockerhub/library/postgres` for `postgres`, `dockerhub/bitnami/redis` for `bitnami/redis`).
 */
function knownImage(repo: string): DatabaseImage | undefined {
  const exact = DATABASE_IMAGES.get(repo);
  if (exact) return exact;
  const parts = repo.split('/');
  const library = parts.lastIndexOf('library');
  if (library >= 0 && library === parts.length - 2) return DATABASE_IMAGES.get(parts[parts.length - 1]);
  for (let i = 1; i < parts.length - 1; i++) {
    const tail = parts.slice(i).join('/');
    if (DATABASE_IMAGES.has(tail)) return DATABASE_IMAGES.get(tail);
  }
  return undefined;
}

/**
 * The DBaaS engine that replaces a service running `image`, if it is a database image, with what
 * a person must confirm: the extensions or modules it adds, or that only its name says it is one.
 */
export function recogniseDatabase(image: string | undefined): RecognisedDatabase | undefined {
  if (!image) return undefined;
  const repo = imageRepository(image.trim().toLowerCase());
  const known = knownImage(repo);
  if (known) return known.extras ? { engine: known.engine, caveat: `it adds ${known.extras} to ${known.engine}, which the DBaaS ${known.engine} may not have` } : { engine: known.engine };
  const engine = ENGINE_NAMES.get(repo.split('/').pop() ?? '');
  if (engine) return { engine, caveat: `${repo} is known to the import by its name only: it may add extensions or modules to ${engine} that the DBaaS ${engine} lacks` };
  return undefined;
}

/** The DBaaS engine that replaces a service running `image`, if it is a database image. */
export function databaseEngine(image: string | undefined): DbaasEngine | undefined {
  return recogniseDatabase(image)?.engine;
}

/** The database name and user a database service's environment asks its image to create. */
export function databaseServiceSettings(env: ReadonlyMap<string, string | undefined>): { name?: string; user?: string } {
  const first = (vars: readonly string[]) => vars.map((v) => env.get(v)).find((v) => v !== undefined && v !== '');
  return { name: first(DATABASE_NAME_VARS), user: first(DATABASE_USER_VARS) };
}
