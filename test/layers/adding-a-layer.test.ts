import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { parse } from 'yaml';
import { ConfigError, formatIssue } from '../../lib/config/errors';
import type { LayerDatabase, LayerNeeds, LayerUi } from '../../lib/config/platform-rules';
import { HelmComponent } from '../../lib/constructs/helm-component';
import { PlatformNamespace } from '../../lib/constructs/platform-namespace';
import { PublishedUi } from '../../lib/constructs/published-ui';
import { pinned } from '../../lib/context';
import type { LayerFactory, PlatformContext } from '../../lib/context';
import { ANNOTATIONS } from '../../lib/gitops/argocd';
import { Inventory } from '../../lib/inventory';
import { Layer } from '../../lib/layer';
import { CHART_PINS, LAYER_NEEDS, LAYERS } from '../../lib/layers';
import { metricsServerValues } from '../../lib/layers/metrics-server';
import { loadInputs, synth } from '../../lib/synth';
import { chartComponents } from '../../lib/vendor/vendor-command';
import { readVendorLock } from '../../lib/vendor/lock';
import { ChartPin, pinNames } from '../../lib/versions';
import { layerNames, REPO, shippedSite, tempRootWithOutputs } from '../helpers';

/**
 * docs/adding-a-layer.md: a chart layer is its file (with its chart pin and what it takes) and its
 * entries in the layer index. This fixture layer, its pin and its declared UI and database are
 * registered only by being in the lists of layer factories, chart pins and layer needs (what
 * lib/layers/index.ts LAYERS, CHART_PINS and LAYER_NEEDS are); no other file knows them. Its chart
 * is one already vendored (metrics-server), under its own release name.
 */
const FIXTURE = 'fixture-layer';
const RELEASE = 'fixture-metrics-server';

/** The fixture's pin, as a layer file declares it: repository, chart, version, where it is released from. */
const FIXTURE_CHART: ChartPin = {
  name: 'fixture-chart',
  kind: 'chart',
  repo: 'https://kubernetes-sigs.github.io/metrics-server/',
  chart: 'metrics-server',
  version: '3.13.1',
  source: { repository: 'https://github.com/kubernetes-sigs/metrics-server', path: 'charts/metrics-server', tag: 'metrics-server-helm-chart-{version}' },
};

/** The fixture's UI and database, as a layer file declares them: the site and app rules read them from here only. */
const FIXTURE_UI: LayerUi = { subdomain: 'fixture', what: 'the fixture console' };
const FIXTURE_DB: LayerDatabase = { engine: 'postgresql', database: 'fixture' };
const FIXTURE_NEEDS: LayerNeeds = { layer: FIXTURE, uis: [FIXTURE_UI], databases: [FIXTURE_DB] };

