import * as fs from 'fs';
import * as path from 'path';
import { load } from 'js-yaml';

/**
 * Values the chart ignores. Helm silently drops a values key that no template reads, so a typo or
 * a key documented in values.yaml but never used passes unnoticed. This reads the chart's
 * templates (with a tokenizer for `{{ ... }}` actions, not a full Go-template parser) and reports
 * every key of a values object that none of them reads.
 *
 * What counts as read (lenient where templates are dynamic, strict where they are plain):
 * - a reference `.Values.a.b` (also `$.Values`, `$root.Values`, `.Root.Values`, `.context.Values`,
 *   `index .Values "a" "b"`, `dig "a" "b" default .Values`, `get`, `hasKey`, `pluck`) reads a.b
 *   and everything under it; the prefix `a` alone is not read as a whole;
 * - `with .Values.a` scopes dot: `.b` inside reads a.b, `toYaml .` reads a whole;
 * - `$v := .Values.a` binds `$v`: `$v.b` reads a.b, any other use of `$v` reads a whole;
 * - `range` over a values path, and any use of a path as an argument, reads it whole; a dynamic
 *   key (`index .Values.a $k`) reads the part before it whole;
 * - Helm itself reads `tags.*` and each dependency's `condition:` paths; values under a
 *   dependency's name (or alias) are checked against the subchart's templates too, and
 *   `global.*` against every chart of the tree.
 */

export interface ValuesFinding {
  /** Dot path of the unread key, from the top of the values object. */
  readonly path: string;
  readonly reason: string;
}

/**
 * Keys of `values` that the chart at `chartDir` (a Helm chart folder with its subcharts unpacked
 * under charts/<name>/) does not read.
 * freeForm: dot paths (e.g. 'controller.podAnnotations', 'redis-ha.haproxy.extraConfig', '*'
 * wildcard segments allowed) under which anything is accepted.
 */
export function unreadValues(chartDir: string, values: object, freeForm: readonly string[] = []): ValuesFinding[] {
  const chart = loadChart(path.resolve(chartDir));
  const patterns = freeForm.map((f) => f.split('.'));
  const findings = new Map<string, string>();
  const check = (c: ChartModel, vals: Record<string, unknown>, at: readonly string[], extra: readonly ReadNode[], label: string) => {
    for (const [key, value] of Object.entries(vals)) {
      if (key === 'global') {
        checkLeaves(value, [key], at, [treeGlobals(chart)], patterns, findings, (p, near) =>
          `no chart of ${chart.label} or its subcharts reads .Values.${p}${nor(near)}`);
        continue;
      }
      if (key === 'tags') continue;
      const sub = c.subcharts.get(key);
      const here = [c.reads, ...extra];
      if (sub && isMap(value)) {
        const subModel = loadChart(sub);
        const subExtra = here.map((n) => n.children.get(key)).filter((n): n is ReadNode => n !== undefined);
        if (here.some((n) => n.whole)) subExtra.push(WHOLE);
        check(subModel, value, [...at, key], subExtra, `${subModel.label} (subchart ${key} of ${label})`);
        continue;
      }
      checkLeaves(value, [key], at, here, patterns, findings, (p, near) => `no template of ${label} reads .Values.${p}${nor(near)}`);
    }
  };
  check(chart, values as Record<string, unknown>, [], [], chart.label);
  return [...findings].map(([p, reason]) => ({ path: p, reason }));
}

const nor = (near: string) => (near ? ` (nor ${near} as a whole)` : '');

// ---------------------------------------------------------------------------------------------
// Which paths a chart reads: a trie of references.

interface ReadNode {
  /** Everything under this path is read. */
  whole: boolean;
  readonly children: Map<string, ReadNode>;
}

const newNode = (): ReadNode => ({ whole: false, children: new Map() });
const WHOLE: ReadNode = { whole: true, children: new Map() };

function addRead(root: ReadNode, p: readonly string[], whole: boolean): void {
  let n = root;
  for (const seg of p) {
    if (n.whole) return;
    let next = n.children.get(seg);
    if (!next) n.children.set(seg, (next = newNode()));
    n = next;
  }
  if (whole) n.whole = true;
}

