import { haInputFromFiles } from '../../lib/ha/analysis';
import { buildHaModel, HaObject } from '../../lib/ha/model';
import { renderSiteAnalysed } from '../../lib/synth';
import { HA_CHECKS, HaContext } from '../../lib/verify/ha-rules';
import { shippedSite } from '../helpers';

/** The advice of the HA rules for a workload whose replicas are not a number (its schema finding is verify/schemas'). */
test('GIVEN a Deployment without a PodDisruptionBudget whose replicas are "lots" WHEN the HA rules advise THEN no "NaN" in the advice (it said "minAvailable NaN")', () => {
  const { files, facts } = renderSiteAnalysed(shippedSite());
  const objects: HaObject[] = [{
    file: 'dist/fixture/deployment-web.yaml',
    obj: {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' },
      spec: { replicas: 'lots', selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.turnsys.com/apps/web:1.0.0' }] } } },
    },
  }];
  const ctx: HaContext = { model: buildHaModel({ objects, hostFiles: haInputFromFiles(files).hostFiles, facts }), objects, facts };
  const advice = HA_CHECKS.flatMap((rule) => rule.check(ctx)).map((f) => f.message);
  expect(advice.some((m) => m.startsWith('[ha/pdb]'))).toBe(true);
  expect(advice.join('\n')).not.toContain('NaN');
});
