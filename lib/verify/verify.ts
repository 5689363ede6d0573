import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { ANNOTATIONS } from '../gitops/argocd';
import { CORE_API_GROUPS, isBuiltinApi } from '../gitops/builtin-apis';
import { apiRefMatches, ApiRef, parseApiRef } from '../layer';
import { isClusterScoped, splitApiVersion } from './kinds';
import { SchemaRegistry } from './schemas';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One object read back from the rendered tree. */
export interface LoadedObject {
  /** Path relative to the tree root, e.g. `dist/metallb/l2advertisement-l2.yaml`. */
  readonly file: string;
  readonly obj: Json;
}

/** One problem: the file, the object in it, and what is wrong. */
export interface Finding {
  readonly file: string;
  /** `apiVersion Kind namespace/name`, when the finding is about one object. */
  readonly object?: string;
  readonly message: string;
}

export function formatFinding(f: Finding): string {
  return `${f.file}: ${f.object ? `${f.object}: ` : ''}${f.message}`;
}

/** Folders under dist/ that are not layers. */
const NON_LAYER_DIRS = new Set(['apps', 'hosts']);
const BUILTIN_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

export function describeObject(obj: Json): string {
  const ns = obj?.metadata?.namespace;
  return `${obj?.apiVersion} ${obj?.kind} ${ns ? `${ns}/` : ''}${obj?.metadata?.name}`;
}

function identity(obj: Json): string {
  const { group } = splitApiVersion(String(obj.apiVersion));
  return `${group}/${obj.kind}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}`;
}

function walk(dir: string, rel = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name), `${rel}${e.name}/`) : [`${rel}${e.name}`]);
}

/** Reads every manifest under `<root>/dist` and `<root>/argocd`. */
export function loadTree(root: string): { objects: LoadedObject[]; findings: Finding[]; files: string[] } {
  const objects: LoadedObject[] = [];
  const findings: Finding[] = [];
  const files = [...walk(path.join(root, 'dist'), 'dist/'), ...walk(path.join(root, 'argocd'), 'argocd/')];
  for (const file of files) {
    const inHosts = file.startsWith('dist/hosts/');
    if (inHosts) continue;
    if (!file.endsWith('.yaml')) {
      findings.push({ file, message: 'only .yaml manifests belong here (Argo CD reads every .yaml/.json in an Application path); move other files out' });
      continue;
    }
    if (file === 'argocd/kustomization.yaml') continue;
    const docs = parseAllDocuments(fs.readFileSync(path.join(root, file), 'utf8'));
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      if (doc.errors.length) {
        findings.push({ file, message: `YAML: ${doc.errors[0].message.split('\n')[0]}` });
        continue;
      }
      const obj = doc.toJS() as Json | null;
      if (obj === null) continue;
      if (typeof obj !== 'object' || Array.isArray(obj)) findings.push({ file, message: 'a manifest must be a map with apiVersion, kind and metadata' });
      else objects.push({ file, obj });
    }
  }
  return { objects, findings, files };
}

function wave(obj: Json): number {
  return Number(obj.metadata?.annotations?.[ANNOTATIONS.syncWave] ?? 0);
}

/** APIs an object installs: declared on Applications, or the CustomResourceDefinition itself. */
function provides(obj: Json): ApiRef[] {
  if (obj.kind === 'CustomResourceDefinition' && String(obj.apiVersion).startsWith('apiextensions.k8s.io/')) {
    return [{ group: obj.spec?.group ?? '', kind: obj.spec?.names?.kind ?? '' }];
  }
  const text: string | undefined = obj.metadata?.annotations?.[ANNOTATIONS.providesApis];
  return text ? text.split(',').map((s) => parseApiRef(s.trim())) : [];
}

/** Folders of an Application's sources; only those in `repos` when given. */
function sourcePaths(app: Json, repos?: ReadonlySet<string>): string[] {
  const sources: Json[] = [...(app.spec?.source ? [app.spec.source] : []), ...(app.spec?.sources ?? [])];
  return sources
    .filter((s) => typeof s.path === 'string' && (!repos || repos.has(String(s.repoURL))))
    .map((s) => String(s.path).replace(/\/+$/, ''));
}

/** Field names whose values are secrets (compared lower-case). */
const SECRET_KEYS = new Set(['password', 'passwd', 'pass', 'token', 'secret', 'apikey', 'api_key', 'privatekey', 'private_key',
  'clientsecret', 'client_secret', 'secretkey', 'secret_key', 'accesskey', 'access_key', 'secretaccesskey', 'secret_access_key']);
