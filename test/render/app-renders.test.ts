import fc from 'fast-check';
import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as fs from 'fs';
import * as path from 'path';
import { sha256 } from '../../lib/cache-file';
import { collectFacts, declareFacts, declareReplayedFacts } from '../../lib/facts/declare';
import { factsKey } from '../../lib/facts/key';
import { Inventory } from '../../lib/inventory';
import { AppObject, AppRender, appRenderKey, AppRenders, APP_RENDERS_FILE, inputsJson, recordJson, siteDigest } from '../../lib/render/app-renders';
import { documentDigest, documentJson, RenderedDocuments } from '../../lib/render/documents';
import { Application } from '../../imports/argoproj.io';
import { appApplicationName } from '../../lib/paas/conventions';
import { WorkloadChart } from '../../lib/paas/workload-chart';
import { buildPlatform } from '../../lib/platform';
import { loadInputs, renderSiteAnalysed } from '../../lib/synth';
import { generatedApp } from '../../scripts/bench-apps';
import { REPO, shippedSite, writeTree } from '../helpers';

const CODE = 'the code';
const doc = (name: string): object => ({ apiVersion: 'v1', data: { k: name }, kind: 'ConfigMap', metadata: { name, namespace: 'sit' } });
const objects = (name: string): AppObject[] => [{ path: `dist/workloads/${name}/configmap-${name}.yaml`, document: doc(name), digest: documentDigest(doc(name)) }];
/** What app `name` left: one object, an Inventory call (with an optional field left undefined), the facts of its object. */
const render = (name: string): AppRender => ({
  objects: objects(name),
  inventory: [['addHttp', [{ host: `${name}.example.com`, layer: 'paas', description: name, address: '10.0.0.1', port: 80, source: undefined }]]],
  facts: [[`v1/ConfigMap/sit/${name}`, { appNamespace: true }]],
});
const KEY_A = sha256('app a');
const KEY_B = sha256('app b');

