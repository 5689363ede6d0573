// Verify leaves out a split rule whose inputs are those of the last verified tree
// (lib/verify/verified-tree.ts): the property below is what makes that safe.
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readFactsFile } from '../../lib/facts/facts';
import type { JsonMap } from '../../lib/k8s/manifest';
import { loadTree, LoadedObject } from '../../lib/k8s/tree';
import * as documents from '../../lib/render/documents';
import { fixtureTree, VERIFY_FIXTURES, VerifyFixture } from '../../lib/verify/rule-fixtures';
import { Tree, verifiedExcept } from '../../lib/verify/rules';
import { SchemaRegistry } from '../../lib/verify/schemas';
import type { SplitRule } from '../../lib/verify/split-rule';
import { treeOf } from '../../lib/verify/tree-of';
import { MOST_CHANGED_FILES, treeDigests, unchangedRules, VerifiedTree } from '../../lib/verify/verified-tree';
import { SPLIT_RULES, VERIFY_RULES } from '../../lib/verify/verify-rules';
import { REPO } from '../helpers';

const registry = new SchemaRegistry();
const RULES: readonly SplitRule<unknown>[] = SPLIT_RULES.filter((r) => VERIFY_RULES.some((v) => v.id === r.id));
/** The rules that run on every tree: they read digests, file texts or documents. */
const ALWAYS = ['verify/bootstrap', 'verify/directory-consumers'];

type Files = Record<string, JsonMap[]>;

/** The files of a tree as documents (a copy: changing them changes nothing of the tree). */
function filesOf(tree: Tree): Files {
  const out: Files = {};
  for (const file of tree.files) out[file] = [];
  for (const o of tree.objects) out[o.file].push(structuredClone(o.obj));
  return out;
}

/** A tree of `files` with the facts of `facts`. */
function treeFrom(files: Files, like: Tree): Tree {
  // In the order of `like`'s files (verify's tree order), files it does not have last.
  const order = [...like.files.filter((f) => f in files), ...Object.keys(files).filter((f) => !like.files.includes(f)).sort()];
  const objects: LoadedObject[] = order.flatMap((file) => files[file].map((obj) => ({ file, obj })));
  return treeOf({ objects, problems: [], files: order }, { root: like.root, registry, facts: like.facts, read: () => undefined });
}

/** The findings of one verify rule over a tree, as VERIFY_RULES reports them. */
function findings(tree: Tree, id: string): unknown[] {
  return VERIFY_RULES.find((r) => r.id === id)!.check(tree).map((f) => ({ file: f.file, object: f.object, message: f.message }));
}

/** `unchangedRules` of `after` against `before` (its files' documents read back from `before`). */
function unchanged(before: Tree, after: Tree, previous?: (file: string) => readonly unknown[] | undefined): ReturnType<typeof unchangedRules> {
  const was = treeDigests(before);
  const docs = filesOf(before);
  return unchangedRules(after, treeDigests(after), was, previous ?? ((file) => docs[file]), RULES);
}

const committed = (): Tree => treeOf(loadTree(REPO), { root: REPO, registry, facts: readFactsFile(REPO).facts });

/** The committed render's files, one of its app Rollouts changed by `change`. */
function withRollout(tree: Tree, change: (rollout: JsonMap) => void): { files: Files; file: string } {
  const files = filesOf(tree);
  const file = Object.keys(files).find((f) => f.startsWith('dist/workloads/') && files[f].some((o) => o.kind === 'Rollout' || o.kind === 'Deployment'))!;
  change(files[file].find((o) => o.kind === 'Rollout' || o.kind === 'Deployment')!);
  return { files, file };
}

const template = (o: JsonMap): JsonMap => ((o.spec as JsonMap).template as JsonMap);

