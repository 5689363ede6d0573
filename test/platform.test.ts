import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { HEADER } from '../lib/render/rendered-file';
import { loadInputs, renderSite, synth, VerifyError } from '../lib/synth';
import { verifyTree } from '../lib/verify/verify';
import { ApiObject } from 'cdk8s';
import { Layer } from '../lib/layer';
import { LOCK_FILE } from '../lib/paas/lock';
import { locateKubectl } from '../lib/render/helm';
import { crdImportFiles } from '../lib/k8s/crd-imports';
import { layerNames, REPO, shippedRender, shippedSite, snapshotTree, tempRootWithOutputs } from './helpers';

describe('the whole platform for the shipped site', () => {
  const files = shippedRender();

  test('GIVEN the shipped site WHEN synthesized into a temp root THEN every object in dist/ and argocd/ validates strictly', () => {
    const root = tempRootWithOutputs();
    fs.copyFileSync(path.join(REPO, 'site.yaml'), path.join(root, 'site.yaml'));
    const result = synth({ root });
    expect(result.objects).toBeGreaterThanOrEqual(15);
    expect(verifyTree(root)).toEqual([]);
    fs.rmSync(root, { recursive: true });
  });

  test('GIVEN the same input twice WHEN rendered THEN the output is byte-identical', () => {
    // What the files hold (a file's digest is what a render happened to know without hashing: the
    // first render in a fresh checkout reads the committed chart renders, a later one in the same
    // process reuses them from its memo).
    const held = (fs: readonly { path: string; content: string; executable?: boolean }[]) => fs.map((f) => ({ path: f.path, content: f.content, executable: Boolean(f.executable) }));
    expect(held(shippedRender())).toEqual(held(files));
  });

  test('GIVEN the committed dist/ and argocd/ WHEN compared with a fresh render THEN they are identical (run npm run synth and commit if not)', () => {
    const committed = new Map<string, string>();
    for (const dir of ['dist', 'argocd', 'render-cache']) for (const [k, v] of snapshotTree(path.join(REPO, dir))) committed.set(`${dir}/${k}`, v);
    // Generated docs and reports sit beside hand-written ones: compare the generated files only.
    for (const f of files.filter((x) => x.path.startsWith('docs/') || x.path.startsWith('reports/') || x.path === LOCK_FILE)) {
      committed.set(f.path, fs.existsSync(path.join(REPO, f.path)) ? fs.readFileSync(path.join(REPO, f.path), 'utf8') : '(missing)');
    }
    expect(committed).toEqual(new Map(files.map((f) => [f.path, f.content])));
    for (const f of files.filter((x) => x.executable)) expect(fs.statSync(path.join(REPO, f.path)).mode & 0o111).not.toBe(0);
  });

  test('GIVEN the render WHEN read by a reviewer THEN there is one folder per layer, one file per object, named kind-name, no hashes', () => {
    const manifests = files.filter((f) => !f.path.startsWith('dist/hosts/') && !f.path.startsWith('docs/') && !f.path.startsWith('reports/') && !f.path.startsWith('render-cache/') && f.path !== LOCK_FILE);
    const dirs = [...new Set(manifests.map((f) => path.posix.dirname(f.path)))].sort();
    // One folder per layer of the layer index, the app of apps, the bootstrap and one per shipped app.
    const { site, apps } = loadInputs(REPO);
    const expected = ['argocd', 'dist/apps', ...layerNames(site).map((l) => `dist/${l}`), ...apps.map((a) => `dist/workloads/${a.name}`)];
    expect(dirs).toEqual(expected.sort());
    for (const f of manifests.filter((x) => !x.path.endsWith('kustomization.yaml'))) {
      const docs = f.content.split(/^---$/m);
      expect(docs).toHaveLength(1);
      const obj = parse(f.content);
      // Objects of one kind and name in several namespaces (each app namespace's default-deny) carry the namespace;
      // a character a Windows file name cannot hold (an RBAC name's ':') is '_'.
      const portable = (name: string) => name.replace(/[<>:"\\|?*]/g, '_');
      expect([`${obj.kind.toLowerCase()}-${obj.metadata.name}.yaml`, `${obj.kind.toLowerCase()}-${obj.metadata.namespace}-${obj.metadata.name}.yaml`].map(portable)).toContain(path.posix.basename(f.path));
      expect(obj.metadata.name).not.toMatch(/-c8[0-9a-f]{6,}$|-[0-9a-f]{8}$/);
      expect(f.content.startsWith(HEADER)).toBe(true);
    }
  });

  test('GIVEN a rendered object WHEN its keys are read THEN maps are sorted', () => {
    const check = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(check);
      else if (v && typeof v === 'object') {
        const keys = Object.keys(v);
        expect(keys).toEqual([...keys].sort());
        Object.values(v).forEach(check);
      }
    };
    // dist/hosts/kube-vip/kube-vip.yaml holds several documents (one file for k3s's manifests folder).
    // render-cache/ holds helm's own output, as helm printed it.
    for (const f of files.filter((x) => x.path.endsWith('.yaml') && !x.path.startsWith('render-cache/'))) for (const doc of parseAllDocuments(f.content)) check(doc.toJS());
  });

  test('GIVEN a layer that renders an invalid object WHEN synthesized THEN verify fails naming it and dist/ is untouched', () => {
    const root = tempRootWithOutputs();
    const before = snapshotTree(root);
    const broken = (scope: import('constructs').Construct) => {
      const layer = new Layer(scope, { name: 'broken', description: 'x', namespace: 'default' });
      new ApiObject(layer, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' }, dataa: { a: 'b' } } as never);
      return layer;
    };
    let error: unknown;
    try {
      synth({ root, siteFile: path.join(REPO, 'site.yaml'), layers: [broken] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VerifyError);
    expect((error as Error).message).toContain('dist/broken/configmap-cm.yaml: v1 ConfigMap default/cm: unknown field "dataa"');
    expect(snapshotTree(root)).toEqual(before);
    fs.rmSync(root, { recursive: true });
  });

  test('GIVEN an object without an explicit name WHEN rendered THEN synth refuses generated names', () => {
    const unnamed = (scope: import('constructs').Construct) => {
      const layer = new Layer(scope, { name: 'unnamed', description: 'x', namespace: 'default' });
      new ApiObject(layer, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'default' } });
      return layer;
    };
    expect(() => renderSite(shippedSite(), [unnamed])).toThrow('unnamed/cm: ConfigMap has no explicit metadata.name');
  });
});

describe('the command line', () => {
  const tsx = path.join(REPO, 'node_modules', '.bin', 'tsx');

  test('GIVEN a broken site WHEN npm run synth runs THEN it exits non-zero naming the field and dist/ is unchanged', () => {
    const root = tempRootWithOutputs();
    const before = snapshotTree(root);
    const run = spawnSync(tsx, ['main.ts', '--root', root, '--site', 'test/fixtures/invalid/two-servers.yaml'], { cwd: REPO, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('test/fixtures/invalid/two-servers.yaml:14:3: nodes: embedded etcd needs an odd number of servers');
    expect(run.stderr).toContain('synth: left every output unchanged (dist/, argocd/, render-cache/, docs/, reports/, apps.lock.yaml).');
    expect(snapshotTree(root)).toEqual(before);
    fs.rmSync(root, { recursive: true });
  });

  test('GIVEN a valid site WHEN npm run synth runs on another checkout THEN it renders there and says so', () => {
    const root = tempRootWithOutputs();
    fs.rmSync(path.join(root, 'dist'), { recursive: true });
    fs.copyFileSync(path.join(REPO, 'site.yaml'), path.join(root, 'site.yaml'));
    const run = spawnSync(tsx, ['main.ts', '--root', root], { cwd: REPO, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // What it did first (no dist/ there before: a first render), then its last line as ever.
    expect(run.stdout).toMatch(/^synth: first render: \d+ objects in \d+ groups; join the nodes as dist\/hosts\/README\.md says\nsynth: wrote \d+ objects in \d+ files, rendered and verified, to dist\/, argocd\/, render-cache\/, docs\/ \(\d+ files\), reports\/ \(1 file\) and apps\.lock\.yaml in \d+ ms\n$/);
    expect(snapshotTree(path.join(root, 'dist'))).toEqual(snapshotTree(path.join(REPO, 'dist')));
    // Again on the same checkout: nothing changed, and it says so.
    const again = spawnSync(tsx, ['main.ts', '--root', root], { cwd: REPO, encoding: 'utf8' });
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^synth: no rendered object changed since the previous render \(nor any host file\)\nsynth: wrote \d+ objects/);
    fs.rmSync(root, { recursive: true });
  });

  test('GIVEN cdk8s synth (CDK8S_OUTDIR) WHEN main.ts runs THEN output dist/ is what synth wrote, another folder gets a copy, and one overlapping dist/ is refused', () => {
    const root = tempRootWithOutputs();
    fs.copyFileSync(path.join(REPO, 'site.yaml'), path.join(root, 'site.yaml'));
    // As cdk8s does with `output: dist`: empty the folder, then run the app with CDK8S_OUTDIR.
    fs.rmSync(path.join(root, 'dist'), { recursive: true });
    const dist = spawnSync(tsx, ['main.ts', '--root', root], { cwd: REPO, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: path.join(root, 'dist') } });
    expect(dist.stderr).toBe('');
    expect(dist.status).toBe(0);
    expect(snapshotTree(path.join(root, 'dist'))).toEqual(snapshotTree(path.join(REPO, 'dist')));
    const scratch = path.join(root, '.cdk8s.out');
    const ok = spawnSync(tsx, ['main.ts', '--root', root], { cwd: REPO, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: scratch } });
    expect(ok.status).toBe(0);
    expect(snapshotTree(scratch)).toEqual(snapshotTree(path.join(root, 'dist')));
    const bad = spawnSync(tsx, ['main.ts', '--root', root], { cwd: REPO, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: path.join(root, 'dist', 'apps') } });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('overlaps the rendered output; set cdk8s.yaml "output" to dist');
    expect(snapshotTree(path.join(root, 'dist'))).toEqual(snapshotTree(path.join(REPO, 'dist')));
    fs.rmSync(root, { recursive: true });
  });

  test('GIVEN cdk8s synth emptied dist/ WHEN the synth then fails THEN it says how to bring the committed dist/ back', () => {
    const root = tempRootWithOutputs();
    fs.writeFileSync(path.join(root, 'site.yaml'), 'name: [not, a, name]\n');
    fs.rmSync(path.join(root, 'dist'), { recursive: true });
    const run = spawnSync(tsx, ['main.ts', '--root', root], { cwd: REPO, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: path.join(root, 'dist') } });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('synth: cdk8s synth deleted dist/ before it ran this synth (cdk8s empties its output folder first): `git checkout -- dist` brings back the committed one.');
    fs.rmSync(root, { recursive: true });
  });

  test('GIVEN an unknown option WHEN npm run synth runs THEN it refuses instead of ignoring it (exit 2: a usage error)', () => {
    const run = spawnSync(tsx, ['main.ts', '--sit', 'x.yaml'], { cwd: REPO, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("synth: unknown option '--sit' (Did you mean --site?) (tsys synth --help shows the usage)");
  });

  test('GIVEN the committed tree WHEN npm run verify runs THEN it passes', () => {
    const out = execFileSync(tsx, ['scripts/verify.ts'], { cwd: REPO, encoding: 'utf8' });
    expect(out).toMatch(/^verify: dist\/ and argocd\/ are valid/);
  });

  test('GIVEN argocd/ WHEN built by the pinned kubectl kustomize offline THEN it yields Argo CD as plain objects with the root Application and the project, and no HelmChart', () => {
    const out = execFileSync(locateKubectl(), ['kustomize', path.join(REPO, 'argocd')], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const docs = parseAllDocuments(out).map((d) => d.toJS());
    const names = docs.map((d) => `${d.kind}/${d.metadata.name}`);
    expect(names).toEqual(expect.arrayContaining([
      'Namespace/argocd', 'CustomResourceDefinition/applications.argoproj.io', 'Deployment/argocd-server', 'Deployment/argocd-repo-server',
      'StatefulSet/argocd-redis-ha-server', 'Application/root', 'AppProject/platform',
    ]));
    expect(docs.filter((d) => d.kind === 'HelmChart')).toEqual([]);
  });

  test('GIVEN cdk8s.yaml WHEN read THEN cdk8s synth runs main.ts into dist/ and cdk8s import reads the committed CRD files npm run import writes', () => {
    const config = parse(fs.readFileSync(path.join(REPO, 'cdk8s.yaml'), 'utf8'));
    expect(config.app).toBe('node --require tsx/cjs main.ts');
    expect(config.output).toBe('dist');
    expect(config.language).toBe('typescript');
    const expected = crdImportFiles((file) => JSON.parse(fs.readFileSync(path.join(REPO, 'imports', 'schemas', file), 'utf8')));
    expect(config.imports).toEqual(expected.map((f) => f.path));
    for (const f of expected) expect(fs.readFileSync(path.join(REPO, f.path), 'utf8')).toBe(f.content);
    // Each listed group has its generated classes (cdk8s names the module after the group).
    for (const f of expected) expect(fs.existsSync(path.join(REPO, 'imports', `${path.basename(f.path, '.yaml')}.ts`))).toBe(true);
  });
});
