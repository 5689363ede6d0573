import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { parse } from 'yaml';
import { PlatformNamespace } from '../../lib/constructs/platform-namespace';
import type { LayerFactory } from '../../lib/context';
import { ANNOTATIONS } from '../../lib/gitops/argocd';
import { Layer } from '../../lib/layer';
import { LAYERS } from '../../lib/layers';
import { synth } from '../../lib/synth';
import { layerNames, REPO, shippedSite, tempRootWithOutputs } from '../helpers';

/**
 * docs/adding-a-layer.md: a layer is its file and its entry in the layer index. This fixture
 * layer is registered only by being in the list of layer factories (what lib/layers/index.ts
 * LAYERS is); no other file knows it.
 */
const FIXTURE = 'fixture-layer';

function fixtureLayer(scope: Construct): Layer {
  const layer = new Layer(scope, { name: FIXTURE, description: 'a layer only the index knows', namespace: FIXTURE, dependsOn: ['secrets'] });
  new PlatformNamespace(layer, 'namespace', { name: FIXTURE });
  new ApiObject(layer, 'settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: FIXTURE }, data: { greeting: 'hello' } });
  return layer;
}

describe('adding a layer (docs/adding-a-layer.md)', () => {
  const factories: readonly LayerFactory[] = [...LAYERS, fixtureLayer];
  let root: string;
  beforeAll(() => {
    root = tempRootWithOutputs();
    fs.copyFileSync(path.join(REPO, 'site.yaml'), path.join(root, 'site.yaml'));
    // synth verifies the whole rendered tree and throws (writing nothing) on any finding.
    synth({ root, layers: factories, log: () => undefined });
  }, 300000);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('GIVEN a layer in the index only WHEN the tests list the layers THEN it is among them', () => {
    expect(layerNames(shippedSite(), factories)).toContain(FIXTURE);
  });

  test('GIVEN a layer in the index only WHEN synthesized and verified THEN its folder holds its objects', () => {
    expect(fs.readdirSync(path.join(root, 'dist', FIXTURE)).sort()).toEqual(['configmap-settings.yaml', `namespace-${FIXTURE}.yaml`]);
  });

  test('GIVEN a layer that depends on secrets WHEN synthesized THEN its Application syncs in a later wave than secrets', () => {
    const wave = (name: string): number => {
      const app = parse(fs.readFileSync(path.join(root, 'dist', 'apps', `application-${name}.yaml`), 'utf8'));
      return Number(app.metadata.annotations[ANNOTATIONS.syncWave]);
    };
    expect(wave(FIXTURE)).toBeGreaterThan(wave('secrets'));
  });
});
