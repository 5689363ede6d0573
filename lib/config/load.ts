import * as path from 'path';
import { isMap, isPair, isScalar, isSeq, LineCounter, Node, parseDocument, visit } from 'yaml';
import { z } from 'zod';
import { sha256 } from '../cache-file';
import { valueAt } from '../k8s/manifest';
import { ConfigError, ConfigIssue } from './errors';
import { readInputFile } from './input-file';
import { quoteValue } from './quote';
import { syntaxProblem } from './yaml-syntax';
import { checkPlatformNeeds } from './platform-rules';
import type { LayerNeeds } from './platform-rules';
import { checkSiteRules, RuleIssue } from './rules';
import { reservedKeys } from './reserved-keys';
import { Site, SiteSchema } from './schema';

type Path = readonly (string | number)[];

/** Where a YAML document's nodes are: maps a field path to line and column. */
export class SourceMap {
  private readonly lines = new LineCounter();
  public readonly doc;

  constructor(public readonly file: string, text: string) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
  }

  /** Position of the node at `path` (its key when `atKey`), or of its nearest existing ancestor. */
  public locate(target: Path, atKey = false): { line: number; column: number } {
    let node: unknown = this.doc.contents;
    let offset = (node as Node | null)?.range?.[0] ?? 0;
    for (let i = 0; i < target.length; i++) {
      const seg = target[i];
      const last = i === target.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        const key = pair.key as Node;
        const value = pair.value as Node | null;
        offset = (last && atKey) || !value?.range ? key.range![0] : value.range[0];
        node = value;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
        node = node.items[seg];
        offset = (node as Node).range?.[0] ?? offset;
      } else {
        break;
      }
    }
    return this.position(offset);
  }

  /** Line and column of a character offset. */
  public position(offset: number): { line: number; column: number } {
    const pos = this.lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }

  public issue(target: Path, message: string, atKey = false): ConfigIssue {
    return { file: this.file, ...this.locate(target, atKey), field: formatPath(target), message };
  }
}

export function formatPath(p: Path): string {
  return p.map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join('');
}

/**
 * Nodes that aliases may expand to in one input file (the `yaml` package's limit, counted per
 * alias): ample for anchors used as intended, far below a "billion laughs" bomb.
 */
export const MAX_ALIAS_COUNT = 100;

/** Reads a YAML file into plain data, reporting syntax errors and alias bombs with positions. */
export function readYaml(file: string, text: string): { data: unknown; source: SourceMap } {
  const source = new SourceMap(file, text);
  // A warning is a value the parser could not read as written (an unknown tag such as `!custom`,
  // kept as a plain value; an unsupported %YAML version): refused, as an error is.
  const errors = [...source.doc.errors, ...source.doc.warnings];
  if (errors.length > 0) {
    const issues = errors.map((e) => {
      const { offset, ...problem } = syntaxProblem(source.doc, e, (at) => source.position(at).line, (at) => text.lastIndexOf('\n', at - 1) + 1);
      return { file, ...source.position(offset ?? e.pos[0]), ...problem };
    });
    // The parser reports a value nested past its stack once for each level it gave up at: one issue each.
    const seen = new Set<string>();
    throw new ConfigError(issues.filter((i) => {
      const key = JSON.stringify([i.line, i.column, i.field, i.message]);
      return !seen.has(key) && !!seen.add(key);
    }));
  }
  try {
    return { data: source.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), source };
  } catch (e) {
    // The yaml package throws a ReferenceError for an alias bomb or an alias without its anchor.
    if (!(e instanceof ReferenceError) && (e as Error)?.name !== 'ReferenceError') throw e;
    let alias: Node | undefined;
    visit(source.doc, { Alias: (_key, node) => { alias = node; return visit.BREAK; } });
    const pos = source.position(alias?.range?.[0] ?? 0);
    const message = /alias count/i.test((e as Error).message)
      ? `YAML aliases in this file (the first one here) expand to more than ${MAX_ALIAS_COUNT} nodes (a "billion laughs" bomb?); write the values out instead of nesting aliases`
      : `YAML alias: ${(e as Error).message.split('\n')[0]}; define the anchor (&name) before the alias (*name)`;
    throw new ConfigError([{ file, ...pos, field: '', message }]);
  }
}

/** Describes a value for a message: `"abc"`, `42`, `a list`, `nothing`. */
function describe(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return quoteValue(value);
}

