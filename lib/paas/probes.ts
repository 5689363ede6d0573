import type { AppSpec } from '../config/app-schema';

type Spec = Pick<AppSpec, 'ports' | 'health'> & { readonly kind?: AppSpec['kind'] };

/**
 * Probe timing of every app container. The startup probe checks often (every 2 s) so a pod
 * that comes back after a node failure is ready within 2 s of answering; readiness then
 * checks every 5 s (2 misses take the pod out of its Services), liveness every 10 s (3 misses
 * restart it) once the startup probe succeeded. `health.periodSeconds`, `timeoutSeconds` and
 * `failureThreshold` replace the readiness and liveness figures (the timeout every probe's).
 */
export const PROBE_TIMING = {
  startupPeriodSeconds: 2,
  readinessPeriodSeconds: 5,
  readinessFailureThreshold: 2,
  livenessPeriodSeconds: 10,
  livenessFailureThreshold: 3,
  timeoutSeconds: 2,
} as const;

/** The port name the probes check: health.port, else the first port; none for an app without ports. */
export function healthPort(app: Spec): string | undefined {
  return app.health.port ?? app.ports[0]?.name;
}

/** Startup probe attempts: enough for `health.startupSeconds` at the startup period. */
export function startupFailureThreshold(app: Pick<AppSpec, 'health'>): number {
  return Math.ceil(app.health.startupSeconds / PROBE_TIMING.startupPeriodSeconds);
}

/**
 * What every probe of the app runs: an exec of health.command, an HTTP GET of health.path, a
 * TCP connect to the health port; none for an app with neither a command nor a port (a worker
 * whose container Kubernetes restarts only when its process exits).
 */
export function probeHandler(app: Spec): object | undefined {
  if (app.health.command) return { exec: { command: [...app.health.command] } };
  const port = healthPort(app);
  if (port === undefined) return undefined;
  return app.health.path ? { httpGet: { path: app.health.path, port } } : { tcpSocket: { port } };
}

/** The container's probes (Kubernetes JSON). */
export interface AppProbes {
  readonly startupProbe?: object;
  readonly readinessProbe?: object;
  readonly livenessProbe?: object;
}

/**
 * The container's probes (Kubernetes JSON): startup, readiness and liveness with the handler of
 * probeHandler; none without one. A cronjob's run has no readiness probe (no Service sends it
 * traffic, and a Job does not wait for readiness): startup and liveness only.
 */
export function appProbes(app: Spec): AppProbes {
  const handler = probeHandler(app);
  if (!handler) return {};
  const h = app.health;
  const timeoutSeconds = h.timeoutSeconds ?? PROBE_TIMING.timeoutSeconds;
  const startupProbe = { ...handler, periodSeconds: PROBE_TIMING.startupPeriodSeconds, failureThreshold: startupFailureThreshold(app), timeoutSeconds };
  const readinessProbe = { ...handler, periodSeconds: h.periodSeconds ?? PROBE_TIMING.readinessPeriodSeconds, failureThreshold: h.failureThreshold ?? PROBE_TIMING.readinessFailureThreshold, timeoutSeconds };
  const livenessProbe = { ...handler, periodSeconds: h.periodSeconds ?? PROBE_TIMING.livenessPeriodSeconds, failureThreshold: h.failureThreshold ?? PROBE_TIMING.livenessFailureThreshold, timeoutSeconds };
  return app.kind === 'cronjob' ? { startupProbe, livenessProbe } : { startupProbe, readinessProbe, livenessProbe };
}
