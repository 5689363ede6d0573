import * as fc from 'fast-check';
import { parseApp } from '../../lib/config/load-apps';
import { factsKey, factsOf, ObjectFacts, PlatformFacts } from '../../lib/facts/facts';
import { analysisKey, haInputFromFiles, haModel } from '../../lib/ha/analysis';
import { buildHaModel, HaEntry, HaModel, HaObject, HaObjectRef, haProjections } from '../../lib/ha/model';
import { describeObject, isMap, JsonMap } from '../../lib/k8s/manifest';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { loadInputs, renderSiteAnalysed } from '../../lib/synth';
import { HA_CHECKS } from '../../lib/verify/ha-rules';
import { generatedApp } from '../../scripts/bench-apps';
import { REPO } from '../helpers';

/*
 * The HA model from projections (step 2 of docs/design/per-app-summaries.md): a summarised app's
 * objects are given to the model as entries (who each one is, and `haProjections` of its document,
 * through JSON as its line would store them) instead of documents. The model must be the one made
 * from the documents, but for the pod templates it has no documents of: the same workloads (the
 * same look-ups of budgets, autoscalers and claims across apps), other pods, Applications and
 * problems, the same analysis key, and the same HA findings.
 */

/** What a summarised app's line would hold for an object: its ref, and its projections through JSON. */
function entryOf(file: string, doc: unknown, facts: PlatformFacts): HaEntry {
  if (!isMap(doc)) throw new Error(`${file}: not a map`);
  const p = haProjections(doc, factsOf(facts, doc));
  if (p === undefined) throw new Error(`${file}: no projections (the app could not be summarised)`);
  const metadata = (doc.metadata ?? {}) as JsonMap;
  const ref: HaObjectRef = {
    file, apiVersion: String(doc.apiVersion), kind: String(doc.kind),
    ...(typeof metadata.namespace === 'string' ? { namespace: metadata.namespace } : {}), name: String(metadata.name),
  };
  return { ref, p: JSON.parse(JSON.stringify(p)) };
}

/** An origin as findings and the analysis key read it: its file, kind and description. */
const originOf = (o: HaObject | string) => (typeof o === 'string' ? o : { file: o.file, kind: o.obj.kind, object: describeObject(o.obj) });

/** The model with origins as they are read, and without pod templates (an entry has none). */
function comparable(m: HaModel) {
  return {
    cluster: m.cluster && { ...m.cluster, storage: m.cluster.storage && { ...m.cluster.storage, origin: originOf(m.cluster.storage.origin) } },
    workloads: m.workloads.map((w) => ({ ...w, origin: originOf(w.origin), podSpec: undefined })),
    otherPods: m.otherPods.map((p) => ({ ...p, origin: originOf(p.origin), podSpec: undefined })),
    applications: m.applications.map((a) => ({ ...a, origin: originOf(a.origin) })),
    daemonSetHealth: m.daemonSetHealth,
    healthCustomisations: m.healthCustomisations,
    problems: m.problems.map((p) => ({ ...p, origin: originOf(p.origin) })),
  };
}

/** Every HA rule's findings over a model (the tree's objects the same for both). */
function haFindings(model: HaModel, objects: readonly HaObject[], facts: PlatformFacts): string[] {
  const ctx = { model, objects, facts };
  return HA_CHECKS.flatMap((rule) => rule.check(ctx).map((f) => `${f.file} ${f.object ?? ''} ${f.message}`));
}

