import { createHash } from 'crypto';
import { pemProblem } from '../config/pem';
import type { PlatformFacts } from '../facts/facts';
import { ANNOTATIONS } from '../gitops/argocd';
import { apiGroup, isCrd, valueAt, JsonMap } from '../k8s/manifest';
import type { LoadedObject } from '../k8s/tree';
import type { CheckCache } from './check-cache';
import { apiServerProblems } from './api-validation';
import type { SchemaProblem, SchemaRegistry } from './schemas';
import { literalsNamed, nameDigests, objectSecrets, SecretLiteralCandidate, SecretValueAt } from './secret-literals';
import type { Vouching } from './vouched';

/** A problem found while reading the tree: on an object, or on a file. */
export interface TreeFinding {
  readonly at: LoadedObject | string;
  readonly message: string;
}

/** What every rule sees: the rendered tree, read back (lib/verify/tree-of.ts builds it). */
export interface Tree {
  readonly root: string;
  /** Every file under dist/ and argocd/, relative to the root. */
  readonly files: readonly string[];
  /** Objects with apiVersion, kind and metadata.name. */
  readonly objects: readonly LoadedObject[];
  /** The Application in dist/apps that syncs each layer folder. */
  readonly layerApps: ReadonlyMap<string, LoadedObject>;
  /**
   * The Application (in a layer folder) that syncs each app folder `dist/workloads/<app>`, and
   * that layer: the app folder syncs after it and sees what it sees.
   * @default - none
   */
  readonly workloadApps?: ReadonlyMap<string, { readonly app: LoadedObject; readonly layer: string }>;
  readonly registry: SchemaRegistry;
  /** What the platform declares about its objects (lib/facts): runtime selectors, API providers, layer dependencies, volumes. */
  readonly facts: PlatformFacts;
  /** Files that do not read as manifests, and objects without apiVersion, kind or metadata.name (left out of `objects`). @default - none */
  readonly malformed?: readonly TreeFinding[];
  /** Applications that sync a folder another Application already syncs (left out of `layerApps`, `workloadApps`). @default - none */
  readonly secondApplications?: readonly TreeFinding[];
  /** The text of a file of the tree (relative to the root), or undefined when it is not there. @default - read under `root` */
  readonly read?: (file: string) => string | undefined;
  /** Results of the per-object checks (schemas, secrets) of an earlier run, by content (./check-cache.ts). @default - every check runs */
  readonly checks?: CheckCache;
  /** Apps whose per-object checks found nothing in the synth that recorded them (./vouched.ts), and where to tell what was checked. @default - every object is checked */
  readonly vouched?: Vouching;
}

/** The plain verify rules' ids (lib/verify/verify-rules.ts), in the order verify runs them. */
export type VerifyRuleId =
  | 'verify/manifests' | 'verify/one-application' | 'verify/schemas' | 'verify/secrets' | 'verify/duplicates' | 'verify/namespaces'
  | 'verify/service-selectors' | 'verify/route-backends' | 'verify/application-paths' | 'verify/plain-sources' | 'verify/layer-order' | 'verify/api-providers'
  | 'verify/bootstrap' | 'verify/backup-coverage' | 'verify/directory-consumers' | 'verify/sso-clients' | 'verify/excluded-resources'
  | 'verify/monitor-reach' | 'verify/route-reach' | 'verify/pod-references' | 'verify/rbac-references';

/** Reports a finding about one object. */
export type Report = (o: LoadedObject, message: string) => void;
/** Reports a finding about a file. */
export type ReportFile = (file: string, message: string) => void;

export { layerOf, ownerLayer } from './tree-index';

/**
 * Results of the per-object checks of CustomResourceDefinitions, by their content: the same
 * upstream CRDs (hundreds of kilobytes of schema each) come back in every verify of a process
 * (tests, whatif, the bench), and checking one costs far more than writing it out.
 */
