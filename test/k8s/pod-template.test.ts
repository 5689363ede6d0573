import { podSpecAt, podSpecOf, podSpecPath, podTemplateLabels, podTemplateOf, podTemplatePath } from '../../lib/k8s/pod-template';

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };

describe('pod templates', () => {
  test('GIVEN every kind that runs pods WHEN located THEN each names where its template and pod spec are', () => {
    const cases: [string, string, string, string][] = [
      ['apps/v1', 'Deployment', 'spec.template', 'spec.template.spec'],
      ['apps/v1', 'StatefulSet', 'spec.template', 'spec.template.spec'],
      ['apps/v1', 'DaemonSet', 'spec.template', 'spec.template.spec'],
      ['apps/v1', 'ReplicaSet', 'spec.template', 'spec.template.spec'],
      ['batch/v1', 'Job', 'spec.template', 'spec.template.spec'],
      ['batch/v1', 'CronJob', 'spec.jobTemplate.spec.template', 'spec.jobTemplate.spec.template.spec'],
      ['argoproj.io/v1alpha1', 'Rollout', 'spec.template', 'spec.template.spec'],
      ['v1', 'PodTemplate', 'template', 'template.spec'],
      ['v1', 'Pod', '', 'spec'],
    ];
    for (const [apiVersion, kind, templatePath, specPath] of cases) {
      expect([kind, podTemplatePath({ apiVersion, kind })]).toEqual([kind, templatePath]);
      expect([kind, podSpecPath({ apiVersion, kind })]).toEqual([kind, specPath]);
    }
  });

  test('GIVEN kinds without pods, or a known kind of another group WHEN located THEN there is no template', () => {
    expect(podTemplatePath({ apiVersion: 'v1', kind: 'Service' })).toBeUndefined();
    expect(podTemplatePath({ apiVersion: 'example.com/v1', kind: 'Deployment' })).toBeUndefined();
    expect(podSpecPath({ apiVersion: 'v1', kind: 'ConfigMap' })).toBeUndefined();
    expect(podTemplatePath(undefined)).toBeUndefined();
  });

  test('GIVEN a Deployment and a CronJob WHEN read THEN the template, its spec and labels come back', () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', spec: { template } };
    const cronJob = { apiVersion: 'batch/v1', kind: 'CronJob', spec: { jobTemplate: { spec: { template } } } };
    expect(podTemplateOf(deployment)).toBe(template);
    expect(podSpecOf(deployment)).toBe(template.spec);
    expect(podSpecAt(cronJob)).toEqual({ path: 'spec.jobTemplate.spec.template.spec', spec: template.spec });
    expect(podTemplateLabels(cronJob)).toEqual({ app: 'web' });
  });

  test('GIVEN a Pod WHEN read THEN the Pod is its own template', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', ...template };
    expect(podTemplateOf(pod)).toBe(pod);
    expect(podSpecAt(pod)).toEqual({ path: 'spec', spec: template.spec });
    expect(podTemplateLabels(pod)).toEqual({ app: 'web' });
  });

  test('GIVEN a workload without a template, or one that is not a map WHEN read THEN undefined', () => {
    expect(podTemplateOf({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', spec: { workloadRef: { name: 'web' } } })).toBeUndefined();
    expect(podSpecOf({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { template: { spec: 'x' } } })).toBeUndefined();
    expect(podTemplateLabels({ apiVersion: 'v1', kind: 'Service', metadata: { labels: { app: 'web' } } })).toBeUndefined();
  });
});