function mergeInto(into: ReadNode, from: ReadNode): void {
  if (from.whole) into.whole = true;
  for (const [k, child] of from.children) {
    let mine = into.children.get(k);
    if (!mine) into.children.set(k, (mine = newNode()));
    mergeInto(mine, child);
  }
}

/** How deep `p` reaches into the trie: p.length when it is read, else the index of the first segment nothing reads. */
function readDepth(root: ReadNode, p: readonly string[]): number {
  let n: ReadNode | undefined = root;
  for (let i = 0; i < p.length; i++) {
    if (n.whole) return p.length;
    n = n.children.get(p[i]);
    if (!n) return i;
  }
  return p.length; // the exact path, or something under it, is referenced
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reports each leaf of `value` (at `rel` under the chart's values, `at` under the user's) that no trie reads. */
function checkLeaves(
  value: unknown, rel: string[], at: readonly string[], tries: readonly ReadNode[], patterns: readonly string[][],
  findings: Map<string, string>, reason: (p: string, near: string) => string,
): void {
  const full = [...at, ...rel];
  if (patterns.some((pat) => pat.length <= full.length && pat.every((seg, i) => seg === '*' || seg === full[i]))) return;
  if (isMap(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) checkLeaves(v, [...rel, k], at, tries, patterns, findings, reason);
    return;
  }
  const depth = Math.max(...tries.map((t) => readDepth(t, rel)));
  if (depth >= rel.length) return;
  const unread = [...at, ...rel.slice(0, depth + 1)].join('.');
  if (!findings.has(unread)) findings.set(unread, reason(rel.slice(0, depth + 1).join('.'), rel.slice(0, depth).join('.')));
}

// ---------------------------------------------------------------------------------------------
// Charts: Chart.yaml, subcharts, and the references of their templates (cached per folder).

interface ChartModel {
  readonly dir: string;
  /** `<name> <version>` from Chart.yaml. */
  readonly label: string;
  /** Paths the chart's templates read, and the dependency conditions Helm reads. */
  readonly reads: ReadNode;
  /** Values key (dependency name or alias) -> subchart folder. */
  readonly subcharts: Map<string, string>;
  /** `.Values.global` as read by this chart and its subcharts (computed on first use). */
  globals?: ReadNode;
}

const charts = new Map<string, ChartModel>();

interface Dependency {
  readonly name: string;
  readonly alias?: string;
  readonly condition?: string;
}

function loadChart(dir: string): ChartModel {
  const cached = charts.get(dir);
  if (cached) return cached;
  const meta = readYaml(path.join(dir, 'Chart.yaml')) as { name?: string; version?: string; dependencies?: Dependency[] } | undefined;
  if (!meta?.name) throw new Error(`${dir}: not a Helm chart (no Chart.yaml with a name)`);
  const label = `${meta.name} ${meta.version ?? '(no version)'}`;
  const reads = newNode();
  const scanner = new TemplateScanner(reads);
  for (const file of templateFiles(dir)) scanner.scan(fs.readFileSync(file, 'utf8'));

  // Subcharts: every chart unpacked under charts/ (Helm renders them all), keyed by name, or by
  // each alias the dependencies give it.
  const byName = new Map<string, string>();
  const chartsDir = path.join(dir, 'charts');
  if (fs.existsSync(chartsDir)) {
    for (const entry of fs.readdirSync(chartsDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const sub = path.join(chartsDir, entry.name);
      const name = (readYaml(path.join(sub, 'Chart.yaml')) as { name?: string } | undefined)?.name;
      if (name) byName.set(name, sub);
    }
  }
  const requirements = readYaml(path.join(dir, 'requirements.yaml')) as { dependencies?: Dependency[] } | undefined;
  const deps = [...(meta.dependencies ?? []), ...(requirements?.dependencies ?? [])];
  const subcharts = new Map<string, string>(byName);
  for (const dep of deps) {
    const sub = byName.get(dep.name);
    if (!sub) throw new Error(`${dir}: dependency ${dep.name} is not unpacked under charts/`);
    if (dep.alias) {
      subcharts.set(dep.alias, sub);
      if (!deps.some((d) => d.name === dep.name && !d.alias)) subcharts.delete(dep.name);
    }
    for (const cond of (dep.condition ?? '').split(',').map((c) => c.trim()).filter(Boolean)) addRead(reads, cond.split('.'), true);
  }
  addRead(reads, ['tags'], true);
  const model: ChartModel = { dir, label, reads, subcharts };
  charts.set(dir, model);
  return model;
}

function readYaml(file: string): unknown {
  return fs.existsSync(file) ? load(fs.readFileSync(file, 'utf8')) : undefined;
}

/** Every file under templates/, and any other file outside charts/ whose actions use `.Values` (rendered via `tpl (.Files.Get ...)`). */
function templateFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, inTemplates: boolean) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (d === dir && SKIPPED_DIRS.has(entry.name)) continue;
        walk(p, inTemplates || (d === dir && entry.name === 'templates'));
      } else if (entry.isFile()) {
        if (inTemplates) out.push(p);
        else if (d !== dir && usesValues(fs.readFileSync(p, 'utf8'))) out.push(p);
      }
    }
  };
  walk(dir, false);
  return out;
}

