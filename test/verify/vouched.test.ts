// Issue 18, per-app summaries, step 1 (docs/design/per-app-summaries.md): an app taken unchanged
// from its last render was verified clean by the synth that recorded it, so verify does not run or
// look up its per-object checks (schemas, secret scans, the HA container rules) while the schema
// identities it recorded are today's. These tests hold that to a synth without any cache.
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { ApiObject } from 'cdk8s';
import { sha256 } from '../../lib/cache-file';
import { UpstreamObjects } from '../../lib/constructs/upstream-objects';
import { haInputFromFiles } from '../../lib/ha/analysis';
import { buildHaModel, HaObject } from '../../lib/ha/model';
import { APP_RENDERS_FILE } from '../../lib/render/app-renders';
import { renderSiteAnalysed, synth, VerifyError } from '../../lib/synth';
import { CheckCache } from '../../lib/verify/check-cache';
import { HA_CHECKS, HaContext } from '../../lib/verify/ha-rules';
import { SchemaRegistry } from '../../lib/verify/schemas';
import type { Finding } from '../../lib/verify/verify';
import { VERIFIED_TREE_FILE } from '../../lib/verify/verified-tree';
import { generatedApp } from '../../scripts/bench-apps';
import { REPO, shippedSite, snapshotTree, tempRootWithOutputs } from '../helpers';

const registry = new SchemaRegistry();
const ROLLOUT_APP = generatedApp(6); // blue/green: a Rollout
const PLAIN_APP = generatedApp(0);
const ROLLOUT_FILE = `dist/workloads/${ROLLOUT_APP.name}/rollout-${ROLLOUT_APP.name}.yaml`;

/** A checkout with the shipped site and apps, plus a Rollout app and a Deployment app. */
function checkout(): string {
  const root = tempRootWithOutputs();
  fs.copyFileSync(path.join(REPO, 'site.yaml'), path.join(root, 'site.yaml'));
  for (const app of [PLAIN_APP, ROLLOUT_APP]) fs.writeFileSync(path.join(root, 'apps', `${app.name}.yaml`), app.text);
  return root;
}

/** dist/ and argocd/, path -> text. */
function outputs(root: string): Map<string, string> {
  return new Map(['dist', 'argocd'].flatMap((d) => [...snapshotTree(path.join(root, d))].map(([k, v]) => [`${d}/${k}`, v] as const)));
}

/** What a synth of `root` gives: its findings when verify refuses it, else its outputs. */
function synthOf(root: string, cache = true): { findings?: readonly Finding[]; outputs?: Map<string, string> } {
  try {
    synth({ root, registry, log: () => undefined, cache });
    return { outputs: outputs(root) };
  } catch (e) {
    if (e instanceof VerifyError) return { findings: e.findings };
    throw e;
  }
}

