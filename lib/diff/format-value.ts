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
