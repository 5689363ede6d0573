import type { AppSpec, DatabaseEngine } from '../config/app-schema';
import { conventionalBindingEnv } from './binding-conventions';

/**
 * The variables of a DBaaS binding: templates over the binding's parts, where they come from
 * (`databases[].env`, `envPrefix`, the image's convention or the engine's default prefix) and
 * how each is rendered: a plain value (host, port, name are site facts), one Bitwarden field
 * (`{{ .user }}`, `{{ .password }}` alone) or an External Secrets template (engine v2, Go
 * text/template with sprig) that assembles the account into a URL or DSN inside the cluster.
 * Pure; read by the app rules (floor 4), the pod template and the compose import.
 */

/** The parts of a binding a template can name. */
export const BINDING_PARTS = ['host', 'port', 'name', 'user', 'password', 'url'] as const;
export type BindingPart = (typeof BINDING_PARTS)[number];
/** How each part is written in a template, for messages. */
export const BINDING_PARTS_TEXT = BINDING_PARTS.map((p) => `{{ .${p} }}`).join(', ');

/** The variable suffixes of a prefixed binding (`<PREFIX>_HOST`...) and the part each holds. */
export const PREFIX_VARIABLES: readonly (readonly [suffix: string, part: BindingPart])[] = [
  ['HOST', 'host'], ['PORT', 'port'], ['NAME', 'name'], ['USER', 'user'], ['PASSWORD', 'password'],
];

/** A piece of a parsed template: literal text, or a part (URL-encoded with `| urlquery`). */
export type TemplatePiece = { readonly text: string } | { readonly part: BindingPart; readonly urlquery: boolean };

/** A template parsed into pieces, or what is wrong with it. */
export type ParsedTemplate = { readonly pieces: readonly TemplatePiece[] } | { readonly error: string };

const ACTION = /\{\{(.*?)\}\}/g;
const PART_ACTION = /^\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|\s*(urlquery)\s*)?$/;

/**
 * Parses a binding template: literal text and `{{ .<part> }}` or `{{ .<part> | urlquery }}`.
 * Anything else between braces, an unknown part, or a lone `{{` / `}}` is an error that names
 * the allowed parts.
 */
export function parseBindingTemplate(template: string): ParsedTemplate {
  const pieces: TemplatePiece[] = [];
  let at = 0;
  const literal = (text: string): string | undefined => {
    if (text.includes('{{') || text.includes('}}')) return `has an unmatched "${text.includes('{{') ? '{{' : '}}'}"; write each part as {{ .<part> }}, one of ${BINDING_PARTS_TEXT}`;
    if (text) pieces.push({ text });
    return undefined;
  };
  for (const m of template.matchAll(ACTION)) {
    const bad = literal(template.slice(at, m.index));
    if (bad) return { error: bad };
    const action = PART_ACTION.exec(m[1]);
    if (!action) return { error: `"${m[0]}" is not a part of the binding: write {{ .<part> }} or {{ .<part> | urlquery }}, with a part among ${BINDING_PARTS_TEXT}` };
    const part = action[1] as BindingPart;
    if (!BINDING_PARTS.includes(part)) return { error: `"${m[0]}" names no part of the binding; the parts are ${BINDING_PARTS_TEXT}` };
    pieces.push({ part, urlquery: action[2] !== undefined });
    at = m.index + m[0].length;
  }
  const bad = literal(template.slice(at));
  return bad ? { error: bad } : { pieces };
}

/** Where a binding's variables come from. */
export type BindingEnvSource = 'env' | 'envPrefix' | 'image' | 'engine';

/** The variables a binding sets (name -> template), in order, and where they come from. */
export interface BindingEnv {
  readonly env: Readonly<Record<string, string>>;
  readonly source: BindingEnvSource;
  /** The prefix, when the variables are `<prefix>_HOST`... */
  readonly prefix?: string;
}

type DatabaseSpec = Pick<AppSpec['databases'][number], 'engine' | 'env' | 'envPrefix'>;

/** `<prefix>_HOST`, `_PORT`, `_NAME`, `_USER`, `_PASSWORD`. */
export function prefixedBindingEnv(prefix: string): Record<string, string> {
  return Object.fromEntries(PREFIX_VARIABLES.map(([suffix, part]) => [`${prefix}_${suffix}`, `{{ .${part} }}`]));
}

/**
 * The variables a binding sets: `env` as written; else `envPrefix`; else the names the app's
 * image reads (lib/paas/binding-conventions.ts); else the engine in capitals as the prefix.
 */