describe('each app\'s documents of the last render, by the key of its inputs', () => {
  let dir: string;
  let file: string;
  /** A file recording apps a and b, by CODE. */
  const saved = () => {
    const renders = new AppRenders(file, CODE);
    renders.record(KEY_A, render('a'));
    renders.record(KEY_B, render('b'));
    renders.save();
  };
  beforeEach(() => {
    dir = writeTree({});
    file = path.join(dir, APP_RENDERS_FILE);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN a saved file WHEN read by the same code THEN each app gets its documents and digests back, once', () => {
    saved();
    const renders = new AppRenders(file, CODE);
    expect(renders.ignored).toBeUndefined();
    expect(renders.get(KEY_A)).toStrictEqual(render('a'));
    expect(renders.get(KEY_A)).toBeUndefined();
    expect(renders.get(sha256('another app'))).toBeUndefined();
    expect(renders.reused).toBe(1);
  });

  test('GIVEN apps whose objects verify told of (schema identity, named secret-literal candidates) WHEN saved and read back THEN each comes back with that summary, once its render is replayed verify is given its files; an app verify did not tell of every object of comes back without one', () => {
    const two = (name: string): AppRender => ({ ...render(name), objects: [...objects(name), { ...objects(name)[0], path: `dist/workloads/${name}/secret-${name}.yaml` }] });
    const renders = new AppRenders(file, CODE);
    renders.record(KEY_A, two('a'));
    renders.record(KEY_B, two('b'));
    renders.checked('dist/workloads/a/configmap-a.yaml', 'v1', 'ConfigMap', 'core x', []);
    renders.checked('dist/workloads/a/secret-a.yaml', 'v1', 'ConfigMap', 'core x', [{ path: 'data.password' }, { path: 'data.existingSecret', name: sha256('s') }]);
    renders.checked('dist/workloads/b/configmap-b.yaml', 'v1', 'ConfigMap', 'core x', []);
    renders.checked('dist/workloads/elsewhere/configmap.yaml', 'v1', 'ConfigMap', 'core x', []);
    renders.save();
    const read = new AppRenders(file, CODE);
    const a = read.get(KEY_A)!;
    const summary = { identities: [['v1', 'ConfigMap', 'core x']], candidates: [[], [{ path: 'data.password' }, { path: 'data.existingSecret', name: sha256('s') }]] };
    expect(a).toStrictEqual({ ...two('a'), summary });
    expect(read.get(KEY_B)).toStrictEqual(two('b'));
    expect(read.vouching().apps).toEqual([]);
    read.replayed(a);
    expect(read.vouching().apps).toStrictEqual([{ files: ['dist/workloads/a/configmap-a.yaml', 'dist/workloads/a/secret-a.yaml'], ...summary }]);
  });

  test('GIVEN a file that is not JSON, of another format, or written by other code WHEN read THEN it is ignored as a whole', () => {
    saved();
    const [header, ...lines] = fs.readFileSync(file, 'utf8').split('\n');
    const cases: [string, string][] = [
      ['{"format": 1, "co', 'not JSON'],
      [[JSON.stringify({ ...JSON.parse(header), format: 0 }), ...lines].join('\n'), 'another format'],
      [[JSON.stringify({ ...JSON.parse(header), code: 'an older platform' }), ...lines].join('\n'), 'written by other code'],
    ];
    for (const [text, ignored] of cases) {
      fs.writeFileSync(file, text);
      const renders = new AppRenders(file, CODE);
      expect(renders.ignored).toBe(ignored);
      expect(renders.get(KEY_A)).toBeUndefined();
    }
  });

  test('GIVEN one app\'s line changed after it was written (its hash no longer matches) WHEN read THEN that app is rendered again and the other is reused', () => {
    saved();
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"k":"a"', '"k":"x"'));
    const renders = new AppRenders(file, CODE);
    expect(renders.get(KEY_A)).toBeUndefined();
    expect(renders.get(KEY_B)).toStrictEqual(render('b'));
  });

  test('GIVEN the file cut in the middle of its last line WHEN read THEN that app is rendered again and the other is reused', () => {
    saved();
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.slice(0, text.length - 20));
    const renders = new AppRenders(file, CODE);
    expect(renders.get(KEY_B)).toBeUndefined();
    expect(renders.get(KEY_A)).toStrictEqual(render('a'));
  });

  test('GIVEN apps whose documents hold text beyond ASCII (accents, an emoji, a lone surrogate) WHEN read back, and the file written afresh from the lines read THEN each comes back, and the rewritten lines are the same bytes', () => {
    const wide = (name: string): AppRender => ({ ...render(name), objects: [{ ...objects(name)[0], document: { ...doc(name), data: { k: `Café ${name} 🚀 \ud800` } } }] });
    const first = new AppRenders(file, CODE);
    first.record(KEY_A, wide('a'));
    first.record(KEY_B, render('b'));
    first.save();
    const written = fs.readFileSync(file);
    // A run that reuses both and records three more (appended), then one that reuses a and b only: the three unused lines outnumber them, so it writes the file afresh from the lines it read.
    const second = new AppRenders(file, CODE);
    expect(second.get(KEY_A)).toStrictEqual(wide('a'));
    expect(second.get(KEY_B)).toStrictEqual(render('b'));
    for (const name of ['c', 'd', 'e']) second.record(sha256(`app ${name}`), render(name));
    second.save();
    expect(fs.readFileSync(file).length).toBeGreaterThan(written.length);
    const third = new AppRenders(file, CODE);
    expect(third.get(KEY_A)).toStrictEqual(wide('a'));
    expect(third.get(KEY_B)).toStrictEqual(render('b'));
    third.save();
    expect(fs.readFileSync(file).equals(written)).toBe(true);
  });

  test('GIVEN a byte of a character beyond ASCII changed in one app\'s line (the line no longer valid UTF-8) WHEN read THEN that app is rendered again and the other is reused', () => {
    const wide = (name: string): AppRender => ({ ...render(name), objects: [{ ...objects(name)[0], document: { ...doc(name), data: { k: `Café ${name}` } } }] });
    const renders = new AppRenders(file, CODE);
    renders.record(KEY_A, wide('a'));
    renders.record(KEY_B, wide('b'));
    renders.save();
    const bytes = fs.readFileSync(file);
    const e9 = Buffer.from('é');
    const at = bytes.indexOf(e9, bytes.indexOf(Buffer.from(`${KEY_A} `)));
    bytes[at + 1] = 0xff; // é's second byte: the bytes no longer read as UTF-8, and decode to U+FFFD
    fs.writeFileSync(file, bytes);
    const read = new AppRenders(file, CODE);
    expect(read.get(KEY_A)).toBeUndefined();
    expect(read.get(KEY_B)).toStrictEqual(wide('b'));
  });

  test('GIVEN a line whose hash matches but whose JSON is not the shape written WHEN read THEN that app is rendered again', () => {
    saved();
    // The header as the class writes it (the code with the render's dependencies).
    const header = fs.readFileSync(file, 'utf8').split('\n')[0];
    // A line of format 2: the summary S (paths and digests, calls, facts, the Application's metadata and digest, what verify vouched for) and the documents D.
    const entry = (o: string, i = '[]', f = '[]', more = '') => `{"o":${o},"i":${i},"f":${f}${more}}`;
    const docs = (o = '[{}]', more = '') => `{"o":${o}${more}}`;
    const good = entry('[["p","d"]]');
    const shapes: [string, string][] = [
      ['[]', docs()], ['{"a":1}', docs()], [entry('[]'), docs('[]')], [entry('[["p"]]'), docs()], [entry('[["p",1]]'), docs()], [entry('[["p","d",{}]]'), docs()],
      [good, docs('[[1]]')], [good, docs('[null]')], [good, docs('[]')], [good, docs('[{},{}]')], [good, '[]'], [good, 'null'],
      [entry('[["p","d"]]', '{}'), docs()], [entry('[["p","d"]]', '[["addHttp"]]'), docs()], [entry('[["p","d"]]', '[]', '[["k"]]'), docs()], [entry('[["p","d"]]', '[]', '[["k",[]]]'), docs()], [entry('[["p","d"]]', '[]', 'null'), docs()],
      // The app's Application: [metadata, digest] in S, its document in D (both or neither).
      ...['null', '{}', '["m"]', '["m","d",{}]', '["m",1]', '[1,"d"]'].map((a): [string, string] => [entry('[["p","d"]]', '[]', '[]', `,"a":${a}`), docs('[{}]', ',"a":{}')]),
      [entry('[["p","d"]]', '[]', '[]', ',"a":["m","d"]'), docs()], [entry('[["p","d"]]', '[]', '[]', ',"a":["m","d"]'), docs('[{}]', ',"a":[]')], [good, docs('[{}]', ',"a":{}')],
      // What verify vouched for: e and c together, e as [apiVersion, kind, identity], c as [object index, [{path, name?}]].
      ...[',"e":[]', ',"c":[]', ',"e":{},"c":[]', ',"e":[["v1","Kind"]],"c":[]', ',"e":[["v1","Kind",1]],"c":[]', ',"e":[],"c":[[1,[]]]', ',"e":[],"c":[[-1,[]]]', ',"e":[],"c":[[0,[{}]]]', ',"e":[],"c":[[0,[{"path":"x","name":1}]]]', ',"e":[],"c":[[0.5,[]]]']
        .map((more): [string, string] => [entry('[["p","d"]]', '[]', '[]', more), docs()]),
    ];
    for (const [s, d] of shapes) {
      fs.writeFileSync(file, `${header}\n${KEY_A} ${sha256(s)} ${sha256(d)} ${s}\t${d}\n`);
      const renders = new AppRenders(file, CODE);
      expect({ s, d, got: renders.get(KEY_A) }).toStrictEqual({ s, d, got: undefined });
    }
    // The same line with a shape that fits is read.
    for (const [s, d] of [[good, docs()], [entry('[["p","d"]]', '[]', '[]', ',"a":["m","d"],"e":[["v1","Kind","id"]],"c":[[0,[{"path":"x"},{"path":"y","name":"n"}]]]'), docs('[{}]', ',"a":{}')]]) {
      fs.writeFileSync(file, `${header}\n${KEY_A} ${sha256(s)} ${sha256(d)} ${s}\t${d}\n`);
      expect(new AppRenders(file, CODE).get(KEY_A)).toBeDefined();
    }
  });

  test('GIVEN an app recorded with the document of its Application WHEN read back THEN the Application comes back with it; an app recorded without one has none', () => {
    const application = { metadata: inputsJson({ name: 'app-a', annotations: { wave: '1' } }), document: doc('app-a'), digest: documentDigest(doc('app-a')) };
    const renders = new AppRenders(file, CODE);
    renders.record(KEY_A, { ...render('a'), application });
    renders.record(KEY_B, render('b'));
    renders.save();
    const read = new AppRenders(file, CODE);
    expect(read.get(KEY_A)).toStrictEqual({ ...render('a'), application });
    expect(read.get(KEY_B)).toStrictEqual(render('b'));
  });

  test('GIVEN an app\'s Inventory calls or facts that JSON would not give back the same (a getter, a class instance, a function, NaN) WHEN recorded THEN nothing is recorded for it', () => {
    const renders = new AppRenders(file, CODE);
    const entry = { host: 'h', layer: 'paas', address: 'a', port: 80 };
    const getter = Object.defineProperty({ ...entry }, 'description', { get: () => 'late', enumerable: true });
    const bad: AppRender[] = [
      { ...render('a'), inventory: [['addHttp', [getter]]] },
      { ...render('a'), inventory: [['addHttp', [{ ...entry, description: new Date(0) }]]] },
      { ...render('a'), inventory: [['addHttp', [{ ...entry, description: () => 'x' }]]] },
      { ...render('a'), facts: [['k', { replicas: NaN } as never]] },
    ];
    for (const b of bad) expect(renders.record(KEY_A, b)).toBe(false);
    expect(renders.recorded).toBe(0);
    expect(renders.record(KEY_A, render('a'))).toBe(true);
  });

  test('GIVEN a read-only cache (the diff\'s) WHEN it reuses a, records c and is saved THEN a comes back, c is not recorded, and the file is left as it is; without a file, none is made', () => {
    saved();
    const before = fs.readFileSync(file, 'utf8');
    const renders = new AppRenders(file, CODE, 'read-only');
    expect(renders.get(KEY_A)).toStrictEqual(render('a'));
    expect(renders.record(sha256('app c'), render('c'))).toBe(false);
    renders.save();
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    fs.rmSync(file);
    const none = new AppRenders(file, CODE, 'read-only');
    expect(none.record(KEY_A, render('a'))).toBe(false);
    none.save();
    expect(fs.existsSync(file)).toBe(false);
  });

  test('GIVEN a file of apps a and b WHEN a run reuses both and records c THEN c\'s line is appended (the file\'s bytes before it are kept) and all three read back', () => {
    saved();
    const before = fs.readFileSync(file, 'utf8');
    const renders = new AppRenders(file, CODE);
    renders.get(KEY_A);
    renders.get(KEY_B);
    const keyC = sha256('app c');
    renders.record(keyC, render('c'));
    renders.save();
    const after = fs.readFileSync(file, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(after.slice(before.length).split('\n').filter(Boolean)).toHaveLength(1);
    const next = new AppRenders(file, CODE);
    expect([next.get(KEY_A), next.get(KEY_B), next.get(keyC)]).toStrictEqual([render('a'), render('b'), render('c')]);
  });

  test('GIVEN a file of apps a and b WHEN a run uses neither and records c (the file\'s unused lines outnumber the run\'s) THEN the file is written afresh with c only', () => {
    saved();
    const renders = new AppRenders(file, CODE);
    const keyC = sha256('app c');
    renders.record(keyC, render('c'));
    renders.save();
    expect(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
    const next = new AppRenders(file, CODE);
    expect([next.get(KEY_A), next.get(KEY_B), next.get(keyC)]).toStrictEqual([undefined, undefined, render('c')]);
  });

  test('GIVEN a file whose last line was cut short WHEN a run reuses a and records c THEN the file is written afresh (nothing is appended onto the part), holding a and c', () => {
    saved();
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.slice(0, text.length - 20));
    const renders = new AppRenders(file, CODE);
    renders.get(KEY_A);
    const keyC = sha256('app c');
    renders.record(keyC, render('c'));
    renders.save();
    const next = new AppRenders(file, CODE);
    expect([next.get(KEY_A), next.get(KEY_B), next.get(keyC)]).toStrictEqual([render('a'), undefined, render('c')]);
    expect(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
  });

  test('GIVEN an app whose line was appended after an earlier line of the same key WHEN read THEN the later line is used', () => {
    saved();
    const renders = new AppRenders(file, CODE);
    renders.get(KEY_A);
    renders.get(KEY_B);
    renders.record(KEY_A, render('x'));
    renders.save();
    expect(new AppRenders(file, CODE).get(KEY_A)).toStrictEqual(render('x'));
  });

  test('GIVEN a run that reused every app of the file and recorded none WHEN saved THEN the file is left as it is', () => {
    saved();
    const before = fs.statSync(file).mtimeMs;
    fs.utimesSync(file, new Date(0), new Date(0));
    const renders = new AppRenders(file, CODE);
    renders.get(KEY_A);
    renders.get(KEY_B);
    renders.save();
    expect(fs.statSync(file).mtimeMs).toBe(0);
    expect(before).toBeGreaterThan(0);
  });
});

describe('an app\'s record, with the JSON the render already made of its documents', () => {
  const plain = fc.jsonValue({ maxDepth: 3 });
  const objectArb = fc.record({ path: fc.string(), document: fc.dictionary(fc.string(), plain, { maxKeys: 4 }), withJson: fc.boolean() });
  test('GIVEN any documents, some with their JSON kept and some without, with and without an Application WHEN recorded THEN the summary and the documents are JSON.stringify\'s texts of the same structures, byte for byte', () => {
    fc.assert(fc.property(fc.array(objectArb, { maxLength: 4 }), plain, plain, fc.option(fc.tuple(fc.string(), fc.dictionary(fc.string(), plain, { maxKeys: 3 })), { nil: undefined }), (objs, inventory, facts, app) => {
      const objects: AppObject[] = objs.map((o) => ({ path: o.path, document: o.document, digest: documentDigest(o.document), ...(o.withJson ? { json: documentJson(o.document).json } : {}) }));
      const application = app ? { metadata: app[0], document: app[1], digest: documentDigest(app[1]) } : undefined;
      const r: AppRender = { objects, inventory: [], facts: [], ...(application ? { application } : {}) };
      const summary = JSON.stringify({ o: objects.map((o) => [o.path, o.digest]), i: inventory, f: facts, ...(application ? { a: [application.metadata, application.digest] } : {}) });
      const documents = JSON.stringify({ o: objects.map((o) => o.document), ...(application ? { a: application.document } : {}) });
      expect(recordJson(r, inventory, facts)).toStrictEqual({ summary: summary.slice(0, -1), documents });
    }));
  });

  test('GIVEN a render given earlier texts WHEN a file keeps its document\'s JSON THEN takeJson gives that JSON (whose sha256 is the digest) once; a file that did not keep it gives none', () => {
    const documents = new RenderedDocuments({ reuse: () => undefined });
    documents.file('dist/a.yaml', { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'a' } }, { keepJson: true });
    documents.file('dist/b.yaml', { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'b' } });
    const json = documents.takeJson('dist/a.yaml');
    expect(json).toBe(JSON.stringify(documents.known('dist/a.yaml')!.document));
    expect(sha256(json!)).toBe(documents.known('dist/a.yaml')!.digest);
    expect(documents.takeJson('dist/a.yaml')).toBeUndefined();
    expect(documents.takeJson('dist/b.yaml')).toBeUndefined();
  });
});

