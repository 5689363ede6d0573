import { parseAllDocuments } from 'yaml';
import { sha256 } from '../cache-file';
import { PEM_PRIVATE_KEY, secretInValue, SecretValue } from '../config/secret-values';
import { JsonMap, mapAt, valueAt } from '../k8s/manifest';

/** Field names whose values are secrets (compared lower-case). */
const SECRET_KEYS = new Set(['password', 'passwd', 'pass', 'token', 'secret', 'apikey', 'api_key', 'privatekey', 'private_key',
  'clientsecret', 'client_secret', 'bindpw', 'bindcredential', 'secretkey', 'secret_key', 'accesskey', 'access_key', 'secretaccesskey', 'secret_access_key']);
const SECRET_SUFFIXES = ['password', 'passwd', 'token', 'apikey', 'privatekey', 'passwordsecret'];
/**
 * Kinds this rule skips: stores hold references by design; a Secret's data has its own rule.
 * ExternalSecrets are searched only where literals would land in the Secret: template data.
 */
const REFERENCE_KINDS = new Set(['ClusterExternalSecret', 'SecretStore', 'ClusterSecretStore', 'Secret']);

/** Fields that look like secrets but hold a reference, with the form the reference must have. */
const SECRET_REFERENCES: readonly { kind: string; field: string; form: RegExp }[] = [
  // Rancher resolves `<namespace>:<secret>` to the Secret's `serviceaccountpassword` key.
  { kind: 'AuthConfig', field: 'serviceAccountPassword', form: /^cattle-global-data:[a-z0-9.-]+$/ },
  // The Keycloak operator reads the first admin's username and password from the Secret named here.
  { kind: 'Keycloak', field: 'spec.bootstrapAdmin.user.secret', form: /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/ },
];

/**
 * A Keycloak realm import placeholder, `${NAME}`: the import Job gets NAME as an environment
 * variable from the Secret that `spec.placeholders.NAME` names, and puts its value there.
 */
const KEYCLOAK_PLACEHOLDER = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** Whether `value` is a placeholder that `obj` (a KeycloakRealmImport) fills from a Secret. */
function isSecretPlaceholder(obj: JsonMap, value: string): boolean {
  const name = KEYCLOAK_PLACEHOLDER.exec(value)?.[1];
  return obj.kind === 'KeycloakRealmImport' && name !== undefined && typeof valueAt(obj, ['spec', 'placeholders', name, 'secret', 'name']) === 'string';
}

/** String fields that hold YAML documents of their own, searched too. */
const YAML_STRING_KEYS = new Set(['valuesContent', 'dex.config', 'oidc.config']);
/** Maps whose every string value is a YAML document: Jenkins configuration-as-code scripts and pod templates. */
const YAML_STRING_MAPS = new Set(['configScripts', 'podTemplates']);
/** Argo CD's reference to a key of a Secret: `$<secret>:<key>` or `$<key>` of argocd-secret. */
const ARGOCD_SECRET_REF = /^\$[A-Za-z0-9._-]+(:[A-Za-z0-9._-]+)?$/;
/** Jenkins configuration-as-code's reference to a mounted secret or variable: `${name}`. */
const JCASC_SECRET_REF = /^\$\{[A-Za-z0-9._-]+\}$/;

/** isSecretKey's answers by key: the same few hundred keys come back in every object. */
const secretKeyAnswers = new Map<string, boolean>();
const SECRET_KEY_ANSWERS = 10_000;

function isSecretKey(key: string): boolean {
  let answer = secretKeyAnswers.get(key);
  if (answer === undefined) {
    const k = key.toLowerCase();
    answer = SECRET_KEYS.has(k) || SECRET_SUFFIXES.some((s) => k.endsWith(s));
    if (secretKeyAnswers.size >= SECRET_KEY_ANSWERS) secretKeyAnswers.clear();
    secretKeyAnswers.set(key, answer);
  }
  return answer;
}

