import { compactValue } from './format-value';
import { FieldChange, GroupDiff, isEmptyDiff, TreeDiff } from './model';

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
    case 'reordered':
      return `order ${compactValue(c.before, max)} → ${compactValue(c.after, max)}`;
    default:
      return `${compactValue(c.before, max)} → ${compactValue(c.after, max)}`;
  }
}