const crdChecks = new Map<string, unknown>();
/** The hash of each CRD's JSON, once per object (a CRD's JSON is hundreds of kilobytes: one stringify per object, not one per check). */
const crdDigests = new WeakMap<object, string>();
function crdDigest(tree: Tree, crd: JsonMap): string {
  let digest = tree.checks?.digest(crd) ?? crdDigests.get(crd);
  if (digest === undefined) crdDigests.set(crd, (digest = createHash('sha256').update(JSON.stringify(crd)).digest('hex')));
  return digest;
}
function perCrd<T>(tree: Tree, o: LoadedObject, check: string, run: () => T): T {
  if (o.obj.kind !== 'CustomResourceDefinition') return run();
  const key = `${check}\0${crdDigest(tree, o.obj)}`;
  if (!crdChecks.has(key)) crdChecks.set(key, run());
  return crdChecks.get(key) as T;
}

/** A per-object check: from the tree's cache of results when it has one (`check` names everything else the result depends on), else run. */
function checked<T>(tree: Tree, o: LoadedObject, check: string, run: () => T): T {
  const checks = tree.checks;
  return perCrd(tree, o, check, checks ? () => checks.run(check, o.obj, run) : run);
}

/** Reports what reading the tree found: a finding on an object or on a file. */
function reportAll(found: readonly TreeFinding[] | undefined, report: Report, reportFile: ReportFile): void {
  for (const f of found ?? []) {
    if (typeof f.at === 'string') reportFile(f.at, f.message);
    else report(f.at, f.message);
  }
}

/** Every file reads as manifests, and every object has apiVersion, kind and metadata.name. */
export function checkManifests(tree: Tree, report: Report, reportFile: ReportFile): void {
  reportAll(tree.malformed, report, reportFile);
}

/** What the per-object checks found on one object: its schema problems and its secret scans (none depends on the rest of the tree). */
interface ObjectFindings {
  readonly schema: readonly SchemaProblem[];
  /** Fields that hold a literal secret unless they name a Secret External Secrets creates (`secretLiteralCandidates`). */
  readonly literals: readonly SecretLiteralCandidate[];
  readonly values: readonly SecretValueAt[];
  readonly keys: readonly string[];
}

const objectFindingsOf = new WeakMap<Tree, readonly ObjectFindings[]>();

const changedOf = new WeakMap<Tree, ReadonlySet<string>>();

/**
 * Tells that every object of `tree` outside the files `changed` passes the per-object checks
 * (schemas, secrets) as it is: the same document, schemas and ExternalSecrets as in the tree synth
 * verified last (./verified-tree.ts `Unchanged.perObject`). Those objects are then neither checked
 * nor looked up in the cache of results, unless their app's line records what was checked
 * (`Vouching.records`). Call before the rules run.
 */
export function verifiedExcept(tree: Tree, changed: ReadonlySet<string>): void {
  changedOf.set(tree, changed);
}

/** Whether what verify tells of the object in `file` is recorded (`Vouching.records`; without it, every file's is; without vouching, none). */
function recorded(tree: Tree, file: string): boolean {
  const vouching = tree.vouched;
  return vouching !== undefined && (vouching.records === undefined || vouching.records(file));
}

/**
 * Whether an object's per-object checks are left out: it is known to find nothing (`verifiedExcept`)
 * and what verify tells of it is not recorded (an object whose app's line is recorded is checked,
 * and its findings reported, so that no line records as checked what was not).
 */
function leftOut(tree: Tree, o: LoadedObject): boolean {
  const changed = changedOf.get(tree);
  return changed !== undefined && !changed.has(o.file) && !recorded(tree, o.file);
}

/**
 * The per-object checks of every object (in the tree's order), worked out once per tree for the
 * schema and secret rules, with one look-up per object in the tree's cache of results: the check
 * is named by the schema the object is checked against (its apiVersion and kind, and the tree's
 * CRDs). Custom resources whose CRD the tree renders are checked against that CRD.
 */
