import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { HA_RULES } from '../../lib/ha/annotations';
import { haInputFromFiles, haModel } from '../../lib/ha/analysis';
import { buildHaModel, HaObject } from '../../lib/ha/model';
import { renderSiteAnalysed } from '../../lib/synth';
import { HA_CHECKS, HaContext } from '../../lib/verify/ha-rules';
import { describeObject } from '../../lib/k8s/manifest';
import { formatFinding, verifyTree } from '../../lib/verify/verify';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { toYamlDocument } from '../../lib/render/rendered-file';
import { FACTS_FILE, NO_FACTS, parseFacts, PlatformFacts } from '../../lib/facts/facts';
import { stringify } from 'yaml';
import { REPO, shippedSite, writeTree } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FIXTURES = path.join(REPO, 'test', 'fixtures', 'ha');
const { files: rendered, facts: shippedFacts } = renderSiteAnalysed(shippedSite());
/** The shipped site's nodes: each node's k3s config, the failure model, kube-vip (with its facts). */
const hostFiles = haInputFromFiles(rendered).hostFiles;

/** `ns/name (Kind)` from a finding's object (`apiVersion Kind ns/name`), as label() writes it. */
function objectLabel(object: string): string {
  const [, kind, ...rest] = object.split(' ');
  return `${rest.join(' ')} (${kind})`;
}

/** The declarations of a fixture's objects: its sibling `<name>.facts.yaml`, read as verify reads dist/hosts/facts.yaml. */
function fixtureFacts(file: string): { facts: PlatformFacts; problems: string[] } {
  const factsFile = file.replace(/\.yaml$/, '.facts.yaml');
  return fs.existsSync(factsFile) ? parseFacts(fs.readFileSync(factsFile, 'utf8')) : { facts: NO_FACTS, problems: [] };
}

/** Every HA finding for the objects of a fixture file (and its facts), on the shipped site's nodes. */
function haFindings(file: string): string[] {
  const objects: HaObject[] = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => ({ file: 'dist/fixture/objects.yaml', obj: d.toJS() as Obj }));
  const { facts, problems } = fixtureFacts(file);
  const all = new Map([...shippedFacts, ...facts]);
  const ctx: HaContext = { model: buildHaModel({ objects, hostFiles, facts: all, factsProblems: problems }), objects, facts: all };
  const out: string[] = [];
  for (const rule of HA_CHECKS) for (const f of rule.check(ctx)) out.push(`${f.object !== undefined ? objectLabel(f.object) : f.file}: ${f.message}`);
  return out;
}

function expectations(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('# expect: ')).map((l) => l.slice('# expect: '.length));
}

const rules = fs.readdirSync(FIXTURES).filter((d) => fs.statSync(path.join(FIXTURES, d)).isDirectory()).sort();

describe('HA rules: one fixture that breaks each rule, one that satisfies it', () => {
  test('GIVEN the fixture folders THEN every rule has both', () => {
    expect(rules.map((r) => `ha/${r}`).sort()).toEqual(Object.keys(HA_RULES).sort());
    for (const r of rules) for (const f of ['breaks.yaml', 'satisfies.yaml']) expect(fs.existsSync(path.join(FIXTURES, r, f))).toBe(true);
  });

  test.each(rules)('GIVEN %s/breaks.yaml WHEN checked THEN exactly its expected findings of that rule, each saying how to fix it', (rule) => {
    const file = path.join(FIXTURES, rule, 'breaks.yaml');
    const found = haFindings(file).filter((f) => f.includes(`[ha/${rule}]`));
    const expected = expectations(file);
    expect(expected.length).toBeGreaterThan(0);
    expect(found).toHaveLength(expected.length);
    found.forEach((f, i) => expect(f).toContain(expected[i]));
    // Every finding goes on to say what to do.
    for (const f of found) expect(f).toMatch(/; [a-z]/);
  });

  test.each(rules)('GIVEN %s/satisfies.yaml WHEN checked THEN that rule finds nothing', (rule) => {
    expect(haFindings(path.join(FIXTURES, rule, 'satisfies.yaml')).filter((f) => f.includes(`[ha/${rule}]`))).toEqual([]);
  });
});

