import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { load } from 'js-yaml';
import { unreadValues, ValuesFinding } from '../../lib/render/values-check';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'charts', 'values-check');
const VENDORED = path.resolve(__dirname, '..', '..', 'vendor', 'charts');

const fixture = (name: string) => path.join(FIXTURES, name);
const paths = (findings: readonly ValuesFinding[]) => findings.map((f) => f.path);
/** A vendored chart's folder, or undefined (and the test says it is skipped) when it is not vendored. */
const vendored = (folder: string) => (fs.existsSync(path.join(VENDORED, folder, 'Chart.yaml')) ? path.join(VENDORED, folder) : undefined);
const withVendored = (folder: string) => (vendored(folder) ? test : test.skip);

describe('unreadValues: the known findings, reproduced by a minimal chart', () => {
  test('GIVEN longhorn 1.12.1 documenting longhornUI.podDisruptionBudget that no template reads WHEN it is set THEN it is reported with the chart and the prefix read', () => {
    const findings = unreadValues(fixture('longhorn'), { longhornUI: { replicas: 2, tolerations: [], podDisruptionBudget: { enabled: true, minAvailable: 1 } } });
    expect(findings).toEqual([
      { path: 'longhornUI.podDisruptionBudget', reason: 'no template of longhorn 1.12.1 reads .Values.longhornUI.podDisruptionBudget (nor longhornUI as a whole)' },
    ]);
  });

  test('GIVEN the chart\'s own values.yaml WHEN checked THEN what it documents but never reads is reported (a non-empty default is no excuse)', () => {
    const values = load(fs.readFileSync(path.join(fixture('longhorn'), 'values.yaml'), 'utf8')) as object;
    expect(paths(unreadValues(fixture('longhorn'), values))).toEqual(['longhornUI.podDisruptionBudget']);
  });

  test('GIVEN `with .Values.longhornUI` reading only .replicas WHEN a sibling is set THEN the with block does not make all of longhornUI read', () => {
    // ui-service.yaml: {{ with .Values.longhornUI }} ... {{ .replicas }}
    expect(paths(unreadValues(fixture('longhorn'), { longhornUI: { replicas: 1, podDisruptionBudget: { enabled: false } } }))).toEqual(['longhornUI.podDisruptionBudget']);
  });

  test('GIVEN argo-cd 9.1.4 with redis-ha 4.34.11 whose haproxy Deployment takes the top-level tolerations WHEN redis-ha.haproxy.tolerations is set THEN it is reported as the subchart sees it', () => {
    const findings = unreadValues(fixture('argo-cd'), {
      'redis-ha': { enabled: true, tolerations: [], haproxy: { enabled: true, replicas: 3, resources: {}, tolerations: [{ key: 'node-role', operator: 'Exists' }] } },
    });
    expect(findings).toEqual([
      { path: 'redis-ha.haproxy.tolerations', reason: 'no template of redis-ha 4.34.11 (subchart redis-ha of argo-cd 9.1.4) reads .Values.haproxy.tolerations (nor haproxy as a whole)' },
    ]);
  });

  test('GIVEN the parent calling a subchart helper with (dict "Values" (index .Values "redis-ha")) WHEN keys the helper reads are set THEN they are read, and the rest of redis-ha is not', () => {
    expect(unreadValues(fixture('argo-cd'), { 'redis-ha': { fullnameOverride: 'argocd-redis-ha' } })).toEqual([]);
    expect(paths(unreadValues(fixture('argo-cd'), { 'redis-ha': { fullnameOverride: 'x', nameOverride: 'y' } }))).toEqual(['redis-ha.nameOverride']);
  });

  test('GIVEN harbor 1.19.1 reading registry.registry.resources and registry.controller.resources WHEN registry.resources is set THEN it is reported', () => {
    const findings = unreadValues(fixture('harbor'), { registry: { replicas: 2, resources: { requests: { cpu: '1' } }, registry: { resources: {} }, controller: { resources: {} } } });
    expect(findings).toEqual([{ path: 'registry.resources', reason: 'no template of harbor 1.19.1 reads .Values.registry.resources (nor registry as a whole)' }]);
  });
});

