// What the API server refuses beyond the schemas (lib/verify/api-validation.ts), reported by verify/schemas.
import type { JsonMap } from '../../lib/k8s/manifest';
import { loadTree } from '../../lib/k8s/tree';
import { apiServerProblems, labelValueProblem, portNameProblem, qualifiedNameProblem } from '../../lib/verify/api-validation';
import { fixtureTree } from '../../lib/verify/rule-fixtures';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { VERIFY_RULES } from '../../lib/verify/verify-rules';
import { REPO } from '../helpers';

const registry = new SchemaRegistry();
const SCHEMAS = VERIFY_RULES.find((r) => r.id === 'verify/schemas')!;
const labels = { app: 'web' };

/** An apps/v1 workload of `kind` whose pod spec is `pod` (one container named web unless `pod` says), selector `selector`. */
function workload(pod: JsonMap = {}, kind = 'Deployment', selector: JsonMap = { matchLabels: labels }, extra: JsonMap = {}): JsonMap {
  return {
    apiVersion: 'apps/v1', kind, metadata: { name: 'web', namespace: 'web' },
    spec: { selector, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'ghcr.io/tsys/web:1.2.3' }], ...pod } }, ...extra },
  };
}
const fields = (obj: JsonMap) => apiServerProblems(obj).map((p) => `${p.field}: ${p.message}`);

