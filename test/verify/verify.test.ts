import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { FACTS_FILE } from '../../lib/facts/facts';
import { toYamlDocument } from '../../lib/render/rendered-file';
import { renderSite } from '../../lib/synth';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { formatFinding, secretLiterals, verifyTree } from '../../lib/verify/verify';
import { shippedSite, writeTree } from '../helpers';

const registry = new SchemaRegistry();
const rendered = renderSite(shippedSite());

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The shipped site's rendered tree with `change` applied to the parsed objects (path -> object). */
function treeWith(change: (files: Map<string, Obj | string>) => void): string {
  const raw = (p: string) => p.endsWith('kustomization.yaml') || !p.endsWith('.yaml') || p.startsWith('dist/hosts/') || p.startsWith('docs/') || p.startsWith('render-cache/');
  const files = new Map<string, Obj | string>(rendered.map((f) => [f.path, raw(f.path) ? f.content : parse(f.content)]));
  change(files);
  return writeTree(Object.fromEntries([...files].map(([p, o]) => [p, typeof o === 'string' ? o : toYamlDocument(o)])));
}

function findingsOf(change: (files: Map<string, Obj | string>) => void): string[] {
  const root = treeWith(change);
  try {
    return verifyTree(root, registry).map(formatFinding);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** Findings of the other rules only: ad-hoc workloads below are not built to pass the HA rules (test/verify/ha-rules.test.ts covers them). */
function nonHaFindingsOf(change: (files: Map<string, Obj | string>) => void): string[] {
  return findingsOf(change).filter((f) => !/: \[ha\//.test(f));
}

const POOL = 'dist/metallb/ipaddresspool-apps.yaml';
const POOL_ID = 'metallb.io/v1beta1 IPAddressPool metallb-system/apps';
const PLATFORM_REPO = 'https://git.turnsys.com/tsys/platform.git';
const LITERAL = 'holds a literal secret; reference it from Bitwarden (BitwardenSecret) instead';

/** An Application in a layer folder (dist/upgrades) with the given source. */
function appIn(name: string, source: Obj): Obj {
  return {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name, namespace: 'argocd' },
    spec: { project: 'platform', destination: { server: 'https://kubernetes.default.svc', namespace: 'system-upgrade' }, source },
  };
}

describe('verify', () => {
  test('GIVEN the shipped site rendered WHEN verified THEN there is no finding', () => {
    expect(findingsOf(() => undefined)).toEqual([]);
  });

  test('GIVEN a PEM private key in a ConfigMap WHEN verified THEN it is named as secret material in git, while a schema text that only mentions the marker is not', () => {
    const key = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun', '-----END RSA PRIVATE KEY-----'].join('\n');
    expect(nonHaFindingsOf((files) => {
      files.set('dist/secrets/configmap-pasted.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pasted', namespace: 'external-secrets' }, data: { 'tls.key': key, doc: 'paste the -----BEGIN PRIVATE KEY----- block here' } });
    })).toEqual([expect.stringMatching(/configmap-pasted.yaml: .*data\.tls\.key holds a private key/)]);
  });

  test('GIVEN an unknown field in a custom resource WHEN verified THEN strict schema rejects it', () => {
    expect(findingsOf((f) => ((f.get(POOL) as Obj).spec.autoAsign = true))).toEqual([`${POOL}: ${POOL_ID}: spec: unknown field "autoAsign"`]);
  });

  test('GIVEN an unknown field in core metadata of a custom resource WHEN verified THEN it is rejected', () => {
    expect(findingsOf((f) => ((f.get(POOL) as Obj).metadata.lables = {}))).toEqual([`${POOL}: ${POOL_ID}: metadata: unknown field "lables"`]);
  });

  test('GIVEN an unknown field deep in a core kind WHEN verified THEN it is rejected', () => {
    expect(nonHaFindingsOf((f) => f.set('dist/metallb/deployment-x.yaml', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', namespace: 'metallb-system' },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', imagePullPolcy: 'Always' }] } } },
    }))).toEqual(['dist/metallb/deployment-x.yaml: apps/v1 Deployment metallb-system/x: spec.template.spec.containers[0]: unknown field "imagePullPolcy"']);
  });

  test('GIVEN a wrong type WHEN verified THEN the field is named', () => {
    expect(findingsOf((f) => ((f.get(POOL) as Obj).spec.autoAssign = 'yes'))).toEqual([`${POOL}: ${POOL_ID}: spec.autoAssign: must be boolean`]);
  });

  test('GIVEN a kind with no schema WHEN verified THEN it says how to add one', () => {
    const found = findingsOf((f) => f.set('dist/metallb/widget-x.yaml', { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'x', namespace: 'metallb-system' } }));
    expect(found[0]).toContain('no schema for example.io/v1 Widget');
    expect(found[0]).toContain('run npm run schemas');
  });

  test('GIVEN a Secret with data WHEN verified THEN it is refused', () => {
    const found = findingsOf((f) => f.set('dist/metallb/secret-x.yaml', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'metallb-system' }, stringData: { password: 'hunter2' } }));
    expect(found).toEqual(['dist/metallb/secret-x.yaml: v1 Secret metallb-system/x: a Secret with data or stringData would put secret material in git; ask for it from Bitwarden with an ExternalSecret instead']);
  });

  test('GIVEN an undeclared namespace WHEN verified THEN the object is named', () => {
    expect(findingsOf((f) => ((f.get(POOL) as Obj).metadata.namespace = 'metallb'))).toEqual([`${POOL}: metallb.io/v1beta1 IPAddressPool metallb/apps: namespace "metallb" is not declared; render a Namespace object for it`]);
  });

  test('GIVEN a namespaced object without namespace, or a cluster-scoped one with it, WHEN verified THEN both are found', () => {
    const found = findingsOf((f) => {
      delete (f.get(POOL) as Obj).metadata.namespace;
      (f.get('dist/metallb/namespace-metallb-system.yaml') as Obj).metadata.namespace = 'default';
    });
    expect(found).toEqual([
      `${POOL}: metallb.io/v1beta1 IPAddressPool apps: is namespaced but sets no metadata.namespace; set it explicitly`,
      'dist/metallb/namespace-metallb-system.yaml: v1 Namespace default/metallb-system: is cluster-scoped but sets metadata.namespace "default"; remove it',
    ]);
  });

  test('GIVEN a Service whose selector matches no pod template WHEN verified THEN it is found; a matching one passes', () => {
    const service = (selector: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'metallb-system' }, spec: { selector, ports: [{ port: 80 }] } });
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'metallb-system' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web', tier: 'front' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } };
    expect(nonHaFindingsOf((f) => { f.set('dist/metallb/service-s.yaml', service({ app: 'api' })); f.set('dist/metallb/deployment-d.yaml', deployment); }))
      .toEqual(['dist/metallb/service-s.yaml: v1 Service metallb-system/s: selector {"app":"api"} matches no pod template in namespace "metallb-system"']);
    expect(nonHaFindingsOf((f) => { f.set('dist/metallb/service-s.yaml', service({ app: 'web' })); f.set('dist/metallb/deployment-d.yaml', deployment); })).toEqual([]);
  });

  test('GIVEN an Application whose path does not exist WHEN verified THEN it is found', () => {
    expect(findingsOf((f) => ((f.get('dist/apps/application-metallb.yaml') as Obj).spec.source.path = 'dist/metalb'))).toEqual([
      'dist/apps/application-gateway.yaml: argoproj.io/v1alpha1 Application argocd/gateway: depends on layer "metallb", which has no Application in dist/apps',
      'dist/apps/application-metallb.yaml: argoproj.io/v1alpha1 Application argocd/metallb: source path "dist/metalb" does not exist in the rendered tree (or holds no files)',
      'dist/metallb: no Application in dist/apps syncs this folder; nothing would ever apply it',
    ]);
  });

  test('GIVEN an Application reading another Git repository WHEN verified THEN it is found as not plain YAML and its path is not looked for here; the same path in this repository is', () => {
    const SUC = 'dist/upgrades/application-suc-git.yaml';
    const ID = 'argoproj.io/v1alpha1 Application argocd/suc-git';
    const GITHUB = 'https://github.com/rancher/system-upgrade-controller.git';
    expect(findingsOf((f) => f.set(SUC, appIn('suc-git', { repoURL: GITHUB, path: 'manifests', targetRevision: 'v0.16.0' })))).toEqual([
      `${SUC}: ${ID}: reads ${GITHUB}, not the platform repository ${PLATFORM_REPO}; vendor the manifests and render them with a GitComponent`,
    ]);
    expect(findingsOf((f) => f.set(SUC, appIn('suc-git', { repoURL: PLATFORM_REPO, path: 'manifests', targetRevision: 'main' })))).toEqual([
      `${SUC}: ${ID}: source path "manifests" does not exist in the rendered tree (or holds no files)`,
      `${SUC}: ${ID}: syncs "manifests", not a folder of dist/`,
    ]);
  });

  test('GIVEN an Application with a Helm chart source WHEN verified THEN it is found: charts are rendered at synth; its values are still searched for secrets', () => {
    const CHART = 'dist/upgrades/application-suc-chart.yaml';
    const ID = 'argoproj.io/v1alpha1 Application argocd/suc-chart';
    const source = { repoURL: 'https://charts.rancher.io', chart: 'system-upgrade-controller', targetRevision: '106.0.0', helm: { valuesObject: { adminPassword: 'hunter2' } } };
    expect(findingsOf((f) => f.set(CHART, appIn('suc-chart', source)))).toEqual([
      `${CHART}: ${ID}: spec.source.helm.valuesObject.adminPassword ${LITERAL}`,
      `${CHART}: ${ID}: has a Helm source (system-upgrade-controller from https://charts.rancher.io); render the chart at synth with a HelmComponent (vendor it with npm run vendor)`,
    ]);
  });

  test('GIVEN the same object twice in dist WHEN verified THEN the duplicate is found', () => {
    expect(findingsOf((f) => f.set('dist/metallb/ipaddresspool-copy.yaml', f.get(POOL)!))).toEqual([
      `dist/metallb/ipaddresspool-copy.yaml: ${POOL_ID}: duplicate object (also in ${POOL}); two Applications would fight over it`,
    ]);
  });

  test('GIVEN a custom resource in the same wave as the chart that installs its CRD WHEN verified THEN it is found', () => {
    // The chart's rendered CRD is the provider; without it, its controller Deployment that declares the group (its providesApis fact: metallb.io/*).
    expect(findingsOf((f) => delete (f.get(POOL) as Obj).metadata.annotations)).toEqual([
      `${POOL}: ${POOL_ID}: metallb.io/IPAddressPool is installed by apiextensions.k8s.io/v1 CustomResourceDefinition ipaddresspools.metallb.io in the same layer, which syncs in wave 0; this object syncs in wave 0 and must sync later`,
      `${POOL}: ${POOL_ID}: metallb.io/IPAddressPool is installed in the same sync; set argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true`,
    ]);
    expect(findingsOf((f) => {
      f.delete('dist/metallb/customresourcedefinition-ipaddresspools.metallb.io.yaml');
      delete (f.get(POOL) as Obj).metadata.annotations['argocd.argoproj.io/sync-wave'];
    })).toEqual([
      `${POOL}: ${POOL_ID}: metallb.io/IPAddressPool is installed by apps/v1 Deployment metallb-system/metallb-controller in the same layer, which syncs in wave 0; this object syncs in wave 0 and must sync later`,
    ]);
  });

  test('GIVEN a custom resource beside the CRD that installs its API WHEN it is a hook THEN a PreSync hook is found whatever its wave (Argo CD runs PreSync before the CRD is applied), a PostSync hook passes whatever its wave, a Skip or SyncFail hook is not judged', () => {
    const hooked = (annotations: Record<string, string>) => findingsOf((f) => Object.assign((f.get(POOL) as Obj).metadata.annotations, annotations));
    expect(hooked({ 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/sync-wave': '9' })).toEqual([
      `${POOL}: ${POOL_ID}: metallb.io/IPAddressPool is installed by apiextensions.k8s.io/v1 CustomResourceDefinition ipaddresspools.metallb.io in the same layer, which syncs in wave 0; this object syncs as a PreSync hook in wave 9, in an earlier phase: on the first sync the API server has no metallb.io/IPAddressPool yet and refuses it; apply it in a later phase than what installs it (no hook, or a PostSync hook)`,
    ]);
    // Helm's pre-install in a plain manifest is PreSync to Argo CD too.
    expect(hooked({ 'helm.sh/hook': 'pre-install' })).toHaveLength(1);
    const laterOnes: Record<string, string>[] = [{ 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/sync-wave': '0' }, { 'helm.sh/hook': 'post-install' }, { 'argocd.argoproj.io/hook': 'Skip' }, { 'argocd.argoproj.io/hook': 'SyncFail' }];
    for (const later of laterOnes) {
      expect([later, hooked(later)]).toEqual([later, []]);
    }
  });

  test('GIVEN a CustomResourceDefinition WHEN it is a hook THEN it is refused (Argo CD deletes hooks, and every object of the CRD with it); a Skip hook CRD tells its custom resources it is never applied; Helm hook weights are waves', () => {
    const CRD = 'dist/metallb/customresourcedefinition-ipaddresspools.metallb.io.yaml';
    const crdHook = (annotations: Record<string, string>, pool: Record<string, string> = {}) => findingsOf((f) => {
      const crd = f.get(CRD) as Obj;
      crd.metadata.annotations = { ...(crd.metadata.annotations ?? {}), ...annotations };
      Object.assign((f.get(POOL) as Obj).metadata.annotations, pool);
    });
    expect(crdHook({ 'argocd.argoproj.io/hook': 'PreSync' }, { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/sync-wave': '5' })).toEqual([
      `${CRD}: apiextensions.k8s.io/v1 CustomResourceDefinition ipaddresspools.metallb.io: a CustomResourceDefinition must not be a hook: Argo CD deletes a hook before the next sync creates it again (BeforeHookCreation, the default) or when a sync ends (HookSucceeded, HookFailed), and deleting a CustomResourceDefinition deletes every metallb.io/IPAddressPool object; remove its hook annotations (argocd.argoproj.io/hook, helm.sh/hook)`,
    ]);
    expect(crdHook({ 'helm.sh/hook': 'pre-install' }, { 'helm.sh/hook': 'pre-install', 'helm.sh/hook-weight': '5' })).toHaveLength(1);
    // helm.sh/hook: crd-install is no hook to Argo CD.
    expect(crdHook({ 'helm.sh/hook': 'crd-install' })).toEqual([]);
    expect(crdHook({ 'argocd.argoproj.io/hook': 'Skip' })).toEqual([
      `${CRD}: apiextensions.k8s.io/v1 CustomResourceDefinition ipaddresspools.metallb.io: a CustomResourceDefinition must not be a hook: Argo CD deletes a hook before the next sync creates it again (BeforeHookCreation, the default) or when a sync ends (HookSucceeded, HookFailed), and deleting a CustomResourceDefinition deletes every metallb.io/IPAddressPool object; remove its hook annotations (argocd.argoproj.io/hook, helm.sh/hook)`,
      `${POOL}: ${POOL_ID}: metallb.io/IPAddressPool is installed by apiextensions.k8s.io/v1 CustomResourceDefinition ipaddresspools.metallb.io in the same layer, which a sync that succeeds never applies (a Skip, SyncFail or PostDelete hook): remove that hook annotation from it`,
      'dist/metallb/ipaddresspool-platform.yaml: metallb.io/v1beta1 IPAddressPool metallb-system/platform: metallb.io/IPAddressPool is installed by apiextensions.k8s.io/v1 CustomResourceDefinition ipaddresspools.metallb.io in the same layer, which a sync that succeeds never applies (a Skip, SyncFail or PostDelete hook): remove that hook annotation from it',
    ]);
    // Waves as Argo CD reads them: without a sync-wave, helm.sh/hook-weight (the CRD's finding aside).
    const weights = (crd: string, pool: string) => findingsOf((f) => {
      const c = f.get(CRD) as Obj;
      c.metadata.annotations = { ...(c.metadata.annotations ?? {}), 'helm.sh/hook': 'pre-install', 'helm.sh/hook-weight': crd };
      const annotations = (f.get(POOL) as Obj).metadata.annotations;
      delete annotations['argocd.argoproj.io/sync-wave'];
      Object.assign(annotations, { 'helm.sh/hook': 'pre-install', 'helm.sh/hook-weight': pool });
    }).filter((m) => m.startsWith(`${POOL}:`));
    expect(weights('-5', '5')).toEqual([]);
    expect(weights('5', '-5')).toEqual([`${POOL}: ${POOL_ID}: metallb.io/IPAddressPool is installed by apiextensions.k8s.io/v1 CustomResourceDefinition ipaddresspools.metallb.io in the same layer, which syncs as a PreSync hook in wave 5; this object syncs as a PreSync hook in wave -5 and must sync later`]);
  });

  test('GIVEN a custom resource whose provider layer does not sync earlier WHEN verified THEN it is found', () => {
    const found = findingsOf((f) => {
      f.set('dist/secrets/ipaddresspool-x.yaml', { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'x', namespace: 'external-secrets' }, spec: { addresses: ['10.0.0.1/32'] } });
    });
    expect(found).toEqual(['dist/secrets/ipaddresspool-x.yaml: metallb.io/v1beta1 IPAddressPool external-secrets/x: metallb.io/IPAddressPool is provided by layer "metallb" (wave 0), which does not sync before layer "secrets" (wave 0)']);
  });

  test('GIVEN a custom resource whose own layer declares its API but renders nothing that installs it (its CRDs and controller gone, or a file of them that does not parse) WHEN verified THEN it says so, not that the layer does not sync before itself', () => {
    const found = findingsOf((f) => {
      for (const file of [...f.keys()]) if (file.startsWith('dist/metallb/customresourcedefinition-') || file === 'dist/metallb/deployment-metallb-controller.yaml') f.delete(file);
    });
    expect(found.filter((m) => m.startsWith(`${POOL}:`))).toEqual([
      `${POOL}: ${POOL_ID}: metallb.io/IPAddressPool is declared by layer "metallb" itself (its Application's platform.tsys/provides-apis), but none of the layer's rendered objects installs it (no CustomResourceDefinition of it, no object whose facts provide it): render what installs it in the layer, or use the API only in a layer that syncs later`,
    ]);
  });

  test('GIVEN a layer that depends on a later layer WHEN verified THEN the order is found', () => {
    const found = findingsOf((f) => {
      // What the layer depends on is a fact of its Application (dist/hosts/facts.yaml), not its annotation.
      const facts = parse(String(f.get(FACTS_FILE)));
      const key = 'argoproj.io/Application/argocd/secrets';
      facts[key] = { ...facts[key], dependsOn: [...(facts[key]?.dependsOn ?? []), 'metallb'] };
      f.set(FACTS_FILE, stringify(facts));
    });
    expect(found).toEqual(['dist/apps/application-secrets.yaml: argoproj.io/v1alpha1 Application argocd/secrets: depends on layer "metallb" (wave 0) but syncs in wave 0; it must sync later']);
  });

  test('GIVEN the bootstrap drifts from its self-managed copy WHEN verified THEN it is found', () => {
    const found = findingsOf((f) => ((f.get('argocd/deployment-argocd-server.yaml') as Obj).spec.template.spec.containers[0].image = 'quay.io/argoproj/argocd:v3.1.0'));
    expect(found).toEqual(['argocd/deployment-argocd-server.yaml: apps/v1 Deployment argocd/argocd-server: differs from its self-managed copy dist/argocd/deployment-argocd-server.yaml; the first sync would change what bootstrap installed']);
  });

  test('GIVEN a kustomization that misses a bootstrap file WHEN verified THEN it is found', () => {
    const found = findingsOf((f) => f.set('argocd/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - namespace-argocd.yaml\n'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^argocd\/kustomization.yaml: resources \["namespace-argocd.yaml"\] must list exactly the manifests/);
  });

  test('GIVEN a non-manifest file or a status block in dist WHEN verified THEN both are found', () => {
    const found = findingsOf((f) => {
      f.set('dist/metallb/NOTES.md', '# notes\n');
      (f.get('dist/metallb/namespace-metallb-system.yaml') as Obj).status = { phase: 'Active' };
    });
    expect(found).toEqual([
      'dist/metallb/NOTES.md: only .yaml manifests belong here (Argo CD reads every .yaml/.json in an Application path); move other files out',
      'dist/metallb/namespace-metallb-system.yaml: v1 Namespace metallb-system: has a status block; rendered objects must not (Argo CD would show OutOfSync forever)',
    ]);
  });

  test('GIVEN an empty tree WHEN verified THEN it is not valid', () => {
    const root = writeTree({});
    expect(verifyTree(root, registry).map(formatFinding)).toEqual([
      'argocd/: the bootstrap is missing; run npm run synth',
      'dist/apps/: the app of apps is missing; run npm run synth',
    ]);
    fs.rmSync(root, { recursive: true });
  });

  test('GIVEN a YAML file that does not parse WHEN verified THEN the file is named', () => {
    const root = treeWith(() => undefined);
    fs.writeFileSync(path.join(root, POOL), 'spec: [\n');
    expect(verifyTree(root, registry).map(formatFinding)[0]).toMatch(new RegExp(`^${POOL}: YAML: `));
    fs.rmSync(root, { recursive: true });
  });
});

describe('secret values outside Secrets', () => {
  test('GIVEN a literal password in a rendered chart\'s Deployment WHEN verified THEN it is found with its path', () => {
    const GRAFANA = 'dist/monitoring/deployment-kube-prometheus-stack-grafana.yaml';
    let at = '';
    const found = findingsOf((f) => {
      const containers: Obj[] = (f.get(GRAFANA) as Obj).spec.template.spec.containers;
      const c = containers.findIndex((x) => x.name === 'grafana');
      const i = (containers[c]?.env ?? []).findIndex((e: Obj) => e.name === 'GF_SECURITY_ADMIN_PASSWORD');
      if (c < 0 || i < 0) return;
      containers[c].env[i] = { name: 'GF_SECURITY_ADMIN_PASSWORD', value: 'hunter2' };
      at = `spec.template.spec.containers[${c}].env[${i}].value`;
    });
    expect(at).not.toBe('');
    expect(found).toEqual([`${GRAFANA}: apps/v1 Deployment monitoring/kube-prometheus-stack-grafana: ${at} ${LITERAL}`]);
  });

  test('GIVEN a k3s HelmChart anywhere WHEN verified THEN it is found: charts are rendered at synth; the YAML of its valuesContent is searched too', () => {
    const HC = 'dist/upgrades/helmchart-extra.yaml';
    const ID = 'helm.cattle.io/v1 HelmChart kube-system/extra';
    const chart = { apiVersion: 'helm.cattle.io/v1', kind: 'HelmChart', metadata: { name: 'extra', namespace: 'kube-system' }, spec: { chart: 'extra', repo: 'https://charts.example.com', version: '1.0.0', valuesContent: 'github:\n  token: ghp_abc\n' } };
    expect(findingsOf((f) => f.set(HC, chart))).toEqual([
      `${HC}: ${ID}: spec.valuesContent(yaml)[0].github.token ${LITERAL}`,
      `${HC}: ${ID}: is a k3s HelmChart: the helm-controller would render a chart in the cluster; render it at synth instead`,
    ]);
  });

  test('GIVEN a token in a YAML file of a ConfigMap WHEN verified THEN the YAML inside the string is searched; the same text in a file that is not YAML is not', () => {
    const text = 'github:\n  token: ghp_abc\n';
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'metallb-system' }, data: { 'config.yaml': text, 'notes.txt': text } };
    expect(findingsOf((f) => f.set('dist/metallb/configmap-c.yaml', cm))).toEqual([
      `dist/metallb/configmap-c.yaml: v1 ConfigMap metallb-system/c: data.config.yaml(yaml)[0].github.token ${LITERAL}`,
    ]);
  });

  test('GIVEN a ConfigMap with a password key WHEN verified THEN it is found; an empty value or a Bitwarden reference is not', () => {
    const cm = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'metallb-system' }, data });
    expect(findingsOf((f) => f.set('dist/metallb/configmap-c.yaml', cm({ DB_PASSWORD: 's3cret' })))).toEqual([
      'dist/metallb/configmap-c.yaml: v1 ConfigMap metallb-system/c: data.DB_PASSWORD holds a literal secret; reference it from Bitwarden (BitwardenSecret) instead',
    ]);
    expect(findingsOf((f) => f.set('dist/metallb/configmap-c.yaml', cm({ DB_PASSWORD: '', API_TOKEN: 'bitwarden:api' })))).toEqual([]);
  });

  test('GIVEN the AuthConfig password reference WHEN it is a literal instead THEN it is found', () => {
    expect(findingsOf(() => undefined)).toEqual([]);
    const found = findingsOf((f) => ((f.get('dist/rancher/authconfig-openldap.yaml') as Obj).serviceAccountPassword = 'hunter2'));
    expect(found).toEqual(['dist/rancher/authconfig-openldap.yaml: management.cattle.io/v3 AuthConfig openldap: serviceAccountPassword holds a literal secret; reference it from Bitwarden (BitwardenSecret) instead']);
  });
});