describe('the key of an app\'s render', () => {
  const site = shippedSite();
  const inputs = { spec: { name: 'a', image: 'r/a:1', env: { B: '1', A: '2' } }, allocation: { address: '10.0.0.1' }, pool: 'apps', owner: 'paas' };

  test('GIVEN the same inputs again (another object) WHEN keyed THEN the key is the same', () => {
    expect(appRenderKey(JSON.parse(JSON.stringify(inputs)), siteDigest(JSON.parse(JSON.stringify(site))))).toBe(appRenderKey(inputs, siteDigest(site)));
  });

  test('GIVEN each input changed in turn (the spec, the allocation, the pool, the owner, the apps it calls, the site) WHEN keyed THEN each key differs from the others', () => {
    const keys = [
      appRenderKey(inputs, siteDigest(site)),
      appRenderKey({ ...inputs, spec: { ...inputs.spec, image: 'r/a:2' } }, siteDigest(site)),
      appRenderKey({ ...inputs, allocation: undefined }, siteDigest(site)),
      appRenderKey({ ...inputs, pool: 'other' }, siteDigest(site)),
      appRenderKey({ ...inputs, owner: 'other' }, siteDigest(site)),
      appRenderKey({ ...inputs, calls: [{ app: 'b', ports: [{ name: 'http', protocol: 'TCP' }] }] }, siteDigest(site)),
      appRenderKey({ ...inputs, calls: [{ app: 'b', ports: [{ name: 'http', protocol: 'TCP' }, { name: 'admin', protocol: 'TCP' }] }] }, siteDigest(site)),
      appRenderKey(inputs, siteDigest({ ...site, git: { ...site.git, revision: 'other' } })),
      appRenderKey({ ...inputs, spec: { ...inputs.spec, extra: undefined } }, siteDigest(site)),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('GIVEN values JSON does not tell apart (an undefined value and a missing key, -0 and 0, NaN and null) WHEN written as the inputs\' JSON THEN they differ', () => {
    const pairs: [unknown, unknown][] = [[{ a: undefined }, {}], [[undefined], [null]], [-0, 0], [NaN, null], [Infinity, null], [{ a: NaN }, { a: null }]];
    for (const [a, b] of pairs) expect(inputsJson(a)).not.toBe(inputsJson(b));
    expect(inputsJson({ b: [1, 'x', null], a: true })).toBe('{"b":[1,"x",null],"a":true}');
  });

  test('GIVEN plain JSON values, and the same with one value JSON does not hold deep inside WHEN written as the inputs\' JSON THEN plain JSON is JSON.stringify\'s text and the other is not', () => {
    const plain: unknown[] = [null, 'x', 1.5, true, [], {}, { b: [1, 'x', null, { c: false }], a: { d: [[]] } }, Object.assign(Object.create(null) as object, { a: 1 })];
    for (const v of plain) expect(inputsJson(v)).toBe(JSON.stringify(v));
    const inner: unknown[] = [undefined, -0, NaN, Infinity];
    for (const v of inner) expect(inputsJson({ b: [1, { c: v }], a: true })).not.toBe(JSON.stringify({ b: [1, { c: v }], a: true }));
    // A hole in a list reads as undefined, like an undefined item.
    const holey = [1, , 2];
    expect(inputsJson(holey)).toBe(inputsJson([1, undefined, 2]));
  });
});

describe('a render that takes unchanged apps\' documents from their last render', () => {
  test('GIVEN the apps\' documents of a render WHEN the same inputs are rendered with them, and one app changed THEN the files are the same bytes and the documents handed over deep-equal a render without them, and only the changed app is rendered', () => {
    const dir = writeTree({});
    try {
      const file = path.join(dir, APP_RENDERS_FILE);
      const { site, lock } = loadInputs(REPO);
      // One checkout whose app 1 changes (a spec records its file, relative to the working folder).
      const root = writeTree({});
      fs.mkdirSync(path.join(root, 'apps'));
      const specs = (tag: string) => {
        for (const i of [0, 1, 6, 8]) fs.writeFileSync(path.join(root, 'apps', `${generatedApp(i).name}.yaml`), generatedApp(i, i === 1 ? tag : '1.0.0').text);
        return loadInputs(root, path.join(REPO, 'site.yaml')).apps;
      };
      const none = { reuse: () => undefined };
      const first = new AppRenders(file, CODE);
      renderSiteAnalysed(site, undefined, specs('1.0.0'), lock, undefined, undefined, none, undefined, first);
      expect([first.reused, first.recorded]).toEqual([0, 4]);
      first.save();
      const warm = new AppRenders(file, CODE);
      const withCache = renderSiteAnalysed(site, undefined, specs('2.0.0'), lock, undefined, undefined, none, undefined, warm);
      expect([warm.reused, warm.recorded]).toEqual([3, 1]);
      const without = renderSiteAnalysed(site, undefined, specs('2.0.0'), lock, undefined, undefined, none);
      expect(withCache.files).toStrictEqual(without.files);
      const workloads = without.files.filter((f) => f.path.startsWith('dist/workloads/'));
      expect(workloads.length).toBeGreaterThan(10);
      for (const f of workloads) {
        const handed = withCache.documents.parse(f.content, f.path);
        expect({ file: f.path, docs: handed }).toStrictEqual({ file: f.path, docs: without.documents.parse(f.content, f.path) });
        expect(documentDigest(handed[0] as object)).toBe(sha256(JSON.stringify(handed[0])));
      }
      expect(withCache.facts).toStrictEqual(without.facts);
      expect(withCache.documents.index()).toStrictEqual(without.documents.index());
      // Apps taken from their last render are not built, and give the pod template their build makes (docs/demo-whiteboard.md reads it).
      const cachedCharts = buildPlatform(site, undefined, specs('1.0.0'), lock, undefined, new AppRenders(file, CODE)).outputs.map((o) => o.chart).filter(WorkloadChart.isWorkloadChart);
      const builtCharts = buildPlatform(site, undefined, specs('1.0.0'), lock).outputs.map((o) => o.chart).filter(WorkloadChart.isWorkloadChart);
      expect(cachedCharts.map((c) => [c.app, c.node.children.length])).toEqual(builtCharts.map(() => [undefined, 0]));
      expect(cachedCharts.map((c) => c.podTemplate)).toStrictEqual(builtCharts.map((c) => c.podTemplate));
      fs.rmSync(root, { recursive: true, force: true });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the apps\' Applications, taken from their apps\' last render while their metadata is the same', () => {
  test('GIVEN the apps\' Applications recorded with their renders WHEN rendered again with one app changed THEN only its Application is turned into JSON; WHEN an Application\'s recorded metadata no longer matches THEN it is turned into JSON again and recorded anew; the files are always those of a render without the cache', () => {
    const dir = writeTree({});
    const root = writeTree({});
    const toJson = jest.spyOn(Application.prototype, 'toJson');
    try {
      const file = path.join(dir, APP_RENDERS_FILE);
      const { site, lock } = loadInputs(REPO);
      fs.mkdirSync(path.join(root, 'apps'));
      const apps = [0, 1, 6, 8].map((i) => generatedApp(i).name);
      const specs = (tag: string) => {
        for (const i of [0, 1, 6, 8]) fs.writeFileSync(path.join(root, 'apps', `${generatedApp(i).name}.yaml`), generatedApp(i, i === 1 ? tag : '1.0.0').text);
        return loadInputs(root, path.join(REPO, 'site.yaml')).apps;
      };
      const none = { reuse: () => undefined };
      /** The apps whose Application was turned into JSON since the last call. */
      const turned = () => {
        const names = toJson.mock.contexts.map((o) => (o as Application).name).filter((n) => apps.some((a) => n === appApplicationName(a)));
        toJson.mockClear();
        return names.sort();
      };
      const renderWith = (tag: string, renders?: AppRenders) => renderSiteAnalysed(site, undefined, specs(tag), lock, undefined, undefined, none, undefined, renders).files;
      const first = new AppRenders(file, CODE);
      renderWith('1.0.0', first);
      first.save();
      expect(turned()).toEqual(apps.map(appApplicationName).sort());

      const warm = new AppRenders(file, CODE);
      const warmFiles = renderWith('2.0.0', warm);
      warm.save();
      expect(turned()).toEqual([appApplicationName(apps[1])]);
      const without = renderWith('2.0.0');
      turned();
      expect(warmFiles).toStrictEqual(without);

      // App 0's Application recorded under other metadata (a wave the layers no longer give it), its line's hash made right.
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      const at = lines.findIndex((l) => l.includes(`"name":"${appApplicationName(apps[0])}"`) && l.includes('"a":['));
      const tab = lines[at].indexOf('\t');
      const entry = JSON.parse(lines[at].slice(195, tab)) as { a: [string, string] };
      entry.a[0] = inputsJson({ annotations: { 'argocd.argoproj.io/sync-wave': '7' } });
      const json = JSON.stringify(entry);
      lines[at] = `${lines[at].slice(0, 64)} ${sha256(json)}${lines[at].slice(129, 195)}${json}${lines[at].slice(tab)}`;
      fs.writeFileSync(file, lines.join('\n'));
      const stale = new AppRenders(file, CODE);
      expect(renderWith('2.0.0', stale)).toStrictEqual(without);
      expect(turned()).toEqual([appApplicationName(apps[0])]);
      expect([stale.reused, stale.recorded]).toEqual([4, 1]);
      stale.save();

      const again = new AppRenders(file, CODE);
      expect(renderWith('2.0.0', again)).toStrictEqual(without);
      expect(turned()).toEqual([]);
      expect([again.reused, again.recorded]).toEqual([4, 0]);
    } finally {
      toJson.mockRestore();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('what an app\'s build leaves besides its objects, given again without building it', () => {
  const http = { host: 'wiki.example.com', layer: 'paas', description: 'wiki', address: '10.0.0.1', port: 80 };
  const db = { engine: 'postgresql' as const, database: 'wiki', user: 'u#username', passwordRef: 'u#password', usedBy: 'app wiki (prod)', purpose: 'wiki tables' };
  /** The inventory's lists, to compare two inventories. */
  const lists = (i: Inventory) => ({ http: i.http, databases: i.databases, outside: i.outside, tcp: i.tcp, sso: i.sso });

  test('GIVEN a build that adds a host and a database (which adds an outside use itself) WHEN its calls are recorded and replayed on another tree THEN both inventories hold the same entries, and only the outermost calls were recorded', () => {
    const built = new App();
    const calls = Inventory.record(built, () => {
      Inventory.of(built).addHttp(http);
      Inventory.of(built).addDatabase(db);
    });
    expect(calls.map(([method]) => method)).toEqual(['addHttp', 'addDatabase']);
    const replayed = new App();
    Inventory.replay(replayed, JSON.parse(JSON.stringify(calls)));
    expect(lists(Inventory.of(replayed))).toStrictEqual(lists(Inventory.of(built)));
    expect(Inventory.of(replayed).outside).toHaveLength(1);
  });

  test('GIVEN recorded calls of which one names a method that does not add to the inventory WHEN checked and replayed THEN they are not replayable, and replay throws having made none of them', () => {
    const calls = [['addHttp', [http]], ['clear', []]] as const;
    expect(Inventory.replayable(calls)).toBe(false);
    expect(Inventory.replayable([['addHttp', [http]]])).toBe(true);
    const app = new App();
    expect(() => Inventory.replay(app, calls as never)).toThrow('programming error');
    expect(Inventory.of(app).http).toEqual([]);
  });

  test('GIVEN calls made outside a recording WHEN a later build is recorded THEN only the calls of that build are in its record', () => {
    const app = new App();
    Inventory.of(app).addHttp(http);
    const calls = Inventory.record(app, () => Inventory.of(app).addDatabase(db));
    expect(calls.map(([method]) => method)).toEqual(['addDatabase']);
  });

  test('GIVEN facts replayed on a construct between two objects that declare facts WHEN the tree\'s facts are collected THEN they come between those objects\' facts, as when the construct\'s objects were built', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    const first = new ApiObject(chart, 'first', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
    declareFacts(first, { appNamespace: true });
    declareReplayedFacts(new Construct(chart, 'cached'), [['v1/ConfigMap/a/x', { appNamespace: true }]]);
    const last = new ApiObject(chart, 'last', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'z' } });
    declareFacts(last, { appNamespace: true });
    expect([...collectFacts(app).keys()]).toEqual([factsKey('v1', 'Namespace', undefined, 'a'), 'v1/ConfigMap/a/x', factsKey('v1', 'Namespace', undefined, 'z')]);
  });
});