describe('HA model from projections: the shipped render with generated apps', () => {
  const { site, apps, lock } = loadInputs(REPO);
  // Apps 20-39: every kind the bench generates (rolling, blue/green, canary, shared volume with a database, autoscaled), no TCP port.
  const generated = Array.from({ length: 20 }, (_, k) => generatedApp(20 + k)).map((a) => parseApp(a.text, `apps/${a.name}.yaml`, site));
  const { files, facts, documents, model: fromDocuments } = renderSiteAnalysed(site, undefined, [...apps, ...generated], lock);
  const names = [...apps, ...generated].map((a) => a.name).sort();
  // Every other app, the shipped whiteboard among them.
  const summarisedApps = new Set(names.filter((_, i) => i % 2 === 0));
  const appOf = (file: string) => /^dist\/workloads\/([^/]+)\//.exec(file)?.[1] ?? /^dist\/paas\/application-app-(.+)\.yaml$/.exec(file)?.[1];
  const summarisedFile = (file: string) => summarisedApps.has(appOf(file) ?? '');
  const docsOf = (f: RenderedFile) => documents.documentsOf(f) ?? documents.parse(f.content, f.path);

  /** The model with the summarised apps' files given as entries; their text and documents throw when read. */
  function modelFromProjections(of: readonly RenderedFile[]): HaModel {
    const entries = new Map(of.filter((f) => summarisedFile(f.path)).map((f) => [f.path, docsOf(f).map((doc) => entryOf(f.path, doc, facts))]));
    const guarded = of.map((f) => (entries.has(f.path) ? { path: f.path, get content(): string { throw new Error(`${f.path} was read`); } } : f));
    const known = (f: { path: string }) => {
      if (entries.has(f.path)) throw new Error(`${f.path}'s documents were read`);
      return documents.documentsOf(f as RenderedFile);
    };
    return haModel(haInputFromFiles(guarded, facts, documents.parse, known, (f) => entries.get(f.path)));
  }

  test('GIVEN every other app summarised WHEN the model is built from their projections THEN it equals the model from documents, pod templates aside, and its analysis key is the same', () => {
    expect(summarisedApps.has('whiteboard')).toBe(true);
    const fromProjections = modelFromProjections(files);
    expect(fromProjections.workloads.filter((w) => w.podSpec === undefined).map((w) => w.namespace + '/' + w.name).length).toBeGreaterThanOrEqual(summarisedApps.size);
    expect(comparable(fromProjections)).toStrictEqual(comparable(fromDocuments));
    expect(analysisKey(fromProjections)).toBe(analysisKey(fromDocuments));
  });

  test('GIVEN a summarised app\'s budget and an app\'s autoscaler removed WHEN the HA rules run on the model from projections THEN their findings are those of the model from documents', () => {
    const budget = files.find((f) => summarisedFile(f.path) && f.path.startsWith('dist/workloads/app-0020/') && f.path.includes('poddisruptionbudget'))!;
    const autoscaler = files.find((f) => !summarisedFile(f.path) && f.path.includes('horizontalpodautoscaler'))!;
    expect([budget, autoscaler].every(Boolean)).toBe(true);
    const changed = files.filter((f) => f !== budget && f !== autoscaler);
    const objects = changed.filter((f) => f.path.startsWith('dist/') && !f.path.startsWith('dist/hosts/') && f.path.endsWith('.yaml'))
      .flatMap((f) => docsOf(f).filter(isMap).map((obj) => ({ file: f.path, obj })));
    const documentsModel = haModel(haInputFromFiles(changed, facts, documents.parse, documents.documentsOf));
    const expected = haFindings(documentsModel, objects, facts);
    expect(expected.some((f) => f.includes('app-0020') && f.includes('[ha/pdb]'))).toBe(true);
    expect(haFindings(modelFromProjections(changed), objects, facts)).toEqual(expected);
  });
});

/*
 * Random trees: app folders and a layer folder in two namespaces, with workloads (whose names and
 * labels collide across apps), budgets that select other apps' pods, autoscalers (the first of a
 * target wins), claims (the first of a name wins), CronJobs and Applications, and HA facts; a random
 * subset of the apps summarised.
 */
const NAMESPACES = ['a', 'b'];
const NAMES = ['web', 'api', 'db'];
const LABELS = [{ app: 'web' }, { app: 'api' }, { app: 'web', tier: 'front' }, { tier: 'front' }];
const CLAIMS = ['data', 'cache'];

