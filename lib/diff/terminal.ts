import { crdLines, fieldValues, groupCounts, summaryLine } from './describe';
import { FAILURE_REPORT } from '../ha/report';
import { describeRef, isEmptyDiff, TreeDiff } from './model';

export interface TerminalOptions {
  /** What the base is, e.g. `1a2b3c4 (merge base with main)`. */
  readonly base: string;
  /** What the head is, e.g. `working tree`. */
  readonly head: string;
  /** Use ANSI colours (see `shouldColor`). */
  readonly color: boolean;
}

/**
 * Colours only on a terminal, and never when `NO_COLOR` is set to anything but the empty
 * string (https://no-color.org).
 */
export function shouldColor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

/** The lines of a text without its final newline. */
function yamlLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const CODES = { bold: 1, red: 31, green: 32, yellow: 33, cyan: 36, dim: 2 } as const;

/**
 * The diff as plain text for a terminal: risks first, then the manual actions and what the
 * node-failure simulation says now, then each group with `+` added and `-` removed objects (their
 * YAML in full, indented) and `~` changed objects (changed fields indented below them, a CRD's
 * version summary first), and files (host files with their unified diff).
 */
export function renderTerminal(diff: TreeDiff, options: TerminalOptions): string {
  const paint = (style: keyof typeof CODES, text: string) => (options.color ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text);
  const lines: string[] = [paint('bold', `Rendered diff: ${options.base} → ${options.head}`), summaryLine(diff)];
  if (isEmptyDiff(diff)) return `${lines.join('\n')}\n`;

  lines.push('');
  if (diff.risks.length) {
    lines.push(paint('red', paint('bold', `⚠ ${diff.risks.length} risky change${diff.risks.length === 1 ? '' : 's'}:`)));
    for (const r of diff.risks) {
      lines.push(`  ${paint('red', '⚠')} ${r.title}: ${describeRef(r.object)} (${r.object.group})`);
      lines.push(`      ${r.message}`);
    }
  } else {
    lines.push('no risky changes found');
  }
  for (const w of diff.warnings) lines.push(paint('yellow', `warning: ${w}`));
  if (diff.manualActions.length) {
    lines.push('', paint('bold', `Manual actions (files Argo CD does not apply; ${diff.manualActions.length} step${diff.manualActions.length === 1 ? '' : 's'}):`));
    for (const a of diff.manualActions) lines.push(`  ${paint('yellow', '→')} ${a.step}`, `      for ${a.files.join(', ')}`);
  }
  if (diff.failureImpact.length) {
    lines.push('', paint('bold', `Node-failure simulation (${FAILURE_REPORT}):`));
    for (const line of diff.failureImpact) lines.push(`  ${line}`);
  }

  for (const g of diff.groups) {
    lines.push('', `${paint('bold', g.title)}: ${groupCounts(g)}`);
    for (const r of g.added) {
      lines.push(paint('green', `  + ${describeRef(r)}`));
      for (const line of yamlLines(r.yaml)) lines.push(paint('green', `      ${line}`));
    }
    for (const r of g.removed) {
      lines.push(paint('red', `  - ${describeRef(r)}`));
      for (const line of yamlLines(r.yaml)) lines.push(paint('red', `      ${line}`));
    }
    for (const c of g.changed) {
      lines.push(paint('yellow', `  ~ ${describeRef(c.object)}`));
      if (c.previous.file !== c.object.file) lines.push(`      moved from ${c.previous.file} to ${c.object.file}`);
      for (const line of c.crd ? crdLines(c.crd, (t) => paint('cyan', t)) : []) {
        lines.push(`      ${paint('yellow', '~')} ${line.text}`);
        for (const d of line.details) lines.push(`          ${d}`);
      }
      for (const f of c.fields) {
        const mark = f.op === 'added' ? paint('green', '+') : f.op === 'removed' ? paint('red', '-') : paint('yellow', '~');
        lines.push(`      ${mark} ${paint('cyan', f.path)}: ${fieldValues(f)}`);
      }
    }
    for (const f of g.files) {
      const mark = f.status === 'added' ? paint('green', '+') : f.status === 'removed' ? paint('red', '-') : paint('yellow', '~');
      lines.push(`  ${mark} file ${f.path}${f.detail ? ` (${f.detail})` : ''}`);
      for (const line of f.patch ? yamlLines(f.patch) : []) {
        lines.push(`      ${line.startsWith('+') ? paint('green', line) : line.startsWith('-') ? paint('red', line) : line.startsWith('@@') ? paint('cyan', line) : line}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