describe('Keycloak realm import placeholders', () => {
  const REALM = 'dist/keycloak/keycloakrealmimport-platform.yaml';
  const ID = 'k8s.keycloak.org/v2alpha1 KeycloakRealmImport keycloak/platform';

  test('GIVEN a client secret written as a value, or as a placeholder no Secret fills, WHEN verified THEN each is found; declared placeholders are not', () => {
    // The realm's one client is the API gateway's (docs/sso.md).
    expect(findingsOf((f) => ((f.get(REALM) as Obj).spec.realm.clients[0].secret = 'hunter2'))).toEqual([
      `${REALM}: ${ID}: spec.realm.clients[0].secret holds a literal secret; reference it from Bitwarden (BitwardenSecret) instead`,
    ]);
    expect(findingsOf((f) => delete (f.get(REALM) as Obj).spec.placeholders.CLIENT_SECRET_API_GATEWAY)).toEqual([
      `${REALM}: ${ID}: spec.realm.clients[0].secret holds a literal secret; reference it from Bitwarden (BitwardenSecret) instead`,
    ]);
  });
});

describe('secretLiterals: references that look like secrets', () => {
  const app = (values: Obj) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'a' }, spec: { source: { helm: { valuesObject: values } } } });

  test('GIVEN a password field naming a Secret WHEN External Secrets creates that Secret THEN it is a reference; otherwise a literal', () => {
    expect(secretLiterals(app({ existingSecretAdminPassword: 'harbor-secrets' }), new Set(['harbor-secrets']))).toEqual([]);
    expect(secretLiterals(app({ existingSecretAdminPassword: 'harbor-secrets' }))).toEqual(['spec.source.helm.valuesObject.existingSecretAdminPassword']);
  });

  test('GIVEN JCasC scripts WHEN searched THEN their YAML is read: a ${secret} reference passes, a literal password is found', () => {
    const casc = (v: string) => app({ controller: { JCasC: { configScripts: { ldap: `jenkins:\n  securityRealm:\n    ldap:\n      configurations:\n        - managerPasswordSecret: ${v}\n` } } } });
    expect(secretLiterals(casc('${jenkins-ldap-bind-password}'))).toEqual([]);
    expect(secretLiterals(casc('hunter2'))).toEqual(['spec.source.helm.valuesObject.controller.JCasC.configScripts.ldap(yaml)[0].jenkins.securityRealm.ldap.configurations[0].managerPasswordSecret']);
  });
});