describe('HA rules through npm run verify, on the rendered tree (and with synth\'s model of the same files)', () => {
  const registry = new SchemaRegistry();
  const raw = (p: string) => p.endsWith('kustomization.yaml') || !p.endsWith('.yaml') || p.startsWith('dist/hosts/') || p.startsWith('docs/');
  function findingsOf(change: (files: Map<string, Obj | string>) => void): string[] {
    const files = new Map<string, Obj | string>(rendered.map((f) => [f.path, raw(f.path) ? f.content : parseAllDocuments(f.content)[0].toJS()]));
    change(files);
    const texts = [...files].map(([p, o]) => ({ path: p, content: typeof o === 'string' ? o : toYamlDocument(o) }));
    const root = writeTree(Object.fromEntries(texts.map((f) => [f.path, f.content])));
    try {
      const found = verifyTree(root, registry).map(formatFinding);
      // What synth does: the HA rules read the model it built from the same files in memory, the same findings.
      expect(verifyTree(root, registry, undefined, { model: haModel(haInputFromFiles(texts)) }).map(formatFinding)).toEqual(found);
      return found;
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }

  /** Changes the facts file among the files (what synth wrote to dist/hosts/facts.yaml). */
  function changeFacts(files: Map<string, Obj | string>, change: (facts: Obj) => void): void {
    const facts = parseAllDocuments(String(files.get(FACTS_FILE)))[0].toJS() as Obj;
    change(facts);
    files.set(FACTS_FILE, stringify(facts));
  }

  test('GIVEN the shipped site WHEN verified THEN no HA finding, and every workload is declared or rendered', () => {
    expect(findingsOf(() => undefined)).toEqual([]);
  });

  test('GIVEN a chart workload rendered with one replica WHEN verified THEN the replicas rule names the rendered Deployment', () => {
    const WEBHOOK = 'dist/secrets/deployment-external-secrets-webhook.yaml';
    const found = findingsOf((f) => { (f.get(WEBHOOK) as Obj).spec.replicas = 1; });
    expect(found.filter((x) => x.includes('[ha/replicas]'))).toEqual([
      expect.stringMatching(new RegExp(`^${WEBHOOK}: apps/v1 Deployment external-secrets/external-secrets-webhook: \\[ha/replicas\\] .*runs 1 replica`)),
    ]);
  });

  test('GIVEN the self-managed argo-cd server loses its spread WHEN verified THEN the spread rule names the rendered Deployment', () => {
    const SERVER = 'dist/argocd/deployment-argocd-server.yaml';
    const found = findingsOf((f) => { delete (f.get(SERVER) as Obj).spec.template.spec.topologySpreadConstraints; });
    expect(found.filter((x) => x.includes('[ha/spread]'))).toEqual([
      expect.stringMatching(new RegExp(`^${SERVER}: apps/v1 Deployment argocd/argocd-server: \\[ha/spread\\]`)),
    ]);
  });

  test('GIVEN the Loki gateway loses its PodDisruptionBudget WHEN verified THEN the PDB rule finds it on the rendered Deployment', () => {
    const GATEWAY = 'dist/logging/deployment-loki-gateway.yaml';
    const found = findingsOf((f) => f.delete('dist/logging/poddisruptionbudget-loki-gateway.yaml')).filter((x) => x.startsWith('dist/logging/'));
    expect(found).toEqual([
      expect.stringMatching(new RegExp(`^${GATEWAY}: apps/v1 Deployment logging/loki-gateway: \\[ha/pdb\\] .*; add one with minAvailable 1 \\(or maxUnavailable 1\\)`)),
    ]);
  });

  test('GIVEN Prometheus\' anti-affinity goes soft in its declaration WHEN verified THEN the spread rule names the chart value', () => {
    const found = findingsOf((f) => changeFacts(f, (facts) => {
      const declared = facts['apps/Deployment/monitoring/kube-prometheus-stack-operator'].workloads;
      declared.find((d: Obj) => d.name === 'prometheus-kube-prometheus-stack-prometheus').spread.preset.fixed = 'soft';
    }));
    expect(found.filter((x) => x.includes('[ha/spread]') && x.startsWith('dist/monitoring/'))).toEqual([
      expect.stringContaining('[ha/spread] workload monitoring/prometheus-kube-prometheus-stack-prometheus (StatefulSet): its anti-affinity setting is "soft", not "hard" (required)'),
    ]);
  });

  test('GIVEN Grafana back on the chart\'s default strategy WHEN verified THEN ha/rollout says its update stops while any worker is down, with the numbers and the fix', () => {
    const GRAFANA = 'dist/monitoring/deployment-kube-prometheus-stack-grafana.yaml';
    const found = findingsOf((f) => { (f.get(GRAFANA) as Obj).spec.strategy = { type: 'RollingUpdate' }; });
    expect(found).toEqual([
      `${GRAFANA}: apps/v1 Deployment monitoring/kube-prometheus-stack-grafana: [ha/rollout] its rolling update (an image or config change) cannot finish while www1 or www2 or www3 is down: `
      + '2 replicas kept apart one per node (required pod anti-affinity on kubernetes.io/hostname) on www1, www2, www3, maxSurge 25% of 2 → 1 (the default), maxUnavailable 25% of 2 → 0 (the default); '
      + 'with www1 down it stops at 2 old and 0 new pods running and 1 new Pending: no new pod has a node its spread allows, and no old pod may go while 2 are available (at least 2). '
      + 'The old pods keep serving, but the Deployment stays Progressing (and its Application with it) until the node is back; '
      + 'set strategy.rollingUpdate to maxSurge 0 and maxUnavailable 1 (1 of 2 pods down at a time while it rolls); or count each revision on its own (matchLabelKeys: [pod-template-hash] on its anti-affinity term)',
    ]);
  });

  test('GIVEN Argo CD\'s server spread counting both revisions together again WHEN verified THEN ha/rollout says its default update (a new pod first) stops while a worker is down, and names the revision count as a fix', () => {
    const SERVER = 'dist/argocd/deployment-argocd-server.yaml';
    const found = findingsOf((f) => {
      for (const c of (f.get(SERVER) as Obj).spec.template.spec.topologySpreadConstraints) delete c.matchLabelKeys;
    }).filter((x) => x.startsWith(SERVER));
    expect(found).toEqual([expect.stringContaining('[ha/rollout] its rolling update (an image or config change) cannot finish while www1 or www2 or www3 is down')]);
    expect(found[0]).toContain('count each revision on its own (matchLabelKeys: [pod-template-hash] on its topology spread constraint)');
  });

  test('GIVEN the failure model is missing WHEN verified THEN verify says to synth', () => {
    expect(findingsOf((f) => f.delete('dist/hosts/failure-model.yaml'))).toContain('dist/hosts/failure-model.yaml: [ha/failure] the failure model (node capacity, recovery budget) is missing; run npm run synth');
  });

  test('GIVEN Jenkins loses its own budget WHEN verified THEN its 242 s recovery is over the site\'s 90 s on every node it may run on', () => {
    const STS = 'dist/jenkins/statefulset-jenkins.yaml';
    const found = findingsOf((f) => changeFacts(f, (facts) => { delete facts['apps/StatefulSet/jenkins/jenkins'].ha.recoveryBudget; }));
    expect(found).toEqual([expect.stringContaining(`${STS}: apps/v1 StatefulSet jenkins/jenkins: [ha/failure] losing www1 or www2 or www3: jenkins/jenkins (StatefulSet) is back after 242 s, over its 90 s budget`)]);
  });

  test('GIVEN an object in the rendered tree WHEN described THEN findings name it as the other rules do', () => {
    expect(describeObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', namespace: 'y' } })).toBe('apps/v1 Deployment y/x');
  });
});
