import { ApiObject, App, Chart } from 'cdk8s';
import { DependencyGraph } from 'cdk8s/lib/dependency';

/**
 * The objects of each of `charts`, as `Chart.toJson()` gives them (dependency order), for charts
 * of one app. cdk8s's toJson resolves the dependencies of the whole app and validates every
 * construct in it on each call, a full walk per chart (a few hundred milliseconds for a dozen
 * layers beside a thousand apps): here a chart that nothing needs resolved for (`ownOrder`) is
 * ordered by its own dependency graph, the one cdk8s uses (`cdk8s/lib/dependency`, pinned with
 * cdk8s in package.json), its constructs validated; the first chart that does need it goes
 * through its toJson, which resolves the app once, and the charts after it are ordered by the
 * same graph. Resolving is idempotent and nothing is added to the tree while objects are turned
 * into JSON, so each chart gets exactly what its own toJson would return. Charts of another app
 * than the first's go through their own toJson. `json` gives the JSON of each object of a chart
 * not turned into JSON by its toJson, given the object and its `toJson`: a caller that knows an
 * object's JSON already need not turn it into JSON again. Unlike toJson, constructs outside
 * `charts` are validated only when one chart needs the app resolved (the render validates every
 * construct before).
 * @param json @default - each object's toJson()
 */
export function chartsToJson(charts: readonly Chart[], json: (obj: ApiObject, toJson: () => unknown) => unknown = (_, toJson) => toJson()): Map<Chart, unknown[]> {
  const out = new Map<Chart, unknown[]>();
  if (!charts.length) return out;
  const app = App.of(charts[0]);
  let resolved = false;
  for (const chart of charts) {
    if (App.of(chart) !== app) {
      out.set(chart, chart.toJson());
      continue;
    }
    if (!resolved && !ownOrder(chart)) {
      out.set(chart, chart.toJson());
      resolved = true;
      continue;
    }
    out.set(chart, chartObjects(chart).map((x) => json(x, () => x.toJson())));
  }
  return out;
}

/**
 * Whether cdk8s's resolution of the app's dependencies adds nothing to the objects of `chart` or
 * their order, and its constructs validate (else throws as toJson does): no construct of the
 * chart declares a dependency and none is a chart of its own (the resolution adds dependencies
 * to the constructs that declare some, and to charts with charts inside).
 */
function ownOrder(chart: Chart): boolean {
  const constructs = chart.node.findAll();
  if (constructs.some((c) => c.node.dependencies.length || (c !== chart && c instanceof Chart))) return false;
  const errors = constructs.flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  return true;
}

/** The ApiObjects of `chart` (not of a chart inside it) in dependency order, as toJson orders them once the app is resolved (cdk8s's chartToKube). */
function chartObjects(chart: Chart): ApiObject[] {
  return new DependencyGraph(chart.node).topology()
    .filter((x): x is ApiObject => x instanceof ApiObject)
    .filter((x) => Chart.of(x) === chart);
}

/**
 * The objects of `chart`, as its `toJson()` gives them (dependency order), without resolving and
 * validating the whole app around it, as toJson does on each call (a walk of every construct of
 * the app: thousands of apps' charts, for a chart of a few objects), when nothing needs resolved
 * for it (`ownOrder`: its constructs are validated); else its toJson.
 */
export function chartJson(chart: Chart): unknown[] {
  return ownOrder(chart) ? chartObjects(chart).map((x) => x.toJson()) : chart.toJson();
}