describe('unreadValues: the known findings on the vendored charts', () => {
  withVendored('longhorn-1.12.1')(`GIVEN vendor/charts/longhorn-1.12.1${vendored('longhorn-1.12.1') ? '' : ' (not vendored: skipped)'} WHEN longhornUI.podDisruptionBudget is set THEN it is reported`, () => {
    expect(unreadValues(vendored('longhorn-1.12.1')!, { longhornUI: { replicas: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } } })).toEqual([
      { path: 'longhornUI.podDisruptionBudget', reason: 'no template of longhorn 1.12.1 reads .Values.longhornUI.podDisruptionBudget (nor longhornUI as a whole)' },
    ]);
  });

  withVendored('argo-cd-9.1.4')(`GIVEN vendor/charts/argo-cd-9.1.4${vendored('argo-cd-9.1.4') ? '' : ' (not vendored: skipped)'} WHEN redis-ha.haproxy.tolerations is set THEN it is reported, and the haproxy keys redis-ha reads are not`, () => {
    const findings = unreadValues(vendored('argo-cd-9.1.4')!, {
      'redis-ha': { enabled: true, podDisruptionBudget: { minAvailable: 2 }, haproxy: { podDisruptionBudget: { minAvailable: 2 }, tolerations: [{ key: 'a', operator: 'Exists' }] } },
    });
    expect(findings).toEqual([
      { path: 'redis-ha.haproxy.tolerations', reason: 'no template of redis-ha 4.34.11 (subchart redis-ha of argo-cd 9.1.4) reads .Values.haproxy.tolerations (nor haproxy as a whole)' },
    ]);
  });

  withVendored('harbor-1.19.1')(`GIVEN vendor/charts/harbor-1.19.1${vendored('harbor-1.19.1') ? '' : ' (not vendored: skipped)'} WHEN registry.resources is set THEN it is reported, and registry.registry.resources is not`, () => {
    expect(unreadValues(vendored('harbor-1.19.1')!, { registry: { resources: { requests: { cpu: '100m' } }, registry: { resources: { requests: { cpu: '1' } } } } })).toEqual([
      { path: 'registry.resources', reason: 'no template of harbor 1.19.1 reads .Values.registry.resources (nor registry as a whole)' },
    ]);
  });

  withVendored('kube-prometheus-stack-88.5.3')(`GIVEN vendor/charts/kube-prometheus-stack-88.5.3${vendored('kube-prometheus-stack-88.5.3') ? '' : ' (not vendored: skipped)'} with its subcharts WHEN checked twice THEN the subcharts' keys are checked against their own templates and the second check reuses the scan`, () => {
    const dir = vendored('kube-prometheus-stack-88.5.3')!;
    const values = {
      crds: { enabled: true },
      prometheus: { prometheusSpec: { replicas: 2 } },
      grafana: { replicas: 2, 'grafana.ini': { server: { root_url: 'https://grafana.example' } }, notAGrafanaKey: true },
      'kube-state-metrics': { annotations: { a: 'b' } },
      'prometheus-node-exporter': { daemonsetAnnotations: { a: 'b' }, rbac: { pspEnabled: false } },
    };
    const started = performance.now();
    const first = unreadValues(dir, values);
    const took = performance.now() - started;
    expect(paths(first)).toEqual(['grafana.notAGrafanaKey', 'prometheus-node-exporter.rbac.pspEnabled']);
    expect(first[1].reason).toBe('no template of prometheus-node-exporter 4.56.1 (subchart prometheus-node-exporter of kube-prometheus-stack 88.5.3) reads .Values.rbac.pspEnabled (nor rbac as a whole)');
    const again = performance.now();
    expect(unreadValues(dir, values)).toEqual(first);
    expect(performance.now() - again).toBeLessThan(took);
  });
});

