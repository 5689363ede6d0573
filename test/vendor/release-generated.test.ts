import { externalSecretsCrdTemplates } from '../../lib/vendor/vendor-command';

const crd = (kind: string, singular: string, extra = '') => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations:
    controller-gen.kubebuilder.io/version: v0.19.0
  name: ${singular}s.external-secrets.io
spec:
  group: external-secrets.io
  names:
    kind: ${kind}
    plural: ${singular}s
    singular: ${singular}
  scope: Namespaced
  versions:
${extra}    - name: v1
      served: true
      storage: true
`;

describe('release-time files of the external-secrets chart', () => {
  const bundle = [crd('ExternalSecret', 'externalsecret', '    - name: v1beta1\n      served: false\n      storage: false\n'), crd('ClusterSecretStore', 'clustersecretstore'), crd('Password', 'password')].join('---\n');
  const files = externalSecretsCrdTemplates(bundle);

  test('GIVEN the CRD bundle WHEN generated THEN one template per CRD, named by its singular', () => {
    expect(Object.keys(files).sort()).toEqual(['templates/crds/clustersecretstore.yaml', 'templates/crds/externalsecret.yaml', 'templates/crds/password.yaml']);
  });

  test('GIVEN a namespaced kind WHEN generated THEN it is wrapped in installCRDs, a cluster-wide kind also in its create flag', () => {
    expect(files['templates/crds/password.yaml'].startsWith('{{- if .Values.installCRDs }}\napiVersion:')).toBe(true);
    expect(files['templates/crds/clustersecretstore.yaml'].startsWith('{{- if and (.Values.installCRDs) (.Values.crds.createClusterSecretStore) }}\n')).toBe(true);
    for (const text of Object.values(files)) expect(text.trimEnd().endsWith('{{- end }}')).toBe(true);
  });

  test('GIVEN ExternalSecret\'s unserved v1beta1 WHEN generated THEN serving it is a value, and the annotations block follows the first annotations line', () => {
    const text = files['templates/crds/externalsecret.yaml'];
    expect(text).toContain('served: {{ .Values.crds.unsafeServeV1Beta1 }}');
    expect(text).toContain('  annotations:\n    {{- with .Values.crds.annotations }}\n');
    expect(files['templates/crds/password.yaml']).not.toContain('unsafeServeV1Beta1');
  });

  test('GIVEN a bundle without CRDs WHEN generated THEN the vendoring stops with a clear error', () => {
    expect(() => externalSecretsCrdTemplates('kind: ConfigMap\n')).toThrow('deploy/crds/bundle.yaml holds no CRD');
  });
});