const arbWorkload = fc.record({
  kind: fc.constantFrom('Deployment', 'StatefulSet', 'DaemonSet', 'Rollout'),
  namespace: fc.constantFrom(...NAMESPACES),
  name: fc.constantFrom(...NAMES),
  labels: fc.constantFrom(...LABELS),
  replicas: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  claims: fc.subarray(CLAIMS),
  template: fc.option(fc.record({ name: fc.constantFrom(...CLAIMS), storageClassName: fc.option(fc.constantFrom('longhorn', 'nfs'), { nil: undefined }) }), { nil: undefined }),
  spread: fc.constantFrom('none', 'hard', 'soft', 'anti'),
  probe: fc.option(fc.record({ periodSeconds: fc.integer({ min: 1, max: 30 }), failureThreshold: fc.integer({ min: 1, max: 10 }) }), { nil: undefined }),
  startup: fc.boolean(),
  cpu: fc.constantFrom('100m', '1', undefined),
  tolerate: fc.boolean(),
  facts: fc.option(fc.record({ singleton: fc.option(fc.constant('one writer'), { nil: undefined }), exempt: fc.option(fc.constant({ 'ha/spread': 'why not' }), { nil: undefined }), systemComponent: fc.option(fc.constant('dns'), { nil: undefined }), outsideHa: fc.option(fc.constant('r&d'), { nil: undefined }) }), { nil: undefined }),
});
const arbPdb = fc.record({
  namespace: fc.constantFrom(...NAMESPACES),
  name: fc.constantFrom('pdb-1', 'pdb-2'),
  matchLabels: fc.constantFrom({}, ...LABELS),
  expression: fc.option(fc.record({ key: fc.constantFrom('app', 'tier'), operator: fc.constantFrom('In', 'NotIn', 'Exists'), values: fc.subarray(['web', 'api', 'front']) }), { nil: undefined }),
  minAvailable: fc.option(fc.constantFrom(1, 2, '50%', '1'), { nil: undefined }),
  maxUnavailable: fc.option(fc.constantFrom(1, '25%'), { nil: undefined }),
});
const arbHpa = fc.record({ namespace: fc.constantFrom(...NAMESPACES), kind: fc.constantFrom('Deployment', 'Rollout', 'StatefulSet'), name: fc.constantFrom(...NAMES), minReplicas: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }) });
const arbPvc = fc.record({ namespace: fc.constantFrom(...NAMESPACES), name: fc.constantFrom(...CLAIMS), storageClassName: fc.option(fc.constantFrom('longhorn', 'nfs'), { nil: undefined }), accessMode: fc.option(fc.constantFrom('ReadWriteOnce', 'ReadWriteMany', 'Bogus'), { nil: undefined }) });
const arbFolder = fc.record({
  workloads: fc.array(arbWorkload, { maxLength: 3 }),
  pdbs: fc.array(arbPdb, { maxLength: 2 }),
  hpas: fc.array(arbHpa, { maxLength: 2 }),
  pvcs: fc.array(arbPvc, { maxLength: 2 }),
  cronJob: fc.boolean(),
  application: fc.option(fc.record({ wave: fc.constantFrom(undefined, '1', '-2'), recurse: fc.boolean() }), { nil: undefined }),
});

type Folder = typeof arbFolder extends fc.Arbitrary<infer T> ? T : never;

const API_VERSIONS: Record<string, string> = { Deployment: 'apps/v1', StatefulSet: 'apps/v1', DaemonSet: 'apps/v1', Rollout: 'argoproj.io/v1alpha1' };

