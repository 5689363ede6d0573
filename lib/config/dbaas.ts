import type { Site } from './schema';

/**
 * The endpoint of a DBaaS engine from site.yaml (the layers, the PaaS model and the database doc
 * all ask here). The site rules require every engine the platform's layers keep data on (what
 * each declares, `LayerNeeds`, collected in LAYER_NEEDS of lib/layers/index.ts) and the app rules
 * every engine an app binds to, so a missing one is a programming error: a layer uses an engine its
 * declaration lacks, or the site was loaded without LAYER_NEEDS.
 */
export function dbaasEndpoint(site: Site, engine: keyof Site['dbaas']): { host: string; port: number } {
  const endpoint = site.dbaas[engine];
  if (!endpoint) throw new Error(`programming error: the site has no dbaas.${engine}; declare the database that needs it in its layer file (LayerNeeds, listed in LAYER_NEEDS of lib/layers/index.ts), whose site rule then asks for the endpoint, or load the site and apps with loadSite and loadApps given LAYER_NEEDS`);
  return endpoint;
}
