import { ApiObject, App, Chart } from 'cdk8s';
import { DependencyGraph } from 'cdk8s/lib/dependency';

/**
 * The objects of each of `charts`, as `Chart.toJson()` gives them (dependency order), for charts
 * of one app. cdk8s's toJson resolves the dependencies of the whole app and validates every
 * construct in it on each call, a full walk per chart (a few hundred milliseconds for a dozen
 * layers beside a thousand apps): here the first chart's toJson does that once, and the other
 * charts are ordered by the same dependency graph cdk8s uses (`cdk8s/lib/dependency`, pinned
 * with cdk8s in package.json). Resolving is idempotent and nothing is added to the tree while
 * objects are turned into JSON, so each chart gets exactly what its own toJson would return.
 * Charts of another app than the first's go through their own toJson. `json` gives the JSON of
 * each object of the other charts, given the object and its `toJson`: a caller that knows an
 * object's JSON already need not turn it into JSON again.
 * @param json @default - each object's toJson()
 */
export function chartsToJson(charts: readonly Chart[], json: (obj: ApiObject, toJson: () => unknown) => unknown = (_, toJson) => toJson()): Map<Chart, unknown[]> {
  const out = new Map<Chart, unknown[]>();
  if (!charts.length) return out;
  const app = App.of(charts[0]);
  out.set(charts[0], charts[0].toJson());
  for (const chart of charts.slice(1)) {
    if (App.of(chart) !== app) {
      out.set(chart, chart.toJson());
      continue;
    }
    out.set(chart, new DependencyGraph(chart.node).topology()
      .filter((x): x is ApiObject => x instanceof ApiObject)
      .filter((x) => Chart.of(x) === chart)
      .map((x) => json(x, () => x.toJson())));
  }
  return out;
}

/**
 * The objects of `chart`, as its `toJson()` gives them (dependency order), without resolving and
 * validating the whole app around it, as toJson does on each call (a walk of every construct of
 * the app: thousands of apps' charts, for a chart of a few objects): when no construct of the
 * chart declares a dependency and none is a chart of its own, cdk8s's resolution adds nothing to
 * the chart's objects or their order (it adds dependencies to the constructs that declare some,
 * and to charts with charts inside). The chart's own constructs are validated, as toJson would;
 * any other chart goes through its toJson.
 */
export function chartJson(chart: Chart): unknown[] {
  const constructs = chart.node.findAll();
  if (constructs.some((c) => c.node.dependencies.length || (c !== chart && c instanceof Chart))) return chart.toJson();
  const errors = constructs.flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  return new DependencyGraph(chart.node).topology()
    .filter((x): x is ApiObject => x instanceof ApiObject)
    .filter((x) => Chart.of(x) === chart)
    .map((x) => x.toJson());
}