function objectFindings(tree: Tree): readonly ObjectFindings[] {
  let found = objectFindingsOf.get(tree);
  if (found) return found;
  const vouched = vouchedFiles(tree);
  const told = tree.vouched?.checked;
  const identities = new Map<string, string>();
  found = tree.objects.map((o) => {
    const gvk = `${String(o.obj.apiVersion)}\0${String(o.obj.kind)}`;
    let identity = identities.get(gvk);
    if (identity === undefined) identities.set(gvk, (identity = tree.registry.schemaIdentity(o.obj)));
    // A vouched object found nothing last time against the same schemas: neither run nor looked up.
    const literals = vouched.get(o.file);
    // Nor is one known to pass, unless what it is told is recorded.
    if (!literals && leftOut(tree, o)) {
      // Its result is kept for a later run that cannot leave it out.
      tree.checks?.keep(`schema and secrets ${identity}`, o.obj);
      return NOTHING_FOUND;
    }
    const result = literals ? (literals.length ? { schema: NONE, literals, values: NONE, keys: NONE } : NOTHING_FOUND) : checked(tree, o, `schema and secrets ${identity}`, (): ObjectFindings => ({ schema: schemaProblems(tree, o), ...objectSecrets(o.obj) }));
    told?.(o.file, String(o.obj.apiVersion), String(o.obj.kind), identity, result.literals);
    return result;
  });
  objectFindingsOf.set(tree, found);
  return found;
}

/** An object's problems against its schema, then what the API server would refuse beyond it (./api-validation.ts). */
function schemaProblems(tree: Tree, o: LoadedObject): SchemaProblem[] {
  const problems = tree.registry.validate(o.obj);
  const api = apiServerProblems(o.obj);
  return api.length ? [...problems, ...api] : problems;
}

const NONE: readonly never[] = [];

/** What the per-object checks found on a vouched object with no named candidate (most of them): one record, shared. */
const NOTHING_FOUND: ObjectFindings = { schema: NONE, literals: NONE, values: NONE, keys: NONE };

const crdsRegistered = new WeakSet<Tree>();

/** Registers the tree's CustomResourceDefinitions with its schema registry (once per tree): custom resources are checked against them. */
export function registerCrds(tree: Tree): void {
  if (crdsRegistered.has(tree)) return;
  crdsRegistered.add(tree);
  for (const o of tree.objects) {
    if (isCrd(o.obj)) tree.registry.addCrd(o.obj, crdDigest(tree, o.obj));
  }
}

const vouchedOf = new WeakMap<Tree, ReadonlyMap<string, readonly SecretLiteralCandidate[]>>();

/**
 * The files of the tree's vouched apps (`Tree.vouched`) whose per-object checks are taken as
 * found nothing, with each file's named secret-literal candidates: an app is vouched for only
 * while every schema identity it recorded is today's (the tree's CRDs registered first; a rendered
 * CRD of another layer may have changed one) and it renders no CRD (which would change others').
 */
export function vouchedFiles(tree: Tree): ReadonlyMap<string, readonly SecretLiteralCandidate[]> {
  let files = vouchedOf.get(tree);
  if (files) return files;
  registerCrds(tree);
  const out = new Map<string, readonly SecretLiteralCandidate[]>();
  for (const app of tree.vouched?.apps ?? []) {
    if (app.files.length !== app.candidates.length) continue;
    if (app.identities.some(([apiVersion, kind, identity]) => kind === 'CustomResourceDefinition' || tree.registry.schemaIdentity({ apiVersion, kind }) !== identity)) continue;
    app.files.forEach((f, i) => out.set(f, app.candidates[i]));
  }
  vouchedOf.set(tree, (files = out));
  return files;
}

/** Fields of metadata the API server sets on a live object: never in a manifest (Argo CD would fight over them, or the apply fails). */
const SERVER_OWNED_METADATA = ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const;

/** The API server's limit on an object's annotations, keys and values together (bytes). */
const MAX_ANNOTATION_BYTES = 256 * 1024;

