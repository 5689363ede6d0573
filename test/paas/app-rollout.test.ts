import { parse, stringify } from 'yaml';
import { parseApp } from '../../lib/config/load-apps';
import { haInputFromFiles, haModel } from '../../lib/ha/analysis';
import type { HaModel } from '../../lib/ha/model';
import { loadInputs, renderSiteAnalysed } from '../../lib/synth';
import { HA_CHECKS } from '../../lib/verify/ha-rules';
import { REPO } from '../helpers';

/*
 * ha/rollout on the PaaS's apps: an app's rolling update (the schema's default: maxSurge 25%,
 * maxUnavailable 0) must finish with any one worker down. It does because the app's spread leaves
 * a tainted or lost node out of its domains (nodeTaintsPolicy: Honor) and counts each revision on
 * its own (matchLabelKeys), so the default stays.
 */

const { site, apps: shipped, lock } = loadInputs(REPO);
const APPS: Record<string, string> = {
  // Three replicas on the three workers, the default rolling strategy.
  shop: ['environment: prod', 'image: registry.turnsys.com/tsys/shop:1.0.0', 'replicas: 3', 'ports: [ { name: http, port: 8080 } ]', 'health: { path: /healthz }'].join('\n'),
  // Two, as most apps.
  blog: ['environment: uat', 'image: registry.turnsys.com/tsys/blog:1.0.0', 'ports: [ { name: http, port: 8080 } ]', 'health: { path: /healthz }'].join('\n'),
};
const WORKLOAD = 'dist/workloads/shop/deployment-shop.yaml';

describe('ha/rollout on the PaaS\'s apps', () => {
  const specs = Object.keys(APPS).map((n) => parseApp(APPS[n], `apps/${n}.yaml`, site));
  // The shipped apps (the whiteboard) beside them.
  const { files, facts, model } = renderSiteAnalysed(site, undefined, [...shipped, ...specs], lock);
  const rule = HA_CHECKS.find((r) => r.id === 'ha/rollout')!;
  const findings = (m: HaModel) => rule.check({ model: m, objects: [], facts }).map((f) => `${f.file}: ${f.message}`);

  test('GIVEN an app of 3 replicas and one of 2 with the default rolling strategy, and the shipped whiteboard WHEN checked THEN every update finishes with any node down', () => {
    const shop = model.workloads.find((w) => w.label === 'prod/shop (Deployment)')!;
    expect(shop.strategy).toEqual({ type: 'RollingUpdate', maxSurge: '25%', maxUnavailable: 0 });
    expect(shop.spread).toEqual({ kind: 'spread', maxSkew: 1, honorTaints: true, perRevision: true });
    expect(model.workloads.find((w) => w.label === 'prod/whiteboard (Deployment)')!.strategy).toEqual({ type: 'Recreate' });
    expect(findings(model)).toEqual([]);
  });

  test('GIVEN the app\'s spread without nodeTaintsPolicy Honor and matchLabelKeys WHEN checked THEN its update stops even with every node up, and Honor is named as a fix', () => {
    const changed = files.map((f) => {
      if (f.path !== WORKLOAD) return f;
      const d = parse(f.content);
      for (const c of d.spec.template.spec.topologySpreadConstraints) {
        delete c.nodeTaintsPolicy;
        delete c.matchLabelKeys;
      }
      return { ...f, content: stringify(d) };
    });
    const found = findings(haModel(haInputFromFiles(changed, facts)));
    expect(found).toEqual([expect.stringContaining(`${WORKLOAD}: [ha/rollout] its rolling update (an image or config change) cannot finish even with every node up: 3 replicas kept apart by a DoNotSchedule topology spread`)]);
    expect(found[0]).toContain('set nodeTaintsPolicy: Honor on its spread');
  });
});