describe('secrets in Harbor and Jenkins values', () => {
  // The chart renders each JCasC script as a file of a ConfigMap labelled jenkins-jenkins-config.
  const JCASC = 'dist/jenkins/configmap-jenkins-jenkins-config-ldap-security.yaml';
  const JCASC_ID = 'v1 ConfigMap jenkins/jenkins-jenkins-config-ldap-security';
  const REF = 'managerPasswordSecret: ${jenkins-ldap-bind-password}';

  test('GIVEN a literal LDAP password in a JCasC script WHEN verified THEN the YAML inside the script is searched and it is found; the ${secret} reference is not', () => {
    const shipped = parse(rendered.find((r) => r.path === JCASC)!.content) as Obj;
    expect(shipped.data['ldap-security.yaml']).toContain(REF);
    expect(secretLiterals(shipped)).toEqual([]);
    const found = findingsOf((f) => {
      const data = (f.get(JCASC) as Obj).data;
      data['ldap-security.yaml'] = data['ldap-security.yaml'].replace(REF, 'managerPasswordSecret: hunter2');
    });
    expect(found).toEqual([
      `${JCASC}: ${JCASC_ID}: data.ldap-security.yaml(yaml)[0].jenkins.securityRealm.ldap.configurations[0].managerPasswordSecret ${LITERAL}`,
    ]);
  });

  test('GIVEN Harbor core\'s admin password as a literal instead of its reference into harbor-secrets WHEN verified THEN it is found on the rendered Deployment', () => {
    const CORE = 'dist/harbor/deployment-harbor-core.yaml';
    let i = -1;
    const found = findingsOf((f) => {
      const env: Obj[] = (f.get(CORE) as Obj).spec.template.spec.containers[0].env;
      i = env.findIndex((e) => e.name === 'HARBOR_ADMIN_PASSWORD');
      env[i] = { name: 'HARBOR_ADMIN_PASSWORD', value: 'Harbor12345' };
    });
    expect(i).toBeGreaterThanOrEqual(0);
    expect(found.filter((x) => x.startsWith('dist/harbor/'))).toEqual([
      `${CORE}: apps/v1 Deployment harbor/harbor-core: spec.template.spec.containers[0].env[${i}].value holds a literal secret; reference it from Bitwarden (BitwardenSecret) instead`,
    ]);
  });
});