/** Folders of a chart that are not rendered (crds/ is applied as is), or are subcharts. */
const SKIPPED_DIRS = new Set(['charts', 'crds', 'ci', 'unittests']);

const usesValues = (text: string) => text.includes('.Values') && /\{\{[^}]*\.Values/.test(text);

/** The reads of `.Values.global` by the chart and every subchart under it (a trie from the values root). */
function treeGlobals(chart: ChartModel): ReadNode {
  if (chart.globals) return chart.globals;
  const g = newNode();
  const own = chart.reads.children.get('global');
  if (own || chart.reads.whole) g.children.set('global', { whole: chart.reads.whole, children: new Map() });
  if (own) mergeInto(g.children.get('global')!, own);
  for (const sub of new Set(chart.subcharts.values())) mergeInto(g, treeGlobals(loadChart(sub)));
  chart.globals = g;
  return g;
}

// ---------------------------------------------------------------------------------------------
// Templates: actions, tokens, and a small evaluator that tracks where dot and variables point.

/** Where an expression's value comes from: a path under .Values, the template context (`$`, `.` at the top), or anything else. */
type Origin = { readonly values: readonly string[] } | 'context' | undefined;

type Token =
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'num' | 'ident' | 'punct'; readonly v: string }
  | { readonly t: 'dot' | 'var'; readonly v: string; readonly fields: readonly string[] } // `.a.b` (v ''), `$x.a` (v '$x'), `$` (v '$')
  | { readonly t: 'fields'; readonly v: ''; readonly fields: readonly string[] }; // `.a.b` right after `)`

/** One action, tokenized once per chart however often it occurs (kube-prometheus-stack: 20,000 actions, 5,000 distinct). */
interface Action {
  readonly toks: readonly Token[];
  /** Uses a variable other than `$`: its reads depend on the variables in scope. */
  readonly vars: boolean;
  /** Uses dot without `.Values`: its reads depend on what dot is. */
  readonly dot: boolean;
  /** Uses `.Values` somewhere. */
  readonly values: boolean;
  /** For an action that depends on neither: evaluated already (its reads are in the chart's trie), and its value. */
  done?: { readonly value: Origin };
}

interface Frame {
  readonly kind: 'top' | 'define' | 'if' | 'with' | 'range';
  dot: Origin;
  /** Dot outside the block (for its `else`). */
  readonly outerDot: Origin;
  /** Variables declared in the block (created on the first). */
  vars?: Map<string, Origin>;
}

/** Reads the templates of one chart into its trie. */
class TemplateScanner {
  private readonly parsed = new Map<string, Action>();

  constructor(private readonly reads: ReadNode) {}

