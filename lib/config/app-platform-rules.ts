import { appDatabaseName, previewHost, previewHostField } from '../paas/conventions';
import type { AppSpec } from './app-schema';
import { HAPROXY_PORTS, platformTaken } from './platform-rules';
import type { LayerNeeds, PlatformTaken } from './platform-rules';
import type { RuleIssue } from './rules';
import type { Site } from './schema';

type Spec = Omit<AppSpec, 'file'>;
type Path = readonly (string | number)[];

/** A problem found across apps: the app (its file) and the path in it. */
export interface AppsPlatformIssue {
  readonly app: AppSpec;
  readonly path: Path;
  readonly message: string;
}

/**
 * The TCP ports an app exposes on HAProxy's address (each its own frontend there): the external
 * port of each expose.tcp entry and the field that sets it.
 */
function externalPorts(app: Pick<Spec, 'expose' | 'ports'>): { readonly port: number; readonly index: number; readonly path: Path; readonly explicit: boolean }[] {
  return app.expose.tcp.flatMap((t, index) => {
    const port = t.externalPort ?? app.ports.find((p) => p.name === t.port)?.port;
    if (port === undefined) return []; // checkAppRules: names no port
    const explicit = t.externalPort !== undefined;
    return [{ port, index, path: ['expose', 'tcp', index, explicit ? 'externalPort' : 'port'], explicit }];
  });
}

/**
 * Rules of an app against what the site's platform layers take for themselves: the host names
 * of their UIs (the app's own and its preview's), their DBaaS databases and HAProxy's own ports;
 * and of its own bindings, each to a database of its own. They need the app's name (its preview
 * host and database names derive from it), which parseApp takes from the file name. `layerNeeds`:
 * what each layer publishes and keeps (`LAYER_NEEDS` of lib/layers/index.ts), passed by the caller;
 * absent, the app is checked against HAProxy's ports only. `taken`: what those layers take for this
 * site (`platformTaken(site, layerNeeds)`, computed here when absent), given by a caller that checks
 * many apps against one site.
 */
export function checkAppAgainstPlatform(app: Spec, site: Site, layerNeeds: readonly LayerNeeds[] = [], taken: PlatformTaken = platformTaken(site, layerNeeds)): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const hosts = taken.hosts;
  const own = app.expose.http?.host;
  const ownUi = own === undefined ? undefined : hosts.get(own);
  if (ownUi) issues.push({ path: ['expose', 'http', 'host'], message: `"${own}" is the host of ${ownUi.what} (layer ${ownUi.layer}); one app or platform UI per host name: pick another host` });
  const preview = previewHost(app, site.domain);
  const previewUi = preview === undefined ? undefined : hosts.get(preview);
  if (previewUi) issues.push({ path: previewHostField(app), message: `the preview host "${preview}" of this blueGreen app is the host of ${previewUi.what} (layer ${previewUi.layer}); set preview.host to a host of its own, or write \`preview: { host: false }\` for none` });
  for (const p of externalPorts(app)) {
    const held = HAPROXY_PORTS.find((h) => h.port === p.port);
    if (held) issues.push({ path: p.path, message: `external port ${p.port} is held by ${held.what} on HAProxy's address, where every app's TCP port is a frontend too; set expose.tcp[${p.index}].externalPort to another port` });
  }
  const bound = new Map<string, number>();
  app.databases.forEach((d, i) => {
    const database = appDatabaseName(app, d);
    const platform = taken.databases.find((t) => t.engine === d.engine && t.database === database);
    const twice = bound.get(`${d.engine}/${database}`);
    if (platform) issues.push({ path: ['databases', i], message: `${d.engine} database "${database}" is the platform's (layer ${platform.usedBy}); give the app its own: set databases[${i}].name to another` });
    else if (twice !== undefined) issues.push({ path: ['databases', i], message: `${d.engine} database "${database}" is already bound by databases[${twice}]; bind each database once, or set databases[${i}].name to another` });
    else bound.set(`${d.engine}/${database}`, i);
  });
  return issues;
}

/**
 * Rules across the apps of a site on the DBaaS: no two apps bind to the same database of an
 * engine (each app gets its own account and data). Reported in the app whose binding names the
 * database (`databases[].name`, which can be changed there), else in the later one, naming the other.
 */
export function checkAppDatabasesTogether(apps: readonly AppSpec[]): AppsPlatformIssue[] {
  const issues: AppsPlatformIssue[] = [];
  const owners = new Map<string, { app: AppSpec; index: number }>();
  for (const app of apps) {
    app.databases.forEach((d, i) => {
      const database = appDatabaseName(app, d);
      const key = `${d.engine}/${database}`;
      const first = owners.get(key);
      if (!first) {
        owners.set(key, { app, index: i });
        return;
      }
      if (first.app === app) return;
      const second = { app, index: i };
      const named = (o: { app: AppSpec; index: number }) => o.app.databases[o.index].name !== undefined;
      const [here, other] = named(second) || !named(first) ? [second, first] : [first, second];
      issues.push({
        app: here.app,
        path: ['databases', here.index],
        message: `${d.engine} database "${database}" is also bound by the app "${other.app.name}" (${other.app.file}, databases[${other.index}]); give each app its own: set databases[${here.index}].name to another`,
      });
    });
  }
  return issues;
}

/**
 * Rules across the apps of a site on HAProxy's address: every app's TCP port is a frontend there,
 * so no two apps expose one port. Reported in the app whose `externalPort` sets it (it can be
 * changed there), else in the later one, naming the other.
 */
export function checkAppTcpPortsTogether(apps: readonly AppSpec[]): AppsPlatformIssue[] {
  const issues: AppsPlatformIssue[] = [];
  type Use = { app: AppSpec; port: ReturnType<typeof externalPorts>[number] };
  const owners = new Map<number, Use>();
  for (const app of apps) {
    for (const port of externalPorts(app)) {
      const first = owners.get(port.port);
      if (!first) {
        owners.set(port.port, { app, port });
        continue;
      }
      if (first.app === app) continue; // checkAppRules: external port used twice
      const second = { app, port };
      const [here, other] = second.port.explicit || !first.port.explicit ? [second, first] : [first, second];
      issues.push({
        app: here.app,
        path: here.port.path,
        message: `external port ${port.port} is also exposed by the app "${other.app.name}" (${other.app.file}, expose.tcp[${other.port.index}]) on HAProxy's address, where each port is one frontend; set expose.tcp[${here.port.index}].externalPort to another port`,
      });
    }
  }
  return issues;
}
