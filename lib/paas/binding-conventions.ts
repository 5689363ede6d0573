import type { DatabaseEngine } from '../config/app-schema';

/**
 * The variables widely used images read to reach their database, as templates over a DBaaS
 * binding's parts (`{{ .host }}`, `{{ .port }}`, `{{ .name }}`, `{{ .user }}`, `{{ .password }}`,
 * `{{ .url }}`; lib/paas/binding-templates.ts): what a binding sets when its spec names neither
 * `env` nor `envPrefix`, and what the compose import writes. Keyed by image repository, without
 * registry, tag or digest (`docker.io/library/wordpress:6.8` is `wordpress`). Each entry says
 * where its names come from; only images configured through environment variables are here
 * (Drupal and MediaWiki are set up in their installer or a settings file: not here).
 */

/** One image's variables per engine, and the documentation they come from. */
export interface BindingConvention {
  /** The image's documentation of these variables. */
  readonly docs: string;
  /** The variables for each engine the image can use. */
  readonly env: Partial<Record<DatabaseEngine, Readonly<Record<string, string>>>>;
}

/** `host:port` in one variable, as many PHP images take it. */
const HOST_PORT = '{{ .host }}:{{ .port }}';

/** The official images used as clients (psql, pg_dump, mysql, mysqldump in a job), and the plain names scripts read. */
const POSTGRES_CLIENT = {
  // libpq's own variables, which psql and pg_dump read (https://www.postgresql.org/docs/current/libpq-envars.html).
  PGHOST: '{{ .host }}', PGPORT: '{{ .port }}', PGDATABASE: '{{ .name }}', PGUSER: '{{ .user }}', PGPASSWORD: '{{ .password }}',
  // The image's names (https://hub.docker.com/_/postgres), the plain convention of compose stacks.
  POSTGRES_HOST: '{{ .host }}', POSTGRES_PORT: '{{ .port }}', POSTGRES_DB: '{{ .name }}', POSTGRES_USER: '{{ .user }}', POSTGRES_PASSWORD: '{{ .password }}',
};
const MYSQL_CLIENT = {
  // The image's names (https://hub.docker.com/_/mysql); the mysql client reads MYSQL_HOST and
  // MYSQL_TCP_PORT itself (https://dev.mysql.com/doc/refman/8.4/en/environment-variables.html).
  MYSQL_HOST: '{{ .host }}', MYSQL_TCP_PORT: '{{ .port }}', MYSQL_DATABASE: '{{ .name }}', MYSQL_USER: '{{ .user }}', MYSQL_PASSWORD: '{{ .password }}',
};

const WORDPRESS: BindingConvention = {
  docs: 'https://hub.docker.com/_/wordpress',
  env: { mysql: { WORDPRESS_DB_HOST: HOST_PORT, WORDPRESS_DB_NAME: '{{ .name }}', WORDPRESS_DB_USER: '{{ .user }}', WORDPRESS_DB_PASSWORD: '{{ .password }}' } },
};

const JOOMLA: BindingConvention = {
  docs: 'https://hub.docker.com/_/joomla',
  env: { mysql: { JOOMLA_DB_HOST: HOST_PORT, JOOMLA_DB_NAME: '{{ .name }}', JOOMLA_DB_USER: '{{ .user }}', JOOMLA_DB_PASSWORD: '{{ .password }}' } },
};

/** Ghost reads its configuration from `section__key` variables (https://ghost.org/docs/config/#running-ghost-with-config-env-variables). */
const GHOST: BindingConvention = {
  docs: 'https://hub.docker.com/_/ghost',
  env: {
    mysql: {
      database__client: 'mysql', database__connection__host: '{{ .host }}', database__connection__port: '{{ .port }}',
      database__connection__database: '{{ .name }}', database__connection__user: '{{ .user }}', database__connection__password: '{{ .password }}',
    },
  },
};

/** The host variable takes `host:port` (Nextcloud's dbhost); redis has its own port variable. */
const NEXTCLOUD: BindingConvention = {
  docs: 'https://github.com/nextcloud/docker#auto-configuration-via-environment-variables',
  env: {
    postgresql: { POSTGRES_HOST: HOST_PORT, POSTGRES_DB: '{{ .name }}', POSTGRES_USER: '{{ .user }}', POSTGRES_PASSWORD: '{{ .password }}' },
    mysql: { MYSQL_HOST: HOST_PORT, MYSQL_DATABASE: '{{ .name }}', MYSQL_USER: '{{ .user }}', MYSQL_PASSWORD: '{{ .password }}' },
    redis: { REDIS_HOST: '{{ .host }}', REDIS_HOST_PORT: '{{ .port }}', REDIS_HOST_USER: '{{ .user }}', REDIS_HOST_PASSWORD: '{{ .password }}' },
  },
};

