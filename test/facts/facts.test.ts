import * as fs from 'fs';
import { parseAllDocuments, stringify } from 'yaml';
import { FACTS_FILE, parseFacts } from '../../lib/facts/facts';
import { failureReportFile } from '../../lib/ha/analysis';
import { FAILURE_REPORT } from '../../lib/ha/report';
import { toYamlDocument } from '../../lib/render/rendered-file';
import { sortKeys } from '../../lib/render/sort';
import { renderSiteAnalysed } from '../../lib/synth';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { formatFinding, verifyTree } from '../../lib/verify/verify';
import { shippedSite, writeTree } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const { files, facts } = renderSiteAnalysed(shippedSite());
const registry = new SchemaRegistry();

/** The rendered files with every `platform.tsys/*` annotation removed from every object (dist/, argocd/, kube-vip). */
function stripped(): Map<string, string> {
  const strip = (obj: Obj): Obj => {
    // The app-namespace label and a chart's claim-template opt-outs go too: verify reads the facts.
    if (obj?.metadata?.labels) delete obj.metadata.labels['platform.tsys/app-namespace'];
    for (const t of obj?.spec?.volumeClaimTemplates ?? []) strip(t);
    const a = obj?.metadata?.annotations;
    if (!a) return obj;
    for (const k of Object.keys(a)) if (k.startsWith('platform.tsys/')) delete a[k];
    if (!Object.keys(a).length) delete obj.metadata.annotations;
    return obj;
  };
  const out = new Map<string, string>();
  for (const f of files) {
    const manifest = f.path.endsWith('.yaml') && !f.path.endsWith('kustomization.yaml') && (f.path.startsWith('argocd/') || (f.path.startsWith('dist/') && !f.path.startsWith('dist/hosts/')));
    if (manifest) out.set(f.path, toYamlDocument(strip(parseAllDocuments(f.content)[0].toJS() as Obj)));
    else if (f.path === 'dist/hosts/kube-vip/kube-vip.yaml') out.set(f.path, parseAllDocuments(f.content).map((d) => stringify(sortKeys(strip(d.toJS() as Obj)))).join('---\n'));
    else out.set(f.path, f.content);
  }
  return out;
}

function verified(tree: Map<string, string>): string[] {
  const root = writeTree(Object.fromEntries([...tree].filter(([p]) => p.startsWith('dist/') || p.startsWith('argocd/'))));
  try {
    return verifyTree(root, registry).map(formatFinding);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

describe('the platform\'s facts', () => {
  test('GIVEN a build WHEN its facts file is read back with the schema THEN it equals the typed facts the build returned', () => {
    const file = files.find((f) => f.path === FACTS_FILE);
    expect(file).toBeDefined();
    const back = parseFacts(file!.content);
    expect(back.problems).toEqual([]);
    expect(back.facts).toEqual(facts);
    // The facts cover every kind of declaration the readers use.
    const kinds = new Set([...facts.values()].flatMap((f) => Object.keys(f)));
    expect([...kinds].sort()).toEqual(['appNamespace', 'backupOptOut', 'dependsOn', 'ha', 'providesApis', 'runtimeObjects', 'runtimeServices', 'selectsRuntimePods', 'storage', 'volumes', 'workloads']);
  });

  test('GIVEN a rendered tree WHEN every platform.tsys/* annotation is stripped THEN verify and the simulation give the same findings and report', () => {
    const tree = stripped();
    // In the manifests (the docs name the keys to people; render-cache/ holds the charts' own output, which verify does not read).
    expect([...tree].filter(([p]) => !p.startsWith('docs/') && !p.startsWith('render-cache/')).map(([, c]) => c).some((c) => /platform\.tsys\/(singleton|workloads|provides-apis|depends-on|selects-runtime-pods|volumes|storage|ha-exempt|system-component|role|recovery-budget|backup-opt-out|app-namespace):/.test(c))).toBe(false);
    const report = files.find((f) => f.path === FAILURE_REPORT)!.content;
    const fromStripped = failureReportFile([...tree].map(([path, content]) => ({ path, content })));
    expect(fromStripped.content).toBe(report);
    const findings = verified(tree);
    expect(findings).toEqual(verified(new Map(files.map((f) => [f.path, f.content]))));
    expect(findings).toEqual([]);
  });

  test('GIVEN the rendered tree with its annotations WHEN the facts file declares nothing THEN verify finds what only the facts declare', () => {
    const tree = new Map(files.map((f) => [f.path, f.content]));
    tree.set(FACTS_FILE, '{}\n');
    const found = verified(tree);
    // Singletons are no longer declared, runtime selectors and API providers unknown: the annotations are not read.
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/^dist\/argocd\/deployment-argocd-application-controller\.yaml: .*\[ha\/replicas\] runs 1 replica/),
      expect.stringMatching(/^dist\/monitoring\/service-kube-prometheus-stack-prometheus\.yaml: .*selector .* matches no pod template/),
      expect.stringMatching(/^dist\/argocd\/externalsecret-argocd-ldap\.yaml: .*no layer provides external-secrets\.io\/ExternalSecret/),
    ]));
  });

  test('GIVEN a rendered tree WHEN its facts file is missing THEN verify says to synth', () => {
    const tree = new Map(files.map((f) => [f.path, f.content]));
    tree.delete(FACTS_FILE);
    expect(verified(tree)).toContain(`${FACTS_FILE}: [ha/annotations] the facts of the render (singletons, exemptions, declared workloads, volumes, API providers) are missing; run npm run synth`);
  });
});