  /** Adds every `.Values` path the template reads. */
  scan(text: string): void {
    const stack: Frame[] = [{ kind: 'top', dot: 'context', outerDot: 'context' }];
    const frame = () => stack[stack.length - 1];
    /** The frame that declares `name` (a define's variables are its own). */
    const declaring = (name: string): Frame | undefined => {
      for (let i = stack.length - 1; i >= 0; i--) {
        if (stack[i].vars?.has(name)) return stack[i];
        if (stack[i].kind === 'define') break;
      }
      return undefined;
    };
    const declare = (f: Frame, names: readonly string[], o: Origin) => {
      for (const n of names) (f.vars ??= new Map()).set(n, o);
    };
    const ev = new Evaluator(this.reads, () => frame().dot, (name) => (name === '$' ? 'context' : declaring(name)?.vars?.get(name)));

    ACTION.lastIndex = 0;
    for (let m = ACTION.exec(text); m; m = ACTION.exec(text)) {
      if (!m[1]) continue; // a comment
      const action = this.action(m[1]);
      const toks = action.toks;
      const head = toks[0].t === 'ident' ? toks[0].v : '';
      if (head === 'end') {
        if (stack.length > 1) stack.pop();
        continue;
      }
      if (head === 'define') {
        stack.push({ kind: 'define', dot: 'context', outerDot: 'context' });
        continue;
      }
      if (head === 'else') {
        const f = frame();
        const kw = toks[1]?.t === 'ident' ? toks[1].v : '';
        f.vars = undefined;
        f.dot = f.outerDot;
        if (kw === 'if') ev.use(ev.pipeline(toks.slice(2)));
        else if (kw === 'with') ev.touch((f.dot = ev.pipeline(toks.slice(2))));
        continue;
      }
      if (head === 'break' || head === 'continue') continue;
      const block = head === 'if' || head === 'with' || head === 'range' || head === 'block';
      const f: Frame | undefined = block ? { kind: head === 'block' ? 'define' : head, dot: frame().dot, outerDot: frame().dot } : undefined;
      const { names, rest, declare: isNew } = declaration(toks.slice(block || head === 'template' ? 1 : 0));
      const body = head === 'block' || head === 'template' ? rest.slice(1) : rest; // after the template's name
      // the value of the pipeline, evaluated once per chart when it depends on neither variables nor dot
      let value: Origin;
      const pure = !action.vars && !action.dot;
      if (pure && action.done) value = action.done.value;
      else if (!action.values && !action.vars && (!action.dot || typeof frame().dot !== 'object')) value = undefined; // reads nothing
      else {
        value = ev.pipeline(body);
        if (head === 'with' || head === 'block') ev.touch(value);
        else if (head === 'if' || head === 'range' || !names.length) ev.use(value);
        if (pure) action.done = { value };
      }
      if (f) {
        if (head === 'with' || head === 'block') f.dot = value;
        if (head === 'range') f.dot = undefined;
        // `with $x := P` binds P; `range $i, $e := P` binds keys and elements, unknown here
        declare(f, names, head === 'range' ? undefined : value);
        stack.push(f);
      } else if (isNew) declare(frame(), names, value);
      else for (const n of names) declaring(n)?.vars?.set(n, value);
    }
  }

  private action(body: string): Action {
    let action = this.parsed.get(body);
    if (!action) this.parsed.set(body, (action = tokenize(body)));
    return action;
  }
}

/** Splits `$a := pipeline`, `$a, $b := pipeline`, `$a = pipeline`; names is empty when there is no declaration. */
function declaration(toks: readonly Token[]): { names: string[]; rest: readonly Token[]; declare: boolean } {
  const isName = (t: Token | undefined) => t?.t === 'var' && t.fields.length === 0;
  const isAssign = (t: Token | undefined) => t?.t === 'punct' && (t.v === ':=' || t.v === '=');
  let at = -1;
  if (isName(toks[0]) && isAssign(toks[1])) at = 1;
  else if (isName(toks[0]) && toks[1]?.v === ',' && isName(toks[2]) && isAssign(toks[3])) at = 3;
  if (at < 0) return { names: [], rest: toks, declare: false };
  return { names: at === 1 ? [toks[0].v] : [toks[0].v, toks[2].v], rest: toks.slice(at + 1), declare: toks[at].v === ':=' };
}