/**
 * One DSN, in the form of the documentation (`postgres://`, `sslmode=disable`: the DBaaS
 * endpoint's TLS is not known here; write `env` to ask for `sslmode=require`).
 */
const MATTERMOST: BindingConvention = {
  docs: 'https://docs.mattermost.com/configure/environment-configuration-settings.html#data-source',
  env: {
    postgresql: {
      MM_SQLSETTINGS_DRIVERNAME: 'postgres',
      MM_SQLSETTINGS_DATASOURCE: 'postgres://{{ .user | urlquery }}:{{ .password | urlquery }}@{{ .host }}:{{ .port }}/{{ .name }}?sslmode=disable&connect_timeout=10',
    },
  },
};

/**
 * MONGO_URL only, as the official compose file sets it: MONGO_OPLOG_URL (the replica set's `local` database) is not needed since
 * Rocket.Chat uses change streams, and an account of one DBaaS database cannot read `local`.
 */
const ROCKET_CHAT: BindingConvention = {
  docs: 'https://github.com/RocketChat/rocketchat-compose/blob/main/compose.yml',
  env: { mongodb: { MONGO_URL: '{{ .url }}' } },
};

/** `GITEA__section__KEY` sets app.ini (environment-to-ini); Forgejo reads `FORGEJO__` the same way. */
const giteaLike = (prefix: string, docs: string): BindingConvention => {
  const db = (type: string) => ({
    [`${prefix}__database__DB_TYPE`]: type, [`${prefix}__database__HOST`]: HOST_PORT, [`${prefix}__database__NAME`]: '{{ .name }}',
    [`${prefix}__database__USER`]: '{{ .user }}', [`${prefix}__database__PASSWD`]: '{{ .password }}',
  });
  return { docs, env: { postgresql: db('postgres'), mysql: db('mysql') } };
};

/** The adapter is left at Matomo's default (PDO\MYSQL). */
const MATOMO: BindingConvention = {
  docs: 'https://hub.docker.com/_/matomo',
  env: {
    mysql: {
      MATOMO_DATABASE_HOST: '{{ .host }}', MATOMO_DATABASE_PORT: '{{ .port }}', MATOMO_DATABASE_DBNAME: '{{ .name }}',
      MATOMO_DATABASE_USERNAME: '{{ .user }}', MATOMO_DATABASE_PASSWORD: '{{ .password }}',
    },
  },
};

/** Ecto's URL (Plausible's PostgreSQL; its ClickHouse is not a DBaaS engine). */
const PLAUSIBLE: BindingConvention = {
  docs: 'https://github.com/plausible/community-edition#configure',
  env: { postgresql: { DATABASE_URL: '{{ .url }}' } },
};

/** Prisma's URL: `postgresql://` or `mysql://` (the image of each engine). */
const UMAMI: BindingConvention = {
  docs: 'https://umami.is/docs/environment-variables',
  env: { postgresql: { DATABASE_URL: '{{ .url }}' }, mysql: { DATABASE_URL: '{{ .url }}' } },
};

const OUTLINE: BindingConvention = {
  docs: 'https://docs.getoutline.com/s/hosting/doc/docker-7pfeLP5a8t',
  env: { postgresql: { DATABASE_URL: '{{ .url }}' }, redis: { REDIS_URL: '{{ .url }}' } },
};

const KEYCLOAK: BindingConvention = {
  docs: 'https://www.keycloak.org/server/db',
  env: Object.fromEntries((['postgresql', 'mysql'] as const).map((engine) => [engine, {
    KC_DB: engine === 'postgresql' ? 'postgres' : 'mysql', KC_DB_URL_HOST: '{{ .host }}', KC_DB_URL_PORT: '{{ .port }}', KC_DB_URL_DATABASE: '{{ .name }}',
    KC_DB_USERNAME: '{{ .user }}', KC_DB_PASSWORD: '{{ .password }}',
  }])),
};

const N8N: BindingConvention = {
  docs: 'https://docs.n8n.io/hosting/configuration/environment-variables/database/',
  env: {
    postgresql: {
      DB_TYPE: 'postgresdb', DB_POSTGRESDB_HOST: '{{ .host }}', DB_POSTGRESDB_PORT: '{{ .port }}', DB_POSTGRESDB_DATABASE: '{{ .name }}',
      DB_POSTGRESDB_USER: '{{ .user }}', DB_POSTGRESDB_PASSWORD: '{{ .password }}',
    },
  },
};

