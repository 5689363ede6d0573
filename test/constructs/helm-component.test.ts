import * as fs from 'fs';
import * as path from 'path';
import { HelmComponent } from '../../lib/constructs/helm-component';
import { BACKUP_ANNOTATIONS } from '../../lib/backups/coverage';
import { ANNOTATIONS } from '../../lib/gitops/argocd';
import { HA_ANNOTATIONS } from '../../lib/ha/annotations';
import { declaredFacts } from '../../lib/facts/declare';
import { Layer } from '../../lib/layer';
import { cacheFileText, ChartRenderer, RENDER_CACHE_DIR, renderKey } from '../../lib/render/chart-renderer';
import { DEMO_CHART, Obj, renderDemo, vendoredRoot } from './upstream-fixtures';

jest.setTimeout(60_000);

const find = (objects: Obj[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('HelmComponent', () => {
  const root = vendoredRoot();

  test('GIVEN a vendored chart WHEN the platform is built THEN every object it renders is a plain object of the layer, namespaced objects in the release namespace', () => {
    const { objects } = renderDemo(root, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: { replicas: 3 } }));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['ClusterRole/demo-reader', 'ConfigMap/demo-config', 'CustomResourceDefinition/widgets.example.io', 'Deployment/demo-server']);
    const deployment = find(objects, 'Deployment', 'demo-server')!;
    expect(deployment.metadata.namespace).toBe('things');
    expect(deployment.spec.replicas).toBe(3);
    expect(find(objects, 'ClusterRole', 'demo-reader')!.metadata.namespace).toBeUndefined();
    expect(objects.some((o) => o.kind === 'Application')).toBe(false);
  });

  test('GIVEN a template written in YAML 1.1 WHEN rendered THEN values read as the API server reads them (0644 is octal) and nulls are dropped', () => {
    const { objects } = renderDemo(root, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: {} }));
    expect(find(objects, 'Deployment', 'demo-server')!.spec.template.spec.volumes[0].configMap.defaultMode).toBe(420);
    const config = find(objects, 'ConfigMap', 'demo-config')!;
    expect(config.data.mode).toBe('on');
    expect('creationTimestamp' in config.metadata).toBe(false);
  });

  test('GIVEN a chart with CRDs WHEN rendered THEN each CRD is never pruned or deleted by Argo CD and is applied server-side', () => {
    const { objects } = renderDemo(root, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: {} }));
    expect(find(objects, 'CustomResourceDefinition', 'widgets.example.io')!.metadata.annotations[ANNOTATIONS.syncOptions]).toBe('Delete=false,Prune=false,ServerSideApply=true');
  });

  test('GIVEN a chart that provides an API WHEN rendered THEN the layer records its provider among the rendered objects, annotated for verify', () => {
    const { layer, objects } = renderDemo(root, (l) => new HelmComponent(l, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: {}, providesApis: [{ group: 'example.io' }] }));
    expect(layer.providerOf('example.io', 'Widget')?.object.kind).toBe('Deployment');
    expect(find(objects, 'Deployment', 'demo-server')!.metadata.annotations[ANNOTATIONS.providesApis]).toBe('example.io/*');
  });

  test('GIVEN a chart with a CRD WHEN the layer lists what it provides THEN the CRD\'s group and kind are those of its JSON, read from the rendered body (a null in it absent, as in the JSON)', () => {
    const crdApis = (layer: Layer) => layer.allProviders().filter((p) => p.object.kind === 'CustomResourceDefinition').map((p) => p.apis);
    const plain = renderDemo(root, (l) => new HelmComponent(l, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: {} }));
    expect(crdApis(plain.layer)).toEqual([[{ group: 'example.io', kind: 'Widget' }]]);
    const nulls = renderDemo(root, (l) => new HelmComponent(l, 'demo', {
      name: 'demo', chart: DEMO_CHART, namespace: 'things', values: {},
      patches: [{ kind: 'CustomResourceDefinition', name: 'widgets.example.io', because: 'test', patch: (o) => { o.spec.group = null; o.spec.names.kind = null; } }],
    }));
    const crd = find(nulls.objects, 'CustomResourceDefinition', 'widgets.example.io')!;
    expect('group' in crd.spec || 'kind' in crd.spec.names).toBe(false);
    expect(crdApis(nulls.layer)).toEqual([[{ group: '', kind: '' }]]);
  });

  test('GIVEN helm hooks WHEN rendered THEN they become Argo CD hooks with the matching delete policy and test hooks are dropped', () => {
    const { objects } = renderDemo(root, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: { hook: { enabled: true } } }));
    const job = find(objects, 'Job', 'demo-migrate')!;
    expect(job.metadata.annotations).toEqual({ 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded' });
    expect(find(objects, 'Pod', 'demo-smoke')).toBeUndefined();
  });

  test('GIVEN objects a controller makes at run time that the pods name WHEN rendered THEN the controller object declares them (namespaced ones in the release namespace unless they say); one without a reason is refused', () => {
    const { layer } = renderDemo(root, (l) => new HelmComponent(l, 'demo', {
      name: 'demo', chart: DEMO_CHART, namespace: 'things', values: {},
      runtimeObjects: [
        { kind: 'ConfigMap', name: 'trust-bundle', because: 'trust-manager makes it from a Bundle' },
        { kind: 'ServiceAccount', name: 'runner', namespace: 'jobs', because: 'the operator makes it' },
        { kind: 'PriorityClass', name: 'operator-critical', because: 'the operator makes it' },
      ],
    }));
    const controller = layer.node.findAll().find((c) => (c as { kind?: string }).kind === 'Deployment')!;
    expect(declaredFacts(controller as never)?.runtimeObjects).toEqual([
      { because: 'trust-manager makes it from a Bundle', kind: 'ConfigMap', name: 'trust-bundle', namespace: 'things' },
      { because: 'the operator makes it', kind: 'ServiceAccount', name: 'runner', namespace: 'jobs' },
      { because: 'the operator makes it', kind: 'PriorityClass', name: 'operator-critical' },
    ]);
    expect(() => renderDemo(root, (l) => new HelmComponent(l, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: {}, runtimeObjects: [{ kind: 'ConfigMap', name: 'x', because: ' ' }] })))
      .toThrow('runtimeObjects: ConfigMap x needs a reason (because: which controller makes it)');
  });

  test('GIVEN a value the chart does not read WHEN built THEN synth fails naming the key and the chart', () => {
    expect(() => renderDemo(root, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: { replicas: 2, documentedButUnread: { enabled: false } } })))
      .toThrow(/documentedButUnread: no template of demo 1\.0\.0 reads \.Values\.documentedButUnread/);
  });

  test('GIVEN a free-form subtree WHEN its keys are set THEN they are accepted', () => {
    expect(() => renderDemo(root, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: { documentedButUnread: { enabled: false } }, freeFormValues: ['documentedButUnread'] }))).not.toThrow();
  });

  test('GIVEN a chart that renders random values WHEN built THEN synth fails naming the object and what to do instead', () => {
    expect(() => renderDemo(root, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: { random: { enabled: true } } })))
      .toThrow(/renders different output each time, in ConfigMap demo-token .*External Secrets/);
  });

  test('GIVEN an object with only generateName WHEN built THEN synth fails: Argo CD cannot track it', () => {
    expect(() => renderDemo(root, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: { generated: { enabled: true } } })))
      .toThrow(/demo\/templates\/hooks\.yaml: Job has no metadata.name \(generateName demo-once-\)/);
  });

  test('GIVEN a vendored file edited by hand WHEN built THEN synth fails naming the folder and how to restore it', () => {
    const edited = vendoredRoot((r) => fs.appendFileSync(path.join(r, 'vendor/charts/demo-1.0.0/values.yaml'), '# local change\n'));
    expect(() => renderDemo(edited, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: {} })))
      .toThrow(/vendor\/charts\/demo-1\.0\.0: its content hash is .* the vendored files were edited/);
  });

  test('GIVEN a version that is not vendored WHEN built THEN synth says which command vendors it', () => {
    expect(() => renderDemo(root, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: { ...DEMO_CHART, version: '2.0.0' }, namespace: 'things', values: {} })))
      .toThrow('chart demo is pinned to 2.0.0, but vendor/lock.yaml vendors 1.0.0; run npm run vendor -- demo 2.0.0');
  });

  test('GIVEN HA declarations WHEN they name a rendered workload THEN they become its annotations, and a name that is not rendered fails', () => {
    const { objects } = renderDemo(root, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: {}, ha: [{ kind: 'Deployment', name: 'demo-server', singleton: 'a test singleton' }] }));
    expect(find(objects, 'Deployment', 'demo-server')!.metadata.annotations[HA_ANNOTATIONS.singleton]).toBe('a test singleton');
    expect(() => renderDemo(root, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: {}, workloads: [{ kind: 'Deployment', name: 'thing-server', singleton: 'x' }] })))
      .toThrow(/workloads declares Deployment\/thing-server, which chart demo 1\.0\.0 \(release demo\) does not render \(it renders Deployment\/demo-server\)/);
  });

  test('GIVEN a workload a controller creates at run time WHEN declared THEN its values paths are resolved into fixed facts on the provider', () => {
    const { objects } = renderDemo(root, (layer) => new HelmComponent(layer, 'demo', {
      name: 'demo', chart: DEMO_CHART, namespace: 'things', values: { replicas: 4 },
      workloads: [{ kind: 'StatefulSet', name: 'demo-db', createdBy: 'the demo operator', replicas: { path: 'replicas' } }],
    }));
    const declared = JSON.parse(find(objects, 'Deployment', 'demo-server')!.metadata.annotations[HA_ANNOTATIONS.workloads]);
    expect(declared).toEqual([{ createdBy: 'the demo operator', kind: 'StatefulSet', name: 'demo-db', replicas: { because: 'the values replicas', fixed: 4 } }]);
  });

  test('GIVEN a controller named WHEN the chart provides an API and volumes made at run time THEN the controller carries the API, each volume sits on the object it is created from (else on the controller), and names not rendered fail', () => {
    const volume = { namespace: 'things', size: '1Gi' };
    const { layer, objects } = renderDemo(root, (l) => new HelmComponent(l, 'demo', {
      name: 'demo', chart: DEMO_CHART, namespace: 'things', values: {}, providesApis: [{ group: 'example.io' }],
      controller: { kind: 'ConfigMap', name: 'demo-config' },
      volumes: [{ ...volume, name: 'data-demo-*', createdBy: { kind: 'ClusterRole', name: 'demo-reader' } }, { ...volume, name: 'cache-demo-*' }],
    }));
    expect(layer.providerOf('example.io', 'Widget')?.object.kind).toBe('ConfigMap');
    const config = find(objects, 'ConfigMap', 'demo-config')!.metadata.annotations;
    expect(config[ANNOTATIONS.providesApis]).toBe('example.io/*');
    expect(JSON.parse(config[BACKUP_ANNOTATIONS.volumes]).map((v: { name: string }) => v.name)).toEqual(['cache-demo-*']);
    expect(JSON.parse(find(objects, 'ClusterRole', 'demo-reader')!.metadata.annotations[BACKUP_ANNOTATIONS.volumes])).toEqual([{ name: 'data-demo-*', namespace: 'things', size: '1Gi' }]);
    expect(find(objects, 'Deployment', 'demo-server')!.metadata.annotations ?? {}).not.toHaveProperty(ANNOTATIONS.providesApis);
    expect(() => renderDemo(root, (l) => new HelmComponent(l, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: {}, controller: { kind: 'Deployment', name: 'demo-operator' } })))
      .toThrow('controller names Deployment/demo-operator, which chart demo 1.0.0 (release demo) does not render');
    expect(() => renderDemo(root, (l) => new HelmComponent(l, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: {}, volumes: [{ ...volume, name: 'data-demo-*', createdBy: { kind: 'Widget', name: 'demo' } }] })))
      .toThrow('volumes: things/data-demo-* is created by Widget/demo, which chart demo 1.0.0 (release demo) does not render');
  });

  test('GIVEN an object the platform supplies itself WHEN excluded with a reason THEN it is not rendered, and an exclusion that matches nothing fails', () => {
    const { objects } = renderDemo(root, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: {}, exclude: [{ kind: 'ConfigMap', name: 'demo-config', because: 'the layer renders it' }] }));
    expect(find(objects, 'ConfigMap', 'demo-config')).toBeUndefined();
    expect(() => renderDemo(root, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: {}, exclude: [{ kind: 'Secret', name: 'nope', because: 'x' }] })))
      .toThrow('exclude names Secret/nope, which chart demo 1.0.0 (release demo) does not render');
  });

  describe('render cache', () => {
    test('GIVEN a committed render whose key matches WHEN built THEN it is reused without helm; a changed value misses it', () => {
      const cached = vendoredRoot();
      const req = { chart: 'demo', version: '1.0.0', release: 'demo', namespace: 'things', values: { replicas: 51 }, kubeVersion: 'v1.33.5', apiVersions: [] };
      const key = renderKey(req, new ChartRenderer({ root: cached }).vendored('demo', '1.0.0'));
      // A render helm never made: taken only because its key matches the inputs.
      const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-the-cache\ndata:\n  replicas: "51"\n';
      fs.mkdirSync(path.join(cached, RENDER_CACHE_DIR), { recursive: true });
      fs.writeFileSync(path.join(cached, RENDER_CACHE_DIR, 'demo.yaml'), cacheFileText({ key, text, source: { path: 'vendor/charts/demo-1.0.0' }, origin: 'helm' }, { release: 'demo' }));
      const again = renderDemo(cached, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: { replicas: 51 } }), { fresh: false });
      expect(again.objects.map((o) => o.metadata.name)).toEqual(['from-the-cache']);
      const changed = renderDemo(cached, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: { replicas: 52 } }), { fresh: false });
      expect(find(changed.objects, 'Deployment', 'demo-server')!.spec.replicas).toBe(52);
      // A fresh renderer (CI) ignores the committed render.
      const fresh = renderDemo(cached, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: { replicas: 51 } }), { fresh: true });
      expect(find(fresh.objects, 'Deployment', 'demo-server')!.spec.replicas).toBe(51);
    });

    test.each([
      ['cut short (a bad merge, a full disk)', (file: string) => file.slice(0, file.length - 12)],
      ['edited and still YAML (a flipped digit)', (file: string) => file.replace('"51"', '"61"')],
      ['of the earlier format, whose header names no sha256 of its render', (file: string) => file.replace(/ and the render's sha256 is [0-9a-f]{64}/, '')],
    ])('GIVEN a committed render whose key matches but whose text is not the one its header hashes: %s WHEN built THEN it is not taken; helm renders afresh', (_what, damage) => {
      const cached = vendoredRoot();
      const req = { chart: 'demo', version: '1.0.0', release: 'demo', namespace: 'things', values: { replicas: 51 }, kubeVersion: 'v1.33.5', apiVersions: [] };
      const key = renderKey(req, new ChartRenderer({ root: cached }).vendored('demo', '1.0.0'));
      const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-the-cache\ndata:\n  replicas: "51"\n';
      const file = cacheFileText({ key, text, source: { path: 'vendor/charts/demo-1.0.0' }, origin: 'helm' }, { release: 'demo' });
      const damaged = damage(file);
      expect(damaged).not.toBe(file);
      fs.mkdirSync(path.join(cached, RENDER_CACHE_DIR), { recursive: true });
      fs.writeFileSync(path.join(cached, RENDER_CACHE_DIR, 'demo.yaml'), damaged);
      const { objects } = renderDemo(cached, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: { replicas: 51 } }), { fresh: false });
      expect(objects.map((o) => o.metadata.name)).not.toContain('from-the-cache');
      expect(find(objects, 'Deployment', 'demo-server')!.spec.replicas).toBe(51);
    });

    test('GIVEN a corrupted committed render WHEN built THEN it is ignored and helm renders afresh', () => {
      const cached = vendoredRoot();
      fs.mkdirSync(path.join(cached, RENDER_CACHE_DIR), { recursive: true });
      fs.writeFileSync(path.join(cached, RENDER_CACHE_DIR, 'demo.yaml'), '# garbage\n# key: nope\n: : :\n');
      const { objects } = renderDemo(cached, (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: { replicas: 7 } }), { fresh: false });
      expect(find(objects, 'Deployment', 'demo-server')!.spec.replicas).toBe(7);
    });

    test('GIVEN the same inputs WHEN rendered twice THEN the bytes are identical', () => {
      const a = renderDemo(vendoredRoot(), (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: { replicas: 8 } }));
      const b = renderDemo(vendoredRoot(), (layer) => new HelmComponent(layer, 'demo', { name: 'demo', chart: DEMO_CHART, namespace: 'things', values: { replicas: 8 } }));
      expect(JSON.stringify(a.objects)).toBe(JSON.stringify(b.objects));
      expect(a.renderer.cacheFiles()).toEqual(b.renderer.cacheFiles());
    });
  });
});