function fixtureLayer(scope: Construct, ctx: PlatformContext): Layer {
  const layer = new Layer(scope, { name: FIXTURE, description: 'a layer only the index knows', namespace: FIXTURE, dependsOn: ['gateway', 'secrets'] });
  new PlatformNamespace(layer, 'namespace', { name: FIXTURE });
  new ApiObject(layer, 'settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: FIXTURE }, data: { greeting: 'hello' } });
  new HelmComponent(layer, 'chart', {
    name: RELEASE,
    chart: pinned(ctx, FIXTURE_CHART),
    namespace: FIXTURE,
    // The shipped layer's values under another name; the shipped release keeps the metrics API (APIService) to itself.
    values: {
      ...metricsServerValues(),
      nameOverride: RELEASE,
      apiService: { create: false },
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/name': RELEASE, 'app.kubernetes.io/instance': RELEASE } } }] } },
    },
  });
  // Published and kept from the declared values, as the shipped layers do.
  new PublishedUi(layer, 'ui', { name: FIXTURE_UI.subdomain, namespace: FIXTURE, serviceName: RELEASE, servicePort: 443, description: 'the fixture console' });
  Inventory.of(layer).addDatabase({ ...FIXTURE_DB, user: 'fixture', passwordRef: 'bitwarden:fixture-db', usedBy: FIXTURE, purpose: 'the fixture\'s settings' });
  return layer;
}

/** The shipped site with `versions:` overriding the fixture's pin (to the version vendored). */
function siteOverridingFixture(root: string): string {
  const file = path.join(root, 'site.yaml');
  const text = fs.readFileSync(path.join(REPO, 'site.yaml'), 'utf8');
  const patched = text.replace(/^versions: \{\}$/m, `versions:\n  ${FIXTURE_CHART.name}: ${FIXTURE_CHART.version}`);
  expect(patched).not.toBe(text);
  fs.writeFileSync(file, patched);
  return file;
}

describe('adding a layer (docs/adding-a-layer.md)', () => {
  const factories: readonly LayerFactory[] = [...LAYERS, fixtureLayer];
  const pins: readonly ChartPin[] = [...CHART_PINS, FIXTURE_CHART];
  const needs: readonly LayerNeeds[] = [...LAYER_NEEDS, FIXTURE_NEEDS];
  let root: string;
  beforeAll(() => {
    root = tempRootWithOutputs();
    siteOverridingFixture(root);
    // synth verifies the whole rendered tree and throws (writing nothing) on any finding.
    synth({ root, layers: factories, pinNames: pinNames(pins), layerNeeds: needs, log: () => undefined });
  }, 300000);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('GIVEN a layer in the index only WHEN the tests list the layers THEN it is among them', () => {
    expect(layerNames(shippedSite(), factories)).toContain(FIXTURE);
  });

  test('GIVEN a chart layer in the index only WHEN synthesized and verified THEN its folder holds its objects and its chart\'s', () => {
    const files = fs.readdirSync(path.join(root, 'dist', FIXTURE)).sort();
    expect(files).toEqual(expect.arrayContaining(['configmap-settings.yaml', `namespace-${FIXTURE}.yaml`, `deployment-${RELEASE}.yaml`, `service-${RELEASE}.yaml`]));
    const deployment = parse(fs.readFileSync(path.join(root, 'dist', FIXTURE, `deployment-${RELEASE}.yaml`), 'utf8'));
    expect(deployment.metadata.labels['helm.sh/chart']).toBe(`metrics-server-${FIXTURE_CHART.version}`);
    expect(files.some((f) => f.startsWith('apiservice-'))).toBe(false);
  });

  test('GIVEN a site that overrides the fixture\'s pin WHEN its name is not among the pins the caller passes THEN synth refuses at the versions: key, file:line:col', () => {
    const elsewhere = tempRootWithOutputs();
    try {
      const file = siteOverridingFixture(elsewhere);
      let error: unknown;
      try {
        synth({ root: elsewhere, layers: factories, log: () => undefined });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const line = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.startsWith(`  ${FIXTURE_CHART.name}:`)) + 1;
      expect((error as ConfigError).issues.map((i) => `${i.line}:${i.column} ${i.field}`)).toEqual([`${line}:3 versions.${FIXTURE_CHART.name}`]);
      expect((error as Error).message).toContain(`unknown component "${FIXTURE_CHART.name}" (allowed: `);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  test('GIVEN a layer whose file declares a UI and a database WHEN synthesized THEN it publishes the UI on the gateway and keeps the database, as declared', () => {
    const route = parse(fs.readFileSync(path.join(root, 'dist', FIXTURE, `httproute-${FIXTURE_UI.subdomain}.yaml`), 'utf8'));
    expect(route.spec.hostnames).toEqual(['fixture.turnsys.com']);
    expect(fs.readFileSync(path.join(root, 'docs', 'databases.md'), 'utf8')).toMatch(/\| postgresql \| [^|]+ \| `fixture` \|/);
  });

  test('GIVEN an app on the fixture layer\'s host and database WHEN synthesized with the fixture\'s declaration passed in THEN it is refused at its file:line:col, before anything is built; with the index\'s declarations alone it loads', () => {
    const elsewhere = tempRootWithOutputs();
    try {
      siteOverridingFixture(elsewhere);
      fs.writeFileSync(path.join(elsewhere, 'apps', 'clash.yaml'), 'environment: prod\nimage: nginx:1.27.3\nports: [ { name: http, port: 8080 } ]\nexpose: { http: { host: fixture.turnsys.com } }\ndatabases: [ { engine: postgresql, name: fixture } ]\n');
      let error: unknown;
      try {
        synth({ root: elsewhere, layers: factories, pinNames: pinNames(pins), layerNeeds: needs, log: () => undefined });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const shown = path.relative(process.cwd(), path.join(elsewhere, 'apps', 'clash.yaml'));
      expect((error as ConfigError).issues.map(formatIssue)).toEqual([
        `${shown}:4:25: expose.http.host: "fixture.turnsys.com" is the host of the fixture console (layer ${FIXTURE}); one app or platform UI per host name: pick another host`,
        `${shown}:5:14: databases[0]: postgresql database "fixture" is the platform's (layer ${FIXTURE}); give the app its own: set databases[0].name to another`,
      ]);
      // The index's declarations alone do not know the fixture's: the app would load.
      expect(loadInputs(elsewhere, undefined, undefined, pinNames(pins)).apps.map((a) => a.name)).toContain('clash');
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  test('GIVEN a chart pin WHEN the vendor command\'s table is built from the pins THEN it knows the chart by its chart name and its pin name, released from its source', () => {
    const table = chartComponents([FIXTURE_CHART]);
    expect(table).toEqual({ 'metrics-server': { kind: 'chart', ...FIXTURE_CHART.source, aliases: ['fixture-chart'] } });
  });

  test('GIVEN the layer index WHEN its chart pins are read THEN each chart is pinned once, at the version vendor/lock.yaml holds, from the repository it was vendored from', () => {
    const lock = readVendorLock(REPO);
    expect(() => chartComponents(CHART_PINS)).not.toThrow();
    expect(CHART_PINS.map((p) => [p.chart, p.version, p.source.repository])).toEqual(CHART_PINS.map((p) => [p.chart, lock.charts[p.chart]?.version, lock.charts[p.chart]?.repository]));
    expect(() => chartComponents([...CHART_PINS, FIXTURE_CHART])).toThrow('two chart pins name the chart "metrics-server"');
  });

  test('GIVEN a layer that depends on secrets WHEN synthesized THEN its Application syncs in a later wave than secrets', () => {
    const wave = (name: string): number => {
      const app = parse(fs.readFileSync(path.join(root, 'dist', 'apps', `application-${name}.yaml`), 'utf8'));
      return Number(app.metadata.annotations[ANNOTATIONS.syncWave]);
    };
    expect(wave(FIXTURE)).toBeGreaterThan(wave('secrets'));
  });
});
