/**
 * A unified diff of two texts, line by line (`diff -u` style hunks with `@@` headers), for the
 * files the diff compares as text: host files that are copied to machines by hand.
 */

/** Lines of context kept around each change. */
export const CONTEXT_LINES = 3;

/** Above this many line pairs (base lines x head lines, after the common start and end), the whole middle is one hunk. */
const MAX_CELLS = 4_000_000;

type Op = { readonly kind: ' ' | '-' | '+'; readonly text: string };

function lines(text: string): string[] {
  if (text === '') return [];
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

/** The edit script between two line lists: longest common subsequence (dynamic programming). */
function editScript(a: readonly string[], b: readonly string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const ops: Op[] = a.slice(0, start).map((text) => ({ kind: ' ', text }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  if (midA.length * midB.length > MAX_CELLS) {
    ops.push(...midA.map((text) => ({ kind: '-' as const, text })), ...midB.map((text) => ({ kind: '+' as const, text })));
  } else {
    const n = midA.length;
    const m = midB.length;
    // lcs[i][j]: length of the common subsequence of midA[i..] and midB[j..], row by row.
    const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) lcs[i][j] = midA[i] === midB[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        ops.push({ kind: ' ', text: midA[i] });
        i++;
        j++;
      } else if (j < m && (i === n || lcs[i][j + 1] > lcs[i + 1][j])) {
        ops.push({ kind: '+', text: midB[j++] });
      } else {
        ops.push({ kind: '-', text: midA[i++] });
      }
    }
    // Removals before additions within a run of changes, as diff -u prints them.
    for (let k = 0; k < ops.length; k++) {
      if (ops[k].kind === ' ') continue;
      let end = k;
      while (end < ops.length && ops[end].kind !== ' ') end++;
      const run = ops.slice(k, end);
      ops.splice(k, run.length, ...run.filter((o) => o.kind === '-'), ...run.filter((o) => o.kind === '+'));
      k = end;
    }
  }
  ops.push(...a.slice(endA).map((text) => ({ kind: ' ' as const, text })));
  return ops;
}

/**
 * The hunks of a unified diff from `before` to `after` (no `---`/`+++` header): empty when the
 * texts are equal. An added file is one hunk of `+` lines, a removed one of `-` lines.
 */
export function unifiedDiff(before: string, after: string, context = CONTEXT_LINES): string {
  if (before === after) return '';
  const ops = editScript(lines(before), lines(after));
  const changed = ops.map((o, i) => (o.kind === ' ' ? -1 : i)).filter((i) => i >= 0);
  if (changed.length === 0) return '';
  // Group changes whose context overlaps into hunks.
  const hunks: [number, number][] = [];
  for (const i of changed) {
    const last = hunks[hunks.length - 1];
    if (last && i - last[1] <= 2 * context + 1) last[1] = i;
    else hunks.push([i, i]);
  }
  const out: string[] = [];
  for (const [first, last] of hunks) {
    const from = Math.max(0, first - context);
    const to = Math.min(ops.length - 1, last + context);
    let oldStart = 1;
    let newStart = 1;
    for (let k = 0; k < from; k++) {
      if (ops[k].kind !== '+') oldStart++;
      if (ops[k].kind !== '-') newStart++;
    }
    const body = ops.slice(from, to + 1);
    const oldLen = body.filter((o) => o.kind !== '+').length;
    const newLen = body.filter((o) => o.kind !== '-').length;
    const range = (start: number, len: number) => `${len === 0 ? start - 1 : start}${len === 1 ? '' : `,${len}`}`;
    out.push(`@@ -${range(oldStart, oldLen)} +${range(newStart, newLen)} @@`);
    for (const o of body) out.push(`${o.kind}${o.text}`);
  }
  return `${out.join('\n')}\n`;
}