/**
 * Where a walk is in an object, as the steps taken (a key, an index, or into a string's YAML),
 * spelled out as a field path only for a finding: `spec.template.spec.containers[0].env[3].value`.
 */
export type Steps = (string | number | typeof INTO_YAML)[];
/** The step into the YAML documents a string holds: `data.config.yaml(yaml)`. */
export const INTO_YAML = Symbol('yaml');

/** The field path of `steps`: a key after the root as `.key` (alone at the root), an index as `[i]`, YAML as `(yaml)`. */
export function pathOf(steps: Steps): string {
  let at = '';
  for (const step of steps) {
    if (typeof step === 'number') at = `${at}[${step}]`;
    else if (step === INTO_YAML) at = `${at}(yaml)`;
    else at = at ? `${at}.${step}` : step;
  }
  return at;
}

/**
 * Paths of string fields named like secrets that hold a literal value, including inside Helm
 * values (`valuesObject`, the YAML of a HelmChart's `valuesContent`, Jenkins' JCasC scripts).
 * `secretNames` are the Secrets External Secrets creates: a field may name one (`existingSecret`).
 */
export function secretLiterals(obj: JsonMap, secretNames: ReadonlySet<string> = new Set()): string[] {
  const candidates = secretLiteralCandidates(obj);
  return literalsNamed(candidates, candidates.some((c) => c.name !== undefined) ? nameDigests(secretNames) : new Set());
}

/**
 * A field that holds a literal secret (`secretLiterals`) unless its value is the name of a Secret
 * External Secrets creates (`existingSecret: harbor-secrets`): `name` is the sha256 of the value
 * (a result verify caches holds no secret). Without `name`, it is one whatever it holds.
 */
export interface SecretLiteralCandidate {
  readonly path: string;
  readonly name?: string;
}

/** The sha256 of each of `names`, as SecretLiteralCandidate.name holds a value. */
export function nameDigests(names: Iterable<string>): Set<string> {
  return new Set([...names].map((n) => sha256(n)));
}

/** The paths of `candidates` that are literal secrets when External Secrets creates the Secrets whose names hash to `names` (`nameDigests`). */
export function literalsNamed(candidates: readonly SecretLiteralCandidate[], names: ReadonlySet<string>): string[] {
  return candidates.filter((c) => c.name === undefined || !names.has(c.name)).map((c) => c.path);
}

/**
 * `secretLiterals` of an object before the Secrets External Secrets creates are known: what an
 * object holds, independent of the rest of the tree (verify caches it per object).
 */
export function secretLiteralCandidates(obj: JsonMap): SecretLiteralCandidate[] {
  const out: SecretLiteralCandidate[] = [];
  if (REFERENCE_KINDS.has(String(obj.kind))) return out;
  if (obj.kind === 'ExternalSecret') {
    const data: Record<string, unknown> = mapAt(obj, 'spec.target.template.data') ?? {};
    for (const [k, v] of Object.entries(data)) {
      if (isSecretKey(k) && typeof v === 'string' && v !== '' && !v.includes('{{')) out.push({ path: `spec.target.template.data.${k}` });
    }
    return out;
  }
  literalsIn(obj, obj, [], out, false);
  return out;
}

/**
 * The literal secrets (`secretLiteralCandidates`) in `root`, a value in `obj` (the object itself, or
 * the YAML documents one of its strings holds) at `steps`, added to `out`; `jcascRoot`: `root` is a
 * Jenkins configuration-as-code document, where `${name}` is a reference.
 */
function literalsIn(obj: JsonMap, root: unknown, steps: Steps, out: SecretLiteralCandidate[], jcascRoot: boolean): void {
  const jenkinsConfig = jenkinsConfigOf(obj);
  // `jcasc`: inside a Jenkins configuration-as-code document, where `${name}` is a reference.
  const walk = (value: unknown, key: string, parent: string, jcasc: boolean): void => {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        steps.push(i);
        walk(value[i], key, '', jcasc);
        steps.pop();
      }
    } else if (value && typeof value === 'object') {
      pairLiteral(value as Record<string, unknown>, jcasc, steps, out);
      for (const k in value) {
        if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
        steps.push(k);
        walk((value as Record<string, unknown>)[k], k, key, jcasc);
        steps.pop();
      }
    } else if (typeof value === 'string') {
      stringLiterals(obj, value, key, parent, jcasc, steps, out, jenkinsConfig);
    }
  };
  walk(root, '', '', jcascRoot);
}

