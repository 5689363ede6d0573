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
