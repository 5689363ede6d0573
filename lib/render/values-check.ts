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
  /** The helpers (`define`) of its templates. */
  readonly defines: ReadonlyMap<string, readonly Action[]>;
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
  const reads = newNode();
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

  // Helm shares helpers between a chart and its subcharts: argo-cd calls redis-ha's
  // "redis-ha.fullname" with `(dict "Values" (index .Values "redis-ha") ...)`.
  const subDefine = (name: string): readonly Action[] | undefined => {
    for (const sub of new Set(subcharts.values())) {
      const found = findDefine(loadChart(sub), name);
      if (found) return found;
    }
    return undefined;
  };
  const templates = new ChartTemplates(reads, subDefine);
  for (const file of templateFiles(dir)) templates.add(fs.readFileSync(file, 'utf8'));
  templates.scan();
  const model: ChartModel = { dir, label, reads, subcharts, defines: templates.defines };
  charts.set(dir, model);
  return model;
}

function findDefine(chart: ChartModel, name: string): readonly Action[] | undefined {
  const own = chart.defines.get(name);
  if (own) return own;
  for (const sub of new Set(chart.subcharts.values())) {
    const found = findDefine(loadChart(sub), name);
    if (found) return found;
  }
  return undefined;
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

/** Folders of a chart that are not rendered (crds/ is applied as is; ci/, tests/, unittests/ are the chart's own tests), or are subcharts. */
const SKIPPED_DIRS = new Set(['charts', 'crds', 'ci', 'tests', 'unittests']);

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
// Templates: actions, tokens, and a small evaluator that tracks what dot, `$` and variables are.

/** What an expression's value is, as far as values go. */
type Origin =
  | { readonly values: readonly string[] } // .Values at this path
  | { readonly dict: ReadonlyMap<string, Origin> } // `dict "k" v ...` with literal keys, as helpers take their arguments
  | 'context' // the template's context: `.` at the top of a template, `$`
  | undefined; // anything else

type Token =
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'num' | 'ident' | 'punct'; readonly v: string }
  | { readonly t: 'dot' | 'var'; readonly v: string; readonly fields: readonly string[] } // `.a.b` (v ''), `$x.a` (v '$x'), `$` (v '$')
  | { readonly t: 'fields'; readonly v: ''; readonly fields: readonly string[] }; // `.a.b` right after `)`

/** One action, tokenized once per chart however often it occurs (kube-prometheus-stack: 20,000 actions, 5,000 distinct). */
interface Action {
  readonly toks: readonly Token[];
  /** The first word (`if`, `end`, `include`...), or ''. */
  readonly head: string;
  /** Uses a variable other than `$`: what it reads depends on the variables in scope. */
  readonly vars: boolean;
  /** Uses dot, or `$`, without `.Values`: what it reads depends on what they are. */
  readonly dot: boolean;
  /** Uses `.Values` somewhere. */
  readonly values: boolean;
  /** For an action that depends on neither: the trie it was evaluated into, and its value. */
  done?: { readonly reads: ReadNode; readonly value: Origin };
}

interface Frame {
  readonly kind: 'top' | 'define' | 'if' | 'with' | 'range';
  dot: Origin;
  /** Dot outside the block (for its `else`). */
  readonly outerDot: Origin;
  /** Variables declared in the block (created on the first). */
  vars?: Map<string, Origin>;
}

/** How deep helpers may call helpers with values before the call reads its argument whole. */
const MAX_CALL_DEPTH = 8;

/**
 * The templates of one chart and what they read. Every template is run once with dot = the
 * context; a helper (`define`) is also run for each distinct values argument it is called with
 * (`include "x" .Values.a`, `include "x" (dict "component" .Values.controller "context" $)`), so
 * that `.component.affinity` inside it reads controller.affinity, not all of controller.
 */
class ChartTemplates {
  private readonly parsed = new Map<string, Action>();
  private readonly files: Action[][] = [];
  readonly defines = new Map<string, readonly Action[]>();
  /** `name\0argument` of every helper run (or running) with a values argument. */
  private readonly called = new Set<string>();
  private depth = 0;

  constructor(
    private readonly reads: ReadNode,
    /** A helper of a subchart. */
    private readonly subDefine: (name: string) => readonly Action[] | undefined,
  ) {}

