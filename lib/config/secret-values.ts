/**
 * Secrets recognised by their value, whatever the field or variable that holds them is called:
 * URLs whose user info has a password, DSNs with a password, PEM private keys and the token
 * shapes of well-known services. Pure; read by the app spec rules (floor 4), verify's secret
 * rule and the compose import, so one definition decides everywhere.
 */

/** What kind of secret a value holds. */
export type SecretShape = 'url-password' | 'dsn-password' | 'private-key' | 'token';

/** A secret found in a value. */
export interface SecretValue {
  readonly shape: SecretShape;
  /** What was found, for messages: "a URL with a password (smtp://user:…@host)". Never the secret itself. */
  readonly what: string;
}

/**
 * Text that stands for a value filled in elsewhere, not a value: shell and compose `$VAR`,
 * `${VAR}`, Kubernetes `$(VAR)`, Go and External Secrets templates `{{ .x }}`.
 */
function isPlaceholder(text: string): boolean {
  return text.includes('$') || text.includes('{{');
}

/**
 * `scheme://[user]:password@host`: the user info of a URL with a non-empty password (a user
 * alone, `https://user@host`, is not a secret). Characters a URL's authority cannot hold end it.
 */
const URL_PASSWORD = /\b([A-Za-z][A-Za-z0-9+.-]*):\/\/([^\s:@/?#'"]*):([^\s@/?#'"]+)@([^\s/?#'"]+)/g;

/**
 * `password=...` in a key=value DSN (libpq's `host=db password=...`) and `Password=...;` in an
 * ADO.NET/ODBC connection string (`Pwd=` too). The key starts the text or follows a space, `;` or quote.
 */
const DSN_PASSWORD = /(?:^|[\s;'"])(password|pwd)\s*=\s*('[^']*'|"[^"]*"|[^\s;'"]*)/gi;

/** A PEM private key block with a body (a line that names the marker only, in a script or doc, is not a key). */
export const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----\s*[A-Za-z0-9+/=\s:,-]{40,}?-----END [A-Z ]*PRIVATE KEY-----/;

/** Token shapes of well-known services, each with the name messages give it. */
const TOKENS: readonly { readonly name: string; readonly form: RegExp }[] = [
  { name: 'a GitHub token', form: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
  { name: 'a GitHub fine-grained token', form: /\bgithub_pat_[A-Za-z0-9_]{22,}\b/ },
  { name: 'a GitLab token', form: /\bglpat-[A-Za-z0-9_-]{20,}/ },
  { name: 'a Slack token', form: /\bxox[abpr]-[A-Za-z0-9-]{10,}/ },
  { name: 'an AWS access key id', form: /\bAKIA[0-9A-Z]{16}\b/ },
  { name: 'a Stripe live secret key', form: /\bsk_live_[A-Za-z0-9]{10,}\b/ },
  // Header and payload are base64url JSON objects, so both start `eyJ` (`{"`); the signature follows.
  { name: 'a JSON Web Token', form: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/ },
  { name: 'a Google API key', form: /\bAIza[0-9A-Za-z_-]{35}\b/ },
];

/**
 * What text must contain for any of the shapes above to match: a PEM marker, a URL's `://`, a DSN's
 * `=`, or a token's prefix. Most values (names, labels, images, numbers) hold none and are passed
 * over without trying each shape.
 */
const MAY_HOLD_SECRET = /-----BEGIN|:\/\/|=|gh[pousr]_|github_pat_|glpat-|xox[abpr]-|AKIA|sk_live_|eyJ|AIza/;

/** A file path (`/run/secrets/db`, `./certs/key.pem`): names where a secret is, holds none. */
const PATH = /^\.{0,2}\/[^\s]*$/;

/**
 * The secret `value` holds, if any. `name` is the variable or field holding it: a `*_FILE`
 * variable names a file (the convention of the official images), so its value is not a secret;
 * nor is a path. Values are searched inside, so a URL in a config file is found too.
 */
export function secretInValue(value: string, name?: string): SecretValue | undefined {
  if (!MAY_HOLD_SECRET.test(value) || (name !== undefined && /_FILE$/i.test(name)) || PATH.test(value)) return undefined;
  const pem = PEM_PRIVATE_KEY.exec(value);
  if (pem) return { shape: 'private-key', what: `a PEM ${pem[1]}private key` };
  for (const m of value.matchAll(URL_PASSWORD)) {
    if (!isPlaceholder(m[3])) return { shape: 'url-password', what: `a URL with a password (${m[1]}://${m[2]}:…@${m[4]})` };
  }
  for (const m of value.matchAll(DSN_PASSWORD)) {
    const secret = m[2].replace(/^(['"])(.*)\1$/, '$2');
    if (secret !== '' && !isPlaceholder(secret)) return { shape: 'dsn-password', what: `a connection string with a password (${m[1]}=…)` };
  }
  const token = TOKENS.find((t) => t.form.test(value));
  if (token) return { shape: 'token', what: token.name };
  return undefined;
}