describe('CRDs rendered as plain objects', () => {
  // An API nothing else in the tree provides (no Application or Deployment declares it), in the argocd layer.
  const CRD = 'dist/argocd/customresourcedefinition-gadgets.example.tsys.yaml';
  const GADGET = 'dist/argocd/gadget-extra.yaml';
  const GADGET_ID = 'example.tsys/v1 Gadget argocd/extra';
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'gadgets.example.tsys' },
    spec: {
      group: 'example.tsys', names: { kind: 'Gadget', listKind: 'GadgetList', plural: 'gadgets', singular: 'gadget' }, scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
    },
  };
  const gadget = (annotations?: Record<string, string>) => ({
    apiVersion: 'example.tsys/v1', kind: 'Gadget', metadata: { name: 'extra', namespace: 'argocd', ...(annotations ? { annotations } : {}) }, spec: { size: 1 },
  });
  const later = { 'argocd.argoproj.io/sync-wave': '1', 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' };

  test('GIVEN a layer with a CRD and a later-wave resource of it WHEN verified THEN the CRD counts as the provider', () => {
    expect(findingsOf((f) => {
      f.set(CRD, crd);
      f.set(GADGET, gadget(later));
    })).toEqual([]);
    expect(findingsOf((f) => f.set(GADGET, gadget(later)))).toContain(
      `${GADGET}: ${GADGET_ID}: no layer provides example.tsys/Gadget (no Application declares it in platform.tsys/provides-apis)`,
    );
  });

  test('GIVEN a custom resource at a version its rendered CRD does not serve WHEN verified THEN it is found; a served version passes', () => {
    // The Keycloak operator 26.0.0 serves k8s.keycloak.org/v2alpha1 only; its CRs were written as v2beta1 and every sync failed.
    const v2 = { ...gadget(later), apiVersion: 'example.tsys/v2' };
    expect(findingsOf((f) => {
      f.set(CRD, crd);
      f.set(GADGET, v2);
    })).toContain(
      `${GADGET}: example.tsys/v2 Gadget argocd/extra: example.tsys/Gadget is served by apiextensions.k8s.io/v1 CustomResourceDefinition gadgets.example.tsys at v1, not v2: the API server rejects example.tsys/v2 (no matches for kind); write the apiVersion the rendered CRD serves, or vendor the CRDs that serve it`,
    );
    const notServed = { ...crd, spec: { ...crd.spec, versions: [{ ...crd.spec.versions[0], served: false }] } };
    expect(findingsOf((f) => {
      f.set(CRD, notServed);
      f.set(GADGET, gadget(later));
    })).toContain(
      `${GADGET}: ${GADGET_ID}: example.tsys/Gadget is served by apiextensions.k8s.io/v1 CustomResourceDefinition gadgets.example.tsys at no version, not v1: the API server rejects example.tsys/v1 (no matches for kind); write the apiVersion the rendered CRD serves, or vendor the CRDs that serve it`,
    );
  });

  test('GIVEN the resource in the same wave as its CRD WHEN verified THEN it is found', () => {
    expect(findingsOf((f) => {
      f.set(CRD, crd);
      f.set(GADGET, gadget());
    })).toEqual([
      `${GADGET}: ${GADGET_ID}: example.tsys/Gadget is installed by apiextensions.k8s.io/v1 CustomResourceDefinition gadgets.example.tsys in the same layer, which syncs in wave 0; this object syncs in wave 0 and must sync later`,
      `${GADGET}: ${GADGET_ID}: example.tsys/Gadget is installed in the same sync; set argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true`,
    ]);
  });
});

