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
