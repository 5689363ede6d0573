import type { ParseManifests } from '../k8s/tree';
import type { RenderedFile } from '../render/rendered-file';
import { dumpManifest } from '../k8s/manifest-yaml';
import { diffObject } from './crd';
import { failureImpact } from './failure-impact';
import { compareGroups, groupOf, groupTitle, isTextFile } from './groups';
import { HOSTS_DIR, manualActions } from './manual-actions';
import { describeRef, FileChange, GroupDiff, ObjectChange, ObjectRef, RISK_IDS, RiskFlag, TreeDiff, WholeObject } from './model';
import { ParsedObject, parseManifests } from './parse';
import { findRisks, ObjectPair, RISK_RULES, RiskRule } from './risks';
import { unifiedDiff } from './text-diff';

export interface DiffOptions {
  /** @default every rule of `RISK_RULES` */
  readonly rules?: readonly RiskRule[];
  /**
   * Whether a changed node-failure report is explained by simulating both sides (`failure-impact.ts`).
   * @default true
   */
  readonly failureImpact?: boolean;
  /**
   * Reads the documents of a head manifest as `loadManifests` does: the head render's
   * `RenderedDocuments.parse`, which gives the documents it serialised instead of parsing their text.
   * The failure impact reads both sides with it (a base file with a head file's text is not parsed).
   * @default loadManifests
   */
  readonly headDocuments?: ParseManifests;
}