describe('what the API server refuses beyond the schemas', () => {
  test('GIVEN the committed render WHEN checked THEN nothing is refused (a StatefulSet mounts its claim templates: redis-ha, Loki)', () => {
    const found = loadTree(REPO).objects.flatMap((o) => apiServerProblems(o.obj).map((p) => `${o.file} ${p.field}: ${p.message}`));
    expect(found).toEqual([]);
  });

  test('GIVEN label keys and values WHEN checked THEN those the API server refuses are found: too long, bad characters, a prefix that is no DNS subdomain; empty values pass', () => {
    expect(qualifiedNameProblem('app.kubernetes.io/name')).toBeUndefined();
    expect(qualifiedNameProblem('a'.repeat(63))).toBeUndefined();
    expect(['a'.repeat(64), '-x', 'x_', 'a b', 'Example.COM/x', '/x', 'x/', 'a/b/c']).toEqual(['a'.repeat(64), '-x', 'x_', 'a b', 'Example.COM/x', '/x', 'x/', 'a/b/c'].filter((k) => qualifiedNameProblem(k) !== undefined));
    expect(['', 'v1.2_3-x', 'a'.repeat(63)].map(labelValueProblem)).toEqual([undefined, undefined, undefined]);
    expect(['a'.repeat(64), 'x y', 'v:1', '-x'].every((v) => labelValueProblem(v) !== undefined)).toBe(true);
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { 'app.kubernetes.io/instance': 'a-very-long-release-name-that-someone-typed-for-a-whiteboard-demo-app' }, annotations: { 'Example.com/Note': 'x', 'bad key': 'y' } } };
    expect(fields(obj)).toEqual([
      'metadata.labels.app.kubernetes.io/instance: label value "a-very-long-release-name-that-someone-typed-for-a-whiteboard-demo-app" is invalid: a label value must be at most 63 characters: letters, digits, "-", "_" and ".", starting and ending with a letter or digit (or empty)',
      'metadata.annotations.bad key: annotation key "bad key" is invalid: its name must be 1-63 characters: letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
    ]);
  });

  test('GIVEN apps/v1 workloads WHEN the selector is empty or does not select the template THEN it is found; matchExpressions are read as the API server reads them', () => {
    expect(fields(workload({}, 'Deployment', { matchLabels: { app: 'other' } }))).toEqual(['spec.template.metadata.labels: `selector` does not match template `labels` (selector {"matchLabels":{"app":"other"}}); the API server refuses the Deployment']);
    expect(fields(workload({}, 'DaemonSet', {}))).toEqual(['spec.selector: an empty selector selects every pod of the namespace; the API server refuses it']);
    expect(fields(workload({}, 'StatefulSet', { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }))).toEqual([]);
    expect(fields(workload({}, 'ReplicaSet', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }))).toHaveLength(1);
    expect(fields(workload({}, 'Deployment', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }, { key: 'app', operator: 'Exists' }] }))).toEqual([]);
    // Not apps/v1: a Rollout's selector is its controller's to judge.
    expect(fields({ ...workload({}, 'Rollout', { matchLabels: { app: 'other' } }), apiVersion: 'argoproj.io/v1alpha1' })).toEqual([]);
  });

  test('GIVEN pod specs WHEN names repeat or a mount names no volume THEN each is found; a StatefulSet\'s claim templates are volumes to mount', () => {
    const pod = {
      volumes: [{ name: 'config', configMap: { name: 'c' } }, { name: 'config', emptyDir: {} }],
      initContainers: [{ name: 'web', image: 'x' }],
      containers: [{
        name: 'web', image: 'x',
        volumeMounts: [{ name: 'config', mountPath: '/etc/web' }, { name: 'data', mountPath: '/etc/web' }],
        ports: [{ name: 'http', containerPort: 80 }, { name: 'http', containerPort: 81 }, { name: 'https-admin-port', containerPort: 82 }, { name: '8080', containerPort: 83 }],
      }, { name: 'Side_car', image: 'x' }],
    };
    expect(fields(workload(pod))).toEqual([
      'spec.template.spec.volumes[1].name: duplicate volume name "config" (also volumes[0])',
      'spec.template.spec.containers[0].name: duplicate container name "web" (also initContainers[0])',
      'spec.template.spec.containers[0].volumeMounts[1].name: volume mount "data" names no volume of the pod (config)',
      'spec.template.spec.containers[0].volumeMounts[1].mountPath: mount path "/etc/web" is mounted twice in this container',
      'spec.template.spec.containers[0].ports[1].name: duplicate port name "http" in this container',
      'spec.template.spec.containers[0].ports[2].name: port name "https-admin-port" is invalid: a port name must be at most 15 characters: lowercase letters, digits and "-", with at least one letter, no "-" at either end and no "--"',
      'spec.template.spec.containers[0].ports[3].name: port name "8080" is invalid: a port name must be at most 15 characters: lowercase letters, digits and "-", with at least one letter, no "-" at either end and no "--"',
      'spec.template.spec.containers[1].name: container name "Side_car" is invalid: it must be a DNS label (at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit)',
    ]);
    const mountsData = { containers: [{ name: 'db', image: 'x', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] };
    expect(fields(workload(mountsData, 'StatefulSet', { matchLabels: labels }, { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }] }))).toEqual([]);
    expect(fields(workload(mountsData, 'Deployment'))).toHaveLength(1);
    expect(['http', 'a-1', 'x'.repeat(15)].map(portNameProblem)).toEqual([undefined, undefined, undefined]);
    expect(['a--b', '-a', 'a-', '123', 'x'.repeat(16), 'Http'].every((n) => portNameProblem(n) !== undefined)).toBe(true);
  });

  test('GIVEN Services WHEN several ports lack names, or names, ports or target port names are invalid or repeat THEN each is found; one unnamed port passes', () => {
    const svc = (ports: JsonMap[]): JsonMap => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'web' }, spec: { selector: labels, ports } });
    expect(fields(svc([{ port: 80 }]))).toEqual([]);
    expect(fields(svc([{ port: 80 }, { name: 'https', port: 443 }, { name: 'https', port: 443 }, { name: 'a-long-but-valid-service-port-name', port: 53, protocol: 'UDP' }, { name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns--udp' }]))).toEqual([
      'spec.ports[0].name: a Service of several ports must name each one',
      'spec.ports[2].name: duplicate port name "https"',
      'spec.ports[2].port: duplicate port 443/TCP',
      'spec.ports[4].port: duplicate port 53/UDP',
      'spec.ports[4].targetPort: target port name "dns--udp" is invalid: a port name must be at most 15 characters: lowercase letters, digits and "-", with at least one letter, no "-" at either end and no "--"',
    ]);
  });

  test('GIVEN ports written as quoted numbers WHEN checked THEN the API server\'s refusal is found: a Service targetPort and a probe port as text are names, and "8080" is none', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'web' }, spec: { selector: labels, ports: [{ port: 80, targetPort: '8080' }] } };
    expect(fields(svc)).toEqual(['spec.ports[0].targetPort: target port name "8080" is invalid: a port name must be at most 15 characters: lowercase letters, digits and "-", with at least one letter, no "-" at either end and no "--" (a port number must be written unquoted)']);
    const probed = workload({ containers: [{ name: 'web', image: 'x', ports: [{ name: 'http', containerPort: 8080 }], livenessProbe: { httpGet: { path: '/', port: '8080' } }, readinessProbe: { tcpSocket: { port: 'http' } } }] });
    expect(fields(probed)).toEqual(['spec.template.spec.containers[0].livenessProbe.httpGet.port: port name "8080" is invalid: a port name must be at most 15 characters: lowercase letters, digits and "-", with at least one letter, no "-" at either end and no "--" (a port number must be written unquoted)']);
  });

  test('GIVEN a tree with such an object WHEN verify/schemas runs THEN it reports the problem with its field, after any schema problem', () => {
    const found = SCHEMAS.check(fixtureTree({ files: { 'dist/web/deployment-web.yaml': [workload({}, 'Deployment', { matchLabels: { app: 'other' } })] } }, registry));
    expect(found.map((f) => f.message)).toContain('spec.template.metadata.labels: `selector` does not match template `labels` (selector {"matchLabels":{"app":"other"}}); the API server refuses the Deployment');
  });
});
