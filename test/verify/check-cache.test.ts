import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { toYamlDocument } from '../../lib/render/rendered-file';
import { synth } from '../../lib/synth';
import { CHECK_CACHE_FILE, CheckCache } from '../../lib/verify/check-cache';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { formatFinding, verifyTree } from '../../lib/verify/verify';
import { REPO, shippedRender, snapshotTree, tempRootWithOutputs, writeTree } from '../helpers';

const registry = new SchemaRegistry();

/** The shipped render with two broken objects: a Deployment with an unknown field and a literal password, a ConfigMap holding a private key. */
function brokenTree(): string {
  const files = Object.fromEntries(shippedRender().map((f) => [f.path, f.content]));
  const deployment = parse(files['dist/workloads/whiteboard/deployment-whiteboard.yaml']);
  deployment.spec.template.spec.containers[0].colour = 'blue';
  deployment.spec.template.spec.containers[0].env = [{ name: 'DB_PASSWORD', value: 'hunter2-but-longer-Zq9' }];
  files['dist/workloads/whiteboard/deployment-whiteboard.yaml'] = toYamlDocument(deployment);
  const key = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun', '-----END RSA PRIVATE KEY-----'].join('\n');
  files['dist/secrets/configmap-pasted.yaml'] = toYamlDocument({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pasted', namespace: 'external-secrets' }, data: { 'tls.key': key } });
  return writeTree(files);
}

/** Findings of verify on `tree` with the cache at `file`, and the cache afterwards (saved). */
function verifyWith(tree: string, file: string): { findings: string[]; cache: CheckCache } {
  const cache = new CheckCache(file);
  const findings = verifyTree(tree, registry, undefined, { checks: cache }).map(formatFinding);
  cache.save();
  return { findings, cache };
}

describe('the cache of verify\'s per-object checks', () => {
  const tree = brokenTree();
  const file = path.join(tree, CHECK_CACHE_FILE);
  const cold = verifyTree(tree, registry).map(formatFinding);
  afterAll(() => fs.rmSync(tree, { recursive: true, force: true }));

  test('GIVEN a tree with schema and secret findings WHEN verified without a cache THEN they are found (the baseline the cached runs must equal)', () => {
    expect(cold).toEqual(expect.arrayContaining([
      expect.stringMatching(/deployment-whiteboard\.yaml: .*unknown field "colour"/),
      expect.stringMatching(/configmap-pasted\.yaml: .*data\.tls\.key holds a private key/),
    ]));
  });

  test('GIVEN no cache file WHEN verified twice, the second time from the first run\'s cache THEN both give the same findings and the second computes no check again', () => {
    fs.rmSync(file, { force: true });
    const first = verifyWith(tree, file);
    expect(first.findings).toEqual(cold);
    expect(first.cache.reused).toBe(0);
    const second = verifyWith(tree, file);
    expect(second.findings).toEqual(cold);
    expect(second.cache.computed).toBe(0);
    // One result per object (its schema and secret checks together): the shipped render has over 500.
    expect(second.cache.reused).toBeGreaterThan(500);
  });

  test('GIVEN a cache file that is not JSON WHEN verified THEN it is ignored: the same findings, every check run again', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"format": 1, "code": "trunc');
    const run = verifyWith(tree, file);
    expect(run.cache.ignored).toBe('not JSON');
    expect(run.cache.reused).toBe(0);
    expect(run.findings).toEqual(cold);
  });

  test('GIVEN a cache whose every result was altered (no finding any more), or cut short WHEN verified THEN the change is detected and the file ignored: the same findings', () => {
    verifyWith(tree, file);
    // Every result altered, the hash of their block left as it was.
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/\t.*$/gm, '\t[]'));
    const run = verifyWith(tree, file);
    expect(run.cache.ignored).toBe('corrupted');
    expect(run.cache.reused).toBe(0);
    expect(run.findings).toEqual(cold);
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.slice(0, text.length - 10));
    expect(verifyWith(tree, file).cache.ignored).toBe('corrupted');
  });

  test('GIVEN a cache file of the earlier layout (one JSON object) WHEN verified THEN it is ignored: the same findings', () => {
    fs.writeFileSync(file, JSON.stringify({ format: 1, code: 'x', entries: {} }));
    const run = verifyWith(tree, file);
    expect(run.cache.ignored).toBe('another format');
    expect(run.findings).toEqual(cold);
  });

  test('GIVEN a warm cache WHEN a run uses every result and computes none THEN the file is not written again', () => {
    verifyWith(tree, file);
    verifyWith(tree, file);
    const before = fs.statSync(file).mtimeMs;
    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(file, past, past);
    const run = verifyWith(tree, file);
    expect(run.cache.computed).toBe(0);
    expect(Math.round(fs.statSync(file).mtimeMs)).toBe(past.getTime());
    expect(before).toBeGreaterThan(past.getTime());
  });

  test('GIVEN a cached check of an object WHEN the object changes THEN it is checked again, not answered from the cache', () => {
    verifyWith(tree, file);
    const target = path.join(tree, 'dist/workloads/whiteboard/deployment-whiteboard.yaml');
    const before = fs.readFileSync(target, 'utf8');
    try {
      fs.writeFileSync(target, before.replace('colour: blue', 'flavour: blue'));
      const run = verifyWith(tree, file);
      expect(run.cache.computed).toBeGreaterThan(0);
      expect(run.findings).toEqual(expect.arrayContaining([expect.stringMatching(/unknown field "flavour"/)]));
      expect(run.findings.join('\n')).not.toMatch(/"colour"/);
    } finally {
      fs.writeFileSync(target, before);
    }
  });

  test('GIVEN a cached check of an object with a null WHEN the null becomes .nan, .inf or -.inf (the same JSON, so the same key in the cache) THEN it is reported all the same, and the null again gives the null\'s findings', () => {
    const target = path.join(tree, 'dist/workloads/whiteboard/deployment-whiteboard.yaml');
    const before = fs.readFileSync(target, 'utf8');
    const withReplicas = (value: string) => before.replace(/^ {2}replicas: .*$/m, `  replicas: ${value}`);
    expect(withReplicas('null')).not.toBe(before);
    try {
      fs.writeFileSync(target, withReplicas('null'));
      const asNull = verifyTree(tree, registry).map(formatFinding);
      const named: Record<string, string> = { '.nan': 'not a number (.nan)', '.inf': 'infinite (.inf)', '-.inf': 'minus infinite (-.inf)' };
      for (const value of ['.nan', '.inf', '-.inf']) {
        fs.writeFileSync(target, withReplicas(value));
        const uncached = verifyTree(tree, registry).map(formatFinding);
        expect(uncached).toEqual(expect.arrayContaining([`dist/workloads/whiteboard/deployment-whiteboard.yaml: spec.replicas is ${named[value]}, a number JSON cannot hold: Argo CD and kubectl send objects to the API server as JSON and refuse it; write a finite number, or quote the value as written if a string is meant`]));
        // The null's results in the cache, under the key of the same JSON.
        fs.writeFileSync(target, withReplicas('null'));
        verifyWith(tree, file);
        fs.writeFileSync(target, withReplicas(value));
        expect({ value, findings: verifyWith(tree, file).findings }).toEqual({ value, findings: uncached });
        fs.writeFileSync(target, withReplicas('null'));
        expect({ value, findings: verifyWith(tree, file).findings }).toEqual({ value, findings: asNull });
      }
    } finally {
      fs.writeFileSync(target, before);
    }
  });
});