/** Comment lines at the top of a rendered file (the header), left out when an object is shown in full. */
function withoutHeader(text: string): string {
  return text.replace(/^(#[^\n]*\n)+/, '');
}

/**
 * An added or removed object in full: the text of its file when the file holds only it (as synth
 * writes them: the reviewer sees the rendered text), else the object dumped the same way.
 */
function whole(p: ParsedObject, file: RenderedFile | undefined, objectsInFile: number): WholeObject {
  const yaml = file && objectsInFile === 1 ? withoutHeader(file.content).replace(/^---\n/, '') : dumpManifest(p.obj);
  return { ...p.ref, yaml };
}

/**
 * Objects are matched within a scope: `argocd/` (the bootstrap, applied by hand) repeats objects
 * of `dist/argocd` on purpose, so it is its own scope; everything under `dist/` is one scope,
 * where an object that moves between layers stays the same object.
 */
function scopeOf(file: string): string {
  return file.split('/')[0];
}

function byPath(files: readonly RenderedFile[]): Map<string, RenderedFile> {
  return new Map(files.map((f) => [f.path, f]));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRefs(a: ObjectRef, b: ObjectRef): number {
  return compareText(a.kind, b.kind) || compareText(a.namespace ?? '', b.namespace ?? '') || compareText(a.name, b.name) || compareText(a.id, b.id) || compareText(a.file, b.file);
}

/**
 * Pairs the copies of one identity on both sides: normally one each. Duplicates (which verify
 * refuses) pair up by file first, then in order; what is left over is added or removed.
 */
function pairUp(olds: readonly ParsedObject[], news: readonly ParsedObject[]): [ParsedObject | undefined, ParsedObject | undefined][] {
  if (olds.length <= 1 && news.length <= 1) return [[olds[0], news[0]]];
  const pairs: [ParsedObject | undefined, ParsedObject | undefined][] = [];
  const left = [...news];
  const unmatched: ParsedObject[] = [];
  for (const p of olds) {
    const i = left.findIndex((q) => q.ref.file === p.ref.file);
    if (i >= 0) pairs.push([p, left.splice(i, 1)[0]]);
    else unmatched.push(p);
  }
  for (let i = 0; i < Math.max(unmatched.length, left.length); i++) pairs.push([unmatched[i], left[i]]);
  return pairs;
}

/** A mutable group while the diff is built. */
interface GroupBuilder {
  added: WholeObject[];
  removed: WholeObject[];
  changed: ObjectChange[];
  files: FileChange[];
}

/**
 * Compares two rendered trees object by object and field by field.
 *
 * A CustomResourceDefinition's version schemas are summarised per version (fields added,
 * removed and changed, as dot paths; see `crd.ts`) instead of listed key by key.
 *
 * Files under `dist/hosts/` and `docs/` are compared as text. Every other `.yaml` file is
 * parsed, and its objects are matched by identity (API group, kind, namespace, name), not by
 * file, so an object that moves between files or layers is one change. The bootstrap
 * (`argocd/`) is matched on its own: it holds the same objects as `dist/argocd` by design.
 * Files identical on both sides are not parsed at all, which keeps a small change to a large
 * tree fast.
 */
export function diffTrees(base: readonly RenderedFile[], head: readonly RenderedFile[], options: DiffOptions = {}): TreeDiff {
  const baseFiles = byPath(base);
  const headFiles = byPath(head);
  const before = new Map<string, ParsedObject[]>();
  const after = new Map<string, ParsedObject[]>();
  const warnings: string[] = [];
  const fileChanges: FileChange[] = [];
  const objectsIn = new Map<string, number>();
  let unchangedFiles = 0;

  const add = (into: Map<string, ParsedObject[]>, p: ParsedObject) => {
    const key = `${scopeOf(p.ref.file)}:${p.ref.id}`;
    const list = into.get(key);
    if (list) list.push(p);
    else into.set(key, [p]);
  };

  const paths = [...new Set([...baseFiles.keys(), ...headFiles.keys()])].sort(compareText);
  for (const path of paths) {
    const a = baseFiles.get(path);
    const b = headFiles.get(path);
    // Only a text file's mode counts (asked only when the modes differ: most files are the same).
    // One file on both sides (the base's taken as the head's, see readRevision) is not read.
    if (a && b && (a === b || a.content === b.content) && (!!a.executable === !!b.executable || !isTextFile(path))) {
      unchangedFiles++;
      continue;
    }
    const text = isTextFile(path);
    const status = !a ? 'added' : !b ? 'removed' : 'changed';
    if (text) {
      const modeOnly = a && b && a.content === b.content;
      // Host files are copied to machines by hand: the reviewer reads the text that changes.
      const patch = path.startsWith(`${HOSTS_DIR}/`) && !modeOnly ? unifiedDiff(a?.content ?? '', b?.content ?? '') : '';
      fileChanges.push({ path, group: groupOf(path), status, ...(modeOnly ? { detail: `mode: ${b.executable ? 'now executable' : 'no longer executable'}` } : {}), ...(patch ? { patch } : {}) });
      continue;
    }
    const problems: string[] = [];
    for (const [file, into, side] of [[a, before, 'base'], [b, after, 'head']] as const) {
      if (!file) continue;
      const parsed = parseManifests(file, side === 'head' ? options.headDocuments : undefined);
      if (parsed.problem !== undefined) problems.push(`${side}: ${parsed.problem}`);
      else {
        objectsIn.set(`${side}:${path}`, parsed.objects.length);
        for (const p of parsed.objects) add(into, p);
      }
    }
    if (problems.length) fileChanges.push({ path, group: groupOf(path), status, detail: problems.join('; ') });
  }

  const groups = new Map<string, GroupBuilder>();
  const groupFor = (name: string): GroupBuilder => {
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { added: [], removed: [], changed: [], files: [] }));
    return g;
  };
  const risks: RiskFlag[] = [];
  const rules = options.rules ?? RISK_RULES;
  const check = (pair: ObjectPair) => {
    for (const flag of findRisks(pair, rules)) risks.push(flag);
  };

  for (const key of [...new Set([...before.keys(), ...after.keys()])].sort(compareText)) {
    const olds = before.get(key) ?? [];
    const news = after.get(key) ?? [];
    for (const [side, list] of [['base', olds], ['head', news]] as const) {
      if (list.length > 1) warnings.push(`${side}: ${list[0].ref.apiVersion} ${describeRef(list[0].ref)} is in ${list.map((p) => p.ref.file).join(' and ')} (verify refuses duplicates); each copy is compared on its own`);
    }
    for (const [p, q] of pairUp(olds, news)) {
      if (p && !q) {
        groupFor(p.ref.group).removed.push(whole(p, baseFiles.get(p.ref.file), objectsIn.get(`base:${p.ref.file}`) ?? 0));
        check({ before: p });
      } else if (q && !p) {
        groupFor(q.ref.group).added.push(whole(q, headFiles.get(q.ref.file), objectsIn.get(`head:${q.ref.file}`) ?? 0));
        check({ after: q });
      } else if (p && q) {
        const { fields, crd } = diffObject(p.obj, q.obj);
        if (fields.length === 0 && !crd && p.ref.file === q.ref.file) continue;
        groupFor(q.ref.group).changed.push({ object: q.ref, previous: p.ref, fields, ...(crd ? { crd } : {}) });
        check({ before: p, after: q });
      }
    }
  }
  for (const f of fileChanges) groupFor(f.group).files.push(f);

  const ordered: GroupDiff[] = [...groups.keys()].sort(compareGroups).map((name) => {
    const g = groups.get(name)!;
    return {
      group: name,
      title: groupTitle(name),
      added: g.added.sort(compareRefs),
      removed: g.removed.sort(compareRefs),
      changed: g.changed.sort((x, y) => compareRefs(x.object, y.object)),
      files: g.files.sort((x, y) => compareText(x.path, y.path)),
    };
  });
  const ruleRank = (id: string) => RISK_IDS.indexOf(id as (typeof RISK_IDS)[number]);
  risks.sort((x, y) => ruleRank(x.rule) - ruleRank(y.rule) || compareGroups(x.object.group, y.object.group) || compareRefs(x.object, y.object));

  const total = (pick: (g: GroupDiff) => readonly unknown[]) => ordered.reduce((n, g) => n + pick(g).length, 0);
  return {
    groups: ordered,
    risks,
    summary: {
      added: total((g) => g.added),
      removed: total((g) => g.removed),
      changed: total((g) => g.changed),
      files: total((g) => g.files),
      unchangedFiles,
    },
    warnings,
    manualActions: manualActions(fileChanges, base, head),
    failureImpact: options.failureImpact === false ? [] : failureImpact(base, head, options.headDocuments),
  };
}