/** The same synth from a copy of `root` without its cache: what every synth with the cache must equal. */
function coldOf(root: string): ReturnType<typeof synthOf> {
  const copy = fs.mkdtempSync(`${root}-cold-`);
  try {
    fs.cpSync(root, copy, { recursive: true });
    fs.rmSync(path.join(copy, '.synth-cache'), { recursive: true, force: true });
    return synthOf(copy, false);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

/** The lines of the app-renders file, and the index of `app`'s (the last one). */
function appLine(root: string, app: string): { lines: string[]; at: number } {
  const lines = fs.readFileSync(path.join(root, APP_RENDERS_FILE), 'utf8').split('\n');
  const at = lines.map((l, i) => (l.includes(`"dist/workloads/${app}/`) ? i : -1)).filter((i) => i >= 0).pop()!;
  return { lines, at };
}

/** The objects the check cache is asked about while `f` runs, as `Kind name`. */
function askedDuring(f: () => void): string[] {
  const asked: string[] = [];
  const original = CheckCache.prototype.run;
  jest.spyOn(CheckCache.prototype, 'run').mockImplementation(function (this: CheckCache, check: string, obj: object, compute: () => unknown) {
    const o = obj as { kind?: string; metadata?: { name?: string } };
    asked.push(`${o.kind} ${o.metadata?.name}`);
    return original.call(this, check, obj, compute);
  } as CheckCache['run']);
  try {
    f();
  } finally {
    jest.restoreAllMocks();
  }
  return asked;
}

const ofApp = (asked: readonly string[], app: string) => asked.filter((a) => a.split(' ')[1]?.startsWith(app) && !a.startsWith('Application '));

describe('verify vouches for the apps taken unchanged from their last render', () => {
  let root: string;
  beforeEach(() => {
    root = checkout();
    synthOf(root);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('GIVEN the cache of the last synth WHEN synth runs again with nothing changed THEN the check cache is not asked about any app\'s object (only the layers\'), and the outputs equal a synth without a cache', () => {
    // Without the record of the verified tree (with it nothing is asked at all: test/verify/verified-tree.test.ts).
    fs.rmSync(path.join(root, VERIFIED_TREE_FILE));
    const asked = askedDuring(() => synthOf(root));
    expect(asked.length).toBeGreaterThan(0);
    expect(ofApp(asked, PLAIN_APP.name)).toEqual([]);
    expect(ofApp(asked, ROLLOUT_APP.name)).toEqual([]);
    expect(ofApp(asked, 'whiteboard')).toEqual([]);
    expect(outputs(root)).toEqual(coldOf(root).outputs);
  });

  test('GIVEN the cache of the last synth, with the record of the verified tree WHEN one app\'s image changes THEN the check cache is asked only about that app\'s changed objects (no layer object, no other app\'s, no Application), the outputs equal a synth without a cache, and the results of the objects left out stay in the cache (a synth without the record computes no check)', () => {
    expect(askedDuring(() => synthOf(root))).toEqual([]);
    fs.writeFileSync(path.join(root, 'apps', `${PLAIN_APP.name}.yaml`), generatedApp(0, '3.0.0').text);
    const asked = askedDuring(() => synthOf(root));
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.filter((a) => !a.includes(PLAIN_APP.name))).toEqual([]);
    expect(outputs(root)).toEqual(coldOf(root).outputs);
    // The check cache kept the results of what was left out: without the record, a synth computes no check again.
    fs.rmSync(path.join(root, VERIFIED_TREE_FILE));
    const computed: string[] = [];
    const original = CheckCache.prototype.run;
    jest.spyOn(CheckCache.prototype, 'run').mockImplementation(function (this: CheckCache, check: string, obj: object, compute: () => unknown) {
      return original.call(this, check, obj, () => {
        const o = obj as { kind?: string; metadata?: { name?: string } };
        computed.push(`${o.kind} ${o.metadata?.name}`);
        return compute();
      });
    } as CheckCache['run']);
    try {
      synthOf(root);
    } finally {
      jest.restoreAllMocks();
    }
    expect(computed).toEqual([]);
  });

  test('GIVEN the cache of the last synth WHEN a layer\'s Rollout CRD changes so that an unchanged app\'s Rollout breaks it THEN synth refuses it with the same finding as a synth without a cache', () => {
    const materialize = UpstreamObjects.materializeAll.bind(UpstreamObjects);
    jest.spyOn(UpstreamObjects, 'materializeAll').mockImplementation((scope, renderer, apis) => {
      materialize(scope, renderer, apis);
      const crd = scope.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'CustomResourceDefinition' && c.name === 'rollouts.argoproj.io')!;
      const toJson = crd.toJson.bind(crd);
      crd.toJson = () => {
        const json = structuredClone(toJson());
        json.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.replicas.maximum = 1;
        return json;
      };
    });
    const warm = synthOf(root);
    expect(warm.findings).toEqual([{ file: ROLLOUT_FILE, object: `argoproj.io/v1alpha1 Rollout sit/${ROLLOUT_APP.name}`, message: 'spec.replicas: 2 is greater than 1.' }]);
    expect(warm).toEqual(coldOf(root));
  });

  test('GIVEN an app\'s line whose recorded schema identities alone differ from today\'s WHEN synth runs THEN that app\'s objects are checked (the check cache is asked about them) and the other apps\' are not', () => {
    const { lines, at } = appLine(root, ROLLOUT_APP.name);
    const line = lines[at];
    const tab = line.indexOf('\t');
    const summary = JSON.parse(line.slice(195, tab)) as { e: [string, string, string][] };
    summary.e = summary.e.map(([v, k, id]) => [v, k, `${id} of an older schema`]);
    const s = JSON.stringify(summary);
    lines[at] = `${line.slice(0, 65)}${sha256(s)}${line.slice(129, 195)}${s}${line.slice(tab)}`;
    fs.writeFileSync(path.join(root, APP_RENDERS_FILE), lines.join('\n'));
    // Without the record of the verified tree, which would vouch for the unchanged files whatever the lines say.
    fs.rmSync(path.join(root, VERIFIED_TREE_FILE));
    const asked = askedDuring(() => synthOf(root));
    expect(ofApp(asked, ROLLOUT_APP.name)).toContain(`Rollout ${ROLLOUT_APP.name}`);
    expect(ofApp(asked, PLAIN_APP.name)).toEqual([]);
    expect(outputs(root)).toEqual(coldOf(root).outputs);
  });

  test.each([['summary (S)', 200], ['documents (D)', -20]])('GIVEN a byte of an app\'s %s changed in its line WHEN synth runs THEN that app is built and recorded again, and the outputs equal a synth without a cache', (_, offset) => {
    const { lines, at } = appLine(root, PLAIN_APP.name);
    const line = lines[at];
    const i = offset >= 0 ? offset : line.length + offset;
    lines[at] = `${line.slice(0, i)}${line[i] === 'a' ? 'b' : 'a'}${line.slice(i + 1)}`;
    fs.writeFileSync(path.join(root, APP_RENDERS_FILE), lines.join('\n'));
    const asked = askedDuring(() => synthOf(root));
    expect(ofApp(asked, PLAIN_APP.name).length).toBeGreaterThan(0);
    expect(ofApp(asked, ROLLOUT_APP.name)).toEqual([]);
    expect(outputs(root)).toEqual(coldOf(root).outputs);
    const after = appLine(root, PLAIN_APP.name);
    expect(after.at).toBeGreaterThan(at);
  });
});

describe('the HA container rules skip the pod templates of vouched files', () => {
  const { files, facts } = renderSiteAnalysed(shippedSite());
  const hostFiles = haInputFromFiles(files).hostFiles;
  const FILE = 'dist/workloads/app/deployment-app.yaml';
  const CONTAINER_RULES = ['probes', 'resources', 'image-pinned', 'security-context', 'non-root', 'read-only-root', 'host-namespaces'];
  const findings = (rule: string, vouched?: (file: string) => boolean) => {
    const text = fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'ha', rule, 'breaks.yaml'), 'utf8');
    const objects: HaObject[] = parseAllDocuments(text).map((d) => ({ file: FILE, obj: d.toJS() as Record<string, unknown> }));
    const ctx: HaContext = { model: buildHaModel({ objects, hostFiles, facts, factsProblems: [] }), objects, facts, ...(vouched ? { vouched } : {}) };
    return HA_CHECKS.flatMap((r) => r.check(ctx).map((f) => `${r.id} ${f.message}`));
  };

  test.each(CONTAINER_RULES)('GIVEN ha/%s\'s breaking fixture WHEN its file is vouched for THEN that rule finds nothing, and every other rule finds what it finds unvouched', (rule) => {
    const unvouched = findings(rule);
    expect(unvouched.some((f) => f.startsWith(`ha/${rule} `))).toBe(true);
    const vouched = findings(rule, (f) => f === FILE);
    expect(vouched).toEqual(unvouched.filter((f) => !CONTAINER_RULES.some((r) => f.startsWith(`ha/${r} `))));
    expect(findings(rule, (f) => f !== FILE)).toEqual(unvouched);
  });
});
