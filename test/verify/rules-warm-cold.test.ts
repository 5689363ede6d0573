import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readFactsFile } from '../../lib/facts/facts';
import { LoadedTree, loadTree } from '../../lib/k8s/tree';
import type { RuleFinding } from '../../lib/rule';
import { CheckCache } from '../../lib/verify/check-cache';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { treeOf } from '../../lib/verify/tree-of';
import { VERIFY_RULES } from '../../lib/verify/verify-rules';
import { REPO } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const registry = new SchemaRegistry();
/** The committed facts, with opt-outs without a reason: on a claim, and on a volume another object declares (verify/backup-coverage). */
const facts = new Map([...readFactsFile(REPO).facts,
  ['/PersistentVolumeClaim/prod/scratch', { backupOptOut: ' ' }],
  ['/ConfigMap/prod/orphan', { volumes: [{ name: 'data-orphan-0', namespace: 'prod', size: '1Gi', backupOptOut: '' }] }]]);
const copy = (o: Obj): Obj => JSON.parse(JSON.stringify(o));

/** The committed render (dist/, argocd/), broken so that each rule below finds something. */
function brokenTree(): LoadedTree {
  const loaded = loadTree(REPO);
  const objects = loaded.objects as { file: string; obj: Obj }[];
  const at = (file: string): Obj => objects.find((o) => o.file === file)!.obj;
  const add = (file: string, obj: Obj) => objects.push({ file, obj });
  // verify/namespaces: a Namespace gone, a cluster-scoped object with a namespace, a namespaced one without.
  objects.splice(objects.findIndex((o) => o.file === 'dist/paas/namespace-uat.yaml'), 1);
  objects.find((o) => o.obj.kind === 'ClusterRole' && o.file.startsWith('dist/'))!.obj.metadata.namespace = 'default';
  add('dist/workloads/whiteboard/configmap-uat.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'in-uat', namespace: 'uat' } });
  add('dist/workloads/whiteboard/configmap-nowhere.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nowhere' } });
  // verify/schemas: an unknown field, a status block, a wave that is no integer.
  const deployment = at('dist/workloads/whiteboard/deployment-whiteboard.yaml');
  deployment.spec.template.spec.containers[0].colour = 'blue';
  deployment.status = { replicas: 1 };
  deployment.metadata.annotations = { ...deployment.metadata.annotations, 'argocd.argoproj.io/sync-wave': 'soon' };
  // verify/secrets: a literal password, a field naming a Secret External Secrets creates (no finding) and one naming none, a private key, a Secret with data.
  const externalSecret = objects.find((o) => o.obj.kind === 'ExternalSecret' && o.file.startsWith('dist/'))!.obj;
  const target = String(externalSecret.spec?.target?.name ?? externalSecret.metadata.name);
  deployment.spec.template.spec.containers[0].env = [
    { name: 'DB_PASSWORD', value: 'hunter2-but-longer-Zq9' },
  ];
  add('dist/workloads/whiteboard/configmap-values.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'values', namespace: 'prod' }, data: { 'values.yaml': `existingSecret: ${target}\npassword: not-a-secret-name-Zq9\n` } });
  const key = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun', '-----END RSA PRIVATE KEY-----'].join('\n');
  add('dist/workloads/whiteboard/configmap-pasted.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pasted', namespace: 'prod' }, data: { 'tls.key': key } });
  add('dist/workloads/whiteboard/secret-x.yaml', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'prod' }, stringData: { password: 'abc' } });
  // verify/duplicates and verify/service-selectors: a Service twice, one selecting no pod.
  const service = at('dist/workloads/whiteboard/service-whiteboard.yaml');
  add('dist/workloads/whiteboard/service-copy.yaml', copy(service));
  add('dist/workloads/whiteboard/service-ghost.yaml', { ...copy(service), metadata: { ...service.metadata, name: 'ghost' }, spec: { ...service.spec, selector: { app: 'ghost' } } });
  // verify/api-providers: an API nobody installs, a custom resource in argocd/.
  const route = at('dist/workloads/whiteboard/httproute-whiteboard.yaml');
  add('dist/workloads/whiteboard/route-unknown.yaml', { ...copy(route), apiVersion: 'unknown.example.com/v1', metadata: { ...route.metadata, name: 'unknown' } });
  add('argocd/httproute-whiteboard.yaml', copy(route));
  // verify/bootstrap: a bootstrap object that differs from its twin in dist/argocd.
  const boot = objects.find((o) => o.file.startsWith('argocd/') && o.obj.kind === 'ConfigMap')!;
  boot.obj.data = { ...boot.obj.data, extra: 'x' };
  // verify/backup-coverage: a claim opted out without a reason (see `facts`).
  add('dist/workloads/whiteboard/pvc-scratch.yaml', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'scratch', namespace: 'prod' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  // verify/directory-consumers: Grafana on another port.
  const grafana = at('dist/monitoring/configmap-grafana-ldap.yaml');
  grafana.data['ldap.toml'] = String(grafana.data['ldap.toml']).replace('port = 636', 'port = 389');
  // verify/application-paths: an app folder no Application syncs.
  loaded.files.push('dist/workloads/orphan/configmap-orphan.yaml');
  add('dist/workloads/orphan/configmap-orphan.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'orphan', namespace: 'prod' } });
  return loaded;
}

/** Every plain verify rule's findings on `loaded`, with the check cache `checks` (or none). */
function findings(loaded: LoadedTree, checks?: CheckCache): Map<string, readonly RuleFinding[]> {
  const tree = treeOf(loaded, { root: REPO, registry, facts, ...(checks ? { checks } : {}) });
  return new Map(VERIFY_RULES.map((rule) => [rule.id as string, rule.check(tree)]));
}

/** The rules whose per-object work is shared or cached (lib/verify/tree-index.ts, the check cache). */
const RULES = ['verify/schemas', 'verify/secrets', 'verify/duplicates', 'verify/namespaces', 'verify/service-selectors', 'verify/application-paths',
  'verify/api-providers', 'verify/bootstrap', 'verify/backup-coverage', 'verify/directory-consumers'];

describe('verify rules with a warm check cache, a cold one and none', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rules-warm-cold-'));
  const file = path.join(dir, 'verify-checks.entries');
  const loaded = brokenTree();
  const none = findings(loaded);
  const coldCache = new CheckCache(file);
  const cold = findings(loaded, coldCache);
  coldCache.save();
  const warmCache = new CheckCache(file);
  const warm = findings(brokenTree(), warmCache);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN the cache of a first run WHEN the same broken tree is checked again THEN no per-object check runs again', () => {
    expect(coldCache.computed).toBeGreaterThan(500);
    expect(warmCache.computed).toBe(0);
    expect(warmCache.reused).toBe(coldCache.computed);
  });

  test.each(RULES)('GIVEN a broken tree WHEN %s runs cold (empty cache), warm (filled) and without a cache THEN it finds the same, in the same order', (id) => {
    expect(cold.get(id)!.length).toBeGreaterThan(0);
    expect(warm.get(id)).toEqual(cold.get(id));
    expect(none.get(id)).toEqual(cold.get(id));
  });

  test('GIVEN a field naming a Secret External Secrets creates WHEN checked warm THEN it is no finding, but a literal beside it is', () => {
    const secrets = warm.get('verify/secrets')!.filter((f) => f.file === 'dist/workloads/whiteboard/configmap-values.yaml').map((f) => f.message);
    expect(secrets).toEqual([expect.stringMatching(/^data\.values\.yaml\(yaml\)\[0\]\.password holds a literal secret/)]);
  });
});