/** The host variable names the engine: REDMINE_DB_POSTGRES or REDMINE_DB_MYSQL. */
const REDMINE: BindingConvention = {
  docs: 'https://hub.docker.com/_/redmine',
  env: Object.fromEntries((['postgresql', 'mysql'] as const).map((engine) => [engine, {
    [engine === 'postgresql' ? 'REDMINE_DB_POSTGRES' : 'REDMINE_DB_MYSQL']: '{{ .host }}', REDMINE_DB_PORT: '{{ .port }}', REDMINE_DB_DATABASE: '{{ .name }}',
    REDMINE_DB_USERNAME: '{{ .user }}', REDMINE_DB_PASSWORD: '{{ .password }}',
  }])),
};

const BOOKSTACK: BindingConvention = {
  docs: 'https://docs.linuxserver.io/images/docker-bookstack/#environment-variables-e',
  env: { mysql: { DB_HOST: '{{ .host }}', DB_PORT: '{{ .port }}', DB_DATABASE: '{{ .name }}', DB_USERNAME: '{{ .user }}', DB_PASSWORD: '{{ .password }}' } },
};

const WIKI_JS: BindingConvention = {
  docs: 'https://docs.requarks.io/install/docker',
  env: Object.fromEntries((['postgresql', 'mysql'] as const).map((engine) => [engine, {
    DB_TYPE: engine === 'postgresql' ? 'postgres' : 'mysql', DB_HOST: '{{ .host }}', DB_PORT: '{{ .port }}', DB_NAME: '{{ .name }}', DB_USER: '{{ .user }}', DB_PASS: '{{ .password }}',
  }])),
};

/** Image repository (no registry, tag or digest; `library/` dropped) -> its convention. */
export const BINDING_CONVENTIONS: Readonly<Record<string, BindingConvention>> = {
  wordpress: WORDPRESS,
  joomla: JOOMLA,
  ghost: GHOST,
  nextcloud: NEXTCLOUD,
  'mattermost/mattermost-team-edition': MATTERMOST,
  'mattermost/mattermost-enterprise-edition': MATTERMOST,
  'rocketchat/rocket.chat': ROCKET_CHAT,
  'gitea/gitea': giteaLike('GITEA', 'https://docs.gitea.com/installation/install-with-docker#managing-deployments-with-environment-variables'),
  'forgejo/forgejo': giteaLike('FORGEJO', 'https://forgejo.org/docs/latest/admin/installation/docker/#environment-variables'),
  matomo: MATOMO,
  'plausible/community-edition': PLAUSIBLE,
  'plausible/analytics': PLAUSIBLE,
  'umami-software/umami': UMAMI,
  'outlinewiki/outline': OUTLINE,
  'keycloak/keycloak': KEYCLOAK,
  'n8nio/n8n': N8N,
  redmine: REDMINE,
  'linuxserver/bookstack': BOOKSTACK,
  'requarks/wiki': WIKI_JS,
  postgres: { docs: 'https://hub.docker.com/_/postgres', env: { postgresql: POSTGRES_CLIENT } },
  mysql: { docs: 'https://hub.docker.com/_/mysql', env: { mysql: MYSQL_CLIENT } },
  mariadb: { docs: 'https://hub.docker.com/_/mariadb', env: { mysql: MYSQL_CLIENT } },
};

/**
 * The repository of an image reference, as the table keys it: without the registry (a first
 * component with a `.` or `:`, or `localhost`), tag and digest, and without Docker Hub's
 * `library/`. `docker.io/library/wordpress:6.8-apache` -> `wordpress`,
 * `quay.io/keycloak/keycloak:26.0` -> `keycloak/keycloak`.
 */
export function imageRepository(image: string): string {
  // String scans, no regular expression or arrays: every app's bindings ask, mostly in cold code
  // (a regular expression's first runs are interpreted: ~10 µs a call at 1,000 apps).
  const at = image.indexOf('@');
  const noDigest = at < 0 ? image : image.slice(0, at);
  // The tag: from the first `:` of the last component.
  const colon = noDigest.indexOf(':', noDigest.lastIndexOf('/') + 1);
  let repo = colon < 0 ? noDigest : noDigest.slice(0, colon);
  const slash = repo.indexOf('/');
  if (slash >= 0) {
    const first = repo.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') repo = repo.slice(slash + 1);
  }
  return repo.indexOf('/') >= 0 && repo.startsWith('library/') ? repo.slice('library/'.length) : repo;
}

/**
 * The variables (name -> template over the binding's parts) that `image` reads to reach a
 * database of `engine`, or undefined when the table does not know the image or the image does
 * not use that engine.
 */
export function conventionalBindingEnv(image: string, engine: DatabaseEngine): Readonly<Record<string, string>> | undefined {
  const repo = imageRepository(image);
  // Own keys only: an image named like a property of every object (`constructor`) is not in the table.
  return Object.prototype.hasOwnProperty.call(BINDING_CONVENTIONS, repo) ? BINDING_CONVENTIONS[repo].env[engine] : undefined;
}
