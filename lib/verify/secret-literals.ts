import { parseAllDocuments } from 'yaml';
import { secretInValue, SecretValue } from '../config/secret-values';
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

function isSecretKey(key: string): boolean {
  const k = key.toLowerCase();
  return SECRET_KEYS.has(k) || SECRET_SUFFIXES.some((s) => k.endsWith(s));
}

/**
 * Paths of string fields named like secrets that hold a literal value, including inside Helm
 * values (`valuesObject`, the YAML of a HelmChart's `valuesContent`, Jenkins' JCasC scripts).
 * `secretNames` are the Secrets External Secrets creates: a field may name one (`existingSecret`).
 */
export function secretLiterals(obj: JsonMap, secretNames: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  if (REFERENCE_KINDS.has(String(obj.kind))) return out;
  if (obj.kind === 'ExternalSecret') {
    const data: Record<string, unknown> = mapAt(obj, 'spec.target.template.data') ?? {};
    for (const [k, v] of Object.entries(data)) {
      if (isSecretKey(k) && typeof v === 'string' && v !== '' && !v.includes('{{')) out.push(`spec.target.template.data.${k}`);
    }
    return out;
  }
  // `jcasc`: inside a Jenkins configuration-as-code document, where `${name}` is a reference.
  const walk = (value: unknown, at: string, key: string, parent = '', jcasc = false) => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${at}[${i}]`, key, '', jcasc));
    } else if (value && typeof value === 'object') {
      // `{ name: DB_PASSWORD, value: ... }` (container env and the like): the name says it is a secret.
      const pair = value as { name?: unknown; value?: unknown };
      if (typeof pair.name === 'string' && typeof pair.value === 'string' && isSecretKey(pair.name.replace(/[-_]/g, '')) && pair.value !== ''
        && !pair.value.startsWith('bitwarden:') && !(jcasc && JCASC_SECRET_REF.test(pair.value))) {
        out.push(`${at}.value`);
      }
      for (const [k, v] of Object.entries(value)) walk(v, at ? `${at}.${k}` : k, k, key, jcasc);
    } else if (typeof value === 'string') {
      // A ConfigMap file that is YAML (a chart's rendered JCasC script, a tool's config): searched
      // too; Jenkins' configuration-as-code ConfigMaps (label jenkins-jenkins-config) take `${name}` references.
      const yamlFile = obj.kind === 'ConfigMap' && parent === 'data' && /\.ya?ml$/.test(key);
      const jcascFile = yamlFile && Object.keys(mapAt(obj, 'metadata.labels') ?? {}).some((l) => /-jenkins-config$/.test(l));
      if (YAML_STRING_KEYS.has(key) || YAML_STRING_MAPS.has(parent) || yamlFile) {
        let parsed: unknown;
        try {
          parsed = parseAllDocuments(value).map((d) => d.toJS());
        } catch {
          parsed = undefined;
        }
        walk(parsed, `${at}(yaml)`, '', '', jcasc || YAML_STRING_MAPS.has(parent) || jcascFile);
      } else if (isSecretKey(key) && value !== '' && !value.startsWith('bitwarden:') && !ARGOCD_SECRET_REF.test(value) && !(jcasc && JCASC_SECRET_REF.test(value))
        && !isSecretPlaceholder(obj, value)
        // The name of a Secret External Secrets creates (`existingSecret: harbor-secrets`) is a reference.
        && !secretNames.has(value)) {
        const ref = SECRET_REFERENCES.find((r) => r.kind === obj.kind && r.field === at);
        if (!ref || !ref.form.test(value)) out.push(at);
      }
    }
  };
  walk(obj, '', '');
  return out;
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
  const walk = (value: unknown, at: string, name: string | undefined) => {
    if (typeof value === 'string') {
      const found = secretInValue(value, name);
      if (found) out.push({ path: at, found });
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${at}[${i}]`, undefined));
    } else if (value && typeof value === 'object') {
      const pairName = (value as { name?: unknown }).name;
      for (const [k, v] of Object.entries(value)) walk(v, at ? `${at}.${k}` : k, k === 'value' && typeof pairName === 'string' ? pairName : k);
    }
  };
  walk(obj, '', undefined);
  return out;
}