  add(text: string): void {
    const actions: Action[] = [];
    ACTION.lastIndex = 0;
    for (let m = ACTION.exec(text); m; m = ACTION.exec(text)) {
      if (!m[1]) continue; // a comment
      let action = this.parsed.get(m[1]);
      if (!action) this.parsed.set(m[1], (action = tokenize(m[1])));
      actions.push(action);
    }
    this.files.push(actions);
    collectDefines(actions, this.defines);
  }

  /** Adds every `.Values` path the templates read to the trie. */
  scan(): void {
    for (const actions of this.files) this.run(actions, 'context', 'top');
  }

  /** `include "name" arg`, `template "name" arg`. */
  private call(name: string | undefined, arg: Origin, ev: Evaluator): void {
    if (!holdsValues(arg)) return; // the helper's own run (dot = the context) covers it
    const body = name === undefined ? undefined : this.defines.get(name) ?? this.subDefine(name);
    if (!body || this.depth >= MAX_CALL_DEPTH) return ev.use(arg); // another chart's helper, or too deep: read whole
    const key = `${name}\0${originKey(arg)}`;
    if (this.called.has(key)) return;
    this.called.add(key);
    this.depth++;
    this.run(body, arg, 'define');
    this.depth--;
  }

  /** Runs a template, or a helper's body, with dot = `entry`. */
  private run(actions: readonly Action[], entry: Origin, kind: 'top' | 'define'): void {
    const stack: Frame[] = [{ kind, dot: entry, outerDot: entry }];
    const frame = () => stack[stack.length - 1];
    /** The frame that declares `name` (a define's variables are its own). */
    const declaring = (name: string): Frame | undefined => {
      for (let i = stack.length - 1; i >= 0; i--) {
        if (stack[i].vars?.has(name)) return stack[i];
        if (stack[i].kind === 'define') break;
      }
      return undefined;
    };
    /** `$`: dot where the template, or the define around it, starts. */
    const root = (): Origin => {
      for (let i = stack.length - 1; i > 0; i--) if (stack[i].kind === 'define') return stack[i].dot;
      return entry;
    };
    const declare = (f: Frame, names: readonly string[], o: Origin) => {
      for (const n of names) (f.vars ??= new Map()).set(n, o);
    };
    const ev = new Evaluator(this.reads, () => frame().dot, (name) => (name === '$' ? root() : declaring(name)?.vars?.get(name)), (name, arg) => this.call(name, arg, ev));

    for (const action of actions) {
      const { toks, head } = action;
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
      const { names, rest, declare: isNew } = declaration(toks.slice(block || head === 'template' ? 1 : 0));
      const body = head === 'block' || head === 'template' ? rest.slice(1) : rest; // after the helper's name
      // the pipeline's value: an action that depends on neither variables nor dot is evaluated once per chart
      // (`.Values` depends on dot too when dot is a dict with "Values", as a helper of a subchart is given)
      let value: Origin;
      const pure = !action.vars && !action.dot && !isDict(frame().dot) && !isDict(root());
      if (pure && action.done?.reads === this.reads) value = action.done.value;
      else if (!action.values && !action.vars && (!action.dot || (typeof frame().dot !== 'object' && typeof root() !== 'object'))) value = undefined; // reads nothing
      else {
        value = ev.pipeline(body);
        if (head === 'with' || head === 'block') ev.touch(value);
        else if (head === 'template') this.call(toks[1]?.t === 'str' ? toks[1].v : undefined, value, ev);
        else if (head === 'if' || head === 'range' || !names.length) ev.use(value);
        if (pure) action.done = { reads: this.reads, value };
      }
      if (block) {
        const f: Frame = { kind: head === 'block' ? 'define' : head, dot: frame().dot, outerDot: frame().dot };
        if (head === 'with' || head === 'block') f.dot = value;
        if (head === 'range') f.dot = undefined;
        // `with $x := P` binds P; `range $i, $e := P` binds keys and elements, unknown here
        declare(f, names, head === 'range' ? undefined : value);
        stack.push(f);
      } else if (isNew) declare(frame(), names, value);
      else for (const n of names) declaring(n)?.vars?.set(n, value);
    }
  }
}

/** The body of each `define "name"` (and `block "name"`) among a template's actions. */
function collectDefines(actions: readonly Action[], into: Map<string, readonly Action[]>): void {
  const open: { name: string; start: number; depth: number }[] = [];
  let depth = 0;
  actions.forEach((a, i) => {
    if (a.head === 'if' || a.head === 'with' || a.head === 'range' || a.head === 'define' || a.head === 'block') {
      depth++;
      const name = a.toks[1];
      if ((a.head === 'define' || a.head === 'block') && name?.t === 'str') open.push({ name: name.v, start: i + 1, depth });
    } else if (a.head === 'end') {
      const top = open[open.length - 1];
      if (top?.depth === depth) {
        into.set(top.name, actions.slice(top.start, i));
        open.pop();
      }
      depth--;
    }
  });
}