describe('verify leaves out split rules whose inputs are the verified tree\'s', () => {
  const base = committed();

  test('GIVEN the committed render as the verified tree WHEN an app\'s image changes THEN every split rule but those that read digests, texts or documents is left out, for one changed file', () => {
    const { files } = withRollout(base, (o) => {
      ((template(o).spec as JsonMap).containers as JsonMap[])[0].image = 'registry.example.com/other:9.9.9';
    });
    const after = treeFrom(files, base);
    const found = unchanged(base, after);
    expect(found.changed).toBe(1);
    expect(found.why).toBeUndefined();
    expect([...found.rules].sort()).toEqual(RULES.map((r) => r.id).filter((id) => !ALWAYS.includes(id)).sort());
    for (const id of found.rules) expect(findings(after, id)).toEqual([]);
  });

  test('GIVEN the committed render WHEN an app\'s pod labels change so that its Services select nothing THEN service-selectors (and the reach rules) run and find it, while the rules that read no labels are left out', () => {
    const { files } = withRollout(base, (o) => {
      (template(o).metadata as JsonMap).labels = { 'app.kubernetes.io/name': 'nobody' };
      (o.spec as JsonMap).selector = { matchLabels: { 'app.kubernetes.io/name': 'nobody' } };
    });
    const after = treeFrom(files, base);
    const found = unchanged(base, after);
    for (const id of ['verify/service-selectors', 'verify/monitor-reach', 'verify/route-reach']) expect(found.rules.has(id)).toBe(false);
    expect(found.rules.has('verify/rbac-references')).toBe(true);
    expect(findings(after, 'verify/service-selectors').length).toBeGreaterThan(0);
  });

  test.each([
    ['a file added', (f: Files) => { f['dist/paas/configmap-extra.yaml'] = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: 'paas' } }]; }, /files differ/],
    ['an object renamed', (f: Files) => { const file = Object.keys(f).find((k) => k.startsWith('dist/workloads/'))!; (f[file][0].metadata as JsonMap).name = 'renamed'; }, /another identity/],
    ['a CRD changed', (f: Files) => { const file = Object.keys(f).find((k) => f[k].some((o) => o.kind === 'CustomResourceDefinition'))!; (f[file][0].metadata as JsonMap).labels = { changed: 'yes' }; }, /CustomResourceDefinition/],
    ['an Application\'s path changed', (f: Files) => { const file = Object.keys(f).find((k) => k.startsWith('dist/paas/') && f[k].some((o) => o.kind === 'Application'))!; ((f[file][0].spec as JsonMap).source as JsonMap).path = 'dist/elsewhere'; }, /an Application changed/],
    ['an object added to a file', (f: Files) => { const file = Object.keys(f).find((k) => k.startsWith('dist/workloads/'))!; f[file].push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'uat' } }); }, /another number of objects/],
  ])('GIVEN the committed render WHEN %s THEN every rule runs, and why is said', (_, change, why) => {
    const files = filesOf(base);
    change(files);
    const found = unchanged(base, treeFrom(files, base));
    expect(found.rules.size).toBe(0);
    expect(found.why).toMatch(why);
  });

  test('GIVEN the committed render WHEN the facts change THEN every rule runs', () => {
    const files = filesOf(base);
    const facts = new Map(base.facts);
    facts.set('/ConfigMap/nowhere/nothing', {});
    const after = treeOf({ objects: [...treeFrom(files, base).objects], problems: [], files: [...base.files] }, { root: REPO, registry, facts, read: () => undefined });
    expect(unchanged(base, after).why).toMatch(/facts differ/);
  });

  test('GIVEN a vendored CRD schema file made stricter since the verified tree (npm run schemas; nothing under lib/ changed) WHEN one app\'s image changes THEN every rule and every object is checked, and the objects of that kind are found', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schemas-'));
    try {
      fs.cpSync(path.join(REPO, 'imports', 'schemas'), dir, { recursive: true });
      const facts = readFactsFile(REPO).facts;
      const loaded = loadTree(REPO);
      const t0 = treeOf(loaded, { root: REPO, registry: new SchemaRegistry(dir), facts });
      expect(t0.objects.some((o) => o.obj.kind === 'Plan')).toBe(true);
      // The record the synth of t0 left.
      const was = treeDigests(t0);
      const docs = filesOf(t0);
      const crds = path.join(dir, 'crds', 'upgrade.cattle.io');
      const plan = path.join(crds, fs.readdirSync(crds).find((f) => f.startsWith('plan'))!);
      const schema = JSON.parse(fs.readFileSync(plan, 'utf8')) as { required?: string[] };
      schema.required = [...(schema.required ?? []), 'mustExist'];
      fs.writeFileSync(plan, JSON.stringify(schema));
      const { files } = withRollout(t0, (o) => {
        ((template(o).spec as JsonMap).containers as JsonMap[])[0].image = 'registry.example.com/other:9.9.9';
      });
      const registry = new SchemaRegistry(dir);
      const order = [...t0.files];
      const t1 = treeOf({ objects: order.flatMap((file) => files[file].map((obj) => ({ file, obj }))), problems: [], files: order }, { root: REPO, registry, facts, read: () => undefined });
      const found = unchangedRules(t1, treeDigests(t1), was, (f) => docs[f], RULES);
      expect([found.rules.size, found.perObject, found.why]).toEqual([0, undefined, 'schemas differ from the verified tree\'s']);
      expect(findings(t1, 'verify/schemas').filter((f) => /Plan/.test(String((f as { object?: string }).object))).length).toBeGreaterThan(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN an image change WHEN the earlier file cannot be read back, or was edited since it was verified THEN every rule runs', () => {
    const { files, file } = withRollout(base, (o) => {
      ((template(o).spec as JsonMap).containers as JsonMap[])[0].image = 'registry.example.com/other:9.9.9';
    });
    const after = treeFrom(files, base);
    expect(unchanged(base, after, () => undefined).why).toMatch(/cannot be read back/);
    const edited = filesOf(base)[file];
    (edited[0].metadata as JsonMap).annotations = { edited: 'by hand' };
    expect(unchanged(base, after, () => edited).why).toMatch(/not what the verified tree held/);
  });

  test(`GIVEN more than ${MOST_CHANGED_FILES} changed files WHEN compared THEN every rule runs without reading them back`, () => {
    const files = filesOf(base);
    const changed = Object.keys(files).filter((f) => files[f].length && !files[f].some((o) => o.kind === 'CustomResourceDefinition')).slice(0, MOST_CHANGED_FILES + 1);
    for (const f of changed) (files[f][0].metadata as JsonMap).labels = { ...((files[f][0].metadata as JsonMap).labels as JsonMap), touched: 'yes' };
    const read: string[] = [];
    const found = unchanged(base, treeFrom(files, base), (f) => { read.push(f); return undefined; });
    expect([found.rules.size, found.changed, read]).toEqual([0, MOST_CHANGED_FILES + 1, []]);
  });

  test('GIVEN a record saved by VerifiedTree WHEN read back by the same code THEN an image change leaves rules out; WHEN read by other code, or garbled THEN no verified tree is recorded', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verified-tree-'));
    try {
      const file = path.join(dir, 'verified-tree.digests');
      const first = new VerifiedTree(file, 'code A');
      expect(first.unchanged(base, () => undefined, RULES).why).toBe('no verified tree recorded');
      first.save();
      const { files } = withRollout(base, (o) => {
        ((template(o).spec as JsonMap).containers as JsonMap[])[0].image = 'registry.example.com/other:9.9.9';
      });
      const after = treeFrom(files, base);
      const docs = filesOf(base);
      expect(new VerifiedTree(file, 'code A').unchanged(after, (f) => docs[f], RULES).rules.size).toBe(RULES.length - ALWAYS.length);
      expect(new VerifiedTree(file, 'code B').unchanged(after, (f) => docs[f], RULES).why).toBe('no verified tree recorded');
      const text = fs.readFileSync(file, 'utf8');
      expect(text).toContain(`node@${process.version} yaml@`);
      fs.writeFileSync(file, text.replace(/"facts":"[0-9a-f]/, '"facts":"x'));
      expect(new VerifiedTree(file, 'code A').unchanged(after, (f) => docs[f], RULES).why).toBe('no verified tree recorded');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN every rule fixture WHEN a rule said to read only refs and projections runs with digests and file texts that throw THEN it finds what it finds with them (the rules that read more say so)', () => {
    for (const fixture of Object.values(VERIFY_FIXTURES).flatMap((f) => [f.breaking, f.satisfying])) {
      const tree = fixtureTree(fixture, registry);
      for (const rule of RULES.filter((r) => !ALWAYS.includes(r.id))) {
        const blind: Tree = { ...tree, read: () => { throw new Error('a file text was read'); } };
        const spy = jest.spyOn(documents, 'documentDigest').mockImplementation(() => { throw new Error('a digest was read'); });
        let got: unknown[];
        try {
          got = findings(blind, rule.id);
        } finally {
          spy.mockRestore();
        }
        expect([rule.id, got]).toEqual([rule.id, findings(tree, rule.id)]);
      }
    }
    // The spy works: bootstrap reads digests.
    const spy = jest.spyOn(documents, 'documentDigest').mockImplementation(() => { throw new Error('a digest was read'); });
    try {
      expect(() => findings(fixtureTree(VERIFY_FIXTURES['verify/bootstrap'].satisfying, registry), 'verify/bootstrap')).toThrow(/digest was read/);
    } finally {
      spy.mockRestore();
    }
    expect(RULES.filter((r) => r.readsBeyondProjections || r.documents).map((r) => r.id).sort()).toEqual([...ALWAYS].sort());
  });
});

// ---- The property: a rule left out finds on the changed tree what it found on the verified one ----

const BASES: readonly VerifyFixture[] = Object.values(VERIFY_FIXTURES).flatMap((f) => [f.breaking, f.satisfying]);

/** Every path to a value in a document (maps and lists), but its apiVersion and kind. */
function pathsOf(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = at.length ? [at] : [];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...at, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) if (at.length || (k !== 'apiVersion' && k !== 'kind')) out.push(...pathsOf(v, [...at, k]));
  return out;
}