describe('namespaces and layers', () => {
  test('GIVEN an object in a namespace another layer declares, without depending on it, WHEN verified THEN the missing dependency is named', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'external-secrets' }, data: { a: 'b' } };
    expect(findingsOf((f) => f.set('dist/metallb/configmap-c.yaml', cm))).toEqual([
      'dist/metallb/configmap-c.yaml: v1 ConfigMap external-secrets/c: namespace "external-secrets" is declared by secrets, which layer "metallb" does not depend on; add the dependency or declare it here',
    ]);
  });

  test('GIVEN a built-in cluster-scoped kind without a namespace WHEN verified THEN it is accepted', () => {
    const rc = { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'gvisor' }, handler: 'runsc' };
    expect(findingsOf((f) => f.set('dist/metallb/runtimeclass-gvisor.yaml', rc))).toEqual([]);
  });
});

describe('secrets inside Argo CD configuration', () => {
  test('GIVEN a literal LDAP bind password in the Dex config WHEN verified THEN it is found; the $secret:key reference is not', () => {
    // The chart's argocd-cm, in the bootstrap and in its self-managed copy.
    const CMS = ['argocd/configmap-argocd-cm.yaml', 'dist/argocd/configmap-argocd-cm.yaml'];
    const REF = 'bindPW: $argocd-ldap:bindPW';
    const shipped = parse(rendered.find((r) => r.path === CMS[1])!.content) as Obj;
    expect(shipped.data['dex.config']).toContain(REF);
    expect(secretLiterals(shipped)).toEqual([]);
    const found = findingsOf((f) => {
      for (const p of CMS) {
        const cm = f.get(p) as Obj;
        cm.data['dex.config'] = cm.data['dex.config'].replace(REF, 'bindPW: hunter2');
      }
    });
    expect(found).toEqual(CMS.map((p) => `${p}: v1 ConfigMap argocd/argocd-cm: data.dex.config(yaml)[0].connectors[0].config.bindPW ${LITERAL}`));
  });
});

