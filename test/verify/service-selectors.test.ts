import { NO_FACTS } from '../../lib/facts/facts';
import type { JsonMap } from '../../lib/k8s/manifest';
import { SERVICE_SELECTORS } from '../../lib/verify/reference-rules';
import type { Tree } from '../../lib/verify/rules';
import { runSplit } from '../../lib/verify/split-rule';

const deployment = (ns: string, name: string, labels: Record<string, string>): JsonMap => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns },
  spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'x' }] } } },
});
const service = (ns: string, name: string, selector: Record<string, string>): JsonMap => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector, ports: [{ port: 80 }] },
});

/** The services SERVICE_SELECTORS reports among `objects`. */
function unmatched(objects: JsonMap[]): string[] {
  const found: string[] = [];
  const tree = { objects: objects.map((obj) => ({ file: `dist/x/${String(obj.kind)}-${String((obj.metadata as JsonMap).name)}.yaml`, obj })), facts: NO_FACTS } as unknown as Tree;
  for (const { at } of runSplit(tree, SERVICE_SELECTORS)) found.push(typeof at === 'string' ? at : at.name);
  return found.sort();
}

describe('verify/service-selectors over many pod templates', () => {
  test('GIVEN hundreds of templates sharing labels across namespaces WHEN services select them THEN a service matches only a template of its namespace carrying every label of its selector', () => {
    const objects: JsonMap[] = [];
    for (let i = 0; i < 300; i++) objects.push(deployment(`ns-${i % 3}`, `app-${i}`, { 'app.kubernetes.io/part-of': 'apps', 'app.kubernetes.io/name': `app-${i}`, tier: i % 2 ? 'web' : 'worker' }));
    objects.push(
      service('ns-0', 'ok-one', { 'app.kubernetes.io/name': 'app-0' }),
      service('ns-0', 'ok-shared', { 'app.kubernetes.io/part-of': 'apps', tier: 'web' }),
      service('ns-1', 'wrong-namespace', { 'app.kubernetes.io/name': 'app-0' }),
      service('ns-0', 'no-template-has-both', { 'app.kubernetes.io/name': 'app-0', tier: 'web' }),
      service('ns-0', 'unknown-label', { 'app.kubernetes.io/name': 'app-0', colour: 'blue' }),
      service('ns-9', 'empty-namespace', { tier: 'web' }),
    );
    expect(unmatched(objects)).toEqual(['empty-namespace', 'no-template-has-both', 'unknown-label', 'wrong-namespace']);
  });
});

describe('verify/service-selectors: named target ports', () => {
  /** The messages SERVICE_SELECTORS gives over `objects`. */
  const messages = (objects: JsonMap[]): string[] => {
    const tree = { objects: objects.map((obj) => ({ file: `dist/x/${String(obj.kind)}-${String((obj.metadata as JsonMap).name)}.yaml`, obj })), facts: NO_FACTS } as unknown as Tree;
    return runSplit(tree, SERVICE_SELECTORS).map((f) => f.message);
  };
  const labels = { app: 'web' };
  /** A workload in ns "web" whose pod spec is `pod`. */
  const workload = (name: string, pod: JsonMap, kind = 'Deployment'): JsonMap => ({
    apiVersion: 'apps/v1', kind, metadata: { name, namespace: 'web' },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: pod } },
  });
  const svc = (ports: JsonMap[], selector: JsonMap = labels): JsonMap => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'web' }, spec: { selector, ports } });
  const app = (ports: JsonMap[]) => ({ containers: [{ name: 'app', image: 'x', ports }] });

  test('GIVEN a Service whose targetPort names a port no selected pod declares WHEN checked THEN that port is found, naming the templates and what they declare; numbers and declared names pass', () => {
    expect(messages([workload('web', app([{ name: 'http', containerPort: 8080 }])), svc([{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 'htp' }, { port: 82, targetPort: 8080 }, { port: 83 }])])).toEqual([
      'spec.ports[1].targetPort "htp" names a port that no container of the pods it selects declares with protocol TCP (Deployment web declares "TCP/http"); the Service has no endpoint for that port and sends its traffic nowhere: declare the port (name and protocol) in the pod template, or target one it declares',
    ]);
  });

  test('GIVEN a named port of another protocol WHEN the Service port is UDP THEN it is found; the same name over UDP passes', () => {
    expect(messages([workload('dns', app([{ name: 'dns', containerPort: 53 }])), svc([{ port: 53, targetPort: 'dns', protocol: 'UDP' }])])[0]).toContain('with protocol UDP (Deployment dns declares "TCP/dns")');
    expect(messages([workload('dns', app([{ name: 'dns', containerPort: 53, protocol: 'UDP' }])), svc([{ port: 53, targetPort: 'dns', protocol: 'UDP' }])])).toEqual([]);
  });

  test('GIVEN two selected templates WHEN one declares the name THEN it passes (the other\'s pods get no traffic on it, which may be meant); a sidecar\'s port counts, a plain init container\'s does not', () => {
    expect(messages([workload('a', app([])), workload('b', app([{ name: 'http', containerPort: 80 }])), svc([{ port: 80, targetPort: 'http' }])])).toEqual([]);
    const init = (restartPolicy?: string) => workload('web', { ...app([]), initContainers: [{ name: 'proxy', image: 'x', ...(restartPolicy ? { restartPolicy } : {}), ports: [{ name: 'proxy', containerPort: 15001 }] }] });
    expect(messages([init('Always'), svc([{ port: 80, targetPort: 'proxy' }])])).toEqual([]);
    expect(messages([init(), svc([{ port: 80, targetPort: 'proxy' }])])[0]).toContain('(Deployment web declares no named port)');
  });

  test('GIVEN a Service that selects one StatefulSet pod by name WHEN its set does not declare the named port THEN it is found', () => {
    const set = workload('db', app([{ name: 'sql', containerPort: 5432 }]), 'StatefulSet');
    expect(messages([set, svc([{ port: 5432, targetPort: 'pg' }], { 'statefulset.kubernetes.io/pod-name': 'db-0' })])[0]).toContain('(StatefulSet db declares "TCP/sql")');
    expect(messages([set, svc([{ port: 5432, targetPort: 'sql' }], { 'statefulset.kubernetes.io/pod-name': 'db-0' })])).toEqual([]);
  });

  test('GIVEN a selector that matches nothing WHEN its targetPort is a name THEN only the selector is found', () => {
    expect(messages([workload('web', app([])), svc([{ port: 80, targetPort: 'http' }], { app: 'nobody' })])).toEqual(['selector {"app":"nobody"} matches no pod template in namespace "web"']);
  });
});
