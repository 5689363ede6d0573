import { crdCount, crdLines, groupCounts, summaryLine } from './describe';
import { compactPair, compactValue } from './format-value';
import { FAILURE_REPORT } from '../ha/report';
import { tableCell as cell } from '../markdown-cell';
import { describeRef, FieldChange, GroupDiff, isEmptyDiff, ObjectChange, TreeDiff, WholeObject } from './model';

export interface MarkdownOptions {
  /** What the base is, e.g. `1a2b3c4 (merge base with main)`. */
  readonly base: string;
  /** What the head is, e.g. `working tree`. */
  readonly head: string;
  /**
   * Field changes listed per object before `… and N more`.
   * @default 40
   */
  readonly maxFieldsPerObject?: number;
  /**
   * Size budget in characters (GitHub and Gitea comments hold at most 65,536): a group section
   * that would go past it lists its objects without field changes, or is left out, with a note.
   * The risk table takes at most half of it.
   * @default 60000
   */
  readonly maxChars?: number;
}

/** Inline code that survives backticks inside the text. */
export function code(text: string): string {
  const runs = text.match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Plain text with Markdown and HTML specials escaped. */
export function escapeText(text: string): string {
  return text.replace(/[\\`*_{}[\]<>|#~]/g, '\\$&');
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `` `3` → `1` ``, ``added `x` ``, ``removed (was `x`)``. */
function fieldValues(c: FieldChange): string {
  const v = (x: unknown) => code(compactValue(x));
  switch (c.op) {
    case 'added':
      return `added ${v(c.after)}`;
    case 'removed':
      return `removed (was ${v(c.before)})`;
    case 'reordered': {
      const [a, b] = compactPair(c.before, c.after);
      return `order ${code(a)} → ${code(b)}`;
    }
    default: {
      const [a, b] = compactPair(c.before, c.after);
      return `${code(a)} → ${code(b)}`;
    }
  }
}

/**
 * A changed object with up to `maxFields` field lines (a CRD's version summary first); with 0,
 * its name and field count only.
 */
function changedObject(c: ObjectChange, maxFields: number): string[] {
  if (maxFields === 0) return [`- changed ${code(describeRef(c.object))} (${c.fields.length} field${c.fields.length === 1 ? '' : 's'}${c.crd ? `, ${crdCount(c.crd)}` : ''}${c.previous.file !== c.object.file ? ', moved' : ''})`];
  const lines = [`- changed ${code(describeRef(c.object))}`];
  if (c.previous.file !== c.object.file) lines.push(`  - moved from ${code(c.previous.file)} to ${code(c.object.file)}`);
  for (const line of c.crd ? crdLines(c.crd, code) : []) {
    lines.push(`  - ${line.text}`);
    for (const d of line.details) lines.push(`    - ${d}`);
  }
  for (const f of c.fields.slice(0, maxFields)) lines.push(`  - ${code(f.path)}: ${fieldValues(f)}`);
  if (c.fields.length > maxFields) lines.push(`  - … and ${c.fields.length - maxFields} more fields (run \`npm run diff\` to see all)`);
  return lines;
}

/** A fenced code block that survives fences inside the text. */
export function fenced(text: string, lang: string): string[] {
  const runs = text.match(/`{3,}/g) ?? [];
  const fence = '`'.repeat(Math.max(2, ...runs.map((r) => r.length)) + 1);
  return [`${fence}${lang}`, ...text.replace(/\n$/, '').split('\n'), fence];
}

/** A list item with its text collapsed below it (`<details>` inside the item, indented to stay in it). */
function collapsed(item: string, summary: string, body: readonly string[]): string[] {
  return [item, '', `  <details><summary>${summary}</summary>`, '', ...body.map((l) => (l ? `  ${l}` : l)), '', '  </details>', ''];
}

/**
 * A group: added and removed objects with their YAML collapsed below each (`full`), changed
 * objects with up to `maxFields` field lines, files (host files with their unified diff collapsed).
 * With `full` false: names and counts only.
 */
function section(g: GroupDiff, risks: number, maxFields: number, full = maxFields > 0): string {
  const warn = risks ? ` · ⚠ ${risks} risk${risks === 1 ? '' : 's'}` : '';
  const object = (verb: string, r: WholeObject) => (full ? collapsed(`- ${verb} ${code(describeRef(r))}`, 'YAML', fenced(r.yaml, 'yaml')) : [`- ${verb} ${code(describeRef(r))}`]);
  const lines = [
    `<details${risks ? ' open' : ''}><summary><b>${html(g.title)}</b>: ${groupCounts(g)}${warn}</summary>`,
    '',
    ...g.added.flatMap((r) => object('added', r)),
    ...g.removed.flatMap((r) => object('removed', r)),
    ...g.changed.flatMap((c) => changedObject(c, maxFields)),
    ...g.files.flatMap((f) => {
      const item = `- file ${f.status} ${code(f.path)}${f.detail ? `: ${escapeText(f.detail)}` : ''}`;
      return full && f.patch ? collapsed(item, 'diff', fenced(f.patch, 'diff')) : [item];
    }),
    '',
    '</details>',
  ];
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}

/** The manual steps and what the node-failure simulation says now, as Markdown sections (empty when neither). */
function actionsAndImpact(diff: TreeDiff): string[] {
  const out: string[] = [];
  if (diff.manualActions.length) {
    out.push(`#### Manual actions`, '', 'Argo CD does not apply these files: after merging, someone must.', '');
    for (const a of diff.manualActions) out.push(`- [ ] ${escapeText(a.step)} (${a.files.map(code).join(', ')})`);
    out.push('');
  }
  if (diff.failureImpact.length) {
    out.push(`#### Node-failure simulation (${code(FAILURE_REPORT)})`, '');
    for (const line of diff.failureImpact) out.push(`- ${escapeText(line)}`);
    out.push('');
  }
  return out;
}

/**
 * The diff as Markdown for a pull request: a headline, the risk table at the top (each row
 * marked ⚠), the manual actions (a checklist) and what the node-failure simulation says now,
 * then one collapsible section per group listing added and removed objects (their YAML
 * collapsed below each), changed objects with their changed field paths, and files (host files
 * with their diff collapsed). Sections with risks start open. A section too big for the budget
 * lists names only.
 */
export function renderMarkdown(diff: TreeDiff, options: MarkdownOptions): string {
  const maxFields = options.maxFieldsPerObject ?? 40;
  const maxChars = options.maxChars ?? 60000;
  const out: string[] = [
    `### Rendered diff: ${escapeText(options.base)} → ${escapeText(options.head)}`,
    '',
    `${summaryLine(diff)}.`,
    '',
  ];
  if (isEmptyDiff(diff)) return `${out.join('\n')}\nNothing to review: the rendered objects are identical.\n`;

  if (diff.risks.length) {
    out.push(`#### ⚠ ${diff.risks.length} risky change${diff.risks.length === 1 ? '' : 's'}`, '');
    out.push('| | risk | object | group | what |', '|---|---|---|---|---|');
    let size = 0;
    for (let i = 0; i < diff.risks.length; i++) {
      const r = diff.risks[i];
      const row = `| ⚠ | ${cell(escapeText(r.title))} | ${cell(code(describeRef(r.object)))} | ${cell(code(r.object.group))} | ${cell(escapeText(r.message))} |`;
      if (size + row.length > maxChars / 2) {
        out.push(`| ⚠ | … | ${diff.risks.length - i} more | | run \`npm run diff\` locally to see every risk |`);
        break;
      }
      size += row.length + 1;
      out.push(row);
    }
  } else {
    out.push('No risky changes found.');
  }
  out.push('');
  out.push(...actionsAndImpact(diff));
  for (const w of diff.warnings) out.push(`> ${escapeText(w)}`, '');

  const risksIn = new Map<string, number>();
  for (const r of diff.risks) risksIn.set(r.object.group, (risksIn.get(r.object.group) ?? 0) + 1);
  // Each section in full if it fits the budget, else with object names only, else left out.
  const head = `${out.join('\n')}\n`;
  const sections: { group: string; text: string; short: boolean }[] = [];
  const left: string[] = [];
  // Room kept for the notes below (each names at most 8 groups).
  const budget = maxChars - Math.min(600, maxChars / 10);
  let size = head.length;
  for (const g of diff.groups) {
    const risks = risksIn.get(g.group) ?? 0;
    const full = section(g, risks, maxFields);
    const text = size + full.length + 1 > budget ? section(g, risks, 0) : full;
    if (size + text.length + 1 > budget) left.push(g.group);
    else {
      sections.push({ group: g.group, text, short: text !== full });
      size += text.length + 1;
    }
  }
  const list = (groups: readonly string[]) => `${groups.slice(0, 8).map(code).join(', ')}${groups.length > 8 ? ` and ${groups.length - 8} more` : ''}`;
  const compose = (): string => {
    const shortened = sections.filter((x) => x.short).map((x) => x.group);
    let text = `${head}${sections.map((x) => x.text).join('\n')}`;
    if (shortened.length) text += `\n_Field changes left out to stay under ${maxChars} characters in ${list(shortened)}; run \`npm run diff\` locally to see them._\n`;
    if (left.length) text += `\n_${left.length} group${left.length === 1 ? '' : 's'} left out to stay under ${maxChars} characters: ${list(left)}; run \`npm run diff\` locally to see everything._\n`;
    return text;
  };
  let text = compose();
  // Should the notes need more room than kept: drop sections from the end until everything fits.
  while (text.length > maxChars && sections.length > 0) {
    left.unshift(sections.pop()!.group);
    text = compose();
  }
  return text;
}
