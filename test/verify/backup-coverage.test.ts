import { FACTS_FILE, formatFacts, ObjectFacts, parseFacts } from '../../lib/facts/facts';
import { renderSite } from '../../lib/synth';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { shippedSite, verifyChangedRender } from '../helpers';

const registry = new SchemaRegistry();
const rendered = renderSite(shippedSite());

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Verifies the shipped render with `change` applied to its parsed objects (path -> object). */
function findingsOf(change: (files: Map<string, Obj | string>) => void): string[] {
  return verifyChangedRender(rendered, registry, change);
}

const PVC_FILE = 'dist/jenkins/persistentvolumeclaim-scratch.yaml';
const PVC_ID = 'v1 PersistentVolumeClaim jenkins/scratch';

function pvc(annotations?: Record<string, string>, storageClassName = 'longhorn'): Obj {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: { name: 'scratch', namespace: 'jenkins', ...(annotations ? { annotations } : {}) },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName, resources: { requests: { storage: '1Gi' } } },
  };
}

const STS_FILE = 'dist/jenkins/statefulset-cache.yaml';

/** An ad-hoc StatefulSet jenkins/cache with one claim template, `data`. */
function cacheStatefulSet(): Obj {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'cache', namespace: 'jenkins' },
    spec: {
      serviceName: 'cache', selector: { matchLabels: { app: 'cache' } },
      template: { metadata: { labels: { app: 'cache' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  };
}

/** Declares facts about one object in the tree's facts file (as synth would have written them). */
function declare(files: Map<string, Obj | string>, key: string, facts: ObjectFacts): void {
  const { facts: all } = parseFacts(String(files.get(FACTS_FILE)));
  files.set(FACTS_FILE, formatFacts(new Map([...all, [key, { ...all.get(key), ...facts }]])));
}

/** Removes every Velero Schedule and Longhorn backup job: nothing is backed up any more. */
function withoutSchedules(files: Map<string, Obj | string>): void {
  for (const [p, o] of [...files]) {
    if (typeof o !== 'string' && (o.kind === 'Schedule' || (o.kind === 'RecurringJob' && o.spec?.task === 'backup'))) files.delete(p);
  }
}

const UNCOVERED = `${PVC_FILE}: ${PVC_ID}: volume jenkins/scratch (PersistentVolumeClaim) is not covered by any backup schedule: `
  + 'include namespace "jenkins" in a Velero Schedule (site.yaml backups), keep it on StorageClass "longhorn" in a Longhorn backup group, '
  + 'or declare why it needs none (backupOptOut: "<reason>", lib/facts; a chart\'s claims: backupOptOuts of its component)';

describe('backup coverage rule', () => {
  test('GIVEN a PVC and no backup schedule WHEN verified THEN verify fails naming the PVC and the ways to fix it', () => {
    const found = findingsOf((f) => {
      withoutSchedules(f);
      f.set(PVC_FILE, pvc());
    });
    expect(found.filter((x) => x.startsWith(PVC_FILE))).toEqual([UNCOVERED]);
  });

  test('GIVEN a PVC on another StorageClass in a namespace the platform schedule covers WHEN verified THEN it passes', () => {
    expect(findingsOf((f) => f.set(PVC_FILE, pvc(undefined, 'nfs')))).toEqual([]);
  });

  test('GIVEN a Longhorn PVC with only the Longhorn daily backup job WHEN verified THEN the default group covers it', () => {
    expect(findingsOf((f) => {
      for (const [p, o] of [...f]) if (typeof o !== 'string' && o.kind === 'Schedule') f.delete(p);
      f.set(PVC_FILE, pvc());
    })).toEqual([]);
  });

  test('GIVEN an uncovered PVC declared opted out with a reason WHEN verified THEN it passes', () => {
    const found = findingsOf((f) => {
      withoutSchedules(f);
      f.set(PVC_FILE, pvc());
      declare(f, '/PersistentVolumeClaim/jenkins/scratch', { backupOptOut: 'build cache, rebuilt by the next build' });
    });
    expect(found.filter((x) => x.startsWith(PVC_FILE))).toEqual([]);
  });

  test('GIVEN an uncovered PVC annotated platform.tsys/backup-opt-out but not declared WHEN verified THEN the annotation is not read: it is a finding', () => {
    const found = findingsOf((f) => {
      withoutSchedules(f);
      f.set(PVC_FILE, pvc({ 'platform.tsys/backup-opt-out': 'build cache, rebuilt by the next build' }));
    });
    expect(found.filter((x) => x.startsWith(PVC_FILE))).toEqual([UNCOVERED]);
  });

  test('GIVEN an opt-out without a reason WHEN verified THEN verify fails and asks for one', () => {
    const found = findingsOf((f) => {
      f.set(PVC_FILE, pvc());
      declare(f, '/PersistentVolumeClaim/jenkins/scratch', { backupOptOut: ' ' });
    });
    expect(found).toEqual([expect.stringContaining(`${FACTS_FILE}: [ha/annotations] /PersistentVolumeClaim/jenkins/scratch backupOptOut: needs a reason`)]);
  });

  test('GIVEN the shipped render with no schedule and no opt-out annotation on Argo CD\'s redis claims WHEN verified THEN they stay opted out by their declaration', () => {
    const redis = 'dist/argocd/statefulset-argocd-redis-ha-server.yaml';
    const found = findingsOf((f) => {
      withoutSchedules(f);
      const sts = f.get(redis) as Obj;
      for (const t of sts.spec.volumeClaimTemplates) delete t.metadata.annotations;
    });
    expect(found.filter((x) => x.startsWith(redis))).toEqual([]);
    expect(found.filter((x) => x.includes('argocd/data-argocd-redis-ha-server'))).toEqual([]);
  });

  test('GIVEN a StatefulSet claim template and no schedule WHEN verified THEN the template is named', () => {
    const found = findingsOf((f) => {
      withoutSchedules(f);
      f.set(STS_FILE, cacheStatefulSet());
    });
    // The ad-hoc StatefulSet is not built to pass the HA rules (test/verify/ha-rules.test.ts covers those).
    expect(found.filter((x) => x.startsWith(STS_FILE) && !x.includes(': [ha/'))).toEqual([expect.stringContaining('apps/v1 StatefulSet jenkins/cache: volume jenkins/data-cache-* (StatefulSet cache) is not covered by any backup schedule')]);
  });

  test('GIVEN a StatefulSet declared opted out and no schedule WHEN verified THEN its claim templates are opted out', () => {
    const found = findingsOf((f) => {
      withoutSchedules(f);
      f.set(STS_FILE, cacheStatefulSet());
      declare(f, 'apps/StatefulSet/jenkins/cache', { backupOptOut: 'a cache, rebuilt on start' });
    });
    expect(found.filter((x) => x.includes('data-cache-*'))).toEqual([]);
  });

  test('GIVEN the volumes charts render and those an operator creates, and no schedule WHEN verified THEN each is a finding: the rendered claim, and the declared one on the object that carries it', () => {
    const found = findingsOf(withoutSchedules);
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/^dist\/jenkins\/persistentvolumeclaim-jenkins.yaml: v1 PersistentVolumeClaim jenkins\/jenkins: .*not covered/),
      expect.stringMatching(/^dist\/monitoring\/prometheus-kube-prometheus-stack-prometheus.yaml: monitoring.coreos.com\/v1 Prometheus monitoring\/kube-prometheus-stack-prometheus: volume monitoring\/prometheus-kube-prometheus-stack-prometheus-db-prometheus-kube-prometheus-stack-prometheus-\* \(declared on Prometheus kube-prometheus-stack-prometheus\) is not covered/),
    ]));
  });
});
