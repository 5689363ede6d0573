import type { AppSpec } from '../config/app-schema';

type Spec = Pick<AppSpec, 'ports' | 'health'>;

/**
 * Probe timing of every app container. The startup probe checks often (every 2 s) so a pod
 * that comes back after a node failure is ready within 2 s of answering; readiness then
 * checks every 5 s (2 misses take the pod out of its Services), liveness every 10 s (3 misses
 * restart it) once the startup probe succeeded.
 */
export const PROBE_TIMING = {
  startupPeriodSeconds: 2,
  readinessPeriodSeconds: 5,
  readinessFailureThreshold: 2,
  livenessPeriodSeconds: 10,
  livenessFailureThreshold: 3,
  timeoutSeconds: 2,
} as const;

/** The port name the probes check: health.port, else the first port. */
export function healthPort(app: Spec): string {
  return app.health.port ?? app.ports[0].name;
}

/** Startup probe attempts: enough for `health.startupSeconds` at the startup period. */
export function startupFailureThreshold(app: Pick<AppSpec, 'health'>): number {
  return Math.ceil(app.health.startupSeconds / PROBE_TIMING.startupPeriodSeconds);
}

/** The container's probes (Kubernetes JSON): HTTP GET of health.path, or a TCP connect without one. */
export function appProbes(app: Spec): { startupProbe: object; readinessProbe: object; livenessProbe: object } {
  const port = healthPort(app);
  const handler = app.health.path ? { httpGet: { path: app.health.path, port } } : { tcpSocket: { port } };
  return {
    startupProbe: { ...handler, periodSeconds: PROBE_TIMING.startupPeriodSeconds, failureThreshold: startupFailureThreshold(app), timeoutSeconds: PROBE_TIMING.timeoutSeconds },
    readinessProbe: { ...handler, periodSeconds: PROBE_TIMING.readinessPeriodSeconds, failureThreshold: PROBE_TIMING.readinessFailureThreshold, timeoutSeconds: PROBE_TIMING.timeoutSeconds },
    livenessProbe: { ...handler, periodSeconds: PROBE_TIMING.livenessPeriodSeconds, failureThreshold: PROBE_TIMING.livenessFailureThreshold, timeoutSeconds: PROBE_TIMING.timeoutSeconds },
  };
}
