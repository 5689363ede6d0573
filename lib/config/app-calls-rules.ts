import * as path from 'path';
import { appObjects } from '../paas/app-objects';
import type { AppSpec } from './app-schema';
import type { AppsPlatformIssue } from './app-platform-rules';
import type { RuleIssue } from './rules';

type Spec = Omit<AppSpec, 'file'>;

/** How many app names a message lists before it counts the rest. */
const NAMES_SHOWN = 20;

/** `"a", "b" and 3 more`. */
function listNames(names: readonly string[]): string {
  const shown = names.slice(0, NAMES_SHOWN).map((n) => `"${n}"`).join(', ');
  return names.length > NAMES_SHOWN ? `${shown} and ${names.length - NAMES_SHOWN} more` : shown;
}

/**
 * The rules of an app's `calls` that its own spec decides (parseApp): no call of the app itself,
 * each app and port once (an entry without a port lets every port through already), and no
 * policy of a call named as another object the app renders (`<app>-to-dbaas` is the DBaaS's
 * allow: an app named `dbaas` cannot be called by an app with databases).
 */
export function checkAppCalls(app: Spec): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const seen = new Map<string, number>();
  const everyPort = new Map<string, number>();
  app.calls.forEach((c, i) => {
    if (c.port === undefined && c.app !== app.name && !everyPort.has(c.app)) everyPort.set(c.app, i);
  });
  app.calls.forEach((c, i) => {
    if (c.app === app.name) {
      issues.push({ path: ['calls', i, 'app'], message: `is this app's own name; calls lists the other apps this one connects to` });
      return;
    }
    const key = `${c.app}\0${c.port ?? ''}`;
    const twice = seen.get(key);
    if (twice !== undefined) {
      issues.push({ path: ['calls', i], message: `calls the app "${c.app}"${c.port === undefined ? '' : ` on port "${c.port}"`} again (also calls[${twice}]); list each call once` });
      return;
    }
    seen.set(key, i);
    const all = everyPort.get(c.app);
    if (c.port !== undefined && all !== undefined) {
      issues.push({ path: ['calls', i, 'port'], message: `is let through already: calls[${all}] calls every port of the app "${c.app}"; drop this entry, or give calls[${all}] a port` });
    }
  });
  if (issues.length || !app.calls.length) return issues;
  const objects = appObjects(app);
  for (const obj of objects) {
    if (obj.field[0] !== 'calls') continue;
    const other = objects.find((o) => o !== obj && o.kind === obj.kind && o.name === obj.name);
    if (!other) continue;
    issues.push({
      path: obj.field,
      message: `${obj.role} would be the NetworkPolicy "${obj.name}", which is already ${other.role}${other.field.length ? ` (from ${other.field.join('.')})` : ''}; one would overwrite the other: rename the app called (its file)`,
    });
  }
  return issues;
}

/**
 * Rules across the apps of a site on `calls`: the app called is in apps/, runs in the caller's
 * environment (a NetworkPolicy's pod selector is of its own namespace) and has a Service (a web
 * app; a worker or a cronjob serves nothing), and a `port` is one of its port names. Reported at
 * the caller's entry. `names`: every app file of the folder, also those that did not load: a
 * call of an app with problems of its own is checked once they are fixed.
 */
export function checkAppCallsTogether(apps: readonly AppSpec[], names: ReadonlySet<string> = new Set(apps.map((a) => a.name))): AppsPlatformIssue[] {
  const issues: AppsPlatformIssue[] = [];
  const byName = new Map(apps.map((a) => [a.name, a]));
  for (const app of apps) {
    app.calls.forEach((c, i) => {
      const add = (field: 'app' | 'port', message: string) => issues.push({ app, path: ['calls', i, field], message });
      const target = byName.get(c.app);
      if (!target) {
        if (names.has(c.app)) return;
        const dir = path.dirname(app.file);
        const same = apps.filter((a) => a !== app && a.environment === app.environment).map((a) => a.name).sort();
        const elsewhere = apps.filter((a) => a.environment !== app.environment).length;
        const known = same.length ? `the other apps of ${app.environment} are ${listNames(same)}` : `no other app runs in ${app.environment}`;
        add('app', `names no app: there is no ${path.join(dir, `${c.app}.yaml`)}; ${known}${elsewhere ? ` (and ${elsewhere} in other environments, which an app cannot call)` : ''}`);
        return;
      }
      if (target.environment !== app.environment) {
        add('app', `the app "${c.app}" (${target.file}) runs in ${target.environment}, and this app in ${app.environment}: an app calls only apps of its own environment (the namespace whose policies let it through); call the ${app.environment} one, or move one of them`);
        return;
      }
      if (target.kind !== 'web') {
        const what = target.kind === 'worker'
          ? `a worker${target.ports.length ? ` (its ports, ${listNames(target.ports.map((p) => p.name))}, are for Prometheus only)` : ' without ports'}`
          : 'a cronjob';
        add('app', `the app "${c.app}" (${target.file}) is ${what}, which has no Service: nothing connects to it; only a web app (kind: web, with ports) can be called`);
        return;
      }
      if (c.port !== undefined && !target.ports.some((p) => p.name === c.port)) {
        add('port', `names no port "${c.port}" of the app "${c.app}" (${target.file}); its ports are ${listNames(target.ports.map((p) => p.name))}`);
      }
    });
  }
  return issues;
}