/** Whether `obj` is a Jenkins configuration-as-code ConfigMap (a label ending `-jenkins-config`), asked at most once. */
function jenkinsConfigOf(obj: JsonMap): () => boolean {
  let known: boolean | undefined;
  return () => (known ??= Object.keys(mapAt(obj, 'metadata.labels') ?? {}).some((l) => /-jenkins-config$/.test(l)));
}

/**
 * `{ name: DB_PASSWORD, value: ... }` (container env and the like), the map `pair` at `steps`: the
 * name says its value is a secret, so a literal value is one (added to `out`).
 */
function pairLiteral(pair: Record<string, unknown>, jcasc: boolean, steps: Steps, out: SecretLiteralCandidate[]): void {
  const { name, value } = pair;
  if (typeof name === 'string' && typeof value === 'string' && isSecretKey(name.replace(/[-_]/g, '')) && value !== ''
    && !value.startsWith('bitwarden:') && !(jcasc && JCASC_SECRET_REF.test(value))) {
    out.push({ path: `${pathOf(steps)}.value` });
  }
}

/**
 * The literal secrets of the string `value` of `obj`, at `steps` under the key `key` of a map under
 * `parent` (`jcasc`: inside a Jenkins configuration-as-code document), added to `out`: those in the
 * YAML documents it holds, or the string itself when its key names a secret and it is not a reference.
 */
function stringLiterals(obj: JsonMap, value: string, key: string, parent: string, jcasc: boolean, steps: Steps, out: SecretLiteralCandidate[], jenkinsConfig: () => boolean): void {
  // A ConfigMap file that is YAML (a chart's rendered JCasC script, a tool's config): searched
  // too; Jenkins' configuration-as-code ConfigMaps (label jenkins-jenkins-config) take `${name}` references.
  const yamlFile = obj.kind === 'ConfigMap' && parent === 'data' && /\.ya?ml$/.test(key);
  if (YAML_STRING_KEYS.has(key) || YAML_STRING_MAPS.has(parent) || yamlFile) {
    let parsed: unknown;
    try {
      parsed = parseAllDocuments(value).map((d) => d.toJS());
    } catch {
      parsed = undefined;
    }
    steps.push(INTO_YAML);
    literalsIn(obj, parsed, steps, out, jcasc || YAML_STRING_MAPS.has(parent) || (yamlFile && jenkinsConfig()));
    steps.pop();
  } else if (value !== '' && isSecretKey(key) && !value.startsWith('bitwarden:') && !ARGOCD_SECRET_REF.test(value) && !(jcasc && JCASC_SECRET_REF.test(value))
    && !isSecretPlaceholder(obj, value)) {
    const at = pathOf(steps);
    const ref = SECRET_REFERENCES.find((r) => r.kind === obj.kind && r.field === at);
    // The name of a Secret External Secrets creates (`existingSecret: harbor-secrets`) is a reference.
    if (!ref || !ref.form.test(value)) out.push({ path: at, name: sha256(value) });
  }
}

/** A string field whose value holds a secret by its shape. */
export interface SecretValueAt {
  /** `spec.template.spec.containers[0].env[3].value`. */
  readonly path: string;
  readonly found: SecretValue;
}

/**
 * String fields of `obj` whose value holds a secret whatever the field is called (a URL with a
 * password, a DSN, a private key, a token: lib/config/secret-values.ts), searched inside the
 * text so a URL in a Helm `valuesContent` or a ConfigMap file is found at that field. A Secret's
 * data has its own rule. `{ name, value }` pairs (container env) pass the name on, so a
 * `*_FILE` variable's value is read as the path it is.
 */
