import type { RuleIssue } from './rules';

/**
 * Keys named `__proto__` anywhere in an input as read (an app spec, the site): JavaScript sets an object's prototype through
 * that name instead of adding the key, so a map such as `env` would lose it without a word (the
 * name is a valid variable name otherwise).
 */
export function reservedKeys(value: unknown, at: (string | number)[] = [], out: RuleIssue[] = []): RuleIssue[] {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      at.push(i);
      reservedKeys(value[i], at, out);
      at.pop();
    }
  } else if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      at.push(key);
      if (key === '__proto__') out.push({ path: [...at], atKey: true, message: '"__proto__" cannot be a key here: JavaScript reserves it, and the platform would drop it without a word; rename it' });
      else reservedKeys((value as Record<string, unknown>)[key], at, out);
      at.pop();
    }
  }
  return out;
}
