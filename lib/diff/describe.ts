import { compactPair, compactValue } from './format-value';
import type { CrdChange, CrdVersionChange, CrdVersionInfo, FieldChange, GroupDiff, SchemaField, TreeDiff } from './model';
import { isEmptyDiff } from './model';

/**
 * Words shared by the Markdown and terminal views, so both say the same thing.
 */

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** `2 added, 1 removed, 3 changed objects; 1 file changed (40 files unchanged)`. */
export function summaryLine(diff: TreeDiff): string {
  const s = diff.summary;
  if (isEmptyDiff(diff)) return `no differences (${plural(s.unchangedFiles, 'file')} unchanged)`;
  const objects = `${s.added} added, ${s.removed} removed, ${s.changed} changed ${s.added + s.removed + s.changed === 1 ? 'object' : 'objects'}`;
  const files = s.files ? `; ${plural(s.files, 'file')} changed` : '';
  return `${objects}${files} in ${plural(diff.groups.length, 'group')} (${plural(s.unchangedFiles, 'file')} unchanged)`;
}

/** `1 added, 2 changed, 1 file`: the non-zero counts of a group. */
export function groupCounts(g: GroupDiff): string {
  const parts: string[] = [];
  if (g.added.length) parts.push(`${g.added.length} added`);
  if (g.removed.length) parts.push(`${g.removed.length} removed`);
  if (g.changed.length) parts.push(`${g.changed.length} changed`);
  if (g.files.length) parts.push(plural(g.files.length, 'file'));
  return parts.join(', ');
}

/** The values part of a field change: `3 → 1`, `added {"a":1}`, `removed (was "x")`. */
export function fieldValues(c: FieldChange, max = 60): string {
  switch (c.op) {
    case 'added':
      return `added ${compactValue(c.after, max)}`;
    case 'removed':
      return `removed (was ${compactValue(c.before, max)})`;
    case 'reordered': {
      const [a, b] = compactPair(c.before, c.after, max);
      return `order ${a} → ${b}`;
    }
    default: {
      const [a, b] = compactPair(c.before, c.after, max);
      return `${a} → ${b}`;
    }
  }
}

/** Schema fields listed per version before `… and N more`. */
export const MAX_SCHEMA_FIELDS = 20;

/** How a view quotes a field path or version name (Markdown: inline code; terminal: as is). */
export type Quote = (text: string) => string;

/** `a`, `b` (+3 below), … and 2 more: the first `max` fields, quoted. */
export function schemaFieldList(fields: readonly SchemaField[], quote: Quote, max = MAX_SCHEMA_FIELDS): string {
  const shown = fields.slice(0, max).map((f) => `${quote(f.path)}${f.nested ? ` (+${f.nested} below)` : ''}`);
  if (fields.length > max) shown.push(`… and ${fields.length - max} more`);
  return shown.join(', ');
}

/** `served, storage`, `served`, `not served`. */
function flags(v: CrdVersionInfo): string {
  return `${v.served ? 'served' : 'not served'}${v.storage ? ', storage' : ''}`;
}

/** One line of the CRD summary, with detail lines below it. */
export interface CrdLine {
  readonly text: string;
  readonly details: readonly string[];
}

/** Counts of one version's schema change: `3 fields added, 1 removed, 2 changed, 7 descriptions reworded`. */
function schemaCounts(v: CrdVersionChange): string {
  const counts: string[] = [];
  const described = v.fieldsChanged.filter((f) => f.keywords.length === 1 && f.keywords[0] === 'description').length;
  const changed = v.fieldsChanged.length - described;
  const word = (n: number) => (n === 1 ? 'field' : 'fields');
  const fields = (f: readonly SchemaField[]) => f.reduce((n, x) => n + 1 + x.nested, 0);
  const added = fields(v.fieldsAdded);
  const removed = fields(v.fieldsRemoved);
  if (added) counts.push(`${added} ${word(added)} added`);
  if (removed) counts.push(`${removed}${counts.length ? '' : ` ${word(removed)}`} removed`);
  if (changed) counts.push(`${changed}${counts.length ? '' : ` ${word(changed)}`} changed`);
  if (described) counts.push(`${described} description${described === 1 ? '' : 's'} reworded`);
  return counts.join(', ');
}

/**
 * The summary of a CRD's version changes, line by line: the storage version moving, versions
 * added and removed, then per version its flags and schema (fields added, removed, changed,
 * each list cut after `max` entries).
 */
export function crdLines(crd: CrdChange, quote: Quote, max = MAX_SCHEMA_FIELDS): CrdLine[] {
  const lines: CrdLine[] = [];
  if (crd.storage) lines.push({ text: `storage version ${quote(crd.storage.before ?? 'none')} → ${quote(crd.storage.after ?? 'none')}`, details: [] });
  for (const v of crd.versionsAdded) lines.push({ text: `version ${quote(v.name)} added (${flags(v)}; ${plural(v.fields, 'schema field')})`, details: [] });
  for (const v of crd.versionsRemoved) lines.push({ text: `version ${quote(v.name)} removed (was ${flags(v)}; ${plural(v.fields, 'schema field')})`, details: [] });
  for (const v of crd.versions) {
    const parts: string[] = [];
    if (v.before.served !== v.after.served) parts.push(v.after.served ? 'now served' : 'no longer served');
    if (v.before.storage !== v.after.storage) parts.push(v.after.storage ? 'now the storage version' : 'no longer the storage version');
    const counts = schemaCounts(v);
    if (counts) parts.push(`schema: ${counts}`);
    else if (v.before.fields !== v.after.fields || parts.length === 0) parts.push('schema changed');
    const details: string[] = [];
    if (v.fieldsAdded.length) details.push(`added: ${schemaFieldList(v.fieldsAdded, quote, max)}`);
    if (v.fieldsRemoved.length) details.push(`removed: ${schemaFieldList(v.fieldsRemoved, quote, max)}`);
    const changed = v.fieldsChanged.filter((f) => !(f.keywords.length === 1 && f.keywords[0] === 'description'));
    if (changed.length) {
      const shown = changed.slice(0, max).map((f) => `${quote(f.path)} (${f.keywords.join(', ')})`);
      if (changed.length > max) shown.push(`… and ${changed.length - max} more`);
      details.push(`changed: ${shown.join(', ')}`);
    }
    lines.push({ text: `version ${quote(v.name)} (${flags(v.after)}): ${parts.join('; ')}`, details });
  }
  return lines;
}

/** How many versions a CRD summary names: `2 CRD versions changed`. */
export function crdCount(crd: CrdChange): string {
  const n = crd.versionsAdded.length + crd.versionsRemoved.length + crd.versions.length;
  return n ? plural(n, 'CRD version') + ' changed' : 'CRD storage version changed';
}