/** Functions whose value is a part of their map argument. */
const LOOKUPS = new Set(['index', 'dig', 'get', 'pluck', 'hasKey']);

class Evaluator {
  constructor(
    private readonly reads: ReadNode,
    private readonly dot: () => Origin,
    private readonly lookup: (name: string) => Origin,
  ) {}

  /** The value is used as a whole: everything under its path is read. */
  use(o: Origin): void {
    if (o && o !== 'context') addRead(this.reads, o.values, true);
  }

  /** A reference that only goes through the path (`with`'s subject). */
  touch(o: Origin): void {
    if (o && o !== 'context') addRead(this.reads, o.values, false);
  }

  /** Evaluates `cmd | cmd | ...`: a single command keeps its origin, a chain uses every stage. */
  pipeline(toks: readonly Token[]): Origin {
    const cmds: (readonly Token[])[] = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i];
      if (t.t !== 'punct') continue;
      if (t.v === '(') depth++;
      else if (t.v === ')') depth--;
      else if (t.v === '|' && depth === 0) {
        cmds.push(toks.slice(start, i));
        start = i + 1;
      }
    }
    if (!cmds.length) return this.command(toks);
    cmds.push(toks.slice(start));
    for (const c of cmds) this.use(this.command(c));
    return undefined;
  }

  private command(toks: readonly Token[]): Origin {
    const args = this.operands(toks);
    if (!args.length) return undefined;
    const first = args[0];
    const rest = args.slice(1);
    if (first.fn === undefined) {
      // a lone operand; more than one (a method call like `.Capabilities.APIVersions.Has "x"`) uses the arguments
      for (const a of rest) this.use(a.origin);
      return first.origin;
    }
    if (LOOKUPS.has(first.fn)) return this.lookupFn(first.fn, rest);
    if (first.fn === 'set' || first.fn === 'unset') { // writes the map (`set .Values "a" x`), reads only the value set
      this.touch(rest[0]?.origin);
      this.use(rest[2]?.origin);
      return undefined;
    }
    for (const a of rest) this.use(a.origin);
    return undefined;
  }

  /** `index M "a" "b"`, `dig "a" "b" default M`, `get M "a"`, `hasKey M "a"`, `pluck "a" M...`. */
  private lookupFn(fn: string, args: Operand[]): Origin {
    const within = (map: Operand | undefined, keys: Operand[]): Origin => {
      const base = map?.origin;
      if (!base || base === 'context') return undefined;
      const p = base.values.slice();
      for (const k of keys) {
        if (k.str === undefined) {
          this.use(k.origin);
          this.use({ values: p }); // a dynamic key, or a list index: the part before it is read whole
          return undefined;
        }
        p.push(k.str);
      }
      return { values: p };
    };
    switch (fn) {
      case 'index':
        return within(args[0], args.slice(1));
      case 'get':
        return within(args[0], args.slice(1, 2));
      case 'hasKey':
        this.use(within(args[0], args.slice(1, 2)));
        return undefined;
      case 'dig':
        this.use(args[args.length - 2]?.origin); // the default
        return within(args[args.length - 1], args.slice(0, -2));
      default: // pluck
        for (const m of args.slice(1)) this.use(within(m, args.slice(0, 1)));
        return undefined;
    }
  }

  /** Operands of one command: parenthesised pipelines are evaluated here. */
  private operands(toks: readonly Token[]): Operand[] {
    const out: Operand[] = [];
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i];
      if (t.t === 'punct' && t.v === '(') {
        let depth = 1;
        let j = i + 1;
        for (; j < toks.length && depth > 0; j++) {
          if (toks[j].t === 'punct' && toks[j].v === '(') depth++;
          if (toks[j].t === 'punct' && toks[j].v === ')') depth--;
        }
        let o = this.pipeline(toks.slice(i + 1, j - 1));
        const after = toks[j];
        if (after?.t === 'fields') {
          o = this.follow(o, after.fields);
          j++;
        }
        out.push({ origin: o });
        i = j - 1;
      } else if (t.t === 'dot') out.push({ origin: this.follow(this.dot(), t.fields) });
      else if (t.t === 'var') out.push({ origin: this.follow(this.lookup(t.v), t.fields) });
      else if (t.t === 'str') out.push({ origin: undefined, str: t.v });
      else if (t.t === 'ident' && out.length === 0) out.push({ origin: undefined, fn: t.v });
      else out.push({ origin: undefined });
    }
    return out;
  }

  /** `base.f1.f2`: under a values path the fields go deeper; anything followed by `.Values` is the values root. */
  private follow(base: Origin, fields: readonly string[]): Origin {
    if (base && base !== 'context') return fields.length ? { values: base.values.concat(fields) } : base;
    const at = fields.indexOf('Values');
    if (at < 0) return fields.length ? undefined : base;
    const rest = fields.slice(at + 1);
    return { values: rest[0] === 'AsMap' ? rest.slice(1) : rest };
  }
}