/** The zod schema found at `p` inside `schema` (through lists, optionals and defaults, parsed or not). */
function schemaAt(schema: z.ZodType, p: Path): z.ZodType | undefined {
  let cur: z.ZodType | undefined = schema;
  const unwrap = (s: z.ZodType): z.ZodType => {
    let x = s;
    while (x instanceof z.ZodOptional || x instanceof z.ZodDefault || x instanceof z.ZodPrefault || x instanceof z.ZodNullable) x = (x as z.ZodOptional<z.ZodType>).unwrap() as z.ZodType;
    return x;
  };
  for (const seg of p) {
    if (!cur) return undefined;
    const s = unwrap(cur);
    if (s instanceof z.ZodObject) cur = (s.shape as Record<string, z.ZodType>)[String(seg)];
    else if (s instanceof z.ZodArray) cur = s.element as z.ZodType;
    else if (s instanceof z.ZodRecord) cur = s.valueType as z.ZodType;
    else return undefined;
  }
  return cur ? unwrap(cur) : undefined;
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string', number: 'a number', boolean: 'true or false', object: 'a map', record: 'a map', array: 'a list', int: 'an integer',
};

/** One key per field and direction of a size bound (`too_big` or `too_small` at a path). */
function boundKey(issue: z.core.$ZodIssue): string {
  return `${issue.code} ${JSON.stringify(issue.path.map(String))}`;
}

/**
 * The tightest size bound zod reports per field and direction: an integer out of range also fails
 * zod's own safe-integer bound (at most 9007199254740991), which says nothing the field's bound
 * does not, so only the smallest maximum and the largest minimum are shown.
 */
function tightestBounds(issues: readonly z.core.$ZodIssue[]): Map<string, z.core.$ZodIssue> {
  const out = new Map<string, z.core.$ZodIssue>();
  for (const issue of issues) {
    if (issue.code !== 'too_big' && issue.code !== 'too_small') continue;
    const key = boundKey(issue);
    const kept = out.get(key);
    const tighter = !kept
      || (issue.code === 'too_big' && kept.code === 'too_big' && Number(issue.maximum) < Number(kept.maximum))
      || (issue.code === 'too_small' && kept.code === 'too_small' && Number(issue.minimum) > Number(kept.minimum));
    if (tighter) out.set(key, issue);
  }
  return out;
}

