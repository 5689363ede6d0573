import { JsonMap } from '../../k8s/manifest';

/**
 * A compose `deploy:` block (Swarm stack files, and compose for resources): `replicas`,
 * `resources.limits` / `resources.reservations` as the app spec's resources, `mode: global`
 * reported. Pure.
 */

/** What `deploy:` gives the spec, and what it does not translate. */
export interface DeployTranslation {
  readonly replicas?: number;
  readonly resources?: { requests?: { cpu?: string; memory?: string }; limits?: { cpu?: string; memory?: string } };
  readonly notes: readonly string[];
  readonly untranslated: readonly string[];
}

/** `0.5` cpus -> `500m`, `2` -> `2`. */
export function cpuQuantity(value: unknown): string | undefined {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) return undefined;
  return Number.isInteger(n) ? String(n) : `${Math.max(1, Math.round(n * 1000))}m`;
}

/** `512M`, `1g`, `268435456` (bytes) -> `512Mi`, `1024Mi`, `256Mi`: whole Mi rounded up (compose units are powers of 1024). */
export function memoryQuantity(value: unknown): string | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i.exec(String(value ?? '').trim());
  if (!m) return undefined;
  const factor: Record<string, number> = { '': 1 / (1024 * 1024), b: 1 / (1024 * 1024), k: 1 / 1024, m: 1, g: 1024 };
  const mi = Math.ceil(Number(m[1]) * factor[m[2].toLowerCase()]);
  return mi >= 1 ? (mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`) : undefined;
}

/** One `limits` / `reservations` map as cpu and memory quantities, with what could not be read. */
function quantities(block: unknown, what: string, untranslated: string[]): { cpu?: string; memory?: string } | undefined {
  if (!block || typeof block !== 'object') return undefined;
  const b = block as JsonMap;
  const out: { cpu?: string; memory?: string } = {};
  if (b.cpus !== undefined) {
    out.cpu = cpuQuantity(b.cpus);
    if (!out.cpu) untranslated.push(`deploy.resources.${what}.cpus "${String(b.cpus)}": not a CPU count; set resources by hand`);
  }
  if (b.memory !== undefined) {
    out.memory = memoryQuantity(b.memory);
    if (!out.memory) untranslated.push(`deploy.resources.${what}.memory "${String(b.memory)}": not a size; set resources by hand`);
  }
  for (const key of Object.keys(b).filter((k) => k !== 'cpus' && k !== 'memory')) untranslated.push(`deploy.resources.${what}.${key}: not translated (pids and devices are not set per app)`);
  return out.cpu || out.memory ? out : undefined;
}

/** The `deploy:` block of a service. */
export function translateDeploy(spec: JsonMap): DeployTranslation {
  const deploy = (spec.deploy ?? {}) as JsonMap;
  const notes: string[] = [];
  const untranslated: string[] = [];
  const replicas = typeof deploy.replicas === 'number' ? deploy.replicas : undefined;
  let resources: DeployTranslation['resources'];
  for (const [key, value] of Object.entries(deploy)) {
    if (key === 'replicas') continue;
    if (key === 'resources' && value && typeof value === 'object') {
      const r = value as JsonMap;
      const limits = quantities(r.limits, 'limits', untranslated);
      const requests = quantities(r.reservations, 'reservations', untranslated);
      if (limits || requests) resources = { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) };
      continue;
    }
    if (key === 'mode') {
      if (value === 'global') untranslated.push('deploy.mode: global (one container per node): apps run replicas spread over the nodes, not one per node; set replicas to the number of nodes if that is what it needs');
      else if (value !== 'replicated') untranslated.push(`deploy.mode: ${String(value)}: not translated (jobs run as kind: cronjob)`);
      continue;
    }
    const why: Record<string, string> = {
      restart_policy: 'the platform restarts failed containers itself',
      update_config: 'set strategy: (rolling, recreate, blueGreen, canary) by hand',
      rollback_config: 'Argo Rollouts rolls back (strategy: blueGreen or canary)',
      placement: 'the platform spreads replicas over nodes itself',
      labels: 'labels are set by the platform',
      endpoint_mode: 'every app gets a Service',
    };
    untranslated.push(`deploy.${key}: ${why[key] ?? 'not translated'}`);
  }
  return { replicas, resources, notes, untranslated };
}
