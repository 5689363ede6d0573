import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../../lib/config/errors';
import { parseSite } from '../../lib/config/load';
import { parseApp } from '../../lib/config/load-apps';
import { capacityIssues } from '../../lib/config/capacity';
import type { Workload } from '../../lib/ha/model';
import type { ScenarioResult } from '../../lib/ha/simulate';
import { REPLICA_COUNT } from '../../lib/ha/storage';
import { REPO, shippedSite } from '../helpers';

/**
 * The satisfying side of the rules for inputs that cannot work (the failing side is in
 * test/fixtures/invalid and test/fixtures/invalid-apps): each rule lets the working input through.
 */

const SITE = fs.readFileSync(path.join(REPO, 'site.yaml'), 'utf8');
const site = shippedSite();

/** The shipped site with `storage: true` kept only on `keep`. */
function storageOn(keep: readonly string[]): string {
  return SITE.replace(/^( {2}- name: (\w+)\n(?: {4}.*\n)*?) {4}storage: true\n/gm, (all, head: string, name: string) => (keep.includes(name) ? all : head));
}

function issuesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.field}: ${i.message}`);
    throw e;
  }
  return [];
}

describe('Longhorn replicas against the storage nodes', () => {
  test(`GIVEN exactly ${REPLICA_COUNT} storage nodes WHEN parsed THEN the site is accepted`, () => {
    const text = storageOn(['db1', 'db2', 'db3']);
    expect(parseSite(text, 'site.yaml').nodes.filter((n) => n.storage).map((n) => n.name)).toEqual(['db1', 'db2', 'db3']);
  });

  test('GIVEN two storage nodes WHEN parsed THEN it is refused at nodes, saying how many more to mark', () => {
    const issues = issuesOf(() => parseSite(storageOn(['www1', 'www2']), 'site.yaml'));
    expect(issues).toEqual([expect.stringMatching(/^nodes: Longhorn keeps 3 replicas .* only 2 nodes carry storage \(www2, www1\).*set `storage: true` on 1 more node/)]);
  });
});

describe('Bitwarden references only where a secret is read', () => {
  const app = (extra: string) => [
    'environment: prod', 'image: registry.turnsys.com/tsys/wiki:1.4.2', 'ports: [ { name: http, port: 8080 } ]', extra,
  ].join('\n');

  test('GIVEN references in secrets and databases[].credentials, and plain env mentioning Bitwarden WHEN parsed THEN the app is accepted', () => {
    const spec = parseApp(app([
      'secrets: { SESSION_KEY: "bitwarden:wiki-session#password" }',
      'databases: [ { engine: postgresql, credentials: "bitwarden:wiki-db" } ]',
      'env: { NOTE: "secrets come from bitwarden:, not from here" }',
    ].join('\n')), 'apps/wiki.yaml', site);
    expect(spec.secrets.SESSION_KEY).toBe('bitwarden:wiki-session#password');
  });

  test('GIVEN a reference in plain env WHEN parsed THEN it is refused at env.<name>, saying to move it to secrets', () => {
    expect(issuesOf(() => parseApp(app('env: { API_TOKEN: "bitwarden:wiki-token" }'), 'apps/wiki.yaml', site)))
      .toEqual([expect.stringMatching(/^env\.API_TOKEN: .*move the variable to secrets, `secrets: \{ API_TOKEN: "bitwarden:wiki-token" \}`/)]);
  });

  test('GIVEN the shipped site (a webhook URL as a reference, in a field that takes either) WHEN parsed THEN it is accepted', () => {
    expect(site.monitoring.alerts.webhook?.url).toBe('bitwarden:alertmanager-webhook');
  });
});

describe('capacity blamed on the site fields that set it', () => {
  const workload = (name: string, cpuMillis: number, memoryBytes: number) => ({ label: `ns/${name} (Deployment)`, cpuMillis, memoryBytes }) as unknown as Workload;
  const scenario = (unplaced: ScenarioResult['unplaced']) => ({ unplaced }) as unknown as ScenarioResult;

  test('GIVEN an intact site where every pod is placed WHEN checked THEN nothing is blamed', () => {
    expect(capacityIssues(site, scenario([]))).toEqual([]);
  });

  test('GIVEN pods that fit nowhere for lack of memory on www1 and CPU on www2 WHEN checked THEN the issues are at those nodes\' memory and cpu fields', () => {
    const issues = capacityIssues(site, scenario([
      { workload: workload('big', 500, 2 ** 30), pods: 2, why: 'not enough capacity', short: [{ node: 'www1', cpu: false, memory: true }, { node: 'www2', cpu: true, memory: false }] },
      { workload: workload('pinned', 100, 1), pods: 1, why: 'required anti-affinity', short: [] },
    ]));
    expect(issues.map((i) => [i.path, i.message.split(':')[0]])).toEqual([
      [['nodes', 3, 'cpu'], 'www2 has 4 CPU for pods, too little for what the platform runs'],
      [['nodes', 5, 'memory'], 'www1 has 8Gi of memory for pods, too little for what the platform runs'],
    ]);
    expect(issues[1].message).toContain('ns/big (Deployment) needs 1Gi a pod');
    expect(issues[1].message).toContain('set memory: here to what the kubelet can allocate');
  });
});