/** Every leaf value of a tree's documents (what a mutation writes, so that selectors and names meet others). */
function leavesOf(files: Files): unknown[] {
  const out: unknown[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    else out.push(v);
  };
  Object.values(files).forEach(walk);
  return out;
}

/** A change to one document: `path` set to `value`, or removed. */
interface Mutation {
  readonly object: number;
  readonly path: number;
  readonly value: number;
  readonly remove: boolean;
}

const genMutation: fc.Arbitrary<Mutation> = fc.record({ object: fc.nat(), path: fc.nat(), value: fc.nat(), remove: fc.boolean() });

/** `files` with `mutations` applied (documents of files given as documents only; text files stay). */
function mutated(fixture: VerifyFixture, mutations: readonly Mutation[]): { before: VerifyFixture; after: VerifyFixture } {
  const docs = Object.fromEntries(Object.entries(fixture.files).filter(([, v]) => typeof v !== 'string').map(([k, v]) => [k, structuredClone(v as JsonMap[])])) as Files;
  const objects = Object.values(docs).flat();
  const pool = [...leavesOf(docs), 'other', 7, true];
  for (const m of mutations) {
    if (!objects.length) break;
    const obj = objects[m.object % objects.length];
    const paths = pathsOf(obj);
    if (!paths.length) continue;
    const p = paths[m.path % paths.length];
    let parent: Record<string | number, unknown> = obj;
    for (const key of p.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = p[p.length - 1];
    if (m.remove && !Array.isArray(parent)) delete parent[last];
    else parent[last] = structuredClone(pool[m.value % pool.length]);
  }
  return { before: fixture, after: { ...fixture, files: { ...fixture.files, ...docs } } };
}

describe('verify checks only the changed files\' objects when the rest is known to pass its per-object checks', () => {
  const application = (value: string): JsonMap => ({
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'harbor', namespace: 'argocd' },
    spec: { project: 'platform', destination: { namespace: 'harbor', server: 'https://kubernetes.default.svc' }, source: { repoURL: 'https://git.example.com/charts.git', chart: 'harbor', targetRevision: '1.0.0', helm: { valuesObject: { existingSecretAdminPassword: value } } } },
  });
  const externalSecret = (target: string): JsonMap => ({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'harbor', namespace: 'harbor' }, spec: { target: { name: target } } });
  const fixture = (target: string, label = 'a'): VerifyFixture => ({
    files: {
      'dist/harbor/application-harbor.yaml': [application('harbor-secrets')],
      'dist/harbor/externalsecret-harbor.yaml': [externalSecret(target)],
      'dist/harbor/configmap-x.yaml': [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'harbor', labels: { l: label } } }],
    },
  });

  test('GIVEN a verified tree whose Application names a Secret an ExternalSecret makes WHEN the ExternalSecret makes another THEN every object is checked, and the Application\'s value is a literal secret', () => {
    const [t0, t1] = [fixtureTree(fixture('harbor-secrets'), registry), fixtureTree(fixture('other'), registry)];
    expect(findings(t0, 'verify/secrets')).toEqual([]);
    const found = unchanged(t0, t1);
    expect([found.changed, found.perObject]).toEqual([1, undefined]);
    expect(findings(t1, 'verify/secrets').map((f) => (f as { file: string }).file)).toEqual(['dist/harbor/application-harbor.yaml']);
  });

  test('GIVEN the same tree WHEN only a ConfigMap\'s label changes THEN only its file is checked, and verify finds what it finds checking every object', () => {
    const [t0, t1] = [fixtureTree(fixture('harbor-secrets'), registry), fixtureTree(fixture('harbor-secrets', 'b'), registry)];
    const found = unchanged(t0, t1);
    expect([...(found.perObject ?? [])]).toEqual(['dist/harbor/configmap-x.yaml']);
    const restricted = fixtureTree(fixture('harbor-secrets', 'b'), registry);
    verifiedExcept(restricted, found.perObject!);
    for (const id of ['verify/schemas', 'verify/secrets']) expect(findings(restricted, id)).toEqual(findings(t1, id));
  });
});

