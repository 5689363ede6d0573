import * as fs from 'fs';
import * as path from 'path';
import { load } from 'js-yaml';
import { isMap } from '../k8s/manifest';
import { checkAliases } from '../k8s/manifest-yaml';

/**
 * Values the chart ignores. Helm silently drops a values key that no template reads, so a typo or
 * a key documented in values.yaml but never used passes unnoticed. This reads the chart's
 * templates (a tokenizer for `{{ ... }}` actions and a small evaluator, not a Go-template parser)
 * and reports every key of a values object that none of them reads. A chart's default in
 * values.yaml excuses nothing: values.yaml documents keys no template reads.
 *
 * What counts as read (lenient where templates are dynamic, strict where they are plain):
 * - `.Values.a.b` (also `$.Values`, `$root.Values`, `.Root.Values`, `.context.Values`,
 *   `index .Values "a" "b"`, `dig "a" "b" default .Values.AsMap`, `get`, `hasKey`, `pluck`,
 *   `(index .Values "a").b`) reads a.b and everything under it, not the rest of a;
 * - a path used as a value (`toYaml .Values.a`, `range .Values.a`, an argument, `include "x"
 *   .Values.a` of a helper no chart of the tree defines) is read whole; so is the part before a
 *   computed key (`index .Values.a $k`);
 * - dot, `$` and variables are followed: `with .Values.a` then `.b` reads a.b (`toYaml .` all of
 *   a); `$v := .Values.a` then `$v.b` reads a.b; `$v = ...` inside an if makes $v either value;
 *   `default`, `ternary`, `coalesce`, `merge`, `deepCopy`, `required` pass their maps on;
 * - a helper (`define`) called with values (`include "x" .Values.a`, `include "x" (dict
 *   "component" .Values.controller "context" $)`) is run with that dot, a subchart's helper too;
 * - files the templates load (`.Files.Get`, `.Files.Glob`) and, when the chart uses tpl, the
 *   strings of its values.yaml (loki's `loki.config`) are templates as well;
 * - Helm itself reads `tags.*` and each dependency's `condition:` paths (`<dep>.enabled` only when
 *   it is the condition); values under a dependency's name or alias are checked against the
 *   subchart's templates (and the parent's reads of them), `global.*` against every chart of the
 *   tree.
 * A chart's scan is cached per folder for the life of the process.
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

/** Reports each leaf of `value` (at `rel` under the chart's values, `at` under the user's) that no trie reads. */
function checkLeaves(
  value: unknown, rel: string[], at: readonly string[], tries: readonly ReadNode[], patterns: readonly string[][],
  findings: Map<string, string>, reason: (p: string, near: string) => string,
): void {
  if (patterns.length) {
    const full = at.concat(rel);
    if (patterns.some((pat) => pat.length <= full.length && pat.every((seg, i) => seg === '*' || seg === full[i]))) return;
  }
  if (isMap(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) checkLeaves(v, rel.concat([k]), at, tries, patterns, findings, reason);
    return;
  }
  let depth = 0;
  for (const t of tries) depth = Math.max(depth, readDepth(t, rel));
  if (depth >= rel.length) return;
  const unread = at.concat(rel.slice(0, depth + 1)).join('.');
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
    if (dep.alias && dep.alias !== dep.name) {
      subcharts.set(dep.alias, sub);
      if (!deps.some((d) => d.name === dep.name && (!d.alias || d.alias === d.name))) subcharts.delete(dep.name);
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
  const loaded = new FilesLoaded();
  let tpl = false;
  for (const file of listFiles(path.join(dir, 'templates'))) {
    const text = fs.readFileSync(file, 'utf8');
    templates.add(text);
    loaded.note(text);
    tpl ||= /\btpl\b/.test(text);
  }
  // strings of values.yaml that the chart renders with tpl (loki's `loki.config`: `{{ with .Values.loki.server }}...`)
  const defaults = path.join(dir, 'values.yaml');
  if (tpl && fs.existsSync(defaults)) templates.add(fs.readFileSync(defaults, 'utf8'));
  // files the templates load (`tpl (.Files.Get "files/app.conf") .`) may read values too
  for (const file of listFiles(dir, (rel) => !rel.startsWith('templates/') && !SKIPPED_DIRS.has(rel.split('/')[0]))) {
    if (!loaded.includes(path.relative(dir, file).split(path.sep).join('/'))) continue;
    const text = fs.readFileSync(file, 'utf8');
    if (text.includes('.Values')) templates.add(text);
  }
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

/** A chart's YAML file (values.yaml, Chart.yaml) read by js-yaml's default schema (merge keys and all), refused when its aliases expand past what a chart holds (`checkAliases`). */
function readYaml(file: string): unknown {
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, 'utf8');
  const data = load(text);
  checkAliases([data], text, file);
  return data;
}

/** The files under `dir` (paths relative to it, `/`-separated, for `keep`), sorted. */
function listFiles(dir: string, keep: (rel: string) => boolean = () => true): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (keep(`${child}/`)) walk(child);
      } else if (entry.isFile() && keep(child)) {
        out.push(path.join(dir, child));
      }
    }
  };
  walk('');
  return out.sort();
}