describe('secret literals in ExternalSecret templates and env pairs', () => {
  test('GIVEN a literal password in an ExternalSecret template WHEN verified THEN it is found; a {{ }} template value is not', () => {
    const es = (password: string) => ({
      apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'x', namespace: 'metallb-system' },
      spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'bitwarden-login' }, target: { name: 'x', template: { engineVersion: 'v2', data: { url: 'https://x', password } } }, data: [{ secretKey: 'password', remoteRef: { key: 'x', property: 'password' } }] },
    });
    const found = findingsOf((f) => f.set('dist/secrets/externalsecret-x.yaml', { ...es('hunter2'), metadata: { name: 'x', namespace: 'external-secrets' } }));
    expect(found).toContain('dist/secrets/externalsecret-x.yaml: external-secrets.io/v1 ExternalSecret external-secrets/x: spec.target.template.data.password holds a literal secret; reference it from Bitwarden (BitwardenSecret) instead');
    const quiet = findingsOf((f) => f.set('dist/secrets/externalsecret-x.yaml', { ...es('{{ .password }}'), metadata: { name: 'x', namespace: 'external-secrets' } }));
    expect(quiet.filter((x) => x.includes('literal secret'))).toEqual([]);
  });

  test('GIVEN a URL with a password in env and a DSN in a ConfigMap file, under harmless names WHEN verified THEN each fails with file and path; a user-only URL, a *_FILE path and a placeholder do not', () => {
    const env = [
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'GIT_URL', value: 'https://deploy@git.example.com/app.git' },
      { name: 'SMTP_URL_FILE', value: '/run/secrets/smtp-url' },
      { name: 'SMTP_URL', value: 'smtp://u:p@host' },
      { name: 'BROKER_URL', value: 'amqp://app:$(BROKER_PASSWORD)@mq' },
    ];
    const deployment = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'metallb-system' },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i:1.0', env }] } } },
    };
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'metallb-system' }, data: { 'app.ini': '[db]\nconnection = host=db user=app password=hunter2\n' } };
    const found = nonHaFindingsOf((f) => {
      f.set('dist/metallb/deployment-d.yaml', deployment);
      f.set('dist/metallb/configmap-c.yaml', cm);
    });
    expect(found).toEqual([
      'dist/metallb/configmap-c.yaml: v1 ConfigMap metallb-system/c: data.app.ini holds a literal secret, a connection string with a password (password=…); put the whole value in a Bitwarden item and read it through an ExternalSecret (an app: move the variable from env to secrets)',
      'dist/metallb/deployment-d.yaml: apps/v1 Deployment metallb-system/d: spec.template.spec.containers[0].env[3].value holds a literal secret, a URL with a password (smtp://u:…@host); put the whole value in a Bitwarden item and read it through an ExternalSecret (an app: move the variable from env to secrets)',
    ]);
  });

  test('GIVEN an env pair named like a secret with a literal value WHEN verified THEN it is found', () => {
    const deployment = (env: Obj[]) => ({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'metallb-system' },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i:1.0', env }] } } },
    });
    expect(nonHaFindingsOf((f) => f.set('dist/metallb/deployment-d.yaml', deployment([{ name: 'DB_PASSWORD', value: 'hunter2' }])))).toEqual([
      'dist/metallb/deployment-d.yaml: apps/v1 Deployment metallb-system/d: spec.template.spec.containers[0].env[0].value holds a literal secret; reference it from Bitwarden (BitwardenSecret) instead',
    ]);
    // The Secret it reads, an ExternalSecret makes (verify/pod-references): in a layer that syncs after the secrets layer.
    const made = { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 's', namespace: 'velero' }, spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'bitwarden-login' }, target: { name: 's' }, data: [{ secretKey: 'p', remoteRef: { key: 's', property: 'password' } }] } };
    const inVelero = deployment([{ name: 'DB_HOST', value: 'pg' }, { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 's', key: 'p' } } }]);
    (inVelero.metadata as Obj).namespace = 'velero';
    expect(nonHaFindingsOf((f) => {
      f.set('dist/backups/deployment-d.yaml', inVelero);
      f.set('dist/backups/externalsecret-s.yaml', made);
    })).toEqual([]);
  });
});