export function bindingEnv(d: DatabaseSpec, image: string): BindingEnv {
  if (d.env) return { env: d.env, source: 'env' };
  if (d.envPrefix) return { env: prefixedBindingEnv(d.envPrefix), source: 'envPrefix', prefix: d.envPrefix };
  const conventional = conventionalBindingEnv(image, d.engine);
  if (conventional) return { env: conventional, source: 'image' };
  const prefix = d.engine.toUpperCase();
  return { env: prefixedBindingEnv(prefix), source: 'engine', prefix };
}

/**
 * The URL of `engine` with the account (user and password URL-encoded): what `{{ .url }}`
 * stands for. memcached and etcd clients take no account in their address: theirs has none.
 */
export function engineUrl(engine: DatabaseEngine): TemplatePiece[] {
  const account: TemplatePiece[] = [{ part: 'user', urlquery: true }, { text: ':' }, { part: 'password', urlquery: true }, { text: '@' }];
  const hostPort: TemplatePiece[] = [{ part: 'host', urlquery: false }, { text: ':' }, { part: 'port', urlquery: false }];
  const database: TemplatePiece[] = [{ text: '/' }, { part: 'name', urlquery: true }];
  switch (engine) {
    case 'postgresql': return [{ text: 'postgresql://' }, ...account, ...hostPort, ...database];
    case 'mysql': return [{ text: 'mysql://' }, ...account, ...hostPort, ...database];
    case 'mongodb': return [{ text: 'mongodb://' }, ...account, ...hostPort, ...database];
    // redis: the account is an ACL user; `name` is its key prefix, not a database number.
    case 'redis': return [{ text: 'redis://' }, ...account, ...hostPort];
    case 'mqtt': return [{ text: 'mqtt://' }, ...account, ...hostPort];
    // Elasticsearch with security on (the default since 8.0) answers HTTPS only.
    case 'elasticsearch': return [{ text: 'https://' }, ...account, ...hostPort];
    case 'etcd': return [{ text: 'http://' }, ...hostPort];
    case 'memcached': return hostPort;
  }
}

/** The parts of a binding known when rendering (from site.yaml and the spec). */
export interface BindingEndpoint {
  readonly engine: DatabaseEngine;
  readonly host: string;
  readonly port: number;
  readonly name: string;
}

/** The Bitwarden fields of the binding's login item. */
export type AccountField = 'username' | 'password';

/** How one variable of a binding is rendered. */
export type RenderedBindingVariable =
  /** A plain value: it holds no part of the account. */
  | { readonly kind: 'plain'; readonly value: string }
  /** One field of the login item, as it is. */
  | { readonly kind: 'account'; readonly field: AccountField }
  /** An External Secrets v2 template; `input(field)` keys are read in it with `index`. */
  | { readonly kind: 'template'; readonly template: string; readonly fields: readonly AccountField[] };

/** Go's url.QueryEscape (what `urlquery` does), with a space as %20, right in user info and paths alike. */
function urlEscape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Renders a (valid) template of the binding `b`. `input(field)` is the key of the
 * ExternalSecret's data that holds that field of the login item.
 */
export function renderBindingVariable(template: string, b: BindingEndpoint, input: (field: AccountField) => string): RenderedBindingVariable {
  const parsed = parseBindingTemplate(template);
  if ('error' in parsed) throw new Error(`binding template ${JSON.stringify(template)} ${parsed.error}`);
  const pieces = parsed.pieces.flatMap((p) => ('part' in p && p.part === 'url' ? engineUrl(b.engine) : [p]));
  const only = pieces.length === 1 ? pieces[0] : undefined;
  if (only && 'part' in only && !only.urlquery && (only.part === 'user' || only.part === 'password')) {
    return { kind: 'account', field: only.part === 'user' ? 'username' : 'password' };
  }
  const fields = new Set<AccountField>();
  const known: Record<'host' | 'port' | 'name', string> = { host: b.host, port: String(b.port), name: b.name };
  const texts = pieces.map((p) => {
    if ('text' in p) return { text: p.text, secret: false };
    if (p.part === 'user' || p.part === 'password') {
      const field: AccountField = p.part === 'user' ? 'username' : 'password';
      fields.add(field);
      // urlquery writes a space as "+", which user info and paths read as "+": make it %20.
      return { text: `{{ index . ${JSON.stringify(input(field))}${p.urlquery ? ' | urlquery | replace "+" "%20"' : ''} }}`, secret: true };
    }
    const value = known[p.part as 'host' | 'port' | 'name'];
    return { text: p.urlquery ? urlEscape(value) : value, secret: false };
  });
  if (fields.size === 0) return { kind: 'plain', value: texts.map((t) => t.text).join('') };
  return { kind: 'template', template: texts.map((t) => t.text).join(''), fields: [...fields].sort() };
}
