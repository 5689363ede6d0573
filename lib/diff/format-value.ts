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

/**
 * Both values of a change, each compact, that read differently: when the compact values look
 * the same (both cut before where they differ, as in long annotation values or lists), each
 * skips the common start and shows `…` and the text from a little before the first difference.
 */
export function compactPair(before: unknown, after: unknown, max = 60): [string, string] {
  const a = compactValue(before, max);
  const b = compactValue(after, max);
  if (a !== b || before === undefined || after === undefined) return [a, b];
  const ta = JSON.stringify(before) ?? String(before);
  const tb = JSON.stringify(after) ?? String(after);
  let same = 0;
  while (same < ta.length && same < tb.length && ta[same] === tb[same]) same++;
  if (same === ta.length && same === tb.length) return [a, b];
  const from = Math.max(0, same - LEAD);
  const tail = (t: string) => `…${cut(t.slice(from), max - 1)}`;
  return [tail(ta), tail(tb)];
}
