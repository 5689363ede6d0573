import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { parseApp } from '../../lib/config/load-apps';
import { buildPlatform } from '../../lib/platform';
import { chartJson, chartsToJson } from '../../lib/render/chart-objects';
import { shippedSite } from '../helpers';

const site = shippedSite();
const APPS: Record<string, string> = {
  web: 'environment: prod\nimage: registry.turnsys.com/tsys/web:1.0.0\nports: [ { name: http, port: 8080 } ]\nexpose: { http: { host: web.apps.turnsys.com } }\nstrategy: { type: blueGreen }\n',
  api: 'environment: sit\nimage: registry.turnsys.com/tsys/api:1.0.0\nports: [ { name: http, port: 8080 } ]\ndatabases: [ { engine: postgresql } ]\n',
};

describe('chartsToJson: every chart of the platform with one dependency resolution', () => {
  test('GIVEN the shipped platform with apps WHEN its charts are turned into JSON together THEN each chart gets exactly what its own toJson gives, in the same order', () => {
    const specs = Object.keys(APPS).map((n) => parseApp(APPS[n], `apps/${n}.yaml`, site));
    const together = chartsToJson(buildPlatform(site, undefined, specs).outputs.map((o) => o.chart));
    const alone = buildPlatform(site, undefined, specs).outputs.map((o) => o.chart.toJson());
    expect([...together.values()]).toEqual(alone);
    expect(alone.length).toBeGreaterThan(10);
  });

  test('GIVEN objects ordered by dependency across constructs WHEN turned into JSON together THEN the order follows the dependencies, as toJson orders it', () => {
    const make = () => {
      const app = new App();
      const first = new Chart(app, 'first');
      const second = new Chart(app, 'second');
      const a = new ApiObject(second, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
      const b = new ApiObject(second, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } });
      new ApiObject(first, 'c', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
      a.addDependency(b);
      return [first, second];
    };
    const together = [...chartsToJson(make()).values()];
    expect(together).toEqual(make().map((c) => c.toJson()));
    expect((together[1] as { metadata: { name: string } }[]).map((o) => o.metadata.name)).toEqual(['b', 'a']);
  });

  test('GIVEN charts that need nothing resolved, then one with a chart inside, then one with a dependency WHEN turned into JSON together THEN each gets what its own toJson gives', () => {
    const make = () => {
      const app = new App();
      const plain = new Chart(app, 'plain');
      new ApiObject(plain, 'p', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p' } });
      const outer = new Chart(app, 'outer');
      new ApiObject(outer, 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o' } });
      new ApiObject(new Chart(outer, 'inner'), 'i', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'i' } });
      const ordered = new Chart(app, 'ordered');
      const a = new ApiObject(ordered, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
      a.addDependency(new ApiObject(ordered, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } }));
      return [plain, outer, ordered];
    };
    expect([...chartsToJson(make()).values()]).toEqual(make().map((c) => c.toJson()));
  });

  test('GIVEN a chart with a construct that does not validate WHEN turned into JSON together THEN it throws, naming the construct, as toJson does', () => {
    const make = () => {
      const chart = new Chart(new App(), 'bad');
      new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o' } });
      chart.node.addValidation({ validate: () => ['no good'] });
      return chart;
    };
    expect(() => chartsToJson([make()])).toThrow('[bad] no good');
    expect(() => make().toJson()).toThrow('[bad] no good');
  });

  test('GIVEN charts of two apps WHEN turned into JSON together THEN each still gets its own toJson', () => {
    const charts = [new App(), new App()].map((app, i) => {
      const chart = new Chart(app, `c${i}`);
      new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `o${i}` } });
      return chart;
    });
    expect([...chartsToJson(charts).values()]).toEqual(charts.map((c) => c.toJson()));
  });
});

describe('chartJson: one chart without resolving the whole app', () => {
  /** An app of two charts; `inner` sets what the second chart holds besides its two objects. */
  const make = (inner: (chart: Chart, a: ApiObject, b: ApiObject) => void = () => undefined) => {
    const app = new App();
    const first = new Chart(app, 'first');
    const x = new ApiObject(first, 'x', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    const y = new ApiObject(first, 'y', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y' } });
    x.addDependency(y);
    const second = new Chart(app, 'second', { labels: { team: 'a' } });
    const a = new ApiObject(second, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
    const b = new ApiObject(new Construct(second, 'group'), 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } });
    inner(second, a, b);
    return second;
  };
  const names = (objects: unknown[]) => (objects as { metadata: { name: string } }[]).map((o) => o.metadata.name);

  test('GIVEN a chart without dependencies beside charts with some WHEN turned into JSON alone THEN it gets exactly what its toJson gives', () => {
    const alone = chartJson(make());
    expect(alone).toEqual(make().toJson());
    expect(names(alone)).toEqual(['a', 'b']);
  });

  test('GIVEN a chart one of whose objects depends on another WHEN turned into JSON alone THEN the dependency orders them, as toJson does', () => {
    const withDependency = (_: Chart, a: ApiObject, b: ApiObject) => a.addDependency(b);
    const alone = chartJson(make(withDependency));
    expect(alone).toEqual(make(withDependency).toJson());
    expect(names(alone)).toEqual(['b', 'a']);
  });

  test('GIVEN a chart with a chart inside WHEN turned into JSON alone THEN it gets what its toJson gives', () => {
    const nested = (chart: Chart) => new ApiObject(new Chart(chart, 'inner'), 'c', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
    expect(chartJson(make(nested))).toEqual(make(nested).toJson());
  });

  test('GIVEN a construct of the chart that does not validate WHEN turned into JSON alone THEN it throws, naming the construct, as toJson does', () => {
    const invalid = (chart: Chart) => chart.node.addValidation({ validate: () => ['no good'] });
    expect(() => chartJson(make(invalid))).toThrow('[second] no good');
    expect(() => make(invalid).toJson()).toThrow('[second] no good');
  });
});