describe('unreadValues: what counts as a read', () => {
  test('GIVEN every reference form ($.Values, $root.Values, .Root.Values, index, dig over .Values.AsMap, get, hasKey, pluck, (index ...).field) WHEN the keys read and their siblings are set THEN only the siblings are reported', () => {
    const read = (extra: object = {}) => ({ read: 1, unread: 1, ...extra });
    const findings = unreadValues(fixture('references'), {
      plain: read(), dollar: read(), rootVar: read(), 'index-key': read(), indexNested: read(), paren: read(), dig: read(), getter: read(), haskey: read(), pluckA: read(), pluckB: { read: 1 }, viaRoot: read(),
      ranged: [{ name: 'a', anything: true }],
    });
    expect(paths(findings)).toEqual(['plain', 'dollar', 'rootVar', 'index-key', 'indexNested', 'paren', 'dig', 'getter', 'haskey', 'pluckA', 'viaRoot'].map((k) => `${k}.unread`));
    expect(findings[0].reason).toBe('no template of references 0.1.0 reads .Values.plain.unread (nor plain as a whole)');
  });

  test('GIVEN with blocks, their else, and variables bound to values WHEN keys are set THEN dot and the variables are followed: .b in `with .Values.a` reads a.b, `toYaml .` reads a whole', () => {
    const findings = unreadValues(fixture('scopes'), {
      metadata: { labels: { app: 'x' }, other: 1 },
      annotations: { anything: 'goes' },
      server: { replicas: 2, pdb: { minAvailable: 1, maxUnavailable: 1 }, other: 1 },
      fallbackReplicas: 1,
      image: { repository: 'r', tag: 't', pullPolicy: 'Always' },
      network: { port: 1 },
      network2: { port: 2, other: 1 },
    });
    expect(findings).toEqual([
      { path: 'metadata.other', reason: 'no template of scopes 0.1.0 reads .Values.metadata.other (nor metadata as a whole)' },
      { path: 'server.pdb.maxUnavailable', reason: 'no template of scopes 0.1.0 reads .Values.server.pdb.maxUnavailable (nor server.pdb as a whole)' },
      { path: 'server.other', reason: 'no template of scopes 0.1.0 reads .Values.server.other (nor server as a whole)' },
      { path: 'image.pullPolicy', reason: 'no template of scopes 0.1.0 reads .Values.image.pullPolicy (nor image as a whole)' },
      // $net := .Values.network, then $net = .Values.network2 in the same block: $net.port reads network2.port only
      { path: 'network', reason: 'no template of scopes 0.1.0 reads .Values.network' },
      { path: 'network2.other', reason: 'no template of scopes 0.1.0 reads .Values.network2.other (nor network2 as a whole)' },
    ]);
  });

  test('GIVEN variables bound through default, reassigned inside an if, or to what no path names WHEN keys are set THEN default passes its value on, the reassigned variable is either map, and the unknown is read whole', () => {
    expect(paths(unreadValues(fixture('scopes'), {
      config: { level: 'debug', deep: { anything: 1 } }, // $cfg := .Values.config | default dict; $cfg.level
      raw: { level: 'x', anything: 1 }, // $raw := .Values.raw | toJson | fromJson
      autoscaling: { minReplicas: 1, other: 1, horizontal: { enabled: true, minReplicas: 2 } }, // as alloy's hpa.yaml
    }))).toEqual(['config.deep', 'autoscaling.other']);
  });

  test('GIVEN helpers called with a values map or a dict of them WHEN keys are set THEN what the helper reads of its argument is read, and the rest is not', () => {
    const findings = unreadValues(fixture('helpers'), {
      controller: { affinity: { podAntiAffinity: {} }, replicas: 2 }, // include "helpers.affinity" (dict "context" . "component" .Values.controller)
      global: { affinity: { podAntiAffinity: 'hard', nodeAffinity: {} } }, // .context.Values.global.affinity, through a variable
      serviceMonitor: { sampleLimit: 1, scrapeTimeout: '5s' }, // include "helpers.limits" .Values.serviceMonitor
      podMonitor: { sampleLimit: 1, interval: '5s' }, // template "helpers.limits" .Values.podMonitor
      looping: { name: 'x', other: 1 }, // a helper that includes itself
    });
    expect(paths(findings)).toEqual(['controller.replicas', 'global.affinity.nodeAffinity', 'serviceMonitor.scrapeTimeout', 'podMonitor.interval', 'looping.other']);
    expect(findings[1].reason).toBe('no chart of helpers 0.1.0 or its subcharts reads .Values.global.affinity.nodeAffinity (nor global.affinity as a whole)');
  });

  test('GIVEN a helper given a dict filled with set, or a value chosen by ternary WHEN keys are set THEN the helper reads them through the dict', () => {
    expect(paths(unreadValues(fixture('helpers'), {
      repoServer: { affinity: { x: 1 }, replicas: 2 }, // $ctx := dict "context" $; set $ctx "component" .Values.repoServer
      mode: 'single',
      single: { affinity: { x: 1 }, replicas: 1 }, // (eq .Values.mode "single" | ternary .Values.single .Values.multi)
      multi: { affinity: { x: 1 } },
    }))).toEqual(['repoServer.replicas', 'single.replicas']);
  });

  test('GIVEN a values map passed to a helper the chart does not define, or to one named at run time WHEN keys under it are set THEN it is read whole (lenient)', () => {
    expect(unreadValues(fixture('helpers'), { passedToUnknown: { any: { thing: 1 } }, helperName: 'helpers.limits', passedByComputedName: { any: 1 } })).toEqual([]);
  });

  test('GIVEN dynamic references (a computed index key, tpl of toYaml, range) WHEN keys under them are set THEN they are read whole; a merge passes its maps on; an unrelated key is reported', () => {
    expect(unreadValues(fixture('dynamic'), {
      components: { a: { image: 'x', anything: 1 } },
      extraConfig: { any: { deep: 1 } },
      hosts: [{ name: 'a' }],
      overrides: { key: 1, other: 2 }, // $merged := merge (dict) .Values.overrides; $merged.key
      unrelated: 1,
    })).toEqual([
      { path: 'overrides.other', reason: 'no template of dynamic 0.1.0 reads .Values.overrides.other (nor overrides as a whole)' },
      { path: 'unrelated', reason: 'no template of dynamic 0.1.0 reads .Values.unrelated' },
    ]);
  });

  test('GIVEN a chart that passes all of .Values on (toYaml .Values) WHEN any key is set THEN nothing is reported', () => {
    expect(unreadValues(fixture('whole-root'), { anything: { at: ['all'] }, more: 1 })).toEqual([]);
  });

  test('GIVEN a file rendered with tpl (.Files.Get ...), a comment, a string and a raw string that mention .Values WHEN keys are set THEN only the file reads', () => {
    expect(paths(unreadValues(fixture('files'), { server: { port: 8080, other: 1 }, commented: { key: 1 }, inString: 1, inRawString: 1 })))
      .toEqual(['server.other', 'commented', 'inString', 'inRawString']);
  });

  test('GIVEN values.yaml strings the chart renders with tpl, files loaded by a glob, and files no template loads (hack/, docs/) WHEN keys they mention are set THEN only the first two read', () => {
    expect(paths(unreadValues(fixture('files'), { config: 'port: 1', fromValuesTpl: 1, fromGlob: 1, inHack: true, inDocs: 1 }))).toEqual(['inHack', 'inDocs']);
  });

  test('GIVEN leaves that are empty maps and arrays WHEN the chart reads deeper or the array itself THEN they are read; an empty map nothing reads is reported', () => {
    expect(unreadValues(fixture('references'), { plain: {}, ranged: [], nowhere: {} })).toEqual([{ path: 'nowhere', reason: 'no template of references 0.1.0 reads .Values.nowhere' }]);
  });
});

