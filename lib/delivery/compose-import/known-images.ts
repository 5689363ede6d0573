/**
 * What the images compose files commonly run listen on, from their documentation: which container
 * port speaks HTTP and which speaks something else. The import classifies a port by this, by the
 * healthcheck URL and by the environment before it ever looks at the number.
 */

/** What a port speaks. */
export type PortProtocol = 'http' | 'other';

/** Repository (no registry, no tag) -> container port -> protocol. */
const PORTS: Readonly<Record<string, Readonly<Record<number, PortProtocol>>>> = {
  wordpress: { 80: 'http' },
  nextcloud: { 80: 'http' },
  'gitea/gitea': { 3000: 'http', 22: 'other' },
  'umami-software/umami': { 3000: 'http' },
  'mattermost/mattermost-enterprise-edition': { 8065: 'http', 8443: 'other', 8067: 'http' },
  'mattermost/mattermost-team-edition': { 8065: 'http', 8443: 'other', 8067: 'http' },
  'rocketchat/rocket.chat': { 3000: 'http', 9458: 'http' },
  'dpage/pgadmin4': { 80: 'http', 443: 'other' },
  'grafana/grafana': { 3000: 'http' },
  'prom/prometheus': { 9090: 'http' },
  matomo: { 80: 'http' },
  nats: { 4222: 'other', 6222: 'other', 8222: 'http' },
  'natsio/prometheus-nats-exporter': { 7777: 'http' },
  'percona/mongodb_exporter': { 9216: 'http' },
  'minio/minio': { 9000: 'http', 9001: 'http' },
  nginx: { 80: 'http', 443: 'other' },
  httpd: { 80: 'http', 443: 'other' },
  'dockersamples/examplevotingapp_vote': { 80: 'http' },
  'dockersamples/examplevotingapp_result': { 80: 'http' },
};

/** `docker.io/library/nginx:1` -> `nginx`; `ghcr.io/umami-software/umami:x` -> `umami-software/umami`. */
export function imageRepository(image: string): string {
  const parts = image.split('@')[0].split('/');
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0])) parts.shift();
  if (parts[0] === 'library') parts.shift();
  const last = parts.pop()!.split(':')[0];
  return [...parts, last].join('/').toLowerCase();
}

/** What `port` of `image` speaks, when the table knows. */
export function knownPortProtocol(image: string | undefined, port: number): PortProtocol | undefined {
  return image ? PORTS[imageRepository(image)]?.[port] : undefined;
}