describe('synth with and without its cache', () => {
  const outputs = (root: string) => new Map(['dist', 'argocd', 'render-cache', 'docs', 'reports'].flatMap((d) => [...snapshotTree(path.join(root, d))].map(([k, v]) => [`${d}/${k}`, v] as const)));

  test('GIVEN a checkout WHEN synthesized cold (no cache), warm (the cache of the first) and with the cache corrupted THEN every output is the same bytes', () => {
    const root = tempRootWithOutputs();
    try {
      fs.copyFileSync(path.join(REPO, 'site.yaml'), path.join(root, 'site.yaml'));
      // Cold: no cache file yet, every check runs (as with cache: false); it leaves the cache.
      expect(fs.existsSync(path.join(root, CHECK_CACHE_FILE))).toBe(false);
      synth({ root, registry });
      const uncached = outputs(root);
      expect(fs.existsSync(path.join(root, CHECK_CACHE_FILE))).toBe(true);

      synth({ root, registry });
      expect(outputs(root)).toEqual(uncached);

      fs.writeFileSync(path.join(root, CHECK_CACHE_FILE), 'garbage');
      synth({ root, registry });
      expect(outputs(root)).toEqual(uncached);
      expect(JSON.parse(fs.readFileSync(path.join(root, CHECK_CACHE_FILE), 'utf8').split('\n')[0]).format).toBe(3);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
