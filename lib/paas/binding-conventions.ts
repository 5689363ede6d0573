/**
 * STAND-IN (branch i15-import only): the contract of issue 15 gives this module to i15-bindings.
 * When its branch is merged, its file replaces this one (same path, same signature); only the
 * entries the compose import's fixtures need are here.
 *
 * The variables widely used images read for a database binding, as templates over the binding's
 * parts (`{{ .host }}`, `{{ .port }}`, `{{ .name }}`, `{{ .user }}`, `{{ .password }}`, `{{ .url }}`).
 */

/** The DBaaS engines an app spec binds to (`databases[].engine`). */
export type DatabaseEngine = 'postgresql' | 'mysql' | 'redis' | 'memcached' | 'mongodb' | 'etcd' | 'mqtt' | 'elasticsearch';

type Table = Readonly<Record<string, Partial<Readonly<Record<DatabaseEngine, Readonly<Record<string, string>>>>>>>;

const HOST = '{{ .host }}';
const PORT = '{{ .port }}';
const NAME = '{{ .name }}';
const USER = '{{ .user }}';
const PASSWORD = '{{ .password }}';
const URL = '{{ .url }}';

/** Image (repository without registry and tag) -> engine -> variables. */
const IMAGES: Table = {
  wordpress: { mysql: { WORDPRESS_DB_HOST: `${HOST}:${PORT}`, WORDPRESS_DB_NAME: NAME, WORDPRESS_DB_USER: USER, WORDPRESS_DB_PASSWORD: PASSWORD } },
  nextcloud: {
    mysql: { MYSQL_HOST: `${HOST}:${PORT}`, MYSQL_DATABASE: NAME, MYSQL_USER: USER, MYSQL_PASSWORD: PASSWORD },
    postgresql: { POSTGRES_HOST: `${HOST}:${PORT}`, POSTGRES_DB: NAME, POSTGRES_USER: USER, POSTGRES_PASSWORD: PASSWORD },
    redis: { REDIS_HOST: HOST, REDIS_HOST_PORT: PORT, REDIS_HOST_PASSWORD: PASSWORD },
  },
  'gitea/gitea': {
    postgresql: { GITEA__database__DB_TYPE: 'postgres', GITEA__database__HOST: `${HOST}:${PORT}`, GITEA__database__NAME: NAME, GITEA__database__USER: USER, GITEA__database__PASSWD: PASSWORD },
    mysql: { GITEA__database__DB_TYPE: 'mysql', GITEA__database__HOST: `${HOST}:${PORT}`, GITEA__database__NAME: NAME, GITEA__database__USER: USER, GITEA__database__PASSWD: PASSWORD },
  },
  'umami-software/umami': { postgresql: { DATABASE_URL: URL }, mysql: { DATABASE_URL: URL } },
  'mattermost/mattermost-enterprise-edition': { postgresql: { MM_SQLSETTINGS_DRIVERNAME: 'postgres', MM_SQLSETTINGS_DATASOURCE: `${URL}?sslmode=disable&connect_timeout=10` } },
  'mattermost/mattermost-team-edition': { postgresql: { MM_SQLSETTINGS_DRIVERNAME: 'postgres', MM_SQLSETTINGS_DATASOURCE: `${URL}?sslmode=disable&connect_timeout=10` } },
  'rocketchat/rocket.chat': { mongodb: { MONGO_URL: URL } },
  matomo: { mysql: { MATOMO_DATABASE_HOST: HOST, MATOMO_DATABASE_PORT: PORT, MATOMO_DATABASE_DBNAME: NAME, MATOMO_DATABASE_USERNAME: USER, MATOMO_DATABASE_PASSWORD: PASSWORD } },
};

/** `docker.io/library/wordpress:6` -> `wordpress`, `ghcr.io/umami-software/umami:x` -> `umami-software/umami`. */
function repository(image: string): string {
  const noDigest = image.split('@')[0];
  const parts = noDigest.split('/');
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0])) parts.shift();
  if (parts[0] === 'library') parts.shift();
  const last = parts.pop()!.split(':')[0];
  return [...parts, last].join('/').toLowerCase();
}

/** The variables `image` reads for a binding to `engine`, if the table knows the image. */
export function conventionalBindingEnv(image: string, engine: DatabaseEngine): Readonly<Record<string, string>> | undefined {
  return IMAGES[repository(image)]?.[engine];
}