/** A values path, or a dict with one in it. */
const holdsValues = (o: Origin): boolean => typeof o === 'object' && ('values' in o || [...o.dict.values()].some(holdsValues));

const isDict = (o: Origin): o is { readonly dict: ReadonlyMap<string, Origin> } => typeof o === 'object' && 'dict' in o;

/** A key for a helper's argument: the helper runs once per distinct argument. */
function originKey(o: Origin): string {
  if (o === undefined || o === 'context') return String(o);
  if ('values' in o) return `.${o.values.join('\u0001')}`;
  return `{${[...o.dict].map(([k, v]) => `${k}=${originKey(v)}`).join(',')}}`;
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

/** One key deeper into a value: a values path goes deeper, a dict gives its entry. */
function step(o: Origin, key: string): Origin {
  if (o === undefined || o === 'context') return undefined;
  return 'values' in o ? { values: [...o.values, key] } : o.dict.get(key);
}

class Evaluator {
  constructor(
    private readonly reads: ReadNode,
    private readonly dot: () => Origin,
    private readonly lookup: (name: string) => Origin,
    private readonly include: (name: string | undefined, arg: Origin) => void,
  ) {}

  /** The value is used as a whole: everything under its path is read. */
  use(o: Origin): void {
    if (o === undefined || o === 'context') return;
    if ('values' in o) addRead(this.reads, o.values, true);
    else for (const v of o.dict.values()) this.use(v);
  }

  /** A reference that only goes through the path (`with`'s subject). */
  touch(o: Origin): void {
    if (o === undefined || o === 'context') return;
    if ('values' in o) addRead(this.reads, o.values, false);
    else for (const v of o.dict.values()) this.touch(v);
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
    if (first.fn === 'include' && rest.length === 2) {
      this.use(rest[0].origin); // a name computed from values
      this.include(rest[0].str, rest[1].origin);
      return undefined;
    }
    if (first.fn === 'dict' && rest.length % 2 === 0 && rest.every((a, i) => i % 2 === 1 || a.str !== undefined)) {
      const dict = new Map<string, Origin>();
      for (let i = 0; i < rest.length; i += 2) dict.set(rest[i].str!, rest[i + 1].origin);
      return { dict };
    }
    if (first.fn === 'set' || first.fn === 'unset') { // writes the map (`set $ctx "a" x`), reads only the value set
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
      let o = map?.origin;
      for (const k of keys) {
        if (k.str === undefined) {
          this.use(k.origin);
          this.use(o); // a dynamic key, or a list index: the part before it is read whole
          return undefined;
        }
        o = step(o, k.str);
      }
      return o;
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
          o = follow(o, after.fields);
          j++;
        }
        out.push({ origin: o });
        i = j - 1;
      } else if (t.t === 'dot') out.push({ origin: follow(this.dot(), t.fields) });
      else if (t.t === 'var') out.push({ origin: follow(this.lookup(t.v), t.fields) });
      else if (t.t === 'str') out.push({ origin: undefined, str: t.v });
      else if (t.t === 'ident' && out.length === 0) out.push({ origin: undefined, fn: t.v });
      else out.push({ origin: undefined });
    }
    return out;
  }
}

/**
 * `base.f1.f2`: fields go deeper into a values path or a dict; `.Values` (after anything but a
 * dict that has it) is the values root, `.Values.AsMap` too.
 */
function follow(base: Origin, fields: readonly string[]): Origin {
  let o = base;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f === 'Values' && !(isDict(o) && o.dict.has(f))) {
      o = { values: [] };
      if (fields[i + 1] === 'AsMap') i++;
    } else if (typeof o === 'object' && 'values' in o) {
      return { values: o.values.concat(fields.slice(i)) };
    } else {
      o = step(o, f);
    }
  }
  return o;
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
      if (m[4]?.includes('.Values')) values = true;
      else if (variable === '$') dot = true; // `$`, `$.x`: what the template (or helper) was given
      if (variable !== '$') vars = true;
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
  return { toks, head: toks[0]?.t === 'ident' ? toks[0].v : '', vars, dot, values };
}
