/**
 * Compact one-line text for a value in a diff: `3`, `"3"`, `true`, `unset`,
 * `{"cpu":"50m"}`, `"first line…" (12 lines)`, cut to a maximum length with `…`.
 */
export function compactValue(value: unknown, max = 60): string {
  if (value === undefined) return 'unset';
  if (typeof value === 'string') {
    const lines = value.split('\n');
    if (lines.length > 2 || (lines.length === 2 && lines[1] !== '')) {
      const suffix = ` (${lines[lines.length - 1] === '' ? lines.length - 1 : lines.length} lines)`;
      return `${cut(JSON.stringify(lines[0]), Math.max(12, max - suffix.length))}${suffix}`;
    }
    return cut(JSON.stringify(value), max);
  }
  return cut(JSON.stringify(value) ?? String(value), max);
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Characters of the common start kept before the first difference when `compactPair` skips it. */
const LEAD = 8;

/** The first index where two texts differ (their common length when one starts the other). */
function firstDifference(a: string, b: string): number {
  let same = 0;
  while (same < a.length && same < b.length && a[same] === b[same]) same++;
  return same;
}

/** Whether the compact form of a value shows all of it (not cut, not summarised to its first line). */
function shownInFull(value: unknown, compact: string): boolean {
  return compact === (JSON.stringify(value) ?? String(value));
}

/**
 * Both values of a change, each compact, shown around what changed: when a compact value would
 * not show where the two differ (both cut, or a multi-line text summarised by its first line),
 * each shows a window from a little before the first difference, behind `…`; multi-line texts
 * show the first line that differs, named by its number, the same way.
 */
export function compactPair(before: unknown, after: unknown, max = 60): [string, string] {
  const a = compactValue(before, max);
  const b = compactValue(after, max);
  if (before === undefined || after === undefined) return [a, b];
  if (shownInFull(before, a) && shownInFull(after, b)) return [a, b];
  if (typeof before === 'string' && typeof after === 'string' && (before.includes('\n') || after.includes('\n'))) {
    const la = before.split('\n');
    const lb = after.split('\n');
    let k = 0;
    while (k < la.length && k < lb.length && la[k] === lb[k]) k++;
    const count = (lines: string[]) => (lines[lines.length - 1] === '' ? lines.length - 1 : lines.length);
    const suffix = (lines: string[]) => (count(lines) > 1 ? ` (${count(lines)} lines)` : '');
    if (k === 0) {
      const [x, y] = compactPair(la[0], lb[0], Math.max(12, max - Math.max(suffix(la).length, suffix(lb).length)));
      return [`${x}${suffix(la)}`, `${y}${suffix(lb)}`];
    }
    const prefix = `line ${k + 1}: `;
    const room = Math.max(16, max - prefix.length - 12);
    const [x, y] = compactPair(la[k] ?? '', lb[k] ?? '', room);
    return [`${prefix}${k < count(la) ? x : 'none'}${suffix(la)}`, `${prefix}${k < count(lb) ? y : 'none'}${suffix(lb)}`];
  }
  const ta = JSON.stringify(before) ?? String(before);
  const tb = JSON.stringify(after) ?? String(after);
  const same = firstDifference(ta, tb);
  if (same === ta.length && same === tb.length) return [a, b];
  // Both compact forms already reach past the first difference: they read differently as they are.
  const reach = (text: string, full: string) => (text === full ? full.length : text.endsWith('…') ? text.length - 1 : 0);
  if (a !== b && reach(a, ta) > same && reach(b, tb) > same) return [a, b];
  const from = Math.max(0, same - LEAD);
  const tail = (t: string) => `${from > 0 ? '…' : ''}${cut(t.slice(from), from > 0 ? max - 1 : max)}`;
  return [tail(ta), tail(tb)];
}
