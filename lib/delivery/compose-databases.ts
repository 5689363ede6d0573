/**
 * Database services of a compose file that the site's DBaaS replaces, recognised by image name.
 */

/** The DBaaS engines an app spec binds to (`databases[].engine`). */
export type DbaasEngine = 'postgresql' | 'mysql' | 'redis' | 'memcached' | 'mongodb' | 'etcd' | 'mqtt' | 'elasticsearch';

/** Image names (the last part of the repository) and the engine that replaces them. */
const DATABASE_IMAGES: Readonly<Record<string, DbaasEngine>> = {
  postgres: 'postgresql',
  postgresql: 'postgresql',
  postgis: 'postgresql',
  mysql: 'mysql',
  mariadb: 'mysql',
  redis: 'redis',
  memcached: 'memcached',
  mongo: 'mongodb',
  mongodb: 'mongodb',
  'mongodb-community-server': 'mongodb',
  'mongodb-enterprise-server': 'mongodb',
  elasticsearch: 'elasticsearch',
  'eclipse-mosquitto': 'mqtt',
  mosquitto: 'mqtt',
  etcd: 'etcd',
};

/** Environment variables in which database images name the database they create. */
const DATABASE_NAME_VARS = ['POSTGRES_DB', 'POSTGRESQL_DATABASE', 'MYSQL_DATABASE', 'MARIADB_DATABASE', 'MONGO_INITDB_DATABASE'];
/** ... and the user they create. */
const DATABASE_USER_VARS = ['POSTGRES_USER', 'POSTGRESQL_USERNAME', 'MYSQL_USER', 'MARIADB_USER', 'MONGO_INITDB_ROOT_USERNAME'];

/** `docker.io/bitnami/postgresql:16` -> `postgresql`: the image's name without registry, path, tag or digest. */
export function imageBaseName(image: string): string {
  const withoutDigest = image.split('@')[0];
  const last = withoutDigest.split('/').pop() ?? withoutDigest;
  return last.split(':')[0].toLowerCase();
}

/** The DBaaS engine that replaces a service running `image`, if it is a database image. */
export function databaseEngine(image: string | undefined): DbaasEngine | undefined {
  return image ? DATABASE_IMAGES[imageBaseName(image)] : undefined;
}

/** The database name and user a database service's environment asks its image to create. */
export function databaseServiceSettings(env: ReadonlyMap<string, string | undefined>): { name?: string; user?: string } {
  const first = (vars: readonly string[]) => vars.map((v) => env.get(v)).find((v) => v !== undefined && v !== '');
  return { name: first(DATABASE_NAME_VARS), user: first(DATABASE_USER_VARS) };
}