interface Operand {
  readonly origin: Origin;
  /** A string literal's value. */
  readonly str?: string;
  /** The function a command starts with. */
  readonly fn?: string;
}

/**
 * One `{{ ... }}` action: the opening with its trim marker, then a comment, or a body of strings
 * and other characters (a `}}` inside a string does not end it), then the closing. Regular
 * expressions, not loops over characters: kube-prometheus-stack has a megabyte of actions, read
 * before the JIT warms up.
 */
const ACTION = /\{\{(?:-\s)?\s*(?:\/\*[\s\S]*?\*\/\s*-?\}\}|((?:[^}"'`]|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|\}(?!\}))*?)\s*(?:\s-)?\}\})/g;

/**
 * A token after whitespace: a raw or quoted string, a character, a variable with fields, fields,
 * a lone dot, `:=` or punctuation, a number, a word, or any other character.
 */
const TOKEN = /\s*(?:`([^`]*)`?|"((?:[^"\\]|\\.)*)"?|'(?:[^'\\]|\\.)*'?|(\$[A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)|((?:\.[A-Za-z_][A-Za-z0-9_]*)+)|(\.)|(:=|[()|,=])|([-+]?[0-9][A-Za-z0-9_.+-]*)|([A-Za-z_][A-Za-z0-9_]*)|(\S))/y;

const NO_FIELDS: readonly string[] = [];

/** The tokens of an action body. */
function tokenize(s: string): Action {
  const toks: Token[] = [];
  let vars = false;
  let dot = false;
  let values = false;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(s); m; m = TOKEN.exec(s)) {
    // indexes, not destructuring: the array iterator is slow before the JIT warms up
    const raw = m[1], quoted = m[2], variable = m[3], fields = m[5], punct = m[7], num = m[8], word = m[9];
    if (raw !== undefined) toks.push({ t: 'str', v: raw });
    else if (quoted !== undefined) toks.push({ t: 'str', v: quoted.includes('\\') ? quoted.replace(/\\(.)/g, '$1') : quoted });
    else if (variable !== undefined) {
      toks.push({ t: 'var', v: variable, fields: m[4] ? m[4].slice(1).split('.') : NO_FIELDS });
      if (variable !== '$') vars = true;
      if (m[4]?.includes('.Values')) values = true;
    } else if (fields !== undefined) {
      // fields right after `)` apply to the parenthesised value: `(index .Values "a").b`
      const afterParen = s.charCodeAt(m.index) === 46 && toks[toks.length - 1]?.v === ')';
      toks.push({ t: afterParen ? 'fields' : 'dot', v: '', fields: fields.slice(1).split('.') });
      if (fields.includes('.Values')) values = true;
      else if (!afterParen) dot = true;
    } else if (m[6] !== undefined) {
      toks.push({ t: 'dot', v: '', fields: NO_FIELDS });
      dot = true;
    } else if (punct !== undefined) toks.push({ t: 'punct', v: punct });
    else if (num !== undefined || m[0].trimStart().charCodeAt(0) === 39) toks.push({ t: 'num', v: m[0].trim() });
    else if (word !== undefined) toks.push({ t: 'ident', v: word });
    if (TOKEN.lastIndex === s.length) break;
  }
  return { toks, vars, dot, values };
}