/** The objects of one folder, each in a file of its own, and the facts it declares. */
function folderObjects(dir: string, appName: string, folder: Folder, facts: Map<string, ObjectFacts>): HaObject[] {
  const out: HaObject[] = [];
  const put = (file: string, obj: JsonMap) => out.push({ file: `${dir}/${file}`, obj });
  folder.workloads.forEach((w, i) => {
    const container: JsonMap = {
      name: 'c', image: 'x:1',
      ...(w.cpu ? { resources: { requests: { cpu: w.cpu, memory: '128Mi' } } } : {}),
      ...(w.probe ? { readinessProbe: w.probe, ...(w.startup ? { startupProbe: { ...w.probe, periodSeconds: 2 } } : {}) } : {}),
    };
    const spread = w.spread === 'none' ? {} : w.spread === 'anti'
      ? { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: w.labels } }] } } }
      : { topologySpreadConstraints: [{ topologyKey: 'kubernetes.io/hostname', maxSkew: 1, whenUnsatisfiable: w.spread === 'hard' ? 'DoNotSchedule' : 'ScheduleAnyway', labelSelector: { matchLabels: w.labels } }] };
    const pod: JsonMap = {
      containers: [container], ...spread,
      ...(w.claims.length ? { volumes: w.claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })) } : {}),
      ...(w.tolerate ? { tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] } : {}),
    };
    put(`${w.kind.toLowerCase()}-${w.name}-${i}.yaml`, {
      apiVersion: API_VERSIONS[w.kind], kind: w.kind, metadata: { name: w.name, namespace: w.namespace },
      spec: {
        ...(w.replicas !== undefined && w.kind !== 'DaemonSet' ? { replicas: w.replicas } : {}),
        selector: { matchLabels: w.labels }, template: { metadata: { labels: w.labels }, spec: pod },
        ...(w.template && w.kind === 'StatefulSet' ? { volumeClaimTemplates: [{ metadata: { name: w.template.name }, spec: { ...(w.template.storageClassName ? { storageClassName: w.template.storageClassName } : {}) } }] } : {}),
      },
    });
    if (w.facts) {
      const ha = Object.fromEntries(Object.entries(w.facts).filter(([, v]) => v !== undefined));
      facts.set(factsKey(API_VERSIONS[w.kind], w.kind, w.namespace, w.name), { ha } as ObjectFacts);
    }
  });
  folder.pdbs.forEach((p, i) => put(`poddisruptionbudget-${p.name}-${i}.yaml`, {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: p.name, namespace: p.namespace },
    spec: {
      selector: { matchLabels: p.matchLabels, ...(p.expression ? { matchExpressions: [p.expression] } : {}) },
      ...(p.minAvailable !== undefined ? { minAvailable: p.minAvailable } : {}),
      ...(p.maxUnavailable !== undefined ? { maxUnavailable: p.maxUnavailable } : {}),
    },
  }));
  folder.hpas.forEach((h, i) => put(`horizontalpodautoscaler-${h.name}-${i}.yaml`, {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: h.name, namespace: h.namespace },
    spec: { scaleTargetRef: { apiVersion: API_VERSIONS[h.kind], kind: h.kind, name: h.name }, ...(h.minReplicas !== undefined ? { minReplicas: h.minReplicas } : {}), maxReplicas: 9 },
  }));
  folder.pvcs.forEach((c, i) => put(`persistentvolumeclaim-${c.name}-${i}.yaml`, {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: c.name, namespace: c.namespace },
    spec: { ...(c.storageClassName ? { storageClassName: c.storageClassName } : {}), ...(c.accessMode ? { accessModes: [c.accessMode] } : {}), resources: { requests: { storage: '1Gi' } } },
  }));
  if (folder.cronJob) {
    put('cronjob-nightly.yaml', {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: `${appName}-nightly`, namespace: 'a' },
      spec: { schedule: '30 2 * * *', jobTemplate: { spec: { backoffLimit: 2, template: { spec: { containers: [{ name: 'c', image: 'x:1' }], restartPolicy: 'Never' } } } } },
    });
  }
  return out;
}

function applicationOf(appName: string, app: NonNullable<Folder['application']>): HaObject {
  return {
    file: `dist/paas/application-app-${appName}.yaml`,
    obj: {
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Application',
      metadata: { name: `app-${appName}`, namespace: 'argocd', ...(app.wave !== undefined ? { annotations: { 'argocd.argoproj.io/sync-wave': app.wave } } : {}) },
      spec: { source: { repoURL: 'https://git.example/platform.git', path: `dist/workloads/${appName}/`, ...(app.recurse ? { directory: { recurse: true } } : {}) } },
    },
  };
}

describe('HA model from projections: random trees', () => {
  test('GIVEN apps and a layer with budgets, autoscalers and claims across apps, some apps summarised WHEN modelled from their projections THEN the model equals the model from documents, pod templates aside, with the same analysis key', () => {
    fc.assert(fc.property(fc.array(arbFolder, { minLength: 1, maxLength: 5 }), arbFolder, fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), (apps, layer, summarise) => {
      const facts = new Map<string, ObjectFacts>();
      const objects: HaObject[] = folderObjects('dist/layer', 'layer', layer, facts);
      const summarisedFiles = new Set<string>();
      apps.forEach((folder, k) => {
        const name = `app${k}`;
        const own = [...folderObjects(`dist/workloads/${name}`, name, folder, facts), ...(folder.application ? [applicationOf(name, folder.application)] : [])];
        objects.push(...own);
        if (summarise[k]) for (const o of own) summarisedFiles.add(o.file);
      });
      objects.sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : 0));
      const fromDocuments = buildHaModel({ objects, hostFiles: new Map(), facts });
      const fromProjections = buildHaModel({
        objects: objects.filter((o) => !summarisedFiles.has(o.file)),
        entries: objects.filter((o) => summarisedFiles.has(o.file)).map((o) => entryOf(o.file, o.obj, facts)),
        hostFiles: new Map(), facts,
      });
      expect(comparable(fromProjections)).toStrictEqual(comparable(fromDocuments));
      expect(analysisKey(fromProjections)).toBe(analysisKey(fromDocuments));
    }), { numRuns: 300 });
  });
});