describe('an object whose app\'s line is recorded is checked even when its file did not change', () => {
  test('GIVEN the schemas and secrets fixtures that break, every file unchanged WHEN the files are recorded THEN verify finds what a full check finds; WHEN none is THEN it finds nothing (the files passed before)', () => {
    for (const id of ['verify/schemas', 'verify/secrets']) {
      const fixture = VERIFY_FIXTURES[id as keyof typeof VERIFY_FIXTURES].breaking;
      const full = findings(fixtureTree(fixture, registry), id);
      expect(full.length).toBeGreaterThan(0);
      for (const records of [true, false]) {
        const tree: Tree = { ...fixtureTree(fixture, registry), vouched: { apps: [], records: () => records } };
        verifiedExcept(tree, new Set());
        expect([id, records, findings(tree, id)]).toEqual([id, records, records ? full : []]);
      }
    }
  });
});

describe('a split rule left out finds what it found on the verified tree', () => {
  test('GIVEN any rule fixture and random changes to a few of its documents WHEN verify compares the changed tree with the fixture THEN each rule it leaves out finds on the changed tree exactly what it found on the fixture, and its per-object checks find the same on the unchanged files and, checking the changed ones alone, what a full check finds there', () => {
    let leftOut = 0;
    let ran = 0;
    let differing = 0;
    let perObjectChecked = 0;
    let perObjectFound = 0;
    fc.assert(fc.property(fc.constantFrom(...BASES), fc.array(genMutation, { minLength: 1, maxLength: 3 }), (fixture, mutations) => {
      const { before, after } = mutated(fixture, mutations);
      const [t0, t1] = [fixtureTree(before, registry), fixtureTree(after, registry)];
      const docs = new Map<string, unknown[]>();
      for (const o of t0.objects) docs.set(o.file, [...(docs.get(o.file) ?? []), o.obj]);
      const found = unchangedRules(t1, treeDigests(t1), treeDigests(t0), (file) => docs.get(file) ?? [], RULES);
      if (found.perObject) {
        // The per-object checks: an unchanged file finds what it found; the changed ones, checked alone, what a full check finds there.
        const perObject = found.perObject;
        const restricted = fixtureTree(after, registry);
        verifiedExcept(restricted, perObject);
        const inChanged = (f: unknown): boolean => perObject.has((f as { file: string }).file);
        for (const id of ['verify/schemas', 'verify/secrets']) {
          const [f0, f1] = [findings(t0, id), findings(t1, id)];
          expect([id, f1.filter((f) => !inChanged(f))]).toEqual([id, f0.filter((f) => !inChanged(f))]);
          expect([id, findings(restricted, id)]).toEqual([id, f1.filter(inChanged)]);
          perObjectChecked++;
          if (f1.some(inChanged)) perObjectFound++;
        }
      }
      for (const rule of RULES) {
        const [f0, f1] = [findings(t0, rule.id), findings(t1, rule.id)];
        if (found.rules.has(rule.id)) {
          leftOut++;
          expect([rule.id, f1]).toEqual([rule.id, f0]);
        } else {
          ran++;
          if (JSON.stringify(f0) !== JSON.stringify(f1)) differing++;
        }
      }
    }), { numRuns: 400 });
    // Not vacuous: rules were left out, and among those that ran some found something else.
    expect(leftOut).toBeGreaterThan(1000);
    expect(ran).toBeGreaterThan(500);
    expect(differing).toBeGreaterThan(20);
    expect(perObjectChecked).toBeGreaterThan(200);
    expect(perObjectFound).toBeGreaterThan(10);
  });
});