/**
 * Folders of a chart whose files no template loads: subcharts, crds/ (applied as is), the
 * chart's own tests (ci/, tests/, unittests/) and tooling (hack/, which has Python that writes
 * templates: kube-prometheus-stack's sync_grafana_dashboards.py).
 */
const SKIPPED_DIRS = new Set(['charts', 'crds', 'ci', 'tests', 'unittests', 'hack']);

/** The files the templates load with `.Files.Get` / `.Files.Glob` / `.Files.Lines`: literal paths and globs, or any file when a path is computed. */
class FilesLoaded {
  private readonly patterns: RegExp[] = [];
  private any = false;

  note(template: string): void {
    if (!template.includes('.Files.')) return;
    for (const m of template.matchAll(/\.Files\.(?:Get|Glob|Lines)\s+(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`|\(\s*printf\s+"((?:[^"\\]|\\.)*)")?/g)) {
      const literal = m[1] ?? m[2];
      if (literal !== undefined) this.patterns.push(globToRegExp(literal));
      else if (m[3] !== undefined) this.patterns.push(globToRegExp(m[3].replace(/%[-+# 0-9.]*[a-z]/g, '*'))); // printf "dashboards/%s.json"
      else this.any = true;
    }
  }

  includes(rel: string): boolean {
    return this.any || this.patterns.some((p) => p.test(rel));
  }
}

/** Helm's `.Files.Glob` syntax: `*` within a folder, `**` across, `?`, `{a,b}`, `[...]`. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') (re += '(?:'), braces++;
    else if (c === '}' && braces) (re += ')'), braces--;
    else if (c === ',' && braces) re += '|';
    else if (c === '[' || c === ']') re += c;
    else re += c.replace(/[.+^$()|{}\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

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
  | { readonly dict: Map<string, Origin> } // `dict "k" v ...` with literal keys, as helpers take their arguments
  | { readonly either: readonly Origin[] } // one of these: `default`, `ternary`, `coalesce`, `merge`
  | 'context' // the template's context: `.` at the top of a template, `$`
  | undefined; // anything else

/** One of several values (undefined when none can hold values). */
function either(options: readonly Origin[]): Origin {
  const some = options.filter((o) => o !== undefined);
  return some.length > 1 ? { either: some } : some[0];
}

/** A token of an action. Every token has every field, so that the code reading them sees one shape. */
interface Token {
  /** `dot`: `.a.b` or `.`; `var`: `$x.a` or `$`; `fields`: `.a.b` right after `)`. */
  readonly t: 'str' | 'num' | 'ident' | 'punct' | 'dot' | 'var' | 'fields';
  /** A string's value, the variable's name (`$x`, `$`), the word or punctuation; '' for dot and fields. */
  readonly v: string;
  /** The fields of a dot, var or fields token; empty for the others. */
  readonly fields: readonly string[];
}

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
  done: { readonly reads: ReadNode; readonly value: Origin } | undefined;
}

interface Frame {
  readonly kind: 'top' | 'define' | 'if' | 'with' | 'range';
  dot: Origin;
  /** Dot outside the block (for its `else`). */
  readonly outerDot: Origin;
  /** Variables declared in the block (created on the first). */
  vars: Map<string, Origin> | undefined;
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
    if (!shadowsValues(arg) && !usesDot(body)) return; // reads the same whatever it is given
    const key = `${name}\0${originKey(arg)}`;
    if (this.called.has(key)) return;
    this.called.add(key);
    this.depth++;
    this.run(body, arg, 'define');
    this.depth--;
  }

  /** Runs a template, or a helper's body, with dot = `entry`. */
  private run(actions: readonly Action[], entry: Origin, kind: 'top' | 'define'): void {
    const run = new Run(this.reads, entry, kind, (name, arg, ev) => this.call(name, arg, ev));
    for (const action of actions) run.exec(action);
  }
}

/** One run of a template or a helper: its blocks, what dot and `$` are, its variables. */
class Run {
  private readonly stack: Frame[];
  private readonly ev: Evaluator;

  constructor(
    private readonly reads: ReadNode,
    private readonly entry: Origin,
    kind: 'top' | 'define',
    private readonly call: (name: string | undefined, arg: Origin, ev: Evaluator) => void,
  ) {
    this.stack = [{ kind, dot: entry, outerDot: entry, vars: undefined }];
    this.ev = new Evaluator(reads, this, call);
  }

  get dot(): Origin {
    return this.frame().dot;
  }

  /** A variable's value; `$` is dot where the template, or the define around it, starts. */
  lookup(name: string): Origin {
    if (name !== '$') return this.declaring(name)?.vars?.get(name);
    for (let i = this.stack.length - 1; i > 0; i--) if (this.stack[i].kind === 'define') return this.stack[i].dot;
    return this.entry;
  }

  exec(action: Action): void {
    const { toks, head } = action;
    const ev = this.ev;
    if (head === 'end') {
      if (this.stack.length > 1) this.stack.pop();
      return;
    }
    if (head === 'define') {
      this.stack.push({ kind: 'define', dot: 'context', outerDot: 'context', vars: undefined });
      return;
    }
    if (head === 'else') {
      const f = this.frame();
      const kw = toks[1]?.t === 'ident' ? toks[1].v : '';
      f.vars = undefined;
      f.dot = f.outerDot;
      if (kw === 'if') ev.use(ev.pipeline(toks.slice(2)));
      else if (kw === 'with') ev.touch((f.dot = ev.pipeline(toks.slice(2))));
      return;
    }
    if (head === 'break' || head === 'continue') return;
    const block = head === 'if' || head === 'with' || head === 'range' || head === 'block';
    const { names, rest, declare } = declaration(toks.slice(block || head === 'template' ? 1 : 0));
    const body = head === 'block' || head === 'template' ? rest.slice(1) : rest; // after the helper's name
    const value = this.value(action, body, names);
    if (block) {
      const f: Frame = { kind: head === 'block' ? 'define' : (head as 'if' | 'with' | 'range'), dot: this.dot, outerDot: this.dot, vars: undefined };
      if (head === 'with' || head === 'block') f.dot = value;
      if (head === 'range') f.dot = undefined;
      // `with $x := P` binds P; `range $i, $e := P` binds keys and elements, unknown here
      this.declare(f, names, head === 'range' ? undefined : value);
      this.stack.push(f);
    } else if (declare) {
      this.declare(this.frame(), names, value);
    } else {
      // `$x = P` in a block that may not run (`if`, `with`, `range`): $x is either value after it
      for (const n of names) {
        const f = this.declaring(n);
        if (f?.vars) f.vars.set(n, f === this.frame() ? value : either([f.vars.get(n), value]));
      }
    }
  }

  /**
   * The value of an action's pipeline, its reads recorded. An action that depends on neither
   * variables nor dot is evaluated once per chart (`.Values` depends on dot too when dot is a
   * dict with "Values", as a subchart's helper is given).
   */
  private value(action: Action, body: readonly Token[], names: readonly string[]): Origin {
    const { head, toks } = action;
    const dot = this.dot;
    const root = this.lookup('$');
    const pure = !action.vars && !action.dot && !shadowsValues(dot) && !shadowsValues(root);
    if (pure && action.done?.reads === this.reads) return action.done.value;
    if (!action.values && !action.vars && (!action.dot || (typeof dot !== 'object' && typeof root !== 'object'))) return undefined; // reads nothing
    const value = this.ev.pipeline(body);
    if (head === 'with' || head === 'block') this.ev.touch(value);
    else if (head === 'template') this.call(toks[1]?.t === 'str' ? toks[1].v : undefined, value, this.ev);
    else if (head === 'if' || head === 'range' || !names.length) this.ev.use(value);
    if (pure) action.done = { reads: this.reads, value };
    return value;
  }

  private frame(): Frame {
    return this.stack[this.stack.length - 1];
  }

  /** The frame that declares `name` (a define's variables are its own). */
  private declaring(name: string): Frame | undefined {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      if (this.stack[i].vars?.has(name)) return this.stack[i];
      if (this.stack[i].kind === 'define') break;
    }
    return undefined;
  }

  private declare(f: Frame, names: readonly string[], o: Origin): void {
    for (const n of names) (f.vars ??= new Map()).set(n, o);
  }
}

const dotUsers = new WeakMap<readonly Action[], boolean>();

/** Whether a helper's body uses dot (or `$`) other than as `.Values`. */
function usesDot(body: readonly Action[]): boolean {
  let uses = dotUsers.get(body);
  if (uses === undefined) dotUsers.set(body, (uses = body.some((a) => a.dot)));
  return uses;
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

/** A values path, or a dict (or choice) with one in it. */
const holdsValues = (o: Origin): boolean =>
  typeof o === 'object' && ('values' in o || ('dict' in o ? [...o.dict.values()] : o.either).some(holdsValues));

/** A dict with a "Values" entry (or a choice of one): `.Values` under it is that entry. */
const shadowsValues = (o: Origin): boolean => typeof o === 'object' && ('dict' in o ? o.dict.has('Values') : 'either' in o && o.either.some(shadowsValues));

const isDict = (o: Origin): o is { readonly dict: Map<string, Origin> } => typeof o === 'object' && 'dict' in o;

/** A key for a helper's argument: the helper runs once per distinct argument. */
function originKey(o: Origin): string {
  if (o === undefined || o === 'context') return String(o);
  if ('values' in o) return `.${o.values.join('\u0001')}`;
  if ('either' in o) return `(${o.either.map(originKey).join('|')})`;
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

/**
 * Functions whose value is one of their arguments (`value`), reading the others (`used`) whole:
 * `$cfg := .Values.config | default dict` then `$cfg.level` reads config.level only.
 */
const anyOf = (args: Operand[]) => ({ value: args, used: [] });
const PASS_THROUGH = new Map<string, (args: Operand[]) => { value: Operand[]; used: Operand[] }>([
  ['default', anyOf],
  ['coalesce', anyOf],
  ['required', (args) => ({ value: args.slice(1), used: [] })],
  ['ternary', (args) => ({ value: args.slice(0, 2), used: args.slice(2) })],
  ['deepCopy', anyOf],
  ['mustDeepCopy', anyOf],
  ['merge', anyOf],
  ['mergeOverwrite', anyOf],
  ['mustMerge', anyOf],
  ['mustMergeOverwrite', anyOf],
]);

/** Whether `o` is `target` or holds it. */
function contains(o: Origin, target: Origin): boolean {
  if (o === target) return true;
  if (typeof o !== 'object' || 'values' in o) return false;
  return ('dict' in o ? [...o.dict.values()] : o.either).some((v) => contains(v, target));
}

/** A value, less the values root in it (copying all of .Values reads none of it). */
function withoutRoot(o: Origin): Origin {
  if (typeof o === 'object' && 'values' in o && o.values.length === 0) return undefined;
  if (typeof o === 'object' && 'either' in o) return either(o.either.map(withoutRoot));
  return o;
}

/** One key deeper into a value: a values path goes deeper, a dict gives its entry. */
function step(o: Origin, key: string): Origin {
  if (o === undefined || o === 'context') return undefined;
  if ('values' in o) return { values: o.values.concat([key]) };
  if ('dict' in o) return o.dict.get(key);
  return either(o.either.map((e) => step(e, key)));
}

/** Where the evaluator finds dot and the variables. */
interface Scope {
  readonly dot: Origin;
  lookup(name: string): Origin;
}

class Evaluator {
  constructor(
    private readonly reads: ReadNode,
    private readonly scope: Scope,
    /** `include "name" arg`. */
    private readonly call: (name: string | undefined, arg: Origin, ev: Evaluator) => void,
  ) {}

  /** The value is used as a whole: everything under its path is read. */
  use(o: Origin): void {
    this.read(o, true);
  }

  /** A reference that only goes through the path (`with`'s subject). */
  touch(o: Origin): void {
    this.read(o, false);
  }

  private read(o: Origin, whole: boolean): void {
    if (o === undefined || o === 'context') return;
    if ('values' in o) addRead(this.reads, o.values, whole);
    else for (const v of 'dict' in o ? o.dict.values() : o.either) this.read(v, whole);
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
    if (!cmds.length) return this.command(toks, []);
    cmds.push(toks.slice(start));
    // each stage's value is the last argument of the next
    let value: Origin;
    cmds.forEach((c, i) => (value = this.command(c, i ? [operand(value)] : [])));
    return value;
  }

  private command(toks: readonly Token[], piped: readonly Operand[]): Origin {
    const args = this.operands(toks).concat(piped);
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
      this.call(rest[0].str, rest[1].origin, this);
      return undefined;
    }
    if (first.fn === 'dict' && rest.length % 2 === 0 && rest.every((a, i) => i % 2 === 1 || a.str !== undefined)) {
      const dict = new Map<string, Origin>();
      for (let i = 0; i < rest.length; i += 2) dict.set(rest[i].str!, rest[i + 1].origin);
      return { dict };
    }
    if (first.fn === 'set' || first.fn === 'unset') return this.setFn(first.fn, rest);
    const passed = PASS_THROUGH.get(first.fn);
    if (passed) {
      const { value, used } = passed(rest);
      for (const a of used) this.use(a.origin);
      return either(value.map((a) => a.origin));
    }
    for (const a of rest) this.use(a.origin);
    return undefined;
  }

  /**
   * `set $map "k" v` writes v into the map: into a dict the evaluator made, it is stored (a helper
   * given the dict reads it); into anything else v is read whole, except the values root
   * (`set $copy "Values" $.Values`, as jenkins re-renders its clouds), which is only copied.
   */
  private setFn(fn: string, args: Operand[]): Origin {
    const [map, key, value] = [args[0]?.origin, args[1]?.str, args[2]?.origin];
    this.touch(map);
    if (isDict(map) && key !== undefined) {
      if (fn === 'set') map.dict.set(key, contains(value, map) ? undefined : value); // no cycles
      else map.dict.delete(key);
    } else if (fn === 'set') {
      this.use(withoutRoot(value));
    }
    return map;
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
        out.push(operand(o));
        i = j - 1;
      } else if (t.t === 'dot') out.push(operand(follow(this.scope.dot, t.fields)));
      else if (t.t === 'var') out.push(operand(follow(this.scope.lookup(t.v), t.fields)));
      else if (t.t === 'str') out.push(operand(undefined, t.v));
      else if (t.t === 'ident' && out.length === 0) out.push(operand(undefined, undefined, t.v));
      else out.push(operand(undefined));
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
    if (typeof o === 'object' && 'either' in o) return either(o.either.map((e) => follow(e, fields.slice(i))));
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
  readonly str: string | undefined;
  /** The function a command starts with. */
  readonly fn: string | undefined;
}

const operand = (origin: Origin, str?: string, fn?: string): Operand => ({ origin, str, fn });

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

/** `.Values` or `.Values.a.b`: the same whatever dot is (unless dot is a dict with "Values"). */
const isValuesChain = (fields: string) => fields === '.Values' || fields.startsWith('.Values.');
const token = (t: Token['t'], v: string, fields: readonly string[] = NO_FIELDS): Token => ({ t, v, fields });

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
    if (raw !== undefined) toks.push(token('str', raw));
    else if (quoted !== undefined) toks.push(token('str', quoted.includes('\\') ? quoted.replace(/\\(.)/g, '$1') : quoted));
    else if (variable !== undefined) {
      toks.push(token('var', variable, m[4] ? m[4].slice(1).split('.') : NO_FIELDS));
      if (m[4]?.includes('.Values')) values = true;
      if (variable !== '$') vars = true;
      else if (!isValuesChain(m[4] ?? '')) dot = true; // `$`, `$.ctx.Values`: what the template (or helper) was given
    } else if (fields !== undefined) {
      // fields right after `)` apply to the parenthesised value: `(index .Values "a").b`
      const afterParen = s.charCodeAt(m.index) === 46 && toks[toks.length - 1]?.v === ')';
      toks.push(token(afterParen ? 'fields' : 'dot', '', fields.slice(1).split('.')));
      if (fields.includes('.Values')) values = true;
      if (!afterParen && !isValuesChain(fields)) dot = true; // `.x`, `.ctx.Values.x`: depends on dot
    } else if (m[6] !== undefined) {
      toks.push(token('dot', ''));
      dot = true;
    } else if (punct !== undefined) toks.push(token('punct', punct));
    else if (num !== undefined || m[0].trimStart().charCodeAt(0) === 39) toks.push(token('num', m[0].trim()));
    else if (word !== undefined) toks.push(token('ident', word));
    if (TOKEN.lastIndex === s.length) break;
  }
  return { toks, head: toks[0]?.t === 'ident' ? toks[0].v : '', vars, dot, values, done: undefined };
}
