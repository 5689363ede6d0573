import type { AppSpec } from '../config/app-schema';

/**
 * An app's `calls`: the other apps of its environment it connects to. The namespace denies every
 * connection between pods by default (both ways), so each app called gets two NetworkPolicies,
 * both rendered in the CALLER's folder (lib/paas/network-policies.ts): `<app>-to-<target>`
 * (egress from the caller's pods) and `<target>-from-<app>` (ingress into the target's pods).
 */

/** The egress allow of a call, in the caller's folder: the caller's pods to the target's. */
export function callEgressPolicyName(app: string, target: string): string {
  return `${app}-to-${target}`;
}

/** The ingress allow of a call, in the caller's folder: into the target's pods from the caller's. */
export function callIngressPolicyName(app: string, target: string): string {
  return `${target}-from-${app}`;
}

/** One app called, as the entries of `calls` name it: the first entry naming it, and its ports (undefined: every port of its Service). */
export interface CallTarget {
  readonly app: string;
  /** The index of the first entry naming the app (where a problem with it is reported). */
  readonly index: number;
  /** The port names the entries give, in their order; undefined when an entry gives none (every port). */
  readonly ports?: readonly string[];
}

/** The apps an app calls, each once (entries naming one app are merged), in the order first named. */
export function callTargets(app: Pick<AppSpec, 'calls'>): CallTarget[] {
  const byApp = new Map<string, { index: number; ports?: string[] }>();
  app.calls.forEach((c, index) => {
    const known = byApp.get(c.app);
    if (!known) {
      byApp.set(c.app, { index, ...(c.port === undefined ? {} : { ports: [c.port] }) });
      return;
    }
    if (c.port === undefined) delete known.ports;
    else if (known.ports && !known.ports.includes(c.port)) known.ports.push(c.port);
  });
  return [...byApp].map(([target, t]) => ({ app: target, index: t.index, ...(t.ports ? { ports: t.ports } : {}) }));
}

/** A port of an app called, as the caller's policies name it: a named port resolves on the target's pods. */
export interface CalledPort {
  readonly name: string;
  readonly protocol: 'TCP' | 'UDP';
}

/**
 * An app called, as the caller's render needs it: its name and the ports let through (the ports
 * the entries name, else every port of its Service), names and protocols only. Part of the
 * caller's render inputs (lib/paas/workload-chart.ts), so the per-app render cache's key covers
 * what the caller's policies take from the target's spec.
 */
export interface CalledApp {
  readonly app: string;
  readonly ports: readonly CalledPort[];
}

/**
 * The apps `app` calls, resolved against `apps` (every app rendered with it). The rules across apps
 * (lib/config/app-calls-rules.ts) refuse every problem at load with the file, line and field; a
 * render given apps that were not loaded together throws, naming the problem.
 */
export function calledApps(app: Pick<AppSpec, 'name' | 'environment' | 'calls'>, apps: readonly Pick<AppSpec, 'name' | 'environment' | 'kind' | 'ports'>[]): CalledApp[] {
  return callTargets(app).map((t) => {
    const target = apps.find((a) => a.name === t.app);
    const refuse = (why: string) => new Error(`app "${app.name}" calls "${t.app}" (calls[${t.index}]), ${why}; load the apps together (loadApps), which refuses it at the field`);
    if (!target) throw refuse('which is not among the apps rendered');
    if (target.environment !== app.environment) throw refuse(`which runs in ${target.environment}, not ${app.environment}`);
    if (target.kind !== 'web' || !target.ports.length) throw refuse('which has no Service');
    const ports = t.ports === undefined ? target.ports : t.ports.map((name) => {
      const port = target.ports.find((p) => p.name === name);
      if (!port) throw refuse(`which has no port "${name}"`);
      return port;
    });
    return { app: t.app, ports: ports.map((p) => ({ name: p.name, protocol: p.protocol })) };
  });
}