export function secretValues(obj: JsonMap): SecretValueAt[] {
  const out: SecretValueAt[] = [];
  if (obj.kind === 'Secret') return out;
  const steps: Steps = [];
  const walk = (value: unknown, name: string | undefined): void => {
    if (typeof value === 'string') {
      const found = secretInValue(value, name);
      if (found) out.push({ path: pathOf(steps), found });
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        steps.push(i);
        walk(value[i], undefined);
        steps.pop();
      }
    } else if (value && typeof value === 'object') {
      const pairName = (value as { name?: unknown }).name;
      for (const k in value) {
        if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
        steps.push(k);
        walk((value as Record<string, unknown>)[k], k === 'value' && typeof pairName === 'string' ? pairName : k);
        steps.pop();
      }
    }
  };
  walk(obj, undefined);
  return out;
}

/** Fields whose string value contains a PEM private key block (the whole value: `(value)`). */
export function privateKeys(value: unknown): string[] {
  const out: string[] = [];
  const steps: Steps = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      // The marker first: most strings hold none, and the block's pattern is costly.
      if (v.includes('PRIVATE KEY-----') && PEM_PRIVATE_KEY.test(v)) out.push(pathOf(steps) || '(value)');
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        steps.push(i);
        walk(v[i]);
        steps.pop();
      }
    } else if (v && typeof v === 'object') {
      for (const k in v) {
        if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
        steps.push(k);
        walk((v as Record<string, unknown>)[k]);
        steps.pop();
      }
    }
  };
  walk(value);
  return out;
}

/** What `objectSecrets` finds: `secretLiteralCandidates`, `secretValues` and `privateKeys` of one object. */
export interface ObjectSecrets {
  readonly literals: SecretLiteralCandidate[];
  readonly values: SecretValueAt[];
  readonly keys: string[];
}

/**
 * `secretLiteralCandidates`, `secretValues` and `privateKeys` of `obj` in one walk of it (verify
 * runs all three on every object it checks: one walk instead of three). Each list is what its
 * function gives, in the same order.
 */
export function objectSecrets(obj: JsonMap): ObjectSecrets {
  const kind = obj.kind;
  // ExternalSecrets are searched for literals only in template data (`secretLiteralCandidates`).
  const special = kind === 'ExternalSecret';
  const literals: SecretLiteralCandidate[] = special ? secretLiteralCandidates(obj) : [];
  const values: SecretValueAt[] = [];
  const keys: string[] = [];
  const findLiterals = !special && !REFERENCE_KINDS.has(String(kind));
  const findValues = kind !== 'Secret';
  const jenkinsConfig = jenkinsConfigOf(obj);
  const steps: Steps = [];
  // `key`, `parent`: as secretLiteralCandidates' walk has them; `name`: as secretValues' walk has it.
  const walk = (value: unknown, key: string, parent: string, name: string | undefined): void => {
    if (typeof value === 'string') {
      if (value.includes('PRIVATE KEY-----') && PEM_PRIVATE_KEY.test(value)) keys.push(pathOf(steps) || '(value)');
      if (findValues) {
        const found = secretInValue(value, name);
        if (found) values.push({ path: pathOf(steps), found });
      }
      if (findLiterals) stringLiterals(obj, value, key, parent, false, steps, literals, jenkinsConfig);
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        steps.push(i);
        walk(value[i], key, '', undefined);
        steps.pop();
      }
    } else if (value && typeof value === 'object') {
      const map = value as Record<string, unknown>;
      if (findLiterals) pairLiteral(map, false, steps, literals);
      const pairName = map.name;
      for (const k of Object.keys(map)) {
        steps.push(k);
        walk(map[k], k, key, k === 'value' && typeof pairName === 'string' ? pairName : k);
        steps.pop();
      }
    }
  };
  walk(obj, '', '', undefined);
  return { literals, values, keys };
}