describe('unreadValues: subcharts, conditions, tags and globals', () => {
  test('GIVEN dependencies with conditions, an alias and tags WHEN their keys are set THEN each subchart checks its own keys, Helm reads the conditions and tags, and <dep>.enabled is read only as a condition', () => {
    const findings = unreadValues(fixture('umbrella'), {
      database: { enabled: true, replicas: 1, resources: { requests: { cpu: '1' } }, storage: '1Gi', global: { imagePullSecrets: [] } },
      replica: { enabled: true, replicas: 1 }, // alias of database; its condition is replicaDatabase.enabled
      replicaDatabase: { enabled: true },
      cache: { enabled: true, host: 'cache', replicas: 1 }, // aliased as itself, no condition; the parent reads cache.host
      tags: { caching: true },
    });
    expect(findings).toEqual([
      { path: 'database.storage', reason: 'no template of database 2.0.0 (subchart database of umbrella 1.0.0) reads .Values.storage' },
      { path: 'replica.enabled', reason: 'no template of database 2.0.0 (subchart replica of umbrella 1.0.0) reads .Values.enabled' },
      { path: 'cache.enabled', reason: 'no template of cache 3.0.0 (subchart cache of umbrella 1.0.0) reads .Values.enabled' },
    ]);
  });

  test('GIVEN globals read by the parent or by a subchart WHEN set THEN they are read; a global no chart of the tree reads is reported', () => {
    expect(unreadValues(fixture('umbrella'), { global: { region: 'eu', imagePullSecrets: [{ name: 'pull' }], unused: true } })).toEqual([
      { path: 'global.unused', reason: 'no chart of umbrella 1.0.0 or its subcharts reads .Values.global.unused (nor global as a whole)' },
    ]);
  });

  test('GIVEN a dependency that is not unpacked under charts/ WHEN checked THEN it throws naming it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'values-check-'));
    fs.writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: lonely\nversion: 1.0.0\ndependencies:\n  - name: missing\n    version: 1.0.0\n');
    expect(() => unreadValues(dir, {})).toThrow(/dependency missing is not unpacked under charts\//);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('unreadValues: free-form subtrees and the cache', () => {
  test('GIVEN free-form paths, one with a * segment WHEN keys under them are set THEN they are accepted and others are still reported', () => {
    expect(paths(unreadValues(fixture('scopes'), { server: { replicas: 1, extra: { x: 1 }, pdb: { extra: { y: 1 }, other: 1 } }, metadata: { other: { z: 1 } } }, ['server.*.extra', 'server.extra', 'metadata.other'])))
      .toEqual(['server.pdb.other']);
  });

  test('GIVEN a chart checked once WHEN its templates change on disk in the same process THEN the scan is reused (cached per chart folder)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'values-check-'));
    fs.cpSync(fixture('harbor'), dir, { recursive: true });
    expect(paths(unreadValues(dir, { registry: { resources: {} } }))).toEqual(['registry.resources']);
    fs.writeFileSync(path.join(dir, 'templates', 'registry', 'registry-dpl.yaml'), '{{ toYaml .Values.registry }}\n');
    expect(paths(unreadValues(dir, { registry: { resources: {} } }))).toEqual(['registry.resources']);
    fs.rmSync(dir, { recursive: true });
  });
});