/** Strict schemas, no status blocks, no metadata the API server sets, annotations within its limit, integer sync waves. */
export function checkSchemas(tree: Tree, report: Report): void {
  const found = objectFindings(tree);
  tree.objects.forEach((o, i) => {
    if (leftOut(tree, o)) return;
    for (const p of found[i].schema) report(o, `${p.field ? `${p.field}: ` : ''}${p.message}`);
    if (o.obj.status !== undefined) report(o, 'has a status block; rendered objects must not (Argo CD would show OutOfSync forever)');
    const metadata = o.obj.metadata;
    if (metadata && typeof metadata === 'object') {
      const server = SERVER_OWNED_METADATA.filter((k) => (metadata as Record<string, unknown>)[k] !== undefined);
      if (server.length) report(o, `metadata.${server.join(', metadata.')} ${server.length === 1 ? 'is' : 'are'} set by the API server on a live object (an export of one, e.g. kubectl get -o yaml?); a rendered object must not carry ${server.length === 1 ? 'it' : 'them'}: remove ${server.length === 1 ? 'it' : 'them'}, or run npm run synth`);
      const annotations = (metadata as Record<string, unknown>).annotations;
      if (annotations && typeof annotations === 'object') {
        let bytes = 0;
        for (const [k, v] of Object.entries(annotations)) bytes += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
        if (bytes > MAX_ANNOTATION_BYTES) report(o, `metadata.annotations hold ${bytes} bytes; the API server refuses more than ${MAX_ANNOTATION_BYTES} (256 KiB) in all: move the large value into a ConfigMap`);
      }
    }
    const w = valueAt(o.obj, ['metadata', 'annotations', ANNOTATIONS.syncWave]);
    if (w !== undefined && !/^-?\d+$/.test(String(w))) report(o, `${ANNOTATIONS.syncWave} "${w}" is not an integer`);
  });
}

/** No secret material in git: no Secret with data, no literal in a field named like a secret. */
export function checkSecrets(tree: Tree, report: Report): void {
  // Helm values may name these Secrets (existingSecret...): External Secrets fills them from Bitwarden.
  const fromBitwarden = new Set(tree.objects
    .filter((o) => o.obj.kind === 'ExternalSecret' && apiGroup(o.obj.apiVersion) === 'external-secrets.io')
    .map((o) => String(valueAt(o.obj, 'spec.target.name') ?? valueAt(o.obj, 'metadata.name'))));
  const found = objectFindings(tree);
  let names: ReadonlySet<string> | undefined;
  tree.objects.forEach((o, i) => {
    if (leftOut(tree, o)) return;
    if (o.obj.kind === 'Secret' && apiGroup(o.obj.apiVersion) === '' && (o.obj.data !== undefined || o.obj.stringData !== undefined) && !onlyCertificates(o.obj)) {
      report(o, 'a Secret with data or stringData would put secret material in git; ask for it from Bitwarden with an ExternalSecret instead');
    }
    const { literals, values, keys } = found[i];
    const leaks = literals.length === 0 ? [] : literalsNamed(literals, (names ??= nameDigests(fromBitwarden)));
    for (const leak of leaks) report(o, `${leak} holds a literal secret; reference it from Bitwarden (BitwardenSecret) instead`);
    // Secrets by value, whatever the field is called; private keys have their own message below.
    for (const { path: at, found: value } of values) {
      if (value.shape !== 'private-key' && !leaks.includes(at)) {
        report(o, `${at} holds a literal secret, ${value.what}; put the whole value in a Bitwarden item and read it through an ExternalSecret (an app: move the variable from env to secrets)`);
      }
    }
    for (const field of keys) report(o, `${field} holds a private key; a chart generated it (genCA, genPrivateKey) or it was pasted in: supply it from Bitwarden or let the controller create its own`);
  });
}

/**
 * Whether a Secret holds nothing but public certificates (a CA given inline in site.yaml, e.g.
 * the directory's): every value a bundle of PEM CERTIFICATE blocks that parse, nothing else.
 */
function onlyCertificates(secret: JsonMap): boolean {
  const values = [
    ...Object.values((secret.stringData ?? {}) as Record<string, unknown>),
    ...Object.values((secret.data ?? {}) as Record<string, unknown>).map((v) => (typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : v)),
  ];
  return values.length > 0 && values.every((v) => typeof v === 'string' && pemProblem(v) === undefined);
}