/** Turns zod issues into positioned, plain-language issues naming what is allowed. */
export function zodIssues(error: z.ZodError, data: unknown, source: SourceMap, schema: z.ZodType): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const bounds = tightestBounds(error.issues);
  for (const issue of error.issues) {
    const p = issue.path.map((s) => (typeof s === 'symbol' ? String(s) : s));
    if ((issue.code === 'too_big' || issue.code === 'too_small') && bounds.get(boundKey(issue)) !== issue) continue;
    const value = valueAt(data, p);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const shape = schemaAt(schema, p);
        const allowed = shape instanceof z.ZodObject ? Object.keys(shape.shape).sort() : [];
        for (const key of issue.keys) {
          const near = allowed
            .filter((a) => Math.abs(a.length - key.length) <= 2)
            .map((a) => ({ a, d: distance(a.toLowerCase(), key.toLowerCase()) }))
            .filter((x) => x.d <= 2)
            .sort((x, y) => x.d - y.d)
            .map((x) => x.a);
          const hint = near.length ? `did you mean "${near[0]}"? ` : '';
          out.push(source.issue([...p, key], `unknown key ${quoteValue(key)}; ${hint}allowed: ${allowed.join(', ')}`, true));
        }
        break;
      }
      case 'invalid_type': {
        const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
        // A number or true/false where text belongs: YAML read it as one; quoting keeps the text.
        const node = source.doc.getIn(p, true);
        const written = isScalar(node) && typeof node.source === 'string' ? node.source : String(value);
        const quote = issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean') ? ` (quote it: "${written}")` : '';
        out.push(source.issue(p, value === undefined ? `is required (${expected})` : `must be ${expected}, got ${describe(value)}${quote}`));
        break;
      }
      case 'invalid_key': {
        // A record's key (an env name...): the key's own rule, at the key, naming the key (zod names neither).
        const key = p[p.length - 1];
        const rule = issue.issues.map((i) => i.message).join('; ');
        out.push(source.issue(p, `${rule}, got ${quoteValue(String(key))}`, true));
        break;
      }
      case 'invalid_value':
        out.push(source.issue(p, value === undefined
          ? `is required (one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')})`
          : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(value)}`));
        break;
      case 'too_small':
        out.push(source.issue(p, issue.origin === 'array' ? `needs at least ${issue.minimum} entr${issue.minimum === 1 ? 'y' : 'ies'}` : `must be at least ${issue.minimum}, got ${describe(value)}`));
        break;
      case 'too_big':
        out.push(source.issue(p, `must be at most ${issue.maximum}, got ${describe(value)}`));
        break;
      default:
        out.push(source.issue(p, `${issue.message}, got ${describe(value)}`));
    }
  }
  return out;
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Parses and validates site YAML text; `file` is the name used in messages. `versionNames`: the
 * names `versions:` may override (`PIN_NAMES` of lib/layers/index.ts; see `checkSiteRules`);
 * `layerNeeds`: what the layers publish and keep (`LAYER_NEEDS` of lib/layers/index.ts; see
 * `checkPlatformNeeds`). Both are passed by the caller that renders; absent, they are not checked.
 */
export function parseSite(text: string, file: string, versionNames?: readonly string[], layerNeeds?: readonly LayerNeeds[]): Site {
  const { data, source } = readYaml(file, text);
  const reserved = reservedKeys(data);
  if (reserved.length) throw new ConfigError(sortIssues(reserved.map((r) => source.issue(r.path, r.message, r.atKey))));
  const parsed = SiteSchema.safeParse(data);
  if (!parsed.success) throw new ConfigError(sortIssues(zodIssues(parsed.error, data, source, SiteSchema)));
  const ruleIssues = [...checkSiteRules(parsed.data, versionNames), ...checkPlatformNeeds(parsed.data, layerNeeds)].map((r) => source.issue(r.path, r.message, r.atKey));
  if (ruleIssues.length > 0) throw new ConfigError(sortIssues(ruleIssues));
  return deepFreeze(parsed.data);
}

export function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column || a.message.localeCompare(b.message));
}

/**
 * Positions issues found after the site was loaded (in the render: node capacity) in the site
 * file they blame, by field path.
 */
export function siteFileIssues(file: string, issues: readonly RuleIssue[]): ConfigIssue[] {
  const shown = path.relative(process.cwd(), file) || file;
  const source = new SourceMap(shown, readInputFile(file, shown, 'the site file'));
  return sortIssues(issues.map((r) => source.issue(r.path, r.message, r.atKey)));
}

/** Where validated sites are kept between runs, by the digest of their text (synth's app-spec cache: lib/config/app-spec-cache.ts). */
export interface SiteMemo {
  /** The site validated from a text of this digest (`siteTextDigest`) by this code, if kept. */
  site(digest: string): unknown;
  /** Keeps the site validated from a text of this digest. */
  keepSite(digest: string, site: Site): void;
}

/** The digest of a site file's text (the key of its validated site in a `SiteMemo`). */
export function siteTextDigest(text: string): string {
  return sha256(text);
}

/**
 * Loads and validates a site file from disk (`versionNames`, `layerNeeds`: see `parseSite`). With
 * `memo`, the site validated from the same text by the same code is taken from it instead of parsing
 * the YAML and the schema again; the rules that read `versionNames` and `layerNeeds` run every time
 * on it, and a site with a problem is always parsed again (its messages carry `file:line:col`).
 */
export function loadSite(file: string, versionNames?: readonly string[], layerNeeds?: readonly LayerNeeds[], memo?: SiteMemo): Site {
  const shown = path.relative(process.cwd(), file) || file;
  const text = readInputFile(file, shown, 'the site file');
  if (!memo) return parseSite(text, shown, versionNames, layerNeeds);
  const digest = siteTextDigest(text);
  const kept = memo.site(digest);
  // As the memo kept it (its entries are hashed: lib/cache-file.ts), when the rules find nothing.
  if (kept && typeof kept === 'object' && !Array.isArray(kept)) {
    const site = kept as Site;
    let clean = false;
    try {
      clean = !checkSiteRules(site, versionNames).length && !checkPlatformNeeds(site, layerNeeds).length;
    } catch {
      // Not a site these rules can read: parsed again below.
    }
    if (clean) return deepFreeze(site);
  }
  const site = parseSite(text, shown, versionNames, layerNeeds);
  memo.keepSite(digest, site);
  return site;
}
