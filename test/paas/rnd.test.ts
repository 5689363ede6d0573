import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { checkRndApp } from '../../lib/config/app-rules';
import { loadApps } from '../../lib/config/load-apps';
import { haInputFromFiles, haModel, nMinusOne, violations } from '../../lib/ha/analysis';
import { storageNodes } from '../../lib/ha/simulate';
import { RND_STORAGE_CLASS } from '../../lib/ha/storage';
import { loadInputs, renderSite } from '../../lib/synth';
import { REPO, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FIXTURE_APPS = path.join(REPO, 'test', 'fixtures', 'rnd', 'apps');

describe('subord as the R&D node: the rnd environment and R&D storage', () => {
  const { site, apps, lock } = loadInputs(REPO);
  const rndApps = loadApps(FIXTURE_APPS, site);
  const files = renderSite(site, undefined, [...apps, ...rndApps], lock);
  const text = new Map(files.map((f) => [f.path, f.content]));
  const docs = (p: string): Obj[] => parseAllDocuments(text.get(p) ?? '').map((d) => d.toJS());
  const all = files.filter((f) => f.path.endsWith('.yaml')).flatMap((f) => docs(f.path).filter(Boolean).map((o) => ({ file: f.path, o })));
  const find = (kind: string, name: string) => all.find((x) => x.o.kind === kind && x.o.metadata?.name === name)?.o;

  test('GIVEN an app with environment rnd WHEN rendered THEN its pods run on subord only (R&D node selector and toleration) and its volume uses the R&D StorageClass', () => {
    const deployment = find('Deployment', 'lab')!;
    expect(deployment.metadata.namespace).toBe('rnd');
    const pod = deployment.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'platform.tsys/rnd': 'true' });
    expect(pod.tolerations).toContainEqual({ key: 'platform.tsys/rnd', operator: 'Equal', value: 'true', effect: 'NoSchedule' });
    expect(find('PersistentVolumeClaim', 'lab-data')!.spec.storageClassName).toBe(RND_STORAGE_CLASS);
    expect(deployment.metadata.annotations['platform.tsys/outside-ha']).toMatch(/R&D node \(subord\)/);
  });

  test('GIVEN a production app WHEN rendered THEN it neither selects nor tolerates the R&D node and its volume stays on the production class', () => {
    const pod = find('Deployment', 'whiteboard')!.spec.template.spec;
    expect(pod.nodeSelector).toBeUndefined();
    expect(pod.tolerations.map((t: Obj) => t.key)).not.toContain('platform.tsys/rnd');
    expect(find('PersistentVolumeClaim', 'whiteboard-boards')!.spec.storageClassName).toBe('longhorn');
  });

  test('GIVEN the production StorageClass WHEN rendered THEN its replicas and share managers use only disks and nodes tagged prod', () => {
    const sc = parse(find('ConfigMap', 'longhorn-storageclass')!.data['storageclass.yaml']);
    expect(sc.metadata.name).toBe('longhorn');
    expect(sc.parameters).toMatchObject({ diskSelector: 'prod', nodeSelector: 'prod', shareManagerNodeSelector: 'prod', numberOfReplicas: '3' });
    // Every StorageClass the platform renders: the R&D one is the only other.
    const classes = all.filter((x) => x.o.kind === 'StorageClass').map((x) => x.o);
    expect(classes.map((c) => c.metadata.name)).toEqual([RND_STORAGE_CLASS]);
  });

  test('GIVEN the R&D StorageClass WHEN rendered THEN it keeps one replica on disks and nodes tagged rnd only', () => {
    const sc = find('StorageClass', RND_STORAGE_CLASS)!;
    expect(sc.provisioner).toBe('driver.longhorn.io');
    expect(sc.reclaimPolicy).toBe('Retain');
    expect(sc.parameters).toMatchObject({ numberOfReplicas: '1', diskSelector: 'rnd', nodeSelector: 'rnd', shareManagerNodeSelector: 'rnd' });
    expect(sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class']).toBeUndefined();
  });

  test('GIVEN subord WHEN its k3s files are rendered THEN its Longhorn disk is created from the annotation tagged rnd only, and production nodes are tagged prod only', () => {
    const subord = parse(text.get('dist/hosts/subord/config.yaml')!);
    expect(subord['node-label']).toEqual(['node.longhorn.io/create-default-disk=config', 'platform.tsys/rnd=true', 'platform.tsys/storage-tag=rnd']);
    const install = text.get('dist/hosts/subord/install.sh')!;
    expect(install).toContain(`'node.longhorn.io/default-disks-config=[{"path":"/var/lib/longhorn/","allowScheduling":true,"tags":["rnd"]}]'`);
    expect(install).toContain(`'node.longhorn.io/default-node-tags=["rnd"]'`);
    expect(install).not.toContain('"prod"');
    for (const node of ['db1', 'www1']) {
      expect(parse(text.get(`dist/hosts/${node}/config.yaml`)!)['node-label']).toContain('platform.tsys/storage-tag=prod');
      const script = text.get(`dist/hosts/${node}/install.sh`)!;
      expect(script).toContain('"tags":["prod"]');
      expect(script).not.toContain('"rnd"');
    }
  });

  test('GIVEN subord\'s taint WHEN Longhorn is rendered THEN its manager and the components it deploys tolerate it, the UI and driver deployer do not', () => {
    const manager = find('DaemonSet', 'longhorn-manager')!;
    expect(manager.spec.template.spec.tolerations).toContainEqual({ key: 'platform.tsys/rnd', operator: 'Equal', value: 'true', effect: 'NoSchedule' });
    const settings = parse(find('ConfigMap', 'longhorn-default-setting')!.data['default-setting.yaml']);
    expect(settings['taint-toleration']).toBe('CriticalAddonsOnly=true:NoExecute;platform.tsys/rnd=true:NoSchedule');
    for (const name of ['longhorn-ui', 'longhorn-driver-deployer']) {
      expect((find('Deployment', name)!.spec.template.spec.tolerations ?? []).map((t: Obj) => t.key)).not.toContain('platform.tsys/rnd');
    }
  });

  describe('HA', () => {
    const model = haModel(haInputFromFiles(files));
    const results = nMinusOne(model);

    test('GIVEN the rendered site WHEN production storage nodes are counted THEN subord is not one of them', () => {
      expect(storageNodes(model.cluster!, model.workloads)).toEqual(['db1', 'db2', 'db3', 'www1', 'www2', 'www3']);
    });

    test('GIVEN subord is lost WHEN simulated THEN the rnd app is reported down while subord is down, outside HA, and no rule is broken', () => {
      const subord = results.find((r) => r.failed[0] === 'subord')!;
      const lab = subord.outcomes.find((o) => o.label.startsWith('rnd/lab '))!;
      expect(lab.verdict).toBe('outside-ha');
      expect(lab.after).toBe(0);
      expect(lab.why).toMatch(/^down while subord is down \(outside HA: R&D app/);
      expect(violations(subord)).toEqual([]);
    });

    test('GIVEN any production node is lost WHEN simulated THEN the rnd app is unaffected', () => {
      for (const r of results.filter((x) => x.failed[0] !== 'subord')) {
        const lab = r.outcomes.find((o) => o.label.startsWith('rnd/lab '))!;
        expect([lab.affected, lab.verdict]).toEqual([false, 'ok']);
      }
    });
  });

  test('GIVEN a site without an R&D node, or without R&D storage WHEN an rnd app is checked THEN it is refused with what to change', () => {
    const none = siteWith((s) => { s.nodes = s.nodes.filter((n: Obj) => !n.rnd); });
    expect(checkRndApp(rndApps[0], none).map((i) => i.message)).toEqual([expect.stringContaining('site.yaml has none')]);
    const noDisk = siteWith((s) => { s.nodes.find((n: Obj) => n.rnd).storage = false; });
    expect(checkRndApp(rndApps[0], noDisk)).toEqual([{ path: ['volumes'], message: expect.stringContaining('set `storage: true` on subord') }]);
    expect(checkRndApp({ ...rndApps[0], volumes: [] }, noDisk)).toEqual([]);
  });
});
