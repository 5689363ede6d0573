import * as path from 'path';
import type { AppSpec } from '../config/app-schema';
import type { Invocation } from '../command-line/invocation';
import { runGuarded } from '../cli-errors';
import { folderRefusal, rootRefusal } from '../system-error';
import type { CliIo } from '../delivery/cli';
import { processIo } from '../delivery/cli';
import { loadInputs } from '../synth';
import { Clock, systemClock } from './clock';
import type { Cluster } from './cluster';
import { boardMarker, DataMarker, pathMarker } from './data-marker';
import { runDrill } from './drill';
import { DrillError, DrillInterrupted } from './drill-error';
import { expectedRecovery } from './expected-recovery';
import { KubeApi } from './kube-api';
import { KubeCluster } from './kube-cluster';
import { kubeconfigPath, loadKubeconfig } from './kubeconfig';
import { httpProber, Prober } from './prober';
import { abortRollout, formatPromoteResult, promoteRollout } from './promote';
import { formatDrillReport } from './report';

const ROOT = path.resolve(__dirname, '..', '..');

/** What the commands use besides their arguments; tests pass fakes, the scripts the real ones. */
export interface DrillCliDeps {
  /** The Kubernetes API; built from the kubeconfig when absent. */
  readonly api?: KubeApi;
  /** The drill's cluster; a KubeCluster over `api` when absent. */
  readonly cluster?: Cluster;
  readonly prober?: Prober;
  readonly clock?: Clock;
  /** Aborted on Ctrl-C. */
  readonly signal?: AbortSignal;
}

/** The app spec `name` from `apps/` (validated with the site), or an error listing the apps. */
function findApp(root: string, name: string, appsDir?: string): AppSpec {
  const notApps = folderRefusal('apps', appsDir, appsDir ?? '', 'the folder of the app specs (apps/ of the checkout)');
  if (notApps) throw new DrillError(notApps);
  const { apps } = loadInputs(root, undefined, appsDir);
  const app = apps.find((a) => a.name === name);
  if (!app) throw new DrillError(`no app "${name}" in ${appsDir ?? path.join(root, 'apps')}; known apps: ${apps.map((a) => a.name).join(', ') || 'none'}`);
  return app;
}

function apiFrom(deps: DrillCliDeps, kubeconfig: string | undefined, io: CliIo): KubeApi {
  return deps.api ?? new KubeApi(loadKubeconfig(kubeconfigPath(kubeconfig, io.env)));
}

/** Runs a command body; user errors print their message alone and exit 1 (130 when interrupted). */
function guard(command: string, io: CliIo, body: () => Promise<number>): Promise<number> {
  return runGuarded(command, (line) => io.err(line), body, [DrillError], [[DrillInterrupted, 130]]);
}

/**
 * `npm run drill`: the node-failure drill on the real cluster. Exit 0 when the app came back on
 * another node within the timeout with its data, 1 otherwise, 130 when interrupted.
 */
export function runDrillCli({ options: o }: Invocation<'drill'>, io: CliIo = processIo(), deps: DrillCliDeps = {}): Promise<number> {
  return guard('drill', io, async () => {
    const root = path.resolve(o.root ?? ROOT);
    const badRoot = rootRefusal(o.root, root);
    if (badRoot) throw new DrillError(badRoot);
    const app = findApp(root, o.app, o.apps ? path.resolve(o.apps) : undefined);
    const host = app.expose.http?.host;
    if (!o.url && !host) throw new DrillError(`the app "${app.name}" has no expose.http.host in ${app.file}; pass the URL to probe with --url https://...`);
    const url = o.url ?? `https://${host}/`;
    const prober = deps.prober ?? httpProber();
    let marker: DataMarker;
    if (o.board) marker = boardMarker(prober, url, o.board);
    else if (o['check-path']) marker = pathMarker(prober, url, o['check-path']);
    else throw new DrillError(`say which data must survive: --board <name> (a WBO board you drew on, ${new URL('/boards/drill', url)}) or --check-path <path> (a URL path whose body must be identical after); tsys drill --help shows the usage`);
    const mode = o['power-off'] ? 'power-off' : 'drain';
    const cluster = deps.cluster ?? new KubeCluster(apiFrom(deps, o.kubeconfig, io));
    const report = await runDrill(
      { clock: deps.clock ?? systemClock, cluster, prober },
      {
        app: app.name, namespace: app.environment, node: o.node, mode, url,
        timeoutSeconds: o.timeout ?? 600, intervalSeconds: o.interval ?? 1,
        marker, expected: expectedRecovery(path.join(root, 'dist'), app.name, app.environment, mode), signal: deps.signal, log: io.out,
      },
    );
    io.out(formatDrillReport(report));
    return report.exitCode;
  });
}

/**
 * `npm run promote`: promotes (or aborts) the paused blue/green or canary release of an app,
 * as `kubectl argo rollouts promote|abort` does. Exit 0 when done, 1 when refused.
 */
export function runPromoteCli({ positionals, options: o }: Invocation<'promote'>, io: CliIo = processIo(), deps: DrillCliDeps = {}): Promise<number> {
  return guard('promote', io, async () => {
    if (o.full && o.abort) throw new DrillError('--full promotes and --abort rolls back: choose one');
    const root = path.resolve(o.root ?? ROOT);
    const badRoot = rootRefusal(o.root, root);
    if (badRoot) throw new DrillError(badRoot);
    const app = findApp(root, positionals[0], o.apps ? path.resolve(o.apps) : undefined);
    if (app.strategy.type !== 'blueGreen' && app.strategy.type !== 'canary') {
      throw new DrillError(`the app "${app.name}" deploys with strategy ${app.strategy.type} (a Deployment): there is no release to promote; only blueGreen and canary apps pause for promotion`);
    }
    const api = apiFrom(deps, o.kubeconfig, io);
    const result = o.abort ? await abortRollout(api, app.environment, app.name) : await promoteRollout(api, app.environment, app.name, o.full);
    io.out(`promote: ${formatPromoteResult(result)}`);
    return 0;
  });
}
