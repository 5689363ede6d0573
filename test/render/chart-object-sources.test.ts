import { chartObjects } from '../../lib/render/chart-renderer';

// helm template's output: each template's documents under `# Source: <template>`; a CRD file keeps its own `---`.
const HELM_OUTPUT = [
  '# helm v4.1.4 template demo: a cache header', '---',
  '# Source: demo/crds/things.yaml', '---',
  'apiVersion: apiextensions.k8s.io/v1', 'kind: CustomResourceDefinition', 'metadata: { name: things.example.com }', '---',
  '# Source: demo/templates/service.yaml',
  'apiVersion: v1', 'kind: Service', 'metadata: { name: demo }', '---',
  '# Source: demo/templates/rbac.yaml',
  'apiVersion: v1', 'kind: ServiceAccount', 'metadata: { name: demo }', '---',
  'apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', 'metadata: { name: demo }', '',
].join('\n');

describe('chartObjects: each rendered object names the template it came from', () => {
  test('GIVEN helm output with Source comments, a CRD with its own marker and a template of two documents WHEN read THEN each object carries its template', () => {
    expect(chartObjects(HELM_OUTPUT, 'demo').map((o) => [o.object.kind, o.source])).toEqual([
      ['CustomResourceDefinition', 'demo/crds/things.yaml'],
      ['Service', 'demo/templates/service.yaml'],
      ['ServiceAccount', 'demo/templates/rbac.yaml'],
      ['Role', 'demo/templates/rbac.yaml'],
    ]);
  });

  test('GIVEN kustomize output (no Source comments) WHEN read THEN the objects name no template', () => {
    expect(chartObjects('apiVersion: v1\nkind: Service\nmetadata: { name: a }\n---\napiVersion: v1\nkind: Service\nmetadata: { name: b }\n', 'k').map((o) => o.source)).toEqual(['', '']);
  });

  test('GIVEN a template that renders a list, not an object WHEN read THEN the error names the template', () => {
    expect(() => chartObjects('---\n# Source: demo/templates/bad.yaml\n- a\n- b\n', 'chart demo 1.0.0')).toThrow('chart demo 1.0.0, demo/templates/bad.yaml: a rendered document is not an object');
  });
});
