import { SiteFieldError } from '../platform-error';
import type { Site } from './schema';

/**
 * The endpoint of a DBaaS engine from site.yaml; throws naming the missing `dbaas.<engine>` key
 * (a site rule: the layers, the PaaS model and the database doc all ask here).
 */
export function dbaasEndpoint(site: Site, engine: keyof Site['dbaas']): { host: string; port: number } {
  const endpoint = site.dbaas[engine];
  if (!endpoint) throw new SiteFieldError(['dbaas', engine], `is missing, and a platform component keeps its data on that DBaaS; add dbaas.${engine}: { host, port }`);
  return endpoint;
}