const SECRET_SUFFIXES = ['password', 'passwd', 'token', 'apikey', 'privatekey'];
/** Kinds this rule skips: External Secrets plumbing holds references by design; a Secret's data has its own rule. */
const REFERENCE_KINDS = new Set(['ExternalSecret', 'ClusterExternalSecret', 'SecretStore', 'ClusterSecretStore', 'Secret']);

/** Fields that look like secrets but hold a reference, with the form the reference must have. */
const SECRET_REFERENCES: readonly { kind: string; field: string; form: RegExp }[] = [
  // Rancher resolves `<namespace>:<secret>` to the Secret's `serviceaccountpassword` key.
  { kind: 'AuthConfig', field: 'serviceAccountPassword', form: /^cattle-global-data:[a-z0-9.-]+$/ },
];

function isSecretKey(key: string): boolean {
  const k = key.toLowerCase();
  return SECRET_KEYS.has(k) || SECRET_SUFFIXES.some((s) => k.endsWith(s));
}

/**
 * Paths of string fields named like secrets that hold a literal value, including inside Helm
 * values (`valuesObject`, and the YAML of a HelmChart's `valuesContent`).
 */
export function secretLiterals(obj: Json): string[] {
  const out: string[] = [];
  if (REFERENCE_KINDS.has(String(obj.kind))) return out;
  const walk = (value: unknown, at: string, key: string) => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${at}[${i}]`, key));
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, at ? `${at}.${k}` : k, k);
    } else if (typeof value === 'string') {
      if (key === 'valuesContent') {
        let parsed: unknown;
        try {
          parsed = parseAllDocuments(value).map((d) => d.toJS());
        } catch {
          parsed = undefined;
        }
        walk(parsed, `${at}(yaml)`, '');
      } else if (isSecretKey(key) && value !== '' && !value.startsWith('bitwarden:')) {
        const ref = SECRET_REFERENCES.find((r) => r.kind === obj.kind && r.field === at);
        if (!ref || !ref.form.test(value)) out.push(at);
      }
    }
  };
  walk(obj, '', '');
  return out;
}

function podTemplateLabels(obj: Json): Record<string, string> | undefined {
  switch (obj.kind) {
    case 'Pod':
      return obj.metadata?.labels;
    case 'CronJob':
      return obj.spec?.jobTemplate?.spec?.template?.metadata?.labels;
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job': case 'Rollout':
      return obj.spec?.template?.metadata?.labels;
    default:
      return undefined;
  }
}

/**
 * Checks a rendered tree (`<root>/dist`, `<root>/argocd`) exactly as Argo CD will apply it:
 * strict schemas, then the reference rules. Returns every finding; empty means valid.
 */
export function verifyTree(root: string, registry: SchemaRegistry = new SchemaRegistry()): Finding[] {
  const { objects, findings, files } = loadTree(root);
  const add = (o: LoadedObject, message: string) => findings.push({ file: o.file, object: describeObject(o.obj), message });

  // 1. Shape and strict schemas.
  const valid: LoadedObject[] = [];
  for (const o of objects) {
    if (typeof o.obj.apiVersion !== 'string' || typeof o.obj.kind !== 'string' || typeof o.obj.metadata?.name !== 'string') {
      add(o, 'apiVersion, kind and metadata.name are required');
      continue;
    }
    valid.push(o);
    for (const p of registry.validate(o.obj)) add(o, `${p.field ? `${p.field}: ` : ''}${p.message}`);
    if (o.obj.status !== undefined) add(o, 'has a status block; rendered objects must not (Argo CD would show OutOfSync forever)');
    const w = o.obj.metadata?.annotations?.[ANNOTATIONS.syncWave];
    if (w !== undefined && !/^-?\d+$/.test(String(w))) add(o, `${ANNOTATIONS.syncWave} "${w}" is not an integer`);
  }

  // 2. No secret material in git.
  for (const o of valid) {
    if (o.obj.kind === 'Secret' && splitApiVersion(o.obj.apiVersion).group === '' && (o.obj.data !== undefined || o.obj.stringData !== undefined)) {
      add(o, 'a Secret with data or stringData would put secret material in git; ask for it from Bitwarden with an ExternalSecret instead');
    }
  }

  // 2b. No secret value anywhere else either (fields named like secrets, Helm values included).
  for (const o of valid) {
    for (const leak of secretLiterals(o.obj)) add(o, `${leak} holds a literal secret; reference it from Bitwarden (BitwardenSecret) instead`);
  }

  // 3. No duplicate objects within dist/ or within argocd/.
  for (const top of ['dist/', 'argocd/']) {
    const seen = new Map<string, string>();
    for (const o of valid.filter((x) => x.file.startsWith(top))) {
      const id = identity(o.obj);
      const prev = seen.get(id);
      if (prev) add(o, `duplicate object (also in ${prev}); two Applications would fight over it`);
      else seen.set(id, o.file);
    }
  }

  // 4. Namespaces: declared when namespaced, absent when cluster-scoped.
  const declared = new Set([...BUILTIN_NAMESPACES, ...valid.filter((o) => o.obj.kind === 'Namespace' && o.obj.apiVersion === 'v1').map((o) => o.obj.metadata.name as string)]);
  for (const o of valid) {
    const { group } = splitApiVersion(o.obj.apiVersion);
    const ns: string | undefined = o.obj.metadata.namespace;
    if (isClusterScoped(group, o.obj.kind)) {
      if (ns !== undefined) add(o, `is cluster-scoped but sets metadata.namespace "${ns}"; remove it`);
    } else if (ns === undefined) {
      add(o, 'is namespaced but sets no metadata.namespace; set it explicitly');
    } else if (!declared.has(ns)) {
      add(o, `namespace "${ns}" is not declared; render a Namespace object for it`);
    }
  }

  // 5. Service selectors match a pod template in the same namespace.
  for (const o of valid.filter((x) => x.obj.kind === 'Service' && x.obj.apiVersion === 'v1')) {
    const selector: Record<string, string> | undefined = o.obj.spec?.selector;
    if (!selector || Object.keys(selector).length === 0 || o.obj.spec?.type === 'ExternalName') continue;
    const matched = valid.some((p) => {
      const labels = p.obj.metadata.namespace === o.obj.metadata.namespace ? podTemplateLabels(p.obj) : undefined;
      return !!labels && Object.entries(selector).every(([k, v]) => labels[k] === v);
    });
    if (!matched) add(o, `selector ${JSON.stringify(selector)} matches no pod template in namespace "${o.obj.metadata.namespace}"`);
  }

  // 6. Applications point at folders that exist; every layer folder has exactly one Application.
  // This repository is the one the app of apps reads from; other repositories' folders (upstream
  // components from Git) are not in this tree.
  const apps = valid.filter((o) => o.obj.kind === 'Application' && splitApiVersion(o.obj.apiVersion).group === 'argoproj.io');
  const ownRepos = new Set(apps.filter((a) => a.file.startsWith('dist/apps/')).flatMap((a) => [a.obj.spec?.source, ...(a.obj.spec?.sources ?? [])])
    .filter((s: Json | undefined) => typeof s?.path === 'string' && String(s.path).startsWith('dist/')).map((s: Json) => String(s.repoURL)));
  const dirs = new Set(files.map((f) => path.posix.dirname(f)));
  for (const app of apps) {
    for (const p of sourcePaths(app.obj, ownRepos)) {
      if (!dirs.has(p)) add(app, `source path "${p}" does not exist in the rendered tree (or holds no files)`);
    }
  }
  const layerApps = new Map<string, LoadedObject>();
  for (const app of apps.filter((a) => a.file.startsWith('dist/apps/'))) {
    for (const p of sourcePaths(app.obj)) {
      const m = /^dist\/([^/]+)$/.exec(p);
      if (!m || m[1] === 'apps') continue;
      if (layerApps.has(m[1])) add(app, `a second Application for dist/${m[1]} (also ${layerApps.get(m[1])!.file})`);
      else layerApps.set(m[1], app);
    }
  }
  const layerDirs = [...new Set(files.filter((f) => f.startsWith('dist/')).map((f) => f.split('/')[1]))].filter((d) => !NON_LAYER_DIRS.has(d) && !d.includes('.'));
  for (const dir of layerDirs) {
    if (!layerApps.has(dir)) findings.push({ file: `dist/${dir}`, message: 'no Application in dist/apps syncs this folder; nothing would ever apply it' });
  }

  // 7. Layer order: dependencies sync in an earlier wave.
  const layerWave = (name: string) => (layerApps.has(name) ? wave(layerApps.get(name)!.obj) : undefined);
  for (const app of layerApps.values()) {
    const deps: string = app.obj.metadata.annotations?.[ANNOTATIONS.dependsOn] ?? '';
    for (const dep of deps.split(',').map((s) => s.trim()).filter(Boolean)) {
      const w = layerWave(dep);
      if (w === undefined) add(app, `depends on layer "${dep}", which has no Application in dist/apps`);
      else if (w >= wave(app.obj)) add(app, `depends on layer "${dep}" (wave ${w}) but syncs in wave ${wave(app.obj)}; it must sync later`);
    }
  }

  // 8. Every custom resource's API is installed before it syncs.
  for (const o of valid) {
    const { group } = splitApiVersion(o.obj.apiVersion);
    const kind: string = o.obj.kind;
    if (CORE_API_GROUPS.has(group) || registry.isCoreKind(o.obj.apiVersion, kind) || isBuiltinApi(group, kind)) continue;
    const api = `${group}/${kind}`;
    const m = /^dist\/([^/]+)\//.exec(o.file);
    const layer = m && !NON_LAYER_DIRS.has(m[1]) ? m[1] : undefined;
    if (!layer) {
      add(o, `${api} is not installed before ${o.file.split('/')[0]}/ syncs; only built-in and pre-installed APIs may be used here`);
      continue;
    }
    const own = valid.find((p) => p.file.startsWith(`dist/${layer}/`) && p !== o && provides(p.obj).some((r) => apiRefMatches(r, group, kind)));
    if (own) {
      if (wave(o.obj) <= wave(own.obj)) add(o, `${api} is installed by ${describeObject(own.obj)} in the same layer, which syncs in wave ${wave(own.obj)}; this object syncs in wave ${wave(o.obj)} and must sync later`);
      const opts: string = o.obj.metadata.annotations?.[ANNOTATIONS.syncOptions] ?? '';
      if (!opts.includes('SkipDryRunOnMissingResource=true')) add(o, `${api} is installed in the same sync; set ${ANNOTATIONS.syncOptions}: SkipDryRunOnMissingResource=true`);
      continue;
    }
    const mine = layerWave(layer);
    const earlier = [...layerApps.entries()].filter(([, app]) => provides(app.obj).some((r) => apiRefMatches(r, group, kind)));
    if (earlier.length === 0) add(o, `no layer provides ${api} (no Application declares it in ${ANNOTATIONS.providesApis})`);
    else if (mine !== undefined && !earlier.some(([, app]) => wave(app.obj) < mine)) {
      add(o, `${api} is provided by layer "${earlier[0][0]}" (wave ${wave(earlier[0][1].obj)}), which does not sync before layer "${layer}" (wave ${mine})`);
    }
  }

  // 9. The bootstrap is the self-managed copy: argocd/ equals its twins in dist/argocd.
  const distById = new Map(valid.filter((o) => o.file.startsWith('dist/')).map((o) => [identity(o.obj), o]));
  const bootstrap = valid.filter((o) => o.file.startsWith('argocd/'));
  for (const o of bootstrap) {
    const twin = distById.get(identity(o.obj));
    if (!twin) add(o, 'is in the bootstrap but not in dist/; after bootstrap nothing would manage it');
    else if (JSON.stringify(twin.obj) !== JSON.stringify(o.obj)) add(o, `differs from its self-managed copy ${twin.file}; the first sync would change what bootstrap installed`);
  }
  if (files.some((f) => f.startsWith('argocd/'))) {
    const kfile = path.join(root, 'argocd', 'kustomization.yaml');
    const listed: string[] = fs.existsSync(kfile) ? ((parseAllDocuments(fs.readFileSync(kfile, 'utf8')) as unknown as { toJS(): Json }[])[0]?.toJS()?.resources ?? []) : [];
    const present = files.filter((f) => f.startsWith('argocd/') && f !== 'argocd/kustomization.yaml').map((f) => f.slice('argocd/'.length));
    if (JSON.stringify([...listed].sort()) !== JSON.stringify([...present].sort())) {
      findings.push({ file: 'argocd/kustomization.yaml', message: `resources ${JSON.stringify(listed)} must list exactly the manifests in argocd/ ${JSON.stringify(present)}` });
    }
  } else {
    findings.push({ file: 'argocd/', message: 'the bootstrap is missing; run npm run synth' });
  }
  if (!files.some((f) => f.startsWith('dist/apps/'))) findings.push({ file: 'dist/apps/', message: 'the app of apps is missing; run npm run synth' });
  // Stable order: by file, then in the order the rules ran.
  return findings.map((f, i) => ({ f, i })).sort((a, b) => (a.f.file < b.f.file ? -1 : a.f.file > b.f.file ? 1 : a.i - b.i)).map((x) => x.f);
}
