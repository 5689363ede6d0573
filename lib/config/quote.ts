/**
 * Values from the user's files echoed in messages: quoted, and cut to a short length so a huge
 * value (a 20 MB string pasted by mistake) never drowns the message that names it.
 */

/** Characters of a value a message shows at most (before the ellipsis). */
export const QUOTE_MAX = 80;

/** `s` cut to at most `max` UTF-16 units without splitting a surrogate pair. */
function cut(s: string, max: number): string {
  const end = max > 0 && /[\uD800-\uDBFF]/.test(s[max - 1]) ? max - 1 : max;
  return s.slice(0, end);
}

/**
 * A user value for a message: a string JSON-quoted (`"abc"`), a number or boolean as written,
 * anything else as compact JSON. Longer than `max` characters: the first `max`, an ellipsis and
 * the full length, e.g. `"xxxx…" (20000000 characters)`.
 */
export function quoteValue(value: unknown, max: number = QUOTE_MAX): string {
  if (typeof value === 'string') {
    if (value.length <= max) return JSON.stringify(value);
    return `${JSON.stringify(cut(value, max)).slice(0, -1)}…" (${value.length} characters)`;
  }
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length <= max ? text : `${cut(text, max)}… (${text.length} characters)`;
}
